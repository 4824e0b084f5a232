package dev.vecrnn.nn.recurrent;

import dev.vecrnn.nn.Tensor;

import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The forward into a {@link SequenceWorkspace}: bit for bit the traced forward (the one training runs) for
 * every cell type and option, with one workspace reused across calls that grow it, shrink back and leave
 * stale values behind, into outputs filled with NaN beforehand (so every element must be written).
 */
class SequenceWorkspaceTest {

    private static Tensor gaussian(Random rnd, int... shape) {
        Tensor t = Tensor.zeros(shape);
        for (int i = 0; i < t.data().length; i++) t.data()[i] = (float) rnd.nextGaussian();
        return t;
    }

    private static Tensor nans(int... shape) {
        Tensor t = Tensor.zeros(shape);
        Arrays.fill(t.data(), Float.NaN);
        return t;
    }

    /** One call's inputs: x, lengths, h0, c0 (null where not drawn). */
    private record Inputs(Tensor x, int[] lengths, Tensor h0, Tensor c0) {
        static Inputs draw(RecurrentConfig cfg, int steps, int batch, boolean lengths, boolean h0, boolean c0, Random rnd) {
            Tensor x = cfg.batchFirst() ? gaussian(rnd, batch, steps, cfg.inputSize()) : gaussian(rnd, steps, batch, cfg.inputSize());
            int[] len = null;
            if (lengths) {
                len = new int[batch];
                for (int b = 0; b < batch; b++) len[b] = 1 + rnd.nextInt(steps);
            }
            int n = cfg.numLayers() * cfg.directions();
            return new Inputs(x, len, h0 ? gaussian(rnd, n, batch, cfg.outputHidden()) : null,
                    c0 && cfg.type() == CellType.LSTM ? gaussian(rnd, n, batch, cfg.hiddenSize()) : null);
        }

        int steps(RecurrentConfig cfg) {
            return x.dim(cfg.batchFirst() ? 1 : 0);
        }

        int batch(RecurrentConfig cfg) {
            return x.dim(cfg.batchFirst() ? 0 : 1);
        }
    }

    /** Runs in through ws into NaN-filled outputs and compares all three with the traced forward, bit for bit. */
    private static void assertSameAsTraced(Recurrent net, Inputs in, SequenceWorkspace ws, String what) {
        RecurrentConfig cfg = net.config();
        int steps = in.steps(cfg), batch = in.batch(cfg), n = cfg.numLayers() * cfg.directions();
        Tensor output = cfg.batchFirst() ? nans(batch, steps, cfg.outputSize()) : nans(steps, batch, cfg.outputSize());
        Tensor hN = nans(n, batch, cfg.outputHidden());
        Tensor cN = cfg.type() == CellType.LSTM ? nans(n, batch, cfg.hiddenSize()) : null;
        net.forward(in.x, in.lengths, in.h0, in.c0, output, hN, cN, ws);
        Recurrent.Trace want = RecurrentPass.forward(net, in.x, in.lengths, in.h0, in.c0, null);
        assertArrayEquals(want.output().data(), output.data(), what + ": output");
        assertArrayEquals(want.hN().data(), hN.data(), what + ": h_n");
        if (cN != null) assertArrayEquals(want.cN().data(), cN.data(), what + ": c_n");
        boolean live = cfg.type() == CellType.RNN_RELU; // a small ReLU stack may output zeros only
        for (float v : output.data()) live |= v != 0f;
        assertTrue(live, what + ": outputs all zero");
    }

