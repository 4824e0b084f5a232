package dev.vecrnn.bench.nn;

import dev.vecrnn.kernels.Precision;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;
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
 * {@link StepBench}'s streaming step (batch 1, one layer, I = H = size) on a {@link Recurrent#quantized}
 * copy of the same network: FP32 is the network itself, INT8 and BF16 its quantized copies. A batch-1 step
 * reads every gate weight once, so from about 256 units up its time follows the bytes per weight.
 *
 * <p>Run: {@code taskset -c 0 ./vecrnn bench QuantizedStepBench -prof gc} (one size: {@code -p size=1024}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Thread)
public class QuantizedStepBench {

    @Param({"LSTM"})
    public String cell;

    @Param({"64", "256", "1024"})
    public int size;

    @Param({"FP32", "BF16", "INT8"})
    public String precision;

    private Recurrent net;
    private StreamState state;
    private float[] x;
    private float[] out;

    @Setup
    public void setup() {
        Recurrent fp32 = new Recurrent(RecurrentConfig.of(CellType.parse(cell), size, size), NnInputs.SEED);
        Precision p = Precision.valueOf(precision);
        net = p == Precision.FP32 ? fp32 : fp32.quantized(p);
        state = net.newState();
        x = NnInputs.uniform(new Random(NnInputs.SEED), size, -1f, 1f);
        out = new float[size];
    }

    // x [I], state h [H] (c [H]) -> out [H]; the state advances one step
    @Benchmark
    public float[] step() {
        net.step(x, state, out);
        return out;
    }
}
