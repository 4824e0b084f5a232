package dev.vecrnn.nn.recurrent;

import dev.vecrnn.nn.NonFiniteInput;
import dev.vecrnn.nn.Require;
import dev.vecrnn.nn.Tensor;

import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.kernels.PackedGates;
import dev.vecrnn.kernels.TransposedGates;

import java.util.Arrays;
import java.util.Random;

/**
 * The sequence forward and backpropagation through time of {@link Recurrent}. Work is time-major
 * ({@code [T*B, F]} rows); per layer and direction the input part of every gate is one GEMM over all
 * steps, then each step adds the recurrent part for the whole batch and runs the pointwise cell per
 * row. Backward mirrors it: per step the pointwise backward and {@code W_hh^T dG} for the batch, then
 * one GEMM each for the weight gradient and (unless the caller does not need it) the input gradient
 * over all steps.
 */
final class RecurrentPass {
    private RecurrentPass() {
    }

    // x [T, B, I] or [B, T, I] -> trace with output [T, B, D*P] (user layout), h_n, c_n
    static Recurrent.Trace forward(Recurrent net, Tensor x, int[] lengths, Tensor h0, Tensor c0, Random dropoutRng) {
        return forward(net, x, lengths, h0, c0, dropoutRng, false);
    }

    // rejectNonFinite: a NaN or infinity in x (within the lengths), h0 or c0 is an error naming where
    static Recurrent.Trace forward(Recurrent net, Tensor x, int[] lengths, Tensor h0, Tensor c0, Random dropoutRng,
                                   boolean rejectNonFinite) {
        net.fresh();
        RecurrentConfig cfg = net.config();
        Kernels k = Kernels.get();
        checkX(cfg, x);
        int steps = steps(cfg, x), batch = batch(cfg, x), n = cfg.numLayers() * cfg.directions();
        int[] len = checkInputs(k, cfg, x, lengths, h0, c0, rejectNonFinite, new int[batch]);
        boolean lstm = cfg.type() == CellType.LSTM;
        SequenceBuffers.Traced buf = new SequenceBuffers.Traced(cfg, dropoutRng);
        float[] input = toTimeMajor(x.data(), steps, batch, cfg.inputSize(), cfg.batchFirst(), null);
        // the weight gradient reads every row of the input, padding too (times a zero dG): make it zero there
        input = zeroPadded(input, steps, batch, cfg.inputSize(), len, cfg.batchFirst());
        float[] hN = new float[n * batch * cfg.outputHidden()];
        float[] cN = lstm ? new float[n * batch * cfg.hiddenSize()] : null;
        float[] top = runLayers(k, net, input, steps, batch, len, data(h0), data(c0), hN, cN, buf);
        int out = cfg.outputSize();
        Tensor output = Tensor.of(fromTimeMajor(top, steps, batch, out, cfg.batchFirst(), null),
                cfg.batchFirst() ? new int[] {batch, steps, out} : new int[] {steps, batch, out});
        Tensor hNt = Tensor.of(hN, n, batch, cfg.outputHidden());
        Tensor cNt = lstm ? Tensor.of(cN, n, batch, cfg.hiddenSize()) : null;
        return new Recurrent.Trace(net, steps, batch, len, buf.masks, buf.dirs, output, hNt, cNt);
    }

    // x [T, B, I] or [B, T, I] -> fresh output [T, B, D*P] (user layout), h_n, c_n; no trace
    static Recurrent.Output infer(Recurrent net, Tensor x, int[] lengths, Tensor h0, Tensor c0, boolean rejectNonFinite) {
        net.fresh();
        RecurrentConfig cfg = net.config();
        checkX(cfg, x);
        int steps = steps(cfg, x), batch = batch(cfg, x), n = cfg.numLayers() * cfg.directions(), out = cfg.outputSize();
        Tensor output = cfg.batchFirst() ? Tensor.zeros(batch, steps, out) : Tensor.zeros(steps, batch, out);
        Tensor hN = Tensor.zeros(n, batch, cfg.outputHidden());
        Tensor cN = cfg.type() == CellType.LSTM ? Tensor.zeros(n, batch, cfg.hiddenSize()) : null;
        infer(net, x, lengths, h0, c0, output, hN, cN, new SequenceWorkspace(net), rejectNonFinite);
        return new Recurrent.Output(output, hN, cN);
    }

