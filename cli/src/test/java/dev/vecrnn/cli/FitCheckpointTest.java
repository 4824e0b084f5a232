package dev.vecrnn.cli;

import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.io.Npy;
import dev.vecrnn.nn.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** fit --checkpoint / --resume: training stopped after 2 of 3 epochs and resumed saves the same model file. */
class FitCheckpointTest {

    private static List<String> fit(Path dir, String out, int epochs, String... extra) {
        List<String> args = new ArrayList<>(List.of("fit", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("y.npy").toString(),
                "--task", "regression", "--cell", "gru", "--hidden", "6", "--batch", "8", "--dropout", "0.2", "--lr", "0.01",
                "--epochs", Integer.toString(epochs), "--patience", "-1", "--seed", "4", "--out", dir.resolve(out).toString()));
        args.addAll(List.of(extra));
        return args;
    }

    @Test
    void resumingFromTheCheckpointGivesTheSameModelBytes(@TempDir Path dir) throws Exception {
        Random r = new Random(5);
        int n = 48, t = 5;
        float[] x = new float[n * t * 2];
        float[] y = new float[n];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        for (int i = 0; i < n; i++) y[i] = x[i * t * 2] - x[i * t * 2 + 3];
        Npy.write(dir.resolve("x.npy"), Tensor.of(x, n, t, 2));
        Npy.write(dir.resolve("y.npy"), Tensor.of(y, n));

        assertEquals(0, Main.run(fit(dir, "whole", 3, "--checkpoint", dir.resolve("whole.ckpt").toString()).toArray(String[]::new)));
        Path ckpt = dir.resolve("part.ckpt");
        assertEquals(0, Main.run(fit(dir, "part", 2, "--checkpoint", ckpt.toString(), "--checkpoint-every", "2").toArray(String[]::new)));
        byte[] afterTwo = Files.readAllBytes(dir.resolve("part/model.safetensors"));
        assertEquals(0, Main.run(fit(dir, "part", 3, "--checkpoint", ckpt.toString(), "--resume", "--overwrite").toArray(String[]::new)));
        byte[] whole = Files.readAllBytes(dir.resolve("whole/model.safetensors"));
        assertArrayEquals(whole, Files.readAllBytes(dir.resolve("part/model.safetensors")), "2 epochs + 1 resumed = 3 epochs, byte for byte");
        assertFalse(Arrays.equals(whole, afterTwo), "the third epoch must change the model");
        // resuming with --epochs at or below what the checkpoint ran trains nothing (as Keras's initial_epoch >= epochs)
        // and says so, where it used to print the summary of a run that did not happen
        ContractTest.Result done = ContractTest.run(fit(dir, "again", 2, "--checkpoint", ckpt.toString(), "--resume").toArray(String[]::new));
        assertEquals(0, done.code(), done.err());
        assertTrue(done.out().contains("nothing left to train: the checkpoint holds 3 epoch(s) and --epochs is 2 (raise --epochs to train on)"), done.out());
        assertArrayEquals(whole, Files.readAllBytes(dir.resolve("again/model.safetensors")), "the checkpoint's model, unchanged");
    }

    @Test
    void checkpointOptionsAreChecked(@TempDir Path dir) throws Exception {
        Npy.write(dir.resolve("x.npy"), Tensor.zeros(8, 3, 2));
        Npy.write(dir.resolve("y.npy"), Tensor.zeros(8));
        assertEquals(2, Main.run(fit(dir, "m", 1, "--resume").toArray(String[]::new)));
        assertEquals(2, Main.run(fit(dir, "m", 1, "--on-non-finite", "ignore").toArray(String[]::new)));
        assertFalse(Files.exists(dir.resolve("m")));
        // --resume without a checkpoint yet starts afresh and writes one
        assertEquals(0, Main.run(fit(dir, "m", 1, "--checkpoint", dir.resolve("c.ckpt").toString(), "--resume").toArray(String[]::new)));
        assertTrue(Files.isRegularFile(dir.resolve("c.ckpt")));
        // resuming another architecture names where it differs, not two copies of the whole model's spec
        byte[] before = Files.readAllBytes(dir.resolve("c.ckpt"));
        ContractTest.Result r = ContractTest.run(fit(dir, "m2", 1, "--checkpoint", dir.resolve("c.ckpt").toString(), "--resume",
                "--layers", "2").toArray(String[]::new)).refused("--resume: --checkpoint", "c.ckpt", "another model",
                "layers[0].num_layers: '2' here, '1' in the file", "--layers");
        assertTrue(r.err().strip().length() < 400, r.err());
        assertArrayEquals(before, Files.readAllBytes(dir.resolve("c.ckpt")));
        assertFalse(Files.exists(dir.resolve("m2")));
    }

