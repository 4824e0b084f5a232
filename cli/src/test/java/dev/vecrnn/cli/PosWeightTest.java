package dev.vecrnn.cli;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.format.ModelFile;
import dev.vecrnn.nn.io.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * fit and tune {@code --pos-weight} for {@code --task multilabel}, PyTorch's {@code BCEWithLogitsLoss(pos_weight=p)}:
 * the printed val_loss is recomputed here in double from the saved model's logits with PyTorch's documented formula
 * {@code -mean(p_k y log sigmoid(x) + (1 - y) log(1 - sigmoid(x)))}; balanced weights from the training rows' counts.
 */
class PosWeightTest {
    private static final int N = 48, T = 5, F = 2, K = 3;

    private static String[] fit(Path dir, String... extra) {
        Stream<String> epochs = List.of(extra).contains("--epochs") ? Stream.of() : Stream.of("--epochs", "2");
        return MultiLabelTest.fit(dir, Stream.of(epochs, Stream.of("--patience", "-1"), Stream.of(extra)).flatMap(s -> s).toArray(String[]::new));
    }

    /** The val_loss fit printed for its last epoch. */
    private static double valLoss(ContractTest.Result r) {
        Matcher m = Pattern.compile("epoch 2/2 .* val_loss (\\S+)").matcher(r.out());
        assertTrue(m.find(), r.out());
        return Double.parseDouble(m.group(1));
    }

    /** PyTorch's BCEWithLogitsLoss(pos_weight=p), mean reduction, over logits and targets [rows, K], in double from the sigmoid. */
    static double bceByHand(float[] logits, float[] y, double[] p) {
        double sum = 0;
        for (int i = 0; i < y.length; i++) {
            double s = 1 / (1 + Math.exp(-(double) logits[i]));
            sum += -(p[i % K] * y[i] * Math.log(s) + (1 - y[i]) * Math.log(1 - s));
        }
        return sum / y.length;
    }

    /** The saved model's logits on rows [from, to) of {@code x}. */
    private static float[] logits(Path dir, String x, int from, int to) throws Exception {
        float[] all = Npy.read(dir.resolve(x)).toFloats();
        float[] part = Arrays.copyOfRange(all, from * T * F, to * T * F);
        return ModelFile.load(dir.resolve("m/model.safetensors")).predict(Batch.sequences(part, to - from, T, F, null)).data();
    }

