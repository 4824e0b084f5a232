package dev.vecrnn.gradcheck;

import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.RecurrentConfig;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The checker itself: it passes right gradients and, as important, fails wrong ones (a gradient check
 * that cannot fail is a defect). Wrong gradients are made from right ones: scaled by 1.01, one element
 * moved by 1% of the largest, one element zeroed, two elements swapped, signs flipped.
 */
class GradCheckSelfTest {

    /** f = sum_i w_i sin(x_i) + (sum x)^2 / 2 in float32, with its exact gradient. */
    private static final class Smooth {
        final float[] x;
        final float[] w;

        Smooth(Data d, int n) {
            x = d.signed(n, 2);
            w = d.signed(n, 1);
        }

        double loss() {
            float s = 0;
            float t = 0;
            for (int i = 0; i < x.length; i++) {
                s += w[i] * (float) Math.sin(x[i]);
                t += x[i];
            }
            return s + 0.5 * (double) t * t;
        }

        float[] gradient() {
            double t = 0;
            for (float v : x) t += v;
            float[] g = new float[x.length];
            for (int i = 0; i < g.length; i++) g[i] = (float) (w[i] * Math.cos(x[i]) + t);
            return g;
        }
    }

    @Property(tries = 20)
    void rightGradientsPassWithAndWithoutRichardson(@ForAll @IntRange(min = 1, max = 50) int n, @ForAll boolean richardson,
                                                    @ForAll long seed) {
        Data d = new Data(seed);
        Smooth s = new Smooth(d, n);
        GradCheck.Report r = GradCheck.check(s::loss, List.of(GradCheck.Input.of("x", s.x, s.gradient())),
                richardson ? GradCheck.Options.defaults() : GradCheck.Options.plainCentral());
        r.assertPassed(d.toString());
        assertEquals(n, r.checked());
        assertTrue(r.ratio() <= 1);
    }

    /** The recurrent cases of the suites, their gradient made wrong in one of several ways, must fail. */
    enum Mutation { SCALE_1_01, ONE_ELEMENT_OFF_BY_1_PERCENT, ONE_ELEMENT_ZEROED, TWO_ELEMENTS_SWAPPED, SIGN_FLIPPED }

    @Property(tries = 30)
    void wrongRecurrentGradientsFail(@ForAll Mutation mutation, @ForAll CellType type, @ForAll @IntRange(min = 1, max = 2) int layers,
                                     @ForAll boolean bidirectional, @ForAll long seed) {
        Data d = new Data(seed);
        RecurrentCase c = new RecurrentCase(RecurrentConfig.of(type, 2, 3).withLayers(layers).withBidirectional(bidirectional),
                3, 2, true, true, d);
        List<GradCheck.Input> inputs = c.inputs();
        GradCheck.Report right = GradCheck.check(c, inputs).assertPassed(d + ", right gradient of " + c);
        // the element to spoil: the one with the largest gradient of all (a ReLU stack may have all units off)
        GradCheck.Input target = inputs.get(0);
        int big = 0;
        for (GradCheck.Input in : inputs) {
            float[] gi = in.gradient();
            for (int i = 0; i < gi.length; i++) {
                if (Math.abs(gi[i]) > Math.abs(target.gradient()[big])) {
                    target = in;
                    big = i;
                }
            }
        }
        float[] g = target.gradient();
        float max = Math.abs(g[big]);
        Assume.that(max > 0.05f);
        int other = big == 0 ? 1 : 0;
        switch (mutation) {
            case SCALE_1_01 -> {
                for (GradCheck.Input in : inputs) for (int i = 0; i < in.gradient().length; i++) in.gradient()[i] *= 1.01f;
            }
            case ONE_ELEMENT_OFF_BY_1_PERCENT -> g[big] += 0.01f * max;
            case ONE_ELEMENT_ZEROED -> g[big] = 0f;
            case TWO_ELEMENTS_SWAPPED -> {
                while (other < g.length && (other == big || Math.abs(g[other] - g[big]) < 0.01f * max)) other++;
                Assume.that(other < g.length);
                float t = g[big];
                g[big] = g[other];
                g[other] = t;
            }
            case SIGN_FLIPPED -> {
                for (GradCheck.Input in : inputs) for (int i = 0; i < in.gradient().length; i++) in.gradient()[i] = -in.gradient()[i];
            }
        }
        // every element of the spoiled input is checked, so a single wrong one cannot hide outside a sample
        GradCheck.Report wrong = GradCheck.check(c, inputs);
        assertFalse(wrong.passed(), d + ", " + mutation + " of " + c + " passed: " + wrong + "\n(right: " + right + ")");
        if (mutation == Mutation.ONE_ELEMENT_OFF_BY_1_PERCENT || mutation == Mutation.ONE_ELEMENT_ZEROED) {
            assertEquals(target.name(), wrong.input(), wrong.toString());
            assertEquals(big, wrong.index(), wrong.toString());
            assertEquals(1, wrong.failed(), wrong.toString());
        }
    }

