package dev.vecrnn.kernels;

import static dev.vecrnn.kernels.PackedGates.PANEL;

/**
 * A copy of a {@link PackedGates}' weights laid out for the backward product to the inputs,
 * {@code dx = dG W_ih} and {@code dh = dG W_hh}: the transpose, cut into panels of {@link PackedGates#PANEL}
 * input columns, each panel stored column-major over the gate entries {@code dG} holds. The product then
 * has the shape of the forward one (one element of {@code dG} broadcast against a panel of 16 input
 * columns), so it runs on the forward kernels' register tiles with no horizontal sums, and the weights
 * it reads for a tile are contiguous rather than one panel stride (PANEL x (I + Hr) floats) apart.
 *
 * <p>Two blocks: the input side ({@code I} rows) and the recurrent side ({@code Hr} rows). For LSTM and
 * RNN each reads all {@code G*H} entries of {@code dG}. A GRU's input side reads {@code [r, z, n_x]}
 * ({@code dG[0, 3H)}) and its recurrent side {@code [r, z, n_h]} ({@code dG[0, 2H)} then {@code dG[3H, 4H)}).
 *
 * <p>A copy: call {@link #refresh()} after the source's weights change (a training step updates them
 * in place). The scalar kernels ignore the copy and read the source, so a missed refresh shows only with
 * the Vector API kernels: their results follow the weights as of the last refresh.
 */
public final class TransposedGates {
    private final PackedGates source;
    private final PackedGates.Block input;
    private final PackedGates.Block recurrent;
    private final float[] weights;

    private TransposedGates(PackedGates source) {
        this.source = source;
        int hid = source.hiddenSize();
        int cols = source.cell() == PackedGates.Cell.GRU ? 3 * hid : source.outputSize();
        this.input = new PackedGates.Block(source.inputSize(), 0, 0, cols, 0, 0);
        long offset = (long) input.panels() * PANEL * cols;
        long n = offset + (long) ((source.recurrentSize() + PANEL - 1) / PANEL) * PANEL * cols;
        if (n > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("cell too large to transpose: " + n + " weights");
        this.recurrent = new PackedGates.Block(source.recurrentSize(), 0, 0, cols, 0, (int) offset);
        this.weights = new float[(int) n];
    }

    /** A transposed copy of {@code source}'s current weights. */
    public static TransposedGates of(PackedGates source) {
        Kernels.checkNotNull("source", source);
        TransposedGates t = new TransposedGates(source);
        t.refresh();
        return t;
    }

    /** Copies the source's current weights in again. */
    public void refresh() {
        float[] w = source.weights();
        int in = source.inputSize(), hid = source.hiddenSize();
        boolean gru = source.cell() == PackedGates.Cell.GRU;
        int cols = input.colTo();
        for (PackedGates.Block blk : source.blocks()) {
            int width = blk.colTo() - blk.colFrom();
            // in tiles of PANEL x PANEL, so that reads and writes both stay within a few cache lines
            for (int r0 = 0; r0 < blk.rows(); r0 += PANEL) {
                for (int k0 = blk.colFrom(); k0 < blk.colTo(); k0 += PANEL) {
                    int rEnd = Math.min(r0 + PANEL, blk.rows()), kEnd = Math.min(k0 + PANEL, blk.colTo());
                    for (int r = r0; r < rEnd; r++) {
                        int entry = blk.outOffset() + r;
                        int from = blk.weightOffset() + (r / PANEL) * PANEL * width + r % PANEL;
                        for (int k = k0; k < kEnd; k++) {
                            float v = w[from + (k - blk.colFrom()) * PANEL];
                            if (k < in) {
                                weights[input.weightOffset() + (k / PANEL) * PANEL * cols + entry * PANEL + k % PANEL] = v;
                            } else {
                                int row = k - in, col = gru && entry >= 3 * hid ? entry - hid : entry;
                                weights[recurrent.weightOffset() + (row / PANEL) * PANEL * cols + col * PANEL + row % PANEL] = v;
                            }
                        }
                    }
                }
            }
        }
    }

    /** The packing this is a copy of. */
    public PackedGates source() {
        return source;
    }

    /** The input side: {@code I} rows over the {@code dG} entries it reads. */
    PackedGates.Block input() {
        return input;
    }

    /** The recurrent side: {@code Hr} rows over the {@code dG} entries it reads. */
    PackedGates.Block recurrent() {
        return recurrent;
    }

    /** The transposed weights, live. */
    float[] weights() {
        return weights;
    }
}
