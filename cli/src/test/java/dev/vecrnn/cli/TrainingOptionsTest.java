package dev.vecrnn.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The shared training options ({@link TrainingOptions}) keep each command's own defaults: the mixins have
 * none, so a command that mixed one in without naming its default would start it at 0.
 */
class TrainingOptionsTest {
    private static final String[] SHARED = {"--epochs", "--batch", "--lr", "--seed", "--threads"};

    @Test
    void everyCommandKeepsItsDefaults() {
        Map<String, String> expected = new TreeMap<>(Map.of(
                "demo", "--threads=2",
                "fit", "--batch=32 --epochs=20 --lr=0.001 --seed=0 --threads=1",
                "forecast", "--epochs=40 --lr=0.005 --seed=0",
                "sample", "--seed=0",
                "train-text", "--batch=32 --epochs=3 --lr=0.005 --seed=0 --threads=1",
                "tune", "--batch=32 --epochs=15 --seed=0 --threads=1"));
        Map<String, String> got = new TreeMap<>();
        for (Map.Entry<String, CommandLine> c : Main.commandLine().getSubcommands().entrySet()) {
            Map<String, String> defaults = new TreeMap<>();
            for (String name : SHARED) {
                OptionSpec o = c.getValue().getCommandSpec().findOption(name);
                if (o != null) defaults.put(name, o.defaultValueString());
            }
            if (defaults.isEmpty()) continue;
            StringBuilder sb = new StringBuilder();
            defaults.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : " ").append(k).append('=').append(v));
            got.put(c.getKey(), sb.toString());
        }
        assertEquals(expected, got);
    }

    @Test
    void parsedValuesStartAtTheDefaults() {
        CommandLine cl = Main.commandLine();
        cl.parseArgs("fit", "--x", "x.npy", "--y", "y.npy", "--task", "regression", "--out", "m");
        FitCommand cmd = cl.getSubcommands().get("fit").getCommand();
        assertEquals(20, cmd.epochs.get());
        assertEquals(32, cmd.batch.get());
        assertEquals(0.001, cmd.lr.get());
        assertEquals(0, cmd.seed.get());
        assertEquals(1, cmd.threads.get());
    }
}
