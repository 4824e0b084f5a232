package dev.vecrnn.cli;

import dev.vecrnn.nn.train.CrossEntropyLoss;
import dev.vecrnn.nn.train.Dataset;
import dev.vecrnn.nn.train.Loss;
import dev.vecrnn.nn.train.Trainer;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * fit's and tune's {@code --classes} and {@code --class-weight}: how many outputs a classifier has (Keras's
 * {@code Dense(K)}, PyTorch's {@code Linear(h, K)}; by default the classes of Y, its largest label plus one or its
 * one-hot width) and how its cross-entropy weighs them (PyTorch's {@code CrossEntropyLoss(weight=w)}). A picocli
 * {@code @Mixin}: both commands read, check and apply them alike.
 */
final class ClassOptions extends Training.WeightOption {
    @Option(names = "--classes", paramLabel = "K",
            description = "classification: the number of classes, the model's outputs (Keras's Dense(K) units, PyTorch's Linear "
                    + "out_features), at least 2 and at least the largest label of --y and --val-y plus one; one-hot rows must be K "
                    + "wide (default: the classes of --y, its largest label plus one or its one-hot width)")
    Integer classes;

    @Option(names = "--class-weight", paramLabel = "WEIGHTS",
            description = "classification: weigh each class's rows in the loss, as PyTorch's CrossEntropyLoss(weight=w) (the "
                    + "mean divided by the weights' sum, where Keras's class_weight divides by the row count): balanced (scikit-learn's n / (k * count) "
                    + "for each of the k classes present, counted on the training rows only, not the --val rows (all of X with --val-x); a class "
                    + "absent from them weighs 0) or w0,w1,... one per class. Binary labels train two softmax classes, so "
                    + "balanced gives count_0 / count_1 as the ratio of class 1's weight to class 0's: PyTorch's pos_weight "
                    + "idiom for BCEWithLogitsLoss. The loss and val_loss are weighted (early stopping and the choice of the "
                    + "best epoch follow the weighted val_loss); validation rows that all weigh 0 are refused (their val_loss "
                    + "would be 0/0). The figures on all data at the end are not weighted.")
    String classWeight;

    /** The weights given, one per class; null without --class-weight or with balanced. */
    private float[] given;

    /** Checks the options on their own, before any file is read. */
    void check(boolean classification) {
        if (classes != null) {
            if (!classification) {
                throw new IllegalArgumentException("--classes: expected --task classification (regression targets have no classes; the model"
                        + " has as many outputs as Y has targets per row)");
            }
            if (classes < 2) throw new IllegalArgumentException("--classes: expected at least 2 classes, got " + classes);
        }
        if (classWeight != null) given = classWeights(classWeight, classification);
    }

    /** Whether --class-weight was given. */
    boolean weighted() {
        return classWeight != null;
    }

    /**
     * The classes of a classifier, its outputs: --classes if given (checked against Y: at least its largest label
     * plus one, or its one-hot rows' width), else those of Y; --class-weight's count is checked against them.
     */
    int width(Datasets.Loaded in, Path y) {
        int width = in.width();
        if (classes != null) {
            if (in.oneHot() && width != classes) {
                throw new IllegalArgumentException("--classes " + classes + ": expected the width of the one-hot rows of --y " + y + ", " + width
                        + " (one column a class; Keras refuses one-hot targets of another width than the model's outputs)");
            }
            if (width > classes) {
                throw new IllegalArgumentException("--classes " + classes + ": expected at least " + width + ", one class for every label of --y "
                        + y + " (its largest is " + (width - 1) + ")");
            }
            width = classes;
        }
        if (given != null && given.length != width) {
            throw new IllegalArgumentException("--class-weight: expected " + width + " weights, one per class " + (classes != null
                    ? "(--classes " + classes + ")" : "of --y " + y) + " (0 to " + (width - 1) + "), got " + given.length);
        }
        return width;
    }

    /** Where the class count comes from, for messages: "--classes K", or "the classes of --y Y". */
    String source(Path y) {
        return classes != null ? "--classes " + classes : "the classes of --y " + y;
    }

    /** The classes as the heap check names them: "--classes K", or "--y Y: W classes". */
    String sized(Path y, int width) {
        return classes != null ? "--classes " + classes : "--y " + y + ": " + width + " classes";
    }

    /**
     * A weight option's value, "balanced" (null) or {@code w0,w1,...} (one number per {@code unit}, parsed; its range is
     * the caller's to check): {@code --class-weight} per class, {@code --pos-weight} per label.
     */
    static double[] weightList(String option, String spec, String unit) {
        if (spec.strip().equalsIgnoreCase("balanced")) return null;
        String[] parts = spec.split(",", -1);
        double[] v = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                String number = Check.javaNumber(parts[i]);
                if (number == null) throw new NumberFormatException();
                v[i] = Double.parseDouble(number);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + ": expected balanced or one number per " + unit + ", w0,w1,..., got '" + spec
                        + "' (weight " + i + " is '" + parts[i] + "')");
            }
        }
        return v;
    }

    /**
     * --class-weight as given: "balanced" (null here: computed on the training rows once they are known) or one
     * weight per class, each finite and {@code >= 0}, not all zero; the count is checked against the classes later.
     */
    static float[] classWeights(String spec, boolean classification) {
        if (!classification) throw new IllegalArgumentException("--class-weight: expected --task classification (regression targets have no classes)");
        double[] v = weightList("--class-weight", spec, "class");
        if (v == null) return null;
        float[] w = new float[v.length];
        boolean any = false;
        for (int i = 0; i < v.length; i++) {
            if (!(v[i] >= 0 && v[i] <= Float.MAX_VALUE)) {
                throw new IllegalArgumentException("--class-weight: expected finite weights >= 0, got " + spec.split(",", -1)[i].strip() + " for class " + i);
            }
            w[i] = (float) v[i];
            any |= w[i] > 0;
        }
        if (!any) throw new IllegalArgumentException("--class-weight: expected a weight above 0, got all zeros ('" + spec + "')");
        return w;
    }

    /**
     * The cross-entropy over {@code classes} classes that {@code tr} (configured with its seed and validation) is to
     * train with: unweighted without --class-weight, else with the weights given or balanced over the rows {@code tr}
     * trains on; {@link #printWeights} prints them. Refuses weights under which every training row, or every validation row (named
     * by {@code valRows}), weighs 0: their mean loss is 0/0 (NaN in PyTorch), so nothing would train, or early stopping
     * and the best epoch would follow a meaningless val_loss.
     */
    Loss loss(Trainer tr, Dataset data, int classes, String trainRows, String valRows) {
        if (classWeight == null) return Loss.crossEntropy();
        float[] w = given;
        Dataset train = tr.trainingData(data);
        String how;
        if (w == null) {
            w = CrossEntropyLoss.balancedWeights(train, classes);
            how = "balanced over the " + Inputs.count(scoredRows(train), data.perStep() ? "training step" : "training row");
        } else {
            how = "as given";
        }
        if (!weighsAnyRow(train, w)) {
            throw new IllegalArgumentException("--class-weight " + classWeight + ": every training row (" + trainRows + ") is of a class of weight 0,"
                    + " so the loss would be 0/0 and nothing would train; give their classes a weight above 0");
        }
        Dataset val = tr.validationRows(data);
        if (val != null && !weighsAnyRow(val, w)) {
            throw new IllegalArgumentException("--class-weight " + classWeight + ": every validation row (" + valRows + ") is of a class of weight 0"
                    + (given == null ? " (balanced weighs a class absent from the training rows 0)" : "")
                    + ", so val_loss would be 0/0 and early stopping and the best epoch would mean nothing; give their classes a weight above 0");
        }
        chose("class weights", how, w);
        return new CrossEntropyLoss(classes, CrossEntropyLoss.DEFAULT_IGNORE_INDEX, w);
    }

    /** Whether a valid row (a sequence, or a step within its length) of {@code d} is of a class of weight above 0. */
    private static boolean weighsAnyRow(Dataset d, float[] w) {
        int[] labels = ((Dataset.Classification) d).labels();
        int per = d.perStep() ? d.steps() : 1;
        int[] len = d.lengths();
        for (int i = 0; i < labels.length; i++) {
            if (!Datasets.padding(per, len, i) && labels[i] >= 0 && w[labels[i]] > 0) return true;  // -100: ignored
        }
        return false;
    }

    /**
     * The rows a loss and its metrics are over: sequences, or valid steps with per-step targets; of a classification,
     * those whose label is not -100 (PyTorch's ignore_index, in no loss, metric or count).
     */
    static long scoredRows(Dataset d) {
        int per = d.perStep() ? d.steps() : 1;
        int[] labels = d instanceof Dataset.Classification c ? c.labels() : null;
        long rows = 0;
        for (int i = 0; i < d.size(); i++) {
            int len = per == 1 ? 1 : d.lengthOf(i);
            for (int t = 0; t < len; t++) if (labels == null || labels[i * per + t] >= 0) rows++;
        }
        return rows;
    }
}
