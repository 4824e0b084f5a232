package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Param;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

import static dev.vecrnn.nn.train.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Defaults, bias correction, decoupled decay, checkpointing and argument checks of the optimizers. */
class OptimizerBehaviourTest {

    static List<Param> params(long seed, int... sizes) {
        Random rnd = new Random(seed);
        Param[] ps = new Param[sizes.length];
        for (int i = 0; i < sizes.length; i++) ps[i] = new Param("w" + i, Close.uniform(rnd, sizes[i], -1, 1));
        return List.of(ps);
    }

    @Test
    void defaultsArePyTorchs() {
        List<Param> ps = params(1, 3);
        Adam adam = new Adam(ps);
        assertEquals(List.of(1e-3, 0.9, 0.999, 1e-8, 0.0),
                List.of(adam.learningRate(), adam.beta1(), adam.beta2(), adam.eps(), adam.weightDecay()));
        AdamW adamW = new AdamW(ps);
        assertEquals(List.of(1e-3, 0.9, 0.999, 1e-8, 1e-2),
                List.of(adamW.learningRate(), adamW.beta1(), adamW.beta2(), adamW.eps(), adamW.weightDecay()));
        RmsProp rms = new RmsProp(ps);
        assertEquals(List.of(1e-2, 0.99, 1e-8, 0.0, 0.0),
                List.of(rms.learningRate(), rms.alpha(), rms.eps(), rms.weightDecay(), rms.momentum()));
        Sgd sgd = new Sgd(ps, 0.5);
        assertEquals(List.of(0.5, 0.0, 0.0, 0.0), List.of(sgd.learningRate(), sgd.momentum(), sgd.dampening(), sgd.weightDecay()));
        assertEquals(false, sgd.nesterov());
    }

    /** With bias correction Adam's first step is lr * g / (|g| + eps): a step of almost exactly lr per element. */
    @Test
    void adamFirstStepIsBiasCorrected() {
        List<Param> ps = params(2, 9);
        float[] before = ps.get(0).data().clone();
        float[] g = ps.get(0).grad();
        for (int i = 0; i < g.length; i++) g[i] = (float) Math.pow(10, i - 4) * (i % 2 == 0 ? 1 : -1);
        new Adam(ps, 0.1).step();
        for (int i = 0; i < g.length; i++) {
            double expected = before[i] - 0.1 * g[i] / (Math.abs(g[i]) + 1e-8);
            assertClose("element " + i, expected, ps.get(0).data()[i], 1e-6, 1e-7);
        }
    }

    /** AdamW with zero gradients only decays: p_t = p_0 (1 - lr wd)^t; Adam's L2 form would move ~lr per step. */
    @Test
    void adamWDecayIsDecoupledFromTheGradient() {
        List<Param> ps = params(3, 5);
        float[] p0 = ps.get(0).data().clone();
        AdamW opt = new AdamW(ps, 0.01, 0.9, 0.999, 1e-8, 0.5);
        for (int t = 0; t < 10; t++) opt.step();
        for (int i = 0; i < p0.length; i++) {
            assertClose("element " + i, p0[i] * Math.pow(1 - 0.01 * 0.5, 10), ps.get(0).data()[i], 1e-6, 0);
        }
        List<Param> qs = params(3, 5);
        Adam l2 = new Adam(qs, 0.01, 0.9, 0.999, 1e-8, 0.5);
        for (int t = 0; t < 10; t++) {
            l2.zeroGrad();
            l2.step();
        }
        // the L2 gradient wd * p has a constant sign, so each bias-corrected step moves by about lr
        for (int i = 0; i < p0.length; i++) {
            assertClose("element " + i, p0[i] - Math.signum(p0[i]) * 0.1, qs.get(0).data()[i], 0, 2e-3);
        }
    }

    /** Saving state and step count mid-run and loading them into a fresh optimizer continues bit for bit. */
    @Test
    void stateRoundTripContinuesExactly() {
        List<Function<List<Param>, Optimizer>> makers = List.of(
                ps -> new Sgd(ps, 0.05, 0.9, 0.2, 0.01, false), ps -> new Sgd(ps, 0.05, 0.9, 0, 0, true),
                ps -> new Adam(ps, 0.01), ps -> new AdamW(ps, 0.01), ps -> new RmsProp(ps, 0.01, 0.9, 1e-8, 0.01, 0.5));
        for (Function<List<Param>, Optimizer> make : makers) {
            List<Param> a = params(4, 6, 17);
            Optimizer first = make.apply(a);
            Random rnd = new Random(5);
            for (int t = 0; t < 4; t++) stepWithRandomGrads(first, rnd);
            Map<String, float[]> saved = first.state();
            List<Param> b = List.of(new Param("w0", a.get(0).data().clone()), new Param("w1", a.get(1).data().clone()));
            Optimizer second = make.apply(b);
            second.loadState(saved, first.stepCount());
            Random r1 = new Random(6);
            Random r2 = new Random(6);
            for (int t = 0; t < 4; t++) {
                stepWithRandomGrads(first, r1);
                stepWithRandomGrads(second, r2);
            }
            for (int p = 0; p < 2; p++) assertArrayEquals(a.get(p).data(), b.get(p).data(), first + " param " + p);
            assertEquals(8, second.stepCount());
        }
    }

