package dev.vecrnn.nn.train;

import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.nn.Require;

import java.util.Arrays;

/**
 * Cross-entropy from logits and class indices, {@code torch.nn.CrossEntropyLoss()} with reduction
 * {@code 'mean'} and {@code ignore_index} (default -100): with {@code p = log_softmax(x_i)} per row,
 * <pre>
 *   loss = sum_i w_i (-p[t_i]) / sum_i w_i
 *   d loss / d x_i = w_i (softmax(x_i) - onehot(t_i)) / sum_i w_i
 * </pre>
 * where {@code w_i} is 0 for rows whose target is the ignore index or whose mask entry is false, and
 * otherwise the class weight of its target, {@code weight[t_i]} (1 without class weights), times the
 * row weight when row weights are given. Masked-out rows (and zero-weight rows) contribute nothing and
 * are not read: their targets may hold anything, as padding does. The log-softmax is the kernels'
 * max-shifted one, so logits of 1e30 give finite losses and gradients.
 *
 * <p>Class weights are PyTorch's {@code weight}: {@code new CrossEntropyLoss(C, -100, w)} is
 * {@code nn.CrossEntropyLoss(weight=w)}, the mean divided by the sum of the counted rows' weights, not by
 * their number. {@link #balancedWeights} computes scikit-learn's and Keras's {@code 'balanced'} weights.
 * Not offered: {@code label_smoothing} (here always 0, PyTorch's default), class-probability targets and
 * reductions other than {@code 'mean'}.
 *
 * <p>When no row counts (every row ignored or masked), the loss is 0 and the gradient zero; PyTorch
 * returns NaN there, which would poison a training loop over an all-padding chunk.
 *
 * <p>Allocation: none when a gradient array is given (it serves as the per-row scratch); without one, a
 * single {@code float[C]} scratch per call. Instances are immutable and safe to share between threads.
 */
public final class CrossEntropyLoss implements Loss {
    /** PyTorch's default {@code ignore_index}. */
    public static final int DEFAULT_IGNORE_INDEX = -100;

    /** {@link Loss#crossEntropy()}: as many classes as the logits have per row, read from their length. */
    static final Loss FROM_LOGITS = new Loss() {
        @Override
        public double forward(float[] input, float[] target, float[] grad) {
            throw new IllegalArgumentException(this + ": expected class labels, got float targets");
        }

        @Override
        public double forward(float[] logits, int[] labels, float[] grad) {
            return fromLogits(logits, labels).forward(logits, labels, grad);
        }

        @Override
        public String toString() {
            return "cross_entropy";
        }
    };

    /** {@link #FROM_LOGITS}'s loss for these logits and labels: as many classes as a row of the logits has. */
    static CrossEntropyLoss fromLogits(float[] logits, int[] labels) {
        Require.notNull("logits", logits);
        Require.notNull("targets", labels);
        Require.nonEmpty("targets", labels.length);
        if (logits.length == 0 || logits.length % labels.length != 0) {
            throw new IllegalArgumentException("logits: expected [N, C] with N = " + labels.length + " (a row a target) and C >= 1, got "
                    + Plural.count(logits.length, "value"));
        }
        return new CrossEntropyLoss(logits.length / labels.length);
    }

    private final int classes;
    private final int ignoreIndex;
    private final float[] weight; // null: every class weighs 1
    private final Kernels kernels = Kernels.get();

    /** A loss over {@code classes} classes with PyTorch's default ignore index, -100. */
    public CrossEntropyLoss(int classes) {
        this(classes, DEFAULT_IGNORE_INDEX);
    }

    /** A loss over {@code classes} classes; rows whose target equals {@code ignoreIndex} count for nothing. */
    public CrossEntropyLoss(int classes, int ignoreIndex) {
        this(classes, ignoreIndex, null);
    }

