package dev.vecrnn.cli;

import dev.vecrnn.cli.CliFuzzFiles.Arr;
import dev.vecrnn.nn.format.ModelFile;
import dev.vecrnn.nn.format.PyTorchFormat;
import dev.vecrnn.nn.io.DType;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
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
 */
final class CliFuzzGen {

    // ---- models and templates made once per run (ContractFuzzTest's @BeforeContainer) -------------------

    /** vecrnn model files for predict: index (features - 1) + 2 * (sequence output ? 1 : 0). */
    static final byte[][] PREDICT_MODELS = new byte[4][];
    /** PyTorch state_dict directories for infer. */
    static final List<Torch> TORCH = new ArrayList<>();
    /** A train-text model directory for sample, and the vocabulary of another one (a different size). */
    static byte[] textModel;
    static byte[] textVocab;
    /** An int8 copy of PREDICT_MODELS[0], for quantize's "already quantized" fault. */
    static byte[] quantizedModel;
    static byte[] otherVocab;
    static String textAlphabet;

    record Torch(String name, byte[] config, byte[] weights, CellType type, int input, int hidden, int out, int layers, int dirs,
                 boolean batchFirst) {
    }

    static void makeTemplates(Path dir, Path fixture) throws Exception {
        for (int f = 1; f <= 2; f++) {
            for (int seq = 0; seq < 2; seq++) {
                var b = Model.builder(f).recurrent(seq == 0 ? CellType.GRU : CellType.LSTM, 3, 1, false, 0f, 0);
                if (seq == 0) b.lastStep();
                Model m = b.dense(2).seed(f + 10L * seq).build();
                Path p = dir.resolve("predict-" + f + "-" + seq + ".safetensors");
                ModelFile.save(m, p);
                PREDICT_MODELS[(f - 1) + 2 * seq] = Files.readAllBytes(p);
            }
        }
        Path qp = dir.resolve("quantized.safetensors");
        ModelFile.save(ModelFile.load(dir.resolve("predict-1-0.safetensors")).quantized(dev.vecrnn.kernels.Precision.INT8), qp);
        quantizedModel = Files.readAllBytes(qp);
        TORCH.add(new Torch("fixture lstm-proj-bidir", Files.readAllBytes(fixture.resolve("m/config.json")),
                Files.readAllBytes(fixture.resolve("m/model.safetensors")), CellType.LSTM, 5, 7, 3, 2, 2, true));
        RecurrentConfig[] cfgs = {
            new RecurrentConfig(CellType.GRU, 2, 3, 1, true, false, false, 0f, 0),
            new RecurrentConfig(CellType.RNN_TANH, 1, 2, 2, true, true, true, 0f, 0),
            new RecurrentConfig(CellType.LSTM, 3, 3, 1, false, false, false, 0f, 0),
            new RecurrentConfig(CellType.RNN_RELU, 2, 2, 1, true, true, false, 0f, 0),
        };
        for (int i = 0; i < cfgs.length; i++) {
            RecurrentConfig c = cfgs[i];
            Path d = dir.resolve("torch" + i);
            PyTorchFormat.write(new Recurrent(c, 5 + i), d);
            TORCH.add(new Torch(c.type() + " " + c.inputSize() + "->" + c.hiddenSize(), Files.readAllBytes(d.resolve(PyTorchFormat.CONFIG)),
                    Files.readAllBytes(d.resolve(PyTorchFormat.WEIGHTS)), c.type(), c.inputSize(), c.hiddenSize(), c.hiddenSize(),
                    c.numLayers(), c.bidirectional() ? 2 : 1, c.batchFirst()));
        }
        textAlphabet = "The cat sat on a mat.\n";
        textModel = trainText(dir.resolve("text-a"), (textAlphabet + "the mat sat on The cat.\n").repeat(4));
        textVocab = Files.readAllBytes(dir.resolve("text-a/vocab.json"));
        trainText(dir.resolve("text-b"), "abcabcabcabcabcabcabcabcabcabcabcabcab");
        otherVocab = Files.readAllBytes(dir.resolve("text-b/vocab.json"));
    }

    private static byte[] trainText(Path out, String text) throws IOException {
        Files.createDirectories(out);
        Path t = out.resolveSibling(out.getFileName() + ".txt");
        Files.writeString(t, text);
        int code = Main.run("train-text", "--text", t.toString(), "--out", out.toString(), "--hidden", "3", "--embed", "2", "--steps", "4",
                "--epochs", "1", "--batch", "4");
        if (code != 0) throw new IllegalStateException("train-text for the sample fixture exited " + code);
        return Files.readAllBytes(out.resolve("model.safetensors"));
    }

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
    private record Node(String kind, byte[] bytes, Path target) {
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
    private record Planter(String target, Runnable plant) {
    }

    private final CliFuzzCase c;
    private final Random r;
    private final Path dir;
    private final Map<Path, Node> files = new LinkedHashMap<>();
    private final List<Planter> planters = new ArrayList<>();
    private final List<String> decoys = new ArrayList<>();
    /** Outputs laid out as existing files (valid with --overwrite), by the option that names them. */
    private final Map<Path, String> preexisting = new LinkedHashMap<>();
    private int next;

    private CliFuzzGen(String command, Path dir, long seed) {
        this.r = new Random(seed);
        this.dir = dir;
        this.c = new CliFuzzCase(command, dir, r);
    }

