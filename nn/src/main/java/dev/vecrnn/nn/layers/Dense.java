package dev.vecrnn.nn.layers;

import dev.vecrnn.kernels.Precision;

import dev.vecrnn.nn.Internal;
import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.Param;
import dev.vecrnn.nn.Require;
import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.io.internal.StateDicts;

import dev.vecrnn.kernels.Kernels;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** A linear layer on the last dimension, {@code y = act(x W^T + b)}, W {@code [out, in]} as PyTorch. */
public final class Dense implements Layer {
    final int in;
    final int out;
    final Activation act;
    final Param weight;
    final Param bias;

    public Dense(int in, int out, Activation act, Random rnd) {
        if (in < 1) throw new IllegalArgumentException("dense: input size expected >= 1, got " + in);
        if (out < 1) throw new IllegalArgumentException("dense: units expected >= 1, got " + out);
        Require.notNull("rnd", rnd);
        this.in = in;
        this.out = out;
        this.act = act == null ? Activation.LINEAR : act;
        this.weight = new Param("weight", new float[out * in]);
        this.bias = new Param("bias", new float[out]);
        double bound = 1 / Math.sqrt(in);  // PyTorch's Linear default
        Init.uniform(weight.data(), 0, out * in, bound, rnd);
        Init.uniform(bias.data(), 0, out, bound, rnd);
    }

    private record DenseCache(Batch in, float[] y) implements Cache {
    }

    @Override
    public String describe() {
        return "Dense(" + out + (act == Activation.LINEAR ? "" : ", " + act.name().toLowerCase()) + ")";
    }

    @Override
    public int outputFeatures(int inputFeatures) {
        LayerChecks.inputFeatures(this, in, inputFeatures);
        return out;
    }

    @Override
    public boolean outputIsSequence(boolean seq) {
        return seq;
    }

    // x [rows, in] -> y [rows, out]
    @Override
    public Out forward(Batch x, boolean training, Random rng) {
        Require.notNull("x", x);
        if (x.features() != in) throw new IllegalArgumentException("dense: expected " + in + " input features, got " + x.features());
        Kernels k = Kernels.get();
        int rows = x.rows();
        float[] y = new float[rows * out];
        for (int r = 0; r < rows; r++) System.arraycopy(bias.data(), 0, y, r * out, out);
        k.gemmNT(rows, out, in, x.data(), 0, in, weight.data(), 0, in, y, 0, out, true);
        act.apply(k, y.length, y, 0, y, 0);
        return new Out(x.withData(y, out), new DenseCache(x, y));
    }

    @Override
    public Batch backward(Cache cache, Batch dOut) {
        DenseCache c = LayerChecks.cache(this, DenseCache.class, cache);
        Require.gradient(dOut, c.in.batch(), c.in.steps(), out, c.in.sequence());
        Kernels k = Kernels.get();
        int rows = c.in.rows();
        float[] dz = dOut.data().clone();
        act.backward(k, dz.length, c.y, dz);
        k.gemmTN(out, in, rows, dz, 0, out, c.in.data(), 0, in, weight.grad(), 0, in, true);
        for (int r = 0; r < rows; r++) k.axpy(out, 1f, dz, r * out, bias.grad(), 0);
        float[] dx = new float[rows * in];
        k.gemmNN(rows, in, out, dz, 0, out, weight.data(), 0, in, dx, 0, in, false);
        return c.in.withData(dx, in);
    }

    /** The weight [out, in]. */
    public Param weight() {
        return weight;
    }

    /** The bias [out]. */
    public Param bias() {
        return bias;
    }

    /** A stream's step: the step's features through the layer, as forward maps each row. */
    @Override
    @Internal
    public StepState newStepState(int index) {
        return (k, x, y) -> apply(k, x, 0, y, 0);
    }

    // one row: x [in] -> y [out], allocation-free (no argument checks: for callers that checked them)
    private void apply(Kernels k, float[] x, int xOff, float[] y, int yOff) {
        System.arraycopy(bias.data(), 0, y, yOff, out);
        k.gemmNT(1, out, in, x, xOff, in, weight.data(), 0, in, y, yOff, out, true);
        act.apply(k, out, y, yOff, y, yOff);
    }

    @Override
    public List<Param> params() {
        return List.of(weight, bias);
    }

    @Override
    public void stateDict(String prefix, Map<String, Tensor> dict) {
        Require.stateDictArgs(prefix, "dict", dict);
        dict.put(prefix + "weight", Tensor.of(weight.data().clone(), out, in));
        dict.put(prefix + "bias", Tensor.of(bias.data().clone(), out));
    }

    @Override
    public void loadStateDict(String prefix, Map<String, Tensor> dict) {
        Require.stateDictArgs(prefix, "dict", dict);
        Map<String, Tensor> t = StateDicts.take(dict, prefix, LayerChecks.shapes(this));
        System.arraycopy(t.get("weight").data(), 0, weight.data(), 0, out * in);
        System.arraycopy(t.get("bias").data(), 0, bias.data(), 0, out);
        weight.changed();
        bias.changed();
    }

    @Override
    public Map<String, Object> spec() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("kind", "dense");
        s.put("in", in);
        s.put("units", out);
        s.put("activation", act.name().toLowerCase());
        return s;
    }

    @Override
    @Internal
    public Layer quantized(Precision precision) {
        return LayerChecks.withWeightsOf(new Dense(in, out, act, new Random(0)), this);
    }
}
