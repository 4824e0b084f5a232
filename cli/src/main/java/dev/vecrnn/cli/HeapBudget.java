package dev.vecrnn.cli;

import dev.vecrnn.nn.recurrent.CellType;

import java.util.Locale;

/**
 * Sizes a command will allocate, checked against the heap before it allocates them, so that a size too
 * large is one line naming the option or file and the bytes, not an OutOfMemoryError half-way through.
 * The estimates are upper bounds within a small factor: a refusal means the work would not fit.
 */
final class HeapBudget {
    /** The longest Java array, in elements. */
    static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private HeapBudget() {
    }

    /** The bytes the heap can still give: its maximum less what is in use. */
    static long available() {
        Runtime rt = Runtime.getRuntime();
        return rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
    }

    /** Refuses {@code bytes} for {@code what} (an option or file) when the heap cannot hold them. */
    static void require(long bytes, String what) {
        if (bytes < 0 || bytes > available()) {
            throw new IllegalArgumentException(what + ": needs about " + human(bytes) + " (" + (bytes < 0 ? "more than 2^63" : bytes)
                    + " bytes) of heap, more than the " + human(available()) + " free of the " + human(Runtime.getRuntime().maxMemory())
                    + " this JVM may use (raise it with VECRNN_JAVA_OPTS=-Xmx<size>, or use smaller sizes)");
        }
    }

    /** Refuses an array of {@code elements} for {@code what} when Java cannot make one that long. */
    static void array(double elements, String what) {
        if (elements > MAX_ARRAY) {
            throw new IllegalArgumentException(what + ": " + String.format(Locale.ROOT, "%.3g", elements)
                    + " weights in one matrix, more than one Java array can hold (" + MAX_ARRAY + ")");
        }
    }

    static String human(long bytes) {
        if (bytes < 0) return "more than 8 EiB";
        if (bytes < 1 << 20) return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        if (bytes < 1L << 30) return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
    }

    /**
     * What training a model of these sizes needs, refused before the model is built. Every float of
     * the parameters is held about seven times over (weights, gradients, two optimizer moments, the
     * packed forward copy, the transposed backward copy, the best weights for early stopping); every
     * float of one batch's activations twice (the trace and its gradient). The refusal names the option
     * whose part is the largest: {@code modelSource} for the recurrent layers (null: --hidden and
     * --layers), --vocab for the embedding, {@code widthSource} for the output layer, --batch for the
     * activations of a batch ({@code batch} sequences, at most {@code rows}, of {@code steps} steps).
     */
    static void training(CellType type, int inputs, int hidden, int layers, boolean bidirectional, int vocab, int embed,
                         int width, String widthSource, String modelSource, int batch, int rows, int steps) {
        // in doubles: the products of options can pass 2^63, and an estimate needs no more than 53 bits
        double gates = switch (type) {
            case LSTM -> 4;
            case GRU -> 3;
            default -> 1;
        };
        double dirs = bidirectional ? 2 : 1, h = hidden;
        double in = vocab > 0 ? embed : inputs;
        String model = modelSource != null ? modelSource : "--hidden " + hidden + (layers > 1 ? " with --layers " + layers : "");
        // train-text has no --vocab: its vocabulary is the text's characters
        String vocabOption = widthSource.startsWith("--text") ? "--embed " + embed + " with " + vocab + " distinct characters"
                : "--vocab " + vocab + " with --embed " + embed;
        double embedding = (double) vocab * embed;
        if (vocab > 0) array(embedding, vocabOption);
        double recurrent = 0, activations = 0;
        for (int l = 0; l < layers; l++) {
            double layerIn = l == 0 ? in : dirs * h;
            array(gates * h * (layerIn + h), l == 0 && vocab > 0 && embed > hidden ? model + " and --embed " + embed : model);
            recurrent += dirs * gates * h * (layerIn + h + 2);
            activations += dirs * (gates + 4) * h;
        }
        double head = (dirs * h + 1) * width;
        array(dirs * h * width, widthSource);
        double positions = (double) Math.min(batch, rows) * steps;
        double hiddenActivations = 2 * positions * (activations + in), outputActivations = 2 * positions * 3.0 * width;
        double bytes = 4 * (7 * (recurrent + embedding + head) + hiddenActivations + outputActivations);
        String what = model;
        double largest = 7 * recurrent;
        if (7 * embedding > largest) {
            what = vocabOption;
            largest = 7 * embedding;
        }
        if (7 * head + outputActivations > largest) {
            what = widthSource;
            largest = 7 * head + outputActivations;
        }
        if (hiddenActivations > largest) what = "--batch " + batch + " (" + Inputs.count(Math.min(batch, rows), "sequence") + " of " + Inputs.count(steps, "step") + " at once)";
        require(bytes >= Long.MAX_VALUE ? -1 : (long) bytes, what);
    }
}
