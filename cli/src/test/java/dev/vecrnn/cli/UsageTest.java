package dev.vecrnn.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.OptionSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a user reads before and after a mistake: --help, --version, and picocli's own refusals. */
class UsageTest {

    /** Every command and the root, each with its full command path ("vecrnn fit"). */
    private static List<CommandLine> commands() {
        CommandLine root = Main.commandLine();
        List<CommandLine> all = new ArrayList<>(List.of(root));
        all.addAll(root.getSubcommands().values());
        return all;
    }

    /**
     * picocli broke help text where Java's line BreakIterator may, after a dot: "--input=X." / "npy" in infer's synopsis,
     * "MODELDIR/model." / "safetensors." and a lone "0" in fit's description. Every word of a command's description, of an
     * option's description and of the synopsis's "--option=LABEL" now appears whole on one line.
     */
    @Test
    void helpIsWrappedBetweenWordsOnly() {
        for (CommandLine c : commands()) {
            String usage = c.getUsageMessage(CommandLine.Help.Ansi.OFF);
            Set<String> words = Set.copyOf(Arrays.asList(usage.split("\\s+")));
            List<String> expected = new ArrayList<>();
            for (String paragraph : c.getCommandSpec().usageMessage().description()) expected.addAll(List.of(paragraph.strip().split(" +")));
            for (OptionSpec o : c.getCommandSpec().options()) {
                for (String d : o.description()) {
                    for (String w : d.strip().split(" +")) if (!w.contains("${")) expected.add(w);
                }
                if (o.arity().max() > 0) expected.add((o.required() ? "" : "[") + o.longestName() + "=" + o.paramLabel() + (o.required() ? "" : "]"));
            }
            for (CommandLine sub : c.getSubcommands().values()) {
                expected.addAll(List.of(sub.getCommandSpec().usageMessage().description()[0].strip().split(" +")));
            }
            String name = c.getCommandSpec().qualifiedName();
            for (String w : expected) assertTrue(words.contains(w), name + " --help breaks '" + w + "':\n" + usage);
            for (String line : usage.lines().toList()) {
                assertTrue(line.length() <= 80, name + " --help: a line of " + line.length() + " characters: " + line);
                String text = line.strip();
                assertFalse(!text.isEmpty() && text.length() <= 3 && !text.startsWith("-"), name + " --help: a lone '" + text + "':\n" + usage);
            }
        }
    }

