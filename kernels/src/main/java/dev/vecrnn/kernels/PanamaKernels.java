package dev.vecrnn.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import static dev.vecrnn.kernels.PackedGates.PANEL;
import static dev.vecrnn.kernels.PanamaMath.L;
import static dev.vecrnn.kernels.PanamaMath.S;

/**
 * The Vector API kernels. Loaded by name only after {@link KernelSelection}'s checks, so nothing else
 * touches an incubator class. Matrix products here; pointwise work in {@link PanamaPointwise}.
 *
 * <p>Packed gates: a <em>chunk</em> is one vector of L rows of a panel; a panel holds
 * {@code PANEL / L} chunks side by side in every column. The forward product broadcasts one element of
 * {@code [x; h]} per column against a register tile of chunks and batch rows (its shape by the register
 * file: {@link #TILE_CHUNKS}), with no horizontal reduction.
 */
final class PanamaKernels extends PanamaPointwise {
    private static final int VPP = PANEL / L;

    /**
     * The register file the species implies: AVX-512 and ARM (NEON, SVE) have 32 vector registers, AVX2
     * and SSE 16. A 256-bit species on an AVX-512 machine (capped by {@code -XX:MaxVectorSize=32}) is taken
     * for 16 as well: a tile that fits 16 runs on 32, the converse spills. {@code -Dvecrnn.kernels.registers}
     * (16 or 32) overrides it, so that a test run can exercise either shape at any width.
     */
    static final int REGISTERS = registers();
    /**
     * The batched products' register tile, by the register file: with 32 registers, 4 batch rows by 4
     * chunks; with 16, 4 rows by 2 chunks. What must fit is every accumulator plus every broadcast and
     * weight vector of one column, because C2 issues all of a column's loads before its FMAs: 16 + 4 + 4 = 24
     * of 32, and 8 + 4 + 2 = 14 of 16. A 6 x 2 tile (12 + 6 + 2 = 20) spilled four accumulators to the stack
     * on every column under -XX:UseAVX=2 (seen in its machine code), and 4 x 4 spills eight.
     */
    static final int TILE_ROWS = 4;
    static final int TILE_CHUNKS = REGISTERS >= 32 ? 4 : 2;
    /**
     * Columns per pass of the batched forward product: the tile's weights (TILE_CHUNKS chunks) stay in L1
     * across all batch rows. 16 KiB of weights, half of the smallest L1 data cache of the CPUs that run
     * the Vector API, and never fewer than 128 columns (the block the 4 x 4 tile at 16 floats was tuned with: 32 KiB).
     */
    private static final int K_BLOCK = Math.max(128, 4096 / (TILE_CHUNKS * L));

    private static int registers() {
        String forced = System.getProperty("vecrnn.kernels.registers", "").trim();
        if (forced.equals("16") || forced.equals("32")) return Integer.parseInt(forced);
        String arch = System.getProperty("os.arch", "");
        return S.vectorBitSize() >= 512 || arch.equals("aarch64") || arch.equals("arm64") ? 32 : 16;
    }

    public PanamaKernels() {
    }

    @Override
    String unusableReason() {
        if (L < 4) return "the preferred vector holds only " + L + " floats (at least 4 are needed to gain)";
        if (PANEL % L != 0) return "the vector length " + L + " does not divide the panel of " + PANEL;
        return null;
    }

    @Override
    public String name() {
        return "panama-" + S.vectorBitSize();
    }

    @Override
    public String shape() {
        return S.vectorBitSize() + "-bit vectors (" + L + " floats), " + REGISTERS + " registers: " + TILE_ROWS + "x"
                + TILE_CHUNKS + " register tiles of " + L + "-float chunks, " + K_BLOCK + "-column blocks, 8 weight streams";
    }

    // ---------------------------------------------------------------- vectors

