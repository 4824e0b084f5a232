package dev.vecrnn.kernels;

/**
 * The scalar kernels' fused multiply-add: {@code a * b + c} rounded once, bit for bit what
 * {@link Math#fma(float, float, float)} returns. With hardware FMA it is {@code Math.fma} (an intrinsic).
 * Without it ({@code -XX:-UseFMA}, {@code -XX:UseAVX=0}, CPUs before Haswell and Piledriver), where the
 * scalar kernels are the ones chosen, {@code Math.fma} falls back to {@code BigDecimal} arithmetic, about a
 * microsecond per call; this class then computes the same value in double precision with round-to-odd:
 * the product of two floats is exact in double, the sum's rounding error is recovered exactly (Knuth's
 * two-sum), and a sum that was rounded is moved to the odd neighbour on the side of its error, so that the
 * final rounding to float, 29 bits narrower, is the single correct one.
 */
final class Fma {
    private Fma() {
    }

    /** True where HotSpot uses the CPU's FMA instructions (an unreadable flag counts as present). */
    static final boolean HARDWARE = !"false".equals(KernelSelection.vmOption("UseFMA"));

    static float fma(float a, float b, float c) {
        return HARDWARE ? Math.fma(a, b, c) : emulated(a, b, c);
    }

    /** {@code a * b + c} rounded once to float, without FMA instructions; equals {@code Math.fma(a, b, c)}. */
    static float emulated(float a, float b, float c) {
        double p = (double) a * b; // exact: 24 + 24 bits of significand
        double s = p + c;
        if (!Double.isFinite(s)) return (float) (p + c); // infinities and NaN propagate as Math.fma's do
        double bp = s - p;
        double err = (p - (s - bp)) + (c - bp); // s + err == p + c exactly
        if (err != 0 && (Double.doubleToRawLongBits(s) & 1) == 0) {
            s = err > 0 ? Math.nextUp(s) : Math.nextDown(s);
        }
        return (float) s;
    }
}