    /**
     * A loss over {@code classes} classes with a weight per class, {@code nn.CrossEntropyLoss(weight=weight,
     * ignore_index=ignoreIndex)}: the mean is {@code sum_i weight[t_i] l_i / sum_i weight[t_i]} over the rows
     * not ignored. {@code weight}: null for none (every class 1), else {@code classes} finite values {@code >= 0},
     * not all zero; copied.
     */
    public CrossEntropyLoss(int classes, int ignoreIndex, float[] weight) {
        Require.positive("classes", classes);
        this.weight = weight == null ? null : checkWeights("weight", weight, classes).clone();
        this.classes = classes;
        this.ignoreIndex = ignoreIndex;
    }

    public int classes() {
        return classes;
    }

    public int ignoreIndex() {
        return ignoreIndex;
    }

    /** The class weights (a copy), or null when every class weighs 1. */
    public float[] weight() {
        return weight == null ? null : weight.clone();
    }

    /**
     * scikit-learn's {@code compute_class_weight('balanced')} (Keras's usual {@code class_weight}) over the
     * rows of {@code data} that count (each sequence, or each valid step with per-step labels; not those labelled
     * {@link #DEFAULT_IGNORE_INDEX}): class
     * {@code c} weighs {@code n / (k * count_c)}, with {@code n} the rows and {@code k} the classes that occur
     * among them. A class below {@code classes} that does not occur gets 0 (no row of it is there to weigh;
     * scikit-learn refuses such a class). Pass the training rows only, as Keras and scikit-learn compute it on
     * the data fitted ({@link Trainer#trainingData}).
     *
     * @throws IllegalArgumentException when the data hold no class labels (regression targets) or a label is
     *                                  outside {@code [0, classes)} and not the default ignore index
     */
    public static float[] balancedWeights(Dataset data, int classes) {
        Require.notNull("data", data);
        Require.positive("classes", classes);
        if (!(data instanceof Dataset.Classification labelled)) throw new IllegalArgumentException("data: expected class labels, got float targets");
        long[] count = new long[classes];
        int per = data.perStep() ? data.steps() : 1;
        int[] y = labelled.labels();
        long n = 0;
        for (int i = 0; i < y.length; i++) {
            if (per > 1 && i % per >= data.lengthOf(i / per)) continue; // padding
            if (y[i] == DEFAULT_IGNORE_INDEX) continue;
            if (y[i] < 0 || y[i] >= classes) {
                throw new IllegalArgumentException("data: expected class labels in [0, " + classes + "), got " + y[i] + " at row " + i);
            }
            count[y[i]]++;
            n++;
        }
        int present = 0;
        for (long c : count) if (c > 0) present++;
        float[] w = new float[classes];
        for (int c = 0; c < classes; c++) w[c] = count[c] == 0 ? 0f : (float) ((double) n / ((double) present * count[c]));
        return w;
    }

