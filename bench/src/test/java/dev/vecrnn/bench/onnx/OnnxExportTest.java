package dev.vecrnn.bench.onnx;

import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.recurrent.CellType;
import dev.vecrnn.nn.recurrent.Recurrent;
import dev.vecrnn.nn.recurrent.RecurrentConfig;
import dev.vecrnn.nn.recurrent.StreamState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The benchmarks compare vecrnn with ONNX Runtime on the same weights; this proves they are the same
 * model: ONNX Runtime's own LSTM/GRU/RNN operators, fed the exported weights, agree with vecrnn step by
 * step and over a whole sequence within float32 rounding (1e-5). Input and hidden sizes differ, so a
 * transposed or mis-ordered gate block cannot pass.
 */
class OnnxExportTest {
    private static final int I = 12, H = 20;

    @ParameterizedTest
    @EnumSource(CellType.class)
    void streamingStepsAgree(CellType type) throws Exception {
        Recurrent net = new Recurrent(RecurrentConfig.of(type, I, H), 11);
        Random rnd = new Random(5);
        StreamState state = net.newState();
        int steps = 30;
        float[] x = new float[I], ours = new float[H], theirs = new float[H], all = new float[steps * I];
        try (OrtRecurrent ort = new OrtRecurrent(net, 1)) {
            for (int t = 0; t < steps; t++) {
                for (int i = 0; i < I; i++) x[i] = 2 * rnd.nextFloat() - 1;
                System.arraycopy(x, 0, all, t * I, I);
                net.step(x, state, ours);
                ort.step(x, theirs);
                for (int j = 0; j < H; j++) assertEquals(ours[j], theirs[j], 1e-5, type + " step " + t + " h[" + j + "]");
            }
            if (type == CellType.LSTM) {
                float[] c = new float[H];
                ort.cell(c);
                float[] ourC = net.forward(Tensor.of(all, steps, 1, I), null, null, null).cN().data();
                for (int j = 0; j < H; j++) assertEquals(ourC[j], c[j], 1e-5, "c[" + j + "]");
            }
            // the state is carried by ONNX Runtime itself: a reset one gives a different step
            ort.reset();
            ort.step(x, theirs);
            net.step(x, state, ours);
            double diff = 0;
            for (int j = 0; j < H; j++) diff += Math.abs(ours[j] - theirs[j]);
            assertTrue(diff > 1e-4, type + ": a reset stream should differ from one with history");
        }
    }

    @ParameterizedTest
    @EnumSource(CellType.class)
    void sequencesAgree(CellType type) throws Exception {
        int steps = 25;
        Recurrent net = new Recurrent(RecurrentConfig.of(type, I, H), 12);
        Random rnd = new Random(6);
        float[] xs = new float[steps * I];
        for (int i = 0; i < xs.length; i++) xs[i] = 2 * rnd.nextFloat() - 1;
        float[] ours = net.forward(Tensor.of(xs, steps, 1, I), null, null, null).output().data();
        float[] theirs = new float[steps * H];
        try (OrtRecurrent ort = new OrtRecurrent(net, steps)) {
            ort.sequence(xs, theirs);
            ort.sequence(xs, theirs);   // a second call starts from zeros again
        }
        for (int i = 0; i < ours.length; i++) assertEquals(ours[i], theirs[i], 1e-5, type + " Y[" + i / H + ", " + i % H + "]");
    }

    /**
     * An int8 LSTM as ONNX Runtime's DynamicQuantizeLSTM on the same int8 weights and scales: ONNX Runtime also
     * quantizes x and h to uint8 on every call, so it agrees with vecrnn's int8 step (fp32 activations) only
     * within that rounding. The tolerance is tight enough to tell networks apart: another network's outputs,
     * on the same inputs, are more than ten times as far from ONNX Runtime's.
     */
    @Test
    void anInt8LstmAgreesWithOnnxRuntimesDynamicQuantizeLstm() throws Exception {
        Recurrent fp32 = new Recurrent(RecurrentConfig.of(CellType.LSTM, I, H), 13);
        Recurrent q = fp32.quantized(dev.vecrnn.kernels.Precision.INT8);
        int steps = 40;
        Random rnd = new Random(7);
        float[] xs = new float[steps * I];
        for (int i = 0; i < xs.length; i++) xs[i] = 2 * rnd.nextFloat() - 1;
        float[] ours = q.forward(Tensor.of(xs, steps, 1, I), null, null, null).output().data();
        float[] theirs = new float[steps * H], stepped = new float[H];
        double worst = 0;
        try (OrtRecurrent ort = new OrtRecurrent(q, steps)) {
            ort.sequence(xs, theirs);
        }
        for (int i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i] - theirs[i]));
        assertTrue(worst < 5e-3, "vecrnn int8 against ONNX Runtime's DynamicQuantizeLSTM: " + worst);
        // step by step too (ONNX Runtime then quantizes each step's x alone, not the whole sequence with one scale)
        double worstStep = 0;
        try (OrtRecurrent ort = new OrtRecurrent(q, 1)) {
            for (int t = 0; t < steps; t++) {
                ort.step(java.util.Arrays.copyOfRange(xs, t * I, t * I + I), stepped);
                for (int j = 0; j < H; j++) worstStep = Math.max(worstStep, Math.abs(ours[t * H + j] - stepped[j]));
            }
        }
        assertTrue(worstStep < 5e-3, "vecrnn int8 against ONNX Runtime's DynamicQuantizeLSTM step by step: " + worstStep);
        // the check can fail: another network's outputs are far off
        double wrong = 0;
        float[] shuffled = new Recurrent(RecurrentConfig.of(CellType.LSTM, I, H), 14).forward(Tensor.of(xs, steps, 1, I), null, null, null)
                .output().data();
        for (int i = 0; i < ours.length; i++) wrong = Math.max(wrong, Math.abs(shuffled[i] - theirs[i]));
        assertTrue(wrong > 10 * worst, "another network's outputs " + wrong + " against " + worst);
        System.out.printf("DynamicQuantizeLSTM against vecrnn int8: max |diff| %.3g over a %d-step sequence, %.3g step by step%n",
                worst, steps, worstStep);
    }

    @Test
    void refusesWhatOneOperatorCannotHold() {
        Recurrent twoLayers = new Recurrent(RecurrentConfig.of(CellType.LSTM, I, H).withLayers(2), 1);
        var e = assertThrows(IllegalArgumentException.class, () -> OnnxExport.model(twoLayers, true));
        assertTrue(e.getMessage().contains("one unidirectional layer"), e.getMessage());
    }
}
