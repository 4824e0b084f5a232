package dev.vecrnn.bench;

import dev.vecrnn.kernels.Kernels;
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

import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The LSTM pointwise step at H = 256, one batch row: three sigmoids, two tanh and the state update over
 * 4H gate pre-activations. lstmForward overwrites its gates with their activations, so each call first
 * copies fresh pre-activations in; {@code copyOnly} times that copy alone, to subtract it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Thread)
public class CellStepBench {
    static final int H = 256;

    @Param({"panama", "scalar"})
    public String impl;

    private Kernels kernels;
    private float[] pre;
    private float[] gates;
    private float[] cPrev;
    private float[] c;
    private float[] h;
    private float[] acts;
    private float[] dh;
    private float[] dc;
    private float[] dGates;

    @Setup
    public void setup() {
        kernels = BenchInputs.kernels(impl);
        Random rnd = new Random(BenchInputs.SEED);
        pre = BenchInputs.uniform(rnd, 4 * H, -3f, 3f);
        gates = new float[4 * H];
        cPrev = BenchInputs.uniform(rnd, H, -1f, 1f);
        c = new float[H];
        h = new float[H];
        dh = BenchInputs.uniform(rnd, H, -1f, 1f);
        dc = new float[H];
        dGates = new float[4 * H];
        // Activations and cell state of one real forward step, for the backward benchmark.
        acts = pre.clone();
        Kernels.scalar().lstmForward(H, acts, 0, cPrev, 0, c, 0, h, 0);
    }

    @Benchmark
    public float[] copyOnly() {
        System.arraycopy(pre, 0, gates, 0, 4 * H);
        return gates;
    }

    // gates [4H], cPrev [H] -> c [H], h [H] (plus the copy of 4H pre-activations)
    @Benchmark
    public float[] lstmForward() {
        System.arraycopy(pre, 0, gates, 0, 4 * H);
        kernels.lstmForward(H, gates, 0, cPrev, 0, c, 0, h, 0);
        return h;
    }

    // acts [4H], cPrev [H], c [H], dh [H], dc [H] (in/out) -> dGates [4H]
    @Benchmark
    public float[] lstmBackward() {
        // dc is in/out; a fresh zero keeps every call the same work (the fill is 256 floats, a few ns).
        Arrays.fill(dc, 0f);
        kernels.lstmBackward(H, acts, 0, cPrev, 0, c, 0, dh, 0, dc, 0, dGates, 0);
        return dGates;
    }
}
