package dev.vecrnn.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import static dev.vecrnn.kernels.PanamaMath.L;
import static dev.vecrnn.kernels.PanamaMath.S;
import static dev.vecrnn.kernels.PanamaMath.bc;
import static dev.vecrnn.kernels.PanamaMath.vexp;
import static dev.vecrnn.kernels.PanamaMath.vsigmoid;
import static dev.vecrnn.kernels.PanamaMath.vtanh;

/**
 * Vector API activations, softmax, cell steps and optimizer updates (half of {@link PanamaKernels}).
 * Each loop runs whole vectors and finishes its tail with one masked vector, so the tail gets the
 * same arithmetic as the body.
 */
abstract class PanamaPointwise extends Kernels {

    private static FloatVector load(float[] a, int off, int i, int n) {
        return i + L <= n ? FloatVector.fromArray(S, a, off + i) : FloatVector.fromArray(S, a, off + i, S.indexInRange(i, n));
    }

    private static FloatVector loadOrZero(float[] a, int off, int i, int n) {
        return a == null ? FloatVector.zero(S) : load(a, off, i, n);
    }

    private static void store(FloatVector v, float[] a, int off, int i, int n) {
        if (i + L <= n) v.intoArray(a, off + i); else v.intoArray(a, off + i, S.indexInRange(i, n));
    }

    @Override
    protected void tanhImpl(int n, float[] x, int xOff, float[] y, int yOff) {
        for (int i = 0; i < n; i += L) store(vtanh(load(x, xOff, i, n)), y, yOff, i, n);
    }

    @Override
    protected void sigmoidImpl(int n, float[] x, int xOff, float[] y, int yOff) {
        for (int i = 0; i < n; i += L) store(vsigmoid(load(x, xOff, i, n)), y, yOff, i, n);
    }

    @Override
    protected void reluImpl(int n, float[] x, int xOff, float[] y, int yOff) {
        for (int i = 0; i < n; i += L) {
            FloatVector v = load(x, xOff, i, n);
            store(v.blend(0f, v.lt(0f)), y, yOff, i, n);
        }
    }

    @Override
    protected void tanhBackwardImpl(int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff) {
        for (int i = 0; i < n; i += L) {
            FloatVector t = load(y, yOff, i, n);
            store(load(dy, dyOff, i, n).mul(t.neg().fma(t, bc(1f))), dx, dxOff, i, n);
        }
    }

    @Override
    protected void sigmoidBackwardImpl(int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff) {
        for (int i = 0; i < n; i += L) {
            FloatVector s = load(y, yOff, i, n);
            store(load(dy, dyOff, i, n).mul(s.mul(s.neg().add(1f))), dx, dxOff, i, n);
        }
    }

    @Override
    protected void reluBackwardImpl(int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff) {
        for (int i = 0; i < n; i += L) {
            FloatVector s = load(y, yOff, i, n);
            store(load(dy, dyOff, i, n).blend(0f, s.compare(VectorOperators.GT, 0f).not()), dx, dxOff, i, n);
        }
    }

