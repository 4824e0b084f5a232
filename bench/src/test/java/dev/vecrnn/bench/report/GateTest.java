package dev.vecrnn.bench.report;

import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gate's baseline file: the committed one is valid, and a wrong one is refused with its key named. */
class GateTest {
    private static final Path FILE = Path.of("baseline.properties");

    private static List<Gate.Check> parse(String text) throws Exception {
        Properties p = new Properties();
        p.load(new StringReader(text));
        return Gate.checks(p, FILE);
    }

    @Test
    void theCommittedBaselineNamesRealRowsWithBaselines() throws Exception {
        // Maven runs the tests in the module's directory.
        Properties p = Gate.load(Path.of("gate-baseline.properties"));
        List<Gate.Check> checks = Gate.checks(p, FILE);
        assertFalse(checks.isEmpty());
        double margin = Double.parseDouble(p.getProperty("quick.margin"));
        assertTrue(margin > 0 && margin <= 1, "quick.margin " + margin);
        for (Gate.Check c : checks) {
            if (c.speedup()) {
                assertNotNull(c.row().baseline(), c.key());
                assertTrue(c.limit() >= 1, c.key() + ": a floor below 1 would let vecrnn fall behind its baseline");
            }
        }
    }

    @Test
    void checksFollowTheTableOrder() throws Exception {
        List<Gate.Check> checks = parse("alloc.step-lstm-64 = 16\nspeedup.gemv-lstm-64 = 4\nspeedup.step-lstm-64 = 3\n");
        assertEquals(List.of("speedup.gemv-lstm-64", "speedup.step-lstm-64", "alloc.step-lstm-64"),
                checks.stream().map(Gate.Check::key).toList());
        assertEquals(16, checks.get(2).limit());
        assertFalse(checks.get(2).speedup());
    }

    @Test
    void refusesUnknownRowsKindsAndNumbers() {
        var e = assertThrows(IllegalArgumentException.class, () -> parse("speedup.step-lstm-65 = 3\n"));
        assertTrue(e.getMessage().contains("step-lstm-65"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> parse("faster.step-lstm-64 = 3\n"));
        assertTrue(e.getMessage().contains("faster.step-lstm-64"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> parse("speedup.step-lstm-64 = three\n"));
        assertTrue(e.getMessage().contains("'three'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> parse("speedup.step-lstm-64 = 3   # a comment after the value\n"));
        assertTrue(e.getMessage().contains("# a comment"), "Properties has no inline comments: " + e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> parse("alloc.step-lstm-64 = -1\n"));
        assertTrue(e.getMessage().contains("alloc.step-lstm-64"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> parse("quick.margin = 0.5\n"));
        assertTrue(e.getMessage().contains("no checks"), e.getMessage());
    }

    @Test
    void speedupsAreTimeRatiosOrThroughputRatios() {
        var time = new Jmh.Score("a", java.util.Map.of(), 2, 2, 2, "us/op", 0);
        var slowerTime = new Jmh.Score("b", java.util.Map.of(), 6, 6, 6, "us/op", 0);
        assertEquals(3, BenchTable.speedup(time, slowerTime), 1e-12);
        var fast = new Jmh.Score("a", java.util.Map.of(), 2.4, 2.4, 2.4, "ops/ns", 0);
        var slow = new Jmh.Score("b", java.util.Map.of(), 0.6, 0.6, 0.6, "ops/ns", 0);
        assertEquals(4, BenchTable.speedup(fast, slow), 1e-12);
    }
}
