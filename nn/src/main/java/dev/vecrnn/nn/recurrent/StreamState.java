package dev.vecrnn.nn.recurrent;

import dev.vecrnn.nn.Exclusive;

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
        this.gates = new float[net.cells[0].w.outputSize()];
        this.hfull = cfg.projSize() > 0 ? new float[cfg.hiddenSize()] : null;
    }

    @Override
    protected String kind() {
        return "StreamState";
    }

    /** Back to the zero state, as a new stream starts. */
    public void reset() {
        Arrays.fill(h, 0f);
        if (c != null) Arrays.fill(c, 0f);
    }

    /** This stream's h of layer {@code layer} (0 is the bottom one), {@code [Hout]}: a copy. */
    public float[] hidden(int layer) {
        int layers = net.config().numLayers();
        if (layer < 0 || layer >= layers) {
            throw new IllegalArgumentException("layer: expected in [0, " + layers + "), got " + layer);
        }
        int p = net.config().outputHidden();
        return Arrays.copyOfRange(h, layer * p, (layer + 1) * p);
    }
}
