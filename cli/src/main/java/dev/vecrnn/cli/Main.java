package dev.vecrnn.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code vecrnn} command line. Errors are one line on stderr and exit code 2; no output file is
 * left half-written.
 */
@Command(name = "vecrnn", mixinStandardHelpOptions = true, version = "vecrnn 0.1.0",
        description = "Recurrent neural networks on the JDK Vector API.",
        subcommands = {InferCommand.class, FitCommand.class, PredictCommand.class, TrainTextCommand.class, SampleCommand.class, DemoCommand.class, TuneCommand.class, ForecastCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (0, 2 for any error). */
    static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            String msg = e.getMessage() == null ? e.toString() : e.getMessage();
            cmd.getErr().println("vecrnn " + cmd.getCommandName() + ": " + msg);
            return 2;
        });
        cl.setParameterExceptionHandler((e, a) -> {
            e.getCommandLine().getErr().println("vecrnn: " + e.getMessage() + " (try --help)");
            return 2;
        });
        return cl.execute(args);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
