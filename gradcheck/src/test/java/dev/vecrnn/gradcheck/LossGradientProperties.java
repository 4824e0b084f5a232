package dev.vecrnn.gradcheck;

import dev.vecrnn.nn.train.BceWithLogitsLoss;
import dev.vecrnn.nn.train.CrossEntropyLoss;
import dev.vecrnn.nn.train.Loss;
import dev.vecrnn.nn.train.MaeLoss;
import dev.vecrnn.nn.train.MseLoss;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Assertions;

import java.util.Arrays;
import java.util.List;

/**
 * Every loss's gradient with respect to its input: MSE, MAE (predictions kept at least 0.25 from their
 * targets, away from |.|'s kink), BCE with logits (hard and soft labels, logits into the saturated
 * range; with positive weights per column) and cross-entropy plain, with the ignore index, with a row mask,
 * with row weights and with class weights (alone and with a mask). MSE,
 * MAE and BCE compute in double from their float inputs, so they are checked at double resolution,
 * which leaves only rtol (2e-4) and the truncation of the differences: nearly exact. Cross-entropy runs
 * the float32 log-softmax kernel and gets the float32 floor.
 */
class LossGradientProperties {
    enum Pointwise { MSE, MAE, BCE_HARD, BCE_SOFT, BCE_POS_WEIGHT }

    @Property(tries = 80)
    void pointwiseLossGradientMatchesFiniteDifferences(@ForAll Pointwise kind, @ForAll @IntRange(min = 1, max = 40) int n,
                                                       @ForAll long seed) {
        Data d = new Data(seed);
        float[] x;
        float[] y;
        Loss loss;
        switch (kind) {
            case MSE -> {
                loss = new MseLoss();
                x = d.signed(n, 2);
                y = d.signed(n, 2);
            }
            case MAE -> {
                loss = new MaeLoss();
                y = d.signed(n, 2);
                x = d.awayFromZero(n, 0.25, 2);
                for (int i = 0; i < n; i++) x[i] += y[i];
            }
            case BCE_POS_WEIGHT -> {
                // n / cols rows of cols columns, a positive weight each (one of them possibly 0), hard and soft labels
                int cols = Math.min(n, n % 3 + 1);
                float[] pw = d.uniform(cols, 0, 4);
                if (n % 5 == 0) pw[0] = 0f;
                if (pw[cols - 1] == 0f) pw[cols - 1] = 1f;
                loss = new BceWithLogitsLoss(pw);
                n -= n % cols;
                x = d.signed(n, 8);
                y = d.uniform(n, 0, 1);
                for (int i = 0; i < n; i += 2) y[i] = y[i] < 0.5f ? 0f : 1f;
            }
            default -> {
                loss = new BceWithLogitsLoss();
                x = d.signed(n, 8);
                y = d.uniform(n, 0, 1);
                if (kind == Pointwise.BCE_HARD) for (int i = 0; i < n; i++) y[i] = y[i] < 0.5f ? 0f : 1f;
            }
        }
        float[] grad = new float[x.length];
        loss.forward(x, y, grad);
        // computed in double from float inputs: the loss resolves to double precision
        Checks.assertGradients(d, kind + " n=" + x.length, () -> loss.forward(x, y, null), List.of(GradCheck.Input.of("input", x, grad)),
                Checks.options(d).withResolution(0x1p-53));
    }

    enum Weighting { NONE, IGNORE_INDEX, MASK, ROW_WEIGHTS, CLASS_WEIGHTS, CLASS_WEIGHTS_MASK }

