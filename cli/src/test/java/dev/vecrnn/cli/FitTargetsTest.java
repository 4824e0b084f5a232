package dev.vecrnn.cli;

import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.io.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The targets users coming from Keras and PyTorch hand to fit, in the shapes and dtypes they have them. */
class FitTargetsTest {

    private static final int N = 30, T = 4, K = 3;

    /** x [N, T, 1] float32 and the class of each row (and of each step) in [0, K). */
    private static int[] data(Path dir, boolean perStep) throws Exception {
        Random r = new Random(5);
        float[] x = new float[N * T];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        Npy.write(dir.resolve("x.npy"), Tensor.of(x, N, T, 1));
        int[] c = new int[perStep ? N * T : N];
        for (int i = 0; i < c.length; i++) c[i] = r.nextInt(K);
        return c;
    }

    private static String[] fit(Path dir, String y, String out, boolean perStep) {
        String[] a = {"fit", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve(y).toString(), "--task", "classification",
                "--hidden", "4", "--epochs", "2", "--out", dir.resolve(out).toString()};
        return perStep ? ContractTest.append(a, "--per-step") : a;
    }

    /** Keras's categorical_crossentropy takes one-hot rows (PyTorch's cross_entropy, as class probabilities): the same model as their labels. */
    @Test
    void oneHotRowsTrainAsTheirLabels(@TempDir Path dir) throws Exception {
        for (boolean perStep : new boolean[] {false, true}) {
            int[] c = data(dir, perStep);
            long[] labels = new long[c.length];
            float[] hot = new float[c.length * K];
            for (int i = 0; i < c.length; i++) {
                labels[i] = c[i];
                hot[i * K + c[i]] = 1;
            }
            int[] lShape = perStep ? new int[] {N, T} : new int[] {N};
            int[] hShape = perStep ? new int[] {N, T, K} : new int[] {N, K};
            Npy.writeLongs(dir.resolve("labels.npy"), labels, lShape);
            Npy.write(dir.resolve("hot.npy"), Tensor.of(hot, hShape));
            String m1 = "a" + perStep, m2 = "b" + perStep;
            assertEquals(0, ContractTest.run(fit(dir, "labels.npy", m1, perStep)).code());
            ContractTest.Result r = ContractTest.run(fit(dir, "hot.npy", m2, perStep));
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().contains("one-hot rows of 3 classes"), r.out());
            assertArrayEquals(Files.readAllBytes(dir.resolve(m1 + "/model.safetensors")), Files.readAllBytes(dir.resolve(m2 + "/model.safetensors")),
                    "one-hot Y trains the model its labels train, perStep " + perStep);
        }
    }

    /** Soft targets (label smoothing) and rows without a 1 are refused, naming the row; an [N, T] array without --per-step stays refused. */
    @Test
    void rowsThatAreNotOneHotAreRefused(@TempDir Path dir) throws Exception {
        data(dir, false);
        float[] soft = new float[N * K];
        for (int i = 0; i < N; i++) soft[i * K + i % K] = 1;
        soft[7 * K] = 0.9f;
        Npy.write(dir.resolve("soft.npy"), Tensor.of(soft, N, K));
        ContractTest.run(fit(dir, "soft.npy", "m", false)).refused("--y", "soft.npy", "row 7", "one-hot");
        soft[7 * K] = 0;
        soft[7 * K + 7 % K] = 0;
        Npy.write(dir.resolve("soft.npy"), Tensor.of(soft, N, K));
        ContractTest.run(fit(dir, "soft.npy", "m", false)).refused("--y", "soft.npy", "row of zeros at row 7", "take --task multilabel");
        // multi-hot rows of no label and of two: the rows of two name what they are, even after a row of none (refused
        // as a row of zeros without a word of multi-hot, where such arrays most often begin with a row of no label)
        soft[20 * K] = 1;
        soft[20 * K + 1] = 1;
        soft[20 * K + 2] = 0;
        Npy.write(dir.resolve("soft.npy"), Tensor.of(soft, N, K));
        ContractTest.run(fit(dir, "soft.npy", "m", false)).refused("--y", "row 20, column 1 (a second 1)", "take --task multilabel");
        soft[20 * K] = 0;
        soft[20 * K + 1] = 0;
        soft[20 * K + 2] = 1;
        soft[7 * K] = 1;
        soft[7 * K + 2] = 1;  // multi-hot: two labels in one row
        Npy.write(dir.resolve("soft.npy"), Tensor.of(soft, N, K));
        String multi = ContractTest.run(fit(dir, "soft.npy", "m", false)).refused("--y", "row 7, column 2 (a second 1)", "take --task multilabel").err();
        assertFalse(multi.contains("argmax"), multi);
        Npy.writeLongs(dir.resolve("steps.npy"), new long[N * T], N, T);
        ContractTest.run(fit(dir, "steps.npy", "m", false)).refused("--y", "--per-step");
        assertFalse(Files.exists(dir.resolve("m")));
    }

    /**
     * fit does not normalize X, as Keras does not; a feature of prices around 1e4 left the model at the mean target
     * without a word. Now a note names the feature; features of unit scale get none.
     */
    @Test
    void largeFeaturesGetANoteThatFitDoesNotNormalize(@TempDir Path dir) throws Exception {
        ContractTest.data(dir);  // x [40, 5, 2] of unit scale
        ContractTest.Result plain = ContractTest.run(ContractTest.fit(dir));
        assertEquals(0, plain.code(), plain.err());
        assertFalse(plain.out().contains("note:"), plain.out());
        float[] x = Npy.read(dir.resolve("x.npy")).toFloats();
        for (int i = 1; i < x.length; i += 2) x[i] = 1e4f + x[i];
        Npy.write(dir.resolve("x.npy"), Tensor.of(x, 40, 5, 2));
        ContractTest.Result large = ContractTest.run(ContractTest.fit(dir, "--overwrite"));
        assertEquals(0, large.code(), large.err());
        assertTrue(large.out().contains("note: --x") && large.out().contains("feature 1 (root mean square 1.00e+04)")
                && !large.out().contains("feature 0") && large.out().contains("does not normalize"), large.out());
    }

    /** numpy's {@code y = x.sum(1) > 0} is a BOOL array, which Keras takes as 0 and 1; fit refused it. The same model as int64 labels. */
    @Test
    void boolLabelsTrainAsZeroAndOne(@TempDir Path dir) throws Exception {
        ContractTest.data(dir);  // y.npy int64 labels 0 and 1
        long[] labels = Npy.read(dir.resolve("y.npy")).toLongs();
        byte[] bools = new byte[labels.length];
        for (int i = 0; i < labels.length; i++) bools[i] = (byte) labels[i];
        Npy.write(dir.resolve("yb.npy"), dev.vecrnn.nn.io.TensorData.ofBytes(dev.vecrnn.nn.io.DType.BOOL, bools, labels.length));
        assertEquals(0, ContractTest.run(ContractTest.fit(dir)).code());
        String[] a = ContractTest.fit(dir);
        a[4] = dir.resolve("yb.npy").toString();
        a[10] = dir.resolve("mb").toString();  // --out
        ContractTest.Result r = ContractTest.run(a);
        assertEquals(0, r.code(), r.err());
        assertArrayEquals(Files.readAllBytes(dir.resolve("m/model.safetensors")), Files.readAllBytes(dir.resolve("mb/model.safetensors")));
    }

    /**
     * PyTorch users mark steps no loss should score with -100 (cross_entropy's ignore_index), padded ones among them.
     * fit leaves them out of the loss, the metrics and the class count: a unidirectional model whose last steps are
     * -100 trains as one told by --lengths that those steps are padding (its earlier outputs never read them). Labels
     * that are all -100, or another negative number, are refused.
     */
    @Test
    void ignoreIndexLabelsAreLeftOut(@TempDir Path dir) throws Exception {
        int[] c = data(dir, true);
        long[] labels = new long[c.length];
        for (int i = 0; i < c.length; i++) labels[i] = i % T == T - 1 ? -100 : c[i];   // the last step of every sequence
        Npy.writeLongs(dir.resolve("tags.npy"), labels, N, T);
        ContractTest.Result ignored = ContractTest.run(fit(dir, "tags.npy", "m1", true));
        assertEquals(0, ignored.code(), ignored.err());
        long[] lengths = new long[N];
        java.util.Arrays.fill(lengths, T - 1);
        Npy.writeLongs(dir.resolve("len.npy"), lengths, N);
        ContractTest.Result padded = ContractTest.run(ContractTest.append(fit(dir, "tags.npy", "m2", true), "--lengths", dir.resolve("len.npy").toString()));
        assertEquals(0, padded.code(), padded.err());
        var a = dev.vecrnn.nn.format.ModelFile.load(dir.resolve("m1/model.safetensors")).stateDict();
        var b = dev.vecrnn.nn.format.ModelFile.load(dir.resolve("m2/model.safetensors")).stateDict();
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            float[] x = a.get(k).data(), y = b.get(k).data();
            for (int i = 0; i < x.length; i++) assertEquals(y[i], x[i], 1e-5, k + "[" + i + "]");
        }
        assertEquals(K, dev.vecrnn.nn.format.ModelFile.load(dir.resolve("m1/model.safetensors")).outputFeatures(), "-100 is no class");

        java.util.Arrays.fill(labels, -100);
        Npy.writeLongs(dir.resolve("none.npy"), labels, N, T);
        ContractTest.run(fit(dir, "none.npy", "m3", true)).refused("--y", "none.npy", "only -100", "nothing to score");
        labels[5] = -5;
        Npy.writeLongs(dir.resolve("neg.npy"), labels, N, T);
        ContractTest.run(fit(dir, "neg.npy", "m4", true)).refused("--y", "neg.npy", "got -5 at element 5 (sequence 1, step 1)", "-100 (PyTorch's ignore_index)");
    }

    /**
     * PyTorch's recurrent layers take [T, N, F] unless batch_first: X saved that way has Y's rows as its steps. The
     * refusal says X is read batch first and how to swap it; a Y that matches neither axis gets no such advice.
     */
    @Test
    void timeFirstXIsNamedAsSuch(@TempDir Path dir) throws Exception {
        Random r = new Random(3);
        float[] x = new float[N * T];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        Npy.write(dir.resolve("x.npy"), Tensor.of(x, T, N, 1));  // [T, N, F]
        Npy.writeLongs(dir.resolve("y.npy"), new long[N], N);
        Npy.writeLongs(dir.resolve("tags.npy"), new long[N * T], N, T);
        Npy.writeLongs(dir.resolve("odd.npy"), new long[N + 1], N + 1);
        String swap = "np.swapaxes(x, 0, 1)";
        ContractTest.run(fit(dir, "y.npy", "m", false)).refused("--y", "expected [4, ...] to match X [4, 30, 1], got [30]", "batch first", swap);
        ContractTest.run(fit(dir, "tags.npy", "m", true)).refused("--y", "expected [4, 30, ...]", "got [30, 4]", swap);
        String line = ContractTest.run(fit(dir, "odd.npy", "m", false)).refused("--y", "got [31]").err();
        assertFalse(line.contains(swap), line);
        assertFalse(Files.exists(dir.resolve("m")));
    }

    /** Continuous targets under --task classification (the task left at the wrong value) are refused pointing to regression. */
    @Test
    void fractionalLabelsPointToRegression(@TempDir Path dir) throws Exception {
        data(dir, false);
        float[] v = new float[N];
        for (int i = 0; i < N; i++) v[i] = i;
        v[5] = 0.25f;
        Npy.write(dir.resolve("v.npy"), Tensor.of(v, N));
        ContractTest.run(fit(dir, "v.npy", "m", false)).refused("--y", "got 0.25 at element 5", "--task regression");
        assertFalse(Files.exists(dir.resolve("m")));
    }
}
