package dev.vecrnn.cli;

import dev.vecrnn.nn.io.internal.Untrusted;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * The {@code vecrnn} command line and its error contract: a bad input or option gets one line on stderr
 * naming the file or option and what was expected, exit code 2, no stack trace; outputs appear together
 * at the end or not at all ({@link Outputs}), and no input is written over.
 */
@Command(name = "vecrnn", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Recurrent neural networks on the JDK Vector API.",
        subcommands = {InferCommand.class, FitCommand.class, PredictCommand.class, EvaluateCommand.class, QuantizeCommand.class, TrainTextCommand.class, SampleCommand.class, DemoCommand.class, TuneCommand.class, ForecastCommand.class})
public final class Main implements Runnable {
    /** The longest error line printed; what a file makes a message say is cut well before this. */
    static final int MAX_LINE = 600;

    public static void main(String[] args) {
        StderrHandback.run();
        Stdout.install();
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (0, 2 for any error). */
    static int run(String... args) {
        return execute(commandLine(), args);
    }

    /** The command line with its error handlers. */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        // every command's help offers -V, --version; a subcommand has no version of its own (it printed nothing)
        for (CommandLine sub : cl.getSubcommands().values()) sub.getCommandSpec().versionProvider(cl.getCommandSpec().versionProvider());
        wrapBetweenWords(cl);
        // "@name" arguments stay arguments: picocli would open and read the file (a FIFO blocks) before any check
        cl.setExpandAtFiles(false);
        // an empty path is the current directory to Path.of: `--out ""` wrote into it
        cl.registerConverter(java.nio.file.Path.class, Main::path);
        // a number as Check.isNumber reads one: picocli's converters are Java's valueOf, which took --lr 1e-3f and 0x1p-4
        cl.registerConverter(Double.class, v -> Double.valueOf(number(v)));
        cl.registerConverter(Double.TYPE, v -> Double.valueOf(number(v)));
        cl.registerConverter(Float.class, v -> Float.valueOf(number(v)));
        cl.registerConverter(Float.TYPE, v -> Float.valueOf(number(v)));
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> fail(cmd.getErr(), "vecrnn " + cmd.getCommandName(), message(e)));
        // picocli's own refusals (an unknown option, a missing one, a bad number) name the command as every other refusal does
        cl.setParameterExceptionHandler((e, a) -> fail(e.getCommandLine().getErr(), e.getCommandLine().getCommandSpec().qualifiedName(),
                e.getMessage() + " (try --help)"));
        return cl;
    }

    /**
     * Help text wrapped at spaces only: picocli wraps the synopsis and descriptions where Java's line BreakIterator allows,
     * which includes after a dot ("--input=X." / "npy", "DIR/model." / "safetensors"). Each description entry is a
     * paragraph, wrapped to the usage width.
     */
    private static void wrapBetweenWords(CommandLine root) {
        List<CommandLine> all = new ArrayList<>(List.of(root));
        all.addAll(root.getSubcommands().values());
        for (CommandLine c : all) {
            Map<String, CommandLine.IHelpSectionRenderer> sections = c.getHelpSectionMap();
            sections.put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_SYNOPSIS, help -> {
                int heading = help.synopsisHeadingLength();
                String line = unwrapped(help, () -> help.synopsis(heading)).strip();
                return wrap(line, help.commandSpec().usageMessage().width(), heading, heading + help.commandSpec().qualifiedName().length() + 1);
            });
            sections.put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_DESCRIPTION, help -> {
                StringBuilder sb = new StringBuilder();
                for (String paragraph : help.commandSpec().usageMessage().description()) {
                    sb.append(wrap(paragraph, help.commandSpec().usageMessage().width(), 0, 0));
                }
                return sb.toString();
            });
            // the option and command lists: picocli's columns, with each line's description wrapped here
            sections.put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_OPTION_LIST, help -> {
                String wide = unwrapped(help, help::optionList);
                String first = help.commandSpec().findOption("--help").description()[0];
                int column = wide.lines().filter(l -> l.contains(first)).findFirst().map(l -> l.indexOf(first)).orElse(-1);
                return column < 0 ? help.optionList() : rewrap(wide, help.commandSpec().usageMessage().width(), column);
            });
            sections.put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST, help -> {
                String wide = unwrapped(help, help::commandList);
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("^ *\\S+ +").matcher(wide);
                return m.find() ? rewrap(wide, help.commandSpec().usageMessage().width(), m.end()) : help.commandList();
            });
        }
    }

    /** What {@code section} renders with the usage width lifted, so that picocli wraps nothing. */
    private static String unwrapped(CommandLine.Help help, java.util.function.Supplier<String> section) {
        CommandLine.Model.UsageMessageSpec usage = help.commandSpec().usageMessage();
        int width = usage.width();
        try {
            usage.width(10_000);
            return section.get();
        } finally {
            usage.width(width);
        }
    }

    /** Lines of two columns (the second from {@code column} on) with the second wrapped to {@code width}, indented by 2 as picocli does. */
    private static String rewrap(String lines, int width, int column) {
        StringBuilder out = new StringBuilder();
        for (String line : lines.lines().toList()) {
            if (line.length() <= width || line.length() <= column) out.append(line.stripTrailing()).append('\n');
            else out.append(line, 0, column).append(wrap(line.substring(column), width, column, column + 2));
        }
        return out.toString();
    }

    /**
     * {@code text} wrapped at spaces to lines ending by column {@code width}: the first starts at column {@code first} (after
     * a heading printed before it), the others are indented by {@code indent}.
     */
    static String wrap(String text, int width, int first, int indent) {
        StringBuilder out = new StringBuilder();
        int column = first;
        boolean lineStart = true;
        for (String word : text.strip().split(" +")) {
            if (!lineStart && column + 1 + word.length() > width) {
                out.append('\n').append(" ".repeat(indent));
                column = indent;
                lineStart = true;
            }
            if (!lineStart) {
                out.append(' ');
                column++;
            }
            out.append(word);
            column += word.length();
            lineStart = false;
        }
        return out.append('\n').toString();
    }

    /** The version the build gives the project (cli/pom.xml filters it into version.properties), as "vecrnn VERSION". */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws java.io.IOException {
            java.util.Properties p = new java.util.Properties();
            try (java.io.InputStream in = Main.class.getResourceAsStream("version.properties")) {
                if (in == null) throw new java.io.IOException("version.properties is missing from the build");
                p.load(in);
            }
            return new String[] {"vecrnn " + p.getProperty("version")};
        }
    }

    /** A path option's value: any path but the empty string (and one the file system can name). */
    private static java.nio.file.Path path(String value) {
        if (value.isEmpty()) throw new CommandLine.TypeConversionException("expected a path, got an empty string");
        try {
            return java.nio.file.Path.of(value);
        } catch (java.nio.file.InvalidPathException e) {
            throw new CommandLine.TypeConversionException("expected a path, got " + Untrusted.quote(value) + " (" + e.getReason() + ")");
        }
    }

    /** A number option's value, once {@link Check#isNumber} says it is one. */
    private static String number(String value) {
        String number = Check.javaNumber(value);
        if (number == null) throw new CommandLine.TypeConversionException("expected a decimal number, got " + Untrusted.quote(value));
        return number;
    }

    /**
     * The path of a file a command writes (predict's --out, evaluate's --json, forecast's --png, fit's --checkpoint),
     * as {@link #path} takes it, but not one that names a directory by its form: a trailing separator or a last
     * element "." or "..". Path.of drops the separator, so that "--out preds/" wrote a file named preds (where
     * open(2) refuses to create "preds/").
     */
    static final class OutputFile implements CommandLine.ITypeConverter<java.nio.file.Path> {
        @Override
        public java.nio.file.Path convert(String value) {
            java.nio.file.Path p = path(value);
            java.nio.file.Path last = p.getFileName();
            if (value.endsWith("/") || value.endsWith(java.io.File.separator) || last == null || last.toString().equals(".")
                    || last.toString().equals("..")) {
                throw new CommandLine.TypeConversionException("expected a file to write, got " + Untrusted.quote(value)
                        + ", which names a directory (a file in it needs a name of its own)");
            }
            return p;
        }
    }

    /**
     * Runs {@code args} on {@code cl}; an Error no check foresaw is one line and exit code 2 as well, and so is a run
     * that succeeded but could not write its stdout ({@link #stdoutWritten}).
     */
    static int execute(CommandLine cl, String... args) {
        try {
            int code = cl.execute(args);
            return code == 0 ? stdoutWritten(cl) : code;
        } catch (OutOfMemoryError e) {
            // a size no check foresaw; whatever the command staged was removed on the way out (Outputs.close)
            long max = Runtime.getRuntime().maxMemory();
            return fail(cl.getErr(), commandPath(cl), "out of memory: the inputs or options need more than the "
                    + HeapBudget.human(max) + " heap this JVM may use (raise it with VECRNN_JAVA_OPTS=-Xmx<size>, or use smaller sizes)");
        } catch (StackOverflowError e) {
            return fail(cl.getErr(), commandPath(cl), "stack overflow: an input nested too deeply or a size too large for the stack");
        }
    }

    /**
     * 0 where what the run printed reached stdout, else 2 and the line "cannot write standard output: REASON" (a full
     * disk, a closed descriptor; a broken pipe stays quiet, see {@link Stdout#failure}). A run that failed otherwise has
     * said so in its own line, which stays the only one.
     */
    private static int stdoutWritten(CommandLine cl) {
        // picocli's help and version go through a PrintWriter of each command's over System.out, buffered
        cl.getOut().flush();
        for (CommandLine sub : cl.getSubcommands().values()) sub.getOut().flush();
        java.io.IOException e = Stdout.failure();
        return e == null ? 0 : fail(cl.getErr(), commandPath(cl), stdoutFailed(e));
    }

    /** What a run says when its stdout failed with {@code e}. */
    static String stdoutFailed(java.io.IOException e) {
        return "cannot write standard output: " + Stdout.reason(e);
    }

    /** The command that ran, as its refusals name it: "vecrnn fit", or "vecrnn" where no subcommand was parsed. */
    private static String commandPath(CommandLine cl) {
        CommandLine.ParseResult p = cl.getParseResult();
        while (p != null && p.subcommand() != null) p = p.subcommand();
        return p == null ? "vecrnn" : p.commandSpec().qualifiedName();
    }

    /** Prints "prefix: message" as one escaped line and returns exit code 2. */
    private static int fail(PrintWriter err, String prefix, String message) {
        err.println(oneLine(prefix + ": " + message));
        err.flush();
        return 2;
    }

    /** What a failure says: the exception's own message, with the file named where Java's I/O leaves it bare. */
    static String message(Throwable e) {
        if (e instanceof NoSuchFileException f) return f.getFile() + ": no such file or directory";
        if (e instanceof AccessDeniedException f) return f.getFile() + ": permission denied";
        if (e instanceof NotDirectoryException f) return f.getFile() + ": not a directory";
        if (e instanceof java.nio.file.FileAlreadyExistsException f) return f.getFile() + ": already exists";
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getFile() + (f.getOtherFile() == null ? "" : " -> " + f.getOtherFile()) + ": " + f.getReason();
        }
        if (e instanceof CharacterCodingException) return "input is not valid UTF-8 text";
        boolean jdkDefect = e.getClass().getName().startsWith("java.") && (e instanceof ArithmeticException
                || e instanceof IndexOutOfBoundsException || e instanceof NullPointerException || e instanceof ClassCastException);
        if (e.getMessage() == null || jdkDefect) {
            // not a refusal but a defect: still one line, and the kind of failure for the report
            return "internal error (" + e + "); please report it with the command line";
        }
        return e.getMessage();
    }

    /**
     * One printable line: control characters (line breaks, escape sequences, bidirectional overrides)
     * shown as {@code \n}, {@code \x1b}, {@code \u202e}; longer than {@link #MAX_LINE} characters, cut.
     */
    static String oneLine(String s) {
        return Untrusted.printable(s, MAX_LINE);
    }

    /**
     * A file name the user gave, for a line the command prints ("wrote P.npy", "saved m/model.safetensors"): escaped as
     * {@link #oneLine} escapes (a newline in a name would split the line, an escape sequence drive the terminal), never cut.
     */
    static String shown(Object name) {
        return Untrusted.printable(String.valueOf(name), Integer.MAX_VALUE);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
