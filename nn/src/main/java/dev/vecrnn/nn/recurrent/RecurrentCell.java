package dev.vecrnn.nn.recurrent;

import dev.vecrnn.nn.Param;
import dev.vecrnn.nn.Tensor;
import dev.vecrnn.nn.io.DType;
import dev.vecrnn.nn.io.TensorData;

import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.kernels.PackedGates;
import dev.vecrnn.kernels.Precision;
import dev.vecrnn.kernels.QuantizedGates;
import dev.vecrnn.kernels.TransposedGates;

import java.util.List;
import java.util.Map;

/**
 * One layer and one direction of a recurrent stack: the packed gate weights (live, trained in place),
 * their gradient in the same packing, the two PyTorch biases and, for a projected LSTM, {@code W_hr}.
 * An inference-only cell ({@link #RecurrentCell(RecurrentCell, Precision)}) holds its gate weights as
 * int8 or bf16 in {@link #q} instead, and no fp32 copy of them: {@link #w}, {@link #gw} and the params are
 * null, and only the forward products ({@link #gates}, {@link #gatesInput}, {@link #gatesRecurrent}) run.
 */
final class RecurrentCell {
    final CellType type;
    final int inputSize;
    final int hidden;
    final int outHidden;
    final String suffix;
    final PackedGates w;
    /** The int8 or bf16 gate weights of an inference-only cell (bias included); null in a trainable one. */
    final QuantizedGates q;
    /**
     * A copy of w's recurrent columns alone (input size 0), refreshed by {@link #sync}: a sequence runs
     * the input part of every step as one GEMM on w, then per step only {@code W_hh h}, and in w those
     * columns are half of each panel, so the per-step product would stream through panels with gaps.
     * Here each panel's recurrent columns are contiguous. Costs a second copy of {@code W_hh}, so it is
     * made on the first sequence forward ({@link #wh()}): a model that only streams never holds it.
     */
    private volatile PackedGates wh;
    final PackedGates gw;
    final float[] biasIh;
    final float[] biasHh;
    final float[] whr;
    final Param packed;
    final Param pBiasIh;
    final Param pBiasHh;
    final Param pWhr;

    RecurrentCell(RecurrentConfig cfg, int layer, int dir) {
        this.type = cfg.type();
        this.inputSize = cfg.layerInput(layer);
        this.hidden = cfg.hiddenSize();
        this.outHidden = cfg.outputHidden();
        this.suffix = "_l" + layer + (dir == 1 ? "_reverse" : "");
        this.w = PackedGates.zeros(type.packing, inputSize, outHidden, hidden);
        this.q = null;
        this.gw = w.zerosLike();
        int rows = type.gates() * hidden;
        this.packed = new Param("packed" + suffix, w.weights(), gw.weights());
        if (cfg.bias()) {
            biasIh = new float[rows];
            biasHh = new float[rows];
            pBiasIh = new Param("bias_ih" + suffix, biasIh);
            pBiasHh = new Param("bias_hh" + suffix, biasHh);
        } else {
            biasIh = biasHh = null;
            pBiasIh = pBiasHh = null;
        }
        if (cfg.projSize() > 0) {
            whr = new float[outHidden * hidden];
            pWhr = new Param("weight_hr" + suffix, whr);
        } else {
            whr = null;
            pWhr = null;
        }
    }

    /**
     * An inference-only copy of {@code src} with its gate weights in {@code precision} (INT8 or BF16); its
     * biases and {@code W_hr} are fp32 copies. {@code src} is brought up to date first and is not changed.
     */
    RecurrentCell(RecurrentCell src, Precision precision) {
        this.type = src.type;
        this.inputSize = src.inputSize;
        this.hidden = src.hidden;
        this.outHidden = src.outHidden;
        this.suffix = src.suffix;
        src.fresh();
        this.q = QuantizedGates.quantize(src.w, precision);
        this.w = null;
        this.gw = null;
        this.packed = null;
        this.biasIh = src.biasIh == null ? null : src.biasIh.clone();
        this.biasHh = src.biasHh == null ? null : src.biasHh.clone();
        this.whr = src.whr == null ? null : src.whr.clone();
        this.pBiasIh = this.pBiasHh = this.pWhr = null;
    }

