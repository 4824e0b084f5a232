package dev.vecrnn.kernels;

import java.util.Map;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * The pointwise cell steps against {@link Reference}'s per-unit math (one batch row, H = n). Tolerance
 * ({@link Fp}): 2 ulp per tanh or sigmoid, one rounding per other operation, propagated along the chain.
 */
class CellTest {

    /** Pre-activations: [-3, 3], times 3 now and then to reach saturation. */
    private static float[] pre(Data d, int off, int n) {
        float scale = d.random.nextBoolean() ? 1f : 3f;
        return d.vector(off, n, () -> d.value() * scale);
    }

    @Property(tries = 80)
    void lstmForward(@ForAll(supplier = Gen.Size.class) int n, @ForAll boolean withCPrev, @ForAll long seed) {
        Data d = new Data(seed);
        int go = d.offset(), po = d.offset(), co = d.offset(), ho = d.offset();
        float[] gates = pre(d, go, 4 * n), cPrev = withCPrev ? d.vector(po, n) : null, c = d.vector(co, n), h = d.vector(ho, n);
        Fp[] acts = new Fp[4 * n], cs = new Fp[n], hs = new Fp[n];
        for (int j = 0; j < n; j++) {
            Fp[] r = Reference.lstmForward(gates[go + j], gates[go + n + j], gates[go + 2 * n + j], gates[go + 3 * n + j],
                    withCPrev ? cPrev[po + j] : 0);
            for (int q = 0; q < 4; q++) acts[q * n + j] = r[q];
            cs[j] = r[4];
            hs[j] = r[5];
        }
        new Check("lstmForward n=" + n + " cPrev=" + withCPrev).vector("gates", go, acts).vector("c", co, cs).vector("h", ho, hs)
                .readOnly(cPrev).on(k -> {
                    float[] g = gates.clone(), cc = c.clone(), hh = h.clone();
                    k.lstmForward(n, g, go, cPrev, po, cc, co, hh, ho);
                    return Map.of("gates", g, "c", cc, "h", hh);
                });
    }

    @Property(tries = 80)
    void lstmBackward(@ForAll(supplier = Gen.Size.class) int n, @ForAll boolean withCPrev, @ForAll long seed) {
        Data d = new Data(seed);
        int ao = d.offset(), po = d.offset(), co = d.offset(), dho = d.offset(), dco = d.offset(), go = d.offset();
        // activations as forward leaves them: i, f, o in (0, 1), g in (-1, 1)
        float[] acts = d.vector(ao, 4 * n, () -> 0);
        for (int j = 0; j < 4 * n; j++) acts[ao + j] = j / n == 2 ? d.between(-1, 1) : d.between(0, 1);
        float[] cPrev = withCPrev ? d.vector(po, n) : null, c = d.vector(co, n), dh = d.vector(dho, n), dc = d.vector(dco, n);
        float[] dGates = d.vector(go, 4 * n);
        Fp[] dg = new Fp[4 * n], dcPrev = new Fp[n];
        for (int j = 0; j < n; j++) {
            Fp[] r = Reference.lstmBackward(acts[ao + j], acts[ao + n + j], acts[ao + 2 * n + j], acts[ao + 3 * n + j],
                    c[co + j], withCPrev ? cPrev[po + j] : 0, dh[dho + j], dc[dco + j]);
            for (int q = 0; q < 4; q++) dg[q * n + j] = r[q];
            dcPrev[j] = r[4];
        }
        new Check("lstmBackward n=" + n + " cPrev=" + withCPrev).vector("dGates", go, dg).vector("dc", dco, dcPrev)
                .readOnly(acts, cPrev, c, dh).on(k -> {
                    float[] g = dGates.clone(), dcc = dc.clone();
                    k.lstmBackward(n, acts, ao, cPrev, po, c, co, dh, dho, dcc, dco, g, go);
                    return Map.of("dGates", g, "dc", dcc);
                });
    }

