package dev.vecrnn.kernels;

import java.util.Arrays;

import static dev.vecrnn.kernels.PackedGates.PANEL;

/**
 * A cell's gate weights in fewer bytes, for inference: {@link Precision#INT8} or {@link Precision#BF16}.
 * The layout is {@link PackedGates}'s (the same blocks, panels and order), with each fp32 weight replaced by
 * one byte or one 16-bit word; biases stay fp32. The gate kernels widen the weights to fp32 in registers
 * ({@link Kernels#gates(QuantizedGates, int, float[], int, int, float[], int, int, float[], int, int)}): no
 * fp32 copy of the weights is ever made.
 *
 * <p><b>int8</b>: symmetric, one scale per output row and part: the input part of a row ({@code W_ih}'s
 * row) has its own scale, the recurrent part ({@code W_hh}'s row) another, so {@code w = q * scale} with
 * {@code q} in [-127, 127] and {@code scale = max |w| / 127} over that part of the row (zero for a row of
 * zeros). The kernels sum {@code q * x} over a part in fp32 and apply the part's scale once, at the end
 * ({@code out = fma(sum, scale, out)}). The two parts' scales are ONNX Runtime's {@code W_scale} and
 * {@code R_scale} per column of its transposed weights.
 *
 * <p><b>bf16</b>: the upper 16 bits of each fp32 weight, rounded to nearest even; widened by a 16-bit
 * shift, no scale.
 *
 * <p>Immutable once made; safe to share between threads.
 */
public final class QuantizedGates {
    /**
     * Zero bytes past the last weight: at 128-bit vectors the int8 kernels load 8 bytes to widen 4, so the
     * last chunk may read up to 4 bytes past the end.
     */
    static final int PAD = 16;

    private final Precision precision;
    private final PackedGates.Cell cell;
    private final int inputSize;
    private final int recurrentSize;
    private final int hiddenSize;
    private final PackedGates.Block[] blocks;
    private final byte[] int8;
    private final short[] bf16;
    private final float[] scaleX;
    private final float[] scaleH;
    private final float[] bias;

    private QuantizedGates(Precision precision, PackedGates.Cell cell, int inputSize, int recurrentSize, int hiddenSize) {
        this.precision = precision;
        this.cell = cell;
        this.inputSize = inputSize;
        this.recurrentSize = recurrentSize;
        this.hiddenSize = hiddenSize;
        this.blocks = PackedGates.layout(cell, inputSize, recurrentSize, hiddenSize);
        int n = PackedGates.weightsLength(blocks) + PAD;
        int out = cell == PackedGates.Cell.GRU ? 4 * hiddenSize : cell.gates * hiddenSize;
        this.int8 = precision == Precision.INT8 ? new byte[n] : null;
        this.bf16 = precision == Precision.BF16 ? new short[n] : null;
        this.scaleX = precision == Precision.INT8 ? new float[out] : null;
        this.scaleH = precision == Precision.INT8 ? new float[out] : null;
        this.bias = new float[out];
    }

    /** What a part of a row visits: its packed index of each column, and its scale slot. */
    private interface RowPart {
        /**
         * One part of one logical row: {@code row} of PyTorch's {@code [G*H, ...]} matrices, columns
         * {@code [kFrom, kTo)} of {@code [x; h]}; {@code idx[k - kFrom]} is the packed index of column k,
         * {@code slot} the output entry (and scale slot) the row writes.
         */
        void visit(int row, boolean recurrent, int kFrom, int kTo, int[] idx, int slot);
    }

    private void forEachRowPart(RowPart f) {
        int s = inputSize + recurrentSize;
        int[] idx = new int[s];
        for (PackedGates.Block blk : blocks) {
            int width = blk.colTo() - blk.colFrom();
            for (int rb = 0; rb < blk.rows(); rb++) {
                int base = blk.weightOffset() + (rb / PANEL) * PANEL * width + rb % PANEL - blk.colFrom() * PANEL;
                int xTo = Math.min(blk.colTo(), inputSize), hFrom = Math.max(blk.colFrom(), inputSize);
                if (xTo > blk.colFrom()) {
                    for (int k = blk.colFrom(); k < xTo; k++) idx[k - blk.colFrom()] = base + k * PANEL;
                    f.visit(blk.rowFrom() + rb, false, blk.colFrom(), xTo, idx, blk.outOffset() + rb);
                }
                if (blk.colTo() > hFrom) {
                    for (int k = hFrom; k < blk.colTo(); k++) idx[k - hFrom] = base + k * PANEL;
                    f.visit(blk.rowFrom() + rb, true, hFrom, blk.colTo(), idx, blk.outOffset() + rb);
                }
            }
        }
    }

