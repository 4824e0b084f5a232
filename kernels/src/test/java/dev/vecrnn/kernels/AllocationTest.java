package dev.vecrnn.kernels;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.vecrnn.kernels.PackedGates.Cell;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Once compiled, no kernel allocates: a Vector API value that C2 fails to keep in registers is boxed on
 * every call, which PanamaPointwise's javadoc says these checks guard. Each kernel is warmed up until a
 * round of calls allocates under one byte per call on its thread, or gives up after 10 s. Measured in a
 * fresh JVM, so that the profile the other tests leave behind does not decide what C2 inlines.
 *
 * <p>Two ways of calling: {@code calls}, each call from a megamorphic site (the kernel compiled as its
 * own root), and {@code loops}, the kernel in its caller's hot loop (inlined into it, as in a model step).
 */
class AllocationTest {
    /** Calls one kernel {@code times} times in its own loop. */
    @FunctionalInterface
    interface Loop {
        void run(Kernels k, int times);
    }

    private static final int ROUND = 2_000;
    private static final long PATIENCE_NANOS = 10_000_000_000L;

    // Found before: Panama gatesBackwardData boxing 20 KB per call, softmax 480 B, dot 96 B, tanh 576 B,
    // and gatesBackwardWeights 96 B once a partial last chunk followed whole panels; not in every JVM,
    // hence both ways of calling, each in a fresh JVM.
    @Test
    void compiledKernelsDoNotAllocate() throws Exception {
        for (Kernels k : Impls.all()) {
            expectNoAllocation("calls", k.name());
            expectNoAllocation("loops", k.name());
        }
    }

    /**
     * Measures in a fresh JVM; where it allocates, a second fresh JVM measures again and decides. JDK 17's C2
     * sometimes compiles a Vector API tile without one of its intrinsics, depending on the order in which its
     * methods got compiled (seen on JDK 17 at 128 bits: the bf16 tiles, in some JVMs, never in JDK 25); an
     * allocation that every JVM makes still fails, and the first JVM's figures are printed either way.
     */
    private static void expectNoAllocation(String mode, String impl) throws Exception {
        String failures = measure(mode, impl);
        if (!failures.isEmpty()) {
            System.out.println("ALLOCATION in the first fresh JVM (" + mode + "), measuring again in a second one:" + failures);
            String again = measure(mode, impl);
            assertTrue(again.isEmpty(), () -> "kernels still allocating after warm-up (" + mode + "), in two fresh JVMs:" + again);
        }
    }

