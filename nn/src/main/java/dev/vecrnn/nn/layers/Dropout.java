package dev.vecrnn.nn.layers;

import dev.vecrnn.kernels.Precision;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.Internal;
import dev.vecrnn.nn.Require;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Inverted dropout: in training each value is zeroed with probability p and the rest scaled by 1/(1-p); p in [0, 1], as
 * {@code torch.nn.Dropout} takes it (at 1 every value is zeroed, as {@code torch.nn.functional.dropout(x, 1.0)} zeroes it).
 */
public final class Dropout implements Layer {
    final float p;

    public Dropout(float p) {
        if (!(p >= 0f && p <= 1f)) throw new IllegalArgumentException("dropout: expected p in [0, 1], got " + p);
        this.p = p;
    }

    private record Mask(float[] m, Batch in) implements Cache {
    }

    @Override
    public String describe() {
        return "Dropout(" + p + ")";
    }

    @Override
    public int outputFeatures(int inputFeatures) {
        return LayerChecks.inputFeatures(this, 0, inputFeatures);
    }

    @Override
    public boolean outputIsSequence(boolean seq) {
        return seq;
    }

    /** A stream's step: the identity, as in inference. */
    @Override
    @Internal
    public StepState newStepState(int index) {
        return (k, x, y) -> System.arraycopy(x, 0, y, 0, y.length);
    }

    @Override
    public Out forward(Batch x, boolean training, Random rng) {
        Require.notNull("x", x);
        if (!training || p == 0f) return new Out(x, new Mask(null, x));
        if (rng == null) throw new IllegalArgumentException("rng: expected a Random to draw the dropout mask in training, got null");
        float keep = p < 1f ? 1f / (1f - p) : 0f; // nextFloat() < 1 always: at 1 every mask is 0, never 1/0
        float[] m = new float[x.data().length];
        float[] y = new float[m.length];
        for (int i = 0; i < m.length; i++) {
            m[i] = rng.nextFloat() < p ? 0f : keep;
            y[i] = x.data()[i] * m[i];
        }
        return new Out(x.withData(y, x.features()), new Mask(m, x));
    }

    @Override
    public Batch backward(Cache cache, Batch dOut) {
        Mask c = LayerChecks.cache(this, Mask.class, cache);
        Require.gradient(dOut, c.in.batch(), c.in.steps(), c.in.features(), c.in.sequence());
        float[] m = c.m;
        if (m == null) return dOut;
        float[] d = new float[m.length];
        for (int i = 0; i < m.length; i++) d[i] = dOut.data()[i] * m[i];
        return dOut.withData(d, dOut.features());
    }

    @Override
    public Map<String, Object> spec() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("kind", "dropout");
        s.put("p", (double) p);
        return s;
    }

    /** Itself: dropout has no weights, and does nothing in inference. */
    @Override
    @Internal
    public Layer quantized(Precision precision) {
        return this;
    }
}
