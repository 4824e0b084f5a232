package dev.vecrnn.gradcheck;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.layers.RecurrentLayer;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.RecurrentConfig;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import java.util.ArrayList;
import java.util.LinkedHashMap;
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
        Map<String, Tensor> sd = c.rnn.stateDict();
        List<GradCheck.Input> inputs = byName(d, c.gradDict(), sd, "");
        Checks.assertGradients(d, c.toString(), loading(() -> c.rnn.loadStateDict(sd), c), inputs);
    }

    /**
     * The same through {@link RecurrentLayer#gradDict}, which a model's gradDict calls with the prefix
     * "layers.i.": the stack's names under that prefix, each the gradient of its tensor.
     */
    @Property(tries = 20, seed = "20261207")
    void layerGradDictIsTheGradientOfTheStateDict(@ForAll CellType type, @ForAll boolean bidirectional, @ForAll long seed) {
        Data d = new Data(seed);
        RecurrentConfig cfg = RecurrentConfig.of(type, 2, 3).withBidirectional(bidirectional);
        RecurrentLayer layer = new RecurrentLayer(cfg, true, d.nextLong());
        if (type == CellType.RNN_RELU) ReluMargins.apply(layer.recurrent(), d);
        LayerCase c = new LayerCase(layer, Batch.sequences(d.signed(2 * 3 * 2, 1), 2, 3, 2, d.lengths(2, 3)), d);
        c.inputs();
        Map<String, Tensor> grads = new LinkedHashMap<>();
        layer.gradDict("layers.0.", grads);
        Map<String, Tensor> sd = layer.recurrent().stateDict();
        Checks.assertGradients(d, layer.describe() + " " + cfg, loading(() -> layer.recurrent().loadStateDict(sd), c),
                byName(d, grads, sd, "layers.0."));
    }

    /** Each tensor of sd with the gradient grads holds under prefix + its name; the names must be the same. */
    private static List<GradCheck.Input> byName(Data d, Map<String, Tensor> grads, Map<String, Tensor> sd, String prefix) {
        java.util.Set<String> expected = sd.keySet().stream().map(k -> prefix + k).collect(java.util.stream.Collectors.toSet());
        if (!grads.keySet().equals(expected)) {
            throw new AssertionError(d + ": gradDict names " + grads.keySet() + " differ from stateDict names " + expected);
        }
        List<GradCheck.Input> inputs = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : sd.entrySet()) {
            Tensor g = grads.get(prefix + e.getKey());
            if (!java.util.Arrays.equals(g.shape(), e.getValue().shape())) {
                throw new AssertionError(d + ": " + e.getKey() + " gradient shape " + g + " differs from " + e.getValue());
            }
            inputs.add(GradCheck.Input.of(e.getKey(), e.getValue().data(), g.data()));
        }
        return inputs;
    }

    /** f, evaluated after load (which writes the perturbed state dict back into the stack). */
    private static GradCheck.LossFunction loading(Runnable load, GradCheck.LossFunction f) {
        return new GradCheck.LossFunction() {
            @Override
            public double loss() {
                load.run();
                return f.loss();
            }

            @Override
            public double magnitude() {
                load.run();
                return f.magnitude();
            }
        };
    }
}
