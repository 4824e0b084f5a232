package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.model.Model;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.vecrnn.nn.train.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Which batches count in an epoch's training loss, for each kind of loss: a batch whose rows all weigh 0 under a
 * cross-entropy (at its ignore index, or of a class of weight 0) has no loss and is left out of the mean; under any
 * other loss every batch has rows, so every batch counts. With the learning rate 0 the weights stay as built, so the
 * expected means are computed here in double from the model's outputs. And the weight each loss's call reports (what
 * the trainer and {@link Evaluation} weigh a batch by), against a count made here, over per-step rows with padding.
 */
class BatchWeightTest {
    static final int N = 13, STEPS = 3, K = 3;

    private static Dataset.Classification data(int[] y) {
        return IgnoreIndexTest.data(y);
    }

    /** -log softmax(logits row i)[label], in double. */
    static double rowLoss(float[] logits, int i, int label) {
        double max = Double.NEGATIVE_INFINITY, z = 0;
        for (int k = 0; k < K; k++) max = Math.max(max, logits[i * K + k]);
        for (int k = 0; k < K; k++) z += Math.exp(logits[i * K + k] - max);
        return max + Math.log(z) - logits[i * K + label];
    }

    /**
     * Trains one epoch in batches of one row at learning rate 0: each counted batch's loss is its row's (a weight
     * cancels in a mean of one), so the epoch's loss must be the mean over the rows {@code counts} keeps.
     */
    private static void assertEpochLossIsTheMeanOf(java.util.function.IntPredicate counts, Loss loss, int[] y) {
        Dataset.Classification d = data(y);
        Model m = Model.builder(2).seed(4).gru(4).lastStep().dense(K).build();
        float[] logits = m.predict(d.inputs()).data();
        double sum = 0;
        int n = 0;
        for (int i = 0; i < N; i++) {
            if (!counts.test(y[i])) continue;
            sum += rowLoss(logits, i, y[i]);
            n++;
        }
        Trainer.History h = new Trainer().seed(2).batchSize(1).epochs(1).loss(loss).optimizer(ps -> new Sgd(ps, 0)).fit(m, d);
        assertClose(loss + "", sum / n, h.epochs().get(0).trainLoss(), 1e-6, 0);
    }

    @Test
    void batchesOfAClassOfWeightZeroAreLeftOutOfTheEpochsLoss() {
        int[] y = new int[N];
        for (int i = 0; i < N; i++) y[i] = i % 3;
        assertEpochLossIsTheMeanOf(label -> label != 1, new CrossEntropyLoss(K, -100, new float[] {1, 0, 2}), y);
    }

    @Test
    void theDefaultCrossEntropyLeavesOutBatchesOfIgnoredRows() {
        assertEpochLossIsTheMeanOf(label -> label != CrossEntropyLoss.DEFAULT_IGNORE_INDEX, Loss.crossEntropy(), IgnoreIndexTest.labels());
    }

    /** A loss of one's own of class ids, of value {@code value(labels)} and zero gradient. */
    private static Loss classIdLoss(java.util.function.ToDoubleFunction<int[]> value) {
        return new Loss() {
            @Override
            public double forward(float[] input, float[] target, float[] grad) {
                throw new AssertionError("float targets");
            }

            @Override
            public double forward(float[] logits, int[] labels, float[] grad) {
                if (grad != null) java.util.Arrays.fill(grad, 0f);
                return value.applyAsDouble(labels);
            }
        };
    }

    /** A loss of one's own knows no ignore index: its value on rows labelled -100 is a loss like any other, and counts. */
    @Test
    void aUserLossOfClassIdsCountsEveryBatch() {
        Dataset.Classification d = data(IgnoreIndexTest.labels());
        Model m = Model.builder(2).seed(4).gru(4).lastStep().dense(K).build();
        Loss mine = classIdLoss(labels -> labels[0] == CrossEntropyLoss.DEFAULT_IGNORE_INDEX ? 0 : 1);
        Trainer.History h = new Trainer().seed(2).batchSize(1).epochs(1).loss(mine).optimizer(ps -> new Sgd(ps, 0)).fit(m, d);
        assertEquals(8.0 / 13, h.epochs().get(0).trainLoss(), 1e-12, "8 batches of 1, 5 of 0");
    }

    /** TBPTT under class weights: the first window's steps are all of class 0, which weighs 0, so only the second counts. */
    @Test
    void tbpttWindowsOfZeroWeightAreLeftOut() {
        int steps = 6;
        Random r = new Random(5);
        float[] x = new float[N * steps * 2];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        int[] y = new int[N * steps];
        for (int i = 0; i < y.length; i++) y[i] = i % steps < 3 ? 0 : 1 + (i * 7) % 2;
        float[] w = {0, 0.5f, 3};
        Dataset.Classification d = Dataset.classification(x, N, steps, 2, null, y, true);
        Model m = Model.builder(2).seed(4).gru(4).dense(K).build();
        float[] logits = m.predict(d.inputs()).data();
        double sum = 0, weights = 0;
        for (int i = 0; i < y.length; i++) {
            if (i % steps < 3) continue;
            sum += w[y[i]] * rowLoss(logits, i, y[i]);
            weights += w[y[i]];
        }
        Trainer.History h = new Trainer().seed(2).batchSize(N).epochs(1).tbptt(3, 3).loss(new CrossEntropyLoss(K, -100, w))
                .optimizer(ps -> new Sgd(ps, 0)).fit(m, d);
        assertClose("loss", sum / weights, h.epochs().get(0).trainLoss(), 1e-6, 0);
    }

