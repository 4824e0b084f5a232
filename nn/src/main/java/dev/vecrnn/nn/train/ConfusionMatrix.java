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
    /**
     * The nonzero cells, by {@code target * classes + predicted}: at most one a row added, where a dense
     * classes x classes array took 9.5 GB for a label of 34,561 in a fit's targets (and overflowed an int past
     * 46,340 classes). Primitive keys and counts: a map of boxed longs allocated a {@code Long} for every row
     * counted past the 127th of a cell.
     */
    private final Cells cells = new Cells();
    /** Per class: rows with this target, rows predicted as it, and rows both (the diagonal). */
    private final long[] targetRows, predictedRows, correct;
    private long total;

    public ConfusionMatrix(int classes) {
        Require.positive("classes", classes);
        this.classes = classes;
        this.targetRows = new long[classes];
        this.predictedRows = new long[classes];
        this.correct = new long[classes];
    }

    private void tally(int target, int predicted) {
        cells.increment((long) target * classes + predicted);
        targetRows[target]++;
        predictedRows[predicted]++;
        if (target == predicted) correct[target]++;
        total++;
    }

    public int classes() {
        return classes;
    }

    public ConfusionMatrix add(int predicted, int target) {
        checkClass("predicted", predicted, -1);
        checkClass("target", target, -1);
        tally(target, predicted);
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
        for (int i = 0; i < predicted.length; i++) tally(targets[i], predicted[i]);
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
            tally(targets[i], Metrics.argmax(logits, (int) ((long) i * classes), classes));
        }
        return this;
    }

    /** How many rows with this target were predicted as {@code predicted}. */
    public long count(int target, int predicted) {
        checkClass("target", target, -1);
        checkClass("predicted", predicted, -1);
        return cells.get((long) target * classes + predicted);
    }

    /** Rows whose target is class {@code c}: its support. */
    public long targetCount(int c) {
        checkClass("c", c, -1);
        return targetRows[c];
    }

    /** Rows predicted as class {@code c}. */
    public long predictedCount(int c) {
        checkClass("c", c, -1);
        return predictedRows[c];
    }

    /** An independent copy: adding to either leaves the other as it was. */
    public ConfusionMatrix copy() {
        ConfusionMatrix m = new ConfusionMatrix(classes);
        m.cells.copyFrom(cells);
        System.arraycopy(targetRows, 0, m.targetRows, 0, classes);
        System.arraycopy(predictedRows, 0, m.predictedRows, 0, classes);
        System.arraycopy(correct, 0, m.correct, 0, classes);
        m.total = total;
        return m;
    }

    public long total() {
        return total;
    }

    /** The class count, the rows counted and their accuracy (the cells are {@link #count}'s). */
    @Override
    public String toString() {
        return "ConfusionMatrix[classes=" + classes + ", rows=" + total
                + (total == 0 ? "" : String.format(java.util.Locale.ROOT, ", accuracy=%.4f", accuracy())) + "]";
    }

    /** Correct predictions over all predictions. */
    public double accuracy() {
        long correct = 0;
        for (long c : this.correct) correct += c;
        return total == 0 ? Double.NaN : (double) correct / total;
    }

    /** F1 of one class against the rest (binary F1 with positiveClass 1). */
    public double f1(int positiveClass) {
        checkClass("positiveClass", positiveClass, -1);
        if (total == 0) return Double.NaN;
        long tp = correct[positiveClass];
        long fp = predictedRows[positiveClass] - tp;
        long fn = targetRows[positiveClass] - tp;
        long den = 2 * tp + fp + fn;
        return den == 0 ? 0 : 2.0 * tp / den;
    }

    /** The mean F1 over the classes present in the predictions or the targets. */
    public double f1Macro() {
        if (total == 0) return Double.NaN;
        double sum = 0;
        int present = 0;
        for (int c = 0; c < classes; c++) {
            if (targetRows[c] + predictedRows[c] == 0) continue;
            sum += f1(c);
            present++;
        }
        return sum / present;
    }

    public void reset() {
        cells.clear();
        java.util.Arrays.fill(targetRows, 0);
        java.util.Arrays.fill(predictedRows, 0);
        java.util.Arrays.fill(correct, 0);
        total = 0;
    }

    private void checkClass(String name, int c, int row) {
        if (c < 0 || c >= classes) {
            throw new IllegalArgumentException(name + ": expected a class in [0, " + classes + "), got " + c
                    + (row >= 0 ? " at row " + row : ""));
        }
    }

    /** Counts by non-negative long keys, open addressing with linear probing; -1 marks an empty slot. */
    private static final class Cells {
        private long[] keys = empty(16);
        private long[] counts = new long[16];
        private int size;

        private static long[] empty(int capacity) {
            long[] k = new long[capacity];
            java.util.Arrays.fill(k, -1);
            return k;
        }

        /** The slot of {@code key}, or the empty slot where it would go. */
        private static int slot(long[] keys, long key) {
            int mask = keys.length - 1;
            long h = key * 0x9E3779B97F4A7C15L;
            int i = (int) (h ^ (h >>> 32)) & mask;
            while (keys[i] != -1 && keys[i] != key) i = (i + 1) & mask;
            return i;
        }

        void increment(long key) {
            int i = slot(keys, key);
            if (keys[i] == -1) {
                if (2 * (size + 1) > keys.length) {
                    grow();
                    i = slot(keys, key);
                }
                keys[i] = key;
                size++;
            }
            counts[i]++;
        }

        long get(long key) {
            int i = slot(keys, key);
            return keys[i] == -1 ? 0 : counts[i];
        }

        private void grow() {
            long[] oldKeys = keys, oldCounts = counts;
            keys = empty(oldKeys.length * 2);
            counts = new long[oldKeys.length * 2];
            for (int j = 0; j < oldKeys.length; j++) {
                if (oldKeys[j] == -1) continue;
                int i = slot(keys, oldKeys[j]);
                keys[i] = oldKeys[j];
                counts[i] = oldCounts[j];
            }
        }

        void copyFrom(Cells o) {
            keys = o.keys.clone();
            counts = o.counts.clone();
            size = o.size;
        }

        void clear() {
            java.util.Arrays.fill(keys, -1);
            java.util.Arrays.fill(counts, 0);
            size = 0;
        }
    }
}