    /**
     * An inference-only cell of layer {@code layer}, direction {@code dir} of {@code cfg} from its stored
     * tensors ({@link #storedTensors}'s names and layout, without prefix), each checked for its dtype and
     * shape; the ones it uses are removed from {@code in}.
     *
     * @throws IllegalArgumentException naming a missing tensor, or one of the wrong dtype or shape
     */
    RecurrentCell(RecurrentConfig cfg, int layer, int dir, Precision precision, Map<String, TensorData> in) {
        this.type = cfg.type();
        this.inputSize = cfg.layerInput(layer);
        this.hidden = cfg.hiddenSize();
        this.outHidden = cfg.outputHidden();
        this.suffix = "_l" + layer + (dir == 1 ? "_reverse" : "");
        int rows = type.gates() * hidden;
        DType weights = precision == Precision.INT8 ? DType.I8 : DType.BF16;
        TensorData wih = stored(in, "weight_ih" + suffix, weights, rows, inputSize);
        TensorData whh = stored(in, "weight_hh" + suffix, weights, rows, outHidden);
        if (precision == Precision.INT8) {
            TensorData sih = stored(in, "weight_ih" + suffix + "_scale", DType.F32, rows);
            TensorData shh = stored(in, "weight_hh" + suffix + "_scale", DType.F32, rows);
            this.biasIh = cfg.bias() ? stored(in, "bias_ih" + suffix, DType.F32, rows).toFloats() : null;
            this.biasHh = cfg.bias() ? stored(in, "bias_hh" + suffix, DType.F32, rows).toFloats() : null;
            this.q = QuantizedGates.ofInt8(type.packing, inputSize, outHidden, hidden, bytes(wih), sih.toFloats(),
                    bytes(whh), shh.toFloats(), biasIh, biasHh);
        } else {
            this.biasIh = cfg.bias() ? stored(in, "bias_ih" + suffix, DType.F32, rows).toFloats() : null;
            this.biasHh = cfg.bias() ? stored(in, "bias_hh" + suffix, DType.F32, rows).toFloats() : null;
            this.q = QuantizedGates.ofBf16(type.packing, inputSize, outHidden, hidden, words(wih), words(whh), biasIh, biasHh);
        }
        this.whr = cfg.projSize() > 0 ? stored(in, "weight_hr" + suffix, DType.F32, outHidden, hidden).toFloats() : null;
        this.w = null;
        this.gw = null;
        this.packed = null;
        this.pBiasIh = this.pBiasHh = this.pWhr = null;
    }

    /** Takes tensor {@code name} out of {@code in} after checking its dtype and shape. */
    private static TensorData stored(Map<String, TensorData> in, String name, DType dtype, int... shape) {
        TensorData t = in.get(name);
        if (t == null) throw new IllegalArgumentException("missing tensor '" + name + "'");
        if (t.dtype() != dtype) throw new IllegalArgumentException(name + ": expected dtype " + dtype + ", got " + t.dtype());
        if (!java.util.Arrays.equals(t.shape(), shape)) {
            throw new IllegalArgumentException(name + ": expected shape " + java.util.Arrays.toString(shape) + ", got "
                    + java.util.Arrays.toString(t.shape()));
        }
        in.remove(name);
        return t;
    }

    private static byte[] bytes(TensorData t) {
        byte[] b = new byte[t.elementCount()];
        t.bytes().get(b);
        return b;
    }

    private static short[] words(TensorData t) {
        short[] w = new short[t.elementCount()];
        t.bytes().asShortBuffer().get(w);
        return w;
    }

    /**
     * This inference-only cell's tensors as stored in a model file: {@code weight_ih}/{@code weight_hh} in
     * PyTorch's layout as I8 (with {@code weight_ih_scale}/{@code weight_hh_scale}, F32, one per row) or
     * BF16; the biases and {@code weight_hr} as F32.
     */
    void storedTensors(Map<String, TensorData> out) {
        int rows = type.gates() * hidden;
        if (q.precision() == Precision.INT8) {
            byte[] wih = new byte[rows * inputSize], whh = new byte[rows * outHidden];
            float[] sih = new float[rows], shh = new float[rows];
            q.unpackInt8(wih, sih, whh, shh);
            out.put("weight_ih" + suffix, TensorData.ofBytes(DType.I8, wih, rows, inputSize));
            out.put("weight_ih" + suffix + "_scale", TensorData.floats(sih, rows));
            out.put("weight_hh" + suffix, TensorData.ofBytes(DType.I8, whh, rows, outHidden));
            out.put("weight_hh" + suffix + "_scale", TensorData.floats(shh, rows));
        } else {
            short[] wih = new short[rows * inputSize], whh = new short[rows * outHidden];
            q.unpackBf16(wih, whh);
            out.put("weight_ih" + suffix, TensorData.ofBytes(DType.BF16, littleEndian(wih), rows, inputSize));
            out.put("weight_hh" + suffix, TensorData.ofBytes(DType.BF16, littleEndian(whh), rows, outHidden));
        }
        if (biasIh != null) {
            out.put("bias_ih" + suffix, TensorData.floats(biasIh, rows));
            out.put("bias_hh" + suffix, TensorData.floats(biasHh, rows));
        }
        if (whr != null) out.put("weight_hr" + suffix, TensorData.floats(whr, outHidden, hidden));
    }

