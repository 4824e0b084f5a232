package dev.vecrnn.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import static dev.vecrnn.kernels.PanamaMath.L;
import static dev.vecrnn.kernels.PanamaMath.ONE;
import static dev.vecrnn.kernels.PanamaMath.S;

/**
 * Vector API activations, softmax, cell steps and optimizer updates, as static methods that
 * {@link PanamaSupport} calls (the matrix products are in {@link PanamaForward} and {@link PanamaBackward}).
 *
 * <p>C2 keeps vectors in registers only for loops of simple shape; otherwise it boxes every vector on
 * every iteration, which costs more than the arithmetic (JDK 25, measured with JMH's gc profiler and
 * ThreadMXBean). Shapes that boxed here: a vector passed to a helper C2 did not inline, a vector chosen
 * by a conditional, a mask made before its loop, a loop accumulator starting from a static final
 * vector, and long bodies under a tail mask. So the cell and
 * optimizer kernels run an unmasked main loop to {@code S.loopBound(n)} and hand the tail to the
 * scalar twin's range method (the same formulas; results agree within rounding), the activations run
 * as array passes (see {@link PanamaMath}), and null optional inputs are read as some finite array
 * times zero. {@code ThreadMXBean} allocation checks in the tests guard this.
 */
final class PanamaPointwise {
    private PanamaPointwise() {
    }

    static void tanh(int n, float[] x, int xOff, float[] y, int yOff) {
        PanamaMath.tanhLoop(n, x, xOff, y, yOff);
    }

    static void sigmoid(int n, float[] x, int xOff, float[] y, int yOff) {
        PanamaMath.sigmoidLoop(n, x, xOff, y, yOff);
    }

