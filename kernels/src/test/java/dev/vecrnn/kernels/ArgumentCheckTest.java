package dev.vecrnn.kernels;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

import dev.vecrnn.kernels.PackedGates.Cell;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every public method rejects a wrong size with an IllegalArgumentException whose message starts with the
 * argument's name and contains the size needed and the size given, before it writes anything. Sizes are
 * chosen so that the numbers are unique in the message (37 elements, arrays of 29, offset 5, ...).
 */
class ArgumentCheckTest {
    private static final float[] A37 = new float[37], A29 = new float[29], A148 = new float[148], A500 = new float[500];

    private record Case(String method, String name, String[] numbers, Consumer<Kernels> call) {
    }

    private static Case c(String method, String name, Consumer<Kernels> call, String... numbers) {
        return new Case(method, name, numbers, call);
    }

    private static float[] f(int n) {
        return new float[n];
    }

    private static List<Case> cases() {
        PackedGates lstm = PackedGates.zeros(Cell.LSTM, 7, 5, 3); // outputs 12
        PackedGates gru = PackedGates.zeros(Cell.GRU, 7, 3, 3);   // outputs 12
        List<Case> l = new ArrayList<>();
        // vectors
        l.add(c("dot", "x", k -> k.dot(37, f(29), 0, f(37), 0), "37", "29"));
        l.add(c("dot", "y", k -> k.dot(37, f(37), 0, f(40), 5), "42", "40"));
        l.add(c("dot", "x", k -> k.dot(37, null, 0, f(37), 0), "null"));
        l.add(c("dot", "n", k -> k.dot(-3, f(37), 0, f(37), 0), "0", "-3"));
        l.add(c("dot", "x", k -> k.dot(3, f(37), -2, f(37), 0), "0", "-2"));
        l.add(c("axpy", "y", k -> k.axpy(37, 1f, f(37), 0, f(29), 0), "37", "29"));
        l.add(c("axpy", "x", k -> k.axpy(37, 1f, null, 0, f(37), 0), "null"));
        l.add(c("scale", "x", k -> k.scale(37, 2f, f(29), 0), "37", "29"));
        l.add(c("sumSquares", "x", k -> k.sumSquares(37, f(38), 4), "41", "38"));
        l.add(c("firstNonFinite", "x", k -> k.firstNonFinite(37, f(38), 4), "41", "38"));
        // dense products: a [m, k] with lda, b, c
        l.add(c("gemmNT", "a", k -> k.gemmNT(3, 4, 5, f(11), 0, 5, f(20), 0, 5, f(12), 0, 4, false), "15", "11"));
        l.add(c("gemmNT", "a", k -> k.gemmNT(3, 4, 5, f(15), 0, 4, f(20), 0, 5, f(12), 0, 4, false), "5", "4"));
        l.add(c("gemmNT", "b", k -> k.gemmNT(3, 4, 5, f(15), 0, 5, f(19), 0, 5, f(12), 0, 4, false), "20", "19"));
        l.add(c("gemmNT", "c", k -> k.gemmNT(3, 4, 5, f(15), 0, 5, f(20), 0, 5, f(17), 2, 7, false), "20", "17"));
        l.add(c("gemmNN", "b", k -> k.gemmNN(3, 4, 5, f(15), 0, 5, f(19), 0, 4, f(12), 0, 4, false), "20", "19"));
        l.add(c("gemmNN", "c", k -> k.gemmNN(3, 4, 5, f(15), 0, 5, f(20), 0, 4, null, 0, 4, true), "null"));
        l.add(c("gemmNN", "m", k -> k.gemmNN(-1, 4, 5, f(15), 0, 5, f(20), 0, 4, f(12), 0, 4, false), "0", "-1"));
        l.add(c("gemmNN", "k", k -> k.gemmNN(3, 4, -7, f(15), 0, 5, f(20), 0, 4, f(12), 0, 4, false), "0", "-7"));
        l.add(c("gemmTN", "a", k -> k.gemmTN(3, 4, 5, f(14), 0, 3, f(20), 0, 4, f(12), 0, 4, false), "15", "14"));
        l.add(c("gemmTN", "c", k -> k.gemmTN(3, 4, 5, f(15), 0, 3, f(20), 0, 4, f(12), 0, 3, false), "4", "3"));
        // packed gates: x [batch, I = 7], h [batch, Hr = 5], out [batch, 12]
        l.add(c("gates", "x", k -> k.gates(lstm, 2, f(13), 0, 7, f(10), 0, 5, f(24), 0, 12), "14", "13"));
        l.add(c("gates", "h", k -> k.gates(lstm, 2, f(14), 0, 7, f(9), 0, 5, f(24), 0, 12), "10", "9"));
        l.add(c("gates", "h", k -> k.gates(lstm, 2, f(14), 0, 7, f(20), 0, 4, f(24), 0, 12), "5", "4"));
        l.add(c("gates", "out", k -> k.gates(lstm, 2, f(14), 0, 7, f(10), 0, 5, f(23), 0, 12), "24", "23"));
        l.add(c("gates", "p", k -> k.gates((PackedGates) null, 2, f(14), 0, 7, f(10), 0, 5, f(24), 0, 12), "null"));
        l.add(c("gates", "q", k -> k.gates((QuantizedGates) null, 2, f(14), 0, 7, f(10), 0, 5, f(24), 0, 12), "null"));
        l.add(c("gates", "batch", k -> k.gates(lstm, -2, f(14), 0, 7, f(10), 0, 5, f(24), 0, 12), "0", "-2"));
        l.add(c("gatesInput", "x", k -> k.gatesInput(gru, 3, f(20), 0, 7, f(36), 0, 12), "21", "20"));
        l.add(c("gatesInput", "out", k -> k.gatesInput(gru, 3, f(21), 0, 7, f(35), 0, 12), "36", "35"));
        l.add(c("gatesRecurrent", "h", k -> k.gatesRecurrent(gru, 3, f(8), 0, 3, f(36), 0, 12), "9", "8"));
        l.add(c("gatesRecurrent", "out", k -> k.gatesRecurrent(gru, 3, f(9), 0, 3, f(30), 0, 11), "12", "11"));
        l.add(c("gatesBackwardData", "dG", k -> k.gatesBackwardData(lstm, 2, f(23), 0, 12, f(14), 0, 7, f(10), 0, 5), "24", "23"));
        l.add(c("gatesBackwardData", "dx", k -> k.gatesBackwardData(lstm, 2, f(24), 0, 12, f(13), 0, 7, null, 0, 0), "14", "13"));
        l.add(c("gatesBackwardData", "dh", k -> k.gatesBackwardData(lstm, 2, f(24), 0, 12, null, 0, 0, f(9), 0, 5), "10", "9"));
        l.add(c("gatesBackwardWeights", "dG", k -> k.gatesBackwardWeights(lstm, 2, f(23), 0, 12, f(14), 0, 7, f(10), 0, 5, lstm.zerosLike()), "24", "23"));
        l.add(c("gatesBackwardWeights", "x", k -> k.gatesBackwardWeights(lstm, 2, f(24), 0, 12, f(13), 0, 7, f(10), 0, 5, lstm.zerosLike()), "14", "13"));
        l.add(c("gatesBackwardWeights", "h", k -> k.gatesBackwardWeights(lstm, 2, f(24), 0, 12, f(14), 0, 7, f(9), 0, 5, lstm.zerosLike()), "10", "9"));
        l.add(c("gatesBackwardWeights", "grad", k -> k.gatesBackwardWeights(lstm, 2, f(24), 0, 12, f(14), 0, 7, f(10), 0, 5,
                PackedGates.zeros(Cell.LSTM, 7, 5, 4)), "H=3", "H=4"));
        l.add(c("gatesBackwardWeights", "grad", k -> k.gatesBackwardWeights(lstm, 2, f(24), 0, 12, f(14), 0, 7, f(10), 0, 5, null), "null"));
        // activations
        l.add(c("tanh", "y", k -> k.tanh(37, f(37), 0, f(29), 0), "37", "29"));
        l.add(c("sigmoid", "x", k -> k.sigmoid(37, f(29), 0, f(37), 0), "37", "29"));
        l.add(c("relu", "y", k -> k.relu(37, f(37), 0, null, 0), "null"));
        l.add(c("tanhBackward", "dy", k -> k.tanhBackward(37, f(37), 0, f(29), 0, f(37), 0), "37", "29"));
        l.add(c("sigmoidBackward", "dx", k -> k.sigmoidBackward(37, f(37), 0, f(37), 0, f(29), 0), "37", "29"));
        l.add(c("reluBackward", "y", k -> k.reluBackward(37, f(29), 0, f(37), 0, f(37), 0), "37", "29"));
        l.add(c("softmax", "n", k -> k.softmax(0, f(37), 0, f(37), 0), "1", "0"));
        l.add(c("softmax", "y", k -> k.softmax(37, f(37), 0, f(29), 0), "37", "29"));
        l.add(c("logSoftmax", "x", k -> k.logSoftmax(37, f(29), 0, f(37), 0), "37", "29"));
        l.add(c("softmaxBackward", "dx", k -> k.softmaxBackward(37, f(37), 0, f(37), 0, f(29), 0), "37", "29"));
        l.add(c("logSoftmaxBackward", "dy", k -> k.logSoftmaxBackward(37, f(37), 0, f(29), 0, f(37), 0), "37", "29"));
        // cells (H = 37: gates 148)
        l.add(c("lstmForward", "gates", k -> k.lstmForward(37, f(147), 0, f(37), 0, f(37), 0, f(37), 0), "148", "147"));
        l.add(c("lstmForward", "cPrev", k -> k.lstmForward(37, f(148), 0, f(29), 0, f(37), 0, f(37), 0), "37", "29"));
        l.add(c("lstmForward", "h", k -> k.lstmForward(37, f(148), 0, null, 0, f(37), 0, f(29), 0), "37", "29"));
        l.add(c("lstmBackward", "acts", k -> k.lstmBackward(37, f(147), 0, null, 0, f(37), 0, f(37), 0, f(37), 0, f(148), 0), "148", "147"));
        l.add(c("lstmBackward", "dc", k -> k.lstmBackward(37, f(148), 0, null, 0, f(37), 0, f(37), 0, f(29), 0, f(148), 0), "37", "29"));
        l.add(c("lstmBackward", "dGates", k -> k.lstmBackward(37, f(148), 0, f(37), 0, f(37), 0, f(37), 0, f(37), 0, f(149), 3), "151", "149"));
        l.add(c("gruForward", "gates", k -> k.gruForward(37, f(147), 0, null, 0, f(37), 0), "148", "147"));
        l.add(c("gruForward", "hPrev", k -> k.gruForward(37, f(148), 0, f(29), 0, f(37), 0), "37", "29"));
        l.add(c("gruBackward", "dhPrev", k -> k.gruBackward(37, f(148), 0, null, 0, f(37), 0, f(148), 0, f(29), 0), "37", "29"));
        l.add(c("gruBackward", "dh", k -> k.gruBackward(37, f(148), 0, f(37), 0, f(29), 0, f(148), 0, f(37), 0), "37", "29"));
        l.add(c("rnnForward", "pre", k -> k.rnnForward(37, false, f(29), 0, f(37), 0), "37", "29"));
        l.add(c("rnnForward", "h", k -> k.rnnForward(37, true, f(37), 0, f(29), 0), "37", "29"));
        l.add(c("rnnBackward", "dPre", k -> k.rnnBackward(37, false, f(37), 0, f(37), 0, f(29), 0), "37", "29"));
        // optimizers
        l.add(c("sgd", "p", k -> k.sgd(37, f(29), 0, f(37), 0, null, 0, 0.1f, 0f, 0f, 0f, false), "37", "29"));
        l.add(c("sgd", "buf", k -> k.sgd(37, f(37), 0, f(37), 0, f(29), 0, 0.1f, 0.9f, 0f, 0f, false), "37", "29"));
        l.add(c("sgd", "buf", k -> k.sgd(37, f(37), 0, f(37), 0, null, 0, 0.1f, 0.9f, 0f, 0f, false), "null"));
        l.add(c("sgd", "lr", k -> k.sgd(37, f(37), 0, f(37), 0, null, 0, Float.NaN, 0f, 0f, 0f, false), "finite", "NaN"));
        l.add(c("sgd", "nesterov", k -> k.sgd(37, f(37), 0, f(37), 0, f(37), 0, 0.1f, 0.9f, 0.25f, 0f, true), "0.25"));
        l.add(c("sgd", "nesterov", k -> k.sgd(37, f(37), 0, f(37), 0, f(37), 0, 0.1f, 0f, 0f, 0f, true), "momentum 0.0"));
        l.add(c("adam", "g", k -> k.adam(37, f(37), 0, f(29), 0, f(37), 0, f(37), 0, 1e-3f, 0.9f, 0.999f, 1e-8f, 0f, false, 1), "37", "29"));
        l.add(c("adam", "m", k -> k.adam(37, f(37), 0, f(37), 0, f(29), 0, f(37), 0, 1e-3f, 0.9f, 0.999f, 1e-8f, 0f, false, 1), "37", "29"));
        l.add(c("adam", "v", k -> k.adam(37, f(37), 0, f(37), 0, f(37), 0, null, 0, 1e-3f, 0.9f, 0.999f, 1e-8f, 0f, true, 1), "null"));
        l.add(c("adam", "beta1", k -> k.adam(37, f(37), 0, f(37), 0, f(37), 0, f(37), 0, 1e-3f, 1f, 0.999f, 1e-8f, 0f, false, 1), "[0, 1)", "1.0"));
        l.add(c("adam", "beta2", k -> k.adam(37, f(37), 0, f(37), 0, f(37), 0, f(37), 0, 1e-3f, 0.9f, -0.5f, 1e-8f, 0f, false, 1), "[0, 1)", "-0.5"));
        l.add(c("adam", "step", k -> k.adam(37, f(37), 0, f(37), 0, f(37), 0, f(37), 0, 1e-3f, 0.9f, 0.999f, 1e-8f, 0f, false, 0), "1", "0"));
        l.add(c("adam", "eps", k -> k.adam(37, f(37), 0, f(37), 0, f(37), 0, f(37), 0, 1e-3f, 0.9f, 0.999f, Float.POSITIVE_INFINITY, 0f, false, 1), "finite", "Infinity"));
        l.add(c("rmsprop", "sq", k -> k.rmsprop(37, f(37), 0, f(37), 0, f(29), 0, null, 0, 0.01f, 0.99f, 1e-8f, 0f, 0f), "37", "29"));
        l.add(c("rmsprop", "buf", k -> k.rmsprop(37, f(37), 0, f(37), 0, f(37), 0, f(29), 0, 0.01f, 0.99f, 1e-8f, 0f, 0.9f), "37", "29"));
        l.add(c("rmsprop", "alpha", k -> k.rmsprop(37, f(37), 0, f(37), 0, f(37), 0, null, 0, 0.01f, 1.5f, 1e-8f, 0f, 0f), "[0, 1)", "1.5"));
        l.add(c("rmsprop", "weightDecay", k -> k.rmsprop(37, f(37), 0, f(37), 0, f(37), 0, null, 0, 0.01f, 0.9f, 1e-8f, Float.NaN, 0f), "finite", "NaN"));
        return l;
    }

