package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.Require;

import java.util.Arrays;

/**
 * Training data in memory: N sequences x {@code [N, T, F]} (batch-first) with optional lengths, and
 * targets, either one per sequence (many-to-one) or one per step (many-to-many). Regression targets
 * are floats ({@code [N, K]} or {@code [N, T, K]}); classification targets are class ids ({@code [N]}
 * or {@code [N, T]}). T must be at least 1 and each length in [1, T].
 *
 * <p>Padding, the steps past a sequence's length, of x and of per-step targets, is ignored everywhere, as
 * PyTorch's packed sequences never read it: it may hold anything (NaN, token ids or labels out of range) and
 * changes no output, loss, metric, gradient or check; {@link #subset} writes it as zeros.
 */
public record Dataset(float[] x, int size, int steps, int features, int[] lengths,
                      float[] targets, int[] labels, int targetWidth, boolean perStep) {

    public Dataset {
        if (x == null) throw new IllegalArgumentException("x: expected non-null, got null");
        if (steps < 1) {
            throw new IllegalArgumentException("x: expected at least one step (T >= 1), got [" + size + ", " + steps + ", " + features + "]");
        }
        if (size < 1 || features < 1) {
            throw new IllegalArgumentException("x: expected shape [N >= 1, T >= 1, F >= 1], got [" + size + ", " + steps + ", " + features + "]");
        }
        if (x.length != (long) size * steps * features) {
            throw new IllegalArgumentException("x: expected " + ((long) size * steps * features) + " floats for [" + size + ", "
                    + steps + ", " + features + "], got " + x.length);
        }
        if (lengths != null) lengths = Require.lengths(lengths, steps, size);
        long rows = perStep ? (long) size * steps : size;
        if ((targets == null) == (labels == null)) {
            throw new IllegalArgumentException("targets, labels: expected exactly one of float targets (y) or class labels, got "
                    + (targets == null ? "neither" : "both"));
        }
        if (targets != null && targetWidth < 1) throw new IllegalArgumentException("targetWidth: expected >= 1, got " + targetWidth);
        if (targets != null && targets.length != rows * targetWidth) {
            throw new IllegalArgumentException("y: expected " + rows * targetWidth + " values (" + (perStep ? "[N, T, K]" : "[N, K]")
                    + " with K = " + targetWidth + "), got " + targets.length);
        }
        if (labels != null && labels.length != rows) {
            throw new IllegalArgumentException("y: expected " + rows + " labels (" + (perStep ? "[N, T]" : "[N]") + "), got " + labels.length);
        }
    }

    public static Dataset regression(float[] x, int n, int steps, int features, int[] lengths, float[] y, int width, boolean perStep) {
        return new Dataset(x, n, steps, features, lengths, y, null, width, perStep);
    }

    public static Dataset classification(float[] x, int n, int steps, int features, int[] lengths, int[] labels, boolean perStep) {
        return new Dataset(x, n, steps, features, lengths, null, labels, 1, perStep);
    }

    public boolean isClassification() {
        return labels != null;
    }

    public int lengthOf(int i) {
        if (i < 0 || i >= size) throw new IllegalArgumentException("i: expected a row in [0, " + size + "), got " + i);
        return lengths == null ? steps : lengths[i];
    }

    /** The rows idx[from, to) as a new dataset (copies), with zeros in the padding of x and of per-step targets. */
    public Dataset subset(int[] idx, int from, int to) {
        Require.notNull("idx", idx);
        if (from < 0 || to <= from || to > idx.length) {
            throw new IllegalArgumentException("from, to: expected 0 <= from < to <= idx.length (" + idx.length + "), got from = "
                    + from + ", to = " + to);
        }
        for (int i = from; i < to; i++) {
            if (idx[i] < 0 || idx[i] >= size) {
                throw new IllegalArgumentException("idx: expected rows in [0, " + size + "), got " + idx[i] + " at index " + i);
            }
        }
        int n = to - from, tf = steps * features, per = perStep ? steps : 1;
        float[] xs = new float[n * tf];
        int[] ls = lengths == null ? null : new int[n];
        float[] ys = targets == null ? null : new float[n * per * targetWidth];
        int[] lab = labels == null ? null : new int[n * per];
        for (int i = 0; i < n; i++) {
            int j = idx[from + i], len = lengthOf(j), valid = perStep ? len : 1;
            System.arraycopy(x, j * tf, xs, i * tf, len * features);
            if (ls != null) ls[i] = len;
            if (ys != null) System.arraycopy(targets, j * per * targetWidth, ys, i * per * targetWidth, valid * targetWidth);
            if (lab != null) System.arraycopy(labels, j * per, lab, i * per, valid);
        }
        return new Dataset(xs, n, steps, features, ls, ys, lab, targetWidth, perStep);
    }

    /** x as a batch of sequences with the lengths (no copy; a {@link dev.vecrnn.nn.model.Model} ignores its padding). */
    public Batch inputs() {
        return new Batch(x, size, steps, features, lengths, true);
    }

    public static int[] range(int n) {
        if (n < 0) throw new IllegalArgumentException("n: expected >= 0, got " + n);
        int[] r = new int[n];
        Arrays.setAll(r, i -> i);
        return r;
    }
}
