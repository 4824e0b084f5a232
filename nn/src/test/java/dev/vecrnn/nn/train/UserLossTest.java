package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.recurrent.CellType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A loss written by a user trains, validates, early-stops and checkpoints like a built-in: checked against
 * computations that do not go through the trainer (a Huber loss in double over the valid rows, the 0.5 factor
 * between a Huber loss of huge delta and MSE) and against the built-in MSE bit for bit.
 */
class UserLossTest {
    @TempDir
    Path tmp;

    /** Huber loss with threshold delta, mean over the elements: what a user would write. */
    record Huber(double delta) implements Loss {
        @Override
        public double forward(float[] input, float[] target, float[] grad) {
            double inv = 1.0 / input.length, sum = 0;
            for (int i = 0; i < input.length; i++) {
                double r = (double) input[i] - target[i], a = Math.abs(r);
                sum += a <= delta ? 0.5 * r * r : delta * (a - 0.5 * delta);
                if (grad != null) grad[i] = (float) ((a <= delta ? r : delta * Math.signum(r)) * inv);
            }
            return sum * inv;
        }

        @Override
        public String toString() {
            return "huber";
        }
    }

    /** Per-step regression with sequences of unequal length: the padding must stay out of every loss. */
    static Dataset.Regression data(int n, long seed) {
        Random r = new Random(seed);
        int steps = 5, f = 2, k = 2;
        float[] x = new float[n * steps * f], y = new float[n * steps * k];
        int[] lengths = new int[n];
        for (int i = 0; i < n; i++) lengths[i] = 1 + r.nextInt(steps);
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        for (int i = 0; i < y.length; i++) y[i] = (float) (2 * r.nextGaussian());
        return Dataset.regression(x, n, steps, f, lengths, y, k, true);
    }

    static Model model(long seed) {
        return Model.builder(2).recurrent(CellType.GRU, 5, 1, false, 0f, 0).dense(2).seed(seed).build();
    }

    private static Trainer trainer(Loss loss, double lr) {
        return new Trainer().loss(loss).epochs(4).batchSize(4).seed(3).validationSplit(0.25).earlyStopping(1, true)
                .optimizer(ps -> new Sgd(ps, lr));
    }

    @Test
    void hubersLossIsComputedOverTheValidRowsOnly() {
        Dataset.Regression d = data(9, 1);
        Model m = model(2);
        Huber huber = new Huber(0.3);
        float[] out = m.predict(d.inputs()).data();
        double sum = 0;
        long count = 0;
        for (int b = 0; b < d.size(); b++) {
            for (int s = 0; s < d.lengthOf(b); s++) {
                for (int c = 0; c < 2; c++) {
                    int i = (b * d.steps() + s) * 2 + c;
                    double a = Math.abs((double) out[i] - d.targets()[i]);
                    sum += a <= 0.3 ? 0.5 * a * a : 0.3 * (a - 0.15);
                    count++;
                }
            }
        }
        Evaluation e = Evaluation.of(m, d, huber, 100);
        assertEquals(sum / count, e.loss(), 1e-12);
        assertFalse(e.metrics().containsKey("perplexity"));
        // batches of 2 weight each batch's mean by its valid rows: the same mean
        assertEquals(sum / count, Evaluation.of(m, d, huber, 2).loss(), 1e-12);
    }

    @Test
    void huberOfHugeDeltaIsHalfTheMseBitForBit() {
        // every residual under delta: Huber = r^2 / 2, half of MSE, and so is its gradient; SGD at twice the
        // learning rate then takes the very steps MSE takes, and every loss in the history is half of MSE's
        Dataset.Regression d = data(16, 4);
        Model byHuber = model(5), byMse = model(5);
        Trainer.History h = trainer(new Huber(1e30), 0.1).fit(byHuber, d);
        Trainer.History m = trainer(Loss.mse(), 0.05).fit(byMse, d);
        assertSameWeights(byMse, byHuber, "Huber(1e30) at lr 0.1 against MSE at lr 0.05");
        assertEquals(m.epochs().size(), h.epochs().size());
        for (int i = 0; i < m.epochs().size(); i++) {
            assertEquals(m.epochs().get(i).trainLoss() / 2, h.epochs().get(i).trainLoss(), "epoch " + i + " train loss");
            assertEquals(m.epochs().get(i).validation().loss() / 2, h.epochs().get(i).validation().loss(), "epoch " + i + " validation loss");
        }
        assertEquals(m.bestEpoch(), h.bestEpoch());
        assertEquals(m.stoppedEarly(), h.stoppedEarly());
        assertNotEquals(model(5).stateDict().get("layers.1.weight").data()[0], byHuber.stateDict().get("layers.1.weight").data()[0],
                "the weights moved");
    }

