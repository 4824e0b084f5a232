package dev.vecrnn.gradcheck;

import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.RecurrentConfig;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * BPTT of an LSTM with {@code proj_size}: {@code h = W_hr (o * tanh(c))} feeds the next step and the
 * next layer, so W_hr's gradient and the recurrent weights of width proj_size must match finite
 * differences, with layers, directions, lengths and initial states (h0 of width proj_size, c0 of H).
 */
class LstmProjectionGradientProperties {

    @Property(tries = 60)
    void bpttMatchesFiniteDifferences(@ForAll @IntRange(min = 2, max = 6) int hidden, @ForAll @IntRange(min = 1, max = 5) int proj,
                                      @ForAll @IntRange(min = 1, max = 2) int layers, @ForAll boolean bidirectional,
                                      @ForAll boolean variableLengths, @ForAll boolean initialStates,
                                      @ForAll @IntRange(min = 1, max = 4) int steps, @ForAll @IntRange(min = 1, max = 3) int batch,
                                      @ForAll long seed) {
        Data d = new Data(seed);
        RecurrentConfig cfg = RecurrentConfig.of(CellType.LSTM, 3, hidden).withProjSize(Math.min(proj, hidden - 1))
                .withLayers(layers).withBidirectional(bidirectional);
        RecurrentCase c = new RecurrentCase(cfg, steps, batch, variableLengths, initialStates, d);
        Checks.assertGradients(d, c.toString(), c, c.inputs());
    }
}
