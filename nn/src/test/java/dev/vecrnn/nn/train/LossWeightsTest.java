package dev.vecrnn.nn.train;

import dev.vecrnn.nn.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static dev.vecrnn.nn.train.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Class weights ({@link CrossEntropyLoss}'s {@code weight}) and positive weights ({@link BceWithLogitsLoss}'s
 * {@code posWeight}) beyond their values against PyTorch (TorchTrainingParityTest): argument checks, scikit-learn's
 * balanced weights, the trainer's training rows, a weighted validation mean over batches, and a resume with other
 * weights.
 */
class LossWeightsTest {

    @Test
    void classWeightArgumentsAreChecked() {
        assertEquals("weight: expected one weight per class, 3, got 2",
                assertThrows(IllegalArgumentException.class, () -> new CrossEntropyLoss(3, -100, new float[] {1, 2})).getMessage());
        assertEquals("weight: expected finite weights >= 0, got -0.5 at index 1",
                assertThrows(IllegalArgumentException.class, () -> new CrossEntropyLoss(2, -100, new float[] {1, -0.5f})).getMessage());
        assertEquals("weight: expected finite weights >= 0, got NaN at index 0",
                assertThrows(IllegalArgumentException.class, () -> new CrossEntropyLoss(2, -100, new float[] {Float.NaN, 1})).getMessage());
        assertEquals("weight: expected finite weights >= 0, got Infinity at index 1",
                assertThrows(IllegalArgumentException.class,
                        () -> new CrossEntropyLoss(2, -100, new float[] {1, Float.POSITIVE_INFINITY})).getMessage());
        assertEquals("weight: expected a weight above 0, got all zeros",
                assertThrows(IllegalArgumentException.class, () -> new CrossEntropyLoss(2, -100, new float[] {0, 0})).getMessage());
        assertEquals("posWeight: expected finite weights >= 0, got -1.0 at index 0",
                assertThrows(IllegalArgumentException.class, () -> new BceWithLogitsLoss(new float[] {-1})).getMessage());
        assertEquals("posWeight: expected at least 1 element, got 0",
                assertThrows(IllegalArgumentException.class, () -> new BceWithLogitsLoss(new float[0])).getMessage());
        assertEquals("posWeight: expected non-null, got null",
                assertThrows(IllegalArgumentException.class, () -> new BceWithLogitsLoss(null)).getMessage());
        // null class weights: none, as the two-argument constructor
        assertNull(new CrossEntropyLoss(2, -100, null).weight());
        assertEquals(new CrossEntropyLoss(2).toString(), new CrossEntropyLoss(2, -100, null).toString());
    }

    @Test
    void weightsAreCopiedInAndOut() {
        float[] w = {1, 3};
        CrossEntropyLoss ce = new CrossEntropyLoss(2, -100, w);
        float[] p = {2};
        BceWithLogitsLoss bce = new BceWithLogitsLoss(p);
        float[] logits = {0.5f, -1, 2, 0};
        int[] t = {1, 0};
        double before = ce.forward(logits, t, null);
        double bBefore = bce.forward(new float[] {0.3f}, new float[] {1}, null);
        w[1] = 100;
        p[0] = 100;
        ce.weight()[0] = 50;
        bce.posWeight()[0] = 50;
        assertEquals(before, ce.forward(logits, t, null));
        assertEquals(bBefore, bce.forward(new float[] {0.3f}, new float[] {1}, null));
        assertEquals("CrossEntropyLoss(classes=2, ignoreIndex=-100, weight=1.0,3.0)", ce.toString());
        assertEquals("bce(pos_weight=2.0)", bce.toString());
    }

    @Test
    void classWeightsDivideByTheirSumNotByTheRows() {
        // two rows, logits 0 everywhere: each row costs log 3; weights 2 and 0.5 of the classes of rows 0 and 1
        CrossEntropyLoss ce = new CrossEntropyLoss(3, -100, new float[] {2, 0.5f, 7});
        float[] g = new float[6];
        double v = ce.forward(new float[6], new int[] {0, 1}, g);
        assertClose("loss", Math.log(3), v, 1e-7, 0);
        // row 0: 2 (1/3 - onehot) / 2.5, row 1: 0.5 (1/3 - onehot) / 2.5
        assertClose("grad", new double[] {2 * (1 / 3.0 - 1) / 2.5, 2 / 3.0 / 2.5, 2 / 3.0 / 2.5,
                0.5 / 3 / 2.5, 0.5 * (1 / 3.0 - 1) / 2.5, 0.5 / 3 / 2.5}, g, 1e-6, 1e-7);
        // with row weights too, the two multiply: row 0 weighs 2 * 3, row 1 0.5 * 1
        float[] logits = {1, 0, 0, 0, 2, 0};
        double rows = ce.forward(logits, new int[] {0, 1}, new float[] {3, 1}, null);
        double l0 = Math.log(Math.E + 2) - 1, l1 = Math.log(Math.exp(2) + 2) - 2;
        assertClose("row and class weights", (6 * l0 + 0.5 * l1) / 6.5, rows, 1e-6, 0);
    }

