package dev.vecrnn.cli;

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
 * predict --out names its file as numpy's np.save(file, a) does: ".npy" is appended to a name that does not end in
 * it. The names below are the ones numpy 1.24 wrote for np.save('preds'), np.save('preds.NPY') (its test is
 * case-sensitive), np.save('p.out') and np.save('a.npy'). Every check of an output (an existing file, a directory,
 * an input) is of that name, and the line printed names it.
 */
class PredictOutNameTest {
    private static String[] predict(Path dir, String out, String... more) {
        List<String> a = new java.util.ArrayList<>(List.of("predict", "--model", dir.resolve("m").toString(), "--x", dir.resolve("x.npy").toString(),
                "--out", out));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    @Test
    void aNameWithoutNpyGetsItAsNpSaveGivesIt(@TempDir Path dir) throws Exception {
        ContractTest.data(dir);
        assertEquals(0, ContractTest.run(ContractTest.fit(dir)).code());
        String[][] asNumpy = {{"preds", "preds.npy"}, {"preds.NPY", "preds.NPY.npy"}, {"p.out", "p.out.npy"}, {"a.npy", "a.npy"}};
        for (String[] name : asNumpy) {
            ContractTest.Result r = ContractTest.run(predict(dir, dir.resolve(name[0]).toString()));
            assertEquals(0, r.code(), r.err());
            Path written = dir.resolve(name[1]);
            assertEquals("wrote " + written, r.out().strip(), "the line names the file written");
            assertArrayEquals(new int[] {40, 2}, Npy.read(written).shape());
            if (!name[0].equals(name[1])) assertFalse(Files.exists(dir.resolve(name[0])), name[0] + " is not written");
        }
        // in directories not there yet, which predict makes for any output
        ContractTest.Result r = ContractTest.run(predict(dir, dir.resolve("new/sub/q").toString()));
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isRegularFile(dir.resolve("new/sub/q.npy")));
    }

    @Test
    void theChecksAreOfTheNameWritten(@TempDir Path dir) throws Exception {
        ContractTest.data(dir);
        assertEquals(0, ContractTest.run(ContractTest.fit(dir)).code());
        // a file named as given (no .npy) is not the output: neither refused nor touched
        Files.writeString(dir.resolve("preds"), "not an array");
        Files.writeString(dir.resolve("preds.npy"), "mine");
        Files.createDirectory(dir.resolve("made.npy"));
        List<String> before = ContractTest.snapshot(dir);
        ContractTest.run(predict(dir, dir.resolve("preds").toString())).refused("--out " + dir.resolve("preds.npy") + ": exists", "--overwrite");
        ContractTest.run(predict(dir, dir.resolve("made").toString(), "--overwrite")).refused("--out " + dir.resolve("made.npy") + ": is a directory");
        // x, np.save's x.npy: the input
        ContractTest.run(predict(dir, dir.resolve("x").toString(), "--overwrite")).refused("--out " + dir.resolve("x.npy"), "input");
        assertEquals(before, ContractTest.snapshot(dir));
        ContractTest.Result r = ContractTest.run(predict(dir, dir.resolve("preds").toString(), "--overwrite"));
        assertEquals(0, r.code(), r.err());
        assertArrayEquals(new int[] {40, 2}, Npy.read(dir.resolve("preds.npy")).shape());
        assertEquals("not an array", Files.readString(dir.resolve("preds")));
    }
}
