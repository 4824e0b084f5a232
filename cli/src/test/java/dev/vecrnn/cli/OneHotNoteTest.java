package dev.vecrnn.cli;

import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.io.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The note that one-hot rows are read as class labels ("--y Y: one-hot rows of K classes, ...") was printed as Y was
 * read, so a refusal after it (another --val-y, one-hot rows of another width than the model's, a resume the
 * checkpoint refuses) had a line on stdout before it. It is printed once nothing is left to refuse; a run that goes
 * on still prints it.
 */
class OneHotNoteTest {

    /** oh.npy, the labels of y.npy as one-hot rows [40, 2]; oh3.npy one-hot rows of 3 classes; multi.npy rows of two 1s. */
    private static void data(Path dir) throws Exception {
        ContractTest.data(dir);
        long[] y = Npy.read(dir.resolve("y.npy")).toLongs();
        float[] oh = new float[40 * 2], oh3 = new float[40 * 3], multi = new float[40 * 2];
        for (int i = 0; i < 40; i++) {
            oh[i * 2 + (int) y[i]] = 1;
            oh3[i * 3 + i % 3] = 1;
            multi[i * 2] = multi[i * 2 + 1] = 1;
        }
        Npy.write(dir.resolve("oh.npy"), Tensor.of(oh, 40, 2));
        Npy.write(dir.resolve("oh3.npy"), Tensor.of(oh3, 40, 3));
        Npy.write(dir.resolve("multi.npy"), Tensor.of(multi, 40, 2));
    }

    private static String[] withY(String[] args, Path y) {
        String[] a = args.clone();
        for (int i = 0; i < a.length - 1; i++) if (a[i].equals("--y")) a[i + 1] = y.toString();
        return a;
    }

    @Test
    void refusalsAfterOneHotRowsPrintNothingOnStdout(@TempDir Path dir) throws Exception {
        data(dir);
        Path oh = dir.resolve("oh.npy");
        String vx = dir.resolve("x.npy").toString();
        // fit and tune: --val-y of another width, and --val-y rows of several 1s
        for (String[] refused : new String[][] {
                ContractTest.append(withY(ContractTest.fit(dir), oh), "--val-x", vx, "--val-y", dir.resolve("oh3.npy").toString()),
                ContractTest.append(withY(ContractTest.fit(dir), oh), "--val-x", vx, "--val-y", dir.resolve("multi.npy").toString()),
                {"tune", "--x", vx, "--y", oh.toString(), "--task", "classification", "--out", dir.resolve("t").toString(), "--trials", "1",
                        "--epochs", "1", "--val-x", vx, "--val-y", dir.resolve("oh3.npy").toString()}}) {
            ContractTest.Result r = ContractTest.run(refused).refused("--val-y");
            assertEquals("", r.out(), String.join(" ", refused));
        }
        // a resume the checkpoint refuses
        String ckpt = dir.resolve("c.ckpt").toString();
        ContractTest.Result made = ContractTest.run(withY(ContractTest.fit(dir, "--checkpoint", ckpt), oh));
        assertEquals(0, made.code(), made.err());
        assertTrue(made.out().startsWith("--y " + oh + ": one-hot rows of 2 classes, read as the class labels 0 to 1\n"), made.out());
        ContractTest.Result r = ContractTest.run(withY(ContractTest.fit(dir, "--checkpoint", ckpt, "--resume", "--overwrite", "--seed", "3"), oh))
                .refused("--resume", "--seed 3");
        assertEquals("", r.out());
        // evaluate: one-hot rows of another width than the model's outputs; rows of the right width still get the note
        Path model = dir.resolve("m/model.safetensors");
        r = ContractTest.run("evaluate", "--model", model.toString(), "--x", vx, "--y", dir.resolve("oh3.npy").toString())
                .refused("--y", "oh3.npy", "one-hot rows of 2 columns");
        assertEquals("", r.out());
        ContractTest.Result ok = ContractTest.run("evaluate", "--model", model.toString(), "--x", vx, "--y", oh.toString());
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.out().startsWith("--y " + oh + ": one-hot rows of 2 classes, read as the class labels 0 to 1\nevaluated on 40 sequences"), ok.out());
        assertFalse(Files.exists(dir.resolve("t")));
    }

    /**
     * fit and tune print the same notes, in the same order, before anything else: how --y and --val-y were read, the
     * weights --class-weight chose, and the note on features too large for the gates (one code prints them for both).
     */
    @Test
    void fitAndTunePrintTheSameNotesFirst(@TempDir Path dir) throws Exception {
        data(dir);
        float[] x = Npy.read(dir.resolve("x.npy")).toFloats();
        for (int i = 0; i < x.length; i++) x[i] *= 1000;
        Path big = dir.resolve("big.npy"), oh = dir.resolve("oh.npy");
        Npy.write(big, Tensor.of(x, 40, 5, 2));
        String[] common = {"--x", big.toString(), "--y", oh.toString(), "--task", "classification", "--epochs", "1", "--val-x", big.toString(),
                "--val-y", oh.toString(), "--class-weight", "balanced"};
        ContractTest.Result fit = ContractTest.run(ContractTest.append(ContractTest.append(new String[] {"fit"}, common),
                "--hidden", "3", "--out", dir.resolve("m").toString()));
        assertEquals(0, fit.code(), fit.err());
        ContractTest.Result tune = ContractTest.run(ContractTest.append(ContractTest.append(new String[] {"tune"}, common),
                "--trials", "1", "--out", dir.resolve("t").toString()));
        assertEquals(0, tune.code(), tune.err());
        String[] lines = fit.out().split("\n", -1);
        String[] starts = {"--y " + oh + ": one-hot rows of 2 classes", "--val-y " + oh + ": one-hot rows of 2 classes",
                "class weights (balanced over the 40 training rows): 0: ", "note: --x " + big + ": feature 0 (root mean square "};
        StringBuilder notes = new StringBuilder();
        for (int i = 0; i < starts.length; i++) {
            assertTrue(lines[i].startsWith(starts[i]), "fit's line " + i + ": " + fit.out());
            notes.append(lines[i]).append('\n');
        }
        assertTrue(tune.out().startsWith(notes.toString()), "tune:\n" + tune.out() + "\nfit's notes:\n" + notes);
    }
}
