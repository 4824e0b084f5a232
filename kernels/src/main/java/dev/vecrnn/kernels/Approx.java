package dev.vecrnn.kernels;

/**
 * The float approximations of exp, tanh and sigmoid shared by both kernel implementations, in scalar
 * form. The Vector API twin evaluates the same formulas with the same constants lane by lane.
 *
 * <p>exp: clamp to [{@link #EXP_LO}, {@link #EXP_HI}] (so 2^n stays a normal float), split
 * {@code x = n ln2 + r} with {@code |r| <= ln2/2} (ln2 in two parts), a degree-7 Taylor polynomial for
 * {@code e^r} (truncation error below 1e-8 relative) and {@code 2^n} built from the exponent bits.
 *
 * <p>tanh: for {@code |x| < 0.55} the odd polynomial {@code x + x^3 P(x^2)} (least-squares fit to
 * relative error, about 1 ulp); above it {@code 1 - 2/(e^{2|x|} + 1)} with the sign of x.
 */
final class Approx {
    static final float LOG2E = 1.44269504088896341f;
    static final float LN2_HI = 0.693145751953125f;
    static final float LN2_LO = 1.42860682030941723212e-6f;
    static final float EXP_HI = 88.3f;
    static final float EXP_LO = -87.3f;
    static final float C2 = 1f / 2, C3 = 1f / 6, C4 = 1f / 24, C5 = 1f / 120, C6 = 1f / 720, C7 = 1f / 5040;

    static final float TANH_SMALL = 0.55f;
    static final float T0 = -0.33333319425582886f;
    static final float T1 = 0.13332617282867432f;
    static final float T2 = -0.05385512113571167f;
    static final float T3 = 0.021082058548927307f;
    static final float T4 = -0.006287662778049707f;

    private Approx() {
    }

    /** e^x for x in float range; NaN gives NaN, overflow saturates at e^88.3, underflow at e^-87.3. */
    static float exp(float x) {
        float c = Math.min(Math.max(x, EXP_LO), EXP_HI);
        if (c != c) return c;
        float n = (float) Math.rint(c * LOG2E);
        float r = Math.fma(-n, LN2_HI, c);
        r = Math.fma(-n, LN2_LO, r);
        float p = Math.fma(C7, r, C6);
        p = Math.fma(p, r, C5);
        p = Math.fma(p, r, C4);
        p = Math.fma(p, r, C3);
        p = Math.fma(p, r, C2);
        p = Math.fma(p, r, 1f);
        p = Math.fma(p, r, 1f);
        return p * Float.intBitsToFloat(((int) n + 127) << 23);
    }

    static float sigmoid(float x) {
        if (x < EXP_LO) return 0f;
        return 1f / (1f + exp(-x));
    }

    static float tanh(float x) {
        float a = Math.abs(x);
        if (a < TANH_SMALL) {
            float u = x * x;
            float p = Math.fma(T4, u, T3);
            p = Math.fma(p, u, T2);
            p = Math.fma(p, u, T1);
            p = Math.fma(p, u, T0);
            return Math.copySign(Math.fma(x * u, p, x), x);  // the copy keeps tanh(-0) = -0
        }
        float t = 1f - 2f / (exp(2f * a) + 1f);
        return Math.copySign(t, x);
    }
}
