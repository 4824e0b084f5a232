package dev.vecrnn.gradcheck;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.Param;
import dev.vecrnn.nn.layers.Layer;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * One {@link Layer} of a model on a fixed input batch, under {@code L = sum(output * R)}: the loss
 * runs the training forward with a Random re-seeded each time (dropout masks stay fixed), the
 * analytic side one forward and one backward.
 */
final class LayerCase implements GradCheck.LossFunction {
    final Layer layer;
    final Batch in;
    final float[] r;
    final long rngSeed;
    private float[] dIn;

    LayerCase(Layer layer, Batch in, Data d) {
        this.layer = layer;
        this.in = in;
        this.rngSeed = d.nextLong();
        Batch out = layer.forward(in, true, new Random(rngSeed)).output();
        this.r = d.signed(out.data().length, 1);
    }

    @Override
    public double loss() {
        return Data.dot(forward(), r);
    }

    /** The size of the loss's terms, which the weights' signs can cancel to far below them. */
    @Override
    public double magnitude() {
        return Data.dotMagnitude(forward(), r);
    }

    private float[] forward() {
        layer.params().forEach(Param::changed);
        return layer.forward(in, true, new Random(rngSeed)).output().data();
    }

    /**
     * The parameters with their gradients, then the input "x" with its gradient: there must be one exactly when
     * the layer's input is differentiable (not for token ids).
     */
    List<GradCheck.Input> inputs() {
        for (Param p : layer.params()) p.zeroGrad();
        layer.params().forEach(Param::changed);
        Layer.Out o = layer.forward(in, true, new Random(rngSeed));
        Batch out = o.output();
        Batch dOut = new Batch(r.clone(), out.batch(), out.steps(), out.features(), out.lengths(), out.sequence());
        Batch dx = layer.backward(o.cache(), dOut);
        dIn = dx == null ? null : dx.data();
        if ((dIn != null) != layer.inputIsDifferentiable()) {
            throw new AssertionError(layer.describe() + ": backward returned " + (dIn == null ? "no" : "an") + " input gradient, but its input "
                    + (layer.inputIsDifferentiable() ? "is" : "is not") + " differentiable");
        }
        List<GradCheck.Input> list = new ArrayList<>();
        for (Param p : layer.params()) list.add(GradCheck.Input.of(p.name(), p.data(), p.grad().clone()));
        if (dIn != null) list.add(GradCheck.Input.of("x", in.data(), dIn));
        return list;
    }
}
