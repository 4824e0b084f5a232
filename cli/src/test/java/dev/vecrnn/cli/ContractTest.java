package dev.vecrnn.cli;

import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.io.Npy;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The command line's error contract, one test per kind of failure that careless and hostile use found:
 * exit code 2, one escaped line on stderr naming the option or file, no output left, no input harmed. The rules for
 * what commands write are {@link OutputContractTest}'s; the helpers here are shared by the command tests.
 */
class ContractTest {

    /** A command's exit code and what it printed. */
    record Result(int code, String out, String err) {
        /**
         * Asserts the refusal: code 2, one line on stderr mentioning every one of {@code names}, no trace, and nothing
         * on stdout (a refusal is the whole of the run: no summary, note or weights line before it).
         */
        Result refused(String... names) {
            refusedAfterTraining(names);
            assertEquals("", out, "stdout of a refusal, whose line is: " + err.strip());
            return this;
        }

        /**
         * As {@link #refused}, for a run refused once training had begun (it diverged), which has printed the model's
         * summary and its progress on stdout before its line.
         */
        Result refusedAfterTraining(String... names) {
            assertEquals(2, code, "exit code; stderr: " + err + " stdout: " + out);
            String line = err.strip();
            assertFalse(line.isEmpty(), "stderr is empty");
            assertEquals(1, line.lines().count(), "one line on stderr: " + err);
            assertFalse(line.contains("Exception") || line.contains("\tat ") || line.contains("internal error"), line);
            for (String n : names) assertTrue(line.contains(n), "'" + n + "' in: " + line);
            return this;
        }
    }

