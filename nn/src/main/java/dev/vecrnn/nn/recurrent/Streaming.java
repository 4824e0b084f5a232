package dev.vecrnn.nn.recurrent;

import dev.vecrnn.nn.NonFiniteInput;
import dev.vecrnn.nn.Require;

import dev.vecrnn.kernels.Kernels;

/**
 * The streaming steps behind {@link Recurrent#step} and {@link Recurrent#stepMany}: one time step at a
 * time over a unidirectional stack, per stream, allocation-free. The checks live here too, so that the
 * network's methods are one line each and every way in refuses the same arguments with the same words.
 *
 * <p>Inputs: a NaN or an infinity in x is rejected with the index of the feature (and stream), before
 * the state changes, unless the network's {@link NonFiniteInput} policy is {@code PROPAGATE}.
 */
final class Streaming {
    private Streaming() {
    }

    static void requireStreamable(Recurrent net) {
        if (net.config().bidirectional()) {
            throw new IllegalArgumentException("streaming: a bidirectional network needs the whole sequence; use forward()");
        }
    }

    static StreamState newState(Recurrent net) {
        requireStreamable(net);
        return new StreamState(net);
    }

    // x [I] -> out [P] (the top layer's new h); the state advances one step
    static void step(Recurrent net, float[] x, int xOff, StreamState state, float[] out, int outOff) {
        StreamState s = Require.notNull("state", state);
        if (s.net != net) {
            throw new IllegalArgumentException("state: expected a state made by newState() of this network, got one of another network");
        }
        RecurrentConfig cfg = net.config();
        int p = cfg.outputHidden();
        // offset > length - size rather than offset + size > length: the sum of a large offset wraps negative
        if (x == null || xOff < 0 || xOff > x.length - cfg.inputSize()) {
            throw new IllegalArgumentException("x: expected " + cfg.inputSize() + " floats at offset " + xOff + ", got "
                    + (x == null ? "null" : "an array of " + x.length));
        }
        if (out == null || outOff < 0 || outOff > out.length - p) {
            throw new IllegalArgumentException("out: expected room for " + p + " floats at offset " + outOff + ", got "
                    + (out == null ? "null" : "an array of " + out.length));
        }
        Kernels k = Kernels.get();
        if (net.nonFiniteInput() == NonFiniteInput.REJECT) NonFiniteInput.checkStep(k, "x", x, xOff, cfg.inputSize());
        s.enter("state", -1);
        try {
            advance(k, net, x, xOff, s, out, outOff);
        } finally {
            s.exit();
        }
    }

    /** One step without checks, for callers that checked (or own) the arguments and hold the state. */
    static void advance(Kernels k, Recurrent net, float[] x, int xOff, StreamState s, float[] out, int outOff) {
        net.fresh();
        RecurrentConfig cfg = net.config();
        int p = cfg.outputHidden(), hid = cfg.hiddenSize();
        float[] src = x;
        int srcOff = xOff;
        for (int l = 0; l < cfg.numLayers(); l++) {
            RecurrentCell cell = net.cells[l];
            int o = cell.outputSize();
            cell.gates(k, 1, src, srcOff, cell.inputSize, s.h, l * p, p, s.gates, 0, o);
            switch (cell.type) {
                case LSTM -> {
                    if (cell.whr == null) {
                        k.lstmForward(hid, s.gates, 0, s.c, l * hid, s.c, l * hid, s.h, l * p);
                    } else {
                        k.lstmForward(hid, s.gates, 0, s.c, l * hid, s.c, l * hid, s.hfull, 0);
                        k.gemmNT(1, p, hid, s.hfull, 0, hid, cell.whr, 0, hid, s.h, l * p, p, false);
                    }
                }
                case GRU -> k.gruForward(hid, s.gates, 0, s.h, l * p, s.h, l * p);
                default -> k.rnnForward(hid, cell.type == CellType.RNN_RELU, s.gates, 0, s.h, l * p);
            }
            src = s.h;
            srcOff = l * p;
        }
        System.arraycopy(s.h, (cfg.numLayers() - 1) * p, out, outOff, p);
    }

    static StepWorkspace newWorkspace(Recurrent net, int capacity) {
        requireStreamable(net);
        if (capacity < 1) throw new IllegalArgumentException("capacity: expected >= 1, got " + capacity);
        requireRows("capacity", capacity, widestRow(net));
        return new StepWorkspace(net, capacity);
    }

    /** The floats of a workspace's widest row per stream: the first layer's gate outputs, or a layer's h or c. */
    static int widestRow(Recurrent net) {
        RecurrentConfig cfg = net.config();
        return Math.max(net.cells[0].outputSize(), Math.max(cfg.outputHidden(), cfg.hiddenSize()));
    }

