package dev.vecrnn.gradcheck;

import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.kernels.PackedGates;
import dev.vecrnn.kernels.PackedGates.Cell;
import dev.vecrnn.kernels.TransposedGates;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The argument checks of the kernels the backward passes call, through the {@code Kernels} facade: the
 * gradient suites only ever pass well-formed arguments, so here each array argument of each call is in turn
 * made one element too short, and the call must refuse it with an IllegalArgumentException naming it and
 * both lengths, before writing to any array; the same call with every array of the right length (and the
 * optional ones null) must run. Negative sizes and a gradient packing of another shape are refused too.
 * (kernels' own ArgumentCheckTest samples every public method; PIT runs only this module's tests.)
 */
class BackwardKernelArgumentsTest {
    // sizes chosen so that the lengths in the messages are unique: H = 37 for the cells, gemm's m, n, k = 3, 4, 5,
    // the packing I = 7, Hr = 5, H = 3 (12 gate rows) at batch 2
    private static final int H = 37, M = 3, N = 4, K = 5, I = 7, HR = 5, HG = 3, B = 2;
    private static final PackedGates LSTM = PackedGates.zeros(Cell.LSTM, I, HR, HG);
    private static final TransposedGates LSTM_T = TransposedGates.of(LSTM);

    /** A call with its array arguments by name and the length each needs; {@code optional} ones may be null. */
    private record Call(String method, String[] names, int[] lengths, boolean[] optional, BiConsumer<Kernels, float[][]> run) {
        float[][] arrays() {
            float[][] a = new float[lengths.length][];
            for (int i = 0; i < a.length; i++) {
                a[i] = new float[lengths[i]];
                Arrays.fill(a[i], 0.25f * (i + 1)); // finite, and tanh/sigmoid outputs in range
            }
            return a;
        }
    }

    /** Arguments "name=length" or, optional, "name?=length". */
    private static Call call(String method, BiConsumer<Kernels, float[][]> run, String... args) {
        String[] names = new String[args.length];
        int[] lengths = new int[args.length];
        boolean[] optional = new boolean[args.length];
        for (int i = 0; i < args.length; i++) {
            String[] kv = args[i].split("=");
            optional[i] = kv[0].endsWith("?");
            names[i] = optional[i] ? kv[0].substring(0, kv[0].length() - 1) : kv[0];
            lengths[i] = Integer.parseInt(kv[1]);
        }
        return new Call(method, names, lengths, optional, run);
    }

