package dev.vecrnn.cli;

import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.format.ModelFile;
import dev.vecrnn.nn.io.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * fit's and tune's --classes K (Keras's Dense(K), PyTorch's Linear(h, K)): a class absent from the training labels
 * still gets an output, so evaluate takes held-out labels of it; predict gives K logits; a resume with another K is
 * refused. One-hot targets must be as wide as the model's outputs, as Keras's shape check has them (--y, --val-y,
 * and evaluate's --y). tune's --class-weight, shared with fit.
 */
class ClassesOptionTest {

    private static String[] tune(Path dir, String... extra) {
        return ContractTest.append(new String[] {"tune", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("y.npy").toString(),
                "--task", "classification", "--trials", "1", "--epochs", "1", "--out", dir.resolve("t").toString()}, extra);
    }

    /** {@code a} with option {@code opt} set to {@code value}: replaced where it is given, else appended. */
    static String[] with(String[] a, String opt, String value) {
        int i = java.util.Arrays.asList(a).indexOf(opt);
        if (i < 0) return ContractTest.append(a, opt, value);
        String[] b = a.clone();
        b[i + 1] = value;
        return b;
    }

    /** One-hot rows of {@code k} columns for the labels {@code y}, as float32 [N, k]. */
    private static void oneHot(Path file, long[] y, int k) throws Exception {
        float[] v = new float[y.length * k];
        for (int i = 0; i < y.length; i++) v[i * k + (int) y[i]] = 1;
        Npy.write(file, Tensor.of(v, y.length, k));
    }

    @Test
    void classesGivesEveryClassAnOutputThatEvaluateAndPredictAgreeOn(@TempDir Path dir) throws Exception {
        ContractTest.data(dir);  // labels 0 and 1 only
        long[] held = Npy.read(dir.resolve("y.npy")).toLongs();
        held[3] = 3;  // a class no training row has
        Npy.writeLongs(dir.resolve("held.npy"), held, 40);
        // without --classes the model has 2 outputs, and evaluate refuses the label 3
        assertEquals(0, ContractTest.run(with(ContractTest.fit(dir), "--out", dir.resolve("m2").toString())).code());
        ContractTest.run("evaluate", "--model", dir.resolve("m2").toString(), "--x", dir.resolve("x.npy").toString(), "--y",
                dir.resolve("held.npy").toString()).refused("--y", "held.npy", "below 2");
        ContractTest.Result r = ContractTest.run(ContractTest.fit(dir, "--classes", "4", "--class-weight", "balanced"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Dense(4)"), r.out());
        // balanced over 4 classes: the two absent ones weigh 0
        assertTrue(r.out().matches("(?s).*class weights \\(balanced over the 36 training rows\\): 0: \\S+  1: \\S+  2: 0\\.000  3: 0\\.000.*"), r.out());
        assertEquals(4, ModelFile.load(dir.resolve("m/model.safetensors")).outputFeatures());
        ContractTest.Result ev = ContractTest.run("evaluate", "--model", dir.resolve("m").toString(), "--x", dir.resolve("x.npy").toString(),
                "--y", dir.resolve("held.npy").toString());
        assertEquals(0, ev.code(), ev.err());
        assertTrue(ev.out().matches("(?s).*\\n\\s+3\\s+1\\s.*"), "class 3 has support 1: " + ev.out());
        assertEquals(0, ContractTest.run("predict", "--model", dir.resolve("m").toString(), "--x", dir.resolve("x.npy").toString(),
                "--out", dir.resolve("p.npy").toString()).code());
        assertArrayEquals(new int[] {40, 4}, Npy.read(dir.resolve("p.npy")).shape());
        // one-hot rows of 4 columns train the same model as labels with --classes 4; of 2 columns they contradict it
        oneHot(dir.resolve("oh4.npy"), Npy.read(dir.resolve("y.npy")).toLongs(), 4);
        oneHot(dir.resolve("oh2.npy"), Npy.read(dir.resolve("y.npy")).toLongs(), 2);
        String[] withOh4 = with(ContractTest.fit(dir, "--classes", "4"), "--out", dir.resolve("m4").toString());
        withOh4[4] = dir.resolve("oh4.npy").toString();
        assertEquals(0, ContractTest.run(withOh4).code());
        assertEquals(4, ModelFile.load(dir.resolve("m4/model.safetensors")).outputFeatures());
        String[] withOh2 = with(ContractTest.fit(dir, "--classes", "4"), "--out", dir.resolve("m5").toString());
        withOh2[4] = dir.resolve("oh2.npy").toString();
        ContractTest.run(withOh2).refused("--classes 4", "one-hot rows of --y", "oh2.npy", ", 2");
        // evaluate: one-hot rows narrower than the model's outputs (Keras refuses the shape)
        ContractTest.run("evaluate", "--model", dir.resolve("m").toString(), "--x", dir.resolve("x.npy").toString(), "--y",
                dir.resolve("oh2.npy").toString()).refused("--y", "oh2.npy", "one-hot rows of 4 columns", "got 2");
        ContractTest.Result ok = ContractTest.run("evaluate", "--model", dir.resolve("m").toString(), "--x", dir.resolve("x.npy").toString(),
                "--y", dir.resolve("oh4.npy").toString());
        assertEquals(0, ok.code(), ok.err());
        assertFalse(Files.exists(dir.resolve("m5")));
    }

    @Test
    void classesIsCheckedAgainstTheLabelsAndTheTask(@TempDir Path dir) throws Exception {
        ContractTest.data(dir);
        Npy.write(dir.resolve("vx.npy"), Tensor.zeros(3, 5, 2));
        Npy.writeLongs(dir.resolve("vy.npy"), new long[] {0, 2, 1}, 3);
        Npy.writeLongs(dir.resolve("y3.npy"), new long[] {0, 1, 2, 1, 0, 2, 1, 0, 2, 1, 0, 2, 1, 0, 2, 1, 0, 2, 1, 0, 2, 1, 0, 2, 1, 0, 2, 1, 0, 2,
                1, 0, 2, 1, 0, 2, 1, 0, 2, 1}, 40);
        oneHot(dir.resolve("voh3.npy"), new long[] {0, 1, 1}, 3);
        List<String> before = ContractTest.snapshot(dir);
        ContractTest.run(ContractTest.fit(dir, "--classes", "1")).refused("--classes", "at least 2");
        ContractTest.run(ContractTest.fit(dir, "--classes", "0")).refused("--classes", "at least 2");
        ContractTest.run(ContractTest.fit(dir, "--classes", "-3")).refused("--classes", "at least 2");
        ContractTest.Result reg = ContractTest.run("fit", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("y.npy").toString(),
                "--task", "regression", "--epochs", "1", "--out", dir.resolve("m").toString(), "--classes", "3");
        reg.refused("--classes", "--task classification");
        String[] y3 = ContractTest.fit(dir, "--classes", "2");
        y3[4] = dir.resolve("y3.npy").toString();
        ContractTest.run(y3).refused("--classes 2", "at least 3", "y3.npy", "largest is 2");
        // a validation label at or above --classes
        String[] val = ContractTest.fit(dir, "--classes", "2", "--val-x", dir.resolve("vx.npy").toString(), "--val-y", dir.resolve("vy.npy").toString());
        ContractTest.run(val).refused("--val-y", "vy.npy", "below 2 (--classes 2", "got 2 at element 1");
        // one-hot --val-y wider than the training classes (every label below 2, so it used to pass; Keras refuses the shape)
        ContractTest.run(ContractTest.fit(dir, "--val-x", dir.resolve("vx.npy").toString(), "--val-y", dir.resolve("voh3.npy").toString()))
                .refused("--val-y", "voh3.npy", "one-hot rows of 2 columns", "the classes of --y", "got 3", "; --classes 3 gives the model an output");
        // a validation label of a class --y lacks, without --classes: the refusal names the option that makes room for it
        // (where --classes was given, it names --classes as too small and suggests nothing)
        ContractTest.run(ContractTest.fit(dir, "--val-x", dir.resolve("vx.npy").toString(), "--val-y", dir.resolve("vy.npy").toString()))
                .refused("--val-y", "vy.npy", "below 2 (the classes of --y", "got 2 at element 1", "; --classes 3 gives the model an output for every class of both");
        String tooFew = ContractTest.run(val).err();
        assertFalse(tooFew.contains("gives the model"), tooFew);
        ContractTest.run(ContractTest.fit(dir, "--classes", "4", "--val-x", dir.resolve("vx.npy").toString(), "--val-y",
                dir.resolve("voh3.npy").toString())).refused("--val-y", "one-hot rows of 4 columns", "(--classes 4", "got 3");
        // --class-weight counts --classes' classes
        ContractTest.run(ContractTest.fit(dir, "--classes", "3", "--class-weight", "1,2")).refused("--class-weight", "expected 3 weights",
                "(--classes 3)", "got 2");
        // tune takes and checks it alike
        ContractTest.run(tune(dir, "--classes", "1")).refused("--classes", "at least 2");
        ContractTest.run(tune(dir, "--classes", "2", "--val-x", dir.resolve("vx.npy").toString(), "--val-y", dir.resolve("vy.npy").toString()))
                .refused("--val-y", "below 2 (--classes 2");
        assertEquals(before, ContractTest.snapshot(dir), "nothing written");
        // and a validation label of a class no training row has is taken with --classes 3
        ContractTest.Result r = ContractTest.run(with(val, "--classes", "3"));
        assertEquals(0, r.code(), r.err());
        assertEquals(3, ModelFile.load(dir.resolve("m/model.safetensors")).outputFeatures());
        ContractTest.Result t = ContractTest.run(tune(dir, "--classes", "5"));
        assertEquals(0, t.code(), t.err());
        assertEquals(5, ModelFile.load(dir.resolve("t/model.safetensors")).outputFeatures());
    }

    @Test
    void resumeWithOtherClassesIsRefusedAndWithTheSameResumes(@TempDir Path dir) throws Exception {
        ContractTest.data(dir);
        String ckpt = dir.resolve("c.ckpt").toString();
        assertEquals(0, ContractTest.run(ContractTest.fit(dir, "--checkpoint", ckpt, "--classes", "3")).code());
        ContractTest.run(ContractTest.fit(dir, "--checkpoint", ckpt, "--resume", "--overwrite"))
                .refused("--resume", "c.ckpt", "another model", "units: '2' here, '3' in the file", "--classes");
        ContractTest.Result same = ContractTest.run(with(ContractTest.fit(dir, "--checkpoint", ckpt, "--resume", "--overwrite",
                "--classes", "3"), "--epochs", "2"));
        assertEquals(0, same.code(), same.err());
        assertTrue(same.out().contains("epoch 2/2"), same.out());
    }

    @Test
    void tuneTakesClassWeightAsFitDoes(@TempDir Path dir) throws Exception {
        ContractTest.data(dir);
        ContractTest.Result r = ContractTest.run(tune(dir, "--class-weight", "balanced"));
        assertEquals(0, r.code(), r.err());
        // balanced over tune's training rows: 40 less the default --val 0.2
        assertTrue(r.out().contains("class weights (balanced over the 32 training rows): 0: "), r.out());
        ContractTest.Result given = ContractTest.run(tune(dir, "--class-weight", "0.5,4", "--overwrite"));
        assertEquals(0, given.code(), given.err());
        assertTrue(given.out().contains("class weights (as given): 0: 0.5000  1: 4.000"), given.out());
        Files.delete(dir.resolve("t/model.safetensors"));
        Files.delete(dir.resolve("t"));
        ContractTest.run(tune(dir, "--class-weight", "1,2,3")).refused("--class-weight", "expected 2 weights", "got 3");
        ContractTest.run(tune(dir, "--class-weight", "1,-1")).refused("--class-weight", "finite weights >= 0");
        ContractTest.run(tune(dir, "--class-weight", "heavy")).refused("--class-weight", "balanced or one number per class");
        ContractTest.run("tune", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("y.npy").toString(), "--task", "regression",
                "--out", dir.resolve("t").toString(), "--class-weight", "balanced").refused("--class-weight", "classification");
        assertFalse(Files.exists(dir.resolve("t")));
    }
}
