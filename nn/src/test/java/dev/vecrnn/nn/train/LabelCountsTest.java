package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Param;
import dev.vecrnn.nn.model.Model;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Per-label counts of a multi-label evaluation against counts taken by hand (in the comments): from
 * {@link LabelCounts} itself, and from {@link Evaluation#of} where padded steps must not count; the figures
 * {@link Metrics#multiLabel} reports are the ones these counts give.
 */
class LabelCountsTest {
    private static final double TOL = 1e-12;

    /** tp, fp, fn of each label, as {@code expected[k] = {tp, fp, fn}}, and the rows counted. */
    private static void assertCounts(long[][] expected, long rows, LabelCounts c) {
        assertEquals(expected.length, c.labels());
        assertEquals(rows, c.rows(), "rows");
        for (int k = 0; k < expected.length; k++) {
            long tp = expected[k][0], fp = expected[k][1], fn = expected[k][2];
            assertEquals(tp, c.truePositives(k), "tp of label " + k);
            assertEquals(fp, c.falsePositives(k), "fp of label " + k);
            assertEquals(fn, c.falseNegatives(k), "fn of label " + k);
            assertEquals(tp + fn, c.support(k), "support of label " + k);
            assertEquals(tp + fp, c.predicted(k), "predicted of label " + k);
        }
    }

    /** The mean over labels of {@code 2 tp / (2 tp + fp + fn)} (0 for 0/0), from the hand counts. */
    private static double macroF1(long[][] counts) {
        double sum = 0;
        for (long[] c : counts) sum += c[0] == 0 ? 0 : 2.0 * c[0] / (2.0 * c[0] + c[1] + c[2]);
        return sum / counts.length;
    }

    @Test
    void countsByHand() {
        // 4 rows of 3 labels; predicted where the logit is above 0, a target where above 0.5
        float[] logits = {
            2, -1, -1,      // row 0: predicts {0}
            0.5f, 0.3f, -1, // row 1: predicts {0, 1}
            -3, 0, -1,      // row 2: predicts {} (a logit of 0 is not above 0)
            1, 1, -2};      // row 3: predicts {0, 1}
        float[] targets = {
            1, 0, 0,        // row 0: {0}       -> label 0 tp; every label right
            0, 1, 0,        // row 1: {1}       -> label 0 fp, label 1 tp
            1, 0.7f, 0,     // row 2: {0, 1}    -> label 0 fn, label 1 fn (0.7 is above 0.5)
            1, 0.5f, 0};    // row 3: {0}       -> label 0 tp, label 1 fp (0.5 is not above 0.5)
        // label 0: tp 2 (rows 0, 3), fp 1 (row 1), fn 1 (row 2); label 1: tp 1, fp 1, fn 1; label 2: never a target nor predicted
        long[][] hand = {{2, 1, 1}, {1, 1, 1}, {0, 0, 0}};
        LabelCounts c = new LabelCounts(3).add(logits, targets);
        assertCounts(hand, 4, c);
        assertEquals(1, c.exactRows(), "only row 0 has every label right");
        assertEquals(2.0 / 3, c.precision(0), TOL);
        assertEquals(2.0 / 3, c.recall(0), TOL);
        assertEquals(2.0 / 3, c.f1(0), TOL);
        assertEquals(0.5, c.f1(1), TOL);
        assertEquals(0.0, c.f1(2), TOL);
        assertTrue(Double.isNaN(c.precision(2)) && Double.isNaN(c.recall(2)), "a label never predicted nor a target has no precision or recall");

        Map<String, Double> m = Metrics.multiLabel(logits, targets, 3);
        assertEquals(macroF1(hand), m.get("f1_macro"), TOL);
        assertEquals((2.0 / 3 + 0.5 + 0) / 3, m.get("f1_macro"), TOL);
        // micro: tp 3, fp 2, fn 2 -> 6 / 10; binary accuracy: 12 labels, 4 wrong (the fp and fn); subset: 1 of 4 rows
        assertEquals(0.6, m.get("f1_micro"), TOL);
        assertEquals(8.0 / 12, m.get("binary_accuracy"), TOL);
        assertEquals(0.25, m.get("subset_accuracy"), TOL);
        assertEquals(Metrics.multiLabel(c), m);

        // adding in two batches counts the same as one
        LabelCounts split = new LabelCounts(3).add(java.util.Arrays.copyOf(logits, 6), java.util.Arrays.copyOf(targets, 6))
                .add(java.util.Arrays.copyOfRange(logits, 6, 12), java.util.Arrays.copyOfRange(targets, 6, 12));
        assertCounts(hand, 4, split);
        assertEquals(m, Metrics.multiLabel(split));

        // a copy is independent
        LabelCounts copy = c.copy();
        copy.add(new float[] {1, 1, 1}, new float[] {1, 1, 1});
        assertCounts(hand, 4, c);
        assertEquals(3, copy.truePositives(0));

        assertTrue(Double.isNaN(new LabelCounts(2).f1Macro()), "nothing added");
        assertThrows(IllegalArgumentException.class, () -> Metrics.multiLabel(new LabelCounts(2)));
        assertThrows(IllegalArgumentException.class, () -> c.truePositives(3));
        assertThrows(IllegalArgumentException.class, () -> new LabelCounts(2).add(new float[3], new float[3]));
        assertThrows(IllegalArgumentException.class, () -> new LabelCounts(2).add(new float[2], new float[4]));
    }

    /**
     * A per-step model whose logits are its inputs (a dense layer with the identity and no bias) on padded
     * sequences: the padded steps, whose logits and targets would each be a true positive, count nowhere.
     */
    @Test
    void evaluationCountsTheValidStepsOnly() {
        int n = 2, steps = 3, k = 2;
        Model model = Model.builder(k).dense(k).build();
        for (Param p : model.params()) {
            java.util.Arrays.fill(p.data(), 0);
            if (p.size() == k * k) for (int j = 0; j < k; j++) p.data()[j * k + j] = 1;
            p.changed();
        }
        float[] x = {
            // sequence 0, length 3
            1, -1,   -1, 1,   1, 1,
            // sequence 1, length 1: the last two steps are padding, predicted and targets on both labels
            -1, -1,   5, 5,   5, 5};
        float[] y = {
            1, 0,    1, 0,    0, 1,
            1, 0,    1, 1,    1, 1};
        // valid steps: (0,0) predicts {0} target {0}: tp 0. (0,1) predicts {1} target {0}: fn 0, fp 1.
        // (0,2) predicts {0, 1} target {1}: fp 0, tp 1. (1,0) predicts {} target {0}: fn 0.
        long[][] hand = {{1, 1, 2}, {1, 1, 0}};
        Dataset data = Dataset.regression(x, n, steps, k, new int[] {3, 1}, y, k, true);
        for (int batch : List.of(1, 64)) {
            Evaluation ev = Evaluation.of(model, data, Loss.bce(), batch);
            LabelCounts c = ev.labelCounts();
            assertCounts(hand, 4, c);
            assertEquals(1, c.exactRows(), "only step (0,0) has both labels right");
            assertEquals(macroF1(hand), ev.metric("f1_macro"), TOL);
            assertEquals((0.4 + 2.0 / 3) / 2, ev.metric("f1_macro"), TOL);
            double meanOfLabels = 0;
            for (int j = 0; j < k; j++) meanOfLabels += c.f1(j) / k;
            assertEquals(meanOfLabels, ev.metric("f1_macro"), TOL);
            assertEquals(0.5, ev.metric("f1_micro"), TOL); // tp 2, fp 2, fn 2
            // the record hands out copies: adding to one leaves the evaluation as it was
            c.add(new float[] {1, 1}, new float[] {1, 1});
            assertNotSame(c, ev.labelCounts());
            assertCounts(hand, 4, ev.labelCounts());
        }
        assertNull(Evaluation.of(model, data, Loss.mse(), 64).labelCounts(), "no counts for values");
        assertNull(new Evaluation(1, Map.of("loss", 1.0)).labelCounts());
        assertNull(new Evaluation(1, Map.of("loss", 1.0), null).labelCounts());
    }
}
