package dev.vecrnn.bench.nn;

import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;
import dev.vecrnn.nn.recurrent.StepWorkspace;
import dev.vecrnn.nn.recurrent.StreamState;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Serving many streams: 64 independent LSTM streams (I = H = 256, one layer) each advanced by one step,
 * either together by {@link Recurrent#stepMany} (the weights are read once, a GEMM over 64 rows) or by
 * 64 separate {@link Recurrent#step(float[], int, StreamState, float[], int)} calls (the weights are read
 * 64 times, 64 GEMVs). Both are allocation-free (~0 B/op under {@code -prof gc}). The cost per stream step is score / 64; the ratio
 * of the two scores is what micro-batching buys.
 *
 * <p>Run: {@code taskset -c 0 ./vecrnn bench nn.StreamsBench -prof gc}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Thread)
public class StreamsBench {
    static final int STREAMS = 64;

    /** I = H = size. */
    @Param({"256"})
    public int size;

    private Recurrent net;
    private StreamState[] states;
    private StepWorkspace batch;
    private float[] xs;
    private float[] outs;

    @Setup
    public void setup() {
        net = new Recurrent(RecurrentConfig.of(CellType.LSTM, size, size), NnInputs.SEED);
        states = new StreamState[STREAMS];
        for (int i = 0; i < STREAMS; i++) states[i] = net.newState();
        batch = net.newStepWorkspace(STREAMS);
        xs = NnInputs.uniform(new Random(NnInputs.SEED), STREAMS * size, -1f, 1f);
        outs = new float[STREAMS * size];
    }

    // xs [64, I], 64 states -> outs [64, H]
    @Benchmark
    public float[] stepMany() {
        net.stepMany(STREAMS, xs, states, outs, batch);
        return outs;
    }

    // xs [64, I], 64 states -> outs [64, H], one stream at a time
    @Benchmark
    public float[] stepEach() {
        for (int i = 0; i < STREAMS; i++) net.step(xs, i * size, states[i], outs, i * size);
        return outs;
    }
}
