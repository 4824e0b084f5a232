package dev.vecrnn.kernels;

import java.util.Map;
import java.util.function.UnaryOperator;

import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Activations, softmax and their backward passes against the double reference, and the exact values the
 * javadoc promises. Tolerances ({@link Fp}): tanh and sigmoid 2 ulp of the result (their javadoc bound);
 * backward passes one rounding per operation; softmax 4 ulp per exp plus a sum of n positive terms
 * (min(n 2^-24, 1e-5) relative).
 */
class ActivationTest {

    enum Activation { TANH, SIGMOID, RELU }

    /** Pre-activations: [-3, 3], times 4 now and then to reach saturation. */
    private static float[] preActivations(Data d, int off, int n) {
        float scale = d.random.nextBoolean() ? 1f : 4f;
        return d.vector(off, n, () -> d.value() * scale);
    }

    @Property(tries = 80)
    void forward(@ForAll Activation act, @ForAll(supplier = Gen.Size.class) int n, @ForAll boolean inPlace, @ForAll long seed) {
        Data d = new Data(seed);
        int xo = d.offset(), yo = inPlace ? xo : d.offset();
        float[] x = preActivations(d, xo, n), y = inPlace ? x : d.vector(yo, n);
        UnaryOperator<Fp> f = switch (act) {
            case TANH -> Fp::tanh;
            case SIGMOID -> Fp::sigmoid;
            case RELU -> Fp::relu;
        };
        Fp[] ref = new Fp[n];
        for (int i = 0; i < n; i++) ref[i] = f.apply(Fp.x(x[xo + i]));
        Check c = new Check(act + " n=" + n + (inPlace ? " in place" : "")).vector("y", yo, ref);
        if (!inPlace) c.readOnly(x);
        c.on(k -> {
            float[] xx = x.clone(), yy = inPlace ? xx : y.clone();
            switch (act) {
                case TANH -> k.tanh(n, xx, xo, yy, yo);
                case SIGMOID -> k.sigmoid(n, xx, xo, yy, yo);
                case RELU -> k.relu(n, xx, xo, yy, yo);
            }
            return Map.of("y", yy);
        });
    }

    // tanh: dx = dy (1 - y^2); sigmoid: dx = dy y (1 - y); relu: dx = y > 0 ? dy : 0
    @Property(tries = 80)
    void backward(@ForAll Activation act, @ForAll(supplier = Gen.Size.class) int n, @ForAll long seed) {
        Data d = new Data(seed);
        int yo = d.offset(), dyo = d.offset(), dxo = d.offset();
        float[] y = switch (act) {
            case TANH -> d.vector(yo, n, () -> d.between(-1, 1));
            case SIGMOID -> d.vector(yo, n, () -> d.between(0, 1));
            case RELU -> d.vector(yo, n, () -> d.random.nextInt(4) == 0 ? 0f : d.value());
        };
        float[] dy = d.vector(dyo, n), dx = d.vector(dxo, n);
        Fp[] ref = new Fp[n];
        for (int i = 0; i < n; i++) {
            Fp yi = Fp.x(y[yo + i]), g = Fp.x(dy[dyo + i]);
            ref[i] = switch (act) {
                case TANH -> g.times(Fp.ONE.minus(yi.times(yi)));
                case SIGMOID -> g.times(yi.times(Fp.ONE.minus(yi)));
                case RELU -> yi.v() > 0 ? g : Fp.ZERO;
            };
        }
        new Check(act + " backward n=" + n).vector("dx", dxo, ref).readOnly(y, dy).on(k -> {
            float[] out = dx.clone();
            switch (act) {
                case TANH -> k.tanhBackward(n, y, yo, dy, dyo, out, dxo);
                case SIGMOID -> k.sigmoidBackward(n, y, yo, dy, dyo, out, dxo);
                case RELU -> k.reluBackward(n, y, yo, dy, dyo, out, dxo);
            }
            return Map.of("dx", out);
        });
    }

    @Property(tries = 80)
    void softmax(@ForAll(supplier = Gen.Positive.class) int n, @ForAll boolean inPlace, @ForAll long seed) {
        softmaxCase(false, n, inPlace, seed, new float[] {1, 10, 30}, Reference::softmax);
    }

    // Javadoc: x - max - log(sum exp(x - max)); logits up to 1000 in size, where computing
    // x - (max + log(sum)) instead would lose log(sum) to the rounding of max.
    @Property(tries = 80)
    void logSoftmax(@ForAll(supplier = Gen.Positive.class) int n, @ForAll boolean inPlace, @ForAll long seed) {
        softmaxCase(true, n, inPlace, seed, new float[] {1, 10, 30, 1000}, Reference::logSoftmax);
    }

