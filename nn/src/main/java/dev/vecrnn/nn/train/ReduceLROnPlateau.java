package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Require;

/**
 * {@code torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode='min', factor=0.1, patience=10,
 * threshold=1e-4, threshold_mode='rel', cooldown=0, min_lr=0, eps=1e-8)}: cuts the learning rate when a
 * metric has stopped improving. Per {@link #step(double)}:
 * <pre>
 *   if better(metric, best): best = metric; bad = 0  else bad += 1
 *   if cooldown_counter > 0: cooldown_counter -= 1; bad = 0
 *   if bad > patience:
 *     new = max(lr * factor, min_lr); if lr - new > eps: lr = new
 *     cooldown_counter = cooldown; bad = 0
 * </pre>
 * with better(a, best) being, for min/rel, {@code a < best * (1 - threshold)}; max/rel
 * {@code a > best * (1 + threshold)}; min/abs {@code a < best - threshold}; max/abs
 * {@code a > best + threshold}. best starts at +Inf (min) or -Inf (max); a NaN metric is never better.
 */
public final class ReduceLROnPlateau implements Schedule {
    public enum Mode { MIN, MAX }

    public enum ThresholdMode { REL, ABS }

    final Optimizer optimizer;
    private final Mode mode;
    private final double factor;
    private final int patience;
    private final double threshold;
    private final ThresholdMode thresholdMode;
    private final int cooldown;
    private final double minLr;
    private final double eps;

    private double best;
    private int numBadEpochs;
    private int cooldownCounter;
    private int lastEpoch;

    /** PyTorch's defaults: min mode, factor 0.1, patience 10, relative threshold 1e-4, no cooldown, min_lr 0. */
    public ReduceLROnPlateau(Optimizer optimizer) {
        this(optimizer, Mode.MIN, 0.1, 10);
    }

    public ReduceLROnPlateau(Optimizer optimizer, Mode mode, double factor, int patience) {
        this(optimizer, mode, factor, patience, 1e-4, ThresholdMode.REL, 0, 0, 1e-8);
    }

    /** Every option, in PyTorch's order. factor in [0, 1). */
    public ReduceLROnPlateau(Optimizer optimizer, Mode mode, double factor, int patience, double threshold,
                             ThresholdMode thresholdMode, int cooldown, double minLr, double eps) {
        Require.notNull("optimizer", optimizer);
        Require.notNull("mode", mode);
        Require.unit("factor", factor);
        Require.nonNegative("patience", patience);
        Require.nonNegative("threshold", threshold);
        Require.notNull("thresholdMode", thresholdMode);
        Require.nonNegative("cooldown", cooldown);
        Require.nonNegative("minLr", minLr);
        Require.nonNegative("eps", eps);
        this.optimizer = optimizer;
        this.mode = mode;
        this.factor = factor;
        this.patience = patience;
        this.threshold = threshold;
        this.thresholdMode = thresholdMode;
        this.cooldown = cooldown;
        this.minLr = minLr;
        this.eps = eps;
        this.best = mode == Mode.MIN ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
    }

    /** {@link #step(double)} with the loss the Trainer monitors. */
    @Override
    public void epochEnded(double monitoredLoss) {
        step(monitoredLoss);
    }

    /**
     * Records one epoch's metric (for example the validation loss) and cuts the optimizer's learning rate now (one
     * set with setLearningRate included, as PyTorch's) if due.
     */
    public void step(double metric) {
        lastEpoch++;
        if (isBetter(metric)) {
            best = metric;
            numBadEpochs = 0;
        } else {
            numBadEpochs++;
        }
        if (cooldownCounter > 0) {
            cooldownCounter--;
            numBadEpochs = 0;
        }
        if (numBadEpochs > patience) {
            double old = optimizer.learningRate();
            double cut = Math.max(old * factor, minLr);
            if (old - cut > eps) optimizer.setLearningRate(cut);
            cooldownCounter = cooldown;
            numBadEpochs = 0;
        }
    }

    private boolean isBetter(double a) {
        if (mode == Mode.MIN) {
            return thresholdMode == ThresholdMode.REL ? a < best * (1 - threshold) : a < best - threshold;
        }
        return thresholdMode == ThresholdMode.REL ? a > best * (1 + threshold) : a > best + threshold;
    }

    /** The learning rate now set on the optimizer. */
    public double lastLr() {
        return optimizer.learningRate();
    }

    public int lastEpoch() {
        return lastEpoch;
    }

    /** The best metric seen so far. */
    public double best() {
        return best;
    }

    /** Epochs since the last improvement (reset by a cut and during cooldown). */
    public int numBadEpochs() {
        return numBadEpochs;
    }

    /** Epochs of cooldown left. */
    public int cooldownCounter() {
        return cooldownCounter;
    }

    /** Restores the counters saved from {@link #best()}, {@link #numBadEpochs()}, {@link #cooldownCounter()}, {@link #lastEpoch()}. */
    public void restore(double best, int numBadEpochs, int cooldownCounter, int lastEpoch) {
        Require.nonNegative("numBadEpochs", numBadEpochs);
        Require.nonNegative("cooldownCounter", cooldownCounter);
        Require.nonNegative("lastEpoch", lastEpoch);
        this.best = best;
        this.numBadEpochs = numBadEpochs;
        this.cooldownCounter = cooldownCounter;
        this.lastEpoch = lastEpoch;
    }

    @Override
    public String toString() {
        return "ReduceLROnPlateau(mode=" + mode + ", factor=" + factor + ", patience=" + patience + ", threshold="
                + threshold + " " + thresholdMode + ", cooldown=" + cooldown + ", minLr=" + minLr + ")";
    }
}