    /**
     * A --checkpoint that names the --out directory (fit --out m --checkpoint m, m not there yet) passed the checks,
     * trained, wrote the checkpoint as a file m after the first epoch, and only then refused to write m/model.safetensors,
     * leaving the checkpoint behind: it is refused before any work, with nothing written.
     */
    @Test
    void aCheckpointWhereTheModelDirectoryGoesIsRefusedBeforeTraining(@TempDir Path dir) throws Exception {
        Npy.write(dir.resolve("x.npy"), Tensor.zeros(8, 3, 2));
        Npy.write(dir.resolve("y.npy"), Tensor.zeros(8));
        ContractTest.run(fit(dir, "m/sub", 1, "--checkpoint", dir.resolve("m").toString()).toArray(String[]::new))
                .refused("--checkpoint", "is the directory of --out", "model.safetensors");
        assertFalse(Files.exists(dir.resolve("m")));
        // the same through a symbolic link to the directory (real/m against alias/m): one directory, two spellings
        Files.createDirectory(dir.resolve("real"));
        Files.createSymbolicLink(dir.resolve("alias"), dir.resolve("real"));
        ContractTest.run(fit(dir, "real/m", 1, "--checkpoint", dir.resolve("alias/m").toString()).toArray(String[]::new))
                .refused("--checkpoint", "is the directory of --out", "model.safetensors");
        assertFalse(Files.exists(dir.resolve("real/m")));
        // "DIR/." names a directory by its form alone: refused as the command line is read
        ContractTest.run(fit(dir, "m/sub", 1, "--checkpoint", dir.resolve(".").toString()).toArray(String[]::new))
                .refused("--checkpoint", "names a directory");
        assertFalse(Files.exists(dir.resolve("m")));
        ContractTest.run(fit(dir, "m", 1, "--checkpoint", dir.resolve("m").toString()).toArray(String[]::new))
                .refused("--checkpoint " + dir.resolve("m"), "is the directory of --out " + dir.resolve("m/model.safetensors"));
        assertFalse(Files.exists(dir.resolve("m")));
        // the reverse, once fit made a checkpoint's missing directories: a checkpoint under the model file's own path made
        // m/model.safetensors a directory, trained, and failed at the end naming no option (found in review)
        ContractTest.run(fit(dir, "m", 1, "--checkpoint", dir.resolve("m/model.safetensors/c.ckpt").toString()).toArray(String[]::new))
                .refused("--checkpoint", "is inside --out " + dir.resolve("m/model.safetensors"), "which is a file");
        assertFalse(Files.exists(dir.resolve("m")));
    }

