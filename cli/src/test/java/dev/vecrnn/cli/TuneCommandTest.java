package dev.vecrnn.cli;

import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.format.ModelFile;
import dev.vecrnn.nn.io.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TuneCommandTest {

    @Test
    void leaderboardIsSortedAndTheBestIsSaved(@TempDir Path dir) throws Exception {
        Random r = new Random(5);
        int n = 120, t = 5;
        float[] x = new float[n * t * 2];
        float[] y = new float[n];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        for (int i = 0; i < n; i++) y[i] = x[i * t * 2] - x[(i * t + t - 1) * 2 + 1];
        Npy.write(dir.resolve("x.npy"), Tensor.of(x, n, t, 2));
        Npy.write(dir.resolve("y.npy"), Tensor.of(y, n));
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true));
        int code;
        try {
            code = Main.run("tune", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("y.npy").toString(),
                    "--task", "regression", "--trials", "3", "--epochs", "2", "--out", dir.resolve("m").toString());
        } finally {
            System.setOut(old);
        }
        assertEquals(0, code);
        Matcher m = Pattern.compile("(?m)^\\s+\\d+\\s+\\d+\\s+\\S+\\s+\\d+\\s+\\d+\\s+\\S+\\s+\\S+\\s+\\S+\\s+(\\S+)$").matcher(buf.toString());
        double prev = Double.NEGATIVE_INFINITY;
        int rows = 0;
        while (m.find()) {
            double v = Double.parseDouble(m.group(1));
            assertTrue(v >= prev, "leaderboard not sorted: " + buf);
            prev = v;
            rows++;
        }
        assertEquals(3, rows, buf.toString());
        assertEquals(1, ModelFile.load(dir.resolve("m/model.safetensors")).outputFeatures());
    }

    /**
     * tune --init keras starts every trial as fit --init keras does (Keras's zero biases, an LSTM forget-gate bias of 1):
     * after one Adam step (one batch, lr at most 10^-1.5) every recurrent bias_hh is within 0.04 of 0, where PyTorch's
     * U(-1/sqrt(h), 1/sqrt(h)) start leaves some far from it; an unknown scheme is refused naming the option.
     */
    @Test
    void initKerasStartsEveryTrialAsKerasDoes(@TempDir Path dir) throws Exception {
        ContractTest.data(dir);  // x [40, 5, 2], y [40]
        java.util.function.Function<String, double[]> tuned = scheme -> {
            String[] tune = {"tune", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("y.npy").toString(), "--task", "classification",
                    "--trials", "1", "--epochs", "1", "--batch", "64", "--out", dir.resolve(scheme).toString(), "--init", scheme};
            ContractTest.Result r = ContractTest.run(tune);
            assertEquals(0, r.code(), r.err());
            try {
                java.util.Map<String, Tensor> sd = ModelFile.load(dir.resolve(scheme).resolve("model.safetensors")).stateDict();
                double max = 0;
                for (float b : sd.get("layers.0.bias_hh_l0").data()) max = Math.max(max, Math.abs(b));
                return new double[] {max};
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        double keras = tuned.apply("keras")[0], pytorch = tuned.apply("pytorch")[0];
        assertTrue(keras <= 0.04, "--init keras: bias_hh starts at 0, one step away: " + keras);
        assertTrue(pytorch > 0.04, "--init pytorch: bias_hh drawn from U(-1/sqrt(h), 1/sqrt(h)): " + pytorch);
        ContractTest.run("tune", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("y.npy").toString(), "--task", "classification",
                "--out", dir.resolve("z").toString(), "--init", "glorot").refused("--init", "glorot");
    }

    /** fit takes --patience -1 for no early stopping; tune refused it. Both take it now, and refuse what is below. */
    @Test
    void patienceMinusOneMeansNoEarlyStoppingAsInFit(@TempDir Path dir) throws Exception {
        ContractTest.data(dir);
        String[] tune = {"tune", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("y.npy").toString(), "--task", "classification",
                "--trials", "1", "--epochs", "2", "--out", dir.resolve("t").toString(), "--patience", "-1"};
        ContractTest.Result r = ContractTest.run(tune);
        assertEquals(0, r.code(), r.err());
        assertEquals(2, ModelFile.load(dir.resolve("t/model.safetensors")).outputFeatures());
        tune[tune.length - 1] = "-2";
        ContractTest.run(tune).refused("--patience: expected >= -1, got -2");
        ContractTest.run(ContractTest.fit(dir, "--patience", "-2")).refused("--patience: expected >= -1, got -2");
    }

    /**
     * tune read X as fit does but took neither --lengths nor --vocab: variable-length sequences trained on their
     * padding, token ids could not be tuned at all. With --lengths the padding is never read (the same model
     * whatever it holds); with --vocab each trial starts with an embedding of that many ids.
     */
    @Test
    void tuneTakesLengthsAndTokenIdsAsFitDoes(@TempDir Path dir) throws Exception {
        ContractTest.data(dir);  // x [40, 5, 2], y [40]
        long[] len = new long[40];
        for (int i = 0; i < 40; i++) len[i] = 1 + i % 5;
        Npy.writeLongs(dir.resolve("len.npy"), len, 40);
        float[] x = Npy.read(dir.resolve("x.npy")).toFloats();
        for (int i = 0; i < 40; i++) for (int s = (int) len[i]; s < 5; s++) x[(i * 5 + s) * 2] = x[(i * 5 + s) * 2 + 1] = 1e3f;
        Npy.write(dir.resolve("xpad.npy"), Tensor.of(x, 40, 5, 2));
        for (String xs : new String[] {"x", "xpad"}) {
            ContractTest.Result r = ContractTest.run("tune", "--x", dir.resolve(xs + ".npy").toString(), "--y", dir.resolve("y.npy").toString(),
                    "--lengths", dir.resolve("len.npy").toString(), "--task", "classification", "--trials", "2", "--epochs", "2",
                    "--out", dir.resolve(xs).toString());
            assertEquals(0, r.code(), r.err());
        }
        assertTrue(java.util.Arrays.equals(java.nio.file.Files.readAllBytes(dir.resolve("x/model.safetensors")),
                java.nio.file.Files.readAllBytes(dir.resolve("xpad/model.safetensors"))), "the padding was read");

        ContractTest.tokenIds(dir, 6);  // ids.npy [40, 5]
        ContractTest.Result r = ContractTest.run("tune", "--x", dir.resolve("ids.npy").toString(), "--y", dir.resolve("y.npy").toString(),
                "--vocab", "6", "--task", "classification", "--trials", "1", "--epochs", "1", "--out", dir.resolve("ids").toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(6, Inputs.vocabulary(ModelFile.load(dir.resolve("ids/model.safetensors"))));
        ContractTest.run("tune", "--x", dir.resolve("ids.npy").toString(), "--y", dir.resolve("y.npy").toString(), "--vocab", "5",
                "--task", "classification", "--out", dir.resolve("ids5").toString()).refused("--x", "ids.npy", "--vocab 5", "got 5 at");
    }

    /**
     * --embed sizes the embedding --vocab adds; given without --vocab, fit and tune trained a model of features
     * without an embedding and without a word. Refused now, naming both; with --vocab it sizes the embedding.
     */
    @Test
    void embedWithoutVocabIsRefused(@TempDir Path dir) throws Exception {
        ContractTest.data(dir);
        ContractTest.run(ContractTest.fit(dir, "--embed", "8")).refused("--embed 8", "--vocab");
        ContractTest.run("tune", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("y.npy").toString(), "--task", "classification",
                "--trials", "1", "--epochs", "1", "--embed", "8", "--out", dir.resolve("t").toString()).refused("--embed 8", "--vocab");
        assertFalse(java.nio.file.Files.exists(dir.resolve("m")) || java.nio.file.Files.exists(dir.resolve("t")));
        ContractTest.run(ContractTest.fit(dir, "--embed", "0")).refused("--embed", ">= 1");
        ContractTest.tokenIds(dir, 6);
        ContractTest.Result r = ContractTest.run("fit", "--x", dir.resolve("ids.npy").toString(), "--y", dir.resolve("y.npy").toString(),
                "--task", "classification", "--vocab", "6", "--embed", "5", "--hidden", "3", "--epochs", "1", "--out", dir.resolve("ids").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(ModelFile.load(dir.resolve("ids/model.safetensors")).summary().contains("Embedding(6, 5)"),
                ModelFile.load(dir.resolve("ids/model.safetensors")).summary());
        // tune's trials take it as fit does (checked once, before --out is declared)
        r = ContractTest.run("tune", "--x", dir.resolve("ids.npy").toString(), "--y", dir.resolve("y.npy").toString(), "--task", "classification",
                "--vocab", "6", "--embed", "5", "--trials", "1", "--epochs", "1", "--out", dir.resolve("tids").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(ModelFile.load(dir.resolve("tids/model.safetensors")).summary().contains("Embedding(6, 5)"),
                ModelFile.load(dir.resolve("tids/model.safetensors")).summary());
        ContractTest.run("tune", "--x", dir.resolve("ids.npy").toString(), "--y", dir.resolve("y.npy").toString(), "--task", "classification",
                "--vocab", "1", "--out", dir.resolve("v1").toString()).refused("--vocab", "at least 2");
        assertFalse(java.nio.file.Files.exists(dir.resolve("v1")));
    }

    /** fit had --bidirectional and tune did not; tune's trials take it, with fit's head (each direction's final output). */
    @Test
    void tuneTakesBidirectional(@TempDir Path dir) throws Exception {
        ContractTest.data(dir);
        ContractTest.Result r = ContractTest.run("tune", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("y.npy").toString(),
                "--task", "classification", "--trials", "1", "--epochs", "1", "--bidirectional", "--out", dir.resolve("t").toString());
        assertEquals(0, r.code(), r.err());
        var m = dev.vecrnn.nn.format.ModelFile.load(dir.resolve("t/model.safetensors"));
        assertTrue(m.summary().contains("bidirectional"), m.summary());
        // the backward direction read where it has seen every step, as fit's --bidirectional
        assertTrue(m.summary().contains("LastStep(backward at step 0:"), m.summary());
    }
}