    @Test
    void positiveWeightNeedsWholeRows() {
        BceWithLogitsLoss bce = new BceWithLogitsLoss(new float[] {1, 2});
        assertEquals("input: expected [rows, 2] (one column per positive weight), got 3 values",
                assertThrows(IllegalArgumentException.class, () -> bce.forward(new float[3], new float[3], null)).getMessage());
    }

    @Test
    void balancedWeightsAreScikitLearns() {
        // 10 rows: 7 of class 0, 2 of class 2, 1 of class 3; class 1 absent. sklearn over the classes present
        // (np.unique(y)): n / (3 * count)
        int[] y = {0, 2, 0, 0, 3, 0, 2, 0, 0, 0};
        Dataset.Classification d = Dataset.classification(new float[10], 10, 1, 1, null, y, false);
        float[] w = CrossEntropyLoss.balancedWeights(d, 4);
        assertArrayEquals(new float[] {(float) (10 / 21.0), 0f, (float) (10 / 6.0), (float) (10 / 3.0)}, w);
        // per step: padding rows are not counted (they hold class 1 here)
        int[] ys = {0, 0, 1, 1, 2, 1, 1, 1};
        Dataset.Classification ps = Dataset.classification(new float[8], 2, 4, 1, new int[] {2, 2}, ys, true);
        // valid: 0, 0, 2, 1 -> n 4, 3 classes: 0 -> 4 / 6, 1 -> 4 / 3, 2 -> 4 / 3
        assertArrayEquals(new float[] {(float) (4 / 6.0), (float) (4 / 3.0), (float) (4 / 3.0)},
                CrossEntropyLoss.balancedWeights(ps, 3));
        assertEquals("data: expected class labels, got float targets", assertThrows(IllegalArgumentException.class,
                () -> CrossEntropyLoss.balancedWeights(Dataset.regression(new float[2], 2, 1, 1, null, new float[2], 1, false), 2)).getMessage());
        assertEquals("data: expected class labels in [0, 3), got 3 at row 4",
                assertThrows(IllegalArgumentException.class, () -> CrossEntropyLoss.balancedWeights(d, 3)).getMessage());
        // the weighted mean of balanced weights over the data they came from divides by n: sum_c count_c n / (k count_c)
        assertClose("denominator", 10, new CrossEntropyLoss(4, -100, w).countedWeight(y), 1e-6, 0);
    }

