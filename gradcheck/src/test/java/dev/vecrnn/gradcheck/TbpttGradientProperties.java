package dev.vecrnn.gradcheck;

import dev.vecrnn.nn.Param;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.model.ModelBuilder;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.train.CrossEntropyLoss;
import dev.vecrnn.nn.train.Dataset;
import dev.vecrnn.nn.train.Evaluation;
import dev.vecrnn.nn.train.Loss;
import dev.vecrnn.nn.train.Trainer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.util.Random;

/**
 * Truncated BPTT in the Trainer, TBPTT(k1, k2), its gradients taken by a {@link RecordingOptimizer}
 * at fixed weights, against oracles derived from TBPTT's definition, none from the trainer's TBPTT code:
 * <ul>
 * <li>k2 covering the whole sequence gives full BPTT's gradient: TBPTT(T, T) the same one (and it is
 *   the gradient of the evaluated loss), and TBPTT(k1, T) with k1 dividing T, whose windows all start
 *   at step 0, updates that add up, weighted by k1/T, to full BPTT's gradient of the mean loss;</li>
 * <li>with short windows, by the definition (the sequence cut in blocks of k1 steps, m = k2/k1): update j
 *   scores the steps of block j and backpropagates through the m blocks that end with it, starting from
 *   the state the steps before them reach, held fixed. The oracle makes that state by a plain (inference)
 *   forward over those steps from zeros, then takes full BPTT of the window alone, from that state, with a
 *   loss written here in double (MSE, or cross-entropy by log-sum-exp); and finite differences of that same
 *   double loss check the update too, independently of any backward pass.</li>
 * </ul>
 */
class TbpttGradientProperties {

    @Provide
    Arbitrary<CellType> smoothCells() {
        return Arbitraries.of(CellType.LSTM, CellType.GRU, CellType.RNN_TANH);
    }

    /** A per-step task: token ids through an embedding (cross-entropy) or float features (MSE). */
    private record Task(Model model, Dataset data, Loss loss, int width) {
        static Task of(boolean tokens, CellType type, int layers, int size, int steps, Data d) {
            int vocab = 4;
            ModelBuilder mb = tokens ? Model.builder(1).embedding(vocab, 3) : Model.builder(2);
            int width = tokens ? vocab : 2;
            Model model = mb.recurrent(type, 3, layers, false, 0f, 0).dense(width).seed(d.nextLong()).build();
            Dataset data;
            if (tokens) {
                float[] x = new float[size * steps];
                int[] y = new int[size * steps];
                for (int i = 0; i < x.length; i++) {
                    x[i] = d.nextInt(vocab);
                    y[i] = d.nextInt(vocab);
                }
                data = Dataset.classification(x, size, steps, 1, null, y, true);
            } else {
                data = Dataset.regression(d.signed(size * steps * 2, 1), size, steps, 2, null, d.signed(size * steps * width, 1), width, true);
            }
            return new Task(model, data, tokens ? Loss.crossEntropy() : Loss.mse(), width);
        }

        RecordingOptimizer train(int k1, int k2, long seed) {
            RecordingOptimizer[] rec = new RecordingOptimizer[1];
            fit(k1, k2, seed, rec);
            return rec[0];
        }

        /** One epoch in one batch, the optimizer recording into rec[0]; the epoch's training loss. */
        double fit(int k1, int k2, long seed, RecordingOptimizer[] rec) {
            Trainer t = new Trainer().loss(loss).epochs(1).batchSize(data.size()).seed(seed)
                    .optimizer(ps -> rec[0] = new RecordingOptimizer(ps));
            if (k1 > 0) t.tbptt(k1, k2);
            return t.fit(model, data).epochs().get(0).trainLoss();
        }
    }

