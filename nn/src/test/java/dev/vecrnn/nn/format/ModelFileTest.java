package dev.vecrnn.nn.format;

import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.layers.Activation;
import dev.vecrnn.nn.model.Model;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.train.Dataset;
import dev.vecrnn.nn.train.Trainer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelFileTest {

    static Batch randomTokens(Random rnd, int b, int t, int vocab) {
        float[] x = new float[b * t];
        for (int i = 0; i < x.length; i++) x[i] = rnd.nextInt(vocab);
        int[] len = new int[b];
        for (int i = 0; i < b; i++) len[i] = 1 + rnd.nextInt(t);
        return Batch.sequences(x, b, t, 1, len);
    }

    @Test
    void roundTripIsBitExactForEveryLayerKind(@TempDir Path dir) throws Exception {
        Model m = Model.builder(1).embedding(30, 8)
                .recurrent(CellType.LSTM, 12, 2, true, 0.1f, 5)
                .recurrent(CellType.GRU, 9, 1, false, 0f, 0)
                .dropout(0.2f).attention().dense(6, Activation.TANH).dense(3).seed(21).build();
        Path f = dir.resolve("model.safetensors");
        ModelFile.save(m, f);
        Model back = ModelFile.load(f);
        Map<String, Tensor> a = m.stateDict(), b = back.stateDict();
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k).shape(), b.get(k).shape(), k);
            for (int i = 0; i < a.get(k).size(); i++) {
                assertEquals(Float.floatToRawIntBits(a.get(k).data()[i]), Float.floatToRawIntBits(b.get(k).data()[i]), k + "[" + i + "]");
            }
        }
        Batch x = randomTokens(new Random(3), 4, 7, 30);
        assertArrayEquals(m.predict(x).data(), back.predict(x).data(), 0f);
        assertEquals(m.spec(), back.spec());
        assertTrue(Files.list(dir).allMatch(p -> p.getFileName().toString().equals("model.safetensors")), "no temporary files left");
    }

    @Test
    void failedSaveLeavesThePreviousFileIntact(@TempDir Path dir) throws Exception {
        Model m = Model.builder(2).lstm(4).lastStep().dense(1).seed(1).build();
        Path f = dir.resolve("m.safetensors");
        ModelFile.save(m, f);
        byte[] before = Files.readAllBytes(f);
        Path blocker = dir.resolve("not-a-dir");
        Files.writeString(blocker, "x");
        assertThrows(java.io.IOException.class, () -> ModelFile.save(m, blocker.resolve("m.safetensors")));
        // a model whose save fails mid-way (a NaN is fine; make the target a directory to fail the rename)
        Path asDir = dir.resolve("dir.safetensors");
        Files.createDirectory(asDir);
        Files.writeString(asDir.resolve("keep"), "k");
        assertThrows(java.io.IOException.class, () -> ModelFile.save(m, asDir));
        assertArrayEquals(before, Files.readAllBytes(f));
        assertTrue(Files.isDirectory(asDir) && Files.exists(asDir.resolve("keep")));
    }

    @Test
    void loadRejectsAFileWithoutArchitecture(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("plain.safetensors");
        dev.vecrnn.nn.io.SafeTensors.write(f, Map.of("w", dev.vecrnn.nn.io.TensorData.of(Tensor.zeros(2))), Map.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelFile.load(f));
        assertTrue(e.getMessage().contains("vecrnn"), e.getMessage());
    }

    @Test
    void sameSeedSameWeightsBitForBit() {
        Random r = new Random(5);
        int n = 64, t = 6;
        float[] x = new float[n * t * 3];
        float[] y = new float[n];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        for (int i = 0; i < n; i++) y[i] = x[i * t * 3] * 0.5f;
        Dataset d = Dataset.regression(x, n, t, 3, null, y, 1, false);
        float[][] runs = new float[2][];
        for (int k = 0; k < 2; k++) {
            Model m = Model.builder(3).gru(8).dropout(0.3f).lastStep().dense(1).seed(77).build();
            new Trainer().epochs(2).batchSize(16).seed(8).validationSplit(0.25).fit(m, d);
            runs[k] = m.params().get(0).data().clone();
        }
        assertArrayEquals(runs[0], runs[1], 0f);
    }
}
