package dev.vecrnn.nn.format;

import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;

import dev.vecrnn.nn.io.internal.Json;
import dev.vecrnn.nn.io.ModelFileException;
import dev.vecrnn.nn.io.SafeTensors;
import dev.vecrnn.nn.io.TensorData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Model files whose safetensors are valid but whose contents do not make the model they declare: missing,
 * extra, misshapen or integer tensors, architectures or configs that are malformed or far larger than the
 * file. Each must be refused with a ModelFileException naming the file and the problem, quickly and
 * before anything large is allocated.
 */
class ModelLoadHostileTest {

    @TempDir
    Path dir;

    private static Model small() {
        return Model.builder(1).embedding(5, 3).lstm(4).dense(2).seed(1).build();
    }

    /** Rewrites a saved model file with {@code edit} applied to its tensors and architecture. */
    private Path rewritten(java.util.function.Consumer<Map<String, Object>> edit, String architecture) throws IOException {
        Path f = dir.resolve("m.safetensors");
        ModelFile.save(small(), f);
        SafeTensors.Contents c = SafeTensors.read(f);
        Map<String, Object> tensors = new LinkedHashMap<>(c.tensors());
        edit.accept(tensors);
        Map<String, String> meta = new LinkedHashMap<>(c.metadata());
        if (architecture != null) meta.put(ModelFile.ARCHITECTURE_KEY, architecture);
        SafeTensors.write(f, tensors, meta);
        return f;
    }

