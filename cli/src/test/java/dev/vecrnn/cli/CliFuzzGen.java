package dev.vecrnn.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Generates one {@link CliFuzzCase} per call: a valid, cheap command line (tiny data, one epoch, hidden
 * sizes 2 to 4) and, four times in five, one or two planted faults or doubtful changes drawn from what
 * this command line offers: option values out of range or not numbers at all, picocli misuse (unknown,
 * missing, repeated or value-less options, stray arguments, {@code @file} arguments), hostile input files
 * (missing, directories, FIFOs, devices, unreadable, empty, truncated, byte-mutated, .npy headers with
 * huge shapes or foreign dtypes, zero-length dimensions, wrong ranks, non-finite values, paths pointing at
 * other inputs) and hostile outputs (an input, a link to one, an existing file without --overwrite, a
 * directory, a FIFO, a device, under a file). Everything is drawn from the case's {@link Random}, so a
 * seed gives the same case (with other temporary paths).
 *
 * <p>This class holds the case being built (its {@link Random}, the {@link CliFuzzCase}, the files to lay
 * out, the planters to draw faults from) and the vocabulary of options every command uses: numbers, enums,
 * flags, picocli misuse. {@link CliFuzzInputs} adds input files and the arrays in them, {@link
 * CliFuzzOutputs} the outputs; a subclass per command family draws its command line: {@link CliFuzzFit},
 * {@link CliFuzzPredict}, {@link CliFuzzInfer}, {@link CliFuzzText}, {@link CliFuzzForecast} and {@link
 * CliFuzzTopLevel}. The models the cases copy are {@link CliFuzzTemplates}.
 */
abstract class CliFuzzGen {

    // ---- value pools -------------------------------------------------------------------------------------

    static final String[] NOT_INT = {"", "abc", "1.5", "1e3", "NaN", "Infinity", "-Infinity", "99999999999", "-99999999999", "1_000",
        "one", "\u001b[31m1", "1\n2", "\u202e2", "2-", "0x", "∞", "NULL", "%d", "$(id)", "'1'", "1;2"};
    static final String[] NOT_NUMBER = {"", "abc", "1,5", "0.5.5", "1e", "e5", "NaNa", "\u001b[2J", "0x", "½", "٠٫٥", "--1", "1..2",
        "inf", "nan", "%f", "\"0.1\"", "0.1;rm", "１"};
    static final String[] JUNK = {"", " ", "x", "LSTMx", "lstm ", " gru", "rnn-relu", "\u001b[31mred\u001b[0m", "line1\nline2", "\u202eevil",
        "ＬＳＴＭ", "a".repeat(5000), "nan", "-", "%s%s%n", "$(id)", "../../etc/passwd", "\u0001", "null", "ĺstm", "\uD83D\uDE00",
        "tab\there", "\r\nCRLF"};
    static final String[] UNKNOWN = {"--bogus", "--Hidden", "-q", "--x-ray", "---", "--out-dir", "-Z", "--lr_rate", "--EPOCHS"};
    static final String[] STRAY = {"stray", "x.npy", "extra", "0", "NaN", "run"};

    // ---- the case being built ------------------------------------------------------------------------------

    /** What a path in the case will be when the case is laid out. */
    record Node(String kind, byte[] bytes, Path target) {
        static Node file(byte[] b) {
            return new Node("file", b, null);
        }

        static final Node DIR = new Node("dir", null, null);
        static final Node FIFO = new Node("fifo", null, null);
        static final Node MISSING = new Node("missing", null, null);

        static Node link(Path target) {
            return new Node("link", null, target);
        }

        static Node hard(Path target) {
            return new Node("hard", null, target);
        }

        static Node locked(byte[] b) {
            return new Node("locked", b, null);
        }

        /** A file of 64 GiB of zeros that takes no space (sparse). */
        static final Node HUGE = new Node("sparse", null, null);
    }

    /** A way to make the case wrong (or doubtful); {@code target} (options, comma-separated) keeps two plantings from clashing. */
    record Planter(String target, Runnable plant) {
    }

    final CliFuzzCase c;
    final Random r;
    final Path dir;
    final Map<Path, Node> files = new LinkedHashMap<>();
    final List<Planter> planters = new ArrayList<>();
    private final List<String> decoys = new ArrayList<>();
    private int next;

    CliFuzzGen(String command, Path dir, long seed) {
        this.r = new Random(seed);
        this.dir = dir;
        this.c = new CliFuzzCase(command, dir, r);
    }

