package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Require;

/**
 * Evaluation metrics over whole arrays, computed in double; each refuses empty input. For running
 * values over many batches use {@link ConfusionMatrix}, {@link LabelCounts}, {@link RegressionStats} and
 * {@link RunningMean}, which these methods are built on.
 */
public final class Metrics {
    private Metrics() {
    }

    /** Fraction of rows where the predicted class equals the target. predicted [N], targets [N] */
    public static double accuracy(int[] predicted, int[] targets) {
        Require.notNull("predicted", predicted);
        Require.nonEmpty("predicted", predicted.length);
        Require.length("targets", targets, predicted.length);
        long correct = 0;
        for (int i = 0; i < predicted.length; i++) if (predicted[i] == targets[i]) correct++;
        return (double) correct / predicted.length;
    }

    /** Accuracy of the argmax of each row. logits [N, C], targets [N] in [0, C) */
    public static double accuracy(float[] logits, int classes, int[] targets) {
        Require.notNull("targets", targets);
        Require.nonEmpty("targets", targets.length);
        return new ConfusionMatrix(classes).addLogits(logits, targets, null).accuracy();
    }

    /**
     * Binary F1 of class 1, {@code 2 tp / (2 tp + fp + fn)}; 0 when neither predictions nor targets hold
     * a 1. predicted [N], targets [N], both in {0, 1}
     */
    public static double f1(int[] predicted, int[] targets) {
        Require.notNull("predicted", predicted);
        Require.nonEmpty("predicted", predicted.length);
        return new ConfusionMatrix(2).add(predicted, targets).f1(1);
    }

    /**
     * Macro F1: the mean per-class F1 over the classes present in the predictions or the targets
     * (scikit-learn's {@code f1_score(average='macro')}). predicted [N], targets [N], both in [0, classes)
     */
    public static double f1Macro(int[] predicted, int[] targets, int classes) {
        Require.notNull("predicted", predicted);
        Require.nonEmpty("predicted", predicted.length);
        return new ConfusionMatrix(classes).add(predicted, targets).f1Macro();
    }

