package dev.vecrnn.bench.report;

import dev.vecrnn.kernels.Kernels;
import jdk.incubator.vector.FloatVector;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.ScalarResult;

import java.util.Collection;
import java.util.List;

/**
 * A JMH profiler that runs inside every fork {@link Jmh#run} starts and reports the vector width that fork
 * ran at, so that a row measured with {@code -XX:UseAVX=2} says so from the JVM that measured it rather
 * than from the options it was given. Two secondary results per iteration: the preferred species' bit size
 * and the bit size of the kernels {@link Kernels#get()} chose (0 for the scalar kernels).
 */
public final class WidthProfiler implements InternalProfiler {
    private static final String VECTOR = "vecrnn.vector.bits", KERNELS = "vecrnn.kernels.bits";

    /** What a fork reported: the preferred vector size in bits and the chosen kernels' (0 = scalar). */
    record Width(int vectorBits, int kernelBits) {
        /** E.g. {@code 512-bit (panama-512)}, {@code 64-bit (scalar)}: the names of {@link Kernels#name()}. */
        String describe() {
            return vectorBits + "-bit (" + (kernelBits == 0 ? "scalar" : "panama-" + kernelBits) + ")";
        }

        /** The fork's width from its run's secondary results; fails when the profiler did not report. */
        static Width of(RunResult rr) {
            double vector = Double.NaN, kernels = Double.NaN;
            for (var e : rr.getSecondaryResults().entrySet()) {
                // JMH prefixes profilers' labels with a separator; only the end is ours.
                if (e.getKey().endsWith(VECTOR)) vector = e.getValue().getStatistics().getMax();
                if (e.getKey().endsWith(KERNELS)) kernels = e.getValue().getStatistics().getMax();
            }
            if (Double.isNaN(vector) || Double.isNaN(kernels)) {
                throw new IllegalStateException(rr.getParams().getBenchmark() + ": its fork did not report its vector width");
            }
            return new Width((int) vector, (int) kernels);
        }
    }

    public WidthProfiler() {
        // Nothing here: JMH also makes one in the host JVM to check that it can.
    }

    @Override
    public String getDescription() {
        return "the vector width of the fork: preferred species and vecrnn kernels, in bits";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
                                                       IterationResult result) {
        return List.of(new ScalarResult(VECTOR, FloatVector.SPECIES_PREFERRED.vectorBitSize(), "bits", AggregationPolicy.MAX),
                new ScalarResult(KERNELS, kernelBits(Kernels.get().name()), "bits", AggregationPolicy.MAX));
    }

    /** {@code panama-512} -> 512; {@code scalar} (no number after the last dash) -> 0. */
    static int kernelBits(String name) {
        String tail = name.substring(name.lastIndexOf('-') + 1);
        return tail.chars().allMatch(Character::isDigit) && !tail.isEmpty() ? Integer.parseInt(tail) : 0;
    }
}
