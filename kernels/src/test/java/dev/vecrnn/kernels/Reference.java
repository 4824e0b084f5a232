package dev.vecrnn.kernels;

import static dev.vecrnn.kernels.Fp.ONE;
import static dev.vecrnn.kernels.Fp.x;

/**
 * The kernels' math in double, written from the javadoc of {@link Kernels} and PyTorch's definitions,
 * each value with its float error bound ({@link Fp}). Gradients are derived by hand and checked against
 * central differences in {@link ReferenceGradCheckTest}.
 */
final class Reference {
    private Reference() {
    }

    // ---------------------------------------------------------------- vectors and dense products

    static Fp dot(int n, float[] x, int xOff, float[] y, int yOff) {
        double s = 0, abs = 0;
        for (int i = 0; i < n; i++) {
            double p = (double) x[xOff + i] * y[yOff + i];
            s += p;
            abs += Math.abs(p);
        }
        return Fp.sum(s, abs, n, 0);
    }

    /** Which operand layout a dense product reads. */
    enum Op { NT, NN, TN }

    /** C (+)= op(A) op(B), row-major; cOld null for accumulate == false. Returns [m * n]. */
    static Fp[] gemm(Op op, int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float[] cOld, int cOff, int ldc) {
        Fp[] r = new Fp[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0, abs = 0;
                for (int p = 0; p < k; p++) {
                    double av = op == Op.TN ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    double bv = op == Op.NT ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    s += av * bv;
                    abs += Math.abs(av * bv);
                }
                int terms = k;
                if (cOld != null) {
                    double c = cOld[cOff + i * ldc + j];
                    s += c;
                    abs += Math.abs(c);
                    terms++;
                }
                r[i * n + j] = Fp.sum(s, abs, terms, 0);
            }
        }
        return r;
    }

    // ---------------------------------------------------------------- softmax

    // y_i = exp(x_i - max) / sum_j exp(x_j - max)
    static Fp[] softmax(double[] x) {
        Fp[] e = shiftedExps(x);
        Fp sum = Fp.sum(e);
        Fp[] y = new Fp[x.length];
        for (int i = 0; i < y.length; i++) y[i] = e[i].div(sum);
        return y;
    }

    // y_i = (x_i - max) - log(sum_j exp(x_j - max))
    static Fp[] logSoftmax(double[] x) {
        double max = max(x);
        Fp lse = Fp.sum(shiftedExps(x)).log();
        Fp[] y = new Fp[x.length];
        for (int i = 0; i < y.length; i++) y[i] = x(x[i]).minus(x(max)).minus(lse);
        return y;
    }

    private static Fp[] shiftedExps(double[] x) {
        double max = max(x);
        Fp[] e = new Fp[x.length];
        for (int i = 0; i < x.length; i++) e[i] = x(x[i]).minus(x(max)).exp();
        return e;
    }

    private static double max(double[] x) {
        double m = Double.NEGATIVE_INFINITY;
        for (double v : x) m = Math.max(m, v);
        return m;
    }

    // d/dx of L given dL/dy, y = softmax(x): dx_i = y_i (dy_i - sum_j dy_j y_j)
    static Fp[] softmaxBackward(double[] y, double[] dy) {
        Fp[] terms = new Fp[y.length];
        for (int j = 0; j < y.length; j++) terms[j] = x(dy[j]).times(x(y[j]));
        Fp s = Fp.sum(terms);
        Fp[] dx = new Fp[y.length];
        for (int i = 0; i < y.length; i++) dx[i] = x(y[i]).times(x(dy[i]).minus(s));
        return dx;
    }

    // y = logSoftmax(x): dx_i = dy_i - exp(y_i) sum_j dy_j
    static Fp[] logSoftmaxBackward(double[] y, double[] dy) {
        Fp s = Fp.sum(Fp.of(dy));
        Fp[] dx = new Fp[y.length];
        for (int i = 0; i < y.length; i++) dx[i] = x(dy[i]).minus(x(y[i]).exp().times(s));
        return dx;
    }

    // ---------------------------------------------------------------- cells, one unit

    /** LSTM: i = s(i'), f = s(f'), g = tanh(g'), o = s(o'), c = f cPrev + i g, h = o tanh(c). Returns {i, f, g, o, c, h}. */
    static Fp[] lstmForward(double ip, double fp, double gp, double op, double cPrev) {
        Fp i = x(ip).sigmoid(), f = x(fp).sigmoid(), g = x(gp).tanh(), o = x(op).sigmoid();
        Fp c = f.times(x(cPrev)).plus(i.times(g));
        Fp h = o.times(c.tanh());
        return new Fp[] {i, f, g, o, c, h};
    }

    /**
     * LSTM backward from the activations. With t = tanh(c) and dc_total = dc + dh o (1 - t^2):
     * di' = dc_total g i(1-i), df' = dc_total cPrev f(1-f), dg' = dc_total i (1-g^2), do' = dh t o(1-o),
     * dcPrev = dc_total f. Returns {di', df', dg', do', dcPrev}.
     */
    static Fp[] lstmBackward(double i, double f, double g, double o, double c, double cPrev, double dh, double dc) {
        Fp t = x(c).tanh();
        Fp dct = x(dc).plus(x(dh).times(x(o)).times(ONE.minus(t.times(t))));
        Fp di = dct.times(x(g)).times(x(i).times(ONE.minus(x(i))));
        Fp df = dct.times(x(cPrev)).times(x(f).times(ONE.minus(x(f))));
        Fp dg = dct.times(x(i)).times(ONE.minus(x(g).times(x(g))));
        Fp dout = x(dh).times(t).times(x(o).times(ONE.minus(x(o))));
        return new Fp[] {di, df, dg, dout, dct.times(x(f))};
    }

    /** GRU (PyTorch): r = s(r'), z = s(z'), n = tanh(n_x + r n_h), h = (1 - z) n + z hPrev. Returns {r, z, n, h}. */
    static Fp[] gruForward(double rp, double zp, double nx, double nh, double hPrev) {
        Fp r = x(rp).sigmoid(), z = x(zp).sigmoid();
        Fp n = x(nx).plus(r.times(x(nh))).tanh();
        Fp h = ONE.minus(z).times(n).plus(z.times(x(hPrev)));
        return new Fp[] {r, z, n, h};
    }

    /**
     * GRU backward from the activations. With dn' = dh (1 - z)(1 - n^2): dr' = dn' n_h r(1-r),
     * dz' = dh (hPrev - n) z(1-z), dn_x = dn', dn_h = dn' r, and the direct dhPrev = dh z.
     * Returns {dr', dz', dn_x, dn_h, dhPrev}.
     */
    static Fp[] gruBackward(double r, double z, double n, double nh, double hPrev, double dh) {
        Fp dnPre = x(dh).times(ONE.minus(x(z))).times(ONE.minus(x(n).times(x(n))));
        Fp dr = dnPre.times(x(nh)).times(x(r).times(ONE.minus(x(r))));
        Fp dz = x(dh).times(x(hPrev).minus(x(n))).times(x(z).times(ONE.minus(x(z))));
        return new Fp[] {dr, dz, dnPre, dnPre.times(x(r)), x(dh).times(x(z))};
    }

    // ---------------------------------------------------------------- optimizers, one parameter

    /** torch.optim.SGD. Returns {p, buf}. */
    static Fp[] sgd(double p, double g, double buf, double lr, double momentum, double dampening, double wd, boolean nesterov) {
        Fp grad = x(g).plus(x(wd).times(x(p)));
        Fp b = x(buf);
        if (momentum != 0) {
            b = x(momentum).times(b).plus(ONE.minus(x(dampening)).times(grad));
            grad = nesterov ? grad.plus(x(momentum).times(b)) : b;
        }
        return new Fp[] {x(p).minus(x(lr).times(grad)), b};
    }

    /**
     * torch.optim.Adam (decoupled false) and AdamW (true). The kernel computes bc1 = 1 - beta1^step,
     * sqrt(1 - beta2^step) and lr / bc1 once per call; each is one float rounding. Returns {p, m, v}.
     */
    static Fp[] adam(double p, double g, double m, double v, double lr, double beta1, double beta2, double eps,
                     double wd, boolean decoupled, long step) {
        Fp param = decoupled ? x(p).times(ONE.minus(x(lr).times(x(wd)))) : x(p);
        Fp grad = decoupled ? x(g) : x(g).plus(x(wd).times(param));
        Fp m1 = x(beta1).times(x(m)).plus(ONE.minus(x(beta1)).times(grad));
        Fp v1 = x(beta2).times(x(v)).plus(ONE.minus(x(beta2)).times(grad).times(grad));
        Fp bc1 = Fp.rounded(1 - Math.pow(beta1, step));
        Fp bc2Sqrt = Fp.rounded(Math.sqrt(1 - Math.pow(beta2, step)));
        Fp stepSize = x(lr).div(bc1);
        Fp denom = v1.sqrt().div(bc2Sqrt).plus(x(eps));
        return new Fp[] {param.minus(stepSize.times(m1).div(denom)), m1, v1};
    }

    /** torch.optim.RMSprop, not centered. Returns {p, sq, buf}. */
    static Fp[] rmsprop(double p, double g, double sq, double buf, double lr, double alpha, double eps, double wd,
                        double momentum) {
        Fp grad = x(g).plus(x(wd).times(x(p)));
        Fp s = x(alpha).times(x(sq)).plus(ONE.minus(x(alpha)).times(grad).times(grad));
        Fp step = grad.div(s.sqrt().plus(x(eps)));
        Fp b = x(buf);
        if (momentum != 0) {
            b = x(momentum).times(b).plus(step);
            step = b;
        }
        return new Fp[] {x(p).minus(x(lr).times(step)), s, b};
    }
}
