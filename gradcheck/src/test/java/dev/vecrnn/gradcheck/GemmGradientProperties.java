package dev.vecrnn.gradcheck;

import dev.vecrnn.kernels.Kernels;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.util.List;

/**
 * gemmNN and gemmTN as the gradient of gemmNT: for {@code C = A B^T} and {@code L = sum(C * R)},
 * {@code dL/dA = R B} (gemmNN) and {@code dL/dB = R^T A} (gemmTN). Matrices sit at offsets with row
 * strides wider than their rows (the gap must get no gradient); with {@code accumulate} the products
 * add to a gradient already holding {@code G0}, the gradient of an extra term {@code sum(A * G0)}.
 */
class GemmGradientProperties {

    @Provide
    Arbitrary<String> impls() {
        return KernelImpls.names();
    }

    @Property(tries = 100)
    void gemmNnAndTnAreTheGradientOfGemmNt(@ForAll("impls") String impl, @ForAll @IntRange(min = 1, max = 19) int m,
                                            @ForAll @IntRange(min = 1, max = 19) int n, @ForAll @IntRange(min = 1, max = 19) int k,
                                            @ForAll @IntRange(max = 3) int pad, @ForAll @IntRange(max = 3) int off,
                                            @ForAll boolean accumulate, @ForAll long seed) {
        Kernels kn = KernelImpls.byName(impl);
        Data d = new Data(seed);
        int lda = k + pad, ldb = k + (pad + 1) % 4, ldc = n + pad;
        float[] a = d.signed(off + m * lda, 1);
        float[] b = d.signed(off + n * ldb, 1);
        float[] r = d.signed(m * n, 1);
        float[] c0 = d.signed(off + m * ldc, 1);
        float[] ga0 = accumulate ? d.signed(a.length, 1) : new float[a.length];
        float[] gb0 = accumulate ? d.signed(b.length, 1) : new float[b.length];
        float[] c = new float[c0.length];
        GradCheck.LossFunction loss = () -> {
            System.arraycopy(c0, 0, c, 0, c.length);
            kn.gemmNT(m, n, k, a, off, lda, b, off, ldb, c, off, ldc, accumulate);
            double s = 0;
            for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) s += (double) c[off + i * ldc + j] * r[i * n + j];
            return accumulate ? s + Data.dot(a, ga0) + Data.dot(b, gb0) : s;
        };
        float[] da = ga0.clone();
        float[] db = gb0.clone();
        kn.gemmNN(m, k, n, r, 0, n, b, off, ldb, da, off, lda, accumulate);
        kn.gemmTN(n, k, m, r, 0, n, a, off, lda, db, off, ldb, accumulate);
        Checks.assertGradients(d, impl + " gemm m=" + m + " n=" + n + " k=" + k + " pad=" + pad + " off=" + off
                        + " accumulate=" + accumulate, loss,
                List.of(GradCheck.Input.of("A", a, da), GradCheck.Input.of("B", b, db)),
                GradCheck.Options.defaults().sample(64, seed));
    }
}
