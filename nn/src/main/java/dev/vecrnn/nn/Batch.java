package dev.vecrnn.nn;

import java.util.Arrays;

/**
 * What flows between the layers of a {@link dev.vecrnn.nn.model.Model}: either a batch of sequences {@code [B, T, F]}
 * (batch-first, with each sequence's valid length in [1, T], T >= 1) or a batch of vectors {@code [B, F]}.
 */
public record Batch(float[] data, int batch, int steps, int features, int[] lengths, boolean sequence) {

    public Batch {
        if (data == null) throw new IllegalArgumentException("data: expected non-null, got null");
        if (steps < 1) {
            throw new IllegalArgumentException("batch shape: expected at least one step (T >= 1), got [" + batch + ", " + steps + ", " + features + "]");
        }
        if (batch < 0 || features < 1) {
            throw new IllegalArgumentException("batch shape: expected B >= 0, T >= 1, F >= 1, got [" + batch + ", " + steps + ", " + features + "]");
        }
        long need = (long) batch * steps * features;
        if (data.length != need) {
            throw new IllegalArgumentException("data: expected " + need + " floats for [" + batch + ", " + steps + ", " + features
                    + "], got " + data.length);
        }
        if (lengths == null) {
            lengths = new int[batch];
            Arrays.fill(lengths, steps);
        } else {
            lengths = Require.lengths(lengths, steps, batch);
        }
        if (!sequence && steps != 1) throw new IllegalArgumentException("a vector batch has T = 1, got T = " + steps);
    }

    /** Sequences [B, T, F], all of full length T. */
    public static Batch sequences(float[] data, int batch, int steps, int features) {
        return new Batch(data, batch, steps, features, null, true);
    }

    /** Sequences [B, T, F] with per-sequence lengths in [1, T]. */
    public static Batch sequences(float[] data, int batch, int steps, int features, int[] lengths) {
        return new Batch(data, batch, steps, features, lengths, true);
    }

    /** Vectors [B, F]. */
    public static Batch vectors(float[] data, int batch, int features) {
        return new Batch(data, batch, 1, features, null, false);
    }

    /** Rows of the last dimension: B*T for sequences, B for vectors. */
    public int rows() {
        return batch * steps;
    }

    /**
     * This batch, or a copy whose padding (the steps at or past each sequence's length) is zero when some of it
     * is not: padding is never read, so nothing written there may reach an output, a loss or a gradient.
     */
    public Batch zeroPadded() {
        if (!sequence) return this;
        float[] copy = null;
        for (int b = 0; b < batch; b++) {
            int from = (b * steps + lengths[b]) * features, to = (b + 1) * steps * features;
            for (int i = from; i < to; i++) {
                if (Float.floatToRawIntBits(data[i]) != 0) {
                    if (copy == null) copy = data.clone();
                    Arrays.fill(copy, from, to, 0f);
                    break;
                }
            }
        }
        return copy == null ? this : new Batch(copy, batch, steps, features, lengths, true);
    }

    /** This batch's shape and lengths with other data, of {@code newFeatures} features. */
    public Batch withData(float[] data, int newFeatures) {
        return new Batch(data, batch, steps, newFeatures, lengths, sequence);
    }

    @Override
    public String toString() {
        return shape(batch, steps, features, sequence);
    }

    static String shape(int batch, int steps, int features, boolean sequence) {
        return sequence ? "Batch[" + batch + ", " + steps + ", " + features + "]" : "Batch[" + batch + ", " + features + "]";
    }
}