    /**
     * x [T, B, I] or [B, T, I] -> output [T, B, D*P] (user layout), h_n [L*D, B, P], c_n [L*D, B, H] into the
     * given tensors (each null when not wanted), in the workspace: no trace, and nothing allocated once the
     * workspace has served a call as large. The caller holds ws.
     */
    static void infer(Recurrent net, Tensor x, int[] lengths, Tensor h0, Tensor c0, Tensor output, Tensor hN, Tensor cN,
                      SequenceWorkspace ws, boolean rejectNonFinite) {
        net.fresh();
        RecurrentConfig cfg = net.config();
        Kernels k = Kernels.get();
        checkX(cfg, x);
        int steps = steps(cfg, x), batch = batch(cfg, x), n = cfg.numLayers() * cfg.directions(), out = cfg.outputSize();
        if (output != null) {
            if (cfg.batchFirst()) requireShape("output", output, batch, steps, out);
            else requireShape("output", output, steps, batch, out);
        }
        if (hN != null) requireShape("hN", hN, n, batch, cfg.outputHidden());
        if (cN != null) {
            if (cfg.type() != CellType.LSTM) throw new IllegalArgumentException("cN: only LSTM has a cell state, got cN for " + cfg.type());
            requireShape("cN", cN, n, batch, cfg.hiddenSize());
        }
        // outputs are written while inputs are still read; h_n over h0 (c_n over c0) is fine: each layer and
        // direction reads its slice of h0 before it writes that of h_n
        requireOwnArray("output", output, "x", x);
        requireOwnArray("output", output, "h0", h0);
        requireOwnArray("output", output, "c0", c0);
        requireOwnArray("output", output, "hN", hN);
        requireOwnArray("output", output, "cN", cN);
        requireOwnArray("hN", hN, "x", x);
        requireOwnArray("hN", hN, "cN", cN);
        requireOwnArray("cN", cN, "x", x);
        SequenceBuffers.Reused buf = ws.buffers;
        buf.reserve(steps, batch, output == null || cfg.batchFirst() ? null : output.data());
        try {
            int[] len = checkInputs(k, cfg, x, lengths, h0, c0, rejectNonFinite, buf.lengths);
            float[] input = toTimeMajor(x.data(), steps, batch, cfg.inputSize(), cfg.batchFirst(), buf.input);
            float[] top = runLayers(k, net, input, steps, batch, len, data(h0), data(c0), data(hN), data(cN), buf);
            if (output != null && top != output.data()) fromTimeMajor(top, steps, batch, out, true, output.data());
        } finally {
            buf.release();
        }
    }

    // input [T*B, I] time-major -> the top layer's output [T*B, D*P]; h_n into hN, c_n into cN unless null
    private static float[] runLayers(Kernels k, Recurrent net, float[] input, int steps, int batch, int[] len,
                                     float[] h0, float[] c0, float[] hN, float[] cN, SequenceBuffers buf) {
        RecurrentConfig cfg = net.config();
        int dirs = cfg.directions(), out = cfg.outputSize(), p = cfg.outputHidden(), h = cfg.hiddenSize();
        float[] layerOut = null;
        for (int l = 0; l < cfg.numLayers(); l++) {
            layerOut = buf.layerOutput(l, steps * batch * out);
            for (int d = 0; d < dirs; d++) {
                int idx = l * dirs + d;
                RecurrentCell cell = net.cells[idx];
                Recurrent.DirTrace t = buf.direction(idx, cell, input, steps, batch, len);
                runDirection(k, cell, t, steps, batch, len, d, h0, c0, idx, net.threads(), layerOut, out);
                // every sequence's state is carried past its end, so the last slot holds each final one
                int last = t.ring ? steps & 1 : steps;
                if (hN != null) System.arraycopy(t.states, last * batch * p, hN, idx * batch * p, batch * p);
                if (cN != null) System.arraycopy(t.cells, last * batch * h, cN, idx * batch * h, batch * h);
            }
            input = buf.nextInput(l, layerOut);
        }
        return layerOut;
    }

