package dev.vecrnn.bench.report;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * {@code ./vecrnn bench --gate [--quick] [--baseline FILE]}: the performance regression gate. Runs the
 * rows its baseline file names, each side by side with its baseline in the same run, and checks
 * <ul>
 *   <li>{@code speedup.<row> = F}: vecrnn at least F times faster than the row's baseline (the scalar
 *       kernels, ONNX Runtime, or the slower vecrnn path): a ratio, so the noise of a shared machine
 *       mostly cancels;</li>
 *   <li>{@code alloc.<row> = B}: vecrnn allocates at most B bytes per call (JMH's gc profiler).</li>
 * </ul>
 * {@code --quick} runs shorter iterations and multiplies every speed-up floor by the file's
 * {@code quick.margin} (for CI on unknown, shared machines). Prints a table; exits 1 naming each check
 * that failed, 2 on a bad baseline file.
 */
public final class Gate {
    private Gate() {
    }

    record Check(String key, Comparison row, boolean speedup, double limit) {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        Path file = Path.of("bench", "gate-baseline.properties");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--baseline" -> {
                    if (i + 1 == args.length) usage("--baseline needs a file");
                    file = Path.of(args[++i]);
                }
                default -> usage("unknown option '" + args[i] + "'");
            }
        }
        List<Check> checks;
        double margin;
        try {
            Properties p = load(file);
            margin = number(p, "quick.margin", file);
            if (!(margin > 0 && margin <= 1)) throw new IllegalArgumentException(file + ": quick.margin: expected a number in (0, 1], got " + margin);
            checks = checks(p, file);
        } catch (IllegalArgumentException | IOException e) {
            System.err.println("gate: " + e.getMessage());
            System.exit(2);
            return;
        }
        double factor = quick ? margin : 1;
        Jmh.Settings settings = quick ? Jmh.Settings.QUICK : Jmh.Settings.GATE;
        System.err.println("gate: " + checks.size() + " checks from " + file + " (" + settings.name()
                + (quick ? ", speed-up floors x " + margin : "") + ")");

        List<String> table = new ArrayList<>(), failed = new ArrayList<>();
        table.add(String.format("%-34s %12s %12s  %s", "check", "measured", "limit", "result"));
        for (Check c : checks) {
            Comparison r = c.row();
            Jmh.Score ours = Jmh.run(r.ours(), settings, true, r.ourParams());
            String measured, limit, detail;
            boolean ok;
            if (c.speedup()) {
                Jmh.Score base = Jmh.run(r.baseline(), settings, false, r.baseParams());
                double s = BenchTable.speedup(ours, base), floor = c.limit() * factor;
                ok = s >= floor;
                measured = Fmt.number(s) + "x";
                limit = ">= " + Fmt.number(floor) + "x";
                detail = "vecrnn " + Fmt.number(ours.median() / r.perCall()) + ", " + r.baselineName() + " "
                        + Fmt.number(base.median() / r.perCall()) + " " + ours.unit();
            } else {
                double b = ours.bytesPerOp();
                ok = b <= c.limit();
                measured = Fmt.number(b) + " B";
                limit = "<= " + Fmt.number(c.limit()) + " B";
                detail = "per call of " + ours.describe();
            }
            table.add(String.format("%-34s %12s %12s  %s", c.key(), measured, limit, ok ? "ok" : "REGRESSED"));
            if (!ok) failed.add(c.key() + ": " + measured + ", limit " + limit + " (" + detail + ")");
        }
        System.out.println();
        table.forEach(System.out::println);
        if (failed.isEmpty()) {
            System.out.println("gate: passed (" + checks.size() + " checks)");
            return;
        }
        for (String f : failed) System.err.println("gate: regressed: " + f);
        System.exit(1);
    }

    private static void usage(String problem) {
        System.err.println("bench --gate: " + problem + " (options: --quick, --baseline FILE)");
        System.exit(2);
    }

    static Properties load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException(file + ": no such baseline file");
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        return p;
    }

    /** The checks of a baseline file, in the order of the table's rows; refuses unknown keys and bad numbers. */
    static List<Check> checks(Properties p, Path file) {
        Map<String, Check> byKey = new LinkedHashMap<>();
        for (String key : p.stringPropertyNames()) {
            if (key.equals("quick.margin")) continue;
            int dot = key.indexOf('.');
            String kind = dot < 0 ? key : key.substring(0, dot);
            if (!kind.equals("speedup") && !kind.equals("alloc")) {
                throw new IllegalArgumentException(file + ": " + key + ": expected speedup.<row>, alloc.<row> or quick.margin");
            }
            Comparison row = Comparison.byId(key.substring(dot + 1));
            double v = number(p, key, file);
            if (kind.equals("speedup") && row.baseline() == null) {
                throw new IllegalArgumentException(file + ": " + key + ": that row has no baseline to compare with");
            }
            byKey.put(key, new Check(key, row, kind.equals("speedup"), v));
        }
        if (byKey.isEmpty()) throw new IllegalArgumentException(file + ": no checks (expected lines like speedup.step-lstm-64 = 3)");
        List<Check> ordered = new ArrayList<>();
        for (Comparison c : Comparison.all(false)) {
            for (String kind : new String[] {"speedup.", "alloc."}) {
                Check k = byKey.get(kind + c.id());
                if (k != null) ordered.add(k);
            }
        }
        return ordered;
    }

    private static double number(Properties p, String key, Path file) {
        String s = p.getProperty(key);
        if (s == null) throw new IllegalArgumentException(file + ": missing " + key);
        try {
            double v = Double.parseDouble(s.trim());
            if (!(v >= 0) || Double.isInfinite(v)) throw new NumberFormatException();
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(file + ": " + key + ": expected a non-negative number, got '" + s + "'");
        }
    }
}
