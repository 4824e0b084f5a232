package dev.vecrnn.kernels;

import java.util.Random;

/**
 * Seeded test data. Values lie in [-3, 3] with six decimals. Every array is built with guard cells
 * (a NaN with a payload) around and between the rows of the region a kernel may touch, so that a
 * write outside it, or a read of it that reaches a result, shows.
 */
final class Data {
    static final float GUARD = Float.intBitsToFloat(0x7fc0_0bad);
    private static final int TAIL = 3;

    final Random random;

    Data(long seed) {
        random = new Random(seed);
    }

    /** A value in [-3, 3] with six decimals. */
    float value() {
        return between(-3, 3);
    }

    /** A value in [lo, hi] with six decimals. */
    float between(double lo, double hi) {
        double v = lo + random.nextDouble() * (hi - lo);
        return (float) (Math.round(v * 1e6) / 1e6);
    }

    /** An offset: zero now and then, else 1..7. */
    int offset() {
        return random.nextInt(4) == 0 ? 0 : 1 + random.nextInt(7);
    }

    /** A row stride for rows of {@code cols}: tight now and then, else wider by 1..5. */
    int stride(int cols) {
        return random.nextInt(4) == 0 ? cols : cols + 1 + random.nextInt(5);
    }

    /** A {@code [rows, cols]} matrix of values at {@code off} with row stride {@code ld}, guards elsewhere. */
    float[] matrix(int off, int rows, int cols, int ld) {
        float[] a = guards(off, rows, ld);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) a[off + i * ld + j] = value();
        }
        return a;
    }

    /** n values at {@code off}, guards around. */
    float[] vector(int off, int n) {
        return matrix(off, 1, n, n);
    }

    /** n values from {@code gen} at {@code off}, guards around. */
    float[] vector(int off, int n, java.util.function.DoubleSupplier gen) {
        float[] a = guards(off, 1, n);
        for (int i = 0; i < n; i++) a[off + i] = (float) gen.getAsDouble();
        return a;
    }

    /** n values, no guards. */
    float[] plain(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = value();
        return a;
    }

    private static float[] guards(int off, int rows, int ld) {
        float[] a = new float[off + rows * ld + TAIL];
        java.util.Arrays.fill(a, GUARD);
        return a;
    }

    /** Element [i, j] of a matrix at {@code off} with stride {@code ld}. */
    static float at(float[] a, int off, int ld, int i, int j) {
        return a[off + i * ld + j];
    }
}
