package dev.vecrnn.cli;

import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.format.ModelFile;
import dev.vecrnn.nn.format.PyTorchFormat;
import dev.vecrnn.nn.io.Npy;
import dev.vecrnn.nn.io.SafeTensors;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;
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

    @Option(names = "--overwrite", description = "replace output.npy, h_n.npy and c_n.npy in OUTDIR if they exist")
    boolean overwrite;

    @Override
    public Integer call() throws Exception {
        if (!Files.exists(model)) throw new IllegalArgumentException("--model " + model + ": no such file or directory");
        try (Outputs outs = new Outputs(overwrite).inputs(input, h0, c0, lengths)) {
            if (Files.isRegularFile(model) || !Files.exists(model.resolve(PyTorchFormat.CONFIG))) {
                Path file = Files.isRegularFile(model) ? model : model.resolve(PyTorchFormat.WEIGHTS);
                Inputs.file("--model", file);
                if (SafeTensors.read(file).metadata().containsKey(ModelFile.ARCHITECTURE_KEY)) {
                    outs.inputs(file);
                    Path target = outs.declare("--out", out.resolve("output.npy"));
                    PredictCommand.predictToFile(ModelFile.load(file), "--input", input, lengths, target, outs, "--out");
                    outs.commit();
                    System.out.println("wrote " + out.resolve("output.npy"));
                    return 0;
                }
            }
            outs.inputs(Inputs.file("--model", model.resolve(PyTorchFormat.WEIGHTS)), Inputs.file("--model", model.resolve(PyTorchFormat.CONFIG)));
            Recurrent net = PyTorchFormat.read(model);
            RecurrentConfig cfg = net.config();
            Path outFile = outs.declare("--out", out.resolve("output.npy"));
            Path hFile = outs.declare("--out", out.resolve("h_n.npy"));
            Path cFile = cfg.type() == dev.vecrnn.nn.recurrent.CellType.LSTM ? outs.declare("--out", out.resolve("c_n.npy")) : null;

            Tensor x = Inputs.floats("--input", input);
            boolean unbatched = x.rank() == 2;
            if (unbatched) {  // PyTorch's unbatched input [T, I]: one sequence
                x = Tensor.of(x.data(), cfg.batchFirst() ? new int[] {1, x.dim(0), x.dim(1)} : new int[] {x.dim(0), 1, x.dim(1)});
            }
            if (x.rank() != 3) {
                throw new IllegalArgumentException("--input " + input + ": expected " + (cfg.batchFirst() ? "[B, T, I]" : "[T, B, I]")
                        + " or [T, I], got " + java.util.Arrays.toString(x.shape()));
            }
            int steps = cfg.batchFirst() ? x.dim(1) : x.dim(0), batch = cfg.batchFirst() ? x.dim(0) : x.dim(1);
            if (steps == 0 || batch == 0) {
                throw new IllegalArgumentException("--input " + input + ": expected at least one sequence of at least one step, got "
                        + java.util.Arrays.toString(x.shape()) + " (PyTorch refuses empty sequences too)");
            }
            // the output, the gates of one layer and direction over all steps, and the layer's input copy
            double floats = (double) steps * batch * (2.0 * cfg.outputSize() + 4.0 * cfg.hiddenSize() + x.dim(2));
            HeapBudget.require((long) Math.min(4 * floats, Long.MAX_VALUE), "--input " + input);
            if (x.dim(2) != cfg.inputSize()) {
                throw new IllegalArgumentException("--input " + input + ": expected " + cfg.inputSize() + " features per step (the model's input_size), got "
                        + x.dim(2) + " in " + java.util.Arrays.toString(x.shape()));
            }
            if (c0 != null && cfg.type() != dev.vecrnn.nn.recurrent.CellType.LSTM) {
                throw new IllegalArgumentException("--c0 " + c0 + ": only an LSTM has a cell state; this model is " + cfg.type());
            }
            int[] len = lengths == null ? null : Inputs.lengths("--lengths", lengths, batch, steps);
            Inputs.finiteSteps("--input", input, x.data(), batch, steps, x.dim(2), len, !cfg.batchFirst());
            int stacked = cfg.numLayers() * cfg.directions();
            Tensor h = h0 == null ? null : initialState("--h0", h0, unbatched, stacked, batch, cfg.outputHidden());
            Tensor c = c0 == null ? null : initialState("--c0", c0, unbatched, stacked, batch, cfg.hiddenSize());
            Recurrent.Output o = net.forward(x, len, h, c);

            Tensor output = o.output(), hN = o.hN(), cN = o.cN();
            if (unbatched) {
                output = Tensor.of(output.data(), output.dim(cfg.batchFirst() ? 1 : 0), output.dim(2));
                hN = Tensor.of(hN.data(), hN.dim(0), hN.dim(2));
                if (cN != null) cN = Tensor.of(cN.data(), cN.dim(0), cN.dim(2));
            }
            Npy.write(outs.stage(outFile), output);
            Npy.write(outs.stage(hFile), hN);
            if (cFile != null) Npy.write(outs.stage(cFile), cN);
            outs.commit();
            System.out.println("wrote " + out.resolve("output.npy") + " " + java.util.Arrays.toString(output.shape()) + ", h_n "
                    + java.util.Arrays.toString(hN.shape()) + (cN == null ? "" : ", c_n " + java.util.Arrays.toString(cN.shape())));
        }
        return 0;
    }

    /** An initial state from {@code file}: [L*D, B, size] of finite values ([L*D, size] for unbatched input). */
    private static Tensor initialState(String option, Path file, boolean unbatched, int stacked, int batch, int size) throws java.io.IOException {
        Tensor t = Inputs.floats(option, file);
        String expected = unbatched ? "[" + stacked + ", " + size + "]" : "[" + stacked + ", " + batch + ", " + size + "]";
        if (unbatched ? t.rank() != 2 || t.dim(0) != stacked || t.dim(1) != size
                : t.rank() != 3 || t.dim(0) != stacked || t.dim(1) != batch || t.dim(2) != size) {
            throw new IllegalArgumentException(option + " " + file + ": expected " + expected
                    + " (num_layers * directions, " + (unbatched ? "" : "batch, ") + "size), got " + java.util.Arrays.toString(t.shape()));
        }
        for (int i = 0; i < t.data().length; i++) {
            if (!Float.isFinite(t.data()[i])) throw new IllegalArgumentException(option + " " + file + ": expected finite values, got " + t.data()[i] + " at element " + i);
        }
        return state(t, unbatched);
    }

    /** Unbatched states [L*D, H] become [L*D, 1, H]. */
    private static Tensor state(Tensor t, boolean unbatched) {
        return unbatched && t.rank() == 2 ? Tensor.of(t.data(), t.dim(0), 1, t.dim(1)) : t;
    }
}
