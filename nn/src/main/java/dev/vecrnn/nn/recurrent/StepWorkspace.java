package dev.vecrnn.nn.recurrent;

import dev.vecrnn.nn.Exclusive;

/**
 * Scratch space for {@link Recurrent#stepMany}, which advances up to {@code capacity} streams by one step
 * each in one pass over the weights: their h (and c) gathered row by row, and the gate pre-activations of
 * all of them. Made once by {@link Recurrent#newStepWorkspace(int)}; from then on a step allocates nothing.
 * It holds no stream's state between calls (each {@link StreamState} does), so any streams of its network
 * may be stepped through it.
 *
 * <p>Like a {@link StreamState}, a workspace belongs to one thread at a time: using it from a second
 * thread during a call throws an {@link IllegalStateException} naming the thread that holds it; handing it
 * to another thread between calls is fine.
 */
public final class StepWorkspace extends Exclusive {
    final Recurrent net;
    final int capacity;
    final float[] h;      // [n, P]
    final float[] c;      // [n, H]
    final float[] gates;  // [n, O]
    final float[] hfull;  // [n, H]

    StepWorkspace(Recurrent net, int capacity) {
        RecurrentConfig cfg = net.config();
        this.net = net;
        this.capacity = capacity;
        this.h = new float[capacity * cfg.outputHidden()];
        this.c = cfg.type() == CellType.LSTM ? new float[capacity * cfg.hiddenSize()] : null;
        this.gates = new float[capacity * net.cells[0].outputSize()];
        this.hfull = cfg.projSize() > 0 ? new float[capacity * cfg.hiddenSize()] : null;
    }

    @Override
    protected String kind() {
        return "StepWorkspace";
    }

    /** How many streams one {@link Recurrent#stepMany} call through this workspace may advance. */
    public int capacity() {
        return capacity;
    }
}
