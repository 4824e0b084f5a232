package dev.vecrnn.gradcheck;

import dev.vecrnn.nn.train.BceWithLogitsLoss;
import dev.vecrnn.nn.train.CrossEntropyLoss;
import dev.vecrnn.nn.train.Loss;
import dev.vecrnn.nn.train.MaeLoss;
import dev.vecrnn.nn.train.MseLoss;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

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
}
