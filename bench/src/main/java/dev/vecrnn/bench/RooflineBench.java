package dev.vecrnn.bench;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.CompilerControl;
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

import java.util.concurrent.TimeUnit;

/**
 * This machine's bounds, probed from Java: the fp32 FMA peak of one core (independent FMA chains on
 * registers, no memory) and the read bandwidth for working sets in L2, L3 and memory. Scores:
 * {@code fmaPeak} in vector FMAs per ns (GFLOP/s = score x 2 x lanes, 16 lanes with AVX-512);
 * {@code read} in ns per pass over {@code kib} KiB (GB/s = kib x 1024 / score).
 * Run: {@code taskset -c 0 ./vecrnn bench RooflineBench}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Thread)
public class RooflineBench {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int FMA_ITERS = 4096;

    /** Working set in KiB for the read probe. */
    @Param({"256", "2048", "65536"})
    public int kib;

    private float[] data;
    private float seed = 1.0001f;

    @Setup
    public void setup() {
        data = new float[kib * 256];
        for (int i = 0; i < data.length; i++) data[i] = (i % 7) * 0.5f;
    }

    // 12 independent chains per iteration: enough to fill two FMA pipes of latency 4 to 6 (8 to 12 in
    // flight), and with the two constants 14 live vectors, so the probe does not spill with AVX2's 16
    // registers (16 chains did, and understated the 256-bit peak). Each chain is the addend of its FMA
    // (acc = m * c + acc), the form of every kernel: C2's x86 rule for a vector FMA writes its result over
    // the addend, so a chain held in a multiplicand (acc = acc * m + c, this probe until 2026-12-05) costs
    // a register copy per FMA and read 2.82 vector FMAs/ns at 512 bits and 5.75 at 256 on a Zen 5 where
    // this form reads 8.4 at both. Not inlined into JMH's loop: on JDK 25, once C2 compiled the JMH stub
    // with this method inlined (the fourth warm-up iteration), the probe read half (4.3 against 8.6 vector
    // FMAs/ns, both widths, Zen 5); JDK 17 did not. The kib parameter does not matter here.
    @Benchmark
    @OperationsPerInvocation(FMA_ITERS * 12)
    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    public float fmaPeak() {
        FloatVector m = FloatVector.broadcast(S, 0.999f), c = FloatVector.broadcast(S, 0.001f);
        FloatVector a0 = FloatVector.broadcast(S, seed), a1 = a0.add(1f), a2 = a0.add(2f), a3 = a0.add(3f);
        FloatVector a4 = a0.add(4f), a5 = a0.add(5f), a6 = a0.add(6f), a7 = a0.add(7f);
        FloatVector b0 = a0.add(8f), b1 = a0.add(9f), b2 = a0.add(10f), b3 = a0.add(11f);
        for (int i = 0; i < FMA_ITERS; i++) {
            a0 = m.fma(c, a0);
            a1 = m.fma(c, a1);
            a2 = m.fma(c, a2);
            a3 = m.fma(c, a3);
            a4 = m.fma(c, a4);
            a5 = m.fma(c, a5);
            a6 = m.fma(c, a6);
            a7 = m.fma(c, a7);
            b0 = m.fma(c, b0);
            b1 = m.fma(c, b1);
            b2 = m.fma(c, b2);
            b3 = m.fma(c, b3);
        }
        FloatVector s = a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7)
                .add(b0.add(b1).add(b2).add(b3));
        return s.lane(0);
    }

    /**
     * {@link #fmaPeak} with 8 chains in place of 12: what a register tile of 8 accumulators (the 256-bit
     * batched tile, 4 rows x 2 chunks) can reach at best, as FMA latency times pipes is 8 on the CPUs of
     * today (4 x 2). Read against fmaPeak: 89% of it at 512 bits and 83% at 256 on Zen 5 (JDK 25).
     */
    @Benchmark
    @OperationsPerInvocation(FMA_ITERS * 8)
    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    public float fmaEightChains() {
        FloatVector m = FloatVector.broadcast(S, 0.999f), c = FloatVector.broadcast(S, 0.001f);
        FloatVector a0 = FloatVector.broadcast(S, seed), a1 = a0.add(1f), a2 = a0.add(2f), a3 = a0.add(3f);
        FloatVector a4 = a0.add(4f), a5 = a0.add(5f), a6 = a0.add(6f), a7 = a0.add(7f);
        for (int i = 0; i < FMA_ITERS; i++) {
            a0 = m.fma(c, a0);
            a1 = m.fma(c, a1);
            a2 = m.fma(c, a2);
            a3 = m.fma(c, a3);
            a4 = m.fma(c, a4);
            a5 = m.fma(c, a5);
            a6 = m.fma(c, a6);
            a7 = m.fma(c, a7);
        }
        return a0.add(a1).add(a2).add(a3).add(a4.add(a5).add(a6).add(a7)).lane(0);
    }

    /** One pass over the working set with four independent vector sums. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    public float read() {
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
        int l = S.length();
        for (int i = 0; i + 4 * l <= data.length; i += 4 * l) {
            s0 = s0.add(FloatVector.fromArray(S, data, i));
            s1 = s1.add(FloatVector.fromArray(S, data, i + l));
            s2 = s2.add(FloatVector.fromArray(S, data, i + 2 * l));
            s3 = s3.add(FloatVector.fromArray(S, data, i + 3 * l));
        }
        return s0.add(s1).add(s2.add(s3)).lane(0);
    }
}