    private static byte[] littleEndian(short[] w) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(2 * w.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.asShortBuffer().put(w);
        return b.array();
    }

    /** Entries the gate products write per batch row: G*H, or 4H for GRU. */
    int outputSize() {
        return q != null ? q.outputSize() : w.outputSize();
    }

    /** {@code out = W_ih x + W_hh h + bias}, on whichever weights this cell holds (see {@link Kernels#gates}). */
    void gates(Kernels k, int batch, float[] x, int xOff, int ldx, float[] h, int hOff, int ldh, float[] out, int outOff, int ldo) {
        if (q != null) k.gates(q, batch, x, xOff, ldx, h, hOff, ldh, out, outOff, ldo);
        else k.gates(w, batch, x, xOff, ldx, h, hOff, ldh, out, outOff, ldo);
    }

    /** {@code out = W_ih x + bias} for many rows (see {@link Kernels#gatesInput}). */
    void gatesInput(Kernels k, int rows, float[] x, int xOff, int ldx, float[] out, int outOff, int ldo) {
        if (q != null) k.gatesInput(q, rows, x, xOff, ldx, out, outOff, ldo);
        else k.gatesInput(w, rows, x, xOff, ldx, out, outOff, ldo);
    }

    /**
     * {@code out += W_hh h} (see {@link Kernels#gatesRecurrent}): fp32 on {@link #wh()}, the recurrent columns
     * alone; int8 and bf16 on {@link #q} itself, whose panels are a quarter or half the size, rather than
     * keeping a second copy of {@code W_hh}.
     */
    void gatesRecurrent(Kernels k, int batch, float[] h, int hOff, int ldh, float[] out, int outOff, int ldo) {
        if (q != null) k.gatesRecurrent(q, batch, h, hOff, ldh, out, outOff, ldo);
        else k.gatesRecurrent(wh(), batch, h, hOff, ldh, out, outOff, ldo);
    }

    private PackedGates[] extra = new PackedGates[0];

    /** Gradient accumulators for {@code parts} parallel parts: part 0 is gw, the others zeroed scratch. */
    PackedGates[] gradAccumulators(int parts) {
        if (extra.length < parts - 1) {
            PackedGates[] e = java.util.Arrays.copyOf(extra, parts - 1);
            for (int i = extra.length; i < parts - 1; i++) e[i] = w.zerosLike();
            extra = e;
        }
        PackedGates[] acc = new PackedGates[parts];
        acc[0] = gw;
        System.arraycopy(extra, 0, acc, 1, parts - 1);
        return acc;
    }

    void addParams(List<Param> out) {
        if (q != null) return;
        out.add(packed);
        if (pBiasIh != null) {
            out.add(pBiasIh);
            out.add(pBiasHh);
        }
        if (pWhr != null) out.add(pWhr);
    }

    /**
     * Refreshes what is derived from the parameters (after an optimizer step, a load or an init): the
     * packed bias from the two PyTorch biases, and {@link #wh} (once made) from w's recurrent columns.
     */
    void sync() {
        synced = paramsVersion();
        transposedStale = true;
        w.setBias(biasIh, biasHh);
        PackedGates h = wh;
        if (h != null) copyRecurrent(h);
    }

    /** The params' versions summed: each only grows, so the sum changes whenever any of them does. */
    private long paramsVersion() {
        long v = packed.version();
        if (pBiasIh != null) v += pBiasIh.version() + pBiasHh.version();
        if (pWhr != null) v += pWhr.version();
        return v;
    }

    /** The versions {@link #sync} last derived from; -1: never. */
    private volatile long synced = -1;

    /**
     * Brings what is derived from the params up to date when they changed since it was made (an
     * optimizer step, a load): every forward, step and backward pass calls it first, so no caller has to.
     * One volatile read when nothing changed; forward passes racing after a change sync once.
     */
    void fresh() {
        if (q != null || paramsVersion() == synced) return;
        synchronized (this) {
            if (paramsVersion() != synced) sync();
        }
    }

    /**
     * {@link #wh}, made and filled on first use. Forward passes on a shared model may race to it: the
     * first to take the lock fills a fresh copy and publishes it whole (volatile), the others wait and
     * read that one.
     */
    PackedGates wh() {
        PackedGates h = wh;
        if (h != null) return h;
        synchronized (this) {
            if (wh == null) {
                PackedGates fresh = PackedGates.zeros(type.packing, 0, outHidden, hidden);
                copyRecurrent(fresh);
                wh = fresh;
            }
            return wh;
        }
    }

