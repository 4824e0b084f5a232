package dev.vecrnn.nn.model;

import dev.vecrnn.kernels.Precision;
import dev.vecrnn.nn.recurrent.CellType;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Model#stepMany}: n streams stepped together give, bit for bit, the outputs and states that n calls
 * of {@link Model#step} give, for models of every streamable layer kind; refusals leave every state as it was.
 */
class ModelStepManyTest {

    private static Model model(String kind) {
        return switch (kind) {
            case "embedding-lstm2-dense" -> Model.builder(1).embedding(30, 12)
                    .recurrent(CellType.LSTM, 20, 2, false, 0f, 0).dropout(0.3f).dense(7).seed(3).build();
            case "gru-dense-dense" -> Model.builder(5).gru(17).dense(9).dense(4).seed(4).build();
            case "lstm-projection-rnn" -> Model.builder(6).recurrent(CellType.LSTM, 16, 1, false, 0f, 5).rnn(11).lastStep().seed(5).build();
            case "embedding-lstm-dense-int8" -> Model.builder(1).embedding(30, 12).lstm(40).dense(6).seed(6).build().quantized(Precision.INT8);
            case "gru-bf16" -> Model.builder(5).gru(33).dense(3).seed(7).build().quantized(Precision.BF16);
            // more input columns than a column block of the batched tiles (K_BLOCK: 128 or 256) and eight-chunk groups
            case "lstm-wide-input" -> Model.builder(300).lstm(40).dense(3).seed(8).build();
            // an fp32 GRU whose r-z block has eight vectors of rows at 512 bits (its n block starts at column 2H)
            case "gru-wide" -> Model.builder(5).gru(64).dense(3).seed(9).build();
            default -> throw new IllegalArgumentException(kind);
        };
    }

    private static float[] inputs(Model m, Random rnd, int n) {
        float[] xs = new float[n * m.inputFeatures()];
        boolean ids = m.layers().get(0) instanceof dev.vecrnn.nn.layers.Embedding;
        for (int i = 0; i < xs.length; i++) xs[i] = ids ? rnd.nextInt(30) : (float) rnd.nextGaussian();
        return xs;
    }

    private static float[] state(ModelState s) {
        float[] a = new float[s.size()];
        s.copyTo(a, 0);
        return a;
    }

    @ParameterizedTest
    @ValueSource(strings = {"embedding-lstm2-dense", "gru-dense-dense", "lstm-projection-rnn", "embedding-lstm-dense-int8", "gru-bf16", "lstm-wide-input", "gru-wide"})
    void manyStreamsTogetherMatchOneByOne(String kind) {
        Model m = model(kind);
        int streams = 9, f = m.inputFeatures(), o = m.outputFeatures();
        ModelState[] together = new ModelState[streams], alone = new ModelState[streams];
        for (int i = 0; i < streams; i++) {
            together[i] = m.newState();
            alone[i] = m.newState();
        }
        ModelStepWorkspace ws = m.newStepWorkspace(streams);
        Random rnd = new Random(11);
        float[] out = new float[o];
        for (int step = 0; step < 12; step++) {
            int n = new int[] {streams, 2, 5, 1, streams, 3}[step % 6]; // fewer than the workspace holds; under 4 rows too
            float[] xs = inputs(m, rnd, n);
            float[] outs = new float[n * o];
            m.stepMany(n, xs, together, outs, ws);
            for (int i = 0; i < n; i++) {
                m.step(java.util.Arrays.copyOfRange(xs, i * f, (i + 1) * f), alone[i], out);
                assertArrayEquals(out, java.util.Arrays.copyOfRange(outs, i * o, (i + 1) * o), 0f,
                        kind + ": step " + step + ", stream " + i);
            }
        }
        for (int i = 0; i < streams; i++) assertArrayEquals(state(alone[i]), state(together[i]), 0f, kind + ": state of stream " + i);
        assertTrue(state(together[0]).length > 0);
    }

    @Test
    void refusalsLeaveEveryStateAsItWas() {
        Model m = model("embedding-lstm2-dense");
        ModelStepWorkspace ws = m.newStepWorkspace(4);
        ModelState[] states = {m.newState(), m.newState(), m.newState(), m.newState()};
        Random rnd = new Random(2);
        m.stepMany(4, inputs(m, rnd, 4), states, new float[4 * m.outputFeatures()], ws);
        float[][] before = new float[4][];
        for (int i = 0; i < 4; i++) before[i] = state(states[i]);
        float[] outs = new float[4 * m.outputFeatures()];

        float[] nan = inputs(m, rnd, 4);
        nan[2] = Float.NaN;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.stepMany(4, nan, states, outs, ws));
        assertTrue(e.getMessage().startsWith("xs:") && e.getMessage().contains("stream 2"), e.getMessage());

        ModelState[] twice = {states[0], states[1], states[0], states[3]};
        IllegalStateException t = assertThrows(IllegalStateException.class, () -> m.stepMany(4, inputs(m, rnd, 4), twice, outs, ws));
        assertTrue(t.getMessage().startsWith("states[2]:"), t.getMessage());

        float[] badId = inputs(m, rnd, 4);
        badId[3] = 30; // the vocabulary is [0, 30)
        e = assertThrows(IllegalArgumentException.class, () -> m.stepMany(4, badId, states, outs, ws));
        assertTrue(e.getMessage().contains("token id"), e.getMessage());

        Model other = model("embedding-lstm2-dense");
        e = assertThrows(IllegalArgumentException.class, () -> m.stepMany(4, inputs(m, rnd, 4), states, outs, other.newStepWorkspace(4)));
        assertTrue(e.getMessage().startsWith("ws:"), e.getMessage());
        ModelState[] foreign = {states[0], other.newState(), states[2], states[3]};
        e = assertThrows(IllegalArgumentException.class, () -> m.stepMany(4, inputs(m, rnd, 4), foreign, outs, ws));
        assertTrue(e.getMessage().startsWith("states[1]:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.stepMany(5, inputs(m, rnd, 5), states, outs, ws));
        assertTrue(e.getMessage().startsWith("n:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.stepMany(4, new float[3], states, outs, ws));
        assertTrue(e.getMessage().startsWith("xs:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.stepMany(4, inputs(m, rnd, 4), states, new float[5], ws));
        assertTrue(e.getMessage().startsWith("outs:"), e.getMessage());

        for (int i = 0; i < 4; i++) assertArrayEquals(before[i], state(states[i]), 0f, "state " + i + " changed by a refused call");
        m.stepMany(0, new float[0], new ModelState[0], new float[0], ws); // nothing to do
        m.stepMany(4, inputs(m, rnd, 4), states, outs, ws); // and the states and workspace are free again
    }

    // a bad token id is refused before any stream moves: possible only because an embedding comes first
    @Test
    void anEmbeddingCanOnlyBeTheFirstLayer() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Model.builder(3).lstm(4).dense(1).embedding(5, 2).build());
        assertEquals("layers[2]: an embedding takes token ids, so it can only be the first layer", e.getMessage());
    }

    @Test
    void aModelThatCannotStreamHasNoStepWorkspace() {
        Model bi = Model.builder(3).recurrent(CellType.GRU, 8, 1, true, 0f, 0).dense(2).seed(1).build();
        assertThrows(IllegalArgumentException.class, () -> bi.newStepWorkspace(4));
        Model m = model("gru-dense-dense");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.newStepWorkspace(0));
        assertEquals("capacity: expected >= 1, got 0", e.getMessage());
    }
}
