package dev.vecrnn.bench;

import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.kernels.PackedGates;
import dev.vecrnn.kernels.TransposedGates;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
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
 * The batched gate products of an LSTM (B = batch, 32 unless asked, I = H = size): the forward GEMM and both backward
 * products, the one to the inputs both on the packed layout and on the {@link TransposedGates} copy
 * training uses. Each does 2*B*4H*(I+H) flops:
 * size 64: 2*32*256*128 = 2,097,152 (2.10 MFLOP); size 256: 2*32*1024*512 = 33,554,432 (33.6 MFLOP).
 * GFLOP/s = MFLOP / (score in us) * 1000, e.g. 33.6 MFLOP in 4,000 us is 8.4 GFLOP/s.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Thread)
public class GatesGemmBench {
    /** Batch rows: the targets are at 32; training's weight-gradient product runs on every step of a sequence at once (B * T rows). */
    @Param({"32"})
    public int batch;

    /** I = H = size. */
    @Param({"64", "256"})
    public int size;

    @Param({"panama", "scalar"})
    public String impl;

    private Kernels kernels;
    private PackedGates p;
    private PackedGates grad;
    private TransposedGates transposed;
    private int g;
    private float[] x;
    private float[] h;
    private float[] out;
    private float[] dG;
    private float[] dx;
    private float[] dh;

    @Setup
    public void setup() {
        kernels = BenchInputs.kernels(impl);
        Random rnd = new Random(BenchInputs.SEED);
        p = BenchInputs.cell(rnd, PackedGates.Cell.LSTM, size, size);
        grad = p.zerosLike();
        transposed = TransposedGates.of(p);
        g = p.outputSize();
        x = BenchInputs.uniform(rnd, batch * size, -1f, 1f);
        h = BenchInputs.uniform(rnd, batch * size, -1f, 1f);
        dG = BenchInputs.uniform(rnd, batch * g, -1f, 1f);
        out = new float[batch * g];
        dx = new float[batch * size];
        dh = new float[batch * size];
    }

    /** The backward products accumulate; zeroing per iteration keeps the sums from growing without bound. */
    @Setup(Level.Iteration)
    public void zeroAccumulators() {
        Arrays.fill(grad.weights(), 0f);
        Arrays.fill(grad.bias(), 0f);
        Arrays.fill(dx, 0f);
        Arrays.fill(dh, 0f);
    }

    // x [B, I], h [B, H] -> out [B, 4H]
    @Benchmark
    public float[] gates() {
        kernels.gates(p, batch, x, 0, size, h, 0, size, out, 0, g);
        return out;
    }

    // dG [B, 4H] -> dx [B, I], dh [B, H], accumulated
    @Benchmark
    public float[] gatesBackwardData() {
        kernels.gatesBackwardData(p, batch, dG, 0, g, dx, 0, size, dh, 0, size);
        return dh;
    }

    // the same on the transposed copy, as training's backward pass runs it (the scalar kernels read p)
    @Benchmark
    public float[] gatesBackwardDataTransposed() {
        kernels.gatesBackwardData(transposed, batch, dG, 0, g, dx, 0, size, dh, 0, size);
        return dh;
    }

    // dG [B, 4H], x [B, I], h [B, H] -> grad W [4H, I + H], grad bias [4H], accumulated
    @Benchmark
    public PackedGates gatesBackwardWeights() {
        kernels.gatesBackwardWeights(p, batch, dG, 0, g, x, 0, size, h, 0, size, grad);
        return grad;
    }
}
