package dev.vecrnn.cli;

import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.io.DType;
import dev.vecrnn.nn.io.TensorData;
import dev.vecrnn.nn.train.CrossEntropyLoss;
import dev.vecrnn.nn.train.Dataset;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * X, Y and lengths read from .npy files into a {@link Dataset} for fit, tune and evaluate, their shapes and values checked
 * against each other (Y's rows against X's, class labels, one-hot rows, finite targets), and X's token ids against the
 * vocabulary that says X holds them.
 */
final class Datasets {
    private Datasets() {
    }

    /**
     * A value from a file as a refusal quotes it: a whole number as numpy prints an integer array's ({@code -3}, where Java's
     * double prints {@code -3.0}; an int64 label or token id is read as a double), any other as Java prints it ({@code 0.5},
     * {@code NaN}, {@code Infinity}).
     */
    static String number(double v) {
        return Double.isFinite(v) && v == Math.rint(v) && Math.abs(v) < 1e18 ? String.valueOf((long) v) : String.valueOf(v);
    }

    /**
     * As the above for a float32 value, any other than a whole number below 1e18 as its float prints ({@code 0.3}, as numpy
     * prints a float32 array's; {@code 1.0E20}), where widened to a double it printed as {@code 0.30000001192092896} or
     * {@code 1.0000000200408773E20}.
     */
    static String number(float v) {
        return v == Math.rint(v) && Math.abs(v) < 1e18 ? number((double) v) : String.valueOf(v);
    }

    /**
     * As the above for a value read as a double ({@link TensorData#toDoubles}) from a file of {@code type}: a float32's as its float
     * prints (numpy's 0.3, where the double it widens to printed as 0.30000001192092896), any other's as its double (a float16's
     * exact value, 0.2998046875 for numpy's 0.2998: Java prints no half's shortest digits).
     */
    static String number(DType type, double v) {
        return type == DType.F32 ? number((float) v) : number(v);
    }

    /** With --vocab, X holds one token id per step: a whole number in [0, vocab) at every valid step (padding is never read). */
    static void tokenIds(Path x, Dataset data, int vocab) {
        tokenIds("--x", x, data, vocab);
    }

    /** As {@link #tokenIds(Path, Dataset, int)}, for the file given to {@code option}. */
    static void tokenIds(String option, Path x, Dataset data, int vocab) {
        tokenIds(option, x, data.x(), data.size(), data.steps(), data.features(), data.lengths(), vocab);
    }

    /**
     * As {@link #tokenIds(Path, Dataset, int)}, on {@code n} sequences of {@code steps} steps of {@code features} values
     * ({@code lengths}: the valid steps of each, or null for all).
     */
    static void tokenIds(String option, Path x, float[] xs, int n, int steps, int features, int[] lengths, int vocab) {
        tokenIds(option, x, xs, n, steps, features, lengths, vocab, "--vocab " + vocab);
    }

    /** As the above, where {@code source} names what says X holds token ids below {@code vocab} (--vocab, or a model's embedding). */
    static void tokenIds(String option, Path x, float[] xs, int n, int steps, int features, int[] lengths, int vocab, String source) {
        if (features != 1) {
            throw new IllegalArgumentException(option + " " + x + ": with " + source + ", expected token ids [N, T] (or [N, T, 1]), got "
                    + Inputs.perStep(features));
        }
        for (int i = 0; i < n; i++) {
            int len = lengths == null ? steps : lengths[i];
            for (int t = 0; t < len; t++) {
                float v = xs[i * steps + t];
                if (!(v >= 0 && v < vocab && v == Math.rint(v))) {
                    throw new IllegalArgumentException(option + " " + x + ": with " + source + ", expected token ids, whole numbers in [0, " + vocab
                            + "), got " + number(v) + " at sequence " + i + ", step " + t);
                }
            }
        }
    }

    /**
     * A dataset from .npy files, with its feature count and output width (the classes of its labels: the largest
     * plus one, or the width of its one-hot rows, {@code oneHot}; or the targets per row), and for one-hot rows the
     * note saying how they are read ({@code note}, else null), which the command prints once nothing is left to refuse.
     */
    record Loaded(Dataset data, int features, int width, boolean oneHot, String note) {
        Loaded(Dataset data, int features, int width) {
            this(data, features, width, false, null);
        }

