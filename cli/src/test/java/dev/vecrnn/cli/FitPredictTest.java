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

/** fit then predict from the shell, on a task a small GRU learns in a few epochs: the sign of the sum. */
class FitPredictTest {

    @Test
    void fitLearnsAndPredictWritesOutputs(@TempDir Path dir) throws Exception {
        Random r = new Random(3);
        int n = 400, t = 8;
        float[] x = new float[n * t];
        long[] y = new long[n];
        for (int i = 0; i < n; i++) {
            float s = 0;
            for (int j = 0; j < t; j++) s += x[i * t + j] = (float) r.nextGaussian();
            y[i] = s > 0 ? 1 : 0;
        }
        Npy.write(dir.resolve("x.npy"), Tensor.of(x, n, t, 1));
        Npy.writeLongs(dir.resolve("y.npy"), y, n);
        int code = Main.run("fit", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("y.npy").toString(),
                "--task", "classification", "--cell", "gru", "--hidden", "16", "--epochs", "8", "--lr", "0.01",
                "--out", dir.resolve("m").toString(), "--seed", "1");
        assertEquals(0, code);
        assertTrue(Files.isRegularFile(dir.resolve("m/model.safetensors")));
        assertEquals(0, Main.run("predict", "--model", dir.resolve("m").toString(), "--x", dir.resolve("x.npy").toString(),
                "--out", dir.resolve("p.npy").toString()));
        var p = Npy.read(dir.resolve("p.npy"));
        assertArrayEquals(new int[] {n, 2}, p.shape());
        float[] logits = p.toFloats();
        int right = 0;
        for (int i = 0; i < n; i++) if ((logits[2 * i + 1] > logits[2 * i] ? 1 : 0) == y[i]) right++;
        assertTrue(right > 0.85 * n, "accuracy " + right + "/" + n);
    }

    @Test
    void badArgumentsExit2WithoutOutput(@TempDir Path dir) throws Exception {
        Npy.write(dir.resolve("x.npy"), Tensor.zeros(4, 3, 2));
        Npy.write(dir.resolve("y.npy"), Tensor.zeros(5));
        assertEquals(2, Main.run("fit", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("y.npy").toString(),
                "--task", "regression", "--out", dir.resolve("m").toString()));
        assertFalse(Files.exists(dir.resolve("m")));
        assertEquals(2, Main.run("fit", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("y.npy").toString(),
                "--task", "ranking", "--out", dir.resolve("m").toString()));
    }

    /**
     * A float64 value beyond float32's range (1e39) becomes infinity when read as float32, as torch's x.float() makes
     * it; fit, predict and quantize refused it saying only "got Infinity", a value the file does not hold. The line
     * names the file, the place, the file's value and that it overflows float32; in a padded step it is never read.
     */
    @Test
    void aFloat64BeyondFloat32sRangeIsNamedAsTheFileHoldsIt(@TempDir Path dir) throws Exception {
        ContractTest.data(dir);
        float[] x = Npy.read(dir.resolve("x.npy")).toFloats();
        double[] wide = new double[x.length];
        for (int i = 0; i < x.length; i++) wide[i] = x[i];
        wide[(3 * 5 + 2) * 2 + 1] = 1e39;  // sequence 3, step 2, feature 1 of [40, 5, 2]
        Path big = dir.resolve("big.npy"), y = dir.resolve("y.npy"), ybig = dir.resolve("ybig.npy");
        Npy.write(big, dev.vecrnn.nn.io.TensorData.doubles(wide, 40, 5, 2));
        double[] targets = new double[40];
        targets[7] = -3e38 * 10;
        Npy.write(ybig, dev.vecrnn.nn.io.TensorData.doubles(targets, 40));
        String overflows = "a float64 that overflows float32 (largest 3.4028235E38)";
        ContractTest.run("fit", "--x", big.toString(), "--y", y.toString(), "--task", "classification", "--epochs", "1", "--hidden", "3",
                "--out", dir.resolve("m").toString()).refused("--x " + big, "got 1.0E39 at sequence 3, step 2, feature 1", overflows);
        ContractTest.run("fit", "--x", dir.resolve("x.npy").toString(), "--y", ybig.toString(), "--task", "regression", "--epochs", "1",
                "--hidden", "3", "--out", dir.resolve("r").toString()).refused("--y " + ybig, "got -3.0E39 at element 7 (row 7, column 0)", overflows);
        assertFalse(Files.exists(dir.resolve("m")) || Files.exists(dir.resolve("r")), "no model from a refused fit");
        assertEquals(0, Main.run(ContractTest.fit(dir)));
        ContractTest.run("predict", "--model", dir.resolve("m").toString(), "--x", big.toString(), "--out", dir.resolve("p.npy").toString())
                .refused("--x " + big, "got 1.0E39 at sequence 3, step 2, feature 1", overflows, "Infinity");
        ContractTest.run("quantize", "--model", dir.resolve("m").toString(), "--x", big.toString(), "--out", dir.resolve("q").toString(),
                "--precision", "int8").refused("--x " + big, "got 1.0E39 at sequence 3, step 2, feature 1", overflows);
        assertFalse(Files.exists(dir.resolve("p.npy")) || Files.exists(dir.resolve("q")), "nothing from a refused run");
        // sequence 3 of 2 steps: its step 2 is padding, never read
        long[] len = new long[40];
        java.util.Arrays.fill(len, 5);
        len[3] = 2;
        Npy.writeLongs(dir.resolve("len.npy"), len, 40);
        assertEquals(0, Main.run("predict", "--model", dir.resolve("m").toString(), "--x", big.toString(), "--lengths",
                dir.resolve("len.npy").toString(), "--out", dir.resolve("p.npy").toString()));
    }

