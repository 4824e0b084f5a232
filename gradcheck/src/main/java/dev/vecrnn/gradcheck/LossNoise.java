package dev.vecrnn.gradcheck;

import java.util.SplittableRandom;

/**
 * Measures the rounding noise of a loss, Moré and Wild's ECnoise: along a random direction, 16
 * losses at equal small steps; for a smooth function the sixth differences of such a short path are
 * pure noise, with variance {@code C(12, 6) sigma^2 = 924 sigma^2}. Four directions are averaged
 * (a sixteen-point path alone gives an estimate that is often off by 2x).
 *
 * <p>Two details make the estimate trustworthy in float32 (see {@link #step}):
 * <ul>
 * <li>every point of the path is exact in float32: rounding the path itself would add noise of about
 *   {@code |gradient| * ulp(x)} and swamp the estimate for a loss computed in double;</li>
 * <li>the steps have random low bits: steps of a power of two leave the rounding of a sum such as
 *   {@code x W + b} the same at every point of the path, which hides the noise of piecewise linear
 *   losses.</li>
 * </ul>
 * Every element moves at once, which reshuffles the rounding of every output the input reaches: an
 * upper bound on what moving one element does.
 */
final class LossNoise {
    static final int POINTS = 16;
    static final int DIRECTIONS = 4;
    private static final int ORDER = 6;
    private static final double VARIANCE_FACTOR = 924.0;
    /** The length of the whole step vector of the path, relative to the checking step. */
    private static final double STEP = 1.0 / 16;

    private LossNoise() {
    }

    /**
     * The standard deviation of the loss's rounding while {@code in} moves near its current values,
     * which are restored exactly before returning (also when {@code f} throws). {@code h} is the
     * checking step; the path stays far inside it.
     */
    static double sigma(GradCheck.LossFunction f, GradCheck.Input in, double h, SplittableRandom rnd) {
        float[] v = in.values();
        float[] saved = v.clone();
        int n = v.length;
        double[] dir = new double[n];
        double target = STEP / Math.sqrt(n);
        double[] d = new double[POINTS];
        double sum = 0;
        int count = 0;
        try {
            for (int r = 0; r < DIRECTIONS; r++) {
                for (int e = 0; e < n; e++) dir[e] = step(saved[e], target * GradCheck.stepAt(saved[e], h), rnd);
                for (int k = 0; k < POINTS; k++) {
                    for (int e = 0; e < n; e++) v[e] = (float) (saved[e] - k * dir[e]);
                    d[k] = f.loss();
                }
                int len = POINTS;
                for (int j = 0; j < ORDER; j++, len--) {
                    for (int k = 0; k + 1 < len; k++) d[k] = d[k + 1] - d[k];
                }
                for (int k = 0; k < len; k++) sum += d[k] * d[k];
                count += len;
            }
        } finally {
            System.arraycopy(saved, 0, v, 0, n);
        }
        double sigma = Math.sqrt(sum / count / VARIANCE_FACTOR);
        return Double.isFinite(sigma) ? sigma : Double.POSITIVE_INFINITY;
    }

    /**
     * A step d of about {@code target} (times a random factor in [0.5, 1)) such that {@code x - k d} is
     * exact in float32 for k = 0..15: d is a random integer multiple of ulp(x) pointing toward zero and
     * at most |x| / 16, so every point is a multiple of ulp(x) whose magnitude only shrinks; at x = 0
     * it is an odd integer below 2^19 times a power of two, so that 15 d has at most 23 significant bits.
     */
    static double step(float x, double target, SplittableRandom rnd) {
        if (!Float.isFinite(x)) return 0;
        double amount = target * (0.5 + 0.5 * rnd.nextDouble());
        if (x == 0f) {
            double unit = Math.scalb(1.0, Math.getExponent(amount) - 18);
            return ((long) (amount / unit) | 1L) * unit;
        }
        double ulp = Math.ulp(x);
        long m = (long) (Math.min(amount, Math.abs(x) / POINTS) / ulp);
        return Math.copySign(m * ulp, x);
    }
}
