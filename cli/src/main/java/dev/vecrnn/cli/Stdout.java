package dev.vecrnn.cli;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;

/**
 * Standard output as a stream that keeps its first write failure. {@code System.out}, and picocli's PrintWriter over
 * it, swallow an IOException: {@code vecrnn evaluate ... > /dev/full} printed nothing and exited 0, where GNU tools say
 * {@code write error: No space left on device} and fail. {@link Main} installs one of these as {@code System.out}
 * before picocli runs and asks {@link #failure} once the command is done.
 */
final class Stdout extends PrintStream {
    private final Recorder recorder;

    private Stdout(Recorder recorder, Charset charset) {
        super(new BufferedOutputStream(recorder, 8192), true, charset);
        this.recorder = recorder;
    }

    /** A stdout writing to {@code target} in {@code charset} and keeping the first IOException the target throws. */
    static Stdout over(OutputStream target, Charset charset) {
        return new Stdout(new Recorder(target), charset);
    }

    /** Makes {@code System.out} one of these over the process's fd 1, in the charset the JVM chose for it. */
    static void install() {
        System.setOut(over(new FileOutputStream(FileDescriptor.out), System.out.charset()));
    }

    /**
     * Flushes {@code System.out} and returns the first write failure it met, or null: none, a stdout that is not one of
     * these (a test's), or a broken pipe, whose reader chose to stop ({@code | head}) and is told nothing, as {@code cat}
     * killed by SIGPIPE says nothing.
     */
    static IOException failure() {
        System.out.flush();
        IOException first = System.out instanceof Stdout s ? s.recorder.first : null;
        return first == null || brokenPipe(first) ? null : first;
    }

    /**
     * Whether a write failed for a pipe with no reader (EPIPE). The JDK's exception carries no errno, only
     * strerror's text: "Broken pipe" on Linux with JDK 17 and 25 alike (a full disk, /dev/full, gives "No space left on
     * device"; a closed fd 1 "Bad file descriptor").
     */
    static boolean brokenPipe(IOException e) {
        return e.getMessage() != null && e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("broken pipe");
    }

    /** What {@code e} says of the failure, for the line: "No space left on device". */
    static String reason(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /**
     * Passes writes on until one fails, then keeps that IOException and fails every later write with it without
     * writing: a text with a hole where a write failed is worse than one cut short.
     */
    private static final class Recorder extends OutputStream {
        private final OutputStream target;
        private volatile IOException first;

        Recorder(OutputStream target) {
            this.target = target;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            pass(() -> target.write(b, off, len));
        }

        @Override
        public void flush() throws IOException {
            pass(target::flush);
        }

        private interface Io {
            void run() throws IOException;
        }

        private synchronized void pass(Io io) throws IOException {
            if (first != null) throw first;
            try {
                io.run();
            } catch (IOException e) {
                first = e;
                throw e;
            }
        }
    }
}
