package dev.vecrnn.nn.model;

import dev.vecrnn.nn.FreshJvm;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Eight threads stepping their own streams over one shared network allocate nothing per step once C2
 * has compiled the step (before that the Vector API boxes). Each thread measures itself with
 * {@code ThreadMXBean.getCurrentThreadAllocatedBytes}: rounds of steps until one allocates under one
 * byte per step, or 20 s. In a fresh JVM, so that other tests' profiles do not decide what C2 inlines.
 */
class StreamAllocationTest {
    private static final int ROUND = 5_000;
    private static final long PATIENCE_NANOS = 20_000_000_000L;
    private static final String[] PATHS = {"Recurrent.step", "Recurrent.stepMany", "Model.step", "Recurrent.step int8",
        "Recurrent.stepMany bf16", "ModelState.copyFrom, Model.step, copyTo", "Model.stepMany, 8 streams",
        "StreamState.copyFrom, Recurrent.stepMany projected LSTM, copyTo"};

    @Test
    void eightThreadsSteppingSharedNetworksDoNotAllocate() throws Exception {
        FreshJvm.assertAllocationFree(StreamAllocationTest.class, PATHS.length * ConcurrentStreamsTest.THREADS, "step");
    }

    /** A counter that is off reads -1, so before - after would be 0 bytes and pass: the measurement refuses it instead. */
    @Test
    void aCounterThatIsOffFailsTheMeasurementInsteadOfReadingZero() {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(mx.isThreadAllocatedMemorySupported());
        boolean was = mx.isThreadAllocatedMemoryEnabled();
        mx.setThreadAllocatedMemoryEnabled(false);
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> FreshJvm.allocated(mx));
            assertTrue(e.getMessage().contains("is -1: the JVM is not counting"), e.getMessage());
        } finally {
            mx.setThreadAllocatedMemoryEnabled(was);
        }
    }

    /** In the fresh JVM: per path and thread, "RESULT path thread bytes-per-step". */
    public static void main(String[] args) throws Exception {
        ConcurrentStreamsTest.Workload[] kinds = {ConcurrentStreamsTest.Workload.LSTM_TWO_LAYERS_STEP,
                ConcurrentStreamsTest.Workload.GRU_STEP_MANY, ConcurrentStreamsTest.Workload.MODEL_EMBEDDING_LSTM_DENSE,
                ConcurrentStreamsTest.Workload.LSTM_INT8_STEP, ConcurrentStreamsTest.Workload.GRU_BF16_STEP_MANY,
                ConcurrentStreamsTest.Workload.MODEL_STATE_COPY, ConcurrentStreamsTest.Workload.MODEL_STEP_MANY,
                ConcurrentStreamsTest.Workload.LSTM_PROJ_STATE_COPY_STEP_MANY};
        for (int p = 0; p < PATHS.length; p++) {
            ConcurrentStreamsTest.Workload kind = kinds[p];
            if (kind == ConcurrentStreamsTest.Workload.MODEL_STEP_MANY) {
                modelStepMany(PATHS[p]);
                continue;
            }
            ConcurrentStreamsTest.Shared shared = kind.build();
            FreshJvm.measure(PATHS[p], ConcurrentStreamsTest.THREADS, ROUND, PATIENCE_NANOS, thread -> {
                var streams = new ConcurrentStreamsTest.Streams(kind, shared, thread);
                return () -> streams.run(ROUND);
            });
        }
    }

    // eight streams a call (the batched tiles' path, 4 rows and more), an LSTM of 40 units (grouped chunks)
    private static void modelStepMany(String path) throws Exception {
        Model m = Model.builder(1).embedding(40, 16).lstm(40).dense(10).seed(18).build();
        int n = 8;
        FreshJvm.measure(path, ConcurrentStreamsTest.THREADS, ROUND, PATIENCE_NANOS, thread -> {
            ModelState[] states = new ModelState[n];
            for (int i = 0; i < n; i++) states[i] = m.newState();
            ModelStepWorkspace ws = m.newStepWorkspace(n);
            float[] xs = new float[n], outs = new float[n * m.outputFeatures()];
            for (int i = 0; i < n; i++) xs[i] = (thread * 7 + i * 5) % 40;
            return () -> {
                for (int j = 0; j < ROUND / n; j++) {
                    xs[j % n] = (xs[j % n] + 1) % 40;
                    m.stepMany(n, xs, states, outs, ws);
                }
            };
        });
    }
}
