package dev.vecrnn.nn.train;

import dev.vecrnn.nn.model.Model;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.vecrnn.nn.train.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Labels at the cross-entropy's ignore index (PyTorch's {@code ignore_index}, -100 by default) in data that is
 * evaluated: the mean loss is over the other rows, as the loss itself and PyTorch take it, whatever the batch,
 * and accuracy and the confusion matrix count only those rows (torchmetrics' {@code ignore_index}).
 */
class IgnoreIndexTest {
    static final int N = 13, STEPS = 3, K = 3;

    static Dataset.Classification data(int[] y) {
        Random r = new Random(3);
        float[] x = new float[N * STEPS * 2];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        return Dataset.classification(x, N, STEPS, 2, null, y, false);
    }

    static int[] labels() {
        int[] y = new int[N];
        // ignored rows bunched at the end (the last-rows validation split), so batches hold different shares of them
        for (int i = 0; i < N; i++) y[i] = i >= 8 ? CrossEntropyLoss.DEFAULT_IGNORE_INDEX : i % 3;
        return y;
    }

    @Test
    void evaluationSkipsIgnoredRows() {
        int[] y = labels();
        Dataset.Classification d = data(y);
        Model m = Model.builder(2).seed(4).gru(4).lastStep().dense(K).build();
        float[] logits = m.predict(d.inputs()).data();
        double whole = new CrossEntropyLoss(K).forward(logits, y, null);
        // accuracy by hand over the scored rows
        int hits = 0, scored = 0;
        for (int i = 0; i < N; i++) {
            if (y[i] < 0) continue;
            int best = 0;
            for (int k = 1; k < K; k++) if (logits[i * K + k] > logits[i * K + best]) best = k;
            scored++;
            if (best == y[i]) hits++;
        }
        for (Loss loss : new Loss[] {new CrossEntropyLoss(K), CrossEntropyLoss.FROM_LOGITS,
                new CrossEntropyLoss(K, CrossEntropyLoss.DEFAULT_IGNORE_INDEX, new float[] {1, 1, 1})}) {
            for (int batch : new int[] {1, 4, 13}) {
                Evaluation ev = Evaluation.of(m, d, loss, batch);
                assertClose(loss + ", batch " + batch, whole, ev.loss(), 1e-6, 0);
                assertEquals((double) hits / scored, ev.metrics().get("accuracy"), loss + ", batch " + batch);
                assertEquals(scored, ev.confusion().total(), "rows in the confusion matrix");
            }
        }
    }

    @Test
    void fitValidatesOnRowsWithIgnoredLabels() {
        Dataset.Classification d = data(labels());
        Model m = Model.builder(2).seed(4).gru(4).lastStep().dense(K).build();
        Trainer.History h = new Trainer().seed(2).batchSize(4).epochs(2).validationSplit(0.5, true)
                .loss(new CrossEntropyLoss(K)).optimizer(ps -> new Sgd(ps, 0.1)).fit(m, d);
        assertEquals(2, h.epochs().size());
        // the validation rows: the last half, of which only those before row 8 are scored
        Dataset.Classification val = (Dataset.Classification) new Trainer().validationSplit(0.5, true).validationRows(d);
        assertTrue(val.size() > 5 && val.size() < 8, "validation rows " + val.size());
        double expected = new CrossEntropyLoss(K).forward(m.predict(val.inputs()).data(), val.labels(), null);
        assertClose("val_loss", expected, h.epochs().get(1).validation().loss(), 1e-6, 0);
    }

    @Test
    void allIgnoredIsRefused() {
        int[] y = new int[N];
        java.util.Arrays.fill(y, CrossEntropyLoss.DEFAULT_IGNORE_INDEX);
        Dataset.Classification d = data(y);
        Model m = Model.builder(2).seed(4).gru(4).lastStep().dense(K).build();
        assertEquals("data: every label is CrossEntropyLoss(classes=3, ignoreIndex=-100)'s ignore index -100, so there is nothing to score",
                assertThrows(IllegalArgumentException.class, () -> Evaluation.of(m, d, new CrossEntropyLoss(K), 4)).getMessage());
        float[] before = m.params().get(0).data().clone();
        String msg = assertThrows(IllegalArgumentException.class, () -> new Trainer().seed(2).epochs(1)
                .loss(new CrossEntropyLoss(K)).optimizer(ps -> new Sgd(ps, 0.1)).fit(m, d)).getMessage();
        assertTrue(msg.startsWith("training rows: every one weighs 0"), msg);
        assertArrayEquals(before, m.params().get(0).data());
    }

    /**
     * A batch whose rows are all at the ignore index has no loss (PyTorch's cross-entropy gives 0/0, NaN, there); the epoch's
     * training loss counted it as a 0, so that 5 such batches of 13 pulled the mean 5/13 of the way to 0. With the learning
     * rate 0 the weights stay as built, and the epoch's loss must be the mean of the 8 scored rows' losses (batches of one).
     */
    @Test
    void batchesOfIgnoredRowsAreNoZerosInTheEpochsLoss() {
        int[] y = labels();
        Dataset.Classification d = data(y);
        Model m = Model.builder(2).seed(4).gru(4).lastStep().dense(K).build();
        double expected = meanCrossEntropy(m.predict(d.inputs()).data(), y);
        Trainer.History h = new Trainer().seed(2).batchSize(1).epochs(2).loss(new CrossEntropyLoss(K))
                .optimizer(ps -> new Sgd(ps, 0)).fit(m, d);
        for (Trainer.Epoch e : h.epochs()) assertClose("epoch " + e.epoch() + " loss", expected, e.trainLoss(), 1e-6, 0);
    }

    /** The same for a TBPTT window whose steps are all ignored: the first 3 of 6 steps of every sequence. */
    @Test
    void tbpttWindowsOfIgnoredStepsAreNoZerosInTheEpochsLoss() {
        int steps = 6;
        Random r = new Random(5);
        float[] x = new float[N * steps * 2];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        int[] y = new int[N * steps];
        for (int i = 0; i < y.length; i++) y[i] = i % steps < 3 ? CrossEntropyLoss.DEFAULT_IGNORE_INDEX : (i * 7) % K;
        Dataset.Classification d = Dataset.classification(x, N, steps, 2, null, y, true);
        Model m = Model.builder(2).seed(4).gru(4).dense(K).build();
        // the second window starts from the state the first carried: the whole sequence's outputs at steps 3 to 5
        double expected = meanCrossEntropy(m.predict(d.inputs()).data(), y);
        Trainer.History h = new Trainer().seed(2).batchSize(N).epochs(1).tbptt(3, 3).loss(new CrossEntropyLoss(K))
                .optimizer(ps -> new Sgd(ps, 0)).fit(m, d);
        assertClose("loss", expected, h.epochs().get(0).trainLoss(), 1e-6, 0);
    }

    /** The mean of -log softmax(row)[label] over the rows not at the ignore index, in double, from the logits [rows, K]. */
    private static double meanCrossEntropy(float[] logits, int[] y) {
        double sum = 0;
        int n = 0;
        for (int i = 0; i < y.length; i++) {
            if (y[i] == CrossEntropyLoss.DEFAULT_IGNORE_INDEX) continue;
            double max = Double.NEGATIVE_INFINITY, z = 0;
            for (int k = 0; k < K; k++) max = Math.max(max, logits[i * K + k]);
            for (int k = 0; k < K; k++) z += Math.exp(logits[i * K + k] - max);
            sum += max + Math.log(z) - logits[i * K + y[i]];
            n++;
        }
        return sum / n;
    }
}
