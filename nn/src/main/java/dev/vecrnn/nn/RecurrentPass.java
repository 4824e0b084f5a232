package dev.vecrnn.nn;

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
 * one GEMM each for the weight gradient and the input gradient over all steps.
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
        RecurrentConfig cfg = net.config();
        Kernels k = Kernels.get();
        if (x == null) throw new IllegalArgumentException("x: expected a tensor, got null");
        if (x.rank() != 3 || x.dim(2) != cfg.inputSize()) {
            throw new IllegalArgumentException("x: expected shape " + (cfg.batchFirst() ? "[B, T, " : "[T, B, ")
                    + cfg.inputSize() + "], got " + Arrays.toString(x.shape()));
        }
        int steps = cfg.batchFirst() ? x.dim(1) : x.dim(0);
        int batch = cfg.batchFirst() ? x.dim(0) : x.dim(1);
        int[] len = checkLengths(lengths, steps, batch);
        int layers = cfg.numLayers(), dirs = cfg.directions(), p = cfg.outputHidden(), h = cfg.hiddenSize();
        boolean lstm = cfg.type() == CellType.LSTM;
        if (h0 != null) h0.requireShape("h0", layers * dirs, batch, p);
        if (c0 != null) {
            if (!lstm) throw new IllegalArgumentException("c0: only LSTM has a cell state, got c0 for " + cfg.type());
            c0.requireShape("c0", layers * dirs, batch, h);
        }
        if (rejectNonFinite) {
            NonFiniteInput.checkSequences(k, "x", x.data(), steps, batch, cfg.inputSize(), cfg.batchFirst(), len);
            NonFiniteInput.checkState(k, "h0", h0);
            NonFiniteInput.checkState(k, "c0", c0);
        }
        boolean training = dropoutRng != null;
        float[] input = toTimeMajor(x.data(), steps, batch, cfg.inputSize(), cfg.batchFirst());
        float[][] layerInputs = new float[layers][];
        float[][] masks = new float[layers][];
        Recurrent.DirTrace[] traces = new Recurrent.DirTrace[layers * dirs];
        float[] hN = new float[layers * dirs * batch * p];
        float[] cN = lstm ? new float[layers * dirs * batch * h] : null;
        int out = cfg.outputSize();
        float[] layerOut = null;
        for (int l = 0; l < layers; l++) {
            layerInputs[l] = input;
            layerOut = new float[steps * batch * out];
            for (int d = 0; d < dirs; d++) {
                int idx = l * dirs + d;
                RecurrentCell cell = net.cells[idx];
                        Recurrent.DirTrace t = runDirection(k, cell, input, steps, batch, len, d,
                        h0 == null ? null : h0.data(), c0 == null ? null : c0.data(), idx, net.threads());
                traces[idx] = t;
                for (int s = 0; s < steps; s++) {
                    for (int b = 0; b < batch; b++) {
                        if (s >= len[b]) continue;
                        int tt = d == 0 ? s : len[b] - 1 - s;
                        System.arraycopy(t.states, ((s + 1) * batch + b) * p, layerOut, (tt * batch + b) * out + d * p, p);
                    }
                }
                for (int b = 0; b < batch; b++) {
                    System.arraycopy(t.states, (len[b] * batch + b) * p, hN, (idx * batch + b) * p, p);
                    if (lstm) System.arraycopy(t.cells, (len[b] * batch + b) * h, cN, (idx * batch + b) * h, h);
                }
            }
            if (training && l < layers - 1 && cfg.dropout() > 0f) {
                masks[l] = dropoutMask(dropoutRng, layerOut.length, cfg.dropout());
                float[] dropped = new float[layerOut.length];
                for (int i = 0; i < dropped.length; i++) dropped[i] = layerOut[i] * masks[l][i];
                input = dropped;
            } else {
                input = layerOut;
            }
        }
        Tensor output = Tensor.of(fromTimeMajor(layerOut, steps, batch, out, cfg.batchFirst()),
                cfg.batchFirst() ? new int[] {batch, steps, out} : new int[] {steps, batch, out});
        Tensor hNt = Tensor.of(hN, layers * dirs, batch, p);
        Tensor cNt = lstm ? Tensor.of(cN, layers * dirs, batch, h) : null;
        return new Recurrent.Trace(net, steps, batch, len, layerInputs, masks, traces, output, hNt, cNt);
    }

    private static Recurrent.DirTrace runDirection(Kernels k, RecurrentCell cell, float[] input, int steps, int batch,
                                                   int[] len, int dir, float[] h0, float[] c0, int idx, int threads) {
        int in = cell.inputSize, h = cell.hidden, p = cell.outHidden, o = cell.w.outputSize();
        Recurrent.DirTrace t = new Recurrent.DirTrace();
        t.x = dir == 0 ? input : reverse(input, steps, batch, in, len);
        t.gates = new float[steps * batch * o];
        t.states = new float[(steps + 1) * batch * p];
        boolean lstm = cell.type == CellType.LSTM;
        if (lstm) t.cells = new float[(steps + 1) * batch * h];
        if (cell.whr != null) t.hfull = new float[steps * batch * h];
        if (h0 != null) System.arraycopy(h0, idx * batch * p, t.states, 0, batch * p);
        if (lstm && c0 != null) System.arraycopy(c0, idx * batch * h, t.cells, 0, batch * h);
        Parallel.rows(threads, steps * batch, (part, from, to) ->
                k.gatesInput(cell.w, to - from, t.x, from * in, in, t.gates, from * o, o));
        PackedGates wh = cell.wh();
        boolean relu = cell.type == CellType.RNN_RELU;
        for (int s = 0; s < steps; s++) {
            int g = s * batch * o, prev = s * batch * p, next = (s + 1) * batch * p;
            Parallel.rows(threads, batch, (part, from, to) ->
                    k.gatesRecurrent(wh, to - from, t.states, prev + from * p, p, t.gates, g + from * o, o));
            for (int b = 0; b < batch; b++) {
                int gr = g + b * o;
                if (s >= len[b]) {
                    System.arraycopy(t.states, prev + b * p, t.states, next + b * p, p);
                    if (lstm) System.arraycopy(t.cells, (s * batch + b) * h, t.cells, ((s + 1) * batch + b) * h, h);
                    continue;
                }
                switch (cell.type) {
                    case LSTM -> {
                        float[] hOut = cell.whr == null ? t.states : t.hfull;
                        int hOff = cell.whr == null ? next + b * p : (s * batch + b) * h;
                        k.lstmForward(h, t.gates, gr, t.cells, (s * batch + b) * h, t.cells, ((s + 1) * batch + b) * h, hOut, hOff);
                        if (cell.whr != null) k.gemmNT(1, p, h, t.hfull, hOff, h, cell.whr, 0, h, t.states, next + b * p, p, false);
                    }
                    case GRU -> k.gruForward(h, t.gates, gr, t.states, prev + b * p, t.states, next + b * p);
                    default -> k.rnnForward(h, relu, t.gates, gr, t.states, next + b * p);
                }
            }
        }
        return t;
    }

    // trace, dOutput (user layout) -> input gradients; parameter gradients accumulate
    static Recurrent.InputGrads backward(Recurrent net, Recurrent.Trace tr, Tensor dOutput, Tensor dhN, Tensor dcN) {
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
        float[] dOut = toTimeMajor(dOutput.data(), steps, batch, out, cfg.batchFirst());
        float[] dh0 = new float[layers * dirs * batch * p];
        float[] dc0 = lstm ? new float[layers * dirs * batch * h] : null;
        float[] dIn = null;
        for (int l = layers - 1; l >= 0; l--) {
            int in = cfg.layerInput(l);
            dIn = new float[steps * batch * in];
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
        Tensor dx = Tensor.of(fromTimeMajor(dIn, steps, batch, cfg.inputSize(), cfg.batchFirst()),
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
        boolean lstm = cell.type == CellType.LSTM, relu = cell.type == CellType.RNN_RELU;
        TransposedGates wt = cell.transposed();
        float[] dG = new float[steps * batch * o];
        float[] dhNext = new float[batch * p];
        float[] dhPrev = new float[batch * p];
        float[] dh = new float[p];
        float[] dhFull = cell.whr == null ? null : new float[h];
        float[] dhAll = cell.whr == null ? null : new float[steps * batch * p];
        float[] dc = lstm ? new float[batch * h] : null;
        if (dhN != null) System.arraycopy(dhN.data(), idx * batch * p, dhNext, 0, batch * p);
        if (lstm && dcN != null) System.arraycopy(dcN.data(), idx * batch * h, dc, 0, batch * h);
        for (int s = steps - 1; s >= 0; s--) {
            int g = s * batch * o;
            System.arraycopy(dhNext, 0, dhPrev, 0, batch * p);
            for (int b = 0; b < batch; b++) {
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
            float[] dhp = dhPrev;
            Parallel.rows(threads, batch, (part, from, to) ->
                    k.gatesBackwardData(wt, to - from, dG, g + from * o, o, null, 0, 0, dhp, from * p, p));
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
        float[] dx = new float[steps * batch * in];
        Parallel.rows(threads, rows, (part, from, to) ->
                k.gatesBackwardData(wt, to - from, dG, from * o, o, dx, from * in, in, null, 0, 0));
        if (dir == 0) {
            for (int i = 0; i < dx.length; i++) dIn[i] += dx[i];
        } else {
            for (int s = 0; s < steps; s++) {
                for (int b = 0; b < batch; b++) {
                    if (s >= len[b]) continue;
                    int tt = len[b] - 1 - s;
                    k.axpy(in, 1f, dx, (s * batch + b) * in, dIn, (tt * batch + b) * in);
                }
            }
        }
    }

    static int[] checkLengths(int[] lengths, int steps, int batch) {
        int[] len = new int[batch];
        if (lengths == null) {
            Arrays.fill(len, steps);
            return len;
        }
        if (lengths.length != batch) {
            throw new IllegalArgumentException("lengths: expected " + batch + " entries (one per sequence), got " + lengths.length);
        }
        for (int b = 0; b < batch; b++) {
            if (lengths[b] < 1 || lengths[b] > steps) {
                throw new IllegalArgumentException("lengths: expected values in [1, " + steps + "], got " + lengths[b]
                        + " at index " + b);
            }
            len[b] = lengths[b];
        }
        return len;
    }

    /** Reverses each sequence within its length: row (s, b) = row (len_b - 1 - s, b); zero past the end. */
    private static float[] reverse(float[] x, int steps, int batch, int width, int[] len) {
        float[] r = new float[x.length];
        for (int s = 0; s < steps; s++) {
            for (int b = 0; b < batch; b++) {
                if (s < len[b]) System.arraycopy(x, ((len[b] - 1 - s) * batch + b) * width, r, (s * batch + b) * width, width);
            }
        }
        return r;
    }

    private static float[] dropoutMask(Random rnd, int n, float p) {
        float keep = 1f / (1f - p);
        float[] m = new float[n];
        for (int i = 0; i < n; i++) m[i] = rnd.nextFloat() < p ? 0f : keep;
        return m;
    }

    /** [B, T, F] -> [T, B, F] when batchFirst, else the same array. */
    static float[] toTimeMajor(float[] a, int steps, int batch, int width, boolean batchFirst) {
        if (!batchFirst) return a;
        float[] r = new float[a.length];
        for (int b = 0; b < batch; b++) {
            for (int s = 0; s < steps; s++) System.arraycopy(a, (b * steps + s) * width, r, (s * batch + b) * width, width);
        }
        return r;
    }

    /** [T, B, F] -> [B, T, F] when batchFirst, else the same array. */
    static float[] fromTimeMajor(float[] a, int steps, int batch, int width, boolean batchFirst) {
        if (!batchFirst) return a;
        float[] r = new float[a.length];
        for (int b = 0; b < batch; b++) {
            for (int s = 0; s < steps; s++) System.arraycopy(a, (s * batch + b) * width, r, (b * steps + s) * width, width);
        }
        return r;
    }
}
