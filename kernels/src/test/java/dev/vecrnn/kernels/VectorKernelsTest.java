package dev.vecrnn.kernels;

import java.util.Map;

import dev.vecrnn.kernels.Reference.Op;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * dot, axpy, scale, sumSquares and the dense products against the double reference.
 * Tolerances ({@link Fp}): sums of n terms within min(n 2^-24, 1e-5) of the sum of |terms|;
 * axpy and scale one or two roundings per element.
 */
class VectorKernelsTest {

    @Property(tries = 80)
    void dot(@ForAll(supplier = Gen.Size.class) int n, @ForAll long seed) {
        Data d = new Data(seed);
        int xo = d.offset(), yo = d.offset();
        float[] x = d.vector(xo, n), y = d.vector(yo, n);
        new Check("dot n=" + n).value("dot", Reference.dot(n, x, xo, y, yo)).readOnly(x, y)
                .on(k -> Map.of("dot", new float[] {k.dot(n, x, xo, y, yo)}));
    }

    @Property(tries = 80)
    void sumSquares(@ForAll(supplier = Gen.Size.class) int n, @ForAll long seed) {
        Data d = new Data(seed);
        int xo = d.offset();
        float[] x = d.vector(xo, n);
        new Check("sumSquares n=" + n).value("sum", Reference.dot(n, x, xo, x, xo)).readOnly(x)
                .on(k -> Map.of("sum", new float[] {k.sumSquares(n, x, xo)}));
    }

    // NaN, +inf and -inf planted at two random places (the first one decides) and none at all; the
    // largest finite floats, subnormals and -0 around them must not count
    @Property(tries = 120)
    void firstNonFinite(@ForAll(supplier = Gen.Size.class) int n, @ForAll long seed) {
        Data d = new Data(seed);
        java.util.Random rnd = new java.util.Random(seed);
        int xo = d.offset();
        float[] x = d.vector(xo, n);
        float[] edges = {Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE, -0f, 1e-40f};
        for (int i = 0; i < n; i++) if (rnd.nextInt(4) == 0) x[xo + i] = edges[rnd.nextInt(edges.length)];
        float[] bad = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.intBitsToFloat(0x7fc12345)};
        for (Kernels k : Impls.all()) {
            org.junit.jupiter.api.Assertions.assertEquals(-1, k.firstNonFinite(n, x, xo), k.name() + " all finite, n=" + n);
            if (n == 0) continue;
            int first = rnd.nextInt(n), second = first + rnd.nextInt(n - first);
            float[] y = x.clone();
            y[xo + second] = bad[rnd.nextInt(bad.length)];
            y[xo + first] = bad[rnd.nextInt(bad.length)];
            org.junit.jupiter.api.Assertions.assertEquals(first, k.firstNonFinite(n, y, xo),
                    k.name() + " n=" + n + " values " + y[xo + first] + " at " + first + " and " + y[xo + second] + " at " + second);
            // a non-finite value just past the range is not looked at
            if (xo + n < y.length) {
                float[] z = x.clone();
                z[xo + n] = Float.NaN;
                org.junit.jupiter.api.Assertions.assertEquals(-1, k.firstNonFinite(n, z, xo), k.name() + " past the end, n=" + n);
            }
        }
    }

    // y += a x: one fma (or a product and a sum) per element
    @Property(tries = 80)
    void axpy(@ForAll(supplier = Gen.Size.class) int n, @ForAll long seed) {
        Data d = new Data(seed);
        int xo = d.offset(), yo = d.offset();
        float a = d.value();
        float[] x = d.vector(xo, n), y = d.vector(yo, n);
        Fp[] ref = new Fp[n];
        for (int i = 0; i < n; i++) ref[i] = Fp.x(y[yo + i]).plus(Fp.x(a).times(Fp.x(x[xo + i])));
        new Check("axpy n=" + n).vector("y", yo, ref).readOnly(x).on(k -> {
            float[] yy = y.clone();
            k.axpy(n, a, x, xo, yy, yo);
            return Map.of("y", yy);
        });
    }

    // x *= a: one rounding per element
    @Property(tries = 80)
    void scale(@ForAll(supplier = Gen.Size.class) int n, @ForAll long seed) {
        Data d = new Data(seed);
        int xo = d.offset();
        float a = d.value();
        float[] x = d.vector(xo, n);
        Fp[] ref = new Fp[n];
        for (int i = 0; i < n; i++) ref[i] = Fp.x(a).times(Fp.x(x[xo + i]));
        new Check("scale n=" + n).vector("x", xo, ref).on(k -> {
            float[] xx = x.clone();
            k.scale(n, a, xx, xo);
            return Map.of("x", xx);
        });
    }

    @Property(tries = 40)
    void gemmNT(@ForAll(supplier = Gen.Dim.class) int m, @ForAll(supplier = Gen.Dim.class) int n,
                @ForAll(supplier = Gen.Size.class) int k, @ForAll boolean accumulate, @ForAll long seed) {
        gemm(Op.NT, m, n, k, accumulate, seed);
    }

    @Property(tries = 40)
    void gemmNN(@ForAll(supplier = Gen.Dim.class) int m, @ForAll(supplier = Gen.Dim.class) int n,
                @ForAll(supplier = Gen.Size.class) int k, @ForAll boolean accumulate, @ForAll long seed) {
        gemm(Op.NN, m, n, k, accumulate, seed);
    }

    @Property(tries = 40)
    void gemmTN(@ForAll(supplier = Gen.Dim.class) int m, @ForAll(supplier = Gen.Dim.class) int n,
                @ForAll(supplier = Gen.Size.class) int k, @ForAll boolean accumulate, @ForAll long seed) {
        gemm(Op.TN, m, n, k, accumulate, seed);
    }

    private static void gemm(Op op, int m, int n, int k, boolean accumulate, long seed) {
        Data d = new Data(seed);
        // a [m, k] or, for TN, [k, m]; b [n, k] for NT, else [k, n]
        int aRows = op == Op.TN ? k : m, aCols = op == Op.TN ? m : k;
        int bRows = op == Op.NT ? n : k, bCols = op == Op.NT ? k : n;
        int ao = d.offset(), lda = d.stride(aCols), bo = d.offset(), ldb = d.stride(bCols);
        int co = d.offset(), ldc = d.stride(n);
        float[] a = d.matrix(ao, aRows, aCols, lda), b = d.matrix(bo, bRows, bCols, ldb), c = d.matrix(co, m, n, ldc);
        Fp[] ref = Reference.gemm(op, m, n, k, a, ao, lda, b, bo, ldb, accumulate ? c : null, co, ldc);
        new Check("gemm" + op + " m=" + m + " n=" + n + " k=" + k + " accumulate=" + accumulate)
                .matrix("c", co, m, n, ldc, ref).readOnly(a, b).on(kern -> {
                    float[] cc = c.clone();
                    switch (op) {
                        case NT -> kern.gemmNT(m, n, k, a, ao, lda, b, bo, ldb, cc, co, ldc, accumulate);
                        case NN -> kern.gemmNN(m, n, k, a, ao, lda, b, bo, ldb, cc, co, ldc, accumulate);
                        case TN -> kern.gemmTN(m, n, k, a, ao, lda, b, bo, ldb, cc, co, ldc, accumulate);
                    }
                    return Map.of("c", cc);
                });
    }
}
