package dev.vecrnn.bench.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ./vecrnn bench --table [--quick]}: every row of {@link Comparison#all} run through JMH, vecrnn
 * and its baseline in the same run, printed as the README's Markdown table: medians with the range over
 * the measured iterations, the speed-up, the share of the machine bound (bandwidth for a batch-1 step,
 * FMA peak for a GEMM), and bytes allocated per call. Full settings take about 40 minutes a width; {@code --quick}
 * (sizes 64 and 256, shorter iterations) about 13 and is noisier.
 *
 * <p>Pin it for single-thread figures: {@code taskset -c 0 ./vecrnn bench --table}. Options:
 * {@code --only id,id} (rows by id, see {@code --list}); {@code --jvm-args "..."} (appended to every
 * fork's JVM options); {@code --widths native,avx2} (every row once per width, side by side in one table;
 * see {@link Widths}); {@code --jdks 25,17} (every row once per JDK, JDK by JDK within each width, with the
 * time on each later JDK over the time on the first; see {@link Jdks}). Each column is named by what its
 * forks report, and the machine under the table.
 */
public final class BenchTable {
    private BenchTable() {
    }

    /**
     * One column of the table: the forks' options, the bounds probed with them, the width (and Java
     * version) they reported, and whether the table has a JDK axis (then the tag names the JDK).
     */
    private record Column(Widths.Forks forks, Roofline roofline, WidthProfiler.Width width, boolean jdkAxis) {
        String tag() {
            return (jdkAxis ? "JDK " + width.javaFeature() + " " : "") + width.vectorBits() + "-bit";
        }

        String reported() {
            return jdkAxis ? width.describeWithJava() : width.describe();
        }
    }

    /** A column on a later JDK of {@code --jdks} and the column of the first JDK at the same width options. */
    private record Ratio(Column col, Column ref) {
        String title(boolean severalWidths) {
            return "time on JDK " + col.width().javaFeature() + " / JDK " + ref.width().javaFeature()
                    + (severalWidths ? " " + col.width().vectorBits() + "-bit" : "");
        }
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        List<String> only = null, jvmArgs = new ArrayList<>();
        String widthNames = null, jdkNames = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--only" -> only = List.of(value(args, ++i).split(","));
                case "--jvm-args" -> jvmArgs.addAll(Widths.split(value(args, ++i)));
                case "--widths" -> widthNames = value(args, ++i);
                case "--jdks" -> jdkNames = value(args, ++i);
                case "--list" -> {
                    for (Comparison c : Comparison.all(false)) System.out.println(c.id() + "\t" + c.label());
                    return;
                }
                default -> usage("unknown option '" + args[i] + "'");
            }
        }
        Jmh.Settings settings = quick ? Jmh.Settings.QUICK : Jmh.Settings.FULL;
        List<Widths.Forks> widths;
        List<Jdks.Jdk> jdks = null;
        List<Comparison> rows;
        try {
            widths = Widths.parse(widthNames, jvmArgs, System.getProperty("os.arch"));
            if (jdkNames != null) {
                jdks = Jdks.parse(jdkNames, System.getenv("JAVA_HOME"), Path.of(System.getProperty("java.home")),
                        List.of(Jdks.STANDARD));
                widths = Widths.onJdks(widths, jdks);
            }
            rows = rows(only, quick);
        } catch (IllegalArgumentException e) {
            usage(e.getMessage());
            return;
        }

        // The FMA probe runs first at each width: it names the width, and a width that repeats one is left out.
        Map<Widths.Forks, Roofline> rooflines = new HashMap<>();
        List<Column> columns = new ArrayList<>();
        for (Widths.Probed p : Widths.probe(widths, forks -> {
            Roofline r = new Roofline(settings, forks);
            rooflines.put(forks, r);
            return r.width();
        }, "bench --table")) {
            columns.add(new Column(p.forks(), rooflines.get(p.forks()), p.width(), jdks != null));
        }
        List<Ratio> ratios = ratios(columns, jdks);

        List<String> lines = new ArrayList<>(header(columns, ratios));
        List<Column> mixed = new ArrayList<>();   // columns with a fork at another width than their probe's
        for (Comparison c : rows) {
            List<List<String>> cells = new ArrayList<>();
            Map<Column, Jmh.Score[]> scores = new HashMap<>();
            for (Column col : columns) {
                Jmh.Score ours = Jmh.run(c.ours(), settings, col.forks(), true, c.ourParams());
                Jmh.Score base = c.baseline() == null ? null : Jmh.run(c.baseline(), settings, col.forks(), true, c.baseParams());
                cells.add(cells(c, ours, base, col.roofline(), col.width()));
                scores.put(col, new Jmh.Score[] {ours, base});
                if (!ours.width().equals(col.width()) || base != null && !base.width().equals(col.width())) mixed.add(col);
            }
            List<String> ratioCells = new ArrayList<>();
            for (Ratio r : ratios) ratioCells.add(ratioCell(c, scores.get(r.col()), scores.get(r.ref())));
            lines.add(row(c, cells, ratioCells));
        }
        System.out.println();
        lines.forEach(System.out::println);
        System.out.println();
        System.out.println("Medians over the measured iterations, with their range; " + settings.name() + ". Share of bound:"
                + " for a batch-1 step, the time to read its weights at the bandwidth probed for their size over the time"
                + " measured; for a GEMM, GFLOP/s over the FMA peak.");
        if (!ratios.isEmpty()) {
            System.out.println("Time on a later JDK over the time on the first, medians (above 1: slower), vecrnn's and"
                    + " in brackets the baseline's.");
        }
        if (columns.stream().anyMatch(col -> col.width().vectorBits() < Comparison.machineBits())) {
            System.out.println("ONNX Runtime chooses its kernels from the CPU and ignores JVM options: in a column narrower than"
                    + " the machine's " + Comparison.machineBits() + " bits it still runs its own " + Comparison.machineBits()
                    + "-bit code (marked), so those speed-ups are not at one width; the gate skips them.");
        }
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.println("Machine: " + Roofline.cpuModel() + ", " + cores + (cores == 1 ? " core" : " cores") + " for this run.");
        for (Column col : columns) {
            System.out.println(col.tag() + ": " + col.forks().describe() + "; " + (mixed.contains(col)
                    ? "forks reported " + col.reported() + " except where a cell says otherwise"
                    : "every fork reported " + col.reported()) + "; " + col.roofline().summary() + ".");
        }
    }

    /**
     * The rows of the table: all, or those {@code --only} names (in the table's order); an id that is no row, or a row
     * that {@code --quick} leaves out, is refused by name.
     */
    static List<Comparison> rows(List<String> only, boolean quick) {
        List<Comparison> rows = new ArrayList<>();
        for (Comparison c : Comparison.all(quick)) if (only == null || only.contains(c.id())) rows.add(c);
        if (only != null) {
            for (String id : only) {
                Comparison.byId(id);   // names an id that is no row
                if (rows.stream().noneMatch(c -> c.id().equals(id))) {
                    throw new IllegalArgumentException("--only: the row '" + id + "' is not in the --quick table (" + String.join(", ",
                            Comparison.all(true).stream().map(Comparison::id).toList()) + ")");
                }
            }
        }
        return rows;
    }

    /** Each column on a later JDK than the first of {@code jdks}, with the first JDK's column of the same options. */
    private static List<Ratio> ratios(List<Column> columns, List<Jdks.Jdk> jdks) {
        List<Ratio> out = new ArrayList<>();
        if (jdks == null) return out;
        for (Column col : columns) {
            if (col.forks().jdk() == jdks.get(0)) continue;
            for (Column ref : columns) {
                if (ref.forks().jdk() == jdks.get(0) && ref.forks().jvmArgs().equals(col.forks().jvmArgs())) {
                    out.add(new Ratio(col, ref));
                }
            }
        }
        return out;
    }

    /** vecrnn's time on the later JDK over its time on the first, and the baseline's in brackets. */
    static String ratioCell(Comparison c, Jmh.Score[] later, Jmh.Score[] first) {
        String s = Fmt.number(slowdown(later[0], first[0])) + "x";
        return later[1] == null ? s : s + " (" + c.baselineName() + " " + Fmt.number(slowdown(later[1], first[1])) + "x)";
    }

    /** How many times longer {@code s} takes than {@code ref}: a time ratio, or the inverse throughput ratio. */
    static double slowdown(Jmh.Score s, Jmh.Score ref) {
        return Comparison.higherIsBetter(s.unit()) ? ref.median() / s.median() : s.median() / ref.median();
    }

    private static List<String> header(List<Column> columns, List<Ratio> ratios) {
        if (columns.size() == 1) return List.of("| benchmark | vecrnn | baseline | speed-up | share of bound | B/op |", "|---|---|---|---|---|---|");
        StringBuilder h = new StringBuilder("| benchmark |"), rule = new StringBuilder("|---|");
        for (Column col : columns) {
            for (String what : new String[] {"vecrnn", "baseline", "speed-up", "share of bound"}) {
                h.append(' ').append(what).append(' ').append(col.tag()).append(" |");
                rule.append("---|");
            }
        }
        h.append(" B/op (").append(String.join(" / ", columns.stream().map(Column::tag).toList())).append(") |");
        rule.append("---|");
        boolean severalWidths = ratios.stream().map(r -> r.ref()).distinct().count() > 1;
        for (Ratio r : ratios) {
            h.append(' ').append(r.title(severalWidths)).append(" |");
            rule.append("---|");
        }
        return List.of(h.toString(), rule.toString());
    }

    /**
     * A row of the table: each column's cells side by side, B/op of every column together, then the
     * ratios of later JDKs to the first.
     */
    private static String row(Comparison c, List<List<String>> cells, List<String> ratios) {
        if (cells.size() == 1) return "| " + c.label() + " | " + String.join(" | ", cells.get(0)) + " |";
        StringBuilder sb = new StringBuilder("| ").append(c.label()).append(" | ");
        List<String> bytes = new ArrayList<>();
        for (List<String> w : cells) {
            sb.append(String.join(" | ", w.subList(0, 4))).append(" | ");
            bytes.add(w.get(4));
        }
        sb.append(String.join(" / ", bytes)).append(" |");
        for (String r : ratios) sb.append(' ').append(r).append(" |");
        return sb.toString();
    }

    /**
     * The cells of one row at one width: vecrnn, baseline, speed-up, share of bound, B/op. A side whose fork
     * reported another width than the column's probe says so in its cell.
     */
    static List<String> cells(Comparison c, Jmh.Score ours, Jmh.Score base, Roofline roofline, WidthProfiler.Width width)
            throws Exception {
        double k = c.perCall();
        String unit = ours.unit().replace("/op", "");
        String vecrnn = ours.spread(k);
        if (c.bound() != null && !Double.isNaN(c.bound().flops()) && unit.equals("us")) {
            vecrnn += ", " + Fmt.number(c.bound().flops() / (ours.median() * 1000)) + " GFLOP/s";
        }
        vecrnn += otherWidth(ours, width);
        String baseline = base == null ? "" : c.baselineName() + " " + base.spread(k) + otherWidth(base, width)
                + (c.baselineWiderThan(width) ? " [its own " + Comparison.machineBits() + "-bit code]" : "");
        return List.of(vecrnn, baseline, base == null ? "-" : Fmt.number(speedup(ours, base)) + "x",
                Fmt.percent(c.bound() == null ? Double.NaN : roofline.share(c.bound(), ours.median())),
                Fmt.number(ours.bytesPerOp() / k));
    }

    private static String otherWidth(Jmh.Score s, WidthProfiler.Width expected) {
        if (s.width().equals(expected)) return "";
        return " [ran at " + (s.width().java().equals(expected.java()) ? s.width().describe() : s.width().describeWithJava()) + "]";
    }

    /** How many times faster ours is than the baseline: a time ratio, or a throughput ratio. */
    static double speedup(Jmh.Score ours, Jmh.Score base) {
        return Comparison.higherIsBetter(ours.unit()) ? ours.median() / base.median() : base.median() / ours.median();
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) usage(args[i - 1] + " needs a value");
        return args[i];
    }

    private static void usage(String problem) {
        System.err.println("vecrnn bench --table: " + problem + " (options: --quick, --only id,id, --list, --jvm-args \"OPTIONS\","
                + " --widths native,avx2,128, --jdks current,17 (versions or JDK paths))");
        System.exit(2);
    }
}
