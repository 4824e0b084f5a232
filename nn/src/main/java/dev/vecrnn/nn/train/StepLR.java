package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Require;

/**
 * {@code torch.optim.lr_scheduler.StepLR(optimizer, step_size, gamma=0.1)}: {@link #step()} multiplies the
 * optimizer's rate by gamma at every multiple of step_size (PyTorch's chainable form, so a rate set from outside is
 * decayed on from); the closed form, {@link #lrAt} and {@link #setLastEpoch}, is
 * {@code lr(epoch) = base_lr * gamma^floor(epoch / step_size)}.
 */
public final class StepLR extends ClosedFormLrScheduler {
    public static final double DEFAULT_GAMMA = 0.1;

    private final int stepSize;
    private final double gamma;

    public StepLR(Optimizer optimizer, int stepSize) {
        this(optimizer, stepSize, DEFAULT_GAMMA);
    }

    public StepLR(Optimizer optimizer, int stepSize, double gamma) {
        super(optimizer);
        Require.positive("stepSize", stepSize);
        Require.nonNegative("gamma", gamma);
        this.stepSize = stepSize;
        this.gamma = gamma;
    }

    @Override
    public double lrAt(int epoch) {
        checkEpoch(epoch);
        return baseLr * Math.pow(gamma, epoch / stepSize);
    }

    @Override
    double chained(double current, int epoch) {
        return epoch % stepSize == 0 ? current * gamma : current;
    }

    @Override
    public String toString() {
        return "StepLR(stepSize=" + stepSize + ", gamma=" + gamma + ", baseLr=" + baseLr + ")";
    }
}