    /** The case for {@code command} ({@code null}: no command) drawn from {@code seed}, its files laid out in {@code dir}. */
    static CliFuzzCase generate(String command, Path dir, long seed, double validShare) {
        CliFuzzGen g = switch (command == null ? "" : command) {
            case "fit", "tune" -> new CliFuzzFit(command, dir, seed);
            case "predict", "evaluate", "quantize" -> new CliFuzzPredict(command, dir, seed);
            case "infer" -> new CliFuzzInfer(command, dir, seed);
            case "train-text", "sample" -> new CliFuzzText(command, dir, seed);
            case "forecast", "demo" -> new CliFuzzForecast(command, dir, seed);
            default -> new CliFuzzTopLevel(command, dir, seed);
        };
        boolean valid = g.r.nextDouble() < validShare && !"demo".equals(command);
        g.build();
        if (command != null) g.picocliPlanters();
        if (!valid) g.plant();
        boolean fifo = g.files.values().stream().anyMatch(n -> n.kind().equals("fifo"));
        if (g.c.expect == CliFuzzCase.Expect.FAULT && !g.decoys.isEmpty() && g.r.nextInt(4) == 0 && !fifo) {
            // values that would make the run expensive: a refusal must not depend on them (not with a FIFO,
            // which a command may block on until the test opens its other end, and then go on)
            String[] d = g.decoys.get(g.r.nextInt(g.decoys.size())).split(" ", 2);
            if (!g.c.names.contains(d[0]) && g.c.has(d[0])) {
                g.c.put(d[0], d[1]);
                g.c.note("decoy " + d[0] + " " + d[1]);
            }
        }
        g.layOut();
        return g.c;
    }

    /** Draws the valid command line of {@code c.command} and registers the faults it offers as planters. */
    abstract void build();

    private void plant() {
        int n = r.nextInt(5) == 0 ? 2 : 1;
        Set<String> used = new LinkedHashSet<>();
        for (int tries = 0; n > 0 && tries < 20 && !planters.isEmpty(); tries++) {
            Planter p = planters.get(r.nextInt(planters.size()));
            List<String> targets = List.of(p.target().split(","));
            if (targets.stream().anyMatch(used::contains)) continue;
            used.addAll(targets);
            p.plant().run();
            n--;
        }
    }

    // ---- small helpers -------------------------------------------------------------------------------------

    Path path(String name) {
        return dir.resolve(name);
    }

    /** Where an input goes: {@code name}, or (one time in eight) a name with spaces, quotes, a line break or an escape. */
    Path inPath(String name) {
        if (r.nextInt(8) != 0) return path(name);
        String odd = switch (r.nextInt(6)) {
            case 0 -> "my data " + name;
            case 1 -> name.replace(".", "\n.");
            case 2 -> "\u001b[31m" + name;
            case 3 -> "-" + name;
            case 4 -> "'" + name + "'";
            default -> name + " ";
        };
        c.note("input file named " + CliFuzzCase.quote(odd));
        return path(odd);
    }

    String fresh(String stem) {
        return stem + (next++);
    }

    String pick(String... s) {
        return s[r.nextInt(s.length)];
    }

    int pick(int[] a) {
        return a[r.nextInt(a.length)];
    }

    int between(int lo, int hi) {
        return lo + r.nextInt(hi - lo + 1);
    }

    double pickD(double... d) {
        return d[r.nextInt(d.length)];
    }

    String randomCase(String s) {
        StringBuilder b = new StringBuilder();
        for (char ch : s.toCharArray()) b.append(r.nextInt(4) == 0 ? Character.toUpperCase(ch) : ch);
        return b.toString();
    }

    /** {@code p} as the command line gives it: absolute, or (sometimes) relative to the working directory. */
    String arg(Path p) {
        if (r.nextInt(10) == 0) {
            try {
                return Path.of("").toAbsolutePath().relativize(p).toString();
            } catch (IllegalArgumentException e) {
                return p.toString();
            }
        }
        return p.toString();
    }

    void option(String opt, boolean always, String value) {
        if (always || r.nextInt(3) != 0) c.put(opt, value);
    }

    // ---- options: valid values and their faults --------------------------------------------------------------

