package dev.vecrnn.bench;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * {@code ./vecrnn bench --short}: a few key benchmarks with short JMH settings, printed as one table
 * (about two minutes). Short runs are noisier than the README's figures; use full JMH runs to quote.
 */
public final class ShortTable {
    private ShortTable() {
    }

    public static void main(String[] args) throws Exception {
        record Row(String label, String include, String[] params) {
        }
        List<Row> rows = List.of(
                new Row("gate GEMV LSTM 64, Vector API", "GatesGemvBench", new String[] {"cell=LSTM", "size=64", "impl=panama"}),
                new Row("gate GEMV LSTM 64, scalar", "GatesGemvBench", new String[] {"cell=LSTM", "size=64", "impl=scalar"}),
                new Row("gate GEMV LSTM 256, Vector API", "GatesGemvBench", new String[] {"cell=LSTM", "size=256", "impl=panama"}),
                new Row("gate GEMV LSTM 256, scalar", "GatesGemvBench", new String[] {"cell=LSTM", "size=256", "impl=scalar"}),
                new Row("LSTM step 64 (us)", "nn.StepBench", new String[] {"cell=LSTM", "size=64"}),
                new Row("LSTM step 256 (us)", "nn.StepBench", new String[] {"cell=LSTM", "size=256"}),
                new Row("64 LSTM streams together, 256 (us)", "nn.StreamsBench.stepMany", new String[] {"size=256"}),
                new Row("training iteration 256/B32/T64, 1 thread (ms)", "nn.TrainIterationBench", new String[] {"size=256", "threads=1"}));
        List<String[]> table = new ArrayList<>();
        for (Row r : rows) {
            OptionsBuilder ob = new OptionsBuilder();
            ob.include(r.include()).forks(1).warmupIterations(4).warmupTime(TimeValue.milliseconds(500))
                    .measurementIterations(3).measurementTime(TimeValue.milliseconds(500))
                    .jvmArgsAppend("--add-modules", "jdk.incubator.vector").shouldDoGC(true);
            for (String p : r.params()) {
                String[] kv = p.split("=", 2);
                ob.param(kv[0], kv[1]);
            }
            Options opts = ob.verbosity(org.openjdk.jmh.runner.options.VerboseMode.SILENT).build();
            Collection<RunResult> res = new Runner(opts).run();
            for (RunResult rr : res) {
                var s = rr.getPrimaryResult();
                table.add(new String[] {r.label(), String.format("%.2f", s.getScore()), String.format("%.2f", s.getScoreError()), s.getScoreUnit()});
                System.err.println("done: " + r.label());
            }
        }
        System.out.printf("%-48s %12s %10s  %s%n", "benchmark", "score", "error", "unit");
        for (String[] t : table) System.out.printf("%-48s %12s %10s  %s%n", t[0], t[1], t[2], t[3]);
        System.out.println("(short JMH runs: 4 x 0.5 s warm-up, 3 x 0.5 s measured; the README's table uses 5 x 1 s)");
    }
}
