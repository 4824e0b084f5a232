package dev.vecrnn.bench;

import dev.vecrnn.kernels.Kernels;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * tanh and sigmoid over N = 4096 floats uniform in [-5, 5], the range where neither saturates. Each call
 * counts as N operations, so the score reads directly as <b>elements per ns</b> (higher is better).
 * The jdk* benchmarks are the JDK's own {@code lanewise(TANH)} / {@code lanewise(EXP)} over the same data,
 * for comparison; they do not depend on {@code impl} and run once.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(ActivationBench.N)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class ActivationBench {
    static final int N = 4096;

    /** Kept in a static final so that the JIT treats the species as a constant. */
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    @State(Scope.Thread)
    public static class Data {
        float[] x;
        float[] y;

        @Setup
        public void setup() {
            x = BenchInputs.uniform(new Random(BenchInputs.SEED), N, -5f, 5f);
            y = new float[N];
        }
    }

    @State(Scope.Thread)
    public static class Impl {
        @Param({"panama", "scalar"})
        public String impl;

        Kernels kernels;

        @Setup
        public void setup() {
            kernels = BenchInputs.kernels(impl);
        }
    }

    // x [N] -> y [N]
    @Benchmark
    public float[] tanh(Data d, Impl k) {
        k.kernels.tanh(N, d.x, 0, d.y, 0);
        return d.y;
    }

    // x [N] -> y [N]
    @Benchmark
    public float[] sigmoid(Data d, Impl k) {
        k.kernels.sigmoid(N, d.x, 0, d.y, 0);
        return d.y;
    }

    // x [N] -> y [N]; N is a multiple of every vector length, so no tail.
    @Benchmark
    public float[] jdkTanh(Data d) {
        float[] x = d.x, y = d.y;
        for (int i = 0; i < N; i += SPECIES.length()) {
            FloatVector.fromArray(SPECIES, x, i).lanewise(VectorOperators.TANH).intoArray(y, i);
        }
        return y;
    }

    // x [N] -> y [N]: 1 / (1 + exp(-x))
    @Benchmark
    public float[] jdkSigmoid(Data d) {
        float[] x = d.x, y = d.y;
        FloatVector one = FloatVector.broadcast(SPECIES, 1f);
        for (int i = 0; i < N; i += SPECIES.length()) {
            FloatVector e = FloatVector.fromArray(SPECIES, x, i).neg().lanewise(VectorOperators.EXP);
            one.div(e.add(1f)).intoArray(y, i);
        }
        return y;
    }
}
