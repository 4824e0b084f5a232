package dev.vecrnn.cli;

import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.io.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code fit --resume} with an option the checkpoint records and refuses (its settings, the model's architecture, the
 * data): the refusal is the whole of the run, one line on stderr, exit code 2, nothing on stdout (the class or
 * positive weights, the model's summary and "resuming from" were printed before the check, which ran inside the
 * trainer's fit), and the checkpoint, the model it would replace and any temporary file a killed save left are
 * as they were. A resume with the same options still prints its summary and trains on.
 */
class ResumeRefusalTest {
    private static final int N = 40, T = 5, F = 2, K = 3;

    /** x.npy [N, T, F], x2.npy another draw, y.npy labels 0..2, yb.npy 0/1 floats [N], yml.npy multi-hot [N, K], vx/vy validation arrays. */
    private static void data(Path dir) throws IOException {
        Random r = new Random(3);
        float[] x = new float[N * T * F], x2 = new float[N * T * F];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
            x2[i] = (float) r.nextGaussian();
        }
        long[] y = new long[N];
        float[] yb = new float[N], yml = new float[N * K];
        for (int i = 0; i < N; i++) {
            y[i] = i % 3;
            yb[i] = x[i * T * F] > 0 ? 1 : 0;
            for (int k = 0; k < K; k++) yml[i * K + k] = (i + k) % 2;
        }
        Npy.write(dir.resolve("x.npy"), Tensor.of(x, N, T, F));
        Npy.write(dir.resolve("x2.npy"), Tensor.of(x2, N, T, F));
        Npy.writeLongs(dir.resolve("y.npy"), y, N);
        Npy.write(dir.resolve("yb.npy"), Tensor.of(yb, N));
        Npy.write(dir.resolve("yml.npy"), Tensor.of(yml, N, K));
        Npy.write(dir.resolve("vx.npy"), Tensor.of(java.util.Arrays.copyOf(x2, 8 * T * F), 8, T, F));
        Npy.writeLongs(dir.resolve("vy.npy"), new long[] {0, 1, 2, 0, 1, 2, 0, 1}, 8);
    }

    /** fit's arguments: {@code options} (an option to its value, "" for a flag) with the files resolved in {@code dir}. */
    private static String[] fit(Path dir, Map<String, String> options) {
        List<String> a = new ArrayList<>(List.of("fit"));
        options.forEach((k, v) -> {
            a.add(k);
            if (!v.isEmpty()) a.add(v.endsWith(".npy") || v.endsWith(".ckpt") || v.equals("m") ? dir.resolve(v).toString() : v);
        });
        return a.toArray(String[]::new);
    }

    /** fit's options for x.npy and {@code y} under {@code task} with 3 units, to --out m, with {@code more} (options and values). */
    private static Map<String, String> base(String y, String task, String... more) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("--x", "x.npy");
        m.put("--y", y);
        m.put("--task", task);
        m.put("--hidden", "3");
        m.put("--out", "m");
        return with(m, more);
    }

    private static Map<String, String> with(Map<String, String> base, String... changes) {
        Map<String, String> m = new LinkedHashMap<>(base);
        for (int i = 0; i < changes.length; i += 2) {
            if (changes[i + 1] == null) m.remove(changes[i]);
            else m.put(changes[i], changes[i + 1]);
        }
        return m;
    }

    /**
     * Writes a checkpoint of one epoch with {@code base}, then resumes it for a second with each of {@code refused}:
     * each is refused naming {@code --resume} and {@code expected[i]}, printing nothing on stdout and changing no file;
     * then {@code base} resumes and trains its second epoch.
     */
    private static void assertRefusedBeforeAnythingIsPrinted(Path dir, Map<String, String> base, String[][] refused, String[] expected)
            throws IOException {
        Map<String, String> first = with(base, "--epochs", "1", "--checkpoint", "c.ckpt", "--patience", "-1");
        ContractTest.Result made = ContractTest.run(fit(dir, first));
        assertEquals(0, made.code(), made.err());
        Path ckpt = dir.resolve("c.ckpt"), model = dir.resolve("m/model.safetensors"), leftover = dir.resolve(".c.ckpt.vecrnn-0.tmp");
        Files.write(leftover, new byte[] {7, 7, 7});  // what a killed save left: the run that resumes deletes it, a refused one does not
        byte[] ckptBytes = Files.readAllBytes(ckpt), modelBytes = Files.readAllBytes(model);
        Map<String, String> resume = with(first, "--epochs", "2", "--resume", "", "--overwrite", "");
        for (int i = 0; i < refused.length; i++) {
            String what = String.join(" ", refused[i]);
            ContractTest.Result r = ContractTest.run(fit(dir, with(resume, refused[i]))).refused("--resume", "c.ckpt", expected[i]);
            assertEquals("", r.out(), what + ": a refusal prints nothing on stdout");
            assertArrayEquals(ckptBytes, Files.readAllBytes(ckpt), what + ": the checkpoint");
            assertArrayEquals(modelBytes, Files.readAllBytes(model), what + ": the model");
            assertTrue(Files.exists(leftover), what + ": the temporary file beside the checkpoint");
        }
        ContractTest.Result ok = ContractTest.run(fit(dir, resume));
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.out().contains("parameters: ") && ok.out().contains("resuming from " + ckpt) && ok.out().contains("epoch 2/2"), ok.out());
        assertTrue(ok.out().indexOf("parameters: ") < ok.out().indexOf("resuming from ") && ok.out().indexOf("resuming from ") < ok.out().indexOf("epoch 2/2"),
                ok.out());
        assertFalse(java.util.Arrays.equals(ckptBytes, Files.readAllBytes(ckpt)), "the second epoch is checkpointed");
        assertFalse(java.util.Arrays.equals(modelBytes, Files.readAllBytes(model)), "the second epoch trains the model");
        assertFalse(Files.exists(leftover), "the resume deletes what a killed save left");
    }

    @Test
    void aClassifierResumedWithAnotherSettingIsRefusedBeforeItPrintsAnything(@TempDir Path dir) throws Exception {
        data(dir);
        Map<String, String> base = base("y.npy", "classification", "--class-weight", "1,2,3");
        String[][] refused = {
                {"--class-weight", "1,2,4"}, {"--class-weight", "balanced"}, {"--class-weight", null},
                {"--init", "keras"}, {"--seed", "5"}, {"--batch", "8"}, {"--optimizer", "sgd"},
                {"--val", "0.2"}, {"--val-rows", "last"}, {"--val-x", "vx.npy", "--val-y", "vy.npy"},
                {"--x", "x2.npy"}, {"--hidden", "4"}, {"--cell", "gru"}, {"--layers", "2"}, {"--bidirectional", ""},
                {"--head", "attention"}, {"--dropout", "0.1"}, {"--classes", "4", "--class-weight", "1,2,3,1"}};
        String[] expected = {
                "--class-weight weights 1.0,2.0,4.0", "--class-weight weights ", "no --class-weight",
                "--init pytorch, but this run has --init keras", "--seed 5", "--batch 8", "--optimizer sgd",
                "--val 0.2", "--val-rows last", "--val-x and --val-y of 8 rows",
                "--x and --y (and --lengths)", "another model", "another model", "another model", "another model",
                "another model", "another model", "another model"};
        assertRefusedBeforeAnythingIsPrinted(dir, base, refused, expected);
    }

    @Test
    void aMultiLabelModelResumedWithAnotherSettingIsRefusedBeforeItPrintsAnything(@TempDir Path dir) throws Exception {
        data(dir);
        Map<String, String> base = base("yml.npy", "multilabel", "--pos-weight", "1,2,3");
        String[][] refused = {{"--pos-weight", "1,2,4"}, {"--pos-weight", null}, {"--init", "keras"}, {"--val", "0"}};
        String[] expected = {"--pos-weight 1.0,2.0,4.0", "no --pos-weight", "--init keras", "no validation (--val 0)"};
        assertRefusedBeforeAnythingIsPrinted(dir, base, refused, expected);
    }

    /** --task regression and --task multilabel of one label make the same model of the same data: the task alone differs. */
    @Test
    void aResumeForAnotherTaskIsRefusedBeforeItPrintsAnything(@TempDir Path dir) throws Exception {
        data(dir);
        Map<String, String> base = base("yb.npy", "regression");
        assertRefusedBeforeAnythingIsPrinted(dir, base, new String[][] {{"--task", "multilabel"}, {"--init", "keras"}},
                new String[] {"--task regression, but this run has --task multilabel", "--init keras"});
    }

    /**
     * A checkpoint from before fit took Keras's validation count (it records no "validation_rows"): --val 0.33 of 40 rows
     * held out round(13.2) = 13 rows then, and holds out 40 - floor(40 * 0.67) = 14 now (Python: 40 * (1 - 0.33) is
     * 26.799999999999997), so resuming it would validate on other rows: refused, nothing changed. At --val 0.25 both
     * counts are 10, the same rows: the old checkpoint resumes.
     */
    @Test
    void aCheckpointOfTheOldValidationCountIsRefusedWhereTheCountDiffers(@TempDir Path dir) throws Exception {
        data(dir);
        for (String val : new String[] {"0.33", "0.25"}) {
            Map<String, String> first = base("y.npy", "classification", "--val", val, "--epochs", "1", "--checkpoint", "c.ckpt", "--patience", "-1",
                    "--overwrite", "");
            ContractTest.Result made = ContractTest.run(fit(dir, first));
            assertEquals(0, made.code(), made.err());
            Path ckpt = dir.resolve("c.ckpt"), model = dir.resolve("m/model.safetensors");
            dev.vecrnn.nn.io.SafeTensors.Contents c = dev.vecrnn.nn.io.SafeTensors.read(ckpt);
            Map<String, String> meta = new LinkedHashMap<>(c.metadata());
            assertEquals(val.equals("0.33") ? "14 of 40 rows" : "10 of 40 rows", meta.remove("validation_rows"), "the count recorded");
            Files.delete(ckpt);
            dev.vecrnn.nn.io.SafeTensors.write(ckpt, new LinkedHashMap<>(c.tensors()), meta);
            byte[] ckptBytes = Files.readAllBytes(ckpt), modelBytes = Files.readAllBytes(model);
            String[] resume = fit(dir, with(first, "--epochs", "2", "--resume", ""));
            if (val.equals("0.25")) {
                ContractTest.Result ok = ContractTest.run(resume);
                assertEquals(0, ok.code(), ok.err());
                assertTrue(ok.out().contains("resuming from " + ckpt) && ok.out().contains("epoch 2/2"), ok.out());
                continue;
            }
            ContractTest.Result r = ContractTest.run(resume).refused("--resume", "c.ckpt", "--val 0.33 held out 13 of 40 rows", "holds out 14 of 40 rows",
                    "--overwrite instead of --resume");
            assertEquals("", r.out());
            assertArrayEquals(ckptBytes, Files.readAllBytes(ckpt), "the checkpoint");
            assertArrayEquals(modelBytes, Files.readAllBytes(model), "the model");
        }
    }

    /**
     * Not a checkpoint (a model file given as one), and one whose metadata was corrupted: refused by the same check
     * before anything is printed, where they too came after the summary and "resuming from".
     */
    @Test
    void anUnreadableCheckpointIsRefusedBeforeItPrintsAnything(@TempDir Path dir) throws Exception {
        data(dir);
        String[] first = ContractTest.fit(dir, "--checkpoint", dir.resolve("c.ckpt").toString());
        assertEquals(0, ContractTest.run(first).code());
        Path model = dir.resolve("m/model.safetensors");
        byte[] modelBytes = Files.readAllBytes(model);
        Path notOne = dir.resolve("model.ckpt");
        Files.copy(model, notOne);
        ContractTest.Result r = ContractTest.run(ContractTest.fit(dir, "--checkpoint", notOne.toString(), "--resume", "--overwrite"))
                .refused("model.ckpt", "not a training checkpoint");
        assertEquals("", r.out());
        assertArrayEquals(modelBytes, Files.readAllBytes(notOne));
        assertArrayEquals(modelBytes, Files.readAllBytes(model));
        dev.vecrnn.nn.io.SafeTensors.Contents c = dev.vecrnn.nn.io.SafeTensors.read(dir.resolve("c.ckpt"));
        Map<String, String> meta = new LinkedHashMap<>(c.metadata());
        meta.put("batch", "999");
        Path bad = dir.resolve("bad.ckpt");
        dev.vecrnn.nn.io.SafeTensors.write(bad, new LinkedHashMap<>(c.tensors()), meta);
        byte[] badBytes = Files.readAllBytes(bad);
        r = ContractTest.run(ContractTest.fit(dir, "--checkpoint", bad.toString(), "--resume", "--overwrite")).refused("bad.ckpt", "'batch'", "999");
        assertEquals("", r.out());
        assertArrayEquals(badBytes, Files.readAllBytes(bad));
        assertArrayEquals(modelBytes, Files.readAllBytes(model));
    }
}
