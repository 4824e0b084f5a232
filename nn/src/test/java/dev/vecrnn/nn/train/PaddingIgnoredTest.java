package dev.vecrnn.nn.train;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.Param;
import dev.vecrnn.nn.Tensor;

import dev.vecrnn.nn.layers.Embedding;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The padding policy: values past a sequence's length are ignored everywhere, as PyTorch's packed
 * sequences never read them. The same data with zeros in the padding, or with NaN, infinities, huge values,
 * token ids and class labels out of range there, give bit-identical outputs, losses, metrics, gradients and
 * trained weights; a NaN inside a valid step is still refused.
 */
class PaddingIgnoredTest {
    private static final int N = 12, T = 5, VOCAB = 6;
    private static final float[] GARBAGE = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1e30f, -7.5f, 3e-42f};
    private static final float[] BAD_IDS = {Float.NaN, -3f, 1e9f, 2.5f, VOCAB, Float.NEGATIVE_INFINITY};
    private static final int[] BAD_LABELS = {-5, 999, Integer.MIN_VALUE, VOCAB};

    /** Lengths in [1, T] with at least one full and one of length 1. */
    private static int[] lengths(Random rnd) {
        int[] len = new int[N];
        for (int i = 0; i < N; i++) len[i] = 1 + rnd.nextInt(T);
        len[0] = T;
        len[1] = 1;
        return len;
    }

    /** The four kinds of task, each with zeros in the padding. */
    enum Task {
        REGRESSION_MANY_TO_ONE, REGRESSION_PER_STEP, CLASSIFICATION_MANY_TO_ONE_EMBEDDING, CLASSIFICATION_PER_STEP_EMBEDDING;

        boolean ids() {
            return this == CLASSIFICATION_MANY_TO_ONE_EMBEDDING || this == CLASSIFICATION_PER_STEP_EMBEDDING;
        }

        Dataset clean(long seed) {
            Random rnd = new Random(seed);
            int[] len = lengths(rnd);
            int f = ids() ? 1 : 2;
            float[] x = new float[N * T * f];
            for (int b = 0; b < N; b++) {
                for (int i = 0; i < len[b] * f; i++) x[b * T * f + i] = ids() ? rnd.nextInt(VOCAB) : (float) rnd.nextGaussian();
            }
            return switch (this) {
                case REGRESSION_MANY_TO_ONE -> {
                    float[] y = new float[N];
                    for (int b = 0; b < N; b++) y[b] = (float) rnd.nextGaussian();
                    yield Dataset.regression(x, N, T, f, len, y, 1, false);
                }
                case REGRESSION_PER_STEP -> {
                    float[] y = new float[N * T * 2];
                    for (int b = 0; b < N; b++) for (int i = 0; i < len[b] * 2; i++) y[b * T * 2 + i] = (float) rnd.nextGaussian();
                    yield Dataset.regression(x, N, T, f, len, y, 2, true);
                }
                case CLASSIFICATION_MANY_TO_ONE_EMBEDDING -> {
                    int[] y = new int[N];
                    for (int b = 0; b < N; b++) y[b] = rnd.nextInt(3);
                    yield Dataset.classification(x, N, T, f, len, y, false);
                }
                case CLASSIFICATION_PER_STEP_EMBEDDING -> {
                    int[] y = new int[N * T];
                    for (int b = 0; b < N; b++) for (int s = 0; s < len[b]; s++) y[b * T + s] = rnd.nextInt(VOCAB);
                    yield Dataset.classification(x, N, T, f, len, y, true);
                }
            };
        }

        Model model() {
            return switch (this) {
                case REGRESSION_MANY_TO_ONE -> Model.builder(2).recurrent(CellType.GRU, 4, 2, true, 0.2f, 0).lastStep().dense(1).seed(3).build();
                case REGRESSION_PER_STEP -> Model.builder(2).lstm(4).dropout(0.3f).dense(2).seed(4).build();
                case CLASSIFICATION_MANY_TO_ONE_EMBEDDING -> Model.builder(1).embedding(VOCAB, 3).gru(4).attention().dense(3).seed(5).build();
                case CLASSIFICATION_PER_STEP_EMBEDDING -> Model.builder(1).embedding(VOCAB, 3).lstm(4).dense(VOCAB).seed(6).build();
            };
        }
    }

    /** {@code d} with garbage in every padded value of x and of per-step targets. */
    private static Dataset garbage(Dataset d, boolean ids) {
        float[] x = d.x().clone();
        int f = d.features(), k = 0;
        for (int b = 0; b < d.size(); b++) {
            for (int i = d.lengthOf(b) * f; i < d.steps() * f; i++, k++) {
                x[b * d.steps() * f + i] = ids ? BAD_IDS[k % BAD_IDS.length] : GARBAGE[k % GARBAGE.length];
            }
        }
        if (d instanceof Dataset.Classification c) {
            int[] y = c.labels().clone();
            if (d.perStep()) {
                for (int b = 0; b < d.size(); b++) for (int s = d.lengthOf(b); s < d.steps(); s++, k++) y[b * d.steps() + s] = BAD_LABELS[k % BAD_LABELS.length];
            }
            return Dataset.classification(x, d.size(), d.steps(), f, d.lengths(), y, d.perStep());
        }
        Dataset.Regression r = (Dataset.Regression) d;
        float[] y = r.targets().clone();
        int w = r.targetWidth();
        if (d.perStep()) {
            for (int b = 0; b < d.size(); b++) {
                for (int i = d.lengthOf(b) * w; i < d.steps() * w; i++, k++) y[b * d.steps() * w + i] = GARBAGE[k % GARBAGE.length];
            }
        }
        return Dataset.regression(x, d.size(), d.steps(), f, d.lengths(), y, w, d.perStep());
    }

    private static void assertSameBits(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(got[i])) {
                throw new AssertionError(what + ": element " + i + " is " + got[i] + ", expected " + want[i] + " (bit for bit)");
            }
        }
    }

    private static void assertSameBits(double want, double got, String what) {
        assertEquals(Double.doubleToRawLongBits(want), Double.doubleToRawLongBits(got), () -> what + ": " + got + ", expected " + want);
    }

    private static void assertSameBits(Evaluation want, Evaluation got, String what) {
        assertSameBits(want.loss(), got.loss(), what + " loss");
        assertEquals(want.metrics().keySet(), got.metrics().keySet(), what);
        for (String m : want.metrics().keySet()) assertSameBits(want.metric(m), got.metric(m), what + " " + m);
    }

    private static void assertSameWeights(Model want, Model got, String what) {
        Map<String, Tensor> a = want.stateDict(), b = got.stateDict();
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) assertSameBits(a.get(k).data(), b.get(k).data(), what + " " + k);
    }

    /** The parameter gradients of one training forward and backward (dropout from a fixed seed). */
    private static List<float[]> gradients(Model m, Dataset d) {
        m.zeroGrad();
        Model.Trace tr = m.forward(d.inputs(), true, new Random(9));
        float[] grad = new float[tr.output().data().length];
        double loss = ValidRows.score(Loss.defaultFor(d), tr.output(), d, grad, new ValidRows.Scored());
        m.backward(tr, tr.output().withData(grad, tr.output().features()));
        List<float[]> out = new ArrayList<>(List.of(new float[] {(float) loss}));
        for (Param p : m.params()) out.add(p.grad().clone());
        return out;
    }

    private static Trainer trainer() {
        return new Trainer().epochs(2).batchSize(4).seed(17).validationSplit(0.25).clipNorm(5);
    }

    @Test
    void garbageInThePaddingChangesNoOutputLossGradientOrTrainedWeight() {
        for (Task task : Task.values()) {
            Dataset clean = task.clean(task.ordinal() + 1), dirty = garbage(clean, task.ids());
            String what = task.name();

            Model m = task.model();
            assertSameBits(m.predict(clean.inputs()).data(), m.predict(dirty.inputs()).data(), what + " predict");
            assertSameBits(Trainer.evaluate(m, clean), Trainer.evaluate(m, dirty), what + " evaluate");
            List<float[]> g = gradients(m, clean), h = gradients(m, dirty);
            for (int i = 0; i < g.size(); i++) assertSameBits(g.get(i), h.get(i), what + (i == 0 ? " loss" : " gradient " + i));

            Model a = task.model(), b = task.model();
            Trainer.History ha = trainer().fit(a, clean), hb = trainer().fit(b, dirty);
            assertEquals(ha.epochs().size(), hb.epochs().size());
            for (int e = 0; e < ha.epochs().size(); e++) {
                assertSameBits(ha.epochs().get(e).trainLoss(), hb.epochs().get(e).trainLoss(), what + " train loss, epoch " + e);
                assertTrue(Double.isFinite(ha.epochs().get(e).trainLoss()), what);
                assertSameBits(ha.epochs().get(e).validation(), hb.epochs().get(e).validation(), what + " validation, epoch " + e);
            }
            assertSameWeights(a, b, what + " trained");
        }
    }

    /** Data that differ only in their padding train alike, so a checkpoint of one resumes on the other. */
    @Test
    void aCheckpointResumesOnDataThatDifferOnlyInTheirPadding(@TempDir Path dir) {
        Task task = Task.CLASSIFICATION_PER_STEP_EMBEDDING;
        Dataset clean = task.clean(3), dirty = garbage(clean, true);
        Path ckpt = dir.resolve("run.ckpt");
        trainer().epochs(1).checkpoint(ckpt).fit(task.model(), clean);
        Model resumed = task.model(), whole = task.model();
        trainer().resumeFrom(ckpt).fit(resumed, dirty);
        trainer().fit(whole, clean);
        assertSameWeights(whole, resumed, "resumed on the other padding");
    }

    private static Tensor gaussian(Random rnd, int... shape) {
        Tensor t = Tensor.zeros(shape);
        for (int i = 0; i < t.size(); i++) t.data()[i] = (float) rnd.nextGaussian();
        return t;
    }

    /** x [T, B, F] time-major: garbage, or zeros, in every padded step. */
    private static Tensor padded(Tensor x, int[] len, boolean withGarbage) {
        Tensor y = x.copy();
        int batch = x.dim(1), f = x.dim(2), k = 0;
        for (int s = 0; s < x.dim(0); s++) {
            for (int b = 0; b < batch; b++) {
                if (s < len[b]) continue;
                for (int j = 0; j < f; j++) y.data()[(s * batch + b) * f + j] = withGarbage ? GARBAGE[k++ % GARBAGE.length] : 0f;
            }
        }
        return y;
    }

    @Test
    void aRecurrentStackIgnoresThePaddingOfItsInputAndOfItsOutputGradient() {
        Recurrent net = new Recurrent(RecurrentConfig.of(CellType.LSTM, 3, 4).withLayers(2).withBidirectional(true).withProjSize(2), 7);
        Random rnd = new Random(8);
        int[] len = {5, 2, 4, 1};
        Tensor x = gaussian(rnd, 5, 4, 3), clean = padded(x, len, false), dirty = padded(x, len, true);
        Recurrent.Output a = net.forward(clean, len, null, null), z = net.forward(dirty, len, null, null);
        assertSameBits(a.output().data(), z.output().data(), "output");
        assertSameBits(a.hN().data(), z.hN().data(), "h_n");
        assertSameBits(a.cN().data(), z.cN().data(), "c_n");
        Tensor out = Tensor.zeros(5, 4, 4), hN = Tensor.zeros(4, 4, 2);
        net.forward(dirty, len, null, null, out, hN, null, net.newSequenceWorkspace());
        assertSameBits(a.output().data(), out.data(), "output into a workspace");
        assertSameBits(a.hN().data(), hN.data(), "h_n into a workspace");
        // a reference the padding cannot touch: each sequence alone, cut to its length
        for (int b = 0; b < len.length; b++) {
            Tensor alone = Tensor.zeros(len[b], 1, 3);
            for (int s = 0; s < len[b]; s++) System.arraycopy(x.data(), (s * 4 + b) * 3, alone.data(), s * 3, 3);
            Recurrent.Output o = net.forward(alone, null, null, null);
            for (int s = 0; s < 5; s++) {
                for (int j = 0; j < 4; j++) {
                    float want = s < len[b] ? o.output().data()[s * 4 + j] : 0f;
                    assertEquals(want, a.output().data()[(s * 4 + b) * 4 + j], 1e-6f, "sequence " + b + ", step " + s + ", feature " + j);
                }
            }
        }
        Tensor dOut = gaussian(rnd, 5, 4, 4);
        List<float[]> g = new ArrayList<>(), h = new ArrayList<>();
        for (boolean withGarbage : new boolean[] {false, true}) {
            net.zeroGrad();
            Recurrent.Trace tr = net.forwardTrain(withGarbage ? dirty : clean, len, null, null, new Random(1));
            Tensor d = dOut.copy();
            int k = 0;
            for (int s = 0; s < 5; s++) {
                for (int bb = 0; bb < 4; bb++) {
                    if (s >= len[bb]) for (int j = 0; j < 4; j++) d.data()[(s * 4 + bb) * 4 + j] = withGarbage ? GARBAGE[k++ % GARBAGE.length] : 0f;
                }
            }
            Recurrent.InputGrads ig = net.backward(tr, d, null, null);
            List<float[]> into = withGarbage ? h : g;
            into.add(ig.dh0().data());
            into.add(ig.dc0().data());
            for (Param p : net.params()) into.add(p.grad().clone());
            float[] dx = ig.dx().data();
            for (int s = 0; s < 5; s++) for (int bb = 0; bb < 4; bb++) if (s >= len[bb]) for (int j = 0; j < 3; j++) assertEquals(0f, dx[(s * 4 + bb) * 3 + j]);
        }
        for (int i = 0; i < g.size(); i++) assertSameBits(g.get(i), h.get(i), "gradient " + i);
    }

    @Test
    void anEmbeddingReadsNoIdInThePadding() {
        Embedding e = new Embedding(VOCAB, 3, new Random(1));
        float[] ids = {1, 2, 5, 0, 4, 3};
        float[] bad = {1, 2, Float.NaN, 0, -1, 1e9f};
        int[] len = {2, 1};
        float[] want = e.forward(Batch.sequences(ids, 2, 3, 1, len), false, null).output().data();
        float[] got = e.forward(Batch.sequences(bad, 2, 3, 1, len), false, null).output().data();
        assertSameBits(want, got, "embedding output");
        for (int r : new int[] {2, 4, 5}) assertArrayEquals(new float[3], java.util.Arrays.copyOfRange(got, r * 3, r * 3 + 3), 0f, "padding row " + r);
    }

    @Test
    void aNaNOrABadIdInAValidStepIsStillRefused() {
        Dataset clean = Task.REGRESSION_PER_STEP.clean(1);
        float[] x = clean.x().clone();
        x[(3 * T + clean.lengthOf(3) - 1) * 2 + 1] = Float.NaN;
        Dataset bad = Dataset.regression(x, N, T, 2, clean.lengths(), ((Dataset.Regression) clean).targets(), 2, true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> trainer().fit(Task.REGRESSION_PER_STEP.model(), bad));
        assertEquals("training data: input is NaN at row 3, step " + (clean.lengthOf(3) - 1) + ", feature 1; expected finite numbers "
                + "(remove or impute the sample)", e.getMessage());
        Model m = Task.REGRESSION_PER_STEP.model();
        e = assertThrows(IllegalArgumentException.class, () -> m.predict(bad.inputs()));
        assertTrue(e.getMessage().startsWith("x: expected finite values, got NaN at sample 3, time step " + (clean.lengthOf(3) - 1)
                + ", feature 1"), e.getMessage());
        float[] y = ((Dataset.Regression) clean).targets().clone();
        y[(5 * T) * 2] = Float.POSITIVE_INFINITY;
        Dataset badTarget = Dataset.regression(clean.x(), N, T, 2, clean.lengths(), y, 2, true);
        e = assertThrows(IllegalArgumentException.class, () -> trainer().fit(Task.REGRESSION_PER_STEP.model(), badTarget));
        assertEquals("training data: target is Infinity at row 5, step 0, column 0; expected finite numbers", e.getMessage());

        Dataset tokens = Task.CLASSIFICATION_PER_STEP_EMBEDDING.clean(2);
        float[] ids = tokens.x().clone();
        ids[0] = VOCAB;
        Dataset badId = Dataset.classification(ids, N, T, 1, tokens.lengths(), ((Dataset.Classification) tokens).labels(), true);
        Model lm = Task.CLASSIFICATION_PER_STEP_EMBEDDING.model();
        e = assertThrows(IllegalArgumentException.class, () -> lm.predict(badId.inputs()));
        assertEquals("embedding: expected a token id in [0, 6), got 6.0 at row 0", e.getMessage());
        int[] labels = ((Dataset.Classification) tokens).labels().clone();
        labels[0] = VOCAB;
        Dataset badLabel = Dataset.classification(tokens.x(), N, T, 1, tokens.lengths(), labels, true);
        Supplier<Trainer> t = PaddingIgnoredTest::trainer;
        e = assertThrows(IllegalArgumentException.class, () -> t.get().validationSplit(0).fit(lm, badLabel));
        assertTrue(e.getMessage().contains("expected a class index in [0, 6)"), e.getMessage());
    }
}
