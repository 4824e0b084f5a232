package dev.vecrnn.gradcheck;

import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.nn.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The library as its users take it: an application compiled against the modules kernels and nn, run on the
 * module path with no JVM flag, and the same classes run on the class path with and without
 * {@code --add-modules jdk.incubator.vector}. Runs on whatever JDK runs the suite (25, and 17 in the jdk17 module).
 */
class ModulePathTest {
    private static final String MAIN = """
            package app;

            import dev.vecrnn.kernels.Kernels;
            import dev.vecrnn.nn.recurrent.CellType;
            import dev.vecrnn.nn.recurrent.Recurrent;
            import dev.vecrnn.nn.recurrent.RecurrentConfig;
            import dev.vecrnn.nn.recurrent.StreamState;

            public class Main {
                public static void main(String[] args) {
                    Recurrent lstm = new Recurrent(RecurrentConfig.of(CellType.LSTM, 3, 5), 7);
                    StreamState s = lstm.newState();
                    float[] out = new float[5];
                    for (int t = 0; t < 4; t++) lstm.step(new float[] {t, -t, 0.5f}, s, out);
                    System.out.println("kernels " + Kernels.get().name());
                    System.out.println("h " + out[0]);
                }
            }
            """;

    @TempDir
    Path dir;

    private Path appSources() throws IOException {
        Path src = Files.createDirectories(dir.resolve("src/app"));
        Files.writeString(dir.resolve("src/module-info.java"), "module app {\n    requires dev.vecrnn.nn;\n}\n");
        Files.writeString(src.resolve("Main.java"), MAIN);
        return dir.resolve("src");
    }

    @Test
    void aModularApplicationGetsTheVectorKernelsWithoutFlags() throws Exception {
        assumeTrue(Kernels.panama() != null, "this JVM cannot run the Vector API kernels (no FMA, or not HotSpot)");
        Path src = appSources();
        Path classes = dir.resolve("classes");
        String modulePath = location(Kernels.class) + java.io.File.pathSeparator + location(Model.class);
        Result javac = javac("-d", classes.toString(), "--module-path", modulePath,
                src.resolve("module-info.java").toString(), src.resolve("app/Main.java").toString());
        assertEquals(0, javac.code, () -> "the application does not compile against the modules:\n" + javac.output);

        Result run = java("--module-path", modulePath + java.io.File.pathSeparator + classes, "-m", "app/app.Main");
        assertEquals(0, run.code, run.output);
        assertTrue(run.output.contains("kernels " + Kernels.panama().name()), () -> "expected the Vector API kernels:\n" + run.output);
        assertFalse(run.output.contains("scalar kernels"), run.output);

        // the same application on the class path with the flag: the same kernels and the same bits
        Result flagged = java("--add-modules", "jdk.incubator.vector", "-cp", modulePath + java.io.File.pathSeparator + classes, "app.Main");
        assertEquals(0, flagged.code, flagged.output);
        assertEquals(line(run.output, "h "), line(flagged.output, "h "), "module path and class path compute the same bits");
    }

    @Test
    void theInternalPackagesAreNotExported() throws Exception {
        Path src = Files.createDirectories(dir.resolve("peek/peek"));
        Files.writeString(dir.resolve("peek/module-info.java"), "module peek {\n    requires dev.vecrnn.nn;\n}\n");
        Files.writeString(src.resolve("Peek.java"), "package peek;\n\npublic class Peek {\n"
                + "    Object json = dev.vecrnn.nn.io.internal.Json.class;\n}\n");
        String modulePath = location(Kernels.class) + java.io.File.pathSeparator + location(Model.class);
        Result javac = javac("-d", dir.resolve("peek-classes").toString(), "--module-path", modulePath,
                dir.resolve("peek/module-info.java").toString(), src.resolve("Peek.java").toString());
        assertNotEquals(0, javac.code, "dev.vecrnn.nn.io.internal must not be exported");
        assertTrue(javac.output.contains("dev.vecrnn.nn.io.internal") && javac.output.contains("not"), javac.output);
    }

    @Test
    void onTheClassPathWithoutTheFlagTheScalarKernelsRunAndOneLineSaysWhy() throws Exception {
        Path src = appSources();
        Path classes = dir.resolve("classes");
        String classPath = location(Kernels.class) + java.io.File.pathSeparator + location(Model.class);
        Result javac = javac("-d", classes.toString(), "-cp", classPath, "--add-modules", "jdk.incubator.vector",
                src.resolve("app/Main.java").toString());
        assertEquals(0, javac.code, javac.output);
        Result run = java("-cp", classPath + java.io.File.pathSeparator + classes, "app.Main");
        assertEquals(0, run.code, run.output);
        assertTrue(run.output.contains("kernels scalar"), run.output);
        List<String> why = run.output.lines().filter(l -> l.contains("--add-modules jdk.incubator.vector")).toList();
        assertEquals(1, why.size(), () -> "one line naming the flag:\n" + run.output);
        assertNotEquals("", line(run.output, "h "));
    }

    private static String line(String output, String prefix) {
        return output.lines().filter(l -> l.startsWith(prefix)).findFirst().orElse("");
    }

    private static String location(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    private record Result(int code, String output) {
    }

    private static Result javac(String... args) {
        var tool = java.util.spi.ToolProvider.findFirst("javac").orElseThrow(() -> new AssertionError("a JDK (javac) runs the tests"));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        int code = tool.run(out, out, args);
        return new Result(code, bytes.toString(StandardCharsets.UTF_8));
    }

    private static Result java(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        // the width this JVM was given (-XX:UseAVX=2, -XX:MaxVectorSize=16, -Dvecrnn.kernels.registers), so the
        // application chooses the kernels this JVM did; no --add-modules
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("-XX:") || a.startsWith("-Dvecrnn.kernels")) cmd.add(a);
        }
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "the application did not finish");
        return new Result(p.exitValue(), output);
    }
}
