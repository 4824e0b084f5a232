package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.Require;

import java.util.Arrays;

/**
 * Training data in memory: N input sequences {@code [N, T, F]} (batch-first) with optional lengths,
 * {@link Sequences}, and their targets, one per sequence (many-to-one) or one per step (many-to-many,
 * {@link #perStep()}). The targets are either floats, {@link Regression} ({@code [N, K]} or {@code [N, T, K]}),
 * or class ids, {@link Classification} ({@code [N]} or {@code [N, T]}): two types rather than one with
 * nullable fields, so a dataset cannot be built half-filled and a {@code switch} over it covers both. T must be
 * at least 1 and each length in [1, T].
 *
 * <p>Padding, the steps past a sequence's length, of x and of per-step targets, is ignored everywhere, as
 * PyTorch's packed sequences never read it: it may hold anything (NaN, token ids or labels out of range) and
 * changes no output, loss, metric, gradient or check; {@link #subset} writes it as zeros.
 */
public sealed interface Dataset permits Dataset.Regression, Dataset.Classification {

    /** The input part every dataset has: x {@code [size, steps, features]} and the lengths (null: all full). */
    record Sequences(float[] x, int size, int steps, int features, int[] lengths) {

        public Sequences {
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
        }

        /** The length of sequence {@code i}. */
        public int lengthOf(int i) {
            if (i < 0 || i >= size) throw new IllegalArgumentException("i: expected a row in [0, " + size + "), got " + i);
            return lengths == null ? steps : lengths[i];
        }

        /** The rows idx[from, to) (copies, zeros in the padding); the arguments were checked by {@link Dataset#subset}. */
        Sequences rows(int[] idx, int from, int to) {
            int n = to - from, tf = steps * features;
            float[] xs = new float[n * tf];
            int[] ls = lengths == null ? null : new int[n];
            for (int i = 0; i < n; i++) {
                int j = idx[from + i], len = lengthOf(j);
                System.arraycopy(x, j * tf, xs, i * tf, len * features);
                if (ls != null) ls[i] = len;
            }
            return new Sequences(xs, n, steps, features, ls);
        }
    }

    /** Float targets, {@code [N, K]} or per step {@code [N, T, K]} with K = {@code targetWidth}. */
    record Regression(Sequences sequences, float[] targets, int targetWidth, boolean perStep) implements Dataset {

        public Regression {
            Require.notNull("sequences", sequences);
            if (targets == null) throw new IllegalArgumentException("y: expected float targets, got null");
            if (targetWidth < 1) throw new IllegalArgumentException("targetWidth: expected >= 1, got " + targetWidth);
            long rows = perStep ? (long) sequences.size() * sequences.steps() : sequences.size();
            if (targets.length != rows * targetWidth) {
                throw new IllegalArgumentException("y: expected " + rows * targetWidth + " values (" + (perStep ? "[N, T, K]" : "[N, K]")
                        + " with K = " + targetWidth + "), got " + targets.length);
            }
        }

        @Override
        public Regression subset(int[] idx, int from, int to) {
            Dataset.checkSubset(this, idx, from, to);
            int n = to - from, per = perStep ? steps() : 1;
            float[] ys = new float[n * per * targetWidth];
            for (int i = 0; i < n; i++) {
                int j = idx[from + i], valid = perStep ? lengthOf(j) : 1;
                System.arraycopy(targets, j * per * targetWidth, ys, i * per * targetWidth, valid * targetWidth);
            }
            return new Regression(sequences.rows(idx, from, to), ys, targetWidth, perStep);
        }
    }

    /** Class ids, {@code [N]} or per step {@code [N, T]}. */
    record Classification(Sequences sequences, int[] labels, boolean perStep) implements Dataset {

        public Classification {
            Require.notNull("sequences", sequences);
            if (labels == null) throw new IllegalArgumentException("y: expected class labels, got null");
            long rows = perStep ? (long) sequences.size() * sequences.steps() : sequences.size();
            if (labels.length != rows) {
                throw new IllegalArgumentException("y: expected " + rows + " labels (" + (perStep ? "[N, T]" : "[N]") + "), got " + labels.length);
            }
        }

        @Override
        public Classification subset(int[] idx, int from, int to) {
            Dataset.checkSubset(this, idx, from, to);
            int n = to - from, per = perStep ? steps() : 1;
            int[] lab = new int[n * per];
            for (int i = 0; i < n; i++) {
                int j = idx[from + i], valid = perStep ? lengthOf(j) : 1;
                System.arraycopy(labels, j * per, lab, i * per, valid);
            }
            return new Classification(sequences.rows(idx, from, to), lab, perStep);
        }
    }

    /** Float targets y {@code [n, width]}, or per step {@code [n, steps, width]}; x {@code [n, steps, features]}. */
    static Regression regression(float[] x, int n, int steps, int features, int[] lengths, float[] y, int width, boolean perStep) {
        return new Regression(new Sequences(x, n, steps, features, lengths), y, width, perStep);
    }

    /** Class ids {@code [n]}, or per step {@code [n, steps]}; x {@code [n, steps, features]}. */
    static Classification classification(float[] x, int n, int steps, int features, int[] lengths, int[] labels, boolean perStep) {
        return new Classification(new Sequences(x, n, steps, features, lengths), labels, perStep);
    }

    /** The inputs. */
    Sequences sequences();

    /** Whether there is one target per step (else one per sequence). */
    boolean perStep();

    default float[] x() {
        return sequences().x();
    }

    default int size() {
        return sequences().size();
    }

    default int steps() {
        return sequences().steps();
    }

    default int features() {
        return sequences().features();
    }

    /** The lengths, or null when every sequence has all the steps. */
    default int[] lengths() {
        return sequences().lengths();
    }

    default int lengthOf(int i) {
        return sequences().lengthOf(i);
    }

    /** The rows idx[from, to) as a new dataset of the same type (copies), with zeros in the padding of x and of per-step targets. */
    Dataset subset(int[] idx, int from, int to);

    /** x as a batch of sequences with the lengths (no copy; a {@link dev.vecrnn.nn.model.Model} ignores its padding). */
    default Batch inputs() {
        return new Batch(x(), size(), steps(), features(), lengths(), true);
    }

    static int[] range(int n) {
        if (n < 0) throw new IllegalArgumentException("n: expected >= 0, got " + n);
        int[] r = new int[n];
        Arrays.setAll(r, i -> i);
        return r;
    }

    private static void checkSubset(Dataset d, int[] idx, int from, int to) {
        Require.notNull("idx", idx);
        if (from < 0 || to <= from || to > idx.length) {
            throw new IllegalArgumentException("from, to: expected 0 <= from < to <= idx.length (" + idx.length + "), got from = "
                    + from + ", to = " + to);
        }
        for (int i = from; i < to; i++) {
            if (idx[i] < 0 || idx[i] >= d.size()) {
                throw new IllegalArgumentException("idx: expected rows in [0, " + d.size() + "), got " + idx[i] + " at index " + i);
            }
        }
    }
}
