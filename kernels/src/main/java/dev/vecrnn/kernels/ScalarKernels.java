package dev.vecrnn.kernels;

import static dev.vecrnn.kernels.PackedGates.PANEL;

/**
 * The scalar kernels: plain loops, the reference twin of the Vector API kernels and the fallback where
 * the Vector API is absent. Pointwise math is in {@link ScalarPointwise}.
 */
public final class ScalarKernels extends ScalarPointwise {
    static final ScalarKernels INSTANCE = new ScalarKernels();

    private ScalarKernels() {
    }

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    protected float dotImpl(int n, float[] x, int xOff, float[] y, int yOff) {
        float s = 0f;
        for (int i = 0; i < n; i++) s = Math.fma(x[xOff + i], y[yOff + i], s);
        return s;
    }

    @Override
    protected void axpyImpl(int n, float a, float[] x, int xOff, float[] y, int yOff) {
        for (int i = 0; i < n; i++) y[yOff + i] = Math.fma(a, x[xOff + i], y[yOff + i]);
    }

    @Override
    protected void scaleImpl(int n, float a, float[] x, int xOff) {
        for (int i = 0; i < n; i++) x[xOff + i] *= a;
    }

    @Override
    protected int firstNonFiniteImpl(int n, float[] x, int xOff) {
        for (int i = 0; i < n; i++) if (!Float.isFinite(x[xOff + i])) return i;
        return -1;
    }

    @Override
    protected void gemmNTImpl(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                              float[] c, int cOff, int ldc, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float s = dotImpl(k, a, aOff + i * lda, b, bOff + j * ldb);
                int ci = cOff + i * ldc + j;
                c[ci] = accumulate ? c[ci] + s : s;
            }
        }
    }

    @Override
    protected void gatesImpl(PackedGates p, int batch, float[] x, int xOff, int ldx, float[] h, int hOff, int ldh,
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
                for (int l = 0; l < lanes; l++) out[op + l] = Math.fma(w[wk + l], v, out[op + l]);
            }
        }
    }

    @Override
    protected void gatesBackwardDataImpl(PackedGates p, int batch, float[] dG, int dgOff, int ldg,
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
                        s = Math.fma(dG[dgOff + b * ldg + blk.outOffset() + r], w[wi], s);
                    }
                    if (col < in) dx[dxOff + b * ldx + col] += s; else dh[dhOff + b * ldh + col - in] += s;
                }
            }
        }
    }

    @Override
    protected void gatesBackwardWeightsImpl(PackedGates p, int batch, float[] dG, int dgOff, int ldg,
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
                        gw[wi] = Math.fma(dG[g + blk.outOffset() + r], v, gw[wi]);
                    }
                }
            }
        }
    }
}
