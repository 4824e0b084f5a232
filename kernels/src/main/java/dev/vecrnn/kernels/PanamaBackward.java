package dev.vecrnn.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import static dev.vecrnn.kernels.PackedGates.PANEL;
import static dev.vecrnn.kernels.PanamaMath.L;
import static dev.vecrnn.kernels.PanamaMath.S;

import static dev.vecrnn.kernels.PanamaForward.TILE_CHUNKS;
import static dev.vecrnn.kernels.PanamaForward.chunkBase;
import static dev.vecrnn.kernels.PanamaForward.gatesSegment;

/**
 * The backward matrix products of the Vector API kernels: the gate gradient to the inputs
 * ({@code gatesBackwardData}, on the packed weights or, faster, on a {@link TransposedGates} copy through
 * {@link PanamaForward}'s product) and to the weights ({@code gatesBackwardWeights}). Chunks and tiles
 * as in {@link PanamaForward}.
 */
final class PanamaBackward {
    private PanamaBackward() {
    }

    static void gatesBackwardData(PackedGates p, int batch, float[] dG, int dgOff, int ldg,
                                  float[] dx, int dxOff, int ldx, float[] dh, int dhOff, int ldh) {
        int in = p.inputSize();
        for (PackedGates.Block blk : p.blocks()) {
            int xTo = Math.min(blk.colTo(), in);
            int hFrom = Math.max(blk.colFrom(), in);
            if (dx != null && xTo > blk.colFrom()) {
                backwardDataSegment(p.weights(), blk, batch, dG, dgOff, ldg, dx, dxOff, ldx, blk.colFrom(), xTo);
            }
            if (dh != null && blk.colTo() > hFrom) {
                backwardDataSegment(p.weights(), blk, batch, dG, dgOff, ldg, dh, dhOff - in, ldh, hFrom, blk.colTo());
            }
        }
    }

    /**
     * On the transposed copy the product is the forward one with dG as the input: the same register tiles,
     * L1 blocking and streaming paths, and contiguous weights (the packed layout would read them one panel
     * stride apart, with horizontal sums). LSTM 256, B = 32 (GatesGemmBench): 168 us, 200 GFLOP/s, against
     * 439 us on the packed layout.
     */
    static void gatesBackwardData(TransposedGates t, int batch, float[] dG, int dgOff, int ldg,
                                  float[] dx, int dxOff, int ldx, float[] dh, int dhOff, int ldh) {
        PackedGates p = t.source();
        PackedGates.Block in = t.input(), rec = t.recurrent();
        if (dx != null) gatesSegment(t.weights(), in, 0, false, batch, dG, dgOff, ldg, 0, in.colTo(), dx, dxOff, ldx);
        if (dh == null) return;
        if (p.cell() == PackedGates.Cell.GRU) {
            // columns [r, z] read dG[0, 2H); column n_h (2H .. 3H) reads dG[3H, 4H)
            int hid = p.hiddenSize();
            gatesSegment(t.weights(), rec, 0, false, batch, dG, dgOff, ldg, 0, 2 * hid, dh, dhOff, ldh);
            gatesSegment(t.weights(), rec, 0, false, batch, dG, dgOff + hid, ldg, 2 * hid, 3 * hid, dh, dhOff, ldh);
        } else {
            gatesSegment(t.weights(), rec, 0, false, batch, dG, dgOff, ldg, 0, rec.colTo(), dh, dhOff, ldh);
        }
    }

    /** Per thread: the partial last chunk of a block's dG rows, one zero-padded L-float slot per batch row. */
    private static final ThreadLocal<float[][]> PARTIAL = ThreadLocal.withInitial(() -> new float[][] {new float[0]});