    /** The kernels that allocated in one fresh JVM, one per line (empty: none). */
    private static String measure(String mode, String impl) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        if (Kernels.panama() != null) cmd.addAll(List.of("--add-modules", "jdk.incubator.vector"));
        // the width this JVM was given (-XX:UseAVX=2, -XX:MaxVectorSize=16, -Dvecrnn.kernels.registers): the
        // child must choose the same kernels, or it measures another shape
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("-XX:") || a.startsWith("-Dvecrnn.kernels")) cmd.add(a);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), AllocationTest.class.getName(), mode, impl));
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> results = new ArrayList<>();
        StringBuilder all = new StringBuilder();
        try (var in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                all.append(line).append('\n');
                if (line.startsWith("RESULT ")) results.add(line.substring(7));
            }
        }
        if (!child.waitFor(5, TimeUnit.MINUTES)) {
            child.destroyForcibly();
            fail("the measuring JVM did not finish:\n" + all);
        }
        assertEquals(0, child.exitValue(), () -> "the measuring JVM failed:\n" + all);
        assertEquals(calls().size(), results.size(), () -> "results missing:\n" + all);
        System.out.print(all);
        StringBuilder failures = new StringBuilder();
        for (String r : results) {
            String[] f = r.split("\t");
            if (Double.parseDouble(f[2]) >= 1) failures.append(String.format("%n  %s %s: %s bytes per call", f[0], f[1], f[2]));
        }
        return failures.toString();
    }

    /** Runs in the fresh JVM: prints "RESULT impl kernel bytes-per-call" per kernel. Arguments: mode, implementation. */
    public static void main(String[] args) {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        threads.setThreadAllocatedMemoryEnabled(true); // UnsupportedOperationException where the JVM cannot count
        allocated(threads);
        boolean inLoop = args[0].equals("loops");
        Map<String, Loop> calls = calls();
        for (Kernels k : Impls.all()) {
            if (!k.name().equals(args[1])) continue;
            for (var e : calls.entrySet()) {
                Loop loop = e.getValue();
                long start = System.nanoTime();
                double perCall;
                do {
                    if (inLoop) loop.run(k, 5 * ROUND); else for (int i = 0; i < 5 * ROUND; i++) loop.run(k, 1);
                    long before = allocated(threads);
                    if (inLoop) loop.run(k, ROUND); else for (int i = 0; i < ROUND; i++) loop.run(k, 1);
                    perCall = (allocated(threads) - before) / (double) ROUND;
                } while (perCall >= 1 && System.nanoTime() - start < PATIENCE_NANOS);
                System.out.printf("RESULT %s\t%s\t%.1f\t(after %d ms)%n", k.name(), e.getKey(), perCall,
                        (System.nanoTime() - start) / 1_000_000);
            }
        }
    }

    /**
     * The bytes this thread has allocated so far. A JVM that is not counting reads -1, and -1 minus -1 would
     * pass every kernel: the measuring JVM fails instead, saying why.
     */
    private static long allocated(com.sun.management.ThreadMXBean mx) {
        long n = mx.getCurrentThreadAllocatedBytes();
        if (n < 0) throw new IllegalStateException("ThreadMXBean.getCurrentThreadAllocatedBytes() is " + n + ": the JVM is not counting"
                + " (supported " + mx.isThreadAllocatedMemorySupported() + ", enabled " + mx.isThreadAllocatedMemoryEnabled() + ")");
        return n;
    }

    /** One small call per kernel; sizes with vector tails (37 units, batch 5). */
    private static Map<String, Loop> calls() {
        Data d = new Data(7);
        int n = 37, b = 5;
        float[] x = d.plain(4 * n * b), y = d.plain(4 * n * b), z = d.plain(4 * n * b), w = d.plain(4 * n * b);
        float[] v = new float[4 * n * b];
        for (int i = 0; i < v.length; i++) v[i] = Math.abs(x[i]);
        PackedGates lstm = GateModel.random(d, Cell.LSTM, 23, n, n, true).pack();
        PackedGates grad = lstm.zerosLike();
        PackedGates l32 = GateModel.random(d, Cell.LSTM, 32, 32, 32, true).pack(), g32 = l32.zerosLike();
        PackedGates gru = GateModel.random(d, Cell.GRU, 23, n, n, true).pack();
        float[] in = d.plain(b * 23), h = d.plain(b * n), out = new float[b * 4 * n];
        Map<String, Loop> m = new LinkedHashMap<>();
        m.put("dot", (k, t) -> {
            for (int i = 0; i < t; i++) k.dot(n, x, 1, y, 2);
        });
        m.put("firstNonFinite", (k, t) -> {
            for (int i = 0; i < t; i++) if (k.firstNonFinite(n, x, 2) >= 0) throw new AssertionError("finite data");
        });
        m.put("axpy", (k, t) -> {
            for (int i = 0; i < t; i++) k.axpy(n, 1e-3f, x, 0, z, 3);
        });
        m.put("gemmNT", (k, t) -> {
            for (int i = 0; i < t; i++) k.gemmNT(5, 7, n, x, 0, n, y, 0, n, z, 0, 7, false);
        });
        m.put("gates-LSTM", (k, t) -> {
            for (int i = 0; i < t; i++) k.gates(lstm, b, in, 0, 23, h, 0, n, out, 0, 4 * n);
        });
        m.put("gates-GRU-batch-1", (k, t) -> {
            for (int i = 0; i < t; i++) k.gates(gru, 1, in, 0, 23, h, 0, n, out, 0, 4 * n);
        });
        QuantizedGates lstm8 = QuantizedGates.quantize(lstm, Precision.INT8), gru8 = QuantizedGates.quantize(gru, Precision.INT8);
        QuantizedGates lstm16 = QuantizedGates.quantize(lstm, Precision.BF16), gru16 = QuantizedGates.quantize(gru, Precision.BF16);
        m.put("gates-int8-LSTM-batch-1", (k, t) -> {
            for (int i = 0; i < t; i++) k.gates(lstm8, 1, in, 0, 23, h, 0, n, out, 0, 4 * n);
        });
        m.put("gates-int8-GRU", (k, t) -> {
            for (int i = 0; i < t; i++) k.gates(gru8, b, in, 0, 23, h, 0, n, out, 0, 4 * n);
        });
        m.put("gates-bf16-LSTM-batch-1", (k, t) -> {
            for (int i = 0; i < t; i++) k.gates(lstm16, 1, in, 0, 23, h, 0, n, out, 0, 4 * n);
        });
        m.put("gates-bf16-GRU", (k, t) -> {
            for (int i = 0; i < t; i++) k.gates(gru16, b, in, 0, 23, h, 0, n, out, 0, 4 * n);
        });
        // a GRU's stepMany on two streams: input and recurrent parts apart, batch 2 (Row8 tiles and partial chunks)
        PackedGates gru32 = GateModel.random(d, Cell.GRU, 32, n, n, true).pack();
        for (Precision p : new Precision[] {Precision.INT8, Precision.BF16}) {
            QuantizedGates g = QuantizedGates.quantize(gru32, p);
            m.put("gatesInput-" + p + "-GRU-rows-2", (k, t) -> {
                for (int i = 0; i < t; i++) k.gatesInput(g, 2, x, 0, 32, out, 0, 4 * n);
            });
            m.put("gatesRecurrent-" + p + "-GRU-batch-2", (k, t) -> {
                for (int i = 0; i < t; i++) k.gatesRecurrent(g, 2, h, 0, n, out, 0, 4 * n);
            });
        }
        m.put("gatesBackwardData", (k, t) -> {
            for (int i = 0; i < t; i++) k.gatesBackwardData(lstm, b, y, 0, 4 * n, z, 0, 23, w, 0, n);
        });
        // whole panels first (I = Hr = 32, 4 * 32 rows), then a partial last chunk (I = 23, 4 * 37 rows)
        m.put("gatesBackwardWeights-H=32", (k, t) -> {
            for (int i = 0; i < t; i++) k.gatesBackwardWeights(l32, 4, y, 0, 4 * 32, x, 0, 32, h, 0, 32, g32);
        });
        m.put("gatesBackwardWeights-H=37", (k, t) -> {
            for (int i = 0; i < t; i++) k.gatesBackwardWeights(lstm, b, y, 0, 4 * n, in, 0, 23, h, 0, n, grad);
        });
        m.put("tanh", (k, t) -> {
            for (int i = 0; i < t; i++) k.tanh(n, x, 0, z, 0);
        });
        m.put("sigmoid", (k, t) -> {
            for (int i = 0; i < t; i++) k.sigmoid(n, x, 0, z, 0);
        });
        m.put("softmax", (k, t) -> {
            for (int i = 0; i < t; i++) k.softmax(n, x, 0, z, 0);
        });
        m.put("logSoftmax", (k, t) -> {
            for (int i = 0; i < t; i++) k.logSoftmax(n, x, 0, z, 0);
        });
        m.put("lstmForward", (k, t) -> {
            for (int i = 0; i < t; i++) {
                System.arraycopy(x, 0, z, 0, 4 * n);
                k.lstmForward(n, z, 0, y, 0, w, 0, w, n);
            }
        });
        m.put("lstmBackward", (k, t) -> {
            for (int i = 0; i < t; i++) k.lstmBackward(n, v, 0, null, 0, x, 0, y, 0, w, 0, z, 0);
        });
        m.put("gruForward", (k, t) -> {
            for (int i = 0; i < t; i++) {
                System.arraycopy(x, 0, z, 0, 4 * n);
                k.gruForward(n, z, 0, null, 0, w, 0);
            }
        });
        m.put("gruBackward", (k, t) -> {
            for (int i = 0; i < t; i++) k.gruBackward(n, v, 0, y, 0, x, 0, z, 0, w, 0);
        });
        m.put("sgd", (k, t) -> {
            for (int i = 0; i < t; i++) k.sgd(n, w, 0, x, 0, z, 0, 1e-6f, 0.9f, 0f, 1e-4f, true);
        });
        m.put("adam", (k, t) -> {
            for (int i = 0; i < t; i++) k.adam(n, w, 0, x, 0, z, 0, v, 0, 1e-6f, 0.9f, 0.999f, 1e-8f, 0.01f, true, 3);
        });
        m.put("rmsprop", (k, t) -> {
            for (int i = 0; i < t; i++) k.rmsprop(n, w, 0, x, 0, v, 0, null, 0, 1e-6f, 0.99f, 1e-8f, 0f, 0f);
        });
        return m;
    }
}
