package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Batch;

import java.util.Arrays;

/**
 * A {@link Loss} applied to a model's output against a dataset's targets over the rows that count: each
 * sequence, or each valid step (padding past a sequence's length is left out). Where there is padding the
 * valid rows are gathered for the loss and its gradient scattered back, zeros on the padding; where there is
 * none the arrays go to the loss as they are.
 */
final class ValidRows {
    private ValidRows() {
    }

    /**
     * What one call of a loss on a batch's valid rows gave: its {@code value} and the {@code weight} its mean divided
     * by, the rows it was given or, under a cross-entropy, the rows not at its ignore index (their class weights' sum,
     * with class weights). A weight of 0 means no row counted: the value (0) is then no loss but PyTorch's 0/0. The
     * caller keeps one and hands it to {@link #score} batch after batch; not for sharing between threads.
     */
    static final class Scored {
        double value;
        double weight;
    }

    /**
     * The loss of {@code out} against {@code data}'s targets, returned and written into {@code into} with the weight
     * it is a mean over; writes d(loss)/d(out) into {@code grad} (the layout of out.data(), zero on padding) unless
     * grad is null.
     */
    static double score(Loss loss, Batch out, Dataset data, float[] grad, Scored into) {
        int width = out.features();
        boolean perStep = data.perStep();
        requireFit("targets", data, out.sequence(), width);
        int[] rows = perStep && hasPadding(data) ? validRows(data) : null;
        if (data instanceof Dataset.Classification c) {
            if (rows == null) {
                classes(loss, out.data(), c.labels(), grad, into);
                return into.value;
            }
            int[] labels = new int[rows.length];
            for (int r = 0; r < rows.length; r++) labels[r] = c.labels()[rows[r]];
            float[] g = grad == null ? null : new float[rows.length * width];
            classes(loss, gather(out.data(), rows, width), labels, g, into);
            scatter(g, rows, width, grad);
        } else {
            Dataset.Regression r = (Dataset.Regression) data;
            if (rows == null) {
                into.value = loss.forward(out.data(), r.targets(), grad);
                into.weight = out.data().length / width;
                return into.value;
            }
            float[] g = grad == null ? null : new float[rows.length * width];
            into.value = loss.forward(gather(out.data(), rows, width), gather(r.targets(), rows, width), g);
            into.weight = rows.length;
            scatter(g, rows, width, grad);
        }
        return into.value;
    }

    /** A loss of class ids on these rows: a cross-entropy reports the weight it divided by, any other loss the rows. */
    private static void classes(Loss loss, float[] logits, int[] labels, float[] grad, Scored into) {
        CrossEntropyLoss ce = loss instanceof CrossEntropyLoss l ? l
                : loss == CrossEntropyLoss.FROM_LOGITS ? CrossEntropyLoss.fromLogits(logits, labels) : null;
        if (ce != null) {
            ce.score(logits, labels, grad, into);
        } else {
            into.value = loss.forward(logits, labels, grad);
            into.weight = labels.length;
        }
    }

    /**
     * Refuses targets that do not fit a model's output of {@code width} values per row, one row per step
     * ({@code sequence}) or per sequence; {@code what} names the data.
     */
    static void requireFit(String what, Dataset data, boolean sequence, int width) {
        if (data.perStep() != sequence) {
            throw new IllegalArgumentException(what + ": the data has one target per " + (data.perStep() ? "step" : "sequence")
                    + " but the model outputs one per " + (sequence ? "step" : "sequence"));
        }
        if (data instanceof Dataset.Regression r && r.targetWidth() != width) {
            throw new IllegalArgumentException(what + ": expected " + width + " target values per row (the model's output), got "
                    + r.targetWidth());
        }
    }

    /** Whether some sequence is shorter than the steps. */
    static boolean hasPadding(Dataset d) {
        if (d.lengths() == null) return false;
        for (int len : d.lengths()) if (len < d.steps()) return true;
        return false;
    }

    /** The indices (sequence * steps + step) of the valid steps, in order. */
    static int[] validRows(Dataset d) {
        int n = 0;
        for (int b = 0; b < d.size(); b++) n += d.lengthOf(b);
        int[] rows = new int[n];
        int r = 0;
        for (int b = 0; b < d.size(); b++) {
            for (int s = 0; s < d.lengthOf(b); s++) rows[r++] = b * d.steps() + s;
        }
        return rows;
    }

    /** Rows {@code rows} of a {@code [*, width]} array. */
    static float[] gather(float[] a, int[] rows, int width) {
        float[] out = new float[rows.length * width];
        for (int r = 0; r < rows.length; r++) System.arraycopy(a, rows[r] * width, out, r * width, width);
        return out;
    }

    /** Writes gathered rows {@code g} back to their places in {@code grad}, zeros elsewhere; nothing when grad is null. */
    private static void scatter(float[] g, int[] rows, int width, float[] grad) {
        if (grad == null) return;
        Arrays.fill(grad, 0f);
        for (int r = 0; r < rows.length; r++) System.arraycopy(g, r * width, grad, rows[r] * width, width);
    }
}
