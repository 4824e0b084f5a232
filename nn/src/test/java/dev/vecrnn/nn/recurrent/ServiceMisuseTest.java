package dev.vecrnn.nn.recurrent;

import dev.vecrnn.nn.NonFiniteInput;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.model.ModelState;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a service embedding a model gets wrong under pressure (offsets, capacities, saved states of another
 * model): each is a clear refusal naming the argument, and the stream's state is bit for bit as it was.
 */
class ServiceMisuseTest {

    private static float[] state(StreamState s) {
        float[] a = new float[s.size()];
        s.copyTo(a, 0);
        return a;
    }

    private static float[] state(ModelState s) {
        float[] a = new float[s.size()];
        s.copyTo(a, 0);
        return a;
    }

    /** Runs a call that must be refused with an IllegalArgumentException whose message starts so; returns it. */
    private static String refused(String start, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().startsWith(start), e.getMessage());
        return e.getMessage();
    }

    private static StreamState stepped(Recurrent net, int steps) {
        StreamState s = net.newState();
        Random rnd = new Random(3);
        float[] x = new float[net.config().inputSize()], out = new float[net.config().outputHidden()];
        for (int t = 0; t < steps; t++) {
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            net.step(x, s, out);
        }
        return s;
    }

    /**
     * An offset near Integer.MAX_VALUE: offset + size wrapped negative and passed the range check, so out's
     * offset reached System.arraycopy after the state had advanced (an ArrayIndexOutOfBoundsException, the
     * stream one step on). Now refused first, under either non-finite policy.
     */
    @Test
    void anOffsetPastTheArrayIsRefusedBeforeTheStateMoves() {
        for (NonFiniteInput policy : NonFiniteInput.values()) {
            Recurrent net = new Recurrent(RecurrentConfig.of(CellType.LSTM, 4, 8).withLayers(2), 1);
            net.setNonFiniteInput(policy);
            StreamState s = stepped(net, 3);
            float[] before = state(s), x = {1f, 2f, 3f, 4f}, out = new float[8];
            for (int off : new int[] {Integer.MAX_VALUE, Integer.MAX_VALUE - 2, Integer.MAX_VALUE - 7, Integer.MIN_VALUE}) {
                refused("out: expected room for 8 floats at offset " + off + ", got an array of 8", () -> net.step(x, 0, s, out, off));
                refused("x: expected 4 floats at offset " + off + ", got an array of 4", () -> net.step(x, off, s, out, 0));
                assertArrayEquals(before, state(s), 0f, policy + ", offset " + off);
            }
            assertArrayEquals(new float[8], out, 0f, "out untouched");
        }
    }

    /**
     * capacity x row width past an int: 2^28 + 1 streams of an LSTM of 16 units made arrays of 16 and 64 floats
     * (the products wrapped), and the first stepMany of two streams failed deep inside with an
     * ArrayIndexOutOfBoundsException; Integer.MAX_VALUE was a NegativeArraySizeException.
     */
    @Test
    void aWorkspaceWhoseRowsDoNotFitOneArrayIsRefused() {
        Recurrent net = new Recurrent(RecurrentConfig.of(CellType.LSTM, 4, 16), 2);
        refused("capacity: expected at most " + (Integer.MAX_VALUE - 8) / 64 + " streams (each needs a row of 64 floats in one array), got "
                + ((1 << 28) + 1), () -> net.newStepWorkspace((1 << 28) + 1));
        refused("capacity: expected at most", () -> net.newStepWorkspace(Integer.MAX_VALUE));
        assertEquals(3, net.newStepWorkspace(3).capacity());

        // a model's own layers' outputs for all streams are one array each too: a dense-only model has no
        // recurrent workspace to refuse it
        Model dense = Model.builder(4).dense(16).seed(1).build();
        refused("capacity: expected at most " + (Integer.MAX_VALUE - 8) / 16 + " streams (maxStepStreams(): each layer's rows for all of"
                + " them must fit one Java array), got " + ((1 << 28) + 1), () -> dense.newStepWorkspace((1 << 28) + 1));
        // the bound a model names is the one that holds, its LSTM's 64-float gate rows included, not its own 16-float rows'
        Model m = Model.builder(4).lstm(16).dense(3).seed(1).build();
        refused("capacity: expected at most " + (Integer.MAX_VALUE - 8) / 64 + " streams", () -> m.newStepWorkspace(Integer.MAX_VALUE));

        // what a caller sizing its batches ahead (a Flink operator built on a client) checks against: the largest capacity
        // taken, one past it refused (the LSTM's gate rows, 64 floats, bound the model as they bound the stack)
        int most = (Integer.MAX_VALUE - 8) / 64;
        assertEquals(most, net.maxStepStreams());
        assertEquals(most, m.maxStepStreams());
        assertEquals((Integer.MAX_VALUE - 8) / 16, dense.maxStepStreams());
        refused("capacity: expected at most " + most, () -> net.newStepWorkspace(most + 1));
        refused("capacity: expected at most " + most, () -> m.newStepWorkspace(most + 1));
    }

    /**
     * A state saved from a network of two layers restored into one of one layer: copyFrom(saved, 0) takes the
     * first size() floats, silently (as it must for a row of a larger array). The whole-array copyFrom(saved)
     * refuses it by its length, and leaves the state as it was.
     */
    @Test
    void aSavedStateOfAnotherShapeIsRefusedByTheWholeArrayCopy() {
        Recurrent two = new Recurrent(RecurrentConfig.of(CellType.LSTM, 4, 8).withLayers(2), 1);
        Recurrent one = new Recurrent(RecurrentConfig.of(CellType.LSTM, 4, 8), 1);
        float[] saved = new float[two.newState().size()];
        stepped(two, 4).copyTo(saved);
        StreamState s = stepped(one, 2);
        float[] before = state(s);
        refused("src: expected exactly 16 floats (this state's size()), got an array of 32", () -> s.copyFrom(saved));
        refused("src: expected non-null, got null", () -> s.copyFrom(null));
        refused("dst: expected exactly 16 floats (this state's size()), got an array of 32", () -> s.copyTo(new float[32]));
        assertArrayEquals(before, state(s), 0f);

        // the whole-array copies carry a stream as the offset ones do
        float[] whole = new float[s.size()];
        s.copyTo(whole);
        assertArrayEquals(before, whole, 0f);
        StreamState moved = one.newState();
        moved.copyFrom(whole);
        float[] x = {0.5f, -1f, 2f, 0f}, a = new float[8], b = new float[8];
        one.step(x, s, a);
        one.step(x, moved, b);
        assertArrayEquals(a, b, 0f);

        Model big = Model.builder(4).lstm(8).lstm(8).dense(2).seed(1).build();
        Model small = Model.builder(4).lstm(8).dense(2).seed(1).build();
        float[] bigSaved = new float[big.newState().size()];
        big.newState().copyTo(bigSaved);
        ModelState ms = small.newState();
        small.step(x, ms, new float[2]);
        float[] mBefore = state(ms);
        refused("src: expected exactly 16 floats (this state's size()), got an array of 32", () -> ms.copyFrom(bigSaved));
        refused("dst: expected exactly 16 floats", () -> ms.copyTo(bigSaved));
        assertArrayEquals(mBefore, state(ms), 0f);
        float[] mWhole = new float[ms.size()];
        ms.copyTo(mWhole);
        ModelState mMoved = small.newState();
        mMoved.copyFrom(mWhole);
        assertArrayEquals(mBefore, state(mMoved), 0f);
    }

    /** A null among the states, or a null state, said only "expected a state of this network": now what it got. */
    @Test
    void aNullStateIsNamedAsNull() {
        Recurrent net = new Recurrent(RecurrentConfig.of(CellType.GRU, 2, 3), 1);
        Recurrent other = new Recurrent(RecurrentConfig.of(CellType.GRU, 2, 3), 1);
        StepWorkspace ws = net.newStepWorkspace(2);
        StreamState s = net.newState();
        refused("states[1]: expected a state made by newState() of this network, got null",
                () -> net.stepMany(2, new float[4], new StreamState[] {s, null}, new float[6], ws));
        refused("states[1]: expected a state made by newState() of this network, got one of another network",
                () -> net.stepMany(2, new float[4], new StreamState[] {s, other.newState()}, new float[6], ws));
        Model m = Model.builder(2).gru(3).seed(1).build();
        Model m2 = Model.builder(2).gru(3).seed(1).build();
        refused("state: expected a state from this model's newState(), got null", () -> m.step(new float[2], null, new float[3]));
        refused("state: expected a state from this model's newState(), got one of another model",
                () -> m.step(new float[2], m2.newState(), new float[3]));
        refused("states[0]: expected a state from this model's newState(), got null",
                () -> m.stepMany(1, new float[2], new ModelState[1], new float[3], m.newStepWorkspace(1)));
    }

    /**
     * A bad token in stream 1 of a stepMany was named "at row 0" (the embedding stepped the streams one row at a
     * time); it names stream 1 now, and no stream moved. The good streams then step as they would have.
     */
    @Test
    void aBadTokenInStepManyNamesItsStream() {
        Model m = Model.builder(1).embedding(10, 4).lstm(6).seed(1).build();
        ModelState[] states = {m.newState(), m.newState(), m.newState()};
        float[] out = new float[18];
        var e = assertThrows(IllegalArgumentException.class, () -> m.stepMany(3, new float[] {1, 11, 2}, states, out, m.newStepWorkspace(3)));
        assertEquals("embedding: expected a token id in [0, 10), got 11.0 at stream 1", e.getMessage());
        var one = assertThrows(IllegalArgumentException.class, () -> m.step(new float[] {2.5f}, states[0], new float[6]));
        assertEquals("embedding: expected a token id in [0, 10), got 2.5", one.getMessage());
        m.stepMany(3, new float[] {1, 7, 2}, states, out, m.newStepWorkspace(3));
        float[] alone = new float[6];
        ModelState fresh = m.newState();
        m.step(new float[] {7}, fresh, alone);
        assertArrayEquals(alone, java.util.Arrays.copyOfRange(out, 6, 12), "stream 1 as if the refused call had not happened");
    }
}
