package dev.vecrnn.cli;

import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.io.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * fit --val-x/--val-y, Keras's {@code fit(..., validation_data=(x_val, y_val))}: the printed val_loss is the loss
 * on those arrays, recomputed here in double from predict's outputs on them; all of X trains; the refusals of the
 * error contract; a resume with other validation data is refused.
 */
class ValidationDataTest {

    /** vx.npy [12, 7, 2] (more steps than x.npy's 5), vy.npy labels 0/1, vl.npy lengths in [1, 7]. */
    private static void valArrays(Path dir) throws Exception {
        Random r = new Random(9);
        int n = 12, t = 7;
        float[] x = new float[n * t * 2];
        long[] y = new long[n], len = new long[n];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        for (int i = 0; i < n; i++) {
            y[i] = x[i * t * 2] > 0 ? 1 : 0;
            len[i] = 1 + r.nextInt(t);
        }
        Npy.write(dir.resolve("vx.npy"), Tensor.of(x, n, t, 2));
        Npy.writeLongs(dir.resolve("vy.npy"), y, n);
        Npy.writeLongs(dir.resolve("vl.npy"), len, n);
    }

    private static String[] with(String[] a, String... more) {
        List<String> l = new ArrayList<>(List.of(a));
        l.addAll(List.of(more));
        return l.toArray(String[]::new);
    }

    private static String[] valFit(Path dir, String... extra) {
        return with(ContractTest.fit(dir, "--val-x", dir.resolve("vx.npy").toString(), "--val-y", dir.resolve("vy.npy").toString()), extra);
    }

    /** Every val_loss fit printed, epoch by epoch. */
    private static List<Double> valLosses(ContractTest.Result r) {
        Matcher m = Pattern.compile("epoch \\d+/\\d+ .* val_loss (\\S+)").matcher(r.out());
        List<Double> l = new ArrayList<>();
        while (m.find()) l.add(Double.parseDouble(m.group(1)));
        assertFalse(l.isEmpty(), r.out());
        return l;
    }

    /** predict's outputs for vx.npy (with vl.npy when {@code lengths}). */
    private static float[] predictVal(Path dir, boolean lengths) throws Exception {
        List<String> a = new ArrayList<>(List.of("predict", "--model", dir.resolve("m").toString(), "--x", dir.resolve("vx.npy").toString(),
                "--out", dir.resolve("p.npy").toString(), "--overwrite"));
        if (lengths) a.addAll(List.of("--lengths", dir.resolve("vl.npy").toString()));
        assertEquals(0, Main.run(a.toArray(String[]::new)));
        return Npy.read(dir.resolve("p.npy")).toFloats();
    }

    private static double crossEntropy(float[] logits, long[] y, double[] w) {
        return ClassWeightTest.weightedCe(logits, y, w, 0, y.length);
    }

    @Test
    void valLossIsTheCrossEntropyOnTheGivenArrays(@TempDir Path dir) throws Exception {
        ContractTest.data(dir);  // x [40, 5, 2], y [40]
        valArrays(dir);
        ContractTest.Result r = ContractTest.run(valFit(dir, "--val-lengths", dir.resolve("vl.npy").toString(), "--patience", "-1"));
        assertEquals(0, r.code(), r.err());
        long[] vy = Npy.read(dir.resolve("vy.npy")).toLongs();
        double ce = crossEntropy(predictVal(dir, true), vy, new double[] {1, 1});
        assertEquals(ce, valLosses(r).get(0), 6e-5, r.out());
        // the lengths count: the same model on the full 7 steps gives another loss
        assertTrue(Math.abs(crossEntropy(predictVal(dir, false), vy, new double[] {1, 1}) - ce) > 1e-3);
    }

    /** Balanced class weights count all 40 rows of X (none is held out), and weigh val_loss as PyTorch's CrossEntropyLoss(weight=w). */
    @Test
    void allOfXTrainsAndClassWeightsCountIt(@TempDir Path dir) throws Exception {
        ContractTest.data(dir);
        valArrays(dir);
        long[] y = Npy.read(dir.resolve("y.npy")).toLongs();
        int[] count = new int[2];
        for (long v : y) count[(int) v]++;
        double[] w = {40.0 / (2 * count[0]), 40.0 / (2 * count[1])};
        ContractTest.Result r = ContractTest.run(valFit(dir, "--class-weight", "balanced", "--patience", "-1"));
        assertEquals(0, r.code(), r.err());
        String line = String.format(java.util.Locale.ROOT, "class weights (balanced over the 40 training rows): 0: %.4g  1: %.4g", w[0], w[1]);
        assertTrue(r.out().contains(line), line + " in " + r.out());
        assertEquals(crossEntropy(predictVal(dir, false), Npy.read(dir.resolve("vy.npy")).toLongs(), w), valLosses(r).get(0), 6e-5, r.out());
    }

