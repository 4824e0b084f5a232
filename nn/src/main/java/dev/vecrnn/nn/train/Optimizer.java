package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Param;

import java.util.List;
import java.util.Map;

/**
 * An optimizer over a fixed list of {@link Param}s with {@code torch.optim} semantics. A training step is
 * {@code zeroGrad(); forward; backward (grads accumulate); step();}. State buffers are allocated once,
 * at construction, and {@link #step()} allocates nothing.
 *
 * <p>Checkpointing: {@link #state()} copies the buffers under the keys {@code <param name>.<buffer>}
 * (PyTorch's buffer names: {@code momentum_buffer}, {@code exp_avg}, {@code exp_avg_sq},
 * {@code square_avg}), and {@link #stepCount()} gives the number of steps taken;
 * {@link #loadState(Map, long)} restores both. Param names must therefore be distinct.
 */
public interface Optimizer {

    /**
     * Applies one update to every param from its accumulated gradient, and counts it on each param
     * ({@link dev.vecrnn.nn.Param#changed()}), which is what keeps layers' derived weights current: an
     * optimizer of your own must call it too.
     */
    void step();

    /** Sets every param's gradient to zero. */
    void zeroGrad();

    double learningRate();

    /** Sets the learning rate used by the next {@link #step()} (schedulers call this); finite and >= 0. */
    void setLearningRate(double lr);

    /** The params, in the order given at construction. */
    List<Param> params();

    /** How many times {@link #step()} has run (Adam's bias correction uses it). */
    long stepCount();

    /** A copy of every state buffer, keyed {@code <param name>.<buffer name>}, in param order. */
    Map<String, float[]> state();

    /**
     * Restores the buffers (copied into place) and the step count. The map must hold exactly the keys
     * that {@link #state()} returns, each with its param's length.
     */
    void loadState(Map<String, float[]> state, long stepCount);
}
