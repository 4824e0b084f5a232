package dev.vecrnn.cli;

import dev.vecrnn.nn.io.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * fit --class-weight (PyTorch's CrossEntropyLoss(weight=w), Keras's class_weight). The
 * weighted loss is checked by value: the printed val_loss of the last rows is recomputed here from predict's logits
 * as sum w[y] l / sum w[y]; balanced weights against scikit-learn's formula on the training rows alone.
 */
class ClassWeightTest {

    /** The val_loss fit printed for epoch 1 (of 1). */
    private static double valLoss(ContractTest.Result r) {
        Matcher m = Pattern.compile("epoch 1/1 .* val_loss (\\S+)").matcher(r.out());
        assertTrue(m.find(), r.out());
        return Double.parseDouble(m.group(1));
    }

    /** Cross-entropy of rows [from, to) of predict's logits [40, 2] with weight w[y] per row, divided by the weights' sum. */
    private static double weightedCe(Path dir, double[] w, int from, int to) throws Exception {
        assertEquals(0, Main.run("predict", "--model", dir.resolve("m").toString(), "--x", dir.resolve("x.npy").toString(),
                "--out", dir.resolve("p.npy").toString(), "--overwrite"));
        return weightedCe(Npy.read(dir.resolve("p.npy")).toFloats(), Npy.read(dir.resolve("y.npy")).toLongs(), w, from, to);
    }

    /** Cross-entropy of rows [from, to) of two logits a row with weight w[y] per row, divided by the weights' sum, in double. */
    static double weightedCe(float[] logits, long[] y, double[] w, int from, int to) {
        double sum = 0, total = 0;
        for (int i = from; i < to; i++) {
            double a = logits[2 * i], b = logits[2 * i + 1], max = Math.max(a, b);
            double ce = max + Math.log(Math.exp(a - max) + Math.exp(b - max)) - logits[2 * i + (int) y[i]];
            sum += w[(int) y[i]] * ce;
            total += w[(int) y[i]];
        }
        return sum / total;
    }

