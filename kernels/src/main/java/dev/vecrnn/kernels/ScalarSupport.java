package dev.vecrnn.kernels;

import static dev.vecrnn.kernels.PackedGates.PANEL;

/**
 * The scalar kernels: plain loops, the reference twin of the Vector API kernels and the fallback where
 * the Vector API is absent. Vectors and matrix products here; pointwise math in {@link ScalarPointwise}.
 */
final class ScalarSupport implements KernelSupport {
    static final ScalarSupport INSTANCE = new ScalarSupport();

    private ScalarSupport() {
    }

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public String shape() {
        return "scalar: plain Java loops";
    }

    @Override
    public float dot(int n, float[] x, int xOff, float[] y, int yOff) {
        float s = 0f;
        for (int i = 0; i < n; i++) s = Fma.fma(x[xOff + i], y[yOff + i], s);
        return s;
    }

    @Override
    public void axpy(int n, float a, float[] x, int xOff, float[] y, int yOff) {
        for (int i = 0; i < n; i++) y[yOff + i] = Fma.fma(a, x[xOff + i], y[yOff + i]);
    }

    @Override
    public void scale(int n, float a, float[] x, int xOff) {
        for (int i = 0; i < n; i++) x[xOff + i] *= a;
    }

    @Override
    public int firstNonFinite(int n, float[] x, int xOff) {
        for (int i = 0; i < n; i++) if (!Float.isFinite(x[xOff + i])) return i;
        return -1;
    }

