package dev.vecrnn.nn;

import org.junit.jupiter.api.Test;

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
        FreshJvm.assertAllocationFree(StreamAllocationTest.class, PATHS.length * ConcurrentStreamsTest.THREADS, "step");
    }

    /** In the fresh JVM: per path and thread, "RESULT path thread bytes-per-step". */
    public static void main(String[] args) throws Exception {
        ConcurrentStreamsTest.Workload[] kinds = {ConcurrentStreamsTest.Workload.LSTM_TWO_LAYERS_STEP,
                ConcurrentStreamsTest.Workload.GRU_STEP_MANY, ConcurrentStreamsTest.Workload.MODEL_EMBEDDING_LSTM_DENSE};
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