    /** --version said 0.1.0 where the POM says 0.1.0-SNAPSHOT: it prints the build's version, and the launcher takes it too. */
    @Test
    void theVersionIsThePomsVersion() throws Exception {
        // Maven runs the tests in the module's directory; the parent POM holds the version every module inherits
        Matcher m = Pattern.compile("<artifactId>vecrnn-parent</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(Files.readString(Path.of("../pom.xml")));
        assertTrue(m.find(), "the parent POM's version");
        String expected = "vecrnn " + m.group(1);
        ContractTest.Result r = ContractTest.run("--version");
        assertEquals(0, r.code(), r.err());
        assertEquals(expected, r.out().strip());
        for (String cmd : List.of("fit", "evaluate", "forecast")) assertEquals(expected, ContractTest.run(cmd, "-V").out().strip(), cmd);
        assertTrue(Files.readString(Path.of("../vecrnn")).contains("--version | -V) run_filtered"), "./vecrnn --version runs the jar's");
    }

    /**
     * picocli's own refusals (an unknown option, a missing required one, a value that is not a number) began "vecrnn:"
     * where every other refusal of a command names it: they name the command too, on one line, with exit code 2.
     */
    @Test
    void picocliRefusalsNameTheCommand(@TempDir Path dir) throws Exception {
        ContractTest.data(dir);
        String[] fit = ContractTest.fit(dir, "--bogus");
        assertTrue(ContractTest.run(fit).refused("--bogus").err().startsWith("vecrnn fit: "));
        assertTrue(ContractTest.run(ContractTest.fit(dir, "--epochs", "ten")).refused("--epochs", "ten").err().startsWith("vecrnn fit: "));
        assertTrue(ContractTest.run("evaluate", "--x", "x.npy").refused("--model").err().startsWith("vecrnn evaluate: "));
        assertTrue(ContractTest.run("forecast", "--horizon", "2x").refused("--horizon").err().startsWith("vecrnn forecast: "));
        assertTrue(ContractTest.run("nosuch").refused("nosuch").err().startsWith("vecrnn: "));
        assertFalse(Files.exists(dir.resolve("m")));
    }
    /**
     * The README's command table against the commands themselves: every option a row names is one its command has,
     * and every default a row states, {@code [--hidden 64]} (or the first of {@code [--head last\|attention]}), is the
     * one --help shows, so the table cannot go on claiming an option or a default a command lost or changed (a
     * row may leave options out: fit's ends in "..." and --help lists them all). Commands the launcher runs
     * without picocli (bench, kernel-demo, mutation) are skipped; every picocli command must have a row.
     */
    @Test
    void theReadmesCommandTableMatchesTheCommands() throws Exception {
        Map<String, CommandLine> subcommands = Main.commandLine().getSubcommands();
        Map<String, String> rows = readmeRows();
        rows.forEach((name, cell) -> assertSynopsisMatches("README's " + name + " row", subcommands.get(name), cell));
        assertEquals(new TreeSet<>(subcommands.keySet()), rows.keySet(), "a README row for every command");
    }

    /** The README command table's first cells of the picocli commands, {@code ./vecrnn fit --x X.npy ...}, by command. */
    private static Map<String, String> readmeRows() throws java.io.IOException {
        Map<String, CommandLine> subcommands = Main.commandLine().getSubcommands();
        Map<String, String> rows = new java.util.TreeMap<>();
        for (String line : Files.readAllLines(Path.of("../README.md"))) {
            if (!line.startsWith("| `./vecrnn ")) continue;
            String cell = line.substring(3, line.indexOf("` |"));
            String name = cell.split(" ")[1];
            if (subcommands.containsKey(name)) rows.put(name, cell);
        }
        return rows;
    }

    /**
     * The same for {@code ./vecrnn --help}, the launcher's usage text: its line for demo showed {@code [--seconds 60]} alone,
     * where demo also takes {@code --threads} (default 2) and {@code --out}. Each picocli command's entry there (its first
     * line up to the description, and the lines of options under it) names only options the command has, with their
     * defaults, and every command has an entry; an entry that does not end in "..." or "[options]" names every option
     * the command's README row names.
     */
    @Test
    void theLaunchersUsageMatchesTheCommands() throws Exception {
        Map<String, CommandLine> subcommands = Main.commandLine().getSubcommands();
        String script = Files.readString(Path.of("../vecrnn"));
        int from = script.indexOf("usage() {");
        List<String> usage = script.substring(from, script.indexOf("\nEOF\n", from)).lines().toList();
        Set<String> entries = new TreeSet<>();
        Map<String, String> readme = readmeRows();
        for (int i = 0; i < usage.size(); i++) {
            Matcher m = Pattern.compile("^  ([a-z-]+)( .*)?$").matcher(usage.get(i));
            if (!m.matches() || !subcommands.containsKey(m.group(1))) continue;
            // the synopsis ends where two spaces set the description off on the same line
            StringBuilder synopsis = new StringBuilder(usage.get(i).strip().split(" {2,}")[0]);
            for (int k = i + 1; k < usage.size() && usage.get(k).strip().matches("(\\[|--).*"); k++) synopsis.append(' ').append(usage.get(k).strip());
            String name = m.group(1), entry = synopsis.toString();
            entries.add(name);
            assertSynopsisMatches("./vecrnn --help's " + name + " entry", subcommands.get(name), entry);
            if (entry.endsWith("...") || entry.endsWith("[options]")) continue;
            Matcher o = Pattern.compile("--[a-z0-9][a-z0-9-]*").matcher(readme.get(name));
            while (o.find()) {
                assertTrue(Pattern.compile(o.group() + "\\b").matcher(entry).find(),
                        "./vecrnn --help's " + name + " entry lacks " + o.group() + ", which the README's row names: " + entry);
            }
        }
        assertEquals(new TreeSet<>(subcommands.keySet()), entries, "an entry in ./vecrnn --help for every command");
    }

    /** Every option {@code synopsis} names is one of {@code c}'s, and every default it states is the one --help shows; {@code where} names it. */
    private static void assertSynopsisMatches(String where, CommandLine c, String synopsis) {
        Pattern stated = Pattern.compile("\\[(--[a-z0-9-]+) ([^\\]\\s]+)(?:\\]| \\\\?\\|)");
        Pattern number = Pattern.compile("-?[0-9.]+(e-?[0-9]+)?");
        String name = c.getCommandName();
        Matcher o = Pattern.compile("--[a-z0-9][a-z0-9-]*").matcher(synopsis);
        while (o.find()) assertNotNull(c.getCommandSpec().findOption(o.group()), where + " names " + o.group() + ", which " + name + " --help lacks");
        Matcher d = stated.matcher(synopsis);
        while (d.find()) {
            OptionSpec spec = c.getCommandSpec().findOption(d.group(1));
            String value = d.group(2).split("\\\\?\\|")[0];
            // the default as --help's ${DEFAULT-VALUE} finds it: the annotation's, the command's provider's, the field's
            String actual = spec.defaultValue();
            IDefaultValueProvider provider = c.getCommandSpec().defaultValueProvider();
            if (actual == null && provider != null) {
                try {
                    actual = provider.defaultValue(spec);
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }
            if (actual == null && spec.initialValue() != null) actual = String.valueOf(spec.initialValue());
            if (actual == null && number.matcher(value).matches()) {
                // a default the command applies itself (--val: none with --val-x) and its help states
                Matcher h = Pattern.compile("default (" + number.pattern() + ")").matcher(String.join(" ", spec.description()));
                assertTrue(h.find(), where + " states " + d.group(1) + " " + value + ", a default " + name + " --help does not state");
                actual = h.group(1);
            }
            if (actual == null) continue;   // a placeholder: [--vocab V], [--lengths L.npy]
            boolean same = number.matcher(value).matches() && number.matcher(actual).matches()
                    ? Double.parseDouble(value) == Double.parseDouble(actual) : value.equals(actual);
            assertTrue(same, where + " states " + d.group(1) + " " + value + ", where " + name + "'s default is " + actual);
        }
    }
}
