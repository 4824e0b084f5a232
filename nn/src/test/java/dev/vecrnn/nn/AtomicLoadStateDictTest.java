package dev.vecrnn.nn;

import dev.vecrnn.nn.layers.Activation;
import dev.vecrnn.nn.layers.Dense;
import dev.vecrnn.nn.layers.RecurrentLayer;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A state dict that loadStateDict refuses (a misshapen tensor in any layer, a missing or an extra one)
 * leaves every weight exactly as it was, bit for bit, and so what is derived from them: the packed gate
 * weights and biases, the contiguous W_hh copy sequences run on, the transposed copy backward runs on.
 */
class AtomicLoadStateDictTest {

    private static int[] bits(float[] a) {
        int[] b = new int[a.length];
        for (int i = 0; i < a.length; i++) b[i] = Float.floatToRawIntBits(a[i]);
        return b;
    }

    private static void assertSameBits(Map<String, Tensor> want, Map<String, Tensor> got) {
        assertEquals(List.copyOf(want.keySet()), List.copyOf(got.keySet()));
        for (String k : want.keySet()) {
            assertArrayEquals(want.get(k).shape(), got.get(k).shape(), k);
            assertArrayEquals(bits(want.get(k).data()), bits(got.get(k).data()), k);
        }
    }

    /** A dict of other values, shaped as {@code sd}: a partial load would show. */
    private static Map<String, Tensor> otherValues(Map<String, Tensor> sd, long seed) {
        Random rnd = new Random(seed);
        Map<String, Tensor> out = new LinkedHashMap<>();
        sd.forEach((k, v) -> {
            float[] d = new float[v.size()];
            for (int i = 0; i < d.length; i++) d[i] = (float) rnd.nextGaussian();
            out.put(k, Tensor.of(d, v.shape()));
        });
        return out;
    }

    private static Map<String, Tensor> edited(Map<String, Tensor> sd, Consumer<Map<String, Tensor>> edit) {
        Map<String, Tensor> m = new LinkedHashMap<>(sd);
        edit.accept(m);
        return m;
    }

    private static Tensor random(Random rnd, int... shape) {
        Tensor t = Tensor.zeros(shape);
        for (int i = 0; i < t.size(); i++) t.data()[i] = (float) rnd.nextGaussian();
        return t;
    }

    /** What the stack computes: an inference output, and the parameter gradients of a training pass. */
    private static List<float[]> behaviour(Recurrent net) {
        Random rnd = new Random(3);
        RecurrentConfig c = net.config();
        Tensor x = random(rnd, 4, 2, c.inputSize());
        Recurrent.Output o = net.forward(x, new int[] {4, 3}, null, null);
        net.zeroGrad();
        Recurrent.Trace tr = net.forwardTrain(x, new int[] {4, 3}, null, null, new Random(5));
        net.backward(tr, random(rnd, tr.output().shape()), null, null);
        List<float[]> out = new java.util.ArrayList<>(List.of(o.output().data(), o.hN().data()));
        for (Param p : net.params()) out.add(p.grad().clone());
        return out;
    }

    private static void assertSameBehaviour(List<float[]> want, List<float[]> got) {
        assertEquals(want.size(), got.size());
        for (int i = 0; i < want.size(); i++) assertArrayEquals(bits(want.get(i)), bits(got.get(i)), "output or gradient " + i);
    }

