package dev.vecrnn.nn.model;

import dev.vecrnn.nn.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The builder's options apply to the whole model whatever their place in the chain (init and seed are
 * read at build), and Keras's initialisation is what Keras documents, checked from the weights alone.
 */
class BuilderOrderTest {

    @Test
    void initAndSeedApplyWhereverTheyAreCalled() {
        Map<String, Tensor> first = Model.builder(3).init(ModelBuilder.InitScheme.KERAS).seed(9).lstm(4).dense(2).build().stateDict();
        Map<String, Tensor> last = Model.builder(3).lstm(4).dense(2).init(ModelBuilder.InitScheme.KERAS).seed(9).build().stateDict();
        Map<String, Tensor> middle = Model.builder(3).lstm(4).seed(9).init(ModelBuilder.InitScheme.KERAS).dense(2).build().stateDict();
        Map<String, Tensor> pytorch = Model.builder(3).lstm(4).dense(2).seed(9).build().stateDict();
        assertEquals(first.keySet(), last.keySet());
        for (String k : first.keySet()) {
            assertArrayEquals(first.get(k).data(), last.get(k).data(), k);
            assertArrayEquals(first.get(k).data(), middle.get(k).data(), k);
        }
        assertFalse(java.util.Arrays.equals(first.get("layers.0.weight_hh_l0").data(), pytorch.get("layers.0.weight_hh_l0").data()),
                "KERAS differs from the default");
    }

    @Test
    void kerasInitialisationIsWhatKerasDocuments() {
        int in = 3, h = 4, out = 2;
        Map<String, Tensor> sd = Model.builder(in).lstm(h).dense(out).init(ModelBuilder.InitScheme.KERAS).seed(5).build().stateDict();
        // biases zero, except the LSTM forget gate's input bias, 1 (PyTorch's gate order i, f, g, o)
        float[] bih = sd.get("layers.0.bias_ih_l0").data(), bhh = sd.get("layers.0.bias_hh_l0").data();
        for (int i = 0; i < 4 * h; i++) {
            assertEquals(i >= h && i < 2 * h ? 1f : 0f, bih[i], "bias_ih[" + i + "]");
            assertEquals(0f, bhh[i], "bias_hh[" + i + "]");
        }
        // the recurrent weights [4h, h] are orthogonal as one matrix, as Keras draws its recurrent_kernel [h, 4h] (orthonormal
        // rows): W^T W = I in double. They were drawn gate by gate (each [h, h] block orthogonal), twice Keras's scale
        float[] whh = sd.get("layers.0.weight_hh_l0").data();
        for (int a = 0; a < h; a++) {
            for (int b = 0; b < h; b++) {
                double dot = 0;
                for (int k = 0; k < 4 * h; k++) dot += (double) whh[k * h + a] * whh[k * h + b];
                assertEquals(a == b ? 1.0 : 0.0, dot, 1e-5, "columns " + a + ", " + b);
            }
        }
        double gate0 = 0;  // a block's squared norm: h for an orthogonal block of its own, about h / 4 here
        for (int k = 0; k < h * h; k++) gate0 += (double) whh[k] * whh[k];
        assertTrue(gate0 < 0.75 * h, "gate 0's block is part of one orthogonal matrix, not orthogonal itself: squared norm " + gate0);
        // Glorot-uniform input and dense weights: within +-sqrt(6 / (fan_in + fan_out)); the dense bias zero
        float[] wih = sd.get("layers.0.weight_ih_l0").data();
        double limit = Math.sqrt(6.0 / (in + 4 * h));
        for (float w : wih) assertTrue(Math.abs(w) <= limit, "weight_ih " + w + " within " + limit);
        float[] dw = sd.get("layers.1.weight").data();
        double dLimit = Math.sqrt(6.0 / (h + out));
        for (float w : dw) assertTrue(Math.abs(w) <= dLimit, "dense weight " + w + " within " + dLimit);
        for (float b : sd.get("layers.1.bias").data()) assertEquals(0f, b);
    }

    /** Keras's Embedding starts U(-0.05, 0.05) (its 'uniform' initializer); KERAS drew PyTorch's N(0, 1), some 35 times as wide. */
    @Test
    void kerasEmbeddingsAreUniformWithinFiveHundredths() {
        float[] keras = Model.builder(1).embedding(40, 8).lstm(4).dense(2).init(ModelBuilder.InitScheme.KERAS).seed(3).build()
                .stateDict().get("layers.0.weight").data();
        double max = 0;
        for (float w : keras) max = Math.max(max, Math.abs(w));
        assertTrue(max <= 0.05 && max > 0.04, "max |embedding| " + max + ", expected within 0.05 and drawn from all of it");
        float[] pytorch = Model.builder(1).embedding(40, 8).lstm(4).dense(2).seed(3).build().stateDict().get("layers.0.weight").data();
        double sq = 0;
        for (float w : pytorch) sq += (double) w * w;
        assertEquals(1, sq / pytorch.length, 0.25, "PyTorch's N(0, 1) embeddings by default");
    }
}
