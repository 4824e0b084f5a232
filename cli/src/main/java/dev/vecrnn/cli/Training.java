package dev.vecrnn.cli;

import dev.vecrnn.nn.train.Dataset;
import dev.vecrnn.nn.train.Evaluation;
import dev.vecrnn.nn.train.NonFiniteException;
import dev.vecrnn.nn.train.Trainer;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.Callable;

/** Training as the commands run it: a run that diverges is refused naming the options that steer it. */
final class Training {
    private Training() {
    }

    /** The library's advice on a non-finite loss or gradient, which names its API; each command names its own options. */
    private static final String LIBRARY_ADVICE = " (lower the learning rate, clip gradients, or choose NonFinitePolicy.SKIP_BATCH)";

    /**
     * Runs {@code fit}; a run that diverges is refused naming {@code steering}, the command's own options
     * that steer it, such as {@link #fitSteering}, or {@link #STEERING} for a command with --lr alone.
     */
    static <T> T run(Callable<T> fit, String steering) throws Exception {
        try {
            return fit.call();
        } catch (NonFiniteException e) {
            throw diverged(e.getMessage().replace(LIBRARY_ADVICE, ""), steering, e);
        }
    }

    static final String STEERING = "lower --lr or check the data";
    /**
     * What steers fit's training: skipping a batch whose loss or gradient is not finite helps only where a batch's
     * did not (not under --on-non-finite skip already, nor where the steps were finite and the trained model's loss
     * is not: {@code batchesFailed} false).
     */
    static String fitSteering(boolean batchesFailed) {
        return "lower --lr, clip gradients with --clip, " + (batchesFailed ? "skip such batches with --on-non-finite skip, " : "")
                + "or check the data";
    }

    /**
     * {@code ev}, the trained model's figures on {@code data}, once every one is finite as a float. A loss that stayed
     * finite but whose perplexity overflows (a mean cross-entropy above 709 nats) diverged as surely as a NaN loss does;
     * so did one that is finite only because vecrnn sums in double: an MSE of 2.5e61 is PyTorch's and Keras's float32
     * {@code inf}.
     */
    static Evaluation finite(Evaluation ev, String data, String steering) {
        for (Map.Entry<String, Double> m : ev.metrics().entrySet()) {
            double v = m.getValue();
            if (!(Math.abs(v) <= Float.MAX_VALUE)) {
                String overflow = Double.isFinite(v) ? " (past float32's largest, " + Float.MAX_VALUE + ": PyTorch's float32 loss is inf)" : "";
                throw diverged(String.format(Locale.ROOT, "the loss on %s is %.3g%s%s", data, ev.loss(),
                        m.getKey().equals("loss") ? "" : ", its " + m.getKey() + " " + v, overflow), steering, null);
            }
        }
        return ev;
    }

    /**
     * A run that learned nothing, or has no epoch to keep, is refused as a diverged one: under --on-non-finite skip, one in
     * which no batch's loss counted in any epoch (each skipped, or scoring no row); with
     * validation data ({@code validation} names it, null for none), one in which no epoch's validation loss was finite, so
     * that none is the best (and the last, kept under --patience -1, has none either).
     */
    static void learned(Trainer.History h, String validation, String steering) {
        List<Trainer.Epoch> epochs = h.epochs();
        if (epochs.isEmpty()) return;
        int skipped = 0;
        boolean none = true;
        for (Trainer.Epoch e : epochs) {
            skipped += e.skippedSteps();
            none &= Double.isNaN(e.trainLoss()) && e.skippedSteps() > 0;
        }
        if (none) {
            // what was counted, not more: a batch that was not skipped may have scored no row (labels all -100), and an
            // optimizer with weight decay still moved the weights on its zero gradient
            throw new IllegalArgumentException("--on-non-finite skip: no batch of any epoch counted (" + Inputs.count(skipped, "step")
                    + " over " + Inputs.count(epochs.size(), "epoch") + " skipped for a non-finite loss or gradient, any other scored no row):"
                    + " nothing was learned from the data; lower --lr, or check the data (targets of a large scale overflow the gradient:"
                    + " standardize them)");
        }
        if (validation != null && h.bestEpoch() < 0) {
            double last = epochs.get(epochs.size() - 1).validation().loss();
            throw diverged("the validation loss on " + validation + " is not finite in any epoch, " + last + " in the last: no epoch to keep"
                    + " as the best", steering, null);
        }
    }

    private static IllegalArgumentException diverged(String what, String steering, Throwable cause) {
        return new IllegalArgumentException("--lr: training diverged (" + what + "); " + steering, cause);
    }

    /**
     * What fit and tune say of their inputs, printed once nothing is left to refuse (a refusal is its one line, with
     * nothing before it on stdout): how Y and --val-y were read (one-hot rows), the weights --class-weight and
     * --pos-weight chose, and with {@code x} (null for token ids) a note on features too large for the gates, and one on regression targets
     * far from the outputs' starting scale.
     */
    static void printNotes(Datasets.Loaded in, ValidationArrays val, WeightOption classWeights, WeightOption posWeights, Path x,
                           Path y, Dataset data) {
        in.printNote();
        val.printNote();
        classWeights.printWeights();
        posWeights.printWeights();
        if (x != null) ScaleNotes.scaleNote(x, data);
        ScaleNotes.targetScaleNote(y, data);
    }

    /**
     * An option that weighs a loss, as --class-weight (a class's rows) and --pos-weight (a label's positive term): the
     * weights its loss was made with, kept as a line for stdout and printed by {@link #printNotes}.
     */
    abstract static class WeightOption {
        /** The weights the loss was made with, as a line for stdout; null while none was made with weights. */
        private String weightsLine;

        /** Keeps the line {@link #printWeights} prints: "{@code what} ({@code how}): 0: w0  1: w1 ...". */
        final void chose(String what, String how, float[] w) {
            StringJoiner sj = new StringJoiner("  ");
            for (int k = 0; k < w.length; k++) sj.add(String.format(Locale.ROOT, "%d: %.4g", k, w[k]));
            weightsLine = what + " (" + how + "): " + sj;
        }

        /** Prints the weights chosen, if any. */
        final void printWeights() {
            if (weightsLine != null) System.out.println(weightsLine);
        }
    }
}