    /**
     * The block's partial last chunk of dG (its rows past the last whole chunk) for every batch row, each
     * copied to slot b (at b * L) of a per-thread array and padded with zeros: the kernels read it with
     * whole-vector loads, where they read a masked load's zeros before. Masked loads (and stores) are
     * not intrinsics on x86 in JDK 17, and C2 boxed every vector they touched (88 KB per
     * gatesBackwardData call at 512 bits); copied once per segment they cost a few hundred floats.
     * Returns null when the block has no partial chunk.
     */
    private static float[] partialChunk(PackedGates.Block blk, int batch, float[] dG, int dgOff, int ldg) {
        int full = blk.rows() / L, rows = blk.rows() - full * L;
        if (rows == 0) return null;
        float[][] holder = PARTIAL.get();
        float[] pad = holder[0];
        if (pad.length < batch * L) holder[0] = pad = new float[batch * L];
        int g = dgOff + blk.outOffset() + full * L;
        for (int b = 0; b < batch; b++) {
            System.arraycopy(dG, g + b * ldg, pad, b * L, rows);
            java.util.Arrays.fill(pad, b * L + rows, (b + 1) * L, 0f);
        }
        return pad;
    }

    /** dst[dstOff + b*ld + k] += sum over block rows r of dG[b, r] W[r, k], for k in [kFrom, kTo). */
    private static void backwardDataSegment(float[] w, PackedGates.Block blk, int batch, float[] dG, int dgOff, int ldg,
                                            float[] dst, int dstOff, int ld, int kFrom, int kTo) {
        float[] pad = partialChunk(blk, batch, dG, dgOff, ldg);
        int b = 0;
        for (; b + 4 <= batch; b += 4) {
            int k = kFrom;
            for (; k + 4 <= kTo; k += 4) backwardData4x4(w, blk, dG, dgOff + b * ldg, ldg, pad, b * L, dst, dstOff + b * ld, ld, k);
            for (; k < kTo; k++) {
                for (int j = 0; j < 4; j++) {
                    backwardData1x1(w, blk, dG, dgOff + (b + j) * ldg, pad, (b + j) * L, dst, dstOff + (b + j) * ld, k);
                }
            }
        }
        for (; b < batch; b++) {
            int k = kFrom;
            for (; k + 4 <= kTo; k += 4) backwardData1x4(w, blk, dG, dgOff + b * ldg, pad, b * L, dst, dstOff + b * ld, k);
            for (; k < kTo; k++) backwardData1x1(w, blk, dG, dgOff + b * ldg, pad, b * L, dst, dstOff + b * ld, k);
        }
    }

    /** One batch row by four columns; a partial last chunk's dG is read from {@code pad} at {@code p}. */
    private static void backwardData1x4(float[] w, PackedGates.Block blk, float[] dG, int g, float[] pad, int p,
                                        float[] dst, int d, int k) {
        int chunks = (blk.rows() + L - 1) / L;
        int full = blk.rows() / L;
        int shift = blk.colFrom() * PANEL;
        int g0 = g + blk.outOffset();
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        for (int c = 0; c < full; c++) {
            int wb = chunkBase(blk, c) - shift + k * PANEL;
            FloatVector v = FloatVector.fromArray(S, dG, g0 + c * L);
            a0 = FloatVector.fromArray(S, w, wb).fma(v, a0);
            a1 = FloatVector.fromArray(S, w, wb + PANEL).fma(v, a1);
            a2 = FloatVector.fromArray(S, w, wb + 2 * PANEL).fma(v, a2);
            a3 = FloatVector.fromArray(S, w, wb + 3 * PANEL).fma(v, a3);
        }
        if (full < chunks) {
            int wb = chunkBase(blk, full) - shift + k * PANEL;
            FloatVector v = FloatVector.fromArray(S, pad, p);
            a0 = FloatVector.fromArray(S, w, wb).fma(v, a0);
            a1 = FloatVector.fromArray(S, w, wb + PANEL).fma(v, a1);
            a2 = FloatVector.fromArray(S, w, wb + 2 * PANEL).fma(v, a2);
            a3 = FloatVector.fromArray(S, w, wb + 3 * PANEL).fma(v, a3);
        }
        float[] t = PanamaMath.LANES.get();
        a0.intoArray(t, 0);
        a1.intoArray(t, L);
        a2.intoArray(t, 2 * L);
        a3.intoArray(t, 3 * L);
        for (int j = 0; j < 4; j++) dst[d + k + j] += PanamaMath.sumLanes(t, j * L);
    }

