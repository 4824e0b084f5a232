package dev.vecrnn.nn.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Metrics on small cases computed by hand (in the comments); double results, 1e-12 tolerance. */
class MetricsTest {
    static final double TOL = 1e-12;

    @Test
    void accuracyFromIdsAndLogits() {
        assertEquals(0.5, Metrics.accuracy(new int[] {0, 1, 2, 2}, new int[] {0, 2, 2, 1}), TOL);
        // argmax rows: 1, 0, 2 (and the tie [2, 2, 1] picks the first): targets 1, 0, 0, 0 -> 3 of 4
        float[] logits = {1, 2, 0, 5, 1, 1, 0, 0, 3, 2, 2, 1};
        assertEquals(0.75, Metrics.accuracy(logits, 3, new int[] {1, 0, 0, 0}), TOL);
    }

    @Test
    void multiLabel() {
        // rows of 2 labels; predicted where the logit is above 0, a target where above 0.5:
        // row 0 [2, -1] vs [1, 0]: both right (tp label 0); row 1 [0.5, 0.3] vs [0, 1]: fp label 0, tp label 1;
        // row 2 [-3, 0] vs [1, 0.7]: fn label 0, fn label 1 (a logit of 0 is probability 0.5, not above it)
        float[] logits = {2, -1, 0.5f, 0.3f, -3, 0};
        float[] targets = {1, 0, 0, 1, 1, 0.7f};
        var m = Metrics.multiLabel(logits, targets, 2);
        assertEquals(java.util.List.of("binary_accuracy", "subset_accuracy", "f1_micro", "f1_macro"), java.util.List.copyOf(m.keySet()));
        assertEquals(3.0 / 6, m.get("binary_accuracy"), TOL);
        assertEquals(1.0 / 3, m.get("subset_accuracy"), TOL);
        // micro: tp 2, fp 1, fn 2 -> 4 / 7; label 0: tp 1, fp 1, fn 1 -> 1/2; label 1: tp 1, fn 1 -> 2/3
        assertEquals(4.0 / 7, m.get("f1_micro"), TOL);
        assertEquals((0.5 + 2.0 / 3) / 2, m.get("f1_macro"), TOL);
        // a third label never a target nor predicted counts 0 in the macro mean (scikit-learn's zero_division default)
        float[] l3 = {2, -1, -1, 0.5f, 0.3f, -1, -3, 0, -1};
        float[] t3 = {1, 0, 0, 0, 1, 0, 1, 0.7f, 0};
        var m3 = Metrics.multiLabel(l3, t3, 3);
        assertEquals((0.5 + 2.0 / 3) / 3, m3.get("f1_macro"), TOL);
        assertEquals(4.0 / 7, m3.get("f1_micro"), TOL);
        assertEquals(6.0 / 9, m3.get("binary_accuracy"), TOL);
        // nothing positive anywhere: F1 0, accuracy 1
        var none = Metrics.multiLabel(new float[] {-1, -2}, new float[] {0, 0}, 2);
        assertEquals(0.0, none.get("f1_micro"), TOL);
        assertEquals(1.0, none.get("subset_accuracy"), TOL);
        assertThrows(IllegalArgumentException.class, () -> Metrics.multiLabel(new float[3], new float[3], 2));
        assertThrows(IllegalArgumentException.class, () -> Metrics.multiLabel(new float[2], new float[4], 2));
    }

    @Test
    void binaryF1() {
        // tp = 2 (rows 0, 3), fp = 1 (row 1), fn = 1 (row 4): P = R = 2/3, F1 = 2/3
        assertEquals(2.0 / 3, Metrics.f1(new int[] {1, 1, 0, 1, 0, 0}, new int[] {1, 0, 0, 1, 1, 0}), TOL);
        // no positive anywhere: 0 (scikit-learn's zero_division=0)
        assertEquals(0.0, Metrics.f1(new int[] {0, 0}, new int[] {0, 0}), TOL);
        // all positives missed: P undefined, R = 0 -> 0
        assertEquals(0.0, Metrics.f1(new int[] {0, 0}, new int[] {1, 0}), TOL);
    }

    @Test
    void macroF1OverClassesPresent() {
        // rows (pred, target): (0,0) (0,1) (1,1) (1,2) (2,2) (2,0) (2,2)
        // class 0: tp 1, fp 1, fn 1 -> 1/2; class 1: tp 1, fp 1, fn 1 -> 1/2; class 2: tp 2, fp 1, fn 1 -> 2/3
        // class 3 never occurs and is left out (scikit-learn's default labels): (1/2 + 1/2 + 2/3) / 3 = 5/9
        int[] pred = {0, 0, 1, 1, 2, 2, 2};
        int[] target = {0, 1, 1, 2, 2, 0, 2};
        assertEquals(5.0 / 9, Metrics.f1Macro(pred, target, 4), TOL);
        ConfusionMatrix cm = new ConfusionMatrix(4).add(pred, target);
        assertEquals(2, cm.count(2, 2));
        assertEquals(1, cm.count(0, 2));
        assertEquals(0.0, cm.f1(3), TOL);
        assertEquals(4.0 / 7, cm.accuracy(), TOL);
    }

