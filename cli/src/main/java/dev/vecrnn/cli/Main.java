package dev.vecrnn.cli;

import dev.vecrnn.nn.io.internal.Untrusted;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
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
@Command(name = "vecrnn", mixinStandardHelpOptions = true, version = "vecrnn 0.1.0",
        description = "Recurrent neural networks on the JDK Vector API.",
        subcommands = {InferCommand.class, FitCommand.class, PredictCommand.class, EvaluateCommand.class, QuantizeCommand.class, TrainTextCommand.class, SampleCommand.class, DemoCommand.class, TuneCommand.class, ForecastCommand.class})
public final class Main implements Runnable {
    /** The longest error line printed; what a file makes a message say is cut well before this. */
    static final int MAX_LINE = 600;

    public static void main(String[] args) {
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
        for (CommandLine sub : cl.getSubcommands().values()) sub.getCommandSpec().version(cl.getCommandSpec().version());
        // "@name" arguments stay arguments: picocli would open and read the file (a FIFO blocks) before any check
        cl.setExpandAtFiles(false);
        // an empty path is the current directory to Path.of: `--out ""` wrote into it
        cl.registerConverter(java.nio.file.Path.class, Main::path);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> fail(cmd.getErr(), "vecrnn " + cmd.getCommandName(), message(e)));
        cl.setParameterExceptionHandler((e, a) -> fail(e.getCommandLine().getErr(), "vecrnn", e.getMessage() + " (try --help)"));
        return cl;
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

    /** Runs {@code args} on {@code cl}; an Error no check foresaw is one line and exit code 2 as well. */
    static int execute(CommandLine cl, String... args) {
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            // a size no check foresaw; whatever the command staged was removed on the way out (Outputs.close)
            long max = Runtime.getRuntime().maxMemory();
            return fail(cl.getErr(), "vecrnn", "out of memory: the inputs or options need more than the "
                    + HeapBudget.human(max) + " heap this JVM may use (raise it with VECRNN_JAVA_OPTS=-Xmx<size>, or use smaller sizes)");
        } catch (StackOverflowError e) {
            return fail(cl.getErr(), "vecrnn", "stack overflow: an input nested too deeply or a size too large for the stack");
        }
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

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
