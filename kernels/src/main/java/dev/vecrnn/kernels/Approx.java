package dev.vecrnn.kernels;

/**
 * The float approximations of exp, tanh and sigmoid shared by both kernel implementations, in scalar
 * form. The Vector API twin evaluates the same formulas with the same constants lane by lane.
 *
 * <p>exp: clamp to [{@link #EXP_LO}, {@link #EXP_HI}] (so 2^n stays a normal float), split
 * {@code x = n ln2 + r} with {@code |r| <= ln2/2} (ln2 in two parts), a degree-7 Taylor polynomial for
 * {@code e^r} (truncation error below 1e-8 relative) and {@code 2^n} built from the exponent bits.
 *
 * <p>tanh: {@code q/(q + 2)} with {@code q = expm1(2|x|)} and x's sign: one exp and one division. expm1
 * reduces as exp does, {@code 2|x| = k ln2 + r} with {@code k >= 0} (ln2 in one part: its error grows with k,
 * but tanh's sensitivity to q's relative error, {@code 2/(q + 2)}, shrinks faster), {@code expm1(r) = r +
 * r^2 E(r)}, E of degree 4 (minimax for relative error on |r| <= 0.35, 1.6e-8 with these float
 * coefficients) and {@code expm1 = 2^k expm1(r) + (2^k - 1)}: no cancellation near 0, where k = 0. The
 * rounding of q + 2 alone would cost up to 1 ulp for small x (the denominator sits at the bottom of its
 * binade); it is corrected: err, the exact rounding error of {@code den = q + 2} (2 - den is exact while
 * den < 2^25), and the exact remainder of the division give {@code q/(den + err) = w + (q - w den - w err)
 * (1 - w)/2}, with {@code (1 - w)/2 = 1/(q + 2)} to the precision the correction needs. Above
 * {@code 2|x| = TANH_HI} (den would pass 2^25) the result is 1 with x's sign, within 1.1 ulp. Tiny and
 * subnormal x come out as x (q = 2x, den = 2), -0 as -0 (the sign is x's sign bit) and NaN as NaN.
 * Exhaustive over the floats in [2^-12, 9.2]: at most 1.71 ulp (at 0.204), and 1.08 ulp above 8.6.
 */
final class Approx {
    static final float LOG2E = 1.44269504088896341f;
    static final float LN2_HI = 0.693145751953125f;
    static final float LN2_LO = 1.42860682030941723212e-6f;
    static final float EXP_HI = 88.3f;
    static final float EXP_LO = -87.3f;
    static final float C2 = 1f / 2, C3 = 1f / 6, C4 = 1f / 24, C5 = 1f / 120, C6 = 1f / 720, C7 = 1f / 5040;

    /** 1.5 * 2^23: adding and subtracting it rounds a float of magnitude below 2^22 to the nearest integer. */
    static final float ROUND = 12582912f;
    /**
     * 127 minus ROUND's bits. For an integer k with |k| < 2^22, ROUND + k is exact and its bits are
     * ROUND's plus k, so the biased exponent 127 + k is those bits plus this: an integer add, where
     * {@code convert(F2I)} needs NaN and overflow fix-ups on AVX2 (eleven instructions in its machine code).
     */
    static final int EXP_BIAS = 127 - Float.floatToRawIntBits(ROUND);

    /** ln 2 rounded to float, for tanh's one-part reduction. */
    static final float LN2 = 0.693147182464599609375f;
    /** Above this 2|x| tanh is +-1: den = expm1(2|x|) + 2 stays below 2^25 up to here, where 2 - den is exact. */
    static final float TANH_HI = 17.25f;
    /**
     * 2^-12: below it, and for NaN, the scalar form returns x, which the formula gives within rounding there
     * (tanh(x) = x - x^3/3); it saves the scalar suites without hardware FMA (Math.fma in software) most of
     * their time, as nearly half of all floats are that small.
     */
    static final float TANH_TINY = 0x1p-12f;
    /**
     * expm1(r) = r + r^2 (1/2 + r E1 + r^2 E2 + r^3 E3 + r^4 E4) on |r| <= 0.35, E1..E4 from
     * scripts/fit_tanh_expm1.py (the constant term is held at 1/2).
     */
    static final float E1 = 0.1666654348373413f;
    static final float E2 = 0.04166686162352562f;
    static final float E3 = 0.008366691879928112f;
    static final float E4 = 0.001389839337207377f;

    private Approx() {
    }

    /** e^x for x in float range; NaN gives NaN, overflow saturates at e^88.3, underflow at e^-87.3. */
    static float exp(float x) {
        float c = Math.min(Math.max(x, EXP_LO), EXP_HI);
        if (c != c) return c;
        float n = (float) Math.rint(c * LOG2E);
        float r = Fma.fma(-n, LN2_HI, c);
        r = Fma.fma(-n, LN2_LO, r);
        float p = Fma.fma(C7, r, C6);
        p = Fma.fma(p, r, C5);
        p = Fma.fma(p, r, C4);
        p = Fma.fma(p, r, C3);
        p = Fma.fma(p, r, C2);
        p = Fma.fma(p, r, 1f);
        p = Fma.fma(p, r, 1f);
        return p * Float.intBitsToFloat(((int) n + 127) << 23);
    }

    static float sigmoid(float x) {
        if (x < EXP_LO) return 0f;
        return 1f / (1f + exp(-x));
    }

    static float tanh(float x) {
        float a = Math.abs(x);
        if (!(a >= TANH_TINY)) return x;
        float d = a + a;
        if (d > TANH_HI) return Math.copySign(1f, x);
        float t = Fma.fma(d, LOG2E, ROUND);
        float k = t - ROUND;
        float r = Fma.fma(-k, LN2, d);
        float e = Fma.fma(E4, r, E3);
        e = Fma.fma(e, r, E2);
        e = Fma.fma(e, r, E1);
        e = Fma.fma(e, r, 0.5f);
        float p = Fma.fma(r * r, e, r);
        float s = Float.intBitsToFloat((Float.floatToRawIntBits(t) + EXP_BIAS) << 23);
        float q = Fma.fma(s, p, s - 1f);
        float den = q + 2f;
        float w = q / den;
        float nw = -w;
        float b = Fma.fma(nw, (2f - den) + q, Fma.fma(nw, den, q));
        return Math.copySign(Fma.fma(b, Fma.fma(nw, 0.5f, 0.5f), w), x);
    }
}
