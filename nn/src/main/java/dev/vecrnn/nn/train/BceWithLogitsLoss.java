package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Require;

/**
 * Binary cross-entropy on logits, {@code torch.nn.BCEWithLogitsLoss()}, in the stable form
 * {@code l_i = max(x_i, 0) - x_i y_i + log(1 + exp(-|x_i|))}, {@code loss = (1/N) sum l_i},
 * {@code d loss / d x_i = (sigmoid(x_i) - y_i) / N}. Finite for every finite logit (1e30 included).
 * Targets must lie in [0, 1] (soft labels allowed; PyTorch does not check them).
 * Computed in double. No {@code weight} or {@code pos_weight}: a loss of your own can weigh (see {@link Loss}).
 */
public final class BceWithLogitsLoss implements Loss {

    // input (logits) [N], target [N] in [0, 1] -> grad [N] (may be null)
    @Override
    public double forward(float[] input, float[] target, float[] grad) {
        int n = Require.lossArgs(input, target, grad);
        double inv = 1.0 / n;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double x = input[i];
            double y = target[i];
            if (!(y >= 0 && y <= 1)) {
                throw new IllegalArgumentException("target: expected values in [0, 1], got " + target[i] + " at index " + i);
            }
            double e = Math.exp(-Math.abs(x));
            sum += Math.max(x, 0) - x * y + Math.log1p(e);
            if (grad != null) {
                double sig = x >= 0 ? 1 / (1 + e) : e / (1 + e);
                grad[i] = (float) ((sig - y) * inv);
            }
        }
        return sum * inv;
    }

    @Override
    public String toString() {
        return "bce";
    }
}