    /**
     * {@code w} after checking it holds {@code expected} finite values {@code >= 0} (any number, at least
     * one, when expected is 0), not all zero; {@code name} names it in the error.
     */
    static float[] checkWeights(String name, float[] w, int expected) {
        Require.notNull(name, w);
        if (expected > 0 && w.length != expected) {
            throw new IllegalArgumentException(name + ": expected one weight per class, " + expected + ", got " + w.length);
        }
        Require.nonEmpty(name, w.length);
        boolean any = false;
        for (int i = 0; i < w.length; i++) {
            if (!(w[i] >= 0 && w[i] < Float.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException(name + ": expected finite weights >= 0, got " + w[i] + " at index " + i);
            }
            any |= w[i] > 0;
        }
        if (!any) throw new IllegalArgumentException(name + ": expected a weight above 0, got all zeros");
        return w;
    }

    /** Weights as the settings and messages show them, comma-separated: "0.5,2.0". */
    static String format(float[] w) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < w.length; i++) sb.append(i == 0 ? "" : ",").append(w[i]);
        return sb.toString();
    }

    /**
     * The total weight of the rows that count, the denominator of the mean: their number without class
     * weights, the sum of their class weights with them.
     */
    double countedWeight(int[] targets) {
        double total = 0;
        for (int i = 0; i < targets.length; i++) total += rowWeight(i, targets, null, null);
        return total;
    }

    /** Refused: cross-entropy takes class ids, not float targets. */
    @Override
    public double forward(float[] input, float[] target, float[] grad) {
        throw new IllegalArgumentException(this + ": expected class labels, got float targets");
    }

    /** Mean over every row not ignored. logits [N, C], targets [N] -> grad [N, C] (may be null) */
    @Override
    public double forward(float[] logits, int[] targets, float[] grad) {
        return run(logits, targets, null, null, grad, null);
    }

    /** {@link #forward(float[], int[], float[])}, its value and the weight it divided by (0: no row counted) written into {@code into}. */
    void score(float[] logits, int[] targets, float[] grad, ValidRows.Scored into) {
        into.value = run(logits, targets, null, null, grad, into);
    }

    /** Mean over the rows whose mask is true (and not ignored). logits [N, C], targets [N], mask [N] -> grad [N, C] (may be null) */
    public double forward(float[] logits, int[] targets, boolean[] mask, float[] grad) {
        Require.notNull("mask", mask);
        return run(logits, targets, mask, null, grad, null);
    }

    /**
     * Weighted mean with a finite weight >= 0 per row ({@code sum w_i l_i / sum w_i}, PyTorch's formula for
     * class weights applied to rows, here times the class weight when there are class weights); 0/1 weights
     * equal a mask.
     * logits [N, C], targets [N], rowWeights [N] -> grad [N, C] (may be null)
     */
    public double forward(float[] logits, int[] targets, float[] rowWeights, float[] grad) {
        Require.notNull("rowWeights", rowWeights);
        return run(logits, targets, null, rowWeights, grad, null);
    }

    /** The mean loss; the sum of weights it divides by goes to {@code counted} unless that is null. */
    private double run(float[] logits, int[] targets, boolean[] mask, float[] weights, float[] grad, ValidRows.Scored counted) {
        Require.notNull("targets", targets);
        int n = targets.length;
        Require.nonEmpty("targets", n);
        int c = classes;
        Require.length("logits", logits, (long) n * c);
        if (mask != null) Require.length("mask", mask, n);
        if (weights != null) Require.length("rowWeights", weights, n);
        if (grad != null) Require.length("grad", grad, (long) n * c);

        double total = 0;
        for (int i = 0; i < n; i++) total += rowWeight(i, targets, mask, weights);
        if (counted != null) counted.weight = total;
        if (total == 0) {
            if (grad != null) Arrays.fill(grad, 0f);
            return 0;
        }
        float[] scratch = grad != null ? grad : new float[c];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            int off = i * c;
            double w = rowWeight(i, targets, mask, weights);
            if (w == 0) {
                if (grad != null) Arrays.fill(grad, off, off + c, 0f);
                continue;
            }
            int so = grad != null ? off : 0;
            kernels.logSoftmax(c, logits, off, scratch, so);
            sum -= w * scratch[so + targets[i]];
            if (grad != null) {
                kernels.softmax(c, logits, off, grad, off);
                grad[off + targets[i]] -= 1f;
                kernels.scale(c, (float) (w / total), grad, off);
            }
        }
        return sum / total;
    }

    /** The row's weight, after checking its target (only rows that count are checked). */
    private double rowWeight(int i, int[] targets, boolean[] mask, float[] weights) {
        if (mask != null && !mask[i]) return 0;
        double w = 1;
        if (weights != null) {
            w = weights[i];
            if (!(w >= 0 && w < Double.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException("rowWeights: expected finite values >= 0, got " + weights[i] + " at row " + i);
            }
            if (w == 0) return 0;
        }
        int t = targets[i];
        if (t == ignoreIndex) return 0;
        if (t < 0 || t >= classes) {
            throw new IllegalArgumentException("targets: expected a class index in [0, " + classes + ") or the ignore index "
                    + ignoreIndex + ", got " + t + " at row " + i);
        }
        return weight == null ? w : w * weight[t];
    }

    @Override
    public String toString() {
        return "CrossEntropyLoss(classes=" + classes + ", ignoreIndex=" + ignoreIndex + (weight == null ? "" : ", weight=" + format(weight)) + ")";
    }
}
