package dev.vecrnn.kernels;

import java.util.HashMap;
import java.util.Map;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * SGD, Adam / AdamW and RMSprop against {@link Reference}'s PyTorch update rules, one step from a random
 * state. Tolerance ({@link Fp}): one rounding per operation, propagated (a division by a small
 * denominator amplifies it; the bound follows).
 */
class OptimizerTest {

    @Provide
    Arbitrary<Float> lr() {
        return Arbitraries.of(1e-3f, 0.01f, 0.1f, 1f);
    }

    @Provide
    Arbitrary<Float> decay() {
        return Arbitraries.of(0f, 1e-4f, 0.01f, 0.1f);
    }

    @Property(tries = 80)
    void sgd(@ForAll(supplier = Gen.Size.class) int n, @ForAll("lr") float lr, @ForAll("decay") float wd,
             @ForAll SgdMode mode, @ForAll long seed) {
        Data d = new Data(seed);
        float momentum = mode == SgdMode.PLAIN ? 0f : 0.9f;
        // dampening without momentum: PyTorch ignores it, so must the kernel
        float dampening = mode == SgdMode.NESTEROV ? 0f : mode == SgdMode.DAMPENED ? 0.3f : d.random.nextBoolean() ? 0f : 0.5f;
        boolean nesterov = mode == SgdMode.NESTEROV;
        int po = d.offset(), go = d.offset(), bo = d.offset();
        float[] p = d.vector(po, n), g = d.vector(go, n), buf = momentum == 0f && d.random.nextBoolean() ? null : d.vector(bo, n);
        Fp[] refP = new Fp[n], refBuf = new Fp[n];
        for (int i = 0; i < n; i++) {
            Fp[] r = Reference.sgd(p[po + i], g[go + i], buf == null ? 0 : buf[bo + i], lr, momentum, dampening, wd, nesterov);
            refP[i] = r[0];
            refBuf[i] = r[1];
        }
        Check c = new Check("sgd n=" + n + " " + mode + " lr=" + lr + " wd=" + wd + " dampening=" + dampening).vector("p", po, refP).readOnly(g);
        if (buf != null) c.vector("buf", bo, refBuf);
        c.on(k -> {
            float[] pp = p.clone(), bb = buf == null ? null : buf.clone();
            k.sgd(n, pp, po, g, go, bb, bo, lr, momentum, dampening, wd, nesterov);
            Map<String, float[]> r = new HashMap<>();
            r.put("p", pp);
            if (bb != null) r.put("buf", bb);
            return r;
        });
    }

    enum SgdMode { PLAIN, MOMENTUM, DAMPENED, NESTEROV }

    @Property(tries = 80)
    void adam(@ForAll(supplier = Gen.Size.class) int n, @ForAll("lr") float lr, @ForAll("decay") float wd,
              @ForAll boolean decoupled, @ForAll long seed) {
        Data d = new Data(seed);
        float beta1 = new float[] {0f, 0.5f, 0.9f}[d.random.nextInt(3)];
        float beta2 = new float[] {0f, 0.9f, 0.999f}[d.random.nextInt(3)];
        float eps = new float[] {1e-8f, 1e-6f, 0.1f}[d.random.nextInt(3)];
        long step = new long[] {1, 2, 10, 1000}[d.random.nextInt(4)];
        int po = d.offset(), go = d.offset(), mo = d.offset(), vo = d.offset();
        float[] p = d.vector(po, n), g = d.vector(go, n), m = d.vector(mo, n), v = d.vector(vo, n, () -> d.between(0, 9));
        Fp[] rp = new Fp[n], rm = new Fp[n], rv = new Fp[n];
        for (int i = 0; i < n; i++) {
            Fp[] r = Reference.adam(p[po + i], g[go + i], m[mo + i], v[vo + i], lr, beta1, beta2, eps, wd, decoupled, step);
            rp[i] = r[0];
            rm[i] = r[1];
            rv[i] = r[2];
        }
        new Check((decoupled ? "adamW" : "adam") + " n=" + n + " lr=" + lr + " betas=" + beta1 + "," + beta2 + " eps=" + eps
                + " wd=" + wd + " step=" + step).vector("p", po, rp).vector("m", mo, rm).vector("v", vo, rv).readOnly(g).on(k -> {
                    float[] pp = p.clone(), mm = m.clone(), vv = v.clone();
                    k.adam(n, pp, po, g, go, mm, mo, vv, vo, lr, beta1, beta2, eps, wd, decoupled, step);
                    return Map.of("p", pp, "m", mm, "v", vv);
                });
    }

    @Property(tries = 80)
    void rmsprop(@ForAll(supplier = Gen.Size.class) int n, @ForAll("lr") float lr, @ForAll("decay") float wd,
                 @ForAll boolean withMomentum, @ForAll long seed) {
        Data d = new Data(seed);
        float alpha = new float[] {0f, 0.9f, 0.99f}[d.random.nextInt(3)];
        float eps = new float[] {1e-8f, 1e-6f}[d.random.nextInt(2)];
        float momentum = withMomentum ? 0.9f : 0f;
        int po = d.offset(), go = d.offset(), so = d.offset(), bo = d.offset();
        float[] p = d.vector(po, n), g = d.vector(go, n), sq = d.vector(so, n, () -> d.between(0, 9));
        float[] buf = withMomentum ? d.vector(bo, n) : null;
        Fp[] rp = new Fp[n], rs = new Fp[n], rb = new Fp[n];
        for (int i = 0; i < n; i++) {
            Fp[] r = Reference.rmsprop(p[po + i], g[go + i], sq[so + i], withMomentum ? buf[bo + i] : 0, lr, alpha, eps, wd, momentum);
            rp[i] = r[0];
            rs[i] = r[1];
            rb[i] = r[2];
        }
        Check c = new Check("rmsprop n=" + n + " lr=" + lr + " alpha=" + alpha + " eps=" + eps + " wd=" + wd + " momentum=" + momentum)
                .vector("p", po, rp).vector("sq", so, rs).readOnly(g);
        if (withMomentum) c.vector("buf", bo, rb);
        c.on(k -> {
            float[] pp = p.clone(), ss = sq.clone(), bb = buf == null ? null : buf.clone();
            k.rmsprop(n, pp, po, g, go, ss, so, bb, bo, lr, alpha, eps, wd, momentum);
            Map<String, float[]> r = new HashMap<>();
            r.put("p", pp);
            r.put("sq", ss);
            if (bb != null) r.put("buf", bb);
            return r;
        });
    }
}