    /**
     * Counts built into lines said "of 1 sequences" (fit's --val), "(1 steps)" (evaluate --per-step), "1 sequences
     * of 1 steps at once" (the heap refusal of --batch) and the like: the noun agrees with its count.
     */
    @Test
    void aCountOfOneTakesTheSingular(@TempDir Path dir) throws Exception {
        Path x = dir.resolve("x.npy"), y = dir.resolve("y.npy");
        Npy.write(x, Tensor.of(new float[] {0.5f, -1f}, 1, 1, 2));
        Npy.write(y, Tensor.of(new float[] {1f}, 1, 1));
        String[] fit = {"fit", "--x", x.toString(), "--y", y.toString(), "--task", "regression", "--per-step", "--epochs", "1", "--hidden", "2",
                "--out", dir.resolve("m").toString()};
        // Keras's split trains on floor(1 * 0.9) = 0 rows of 1
        ContractTest.run(fit).refused("--val 0.1: of 1 sequence leaves none to train on");
        // and advises only what can help: no fraction splits one row (it said "use a smaller fraction" too; found in review)
        String err = ContractTest.run(fit).err();
        assertTrue(err.contains("(use more data or 0 for no validation)"), err);
        String[] noVal = java.util.Arrays.copyOf(fit, fit.length + 2);
        noVal[fit.length] = "--val";
        noVal[fit.length + 1] = "0";
        assertEquals(0, Main.run(noVal));
        var r = ContractTest.run("evaluate", "--model", dir.resolve("m").toString(), "--x", x.toString(), "--y", y.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("evaluated on 1 sequence (1 step): "), r.out());
        assertEquals("1 sequence", Inputs.count(1, "sequence"));
        assertEquals("0 sequences", Inputs.count(0, "sequence"));
    }

    /**
     * --bidirectional with the last-step head read the backward direction where it had seen one step (the
     * last); Keras's Bidirectional(LSTM(h)) and PyTorch's h_n read it at step 0, where it has seen them all.
     */
    @Test
    void bidirectionalHeadReadsTheBackwardDirectionAtStepZero(@TempDir Path dir) throws Exception {
        ContractTest.data(dir);
        ContractTest.Result r = ContractTest.run(ContractTest.fit(dir, "--bidirectional"));
        assertEquals(0, r.code(), r.err());
        var m = dev.vecrnn.nn.format.ModelFile.load(dir.resolve("m/model.safetensors"));
        assertEquals("LastStep(backward at step 0: 3)", m.layers().get(1).describe(), m.summary());
        assertTrue(r.out().contains("LastStep(backward at step 0: 3)"), r.out());
    }

    /**
     * Keras's validation_split holds out the last rows (windows in time order: validation after training);
     * fit drew them at random only. With --val-rows last the printed val_loss is the cross-entropy of the last
     * quarter, recomputed here from predict's logits.
     */
    @Test
    void valRowsLastValidatesOnTheLastRows(@TempDir Path dir) throws Exception {
        ContractTest.data(dir);  // x [40, 5, 2], y [40] labels
        ContractTest.Result r = ContractTest.run(ContractTest.fit(dir, "--val", "0.25", "--val-rows", "last", "--patience", "-1"));
        assertEquals(0, r.code(), r.err());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("epoch 1/1 .* val_loss (\\S+)").matcher(r.out());
        assertTrue(m.find(), r.out());
        double printed = Double.parseDouble(m.group(1));
        assertEquals(0, Main.run("predict", "--model", dir.resolve("m").toString(), "--x", dir.resolve("x.npy").toString(),
                "--out", dir.resolve("p.npy").toString()));
        float[] logits = Npy.read(dir.resolve("p.npy")).toFloats();
        long[] y = Npy.read(dir.resolve("y.npy")).toLongs();
        double ce = 0;
        for (int i = 30; i < 40; i++) {
            double a = logits[2 * i], b = logits[2 * i + 1], max = Math.max(a, b);
            ce += max + Math.log(Math.exp(a - max) + Math.exp(b - max)) - logits[2 * i + (int) y[i]];
        }
        assertEquals(ce / 10, printed, 6e-5, r.out());
        ContractTest.run(ContractTest.fit(dir, "--val-rows", "first", "--overwrite")).refused("--val-rows", "random", "last");
    }