    @Test
    void aUserLossEqualToMseGivesTheBuiltInsWeightsBitForBit() {
        Loss mine = (input, target, grad) -> {
            double inv = 1.0 / input.length, sum = 0;
            for (int i = 0; i < input.length; i++) {
                double r = (double) input[i] - target[i];
                sum += r * r;
                if (grad != null) grad[i] = (float) (2 * r * inv);
            }
            return sum * inv;
        };
        Dataset.Regression d = data(16, 6);
        Model a = model(7), b = model(7);
        Trainer.History ha = trainer(Loss.mse(), 0.05).optimizer(ps -> new Adam(ps, 0.01)).fit(a, d);
        Trainer.History hb = trainer(mine, 0.05).optimizer(ps -> new Adam(ps, 0.01)).fit(b, d);
        assertSameWeights(a, b, "a user's MSE against the built-in");
        assertEquals(ha.epochs().size(), hb.epochs().size());
        for (int i = 0; i < ha.epochs().size(); i++) {
            assertEquals(ha.epochs().get(i).trainLoss(), hb.epochs().get(i).trainLoss());
            assertEquals(ha.epochs().get(i).validation().metrics(), hb.epochs().get(i).validation().metrics());
        }
    }

    @Test
    void aUserLossCheckpointsAndResumesToTheUninterruptedWeights() {
        Dataset.Regression d = data(16, 8);
        Huber huber = new Huber(0.5);
        Model whole = model(9), resumed = model(9);
        trainer(huber, 0.1).earlyStopping(10, true).fit(whole, d);
        Path file = tmp.resolve("huber.ckpt");
        trainer(huber, 0.1).earlyStopping(10, true).epochs(2).checkpoint(file).fit(resumed, d);
        Trainer.History h = trainer(new Huber(0.5), 0.1).earlyStopping(10, true).resumeFrom(file).fit(resumed, d);
        assertEquals(4, h.epochs().size());
        assertSameWeights(whole, resumed, "resumed with a user's loss");
    }

    @Test
    void aUserLossOfClassIdsTrainsAsTheBuiltInCrossEntropy() {
        // cross-entropy by log-sum-exp in double, written from its definition
        Loss mine = new Loss() {
            @Override
            public double forward(float[] input, float[] target, float[] grad) {
                throw new IllegalArgumentException("mine: expected class labels");
            }

            @Override
            public double forward(float[] logits, int[] labels, float[] grad) {
                int rows = labels.length, c = logits.length / rows;
                double sum = 0;
                for (int r = 0; r < rows; r++) {
                    double max = Double.NEGATIVE_INFINITY, z = 0;
                    for (int j = 0; j < c; j++) max = Math.max(max, logits[r * c + j]);
                    for (int j = 0; j < c; j++) z += Math.exp(logits[r * c + j] - max);
                    double logZ = max + Math.log(z);
                    sum += logZ - logits[r * c + labels[r]];
                    if (grad != null) {
                        for (int j = 0; j < c; j++) grad[r * c + j] = (float) ((Math.exp(logits[r * c + j] - logZ) - (j == labels[r] ? 1 : 0)) / rows);
                    }
                }
                return sum / rows;
            }
        };
        Random r = new Random(12);
        int n = 12, steps = 4;
        float[] x = new float[n * steps * 2];
        int[] y = new int[n * steps], lengths = new int[n];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        for (int i = 0; i < y.length; i++) y[i] = r.nextInt(3);
        for (int i = 0; i < n; i++) lengths[i] = 1 + r.nextInt(steps);
        Dataset.Classification d = Dataset.classification(x, n, steps, 2, lengths, y, true);
        Model a = Model.builder(2).lstm(4).dense(3).seed(13).build(), b = Model.builder(2).lstm(4).dense(3).seed(13).build();
        Trainer.History ha = new Trainer().loss(Loss.crossEntropy()).epochs(3).batchSize(4).seed(1).validationSplit(0.25).fit(a, d);
        Trainer.History hb = new Trainer().loss(mine).epochs(3).batchSize(4).seed(1).validationSplit(0.25).fit(b, d);
        Map<String, Tensor> wa = a.stateDict(), wb = b.stateDict();
        for (String k : wa.keySet()) {
            float[] p = wa.get(k).data(), q = wb.get(k).data();
            for (int i = 0; i < p.length; i++) assertEquals(p[i], q[i], 1e-4, k + " element " + i);
        }
        for (int i = 0; i < 3; i++) {
            assertEquals(ha.epochs().get(i).validation().loss(), hb.epochs().get(i).validation().loss(), 1e-5);
            assertEquals(ha.epochs().get(i).validation().metric("accuracy"), hb.epochs().get(i).validation().metric("accuracy"));
        }
        assertTrue(ha.epochs().get(0).validation().metrics().containsKey("perplexity"), "the built-in cross-entropy adds perplexity");
        assertFalse(hb.epochs().get(0).validation().metrics().containsKey("perplexity"), "a user's loss is not known to be one");
    }