    @Property(tries = 80)
    void crossEntropyGradientMatchesFiniteDifferences(@ForAll Weighting weighting, @ForAll @IntRange(min = 1, max = 8) int rows,
                                                      @ForAll @IntRange(min = 1, max = 7) int classes, @ForAll long seed) {
        Data d = new Data(seed);
        boolean classWeights = weighting == Weighting.CLASS_WEIGHTS || weighting == Weighting.CLASS_WEIGHTS_MASK;
        float[] classWeight = d.uniform(classes, 0, 3);
        classWeight[d.nextInt(classes)] = 1.5f; // not all zero
        CrossEntropyLoss ce = classWeights ? new CrossEntropyLoss(classes, CrossEntropyLoss.DEFAULT_IGNORE_INDEX, classWeight)
                : new CrossEntropyLoss(classes);
        float[] logits = d.signed(rows * classes, 4);
        int[] targets = new int[rows];
        for (int i = 0; i < rows; i++) targets[i] = d.nextInt(classes);
        boolean[] mask = new boolean[rows];
        float[] weights = d.uniform(rows, 0, 2);
        for (int i = 0; i < rows; i++) mask[i] = d.nextBoolean();
        if (weighting == Weighting.IGNORE_INDEX) {
            for (int i = 0; i < rows; i++) if (!mask[i]) targets[i] = CrossEntropyLoss.DEFAULT_IGNORE_INDEX;
        }
        GradCheck.LossFunction f = () -> switch (weighting) {
            case MASK, CLASS_WEIGHTS_MASK -> ce.forward(logits, targets, mask, null);
            case ROW_WEIGHTS -> ce.forward(logits, targets, weights, null);
            default -> ce.forward(logits, targets, null);
        };
        float[] grad = new float[rows * classes];
        switch (weighting) {
            case MASK, CLASS_WEIGHTS_MASK -> ce.forward(logits, targets, mask, grad);
            case ROW_WEIGHTS -> ce.forward(logits, targets, weights, grad);
            default -> ce.forward(logits, targets, grad);
        }
        Checks.assertGradients(d, "cross-entropy " + weighting + " rows=" + rows + " classes=" + classes, f,
                List.of(GradCheck.Input.of("logits", logits, grad)));
    }
    /**
     * Cross-entropy with class weights (one of them possibly 0) together with row weights or a row mask and
     * ignored rows, as {@code nn.CrossEntropyLoss(weight=w)} with a weight per row on top: the gradient against
     * finite differences, the loss against {@code sum_i w_i (-log_softmax(x_i)[t_i]) / sum_i w_i} in double here.
     * Rows that do not count (masked, of row weight 0, ignored) carry targets outside the classes, which must not
     * be read, and the gradient array starts full of NaN, which every row must overwrite (zeros where nothing
     * counts, all of it when no row does).
     */
    @Property(tries = 60, seed = "20261206")
    void weightedCrossEntropyGradientMatchesFiniteDifferences(@ForAll boolean rowWeights, @ForAll @IntRange(min = 1, max = 8) int rows,
                                                              @ForAll @IntRange(min = 1, max = 7) int classes, @ForAll long seed) {
        Data d = new Data(seed);
        float[] classWeight = d.uniform(classes, 0.25, 3);
        if (classes > 1) classWeight[d.nextInt(classes)] = 0f;
        if (!(classWeight[0] + classWeight[classes - 1] > 0)) classWeight[0] = 1f; // not all zero
        CrossEntropyLoss ce = new CrossEntropyLoss(classes, CrossEntropyLoss.DEFAULT_IGNORE_INDEX, classWeight);
        float[] logits = d.signed(rows * classes, 4);
        int[] targets = new int[rows];
        boolean[] mask = new boolean[rows];
        float[] weights = d.uniform(rows, 0.25, 2);
        double[] w = new double[rows]; // each row's weight in the mean, by the formula
        for (int i = 0; i < rows; i++) {
            targets[i] = d.nextInt(classes);
            mask[i] = true;
            switch (d.nextInt(4)) {
                case 0 -> targets[i] = CrossEntropyLoss.DEFAULT_IGNORE_INDEX;
                case 1 -> {
                    // a row that does not count: padding's targets may hold anything
                    if (rowWeights) weights[i] = 0f; else mask[i] = false;
                    targets[i] = d.nextBoolean() ? classes + 3 : -7;
                }
                default -> w[i] = classWeight[targets[i]] * (rowWeights ? weights[i] : 1.0);
            }
        }
        GradCheck.LossFunction f = () -> rowWeights ? ce.forward(logits, targets, weights, null) : ce.forward(logits, targets, mask, null);
        float[] grad = new float[rows * classes];
        Arrays.fill(grad, Float.NaN);
        double loss = rowWeights ? ce.forward(logits, targets, weights, grad) : ce.forward(logits, targets, mask, grad);
        double num = 0, den = 0;
        for (int i = 0; i < rows; i++) {
            if (w[i] == 0) continue;
            double max = Double.NEGATIVE_INFINITY, sumExp = 0;
            for (int j = 0; j < classes; j++) max = Math.max(max, logits[i * classes + j]);
            for (int j = 0; j < classes; j++) sumExp += Math.exp(logits[i * classes + j] - max);
            num += w[i] * (max + Math.log(sumExp) - logits[i * classes + targets[i]]);
            den += w[i];
        }
        String what = "weighted cross-entropy " + (rowWeights ? "row weights " + Arrays.toString(weights) : "mask " + Arrays.toString(mask))
                + " class weights " + Arrays.toString(classWeight) + " targets " + Arrays.toString(targets);
        double expected = den == 0 ? 0 : num / den;
        if (!(Math.abs(loss - expected) <= 1e-5 * Math.max(1, Math.abs(expected)))) {
            throw new AssertionError(d + ", " + what + ": loss " + loss + ", expected " + expected);
        }
        if (den == 0) {
            for (float g : grad) if (g != 0f) throw new AssertionError(d + ", " + what + ": no row counts, gradient " + Arrays.toString(grad));
            return;
        }
        Checks.assertGradients(d, what, f, List.of(GradCheck.Input.of("logits", logits, grad)));
    }

