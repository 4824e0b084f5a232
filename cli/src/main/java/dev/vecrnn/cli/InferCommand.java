package dev.vecrnn.cli;

import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.format.ModelFile;
import dev.vecrnn.nn.format.PyTorchFormat;
import dev.vecrnn.nn.io.Npy;
import dev.vecrnn.nn.io.SafeTensors;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;

/**
 * {@code vecrnn infer}: runs a PyTorch {@code nn.RNN}/{@code nn.LSTM}/{@code nn.GRU} state_dict (as
 * safetensors, with its config.json) on an input array and writes PyTorch's outputs.
 */
@Command(name = "infer", mixinStandardHelpOptions = true,
        description = {"Run a PyTorch nn.RNN/nn.LSTM/nn.GRU state_dict on X.npy and write output.npy, h_n.npy (and c_n.npy)"
                + " with PyTorch's shapes; or a vecrnn model file (DIR/model.safetensors, or the file itself), writing output.npy.",
                "DIR holds model.safetensors (the module's own state_dict, or a whole model's, whose one recurrent module is"
                + " found by its prefix) and config.json: type (LSTM, GRU, RNN, RNN_TANH or RNN_RELU), input_size, hidden_size,"
                + " and where they are not PyTorch's defaults num_layers, bias, batch_first, bidirectional, dropout, proj_size"
                + " and, for RNN, nonlinearity (\"tanh\" or \"relu\"); any other key is refused."
                + " scripts/export_pytorch.py FILE DIR writes DIR from a file saved by torch.save or torch.jit.save."})
