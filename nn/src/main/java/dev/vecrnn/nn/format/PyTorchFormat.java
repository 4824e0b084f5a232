package dev.vecrnn.nn.format;

import dev.vecrnn.nn.Require;
import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;

import dev.vecrnn.nn.io.internal.Json;
import dev.vecrnn.nn.io.ModelFileException;
import dev.vecrnn.nn.io.SafeTensors;
import dev.vecrnn.nn.io.TensorData;
import dev.vecrnn.kernels.Precision;
import dev.vecrnn.nn.io.internal.Untrusted;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PyTorch's side of a {@link Recurrent}: a directory holding {@code model.safetensors} (the
 * {@code state_dict} of {@code nn.RNN}, {@code nn.LSTM} or {@code nn.GRU}, unprefixed names) and
 * {@code config.json} (the module's constructor arguments plus {@code type}). {@link #write} makes one
 * that {@code load_state_dict} accepts as it is; {@link #read} loads one, treating both files as hostile
 * (every refusal is a {@link ModelFileException} naming the file and the problem).
 */
public final class PyTorchFormat {
    public static final String WEIGHTS = "model.safetensors";
    public static final String CONFIG = "config.json";
    static final long MAX_CONFIG_BYTES = 1 << 20;

    private PyTorchFormat() {
    }

    /**
     * Writes model.safetensors and config.json into dir (created if missing). A quantized network
     * ({@link Recurrent#quantized}) is written with its I8 or BF16 weights and their scales under the same
     * names, and its precision in the metadata: {@link #read} and {@code vecrnn infer} run it, PyTorch cannot
     * load it.
     */
    public static void write(Recurrent net, Path dir) throws IOException {
        Require.notNull("net", net);
        Require.notNull("dir", dir);
        Files.createDirectories(dir);
        write(net, dir.resolve(WEIGHTS), dir.resolve(CONFIG));
    }

    /** As {@link #write(Recurrent, Path)}, to the two files named (an atomic writer's staged paths). */
    public static void write(Recurrent net, Path weights, Path config) throws IOException {
        Require.notNull("net", net);
        Require.notNull("weights", weights);
        Require.notNull("config", config);
        RecurrentConfig c = net.config();
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("type", c.type().name());
        // nn.RNN's own word as well, for a reader that builds the module from the keys of its constructor
        if (c.type() == CellType.RNN_TANH || c.type() == CellType.RNN_RELU) {
            cfg.put("nonlinearity", c.type() == CellType.RNN_RELU ? "relu" : "tanh");
        }
        cfg.put("input_size", c.inputSize());
        cfg.put("hidden_size", c.hiddenSize());
        cfg.put("num_layers", c.numLayers());
        cfg.put("bias", c.bias());
        cfg.put("batch_first", c.batchFirst());
        cfg.put("dropout", (double) c.dropout());
        cfg.put("bidirectional", c.bidirectional());
        cfg.put("proj_size", c.projSize());
        if (net.precision() == Precision.FP32) {
            SafeTensors.write(weights, new LinkedHashMap<>(net.stateDict()), Map.of("format", "pt"));
        } else {
            SafeTensors.write(weights, net.storedTensors(), Map.of("format", "pt",
                    ModelFile.PRECISION_KEY, net.precision().name().toLowerCase(java.util.Locale.ROOT)));
        }
        // through the one atomic writer, so config.json gets the same mode as the weights (not createTempFile's 0600)
        dev.vecrnn.nn.io.internal.AtomicFiles.writeString(config, Json.writePretty(cfg) + "\n");
    }

    /**
     * Reads a directory written by PyTorch (or {@link #write}); names and shapes must match the config
     * exactly. Both files are treated as hostile: the config is read as by {@link #readConfig}, the
     * weights by {@link SafeTensors#read}, and the config is checked against the size of the weights
     * before the network is built, so a small file cannot make the reader allocate a large network.
     *
     * @throws java.nio.file.NoSuchFileException when config.json or model.safetensors is missing
     * @throws java.nio.file.FileSystemException saying "expected a regular file" when either is a FIFO,
     *                            directory or device (before it is opened)
     * @throws ModelFileException naming the file and the problem: a bad config (see {@link #readConfig}),
     *                            a weights file that is not valid safetensors (with the byte offset), a
     *                            config needing more parameters than the weights hold, or a missing,
     *                            unexpected or misshapen tensor (named) or one of a non-float dtype
     * @throws IOException        when a file cannot be read
     */
    public static Recurrent read(Path dir) throws IOException {
        Require.notNull("dir", dir);
        RecurrentConfig cfg = readConfig(dir.resolve(CONFIG));
        Path weights = dir.resolve(WEIGHTS);
        if (!Files.exists(weights)) throw new NoSuchFileException(weights.toString(), null, "expected the state_dict as safetensors");
        SafeTensors.Contents st = SafeTensors.read(weights);
        String src = weights.toString();
        requirePyTorchLayout(src, st.metadata().get("format"));
        ModelFile.requireParameters(src, "config.json (" + module(cfg) + ")", ModelFile.minRecurrentParameters(cfg.inputSize(), cfg.hiddenSize(),
                cfg.numLayers(), cfg.bidirectional(), cfg.projSize()), st);
        String prefix = modulePrefix(src, st);
        st.tensors().forEach((k, v) -> {
            if (k.startsWith(prefix)) v.requireFinite(); // the module's own; the rest of a whole model's are not read
        });
        try {
            Precision precision = ModelFile.precision(st.metadata().get(ModelFile.PRECISION_KEY));
            if (precision != Precision.FP32) {
                // a copy quantized by vecrnn (quantize, or write of a quantized network): I8 or BF16 weights
                Map<String, TensorData> stored = new LinkedHashMap<>();
                st.tensors().forEach((k, v) -> {
                    if (k.startsWith(prefix)) stored.put(k.substring(prefix.length()), v);
                });
                Recurrent net = Recurrent.fromStored(cfg, precision, stored);
                if (!stored.isEmpty()) {
                    throw new IllegalArgumentException("unexpected tensors " + Untrusted.quote(String.join(", ", stored.keySet())));
                }
                return net;
            }
            Recurrent net = new Recurrent(cfg, 0);
            net.loadStateDict(st.stateDict(prefix));
            return net;
        } catch (ModelFileException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            // the state dict's check names the config as a Java record; a PyTorch user knows the module's repr
            String said = String.valueOf(e.getMessage()).replace(" for " + cfg, " for " + module(cfg) + " (config.json)");
            throw ModelFile.refusal(src, new IllegalArgumentException(said, e));
        }
    }

    /**
     * The module {@code c} describes as PyTorch prints it, such as
     * {@code LSTM(3, 5, proj_size=2, num_layers=2, bias=False, batch_first=True, dropout=0.1, bidirectional=True)}
     * (options at their defaults left out), with {@code nonlinearity='relu'} for a relu RNN, which PyTorch leaves out.
     */
    static String module(RecurrentConfig c) {
        StringBuilder s = new StringBuilder(c.type() == CellType.RNN_TANH || c.type() == CellType.RNN_RELU ? "RNN" : c.type().name());
        s.append('(').append(c.inputSize()).append(", ").append(c.hiddenSize());
        if (c.projSize() != 0) s.append(", proj_size=").append(c.projSize());
        if (c.numLayers() != 1) s.append(", num_layers=").append(c.numLayers());
        if (!c.bias()) s.append(", bias=False");
        if (c.batchFirst()) s.append(", batch_first=True");
        if (c.dropout() != 0) s.append(", dropout=").append(c.dropout());
        if (c.bidirectional()) s.append(", bidirectional=True");
        if (c.type() == CellType.RNN_RELU) s.append(", nonlinearity='relu'");
        return s.append(')').toString();
    }

    /**
     * The safetensors {@code __metadata__} "format" entries that name another framework's array layout:
     * transformers' TensorFlow and Flax models tag their files "tf" and "flax", and store each kernel
     * [in, out], the transpose of PyTorch's weight [out, in] (a square one would pass the shape check).
     */
    private static final Map<String, String> TRANSPOSED = Map.of("tf", "TensorFlow", "flax", "Flax");

    /**
     * Refuses a weights file tagged with another framework's layout. PyTorch's tag, "pt" (transformers'
     * {@code save_pretrained}, {@link #write}), and none (what {@code safetensors.torch.save_file} writes
     * unless given metadata) are read; so is any other tag, whose arrays the name and shape checks judge.
     */
    private static void requirePyTorchLayout(String src, String format) {
        String framework = format == null ? null : TRANSPOSED.get(format);
        if (framework != null) {
            throw new ModelFileException(src, -1, "__metadata__ 'format' is '" + format + "': arrays in " + framework
                    + "'s layout (kernels [in, out], the transpose of PyTorch's weights [out, in]); expected a PyTorch state_dict ('pt' or no format)");
        }
    }

    /**
     * Reads a PyTorch module's {@code config.json} (at most 1 MiB, parsed by
     * {@link Json#readObject}).
     *
     * @throws java.nio.file.NoSuchFileException when the file is missing
     * @throws java.nio.file.FileSystemException saying "expected a regular file" when it is a FIFO,
     *                            directory or device (before it is opened)
     * @throws ModelFileException naming the file and the problem: invalid JSON or a limit exceeded (with
     *                            the byte offset), a missing or mistyped field, or values that make no
     *                            valid {@link RecurrentConfig}
     * @throws IOException        when it cannot be read
     */
    public static RecurrentConfig readConfig(Path file) throws IOException {
        Require.notNull("file", file);
        if (!Files.exists(file)) throw new NoSuchFileException(file.toString(), null, "expected the model's config.json");
        Map<String, Object> m = Json.readObject(file, MAX_CONFIG_BYTES);
        String where = file.toString();
        try {
            for (String key : m.keySet()) {
                if (!KEYS.contains(key)) {
                    throw new IllegalArgumentException("unknown key " + Untrusted.quote(key) + ", expected only " + String.join(", ", KEYS));
                }
            }
            // an explicit null is a value, not an absent key: PyTorch reads bias=None as False and refuses
            // proj_size=None or nonlinearity=None, where a default here would run something else
            if (m.containsKey("nonlinearity") && m.get("nonlinearity") == null) {
                throw new IllegalArgumentException("'nonlinearity' expected \"tanh\" or \"relu\", got null");
            }
            Object type = m.get("type");
            if (!(type instanceof String t)) {
                throw new IllegalArgumentException("'type' expected LSTM, GRU, RNN, RNN_TANH or RNN_RELU, got "
                        + (m.containsKey("type") ? Untrusted.describe(type) : "no such key (the module's class is not in the weights)"));
            }
            CellType cell = cellType(t, m.get("nonlinearity"));
            int input = integer(m, "input_size", -1), hidden = integer(m, "hidden_size", -1), layers = integer(m, "num_layers", 1);
            boolean bias = bool(m, "bias", true), batchFirst = bool(m, "batch_first", false), bidirectional = bool(m, "bidirectional", false);
            double p = number(m, "dropout");
            // judged before the float rounds it, as PyTorch judges the Python float: 1.00000001 is not a probability
            if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("'dropout' expected a probability in [0, 1] (as torch.nn.LSTM), got " + p);
            float dropout = (float) p;
            int proj = integer(m, "proj_size", 0);
            try {
                return new RecurrentConfig(cell, input, hidden, layers, bias, batchFirst, bidirectional, dropout, proj);
            } catch (IllegalArgumentException e) {
                // the constructor names its Java parameters ("projSize: expected < hiddenSize (5)"): named as config.json's keys
                String said = String.valueOf(e.getMessage());
                for (String[] k : new String[][] {{"inputSize", "input_size"}, {"hiddenSize", "hidden_size"}, {"numLayers", "num_layers"},
                        {"batchFirst", "batch_first"}, {"projSize", "proj_size"}}) {
                    said = said.replace(k[0], k[1]);
                }
                throw new IllegalArgumentException(said, e);
            }
        } catch (ModelFileException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw ModelFile.refusal(where, e);
        }
    }

    /**
     * Where the recurrent module's tensors are in the file: unprefixed (what {@code rnn.state_dict()}
     * saves), or under the one prefix that holds a {@code weight_ih_l0} (what the whole model's
     * {@code state_dict()} saves, such as {@code lstm.weight_ih_l0} beside {@code fc.weight}); the tensors
     * outside it are left alone. Two such prefixes (an encoder and a decoder) are refused, naming both.
     */
    private static String modulePrefix(String src, SafeTensors.Contents st) {
        String first = "weight_ih_l0";
        if (st.contains(first)) return "";
        List<String> prefixes = new java.util.ArrayList<>();
        for (String name : st.names()) {
            if (name.endsWith("." + first)) prefixes.add(name.substring(0, name.length() - first.length()));
        }
        if (prefixes.size() > 1) {
            List<String> shown = new java.util.ArrayList<>();
            for (String p : prefixes.subList(0, Math.min(4, prefixes.size()))) shown.add(Untrusted.quote(p));
            throw ModelFile.refusal(src, new IllegalArgumentException("holds " + prefixes.size() + " recurrent modules ("
                    + String.join(", ", shown) + (prefixes.size() > 4 ? ", ..." : "")
                    + "); expected one: save the one to run, module.state_dict()"));
        }
        return prefixes.isEmpty() ? "" : prefixes.get(0);
    }

    /** The keys a config may hold: those of the PyTorch constructors, and {@code type}. */
    private static final List<String> KEYS = List.of("type", "input_size", "hidden_size", "num_layers", "nonlinearity",
            "bias", "batch_first", "dropout", "bidirectional", "proj_size");

    /**
     * The cell from {@code type} and nn.RNN's {@code nonlinearity} ("tanh", its default, or "relu"). "RNN" takes
     * the nonlinearity; RNN_TANH and RNN_RELU must agree with it when it is given; LSTM and GRU have none (their
     * constructors refuse the keyword). A "relu" that was ignored would run tanh and return wrong outputs.
     */
    private static CellType cellType(String type, Object nonlinearity) {
        CellType cell = CellType.parse(type);
        if (nonlinearity == null) return cell;
        if (cell == CellType.LSTM || cell == CellType.GRU) {
            throw new IllegalArgumentException("'nonlinearity' is nn.RNN's option; a " + cell + " has none");
        }
        CellType wanted;
        if ("tanh".equals(nonlinearity)) wanted = CellType.RNN_TANH;
        else if ("relu".equals(nonlinearity)) wanted = CellType.RNN_RELU;
        else throw new IllegalArgumentException("'nonlinearity' expected \"tanh\" or \"relu\", got " + Untrusted.describe(nonlinearity));
        if (type.trim().equalsIgnoreCase("RNN")) return wanted;
        if (cell != wanted) {
            throw new IllegalArgumentException("'type' " + cell + " and 'nonlinearity' " + Untrusted.describe(nonlinearity) + " disagree");
        }
        return cell;
    }

    private static int integer(Map<String, Object> m, String key, int dflt) {
        Object v = m.get(key);
        if (!m.containsKey(key) && dflt >= 0) return dflt;
        if (v instanceof Long l && l >= 0 && l <= Integer.MAX_VALUE) return l.intValue();
        throw new IllegalArgumentException("'" + key + "' expected a non-negative integer, got "
                + (m.containsKey(key) ? Untrusted.describe(v) : "no such key (the PyTorch module's constructor requires it)"));
    }

    private static boolean bool(Map<String, Object> m, String key, boolean dflt) {
        Object v = m.get(key);
        if (!m.containsKey(key)) return dflt;
        if (v instanceof Boolean b) return b;
        throw new IllegalArgumentException("'" + key + "' expected true or false, got " + Untrusted.describe(v));
    }

    private static double number(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!m.containsKey(key)) return 0;
        if (v instanceof Number n) return n.doubleValue();
        throw new IllegalArgumentException("'" + key + "' expected a number, got " + Untrusted.describe(v));
    }
}
