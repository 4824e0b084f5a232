package dev.vecrnn.nn.model;

import dev.vecrnn.kernels.Precision;
import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.layers.Layer;
import dev.vecrnn.nn.layers.LayerStepStates;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;
import dev.vecrnn.nn.recurrent.StepWorkspace;
import dev.vecrnn.nn.recurrent.StreamState;
import dev.vecrnn.nn.recurrent.StreamStates;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One network (or model) shared by eight threads, each stepping its own two streams 100,000 times in
 * all: every output of every stream (through a running hash of its bits) and every final state must be
 * bit for bit what one thread gets running the same streams one after another.
 */
class ConcurrentStreamsTest {
    static final int THREADS = 8;
    static final int STEPS = 100_000;
    private static final int PERIOD = 251; // input rows per stream, cycled (prime, so the streams drift apart)

    /** The shared network and how one thread's streams are made and stepped. */
    enum Workload {
        LSTM_TWO_LAYERS_STEP, GRU_STEP_MANY, RNN_TANH_STEP, MODEL_EMBEDDING_LSTM_DENSE, LSTM_INT8_STEP, GRU_BF16_STEP_MANY,
        /** A model whose streams' states live outside it, as a service or Flink keeps them: copyFrom, step, copyTo. */
        MODEL_STATE_COPY,
        /** A model's two streams stepped together by Model.stepMany. */
        MODEL_STEP_MANY,
        /**
         * A projected two-layer LSTM (proj_size, the W_hr product of stepMany) whose streams' states live outside
         * it: StreamState.copyFrom(float[]), stepMany of the two, copyTo(float[]).
         */
        LSTM_PROJ_STATE_COPY_STEP_MANY;

        boolean stepMany() {
            return this == GRU_STEP_MANY || this == GRU_BF16_STEP_MANY || this == LSTM_PROJ_STATE_COPY_STEP_MANY;
        }

        Shared build() {
            return switch (this) {
                case LSTM_TWO_LAYERS_STEP -> new Shared(new Recurrent(new RecurrentConfig(CellType.LSTM, 24, 24, 2, true, false, false, 0f, 0), 11), null);
                case GRU_STEP_MANY -> new Shared(new Recurrent(RecurrentConfig.of(CellType.GRU, 32, 32), 12), null);
                case RNN_TANH_STEP -> new Shared(new Recurrent(RecurrentConfig.of(CellType.RNN_TANH, 20, 20), 13), null);
                case MODEL_EMBEDDING_LSTM_DENSE -> new Shared(null, Model.builder(1).embedding(40, 16).lstm(24).dense(10).seed(14).build());
                case LSTM_INT8_STEP -> new Shared(new Recurrent(new RecurrentConfig(CellType.LSTM, 24, 40, 2, true, false, false, 0f, 0), 15)
                        .quantized(Precision.INT8), null);
                case GRU_BF16_STEP_MANY -> new Shared(new Recurrent(RecurrentConfig.of(CellType.GRU, 32, 37), 16).quantized(Precision.BF16), null);
                case MODEL_STATE_COPY -> new Shared(null, Model.builder(1).embedding(40, 16).lstm(24).dense(10).seed(17).build());
                case MODEL_STEP_MANY -> new Shared(null, Model.builder(1).embedding(40, 16).lstm(24).dense(10).seed(18).build());
                case LSTM_PROJ_STATE_COPY_STEP_MANY -> new Shared(new Recurrent(RecurrentConfig.of(CellType.LSTM, 20, 28).withLayers(2)
                        .withProjSize(12), 19), null);
            };
        }
    }

    record Shared(Recurrent net, Model model) {
    }

    /** One thread's two streams: their inputs, states, a running hash of every output and the final states. */
    static final class Streams {
        final Workload kind;
        final Shared shared;
        final float[][] inputs = new float[2][];
        final int width;
        final StreamState[] states = new StreamState[2];
        final ModelState[] modelStates = new ModelState[2];
        final StepWorkspace batch;
        final ModelStepWorkspace modelBatch;
        final float[] x, xs, out, outs;
        final long[] hash = new long[2];
        /** MODEL_STATE_COPY, LSTM_PROJ_STATE_COPY_STEP_MANY: each stream's state between steps. */
        final float[][] external = new float[2][];

