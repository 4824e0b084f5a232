package dev.vecrnn.nn.layers;

import dev.vecrnn.kernels.Precision;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.Internal;
import dev.vecrnn.nn.Param;
import dev.vecrnn.nn.Require;
import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.io.internal.StateDicts;

import dev.vecrnn.kernels.Kernels;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Attention pooling for sequence classification: a learned vector v scores each valid step,
 * {@code s_t = v . x_t}; the weights {@code a = softmax(s)} over the valid steps give
 * {@code y = sum_t a_t x_t}. [B, T, F] -> [B, F]. Padded steps get no weight.
 */
public final class AttentionPooling implements Layer {
    final int features;
    final Param v;

    public AttentionPooling(int features, Random rnd) {
        if (features < 1) throw new IllegalArgumentException("attention: features expected >= 1, got " + features);
        Require.notNull("rnd", rnd);
        this.features = features;
        this.v = new Param("v", new float[features]);
        Init.uniform(v.data(), 0, features, 1 / Math.sqrt(features), rnd);
    }

    private record AttCache(Batch in, float[] alpha) implements Cache {
    }

    @Override
    public String describe() {
        return "AttentionPooling";
    }

    @Override
    public int outputFeatures(int inputFeatures) {
        return LayerChecks.inputFeatures(this, features, inputFeatures);
    }

    @Override
    public boolean readsSteps() {
        return true;
    }

    @Override
    public boolean outputIsSequence(boolean seq) {
        return false;
    }

    /** Refused: the weights of a step depend on every step of the sequence, those to come included. */
    @Override
    @Internal
    public StepState newStepState(int index) {
        throw new IllegalArgumentException("streaming: layer " + index + " (" + describe() + ") needs the whole sequence");
    }

    @Override
    public Out forward(Batch x, boolean training, Random rng) {
        Require.notNull("x", x);
        if (!x.sequence()) throw new IllegalArgumentException("attention: expected a sequence input, got " + x);
        if (x.features() != features) throw new IllegalArgumentException("attention: expected " + features + " features, got " + x.features());
        Kernels k = Kernels.get();
        int t = x.steps(), f = features;
        float[] alpha = new float[x.batch() * t];
        float[] y = new float[x.batch() * f];
        for (int b = 0; b < x.batch(); b++) {
            int len = x.lengths()[b];
            for (int s = 0; s < len; s++) alpha[b * t + s] = k.dot(f, v.data(), 0, x.data(), (b * t + s) * f);
            k.softmax(len, alpha, b * t, alpha, b * t);
            for (int s = 0; s < len; s++) k.axpy(f, alpha[b * t + s], x.data(), (b * t + s) * f, y, b * f);
        }
        return new Out(Batch.vectors(y, x.batch(), f), new AttCache(x, alpha));
    }

    @Override
    public Batch backward(Cache cache, Batch dOut) {
        AttCache c = LayerChecks.cache(this, AttCache.class, cache);
        Batch x = c.in;
        Require.gradient(dOut, x.batch(), 1, features, false);
        Kernels k = Kernels.get();
        int t = x.steps(), f = features;
        float[] dx = new float[x.data().length];
        float[] dAlpha = new float[t];
        for (int b = 0; b < x.batch(); b++) {
            int len = x.lengths()[b];
            for (int s = 0; s < len; s++) {
                dAlpha[s] = k.dot(f, dOut.data(), b * f, x.data(), (b * t + s) * f);
                k.axpy(f, c.alpha[b * t + s], dOut.data(), b * f, dx, (b * t + s) * f);
            }
            k.softmaxBackward(len, c.alpha, b * t, dAlpha, 0, dAlpha, 0);
            for (int s = 0; s < len; s++) {
                k.axpy(f, dAlpha[s], v.data(), 0, dx, (b * t + s) * f);
                k.axpy(f, dAlpha[s], x.data(), (b * t + s) * f, v.grad(), 0);
            }
        }
        return x.withData(dx, f);
    }

    @Override
    public List<Param> params() {
        return List.of(v);
    }

    @Override
    public void stateDict(String prefix, Map<String, Tensor> out) {
        Require.stateDictArgs(prefix, "out", out);
        out.put(prefix + "v", Tensor.of(v.data().clone(), features));
    }

    @Override
    public void loadStateDict(String prefix, Map<String, Tensor> in) {
        Require.stateDictArgs(prefix, "in", in);
        System.arraycopy(StateDicts.take(in, prefix, LayerChecks.shapes(this)).get("v").data(), 0, v.data(), 0, features);
        v.changed();
    }

    @Override
    public Map<String, Object> spec() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("kind", "attention");
        s.put("features", features);
        return s;
    }

    @Override
    @Internal
    public Layer quantized(Precision precision) {
        return LayerChecks.withWeightsOf(new AttentionPooling(features, new Random(0)), this);
    }
}