    /** Per-step data of 3 sequences of 4 steps, lengths 4, 2, 3 (3 steps of padding), and their outputs. */
    private static final int SEQ = 3, T = 4;
    private static final int[] LENGTHS = {4, 2, 3};

    private static float[] noise(int n, long seed) {
        Random r = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    /** The rows of {@code a} ({@code [SEQ, T, width]}) within each sequence's length, in order. */
    private static float[] validRows(float[] a, int width) {
        int n = 0;
        for (int len : LENGTHS) n += len;
        float[] v = new float[n * width];
        int at = 0;
        for (int b = 0; b < SEQ; b++) {
            System.arraycopy(a, b * T * width, v, at, LENGTHS[b] * width);
            at += LENGTHS[b] * width;
        }
        return v;
    }

    private static ValidRows.Scored score(Loss loss, float[] out, int width, Dataset d) {
        ValidRows.Scored s = new ValidRows.Scored();
        s.value = s.weight = -1;
        ValidRows.score(loss, Batch.sequences(out, SEQ, T, width, LENGTHS), d, new float[out.length], s);
        return s;
    }

    @Test
    void crossEntropiesReportTheWeightTheyDivideBy() {
        // padding holds labels out of range: it never reaches the loss
        int[] y = {0, -100, 2, 1, /**/ -100, 1, 7, 7, /**/ 2, 2, 0, 7};
        float[] w = {0.5f, 0, 4};
        Dataset.Classification d = Dataset.classification(new float[SEQ * T], SEQ, T, 1, LENGTHS, y, true);
        float[] out = noise(SEQ * T * K, 1);
        double plain = 0, weighted = 0;
        for (int b = 0; b < SEQ; b++) {
            for (int t = 0; t < LENGTHS[b]; t++) {
                int label = y[b * T + t];
                if (label == -100) continue;
                plain += 1;
                weighted += w[label];
            }
        }
        assertEquals(7, plain);
        assertEquals(0.5 * 2 + 0 * 2 + 4 * 3, weighted);
        assertEquals(plain, score(Loss.crossEntropy(), out, K, d).weight, "the default cross-entropy");
        assertEquals(plain, score(new CrossEntropyLoss(K), out, K, d).weight, "CrossEntropyLoss(K)");
        ValidRows.Scored s = score(new CrossEntropyLoss(K, -100, w), out, K, d);
        assertEquals(weighted, s.weight, 1e-12, "class weights");
        // the value is the loss's own on the valid steps, gathered here by their lengths
        int[] validLabels = new int[(int) plain + 2]; // the 7 counted and the 2 at the ignore index
        float[] validLogits = new float[validLabels.length * K];
        int v = 0;
        for (int b = 0; b < SEQ; b++) {
            for (int t = 0; t < LENGTHS[b]; t++, v++) {
                validLabels[v] = y[b * T + t];
                System.arraycopy(out, (b * T + t) * K, validLogits, v * K, K);
            }
        }
        assertEquals(validLabels.length, v);
        assertEquals(new CrossEntropyLoss(K, -100, w).forward(validLogits, validLabels, null), s.value, 1e-12, "the value is the loss's");
        // every valid row ignored or of weight 0: the loss is 0 and its weight 0
        int[] none = {-100, 1, 1, -100, /**/ 1, -100, 7, 7, /**/ -100, 1, 1, 7};
        Dataset.Classification nothing = Dataset.classification(new float[SEQ * T], SEQ, T, 1, LENGTHS, none, true);
        ValidRows.Scored zero = score(new CrossEntropyLoss(K, -100, w), out, K, nothing);
        assertEquals(0, zero.weight);
        assertEquals(0, zero.value);
        assertEquals(0, score(Loss.crossEntropy(), out, K, Dataset.classification(new float[SEQ * T], SEQ, T, 1, LENGTHS,
                new int[] {-100, -100, -100, -100, -100, -100, 0, 0, -100, -100, -100, 0}, true)).weight, "all ignored");
    }

    @Test
    void otherLossesReportTheirValidRows() {
        int width = 2;
        float[] targets = noise(SEQ * T * width, 2);
        for (int i = 0; i < targets.length; i++) targets[i] = targets[i] > 0 ? 1 : 0;
        Dataset.Regression d = Dataset.regression(new float[SEQ * T], SEQ, T, 1, LENGTHS, targets, width, true);
        float[] out = noise(SEQ * T * width, 3);
        int valid = 4 + 2 + 3;
        for (Loss loss : new Loss[] {Loss.mse(), Loss.mae(), Loss.bce(), new BceWithLogitsLoss(new float[] {3, 0.25f}),
                (input, target, grad) -> 0}) {
            ValidRows.Scored s = score(loss, out, width, d);
            assertEquals(valid, s.weight, loss + "");
            assertEquals(loss.forward(validRows(out, width), validRows(targets, width), null), s.value, 1e-12, loss + "");
        }
        // without padding: every row
        Dataset.Regression full = Dataset.regression(new float[SEQ * T], SEQ, T, 1, null, targets, width, true);
        ValidRows.Scored s = new ValidRows.Scored();
        ValidRows.score(Loss.mse(), Batch.sequences(out, SEQ, T, width), full, null, s);
        assertEquals(SEQ * T, s.weight);
        // a loss of one's own on class ids: its rows, ignore index or not
        int[] y = {0, -100, 2, 1, /**/ -100, 1, 7, 7, /**/ 2, 2, 0, 7};
        Loss mine = classIdLoss(labels -> 0.25);
        ValidRows.Scored m = score(mine, noise(SEQ * T * K, 4), K, Dataset.classification(new float[SEQ * T], SEQ, T, 1, LENGTHS, y, true));
        assertEquals(valid, m.weight);
        assertEquals(0.25, m.value);
    }
}
