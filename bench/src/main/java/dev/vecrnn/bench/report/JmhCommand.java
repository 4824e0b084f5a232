package dev.vecrnn.bench.report;

import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Set;

/**
 * {@code ./vecrnn bench [JMH options]}: JMH's own command line, with the CLI's error contract in front of it. JMH
 * answers an option it does not know with two lines ("Error parsing command line:" and " b is not a recognized
 * option" for {@code -bogus}) and exit code 1, and a pattern no benchmark matches with a list of them all; here
 * either is one line naming what the user typed, exit code 2, before JMH starts.
 */
public final class JmhCommand {
    private JmhCommand() {
    }

    /** The options of {@code bench --table} and {@code bench --gate}, which JMH does not take. */
    private static final Set<String> REPORT_OPTIONS = Set.of("--table", "--short", "--gate", "--quick", "--only", "--list", "--widths",
            "--jdks", "--jvm-args", "--baseline");

    public static void main(String[] args) throws Exception {
        String problem = refusal(args);
        if (problem != null) {
            System.err.println("vecrnn bench: " + problem);
            System.exit(2);
        }
        org.openjdk.jmh.Main.main(args);
    }

    /** Why JMH would refuse {@code args}, in one line naming the argument; null where JMH takes them. */
    static String refusal(String[] args) {
        for (String a : args) {
            if (REPORT_OPTIONS.contains(a)) {
                return a + ": an option of bench --table and bench --gate, which come first (./vecrnn bench --table " + a
                        + " ...; ./vecrnn bench --help), not of JMH";
            }
        }
        CommandLineOptions o;
        try {
            o = new CommandLineOptions(args);
        } catch (CommandLineOptionException e) {
            return unknown(e.getMessage(), args);
        }
        if (o.shouldHelp() || o.shouldList() || o.shouldListWithParams() || o.shouldListProfilers() || o.shouldListResultFormats()) {
            return null;
        }
        List<String> includes = o.getIncludes();
        if (includes.isEmpty()) return null;
        PrintStream silent = new PrintStream(OutputStream.nullOutputStream());
        if (BenchmarkList.defaultList().find(OutputFormatFactory.createFormatInstance(silent, VerboseMode.SILENT), includes, o.getExcludes()).isEmpty()) {
            return "no benchmark matches " + String.join(", ", includes.stream().map(i -> "'" + i + "'").toList())
                    + (o.getExcludes().isEmpty() ? "" : " but not " + String.join(", ", o.getExcludes())) + " (./vecrnn bench -l lists them)";
        }
        return null;
    }

    /**
     * JMH's parse error as one line: "x is not a recognized option" names a letter of a short option cluster or a long
     * option without its dashes, so the argument that holds it is named as typed.
     */
    private static String unknown(String message, String[] args) {
        String m = message == null ? "not a JMH command line" : message.strip().replaceAll("\\s+", " ");
        String suffix = " is not a recognized option";
        if (m.endsWith(suffix)) {
            String name = m.substring(0, m.length() - suffix.length());
            for (String a : args) {
                String bare = a.replaceFirst("^-+", "");
                if (a.startsWith("-") && (bare.equals(name) || bare.startsWith(name))) {
                    return "unknown option '" + a + "' (JMH's options: ./vecrnn bench -h)";
                }
            }
            return "unknown option '" + name + "' (JMH's options: ./vecrnn bench -h)";
        }
        return m + " (JMH's options: ./vecrnn bench -h)";
    }
}
