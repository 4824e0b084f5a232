package dev.vecrnn.nn.recurrent;

import dev.vecrnn.nn.Exclusive;
import dev.vecrnn.nn.NonFiniteInput;
import dev.vecrnn.nn.Require;

import java.util.Arrays;

/**
 * One stream's state in a unidirectional {@link Recurrent}: h (and, for LSTM, c) of every layer, plus the
 * scratch space one step needs, so that {@link Recurrent#step} allocates nothing. Made by
 * {@link Recurrent#newState()} and stepped only by that network: the state remembers it and a step with
 * another network's state is refused.
 *
 * <p>One stream and one thread at a time: the network is shared, the state is not. Using a state from a
 * second thread while a step is running throws an {@link IllegalStateException} naming the thread that
 * holds it (one compare-and-set per step); handing it to another thread between steps is fine.
 *
 * <p>What carries a stream from one step to the next is {@link #size()} floats, which {@link #copyTo} and
 * {@link #copyFrom} move in and out: to keep a stream across a restart, move it to another process, or
 * start it from a state a sequence run ended in. The rest of the object is scratch space of the step.
 */
public final class StreamState extends Exclusive {
    final Recurrent net;
    final float[] h;      // [L, P]
    final float[] c;      // [L, H] (LSTM)
    final float[] gates;  // [O]
    final float[] hfull;  // [H] (projected LSTM)

    StreamState(Recurrent net) {
        RecurrentConfig cfg = net.config();
        this.net = net;
        int layers = cfg.numLayers();
        this.h = new float[layers * cfg.outputHidden()];
        this.c = cfg.type() == CellType.LSTM ? new float[layers * cfg.hiddenSize()] : null;
        this.gates = new float[net.cells[0].outputSize()];
        this.hfull = cfg.projSize() > 0 ? new float[cfg.hiddenSize()] : null;
    }

    @Override
    protected String kind() {
        return "StreamState";
    }

    /**
     * Back to the zero state, as a new stream starts.
     *
     * @throws IllegalStateException if another thread is stepping this state (it is then unchanged)
     */
    public void reset() {
        enter("state", -1);
        try {
            Arrays.fill(h, 0f);
            if (c != null) Arrays.fill(c, 0f);
        } finally {
            exit();
        }
    }

    /**
     * How many floats carry this stream: h of every layer ({@code layers x outputHidden}), then, for an LSTM,
     * c of every layer ({@code layers x hiddenSize}). An LSTM of 2 layers at 256 units: 1,024 floats.
     */
    public int size() {
        return h.length + (c == null ? 0 : c.length);
    }

    /**
     * {@link #copyTo(float[], int)} into all of {@code dst}, which must hold exactly {@link #size()} floats.
     *
     * @throws IllegalArgumentException if {@code dst} is null or of another length
     * @throws IllegalStateException if another thread is stepping this state
     */
    public void copyTo(float[] dst) {
        requireWhole("dst", dst);
        copyTo(dst, 0);
    }

    /**
     * {@link #copyFrom(float[], int)} from all of {@code src}, which must hold exactly {@link #size()} floats: a
     * state saved from a network of another shape (other layers, hidden size or cell) is refused by its length,
     * where {@code copyFrom(src, 0)} would take the first {@code size()} floats of it. The floats carry no
     * architecture: a state of another network that happens to have the same {@code size()} is taken as it is,
     * so keep the network's identity beside a saved state.
     *
     * @throws IllegalArgumentException if {@code src} is null, of another length, or holds NaN or an infinity;
     *         the state is then unchanged
     * @throws IllegalStateException if another thread is stepping this state
     */
    public void copyFrom(float[] src) {
        requireWhole("src", src);
        copyFrom(src, 0);
    }

    private void requireWhole(String name, float[] a) {
        Require.notNull(name, a);
        if (a.length != size()) {
            throw new IllegalArgumentException(name + ": expected exactly " + size() + " floats (this state's size()), got an array of "
                    + a.length + " (a state of another network?); copyTo/copyFrom(array, offset) take a part of a larger array");
        }
    }

    /**
     * Copies this stream's state into {@code dst[offset, offset + size())}: h of layer 0, 1, ..., then (LSTM)
     * c of layer 0, 1, ..., which is PyTorch's {@code h_n} then {@code c_n} of a unidirectional stack at
     * batch 1, so the two halves can be given to {@link Recurrent#forward} as h0 and c0.
     *
     * @throws IllegalArgumentException if {@code dst} is null or too short from {@code offset}
     * @throws IllegalStateException if another thread is stepping this state
     */
    public void copyTo(float[] dst, int offset) {
        Require.range("dst", dst, offset, size());
        enter("state", -1);
        try {
            System.arraycopy(h, 0, dst, offset, h.length);
            if (c != null) System.arraycopy(c, 0, dst, offset + h.length, c.length);
        } finally {
            exit();
        }
    }

    /**
     * Sets this stream's state from {@code src[offset, offset + size())}, laid out as {@link #copyTo} writes
     * it; the next step continues from there. Everything is checked before anything changes: the range, and,
     * unless the network lets non-finite input through ({@link Recurrent#setNonFiniteInput}), that every value
     * is finite. The scratch space needs nothing: a step does not read what the previous one left there.
     *
     * @throws IllegalArgumentException if {@code src} is null, too short from {@code offset}, or holds NaN or
     *         an infinity (naming the index); the state is then unchanged
     * @throws IllegalStateException if another thread is stepping this state
     */
    public void copyFrom(float[] src, int offset) {
        Require.range("src", src, offset, size());
        if (net.nonFiniteInput() == NonFiniteInput.REJECT) {
            for (int i = 0, n = size(); i < n; i++) {
                float v = src[offset + i];
                if (!Float.isFinite(v)) {
                    throw new IllegalArgumentException("src: expected finite values, got " + v + " at index "
                            + (offset + i) + " (" + (i < h.length ? "h" : "c") + ")");
                }
            }
        }
        enter("state", -1);
        try {
            System.arraycopy(src, offset, h, 0, h.length);
            if (c != null) System.arraycopy(src, offset + h.length, c, 0, c.length);
        } finally {
            exit();
        }
    }

    /**
     * This stream's h of layer {@code layer} (0 is the bottom one), {@code [Hout]}: a copy.
     *
     * @throws IllegalArgumentException if {@code layer} is not in {@code [0, layers)}
     * @throws IllegalStateException if another thread is stepping this state
     */
    public float[] hidden(int layer) {
        int layers = net.config().numLayers();
        if (layer < 0 || layer >= layers) {
            throw new IllegalArgumentException("layer: expected in [0, " + layers + "), got " + layer);
        }
        int p = net.config().outputHidden();
        enter("state", -1);
        try {
            return Arrays.copyOfRange(h, layer * p, (layer + 1) * p);
        } finally {
            exit();
        }
    }
}
