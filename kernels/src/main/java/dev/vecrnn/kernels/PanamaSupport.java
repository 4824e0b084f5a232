package dev.vecrnn.kernels;

import static dev.vecrnn.kernels.PackedGates.PANEL;
import static dev.vecrnn.kernels.PanamaForward.K_BLOCK;
import static dev.vecrnn.kernels.PanamaForward.REGISTERS;
import static dev.vecrnn.kernels.PanamaForward.TILE_CHUNKS;
import static dev.vecrnn.kernels.PanamaForward.TILE_ROWS;
import static dev.vecrnn.kernels.PanamaMath.L;
import static dev.vecrnn.kernels.PanamaMath.S;

/**
 * The Vector API kernels. {@link KernelSelection} loads this class by name only after its checks, so
 * nothing else touches an incubator class. It only routes: vectors in {@link PanamaMath}, forward
 * products in {@link PanamaForward}, backward products in {@link PanamaBackward}, pointwise work in
 * {@link PanamaPointwise}; all static, so that C2 inlines the whole path from {@link Kernels}.
 */
final class PanamaSupport implements KernelSupport {

    PanamaSupport() {
    }

    @Override
    public String unusableReason() {
        if (L < 4) return "the preferred vector holds only " + L + " floats (at least 4 are needed to gain)";
        if (PANEL % L != 0) return "the vector length " + L + " does not divide the panel of " + PANEL;
        return null;
    }

    @Override
    public String name() {
        return "panama-" + S.vectorBitSize();
    }

    @Override
    public String shape() {
        return S.vectorBitSize() + "-bit vectors (" + L + " floats), " + REGISTERS + " registers: " + TILE_ROWS + "x"
                + TILE_CHUNKS + " register tiles" + (TILE_CHUNKS == 4 && PanamaForward.TILE_4X4_IN_HALVES ? " (in two 4x2 passes on this JDK)" : "")
                + " of " + L + "-float chunks, " + K_BLOCK + "-column blocks, 8 weight streams";
    }

    // ---------------------------------------------------------------- vectors (PanamaMath)

    @Override
    public float dot(int n, float[] x, int xOff, float[] y, int yOff) {
        return PanamaMath.dot(n, x, xOff, y, yOff);
    }

    @Override
    public void axpy(int n, float a, float[] x, int xOff, float[] y, int yOff) {
        PanamaMath.axpy(n, a, x, xOff, y, yOff);
    }

    @Override
    public void scale(int n, float a, float[] x, int xOff) {
        PanamaMath.scale(n, a, x, xOff);
    }

    @Override
    public int firstNonFinite(int n, float[] x, int xOff) {
        return PanamaMath.firstNonFinite(n, x, xOff);
    }

    // ---------------------------------------------------------------- forward products (PanamaForward)

