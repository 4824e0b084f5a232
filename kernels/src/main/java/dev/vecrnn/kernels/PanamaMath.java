package dev.vecrnn.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static dev.vecrnn.kernels.Approx.*;

/**
 * The species, and lane-wise exp, tanh and sigmoid: {@link Approx}'s formulas on vectors.
 *
 * <p>Constants are {@code static final} vectors rather than broadcasts inside the functions: C2 folds
 * them, and the functions stay small enough to be inlined into their loops. A vector that reaches a
 * call C2 did not inline is boxed, which costs more than the arithmetic (seen with JMH's gc profiler).
 */
final class PanamaMath {
    /** The preferred float species, capped at 512 bits (one panel column of 16 floats at most). */
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED.vectorBitSize() > 512
            ? FloatVector.SPECIES_512 : FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** The largest finite float: a lane is finite when its magnitude is at most this (NaN fails every compare). */
    private static final FloatVector MAX_FINITE = FloatVector.broadcast(S, Float.MAX_VALUE);

    static final FloatVector ONE = FloatVector.broadcast(S, 1f);
    /** The int species of S's shape, for the exponent and sign-bit constants. */
    private static final VectorSpecies<Integer> SI = S.withLanes(int.class);

    private PanamaMath() {
    }

    /**
     * Per-thread room for 16 vectors, where horizontal sums are taken in scalar code. Why not
     * {@code reduceLanes(ADD)}: it may add in another order once C2 has compiled it than before
     * (measured: one dot product gave 223.68106 cold and 223.68109 hot), which would make training
     * depend on JIT timing; and a helper taking a vector boxes it wherever C2 declines to inline it.
     * Storing the vector and summing the floats in a fixed order gives the same bits in every tier.
     */
    static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[16 * L]);

    /** The sum of the L floats at {@code t[off..]}, in a fixed pairwise order. */
    static float sumLanes(float[] t, int off) {
        float s = 0f;
        for (int h = 0; h < L; h += 4) s += (t[off + h] + t[off + h + 1]) + (t[off + h + 2] + t[off + h + 3]);
        return s;
    }

    // Clamps are compare-and-blend, not max/min: with AVX2, Java's max and min (NaN first, -0 below +0) take
    // five instructions each with two blends (seen in the machine code under -XX:UseAVX=2); against the
    // clamp's constants a blend gives the same values, NaN included (it fails both compares and stays NaN).
    // The exp, tanh and sigmoid loops live here, each with the exp written out in its body. They used to
    // share small vector functions, but a vector crossing a call C2 declines to inline (callee too large
    // for a call site it deems cold, or the node budget of a big caller spent) is boxed on every
    // iteration: JMH's gc profiler showed 3 KB per loop iteration. Only JDK methods, which are
    // force-inlined, take or return vectors here.

    // Constants that the exp, sigmoid and tanh loops would pass as scalars to the Vector API are broadcast once
    // before each loop instead. On JDK 17, once other kernels have widened the profiles of the API's shared
    // methods, the scalar forms' extra inlining (a broadcast behind each call) took C2 past its node budget in
    // tanh's loop and in lstmForward (sigmoid and tanh inlined together): the last store was not intrinsified
    // and a vector was boxed on every iteration (tanh 192 bytes per call at 512 bits, lstmForward 2880 at 128).
    // Not static final vectors: on JDK 25 those ran the tanh and sigmoid loops 1.4 times slower (loaded in the
    // loop, it seems, where a broadcast of a constant is hoisted); a local broadcast before the loop is as fast.
    // Every constant of the exp and sigmoid loops is one now (the polynomial's and ln 2's were static finals
    // until the fourteenth session): sigmoid 2.09 against 1.77 elements/ns at 256 bits, 3.02 against 2.89 at
    // 512 (Zen 4, ActivationBench, one run). An Estrin form of exp's polynomial (a shorter dependency chain,
    // more operations) was slower than Horner's at both widths: the loop is bound by throughput, not latency.

    /** y = exp(x - shift) over n floats, and returns the sum of y (the tail in scalar code). */
    static float expLoop(int n, float[] x, int xOff, float shift, float[] y, int yOff) {
        int bound = S.loopBound(n);
        FloatVector c6 = FloatVector.broadcast(S, C6);
        FloatVector c7 = FloatVector.broadcast(S, C7);
        FloatVector log2e = FloatVector.broadcast(S, LOG2E);
        FloatVector round = FloatVector.broadcast(S, ROUND);
        FloatVector hi = FloatVector.broadcast(S, EXP_HI);
        FloatVector lo = FloatVector.broadcast(S, EXP_LO);
        IntVector bias = IntVector.broadcast(SI, EXP_BIAS);
        FloatVector c2 = FloatVector.broadcast(S, C2);
        FloatVector c3 = FloatVector.broadcast(S, C3);
        FloatVector c4 = FloatVector.broadcast(S, C4);
        FloatVector c5 = FloatVector.broadcast(S, C5);
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector negLn2Hi = FloatVector.broadcast(S, -LN2_HI);
        FloatVector negLn2Lo = FloatVector.broadcast(S, -LN2_LO);
        FloatVector sum = FloatVector.zero(S);
        for (int i = 0; i < bound; i += L) {
            FloatVector d = FloatVector.fromArray(S, x, xOff + i).sub(shift);
            FloatVector c = d.blend(lo, d.lt(lo)).blend(hi, d.compare(VectorOperators.GT, hi));
            FloatVector t = c.fma(log2e, round);
            FloatVector k = t.sub(round);
            FloatVector r = k.fma(negLn2Lo, k.fma(negLn2Hi, c));
            FloatVector p = r.fma(c7, c6).fma(r, c5).fma(r, c4).fma(r, c3).fma(r, c2).fma(r, one).fma(r, one);
            IntVector e = t.reinterpretAsInts().add(bias);
            FloatVector v = p.mul(e.lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
            v.intoArray(y, yOff + i);
            sum = sum.add(v);
        }
        float[] t = LANES.get();
        sum.intoArray(t, 0);
        float total = sumLanes(t, 0);
        for (int i = bound; i < n; i++) {
            float v = Approx.exp(x[xOff + i] - shift);
            y[yOff + i] = v;
            total += v;
        }
        return total;
    }

    /** y = sigmoid(x) = 1 / (1 + exp(-x)); 0 below EXP_LO. x and y may be the same. Tail in scalar code. */
    static void sigmoidLoop(int n, float[] x, int xOff, float[] y, int yOff) {
        int bound = S.loopBound(n);
        FloatVector c6 = FloatVector.broadcast(S, C6);
        FloatVector c7 = FloatVector.broadcast(S, C7);
        FloatVector log2e = FloatVector.broadcast(S, LOG2E);
        FloatVector round = FloatVector.broadcast(S, ROUND);
        FloatVector hi = FloatVector.broadcast(S, EXP_HI);
        FloatVector lo = FloatVector.broadcast(S, EXP_LO);
        IntVector bias = IntVector.broadcast(SI, EXP_BIAS);
        FloatVector c2 = FloatVector.broadcast(S, C2);
        FloatVector c3 = FloatVector.broadcast(S, C3);
        FloatVector c4 = FloatVector.broadcast(S, C4);
        FloatVector c5 = FloatVector.broadcast(S, C5);
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector negLn2Hi = FloatVector.broadcast(S, -LN2_HI);
        FloatVector negLn2Lo = FloatVector.broadcast(S, -LN2_LO);
        for (int i = 0; i < bound; i += L) {
            FloatVector xv = FloatVector.fromArray(S, x, xOff + i);
            FloatVector d = xv.neg();
            FloatVector c = d.blend(lo, d.lt(lo)).blend(hi, d.compare(VectorOperators.GT, hi));
            FloatVector t = c.fma(log2e, round);
            FloatVector k = t.sub(round);
            FloatVector r = k.fma(negLn2Lo, k.fma(negLn2Hi, c));
            FloatVector p = r.fma(c7, c6).fma(r, c5).fma(r, c4).fma(r, c3).fma(r, c2).fma(r, one).fma(r, one);
            IntVector e = t.reinterpretAsInts().add(bias);
            FloatVector ex = p.mul(e.lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
            one.div(ex.add(one)).blend(0f, xv.lt(lo)).intoArray(y, yOff + i);
        }
        for (int i = bound; i < n; i++) y[yOff + i] = Approx.sigmoid(x[xOff + i]);
    }

    /**
     * y = tanh(x) = q/(q + 2), q = expm1(2|x|), with the division's rounding corrected, +-1 above TANH_HI,
     * and x's sign bit (see {@link Approx}). Tail in scalar code. The body is written out in the loop, as in
     * the exp and sigmoid loops: as a helper taking a vector it was compiled apart from the loop on JDK 17 in
     * some runs (after other kernels had run), and its argument and intermediates were then boxed, 944 bytes
     * per 37-float call. The sign bit is ORed in int lanes (two ops, where compares and blends took five and
     * a constant: at 256 bits that was 1.15 against 1.27 elements per ns, and it keeps -0 without a case
     * of its own), and the result is multiplied by 1 before the store: on JDK 17, in 3 of 4 measuring JVMs
     * of AllocationTest, C2 compiled the store of a vector straight out of {@code reinterpretAsFloats()}
     * without its intrinsic ("missing constant: vclass=DecodeN"), 192 bytes per call for tanh and the cells.
     */
    static void tanhLoop(int n, float[] x, int xOff, float[] y, int yOff) {
        int bound = S.loopBound(n);
        FloatVector e1 = FloatVector.broadcast(S, E1);
        FloatVector e2 = FloatVector.broadcast(S, E2);
        FloatVector e3 = FloatVector.broadcast(S, E3);
        FloatVector e4 = FloatVector.broadcast(S, E4);
        FloatVector half = FloatVector.broadcast(S, 0.5f);
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector two = FloatVector.broadcast(S, 2f);
        FloatVector negLn2 = FloatVector.broadcast(S, -LN2);
        FloatVector log2e = FloatVector.broadcast(S, LOG2E);
        FloatVector round = FloatVector.broadcast(S, ROUND);
        FloatVector hi = FloatVector.broadcast(S, TANH_HI);
        IntVector bias = IntVector.broadcast(SI, EXP_BIAS);
        IntVector signBit = IntVector.broadcast(SI, 0x80000000);
        for (int i = 0; i < bound; i += L) {
            FloatVector xv = FloatVector.fromArray(S, x, xOff + i);
            FloatVector a = xv.abs();
            FloatVector d = a.add(a);
            VectorMask<Float> sat = d.compare(VectorOperators.GT, hi);
            FloatVector c = d.blend(hi, sat);
            FloatVector t = c.fma(log2e, round);
            FloatVector r = t.sub(round).fma(negLn2, c);
            FloatVector p = r.mul(r).fma(r.fma(e4, e3).fma(r, e2).fma(r, e1).fma(r, half), r);
            FloatVector s = t.reinterpretAsInts().add(bias).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector q = s.fma(p, s.sub(one));
            FloatVector den = q.add(two);
            FloatVector w = q.div(den);
            FloatVector nw = w.neg();
            FloatVector b = nw.fma(two.sub(den).add(q), nw.fma(den, q));
            FloatVector v = b.fma(nw.fma(half, half), w).blend(one, sat);
            v.reinterpretAsInts().or(xv.reinterpretAsInts().and(signBit)).reinterpretAsFloats().mul(one).intoArray(y, yOff + i);
        }
        for (int i = bound; i < n; i++) y[yOff + i] = Approx.tanh(x[xOff + i]);
    }

    static float dot(int n, float[] x, int xOff, float[] y, int yOff) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i + 4 * L <= n; i += 4 * L) {
            a0 = FloatVector.fromArray(S, x, xOff + i).fma(FloatVector.fromArray(S, y, yOff + i), a0);
            a1 = FloatVector.fromArray(S, x, xOff + i + L).fma(FloatVector.fromArray(S, y, yOff + i + L), a1);
            a2 = FloatVector.fromArray(S, x, xOff + i + 2 * L).fma(FloatVector.fromArray(S, y, yOff + i + 2 * L), a2);
            a3 = FloatVector.fromArray(S, x, xOff + i + 3 * L).fma(FloatVector.fromArray(S, y, yOff + i + 3 * L), a3);
        }
        for (int bound = S.loopBound(n); i < bound; i += L) {
            a0 = FloatVector.fromArray(S, x, xOff + i).fma(FloatVector.fromArray(S, y, yOff + i), a0);
        }
        float[] t = PanamaMath.LANES.get();
        a0.add(a1).add(a2.add(a3)).intoArray(t, 0);
        float s = PanamaMath.sumLanes(t, 0);
        for (; i < n; i++) s = Math.fma(x[xOff + i], y[yOff + i], s);
        return s;
    }

    static void axpy(int n, float a, float[] x, int xOff, float[] y, int yOff) {
        FloatVector av = FloatVector.broadcast(S, a);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(S, x, xOff + i).fma(av, FloatVector.fromArray(S, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] = Math.fma(a, x[xOff + i], y[yOff + i]);
    }

    static void scale(int n, float a, float[] x, int xOff) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += L) FloatVector.fromArray(S, x, xOff + i).mul(a).intoArray(x, xOff + i);
        for (int i = bound; i < n; i++) x[xOff + i] *= a;
    }

    static int firstNonFinite(int n, float[] x, int xOff) {
        int bound = S.loopBound(n), i = 0;
        // Whole vectors until one holds a NaN or infinity; the scalar loop then finds it (or the tail's).
        // |x| <= MAX_VALUE rather than test(IS_FINITE): on JDK 17 that test compares the lanes' bits with an
        // int broadcast that is not intrinsified, 96 bytes allocated per vector (JMH's gc profiler and JFR,
        // 384 B per GRU step at 64); the compare of two vectors is intrinsified on every JDK.
        for (; i < bound; i += L) {
            if (!FloatVector.fromArray(S, x, xOff + i).abs().compare(VectorOperators.LE, MAX_FINITE).allTrue()) break;
        }
        for (; i < n; i++) if (!Float.isFinite(x[xOff + i])) return i;
        return -1;
    }
}
