package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Require;

/**
 * Mean squared error, {@code torch.nn.MSELoss()}: {@code loss = (1/N) sum (x_i - y_i)^2},
 * {@code d loss / d x_i = 2 (x_i - y_i) / N}. Sums run in double.
 */
public final class MseLoss implements Loss {

    // input [N], target [N] -> grad [N] (may be null)
    @Override
    public double forward(float[] input, float[] target, float[] grad) {
        int n = Require.lossArgs(input, target, grad);
        double inv = 1.0 / n;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double d = (double) input[i] - target[i];
            sum += d * d;
            if (grad != null) grad[i] = (float) (2 * d * inv);
        }
        return sum * inv;
    }

    @Override
    public String toString() {
        return "mse";
    }
}
