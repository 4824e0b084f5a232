package dev.vecrnn.gradcheck;

import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.RecurrentConfig;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code gradDict()} as the gradient of the loss with respect to {@code stateDict()}: every tensor is
 * perturbed under its PyTorch name (weight_ih_l0, bias_hh_l1_reverse, weight_hr_l0, ...) and loaded
 * with {@code loadStateDict}, so the unpacking of the packed gradient, the split of the summed bias
 * gradient into bias_ih and bias_hh (GRU's n gate keeps them apart) and the names all have to agree.
 */
class GradDictGradientProperties {

    @Property(tries = 50)
    void gradDictIsTheGradientOfTheStateDict(@ForAll CellType type, @ForAll @IntRange(min = 1, max = 2) int layers,
                                             @ForAll boolean bidirectional, @ForAll boolean projected,
                                             @ForAll @IntRange(min = 2, max = 4) int hidden, @ForAll long seed) {
        Data d = new Data(seed);
        RecurrentConfig cfg = RecurrentConfig.of(type, 2, hidden).withLayers(layers).withBidirectional(bidirectional)
                .withProjSize(projected && type == CellType.LSTM ? hidden - 1 : 0);
        RecurrentCase c = new RecurrentCase(cfg, 3, 2, true, true, d);
        Map<String, Tensor> grads = c.gradDict();
        Map<String, Tensor> sd = c.rnn.stateDict();
        if (!grads.keySet().equals(sd.keySet())) {
            throw new AssertionError(d + ": gradDict names " + grads.keySet() + " differ from stateDict names " + sd.keySet());
        }
        List<GradCheck.Input> inputs = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : sd.entrySet()) {
            Tensor g = grads.get(e.getKey());
            if (!java.util.Arrays.equals(g.shape(), e.getValue().shape())) {
                throw new AssertionError(d + ": " + e.getKey() + " gradient shape " + g + " differs from " + e.getValue());
            }
            inputs.add(GradCheck.Input.of(e.getKey(), e.getValue().data(), g.data()));
        }
        Checks.assertGradients(d, c.toString(), new GradCheck.LossFunction() {
            @Override
            public double loss() {
                c.rnn.loadStateDict(sd);
                return c.loss();
            }

            @Override
            public double magnitude() {
                c.rnn.loadStateDict(sd);
                return c.magnitude();
            }
        }, inputs);
    }
}
