package dev.vecrnn.gradcheck;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.layers.RecurrentLayer;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.RecurrentConfig;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The recurrent stack as a model layer ({@link RecurrentLayer}, batch-first, with valid lengths):
 * returning every step, or only the final states (the forward direction's at each sequence's last
 * valid step, the backward direction's at its first), whose gradient must reach h_n of the top layer.
 * The gradients of every parameter and of the input sequence.
 */
class RecurrentLayerGradientProperties {

    @Property(tries = 60)
    void layerBackwardMatchesFiniteDifferences(@ForAll CellType type, @ForAll boolean returnSequences,
                                               @ForAll @IntRange(min = 1, max = 2) int layers, @ForAll boolean bidirectional,
                                               @ForAll @IntRange(min = 1, max = 3) int batch, @ForAll @IntRange(min = 1, max = 4) int steps,
                                               @ForAll long seed) {
        Data d = new Data(seed);
        RecurrentConfig cfg = RecurrentConfig.of(type, 2, 3).withLayers(layers).withBidirectional(bidirectional);
        RecurrentLayer layer = new RecurrentLayer(cfg, returnSequences, d.nextLong());
        if (type == CellType.RNN_RELU) ReluMargins.apply(layer.recurrent(), d);
        Batch x = Batch.sequences(d.signed(batch * steps * 2, 1), batch, steps, 2, d.lengths(batch, steps));
        LayerCase c = new LayerCase(layer, x, d);
        Checks.assertGradients(d, layer.describe() + " " + cfg + " on " + x + " lengths " + java.util.Arrays.toString(x.lengths()),
                c, c.inputs());
    }
}
