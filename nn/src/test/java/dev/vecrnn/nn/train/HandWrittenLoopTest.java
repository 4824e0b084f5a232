package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Param;
import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * A PyTorch-style loop written by hand (zeroGrad, forward, loss gradient, backward, optimizer step, and
 * nothing else) trains to the Trainer's weights bit for bit: the derived weights (packed biases, the
 * recurrent copy sequences step with, the transposed copy backward uses) follow the params' versions,
 * so no refresh call exists to forget.
 */
class HandWrittenLoopTest {

    private static Model model(CellType type, long seed) {
        return Model.builder(2).recurrent(type, 5, 2, false, 0f, 0).dense(3).seed(seed).build();
    }

    /** One sequence (so no shuffle), per-step regression targets. */
    private static Dataset.Regression data() {
        Random r = new Random(11);
        int t = 7;
        float[] x = new float[t * 2], y = new float[t * 3];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        for (int i = 0; i < y.length; i++) y[i] = (float) r.nextGaussian();
        return Dataset.regression(x, 1, t, 2, null, y, 3, true);
    }

    @Test
    void aHandWrittenLoopGetsTheTrainersWeightsBitForBit() {
        for (CellType type : new CellType[] {CellType.LSTM, CellType.GRU, CellType.RNN_TANH}) {
            for (boolean adam : new boolean[] {true, false}) {
                Dataset.Regression data = data();
                Model byTrainer = model(type, 5), byHand = model(type, 5);
                int epochs = 6;
                new Trainer().epochs(epochs).batchSize(1).seed(1).loss(Loss.mse())
                        .optimizer(ps -> adam ? new Adam(ps, 0.05) : new Sgd(ps, 0.1, 0.9)).fit(byTrainer, data);

                Model reference = model(type, 5);
                handLoop(byHand, data, epochs, adam, false);
                handLoop(reference, data, epochs, adam, true);
                String what = type + (adam ? " Adam" : " SGD");
                Map<String, Tensor> a = byTrainer.stateDict(), b = byHand.stateDict(), ref = reference.stateDict();
                assertEquals(a.keySet(), b.keySet(), what);
                for (String k : a.keySet()) {
                    assertArrayEquals(ref.get(k).data(), a.get(k).data(), what + " " + k + ": Trainer against the reloading loop");
                    assertArrayEquals(ref.get(k).data(), b.get(k).data(), what + " " + k + ": hand-written loop against the reloading loop");
                }
                // and the loop did train: the weights moved from the initial ones
                assertNotEquals(model(type, 5).stateDict().get("layers.0.weight_hh_l0").data()[0], b.get("layers.0.weight_hh_l0").data()[0], what);
            }
        }
    }

    /**
     * zeroGrad, forward, MSE gradient, backward, step; with {@code reload}, the weights are also put back
     * through a state dict after each step, which rebuilds every derived copy whatever the versions say:
     * the reference the other two must equal.
     */
    private static void handLoop(Model m, Dataset.Regression data, int epochs, boolean adam, boolean reload) {
        Optimizer opt = adam ? new Adam(m.params(), 0.05) : new Sgd(m.params(), 0.1, 0.9);
        for (int e = 0; e < epochs; e++) {
            opt.zeroGrad();
            Model.Trace tr = m.forward(data.inputs(), true, new Random(0));
            float[] grad = new float[tr.output().data().length];
            Loss.mse().forward(tr.output().data(), data.targets(), grad);
            m.backward(tr, tr.output().withData(grad, tr.output().features()));
            opt.step();
            if (reload) m.loadStateDict(m.stateDict());
        }
    }

    @Test
    void writingTheArraysYourselfIsCountedWithChanged() {
        Recurrent net = new Recurrent(RecurrentConfig.of(CellType.LSTM, 2, 3), 4);
        Tensor x = Tensor.of(new float[] {0.5f, -1f, 0.25f, 2f}, 2, 1, 2);
        float[] before = net.forward(x, null, null, null).output().data();
        Param bias = net.params().stream().filter(p -> p.name().startsWith("bias_hh")).findFirst().orElseThrow();
        bias.data()[0] += 1f;
        bias.changed();
        float[] after = net.forward(x, null, null, null).output().data();
        Recurrent fresh = new Recurrent(RecurrentConfig.of(CellType.LSTM, 2, 3), 4);
        Map<String, Tensor> sd = fresh.stateDict();
        sd.get("bias_hh_l0").data()[0] += 1f;
        fresh.loadStateDict(sd);
        assertArrayEquals(fresh.forward(x, null, null, null).output().data(), after, "the changed bias is used");
        assertNotEquals(before[0], after[0]);
    }
}
