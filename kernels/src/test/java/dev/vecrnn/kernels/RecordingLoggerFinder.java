package dev.vecrnn.kernels;

import java.text.MessageFormat;
import java.util.List;
import java.util.ResourceBundle;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * The test JVMs' {@link System.LoggerFinder} (registered in {@code META-INF/services}): it keeps every
 * record of the kernels' logger, as {@code "LEVEL message"}, so that FallbackTest can read what the
 * selection logged; other loggers print WARNING and above to stderr, as the JDK's default would.
 */
public final class RecordingLoggerFinder extends System.LoggerFinder {
    private static final List<String> KERNELS = new CopyOnWriteArrayList<>();

    /** The records of the logger {@code dev.vecrnn.kernels} so far. */
    static List<String> kernelRecords() {
        return List.copyOf(KERNELS);
    }

    @Override
    public System.Logger getLogger(String name, Module module) {
        return new Recording(name);
    }

    private record Recording(String name) implements System.Logger {
        @Override
        public String getName() {
            return name;
        }

        @Override
        public boolean isLoggable(Level level) {
            return name.equals(KernelSelection.LOGGER) || level.getSeverity() >= Level.WARNING.getSeverity();
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
            keep(level, msg + (thrown == null ? "" : " " + thrown));
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            keep(level, params == null || params.length == 0 ? format : MessageFormat.format(format, params));
        }

        @Override
        public void log(Level level, Supplier<String> msgSupplier) {
            if (isLoggable(level)) keep(level, msgSupplier.get());
        }

        private void keep(Level level, String msg) {
            if (!isLoggable(level)) return;
            if (name.equals(KernelSelection.LOGGER)) {
                KERNELS.add(level.getName() + " " + msg);
            } else {
                System.err.println(name + " " + level.getName() + ": " + msg);
            }
        }
    }
}
