package dev.vecrnn.nn.model;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.Param;
import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.layers.Layer;
import dev.vecrnn.nn.layers.RecurrentLayer;
import dev.vecrnn.nn.recurrent.CellType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link Model#gradDict()} and the input gradient of {@link Model#backward(Model.Trace, Batch, boolean)}: the input
 * gradient against central differences in double of a scalar loss of the output, over models whose first layer has
 * params or has none; the param gradients the same bit for bit with or without it; gradDict under stateDict's names
 * and shapes, holding each param's gradient.
 */
class ModelGradientsTest {
    private static final int B = 2, T = 3, F = 2;
    private static final int[] LENGTHS = {3, 2};

    private static List<Supplier<Model>> models() {
        return List.of(
                () -> Model.builder(F).lstm(4).dense(3).seed(1).build(),
                () -> Model.builder(F).gru(3).attention().dense(2).seed(2).build(),
                () -> Model.builder(F).recurrent(CellType.RNN_TANH, 3, 2, true, 0f, 0).lastStep().dense(2).seed(3).build(),
                () -> Model.builder(F).dropout(0.3f).lstm(3).lastStep().dense(1).seed(4).build(),  // first layer without params
                () -> Model.builder(F).dense(3).gru(3).dense(2).seed(5).build(),                    // first layer a dense one
                () -> Model.builder(F).dense(3, dev.vecrnn.nn.layers.Activation.TANH).dense(2).seed(6).build()); // no recurrent layer
    }

    private static float[] input() {
        Random r = new Random(7);
        float[] x = new float[B * T * F];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        return x;
    }

    /** The loss sum(w * out) in double, of a training forward whose dropout masks come from a fixed seed. */
    private static double loss(Model m, float[] x, float[] w) {
        float[] out = m.forward(Batch.sequences(x, B, T, F, LENGTHS), true, new Random(11)).output().data();
        double s = 0;
        for (int i = 0; i < out.length; i++) s += (double) w[i] * out[i];
        return s;
    }

    @Test
    void theInputGradientIsTheDerivativeOfTheLossInTheInput() {
        for (Supplier<Model> make : models()) {
            Model m = make.get();
            float[] x = input();
            Model.Trace tr = m.forward(Batch.sequences(x, B, T, F, LENGTHS), true, new Random(11));
            Random r = new Random(3);
            float[] w = new float[tr.output().data().length];
            for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
            Batch dx = m.backward(tr, tr.output().withData(w.clone(), tr.output().features()), true);
            assertEquals(List.of(B, T, F), List.of(dx.batch(), dx.steps(), dx.features()), m.summary());
            double scale = 0;
            for (float v : dx.data()) scale = Math.max(scale, Math.abs(v));
            for (int b = 0; b < B; b++) {
                for (int t = 0; t < T; t++) {
                    for (int f = 0; f < F; f++) {
                        int i = (b * T + t) * F + f;
                        if (t >= LENGTHS[b]) {
                            assertEquals(0f, dx.data()[i], "padding has no gradient: " + m.summary());
                            continue;
                        }
                        float h = 1e-2f;
                        float[] plus = x.clone(), minus = x.clone();
                        plus[i] += h;
                        minus[i] -= h;
                        double central = (loss(m, plus, w) - loss(m, minus, w)) / ((double) plus[i] - minus[i]);
                        assertEquals(central, dx.data()[i], 2e-3 * Math.max(scale, 1) + 2e-3 * Math.abs(central),
                                "d loss / d x[" + b + ", " + t + ", " + f + "] of " + m.summary());
                    }
                }
            }
        }
    }

    @Test
    void paramGradientsAreTheSameBitForBitWithTheInputGradient() {
        for (Supplier<Model> make : models()) {
            Model a = make.get(), b = make.get();
            List<float[]> ga = grads(a, false), gb = grads(b, true);
            for (int i = 0; i < ga.size(); i++) assertArrayEquals(ga.get(i), gb.get(i), a.params().get(i).name() + " of " + a.summary());
        }
    }