    /**
     * A checkpoint in a directory not there yet, the --out directory fit has yet to make among them, was refused; Keras's
     * ModelCheckpoint makes its file's directories, and so does fit, before training. A run that fails before a checkpoint
     * is saved there leaves none of them; one that fails after keeps its checkpoint, and so the directory holding it.
     */
    @Test
    void aCheckpointsMissingDirectoriesAreMadeAndRemovedOnFailure(@TempDir Path dir) throws Exception {
        Npy.write(dir.resolve("x.npy"), Tensor.zeros(8, 3, 2));
        Npy.write(dir.resolve("y.npy"), Tensor.zeros(8));
        ContractTest.Result r = ContractTest.run(fit(dir, "m", 1, "--checkpoint", dir.resolve("m/c.ckpt").toString()).toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isRegularFile(dir.resolve("m/c.ckpt")) && Files.isRegularFile(dir.resolve("m/model.safetensors")));
        r = ContractTest.run(fit(dir, "m2", 1, "--checkpoint", dir.resolve("a/b/c.ckpt").toString()).toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isRegularFile(dir.resolve("a/b/c.ckpt")));

        // targets of 3e38, whose gradient overflows float32: the first batch stops the run, before any checkpoint
        float[] huge = new float[8];
        Arrays.fill(huge, 3e38f);
        Npy.write(dir.resolve("y.npy"), Tensor.of(huge, 8));
        List<String> before = ContractTest.snapshot(dir);
        ContractTest.run(fit(dir, "n", 2, "--checkpoint", dir.resolve("n/c.ckpt").toString()).toArray(String[]::new))
                .refusedAfterTraining("training diverged");
        ContractTest.run(fit(dir, "n", 2, "--checkpoint", dir.resolve("p/q/c.ckpt").toString()).toArray(String[]::new))
                .refusedAfterTraining("training diverged");
        assertEquals(before, ContractTest.snapshot(dir), "no directory made for the checkpoint is left");
        // under --on-non-finite skip every epoch is checkpointed, then the run is refused as having learned nothing: the
        // checkpoint is kept (for --resume, as in a directory that was there), and the directory made for it with it
        ContractTest.run(fit(dir, "n", 2, "--checkpoint", dir.resolve("s/c.ckpt").toString(), "--on-non-finite", "skip").toArray(String[]::new))
                .refusedAfterTraining("nothing was learned");
        assertTrue(Files.isRegularFile(dir.resolve("s/c.ckpt")));
        assertFalse(Files.exists(dir.resolve("n")));
    }