    /**
     * A quantized copy of {@code p}'s weights (its bias as is). Every weight must be finite.
     *
     * @throws IllegalArgumentException for {@link Precision#FP32} or a non-finite weight (naming it)
     */
    public static QuantizedGates quantize(PackedGates p, Precision precision) {
        Kernels.checkNotNull("p", p);
        Kernels.checkNotNull("precision", precision);
        if (precision == Precision.FP32) {
            throw new IllegalArgumentException("precision: expected INT8 or BF16 (FP32 is the PackedGates itself)");
        }
        QuantizedGates q = new QuantizedGates(precision, p.cell(), p.inputSize(), p.recurrentSize(), p.hiddenSize());
        float[] w = p.weights();
        q.forEachRowPart((row, recurrent, kFrom, kTo, idx, slot) -> {
            float amax = 0f;
            for (int k = kFrom; k < kTo; k++) {
                float v = w[idx[k - kFrom]];
                if (!Float.isFinite(v)) {
                    throw new IllegalArgumentException("W[" + row + ", " + k + "]: expected a finite weight, got " + v);
                }
                amax = Math.max(amax, Math.abs(v));
            }
            if (precision == Precision.BF16) {
                for (int k = kFrom; k < kTo; k++) q.bf16[idx[k - kFrom]] = toBf16(w[idx[k - kFrom]], row, k);
                return;
            }
            float scale = amax / 127f;
            (recurrent ? q.scaleH : q.scaleX)[slot] = scale;
            for (int k = kFrom; k < kTo; k++) q.int8[idx[k - kFrom]] = toInt8(w[idx[k - kFrom]], scale);
        });
        System.arraycopy(p.bias(), 0, q.bias, 0, q.bias.length);
        return q;
    }

    /** round(w / scale), clamped to [-127, 127]; 0 where the scale is (a row of zeros). */
    static byte toInt8(float w, float scale) {
        if (scale == 0f) return 0;
        double r = Math.rint((double) w / scale);
        return (byte) Math.max(-127, Math.min(127, r));
    }

