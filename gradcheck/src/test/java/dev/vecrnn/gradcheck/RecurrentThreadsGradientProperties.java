package dev.vecrnn.gradcheck;

import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.RecurrentConfig;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * BPTT with the batched products split over threads ({@code Recurrent.setThreads}): batches and
 * sequences long enough for 2 or 3 parts, so the per-part weight-gradient accumulators, their
 * reduction into the layer's gradient and the packed bias gradient all take part. The gradients checked
 * are those of a second BPTT after zeroGrad: the accumulators of parts past the first are the layer's own,
 * kept between passes, so the first pass must leave them zero.
 */
class RecurrentThreadsGradientProperties {

    @Property(tries = 40)
    void multiThreadedBpttMatchesFiniteDifferences(@ForAll CellType type, @ForAll @IntRange(min = 2, max = 3) int threads,
                                                   @ForAll @IntRange(min = 1, max = 2) int layers, @ForAll boolean bidirectional,
                                                   @ForAll @IntRange(min = 4, max = 9) int batch,
                                                   @ForAll @IntRange(min = 2, max = 4) int steps, @ForAll long seed) {
        Data d = new Data(seed);
        RecurrentConfig cfg = RecurrentConfig.of(type, 3, 3).withLayers(layers).withBidirectional(bidirectional);
        RecurrentCase c = new RecurrentCase(cfg, steps, batch, true, true, d);
        c.rnn.setThreads(threads);
        c.inputs(); // a first BPTT, whose per-part sums must not reach the second's
        Checks.assertGradients(d, c + ", threads=" + threads, c, c.inputs());
    }
}
