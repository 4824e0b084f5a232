package dev.vecrnn.nn;

import dev.vecrnn.nn.io.Json;
import dev.vecrnn.nn.io.SafeTensors;
import dev.vecrnn.nn.io.TensorData;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Model files: safetensors holding every tensor ({@code layers.<i>.<name>}, float32) and, in
 * {@code __metadata__}, the architecture as JSON under the key {@code vecrnn}, so Python's safetensors
 * reads them as they are. Saving writes a temporary file, forces it to disk and renames it into place;
 * a failed save leaves any previous file intact. The round trip is bit-exact.
 */
public final class ModelFile {
    public static final String ARCHITECTURE_KEY = "vecrnn";

    private ModelFile() {
    }

    public static void save(Model model, Path file) throws IOException {
        if (model == null) throw new IllegalArgumentException("model: expected non-null, got null");
        if (file == null) throw new IllegalArgumentException("file: expected a path, got null");
        Map<String, Object> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : model.stateDict().entrySet()) tensors.put(e.getKey(), TensorData.of(e.getValue()));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "vecrnn-model/1");
        meta.put(ARCHITECTURE_KEY, Json.write(model.spec()));
        SafeTensors.write(file, tensors, meta);
    }

    public static Model load(Path file) throws IOException {
        Require.notNull("file", file);
        SafeTensors.Contents c = SafeTensors.read(file);
        String arch = c.metadata().get(ARCHITECTURE_KEY);
        if (arch == null) {
            throw new IllegalArgumentException(file + ": not a vecrnn model file (no '" + ARCHITECTURE_KEY
                    + "' entry in __metadata__; a PyTorch state_dict needs its config.json)");
        }
        Model m = fromSpec(asMap(Json.parse(arch), "architecture"), file.toString());
        Map<String, Tensor> sd = new LinkedHashMap<>();
        for (String name : c.names()) sd.put(name, c.get(name).toTensor());
        m.loadStateDict(sd);
        return m;
    }

    /** Rebuilds the layers of an architecture (weights left to a following load). */
    static Model fromSpec(Map<String, Object> spec, String where) {
        int input = intOf(spec, "input_features", where);
        Object ls = spec.get("layers");
        if (!(ls instanceof List<?> list) || list.isEmpty()) throw new IllegalArgumentException(where + ": architecture has no layers");
        Random r = new Random(0);
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            Map<String, Object> l = asMap(list.get(i), where + ": layer " + i);
            String kind = String.valueOf(l.get("kind"));
            String at = where + ": layer " + i + " (" + kind + ")";
            layers.add(switch (kind) {
                case "dense" -> new Dense(intOf(l, "in", at), intOf(l, "units", at), Activation.parse(String.valueOf(l.get("activation"))), r);
                case "embedding" -> new Embedding(intOf(l, "vocab", at), intOf(l, "dim", at), r);
                case "dropout" -> new Dropout((float) doubleOf(l, "p", at));
                case "last_step" -> new LastStep();
                case "attention" -> new AttentionPooling(intOf(l, "features", at), r);
                case "recurrent" -> new RecurrentLayer(new RecurrentConfig(CellType.parse(String.valueOf(l.get("type"))),
                        intOf(l, "input_size", at), intOf(l, "hidden_size", at), intOf(l, "num_layers", at),
                        boolOf(l, "bias", at), true, boolOf(l, "bidirectional", at), (float) doubleOf(l, "dropout", at),
                        intOf(l, "proj_size", at)), boolOf(l, "return_sequences", at), 0);
                default -> throw new IllegalArgumentException(at + ": unknown layer kind");
            });
        }
        return new Model(input, layers);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object o, String what) {
        if (!(o instanceof Map<?, ?> m)) throw new IllegalArgumentException(what + ": expected a JSON object, got " + o);
        return (Map<String, Object>) m;
    }

    static int intOf(Map<String, Object> m, String key, String where) {
        Object v = m.get(key);
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && Math.abs(n.doubleValue()) < Integer.MAX_VALUE) {
            return n.intValue();
        }
        throw new IllegalArgumentException(where + ": '" + key + "' expected an integer, got " + v);
    }

    static double doubleOf(Map<String, Object> m, String key, String where) {
        if (m.get(key) instanceof Number n) return n.doubleValue();
        throw new IllegalArgumentException(where + ": '" + key + "' expected a number, got " + m.get(key));
    }

    static boolean boolOf(Map<String, Object> m, String key, String where) {
        if (m.get(key) instanceof Boolean b) return b;
        throw new IllegalArgumentException(where + ": '" + key + "' expected true or false, got " + m.get(key));
    }
}