    /**
     * One layer and direction: t.x [T*B, In] in step order -> t.gates [T*B, O], and h (c) of every step in
     * t.states [(T+1)*B, P] (t.cells [(T+1)*B, H]) or, when t.ring, in two slots [2*B, P] used in turn. Each
     * valid step's h goes to its position in layerOut [T*B, out] at column dir*P; past a sequence's end the
     * state is carried and the output is zero.
     */
    private static void runDirection(Kernels k, RecurrentCell cell, Recurrent.DirTrace t, int steps, int batch, int[] len,
                                     int dir, float[] h0, float[] c0, int idx, int threads, float[] layerOut, int out) {
        int in = cell.inputSize, h = cell.hidden, p = cell.outHidden, o = cell.outputSize();
        boolean lstm = cell.type == CellType.LSTM, ring = t.ring;
        if (h0 != null) System.arraycopy(h0, idx * batch * p, t.states, 0, batch * p);
        else if (ring) Arrays.fill(t.states, 0, batch * p, 0f);
        if (lstm && c0 != null) System.arraycopy(c0, idx * batch * h, t.cells, 0, batch * h);
        else if (lstm && ring) Arrays.fill(t.cells, 0, batch * h, 0f);
        gatesInput(k, cell, threads, steps * batch, t.x, in, t.gates, o);
        for (int s = 0; s < steps; s++) {
            if (Parallel.parts(threads, batch) == 1) {
                stepRows(k, cell, t, s, batch, len, dir, layerOut, out, 0, batch); // no task: inference allocates nothing
            } else {
                int step = s;
                Parallel.rows(threads, batch, (part, from, to) -> stepRows(k, cell, t, step, batch, len, dir, layerOut, out, from, to));
            }
        }
    }

    // step s of one direction for batch rows [from, to): their recurrent product, then their cells. Rows are
    // independent, so the parts of a step run on separate threads with the same bits as one part.
    private static void stepRows(Kernels k, RecurrentCell cell, Recurrent.DirTrace t, int s, int batch, int[] len, int dir,
                                 float[] layerOut, int out, int from, int to) {
        int h = cell.hidden, p = cell.outHidden, o = cell.outputSize();
        boolean lstm = cell.type == CellType.LSTM, relu = cell.type == CellType.RNN_RELU, ring = t.ring;
        int cur = ring ? s & 1 : s, nxt = ring ? cur ^ 1 : s + 1, full = ring ? 0 : s;
        int g = s * batch * o, prev = cur * batch * p, next = nxt * batch * p;
        cell.gatesRecurrent(k, to - from, t.states, prev + from * p, p, t.gates, g + from * o, o);
        for (int b = from; b < to; b++) {
            int hp = prev + b * p, hn = next + b * p, cp = (cur * batch + b) * h, cn = (nxt * batch + b) * h;
            if (s >= len[b]) {
                System.arraycopy(t.states, hp, t.states, hn, p);
                if (lstm) System.arraycopy(t.cells, cp, t.cells, cn, h);
                int pad = (s * batch + b) * out + dir * p;
                Arrays.fill(layerOut, pad, pad + p, 0f);
                continue;
            }
            int gr = g + b * o;
            switch (cell.type) {
                case LSTM -> {
                    if (cell.whr == null) {
                        k.lstmForward(h, t.gates, gr, t.cells, cp, t.cells, cn, t.states, hn);
                    } else {
                        int hf = (full * batch + b) * h;
                        k.lstmForward(h, t.gates, gr, t.cells, cp, t.cells, cn, t.hfull, hf);
                        k.gemmNT(1, p, h, t.hfull, hf, h, cell.whr, 0, h, t.states, hn, p, false);
                    }
                }
                case GRU -> k.gruForward(h, t.gates, gr, t.states, hp, t.states, hn);
                default -> k.rnnForward(h, relu, t.gates, gr, t.states, hn);
            }
            int tt = dir == 0 ? s : len[b] - 1 - s;
            System.arraycopy(t.states, hn, layerOut, (tt * batch + b) * out + dir * p, p);
        }
    }

