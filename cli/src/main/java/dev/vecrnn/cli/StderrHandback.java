package dev.vecrnn.cli;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Takes the process's stderr back from the launcher's filter. {@code ./vecrnn} runs java with stderr through
 * a filter that drops the JDK's incubator warning (printed before any vecrnn code runs), and keeps the real
 * stderr open on the descriptor named by {@value #ENV}. The filter is a separate process: a line java wrote
 * could still be on its way through it when java had exited, so a caller that read a {@code 2> file} at once
 * now and then found it empty (an exit code 2 with no line). Once main runs, the warning is past, so fd 2 is
 * pointed at the real stderr again ({@code dup2}): every line vecrnn writes is out before java exits, and the
 * filter, its pipe closed, ends. Where anything fails the filter stays in place, as before.
 */
final class StderrHandback {
    /** The environment variable naming the descriptor that holds the real stderr. */
    static final String ENV = "VECRNN_STDERR_FD";

    private StderrHandback() {
    }

    /** Points fd 2 at the descriptor {@value #ENV} names and closes that one; true where it did. */
    static boolean run() {
        String fd = System.getenv(ENV);
        if (fd == null || !fd.matches("[3-9]|[1-9][0-9]{1,3}")) return false;
        int from = Integer.parseInt(fd);
        try {
            Linker linker = Linker.nativeLinker();
            FunctionDescriptor intInt = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT);
            MethodHandle dup2 = linker.downcallHandle(linker.defaultLookup().find("dup2").orElseThrow(), intInt);
            MethodHandle close = linker.downcallHandle(linker.defaultLookup().find("close").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            System.err.flush();
            if ((int) dup2.invokeExact(from, 2) != 2) return false;
            int closed = (int) close.invokeExact(from);
            return closed == 0;
        } catch (Throwable e) {
            return false; // no linker, no dup2, a JVM without native access: the filter passes everything on
        }
    }
}
