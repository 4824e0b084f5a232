package dev.vecrnn.kernels;

import java.util.function.ToDoubleFunction;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The hand-derived gradients in {@link Reference} against central differences of its own forward math,
 * all in double: the tests of the kernels' backward passes are only as good as these. Tolerance:
 * 1e-6 relative + 1e-8 (step 1e-5: truncation about 1e-10, cancellation about 1e-11).
 */
class ReferenceGradCheckTest {
    private static final double STEP = 1e-5;

    /** Analytic gradient against d loss / d input i, by central differences; reports the worst element. */
    private static void gradcheck(String what, double[] at, double[] analytic, ToDoubleFunction<double[]> loss, double lossTerms) {
        double worst = 0;
        String detail = "";
        for (int i = 0; i < at.length; i++) {
            double[] plus = at.clone(), minus = at.clone();
            plus[i] += STEP;
            minus[i] -= STEP;
            double numeric = (loss.applyAsDouble(plus) - loss.applyAsDouble(minus)) / (2 * STEP);
            double tol = 1e-6 * Math.abs(numeric) + 1e-8 + 0x1p-51 * lossTerms / STEP;
            double r = Math.abs(analytic[i] - numeric) / tol;
            if (r > worst) {
                worst = r;
                detail = "input " + i + ": analytic " + analytic[i] + ", numeric " + numeric + ", tolerance " + tol;
            }
        }
        if (worst > 1) fail(what + ": worst " + detail);
    }

    private static double[] values(Fp[] fp) {
        double[] r = new double[fp.length];
        for (int i = 0; i < r.length; i++) r[i] = fp[i].v();
        return r;
    }

    // loss = wh h + wc c over (i', f', g', o', cPrev)
    @Property(tries = 200)
    void lstm(@ForAll long seed) {
        Data d = new Data(seed);
        double[] at = {d.value(), d.value(), d.value(), d.value(), d.value()};
        double wh = d.value(), wc = d.value();
        ToDoubleFunction<double[]> loss = a -> {
            Fp[] r = Reference.lstmForward(a[0], a[1], a[2], a[3], a[4]);
            return wh * r[5].v() + wc * r[4].v();
        };
        double[] f = values(Reference.lstmForward(at[0], at[1], at[2], at[3], at[4]));
        double[] g = values(Reference.lstmBackward(f[0], f[1], f[2], f[3], f[4], at[4], wh, wc));
        gradcheck("lstm", at, g, loss, Math.abs(wh * f[5]) + Math.abs(wc * f[4]));
    }

    // loss = wh h over (r', z', n_x, n_h, hPrev); dhPrev here is the direct part, all of it in the pointwise step
    @Property(tries = 200)
    void gru(@ForAll long seed) {
        Data d = new Data(seed);
        double[] at = {d.value(), d.value(), d.value(), d.value(), d.value()};
        double wh = d.value();
        ToDoubleFunction<double[]> loss = a -> wh * Reference.gruForward(a[0], a[1], a[2], a[3], a[4])[3].v();
        double[] f = values(Reference.gruForward(at[0], at[1], at[2], at[3], at[4]));
        double[] g = values(Reference.gruBackward(f[0], f[1], f[2], at[3], at[4], wh));
        gradcheck("gru", at, g, loss, Math.abs(wh * f[3]));
    }

    // loss = sum w y, y = softmax(x) or logSoftmax(x)
    @Property(tries = 100)
    void softmax(@ForAll(supplier = Gen.Positive.class) int n, @ForAll boolean log, @ForAll long seed) {
        Data d = new Data(seed);
        double[] x = new double[n], w = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = d.value();
            w[i] = d.value();
        }
        ToDoubleFunction<double[]> loss = a -> {
            double[] y = values(log ? Reference.logSoftmax(a) : Reference.softmax(a));
            double s = 0;
            for (int i = 0; i < n; i++) s += w[i] * y[i];
            return s;
        };
        double[] y = values(log ? Reference.logSoftmax(x) : Reference.softmax(x));
        double[] g = values(log ? Reference.logSoftmaxBackward(y, w) : Reference.softmaxBackward(y, w));
        double terms = 0;
        for (int i = 0; i < n; i++) terms += Math.abs(w[i] * y[i]);
        gradcheck(log ? "logSoftmax" : "softmax", x, g, loss, terms);
    }

    // the activation backward formulas of ActivationTest and CellTest: dx = dy (1 - y^2), dy y (1 - y)
    @Property(tries = 100)
    void activations(@ForAll long seed) {
        Data d = new Data(seed);
        double x = d.value(), dy = d.value();
        double t = Math.tanh(x), s = Fp.sigmoid(x);
        gradcheck("tanh", new double[] {x}, new double[] {dy * (1 - t * t)}, a -> dy * Math.tanh(a[0]), Math.abs(dy * t));
        gradcheck("sigmoid", new double[] {x}, new double[] {dy * s * (1 - s)}, a -> dy * Fp.sigmoid(a[0]), Math.abs(dy * s));
    }
}
