package dev.vecrnn.gradcheck;

import dev.vecrnn.nn.Param;
import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A {@link Recurrent} stack with inputs, optional lengths and initial states, and the loss
 * {@code sum(output * R) + sum(h_n * Rh) + sum(c_n * Rc)} (fixed random R, summed in double), so that
 * every output, every final state and thereby every weight matters. Dropout draws from a Random
 * re-seeded at every forward: the mask is the same at every evaluation.
 */
final class RecurrentCase implements GradCheck.LossFunction {
    final RecurrentConfig cfg;
    final Recurrent rnn;
    final int steps;
    final int batch;
    final Tensor x;
    final int[] lengths;
    final Tensor h0;
    final Tensor c0;
    final float[] r;
    final float[] rh;
    final float[] rc;
    final long dropoutSeed;

    RecurrentCase(RecurrentConfig cfg, int steps, int batch, boolean variableLengths, boolean initialStates, Data d) {
        this.cfg = cfg;
        this.steps = steps;
        this.batch = batch;
        this.rnn = new Recurrent(cfg, d.nextLong());
        int layers = cfg.numLayers() * cfg.directions();
        boolean lstm = cfg.type() == CellType.LSTM;
        this.x = Tensor.of(d.signed(steps * batch * cfg.inputSize(), 1),
                cfg.batchFirst() ? new int[] {batch, steps, cfg.inputSize()} : new int[] {steps, batch, cfg.inputSize()});
        this.lengths = variableLengths ? d.lengths(batch, steps) : null;
        this.h0 = initialStates ? Tensor.of(d.signed(layers * batch * cfg.outputHidden(), 1), layers, batch, cfg.outputHidden()) : null;
        this.c0 = initialStates && lstm ? Tensor.of(d.signed(layers * batch * cfg.hiddenSize(), 1), layers, batch, cfg.hiddenSize()) : null;
        this.r = d.signed(steps * batch * cfg.outputSize(), 1);
        this.rh = d.signed(layers * batch * cfg.outputHidden(), 1);
        this.rc = lstm ? d.signed(layers * batch * cfg.hiddenSize(), 1) : null;
        this.dropoutSeed = d.nextLong();
        if (cfg.type() == CellType.RNN_RELU) ReluMargins.apply(rnn, d);
    }

    /** The loss at the current parameter and input values (the production float32 forward). */
    @Override
    public double loss() {
        Recurrent.Trace t = forward();
        double s = Data.dot(t.output().data(), r) + Data.dot(t.hN().data(), rh);
        return t.cN() == null ? s : s + Data.dot(t.cN().data(), rc);
    }

    /** The size of the loss's terms: the weights have both signs, and the sum can cancel to far below them. */
    @Override
    public double magnitude() {
        Recurrent.Trace t = forward();
        double s = Data.dotMagnitude(t.output().data(), r) + Data.dotMagnitude(t.hN().data(), rh);
        return t.cN() == null ? s : s + Data.dotMagnitude(t.cN().data(), rc);
    }

    private Recurrent.Trace forward() {
        rnn.params().forEach(Param::changed);
        return rnn.forwardTrain(x, lengths, h0, c0, new Random(dropoutSeed));
    }

    /** Runs BPTT once and returns every parameter and every input with its analytic gradient. */
    List<GradCheck.Input> inputs() {
        return inputs(true);
    }

    /** {@link #inputs()}; without inputGrad the BPTT leaves x's gradient out, and must return none for it. */
    List<GradCheck.Input> inputs(boolean inputGrad) {
        rnn.params().forEach(Param::changed);
        rnn.zeroGrad();
        Recurrent.Trace t = rnn.forwardTrain(x, lengths, h0, c0, new Random(dropoutSeed));
        Recurrent.InputGrads g = rnn.backward(t, Tensor.of(r.clone(), t.output().shape()),
                Tensor.of(rh.clone(), t.hN().shape()), t.cN() == null ? null : Tensor.of(rc.clone(), t.cN().shape()), inputGrad);
        List<GradCheck.Input> in = new ArrayList<>();
        for (Param p : rnn.params()) in.add(GradCheck.Input.of(p.name(), p.data(), p.grad().clone()));
        if (!inputGrad) {
            if (g.dx() != null) throw new AssertionError(this + ": backward without inputGrad returned dx " + g.dx());
        } else if (!java.util.Arrays.equals(g.dx().shape(), x.shape())) {
            throw new AssertionError(this + ": dx of shape " + java.util.Arrays.toString(g.dx().shape()) + ", x " + java.util.Arrays.toString(x.shape()));
        } else {
            in.add(GradCheck.Input.of("x", x.data(), g.dx().data()));
        }
        if (h0 != null) in.add(GradCheck.Input.of("h0", h0.data(), g.dh0().data()));
        if (c0 != null) in.add(GradCheck.Input.of("c0", c0.data(), g.dc0().data()));
        return in;
    }

    /** The gradients under PyTorch's state_dict names (from {@link Recurrent#gradDict()}) after one BPTT. */
    Map<String, Tensor> gradDict() {
        inputs();
        return new LinkedHashMap<>(rnn.gradDict());
    }

    @Override
    public String toString() {
        return cfg + ", T=" + steps + ", B=" + batch + (lengths == null ? "" : ", lengths=" + java.util.Arrays.toString(lengths))
                + (h0 == null ? "" : ", h0" + (c0 == null ? "" : "+c0"));
    }
}