    @Property(tries = 50)
    void tbpttWhoseWindowCoversTheSequenceEqualsBptt(@ForAll boolean tokens, @ForAll("smoothCells") CellType type,
                                                     @ForAll @IntRange(min = 1, max = 2) int layers,
                                                     @ForAll @IntRange(min = 1, max = 3) int size,
                                                     @ForAll @IntRange(min = 1, max = 3) int k1, @ForAll @IntRange(min = 1, max = 3) int chunks,
                                                     @ForAll long seed) {
        Data d = new Data(seed);
        int steps = k1 * chunks;
        Task task = Task.of(tokens, type, layers, size, steps, d);
        long trainSeed = d.nextLong();
        RecordingOptimizer full = task.train(0, 0, trainSeed);
        RecordingOptimizer whole = task.train(steps, steps, trainSeed);
        RecordingOptimizer windows = task.train(k1, steps, trainSeed);
        String what = type + " layers=" + layers + " N=" + size + " T=" + steps + " k1=" + k1 + (tokens ? " tokens" : " features");
        // full BPTT is right: the gradient of the evaluated loss
        Checks.assertGradients(d, what + ", full BPTT", () -> {
            task.model.params().forEach(Param::changed);  // GradCheck wrote the arrays
            return Evaluation.of(task.model, task.data, task.loss, size).loss();
        }, full.inputs(0));
        float[][] g = full.steps.get(0);
        Close.assertClose(d, what + ", TBPTT(T, T) against BPTT", g, whole.steps.get(0), 1e-6);
        if (windows.steps.size() != chunks) {
            throw new AssertionError(d + ", " + what + ": TBPTT(k1, T) made " + windows.steps.size() + " updates, expected " + chunks);
        }
        float[][] sum = new float[g.length][];
        for (int p = 0; p < g.length; p++) {
            sum[p] = new float[g[p].length];
            for (float[][] w : windows.steps) for (int i = 0; i < sum[p].length; i++) sum[p][i] += w[p][i] * k1 / (float) steps;
        }
        Close.assertClose(d, what + ", sum of TBPTT(k1, T) updates * k1/T against BPTT", g, sum, 2e-5);
    }

    @Property(tries = 40)
    void eachWindowGetsTheGradientOfItsLossFromTheCarriedState(@ForAll boolean tokens, @ForAll("smoothCells") CellType type,
                                                               @ForAll @IntRange(min = 1, max = 2) int layers,
                                                               @ForAll @IntRange(min = 1, max = 3) int size,
                                                               @ForAll @IntRange(min = 1, max = 3) int k1,
                                                               @ForAll @IntRange(min = 1, max = 2) int multiple,
                                                               @ForAll @IntRange(min = 2, max = 7) int steps, @ForAll long seed) {
        Data d = new Data(seed);
        int k2 = k1 * multiple;
        Task task = Task.of(tokens, type, layers, size, steps, d);
        RecordingOptimizer rec = task.train(k1, k2, d.nextLong());
        Model model = task.model;
        int blocks = (steps + k1 - 1) / k1;  // the last block may be short
        if (rec.steps.size() != blocks) throw new AssertionError(d + ": " + rec.steps.size() + " updates, expected " + blocks);
        for (int j = 0; j < blocks; j++) {
            int scoredFrom = j * k1, end = Math.min(steps, (j + 1) * k1);
            int start = Math.max(0, j + 1 - multiple) * k1;  // the first of the m blocks ending with block j
            String what = type + " layers=" + layers + " N=" + size + " T=" + steps + " TBPTT(" + k1 + ", " + k2 + ") update " + j
                    + ": window [" + start + ", " + end + ") scored from " + scoredFrom;
            // the state entering the window: an inference forward over the steps before it, from zeros
            Model.Carry carry = null;
            if (start > 0) {
                carry = new Model.Carry();
                model.forward(steps(task.data, 0, start), false, null, null, carry);
            }
            Model.Carry from = carry;
            Batch window = steps(task.data, start, end);

            // full BPTT over the window alone, from that state, with the double loss's gradient of the scored steps
            model.zeroGrad();
            Model.Trace tr = model.forward(window, true, new Random(0), from, null);
            float[] dOut = new float[tr.output().data().length];
            windowLoss(task, tr.output(), start, scoredFrom, dOut);
            model.backward(tr, tr.output().withData(dOut, tr.output().features()));
            float[][] bptt = new float[model.params().size()][];
            for (int p = 0; p < bptt.length; p++) bptt[p] = model.params().get(p).grad().clone();
            Close.assertClose(d, what + ", against full BPTT of the window", bptt, rec.steps.get(j), 1e-5);

            // and finite differences of the same loss, the entering state held fixed
            GradCheck.LossFunction loss = () -> {
                model.params().forEach(Param::changed);  // GradCheck wrote the arrays
                return windowLoss(task, model.forward(window, true, new Random(0), from, null).output(), start, scoredFrom, null);
            };
            Checks.assertGradients(d, what, loss, rec.inputs(j), GradCheck.Options.defaults().sample(12, seed));
        }
    }

