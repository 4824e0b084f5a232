package dev.vecrnn.cli;

import dev.vecrnn.cli.CliFuzzFiles.Arr;
import dev.vecrnn.cli.CliFuzzTemplates.Torch;
import dev.vecrnn.nn.io.DType;
import dev.vecrnn.nn.recurrent.CellType;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.vecrnn.cli.CliFuzzTemplates.PREDICT_MODELS;
import static dev.vecrnn.cli.CliFuzzTemplates.TORCH;

/**
 * {@link CliFuzzGen} for infer: a PyTorch state_dict directory with an input and the optional h0, c0 and
 * lengths of torch.nn's forward, or (one time in seven) a vecrnn model file.
 */
final class CliFuzzInfer extends CliFuzzOutputs {

    CliFuzzInfer(String command, Path dir, long seed) {
        super(command, dir, seed);
    }

    @Override
    void build() {
        if (r.nextInt(7) == 0) inferVecrnn();
        else inferTorch();
    }

    /** infer on a PyTorch state_dict directory. */
    private void inferTorch() {
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
        featureCountFault("--input", xp, n, t, f);
        flagOpt("--overwrite", c.has("--overwrite"));
    }
}