    // rnnBackward once checked h, dh, dPre through the activation-backward check, which calls them y, dy, dx.
    @Test
    void rnnBackwardNamesItsArguments() {
        for (Kernels k : Impls.all()) {
            expectNamed("h", () -> k.rnnBackward(37, false, f(29), 0, f(37), 0, f(37), 0), "37", "29");
            expectNamed("dh", () -> k.rnnBackward(37, true, f(37), 0, f(29), 0, f(37), 0), "37", "29");
            expectNamed("dPre", () -> k.rnnBackward(37, false, f(37), 0, f(37), 0, f(29), 0), "37", "29");
        }
    }

    @TestFactory
    Stream<DynamicTest> wrongArgumentsAreNamed() {
        return cases().stream().flatMap(cs -> Impls.all().stream().map(k -> DynamicTest.dynamicTest(
                k.name() + " " + cs.method + ": " + cs.name + " " + String.join("/", cs.numbers), () -> expectNamed(cs.name, () -> cs.call.accept(k), cs.numbers))));
    }

    // Each public method of Kernels appears in cases() at least once.
    @Test
    void everyPublicMethodIsCovered() {
        List<String> covered = cases().stream().map(Case::method).toList();
        for (var m : Kernels.class.getDeclaredMethods()) {
            int mod = m.getModifiers();
            // name() and shape() take no arguments
            if (!java.lang.reflect.Modifier.isPublic(mod) || java.lang.reflect.Modifier.isStatic(mod) || m.getName().equals("name") || m.getName().equals("shape")) continue;
            assertTrue(covered.contains(m.getName()), "no argument check case for Kernels." + m.getName());
        }
    }