    @Test
    void crossEntropyAndPerplexity() {
        // uniform logits over 5 classes: cross-entropy ln 5, perplexity 5; the masked row (target 9) is skipped
        float[] logits = new float[15];
        logits[10] = 100;
        assertEquals(5.0, Metrics.perplexity(logits, 5, new int[] {0, 3, 9}, new boolean[] {true, true, false}), 1e-12);
        // logits [0, ln 3], target 0: log(1 + 3) - 0 = ln 4
        assertEquals(Math.log(4), Metrics.crossEntropy(new float[] {0, (float) Math.log(3)}, 2, new int[] {0}, null), 1e-7);
        assertEquals(Math.E, Metrics.perplexity(1.0), TOL);
        // a mean log-likelihood passed for the cross-entropy gave a perplexity below 1
        assertEquals("meanCrossEntropyNats: expected a cross-entropy >= 0 (the negative mean log-likelihood), got -1.0",
                assertThrows(IllegalArgumentException.class, () -> Metrics.perplexity(-1.0)).getMessage());
        assertTrue(Double.isNaN(Metrics.perplexity(Double.NaN)));
        assertEquals(1.0, Metrics.perplexity(0.0), TOL);
    }

    @Test
    void regressionErrors() {
        float[] pred = {1, 2, 3};
        float[] target = {1, 4, -1};
        // differences 0, -2, 4: RMSE sqrt((0 + 4 + 16) / 3), MAE 6 / 3, MAPE 100 * (0 + 2/4 + 4/1) / 3
        assertEquals(Math.sqrt(20.0 / 3), Metrics.rmse(pred, target), TOL);
        assertEquals(2.0, Metrics.mae(pred, target), TOL);
        assertEquals(150.0, Metrics.mape(pred, target), TOL);
        assertEquals(10.0, Metrics.mape(new float[] {110, 90}, new float[] {100, 100}), 1e-12);
    }

    @Test
    void mapeDividesZeroTargetsByKerasEpsilon() {
        // |0.5 - 0| / 1e-7 = 5e6, times 100: one zero target dominates (documented; Keras does the same)
        assertEquals(100 * 0.5 / 1e-7, Metrics.mape(new float[] {0.5f}, new float[] {0}), 1e-3);
    }

    @Test
    void streamingEqualsWholeArrays() {
        RegressionStats s = new RegressionStats();
        assertTrue(Double.isNaN(s.rmse()));
        s.add(new float[] {1, 2}, new float[] {1, 4}).add(new float[] {3}, new float[] {-1});
        assertEquals(Metrics.rmse(new float[] {1, 2, 3}, new float[] {1, 4, -1}), s.rmse(), TOL);
        assertEquals(3, s.count());
        s.reset();
        assertEquals(0, s.count());

        ConfusionMatrix cm = new ConfusionMatrix(3);
        assertTrue(Double.isNaN(cm.accuracy()));
        cm.addLogits(new float[] {1, 2, 0, 5, 1, 1}, new int[] {1, 0}, null);
        cm.addLogits(new float[] {0, 0, 3, 9, 9, 9}, new int[] {0, 2}, new boolean[] {true, false});
        assertEquals(2.0 / 3, cm.accuracy(), TOL);
        assertEquals(3, cm.total());

        RunningMean m = new RunningMean();
        assertTrue(Double.isNaN(m.mean()));
        m.add(2, 1).add(4, 3).add(100, 0);
        assertEquals(3.5, m.mean(), TOL);
        assertEquals(4.0, m.weight(), TOL);
    }

    @Test
    void argumentErrors() {
        assertEquals("targets: expected length 2, got 1", assertThrows(IllegalArgumentException.class,
                () -> Metrics.accuracy(new int[2], new int[1])).getMessage());
        assertEquals("predicted: expected at least 1 element, got 0", assertThrows(IllegalArgumentException.class,
                () -> Metrics.rmse(new float[0], new float[0])).getMessage());
        assertEquals("targets: expected a class in [0, 2), got 2 at row 1", assertThrows(IllegalArgumentException.class,
                () -> Metrics.f1(new int[] {0, 1}, new int[] {0, 2})).getMessage());
        assertEquals("logits: expected length 6, got 4", assertThrows(IllegalArgumentException.class,
                () -> Metrics.accuracy(new float[4], 3, new int[2])).getMessage());
        assertEquals("mask: expected at least 1 counted row, got none", assertThrows(IllegalArgumentException.class,
                () -> Metrics.crossEntropy(new float[2], 2, new int[] {0}, new boolean[] {false})).getMessage());
    }