        Streams(Workload kind, Shared shared, int thread) {
            this.kind = kind;
            this.shared = shared;
            boolean model = shared.model != null;
            width = model ? shared.model.inputFeatures() : shared.net.config().inputSize();
            for (int s = 0; s < 2; s++) {
                Random rnd = new Random(1000L * thread + s);
                inputs[s] = new float[PERIOD * width];
                for (int i = 0; i < inputs[s].length; i++) {
                    inputs[s][i] = model ? rnd.nextInt(40) : (float) (2 * rnd.nextGaussian());
                }
                if (model) modelStates[s] = shared.model.newState(); else states[s] = shared.net.newState();
                if (kind == Workload.MODEL_STATE_COPY) external[s] = new float[modelStates[s].size()];
                if (kind == Workload.LSTM_PROJ_STATE_COPY_STEP_MANY) external[s] = new float[states[s].size()];
            }
            int outWidth = model ? shared.model.outputFeatures() : shared.net.config().outputHidden();
            batch = kind.stepMany() ? shared.net.newStepWorkspace(2) : null;
            modelBatch = kind == Workload.MODEL_STEP_MANY ? shared.model.newStepWorkspace(2) : null;
            x = new float[width];
            xs = new float[2 * width];
            out = new float[outWidth];
            outs = new float[2 * outWidth];
        }

        /** {@code steps} stream-steps in all, alternating between the two streams (both at once for stepMany). */
        void run(int steps) {
            for (int j = 0; j < steps / 2; j++) {
                int row = j % PERIOD * width;
                if (batch != null || modelBatch != null) {
                    System.arraycopy(inputs[0], row, xs, 0, width);
                    System.arraycopy(inputs[1], row, xs, width, width);
                    if (batch != null && external[0] != null) {
                        for (int s = 0; s < 2; s++) states[s].copyFrom(external[s]);
                        shared.net.stepMany(2, xs, states, outs, batch);
                        for (int s = 0; s < 2; s++) states[s].copyTo(external[s]);
                    } else if (batch != null) {
                        shared.net.stepMany(2, xs, states, outs, batch);
                    } else {
                        shared.model.stepMany(2, xs, modelStates, outs, modelBatch);
                    }
                    hash[0] = mix(hash[0], outs, 0, out.length);
                    hash[1] = mix(hash[1], outs, out.length, out.length);
                    continue;
                }
                for (int s = 0; s < 2; s++) {
                    System.arraycopy(inputs[s], row, x, 0, width);
                    if (external[s] != null) {
                        modelStates[s].copyFrom(external[s], 0);
                        shared.model.step(x, modelStates[s], out);
                        modelStates[s].copyTo(external[s], 0);
                    } else if (modelStates[s] != null) {
                        shared.model.step(x, modelStates[s], out);
                    } else {
                        shared.net.step(x, states[s], out);
                    }
                    hash[s] = mix(hash[s], out, 0, out.length);
                }
            }
        }

        /** Every recurrent h and c of both streams. */
        List<float[]> finalStates() {
            List<float[]> all = new ArrayList<>();
            for (int s = 0; s < 2; s++) {
                List<StreamState> rs = new ArrayList<>();
                if (modelStates[s] == null) rs.add(states[s]);
                else for (Layer.StepState l : modelStates[s].layers) if (LayerStepStates.recurrent(l) != null) rs.add(LayerStepStates.recurrent(l));
                for (StreamState r : rs) {
                    all.add(StreamStates.h(r).clone());
                    if (StreamStates.c(r) != null) all.add(StreamStates.c(r).clone());
                }
            }
            return all;
        }
    }

    static long mix(long h, float[] a, int off, int n) {
        for (int i = 0; i < n; i++) h = (h ^ Float.floatToRawIntBits(a[off + i])) * 0x100000001b3L;
        return h;
    }

    record Result(long[] hash, List<float[]> states) {
    }