    /**
     * Mean cross-entropy in nats, {@code mean_i (logsumexp(x_i) - x_i[t_i])} over the rows whose mask is
     * true, in double (the training loss is float; this is the reference-quality metric).
     * logits [N, C], targets [N] in [0, C), mask [N] (null: all rows; at least one row must count)
     */
    public static double crossEntropy(float[] logits, int classes, int[] targets, boolean[] mask) {
        Require.positive("classes", classes);
        Require.notNull("targets", targets);
        int n = targets.length;
        Require.length("logits", logits, (long) n * classes);
        if (mask != null) Require.length("mask", mask, n);
        double sum = 0;
        long rows = 0;
        for (int i = 0; i < n; i++) {
            if (mask != null && !mask[i]) continue;
            int t = targets[i];
            if (t < 0 || t >= classes) {
                throw new IllegalArgumentException("targets: expected a class in [0, " + classes + "), got " + t + " at row " + i);
            }
            int off = i * classes;
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) max = Math.max(max, logits[off + c]);
            double s = 0;
            for (int c = 0; c < classes; c++) s += Math.exp(logits[off + c] - max);
            sum += max + Math.log(s) - logits[off + t];
            rows++;
        }
        if (rows == 0) throw new IllegalArgumentException("mask: expected at least 1 counted row, got none");
        return sum / rows;
    }

    /**
     * Perplexity, {@code exp(mean cross-entropy in nats)}. A cross-entropy is never negative: a negative value
     * (a mean log-likelihood passed for its negative) is refused, not turned into a perplexity below 1; NaN
     * (a diverged model's loss) gives NaN.
     */
    public static double perplexity(double meanCrossEntropyNats) {
        if (meanCrossEntropyNats < 0) {
            throw new IllegalArgumentException("meanCrossEntropyNats: expected a cross-entropy >= 0 (the negative mean log-likelihood), got "
                    + meanCrossEntropyNats);
        }
        return Math.exp(meanCrossEntropyNats);
    }

    /** {@code exp(crossEntropy(logits, classes, targets, mask))}. */
    public static double perplexity(float[] logits, int classes, int[] targets, boolean[] mask) {
        return perplexity(crossEntropy(logits, classes, targets, mask));
    }

    /**
     * Multi-label figures of logits {@code [N, K]} against targets {@code [N, K]} in [0, 1] (multi-hot rows): a label
     * is predicted where its logit is above 0 (its sigmoid probability above 0.5), and is a target where its
     * target is above 0.5 (Keras's {@code binary_accuracy} thresholds the prediction only and compares a soft target as
     * given, which then never counts right; scikit-learn refuses soft targets). In order: {@code binary_accuracy}
     * (the fraction of the N * K labels predicted right, Keras's {@code binary_accuracy}), {@code subset_accuracy}
     * (the fraction of rows with every label right, scikit-learn's {@code accuracy_score} on multi-hot arrays),
     * {@code f1_micro} ({@code 2 tp / (2 tp + fp + fn)} over all labels, 0 where that is 0/0) and {@code f1_macro}
     * (the mean of each label's F1 over all K labels, a label never a target nor predicted counting 0): scikit-learn's
     * {@code f1_score(average='micro')} and {@code 'macro'}, with its default {@code zero_division}.
     */
    public static java.util.Map<String, Double> multiLabel(float[] logits, float[] targets, int labels) {
        return multiLabel(countLabels(logits, targets, labels));
    }

    /** The counts {@link #multiLabel(float[], float[], int)} takes its figures from, refusing what it refuses. */
    static LabelCounts countLabels(float[] logits, float[] targets, int labels) {
        Require.positive("labels", labels);
        Require.notNull("targets", targets);
        Require.nonEmpty("targets", targets.length);
        return new LabelCounts(labels).add(logits, targets);
    }

    /**
     * {@link #multiLabel(float[], float[], int)}'s figures, in its order, from counts already taken (the per-label
     * counts they come from are {@code counts}'s own). At least one row must have been added.
     */
    public static java.util.Map<String, Double> multiLabel(LabelCounts counts) {
        Require.notNull("counts", counts);
        if (counts.rows() == 0) throw new IllegalArgumentException("counts: expected at least 1 row added, got none");
        java.util.Map<String, Double> m = new java.util.LinkedHashMap<>();
        m.put("binary_accuracy", counts.binaryAccuracy());
        m.put("subset_accuracy", counts.subsetAccuracy());
        m.put("f1_micro", counts.f1Micro());
        m.put("f1_macro", counts.f1Macro());
        return m;
    }

    /** {@code sqrt(mean (p - y)^2)}. predicted [N], targets [N] */
    public static double rmse(float[] predicted, float[] targets) {
        return regression(predicted, targets).rmse();
    }

    /** {@code mean |p - y|}. predicted [N], targets [N] */
    public static double mae(float[] predicted, float[] targets) {
        return regression(predicted, targets).mae();
    }

    /**
     * Mean absolute percentage error in percent, {@code 100 * mean(|p - y| / max(|y|, 1e-7))} as Keras:
     * zero targets are not skipped and make the value huge. predicted [N], targets [N]
     */
    public static double mape(float[] predicted, float[] targets) {
        return regression(predicted, targets).mape();
    }

    private static RegressionStats regression(float[] predicted, float[] targets) {
        Require.notNull("predicted", predicted);
        Require.nonEmpty("predicted", predicted.length);
        return new RegressionStats().add(predicted, targets);
    }

    /** The index of the first maximum of {@code x[off, off + n)}; NaN never wins (all NaN gives 0). */
    static int argmax(float[] x, int off, int n) {
        int best = 0;
        float max = x[off];
        for (int i = 1; i < n; i++) {
            float v = x[off + i];
            if (v > max || (max != max && v == v)) {
                max = v;
                best = i;
            }
        }
        return best;
    }
}
