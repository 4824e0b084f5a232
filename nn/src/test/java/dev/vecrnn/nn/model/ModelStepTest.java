package dev.vecrnn.nn.model;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.layers.Activation;
import dev.vecrnn.nn.layers.Layer;
import dev.vecrnn.nn.recurrent.CellType;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A model stepped one time step at a time, each layer stepping itself: against the model's own predict
 * over the same sequence, for every kind of layer that streams; the layers that need the whole sequence
 * refused when the state is made; reset back to a new stream.
 */
class ModelStepTest {

    private static float[] tokens(int steps, int vocab, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[steps];
        for (int t = 0; t < steps; t++) x[t] = rnd.nextInt(vocab);
        return x;
    }

    @Test
    void everyStepIsWhatPredictSaysAtThatStep() {
        // embedding, two recurrent kinds, dropout (the identity in inference), dense with an activation
        Model m = Model.builder(1).embedding(11, 6).lstm(8).dropout(0.4f).gru(7).dense(5, Activation.TANH).seed(21).build();
        int steps = 12;
        float[] x = tokens(steps, 11, 1);
        float[] seq = m.predict(Batch.sequences(x, 1, steps, 1)).data();
        ModelState s = m.newState();
        float[] out = new float[5];
        for (int t = 0; t < steps; t++) {
            m.step(new float[] {x[t]}, s, out);
            for (int j = 0; j < 5; j++) assertEquals(seq[t * 5 + j], out[j], 1e-5, "step " + t + " output " + j);
        }
    }

    @Test
    void aLastStepHeadSaysWhatTheModelWouldIfTheSequenceEndedHere() {
        Model m = Model.builder(3).recurrent(CellType.LSTM, 6, 2, false, 0f, 4).lastStep().dense(2).seed(5).build();
        int steps = 7;
        Random rnd = new Random(2);
        float[] x = new float[steps * 3];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        ModelState s = m.newState();
        float[] out = new float[2];
        for (int t = 0; t < steps; t++) {
            m.step(Arrays.copyOfRange(x, t * 3, t * 3 + 3), s, out);
            float[] upToHere = m.predict(Batch.sequences(x, 1, steps, 3, new int[] {t + 1})).data();
            assertArrayEquals(upToHere, out, 1e-5f, "after step " + t);
        }
    }

    @Test
    void resetStartsANewStream() {
        Model m = Model.builder(1).embedding(9, 4).gru(6).dense(3).seed(8).build();
        float[] x = tokens(20, 9, 3);
        ModelState used = m.newState(), fresh = m.newState();
        float[] a = new float[3], b = new float[3];
        for (float v : x) m.step(new float[] {v}, used, a);
        used.reset();
        for (float v : x) {
            m.step(new float[] {v}, used, a);
            m.step(new float[] {v}, fresh, b);
            assertArrayEquals(b, a, "a reset state steps as a new one, bit for bit");
        }
    }

    @Test
    void layersThatNeedTheWholeSequenceAreRefusedWhenTheStateIsMade() {
        Model att = Model.builder(2).gru(4).attention().dense(1).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, att::newState);
        assertEquals("streaming: layer 1 (AttentionPooling) needs the whole sequence", e.getMessage());
        Model bi = Model.builder(2).recurrent(CellType.GRU, 4, 1, true, 0f, 0).dense(1).build();
        e = assertThrows(IllegalArgumentException.class, bi::newState);
        assertEquals("streaming: a bidirectional network needs the whole sequence; use forward()", e.getMessage());
    }

    @Test
    void layerIsClosedToTheSixLayersTheModelFilesKnow() {
        assertTrue(Layer.class.isSealed());
        assertEquals(6, Layer.class.getPermittedSubclasses().length, Arrays.toString(Layer.class.getPermittedSubclasses()));
    }
}
