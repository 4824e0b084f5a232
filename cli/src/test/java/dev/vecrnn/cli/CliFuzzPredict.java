package dev.vecrnn.cli;

import dev.vecrnn.cli.CliFuzzFiles.Arr;
import dev.vecrnn.nn.io.DType;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.vecrnn.cli.CliFuzzTemplates.PREDICT_MODELS;
import static dev.vecrnn.cli.CliFuzzTemplates.quantizedModel;
import static dev.vecrnn.cli.CliFuzzTemplates.textAlphabet;
import static dev.vecrnn.cli.CliFuzzTemplates.textModel;
import static dev.vecrnn.cli.CliFuzzTemplates.textVocab;

/**
 * {@link CliFuzzGen} for the commands that take a fitted vecrnn model: predict and evaluate (X, Y, lengths
 * of the model's shapes) and quantize (a model, or a train-text model, to int8 or bf16).
 */
final class CliFuzzPredict extends CliFuzzOutputs {

    CliFuzzPredict(String command, Path dir, long seed) {
        super(command, dir, seed);
    }

    @Override
    void build() {
        switch (c.command) {
            case "predict" -> predict();
            case "evaluate" -> evaluate();
            default -> quantize();
        }
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
        featureCountFault("--x", xp, n, t, f);
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
        featureCountFault("--x", xp, n, t, f);
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
            c.fault("--task: not what the model was fitted for (Y as the other task gives it)", "--task", "--y", yp);
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
        Map<String, Path> ins = new HashMap<>();
        if (!(text && asDir)) ins.put("--model", mfile);
        if (ins.isEmpty() || r.nextBoolean()) {   // the output directory's faults need an input file to move
            input("--x", xp, x.npy());
            ins.put("--x", xp);
            npyFaults("--x", xp, x);
            if (!text) featureCountFault("--x", xp, x.shape()[0], x.shape()[1], f);
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
}