    @Test
    void aSmallRelativeErrorFailsWhenTheLossIsComputedInDouble() {
        Data d = new Data(7);
        float[] x = d.signed(30, 1);
        float[] g = new float[30];
        for (int i = 0; i < 30; i++) g[i] = (float) Math.cos(x[i]);
        GradCheck.LossFunction f = () -> {
            double s = 0;
            for (float v : x) s += Math.sin(v);
            return s;
        };
        GradCheck.Options inDouble = GradCheck.Options.defaults().withResolution(0x1p-53);
        GradCheck.check(f, List.of(GradCheck.Input.of("x", x, g)), inDouble).assertPassed("right");
        g[11] *= 1.001f;
        GradCheck.Report r = GradCheck.check(f, List.of(GradCheck.Input.of("x", x, g)), inDouble);
        assertFalse(r.passed(), r.toString());
        assertEquals(11, r.index());
        assertTrue(r.lossNoise() < 1e-12, "a double loss has next to no noise: " + r.lossNoise());
    }

    @Test
    void valuesAreRestoredExactlyEvenWhenTheFunctionThrows() {
        Data d = new Data(3);
        Smooth s = new Smooth(d, 20);
        float[] before = s.x.clone();
        GradCheck.check(s::loss, List.of(GradCheck.Input.of("x", s.x, s.gradient())));
        assertArrayEquals(before, s.x);
        // thrown at the first evaluation, while measuring the noise, while checking elements
        for (int throwAt : new int[] {1, 40, 100}) {
            int[] calls = {0};
            assertThrows(IllegalStateException.class, () -> GradCheck.check(() -> {
                if (++calls[0] >= throwAt) throw new IllegalStateException("boom");
                return s.loss();
            }, List.of(GradCheck.Input.of("x", s.x, s.gradient()))));
            assertArrayEquals(before, s.x, "after a throw at evaluation " + throwAt);
        }
    }

    /** sin(8 x) bends hard within a step of 2^-4: the third step and Romberg keep the check exact. */
    @Test
    void aFunctionThatBendsHardWithinAStepIsRefinedAndStillStrict() {
        Data d = new Data(13);
        float[] x = d.signed(40, 2);
        float[] g = new float[40];
        for (int i = 0; i < 40; i++) g[i] = (float) (8 * Math.cos(8 * x[i]));
        GradCheck.LossFunction f = () -> {
            double s = 0;
            for (float v : x) s += Math.sin(8 * (double) v);
            return s;
        };
        GradCheck.Options inDouble = GradCheck.Options.defaults().withResolution(0x1p-53);
        GradCheck.Report right = GradCheck.check(f, List.of(GradCheck.Input.of("x", x, g)), inDouble);
        right.assertPassed("right");
        for (int i = 0; i < 40; i++) g[i] *= 1.001f;
        assertFalse(GradCheck.check(f, List.of(GradCheck.Input.of("x", x, g)), inDouble).passed());
    }

