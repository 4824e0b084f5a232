package dev.vecrnn.gradcheck;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.layers.AttentionPooling;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import java.util.Random;

/**
 * Attention pooling, {@code y = sum_t softmax(v . x_t) x_t} over each sequence's valid steps: the
 * gradients of the scoring vector v and of x (through the weights and through the scores), with
 * variable lengths (padded steps get no weight and no gradient) and a v scaled up so that the
 * attention is far from uniform.
 */
class AttentionPoolingGradientProperties {

    @Property(tries = 60)
    void backwardMatchesFiniteDifferences(@ForAll @IntRange(min = 1, max = 6) int features, @ForAll @IntRange(min = 1, max = 3) int batch,
                                          @ForAll @IntRange(min = 1, max = 5) int steps, @ForAll boolean variableLengths,
                                          @ForAll long seed) {
        Data d = new Data(seed);
        AttentionPooling att = new AttentionPooling(features, new Random(d.nextLong()));
        System.arraycopy(d.signed(features, 1.5), 0, att.params().get(0).data(), 0, features);
        float[] x = d.signed(batch * steps * features, 1);
        Batch b = Batch.sequences(x, batch, steps, features, variableLengths ? d.lengths(batch, steps) : null);
        LayerCase c = new LayerCase(att, b, d);
        Checks.assertGradients(d, "AttentionPooling(" + features + ") on " + b + " lengths " + java.util.Arrays.toString(b.lengths()),
                c, c.inputs());
    }
}
