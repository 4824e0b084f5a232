package dev.vecrnn.gradcheck;

import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.RecurrentConfig;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * BPTT through the layer options together, for every cell: 1 to 3 layers, bidirectional (outputs
 * concatenated, the reverse direction running over each sequence's own length), batch_first, variable
 * lengths (outputs past a sequence's end are zero, h_n is the state at its last step) and initial
 * states. The loss weighs every output and every final state.
 */
class RecurrentStackGradientProperties {

    @Property(tries = 150)
    void bpttMatchesFiniteDifferences(@ForAll CellType type, @ForAll @IntRange(min = 1, max = 3) int layers,
                                      @ForAll boolean bidirectional, @ForAll boolean batchFirst, @ForAll boolean variableLengths,
                                      @ForAll boolean initialStates, @ForAll @IntRange(min = 1, max = 4) int input,
                                      @ForAll @IntRange(min = 1, max = 4) int hidden, @ForAll @IntRange(min = 1, max = 4) int steps,
                                      @ForAll @IntRange(min = 1, max = 3) int batch, @ForAll long seed) {
        Data d = new Data(seed);
        RecurrentConfig cfg = RecurrentConfig.of(type, input, hidden).withLayers(layers).withBidirectional(bidirectional)
                .withBatchFirst(batchFirst);
        RecurrentCase c = new RecurrentCase(cfg, steps, batch, variableLengths, initialStates, d);
        Checks.assertGradients(d, c.toString(), c::loss, c.inputs());
    }
}
