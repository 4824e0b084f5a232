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
        "Recurrent.stepMany bf16", "ModelState.copyFrom, Model.step, copyTo", "Model.stepMany"};

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
                ConcurrentStreamsTest.Workload.MODEL_STATE_COPY, ConcurrentStreamsTest.Workload.MODEL_STEP_MANY};
        for (int p = 0; p < PATHS.length; p++) {
            ConcurrentStreamsTest.Workload kind = kinds[p];
            ConcurrentStreamsTest.Shared shared = kind.build();
            FreshJvm.measure(PATHS[p], ConcurrentStreamsTest.THREADS, ROUND, PATIENCE_NANOS, thread -> {
                var streams = new ConcurrentStreamsTest.Streams(kind, shared, thread);
                return () -> streams.run(ROUND);
            });
        }
    }
}