        /** Prints {@link #note}, if any: after every refusal, as a refusal prints nothing before its line. */
        void printNote() {
            if (note != null) System.out.println(note);
        }
    }

    /**
     * Reads X (and lengths) and Y for fit and tune; shapes are checked against each other. {@code idsAdvice}: null
     * where X holds token ids (fit --vocab), [N, T] or [N, T, 1]; else X is [N, T, F], and an [N, T] array is
     * refused saying where token ids go ("token ids take --vocab V").
     */
    static Loaded load(Path x, Path y, Path lengths, boolean classification, boolean perStep, String idsAdvice) throws java.io.IOException {
        return load("--", x, y, lengths, classification, perStep, idsAdvice, null);
    }

    /**
     * As {@link #load(Path, Path, Path, boolean, boolean, String)}, with the options named {@code pre} + "x", "y",
     * "lengths" ("--val-": the validation arrays), and for a model whose head is already known {@code headNote}
     * (not null, saying why Y cannot be per step, for a model of one output a sequence): there an {@code [N, K]} Y
     * is one-hot rows even where K equals X's step count, and no advice names {@code --per-step}.
     */
    static Loaded load(String pre, Path x, Path y, Path lengths, boolean classification, boolean perStep, String idsAdvice,
                       String headNote) throws java.io.IOException {
        String xo = pre + "x", yo = pre + "y", lo = pre + "lengths";
        TensorData xd = Inputs.npy(xo, x);
        Tensor xs = sequences(xo, Inputs.floats(xo, x, xd), x);
        if (xd.rank() == 2 && idsAdvice != null) {
            String one = "for one feature a step, reshape to [" + xs.dim(0) + ", " + xs.dim(1) + ", 1]";
            throw new IllegalArgumentException(xo + " " + x + ": expected [N, T, F], got " + Arrays.toString(xd.shape()) + (xd.dtype().isFloatingPoint()
                    ? " floats (" + one + "; " + idsAdvice + ")" : " integers, token ids by the look of them (" + idsAdvice + "; " + one + ")"));
        }
        int n = xs.dim(0), t = xs.dim(1), f = xs.dim(2);
        int[] len = lengths == null ? null : Inputs.lengths(lo, lengths, n, t);
        Inputs.finiteSteps(xo, x, xd, xs.data(), n, t, f, len, false, lo);
        TensorData yd = Inputs.npy(yo, y);
        int[] ys = yd.shape();
        int rows = perStep ? n * t : n;
        if (ys.length == 0 || ys[0] != n || (perStep && (ys.length < 2 || ys[1] != t))) {
            // Y's rows are X's steps: X is most likely in PyTorch's default layout, [T, N, F] (batch_first=False)
            boolean timeFirst = ys.length > 0 && ys[0] == t && t != n && (!perStep || ys.length >= 2 && ys[1] == n);
            throw new IllegalArgumentException(yo + " " + y + ": expected " + (perStep ? "[" + n + ", " + t + ", ...]" : "[" + n + ", ...]")
                    + " to match " + (pre.equals("--") ? "X " : xo + " ") + Arrays.toString(xs.shape()) + ", got " + Arrays.toString(ys)
                    + (timeFirst ? " (X is read batch first, [N, T, F]; for sequences stored [T, N, F], PyTorch's batch_first=False, pass"
                    + " np.swapaxes(x, 0, 1))" : ""));
        }
        if (classification) {
            // BOOL (numpy's y = x.sum(1) > 0) reads as the labels 0 and 1, as Keras takes it
            double[] raw = yd.dtype().isFloatingPoint() ? yd.toDoubles() : Arrays.stream(yd.toLongs()).asDoubleStream().toArray();
            // one-hot rows (Keras's categorical_crossentropy targets; PyTorch's cross_entropy takes them as class probabilities): [N, K]
            // or, per step, [N, T, K]; an [N, T] array without --per-step is more likely a label per step, and is refused below
            boolean oneHotShape = ys.length == (perStep ? 3 : 2) && ys[ys.length - 1] >= 2 && yd.elementCount() == (long) rows * ys[ys.length - 1]
                    && (perStep || ys[1] != t || headNote != null);
            if (oneHotShape) {
                int k = ys[ys.length - 1];
                int[] labels;
                try {
                    labels = oneHot(yo, y, yd.dtype(), raw, rows, k, perStep, len, t);
                } catch (IllegalArgumentException e) {
                    // [N, T] under a model of one output a sequence: labels per step, more likely than broken one-hot rows
                    if (headNote == null || perStep || ys[1] != t) throw e;
                    throw new IllegalArgumentException(e.getMessage() + " (" + headNote + ")", e);
                }
                return new Loaded(Dataset.classification(xs.data(), n, t, f, len, labels, perStep), f, k, true,
                        yo + " " + y + ": one-hot rows of " + k + " classes, read as the class labels 0 to " + (k - 1));
            }
            if (yd.elementCount() != rows) {
                String hint = perStep || yd.elementCount() != (long) n * t ? ""
                        : headNote != null ? " (" + headNote + ")"
                        : " (one per step? add --per-step; one-hot rows of " + t + " classes? pass their argmax)";
                throw new IllegalArgumentException(yo + " " + y + ": expected " + rows + " class labels" + (perStep ? " ([N, T]) or one-hot rows [N, T, K]"
                        : " ([N]) or one-hot rows [N, K]") + ", got " + Arrays.toString(ys) + hint);
            }
            int[] labels = new int[rows];
            long width = 1;
            boolean scored = false;
            for (int i = 0; i < rows; i++) {
                if (padding(perStep ? t : 1, len, i)) continue;  // never read: left 0
                double v = raw[i];
                if (v == CrossEntropyLoss.DEFAULT_IGNORE_INDEX) {
                    labels[i] = CrossEntropyLoss.DEFAULT_IGNORE_INDEX;  // PyTorch's ignore_index: in no loss, metric or class count
                    continue;
                }
                if (!(v >= 0 && v < HeapBudget.MAX_ARRAY && v == Math.rint(v))) {
                    throw new IllegalArgumentException(yo + " " + y + ": expected class labels, whole numbers in [0, " + HeapBudget.MAX_ARRAY
                            + ") or -100 (PyTorch's ignore_index), got " + number(yd.dtype(), v) + " at element " + i + (perStep ? " (sequence " + i / t + ", step " + i % t + ")" : "")
                            + (Double.isFinite(v) && v != Math.rint(v) && headNote == null ? "; values to predict take --task regression" : ""));
                }
                labels[i] = (int) v;
                width = Math.max(width, labels[i] + 1L);
                scored = true;
            }
            if (!scored) {
                throw new IllegalArgumentException(yo + " " + y + ": expected at least one class label, got only -100 (PyTorch's ignore_index)"
                        + (len != null ? " within the lengths of " + lo + " " + lengths : "") + ": nothing to score");
            }
            return new Loaded(Dataset.classification(xs.data(), n, t, f, len, labels, perStep), f, (int) width);
        }
        if (ys.length > (perStep ? 3 : 2)) {
            throw new IllegalArgumentException(yo + " " + y + ": expected " + (perStep ? "[N, T] or [N, T, K] targets with --per-step, got " + Arrays.toString(ys)
                    : "[N] or [N, K] targets (one row a sequence), got " + Arrays.toString(ys) + (headNote != null ? " (" + headNote + ")"
                    : "; targets for every step, [N, T] or [N, T, K], take --per-step")));
        }
        float[] targets = Inputs.floats(yo, y, yd).data();
        if (targets.length % rows != 0) throw new IllegalArgumentException(yo + " " + y + ": expected a multiple of " + rows + " values, got " + targets.length);
        int width = targets.length / rows;
        if (width == 0) {
            // a column selection that matched nothing (y = df[[]].to_numpy()): no target to train or score
            throw new IllegalArgumentException(yo + " " + y + ": expected at least one target a row, got " + Arrays.toString(ys));
        }
        for (int i = 0; i < rows; i++) {
            if (padding(perStep ? t : 1, len, i)) {
                Arrays.fill(targets, i * width, (i + 1) * width, 0f);  // never read
                continue;
            }
            for (int k = i * width; k < (i + 1) * width; k++) {
                if (!Float.isFinite(targets[k])) {
                    throw new IllegalArgumentException(yo + " " + y + ": expected finite targets, " + Inputs.got(yd, k, targets[k], "at element " + k + " (row "
                            + (perStep ? i / t + ", step " + i % t : i) + ", column " + k % width + ")"));
                }
            }
        }
        return new Loaded(Dataset.regression(xs.data(), n, t, f, len, targets, width, perStep), f, width);
    }

