package dev.vecrnn.kernels;

import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

import dev.vecrnn.kernels.PackedGates.Cell;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Once compiled, no kernel allocates: a Vector API value that C2 fails to keep in registers is boxed on
 * every call, which PanamaPointwise's javadoc says these checks guard. Each kernel is warmed up until
 * a round of calls allocates under one byte per call on this thread, or fails after 10 s.
 */
class AllocationTest {
    private static final int ROUND = 2_000;
    /** Observed: under 1.1 s to compile; a kernel that still allocates costs this much before it fails. */
    private static final long PATIENCE_NANOS = 10_000_000_000L;

    @Test
    void compiledKernelsDoNotAllocate() {
        expectNoAllocation(calls());
    }

    // Panama gatesBackwardWeights allocates 96-192 bytes per call, after 30 s of warm-up, whenever the
    // rows of a block (G*H) are not a multiple of 16 (here 4 * 37 = 148): the masked partial-chunk path
    // (weightsColumn with a VectorMask argument, m == null ? ... : ...). 4 * 32 = 128 rows allocate nothing.
    @Test
    void gatesBackwardWeightsWithAPartialChunkDoesNotAllocate() {
        Data d = new Data(11);
        PackedGates lstm = GateModel.random(d, Cell.LSTM, 23, 37, 37, true).pack(), grad = lstm.zerosLike();
        float[] dG = d.plain(5 * 148), x = d.plain(5 * 23), h = d.plain(5 * 37);
        expectNoAllocation(Map.of("gatesBackwardWeights H=37", k -> k.gatesBackwardWeights(lstm, 5, dG, 0, 148, x, 0, 23, h, 0, 37, grad)));
    }

    private static void expectNoAllocation(Map<String, Consumer<Kernels>> calls) {
        var mx = ManagementFactory.getThreadMXBean();
        assumeTrue(mx instanceof com.sun.management.ThreadMXBean t && t.isThreadAllocatedMemorySupported(),
                "per-thread allocation counting is not available");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) mx;
        threads.setThreadAllocatedMemoryEnabled(true);
        StringBuilder failures = new StringBuilder();
        for (Kernels k : Impls.all()) {
            for (var e : calls.entrySet()) {
                Consumer<Kernels> call = e.getValue();
                long start = System.nanoTime();
                double perCall;
                do {
                    for (int i = 0; i < 5 * ROUND; i++) call.accept(k);
                    long before = threads.getCurrentThreadAllocatedBytes();
                    for (int i = 0; i < ROUND; i++) call.accept(k);
                    perCall = (threads.getCurrentThreadAllocatedBytes() - before) / (double) ROUND;
                } while (perCall >= 1 && System.nanoTime() - start < PATIENCE_NANOS);
                if (perCall >= 1) failures.append(String.format("%n  %s %s: %.0f bytes per call", k.name(), e.getKey(), perCall));
            }
        }
        if (!failures.isEmpty()) fail("kernels still allocating after warm-up:" + failures);
    }

    /** One small call per kernel; sizes with vector tails (37 units, batch 5). */
    private static Map<String, Consumer<Kernels>> calls() {
        Data d = new Data(7);
        int n = 37, b = 5;
        float[] x = d.plain(4 * n * b), y = d.plain(4 * n * b), z = d.plain(4 * n * b), w = d.plain(4 * n * b);
        float[] v = new float[4 * n * b];
        for (int i = 0; i < v.length; i++) v[i] = Math.abs(x[i]);
        PackedGates lstm = GateModel.random(d, Cell.LSTM, 23, n, n, true).pack();
        // 4 * 32 rows, whole panels: see gatesBackwardWeightsWithAPartialChunkDoesNotAllocate
        PackedGates lstm32 = GateModel.random(d, Cell.LSTM, 23, n, 32, true).pack(), grad = lstm32.zerosLike();
        PackedGates gru = GateModel.random(d, Cell.GRU, 23, n, n, true).pack();
        float[] in = d.plain(b * 23), h = d.plain(b * n), out = new float[b * 4 * n];
        Map<String, Consumer<Kernels>> m = new LinkedHashMap<>();
        m.put("dot", k -> k.dot(n, x, 1, y, 2));
        m.put("axpy", k -> k.axpy(n, 1e-3f, x, 0, z, 3));
        m.put("gemmNT", k -> k.gemmNT(5, 7, n, x, 0, n, y, 0, n, z, 0, 7, false));
        m.put("gates LSTM", k -> k.gates(lstm, b, in, 0, 23, h, 0, n, out, 0, 4 * n));
        m.put("gates GRU batch 1", k -> k.gates(gru, 1, in, 0, 23, h, 0, n, out, 0, 4 * n));
        m.put("gatesBackwardData", k -> k.gatesBackwardData(lstm, b, y, 0, 4 * n, z, 0, 23, w, 0, n));
        m.put("gatesBackwardWeights H=32", k -> k.gatesBackwardWeights(lstm32, b, y, 0, 4 * 32, in, 0, 23, h, 0, n, grad));
        m.put("tanh", k -> k.tanh(n, x, 0, z, 0));
        m.put("sigmoid", k -> k.sigmoid(n, x, 0, z, 0));
        m.put("softmax", k -> k.softmax(n, x, 0, z, 0));
        m.put("logSoftmax", k -> k.logSoftmax(n, x, 0, z, 0));
        m.put("lstmForward", k -> {
            System.arraycopy(x, 0, z, 0, 4 * n);
            k.lstmForward(n, z, 0, y, 0, w, 0, w, n);
        });
        m.put("lstmBackward", k -> k.lstmBackward(n, v, 0, null, 0, x, 0, y, 0, w, 0, z, 0));
        m.put("gruForward", k -> {
            System.arraycopy(x, 0, z, 0, 4 * n);
            k.gruForward(n, z, 0, null, 0, w, 0);
        });
        m.put("gruBackward", k -> k.gruBackward(n, v, 0, y, 0, x, 0, z, 0, w, 0));
        m.put("sgd", k -> k.sgd(n, w, 0, x, 0, z, 0, 1e-6f, 0.9f, 0f, 1e-4f, true));
        m.put("adam", k -> k.adam(n, w, 0, x, 0, z, 0, v, 0, 1e-6f, 0.9f, 0.999f, 1e-8f, 0.01f, true, 3));
        m.put("rmsprop", k -> k.rmsprop(n, w, 0, x, 0, v, 0, null, 0, 1e-6f, 0.99f, 1e-8f, 0f, 0f));
        return m;
    }
}
