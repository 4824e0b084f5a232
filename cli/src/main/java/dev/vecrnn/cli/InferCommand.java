package dev.vecrnn.cli;

import dev.vecrnn.nn.ModelFile;
import dev.vecrnn.nn.PyTorchFormat;
import dev.vecrnn.nn.io.SafeTensors;
import dev.vecrnn.nn.Recurrent;
import dev.vecrnn.nn.RecurrentConfig;
import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.io.Npy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code vecrnn infer}: runs a PyTorch {@code nn.RNN}/{@code nn.LSTM}/{@code nn.GRU} state_dict (as
 * safetensors, with its config.json) on an input array and writes PyTorch's outputs.
 */
@Command(name = "infer", mixinStandardHelpOptions = true,
        description = {"Run a PyTorch RNN/LSTM/GRU state_dict on x.npy and write output.npy, h_n.npy (and c_n.npy);",
                "or a vecrnn model file (DIR/model.safetensors, or the file itself), writing output.npy.",
                "DIR holds model.safetensors (unprefixed state_dict names) and config.json with type (LSTM, GRU,",
                "RNN_TANH, RNN_RELU), input_size, hidden_size, num_layers, bias, batch_first, bidirectional,",
                "and optionally proj_size."})
final class InferCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "directory with model.safetensors and config.json")
    Path model;

    @Option(names = "--input", required = true, paramLabel = "X.npy", description = "input, [T, B, I] or [B, T, I] with batch_first ([T, I] for one sequence)")
    Path input;

    @Option(names = "--out", required = true, paramLabel = "OUTDIR", description = "where output.npy, h_n.npy and c_n.npy go")
    Path out;

    @Option(names = "--h0", paramLabel = "H0.npy", description = "initial hidden state [L*D, B, Hout]")
    Path h0;

    @Option(names = "--c0", paramLabel = "C0.npy", description = "initial cell state [L*D, B, H] (LSTM)")
    Path c0;

    @Option(names = "--lengths", paramLabel = "LENGTHS.npy", description = "sequence lengths [B] (integers in [1, T])")
    Path lengths;

    @Override
    public Integer call() throws Exception {
        if (Files.isRegularFile(model) || !Files.exists(model.resolve(PyTorchFormat.CONFIG))) {
            Path file = Files.isRegularFile(model) ? model : model.resolve(PyTorchFormat.WEIGHTS);
            if (Files.isRegularFile(file) && SafeTensors.read(file).metadata().containsKey(ModelFile.ARCHITECTURE_KEY)) {
                return PredictCommand.predictToFile(ModelFile.load(file), input, lengths, out.resolve("output.npy"));
            }
        }
        Recurrent net = PyTorchFormat.read(model);
        RecurrentConfig cfg = net.config();

        Tensor x = Npy.read(input).toTensor();
        boolean unbatched = x.rank() == 2;
        if (unbatched) {  // PyTorch's unbatched input [T, I]: one sequence
            x = Tensor.of(x.data(), cfg.batchFirst() ? new int[] {1, x.dim(0), x.dim(1)} : new int[] {x.dim(0), 1, x.dim(1)});
        }
        int batch = x.rank() == 3 ? (cfg.batchFirst() ? x.dim(0) : x.dim(1)) : -1;
        Tensor h = h0 == null ? null : state(Npy.read(h0).toTensor(), unbatched);
        Tensor c = c0 == null ? null : state(Npy.read(c0).toTensor(), unbatched);
        int[] len = lengths == null ? null : Npy.read(lengths).toInts();
        if (len != null && len.length != batch) {
            throw new IllegalArgumentException(lengths + ": expected " + batch + " lengths (one per sequence), got " + len.length);
        }
        Recurrent.Output o = net.forward(x, len, h, c);

        Files.createDirectories(out);
        Tensor output = o.output(), hN = o.hN(), cN = o.cN();
        if (unbatched) {
            output = Tensor.of(output.data(), output.dim(cfg.batchFirst() ? 1 : 0), output.dim(2));
            hN = Tensor.of(hN.data(), hN.dim(0), hN.dim(2));
            if (cN != null) cN = Tensor.of(cN.data(), cN.dim(0), cN.dim(2));
        }
        Npy.write(out.resolve("output.npy"), output);
        Npy.write(out.resolve("h_n.npy"), hN);
        if (cN != null) Npy.write(out.resolve("c_n.npy"), cN);
        System.out.println("wrote " + out.resolve("output.npy") + " " + java.util.Arrays.toString(output.shape()) + ", h_n "
                + java.util.Arrays.toString(hN.shape()) + (cN == null ? "" : ", c_n " + java.util.Arrays.toString(cN.shape())));
        return 0;
    }

    /** Unbatched states [L*D, H] become [L*D, 1, H]. */
    private static Tensor state(Tensor t, boolean unbatched) {
        return unbatched && t.rank() == 2 ? Tensor.of(t.data(), t.dim(0), 1, t.dim(1)) : t;
    }
}