    private static float max(int n, float[] x, int xOff) {
        FloatVector m = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> k = S.indexInRange(i, n);
            m = m.max(FloatVector.fromArray(S, x, xOff + i, k).blend(Float.NEGATIVE_INFINITY, k.not()));
        }
        float r = m.reduceLanes(VectorOperators.MAX);
        return r == Float.NEGATIVE_INFINITY ? 0f : r;
    }

    private static float sumExp(int n, float[] x, int xOff, float shift, float[] y, int yOff) {
        FloatVector sum = FloatVector.zero(S);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> k = S.indexInRange(i, n);
            FloatVector e = vexp(FloatVector.fromArray(S, x, xOff + i, k).sub(shift)).blend(0f, k.not());
            if (y != null) e.intoArray(y, yOff + i, k);
            sum = sum.add(e);
        }
        return sum.reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void softmaxImpl(int n, float[] x, int xOff, float[] y, int yOff) {
        float inv = 1f / sumExp(n, x, xOff, max(n, x, xOff), y, yOff);
        for (int i = 0; i < n; i += L) store(load(y, yOff, i, n).mul(inv), y, yOff, i, n);
    }

    @Override
    protected void logSoftmaxImpl(int n, float[] x, int xOff, float[] y, int yOff) {
        float max = max(n, x, xOff);
        float shift = max + (float) Math.log(sumExp(n, x, xOff, max, null, 0));
        for (int i = 0; i < n; i += L) store(load(x, xOff, i, n).sub(shift), y, yOff, i, n);
    }

    private static float dotMasked(int n, float[] x, int xOff, float[] y, int yOff) {
        FloatVector s = FloatVector.zero(S);
        for (int i = 0; i < n; i += L) s = load(x, xOff, i, n).fma(load(y, yOff, i, n), s);
        return s.reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void softmaxBackwardImpl(int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff) {
        float s = dotMasked(n, dy, dyOff, y, yOff);
        for (int i = 0; i < n; i += L) store(load(y, yOff, i, n).mul(load(dy, dyOff, i, n).sub(s)), dx, dxOff, i, n);
    }

    @Override
    protected void logSoftmaxBackwardImpl(int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff) {
        FloatVector acc = FloatVector.zero(S);
        for (int i = 0; i < n; i += L) acc = acc.add(load(dy, dyOff, i, n));
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (int i = 0; i < n; i += L) {
            store(vexp(load(y, yOff, i, n)).neg().fma(bc(s), load(dy, dyOff, i, n)), dx, dxOff, i, n);
        }
    }

    @Override
    protected void lstmForwardImpl(int n, float[] gates, int gOff, float[] cPrev, int cpOff, float[] c, int cOff,
                                   float[] h, int hOff) {
        for (int j = 0; j < n; j += L) {
            FloatVector i = vsigmoid(load(gates, gOff, j, n));
            FloatVector f = vsigmoid(load(gates, gOff + n, j, n));
            FloatVector g = vtanh(load(gates, gOff + 2 * n, j, n));
            FloatVector o = vsigmoid(load(gates, gOff + 3 * n, j, n));
            store(i, gates, gOff, j, n);
            store(f, gates, gOff + n, j, n);
            store(g, gates, gOff + 2 * n, j, n);
            store(o, gates, gOff + 3 * n, j, n);
            FloatVector cn = f.fma(loadOrZero(cPrev, cpOff, j, n), i.mul(g));
            store(cn, c, cOff, j, n);
            store(o.mul(vtanh(cn)), h, hOff, j, n);
        }
    }

    @Override
    protected void lstmBackwardImpl(int n, float[] acts, int aOff, float[] cPrev, int cpOff, float[] c, int cOff,
                                    float[] dh, int dhOff, float[] dc, int dcOff, float[] dGates, int dgOff) {
        for (int j = 0; j < n; j += L) {
            FloatVector i = load(acts, aOff, j, n);
            FloatVector f = load(acts, aOff + n, j, n);
            FloatVector g = load(acts, aOff + 2 * n, j, n);
            FloatVector o = load(acts, aOff + 3 * n, j, n);
            FloatVector tc = vtanh(load(c, cOff, j, n));
            FloatVector d = load(dh, dhOff, j, n);
            FloatVector dct = load(dc, dcOff, j, n).add(d.mul(o).mul(tc.neg().fma(tc, bc(1f))));
            FloatVector cp = loadOrZero(cPrev, cpOff, j, n);
            store(dct.mul(g).mul(i.mul(i.neg().add(1f))), dGates, dgOff, j, n);
            store(dct.mul(cp).mul(f.mul(f.neg().add(1f))), dGates, dgOff + n, j, n);
            store(dct.mul(i).mul(g.neg().fma(g, bc(1f))), dGates, dgOff + 2 * n, j, n);
            store(d.mul(tc).mul(o.mul(o.neg().add(1f))), dGates, dgOff + 3 * n, j, n);
            store(dct.mul(f), dc, dcOff, j, n);
        }
    }

    @Override
    protected void gruForwardImpl(int n, float[] gates, int gOff, float[] hPrev, int hpOff, float[] h, int hOff) {
        for (int j = 0; j < n; j += L) {
            FloatVector r = vsigmoid(load(gates, gOff, j, n));
            FloatVector z = vsigmoid(load(gates, gOff + n, j, n));
            FloatVector nn = vtanh(r.fma(load(gates, gOff + 3 * n, j, n), load(gates, gOff + 2 * n, j, n)));
            FloatVector hp = loadOrZero(hPrev, hpOff, j, n);
            store(r, gates, gOff, j, n);
            store(z, gates, gOff + n, j, n);
            store(nn, gates, gOff + 2 * n, j, n);
            store(z.fma(hp.sub(nn), nn), h, hOff, j, n);
        }
    }

    @Override
    protected void gruBackwardImpl(int n, float[] acts, int aOff, float[] hPrev, int hpOff, float[] dh, int dhOff,
                                   float[] dGates, int dgOff, float[] dhPrev, int dhpOff) {
        for (int j = 0; j < n; j += L) {
            FloatVector r = load(acts, aOff, j, n);
            FloatVector z = load(acts, aOff + n, j, n);
            FloatVector nn = load(acts, aOff + 2 * n, j, n);
            FloatVector nh = load(acts, aOff + 3 * n, j, n);
            FloatVector hp = loadOrZero(hPrev, hpOff, j, n);
            FloatVector d = load(dh, dhOff, j, n);
            FloatVector dnPre = d.mul(z.neg().add(1f)).mul(nn.neg().fma(nn, bc(1f)));
            store(dnPre.mul(nh).mul(r.mul(r.neg().add(1f))), dGates, dgOff, j, n);
            store(d.mul(hp.sub(nn)).mul(z.mul(z.neg().add(1f))), dGates, dgOff + n, j, n);
            store(dnPre, dGates, dgOff + 2 * n, j, n);
            store(dnPre.mul(r), dGates, dgOff + 3 * n, j, n);
            store(d.mul(z), dhPrev, dhpOff, j, n);
        }
    }

    @Override
    protected void sgdImpl(int n, float[] p, int pOff, float[] g, int gOff, float[] buf, int bOff,
                           float lr, float momentum, float dampening, float weightDecay, boolean nesterov) {
        for (int i = 0; i < n; i += L) {
            FloatVector pi = load(p, pOff, i, n);
            FloatVector gi = pi.fma(bc(weightDecay), load(g, gOff, i, n));
            if (momentum != 0f) {
                FloatVector b = load(buf, bOff, i, n).fma(bc(momentum), gi.mul(1f - dampening));
                store(b, buf, bOff, i, n);
                gi = nesterov ? b.fma(bc(momentum), gi) : b;
            }
            store(gi.fma(bc(-lr), pi), p, pOff, i, n);
        }
    }

    @Override
    protected void adamImpl(int n, float[] p, int pOff, float[] g, int gOff, float[] m, int mOff, float[] v, int vOff,
                            float lr, float beta1, float beta2, float eps, float weightDecay, boolean decoupled, long step) {
        float bc1 = (float) (1.0 - Math.pow(beta1, step));
        float bc2Sqrt = (float) Math.sqrt(1.0 - Math.pow(beta2, step));
        float stepSize = lr / bc1;
        float decay = decoupled ? 1f - lr * weightDecay : 1f;
        float l2 = decoupled ? 0f : weightDecay;
        for (int i = 0; i < n; i += L) {
            FloatVector pi = load(p, pOff, i, n).mul(decay);
            FloatVector gi = pi.fma(bc(l2), load(g, gOff, i, n));
            FloatVector mi = load(m, mOff, i, n).fma(bc(beta1), gi.mul(1f - beta1));
            FloatVector vi = load(v, vOff, i, n).fma(bc(beta2), gi.mul(1f - beta2).mul(gi));
            store(mi, m, mOff, i, n);
            store(vi, v, vOff, i, n);
            FloatVector denom = vi.sqrt().div(bc2Sqrt).add(eps);
            store(pi.sub(mi.mul(stepSize).div(denom)), p, pOff, i, n);
        }
    }

    @Override
    protected void rmspropImpl(int n, float[] p, int pOff, float[] g, int gOff, float[] sq, int sOff, float[] buf, int bOff,
                               float lr, float alpha, float eps, float weightDecay, float momentum) {
        for (int i = 0; i < n; i += L) {
            FloatVector pi = load(p, pOff, i, n);
            FloatVector gi = pi.fma(bc(weightDecay), load(g, gOff, i, n));
            FloatVector s = load(sq, sOff, i, n).fma(bc(alpha), gi.mul(1f - alpha).mul(gi));
            store(s, sq, sOff, i, n);
            FloatVector st = gi.div(s.sqrt().add(eps));
            if (momentum != 0f) {
                st = load(buf, bOff, i, n).fma(bc(momentum), st);
                store(st, buf, bOff, i, n);
            }
            store(st.fma(bc(-lr), pi), p, pOff, i, n);
        }
    }
}