    /** The longest array the JVM allocates (the JDK's own soft limit): a few words under Integer.MAX_VALUE. */
    static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

    /**
     * Refuses a workspace of {@code rows} rows whose widest array row holds {@code width} floats when the rows do
     * not fit one Java array: the product wrapped (an array of a few floats, and a deep index error at the first
     * stepMany) or went negative.
     */
    static void requireRows(String name, int rows, int width) {
        if ((long) rows * width > MAX_ARRAY) {
            throw new IllegalArgumentException(name + ": expected at most " + MAX_ARRAY / width + " streams (each needs a row of "
                    + width + " floats in one array), got " + rows);
        }
    }

    /**
     * Advances {@code n} streams by one step each, reading the weights once for all of them: xs holds
     * their inputs row by row ({@code [n, I]}), outs receives their new top-layer h ({@code [n, P]}).
     */
    static void stepMany(Recurrent net, int n, float[] xs, StreamState[] states, float[] outs, StepWorkspace ws) {
        RecurrentConfig cfg = net.config();
        int in = cfg.inputSize(), p = cfg.outputHidden();
        if (ws == null || ws.net != net) throw new IllegalArgumentException("ws: expected a workspace made by newStepWorkspace() of this network");
        if (n < 0 || n > ws.capacity) throw new IllegalArgumentException("n: expected in [0, " + ws.capacity + "], got " + n);
        if (states == null || states.length < n) {
            throw new IllegalArgumentException("states: expected at least " + n + " states, got " + (states == null ? "null" : states.length));
        }
        Require.minLength("xs", xs, (long) n * in);
        Require.minLength("outs", outs, (long) n * p);
        for (int i = 0; i < n; i++) {
            if (states[i] == null || states[i].net != net) {
                throw new IllegalArgumentException("states[" + i + "]: expected a state made by newState() of this network, got "
                        + (states[i] == null ? "null" : "one of another network"));
            }
        }
        Kernels k = Kernels.get();
        if (net.nonFiniteInput() == NonFiniteInput.REJECT) NonFiniteInput.checkRows(k, "xs", "stream", xs, n, in);
        ws.enter("ws", -1);
        int held = 0;
        try {
            for (; held < n; held++) states[held].enter("states", held);
            advanceMany(k, net, n, xs, states, outs, ws);
        } finally {
            for (int i = 0; i < held; i++) states[i].exit();
            ws.exit();
        }
    }

    static void advanceMany(Kernels k, Recurrent net, int n, float[] xs, StreamState[] states, float[] outs, StepWorkspace ws) {
        net.fresh();
        RecurrentConfig cfg = net.config();
        int in = cfg.inputSize(), p = cfg.outputHidden(), hid = cfg.hiddenSize();
        float[] src = xs;
        int ld = in;
        for (int l = 0; l < cfg.numLayers(); l++) {
            RecurrentCell cell = net.cells[l];
            int o = cell.outputSize();
            for (int i = 0; i < n; i++) {
                System.arraycopy(states[i].h, l * p, ws.h, i * p, p);
                if (ws.c != null) System.arraycopy(states[i].c, l * hid, ws.c, i * hid, hid);
            }
            // ws.h is read as h_prev by the matmul and rewritten below; the layer input src is xs or a copy
            cell.gates(k, n, src, 0, ld, ws.h, 0, p, ws.gates, 0, o);
            for (int i = 0; i < n; i++) {
                switch (cell.type) {
                    case LSTM -> {
                        if (cell.whr == null) {
                            k.lstmForward(hid, ws.gates, i * o, ws.c, i * hid, ws.c, i * hid, ws.h, i * p);
                        } else {
                            k.lstmForward(hid, ws.gates, i * o, ws.c, i * hid, ws.c, i * hid, ws.hfull, i * hid);
                        }
                    }
                    case GRU -> k.gruForward(hid, ws.gates, i * o, ws.h, i * p, ws.h, i * p);
                    default -> k.rnnForward(hid, cell.type == CellType.RNN_RELU, ws.gates, i * o, ws.h, i * p);
                }
            }
            if (cell.whr != null) k.gemmNT(n, p, hid, ws.hfull, 0, hid, cell.whr, 0, hid, ws.h, 0, p, false);
            for (int i = 0; i < n; i++) {
                System.arraycopy(ws.h, i * p, states[i].h, l * p, p);
                if (ws.c != null) System.arraycopy(ws.c, i * hid, states[i].c, l * hid, hid);
            }
            System.arraycopy(ws.h, 0, outs, 0, n * p);
            src = outs;
            ld = p;
        }
    }
}
