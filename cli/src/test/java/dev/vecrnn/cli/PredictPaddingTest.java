package dev.vecrnn.cli;

import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.io.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What predict writes past each length for a per-step model (README's predict row): the head applied to a zero
 * recurrent output, its bias, as PyTorch's pad_packed_sequence pads the LSTM's output with zeros and an nn.Linear
 * after it maps them (Linear(0) = bias); the valid steps are those of each sequence cut to its length.
 */
class PredictPaddingTest {

    @Test
    void paddedStepsGiveTheHeadsBias(@TempDir Path dir) throws Exception {
        Random r = new Random(5);
        int n = 24, t = 9;
        float[] x = new float[n * t * 2], y = new float[n * t];
        int[] len = new int[n];
        for (int i = 0; i < n * t * 2; i++) x[i] = (float) r.nextGaussian();
        for (int i = 0; i < n * t; i++) y[i] = x[2 * i] * 0.5f;
        for (int i = 0; i < n; i++) len[i] = 2 + r.nextInt(t - 1);
        Npy.write(dir.resolve("x.npy"), Tensor.of(x, n, t, 2));
        Npy.write(dir.resolve("y.npy"), Tensor.of(y, n, t, 1));
        Npy.writeInts(dir.resolve("l.npy"), len, n);
        assertEquals(0, ContractTest.run("fit", "--x", dir.resolve("x.npy").toString(), "--y", dir.resolve("y.npy").toString(), "--lengths",
                dir.resolve("l.npy").toString(), "--per-step", "--task", "regression", "--hidden", "6", "--epochs", "1", "--out",
                dir.resolve("m").toString()).code());
        assertEquals(0, ContractTest.run("predict", "--model", dir.resolve("m").toString(), "--x", dir.resolve("x.npy").toString(), "--lengths",
                dir.resolve("l.npy").toString(), "--out", dir.resolve("p.npy").toString()).code());
        float[] p = Npy.read(dir.resolve("p.npy")).toTensor().data();
        var m = dev.vecrnn.nn.format.ModelFile.load(dir.resolve("m/model.safetensors"));
        float bias = m.stateDict().get("layers.1.bias").data()[0];
        for (int i = 0; i < n; i++) {
            // sequence i alone, cut to its length, without --lengths: the steps predict gives it
            float[] cut = java.util.Arrays.copyOfRange(x, i * t * 2, (i * t + len[i]) * 2);
            float[] alone = m.predict(dev.vecrnn.nn.Batch.sequences(cut, 1, len[i], 2, null)).data();
            for (int s = 0; s < t; s++) {
                float want = s < len[i] ? alone[s] : bias;
                assertEquals(want, p[i * t + s], 1e-6f, "sequence " + i + " (length " + len[i] + "), step " + s);
            }
        }
    }
}