    // x [rows, in] -> gates [rows, o] = W_ih x + bias; on the calling thread, without a task, when one part will do
    private static void gatesInput(Kernels k, RecurrentCell cell, int threads, int rows, float[] x, int in, float[] gates, int o) {
        if (Parallel.parts(threads, rows) == 1) {
            cell.gatesInput(k, rows, x, 0, in, gates, 0, o);
        } else {
            Parallel.rows(threads, rows, (part, from, to) -> cell.gatesInput(k, to - from, x, from * in, in, gates, from * o, o));
        }
    }

    // trace, dOutput (user layout) -> input gradients (dx null unless inputGrad); parameter gradients accumulate
    static Recurrent.InputGrads backward(Recurrent net, Recurrent.Trace tr, Tensor dOutput, Tensor dhN, Tensor dcN,
                                         boolean inputGrad) {
        net.fresh();
        RecurrentConfig cfg = net.config();
        Kernels k = Kernels.get();
        int steps = tr.steps, batch = tr.batch, layers = cfg.numLayers(), dirs = cfg.directions();
        int p = cfg.outputHidden(), h = cfg.hiddenSize(), out = cfg.outputSize();
        boolean lstm = cfg.type() == CellType.LSTM;
        if (dOutput == null) throw new IllegalArgumentException("dOutput: expected a tensor, got null");
        dOutput.requireShape("dOutput", tr.output.shape());
        if (dhN != null) dhN.requireShape("dhN", layers * dirs, batch, p);
        if (dcN != null) {
            if (!lstm) throw new IllegalArgumentException("dcN: only LSTM has a cell state, got dcN for " + cfg.type());
            dcN.requireShape("dcN", layers * dirs, batch, h);
        }
        float[] dOut = toTimeMajor(dOutput.data(), steps, batch, out, cfg.batchFirst(), null);
        float[] dh0 = new float[layers * dirs * batch * p];
        float[] dc0 = lstm ? new float[layers * dirs * batch * h] : null;
        float[] dIn = null;
        for (int l = layers - 1; l >= 0; l--) {
            dIn = l > 0 || inputGrad ? new float[steps * batch * cfg.layerInput(l)] : null;
            for (int d = 0; d < dirs; d++) {
                int idx = l * dirs + d;
                backDirection(k, net.cells[idx], tr.dirs[idx], tr, dOut, d, out, dhN, dcN, dh0, dc0, idx, dIn, net.threads());
            }
            if (l > 0 && tr.dropMasks[l - 1] != null) {
                float[] m = tr.dropMasks[l - 1];
                for (int i = 0; i < dIn.length; i++) dIn[i] *= m[i];
            }
            dOut = dIn;
        }
        Tensor dx = dIn == null ? null : Tensor.of(fromTimeMajor(dIn, steps, batch, cfg.inputSize(), cfg.batchFirst(), null),
                cfg.batchFirst() ? new int[] {batch, steps, cfg.inputSize()} : new int[] {steps, batch, cfg.inputSize()});
        return new Recurrent.InputGrads(dx, Tensor.of(dh0, layers * dirs, batch, p),
                lstm ? Tensor.of(dc0, layers * dirs, batch, h) : null);
    }