    private static void stepWithRandomGrads(Optimizer opt, Random rnd) {
        opt.zeroGrad();
        for (Param p : opt.params()) {
            float[] g = p.grad();
            for (int i = 0; i < g.length; i++) g[i] = (float) rnd.nextGaussian();
        }
        opt.step();
    }

    @Test
    void stateKeysFollowPyTorchsBufferNames() {
        List<Param> ps = params(7, 2, 3);
        assertEquals(List.of("w0.exp_avg", "w0.exp_avg_sq", "w1.exp_avg", "w1.exp_avg_sq"), List.copyOf(new Adam(ps).state().keySet()));
        assertEquals(List.of("w0.momentum_buffer", "w1.momentum_buffer"), List.copyOf(new Sgd(ps, 0.1, 0.9).state().keySet()));
        assertEquals(List.of(), List.copyOf(new Sgd(ps, 0.1).state().keySet()));
        assertEquals(List.of("w0.square_avg", "w0.momentum_buffer", "w1.square_avg", "w1.momentum_buffer"),
                List.copyOf(new RmsProp(ps, 0.01, 0.99, 1e-8, 0, 0.9).state().keySet()));
    }

    @Test
    void loadStateRejectsMismatches() {
        Adam opt = new Adam(params(8, 2, 3));
        Map<String, float[]> state = opt.state();
        state.put("w1.exp_avg", new float[4]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> opt.loadState(state, 1));
        assertEquals("state['w1.exp_avg']: expected length 3, got 4", e.getMessage());
        state.remove("w1.exp_avg");
        e = assertThrows(IllegalArgumentException.class, () -> opt.loadState(state, 1));
        assertEquals("state: expected key 'w1.exp_avg', got no such key", e.getMessage());
        Map<String, float[]> extra = opt.state();
        extra.put("w9.exp_avg", new float[1]);
        e = assertThrows(IllegalArgumentException.class, () -> opt.loadState(extra, 1));
        assertEquals("state: expected only the keys of Adam.state(), got also ['w9.exp_avg']", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> opt.loadState(opt.state(), -1));
        assertEquals("stepCount: expected >= 0, got -1", e.getMessage());
    }

    @Test
    void zeroGradClearsEveryGradient() {
        List<Param> ps = params(9, 4, 5);
        for (Param p : ps) Arrays.fill(p.grad(), 3f);
        new Sgd(ps, 0.1).zeroGrad();
        for (Param p : ps) assertArrayEquals(new float[p.size()], p.grad());
    }

    @Test
    void argumentErrors() {
        List<Param> ps = params(10, 3);
        assertMessage("nesterov: requires momentum > 0 and dampening 0, got momentum 0.0, dampening 0.0",
                () -> new Sgd(ps, 0.1, 0, 0, 0, true));
        assertMessage("nesterov: requires momentum > 0 and dampening 0, got momentum 0.9, dampening 0.1",
                () -> new Sgd(ps, 0.1, 0.9, 0.1, 0, true));
        assertMessage("lr: expected a finite value >= 0, got -0.1", () -> new Sgd(ps, -0.1));
        assertMessage("beta2: expected in [0, 1), got 1.0", () -> new Adam(ps, 0.1, 0.9, 1.0, 1e-8, 0));
        assertMessage("weightDecay: expected a finite value >= 0, got -1.0", () -> new AdamW(ps, 0.1, 0.9, 0.99, 1e-8, -1));
        assertMessage("alpha: expected in [0, 1), got 1.5", () -> new RmsProp(ps, 0.1, 1.5, 1e-8, 0, 0));
        assertMessage("params: expected at least 1 param, got an empty list", () -> new Adam(List.of()));
        Param w = new Param("w", new float[2]);
        assertMessage("params: expected distinct names (they key the optimizer state), got 'w' twice (second at index 1)",
                () -> new Adam(List.of(w, w)));
        assertMessage("lr: expected a finite value >= 0, got NaN", () -> new Adam(ps).setLearningRate(Double.NaN));
    }

    static void assertMessage(String expected, org.junit.jupiter.api.function.Executable e) {
        assertEquals(expected, assertThrows(IllegalArgumentException.class, e).getMessage());
    }
}