    /** Asserts a quick ModelFileException from {@code file} whose message holds every fragment. */
    private static ModelFileException refused(Path file, Executable load, String... fragments) {
        ModelFileException e = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThrows(ModelFileException.class, load));
        assertEquals(file.toString(), e.source(), e::getMessage);
        for (String f : fragments) assertTrue(e.getMessage().contains(f), () -> "expected \"" + f + "\" in: " + e.getMessage());
        return e;
    }

    /**
     * The format tags were never read: a file marked "vecrnn-model/2" (a later, different layout) in its metadata
     * or in its architecture, or with a number there, loaded as if it were version 1. Each is refused naming the
     * tag; a file without the tags (as some tests write) still loads.
     */
    @Test
    void modelFileRefusesAnotherFormatTag() throws IOException {
        Path f = writtenSmall();
        SafeTensors.Contents c = SafeTensors.read(f);
        for (String tag : new String[] {"vecrnn-model/2", "", "pt"}) {
            Map<String, String> meta = new LinkedHashMap<>(c.metadata());
            meta.put("format", tag);
            SafeTensors.write(f, c.tensors(), meta);
            refused(f, () -> ModelFile.load(f), "'format'", "'" + tag + "'", "vecrnn-model/1");
        }
        String arch = c.metadata().get(ModelFile.ARCHITECTURE_KEY);
        assertTrue(arch.contains("\"format\":\"vecrnn-model/1\""), arch);
        for (String tag : new String[] {"\"vecrnn-model/2\"", "1.5", "null"}) {
            Path g = rewritten(t -> { }, arch.replace("\"format\":\"vecrnn-model/1\"", "\"format\":" + tag));
            refused(g, () -> ModelFile.load(g), "architecture 'format'", "vecrnn-model/1");
        }
        Map<String, String> untagged = new LinkedHashMap<>(c.metadata());
        untagged.remove("format");
        untagged.put(ModelFile.ARCHITECTURE_KEY, arch.replace("\"format\":\"vecrnn-model/1\",", ""));
        SafeTensors.write(f, c.tensors(), untagged);
        assertEquals(small().spec().get("layers"), ModelFile.load(f).spec().get("layers"));
    }

    /**
     * An architecture whose recurrent layer does not return sequences but is followed by last_step loaded,
     * and predict then refused it as "--x ...: last step: expected a sequence input": the file was at fault.
     */
    @Test
    void modelFileWithAStepReaderAfterPoolingIsRefused() throws IOException {
        String arch = SafeTensors.read(writtenSmall()).metadata().get(ModelFile.ARCHITECTURE_KEY);
        assertTrue(arch.contains("\"return_sequences\":true}") && arch.contains("{\"kind\":\"dense\""), arch);
        Path f = rewritten(t -> {  // the dense layer moves from index 2 to 3
            t.put("layers.3.weight", t.remove("layers.2.weight"));
            t.put("layers.3.bias", t.remove("layers.2.bias"));
        }, arch.replace("\"return_sequences\":true}", "\"return_sequences\":false}")
                .replace("{\"kind\":\"dense\"", "{\"kind\":\"last_step\"},{\"kind\":\"dense\""));
        refused(f, () -> ModelFile.load(f), "layers[2] (LastStep): expected a sequence input, but layers[1] already pooled the sequence");
    }

    @Test
    void modelFileNamesAMissingTensor() throws IOException {
        Path f = rewritten(t -> t.remove("layers.1.weight_hh_l0"), null);
        refused(f, () -> ModelFile.load(f), "missing tensor 'layers.1.weight_hh_l0'");
    }

    @Test
    void modelFileNamesAnUnexpectedTensor() throws IOException {
        Path f = rewritten(t -> t.put("layers.7.surplus", TensorData.floats(new float[3], 3)), null);
        refused(f, () -> ModelFile.load(f), "unexpected tensors ['layers.7.surplus']");
    }

    @Test
    void modelFileNamesAMisshapenOrIntegerTensor() throws IOException {
        Path f = rewritten(t -> t.put("layers.2.bias", TensorData.floats(new float[3], 3)), null);
        refused(f, () -> ModelFile.load(f), "layers.2.bias", "[3]", "[2]");
        Path g = rewritten(t -> t.put("layers.2.bias", TensorData.longs(new long[2], 2)), null);
        refused(g, () -> ModelFile.load(g), "'layers.2.bias' has dtype I64");
    }

    /**
     * A NaN or infinite parameter makes every output NaN: refused at load, naming the tensor and the element,
     * in an fp32 file and in a quantized one (a bias stays fp32 there). An F64 tensor beyond float's range
     * would load as infinity and is refused too.
     */
    @Test
    void modelFileNamesANonFiniteParameter() throws IOException {
        float[] w = SafeTensors.read(writtenSmall()).get("layers.2.weight").toFloats();
        w[3] = Float.NaN;
        Path f = rewritten(t -> t.put("layers.2.weight", TensorData.floats(w.clone(), 2, 4)), null);
        refused(f, () -> ModelFile.load(f), "'layers.2.weight'", "NaN", "element 3 [0, 3]");
        Path g = rewritten(t -> t.put("layers.2.bias", TensorData.doubles(new double[] {0, 1e300}, 2)), null);
        refused(g, () -> ModelFile.load(g), "'layers.2.bias'", "1.0E300", "element 1");
        Path q = dir.resolve("q.safetensors");
        ModelFile.save(small().quantized(dev.vecrnn.kernels.Precision.INT8), q);
        SafeTensors.Contents c = SafeTensors.read(q);
        Map<String, Object> tensors = new LinkedHashMap<>(c.tensors());
        float[] b = c.get("layers.1.bias_hh_l0").toFloats();
        b[0] = Float.NEGATIVE_INFINITY;
        tensors.put("layers.1.bias_hh_l0", TensorData.floats(b, b.length));
        SafeTensors.write(q, tensors, c.metadata());
        refused(q, () -> ModelFile.load(q), "'layers.1.bias_hh_l0'", "-Infinity", "element 0");
    }

    private Path writtenSmall() throws IOException {
        Path f = dir.resolve("small.safetensors");
        ModelFile.save(small(), f);
        return f;
    }

    @Test
    void modelFileRefusesAnArchitectureFarLargerThanItsTensors() throws IOException {
        String embedding = "{\"input_features\":1,\"layers\":[{\"kind\":\"embedding\",\"vocab\":40000,\"dim\":40000}]}";
        Path f = rewritten(t -> { }, embedding);
        long held = SafeTensors.read(f).tensors().values().stream().mapToLong(TensorData::elementCount).sum();
        refused(f, () -> ModelFile.load(f), "the architecture needs at least 1600000000 parameters, but the tensors in the file hold only "
                + held + " elements");
        // in * units overflows an int: without the check this reached new float[negative]
        String dense = "{\"input_features\":1,\"layers\":[{\"kind\":\"dense\",\"in\":65536,\"units\":65536,\"activation\":\"linear\"}]}";
        Path g = rewritten(t -> { }, dense);
        refused(g, () -> ModelFile.load(g), "needs at least 4295032832 parameters");
        String stack = "{\"input_features\":1,\"layers\":[{\"kind\":\"recurrent\",\"type\":\"LSTM\",\"input_size\":1,"
                + "\"hidden_size\":2000000000,\"num_layers\":2000000000,\"bias\":true,\"bidirectional\":true,\"dropout\":0,"
                + "\"proj_size\":0,\"return_sequences\":false}]}";
        Path h = rewritten(t -> { }, stack);
        refused(h, () -> ModelFile.load(h), "needs at least 2^63 - 1 parameters");
    }

    @Test
    void modelFileRefusesABrokenOrMissingArchitecture() throws IOException {
        Path f = rewritten(t -> { }, "{\"input_features\":1,\"layers\":[}");
        refused(f, () -> ModelFile.load(f), "__metadata__ 'vecrnn' is not valid JSON: ", "at byte 30 of that string");
        Path g = rewritten(t -> { }, "{\"input_features\":1,\"layers\":[{\"kind\":\"" + "k".repeat(10_000) + "\"}]}");
        ModelFileException e = refused(g, () -> ModelFile.load(g), "architecture: layer 0 ('kkk", "'... (10000 characters)): unknown layer kind");
        assertTrue(e.getMessage().length() < 500, e::getMessage);
        Path h = dir.resolve("plain.safetensors");
        SafeTensors.write(h, Map.of("w", TensorData.floats(new float[1], 1)), null);
        refused(h, () -> ModelFile.load(h), "not a vecrnn model file (no 'vecrnn' entry in __metadata__");
    }

    /**
     * The architecture's sizes were checked by the constructors, whose refusals name Java's parameters: input_features -2
     * was "inputFeatures: expected >= 1", hidden_size 0 "hiddenSize: ...", proj_size 4 of hidden_size 4 "projSize: expected
     * < hiddenSize (4)"; and a key vecrnn does not write (a later version's setting, or a typo) was skipped, the model loaded
     * without it. Each is refused naming the file and the key as the file spells it.
     */
    @Test
    void architectureRefusalsNameTheFilesKeys() throws IOException {
        String arch = SafeTensors.read(writtenSmall()).metadata().get(ModelFile.ARCHITECTURE_KEY);
        String[][] cases = {
                {"\"input_features\":1", "\"input_features\":-2", "architecture: 'input_features' expected an integer >= 1, got -2"},
                {"\"hidden_size\":4", "\"hidden_size\":0", "layer 1 ('recurrent'): 'hidden_size' expected an integer >= 1, got 0"},
                {"\"proj_size\":0", "\"proj_size\":4", "layer 1 ('recurrent'): 'proj_size': expected < 'hidden_size' (4), got 4"},
                {"\"kind\":\"recurrent\"", "\"kind\":\"recurrent\",\"layer_norm\":true", "layer 1 ('recurrent'): unknown key 'layer_norm'"},
                {"\"input_features\":1", "\"input_features\":1,\"dtype\":\"f16\"", "architecture: unknown key 'dtype'"}};
        for (String[] c : cases) {
            assertTrue(arch.contains(c[0]), arch);
            Path f = rewritten(t -> { }, arch.replace(c[0], c[1]));
            ModelFileException e = refused(f, () -> ModelFile.load(f), c[2]);
            assertTrue(!e.getMessage().matches("(?s).*(inputFeatures|hiddenSize|projSize).*"), e::getMessage);
            if (c[2].contains("unknown key")) assertTrue(e.getMessage().contains("vecrnn-model/1"), e::getMessage);
        }
    }

    // ---- PyTorchFormat ---------------------------------------------------------------------------------

    private Path torchDir() throws IOException {
        Path d = dir.resolve("torch");
        PyTorchFormat.write(new Recurrent(RecurrentConfig.of(CellType.GRU, 3, 4), 1), d);
        return d;
    }

    private static void rewriteWeights(Path d, java.util.function.Consumer<Map<String, Object>> edit) throws IOException {
        Path w = d.resolve(PyTorchFormat.WEIGHTS);
        SafeTensors.Contents c = SafeTensors.read(w);
        Map<String, Object> tensors = new LinkedHashMap<>(c.tensors());
        edit.accept(tensors);
        SafeTensors.write(w, tensors, c.metadata());
    }

    @Test
    void pyTorchNamesMissingAndUnexpectedTensors() throws IOException {
        Path d = torchDir();
        Path w = d.resolve(PyTorchFormat.WEIGHTS);
        rewriteWeights(d, t -> t.remove("bias_hh_l0"));
        refused(w, () -> PyTorchFormat.read(d), "missing tensor 'bias_hh_l0'");
        Path e = torchDir();
        rewriteWeights(e, t -> t.put("weight_ih_l1", TensorData.floats(new float[12], 4, 3)));
        refused(w, () -> PyTorchFormat.read(e), "unexpected tensors ['weight_ih_l1']");
    }

    @Test
    void pyTorchRefusesAConfigFarLargerThanTheWeights() throws IOException {
        Path d = torchDir();
        Files.writeString(d.resolve(PyTorchFormat.CONFIG), "{\"type\": \"GRU\", \"input_size\": 3, \"hidden_size\": 100000}");
        refused(d.resolve(PyTorchFormat.WEIGHTS), () -> PyTorchFormat.read(d), "needs at least 10000300000 parameters, but the tensors in "
                + "the file hold only 108 elements");
    }

    @Test
    void pyTorchConfigErrorsNameTheFieldAndTheByte() throws IOException {
        Path d = torchDir();
        Path c = d.resolve(PyTorchFormat.CONFIG);
        Files.writeString(c, "{\"type\": \"GRU\", \"input_size\": 3, \"hidden_size\": \"4\"}");
        refused(c, () -> PyTorchFormat.read(d), "'hidden_size' expected a non-negative integer, got '4'");
        Files.writeString(c, "{\"type\": \"GRU\", \"input_size\": 3, \"hidden_size\": 4, \"hidden_size\": 5}");
        refused(c, () -> PyTorchFormat.read(d), "duplicate key 'hidden_size' (at byte 51)");
        Files.writeString(c, "{\"type\": \"GRU\", \"input_size\": 3, \"x\": " + "[".repeat(100) + "]".repeat(100) + "}");
        // the top-level object is level 1, so the 64th bracket is the 65th level
        refused(c, () -> PyTorchFormat.read(d), "nesting deeper than 64 levels (at byte " + (38 + 63) + ")");
        Files.writeString(c, "{\"type\": \"GRU\", \"input_size\": 3, \"hidden_size\": 4}" + " ".repeat(1 << 20));
        refused(c, () -> PyTorchFormat.read(d), "more than the limit of 1048576 (at byte 1048576)");
        Files.writeString(c, "{\"type\": \"" + "G".repeat(5000) + "\", \"input_size\": 3, \"hidden_size\": 4}");
        ModelFileException e = refused(c, () -> PyTorchFormat.read(d), "cell type: expected LSTM, GRU, RNN_TANH or RNN_RELU, got 'GGG");
        assertTrue(e.getMessage().length() < 500, e::getMessage);
        Files.delete(c);
        assertThrows(NoSuchFileException.class, () -> PyTorchFormat.read(d));
    }

    @Test
    void aValidFileStillLoads() throws IOException {
        Path f = rewritten(t -> { }, null);
        assertEquals(small().spec(), ModelFile.load(f).spec());
        assertEquals(Json.write(small().spec()), Json.write(ModelFile.load(f).spec()));
    }
}