    @Property(tries = 60)
    void matchesTheTracedForwardBitForBit(@ForAll CellType type, @ForAll @IntRange(min = 1, max = 3) int layers,
                                          @ForAll boolean bidirectional, @ForAll boolean batchFirst, @ForAll boolean bias,
                                          @ForAll boolean projected, @ForAll @IntRange(min = 1, max = 9) int batch,
                                          @ForAll @IntRange(min = 1, max = 12) int steps, @ForAll boolean lengths,
                                          @ForAll boolean h0, @ForAll boolean c0, @ForAll @IntRange(min = 1, max = 2) int threads,
                                          @ForAll long seed) {
        Random rnd = new Random(seed);
        int in = 1 + rnd.nextInt(9), hidden = 1 + rnd.nextInt(20);
        RecurrentConfig cfg = new RecurrentConfig(type, in, hidden, layers, bias, batchFirst, bidirectional, 0f,
                projected && type == CellType.LSTM && hidden > 1 ? 1 + rnd.nextInt(hidden - 1) : 0);
        Recurrent net = new Recurrent(cfg, seed);
        net.setThreads(threads);
        SequenceWorkspace ws = net.newSequenceWorkspace();
        Inputs first = Inputs.draw(cfg, steps, batch, lengths, h0, c0, rnd);
        assertSameAsTraced(net, first, ws, "first call");
        // larger: the workspace grows
        assertSameAsTraced(net, Inputs.draw(cfg, steps + 5, batch + 3, !lengths, !h0, !c0, rnd), ws, "larger call");
        // the first shape again, over what the larger call left behind
        assertSameAsTraced(net, Inputs.draw(cfg, steps, batch, lengths, h0, c0, rnd), ws, "first shape again");
        // and exactly the first call once more
        assertSameAsTraced(net, first, ws, "first call repeated");
    }

    @Example
    void theAllocatingForwardIsTheSame() {
        RecurrentConfig cfg = new RecurrentConfig(CellType.LSTM, 5, 8, 2, true, true, true, 0f, 3);
        Recurrent net = new Recurrent(cfg, 3);
        Inputs in = Inputs.draw(cfg, 7, 4, true, true, true, new Random(4));
        Recurrent.Output got = net.forward(in.x, in.lengths, in.h0, in.c0);
        Recurrent.Trace want = RecurrentPass.forward(net, in.x, in.lengths, in.h0, in.c0, null);
        assertArrayEquals(want.output().data(), got.output().data());
        assertArrayEquals(want.hN().data(), got.hN().data());
        assertArrayEquals(want.cN().data(), got.cN().data());
    }

    @Example
    void theStateMayBeCarriedOverInPlace() {
        for (CellType type : CellType.values()) {
            RecurrentConfig cfg = RecurrentConfig.of(type, 4, 6).withLayers(2).withBidirectional(true);
            Recurrent net = new Recurrent(cfg, 5);
            SequenceWorkspace ws = net.newSequenceWorkspace();
            Random rnd = new Random(6);
            Inputs in = Inputs.draw(cfg, 5, 3, true, true, true, rnd);
            Recurrent.Output want = net.forward(in.x, in.lengths, in.h0, in.c0);
            Tensor h = in.h0.copy(), c = in.c0 == null ? null : in.c0.copy();
            Tensor output = Tensor.zeros(5, 3, cfg.outputSize());
            net.forward(in.x, in.lengths, h, c, output, h, c, ws);
            assertArrayEquals(want.output().data(), output.data(), type + ": output");
            assertArrayEquals(want.hN().data(), h.data(), type + ": h_n over h0");
            if (c != null) assertArrayEquals(want.cN().data(), c.data(), type + ": c_n over c0");
        }
    }

    @Example
    void outputsNotWantedMayBeNull() {
        RecurrentConfig cfg = RecurrentConfig.of(CellType.LSTM, 3, 5).withLayers(2).withBatchFirst(true);
        Recurrent net = new Recurrent(cfg, 7);
        SequenceWorkspace ws = net.newSequenceWorkspace();
        Inputs in = Inputs.draw(cfg, 6, 2, true, false, false, new Random(8));
        Recurrent.Output want = net.forward(in.x, in.lengths, null, null);
        Tensor hN = Tensor.zeros(2, 2, 5), cN = Tensor.zeros(2, 2, 5), output = Tensor.zeros(2, 6, 5);
        net.forward(in.x, in.lengths, null, null, null, hN, null, ws);
        assertArrayEquals(want.hN().data(), hN.data());
        net.forward(in.x, in.lengths, null, null, null, null, cN, ws);
        assertArrayEquals(want.cN().data(), cN.data());
        net.forward(in.x, in.lengths, null, null, output, null, null, ws);
        assertArrayEquals(want.output().data(), output.data());
        net.forward(in.x, in.lengths, null, null, null, null, null, ws);
    }

