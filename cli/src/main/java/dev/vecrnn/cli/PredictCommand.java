package dev.vecrnn.cli;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.io.Npy;
import dev.vecrnn.nn.io.TensorData;
import dev.vecrnn.nn.model.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;

/** {@code vecrnn predict}: a vecrnn model (from {@code fit}) on X.npy {@code [N, T, F]}, writing its outputs. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Run a vecrnn model on X.npy [N, T, F] (or [N, T] token ids) and write the model's outputs to P.npy.")
final class PredictCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "MODELDIR", description = "a directory from fit (model.safetensors) or the file")
    Path model;

    @Option(names = "--x", required = true, paramLabel = "X.npy", description = "inputs [N, T, F], or [N, T] token ids")
    Path x;

    @Option(names = "--lengths", paramLabel = "LENGTHS.npy", description = "valid length of each sequence [N]")
    Path lengths;

    @Option(names = "--out", required = true, paramLabel = "P.npy", converter = Main.OutputFile.class, description = "where the outputs go: [N, K] or [N, T, K] (a classifier's are logits: softmax them for probabilities;"
            + " a multilabel model's are each label's probability, the sigmoid of its logit); a name not ending in .npy gets it, as np.save gives it")
    Path out;

    @Option(names = "--overwrite", description = "replace P.npy if it exists") boolean overwrite;

    /**
     * The file np.save(out, a) writes: {@code out}, with ".npy" appended where its name does not end so (numpy's test,
     * case-sensitive: "p.NPY" is written as "p.NPY.npy"). A numpy user's --out preds is preds.npy.
     */
    static Path npyName(Path out) {
        String name = out.getFileName().toString();
        return name.endsWith(".npy") ? out : out.resolveSibling(name + ".npy");
    }

    /** Sequences per forward pass: the activations held at once stay small whatever N is. */
    static final int CHUNK = 256;

    @Override
    public Integer call() throws Exception {
        Path file = Files.isDirectory(model) ? model.resolve("model.safetensors") : model;
        Inputs.file("--model", file);
        try (Outputs outs = new Outputs(overwrite).inputs(file, x, lengths)) {
            Path named = npyName(out);
            Path target = outs.declare("--out", named);
            HeapBudget.require(3 * Files.size(file), "--model " + file);
            // a multi-label model (fit --task multilabel) gives a probability a label, as Keras's sigmoid Dense does
            boolean sigmoid = MultiLabel.TASK.equals(dev.vecrnn.nn.format.ModelFile.task(file));
            predictToFile(Inputs.model("--model", file), file, "--x", x, lengths, target, outs, "--out", sigmoid);
            outs.commit();
            System.out.println("wrote " + Main.shown(named));
        }
        return 0;
    }

    /**
     * The model's outputs on the sequences in {@code xFile}, written to the declared {@code outFile}
     * (staged in {@code outs}), {@link #CHUNK} sequences at a time. Rows are independent and each sums in
     * the same order whatever the batch, so the chunks change no bit of the result.
     */
    static void predictToFile(Model m, Path modelFile, String xOption, Path xFile, Path lengthsFile, Path outFile, Outputs outs, String outOption)
            throws Exception {
        predictToFile(m, modelFile, xOption, xFile, lengthsFile, outFile, outs, outOption, false);
    }

    /** As {@link #predictToFile(Model, Path, String, Path, Path, Path, Outputs, String)}; {@code sigmoid}: the outputs' sigmoids instead. */
    static void predictToFile(Model m, Path modelFile, String xOption, Path xFile, Path lengthsFile, Path outFile, Outputs outs, String outOption,
                              boolean sigmoid) throws Exception {
        TensorData xd = Inputs.npy(xOption, xFile);
        Tensor x = sequencesOrNone(xOption, Inputs.floats(xOption, xFile, xd), xFile);
        int n = x.dim(0), t = x.dim(1), f = x.dim(2);
        Inputs.requireFeatures(xOption, xFile, m, f);
        int[] len = lengthsFile == null ? null : Inputs.lengths("--lengths", lengthsFile, n, t);
        Inputs.finiteSteps(xOption, xFile, xd, x.data(), n, t, f, len, false, "--lengths");
        xd = null;  // the file's bytes, kept for that refusal's wording only: not held through the work
        int vocab = Inputs.vocabulary(m);
        // checked here, where the sequence and step are known (the embedding names a row of the chunk's flattened steps)
        if (vocab > 0) Datasets.tokenIds(xOption, xFile, x.data(), n, t, f, len, vocab, Inputs.embeddingSource(vocab, modelFile));
        boolean seq = m.outputIsSequence();
        int k = m.outputFeatures();
        double outFloats = (double) n * (seq ? t : 1) * k;
        String outputs = outOption + " " + outFile + " (the outputs of " + Inputs.count(n, "sequence") + ")";
        HeapBudget.array(outFloats, outputs);
        HeapBudget.require((long) (8 * outFloats), outputs);
        float[] all = new float[(int) outFloats];
        int rowOut = (seq ? t : 1) * k;
        for (int from = 0; from < n; from += CHUNK) {
            int rows = Math.min(CHUNK, n - from);
            float[] part = java.util.Arrays.copyOfRange(x.data(), from * t * f, (from + rows) * t * f);
            int[] partLen = len == null ? null : java.util.Arrays.copyOfRange(len, from, from + rows);
            Batch o;
            try {
                o = m.predict(Batch.sequences(part, rows, t, f, partLen));
            } catch (IllegalArgumentException e) {
                // the model was checked when it loaded: what it refuses now is in X (a token id out of range)
                throw new IllegalArgumentException(xOption + " " + xFile + ": " + e.getMessage(), e);
            }
            System.arraycopy(o.data(), 0, all, from * rowOut, rows * rowOut);
        }
        if (sigmoid) MultiLabel.sigmoid(all);
        int[] shape = seq ? new int[] {n, t, k} : new int[] {n, k};
        Npy.write(outs.stage(outFile), Tensor.of(all, shape));
    }

    /**
     * X as {@code [N, T, F]}, as {@link Datasets#sequences} reads it, but for a batch of no sequences ({@code [0, T, F]}
     * or {@code [0, T]}, what a filter that kept no row leaves), which gives outputs of no row ({@code [0, K]} or
     * {@code [0, T, K]}), as a PyTorch module runs a batch of none; steps or features of none are still refused.
     */
    static Tensor sequencesOrNone(String option, Tensor read, Path file) {
        int r = read.rank();
        boolean none = (r == 2 || r == 3) && read.dim(0) == 0 && read.dim(1) > 0 && (r == 2 || read.dim(2) > 0);
        if (!none) return Datasets.sequences(option, read, file);
        return r == 3 ? read : Tensor.zeros(0, read.dim(1), 1);
    }
}
