package dev.vecrnn.nn.recurrent;

import dev.vecrnn.kernels.Precision;
import dev.vecrnn.nn.Diffs;
import dev.vecrnn.nn.Tensor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link Recurrent#quantized}: against an fp32 network holding the weights the quantization stands for,
 * worked out here from the state_dict in double (the nearest multiple of each row's max |w| / 127, or the
 * nearest bf16), against the fp32 network it was made from (the accuracy the README states), streaming
 * against whole sequences bit for bit, and everything that would train or change it refused.
 */
class QuantizedRecurrentTest {

    static Stream<Arguments> configs() {
        List<Arguments> out = new ArrayList<>();
        for (Precision p : new Precision[] {Precision.INT8, Precision.BF16}) {
            for (CellType t : CellType.values()) {
                out.add(Arguments.of(p, new RecurrentConfig(t, 5, 19, 2, true, false, false, 0f, 0)));
                out.add(Arguments.of(p, new RecurrentConfig(t, 33, 40, 1, t != CellType.GRU, true, true, 0f, 0)));
            }
            out.add(Arguments.of(p, new RecurrentConfig(CellType.LSTM, 7, 24, 2, true, false, false, 0f, 9)));
        }
        return out.stream();
    }

    /** The value each weight stands for once quantized, computed in double from PyTorch's tensors. */
    static Map<String, Tensor> roundedWeights(Map<String, Tensor> sd, Precision precision) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        sd.forEach((name, t) -> {
            float[] a = t.data().clone();
            if (name.startsWith("weight_ih") || name.startsWith("weight_hh")) {
                int rows = t.shape()[0], cols = t.shape()[1];
                for (int r = 0; r < rows; r++) {
                    double amax = 0;
                    for (int k = 0; k < cols; k++) amax = Math.max(amax, Math.abs(a[r * cols + k]));
                    float scale = (float) amax / 127f;
                    for (int k = 0; k < cols; k++) {
                        int i = r * cols + k;
                        if (precision == Precision.BF16) a[i] = nearestBf16(a[i]);
                        else a[i] = scale == 0f ? 0f : (float) (Math.rint(a[i] / (double) scale) * scale);
                    }
                }
            }
            out.put(name, Tensor.of(a, t.shape()));
        });
        return out;
    }

    private static float nearestBf16(float v) {
        int bits = Float.floatToRawIntBits(v), lo = bits & 0xFFFF0000, hi = lo + 0x10000;
        double dl = Math.abs((double) Float.intBitsToFloat(lo) - v), dh = Math.abs((double) Float.intBitsToFloat(hi) - v);
        return Float.intBitsToFloat(dl < dh ? lo : dh < dl ? hi : ((lo >>> 16) & 1) == 0 ? lo : hi);
    }

    private static Tensor uniform(Random rnd, int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = 2f * rnd.nextFloat() - 1f;
        return Tensor.of(a, shape);
    }


    @ParameterizedTest
    @MethodSource("configs")
    void aQuantizedNetworkComputesWithTheRoundedWeights(Precision precision, RecurrentConfig cfg) {
        Recurrent net = new Recurrent(cfg, 41);
        Recurrent q = net.quantized(precision);
        assertEquals(precision, q.precision());
        for (RecurrentCell c : q.cells) assertNull(c.w, "a quantized cell keeps no fp32 gate weights");
        Recurrent rounded = new Recurrent(cfg, 1);
        rounded.loadStateDict(roundedWeights(net.stateDict(), precision));

        Random rnd = new Random(5);
        int steps = 12, batch = 3, d = cfg.directions() * cfg.numLayers();
        Tensor x = uniform(rnd, cfg.batchFirst() ? new int[] {batch, steps, cfg.inputSize()} : new int[] {steps, batch, cfg.inputSize()});
        Tensor h0 = uniform(rnd, d, batch, cfg.outputHidden());
        Tensor c0 = cfg.type() == CellType.LSTM ? uniform(rnd, d, batch, cfg.hiddenSize()) : null;
        int[] lengths = {steps, 5, 9};
        Recurrent.Output got = q.forward(x, lengths, h0, c0), want = rounded.forward(x, lengths, h0, c0);
        // Same weights; only the order of the roundings differs (int8 sums q x and scales once).
        double err = Diffs.maxAbs(got.output().data(), want.output().data());
        assertTrue(err < 2e-5, precision + " " + cfg + ": output differs from fp32 on the rounded weights by " + err);
        assertTrue(Diffs.maxAbs(got.hN().data(), want.hN().data()) < 2e-5);
        if (c0 != null) assertTrue(Diffs.maxAbs(got.cN().data(), want.cN().data()) < 1e-4);
    }

    @ParameterizedTest
    @MethodSource("configs")
    void streamingAQuantizedNetworkEqualsItsSequenceForwardBitForBit(Precision precision, RecurrentConfig cfg) {
        if (cfg.bidirectional()) return;
        Recurrent q = new Recurrent(cfg, 43).quantized(precision);
        Random rnd = new Random(8);
        int steps = 9, n = 4, in = cfg.inputSize(), p = cfg.outputHidden();
        float[][] xs = new float[n][steps * in];
        for (float[] row : xs) for (int i = 0; i < row.length; i++) row[i] = 2f * rnd.nextFloat() - 1f;
        StreamState[] states = new StreamState[n], many = new StreamState[n];
        for (int s = 0; s < n; s++) {
            states[s] = q.newState();
            many[s] = q.newState();
        }
        StepWorkspace ws = q.newStepWorkspace(n);
        float[] out = new float[p], outs = new float[n * p], xsStep = new float[n * in];
        for (int t = 0; t < steps; t++) {
            for (int s = 0; s < n; s++) System.arraycopy(xs[s], t * in, xsStep, s * in, in);
            q.stepMany(n, xsStep, many, outs, ws);
            for (int s = 0; s < n; s++) {
                q.step(xs[s], t * in, states[s], out, 0);
                assertArrayEquals(out, Arrays.copyOfRange(outs, s * p, s * p + p), "stepMany against step, stream " + s + " step " + t);
            }
        }
        for (int s = 0; s < n; s++) {
            Tensor x = Tensor.of(xs[s].clone(), steps, 1, in);
            float[] seq = q.forward(x, null, null, null).output().data();
            float[] last = Arrays.copyOfRange(seq, (steps - 1) * p, steps * p);
            float[] streamed = new float[p];
            // the stream's last output is the state's top layer h
            float[] st = new float[states[s].size()];
            states[s].copyTo(st, 0);
            System.arraycopy(st, (cfg.numLayers() - 1) * p, streamed, 0, p);
            assertArrayEquals(last, streamed, precision + " " + cfg + ": stream " + s + " against its sequence forward");
        }
    }

    /**
     * The accuracy the README states: T = 100, PyTorch's default initialisation, inputs in [-1, 1]: int8
     * within 2e-2 and bf16 within 1e-2 of fp32 at every step, on outputs and the final c.
     */
    @ParameterizedTest
    @MethodSource("accuracyCases")
    void quantizedOutputsStayCloseToFp32OverAHundredSteps(Precision precision, CellType type, int size) {
        RecurrentConfig cfg = new RecurrentConfig(type, size, size, 1, true, false, false, 0f, 0);
        Recurrent net = new Recurrent(cfg, 77);
        Recurrent q = net.quantized(precision);
        Tensor x = uniform(new Random(9), 100, 2, size);
        Recurrent.Output want = net.forward(x, null, null, null), got = q.forward(x, null, null, null);
        double err = Diffs.maxAbs(got.output().data(), want.output().data());
        double limit = precision == Precision.INT8 ? 2e-2 : 1e-2;
        System.out.printf("ACCURACY %s %s %d: max |quantized - fp32| over T = 100: %.3g%n", precision, type, size, err);
        if (!(err <= limit)) fail(precision + " " + type + " " + size + ": " + err + " > " + limit);
    }

    static Stream<Arguments> accuracyCases() {
        List<Arguments> out = new ArrayList<>();
        for (Precision p : new Precision[] {Precision.INT8, Precision.BF16}) {
            for (CellType t : new CellType[] {CellType.LSTM, CellType.GRU, CellType.RNN_TANH}) {
                for (int size : new int[] {64, 256, 1024}) out.add(Arguments.of(p, t, size));
            }
        }
        return out.stream();
    }

    @Test
    void trainingAndChangingAQuantizedNetworkAreRefused() {
        RecurrentConfig cfg = new RecurrentConfig(CellType.LSTM, 4, 6, 1, true, false, false, 0f, 0);
        Recurrent net = new Recurrent(cfg, 3);
        Map<String, Tensor> before = net.stateDict();
        Recurrent q = net.quantized(Precision.INT8);
        Map<String, Tensor> after = net.stateDict();
        before.forEach((k, v) -> assertArrayEquals(v.data(), after.get(k).data(), k + " of the source changed"));
        assertTrue(q.params().isEmpty());
        Tensor x = Tensor.zeros(3, 1, 4);
        assertThrows(IllegalStateException.class, () -> q.forwardTrain(x, null, null, null, new Random(1)));
        assertThrows(IllegalStateException.class, () -> q.stateDict());
        assertThrows(IllegalStateException.class, () -> q.loadStateDict(before));
        assertThrows(IllegalStateException.class, () -> q.initDefault(1));
        assertThrows(IllegalStateException.class, () -> q.quantized(Precision.BF16));
        assertThrows(IllegalArgumentException.class, () -> net.quantized(Precision.FP32));
        assertThrows(IllegalArgumentException.class, () -> net.quantized(null));
        Recurrent.Trace trace = net.forwardTrain(x, null, null, null, new Random(1));
        assertThrows(IllegalStateException.class, () -> q.backward(trace, Tensor.zeros(3, 1, 6), null, null));
    }

    /** A diverged network (a NaN weight or bias) is refused by name and position, in PyTorch's layout. */
    @Test
    void aNonFiniteParameterIsRefusedByName() {
        RecurrentConfig cfg = new RecurrentConfig(CellType.GRU, 4, 6, 1, true, false, false, 0f, 0);
        for (String[] bad : new String[][] {{"weight_hh_l0", "[5, 2]"}, {"bias_ih_l0", "[7]"}}) {
            Recurrent net = new Recurrent(cfg, 3);
            Map<String, Tensor> sd = net.stateDict();
            Tensor t = sd.get(bad[0]);
            t.data()[bad[0].startsWith("weight") ? 5 * 6 + 2 : 7] = Float.NaN;
            net.loadStateDict(sd);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> net.quantized(Precision.INT8));
            assertTrue(e.getMessage().startsWith(bad[0] + bad[1] + ":") && e.getMessage().contains("NaN"), e.getMessage());
        }
    }
}
