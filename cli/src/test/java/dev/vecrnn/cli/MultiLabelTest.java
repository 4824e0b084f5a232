package dev.vecrnn.cli;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.format.ModelFile;
import dev.vecrnn.nn.io.DType;
import dev.vecrnn.nn.io.Npy;
import dev.vecrnn.nn.io.TensorData;
import dev.vecrnn.nn.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * fit, evaluate and predict with {@code --task multilabel} (Keras's sigmoid Dense with binary_crossentropy, PyTorch's
 * BCEWithLogitsLoss), bool X, and {@code --init}. The figures are recomputed here in double from the model's logits.
 */
class MultiLabelTest {

    private static final int N = 48, T = 5, F = 2, K = 3;

    /** x [n, T, F] float32 and multi-hot y of K labels (per sequence, or [n, T, K] per step) as bool: label k is on where feature k % F sums high. */
    static void data(Path dir, String name, int n, long seed, boolean perStep) throws Exception {
        Random r = new Random(seed);
        float[] x = new float[n * T * F];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        int rows = perStep ? n * T : n;
        byte[] y = new byte[rows * K];
        for (int row = 0; row < rows; row++) {
            int i = perStep ? row / T : row, steps = perStep ? row % T + 1 : T;
            for (int k = 0; k < K; k++) {
                double s = 0;
                for (int t = 0; t < steps; t++) s += x[(i * T + t) * F + k % F];
                y[row * K + k] = (byte) (k == 2 ? (s < -0.5 ? 1 : 0) : (s > 0 ? 1 : 0));
            }
        }
        Npy.write(dir.resolve(name + "x.npy"), Tensor.of(x, n, T, F));
        Npy.write(dir.resolve(name + "y.npy"), TensorData.ofBytes(DType.BOOL, y, perStep ? new int[] {n, T, K} : new int[] {n, K}));
    }