    private static List<Call> calls() {
        int g = 4 * H, o = LSTM.outputSize();
        List<Call> l = new ArrayList<>();
        l.add(call("dot", (k, a) -> k.dot(H, a[0], 0, a[1], 0), "x=37", "y=37"));
        l.add(call("axpy", (k, a) -> k.axpy(H, 0.5f, a[0], 0, a[1], 0), "x=37", "y=37"));
        l.add(call("scale", (k, a) -> k.scale(H, 0.5f, a[0], 0), "x=37"));
        l.add(call("gemmNN", (k, a) -> k.gemmNN(M, N, K, a[0], 0, K, a[1], 0, N, a[2], 0, N, true), "a=15", "b=20", "c=12"));
        l.add(call("gemmTN", (k, a) -> k.gemmTN(M, N, K, a[0], 0, M, a[1], 0, N, a[2], 0, N, true), "a=15", "b=20", "c=12"));
        l.add(call("tanhBackward", (k, a) -> k.tanhBackward(H, a[0], 0, a[1], 0, a[2], 0), "y=37", "dy=37", "dx=37"));
        l.add(call("sigmoidBackward", (k, a) -> k.sigmoidBackward(H, a[0], 0, a[1], 0, a[2], 0), "y=37", "dy=37", "dx=37"));
        l.add(call("reluBackward", (k, a) -> k.reluBackward(H, a[0], 0, a[1], 0, a[2], 0), "y=37", "dy=37", "dx=37"));
        l.add(call("softmaxBackward", (k, a) -> k.softmaxBackward(H, a[0], 0, a[1], 0, a[2], 0), "y=37", "dy=37", "dx=37"));
        l.add(call("logSoftmaxBackward", (k, a) -> k.logSoftmaxBackward(H, a[0], 0, a[1], 0, a[2], 0), "y=37", "dy=37", "dx=37"));
        l.add(call("rnnBackward", (k, a) -> k.rnnBackward(H, false, a[0], 0, a[1], 0, a[2], 0), "h=37", "dh=37", "dPre=37"));
        l.add(call("lstmBackward", (k, a) -> k.lstmBackward(H, a[0], 0, a[1], 0, a[2], 0, a[3], 0, a[4], 0, a[5], 0),
                "acts=" + g, "cPrev?=37", "c=37", "dh=37", "dc=37", "dGates=" + g));
        l.add(call("gruBackward", (k, a) -> k.gruBackward(H, a[0], 0, a[1], 0, a[2], 0, a[3], 0, a[4], 0),
                "acts=" + g, "hPrev?=37", "dh=37", "dGates=" + g, "dhPrev=37"));
        l.add(call("gatesBackwardData", (k, a) -> k.gatesBackwardData(LSTM, B, a[0], 0, o, a[1], 0, I, a[2], 0, HR),
                "dG=24", "dx?=14", "dh?=10"));
        l.add(call("gatesBackwardData", (k, a) -> k.gatesBackwardData(LSTM_T, B, a[0], 0, o, a[1], 0, I, a[2], 0, HR),
                "dG=24", "dx?=14", "dh?=10"));
        l.add(call("gatesBackwardWeights", (k, a) -> k.gatesBackwardWeights(LSTM, B, a[0], 0, o, a[1], 0, I, a[2], 0, HR, LSTM.zerosLike()),
                "dG=24", "x?=14", "h?=10"));
        return l;
    }

    private static List<Kernels> kernels() {
        List<Kernels> ks = new ArrayList<>();
        ks.add(Kernels.scalar());
        if (Kernels.panama() != null) ks.add(Kernels.panama());
        return ks;
    }

