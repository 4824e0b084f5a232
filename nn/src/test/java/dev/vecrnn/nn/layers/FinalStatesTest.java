package dev.vecrnn.nn.layers;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.format.ModelFile;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The many-to-one head after a bidirectional layer: Keras's Bidirectional(LSTM(h)) and PyTorch's h_n give each
 * direction's final state, the backward one's at step 0; lastStep gave the backward direction's output at the
 * last step, after one step of input.
 */
class FinalStatesTest {
    private static final int B = 3, T = 4, F = 3, H = 5;
    private static final int[] LENGTHS = {4, 2, 3};

    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    /** The head's output is the last layer's h_n, forward then backward, for every length (two layers, dropout between). */
    @Test
    void finalStatesAreTheLastLayersHn() {
        Model m = Model.builder(F).recurrent(CellType.LSTM, H, 2, true, 0f, 0).dropout(0.2f).finalStates().seed(3).build();
        float[] x = random(B * T * F, 1);
        float[] y = m.predict(Batch.sequences(x, B, T, F, LENGTHS)).data();
        Recurrent rec = ((RecurrentLayer) m.layers().get(0)).recurrent();
        Tensor hn = rec.forward(Tensor.of(x, B, T, F), LENGTHS, null, null).hN();  // [L*D, B, H]
        assertArrayEquals(new int[] {4, B, H}, hn.shape());
        for (int b = 0; b < B; b++) {
            for (int d = 0; d < 2; d++) {
                for (int j = 0; j < H; j++) {
                    assertEquals(hn.data()[((2 + d) * B + b) * H + j], y[b * 2 * H + d * H + j], 1e-6, "sequence " + b + ", direction " + d);
                }
            }
        }
        // unidirectional: the same layer as lastStep
        Model uni = Model.builder(F).gru(H).finalStates().seed(3).build();
        assertEquals("LastStep", uni.layers().get(1).describe());
    }

    /** backward is forward's adjoint: {@code <forward(x), g> = <x, backward(g)>}, and only the read positions get a gradient. */
    @Test
    void backwardIsTheAdjointOfTheSelection() {
        Layer head = LastStep.finalStates(H);
        Batch x = Batch.sequences(random(B * T * 2 * H, 2), B, T, 2 * H, LENGTHS);
        Layer.Out out = head.forward(x, true, new Random(0));
        float[] g = random(B * 2 * H, 3);
        float[] d = head.backward(out.cache(), Batch.vectors(g, B, 2 * H)).data();
        double lhs = 0, rhs = 0;
        int nonZero = 0;
        for (int i = 0; i < g.length; i++) lhs += (double) out.output().data()[i] * g[i];
        for (int i = 0; i < d.length; i++) {
            rhs += (double) x.data()[i] * d[i];
            if (d[i] != 0) nonZero++;
        }
        assertEquals(lhs, rhs, 1e-9);
        assertEquals(B * 2 * H, nonZero);
        // sequence 1 (length 2): forward half from step 1, backward half from step 0
        assertEquals(x.data()[(1 * T + 1) * 2 * H], out.output().data()[2 * H]);
        assertEquals(x.data()[(1 * T) * 2 * H + H], out.output().data()[2 * H + H]);
    }

    @Test
    void savedAndLoadedAndRefusedOnAnotherWidth(@TempDir Path dir) throws Exception {
        Model m = Model.builder(F).recurrent(CellType.GRU, H, 1, true, 0f, 0).finalStates().dense(2).seed(4).build();
        Path file = dir.resolve("m.safetensors");
        ModelFile.save(m, file);
        Model back = ModelFile.load(file);
        assertTrue(back.layers().get(1).describe().contains("backward at step 0: " + H), back.summary());
        Batch x = Batch.sequences(random(B * T * F, 5), B, T, F, LENGTHS);
        assertArrayEquals(m.predict(x).data(), back.predict(x).data());
        RecurrentLayer bi = new RecurrentLayer(new RecurrentConfig(CellType.GRU, F, H, 1, true, true, true, 0f, 0), true, 1);
        assertThrows(IllegalArgumentException.class, () -> new Model(F, List.of(bi, LastStep.finalStates(H - 1))));
    }
}
