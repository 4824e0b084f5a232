package dev.vecrnn.kernels;

/**
 * What an implementation of the kernels provides: the loops behind {@link Kernels}, which has checked
 * every argument before it calls them, so they run unchecked. Sealed and package-private: the two
 * implementations are the scalar loops and the Vector API ones (loaded by name after
 * {@link KernelSelection}'s checks, so that this interface never makes the JVM load an incubator class).
 * Methods with a default are shared by both. Shapes and meanings are those of the {@link Kernels} method
 * of the same name.
 */
sealed interface KernelSupport permits ScalarSupport, PanamaSupport {

    /** A short name: {@code panama-512} (with the vector width in bits) or {@code scalar}. */
    String name();

    /** What these kernels were shaped for, in one line (see {@link Kernels#shape()}). */
    String shape();

    /** Null when these kernels can run here, else why not (checked before they are chosen). */
    default String unusableReason() {
        return null;
    }

    float dot(int n, float[] x, int xOff, float[] y, int yOff);

    void axpy(int n, float a, float[] x, int xOff, float[] y, int yOff);

    void scale(int n, float a, float[] x, int xOff);

    int firstNonFinite(int n, float[] x, int xOff);

    /** x . x through the implementation's dot. */
    default float sumSquares(int n, float[] x, int xOff) {
        return dot(n, x, xOff, x, xOff);
    }

    void gemmNT(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                float[] c, int cOff, int ldc, boolean accumulate);

    /** Row by row as axpys, so each implementation's axpy sets the speed; shared by both. */
    default void gemmNN(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                        float[] c, int cOff, int ldc, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            int ci = cOff + i * ldc;
            if (!accumulate) java.util.Arrays.fill(c, ci, ci + n, 0f);
            for (int p = 0; p < k; p++) axpy(n, a[aOff + i * lda + p], b, bOff + p * ldb, c, ci);
        }
    }

    /** As axpys over the rows of B, shared by both implementations. */
    default void gemmTN(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                        float[] c, int cOff, int ldc, boolean accumulate) {
        if (!accumulate) {
            for (int i = 0; i < m; i++) java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
        }
        for (int p = 0; p < k; p++) {
            for (int i = 0; i < m; i++) axpy(n, a[aOff + p * lda + i], b, bOff + p * ldb, c, cOff + i * ldc);
        }
    }

    /** x == null: skip the input part; h == null: skip the recurrent part; bias: write bias (else accumulate). */
    void gates(PackedGates p, int batch, float[] x, int xOff, int ldx, float[] h, int hOff, int ldh,
               float[] out, int outOff, int ldo, boolean bias, boolean recurrent);

    /** As {@link #gates(PackedGates, int, float[], int, int, float[], int, int, float[], int, int, boolean, boolean)}, on int8 or bf16 weights. */
    void gates(QuantizedGates q, int batch, float[] x, int xOff, int ldx, float[] h, int hOff, int ldh,
               float[] out, int outOff, int ldo, boolean bias);

    void gatesBackwardData(PackedGates p, int batch, float[] dG, int dgOff, int ldg,
                           float[] dx, int dxOff, int ldx, float[] dh, int dhOff, int ldh);

    /** By default the product on the source packing; the Vector API kernels override this. */
    default void gatesBackwardData(TransposedGates t, int batch, float[] dG, int dgOff, int ldg,
                                   float[] dx, int dxOff, int ldx, float[] dh, int dhOff, int ldh) {
        gatesBackwardData(t.source(), batch, dG, dgOff, ldg, dx, dxOff, ldx, dh, dhOff, ldh);
    }

    void gatesBackwardWeights(PackedGates p, int batch, float[] dG, int dgOff, int ldg,
                              float[] x, int xOff, int ldx, float[] h, int hOff, int ldh,
                              PackedGates grad);

    void tanh(int n, float[] x, int xOff, float[] y, int yOff);

    void sigmoid(int n, float[] x, int xOff, float[] y, int yOff);

    void relu(int n, float[] x, int xOff, float[] y, int yOff);

    void tanhBackward(int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff);

    void sigmoidBackward(int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff);

    void reluBackward(int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff);

    void softmax(int n, float[] x, int xOff, float[] y, int yOff);

    void logSoftmax(int n, float[] x, int xOff, float[] y, int yOff);

    void softmaxBackward(int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff);

    void logSoftmaxBackward(int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff);

    void lstmForward(int n, float[] gates, int gOff, float[] cPrev, int cpOff, float[] c, int cOff,
                     float[] h, int hOff);

    void lstmBackward(int n, float[] acts, int aOff, float[] cPrev, int cpOff, float[] c, int cOff,
                      float[] dh, int dhOff, float[] dc, int dcOff, float[] dGates, int dgOff);

    void gruForward(int n, float[] gates, int gOff, float[] hPrev, int hpOff, float[] h, int hOff);

    void gruBackward(int n, float[] acts, int aOff, float[] hPrev, int hpOff, float[] dh, int dhOff,
                     float[] dGates, int dgOff, float[] dhPrev, int dhpOff);

    void sgd(int n, float[] p, int pOff, float[] g, int gOff, float[] buf, int bOff,
             float lr, float momentum, double dampening, float weightDecay, boolean nesterov);

    void adam(int n, float[] p, int pOff, float[] g, int gOff, float[] m, int mOff, float[] v, int vOff,
              float lr, double beta1, double beta2, float eps, float weightDecay, boolean decoupled, long step);

    void rmsprop(int n, float[] p, int pOff, float[] g, int gOff, float[] sq, int sOff, float[] buf, int bOff,
                 float lr, double alpha, float eps, float weightDecay, float momentum);
}
