package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Require;

/**
 * The bookkeeping of a schedule whose rate has a closed form in the epoch and the base rate ({@link #lrAt}, used by
 * {@link #setLastEpoch}) and a chainable form ({@link #chained}, used by {@link #step()}), as PyTorch's.
 */
abstract class ClosedFormLrScheduler implements LrScheduler {
    final Optimizer optimizer;
    final double baseLr;
    private int lastEpoch;
    private double lastLr;

    ClosedFormLrScheduler(Optimizer optimizer) {
        Require.notNull("optimizer", optimizer);
        this.optimizer = optimizer;
        this.baseLr = optimizer.learningRate();
        this.lastLr = baseLr;
    }

    @Override
    public final void step() {
        set(lastEpoch + 1, chained(optimizer.learningRate(), lastEpoch + 1));
    }

    /**
     * The rate at {@code epoch} (>= 1) from {@code current}, the optimizer's rate now: PyTorch's {@code get_lr}.
     * When nothing but this schedule set the rate, current is {@code lrAt(epoch - 1)} and the result {@code lrAt(epoch)}.
     */
    abstract double chained(double current, int epoch);

    @Override
    public final void setLastEpoch(int epoch) {
        set(epoch, lrAt(epoch));
    }

    private void set(int epoch, double lr) {
        optimizer.setLearningRate(lr);
        lastEpoch = epoch;
        lastLr = lr;
    }

    @Override
    public final int lastEpoch() {
        return lastEpoch;
    }

    @Override
    public final double lastLr() {
        return lastLr;
    }

    /** The optimizer's learning rate when this schedule was made. */
    public final double baseLr() {
        return baseLr;
    }

    static void checkEpoch(int epoch) {
        Require.nonNegative("epoch", epoch);
    }
}
