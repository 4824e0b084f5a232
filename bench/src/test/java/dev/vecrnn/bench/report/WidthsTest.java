package dev.vecrnn.bench.report;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The forks' JVM options per width, how a fork's report reads, and how the table marks a fork at another width. */
class WidthsTest {
    @Test
    void widthsNameTheirOptionsAndJvmArgsGoToEveryOne() {
        List<Widths.Forks> f = Widths.parse("native, avx2,128", List.of("-Xmx1g"), "amd64");
        assertEquals(List.of("native", "avx2", "128"), f.stream().map(Widths.Forks::name).toList());
        assertEquals(List.of("-Xmx1g"), f.get(0).jvmArgs());
        assertEquals(List.of("-Xmx1g", "-XX:UseAVX=2"), f.get(1).jvmArgs());
        assertEquals(List.of("-Xmx1g", "-XX:MaxVectorSize=16"), f.get(2).jvmArgs());
        assertEquals(List.of(new Widths.Forks("custom", List.of("-XX:UseAVX=2"))),
                Widths.parse(null, Widths.split("  -XX:UseAVX=2 "), "amd64"));
        assertEquals(List.of(Widths.Forks.NATIVE), Widths.parse(null, Widths.split(" "), "amd64"));
    }

    @Test
    void avx2IsLeftOutOffX86AndUnknownOrRepeatedNamesAreRefused() {
        assertEquals(List.of("native"), Widths.parse("native,avx2", List.of(), "aarch64").stream().map(Widths.Forks::name).toList());
        var e = assertThrows(IllegalArgumentException.class, () -> Widths.parse("native,256", List.of(), "amd64"));
        assertTrue(e.getMessage().contains("'256'") && e.getMessage().contains("avx2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Widths.parse("avx2,avx2", List.of(), "amd64"));
        assertTrue(e.getMessage().contains("twice"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Widths.parse("native,", List.of(), "amd64"));
        assertTrue(e.getMessage().contains("''"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Widths.parse("avx2", List.of(), "aarch64"));
        assertTrue(e.getMessage().contains("no width"), e.getMessage());
    }

    @Test
    void aSetAtTheWidthOfAnEarlierOneIsSkipped() throws Exception {
        // An AVX2 machine: -XX:UseAVX=2 changes nothing, so the second run would repeat the first.
        List<Widths.Forks> sets = Widths.parse("native,avx2,128", List.of(), "amd64");
        var avx2Machine = Widths.probe(sets, f -> new WidthProfiler.Width(f.name().equals("128") ? 128 : 256, 256), "test");
        assertEquals(List.of("native", "128"), avx2Machine.stream().map(p -> p.forks().name()).toList());
        var avx512Machine = Widths.probe(sets, f -> new WidthProfiler.Width(switch (f.name()) {
            case "native" -> 512;
            case "avx2" -> 256;
            default -> 128;
        }, 0), "test");
        assertEquals(List.of(512, 256, 128), avx512Machine.stream().map(p -> p.width().vectorBits()).toList());
    }

    @Test
    void kernelNamesGiveTheirWidth() {
        assertEquals(512, WidthProfiler.kernelBits("panama-512"));
        assertEquals(256, WidthProfiler.kernelBits("panama-256"));
        assertEquals(0, WidthProfiler.kernelBits("scalar"));
        assertEquals(0, WidthProfiler.kernelBits("panama-"));
        assertEquals("256-bit (panama-256)", new WidthProfiler.Width(256, 256).describe());
        assertEquals("64-bit (scalar)", new WidthProfiler.Width(64, 0).describe());
    }

    @Test
    void aCellMeasuredAtAnotherWidthSaysSo() throws Exception {
        Comparison tanh = Comparison.byId("tanh");
        var at512 = new WidthProfiler.Width(512, 512);
        var ours = new Jmh.Score("a", Map.of(), 2.4, 2.0, 2.5, "ops/ns", 0, new WidthProfiler.Width(256, 256));
        var base = new Jmh.Score("b", Map.of(), 0.2, 0.2, 0.2, "ops/ns", 0, at512);
        List<String> cells = BenchTable.cells(tanh, ours, base, null, at512);
        assertEquals("2.40 (2.00-2.50) [ran at 256-bit (panama-256)]", cells.get(0));
        assertEquals("scalar 0.200 (0.200-0.200)", cells.get(1));
        assertEquals("12.0x", cells.get(2));
    }
}
