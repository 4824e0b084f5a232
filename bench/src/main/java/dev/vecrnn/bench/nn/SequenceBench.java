package dev.vecrnn.bench.nn;

import dev.vecrnn.nn.CellType;
import dev.vecrnn.nn.Recurrent;
import dev.vecrnn.nn.RecurrentConfig;
import dev.vecrnn.nn.Tensor;
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
 * Sequence inference with {@link Recurrent#forward}: one LSTM layer over T = 100 steps of one sequence
 * (batch 1), from a zero state. The score is per call, so the cost per step is score / 100; set against
 * {@link StepBench} it shows what one GEMM over all steps' inputs saves over streaming step by step.
 * forward returns fresh output tensors, so it allocates (the output alone is 100 * H floats).
 *
 * <p>Run: {@code taskset -c 0 ./vecrnn bench nn.SequenceBench -prof gc}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Thread)
public class SequenceBench {
    static final int STEPS = 100;

    /** I = H = size. */
    @Param({"64", "256"})
    public int size;

    private Recurrent net;
    private Tensor x;

    @Setup
    public void setup() {
        net = new Recurrent(RecurrentConfig.of(CellType.LSTM, size, size), NnInputs.SEED);
        x = NnInputs.tensor(new Random(NnInputs.SEED), STEPS, 1, size);
    }

    // x [T, 1, I] -> output [T, 1, H], h_n [1, 1, H], c_n [1, 1, H]
    @Benchmark
    public Recurrent.Output forward() {
        return net.forward(x, null, null, null);
    }
}
