package dev.vecrnn.bench.nn;

import dev.vecrnn.nn.Tensor;
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

import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * One streaming step (as {@link StepBench}) with ordinary values against values full of subnormals
 * (|v| below 2^-126, about 1.18e-38), which some CPUs handle through slow microcode assists:
 * <ul>
 * <li>{@code NORMAL}: the default weights, x uniform in [-1, 1);
 * <li>{@code SUBNORMAL_INPUT}: the default weights, x of magnitude 5e-40..1e-39 (so the input products
 * are subnormal or underflow);
 * <li>{@code SUBNORMAL_ALL}: weights, biases and x of magnitude 5e-41..1e-40: the gate sums, the
 * activations' arguments and results, c and h all stay subnormal step after step (setup counts them).
 * </ul>
 * The requirement: a subnormal step costs at most 2x a normal one. Measured on the AMD EPYC (AVX-512)
 * this was written on, pinned to one shared core ({@code -wi 4 -i 5}, medians of 5 iterations, us/op):
 * LSTM 64: 1.41 normal, 1.45 subnormal input, 1.59 all subnormal (1.13x); LSTM 256: 27.0, 25.9, 37.9
 * (1.40x); GRU 64: 0.99, 1.00, 1.61 (1.63x); GRU 256: 19.6, 25.5 (noisy: 18.6..47.8), 28.7 (1.47x).
 * Under 2x everywhere, so the kernels do not flush subnormals to zero (which would also change results
 * against PyTorch); rerun this on other hardware before relying on it.
 *
 * <p>Run: {@code taskset -c 0 ./vecrnn bench nn.SubnormalBench} (one cell and size:
 * {@code -p cell=LSTM -p size=64}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Thread)
public class SubnormalBench {

    @Param({"LSTM", "GRU"})
    public String cell;

    /** I = H = size. */
    @Param({"64", "256"})
    public int size;

    @Param({"NORMAL", "SUBNORMAL_INPUT", "SUBNORMAL_ALL"})
    public String values;

    private Recurrent net;
    private StreamState state;
    private float[] x;
    private float[] out;

    /** n values of magnitude in [scale/2, scale) with random signs. */
    private static float[] tiny(Random rnd, int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (rnd.nextBoolean() ? 1f : -1f) * scale * (0.5f + 0.5f * rnd.nextFloat());
        return a;
    }

    @Setup
    public void setup() {
        net = new Recurrent(RecurrentConfig.of(CellType.parse(cell), size, size), NnInputs.SEED);
        Random rnd = new Random(NnInputs.SEED);
        switch (values) {
            case "NORMAL" -> x = NnInputs.uniform(rnd, size, -1f, 1f);
            case "SUBNORMAL_INPUT" -> x = tiny(rnd, size, 1e-39f);
            case "SUBNORMAL_ALL" -> {
                Map<String, Tensor> sd = net.stateDict();
                for (Map.Entry<String, Tensor> e : sd.entrySet()) {
                    Tensor t = e.getValue();
                    sd.put(e.getKey(), Tensor.of(tiny(rnd, t.size(), 1e-40f), t.shape()));
                }
                net.loadStateDict(sd);
                x = tiny(rnd, size, 1e-40f);
            }
            default -> throw new IllegalArgumentException("values: expected NORMAL, SUBNORMAL_INPUT or SUBNORMAL_ALL, got " + values);
        }
        state = net.newState();
        out = new float[size];
        int subnormal = 0;
        for (int t = 0; t < 100; t++) net.step(x, state, out);
        for (float v : out) if (v != 0f && Math.abs(v) < Float.MIN_NORMAL) subnormal++;
        System.out.println(cell + " " + size + " " + values + ": " + subnormal + " of " + size + " outputs subnormal after 100 steps");
    }

    // x [I], state h [H] (c [H]) -> out [H]; the state advances one step
    @Benchmark
    public float[] step() {
        net.step(x, state, out);
        return out;
    }
}
