package dev.vecrnn.cli;

import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.io.Npy;
import dev.vecrnn.nn.io.internal.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the commands print is what they did: counts of what was scored, no partial output before a refusal, options that exist. */
class HonestOutputTest {

    /**
     * evaluate printed "(240 steps)" for 240 valid steps of which 40 were labelled -100, while its loss, metrics and per-class
     * support were over the 200 others: it counts the scored steps and says how many -100 left out (--json: steps, ignored).
     */
    @Test
    void evaluateCountsTheStepsItScored(@TempDir Path dir) throws Exception {
        int n = 40, t = 6;
        Random r = new Random(3);
        float[] x = new float[n * t];
        long[] y = new long[n * t];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
            y[i] = i % t == 0 ? -100 : x[i] > 0 ? 1 : 0;   // the first step of every sequence is not scored
        }
        Npy.write(dir.resolve("x.npy"), Tensor.of(x, n, t, 1));
        Npy.writeLongs(dir.resolve("y.npy"), y, n, t);
        ContractTest.Result fit = ContractTest.run("fit", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("y.npy").toString(),
                "--task", "classification", "--per-step", "--hidden", "3", "--epochs", "1", "--out", dir.resolve("m").toString());
        assertEquals(0, fit.code(), fit.err());
        ContractTest.Result ev = ContractTest.run("evaluate", "--model", dir.resolve("m").toString(), "--x", dir.resolve("x.npy").toString(),
                "--y", dir.resolve("y.npy").toString(), "--json", dir.resolve("e.json").toString());
        assertEquals(0, ev.code(), ev.err());
        long scored = n * (t - 1), ignored = n;
        assertTrue(ev.out().contains("(" + scored + " steps scored; " + ignored + " labelled -100 left out"), ev.out());
        assertFalse(ev.out().contains(n * t + " steps"), ev.out());
        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) Json.parse(Files.readString(dir.resolve("e.json")));
        assertEquals(scored, ((Number) json.get("steps")).longValue());
        assertEquals(ignored, ((Number) json.get("ignored")).longValue());
        long support = 0;
        for (Object c : (java.util.List<?>) json.get("classes")) support += ((Number) ((Map<?, ?>) c).get("support")).longValue();
        assertEquals(scored, support, "the support of the classes sums to the steps printed");
    }

    /** fit and tune printed "class weights (as given): 0: 0  1: 1" on stdout and then refused the weights: a refusal prints nothing else. */
    @Test
    void weightsThatAreRefusedAreNotPrintedFirst(@TempDir Path dir) throws Exception {
        ContractTest.data(dir);
        Npy.writeLongs(dir.resolve("y.npy"), new long[40], 40);   // every row of class 0
        ContractTest.Result fit = ContractTest.run(ContractTest.fit(dir, "--class-weight", "0,1", "--classes", "2", "--val", "0"))
                .refused("--class-weight 0,1", "every training row");
        assertEquals("", fit.out());
        ContractTest.Result tune = ContractTest.run("tune", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("y.npy").toString(),
                "--task", "classification", "--out", dir.resolve("t").toString(), "--trials", "1", "--epochs", "1", "--class-weight", "0,1",
                "--classes", "2").refused("--class-weight 0,1", "every training row");
        assertFalse(tune.out().contains("class weights"), tune.out());
        // weights that are used are still printed
        ContractTest.Result ok = ContractTest.run(ContractTest.fit(dir, "--class-weight", "1,1", "--classes", "2", "--val", "0"));
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.out().contains("class weights (as given): 0: 1.000  1: 1.000"), ok.out());
    }

    /**
     * evaluate and predict refused token ids out of range "with --vocab 4", an option neither has: the vocabulary is the
     * model's, and the refusal says so.
     */
    @Test
    void tokenIdRefusalsOfAFittedModelNameItsEmbedding(@TempDir Path dir) throws Exception {
        ContractTest.data(dir);
        ContractTest.tokenIds(dir, 4);
        String ids = dir.resolve("ids.npy").toString();
        ContractTest.Result fit = ContractTest.run("fit", "--x", ids, "--y", dir.resolve("y.npy").toString(), "--task", "classification",
                "--vocab", "4", "--hidden", "3", "--epochs", "1", "--out", dir.resolve("m").toString());
        assertEquals(0, fit.code(), fit.err());
        ContractTest.tokenIds(dir, 7);   // ids up to 6, beyond the model's 4
        String m = dir.resolve("m").toString();
        String x = dir.resolve("x.npy").toString();   // 2 features a step: not token ids at all
        for (ContractTest.Result r : new ContractTest.Result[] {
                ContractTest.run("predict", "--model", m, "--x", ids, "--out", dir.resolve("p.npy").toString())
                        .refused("--x", "ids.npy", "the model's embedding of 4 token ids", "[0, 4)"),
                ContractTest.run("evaluate", "--model", m, "--x", ids, "--y", dir.resolve("y.npy").toString())
                        .refused("--x", "ids.npy", "the model's embedding of 4 token ids", "[0, 4)"),
                ContractTest.run("evaluate", "--model", m, "--x", x, "--y", dir.resolve("y.npy").toString())
                        .refused("--x", "x.npy", "token ids")}) {
            assertFalse(r.err().contains("with --vocab"), r.err());
        }
        assertFalse(Files.exists(dir.resolve("p.npy")));
        // fit's own --vocab is still named as such
        ContractTest.run("fit", "--x", ids, "--y", dir.resolve("y.npy").toString(), "--task", "classification", "--vocab", "4",
                "--hidden", "3", "--epochs", "1", "--out", dir.resolve("m2").toString()).refused("--x", "with --vocab 4", "[0, 4)");
    }

    /**
     * An --out in a directory that refuses files although its permission bits allow them (/proc, as root) was refused naming
     * the hidden staging file ("/proc/.p.npy.vecrnn-796e....tmp: no such file or directory"): it names the option.
     */
    @Test
    void anUnwritableOutputDirectoryIsNamedByItsOption(@TempDir Path dir) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self")), "Linux's /proc");
        ContractTest.data(dir);
        ContractTest.Result fit = ContractTest.run(ContractTest.fit(dir));
        assertEquals(0, fit.code(), fit.err());
        for (String out : new String[] {"/proc/p.npy", "/proc/vecrnn-no-such-dir/p.npy"}) {
            String err = ContractTest.run("predict", "--model", dir.resolve("m").toString(), "--x", dir.resolve("x.npy").toString(), "--out", out)
                    .refused("--out " + out).err();
            assertFalse(err.contains(".tmp"), err);
        }
    }

    /**
     * fit and tune trained to the end before they found that --out's directory refuses files (/proc as root, a read-only
     * mount), and evaluate printed every figure before refusing its --json there: each is refused before the work.
     */
    @Test
    void anUnwritableOutputIsRefusedBeforeTheWork(@TempDir Path dir) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self")), "Linux's /proc");
        ContractTest.data(dir);
        String[] fit = ContractTest.fit(dir);
        ContractTest.Result r = ContractTest.run(fit);
        assertEquals(0, r.code(), r.err());
        for (int i = 0; i < fit.length; i++) if (fit[i].equals("--out")) fit[i + 1] = "/proc/vecrnn-no-such-dir";
        assertFalse(ContractTest.run(fit).refused("--out /proc/vecrnn-no-such-dir").out().contains("epoch"), "refused before training");
        // the checkpoint, written in place during the work, failed after the first epoch naming no option ('/proc/ck.st: checkpoint at
        // epoch 2, batch 0 could not be written ...: java.nio.file.NoSuchFileException: /proc/ck.st: no such directory: /proc')
        r = ContractTest.run(ContractTest.fit(dir, "--overwrite", "--checkpoint", "/proc/ck.st"));
        assertFalse(r.refused("--checkpoint /proc/ck.st", "cannot write in /proc").out().contains("epoch"), "refused before training: " + r.out());
        r = ContractTest.run("tune", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("y.npy").toString(), "--task", "classification",
                "--trials", "1", "--epochs", "1", "--out", "/proc/vecrnn-no-such-dir");
        assertFalse(r.refused("--out /proc/vecrnn-no-such-dir").out().contains("trial"), "refused before the trials: " + r.out());
        r = ContractTest.run("evaluate", "--model", dir.resolve("m").toString(), "--x", dir.resolve("x.npy").toString(), "--y",
                dir.resolve("y.npy").toString(), "--json", "/proc/e.json");
        assertEquals("", r.refused("--json /proc/e.json").out(), "refused before the figures");
    }

    /**
     * Refusals that told the user the wrong thing (found by helper-46): a fractional token id was "expected token ids in
     * [0, 50), got 34.5", inside the range it named (and whole ids printed as 43.0); class ids given to evaluate a
     * multi-label model were told to "take --task classification", which evaluate refuses for that model; and a NaN in X
     * given without --lengths was "expected finite values in every step up to the sequence's length".
     */
    @Test
    void refusalsSayWhatWasWrong(@TempDir Path dir) throws Exception {
        ContractTest.data(dir);
        long[] ids = new long[40 * 5];
        for (int i = 0; i < ids.length; i++) ids[i] = i % 4;
        ids[7] = 6;
        Npy.writeLongs(dir.resolve("big.npy"), ids, 40, 5);
        float[] half = new float[40 * 5];
        half[3] = 2.5f;
        Npy.write(dir.resolve("half.npy"), Tensor.of(half, 40, 5));
        half[3] = 0.3f;  // numpy prints the float32 0.3; widened to a double it printed as 0.30000001192092896
        Npy.write(dir.resolve("tenth.npy"), Tensor.of(half, 40, 5));
        String y = dir.resolve("y.npy").toString();
        for (String[] c : new String[][] {{"big.npy", "got 6 at sequence 1, step 2"}, {"half.npy", "got 2.5 at sequence 0, step 3"},
                {"tenth.npy", "got 0.3 at sequence 0, step 3"}}) {
            ContractTest.Result r = ContractTest.run("fit", "--x", dir.resolve(c[0]).toString(), "--y", y, "--task", "classification",
                    "--vocab", "4", "--hidden", "3", "--epochs", "1", "--out", dir.resolve("m0").toString())
                    .refused("--x", c[0], "whole numbers in [0, 4)", c[1]);
            assertFalse(r.err().contains(".0 at"), r.err());
        }

        // int64 labels are read as doubles: -3 was "got -3.0", a one-hot 2 "got 2.0", where numpy prints the array's -3 and 2
        assertEquals(0, ContractTest.run(ContractTest.fit(dir)).code());
        long[] labels = new long[40];
        labels[5] = -3;
        Npy.writeLongs(dir.resolve("neg.npy"), labels, 40);
        long[] hot = new long[40 * 2];
        for (int i = 0; i < 40; i++) hot[2 * i + i % 2] = 1;
        hot[2 * 7] = 2;
        Npy.writeLongs(dir.resolve("hot.npy"), hot, 40, 2);
        for (String[] c : new String[][] {{"neg.npy", "got -3 at element 5"}, {"hot.npy", "got 2 at row 7, column 0"}}) {
            ContractTest.Result r = ContractTest.run("evaluate", "--model", dir.resolve("m").toString(), "--x", dir.resolve("x.npy").toString(),
                    "--y", dir.resolve(c[0]).toString()).refused("--y", c[0], c[1]);
            assertFalse(r.err().contains(".0 at"), r.err());
        }

        float[] multi = new float[40 * 3];
        for (int i = 0; i < multi.length; i++) multi[i] = (i * 7) % 3 == 0 ? 1 : 0;
        Npy.write(dir.resolve("multi.npy"), Tensor.of(multi, 40, 3));
        ContractTest.Result fit = ContractTest.run("fit", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("multi.npy").toString(),
                "--task", "multilabel", "--hidden", "3", "--epochs", "1", "--out", dir.resolve("ml").toString());
        assertEquals(0, fit.code(), fit.err());
        long[] classIds = new long[40 * 3];
        for (int i = 0; i < classIds.length; i++) classIds[i] = i % 3;
        Npy.writeLongs(dir.resolve("ids3.npy"), classIds, 40, 3);
        ContractTest.Result ev = ContractTest.run("evaluate", "--model", dir.resolve("ml").toString(), "--x", dir.resolve("x.npy").toString(),
                "--y", dir.resolve("ids3.npy").toString()).refused("--y", "ids3.npy", "fitted for multi-label targets");
        assertFalse(ev.err().contains("--task classification"), ev.err());

        float[] x = Npy.read(dir.resolve("x.npy")).toTensor().data().clone();
        x[2 * 5 * 2 + 4 * 2 + 1] = Float.NaN;   // sequence 2, step 4, feature 1
        Npy.write(dir.resolve("nan.npy"), Tensor.of(x, 40, 5, 2));
        ContractTest.run("predict", "--model", dir.resolve("ml").toString(), "--x", dir.resolve("nan.npy").toString(),
                        "--out", dir.resolve("p.npy").toString())
                .refused("--x", "nan.npy", "without --lengths every step is read", "got NaN at sequence 2, step 4, feature 1");
    }

    /**
     * Regression targets of order 1e4 trained with the loss stuck near 1e8 and no word (X's scale had a note, Y's none): a
     * note names the target's scale and says to standardize it; targets of unit scale get none.
     */
    @Test
    void largeRegressionTargetsGetANote(@TempDir Path dir) throws Exception {
        ContractTest.data(dir);
        float[] big = new float[40 * 2], unit = new float[40 * 2];
        Random r = new Random(5);
        for (int i = 0; i < big.length; i++) {
            unit[i] = (float) r.nextGaussian();
            big[i] = i % 2 == 0 ? 10_000 + 100 * unit[i] : unit[i];   // column 0 large, column 1 not
        }
        Npy.write(dir.resolve("big.npy"), Tensor.of(big, 40, 2));
        Npy.write(dir.resolve("unit.npy"), Tensor.of(unit, 40, 2));
        String[] common = {"--x", dir.resolve("x.npy").toString(), "--task", "regression", "--hidden", "3", "--epochs", "1"};
        ContractTest.Result fit = ContractTest.run(concat(new String[] {"fit", "--y", dir.resolve("big.npy").toString(), "--out",
                dir.resolve("m1").toString()}, common));
        assertEquals(0, fit.code(), fit.err());
        assertTrue(fit.out().contains("note: --y " + dir.resolve("big.npy") + ": targets column 0 (root mean square 1.00e+04)"), fit.out());
        assertFalse(fit.out().contains("column 1"), fit.out());
        ContractTest.Result ok = ContractTest.run(concat(new String[] {"fit", "--y", dir.resolve("unit.npy").toString(), "--out",
                dir.resolve("m2").toString()}, common));
        assertEquals(0, ok.code(), ok.err());
        assertFalse(ok.out().contains("note: --y"), ok.out());
    }

    /**
     * The scale notes take the root mean square over the steps that are read: with --lengths, padding is neither summed
     * nor counted, in X as in a per-step Y. Every sequence here has 2 valid steps of 4, padded with 1e6: the valid
     * targets of column 0 are all 120, so their root mean square is 120 (a note), where the padding counted as rows of
     * zeros would make it 120 / sqrt(2) = 84.9 (no note), and summed as it is, 7.1e5; X's valid steps are of unit scale,
     * so X gets no note though its padding is 1e6.
     */
    @Test
    void scaleNotesReadOnlyTheValidStepsOfAPaddedPerStepY(@TempDir Path dir) throws Exception {
        int n = 20, t = 4;
        Random r = new Random(11);
        float[] x = new float[n * t], y = new float[n * t * 2];
        long[] lengths = new long[n];
        java.util.Arrays.fill(lengths, 2);
        for (int i = 0; i < n * t; i++) {
            boolean padding = i % t >= 2;
            x[i] = padding ? 1e6f : (float) r.nextGaussian();
            y[2 * i] = padding ? 1e6f : 120;
            y[2 * i + 1] = padding ? 1e6f : (float) r.nextGaussian();
        }
        Npy.write(dir.resolve("x.npy"), Tensor.of(x, n, t, 1));
        Npy.write(dir.resolve("y.npy"), Tensor.of(y, n, t, 2));
        Npy.writeLongs(dir.resolve("len.npy"), lengths, n);
        ContractTest.Result fit = ContractTest.run("fit", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("y.npy").toString(),
                "--lengths", dir.resolve("len.npy").toString(), "--per-step", "--task", "regression", "--hidden", "3", "--epochs", "1",
                "--out", dir.resolve("m").toString());
        assertEquals(0, fit.code(), fit.err());
        assertTrue(fit.out().contains("note: --y " + dir.resolve("y.npy") + ": targets column 0 (root mean square 120): "), fit.out());
        assertFalse(fit.out().contains("column 1") || fit.out().contains("note: --x"), fit.out());
    }

    /**
     * An epoch in which every step was skipped (--on-non-finite skip; targets of 3e38, whose gradient overflows float32)
     * printed "loss NaN": the mean of no batch's loss is no number, and the line says so in words. Such an epoch leaves the
     * weights as they were, so with validation its val_loss is the one before it: not an improvement, and with --patience 1
     * training stops after it. A run in which every step of every epoch was skipped learned nothing, yet exited 0 and saved
     * the untrained model ("best epoch 1"): it is refused as a diverged run is, one line naming --on-non-finite skip and
     * what to change, after the epoch lines, nothing written.
     */
    @Test
    void anEpochOfSkippedStepsHasNoLossAndSaysSo(@TempDir Path dir) throws Exception {
        int n = 16, t = 3;
        Random r = new Random(7);
        float[] x = new float[n * t * 2], y = new float[n];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        java.util.Arrays.fill(y, 3e38f);
        Npy.write(dir.resolve("x.npy"), Tensor.of(x, n, t, 2));
        Npy.write(dir.resolve("y.npy"), Tensor.of(y, n));
        String[] common = {"fit", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("y.npy").toString(), "--task", "regression",
                "--hidden", "3", "--epochs", "3", "--batch", "4", "--on-non-finite", "skip"};
        ContractTest.Result plain = ContractTest.run(concat(common, new String[] {"--val", "0", "--out", dir.resolve("m1").toString()}));
        plain.refusedAfterTraining("--on-non-finite skip", "no batch of any epoch counted", "12 steps over 3 epochs skipped",
                "nothing was learned", "lower --lr", "standardize");
        assertFalse(plain.out().contains("NaN") || plain.out().contains("best epoch") || plain.out().contains("saved"), plain.out());
        for (int e = 1; e <= 3; e++) {
            assertTrue(plain.out().contains("epoch " + e + "/3  loss n/a (a mean over no batch: each was skipped or scored no row)"
                    + "  skipped 4 non-finite steps"), plain.out());
        }
        ContractTest.Result val = ContractTest.run(concat(common, new String[] {"--val", "0.25", "--patience", "1", "--out",
                dir.resolve("m2").toString()}));
        val.refusedAfterTraining("--on-non-finite skip", "no batch of any epoch counted", "6 steps over 2 epochs skipped");
        java.util.List<String> epochs = val.out().lines().filter(l -> l.startsWith("epoch ")).toList();
        assertEquals(2, epochs.size(), val.out());
        assertTrue(epochs.get(0).contains("loss n/a (") && epochs.get(0).endsWith("  *"), epochs.get(0));
        assertTrue(epochs.get(1).contains("loss n/a (") && !epochs.get(1).endsWith("*"), epochs.get(1));
        assertFalse(val.out().contains("best epoch") || val.out().contains("saved"), val.out());
        assertFalse(Files.exists(dir.resolve("m1")) || Files.exists(dir.resolve("m2")));
    }

    /**
     * fit --lr 1e30 --on-non-finite skip: the first batch's Adam step moves every weight by about 1e30, every later step
     * is skipped, and the model's MSE on all of --x is about 2.5e61: finite only because vecrnn sums in double. PyTorch's
     * float32 MSELoss of the same predictions is inf (helper-60 ran it), so the run diverged; it was saved, exit 0.
     */
    @Test
    void aLossFiniteOnlyInDoubleIsADivergedRun(@TempDir Path dir) throws Exception {
        int n = 64, t = 8;
        Random r = new Random(3);
        float[] x = new float[n * t * 3], y = new float[n];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
            y[i / (t * 3)] += x[i] / 4;
        }
        Npy.write(dir.resolve("x.npy"), Tensor.of(x, n, t, 3));
        Npy.write(dir.resolve("y.npy"), Tensor.of(y, n));
        java.util.List<String> before = ContractTest.snapshot(dir);
        ContractTest.Result res = ContractTest.run("fit", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("y.npy").toString(),
                "--task", "regression", "--hidden", "8", "--epochs", "3", "--lr", "1e30", "--on-non-finite", "skip",
                "--out", dir.resolve("m").toString());
        // the case this test is about: a loss that double holds and float32 does not
        double mse = java.util.regex.Pattern.compile("the loss on all of --x is ([0-9.e+]+)").matcher(res.err()).results()
                .mapToDouble(m -> Double.parseDouble(m.group(1))).findFirst().orElse(Double.NaN);
        assertTrue(mse > Float.MAX_VALUE && Double.isFinite(mse), res.err());
        res.refusedAfterTraining("--lr", "diverged", "all of --x", "past float32's largest", "inf");
        assertFalse(res.out().contains("saved"), res.out());
        assertEquals(before, ContractTest.snapshot(dir));
    }

    /**
     * A fit whose validation loss was not finite in any epoch has no best epoch: it printed "best epoch -1" and saved
     * the last epoch's model, exit 0. Here --val-x holds values near float32's largest, of both signs, which overflow a
     * ReLU RNN of 2 units to Inf and Inf - Inf to NaN on the validation rows alone (X itself trains and scores finitely,
     * so the check on all of --x passes). It is refused as a diverged run is, with early stopping and without (--patience -1
     * keeps the last epoch, whose val_loss is NaN as well), naming the validation arrays, nothing written.
     */
    @Test
    void aValidationLossNeverFiniteHasNoBestEpochAndIsRefused(@TempDir Path dir) throws Exception {
        int n = 40, t = 5;
        Random r = new Random(0);
        float[] x = new float[n * t * 2], y = new float[n], vx = new float[8 * t * 2];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
            y[i / (t * 2)] += x[i];
        }
        for (int i = 0; i < vx.length; i++) vx[i] = i % 2 == 0 ? 3.4e38f : -3.4e38f;
        Npy.write(dir.resolve("x.npy"), Tensor.of(x, n, t, 2));
        Npy.write(dir.resolve("y.npy"), Tensor.of(y, n));
        Npy.write(dir.resolve("vx.npy"), Tensor.of(vx, 8, t, 2));
        Npy.write(dir.resolve("vy.npy"), Tensor.of(java.util.Arrays.copyOf(y, 8), 8));
        String[] common = {"fit", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("y.npy").toString(), "--task", "regression",
                "--val-x", dir.resolve("vx.npy").toString(), "--val-y", dir.resolve("vy.npy").toString(), "--cell", "rnn_relu", "--hidden", "2",
                "--epochs", "2"};
        java.util.List<String> before = ContractTest.snapshot(dir);
        for (String[] extra : new String[][] {{"--out", dir.resolve("m1").toString()}, {"--out", dir.resolve("m2").toString(), "--patience", "-1"}}) {
            ContractTest.Result res = ContractTest.run(concat(common, extra));
            java.util.List<String> epochs = res.out().lines().filter(l -> l.startsWith("epoch ")).toList();
            assertEquals(2, epochs.size(), res.out());
            for (String e : epochs) assertTrue(e.contains("val_loss NaN") && !e.endsWith("*"), "the case this test is about: " + e);
            res.refusedAfterTraining("--lr", "diverged", "--val-x " + dir.resolve("vx.npy"), "not finite in any epoch", "no epoch to keep");
            // the training steps were finite: skipping non-finite batches is no way out here
            assertFalse(res.err().contains("--on-non-finite"), res.err());
            assertFalse(res.out().contains("best epoch") || res.out().contains("saved"), res.out());
        }
        assertEquals(before, ContractTest.snapshot(dir));
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