    @ParameterizedTest
    @EnumSource(Workload.class)
    void eightThreadsSharingOneNetworkMatchOneThread(Workload kind) throws Exception {
        Shared shared = kind.build();
        // one thread, the streams of thread 0, then those of thread 1, ...
        Result[] alone = new Result[THREADS];
        for (int t = 0; t < THREADS; t++) {
            Streams s = new Streams(kind, shared, t);
            s.run(STEPS);
            alone[t] = new Result(s.hash.clone(), s.finalStates());
        }
        // eight threads at once over the same network
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        CyclicBarrier start = new CyclicBarrier(THREADS);
        List<Future<Result>> futures = new ArrayList<>();
        try {
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    Streams s = new Streams(kind, shared, thread);
                    start.await();
                    s.run(STEPS);
                    return new Result(s.hash.clone(), s.finalStates());
                }));
            }
            for (int t = 0; t < THREADS; t++) {
                Result r = futures.get(t).get(5, TimeUnit.MINUTES);
                for (int s = 0; s < 2; s++) {
                    assertEquals(alone[t].hash[s], r.hash[s], kind + ": outputs of thread " + t + " stream " + s + " differ from one thread's");
                }
                assertEquals(alone[t].states.size(), r.states.size());
                for (int i = 0; i < r.states.size(); i++) {
                    float[] want = alone[t].states.get(i), got = r.states.get(i);
                    for (int j = 0; j < want.length; j++) {
                        assertEquals(Float.floatToRawIntBits(want[j]), Float.floatToRawIntBits(got[j]),
                                kind + ": thread " + t + " final state array " + i + " [" + j + "]: expected " + want[j] + ", got " + got[j]);
                    }
                }
            }
        } finally {
            pool.shutdownNow();
        }
        // the comparison means something only if the streams compute distinct, live values
        assertNotEquals(alone[0].hash[0], alone[0].hash[1], "two streams with different inputs gave the same outputs");
        assertNotEquals(alone[0].hash[0], alone[1].hash[0]);
        boolean nonZero = false;
        for (float[] a : alone[THREADS - 1].states) {
            for (float v : a) {
                assertTrue(Float.isFinite(v), kind + ": final state not finite");
                nonZero |= v != 0f;
            }
        }
        assertTrue(nonZero, kind + ": final states all zero");
    }

    // The contiguous W_hh copy a sequence forward steps with is made on the first one; eight threads whose
    // first forward on a fresh shared network starts at once must all see it whole.
    @ParameterizedTest
    @EnumSource(value = CellType.class, names = {"LSTM", "GRU", "RNN_TANH"})
    void firstSequenceForwardsRacingOnAFreshNetworkAgree(CellType type) throws Exception {
        // a large W_hh (a long copy) behind a small input GEMM, so that the threads reach the copy together
        RecurrentConfig cfg = RecurrentConfig.of(type, 4, 384);
        Random rnd = new Random(11);
        float[] xs = new float[3 * 4];
        for (int i = 0; i < xs.length; i++) xs[i] = rnd.nextFloat() * 2f - 1f;
        Tensor x = Tensor.of(xs, 3, 1, 4);
        float[] hs = new float[384];
        for (int i = 0; i < hs.length; i++) hs[i] = rnd.nextFloat() * 2f - 1f;
        Tensor h0 = Tensor.of(hs, 1, 1, 384); // a live state, so that the first step already reads W_hh
        float[] want = new Recurrent(cfg, 5).forward(x, null, h0, null).output().data();
        for (int round = 0; round < 20; round++) {
            Recurrent shared = new Recurrent(cfg, 5);
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            CyclicBarrier start = new CyclicBarrier(THREADS);
            List<Future<float[]>> futures = new ArrayList<>();
            try {
                for (int t = 0; t < THREADS; t++) {
                    futures.add(pool.submit(() -> {
                        start.await();
                        return shared.forward(x, null, h0, null).output().data();
                    }));
                }
                for (int t = 0; t < THREADS; t++) {
                    float[] got = futures.get(t).get(1, TimeUnit.MINUTES);
                    for (int j = 0; j < want.length; j++) {
                        assertEquals(Float.floatToRawIntBits(want[j]), Float.floatToRawIntBits(got[j]),
                                type + " round " + round + " thread " + t + " output [" + j + "]: expected " + want[j] + ", got " + got[j]);
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        }
        boolean nonZero = false;
        for (float v : want) nonZero |= v != 0f;
        assertTrue(nonZero, type + ": outputs all zero");
    }
}
