package dev.vecrnn.nn;

import dev.vecrnn.kernels.Kernels;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Allocation tests: {@link #assertAllocationFree} runs a test class's {@code main} in a fresh JVM, so that
 * other tests' profiles do not decide what C2 inlines, and checks the lines that {@link #measure} printed there.
 */
public final class FreshJvm {
    private FreshJvm() {
    }

    /**
     * Runs main's class in a fresh JVM; each of the {@code expected} results must be under one byte per item.
     * Where one JVM allocates, a second fresh JVM measures again and decides: JDK 17's C2 sometimes compiles a
     * Vector API tile without one of its intrinsics, depending on the order in which concurrent threads got
     * their methods compiled (seen on JDK 17 at 128 bits under {@code -XX:UseAVX=2}: the bf16 8-row tile's
     * final stores, in about one fresh JVM in five, never in JDK 25). An allocation that every JVM makes
     * still fails the test, and the first JVM's figures are printed either way.
     */
    public static void assertAllocationFree(Class<?> main, int expected, String item) throws Exception {
        String failures = failures(results(main, new ArrayList<>()), expected, item);
        if (!failures.isEmpty()) {
            System.out.println("ALLOCATION in the first fresh JVM, measuring again in a second one:" + failures);
            List<String> second = new ArrayList<>();
            String again = failures(results(main, second), expected, item);
            assertTrue(again.isEmpty(), () -> item + "s still allocating after warm-up, in two fresh JVMs:" + again
                    + (second.isEmpty() ? "" : "\n  where the second one's samples were taken (JFR, by weight):\n    "
                    + String.join("\n    ", second)));
        }
    }

    private static String failures(List<String> results, int expected, String item) {
        assertEquals(expected, results.size(), () -> "results missing: " + results);
        StringBuilder failures = new StringBuilder();
        for (String r : results) {
            String[] f = r.split("\t");
            if (Double.parseDouble(f[2]) >= 1) failures.append(String.format("%n  %s thread %s: %s bytes per %s", f[0], f[1], f[2], item));
        }
        return failures.toString();
    }

    /**
     * The lines main printed in a fresh JVM that start with "RESULT ", without that prefix; those that start
     * with "SITE " (where an allocating path allocated, see {@link #sites}) go to {@code sites}.
     */
    private static List<String> results(Class<?> main, List<String> sites) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        if (Kernels.panama() != null) cmd.addAll(List.of("--add-modules", "jdk.incubator.vector"));
        // the width this JVM was given (-XX:UseAVX=2, -XX:MaxVectorSize=16): the child measures the same kernels
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("-XX:") || a.startsWith("-Dvecrnn.kernels")) cmd.add(a);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        Path log = Files.createTempFile(main.getSimpleName(), ".txt");
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean finished = child.waitFor(5, TimeUnit.MINUTES);
        if (!finished) child.destroyForcibly().waitFor();
        String all = Files.readString(log);
        Files.delete(log);
        System.out.print(all);
        assertTrue(finished, () -> "the measuring JVM did not finish:\n" + all);
        assertEquals(0, child.exitValue(), () -> "the measuring JVM failed:\n" + all);
        all.lines().filter(l -> l.startsWith("SITE ")).map(l -> l.substring(5)).forEach(sites::add);
        return all.lines().filter(l -> l.startsWith("RESULT ")).map(l -> l.substring(7)).toList();
    }

    /**
     * In the fresh JVM: {@code threads} threads start together, each running rounds of its own work (made by
     * {@code work.apply(thread)} before the start) and measuring the bytes it allocates with
     * {@code ThreadMXBean.getCurrentThreadAllocatedBytes}, until one round allocates under one byte per
     * item or {@code patienceNanos} have passed. Prints "RESULT what thread bytes-per-item" per thread. Throws
     * (failing the fresh JVM) when a thread fails, or when the JVM cannot count allocations: a counter that reads
     * -1 would give differences of 0 and pass everything.
     */
    public static void measure(String what, int threads, int itemsPerRound, long patienceNanos, IntFunction<Runnable> work)
            throws InterruptedException {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        mx.setThreadAllocatedMemoryEnabled(true); // UnsupportedOperationException where the JVM cannot count
        allocated(mx);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CyclicBarrier start = new CyclicBarrier(threads);
        String[] lines = new String[threads];
        double[] last = new double[threads];
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread th = new Thread(() -> {
                try {
                    Runnable round = work.apply(thread);
                    start.await();
                    long begin = System.nanoTime();
                    double perItem;
                    do {
                        round.run();
                        round.run();
                        long before = allocated(mx);
                        round.run();
                        perItem = (allocated(mx) - before) / (double) itemsPerRound;
                    } while (perItem >= 1 && System.nanoTime() - begin < patienceNanos);
                    last[thread] = perItem;
                    lines[thread] = String.format("RESULT %s\t%d\t%.2f\t(after %d ms)", what, thread, perItem,
                            (System.nanoTime() - begin) / 1_000_000);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            ts.add(th);
            th.start();
        }
        for (Thread th : ts) th.join();
        if (failure.get() != null) throw new IllegalStateException(what + ": a measuring thread failed", failure.get());
        for (String l : lines) if (l != null) System.out.println(l);
        if (Arrays.stream(last).anyMatch(b -> b >= 1)) sites(what, work.apply(0));
    }

    /**
     * Where {@code round} allocates, for a failure to name: JFR's allocation samples over a second of rounds
     * (the code compiled as it is now), grouped by their top frames and printed as "SITE share what: frames"
     * lines, heaviest first. A box that C2 failed to eliminate shows as an allocation in the kernel itself, at
     * the line of the vector it boxed.
     */
    private static void sites(String what, Runnable round) {
        Map<String, Long> weights = new HashMap<>();
        try (Recording r = new Recording()) {
            r.enable("jdk.ObjectAllocationSample").withStackTrace().with("throttle", "10000/s");
            for (int i = 0; i < 3; i++) round.run();
            r.start();
            long end = System.nanoTime() + 1_000_000_000L;
            while (System.nanoTime() < end) round.run();
            r.stop();
            Path file = Files.createTempFile("allocation", ".jfr");
            try {
                r.dump(file);
                for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
                    RecordedStackTrace st = e.getStackTrace();
                    if (st == null) continue;
                    String frames = frames(st.getFrames());
                    weights.merge(e.getClass("objectClass").getName() + " at " + frames, e.getLong("weight"), Long::sum);
                }
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException | RuntimeException | LinkageError e) {
            System.out.println("SITE " + what + ": no allocation samples (" + e + ")");
            return;
        }
        long total = weights.values().stream().mapToLong(Long::longValue).sum();
        weights.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(4)
                .forEach(w -> System.out.printf("SITE %s %.0f%%: %s%n", what, 100.0 * w.getValue() / Math.max(1, total), w.getKey()));
    }

    /** The top two frames, then (where they are not vecrnn's) the first two of vecrnn's: "Class.method:line < ...". */
    private static String frames(List<RecordedFrame> all) {
        int own = 0;
        while (own < all.size() && !all.get(own).getMethod().getType().getName().startsWith("dev.vecrnn.")) own++;
        String top = all.stream().limit(2).map(FreshJvm::frame).collect(Collectors.joining(" < "));
        if (own < 2 || own >= all.size()) return top;
        return top + (own > 2 ? " < ... < " : " < ") + all.stream().skip(own).limit(2).map(FreshJvm::frame).collect(Collectors.joining(" < "));
    }

    private static String frame(RecordedFrame f) {
        return f.getMethod().getType().getName().replaceAll(".*\\.", "") + "." + f.getMethod().getName() + ":" + f.getLineNumber();
    }

    /** The bytes this thread has allocated so far; never the -1 of a JVM that is not counting. */
    public static long allocated(com.sun.management.ThreadMXBean mx) {
        long n = mx.getCurrentThreadAllocatedBytes();
        if (n < 0) throw new IllegalStateException("ThreadMXBean.getCurrentThreadAllocatedBytes() is " + n + ": the JVM is not counting"
                + " (supported " + mx.isThreadAllocatedMemorySupported() + ", enabled " + mx.isThreadAllocatedMemoryEnabled() + ")");
        return n;
    }
}
