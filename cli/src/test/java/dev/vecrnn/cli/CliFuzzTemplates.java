package dev.vecrnn.cli;

import dev.vecrnn.kernels.Precision;
import dev.vecrnn.nn.format.ModelFile;
import dev.vecrnn.nn.format.PyTorchFormat;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The model files {@link CliFuzzGen}'s cases copy into their directories, made once per run (in
 * ContractFuzzTest's {@code @BeforeContainer}) by {@link #make}: small vecrnn models for predict, evaluate
 * and quantize, PyTorch state_dict directories for infer, and train-text models for sample.
 */
final class CliFuzzTemplates {
    private CliFuzzTemplates() {
    }

    /** vecrnn model files for predict: index (features - 1) + 2 * (sequence output ? 1 : 0). */
    static final byte[][] PREDICT_MODELS = new byte[4][];
    /** PyTorch state_dict directories for infer. */
    static final List<Torch> TORCH = new ArrayList<>();
    /** A train-text model directory for sample, and the vocabulary of another one (a different size). */
    static byte[] textModel;
    static byte[] textVocab;
    /** An int8 copy of PREDICT_MODELS[0], for quantize's "already quantized" fault. */
    static byte[] quantizedModel;
    static byte[] otherVocab;
    static String textAlphabet;

    record Torch(String name, byte[] config, byte[] weights, CellType type, int input, int hidden, int out, int layers, int dirs,
                 boolean batchFirst) {
    }

    static void make(Path dir, Path fixture) throws Exception {
        for (int f = 1; f <= 2; f++) {
            for (int seq = 0; seq < 2; seq++) {
                var b = Model.builder(f).recurrent(seq == 0 ? CellType.GRU : CellType.LSTM, 3, 1, false, 0f, 0);
                if (seq == 0) b.lastStep();
                Model m = b.dense(2).seed(f + 10L * seq).build();
                Path p = dir.resolve("predict-" + f + "-" + seq + ".safetensors");
                ModelFile.save(m, p);
                PREDICT_MODELS[(f - 1) + 2 * seq] = Files.readAllBytes(p);
            }
        }
        Path qp = dir.resolve("quantized.safetensors");
        ModelFile.save(ModelFile.load(dir.resolve("predict-1-0.safetensors")).quantized(Precision.INT8), qp);
        quantizedModel = Files.readAllBytes(qp);
        TORCH.add(new Torch("fixture lstm-proj-bidir", Files.readAllBytes(fixture.resolve("m/config.json")),
                Files.readAllBytes(fixture.resolve("m/model.safetensors")), CellType.LSTM, 5, 7, 3, 2, 2, true));
        RecurrentConfig[] cfgs = {
            new RecurrentConfig(CellType.GRU, 2, 3, 1, true, false, false, 0f, 0),
            new RecurrentConfig(CellType.RNN_TANH, 1, 2, 2, true, true, true, 0f, 0),
            new RecurrentConfig(CellType.LSTM, 3, 3, 1, false, false, false, 0f, 0),
            new RecurrentConfig(CellType.RNN_RELU, 2, 2, 1, true, true, false, 0f, 0),
        };
        for (int i = 0; i < cfgs.length; i++) {
            RecurrentConfig c = cfgs[i];
            Path d = dir.resolve("torch" + i);
            PyTorchFormat.write(new Recurrent(c, 5 + i), d);
            TORCH.add(new Torch(c.type() + " " + c.inputSize() + "->" + c.hiddenSize(), Files.readAllBytes(d.resolve(PyTorchFormat.CONFIG)),
                    Files.readAllBytes(d.resolve(PyTorchFormat.WEIGHTS)), c.type(), c.inputSize(), c.hiddenSize(), c.hiddenSize(),
                    c.numLayers(), c.bidirectional() ? 2 : 1, c.batchFirst()));
        }
        textAlphabet = "The cat sat on a mat.\n";
        textModel = trainText(dir.resolve("text-a"), (textAlphabet + "the mat sat on The cat.\n").repeat(4));
        textVocab = Files.readAllBytes(dir.resolve("text-a/vocab.json"));
        trainText(dir.resolve("text-b"), "abcabcabcabcabcabcabcabcabcabcabcabcab");
        otherVocab = Files.readAllBytes(dir.resolve("text-b/vocab.json"));
    }

    private static byte[] trainText(Path out, String text) throws IOException {
        Files.createDirectories(out);
        Path t = out.resolveSibling(out.getFileName() + ".txt");
        Files.writeString(t, text);
        int code = Main.run("train-text", "--text", t.toString(), "--out", out.toString(), "--hidden", "3", "--embed", "2", "--steps", "4",
                "--epochs", "1", "--batch", "4");
        if (code != 0) throw new IllegalStateException("train-text for the sample fixture exited " + code);
        return Files.readAllBytes(out.resolve("model.safetensors"));
    }
}
