package dev.vecrnn.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static dev.vecrnn.kernels.Approx.*;

/** The species, and lane-wise exp, tanh and sigmoid: {@link Approx}'s formulas on vectors. */
final class PanamaMath {
    /** The preferred float species, capped at 512 bits (one panel column of 16 floats at most). */
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED.vectorBitSize() > 512
            ? FloatVector.SPECIES_512 : FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** 1.5 * 2^23: adding and subtracting it rounds a float of magnitude below 2^22 to the nearest integer. */
    private static final float ROUND = 12582912f;

    private PanamaMath() {
    }

    static FloatVector bc(float v) {
        return FloatVector.broadcast(S, v);
    }

    static FloatVector vexp(FloatVector x) {
        FloatVector c = x.max(EXP_LO).min(EXP_HI);
        FloatVector n = c.fma(LOG2E, ROUND).sub(ROUND);
        FloatVector r = n.fma(bc(-LN2_HI), c);
        r = n.fma(bc(-LN2_LO), r);
        FloatVector p = r.fma(C7, C6);
        p = p.fma(r, bc(C5));
        p = p.fma(r, bc(C4));
        p = p.fma(r, bc(C3));
        p = p.fma(r, bc(C2));
        p = p.fma(r, bc(1f));
        p = p.fma(r, bc(1f));
        IntVector e = (IntVector) n.convert(VectorOperators.F2I, 0);
        return p.mul(e.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
    }

    static FloatVector vsigmoid(FloatVector x) {
        FloatVector s = vexp(x.neg()).add(1f);
        FloatVector one = FloatVector.broadcast(S, 1f);
        return one.div(s).blend(0f, x.lt(EXP_LO));
    }

    static FloatVector vtanh(FloatVector x) {
        FloatVector a = x.abs();
        FloatVector u = x.mul(x);
        FloatVector p = u.fma(T4, T3);
        p = p.fma(u, bc(T2));
        p = p.fma(u, bc(T1));
        p = p.fma(u, bc(T0));
        FloatVector small = x.mul(u).fma(p, x);
        FloatVector e = vexp(a.mul(2f)).add(1f);
        FloatVector big = FloatVector.broadcast(S, 1f).sub(FloatVector.broadcast(S, 2f).div(e));
        big = big.blend(big.neg(), x.lt(0f));
        return big.blend(small, a.lt(TANH_SMALL));
    }
}