    @Test
    void aLossForFloatTargetsRefusesClassIdsByName() {
        Dataset.Classification d = Dataset.classification(new float[8], 2, 2, 2, null, new int[2], false);
        Model m = Model.builder(2).lstm(3).lastStep().dense(2).seed(1).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Trainer().loss(new Huber(1)).epochs(1).fit(m, d));
        assertEquals("huber: expected float targets, got class labels", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Evaluation.of(m, data(2, 1), Loss.crossEntropy(), 4));
        assertEquals("targets: the data has one target per step but the model outputs one per sequence", e.getMessage());
        Model seq = model(1);
        e = assertThrows(IllegalArgumentException.class, () -> Evaluation.of(seq, data(2, 1), Loss.crossEntropy(), 4));
        assertEquals("cross_entropy: expected class labels, got float targets", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Loss.parse("huber"));
        assertEquals("loss: expected mse, mae, cross_entropy or bce, got 'huber'", e.getMessage());
        assertEquals(List.of("mse", "mae", "cross_entropy", "bce"),
                List.of(Loss.parse("MSE").toString(), Loss.parse("l1").toString(), Loss.parse("ce").toString(), Loss.parse("bce").toString()));
    }

    private static void assertSameWeights(Model want, Model got, String what) {
        Map<String, Tensor> a = want.stateDict(), b = got.stateDict();
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            float[] p = a.get(k).data(), q = b.get(k).data();
            for (int i = 0; i < p.length; i++) {
                if (Float.floatToRawIntBits(p[i]) != Float.floatToRawIntBits(q[i])) {
                    throw new AssertionError(what + ": " + k + " element " + i + " is " + q[i] + ", expected " + p[i] + " (bit for bit)");
                }
            }
        }
    }

    @Test
    void theValidRowsReachTheLossInOrderOfSequenceThenStep() {
        Dataset.Regression d = Dataset.regression(new float[3 * 2], 2, 3, 1, new int[] {2, 1}, new float[] {1, 2, 99, 3, 98, 97}, 1, true);
        float[][] seen = new float[2][];
        Loss spy = (input, target, grad) -> {
            seen[0] = input.clone();
            seen[1] = target.clone();
            if (grad != null) java.util.Arrays.fill(grad, 1f);
            return 0;
        };
        float[] grad = new float[6];
        ValidRows.score(spy, new Batch(new float[] {10, 20, 30, 40, 50, 60}, 2, 3, 1, new int[] {2, 1}, true), d, grad, new ValidRows.Scored());
        assertEquals("[10.0, 20.0, 40.0]", java.util.Arrays.toString(seen[0]));
        assertEquals("[1.0, 2.0, 3.0]", java.util.Arrays.toString(seen[1]));
        assertEquals("[1.0, 1.0, 0.0, 1.0, 0.0, 0.0]", java.util.Arrays.toString(grad), "the gradient scattered back, zeros on padding");
    }
}
