package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Param;

import java.util.List;

/**
 * AdamW, {@code torch.optim.AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2)}:
 * Adam with decoupled weight decay. Per element, at step t (from 1):
 * <pre>
 *   p = p * (1 - lr * weight_decay)              (decay first, not through the gradient)
 *   m = beta1 * m + (1 - beta1) * grad
 *   v = beta2 * v + (1 - beta2) * grad^2
 *   p = p - lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
 * </pre>
 * State as {@link Adam}.
 */
public final class AdamW extends Adam {
    public static final double DEFAULT_WEIGHT_DECAY = 1e-2;

    /** PyTorch's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 1e-2. */
    public AdamW(List<Param> params) {
        this(params, DEFAULT_LR);
    }

    public AdamW(List<Param> params, double lr) {
        this(params, lr, DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_EPS, DEFAULT_WEIGHT_DECAY);
    }

    /** Every option, in PyTorch's order (betas as two numbers). */
    public AdamW(List<Param> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        super(params, lr, beta1, beta2, eps, weightDecay, true);
    }
}