    static void relu(int n, float[] x, int xOff, float[] y, int yOff) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            v.blend(0f, v.lt(0f)).intoArray(y, yOff + i);
        }
        for (int i = bound; i < n; i++) y[yOff + i] = x[xOff + i] < 0f ? 0f : x[xOff + i];
    }

    static void tanhBackward(int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += L) {
            FloatVector t = FloatVector.fromArray(S, y, yOff + i);
            FloatVector.fromArray(S, dy, dyOff + i).mul(t.neg().fma(t, ONE)).intoArray(dx, dxOff + i);
        }
        for (int i = bound; i < n; i++) dx[dxOff + i] = dy[dyOff + i] * Math.fma(-y[yOff + i], y[yOff + i], 1f);
    }

    static void sigmoidBackward(int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += L) {
            FloatVector s = FloatVector.fromArray(S, y, yOff + i);
            FloatVector.fromArray(S, dy, dyOff + i).mul(s.mul(ONE.sub(s))).intoArray(dx, dxOff + i);
        }
        for (int i = bound; i < n; i++) dx[dxOff + i] = dy[dyOff + i] * (y[yOff + i] * (1f - y[yOff + i]));
    }

    static void reluBackward(int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += L) {
            FloatVector s = FloatVector.fromArray(S, y, yOff + i);
            FloatVector.fromArray(S, dy, dyOff + i).blend(0f, s.compare(VectorOperators.GT, 0f).not()).intoArray(dx, dxOff + i);
        }
        for (int i = bound; i < n; i++) dx[dxOff + i] = y[yOff + i] > 0f ? dy[dyOff + i] : 0f;
    }

    private static float max(int n, float[] x, int xOff) {
        int bound = S.loopBound(n);
        FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < bound; i += L) acc = acc.max(FloatVector.fromArray(S, x, xOff + i));
        // through an array, as the sums do: reduceLanes(MAX) was seen not intrinsified in some JVMs (480 B
        // allocated per softmax call at 512 bits in a loaded run), and max is exact in any order
        float[] t = PanamaMath.LANES.get();
        acc.intoArray(t, 0);
        float r = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < L; i++) r = Math.max(r, t[i]);
        for (int i = bound; i < n; i++) r = Math.max(r, x[xOff + i]);
        return r == Float.NEGATIVE_INFINITY ? 0f : r;
    }

    static void softmax(int n, float[] x, int xOff, float[] y, int yOff) {
        PanamaMath.scale(n, 1f / PanamaMath.expLoop(n, x, xOff, max(n, x, xOff), y, yOff), y, yOff);
    }

    static void logSoftmax(int n, float[] x, int xOff, float[] y, int yOff) {
        float max = max(n, x, xOff);
        // y holds the exps for a moment; when y is x the sum must be taken before they overwrite it.
        float sum;
        if (x == y && xOff == yOff) {
            sum = 0f;
            for (int i = 0; i < n; i++) sum += Approx.exp(x[xOff + i] - max);
        } else {
            sum = PanamaMath.expLoop(n, x, xOff, max, y, yOff);
        }
        // (x - max) - log(sum), not x - (max + log(sum)): beside a max of 1e30 the log-sum would vanish
        float logSum = (float) Math.log(sum);
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += L) FloatVector.fromArray(S, x, xOff + i).sub(max).sub(logSum).intoArray(y, yOff + i);
        for (int i = bound; i < n; i++) y[yOff + i] = (x[xOff + i] - max) - logSum;
    }

    static void softmaxBackward(int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff) {
        int bound = S.loopBound(n);
        FloatVector acc = FloatVector.zero(S);
        for (int i = 0; i < bound; i += L) {
            acc = FloatVector.fromArray(S, dy, dyOff + i).fma(FloatVector.fromArray(S, y, yOff + i), acc);
        }
        float[] t = PanamaMath.LANES.get();
        acc.intoArray(t, 0);
        float s = PanamaMath.sumLanes(t, 0);
        for (int i = bound; i < n; i++) s = Math.fma(dy[dyOff + i], y[yOff + i], s);
        for (int i = 0; i < bound; i += L) {
            FloatVector.fromArray(S, y, yOff + i).mul(FloatVector.fromArray(S, dy, dyOff + i).sub(s)).intoArray(dx, dxOff + i);
        }
        for (int i = bound; i < n; i++) dx[dxOff + i] = y[yOff + i] * (dy[dyOff + i] - s);
    }

    static void logSoftmaxBackward(int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff) {
        int bound = S.loopBound(n);
        FloatVector acc = FloatVector.zero(S);
        for (int i = 0; i < bound; i += L) acc = acc.add(FloatVector.fromArray(S, dy, dyOff + i));
        float[] t = PanamaMath.LANES.get();
        acc.intoArray(t, 0);
        float s = PanamaMath.sumLanes(t, 0);
        for (int i = bound; i < n; i++) s += dy[dyOff + i];
        if (dx == dy && dxOff == dyOff) {
            for (int i = 0; i < n; i++) dx[dxOff + i] = Math.fma(-Approx.exp(y[yOff + i]), s, dy[dyOff + i]);
            return;
        }
        PanamaMath.expLoop(n, y, yOff, 0f, dx, dxOff);
        FloatVector negS = FloatVector.broadcast(S, -s);
        for (int i = 0; i < bound; i += L) {
            FloatVector.fromArray(S, dx, dxOff + i).fma(negS, FloatVector.fromArray(S, dy, dyOff + i)).intoArray(dx, dxOff + i);
        }
        for (int i = bound; i < n; i++) dx[dxOff + i] = Math.fma(-dx[dxOff + i], s, dy[dyOff + i]);
    }

    static void lstmForward(int n, float[] gates, int gOff, float[] cPrev, int cpOff, float[] c, int cOff,
                            float[] h, int hOff) {
        int bound = S.loopBound(n);
        sigmoid(2 * n, gates, gOff, gates, gOff);
        tanh(n, gates, gOff + 2 * n, gates, gOff + 2 * n);
        sigmoid(n, gates, gOff + 3 * n, gates, gOff + 3 * n);
        // A missing cPrev reads the gate activations (finite, in [0, 1]) times zero: a vector chosen by
        // a conditional would be a phi, which C2 boxes.
        float[] cpa = cPrev == null ? gates : cPrev;
        int cpo = cPrev == null ? gOff : cpOff;
        float keep = cPrev == null ? 0f : 1f;
        for (int j = 0; j < bound; j += L) {
            FloatVector i = FloatVector.fromArray(S, gates, gOff + j);
            FloatVector f = FloatVector.fromArray(S, gates, gOff + n + j);
            FloatVector g = FloatVector.fromArray(S, gates, gOff + 2 * n + j);
            FloatVector cp = FloatVector.fromArray(S, cpa, cpo + j).mul(keep);
            f.fma(cp, i.mul(g)).intoArray(c, cOff + j);
        }
        for (int j = bound; j < n; j++) {
            float cp = cPrev == null ? 0f : cPrev[cpOff + j];
            c[cOff + j] = Math.fma(gates[gOff + n + j], cp, gates[gOff + j] * gates[gOff + 2 * n + j]);
        }
        tanh(n, c, cOff, h, hOff);
        for (int j = 0; j < bound; j += L) {
            FloatVector.fromArray(S, h, hOff + j).mul(FloatVector.fromArray(S, gates, gOff + 3 * n + j)).intoArray(h, hOff + j);
        }
        for (int j = bound; j < n; j++) h[hOff + j] *= gates[gOff + 3 * n + j];
    }

    static void lstmBackward(int n, float[] acts, int aOff, float[] cPrev, int cpOff, float[] c, int cOff,
                             float[] dh, int dhOff, float[] dc, int dcOff, float[] dGates, int dgOff) {
        int bound = S.loopBound(n);
        // tanh(c) goes first into the o slot of dGates, which loop 1 reads before it overwrites it.
        int tcOff = dgOff + 3 * n;
        tanh(bound, c, cOff, dGates, tcOff);
        for (int j = 0; j < bound; j += L) {
            FloatVector o = FloatVector.fromArray(S, acts, aOff + 3 * n + j);
            FloatVector tc = FloatVector.fromArray(S, dGates, tcOff + j);
            FloatVector d = FloatVector.fromArray(S, dh, dhOff + j);
            FloatVector.fromArray(S, dc, dcOff + j).add(d.mul(o).mul(tc.neg().fma(tc, ONE))).intoArray(dc, dcOff + j);
            d.mul(tc).mul(o.mul(ONE.sub(o))).intoArray(dGates, tcOff + j);
        }
        // dc now holds the gradient reaching c; a missing cPrev reads the i gate (finite) times zero.
        float[] cpa = cPrev == null ? acts : cPrev;
        int cpo = cPrev == null ? aOff : cpOff;
        float keep = cPrev == null ? 0f : 1f;
        for (int j = 0; j < bound; j += L) {
            FloatVector i = FloatVector.fromArray(S, acts, aOff + j);
            FloatVector f = FloatVector.fromArray(S, acts, aOff + n + j);
            FloatVector g = FloatVector.fromArray(S, acts, aOff + 2 * n + j);
            FloatVector dct = FloatVector.fromArray(S, dc, dcOff + j);
            FloatVector cp = FloatVector.fromArray(S, cpa, cpo + j).mul(keep);
            dct.mul(g).mul(i.mul(ONE.sub(i))).intoArray(dGates, dgOff + j);
            dct.mul(cp).mul(f.mul(ONE.sub(f))).intoArray(dGates, dgOff + n + j);
            dct.mul(i).mul(g.neg().fma(g, ONE)).intoArray(dGates, dgOff + 2 * n + j);
            dct.mul(f).intoArray(dc, dcOff + j);
        }
        ScalarPointwise.lstmBackwardRange(bound, n, acts, aOff, cPrev, cpOff, c, cOff, dh, dhOff, dc, dcOff, dGates, dgOff);
    }

    static void gruForward(int n, float[] gates, int gOff, float[] hPrev, int hpOff, float[] h, int hOff) {
        int bound = S.loopBound(n);
        sigmoid(2 * n, gates, gOff, gates, gOff);
        for (int j = 0; j < bound; j += L) {
            FloatVector r = FloatVector.fromArray(S, gates, gOff + j);
            r.fma(FloatVector.fromArray(S, gates, gOff + 3 * n + j), FloatVector.fromArray(S, gates, gOff + 2 * n + j))
                    .intoArray(gates, gOff + 2 * n + j);
        }
        for (int j = bound; j < n; j++) {
            gates[gOff + 2 * n + j] = Math.fma(gates[gOff + j], gates[gOff + 3 * n + j], gates[gOff + 2 * n + j]);
        }
        tanh(n, gates, gOff + 2 * n, gates, gOff + 2 * n);
        float[] hpa = hPrev == null ? gates : hPrev;
        int hpo = hPrev == null ? gOff : hpOff;
        float keep = hPrev == null ? 0f : 1f;
        for (int j = 0; j < bound; j += L) {
            FloatVector z = FloatVector.fromArray(S, gates, gOff + n + j);
            FloatVector nn = FloatVector.fromArray(S, gates, gOff + 2 * n + j);
            FloatVector hp = FloatVector.fromArray(S, hpa, hpo + j).mul(keep);
            z.fma(hp.sub(nn), nn).intoArray(h, hOff + j);
        }
        for (int j = bound; j < n; j++) {
            float hp = hPrev == null ? 0f : hPrev[hpOff + j];
            float nn = gates[gOff + 2 * n + j];
            h[hOff + j] = Math.fma(gates[gOff + n + j], hp - nn, nn);
        }
    }

    static void gruBackward(int n, float[] acts, int aOff, float[] hPrev, int hpOff, float[] dh, int dhOff,
                            float[] dGates, int dgOff, float[] dhPrev, int dhpOff) {
        int bound = S.loopBound(n);
        for (int j = 0; j < bound; j += L) {
            FloatVector r = FloatVector.fromArray(S, acts, aOff + j);
            FloatVector z = FloatVector.fromArray(S, acts, aOff + n + j);
            FloatVector nn = FloatVector.fromArray(S, acts, aOff + 2 * n + j);
            FloatVector nh = FloatVector.fromArray(S, acts, aOff + 3 * n + j);
            FloatVector d = FloatVector.fromArray(S, dh, dhOff + j);
            FloatVector dnPre = d.mul(ONE.sub(z)).mul(nn.neg().fma(nn, ONE));
            dnPre.mul(nh).mul(r.mul(ONE.sub(r))).intoArray(dGates, dgOff + j);
            dnPre.intoArray(dGates, dgOff + 2 * n + j);
            dnPre.mul(r).intoArray(dGates, dgOff + 3 * n + j);
        }
        // A missing hPrev reads the r gate (finite) times zero.
        float[] hpa = hPrev == null ? acts : hPrev;
        int hpo = hPrev == null ? aOff : hpOff;
        float keep = hPrev == null ? 0f : 1f;
        for (int j = 0; j < bound; j += L) {
            FloatVector z = FloatVector.fromArray(S, acts, aOff + n + j);
            FloatVector nn = FloatVector.fromArray(S, acts, aOff + 2 * n + j);
            FloatVector hp = FloatVector.fromArray(S, hpa, hpo + j).mul(keep);
            FloatVector d = FloatVector.fromArray(S, dh, dhOff + j);
            d.mul(hp.sub(nn)).mul(z.mul(ONE.sub(z))).intoArray(dGates, dgOff + n + j);
            d.mul(z).intoArray(dhPrev, dhpOff + j);
        }
        ScalarPointwise.gruBackwardRange(bound, n, acts, aOff, hPrev, hpOff, dh, dhOff, dGates, dgOff, dhPrev, dhpOff);
    }

    static void sgd(int n, float[] p, int pOff, float[] g, int gOff, float[] buf, int bOff,
                    float lr, float momentum, double dampening, float weightDecay, boolean nesterov) {
        int bound = S.loopBound(n);
        FloatVector wd = FloatVector.broadcast(S, weightDecay);
        FloatVector negLr = FloatVector.broadcast(S, -lr);
        if (momentum == 0f) {
            for (int i = 0; i < bound; i += L) {
                FloatVector pi = FloatVector.fromArray(S, p, pOff + i);
                pi.fma(wd, FloatVector.fromArray(S, g, gOff + i)).fma(negLr, pi).intoArray(p, pOff + i);
            }
        } else {
            FloatVector mom = FloatVector.broadcast(S, momentum);
            float damp = (float) (1 - dampening);
            // nesterov ? g + momentum*buf : buf, as arithmetic on 0/1 (a conditional vector would box).
            float nest = nesterov ? 1f : 0f;
            FloatVector momNest = FloatVector.broadcast(S, momentum * nest);
            for (int i = 0; i < bound; i += L) {
                FloatVector pi = FloatVector.fromArray(S, p, pOff + i);
                FloatVector gi = pi.fma(wd, FloatVector.fromArray(S, g, gOff + i));
                FloatVector b = FloatVector.fromArray(S, buf, bOff + i).fma(mom, gi.mul(damp));
                b.intoArray(buf, bOff + i);
                b.fma(momNest, gi.mul(nest).add(b.mul(1f - nest))).fma(negLr, pi).intoArray(p, pOff + i);
            }
        }
        ScalarPointwise.sgdRange(bound, n, p, pOff, g, gOff, buf, bOff, lr, momentum, dampening, weightDecay, nesterov);
    }

    static void adam(int n, float[] p, int pOff, float[] g, int gOff, float[] m1, int mOff, float[] v, int vOff,
                     float lr, double beta1, double beta2, float eps, float weightDecay, boolean decoupled, long step) {
        int bound = S.loopBound(n);
        float bc1 = (float) (1.0 - Math.pow(beta1, step));
        float bc2Sqrt = (float) Math.sqrt(1.0 - Math.pow(beta2, step));
        float stepSize = lr / bc1;
        float decay = decoupled ? 1f - lr * weightDecay : 1f;
        FloatVector l2 = FloatVector.broadcast(S, decoupled ? 0f : weightDecay);
        FloatVector b1 = FloatVector.broadcast(S, (float) beta1);
        FloatVector b2 = FloatVector.broadcast(S, (float) beta2);
        float omb1 = (float) (1 - beta1), omb2 = (float) (1 - beta2);
        for (int i = 0; i < bound; i += L) {
            FloatVector pi = FloatVector.fromArray(S, p, pOff + i).mul(decay);
            FloatVector gi = pi.fma(l2, FloatVector.fromArray(S, g, gOff + i));
            FloatVector mi = FloatVector.fromArray(S, m1, mOff + i).fma(b1, gi.mul(omb1));
            FloatVector vi = FloatVector.fromArray(S, v, vOff + i).fma(b2, gi.mul(omb2).mul(gi));
            mi.intoArray(m1, mOff + i);
            vi.intoArray(v, vOff + i);
            pi.sub(mi.mul(stepSize).div(vi.sqrt().div(bc2Sqrt).add(eps))).intoArray(p, pOff + i);
        }
        ScalarPointwise.adamRange(bound, n, p, pOff, g, gOff, m1, mOff, v, vOff, lr, beta1, beta2, eps, weightDecay,
                decoupled, step);
    }

    static void rmsprop(int n, float[] p, int pOff, float[] g, int gOff, float[] sq, int sOff, float[] buf, int bOff,
                        float lr, double alpha, float eps, float weightDecay, float momentum) {
        int bound = S.loopBound(n);
        FloatVector wd = FloatVector.broadcast(S, weightDecay);
        FloatVector al = FloatVector.broadcast(S, (float) alpha);
        float oma = (float) (1 - alpha);
        FloatVector mom = FloatVector.broadcast(S, momentum);
        FloatVector negLr = FloatVector.broadcast(S, -lr);
        // Without momentum buf may be null: read sq (finite, non-negative) times zero instead.
        float[] ba = momentum == 0f ? sq : buf;
        int bo = momentum == 0f ? sOff : bOff;
        float keep = momentum == 0f ? 0f : 1f;
        for (int i = 0; i < bound; i += L) {
            FloatVector pi = FloatVector.fromArray(S, p, pOff + i);
            FloatVector gi = pi.fma(wd, FloatVector.fromArray(S, g, gOff + i));
            FloatVector s = FloatVector.fromArray(S, sq, sOff + i).fma(al, gi.mul(oma).mul(gi));
            FloatVector st = FloatVector.fromArray(S, ba, bo + i).mul(keep).fma(mom, gi.div(s.sqrt().add(eps)));
            s.intoArray(sq, sOff + i);
            if (momentum != 0f) st.intoArray(buf, bOff + i);
            st.fma(negLr, pi).intoArray(p, pOff + i);
        }
        ScalarPointwise.rmspropRange(bound, n, p, pOff, g, gOff, sq, sOff, buf, bOff, lr, alpha, eps, weightDecay, momentum);
    }
}
