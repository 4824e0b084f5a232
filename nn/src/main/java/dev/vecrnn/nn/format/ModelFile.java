package dev.vecrnn.nn.format;

import dev.vecrnn.kernels.Precision;

import dev.vecrnn.nn.Require;
import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.layers.Activation;
import dev.vecrnn.nn.layers.AttentionPooling;
import dev.vecrnn.nn.layers.Dense;
import dev.vecrnn.nn.layers.Dropout;
import dev.vecrnn.nn.layers.Embedding;
import dev.vecrnn.nn.layers.LastStep;
import dev.vecrnn.nn.layers.Layer;
import dev.vecrnn.nn.layers.RecurrentLayer;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.RecurrentConfig;

import dev.vecrnn.nn.io.internal.Json;
import dev.vecrnn.nn.io.ModelFileException;
import dev.vecrnn.nn.io.SafeTensors;
import dev.vecrnn.nn.io.TensorData;
import dev.vecrnn.nn.io.internal.Untrusted;

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
 *
 * <p>{@link #load} treats the file as hostile: every refusal is a
 * {@link dev.vecrnn.nn.io.ModelFileException} naming the file and the problem.
 */
public final class ModelFile {
    public static final String ARCHITECTURE_KEY = "vecrnn";
    /**
     * The {@code __metadata__} key of a quantized model's precision, {@code "int8"} or {@code "bf16"}; absent
     * for fp32. Its recurrent layers' {@code weight_ih_l<k>}/{@code weight_hh_l<k>} are then I8 tensors with
     * F32 {@code weight_ih_l<k>_scale}/{@code weight_hh_l<k>_scale} (one scale per row), or BF16 tensors.
     */
    public static final String PRECISION_KEY = "precision";
    /** The format tag that {@link #save} writes, in {@code __metadata__} and in the architecture, and that {@link #load} reads. */
    static final String FORMAT = "vecrnn-model/1";

    private ModelFile() {
    }

    /**
     * The {@code __metadata__} key of what the model was fitted for, {@code "classification"},
     * {@code "regression"} or {@code "multilabel"} (see {@link #save(Model, Path, String)}); absent when the saver
     * did not say. A classifier's outputs are logits of its classes (softmax cross-entropy); a multi-label
     * model's, one logit a label (binary cross-entropy, a sigmoid each); a regression model's, values. Read it
     * with {@link #task(Path)}.
     */
    public static final String TASK_KEY = "task";

    /** The tasks {@link #TASK_KEY} may record. */
    private static final java.util.Set<String> TASKS = java.util.Set.of("classification", "regression", "multilabel");

    public static void save(Model model, Path file) throws IOException {
        save(model, file, null);
    }

    /**
     * {@link #save(Model, Path)}, recording {@code task} ({@code "classification"}, {@code "regression"} or
     * {@code "multilabel"}, or null for none) under {@link #TASK_KEY}, so that tools evaluating the model later know its loss.
     */
    public static void save(Model model, Path file, String task) throws IOException {
        if (model == null) throw new IllegalArgumentException("model: expected non-null, got null");
        if (file == null) throw new IllegalArgumentException("file: expected a path, got null");
        if (task != null && !TASKS.contains(task)) {
            throw new IllegalArgumentException("task: expected \"classification\", \"regression\", \"multilabel\" or null, got " + Untrusted.quote(task));
        }
        Map<String, Object> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, TensorData> e : model.storedTensors().entrySet()) tensors.put(e.getKey(), e.getValue());
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put(ARCHITECTURE_KEY, Json.write(model.spec()));
        if (model.precision() != Precision.FP32) meta.put(PRECISION_KEY, model.precision().name().toLowerCase(java.util.Locale.ROOT));
        if (task != null) meta.put(TASK_KEY, task);
        SafeTensors.write(file, tensors, meta);
    }

    /**
     * What the model in {@code file} was fitted for, as {@link #save(Model, Path, String)} recorded it:
     * {@code "classification"}, {@code "regression"}, {@code "multilabel"}, or null when the file does not say (files saved without
     * a task, and those of earlier versions).
     *
     * @throws ModelFileException naming the file when the header is not valid safetensors or the recorded task
     *                            is neither value
     */
    public static String task(Path file) throws IOException {
        Require.notNull("file", file);
        String t = SafeTensors.metadata(file).get(TASK_KEY);
        if (t != null && !TASKS.contains(t)) {
            throw new ModelFileException(file.toString(), -1, "__metadata__ '" + TASK_KEY + "': expected 'classification', 'regression' or 'multilabel', got "
                    + Untrusted.quote(t));
        }
        return t;
    }

    /**
     * Loads a model written by {@link #save}. The file is treated as hostile: it is read by
     * {@link SafeTensors#read}, and the architecture in its metadata is checked against the tensors the
     * file holds before any layer is built, so a small file cannot make the loader allocate a large model.
     *
     * @throws ModelFileException naming the file and the problem when the file is not valid safetensors
     *                            (with the byte offset, see {@link SafeTensors#read}), has no architecture,
     *                            the architecture is not valid JSON or not a valid model, declares more
     *                            parameters than the file holds, or the tensors do not match it (a
     *                            missing, unexpected or misshapen tensor, named, or a non-float dtype)
     * @throws IOException        when the file cannot be read, or is not a regular file (a FIFO, directory
     *                            or device: a {@link java.nio.file.FileSystemException} saying "expected a
     *                            regular file", before anything opens it)
     */
    public static Model load(Path file) throws IOException {
        Require.notNull("file", file);
        SafeTensors.Contents c = SafeTensors.read(file);
        String src = file.toString();
        String arch = c.metadata().get(ARCHITECTURE_KEY);
        if (arch == null) {
            throw new ModelFileException(src, -1, "not a vecrnn model file (no '" + ARCHITECTURE_KEY
                    + "' entry in __metadata__; a PyTorch state_dict needs its config.json)");
        }
        // a file tagged with another format (a later vecrnn's) is refused, not read as this one; an untagged one is read
        String format = c.metadata().get("format");
        if (format != null && !format.equals(FORMAT)) {
            throw new ModelFileException(src, -1, "__metadata__ 'format' is " + Untrusted.quote(format) + ", expected '" + FORMAT
                    + "' (a vecrnn model file of another version, or not one)");
        }
        Object spec;
        try {
            spec = Json.parse(arch);
        } catch (ModelFileException e) {
            throw new ModelFileException(src, -1, "__metadata__ '" + ARCHITECTURE_KEY + "' is not valid JSON: " + e.problem()
                    + (e.offset() >= 0 ? " at byte " + e.offset() + " of that string" : ""));
        }
        try {
            Map<String, Object> s = asMap(spec, "architecture");
            if (s.containsKey("format") && !FORMAT.equals(s.get("format"))) {
                throw new IllegalArgumentException("architecture 'format': expected '" + FORMAT + "', got " + Untrusted.describe(s.get("format")));
            }
            requireParameters(src, "the architecture", minParameters(s), c);
            for (TensorData t : c.tensors().values()) t.requireFinite();
            Precision precision = precision(c.metadata().get(PRECISION_KEY));
            if (precision == Precision.FP32) {
                Model m = fromSpec(s, "architecture");
                m.loadStateDict(c.stateDict(""));
                return m;
            }
            return fromStored(src, s, precision, c);
        } catch (ModelFileException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw refusal(src, e);
        }
    }

    /**
     * Refuses, before anything is built, an architecture that needs more parameters than the file's
     * tensors hold: every parameter is loaded from the file, so the need can never exceed what is there.
     */
    static void requireParameters(String src, String what, long atLeast, SafeTensors.Contents c) {
        long held = 0;
        for (TensorData t : c.tensors().values()) held += t.elementCount();
        if (atLeast > held) {
            throw new ModelFileException(src, -1, what + " needs at least " + (atLeast == Long.MAX_VALUE ? "2^63 - 1" : atLeast)
                    + " parameters, but the tensors in the file hold only " + held + " elements");
        }
    }

    /**
     * A lower bound of the parameter count of {@code spec}, from its numbers alone (nothing is built);
     * it saturates at {@link Long#MAX_VALUE}. Malformed entries count 0 and are left to {@link #fromSpec}.
     */
    static long minParameters(Map<String, Object> spec) {
        if (!(spec.get("layers") instanceof List<?> list)) return 0;
        long sum = 0;
        for (Object o : list) {
            if (!(o instanceof Map<?, ?> l)) continue;
            long n = switch (String.valueOf(l.get("kind"))) {
                case "dense" -> plus(product(size(l, "in"), size(l, "units")), size(l, "units"));
                case "embedding" -> product(size(l, "vocab"), size(l, "dim"));
                case "attention" -> size(l, "features");
                case "recurrent" -> minRecurrentParameters(size(l, "input_size"), size(l, "hidden_size"), size(l, "num_layers"),
                        Boolean.TRUE.equals(l.get("bidirectional")), size(l, "proj_size"));
                default -> 0;
            };
            sum = plus(sum, n);
        }
        return sum;
    }

    /**
     * A lower bound of the parameters of a recurrent stack (one gate's weights of each matrix, no biases),
     * saturating at {@link Long#MAX_VALUE}.
     */
    static long minRecurrentParameters(long input, long hidden, long layers, boolean bidirectional, long proj) {
        long recurrentIn = proj > 0 ? proj : hidden;
        long perDirection = product(hidden, input);
        long stacked = product(layers, hidden, recurrentIn);
        long projection = proj > 0 ? product(layers, proj, hidden) : 0;
        return product(bidirectional ? 2 : 1, plus(plus(perDirection, stacked), projection));
    }

    /** A non-negative JSON number as a long, capped at 10^18; anything else is 0. */
    private static long size(Map<?, ?> m, String key) {
        return m.get(key) instanceof Number n && n.doubleValue() > 0 ? (long) Math.min(n.doubleValue(), 1e18) : 0;
    }

    /** The sum of two non-negative longs, saturating at {@link Long#MAX_VALUE}. */
    private static long plus(long a, long b) {
        long s = a + b;
        return s < 0 ? Long.MAX_VALUE : s;
    }

    /** The product of non-negative factors, saturating at {@link Long#MAX_VALUE}. */
    private static long product(long... factors) {
        long p = 1;
        for (long f : factors) {
            if (f == 0) return 0;
        }
        for (long f : factors) {
            try {
                p = Math.multiplyExact(p, f);
            } catch (ArithmeticException overflow) {
                return Long.MAX_VALUE;
            }
        }
        return p;
    }

    /** The precision named in a file's metadata: absent is fp32. */
    static Precision precision(String name) {
        if (name == null) return Precision.FP32;
        return switch (name) {
            case "int8" -> Precision.INT8;
            case "bf16" -> Precision.BF16;
            default -> throw new IllegalArgumentException("__metadata__ '" + PRECISION_KEY + "': expected int8 or bf16, got "
                    + Untrusted.quote(name));
        };
    }

    /**
     * A quantized model: its recurrent layers straight from their I8 or BF16 tensors (no fp32 copy of their
     * weights is ever made), the other layers built and loaded as fp32; any tensor left over is refused.
     */
    private static Model fromStored(String src, Map<String, Object> spec, Precision precision, SafeTensors.Contents c) {
        Map<String, TensorData> left = new LinkedHashMap<>(c.tensors());
        Model built = fromSpec(spec, "architecture", (i, config, returnSequences) -> {
            String prefix = "layers." + i + ".";
            Map<String, TensorData> mine = new LinkedHashMap<>();
            left.forEach((k, v) -> {
                if (k.startsWith(prefix)) mine.put(k.substring(prefix.length()), v);
            });
            RecurrentLayer layer;
            try {
                layer = RecurrentLayer.fromStored(config, returnSequences, precision, mine);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("layer " + i + " (" + precision.name().toLowerCase(java.util.Locale.ROOT)
                        + " recurrent): " + e.getMessage(), e);
            }
            left.keySet().removeIf(k -> k.startsWith(prefix) && !mine.containsKey(k.substring(prefix.length())));
            return layer;
        });
        Map<String, Tensor> rest = new LinkedHashMap<>();
        for (Map.Entry<String, TensorData> e : left.entrySet()) rest.put(e.getKey(), e.getValue().toTensor());
        for (int i = 0; i < built.layers().size(); i++) {
            if (built.layers().get(i).precision() == Precision.FP32) built.layers().get(i).loadStateDict("layers." + i + ".", rest);
        }
        if (!rest.isEmpty()) {
            throw new ModelFileException(src, -1, "unexpected tensors " + Untrusted.list(rest.keySet()) + " for the architecture");
        }
        return built;
    }

    /** How {@link #fromSpec} makes a recurrent layer: layer index, its config (batch-first) and whether it returns sequences. */
    private interface RecurrentMaker {
        Layer make(int index, RecurrentConfig config, boolean returnSequences);
    }

    /** Rebuilds the layers of an architecture (weights left to a following load). */
    static Model fromSpec(Map<String, Object> spec, String where) {
        return fromSpec(spec, where, (i, config, returnSequences) -> new RecurrentLayer(config, returnSequences, 0));
    }

    /** Rebuilds the layers of an architecture, the recurrent ones through {@code recurrent}. */
    private static Model fromSpec(Map<String, Object> spec, String where, RecurrentMaker recurrent) {
        Json.onlyKeys(spec, where, FORMAT, "format", "input_features", "layers");
        int input = intOf(spec, "input_features", where, 1);
        Object ls = spec.get("layers");
        if (!(ls instanceof List<?> list) || list.isEmpty()) throw new IllegalArgumentException(where + ": no layers");
        Random r = new Random(0);
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            Map<String, Object> l = asMap(list.get(i), where + ": layer " + i);
            String kind = String.valueOf(l.get("kind"));
            String at = where + ": layer " + i + " (" + Untrusted.describe(l.get("kind")) + ")";
            String[] keys = KEYS.get(kind);
            if (keys == null) throw new IllegalArgumentException(at + ": unknown layer kind");
            Json.onlyKeys(l, at, FORMAT, keys);
            layers.add(switch (kind) {
                case "dense" -> new Dense(intOf(l, "in", at, 1), intOf(l, "units", at, 1), Activation.parse(String.valueOf(l.get("activation"))), r);
                case "embedding" -> new Embedding(intOf(l, "vocab", at, 1), intOf(l, "dim", at, 1), r);
                case "dropout" -> new Dropout((float) doubleOf(l, "p", at));
                case "last_step" -> l.containsKey("reversed_features") ? LastStep.finalStates(intOf(l, "reversed_features", at, 1)) : new LastStep();
                case "attention" -> new AttentionPooling(intOf(l, "features", at, 1), r);
                default -> recurrent.make(i, recurrentConfig(l, at), boolOf(l, "return_sequences", at));
            });
        }
        return new Model(input, layers);
    }

    /** A recurrent layer's config from its entry; a constraint between keys (proj_size below hidden_size) named with the file's keys. */
    private static RecurrentConfig recurrentConfig(Map<String, Object> l, String at) {
        CellType type = CellType.parse(String.valueOf(l.get("type")));
        int input = intOf(l, "input_size", at, 1), hidden = intOf(l, "hidden_size", at, 1), stacked = intOf(l, "num_layers", at, 1);
        boolean bias = boolOf(l, "bias", at), bidirectional = boolOf(l, "bidirectional", at);
        float dropout = (float) doubleOf(l, "dropout", at);
        int proj = intOf(l, "proj_size", at, 0);
        try {
            return new RecurrentConfig(type, input, hidden, stacked, bias, true, bidirectional, dropout, proj);
        } catch (IllegalArgumentException e) {
            String m = String.valueOf(e.getMessage());
            for (String[] k : JAVA_NAMES) m = m.replace(k[0], "'" + k[1] + "'");
            throw new IllegalArgumentException(at + ": " + m, e);
        }
    }

    /** The keys each layer kind's entry holds, as {@link Layer#spec()} writes them ({@code reversed_features} may be absent). */
    private static final Map<String, String[]> KEYS = Map.of(
            "dense", new String[] {"kind", "in", "units", "activation"},
            "embedding", new String[] {"kind", "vocab", "dim"},
            "dropout", new String[] {"kind", "p"},
            "last_step", new String[] {"kind", "reversed_features"},
            "attention", new String[] {"kind", "features"},
            "recurrent", new String[] {"kind", "type", "input_size", "hidden_size", "num_layers", "bias", "bidirectional", "dropout",
                    "proj_size", "return_sequences"});

    /** RecurrentConfig's names of its sizes, and the keys the file spells them with (PyTorch's). */
    private static final String[][] JAVA_NAMES = {
            {"inputSize", "input_size"}, {"hiddenSize", "hidden_size"}, {"numLayers", "num_layers"}, {"projSize", "proj_size"}};

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object o, String what) {
        if (!(o instanceof Map<?, ?> m)) throw new IllegalArgumentException(what + ": expected a JSON object, got " + Untrusted.describe(o));
        return (Map<String, Object>) m;
    }

    /** The integer at {@code key}, at least {@code min}, refused naming the key as the file spells it. */
    static int intOf(Map<String, Object> m, String key, String where, int min) {
        Object v = m.get(key);
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && Math.abs(n.doubleValue()) < Integer.MAX_VALUE
                && n.intValue() >= min) {
            return n.intValue();
        }
        throw new IllegalArgumentException(where + ": '" + key + "' expected an integer >= " + min + ", got " + Untrusted.describe(v));
    }

    static double doubleOf(Map<String, Object> m, String key, String where) {
        if (m.get(key) instanceof Number n) return n.doubleValue();
        throw new IllegalArgumentException(where + ": '" + key + "' expected a number, got " + Untrusted.describe(m.get(key)));
    }

    static boolean boolOf(Map<String, Object> m, String key, String where) {
        if (m.get(key) instanceof Boolean b) return b;
        throw new IllegalArgumentException(where + ": '" + key + "' expected true or false, got " + Untrusted.describe(m.get(key)));
    }

    /**
     * A refusal from the model classes as a ModelFileException of {@code src}, its message cut to 2,000
     * characters: what they quote from the file is escaped and cut ({@link Untrusted}), and this bounds the rest.
     */
    static ModelFileException refusal(String src, IllegalArgumentException e) {
        return new ModelFileException(src, -1, clip(e.getMessage(), 2000));
    }

    private static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }
}