    @TestFactory
    Stream<DynamicTest> eachArrayOneShortIsRefusedByName() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Kernels k : kernels()) {
            for (Call c : calls()) {
                tests.add(DynamicTest.dynamicTest(k.name() + " " + c.method + " with every array of its length runs", () -> {
                    assertDoesNotThrow(() -> c.run.accept(k, c.arrays()));
                    float[][] a = c.arrays();
                    for (int i = 0; i < a.length; i++) if (c.optional[i]) a[i] = null;
                    assertDoesNotThrow(() -> c.run.accept(k, a), "with the optional arrays null");
                }));
                for (int i = 0; i < c.names.length; i++) {
                    int arg = i;
                    tests.add(DynamicTest.dynamicTest(k.name() + " " + c.method + ": " + c.names[i] + " one short", () -> {
                        float[][] a = c.arrays();
                        a[arg] = Arrays.copyOf(a[arg], c.lengths[arg] - 1);
                        float[][] before = new float[a.length][];
                        for (int j = 0; j < a.length; j++) before[j] = a[j].clone();
                        expectNamed(c.names[arg], () -> c.run.accept(k, a), "" + c.lengths[arg], "got " + (c.lengths[arg] - 1));
                        for (int j = 0; j < a.length; j++) assertArrayEquals(before[j], a[j], c.method + " wrote " + c.names[j] + " before refusing");
                    }));
                }
            }
        }
        return tests.stream();
    }

    // the facade returns what the kernel computed: 37 products of 0.25 and 0.5, exact in float
    @Test
    void dotReturnsTheSum() {
        for (Kernels k : kernels()) {
            float[][] a = calls().get(0).arrays();
            org.junit.jupiter.api.Assertions.assertEquals(37 * 0.125f, k.dot(H, a[0], 0, a[1], 0), k.name());
        }
    }

    @Test
    void negativeSizesAreRefused() {
        float[] f = new float[64];
        for (Kernels k : kernels()) {
            expectNamed("n", () -> k.dot(-3, f, 0, f, 0), "-3");
            expectNamed("n", () -> k.axpy(-3, 1f, f, 0, f, 0), "-3");
            expectNamed("n", () -> k.scale(-3, 2f, f, 0), "-3");
            expectNamed("m", () -> k.gemmNN(-1, N, K, f, 0, K, f, 0, N, f, 0, N, false), "-1");
            expectNamed("n", () -> k.gemmNN(M, -2, K, f, 0, K, f, 0, N, f, 0, N, false), "-2");
            expectNamed("k", () -> k.gemmNN(M, N, -4, f, 0, K, f, 0, N, f, 0, N, false), "-4");
            expectNamed("m", () -> k.gemmTN(-1, N, K, f, 0, M, f, 0, N, f, 0, N, false), "-1");
            expectNamed("k", () -> k.gemmTN(M, N, -4, f, 0, M, f, 0, N, f, 0, N, false), "-4");
            expectNamed("n", () -> k.tanhBackward(-5, f, 0, f, 0, f, 0), "-5");
            expectNamed("n", () -> k.lstmBackward(-5, f, 0, null, 0, f, 0, f, 0, f, 0, f, 0), "-5");
            expectNamed("n", () -> k.gruBackward(-5, f, 0, null, 0, f, 0, f, 0, f, 0), "-5");
            expectNamed("n", () -> k.rnnBackward(-5, true, f, 0, f, 0, f, 0), "-5");
            expectNamed("batch", () -> k.gatesBackwardData(LSTM, -2, f, 0, 12, f, 0, I, f, 0, HR), "-2");
            expectNamed("batch", () -> k.gatesBackwardData(LSTM_T, -2, f, 0, 12, f, 0, I, f, 0, HR), "-2");
            expectNamed("batch", () -> k.gatesBackwardWeights(LSTM, -2, f, 0, 12, f, 0, I, f, 0, HR, LSTM.zerosLike()), "-2");
        }
    }

    @Test
    void gatesBackwardWeightsRefusesAGradientOfAnotherShapeAndNulls() {
        float[] dG = new float[24], x = new float[14], h = new float[10];
        for (Kernels k : kernels()) {
            for (PackedGates other : List.of(PackedGates.zeros(Cell.GRU, I, HR, HG), PackedGates.zeros(Cell.LSTM, I + 1, HR, HG),
                    PackedGates.zeros(Cell.LSTM, I, HR + 1, HG), PackedGates.zeros(Cell.LSTM, I, HR, HG + 1))) {
                float[] w = other.weights().clone();
                expectNamed("grad", () -> k.gatesBackwardWeights(LSTM, B, dG, 0, 12, x, 0, I, h, 0, HR, other), "LSTM(I=7, Hr=5, H=3)");
                assertArrayEquals(w, other.weights());
            }
            expectNamed("grad", () -> k.gatesBackwardWeights(LSTM, B, dG, 0, 12, x, 0, I, h, 0, HR, null), "null");
            expectNamed("p", () -> k.gatesBackwardWeights(null, B, dG, 0, 12, x, 0, I, h, 0, HR, LSTM.zerosLike()), "null");
            expectNamed("p", () -> k.gatesBackwardData((PackedGates) null, B, dG, 0, 12, x, 0, I, h, 0, HR), "null");
            expectNamed("transposed", () -> k.gatesBackwardData((TransposedGates) null, B, dG, 0, 12, x, 0, I, h, 0, HR), "null");
        }
    }

    private static void expectNamed(String name, Executable call, String... contains) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        String msg = e.getMessage();
        assertTrue(msg.startsWith(name + ":"), () -> "expected the message to start with '" + name + ":', got: " + msg);
        for (String s : contains) assertTrue(msg.contains(s), () -> "expected the message to contain '" + s + "', got: " + msg);
    }
}