    private static void backDirection(Kernels k, RecurrentCell cell, Recurrent.DirTrace t, Recurrent.Trace tr, float[] dOut,
                                      int dir, int out, Tensor dhN, Tensor dcN, float[] dh0, float[] dc0, int idx,
                                      float[] dIn, int threads) {
        int steps = tr.steps, batch = tr.batch;
        int[] len = tr.lengths;
        int in = cell.inputSize, h = cell.hidden, p = cell.outHidden, o = cell.w.outputSize();
        boolean lstm = cell.type == CellType.LSTM;
        TransposedGates wt = cell.transposed();
        float[] dG = new float[steps * batch * o];
        float[] dhNext = new float[batch * p];
        float[] dhPrev = new float[batch * p];
        int parts = Parallel.parts(threads, batch);
        float[][] dh = new float[parts][p]; // scratch of each part
        float[][] dhFull = cell.whr == null ? null : new float[parts][h];
        float[] dhAll = cell.whr == null ? null : new float[steps * batch * p];
        float[] dc = lstm ? new float[batch * h] : null;
        if (dhN != null) System.arraycopy(dhN.data(), idx * batch * p, dhNext, 0, batch * p);
        if (lstm && dcN != null) System.arraycopy(dcN.data(), idx * batch * h, dc, 0, batch * h);
        for (int s = steps - 1; s >= 0; s--) {
            if (parts == 1) {
                backStepRows(k, cell, t, wt, tr, dOut, dir, out, s, dhNext, dhPrev, dh[0],
                        dhFull == null ? null : dhFull[0], dhAll, dc, dG, 0, batch);
            } else {
                int step = s;
                float[] next = dhNext, prev = dhPrev;
                Parallel.rows(threads, batch, (part, from, to) -> backStepRows(k, cell, t, wt, tr, dOut, dir, out, step,
                        next, prev, dh[part], dhFull == null ? null : dhFull[part], dhAll, dc, dG, from, to));
            }
            float[] swap = dhNext;
            dhNext = dhPrev;
            dhPrev = swap;
        }
        System.arraycopy(dhNext, 0, dh0, idx * batch * p, batch * p);
        if (lstm) System.arraycopy(dc, 0, dc0, idx * batch * h, batch * h);
        int rows = steps * batch;
        PackedGates[] acc = cell.gradAccumulators(Parallel.parts(threads, rows));
        Parallel.rows(threads, rows, (part, from, to) ->
                k.gatesBackwardWeights(cell.w, to - from, dG, from * o, o, t.x, from * in, in, t.states, from * p, p, acc[part]));
        for (int i = 1; i < acc.length; i++) {
            k.axpy(acc[i].weights().length, 1f, acc[i].weights(), 0, cell.gw.weights(), 0);
            k.axpy(acc[i].bias().length, 1f, acc[i].bias(), 0, cell.gw.bias(), 0);
            java.util.Arrays.fill(acc[i].weights(), 0f);
            java.util.Arrays.fill(acc[i].bias(), 0f);
        }
        cell.flushBiasGrad();
        if (cell.whr != null) {
            k.gemmTN(p, h, steps * batch, dhAll, 0, p, t.hfull, 0, h, cell.pWhr.grad(), 0, h, true);
        }
        if (dIn == null) return; // the input gradient is not wanted
        if (dir == 0) {
            // direction 0 comes first, so dIn is still zero: accumulate into it directly
            Parallel.rows(threads, rows, (part, from, to) ->
                    k.gatesBackwardData(wt, to - from, dG, from * o, o, dIn, from * in, in, null, 0, 0));
            return;
        }
        float[] dx = new float[steps * batch * in];
        Parallel.rows(threads, rows, (part, from, to) ->
                k.gatesBackwardData(wt, to - from, dG, from * o, o, dx, from * in, in, null, 0, 0));
        for (int s = 0; s < steps; s++) {
            for (int b = 0; b < batch; b++) {
                if (s >= len[b]) continue;
                int tt = len[b] - 1 - s;
                k.axpy(in, 1f, dx, (s * batch + b) * in, dIn, (tt * batch + b) * in);
            }
        }
    }