    private static void softmaxCase(boolean log, int n, boolean inPlace, long seed, float[] scales,
                                    java.util.function.Function<double[], Fp[]> reference) {
        Data d = new Data(seed);
        float scale = scales[d.random.nextInt(scales.length)];
        int xo = d.offset(), yo = inPlace ? xo : d.offset();
        float[] x = d.vector(xo, n, () -> d.value() * scale), y = inPlace ? x : d.vector(yo, n);
        double[] xs = new double[n];
        for (int i = 0; i < n; i++) xs[i] = x[xo + i];
        Check c = new Check((log ? "logSoftmax" : "softmax") + " n=" + n + " scale=" + scale + (inPlace ? " in place" : ""))
                .vector("y", yo, reference.apply(xs));
        if (!inPlace) c.readOnly(x);
        c.on(k -> {
            float[] xx = x.clone(), yy = inPlace ? xx : y.clone();
            if (log) k.logSoftmax(n, xx, xo, yy, yo); else k.softmax(n, xx, xo, yy, yo);
            return Map.of("y", yy);
        });
    }

    // softmax: dx = y (dy - sum dy y); logSoftmax: dx = dy - exp(y) sum dy
    @Property(tries = 80)
    void softmaxBackward(@ForAll(supplier = Gen.Size.class) int n, @ForAll boolean log, @ForAll long seed) {
        Data d = new Data(seed);
        double[] logits = new double[n];
        for (int i = 0; i < n; i++) logits[i] = d.value();
        Fp[] fwd = n == 0 ? new Fp[0] : log ? Reference.logSoftmax(logits) : Reference.softmax(logits);
        int yo = d.offset(), dyo = d.offset(), dxo = d.offset();
        int[] i0 = {0};
        float[] y = d.vector(yo, n, () -> fwd[i0[0]++].v()), dy = d.vector(dyo, n), dx = d.vector(dxo, n);
        double[] ys = new double[n], dys = new double[n];
        for (int i = 0; i < n; i++) {
            ys[i] = y[yo + i];
            dys[i] = dy[dyo + i];
        }
        Fp[] ref = log ? Reference.logSoftmaxBackward(ys, dys) : Reference.softmaxBackward(ys, dys);
        new Check((log ? "logSoftmaxBackward" : "softmaxBackward") + " n=" + n).vector("dx", dxo, ref).readOnly(y, dy).on(k -> {
            float[] out = dx.clone();
            if (log) k.logSoftmaxBackward(n, y, yo, dy, dyo, out, dxo); else k.softmaxBackward(n, y, yo, dy, dyo, out, dxo);
            return Map.of("dx", out);
        });
    }

    // ---------------------------------------------------------------- exact values from the javadoc

    /** Every element of an array of 37 (vector body and tail) set to x; returns what the activation gave. */
    private static float[] all(Kernels k, Activation act, float x) {
        float[] in = new float[37], out = new float[37];
        java.util.Arrays.fill(in, x);
        switch (act) {
            case TANH -> k.tanh(37, in, 0, out, 0);
            case SIGMOID -> k.sigmoid(37, in, 0, out, 0);
            case RELU -> k.relu(37, in, 0, out, 0);
        }
        return out;
    }

    /** The result's bits must be expected's (a NaN expected: any NaN). */
    private static void expect(Kernels k, Activation act, float x, float expected) {
        for (float got : all(k, act, x)) {
            boolean ok = Float.isNaN(expected) ? Float.isNaN(got) : Float.floatToRawIntBits(got) == Float.floatToRawIntBits(expected);
            assertTrue(ok, () -> k.name() + " " + act + "(" + x + "): expected " + expected + ", got " + got);
        }
    }

    @Example
    void tanhExactValues() {
        for (Kernels k : Impls.all()) {
            expect(k, Activation.TANH, 0f, 0f);
            expect(k, Activation.TANH, Float.POSITIVE_INFINITY, 1f);
            expect(k, Activation.TANH, Float.NEGATIVE_INFINITY, -1f);
            for (float x : new float[] {9.1f, Math.nextUp(9.1f), 9.5f, 10f, 17f, 44.4f, 88.7f, 89f, 1e4f, 1e30f, Float.MAX_VALUE}) {
                expect(k, Activation.TANH, x, 1f);
                expect(k, Activation.TANH, -x, -1f);
            }
            expect(k, Activation.TANH, Float.NaN, Float.NaN);
            expect(k, Activation.TANH, Float.intBitsToFloat(0xffc00001), Float.NaN);
            // tanh(x) = x to float precision for tiny x
            for (float x : new float[] {Float.MIN_VALUE, Float.MIN_NORMAL, 1e-20f, 1e-10f}) {
                expect(k, Activation.TANH, x, x);
                expect(k, Activation.TANH, -x, -x);
            }
        }
    }

