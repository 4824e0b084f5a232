package dev.vecrnn.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A command whose stdout could not be written exited 0 and said nothing (System.out swallows the IOException):
 * {@code vecrnn evaluate ... > /dev/full} lost its figures without a word. It is one line naming standard output and
 * exit code 2; a pipe whose reader has gone ({@code | head}) stays quiet, as before. Each case runs {@code Main} in a
 * JVM of its own, whose fd 1 is /dev/full or a closed pipe, as {@code ./vecrnn} runs it.
 */
class StdoutFailureTest {
    private static final Path FULL = Path.of("/dev/full");
    private static final String NO_SPACE = "cannot write standard output: No space left on device";

    /** A launched command's exit code and stderr, the JDK's incubator warning left out as the launcher leaves it out. */
    record Launched(int code, String err) {
        /** Asserts exit code 2 and one stderr line, "PREFIX: cannot write standard output: No space left on device". */
        void refused(String prefix) {
            assertEquals(2, code, "exit code; stderr: " + err);
            assertEquals(prefix + ": " + NO_SPACE, err.strip(), "one line naming standard output");
        }
    }

    /** {@code Main} with {@code args} in a fresh JVM, stdout to {@code stdout} (null: a pipe closed at once). */
    private static Launched launch(Path dir, File stdout, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED"));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-modules")) cmd.add(a);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        Path err = Files.createTempFile(dir, "stderr", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().remove(StderrHandback.ENV);
        if (stdout != null) pb.redirectOutput(stdout);
        Process p = pb.start();
        // no reader: the JVM's writes to the pipe fail with EPIPE (once the pipe's buffer is full, if not at once)
        if (stdout == null) p.getInputStream().close();
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "the command did not end");
        String text = Files.readString(err, StandardCharsets.UTF_8).lines()
                .filter(l -> !l.equals("WARNING: Using incubator modules: jdk.incubator.vector")).map(l -> l + "\n").reduce("", String::concat);
        return new Launched(p.exitValue(), text);
    }

    private static Path fitted(Path dir) throws IOException {
        ContractTest.data(dir);
        assertEquals(0, ContractTest.run(ContractTest.fit(dir)).code());
        return dir.resolve("m");
    }

    @Test
    void sampleToAFullDisk(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isWritable(FULL), "no /dev/full");
        Path tm = SampleStreamTest.model(dir);
        launch(dir, FULL.toFile(), "sample", "--model", tm.toString(), "--length", "20000").refused("vecrnn sample");
    }

    /** The figures are lost: the --json file, put in place after them, is not written either. */
    @Test
    void evaluateToAFullDiskWritesNoJson(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isWritable(FULL), "no /dev/full");
        Path m = fitted(dir);
        String[] eval = {"evaluate", "--model", m.toString(), "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("y.npy").toString()};
        launch(dir, FULL.toFile(), eval).refused("vecrnn evaluate");
        launch(dir, FULL.toFile(), ContractTest.append(eval, "--json", dir.resolve("e.json").toString())).refused("vecrnn evaluate");
        assertFalse(Files.exists(dir.resolve("e.json")));
    }

    /** fit prints its summary before it trains: the model is not saved for a run that exits 2. */
    @Test
    void fitToAFullDiskSavesNoModel(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isWritable(FULL), "no /dev/full");
        ContractTest.data(dir);
        launch(dir, FULL.toFile(), ContractTest.fit(dir)).refused("vecrnn fit");
        assertFalse(Files.exists(dir.resolve("m")));
    }

    /**
     * infer prints its one line once its files are in place: they stay, whole, the same as a run whose line was
     * printed, and the exit code says that the line was lost.
     */
    @Test
    void inferToAFullDiskKeepsItsCompleteOutputs(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isWritable(FULL), "no /dev/full");
        Path m = fitted(dir).resolve("model.safetensors");
        String x = dir.resolve("x.npy").toString();
        launch(dir, FULL.toFile(), "infer", "--model", m.toString(), "--input", x, "--out", dir.resolve("lost").toString()).refused("vecrnn infer");
        assertEquals(0, ContractTest.run("infer", "--model", m.toString(), "--input", x, "--out", dir.resolve("shown").toString()).code());
        assertArrayEquals(Files.readAllBytes(dir.resolve("shown/output.npy")), Files.readAllBytes(dir.resolve("lost/output.npy")));
    }

    @Test
    void helpToAFullDisk(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isWritable(FULL), "no /dev/full");
        launch(dir, FULL.toFile(), "--help").refused("vecrnn");
        launch(dir, FULL.toFile(), "fit", "--help").refused("vecrnn fit");
    }

    @Test
    void versionToAFullDisk(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isWritable(FULL), "no /dev/full");
        launch(dir, FULL.toFile(), "--version").refused("vecrnn");
    }

    /** A refusal's own line stays the only one, stdout full or not. */
    @Test
    void aRefusalToAFullDiskSaysOnlyItsOwnLine(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isWritable(FULL), "no /dev/full");
        Launched r = launch(dir, FULL.toFile(), "sample", "--model", dir.resolve("none").toString());
        assertEquals(2, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("vecrnn sample: --model") && !r.err().contains("standard output"), r.err());
    }

    /**
     * A pipe whose reader has gone ({@code | head}): no line, and exit 0 as before. 200,000 characters are more than a
     * pipe holds, so the sample meets the closed pipe whenever its reader closed it.
     */
    @Test
    void aClosedPipeIsQuiet(@TempDir Path dir) throws Exception {
        Path tm = SampleStreamTest.model(dir);
        Launched r = launch(dir, null, "sample", "--model", tm.toString(), "--length", "200000");
        assertEquals(new Launched(0, ""), r);
        assertEquals(new Launched(0, ""), launch(dir, null, "--help"));
    }
}
