package dev.vecrnn.bench.report;

import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;
import org.openjdk.jmh.util.Statistics;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Runs one JMH benchmark with given parameters through JMH's API and returns its median and spread, and the
 * vector width its fork reported.
 */
final class Jmh {
    private Jmh() {
    }

    /**
     * How long each benchmark runs: warm-up and measured iterations of a given length, in {@code forks} forks (the
     * median is over every fork's measured iterations).
     */
    record Settings(String name, int forks, int warmups, int warmupMillis, int iterations, int iterationMillis) {
        static final Settings FULL = new Settings("full: 5 x 1 s warm-up, 5 x 1 s measured, 1 fork", 1, 5, 1000, 5, 1000);
        /**
         * Two forks: on one machine a fork's median moves by 5-10% from fork to fork at the sizes the gate checks
         * against ONNX Runtime (where the JIT and the heap put things; Zen 4, the sequence at 64 units read 0.94x
         * and 0.98x in single forks where two forks of five iterations read 1.07x), more than a floor at 1x can
         * absorb; the median over two forks moves less.
         */
        static final Settings GATE = new Settings("gate: 2 forks, each 4 x 0.8 s warm-up, 3 x 0.8 s measured", 2, 4, 800, 3, 800);
        static final Settings QUICK = new Settings("quick: 6 x 0.5 s warm-up, 3 x 0.5 s measured, 1 fork", 1, 6, 500, 3, 500);
        /** Only long enough for a fork to start and report its width. */
        static final Settings PROBE = new Settings("probe: 1 x 0.1 s measured, 1 fork", 1, 0, 100, 1, 100);
    }

    /**
     * One benchmark's result: median, minimum and maximum over the measured iterations, in {@code unit};
     * {@code bytesPerOp} from the gc profiler (NaN when it was not asked for); the width its fork ran at.
     */
    record Score(String benchmark, Map<String, String> params, double median, double min, double max, String unit,
                 double bytesPerOp, WidthProfiler.Width width) {
        /** {@code median (min-max)} per call of {@code perCall} steps or elements. */
        String spread(double perCall) {
            return Fmt.number(median / perCall) + " (" + Fmt.number(min / perCall) + "-" + Fmt.number(max / perCall) + ")";
        }

        String describe() {
            String p = params.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
            return benchmark.substring(benchmark.lastIndexOf("bench.") + 6) + (p.isEmpty() ? "" : " " + p);
        }
    }

    private static final Map<String, Score> CACHE = new LinkedHashMap<>();

    /**
     * Runs {@code benchmark} (class and method, e.g. {@code dev.vecrnn.bench.nn.StepBench.vecrnn}) once
     * with the given parameters ("name=value") in a fork started with {@code forks}' JVM options, on its JDK
     * when it names one (JMH's {@code jvm} option; the classpath is this JVM's); the same call twice in one
     * process is run once.
     */
    static Score run(String benchmark, Settings s, Widths.Forks forks, boolean gc, String... params) throws RunnerException {
        return run(benchmark, s, forks, gc, false, params);
    }

    /**
     * As {@link #run(String, Settings, Widths.Forks, boolean, String...)}; with {@code fresh}, in a new fork even
     * if this process has run the same call (the new score replaces the one kept): the gate's second measurement
     * of a check below its floor, which the cache used to answer with the first one's score.
     */
    static Score run(String benchmark, Settings s, Widths.Forks forks, boolean gc, boolean fresh, String... params)
            throws RunnerException {
        Map<String, String> p = new LinkedHashMap<>();
        for (String kv : params) {
            int eq = kv.indexOf('=');
            p.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        String key = benchmark + p + s + forks + gc;
        Score cached = fresh ? null : CACHE.get(key);
        if (cached != null) return cached;

        OptionsBuilder ob = new OptionsBuilder();
        ob.include("^" + Pattern.quote(benchmark) + "$").forks(s.forks())
                .warmupIterations(s.warmups()).warmupTime(TimeValue.milliseconds(s.warmupMillis()))
                .measurementIterations(s.iterations()).measurementTime(TimeValue.milliseconds(s.iterationMillis()))
                .jvmArgsAppend(jvmArgs(forks))
                .shouldDoGC(true).verbosity(Boolean.getBoolean("vecrnn.bench.verbose") ? VerboseMode.NORMAL : VerboseMode.SILENT);
        if (forks.jdk() != null) ob.jvm(forks.jdk().java().toString());
        p.forEach(ob::param);
        ob.addProfiler(WidthProfiler.class);
        if (gc) ob.addProfiler("gc");
        Collection<RunResult> results = new Runner(ob.build()).run();
        if (results.size() != 1) {
            throw new IllegalStateException(benchmark + " " + p + ": expected one result, got " + results.size()
                    + " (is the name or a parameter value wrong? ./vecrnn bench -l lists the benchmarks."
                    + (forks.jvmArgs().isEmpty() ? "" : " Or did the JVM refuse " + forks.jvmArgs() + "?")
                    + (forks.jdk() == null ? "" : " Or did " + forks.jdk().java() + " not start?")
                    + " -Dvecrnn.bench.verbose=true in JAVA_TOOL_OPTIONS shows JMH's output)");
        }
        RunResult rr = results.iterator().next();
        Result<?> primary = rr.getPrimaryResult();
        Statistics st = primary.getStatistics();
        double bytes = Double.NaN;
        if (gc) {
            for (var e : rr.getSecondaryResults().entrySet()) {
                if (e.getKey().endsWith("gc.alloc.rate.norm")) bytes = e.getValue().getScore();
            }
        }
        Score score = new Score(benchmark, p, st.getPercentile(50), st.getMin(), st.getMax(), primary.getScoreUnit(), bytes,
                WidthProfiler.Width.of(rr));
        if (s == Settings.PROBE) {
            // a fork too short to compile the probe: its score is the interpreter's (0.003 where the peak reads 3.6), no bound
            System.err.printf("  width probe (%s, not timed): %s%n", s.name(), score.width().describe());
        } else {
            System.err.printf("  %s: %s %s%s, %s%n", score.describe(), Fmt.number(score.median()), score.unit(),
                    gc ? ", " + Fmt.number(bytes) + " B/op" : "", score.width().describe());
        }
        CACHE.put(key, score);
        return score;
    }

    /** The options every fork gets (the Vector API module, ONNX Runtime's native access), then {@code forks}'. */
    private static String[] jvmArgs(Widths.Forks forks) {
        List<String> args = new ArrayList<>(List.of("--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"));
        args.addAll(forks.jvmArgs());
        return args.toArray(String[]::new);
    }

    /** The width {@code forks} run at, from a short fork of the FMA probe. */
    static WidthProfiler.Width probeWidth(Widths.Forks forks) throws RunnerException {
        return run("dev.vecrnn.bench.RooflineBench.fmaPeak", Settings.PROBE, forks, false, "kib=256").width();
    }
}