    /** The upper 16 bits of {@code w} rounded to nearest even; a finite w that rounds to infinity is refused. */
    static short toBf16(float w, int row, int col) {
        int bits = Float.floatToRawIntBits(w);
        int rounded = (bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16;
        if (!Float.isFinite(fromBf16((short) rounded))) {
            throw new IllegalArgumentException("W[" + row + ", " + col + "]: " + w + " overflows bf16");
        }
        return (short) rounded;
    }

    /** The fp32 value of a bf16 word. */
    public static float fromBf16(short b) {
        return Float.intBitsToFloat(b << 16);
    }

    /**
     * int8 weights as stored in a file, in PyTorch's layout: {@code weightIh [G*H, I]} with
     * {@code scaleIh [G*H]}, {@code weightHh [G*H, Hr]} with {@code scaleHh [G*H]}; the two biases as in
     * {@link PackedGates#pack} (null for none). Scales must be finite and not negative.
     */
    public static QuantizedGates ofInt8(PackedGates.Cell cell, int inputSize, int recurrentSize, int hiddenSize,
                                        byte[] weightIh, float[] scaleIh, byte[] weightHh, float[] scaleHh,
                                        float[] biasIh, float[] biasHh) {
        int rows = checkWeights(cell, inputSize, recurrentSize, hiddenSize, weightIh, weightHh);
        Kernels.checkLength("scaleIh", scaleIh, rows);
        Kernels.checkLength("scaleHh", scaleHh, rows);
        checkScales("scaleIh", scaleIh);
        checkScales("scaleHh", scaleHh);
        QuantizedGates q = new QuantizedGates(Precision.INT8, cell, inputSize, recurrentSize, hiddenSize);
        PackedGates.packBias(cell, hiddenSize, biasIh, biasHh, q.bias);
        q.forEachRowPart((row, recurrent, kFrom, kTo, idx, slot) -> {
            byte[] src = recurrent ? weightHh : weightIh;
            int width = recurrent ? recurrentSize : inputSize, first = recurrent ? inputSize : 0;
            for (int k = kFrom; k < kTo; k++) q.int8[idx[k - kFrom]] = src[row * width + k - first];
            (recurrent ? q.scaleH : q.scaleX)[slot] = (recurrent ? scaleHh : scaleIh)[row];
        });
        return q;
    }

    /**
     * bf16 weights as stored in a file, in PyTorch's layout ({@code weightIh [G*H, I]}, {@code weightHh
     * [G*H, Hr]}, each word the upper half of an fp32); the biases as in {@link PackedGates#pack}. Every
     * weight must be finite.
     */
    public static QuantizedGates ofBf16(PackedGates.Cell cell, int inputSize, int recurrentSize, int hiddenSize,
                                        short[] weightIh, short[] weightHh, float[] biasIh, float[] biasHh) {
        int rows = checkWeights(cell, inputSize, recurrentSize, hiddenSize, weightIh, weightHh);
        checkFinite("weightIh", weightIh);
        checkFinite("weightHh", weightHh);
        QuantizedGates q = new QuantizedGates(Precision.BF16, cell, inputSize, recurrentSize, hiddenSize);
        PackedGates.packBias(cell, hiddenSize, biasIh, biasHh, q.bias);
        q.forEachRowPart((row, recurrent, kFrom, kTo, idx, slot) -> {
            short[] src = recurrent ? weightHh : weightIh;
            int width = recurrent ? recurrentSize : inputSize, first = recurrent ? inputSize : 0;
            for (int k = kFrom; k < kTo; k++) q.bf16[idx[k - kFrom]] = src[row * width + k - first];
        });
        return q;
    }

    /** Checks the PyTorch-layout weight arrays ({@code byte[]} or {@code short[]}) for a cell; returns G*H. */
    private static int checkWeights(PackedGates.Cell cell, int inputSize, int recurrentSize, int hiddenSize,
                                    Object weightIh, Object weightHh) {
        Kernels.checkNotNull("cell", cell);
        PackedGates.checkSizes(inputSize, recurrentSize, hiddenSize);
        Kernels.checkNotNull("weightIh", weightIh);
        Kernels.checkNotNull("weightHh", weightHh);
        int rows = cell.gates * hiddenSize;
        checkLength("weightIh", java.lang.reflect.Array.getLength(weightIh), (long) rows * inputSize);
        checkLength("weightHh", java.lang.reflect.Array.getLength(weightHh), (long) rows * recurrentSize);
        return rows;
    }

    private static void checkLength(String name, int length, long expected) {
        if (length != expected) throw new IllegalArgumentException(name + ": expected length " + expected + ", got " + length);
    }

    private static void checkScales(String name, float[] s) {
        for (int i = 0; i < s.length; i++) {
            if (!(s[i] >= 0f) || s[i] == Float.POSITIVE_INFINITY) {
                throw new IllegalArgumentException(name + "[" + i + "]: expected a finite scale >= 0, got " + s[i]);
            }
        }
    }

    private static void checkFinite(String name, short[] w) {
        for (int i = 0; i < w.length; i++) {
            if (!Float.isFinite(fromBf16(w[i]))) {
                throw new IllegalArgumentException(name + "[" + i + "]: expected a finite bf16 weight, got " + fromBf16(w[i]));
            }
        }
    }

    /** Copies the int8 weights and scales out in PyTorch's layout (the arrays {@link #ofInt8} takes). */
    public void unpackInt8(byte[] weightIh, float[] scaleIh, byte[] weightHh, float[] scaleHh) {
        int rows = checkWeights(cell, inputSize, recurrentSize, hiddenSize, weightIh, weightHh);
        Kernels.checkLength("scaleIh", scaleIh, rows);
        Kernels.checkLength("scaleHh", scaleHh, rows);
        if (precision != Precision.INT8) throw new IllegalStateException("these weights are " + precision + ", not INT8");
        forEachRowPart((row, recurrent, kFrom, kTo, idx, slot) -> {
            byte[] dst = recurrent ? weightHh : weightIh;
            int width = recurrent ? recurrentSize : inputSize, first = recurrent ? inputSize : 0;
            for (int k = kFrom; k < kTo; k++) dst[row * width + k - first] = int8[idx[k - kFrom]];
            (recurrent ? scaleHh : scaleIh)[row] = (recurrent ? scaleH : scaleX)[slot];
        });
    }

    /** Copies the bf16 weights out in PyTorch's layout (the arrays {@link #ofBf16} takes). */
    public void unpackBf16(short[] weightIh, short[] weightHh) {
        int rows = checkWeights(cell, inputSize, recurrentSize, hiddenSize, weightIh, weightHh);
        if (precision != Precision.BF16) throw new IllegalStateException("these weights are " + precision + ", not BF16");
        forEachRowPart((row, recurrent, kFrom, kTo, idx, slot) -> {
            short[] dst = recurrent ? weightHh : weightIh;
            int width = recurrent ? recurrentSize : inputSize, first = recurrent ? inputSize : 0;
            for (int k = kFrom; k < kTo; k++) dst[row * width + k - first] = bf16[idx[k - kFrom]];
        });
    }

    /**
     * The fp32 weights these stand for ({@code q * scale}, or the widened bf16), packed, with this bias: what
     * the kernels compute with, up to the order of the roundings.
     */
    public PackedGates dequantized() {
        PackedGates p = PackedGates.zeros(cell, inputSize, recurrentSize, hiddenSize);
        float[] w = p.weights();
        forEachRowPart((row, recurrent, kFrom, kTo, idx, slot) -> {
            float scale = precision == Precision.INT8 ? (recurrent ? scaleH : scaleX)[slot] : 1f;
            for (int k = kFrom; k < kTo; k++) {
                int i = idx[k - kFrom];
                w[i] = precision == Precision.INT8 ? int8[i] * scale : fromBf16(bf16[i]);
            }
        });
        System.arraycopy(bias, 0, p.bias(), 0, bias.length);
        return p;
    }

    public Precision precision() {
        return precision;
    }

    public PackedGates.Cell cell() {
        return cell;
    }

    public int inputSize() {
        return inputSize;
    }

    public int recurrentSize() {
        return recurrentSize;
    }

    public int hiddenSize() {
        return hiddenSize;
    }

    /** Entries the gate kernels write per batch row, as {@link PackedGates#outputSize()}. */
    public int outputSize() {
        return bias.length;
    }

    /** Bytes held: weights (with their padding), scales and bias. */
    public long bytes() {
        long n = int8 != null ? int8.length : 2L * bf16.length;
        if (scaleX != null) n += 4L * (scaleX.length + scaleH.length);
        return n + 4L * bias.length;
    }

    PackedGates.Block[] blocks() {
        return blocks;
    }

    byte[] int8() {
        return int8;
    }

    short[] bf16() {
        return bf16;
    }

    /** int8: the scale of each output entry's input part (0 where it has none). */
    float[] scaleX() {
        return scaleX;
    }

    /** int8: the scale of each output entry's recurrent part (0 where it has none). */
    float[] scaleH() {
        return scaleH;
    }

    float[] bias() {
        return bias;
    }

    @Override
    public String toString() {
        return "QuantizedGates[" + precision + ", " + cell + ", input " + inputSize + ", recurrent " + recurrentSize
                + ", hidden " + hiddenSize + ", " + bytes() + " bytes]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof QuantizedGates q && q.precision == precision && q.cell == cell && q.inputSize == inputSize
                && q.recurrentSize == recurrentSize && q.hiddenSize == hiddenSize && Arrays.equals(q.int8, int8)
                && Arrays.equals(q.bf16, bf16) && Arrays.equals(q.scaleX, scaleX) && Arrays.equals(q.scaleH, scaleH)
                && Arrays.equals(q.bias, bias);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new Object[] {precision, cell, inputSize, recurrentSize, hiddenSize})
                ^ Arrays.hashCode(int8) ^ Arrays.hashCode(bf16) ^ Arrays.hashCode(bias);
    }
}
