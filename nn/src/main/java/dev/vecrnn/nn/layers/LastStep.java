package dev.vecrnn.nn.layers;

import dev.vecrnn.kernels.Precision;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.Internal;
import dev.vecrnn.nn.Require;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Many-to-one head: each sequence's output at its last valid step, [B, T, F] -> [B, F]. After a
 * bidirectional layer, {@link #finalStates(int)} reads the backward direction's features at step 0, where
 * that direction ends, instead: its final state, as PyTorch's {@code h_n} and Keras's
 * {@code Bidirectional(LSTM(h))} give it (at the last step it has seen one step only).
 */
public final class LastStep implements Layer {

    /** The trailing features read at step 0 (a backward direction's), 0 for none. */
    private final int reversedFeatures;

    /** Every feature at the last valid step ({@code out[:, -1]}). */
    public LastStep() {
        this(0);
    }

    private LastStep(int reversedFeatures) {
        if (reversedFeatures < 0) throw new IllegalArgumentException("reversedFeatures: expected >= 0, got " + reversedFeatures);
        this.reversedFeatures = reversedFeatures;
    }

    /**
     * Each direction's final output after a bidirectional layer of {@code hidden} features a direction: the
     * first {@code hidden} features at the last valid step, the last {@code hidden} (the backward direction's) at step 0.
     */
    public static LastStep finalStates(int hidden) {
        if (hidden < 1) throw new IllegalArgumentException("hidden: expected >= 1, got " + hidden);
        return new LastStep(hidden);
    }

    /** The trailing features read at step 0: the backward direction's size for {@link #finalStates}, else 0. */
    public int reversedFeatures() {
        return reversedFeatures;
    }

    private record LastCache(Batch in) implements Cache {
    }

    @Override
    public String describe() {
        return reversedFeatures == 0 ? "LastStep" : "LastStep(backward at step 0: " + reversedFeatures + ")";
    }

    @Override
    public int outputFeatures(int inputFeatures) {
        LayerChecks.inputFeatures(this, 0, inputFeatures);
        requireSplit(inputFeatures);
        return inputFeatures;
    }

    @Override
    public boolean readsSteps() {
        return true;
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
        // a backward direction cannot stream (a bidirectional layer refuses to), so this layer never sees one
        return (k, x, y) -> System.arraycopy(x, 0, y, 0, y.length);
    }

    @Override
    public Out forward(Batch x, boolean training, Random rng) {
        Require.notNull("x", x);
        if (!x.sequence()) throw new IllegalArgumentException("last step: expected a sequence input, got " + x);
        int f = x.features();
        requireSplit(f);
        int fwd = f - reversedFeatures;
        float[] y = new float[x.batch() * f];
        for (int b = 0; b < x.batch(); b++) {
            System.arraycopy(x.data(), (b * x.steps() + x.lengths()[b] - 1) * f, y, b * f, fwd);
            System.arraycopy(x.data(), b * x.steps() * f + fwd, y, b * f + fwd, reversedFeatures);
        }
        return new Out(Batch.vectors(y, x.batch(), f), new LastCache(x));
    }

    @Override
    public Batch backward(Cache cache, Batch dOut) {
        Batch x = LayerChecks.cache(this, LastCache.class, cache).in;
        int f = x.features();
        Require.gradient(dOut, x.batch(), 1, f, false);
        int fwd = f - reversedFeatures;
        float[] d = new float[x.data().length];
        for (int b = 0; b < x.batch(); b++) {
            System.arraycopy(dOut.data(), b * f, d, (b * x.steps() + x.lengths()[b] - 1) * f, fwd);
            System.arraycopy(dOut.data(), b * f + fwd, d, b * x.steps() * f + fwd, reversedFeatures);
        }
        return x.withData(d, f);
    }

    private void requireSplit(int f) {
        if (reversedFeatures > 0 && 2 * reversedFeatures != f) {
            throw new IllegalArgumentException("last step: expected " + 2 * reversedFeatures + " features (two directions of " + reversedFeatures
                    + "), got " + f);
        }
    }

    @Override
    public Map<String, Object> spec() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("kind", "last_step");
        if (reversedFeatures > 0) s.put("reversed_features", reversedFeatures);
        return s;
    }

    /** Itself: no weights. */
    @Override
    @Internal
    public Layer quantized(Precision precision) {
        return this;
    }
}