    @Override
    protected float dotImpl(int n, float[] x, int xOff, float[] y, int yOff) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i + 4 * L <= n; i += 4 * L) {
            a0 = FloatVector.fromArray(S, x, xOff + i).fma(FloatVector.fromArray(S, y, yOff + i), a0);
            a1 = FloatVector.fromArray(S, x, xOff + i + L).fma(FloatVector.fromArray(S, y, yOff + i + L), a1);
            a2 = FloatVector.fromArray(S, x, xOff + i + 2 * L).fma(FloatVector.fromArray(S, y, yOff + i + 2 * L), a2);
            a3 = FloatVector.fromArray(S, x, xOff + i + 3 * L).fma(FloatVector.fromArray(S, y, yOff + i + 3 * L), a3);
        }
        for (int bound = S.loopBound(n); i < bound; i += L) {
            a0 = FloatVector.fromArray(S, x, xOff + i).fma(FloatVector.fromArray(S, y, yOff + i), a0);
        }
        float[] t = PanamaMath.LANES.get();
        a0.add(a1).add(a2.add(a3)).intoArray(t, 0);
        float s = PanamaMath.sumLanes(t, 0);
        for (; i < n; i++) s = Math.fma(x[xOff + i], y[yOff + i], s);
        return s;
    }

    @Override
    protected void axpyImpl(int n, float a, float[] x, int xOff, float[] y, int yOff) {
        FloatVector av = FloatVector.broadcast(S, a);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(S, x, xOff + i).fma(av, FloatVector.fromArray(S, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] = Math.fma(a, x[xOff + i], y[yOff + i]);
    }

    @Override
    protected void scaleImpl(int n, float a, float[] x, int xOff) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += L) FloatVector.fromArray(S, x, xOff + i).mul(a).intoArray(x, xOff + i);
        for (int i = bound; i < n; i++) x[xOff + i] *= a;
    }

    @Override
    protected int firstNonFiniteImpl(int n, float[] x, int xOff) {
        int bound = S.loopBound(n), i = 0;
        // whole vectors until one holds a NaN or infinity; the scalar loop then finds it (or the tail's)
        for (; i < bound; i += L) {
            if (!FloatVector.fromArray(S, x, xOff + i).test(VectorOperators.IS_FINITE).allTrue()) break;
        }
        for (; i < n; i++) if (!Float.isFinite(x[xOff + i])) return i;
        return -1;
    }

    // ---------------------------------------------------------------- dense row-major products

    @Override
    protected void gemmNTImpl(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                              float[] c, int cOff, int ldc, boolean accumulate) {
        int kb = S.loopBound(k);
        for (int i = 0; i < m; i++) {
            int ai = aOff + i * lda;
            int j = 0;
            for (; j + 4 <= n; j += 4) {
                int b0 = bOff + j * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
                FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
                for (int p = 0; p < kb; p += L) {
                    FloatVector av = FloatVector.fromArray(S, a, ai + p);
                    s0 = av.fma(FloatVector.fromArray(S, b, b0 + p), s0);
                    s1 = av.fma(FloatVector.fromArray(S, b, b1 + p), s1);
                    s2 = av.fma(FloatVector.fromArray(S, b, b2 + p), s2);
                    s3 = av.fma(FloatVector.fromArray(S, b, b3 + p), s3);
                }
                float[] t = PanamaMath.LANES.get();
                s0.intoArray(t, 0);
                s1.intoArray(t, L);
                s2.intoArray(t, 2 * L);
                s3.intoArray(t, 3 * L);
                float r0 = PanamaMath.sumLanes(t, 0), r1 = PanamaMath.sumLanes(t, L);
                float r2 = PanamaMath.sumLanes(t, 2 * L), r3 = PanamaMath.sumLanes(t, 3 * L);
                for (int p = kb; p < k; p++) {
                    float av = a[ai + p];
                    r0 = Math.fma(av, b[b0 + p], r0);
                    r1 = Math.fma(av, b[b1 + p], r1);
                    r2 = Math.fma(av, b[b2 + p], r2);
                    r3 = Math.fma(av, b[b3 + p], r3);
                }
                int ci = cOff + i * ldc + j;
                c[ci] = accumulate ? c[ci] + r0 : r0;
                c[ci + 1] = accumulate ? c[ci + 1] + r1 : r1;
                c[ci + 2] = accumulate ? c[ci + 2] + r2 : r2;
                c[ci + 3] = accumulate ? c[ci + 3] + r3 : r3;
            }
            for (; j < n; j++) {
                float r = dotImpl(k, a, ai, b, bOff + j * ldb);
                int ci = cOff + i * ldc + j;
                c[ci] = accumulate ? c[ci] + r : r;
            }
        }
    }

    // ---------------------------------------------------------------- packed gates

    /** Index of chunk c's first float in column colFrom of its block. */
    private static int chunkBase(PackedGates.Block blk, int c) {
        return blk.weightOffset() + (c / VPP) * PANEL * (blk.colTo() - blk.colFrom()) + (c % VPP) * L;
    }

    @Override
    protected void gatesImpl(PackedGates p, int batch, float[] x, int xOff, int ldx, float[] h, int hOff, int ldh,
                             float[] out, int outOff, int ldo, boolean bias, boolean recurrent) {
        int in = p.inputSize();
        if (bias) {
            for (int b = 0; b < batch; b++) System.arraycopy(p.bias(), 0, out, outOff + b * ldo, p.outputSize());
        }
        boolean down = batch < 4 && Sweep.next(p);
        // A streaming step: each group of eight chunks (eight weight streams in flight) reads its panels'
        // x and h columns in one pass. They are contiguous in a panel, so the weights stream without a
        // break; two passes (x part, then h part) leave the prefetcher fetching past each half's end.
        boolean fused = batch < 4 && x != null && h != null;
        PackedGates.Block[] blocks = p.blocks();
        for (int i = 0; i < blocks.length; i++) {
            PackedGates.Block blk = blocks[down ? blocks.length - 1 - i : i];
            int xTo = Math.min(blk.colTo(), in);
            int hFrom = Math.max(blk.colFrom(), in);
            int full8 = fused ? blk.rows() / L / 8 * 8 : 0;
            if (!down) fusedGroups(p.weights(), blk, full8, false, batch, x, xOff, ldx, xTo, h, hOff - in, ldh, hFrom, out, outOff, ldo);
            if (x != null && xTo > blk.colFrom()) {
                gatesSegment(p.weights(), blk, full8, down, batch, x, xOff, ldx, blk.colFrom(), xTo, out, outOff, ldo);
            }
            if (h != null && blk.colTo() > hFrom) {
                gatesSegment(p.weights(), blk, full8, down, batch, h, hOff - in, ldh, hFrom, blk.colTo(), out, outOff, ldo);
            }
            if (down) fusedGroups(p.weights(), blk, full8, true, batch, x, xOff, ldx, xTo, h, hOff - in, ldh, hFrom, out, outOff, ldo);
        }
    }

    /**
     * The direction of the next streaming (batch below 4) product on this thread. A batch-1 step reads
     * every weight once, and the next step reads them all again; walking the weights forward on one call
     * and backward on the next makes the next call start with the bytes the last one read most recently,
     * which are the ones still in cache. When the weights are a little larger than a cache level (LSTM 256:
     * 2 MiB against a 1 MiB L2), a forward-only walk evicts each line just before it is needed again.
     * Per thread, because the cache that matters is that of the core the thread runs on, and per weight
     * matrix (a slot chosen when it is packed), because a stacked stream calls each layer in turn: one
     * flag per thread would send every layer of a two-layer stack the same way each step. Two matrices
     * that share a slot only lose the gain. The order only changes which chunk of rows is computed first,
     * never the arithmetic of one row, so results are bit-identical in either direction.
     *
     * <p>Measured (JMH, one core, A/B in one session): LSTM 256 step 31-33 -> 21.1-21.5 us, GRU 256
     * 20.6-21.5 -> 14.7-14.9 us, LSTM 1024 855-894 -> 677-800 us. {@code -Dvecrnn.kernels.sweep=forward}
     * turns it off, to repeat the comparison.
     */
    private static final class Sweep {
        private static final ThreadLocal<Sweep> CURRENT = ThreadLocal.withInitial(Sweep::new);
        private static final boolean FORWARD_ONLY = "forward".equals(System.getProperty("vecrnn.kernels.sweep"));
        private final boolean[] down = new boolean[PackedGates.SWEEP_SLOTS];

        static boolean next(PackedGates p) {
            if (FORWARD_ONLY) return false;
            boolean[] d = CURRENT.get().down;
            int slot = p.sweepSlot();
            d[slot] = !d[slot];
            return d[slot];
        }
    }

    /** The fused x-and-h groups of eight chunks in [0, cTo), one batch row at a time, first to last or back. */
    private static void fusedGroups(float[] w, PackedGates.Block blk, int cTo, boolean down, int batch,
                                    float[] x, int xOff, int ldx, int xTo, float[] h, int hOff, int ldh, int hFrom,
                                    float[] out, int outOff, int ldo) {
        for (int i = 0; i < cTo; i += 8) {
            int c = down ? cTo - 8 - i : i;
            for (int b = 0; b < batch; b++) {
                tile1x8(w, blk, c, x, xOff + b * ldx, blk.colFrom(), xTo, h, hOff + b * ldh, hFrom, blk.colTo(), out, outOff + b * ldo);
            }
        }
    }

    /**
     * out[b, block rows] += W[block rows, k] * src[srcOff + b*ld + k] summed over k in [kFrom, kTo), for the
     * block's chunks from {@code cFrom} (a multiple of 8) on; {@code down} walks the chunks last to first.
     */
    private static void gatesSegment(float[] w, PackedGates.Block blk, int cFrom, boolean down, int batch, float[] src,
                                     int srcOff, int ld, int kFrom, int kTo, float[] out, int outOff, int ldo) {
        int chunks = (blk.rows() + L - 1) / L;
        int full = blk.rows() / L;
        // One row at a time (a streaming step): eight chunks, eight weight streams in flight at once, over
        // all columns; the weights are read once, so no column blocking. Batches of 4 and more: the register tile.
        int e8 = batch < 4 ? cFrom + (full - cFrom) / 8 * 8 : cFrom;
        int eT = e8 + (full - e8) / TILE_CHUNKS * TILE_CHUNKS;
        if (down) {
            for (int c = chunks - 1; c >= eT; c--) gatesChunk(w, blk, c, batch, src, srcOff, ld, kFrom, kTo, out, outOff, ldo);
        }
        for (int i = e8; i < eT; i += TILE_CHUNKS) {
            int c = down ? eT - TILE_CHUNKS - (i - e8) : i;
            // Columns in blocks of K_BLOCK keep the tile's weights in L1 across the batch rows. Every row
            // of a tile sums its columns in the same order as a row alone, so the partition of the batch
            // (threads, tiles, remainders) never changes a result.
            for (int k0 = kFrom; k0 < kTo; k0 += K_BLOCK) {
                int k1 = Math.min(kTo, k0 + K_BLOCK);
                int b = 0;
                if (TILE_CHUNKS == 4) {
                    for (; b + 4 <= batch; b += 4) tile4x4(w, blk, c, src, srcOff + b * ld, ld, k0, k1, out, outOff + b * ldo, ldo);
                    for (; b < batch; b++) tile1x4(w, blk, c, src, srcOff + b * ld, k0, k1, out, outOff + b * ldo);
                } else {
                    for (; b + 4 <= batch; b += 4) tile4x2(w, blk, c, src, srcOff + b * ld, ld, k0, k1, out, outOff + b * ldo, ldo);
                    for (; b < batch; b++) tile1x2(w, blk, c, src, srcOff + b * ld, k0, k1, out, outOff + b * ldo);
                }
            }
        }
        for (int i = cFrom; i < e8; i += 8) {
            int c = down ? e8 - 8 - (i - cFrom) : i;
            for (int b = 0; b < batch; b++) tile1x8(w, blk, c, src, srcOff + b * ld, kFrom, kTo, src, 0, 0, 0, out, outOff + b * ldo);
        }
        if (!down) {
            for (int c = eT; c < chunks; c++) gatesChunk(w, blk, c, batch, src, srcOff, ld, kFrom, kTo, out, outOff, ldo);
        }
    }

    /** One chunk (possibly the block's partial last one) for every batch row. */
    private static void gatesChunk(float[] w, PackedGates.Block blk, int c, int batch, float[] src, int srcOff, int ld,
                                   int kFrom, int kTo, float[] out, int outOff, int ldo) {
        VectorMask<Float> m = S.indexInRange(c * L, blk.rows());
        int base = chunkBase(blk, c) - blk.colFrom() * PANEL;
        for (int b = 0; b < batch; b++) {
            int s = srcOff + b * ld;
            FloatVector acc = FloatVector.zero(S);
            for (int k = kFrom; k < kTo; k++) {
                acc = FloatVector.fromArray(S, w, base + k * PANEL).fma(FloatVector.broadcast(S, src[s + k]), acc);
            }
            int o = outOff + b * ldo + blk.outOffset() + c * L;
            FloatVector.fromArray(S, out, o, m).add(acc).intoArray(out, o, m);
        }
    }

    /** Eight chunks of one row: columns [kFrom, kTo) from src (at s + k), then [k2From, k2To) from src2 (at s2 + k). */
    private static void tile1x8(float[] w, PackedGates.Block blk, int c, float[] src, int s, int kFrom, int kTo,
                                float[] src2, int s2, int k2From, int k2To, float[] out, int o) {
        int shift = blk.colFrom() * PANEL;
        int w0 = chunkBase(blk, c) - shift, w1 = chunkBase(blk, c + 1) - shift;
        int w2 = chunkBase(blk, c + 2) - shift, w3 = chunkBase(blk, c + 3) - shift;
        int w4 = chunkBase(blk, c + 4) - shift, w5 = chunkBase(blk, c + 5) - shift;
        int w6 = chunkBase(blk, c + 6) - shift, w7 = chunkBase(blk, c + 7) - shift;
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (int k = kFrom; k < kTo; k++) {
            FloatVector v = FloatVector.broadcast(S, src[s + k]);
            int kk = k * PANEL;
            a0 = FloatVector.fromArray(S, w, w0 + kk).fma(v, a0);
            a1 = FloatVector.fromArray(S, w, w1 + kk).fma(v, a1);
            a2 = FloatVector.fromArray(S, w, w2 + kk).fma(v, a2);
            a3 = FloatVector.fromArray(S, w, w3 + kk).fma(v, a3);
            a4 = FloatVector.fromArray(S, w, w4 + kk).fma(v, a4);
            a5 = FloatVector.fromArray(S, w, w5 + kk).fma(v, a5);
            a6 = FloatVector.fromArray(S, w, w6 + kk).fma(v, a6);
            a7 = FloatVector.fromArray(S, w, w7 + kk).fma(v, a7);
        }
        for (int k = k2From; k < k2To; k++) {
            FloatVector v = FloatVector.broadcast(S, src2[s2 + k]);
            int kk = k * PANEL;
            a0 = FloatVector.fromArray(S, w, w0 + kk).fma(v, a0);
            a1 = FloatVector.fromArray(S, w, w1 + kk).fma(v, a1);
            a2 = FloatVector.fromArray(S, w, w2 + kk).fma(v, a2);
            a3 = FloatVector.fromArray(S, w, w3 + kk).fma(v, a3);
            a4 = FloatVector.fromArray(S, w, w4 + kk).fma(v, a4);
            a5 = FloatVector.fromArray(S, w, w5 + kk).fma(v, a5);
            a6 = FloatVector.fromArray(S, w, w6 + kk).fma(v, a6);
            a7 = FloatVector.fromArray(S, w, w7 + kk).fma(v, a7);
        }
        int oc = o + blk.outOffset() + c * L;
        FloatVector.fromArray(S, out, oc).add(a0).intoArray(out, oc);
        FloatVector.fromArray(S, out, oc + L).add(a1).intoArray(out, oc + L);
        FloatVector.fromArray(S, out, oc + 2 * L).add(a2).intoArray(out, oc + 2 * L);
        FloatVector.fromArray(S, out, oc + 3 * L).add(a3).intoArray(out, oc + 3 * L);
        FloatVector.fromArray(S, out, oc + 4 * L).add(a4).intoArray(out, oc + 4 * L);
        FloatVector.fromArray(S, out, oc + 5 * L).add(a5).intoArray(out, oc + 5 * L);
        FloatVector.fromArray(S, out, oc + 6 * L).add(a6).intoArray(out, oc + 6 * L);
        FloatVector.fromArray(S, out, oc + 7 * L).add(a7).intoArray(out, oc + 7 * L);
    }

    private static void tile1x4(float[] w, PackedGates.Block blk, int c, float[] src, int s, int kFrom, int kTo,
                                float[] out, int o) {
        int shift = blk.colFrom() * PANEL;
        int w0 = chunkBase(blk, c) - shift, w1 = chunkBase(blk, c + 1) - shift;
        int w2 = chunkBase(blk, c + 2) - shift, w3 = chunkBase(blk, c + 3) - shift;
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        for (int k = kFrom; k < kTo; k++) {
            FloatVector v = FloatVector.broadcast(S, src[s + k]);
            int kk = k * PANEL;
            a0 = FloatVector.fromArray(S, w, w0 + kk).fma(v, a0);
            a1 = FloatVector.fromArray(S, w, w1 + kk).fma(v, a1);
            a2 = FloatVector.fromArray(S, w, w2 + kk).fma(v, a2);
            a3 = FloatVector.fromArray(S, w, w3 + kk).fma(v, a3);
        }
        int oc = o + blk.outOffset() + c * L;
        FloatVector.fromArray(S, out, oc).add(a0).intoArray(out, oc);
        FloatVector.fromArray(S, out, oc + L).add(a1).intoArray(out, oc + L);
        FloatVector.fromArray(S, out, oc + 2 * L).add(a2).intoArray(out, oc + 2 * L);
        FloatVector.fromArray(S, out, oc + 3 * L).add(a3).intoArray(out, oc + 3 * L);
    }

    private static void tile4x4(float[] w, PackedGates.Block blk, int c, float[] src, int s, int ld, int kFrom, int kTo,
                                float[] out, int o, int ldo) {
        int shift = blk.colFrom() * PANEL;
        int w0 = chunkBase(blk, c) - shift, w1 = chunkBase(blk, c + 1) - shift;
        int w2 = chunkBase(blk, c + 2) - shift, w3 = chunkBase(blk, c + 3) - shift;
        int s0 = s, s1 = s + ld, s2 = s + 2 * ld, s3 = s + 3 * ld;
        FloatVector a00 = FloatVector.zero(S), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        for (int k = kFrom; k < kTo; k++) {
            int kk = k * PANEL;
            FloatVector m0 = FloatVector.fromArray(S, w, w0 + kk);
            FloatVector m1 = FloatVector.fromArray(S, w, w1 + kk);
            FloatVector m2 = FloatVector.fromArray(S, w, w2 + kk);
            FloatVector m3 = FloatVector.fromArray(S, w, w3 + kk);
            FloatVector v = FloatVector.broadcast(S, src[s0 + k]);
            a00 = m0.fma(v, a00);
            a01 = m1.fma(v, a01);
            a02 = m2.fma(v, a02);
            a03 = m3.fma(v, a03);
            v = FloatVector.broadcast(S, src[s1 + k]);
            a10 = m0.fma(v, a10);
            a11 = m1.fma(v, a11);
            a12 = m2.fma(v, a12);
            a13 = m3.fma(v, a13);
            v = FloatVector.broadcast(S, src[s2 + k]);
            a20 = m0.fma(v, a20);
            a21 = m1.fma(v, a21);
            a22 = m2.fma(v, a22);
            a23 = m3.fma(v, a23);
            v = FloatVector.broadcast(S, src[s3 + k]);
            a30 = m0.fma(v, a30);
            a31 = m1.fma(v, a31);
            a32 = m2.fma(v, a32);
            a33 = m3.fma(v, a33);
        }
        // Stores written out in place: handing vectors to a helper that is not inlined boxes them.
        int r0 = o + blk.outOffset() + c * L, r1 = r0 + ldo, r2 = r1 + ldo, r3 = r2 + ldo;
        FloatVector.fromArray(S, out, r0).add(a00).intoArray(out, r0);
        FloatVector.fromArray(S, out, r0 + L).add(a01).intoArray(out, r0 + L);
        FloatVector.fromArray(S, out, r0 + 2 * L).add(a02).intoArray(out, r0 + 2 * L);
        FloatVector.fromArray(S, out, r0 + 3 * L).add(a03).intoArray(out, r0 + 3 * L);
        FloatVector.fromArray(S, out, r1).add(a10).intoArray(out, r1);
        FloatVector.fromArray(S, out, r1 + L).add(a11).intoArray(out, r1 + L);
        FloatVector.fromArray(S, out, r1 + 2 * L).add(a12).intoArray(out, r1 + 2 * L);
        FloatVector.fromArray(S, out, r1 + 3 * L).add(a13).intoArray(out, r1 + 3 * L);
        FloatVector.fromArray(S, out, r2).add(a20).intoArray(out, r2);
        FloatVector.fromArray(S, out, r2 + L).add(a21).intoArray(out, r2 + L);
        FloatVector.fromArray(S, out, r2 + 2 * L).add(a22).intoArray(out, r2 + 2 * L);
        FloatVector.fromArray(S, out, r2 + 3 * L).add(a23).intoArray(out, r2 + 3 * L);
        FloatVector.fromArray(S, out, r3).add(a30).intoArray(out, r3);
        FloatVector.fromArray(S, out, r3 + L).add(a31).intoArray(out, r3 + L);
        FloatVector.fromArray(S, out, r3 + 2 * L).add(a32).intoArray(out, r3 + 2 * L);
        FloatVector.fromArray(S, out, r3 + 3 * L).add(a33).intoArray(out, r3 + 3 * L);
    }

    /** The 16-register tile: four batch rows by two chunks (8 accumulators). */
    private static void tile4x2(float[] w, PackedGates.Block blk, int c, float[] src, int s, int ld, int kFrom, int kTo,
                                float[] out, int o, int ldo) {
        int shift = blk.colFrom() * PANEL;
        int w0 = chunkBase(blk, c) - shift, w1 = chunkBase(blk, c + 1) - shift;
        int s0 = s, s1 = s0 + ld, s2 = s1 + ld, s3 = s2 + ld;
        FloatVector a00 = FloatVector.zero(S), a01 = a00, a10 = a00, a11 = a00;
        FloatVector a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        for (int k = kFrom; k < kTo; k++) {
            int kk = k * PANEL;
            FloatVector m0 = FloatVector.fromArray(S, w, w0 + kk);
            FloatVector m1 = FloatVector.fromArray(S, w, w1 + kk);
            FloatVector v = FloatVector.broadcast(S, src[s0 + k]);
            a00 = m0.fma(v, a00);
            a01 = m1.fma(v, a01);
            v = FloatVector.broadcast(S, src[s1 + k]);
            a10 = m0.fma(v, a10);
            a11 = m1.fma(v, a11);
            v = FloatVector.broadcast(S, src[s2 + k]);
            a20 = m0.fma(v, a20);
            a21 = m1.fma(v, a21);
            v = FloatVector.broadcast(S, src[s3 + k]);
            a30 = m0.fma(v, a30);
            a31 = m1.fma(v, a31);
        }
        int r0 = o + blk.outOffset() + c * L, r1 = r0 + ldo, r2 = r1 + ldo, r3 = r2 + ldo;
        FloatVector.fromArray(S, out, r0).add(a00).intoArray(out, r0);
        FloatVector.fromArray(S, out, r0 + L).add(a01).intoArray(out, r0 + L);
        FloatVector.fromArray(S, out, r1).add(a10).intoArray(out, r1);
        FloatVector.fromArray(S, out, r1 + L).add(a11).intoArray(out, r1 + L);
        FloatVector.fromArray(S, out, r2).add(a20).intoArray(out, r2);
        FloatVector.fromArray(S, out, r2 + L).add(a21).intoArray(out, r2 + L);
        FloatVector.fromArray(S, out, r3).add(a30).intoArray(out, r3);
        FloatVector.fromArray(S, out, r3 + L).add(a31).intoArray(out, r3 + L);
    }

    private static void tile1x2(float[] w, PackedGates.Block blk, int c, float[] src, int s, int kFrom, int kTo,
                                float[] out, int o) {
        int shift = blk.colFrom() * PANEL;
        int w0 = chunkBase(blk, c) - shift, w1 = chunkBase(blk, c + 1) - shift;
        FloatVector a0 = FloatVector.zero(S), a1 = a0;
        for (int k = kFrom; k < kTo; k++) {
            FloatVector v = FloatVector.broadcast(S, src[s + k]);
            int kk = k * PANEL;
            a0 = FloatVector.fromArray(S, w, w0 + kk).fma(v, a0);
            a1 = FloatVector.fromArray(S, w, w1 + kk).fma(v, a1);
        }
        int oc = o + blk.outOffset() + c * L;
        FloatVector.fromArray(S, out, oc).add(a0).intoArray(out, oc);
        FloatVector.fromArray(S, out, oc + L).add(a1).intoArray(out, oc + L);
    }

    @Override
    protected void gatesBackwardDataImpl(PackedGates p, int batch, float[] dG, int dgOff, int ldg,
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
    @Override
    protected void gatesBackwardDataImpl(TransposedGates t, int batch, float[] dG, int dgOff, int ldg,
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

    /** dst[dstOff + b*ld + k] += sum over block rows r of dG[b, r] W[r, k], for k in [kFrom, kTo). */
    private static void backwardDataSegment(float[] w, PackedGates.Block blk, int batch, float[] dG, int dgOff, int ldg,
                                            float[] dst, int dstOff, int ld, int kFrom, int kTo) {
        int b = 0;
        for (; b + 4 <= batch; b += 4) {
            int k = kFrom;
            for (; k + 4 <= kTo; k += 4) backwardData4x4(w, blk, dG, dgOff + b * ldg, ldg, dst, dstOff + b * ld, ld, k);
            for (; k < kTo; k++) {
                for (int j = 0; j < 4; j++) backwardData1x1(w, blk, dG, dgOff + (b + j) * ldg, dst, dstOff + (b + j) * ld, k);
            }
        }
        for (; b < batch; b++) {
            int k = kFrom;
            for (; k + 4 <= kTo; k += 4) backwardData1x4(w, blk, dG, dgOff + b * ldg, dst, dstOff + b * ld, k);
            for (; k < kTo; k++) backwardData1x1(w, blk, dG, dgOff + b * ldg, dst, dstOff + b * ld, k);
        }
    }

    private static void backwardData1x4(float[] w, PackedGates.Block blk, float[] dG, int g, float[] dst, int d, int k) {
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
            FloatVector v = FloatVector.fromArray(S, dG, g0 + full * L, S.indexInRange(full * L, blk.rows()));
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

    /** Four batch rows by four columns; the last chunk of a block may be partial, so its dG load is masked. */
    private static void backwardData4x4(float[] w, PackedGates.Block blk, float[] dG, int g, int ldg,
                                        float[] dst, int d, int ld, int k) {
        int chunks = (blk.rows() + L - 1) / L;
        int full = blk.rows() / L;
        int shift = blk.colFrom() * PANEL;
        int g0 = g + blk.outOffset(), g1 = g0 + ldg, g2 = g1 + ldg, g3 = g2 + ldg;
        FloatVector a00 = FloatVector.zero(S), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        for (int c = 0; c < chunks; c++) {
            VectorMask<Float> m = S.indexInRange(c * L, blk.rows());
            int wb = chunkBase(blk, c) - shift + k * PANEL;
            FloatVector m0 = FloatVector.fromArray(S, w, wb);
            FloatVector m1 = FloatVector.fromArray(S, w, wb + PANEL);
            FloatVector m2 = FloatVector.fromArray(S, w, wb + 2 * PANEL);
            FloatVector m3 = FloatVector.fromArray(S, w, wb + 3 * PANEL);
            FloatVector v = FloatVector.fromArray(S, dG, g0 + c * L, m);
            a00 = m0.fma(v, a00);
            a01 = m1.fma(v, a01);
            a02 = m2.fma(v, a02);
            a03 = m3.fma(v, a03);
            v = FloatVector.fromArray(S, dG, g1 + c * L, m);
            a10 = m0.fma(v, a10);
            a11 = m1.fma(v, a11);
            a12 = m2.fma(v, a12);
            a13 = m3.fma(v, a13);
            v = FloatVector.fromArray(S, dG, g2 + c * L, m);
            a20 = m0.fma(v, a20);
            a21 = m1.fma(v, a21);
            a22 = m2.fma(v, a22);
            a23 = m3.fma(v, a23);
            v = FloatVector.fromArray(S, dG, g3 + c * L, m);
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

    private static void backwardData1x1(float[] w, PackedGates.Block blk, float[] dG, int g, float[] dst, int d, int k) {
        int chunks = (blk.rows() + L - 1) / L;
        int full = blk.rows() / L;
        int shift = blk.colFrom() * PANEL;
        int g0 = g + blk.outOffset();
        FloatVector acc = FloatVector.zero(S);
        for (int c = 0; c < chunks; c++) {
            VectorMask<Float> m = S.indexInRange(c * L, blk.rows());
            acc = FloatVector.fromArray(S, w, chunkBase(blk, c) - shift + k * PANEL).fma(FloatVector.fromArray(S, dG, g0 + c * L, m), acc);
        }
        float[] t = PanamaMath.LANES.get();
        acc.intoArray(t, 0);
        dst[d + k] += PanamaMath.sumLanes(t, 0);
    }

    @Override
    protected void gatesBackwardWeightsImpl(PackedGates p, int batch, float[] dG, int dgOff, int ldg,
                                            float[] x, int xOff, int ldx, float[] h, int hOff, int ldh, PackedGates grad) {
        int in = p.inputSize();
        float[] gb = grad.bias();
        for (int b = 0; b < batch; b++) axpyImpl(p.outputSize(), 1f, dG, dgOff + b * ldg, gb, 0);
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
        for (int b0 = 0; b0 < batch; b0 += B_BLOCK) {
            int bb = Math.min(B_BLOCK, batch - b0);
            for (int c = 0; c < groups; c += TILE_CHUNKS) {
                if (kTo - kFrom >= W_COLS) {
                    for (int b = 0; b < bb; b++) System.arraycopy(dG, g0 + (b0 + b) * ldg + c * L, slice, b * tc, tc);
                }
                int w0 = chunkBase(blk, c) - shift, w1 = chunkBase(blk, c + 1) - shift;
                int k = kFrom;
                if (TILE_CHUNKS == 4) {
                    int w2 = chunkBase(blk, c + 2) - shift, w3 = chunkBase(blk, c + 3) - shift;
                    for (; k + 4 <= kTo; k += 4) weights4x4(gw, w0, w1, w2, w3, k * PANEL, slice, bb, src, srcOff + b0 * ld + k, ld);
                } else {
                    for (; k + 4 <= kTo; k += 4) weights2x4(gw, w0, w1, k * PANEL, slice, bb, src, srcOff + b0 * ld + k, ld);
                }
                for (; k < kTo; k++) {
                    for (int j = 0; j < TILE_CHUNKS; j++) {
                        weightsColumn(gw, blk, c + j, bb, dG, g0 + b0 * ldg, ldg, src, srcOff + b0 * ld, ld, k, shift);
                    }
                }
            }
        }
        for (int c = groups; c < chunks; c++) {
            for (int k = kFrom; k < kTo; k++) {
                if (c < full) weightsColumn(gw, blk, c, batch, dG, g0, ldg, src, srcOff, ld, k, shift);
                else weightsColumnPartial(gw, blk, c, batch, dG, g0, ldg, src, srcOff, ld, k, shift);
            }
        }
    }

    /** Two chunks by four columns (at kk = k * PANEL) over bb rows of a dG slice; src row b at s + b*ld. */
    private static void weights2x4(float[] gw, int w0, int w1, int kk, float[] slice, int bb, float[] src, int s, int ld) {
        FloatVector a00 = FloatVector.fromArray(S, gw, w0 + kk), a01 = FloatVector.fromArray(S, gw, w0 + kk + PANEL);
        FloatVector a02 = FloatVector.fromArray(S, gw, w0 + kk + 2 * PANEL), a03 = FloatVector.fromArray(S, gw, w0 + kk + 3 * PANEL);
        FloatVector a10 = FloatVector.fromArray(S, gw, w1 + kk), a11 = FloatVector.fromArray(S, gw, w1 + kk + PANEL);
        FloatVector a12 = FloatVector.fromArray(S, gw, w1 + kk + 2 * PANEL), a13 = FloatVector.fromArray(S, gw, w1 + kk + 3 * PANEL);
        for (int b = 0; b < bb; b++) {
            int g = b * 2 * L;
            FloatVector d0 = FloatVector.fromArray(S, slice, g);
            FloatVector d1 = FloatVector.fromArray(S, slice, g + L);
            int sb = s + b * ld;
            FloatVector v = FloatVector.broadcast(S, src[sb]);
            a00 = d0.fma(v, a00);
            a10 = d1.fma(v, a10);
            v = FloatVector.broadcast(S, src[sb + 1]);
            a01 = d0.fma(v, a01);
            a11 = d1.fma(v, a11);
            v = FloatVector.broadcast(S, src[sb + 2]);
            a02 = d0.fma(v, a02);
            a12 = d1.fma(v, a12);
            v = FloatVector.broadcast(S, src[sb + 3]);
            a03 = d0.fma(v, a03);
            a13 = d1.fma(v, a13);
        }
        a00.intoArray(gw, w0 + kk);
        a01.intoArray(gw, w0 + kk + PANEL);
        a02.intoArray(gw, w0 + kk + 2 * PANEL);
        a03.intoArray(gw, w0 + kk + 3 * PANEL);
        a10.intoArray(gw, w1 + kk);
        a11.intoArray(gw, w1 + kk + PANEL);
        a12.intoArray(gw, w1 + kk + 2 * PANEL);
        a13.intoArray(gw, w1 + kk + 3 * PANEL);
    }

    /** Four chunks by four columns (at kk = k * PANEL) over bb rows of a dG slice; src row b at s + b*ld. */
    private static void weights4x4(float[] gw, int w0, int w1, int w2, int w3, int kk, float[] slice, int bb,
                                   float[] src, int s, int ld) {
        FloatVector a00 = FloatVector.fromArray(S, gw, w0 + kk), a01 = FloatVector.fromArray(S, gw, w0 + kk + PANEL);
        FloatVector a02 = FloatVector.fromArray(S, gw, w0 + kk + 2 * PANEL), a03 = FloatVector.fromArray(S, gw, w0 + kk + 3 * PANEL);
        FloatVector a10 = FloatVector.fromArray(S, gw, w1 + kk), a11 = FloatVector.fromArray(S, gw, w1 + kk + PANEL);
        FloatVector a12 = FloatVector.fromArray(S, gw, w1 + kk + 2 * PANEL), a13 = FloatVector.fromArray(S, gw, w1 + kk + 3 * PANEL);
        FloatVector a20 = FloatVector.fromArray(S, gw, w2 + kk), a21 = FloatVector.fromArray(S, gw, w2 + kk + PANEL);
        FloatVector a22 = FloatVector.fromArray(S, gw, w2 + kk + 2 * PANEL), a23 = FloatVector.fromArray(S, gw, w2 + kk + 3 * PANEL);
        FloatVector a30 = FloatVector.fromArray(S, gw, w3 + kk), a31 = FloatVector.fromArray(S, gw, w3 + kk + PANEL);
        FloatVector a32 = FloatVector.fromArray(S, gw, w3 + kk + 2 * PANEL), a33 = FloatVector.fromArray(S, gw, w3 + kk + 3 * PANEL);
        for (int b = 0; b < bb; b++) {
            int g = b * 4 * L;
            FloatVector d0 = FloatVector.fromArray(S, slice, g);
            FloatVector d1 = FloatVector.fromArray(S, slice, g + L);
            FloatVector d2 = FloatVector.fromArray(S, slice, g + 2 * L);
            FloatVector d3 = FloatVector.fromArray(S, slice, g + 3 * L);
            int sb = s + b * ld;
            FloatVector v = FloatVector.broadcast(S, src[sb]);
            a00 = d0.fma(v, a00);
            a10 = d1.fma(v, a10);
            a20 = d2.fma(v, a20);
            a30 = d3.fma(v, a30);
            v = FloatVector.broadcast(S, src[sb + 1]);
            a01 = d0.fma(v, a01);
            a11 = d1.fma(v, a11);
            a21 = d2.fma(v, a21);
            a31 = d3.fma(v, a31);
            v = FloatVector.broadcast(S, src[sb + 2]);
            a02 = d0.fma(v, a02);
            a12 = d1.fma(v, a12);
            a22 = d2.fma(v, a22);
            a32 = d3.fma(v, a32);
            v = FloatVector.broadcast(S, src[sb + 3]);
            a03 = d0.fma(v, a03);
            a13 = d1.fma(v, a13);
            a23 = d2.fma(v, a23);
            a33 = d3.fma(v, a33);
        }
        a00.intoArray(gw, w0 + kk);
        a01.intoArray(gw, w0 + kk + PANEL);
        a02.intoArray(gw, w0 + kk + 2 * PANEL);
        a03.intoArray(gw, w0 + kk + 3 * PANEL);
        a10.intoArray(gw, w1 + kk);
        a11.intoArray(gw, w1 + kk + PANEL);
        a12.intoArray(gw, w1 + kk + 2 * PANEL);
        a13.intoArray(gw, w1 + kk + 3 * PANEL);
        a20.intoArray(gw, w2 + kk);
        a21.intoArray(gw, w2 + kk + PANEL);
        a22.intoArray(gw, w2 + kk + 2 * PANEL);
        a23.intoArray(gw, w2 + kk + 3 * PANEL);
        a30.intoArray(gw, w3 + kk);
        a31.intoArray(gw, w3 + kk + PANEL);
        a32.intoArray(gw, w3 + kk + 2 * PANEL);
        a33.intoArray(gw, w3 + kk + 3 * PANEL);
    }

    /** One chunk, one column; m masks the rows of a partial chunk (null when the chunk is full). */
    private static void weightsColumn(float[] gw, PackedGates.Block blk, int c, int batch, float[] dG, int g0, int ldg,
                                      float[] src, int srcOff, int ld, int k, int shift) {
        int at = chunkBase(blk, c) - shift + k * PANEL;
        FloatVector acc = FloatVector.fromArray(S, gw, at);
        for (int b = 0; b < batch; b++) {
            acc = FloatVector.fromArray(S, dG, g0 + b * ldg + c * L).fma(FloatVector.broadcast(S, src[srcOff + b * ld + k]), acc);
        }
        acc.intoArray(gw, at);
    }

    /** The last, partial chunk of a block: only its {@code rows} valid rows are read and written. */
    private static void weightsColumnPartial(float[] gw, PackedGates.Block blk, int c, int batch, float[] dG, int g0, int ldg,
                                             float[] src, int srcOff, int ld, int k, int shift) {
        int at = chunkBase(blk, c) - shift + k * PANEL;
        int rows = blk.rows() - c * L;
        FloatVector acc = FloatVector.fromArray(S, gw, at, S.indexInRange(0, rows));
        for (int b = 0; b < batch; b++) {
            FloatVector d = FloatVector.fromArray(S, dG, g0 + b * ldg + c * L, S.indexInRange(0, rows));
            acc = d.fma(FloatVector.broadcast(S, src[srcOff + b * ld + k]), acc);
        }
        acc.intoArray(gw, at, S.indexInRange(0, rows));
    }
}