    private static List<float[]> grads(Model m, boolean inputGrad) {
        m.zeroGrad();
        Model.Trace tr = m.forward(Batch.sequences(input(), B, T, F, LENGTHS), true, new Random(11));
        float[] d = new float[tr.output().data().length];
        Arrays.fill(d, 0.25f);
        Batch dx = m.backward(tr, tr.output().withData(d, tr.output().features()), inputGrad);
        if (!inputGrad) assertNull(dx, "no input gradient unless asked");
        List<float[]> out = new ArrayList<>();
        for (Param p : m.params()) out.add(p.grad().clone());
        return out;
    }

    @Test
    void gradDictHoldsEachParamsGradientUnderTheStateDictsName() {
        for (Supplier<Model> make : models()) {
            Model m = make.get();
            grads(m, false);
            Map<String, Tensor> g = m.gradDict(), w = m.stateDict();
            assertEquals(List.copyOf(w.keySet()), List.copyOf(g.keySet()), m.summary());
            for (String k : w.keySet()) assertArrayEquals(w.get(k).shape(), g.get(k).shape(), k);
            for (int i = 0; i < m.layers().size(); i++) {
                Layer l = m.layers().get(i);
                if (l instanceof RecurrentLayer r) {
                    for (Map.Entry<String, Tensor> e : r.recurrent().gradDict().entrySet()) {
                        assertArrayEquals(e.getValue().data(), g.get("layers." + i + "." + e.getKey()).data(), e.getKey());
                    }
                }
            }
            // the params kept as the state dict lays them out (all but the packed recurrent weights) go by its names
            int checked = 0;
            for (Param p : m.params()) {
                if (g.containsKey(p.name())) {
                    assertArrayEquals(p.grad(), g.get(p.name()).data(), p.name());
                    checked++;
                }
            }
            if (checked == 0) throw new AssertionError("no param found by name in " + m.summary());
            // copies: writing one changes no gradient
            String any = g.keySet().iterator().next();
            float before = m.gradDict().get(any).data()[0];
            g.get(any).data()[0] += 1;
            assertEquals(before, m.gradDict().get(any).data()[0]);
        }
    }

    @Test
    void gradDictOfTheRecurrentWeightsIsTheirGradientInPyTorchsLayout() {
        // the packed gradient of weight_ih_l0 unpacked: checked against a central difference of one of its elements
        Model m = Model.builder(F).lstm(3).lastStep().dense(1).seed(9).build();
        float[] x = input();
        float[] w = {0.7f, -1.3f};
        m.zeroGrad();
        Model.Trace tr = m.forward(Batch.sequences(x, B, T, F, LENGTHS), true, new Random(11));
        m.backward(tr, tr.output().withData(w.clone(), 1));
        Tensor g = m.gradDict().get("layers.0.weight_ih_l0");
        Map<String, Tensor> sd = m.stateDict();
        for (int e : new int[] {0, 5, 13, 23}) {
            float h = 1e-2f;
            Tensor wih = sd.get("layers.0.weight_ih_l0");
            float v = wih.data()[e];
            wih.data()[e] = v + h;
            m.loadStateDict(sd);
            double plus = loss(m, x, w);
            wih.data()[e] = v - h;
            m.loadStateDict(sd);
            double minus = loss(m, x, w);
            wih.data()[e] = v;
            m.loadStateDict(sd);
            assertEquals((plus - minus) / (2.0 * h), g.data()[e], 2e-3, "weight_ih_l0[" + e + "]");
        }
    }

    @Test
    void theInputGradientOfTokenIdsIsRefusedBeforeAnyGradientChanges() {
        Model m = Model.builder(1).embedding(5, 3).lstm(2).lastStep().dense(1).seed(1).build();
        Model.Trace tr = m.forward(Batch.sequences(new float[] {1, 2, 3, 4}, 2, 2, 1, null), true, new Random(1));
        Batch d = tr.output().withData(new float[] {1, 1}, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.backward(tr, d, true));
        assertEquals("inputGrad: the input of Embedding(5, 3) is token ids, which have no gradient; take the gradient of its output,"
                + " or backward without inputGrad", e.getMessage());
        for (Param p : m.params()) for (float v : p.grad()) assertEquals(0f, v, p.name());
        assertNull(m.backward(tr, d, false));
    }
}
