package dev.vecrnn.gradcheck;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.layers.Dropout;
import dev.vecrnn.nn.layers.LastStep;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.FloatRange;
import net.jqwik.api.constraints.IntRange;

/**
 * The parameter-free layers: LastStep routes the gradient to each sequence's last valid step only (and
 * finalStates the backward direction's half to step 0);
 * Dropout in training, with its mask held fixed by a re-seeded Random, passes it through the kept
 * units scaled by 1/(1-p) (and, in inference, unchanged).
 */
class LastStepAndDropoutGradientProperties {

    @Property(tries = 40)
    void lastStepBackwardMatchesFiniteDifferences(@ForAll @IntRange(min = 1, max = 5) int features,
                                                  @ForAll @IntRange(min = 1, max = 3) int batch,
                                                  @ForAll @IntRange(min = 1, max = 5) int steps, @ForAll long seed) {
        Data d = new Data(seed);
        Batch b = Batch.sequences(d.signed(batch * steps * features, 1), batch, steps, features, d.lengths(batch, steps));
        LayerCase c = new LayerCase(new LastStep(), b, d);
        Checks.assertGradients(d, "LastStep on " + b + " lengths " + java.util.Arrays.toString(b.lengths()), c, c.inputs());
    }

    /**
     * LastStep.finalStates after a bidirectional layer: the forward half of the features from each sequence's
     * last valid step, the backward half from step 0, so the gradient goes to those two places only.
     */
    @Property(tries = 30, seed = "20261206")
    void finalStatesBackwardMatchesFiniteDifferences(@ForAll @IntRange(min = 1, max = 3) int hidden,
                                                     @ForAll @IntRange(min = 1, max = 3) int batch,
                                                     @ForAll @IntRange(min = 1, max = 5) int steps, @ForAll long seed) {
        Data d = new Data(seed);
        int features = 2 * hidden;
        Batch b = Batch.sequences(d.signed(batch * steps * features, 1), batch, steps, features, d.lengths(batch, steps));
        LayerCase c = new LayerCase(LastStep.finalStates(hidden), b, d);
        Checks.assertGradients(d, "LastStep.finalStates(" + hidden + ") on " + b + " lengths " + java.util.Arrays.toString(b.lengths()),
                c, c.inputs());
    }

    @Property(tries = 40)
    void dropoutBackwardMatchesFiniteDifferences(@ForAll @FloatRange(min = 0f, max = 0.8f) float p,
                                                 @ForAll @IntRange(min = 1, max = 5) int features,
                                                 @ForAll @IntRange(min = 1, max = 3) int batch,
                                                 @ForAll @IntRange(min = 1, max = 5) int steps, @ForAll long seed) {
        Data d = new Data(seed);
        Batch b = Batch.sequences(d.signed(batch * steps * features, 1), batch, steps, features);
        LayerCase c = new LayerCase(new Dropout(p), b, d);
        Checks.assertGradients(d, "Dropout(" + p + ") on " + b, c, c.inputs());
    }
}