    static String[] fit(Path dir, String... extra) {
        List<String> a = new ArrayList<>(List.of("fit", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("y.npy").toString(),
                "--task", "multilabel", "--hidden", "6", "--out", dir.resolve("m").toString()));
        if (!List.of(extra).contains("--epochs")) a.addAll(List.of("--epochs", "3"));
        if (!List.of(extra).contains("--lr")) a.addAll(List.of("--lr", "0.01"));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    /** The mean BCE over the valid rows' labels, and the figures of Metrics.multiLabel's contract, in double from logits [rows, K]. */
    private static double[] byHand(float[] logits, float[] targets, boolean[] valid) {
        double loss = 0;
        long counted = 0, right = 0, rowsRight = 0, rows = 0;
        long[] tp = new long[K], fp = new long[K], fn = new long[K];
        for (int row = 0; row < valid.length; row++) {
            if (!valid[row]) continue;
            rows++;
            boolean all = true;
            for (int k = 0; k < K; k++) {
                double z = logits[row * K + k], y = targets[row * K + k];
                double p = 1 / (1 + Math.exp(-z));
                loss += -(y * Math.log(p) + (1 - y) * Math.log(1 - p));
                counted++;
                boolean pr = p > 0.5, tr = y > 0.5;
                if (pr == tr) right++;
                else all = false;
                if (pr && tr) tp[k]++;
                if (pr && !tr) fp[k]++;
                if (!pr && tr) fn[k]++;
            }
            if (all) rowsRight++;
        }
        long stp = 0, serr = 0;
        double macro = 0;
        for (int k = 0; k < K; k++) {
            stp += tp[k];
            serr += fp[k] + fn[k];
            macro += tp[k] == 0 ? 0 : 2.0 * tp[k] / (2.0 * tp[k] + fp[k] + fn[k]);
        }
        double[] figures = new double[FIGURES.length + 3 * K];
        double[] means = {loss / counted, (double) right / counted, (double) rowsRight / rows, stp == 0 ? 0 : 2.0 * stp / (2.0 * stp + serr), macro / K};
        System.arraycopy(means, 0, figures, 0, means.length);
        for (int k = 0; k < K; k++) {   // then each label's support, predictions and true positives
            figures[FIGURES.length + 3 * k] = tp[k] + fn[k];
            figures[FIGURES.length + 3 * k + 1] = tp[k] + fp[k];
            figures[FIGURES.length + 3 * k + 2] = tp[k];
        }
        return figures;
    }

    private static final String[] FIGURES = {"loss", "binary_accuracy", "subset_accuracy", "f1_micro", "f1_macro"};

    private static void assertFigures(double[] expected, Path json) throws Exception {
        Map<String, Object> m = dev.vecrnn.nn.io.internal.Json.readObject(json, 1 << 20);
        for (int i = 0; i < FIGURES.length; i++) {
            assertEquals(expected[i], ((Number) m.get(FIGURES[i])).doubleValue(), i == 0 ? 1e-6 : 1e-12, FIGURES[i]);
        }
        // every label's row of the report, as scikit-learn's classification_report on multi-hot arrays (null where it divides by 0)
        List<?> labels = (List<?>) m.get("labels");
        assertEquals(K, labels.size(), "one entry a label");
        for (int k = 0; k < K; k++) {
            Map<?, ?> e = (Map<?, ?>) labels.get(k);
            double support = expected[FIGURES.length + 3 * k], predicted = expected[FIGURES.length + 3 * k + 1], tp = expected[FIGURES.length + 3 * k + 2];
            assertEquals(k, ((Number) e.get("label")).intValue());
            assertEquals(support, ((Number) e.get("support")).doubleValue(), "support of label " + k);
            assertEquals(predicted, ((Number) e.get("predicted")).doubleValue(), "predictions of label " + k);
            assertRatio(tp, predicted, e.get("precision"), "precision of label " + k);
            assertRatio(tp, support, e.get("recall"), "recall of label " + k);
            assertRatio(2 * tp, support + predicted, e.get("f1"), "f1 of label " + k);
        }
    }

    private static void assertRatio(double num, double den, Object actual, String what) {
        if (den == 0) assertEquals(null, actual, what);
        else assertEquals(num / den, ((Number) actual).doubleValue(), 1e-12, what);
    }

    /**
     * fit on bool multi-hot rows [N, K] with validation arrays; evaluate's figures on held-out arrays are the mean BCE
     * (PyTorch's default reduction), Keras's binary_accuracy, subset accuracy and scikit-learn's micro and macro F1 of the
     * model's logits, recomputed here; predict writes the sigmoid of each logit; the model file records the task.
     */
    @Test
    void fitEvaluatePredictPerSequence(@TempDir Path dir) throws Exception {
        data(dir, "", N, 1, false);
        data(dir, "val", 16, 2, false);
        data(dir, "test", 20, 3, false);
        ContractTest.Result r = ContractTest.run(fit(dir, "--val-x", dir.resolve("valx.npy").toString(), "--val-y", dir.resolve("valy.npy").toString()));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("val_binary_accuracy") && r.out().contains("val_f1_macro") && !r.out().contains("rmse"), r.out());
        Path file = dir.resolve("m/model.safetensors");
        assertEquals("multilabel", ModelFile.task(file));
        Model m = ModelFile.load(file);
        assertEquals(K, m.outputFeatures());

        Path json = dir.resolve("e.json");
        r = ContractTest.run("evaluate", "--model", dir.resolve("m").toString(), "--x", dir.resolve("testx.npy").toString(),
                "--y", dir.resolve("testy.npy").toString(), "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("   label   support  precision") && !r.out().contains("class"), "a table of labels: " + r.out());
        String help = ContractTest.run("evaluate", "--help").out().replaceAll("\\s+", " ");
        assertTrue(help.contains("multilabel model, of every label"), "evaluate --help spoke of classes only: " + help);
        float[] x = Npy.read(dir.resolve("testx.npy")).toFloats();
        float[] logits = m.predict(Batch.sequences(x, 20, T, F, null)).data();
        float[] y = bools(dir.resolve("testy.npy"));
        boolean[] all = new boolean[20];
        java.util.Arrays.fill(all, true);
        double[] expected = byHand(logits, y, all);
        assertFigures(expected, json);
        assertTrue(expected[1] > 0.5 && expected[1] < 1, "a model that learned something but not everything: " + expected[1]);

        r = ContractTest.run("predict", "--model", dir.resolve("m").toString(), "--x", dir.resolve("testx.npy").toString(),
                "--out", dir.resolve("p.npy").toString());
        assertEquals(0, r.code(), r.err());
        TensorData p = Npy.read(dir.resolve("p.npy"));
        assertArrayEquals(new int[] {20, K}, p.shape());
        float[] probs = p.toFloats();
        for (int i = 0; i < probs.length; i++) assertEquals(1 / (1 + Math.exp(-logits[i])), probs[i], 1e-6, "probability " + i);
    }

    /**
     * A Y of one label a row, [N] (Keras's Dense(1, activation='sigmoid') with y of shape [N]), trains a model of one
     * output; predict writes [N, 1] sigmoids, as Keras's predict; evaluate takes Y as [N] or [N, 1] alike.
     */
    @Test
    void oneDimensionalYIsOneLabel(@TempDir Path dir) throws Exception {
        data(dir, "", N, 1, false);
        float[] y = bools(dir.resolve("y.npy")), one = new float[N];
        for (int i = 0; i < N; i++) one[i] = y[i * K];
        Npy.write(dir.resolve("y1.npy"), Tensor.of(one, N));
        Npy.write(dir.resolve("y1k.npy"), Tensor.of(one, N, 1));
        String[] a = fit(dir);
        a[4] = dir.resolve("y1.npy").toString();
        ContractTest.Result r = ContractTest.run(a);
        assertEquals(0, r.code(), r.err());
        Model m = ModelFile.load(dir.resolve("m/model.safetensors"));
        assertEquals(1, m.outputFeatures());
        r = ContractTest.run("predict", "--model", dir.resolve("m").toString(), "--x", dir.resolve("x.npy").toString(), "--out", dir.resolve("p.npy").toString());
        assertEquals(0, r.code(), r.err());
        assertArrayEquals(new int[] {N, 1}, Npy.read(dir.resolve("p.npy")).shape());
        for (String file : List.of("y1.npy", "y1k.npy")) {
            r = ContractTest.run("evaluate", "--model", dir.resolve("m").toString(), "--x", dir.resolve("x.npy").toString(), "--y",
                    dir.resolve(file).toString(), "--json", dir.resolve(file + ".json").toString());
            assertEquals(0, r.code(), r.err());
        }
        float[] logits = m.predict(Batch.sequences(Npy.read(dir.resolve("x.npy")).toFloats(), N, T, F, null)).data();
        double loss = 0;
        for (int i = 0; i < N; i++) loss += Math.log1p(Math.exp(-logits[i])) + (1 - one[i]) * logits[i];
        for (String file : List.of("y1.npy", "y1k.npy")) {
            Map<String, Object> e = dev.vecrnn.nn.io.internal.Json.readObject(dir.resolve(file + ".json"), 1 << 20);
            assertEquals(loss / N, ((Number) e.get("loss")).doubleValue(), 1e-6, file);
            assertEquals(1, ((List<?>) e.get("labels")).size(), file);
        }
    }

    static float[] bools(Path file) throws Exception {
        long[] v = Npy.read(file).toLongs();
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = v[i];
        return f;
    }

    /** Multi-hot rows per step [N, T, K] with --lengths: evaluate's figures are over the valid steps only, as recomputed here. */
    @Test
    void perStepWithLengths(@TempDir Path dir) throws Exception {
        data(dir, "", N, 4, true);
        long[] len = new long[N];
        for (int i = 0; i < N; i++) len[i] = 1 + i % T;
        Npy.writeLongs(dir.resolve("len.npy"), len, N);
        // padding holds a value outside [0, 1]: never read, so not refused
        float[] y = bools(dir.resolve("y.npy"));
        for (int i = 0; i < N; i++) for (int t = (int) len[i]; t < T; t++) y[(i * T + t) * K] = 7;
        Npy.write(dir.resolve("y.npy"), Tensor.of(y, N, T, K));
        String lengths = dir.resolve("len.npy").toString();
        ContractTest.Result r = ContractTest.run(fit(dir, "--per-step", "--lengths", lengths));
        assertEquals(0, r.code(), r.err());
        Path json = dir.resolve("e.json");
        r = ContractTest.run("evaluate", "--model", dir.resolve("m").toString(), "--x", dir.resolve("x.npy").toString(),
                "--y", dir.resolve("y.npy").toString(), "--lengths", lengths, "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        Model m = ModelFile.load(dir.resolve("m/model.safetensors"));
        int[] l = new int[N];
        boolean[] valid = new boolean[N * T];
        for (int i = 0; i < N; i++) {
            l[i] = (int) len[i];
            for (int t = 0; t < l[i]; t++) valid[i * T + t] = true;
        }
        float[] logits = m.predict(Batch.sequences(Npy.read(dir.resolve("x.npy")).toFloats(), N, T, F, l)).data();
        assertFigures(byHand(logits, y, valid), json);
    }

    /**
     * Targets outside [0, 1] are refused naming the file, row and label; --class-weight and --classes are the softmax
     * classifier's; nothing is written.
     */
    @Test
    void refusals(@TempDir Path dir) throws Exception {
        data(dir, "", N, 1, false);
        float[] y = bools(dir.resolve("y.npy"));
        y[5 * K + 2] = 2;
        Npy.write(dir.resolve("y2.npy"), Tensor.of(y, N, K));
        String[] a = fit(dir);
        a[4] = dir.resolve("y2.npy").toString();
        ContractTest.run(a).refused("--y " + dir.resolve("y2.npy"), "got 2 at row 5, label 2", "[0, 1]");
        y[5 * K + 2] = -0.5f;
        Npy.write(dir.resolve("y2.npy"), Tensor.of(y, N, K));
        ContractTest.run(a).refused("--y", "y2.npy", "got -0.5 at row 5, label 2");
        ContractTest.run(fit(dir, "--val-x", dir.resolve("x.npy").toString(), "--val-y", dir.resolve("y2.npy").toString()))
                .refused("--val-y", "y2.npy", "row 5, label 2");
        ContractTest.run(fit(dir, "--class-weight", "balanced")).refused("--class-weight", "--task classification");
        ContractTest.run(fit(dir, "--classes", "3")).refused("--classes", "--task classification");
        String[] tune = {"tune", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("y2.npy").toString(), "--task", "multilabel",
                "--trials", "1", "--epochs", "1", "--out", dir.resolve("m").toString()};
        ContractTest.run(tune).refused("--y", "y2.npy", "row 5, label 2");
        assertFalse(Files.exists(dir.resolve("m")));
        // evaluate refuses targets outside [0, 1] for a multi-label model too
        assertEquals(0, ContractTest.run(fit(dir)).code());
        ContractTest.run("evaluate", "--model", dir.resolve("m").toString(), "--x", dir.resolve("x.npy").toString(), "--y",
                dir.resolve("y2.npy").toString()).refused("--y", "y2.npy", "row 5, label 2");
    }

    /**
     * A Y of no columns ([N, 0], a column selection that matched nothing) was refused with the library's
     * 'targetWidth: expected >= 1, got 0', naming neither option nor file; a NaN target was placed by its flattened
     * element only: both now name the file, and the NaN its row and label as the range check does.
     */
    @Test
    void emptyAndNonFiniteTargetsNamed(@TempDir Path dir) throws Exception {
        data(dir, "", N, 1, false);
        Npy.write(dir.resolve("y0.npy"), Tensor.of(new float[0], N, 0));
        for (String task : List.of("multilabel", "regression")) {
            String[] a = fit(dir);
            a[4] = dir.resolve("y0.npy").toString();
            a[6] = task;
            ContractTest.run(a).refused("--y " + dir.resolve("y0.npy") + ": expected at least one target a row, got [" + N + ", 0]");
        }
        ContractTest.run(fit(dir, "--val-x", dir.resolve("x.npy").toString(), "--val-y", dir.resolve("y0.npy").toString()))
                .refused("--val-y " + dir.resolve("y0.npy"), "at least one target");
        assertFalse(Files.exists(dir.resolve("m")));
        float[] y = bools(dir.resolve("y.npy"));
        y[3 * K + 2] = Float.NaN;
        Npy.write(dir.resolve("yn.npy"), Tensor.of(y, N, K));
        String[] a = fit(dir);
        a[4] = dir.resolve("yn.npy").toString();
        ContractTest.run(a).refused("--y " + dir.resolve("yn.npy"), "finite", "NaN", "row 3, column 2");
        assertEquals(0, ContractTest.run(fit(dir)).code());
        ContractTest.run("evaluate", "--model", dir.resolve("m").toString(), "--x", dir.resolve("x.npy").toString(), "--y",
                dir.resolve("y0.npy").toString()).refused("--y " + dir.resolve("y0.npy"), "at least one target");
    }

    /** --head attention with --per-step was dropped without a word (a per-step model has no many-to-one head): refused naming both. */
    @Test
    void attentionHeadWithPerStepIsRefused(@TempDir Path dir) throws Exception {
        data(dir, "", N, 1, true);
        ContractTest.run(fit(dir, "--per-step", "--head", "attention")).refused("--head attention", "--per-step");
        assertFalse(Files.exists(dir.resolve("m")));
        ContractTest.Result r = ContractTest.run(fit(dir, "--per-step", "--head", "last", "--epochs", "1"));
        assertEquals(0, r.code(), r.err());
    }

    /** tune --task multilabel ranks by the mean BCE and saves a model that records the task. */
    @Test
    void tuneTrainsMultiLabel(@TempDir Path dir) throws Exception {
        data(dir, "", N, 1, false);
        ContractTest.Result r = ContractTest.run("tune", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("y.npy").toString(),
                "--task", "multilabel", "--trials", "2", "--epochs", "2", "--out", dir.resolve("t").toString());
        assertEquals(0, r.code(), r.err());
        Path file = dir.resolve("t/model.safetensors");
        assertEquals("multilabel", ModelFile.task(file));
        assertEquals(K, ModelFile.load(file).outputFeatures());
    }

    /** A bool X (pandas 2's get_dummies columns) was refused; it trains as the same 0/1 values in float32 do, as numpy's astype gives them. */
    @Test
    void boolXTrainsAsZeroAndOne(@TempDir Path dir) throws Exception {
        data(dir, "", N, 1, false);
        float[] x = Npy.read(dir.resolve("x.npy")).toFloats();
        byte[] b = new byte[x.length];
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            b[i] = (byte) (x[i] > 0 ? 1 : 0);
            f[i] = x[i] > 0 ? 1f : 0f;
        }
        Npy.write(dir.resolve("x.npy"), TensorData.ofBytes(DType.BOOL, b, N, T, F));
        Npy.write(dir.resolve("xf.npy"), Tensor.of(f, N, T, F));
        assertEquals(0, ContractTest.run(fit(dir)).code());
        String[] a = fit(dir);
        a[2] = dir.resolve("xf.npy").toString();
        a[List.of(a).indexOf("--out") + 1] = dir.resolve("mf").toString();
        ContractTest.Result r = ContractTest.run(a);
        assertEquals(0, r.code(), r.err());
        assertArrayEquals(Files.readAllBytes(dir.resolve("m/model.safetensors")), Files.readAllBytes(dir.resolve("mf/model.safetensors")));
        ContractTest.run("predict", "--model", dir.resolve("m").toString(), "--x", dir.resolve("x.npy").toString(), "--out",
                dir.resolve("p.npy").toString());
        assertTrue(Files.exists(dir.resolve("p.npy")));
    }

    /**
     * --init keras starts an LSTM as Keras does: a forget-gate bias of 1 and every other bias 0, the recurrent weights
     * orthogonal as one matrix (W^T W = I, checked in double), Glorot-uniform input and head weights; --init pytorch (the
     * default) keeps PyTorch's U(-1/sqrt(h), 1/sqrt(h)) biases. A learning rate of 1e-12 leaves the weights as they
     * started, to within 1e-9. A --resume with another --init is refused naming both.
     */
    @Test
    void initKerasAndResumeWithAnother(@TempDir Path dir) throws Exception {
        data(dir, "", N, 1, false);
        int h = 6;
        Path ck = dir.resolve("ck");
        ContractTest.Result r = ContractTest.run(fit(dir, "--init", "keras", "--lr", "1e-12", "--epochs", "1", "--checkpoint", ck.toString()));
        assertEquals(0, r.code(), r.err());
        Map<String, Tensor> sd = ModelFile.load(dir.resolve("m/model.safetensors")).stateDict();
        float[] bih = sd.get("layers.0.bias_ih_l0").data(), bhh = sd.get("layers.0.bias_hh_l0").data();
        for (int i = 0; i < 4 * h; i++) {
            assertEquals(i >= h && i < 2 * h ? 1 : 0, bih[i], 1e-9, "bias_ih " + i + " (PyTorch's gate order i, f, g, o)");
            assertEquals(0, bhh[i], 1e-9, "bias_hh " + i);
        }
        float[] whh = sd.get("layers.0.weight_hh_l0").data();  // [4h, h]: orthonormal columns, Keras's recurrent_kernel [h, 4h] transposed
        for (int a = 0; a < h; a++) {
            for (int b = 0; b < h; b++) {
                double dot = 0;
                for (int c = 0; c < 4 * h; c++) dot += (double) whh[c * h + a] * whh[c * h + b];
                assertEquals(a == b ? 1 : 0, dot, 1e-5, "W^T W at " + a + ", " + b);
            }
        }
        assertBound(sd.get("layers.0.weight_ih_l0").data(), Math.sqrt(6.0 / (F + 4 * h)), "weight_ih (Glorot)");
        assertBound(sd.get("layers.2.weight").data(), Math.sqrt(6.0 / (h + K)), "head weight (Glorot)");
        for (float b : sd.get("layers.2.bias").data()) assertEquals(0, b, 1e-9, "head bias");

        assertTrue(Files.exists(ck));
        ContractTest.run(fit(dir, "--lr", "1e-12", "--epochs", "2", "--checkpoint", ck.toString(), "--resume", "--overwrite"))
                .refused("--resume", "--init keras", "--init pytorch");
        ContractTest.Result same = ContractTest.run(fit(dir, "--init", "KERAS", "--lr", "1e-12", "--epochs", "2", "--checkpoint", ck.toString(),
                "--resume", "--overwrite"));
        assertEquals(0, same.code(), same.err());
        ContractTest.run(fit(dir, "--init", "glorot", "--overwrite")).refused("--init", "pytorch, keras", "glorot");

        r = ContractTest.run(fit(dir, "--lr", "1e-12", "--epochs", "1", "--overwrite"));
        assertEquals(0, r.code(), r.err());
        float[] pt = ModelFile.load(dir.resolve("m/model.safetensors")).stateDict().get("layers.0.bias_ih_l0").data();
        assertBound(pt, 1 / Math.sqrt(h), "PyTorch's bias_ih");
        assertTrue(Math.abs(pt[h] - 1) > 0.5, "--init pytorch: no forget-gate bias of 1, got " + pt[h]);
    }

    /** Every value within +-bound, and the largest above half of it (drawn from the whole range). */
    private static void assertBound(float[] w, double bound, String what) {
        double max = 0;
        for (float v : w) max = Math.max(max, Math.abs(v));
        assertTrue(max <= bound + 1e-9 && max > bound / 2, what + ": max |w| " + max + ", bound " + bound);
    }
}
