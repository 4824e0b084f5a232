package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Require;

/**
 * Streaming per-label counts of a multi-label model over {@code labels} labels: add batches of logits
 * {@code [N, K]} and targets {@code [N, K]} in [0, 1] (multi-hot rows), then read each label's true positives,
 * false positives and false negatives, and the figures {@link Metrics#multiLabel} reports, all from one pass.
 * A label is predicted where its logit is above 0 (its sigmoid above 0.5) and is a target where its target is
 * above 0.5. Ratios are computed in double and are NaN while nothing has been added.
 *
 * <p>A label's F1 is {@code 2 tp / (2 tp + fp + fn)}, 0 where that is 0/0 (scikit-learn's default
 * {@code zero_division}); {@link #f1Macro} is their plain mean over all K labels, {@link #f1Micro} pools the
 * counts of every label.
 */
public final class LabelCounts {
    private final int labels;
    private final long[] tp, fp, fn;
    /** Rows added, and those with every label right. */
    private long rows, exactRows;

    public LabelCounts(int labels) {
        Require.positive("labels", labels);
        this.labels = labels;
        this.tp = new long[labels];
        this.fp = new long[labels];
        this.fn = new long[labels];
    }

    /** Adds the rows of {@code logits} against {@code targets}, both {@code [N, labels]} row-major. */
    public LabelCounts add(float[] logits, float[] targets) {
        Require.notNull("targets", targets);
        if (targets.length % labels != 0) {
            throw new IllegalArgumentException("targets: expected [N, " + labels + "], got " + targets.length + " values");
        }
        Require.length("logits", logits, targets.length);
        int n = targets.length / labels;
        for (int i = 0; i < n; i++) {
            boolean all = true;
            for (int k = 0; k < labels; k++) {
                int at = i * labels + k;
                boolean p = logits[at] > 0, t = targets[at] > 0.5f;
                if (p && t) tp[k]++;
                else if (p) fp[k]++;
                else if (t) fn[k]++;
                all &= p == t;
            }
            if (all) exactRows++;
        }
        rows += n;
        return this;
    }

    public int labels() {
        return labels;
    }

    /** Rows added (valid rows, or valid steps of a per-step model). */
    public long rows() {
        return rows;
    }

    /** Rows with every label predicted right. */
    public long exactRows() {
        return exactRows;
    }

    /** Rows where label {@code k} is both predicted and a target. */
    public long truePositives(int k) {
        return tp[check(k)];
    }

    /** Rows where label {@code k} is predicted but not a target. */
    public long falsePositives(int k) {
        return fp[check(k)];
    }

    /** Rows where label {@code k} is a target but not predicted. */
    public long falseNegatives(int k) {
        return fn[check(k)];
    }

    /** Rows where label {@code k} is a target: its support, {@code tp + fn}. */
    public long support(int k) {
        return tp[check(k)] + fn[k];
    }

    /** Rows where label {@code k} is predicted, {@code tp + fp}. */
    public long predicted(int k) {
        return tp[check(k)] + fp[k];
    }

    /** {@code tp / (tp + fp)} of label {@code k}; NaN where it is never predicted. */
    public double precision(int k) {
        long p = predicted(k);
        return p == 0 ? Double.NaN : (double) tp[k] / p;
    }

    /** {@code tp / (tp + fn)} of label {@code k}; NaN where it is never a target. */
    public double recall(int k) {
        long s = support(k);
        return s == 0 ? Double.NaN : (double) tp[k] / s;
    }

    /** F1 of label {@code k}, {@code 2 tp / (2 tp + fp + fn)}; 0 where it is never a target nor predicted, NaN before any row. */
    public double f1(int k) {
        check(k);
        return rows == 0 ? Double.NaN : f1(tp[k], fp[k] + fn[k]);
    }

    /** The fraction of the rows times K labels predicted right (Keras's {@code binary_accuracy}). */
    public double binaryAccuracy() {
        long errors = 0;
        for (int k = 0; k < labels; k++) errors += fp[k] + fn[k];
        double all = (double) rows * labels;
        return rows == 0 ? Double.NaN : (all - errors) / all;
    }

    /** The fraction of rows with every label right (scikit-learn's {@code accuracy_score} on multi-hot arrays). */
    public double subsetAccuracy() {
        return rows == 0 ? Double.NaN : (double) exactRows / rows;
    }

    /** {@code 2 tp / (2 tp + fp + fn)} over the counts of all labels together, 0 where that is 0/0. */
    public double f1Micro() {
        if (rows == 0) return Double.NaN;
        long tps = 0, errors = 0;
        for (int k = 0; k < labels; k++) {
            tps += tp[k];
            errors += fp[k] + fn[k];
        }
        return f1(tps, errors);
    }

    /** The mean of {@link #f1(int)} over all K labels, a label never a target nor predicted counting 0. */
    public double f1Macro() {
        if (rows == 0) return Double.NaN;
        double sum = 0;
        for (int k = 0; k < labels; k++) sum += f1(tp[k], fp[k] + fn[k]);
        return sum / labels;
    }

    /** An independent copy: adding to either leaves the other as it was. */
    public LabelCounts copy() {
        LabelCounts c = new LabelCounts(labels);
        System.arraycopy(tp, 0, c.tp, 0, labels);
        System.arraycopy(fp, 0, c.fp, 0, labels);
        System.arraycopy(fn, 0, c.fn, 0, labels);
        c.rows = rows;
        c.exactRows = exactRows;
        return c;
    }

    /** The label count, the rows counted and their micro F1 (the per-label counts are the accessors'). */
    @Override
    public String toString() {
        return "LabelCounts[labels=" + labels + ", rows=" + rows
                + (rows == 0 ? "" : String.format(java.util.Locale.ROOT, ", f1_micro=%.4f", f1Micro())) + "]";
    }

    /** {@code 2 tp / (2 tp + errors)}, 0 where that is 0/0. */
    private static double f1(long tp, long errors) {
        return tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + errors);
    }

    private int check(int k) {
        if (k < 0 || k >= labels) throw new IllegalArgumentException("k: expected a label in [0, " + labels + "), got " + k);
        return k;
    }
}
