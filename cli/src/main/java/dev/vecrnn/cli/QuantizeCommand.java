package dev.vecrnn.cli;

import dev.vecrnn.kernels.Precision;
import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.format.ModelFile;
import dev.vecrnn.nn.model.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;

/**
 * {@code vecrnn quantize}: a vecrnn model with its recurrent weights stored as int8 (one scale per row) or bf16,
 * for inference ({@code predict}, {@code sample}); prints the file size before and after and the largest output
 * difference on a sample.
 */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = "Store a vecrnn model's recurrent weights as int8 (symmetric, one scale per row) or bf16 for inference,"
                + " and print the size before and after and the largest output difference on a sample.")
final class QuantizeCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "MODELDIR", description = "a directory from fit or train-text (model.safetensors) or the file")
    Path model;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "where the quantized model.safetensors goes (with the vocabulary of a text model)")
    Path out;

    @Option(names = "--precision", required = true, paramLabel = "int8|bf16", description = "int8 (a quarter of the bytes) or bf16 (half)")
    String precision;

    @Option(names = "--x", paramLabel = "X.npy", description = "sample inputs [N, T, F] (or [N, T] token ids) for the error report;"
            + " default: 16 random sequences of 50 steps")
    Path x;

    @Option(names = "--overwrite", description = "replace files in DIR that exist") boolean overwrite;

    @Override
    public Integer call() throws Exception {
        Precision p = Check.oneOf("--precision", precision, "int8", "bf16").equals("int8") ? Precision.INT8 : Precision.BF16;
        Path dir = Files.isDirectory(model) ? model : null;
        Path file = Inputs.file("--model", dir != null ? model.resolve("model.safetensors") : model);
        Path vocab = dir != null && Files.isRegularFile(dir.resolve(TextModel.VOCAB)) ? dir.resolve(TextModel.VOCAB) : null;
        try (Outputs outs = new Outputs(overwrite).inputs(x == null ? new Path[] {file} : new Path[] {file, x})) {
            Path target = outs.declare("--out", out.resolve("model.safetensors"));
            Path vocabTarget = vocab == null ? null : outs.declare("--out", out.resolve(TextModel.VOCAB));
            HeapBudget.require(3 * Files.size(file), "--model " + file);
            Model fp32 = Inputs.model("--model", file);
            if (fp32.precision() != Precision.FP32) {
                throw new IllegalArgumentException("--model " + file + ": expected an fp32 model, got one already stored as "
                        + fp32.precision().name().toLowerCase(java.util.Locale.ROOT));
            }
            Batch sample = x != null ? sample(fp32, x) : randomSample(fp32);
            Model q = fp32.quantized(p);
            double err;
            try {
                err = maxAbsDiff(fp32.predict(sample).data(), q.predict(sample).data());
            } catch (IllegalArgumentException e) {
                // the model was checked when it loaded: what it refuses now is in the sample (a token id out of range)
                if (x == null) throw e;
                throw new IllegalArgumentException("--x " + x + ": " + e.getMessage(), e);
            }
            Path staged = outs.stage(target);
            ModelFile.save(q, staged);
            long before = Files.size(file), after = Files.size(staged);
            if (vocabTarget != null) Files.copy(vocab, outs.stage(vocabTarget), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            outs.commit();
            System.out.printf("%s: %,d bytes -> %,d bytes (%.2fx smaller)%n", p.name().toLowerCase(java.util.Locale.ROOT), before, after,
                    (double) before / after);
            System.out.printf("largest output difference from fp32 on %s: %.3g%n",
                    x != null ? x.toString() : "16 random sequences of 50 steps", err);
            System.out.println("saved " + out.resolve("model.safetensors") + (vocabTarget == null ? "" : " and " + out.resolve(TextModel.VOCAB)));
        }
        return 0;
    }

    private static Batch sample(Model m, Path xFile) throws Exception {
        Tensor t = FitCommand.sequences("--x", Inputs.floats("--x", xFile), xFile);
        if (t.dim(2) != m.inputFeatures()) {
            throw new IllegalArgumentException("--x " + xFile + ": expected " + m.inputFeatures() + " features per step for this model, got " + t.dim(2));
        }
        Inputs.finiteSteps("--x", xFile, t.data(), t.dim(0), t.dim(1), t.dim(2), null, false);
        return Batch.sequences(t.data(), t.dim(0), t.dim(1), t.dim(2));
    }

    /** 16 sequences of 50 steps: token ids below the vocabulary for a model that starts with an embedding, else U(-1, 1). */
    private static Batch randomSample(Model m) {
        int n = 16, steps = 50, f = m.inputFeatures();
        int vocab = 0;
        if (m.spec().get("layers") instanceof List<?> layers && !layers.isEmpty() && layers.get(0) instanceof Map<?, ?> first
                && "embedding".equals(first.get("kind")) && first.get("vocab") instanceof Number v) {
            vocab = v.intValue();
        }
        Random rnd = new Random(1);
        float[] data = new float[n * steps * f];
        for (int i = 0; i < data.length; i++) data[i] = vocab > 0 ? rnd.nextInt(vocab) : 2f * rnd.nextFloat() - 1f;
        return Batch.sequences(data, n, steps, f);
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs((double) a[i] - b[i]));
        return m;
    }
}