    /** An int option in [min, max]; valid values are drawn from [lo, hi]. */
    void intOpt(String opt, boolean always, int min, int max, int lo, int hi) {
        option(opt, always, Integer.toString(between(lo, hi)));
        planters.add(new Planter(opt, () -> {
            List<Long> bad = new ArrayList<>();
            if (min > Integer.MIN_VALUE) {
                bad.add(min - 1L);
                bad.add(min - 1L - r.nextInt(1000));
                bad.add((long) Integer.MIN_VALUE);
            }
            if (max < Integer.MAX_VALUE) {
                bad.add(max + 1L);
                bad.add((long) Integer.MAX_VALUE);
            }
            c.put(opt, Long.toString(bad.get(r.nextInt(bad.size()))));
            c.fault(opt + ": out of range", opt);
        }));
        planters.add(new Planter(opt, () -> {
            c.put(opt, pick(NOT_INT));
            c.fault(opt + ": not an integer", opt);
        }));
    }

    /** A long option (any value is in range). */
    void longOpt(String opt) {
        option(opt, false, Long.toString(r.nextInt(3) == 0 ? r.nextLong() : r.nextInt(100)));
        planters.add(new Planter(opt, () -> {
            String v;
            do {
                v = r.nextBoolean() ? pick("9223372036854775808", "-9223372036854775809", "1e19") : pick(NOT_INT);
            } while (v.equals("99999999999") || v.equals("-99999999999"));
            c.put(opt, v);
            c.fault(opt + ": not an integer", opt);
        }));
    }

    /**
     * A number option in the interval from lo to hi (closed at an end when the flag says so); valid values from
     * {@code valid}.
     */
    void numOpt(String opt, boolean always, double lo, boolean loClosed, double hi, boolean hiClosed, double... valid) {
        option(opt, always, num(pickD(valid)));
        planters.add(new Planter(opt, () -> {
            List<String> bad = new ArrayList<>(List.of("NaN", "-Infinity", "-1e400"));
            if (Double.isFinite(hi) || !hiClosed) bad.addAll(List.of("Infinity", "1e400"));
            if (Double.isFinite(lo)) {
                bad.add(num(lo - 1));
                bad.add(num(lo - 1e6));
                if (!loClosed) bad.add(lo == 0 ? pick("0", "-0.0", "0e0") : num(lo));
                else bad.add(num(lo - Math.max(1e-9, Math.abs(lo) * 1e-9)));
            }
            if (Double.isFinite(hi) && hi < Double.MAX_VALUE) {
                bad.add(num(hi + 1));
                bad.add("1e308");
                if (!hiClosed) bad.add(num(hi));
            }
            c.put(opt, bad.get(r.nextInt(bad.size())));
            c.fault(opt + ": out of range", opt);
        }));
        planters.add(new Planter(opt, () -> {
            c.put(opt, pick(NOT_NUMBER));
            c.fault(opt + ": not a number", opt);
        }));
    }

