package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Param;
import dev.vecrnn.nn.Require;

import java.util.Arrays;
import java.util.List;

/**
 * Stochastic gradient descent, {@code torch.optim.SGD(params, lr, momentum=0, dampening=0,
 * weight_decay=0, nesterov=False)}. Per element, at step t:
 * <pre>
 *   g = grad + weight_decay * p
 *   if momentum != 0:
 *     b = (t == 1) ? g : momentum * b + (1 - dampening) * g
 *     g = nesterov ? g + momentum * b : b
 *   p = p - lr * g
 * </pre>
 * The update is the kernels' fused {@code sgd}; the first step runs it over a zeroed buffer with
 * dampening 0, which yields PyTorch's {@code b = g} exactly; {@code 1 - dampening} is taken in double, as PyTorch does. State: {@code momentum_buffer} (only when
 * momentum != 0), valid once {@link #stepCount()} > 0.
 */
public final class Sgd extends BaseOptimizer {
    private final double momentum;
    private final double dampening;
    private final double weightDecay;
    private final boolean nesterov;

    /** Plain SGD (no momentum, no weight decay). SGD has no default learning rate. */
    public Sgd(List<Param> params, double lr) {
        this(params, lr, 0, 0, 0, false);
    }

    /** SGD with heavy-ball momentum (no dampening, no weight decay). */
    public Sgd(List<Param> params, double lr, double momentum) {
        this(params, lr, momentum, 0, 0, false);
    }

    /** Every option, in PyTorch's order; nesterov needs momentum > 0 and dampening 0. */
    public Sgd(List<Param> params, double lr, double momentum, double dampening, double weightDecay, boolean nesterov) {
        super(params, lr, checkedBuffers(momentum, dampening, weightDecay, nesterov));
        this.momentum = momentum;
        this.dampening = dampening;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
    }

    private static String[] checkedBuffers(double momentum, double dampening, double weightDecay, boolean nesterov) {
        Require.nonNegative("momentum", momentum);
        Require.finite("dampening", dampening);
        Require.nonNegative("weightDecay", weightDecay);
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException("nesterov: requires momentum > 0 and dampening 0, got momentum " + momentum
                    + ", dampening " + dampening);
        }
        return momentum != 0 ? new String[] {"momentum_buffer"} : new String[0];
    }

    @Override
    void update(int index, Param param, float lr) {
        float[] buf = null;
        double damp = dampening;
        if (momentum != 0) {
            buf = buffers[0][index];
            if (steps == 1) {
                Arrays.fill(buf, 0f);
                damp = 0;
            }
        }
        kernels.sgd(param.size(), param.data(), 0, param.grad(), 0, buf, 0, lr, (float) momentum, damp,
                (float) weightDecay, nesterov);
    }

    public double momentum() {
        return momentum;
    }

    public double dampening() {
        return dampening;
    }

    public double weightDecay() {
        return weightDecay;
    }

    public boolean nesterov() {
        return nesterov;
    }

    @Override
    public String toString() {
        return "Sgd(lr=" + learningRate() + ", momentum=" + momentum + ", dampening=" + dampening + ", weightDecay="
                + weightDecay + ", nesterov=" + nesterov + ")";
    }
}
