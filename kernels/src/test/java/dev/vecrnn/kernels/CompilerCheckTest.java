package dev.vecrnn.kernels;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Whether C2 compiles the Vector API, read from the flags' values: JDK 17 takes {@code -Djava.compiler=NONE}
 * for {@code -Xint} and {@code -XX:-UseCompiler} turns every JIT off, neither on the command line as
 * {@code -Xint}; the Vector API kernels were chosen there and ran as slow Java code. {@code
 * -XX:TieredStopAtLevel=1} with {@code -XX:-TieredCompilation} leaves C2 on, where the scalar kernels were chosen.
 */
class CompilerCheckTest {

    @Test
    void c2OffByTheFlagsValues() {
        List<String> none = List.of();
        assertNull(KernelSelection.withoutC2("true", "default", "true", "4", none));
        // JDK 17: -Xint, -Djava.compiler=NONE and -XX:-UseCompiler all read UseCompiler=false
        assertTrue(KernelSelection.withoutC2("false", "default", "false", "4", none).contains("JIT compilers are off"));
        assertTrue(KernelSelection.withoutC2("true", "quick-only", "true", "4", none).contains("CompilationMode=quick-only"));
        assertTrue(KernelSelection.withoutC2("true", "default", "true", "1", none).contains("TieredStopAtLevel=1"));
        assertTrue(KernelSelection.withoutC2("true", "default", "true", "0", none).contains("TieredStopAtLevel=0"));
        // TieredStopAtLevel only stops tiered compilation: without it C2 compiles everything
        assertNull(KernelSelection.withoutC2("true", "default", "false", "1", List.of("-XX:TieredStopAtLevel=1")));
        // C2 only (high-only) is fine
        assertNull(KernelSelection.withoutC2("true", "high-only", "true", "4", none));
    }

    @Test
    void commandLineSearchedWhereTheFlagsCannotBeRead() {
        assertTrue(KernelSelection.withoutC2(null, null, null, null, List.of("-Xss4m", "-Xint")).contains("(-Xint)"));
        assertTrue(KernelSelection.withoutC2(null, null, null, null, List.of("-XX:TieredStopAtLevel=2")).contains("TieredStopAtLevel=2"));
        assertTrue(KernelSelection.withoutC2(null, null, null, null, List.of("-XX:CompilationMode=quick-only")).contains("quick-only"));
        assertNull(KernelSelection.withoutC2(null, null, null, null, List.of("-XX:TieredStopAtLevel=4", "-Xss4m")));
    }

    /** A fresh JVM with the module and every JIT off (not by -Xint): the scalar kernels, and the reason. */
    @Test
    void freshJvmWithoutCompilersChoosesScalar() throws IOException, InterruptedException {
        assumeTrue(Kernels.panama() != null, "the Vector API kernels cannot run here anyway");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-XX:-UseCompiler", "-cp", System.getProperty("java.class.path"),
                CompilerCheckTest.class.getName()));
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(2, TimeUnit.MINUTES), out);
        assertEquals(0, child.exitValue(), out);
        String line = out.lines().filter(l -> l.startsWith("CHOSEN ")).findFirst().orElse(null);
        assertNotNull(line, out);
        assertTrue(line.startsWith("CHOSEN scalar: the JIT compilers are off"), out);
    }

    /** Runs in the fresh JVM: prints the kernels chosen and why. */
    public static void main(String[] args) {
        System.out.println("CHOSEN " + Kernels.get().name() + ": " + Kernels.whyNoPanama());
    }
}