    @Property(tries = 80)
    void gruForward(@ForAll(supplier = Gen.Size.class) int n, @ForAll boolean withHPrev, @ForAll long seed) {
        Data d = new Data(seed);
        int go = d.offset(), po = d.offset(), ho = d.offset();
        float[] gates = pre(d, go, 4 * n), hPrev = withHPrev ? d.vector(po, n, () -> d.between(-1, 1)) : null, h = d.vector(ho, n);
        Fp[] acts = new Fp[4 * n], hs = new Fp[n];
        for (int j = 0; j < n; j++) {
            float nh = gates[go + 3 * n + j];
            Fp[] r = Reference.gruForward(gates[go + j], gates[go + n + j], gates[go + 2 * n + j], nh, withHPrev ? hPrev[po + j] : 0);
            acts[j] = r[0];
            acts[n + j] = r[1];
            acts[2 * n + j] = r[2];
            acts[3 * n + j] = Fp.x(nh);
            hs[j] = r[3];
        }
        new Check("gruForward n=" + n + " hPrev=" + withHPrev).vector("gates", go, acts).vector("h", ho, hs).readOnly(hPrev)
                .on(k -> {
                    float[] g = gates.clone(), hh = h.clone();
                    k.gruForward(n, g, go, hPrev, po, hh, ho);
                    return Map.of("gates", g, "h", hh);
                });
    }

    @Property(tries = 80)
    void gruBackward(@ForAll(supplier = Gen.Size.class) int n, @ForAll boolean withHPrev, @ForAll long seed) {
        Data d = new Data(seed);
        int ao = d.offset(), po = d.offset(), dho = d.offset(), go = d.offset(), dpo = d.offset();
        // activations as forward leaves them: r, z in (0, 1), n in (-1, 1), n_h any
        float[] acts = d.vector(ao, 4 * n, () -> 0);
        for (int j = 0; j < 4 * n; j++) acts[ao + j] = j / n < 2 ? d.between(0, 1) : j / n == 2 ? d.between(-1, 1) : d.value();
        float[] hPrev = withHPrev ? d.vector(po, n, () -> d.between(-1, 1)) : null, dh = d.vector(dho, n);
        float[] dGates = d.vector(go, 4 * n), dhPrev = d.vector(dpo, n);
        Fp[] dg = new Fp[4 * n], dp = new Fp[n];
        for (int j = 0; j < n; j++) {
            Fp[] r = Reference.gruBackward(acts[ao + j], acts[ao + n + j], acts[ao + 2 * n + j], acts[ao + 3 * n + j],
                    withHPrev ? hPrev[po + j] : 0, dh[dho + j]);
            for (int q = 0; q < 4; q++) dg[q * n + j] = r[q];
            dp[j] = r[4];
        }
        new Check("gruBackward n=" + n + " hPrev=" + withHPrev).vector("dGates", go, dg).vector("dhPrev", dpo, dp)
                .readOnly(acts, hPrev, dh).on(k -> {
                    float[] g = dGates.clone(), p = dhPrev.clone();
                    k.gruBackward(n, acts, ao, hPrev, po, dh, dho, g, go, p, dpo);
                    return Map.of("dGates", g, "dhPrev", p);
                });
    }

    // h = tanh(pre) or relu(pre); dPre = dh (1 - h^2) or (h > 0 ? dh : 0)
    @Property(tries = 80)
    void rnnForwardAndBackward(@ForAll(supplier = Gen.Size.class) int n, @ForAll boolean relu, @ForAll long seed) {
        Data d = new Data(seed);
        int po = d.offset(), ho = d.offset(), dho = d.offset(), dpo = d.offset();
        float[] pre = pre(d, po, n), h = d.vector(ho, n);
        Fp[] hs = new Fp[n];
        for (int j = 0; j < n; j++) hs[j] = relu ? Fp.x(pre[po + j]).relu() : Fp.x(pre[po + j]).tanh();
        new Check("rnnForward n=" + n + " relu=" + relu).vector("h", ho, hs).readOnly(pre).on(k -> {
            float[] hh = h.clone();
            k.rnnForward(n, relu, pre, po, hh, ho);
            return Map.of("h", hh);
        });
        float[] hv = d.vector(ho, n, () -> relu ? (d.random.nextInt(4) == 0 ? 0f : d.value()) : d.between(-1, 1));
        float[] dh = d.vector(dho, n), dPre = d.vector(dpo, n);
        Fp[] ref = new Fp[n];
        for (int j = 0; j < n; j++) {
            Fp y = Fp.x(hv[ho + j]), g = Fp.x(dh[dho + j]);
            ref[j] = relu ? (y.v() > 0 ? g : Fp.ZERO) : g.times(Fp.ONE.minus(y.times(y)));
        }
        new Check("rnnBackward n=" + n + " relu=" + relu).vector("dPre", dpo, ref).readOnly(hv, dh).on(k -> {
            float[] out = dPre.clone();
            k.rnnBackward(n, relu, hv, ho, dh, dho, out, dpo);
            return Map.of("dPre", out);
        });
    }
}