    /** Regression: val_loss is the MSE on the given arrays; early stopping keeps the epoch of the least val_loss. */
    @Test
    void regressionValLossIsTheMseAndEarlyStoppingFollowsIt(@TempDir Path dir) throws Exception {
        Random rnd = new Random(2);
        int n = 30, t = 4;
        float[] x = new float[n * t], y = new float[n * 2];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        for (int i = 0; i < n; i++) {
            y[2 * i] = x[i * t] + x[i * t + 3];
            y[2 * i + 1] = x[i * t + 1] * 0.5f;
        }
        Npy.write(dir.resolve("x.npy"), Tensor.of(x, n, t, 1));
        Npy.write(dir.resolve("y.npy"), Tensor.of(y, n, 2));
        int m = 9;
        float[] vx = new float[m * t], vy = new float[m * 2];
        for (int i = 0; i < vx.length; i++) vx[i] = (float) rnd.nextGaussian();
        for (int i = 0; i < vy.length; i++) vy[i] = (float) rnd.nextGaussian();
        Npy.write(dir.resolve("vx.npy"), Tensor.of(vx, m, t, 1));
        Npy.write(dir.resolve("vy.npy"), Tensor.of(vy, m, 2));
        String[] a = {"fit", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("y.npy").toString(), "--task", "regression",
            "--hidden", "4", "--epochs", "6", "--lr", "0.05", "--patience", "6", "--out", dir.resolve("m").toString(),
            "--val-x", dir.resolve("vx.npy").toString(), "--val-y", dir.resolve("vy.npy").toString()};
        ContractTest.Result r = ContractTest.run(a);
        assertEquals(0, r.code(), r.err());
        List<Double> losses = valLosses(r);
        int best = 0;
        for (int e = 1; e < losses.size(); e++) if (losses.get(e) < losses.get(best)) best = e;
        assertTrue(r.out().contains("best epoch " + (best + 1) + ";"), "epoch of the least val_loss " + losses + ": " + r.out());
        // the best epoch's weights are the ones saved: predict on vx gives its val_loss
        float[] p = predictVal(dir, false);
        double mse = 0;
        for (int i = 0; i < vy.length; i++) mse += (p[i] - (double) vy[i]) * (p[i] - (double) vy[i]);
        assertEquals(mse / vy.length, losses.get(best), 6e-5 * Math.max(1, mse / vy.length), r.out());
        // targets of another width are refused naming --val-y
        Npy.write(dir.resolve("vy1.npy"), Tensor.of(Arrays.copyOf(vy, m), m));
        String[] narrow = a.clone();
        narrow[narrow.length - 1] = dir.resolve("vy1.npy").toString();
        ContractTest.run(with(narrow, "--overwrite")).refused("--val-y", "vy1.npy", "expected 2 target(s) per row", "got 1");
    }

    /** tune ranks its trials on the given arrays: the best trial's val_loss is the cross-entropy of the saved model on them. */
    @Test
    void tuneRanksOnTheGivenArrays(@TempDir Path dir) throws Exception {
        ContractTest.data(dir);
        valArrays(dir);
        ContractTest.Result r = ContractTest.run("tune", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("y.npy").toString(),
                "--task", "classification", "--trials", "2", "--epochs", "2", "--out", dir.resolve("m").toString(),
                "--val-x", dir.resolve("vx.npy").toString(), "--val-y", dir.resolve("vy.npy").toString(),
                "--val-lengths", dir.resolve("vl.npy").toString());
        assertEquals(0, r.code(), r.err());
        Matcher m = Pattern.compile("(?m)^\\s+1\\s+\\d+ .* (\\S+)$").matcher(r.out());
        assertTrue(m.find(), r.out());
        double ce = crossEntropy(predictVal(dir, true), Npy.read(dir.resolve("vy.npy")).toLongs(), new double[] {1, 1});
        assertEquals(ce, Double.parseDouble(m.group(1)), 6e-5, r.out());
    }