    static synchronized Result run(String... args) {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Result(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    /** x [40, 5, 2] float32 and y [40] class labels, small enough for a one-epoch fit. */
    static void data(Path dir) throws IOException {
        Random r = new Random(1);
        float[] x = new float[40 * 5 * 2];
        long[] y = new long[40];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        for (int i = 0; i < y.length; i++) y[i] = x[i * 10] > 0 ? 1 : 0;
        Npy.write(dir.resolve("x.npy"), Tensor.of(x, 40, 5, 2));
        Npy.writeLongs(dir.resolve("y.npy"), y, 40);
    }

    /** ids.npy, int64 token ids [40, 5] (as x.npy's 40 sequences of 5 steps), every id below {@code vocab} in turn. */
    static void tokenIds(Path dir, int vocab) throws IOException {
        long[] ids = new long[40 * 5];
        for (int i = 0; i < ids.length; i++) ids[i] = i % vocab;
        Npy.writeLongs(dir.resolve("ids.npy"), ids, 40, 5);
    }

    static String[] fit(Path dir, String... extra) {
        List<String> a = new ArrayList<>(List.of("fit", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("y.npy").toString(),
                "--task", "classification", "--epochs", "1", "--out", dir.resolve("m").toString()));
        if (!List.of(extra).contains("--hidden")) a.addAll(List.of("--hidden", "3"));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    /** Every file under {@code dir} with its bytes, to compare before and after a command. */
    static List<String> snapshot(Path dir) throws IOException {
        List<String> all = new ArrayList<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted().toList()) {
                all.add(dir.relativize(p) + (Files.isRegularFile(p) ? " " + Arrays.hashCode(Files.readAllBytes(p)) + " " + Files.size(p) : "/"));
            }
        }
        return all;
    }

    // 1. out of memory

    /**
     * A PyTorch state_dict's weights file given to infer instead of its directory: refused naming the file the
     * user gave and what to give, not a path the user never wrote (DIR/model.safetensors/model.safetensors).
     * And an empty path, which Path.of reads as the current directory: infer --out "" wrote there.
     */
    @Test
    void infersCarelessPathsAreRefusedAsGiven(@TempDir Path dir) throws Exception {
        Path f = InferCommandTest.fixture();
        Path weights = f.resolve("m/model.safetensors");
        String err = run("infer", "--model", weights.toString(), "--input", f.resolve("x.npy").toString(), "--out", dir.resolve("o").toString())
                .refused("--model " + weights + ":", "config.json").err();
        assertFalse(err.contains("model.safetensors/model.safetensors"), err);
        run("infer", "--model", f.resolve("m").toString(), "--input", f.resolve("x.npy").toString(), "--out", "")
                .refused("--out", "empty");
        run("predict", "--model", "", "--x", f.resolve("x.npy").toString(), "--out", dir.resolve("p.npy").toString())
                .refused("--model", "empty");
        assertFalse(Files.exists(dir.resolve("o")) || Files.exists(Path.of("output.npy")));
    }

    @Test
    void aPyTorchStateDictGivenToPredictIsReferredToInfer(@TempDir Path dir) throws Exception {
        Path f = InferCommandTest.fixture();
        run("predict", "--model", f.resolve("m").toString(), "--x", f.resolve("x.npy").toString(), "--out", dir.resolve("p.npy").toString())
                .refused("--model", "PyTorch state_dict", "config.json", "infer");
        assertFalse(Files.exists(dir.resolve("p.npy")));
    }

    @Test
    void perStepLabelsWithoutPerStepAreRefusedWithTheHint(@TempDir Path dir) throws Exception {
        data(dir);
        Npy.writeLongs(dir.resolve("ys.npy"), new long[40 * 5], 40, 5);
        String[] a = fit(dir);
        a[4] = dir.resolve("ys.npy").toString();
        run(a).refused("--y", "ys.npy", "[40, 5]", "--per-step");
        assertFalse(Files.exists(dir.resolve("m")));
    }

    /** Regression targets [N, T, K] without --per-step trained a Dense of T*K outputs; [N, T, K, J] with it, one of K*J. */
    @Test
    void targetsOfMoreDimensionsThanTheTaskTakesAreRefused(@TempDir Path dir) throws Exception {
        data(dir);
        Npy.write(dir.resolve("y3.npy"), Tensor.zeros(40, 5, 3));
        Npy.write(dir.resolve("y4.npy"), Tensor.zeros(40, 5, 3, 2));
        List<String> before = snapshot(dir);
        String[] a = fit(dir);
        a[4] = dir.resolve("y3.npy").toString();
        a[6] = "regression";
        run(a).refused("--y " + dir.resolve("y3.npy") + ": expected [N] or [N, K] targets (one row a sequence), got [40, 5, 3];"
                + " targets for every step, [N, T] or [N, T, K], take --per-step");
        a[4] = dir.resolve("y4.npy").toString();
        run(append(a, "--per-step")).refused("--y " + dir.resolve("y4.npy") + ": expected [N, T] or [N, T, K] targets with --per-step, got [40, 5, 3, 2]");
        assertEquals(before, snapshot(dir));
    }

    static String[] append(String[] a, String... more) {
        List<String> all = new ArrayList<>(List.of(a));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    @Test
    void sizesBeyondTheHeapAreRefusedBeforeAllocatingNamingTheOptionAndBytes(@TempDir Path dir) throws Exception {
        data(dir);
        List<String> before = snapshot(dir);
        run(fit(dir, "--hidden", "20000")).refused("--hidden 20000", "bytes", "heap");
        long[] y = new long[40];
        y[7] = 100_000_000;
        Npy.writeLongs(dir.resolve("huge.npy"), y, 40);
        run("fit", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("huge.npy").toString(), "--task", "classification",
                "--out", dir.resolve("m").toString()).refused("--y", "huge.npy");
        tokenIds(dir, 3);
        run("fit", "--x", dir.resolve("ids.npy").toString(), "--y", dir.resolve("y.npy").toString(), "--task", "classification",
                "--vocab", "2000000000", "--out", dir.resolve("m").toString()).refused("--vocab 2000000000");
        Files.delete(dir.resolve("huge.npy"));
        Files.delete(dir.resolve("ids.npy"));
        assertEquals(before, snapshot(dir));
    }

    @Test
    void anArrayFileLargerThanTheHeapIsRefusedBeforeItIsRead(@TempDir Path dir) throws Exception {
        data(dir);
        assertEquals(0, run(fit(dir)).code());
        // a valid float32 header over a sparse payload as large as this JVM's whole heap
        long elements = Runtime.getRuntime().maxMemory() / 4 + 1;
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + elements + ", 1, 2), }";
        byte[] header = (dict + " ".repeat(64 - (10 + dict.length() + 1) % 64) + "\n").getBytes(StandardCharsets.US_ASCII);
        Path big = dir.resolve("big.npy");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) (header.length & 0xff), (byte) (header.length >> 8)});
            f.write(header);
            f.setLength(10 + header.length + elements * 8);
        }
        assertTimeoutPreemptively(Duration.ofSeconds(30), () ->
                run("predict", "--model", dir.resolve("m").toString(), "--x", big.toString(), "--out", dir.resolve("p.npy").toString())
                        .refused("--x", "big.npy", "bytes"));
        assertFalse(Files.exists(dir.resolve("p.npy")));
    }

    /** A command that fails the way no check foresaw. */
    @picocli.CommandLine.Command(name = "boom")
    static final class Boom implements java.util.concurrent.Callable<Integer> {
        @picocli.CommandLine.Option(names = "--error") String error;

        @Override
        public Integer call() {
            if (error.equals("oom")) throw new OutOfMemoryError("Java heap space");
            throw new StackOverflowError();
        }
    }

    @Test
    void anErrorThatEscapesACommandIsOneLineAndExitCode2() {
        for (String kind : new String[] {"oom", "stack"}) {
            PrintStream err = System.err;
            ByteArrayOutputStream e = new ByteArrayOutputStream();
            int code;
            try {
                System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
                picocli.CommandLine cl = Main.commandLine();
                cl.addSubcommand("boom", new Boom());
                code = Main.execute(cl, "boom", "--error", kind);
            } finally {
                System.setErr(err);
            }
            new Result(code, "", e.toString(StandardCharsets.UTF_8)).refused(kind.equals("oom") ? "out of memory" : "stack overflow");
        }
    }

    // 2. non-regular files

    @Test
    void aFifoAsInputIsRefusedInsteadOfWaitingForever(@TempDir Path dir) throws Exception {
        data(dir);
        Path fifo = dir.resolve("fifo.npy");
        try {
            Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
            Assumptions.assumeTrue(p.waitFor() == 0, "mkfifo failed");
        } catch (IOException e) {
            Assumptions.abort("no mkfifo: " + e.getMessage());
        }
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            run("fit", "--x", fifo.toString(), "--y", dir.resolve("y.npy").toString(), "--task", "regression",
                    "--out", dir.resolve("m").toString()).refused("--x", "fifo.npy", "regular file");
            run("forecast", "--csv", fifo.toString(), "--png", dir.resolve("f.png").toString()).refused("--csv", "fifo.npy");
            run("train-text", "--text", fifo.toString(), "--out", dir.resolve("t").toString()).refused("--text", "fifo.npy");
            run("fit", "--x", dir.toString(), "--y", dir.resolve("y.npy").toString(), "--task", "regression",
                    "--out", dir.resolve("m").toString()).refused("--x", "directory");
        });
        assertFalse(Files.exists(dir.resolve("m")) || Files.exists(dir.resolve("t")) || Files.exists(dir.resolve("f.png")));
    }

    // 4. untrusted text

    @Test
    void textFromFilesIsEscapedAndCut(@TempDir Path dir) throws Exception {
        Path f = InferCommandTest.fixture();
        Path m = dir.resolve("m");
        Files.createDirectories(m);
        Files.copy(f.resolve("m/model.safetensors"), m.resolve("model.safetensors"));
        String config = Files.readString(f.resolve("m/config.json")).replace("\"LSTM\"",
                "\"X\\n\\u001b[2Jvecrnn infer: all good\\u202e" + "y".repeat(5000) + "\"");
        Files.writeString(m.resolve("config.json"), config);
        Result r = run("infer", "--model", m.toString(), "--input", f.resolve("x.npy").toString(), "--out", dir.resolve("o").toString())
                .refused("config.json", "\\x1b");
        assertTrue(r.err().strip().chars().noneMatch(c -> c < 0x20 || c == 0x7f || c == 0x202e), r.err());
        assertTrue(r.err().length() < 1000, "cut: " + r.err().length());

        Files.writeString(dir.resolve("h.csv"), "a\u001b[31m,b\r\n1,2\n");
        run("forecast", "--csv", dir.resolve("h.csv").toString(), "--column", "zz", "--png", dir.resolve("f.png").toString())
                .refused("--csv", "a\\x1b[31m");
        assertEquals("a\\x1b[2J\\n\\u202e\u00e9", Main.oneLine("a\u001b[2J\n\u202e\u00e9"));
    }

    /** Every command's help lists -V, --version: it prints the version (it printed nothing), and --help its usage. */
    @Test
    void everyCommandPrintsItsVersionAndHelp() {
        String version = Main.commandLine().getCommandSpec().version()[0];
        assertTrue(version.startsWith("vecrnn "), version);
        for (String cmd : Main.commandLine().getSubcommands().keySet()) {
            for (String flag : List.of("--version", "-V")) {
                Result v = run(cmd, flag);
                assertEquals(0, v.code(), cmd + " " + flag + ": " + v.err());
                assertEquals("", v.err(), cmd + " " + flag);
                assertEquals(version, v.out().strip(), cmd + " " + flag);
            }
            Result h = run(cmd, "--help");
            assertEquals(0, h.code(), cmd + " --help: " + h.err());
            assertEquals("", h.err(), cmd + " --help");
            assertTrue(h.out().startsWith("Usage: vecrnn " + cmd + " "), cmd + " --help: " + h.out());
        }
    }

    // 5. options range-checked on their own

    @Test
    void everyOptionIsCheckedWhateverTheOthersSay(@TempDir Path dir) throws Exception {
        data(dir);
        run(fit(dir, "--dropout", "NaN")).refused("--dropout", "NaN");
        run(fit(dir, "--dropout", "-0.5")).refused("--dropout");
        run(fit(dir, "--vocab", "-1")).refused("--vocab");
        run(fit(dir, "--lr", "Infinity")).refused("--lr");
        run(fit(dir, "--clip", "-1")).refused("--clip");
        run(fit(dir, "--threads", "0")).refused("--threads");
        run("forecast", "--season", "-3", "--png", dir.resolve("f.png").toString()).refused("--season");
        run("forecast", "--season", "0", "--png", dir.resolve("f.png").toString()).refused("--season");
        run("sample", "--model", dir.toString(), "--temperature", "NaN").refused("--temperature");
        run("demo", "--seconds", "0").refused("--seconds");
        assertFalse(Files.exists(dir.resolve("m")) || Files.exists(dir.resolve("f.png")));
    }

    // 7. zero-length sequences

    @Test
    void zeroLengthSequencesAreRefusedEverywhere(@TempDir Path dir) throws Exception {
        Path f = InferCommandTest.fixture();
        Npy.write(dir.resolve("x0.npy"), Tensor.zeros(4, 0, 5));
        run("infer", "--model", f.resolve("m").toString(), "--input", dir.resolve("x0.npy").toString(), "--out", dir.resolve("o").toString())
                .refused("--input", "x0.npy", "at least one step");
        Npy.write(dir.resolve("y.npy"), Tensor.zeros(4));
        run("fit", "--x", dir.resolve("x0.npy").toString(), "--y", dir.resolve("y.npy").toString(), "--task", "regression",
                "--out", dir.resolve("m").toString()).refused("--x", "at least one step");
        assertFalse(Files.exists(dir.resolve("o")) || Files.exists(dir.resolve("m")));
    }

    // 8. messages that say what is wrong

    @Test
    void messagesNameTheFileOrOptionAndWhatWasExpected(@TempDir Path dir) throws Exception {
        data(dir);
        run("fit", "--x", dir.resolve("nope.npy").toString(), "--y", dir.resolve("y.npy").toString(), "--task", "regression",
                "--out", dir.resolve("m").toString()).refused("--x", "nope.npy", "no such file");
        Npy.write(dir.resolve("x0.npy"), Tensor.zeros(0, 5, 2));
        Npy.write(dir.resolve("y0.npy"), Tensor.zeros(0));
        run("fit", "--x", dir.resolve("x0.npy").toString(), "--y", dir.resolve("y0.npy").toString(), "--task", "regression",
                "--out", dir.resolve("m").toString()).refused("--x", "at least one sequence");
        Files.writeString(dir.resolve("t.txt"), "hello world, hello world. ".repeat(20));
        run("train-text", "--text", dir.resolve("t.txt").toString(), "--out", dir.resolve("t").toString(), "--steps", "0").refused("--steps");
        Files.write(dir.resolve("bad.txt"), new byte[] {'a', 'b', (byte) 0xff, 'c'});
        run("train-text", "--text", dir.resolve("bad.txt").toString(), "--out", dir.resolve("t").toString())
                .refused("--text", "bad.txt", "UTF-8", "offset 2");

        // an --out that exists is refused before any training
        assertEquals(0, run(fit(dir)).code());
        Result again = run(fit(dir)).refused("--out", "model.safetensors", "--overwrite");
        assertFalse(again.out().contains("epoch"), "refused before training: " + again.out());

        // a vocab.json shorter than the model
        assertEquals(0, run("train-text", "--text", dir.resolve("t.txt").toString(), "--out", dir.resolve("t").toString(),
                "--epochs", "1", "--hidden", "4", "--steps", "8").code());
        Files.writeString(dir.resolve("t/vocab.json"), "{\"code_points\": [104, 101]}");
        run("sample", "--model", dir.resolve("t").toString()).refused("vocab.json", "characters");
    }

    // 6. padding is never read

    @Test
    void nonFinitePaddingIsIgnoredByFitAndPredictAlike(@TempDir Path dir) throws Exception {
        data(dir);
        float[] x = Npy.read(dir.resolve("x.npy")).toFloats();
        long[] len = new long[40];
        float[] nan = x.clone();
        for (int i = 0; i < 40; i++) {
            len[i] = 1 + i % 5;
            for (int j = (int) len[i] * 2; j < 10; j++) {
                x[i * 10 + j] = 0f;
                nan[i * 10 + j] = j % 2 == 0 ? Float.NaN : Float.POSITIVE_INFINITY;
            }
        }
        Npy.write(dir.resolve("zero.npy"), Tensor.of(x, 40, 5, 2));
        Npy.write(dir.resolve("nan.npy"), Tensor.of(nan, 40, 5, 2));
        Npy.writeLongs(dir.resolve("len.npy"), len, 40);
        for (String kind : new String[] {"zero", "nan"}) {
            Result r = run("fit", "--x", dir.resolve(kind + ".npy").toString(), "--y", dir.resolve("y.npy").toString(), "--lengths",
                    dir.resolve("len.npy").toString(), "--task", "classification", "--hidden", "3", "--epochs", "2", "--out",
                    dir.resolve(kind).toString());
            assertEquals(0, r.code(), kind + ": " + r.err());
            assertEquals(0, run("predict", "--model", dir.resolve(kind).toString(), "--x", dir.resolve(kind + ".npy").toString(), "--lengths",
                    dir.resolve("len.npy").toString(), "--out", dir.resolve(kind + "-p.npy").toString()).code());
        }
        assertArrayEquals(Files.readAllBytes(dir.resolve("zero/model.safetensors")), Files.readAllBytes(dir.resolve("nan/model.safetensors")));
        assertArrayEquals(Files.readAllBytes(dir.resolve("zero-p.npy")), Files.readAllBytes(dir.resolve("nan-p.npy")));
    }

    /**
     * Refusals that pointed the wrong way (a careless-user review): tune suggested --val 0, which it then
     * refuses; a token model given float features said "expected 1 features per step"; a diverged fit named
     * the library's NonFinitePolicy.SKIP_BATCH instead of the option that sets it.
     */
    @Test
    void refusalsNameWhatTheCommandTakes(@TempDir Path dir) throws Exception {
        data(dir);
        // 1 - 1e-17 is 1.0 in doubles: Keras's count, n - floor(n * (1 - f)), holds out no row
        String tuneErr = run("tune", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("y.npy").toString(), "--task", "classification",
                "--trials", "1", "--epochs", "1", "--val", "1e-17", "--out", dir.resolve("t").toString()).refused("--val", "none to validate on").err();
        assertFalse(tuneErr.contains("0 for no validation"), tuneErr);
        // more data cannot help a fraction whose 1 - f rounds to 1 (found in review)
        assertTrue(tuneErr.contains("(use a larger fraction)"), tuneErr);
        float[] ids = new float[40 * 5];
        for (int i = 0; i < ids.length; i++) ids[i] = i % 4;
        Npy.write(dir.resolve("ids.npy"), Tensor.of(ids, 40, 5));
        assertEquals(0, run("fit", "--x", dir.resolve("ids.npy").toString(), "--y", dir.resolve("y.npy").toString(), "--task", "classification",
                "--vocab", "4", "--hidden", "3", "--epochs", "1", "--out", dir.resolve("tok").toString()).code());
        run("predict", "--model", dir.resolve("tok").toString(), "--x", dir.resolve("x.npy").toString(), "--out", dir.resolve("p.npy").toString())
                .refused("--x", "token ids", "[N, T]");
        float[] huge = new float[40];
        java.util.Arrays.fill(huge, 1e30f);
        Npy.write(dir.resolve("huge.npy"), Tensor.of(huge, 40));
        run("fit", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("huge.npy").toString(), "--task", "regression", "--hidden", "3",
                "--epochs", "2", "--batch", "4", "--lr", "1e30", "--clip", "0", "--optimizer", "sgd", "--out", dir.resolve("m").toString())
                .refusedAfterTraining("--lr", "diverged", "--on-non-finite skip");
        assertFalse(Files.exists(dir.resolve("p.npy")) || Files.exists(dir.resolve("t")) || Files.exists(dir.resolve("m")));
    }

    /**
     * A run whose loss stayed finite but huge (cross-entropy 1e31, perplexity Infinity) diverged as surely as
     * one with a NaN loss: train-text and a classification fit exited 0 and saved the model.
     */
    @Test
    void aRunWhosePerplexityOverflowsIsRefusedAsDiverged(@TempDir Path dir) throws Exception {
        data(dir);
        Files.writeString(dir.resolve("t.txt"), "hello world, the quick brown fox. ".repeat(40));
        List<String> before = snapshot(dir);
        String text = run("train-text", "--text", dir.resolve("t.txt").toString(), "--out", dir.resolve("t").toString(), "--lr", "1e30", "--epochs", "1",
                "--hidden", "8", "--steps", "16").refusedAfterTraining("--lr", "diverged", "the held-out perplexity is Infinity").err();
        // each command names the options it has: train-text has no --clip or --on-non-finite
        assertFalse(text.contains("--clip") || text.contains("--on-non-finite"), text);
        String fit = run(fit(dir, "--lr", "1e30")).refusedAfterTraining("--lr", "diverged", "all of --x", "perplexity Infinity", "--clip").err();
        // every step's loss was finite, so skipping non-finite batches would have changed nothing: not advised
        assertFalse(fit.contains("--on-non-finite"), fit);
        assertEquals(before, snapshot(dir));
    }

    /** --vocab 0 silently meant "no vocabulary"; no vocabulary has fewer than two ids. */
    @Test
    void aVocabularyOfFewerThanTwoIdsIsRefused(@TempDir Path dir) throws Exception {
        data(dir);
        tokenIds(dir, 2);
        List<String> before = snapshot(dir);
        for (String v : new String[] {"0", "1", "-3"}) {
            String[] a = fit(dir, "--vocab", v);
            a[2] = dir.resolve("ids.npy").toString();
            run(a).refused("--vocab: expected the number of distinct token ids, at least 2", "leave --vocab out", "got " + v);
        }
        assertEquals(before, snapshot(dir));
    }

    /**
     * Without --vocab, fit took an X of [N, T] as one float feature a step: integer token ids trained as
     * magnitudes. X is [N, T, F] there (as Keras's recurrent layers take it); [N, T] is refused saying how to
     * give either meaning. tune, which has no --vocab, says where token ids go.
     */
    @Test
    void anXOfNAndTWithoutVocabIsRefusedSayingWhatItTakes(@TempDir Path dir) throws Exception {
        data(dir);
        tokenIds(dir, 4);
        Npy.write(dir.resolve("f.npy"), Tensor.of(new float[40 * 5], 40, 5));
        List<String> before = snapshot(dir);
        String[] a = fit(dir);
        a[2] = dir.resolve("ids.npy").toString();
        run(a).refused("--x " + dir.resolve("ids.npy") + ": expected [N, T, F], got [40, 5] integers, token ids by the look of them (token ids take --vocab V;"
                + " for one feature a step, reshape to [40, 5, 1])");
        a[2] = dir.resolve("f.npy").toString();
        run(a).refused("--x " + dir.resolve("f.npy") + ": expected [N, T, F], got [40, 5] floats (for one feature a step, reshape to [40, 5, 1];"
                + " token ids take --vocab V)");
        String tune = run("tune", "--x", dir.resolve("ids.npy").toString(), "--y", dir.resolve("y.npy").toString(), "--task", "classification",
                "--trials", "1", "--epochs", "1", "--out", dir.resolve("t").toString())
                .refused("--x", "ids.npy", "integers, token ids by the look of them (token ids take --vocab V;").err();
        assertTrue(tune.startsWith("vecrnn tune:"), tune);
        assertEquals(before, snapshot(dir));
    }

    /**
     * fit printed its final figures as a Java map ({loss=0.69..., accuracy=0.5}); they read as the epoch lines'
     * do now. --clip's range read [0, 9223372036854775807]: the rule is a finite number >= 0.
     */
    @Test
    void fitSaysItsFiguresAndItsClipRuleAsAPersonWould(@TempDir Path dir) throws Exception {
        data(dir);
        Result r = run(fit(dir));
        assertEquals(0, r.code(), r.err());
        assertTrue(Pattern.compile("(?m)^best epoch 1; on all data: loss \\d+\\.\\d{4}  accuracy \\d\\.\\d{4}  f1 \\d\\.\\d{4}  perplexity \\d+\\.\\d{4}$")
                .matcher(r.out()).find(), r.out());
        Result none = run(fit(dir, "--patience", "-1", "--overwrite"));
        assertEquals(0, none.code(), none.err());
        assertTrue(none.out().contains("\nlast epoch 1 (--patience -1: no early stopping); on all data: loss "), none.out());
        for (String clip : new String[] {"-1", "Infinity", "NaN"}) {
            run(fit(dir, "--clip", clip)).refused("--clip: expected a finite number >= 0, got " + Double.parseDouble(clip));
        }
    }
}
