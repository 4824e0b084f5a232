package dev.vecrnn.nn.layers;

import dev.vecrnn.kernels.Precision;

import dev.vecrnn.nn.Internal;
import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.Param;
import dev.vecrnn.nn.Require;
import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.io.internal.StateDicts;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Token ids to vectors, W {@code [vocab, dim]} initialised N(0, 1) as PyTorch's. The input has one
 * feature per step holding the id as a float (exact below 2^24). Padding steps (past a sequence's length) are
 * not read: they may hold anything, even NaN or an id out of range, and give zero vectors.
 */
public final class Embedding implements Layer {
    final int vocab;
    final int dim;
    final Param weight;

    public Embedding(int vocab, int dim, Random rnd) {
        if (vocab < 1) throw new IllegalArgumentException("embedding: vocabulary size expected >= 1, got " + vocab);
        if (dim < 1) throw new IllegalArgumentException("embedding: dimension expected >= 1, got " + dim);
        Require.notNull("rnd", rnd);
        this.vocab = vocab;
        this.dim = dim;
        this.weight = new Param("weight", new float[vocab * dim]);
        for (int i = 0; i < vocab * dim; i++) weight.data()[i] = (float) rnd.nextGaussian();
    }

    private record EmbCache(int[] ids, Batch in) implements Cache {
    }

    @Override
    public String describe() {
        return "Embedding(" + vocab + ", " + dim + ")";
    }

    @Override
    public int outputFeatures(int inputFeatures) {
        LayerChecks.inputFeatures(this, 1, inputFeatures);
        return dim;
    }

    @Override
    public boolean outputIsSequence(boolean seq) {
        return seq;
    }

    /**
     * A stream's step: the vector of the step's token (its one feature, an integral id in [0, vocab)),
     * allocation-free; an id out of range is refused as forward refuses it.
     */
    @Override
    @Internal
    public StepState newStepState(int index) {
        return (k, x, y) -> System.arraycopy(weight.data(), id(x[0], "", -1) * dim, y, 0, dim);
    }

    /**
     * Many streams' steps: every id is checked first, naming its stream (one by one, stream 1's bad id was
     * named as row 0's, the one row each step sees), then each row is copied.
     */
    @Override
    @Internal
    public void stepMany(dev.vecrnn.kernels.Kernels k, int n, float[] in, int inWidth, StepState[] states, float[] out, int outWidth,
                         Object scratch, float[] rowIn, float[] rowOut) {
        for (int i = 0; i < n; i++) id(in[i * inWidth], "stream", i);
        for (int i = 0; i < n; i++) System.arraycopy(weight.data(), (int) in[i * inWidth] * dim, out, i * outWidth, dim);
    }

    int id(float v, int row) {
        return id(v, "row", row);
    }

    /** v as a token id, or a refusal naming {@code where} and {@code index} (none for a negative index). */
    private int id(float v, String where, int index) {
        int id = (int) v;
        if (id != v || id < 0 || id >= vocab) {
            throw new IllegalArgumentException("embedding: expected a token id in [0, " + vocab + "), got " + v
                    + (index < 0 ? "" : " at " + where + " " + index));
        }
        return id;
    }

    @Override
    public Out forward(Batch x, boolean training, Random rng) {
        Require.notNull("x", x);
        if (x.features() != 1) throw new IllegalArgumentException("embedding: expected 1 feature (the token id) per step, got " + x.features());
        int rows = x.rows();
        int[] ids = new int[rows];
        float[] y = new float[rows * dim];
        for (int r = 0; r < rows; r++) {
            if (r % x.steps() >= x.lengths()[r / x.steps()]) continue;  // padding: never read, its output zero
            ids[r] = id(x.data()[r], r);
            System.arraycopy(weight.data(), ids[r] * dim, y, r * dim, dim);
        }
        return new Out(x.withData(y, dim), new EmbCache(ids, x));
    }

    @Override
    public Batch backward(Cache cache, Batch dOut) {
        EmbCache c = LayerChecks.cache(this, EmbCache.class, cache);
        Require.gradient(dOut, c.in.batch(), c.in.steps(), dim, c.in.sequence());
        float[] g = weight.grad();
        float[] d = dOut.data();
        for (int r = 0; r < c.ids.length; r++) {
            if (r % c.in.steps() >= c.in.lengths()[r / c.in.steps()]) continue;  // padding
            int o = c.ids[r] * dim;
            for (int j = 0; j < dim; j++) g[o + j] += d[r * dim + j];
        }
        return null;
    }

    /** Token ids have no gradient. */
    @Internal
    @Override
    public boolean inputIsDifferentiable() {
        return false;
    }

    @Override
    public List<Param> params() {
        return List.of(weight);
    }

    @Override
    public void stateDict(String prefix, Map<String, Tensor> out) {
        Require.stateDictArgs(prefix, "out", out);
        out.put(prefix + "weight", Tensor.of(weight.data().clone(), vocab, dim));
    }

    @Override
    public void loadStateDict(String prefix, Map<String, Tensor> in) {
        Require.stateDictArgs(prefix, "in", in);
        System.arraycopy(StateDicts.take(in, prefix, LayerChecks.shapes(this)).get("weight").data(), 0, weight.data(), 0, vocab * dim);
        weight.changed();
    }

    @Override
    public Map<String, Object> spec() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("kind", "embedding");
        s.put("vocab", vocab);
        s.put("dim", dim);
        return s;
    }

    @Override
    @Internal
    public Layer quantized(Precision precision) {
        return LayerChecks.withWeightsOf(new Embedding(vocab, dim, new Random(0)), this);
    }
}