    // step s of backpropagation through time for batch rows [from, to): their cells' backward into dG, then
    // dh of the step before = dG W_hh (+ the carried dh past a sequence's end). Rows are independent, as forward.
    private static void backStepRows(Kernels k, RecurrentCell cell, Recurrent.DirTrace t, TransposedGates wt, Recurrent.Trace tr,
                                     float[] dOut, int dir, int out, int s, float[] dhNext, float[] dhPrev, float[] dh,
                                     float[] dhFull, float[] dhAll, float[] dc, float[] dG, int from, int to) {
        int batch = tr.batch, h = cell.hidden, p = cell.outHidden, o = cell.w.outputSize();
        int[] len = tr.lengths;
        boolean relu = cell.type == CellType.RNN_RELU;
        int g = s * batch * o;
        System.arraycopy(dhNext, from * p, dhPrev, from * p, (to - from) * p);
        for (int b = from; b < to; b++) {
            if (s >= len[b]) continue;
            int tt = dir == 0 ? s : len[b] - 1 - s;
            int src = (tt * batch + b) * out + dir * p;
            for (int j = 0; j < p; j++) dh[j] = dOut[src + j] + dhNext[b * p + j];
            int gr = g + b * o;
            int prev = (s * batch + b) * p, cur = ((s + 1) * batch + b) * p;
            Arrays.fill(dhPrev, b * p, (b + 1) * p, 0f);
            switch (cell.type) {
                case LSTM -> {
                    float[] dhc = dh;
                    if (cell.whr != null) {
                        System.arraycopy(dh, 0, dhAll, (s * batch + b) * p, p);
                        k.gemmNN(1, h, p, dh, 0, p, cell.whr, 0, h, dhFull, 0, h, false);
                        dhc = dhFull;
                    }
                    k.lstmBackward(h, t.gates, gr, t.cells, (s * batch + b) * h, t.cells, ((s + 1) * batch + b) * h,
                            dhc, 0, dc, b * h, dG, gr);
                }
                case GRU -> k.gruBackward(h, t.gates, gr, t.states, prev, dh, 0, dG, gr, dhPrev, b * p);
                default -> k.rnnBackward(h, relu, t.states, cur, dh, 0, dG, gr);
            }
        }
        k.gatesBackwardData(wt, to - from, dG, g + from * o, o, null, 0, 0, dhPrev, from * p, p);
    }

    /** x: a tensor [T, B, I] or (batch_first) [B, T, I] with T >= 1 (PyTorch refuses zero-length sequences too). */
    private static void checkX(RecurrentConfig cfg, Tensor x) {
        if (x == null) throw new IllegalArgumentException("x: expected a tensor, got null");
        if (x.rank() != 3 || x.dim(2) != cfg.inputSize()) {
            throw new IllegalArgumentException("x: expected shape " + (cfg.batchFirst() ? "[B, T, " : "[T, B, ")
                    + cfg.inputSize() + "], got " + Arrays.toString(x.shape()));
        }
        if (steps(cfg, x) == 0) {
            throw new IllegalArgumentException("x: expected at least one step (T >= 1), got shape " + Arrays.toString(x.shape()));
        }
    }

    private static int steps(RecurrentConfig cfg, Tensor x) {
        return cfg.batchFirst() ? x.dim(1) : x.dim(0);
    }

    private static int batch(RecurrentConfig cfg, Tensor x) {
        return cfg.batchFirst() ? x.dim(0) : x.dim(1);
    }

