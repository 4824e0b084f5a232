package dev.vecrnn.nn;

import dev.vecrnn.kernels.Kernels;

/**
 * What inference does with a NaN or an infinity in its input ({@code x}, and {@code h0}/{@code c0}
 * where given). {@link #REJECT}, the default, throws an {@link IllegalArgumentException} naming the
 * first such value's position before anything is computed or any state changes; {@link #PROPAGATE}
 * skips the check and lets the value flow through the arithmetic as IEEE 754 says (typically making
 * that stream's outputs and state NaN from then on). The check is one vector pass over the input, a
 * few nanoseconds per step at 64 features. Set on the network or model:
 * {@link dev.vecrnn.nn.recurrent.Recurrent#setNonFiniteInput}, {@link dev.vecrnn.nn.model.Model#setNonFiniteInput}. Training forwards are not
 * checked here.
 */
public enum NonFiniteInput {
    REJECT, PROPAGATE;

    private static final String HOW = " (NonFiniteInput.REJECT, the default: clean the input, or choose"
            + " setNonFiniteInput(NonFiniteInput.PROPAGATE) to let it through)";

    @Internal
    public static NonFiniteInput require(NonFiniteInput policy) {
        if (policy == null) throw new IllegalArgumentException("policy: expected REJECT or PROPAGATE, got null");
        return policy;
    }

    /** One step's input x [n] at off. */
    @Internal
    public static void checkStep(Kernels k, String name, float[] x, int off, int n) {
        int i = k.firstNonFinite(n, x, off);
        if (i >= 0) throw error(name, x[off + i], "feature " + i);
    }

    /** Rows of {@code n} features: stepMany's xs [rows, n]. */
    @Internal
    public static void checkRows(Kernels k, String name, String row, float[] x, int rows, int n) {
        int i = k.firstNonFinite(rows * n, x, 0);
        if (i >= 0) throw error(name, x[i], row + " " + i / n + ", feature " + i % n);
    }

    /**
     * Sequences, x [T, B, n] or (batchFirst) [B, T, n]; steps at or past a sequence's length are
     * padding, never read, and not checked.
     */
    @Internal
    public static void checkSequences(Kernels k, String name, float[] x, int steps, int batch, int n, boolean batchFirst, int[] lengths) {
        int total = steps * batch * n, from = 0;
        while (from < total) {
            int i = k.firstNonFinite(total - from, x, from);
            if (i < 0) return;
            int at = from + i, row = at / n;
            int b = batchFirst ? row / steps : row % batch, t = batchFirst ? row % steps : row / batch;
            if (lengths == null || t < lengths[b]) {
                throw error(name, x[at], "sample " + b + ", time step " + t + ", feature " + at % n);
            }
            from = at + 1;
        }
    }

    /** An initial state [L*D, B, n]. */
    @Internal
    public static void checkState(Kernels k, String name, Tensor s) {
        if (s == null) return;
        float[] a = s.data();
        int i = k.firstNonFinite(a.length, a, 0);
        if (i < 0) return;
        int batch = s.dim(1), n = s.dim(2);
        throw error(name, a[i], "layer/direction " + i / (batch * n) + ", sample " + i / n % batch + ", unit " + i % n);
    }

    private static IllegalArgumentException error(String name, float v, String where) {
        return new IllegalArgumentException(name + ": expected finite values, got " + v + " at " + where + HOW);
    }
}
