package dev.vecrnn.gradcheck;

import dev.vecrnn.nn.Param;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.model.ModelBuilder;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.train.CrossEntropyLoss;
import dev.vecrnn.nn.train.Dataset;
import dev.vecrnn.nn.train.Evaluation;
import dev.vecrnn.nn.train.MseLoss;
import dev.vecrnn.nn.train.Objective;
import dev.vecrnn.nn.train.Trainer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.util.Random;

/**
 * Truncated BPTT in the Trainer, TBPTT(k1, k2), its gradients taken by a {@link RecordingOptimizer}
 * at fixed weights:
 * <ul>
 * <li>k2 covering the whole sequence gives full BPTT's gradient: TBPTT(T, T) the same one (and it is
 *   the gradient of the evaluated loss), and TBPTT(k1, T) with k1 dividing T, whose windows all start
 *   at step 0, updates that add up, weighted by k1/T, to full BPTT's gradient of the mean loss;</li>
 * <li>with short windows each update is exactly the gradient of that window's loss (its last k1 steps)
 *   through its k2 steps, with the state carried in from the previous windows held fixed: checked by
 *   finite differences of a loss that starts the window from that state.</li>
 * </ul>
 */
class TbpttGradientProperties {

    @Provide
    Arbitrary<CellType> smoothCells() {
        return Arbitraries.of(CellType.LSTM, CellType.GRU, CellType.RNN_TANH);
    }

    /** A per-step task: token ids through an embedding (cross-entropy) or float features (MSE). */
    private record Task(Model model, Dataset data, Objective objective, int width) {
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
            return new Task(model, data, tokens ? Objective.CROSS_ENTROPY : Objective.MSE, width);
        }

        RecordingOptimizer train(int k1, int k2, long seed) {
            RecordingOptimizer[] rec = new RecordingOptimizer[1];
            Trainer t = new Trainer().objective(objective).epochs(1).batchSize(data.size()).seed(seed)
                    .optimizer(ps -> rec[0] = new RecordingOptimizer(ps));
            if (k1 > 0) t.tbptt(k1, k2);
            t.fit(model, data);
            return rec[0];
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
            return Evaluation.of(task.model, task.data, task.objective, size).loss();
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
        int w = 0;
        for (int e = k1; e - k1 < steps; e += k1, w++) {
            int end = Math.min(e, steps), start = Math.max(0, e - k2), lossFrom = e - k1;
            Model.Carry carry = null;
            if (start > 0) {
                carry = new Model.Carry();
                task.model.forward(slice(task.data, 0, start).inputs(), true, new Random(0), null, carry);
            }
            Model.Carry from = carry;
            Dataset window = slice(task.data, start, end);
            Dataset scored = slice(task.data, lossFrom, end);
            GradCheck.LossFunction loss = () -> {
                task.model.params().forEach(Param::changed);  // GradCheck wrote the arrays
                Batch out = task.model.forward(window.inputs(), true, new Random(0), from, null).output();
                float[] tail = lastSteps(out, end - lossFrom);
                return task.objective == Objective.MSE ? new MseLoss().forward(tail, scored.targets(), null)
                        : new CrossEntropyLoss(task.width).forward(tail, scored.labels(), null);
            };
            Checks.assertGradients(d, type + " layers=" + layers + " N=" + size + " T=" + steps + " TBPTT(" + k1 + ", " + k2
                    + ") window " + w + " [" + start + ", " + end + ") scored from " + lossFrom, loss, rec.inputs(w),
                    GradCheck.Options.defaults().sample(12, seed));
        }
        if (w != rec.steps.size()) throw new AssertionError(d + ": " + rec.steps.size() + " updates, expected " + w);
    }

    /** Steps [from, to) of every (full-length) sequence. */
    static Dataset slice(Dataset d, int from, int to) {
        int n = d.size(), t = to - from, f = d.features();
        float[] x = new float[n * t * f];
        for (int b = 0; b < n; b++) System.arraycopy(d.x(), (b * d.steps() + from) * f, x, b * t * f, t * f);
        if (d.isClassification()) {
            int[] lab = new int[n * t];
            for (int b = 0; b < n; b++) System.arraycopy(d.labels(), b * d.steps() + from, lab, b * t, t);
            return Dataset.classification(x, n, t, f, null, lab, true);
        }
        int k = d.targetWidth();
        float[] y = new float[n * t * k];
        for (int b = 0; b < n; b++) System.arraycopy(d.targets(), (b * d.steps() + from) * k, y, b * t * k, t * k);
        return Dataset.regression(x, n, t, f, null, y, k, true);
    }

    /** The last {@code k} steps of every sequence of a [B, T, F] output. */
    static float[] lastSteps(Batch out, int k) {
        int f = out.features(), t = out.steps();
        float[] r = new float[out.batch() * k * f];
        for (int b = 0; b < out.batch(); b++) System.arraycopy(out.data(), (b * t + t - k) * f, r, b * k * f, k * f);
        return r;
    }
}
