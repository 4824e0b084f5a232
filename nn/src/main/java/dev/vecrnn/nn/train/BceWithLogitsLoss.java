package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Require;

/**
 * Binary cross-entropy on logits, {@code torch.nn.BCEWithLogitsLoss()} or, with a weight for the positive
 * term of each output column, {@code BCEWithLogitsLoss(pos_weight=p)}: in the stable form, with
 * {@code p_i} the positive weight of element i's column (1 without them) and
 * {@code s_i = log(1 + exp(-|x_i|)) + max(-x_i, 0) = -log sigmoid(x_i)},
 * <pre>
 *   l_i = (1 - y_i) x_i + (1 + (p_i - 1) y_i) s_i      (p_i = 1: max(x_i, 0) - x_i y_i + log(1 + exp(-|x_i|)))
 *   loss = (1/N) sum l_i
 *   d loss / d x_i = ((1 - y_i) - (1 + (p_i - 1) y_i) sigmoid(-x_i)) / N
 * </pre>
 * The mean divides by the element count N whatever the positive weights, as PyTorch does. Finite for
 * every finite logit (1e30 included). Targets must lie in [0, 1] (soft labels allowed; PyTorch does not
 * check them). Computed in double. {@code pos_weight = count_negative / count_positive} is PyTorch's idiom
 * for a rare positive class. No per-element {@code weight}: a loss of your own can weigh (see {@link Loss}).
 */
public final class BceWithLogitsLoss implements Loss {
    private final float[] posWeight; // null: 1 for every column

    /** {@code BCEWithLogitsLoss()}. */
    public BceWithLogitsLoss() {
        this.posWeight = null;
    }

    /**
     * {@code BCEWithLogitsLoss(pos_weight=posWeight)}: one weight per output column, K finite values
     * {@code >= 0} not all zero (copied); the input is then {@code [rows, K]} row-major.
     */
    public BceWithLogitsLoss(float[] posWeight) {
        this.posWeight = CrossEntropyLoss.checkWeights("posWeight", posWeight, 0).clone();
    }

    /** The positive weights (a copy), or null when there are none. */
    public float[] posWeight() {
        return posWeight == null ? null : posWeight.clone();
    }

    // input (logits) [N] ([rows, K] with K positive weights), target [N] in [0, 1] -> grad [N] (may be null)
    @Override
    public double forward(float[] input, float[] target, float[] grad) {
        int n = Require.lossArgs(input, target, grad);
        int k = posWeight == null ? 1 : posWeight.length;
        if (n % k != 0) {
            throw new IllegalArgumentException("input: expected [rows, " + k + "] (one column per positive weight), got " + n + " values");
        }
        double inv = 1.0 / n;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double x = input[i];
            double y = target[i];
            if (!(y >= 0 && y <= 1)) {
                throw new IllegalArgumentException("target: expected values in [0, 1], got " + target[i] + " at index " + i);
            }
            double e = Math.exp(-Math.abs(x));
            if (posWeight == null) {
                sum += Math.max(x, 0) - x * y + Math.log1p(e);
                if (grad != null) {
                    double sig = x >= 0 ? 1 / (1 + e) : e / (1 + e);
                    grad[i] = (float) ((sig - y) * inv);
                }
            } else {
                double lw = 1 + (posWeight[i % k] - 1.0) * y;
                sum += (1 - y) * x + lw * (Math.log1p(e) + Math.max(-x, 0));
                if (grad != null) {
                    double sigNeg = x >= 0 ? e / (1 + e) : 1 / (1 + e); // sigmoid(-x)
                    grad[i] = (float) (((1 - y) - lw * sigNeg) * inv);
                }
            }
        }
        return sum * inv;
    }

    @Override
    public String toString() {
        return posWeight == null ? "bce" : "bce(pos_weight=" + CrossEntropyLoss.format(posWeight) + ")";
    }
}