    // The checks come before any write: a rejected call leaves its outputs untouched.
    @Test
    void rejectedCallsWriteNothing() {
        for (Kernels k : Impls.all()) {
            float[] y = A37.clone();
            java.util.Arrays.fill(y, 7f);
            float[] before = y.clone();
            expectNamed("x", () -> k.tanh(37, A29, 0, y, 0), "37", "29");
            expectNamed("dGates", () -> k.lstmBackward(37, A148, 0, null, 0, A37, 0, A37, 0, y, 0, A500, 400), "548", "500");
            assertArrayEquals(before, y);
        }
    }

    @Test
    void packChecksItsLengths() {
        float[] ih = f(4 * 3 * 7), hh = f(4 * 3 * 5), b = f(12);
        expectNamed("weightIh", () -> PackedGates.pack(Cell.LSTM, 7, 5, 3, f(83), hh, b, b), "84", "83");
        expectNamed("weightHh", () -> PackedGates.pack(Cell.LSTM, 7, 5, 3, ih, f(61), b, b), "60", "61");
        expectNamed("biasIh", () -> PackedGates.pack(Cell.LSTM, 7, 5, 3, ih, hh, f(11), b), "12", "11");
        expectNamed("biasHh", () -> PackedGates.pack(Cell.LSTM, 7, 5, 3, ih, hh, b, f(13)), "12", "13");
        expectNamed("weightIh", () -> PackedGates.pack(Cell.GRU, 7, 5, 3, null, f(45), null, null), "null");
        expectNamed("hiddenSize", () -> PackedGates.pack(Cell.RNN, 7, 5, 0, f(0), f(0), null, null), "1", "0");
        expectNamed("inputSize", () -> PackedGates.zeros(Cell.RNN, -4, 5, 3), "0", "-4");
        expectNamed("recurrentSize", () -> PackedGates.zeros(Cell.GRU, 4, -5, 3), "0", "-5");
        PackedGates p = PackedGates.pack(Cell.LSTM, 7, 5, 3, ih, hh, b, b);
        expectNamed("weightIh", () -> p.unpackWeights(f(85), hh), "84", "85");
        expectNamed("weightHh", () -> p.unpackWeights(ih, f(59)), "60", "59");
    }

    private static void expectNamed(String name, Executable call, String... numbers) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        String msg = e.getMessage();
        assertTrue(msg.startsWith(name + ":"), () -> "message should start with '" + name + ":': " + msg);
        for (String n : numbers) assertTrue(msg.contains(n), () -> "message should contain " + n + ": " + msg);
    }
}