    /**
     * What an interrupted fit leaves is its checkpoint; given to predict, evaluate or quantize as the model it was refused
     * as "a vecrnn model file of another version, or not one". It is named as a checkpoint with the way to its model,
     * and that way saves it.
     */
    @Test
    void aCheckpointGivenAsAModelSaysHowToGetTheModel(@TempDir Path dir) throws Exception {
        Npy.write(dir.resolve("x.npy"), Tensor.of(new float[] {1, -1, 2, 0.5f, -2, 1, 0, 1, -1, 3, 1, 2, -1, 0, 2, 1}, 8, 2, 1));
        Npy.write(dir.resolve("y.npy"), Tensor.of(new float[] {1, 0, 2, 1, 0, 1, 2, 0}, 8));
        String ckpt = dir.resolve("c.ckpt").toString(), x = dir.resolve("x.npy").toString(), y = dir.resolve("y.npy").toString();
        assertEquals(0, Main.run(fit(dir, "m", 2, "--checkpoint", ckpt).toArray(String[]::new)));
        String[][] uses = {{"predict", "--model", ckpt, "--x", x, "--out", dir.resolve("p.npy").toString()},
                {"evaluate", "--model", ckpt, "--x", x, "--y", y},
                {"quantize", "--model", ckpt, "--out", dir.resolve("q").toString(), "--precision", "int8"}};
        for (String[] use : uses) {
            ContractTest.run(use).refused("--model " + ckpt, "a training checkpoint (fit --checkpoint), not a model file",
                    "--checkpoint " + ckpt + " --resume");
        }
        assertFalse(Files.exists(dir.resolve("p.npy")) || Files.exists(dir.resolve("q")));
        ContractTest.Result r = ContractTest.run(fit(dir, "again", 2, "--checkpoint", ckpt, "--resume").toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        assertArrayEquals(Files.readAllBytes(dir.resolve("m/model.safetensors")), Files.readAllBytes(dir.resolve("again/model.safetensors")));
    }

    @Test
    void resumeRefusalsNameTheOptions(@TempDir Path dir) throws Exception {
        // the library names its settings (validation_split = '0.1', validation_data, batch_size); fit names its options
        ContractTest.data(dir);
        Npy.write(dir.resolve("vx.npy"), Tensor.zeros(4, 5, 2));
        Npy.writeLongs(dir.resolve("vy.npy"), new long[] {0, 1, 0, 1}, 4);
        String ckpt = dir.resolve("c.ckpt").toString();
        assertEquals(0, ContractTest.run(ContractTest.fit(dir, "--checkpoint", ckpt)).code());
        byte[] before = Files.readAllBytes(dir.resolve("c.ckpt"));
        String[] resume = ContractTest.fit(dir, "--checkpoint", ckpt, "--resume", "--overwrite");
        Map<String[], String[]> cases = new LinkedHashMap<>();
        cases.put(new String[] {"--val-x", dir.resolve("vx.npy").toString(), "--val-y", dir.resolve("vy.npy").toString()},
                new String[] {"was written with --val 0.1, but this run has --val-x and --val-y of 4 rows"});
        cases.put(new String[] {"--val", "0"}, new String[] {"was written with --val 0.1, but this run has no validation (--val 0)"});
        cases.put(new String[] {"--val", "0.1", "--val-rows", "last"}, new String[] {"this run has --val 0.1 --val-rows last"});
        cases.put(new String[] {"--batch", "8"}, new String[] {"was written with --batch 32, but this run has --batch 8"});
        cases.put(new String[] {"--seed", "9"}, new String[] {"was written with --seed 0, but this run has --seed 9"});
        cases.put(new String[] {"--optimizer", "sgd"}, new String[] {"was written with --optimizer adam, but this run has --optimizer sgd"});
        // several options at once: every one named in one refusal, not the first alone (fixed, the run was refused for the next)
        cases.put(new String[] {"--seed", "9", "--batch", "8", "--val", "0.2", "--optimizer", "sgd"},
                new String[] {"was written with --seed 0, --batch 32, --val 0.1, --optimizer adam, but this run has --seed 9, --batch 8, --val 0.2, --optimizer sgd"});
        for (Map.Entry<String[], String[]> c : cases.entrySet()) {
            ContractTest.Result r = ContractTest.run(ContractTest.append(resume, c.getKey())).refused(c.getValue());
            for (String library : List.of("validation_split", "validation_data", "batch_size", "dev.vecrnn", "this trainer")) {
                assertFalse(r.err().contains(library), r.err());
            }
            assertTrue(r.err().startsWith("vecrnn fit: --resume: --checkpoint " + ckpt), r.err());
            assertArrayEquals(before, Files.readAllBytes(dir.resolve("c.ckpt")));
        }
        // other training data: the options that hold them
        long[] y = Npy.read(dir.resolve("y.npy")).toLongs();
        y[0] = 1 - y[0];
        Npy.writeLongs(dir.resolve("y.npy"), y, 40);
        ContractTest.run(resume).refused("was written with --x and --y (and --lengths) of 40 rows, hash ");
    }

    /**
     * A checkpoint whose position metadata was corrupted (the fuzzer's find: batch -1 ended in a message about
     * "from, to" that named no file; epoch -1, a NaN best loss or stopped = "yes" trained on as if valid) is
     * refused naming the file and the entry, and left as it was.
     */
    @Test
    void corruptedPositionMetadataIsRefused(@TempDir Path dir) throws Exception {
        Npy.write(dir.resolve("x.npy"), Tensor.zeros(16, 3, 2));
        Npy.write(dir.resolve("y.npy"), Tensor.zeros(16));
        Path ckpt = dir.resolve("c.ckpt");
        assertEquals(0, Main.run(fit(dir, "m", 1, "--checkpoint", ckpt.toString()).toArray(String[]::new)));
        SafeTensors.Contents good = SafeTensors.read(ckpt);
        Map<String, Object> tensors = new LinkedHashMap<>();
        for (String name : good.names()) tensors.put(name, good.get(name));
        String[][] bad = {{"batch", "-1"}, {"batch", "999"}, {"epoch", "-1"}, {"epoch", "0"}, {"epoch_batches_counted", "-3"},
                {"epoch_skipped_steps", "-1"}, {"epoch_millis", "-5"}, {"best_loss", "NaN"}, {"epoch_loss_sum", "NaN"},
                {"best_epoch", "-2"}, {"best_epoch", "0"}, {"best_epoch", "7"}, {"epochs_since_best", "-1"}, {"stopped", "yes"}};
        for (String[] kv : bad) {
            Map<String, String> meta = new LinkedHashMap<>(good.metadata());
            meta.put(kv[0], kv[1]);
            Files.delete(ckpt);
            SafeTensors.write(ckpt, tensors, meta);
            byte[] before = Files.readAllBytes(ckpt);
            ContractTest.run(fit(dir, "m2", 3, "--checkpoint", ckpt.toString(), "--resume").toArray(String[]::new))
                    .refused("c.ckpt", "'" + kv[0] + "'", kv[1]);
            assertArrayEquals(before, Files.readAllBytes(ckpt), kv[0]);
            assertFalse(Files.exists(dir.resolve("m2")), kv[0]);
        }
    }
}