    @Override
    public void gemmNT(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                       float[] c, int cOff, int ldc, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float s = dot(k, a, aOff + i * lda, b, bOff + j * ldb);
                int ci = cOff + i * ldc + j;
                c[ci] = accumulate ? c[ci] + s : s;
            }
        }
    }

    @Override
    public void gates(PackedGates p, int batch, float[] x, int xOff, int ldx, float[] h, int hOff, int ldh,
                      float[] out, int outOff, int ldo, boolean bias, boolean recurrent) {
        int in = p.inputSize();
        float[] w = p.weights();
        for (int b = 0; b < batch; b++) {
            int o = outOff + b * ldo;
            if (bias) System.arraycopy(p.bias(), 0, out, o, p.outputSize());
            for (PackedGates.Block blk : p.blocks()) {
                int xTo = Math.min(blk.colTo(), in);
                int hFrom = Math.max(blk.colFrom(), in);
                if (x != null && xTo > blk.colFrom()) {
                    panelGemv(w, blk, x, xOff + b * ldx, blk.colFrom(), xTo, out, o + blk.outOffset());
                }
                if (h != null && blk.colTo() > hFrom) {
                    panelGemv(w, blk, h, hOff + b * ldh - in, hFrom, blk.colTo(), out, o + blk.outOffset());
                }
            }
        }
    }

    /** out[r] += sum over k in [kFrom, kTo) of W[r, k] * src[s + k], panel by panel, column by column. */
    private static void panelGemv(float[] w, PackedGates.Block blk, float[] src, int s, int kFrom, int kTo,
                                  float[] out, int o) {
        int width = blk.colTo() - blk.colFrom();
        for (int pnl = 0; pnl < blk.panels(); pnl++) {
            int lanes = Math.min(PANEL, blk.rows() - pnl * PANEL);
            int base = blk.weightOffset() + pnl * PANEL * width - blk.colFrom() * PANEL;
            int op = o + pnl * PANEL;
            for (int k = kFrom; k < kTo; k++) {
                float v = src[s + k];
                int wk = base + k * PANEL;
                for (int l = 0; l < lanes; l++) out[op + l] = Fma.fma(w[wk + l], v, out[op + l]);
            }
        }
    }

    @Override
    public void gates(QuantizedGates q, int batch, float[] x, int xOff, int ldx, float[] h, int hOff, int ldh,
                      float[] out, int outOff, int ldo, boolean bias) {
        int in = q.inputSize();
        for (int b = 0; b < batch; b++) {
            int o = outOff + b * ldo;
            if (bias) System.arraycopy(q.bias(), 0, out, o, q.outputSize());
            for (PackedGates.Block blk : q.blocks()) {
                int xTo = Math.min(blk.colTo(), in);
                int hFrom = Math.max(blk.colFrom(), in);
                if (x != null && xTo > blk.colFrom()) {
                    quantizedGemv(q, blk, q.scaleX(), x, xOff + b * ldx, blk.colFrom(), xTo, out, o);
                }
                if (h != null && blk.colTo() > hFrom) {
                    quantizedGemv(q, blk, q.scaleH(), h, hOff + b * ldh - in, hFrom, blk.colTo(), out, o);
                }
            }
        }
    }

    /**
     * One part of a block's rows: each row's sum over k in [kFrom, kTo) of q[r, k] * src[s + k] in fp32, in
     * column order, then out[r] = fma(sum, scale[r], out[r]) for int8 or out[r] + sum for bf16: per row, the
     * arithmetic of the Vector API kernels' lanes.
     */
    private static void quantizedGemv(QuantizedGates q, PackedGates.Block blk, float[] scale, float[] src, int s,
                                      int kFrom, int kTo, float[] out, int o) {
        int width = blk.colTo() - blk.colFrom();
        byte[] i8 = q.int8();
        short[] b16 = q.bf16();
        for (int r = 0; r < blk.rows(); r++) {
            int wk = blk.weightOffset() + (r / PANEL) * PANEL * width + r % PANEL - blk.colFrom() * PANEL;
            float sum = 0f;
            for (int k = kFrom; k < kTo; k++) {
                float w = i8 != null ? i8[wk + k * PANEL] : QuantizedGates.fromBf16(b16[wk + k * PANEL]);
                sum = Fma.fma(w, src[s + k], sum);
            }
            int oi = o + blk.outOffset() + r;
            out[oi] = i8 != null ? Fma.fma(sum, scale[blk.outOffset() + r], out[oi]) : out[oi] + sum;
        }
    }

    @Override
    public void gatesBackwardData(PackedGates p, int batch, float[] dG, int dgOff, int ldg,
                                  float[] dx, int dxOff, int ldx, float[] dh, int dhOff, int ldh) {
        int in = p.inputSize();
        float[] w = p.weights();
        for (int b = 0; b < batch; b++) {
            for (PackedGates.Block blk : p.blocks()) {
                int width = blk.colTo() - blk.colFrom();
                for (int col = blk.colFrom(); col < blk.colTo(); col++) {
                    float[] dst = col < in ? dx : dh;
                    if (dst == null) continue;
                    float s = 0f;
                    for (int r = 0; r < blk.rows(); r++) {
                        int wi = blk.weightOffset() + (r / PANEL) * PANEL * width + (col - blk.colFrom()) * PANEL + r % PANEL;
                        s = Fma.fma(dG[dgOff + b * ldg + blk.outOffset() + r], w[wi], s);
                    }
                    if (col < in) dx[dxOff + b * ldx + col] += s; else dh[dhOff + b * ldh + col - in] += s;
                }
            }
        }
    }

    @Override
    public void gatesBackwardWeights(PackedGates p, int batch, float[] dG, int dgOff, int ldg,
                                     float[] x, int xOff, int ldx, float[] h, int hOff, int ldh, PackedGates grad) {
        int in = p.inputSize();
        float[] gw = grad.weights();
        float[] gb = grad.bias();
        for (int b = 0; b < batch; b++) {
            int g = dgOff + b * ldg;
            for (int j = 0; j < p.outputSize(); j++) gb[j] += dG[g + j];
            for (PackedGates.Block blk : p.blocks()) {
                int width = blk.colTo() - blk.colFrom();
                for (int col = blk.colFrom(); col < blk.colTo(); col++) {
                    float v;
                    if (col < in) {
                        if (x == null) continue;
                        v = x[xOff + b * ldx + col];
                    } else {
                        if (h == null) continue;
                        v = h[hOff + b * ldh + col - in];
                    }
                    for (int r = 0; r < blk.rows(); r++) {
                        int wi = blk.weightOffset() + (r / PANEL) * PANEL * width + (col - blk.colFrom()) * PANEL + r % PANEL;
                        gw[wi] = Fma.fma(dG[g + blk.outOffset() + r], v, gw[wi]);
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- pointwise (ScalarPointwise)

    @Override
    public void tanh(int n, float[] x, int xOff, float[] y, int yOff) {
        ScalarPointwise.tanh(n, x, xOff, y, yOff);
    }

    @Override
    public void sigmoid(int n, float[] x, int xOff, float[] y, int yOff) {
        ScalarPointwise.sigmoid(n, x, xOff, y, yOff);
    }

    @Override
    public void relu(int n, float[] x, int xOff, float[] y, int yOff) {
        ScalarPointwise.relu(n, x, xOff, y, yOff);
    }

    @Override
    public void tanhBackward(int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff) {
        ScalarPointwise.tanhBackward(n, y, yOff, dy, dyOff, dx, dxOff);
    }

    @Override
    public void sigmoidBackward(int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff) {
        ScalarPointwise.sigmoidBackward(n, y, yOff, dy, dyOff, dx, dxOff);
    }

    @Override
    public void reluBackward(int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff) {
        ScalarPointwise.reluBackward(n, y, yOff, dy, dyOff, dx, dxOff);
    }

    @Override
    public void softmax(int n, float[] x, int xOff, float[] y, int yOff) {
        ScalarPointwise.softmax(n, x, xOff, y, yOff);
    }

    @Override
    public void logSoftmax(int n, float[] x, int xOff, float[] y, int yOff) {
        ScalarPointwise.logSoftmax(n, x, xOff, y, yOff);
    }

    @Override
    public void softmaxBackward(int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff) {
        ScalarPointwise.softmaxBackward(n, y, yOff, dy, dyOff, dx, dxOff);
    }

    @Override
    public void logSoftmaxBackward(int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff) {
        ScalarPointwise.logSoftmaxBackward(n, y, yOff, dy, dyOff, dx, dxOff);
    }

    @Override
    public void lstmForward(int n, float[] gates, int gOff, float[] cPrev,
                            int cpOff, float[] c, int cOff, float[] h, int hOff) {
        ScalarPointwise.lstmForward(n, gates, gOff, cPrev, cpOff, c, cOff, h, hOff);
    }

    @Override
    public void lstmBackward(int n, float[] acts, int aOff, float[] cPrev, int cpOff, float[] c,
                             int cOff, float[] dh, int dhOff, float[] dc, int dcOff, float[] dGates, int dgOff) {
        ScalarPointwise.lstmBackward(n, acts, aOff, cPrev, cpOff, c, cOff, dh, dhOff, dc, dcOff, dGates, dgOff);
    }

    @Override
    public void gruForward(int n, float[] gates, int gOff, float[] hPrev, int hpOff, float[] h, int hOff) {
        ScalarPointwise.gruForward(n, gates, gOff, hPrev, hpOff, h, hOff);
    }

    @Override
    public void gruBackward(int n, float[] acts, int aOff, float[] hPrev, int hpOff,
                            float[] dh, int dhOff, float[] dGates, int dgOff, float[] dhPrev, int dhpOff) {
        ScalarPointwise.gruBackward(n, acts, aOff, hPrev, hpOff, dh, dhOff, dGates, dgOff, dhPrev, dhpOff);
    }

    @Override
    public void sgd(int n, float[] p, int pOff, float[] g, int gOff, float[] buf,
                    int bOff, float lr, float momentum, double dampening, float weightDecay, boolean nesterov) {
        ScalarPointwise.sgd(n, p, pOff, g, gOff, buf, bOff, lr, momentum, dampening, weightDecay, nesterov);
    }

    @Override
    public void adam(int n, float[] p, int pOff, float[] g, int gOff, float[] m, int mOff, float[] v,
                     int vOff, float lr, double beta1, double beta2, float eps, float weightDecay, boolean decoupled, long step) {
        ScalarPointwise.adam(n, p, pOff, g, gOff, m, mOff, v, vOff, lr, beta1, beta2, eps, weightDecay, decoupled, step);
    }

    @Override
    public void rmsprop(int n, float[] p, int pOff, float[] g, int gOff, float[] sq, int sOff,
                        float[] buf, int bOff, float lr, double alpha, float eps, float weightDecay, float momentum) {
        ScalarPointwise.rmsprop(n, p, pOff, g, gOff, sq, sOff, buf, bOff, lr, alpha, eps, weightDecay, momentum);
    }
}
