package dev.vecrnn.nn;

import dev.vecrnn.nn.io.Json;
import dev.vecrnn.nn.io.SafeTensors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * PyTorch's side of a {@link Recurrent}: a directory holding {@code model.safetensors} (the
 * {@code state_dict} of {@code nn.RNN}, {@code nn.LSTM} or {@code nn.GRU}, unprefixed names) and
 * {@code config.json} (the module's constructor arguments plus {@code type}). {@link #write} makes one
 * that {@code load_state_dict} accepts as it is; {@link #read} loads one.
 */
public final class PyTorchFormat {
    public static final String WEIGHTS = "model.safetensors";
    public static final String CONFIG = "config.json";
    static final long MAX_CONFIG_BYTES = 1 << 20;

    private PyTorchFormat() {
    }

    /** Writes model.safetensors and config.json into dir (created if missing). */
    public static void write(Recurrent net, Path dir) throws IOException {
        Require.notNull("net", net);
        Require.notNull("dir", dir);
        Files.createDirectories(dir);
        RecurrentConfig c = net.config();
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("type", c.type().name());
        cfg.put("input_size", c.inputSize());
        cfg.put("hidden_size", c.hiddenSize());
        cfg.put("num_layers", c.numLayers());
        cfg.put("bias", c.bias());
        cfg.put("batch_first", c.batchFirst());
        cfg.put("dropout", (double) c.dropout());
        cfg.put("bidirectional", c.bidirectional());
        cfg.put("proj_size", c.projSize());
        SafeTensors.write(dir.resolve(WEIGHTS), new LinkedHashMap<>(net.stateDict()), Map.of("format", "pt"));
        Path tmp = Files.createTempFile(dir, ".config", ".tmp");
        try {
            Files.writeString(tmp, Json.writePretty(cfg) + "\n");
            Files.move(tmp, dir.resolve(CONFIG), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Reads a directory written by PyTorch (or {@link #write}); names and shapes must match the config exactly. */
    public static Recurrent read(Path dir) throws IOException {
        Require.notNull("dir", dir);
        RecurrentConfig cfg = readConfig(dir.resolve(CONFIG));
        Path weights = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(weights)) throw new IllegalArgumentException(weights + ": no such file (expected the state_dict as safetensors)");
        SafeTensors.Contents st = SafeTensors.read(weights);
        Map<String, Tensor> sd = new LinkedHashMap<>();
        for (String name : st.names()) sd.put(name, st.get(name).toTensor());
        Recurrent net = new Recurrent(cfg, 0);
        net.loadStateDict(sd);
        return net;
    }

    public static RecurrentConfig readConfig(Path file) throws IOException {
        Require.notNull("file", file);
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException(file + ": no such file (expected the model's config.json)");
        Map<String, Object> m = Json.readObject(file, MAX_CONFIG_BYTES);
        String where = file.toString();
        Object type = m.get("type");
        if (!(type instanceof String t)) throw new IllegalArgumentException(where + ": 'type' expected LSTM, GRU, RNN_TANH or RNN_RELU, got " + type);
        return new RecurrentConfig(CellType.parse(t), integer(m, "input_size", where, -1), integer(m, "hidden_size", where, -1),
                integer(m, "num_layers", where, 1), bool(m, "bias", where, true), bool(m, "batch_first", where, false),
                bool(m, "bidirectional", where, false), (float) number(m, "dropout", where), integer(m, "proj_size", where, 0));
    }

    private static int integer(Map<String, Object> m, String key, String where, int dflt) {
        Object v = m.get(key);
        if (v == null && dflt >= 0) return dflt;
        if (v instanceof Long l && l >= 0 && l <= Integer.MAX_VALUE) return l.intValue();
        throw new IllegalArgumentException(where + ": '" + key + "' expected a non-negative integer, got " + v);
    }

    private static boolean bool(Map<String, Object> m, String key, String where, boolean dflt) {
        Object v = m.get(key);
        if (v == null) return dflt;
        if (v instanceof Boolean b) return b;
        throw new IllegalArgumentException(where + ": '" + key + "' expected true or false, got " + v);
    }

    private static double number(Map<String, Object> m, String key, String where) {
        Object v = m.get(key);
        if (v == null) return 0;
        if (v instanceof Number n) return n.doubleValue();
        throw new IllegalArgumentException(where + ": '" + key + "' expected a number, got " + v);
    }
}