    /**
     * Four batch rows by four columns. The last chunk of a block may be partial: its dG rows are then read
     * from {@code pad} (at p, p + L, ...; see {@link #partialChunk}), chosen per chunk as an array and
     * offsets, never as a vector (a vector chosen by a conditional is boxed).
     */
    private static void backwardData4x4(float[] w, PackedGates.Block blk, float[] dG, int g, int ldg, float[] pad, int p,
                                        float[] dst, int d, int ld, int k) {
        int chunks = (blk.rows() + L - 1) / L;
        int full = blk.rows() / L;
        int shift = blk.colFrom() * PANEL;
        int g0 = g + blk.outOffset();
        FloatVector a00 = FloatVector.zero(S), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        for (int c = 0; c < chunks; c++) {
            boolean whole = c < full;
            float[] gs = whole ? dG : pad;
            int r0 = whole ? g0 + c * L : p, step = whole ? ldg : L;
            int wb = chunkBase(blk, c) - shift + k * PANEL;
            FloatVector m0 = FloatVector.fromArray(S, w, wb);
            FloatVector m1 = FloatVector.fromArray(S, w, wb + PANEL);
            FloatVector m2 = FloatVector.fromArray(S, w, wb + 2 * PANEL);
            FloatVector m3 = FloatVector.fromArray(S, w, wb + 3 * PANEL);
            FloatVector v = FloatVector.fromArray(S, gs, r0);
            a00 = m0.fma(v, a00);
            a01 = m1.fma(v, a01);
            a02 = m2.fma(v, a02);
            a03 = m3.fma(v, a03);
            v = FloatVector.fromArray(S, gs, r0 + step);
            a10 = m0.fma(v, a10);
            a11 = m1.fma(v, a11);
            a12 = m2.fma(v, a12);
            a13 = m3.fma(v, a13);
            v = FloatVector.fromArray(S, gs, r0 + 2 * step);
            a20 = m0.fma(v, a20);
            a21 = m1.fma(v, a21);
            a22 = m2.fma(v, a22);
            a23 = m3.fma(v, a23);
            v = FloatVector.fromArray(S, gs, r0 + 3 * step);
            a30 = m0.fma(v, a30);
            a31 = m1.fma(v, a31);
            a32 = m2.fma(v, a32);
            a33 = m3.fma(v, a33);
        }
        int d1 = d + ld, d2 = d1 + ld, d3 = d2 + ld;
        float[] t = PanamaMath.LANES.get();
        a00.intoArray(t, 0 * L);
        a01.intoArray(t, 1 * L);
        a02.intoArray(t, 2 * L);
        a03.intoArray(t, 3 * L);
        a10.intoArray(t, 4 * L);
        a11.intoArray(t, 5 * L);
        a12.intoArray(t, 6 * L);
        a13.intoArray(t, 7 * L);
        a20.intoArray(t, 8 * L);
        a21.intoArray(t, 9 * L);
        a22.intoArray(t, 10 * L);
        a23.intoArray(t, 11 * L);
        a30.intoArray(t, 12 * L);
        a31.intoArray(t, 13 * L);
        a32.intoArray(t, 14 * L);
        a33.intoArray(t, 15 * L);
        for (int j = 0; j < 4; j++) {
            dst[d + k + j] += PanamaMath.sumLanes(t, j * L);
            dst[d1 + k + j] += PanamaMath.sumLanes(t, (4 + j) * L);
            dst[d2 + k + j] += PanamaMath.sumLanes(t, (8 + j) * L);
            dst[d3 + k + j] += PanamaMath.sumLanes(t, (12 + j) * L);
        }
    }

