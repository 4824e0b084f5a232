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
 * The fused gate GEMV of {@link GatesGemvBench} (batch 1, I = H = size) with the weights in each
 * {@link Precision}: fp32 from the {@link PackedGates}, int8 and bf16 from a {@link QuantizedGates} made of
 * the same weights, widened in registers. A batch-1 step reads every weight once, so from about 256 units
 * up the bytes per weight set the time.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Thread)
public class QuantizedGemvBench {

    @Param({"LSTM"})
    public String cell;

    @Param({"64", "256", "1024"})
    public int size;

    @Param({"FP32", "BF16", "INT8"})
    public String precision;

    @Param({"panama"})
    public String impl;

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
