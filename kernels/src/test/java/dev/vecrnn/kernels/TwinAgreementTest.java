package dev.vecrnn.kernels;

import java.util.Map;
import java.util.function.DoubleSupplier;

import dev.vecrnn.kernels.PackedGates.Cell;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * The scalar and Vector API kernels on inputs the other properties do not reach: magnitudes from 2^-20
 * to 2^20 (cancellation in sums, saturation in activations) and, for the activations, any float bit
 * pattern (NaN, infinities, subnormals). {@link Check} compares each with the reference and the two with
 * each other within twice the reference's bound; relu must agree bit for bit.
 */
class TwinAgreementTest {

    /** sign * [1, 2) * 2^[-20, 20] */
    private static DoubleSupplier wide(Data d) {
        return () -> (d.random.nextBoolean() ? 1 : -1) * (1 + d.random.nextFloat()) * Math.scalb(1f, d.random.nextInt(41) - 20);
    }

    /** Any float, NaNs and infinities included, with 0, +-Inf and NaN mixed in more often. */
    private static DoubleSupplier anyFloat(Data d) {
        float[] specials = {0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, Float.MIN_VALUE, Float.MAX_VALUE};
        return () -> d.random.nextInt(8) == 0 ? specials[d.random.nextInt(specials.length)] : Float.intBitsToFloat(d.random.nextInt());
    }

    @Property(tries = 60)
    void dotAndGemmOfWideValues(@ForAll(supplier = Gen.Size.class) int k, @ForAll(supplier = Gen.Dim.class) int m, @ForAll long seed) {
        Data d = new Data(seed);
        DoubleSupplier w = wide(d);
        int n = 1 + d.random.nextInt(9);
        float[] x = d.vector(1, k, w), y = d.vector(2, k, w);
        new Check("dot wide k=" + k).value("dot", Reference.dot(k, x, 1, y, 2)).on(kern -> Map.of("dot", new float[] {kern.dot(k, x, 1, y, 2)}));
        int lda = k + 3, ldb = k + 1, ldc = n + 2;
        float[] a = d.matrix(3, m, k, lda), b = d.matrix(0, n, k, ldb), c = d.matrix(1, m, n, ldc);
        for (int i = 0; i < m; i++) for (int p = 0; p < k; p++) a[3 + i * lda + p] = (float) w.getAsDouble();
        new Check("gemmNT wide m=" + m + " n=" + n + " k=" + k)
                .matrix("c", 1, m, n, ldc, Reference.gemm(Reference.Op.NT, m, n, k, a, 3, lda, b, 0, ldb, c, 1, ldc)).on(kern -> {
                    float[] cc = c.clone();
                    kern.gemmNT(m, n, k, a, 3, lda, b, 0, ldb, cc, 1, ldc, true);
                    return Map.of("c", cc);
                });
    }

    @Property(tries = 40)
    void gatesOfWideValues(@ForAll Cell cell, @ForAll(supplier = Gen.Size.class) int in, @ForAll(supplier = Gen.Dim.class) int hid,
                           @ForAll(supplier = Gen.Batch.class) int batch, @ForAll long seed) {
        Data d = new Data(seed);
        int h = Math.max(1, hid);
        GateModel m = GateModel.random(d, cell, in, h, h, true);
        DoubleSupplier w = wide(d);
        for (float[] a : new float[][] {m.wih(), m.whh()}) for (int i = 0; i < a.length; i++) a[i] = (float) w.getAsDouble();
        PackedGates p = m.pack();
        float[] x = d.matrix(2, batch, in, in + 1), hs = d.matrix(0, batch, h, h), out = d.matrix(1, batch, m.outputs(), m.outputs());
        new Check("gates wide " + cell + " I=" + in + " H=" + h + " batch=" + batch)
                .matrix("out", 1, batch, m.outputs(), m.outputs(), m.gates(batch, x, 2, in + 1, hs, 0, h, true, null, 0, 0)).on(k -> {
                    float[] o = out.clone();
                    k.gates(p, batch, x, 2, in + 1, hs, 0, h, o, 1, m.outputs());
                    return Map.of("out", o);
                });
    }

    @Property(tries = 60)
    void activationsOfAnyFloat(@ForAll(supplier = Gen.Size.class) int n, @ForAll long seed) {
        Data d = new Data(seed);
        float[] x = d.vector(3, n, anyFloat(d)), y = d.vector(1, n);
        Fp[] t = new Fp[n], s = new Fp[n], r = new Fp[n];
        for (int i = 0; i < n; i++) {
            Fp xi = Fp.x(x[3 + i]);
            t[i] = xi.tanh();
            s[i] = xi.sigmoid();
            r[i] = new Fp(xi.relu().v(), 0);
        }
        new Check("tanh any n=" + n).vector("y", 1, t).readOnly(x).on(k -> run(y, yy -> k.tanh(n, x, 3, yy, 1)));
        new Check("sigmoid any n=" + n).vector("y", 1, s).readOnly(x).on(k -> run(y, yy -> k.sigmoid(n, x, 3, yy, 1)));
        new Check("relu any n=" + n).vector("y", 1, r).readOnly(x).on(k -> run(y, yy -> k.relu(n, x, 3, yy, 1)));
    }

    @Property(tries = 60)
    void cellsAndSoftmaxOfWideValues(@ForAll(supplier = Gen.Positive.class) int n, @ForAll long seed) {
        Data d = new Data(seed);
        DoubleSupplier w = wide(d);
        float[] gates = d.vector(0, 4 * n, w), cPrev = d.vector(2, n, w), c = d.vector(1, n), h = d.vector(3, n);
        Fp[] acts = new Fp[4 * n], cs = new Fp[n], hs = new Fp[n];
        for (int j = 0; j < n; j++) {
            Fp[] r = Reference.lstmForward(gates[j], gates[n + j], gates[2 * n + j], gates[3 * n + j], cPrev[2 + j]);
            for (int q = 0; q < 4; q++) acts[q * n + j] = r[q];
            cs[j] = r[4];
            hs[j] = r[5];
        }
        new Check("lstmForward wide n=" + n).vector("gates", 0, acts).vector("c", 1, cs).vector("h", 3, hs).on(k -> {
            float[] g = gates.clone(), cc = c.clone(), hh = h.clone();
            k.lstmForward(n, g, 0, cPrev, 2, cc, 1, hh, 3);
            return Map.of("gates", g, "c", cc, "h", hh);
        });
        double[] logits = new double[n];
        for (int i = 0; i < n; i++) logits[i] = w.getAsDouble();
        float[] x = d.vector(0, n, () -> 0), y = d.vector(2, n);
        for (int i = 0; i < n; i++) x[i] = (float) logits[i];
        new Check("softmax wide n=" + n).vector("y", 2, Reference.softmax(logits)).on(k -> run(y, yy -> k.softmax(n, x, 0, yy, 2)));
    }

    private static Map<String, float[]> run(float[] y, java.util.function.Consumer<float[]> call) {
        float[] yy = y.clone();
        call.accept(yy);
        return Map.of("y", yy);
    }
}
