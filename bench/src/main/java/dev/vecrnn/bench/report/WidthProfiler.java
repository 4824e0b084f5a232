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
 * than from the options it was given. Secondary results per iteration: the preferred species' bit size,
 * the bit size of the kernels {@link Kernels#get()} chose (0 for the scalar kernels), and the fork's Java
 * version as three numbers (feature, interim, update of {@link Runtime#version()}), so that a column run
 * with {@code --jdks} is named by the JDK that measured it.
 */
public final class WidthProfiler implements InternalProfiler {
    private static final String VECTOR = "vecrnn.vector.bits", KERNELS = "vecrnn.kernels.bits";
    private static final String[] JAVA = {"vecrnn.java.feature", "vecrnn.java.interim", "vecrnn.java.update"};

    /**
     * What a fork reported: the preferred vector size in bits, the chosen kernels' (0 = scalar), and its
     * Java version ({@code 17.0.15}).
     */
    record Width(int vectorBits, int kernelBits, String java) {
        /** A width reported by a fork on the running JVM's version. */
        Width(int vectorBits, int kernelBits) {
            this(vectorBits, kernelBits, version(Runtime.version()));
        }

        /** The feature version: {@code 17.0.15} -> 17. */
        int javaFeature() {
            return Integer.parseInt(java.substring(0, java.indexOf('.')));
        }

        /** E.g. {@code JDK 17.0.15, 512-bit (panama-512)}. */
        String describeWithJava() {
            return "JDK " + java + ", " + describe();
        }

        /** E.g. {@code 512-bit (panama-512)}, {@code 64-bit (scalar)}: the names of {@link Kernels#name()}. */
        String describe() {
            return vectorBits + "-bit (" + (kernelBits == 0 ? "scalar" : "panama-" + kernelBits) + ")";
        }

        /** The fork's width from its run's secondary results; fails when the profiler did not report. */
        static Width of(RunResult rr) {
            double vector = Double.NaN, kernels = Double.NaN;
            double[] java = {Double.NaN, Double.NaN, Double.NaN};
            for (var e : rr.getSecondaryResults().entrySet()) {
                // JMH prefixes profilers' labels with a separator; only the end is ours.
                double max = e.getValue().getStatistics().getMax();
                if (e.getKey().endsWith(VECTOR)) vector = max;
                if (e.getKey().endsWith(KERNELS)) kernels = max;
                for (int i = 0; i < JAVA.length; i++) if (e.getKey().endsWith(JAVA[i])) java[i] = max;
            }
            if (Double.isNaN(vector) || Double.isNaN(kernels) || Double.isNaN(java[0] + java[1] + java[2])) {
                throw new IllegalStateException(rr.getParams().getBenchmark() + ": its fork did not report its vector width");
            }
            return new Width((int) vector, (int) kernels, (int) java[0] + "." + (int) java[1] + "." + (int) java[2]);
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
        Runtime.Version v = Runtime.version();
        return List.of(new ScalarResult(VECTOR, FloatVector.SPECIES_PREFERRED.vectorBitSize(), "bits", AggregationPolicy.MAX),
                new ScalarResult(KERNELS, kernelBits(Kernels.get().name()), "bits", AggregationPolicy.MAX),
                new ScalarResult(JAVA[0], v.feature(), "", AggregationPolicy.MAX),
                new ScalarResult(JAVA[1], v.interim(), "", AggregationPolicy.MAX),
                new ScalarResult(JAVA[2], v.update(), "", AggregationPolicy.MAX));
    }

    /** {@code feature.interim.update}: {@code 17.0.15}, {@code 25.0.3}. */
    static String version(Runtime.Version v) {
        return v.feature() + "." + v.interim() + "." + v.update();
    }

    /** {@code panama-512} -> 512; {@code scalar} (no number after the last dash) -> 0. */
    static int kernelBits(String name) {
        String tail = name.substring(name.lastIndexOf('-') + 1);
        return tail.chars().allMatch(Character::isDigit) && !tail.isEmpty() ? Integer.parseInt(tail) : 0;
    }
}
