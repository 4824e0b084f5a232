package dev.vecrnn.nn.format;

import dev.vecrnn.kernels.Precision;
import dev.vecrnn.nn.Batch;
import dev.vecrnn.nn.io.DType;
import dev.vecrnn.nn.io.ModelFileException;
import dev.vecrnn.nn.io.SafeTensors;
import dev.vecrnn.nn.io.TensorData;
import dev.vecrnn.nn.model.Model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Quantized models in model files: I8 with scales or BF16 tensors, the precision in the metadata, refusals named. */
class QuantizedModelFileTest {
    @TempDir
    Path dir;

    private static Model model() {
        return Model.builder(3).lstm(40).gru(24).dense(5).seed(8).build();
    }

    private static Batch input() {
        Random rnd = new Random(2);
        float[] x = new float[2 * 11 * 3];
        for (int i = 0; i < x.length; i++) x[i] = 2f * rnd.nextFloat() - 1f;
        return Batch.sequences(x, 2, 11, 3);
    }

    @ParameterizedTest
    @EnumSource(value = Precision.class, names = {"INT8", "BF16"})
    void aQuantizedModelRoundTripsBitForBitInFewerBytes(Precision precision) throws Exception {
        Model fp32 = model(), q = fp32.quantized(precision);
        Path full = dir.resolve("fp32.safetensors"), small = dir.resolve("q.safetensors");
        ModelFile.save(fp32, full);
        ModelFile.save(q, small);
        Model back = ModelFile.load(small);
        assertEquals(precision, back.precision());
        assertArrayEquals(q.predict(input()).data(), back.predict(input()).data());
        SafeTensors.Contents c = SafeTensors.read(small);
        assertEquals(precision.name().toLowerCase(), c.metadata().get(ModelFile.PRECISION_KEY));
        assertEquals(precision == Precision.INT8 ? DType.I8 : DType.BF16, c.get("layers.0.weight_ih_l0").dtype());
        assertEquals(DType.F32, c.get("layers.0.bias_ih_l0").dtype());
        assertEquals(DType.F32, c.get("layers.2.weight").dtype());
        long a = Files.size(full), b = Files.size(small);
        assertTrue(b < a * (precision == Precision.INT8 ? 0.4 : 0.6), precision + ": " + b + " bytes against " + a);
        assertEquals(Precision.FP32, ModelFile.load(full).precision());
    }

    /** Rewrites a saved int8 model with one change to its tensors or metadata and loads it. */
    private ModelFileException tampered(Consumer<Map<String, Object>> tensors, Consumer<Map<String, String>> meta) throws Exception {
        Path f = dir.resolve("q8.safetensors"), g = dir.resolve("bad.safetensors");
        ModelFile.save(model().quantized(Precision.INT8), f);
        SafeTensors.Contents c = SafeTensors.read(f);
        Map<String, Object> t = new LinkedHashMap<>(c.tensors());
        Map<String, String> m = new LinkedHashMap<>(c.metadata());
        tensors.accept(t);
        meta.accept(m);
        SafeTensors.write(g, t, m);
        return assertThrows(ModelFileException.class, () -> ModelFile.load(g));
    }

    @Test
    void brokenQuantizedFilesAreRefusedNamingWhatIsWrong() throws Exception {
        String m = tampered(t -> { }, meta -> meta.put(ModelFile.PRECISION_KEY, "int4")).getMessage();
        assertTrue(m.contains("expected int8 or bf16") && m.contains("int4"), m);
        m = tampered(t -> t.remove("layers.1.weight_hh_l0_scale"), meta -> { }).getMessage();
        assertTrue(m.contains("layer 1") && m.contains("weight_hh_l0_scale"), m);
        m = tampered(t -> t.put("layers.0.weight_ih_l0_scale", TensorData.floats(negativeAt(160, 7), 160)), meta -> { }).getMessage();
        assertTrue(m.contains("scaleIh[7]"), m);
        m = tampered(t -> t.put("layers.0.weight_hh_l0", TensorData.floats(new float[160 * 40], 160, 40)), meta -> { }).getMessage();
        assertTrue(m.contains("weight_hh_l0") && m.contains("expected dtype I8"), m);
        m = tampered(t -> t.put("layers.0.weight_ih_l0", TensorData.ofBytes(DType.I8, new byte[160 * 4], 160, 4)), meta -> { }).getMessage();
        assertTrue(m.contains("weight_ih_l0") && m.contains("expected shape"), m);
        m = tampered(t -> t.put("layers.2.extra", TensorData.floats(new float[1], 1)), meta -> { }).getMessage();
        assertTrue(m.contains("layers.2.extra"), m);
    }

    private static float[] negativeAt(int n, int at) {
        float[] s = new float[n];
        java.util.Arrays.fill(s, 0.01f);
        s[at] = -1f;
        return s;
    }
}
