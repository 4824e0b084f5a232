package dev.vecrnn.nn.format;

import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;

import dev.vecrnn.nn.io.ModelFileException;
import dev.vecrnn.nn.io.Npy;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Export in PyTorch's format. Besides the round trip, it leaves under nn/target/torch-export/ one
 * directory per cell type with x.npy and vecrnn's output.npy, which
 * {@code /usr/bin/python3 scripts/check_torch_export.py nn/target/torch-export/*} loads into
 * {@code torch.nn.LSTM/GRU/RNN} with {@code load_state_dict(strict=True)} and compares.
 */
class PyTorchFormatTest {

    @Test
    void writeThenReadGivesTheSameNetworkAndLeavesFilesForTorch() throws Exception {
        for (CellType type : CellType.values()) {
            RecurrentConfig cfg = new RecurrentConfig(type, 4, 6, 2, true, false, true, 0f, type == CellType.LSTM ? 3 : 0);
            Recurrent net = new Recurrent(cfg, 17);
            Path dir = Path.of("target", "torch-export", type.name().toLowerCase());
            PyTorchFormat.write(net, dir);
            Recurrent back = PyTorchFormat.read(dir);
            assertEquals(cfg, back.config());
            Map<String, Tensor> a = net.stateDict(), b = back.stateDict();
            assertEquals(a.keySet(), b.keySet());
            for (String k : a.keySet()) assertArrayEquals(a.get(k).data(), b.get(k).data(), 0f, k);
            Random r = new Random(2);
            Tensor x = Tensor.zeros(5, 3, 4);
            for (int i = 0; i < x.size(); i++) x.data()[i] = (float) r.nextGaussian();
            Npy.write(dir.resolve("x.npy"), x);
            Npy.write(dir.resolve("output.npy"), net.forward(x, null, null, null).output());
            assertTrue(Files.readString(dir.resolve(PyTorchFormat.CONFIG)).contains("\"type\""));
        }
    }

    @Test
    void readRejectsMissingOrMisshapenTensors() throws Exception {
        Path dir = Files.createTempDirectory("pt");
        Recurrent net = new Recurrent(RecurrentConfig.of(CellType.GRU, 3, 4), 1);
        PyTorchFormat.write(net, dir);
        Files.writeString(dir.resolve(PyTorchFormat.CONFIG),
                "{\"type\": \"GRU\", \"input_size\": 3, \"hidden_size\": 5, \"num_layers\": 1}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PyTorchFormat.read(dir));
        assertTrue(e.getMessage().contains("weight_ih_l0") && e.getMessage().contains("[15, 3]"), e.getMessage());
        Files.writeString(dir.resolve(PyTorchFormat.CONFIG), "{\"type\": \"LSTMX\", \"input_size\": 3, \"hidden_size\": 4}");
        e = assertThrows(IllegalArgumentException.class, () -> PyTorchFormat.read(dir));
        assertTrue(e.getMessage().contains("LSTMX"), e.getMessage());
    }

    /**
     * A config.json that disagrees with the weights (one layer too many, one too few) was refused naming the config
     * as a Java record ("for RecurrentConfig[type=LSTM, inputSize=3, ...]"); it is named as PyTorch prints the module.
     */
    @Test
    void aConfigThatDisagreesWithTheWeightsIsNamedAsPyTorchPrintsIt(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        PyTorchFormat.write(new Recurrent(new RecurrentConfig(CellType.LSTM, 3, 5, 2, false, true, true, 0f, 2), 1), dir);
        Files.writeString(dir.resolve(PyTorchFormat.CONFIG), "{\"type\": \"LSTM\", \"input_size\": 3, \"hidden_size\": 5, \"num_layers\": 1,"
                + " \"bias\": false, \"batch_first\": true, \"bidirectional\": true, \"proj_size\": 2}");
        ModelFileException e = assertThrows(ModelFileException.class, () -> PyTorchFormat.read(dir));
        assertTrue(e.getMessage().contains("unexpected tensors ['weight_hh_l1', ")
                && e.getMessage().contains(" for LSTM(3, 5, proj_size=2, bias=False, batch_first=True, bidirectional=True) (config.json)")
                && !e.getMessage().contains("RecurrentConfig"), e.getMessage());
        Files.writeString(dir.resolve(PyTorchFormat.CONFIG), "{\"type\": \"RNN\", \"nonlinearity\": \"relu\", \"input_size\": 3, \"hidden_size\": 50,"
                + " \"num_layers\": 3, \"dropout\": 0.25}");
        e = assertThrows(ModelFileException.class, () -> PyTorchFormat.read(dir));
        assertTrue(e.getMessage().contains("config.json (RNN(3, 50, num_layers=3, dropout=0.25, nonlinearity='relu')) needs at least"), e.getMessage());
    }

    /**
     * Sizes that make no module were refused in the Java parameters' names ("inputSize: expected >= 1, got 0",
     * "projSize: expected < hiddenSize (5)"), which config.json does not use; they are named by its keys.
     */
    @Test
    void impossibleSizesAreNamedByTheConfigsKeys(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path f = dir.resolve(PyTorchFormat.CONFIG);
        Map<String, String> cases = Map.of(
                "{\"type\": \"LSTM\", \"input_size\": 0, \"hidden_size\": 5}", "input_size: expected >= 1, got 0",
                "{\"type\": \"LSTM\", \"input_size\": 3, \"hidden_size\": 5, \"proj_size\": 5}", "proj_size: expected < hidden_size (5), got 5",
                "{\"type\": \"GRU\", \"input_size\": 3, \"hidden_size\": 5, \"num_layers\": 0}", "num_layers: expected >= 1, got 0",
                "{\"type\": \"GRU\", \"input_size\": 3, \"hidden_size\": 5, \"proj_size\": 2}", "proj_size 2 for GRU");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Files.writeString(f, c.getKey());
            ModelFileException e = assertThrows(ModelFileException.class, () -> PyTorchFormat.readConfig(f), c.getKey());
            assertTrue(e.getMessage().contains(c.getValue()) && !e.getMessage().matches(".*(inputSize|hiddenSize|numLayers|projSize).*"), e.getMessage());
        }
    }

    /**
     * torch.nn.LSTM/GRU/RNN take a dropout in [0, 1] (torch 1.13: dropout=1 and 1.0 construct; -0.1, 1.0000001,
     * True and '0.5' raise "dropout should be a number in range [0, 1]"). A config.json of dropout 1 was refused
     * ("expected in [0, 1)"), though dropout does nothing at inference; and the value was judged after rounding to
     * float, so -1e-50 (-0.0f) was taken. In training, dropout 1 zeroes the input of every layer past the first,
     * as torch's does (a 2-layer GRU's training output is then the same for any input).
     */
    @Test
    void readsADropoutOfOneAndRefusesWhatPyTorchRefuses(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path f = dir.resolve(PyTorchFormat.CONFIG);
        String sizes = "\"input_size\": 3, \"hidden_size\": 4, \"num_layers\": 2";
        for (String p : new String[] {"1", "1.0", "0", "0.5"}) {
            Files.writeString(f, "{\"type\": \"GRU\", \"dropout\": " + p + ", " + sizes + "}");
            assertEquals(Float.parseFloat(p), PyTorchFormat.readConfig(f).dropout(), p);
        }
        for (String p : new String[] {"-0.1", "1.0000001", "1.00000001", "-1e-50", "2", "true", "\"0.5\""}) {
            Files.writeString(f, "{\"type\": \"GRU\", \"dropout\": " + p + ", " + sizes + "}");
            ModelFileException x = assertThrows(ModelFileException.class, () -> PyTorchFormat.readConfig(f), p);
            assertTrue(x.getMessage().startsWith(f + ": 'dropout' expected a") && !x.getMessage().contains("\n"), x.getMessage());
        }
        Recurrent net = new Recurrent(new RecurrentConfig(CellType.GRU, 3, 4, 2, true, false, false, 1f, 0), 7);
        Random r = new Random(1);
        float[] a = new float[5 * 2 * 3], b = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) r.nextGaussian();
            b[i] = (float) r.nextGaussian();
        }
        float[] oa = net.forwardTrain(Tensor.of(a, 5, 2, 3), null, null, null, new Random(2)).output().data();
        float[] ob = net.forwardTrain(Tensor.of(b, 5, 2, 3), null, null, null, new Random(3)).output().data();
        assertArrayEquals(oa, ob);
        for (float v : oa) assertTrue(Float.isFinite(v));
    }

    /** A NaN weight in a PyTorch state_dict (a diverged run) is refused at read, naming the file, tensor and element. */
    @Test
    void readRefusesANonFiniteWeight(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        PyTorchFormat.write(new Recurrent(RecurrentConfig.of(CellType.LSTM, 3, 4), 1), dir);
        Path weights = dir.resolve(PyTorchFormat.WEIGHTS);
        dev.vecrnn.nn.io.SafeTensors.Contents c = dev.vecrnn.nn.io.SafeTensors.read(weights);
        java.util.Map<String, Object> tensors = new java.util.LinkedHashMap<>(c.tensors());
        float[] w = c.get("weight_hh_l0").toFloats();
        w[4 * 2 + 1] = Float.NaN;
        tensors.put("weight_hh_l0", dev.vecrnn.nn.io.TensorData.floats(w, 16, 4));
        dev.vecrnn.nn.io.SafeTensors.write(weights, tensors, c.metadata());
        dev.vecrnn.nn.io.ModelFileException e = assertThrows(dev.vecrnn.nn.io.ModelFileException.class, () -> PyTorchFormat.read(dir));
        assertTrue(e.getMessage().startsWith(weights + ": ") && e.getMessage().contains("'weight_hh_l0'")
                && e.getMessage().contains("NaN at element 9 [2, 1]"), e.getMessage());
    }

    /**
     * The safetensors "format" tag: PyTorch's "pt" (transformers' save_pretrained) and none
     * (safetensors.torch.save_file without metadata) are read, and so is a tag that says nothing of the
     * layout; "tf" and "flax", transformers' TensorFlow and Flax files, hold kernels [in, out], transposed
     * from PyTorch's, and were read as PyTorch's wherever names and shapes matched (weight_ih_l0 of an LSTM
     * with input_size 4 * hidden_size is square): refused naming the file and the tag.
     */
    @Test
    void weightsTaggedWithAnotherFrameworksLayoutAreRefused(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Recurrent net = new Recurrent(RecurrentConfig.of(CellType.LSTM, 8, 2), 5);
        PyTorchFormat.write(net, dir);
        Path weights = dir.resolve(PyTorchFormat.WEIGHTS);
        dev.vecrnn.nn.io.SafeTensors.Contents c = dev.vecrnn.nn.io.SafeTensors.read(weights);
        assertEquals(Map.of("format", "pt"), c.metadata());
        for (Map<String, String> meta : List.of(Map.<String, String>of(), Map.of("format", "pt"), Map.of("format", "np"), Map.of("format", "mlx"))) {
            dev.vecrnn.nn.io.SafeTensors.write(weights, new java.util.LinkedHashMap<>(c.tensors()), meta);
            assertArrayEquals(net.stateDict().get("weight_ih_l0").data(), PyTorchFormat.read(dir).stateDict().get("weight_ih_l0").data(), 0f,
                    meta.toString());
        }
        for (String tag : new String[] {"tf", "flax"}) {
            dev.vecrnn.nn.io.SafeTensors.write(weights, new java.util.LinkedHashMap<>(c.tensors()), Map.of("format", tag));
            ModelFileException e = assertThrows(ModelFileException.class, () -> PyTorchFormat.read(dir));
            assertTrue(e.getMessage().startsWith(weights + ": __metadata__ 'format' is '" + tag + "': arrays in ")
                    && e.getMessage().contains("expected a PyTorch state_dict ('pt' or no format)"), e.getMessage());
        }
    }

    /**
     * nn.RNN's nonlinearity: {"type": "RNN", "nonlinearity": "relu"} is what a PyTorch user writes for
     * nn.RNN(nonlinearity="relu"). It used to be read as tanh, silently (found by running ./vecrnn infer on
     * random PyTorch modules: errors near 1 against torch for every relu RNN). An unknown key is refused,
     * as PyTorch's constructors refuse an unknown keyword: a misspelled "batch_first" would otherwise
     * read the input in the wrong layout.
     */
    @Test
    void readsTheNonlinearityAndRefusesKeysItDoesNotKnow(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path f = dir.resolve("config.json");
        String sizes = "\"input_size\": 3, \"hidden_size\": 4";
        Map<String, CellType> read = Map.of(
                "{\"type\": \"RNN\", \"nonlinearity\": \"relu\", " + sizes + "}", CellType.RNN_RELU,
                "{\"type\": \"RNN\", \"nonlinearity\": \"tanh\", " + sizes + "}", CellType.RNN_TANH,
                "{\"type\": \"rnn\", " + sizes + "}", CellType.RNN_TANH,
                "{\"type\": \"RNN_RELU\", \"nonlinearity\": \"relu\", " + sizes + "}", CellType.RNN_RELU,
                "{\"type\": \"RNN_RELU\", " + sizes + "}", CellType.RNN_RELU);
        for (var e : read.entrySet()) {
            Files.writeString(f, e.getKey());
            assertEquals(e.getValue(), PyTorchFormat.readConfig(f).type(), e.getKey());
        }
        Map<String, String> refused = Map.of(
                "{\"type\": \"RNN_TANH\", \"nonlinearity\": \"relu\", " + sizes + "}", "disagree",
                "{\"type\": \"LSTM\", \"nonlinearity\": \"tanh\", " + sizes + "}", "nn.RNN's option",
                "{\"type\": \"RNN\", \"nonlinearity\": \"gelu\", " + sizes + "}", "\"tanh\" or \"relu\"",
                "{\"type\": \"RNN\", \"nonlinearity\": 1, " + sizes + "}", "\"tanh\" or \"relu\"",
                "{\"type\": \"GRU\", \"batchfirst\": true, " + sizes + "}", "unknown key 'batchfirst'",
                // an explicit null was read as the key's absence (bias null as true; PyTorch takes bias=None as False)
                "{\"type\": \"GRU\", \"bias\": null, " + sizes + "}", "'bias' expected true or false, got null",
                "{\"type\": \"LSTM\", \"proj_size\": null, " + sizes + "}", "'proj_size' expected a non-negative integer, got null",
                "{\"type\": \"GRU\", \"dropout\": null, " + sizes + "}", "'dropout' expected a number, got null",
                "{\"type\": \"RNN\", \"nonlinearity\": null, " + sizes + "}", "'nonlinearity' expected \"tanh\" or \"relu\", got null");
        Map<String, String> noKey = Map.of(  // a config without the module's class or a size said "got null", as if the key held null
                "{" + sizes + "}", "'type' expected LSTM, GRU, RNN, RNN_TANH or RNN_RELU, got no such key",
                "{\"type\": null, " + sizes + "}", "'type' expected LSTM, GRU, RNN, RNN_TANH or RNN_RELU, got null",
                "{\"type\": \"LSTM\", \"hidden_size\": 4}", "'input_size' expected a non-negative integer, got no such key",
                "{\"type\": \"GRU\", \"input_size\": 3}", "'hidden_size' expected a non-negative integer, got no such key",
                "{\"type\": \"GRU\", \"input_size\": 3, \"hidden_size\": null}", "'hidden_size' expected a non-negative integer, got null");
        for (var e : java.util.stream.Stream.of(refused, noKey).flatMap(r -> r.entrySet().stream()).toList()) {
            Files.writeString(f, e.getKey());
            ModelFileException x = assertThrows(ModelFileException.class, () -> PyTorchFormat.readConfig(f), e.getKey());
            assertTrue(x.getMessage().startsWith(f + ": ") && x.getMessage().contains(e.getValue()), x.getMessage());
        }
        // and what write leaves says it in both words
        PyTorchFormat.write(new Recurrent(RecurrentConfig.of(CellType.RNN_RELU, 3, 4), 1), dir.resolve("m"));
        String written = Files.readString(dir.resolve("m").resolve(PyTorchFormat.CONFIG));
        assertTrue(written.contains("\"RNN_RELU\"") && written.contains("\"nonlinearity\": \"relu\""), written);
        assertEquals(CellType.RNN_RELU, PyTorchFormat.readConfig(dir.resolve("m").resolve(PyTorchFormat.CONFIG)).type());
    }

    /**
     * A whole model's state_dict (torch.save of model.state_dict(), where the LSTM is model.lstm) names the
     * tensors "lstm.weight_ih_l0" beside the head's "fc.weight": read under the one prefix; two recurrent
     * modules are refused, naming both.
     */
    @Test
    void readsTheRecurrentModuleOutOfAWholeModelsStateDict(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Recurrent net = new Recurrent(new RecurrentConfig(CellType.LSTM, 3, 4, 2, true, false, true, 0f, 0), 5);
        PyTorchFormat.write(net, dir);
        Map<String, Tensor> whole = new java.util.LinkedHashMap<>();
        whole.put("embedding.weight", Tensor.zeros(10, 3));
        for (var e : net.stateDict().entrySet()) whole.put("encoder.lstm." + e.getKey(), e.getValue());
        whole.put("fc.weight", Tensor.zeros(2, 8));
        dev.vecrnn.nn.io.SafeTensors.write(dir.resolve(PyTorchFormat.WEIGHTS), whole, Map.of());
        Recurrent back = PyTorchFormat.read(dir);
        for (var e : net.stateDict().entrySet()) assertArrayEquals(e.getValue().data(), back.stateDict().get(e.getKey()).data(), 0f, e.getKey());

        for (var e : net.stateDict().entrySet()) whole.put("decoder." + e.getKey(), e.getValue());
        dev.vecrnn.nn.io.SafeTensors.write(dir.resolve(PyTorchFormat.WEIGHTS), whole, Map.of());
        ModelFileException x = assertThrows(ModelFileException.class, () -> PyTorchFormat.read(dir));
        assertTrue(x.getMessage().contains("2 recurrent modules") && x.getMessage().contains("encoder.lstm.")
                && x.getMessage().contains("decoder."), x.getMessage());
    }

    /**
     * A quantized network written in PyTorch's layout (I8 or BF16 weights, their scales, the precision in
     * the metadata) reads back as the same network: the same outputs bit for bit, the same precision.
     */
    @Test
    void aQuantizedNetworkWritesAndReadsBack(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        for (dev.vecrnn.kernels.Precision p : new dev.vecrnn.kernels.Precision[] {dev.vecrnn.kernels.Precision.INT8, dev.vecrnn.kernels.Precision.BF16}) {
            for (CellType type : CellType.values()) {
                RecurrentConfig cfg = new RecurrentConfig(type, 5, 7, 2, true, true, true, 0f, type == CellType.LSTM ? 3 : 0);
                Recurrent q = new Recurrent(cfg, 3).quantized(p);
                Path d = dir.resolve(p + "-" + type);
                PyTorchFormat.write(q, d);
                Recurrent back = PyTorchFormat.read(d);
                assertEquals(p, back.precision());
                assertEquals(cfg, back.config());
                Tensor x = Tensor.zeros(2, 6, 5);
                Random r = new Random(4);
                for (int i = 0; i < x.size(); i++) x.data()[i] = (float) r.nextGaussian();
                assertArrayEquals(q.forward(x, null, null, null).output().data(), back.forward(x, null, null, null).output().data(), 0f, p + " " + type);
                assertArrayEquals(q.forward(x, null, null, null).hN().data(), back.forward(x, null, null, null).hN().data(), 0f, p + " " + type);
            }
        }
    }

    @Test
    void configAndWeightsAreWrittenWithTheSameModeAsAnyNewFile(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"));
        Recurrent net = new Recurrent(RecurrentConfig.of(CellType.GRU, 3, 4), 1);
        PyTorchFormat.write(net, dir.resolve("m"));
        Path plain = Files.createFile(dir.resolve("plain"));
        var mode = Files.getPosixFilePermissions(plain);
        assertEquals(mode, Files.getPosixFilePermissions(dir.resolve("m/config.json")), "config.json");
        assertEquals(mode, Files.getPosixFilePermissions(dir.resolve("m/model.safetensors")), "model.safetensors");
        try (var s = Files.list(dir.resolve("m"))) {
            assertEquals(2, s.count(), "no temporary file left");
        }
    }
}