    /**
     * The checks after x's shape: the lengths, copied into {@code len} (which is returned), h0 and c0's shapes and,
     * with rejectNonFinite, a NaN or infinity in x (within the lengths), h0 or c0.
     */
    private static int[] checkInputs(Kernels k, RecurrentConfig cfg, Tensor x, int[] lengths, Tensor h0, Tensor c0,
                                     boolean rejectNonFinite, int[] len) {
        int steps = steps(cfg, x), batch = batch(cfg, x), n = cfg.numLayers() * cfg.directions();
        Require.lengths(lengths, steps, batch, len);
        if (h0 != null) requireShape("h0", h0, n, batch, cfg.outputHidden());
        if (c0 != null) {
            if (cfg.type() != CellType.LSTM) throw new IllegalArgumentException("c0: only LSTM has a cell state, got c0 for " + cfg.type());
            requireShape("c0", c0, n, batch, cfg.hiddenSize());
        }
        if (rejectNonFinite) {
            NonFiniteInput.checkSequences(k, "x", x.data(), steps, batch, cfg.inputSize(), cfg.batchFirst(), len);
            NonFiniteInput.checkState(k, "h0", h0);
            NonFiniteInput.checkState(k, "c0", c0);
        }
        return len;
    }

    /** t has shape [d0, d1, d2] (checked without a varargs array, since the workspace forward allocates nothing). */
    private static void requireShape(String name, Tensor t, int d0, int d1, int d2) {
        if (t.rank() != 3 || t.dim(0) != d0 || t.dim(1) != d1 || t.dim(2) != d2) t.requireShape(name, d0, d1, d2);
    }

    /** An output tensor (when given) is not backed by the array of another tensor. */
    private static void requireOwnArray(String name, Tensor t, String otherName, Tensor other) {
        if (t != null && other != null && t.data() == other.data()) {
            throw new IllegalArgumentException(name + ": expected an array of its own, got the one of " + otherName);
        }
    }

    private static float[] data(Tensor t) {
        return t == null ? null : t.data();
    }

    /**
     * x time-major [T*B, width] with zeros in its padding rows (step s of sequence b for s >= len[b]): x itself
     * when they already are, or when {@code own} (x is this pass's own copy), else a copy.
     */
    private static float[] zeroPadded(float[] x, int steps, int batch, int width, int[] len, boolean own) {
        float[] out = x;
        for (int s = 0; s < steps; s++) {
            for (int b = 0; b < batch; b++) {
                if (s < len[b]) continue;
                int from = (s * batch + b) * width;
                if (out == x && !own) {
                    boolean zero = true;
                    for (int i = from; i < from + width && zero; i++) zero = Float.floatToRawIntBits(x[i]) == 0;
                    if (zero) continue;
                    out = x.clone();
                }
                Arrays.fill(out, from, from + width, 0f);
            }
        }
        return out;
    }

    /** [B, T, F] -> [T, B, F] into {@code into} (a fresh array when null) when batchFirst, else a itself. */
    static float[] toTimeMajor(float[] a, int steps, int batch, int width, boolean batchFirst, float[] into) {
        if (!batchFirst) return a;
        float[] r = into == null ? new float[steps * batch * width] : into;
        for (int b = 0; b < batch; b++) {
            for (int s = 0; s < steps; s++) System.arraycopy(a, (b * steps + s) * width, r, (s * batch + b) * width, width);
        }
        return r;
    }

    /** [T, B, F] -> [B, T, F] into {@code into} (a fresh array when null) when batchFirst, else a itself. */
    static float[] fromTimeMajor(float[] a, int steps, int batch, int width, boolean batchFirst, float[] into) {
        if (!batchFirst) return a;
        float[] r = into == null ? new float[steps * batch * width] : into;
        for (int b = 0; b < batch; b++) {
            for (int s = 0; s < steps; s++) System.arraycopy(a, (s * batch + b) * width, r, (b * steps + s) * width, width);
        }
        return r;
    }
}
