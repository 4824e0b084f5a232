package dev.vecrnn.nn;

import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.model.ModelState;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;
import dev.vecrnn.nn.recurrent.StreamState;
import dev.vecrnn.nn.recurrent.StreamStates;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** NaN and infinity in inference inputs: rejected with their position by default, passed through on request. */
class NonFiniteInputTest {

    private static float[] gaussian(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rnd.nextGaussian();
        return x;
    }

    private static void assertMessage(IllegalArgumentException e, String... parts) {
        for (String p : parts) assertTrue(e.getMessage().contains(p), "expected '" + p + "' in: " + e.getMessage());
    }

    @Test
    void rejectIsTheDefault() {
        assertEquals(NonFiniteInput.REJECT, new Recurrent(RecurrentConfig.of(CellType.GRU, 2, 3), 1).nonFiniteInput());
        assertEquals(NonFiniteInput.REJECT, Model.builder(2).lstm(3).build().nonFiniteInput());
    }

    @Test
    void stepRejectsBeforeTheStateChanges() {
        Recurrent net = new Recurrent(RecurrentConfig.of(CellType.LSTM, 64, 16), 2);
        StreamState s = net.newState();
        float[] x = gaussian(new Random(3), 64), out = new float[16];
        net.step(x, s, out);
        float[] h = StreamStates.h(s).clone(), c = StreamStates.c(s).clone(), o = out.clone();
        for (int f : new int[] {0, 37, 63}) {
            for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
                float[] y = x.clone();
                y[f] = bad;
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> net.step(y, s, out));
                assertMessage(e, "x: expected finite values, got " + bad + " at feature " + f, "PROPAGATE");
            }
        }
        assertArrayEquals(h, StreamStates.h(s), 0f);
        assertArrayEquals(c, StreamStates.c(s), 0f);
        assertArrayEquals(o, out, 0f);
    }

    @Test
    void stepManyNamesTheStream() {
        Recurrent net = new Recurrent(RecurrentConfig.of(CellType.GRU, 5, 4), 4);
        StreamState[] st = {net.newState(), net.newState(), net.newState()};
        float[] xs = gaussian(new Random(5), 15);
        xs[2 * 5 + 3] = Float.NEGATIVE_INFINITY;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> net.stepMany(3, xs, st, new float[12], net.newStepWorkspace(3)));
        assertMessage(e, "xs: expected finite values, got -Infinity at stream 2, feature 3");
    }

    @Test
    void forwardNamesSampleStepAndFeatureInBothLayoutsAndIgnoresPadding() {
        for (boolean batchFirst : new boolean[] {false, true}) {
            Recurrent net = new Recurrent(new RecurrentConfig(CellType.GRU, 3, 4, 1, true, batchFirst, false, 0f, 0), 6);
            int steps = 5, batch = 3;
            float[] data = gaussian(new Random(7), steps * batch * 3);
            // sample 1, time step 3, feature 2
            int at = batchFirst ? (1 * steps + 3) * 3 + 2 : (3 * batch + 1) * 3 + 2;
            int[] shape = batchFirst ? new int[] {batch, steps, 3} : new int[] {steps, batch, 3};
            float[] bad = data.clone();
            bad[at] = Float.NaN;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> net.forward(Tensor.of(bad, shape), null, null, null));
            assertMessage(e, "x: expected finite values, got NaN at sample 1, time step 3, feature 2");
            // past sample 1's length (3) the NaN is padding: never read, so accepted, with the same result
            int[] lengths = {5, 3, 4};
            Recurrent.Output clean = net.forward(Tensor.of(data.clone(), shape), lengths, null, null);
            Recurrent.Output padded = net.forward(Tensor.of(bad, shape), lengths, null, null);
            assertArrayEquals(clean.output().data(), padded.output().data(), 0f);
            assertArrayEquals(clean.hN().data(), padded.hN().data(), 0f);
        }
    }

    @Test
    void forwardChecksInitialStates() {
        Recurrent net = new Recurrent(new RecurrentConfig(CellType.LSTM, 2, 3, 2, true, false, false, 0f, 0), 8);
        Tensor x = Tensor.of(gaussian(new Random(9), 4 * 2 * 2), 4, 2, 2);
        Tensor h0 = Tensor.zeros(2, 2, 3), c0 = Tensor.zeros(2, 2, 3);
        c0.data()[(1 * 2 + 0) * 3 + 2] = Float.POSITIVE_INFINITY;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> net.forward(x, null, h0, c0));
        assertMessage(e, "c0: expected finite values, got Infinity at layer/direction 1, sample 0, unit 2");
    }

    @Test
    void modelPredictAndStepReject() {
        Model m = Model.builder(4).lstm(6).dense(2).seed(10).build();
        float[] data = gaussian(new Random(11), 2 * 3 * 4);
        data[(1 * 3 + 2) * 4 + 1] = Float.NaN;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.predict(Batch.sequences(data, 2, 3, 4)));
        assertMessage(e, "x: expected finite values, got NaN at sample 1, time step 2, feature 1");
        ModelState s = m.newState();
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
                () -> m.step(new float[] {0f, 1f, Float.POSITIVE_INFINITY, 2f}, s, new float[2]));
        assertMessage(e2, "x: expected finite values, got Infinity at feature 2");
    }

    @Test
    void propagateLetsNaNThroughToThatStreamOnly() {
        Recurrent net = new Recurrent(RecurrentConfig.of(CellType.LSTM, 4, 5), 12);
        net.setNonFiniteInput(NonFiniteInput.PROPAGATE);
        StreamState s = net.newState();
        float[] out = new float[5];
        net.step(new float[] {1f, Float.NaN, 0f, 0f}, s, out);
        for (float v : out) assertTrue(Float.isNaN(v), "a NaN input reaches every unit through the gate product");
        // sequences: sample 0 is poisoned from step 1 on, sample 1 is untouched
        float[] data = gaussian(new Random(13), 3 * 2 * 4);
        data[(1 * 2 + 0) * 4] = Float.NaN;
        Recurrent.Output o = net.forward(Tensor.of(data, 3, 2, 4), null, null, null);
        for (int t = 0; t < 3; t++) {
            for (int j = 0; j < 5; j++) {
                assertEquals(t >= 1, Float.isNaN(o.output().data()[(t * 2) * 5 + j]), "sample 0 t=" + t);
                assertFalse(Float.isNaN(o.output().data()[(t * 2 + 1) * 5 + j]), "sample 1 t=" + t);
            }
        }
        Model m = Model.builder(2).gru(3).dense(1).seed(14).build();
        m.setNonFiniteInput(NonFiniteInput.PROPAGATE);
        Batch y = m.predict(Batch.sequences(new float[] {1f, Float.NaN, 0f, 1f}, 1, 2, 2));
        for (float v : y.data()) assertTrue(Float.isNaN(v), java.util.Arrays.toString(y.data()));
        float[] so = new float[1];
        m.step(new float[] {Float.NaN, 0f}, m.newState(), so);
        assertTrue(Float.isNaN(so[0]));
        assertThrows(IllegalArgumentException.class, () -> m.setNonFiniteInput(null));
    }
}