final class InferCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "directory with model.safetensors and config.json")
    Path model;

    @Option(names = "--input", required = true, paramLabel = "X.npy", description = "input, [T, B, I] or [B, T, I] with batch_first ([T, I] for one sequence), float32 (float64 and float16 rounded as x.float() rounds them; for a vecrnn model file, what predict takes)")
    Path input;

    @Option(names = "--out", required = true, paramLabel = "OUTDIR", description = "where output.npy, h_n.npy and c_n.npy go")
    Path out;

    @Option(names = "--h0", paramLabel = "H0.npy", description = "initial hidden state [L*D, B, Hout]")
    Path h0;

    @Option(names = "--c0", paramLabel = "C0.npy", description = "initial cell state [L*D, B, H] (LSTM)")
    Path c0;

    @Option(names = "--lengths", paramLabel = "LENGTHS.npy", description = "sequence lengths [B] (integers in [1, T]; not for a [T, I] input), as pack_padded_sequence takes them, in any order"
            + " (as with enforce_sorted=False; h_n keeps the batch's order); output.npy keeps all T steps,"
            + " zeros past each length, as pad_packed_sequence(..., total_length=T) gives them (without total_length PyTorch trims"
            + " to the longest: output[:max(lengths)], or [:, :max(lengths)] batch_first)")
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
                if (SafeTensors.metadata(file).containsKey(ModelFile.ARCHITECTURE_KEY)) {
                    if (h0 != null || c0 != null) {
                        // predict's path takes no initial state: the option was dropped and the run started from zeros
                        throw new IllegalArgumentException((h0 != null ? "--h0 " + h0 : "--c0 " + c0) + ": a vecrnn model file (from fit) starts"
                                + " every sequence from zeros and takes no initial state; --h0 and --c0 are for a PyTorch state_dict directory");
                    }
                    outs.inputs(file);
                    Path target = outs.declareIn("--out", out, "output.npy");
                    PredictCommand.predictToFile(ModelFile.load(file), file, "--input", input, lengths, target, outs, "--out");
                    outs.commit();
                    System.out.println("wrote " + Main.shown(out.resolve("output.npy")));
                    return 0;
                }
                if (Files.isRegularFile(model)) {
                    throw new IllegalArgumentException("--model " + model + ": not a vecrnn model file (no architecture in its metadata);"
                            + " for a PyTorch state_dict give its directory, with " + PyTorchFormat.CONFIG + " beside " + PyTorchFormat.WEIGHTS);
                }
                if (!Files.exists(model.resolve(PyTorchFormat.CONFIG), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    // a state_dict saved on its own (safetensors' save_file) carries no module: say what it lacks and how to make it
                    throw new IllegalArgumentException("--model " + model + ": " + PyTorchFormat.WEIGHTS + " is no vecrnn model (no architecture in its"
                            + " metadata) and has no " + PyTorchFormat.CONFIG + " beside it, " + Inputs.STATE_DICT_NEEDS);
                }
                // left: a config.json that is a dangling link, refused below by the input check, in its words
            }
            outs.inputs(Inputs.file("--model", model.resolve(PyTorchFormat.WEIGHTS)), Inputs.file("--model", model.resolve(PyTorchFormat.CONFIG)));
            Recurrent net = PyTorchFormat.read(model);
            RecurrentConfig cfg = net.config();
            Path outFile = outs.declareIn("--out", out, "output.npy");
            Path hFile = outs.declareIn("--out", out, "h_n.npy");
            Path cFile = cfg.type() == CellType.LSTM ? outs.declareIn("--out", out, "c_n.npy") : null;

            if (cfg.type() == CellType.LSTM && (h0 == null) != (c0 == null)) {
                // PyTorch's LSTM takes its initial state as the pair hx = (h_0, c_0) or not at all
                throw new IllegalArgumentException((h0 == null ? "--c0 " + c0 : "--h0 " + h0) + ": an LSTM's initial state is both h_0 and c_0"
                        + " (PyTorch's hx = (h_0, c_0)); give " + (h0 == null ? "--h0" : "--c0") + " too, or neither for zeros");
            }
            if (c0 != null && cfg.type() != CellType.LSTM) {
                throw new IllegalArgumentException("--c0 " + c0 + ": only an LSTM has a cell state; this model is " + cfg.type());
            }
            dev.vecrnn.nn.io.TensorData xd = floatingPoint("--input", input);
            Tensor read = xd.toTensor();
            boolean unbatched = read.rank() == 2;
            Tensor x = batched("--input", input, read, cfg, true);
            if (unbatched && lengths != null) {
                // pack_padded_sequence takes the batch from the input's second dimension: a [T, I] input has none
                throw new IllegalArgumentException("--lengths " + lengths + ": --input " + input + " is one unbatched sequence "
                        + Arrays.toString(read.shape()) + ", which takes no lengths (PyTorch packs only a batched input);"
                        + " give --input as " + (cfg.batchFirst() ? "[1, T, I]" : "[T, 1, I]") + " with one length, or no --lengths");
            }
            int steps = cfg.batchFirst() ? x.dim(1) : x.dim(0), batch = cfg.batchFirst() ? x.dim(0) : x.dim(1);
            // the output, the gates of one layer and direction over all steps, and the layer's input copy
            double floats = (double) steps * batch * (2.0 * cfg.outputSize() + 4.0 * cfg.hiddenSize() + x.dim(2));
            HeapBudget.require((long) Math.min(4 * floats, Long.MAX_VALUE), "--input " + input);
            if (batch == 0 && lengths != null) {
                throw new IllegalArgumentException("--lengths " + lengths + ": --input " + input + " " + Arrays.toString(read.shape())
                        + " holds no sequence, and PyTorch packs no sequence (pack_padded_sequence: 'Cannot pack empty tensors'); leave --lengths out");
            }
            int[] len = lengths == null ? null : Inputs.lengths("--lengths", lengths, batch, steps);
            Inputs.finiteSteps("--input", input, xd, x.data(), batch, steps, x.dim(2), len, !cfg.batchFirst(), "--lengths");
            xd = null;  // the file's bytes, kept for that refusal's wording only: not held through the work
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
            System.out.println("wrote " + Main.shown(out.resolve("output.npy")) + " " + Arrays.toString(output.shape()) + ", h_n "
                    + Arrays.toString(hN.shape()) + (cN == null ? "" : ", c_n " + Arrays.toString(cN.shape())));
        }
        return 0;
    }

    /**
     * PyTorch's input to a module of {@code cfg}, {@code x} as read from {@code file}: [T, B, I] ([B, T, I] with
     * batch_first) as it is, and one sequence [T, I] (PyTorch's unbatched input) as a batch of one; at least one
     * step (PyTorch refuses sequences of none), input_size features a step, and at least one sequence unless
     * {@code noSequences} (PyTorch runs a batch of none, to outputs of none).
     */
    static Tensor batched(String option, Path file, Tensor x, RecurrentConfig cfg, boolean noSequences) {
        String layout = cfg.batchFirst() ? "[B, T, I]" : "[T, B, I]";
        if (x.rank() == 2) x = Tensor.of(x.data(), cfg.batchFirst() ? new int[] {1, x.dim(0), x.dim(1)} : new int[] {x.dim(0), 1, x.dim(1)});
        if (x.rank() != 3) {
            throw new IllegalArgumentException(option + " " + file + ": expected " + layout + " or [T, I], got " + Arrays.toString(x.shape()));
        }
        int steps = x.dim(cfg.batchFirst() ? 1 : 0), batch = x.dim(cfg.batchFirst() ? 0 : 1);
        if (steps == 0) {
            throw new IllegalArgumentException(option + " " + file + ": expected sequences of at least one step, got "
                    + Arrays.toString(x.shape()) + " (PyTorch refuses empty sequences too)");
        }
        if (batch == 0 && !noSequences) {
            throw new IllegalArgumentException(option + " " + file + ": expected at least one sequence, got " + Arrays.toString(x.shape()));
        }
        if (x.dim(2) != cfg.inputSize()) {
            throw new IllegalArgumentException(option + " " + file + ": expected " + Inputs.perStep(cfg.inputSize()) + " (the model's input_size), got "
                    + x.dim(2) + " in " + Arrays.toString(x.shape()));
        }
        return x;
    }

    /**
     * A floating-point array from {@code file}, whose {@code toTensor()} is float32: float64 rounded to nearest
     * and float16 exactly, as PyTorch's {@code x.float()} converts them (nn.LSTM itself refuses any input of another
     * dtype than its weights'). Integer and bool arrays are refused, as nn.LSTM refuses them ("mat1 and mat2 must have the same
     * dtype"): they are more likely token ids or labels given in the wrong place than features.
     */
    static dev.vecrnn.nn.io.TensorData floatingPoint(String option, Path file) throws java.io.IOException {
        dev.vecrnn.nn.io.TensorData d = Inputs.npy(option, file);
        if (!d.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(option + " " + file + ": expected floating-point values (float32; float64 and float16 are"
                    + " converted as x.float() converts them), got " + (d.dtype() == dev.vecrnn.nn.io.DType.BOOL ? "bool"
                    : d.dtype() == dev.vecrnn.nn.io.DType.U8 ? "uint8" : "int" + 8 * d.dtype().size()) + " (PyTorch's recurrent modules refuse it too);"
                    + " convert with x.astype(np.float32)");
        }
        return d;
    }

    /** An initial state from {@code file}: [L*D, B, size] of finite values ([L*D, size] for unbatched input). */
    private static Tensor initialState(String option, Path file, boolean unbatched, int stacked, int batch, int size) throws java.io.IOException {
        dev.vecrnn.nn.io.TensorData d = floatingPoint(option, file);
        Tensor t = d.toTensor();
        String expected = unbatched ? "[" + stacked + ", " + size + "]" : "[" + stacked + ", " + batch + ", " + size + "]";
        if (unbatched ? t.rank() != 2 || t.dim(0) != stacked || t.dim(1) != size
                : t.rank() != 3 || t.dim(0) != stacked || t.dim(1) != batch || t.dim(2) != size) {
            throw new IllegalArgumentException(option + " " + file + ": expected " + expected
                    + " (num_layers * directions, " + (unbatched ? "" : "batch, ") + "size), got " + Arrays.toString(t.shape()));
        }
        for (int i = 0; i < t.data().length; i++) {
            if (!Float.isFinite(t.data()[i])) {
                throw new IllegalArgumentException(option + " " + file + ": expected finite values, " + Inputs.got(d, i, t.data()[i], "at element " + i
                        + (unbatched ? " [" + i / size + ", " + i % size + "]" : " [" + i / (batch * size) + ", " + i / size % batch + ", " + i % size + "]")));
            }
        }
        return state(t, unbatched);
    }

    /** Unbatched states [L*D, H] become [L*D, 1, H]. */
    private static Tensor state(Tensor t, boolean unbatched) {
        return unbatched && t.rank() == 2 ? Tensor.of(t.data(), t.dim(0), 1, t.dim(1)) : t;
    }
}