    private static void backwardData1x1(float[] w, PackedGates.Block blk, float[] dG, int g, float[] pad, int p,
                                        float[] dst, int d, int k) {
        int chunks = (blk.rows() + L - 1) / L;
        int full = blk.rows() / L;
        int shift = blk.colFrom() * PANEL;
        int g0 = g + blk.outOffset();
        FloatVector acc = FloatVector.zero(S);
        for (int c = 0; c < chunks; c++) {
            boolean whole = c < full;
            FloatVector v = FloatVector.fromArray(S, whole ? dG : pad, whole ? g0 + c * L : p);
            acc = FloatVector.fromArray(S, w, chunkBase(blk, c) - shift + k * PANEL).fma(v, acc);
        }
        float[] t = PanamaMath.LANES.get();
        acc.intoArray(t, 0);
        dst[d + k] += PanamaMath.sumLanes(t, 0);
    }

    static void gatesBackwardWeights(PackedGates p, int batch, float[] dG, int dgOff, int ldg,
                                     float[] x, int xOff, int ldx, float[] h, int hOff, int ldh, PackedGates grad) {
        int in = p.inputSize();
        float[] gb = grad.bias();
        for (int b = 0; b < batch; b++) PanamaMath.axpy(p.outputSize(), 1f, dG, dgOff + b * ldg, gb, 0);
        for (PackedGates.Block blk : p.blocks()) {
            int xTo = Math.min(blk.colTo(), in);
            int hFrom = Math.max(blk.colFrom(), in);
            if (x != null && xTo > blk.colFrom()) {
                backwardWeightsSegment(grad.weights(), blk, batch, dG, dgOff, ldg, x, xOff, ldx, blk.colFrom(), xTo);
            }
            if (h != null && blk.colTo() > hFrom) {
                backwardWeightsSegment(grad.weights(), blk, batch, dG, dgOff, ldg, h, hOff - in, ldh, hFrom, blk.colTo());
            }
        }
    }

    /** Batch rows per pass of the weight-gradient product: their slice of a tile's chunks of dG is 128 x 4L floats at most (32 KiB at L = 16). */
    private static final int B_BLOCK = 128;
    /** Columns per weight-gradient tile: TILE_CHUNKS chunks by 4 columns (16 or 8 accumulators, as the forward tile). */
    private static final int W_COLS = 4;
    private static final ThreadLocal<float[]> DG_SLICE = ThreadLocal.withInitial(() -> new float[B_BLOCK * TILE_CHUNKS * L]);
    /** Columns of src packed per pass (see packColumns): B_BLOCK rows by 256 columns, 128 KiB. */
    private static final int K_COLUMNS = 256;
    private static final ThreadLocal<float[]> SRC_COLUMNS = ThreadLocal.withInitial(() -> new float[B_BLOCK * K_COLUMNS]);

    /**
     * Copies columns [kFrom, kTo) (a multiple of W_COLS of them) of {@code rows} rows of src (row b at
     * {@code s + b * ld}) into {@code packed}, a tile's four columns of each row side by side: column
     * {@code kFrom + 4t + j} of row b at {@code 4t * rows + 4b + j}. A tile then reads a row's four broadcasts
     * from one index that moves by 4 a row, where reading rows {@code ld} apart kept more indices live in
     * its loop than AVX2's 16 general registers hold beside the tile's own. The values and the order of
     * every sum are unchanged, so results are bit-identical.
     */
    private static void packColumns(float[] src, int s, int ld, int rows, int kFrom, int kTo, float[] packed) {
        for (int k = kFrom; k < kTo; k += W_COLS) {
            int d = (k - kFrom) * rows;
            for (int b = 0; b < rows; b++, d += W_COLS) {
                int r = s + b * ld + k;
                packed[d] = src[r];
                packed[d + 1] = src[r + 1];
                packed[d + 2] = src[r + 2];
                packed[d + 3] = src[r + 3];
            }
        }
    }

