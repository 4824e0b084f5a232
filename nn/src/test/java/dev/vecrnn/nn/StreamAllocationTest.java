package dev.vecrnn.nn;

import dev.vecrnn.kernels.Kernels;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Eight threads stepping their own streams over one shared network allocate nothing per step once C2
 * has compiled the step (before that the Vector API boxes). Each thread measures itself with
 * {@code ThreadMXBean.getCurrentThreadAllocatedBytes}: rounds of steps until one allocates under one
 * byte per step, or 20 s. In a fresh JVM, so that other tests' profiles do not decide what C2 inlines.
 */
class StreamAllocationTest {
    private static final int ROUND = 5_000;
    private static final long PATIENCE_NANOS = 20_000_000_000L;
    private static final String[] PATHS = {"Recurrent.step", "Recurrent.stepMany", "Model.step"};

    @Test
    void eightThreadsSteppingSharedNetworksDoNotAllocate() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        if (Kernels.panama() != null) cmd.addAll(List.of("--add-modules", "jdk.incubator.vector"));
        // the width this JVM was given (-XX:UseAVX=2, -XX:MaxVectorSize=16): the child measures the same kernels
        for (String a : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("-XX:") || a.startsWith("-Dvecrnn.kernels")) cmd.add(a);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), StreamAllocationTest.class.getName()));
        Path log = Files.createTempFile("stream-allocation", ".txt");
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean finished = child.waitFor(5, TimeUnit.MINUTES);
        if (!finished) child.destroyForcibly().waitFor();
        String all = Files.readString(log);
        Files.delete(log);
        System.out.print(all);
        assertTrue(finished, () -> "the measuring JVM did not finish:\n" + all);
        assertEquals(0, child.exitValue(), () -> "the measuring JVM failed:\n" + all);
        List<String> results = all.lines().filter(l -> l.startsWith("RESULT ")).map(l -> l.substring(7)).toList();
        assertEquals(PATHS.length * ConcurrentStreamsTest.THREADS, results.size(), () -> "results missing:\n" + all);
        StringBuilder failures = new StringBuilder();
        for (String r : results) {
            String[] f = r.split("\t");
            if (Double.parseDouble(f[2]) >= 1) failures.append(String.format("%n  %s thread %s: %s bytes per step", f[0], f[1], f[2]));
        }
        assertTrue(failures.isEmpty(), () -> "steps still allocating after warm-up:" + failures);
    }

    /** In the fresh JVM: per path and thread, "RESULT path thread bytes-per-step". */
    public static void main(String[] args) throws Exception {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        mx.setThreadAllocatedMemoryEnabled(true);
        ConcurrentStreamsTest.Workload[] kinds = {ConcurrentStreamsTest.Workload.LSTM_TWO_LAYERS_STEP,
                ConcurrentStreamsTest.Workload.GRU_STEP_MANY, ConcurrentStreamsTest.Workload.MODEL_EMBEDDING_LSTM_DENSE};
        for (int p = 0; p < PATHS.length; p++) {
            ConcurrentStreamsTest.Workload kind = kinds[p];
            ConcurrentStreamsTest.Shared shared = kind.build();
            int threads = ConcurrentStreamsTest.THREADS;
            CyclicBarrier start = new CyclicBarrier(threads);
            String[] lines = new String[threads];
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                String path = PATHS[p];
                Thread th = new Thread(() -> {
                    try {
                        var streams = new ConcurrentStreamsTest.Streams(kind, shared, thread);
                        start.await();
                        long begin = System.nanoTime();
                        double perStep;
                        do {
                            streams.run(2 * ROUND);
                            long before = mx.getCurrentThreadAllocatedBytes();
                            streams.run(ROUND);
                            perStep = (mx.getCurrentThreadAllocatedBytes() - before) / (double) ROUND;
                        } while (perStep >= 1 && System.nanoTime() - begin < PATIENCE_NANOS);
                        lines[thread] = String.format("RESULT %s\t%d\t%.2f\t(after %d ms)", path, thread, perStep,
                                (System.nanoTime() - begin) / 1_000_000);
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                });
                ts.add(th);
                th.start();
            }
            for (Thread th : ts) th.join();
            for (String l : lines) if (l != null) System.out.println(l);
        }
    }
}
