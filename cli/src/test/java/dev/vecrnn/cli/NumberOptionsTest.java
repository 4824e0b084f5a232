package dev.vecrnn.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Path;
import java.util.List;

import static dev.vecrnn.cli.ContractTest.data;
import static dev.vecrnn.cli.ContractTest.fit;
import static dev.vecrnn.cli.ContractTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static java.nio.file.Files.exists;

/**
 * Number options read as a person writes a number, and as Python's float() reads one: picocli's double and float
 * converters are Java's Double.valueOf, which also takes a type suffix ({@code --lr 1e-3f}, {@code --clip 2d}) and
 * hexadecimal ({@code --lr 0x1p-4}, 1/16), so a typo trained as a number; --class-weight and --pos-weight parsed
 * theirs the same way.
 */
class NumberOptionsTest {

    @Test
    void javaSpellingsOfANumberAreRefusedNamingTheOption(@TempDir Path dir) throws Exception {
        data(dir);
        Path m = dir.resolve("m");
        List<String[]> cases = List.of(
                new String[] {"--lr", "1e-3f"}, new String[] {"--lr", "0x1p-4"}, new String[] {"--clip", "2d"},
                new String[] {"--dropout", "0.5F"}, new String[] {"--val", "0.2D"}, new String[] {"--class-weight", "1f,2"},
                new String[] {"--class-weight", "1,0x2"});
        for (String[] c : cases) {
            run(fit(dir, c[0], c[1])).refused("vecrnn fit: ", c[0], "'" + c[1] + "'");
            assertFalse(exists(m), "a model was saved for " + String.join(" ", c));
        }
        run("sample", "--model", m.toString(), "--temperature", "0.8f").refused("vecrnn sample: ", "--temperature", "'0.8f'");
        run("train-text", "--text", dir.resolve("t.txt").toString(), "--out", m.toString(), "--held-out", "0x0.2p0")
                .refused("vecrnn train-text: ", "--held-out", "'0x0.2p0'");
    }

    @Test
    void decimalSpellingsReadAsPythonsFloatReadsThem() {
        String[][] cases = {{"1e-3", "0.001"}, {"1E-3", "0.001"}, {".5", "0.5"}, {"5.", "5.0"}, {"+0.25", "0.25"}, {" 0.01 ", "0.01"}, {"2", "2.0"}};
        for (String[] c : cases) {
            CommandLine cl = Main.commandLine();
            cl.parseArgs("fit", "--x", "x.npy", "--y", "y.npy", "--task", "regression", "--out", "m", "--lr", c[0], "--clip", c[0]);
            FitCommand cmd = cl.getSubcommands().get("fit").getCommand();
            assertEquals(Double.parseDouble(c[1]), cmd.lr.get(), c[0]);
            assertEquals(Double.parseDouble(c[1]), cmd.clip, c[0]);
        }
        // NaN and Infinity still parse, to be refused by each option's range check in its words
        CommandLine cl = Main.commandLine();
        cl.parseArgs("fit", "--x", "x.npy", "--y", "y.npy", "--task", "regression", "--out", "m", "--clip", "-Infinity", "--dropout", "NaN");
        FitCommand cmd = cl.getSubcommands().get("fit").getCommand();
        assertEquals(Double.NEGATIVE_INFINITY, cmd.clip);
        assertEquals(Float.NaN, cmd.dropout);
        assertEquals(List.of(0.5, 2.0), java.util.Arrays.stream(ClassOptions.weightList("--class-weight", "0.5, 2e0", "class")).boxed().toList());
    }

    @Test
    void pythonsSpellingsOfNanAndTheInfinitiesReadInAnyCase() {
        String[][] cases = {{"nan", "NaN"}, {"-NaN", "NaN"}, {"inf", "Infinity"}, {"-INF", "-Infinity"}, {"+infinity", "Infinity"},
                {" Infinity ", "Infinity"}};
        for (String[] c : cases) {
            CommandLine cl = Main.commandLine();
            cl.parseArgs("fit", "--x", "x.npy", "--y", "y.npy", "--task", "regression", "--out", "m", "--clip", c[0]);
            FitCommand cmd = cl.getSubcommands().get("fit").getCommand();
            assertEquals(Double.parseDouble(c[1]), cmd.clip, c[0]);
        }
        assertEquals(List.of(Double.POSITIVE_INFINITY, 2.0),
                java.util.Arrays.stream(ClassOptions.weightList("--class-weight", "inf,2", "class")).boxed().toList());
        for (String no : new String[] {"1_000", "infinit", "nana", "1e", "1.2.3", "..5", "."}) assertFalse(Check.isNumber(no), no);
    }

    /** The pattern runs in time linear in its input: with greedy quantifiers this input backtracked for hours. */
    @Test
    void aLongRunOfDigitsEndingInAnotherCharacterIsRefusedAtOnce() {
        String digits = "1".repeat(200_000);
        assertFalse(Check.isNumber(digits + "x"));
        assertFalse(Check.isNumber(digits + "." + digits + "e"));
        assertEquals(digits, Check.javaNumber(digits));
    }
}
