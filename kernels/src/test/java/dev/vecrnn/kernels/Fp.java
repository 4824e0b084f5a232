package dev.vecrnn.kernels;

/**
 * A reference value computed in double, with a bound {@code e} on how far a float evaluation of the same
 * formula may land from it. This is the tolerance of every kernel test, derived per element:
 * <ul>
 * <li>each float operation rounds once, 2^-24 of its result (an fma rounds less; another
 *     association of a short formula is covered by {@link Check#SLACK});</li>
 * <li>tanh and sigmoid add their javadoc bounds, 2 and 3 ulp of the result (2^-23 relative each);</li>
 * <li>{@code Approx.exp} has no javadoc bound; 4 ulp is assumed here (softmax and its kin);</li>
 * <li>long sums (dot products, matrix products, softmax denominators) of {@code n} terms err by at
 *     most {@code min(n 2^-24, 1e-5)} times the sum of the absolute terms: {@code n 2^-24} is the
 *     worst case of any summation order, 1e-5 a cap for long sums whose error is far below it;</li>
 * <li>errors of the inputs propagate through the largest slope of the function near the value.</li>
 * </ul>
 * {@link Check} allows {@link Check#SLACK} times this bound.
 */
record Fp(double v, double e) {
    static final double U = 0x1p-24;
    static final double ACT = 2 * 0x1p-23;
    static final double SIGMOID = 3 * 0x1p-23;
    static final double EXP = 4 * 0x1p-23;
    static final double SUM_CAP = 1e-5;
    /** Below this sigmoid's javadoc bound is 2e-38 absolute instead of 2 ulp. */
    static final double SIGMOID_ULP_FROM = -87;
    private static final double TINY = 0x1p-149;

    static final Fp ZERO = new Fp(0, 0);
    static final Fp ONE = new Fp(1, 0);

    /** An exact input. */
    static Fp x(double v) {
        return new Fp(v, 0);
    }

    /** A constant the kernel rounds once to float. */
    static Fp rounded(double v) {
        return new Fp(v, U * Math.abs(v));
    }

    /** A sum of {@code count} terms whose exact value is {@code value} and whose absolute values add to {@code abs}. */
    static Fp sum(double value, double abs, int count, double inputError) {
        return new Fp(value, inputError + Math.min(count * U, SUM_CAP) * abs + TINY);
    }

    static Fp sum(Fp... terms) {
        double v = 0, abs = 0, err = 0;
        for (Fp t : terms) {
            v += t.v;
            abs += Math.abs(t.v);
            err += t.e;
        }
        return sum(v, abs, terms.length, err);
    }

    Fp plus(Fp o) {
        double s = v + o.v;
        return new Fp(s, e + o.e + U * Math.abs(s) + TINY);
    }

    Fp minus(Fp o) {
        double d = v - o.v;
        return new Fp(d, e + o.e + U * Math.abs(d) + TINY);
    }

    Fp times(Fp o) {
        double p = v * o.v;
        return new Fp(p, Math.abs(v) * o.e + Math.abs(o.v) * e + e * o.e + U * Math.abs(p) + TINY);
    }

    Fp div(Fp o) {
        double q = v / o.v;
        double low = Math.abs(o.v) - o.e;
        double err = low > 0 ? (e + Math.abs(q) * o.e) / low + U * Math.abs(q) + TINY : Double.POSITIVE_INFINITY;
        return new Fp(q, err);
    }

    Fp sqrt() {
        double r = Math.sqrt(v);
        return new Fp(r, r - Math.sqrt(Math.max(0, v - e)) + U * r + TINY);
    }

    Fp log() {
        double l = Math.log(v);
        double low = v - e;
        return new Fp(l, (low > 0 ? Math.log(v) - Math.log(low) : Double.POSITIVE_INFINITY) + U * Math.abs(l) + TINY);
    }

    /** {@code Approx.exp}, which clamps its argument to [-87.3, 88.3]. */
    Fp exp() {
        double r = Math.exp(v);
        double clamp = v < -87.3 ? Math.exp(-87.3) : 0;
        return new Fp(r, Math.exp(v + e) - r + EXP * r + clamp + TINY);
    }

    Fp tanh() {
        double t = Math.tanh(v);
        double near = Math.tanh(Math.max(0, Math.abs(v) - e));
        return new Fp(t, (1 - near * near) * e + ACT * Math.abs(t) + 2 * TINY);
    }

    Fp sigmoid() {
        double s = sigmoid(v);
        double near = sigmoid(Math.max(0, Math.abs(v) - e));
        double floor = v + e < SIGMOID_ULP_FROM ? 2e-38 : 0;
        return new Fp(s, near * (1 - near) * e + SIGMOID * s + floor + 2 * TINY);
    }

    Fp relu() {
        return new Fp(v < 0 ? 0 : v, e);
    }

    static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    static Fp[] of(double[] values) {
        Fp[] r = new Fp[values.length];
        for (int i = 0; i < r.length; i++) r[i] = x(values[i]);
        return r;
    }
}