    @Test
    void givenWeightsWeighTheLossAsPyTorchDoes(@TempDir Path dir) throws Exception {
        MultiLabelTest.data(dir, "", N, 1, false);
        MultiLabelTest.data(dir, "val", 16, 2, false);
        double[] p = {0.5, 3, 1.25};
        ContractTest.Result r = ContractTest.run(fit(dir, "--val-x", dir.resolve("valx.npy").toString(), "--val-y", dir.resolve("valy.npy").toString(),
                "--pos-weight", "0.5, 3,1.25"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("positive weights (as given): 0: 0.5000  1: 3.000  2: 1.250"), r.out());
        float[] logits = logits(dir, "valx.npy", 0, 16), y = MultiLabelTest.bools(dir.resolve("valy.npy"));
        double printed = valLoss(r);
        assertEquals(bceByHand(logits, y, p), printed, 6e-5, r.out());
        // not the unweighted mean: the test could fail
        assertTrue(Math.abs(bceByHand(logits, y, new double[] {1, 1, 1}) - printed) > 1e-3, r.out());
        assertTrue(r.out().contains("on all data (unweighted): loss "), r.out());
    }

    /** balanced: each label's negatives over its positives, counted on the training rows (the first 36; the last 12 validate). */
    @Test
    void balancedIsCountedOnTheTrainingRowsOnly(@TempDir Path dir) throws Exception {
        MultiLabelTest.data(dir, "", N, 1, false);
        float[] y = MultiLabelTest.bools(dir.resolve("y.npy"));
        double[] w = new double[K], wAll = new double[K];
        for (int k = 0; k < K; k++) {
            int pos = 0, posAll = 0;
            for (int i = 0; i < N; i++) {
                if (y[i * K + k] == 1) {
                    posAll++;
                    if (i < 36) pos++;
                }
            }
            w[k] = (36.0 - pos) / pos;
            wAll[k] = (48.0 - posAll) / posAll;
        }
        StringBuilder expected = new StringBuilder("positive weights (balanced over the 36 training rows: negatives / positives):");
        for (int k = 0; k < K; k++) expected.append(k == 0 ? " " : "  ").append(String.format(Locale.ROOT, "%d: %.4g", k, w[k]));
        assertFalse(Arrays.equals(w, wAll), "the data must tell the two apart");
        ContractTest.Result r = ContractTest.run(fit(dir, "--val", "0.25", "--val-rows", "last", "--pos-weight", "balanced"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains(expected), expected + " in " + r.out());
        float[] logits = logits(dir, "x.npy", 36, 48);
        assertEquals(bceByHand(logits, Arrays.copyOfRange(y, 36 * K, 48 * K), w), valLoss(r), 6e-5, r.out());
    }

    /** Wrong count, a weight not above 0 or not a number, --pos-weight outside --task multilabel, a label never on under balanced: one line, nothing written. */
    @Test
    void refusals(@TempDir Path dir) throws Exception {
        MultiLabelTest.data(dir, "", N, 1, false);
        ContractTest.run(fit(dir, "--pos-weight", "1,2")).refused("--pos-weight", "expected 3 weights", "got 2");
        ContractTest.run(fit(dir, "--pos-weight", "1,2,3,4")).refused("--pos-weight", "expected 3 weights", "got 4");
        ContractTest.run(fit(dir, "--pos-weight", "1,0,3")).refused("--pos-weight", "above 0", "got 0 for label 1");
        ContractTest.run(fit(dir, "--pos-weight", "1,2,-3")).refused("--pos-weight", "above 0", "got -3 for label 2");
        ContractTest.run(fit(dir, "--pos-weight", "NaN,2,3")).refused("--pos-weight", "finite", "got NaN for label 0");
        ContractTest.run(fit(dir, "--pos-weight", "1,Infinity,3")).refused("--pos-weight", "finite", "label 1");
        ContractTest.run(fit(dir, "--pos-weight", "1e-60,2,3")).refused("--pos-weight", "above 0", "label 0");
        ContractTest.run(fit(dir, "--pos-weight", "1,two,3")).refused("--pos-weight", "'two'");
        for (String task : List.of("classification", "regression")) {
            String[] a = fit(dir, "--pos-weight", "2");
            a[List.of(a).indexOf("--task") + 1] = task;
            ContractTest.run(a).refused("--pos-weight", "--task multilabel");
            ContractTest.run("tune", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("y.npy").toString(), "--task", task,
                    "--trials", "1", "--epochs", "1", "--pos-weight", "2", "--out", dir.resolve("m").toString()).refused("--pos-weight", "--task multilabel");
        }
        float[] y = MultiLabelTest.bools(dir.resolve("y.npy"));
        for (int i = 0; i < N; i++) y[i * K + 1] = 0;
        Npy.write(dir.resolve("y1.npy"), dev.vecrnn.nn.Tensor.of(y, N, K));
        String[] a = fit(dir, "--pos-weight", "balanced");
        a[List.of(a).indexOf("--y") + 1] = dir.resolve("y1.npy").toString();
        ContractTest.Result r = ContractTest.run(a).refused("--pos-weight balanced", "label 1 is 0 in every training row", "y1.npy");
        assertEquals("", r.out(), "nothing before the refusal");
        // label 1 on by float32's least subnormal in row 0: the 36 training rows' negatives (Keras's split of 48 at 0.25) over that overflow a float
        y[1] = Float.MIN_VALUE;
        Npy.write(dir.resolve("y1.npy"), dev.vecrnn.nn.Tensor.of(y, N, K));
        a = fit(dir, "--pos-weight", "balanced", "--val", "0.25", "--val-rows", "last");
        a[List.of(a).indexOf("--y") + 1] = dir.resolve("y1.npy").toString();
        ContractTest.run(a).refused("--pos-weight balanced", "label 1 of the training rows", "gives 36 / 1.401298464324817E-45", "not a finite float");
        ContractTest.run("tune", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("y.npy").toString(), "--task", "multilabel",
                "--trials", "1", "--epochs", "1", "--pos-weight", "1,2", "--out", dir.resolve("m").toString()).refused("--pos-weight", "expected 3 weights");
        assertFalse(Files.exists(dir.resolve("m")));
    }

    /** tune trains every trial with the weights (printed once) and saves a multi-label model. */
    @Test
    void tuneTakesThem(@TempDir Path dir) throws Exception {
        MultiLabelTest.data(dir, "", N, 1, false);
        ContractTest.Result r = ContractTest.run("tune", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("y.npy").toString(),
                "--task", "multilabel", "--trials", "1", "--epochs", "1", "--pos-weight", "2,2,2", "--out", dir.resolve("t").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("positive weights (as given): 0: 2.000  1: 2.000  2: 2.000"), r.out());
        assertEquals("multilabel", ModelFile.task(dir.resolve("t/model.safetensors")));
    }

    /** A checkpoint records the weights: a --resume with others, or none, is refused naming both as options; the same resumes. */
    @Test
    void resumeWithOtherWeightsIsRefused(@TempDir Path dir) throws Exception {
        MultiLabelTest.data(dir, "", N, 1, false);
        String ck = dir.resolve("c.ckpt").toString();
        assertEquals(0, ContractTest.run(fit(dir, "--checkpoint", ck, "--pos-weight", "1,2,3")).code());
        byte[] before = Files.readAllBytes(dir.resolve("c.ckpt"));
        byte[] model = Files.readAllBytes(dir.resolve("m/model.safetensors"));
        for (String[] other : new String[][] {{"--pos-weight", "1,2,4"}, {}}) {
            String[] all = Stream.concat(Stream.of(fit(dir, "--checkpoint", ck, "--resume", "--overwrite", "--epochs", "3")), Stream.of(other))
                    .toArray(String[]::new);
            ContractTest.Result r = ContractTest.run(all).refused("c.ckpt", "--resume", "was written with --pos-weight 1.0,2.0,3.0",
                    other.length == 0 ? "this run has no --pos-weight" : "this run has --pos-weight 1.0,2.0,4.0");
            assertFalse(r.err().contains("loss_weights") || r.err().contains("--class-weight"), r.err());
            assertArrayEquals(before, Files.readAllBytes(dir.resolve("c.ckpt")));
            assertArrayEquals(model, Files.readAllBytes(dir.resolve("m/model.safetensors")));
        }
        ContractTest.Result ok = ContractTest.run(fit(dir, "--checkpoint", ck, "--resume", "--overwrite", "--epochs", "3", "--pos-weight", "1, 2, 3"));
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.out().contains("epoch 3/3"), ok.out());
        // and a checkpoint of an unweighted run is not resumed with weights
        String ck2 = dir.resolve("c2.ckpt").toString();
        assertEquals(0, ContractTest.run(fit(dir, "--checkpoint", ck2, "--overwrite")).code());
        ContractTest.run(fit(dir, "--checkpoint", ck2, "--resume", "--overwrite", "--epochs", "3", "--pos-weight", "1,2,3"))
                .refused("c2.ckpt", "was written with no --pos-weight", "this run has --pos-weight 1.0,2.0,3.0");
    }
}
