package dev.vecrnn.nn.model;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.Tensor;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A {@link Model.Carry} goes on only in the model and the batch that filled it. Another batch size was
 * refused with the words of a layer ("h0: expected shape ..."), an argument the caller never passed; a carry
 * of another model was refused the same way, or, where its indices fell on layers without state, silently
 * started this model's recurrent layers from zeros. Both are now refused naming {@code from}, and the carry
 * given as {@code to} keeps what it held.
 */
class CarryTest {

    private static Batch batch(int n, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[n * 5 * 3];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        return new Batch(x, n, 5, 3, null, true);
    }

    private static Map<Integer, Tensor[]> copy(Model.Carry c) {
        return new LinkedHashMap<>(c.states);
    }

    private static void assertRefused(Model m, Batch x, Model.Carry from, String message) {
        Model.Carry to = new Model.Carry();
        m.forward(batch(2, 9), false, null, null, to);
        Map<Integer, Tensor[]> held = copy(to);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.forward(x, true, new Random(0), from, to));
        assertEquals(message, e.getMessage());
        assertEquals(held.keySet(), to.states.keySet());
        held.forEach((i, s) -> assertSame(s, to.states.get(i)));
    }

    /**
     * {@link Model.Carry#states()}: each recurrent layer's {h} (GRU, RNN) or {h, c} (LSTM) by its index, as stepping each
     * sequence one step at a time leaves the stream's state ({@link ModelState#copyTo}: every recurrent layer's h, then
     * an LSTM's c, in layer order); copies, so changing them changes nothing held. A GRU's had a null c, which the
     * copy did not expect.
     */
    @Test
    void statesAreEachRecurrentLayersFinalStateAsSteppingLeavesIt() {
        Model m = Model.builder(3).gru(5).dense(4).lstm(6).dense(2).seed(3).build();
        Batch x = batch(2, 4);
        Model.Carry c = new Model.Carry();
        assertEquals(Map.of(), c.states());
        m.forward(x, false, null, null, c);
        Map<Integer, Tensor[]> states = c.states();
        assertEquals(java.util.List.of(0, 2), java.util.List.copyOf(states.keySet()));
        assertEquals(1, states.get(0).length, "a GRU's: h only");
        assertEquals(2, states.get(2).length, "an LSTM's: h and c");
        for (int b = 0; b < 2; b++) {
            ModelState s = m.newState();
            float[] out = new float[2];
            for (int t = 0; t < 5; t++) m.step(java.util.Arrays.copyOfRange(x.data(), (b * 5 + t) * 3, (b * 5 + t + 1) * 3), s, out);
            float[] stepped = new float[s.size()];
            s.copyTo(stepped);
            assertEquals(5 + 6 + 6, stepped.length);
            float[] fromCarry = new float[17];
            System.arraycopy(states.get(0)[0].data(), b * 5, fromCarry, 0, 5);
            System.arraycopy(states.get(2)[0].data(), b * 6, fromCarry, 5, 6);
            System.arraycopy(states.get(2)[1].data(), b * 6, fromCarry, 11, 6);
            assertArrayEquals(stepped, fromCarry, 1e-5f, "sequence " + b);
        }
        float held = states.get(2)[1].data()[0];
        states.get(2)[1].data()[0] = held + 1f;
        assertEquals(held, c.states().get(2)[1].data()[0], "a copy");
    }

    @Test
    void aCarryOfAnotherBatchSizeIsRefusedNamingFrom() {
        Model m = Model.builder(3).lstm(8).dense(2).seed(1).build();
        Model.Carry c = new Model.Carry();
        m.forward(batch(2, 1), true, new Random(0), null, c);
        assertRefused(m, batch(4, 2), c, "from: expected the states of 4 sequences (the batch of x), got those of 2");
        assertRefused(m, batch(1, 2), c, "from: expected the states of 1 sequence (the batch of x), got those of 2");
        // and goes on in a batch of its size, as from the state it recorded
        Model.Carry next = new Model.Carry();
        float[] out = m.forward(batch(2, 2), false, null, c, next).output().data();
        Model.Carry again = new Model.Carry();
        m.forward(batch(2, 1), false, null, null, again);
        assertArrayEquals(out, m.forward(batch(2, 2), false, null, again, null).output().data());
    }

    @Test
    void aCarryOfAnotherModelIsRefused() {
        Model lstm = Model.builder(3).lstm(8).dense(2).seed(1).build();
        Model.Carry c = new Model.Carry();
        lstm.forward(batch(2, 1), true, new Random(0), null, c);
        Model shifted = Model.builder(3).dense(5).lstm(8).dense(2).seed(1).build();
        assertRefused(shifted, batch(2, 2), c, "from: expected a carry filled by this model's forward, got one of another model");
        Model narrower = Model.builder(3).lstm(4).dense(2).seed(1).build();
        assertRefused(narrower, batch(2, 2), c, "from: expected a carry filled by this model's forward, got one of another model");
    }

    @Test
    void anEmptyCarryStartsFromZeros() {
        Model m = Model.builder(3).gru(8).dense(2).seed(1).build();
        assertArrayEquals(m.forward(batch(3, 4), false, null, null, null).output().data(),
                m.forward(batch(3, 4), false, null, new Model.Carry(), null).output().data());
    }
}