    /**
     * The training loss TBPTT reports is the mean over every scored step: the windows' losses (each a mean over
     * its scored steps, by the oracle's double loss from the state carried into it) weighted by how many steps
     * each scores. The weights stay fixed (the optimizer only records), so every window sees the same model.
     */
    @Property(tries = 20, seed = "20261206")
    void reportedLossIsTheMeanOverScoredSteps(@ForAll boolean tokens, @ForAll("smoothCells") CellType type,
                                              @ForAll @IntRange(min = 1, max = 3) int size, @ForAll @IntRange(min = 1, max = 3) int k1,
                                              @ForAll @IntRange(min = 1, max = 2) int multiple,
                                              @ForAll @IntRange(min = 2, max = 7) int steps, @ForAll long seed) {
        Data d = new Data(seed);
        int k2 = k1 * multiple;
        Task task = Task.of(tokens, type, 1, size, steps, d);
        double reported = task.fit(k1, k2, d.nextLong(), new RecordingOptimizer[1]);
        double sum = 0;
        for (int scoredFrom = 0; scoredFrom < steps; scoredFrom += k1) {
            int end = Math.min(steps, scoredFrom + k1), start = Math.max(0, scoredFrom + k1 - k2);
            Model.Carry carry = null;
            if (start > 0) {
                carry = new Model.Carry();
                task.model.forward(steps(task.data, 0, start), false, null, null, carry);
            }
            Batch out = task.model.forward(steps(task.data, start, end), false, null, carry, null).output();
            sum += windowLoss(task, out, start, scoredFrom, null) * (end - scoredFrom);
        }
        double expected = sum / steps;
        if (!(Math.abs(reported - expected) <= 1e-5 * Math.max(1, Math.abs(expected)))) {
            throw new AssertionError(d + ", " + type + " N=" + size + " T=" + steps + " TBPTT(" + k1 + ", " + k2 + "): reported loss "
                    + reported + ", expected " + expected);
        }
    }

    /**
     * A window whose scored steps are all ignored (every label PyTorch's ignore_index) scores no row: it adds
     * nothing to the reported mean, neither loss nor steps, so the epoch reports the other window's loss.
     */
    @Property(tries = 10, seed = "20261207")
    void aWindowWithNoScoredRowIsLeftOutOfTheReportedLoss(@ForAll("smoothCells") CellType type,
                                                          @ForAll @IntRange(min = 1, max = 3) int size, @ForAll long seed) {
        Data d = new Data(seed);
        int steps = 4, k1 = 2;
        Task task = Task.of(true, type, 1, size, steps, d);
        Dataset.Classification c = (Dataset.Classification) task.data;
        int[] labels = c.labels().clone();
        for (int b = 0; b < size; b++) java.util.Arrays.fill(labels, b * steps + k1, (b + 1) * steps, CrossEntropyLoss.DEFAULT_IGNORE_INDEX);
        Task ignored = new Task(task.model, Dataset.classification(c.x(), size, steps, 1, null, labels, true), task.loss, task.width);
        double reported = ignored.fit(k1, k1, d.nextLong(), new RecordingOptimizer[1]);
        Batch out = task.model.forward(steps(task.data, 0, k1), false, null, null, null).output();
        double expected = windowLoss(task, out, 0, 0, null);
        if (!(Math.abs(reported - expected) <= 1e-5 * Math.max(1, Math.abs(expected)))) {
            throw new AssertionError(d + ", " + type + " N=" + size + ": reported loss " + reported + ", expected the first window's "
                    + expected);
        }
    }

