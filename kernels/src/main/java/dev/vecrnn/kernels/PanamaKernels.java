package dev.vecrnn.kernels;

/** Work in progress: temporarily the scalar code, replaced by the Vector API implementation. */
final class PanamaKernels extends ScalarPointwise {
    private final ScalarKernels s = ScalarKernels.INSTANCE;
    public PanamaKernels() { }
    @Override public String name() { return "panama-wip"; }
    @Override protected float dotImpl(int n, float[] x, int xOff, float[] y, int yOff) { return s.dotImpl(n, x, xOff, y, yOff); }
    @Override protected void axpyImpl(int n, float a, float[] x, int xOff, float[] y, int yOff) { s.axpyImpl(n, a, x, xOff, y, yOff); }
    @Override protected void scaleImpl(int n, float a, float[] x, int xOff) { s.scaleImpl(n, a, x, xOff); }
    @Override protected float sumSquaresImpl(int n, float[] x, int xOff) { return s.sumSquaresImpl(n, x, xOff); }
    @Override protected void gemmNTImpl(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean acc) { s.gemmNTImpl(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, acc); }
    @Override protected void gemmNNImpl(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean acc) { s.gemmNNImpl(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, acc); }
    @Override protected void gemmTNImpl(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean acc) { s.gemmTNImpl(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, acc); }
    @Override protected void gatesImpl(PackedGates p, int batch, float[] x, int xOff, int ldx, float[] h, int hOff, int ldh, float[] out, int outOff, int ldo, boolean bias, boolean rec) { s.gatesImpl(p, batch, x, xOff, ldx, h, hOff, ldh, out, outOff, ldo, bias, rec); }
    @Override protected void gatesBackwardDataImpl(PackedGates p, int batch, float[] dG, int dgOff, int ldg, float[] dx, int dxOff, int ldx, float[] dh, int dhOff, int ldh) { s.gatesBackwardDataImpl(p, batch, dG, dgOff, ldg, dx, dxOff, ldx, dh, dhOff, ldh); }
    @Override protected void gatesBackwardWeightsImpl(PackedGates p, int batch, float[] dG, int dgOff, int ldg, float[] x, int xOff, int ldx, float[] h, int hOff, int ldh, PackedGates grad) { s.gatesBackwardWeightsImpl(p, batch, dG, dgOff, ldg, x, xOff, ldx, h, hOff, ldh, grad); }
}
