package dev.vecrnn.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static dev.vecrnn.kernels.PackedGates.PANEL;
import static dev.vecrnn.kernels.PanamaMath.L;
import static dev.vecrnn.kernels.PanamaMath.S;

/**
 * The gate product on {@link QuantizedGates}: the packed-gate walk of {@link PanamaForward} with each weight
 * chunk widened to fp32 in registers as it is loaded, never stored.
 *
 * <p>int8: L bytes are loaded and converted ({@code B2F}: a sign extension and an int-to-float conversion);
 * for 4-float vectors 8 bytes are loaded and the first 4 used, hence {@link QuantizedGates#PAD}. The sum of
 * a row's part is scaled once, at the end: {@code out = fma(sum, scale, out)}. bf16: L 16-bit words are
 * sign-extended to int lanes, shifted up 16 bits and read as floats; {@code out = out + sum}. The Vector API
 * has no widening int8 dot product (x86's vpmaddubsw or VNNI), so the arithmetic stays fp32.
 *
 * <p>Every row sums its columns in order and is scaled the same way whatever tile computes it (one row of
 * eight chunks for a streaming step, four rows of two chunks for a batch, one chunk for what is left), so a
 * row's result never depends on the batch it is in. The int8 and bf16 tiles are written twice, as the
 * fp32 ones are written per shape: a load chosen by a flag would hand C2 a vector phi, which it boxes.
 */
final class PanamaQuantized {
    private PanamaQuantized() {
    }

    /** L bytes' worth: 16 bytes for 16 floats, else 8 (of which 4 are used at 4 floats). */
    private static final VectorSpecies<Byte> B = L == 16 ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;
    /** L 16-bit words. */
    private static final VectorSpecies<Short> W = L == 16 ? ShortVector.SPECIES_256
            : L == 8 ? ShortVector.SPECIES_128 : ShortVector.SPECIES_64;
    private static final VectorSpecies<Integer> SI = S.withLanes(int.class);

    /**
     * The bf16 streaming tile in two passes of four chunks ({@link #bfRow8InHalves}) rather than eight in one
     * ({@link #bfRow8}), before JDK 25. With eight accumulators and eight widening chains (a conversion and a
     * reinterpretation each) in one loop, C2 on JDK 17 now and then compiled the tile with its accumulators
     * boxed at the loop's exit, 1 KB a step, in about one JVM in eight (seen in CI at 256 and 128 bits; 0 in
     * 64 JVMs after the split). JDK 25 never did, and there the single pass is 16-23% faster at 256 units.
     * The JDK decides at start-up; the results are the same either way.
     */
    static final boolean BF_ROW_IN_HALVES = Runtime.version().feature() < 25;

    private static FloatVector i8(byte[] q, int off) {
        return (FloatVector) ByteVector.fromArray(B, q, off).convertShape(VectorOperators.B2F, S, 0);
    }