    /**
     * A confusion matrix held classes x classes longs: a fit whose targets held the label 34,561 (a mutated y.npy)
     * ran out of memory in the validation metrics after the model itself had been sized, and 46,341 classes or
     * more overflowed an int. Only the nonzero cells are kept now; the metrics are the ones worked out by hand
     * (accuracy 2/4; F1 1, 0.5 and 0 for the classes 0, 7 and 49,999 present; macro F1 their mean).
     */
    @Test
    void manyClassesCostMemoryForTheRowsAddedOnly() {
        ConfusionMatrix cm = new ConfusionMatrix(50_000).add(new int[] {0, 49_999, 7, 7}, new int[] {0, 7, 7, 49_999});
        assertEquals(0.5, cm.accuracy(), TOL);
        assertEquals(1.0, cm.f1(0), TOL);
        assertEquals(0.5, cm.f1(7), TOL);
        assertEquals(0.0, cm.f1(49_999), TOL);
        assertEquals(0.5, cm.f1Macro(), TOL);
        assertEquals(1, cm.count(7, 49_999));
        assertEquals(1, cm.count(49_999, 7));
        assertEquals(0, cm.count(49_999, 49_999));
        cm.reset();
        assertEquals(1.0, cm.add(49_999, 49_999).f1Macro(), TOL);
    }

    /**
     * The README prints each epoch ({@code onEpoch(e -> System.out.println(e))}), and its validation's
     * confusion matrix printed as {@code dev.vecrnn.nn.train.ConfusionMatrix@1554909b}: it now says what it holds.
     */
    @Test
    void confusionMatrixPrintsItsSize() {
        ConfusionMatrix cm = new ConfusionMatrix(3).add(new int[] {0, 1, 2, 2}, new int[] {0, 2, 2, 1});
        assertEquals("ConfusionMatrix[classes=3, rows=4, accuracy=0.5000]", cm.toString());
        assertEquals("ConfusionMatrix[classes=2, rows=0]", new ConfusionMatrix(2).toString());
    }

    /**
     * Every cell of a confusion matrix over 300 classes, 40,000 random rows (tens of thousands of distinct cells, so the
     * table grows many times), against a dense count; a copy stays as it was while the original takes more rows, and a
     * reset one counts from zero.
     */
    @Test
    void cellsCountEveryRowAddedAcrossGrowthCopyAndReset() {
        int k = 300, n = 40_000;
        java.util.Random r = new java.util.Random(11);
        int[] pred = new int[n], target = new int[n];
        long[][] dense = new long[k][k];
        for (int i = 0; i < n; i++) {
            target[i] = r.nextInt(k);
            pred[i] = r.nextInt(4) == 0 ? target[i] : r.nextInt(k);
            dense[target[i]][pred[i]]++;
        }
        ConfusionMatrix cm = new ConfusionMatrix(k).add(pred, target);
        ConfusionMatrix before = cm.copy();
        cm.add(5, 7);
        for (int t = 0; t < k; t++) {
            for (int p = 0; p < k; p++) {
                assertEquals(dense[t][p], before.count(t, p), "cell " + t + ", " + p);
                assertEquals(dense[t][p] + (t == 7 && p == 5 ? 1 : 0), cm.count(t, p), "cell " + t + ", " + p);
            }
        }
        cm.reset();
        assertEquals(0, cm.count(7, 5));
        assertEquals(1, cm.add(5, 7).count(7, 5));
        assertEquals(0, cm.count(0, 0));
    }

    /**
     * Counting a row allocated nothing only until its cell passed 127 rows: the cells were a map of boxed longs, a
     * {@code Long} each row past that (a validation of 200,000 steps, 16 bytes each). With primitive cells, rows of
     * cells already present allocate nothing; measured with the thread's allocation counter, under a byte a row.
     */
    @Test
    void countingRowsOfKnownCellsAllocatesNothing() {
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        org.junit.jupiter.api.Assumptions.assumeTrue(mx.isThreadAllocatedMemorySupported() && mx.isThreadAllocatedMemoryEnabled());
        int n = 50_000;
        int[] pred = new int[n], target = new int[n];
        for (int i = 0; i < n; i++) {
            target[i] = i % 3;
            pred[i] = (i / 3) % 3;
        }
        ConfusionMatrix cm = new ConfusionMatrix(3).add(pred, target);  // every cell present, each past 127 rows
        long start = mx.getCurrentThreadAllocatedBytes();
        cm.add(pred, target);
        long allocated = mx.getCurrentThreadAllocatedBytes() - start;
        assertTrue(allocated < n, allocated + " bytes allocated for " + n + " rows");
        assertEquals(2L * n / 9, cm.count(2, 2), 2);
    }
}
