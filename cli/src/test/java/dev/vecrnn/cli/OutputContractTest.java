package dev.vecrnn.cli;

import dev.vecrnn.nn.io.Npy;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

import static dev.vecrnn.cli.ContractTest.append;
import static dev.vecrnn.cli.ContractTest.data;
import static dev.vecrnn.cli.ContractTest.fit;
import static dev.vecrnn.cli.ContractTest.run;
import static dev.vecrnn.cli.ContractTest.snapshot;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The error contract's rules for what the commands write ({@link ContractTest} holds the rest, and the helpers): all of
 * a command's outputs or none, never over an input, a file named as a directory or a directory as a file refused, one
 * mode for every output, and what a killed run left removed (but never an input so named).
 */
class OutputContractTest {

    // 3. partial outputs

    @Test
    void inferWritesAllOfItsOutputsOrNone(@TempDir Path dir) throws Exception {
        Path f = InferCommandTest.fixture();
        Files.createDirectories(dir.resolve("o/h_n.npy"));
        run("infer", "--model", f.resolve("m").toString(), "--input", f.resolve("x.npy").toString(), "--out", dir.resolve("o").toString())
                .refused("--out", "h_n.npy", "directory");
        assertFalse(Files.exists(dir.resolve("o/output.npy")));
        assertFalse(Files.exists(dir.resolve("o/c_n.npy")));
    }

