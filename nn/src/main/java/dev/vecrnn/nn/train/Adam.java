package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Param;
import dev.vecrnn.nn.Require;

import java.util.List;

/**
 * Adam, {@code torch.optim.Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0)}
 * (no amsgrad). Per element, at step t (from 1):
 * <pre>
 *   g = grad + weight_decay * p                  (L2 penalty in the gradient)
 *   m = beta1 * m + (1 - beta1) * g
 *   v = beta2 * v + (1 - beta2) * g^2
 *   p = p - lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
 * </pre>
 * {@link AdamW} decays the weights instead. The update is the kernels' fused {@code adam}. State:
 * {@code exp_avg} (m), {@code exp_avg_sq} (v) and the step count t. As in PyTorch, {@code 1 - beta} and the bias
 * corrections are taken in double from the betas as given, then rounded to float: so m and v are PyTorch's to
 * float32 rounding (rounding beta2 = 0.999 first would put v 1.3e-5 off).
 */
public sealed class Adam extends BaseOptimizer permits AdamW {
    public static final double DEFAULT_LR = 1e-3;
    public static final double DEFAULT_BETA1 = 0.9;
    public static final double DEFAULT_BETA2 = 0.999;
    public static final double DEFAULT_EPS = 1e-8;

    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final boolean decoupled;

    /** PyTorch's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, no weight decay. */
    public Adam(List<Param> params) {
        this(params, DEFAULT_LR);
    }

    public Adam(List<Param> params, double lr) {
        this(params, lr, DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_EPS, 0);
    }

    /** Every option, in PyTorch's order (betas as two numbers). */
    public Adam(List<Param> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        this(params, lr, beta1, beta2, eps, weightDecay, false);
    }

    Adam(List<Param> params, double lr, double beta1, double beta2, double eps, double weightDecay, boolean decoupled) {
        super(params, lr, checkedBuffers(beta1, beta2, eps, weightDecay));
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
    }

    private static String[] checkedBuffers(double beta1, double beta2, double eps, double weightDecay) {
        Require.unit("beta1", beta1);
        Require.unit("beta2", beta2);
        Require.nonNegative("eps", eps);
        Require.nonNegative("weightDecay", weightDecay);
        return new String[] {"exp_avg", "exp_avg_sq"};
    }

    @Override
    final void update(int index, Param param, float lr) {
        kernels.adam(param.size(), param.data(), 0, param.grad(), 0, buffers[0][index], 0, buffers[1][index], 0,
                lr, beta1, beta2, (float) eps, (float) weightDecay, decoupled, steps);
    }

    public final double beta1() {
        return beta1;
    }

    public final double beta2() {
        return beta2;
    }

    public final double eps() {
        return eps;
    }

    public final double weightDecay() {
        return weightDecay;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(lr=" + learningRate() + ", betas=(" + beta1 + ", " + beta2 + "), eps=" + eps
                + ", weightDecay=" + weightDecay + ")";
    }
}
