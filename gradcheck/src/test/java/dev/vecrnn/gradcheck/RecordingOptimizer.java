package dev.vecrnn.gradcheck;

import dev.vecrnn.nn.Param;
import dev.vecrnn.nn.train.Optimizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An optimizer that learns nothing: each {@link #step()} records a copy of every param's gradient and
 * leaves the weights alone. Handed to {@code Trainer}, it exposes the gradients the training loop
 * computes (loss, masking, TBPTT windows) at fixed weights.
 */
final class RecordingOptimizer implements Optimizer {
    private final List<Param> params;
    final List<float[][]> steps = new ArrayList<>();

    RecordingOptimizer(List<Param> params) {
        this.params = params;
    }

    @Override
    public void step() {
        float[][] g = new float[params.size()][];
        for (int i = 0; i < g.length; i++) g[i] = params.get(i).grad().clone();
        steps.add(g);
    }

    @Override
    public void zeroGrad() {
        for (Param p : params) p.zeroGrad();
    }

    @Override
    public double learningRate() {
        return 0;
    }

    @Override
    public void setLearningRate(double lr) {
    }

    @Override
    public List<Param> params() {
        return params;
    }

    @Override
    public long stepCount() {
        return steps.size();
    }

    @Override
    public Map<String, float[]> state() {
        return Map.of();
    }

    @Override
    public void loadState(Map<String, float[]> state, long stepCount) {
    }

    /** The inputs for a check: every param's live values with the gradient recorded at step {@code k}. */
    List<GradCheck.Input> inputs(int k) {
        List<GradCheck.Input> in = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) in.add(GradCheck.Input.of(params.get(i).name(), params.get(i).data(), steps.get(k)[i]));
        return in;
    }
}
