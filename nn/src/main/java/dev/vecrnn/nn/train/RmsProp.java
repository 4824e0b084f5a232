package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Param;
import dev.vecrnn.nn.Require;

import java.util.List;

/**
 * RMSprop, {@code torch.optim.RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0,
 * momentum=0)} (not centered). Per element:
 * <pre>
 *   g = grad + weight_decay * p
 *   v = alpha * v + (1 - alpha) * g^2
 *   if momentum > 0:  b = momentum * b + g / (sqrt(v) + eps);  p = p - lr * b
 *   else:             p = p - lr * g / (sqrt(v) + eps)
 * </pre>
 * The update is the kernels' fused {@code rmsprop}. State: {@code square_avg} (v) and, when momentum > 0,
 * {@code momentum_buffer} (b); both start at zero, as in PyTorch. As in PyTorch, {@code 1 - alpha} is taken in
 * double from alpha as given, then rounded to float (rounding alpha first would put v up to 1e-5 off).
 */
public final class RmsProp extends BaseOptimizer {
    public static final double DEFAULT_LR = 1e-2;
    public static final double DEFAULT_ALPHA = 0.99;
    public static final double DEFAULT_EPS = 1e-8;

    private final double alpha;
    private final double eps;
    private final double weightDecay;
    private final double momentum;

    /** PyTorch's defaults: lr 1e-2, alpha 0.99, eps 1e-8, no weight decay, no momentum. */
    public RmsProp(List<Param> params) {
        this(params, DEFAULT_LR);
    }

    public RmsProp(List<Param> params, double lr) {
        this(params, lr, DEFAULT_ALPHA, DEFAULT_EPS, 0, 0);
    }

    /** Every option, in PyTorch's order; alpha in [0, 1). */
    public RmsProp(List<Param> params, double lr, double alpha, double eps, double weightDecay, double momentum) {
        super(params, lr, checkedBuffers(alpha, eps, weightDecay, momentum));
        this.alpha = alpha;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.momentum = momentum;
    }

    private static String[] checkedBuffers(double alpha, double eps, double weightDecay, double momentum) {
        Require.unit("alpha", alpha);
        Require.nonNegative("eps", eps);
        Require.nonNegative("weightDecay", weightDecay);
        Require.nonNegative("momentum", momentum);
        return momentum != 0 ? new String[] {"square_avg", "momentum_buffer"} : new String[] {"square_avg"};
    }

    @Override
    void update(int index, Param param, float lr) {
        float[] buf = momentum != 0 ? buffers[1][index] : null;
        kernels.rmsprop(param.size(), param.data(), 0, param.grad(), 0, buffers[0][index], 0, buf, 0,
                lr, alpha, (float) eps, (float) weightDecay, (float) momentum);
    }

    public double alpha() {
        return alpha;
    }

    public double eps() {
        return eps;
    }

    public double weightDecay() {
        return weightDecay;
    }

    public double momentum() {
        return momentum;
    }

    @Override
    public String toString() {
        return "RmsProp(lr=" + learningRate() + ", alpha=" + alpha + ", eps=" + eps + ", weightDecay=" + weightDecay
                + ", momentum=" + momentum + ")";
    }
}
