package dev.vecrnn.bench.nn;

import ai.onnxruntime.OrtException;
import dev.vecrnn.bench.onnx.OrtRecurrent;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * One streaming step of one stream (batch 1, one layer) through {@link Recurrent#step}: the fused gate
 * GEMV, the pointwise cell and the copy of h out, with the argument checks of the public API. This is
 * the latency of online inference per input frame. The step is allocation-free, so
 * {@code gc.alloc.rate.norm} under {@code -prof gc} should read ~0 B/op.
 *
 * <p>The state carries over between calls, as in a real stream; with a fixed input it settles to a
 * fixed point, which costs the same per step as any other state.
 *
 * <p>{@code onnxruntime} is the same step, on the same weights, in ONNX Runtime for Java
 * ({@link OrtRecurrent}: one thread, input and state tensors made once over direct buffers, outputs
 * pinned, the state fed back by swapping buffers); the ratio of the two scores is vecrnn's speed-up.
 *
 * <p>Until C2 compiles the Vector API kernels they run boxed, about 100x slower and allocating; the
 * larger the size, the fewer calls per second and the longer that lasts. Pinned to one busy core, LSTM
 * at size 1024 was still settling after 6 x 1 s of warmup: check that the warmup iterations have levelled
 * off, else add {@code -wi} or {@code -w}.
 *
 * <p>Run: {@code taskset -c 0 ./vecrnn bench nn.StepBench -prof gc} (the {@code nn.} keeps the kernels'
 * CellStepBench out of the regex; one cell and size: {@code -p cell=LSTM -p size=256}; the scalar
 * kernels: {@code -jvmArgsAppend -Dvecrnn.kernels=scalar}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class StepBench {

    @Param({"LSTM", "GRU", "RNN_TANH"})
    public String cell;

    /** I = H = size. */
    @Param({"64", "256", "1024"})
    public int size;

    /**
     * The network's weights: FP32 as trained, or its {@link Recurrent#quantized} INT8 or BF16 copy (the table
     * runs FP32; {@code -p precision=FP32,BF16,INT8} compares them). ONNX Runtime's side runs its
     * {@code LSTM} on FP32 and its {@code DynamicQuantizeLSTM} on the same int8 weights for INT8; it has no
     * bf16 LSTM.
     */
    @Param({"FP32"})
    public String precision;

    /** Stacked layers (the table uses 1; ONNX Runtime's side is built for one layer only). */
    @Param({"1"})
    public int layers;

    private Recurrent net;
    private StreamState state;
    private float[] x;
    private float[] out;
    private OrtRecurrent ort;

    @Setup
    public void setup(BenchmarkParams params) throws OrtException {
        net = NnInputs.withPrecision(new Recurrent(RecurrentConfig.of(CellType.parse(cell), size, size).withLayers(layers), NnInputs.SEED),
                precision);
        state = net.newState();
        x = NnInputs.uniform(new Random(NnInputs.SEED), size, -1f, 1f);
        out = new float[size];
        if (params.getBenchmark().endsWith(".onnxruntime")) {
            if (layers != 1) throw new IllegalArgumentException("layers: the onnxruntime side runs one layer, got " + layers);
            ort = new OrtRecurrent(net, 1);
        }
    }

    @TearDown
    public void close() throws OrtException {
        if (ort != null) ort.close();
    }

    // x [I], state h [H] (c [H]) -> out [H]; the state advances one step
    @Benchmark
    public float[] vecrnn() {
        net.step(x, state, out);
        return out;
    }

    // the same step in ONNX Runtime: x [I] -> out [H], its state kept in its own buffers
    @Benchmark
    public float[] onnxruntime() throws OrtException {
        ort.step(x, out);
        return out;
    }
}
