package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Require;

/**
 * A weighted running mean in double, {@code sum w_i v_i / sum w_i}, as Keras's {@code Mean} metric: for
 * example the mean loss over an epoch with each batch weighted by its row count, and
 * {@code exp(mean())} of a token-weighted cross-entropy is the epoch's perplexity. NaN while empty.
 */
public final class RunningMean {
    private double sum;
    private double weight;

    public RunningMean add(double value) {
        return add(value, 1);
    }

    /** weight: finite and >= 0. */
    public RunningMean add(double value, double weight) {
        Require.nonNegative("weight", weight);
        if (weight == 0) return this;
        sum += value * weight;
        this.weight += weight;
        return this;
    }

    public double mean() {
        return weight == 0 ? Double.NaN : sum / weight;
    }

    public double weight() {
        return weight;
    }

    public void reset() {
        sum = weight = 0;
    }
}