    // Javadoc: "exact at 0 (sign kept)". The small-|x| polynomial fma(x*u, P, x) once gave +0 for -0:
    // (-0 * P) + -0 with P < 0 is +0 + -0 = +0.
    @Example
    void tanhKeepsTheSignOfZero() {
        for (Kernels k : Impls.all()) expect(k, Activation.TANH, -0f, -0f);
    }

    @Example
    void sigmoidExactValues() {
        for (Kernels k : Impls.all()) {
            expect(k, Activation.SIGMOID, 0f, 0.5f);
            expect(k, Activation.SIGMOID, -0f, 0.5f);
            expect(k, Activation.SIGMOID, Float.POSITIVE_INFINITY, 1f);
            expect(k, Activation.SIGMOID, Float.NEGATIVE_INFINITY, 0f);
            for (float x : new float[] {17f, 17.5f, 20f, 88.7f, 89f, 1e4f, 1e30f, Float.MAX_VALUE}) expect(k, Activation.SIGMOID, x, 1f);
            for (float x : new float[] {Math.nextDown(-88.7f), -89f, -100f, -1e4f, -1e30f, -Float.MAX_VALUE}) {
                expect(k, Activation.SIGMOID, x, 0f);
            }
            expect(k, Activation.SIGMOID, Float.NaN, Float.NaN);
        }
    }

    @Example
    void reluValues() {
        for (Kernels k : Impls.all()) {
            expect(k, Activation.RELU, Float.NaN, Float.NaN);
            expect(k, Activation.RELU, -1f, 0f);
            expect(k, Activation.RELU, -Float.MIN_VALUE, 0f);
            expect(k, Activation.RELU, Float.NEGATIVE_INFINITY, 0f);
            expect(k, Activation.RELU, Float.POSITIVE_INFINITY, Float.POSITIVE_INFINITY);
            expect(k, Activation.RELU, 2.5f, 2.5f);
            expect(k, Activation.RELU, Float.MIN_VALUE, Float.MIN_VALUE);
            assertEquals(0f, Math.abs(all(k, Activation.RELU, -0f)[0]), "relu(-0) is a zero");
        }
    }

    // Shifted by the maximum, huge logits stay finite: softmax {1e30, -1e30, 0, 1e30} = {1/2, 0, 0, 1/2}.
    @Example
    void softmaxOfHugeLogits() {
        float[] x = {1e30f, -1e30f, 0f, 1e30f};
        for (Kernels k : Impls.all()) {
            float[] y = new float[4];
            k.softmax(4, x, 0, y, 0);
            double sum = 0;
            for (float v : y) {
                assertTrue(Float.isFinite(v) && v >= 0, () -> k.name() + " softmax " + java.util.Arrays.toString(y));
                sum += v;
            }
            assertEquals(1, sum, 4 * Fp.EXP, k.name() + " softmax sum");
            assertEquals(0.5, y[0], 4 * Fp.EXP);
            assertEquals(0.5, y[3], 4 * Fp.EXP);
            assertEquals(0, y[1], 1e-38);
            assertEquals(0, y[2], 1e-38);
            k.logSoftmax(4, x, 0, y, 0);
            for (float v : y) assertTrue(Float.isFinite(v), () -> k.name() + " logSoftmax " + java.util.Arrays.toString(y));
            assertEquals(-2e30, y[1], 1e23);
            assertEquals(-1e30, y[2], 1e23);
        }
    }

    // Javadoc: x - max - log(sum exp(x - max)). Computed as x - (max + log(sum)), log(sum) is lost next
    // to a large max: {1e30, -1e30, 0, 1e30} gave {0, -2e30, -1e30, 0} instead of {-ln 2, ...}.
    @Example
    void logSoftmaxOfLargeLogitsKeepsTheLogSum() {
        for (Kernels k : Impls.all()) {
            float[] y = new float[4];
            k.logSoftmax(4, new float[] {1e30f, -1e30f, 0f, 1e30f}, 0, y, 0);
            assertEquals(-Math.log(2), y[0], 4e-7, k.name() + " logSoftmax(1e30, -1e30, 0, 1e30)[0]");
            assertEquals(-Math.log(2), y[3], 4e-7, k.name() + " logSoftmax(1e30, -1e30, 0, 1e30)[3]");
        }
    }
}