    @Test
    void aTwoLayerStackRefusingADictChangesNothing() {
        Recurrent net = new Recurrent(RecurrentConfig.of(CellType.LSTM, 3, 5).withLayers(2).withBidirectional(true).withProjSize(4), 1);
        behaviour(net); // makes the W_hh copy and the transposed copy, which a partial load would leave stale
        Map<String, Tensor> before = net.stateDict();
        List<float[]> acts = behaviour(net);
        Map<String, Tensor> other = otherValues(before, 7);
        List<Map<String, Tensor>> refused = List.of(
                edited(other, m -> m.put("weight_hh_l1_reverse", Tensor.zeros(20, 5))),   // misshapen, in layer 1
                edited(other, m -> m.put("bias_ih_l1", Tensor.zeros(21))),
                edited(other, m -> m.put("weight_ih_l2", Tensor.zeros(20, 8))),           // extra
                edited(other, m -> m.remove("weight_hr_l1_reverse")),                      // missing
                edited(other, m -> m.put("bias_hh_l1", null)));
        for (Map<String, Tensor> sd : refused) {
            Map<String, Tensor> copy = new HashMap<>(sd);
            assertThrows(IllegalArgumentException.class, () -> net.loadStateDict(sd));
            assertEquals(copy, new HashMap<>(sd), "the dict itself is left alone");
            assertSameBits(before, net.stateDict());
            assertSameBehaviour(acts, behaviour(net));
        }
        net.loadStateDict(other);
        assertSameBits(other, net.stateDict());
    }

    @Test
    void aModelRefusingADictChangesNoLayer() {
        Model m = Model.builder(1).embedding(6, 3).lstm(4).gru(5).attention().dense(2).seed(2).build();
        Batch x = Batch.sequences(new float[] {1, 2, 3, 4, 5, 0, 2, 2}, 2, 4, 1, new int[] {4, 3});
        float[] out = m.predict(x).data();
        Map<String, Tensor> before = m.stateDict();
        Map<String, Tensor> other = otherValues(before, 9);
        String[] names = before.keySet().toArray(String[]::new);
        assertEquals("layers.4.bias", names[names.length - 1]);
        List<Map<String, Tensor>> refused = List.of(
                edited(other, d -> d.put("layers.4.bias", Tensor.zeros(3))),                // the last layer's: the others came first
                edited(other, d -> d.put("layers.2.weight_hh_l0", Tensor.zeros(15, 4))),   // the second recurrent layer's
                edited(other, d -> d.put("layers.0.weight", Tensor.zeros(7, 3))),
                edited(other, d -> d.put("layers.5.weight", Tensor.zeros(2, 2))),           // extra
                edited(other, d -> d.remove("layers.3.v")));                                // missing
        for (Map<String, Tensor> sd : refused) {
            assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(sd));
            assertSameBits(before, m.stateDict());
            assertArrayEquals(bits(out), bits(m.predict(x).data()));
        }
        m.loadStateDict(other);
        assertSameBits(other, m.stateDict());
    }

    @Test
    void aLayerRefusingItsTensorsRemovesAndChangesNothing() {
        Dense dense = new Dense(3, 2, Activation.TANH, new Random(1));
        Map<String, Tensor> before = new LinkedHashMap<>();
        dense.stateDict("", before);
        Map<String, Tensor> in = new HashMap<>(Map.of("7.weight", Tensor.zeros(2, 3), "7.bias", Tensor.zeros(5), "other", Tensor.zeros(1)));
        Map<String, Tensor> copy = new HashMap<>(in);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dense.loadStateDict("7.", in));
        assertTrue(e.getMessage().contains("7.bias: expected shape [2], got [5]"), e.getMessage());
        assertEquals(copy, in);
        Map<String, Tensor> after = new LinkedHashMap<>();
        dense.stateDict("", after);
        assertSameBits(before, after);

        RecurrentLayer gru = new RecurrentLayer(RecurrentConfig.of(CellType.GRU, 2, 3), true, 4);
        Map<String, Tensor> gruBefore = new LinkedHashMap<>();
        gru.stateDict("", gruBefore);
        Map<String, Tensor> gruIn = new HashMap<>(otherValues(gruBefore, 3));
        gruIn.remove("bias_hh_l0");
        Map<String, Tensor> gruCopy = new HashMap<>(gruIn);
        e = assertThrows(IllegalArgumentException.class, () -> gru.loadStateDict("", gruIn));
        assertTrue(e.getMessage().contains("missing tensor 'bias_hh_l0'"), e.getMessage());
        assertEquals(gruCopy, gruIn);
        Map<String, Tensor> gruAfter = new LinkedHashMap<>();
        gru.stateDict("", gruAfter);
        assertSameBits(gruBefore, gruAfter);
    }
}
