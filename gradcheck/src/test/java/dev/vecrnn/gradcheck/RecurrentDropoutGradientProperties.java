package dev.vecrnn.gradcheck;

import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.RecurrentConfig;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.FloatRange;
import net.jqwik.api.constraints.IntRange;

/**
 * BPTT with dropout between layers in training: the mask drawn from a Random re-seeded at every
 * forward is the same at every evaluation, so the loss is a smooth function of the weights and the
 * backward pass must route the gradient through exactly the kept units, scaled by 1/(1-p).
 */
class RecurrentDropoutGradientProperties {

    @Property(tries = 60)
    void bpttThroughAFixedMaskMatchesFiniteDifferences(@ForAll CellType type, @ForAll @IntRange(min = 2, max = 3) int layers,
                                                       @ForAll boolean bidirectional,
                                                       @ForAll @FloatRange(min = 0.1f, max = 0.5f) float p,
                                                       @ForAll @IntRange(min = 1, max = 4) int hidden,
                                                       @ForAll @IntRange(min = 1, max = 4) int steps,
                                                       @ForAll @IntRange(min = 1, max = 3) int batch, @ForAll long seed) {
        Data d = new Data(seed);
        RecurrentConfig cfg = RecurrentConfig.of(type, 3, hidden).withLayers(layers).withBidirectional(bidirectional).withDropout(p);
        RecurrentCase c = new RecurrentCase(cfg, steps, batch, false, false, d);
        Checks.assertGradients(d, c.toString(), c, c.inputs());
    }

    /**
     * Failed about one draw in 9,000 while the checker refined only past 4 tolerances: bias_ih_l0[0] through
     * three tanh layers and two dropouts of 0.5 (each scaling by 2) bends so hard within 2^-4 that D(h) and
     * D(h/2) (2.20226, 2.20086) carry h^2 and h^4 terms of opposite signs; Richardson gave 2.20039 against the
     * analytic 2.19973, 1.17 tolerances off (the two differ by 2.5 tolerances); the third level settles it.
     */
    @Example
    void deepTanhStackWithHalfDropout() {
        bpttThroughAFixedMaskMatchesFiniteDifferences(CellType.RNN_TANH, 3, true, 0.5f, 2, 3, 1, 9288L);
    }
}
