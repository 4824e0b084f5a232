package dev.vecrnn.cli;

import dev.vecrnn.kernels.Precision;
import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.format.ModelFile;
import dev.vecrnn.nn.format.PyTorchFormat;
import dev.vecrnn.nn.io.TensorData;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;
import dev.vecrnn.nn.model.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.Callable;

/**
 * {@code vecrnn quantize}: a vecrnn model with its recurrent weights stored as int8 (one scale per row) or bf16,
 * for inference ({@code predict}, {@code sample}); prints the file size before and after and the largest difference
 * from fp32 on a sample over every output the model gives (a fitted model's outputs and its recurrent layers' final
 * states; a PyTorch stack's output, h_n and c_n).
 */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = "Store a vecrnn model's recurrent weights as int8 (symmetric, one scale per row) or bf16 for inference,"
                + " and print the size before and after and the largest difference on a sample over every output"
                + " (the outputs and each recurrent layer's final h_n and c_n, each named).")
final class QuantizeCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "MODELDIR", description = "a directory from fit or train-text (model.safetensors) or the file, or a PyTorch state_dict directory (with config.json)")
    Path model;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "where the quantized model.safetensors goes (with the vocabulary of a text model)")
    Path out;

    @Option(names = "--precision", required = true, paramLabel = "int8|bf16", description = "int8 (a quarter of the bytes) or bf16 (half)")
    String precision;

    @Option(names = "--x", paramLabel = "X.npy", description = "sample inputs [N, T, F] (or [N, T] token ids) for the error report;"
            + " default: 16 random sequences of 50 steps")
    Path x;

    @Option(names = "--lengths", paramLabel = "LENGTHS.npy", description = "valid length of each sequence of --x [N], as predict"
            + " (or infer, for a PyTorch state_dict) takes them: the padding past them is not read")
    Path lengths;

    @Option(names = "--overwrite", description = "replace files in DIR that exist") boolean overwrite;

    @Override
    public Integer call() throws Exception {
        Precision p = Check.oneOf("--precision", precision, "int8", "bf16").equals("int8") ? Precision.INT8 : Precision.BF16;
        if (lengths != null && x == null) {
            throw new IllegalArgumentException("--lengths " + lengths + ": expected --x too (the lengths of its sequences; the random sample has none)");
        }
        Path dir = Files.isDirectory(model) ? model : null;
        Path file = Inputs.file("--model", dir != null ? model.resolve("model.safetensors") : model);
        if (dir != null && Files.isRegularFile(dir.resolve(PyTorchFormat.CONFIG))
                && !dev.vecrnn.nn.io.SafeTensors.metadata(file).containsKey(ModelFile.ARCHITECTURE_KEY)) {
            return pytorch(p, file, Inputs.file("--model", dir.resolve(PyTorchFormat.CONFIG)));
        }
        // a vocab.json of any kind (a FIFO, a directory, a dangling link) makes this a text model, whose vocabulary is
        // checked and goes along: skipping one that is not a regular file, or copying one unread, wrote a model that
        // sample refuses
        Path vocab = dir != null && Files.exists(dir.resolve(TextModel.VOCAB), java.nio.file.LinkOption.NOFOLLOW_LINKS)
                ? dir.resolve(TextModel.VOCAB) : null;
        try (Outputs outs = new Outputs(overwrite).inputs(file, x, lengths, vocab)) {
            Path target = outs.declareIn("--out", out, "model.safetensors");
            Path vocabTarget = vocab == null ? null : outs.declareIn("--out", out, TextModel.VOCAB);
            HeapBudget.require(3 * Files.size(file), "--model " + file);
            Model fp32 = Inputs.model("--model", file);
            if (fp32.precision() != Precision.FP32) {
                throw new IllegalArgumentException("--model " + file + ": expected an fp32 model, got one already stored as "
                        + fp32.precision().name().toLowerCase(java.util.Locale.ROOT));
            }
            TextModel text = vocab == null ? null : TextModel.loadFor(dir, fp32);
            Batch sample = x != null ? sample(fp32, x, lengths) : randomSample(fp32);
            Model q = fp32.quantized(p);
            String err;
            try {
                err = differences(fp32, q, sample);
            } catch (IllegalArgumentException e) {
                // the model was checked when it loaded: what it refuses now is in the sample (a token id out of range)
                if (x == null) throw e;
                throw new IllegalArgumentException("--x " + x + ": " + e.getMessage(), e);
            }
            Path staged = outs.stage(target);
            ModelFile.save(q, staged, ModelFile.task(file));  // what the fp32 model was fitted for
            long before = Files.size(file), after = Files.size(staged);
            if (text != null) text.save(outs.stage(vocabTarget));
            outs.commit();
            System.out.println(sizes(p, before, after));
            System.out.println("largest difference from fp32 on " + (x != null ? Main.shown(x) : "16 random sequences of 50 steps") + ": " + err);
            System.out.println("saved " + Main.shown(out.resolve("model.safetensors")) + (vocabTarget == null ? "" : " and " + Main.shown(out.resolve(TextModel.VOCAB))));
        }
        return 0;
    }

    /**
     * A PyTorch state_dict with its config.json: the recurrent module quantized and written back in PyTorch's
     * layout (the same config.json; I8 or BF16 weights with their scales, the precision in the metadata),
     * which {@code infer} runs with PyTorch's shapes and options. The error is measured on {@code --x} in the
     * module's own layout, or on 16 random sequences of 50 steps, over output, h_n and c_n ({@link #differences}).
     */
    private Integer pytorch(Precision p, Path weights, Path config) throws Exception {
        try (Outputs outs = new Outputs(overwrite).inputs(weights, config, x, lengths)) {
            Path target = outs.declareIn("--out", out, PyTorchFormat.WEIGHTS);
            Path configTarget = outs.declareIn("--out", out, PyTorchFormat.CONFIG);
            HeapBudget.require(3 * Files.size(weights), "--model " + weights);
            Recurrent fp32 = PyTorchFormat.read(model);
            if (fp32.precision() != Precision.FP32) {
                throw new IllegalArgumentException("--model " + weights + ": expected an fp32 model, got one already stored as "
                        + fp32.precision().name().toLowerCase(java.util.Locale.ROOT));
            }
            RecurrentConfig cfg = fp32.config();
            Tensor sample;
            int[] len = null;
            if (x != null) {
                TensorData xd = InferCommand.floatingPoint("--x", x);
                Tensor read = xd.toTensor();
                sample = InferCommand.batched("--x", x, read, cfg, false);
                if (read.rank() == 2 && lengths != null) {
                    throw new IllegalArgumentException("--lengths " + lengths + ": --x " + x + " is one unbatched sequence, which takes no lengths"
                            + " (PyTorch packs only a batched input)");
                }
                int steps = cfg.batchFirst() ? sample.dim(1) : sample.dim(0), batch = cfg.batchFirst() ? sample.dim(0) : sample.dim(1);
                if (lengths != null) len = Inputs.lengths("--lengths", lengths, batch, steps);
                Inputs.finiteSteps("--x", x, xd, sample.data(), batch, steps, cfg.inputSize(), len, !cfg.batchFirst(), "--lengths");
            } else {
                Random rnd = new Random(1);
                sample = cfg.batchFirst() ? Tensor.zeros(16, 50, cfg.inputSize()) : Tensor.zeros(50, 16, cfg.inputSize());
                for (int i = 0; i < sample.size(); i++) sample.data()[i] = 2f * rnd.nextFloat() - 1f;
            }
            Recurrent q = fp32.quantized(p);
            String err = differences(fp32.forward(sample, len, null, null), q.forward(sample, len, null, null));
            Path staged = outs.stage(target);
            PyTorchFormat.write(q, staged, outs.stage(configTarget));
            long before = Files.size(weights), after = Files.size(staged);
            outs.commit();
            System.out.println(sizes(p, before, after));
            System.out.println("largest difference from fp32 on " + (x != null ? Main.shown(x) : "16 random sequences of 50 steps") + ": " + err);
            System.out.println("saved " + Main.shown(out.resolve(PyTorchFormat.WEIGHTS)) + " and " + Main.shown(out.resolve(PyTorchFormat.CONFIG))
                    + " (PyTorch's layout with " + p.name().toLowerCase(java.util.Locale.ROOT) + " weights: ./vecrnn infer runs it)");
        }
        return 0;
    }

    private static Batch sample(Model m, Path xFile, Path lengthsFile) throws Exception {
        TensorData xd = Inputs.npy("--x", xFile);
        Tensor t = Datasets.sequences("--x", Inputs.floats("--x", xFile, xd), xFile);
        Inputs.requireFeatures("--x", xFile, m, t.dim(2));
        int[] len = lengthsFile == null ? null : Inputs.lengths("--lengths", lengthsFile, t.dim(0), t.dim(1));
        Inputs.finiteSteps("--x", xFile, xd, t.data(), t.dim(0), t.dim(1), t.dim(2), len, false, "--lengths");
        return Batch.sequences(t.data(), t.dim(0), t.dim(1), t.dim(2), len);
    }

    /** 16 sequences of 50 steps: token ids below the vocabulary for a model that starts with an embedding, else U(-1, 1). */
    private static Batch randomSample(Model m) {
        int n = 16, steps = 50, f = m.inputFeatures();
        int vocab = Inputs.vocabulary(m);
        Random rnd = new Random(1);
        float[] data = new float[n * steps * f];
        for (int i = 0; i < data.length; i++) data[i] = vocab > 0 ? rnd.nextInt(vocab) : 2f * rnd.nextFloat() - 1f;
        return Batch.sequences(data, n, steps, f);
    }

    /**
     * The largest difference over every output a recurrent stack gives, output, h_n and (an LSTM's) c_n, all of which a
     * streaming caller carries on, and which it is in, then each one's: "2.77e-03 in c_n (output 7.79e-05, h_n 6.59e-04,
     * c_n 2.77e-03)". The final cell state is not squashed by a tanh, so it is often the one that moves most.
     */
    static String differences(Recurrent.Output fp32, Recurrent.Output quantized) {
        java.util.Map<String, Double> each = new java.util.LinkedHashMap<>();
        each.put("output", maxAbsDiff(fp32.output().data(), quantized.output().data()));
        each.put("h_n", maxAbsDiff(fp32.hN().data(), quantized.hN().data()));
        if (fp32.cN() != null) each.put("c_n", maxAbsDiff(fp32.cN().data(), quantized.cN().data()));
        return largest(each);
    }

    /**
     * As for a PyTorch stack, over a fitted model's outputs (as {@code predict} gives them, before a multi-label model's
     * sigmoid) and the final states of each of its recurrent layers, which a streaming caller ({@code Model.step})
     * carries on: "layer 0 h_n" and, for an LSTM, "layer 0 c_n", by the layer's index in the model's summary.
     */
    static String differences(Model fp32, Model quantized, Batch sample) {
        Model.Carry a = new Model.Carry(), b = new Model.Carry();
        Batch outA = fp32.forward(sample, false, null, null, a).output(), outB = quantized.forward(sample, false, null, null, b).output();
        java.util.Map<String, Double> each = new java.util.LinkedHashMap<>();
        each.put("output", maxAbsDiff(outA.data(), outB.data()));
        java.util.Map<Integer, Tensor[]> statesB = b.states();
        for (var e : a.states().entrySet()) {
            Tensor[] sa = e.getValue(), sb = statesB.get(e.getKey());
            each.put("layer " + e.getKey() + " h_n", maxAbsDiff(sa[0].data(), sb[0].data()));
            if (sa.length > 1) each.put("layer " + e.getKey() + " c_n", maxAbsDiff(sa[1].data(), sb[1].data()));
        }
        return largest(each);
    }

    /** "2.77e-03 in c_n (output 7.79e-05, h_n 6.59e-04, c_n 2.77e-03)": the largest of {@code each}, a NaN before any number. */
    private static String largest(java.util.Map<String, Double> each) {
        String worst = "output";
        StringBuilder list = new StringBuilder();
        for (var e : each.entrySet()) {
            double w = each.get(worst), v = e.getValue();
            if (!Double.isNaN(w) && (Double.isNaN(v) || v > w)) worst = e.getKey();  // a NaN is the worst, and names its output
            list.append(list.isEmpty() ? "" : ", ").append(e.getKey()).append(' ').append(String.format(java.util.Locale.ROOT, "%.2e", e.getValue()));
        }
        return String.format(java.util.Locale.ROOT, "%.2e in %s (%s)", each.get(worst), worst, list);
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs((double) a[i] - b[i]));
        return m;
    }

    /** "int8: 1,000 bytes -> 400 bytes (2.50x smaller)", or "(1.25x larger)" where the copy is the larger file (tiny models: the scales). */
    static String sizes(Precision p, long before, long after) {
        boolean smaller = after <= before;
        return String.format(java.util.Locale.ROOT, "%s: %,d bytes -> %,d bytes (%.2fx %s)", p.name().toLowerCase(java.util.Locale.ROOT),
                before, after, smaller ? (double) before / after : (double) after / before, smaller ? "smaller" : "larger");
    }
}
