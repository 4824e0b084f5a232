package dev.vecrnn.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A series with a gap, a blank field or a "NaN" or "NA" cell (what pandas' read_csv reads as NaN, and what a
 * spreadsheet or a logger writes for a missing reading), was refused as "expected a finite number within float32's
 * range, got ''": true, but it read as a malformed number, and did not say that forecast takes one value a step
 * and that the gap is to be filled first.
 */
class ForecastGapsTest {

    private static Path series(Path dir, String name, String gap) throws Exception {
        StringBuilder csv = new StringBuilder("date,load\n");
        for (int i = 0; i < 120; i++) csv.append("2026-01-").append(i).append(',').append(i == 40 ? gap : Double.toString(100 + Math.sin(i / 4.0))).append('\n');
        return Files.writeString(dir.resolve(name), csv);
    }

    @Test
    void aMissingValueIsNamedAsOneWithTheWayToFillIt(@TempDir Path dir) throws Exception {
        String png = dir.resolve("p.png").toString();
        // pandas' default na_values, a few of them: each is NaN to read_csv
        for (String gap : new String[] {"", "NaN", "NA", "nan", "N/A", "null", "  "}) {
            Path csv = series(dir, "gap.csv", gap);
            String err = ContractTest.run("forecast", "--csv", csv.toString(), "--column", "load", "--epochs", "1", "--png", png)
                    .refused("--csv", "gap.csv", "line 42, column load", "a missing value", "interpolate").err();
            assertTrue(err.contains("one value a step"), err);
        }
        // a value that is not a number and not a missing one keeps the plain refusal
        Path word = series(dir, "word.csv", "oops");
        String err = ContractTest.run("forecast", "--csv", word.toString(), "--column", "load", "--png", png)
                .refused("--csv", "line 42, column load", "expected a finite number", "'oops'").err();
        assertFalse(err.contains("missing"), err);
        assertFalse(Files.exists(dir.resolve("p.png")));
    }

    /**
     * forecast --csv FILE without --column looked for the bundled series' column and was refused as
     * "--column co2_ppm: --csv FILE has no such column": an option the user never gave, named as if they had.
     */
    @Test
    void aCsvWithoutColumnIsAskedForOne(@TempDir Path dir) throws Exception {
        Path csv = series(dir, "s.csv", "1.5");
        String png = dir.resolve("p.png").toString();
        String err = ContractTest.run("forecast", "--csv", csv.toString(), "--png", png)
                .refused("--column", "s.csv", "co2_ppm", "the bundled series", "'date', 'load'").err();
        assertTrue(err.contains("--column NAME"), err);
        // given, it is named as given
        err = ContractTest.run("forecast", "--csv", csv.toString(), "--column", "co2_ppm", "--png", png).refused("--column co2_ppm", "no such column").err();
        assertFalse(err.contains("bundled"), err);
        assertFalse(Files.exists(dir.resolve("p.png")));
    }
}
