package dev.vecrnn.gradcheck;

import java.util.SplittableRandom;

/**
 * Values drawn from one seed. Properties generate shapes and a {@code long} seed with jqwik and draw
 * the values here: fast, and the seed in a failure report replays the very same numbers. Scales are
 * set explicitly (no jqwik float edge cases such as 0.0, which land on kinks).
 */
final class Data {
    final long seed;
    private final SplittableRandom r;

    Data(long seed) {
        this.seed = seed;
        this.r = new SplittableRandom(seed);
    }

    /** U(-scale, scale). */
    float[] signed(int n, double scale) {
        return uniform(n, -scale, scale);
    }

    /** U(lo, hi). */
    float[] uniform(int n, double lo, double hi) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (lo + (hi - lo) * r.nextDouble());
        return a;
    }

    /** A random sign times U(margin, hi): values at least margin away from 0, for kinks at 0. */
    float[] awayFromZero(int n, double margin, double hi) {
        float[] a = uniform(n, margin, hi);
        for (int i = 0; i < n; i++) if (r.nextBoolean()) a[i] = -a[i];
        return a;
    }

    /** Per-sequence lengths in [1, steps], one of them (at a random row) equal to steps. */
    int[] lengths(int batch, int steps) {
        int[] len = new int[batch];
        for (int b = 0; b < batch; b++) len[b] = 1 + r.nextInt(steps);
        if (batch > 0) len[r.nextInt(batch)] = steps;
        return len;
    }

    int nextInt(int bound) {
        return r.nextInt(bound);
    }

    long nextLong() {
        return r.nextLong();
    }

    boolean nextBoolean() {
        return r.nextBoolean();
    }

    /** sum a_i * b_i in double: a loss under which every element of a matters. */
    static double dot(float[] a, float[] b) {
        if (a.length != b.length) throw new IllegalArgumentException("dot: lengths " + a.length + " and " + b.length);
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
        return s;
    }

    /** sum |a_i * b_i|: the size of the terms {@link #dot} adds up, for {@link GradCheck.LossFunction#magnitude()}. */
    static double dotMagnitude(float[] a, float[] b) {
        if (a.length != b.length) throw new IllegalArgumentException("dot: lengths " + a.length + " and " + b.length);
        double s = 0;
        for (int i = 0; i < a.length; i++) s += Math.abs((double) a[i] * b[i]);
        return s;
    }

    @Override
    public String toString() {
        return "data seed " + seed;
    }
}
