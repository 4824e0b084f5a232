package dev.vecrnn.kernels;

/**
 * The numeric kernels of vecrnn, on {@code float[]} with offsets: nothing is allocated, nothing is
 * hidden, the caller owns every buffer. {@link #get()} returns the kernels chosen at start-up,
 * {@link #scalar()} the plain-Java ones, {@link #panama()} the JDK Vector API ones where they can run.
 *
 * <p>This class is a facade, and final on purpose. Each public method checks its arguments once per call,
 * throwing an {@link IllegalArgumentException} that names the argument, the size it needs and the size
 * it got, and then hands the call to one of two implementations of a sealed, package-private interface
 * (the scalar loops, or the Vector API ones, loaded only when chosen), which run unchecked loops. So the
 * public API is exactly the methods below: nobody can subclass the kernels, skip the checks or depend
 * on how the implementations are split, and the implementations can change without breaking a caller.
 * The extra call is inlined: a call site into the interface sees one implementation class in practice
 * (two at most), which C2's type profile turns into a guarded direct call, and the implementations
 * call static methods.
 *
 * <p>Shapes are written above each method as {@code name [rows, cols]}; {@code ld} is the distance in
 * floats between two rows.
 *
 * <p>Gradients accumulate ({@code +=}) where the javadoc says so, so that one backward serves a batch
 * and a sequence; zeroing is the caller's visible step.
 *
 * <p>The Vector API kernels are shaped at start-up by the preferred vector width and the register file
 * it implies ({@link #shape()}): 512-bit with 32 registers, 256-bit with 16 (AVX2), 128-bit. No shape
 * depends on a cache size measured on one machine. Results are deterministic on a machine (the same
 * bits on every run, in every JIT tier, whatever the thread count), but their last bits may differ
 * between vector widths, and between the Vector API and the scalar kernels: the same products are
 * summed in another grouping.
 */
public final class Kernels {

    /** Set to {@code scalar} to force the scalar kernels. */
    public static final String PROPERTY = "vecrnn.kernels";

    private final KernelSupport impl;

    /** Only {@link KernelSelection} makes these: one for the scalar kernels, one for the Vector API ones. */
    Kernels(KernelSupport impl) {
        this.impl = impl;
    }

    /** The kernels chosen once at class initialisation (see {@link KernelSelection}). */
    public static Kernels get() {
        return KernelSelection.CHOSEN;
    }

    /** The scalar kernels, always available. */
    public static Kernels scalar() {
        return KernelSelection.SCALAR;
    }

    /** The Vector API kernels, or null where they cannot run here ({@link #whyNoPanama()} says why). */
    public static Kernels panama() {
        return KernelSelection.PANAMA;
    }

    /**
     * Why the Vector API kernels are unavailable, or null when they are available. When this made
     * {@link #get()} fall back to the scalar kernels, the same reason went once, at WARNING, to the
     * {@link System.Logger} named {@code dev.vecrnn.kernels}; the library prints nothing itself.
     */
    public static String whyNoPanama() {
        return KernelSelection.WHY_NOT;
    }

    /** A short name: {@code panama-512} (with the vector width in bits) or {@code scalar}. */
    public String name() {
        return impl.name();
    }

    /**
     * What the kernels were shaped for, in one line: for the Vector API, the vector width, the register file
     * it implies and the register tiles chosen from them at start-up. The shapes differ between widths, and
     * so may the last bits of a sum (a different grouping of the same products); on one machine and JVM
     * configuration every result is deterministic and independent of the thread count.
     */
    public String shape() {
        return impl.shape();
    }

    // ---------------------------------------------------------------- vectors

    // x [n], y [n] -> sum x*y
    public final float dot(int n, float[] x, int xOff, float[] y, int yOff) {
        checkN(n);
        checkRange("x", x, xOff, n);
        checkRange("y", y, yOff, n);
        return impl.dot(n, x, xOff, y, yOff);
    }

