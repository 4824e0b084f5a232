package dev.vecrnn.kernels;

/**
 * The scalar activations, softmax, cell steps and optimizer updates, as static methods that
 * {@link ScalarSupport} calls; the {@code *Range} forms finish the Vector API kernels' tails.
 */
final class ScalarPointwise {
    private ScalarPointwise() {
    }

    static void tanh(int n, float[] x, int xOff, float[] y, int yOff) {
        for (int i = 0; i < n; i++) y[yOff + i] = Approx.tanh(x[xOff + i]);
    }

    static void sigmoid(int n, float[] x, int xOff, float[] y, int yOff) {
        for (int i = 0; i < n; i++) y[yOff + i] = Approx.sigmoid(x[xOff + i]);
    }

    static void relu(int n, float[] x, int xOff, float[] y, int yOff) {
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i];
            y[yOff + i] = v < 0f ? 0f : v;
        }
    }

    static void tanhBackward(int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff) {
        for (int i = 0; i < n; i++) {
            float t = y[yOff + i];
            dx[dxOff + i] = dy[dyOff + i] * Fma.fma(-t, t, 1f);
        }
    }

    static void sigmoidBackward(int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff) {
        for (int i = 0; i < n; i++) {
            float s = y[yOff + i];
            dx[dxOff + i] = dy[dyOff + i] * (s * (1f - s));
        }
    }

    static void reluBackward(int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff) {
        for (int i = 0; i < n; i++) dx[dxOff + i] = y[yOff + i] > 0f ? dy[dyOff + i] : 0f;
    }

    static void softmax(int n, float[] x, int xOff, float[] y, int yOff) {
        float max = max(n, x, xOff);
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            float e = Approx.exp(x[xOff + i] - max);
            y[yOff + i] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (int i = 0; i < n; i++) y[yOff + i] *= inv;
    }

    static void logSoftmax(int n, float[] x, int xOff, float[] y, int yOff) {
        float max = max(n, x, xOff);
        float sum = 0f;
        for (int i = 0; i < n; i++) sum += Approx.exp(x[xOff + i] - max);
        // (x - max) - log(sum), not x - (max + log(sum)): beside a max of 1e30 the log-sum would vanish
        float logSum = (float) Math.log(sum);
        for (int i = 0; i < n; i++) y[yOff + i] = (x[xOff + i] - max) - logSum;
    }

    private static float max(int n, float[] x, int xOff) {
        float m = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) m = Math.max(m, x[xOff + i]);
        // all -Inf: shift by 0 so that the result is NaN-free where it can be (uniform over -Inf is undefined)
        return m == Float.NEGATIVE_INFINITY ? 0f : m;
    }

    static void softmaxBackward(int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff) {
        float s = 0f;
        for (int i = 0; i < n; i++) s = Fma.fma(dy[dyOff + i], y[yOff + i], s);
        for (int i = 0; i < n; i++) dx[dxOff + i] = y[yOff + i] * (dy[dyOff + i] - s);
    }

    static void logSoftmaxBackward(int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff) {
        float s = 0f;
        for (int i = 0; i < n; i++) s += dy[dyOff + i];
        for (int i = 0; i < n; i++) dx[dxOff + i] = Fma.fma(-Approx.exp(y[yOff + i]), s, dy[dyOff + i]);
    }

    static void lstmForward(int n, float[] gates, int gOff, float[] cPrev, int cpOff, float[] c, int cOff,
                            float[] h, int hOff) {
        lstmForwardRange(0, n, gates, gOff, cPrev, cpOff, c, cOff, h, hOff);
    }

    /** Elements [from, n) of {@link #lstmForward}; the Vector API kernels finish their tails with it. */
    static void lstmForwardRange(int from, int n, float[] gates, int gOff, float[] cPrev, int cpOff, float[] c, int cOff,
                                 float[] h, int hOff) {
        for (int j = from; j < n; j++) {
            float i = Approx.sigmoid(gates[gOff + j]);
            float f = Approx.sigmoid(gates[gOff + n + j]);
            float g = Approx.tanh(gates[gOff + 2 * n + j]);
            float o = Approx.sigmoid(gates[gOff + 3 * n + j]);
            gates[gOff + j] = i;
            gates[gOff + n + j] = f;
            gates[gOff + 2 * n + j] = g;
            gates[gOff + 3 * n + j] = o;
            float cp = cPrev == null ? 0f : cPrev[cpOff + j];
            float cn = Fma.fma(f, cp, i * g);
            c[cOff + j] = cn;
            h[hOff + j] = o * Approx.tanh(cn);
        }
    }

    static void lstmBackward(int n, float[] acts, int aOff, float[] cPrev, int cpOff, float[] c, int cOff,
                             float[] dh, int dhOff, float[] dc, int dcOff, float[] dGates, int dgOff) {
        lstmBackwardRange(0, n, acts, aOff, cPrev, cpOff, c, cOff, dh, dhOff, dc, dcOff, dGates, dgOff);
    }

    /** Elements [from, n) of {@link #lstmBackward}; the Vector API kernels finish their tails with it. */
    static void lstmBackwardRange(int from, int n, float[] acts, int aOff, float[] cPrev, int cpOff, float[] c, int cOff,
                                  float[] dh, int dhOff, float[] dc, int dcOff, float[] dGates, int dgOff) {
        for (int j = from; j < n; j++) {
            float i = acts[aOff + j];
            float f = acts[aOff + n + j];
            float g = acts[aOff + 2 * n + j];
            float o = acts[aOff + 3 * n + j];
            float tc = Approx.tanh(c[cOff + j]);
            float dhj = dh[dhOff + j];
            float dct = dc[dcOff + j] + dhj * o * Fma.fma(-tc, tc, 1f);
            float cp = cPrev == null ? 0f : cPrev[cpOff + j];
            dGates[dgOff + j] = dct * g * (i * (1f - i));
            dGates[dgOff + n + j] = dct * cp * (f * (1f - f));
            dGates[dgOff + 2 * n + j] = dct * i * Fma.fma(-g, g, 1f);
            dGates[dgOff + 3 * n + j] = dhj * tc * (o * (1f - o));
            dc[dcOff + j] = dct * f;
        }
    }

    static void gruForward(int n, float[] gates, int gOff, float[] hPrev, int hpOff, float[] h, int hOff) {
        gruForwardRange(0, n, gates, gOff, hPrev, hpOff, h, hOff);
    }

    /** Elements [from, n) of {@link #gruForward}; the Vector API kernels finish their tails with it. */
    static void gruForwardRange(int from, int n, float[] gates, int gOff, float[] hPrev, int hpOff, float[] h, int hOff) {
        for (int j = from; j < n; j++) {
            float r = Approx.sigmoid(gates[gOff + j]);
            float z = Approx.sigmoid(gates[gOff + n + j]);
            float nh = gates[gOff + 3 * n + j];
            float nn = Approx.tanh(Fma.fma(r, nh, gates[gOff + 2 * n + j]));
            float hp = hPrev == null ? 0f : hPrev[hpOff + j];
            gates[gOff + j] = r;
            gates[gOff + n + j] = z;
            gates[gOff + 2 * n + j] = nn;
            h[hOff + j] = Fma.fma(z, hp - nn, nn);
        }
    }

    static void gruBackward(int n, float[] acts, int aOff, float[] hPrev, int hpOff, float[] dh, int dhOff,
                            float[] dGates, int dgOff, float[] dhPrev, int dhpOff) {
        gruBackwardRange(0, n, acts, aOff, hPrev, hpOff, dh, dhOff, dGates, dgOff, dhPrev, dhpOff);
    }

    /** Elements [from, n) of {@link #gruBackward}; the Vector API kernels finish their tails with it. */
    static void gruBackwardRange(int from, int n, float[] acts, int aOff, float[] hPrev, int hpOff, float[] dh, int dhOff,
                                 float[] dGates, int dgOff, float[] dhPrev, int dhpOff) {
        for (int j = from; j < n; j++) {
            float r = acts[aOff + j];
            float z = acts[aOff + n + j];
            float nn = acts[aOff + 2 * n + j];
            float nh = acts[aOff + 3 * n + j];
            float hp = hPrev == null ? 0f : hPrev[hpOff + j];
            float d = dh[dhOff + j];
            float dnPre = d * (1f - z) * Fma.fma(-nn, nn, 1f);
            dGates[dgOff + j] = dnPre * nh * (r * (1f - r));
            dGates[dgOff + n + j] = d * (hp - nn) * (z * (1f - z));
            dGates[dgOff + 2 * n + j] = dnPre;
            dGates[dgOff + 3 * n + j] = dnPre * r;
            dhPrev[dhpOff + j] = d * z;
        }
    }

    static void sgd(int n, float[] p, int pOff, float[] g, int gOff, float[] buf, int bOff,
                    float lr, float momentum, double dampening, float weightDecay, boolean nesterov) {
        sgdRange(0, n, p, pOff, g, gOff, buf, bOff, lr, momentum, dampening, weightDecay, nesterov);
    }

    /** Elements [from, n) of {@link #sgd}; the Vector API kernels finish their tails with it. */
    static void sgdRange(int from, int n, float[] p, int pOff, float[] g, int gOff, float[] buf, int bOff,
                         float lr, float momentum, double dampening, float weightDecay, boolean nesterov) {
        float damp = (float) (1 - dampening);
        for (int i = from; i < n; i++) {
            float pi = p[pOff + i];
            float gi = Fma.fma(weightDecay, pi, g[gOff + i]);
            if (momentum != 0f) {
                float b = Fma.fma(momentum, buf[bOff + i], damp * gi);
                buf[bOff + i] = b;
                gi = nesterov ? Fma.fma(momentum, b, gi) : b;
            }
            p[pOff + i] = Fma.fma(-lr, gi, pi);
        }
    }

    static void adam(int n, float[] p, int pOff, float[] g, int gOff, float[] m, int mOff, float[] v, int vOff,
                     float lr, double beta1, double beta2, float eps, float weightDecay, boolean decoupled, long step) {
        adamRange(0, n, p, pOff, g, gOff, m, mOff, v, vOff, lr, beta1, beta2, eps, weightDecay, decoupled, step);
    }

    /** Elements [from, n) of {@link #adam}; the Vector API kernels finish their tails with it. */
    static void adamRange(int from, int n, float[] p, int pOff, float[] g, int gOff, float[] m, int mOff, float[] v, int vOff,
                          float lr, double beta1, double beta2, float eps, float weightDecay, boolean decoupled, long step) {
        float b1 = (float) beta1, b2 = (float) beta2, omb1 = (float) (1 - beta1), omb2 = (float) (1 - beta2);
        float bc1 = (float) (1.0 - Math.pow(beta1, step));
        float bc2Sqrt = (float) Math.sqrt(1.0 - Math.pow(beta2, step));
        float stepSize = lr / bc1;
        float decay = decoupled ? 1f - lr * weightDecay : 1f;
        float l2 = decoupled ? 0f : weightDecay;
        for (int i = from; i < n; i++) {
            float pi = p[pOff + i] * decay;
            float gi = Fma.fma(l2, pi, g[gOff + i]);
            float mi = Fma.fma(b1, m[mOff + i], omb1 * gi);
            float vi = Fma.fma(b2, v[vOff + i], omb2 * gi * gi);
            m[mOff + i] = mi;
            v[vOff + i] = vi;
            float denom = (float) Math.sqrt(vi) / bc2Sqrt + eps;
            p[pOff + i] = pi - stepSize * mi / denom;
        }
    }

    static void rmsprop(int n, float[] p, int pOff, float[] g, int gOff, float[] sq, int sOff, float[] buf, int bOff,
                        float lr, double alpha, float eps, float weightDecay, float momentum) {
        rmspropRange(0, n, p, pOff, g, gOff, sq, sOff, buf, bOff, lr, alpha, eps, weightDecay, momentum);
    }

    /** Elements [from, n) of {@link #rmsprop}; the Vector API kernels finish their tails with it. */
    static void rmspropRange(int from, int n, float[] p, int pOff, float[] g, int gOff, float[] sq, int sOff, float[] buf, int bOff,
                             float lr, double alpha, float eps, float weightDecay, float momentum) {
        float a = (float) alpha, oma = (float) (1 - alpha);
        for (int i = from; i < n; i++) {
            float pi = p[pOff + i];
            float gi = Fma.fma(weightDecay, pi, g[gOff + i]);
            float s = Fma.fma(a, sq[sOff + i], oma * gi * gi);
            sq[sOff + i] = s;
            float step = gi / ((float) Math.sqrt(s) + eps);
            if (momentum != 0f) {
                step = Fma.fma(momentum, buf[bOff + i], step);
                buf[bOff + i] = step;
            }
            p[pOff + i] = Fma.fma(-lr, step, pi);
        }
    }
}
