package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Param;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static dev.vecrnn.nn.train.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gradient clipping against clip_grad_norm_ / clip_grad_value_ recomputed here in double. The norm comes
 * from float sums of squares, so it is held to 1e-6 relative; clipped gradients to 1e-6 relative.
 */
class ClipTest {

    static Param param(String name, float... grad) {
        return new Param(name, new float[grad.length], grad);
    }

    @Example
    void handComputedNorm() {
        // grads (3, 4) and (12): norm sqrt(9 + 16 + 144) = 13
        List<Param> ps = List.of(param("a", 3, 4), param("b", 12));
        assertEquals(13.0, Clip.byGlobalNorm(ps, 20), 1e-12);
        assertArrayEquals(new float[] {3, 4}, ps.get(0).grad(), "no clipping below maxNorm");
        assertEquals(13.0, Clip.byGlobalNorm(ps, 6.5), 1e-12);
        double coef = 6.5 / (13 + 1e-6);
        assertClose("a", new double[] {3 * coef, 4 * coef}, ps.get(0).grad(), 1e-7, 0);
        assertClose("b", new double[] {12 * coef}, ps.get(1).grad(), 1e-7, 0);
    }

    @Property(tries = 40)
    void matchesReference(@ForAll @IntRange(min = 1, max = 4) int count, @ForAll @IntRange(min = 0, max = 60) int size,
                          @ForAll @DoubleRange(min = 0.01, max = 10) double maxNorm, @ForAll long seed) {
        Random rnd = new Random(seed);
        List<Param> ps = new ArrayList<>();
        List<double[]> before = new ArrayList<>();
        double sum = 0;
        for (int p = 0; p < count; p++) {
            float[] g = Close.uniform(rnd, size + p, -2, 2);
            for (float v : g) sum += (double) v * v;
            before.add(Close.toDouble(g));
            ps.add(param("p" + p, g));
        }
        double norm = Math.sqrt(sum);
        assertClose("norm", norm, Clip.byGlobalNorm(ps, maxNorm), 1e-6, 0);
        double coef = Math.min(1, maxNorm / (norm + 1e-6));
        for (int p = 0; p < count; p++) {
            double[] expected = before.get(p).clone();
            for (int i = 0; i < expected.length; i++) expected[i] *= coef;
            assertClose("grad " + p, expected, ps.get(p).grad(), 1e-6, 0);
        }
    }

    @Example
    void nonFiniteNormLeavesGradientsUnchanged() {
        List<Param> ps = List.of(param("a", 1, Float.NaN), param("b", 2));
        assertTrue(Double.isNaN(Clip.byGlobalNorm(ps, 1)));
        assertEquals(2f, ps.get(1).grad()[0]);
        List<Param> inf = List.of(param("a", 1, Float.POSITIVE_INFINITY));
        assertEquals(Double.POSITIVE_INFINITY, Clip.byGlobalNorm(inf, 1));
        assertEquals(1f, inf.get(0).grad()[0]);
    }

    @Example
    void normOfHugeGradientsDoesNotOverflow() {
        // 1e20^2 overflows float; the norm is sqrt(2) * 1e20
        List<Param> ps = List.of(param("a", 1e20f, 1e20f));
        assertClose("norm", Math.sqrt(2) * (double) 1e20f, Clip.byGlobalNorm(ps, 1), 1e-6, 0);
        assertClose("clipped", new double[] {Math.sqrt(0.5), Math.sqrt(0.5)}, ps.get(0).grad(), 1e-6, 0);
    }

    @Example
    void byValueClampsAndKeepsNaN() {
        Param p = param("a", -3, -0.5f, 0, 0.5f, 3, Float.NaN, Float.NEGATIVE_INFINITY);
        Clip.byValue(List.of(p), 1);
        assertEquals("[-1.0, -0.5, 0.0, 0.5, 1.0, NaN, -1.0]", Arrays.toString(p.grad()));
    }

    @Example
    void argumentErrors() {
        List<Param> ps = List.of(param("a", 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Clip.byGlobalNorm(ps, -1));
        assertEquals("maxNorm: expected a finite value >= 0, got -1.0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Clip.byValue(ps, Double.NaN));
        assertEquals("clip: expected a finite value >= 0, got NaN", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Clip.byValue(null, 1));
        assertEquals("params: expected non-null, got null", e.getMessage());
    }
}