    private static FloatVector bf(short[] q, int off) {
        return ((IntVector) ShortVector.fromArray(W, q, off).convertShape(VectorOperators.S2I, SI, 0))
                .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    static void gates(QuantizedGates q, int batch, float[] x, int xOff, int ldx, float[] h, int hOff, int ldh,
                      float[] out, int outOff, int ldo, boolean bias) {
        int in = q.inputSize();
        if (bias) {
            for (int b = 0; b < batch; b++) System.arraycopy(q.bias(), 0, out, outOff + b * ldo, q.outputSize());
        }
        for (PackedGates.Block blk : q.blocks()) {
            int xTo = Math.min(blk.colTo(), in);
            int hFrom = Math.max(blk.colFrom(), in);
            if (x != null && xTo > blk.colFrom()) {
                segment(q, blk, q.scaleX(), batch, x, xOff, ldx, blk.colFrom(), xTo, out, outOff, ldo);
            }
            if (h != null && blk.colTo() > hFrom) {
                segment(q, blk, q.scaleH(), batch, h, hOff - in, ldh, hFrom, blk.colTo(), out, outOff, ldo);
            }
        }
    }

    /** out[b, block rows] (+)= W[block rows, k] src[srcOff + b*ld + k] over k in [kFrom, kTo), scaled for int8. */
    private static void segment(QuantizedGates q, PackedGates.Block blk, float[] scale, int batch, float[] src, int srcOff,
                                int ld, int kFrom, int kTo, float[] out, int outOff, int ldo) {
        int chunks = (blk.rows() + L - 1) / L, full = blk.rows() / L;
        byte[] i8 = q.int8();
        short[] bf = q.bf16();
        int c = 0;
        if (batch < 4) {
            for (; c + 8 <= full; c += 8) {
                for (int b = 0; b < batch; b++) {
                    if (i8 != null) i8Row8(i8, blk, c, scale, src, srcOff + b * ld, kFrom, kTo, out, outOff + b * ldo);
                    else if (BF_ROW_IN_HALVES) bfRow8InHalves(bf, blk, c, src, srcOff + b * ld, kFrom, kTo, out, outOff + b * ldo);
                    else bfRow8(bf, blk, c, src, srcOff + b * ld, kFrom, kTo, out, outOff + b * ldo);
                }
            }
        } else {
            for (; c + 2 <= full; c += 2) {
                int b = 0;
                for (; b + 4 <= batch; b += 4) {
                    if (i8 != null) i8Rows4x2(i8, blk, c, scale, src, srcOff + b * ld, ld, kFrom, kTo, out, outOff + b * ldo, ldo);
                    else bfRows4x2(bf, blk, c, src, srcOff + b * ld, ld, kFrom, kTo, out, outOff + b * ldo, ldo);
                }
                for (; b < batch; b++) {
                    for (int cc = c; cc < c + 2; cc++) {
                        if (i8 != null) i8Chunk(i8, blk, cc, scale, src, srcOff + b * ld, kFrom, kTo, out, outOff + b * ldo);
                        else bfChunk(bf, blk, cc, src, srcOff + b * ld, kFrom, kTo, out, outOff + b * ldo);
                    }
                }
            }
        }
        for (; c < chunks; c++) {
            for (int b = 0; b < batch; b++) {
                if (i8 != null) i8Chunk(i8, blk, c, scale, src, srcOff + b * ld, kFrom, kTo, out, outOff + b * ldo);
                else bfChunk(bf, blk, c, src, srcOff + b * ld, kFrom, kTo, out, outOff + b * ldo);
            }
        }
    }

    /** Index of chunk c's weight in column 0 (may be negative: column colFrom is the first stored). */
    private static int base(PackedGates.Block blk, int c) {
        return PanamaForward.chunkBase(blk, c) - blk.colFrom() * PANEL;
    }

    // ---------------------------------------------------------------- int8

    private static void i8Row8(byte[] q, PackedGates.Block blk, int c, float[] scale, float[] src, int s, int kFrom, int kTo,
                               float[] out, int o) {
        int w0 = base(blk, c), w1 = base(blk, c + 1), w2 = base(blk, c + 2), w3 = base(blk, c + 3);
        int w4 = base(blk, c + 4), w5 = base(blk, c + 5), w6 = base(blk, c + 6), w7 = base(blk, c + 7);
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (int k = kFrom; k < kTo; k++) {
            FloatVector v = FloatVector.broadcast(S, src[s + k]);
            int kk = k * PANEL;
            a0 = i8(q, w0 + kk).fma(v, a0);
            a1 = i8(q, w1 + kk).fma(v, a1);
            a2 = i8(q, w2 + kk).fma(v, a2);
            a3 = i8(q, w3 + kk).fma(v, a3);
            a4 = i8(q, w4 + kk).fma(v, a4);
            a5 = i8(q, w5 + kk).fma(v, a5);
            a6 = i8(q, w6 + kk).fma(v, a6);
            a7 = i8(q, w7 + kk).fma(v, a7);
        }
        int sc = blk.outOffset() + c * L, oc = o + sc;
        a0.fma(FloatVector.fromArray(S, scale, sc), FloatVector.fromArray(S, out, oc)).intoArray(out, oc);
        a1.fma(FloatVector.fromArray(S, scale, sc + L), FloatVector.fromArray(S, out, oc + L)).intoArray(out, oc + L);
        a2.fma(FloatVector.fromArray(S, scale, sc + 2 * L), FloatVector.fromArray(S, out, oc + 2 * L)).intoArray(out, oc + 2 * L);
        a3.fma(FloatVector.fromArray(S, scale, sc + 3 * L), FloatVector.fromArray(S, out, oc + 3 * L)).intoArray(out, oc + 3 * L);
        a4.fma(FloatVector.fromArray(S, scale, sc + 4 * L), FloatVector.fromArray(S, out, oc + 4 * L)).intoArray(out, oc + 4 * L);
        a5.fma(FloatVector.fromArray(S, scale, sc + 5 * L), FloatVector.fromArray(S, out, oc + 5 * L)).intoArray(out, oc + 5 * L);
        a6.fma(FloatVector.fromArray(S, scale, sc + 6 * L), FloatVector.fromArray(S, out, oc + 6 * L)).intoArray(out, oc + 6 * L);
        a7.fma(FloatVector.fromArray(S, scale, sc + 7 * L), FloatVector.fromArray(S, out, oc + 7 * L)).intoArray(out, oc + 7 * L);
    }

    /** Four batch rows by two chunks: each weight chunk widened once for four rows. */
    private static void i8Rows4x2(byte[] q, PackedGates.Block blk, int c, float[] scale, float[] src, int s, int ld,
                                  int kFrom, int kTo, float[] out, int o, int ldo) {
        int w0 = base(blk, c), w1 = base(blk, c + 1);
        int s0 = s, s1 = s0 + ld, s2 = s1 + ld, s3 = s2 + ld;
        FloatVector a00 = FloatVector.zero(S), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        for (int k = kFrom; k < kTo; k++) {
            int kk = k * PANEL;
            FloatVector m0 = i8(q, w0 + kk), m1 = i8(q, w1 + kk);
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
        int sc = blk.outOffset() + c * L;
        FloatVector f0 = FloatVector.fromArray(S, scale, sc), f1 = FloatVector.fromArray(S, scale, sc + L);
        int r0 = o + sc, r1 = r0 + ldo, r2 = r1 + ldo, r3 = r2 + ldo;
        a00.fma(f0, FloatVector.fromArray(S, out, r0)).intoArray(out, r0);
        a01.fma(f1, FloatVector.fromArray(S, out, r0 + L)).intoArray(out, r0 + L);
        a10.fma(f0, FloatVector.fromArray(S, out, r1)).intoArray(out, r1);
        a11.fma(f1, FloatVector.fromArray(S, out, r1 + L)).intoArray(out, r1 + L);
        a20.fma(f0, FloatVector.fromArray(S, out, r2)).intoArray(out, r2);
        a21.fma(f1, FloatVector.fromArray(S, out, r2 + L)).intoArray(out, r2 + L);
        a30.fma(f0, FloatVector.fromArray(S, out, r3)).intoArray(out, r3);
        a31.fma(f1, FloatVector.fromArray(S, out, r3 + L)).intoArray(out, r3 + L);
    }

    /**
     * One chunk, possibly the block's partial last one, of one row: the partial chunk's sums go out lane by
     * lane through {@link PanamaMath#LANES}, with the same fma a full vector would make.
     */
    private static void i8Chunk(byte[] q, PackedGates.Block blk, int c, float[] scale, float[] src, int s, int kFrom, int kTo,
                                float[] out, int o) {
        int w = base(blk, c), rows = Math.min(L, blk.rows() - c * L);
        FloatVector a = FloatVector.zero(S);
        for (int k = kFrom; k < kTo; k++) a = i8(q, w + k * PANEL).fma(FloatVector.broadcast(S, src[s + k]), a);
        int sc = blk.outOffset() + c * L, oc = o + sc;
        if (rows == L) {
            a.fma(FloatVector.fromArray(S, scale, sc), FloatVector.fromArray(S, out, oc)).intoArray(out, oc);
        } else {
            float[] t = PanamaMath.LANES.get();
            a.intoArray(t, 0);
            for (int j = 0; j < rows; j++) out[oc + j] = Math.fma(t[j], scale[sc + j], out[oc + j]);
        }
    }

    // ---------------------------------------------------------------- bf16

    private static void bfRow8(short[] q, PackedGates.Block blk, int c, float[] src, int s, int kFrom, int kTo,
                               float[] out, int o) {
        int w0 = base(blk, c), w1 = base(blk, c + 1), w2 = base(blk, c + 2), w3 = base(blk, c + 3);
        int w4 = base(blk, c + 4), w5 = base(blk, c + 5), w6 = base(blk, c + 6), w7 = base(blk, c + 7);
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (int k = kFrom; k < kTo; k++) {
            FloatVector v = FloatVector.broadcast(S, src[s + k]);
            int kk = k * PANEL;
            a0 = bf(q, w0 + kk).fma(v, a0);
            a1 = bf(q, w1 + kk).fma(v, a1);
            a2 = bf(q, w2 + kk).fma(v, a2);
            a3 = bf(q, w3 + kk).fma(v, a3);
            a4 = bf(q, w4 + kk).fma(v, a4);
            a5 = bf(q, w5 + kk).fma(v, a5);
            a6 = bf(q, w6 + kk).fma(v, a6);
            a7 = bf(q, w7 + kk).fma(v, a7);
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

    /**
     * {@link #bfRow8} in two passes of four chunks over the columns, for JDKs before 25 ({@link #BF_ROW_IN_HALVES}).
     * Each row still sums its columns in order, so the results are {@code bfRow8}'s, bit for bit.
     */
    private static void bfRow8InHalves(short[] q, PackedGates.Block blk, int c, float[] src, int s, int kFrom, int kTo,
                                       float[] out, int o) {
        int oc = o + blk.outOffset() + c * L;
        for (int half = 0; half < 2; half++) {
            int cc = c + 4 * half, oh = oc + 4 * half * L;
            int w0 = base(blk, cc), w1 = base(blk, cc + 1), w2 = base(blk, cc + 2), w3 = base(blk, cc + 3);
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            for (int k = kFrom; k < kTo; k++) {
                FloatVector v = FloatVector.broadcast(S, src[s + k]);
                int kk = k * PANEL;
                a0 = bf(q, w0 + kk).fma(v, a0);
                a1 = bf(q, w1 + kk).fma(v, a1);
                a2 = bf(q, w2 + kk).fma(v, a2);
                a3 = bf(q, w3 + kk).fma(v, a3);
            }
            FloatVector.fromArray(S, out, oh).add(a0).intoArray(out, oh);
            FloatVector.fromArray(S, out, oh + L).add(a1).intoArray(out, oh + L);
            FloatVector.fromArray(S, out, oh + 2 * L).add(a2).intoArray(out, oh + 2 * L);
            FloatVector.fromArray(S, out, oh + 3 * L).add(a3).intoArray(out, oh + 3 * L);
        }
    }

    private static void bfRows4x2(short[] q, PackedGates.Block blk, int c, float[] src, int s, int ld,
                                  int kFrom, int kTo, float[] out, int o, int ldo) {
        int w0 = base(blk, c), w1 = base(blk, c + 1);
        int s0 = s, s1 = s0 + ld, s2 = s1 + ld, s3 = s2 + ld;
        FloatVector a00 = FloatVector.zero(S), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        for (int k = kFrom; k < kTo; k++) {
            int kk = k * PANEL;
            FloatVector m0 = bf(q, w0 + kk), m1 = bf(q, w1 + kk);
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

    private static void bfChunk(short[] q, PackedGates.Block blk, int c, float[] src, int s, int kFrom, int kTo,
                                float[] out, int o) {
        int w = base(blk, c), rows = Math.min(L, blk.rows() - c * L);
        FloatVector a = FloatVector.zero(S);
        for (int k = kFrom; k < kTo; k++) a = bf(q, w + k * PANEL).fma(FloatVector.broadcast(S, src[s + k]), a);
        int oc = o + blk.outOffset() + c * L;
        if (rows == L) {
            FloatVector.fromArray(S, out, oc).add(a).intoArray(out, oc);
        } else {
            float[] t = PanamaMath.LANES.get();
            a.intoArray(t, 0);
            for (int j = 0; j < rows; j++) out[oc + j] += t[j];
        }
    }
}