    @Test
    void givenWeightsWeighTheLossAsPyTorchDoes(@TempDir Path dir) throws Exception {
        ContractTest.data(dir);  // x [40, 5, 2], y [40] labels 0/1
        ContractTest.Result r = ContractTest.run(ContractTest.fit(dir, "--val", "0.25", "--val-rows", "last", "--patience", "-1",
                "--class-weight", "0.5, 4"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("class weights (as given): 0: 0.5000  1: 4.000"), r.out());
        double printed = valLoss(r);
        assertEquals(weightedCe(dir, new double[] {0.5, 4}, 30, 40), printed, 6e-5, r.out());
        // not the unweighted mean: the test could fail
        assertTrue(Math.abs(weightedCe(dir, new double[] {1, 1}, 30, 40) - printed) > 1e-3, r.out());
        assertFalse(r.out().contains("val_perplexity"), "a weighted mean is no perplexity: " + r.out());
        assertTrue(r.out().contains("on all data (unweighted): loss "), r.out());
    }

    @Test
    void balancedIsCountedOnTheTrainingRowsOnly(@TempDir Path dir) throws Exception {
        ContractTest.data(dir);
        long[] y = Npy.read(dir.resolve("y.npy")).toLongs();
        int[] train = new int[2], all = new int[2];
        for (int i = 0; i < 40; i++) {
            all[(int) y[i]]++;
            if (i < 30) train[(int) y[i]]++;
        }
        double[] w = {30.0 / (2 * train[0]), 30.0 / (2 * train[1])};
        double[] wAll = {40.0 / (2 * all[0]), 40.0 / (2 * all[1])};
        assertNotEquals(String.format("%.4g", w[1]), String.format("%.4g", wAll[1]), "the data must tell the two apart");
        ContractTest.Result r = ContractTest.run(ContractTest.fit(dir, "--val", "0.25", "--val-rows", "last", "--patience", "-1",
                "--class-weight", "balanced"));
        assertEquals(0, r.code(), r.err());
        String line = String.format(java.util.Locale.ROOT, "class weights (balanced over the 30 training rows): 0: %.4g  1: %.4g", w[0], w[1]);
        assertTrue(r.out().contains(line), line + " in " + r.out());
        assertEquals(weightedCe(dir, w, 30, 40), valLoss(r), 6e-5, r.out());
    }

    @Test
    void badWeightsAreRefusedAndNothingIsWritten(@TempDir Path dir) throws Exception {
        ContractTest.data(dir);
        Map<String, String[]> cases = Map.of(
                "1,2,3", new String[] {"--class-weight", "expected 2 weights", "got 3"},
                "1", new String[] {"--class-weight", "expected 2 weights", "got 1"},
                "1,-1", new String[] {"--class-weight", "finite weights >= 0", "-1", "class 1"},
                "NaN,1", new String[] {"--class-weight", "finite weights >= 0", "class 0"},
                "1,inf", new String[] {"--class-weight", "finite weights >= 0", "inf", "class 1"},
                "1,Infinity", new String[] {"--class-weight", "finite weights >= 0"},
                "1,1e39", new String[] {"--class-weight", "finite weights >= 0"},
                "0,0", new String[] {"--class-weight", "above 0"},
                "1,,2", new String[] {"--class-weight", "balanced or one number per class"},
                "heavy", new String[] {"--class-weight", "balanced or one number per class"});
        for (Map.Entry<String, String[]> c : cases.entrySet()) {
            ContractTest.run(ContractTest.fit(dir, "--class-weight", c.getKey())).refused(c.getValue());
            assertFalse(Files.exists(dir.resolve("m")), c.getKey());
        }
        ContractTest.run("fit", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("y.npy").toString(), "--task", "regression",
                "--epochs", "1", "--out", dir.resolve("m").toString(), "--class-weight", "balanced").refused("--class-weight", "classification");
        assertFalse(Files.exists(dir.resolve("m")));
    }

    @Test
    void validationRowsThatAllWeighZeroAreRefused(@TempDir Path dir) throws Exception {
        // PyTorch's weighted mean over rows that all weigh 0 is 0/0 = NaN; val_loss 0.0 made every epoch look perfect
        // and fit kept epoch 1 as the best
        ContractTest.data(dir);
        Npy.writeLongs(dir.resolve("vy.npy"), new long[] {1, 1, 1, 1}, 4);
        Npy.write(dir.resolve("vx.npy"), dev.vecrnn.nn.Tensor.zeros(4, 5, 2));
        List<String> snapshot = ContractTest.snapshot(dir);
        ContractTest.run(ContractTest.fit(dir, "--class-weight", "1,0", "--val-x", dir.resolve("vx.npy").toString(), "--val-y",
                dir.resolve("vy.npy").toString())).refused("--class-weight 1,0", "every validation row", "--val-y", "vy.npy", "0/0");
        assertEquals(snapshot, ContractTest.snapshot(dir), "nothing written");
        // a split: the last 10 rows (--val-rows last) are all of class 1, the 30 training rows all of class 0
        long[] y = new long[40];
        java.util.Arrays.fill(y, 30, 40, 1);
        Npy.writeLongs(dir.resolve("y.npy"), y, 40);
        ContractTest.run(ContractTest.fit(dir, "--class-weight", "1,0", "--val", "0.25", "--val-rows", "last"))
                .refused("--class-weight 1,0", "every validation row", "the --val rows of --y");
        // balanced weighs a class absent from the training rows 0: here every validation row
        ContractTest.run(ContractTest.fit(dir, "--class-weight", "balanced", "--val", "0.25", "--val-rows", "last"))
                .refused("--class-weight balanced", "every validation row", "absent from the training rows");
        // training rows alike: nothing would train (labels all 0, two classes by --classes)
        Npy.writeLongs(dir.resolve("y.npy"), new long[40], 40);
        ContractTest.run(ContractTest.fit(dir, "--class-weight", "0,1", "--classes", "2", "--val", "0")).refused("--class-weight 0,1", "every training row", "--y");
        // tune shares the check
        ContractTest.run("tune", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("y.npy").toString(), "--task", "classification",
                "--out", dir.resolve("t").toString(), "--trials", "1", "--epochs", "1", "--class-weight", "0,1", "--classes", "2")
                .refused("--class-weight 0,1", "every training row");
        assertFalse(Files.exists(dir.resolve("m")));
        assertFalse(Files.exists(dir.resolve("t")));
    }

    @Test
    void resumeWithOtherWeightsIsRefused(@TempDir Path dir) throws Exception {
        ContractTest.data(dir);
        String ckpt = dir.resolve("c.ckpt").toString();
        assertEquals(0, ContractTest.run(ContractTest.fit(dir, "--checkpoint", ckpt, "--class-weight", "balanced")).code());
        byte[] before = Files.readAllBytes(dir.resolve("c.ckpt"));
        for (String[] other : new String[][] {{"--class-weight", "1,5"}, {}}) {
            String[] args = ContractTest.fit(dir, "--checkpoint", ckpt, "--resume", "--overwrite");
            String[] all = java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.Arrays.stream(other)).toArray(String[]::new);
            // named as the options the user typed, not as the library's loss_weights setting
            ContractTest.Result r = ContractTest.run(all).refused("c.ckpt", "--resume", "was written with --class-weight weights ",
                    other.length == 0 ? "this run has no --class-weight" : "this run has --class-weight weights 1.0,5.0");
            assertFalse(r.err().contains("loss_weights"), r.err());
            assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(dir.resolve("c.ckpt"))));
        }
        // the same weighting resumes (nothing is left to train at --epochs 1, but the checkpoint is read and accepted)
        ContractTest.Result ok = ContractTest.run(ContractTest.fit(dir, "--checkpoint", ckpt, "--resume", "--overwrite",
                "--class-weight", "balanced"));
        assertEquals(0, ok.code(), ok.err());
    }
}
