package dev.vecrnn.nn.train;

import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.nn.Param;
import dev.vecrnn.nn.Require;

import java.util.List;

/**
 * Gradient clipping, as {@code torch.nn.utils.clip_grad_norm_} and {@code clip_grad_value_}. Allocates nothing.
 * The norm is the L2 norm only ({@code norm_type=2}, PyTorch's default; no {@code 'inf'} or other p-norms).
 */
public final class Clip {
    /** PyTorch's guard against division by zero in the clip coefficient. */
    public static final double EPS = 1e-6;

    private Clip() {
    }

    /**
     * Scales all gradients together so that their global L2 norm is at most {@code maxNorm}:
     * {@code norm = sqrt(sum over params of sum grad^2)}, {@code coef = maxNorm / (norm + 1e-6)}, and every
     * grad is multiplied by coef when {@code coef < 1}. Each param's sum of squares is the kernels' (float, redone in double
     * if it overflows); the sum over params and the square root are in double. Returns the norm before clipping.
     *
     * <p>A non-finite norm (an Inf or NaN gradient) is returned with the gradients left unchanged, so the
     * caller can skip the step; PyTorch (error_if_nonfinite=False) would instead multiply by a NaN or 0
     * coefficient.
     */
    public static double byGlobalNorm(List<Param> params, double maxNorm) {
        Require.notNull("params", params);
        Require.nonNegative("maxNorm", maxNorm);
        Kernels k = Kernels.get();
        double sum = 0;
        for (Param p : params) {
            float s = k.sumSquares(p.size(), p.grad(), 0);
            // float overflow starts at |g| ~ 1.8e19, where clipping matters most: redo that param in double
            sum += Float.isInfinite(s) ? sumSquaresDouble(p.grad()) : s;
        }
        double norm = Math.sqrt(sum);
        if (!Double.isFinite(norm)) return norm;
        double coef = maxNorm / (norm + EPS);
        if (coef < 1) {
            for (Param p : params) k.scale(p.size(), (float) coef, p.grad(), 0);
        }
        return norm;
    }

    private static double sumSquaresDouble(float[] g) {
        double s = 0;
        for (float v : g) s += (double) v * v;
        return s;
    }

    /** Clamps every gradient element into {@code [-clip, clip]} (NaN stays NaN, as torch.clamp). */
    public static void byValue(List<Param> params, double clip) {
        Require.notNull("params", params);
        Require.nonNegative("clip", clip);
        float c = (float) clip;
        for (Param p : params) {
            float[] g = p.grad();
            for (int i = 0; i < g.length; i++) g[i] = Math.max(Math.min(g[i], c), -c);
        }
    }
}
