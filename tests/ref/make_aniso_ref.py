#!/usr/bin/python3
"""Independent NumPy reference for anisotropic inputs (THEORY.md section 11;
src/theory_aniso.c, tests/test_theory_aniso.c).

Writes three CSV files next to this script:
  aniso_fp_ref.csv  the deterministic equivalent of ridge / min-norm: the
                    fixed point solved in u = 1/kappa by plain bisection (not
                    the library's safeguarded Newton in kappa), bias and
                    variance by the direct formulas (the library uses a
                    rearranged, positive-term denominator).
  aniso_mc_ref.csv  Monte Carlo of the ridge / min-norm risk |b_hat - b|_Sigma^2
                    at d = 400, power-law spectra alpha in {0.5, 1.5}, the
                    teacher in the top eigen-direction, in the tail one, or
                    uniform on the sphere; conditional means over the noise
                    (and over the uniform teacher) are exact given X, so the
                    only randomness is X. The relative error of the
                    deterministic equivalent is a column.
  aniso_lt_ref.csv  Monte Carlo of linear transfer (fit on z = x . beta_s)
                    against its exact mean.

Run: /usr/bin/python3 tests/ref/make_aniso_ref.py  (about a minute).
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ALIGN = {0: "random", 1: "top", 2: "tail"}


def powerlaw(d, alpha):
    e = np.arange(1, d + 1, dtype=float) ** (-alpha)
    return e * d / e.sum()


def beta2_of(d, align):
    b = np.zeros(d)
    if align == 0:
        b[:] = 1.0 / d
    elif align == 1:
        b[0] = 1.0
    else:
        b[-1] = 1.0
    return b


def kappa_ref(e, n, lam):
    """kappa = 1/u, u the root of G(u) = lam u + (1/n) sum e u/(1 + e u) - 1
    (increasing in u), by bisection on log u; lam = 0 and n >= d: kappa = 0."""
    d = len(e)
    if lam == 0.0 and n >= d:
        return 0.0

    def G(u):
        return lam * u + np.sum(e * u / (1.0 + e * u)) / n - 1.0

    lo, hi = 1e-300, 1.0
    while G(hi) < 0.0:
        hi *= 2.0
    lo = hi
    while G(lo) > 0.0:
        lo /= 2.0
    for _ in range(400):
        mid = np.sqrt(lo * hi)
        if mid <= lo or mid >= hi:
            break
        if G(mid) < 0.0:
            lo = mid
        else:
            hi = mid
    return 1.0 / np.sqrt(lo * hi)


def de_ref(e, b2, n, lam, sigma):
    k = kappa_ref(e, n, lam)
    d = len(e)
    if k == 0.0:
        return k, 0.0, (sigma**2 * d / (n - d) if n > d else np.inf)
    df2 = np.sum(e**2 / (e + k) ** 2)
    bias = k**2 * np.sum(e * b2 / (e + k) ** 2) / (1.0 - df2 / n)
    var = sigma**2 * df2 / (n - df2)
    return k, bias, var


def write_fp():
    rows = []
    for d in (50, 400):
        for alpha in (0.0, 0.5, 1.5, 3.0):
            e = powerlaw(d, alpha)
            for n in (d // 5, d // 2, d - 2, d, d + 2, 2 * d):
                for lam in (0.0, 1e-6, 1e-3, 0.1, 1.0, 10.0):
                    for align in (0, 1, 2):
                        k, b, v = de_ref(e, beta2_of(d, align), n, lam, 0.5)
                        rows.append((d, n, alpha, align, lam, 0.5, k, b, v))
    with open(os.path.join(HERE, "aniso_fp_ref.csv"), "w") as f:
        f.write("d,n,alpha,align,lambda,sigma,kappa,bias,var\n")
        for r in rows:
            f.write("%d,%d,%.17g,%d,%.17g,%.17g,%.17g,%.17g,%.17g\n" % r)
    return len(rows)


def conditional_risks(X, e, n, lams, sigma):
    """E over the noise of |b_hat - b|_Sigma^2 given X, for the teacher e_1
    (top), e_d (tail) and uniform on the sphere (random), at each lambda."""
    d = X.shape[1]
    _, s, Vt = np.linalg.svd(X, full_matrices=False)
    keep = s > 1e-10 * s[0]
    s, Vt = s[keep], Vt[keep]
    V = Vt.T
    SV = e[:, None] * V
    vsv = np.einsum("ij,ij->j", V, SV)  # v_j^T Sigma v_j
    out = {}
    for lam in lams:
        f = s**2 / (s**2 + n * lam)
        g = s / (s**2 + n * lam)
        var = sigma**2 * np.sum(g**2 * vsv)
        risks = []
        for align in (0, 1, 2):
            if align == 0:
                bias = (np.sum(e) - 2.0 * np.sum(f * vsv) + np.sum(f * f * vsv)) / d
            else:
                i = 0 if align == 1 else d - 1
                w = V @ (f * V[i])
                w[i] -= 1.0
                bias = np.sum(e * w * w)
            risks.append(bias + var)
        out[lam] = risks
    return out


def write_mc(draws=200, d=400, sigma=0.5):
    rng = np.random.default_rng(20261206)
    lams = (0.0, 0.1)
    rows = []
    for alpha in (0.5, 1.5):
        e = powerlaw(d, alpha)
        for n in (200, 800):
            acc = {(lam, a): [] for lam in lams for a in (0, 1, 2)}
            for _ in range(draws):
                X = rng.standard_normal((n, d)) * np.sqrt(e)
                for lam, risks in conditional_risks(X, e, n, lams, sigma).items():
                    for a in (0, 1, 2):
                        acc[(lam, a)].append(risks[a])
            for lam in lams:
                for a in (0, 1, 2):
                    r = np.array(acc[(lam, a)])
                    mean, se = r.mean(), r.std(ddof=1) / np.sqrt(len(r))
                    _, b, v = de_ref(e, beta2_of(d, a), n, lam, sigma)
                    de = b + v
                    rows.append((d, n, alpha, a, lam, sigma, draws, mean, se, de, (de - mean) / mean))
                    print("mc d %d n %d alpha %.1f %-6s lambda %.2g: %.6f +- %.6f, DE %.6f, rel err %+.4f (%.1f se)"
                          % (d, n, alpha, ALIGN[a], lam, mean, se, de, (de - mean) / mean, (de - mean) / se))
    with open(os.path.join(HERE, "aniso_mc_ref.csv"), "w") as f:
        f.write("d,n,alpha,align,lambda,sigma,draws,mc_mean,mc_se,de_risk,rel_err\n")
        for r in rows:
            f.write("%d,%d,%.17g,%d,%.17g,%.17g,%d,%.17g,%.17g,%.17g,%.17g\n" % r)


def write_lt(draws=20000, d=50, sigma=0.5):
    """beta_s = cos(ps) e_1 + sin(ps) e_2, beta_t = cos(pt) e_1 + sin(pt) e_d."""
    rng = np.random.default_rng(7)
    rows = []
    for alpha in (0.0, 1.0):
        e = powerlaw(d, alpha)
        for n, ps, pt in ((6, 0.3, 0.5), (10, 0.0, 1.0), (40, 0.7, 0.2)):
            bs = np.zeros(d)
            bs[0], bs[1] = np.cos(ps), np.sin(ps)
            bt = np.zeros(d)
            bt[0], bt[-1] = np.cos(pt), np.sin(pt)
            X = rng.standard_normal((draws, n, d)) * np.sqrt(e)
            y = X @ bt + sigma * rng.standard_normal((draws, n))
            z = X @ bs
            a_hat = np.sum(z * y, axis=1) / np.sum(z * z, axis=1)
            err = a_hat[:, None] * bs[None, :] - bt[None, :]
            r = np.sum(e * err * err, axis=1)
            q, c, t = np.sum(e * bs * bs), np.sum(e * bs * bt), np.sum(e * bt * bt)
            rho = t - c * c / q
            exact = rho + (rho + sigma**2) / (n - 2)
            mean, se = r.mean(), r.std(ddof=1) / np.sqrt(draws)
            rows.append((d, n, alpha, ps, pt, sigma, draws, mean, se, exact))
            print("lt d %d n %d alpha %.1f: %.6f +- %.6f, exact %.6f (%.1f se)"
                  % (d, n, alpha, mean, se, exact, (exact - mean) / se))
    with open(os.path.join(HERE, "aniso_lt_ref.csv"), "w") as f:
        f.write("d,n,alpha,ps,pt,sigma,draws,mc_mean,mc_se,exact\n")
        for r in rows:
            f.write("%d,%d,%.17g,%.17g,%.17g,%.17g,%d,%.17g,%.17g,%.17g\n" % r)


if __name__ == "__main__":
    print("fp rows", write_fp())
    write_lt()
    write_mc()
