package dev.vecrnn.nn.train;

import java.util.function.ToDoubleFunction;

import static org.junit.jupiter.api.Assertions.fail;

/** Test helpers: element-wise comparison reporting the worst element, and central differences in double. */
final class Close {
    private Close() {
    }

    /** |actual - expected| <= atol + rtol * |expected| for every element; on failure reports the worst one. */
    static void assertClose(String what, double[] expected, float[] actual, double rtol, double atol) {
        double[] atols = new double[expected.length];
        java.util.Arrays.fill(atols, atol);
        assertClose(what, expected, actual, rtol, atols);
    }

    /** As above with an absolute tolerance per element. */
    static void assertClose(String what, double[] expected, float[] actual, double rtol, double[] atol) {
        if (expected.length != actual.length) fail(what + ": length " + actual.length + ", expected " + expected.length);
        int worst = -1;
        double worstRatio = 0;
        for (int i = 0; i < expected.length; i++) {
            double tol = atol[i] + rtol * Math.abs(expected[i]);
            double err = Math.abs(actual[i] - expected[i]);
            double ratio = err <= tol ? 0 : tol > 0 ? err / tol : Double.POSITIVE_INFINITY; // NaN stays NaN
            if (!(err <= tol) && (worst < 0 || !(ratio <= worstRatio))) {
                worst = i;
                worstRatio = ratio;
            }
        }
        if (worst >= 0) {
            fail(what + ": worst element " + worst + ": got " + actual[worst] + ", expected " + expected[worst]
                    + " (error " + Math.abs(actual[worst] - expected[worst]) + ", tolerance " + (atol[worst] + rtol * Math.abs(expected[worst]))
                    + " = " + atol[worst] + " + " + rtol + " * |expected|)");
        }
    }

    static void assertClose(String what, double expected, double actual, double rtol, double atol) {
        double tol = atol + rtol * Math.abs(expected);
        if (!(Math.abs(actual - expected) <= tol)) {
            fail(what + ": got " + actual + ", expected " + expected + " (error " + Math.abs(actual - expected)
                    + ", tolerance " + tol + ")");
        }
    }

    /** Central differences of f at x in double: (f(x + h e_i) - f(x - h e_i)) / 2h. */
    static double[] centralDifferences(ToDoubleFunction<double[]> f, double[] x, double h) {
        double[] g = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double keep = x[i];
            x[i] = keep + h;
            double up = f.applyAsDouble(x);
            x[i] = keep - h;
            double down = f.applyAsDouble(x);
            x[i] = keep;
            g[i] = (up - down) / (2 * h);
        }
        return g;
    }

    static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }

    static float[] uniform(java.util.Random rnd, int n, double lo, double hi) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (lo + (hi - lo) * rnd.nextDouble());
        return a;
    }
}
