package dev.vecrnn.cli;

import dev.vecrnn.nn.io.DType;
import dev.vecrnn.nn.io.Npy;
import dev.vecrnn.nn.io.TensorData;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.train.BceWithLogitsLoss;
import dev.vecrnn.nn.train.Dataset;
import dev.vecrnn.nn.train.Evaluation;
import dev.vecrnn.nn.train.LabelCounts;
import dev.vecrnn.nn.train.Loss;
import dev.vecrnn.nn.train.Trainer;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --task multilabel} of fit, tune, evaluate and predict: several labels a row, each on or off, as Keras's
 * {@code Dense(K, activation='sigmoid')} with {@code binary_crossentropy} and PyTorch's {@code Linear(h, K)} with
 * {@code BCEWithLogitsLoss()}. Y is multi-hot rows {@code [N, K]} ({@code [N, T, K]} per step) of 0 and 1 (soft
 * targets in [0, 1] train as given); the model outputs one logit a label, trained with the mean binary
 * cross-entropy over every label of every valid row (PyTorch's default reduction), and predict writes their
 * sigmoids, a probability a label.
 */
final class MultiLabel {
    private MultiLabel() {
    }

    /** The task's name, as --task takes it and model files record it. */
    static final String TASK = "multilabel";

    /** The loss it trains and is evaluated with: PyTorch's {@code BCEWithLogitsLoss()}, mean over every label of every valid row. */
    static Loss loss() {
        return Loss.bce();
    }

    /** The model's loss and multi-label figures on {@code data}, as validation measures them. */
    static Evaluation evaluate(Model model, Dataset data) {
        return Evaluation.of(model, data, loss(), 64);
    }

    /**
     * Refuses targets that are not in [0, 1] (at a valid row; padding is never read), naming the file and where:
     * binary cross-entropy scores the probability of each label being on. {@code fitting}: the task is the
     * caller's choice (fit, tune), so the refusal says which task other targets take; otherwise the model's.
     */
    static void requireTargets(String option, Path file, Dataset data, boolean fitting) {
        Dataset.Regression r = (Dataset.Regression) data;
        int k = r.targetWidth(), per = data.perStep() ? data.steps() : 1;
        float[] y = r.targets();
        int[] len = data.lengths();
        for (int i = 0; i < y.length; i++) {
            int row = i / k;
            if (Datasets.padding(per, len, row)) continue;
            if (!(y[i] >= 0 && y[i] <= 1)) {
                throw new IllegalArgumentException(option + " " + file + ": expected multi-hot targets for --task multilabel, 0 or 1 (or a probability"
                        + " in [0, 1]) for each label, got " + quoted(file, i, y[i]) + " at row " + (per > 1 ? row / per + ", step " + row % per : row) + ", label " + i % k
                        + (fitting ? " (class labels, one a row, take --task classification; other values, --task regression)"
                        : " (the model was fitted for multi-label targets, one 0 or 1 a label for each of its outputs)"));
            }
        }
    }

    /**
     * Element {@code i} of the .npy {@code file} as a refusal quotes it, where {@code v} is its float32 (what is trained): a float64
     * file's as its double ({@link Datasets#number(double)}), which may hold more digits than its float (-1.23456789, whose float
     * prints -1.2345679); any other's as {@code v}. The file is read again, on the refusal's path only; v is quoted where the
     * file cannot be read or no longer holds it there.
     */
    private static String quoted(Path file, int i, float v) {
        try {
            if (Npy.readHeader(file).dtype() == DType.F64) {
                TensorData d = Npy.read(file);
                double held = i < d.elementCount() ? d.bytes().getDouble(8 * i) : Double.NaN;
                if ((float) held == v) return Datasets.number(held);
            }
        } catch (java.io.IOException | RuntimeException e) {
            // quote the float read before
        }
        return Datasets.number(v);
    }

    /** Refuses --classes and --class-weight, which are the softmax classifier's (multi-label outputs are as many as Y's columns). */
    static void refuseClassOptions(ClassOptions opts) {
        String opt = opts.classes != null ? "--classes" : opts.classWeight != null ? "--class-weight" : null;
        if (opt != null) {
            throw new IllegalArgumentException(opt + ": expected --task classification (--task multilabel has one output a label,"
                    + " as many as Y's columns, and an unweighted binary cross-entropy)");
        }
    }

    /**
     * Each label's support (rows where it is a target, above 0.5), predictions (logit above 0, probability above
     * 0.5) and true positives over the valid rows, as scikit-learn's {@code classification_report} lists them for
     * multi-hot arrays: every label, in order, from the counts {@code ev} (of {@link #evaluate}) took its figures from.
     */
    static List<EvaluateCommand.ClassFigures> perLabel(Evaluation ev) {
        LabelCounts c = ev.labelCounts();
        List<EvaluateCommand.ClassFigures> out = new ArrayList<>();
        for (int j = 0; j < c.labels(); j++) out.add(new EvaluateCommand.ClassFigures(j, c.support(j), c.predicted(j), c.truePositives(j)));
        return out;
    }

    /**
     * fit's and tune's {@code --pos-weight}: a weight for each label's positive term, as PyTorch's
     * {@code BCEWithLogitsLoss(pos_weight=p)} (a picocli {@code @Mixin}). Absent, the loss is unweighted.
     */
    static final class PosWeight extends Training.WeightOption {
        @Option(names = "--pos-weight", paramLabel = "POS_WEIGHTS",
                description = "multilabel: weigh each label's positive term, as PyTorch's BCEWithLogitsLoss(pos_weight=p) (the mean stays over"
                        + " every label of every row): w0,w1,... one number above 0 per label (Y's columns), or balanced (negatives / positives"
                        + " of each label, the sums of 1 - y and y over the training rows, not the --val rows). The loss and val_loss are"
                        + " weighted (early stopping and the best epoch follow them); the figures on all data at the end are not.")
        String spec;

        /** The weights given; null without --pos-weight or with balanced. */
        private float[] given;

        /** Checks the option on its own, before any file is read: only for --task multilabel, and weights finite and above 0. */
        void check(boolean multilabel) {
            if (spec == null) return;
            if (!multilabel) {
                throw new IllegalArgumentException("--pos-weight: expected --task multilabel (it weighs each label's positive term of the binary"
                        + " cross-entropy; a classifier's classes take --class-weight)");
            }
            double[] v = ClassOptions.weightList("--pos-weight", spec, "label");
            if (v == null) return;
            given = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                if (!(v[i] > 0 && v[i] <= Float.MAX_VALUE && (float) v[i] > 0)) {
                    throw new IllegalArgumentException("--pos-weight: expected finite weights above 0, got " + spec.split(",", -1)[i].strip()
                            + " for label " + i);
                }
                given[i] = (float) v[i];
            }
        }

        /** Whether --pos-weight was given. */
        boolean weighted() {
            return spec != null;
        }

        /**
         * The loss {@code tr} (configured with its seed and validation) is to train {@code labels} labels with: {@link #loss()}
         * without --pos-weight, else the weights given (one per label) or balanced over the rows {@code tr} trains on (the
         * training rows of {@code data}, named {@code trainRows}); {@link #printWeights} prints them.
         */
        Loss loss(Trainer tr, Dataset data, int labels, String trainRows) {
            if (spec == null) return MultiLabel.loss();
            float[] w = given;
            String how;
            if (w == null) {
                Dataset train = tr.trainingData(data);
                w = balanced(train, trainRows);
                how = "balanced over the " + Inputs.count(ClassOptions.scoredRows(train), data.perStep() ? "training step" : "training row") + ": negatives / positives";
            } else {
                if (w.length != labels) {
                    throw new IllegalArgumentException("--pos-weight: expected " + labels + " weights, one per label (the columns of " + trainRows
                            + "), got " + w.length);
                }
                how = "as given";
            }
            chose("positive weights", how, w);
            return new BceWithLogitsLoss(w);
        }

        /**
         * Each label's sum of {@code 1 - y} over its sum of {@code y} on the valid rows of {@code train} (negatives over positives for
         * 0/1 targets), refusing a label never on (no positives to weigh) or always on (a weight of 0 would leave it untrained).
         */
        private float[] balanced(Dataset train, String trainRows) {
            Dataset.Regression r = (Dataset.Regression) train;
            int k = r.targetWidth(), per = train.perStep() ? train.steps() : 1;
            double[] pos = new double[k], neg = new double[k];
            float[] y = r.targets();
            int[] len = train.lengths();
            for (int i = 0; i < y.length; i++) {
                if (Datasets.padding(per, len, i / k)) continue;
                pos[i % k] += y[i];
                neg[i % k] += 1 - y[i];
            }
            float[] w = new float[k];
            for (int j = 0; j < k; j++) {
                if (pos[j] == 0 || neg[j] == 0) {
                    throw new IllegalArgumentException("--pos-weight balanced: label " + j + " is " + (pos[j] == 0 ? "0" : "1") + " in every training row ("
                            + trainRows + "), so negatives / positives is " + (pos[j] == 0 ? "n/0" : "0") + "; give the weights instead, w0,w1,...");
                }
                w[j] = (float) (neg[j] / pos[j]);
                if (!(w[j] > 0 && w[j] <= Float.MAX_VALUE)) {
                    throw new IllegalArgumentException("--pos-weight balanced: label " + j + " of the training rows (" + trainRows + ") gives "
                            + Datasets.number(neg[j]) + " / " + Datasets.number(pos[j]) + ", not a finite float above 0; give the weights instead, w0,w1,...");
                }
            }
            return w;
        }
    }

    /** {@code logits} replaced by their sigmoids, each label's probability, computed in double. */
    static void sigmoid(float[] logits) {
        for (int i = 0; i < logits.length; i++) logits[i] = (float) (1 / (1 + Math.exp(-(double) logits[i])));
    }
}