    @Test
    void trainingDataIsTheRowsFitTrainsOn() {
        int n = 20;
        int[] y = new int[n];
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 2;
            x[i] = i; // the row's own index, to tell rows apart
        }
        Dataset.Classification d = Dataset.classification(x, n, 1, 1, null, y, false);
        for (boolean last : new boolean[] {false, true}) {
            Trainer tr = new Trainer().seed(5).validationSplit(0.25, last);
            Dataset train = tr.trainingData(d);
            assertEquals(15, train.size());
            if (last) {
                for (int i = 0; i < 15; i++) assertEquals(i, train.x()[i]);
            } else {
                float[] sorted = train.x().clone();
                Arrays.sort(sorted);
                assertFalse(Arrays.equals(sorted, Arrays.copyOf(x, 15)), "random rows are not the first 15");
            }
            // fit validates on the complement: its history's validation rows are the ones left out
            Model m = Model.builder(1).seed(1).rnn(2).lastStep().dense(2).build();
            Trainer.History h = new Trainer().seed(5).validationSplit(0.25, last).epochs(1).batchSize(4)
                    .optimizer(ps -> new Sgd(ps, 0)).fit(m, d);
            boolean[] inTrain = new boolean[n];
            for (float v : train.x()) inTrain[(int) v] = true;
            int[] valIdx = new int[5];
            int k = 0;
            for (int i = 0; i < n; i++) if (!inTrain[i]) valIdx[k++] = i;
            assertEquals(5, k);
            Dataset val = d.subset(valIdx, 0, 5);
            assertClose("val loss on the rows left out", Evaluation.of(m, val, Loss.crossEntropy(), 64).loss(),
                    h.epochs().get(0).validation().loss(), 1e-6, 0);
        }
        assertEquals(d, new Trainer().trainingData(d));
        assertThrows(IllegalArgumentException.class, () -> new Trainer().validationSplit(0.99).trainingData(d));  // floor(20 * 0.01) = 0 rows train
    }

    @Test
    void weightedValidationLossIsOneMeanOverTheWholeSet() {
        Random r = new Random(3);
        int n = 13, steps = 3, k = 3;
        float[] x = new float[n * steps * 2];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        int[] y = new int[n];
        for (int i = 0; i < n; i++) y[i] = i % 5 == 0 ? 2 : i % 3 == 0 ? 1 : 0;
        Dataset.Classification d = Dataset.classification(x, n, steps, 2, null, y, false);
        Model m = Model.builder(2).seed(4).gru(4).lastStep().dense(k).build();
        CrossEntropyLoss ce = new CrossEntropyLoss(k, -100, new float[] {0.25f, 3, 1.5f});
        float[] logits = m.predict(d.inputs()).data();
        double whole = ce.forward(logits, y, null);
        for (int batch : new int[] {1, 4, 13}) {
            Evaluation ev = Evaluation.of(m, d, ce, batch);
            assertClose("batch " + batch, whole, ev.loss(), 1e-6, 0);
            assertFalse(ev.metrics().containsKey("perplexity"), "a weighted mean is no perplexity");
        }
        assertTrue(Evaluation.of(m, d, new CrossEntropyLoss(k), 4).metrics().containsKey("perplexity"));
    }

    @Test
    void resumeWithOtherWeightsIsRefused(@TempDir Path dir) {
        int n = 8;
        int[] y = {0, 1, 0, 0, 0, 1, 0, 0};
        Dataset.Classification d = Dataset.classification(new float[n * 2], n, 2, 1, null, y, false);
        Path ckpt = dir.resolve("c.safetensors");
        CrossEntropyLoss weighted = new CrossEntropyLoss(2, -100, new float[] {1, 3});
        Model m = Model.builder(1).seed(1).rnn(2).lastStep().dense(2).build();
        trainer(weighted).epochs(1).checkpoint(ckpt).fit(m, d);
        for (Loss other : new Loss[] {new CrossEntropyLoss(2, -100, new float[] {1, 4}), new CrossEntropyLoss(2), Loss.crossEntropy(), null}) {
            Model fresh = Model.builder(1).seed(1).rnn(2).lastStep().dense(2).build();
            String msg = assertThrows(IllegalArgumentException.class, () -> trainer(other).epochs(2).resumeFrom(ckpt).fit(fresh, d)).getMessage();
            assertTrue(msg.contains("written with loss_weights = 'CrossEntropyLoss(classes=2, ignoreIndex=-100, weight=1.0,3.0)'"), msg);
        }
        // the same weights resume
        trainer(new CrossEntropyLoss(2, -100, new float[] {1, 3})).epochs(2).resumeFrom(ckpt).fit(Model.builder(1).seed(1).rnn(2).lastStep().dense(2).build(), d);
        // and a checkpoint without weights refuses weights
        Path plain = dir.resolve("p.safetensors");
        trainer(null).epochs(1).checkpoint(plain).fit(Model.builder(1).seed(1).rnn(2).lastStep().dense(2).build(), d);
        String msg = assertThrows(IllegalArgumentException.class,
                () -> trainer(weighted).epochs(2).resumeFrom(plain).fit(Model.builder(1).seed(1).rnn(2).lastStep().dense(2).build(), d)).getMessage();
        assertTrue(msg.contains("written with loss_weights = 'none', but this trainer has CrossEntropyLoss(classes=2"), msg);
        trainer(Loss.crossEntropy()).epochs(2).resumeFrom(plain).fit(Model.builder(1).seed(1).rnn(2).lastStep().dense(2).build(), d);
    }

    @Test
    void resumeRefusalNamesTheSettingAndBothValues(@TempDir Path dir) {
        int[] y = {0, 1, 0, 0, 0, 1, 0, 0};
        Dataset.Classification d = Dataset.classification(new float[16], 8, 2, 1, null, y, false);
        Path ckpt = dir.resolve("c.safetensors");
        trainer(null).epochs(1).validationSplit(0.25).checkpoint(ckpt).fit(Model.builder(1).seed(1).rnn(2).lastStep().dense(2).build(), d);
        CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class, () -> trainer(null).epochs(2).validationSplit(0.5)
                .resumeFrom(ckpt).fit(Model.builder(1).seed(1).rnn(2).lastStep().dense(2).build(), d));
        assertEquals("validation_split", e.setting());
        assertEquals("0.25", e.written().get("validation_split"));
        assertEquals("0.5", e.trainer().get("validation_split"));
        assertEquals("none", e.written().get("validation_data"));
        assertEquals("4", e.written().get("batch_size"));
        assertTrue(e.getMessage().contains("written with validation_split = '0.25', but this trainer has 0.5"), e.getMessage());
    }

    @Test
    void rowsThatAllWeighZeroAreRefusedBeforeTraining(@TempDir Path dir) {
        // validation rows all of class 1, which weighs 0: PyTorch's weighted mean is 0/0 = NaN; this loss gives 0 there,
        // which would make every epoch look perfect (early stopping keeps epoch 1)
        int[] y = {0, 1, 0, 0, 0, 1, 0, 0};
        Dataset.Classification d = Dataset.classification(new float[16], 8, 2, 1, null, y, false);
        Dataset.Classification val = Dataset.classification(new float[6], 3, 2, 1, null, new int[] {1, 1, 1}, false);
        CrossEntropyLoss ce = new CrossEntropyLoss(2, -100, new float[] {1, 0});
        Model m = Model.builder(1).seed(1).rnn(2).lastStep().dense(2).build();
        var before = m.stateDict();
        Path ckpt = dir.resolve("c.safetensors");
        String msg = assertThrows(IllegalArgumentException.class,
                () -> trainer(ce).epochs(1).validationData(val).checkpoint(ckpt).fit(m, d)).getMessage();
        assertTrue(msg.startsWith("validation rows: every one weighs 0"), msg);
        assertTrue(msg.contains("0/0"), msg);
        // training rows alike (all of class 1 under weights 1, 0)
        Dataset.Classification ones = Dataset.classification(new float[16], 8, 2, 1, null, new int[] {1, 1, 1, 1, 1, 1, 1, 1}, false);
        msg = assertThrows(IllegalArgumentException.class, () -> trainer(ce).epochs(1).fit(m, ones)).getMessage();
        assertTrue(msg.startsWith("training rows: every one weighs 0"), msg);
        // a split whose validation rows are the class-1 ones (the last two rows)
        int[] tail = {0, 0, 0, 0, 0, 0, 1, 1};
        Dataset.Classification dt = Dataset.classification(new float[16], 8, 2, 1, null, tail, false);
        msg = assertThrows(IllegalArgumentException.class, () -> trainer(ce).epochs(1).validationSplit(0.25, true).fit(m, dt)).getMessage();
        assertTrue(msg.startsWith("validation rows: every one weighs 0"), msg);
        // nothing changed: the weights as built, no checkpoint written
        before.forEach((k, v) -> assertArrayEquals(v.data(), m.stateDict().get(k).data(), k));
        assertFalse(java.nio.file.Files.exists(ckpt));
        // the rows fit validates on, as a caller checks them first: the split's held-out rows, else the validation data
        assertArrayEquals(new int[] {1, 1}, ((Dataset.Classification) trainer(ce).validationSplit(0.25, true).validationRows(dt)).labels());
        assertEquals(val, trainer(ce).validationData(val).validationRows(d));
        assertNull(trainer(ce).validationRows(d));
        // one validation row of weight above 0 is enough
        Dataset.Classification mixed = Dataset.classification(new float[6], 3, 2, 1, null, new int[] {1, 0, 1}, false);
        trainer(ce).epochs(1).validationData(mixed).fit(m, d);
    }

    @Test
    void positiveWeightsMustMatchTheOutputs() {
        Dataset.Regression d = Dataset.regression(new float[4], 4, 1, 1, null, new float[] {0, 1, 0, 0}, 1, false);
        Model m = Model.builder(1).seed(1).rnn(2).lastStep().dense(1).build();
        String msg = assertThrows(IllegalArgumentException.class,
                () -> trainer(new BceWithLogitsLoss(new float[] {1, 2})).epochs(1).fit(m, d)).getMessage();
        assertEquals("bce(pos_weight=1.0,2.0): expected one positive weight per output of the model, 1, got 2", msg);
    }

    private static Trainer trainer(Loss loss) {
        return new Trainer().seed(2).batchSize(4).loss(loss).optimizer(ps -> new Sgd(ps, 0.1));
    }
}
