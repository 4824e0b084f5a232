package dev.vecrnn.cli;

import dev.vecrnn.nn.train.Dataset;

import java.nio.file.Path;
import java.util.StringJoiner;

/**
 * The notes fit and tune print on inputs of a scale that training does not take well: features large enough to saturate
 * the gates, regression targets far from the outputs' starting scale. Notes, not refusals: training goes on.
 */
final class ScaleNotes {
    private ScaleNotes() {
    }

    /** Features whose root mean square (over the valid steps) is above this get a note: tanh and sigmoid gates saturate on them. */
    static final double LARGE_FEATURE = 100;

    /**
     * fit trains on X as given, as Keras's fit and a PyTorch loop do: no normalization. Features this large
     * leave the gates saturated and the model stuck at the mean target, so a note on stdout says which and
     * what to do; training goes on.
     */
    static void scaleNote(Path x, Dataset data) {
        double[] rms = validRootMeanSquares(data.x(), data.features(), data, data.steps());
        StringJoiner large = new StringJoiner(", ");
        for (int k = 0; k < rms.length; k++) {
            if (rms[k] > LARGE_FEATURE) large.add("feature " + k + String.format(java.util.Locale.ROOT, " (root mean square %.3g)", rms[k]));
        }
        if (large.length() > 0) {
            System.out.println("note: --x " + Main.shown(x) + ": " + large + ": fit does not normalize X (nor does Keras); recurrent gates saturate"
                    + " on values this large, so standardize each feature (subtract the mean, divide by the standard deviation) first");
        }
    }

    /**
     * Regression targets whose root mean square (over the scored rows) is above {@link #LARGE_FEATURE}: the output layer
     * starts near 0 and moves by about the learning rate a step, so the loss stays near the targets' square for many
     * epochs (Keras and PyTorch do not scale targets either). A note on stdout says which columns and what to do.
     */
    static void targetScaleNote(Path y, Dataset data) {
        if (!(data instanceof Dataset.Regression r)) return;
        int k = r.targetWidth();
        double[] rms = validRootMeanSquares(r.targets(), k, data, data.perStep() ? data.steps() : 1);
        StringJoiner large = new StringJoiner(", ");
        for (int j = 0; j < k; j++) {
            if (rms[j] > LARGE_FEATURE) large.add((k == 1 ? "" : "column " + j + " ") + String.format(java.util.Locale.ROOT, "(root mean square %.3g)", rms[j]));
        }
        if (large.length() > 0) {
            System.out.println("note: --y " + Main.shown(y) + ": targets " + large + ": fit does not scale Y (nor does Keras); the outputs start near 0"
                    + " and move by about --lr a step, so standardize the targets (subtract the mean, divide by the standard deviation)"
                    + " and undo it on predict's outputs");
        }
    }

    /**
     * The root mean square of each of the {@code width} columns of {@code values}, rows of {@code width} values, over the rows
     * that are scored: with {@code perSequence} rows a sequence (X's steps, or per-step targets), row r is step r % perSequence
     * of sequence r / perSequence, padding from the sequence's length on; with 1 (a target a sequence), every row. NaN for a
     * column when no row is (then no note).
     */
    static double[] validRootMeanSquares(float[] values, int width, Dataset data, int perSequence) {
        double[] sq = new double[width];
        long rows = 0;
        int[] len = data.lengths();
        for (int row = 0; row < values.length / width; row++) {
            if (Datasets.padding(perSequence, len, row)) continue;   // never read
            for (int j = 0; j < width; j++) {
                double v = values[row * width + j];
                sq[j] += v * v;
            }
            rows++;
        }
        for (int j = 0; j < width; j++) sq[j] = Math.sqrt(sq[j] / rows);
        return sq;
    }
}
