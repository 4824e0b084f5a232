package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Require;

/** The bookkeeping of a schedule whose rate is a function of the epoch and the base rate. */
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
        setLastEpoch(lastEpoch + 1);
    }

    @Override
    public final void setLastEpoch(int epoch) {
        double lr = lrAt(epoch);
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