    @Test
    void trainTextLeavesNoModelWithoutItsVocabulary(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("t.txt"), "abcabcabc ".repeat(50));
        Files.createDirectories(dir.resolve("tm/vocab.json"));
        run("train-text", "--text", dir.resolve("t.txt").toString(), "--out", dir.resolve("tm").toString(), "--epochs", "1",
                "--hidden", "4").refused("--out", "vocab.json");
        assertFalse(Files.exists(dir.resolve("tm/model.safetensors")));
    }

    @Test
    void aFailedCommitRestoresWhatItReplacedAndRemovesWhatItStaged(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("a.txt"), "old a");
        try (Outputs outs = new Outputs(true)) {
            Path a = outs.declare("--a", dir.resolve("a.txt"));
            Path b = outs.declare("--b", dir.resolve("sub/b.txt"));
            Files.writeString(outs.stage(a), "new a");
            Files.writeString(outs.stage(b), "new b");
            // something takes b's place after the checks: a non-empty directory cannot be replaced by a file
            Files.createDirectories(dir.resolve("sub/b.txt/inner"));
            assertThrowsIo(outs::commit);
        }
        assertEquals("old a", Files.readString(dir.resolve("a.txt")));
        try (Stream<Path> s = Files.walk(dir)) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().startsWith(".")).toList(), "leftovers");
        }
    }

    private static void assertThrowsIo(ThrowingRunnable r) {
        try {
            r.run();
        } catch (IOException e) {
            return;
        } catch (Exception e) {
            throw new AssertionError("expected an IOException, got " + e, e);
        }
        throw new AssertionError("expected an IOException");
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    // 9. inputs never destroyed

    @Test
    void noCommandWritesOverItsInputs(@TempDir Path dir) throws Exception {
        data(dir);
        assertEquals(0, run(fit(dir)).code());
        List<String> before = snapshot(dir);
        // predict's --out x is np.save's x.npy, the input
        run("predict", "--model", dir.resolve("m").toString(), "--x", dir.resolve("x.npy").toString(),
                "--out", dir.resolve("x").toString(), "--overwrite").refused("--out", "x.npy", "input");
        run(fit(dir, "--checkpoint", dir.resolve("x.npy").toString(), "--overwrite")).refused("--checkpoint", "input");
        run("predict", "--model", dir.resolve("m").toString(), "--x", dir.resolve("x.npy").toString(),
                "--out", dir.resolve("x.npy").toString(), "--overwrite").refused("--out", "input");
        assertEquals(before, snapshot(dir));
        // an existing file that is not an input is replaced only when asked
        Files.writeString(dir.resolve("p.npy"), "mine");
        run("predict", "--model", dir.resolve("m").toString(), "--x", dir.resolve("x.npy").toString(),
                "--out", dir.resolve("p.npy").toString()).refused("--out", "p.npy", "--overwrite");
        assertEquals("mine", Files.readString(dir.resolve("p.npy")));
        assertEquals(0, run("predict", "--model", dir.resolve("m").toString(), "--x", dir.resolve("x.npy").toString(),
                "--out", dir.resolve("p.npy").toString(), "--overwrite").code());
        assertArrayEquals(new int[] {40, 2}, Npy.read(dir.resolve("p.npy")).shape());
    }

    /**
     * An output spelled through a link and "..": the system takes w/lnk/.. as the link's target's parent (here dir,
     * where x.npy is), where the checks took it as w, by its spelling. fit --checkpoint w/lnk/../x.npy wrote its
     * checkpoint over the input x.npy, with or without --overwrite; predict --out w/lnk/../x.npy --overwrite replaced
     * w/x.npy, a file nobody named; predict --out w/lnk/../p.npy wrote w/p.npy, where `ls w/lnk/../p.npy` finds nothing.
     */
    @Test
    void anOutputSpelledThroughALinkAndDotDotIsTheFileTheSystemNames(@TempDir Path dir) throws Exception {
        data(dir);
        assertEquals(0, run(fit(dir)).code());
        Files.createDirectories(dir.resolve("sub"));
        Files.createDirectories(dir.resolve("w"));
        Files.createSymbolicLink(dir.resolve("w/lnk"), Path.of("../sub"));
        Files.writeString(dir.resolve("w/x.npy"), "mine");
        List<String> before = snapshot(dir);
        String m = dir.resolve("m").toString(), x = dir.resolve("x.npy").toString();
        String viaLink = dir + "/w/lnk/../x.npy";
        for (String[] args : List.of(fit(dir, "--checkpoint", viaLink), fit(dir, "--checkpoint", viaLink, "--overwrite"))) {
            args[10] = dir.resolve("m2").toString();  // --out: a new model
            run(args).refused("--checkpoint", "input");
        }
        run("predict", "--model", m, "--x", x, "--out", viaLink, "--overwrite").refused("--out", "input");
        assertEquals(before, snapshot(dir));
        assertEquals(0, run("predict", "--model", m, "--x", x, "--out", dir + "/w/lnk/../p.npy").code());
        assertArrayEquals(new int[] {40, 2}, Npy.read(dir.resolve("p.npy")).shape());
        assertFalse(Files.exists(dir.resolve("w/p.npy")));
    }

    /**
     * An output that is a link to a file is written through, as numpy.save and a shell's redirect write, and the link kept:
     * predict --out latest.npy --overwrite (latest.npy -> runs/p.npy) and fit --checkpoint put a file in the link's place,
     * leaving the file it named stale; evaluate --json /dev/stdout --overwrite, run as root with stdout redirected to a
     * file, replaced the system's /dev/stdout link with a file, as it replaced this test's link to /proc/self/fd/1.
     */
    @Test
    void anOutputThatIsALinkToAFileIsWrittenThroughAndTheLinkKept(@TempDir Path dir) throws Exception {
        data(dir);
        assertEquals(0, run(fit(dir)).code());
        Files.createDirectories(dir.resolve("runs"));
        Files.writeString(dir.resolve("runs/p.npy"), "old");
        Files.writeString(dir.resolve("runs/c.ckpt"), "old");
        Path latest = Files.createSymbolicLink(dir.resolve("latest.npy"), Path.of("runs/p.npy"));
        Path ckpt = Files.createSymbolicLink(dir.resolve("ckpt"), dir.resolve("runs/c.ckpt"));
        String m = dir.resolve("m").toString(), x = dir.resolve("x.npy").toString();
        run("predict", "--model", m, "--x", x, "--out", latest.toString()).refused("--out", "exists", "--overwrite");
        assertEquals(0, run("predict", "--model", m, "--x", x, "--out", latest.toString(), "--overwrite").code());
        assertTrue(Files.isSymbolicLink(latest), "the link was replaced by a file");
        assertArrayEquals(new int[] {40, 2}, Npy.read(dir.resolve("runs/p.npy")).shape());
        String[] a = fit(dir, "--checkpoint", ckpt.toString(), "--overwrite");
        a[10] = dir.resolve("m2").toString();
        assertEquals(0, run(a).code());
        assertTrue(Files.isSymbolicLink(ckpt), "the checkpoint's link was replaced by a file");
        assertTrue(Files.size(dir.resolve("runs/c.ckpt")) > 3, "the checkpoint was not written through the link");
        try (Stream<Path> s = Files.walk(dir)) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().startsWith(".")).toList(), "leftovers");
        }
    }

    /**
     * evaluate --json /dev/stdout --overwrite > out.txt wrote the figures through /dev/stdout -> /proc/self/fd/1 into
     * out.txt, replacing the file the shell had opened, so the summary after it went to the deleted copy; through a
     * pipe it was "exists and is not a regular file", which did not say --json writes a file. An output in /dev or
     * reached through /proc/PID/fd (here a link of the test's own, as /dev/stdout is one) is refused as no file, with
     * or without --overwrite, before the figures and with nothing replaced; a FIFO's refusal says outputs are files.
     */
    @Test
    void anOutputThatIsAStreamOrDeviceIsRefusedAsNoFile(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "Linux's /proc");
        data(dir);
        assertEquals(0, run(fit(dir)).code());
        Files.writeString(dir.resolve("out.txt"), "the shell's redirect");
        Path stdout = Files.createSymbolicLink(dir.resolve("stdout"), Path.of("/proc/self/fd/1"));
        Path viaLink = Files.createSymbolicLink(dir.resolve("fig.json"), stdout);
        Path fifo = dir.resolve("pipe.json");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        // the links lead to this JVM's stdout, which a snapshot of dir would read: the model and the names are compared
        List<String> before = snapshot(dir.resolve("m")), names = names(dir);
        String[] eval = {"evaluate", "--model", dir.resolve("m").toString(), "--x", dir.resolve("x.npy").toString(), "--y",
                dir.resolve("y.npy").toString(), "--json", ""};
        for (String json : new String[] {"/dev/stdout", "/dev/null", "/dev/vecrnn-figures.json", stdout.toString(), viaLink.toString()}) {
            eval[eval.length - 1] = json;
            for (String[] a : List.of(eval, append(eval, "--overwrite"))) {
                run(a).refused("--json " + json + ": expected a file to write, got ", "outputs are files only");
            }
        }
        eval[eval.length - 1] = viaLink.toString();
        assertTrue(run(eval).err().contains(viaLink + " -> " + stdout + " -> /proc/"), "the links followed are named");
        eval[eval.length - 1] = fifo.toString();
        run(append(eval, "--overwrite")).refused("--json " + fifo + ": exists and is not a regular file", "expected a file to write");
        assertFalse(Files.exists(Path.of("/dev/vecrnn-figures.json")));
        assertEquals(before, snapshot(dir.resolve("m")));
        assertEquals(names, names(dir));
        assertEquals("the shell's redirect", Files.readString(dir.resolve("out.txt")));
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /**
     * A model is saved as a directory: --out m.safetensors made a directory of that name, holding
     * m.safetensors/model.safetensors. A name a file has is refused, and so is an existing file, with or
     * without --overwrite, which is left as it was.
     */
    @Test
    void anOutputDirectoryNamedOrMadeAsAFileIsRefused(@TempDir Path dir) throws Exception {
        data(dir);
        Files.writeString(dir.resolve("t.txt"), "hello world, hello world. ".repeat(20));
        Files.writeString(dir.resolve("mine"), "precious");
        List<String> before = snapshot(dir);
        Path m = dir.resolve("m/model.safetensors");
        String[] a = fit(dir);
        a[10] = m.toString();
        run(a).refused("--out " + m + ": expected a directory to write model.safetensors in, got a name ending in"
                + " .safetensors, as a file's does");
        run("train-text", "--text", dir.resolve("t.txt").toString(), "--out", dir.resolve("T.PT").toString())
                .refused("--out " + dir.resolve("T.PT") + ": expected a directory to write model.safetensors in", ".PT");
        run("infer", "--model", InferCommandTest.fixture().resolve("m").toString(), "--input", dir.resolve("x.npy").toString(),
                "--out", dir.resolve("o.npy").toString()).refused("--out " + dir.resolve("o.npy") + ": expected a directory to write output.npy in", ".npy");
        a[10] = dir.resolve("mine").toString();
        for (String[] args : List.of(a, append(a, "--overwrite"))) {
            run(args).refused("--out " + dir.resolve("mine") + ": exists and is not a directory; expected a directory to write model.safetensors in");
        }
        assertEquals(before, snapshot(dir));
    }

    /**
     * The converse: a file option given a directory's name. Path.of drops a trailing separator, so predict --out
     * preds/ wrote a file named preds, and evaluate --json, forecast --png and fit --checkpoint did the same; refused
     * naming the option, as is a last element "." and an existing directory, nothing written.
     */
    @Test
    void aFileOutputNamedAsADirectoryIsRefused(@TempDir Path dir) throws Exception {
        data(dir);
        assertEquals(0, Main.run(fit(dir)));
        Files.createDirectory(dir.resolve("made"));
        Files.createDirectory(dir.resolve("made.npy"));
        List<String> before = snapshot(dir);
        String m = dir.resolve("m").toString(), x = dir.resolve("x.npy").toString(), y = dir.resolve("y.npy").toString();
        for (String out : new String[] {dir + "/preds/", dir + "/p.npy/", dir + "/preds/."}) {
            run("predict", "--model", m, "--x", x, "--out", out).refused("--out", "expected a file to write, got '" + out + "', which names a directory");
        }
        run("predict", "--model", m, "--x", x, "--out", dir + "/made/").refused("--out", "which names a directory");
        // --out made is np.save's made.npy
        run("predict", "--model", m, "--x", x, "--out", dir + "/made").refused("--out " + dir.resolve("made.npy") + ": is a directory, expected a file");
        run("evaluate", "--model", m, "--x", x, "--y", y, "--json", dir + "/e.json/").refused("--json", "which names a directory");
        run("forecast", "--png", dir + "/f.png/").refused("--png", "which names a directory");
        run(fit(dir, "--checkpoint", dir + "/ck/", "--overwrite")).refused("--checkpoint", "which names a directory");
        assertEquals(before, snapshot(dir));
    }

    // 10. one mode for every output

    @Test
    void everyOutputGetsTheSameMode(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"));
        data(dir);
        Files.writeString(dir.resolve("t.txt"), "hello world, hello world. ".repeat(20));
        assertEquals(0, run("train-text", "--text", dir.resolve("t.txt").toString(), "--out", dir.resolve("t").toString(),
                "--epochs", "1", "--hidden", "4", "--steps", "8").code());
        assertEquals(0, run(fit(dir)).code());
        assertEquals(0, run("predict", "--model", dir.resolve("m").toString(), "--x", dir.resolve("x.npy").toString(),
                "--out", dir.resolve("p.npy").toString()).code());
        StringBuilder csv = new StringBuilder("v\n");
        for (int i = 0; i < 40; i++) csv.append(Math.sin(i / 2.0)).append('\n');
        Files.writeString(dir.resolve("s.csv"), csv);
        assertEquals(0, run("forecast", "--csv", dir.resolve("s.csv").toString(), "--column", "v", "--epochs", "1", "--hidden", "2",
                "--window", "4", "--horizon", "2", "--season", "2", "--png", dir.resolve("f.png").toString()).code());
        List<Path> outputs = List.of(dir.resolve("t/model.safetensors"), dir.resolve("t/vocab.json"), dir.resolve("m/model.safetensors"),
                dir.resolve("p.npy"), dir.resolve("f.png"));
        String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("p.npy")));
        for (Path p : outputs) assertEquals(mode, PosixFilePermissions.toString(Files.getPosixFilePermissions(p)), p.toString());
        assertTrue(mode.startsWith("rw-r"), "readable beyond the owner as a file made in place is: " + mode);
    }

    // 11. no leftovers

    @Test
    void theNextCheckpointSaveRemovesWhatAKilledSaveLeft(@TempDir Path dir) throws Exception {
        data(dir);
        Path leftover = dir.resolve(".c.ckpt.vecrnn-5f3e2a1b9c.tmp");
        Files.writeString(leftover, "half a checkpoint");
        Files.writeString(dir.resolve(".other.tmp"), "not ours");
        assertEquals(0, run(fit(dir, "--checkpoint", dir.resolve("c.ckpt").toString())).code());
        assertTrue(Files.isRegularFile(dir.resolve("c.ckpt")));
        assertFalse(Files.exists(leftover), "the killed save's temporary file is gone");
        assertTrue(Files.exists(dir.resolve(".other.tmp")), "nothing else is touched");
    }

    @Test
    void aCommandRemovesWhatAKilledRunLeftBesideItsOutputs(@TempDir Path dir) throws Exception {
        data(dir);
        assertEquals(0, run(fit(dir)).code());
        Path staged = dir.resolve(".p.npy.vecrnn-3fa9c0de12.tmp"), backup = dir.resolve(".p.npy.vecrnn-77ab.bak");
        Path other = dir.resolve(".p.npy.notes"), users = dir.resolve(".p.npy.77ab.bak");
        for (Path p : List.of(staged, backup, other, users)) Files.writeString(p, "left");
        assertEquals(0, run("predict", "--model", dir.resolve("m").toString(), "--x", dir.resolve("x.npy").toString(),
                "--out", dir.resolve("p.npy").toString()).code());
        assertFalse(Files.exists(staged) || Files.exists(backup), "leftovers of p.npy removed");
        assertTrue(Files.exists(other) && Files.exists(users), "files that only look alike are kept (no vecrnn mark)");
    }

    /** An input named as a leftover of one of the outputs is still an input: it is read, never deleted. */
    @Test
    void anInputNamedAsALeftoverIsKept(@TempDir Path dir) throws Exception {
        data(dir);
        assertEquals(0, run(fit(dir)).code());
        Path x = dir.resolve(".p.npy.vecrnn-1234abcd.tmp");
        Files.copy(dir.resolve("x.npy"), x);
        byte[] before = Files.readAllBytes(x);
        assertEquals(0, run("predict", "--model", dir.resolve("m").toString(), "--x", x.toString(),
                "--out", dir.resolve("p.npy").toString()).code());
        assertArrayEquals(before, Files.readAllBytes(x), "the input is untouched");
    }
}
