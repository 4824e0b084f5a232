package dev.vecrnn.nn.layers;

import dev.vecrnn.kernels.Precision;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.Internal;
import dev.vecrnn.nn.Require;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Many-to-one head: each sequence's output at its last valid step, [B, T, F] -> [B, F]. */
public final class LastStep implements Layer {

    private record LastCache(Batch in) implements Cache {
    }

    @Override
    public String describe() {
        return "LastStep";
    }

    @Override
    public int outputFeatures(int inputFeatures) {
        return LayerChecks.inputFeatures(this, 0, inputFeatures);
    }

    @Override
    public boolean outputIsSequence(boolean seq) {
        return false;
    }

    /**
     * A stream's step: the current step passes through, so the output is what the model would say if the
     * sequence ended here.
     */
    @Override
    @Internal
    public StepState newStepState(int index) {
        return (k, x, y) -> System.arraycopy(x, 0, y, 0, y.length);
    }

    @Override
    public Out forward(Batch x, boolean training, Random rng) {
        Require.notNull("x", x);
        if (!x.sequence()) throw new IllegalArgumentException("last step: expected a sequence input, got " + x);
        int f = x.features();
        float[] y = new float[x.batch() * f];
        for (int b = 0; b < x.batch(); b++) {
            System.arraycopy(x.data(), (b * x.steps() + x.lengths()[b] - 1) * f, y, b * f, f);
        }
        return new Out(Batch.vectors(y, x.batch(), f), new LastCache(x));
    }

    @Override
    public Batch backward(Cache cache, Batch dOut) {
        Batch x = LayerChecks.cache(this, LastCache.class, cache).in;
        int f = x.features();
        Require.gradient(dOut, x.batch(), 1, f, false);
        float[] d = new float[x.data().length];
        for (int b = 0; b < x.batch(); b++) {
            System.arraycopy(dOut.data(), b * f, d, (b * x.steps() + x.lengths()[b] - 1) * f, f);
        }
        return x.withData(d, f);
    }

    @Override
    public Map<String, Object> spec() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("kind", "last_step");
        return s;
    }

    /** Itself: no weights. */
    @Override
    @Internal
    public Layer quantized(Precision precision) {
        return this;
    }
}