    /** Copies w's recurrent columns into {@code into} (a packing with input size 0). */
    private void copyRecurrent(PackedGates into) {
        float[] src = w.weights(), dst = into.weights();
        PackedGates.Block[] from = w.blocks(), to = into.blocks();
        for (int i = 0; i < from.length; i++) {
            PackedGates.Block a = from[i], b = to[i];
            int hFrom = Math.max(a.colFrom(), inputSize), cols = a.colTo() - hFrom;
            if (cols <= 0) continue;
            int width = a.colTo() - a.colFrom(), panel = PackedGates.PANEL;
            for (int q = 0; q < a.panels(); q++) {
                System.arraycopy(src, a.weightOffset() + q * panel * width + (hFrom - a.colFrom()) * panel,
                        dst, b.weightOffset() + q * panel * cols, panel * cols);
            }
        }
    }

    private TransposedGates transposed;
    private boolean transposedStale = true;

    /**
     * w transposed for the backward product to the inputs ({@code dG W}), made on the first backward pass
     * and copied again on the first one after {@link #sync} (so inference-only use never pays for it).
     */
    TransposedGates transposed() {
        if (transposed == null) {
            transposed = TransposedGates.of(w);
        } else if (transposedStale) {
            transposed.refresh();
        }
        transposedStale = false;
        return transposed;
    }

    /** PyTorch's state_dict entries of this cell. */
    void stateDict(Map<String, Tensor> out, boolean grads) {
        int rows = type.gates() * hidden;
        float[] wih = new float[rows * inputSize];
        float[] whh = new float[rows * outHidden];
        (grads ? gw : w).unpackWeights(wih, whh);
        out.put("weight_ih" + suffix, Tensor.of(wih, rows, inputSize));
        out.put("weight_hh" + suffix, Tensor.of(whh, rows, outHidden));
        if (pBiasIh != null) {
            out.put("bias_ih" + suffix, Tensor.of((grads ? pBiasIh.grad() : biasIh).clone(), rows));
            out.put("bias_hh" + suffix, Tensor.of((grads ? pBiasHh.grad() : biasHh).clone(), rows));
        }
        if (pWhr != null) out.put("weight_hr" + suffix, Tensor.of((grads ? pWhr.grad() : whr).clone(), outHidden, hidden));
    }

    /** The names and shapes of this cell's state_dict entries, in {@link #stateDict}'s order. */
    void shapes(Map<String, int[]> out) {
        int rows = type.gates() * hidden;
        out.put("weight_ih" + suffix, new int[] {rows, inputSize});
        out.put("weight_hh" + suffix, new int[] {rows, outHidden});
        if (biasIh != null) { // the arrays, not the params: a quantized cell has the arrays only
            out.put("bias_ih" + suffix, new int[] {rows});
            out.put("bias_hh" + suffix, new int[] {rows});
        }
        if (whr != null) out.put("weight_hr" + suffix, new int[] {outHidden, hidden});
    }

    /** Copies this cell's entries from {@code in}, which the caller has checked against {@link #shapes}. */
    void load(Map<String, Tensor> in) {
        int rows = type.gates() * hidden;
        float[] wih = in.get("weight_ih" + suffix).data();
        float[] whh = in.get("weight_hh" + suffix).data();
        PackedGates fresh = PackedGates.pack(type.packing, inputSize, outHidden, hidden, wih, whh, null, null);
        System.arraycopy(fresh.weights(), 0, w.weights(), 0, fresh.weights().length);
        if (pBiasIh != null) {
            System.arraycopy(in.get("bias_ih" + suffix).data(), 0, biasIh, 0, rows);
            System.arraycopy(in.get("bias_hh" + suffix).data(), 0, biasHh, 0, rows);
        }
        if (pWhr != null) System.arraycopy(in.get("weight_hr" + suffix).data(), 0, whr, 0, whr.length);
        changed();
    }

    /**
     * Counts a change of each of this cell's params, whose values were written in place (so that a trace
     * made before refuses to run backward on them), and derives from them again.
     */
    void changed() {
        List<Param> mine = new java.util.ArrayList<>();
        addParams(mine);
        for (Param p : mine) p.changed();
        sync();
    }

    /** Moves the packed bias gradient (summed dG) into the two PyTorch bias gradients, then clears it. */
    void flushBiasGrad() {
        float[] gb = gw.bias();
        if (pBiasIh != null) {
            float[] gi = pBiasIh.grad();
            float[] gh = pBiasHh.grad();
            int rows = type.gates() * hidden;
            int split = type == CellType.GRU ? 2 * hidden : rows;
            for (int r = 0; r < rows; r++) {
                if (r < split) {
                    gi[r] += gb[r];
                    gh[r] += gb[r];
                } else {
                    gi[r] += gb[r];
                    gh[r] += gb[r + hidden];
                }
            }
        }
        java.util.Arrays.fill(gb, 0f);
    }
}