    @Test
    void aNonDeterministicFunctionIsRefused() {
        float[] x = {1f};
        double[] drift = {0};
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> GradCheck.check(() -> x[0] + (drift[0] += 1e-9), List.of(GradCheck.Input.of("x", x, new float[] {1f}))));
        assertTrue(e.getMessage().contains("not deterministic"), e.getMessage());
    }

    @Test
    void theSamplerChecksDistinctSeededElements() {
        Data d = new Data(5);
        Smooth s = new Smooth(d, 200);
        GradCheck.Report r = GradCheck.check(s::loss, List.of(GradCheck.Input.of("x", s.x, s.gradient())),
                GradCheck.Options.defaults().sample(17, 99));
        assertEquals(17, r.checked());
        int[] a = GradCheck.elements(200, 17, new java.util.SplittableRandom(4));
        int[] b = GradCheck.elements(200, 17, new java.util.SplittableRandom(4));
        assertArrayEquals(a, b);
        assertEquals(17, Arrays.stream(a).distinct().count());
        // a wrong element outside the sample goes unseen, inside it is caught: sampling trades coverage for time
        float[] g = s.gradient();
        GradCheck.Options opts = GradCheck.Options.defaults().sample(17, 99);
        GradCheck.Input in = GradCheck.Input.of("x", s.x, g);
        int[] picked = GradCheck.sample(in, opts);
        int outside = 0;
        while (Arrays.binarySearch(picked, outside) >= 0) outside++;
        g[outside] += 1f;
        assertTrue(GradCheck.check(s::loss, List.of(in), opts).passed());
        g[picked[3]] += 1f;
        GradCheck.Report r2 = GradCheck.check(s::loss, List.of(in), opts);
        assertFalse(r2.passed());
        assertEquals(picked[3], r2.index());
    }

    /**
     * A loss whose terms cancel (here float32 {@code 2 + 1e-9 x} and {@code -2}) is resolved no finer than its
     * terms: a change below an ulp of 2 does not show, and every difference quotient reads 0 for a slope of
     * 1e-9. Floored at {@code 2^-24 |loss|} (0 here) the noise left no room and the right gradient failed, as it
     * did for an RNN_RELU stack whose weighted outputs near 2 summed to -0.0049; floored at {@code 2^-24} of
     * the terms ({@link GradCheck.LossFunction#magnitude()}) it passes, and a wrong gradient still fails.
     */
    @Test
    void aLossWhoseTermsCancelIsResolvedNoFinerThanItsTerms() {
        float[] x = {0.5f};
        GradCheck.LossFunction cancelling = () -> (double) (2f + 1e-9f * x[0]) - 2;
        GradCheck.LossFunction withMagnitude = new GradCheck.LossFunction() {
            @Override
            public double loss() {
                return cancelling.loss();
            }

            @Override
            public double magnitude() {
                return Math.abs((double) (2f + 1e-9f * x[0])) + 2;
            }
        };
        assertFalse(GradCheck.check(cancelling, List.of(GradCheck.Input.of("x", x, new float[] {1e-9f}))).passed());
        GradCheck.check(withMagnitude, List.of(GradCheck.Input.of("x", x, new float[] {1e-9f}))).assertPassed("terms 2 and -2");
        assertFalse(GradCheck.check(withMagnitude, List.of(GradCheck.Input.of("x", x, new float[] {1e-3f}))).passed());
        assertEquals(0.5f, x[0]);
    }

    @Test
    void theReportNamesTheWorstElementWithBothValuesAndTheTolerance() {
        Data d = new Data(11);
        Smooth s = new Smooth(d, 10);
        float[] g = s.gradient();
        g[4] += 0.5f;
        GradCheck.Report r = GradCheck.check(s::loss, List.of(GradCheck.Input.of("weights", s.x, g)));
        String text = r.toString();
        assertFalse(r.passed());
        assertTrue(text.contains("FAILED") && text.contains("weights[4]") && text.contains("analytic") && text.contains("numeric")
                && text.contains("tolerance") && text.contains("of 10 checked"), text);
        AssertionError e = assertThrows(AssertionError.class, () -> r.assertPassed("data seed 11"));
        assertTrue(e.getMessage().startsWith("data seed 11: gradcheck FAILED"), e.getMessage());
    }
}