    /**
     * The class of each one-hot row of {@code k} values (one 1, the rest 0s), read as doubles from a file of {@code type}; padding
     * rows are not read (left 0).
     * Soft targets (label smoothing, probabilities) are refused: fit trains on class labels. A row of zeros is refused
     * once every row has been read, so that multi-hot rows (where rows of no label are common) are refused as such,
     * by their first row of two labels, wherever it lies.
     */
    private static int[] oneHot(String yo, Path y, DType type, double[] raw, int rows, int k, boolean perStep, int[] len, int t) {
        int[] labels = new int[rows];
        int zeros = -1;  // the first row of no 1
        for (int i = 0; i < rows; i++) {
            if (padding(perStep ? t : 1, len, i)) continue;
            int hot = -1;
            for (int c = 0; c < k; c++) {
                double v = raw[i * k + c];
                if (v == 1 && hot < 0) {
                    hot = c;
                } else if (v != 0) {
                    throw new IllegalArgumentException(yo + " " + y + ": expected class labels or one-hot rows (a single 1, the rest 0), got "
                            + number(type, v) + " at row " + (perStep ? i / t + ", step " + i % t : i) + ", column " + c
                            + (v == 1 ? " (a second 1); --task classification trains one class a row (softmax cross-entropy): rows of several"
                            + " labels (multi-hot, Keras's sigmoid with binary_crossentropy) take --task multilabel" : "; for soft targets pass their argmax"));
                }
            }
            if (hot < 0 && zeros < 0) zeros = i;
            labels[i] = hot;
        }
        if (zeros >= 0) {
            throw new IllegalArgumentException(yo + " " + y + ": expected class labels or one-hot rows (a single 1, the rest 0), got a row of zeros at row "
                    + (perStep ? zeros / t + ", step " + zeros % t : zeros) + " (multi-hot rows, where a row may have no label, take --task multilabel)");
        }
        return labels;
    }

