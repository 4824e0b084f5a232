package dev.vecrnn.cli;

import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

import java.util.HashMap;
import java.util.Map;

/**
 * The training options that several commands share, {@code --epochs}, {@code --batch}, {@code --lr},
 * {@code --seed} and {@code --threads}, each declared once here with its range check, as a picocli
 * {@code @Mixin} of its own: a command mixes in the ones it has (tune searches the learning rate, so it has
 * no {@code --lr}; demo has only {@code --threads}, sample only {@code --seed}, for its draws).
 * <p>The defaults differ from command to command (fit trains 20 epochs, train-text 3), and an annotation
 * cannot vary by use, so no option here has one: each command names its defaults in a {@link Defaults}
 * given as its {@code defaultValueProvider}. Help shows them through {@code ${DEFAULT-VALUE}} as it would
 * an annotation's.
 * <p>{@code get()} returns the value after its range check; commands call it first where they check their
 * options, so a refusal names the same option as before whatever else is wrong.
 */
final class TrainingOptions {
    private TrainingOptions() {
    }

    /** {@code --epochs}, at least 1. */
    static final class Epochs {
        @Option(names = "--epochs", paramLabel = "<epochs>", description = "(default ${DEFAULT-VALUE})") int value;

        int get() {
            return Check.atLeast("--epochs", value, 1);
        }
    }

    /** {@code --batch}, at least 1. */
    static final class Batch {
        @Option(names = "--batch", paramLabel = "<batch>", description = "(default ${DEFAULT-VALUE})") int value;

        int get() {
            return Check.atLeast("--batch", value, 1);
        }
    }

    /** {@code --lr}, a rate a float holds above zero ({@link Check#positive}). */
    static final class LearningRate {
        @Option(names = "--lr", paramLabel = "<lr>", description = "learning rate (default ${DEFAULT-VALUE})") double value;

        double get() {
            return Check.positive("--lr", value);
        }
    }

    /** {@code --seed}: any long. */
    static final class Seed {
        @Option(names = "--seed", paramLabel = "<seed>", description = "random seed; the same seed gives the same result (default ${DEFAULT-VALUE})") long value;

        long get() {
            return value;
        }
    }

    /** {@code --threads}, in [1, {@link Check#MAX_THREADS}]. */
    static final class Threads {
        @Option(names = "--threads", paramLabel = "<threads>", description = "threads for training (default ${DEFAULT-VALUE})") int value;

        int get() {
            return Check.threads(value);
        }
    }

    /**
     * One command's defaults for the options above, by option name. Every option a command mixes in needs
     * one here (without it, it would start at 0 and help would show no default).
     */
    static class Defaults implements IDefaultValueProvider {
        private final Map<String, String> values = new HashMap<>();

        /** {@code optionsAndValues}: an option name, its default, the next name, its default, and so on. */
        Defaults(String... optionsAndValues) {
            for (int i = 0; i < optionsAndValues.length; i += 2) values.put(optionsAndValues[i], optionsAndValues[i + 1]);
        }

        @Override
        public String defaultValue(ArgSpec arg) {
            return arg instanceof OptionSpec o ? values.get(o.longestName()) : null;
        }
    }
}
