package dev.vecrnn.gradcheck;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.layers.Embedding;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import java.util.List;
import java.util.Random;

/**
 * Embedding: the gradient of the table under {@code L = sum(output * R)}, ids repeating (their rows'
 * gradients add up) and padding steps past each sequence's length. Padding rows count for nothing in a
 * model (the layers above ignore them), so R is zero there: the gradient must then not depend on the
 * ids found in the padding. Or R is not zero there, as a layer above may pass down anything on padding:
 * the output there is zero whatever the table holds, so the gradient must ignore what comes down.
 */
class EmbeddingGradientProperties {

    @Property(tries = 60)
    void backwardMatchesFiniteDifferences(@ForAll @IntRange(min = 1, max = 8) int vocab, @ForAll @IntRange(min = 1, max = 5) int dim,
                                          @ForAll @IntRange(min = 1, max = 3) int batch, @ForAll @IntRange(min = 1, max = 5) int steps,
                                          @ForAll boolean variableLengths, @ForAll boolean gradientOnPadding,
                                          @ForAll long seed) {
        Data d = new Data(seed);
        Embedding emb = new Embedding(vocab, dim, new Random(d.nextLong()));
        float[] ids = new float[batch * steps];
        for (int i = 0; i < ids.length; i++) ids[i] = d.nextInt(vocab);
        int[] lengths = variableLengths ? d.lengths(batch, steps) : null;
        Batch x = Batch.sequences(ids, batch, steps, 1, lengths);
        LayerCase c = new LayerCase(emb, x, d);
        for (int b = 0; b < batch && !gradientOnPadding; b++) {
            for (int s = x.lengths()[b]; s < steps; s++) java.util.Arrays.fill(c.r, (b * steps + s) * dim, (b * steps + s + 1) * dim, 0f);
        }
        List<GradCheck.Input> inputs = c.inputs();
        if (inputs.size() != 1) throw new AssertionError(d + ": embedding must return no input gradient (ids), got " + inputs);
        Checks.assertGradients(d, "Embedding(" + vocab + ", " + dim + ") on " + x + (gradientOnPadding ? ", R on padding" : ""), c, inputs);
    }
}
