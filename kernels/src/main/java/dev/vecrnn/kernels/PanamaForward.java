package dev.vecrnn.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import static dev.vecrnn.kernels.PackedGates.PANEL;
import static dev.vecrnn.kernels.PanamaMath.L;
import static dev.vecrnn.kernels.PanamaMath.S;

/**
 * The forward matrix products of the Vector API kernels: {@code gemmNT} and the packed-gate product
 * (also run by {@link PanamaBackward} on a {@link TransposedGates} copy). Loaded only through
 * {@link PanamaSupport}, after {@link KernelSelection}'s checks.
 *
 * <p>Packed gates: a <em>chunk</em> is one vector of L rows of a panel; a panel holds
 * {@code PANEL / L} chunks side by side in every column. The forward product broadcasts one element of
 * {@code [x; h]} per column against a register tile of chunks and batch rows (its shape by the register
 * file: {@link #TILE_CHUNKS}), with no horizontal reduction.
 */
final class PanamaForward {
    static final int VPP = PANEL / L;

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
    /**
     * Floats of packed weights up to which a streaming product at 512 bits keeps four panels in flight (see
     * {@link #streamChunks}): 4 MiB, weights that the caches of any CPU that runs the Vector API hold (an
     * L3 at least that large), where past it they come from memory.
     */
    static final int CACHED_FLOATS = 1 << 20;

    /**
     * Chunks per group of the streaming (batch below 4) product on weights {@code w}: eight chunks, four panels'
     * weight streams, where two chunks share a panel (256 bits) and eight at 128 bits (two panels, eight FMA
     * chains). At 512 bits a chunk is a panel: weights the caches hold read faster four panels at a time
     * (LSTM, recurrent product over T = 100 steps, 8 -> 4 panels: 0.78 -> 0.59-0.70 us a step at 64 units,
     * 12.0-12.3 -> 10.5-11.3 us at 256; the whole step 1.61 -> 1.40 us and 26.4 -> 24.4-24.7 us; thread CPU
     * time, best of 12 rounds, Zen 4), and weights from memory eight at a time, which keeps more lines in
     * flight (LSTM 1024 step, 32 MiB: 782-899 us with eight panels, 1,003-1,225 with four; 512 units, 8 MiB,
     * even). Grouping changes which rows are computed together, never the arithmetic of one row: the results
     * are bit-identical either way.
     */
    static int streamChunks(float[] w) {
        return VPP == 1 && w.length <= CACHED_FLOATS ? 4 : 8;
    }
    static final int TILE_CHUNKS = REGISTERS >= 32 ? 4 : 2;
    /**
     * The 32-register tile as two passes of the 16-register one (four rows by chunks c, c + 1, then c + 2,
     * c + 3) on JDK 17 to 24 below 512 bits. CI's JDK 17 run at 128 bits with 32 registers once found every
     * call of the 4 x 4 tile allocating 384 bytes, eight vectors' boxes, after warm-up, in two fresh JVMs of
     * one machine (a sequence forward of LSTM 64 over T = 100 allocated 190 KB; the count matched the
     * tile's calls in all four workloads to the byte); C2 17 had compiled the tile with some of its 16
     * accumulators boxed, as it did the bf16 tile with eight (see PanamaQuantized.BF_ROW_IN_HALVES). Not
     * seen here in 20 fresh JVMs, under load or not, nor on JDK 25, nor at 512 bits on 17, where the tile
     * stays whole. Each output still sums its columns in the same order, so the results are bit-identical.
     */
    static final boolean TILE_4X4_IN_HALVES = Runtime.version().feature() < 25 && S.vectorBitSize() < 512;
    /**
     * Columns per pass of the batched forward product: the tile's weights (TILE_CHUNKS chunks) stay in L1
     * across all batch rows. 16 KiB of weights, half of the smallest L1 data cache of the CPUs that run
     * the Vector API, and never fewer than 128 columns (the block the 4 x 4 tile at 16 floats was tuned with: 32 KiB).
     */
    static final int K_BLOCK = Math.max(128, 4096 / (TILE_CHUNKS * L));

    private static int registers() {
        String forced = System.getProperty("vecrnn.kernels.registers", "").trim();
        if (forced.equals("16") || forced.equals("32")) return Integer.parseInt(forced);
        String arch = System.getProperty("os.arch", "");
        return S.vectorBitSize() >= 512 || arch.equals("aarch64") || arch.equals("arm64") ? 32 : 16;
    }

    private PanamaForward() {
    }


