package dev.vecrnn.nn.recurrent;

import dev.vecrnn.nn.NonFiniteInput;
import dev.vecrnn.nn.Tensor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A stream's state copied out and into another state: the stream goes on as if it had never moved. */
class StateCopyTest {
    private static final int IN = 5, LAYERS = 2, STEPS_BEFORE = 7, STEPS_AFTER = 6;

    private static RecurrentConfig config(CellType type) {
        return new RecurrentConfig(type, IN, 7, LAYERS, true, false, false, 0f, type == CellType.LSTM ? 3 : 0);
    }

    private static float[][] inputs(int steps, long seed) {
        Random rnd = new Random(seed);
        float[][] x = new float[steps][IN];
        for (float[] row : x) for (int i = 0; i < IN; i++) row[i] = (float) rnd.nextGaussian();
        return x;
    }

    @ParameterizedTest
    @EnumSource(CellType.class)
    void aCopiedStreamContinuesBitForBit(CellType type) {
        Recurrent net = new Recurrent(config(type), 11);
        float[][] x = inputs(STEPS_BEFORE + STEPS_AFTER, 3);
        int p = net.config().outputHidden();
        StreamState a = net.newState();
        float[] out = new float[p];
        for (int t = 0; t < STEPS_BEFORE; t++) net.step(x[t], a, out);

        int h = LAYERS * p, c = type == CellType.LSTM ? LAYERS * net.config().hiddenSize() : 0;
        assertEquals(h + c, a.size());
        float[] saved = new float[a.size() + 3];
        Arrays.fill(saved, -7f);
        a.copyTo(saved, 2);
        assertEquals(-7f, saved[1]);
        assertEquals(-7f, saved[saved.length - 1]);

        StreamState b = net.newState();
        float[] junk = new float[p];
        net.step(x[STEPS_BEFORE + 1], b, junk); // b's own past must not matter once the state is set
        b.copyFrom(saved, 2);
        float[] outB = new float[p];
        for (int t = STEPS_BEFORE; t < STEPS_BEFORE + STEPS_AFTER; t++) {
            net.step(x[t], a, out);
            net.step(x[t], b, outB);
            assertArrayEquals(out, outB, "step " + t);
        }
    }

    /** The layout is PyTorch's h_n then c_n: given to the sequence forward as h0 and c0, it continues the stream. */
    @ParameterizedTest
    @EnumSource(CellType.class)
    void theCopyIsHnThenCnForTheSequenceForward(CellType type) {
        Recurrent net = new Recurrent(config(type), 12);
        float[][] x = inputs(STEPS_BEFORE + STEPS_AFTER, 4);
        int p = net.config().outputHidden(), hs = net.config().hiddenSize();
        StreamState s = net.newState();
        float[] out = new float[p];
        for (int t = 0; t < STEPS_BEFORE; t++) net.step(x[t], s, out);
        float[] saved = new float[s.size()];
        s.copyTo(saved, 0);
        Tensor h0 = Tensor.of(Arrays.copyOfRange(saved, 0, LAYERS * p), LAYERS, 1, p);
        Tensor c0 = type == CellType.LSTM ? Tensor.of(Arrays.copyOfRange(saved, LAYERS * p, saved.length), LAYERS, 1, hs) : null;
        Tensor rest = Tensor.zeros(STEPS_AFTER, 1, IN);
        for (int t = 0; t < STEPS_AFTER; t++) System.arraycopy(x[STEPS_BEFORE + t], 0, rest.data(), t * IN, IN);
        Recurrent.Output o = net.forward(rest, null, h0, c0);
        for (int t = 0; t < STEPS_AFTER; t++) {
            net.step(x[STEPS_BEFORE + t], s, out);
            for (int j = 0; j < p; j++) assertEquals(o.output().data()[t * p + j], out[j], 1e-5, "step " + t + ", unit " + j);
        }
    }

    @Test
    void refusedCopiesChangeNothing() {
        Recurrent net = new Recurrent(config(CellType.LSTM), 13);
        StreamState s = net.newState();
        float[] out = new float[net.config().outputHidden()];
        for (float[] xt : inputs(3, 5)) net.step(xt, s, out);
        float[] before = new float[s.size()];
        s.copyTo(before, 0);

        float[] bad = before.clone();
        bad[bad.length - 1] = Float.NaN; // the last c
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.copyFrom(bad, 0));
        assertTrue(e.getMessage().startsWith("src: expected finite values, got NaN at index " + (bad.length - 1) + " (c)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> s.copyFrom(before, 1));
        assertThrows(IllegalArgumentException.class, () -> s.copyFrom(null, 0));
        assertThrows(IllegalArgumentException.class, () -> s.copyFrom(before, -1));
        assertThrows(IllegalArgumentException.class, () -> s.copyTo(new float[before.length - 1], 0));
        float[] after = new float[s.size()];
        s.copyTo(after, 0);
        assertArrayEquals(before, after);

        // PROPAGATE lets a non-finite state in, as it lets non-finite input through
        net.setNonFiniteInput(NonFiniteInput.PROPAGATE);
        s.copyFrom(bad, 0);
        s.copyTo(after, 0);
        assertTrue(Float.isNaN(after[after.length - 1]));
    }
}
