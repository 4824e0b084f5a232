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
 * where {@code w_i} is 0 for rows whose target is the ignore index or whose mask entry is false, the
 * row weight when row weights are given, and 1 otherwise. Masked-out rows (and zero-weight rows)
 * contribute nothing and are not read: their targets may hold anything, as padding does. The log-softmax
 * is the kernels' max-shifted one, so logits of 1e30 give finite losses and gradients.
 *
 * <p>PyTorch's class {@code weight} is the row-weight form with {@code rowWeights[i] = weight[t_i]}.
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
            Require.notNull("logits", logits);
            Require.notNull("targets", labels);
            Require.nonEmpty("targets", labels.length);
            if (logits.length == 0 || logits.length % labels.length != 0) {
                throw new IllegalArgumentException("logits: expected [N, C] with N = " + labels.length + " rows and C >= 1, got "
                        + logits.length + " values");
            }
            return new CrossEntropyLoss(logits.length / labels.length).forward(logits, labels, grad);
        }

        @Override
        public String toString() {
            return "cross_entropy";
        }
    };

    private final int classes;
    private final int ignoreIndex;
    private final Kernels kernels = Kernels.get();

    /** A loss over {@code classes} classes with PyTorch's default ignore index, -100. */
    public CrossEntropyLoss(int classes) {
        this(classes, DEFAULT_IGNORE_INDEX);
    }

    /** A loss over {@code classes} classes; rows whose target equals {@code ignoreIndex} count for nothing. */
    public CrossEntropyLoss(int classes, int ignoreIndex) {
        Require.positive("classes", classes);
        this.classes = classes;
        this.ignoreIndex = ignoreIndex;
    }

    public int classes() {
        return classes;
    }

    public int ignoreIndex() {
        return ignoreIndex;
    }

    /** Refused: cross-entropy takes class ids, not float targets. */
    @Override
    public double forward(float[] input, float[] target, float[] grad) {
        throw new IllegalArgumentException(this + ": expected class labels, got float targets");
    }

    /** Mean over every row not ignored. logits [N, C], targets [N] -> grad [N, C] (may be null) */
    @Override
    public double forward(float[] logits, int[] targets, float[] grad) {
        return run(logits, targets, null, null, grad);
    }

    /** Mean over the rows whose mask is true (and not ignored). logits [N, C], targets [N], mask [N] -> grad [N, C] (may be null) */
    public double forward(float[] logits, int[] targets, boolean[] mask, float[] grad) {
        Require.notNull("mask", mask);
        return run(logits, targets, mask, null, grad);
    }

    /**
     * Weighted mean with a finite weight >= 0 per row ({@code sum w_i l_i / sum w_i}, PyTorch's formula for
     * class weights applied to rows); 0/1 weights equal a mask.
     * logits [N, C], targets [N], rowWeights [N] -> grad [N, C] (may be null)
     */
    public double forward(float[] logits, int[] targets, float[] rowWeights, float[] grad) {
        Require.notNull("rowWeights", rowWeights);
        return run(logits, targets, null, rowWeights, grad);
    }

    private double run(float[] logits, int[] targets, boolean[] mask, float[] weights, float[] grad) {
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
        return w;
    }

    @Override
    public String toString() {
        return "CrossEntropyLoss(classes=" + classes + ", ignoreIndex=" + ignoreIndex + ")";
    }
}
