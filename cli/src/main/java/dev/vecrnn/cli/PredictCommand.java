package dev.vecrnn.cli;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.Model;
import dev.vecrnn.nn.ModelFile;
import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.io.Npy;
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

    @Option(names = "--out", required = true, paramLabel = "P.npy", description = "where the outputs go: [N, K] or [N, T, K]")
    Path out;

    @Override
    public Integer call() throws Exception {
        Path file = Files.isDirectory(model) ? model.resolve("model.safetensors") : model;
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException(file + ": no such file (expected a model saved by fit)");
        return predictToFile(ModelFile.load(file), x, lengths, out);
    }

    static int predictToFile(Model m, Path xFile, Path lengthsFile, Path outFile) throws Exception {
        Tensor x = FitCommand.sequences(Npy.read(xFile).toTensor(), xFile);
        int n = x.dim(0), t = x.dim(1), f = x.dim(2);
        int[] len = lengthsFile == null ? null : Npy.read(lengthsFile).toInts();
        Batch out = m.predict(Batch.sequences(x.data(), n, t, f, len));
        int[] shape = out.sequence() ? new int[] {n, t, out.features()} : new int[] {n, out.features()};
        Path parent = outFile.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        Npy.write(outFile, Tensor.of(out.data(), shape));
        System.out.println("wrote " + outFile + " " + Arrays.toString(shape));
        return 0;
    }
}
