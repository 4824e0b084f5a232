package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Require;

/**
 * Mean absolute error, {@code torch.nn.L1Loss()}: {@code loss = (1/N) sum |x_i - y_i|},
 * {@code d loss / d x_i = sign(x_i - y_i) / N}, which is 0 where {@code x_i == y_i} (PyTorch's
 * subgradient choice). Sums run in double.
 */
public final class MaeLoss implements Loss {

    // input [N], target [N] -> grad [N] (may be null)
    @Override
    public double forward(float[] input, float[] target, float[] grad) {
        int n = Require.lossArgs(input, target, grad);
        double inv = 1.0 / n;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double d = (double) input[i] - target[i];
            sum += Math.abs(d);
            if (grad != null) grad[i] = (float) (Math.signum(d) * inv);
        }
        return sum * inv;
    }

    @Override
    public String toString() {
        return "mae";
    }
}
