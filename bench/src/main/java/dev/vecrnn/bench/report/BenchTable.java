package dev.vecrnn.bench.report;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code ./vecrnn bench --table [--quick]}: every row of {@link Comparison#all} run through JMH, vecrnn
 * and its baseline in the same run, printed as the README's Markdown table: medians with the range over
 * the measured iterations, the speed-up, the share of the machine bound (bandwidth for a batch-1 step,
 * FMA peak for a GEMM), and bytes allocated per call. Full settings take about 20 minutes; {@code --quick}
 * (sizes 64 and 256, shorter iterations) about 5 and is noisier.
 *
 * <p>Pin it for single-thread figures: {@code taskset -c 0 ./vecrnn bench --table}. Options:
 * {@code --only id,id} (rows by id, see {@code --list}).
 */
public final class BenchTable {
    private BenchTable() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        List<String> only = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--only" -> only = List.of(args[++i].split(","));
                case "--list" -> {
                    for (Comparison c : Comparison.all(false)) System.out.println(c.id() + "\t" + c.label());
                    return;
                }
                default -> {
                    System.err.println("bench --table: unknown option '" + args[i] + "' (options: --quick, --only id,id, --list)");
                    System.exit(2);
                }
            }
        }
        Jmh.Settings settings = quick ? Jmh.Settings.QUICK : Jmh.Settings.FULL;
        Roofline roofline = new Roofline(settings);
        List<Comparison> rows = new ArrayList<>();
        for (Comparison c : Comparison.all(quick)) if (only == null || only.contains(c.id())) rows.add(c);
        if (only != null && rows.size() != only.size()) {
            for (String id : only) Comparison.byId(id);   // names the unknown one
        }

        List<String> lines = new ArrayList<>();
        lines.add("| benchmark | vecrnn | baseline | speed-up | share of bound | B/op |");
        lines.add("|---|---|---|---|---|---|");
        for (Comparison c : rows) {
            Jmh.Score ours = Jmh.run(c.ours(), settings, true, c.ourParams());
            Jmh.Score base = c.baseline() == null ? null : Jmh.run(c.baseline(), settings, false, c.baseParams());
            lines.add(row(c, ours, base, roofline));
        }
        System.out.println();
        lines.forEach(System.out::println);
        System.out.println();
        System.out.println("Medians over the measured iterations, with their range; " + settings.name() + ". "
                + roofline.summary() + ". Share of bound: for a batch-1 step, the time to read its weights"
                + " at the bandwidth probed for their size over the time measured; for a GEMM, GFLOP/s over the FMA peak.");
    }

    static String row(Comparison c, Jmh.Score ours, Jmh.Score base, Roofline roofline) throws Exception {
        double k = c.perCall();
        String unit = ours.unit().replace("/op", "");
        StringBuilder sb = new StringBuilder("| ").append(c.label()).append(" | ");
        sb.append(Fmt.number(ours.median() / k)).append(" (").append(Fmt.number(ours.min() / k)).append("-")
                .append(Fmt.number(ours.max() / k)).append(")");
        if (c.bound() != null && !Double.isNaN(c.bound().flops()) && unit.equals("us")) {
            sb.append(", ").append(Fmt.number(c.bound().flops() / (ours.median() * 1000))).append(" GFLOP/s");
        }
        sb.append(" | ");
        if (base != null) {
            sb.append(c.baselineName()).append(" ").append(Fmt.number(base.median() / k)).append(" (")
                    .append(Fmt.number(base.min() / k)).append("-").append(Fmt.number(base.max() / k)).append(")");
        }
        sb.append(" | ").append(base == null ? "-" : Fmt.number(speedup(ours, base)) + "x");
        sb.append(" | ").append(Fmt.percent(c.bound() == null ? Double.NaN : roofline.share(c.bound(), ours.median())));
        sb.append(" | ").append(Fmt.number(ours.bytesPerOp() / k)).append(" |");
        return sb.toString();
    }

    /** How many times faster ours is than the baseline: a time ratio, or a throughput ratio. */
    static double speedup(Jmh.Score ours, Jmh.Score base) {
        return Comparison.higherIsBetter(ours.unit()) ? ours.median() / base.median() : base.median() / ours.median();
    }
}
