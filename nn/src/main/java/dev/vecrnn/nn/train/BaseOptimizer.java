package dev.vecrnn.nn.train;

import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.nn.Param;
import dev.vecrnn.nn.Require;
import dev.vecrnn.nn.io.internal.Untrusted;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * What every optimizer shares: the params, the learning rate, the step count and named state buffers
 * (one float[] per param per buffer name, allocated once), with their checkpointing.
 */
abstract class BaseOptimizer implements Optimizer {
    final Kernels kernels = Kernels.get();
    final List<Param> params;
    /** buffers[b][p]: buffer b (of {@link #bufferNames}) of param p. */
    final float[][][] buffers;
    private final String[] bufferNames;
    private double lr;
    long steps;

    BaseOptimizer(List<Param> params, double lr, String... bufferNames) {
        this.params = Require.params(params);
        Require.nonNegative("lr", lr);
        this.lr = lr;
        this.bufferNames = bufferNames.clone();
        this.buffers = new float[bufferNames.length][this.params.size()][];
        for (float[][] b : buffers) {
            for (int p = 0; p < b.length; p++) b[p] = new float[this.params.get(p).size()];
        }
    }

    @Override
    public final void step() {
        steps++;
        float lrf = (float) lr;
        for (int p = 0; p < params.size(); p++) {
            update(p, params.get(p), lrf);
            params.get(p).changed();
        }
    }

    /** Updates param {@code index} in place; {@link #steps} already counts this step. */
    abstract void update(int index, Param param, float lr);

    @Override
    public final void zeroGrad() {
        for (Param p : params) p.zeroGrad();
    }

    @Override
    public final double learningRate() {
        return lr;
    }

    @Override
    public final void setLearningRate(double lr) {
        Require.nonNegative("lr", lr);
        this.lr = lr;
    }

    @Override
    public final List<Param> params() {
        return params;
    }

    @Override
    public final long stepCount() {
        return steps;
    }

    @Override
    public final Map<String, float[]> state() {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (int p = 0; p < params.size(); p++) {
            for (int b = 0; b < bufferNames.length; b++) out.put(key(p, b), buffers[b][p].clone());
        }
        return out;
    }

    @Override
    public final void loadState(Map<String, float[]> state, long stepCount) {
        Require.notNull("state", state);
        if (stepCount < 0) throw new IllegalArgumentException("stepCount: expected >= 0, got " + stepCount);
        TreeSet<String> unexpected = new TreeSet<>(state.keySet());
        for (int p = 0; p < params.size(); p++) {
            for (int b = 0; b < bufferNames.length; b++) {
                String k = key(p, b);
                float[] v = state.get(k);
                if (v == null) throw new IllegalArgumentException("state: expected key " + Untrusted.quote(k) + ", got no such key");
                Require.length("state['" + k + "']", v, buffers[b][p].length);
                unexpected.remove(k);
            }
        }
        if (!unexpected.isEmpty()) {
            throw new IllegalArgumentException("state: expected only the keys of " + getClass().getSimpleName()
                    + ".state(), got also " + Untrusted.list(unexpected));
        }
        for (int p = 0; p < params.size(); p++) {
            for (int b = 0; b < bufferNames.length; b++) {
                float[] v = state.get(key(p, b));
                System.arraycopy(v, 0, buffers[b][p], 0, v.length);
            }
        }
        this.steps = stepCount;
    }

    private String key(int p, int b) {
        return params.get(p).name() + "." + bufferNames[b];
    }
}
