package dev.vecrnn.bench.report;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gate's baseline file: the committed one is valid, a wrong one is refused with its line and key named,
 * and a floor given for one width replaces the one for every width only at that width.
 */
class GateTest {
    private static final Path FILE = Path.of("baseline.properties");

    private static GateBaseline parse(String text) {
        return GateBaseline.parse(text.lines().toList(), FILE);
    }

    private static List<String> keys(List<GateBaseline.Check> checks) {
        return checks.stream().map(GateBaseline.Check::key).toList();
    }

    /** The message of the error {@code text} raises; it must be one line naming the file and {@code line}. */
    private static String error(String text, int line) {
        var e = assertThrows(IllegalArgumentException.class, () -> parse(text));
        assertTrue(e.getMessage().startsWith(FILE + ":" + line + ": "), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        return e.getMessage();
    }

    @Test
    void theCommittedBaselineNamesRealRowsWithBaselines() throws Exception {
        // Maven runs the tests in the module's directory.
        GateBaseline b = GateBaseline.load(Path.of("gate-baseline.properties"));
        assertTrue(b.quickMargin() > 0 && b.quickMargin() <= 1, "quick.margin " + b.quickMargin());
        for (int bits : new int[] {128, 256, 512}) {
            for (boolean vnni : new boolean[] {false, true}) {
                List<GateBaseline.Check> checks = b.checks(bits, vnni);
                assertFalse(checks.isEmpty(), "no checks at " + bits + " bits");
                for (GateBaseline.Check c : checks) {
                    if (c.speedup()) {
                        assertTrue(c.row().baseline() != null, c.key());
                        // only against ONNX Runtime's VNNI integer products, which the Vector API cannot compile to
                        if (!c.key().endsWith("@vnni")) {
                            assertTrue(c.limit() >= 1, c.key() + ": a floor below 1 would let vecrnn fall behind its baseline");
                        }
                    }
                }
            }
        }
    }

    @Test
    void checksFollowTheTableOrder() {
        GateBaseline b = parse("quick.margin = 0.6\nalloc.step-lstm-64 = 16\nspeedup.gemv-lstm-64 = 4\nspeedup.step-lstm-64 = 3\n");
        List<GateBaseline.Check> checks = b.checks(512);
        assertEquals(List.of("speedup.gemv-lstm-64", "speedup.step-lstm-64", "alloc.step-lstm-64"), keys(checks));
        assertEquals(16, checks.get(2).limit());
        assertFalse(checks.get(2).speedup());
        assertEquals(0.6, b.quickMargin());
    }

    @Test
    void aFloorForOneWidthReplacesTheGeneralOneThereOnly() {
        GateBaseline b = parse("""
                # tanh: 6x everywhere, 4x where the vectors are 256 bits
                quick.margin = 0.5
                speedup.tanh = 6
                speedup.tanh@256 = 4
                ! a floor only at 512 bits
                alloc.step-lstm-64@512 = 16
                speedup.sigmoid@128 = 2.5
                """);
        List<GateBaseline.Check> at256 = b.checks(256), at512 = b.checks(512), at128 = b.checks(128);
        assertEquals(List.of("speedup.tanh@256"), keys(at256));
        assertEquals(4, at256.get(0).limit());
        assertEquals(List.of("speedup.tanh", "alloc.step-lstm-64@512"), keys(at512));
        assertEquals(6, at512.get(0).limit());
        assertEquals(List.of("speedup.tanh", "speedup.sigmoid@128"), keys(at128));
        assertEquals(2.5, at128.get(1).limit());
        assertEquals(List.of("speedup.tanh"), keys(b.checks(64)));
    }

    @Test
    void aVnniFloorReplacesTheOthersOnAVnniCpuOnly() {
        GateBaseline b = parse("""
                quick.margin = 0.6
                speedup.step-lstm-256-int8 = 1
                speedup.step-lstm-256-int8@vnni = 0.6
                speedup.step-lstm-256-int8@512 = 1.3
                """);
        assertEquals(List.of("speedup.step-lstm-256-int8@512"), keys(b.checks(512)));
        assertEquals(List.of("speedup.step-lstm-256-int8"), keys(b.checks(256)));
        assertEquals(List.of("speedup.step-lstm-256-int8@vnni"), keys(b.checks(512, true)));
        assertEquals(0.6, b.checks(256, true).get(0).limit());
        assertTrue(error("quick.margin = 1\nspeedup.tanh@avx = 2\n", 2).contains("or vnni after @"));
    }

    @Test
    void anOverrideWrittenFirstStillWins() {
        GateBaseline b = parse("speedup.tanh@256 = 4\nspeedup.tanh = 6\nquick.margin = 1\n");
        assertEquals(4, b.checks(256).get(0).limit());
        assertEquals(6, b.checks(512).get(0).limit());
    }

    @Test
    void refusesUnknownRowsKindsAndNumbersNamingTheLine() {
        String ok = "quick.margin = 0.6\n";
        assertTrue(error(ok + "speedup.step-lstm-65 = 3\n", 2).contains("step-lstm-65"));
        assertTrue(error(ok + "faster.step-lstm-64 = 3\n", 2).contains("faster.step-lstm-64"));
        assertTrue(error(ok + "\n\nspeedup.step-lstm-64 = three\n", 4).contains("'three'"));
        assertTrue(error("speedup.step-lstm-64 = 3   # a comment after the value\n", 1).contains("# a comment"),
                "no inline comments");
        assertTrue(error(ok + "alloc.step-lstm-64 = -1\n", 2).contains("alloc.step-lstm-64"));
        assertTrue(error(ok + "speedup.tanh = 1e400\n", 2).contains("'1e400'"));
        assertTrue(error(ok + "speedup.tanh = Infinity\n", 2).contains("'Infinity'"));
        assertTrue(error("quick.margin = 1.5\n", 1).contains("quick.margin"));
        var e = assertThrows(IllegalArgumentException.class, () -> parse("quick.margin = 0.5\n"));
        assertTrue(e.getMessage().contains("no checks"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> parse("speedup.tanh = 6\n"));
        assertTrue(e.getMessage().contains("missing quick.margin"), e.getMessage());
    }

    @Test
    void refusesBadWidthsRepeatsAndLinesThatAreNotKeyValue() {
        String ok = "quick.margin = 0.6\n";
        assertTrue(error(ok + "speedup.tanh@255 = 4\n", 2).contains("speedup.tanh@255"));
        assertTrue(error(ok + "speedup.tanh@ = 4\n", 2).contains("bits"));
        assertTrue(error(ok + "speedup.tanh@avx2 = 4\n", 2).contains("'avx2'"));
        assertTrue(error(ok + "speedup.tanh@256@512 = 4\n", 2).contains("speedup.tanh@256@512"));
        assertTrue(error(ok + "quick.margin@256 = 0.5\n", 2).contains("quick.margin@256"));
        assertTrue(error(ok + "speedup.tanh = 6\nspeedup.tanh@256 = 4\nspeedup.tanh = 5\n", 4).contains("line 2"));
        assertTrue(error(ok + "speedup.tanh 6\n", 2).contains("key = value"));
        assertTrue(error(ok + "speedup.tanh : 6\n", 2).contains("key = value"));
        assertTrue(error(ok + "speedup.tanh = \\\n  6\n", 2).contains("continuation"));
    }

    @Test
    void refusesASpeedupFloorOnARowWithoutBaseline() {
        // Every row has a baseline today; the check stays for the day one does not.
        for (Comparison c : Comparison.all(false)) {
            if (c.baseline() == null) assertTrue(error("quick.margin = 1\nspeedup." + c.id() + " = 2\n", 2).contains("no baseline"));
        }
    }

    @Test
    void speedupsAreTimeRatiosOrThroughputRatios() {
        var w = new WidthProfiler.Width(512, 512);
        var time = new Jmh.Score("a", Map.of(), 2, 2, 2, "us/op", 0, w);
        var slowerTime = new Jmh.Score("b", Map.of(), 6, 6, 6, "us/op", 0, w);
        assertEquals(3, BenchTable.speedup(time, slowerTime), 1e-12);
        var fast = new Jmh.Score("a", Map.of(), 2.4, 2.4, 2.4, "ops/ns", 0, w);
        var slow = new Jmh.Score("b", Map.of(), 0.6, 0.6, 0.6, "ops/ns", 0, w);
        assertEquals(4, BenchTable.speedup(fast, slow), 1e-12);
    }

    @Test
    void onlyOnnxRuntimeRatiosAtANarrowerWidthThanTheMachinesAreNotAtOneWidth() {
        int machine = Comparison.machineBits();
        var narrower = new WidthProfiler.Width(machine / 2, machine / 2);
        var own = new WidthProfiler.Width(machine, machine);
        Comparison ort = Comparison.byId("sequence-lstm-64"), scalar = Comparison.byId("tanh"), streams = Comparison.byId("streams-lstm-256");
        assertTrue(ort.baselineIgnoresJvmOptions());
        assertTrue(ort.baselineWiderThan(narrower));
        assertFalse(ort.baselineWiderThan(own));
        assertTrue(Comparison.byId("step-lstm-256-int8").baselineWiderThan(narrower), "ONNX Runtime's int8 LSTM is native code too");
        assertFalse(Comparison.byId("step-lstm-1024-int8").baselineWiderThan(narrower), "vecrnn fp32 runs under the forks' options");
        // Baselines on the JVM run under the forks' options: their ratios are at one width wherever they run.
        assertFalse(scalar.baselineWiderThan(narrower));
        assertFalse(streams.baselineWiderThan(narrower));
    }
}
