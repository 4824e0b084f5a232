package dev.vecrnn.bench.nn;

import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;
import dev.vecrnn.nn.train.Adam;
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

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * One training iteration of one LSTM layer on a batch of B = 32 sequences of T = 64 steps: zero the
 * gradients, {@link Recurrent#forwardTrain}, {@link Recurrent#backward} (parameter gradients only) from a fixed random dOutput
 * (standing in for a loss), one Adam step (lr 1e-3; the next forward refreshes the derived weights, as it does after any step). No loss or head
 * is timed, only the recurrent layer and the optimizer.
 *
 * <p>A fixed dOutput pushes the weights the same way every step; to keep gates from drifting towards
 * saturation over a long run, every iteration (warmup and measurement) starts again from the same
 * weights and a fresh Adam, outside the timed region.
 *
 * <p>Run: {@code taskset -c 0 ./vecrnn bench nn.TrainIterationBench -p threads=1} and, on both cores,
 * {@code ./vecrnn bench nn.TrainIterationBench -p threads=2} (one size: {@code -p size=256}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Thread)
public class TrainIterationBench {
    static final int BATCH = 32;
    static final int STEPS = 64;

    /** I = H = size. */
    @Param({"64", "256"})
    public int size;

    /** Threads for the batched products (Recurrent.setThreads); 2 uses both cores, so do not pin to one. */
    @Param({"1", "2"})
    public int threads;

    private RecurrentConfig config;
    private Tensor x;
    private Tensor dOutput;
    private Random dropoutRng;
    private Recurrent net;
    private Adam optimizer;

    @Setup(Level.Trial)
    public void setupInputs() {
        config = RecurrentConfig.of(CellType.LSTM, size, size);
        Random rnd = new Random(NnInputs.SEED);
        x = NnInputs.tensor(rnd, STEPS, BATCH, size);
        dOutput = NnInputs.tensor(rnd, STEPS, BATCH, size);
        // No dropout in a one-layer stack; forwardTrain still takes a generator.
        dropoutRng = new Random(NnInputs.SEED);
    }

    @Setup(Level.Iteration)
    public void resetWeights() {
        net = new Recurrent(config, NnInputs.SEED);
        net.setThreads(threads);
        optimizer = new Adam(net.params(), 1e-3);
    }

    // x [T, B, I], dOutput [T, B, H] -> updated weights. x is data, so no dx is computed: PyTorch's
    // iteration in scripts/bench_pytorch.py does not compute it either (x does not require grad).
    @Benchmark
    public Recurrent.InputGrads iteration() {
        optimizer.zeroGrad();
        Recurrent.Trace trace = net.forwardTrain(x, null, null, null, dropoutRng);
        Recurrent.InputGrads grads = net.backward(trace, dOutput, null, null, false);
        optimizer.step();
        return grads;
    }
}
