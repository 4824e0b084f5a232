package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Require;

/**
 * Streaming regression errors over batches of predictions and targets, summed in double: RMSE
 * {@code sqrt(mean (p - y)^2)}, MAE {@code mean |p - y|} and MAPE in percent,
 * {@code 100 * mean(|p - y| / max(|y|, 1e-7))} (Keras's formula: a zero target is not skipped but divided
 * by 1e-7, so near-zero targets dominate; prefer MAE there). Each is NaN while nothing has been added.
 */
public final class RegressionStats {
    /** Keras's epsilon, the floor of MAPE's denominator. */
    public static final double MAPE_EPSILON = 1e-7;

    private double sumSquared;
    private double sumAbsolute;
    private double sumPercent;
    private long count;

    // predicted [N], targets [N]
    public RegressionStats add(float[] predicted, float[] targets) {
        Require.notNull("predicted", predicted);
        Require.length("targets", targets, predicted.length);
        for (int i = 0; i < predicted.length; i++) {
            double y = targets[i];
            double d = (double) predicted[i] - y;
            sumSquared += d * d;
            sumAbsolute += Math.abs(d);
            sumPercent += Math.abs(d) / Math.max(Math.abs(y), MAPE_EPSILON);
        }
        count += predicted.length;
        return this;
    }

    public long count() {
        return count;
    }

    public double rmse() {
        return count == 0 ? Double.NaN : Math.sqrt(sumSquared / count);
    }

    public double mae() {
        return count == 0 ? Double.NaN : sumAbsolute / count;
    }

    /** Mean absolute percentage error, in percent (see the class comment for zero targets). */
    public double mape() {
        return count == 0 ? Double.NaN : 100 * sumPercent / count;
    }

    public void reset() {
        sumSquared = sumAbsolute = sumPercent = 0;
        count = 0;
    }
}
