package dev.vecrnn.cli;

import dev.vecrnn.nn.train.Dataset;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/**
 * fit's and tune's {@code --val-x}, {@code --val-y} and {@code --val-lengths}: validation on arrays of their own,
 * as Keras's {@code fit(..., validation_data=(x_val, y_val))}. All of X then trains; the arrays are read and
 * checked as X and Y are ({@link Datasets#load}), and must fit the model the training data make: the same
 * features per step (token ids below {@code --vocab}), class labels the model has an output for, regression
 * targets of the training width. A picocli {@code @Mixin}; the command refuses them with its split options.
 */
final class ValidationArrays {
    @Option(names = "--val-x", paramLabel = "VAL_X.npy",
            description = "validate on these sequences instead of rows held out of X (Keras's validation_data): "
                    + "all of X trains; read as X is (same features per step; token ids below --vocab); not with --val")
    Path x;
    @Option(names = "--val-y", paramLabel = "VAL_Y.npy",
            description = "the labels or targets of --val-x, as Y's (labels below the class count of Y; targets as wide as Y's)")
    Path y;
    @Option(names = "--val-lengths", paramLabel = "VAL_LENGTHS.npy", description = "valid length of each --val-x sequence")
    Path lengths;

    /** Whether validation comes from these arrays. */
    boolean given() {
        return x != null;
    }

    /** The files, for {@link Outputs#inputs}: no output may be one of them. */
    Path[] files() {
        return new Path[] {x, y, lengths};
    }

    /**
     * Checks the options together, before any file is read: --val-x and --val-y go together, --val-lengths only
     * with them, and none with a split option given ({@code splitOptions}: the split options given on the command
     * line, e.g. "--val").
     */
    void check(String... splitOptions) {
        if (x == null && y == null && lengths == null) return;
        if (x == null) {
            String opt = y != null ? "--val-y" : "--val-lengths";
            throw new IllegalArgumentException(opt + ": expected --val-x too (the validation sequences " + opt + " goes with)");
        }
        if (y == null) throw new IllegalArgumentException("--val-x: expected --val-y too (the labels or targets of --val-x's sequences)");
        for (String split : splitOptions) {
            if (split != null) {
                throw new IllegalArgumentException(split + " and --val-x: expected one or the other (" + split
                        + " is for rows of X held out for validation; --val-x validates on arrays of their own, and all of X trains)");
            }
        }
    }

    /** What {@link #load} read, for its note; null before, or without the arrays. */
    private Datasets.Loaded loaded;

    /** Prints the note on how {@link #load} read --val-y, if any ({@link Datasets.Loaded#printNote}). */
    void printNote() {
        if (loaded != null) loaded.printNote();
    }

    /**
     * Reads the validation arrays and checks them against the training data {@code train} (read from
     * {@code trainX} and {@code trainY}) and, for a classifier, its {@code classes} (said in messages as
     * {@code classesFrom}: "--classes K" or "the classes of --y Y"); null when none were given. One-hot rows must be
     * as wide as the classes, as Keras refuses one-hot targets of another width than the model's outputs.
     */
    Dataset load(Datasets.Loaded train, int classes, String classesFrom, Path trainX, Path trainY, boolean classification, boolean perStep,
                 int vocab) throws IOException {
        if (x == null) return null;
        Datasets.Loaded v = Datasets.load("--val-", x, y, lengths, classification, perStep, vocab > 0 ? null : "token ids take --vocab V", null);
        loaded = v;
        Dataset d = v.data();
        if (vocab > 0) {
            Datasets.tokenIds("--val-x", x, d, vocab);
        } else if (v.features() != train.features()) {
            throw new IllegalArgumentException("--val-x " + x + ": expected " + train.features() + " features per step, as --x " + trainX
                    + " has, got " + v.features());
        }
        if (classification) {
            // classes only the validation rows hold: --classes gives the model their outputs, where the classes come from the
            // labels of --y (one-hot rows of --y fix them: --classes must equal their width)
            boolean hint = !classesFrom.startsWith("--classes") && !train.oneHot();
            if (v.oneHot() && v.width() != classes) {
                throw new IllegalArgumentException("--val-y " + y + ": expected one-hot rows of " + classes + " columns, one a class (" + classesFrom
                        + ", which the model has outputs for), got " + v.width() + (hint && v.width() > classes ? moreClasses(v.width()) : ""));
            }
            int[] labels = ((Dataset.Classification) d).labels();
            int first = -1, largest = -1;
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] >= classes && first < 0) first = i;
                largest = Math.max(largest, labels[i]);
            }
            if (first >= 0) {
                throw new IllegalArgumentException("--val-y " + y + ": expected class labels below " + classes + " (" + classesFrom
                        + ", which the model has outputs for), got " + labels[first] + " at element " + first + (hint ? moreClasses(largest + 1) : ""));
            }
        } else if (v.width() != train.width()) {
            throw new IllegalArgumentException("--val-y " + y + ": expected " + train.width() + " target(s) per " + (perStep ? "step" : "row")
                    + ", as --y " + trainY + " has, got " + v.width());
        }
        return d;
    }

    /** The way to a model of {@code k} outputs, where the classes came from the labels of --y. */
    private static String moreClasses(int k) {
        return "; --classes " + k + " gives the model an output for every class of both";
    }
}
