package dev.vecrnn.nn.recurrent;

import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.model.ModelState;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Streaming steps against the sequence forward of the same network. */
class StreamTest {

    private static Tensor random(Random rnd, int... shape) {
        Tensor t = Tensor.zeros(shape);
        for (int i = 0; i < t.size(); i++) t.data()[i] = (float) rnd.nextGaussian();
        return t;
    }

    @ParameterizedTest
    @EnumSource(CellType.class)
    void stepsEqualOneSequenceCall(CellType type) {
        RecurrentConfig cfg = new RecurrentConfig(type, 5, 7, 2, true, false, false, 0f, type == CellType.LSTM ? 3 : 0);
        Recurrent net = new Recurrent(cfg, 42);
        Random rnd = new Random(1);
        int steps = 9, p = cfg.outputHidden();
        Tensor x = random(rnd, steps, 1, 5);
        Recurrent.Output seq = net.forward(x, null, null, null);
        StreamState s = net.newState();
        float[] out = new float[p];
        float[] xt = new float[5];
        for (int t = 0; t < steps; t++) {
            System.arraycopy(x.data(), t * 5, xt, 0, 5);
            net.step(xt, s, out);
            for (int j = 0; j < p; j++) {
                assertEquals(seq.output().data()[t * p + j], out[j], 1e-5, "step " + t + " unit " + j);
            }
        }
        for (int l = 0; l < 2; l++) {
            float[] h = s.hidden(l);
            for (int j = 0; j < p; j++) assertEquals(seq.hN().data()[l * p + j], h[j], 1e-5, "h_n layer " + l);
        }
    }

    @ParameterizedTest
    @EnumSource(CellType.class)
    void stepManyEqualsSeparateSteps(CellType type) {
        RecurrentConfig cfg = new RecurrentConfig(type, 6, 8, 2, true, false, false, 0f, 0);
        Recurrent net = new Recurrent(cfg, 7);
        Random rnd = new Random(2);
        int n = 5, in = 6, p = 8;
        StreamState[] together = new StreamState[n];
        StreamState[] alone = new StreamState[n];
        for (int i = 0; i < n; i++) {
            together[i] = net.newState();
            alone[i] = net.newState();
        }
        StepWorkspace ws = net.newStepWorkspace(n);
        float[] outs = new float[n * p];
        float[] one = new float[p];
        for (int t = 0; t < 6; t++) {
            float[] xs = random(rnd, n, in).data();
            net.stepMany(n, xs, together, outs, ws);
            for (int i = 0; i < n; i++) {
                net.step(java.util.Arrays.copyOfRange(xs, i * in, (i + 1) * in), alone[i], one);
                for (int j = 0; j < p; j++) assertEquals(one[j], outs[i * p + j], 1e-5, "stream " + i + " step " + t);
            }
        }
        for (int i = 0; i < n; i++) assertArrayEquals(alone[i].hidden(1), together[i].hidden(1), 1e-5f);
    }

    @ParameterizedTest
    @EnumSource(CellType.class)
    void stepAtOffsetsEqualsStepOnItsOwnArrays(CellType type) {
        RecurrentConfig cfg = new RecurrentConfig(type, 4, 6, 2, true, false, false, 0f, type == CellType.LSTM ? 3 : 0);
        Recurrent net = new Recurrent(cfg, 3);
        Random rnd = new Random(4);
        int in = 4, p = cfg.outputHidden(), steps = 6;
        float[] rows = new float[2 + steps * in];
        for (int i = 0; i < rows.length; i++) rows[i] = (float) rnd.nextGaussian();
        StreamState atOffsets = net.newState(), own = net.newState();
        float[] outs = new float[1 + steps * p], out = new float[p];
        for (int t = 0; t < steps; t++) {
            net.step(rows, 2 + t * in, atOffsets, outs, 1 + t * p);
            net.step(Arrays.copyOfRange(rows, 2 + t * in, 2 + (t + 1) * in), own, out);
            assertArrayEquals(out, Arrays.copyOfRange(outs, 1 + t * p, 1 + (t + 1) * p), "step " + t);
        }
        assertEquals(0f, outs[0], "nothing written before outOff");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> net.step(rows, rows.length - 3, atOffsets, outs, 0));
        assertEquals("x: expected 4 floats at offset " + (rows.length - 3) + ", got an array of " + rows.length, e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> atOffsets.hidden(2));
        assertEquals("layer: expected in [0, 2), got 2", e.getMessage());
    }

    /**
     * A step given more input floats than the network takes is refused, not read in part (a caller passing
     * another model's features would otherwise get outputs of the first I), and the state is unchanged.
     */
    @ParameterizedTest
    @EnumSource(CellType.class)
    void stepRefusesAnInputOfAnotherWidth(CellType type) {
        RecurrentConfig cfg = RecurrentConfig.of(type, 3, 5);
        Recurrent net = new Recurrent(cfg, 8);
        StreamState s = net.newState();
        float[] out = new float[5];
        net.step(new float[] {0.5f, -1f, 2f}, s, out);
        float[] before = s.hidden(0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> net.step(new float[] {0.5f, -1f, 2f, 7f}, s, out));
        assertEquals("x: expected 3 floats (the input size), got an array of 4; step(x, xOff, state, out, outOff) reads a row of a larger array",
                e.getMessage());
        assertArrayEquals(before, s.hidden(0));

        Model m = Model.builder(3).recurrent(type, 5, 1, false, 0f, 0).dense(2).seed(3).build();
        ModelState ms = m.newState();
        float[] mo = new float[2];
        m.step(new float[] {0.5f, -1f, 2f}, ms, mo);
        float[] mBefore = mo.clone();
        e = assertThrows(IllegalArgumentException.class, () -> m.step(new float[] {0.5f, -1f, 2f, 7f}, ms, mo));
        assertEquals("x: expected 3 features, got an array of 4", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.step(new float[] {0.5f, -1f}, ms, mo));
        assertEquals("x: expected 3 features, got an array of 2", e.getMessage());
        assertArrayEquals(mBefore, mo, "out untouched");
        // the state is unchanged: the next step gives what a fresh copy stepped the same way gives
        ModelState twin = m.newState();
        float[] to = new float[2];
        m.step(new float[] {0.5f, -1f, 2f}, twin, to);
        m.step(new float[] {1f, 1f, 1f}, ms, mo);
        m.step(new float[] {1f, 1f, 1f}, twin, to);
        assertArrayEquals(to, mo);
    }
}
