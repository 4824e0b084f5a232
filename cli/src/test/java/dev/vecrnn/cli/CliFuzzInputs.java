package dev.vecrnn.cli;

import dev.vecrnn.cli.CliFuzzFiles.Arr;
import dev.vecrnn.nn.io.DType;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

import static dev.vecrnn.cli.CliFuzzTemplates.TORCH;

/**
 * {@link CliFuzzGen}'s input files: an input given to an option and the faults any input file offers
 * (missing, a directory, a FIFO, a device, unreadable, empty, random bytes), the faults of a .npy, the
 * arrays the commands draw (features, token ids, labels, targets, lengths), and the faults of the inputs
 * several commands share: X, Y and lengths arrays, and a vecrnn model.
 */
abstract class CliFuzzInputs extends CliFuzzGen {

    CliFuzzInputs(String command, Path dir, long seed) {
        super(command, dir, seed);
    }

    // ---- input files -------------------------------------------------------------------------------------------

    /** Puts {@code bytes} at {@code p} and gives it to {@code opt}; registers the generic file faults. */
    void input(String opt, Path p, byte[] bytes) {
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

    void fileFaults(String opt, Path p) {
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
    void npyFaults(String opt, Path p, Arr a) {
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

    // ---- arrays ------------------------------------------------------------------------------------------------

    double gauss() {
        return Math.rint(r.nextGaussian() * 1000) / 1000;
    }

    /** Float features [n, t, f] (or [n, t] when f is 1), in a dtype that holds them. */
    Arr features(int n, int t, int f) {
        DType d = r.nextInt(10) < 6 ? DType.F32 : pickType(DType.F64, DType.F16, DType.I64, DType.I8, DType.I32);
        double[] v = new double[n * t * f];
        for (int i = 0; i < v.length; i++) v[i] = d.isFloatingPoint() ? gauss() : Math.rint(r.nextGaussian() * 3);
        if (d == DType.F16) for (int i = 0; i < v.length; i++) v[i] = Float.float16ToFloat(Float.floatToFloat16((float) v[i]));
        return Arr.of(d, v, f == 1 && r.nextInt(3) == 0 ? new int[] {n, t} : new int[] {n, t, f});
    }

    private DType pickType(DType... d) {
        return d[r.nextInt(d.length)];
    }

    Arr tokenIds(int n, int t, int vocab) {
        DType d = pickType(DType.I64, DType.I32, DType.F32, DType.U8, DType.I16);
        double[] v = new double[n * t];
        for (int i = 0; i < v.length; i++) v[i] = r.nextInt(vocab);
        return Arr.of(d, v, r.nextInt(5) == 0 ? new int[] {n, t, 1} : new int[] {n, t});
    }

    Arr labels(int[] shape, int k) {
        int count = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        double[] v = new double[count];
        for (int i = 0; i < count; i++) v[i] = r.nextInt(k);
        return Arr.of(pickType(DType.I64, DType.I64, DType.I32, DType.U8, DType.F32), v, shape);
    }

    Arr targets(int n, int t, boolean perStep, int k) {
        int[] shape = perStep ? (k == 1 ? new int[] {n, t} : new int[] {n, t, k}) : (k == 1 ? new int[] {n} : new int[] {n, k});
        int count = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        double[] v = new double[count];
        for (int i = 0; i < count; i++) v[i] = gauss();
        return Arr.of(pickType(DType.F32, DType.F32, DType.F64), v, shape);
    }

    Arr lengthsArr(int n, int t) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = between(1, t);
        return Arr.of(pickType(DType.I64, DType.I64, DType.I32, DType.U8, DType.F32), v, n);
    }

    // ---- the faults of X, Y and lengths arrays -------------------------------------------------------------------

    /** Faults of fit's X (token ids below {@code vocab} when {@code tokens}). */
    void xFaults(Path xp, Arr x, boolean tokens, int vocab) {
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
    int validTarget(Arr y, boolean perStep) {
        if (!perStep) return r.nextInt(y.v().length);
        int n = y.dim(0), perRow = y.v().length / n, perStepCount = perRow / y.dim(1);
        return r.nextInt(n) * perRow + r.nextInt(perStepCount);
    }

    void yFaults(Path yp, Arr y, Path xp, boolean classification, boolean perStep) {
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

    void lengthsFaults(String opt, Path lp, Arr len, int t) {
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

    // ---- a vecrnn model ------------------------------------------------------------------------------------------

    /** Faults of a vecrnn model given as a directory or its model.safetensors. */
    void modelFaults(Path mdir, Path mfile, boolean asDir, Path anNpy) {
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

    /** {@code opt}'s .npy ({@code xp}) of n sequences of t steps with the other feature count than the model's {@code f} (1 or 2). */
    void featureCountFault(String opt, Path xp, int n, int t, int f) {
        planters.add(new Planter(opt, () -> {
            Arr bad = features(n, t, 3 - f);
            if (bad.rank() == 2) bad = bad.withShape(n, t, 3 - f);
            files.put(xp, Node.file(bad.npy()));
            c.fault(opt + ": a feature count other than the model's", opt, xp, "--model");
        }));
    }
}