    /** The case for {@code command} ({@code null}: no command) drawn from {@code seed}, its files laid out in {@code dir}. */
    static CliFuzzCase generate(String command, Path dir, long seed, double validShare) {
        CliFuzzGen g = new CliFuzzGen(command, dir, seed);
        boolean valid = g.r.nextDouble() < validShare && !"demo".equals(command);
        switch (command == null ? "" : command) {
            case "fit" -> g.fit(false);
            case "tune" -> g.fit(true);
            case "predict" -> g.predict();
            case "evaluate" -> g.evaluate();
            case "quantize" -> g.quantize();
            case "infer" -> g.infer();
            case "train-text" -> g.trainText();
            case "sample" -> g.sample();
            case "forecast" -> g.forecast();
            case "demo" -> g.demo();
            default -> g.topLevel();
        }
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

    private Path path(String name) {
        return dir.resolve(name);
    }

    /** Where an input goes: {@code name}, or (one time in eight) a name with spaces, quotes, a line break or an escape. */
    private Path inPath(String name) {
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

    private String fresh(String stem) {
        return stem + (next++);
    }

    private String pick(String... s) {
        return s[r.nextInt(s.length)];
    }

    private int between(int lo, int hi) {
        return lo + r.nextInt(hi - lo + 1);
    }

    private double pickD(double... d) {
        return d[r.nextInt(d.length)];
    }

    private String randomCase(String s) {
        StringBuilder b = new StringBuilder();
        for (char ch : s.toCharArray()) b.append(r.nextInt(4) == 0 ? Character.toUpperCase(ch) : ch);
        return b.toString();
    }

    /** {@code p} as the command line gives it: absolute, or (sometimes) relative to the working directory. */
    private String arg(Path p) {
        if (r.nextInt(10) == 0) {
            try {
                return Path.of("").toAbsolutePath().relativize(p).toString();
            } catch (IllegalArgumentException e) {
                return p.toString();
            }
        }
        return p.toString();
    }

    private void option(String opt, boolean always, String value) {
        if (always || r.nextInt(3) != 0) c.put(opt, value);
    }

    // ---- options: valid values and their faults --------------------------------------------------------------

    /** An int option in [min, max]; valid values are drawn from [lo, hi]. */
    private void intOpt(String opt, boolean always, int min, int max, int lo, int hi) {
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
    private void longOpt(String opt) {
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
    private void numOpt(String opt, boolean always, double lo, boolean loClosed, double hi, boolean hiClosed, double... valid) {
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

    private static String num(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    /** A choice among {@code allowed} (case-insensitive). */
    private void enumOpt(String opt, boolean always, String... allowed) {
        option(opt, always, randomCase(pick(allowed)));
        planters.add(new Planter(opt, () -> {
            c.put(opt, pick(JUNK));
            c.fault(opt + ": not one of its choices", opt);
        }));
    }

    private void flagOpt(String opt, boolean on) {
        if (on) c.flag(opt);
        planters.add(new Planter(opt, () -> {
            c.remove(opt);
            c.raw.add(opt + "=" + pick("maybe", "2", "yes please", "\u001b[1mtrue", "tru"));
            c.fault(opt + ": a flag given a value", opt);
        }));
    }

    /** Takes --overwrite away: every output laid out as an existing file becomes a fault too. */
    private void dropOverwrite() {
        c.remove("--overwrite");
        preexisting.forEach((p, opt) -> c.fault(opt + ": exists, no --overwrite", opt, p));
    }

    /** Values that are valid but expensive; a case refused for something else must not spend them. */
    private void decoy(String opt, String value) {
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

    // ---- input files -------------------------------------------------------------------------------------------

    /** Puts {@code bytes} at {@code p} and gives it to {@code opt}; registers the generic file faults. */
    private void input(String opt, Path p, byte[] bytes) {
        files.put(p, Node.file(bytes));
        c.put(opt, arg(p));
        if (r.nextInt(20) == 0) {  // a link to the real file is as good as the file
            Path real = path(fresh("real-") + p.getFileName());
            files.put(real, Node.file(bytes));
            files.put(p, r.nextBoolean() ? Node.link(real) : Node.hard(real));
            c.note(p.getFileName() + " is a link to " + real.getFileName());
        }
        fileFaults(opt, p);
    }

    private void fileFaults(String opt, Path p) {
        planters.add(new Planter(opt, () -> {
            int k = r.nextInt(10);
            String fault = switch (k) {
                case 0 -> {
                    files.put(p, Node.MISSING);
                    yield "no such file";
                }
                case 9 -> {
                    files.put(p, Node.HUGE);
                    yield "a sparse file of 64 GiB";
                }
                case 1 -> {
                    files.put(p, Node.link(path(fresh("nowhere"))));
                    yield "a dangling link";
                }
                case 2 -> {
                    files.put(p, Node.DIR);
                    yield "a directory";
                }
                case 3 -> {
                    if (!CliFuzzFiles.fifos) {
                        files.put(p, Node.MISSING);
                        yield "no such file";
                    }
                    files.put(p, Node.FIFO);
                    yield "a FIFO";
                }
                case 4 -> {
                    c.put(opt, "/dev/null");
                    c.names.add("/dev/null");
                    yield "a device (/dev/null)";
                }
                case 5 -> {
                    // (a NUL in a path cannot come from a shell, nor through picocli's @files, which drop it: not tried)
                    c.put(opt, "");
                    yield "an empty path";
                }
                case 6 -> {
                    if (!CliFuzzFiles.permissionsEnforced) {
                        files.put(p, Node.file(new byte[0]));
                        yield "an empty file";
                    }
                    Node old = files.get(p);
                    files.put(p, Node.locked(old.bytes() == null ? new byte[0] : old.bytes()));
                    yield "unreadable (mode 000)";
                }
                case 7 -> {
                    files.put(p, Node.file(new byte[0]));
                    yield "an empty file";
                }
                default -> {
                    files.put(p, Node.file(CliFuzzFiles.randomBytes(r, between(1, 300))));
                    yield "random bytes";
                }
            };
            c.fault(opt + ": " + fault, opt, p);
        }));
    }

    private byte[] bytesOf(Path p) {
        Node n = files.get(p);
        return n == null || n.bytes() == null ? new byte[0] : n.bytes();
    }

    /** Faults of a .npy input whose valid content is {@code a}. */
    private void npyFaults(String opt, Path p, Arr a) {
        planters.add(new Planter(opt, () -> {
            byte[] ok = a.npy();
            int k = r.nextInt(10);
            String fault = switch (k) {
                case 0 -> {
                    files.put(p, Node.file(Arrays.copyOf(ok, r.nextInt(ok.length))));
                    yield ".npy truncated";
                }
                case 1 -> {
                    files.put(p, Node.file(CliFuzzFiles.concat(ok, CliFuzzFiles.randomBytes(r, between(1, 64)))));
                    yield ".npy with bytes after the data";
                }
                case 2 -> {
                    long[] huge = r.nextBoolean() ? new long[] {100_000_000, 100_000, 1000} : new long[] {Integer.MAX_VALUE, Integer.MAX_VALUE, 8};
                    files.put(p, Node.file(CliFuzzFiles.npyRaw(1, CliFuzzFiles.dict(a.dtype().npyDescr(), false, huge), a.raw())));
                    yield ".npy header claiming a huge shape";
                }
                case 3 -> {
                    String d = pick("<c8", "|S4", "|O", ">f4", "<U1", "<m8", "float32", "", "<f3", "<u4", "<f16", "|V4");
                    files.put(p, Node.file(CliFuzzFiles.npyRaw(1, CliFuzzFiles.dict(d, false, CliFuzzFiles.longs(a.shape())), a.raw())));
                    yield ".npy of a foreign dtype";
                }
                case 4 -> {
                    // Fortran order itself is read (as numpy and torch.from_numpy take it); one element short is not.
                    byte[] raw = a.raw();
                    byte[] shortData = Arrays.copyOf(raw, Math.max(0, raw.length - a.dtype().size()));
                    files.put(p, Node.file(CliFuzzFiles.npyRaw(1, CliFuzzFiles.dict(a.dtype().npyDescr(), true, CliFuzzFiles.longs(a.shape())), shortData)));
                    yield ".npy in Fortran order, one element short";
                }
                case 5 -> {
                    byte[] b = ok.clone();
                    if (r.nextBoolean()) b[1 + r.nextInt(5)] ^= 0x20;
                    else b[6] = (byte) between(4, 255);
                    files.put(p, Node.file(b));
                    yield ".npy with a bad magic or version";
                }
                case 6 -> {
                    String dict = CliFuzzFiles.dict(a.dtype().npyDescr(), false, CliFuzzFiles.longs(a.shape()));
                    String broken = switch (r.nextInt(4)) {
                        case 0 -> dict.replace("}", "");
                        case 1 -> dict.replace("'shape'", "'shap'");
                        case 2 -> dict.replace("(", "[");
                        default -> dict.replace(")", ", -1)");
                    };
                    files.put(p, Node.file(CliFuzzFiles.npyRaw(1, broken, a.raw())));
                    yield ".npy with a malformed header";
                }
                case 7 -> {
                    files.put(p, Node.file(CliFuzzFiles.npyRaw(1, CliFuzzFiles.dict(a.dtype().npyDescr(), false, 0), new byte[0])));
                    yield ".npy of shape (0,)";
                }
                case 8 -> {
                    files.put(p, Node.file(CliFuzzFiles.npyRaw(1, CliFuzzFiles.dict(a.dtype().npyDescr(), false), Arrays.copyOf(a.raw(), a.dtype().size()))));
                    yield ".npy scalar (shape ())";
                }
                default -> {
                    String text = "0.5, 1.5\n2.5, 3.5\n";
                    files.put(p, Node.file(text.getBytes(StandardCharsets.US_ASCII)));
                    yield "text instead of .npy";
                }
            };
            c.fault(opt + ": " + fault, opt, p);
        }));
        planters.add(new Planter(opt, () -> {
            files.put(p, Node.file(CliFuzzFiles.byteEdit(r, a.npy())));
            c.maybe(opt + ": .npy byte-mutated", opt, p);
        }));
    }

    // ---- outputs -------------------------------------------------------------------------------------------------

    /**
     * A file output given as {@code opt FILE} (predict's --out, forecast's --png): valid variants, and the
     * output faults. {@code anInput} is one of the command's inputs.
     */
    private Path fileOutput(String opt, String name, Path anInput) {
        Path target = r.nextInt(6) == 0 ? path(fresh("new") + "/" + fresh("sub") + "/" + name) : path(name);
        c.put(opt, arg(target));
        c.outputs.add(target);
        c.required.add(target);
        if (r.nextInt(6) == 0) {  // an existing output, replaced with --overwrite
            files.put(target, Node.file("old output".getBytes(StandardCharsets.US_ASCII)));
            preexisting.put(target, opt);
            c.flag("--overwrite");
            c.note(target.getFileName() + " exists (old output), --overwrite given");
        } else if (r.nextInt(4) == 0) {
            c.flag("--overwrite");
        }
        planters.add(new Planter(opt, () -> {
            int k = r.nextInt(CliFuzzFiles.permissionsEnforced ? 11 : 10);
            if (anInput == null && k >= 2 && k <= 4) k = 0;
            // predict's --out gets .npy as np.save gives it: /dev/null would be a new file /dev/null.npy, not a device
            if (name.endsWith(".npy") && k == 5) k = 0;
            // and an input not named .npy (an odd name such as 'x.npy' in quotes) is no name np.save writes to
            boolean npyNamed = name.endsWith(".npy");
            if (npyNamed && k == 2 && !anInput.getFileName().toString().endsWith(".npy")) k = 0;
            Runnable anyOverwrite = () -> {
                if (r.nextBoolean()) c.flag("--overwrite");
            };
            String fault = switch (k) {
                case 0 -> {
                    files.put(target, Node.file("precious".getBytes(StandardCharsets.US_ASCII)));
                    dropOverwrite();
                    yield "exists, no --overwrite";
                }
                case 1 -> {
                    files.put(target, Node.DIR);
                    anyOverwrite.run();
                    yield "a directory";
                }
                case 2 -> {
                    // np.save's naming: the input x.npy is also what --out x writes
                    String spelled = arg(anInput);
                    if (npyNamed && r.nextBoolean()) spelled = spelled.substring(0, spelled.length() - ".npy".length());
                    c.put(opt, spelled);
                    c.names.add(spelled);
                    anyOverwrite.run();
                    yield "is an input";
                }
                case 3 -> {
                    files.put(target, Node.link(anInput));
                    anyOverwrite.run();
                    yield "a link to an input";
                }
                case 4 -> {
                    files.put(target, Node.hard(anInput));
                    anyOverwrite.run();
                    yield "a hard link to an input";
                }
                case 5 -> {
                    c.put(opt, "/dev/null");
                    c.names.add("/dev/null");
                    anyOverwrite.run();
                    yield "a device (/dev/null)";
                }
                case 6 -> {
                    Path parent = path(fresh("plainfile"));
                    files.put(parent, Node.file("not a directory".getBytes(StandardCharsets.US_ASCII)));
                    Path t = parent.resolve(name);
                    c.put(opt, t.toString());
                    c.names.add(t.toString());
                    yield "under a regular file";
                }
                case 7 -> {
                    files.put(target, Node.link(path(fresh("nowhere"))));
                    anyOverwrite.run();
                    yield "a dangling link";
                }
                case 8 -> {
                    if (!CliFuzzFiles.fifos) {
                        files.put(target, Node.DIR);
                        yield "a directory";
                    }
                    files.put(target, Node.FIFO);
                    anyOverwrite.run();
                    yield "a FIFO";
                }
                case 9 -> {
                    if (r.nextBoolean()) {
                        c.put(opt, "/");
                        c.names.add("/");
                        yield "the root directory";
                    }
                    Path l = path(fresh("danglingdir"));
                    files.put(l, Node.link(path(fresh("nowhere"))));
                    Path t = l.resolve(name);
                    c.put(opt, t.toString());
                    c.names.add(t.toString());
                    yield "under a dangling link";
                }
                default -> {
                    Path ro = path(fresh("readonly"));
                    files.put(ro, new Node("readonly-dir", null, null));
                    Path t = ro.resolve(name);
                    c.put(opt, t.toString());
                    c.names.add(t.toString());
                    yield "in a directory without write permission";
                }
            };
            c.fault(opt + ": " + fault, opt, target);
        }));
        return target;
    }

    /**
     * A directory output ({@code --out MODELDIR}) that will hold {@code inner} files; {@code inputs} are
     * the command's input files (one may be moved into the directory under an output's name).
     */
    private Path dirOutput(String opt, List<String> inner, List<String> requiredInner, Map<String, Path> inputs) {
        int v = r.nextInt(8);
        Path out = switch (v) {
            case 0 -> path(fresh("nested") + "/a/b");
            case 1 -> dir;  // beside the inputs
            case 2 -> {
                Path d = path(fresh("existing"));
                files.put(d, Node.DIR);
                yield d;
            }
            default -> path(fresh("out"));
        };
        c.put(opt, arg(out));
        for (String i : inner) c.outputs.add(out.resolve(i));
        for (String i : requiredInner) c.required.add(out.resolve(i));
        if (r.nextInt(6) == 0) {
            String i = inner.get(r.nextInt(inner.size()));
            files.put(out.resolve(i), Node.file("old output".getBytes(StandardCharsets.US_ASCII)));
            preexisting.put(out.resolve(i), opt);
            c.flag("--overwrite");
            c.note(i + " exists in the output directory, --overwrite given");
        } else if (r.nextInt(4) == 0) {
            c.flag("--overwrite");
        }
        planters.add(new Planter(opt, () -> {
            String i = inner.get(r.nextInt(inner.size()));
            Path t = out.resolve(i);
            List<String> inputNames = new ArrayList<>(inputs.keySet());
            String inOpt = inputNames.get(r.nextInt(inputNames.size()));
            Path in = inputs.get(inOpt);
            Runnable anyOverwrite = () -> {
                if (r.nextBoolean()) c.flag("--overwrite");
            };
            int k = r.nextInt(10);
            String fault = switch (k) {
                case 0 -> {
                    files.put(t, Node.file("precious".getBytes(StandardCharsets.US_ASCII)));
                    dropOverwrite();
                    yield i + " exists, no --overwrite";
                }
                case 9 -> {
                    Path l = path(fresh("danglingdir"));
                    files.put(l, Node.link(path(fresh("nowhere"))));
                    c.put(opt, arg(l));
                    c.names.add(l.toString());
                    yield "the directory is a dangling link";
                }
                case 1 -> {
                    files.put(t, Node.DIR);
                    anyOverwrite.run();
                    yield i + " is a directory";
                }
                case 2 -> {
                    // the input itself lives in the output directory under the output's name
                    Node n = files.get(in);
                    files.put(in, Node.MISSING);
                    files.put(t, n == null ? Node.file(new byte[0]) : n);
                    c.put(inOpt, arg(t));
                    c.names.add(inOpt);
                    anyOverwrite.run();
                    yield i + " is an input (" + inOpt + ")";
                }
                case 3 -> {
                    files.put(t, Node.link(in));
                    anyOverwrite.run();
                    yield i + " is a link to an input";
                }
                case 4 -> {
                    Path f = path(fresh("plainfile"));
                    files.put(f, Node.file("a file, not a directory".getBytes(StandardCharsets.US_ASCII)));
                    c.put(opt, arg(f));
                    c.names.add(f.toString());
                    anyOverwrite.run();
                    yield "the directory is a regular file";
                }
                case 5 -> {
                    c.put(opt, arg(in));
                    c.names.add(in.toString());
                    anyOverwrite.run();
                    yield "the directory is an input file";
                }
                case 6 -> {
                    c.put(opt, "/dev/null");
                    c.names.add("/dev/null");
                    yield "the directory is /dev/null";
                }
                case 7 -> {
                    files.put(t, Node.link(path(fresh("nowhere"))));
                    anyOverwrite.run();
                    yield i + " is a dangling link";
                }
                default -> {
                    if (!CliFuzzFiles.fifos) {
                        files.put(t, Node.DIR);
                        yield i + " is a directory";
                    }
                    files.put(t, Node.FIFO);
                    anyOverwrite.run();
                    yield i + " is a FIFO";
                }
            };
            c.fault(opt + ": " + fault, opt, out, t);
        }));
        return out;
    }

    // ---- fit and tune ------------------------------------------------------------------------------------------

    private static final double[] FRACTIONS = {0, 0.1, 0.2, 0.25, 0.3, 0.5};

    /** Whether --val f of n rows leaves rows on both sides, as Keras's validation_split counts them: floor(n * (1 - f)) train. */
    private static boolean splits(int n, double f) {
        long train = (long) Math.floor(n * (1.0 - f));
        return train >= 1 && train < n;
    }

    private void fit(boolean tune) {
        int n = between(4, 10), t = between(2, 4), f = between(1, 2);
        boolean classification = r.nextBoolean();
        boolean perStep = r.nextInt(4) == 0;
        boolean tokens = !tune && r.nextInt(5) == 0;
        int vocab = tokens ? between(3, 8) : 0;
        if (tokens) f = 1;

        // without --vocab, X is [N, T, F]: an [N, T] array is refused (token ids, or one feature a step to reshape)
        Arr x = tokens ? tokenIds(n, t, vocab) : features(n, t, f).withShape(n, t, f);
        Arr y = classification ? labels(perStep ? new int[] {n, t} : new int[] {n}, between(2, 3)) : targets(n, t, perStep, between(1, 2));
        Arr len = !tune && r.nextInt(3) == 0 ? lengthsArr(n, t) : null;
        Path xp = inPath("x.npy"), yp = inPath("y.npy"), lp = inPath("lengths.npy");
        input("--x", xp, x.npy());
        input("--y", yp, y.npy());
        c.note("x.npy " + x + ", y.npy " + y + (len == null ? "" : ", lengths.npy " + len));
        if (len != null) input("--lengths", lp, len.npy());
        c.put("--task", randomCase(classification ? "classification" : "regression"));
        if (perStep) c.flag("--per-step");
        Map<String, Path> ins = new LinkedHashMap<>();
        ins.put("--x", xp);
        ins.put("--y", yp);
        if (len != null) ins.put("--lengths", lp);
        // one time in four, Keras's validation_data: --val-x and --val-y (and --val-lengths), inputs no output may be
        int rows = perStep ? n * t : n;
        int width = classification ? labelWidth(y, len, t, perStep) : y.v().length / rows;
        // --classes K (one time in five for classification): the model's outputs, at least the labels' width; the
        // validation labels and --class-weight's count follow it
        if (classification && r.nextInt(5) == 0) {
            width = Math.max(2, width) + r.nextInt(3);
            c.put("--classes", Integer.toString(width));
        }
        boolean valArrays = r.nextInt(4) == 0;
        if (valArrays) ins.putAll(validationArrays(tune, t, f, tokens, vocab, classification, perStep, width));
        Path out = dirOutput("--out", List.of("model.safetensors"), List.of("model.safetensors"), ins);

        planters.add(new Planter("--task", () -> {
            c.put("--task", pick(JUNK));
            c.fault("--task: not one of its choices", "--task");
        }));
        npyFaults("--x", xp, x);
        npyFaults("--y", yp, y);
        if (len != null) npyFaults("--lengths", lp, len);
        xFaults(xp, x, tokens, vocab);
        yFaults(yp, y, xp, classification, perStep);
        if (len != null) lengthsFaults("--lengths", lp, len, t);
        if (!tune && len == null) {
            planters.add(new Planter("--lengths", () -> {
                Arr l = lengthsArr(n, t);
                input("--lengths", lp, l.npy());
                Arr bad = l.withValues(Arrays.stream(l.v()).map(v -> pickD(0, -1, t + 1, 1e9)).toArray());
                files.put(lp, Node.file(bad.withDtype(DType.I64).npy()));
                c.fault("--lengths: values outside [1, T]", "--lengths", lp);
            }));
        }
        planters.add(new Planter("--x,--y,--lengths", () -> {
            switch (r.nextInt(3)) {
                case 0 -> c.put("--y", arg(xp));
                case 1 -> c.put("--x", arg(yp));
                default -> {
                    if (tune) c.put("--y", arg(xp));
                    else c.put("--lengths", arg(r.nextBoolean() ? xp : yp));
                }
            }
            c.maybe("an input option given another input's file", "--x", "--y", "--lengths", xp, yp);
            // the training data read otherwise: the validation arrays may no longer fit them
            if (valArrays) c.names.addAll(List.of("--val-x", "--val-y"));
            if (c.has("--class-weight")) c.names.add("--class-weight");  // so may the count of its weights
            if (c.has("--classes")) c.names.add("--classes");  // and the labels' width
        }));

        if (tune) {
            intOpt("--trials", true, 1, 10_000, 1, 1);
            decoy("--trials", "20");
            intOpt("--epochs", true, 1, Integer.MAX_VALUE, 1, 1);
            decoy("--epochs", "1000");
            intOpt("--patience", false, -1, Integer.MAX_VALUE, -1, 3);
            double[] vals = Arrays.stream(FRACTIONS).filter(v -> v > 0 && splits(n, v)).toArray();
            numOpt("--val", true, 0, false, 1, false, vals);
            planters.add(new Planter("--val", () -> {
                c.put("--val", num(pickD(0.01, 0.05, 0.95, 0.99)));
                c.maybe("--val leaving no validation or training rows", "--val");
            }));
            if (valArrays) c.remove("--val");
        } else {
            enumOpt("--cell", false, "lstm", "gru", "rnn", "rnn_tanh", "rnn_relu");
            intOpt("--hidden", true, 1, Integer.MAX_VALUE, 2, 4);
            decoy("--hidden", "1000");
            planters.add(new Planter("--hidden", () -> {
                c.put("--hidden", Integer.toString(pick(new int[] {100_000, 1_000_000, Integer.MAX_VALUE})));
                c.fault("--hidden: too large for the heap", "--hidden");
            }));
            intOpt("--layers", false, 1, 64, 1, 2);
            flagOpt("--bidirectional", r.nextBoolean());
            numOpt("--dropout", false, 0, true, 1, false, 0, 0.1, 0.5);
            if (perStep) enumOpt("--head", false, "last");  // attention pools the steps: refused with --per-step
            else enumOpt("--head", false, "last", "attention");
            intOpt("--epochs", true, 1, Integer.MAX_VALUE, 1, 2);
            decoy("--epochs", "1000");
            enumOpt("--optimizer", false, "adam", "adamw", "sgd", "rmsprop");
            numOpt("--lr", false, 0, false, Double.POSITIVE_INFINITY, false, 0.001, 0.01, 0.1);
            planters.add(new Planter("--lr", () -> {
                c.put("--lr", pick("1e10", "1e30", "1e300"));
                if (!c.planted("--epochs")) c.put("--epochs", "2");   // short, unless --epochs holds a planted fault
                c.maybe("--lr huge (training may diverge)", "--lr");
            }));
            numOpt("--clip", false, 0, true, Double.MAX_VALUE, true, 0, 1, 5);
            double[] vals = Arrays.stream(FRACTIONS).filter(v -> v == 0 || splits(n, v)).toArray();
            numOpt("--val", false, 0, true, 1, false, vals);
            if (valArrays) c.remove("--val");
            if (!c.has("--val") && !valArrays && !splits(n, 0.1)) c.maybe("the default --val 0.1 on " + n + " rows", "--val");
            planters.add(new Planter("--val", () -> {
                c.put("--val", num(pickD(0.01, 0.05, 0.95, 0.99)));
                c.maybe("--val leaving no validation or training rows", "--val");
            }));
            enumOpt("--val-rows", false, "random", "last");
            if (valArrays) c.remove("--val-rows");
            intOpt("--patience", false, -1, Integer.MAX_VALUE, -1, 3);
            enumOpt("--on-non-finite", false, "stop", "skip");
            if (tokens) {
                c.put("--vocab", Integer.toString(vocab));
                intOpt("--embed", r.nextBoolean(), 1, Integer.MAX_VALUE, 2, 4);
                planters.add(new Planter("--vocab", () -> {
                    c.put("--vocab", Integer.toString(r.nextBoolean() ? -1 : Integer.MIN_VALUE));
                    c.fault("--vocab: out of range", "--vocab");
                }));
                planters.add(new Planter("--vocab", () -> {
                    c.put("--vocab", Integer.toString(Integer.MAX_VALUE));
                    c.put("--embed", "32");
                    c.fault("--vocab: too large for the heap", "--vocab", "--embed");
                }));
                planters.add(new Planter("--vocab", () -> {
                    c.put("--vocab", "1");
                    c.fault("--vocab: smaller than the token ids in --x", "--vocab", "--x", xp);
                }));
            } else {
                planters.add(new Planter("--vocab", () -> {
                    int vv = between(2, 5);
                    c.put("--vocab", Integer.toString(vv));
                    if (r.nextBoolean()) c.put("--embed", Integer.toString(between(1, 64)));
                    boolean oneFeature = x.rank() == 2 || x.dim(2) == 1;
                    boolean idsOk = Arrays.stream(x.v()).allMatch(v -> v >= 0 && v < vv && v == Math.rint(v));
                    if (!oneFeature || (!idsOk && !c.has("--lengths"))) {
                        c.fault("--vocab with features that are not token ids in --x", "--vocab", "--x", xp);
                    } else {
                        c.maybe("--vocab with features that may be token ids in --x", "--vocab", "--x", xp);
                    }
                    if (valArrays) c.names.add("--val-x");  // read as token ids too
                }));
                // --embed sizes the embedding --vocab adds: refused without it (it was dropped without a word)
                planters.add(new Planter("--embed,--vocab", () -> {
                    c.put("--embed", Integer.toString(between(1, 64)));
                    c.fault("--embed without --vocab", "--embed", "--vocab");
                }));
            }
            // the checkpoint: a second output, and an input with --resume
            if (r.nextInt(4) == 0) {
                Path cp = path(fresh("ckpt") + ".bin");
                c.put("--checkpoint", arg(cp));
                c.outputs.add(cp);
                c.keptOnFailure.add(cp);
                c.required.add(cp);
                if (r.nextBoolean()) c.put("--checkpoint-every", Integer.toString(between(0, 2)));
                if (r.nextInt(3) == 0) c.flag("--resume");  // no checkpoint yet: starts afresh
                checkpointFaults(cp, xp, out);
                planters.add(new Planter("--checkpoint", () -> {
                    Path deep = path(fresh("no-such-dir") + "/ckpt.bin");
                    c.put("--checkpoint", arg(deep));
                    c.outputs.add(deep);
                    c.keptOnFailure.add(deep);
                    c.required.remove(cp);
                    c.required.add(deep);
                    c.note("--checkpoint in a directory not there yet: fit makes it, as Keras's ModelCheckpoint");
                }));
                intOpt("--checkpoint-every", false, 0, Integer.MAX_VALUE, 0, 2);
            } else {
                planters.add(new Planter("--checkpoint", () -> {
                    if (r.nextBoolean()) {
                        c.flag("--resume");
                        c.fault("--resume without --checkpoint", "--resume", "--checkpoint");
                    } else {
                        c.put("--checkpoint-every", Integer.toString(between(1, 5)));
                        c.fault("--checkpoint-every without --checkpoint", "--checkpoint-every", "--checkpoint");
                    }
                }));
            }
        }
        classWeight(classification, width);
        classes(classification, width, y, len, t, perStep);
        intOpt("--batch", false, 1, Integer.MAX_VALUE, 1, n + 2);
        planters.add(new Planter("--batch", () -> {
            c.put("--batch", Integer.toString(pick(new int[] {1_000_000, 1 << 30, Integer.MAX_VALUE})));
            c.maybe("--batch huge (larger than the data)", "--batch");
        }));
        longOpt("--seed");
        intOpt("--threads", false, 1, Check.MAX_THREADS, 1, 2);
        flagOpt("--overwrite", c.has("--overwrite"));
        if (valArrays) {
            planters.add(new Planter("--val", () -> {
                c.put("--val", num(pickD(tune ? new double[] {0.2, 0.5} : new double[] {0, 0.1, 0.5})));
                c.fault("--val with --val-x", "--val", "--val-x");
            }));
            if (!tune) {
                planters.add(new Planter("--val-rows", () -> {
                    c.put("--val-rows", randomCase(pick("random", "last")));
                    c.fault("--val-rows with --val-x", "--val-rows", "--val-x");
                }));
            }
        } else {
            // one of the validation arrays alone
            planters.add(new Planter("--val-x,--val-y,--val-lengths", () -> {
                String o = pick("--val-x", "--val-y", "--val-lengths");
                c.put(o, arg(o.equals("--val-x") ? xp : o.equals("--val-y") ? yp : xp));
                c.fault(o + " alone", o, o.equals("--val-x") ? "--val-y" : "--val-x");
            }));
        }
    }

    /** Training label width as fit reads it: the largest label at a position that is read (not padding), plus one. */
    private static int labelWidth(Arr y, Arr len, int t, boolean perStep) {
        int w = 1;
        double[] v = y.v();
        for (int i = 0; i < v.length; i++) {
            if (perStep && len != null && i % t >= len.v()[i / t]) continue;
            w = Math.max(w, (int) v[i] + 1);
        }
        return w;
    }

    /**
     * Valid --val-x, --val-y (and one time in two --val-lengths) for training data of {@code f} features (token ids below
     * {@code vocab}), {@code width} classes or targets per row; other row and step counts than X's. Registers their
     * faults: the file and .npy faults of any input, features other than X's, a token id outside the vocabulary, a
     * label the model has no output for, targets of another width, a row count other than --val-x's, one option
     * without the other. Returns the files by option.
     */
    private Map<String, Path> validationArrays(boolean tune, int t, int f, boolean tokens, int vocab, boolean classification, boolean perStep, int width) {
        int n2 = between(1, 5), t2 = between(1, 4);
        Arr vx = tokens ? tokenIds(n2, t2, vocab) : features(n2, t2, f).withShape(n2, t2, f);
        Arr vy = classification ? labels(perStep ? new int[] {n2, t2} : new int[] {n2}, width) : targets(n2, t2, perStep, width);
        Arr vl = r.nextBoolean() ? lengthsArr(n2, t2) : null;
        Path vxp = inPath("val-x.npy"), vyp = inPath("val-y.npy"), vlp = inPath("val-lengths.npy");
        input("--val-x", vxp, vx.npy());
        input("--val-y", vyp, vy.npy());
        Map<String, Path> ins = new LinkedHashMap<>();
        ins.put("--val-x", vxp);
        ins.put("--val-y", vyp);
        npyFaults("--val-x", vxp, vx);
        npyFaults("--val-y", vyp, vy);
        if (vl != null) {
            input("--val-lengths", vlp, vl.npy());
            ins.put("--val-lengths", vlp);
            npyFaults("--val-lengths", vlp, vl);
            lengthsFaults("--val-lengths", vlp, vl, t2);
        }
        c.note("val-x.npy " + vx + ", val-y.npy " + vy + (vl == null ? "" : ", val-lengths.npy " + vl) + " (training: " + width
                + (classification ? " classes)" : " targets per row)"));
        // each removal claims both options: a second planting that removed the other would leave a valid command line
        planters.add(new Planter("--val-x,--val-y", () -> {
            c.remove("--val-y");
            c.fault("--val-x without --val-y", "--val-x", "--val-y");
        }));
        planters.add(new Planter("--val-x,--val-y", () -> {
            c.remove("--val-x");
            c.fault("--val-y without --val-x", "--val-y", "--val-lengths", "--val-x");
        }));
        planters.add(new Planter("--val-x", () -> {
            Arr bad;
            if (tokens) {
                double[] v = vx.v().clone();
                int perRow = v.length / n2;  // in a first step, which every length covers
                v[r.nextInt(n2) * perRow] = pickD(vocab, vocab + 7, -1, 0.5);
                bad = vx.withDtype(DType.F32).withValues(v);
            } else {
                bad = features(n2, t2, f + 1).withShape(n2, t2, f + 1);
            }
            files.put(vxp, Node.file(bad.npy()));
            c.note("val-x.npy now " + bad);
            c.fault(tokens ? "--val-x: a token id outside [0, --vocab)" : "--val-x: features other than X's", "--val-x", vxp);
        }));
        planters.add(new Planter("--val-y", () -> {
            Arr bad;
            String fault;
            if (r.nextBoolean()) {
                int m = n2 + (r.nextBoolean() || n2 == 1 ? 1 : -1);
                int[] s = vy.shape().clone();
                s[0] = m;
                bad = vy.withShape(s).withValues(Arrays.copyOf(vy.v(), Arrays.stream(s).reduce(1, (a, b) -> a * b)));
                fault = "a row count other than --val-x's";
            } else if (classification) {
                double[] v = vy.v().clone();
                v[validTarget(vy, perStep)] = width + pick(new int[] {0, 1, 1000});
                bad = vy.withDtype(DType.I64).withValues(v);
                fault = "a label at or above the training classes";
            } else {
                bad = targets(n2, t2, perStep, width + 1);
                fault = "targets wider than Y's";
            }
            files.put(vyp, Node.file(bad.npy()));
            c.note("val-y.npy now " + bad);
            c.fault("--val-y: " + fault, "--val-y", vyp);
        }));
        return ins;
    }

    /**
     * --class-weight (fit, one time in four for classification): balanced or one weight per class, as Keras's
     * class_weight; faults: a wrong count, a negative, NaN or junk weight, and any --class-weight for regression.
     */
    private void classWeight(boolean classification, int width) {
        if (!classification) {
            planters.add(new Planter("--class-weight", () -> {
                c.put("--class-weight", r.nextBoolean() ? "balanced" : "1,2");
                c.fault("--class-weight with --task regression", "--class-weight");
            }));
            return;
        }
        if (r.nextInt(4) == 0) {
            boolean balanced = r.nextBoolean();
            c.put("--class-weight", balanced ? randomCase("balanced") : weights(width));
            // balanced weighs a class absent from the training rows 0: the validation rows (drawn by --seed, or
            // --val-y's) may all be of such classes, and are then refused (their val_loss would be 0/0)
            if (balanced) c.maybe("--class-weight balanced: validation rows that may all weigh 0", "--class-weight");
        }
        planters.add(new Planter("--class-weight", () -> {
            String w;
            String fault;
            switch (r.nextInt(4)) {
                case 0 -> {
                    w = weights(width + (width > 1 && r.nextBoolean() ? -1 : 1));
                    fault = "a count other than the classes'";
                }
                case 1 -> {
                    String[] p = weights(width).split(",");
                    p[r.nextInt(p.length)] = pick("-1", "-0.5", "-1e-9");
                    w = String.join(",", p);
                    fault = "a negative weight";
                }
                case 2 -> {
                    String[] p = weights(width).split(",");
                    p[r.nextInt(p.length)] = pick("NaN", "Infinity", "1e39");
                    w = String.join(",", p);
                    fault = "a weight that is not finite (as a float)";
                }
                default -> {
                    w = pick(JUNK);
                    fault = "junk";
                }
            }
            c.put("--class-weight", w);
            c.fault("--class-weight: " + fault, "--class-weight");
        }));
    }

    /**
     * --classes (fit and tune): faults: fewer than 2, junk, fewer than the labels of Y, too many for the heap, and any
     * --classes for regression. Valid values are drawn in {@link #fit}, before the validation arrays that follow them.
     */
    private void classes(boolean classification, int width, Arr y, Arr len, int t, boolean perStep) {
        planters.add(new Planter("--classes", () -> {
            if (!classification) {
                c.put("--classes", Integer.toString(between(2, 4)));
                c.fault("--classes with --task regression", "--classes");
                return;
            }
            int labels = labelWidth(y, len, t, perStep);
            switch (r.nextInt(4)) {
                case 0 -> {
                    c.put("--classes", pick("1", "0", "-2", Integer.toString(Integer.MIN_VALUE)));
                    c.fault("--classes: below 2", "--classes");
                }
                case 1 -> {
                    c.put("--classes", pick(JUNK));
                    c.fault("--classes: junk", "--classes");
                }
                case 2 -> {
                    c.put("--classes", Integer.toString(Integer.MAX_VALUE));
                    c.fault("--classes: too large for the heap", "--classes");
                }
                default -> {
                    if (labels <= 2) {
                        c.put("--classes", "1");
                        c.fault("--classes: below 2", "--classes");
                    } else {
                        c.put("--classes", Integer.toString(labels - 1));
                        c.fault("--classes: fewer than the labels of --y", "--classes");
                    }
                }
            }
            if (c.has("--class-weight")) c.names.add("--class-weight");  // its count may be checked first
            c.names.add("--val-y");  // and the validation labels against the classes
        }));
    }

    /** {@code k} valid weights, each above 0, at times with spaces after the commas. */
    private String weights(int k) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < k; i++) b.append(i == 0 ? "" : r.nextInt(4) == 0 ? ", " : ",").append(num(pickD(0.5, 1, 2, 3.25)));
        return b.toString();
    }

    private static int pick(int[] a, Random r) {
        return a[r.nextInt(a.length)];
    }

    private int pick(int[] a) {
        return pick(a, r);
    }

    private void checkpointFaults(Path cp, Path xp, Path out) {
        planters.add(new Planter("--checkpoint", () -> {
            switch (r.nextInt(6)) {
                case 0 -> {
                    files.put(cp, Node.file("an old checkpoint".getBytes(StandardCharsets.US_ASCII)));
                    c.remove("--resume");
                    dropOverwrite();
                    c.fault("--checkpoint: exists, no --resume or --overwrite", "--checkpoint", cp);
                }
                case 1 -> {
                    c.put("--checkpoint", arg(xp));
                    if (r.nextBoolean()) c.flag("--overwrite");
                    c.fault("--checkpoint: is an input", "--checkpoint", xp);
                }
                case 2 -> {
                    c.put("--checkpoint", out.resolve("model.safetensors").toString());
                    c.fault("--checkpoint: the same file as --out's model", "--checkpoint", "--out");
                }
                case 3 -> {
                    files.put(cp, Node.DIR);
                    c.fault("--checkpoint: a directory", "--checkpoint", cp);
                }
                case 4 -> {
                    files.put(cp, Node.file(CliFuzzFiles.randomBytes(r, between(0, 100))));
                    c.flag("--resume");
                    c.fault("--checkpoint: --resume from garbage", "--checkpoint", "--resume", cp);
                }
                default -> {
                    if (CliFuzzFiles.fifos) {
                        files.put(cp, Node.FIFO);
                        c.flag("--resume");
                        c.fault("--checkpoint: --resume from a FIFO", "--checkpoint", cp);
                    } else {
                        files.put(cp, Node.DIR);
                        c.fault("--checkpoint: a directory", "--checkpoint", cp);
                    }
                }
            }
        }));
    }

    private double gauss() {
        return Math.rint(r.nextGaussian() * 1000) / 1000;
    }

    /** Float features [n, t, f] (or [n, t] when f is 1), in a dtype that holds them. */
    private Arr features(int n, int t, int f) {
        DType d = r.nextInt(10) < 6 ? DType.F32 : pickType(DType.F64, DType.F16, DType.I64, DType.I8, DType.I32);
        double[] v = new double[n * t * f];
        for (int i = 0; i < v.length; i++) v[i] = d.isFloatingPoint() ? gauss() : Math.rint(r.nextGaussian() * 3);
        if (d == DType.F16) for (int i = 0; i < v.length; i++) v[i] = Float.float16ToFloat(Float.floatToFloat16((float) v[i]));
        return Arr.of(d, v, f == 1 && r.nextInt(3) == 0 ? new int[] {n, t} : new int[] {n, t, f});
    }

    private DType pickType(DType... d) {
        return d[r.nextInt(d.length)];
    }

    private Arr tokenIds(int n, int t, int vocab) {
        DType d = pickType(DType.I64, DType.I32, DType.F32, DType.U8, DType.I16);
        double[] v = new double[n * t];
        for (int i = 0; i < v.length; i++) v[i] = r.nextInt(vocab);
        return Arr.of(d, v, r.nextInt(5) == 0 ? new int[] {n, t, 1} : new int[] {n, t});
    }

    private Arr labels(int[] shape, int k) {
        int count = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        double[] v = new double[count];
        for (int i = 0; i < count; i++) v[i] = r.nextInt(k);
        return Arr.of(pickType(DType.I64, DType.I64, DType.I32, DType.U8, DType.F32), v, shape);
    }

    private Arr targets(int n, int t, boolean perStep, int k) {
        int[] shape = perStep ? (k == 1 ? new int[] {n, t} : new int[] {n, t, k}) : (k == 1 ? new int[] {n} : new int[] {n, k});
        int count = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        double[] v = new double[count];
        for (int i = 0; i < count; i++) v[i] = gauss();
        return Arr.of(pickType(DType.F32, DType.F32, DType.F64), v, shape);
    }

    private Arr lengthsArr(int n, int t) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = between(1, t);
        return Arr.of(pickType(DType.I64, DType.I64, DType.I32, DType.U8, DType.F32), v, n);
    }

    private void xFaults(Path xp, Arr x, boolean tokens, int vocab) {
        int n = x.dim(0), t = x.dim(1);
        planters.add(new Planter("--x", () -> {
            int k = r.nextInt(7);
            String fault;
            Arr bad;
            switch (k) {
                case 0 -> {
                    int z = r.nextInt(3);
                    bad = Arr.of(DType.F32, new double[0], z == 0 ? 0 : n, z == 1 ? 0 : t, z == 2 ? 0 : 2);
                    fault = "zero-length dimension";
                }
                case 1 -> {
                    // with --vocab, [N, T] and [N, T, 1] are both valid: a flat array or a fourth dimension is not;
                    // without, [N, T] is not either
                    int k2 = r.nextInt(tokens ? 2 : 3);
                    bad = k2 == 0 ? x.withShape(x.v().length) : k2 == 2 ? x.withShape(n, x.v().length / n)
                            : x.withShape(x.rank() == 3 ? append(x.shape(), 1) : append(append(x.shape(), 1), 1));
                    fault = k2 == 2 ? "[N, T] without --vocab" : "wrong rank";
                }
                case 2 -> {
                    double[] v = x.v().clone();
                    // in the first step of a sequence, which every length covers (padding is never read)
                    int perRow = v.length / x.dim(0);
                    v[r.nextInt(x.dim(0)) * perRow + r.nextInt(perRow / x.dim(1))] = pickD(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY);
                    bad = x.withDtype(DType.F32).withValues(v);
                    fault = "a non-finite value";
                }
                case 3 -> {
                    // bool X reads as 0 and 1 (numpy's astype(np.float32)); flat, it is of the wrong rank
                    bad = x.withDtype(DType.BOOL).withShape(x.v().length).withValues(Arrays.stream(x.v()).map(v -> v > 0 ? 1 : 0).toArray());
                    fault = "a flat BOOL array";
                }
                case 4 -> {
                    double[] v = x.v().clone();
                    v[r.nextInt(v.length)] = pickD(1 << 25, -(1L << 40), Long.MAX_VALUE);
                    bad = x.withDtype(DType.I64).withValues(v);
                    fault = "an integer too large for float32";
                }
                case 5 -> {
                    if (tokens) {
                        double[] v = x.v().clone();
                        // in the first step of a sequence, as for the NaN above: padding past --lengths is never read
                        int perRow = v.length / x.dim(0);
                        v[r.nextInt(x.dim(0)) * perRow + r.nextInt(perRow / x.dim(1))] = pickD(vocab, -1, 0.5);
                        bad = x.withDtype(DType.F32).withValues(v);
                        fault = "a token id outside [0, --vocab)";
                    } else {
                        bad = Arr.of(DType.F32, new double[] {1}, 1, 1, 1, 1, 1);
                        fault = "rank 5";
                    }
                }
                default -> {
                    bad = x.withShape(new int[0]).withValues(new double[] {1});
                    fault = "a scalar";
                }
            }
            files.put(xp, Node.file(bad.npy()));
            c.note("x.npy now " + bad);
            c.fault("--x: " + fault, "--x", xp);
        }));
    }

    private static int[] append(int[] s, int d) {
        int[] o = Arrays.copyOf(s, s.length + 1);
        o[s.length] = d;
        return o;
    }

    /**
     * An element of y that is read whatever the lengths: with per-step targets, one in the first step of
     * a sequence (lengths are at least 1); values past a sequence's length are padding, never read.
     */
    private int validTarget(Arr y, boolean perStep) {
        if (!perStep) return r.nextInt(y.v().length);
        int n = y.dim(0), perRow = y.v().length / n, perStepCount = perRow / y.dim(1);
        return r.nextInt(n) * perRow + r.nextInt(perStepCount);
    }

    private void yFaults(Path yp, Arr y, Path xp, boolean classification, boolean perStep) {
        planters.add(new Planter("--y", () -> {
            int k = r.nextInt(5);
            String fault;
            Arr bad;
            int n = y.dim(0);
            switch (k) {
                case 0 -> {
                    int m = n + (r.nextBoolean() ? 1 : -1);
                    int[] s = y.shape().clone();
                    s[0] = m;
                    int count = Arrays.stream(s).reduce(1, (a, b) -> a * b);
                    bad = y.withShape(s).withValues(Arrays.copyOf(y.v(), count));
                    fault = "a row count other than X's";
                }
                case 1 -> {
                    double[] v = y.v().clone();
                    v[validTarget(y, perStep)] = classification ? pickD(-1, -7) : pickD(Double.NaN, Double.POSITIVE_INFINITY);
                    bad = y.withDtype(classification ? DType.I64 : DType.F32).withValues(v);
                    fault = classification ? "a negative class label" : "a non-finite target";
                }
                case 2 -> {
                    double[] v = y.v().clone();
                    double w = classification ? pickD(Integer.MAX_VALUE, 1 << 30, 0.5, Double.NaN) : Double.NaN;
                    v[validTarget(y, perStep)] = w;
                    bad = y.withDtype(classification && w == Math.rint(w) ? DType.I64 : DType.F64).withValues(v);
                    fault = classification ? "a class label too large or not whole" : "a NaN target";
                }
                case 3 -> {
                    bad = Arr.of(y.dtype(), new double[0], 0);
                    fault = "shape (0,)";
                }
                default -> {
                    if (perStep) {
                        int[] s = y.shape().clone();
                        s[1] = s[1] + 1;
                        int count = Arrays.stream(s).reduce(1, (a, b) -> a * b);
                        bad = y.withShape(s).withValues(Arrays.copyOf(y.v(), count));
                        fault = "a step count other than X's with --per-step";
                    } else {
                        bad = y.withShape(new int[0]).withValues(new double[] {1});
                        fault = "a scalar";
                    }
                }
            }
            files.put(yp, Node.file(bad.npy()));
            c.note("y.npy now " + bad);
            c.fault("--y: " + fault, "--y", yp);
        }));
    }

    private void lengthsFaults(String opt, Path lp, Arr len, int t) {
        planters.add(new Planter(opt, () -> {
            Arr bad;
            String fault;
            switch (r.nextInt(4)) {
                case 0 -> {
                    double[] v = len.v().clone();
                    v[r.nextInt(v.length)] = pickD(0, -1, t + 1, Integer.MAX_VALUE);
                    bad = len.withDtype(DType.I64).withValues(v);
                    fault = "a length outside [1, T]";
                }
                case 1 -> {
                    int m = len.v().length + (r.nextBoolean() ? 1 : -1);
                    bad = len.withShape(m).withValues(Arrays.copyOf(len.v(), m));
                    fault = "a count other than the sequences'";
                }
                case 2 -> {
                    double[] v = len.v().clone();
                    v[r.nextInt(v.length)] = pickD(1.5, Double.NaN, 1e30);
                    bad = len.withDtype(DType.F64).withValues(v);
                    fault = "a length that is not a whole number";
                }
                default -> {
                    bad = len.withDtype(DType.BOOL).withValues(Arrays.stream(len.v()).map(v -> 0).toArray());
                    fault = "a BOOL array of false";
                }
            }
            files.put(lp, Node.file(bad.npy()));
            c.note(lp.getFileName() + " now " + bad);
            c.fault(opt + ": " + fault, opt, lp);
        }));
    }

    // ---- predict -------------------------------------------------------------------------------------------------

    private void predict() {
        int n = between(1, 5), t = between(1, 4), f = between(1, 2);
        boolean seq = r.nextBoolean();
        Arr x = features(n, t, f);
        Path xp = inPath("x.npy"), lp = inPath("lengths.npy");
        byte[] model = PREDICT_MODELS[(f - 1) + 2 * (seq ? 1 : 0)];
        Path mdir = path("model"), mfile = mdir.resolve("model.safetensors");
        files.put(mdir, Node.DIR);
        files.put(mfile, Node.file(model));
        boolean asDir = r.nextBoolean();
        c.put("--model", arg(asDir ? mdir : mfile));
        input("--x", xp, x.npy());
        Arr len = r.nextInt(3) == 0 ? lengthsArr(n, t) : null;
        if (len != null) input("--lengths", lp, len.npy());
        c.note("x.npy " + x + (len == null ? "" : ", lengths.npy " + len) + ", model: " + f + " features, " + (seq ? "per-step" : "last-step") + " output");
        fileFaults("--model", mfile);
        modelFaults(mdir, mfile, asDir, xp);
        npyFaults("--x", xp, x);
        planters.add(new Planter("--x", () -> {
            Arr bad = features(n, t, 3 - f);
            if (bad.rank() == 2) bad = bad.withShape(n, t, 3 - f);
            files.put(xp, Node.file(bad.npy()));
            c.fault("--x: a feature count other than the model's", "--x", xp, "--model");
        }));
        planters.add(new Planter("--x", () -> {
            double[] v = x.v().clone();
            v[r.nextInt(v.length)] = pickD(Double.NaN, Double.POSITIVE_INFINITY);
            files.put(xp, Node.file(x.withDtype(DType.F32).withValues(v).npy()));
            c.maybe("--x: a non-finite value", "--x", xp);
        }));
        planters.add(new Planter("--x", () -> {
            // no sequence at all ([0, T, F]) is valid, outputs of no row (NoRowsTest): no steps or no features are not
            int z = r.nextInt(2);
            files.put(xp, Node.file(Arr.of(DType.F32, new double[0], n, z == 0 ? 0 : t, z == 1 ? 0 : f).npy()));
            c.fault("--x: zero-length dimension", "--x", xp);
        }));
        if (len != null) {
            npyFaults("--lengths", lp, len);
            lengthsFaults("--lengths", lp, len, t);
        }
        fileOutput("--out", "p.npy", xp);
        // predict names its file as np.save does: X's name less .npy is X (where X's name ends so: inPath may add a space)
        String stem = xp.toString();
        if (stem.endsWith(".npy")) planters.add(new Planter("--out", () -> {
            c.put("--out", stem.substring(0, stem.length() - ".npy".length()));
            c.flag("--overwrite");
            c.fault("--out: X's name less .npy (np.save's name for it is X)", "--out", xp);
        }));
        flagOpt("--overwrite", c.has("--overwrite"));
    }

    // ---- evaluate ------------------------------------------------------------------------------------------------

    /** A PREDICT_MODELS model (two outputs) on X and Y of its shapes: class labels 0 and 1, or two targets. */
    private void evaluate() {
        int n = between(1, 5), t = between(1, 4), f = between(1, 2);
        boolean seq = r.nextBoolean(), classification = r.nextBoolean();
        Arr x = features(n, t, f);
        Arr y = classification ? labels(seq ? new int[] {n, t} : new int[] {n}, 2) : targets(n, t, seq, 2);
        Path xp = inPath("x.npy"), yp = inPath("y.npy"), lp = inPath("lengths.npy");
        Path mdir = path("model"), mfile = mdir.resolve("model.safetensors");
        files.put(mdir, Node.DIR);
        files.put(mfile, Node.file(PREDICT_MODELS[(f - 1) + 2 * (seq ? 1 : 0)]));
        boolean asDir = r.nextBoolean();
        c.put("--model", arg(asDir ? mdir : mfile));
        input("--x", xp, x.npy());
        input("--y", yp, y.npy());
        Arr len = r.nextInt(3) == 0 ? lengthsArr(n, t) : null;
        if (len != null) input("--lengths", lp, len.npy());
        c.put("--task", randomCase(classification ? "classification" : "regression"));
        c.note("x.npy " + x + ", y.npy " + y + (len == null ? "" : ", lengths.npy " + len) + ", model: " + f + " features, "
                + (seq ? "per-step" : "last-step") + " output of 2");
        fileFaults("--model", mfile);
        modelFaults(mdir, mfile, asDir, xp);
        npyFaults("--x", xp, x);
        npyFaults("--y", yp, y);
        yFaults(yp, y, xp, classification, seq);
        planters.add(new Planter("--task", () -> {
            c.put("--task", pick(JUNK));
            c.fault("--task: not one of its choices", "--task");
        }));
        planters.add(new Planter("--x", () -> {
            Arr bad = features(n, t, 3 - f);
            if (bad.rank() == 2) bad = bad.withShape(n, t, 3 - f);
            files.put(xp, Node.file(bad.npy()));
            c.fault("--x: a feature count other than the model's", "--x", xp, "--model");
        }));
        if (classification) {
            planters.add(new Planter("--y", () -> {
                double[] v = y.v().clone();
                v[validTarget(y, seq)] = pickD(2, 5, 1000);
                files.put(yp, Node.file(y.withDtype(DType.I64).withValues(v).npy()));
                c.fault("--y: a class label the model has no output for", "--y", yp);
            }));
        }
        if (!classification) {
            planters.add(new Planter("--y", () -> {
                Arr bad = targets(n, t, seq, pick(new int[] {1, 3}));
                files.put(yp, Node.file(bad.npy()));
                c.note("y.npy now " + bad);
                c.fault("--y: targets of another width than the model's 2 outputs", "--y", yp);
            }));
        }
        // --task the other way round, Y as it is: labels are one target where the model has two outputs; targets
        // (made not whole) are no class labels, nor one-hot rows
        planters.add(new Planter("--task", () -> {
            c.put("--task", classification ? "regression" : "classification");
            if (!classification) files.put(yp, Node.file(y.withValues(Arrays.stream(y.v()).map(v -> v + 0.5).toArray()).npy()));
            c.fault("--task: not what the model was fitted for (Y as the other task gives it)", "--y", yp);
        }));
        if (classification && (seq || t >= 2)) {
            // a label per step for a model of one output a sequence (a row of zeros is no one-hot row), or one a sequence
            // for a per-step model
            planters.add(new Planter("--y", () -> {
                Arr bad = seq ? labels(new int[] {n}, 2) : labels(new int[] {n, t}, 2);
                if (!seq) {
                    double[] v = bad.v().clone();
                    Arrays.fill(v, 0, t, 0);
                    bad = bad.withValues(v);
                }
                files.put(yp, Node.file(bad.npy()));
                c.note("y.npy now " + bad);
                c.fault("--y: labels " + (seq ? "one a sequence for a per-step model" : "per step for a last-step model"), "--y", yp);
            }));
        }
        if (len != null) {
            npyFaults("--lengths", lp, len);
            lengthsFaults("--lengths", lp, len, t);
        }
        if (r.nextBoolean()) fileOutput("--json", "figures.json", xp);
        flagOpt("--overwrite", c.has("--overwrite"));
    }

    // ---- quantize ------------------------------------------------------------------------------------------------

    private void quantize() {
        boolean text = r.nextBoolean();
        int f = text ? 1 : between(1, 2);
        boolean seq = r.nextBoolean();
        Path mdir = path("model"), mfile = mdir.resolve("model.safetensors"), vfile = mdir.resolve("vocab.json");
        files.put(mdir, Node.DIR);
        files.put(mfile, Node.file(text ? textModel : PREDICT_MODELS[(f - 1) + 2 * (seq ? 1 : 0)]));
        if (text) files.put(vfile, Node.file(textVocab));
        boolean asDir = r.nextBoolean();
        c.put("--model", arg(asDir ? mdir : mfile));
        enumOpt("--precision", true, "int8", "bf16");
        // an .npy beside the model, given as --x now and then (and to modelFaults as a file that is not a model)
        Path xp = inPath("x.npy");
        Arr x = text ? tokenIds(between(1, 4), between(1, 4), (int) textAlphabet.codePoints().distinct().count())
                : features(between(1, 4), between(1, 4), f);
        files.put(xp, Node.file(x.npy()));
        // --model given as its file may be moved into the output directory under the output's name; a text model's
        // directory is not an input file (moving its model.safetensors to DIR/vocab.json would make it a plain file
        // argument, whose output is model.safetensors alone)
        Map<String, Path> ins = new java.util.HashMap<>();
        if (!(text && asDir)) ins.put("--model", mfile);
        if (ins.isEmpty() || r.nextBoolean()) {   // the output directory's faults need an input file to move
            input("--x", xp, x.npy());
            ins.put("--x", xp);
            npyFaults("--x", xp, x);
            if (!text) {
                planters.add(new Planter("--x", () -> {
                    Arr bad = features(x.shape()[0], x.shape()[1], 3 - f);
                    if (bad.rank() == 2) bad = bad.withShape(x.shape()[0], x.shape()[1], 3 - f);
                    files.put(xp, Node.file(bad.npy()));
                    c.fault("--x: a feature count other than the model's", "--x", xp, "--model");
                }));
            }
        }
        c.note("model: " + (text ? "a text model" : f + " features, " + (seq ? "per-step" : "last-step") + " output")
                + (asDir ? ", given as its directory" : ", given as its file"));
        List<String> outs = text && asDir ? List.of("model.safetensors", "vocab.json") : List.of("model.safetensors");
        dirOutput("--out", outs, outs, ins);
        fileFaults("--model", mfile);
        modelFaults(mdir, mfile, asDir, xp);
        planters.add(new Planter("--model", () -> {
            files.put(mfile, Node.file(quantizedModel));
            if (c.has("--x")) c.put("--x", arg(xp));
            c.fault("--model: already quantized", "--model", mdir, mfile);
        }));
        flagOpt("--overwrite", c.has("--overwrite"));
    }

    /** Faults of a vecrnn model given as a directory or its model.safetensors. */
    private void modelFaults(Path mdir, Path mfile, boolean asDir, Path anNpy) {
        planters.add(new Planter("--model", () -> {
            int k = r.nextInt(6);
            String fault = switch (k) {
                case 0 -> {
                    files.put(mfile, Node.file(Arrays.copyOf(bytesOf(mfile), r.nextInt(bytesOf(mfile).length))));
                    yield "model truncated";
                }
                case 1 -> {
                    files.put(mfile, Node.file(TORCH.get(1).weights()));
                    yield "a PyTorch state_dict, not a vecrnn model";
                }
                case 2 -> {
                    c.put("--model", arg(anNpy));
                    c.names.add(anNpy.toString());
                    yield "a .npy file";
                }
                case 3 -> {
                    files.put(mfile, Node.MISSING);
                    c.put("--model", arg(mdir));
                    yield "a directory without model.safetensors";
                }
                case 4 -> {
                    c.put("--model", arg(path(fresh("no-model"))));
                    yield "no such directory";
                }
                default -> {
                    files.put(mfile, Node.file(new byte[] {8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '}));
                    yield "an empty safetensors";
                }
            };
            c.fault("--model: " + fault, "--model", mfile, mdir);
        }));
        planters.add(new Planter("--model", () -> {
            files.put(mfile, Node.file(CliFuzzFiles.byteEdit(r, bytesOf(mfile))));
            c.maybe("--model: byte-mutated", "--model", mfile, mdir);
        }));
    }

    // ---- infer ---------------------------------------------------------------------------------------------------

    private void infer() {
        if (r.nextInt(7) == 0) {
            inferVecrnn();
            return;
        }
        Torch m = TORCH.get(r.nextInt(TORCH.size()));
        Path mdir = path("m"), cfg = mdir.resolve("config.json"), w = mdir.resolve("model.safetensors");
        files.put(mdir, Node.DIR);
        files.put(cfg, Node.file(m.config()));
        files.put(w, Node.file(m.weights()));
        c.put("--model", arg(mdir));
        int b = between(1, 3), t = between(1, 4);
        boolean unbatched = r.nextInt(5) == 0;
        if (unbatched) b = 1;
        double[] v = new double[b * t * m.input()];
        for (int i = 0; i < v.length; i++) v[i] = gauss();
        int[] shape = unbatched ? new int[] {t, m.input()} : m.batchFirst() ? new int[] {b, t, m.input()} : new int[] {t, b, m.input()};
        Arr x = Arr.of(r.nextInt(4) == 0 ? DType.F64 : DType.F32, v, shape);
        Path xp = inPath("x.npy"), hp = inPath("h0.npy"), cp = inPath("c0.npy"), lp = inPath("lengths.npy");
        input("--input", xp, x.npy());
        c.note("model " + m.name() + ", input " + x);
        int ld = m.layers() * m.dirs();
        Arr h0 = null, c0 = null, len = null;
        if (r.nextInt(3) == 0) {
            h0 = state(ld, b, m.out(), unbatched);
            input("--h0", hp, h0.npy());
        }
        if (m.type() == CellType.LSTM && h0 != null) { // PyTorch's hx = (h_0, c_0): both or neither
            c0 = state(ld, b, m.hidden(), unbatched);
            input("--c0", cp, c0.npy());
        }
        if (!unbatched && r.nextInt(3) == 0) {
            len = lengthsArr(b, t);
            input("--lengths", lp, len.npy());
        }
        Map<String, Path> ins = new LinkedHashMap<>();
        ins.put("--input", xp);
        if (h0 != null) ins.put("--h0", hp);
        if (c0 != null) ins.put("--c0", cp);
        if (len != null) ins.put("--lengths", lp);
        List<String> outs = m.type() == CellType.LSTM ? List.of("output.npy", "h_n.npy", "c_n.npy") : List.of("output.npy", "h_n.npy");
        Path out = dirOutput("--out", outs, outs, ins);

        // the model directory
        planters.add(new Planter("--model", () -> {
            int k = r.nextInt(8);
            String fault = switch (k) {
                case 0 -> {
                    files.put(cfg, Node.MISSING);
                    yield "no config.json";
                }
                case 1 -> {
                    files.put(w, Node.MISSING);
                    yield "no model.safetensors";
                }
                case 2 -> {
                    files.put(cfg, Node.file(pick("{", "[]", "{\"type\": \"LSTM\"}", "", "{\"type\": \"TRANSFORMER\", \"input_size\": 2, \"hidden_size\": 2}",
                            "\u0000\u0001").getBytes(StandardCharsets.UTF_8)));
                    yield "a broken config.json";
                }
                case 3 -> {
                    String s = new String(m.config(), StandardCharsets.UTF_8);
                    s = s.replaceFirst("\"hidden_size\": *\\d+", "\"hidden_size\": " + pick("100000000", "0", "-3", "2147483648", "1.5", "\"7\""));
                    files.put(cfg, Node.file(s.getBytes(StandardCharsets.UTF_8)));
                    yield "config.json with a bad hidden_size";
                }
                case 4 -> {
                    files.put(w, Node.file(Arrays.copyOf(m.weights(), r.nextInt(m.weights().length))));
                    yield "model.safetensors truncated";
                }
                case 5 -> {
                    files.put(cfg, CliFuzzFiles.fifos && r.nextBoolean() ? Node.FIFO : Node.DIR);
                    yield "config.json is a directory or FIFO";
                }
                case 6 -> {
                    c.put("--model", arg(xp));
                    c.names.add(xp.toString());
                    yield "a .npy file";
                }
                default -> {
                    c.put("--model", arg(path(fresh("no-model"))));
                    yield "no such directory";
                }
            };
            c.fault("--model: " + fault, "--model", mdir, cfg, w);
        }));
        planters.add(new Planter("--model", () -> {
            if (r.nextBoolean()) files.put(cfg, Node.file(CliFuzzFiles.byteEdit(r, m.config())));
            else files.put(w, Node.file(CliFuzzFiles.byteEdit(r, m.weights())));
            c.maybe("--model: byte-mutated", "--model", mdir, cfg, w);
        }));
        npyFaults("--input", xp, x);
        int bb = b;
        planters.add(new Planter("--input", () -> {
            int k = r.nextInt(4);
            Arr bad;
            String fault;
            switch (k) {
                case 0 -> {
                    int[] s = x.shape().clone();
                    s[s.length - 1] = m.input() + 1;
                    bad = Arr.of(DType.F32, new double[Arrays.stream(s).reduce(1, (p, q) -> p * q)], s);
                    fault = "a feature count other than the model's";
                }
                case 1 -> {
                    bad = Arr.of(DType.F32, new double[] {1, 2}, 2);
                    fault = "rank 1";
                }
                case 2 -> {
                    // no steps (PyTorch refuses them) or no features; a batch of no sequences is valid (InferEmptyBatchTest)
                    boolean noSteps = r.nextBoolean();
                    int steps = noSteps ? 0 : t, features = noSteps ? m.input() : 0;
                    bad = Arr.of(DType.F32, new double[0], m.batchFirst() ? new int[] {bb, steps, features} : new int[] {steps, bb, features});
                    fault = "zero-length dimension";
                }
                default -> {
                    bad = Arr.of(DType.F32, new double[m.input()], 1, 1, 1, m.input());
                    fault = "rank 4";
                }
            }
            files.put(xp, Node.file(bad.npy()));
            c.note("x.npy now " + bad);
            c.fault("--input: " + fault, "--input", xp);
        }));
        planters.add(new Planter("--input", () -> {
            double[] vv = x.v().clone();
            vv[r.nextInt(vv.length)] = pickD(Double.NaN, Double.NEGATIVE_INFINITY);
            files.put(xp, Node.file(x.withValues(vv).npy()));
            c.maybe("--input: a non-finite value", "--input", xp);
        }));
        if (h0 != null) {
            npyFaults("--h0", hp, h0);
            stateFaults("--h0", hp, h0);
        } else {
            planters.add(new Planter("--h0", () -> {
                Arr bad = state(ld + 1, bb, m.out(), false);
                input("--h0", hp, bad.npy());
                c.fault("--h0: the wrong shape", "--h0", hp);
            }));
        }
        if (c0 != null) {
            npyFaults("--c0", cp, c0);
            stateFaults("--c0", cp, c0);
        } else {
            planters.add(new Planter("--c0", () -> {
                Arr s = state(ld, bb, m.hidden(), unbatched);
                input("--c0", cp, s.npy());
                if (m.type() == CellType.LSTM) c.maybe("--c0 given", "--c0", cp);
                else c.fault("--c0: a cell state for a " + m.type() + " (no cell state)", "--c0", cp);
            }));
        }
        if (len != null) {
            npyFaults("--lengths", lp, len);
            lengthsFaults("--lengths", lp, len, t);
        }
        flagOpt("--overwrite", c.has("--overwrite"));
    }

    private Arr state(int ld, int b, int h, boolean unbatched) {
        double[] v = new double[ld * b * h];
        for (int i = 0; i < v.length; i++) v[i] = gauss();
        return Arr.of(DType.F32, v, unbatched ? new int[] {ld, h} : new int[] {ld, b, h});
    }

    private void stateFaults(String opt, Path p, Arr s) {
        planters.add(new Planter(opt, () -> {
            int[] shape = s.shape().clone();
            int d = r.nextInt(shape.length);
            shape[d] += 1;
            int count = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
            Arr bad = s.withShape(shape).withValues(new double[count]);
            if (r.nextInt(3) == 0) bad = Arr.of(DType.F32, new double[count], count);
            files.put(p, Node.file(bad.npy()));
            c.note(p.getFileName() + " now " + bad);
            c.fault(opt + ": the wrong shape", opt, p);
        }));
    }

    /** infer on a vecrnn model file (the other branch of the command). */
    private void inferVecrnn() {
        int n = between(1, 3), t = between(1, 3), f = between(1, 2);
        boolean seq = r.nextBoolean();
        Path mdir = path("vm"), mfile = mdir.resolve("model.safetensors");
        files.put(mdir, Node.DIR);
        files.put(mfile, Node.file(PREDICT_MODELS[(f - 1) + 2 * (seq ? 1 : 0)]));
        boolean asDir = r.nextBoolean();
        c.put("--model", arg(asDir ? mdir : mfile));
        Arr x = features(n, t, f);
        Path xp = path("x.npy");
        input("--input", xp, x.npy());
        c.note("vecrnn model, " + f + " features; input " + x);
        Map<String, Path> ins = new LinkedHashMap<>();
        ins.put("--input", xp);
        dirOutput("--out", List.of("output.npy"), List.of("output.npy"), ins);
        fileFaults("--model", mfile);
        modelFaults(mdir, mfile, asDir, xp);
        npyFaults("--input", xp, x);
        planters.add(new Planter("--input", () -> {
            Arr bad = features(n, t, 3 - f);
            if (bad.rank() == 2) bad = bad.withShape(n, t, 3 - f);
            files.put(xp, Node.file(bad.npy()));
            c.fault("--input: a feature count other than the model's", "--input", xp, "--model");
        }));
        flagOpt("--overwrite", c.has("--overwrite"));
    }

    // ---- train-text and sample -----------------------------------------------------------------------------------

    private void trainText() {
        String alphabet = pick("ab c\n", "the quick brown fox ", "héllo wörld ✓", "\u0001\u001b[31m ab\t", "😀 x 𝄞 y");
        int[] cps = alphabet.codePoints().toArray();
        int len = between(30, 80);
        StringBuilder s = new StringBuilder();
        if (r.nextInt(10) == 0) s.append('\uFEFF');
        for (int i = 0; i < len; i++) s.appendCodePoint(cps[r.nextInt(cps.length)]);
        byte[] text = s.toString().getBytes(StandardCharsets.UTF_8);
        Path tp = inPath("text.txt");
        input("--text", tp, text);
        c.note("text.txt: " + len + " characters from " + CliFuzzCase.quote(alphabet));
        int steps = between(2, 4);
        Map<String, Path> ins = Map.of("--text", tp);
        dirOutput("--out", List.of("model.safetensors", "vocab.json"), List.of("model.safetensors", "vocab.json"), ins);
        planters.add(new Planter("--text", () -> {
            int k = r.nextInt(4);
            String fault = switch (k) {
                case 0 -> {
                    byte[] b = text.clone();
                    b[r.nextInt(b.length)] = (byte) pick(new int[] {0xff, 0xfe, 0xc0, 0xc1, 0xf8});  // bytes UTF-8 never holds
                    files.put(tp, Node.file(b));
                    yield "not UTF-8";
                }
                case 1 -> {
                    files.put(tp, Node.file(Arrays.copyOf(text, between(1, 4))));
                    yield "too short to train on";
                }
                case 2 -> {
                    files.put(tp, Node.file(Arr.of(DType.F32, new double[] {1, 2, 3}, 3).npy()));
                    yield "a .npy file (not UTF-8)";
                }
                default -> {
                    byte[] b = Arrays.copyOf(text, text.length + 1);
                    b[text.length] = (byte) 0xe2;  // a 3-byte sequence cut short at the end
                    files.put(tp, Node.file(b));
                    yield "ends inside a UTF-8 sequence";
                }
            };
            c.fault("--text: " + fault, "--text", tp);
        }));
        planters.add(new Planter("--text", () -> {
            files.put(tp, Node.file(CliFuzzFiles.byteEdit(r, text)));
            c.maybe("--text: byte-mutated", "--text", tp);
        }));
        enumOpt("--cell", false, "lstm", "gru", "rnn", "rnn_tanh", "rnn_relu");
        intOpt("--hidden", true, 1, Integer.MAX_VALUE, 2, 4);
        decoy("--hidden", "1000");
        intOpt("--layers", false, 1, 64, 1, 2);
        intOpt("--embed", true, 1, Integer.MAX_VALUE, 2, 4);
        planters.add(new Planter("--embed", () -> {
            c.put("--embed", Integer.toString(Integer.MAX_VALUE));
            c.fault("--embed: too large for the heap", "--embed");
        }));
        intOpt("--steps", true, 1, Integer.MAX_VALUE, steps, steps);
        planters.add(new Planter("--steps", () -> {
            c.put("--steps", Integer.toString(pick(new int[] {100, 100_000, Integer.MAX_VALUE})));
            c.fault("--steps: longer than the text", "--steps", "--text");
        }));
        intOpt("--epochs", true, 1, Integer.MAX_VALUE, 1, 1);
        decoy("--epochs", "1000");
        intOpt("--batch", false, 1, Integer.MAX_VALUE, 1, 8);
        planters.add(new Planter("--batch", () -> {
            c.put("--batch", Integer.toString(pick(new int[] {1_000_000, Integer.MAX_VALUE})));
            c.maybe("--batch huge (larger than the data)", "--batch");
        }));
        numOpt("--lr", false, 0, false, Double.POSITIVE_INFINITY, false, 0.005, 0.05);
        numOpt("--held-out", false, 0, false, 0.5, false, 0.1, 0.2, 0.3);
        int maxChars = r.nextBoolean() ? 0 : between(steps + 1, 60);
        option("--max-chars", false, Integer.toString(maxChars));
        planters.add(new Planter("--max-chars", () -> {
            c.put("--max-chars", Integer.toString(pick(new int[] {-1, Integer.MIN_VALUE})));
            c.fault("--max-chars: out of range", "--max-chars");
        }));
        planters.add(new Planter("--max-chars", () -> {
            c.put("--max-chars", Integer.toString(between(1, steps)));
            c.put("--steps", Integer.toString(steps));
            c.fault("--max-chars: not more than --steps", "--max-chars", "--steps");
        }));
        planters.add(new Planter("--max-chars", () -> {
            c.put("--max-chars", pick(NOT_INT));
            c.fault("--max-chars: not an integer", "--max-chars");
        }));
        longOpt("--seed");
        intOpt("--threads", false, 1, Check.MAX_THREADS, 1, 2);
        flagOpt("--overwrite", c.has("--overwrite"));
    }

    private void sample() {
        Path mdir = path("tm"), mfile = mdir.resolve("model.safetensors"), vfile = mdir.resolve("vocab.json");
        files.put(mdir, Node.DIR);
        files.put(mfile, Node.file(textModel));
        files.put(vfile, Node.file(textVocab));
        c.put("--model", arg(mdir));
        int[] cps = textAlphabet.codePoints().distinct().toArray();
        StringBuilder prime = new StringBuilder();
        for (int i = between(0, 6); i > 0; i--) prime.appendCodePoint(cps[r.nextInt(cps.length)]);
        option("--prime", false, prime.toString());
        intOpt("--length", true, 0, 100_000_000, 0, 30);
        decoy("--length", "1000000");
        numOpt("--temperature", false, 0, false, Double.POSITIVE_INFINITY, true, 0.2, 0.8, 1.5);
        planters.add(new Planter("--temperature", () -> {
            c.put("--temperature", pick("Infinity", "1e308", "1e-300", "4.9e-324"));
            c.maybe("--temperature extreme", "--temperature");
        }));
        longOpt("--seed");
        planters.add(new Planter("--prime", () -> {
            c.put("--prime", pick("xyz", "\u001b[2J", "Z", "\u0007", "the cat\u202e", "😀", "\r\n", "Q".repeat(2000)));
            c.fault("--prime: characters not in the vocabulary", "--prime");
        }));
        planters.add(new Planter("--model", () -> {
            int k = r.nextInt(10);
            String fault = switch (k) {
                case 0 -> {
                    files.put(vfile, Node.MISSING);
                    yield "no vocab.json";
                }
                case 1 -> {
                    files.put(mfile, Node.MISSING);
                    yield "no model.safetensors";
                }
                case 2 -> {
                    files.put(vfile, Node.file(pick("{", "[]", "{\"code_points\": []}", "{\"code_points\": [-1]}", "{\"code_points\": [1, 1]}",
                            "{\"code_points\": [1114112]}", "{\"code_points\": \"abc\"}", "{\"code_points\": [1.5]}", "",
                            "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[").getBytes(StandardCharsets.UTF_8)));
                    yield "a broken vocab.json";
                }
                case 3 -> {
                    files.put(vfile, Node.file(otherVocab));
                    yield "vocab.json of another model";
                }
                case 4 -> {
                    files.put(mfile, Node.file(Arrays.copyOf(textModel, r.nextInt(textModel.length))));
                    yield "model.safetensors truncated";
                }
                case 5 -> {
                    files.put(vfile, CliFuzzFiles.fifos && r.nextBoolean() ? Node.FIFO : Node.DIR);
                    yield "vocab.json is a directory or FIFO";
                }
                case 6 -> {
                    files.put(mfile, CliFuzzFiles.fifos && r.nextBoolean() ? Node.FIFO : Node.DIR);
                    yield "model.safetensors is a directory or FIFO";
                }
                case 7 -> {
                    c.put("--model", arg(mfile));
                    yield "the model file, not its directory";
                }
                case 8 -> {
                    files.put(mfile, Node.file(PREDICT_MODELS[0]));
                    yield "a model that is not a text model";
                }
                default -> {
                    c.put("--model", arg(path(fresh("no-model"))));
                    yield "no such directory";
                }
            };
            c.fault("--model: " + fault, "--model", mdir, mfile, vfile);
        }));
        planters.add(new Planter("--model", () -> {
            if (r.nextBoolean()) files.put(vfile, Node.file(CliFuzzFiles.byteEdit(r, textVocab)));
            else files.put(mfile, Node.file(CliFuzzFiles.byteEdit(r, textModel)));
            c.maybe("--model: byte-mutated", "--model", mdir, mfile, vfile);
        }));
    }

    // ---- forecast and demo ---------------------------------------------------------------------------------------

    private void forecast() {
        Path csv = inPath("series.csv");
        boolean bundled = r.nextInt(20) == 0;
        int rows = between(12, 30);
        boolean third = r.nextInt(4) == 0;
        String nl = r.nextInt(5) == 0 ? "\r\n" : "\n";
        // one time in five quoted as pandas' to_csv(quoting=csv.QUOTE_ALL) writes it
        boolean quoted = r.nextInt(5) == 0;
        String q = quoted ? "\"" : "";
        StringBuilder s = new StringBuilder(r.nextInt(10) == 0 ? "\uFEFF" : "").append(third ? "t,v,w" : "t,v").append(nl);
        if (quoted) s.replace(s.indexOf("t"), s.length(), third ? "\"t\",\"v\",\"w\"" : "\"t\",\"v\"").append(nl);
        double level = 10;
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            level += gauss();
            String line = q + i + q + "," + q + (r.nextInt(10) == 0 ? " " + num(Math.rint(level * 1000) / 1000) + " " : num(Math.rint(level * 1000) / 1000)) + q
                    + (third ? "," + q + gauss() + q : "");
            lines.add(line);
            s.append(line).append(nl);
            if (r.nextInt(15) == 0) s.append(nl);
        }
        byte[] bytes = s.toString().getBytes(StandardCharsets.UTF_8);
        if (!bundled) {
            input("--csv", csv, bytes);
            c.put("--column", r.nextBoolean() ? "v" : "1");
            c.note("series.csv: " + rows + " rows" + (third ? ", three columns" : "") + (quoted ? ", every field quoted" : ""));
        } else {
            c.note("the bundled series");
        }
        intOpt("--epochs", true, 1, Integer.MAX_VALUE, 1, 1);
        decoy("--epochs", "1000");
        intOpt("--hidden", true, 1, Integer.MAX_VALUE, 2, 2);
        decoy("--hidden", "1000");
        intOpt("--window", true, 1, Integer.MAX_VALUE, 3, 3);
        intOpt("--horizon", true, 1, Integer.MAX_VALUE, 2, 2);
        intOpt("--season", true, 1, Integer.MAX_VALUE, 2, 2);
        numOpt("--lr", false, 0, false, Double.POSITIVE_INFINITY, false, 0.005, 0.05);
        longOpt("--seed");
        for (String o : new String[] {"--window", "--horizon", "--season"}) {
            planters.add(new Planter(o, () -> {
                c.put(o, Integer.toString(bundled ? pick(new int[] {1_000_000, Integer.MAX_VALUE}) : pick(new int[] {rows, 1_000_000, Integer.MAX_VALUE})));
                c.fault(o + ": more than the series holds", o);
            }));
        }
        planters.add(new Planter("--hidden", () -> {
            c.put("--hidden", Integer.toString(pick(new int[] {100_000, Integer.MAX_VALUE})));
            c.fault("--hidden: too large for the heap", "--hidden");
        }));
        planters.add(new Planter("--column", () -> {
            c.put("--column", pick("nope", "V", "", "3", "-1", "999999999999", "\u001b[31mv", "t,v", "a".repeat(3000)));
            c.fault("--column: no such column", "--column");
        }));
        if (!bundled) {
            planters.add(new Planter("--csv", () -> {
                int k = r.nextInt(6);
                String body;
                String fault;
                switch (k) {
                    case 0 -> {
                        int at = r.nextInt(lines.size());
                        List<String> l = new ArrayList<>(lines);
                        l.set(at, at + "," + pick("oops", "NaN", "Infinity", "-Infinity", "\"1.5\"x", "\"1.5", "", "0x1G", "1e999", "1.5.5"));
                        body = "t,v\n" + String.join("\n", l) + "\n";
                        fault = "a cell that is not a finite number";
                    }
                    case 1 -> {
                        body = "t,v\n";
                        fault = "a header only";
                    }
                    case 2 -> {
                        body = "t,v\n" + String.join("\n", lines.subList(0, between(1, 8))) + "\n";
                        fault = "too few rows";
                    }
                    case 3 -> {
                        body = "";
                        fault = "an empty file";
                    }
                    case 4 -> {
                        body = "t;v\n" + String.join("\n", lines).replace(',', ';') + "\n";
                        fault = "no column v (semicolons)";
                        c.put("--column", "v");
                    }
                    default -> {
                        body = "t,v\n" + "9,".repeat(200_000) + "\n";
                        fault = "a very long line without the value";
                    }
                }
                files.put(csv, Node.file(body.getBytes(StandardCharsets.UTF_8)));
                c.fault("--csv: " + fault, "--csv", csv);
            }));
            planters.add(new Planter("--csv", () -> {
                files.put(csv, Node.file(CliFuzzFiles.byteEdit(r, bytes)));
                c.maybe("--csv: byte-mutated", "--csv", csv);
            }));
        }
        fileOutput("--png", "forecast.png", bundled ? null : csv);
        if (!bundled) {
            planters.add(new Planter("--png", () -> {
                c.put("--png", arg(csv));
                c.flag("--overwrite");
                c.fault("--png: is the --csv input", "--png", csv);
            }));
        }
        flagOpt("--overwrite", c.has("--overwrite"));
    }

    /** demo trains for --seconds: only ever with a fault that stops it first. */
    private void demo() {
        intOpt("--seconds", true, 1, 86_400, 1, 1);
        intOpt("--threads", false, 1, Check.MAX_THREADS, 1, 2);
        Path out = dirOutput("--out", List.of("loss.png"), List.of("loss.png"), Map.of("--out", dir));
        // dirOutput's faults involving inputs make no sense for demo (it reads no file): its own instead
        planters.removeIf(p -> p.target().equals("--out"));
        planters.add(new Planter("--out", () -> {
            Path t = out.resolve("loss.png");
            switch (r.nextInt(5)) {
                case 0 -> {
                    files.put(t, Node.file("precious".getBytes(StandardCharsets.US_ASCII)));
                    dropOverwrite();
                    c.fault("--out: loss.png exists, no --overwrite", "--out", t, out);
                }
                case 1 -> {
                    files.put(t, Node.DIR);
                    c.fault("--out: loss.png is a directory", "--out", t, out);
                }
                case 2 -> {
                    Path f = path(fresh("plainfile"));
                    files.put(f, Node.file("a file".getBytes(StandardCharsets.US_ASCII)));
                    c.put("--out", arg(f));
                    c.fault("--out: the directory is a regular file", "--out", f);
                }
                case 3 -> {
                    c.put("--out", "/dev/null");
                    c.fault("--out: the directory is /dev/null", "--out", "/dev/null");
                }
                default -> {
                    files.put(t, Node.link(path(fresh("nowhere"))));
                    c.fault("--out: loss.png is a dangling link", "--out", t, out);
                }
            }
        }));
        flagOpt("--overwrite", c.has("--overwrite"));
        c.outputs.clear();
        c.required.clear();
    }

    private void topLevel() {
        String[] cmds = {"fit", "predict", "evaluate", "quantize", "infer", "train-text", "sample", "demo", "tune", "forecast"};
        switch (r.nextInt(8)) {
            case 0 -> c.maybe("no arguments (usage)");
            case 1 -> {
                c.raw.add(pick("--help", "-h", "--version", "-V"));
                c.maybe("help or version");
            }
            case 2 -> {
                String cmd = pick(cmds);
                c.raw.add(cmd);
                c.raw.add(pick("--help", "-h", "-V", "--version"));
                c.maybe("a command's help or version");
            }
            case 3 -> {
                String u = pick("fitt", "FIT", "help", "Predict", "run", "train_text", "demo2", "-");
                c.raw.add(u);
                c.fault("unknown command", "'" + u + "'");
            }
            case 4 -> {
                String u = pick("\u001b[31mfit", "fit\nfit", "\u202efit", "fit\u0007");
                c.raw.add(u);
                c.fault("unknown command with control characters", Main.oneLine("'" + u + "'"));
            }
            case 5 -> {
                String u = pick(UNKNOWN);
                c.raw.add(u);
                c.fault("unknown option", u);
            }
            case 6 -> {
                c.raw.add("");
                c.fault("an empty command", "''");
            }
            default -> {
                Path d = path(fresh("argdir"));
                files.put(d, Node.DIR);
                c.raw.add("@" + d);
                c.fault("@file argument naming a directory", "@" + d, d);
            }
        }
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
