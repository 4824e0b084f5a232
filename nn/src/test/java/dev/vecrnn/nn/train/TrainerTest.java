package dev.vecrnn.nn.train;

import dev.vecrnn.nn.model.Model;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerTest {

    /** Next-token data: per-step labels, full-length sequences. */
    static Dataset tokens(int n, int steps, int vocab, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n * steps];
        int[] y = new int[n * steps];
        for (int i = 0; i < n * steps; i++) {
            x[i] = r.nextInt(vocab);
            y[i] = ((int) x[i] + 1) % vocab;
        }
        return Dataset.classification(x, n, steps, 1, null, y, true);
    }

    @Test
    void tbpttCoveringTheWholeSequenceEqualsFullBptt() {
        Dataset d = tokens(24, 10, 7, 1);
        float[][] w = new float[2][];
        for (int run = 0; run < 2; run++) {
            Model m = Model.builder(1).embedding(7, 5).lstm(6).dense(7).seed(3).build();
            Trainer t = new Trainer().epochs(2).batchSize(8).seed(2).optimizer(ps -> new Sgd(ps, 0.1));
            if (run == 1) t.tbptt(10, 10);
            t.fit(m, d);
            w[run] = m.params().get(1).data().clone();
        }
        assertArrayEquals(w[0], w[1], 1e-6f, "TBPTT(T, T) must equal full BPTT");
    }

    @Test
    void tbpttWithShortChunksCarriesStateAndLearns() {
        Dataset d = tokens(64, 40, 5, 2);
        Model m = Model.builder(1).embedding(5, 8).gru(16).dense(5).seed(4).build();
        double before = Trainer.evaluate(m, d).loss();
        new Trainer().epochs(3).batchSize(16).seed(1).tbptt(8, 16)
                .optimizer(ps -> new dev.vecrnn.nn.train.Adam(ps, 2e-2)).fit(m, d);
        double after = Trainer.evaluate(m, d).loss();
        assertTrue(after < 0.5 * before, "loss " + before + " -> " + after);
        assertThrows(IllegalArgumentException.class, () -> new Trainer().tbptt(8, 12));
    }

    @Test
    void earlyStoppingRestoresTheBestWeights() {
        Dataset d = tokens(48, 6, 5, 3);
        Model m = Model.builder(1).embedding(5, 4).rnn(6).dense(5).seed(5).build();
        List<Trainer.Epoch> seen = new ArrayList<>();
        // a learning rate far too large makes the validation loss wander; the best epoch must come back
        Trainer.History h = new Trainer().epochs(12).batchSize(8).seed(6).validationSplit(0.25)
                .optimizer(ps -> new Sgd(ps, 3.0)).earlyStopping(2, true).onEpoch(seen::add).fit(m, d);
        Trainer.Epoch best = h.epochs().get(h.bestEpoch() - 1);
        double bestVal = best.validation().loss();
        for (Trainer.Epoch e : h.epochs()) assertTrue(e.validation().loss() >= bestVal);
        Dataset val = d.subset(shuffled(d.size(), 6), 0, 12);
        assertEquals(bestVal, Evaluation.of(m, val, Loss.crossEntropy(), 64).loss(), 1e-6);
        assertEquals(seen.size(), h.epochs().size());
    }

    /**
     * Patience counts as Keras's and Lightning's EarlyStopping: with a learning rate of 0 only the first epoch
     * improves, and patience p ends training after p more epochs (it trained one more than Keras did).
     */
    @Test
    void patienceIsTheNumberOfEpochsWithoutImprovementAsInKeras() {
        Dataset d = tokens(32, 5, 4, 7);
        for (int patience : new int[] {0, 1, 3}) {
            Model m = Model.builder(1).embedding(4, 3).gru(4).dense(4).seed(2).build();
            Trainer.History h = new Trainer().epochs(10).batchSize(8).seed(1).validationSplit(0.25)
                    .optimizer(ps -> new Sgd(ps, 0.0)).earlyStopping(patience, true).fit(m, d);
            assertEquals(1, h.bestEpoch());
            assertTrue(h.stoppedEarly());
            assertEquals(1 + Math.max(patience, 1), h.epochs().size(), "epochs run with patience " + patience);
        }
    }

    /**
     * validationSplit(f, true) holds out the last rows, as Keras's validation_split: with a learning rate of 0 the
     * first epoch's validation loss is the untrained model's loss on exactly those rows (and not on the first rows,
     * nor on random ones).
     */
    @Test
    void validationSplitOfTheLastRowsValidatesOnTheLastRows() {
        Dataset d = tokens(32, 5, 4, 11);
        Model m = Model.builder(1).embedding(4, 3).gru(4).dense(4).seed(3).build();
        int[] rows = Dataset.range(d.size());
        double last = Trainer.evaluate(m, d.subset(rows, 24, 32)).loss();
        double first = Trainer.evaluate(m, d.subset(rows, 0, 8)).loss();
        Trainer.History h = new Trainer().epochs(1).batchSize(8).seed(1).validationSplit(0.25, true)
                .optimizer(ps -> new Sgd(ps, 0.0)).fit(m, d);
        assertEquals(last, h.epochs().get(0).validation().loss(), 1e-12);
        assertNotEquals(first, last, "the check must tell the last rows from the first");
    }

    /**
     * A batch size above the data's size is one batch of all rows, Integer.MAX_VALUE included: the count of batches
     * overflowed an int there (no batch trained, then a refusal about a checkpoint that did not exist).
     */
    @Test
    void aBatchLargerThanTheDataIsOneBatch() {
        Dataset d = tokens(12, 4, 3, 6);
        for (int batch : new int[] {12, 1000, Integer.MAX_VALUE}) {
            Model m = Model.builder(1).embedding(3, 2).gru(3).dense(3).seed(1).build();
            List<Integer> batches = new ArrayList<>();
            Trainer.History h = new Trainer().epochs(1).batchSize(batch).optimizer(ps -> new Sgd(ps, 0.1))
                    .onBatch(p -> batches.add(p.batches())).fit(m, d);
            assertEquals(List.of(1), batches, "batch size " + batch);
            assertTrue(Double.isFinite(h.epochs().get(0).trainLoss()), "batch size " + batch);
        }
    }

    private static int[] shuffled(int n, long seed) {
        int[] idx = Dataset.range(n);
        FitSetup.shuffle(idx, new Random(seed));
        return idx;
    }

    @Test
    void scheduleChangesTheLearningRatePerEpoch() {
        Dataset d = tokens(16, 4, 3, 4);
        Model m = Model.builder(1).embedding(3, 2).gru(3).dense(3).seed(1).build();
        List<Double> lrs = new ArrayList<>();
        new Trainer().epochs(4).batchSize(8).optimizer(ps -> new Sgd(ps, 0.8)).schedule(o -> new StepLR(o, 2, 0.5))
                .onEpoch(e -> lrs.add(e.learningRate())).fit(m, d);
        assertEquals(List.of(0.8, 0.4, 0.4, 0.2), lrs);
    }

    @Test
    void validationErrorsNameTheProblem() {
        Dataset d = tokens(4, 3, 3, 5);
        Model wrong = Model.builder(2).lstm(3).dense(3).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Trainer().fit(wrong, d));
        assertTrue(e.getMessage().contains("expected 2 features"), e.getMessage());
        Model pooled = Model.builder(1).embedding(3, 2).lstm(3).lastStep().dense(3).build();
        e = assertThrows(IllegalArgumentException.class, () -> new Trainer().fit(pooled, d));
        assertTrue(e.getMessage().contains("per step"), e.getMessage());
        assertNotEquals(0, d.size());
    }
}