    @Test
    void refusalsNameTheOptionAndWriteNothing(@TempDir Path dir) throws Exception {
        ContractTest.data(dir);
        valArrays(dir);
        Random r = new Random(4);
        float[] x3 = new float[12 * 7 * 3];
        for (int i = 0; i < x3.length; i++) x3[i] = (float) r.nextGaussian();
        Npy.write(dir.resolve("vx3.npy"), Tensor.of(x3, 12, 7, 3));
        long[] big = new long[12];
        big[5] = 2;
        Npy.writeLongs(dir.resolve("vy2.npy"), big, 12);
        String vx = dir.resolve("vx.npy").toString(), vy = dir.resolve("vy.npy").toString(), vl = dir.resolve("vl.npy").toString();
        Map<String[], String[]> cases = Map.of(
                valFit(dir, "--val", "0.2"), new String[] {"--val and --val-x", "one or the other"},
                valFit(dir, "--val", "0"), new String[] {"--val and --val-x"},
                valFit(dir, "--val-rows", "last"), new String[] {"--val-rows and --val-x"},
                ContractTest.fit(dir, "--val-x", vx), new String[] {"--val-x", "--val-y too"},
                ContractTest.fit(dir, "--val-y", vy), new String[] {"--val-y", "--val-x too"},
                ContractTest.fit(dir, "--val-lengths", vl), new String[] {"--val-lengths", "--val-x too"},
                ContractTest.fit(dir, "--val-x", dir.resolve("vx3.npy").toString(), "--val-y", vy),
                new String[] {"--val-x", "vx3.npy", "expected 2 features per step", "got 3"},
                ContractTest.fit(dir, "--val-x", vx, "--val-y", dir.resolve("vy2.npy").toString()),
                new String[] {"--val-y", "vy2.npy", "below 2", "got 2 at element 5"},
                ContractTest.fit(dir, "--val-x", vx, "--val-y", dir.resolve("y.npy").toString()),
                new String[] {"--val-y", "y.npy", "[12, ...]", "got [40]"},
                ContractTest.fit(dir, "--val-x", vx, "--val-y", vy, "--val-lengths", dir.resolve("y.npy").toString()),
                new String[] {"--val-lengths", "y.npy"});
        for (Map.Entry<String[], String[]> c : cases.entrySet()) {
            ContractTest.run(c.getKey()).refused(c.getValue());
            assertFalse(Files.exists(dir.resolve("m")), String.join(" ", c.getKey()));
        }
        // the validation file is the --out model or the checkpoint: an input no output may be
        assertEquals(0, ContractTest.run(ContractTest.fit(dir)).code());
        Path model = dir.resolve("m/model.safetensors");
        byte[] before = Files.readAllBytes(model);
        ContractTest.run(ContractTest.fit(dir, "--val-x", vx, "--val-y", model.toString(), "--overwrite"))
                .refused("--out", "is also an input", "model.safetensors");
        ContractTest.run(ContractTest.fit(dir, "--val-x", vx, "--val-y", vy, "--checkpoint", vx, "--overwrite"))
                .refused("--checkpoint", "vx.npy", "is also an input");
        ContractTest.run(ContractTest.fit(dir, "--val-x", vx, "--val-y", vy, "--val-lengths", vl, "--checkpoint", vl, "--overwrite"))
                .refused("--checkpoint", "vl.npy", "is also an input");
        assertArrayEquals(before, Files.readAllBytes(model));
        // tune takes them too, and refuses them with --val
        Path tvx = dir.resolve("vx.npy");
        ContractTest.run("tune", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("y.npy").toString(), "--task", "classification",
                "--out", dir.resolve("t").toString(), "--val-x", tvx.toString(), "--val-y", vy, "--val", "0.2").refused("--val and --val-x");
        assertFalse(Files.exists(dir.resolve("t")));
    }

    @Test
    void resumeWithOtherValidationDataIsRefused(@TempDir Path dir) throws Exception {
        ContractTest.data(dir);
        valArrays(dir);
        String ckpt = dir.resolve("c.ckpt").toString();
        assertEquals(0, ContractTest.run(valFit(dir, "--checkpoint", ckpt)).code());
        byte[] before = Files.readAllBytes(dir.resolve("c.ckpt"));
        long[] flipped = Npy.read(dir.resolve("vy.npy")).toLongs();
        flipped[0] = 1 - flipped[0];
        Npy.writeLongs(dir.resolve("vy-other.npy"), flipped, flipped.length);
        String[][] others = {
            ContractTest.fit(dir, "--checkpoint", ckpt, "--resume", "--overwrite"),  // a --val 0.1 split
            ContractTest.fit(dir, "--checkpoint", ckpt, "--resume", "--overwrite", "--val", "0"),  // no validation
            ContractTest.fit(dir, "--checkpoint", ckpt, "--resume", "--overwrite", "--val-x", dir.resolve("vx.npy").toString(),
                    "--val-y", dir.resolve("vy-other.npy").toString()),  // one label changed
            valFit(dir, "--checkpoint", ckpt, "--resume", "--overwrite", "--val-lengths", dir.resolve("vl.npy").toString())};
        for (String[] other : others) {
            ContractTest.run(other).refused("--resume: --checkpoint", "c.ckpt", "was written with --val-x and --val-y of ");
            assertArrayEquals(before, Files.readAllBytes(dir.resolve("c.ckpt")), String.join(" ", other));
        }
        ContractTest.Result ok = ContractTest.run(valFit(dir, "--checkpoint", ckpt, "--resume", "--overwrite"));
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.out().contains("nothing left to train"), ok.out());
    }
}