    static String num(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    /** A choice among {@code allowed} (case-insensitive). */
    void enumOpt(String opt, boolean always, String... allowed) {
        option(opt, always, randomCase(pick(allowed)));
        planters.add(new Planter(opt, () -> {
            c.put(opt, pick(JUNK));
            c.fault(opt + ": not one of its choices", opt);
        }));
    }

    void flagOpt(String opt, boolean on) {
        if (on) c.flag(opt);
        planters.add(new Planter(opt, () -> {
            c.remove(opt);
            c.raw.add(opt + "=" + pick("maybe", "2", "yes please", "\u001b[1mtrue", "tru"));
            c.fault(opt + ": a flag given a value", opt);
        }));
    }

    /** Values that are valid but expensive; a case refused for something else must not spend them. */
    void decoy(String opt, String value) {
        decoys.add(opt + " " + value);
    }

    // ---- picocli misuse, for every command ---------------------------------------------------------------------

    private void picocliPlanters() {
        planters.add(new Planter("unknown", () -> {
            String u = pick(UNKNOWN);
            c.raw.add(r.nextBoolean() ? u : u + "=1");
            c.fault("unknown option", u);
        }));
        planters.add(new Planter("stray", () -> {
            String s = pick(STRAY);
            c.raw.add(s);
            c.fault("stray argument", "'" + s + "'");
        }));
        List<String> valued = c.opts.entrySet().stream().filter(e -> !e.getValue().isEmpty() && !e.getValue().get(0).startsWith("@"))
                .map(Map.Entry::getKey).toList();
        if (!valued.isEmpty()) {
            planters.add(new Planter("repeat", () -> {
                String o = valued.get(r.nextInt(valued.size()));
                if (c.opts.get(o) == null || c.opts.get(o).isEmpty()) return;
                c.opts.get(o).add(c.opts.get(o).get(0));
                c.fault("option given twice", o);
            }));
            planters.add(new Planter("no-value", () -> {
                String o = valued.get(r.nextInt(valued.size()));
                if (!c.has(o)) return;
                c.remove(o);
                c.trailing.add(o);
                c.fault("option without a value", o);
            }));
        }
        List<String> required = requiredOptions();
        if (!required.isEmpty()) {
            // the option is chosen here and is the planter's target, so that no second fault puts it back
            // (one that gives --y another input's file would make the command whole again)
            String o = required.get(r.nextInt(required.size()));
            planters.add(new Planter(o, () -> {
                c.remove(o);
                c.fault("required option missing", o);
            }));
        }
        planters.add(new Planter("@file", () -> {
            int k = r.nextInt(CliFuzzFiles.fifos ? 4 : 3);
            switch (k) {
                case 0 -> {
                    Path d = path(fresh("argdir"));
                    files.put(d, Node.DIR);
                    c.raw.add("@" + d);
                    c.fault("@file argument naming a directory", "@" + d, d);
                }
                case 1 -> {
                    Path m = path(fresh("no-such-argfile"));
                    c.raw.add("@" + m);
                    c.fault("@file argument naming no file (taken literally)", "@" + m, m);
                }
                case 2 -> {
                    Path a = path(fresh("args") + ".txt");
                    String body = pick("--bogus-from-file\n", "stray-from-file\n", "# a comment only\n--hidden\n");
                    files.put(a, Node.file(body.getBytes(StandardCharsets.UTF_8)));
                    c.raw.add("@" + a);
                    c.fault("@file argument with a bad option inside", "@" + a, a, "--bogus-from-file", "stray-from-file", "--hidden");
                }
                default -> {
                    Path f = path(fresh("argfifo"));
                    files.put(f, Node.FIFO);
                    c.raw.add("@" + f);
                    c.fault("@file argument naming a FIFO", "@" + f, f);
                }
            }
        }));
    }

    private List<String> requiredOptions() {
        return switch (c.command) {
            case "fit", "tune" -> List.of("--x", "--y", "--task", "--out");
            case "predict" -> List.of("--model", "--x", "--out");
            case "evaluate" -> List.of("--model", "--x", "--y", "--task");
            case "quantize" -> List.of("--model", "--out", "--precision");
            case "infer" -> List.of("--model", "--input", "--out");
            case "train-text" -> List.of("--text", "--out");
            case "sample" -> List.of("--model");
            default -> List.of();
        };
    }

    // ---- laying out the files ------------------------------------------------------------------------------------

    private void layOut() {
        try {
            Files.createDirectories(dir);
            List<Map.Entry<Path, Node>> all = new ArrayList<>(files.entrySet());
            all.sort(Comparator.comparingInt((Map.Entry<Path, Node> e) -> order(e.getValue())).thenComparingInt(e -> e.getKey().getNameCount()));
            for (Map.Entry<Path, Node> e : all) {
                Path p = e.getKey();
                Node n = e.getValue();
                if (n.kind().equals("missing")) continue;
                if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) continue;  // a parent or an earlier entry made it
                if (!Files.isDirectory(p.getParent())) {
                    if (Files.exists(p.getParent(), LinkOption.NOFOLLOW_LINKS)) continue;  // under a file: the path stays missing
                    Files.createDirectories(p.getParent());
                }
                switch (n.kind()) {
                    case "file" -> Files.write(p, n.bytes());
                    case "dir" -> Files.createDirectories(p);
                    case "readonly-dir" -> {
                        Files.createDirectories(p);
                        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("r-xr-xr-x"));
                    }
                    case "fifo" -> {
                        if (!CliFuzzFiles.mkfifo(p)) throw new IOException("mkfifo " + p + " failed");
                        c.fifos.add(p);
                    }
                    case "link" -> Files.createSymbolicLink(p, n.target());
                    case "hard" -> {
                        if (Files.isRegularFile(n.target(), LinkOption.NOFOLLOW_LINKS)) Files.createLink(p, n.target());
                        else Files.createSymbolicLink(p, n.target());
                    }
                    case "locked" -> {
                        Files.write(p, n.bytes());
                        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("---------"));
                    }
                    case "sparse" -> {
                        try (var f = new java.io.RandomAccessFile(p.toFile(), "rw")) {
                            f.setLength(64L << 30);
                        }
                    }
                    default -> throw new IllegalStateException(n.kind());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int order(Node n) {
        return switch (n.kind()) {
            case "dir", "readonly-dir" -> 0;
            case "file", "locked", "fifo", "sparse" -> 1;
            default -> 3;  // links last, once their targets exist
        };
    }
}
