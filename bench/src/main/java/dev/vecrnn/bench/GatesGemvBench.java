package dev.vecrnn.bench;

import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.kernels.PackedGates;
import dev.vecrnn.kernels.Precision;
import dev.vecrnn.kernels.QuantizedGates;
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
 * The fused gate GEMV, one step of one sequence (batch 1): every gate pre-activation of a cell in one
 * pass over the packed weights. This is the cost of a single inference step before the pointwise update.
 * Flops per call: 2 * G*H * (I + H) with G = 4 (LSTM), 3 (GRU), 1 (RNN); for LSTM 65,536 at size 64
 * and 1,048,576 at size 256, so GFLOP/s = flops / (score in us) / 1000.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Thread)
public class GatesGemvBench {

    @Param({"LSTM", "GRU", "RNN"})
    public String cell;

    /** I = H = size. */
    @Param({"64", "256", "1024"})
    public int size;

    @Param({"panama", "scalar"})
    public String impl;

    /** The weights: FP32 as packed, or an INT8 or BF16 {@link QuantizedGates} of them (the table runs FP32). */
    @Param({"FP32"})
    public String precision;

    private Kernels kernels;
    private PackedGates p;
    private QuantizedGates q;
    private float[] x;
    private float[] h;
    private float[] out;

    @Setup
    public void setup() {
        kernels = BenchInputs.kernels(impl);
        Random rnd = new Random(BenchInputs.SEED);
        p = BenchInputs.cell(rnd, PackedGates.Cell.valueOf(cell), size, size);
        Precision pr = Precision.valueOf(precision);
        q = pr == Precision.FP32 ? null : QuantizedGates.quantize(p, pr);
        x = BenchInputs.uniform(rnd, size, -1f, 1f);
        h = BenchInputs.uniform(rnd, size, -1f, 1f);
        out = new float[p.outputSize()];
    }

    // x [1, I], h [1, H] -> out [1, outputSize]
    @Benchmark
    public float[] gates() {
        if (q == null) kernels.gates(p, 1, x, 0, size, h, 0, size, out, 0, p.outputSize());
        else kernels.gates(q, 1, x, 0, size, h, 0, size, out, 0, p.outputSize());
        return out;
    }
}