    static void gemmNT(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
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
                float r = PanamaMath.dot(k, a, ai, b, bOff + j * ldb);
                int ci = cOff + i * ldc + j;
                c[ci] = accumulate ? c[ci] + r : r;
            }
        }
    }

    // ---------------------------------------------------------------- packed gates

    /** Index of chunk c's first float in column colFrom of its block. */
    static int chunkBase(PackedGates.Block blk, int c) {
        return blk.weightOffset() + (c / VPP) * PANEL * (blk.colTo() - blk.colFrom()) + (c % VPP) * L;
    }

    static void gates(PackedGates p, int batch, float[] x, int xOff, int ldx, float[] h, int hOff, int ldh,
                      float[] out, int outOff, int ldo, boolean bias, boolean recurrent) {
        int in = p.inputSize();
        if (bias) {
            for (int b = 0; b < batch; b++) System.arraycopy(p.bias(), 0, out, outOff + b * ldo, p.outputSize());
        }
        boolean down = batch < 4 && Sweep.next(p);
        // A streaming step: each group of streamChunks chunks (four or eight panels' weight streams in flight) reads its panels'
        // x and then h columns before the next group. They are contiguous in a panel, so the weights stream
        // without a break; two passes over all chunks (x part, then h part) leave the prefetcher fetching
        // past each half's end. The sums go to out per part and per K_BLOCK columns (rowBlocks), as a batch's.
        boolean fused = batch < 4 && x != null && h != null;
        int group = streamChunks(p.weights());
        PackedGates.Block[] blocks = p.blocks();
        for (int i = 0; i < blocks.length; i++) {
            PackedGates.Block blk = blocks[down ? blocks.length - 1 - i : i];
            int xTo = Math.min(blk.colTo(), in);
            int hFrom = Math.max(blk.colFrom(), in);
            int full8 = fused ? blk.rows() / L / group * group : 0;
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

    /** The fused x-and-h groups of streamChunks chunks in [0, cTo), one batch row at a time, first to last or back. */
    private static void fusedGroups(float[] w, PackedGates.Block blk, int cTo, boolean down, int batch,
                                    float[] x, int xOff, int ldx, int xTo, float[] h, int hOff, int ldh, int hFrom,
                                    float[] out, int outOff, int ldo) {
        int group = streamChunks(w);
        for (int i = 0; i < cTo; i += group) {
            int c = down ? cTo - group - i : i;
            for (int b = 0; b < batch; b++) {
                rowBlocks(w, blk, c, group, x, xOff + b * ldx, blk.colFrom(), xTo, out, outOff + b * ldo);
                rowBlocks(w, blk, c, group, h, hOff + b * ldh, hFrom, blk.colTo(), out, outOff + b * ldo);
            }
        }
    }

    /**
     * {@code group} (streamChunks) chunks of one row over columns [kFrom, kTo), added to out once per K_BLOCK columns counted from
     * kFrom, as the batched tiles add theirs: so a row gets the same bits whether it is stepped alone or in a
     * batch (Recurrent.stepMany, Model.stepMany against step), whatever the number of columns.
     */
    private static void rowBlocks(float[] w, PackedGates.Block blk, int c, int group, float[] src, int s, int kFrom, int kTo,
                                  float[] out, int o) {
        for (int k0 = kFrom; k0 < kTo; k0 += K_BLOCK) {
            if (group == 4) tile1x4(w, blk, c, src, s, k0, Math.min(kTo, k0 + K_BLOCK), out, o);
            else tile1x8(w, blk, c, src, s, k0, Math.min(kTo, k0 + K_BLOCK), src, 0, 0, 0, out, o);
        }
    }

    /**
     * out[b, block rows] += W[block rows, k] * src[srcOff + b*ld + k] summed over k in [kFrom, kTo), for the
     * block's chunks from {@code cFrom} (a multiple of streamChunks(w)) on; {@code down} walks the chunks last to first.
     */
    static void gatesSegment(float[] w, PackedGates.Block blk, int cFrom, boolean down, int batch, float[] src,
                             int srcOff, int ld, int kFrom, int kTo, float[] out, int outOff, int ldo) {
        int chunks = (blk.rows() + L - 1) / L;
        int full = blk.rows() / L;
        // One row at a time (a streaming step): streamChunks chunks, four or eight panels' weight streams in flight at once, column
        // block after column block (rowBlocks: the blocks set only where sums are added to out, the same
        // points as the tiles'). Batches of 4 and more: the register tile.
        int group = streamChunks(w);
        int e8 = batch < 4 ? cFrom + (full - cFrom) / group * group : cFrom;
        int eT = e8 + (full - e8) / TILE_CHUNKS * TILE_CHUNKS;
        if (down) {
            for (int c = chunks - 1; c >= eT; c--) gatesChunk(w, blk, c, batch, src, srcOff, ld, kFrom, kTo, out, outOff, ldo);
        }
        int rows4 = batch / TILE_ROWS * TILE_ROWS;
        if (rows4 > 0 && eT > e8) {
            // Four rows at a time, their columns [kFrom, kTo) copied side by side (packRows), in blocks of rows
            // small enough to stay in cache while every chunk tile reads them: see packRows.
            int span = kTo - kFrom;
            int block = Math.min(rows4, packedRowBlock(span));
            float[] pk = packBuffer(block * span);
            for (int b0 = 0; b0 < rows4; b0 += block) {
                int b1 = Math.min(rows4, b0 + block);
                packRows(src, srcOff + b0 * ld, ld, b1 - b0, kFrom, kTo, pk);
                for (int i = e8; i < eT; i += TILE_CHUNKS) {
                    int c = down ? eT - TILE_CHUNKS - (i - e8) : i;
                    // Columns in blocks of K_BLOCK keep the tile's weights in L1 across the batch rows. Every row
                    // of a tile sums its columns in the same order as a row alone, so the partition of the batch
                    // (threads, tiles, remainders, row blocks) never changes a result.
                    // c is a multiple of TILE_CHUNKS (cFrom and e8 are multiples of 8), so a tile's chunks that share
                    // a panel (more than one chunk per panel: 256 bits and less) sit L floats apart in it, and the
                    // tiles address them from one index with constant offsets (see tile4x2).
                    for (int k0 = kFrom; k0 < kTo; k0 += K_BLOCK) {
                        int k1 = Math.min(kTo, k0 + K_BLOCK);
                        for (int b = b0; b < b1; b += TILE_ROWS) {
                            int q = (b - b0) * span - TILE_ROWS * kFrom;
                            if (TILE_CHUNKS == 2 || TILE_4X4_IN_HALVES) {
                                tile4x2(w, blk, c, pk, q, k0, k1, out, outOff + b * ldo, ldo);
                                if (TILE_CHUNKS == 4) tile4x2(w, blk, c + 2, pk, q, k0, k1, out, outOff + b * ldo, ldo);
                            } else {
                                tile4x4(w, blk, c, pk, q, k0, k1, out, outOff + b * ldo, ldo);
                            }
                        }
                    }
                }
            }
        }
        for (int i = e8; i < eT; i += TILE_CHUNKS) {
            int c = down ? eT - TILE_CHUNKS - (i - e8) : i;
            for (int k0 = kFrom; k0 < kTo; k0 += K_BLOCK) {
                int k1 = Math.min(kTo, k0 + K_BLOCK);
                for (int b = rows4; b < batch; b++) {
                    if (TILE_CHUNKS == 4) tile1x4(w, blk, c, src, srcOff + b * ld, k0, k1, out, outOff + b * ldo);
                    else tile1x2(w, blk, c, src, srcOff + b * ld, k0, k1, out, outOff + b * ldo);
                }
            }
        }
        for (int i = cFrom; i < e8; i += group) {
            int c = down ? e8 - group - (i - cFrom) : i;
            for (int b = 0; b < batch; b++) rowBlocks(w, blk, c, group, src, srcOff + b * ld, kFrom, kTo, out, outOff + b * ldo);
        }
        if (!down) {
            for (int c = eT; c < chunks; c++) gatesChunk(w, blk, c, batch, src, srcOff, ld, kFrom, kTo, out, outOff, ldo);
        }
    }

    /**
     * Floats of packed rows per thread that {@link #packedRowBlock} aims at: 128 KiB, half the smallest L2
     * of the CPUs that run the Vector API, so that a block of rows stays in cache while every chunk tile of
     * the segment reads it.
     */
    private static final int PACKED_FLOATS = 32 * 1024;
    private static final ThreadLocal<float[][]> PACKED = ThreadLocal.withInitial(() -> new float[1][0]);

    /** Rows per packed block for {@code span} columns: a multiple of TILE_ROWS, at least TILE_ROWS. */
    static int packedRowBlock(int span) {
        return Math.max(TILE_ROWS, PACKED_FLOATS / Math.max(1, span) / TILE_ROWS * TILE_ROWS);
    }

    /** This thread's packing buffer, grown (once, then reused) to at least {@code n} floats. */
    private static float[] packBuffer(int n) {
        float[][] holder = PACKED.get();
        if (holder[0].length < n) holder[0] = new float[n];
        return holder[0];
    }

    /**
     * Copies columns [kFrom, kTo) of {@code rows} rows (a multiple of TILE_ROWS) of src, row r at
     * {@code s + r * ld}, into pk four rows side by side: row {@code g + j} of group g (a multiple of 4),
     * column k at {@code g * span + 4 * (k - kFrom) + j}. The tiles then read a column's four broadcasts from
     * one index with constant offsets. Read from four rows {@code ld} apart, they needed four indices, and
     * the integer adds that kept them competed with the FMAs: the 4 x 2 tile ran at 61% of the FMA peak
     * under -XX:UseAVX=2 reading rows {@code ld} apart and at 80% reading the packed copy (LSTM 256, B = 32,
     * A/B in one JVM, thread CPU time). The values and the order of every sum are unchanged, so results are
     * bit-identical.
     */
    static void packRows(float[] src, int s, int ld, int rows, int kFrom, int kTo, float[] pk) {
        int span = kTo - kFrom;
        for (int g = 0; g < rows; g += TILE_ROWS) {
            int r0 = s + g * ld, r1 = r0 + ld, r2 = r1 + ld, r3 = r2 + ld;
            int d = g * span - TILE_ROWS * kFrom;
            for (int k = kFrom; k < kTo; k++) {
                int e = d + TILE_ROWS * k;
                pk[e] = src[r0 + k];
                pk[e + 1] = src[r1 + k];
                pk[e + 2] = src[r2 + k];
                pk[e + 3] = src[r3 + k];
            }
        }
    }

    /**
     * One chunk (possibly the block's partial last one) for every batch row. The weights are read whole
     * (a partial chunk's padding rows are zero, inside the panel); a partial chunk's sums are added to
     * {@code out} lane by lane through {@link PanamaMath#LANES}, the same float additions a masked add
     * would make. Not a masked load and store: JDK 17 has no intrinsic for those on x86, so C2 boxed the
     * accumulator on every row (3.7 KB per LSTM gates call at 512 bits).
     */
    private static void gatesChunk(float[] w, PackedGates.Block blk, int c, int batch, float[] src, int srcOff, int ld,
                                   int kFrom, int kTo, float[] out, int outOff, int ldo) {
        int rows = Math.min(L, blk.rows() - c * L);
        int base = chunkBase(blk, c) - blk.colFrom() * PANEL;
        float[] t = PanamaMath.LANES.get();
        for (int b = 0; b < batch; b++) {
            int s = srcOff + b * ld;
            int o = outOff + b * ldo + blk.outOffset() + c * L;
            // added once per K_BLOCK columns, as the tiles add theirs (see rowBlocks)
            for (int k0 = kFrom; k0 < kTo; k0 += K_BLOCK) {
                int k1 = Math.min(kTo, k0 + K_BLOCK);
                FloatVector acc = FloatVector.zero(S);
                for (int k = k0; k < k1; k++) {
                    acc = FloatVector.fromArray(S, w, base + k * PANEL).fma(FloatVector.broadcast(S, src[s + k]), acc);
                }
                if (rows == L) {
                    FloatVector.fromArray(S, out, o).add(acc).intoArray(out, o);
                } else {
                    acc.intoArray(t, 0);
                    for (int j = 0; j < rows; j++) out[o + j] += t[j];
                }
            }
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
        int oc = o + blk.outOffset() + c * L;
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
        int oc = o + blk.outOffset() + c * L;
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        for (int k = kFrom; k < kTo; k++) {
            FloatVector v = FloatVector.broadcast(S, src[s + k]);
            int kk = k * PANEL;
            a0 = FloatVector.fromArray(S, w, w0 + kk).fma(v, a0);
            a1 = FloatVector.fromArray(S, w, w1 + kk).fma(v, a1);
            a2 = FloatVector.fromArray(S, w, w2 + kk).fma(v, a2);
            a3 = FloatVector.fromArray(S, w, w3 + kk).fma(v, a3);
        }
        FloatVector.fromArray(S, out, oc).add(a0).intoArray(out, oc);
        FloatVector.fromArray(S, out, oc + L).add(a1).intoArray(out, oc + L);
        FloatVector.fromArray(S, out, oc + 2 * L).add(a2).intoArray(out, oc + 2 * L);
        FloatVector.fromArray(S, out, oc + 3 * L).add(a3).intoArray(out, oc + 3 * L);
    }

    /** Four rows by four chunks; the rows' columns packed four side by side (see packRows), row j's column k at q + 4k + j. */
    private static void tile4x4(float[] w, PackedGates.Block blk, int c, float[] pk, int q, int kFrom, int kTo,
                                float[] out, int o, int ldo) {
        int shift = blk.colFrom() * PANEL;
        int w0 = chunkBase(blk, c) - shift, w1 = VPP > 1 ? w0 + L : chunkBase(blk, c + 1) - shift;
        int w2 = VPP > 2 ? w0 + 2 * L : chunkBase(blk, c + 2) - shift, w3 = VPP > 2 ? w0 + 3 * L : chunkBase(blk, c + 3) - shift;
        int r0 = o + blk.outOffset() + c * L; // before the loop: blk and c are not live in it (see tile4x2)
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
            FloatVector v = FloatVector.broadcast(S, pk[q + 4 * k]);
            a00 = m0.fma(v, a00);
            a01 = m1.fma(v, a01);
            a02 = m2.fma(v, a02);
            a03 = m3.fma(v, a03);
            v = FloatVector.broadcast(S, pk[q + 4 * k + 1]);
            a10 = m0.fma(v, a10);
            a11 = m1.fma(v, a11);
            a12 = m2.fma(v, a12);
            a13 = m3.fma(v, a13);
            v = FloatVector.broadcast(S, pk[q + 4 * k + 2]);
            a20 = m0.fma(v, a20);
            a21 = m1.fma(v, a21);
            a22 = m2.fma(v, a22);
            a23 = m3.fma(v, a23);
            v = FloatVector.broadcast(S, pk[q + 4 * k + 3]);
            a30 = m0.fma(v, a30);
            a31 = m1.fma(v, a31);
            a32 = m2.fma(v, a32);
            a33 = m3.fma(v, a33);
        }
        // Stores written out in place: handing vectors to a helper that is not inlined boxes them.
        int r1 = r0 + ldo, r2 = r1 + ldo, r3 = r2 + ldo;
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
    private static void tile4x2(float[] w, PackedGates.Block blk, int c, float[] pk, int q, int kFrom, int kTo,
                                float[] out, int o, int ldo) {
        int shift = blk.colFrom() * PANEL;
        // Both chunks from one index where they share a panel: one integer add less per column, and those adds
        // compete with the FMAs for execution ports (-XX:UseAVX=2, LSTM 256, B = 32, A/B in one JVM: forward
        // 1.07x, dG W on the transposed copy 1.12x).
        int w0 = chunkBase(blk, c) - shift, w1 = VPP > 1 ? w0 + L : chunkBase(blk, c + 1) - shift;
        // The output index before the loop, so that blk and c are not live in it: with AVX2's 16 registers
        // they crowded the loop's own indices (computed after the loop, the 4 x 2 tile ran at 58% of the FMA peak
        // under -XX:UseAVX=2, LSTM 256, B = 32; before it, 77%: A/B in one JVM, thread CPU time).
        int r0 = o + blk.outOffset() + c * L;
        FloatVector a00 = FloatVector.zero(S), a01 = a00, a10 = a00, a11 = a00;
        FloatVector a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        for (int k = kFrom; k < kTo; k++) {
            int kk = k * PANEL;
            FloatVector m0 = FloatVector.fromArray(S, w, w0 + kk);
            FloatVector m1 = FloatVector.fromArray(S, w, w1 + kk);
            FloatVector v = FloatVector.broadcast(S, pk[q + 4 * k]);
            a00 = m0.fma(v, a00);
            a01 = m1.fma(v, a01);
            v = FloatVector.broadcast(S, pk[q + 4 * k + 1]);
            a10 = m0.fma(v, a10);
            a11 = m1.fma(v, a11);
            v = FloatVector.broadcast(S, pk[q + 4 * k + 2]);
            a20 = m0.fma(v, a20);
            a21 = m1.fma(v, a21);
            v = FloatVector.broadcast(S, pk[q + 4 * k + 3]);
            a30 = m0.fma(v, a30);
            a31 = m1.fma(v, a31);
        }
        int r1 = r0 + ldo, r2 = r1 + ldo, r3 = r2 + ldo;
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
        int w0 = chunkBase(blk, c) - shift, w1 = VPP > 1 ? w0 + L : chunkBase(blk, c + 1) - shift;
        int oc = o + blk.outOffset() + c * L;
        FloatVector a0 = FloatVector.zero(S), a1 = a0;
        for (int k = kFrom; k < kTo; k++) {
            FloatVector v = FloatVector.broadcast(S, src[s + k]);
            int kk = k * PANEL;
            a0 = FloatVector.fromArray(S, w, w0 + kk).fma(v, a0);
            a1 = FloatVector.fromArray(S, w, w1 + kk).fma(v, a1);
        }
        FloatVector.fromArray(S, out, oc).add(a0).intoArray(out, oc);
        FloatVector.fromArray(S, out, oc + L).add(a1).intoArray(out, oc + L);
    }
}