    /** The arrays' lengths are checked, and row weights and targets on the rows that count, naming the row. */
    @Example
    void crossEntropyRefusesBadRowWeightsAndTargets() {
        CrossEntropyLoss ce = new CrossEntropyLoss(3, CrossEntropyLoss.DEFAULT_IGNORE_INDEX, new float[] {1f, 0.5f, 2f});
        float[] logits = new float[6];
        int[] targets = {0, 2};
        for (float bad : new float[] {-0.5f, Float.NaN, Float.POSITIVE_INFINITY}) {
            float[] grad = new float[6];
            Arrays.fill(grad, 4f);
            IllegalArgumentException e = Assertions.assertThrows(IllegalArgumentException.class,
                    () -> ce.forward(logits, targets, new float[] {1f, bad}, grad));
            Assertions.assertEquals("rowWeights: expected finite values >= 0, got " + bad + " at row 1", e.getMessage());
        }
        for (int t : new int[] {3, -1, -101}) {
            IllegalArgumentException e = Assertions.assertThrows(IllegalArgumentException.class,
                    () -> ce.forward(logits, new int[] {t, 1}, new float[6]));
            Assertions.assertEquals("targets: expected a class index in [0, 3) or the ignore index -100, got " + t + " at row 0",
                    e.getMessage());
        }
        // every array against the targets' count, N = 2 rows of 3 classes
        String[][] wrong = {
            {"targets", "expected at least 1 element", ""},
            {"logits", "7", ""}, {"mask", "3", ""}, {"rowWeights", "1", ""}, {"grad", "5", ""}};
        for (String[] w : wrong) {
            IllegalArgumentException e = Assertions.assertThrows(IllegalArgumentException.class, () -> {
                switch (w[0]) {
                    case "targets" -> ce.forward(new float[0], new int[0], null);
                    case "logits" -> ce.forward(new float[7], targets, null);
                    case "mask" -> ce.forward(logits, targets, new boolean[3], null);
                    case "rowWeights" -> ce.forward(logits, targets, new float[1], null);
                    default -> ce.forward(logits, targets, new float[5]);
                }
            });
            Assertions.assertTrue(e.getMessage().startsWith(w[0] + ":") && e.getMessage().contains(w[1]), e.getMessage());
        }
        // a row weight of 0 reads neither the target nor the class weights
        Assertions.assertEquals(0.0, ce.forward(logits, new int[] {3, 1}, new float[] {0f, 0f}, null));
    }
}