    /**
     * gw[block rows, k] += sum over b of dG[b, r] src[srcOff + b*ld + k], for k in [kFrom, kTo).
     *
     * <p>The batch (all steps of a sequence: thousands of rows) is taken B_BLOCK rows at a time, and each
     * block's dG rows for a tile's chunks are first copied side by side. Read in place they lie one dG row
     * (4 KiB at H = 256) apart, all in the same few cache sets, so every pass over the batch fetched them
     * again from L3; copied, the slice stays in L1 while all columns use it. Each accumulator still
     * sums its rows in order, so the result is the same as one pass over the whole batch, whatever the tile.
     */
    private static void backwardWeightsSegment(float[] gw, PackedGates.Block blk, int batch, float[] dG, int dgOff, int ldg,
                                               float[] src, int srcOff, int ld, int kFrom, int kTo) {
        int chunks = (blk.rows() + L - 1) / L;
        int full = blk.rows() / L;
        int shift = blk.colFrom() * PANEL;
        int g0 = dgOff + blk.outOffset();
        int groups = full / TILE_CHUNKS * TILE_CHUNKS;
        int tc = TILE_CHUNKS * L;
        float[] slice = DG_SLICE.get();
        int k4 = kFrom + (kTo - kFrom) / W_COLS * W_COLS; // [kFrom, k4) in tiles of W_COLS columns, the rest one by one
        float[] packed = SRC_COLUMNS.get();
        for (int b0 = 0; b0 < batch; b0 += B_BLOCK) {
            int bb = Math.min(B_BLOCK, batch - b0);
            for (int kc = kFrom; kc < kTo; kc += K_COLUMNS) {
                int kcTo = Math.min(kTo, kc + K_COLUMNS), kcTiles = Math.min(kcTo, k4);
                if (kcTiles > kc) packColumns(src, srcOff + b0 * ld, ld, bb, kc, kcTiles, packed);
                for (int c = 0; c < groups; c += TILE_CHUNKS) {
                    if (kcTiles > kc) {
                        copySlice(dG, g0 + b0 * ldg + c * L, ldg, bb, slice, tc);
                    }
                    int w0 = chunkBase(blk, c) - shift, w1 = chunkBase(blk, c + 1) - shift;
                    int k = kc;
                    if (TILE_CHUNKS == 4) {
                        int w2 = chunkBase(blk, c + 2) - shift, w3 = chunkBase(blk, c + 3) - shift;
                        for (; k < kcTiles; k += W_COLS) {
                            int kk = k * PANEL;
                            weights4x4(gw, w0 + kk, w1 + kk, w2 + kk, w3 + kk, slice, bb, packed, (k - kc) * bb);
                        }
                    } else {
                        weights2x4(gw, w0 + k * PANEL, w1 + k * PANEL, slice, bb, packed, 0, (kcTiles - k) / W_COLS);
                        k = Math.max(k, kcTiles); // past the tiles it walked (none where kcTiles < kc)
                    }
                    for (; k < kcTo; k++) {
                        for (int j = 0; j < TILE_CHUNKS; j++) {
                            weightsColumn(gw, blk, c + j, bb, dG, g0 + b0 * ldg, ldg, src, srcOff + b0 * ld, ld, k, shift);
                        }
                    }
                }
            }
        }
        for (int c = groups; c < full; c++) {
            for (int k = kFrom; k < kTo; k++) weightsColumn(gw, blk, c, batch, dG, g0, ldg, src, srcOff, ld, k, shift);
        }
        if (full < chunks) {
            float[] pad = partialChunk(blk, batch, dG, dgOff, ldg);
            for (int k = kFrom; k < kTo; k++) weightsColumnPartial(gw, blk, full, batch, pad, src, srcOff, ld, k, shift);
        }
    }

    /**
     * Rows of a tile's chunks of dG side by side: row b's {@code tc} floats (TILE_CHUNKS vectors) from
     * {@code g + b * ldg} to {@code b * tc}. Vector loads and stores: {@code System.arraycopy} of one row's
     * 64 bytes at 256 bits ran through the copy stub's call, 7% of a training iteration (LSTM 256, B = 32,
     * T = 64, -XX:UseAVX=2, JMH's perfasm).
     */
    private static void copySlice(float[] dG, int g, int ldg, int bb, float[] slice, int tc) {
        for (int b = 0; b < bb; b++, g += ldg) {
            for (int v = 0; v < tc; v += L) FloatVector.fromArray(S, dG, g + v).intoArray(slice, b * tc + v);
        }
    }