    // x [n], y [n]: y += a * x
    public final void axpy(int n, float a, float[] x, int xOff, float[] y, int yOff) {
        checkN(n);
        checkRange("x", x, xOff, n);
        checkRange("y", y, yOff, n);
        impl.axpy(n, a, x, xOff, y, yOff);
    }

    // x [n]: x *= a
    public final void scale(int n, float a, float[] x, int xOff) {
        checkN(n);
        checkRange("x", x, xOff, n);
        impl.scale(n, a, x, xOff);
    }

    // x [n] -> sum x*x
    public final float sumSquares(int n, float[] x, int xOff) {
        checkN(n);
        checkRange("x", x, xOff, n);
        return impl.sumSquares(n, x, xOff);
    }

    // x [n] -> the index (from xOff) of the first NaN or infinity, or -1 when all n are finite
    public final int firstNonFinite(int n, float[] x, int xOff) {
        checkN(n);
        checkRange("x", x, xOff, n);
        return impl.firstNonFinite(n, x, xOff);
    }

    // ---------------------------------------------------------------- dense matrices (row-major)

    /** {@code C (+)= A B^T}: a [m, k] (lda), b [n, k] (ldb), c [m, n] (ldc). */
    public final void gemmNT(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float[] c, int cOff, int ldc, boolean accumulate) {
        checkDims(m, n, k);
        checkMatrix("a", a, aOff, m, k, lda);
        checkMatrix("b", b, bOff, n, k, ldb);
        checkMatrix("c", c, cOff, m, n, ldc);
        impl.gemmNT(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    /** {@code C (+)= A B}: a [m, k] (lda), b [k, n] (ldb), c [m, n] (ldc). */
    public final void gemmNN(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float[] c, int cOff, int ldc, boolean accumulate) {
        checkDims(m, n, k);
        checkMatrix("a", a, aOff, m, k, lda);
        checkMatrix("b", b, bOff, k, n, ldb);
        checkMatrix("c", c, cOff, m, n, ldc);
        impl.gemmNN(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    /** {@code C (+)= A^T B}: a [k, m] (lda), b [k, n] (ldb), c [m, n] (ldc). */
    public final void gemmTN(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float[] c, int cOff, int ldc, boolean accumulate) {
        checkDims(m, n, k);
        checkMatrix("a", a, aOff, k, m, lda);
        checkMatrix("b", b, bOff, k, n, ldb);
        checkMatrix("c", c, cOff, m, n, ldc);
        impl.gemmTN(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    // ---------------------------------------------------------------- packed gates

    /**
     * All gate pre-activations of a cell in one pass over the packed weights:
     * {@code out = W_ih x + W_hh h + bias} in the layout of {@link PackedGates} (GRU: {@code [r, z, n_x, n_h]}).
     * With {@code batch == 1} this is the fused GEMV; larger batches run the register-tiled GEMM.
     * x [batch, I] (ldx), h [batch, Hr] (ldh) -> out [batch, outputSize] (ldo)
     */
    public final void gates(PackedGates p, int batch, float[] x, int xOff, int ldx, float[] h, int hOff, int ldh,
                            float[] out, int outOff, int ldo) {
        checkNotNull("p", p);
        checkBatch(batch);
        checkMatrix("x", x, xOff, batch, p.inputSize(), ldx);
        checkMatrix("h", h, hOff, batch, p.recurrentSize(), ldh);
        checkMatrix("out", out, outOff, batch, p.outputSize(), ldo);
        impl.gates(p, batch, x, xOff, ldx, h, hOff, ldh, out, outOff, ldo, true, true);
    }

    /**
     * The input part and every bias, for many rows at once (for example all time steps of a sequence):
     * {@code out = W_ih x + bias}; a later {@link #gatesRecurrent} adds the recurrent part.
     * x [rows, I] (ldx) -> out [rows, outputSize] (ldo)
     */
    public final void gatesInput(PackedGates p, int rows, float[] x, int xOff, int ldx, float[] out, int outOff, int ldo) {
        checkNotNull("p", p);
        checkBatch(rows);
        checkMatrix("x", x, xOff, rows, p.inputSize(), ldx);
        checkMatrix("out", out, outOff, rows, p.outputSize(), ldo);
        impl.gates(p, rows, x, xOff, ldx, null, 0, 0, out, outOff, ldo, true, false);
    }

    /**
     * Adds the recurrent part: {@code out += W_hh h}.
     * h [batch, Hr] (ldh) -> out [batch, outputSize] (ldo), accumulated
     */
    public final void gatesRecurrent(PackedGates p, int batch, float[] h, int hOff, int ldh, float[] out, int outOff, int ldo) {
        checkNotNull("p", p);
        checkBatch(batch);
        checkMatrix("h", h, hOff, batch, p.recurrentSize(), ldh);
        checkMatrix("out", out, outOff, batch, p.outputSize(), ldo);
        impl.gates(p, batch, null, 0, 0, h, hOff, ldh, out, outOff, ldo, false, true);
    }

    /**
     * {@link #gates(PackedGates, int, float[], int, int, float[], int, int, float[], int, int)} on int8 or bf16
     * weights, widened to fp32 in registers: {@code out = W_ih x + W_hh h + bias}. For int8 each row's input
     * and recurrent parts are summed in fp32 and scaled once each ({@link QuantizedGates}). Rows are
     * independent of the batch they are computed in, as for fp32.
     */
    public final void gates(QuantizedGates q, int batch, float[] x, int xOff, int ldx, float[] h, int hOff, int ldh,
                            float[] out, int outOff, int ldo) {
        checkNotNull("q", q);
        checkBatch(batch);
        checkMatrix("x", x, xOff, batch, q.inputSize(), ldx);
        checkMatrix("h", h, hOff, batch, q.recurrentSize(), ldh);
        checkMatrix("out", out, outOff, batch, q.outputSize(), ldo);
        impl.gates(q, batch, x, xOff, ldx, h, hOff, ldh, out, outOff, ldo, true);
    }

    /** {@link #gatesInput(PackedGates, int, float[], int, int, float[], int, int)} on int8 or bf16 weights. */
    public final void gatesInput(QuantizedGates q, int rows, float[] x, int xOff, int ldx, float[] out, int outOff, int ldo) {
        checkNotNull("q", q);
        checkBatch(rows);
        checkMatrix("x", x, xOff, rows, q.inputSize(), ldx);
        checkMatrix("out", out, outOff, rows, q.outputSize(), ldo);
        impl.gates(q, rows, x, xOff, ldx, null, 0, 0, out, outOff, ldo, true);
    }

    /** {@link #gatesRecurrent(PackedGates, int, float[], int, int, float[], int, int)} on int8 or bf16 weights. */
    public final void gatesRecurrent(QuantizedGates q, int batch, float[] h, int hOff, int ldh, float[] out, int outOff, int ldo) {
        checkNotNull("q", q);
        checkBatch(batch);
        checkMatrix("h", h, hOff, batch, q.recurrentSize(), ldh);
        checkMatrix("out", out, outOff, batch, q.outputSize(), ldo);
        impl.gates(q, batch, null, 0, 0, h, hOff, ldh, out, outOff, ldo, false);
    }

    /**
     * Backward through the gate matmul to its inputs: {@code dx += dG W_ih}, {@code dh += dG W_hh}
     * (for GRU the n rows take {@code dn_x} on the input side and {@code dn_h} on the recurrent side).
     * Either of dx and dh may be null to skip it.
     * dG [batch, outputSize] (ldg) -> dx [batch, I] (ldx), dh [batch, Hr] (ldh), accumulated
     */
    public final void gatesBackwardData(PackedGates p, int batch, float[] dG, int dgOff, int ldg,
                                        float[] dx, int dxOff, int ldx, float[] dh, int dhOff, int ldh) {
        checkNotNull("p", p);
        checkBackwardData(p, batch, dG, dgOff, ldg, dx, dxOff, ldx, dh, dhOff, ldh);
        impl.gatesBackwardData(p, batch, dG, dgOff, ldg, dx, dxOff, ldx, dh, dhOff, ldh);
    }

    /**
     * The same product as {@link #gatesBackwardData(PackedGates, int, float[], int, int, float[], int, int, float[], int, int)}
     * for many rows (all steps of a sequence, or a training batch), on a {@link TransposedGates} copy of the
     * weights, which the Vector API kernels read contiguously; it must be {@link TransposedGates#refresh()
     * refreshed} after the weights change. The scalar kernels read the source packing.
     * dG [batch, outputSize] (ldg) -> dx [batch, I] (ldx), dh [batch, Hr] (ldh), accumulated
     */
    public final void gatesBackwardData(TransposedGates transposed, int batch, float[] dG, int dgOff, int ldg,
                                        float[] dx, int dxOff, int ldx, float[] dh, int dhOff, int ldh) {
        checkNotNull("transposed", transposed);
        checkBackwardData(transposed.source(), batch, dG, dgOff, ldg, dx, dxOff, ldx, dh, dhOff, ldh);
        impl.gatesBackwardData(transposed, batch, dG, dgOff, ldg, dx, dxOff, ldx, dh, dhOff, ldh);
    }

    /** The arguments of both forms of gatesBackwardData, against the shape of the packing p. */
    private static void checkBackwardData(PackedGates p, int batch, float[] dG, int dgOff, int ldg,
                                          float[] dx, int dxOff, int ldx, float[] dh, int dhOff, int ldh) {
        checkBatch(batch);
        checkMatrix("dG", dG, dgOff, batch, p.outputSize(), ldg);
        if (dx != null) checkMatrix("dx", dx, dxOff, batch, p.inputSize(), ldx);
        if (dh != null) checkMatrix("dh", dh, dhOff, batch, p.recurrentSize(), ldh);
    }

    /**
     * Backward to the packed parameters: {@code grad.W += dG^T [x; h]}, {@code grad.bias += sum_rows dG},
     * accumulated over the batch (and, by repeated calls, over time). A null x or h counts as zeros.
     * dG [batch, outputSize] (ldg), x [batch, I] (ldx), h [batch, Hr] (ldh) -> grad (same shape as p)
     */
    public final void gatesBackwardWeights(PackedGates p, int batch, float[] dG, int dgOff, int ldg,
                                           float[] x, int xOff, int ldx, float[] h, int hOff, int ldh, PackedGates grad) {
        checkNotNull("p", p);
        checkNotNull("grad", grad);
        if (grad.cell() != p.cell() || grad.inputSize() != p.inputSize() || grad.recurrentSize() != p.recurrentSize()
                || grad.hiddenSize() != p.hiddenSize()) {
            throw new IllegalArgumentException("grad: expected a " + describe(p) + " packing, got " + describe(grad));
        }
        checkBatch(batch);
        checkMatrix("dG", dG, dgOff, batch, p.outputSize(), ldg);
        if (x != null) checkMatrix("x", x, xOff, batch, p.inputSize(), ldx);
        if (h != null) checkMatrix("h", h, hOff, batch, p.recurrentSize(), ldh);
        impl.gatesBackwardWeights(p, batch, dG, dgOff, ldg, x, xOff, ldx, h, hOff, ldh, grad);
    }

    private static String describe(PackedGates p) {
        return p.cell() + "(I=" + p.inputSize() + ", Hr=" + p.recurrentSize() + ", H=" + p.hiddenSize() + ")";
    }

    // ---------------------------------------------------------------- activations

    /**
     * {@code y = tanh(x)}, x and y may be the same array. Error bound: at most 2 ulp of the float result,
     * and at most 2e-7 absolute, for every float; exact at 0 (sign kept), at +-Inf (+-1), and equal to
     * +-1 exactly for |x| >= 9.1; NaN gives NaN. x [n] -> y [n]
     */
    public final void tanh(int n, float[] x, int xOff, float[] y, int yOff) {
        checkN(n);
        checkRange("x", x, xOff, n);
        checkRange("y", y, yOff, n);
        impl.tanh(n, x, xOff, y, yOff);
    }

    /**
     * {@code y = 1 / (1 + exp(-x))}, x and y may be the same array. Error bound: at most 3 ulp of the float result for x >= -87, at
     * most 2e-38 absolute below; exact 0.5 at 0, 1 at +Inf and for {@code x >= 17}, 0 at -Inf and for {@code x < -88.7};
     * NaN gives NaN. x [n] -> y [n]
     */
    public final void sigmoid(int n, float[] x, int xOff, float[] y, int yOff) {
        checkN(n);
        checkRange("x", x, xOff, n);
        checkRange("y", y, yOff, n);
        impl.sigmoid(n, x, xOff, y, yOff);
    }

    /** {@code y = max(x, 0)} (NaN stays NaN); x and y may be the same array. x [n] -> y [n] */
    public final void relu(int n, float[] x, int xOff, float[] y, int yOff) {
        checkN(n);
        checkRange("x", x, xOff, n);
        checkRange("y", y, yOff, n);
        impl.relu(n, x, xOff, y, yOff);
    }

    /** Given {@code y = tanh(x)}: {@code dx = dy * (1 - y^2)}. y, dy, dx [n] */
    public final void tanhBackward(int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff) {
        checkActivationBackward(n, y, yOff, dy, dyOff, dx, dxOff);
        impl.tanhBackward(n, y, yOff, dy, dyOff, dx, dxOff);
    }

    /** Given {@code y = sigmoid(x)}: {@code dx = dy * y * (1 - y)}. y, dy, dx [n] */
    public final void sigmoidBackward(int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff) {
        checkActivationBackward(n, y, yOff, dy, dyOff, dx, dxOff);
        impl.sigmoidBackward(n, y, yOff, dy, dyOff, dx, dxOff);
    }

    /** Given {@code y = relu(x)}: {@code dx = y > 0 ? dy : 0}. y, dy, dx [n] */
    public final void reluBackward(int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff) {
        checkActivationBackward(n, y, yOff, dy, dyOff, dx, dxOff);
        impl.reluBackward(n, y, yOff, dy, dyOff, dx, dxOff);
    }

    /** Softmax over n entries, shifted by the maximum so that logits of 1e30 stay finite; in place allowed. x [n] -> y [n] */
    public final void softmax(int n, float[] x, int xOff, float[] y, int yOff) {
        checkPositive("n", n);
        checkRange("x", x, xOff, n);
        checkRange("y", y, yOff, n);
        impl.softmax(n, x, xOff, y, yOff);
    }

    /** Log-softmax over n entries, {@code (x - max) - log(sum exp(x - max))}; in place allowed. x [n] -> y [n] */
    public final void logSoftmax(int n, float[] x, int xOff, float[] y, int yOff) {
        checkPositive("n", n);
        checkRange("x", x, xOff, n);
        checkRange("y", y, yOff, n);
        impl.logSoftmax(n, x, xOff, y, yOff);
    }

    /** Given {@code y = softmax(x)}: {@code dx = y * (dy - sum(dy * y))}. y, dy, dx [n] */
    public final void softmaxBackward(int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff) {
        checkActivationBackward(n, y, yOff, dy, dyOff, dx, dxOff);
        impl.softmaxBackward(n, y, yOff, dy, dyOff, dx, dxOff);
    }

    /** Given {@code y = logSoftmax(x)}: {@code dx = dy - exp(y) * sum(dy)}. y, dy, dx [n] */
    public final void logSoftmaxBackward(int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff) {
        checkActivationBackward(n, y, yOff, dy, dyOff, dx, dxOff);
        impl.logSoftmaxBackward(n, y, yOff, dy, dyOff, dx, dxOff);
    }

    private static void checkActivationBackward(int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff) {
        checkN(n);
        checkRange("y", y, yOff, n);
        checkRange("dy", dy, dyOff, n);
        checkRange("dx", dx, dxOff, n);
    }

    // ---------------------------------------------------------------- cells (one batch row, H = n)

    /**
     * LSTM pointwise forward. On entry {@code gates} holds the pre-activations {@code [i, f, g, o]}; on
     * return it holds their activations (what backward needs). {@code c = f*cPrev + i*g}, {@code h = o*tanh(c)}.
     * A null cPrev is zero. gates [4n], cPrev [n] -> c [n], h [n]
     */
    public final void lstmForward(int n, float[] gates, int gOff, float[] cPrev, int cpOff, float[] c, int cOff,
                                  float[] h, int hOff) {
        checkN(n);
        checkRange("gates", gates, gOff, 4L * n);
        if (cPrev != null) checkRange("cPrev", cPrev, cpOff, n);
        checkRange("c", c, cOff, n);
        checkRange("h", h, hOff, n);
        impl.lstmForward(n, gates, gOff, cPrev, cpOff, c, cOff, h, hOff);
    }

    /**
     * LSTM pointwise backward. {@code acts} are the activations left by {@link #lstmForward}; {@code dh}
     * the gradient reaching h; {@code dc} on entry the gradient reaching c from the next step, on return
     * the gradient for cPrev. Writes the gradient of the pre-activations to dGates.
     * acts [4n], cPrev [n] (null = 0), c [n], dh [n], dc [n] (in/out) -> dGates [4n]
     */
    public final void lstmBackward(int n, float[] acts, int aOff, float[] cPrev, int cpOff, float[] c, int cOff,
                                   float[] dh, int dhOff, float[] dc, int dcOff, float[] dGates, int dgOff) {
        checkN(n);
        checkRange("acts", acts, aOff, 4L * n);
        if (cPrev != null) checkRange("cPrev", cPrev, cpOff, n);
        checkRange("c", c, cOff, n);
        checkRange("dh", dh, dhOff, n);
        checkRange("dc", dc, dcOff, n);
        checkRange("dGates", dGates, dgOff, 4L * n);
        impl.lstmBackward(n, acts, aOff, cPrev, cpOff, c, cOff, dh, dhOff, dc, dcOff, dGates, dgOff);
    }

    /**
     * GRU pointwise forward, PyTorch's form: {@code r = s(r'), z = s(z'), n = tanh(n_x + r * n_h),
     * h = (1 - z) * n + z * hPrev}. On entry gates holds {@code [r', z', n_x, n_h]}; on return
     * {@code [r, z, n, n_h]}. A null hPrev is zero. gates [4n], hPrev [n] -> h [n]
     */
    public final void gruForward(int n, float[] gates, int gOff, float[] hPrev, int hpOff, float[] h, int hOff) {
        checkN(n);
        checkRange("gates", gates, gOff, 4L * n);
        if (hPrev != null) checkRange("hPrev", hPrev, hpOff, n);
        checkRange("h", h, hOff, n);
        impl.gruForward(n, gates, gOff, hPrev, hpOff, h, hOff);
    }

    /**
     * GRU pointwise backward. acts are what {@link #gruForward} left; writes {@code [dr', dz', dn_x, dn_h]}
     * to dGates and overwrites dhPrev with the direct part {@code dh * z} (the matmul part is added by
     * {@link #gatesBackwardData}). acts [4n], hPrev [n] (null = 0), dh [n] -> dGates [4n], dhPrev [n]
     */
    public final void gruBackward(int n, float[] acts, int aOff, float[] hPrev, int hpOff, float[] dh, int dhOff,
                                  float[] dGates, int dgOff, float[] dhPrev, int dhpOff) {
        checkN(n);
        checkRange("acts", acts, aOff, 4L * n);
        if (hPrev != null) checkRange("hPrev", hPrev, hpOff, n);
        checkRange("dh", dh, dhOff, n);
        checkRange("dGates", dGates, dgOff, 4L * n);
        checkRange("dhPrev", dhPrev, dhpOff, n);
        impl.gruBackward(n, acts, aOff, hPrev, hpOff, dh, dhOff, dGates, dgOff, dhPrev, dhpOff);
    }

    /** Elman RNN pointwise forward: {@code h = tanh(pre)} or {@code relu(pre)}. pre [n] -> h [n] */
    public final void rnnForward(int n, boolean relu, float[] pre, int pOff, float[] h, int hOff) {
        checkN(n);
        checkRange("pre", pre, pOff, n);
        checkRange("h", h, hOff, n);
        if (relu) impl.relu(n, pre, pOff, h, hOff); else impl.tanh(n, pre, pOff, h, hOff);
    }

    /** Elman RNN pointwise backward from the output h. h [n], dh [n] -> dPre [n] */
    public final void rnnBackward(int n, boolean relu, float[] h, int hOff, float[] dh, int dhOff, float[] dPre, int dpOff) {
        checkN(n);
        checkRange("h", h, hOff, n);
        checkRange("dh", dh, dhOff, n);
        checkRange("dPre", dPre, dpOff, n);
        if (relu) impl.reluBackward(n, h, hOff, dh, dhOff, dPre, dpOff); else impl.tanhBackward(n, h, hOff, dh, dhOff, dPre, dpOff);
    }

    // ---------------------------------------------------------------- optimizers (PyTorch's update rules)
    // dampening, beta1, beta2 and alpha come in double, as PyTorch's Python floats: 1 - x is taken in double and
    // then rounded, as PyTorch does (1 - (float) 0.999 would be 1.3e-5 off 0.001, and so the buffers).

    /**
     * SGD as {@code torch.optim.SGD}: {@code g += wd*p}; with momentum {@code buf = momentum*buf +
     * (1-dampening)*g; g = nesterov ? g + momentum*buf : buf}; then {@code p -= lr*g} (dampening is
     * unused without momentum). buf starts at zero (equal to PyTorch's first
     * step when dampening is 0) and may be null when momentum is 0. p, g, buf [n]
     */
    public final void sgd(int n, float[] p, int pOff, float[] g, int gOff, float[] buf, int bOff,
                          float lr, float momentum, double dampening, float weightDecay, boolean nesterov) {
        checkN(n);
        checkRange("p", p, pOff, n);
        checkRange("g", g, gOff, n);
        if (momentum != 0f) checkRange("buf", buf, bOff, n);
        checkFinite("lr", lr);
        checkFinite("momentum", momentum);
        checkFinite("dampening", dampening);
        checkFinite("weightDecay", weightDecay);
        if (nesterov && (momentum <= 0f || dampening != 0)) {
            throw new IllegalArgumentException("nesterov: needs momentum > 0 and dampening 0, got momentum "
                    + momentum + ", dampening " + dampening);
        }
        impl.sgd(n, p, pOff, g, gOff, buf, bOff, lr, momentum, dampening, weightDecay, nesterov);
    }

    /**
     * Adam ({@code decoupled == false}, weight decay added to the gradient) or AdamW
     * ({@code decoupled == true}, {@code p *= 1 - lr*wd} first), as {@code torch.optim}: with
     * {@code bc1 = 1 - beta1^step}, {@code bc2 = 1 - beta2^step},
     * {@code p -= (lr/bc1) * m / (sqrt(v)/sqrt(bc2) + eps)}. step counts from 1. p, g, m, v [n]
     */
    public final void adam(int n, float[] p, int pOff, float[] g, int gOff, float[] m, int mOff, float[] v, int vOff,
                           float lr, double beta1, double beta2, float eps, float weightDecay, boolean decoupled, long step) {
        checkN(n);
        checkRange("p", p, pOff, n);
        checkRange("g", g, gOff, n);
        checkRange("m", m, mOff, n);
        checkRange("v", v, vOff, n);
        checkFinite("lr", lr);
        checkUnit("beta1", beta1);
        checkUnit("beta2", beta2);
        checkFinite("eps", eps);
        checkFinite("weightDecay", weightDecay);
        if (step < 1) throw new IllegalArgumentException("step: expected >= 1, got " + step);
        impl.adam(n, p, pOff, g, gOff, m, mOff, v, vOff, lr, beta1, beta2, eps, weightDecay, decoupled, step);
    }

    /**
     * RMSprop as {@code torch.optim.RMSprop} (not centered): {@code g += wd*p; sq = alpha*sq + (1-alpha)*g^2;
     * a = sqrt(sq) + eps}; with momentum {@code buf = momentum*buf + g/a; p -= lr*buf}, else
     * {@code p -= lr*g/a}. buf may be null when momentum is 0. p, g, sq, buf [n]
     */
    public final void rmsprop(int n, float[] p, int pOff, float[] g, int gOff, float[] sq, int sOff, float[] buf, int bOff,
                              float lr, double alpha, float eps, float weightDecay, float momentum) {
        checkN(n);
        checkRange("p", p, pOff, n);
        checkRange("g", g, gOff, n);
        checkRange("sq", sq, sOff, n);
        if (momentum != 0f) checkRange("buf", buf, bOff, n);
        checkFinite("lr", lr);
        checkUnit("alpha", alpha);
        checkFinite("eps", eps);
        checkFinite("weightDecay", weightDecay);
        checkFinite("momentum", momentum);
        impl.rmsprop(n, p, pOff, g, gOff, sq, sOff, buf, bOff, lr, alpha, eps, weightDecay, momentum);
    }

    // ---------------------------------------------------------------- argument checks
    // The kernels' own: nn's Require has checks in the same words, but this module sits below nn and cannot
    // depend on it (nor would nn's callers gain from a third module for a dozen one-line checks).

    static void checkNotNull(String name, Object o) {
        if (o == null) throw new IllegalArgumentException(name + ": expected non-null, got null");
    }

    private static void checkN(int n) {
        if (n < 0) throw new IllegalArgumentException("n: expected >= 0, got " + n);
    }

    private static void checkPositive(String name, int n) {
        if (n < 1) throw new IllegalArgumentException(name + ": expected >= 1, got " + n);
    }

    private static void checkBatch(int batch) {
        if (batch < 0) throw new IllegalArgumentException("batch: expected >= 0, got " + batch);
    }

    private static void checkDims(int m, int n, int k) {
        if (m < 0) throw new IllegalArgumentException("m: expected >= 0, got " + m);
        if (n < 0) throw new IllegalArgumentException("n: expected >= 0, got " + n);
        if (k < 0) throw new IllegalArgumentException("k: expected >= 0, got " + k);
    }

    private static void checkFinite(String name, float v) {
        if (!Float.isFinite(v)) throw new IllegalArgumentException(name + ": expected a finite value, got " + v);
    }

    private static void checkFinite(String name, double v) {
        if (!Double.isFinite(v)) throw new IllegalArgumentException(name + ": expected a finite value, got " + v);
    }

    private static void checkUnit(String name, double v) {
        if (!(v >= 0 && v < 1)) throw new IllegalArgumentException(name + ": expected in [0, 1), got " + v);
    }

    /** Checks that {@code a} has exactly {@code length} elements. */
    static void checkLength(String name, float[] a, long length) {
        checkNotNull(name, a);
        if (a.length != length) {
            throw new IllegalArgumentException(name + ": expected length " + length + ", got " + a.length);
        }
    }

    /** Checks that {@code a[off, off + n)} lies inside the array. */
    static void checkRange(String name, float[] a, int off, long n) {
        checkNotNull(name, a);
        if (off < 0) throw new IllegalArgumentException(name + ": expected offset >= 0, got " + off);
        if (off + n > a.length) {
            throw new IllegalArgumentException(name + ": expected length >= " + (off + n) + " (offset " + off
                    + " + " + n + " elements), got " + a.length);
        }
    }

    /** Checks a row-major {@code [rows, cols]} matrix with row distance {@code ld} inside the array. */
    static void checkMatrix(String name, float[] a, int off, int rows, int cols, int ld) {
        checkNotNull(name, a);
        if (ld < cols) {
            throw new IllegalArgumentException(name + ": expected row stride >= " + cols + " (columns), got " + ld);
        }
        if (off < 0) throw new IllegalArgumentException(name + ": expected offset >= 0, got " + off);
        long need = rows == 0 || cols == 0 ? 0 : off + (long) (rows - 1) * ld + cols;
        if (need > a.length) {
            throw new IllegalArgumentException(name + ": expected length >= " + need + " for [" + rows + ", " + cols
                    + "] at offset " + off + " with row stride " + ld + ", got " + a.length);
        }
    }
}