    @Example
    void refusesWhatItCannotServe() {
        Recurrent net = new Recurrent(RecurrentConfig.of(CellType.GRU, 3, 4), 9);
        SequenceWorkspace ws = net.newSequenceWorkspace();
        Tensor x = Tensor.zeros(5, 2, 3), out = Tensor.zeros(5, 2, 4), hN = Tensor.zeros(1, 2, 4);
        SequenceWorkspace other = new Recurrent(RecurrentConfig.of(CellType.GRU, 3, 4), 9).newSequenceWorkspace();
        assertMessage("ws: expected a workspace made by newSequenceWorkspace() of this network",
                () -> net.forward(x, null, null, null, out, hN, null, other));
        assertMessage("output: expected shape [5, 2, 4], got [2, 5, 4]",
                () -> net.forward(x, null, null, null, Tensor.zeros(2, 5, 4), hN, null, ws));
        assertMessage("hN: expected shape [1, 2, 4], got [1, 1, 4]",
                () -> net.forward(x, null, null, null, out, Tensor.zeros(1, 1, 4), null, ws));
        assertMessage("cN: only LSTM has a cell state, got cN for GRU",
                () -> net.forward(x, null, null, null, out, hN, Tensor.zeros(1, 2, 4), ws));
        Tensor h0 = Tensor.zeros(1, 2, 4);
        net.forward(x, null, h0, null, out, Tensor.of(h0.data(), 1, 2, 4), null, ws); // h_n over h0 is allowed
        assertMessage("lengths: expected values in [1, 5], got 6 at index 1",
                () -> net.forward(x, new int[] {1, 6}, null, null, out, hN, null, ws));
        net.forward(x, new int[] {1, 5}, null, null, out, hN, null, ws); // the failed call released the workspace
        // I = H, T = B = 1: x, output and h_n have the same shape, so one array could be passed for two of them
        Recurrent square = new Recurrent(RecurrentConfig.of(CellType.LSTM, 4, 4), 1);
        SequenceWorkspace sws = square.newSequenceWorkspace();
        Tensor a = Tensor.zeros(1, 1, 4), b = Tensor.zeros(1, 1, 4);
        assertMessage("output: expected an array of its own, got the one of x",
                () -> square.forward(a, null, null, null, a, null, null, sws));
        assertMessage("output: expected an array of its own, got the one of cN",
                () -> square.forward(a, null, null, null, b, null, b, sws));
        assertMessage("hN: expected an array of its own, got the one of x",
                () -> square.forward(a, null, null, null, null, a, null, sws));
        assertMessage("hN: expected an array of its own, got the one of cN",
                () -> square.forward(a, null, null, null, null, b, b, sws));
        assertMessage("cN: expected an array of its own, got the one of x",
                () -> square.forward(a, null, null, null, null, null, a, sws));
    }

    private static void assertMessage(String start, Runnable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().startsWith(start), () -> "expected a message starting with \"" + start + "\", got \"" + e.getMessage() + "\"");
    }

    @Example
    void aWorkspaceServesAnyNumberOfCallsAndThreadsInTurn() throws Exception {
        Recurrent net = new Recurrent(RecurrentConfig.of(CellType.LSTM, 4, 6), 10);
        SequenceWorkspace ws = net.newSequenceWorkspace();
        Inputs in = Inputs.draw(net.config(), 9, 2, false, false, false, new Random(11));
        Recurrent.Output want = net.forward(in.x, null, null, null);
        Tensor[] got = {Tensor.zeros(9, 2, 6), Tensor.zeros(9, 2, 6)};
        Thread t = new Thread(() -> net.forward(in.x, null, null, null, got[0], null, null, ws));
        t.start();
        t.join();
        net.forward(in.x, null, null, null, got[1], null, null, ws);
        assertEquals(want.output(), got[0]);
        assertEquals(want.output(), got[1]);
    }
}
