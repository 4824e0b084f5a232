package dev.vecrnn.nn.model;

import dev.vecrnn.nn.Exclusive;
import dev.vecrnn.nn.NonFiniteInput;
import dev.vecrnn.nn.layers.AttentionPooling;
import dev.vecrnn.nn.layers.Dense;
import dev.vecrnn.nn.layers.Embedding;
import dev.vecrnn.nn.layers.Layer;
import dev.vecrnn.nn.layers.RecurrentLayer;
import dev.vecrnn.nn.recurrent.Stream;

import dev.vecrnn.kernels.Kernels;

/**
 * Step-by-step inference of a {@link Model}, one stream per {@link State}. Each layer maps one step:
 * embedding looks up a row, recurrent layers advance their state, dense layers map the step's
 * features; dropout is the identity and a last-step head passes the current step through (the output
 * is what the model would say if the sequence ended here). Attention pooling needs the whole sequence
 * and is refused, as are bidirectional layers.
 *
 * <p>The model is shared; a {@link State} is one stream's and used by one thread at a time (checked:
 * see {@link Stream}). A NaN or infinity in x is rejected unless the model's {@link NonFiniteInput}
 * policy is {@code PROPAGATE}.
 */
public final class ModelStream {
    private ModelStream() {
    }

    /** One stream: the recurrent states and a buffer per layer output. One thread at a time. */
    public static final class State extends Exclusive {
        final Model model;
        final Stream.State[] rnn;
        final float[][] buf;

        State(Model m) {
            this.model = m;
            int n = m.layers.size();
            this.rnn = new Stream.State[n];
            this.buf = new float[n][];
            int f = m.inputFeatures;
            for (int i = 0; i < n; i++) {
                Layer l = m.layers.get(i);
                if (l instanceof AttentionPooling) {
                    throw new IllegalArgumentException("streaming: layer " + i + " (" + l.describe() + ") needs the whole sequence");
                }
                if (l instanceof RecurrentLayer r) rnn[i] = r.recurrent().newState();
                f = l.outputFeatures(f);
                buf[i] = new float[f];
            }
        }

        @Override
        protected String kind() {
            return "ModelStream.State";
        }

        /** Back to the zero state. */
        public void reset() {
            for (Stream.State s : rnn) if (s != null) s.reset();
        }
    }

    static State newState(Model m) {
        return new State(m);
    }

    static void step(Model m, float[] x, State s, float[] out) {
        if (s == null || s.model != m) throw new IllegalArgumentException("state: expected a state from this model's newState()");
        if (x == null || x.length < m.inputFeatures) {
            throw new IllegalArgumentException("x: expected " + m.inputFeatures + " features, got " + (x == null ? "null" : x.length));
        }
        int outF = s.buf[s.buf.length - 1].length;
        if (out == null || out.length < outF) {
            throw new IllegalArgumentException("out: expected room for " + outF + " floats, got " + (out == null ? "null" : out.length));
        }
        Kernels k = Kernels.get();
        if (m.nonFiniteInput() == NonFiniteInput.REJECT) NonFiniteInput.checkStep(k, "x", x, 0, m.inputFeatures);
        s.enter("state", -1);
        try {
            advance(k, m, x, s, out, outF);
        } finally {
            s.exit();
        }
    }

    private static void advance(Kernels k, Model m, float[] x, State s, float[] out, int outF) {
        float[] cur = x;
        for (int i = 0; i < m.layers.size(); i++) {
            Layer l = m.layers.get(i);
            float[] dst = s.buf[i];
            if (l instanceof Embedding e) {
                e.lookup(cur[0], dst, 0);
            } else if (l instanceof RecurrentLayer r) {
                Stream.advance(k, r.recurrent(), cur, 0, s.rnn[i], dst, 0);
            } else if (l instanceof Dense d) {
                d.apply(k, cur, 0, dst, 0);
            } else {
                System.arraycopy(cur, 0, dst, 0, dst.length);
            }
            cur = dst;
        }
        System.arraycopy(cur, 0, out, 0, outF);
    }
}
