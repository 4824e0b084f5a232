"""The coefficients E0..E4 of Approx.tanh: a minimax fit (Lawson's iteration on weighted least squares) of
E(r) ~ (expm1(r) - r) / r^2 on |r| <= 0.35, minimising the relative error of expm1(r) = r + r^2 E(r);
rounded to float and checked again. Run: /usr/bin/python3 scripts/fit_tanh_expm1.py [degree, default 4]"""
import sys
import numpy as np, mpmath as mp
mp.mp.dps = 40
R = 0.3466 * 1.01
deg = int(sys.argv[1]) if len(sys.argv) > 1 else 4
xs = np.cos(np.linspace(0, np.pi, 4001)) * R
xs = xs[np.abs(xs) > 1e-6]
ex = np.array([float((mp.expm1(mp.mpf(x)) - x) / (mp.mpf(x) ** 2)) for x in xs])
em1 = np.array([float(mp.expm1(mp.mpf(x))) for x in xs])
wrel = xs ** 2 / np.abs(em1)          # relative error of expm1 per unit error in P
# E0 is held at 1/2 exactly (the Taylor coefficient; the kernel shares that constant), E1..E<deg> are fitted
A = np.vander(xs, deg + 1, increasing=True)[:, 1:]
ex = ex - 0.5
w = np.ones_like(xs)
for it in range(200):
    W = np.sqrt(w) * wrel
    c, *_ = np.linalg.lstsq(A * W[:, None], ex * W, rcond=None)
    err = np.abs((A @ c - ex) * wrel)
    w = w * err; w /= w.sum()
c = np.concatenate([[0.5], c])
A = np.vander(xs, deg + 1, increasing=True)
ex = ex + 0.5
c32 = c.astype(np.float32)
err32 = np.max(np.abs((A @ c32.astype(np.float64) - ex) * wrel))
print("deg", deg, "max rel err (double coeffs) %.3e, float coeffs %.3e" % (np.max(err), err32))
for i, v in enumerate(c32):
    print("E%d = %.9ef  (%r)" % (i, v, float(v)))
