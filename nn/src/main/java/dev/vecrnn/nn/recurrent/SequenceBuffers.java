package dev.vecrnn.nn.recurrent;

import java.util.Arrays;
import java.util.Random;

/**
 * Where a sequence forward of {@link RecurrentPass} keeps what it computes. {@link Traced}: fresh arrays,
 * every step's h and c kept for backward (the trace). {@link Reused}: a {@link SequenceWorkspace}'s arrays,
 * grown to the largest call and then reused, with h and c in two slots used in turn, since inference only
 * needs the previous step.
 */
abstract class SequenceBuffers {

    /** Layer l's output, time-major {@code [T*B, D*P]} ({@code size} floats), which its directions fill. */
    abstract float[] layerOutput(int layer, int size);

    /**
     * Buffers for one layer and direction: x [T*B, In] in step order (reversed within each sequence for
     * direction 1), gates [T*B, O], h (c, the projection's input) for runDirection.
     */
    abstract Recurrent.DirTrace direction(int idx, RecurrentCell cell, float[] input, int steps, int batch, int[] len);

    /** The input of layer l + 1 from layer l's output: dropout in training. */
    float[] nextInput(int layer, float[] layerOut) {
        return layerOut;
    }

    /** Every step kept, in fresh arrays; dropout between layers when a generator is given. */
    static final class Traced extends SequenceBuffers {
        final Recurrent.DirTrace[] dirs;
        final float[][] masks;
        private final int directions;
        private final float dropout;
        private final Random dropoutRng;

        Traced(RecurrentConfig cfg, Random dropoutRng) {
            this.directions = cfg.directions();
            this.dirs = new Recurrent.DirTrace[cfg.numLayers() * directions];
            this.masks = new float[cfg.numLayers()][];
            this.dropout = cfg.dropout();
            this.dropoutRng = dropoutRng;
        }

        @Override
        float[] layerOutput(int layer, int size) {
            return new float[size];
        }

        @Override
        Recurrent.DirTrace direction(int idx, RecurrentCell cell, float[] input, int steps, int batch, int[] len) {
            int rows = steps * batch;
            Recurrent.DirTrace t = new Recurrent.DirTrace();
            t.x = idx % directions == 0 ? input : reverse(input, steps, batch, cell.inputSize, len, new float[rows * cell.inputSize]);
            t.gates = new float[rows * cell.outputSize()];
            t.states = new float[(steps + 1) * batch * cell.outHidden];
            if (cell.type == CellType.LSTM) t.cells = new float[(steps + 1) * batch * cell.hidden];
            if (cell.whr != null) t.hfull = new float[rows * cell.hidden];
            dirs[idx] = t;
            return t;
        }

        @Override
        float[] nextInput(int layer, float[] layerOut) {
            if (dropoutRng == null || layer == masks.length - 1 || dropout <= 0f) return layerOut;
            float keep = dropout < 1f ? 1f / (1f - dropout) : 0f;  // at 1 all are dropped, as torch.nn.functional.dropout(p=1) zeroes all
            float[] m = new float[layerOut.length];
            float[] dropped = new float[layerOut.length];
            for (int i = 0; i < m.length; i++) {
                m[i] = dropoutRng.nextFloat() < dropout ? 0f : keep;
                dropped[i] = layerOut[i] * m[i];
            }
            masks[layer] = m;
            return dropped;
        }
    }

    /** A workspace's arrays: grown by {@link #reserve}, then reused; h and c of the last two steps only. */
    static final class Reused extends SequenceBuffers {
        private final RecurrentConfig cfg;
        private final int gateWidth;
        private final Recurrent.DirTrace dir = new Recurrent.DirTrace();
        float[] input = new float[0];     // [T*B, I] x time-major (batch_first)
        int[] lengths = new int[0];       // [B]
        private float[] reversed = new float[0];  // [T*B, max layer input] a direction-1 input in step order
        private final float[][] layers = {new float[0], new float[0]};  // [T*B, D*P] outputs of layers in turn
        /** The caller's output array, which the top layer writes directly (time-major outputs), or null. */
        private float[] top;

        Reused(Recurrent net) {
            this.cfg = net.config();
            this.gateWidth = net.cells[0].outputSize();
            dir.ring = true;
            dir.gates = dir.states = new float[0];
            if (cfg.type() == CellType.LSTM) dir.cells = new float[0];
            if (cfg.projSize() > 0) dir.hfull = new float[0];
        }

        /**
         * Grows what a call over {@code steps} x {@code batch} needs (nothing once it has served one as large);
         * {@code top}, when not null, receives the top layer's output directly.
         */
        void reserve(int steps, int batch, float[] top) {
            this.top = top;
            int rows = steps * batch, p = cfg.outputHidden(), h = cfg.hiddenSize(), out = cfg.outputSize();
            if (cfg.batchFirst()) input = atLeast(input, rows * cfg.inputSize());
            if (lengths.length < batch) lengths = new int[batch];
            if (cfg.bidirectional()) reversed = atLeast(reversed, rows * Math.max(cfg.inputSize(), out));
            if (cfg.numLayers() > 1 || cfg.batchFirst() || top == null) layers[0] = atLeast(layers[0], rows * out);
            if (cfg.numLayers() > 1) layers[1] = atLeast(layers[1], rows * out);
            dir.gates = atLeast(dir.gates, rows * gateWidth);
            dir.states = atLeast(dir.states, 2 * batch * p);
            if (dir.cells != null) dir.cells = atLeast(dir.cells, 2 * batch * h);
            if (dir.hfull != null) dir.hfull = atLeast(dir.hfull, batch * h);
        }

        /** Forgets the caller's output array. */
        void release() {
            top = null;
        }

        private static float[] atLeast(float[] a, int n) {
            return a.length >= n ? a : new float[n];
        }

        @Override
        float[] layerOutput(int layer, int size) {
            return layer == cfg.numLayers() - 1 && top != null ? top : layers[layer & 1];
        }

        @Override
        Recurrent.DirTrace direction(int idx, RecurrentCell cell, float[] input, int steps, int batch, int[] len) {
            dir.x = idx % cfg.directions() == 0 ? input : reverse(input, steps, batch, cell.inputSize, len, reversed);
            return dir;
        }
    }

    /** Each sequence reversed within its length: row (s, b) = row (len_b - 1 - s, b); zero past the end. x, into [T*B, width] */
    static float[] reverse(float[] x, int steps, int batch, int width, int[] len, float[] into) {
        for (int s = 0; s < steps; s++) {
            for (int b = 0; b < batch; b++) {
                int to = (s * batch + b) * width;
                if (s < len[b]) System.arraycopy(x, ((len[b] - 1 - s) * batch + b) * width, into, to, width);
                else Arrays.fill(into, to, to + width, 0f);
            }
        }
        return into;
    }
}
