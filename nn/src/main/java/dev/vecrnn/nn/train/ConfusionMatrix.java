package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Require;

/**
 * A streaming confusion matrix over {@code classes} classes: add batches of predictions (class ids or
 * logits) and targets, then read accuracy and F1. Counts are longs; ratios are computed in double and
 * are NaN while nothing has been added.
 *
 * <p>F1 of a class is {@code 2 tp / (2 tp + fp + fn)} (equal to {@code 2 P R / (P + R)}), and 0 when the
 * class never occurs in predictions or targets (scikit-learn's zero_division=0). Macro F1 is the plain
 * mean of the per-class F1 over the classes that occur in the predictions or the targets, which is
 * scikit-learn's {@code f1_score(average='macro')} with its default labels.
 */
public final class ConfusionMatrix {
    private final int classes;
    /** counts[target * classes + predicted] */
    private final long[] counts;
    private long total;

    public ConfusionMatrix(int classes) {
        Require.positive("classes", classes);
        this.classes = classes;
        this.counts = new long[Math.multiplyExact(classes, classes)];
    }

    public int classes() {
        return classes;
    }

    public ConfusionMatrix add(int predicted, int target) {
        checkClass("predicted", predicted, -1);
        checkClass("target", target, -1);
        counts[target * classes + predicted]++;
        total++;
        return this;
    }

    // predicted [N], targets [N]
    public ConfusionMatrix add(int[] predicted, int[] targets) {
        Require.notNull("predicted", predicted);
        Require.length("targets", targets, predicted.length);
        for (int i = 0; i < predicted.length; i++) {
            checkClass("predicted", predicted[i], i);
            checkClass("targets", targets[i], i);
        }
        for (int i = 0; i < predicted.length; i++) counts[targets[i] * classes + predicted[i]]++;
        total += predicted.length;
        return this;
    }

    /** Adds the argmax of each row (the first maximum; NaN never wins). logits [N, C], targets [N], mask [N] (null: all rows) */
    public ConfusionMatrix addLogits(float[] logits, int[] targets, boolean[] mask) {
        Require.notNull("targets", targets);
        int n = targets.length;
        Require.length("logits", logits, (long) n * classes);
        if (mask != null) Require.length("mask", mask, n);
        for (int i = 0; i < n; i++) {
            if (mask == null || mask[i]) checkClass("targets", targets[i], i);
        }
        for (int i = 0; i < n; i++) {
            if (mask != null && !mask[i]) continue;
            counts[targets[i] * classes + Metrics.argmax(logits, i * classes, classes)]++;
            total++;
        }
        return this;
    }

    /** How many rows with this target were predicted as {@code predicted}. */
    public long count(int target, int predicted) {
        checkClass("target", target, -1);
        checkClass("predicted", predicted, -1);
        return counts[target * classes + predicted];
    }

    public long total() {
        return total;
    }

    /** Correct predictions over all predictions. */
    public double accuracy() {
        long correct = 0;
        for (int c = 0; c < classes; c++) correct += counts[c * classes + c];
        return total == 0 ? Double.NaN : (double) correct / total;
    }

    /** F1 of one class against the rest (binary F1 with positiveClass 1). */
    public double f1(int positiveClass) {
        checkClass("positiveClass", positiveClass, -1);
        if (total == 0) return Double.NaN;
        long tp = counts[positiveClass * classes + positiveClass];
        long fp = 0;
        long fn = 0;
        for (int o = 0; o < classes; o++) {
            if (o == positiveClass) continue;
            fp += counts[o * classes + positiveClass];
            fn += counts[positiveClass * classes + o];
        }
        long den = 2 * tp + fp + fn;
        return den == 0 ? 0 : 2.0 * tp / den;
    }

    /** The mean F1 over the classes present in the predictions or the targets. */
    public double f1Macro() {
        if (total == 0) return Double.NaN;
        double sum = 0;
        int present = 0;
        for (int c = 0; c < classes; c++) {
            long row = 0;
            long col = 0;
            for (int o = 0; o < classes; o++) {
                row += counts[c * classes + o];
                col += counts[o * classes + c];
            }
            if (row + col == 0) continue;
            sum += f1(c);
            present++;
        }
        return sum / present;
    }

    public void reset() {
        java.util.Arrays.fill(counts, 0);
        total = 0;
    }

    private void checkClass(String name, int c, int row) {
        if (c < 0 || c >= classes) {
            throw new IllegalArgumentException(name + ": expected a class in [0, " + classes + "), got " + c
                    + (row >= 0 ? " at row " + row : ""));
        }
    }
}