    /**
     * Whether row {@code row} of values laid out {@code per} rows a sequence (X's steps, or per-step targets; 1: one row a
     * sequence, never padding) is a step past its sequence's length in {@code len} (null: every sequence full): padding,
     * which fit, its notes and its checks never read. The one test of fit's readers, on the lengths as read (before a
     * Dataset holds them) and on a Dataset's ({@link Dataset#lengths()}).
     */
    static boolean padding(int per, int[] len, int row) {
        return per > 1 && len != null && row % per >= len[row / per];
    }

    /** [N, T, F] as it is, [N, T] as [N, T, 1]; anything else is an error naming the file. */
    static Tensor sequences(String option, Tensor t, Path file) {
        if (t.rank() >= 2 && t.rank() <= 3 && (t.dim(0) == 0 || t.dim(1) == 0 || (t.rank() == 3 && t.dim(2) == 0))) {
            throw new IllegalArgumentException(option + " " + file + ": expected at least one sequence of at least one step (and one feature), got "
                    + Arrays.toString(t.shape()));
        }
        if (t.rank() == 3) return t;
        if (t.rank() == 2) return Tensor.of(t.data(), t.dim(0), t.dim(1), 1);
        throw new IllegalArgumentException(option + " " + file + ": expected [N, T, F] (or [N, T] token ids), got " + Arrays.toString(t.shape()));
    }
}
