package dev.vecrnn.nn.model;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A model stream's state copied out and into another state: the stream goes on as if it had never moved. */
class ModelStateCopyTest {

    private static float[][] inputs(int steps, int features, long seed) {
        Random rnd = new Random(seed);
        float[][] x = new float[steps][features];
        for (float[] row : x) for (int i = 0; i < features; i++) row[i] = (float) rnd.nextGaussian();
        return x;
    }

    @Test
    void aCopiedStreamContinuesBitForBit() {
        // two recurrent layers (one of them a 2-layer stack) around stateless ones
        Model m = Model.builder(4).lstm(6).dropout(0.2f).gru(5).dense(3).seed(9).build();
        ModelState a = m.newState();
        assertEquals(6 + 6 + 5, a.size()); // LSTM h and c, then GRU h
        float[][] x = inputs(12, 4, 1);
        float[] out = new float[3], outB = new float[3];
        for (int t = 0; t < 5; t++) m.step(x[t], a, out);
        float[] saved = new float[a.size()];
        a.copyTo(saved, 0);

        ModelState b = m.newState();
        b.copyFrom(saved, 0);
        for (int t = 5; t < 12; t++) {
            m.step(x[t], a, out);
            m.step(x[t], b, outB);
            assertArrayEquals(out, outB, "step " + t);
        }
    }

    @Test
    void refusedCopiesChangeNothing() {
        Model m = Model.builder(4).lstm(6).dense(2).seed(2).build();
        ModelState s = m.newState();
        float[] out = new float[2];
        for (float[] xt : inputs(3, 4, 3)) m.step(xt, s, out);
        float[] before = new float[s.size()];
        s.copyTo(before, 0);
        float[] bad = before.clone();
        bad[0] = Float.POSITIVE_INFINITY;
        assertThrows(IllegalArgumentException.class, () -> s.copyFrom(bad, 0));
        assertThrows(IllegalArgumentException.class, () -> s.copyFrom(Arrays.copyOf(before, before.length - 1), 0));
        float[] after = new float[s.size()];
        s.copyTo(after, 0);
        assertArrayEquals(before, after);
    }

    @Test
    void aModelWithoutRecurrentLayersCarriesNothing() {
        Model m = Model.builder(4).dense(3).seed(1).build();
        ModelState s = m.newState();
        assertEquals(0, s.size());
        s.copyFrom(new float[0], 0);
    }
}