    /** TBPTT carries each sequence's state from chunk to chunk, so sequences of different lengths are refused. */
    @Example
    void sequencesOfDifferentLengthsAreRefused() {
        Data d = new Data(7);
        Model model = Model.builder(2).recurrent(CellType.GRU, 3, 1, false, 0f, 0).dense(2).seed(1).build();
        Dataset data = Dataset.regression(d.signed(2 * 4 * 2, 1), 2, 4, 2, new int[] {4, 3}, d.signed(2 * 4 * 2, 1), 2, true);
        RecordingOptimizer[] rec = new RecordingOptimizer[1];
        Trainer t = new Trainer().loss(Loss.mse()).epochs(1).batchSize(2).tbptt(2, 2).optimizer(ps -> rec[0] = new RecordingOptimizer(ps));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> t.fit(model, data));
        org.junit.jupiter.api.Assertions.assertEquals("tbptt: expected sequences of equal length 4, got length 3 at row 1", e.getMessage());
        org.junit.jupiter.api.Assertions.assertTrue(rec[0] == null || rec[0].steps.isEmpty(), "an update was made before the refusal");
        // lengths given, all full: trained as without them
        Dataset full = Dataset.regression(data.x(), 2, 4, 2, new int[] {4, 4}, d.signed(2 * 4 * 2, 1), 2, true);
        org.junit.jupiter.api.Assertions.assertTrue(Double.isFinite(t.fit(model, full).epochs().get(0).trainLoss()));
        org.junit.jupiter.api.Assertions.assertEquals(2, rec[0].steps.size(), "TBPTT(2, 2) over 4 steps: two updates");
    }

    /** Steps [from, to) of every (full-length) sequence of x, element by element. */
    static Batch steps(Dataset data, int from, int to) {
        int n = data.size(), t = to - from, f = data.features();
        Tensor x = Tensor.zeros(n, t, f);
        for (int b = 0; b < n; b++) {
            for (int s = 0; s < t; s++) {
                for (int k = 0; k < f; k++) x.data()[(b * t + s) * f + k] = data.x()[(b * data.steps() + from + s) * f + k];
            }
        }
        return Batch.sequences(x.data(), n, t, f, null);
    }

    /**
     * The loss of the window's output {@code [N, end - start, K]} on the steps from {@code scoredFrom} on, in
     * double: the mean squared error over every scored element, or the mean cross-entropy over every scored
     * step (log-sum-exp, max-shifted). With {@code dOut}, writes its gradient there (zeros on unscored steps).
     */
    static double windowLoss(Task task, Batch out, int start, int scoredFrom, float[] dOut) {
        int n = out.batch(), t = out.steps(), k = out.features(), scored = t - (scoredFrom - start), total = task.data.steps();
        double sum = 0;
        float[] o = out.data();
        if (task.data instanceof Dataset.Regression r) {
            double count = (double) n * scored * k;
            for (int b = 0; b < n; b++) {
                for (int s = scoredFrom - start; s < t; s++) {
                    for (int c = 0; c < k; c++) {
                        int i = (b * t + s) * k + c;
                        double diff = (double) o[i] - r.targets()[(b * total + start + s) * k + c];
                        sum += diff * diff;
                        if (dOut != null) dOut[i] = (float) (2 * diff / count);
                    }
                }
            }
            return sum / count;
        }
        Dataset.Classification cl = (Dataset.Classification) task.data;
        double count = (double) n * scored;
        for (int b = 0; b < n; b++) {
            for (int s = scoredFrom - start; s < t; s++) {
                int row = (b * t + s) * k, label = cl.labels()[b * total + start + s];
                double max = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < k; c++) max = Math.max(max, o[row + c]);
                double z = 0;
                for (int c = 0; c < k; c++) z += Math.exp(o[row + c] - max);
                double logZ = max + Math.log(z);
                sum += logZ - o[row + label];
                if (dOut != null) {
                    for (int c = 0; c < k; c++) dOut[row + c] = (float) ((Math.exp(o[row + c] - logZ) - (c == label ? 1 : 0)) / count);
                }
            }
        }
        return sum / count;
    }
}
