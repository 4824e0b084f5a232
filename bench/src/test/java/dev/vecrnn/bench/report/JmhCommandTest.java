package dev.vecrnn.bench.report;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ./vecrnn bench}'s careless command lines: JMH's unknown options ("-bogus" was "Error parsing command line:" and
 * " b is not a recognized option", exit code 1), the table's options given to JMH, a pattern no benchmark matches, and
 * {@code bench --table --only} with an id that is no row (a stack trace) or a row --quick leaves out (an empty table).
 */
class JmhCommandTest {

    private static String refused(String... args) {
        String r = JmhCommand.refusal(args);
        assertTrue(r != null, String.join(" ", args) + " was taken");
        assertEquals(1, r.lines().count(), r);
        return r;
    }

    @Test
    void jmhsOwnRefusalsAreOneLineNamingTheArgument() {
        assertTrue(refused("-bogus").startsWith("unknown option '-bogus'"), refused("-bogus"));
        assertTrue(refused("GatesGemvBench", "--frobnicate").startsWith("unknown option '--frobnicate'"));
        assertTrue(refused("--widths", "foo").startsWith("--widths: an option of bench --table and bench --gate"));
        assertTrue(refused("-f", "1", "--table").startsWith("--table: "));
        assertTrue(refused("-f", "abc").contains("abc"), refused("-f", "abc"));
        assertTrue(refused("NoSuchBench").contains("no benchmark matches 'NoSuchBench'"), refused("NoSuchBench"));
        // what JMH takes is left to it
        for (List<String> ok : List.<List<String>>of(List.of("-l"), List.of("-h"), List.of("GatesGemvBench", "-p", "size=256"), List.of("-lprof"), List.of())) {
            assertNull(JmhCommand.refusal(ok.toArray(String[]::new)), ok.toString());
        }
    }

    @Test
    void onlyNamesRowsOfTheTableItRuns() {
        var e = assertThrows(IllegalArgumentException.class, () -> BenchTable.rows(List.of("nosuchrow"), false));
        assertTrue(e.getMessage().contains("no benchmark row 'nosuchrow'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BenchTable.rows(List.of("tanh", "gemv-lstm-1024"), true));
        assertTrue(e.getMessage().startsWith("--only: the row 'gemv-lstm-1024' is not in the --quick table"), e.getMessage());
        assertEquals(List.of("gemv-lstm-1024", "tanh"), BenchTable.rows(List.of("tanh", "gemv-lstm-1024"), false).stream().map(Comparison::id).toList());
    }
}