    @Override
    public void gemmNT(int m, int n, int k, float[] a, int aOff, int lda,
                       float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        PanamaForward.gemmNT(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    @Override
    public void gates(PackedGates p, int batch, float[] x, int xOff, int ldx, float[] h,
                      int hOff, int ldh, float[] out, int outOff, int ldo, boolean bias, boolean recurrent) {
        PanamaForward.gates(p, batch, x, xOff, ldx, h, hOff, ldh, out, outOff, ldo, bias, recurrent);
    }

    @Override
    public void gates(QuantizedGates q, int batch, float[] x, int xOff, int ldx, float[] h, int hOff, int ldh,
                      float[] out, int outOff, int ldo, boolean bias) {
        PanamaQuantized.gates(q, batch, x, xOff, ldx, h, hOff, ldh, out, outOff, ldo, bias);
    }

    // ---------------------------------------------------------------- backward products (PanamaBackward)

    @Override
    public void gatesBackwardData(PackedGates p, int batch, float[] dG, int dgOff, int ldg,
                                  float[] dx, int dxOff, int ldx, float[] dh, int dhOff, int ldh) {
        PanamaBackward.gatesBackwardData(p, batch, dG, dgOff, ldg, dx, dxOff, ldx, dh, dhOff, ldh);
    }

    @Override
    public void gatesBackwardData(TransposedGates t, int batch, float[] dG, int dgOff, int ldg,
                                  float[] dx, int dxOff, int ldx, float[] dh, int dhOff, int ldh) {
        PanamaBackward.gatesBackwardData(t, batch, dG, dgOff, ldg, dx, dxOff, ldx, dh, dhOff, ldh);
    }

    @Override
    public void gatesBackwardWeights(PackedGates p, int batch, float[] dG, int dgOff, int ldg, float[] x,
                                     int xOff, int ldx, float[] h, int hOff, int ldh, PackedGates grad) {
        PanamaBackward.gatesBackwardWeights(p, batch, dG, dgOff, ldg, x, xOff, ldx, h, hOff, ldh, grad);
    }

    // ---------------------------------------------------------------- pointwise (PanamaPointwise)

    @Override
    public void tanh(int n, float[] x, int xOff, float[] y, int yOff) {
        PanamaPointwise.tanh(n, x, xOff, y, yOff);
    }

    @Override
    public void sigmoid(int n, float[] x, int xOff, float[] y, int yOff) {
        PanamaPointwise.sigmoid(n, x, xOff, y, yOff);
    }

    @Override
    public void relu(int n, float[] x, int xOff, float[] y, int yOff) {
        PanamaPointwise.relu(n, x, xOff, y, yOff);
    }

    @Override
    public void tanhBackward(int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff) {
        PanamaPointwise.tanhBackward(n, y, yOff, dy, dyOff, dx, dxOff);
    }

    @Override
    public void sigmoidBackward(int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff) {
        PanamaPointwise.sigmoidBackward(n, y, yOff, dy, dyOff, dx, dxOff);
    }

    @Override
    public void reluBackward(int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff) {
        PanamaPointwise.reluBackward(n, y, yOff, dy, dyOff, dx, dxOff);
    }

    @Override
    public void softmax(int n, float[] x, int xOff, float[] y, int yOff) {
        PanamaPointwise.softmax(n, x, xOff, y, yOff);
    }

    @Override
    public void logSoftmax(int n, float[] x, int xOff, float[] y, int yOff) {
        PanamaPointwise.logSoftmax(n, x, xOff, y, yOff);
    }

    @Override
    public void softmaxBackward(int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff) {
        PanamaPointwise.softmaxBackward(n, y, yOff, dy, dyOff, dx, dxOff);
    }

    @Override
    public void logSoftmaxBackward(int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff) {
        PanamaPointwise.logSoftmaxBackward(n, y, yOff, dy, dyOff, dx, dxOff);
    }

    @Override
    public void lstmForward(int n, float[] gates, int gOff, float[] cPrev,
                            int cpOff, float[] c, int cOff, float[] h, int hOff) {
        PanamaPointwise.lstmForward(n, gates, gOff, cPrev, cpOff, c, cOff, h, hOff);
    }

    @Override
    public void lstmBackward(int n, float[] acts, int aOff, float[] cPrev, int cpOff, float[] c,
                             int cOff, float[] dh, int dhOff, float[] dc, int dcOff, float[] dGates, int dgOff) {
        PanamaPointwise.lstmBackward(n, acts, aOff, cPrev, cpOff, c, cOff, dh, dhOff, dc, dcOff, dGates, dgOff);
    }

    @Override
    public void gruForward(int n, float[] gates, int gOff, float[] hPrev, int hpOff, float[] h, int hOff) {
        PanamaPointwise.gruForward(n, gates, gOff, hPrev, hpOff, h, hOff);
    }

    @Override
    public void gruBackward(int n, float[] acts, int aOff, float[] hPrev, int hpOff,
                            float[] dh, int dhOff, float[] dGates, int dgOff, float[] dhPrev, int dhpOff) {
        PanamaPointwise.gruBackward(n, acts, aOff, hPrev, hpOff, dh, dhOff, dGates, dgOff, dhPrev, dhpOff);
    }

    @Override
    public void sgd(int n, float[] p, int pOff, float[] g, int gOff, float[] buf,
                    int bOff, float lr, float momentum, double dampening, float weightDecay, boolean nesterov) {
        PanamaPointwise.sgd(n, p, pOff, g, gOff, buf, bOff, lr, momentum, dampening, weightDecay, nesterov);
    }

    @Override
    public void adam(int n, float[] p, int pOff, float[] g, int gOff, float[] m, int mOff, float[] v,
                     int vOff, float lr, double beta1, double beta2, float eps, float weightDecay, boolean decoupled, long step) {
        PanamaPointwise.adam(n, p, pOff, g, gOff, m, mOff, v, vOff, lr, beta1, beta2, eps, weightDecay, decoupled, step);
    }

    @Override
    public void rmsprop(int n, float[] p, int pOff, float[] g, int gOff, float[] sq, int sOff,
                        float[] buf, int bOff, float lr, double alpha, float eps, float weightDecay, float momentum) {
        PanamaPointwise.rmsprop(n, p, pOff, g, gOff, sq, sOff, buf, bOff, lr, alpha, eps, weightDecay, momentum);
    }
}