    /**
     * Two chunks by four columns (gw at i0 and i1) over bb rows of a dG slice, for {@code tiles} tiles of four
     * columns side by side; row b's four columns of tile t at q + 4 bb t + 4b (packColumns).
     */
    private static void weights2x4(float[] gw, int i0, int i1, float[] slice, int bb, float[] packed, int q, int tiles) {
        for (int t = 0; t < tiles; t++, i0 += W_COLS * PANEL, i1 += W_COLS * PANEL, q += W_COLS * bb) {
            FloatVector a00 = FloatVector.fromArray(S, gw, i0), a01 = FloatVector.fromArray(S, gw, i0 + PANEL);
            FloatVector a02 = FloatVector.fromArray(S, gw, i0 + 2 * PANEL), a03 = FloatVector.fromArray(S, gw, i0 + 3 * PANEL);
            FloatVector a10 = FloatVector.fromArray(S, gw, i1), a11 = FloatVector.fromArray(S, gw, i1 + PANEL);
            FloatVector a12 = FloatVector.fromArray(S, gw, i1 + 2 * PANEL), a13 = FloatVector.fromArray(S, gw, i1 + 3 * PANEL);
            for (int b = 0; b < bb; b++) {
                int g = b * 2 * L;
                FloatVector d0 = FloatVector.fromArray(S, slice, g);
                FloatVector d1 = FloatVector.fromArray(S, slice, g + L);
                int sb = q + W_COLS * b;
                FloatVector v = FloatVector.broadcast(S, packed[sb]);
                a00 = d0.fma(v, a00);
                a10 = d1.fma(v, a10);
                v = FloatVector.broadcast(S, packed[sb + 1]);
                a01 = d0.fma(v, a01);
                a11 = d1.fma(v, a11);
                v = FloatVector.broadcast(S, packed[sb + 2]);
                a02 = d0.fma(v, a02);
                a12 = d1.fma(v, a12);
                v = FloatVector.broadcast(S, packed[sb + 3]);
                a03 = d0.fma(v, a03);
                a13 = d1.fma(v, a13);
            }
            a00.intoArray(gw, i0);
            a01.intoArray(gw, i0 + PANEL);
            a02.intoArray(gw, i0 + 2 * PANEL);
            a03.intoArray(gw, i0 + 3 * PANEL);
            a10.intoArray(gw, i1);
            a11.intoArray(gw, i1 + PANEL);
            a12.intoArray(gw, i1 + 2 * PANEL);
            a13.intoArray(gw, i1 + 3 * PANEL);
        }
    }

