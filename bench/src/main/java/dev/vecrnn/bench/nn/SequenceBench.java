package dev.vecrnn.bench.nn;

import ai.onnxruntime.OrtException;
import dev.vecrnn.bench.onnx.OrtRecurrent;
import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;
import dev.vecrnn.nn.recurrent.SequenceWorkspace;
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
 * Sequence inference: one layer of each cell type over T = 100 steps of one sequence (batch 1), from a
 * zero state. The score is per call, so the cost per step is score / 100; set against {@link StepBench}
 * it shows what one GEMM over all steps' inputs saves over streaming step by step. {@code vecrnn} runs
 * {@link Recurrent#forward(Tensor, int[], Tensor, Tensor, Tensor, Tensor, Tensor, SequenceWorkspace)}
 * into output tensors and a workspace made once, so {@code gc.alloc.rate.norm} under {@code -prof gc}
 * should read ~0 B/op; {@code vecrnnFresh} is the allocating {@link Recurrent#forward(Tensor, int[],
 * Tensor, Tensor)} (fresh outputs and workspace per call). {@code onnxruntime} runs the same weights and
 * sequence in ONNX Runtime (one thread, tensors made once, outputs pinned: {@link OrtRecurrent}).
 *
 * <p>Run: {@code taskset -c 0 ./vecrnn bench nn.SequenceBench -prof gc}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class SequenceBench {
    static final int STEPS = 100;

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

    private Recurrent net;
    private Tensor x;
    private Tensor output;
    private Tensor hN;
    private Tensor cN;
    private SequenceWorkspace ws;
    private OrtRecurrent ort;
    private float[] out;

    @Setup
    public void setup(BenchmarkParams params) throws OrtException {
        net = NnInputs.withPrecision(new Recurrent(RecurrentConfig.of(CellType.parse(cell), size, size), NnInputs.SEED), precision);
        x = NnInputs.tensor(new Random(NnInputs.SEED), STEPS, 1, size);
        output = Tensor.zeros(STEPS, 1, size);
        hN = Tensor.zeros(1, 1, size);
        cN = net.config().type() == CellType.LSTM ? Tensor.zeros(1, 1, size) : null;
        ws = net.newSequenceWorkspace();
        if (params.getBenchmark().endsWith(".onnxruntime")) {
            ort = new OrtRecurrent(net, STEPS);
            out = new float[STEPS * size];
        }
    }

    @TearDown
    public void close() throws OrtException {
        if (ort != null) ort.close();
    }

    // x [T, 1, I] -> output [T, 1, H], h_n [1, 1, H], c_n [1, 1, H] (LSTM), in the workspace
    @Benchmark
    public Tensor vecrnn() {
        net.forward(x, null, null, null, output, hN, cN, ws);
        return output;
    }

    // the same into fresh tensors
    @Benchmark
    public Recurrent.Output vecrnnFresh() {
        return net.forward(x, null, null, null);
    }

    // the same in ONNX Runtime: x [T, 1, I] -> Y [T, 1, 1, H] (and Y_h, Y_c into its own buffers)
    @Benchmark
    public float[] onnxruntime() throws OrtException {
        ort.sequence(x.data(), out);
        return out;
    }
}
