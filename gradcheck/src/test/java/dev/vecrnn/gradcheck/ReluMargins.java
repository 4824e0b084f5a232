package dev.vecrnn.gradcheck;

import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;

import java.util.Map;

/**
 * Weights for an RNN_RELU stack whose pre-activations stay at least 1.3 away from ReLU's kink at 0 for
 * any input in [-1, 1] and initial state in [-1, 1], so central differences with steps up to 2^-5 never
 * cross it. Each unit is on or off by construction: its bias is +-U(2, 2.5) (split between bias_ih
 * and bias_hh), while the input weights can move the pre-activation by at most 0.5 (|W_ih| <=
 * 0.5 / (I * X), X the bound of the layer's input) and the recurrent weights by at most hmax / 16
 * (|W_hh| <= 1 / (16 H)). Then {@code h <= 2.5 + 0.5 + hmax / 16}, so {@code hmax <= 3.2}, and
 * {@code |pre| >= 2 - 0.5 - 0.2 = 1.3}. Layers above the first see inputs up to 3.2 / (1 - p) after
 * dropout p, hence their smaller input weights. Both branches of ReLU are exercised.
 */
final class ReluMargins {
    static final double HMAX = 3.2;

    private ReluMargins() {
    }

    static void apply(Recurrent rnn, Data d) {
        RecurrentConfig c = rnn.config();
        Map<String, Tensor> sd = rnn.stateDict();
        int hid = c.hiddenSize();
        for (Map.Entry<String, Tensor> e : sd.entrySet()) {
            String name = e.getKey();
            float[] a = e.getValue().data();
            int layer = Integer.parseInt(name.replaceAll(".*_l(\\d+).*", "$1"));
            int in = c.layerInput(layer);
            double inputBound = layer == 0 ? 1 : HMAX / (1 - c.dropout());
            if (name.startsWith("weight_ih")) fill(a, d.signed(a.length, 0.5 / (in * inputBound)));
            else if (name.startsWith("weight_hh")) fill(a, d.signed(a.length, 1.0 / (16 * hid)));
        }
        for (Map.Entry<String, Tensor> e : sd.entrySet()) {
            if (!e.getKey().startsWith("bias_ih")) continue;
            float[] bi = e.getValue().data();
            float[] bh = sd.get(e.getKey().replace("bias_ih", "bias_hh")).data();
            float[] b = d.awayFromZero(bi.length, 2, 2.5);
            for (int j = 0; j < b.length; j++) {
                bi[j] = 0.6f * b[j];
                bh[j] = b[j] - bi[j];
            }
        }
        rnn.loadStateDict(sd);
    }

    private static void fill(float[] dst, float[] src) {
        System.arraycopy(src, 0, dst, 0, dst.length);
    }
}