    /** Four chunks by four columns (gw at i0 to i3) over bb rows of a dG slice; row b's four columns at q + 4b (packColumns). */
    private static void weights4x4(float[] gw, int i0, int i1, int i2, int i3, float[] slice, int bb, float[] packed, int q) {
        FloatVector a00 = FloatVector.fromArray(S, gw, i0), a01 = FloatVector.fromArray(S, gw, i0 + PANEL);
        FloatVector a02 = FloatVector.fromArray(S, gw, i0 + 2 * PANEL), a03 = FloatVector.fromArray(S, gw, i0 + 3 * PANEL);
        FloatVector a10 = FloatVector.fromArray(S, gw, i1), a11 = FloatVector.fromArray(S, gw, i1 + PANEL);
        FloatVector a12 = FloatVector.fromArray(S, gw, i1 + 2 * PANEL), a13 = FloatVector.fromArray(S, gw, i1 + 3 * PANEL);
        FloatVector a20 = FloatVector.fromArray(S, gw, i2), a21 = FloatVector.fromArray(S, gw, i2 + PANEL);
        FloatVector a22 = FloatVector.fromArray(S, gw, i2 + 2 * PANEL), a23 = FloatVector.fromArray(S, gw, i2 + 3 * PANEL);
        FloatVector a30 = FloatVector.fromArray(S, gw, i3), a31 = FloatVector.fromArray(S, gw, i3 + PANEL);
        FloatVector a32 = FloatVector.fromArray(S, gw, i3 + 2 * PANEL), a33 = FloatVector.fromArray(S, gw, i3 + 3 * PANEL);
        for (int b = 0; b < bb; b++) {
            int g = b * 4 * L;
            FloatVector d0 = FloatVector.fromArray(S, slice, g);
            FloatVector d1 = FloatVector.fromArray(S, slice, g + L);
            FloatVector d2 = FloatVector.fromArray(S, slice, g + 2 * L);
            FloatVector d3 = FloatVector.fromArray(S, slice, g + 3 * L);
            int sb = q + W_COLS * b;
            FloatVector v = FloatVector.broadcast(S, packed[sb]);
            a00 = d0.fma(v, a00);
            a10 = d1.fma(v, a10);
            a20 = d2.fma(v, a20);
            a30 = d3.fma(v, a30);
            v = FloatVector.broadcast(S, packed[sb + 1]);
            a01 = d0.fma(v, a01);
            a11 = d1.fma(v, a11);
            a21 = d2.fma(v, a21);
            a31 = d3.fma(v, a31);
            v = FloatVector.broadcast(S, packed[sb + 2]);
            a02 = d0.fma(v, a02);
            a12 = d1.fma(v, a12);
            a22 = d2.fma(v, a22);
            a32 = d3.fma(v, a32);
            v = FloatVector.broadcast(S, packed[sb + 3]);
            a03 = d0.fma(v, a03);
            a13 = d1.fma(v, a13);
            a23 = d2.fma(v, a23);
            a33 = d3.fma(v, a33);
        }
        a00.intoArray(gw, i0);
        a01.intoArray(gw, i0 + PANEL);
        a02.intoArray(gw, i0 + 2 * PANEL);
        a03.intoArray(gw, i0 + 3 * PANEL);
        a10.intoArray(gw, i1);
        a11.intoArray(gw, i1 + PANEL);
        a12.intoArray(gw, i1 + 2 * PANEL);
        a13.intoArray(gw, i1 + 3 * PANEL);
        a20.intoArray(gw, i2);
        a21.intoArray(gw, i2 + PANEL);
        a22.intoArray(gw, i2 + 2 * PANEL);
        a23.intoArray(gw, i2 + 3 * PANEL);
        a30.intoArray(gw, i3);
        a31.intoArray(gw, i3 + PANEL);
        a32.intoArray(gw, i3 + 2 * PANEL);
        a33.intoArray(gw, i3 + 3 * PANEL);
    }

    /** One whole chunk, one column. */
    private static void weightsColumn(float[] gw, PackedGates.Block blk, int c, int batch, float[] dG, int g0, int ldg,
                                      float[] src, int srcOff, int ld, int k, int shift) {
        int at = chunkBase(blk, c) - shift + k * PANEL;
        FloatVector acc = FloatVector.fromArray(S, gw, at);
        for (int b = 0; b < batch; b++) {
            acc = FloatVector.fromArray(S, dG, g0 + b * ldg + c * L).fma(FloatVector.broadcast(S, src[srcOff + b * ld + k]), acc);
        }
        acc.intoArray(gw, at);
    }

    /**
     * The last, partial chunk of a block, its dG rows in {@code pad} (see {@link #partialChunk}). Lanes do
     * not mix here, so the whole chunk is computed (its padding rows are inside the panel) and only its
     * {@code rows} valid lanes are written back, through {@link PanamaMath#LANES}: what the masked load
     * and store did, without the masked store JDK 17 lacks (78 KB boxed per call at 512 bits).
     */
    private static void weightsColumnPartial(float[] gw, PackedGates.Block blk, int c, int batch, float[] pad,
                                             float[] src, int srcOff, int ld, int k, int shift) {
        int at = chunkBase(blk, c) - shift + k * PANEL;
        int rows = blk.rows() - c * L;
        FloatVector acc = FloatVector.fromArray(S, gw, at);
        for (int b = 0; b < batch; b++) {
            acc = FloatVector.fromArray(S, pad, b * L).fma(FloatVector.broadcast(S, src[srcOff + b * ld + k]), acc);
        }
        float[] t = PanamaMath.LANES.get();
        acc.intoArray(t, 0);
        System.arraycopy(t, 0, gw, at, rows);
    }
}
