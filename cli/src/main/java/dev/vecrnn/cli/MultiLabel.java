package dev.vecrnn.cli;

import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.train.Dataset;
import dev.vecrnn.nn.train.Evaluation;
import dev.vecrnn.nn.train.LabelCounts;
import dev.vecrnn.nn.train.Loss;

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
     * binary cross-entropy scores the probability of each label being on.
     */
    static void requireTargets(String option, Path file, Dataset data) {
        Dataset.Regression r = (Dataset.Regression) data;
        int k = r.targetWidth(), per = data.perStep() ? data.steps() : 1;
        float[] y = r.targets();
        for (int i = 0; i < y.length; i++) {
            int row = i / k;
            if (per > 1 && row % per >= data.lengthOf(row / per)) continue;
            if (!(y[i] >= 0 && y[i] <= 1)) {
                throw new IllegalArgumentException(option + " " + file + ": expected multi-hot targets for --task multilabel, 0 or 1 (or a probability"
                        + " in [0, 1]) for each label, got " + y[i] + " at row " + (per > 1 ? row / per + ", step " + row % per : row) + ", label " + i % k
                        + " (class labels, one a row, take --task classification; other values, --task regression)");
            }
        }
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

    /** {@code logits} replaced by their sigmoids, each label's probability, computed in double. */
    static void sigmoid(float[] logits) {
        for (int i = 0; i < logits.length; i++) logits[i] = (float) (1 / (1 + Math.exp(-(double) logits[i])));
    }
}
