package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Param;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Learning-rate sequences over 20+ epochs against values derived by hand (and, for the cosine, PyTorch's
 * recursive formula). Schedules compute in double: 1e-14 relative (1 + cos near -1 cancels a few bits).
 */
class LrSchedulerTest {
    static final double TOL = 1e-14;

    static Optimizer sgd(double lr) {
        return new Sgd(List.of(new Param("w", new float[1])), lr);
    }

    static void assertLr(String what, double expected, double actual) {
        assertEquals(expected, actual, TOL * Math.abs(expected), what);
    }

    @Test
    void stepLrHalvesEveryThreeEpochs() {
        Optimizer opt = sgd(0.1);
        StepLR s = new StepLR(opt, 3, 0.5);
        double[] expected = {0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125, 0.0125, 0.0125,
                0.00625, 0.00625, 0.00625, 0.003125, 0.003125, 0.003125, 0.0015625, 0.0015625, 0.0015625};
        assertLr("epoch 0", expected[0], opt.learningRate());
        for (int e = 1; e <= 20; e++) {
            s.step();
            assertEquals(e, s.lastEpoch());
            assertLr("epoch " + e, expected[e], opt.learningRate());
            assertLr("lastLr " + e, expected[e], s.lastLr());
        }
        s.setLastEpoch(4);
        assertLr("resumed at 4", 0.05, opt.learningRate());
        assertEquals(0.1, new StepLR(sgd(1), 1).lrAt(1), TOL, "default gamma 0.1");
    }

    @Test
    void cosineAnnealingFollowsTheClosedForm() {
        // cos(k * 18 degrees) for k = 0..5, from the regular pentagon/decagon: exact algebraic values
        double s5 = Math.sqrt(5);
        double[] cos18 = {1, Math.sqrt(10 + 2 * s5) / 4, (1 + s5) / 4, Math.sqrt(10 - 2 * s5) / 4, (s5 - 1) / 4, 0};
        double base = 0.1;
        double etaMin = 0.001;
        Optimizer opt = sgd(base);
        CosineAnnealingLR s = new CosineAnnealingLR(opt, 10, etaMin);
        for (int e = 1; e <= 20; e++) {
            s.step();
            int k = e % 20; // period 2 T_max: epochs 10..20 climb back
            int m = k <= 10 ? k : 20 - k;
            double c = m <= 5 ? cos18[m] : -cos18[10 - m];
            assertLr("epoch " + e, etaMin + (base - etaMin) * (1 + c) / 2, opt.learningRate());
        }
        assertLr("T_max reaches eta_min", etaMin, s.lrAt(10));
        assertLr("2 T_max is back at base", base, s.lrAt(20));
    }

    /** PyTorch's CosineAnnealingLR.get_lr (the recursive, chainable form) agrees with the closed form for 45 epochs. */
    @Test
    void cosineAnnealingMatchesPyTorchsRecursiveForm() {
        double base = 0.05;
        double etaMin = 0.002;
        int tMax = 7;
        Optimizer opt = sgd(base);
        CosineAnnealingLR s = new CosineAnnealingLR(opt, tMax, etaMin);
        double lr = base;
        for (int e = 1; e <= 45; e++) {
            if ((e - 1 - tMax) % (2 * tMax) == 0) {
                lr = lr + (base - etaMin) * (1 - Math.cos(Math.PI / tMax)) / 2;
            } else {
                lr = (1 + Math.cos(Math.PI * e / tMax)) / (1 + Math.cos(Math.PI * (e - 1) / tMax)) * (lr - etaMin) + etaMin;
            }
            s.step();
            assertEquals(lr, opt.learningRate(), 1e-12, "epoch " + e);
        }
    }

    @Test
    void plateauInMinModeWithCooldownAndFloor() {
        Optimizer opt = sgd(1.0);
        ReduceLROnPlateau s = new ReduceLROnPlateau(opt, ReduceLROnPlateau.Mode.MIN, 0.5, 2, 0.01,
                ReduceLROnPlateau.ThresholdMode.REL, 1, 0.2, 1e-8);
        double[] metrics = {10, 9, 8.95, 9.5, 9.1, 8.92, 9, 9, 9, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8};
        // traced by hand from PyTorch's step(): improvements need metric < best * 0.99
        double[] lrs = {1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2};
        for (int e = 0; e < metrics.length; e++) {
            s.step(metrics[e]);
            assertLr("epoch " + (e + 1), lrs[e], opt.learningRate());
        }
        assertEquals(8.0, s.best());
        assertEquals(2, s.numBadEpochs());
        assertEquals(0, s.cooldownCounter());
        assertEquals(20, s.lastEpoch());
    }

    @Test
    void plateauInMaxModeWithAbsoluteThreshold() {
        Optimizer opt = sgd(1.0);
        ReduceLROnPlateau s = new ReduceLROnPlateau(opt, ReduceLROnPlateau.Mode.MAX, 0.1, 1, 0.05,
                ReduceLROnPlateau.ThresholdMode.ABS, 0, 0, 1e-8);
        double[] metrics = {0.5, 0.54, 0.6, 0.6, 0.64, 0.7, 0.1, Double.NaN};
        double[] lrs = {1, 1, 1, 1, 0.1, 0.1, 0.1, 0.1 * 0.1};
        for (int e = 0; e < metrics.length; e++) {
            s.step(metrics[e]);
            assertLr("epoch " + (e + 1), lrs[e], opt.learningRate());
        }
        assertEquals(0.7, s.best());
    }

    @Test
    void plateauDefaultsArePyTorchs() {
        Optimizer opt = sgd(1.0);
        ReduceLROnPlateau s = new ReduceLROnPlateau(opt);
        // patience 10: the 11th epoch without improvement cuts by 0.1
        s.step(1.0);
        for (int e = 0; e < 10; e++) s.step(0.99995); // within the 1e-4 relative threshold: not better
        assertEquals(1.0, opt.learningRate());
        s.step(1.0);
        assertLr("cut", 0.1, opt.learningRate());
    }

    @Test
    void argumentErrors() {
        Optimizer opt = sgd(0.1);
        assertEquals("stepSize: expected >= 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> new StepLR(opt, 0)).getMessage());
        assertEquals("tMax: expected >= 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> new CosineAnnealingLR(opt, 0)).getMessage());
        assertEquals("factor: expected in [0, 1), got 1.0", assertThrows(IllegalArgumentException.class,
                () -> new ReduceLROnPlateau(opt, ReduceLROnPlateau.Mode.MIN, 1.0, 3)).getMessage());
        assertEquals("epoch: expected >= 0, got -1",
                assertThrows(IllegalArgumentException.class, () -> new StepLR(opt, 2).setLastEpoch(-1)).getMessage());
    }
}
