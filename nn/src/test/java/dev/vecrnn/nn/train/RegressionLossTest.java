package dev.vecrnn.nn.train;

import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import java.util.Random;
import java.util.function.ToDoubleFunction;

import static dev.vecrnn.nn.train.Close.assertClose;
import static dev.vecrnn.nn.train.Close.centralDifferences;
import static dev.vecrnn.nn.train.Close.toDouble;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MSE, MAE and BCE-with-logits against double references written here (and, for the gradients, central
 * differences of those references). The losses sum in double, so values must match to 1e-12 relative;
 * gradients are rounded to float once, so 1e-6 relative (+1e-9 absolute) against the reference and
 * 1e-6 relative (+1e-7 absolute, for the difference quotient's own error) against central differences.
 */
class RegressionLossTest {
    static final double VALUE_RTOL = 1e-12;
    static final double GRAD_RTOL = 1e-6;
    static final double FD_H = 1e-6;

    static double mse(double[] x, double[] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) s += (x[i] - y[i]) * (x[i] - y[i]);
        return s / x.length;
    }

    static double mae(double[] x, double[] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) s += Math.abs(x[i] - y[i]);
        return s / x.length;
    }

    /** The textbook form -(y log s + (1 - y) log(1 - s)), fine in double for |x| <= 8. */
    static double bce(double[] x, double[] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            double sig = 1 / (1 + Math.exp(-x[i]));
            s -= y[i] * Math.log(sig) + (1 - y[i]) * Math.log(1 - sig);
        }
        return s / x.length;
    }

    @Property(tries = 40)
    void mseMatchesReference(@ForAll @IntRange(min = 1, max = 70) int n, @ForAll long seed) {
        Random rnd = new Random(seed);
        float[] x = Close.uniform(rnd, n, -5, 5);
        float[] y = Close.uniform(rnd, n, -5, 5);
        double[] g = new double[n];
        for (int i = 0; i < n; i++) g[i] = 2.0 * ((double) x[i] - y[i]) / n;
        check(new MseLoss(), x, y, RegressionLossTest::mse, g);
    }

    @Property(tries = 40)
    void maeMatchesReference(@ForAll @IntRange(min = 1, max = 70) int n, @ForAll long seed) {
        Random rnd = new Random(seed);
        float[] x = Close.uniform(rnd, n, -5, 5);
        float[] y = new float[n];
        double[] g = new double[n];
        for (int i = 0; i < n; i++) {
            // keep |x - y| >= 0.01 so that central differences stay off the kink
            double d = (0.01 + 3 * rnd.nextDouble()) * (rnd.nextBoolean() ? 1 : -1);
            y[i] = (float) (x[i] - d);
            g[i] = Math.signum((double) x[i] - y[i]) / n;
        }
        check(new MaeLoss(), x, y, RegressionLossTest::mae, g);
    }

    @Property(tries = 40)
    void bceMatchesReference(@ForAll @IntRange(min = 1, max = 70) int n, @ForAll long seed) {
        Random rnd = new Random(seed);
        float[] x = Close.uniform(rnd, n, -8, 8);
        float[] y = Close.uniform(rnd, n, 0, 1);
        if (n > 2) { // hard labels too
            y[0] = 0f;
            y[1] = 1f;
        }
        double[] g = new double[n];
        for (int i = 0; i < n; i++) g[i] = (1 / (1 + Math.exp(-x[i])) - y[i]) / n;
        check(new BceWithLogitsLoss(), x, y, RegressionLossTest::bce, g);
    }

    private static void check(Loss loss, float[] x, float[] y, java.util.function.BiFunction<double[], double[], Double> ref,
                              double[] refGrad) {
        double[] xd = toDouble(x);
        double[] yd = toDouble(y);
        float[] grad = new float[x.length];
        java.util.Arrays.fill(grad, Float.NaN); // forward must overwrite, not accumulate
        double value = loss.forward(x, y, grad);
        assertClose(loss + " value", ref.apply(xd, yd), value, VALUE_RTOL, 0);
        assertClose(loss + " grad vs analytic reference", refGrad, grad, GRAD_RTOL, 1e-9);
        ToDoubleFunction<double[]> f = v -> ref.apply(v, yd);
        assertClose(loss + " grad vs central differences", centralDifferences(f, xd, FD_H), grad, GRAD_RTOL, 1e-7);
        assertEquals(value, loss.forward(x, y, null), "value without a gradient");
    }

    @Example
    void handComputedValues() {
        float[] x = {1, 2, 3, 4};
        float[] y = {1, 0, 5, 3.5f};
        float[] g = new float[4];
        // differences 0, 2, -2, 0.5: squares 0 + 4 + 4 + 0.25 = 8.25, abs 0 + 2 + 2 + 0.5 = 4.5
        assertEquals(8.25 / 4, new MseLoss().forward(x, y, g));
        assertEquals(java.util.List.of(0f, 1f, -1f, 0.25f), boxed(g));
        assertEquals(4.5 / 4, new MaeLoss().forward(x, y, g));
        assertEquals(java.util.List.of(0f, 0.25f, -0.25f, 0.25f), boxed(g), "sign/N, and 0 at equality as PyTorch");
        // BCE at logit 0 is log 2 for any target; gradient (0.5 - y) / N
        float[] b = new float[2];
        assertClose("bce(0)", Math.log(2), new BceWithLogitsLoss().forward(new float[] {0, 0}, new float[] {0, 1}, b), 1e-15, 0);
        assertEquals(java.util.List.of(0.25f, -0.25f), boxed(b));
    }

    @Example
    void bceIsStableForHugeLogits() {
        float[] x = {1e30f, -1e30f, 1e30f, -1e30f, 200f, -200f};
        float[] y = {1, 0, 0, 1, 1, 0};
        float[] g = new float[6];
        double v = new BceWithLogitsLoss().forward(x, y, g);
        // rows 0, 1, 4, 5 cost (almost) nothing; rows 2 and 3 cost |x| = 1e30 each
        assertClose("huge logits", 2 * (double) 1e30f / 6, v, 1e-12, 0);
        float s = 1f / 6;
        assertEquals(java.util.List.of(0f, 0f, s, -s, 0f, 0f), boxed(g));
    }

    @Example
    void argumentErrorsNameTheArgument() {
        Loss mse = new MseLoss();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> mse.forward(new float[3], new float[2], null));
        assertEquals("target: expected length 3, got 2", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> mse.forward(new float[3], new float[3], new float[4]));
        assertEquals("grad: expected length 3, got 4", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new MaeLoss().forward(new float[0], new float[0], null));
        assertEquals("input: expected at least 1 element, got 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> mse.forward(null, new float[1], null));
        assertEquals("input: expected non-null, got null", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new BceWithLogitsLoss().forward(new float[2], new float[] {0.5f, 1.5f}, null));
        assertTrue(e.getMessage().startsWith("target: expected values in [0, 1], got 1.5 at index 1"), e.getMessage());
    }

    static java.util.List<Float> boxed(float[] a) {
        java.util.List<Float> l = new java.util.ArrayList<>();
        for (float v : a) l.add(v);
        return l;
    }
}