    /**
     * A token id the embedding has no row for is refused by predict naming the sequence and step, as evaluate does; it
     * named a row of the flattened steps of a chunk of 256 sequences ("row 174" for sequence 299, step 2), which
     * is no place in X.
     */
    @Test
    void predictNamesTheSequenceAndStepOfABadTokenId(@TempDir Path dir) throws Exception {
        int n = 300, t = 4;
        Random r = new Random(9);
        long[] ids = new long[n * t];
        for (int i = 0; i < ids.length; i++) ids[i] = r.nextInt(5);
        Npy.writeLongs(dir.resolve("ids.npy"), ids, n, t);
        Npy.writeLongs(dir.resolve("y.npy"), new long[] {0, 1}, 2);
        Npy.writeLongs(dir.resolve("two.npy"), java.util.Arrays.copyOf(ids, 2 * t), 2, t);
        ContractTest.Result fit = ContractTest.run("fit", "--x", dir.resolve("two.npy").toString(), "--y", dir.resolve("y.npy").toString(),
                "--task", "classification", "--vocab", "5", "--hidden", "4", "--epochs", "1", "--val", "0", "--out", dir.resolve("m").toString());
        assertEquals(0, fit.code(), fit.err());
        ids[299 * t + 2] = 7;
        Npy.writeLongs(dir.resolve("bad.npy"), ids, n, t);
        String[] predict = {"predict", "--model", dir.resolve("m").toString(), "--x", dir.resolve("bad.npy").toString(), "--out", dir.resolve("p.npy").toString()};
        ContractTest.run(predict).refused("--x", "bad.npy", "got 7 at sequence 299, step 2");
        assertFalse(Files.exists(dir.resolve("p.npy")));
    }

    /**
     * An X of [N, F], F features a row, given to a model of F features was refused as "expected 2 features per step for
     * this model, got 1 feature per step", not saying that a 2-D X is read as [N, T], one value a step. The refusal
     * says how it was read and what to give: X[:, None, :] (N sequences of one step), or X[None], one sequence of N
     * steps, which is how PyTorch's LSTM reads a 2-D input (torch 1.13: LSTM(2, 3)(zeros(6, 2)) gives output [6, 3]).
     */
    @Test
    void aTwoDimensionalXOfFeaturesIsRefusedSayingHowItWasRead(@TempDir Path dir) throws Exception {
        ContractTest.data(dir);
        assertEquals(0, ContractTest.run(ContractTest.fit(dir)).code());
        Npy.write(dir.resolve("rows.npy"), Tensor.of(new float[12], 6, 2));
        Npy.write(dir.resolve("series.npy"), Tensor.of(new float[12], 4, 3));
        String m = dir.resolve("m").toString();
        ContractTest.run("predict", "--model", m, "--x", dir.resolve("rows.npy").toString(), "--out", dir.resolve("p.npy").toString())
                .refused("--x", "rows.npy", "expected 2 features per step for this model, got 1 feature per step: the file is 2-D, [6, 2],"
                        + " read as [N, T], 6 sequences of 2 steps of one value each; expected [N, T, 2] (X[:, None, :] for 6 sequences of"
                        + " one step; X[None] for one sequence of 6 steps, as PyTorch's LSTM reads a 2-D input)");
        ContractTest.Result r = ContractTest.run("predict", "--model", m, "--x", dir.resolve("series.npy").toString(), "--out",
                dir.resolve("p.npy").toString()).refused("--x", "series.npy", "[4, 3], read as [N, T], 4 sequences of 3 steps of one value"
                + " each; expected [N, T, 2]");
        assertFalse(r.err().contains("X[None]"), r.err());
        Npy.write(dir.resolve("three.npy"), Tensor.of(new float[24], 4, 2, 3));
        r = ContractTest.run("predict", "--model", m, "--x", dir.resolve("three.npy").toString(), "--out", dir.resolve("p.npy").toString())
                .refused("--x", "three.npy", "expected 2 features per step for this model, got 3 features per step");
        assertFalse(r.err().contains("2-D"), r.err());
        assertFalse(Files.exists(dir.resolve("p.npy")));
    }
}
