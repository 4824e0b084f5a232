package dev.vecrnn.gradcheck;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.layers.Activation;
import dev.vecrnn.nn.layers.Dense;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import java.util.Random;

/**
 * Dense layers, {@code y = act(x W^T + b)}, with each activation, on sequences (with lengths) and on
 * vectors: the gradients of W, b and x. With ReLU the weights are small and the biases at least 1 from
 * zero, so every pre-activation stays 0.5 or more from the kink (and both branches occur).
 */
class DenseGradientProperties {

    @Property(tries = 60)
    void backwardMatchesFiniteDifferences(@ForAll Activation act, @ForAll @IntRange(min = 1, max = 6) int in,
                                          @ForAll @IntRange(min = 1, max = 6) int out, @ForAll @IntRange(min = 1, max = 3) int batch,
                                          @ForAll @IntRange(min = 1, max = 4) int steps, @ForAll boolean sequence,
                                          @ForAll long seed) {
        Data d = new Data(seed);
        Dense dense = new Dense(in, out, act, new Random(d.nextLong()));
        if (act == Activation.RELU) {
            System.arraycopy(d.signed(in * out, 0.5 / in), 0, dense.params().get(0).data(), 0, in * out);
            System.arraycopy(d.awayFromZero(out, 1, 2), 0, dense.params().get(1).data(), 0, out);
        }
        int t = sequence ? steps : 1;
        float[] x = d.signed(batch * t * in, 1);
        Batch b = sequence ? Batch.sequences(x, batch, t, in, d.lengths(batch, t)) : Batch.vectors(x, batch, in);
        LayerCase c = new LayerCase(dense, b, d);
        Checks.assertGradients(d, "Dense(" + in + " -> " + out + ", " + act + ") on " + b, c, c.inputs());
    }
}
