#!/usr/bin/python3
"""Independent NumPy reference for the closed forms of src/theory.c.

Writes tests/ref/theory_ref.csv: one row per input point
(gamma, theta, sigma, lambda, gamma_src, sigma_src, d, depth) with every output
field of fate_theory_point, plus the linear-transfer phase boundary of
(theta, sigma) (nroots, g_lo, g_hi, g_over). Non-finite values are written
literally as inf, -inf, nan; finite ones with repr() (shortest round-trip
form, so C's strtod reads back the same double).

This is deliberately NOT a transliteration of theory.c:
  - the gradient-flow coefficient c is a root of the polynomial
    q x^L - a q x^(L-1) - b in x = c^(2/(L-1)), found by numpy.roots (the
    companion-matrix eigenvalues) and polished by Newton steps on the
    equation in c itself;
  - the phase boundary polynomial is built by numpy.polynomial arithmetic
    from (1-g)(R_sc(g) - R_lt) and its roots come from numpy.roots;
  - risks of the refits are evaluated from the decomposition
    |b u - beta_t|^2 = b^2 q - 2 b m + 1 and
    R_ft = noise + (1-g)(c^2 q - 2 c m + 1), transferabilities as
    differences of risks.

Run with the system interpreter:  /usr/bin/python3 tests/ref/make_theory_ref.py
"""

import math
import os
import sys

import numpy as np

INF = math.inf
NAN = math.nan


# --------------------------------------------------------------------------
# Closed forms (THEORY.md section 3). Conventions: divergent -> +inf, bad
# argument -> nan; at sigma = 0 noise terms are absent (no 0 * inf).
# --------------------------------------------------------------------------

def noise_term_asym(g, s):
    """Noise part of the min-norm / least-squares risk, asymptotic."""
    if s == 0.0:
        return 0.0
    if g == 1.0:
        return INF
    return g * s * s / (1.0 - g) if g < 1.0 else s * s / (g - 1.0)


def scratch(g, s):
    # bias |(I-P) beta|^2 -> max(0, 1-g) plus the noise part
    return max(0.0, 1.0 - g) + noise_term_asym(g, s)


def noise_term_exact(n, d, s):
    """s^2 E tr((X X^T)^-1) (n < d) or s^2 E tr((X^T X)^-1) (n > d)."""
    if s == 0.0:
        return 0.0
    if n < d - 1:
        return s * s * n / (d - n - 1)
    if n > d + 1:
        return s * s * d / (n - d - 1)
    return INF


def scratch_exact(n, d, s):
    if n <= 0 or d <= 0:
        return NAN
    return max(0.0, (d - n) / d) + noise_term_exact(n, d, s)


def moments_asym(theta, gs, ss):
    """(E<beta_t, beta_s_hat>, E|beta_s_hat|^2); gs = None: infinite source."""
    if gs is None:
        return math.cos(theta), 1.0
    frac = min(1.0, gs)
    return math.cos(theta) * frac, frac + noise_term_asym(gs, ss)


def moments_exact(theta, ns, d, ss):
    if ns is None:
        return math.cos(theta), 1.0
    if ns <= 0:
        return NAN, NAN
    frac = min(ns, d) / d
    return math.cos(theta) * frac, frac + noise_term_exact(ns, d, ss)


def refit_risk(m, q, lam):
    """|b u - beta_t|^2 with b = m/(q + lam), |u|^2 = q, <u, beta_t> = m."""
    if math.isnan(m) or math.isnan(q):
        return NAN
    if math.isinf(q):
        return 1.0  # b -> 0
    b = m / (q + lam)
    return b * b * q - 2.0 * b * m + 1.0


def refit_risk_exact(n, m, q, s):
    """lambda = 0, n target samples: r (n-1)/(n-2) + s^2/(n-2), r = 1 - m^2/q."""
    if n <= 2:
        return NAN
    r = refit_risk(m, q, 0.0)
    return (r * (n - 1) + s * s) / (n - 2)


def gf_coefficient(a, b, q, L):
    """Positive root c of q c^(2L/(L-1)) - a q c^2 - b = 0."""
    if math.isinf(b):
        return INF
    if math.isinf(q) or b == 0.0:
        # q c^2 (c^(2/(L-1)) - a) = b -> 0: c^(2/(L-1)) = max(a, 0)
        return max(a, 0.0) ** ((L - 1) / 2.0)
    coeffs = np.zeros(L + 1)
    coeffs[0] = q
    coeffs[1] = -a * q
    coeffs[L] = -b
    roots = np.roots(coeffs)
    cand = [r.real for r in roots if abs(r.imag) <= 1e-9 * max(1.0, abs(r)) and r.real > 0]
    if len(cand) != 1:
        raise RuntimeError(f"expected one positive root, got {roots}")
    c = cand[0] ** ((L - 1) / 2.0)
    p = 2.0 * L / (L - 1.0)
    for _ in range(4):  # Newton polish on F(c) = q c^p - a q c^2 - b
        F = q * c ** p - a * q * c * c - b
        dF = q * p * c ** (p - 1.0) - 2.0 * a * q * c
        c -= F / dF
    return c


def ft_risk(g, noise, c, m, q):
    """R of beta_sc + c (I-P) beta_s_hat: noise + (1-g)(c^2 q - 2 c m + 1)."""
    if math.isinf(q):
        return INF
    return noise + (1.0 - g) * (c * c * q - 2.0 * c * m + 1.0)


def transfer_ft(g, r_sc, noise, c, m, q):
    """R_sc - R_ft for g < 1; fine-tuning does nothing for g >= 1."""
    if g >= 1.0:
        return 0.0
    return r_sc - ft_risk(g, noise, c, m, q)


def kl_linear(theta, s):
    num = 1.0 - math.cos(theta)
    if num == 0.0:
        return 0.0
    return INF if s == 0.0 else num / (s * s)


def lt_boundary(theta, s):
    """Roots of (1-g)(R_sc(g) - R_lt) = 0 for g < 1, lambda = 0, infinite
    source, i.e. (1-g)^2 + g s^2 - (1-g) + (1-g) cos^2 th (using
    R_lt = sin^2 = 1 - cos^2), built as a polynomial in g."""
    P = np.polynomial.Polynomial
    one_minus_g = P([1.0, -1.0])
    cos2 = math.cos(theta) ** 2
    poly = one_minus_g ** 2 + P([0.0, s * s]) - one_minus_g + cos2 * one_minus_g
    c0, c1, c2 = (float(v) for v in poly.coef[:3])
    # sin^2 th is symmetric under th -> pi - th; math.sin(math.pi) is 1.2e-16,
    # not 0, so the sine is taken at the folded angle (pi gives inf like 0)
    sn = math.sin(min(theta, math.pi - theta))
    g_over = INF if sn == 0.0 else 1.0 + s * s / (sn * sn)
    if c1 * c1 - 4.0 * c2 * c0 < 0.0:
        return 0, NAN, NAN, g_over  # complex roots: T_lt >= 0 on (0, 1)
    r = np.sort(np.real(np.roots([c2, c1, c0])))
    if abs(r[1] - r[0]) < 1e-6:  # a (near-)double root: its mean is well
        r[:] = 0.5 * (r[0] + r[1])  # conditioned, each root alone is not
    if r[0] < -1e-12:
        return 0, NAN, NAN, g_over  # negative roots bound nothing in (0, 1)
    return 2, max(0.0, float(r[0])), float(r[1]), g_over


# --------------------------------------------------------------------------
# One fate_theory_point
# --------------------------------------------------------------------------

def nearest_count(ratio, d):
    x = ratio * d
    return int(math.floor(x + 0.5))


def evaluate(gamma, theta, sigma, lam, gamma_src, sigma_src, d, depth):
    L = 2 if depth == 0 else depth
    infinite = gamma_src <= 0.0 or math.isinf(gamma_src)
    m, q = moments_asym(theta, None if infinite else gamma_src, sigma_src)
    out = {}
    g = gamma
    noise = noise_term_asym(g, sigma)
    r_sc = scratch(g, sigma)
    out["R_sc"] = r_sc
    out["R_lt"] = refit_risk(m, q, lam)
    out["T_lt"] = r_sc - out["R_lt"]
    out["T_ft"] = transfer_ft(g, r_sc, noise, 1.0, m, q)
    out["R_ft"] = r_sc - out["T_ft"]
    # b = |beta_sc|^2 = bias-free part g plus the noise part
    c = gf_coefficient(1.0 - g, g + noise, q, L) if g < 1.0 else NAN
    out["c_gf"] = c
    out["T_ft_gf"] = transfer_ft(g, r_sc, noise, c, m, q)
    out["R_ft_gf"] = r_sc - out["T_ft_gf"]
    out["kl"] = kl_linear(theta, sigma)

    keys = ("R_sc_exact", "R_lt_exact", "T_lt_exact", "T_ft_exact", "T_ft_gf_exact")
    if d == 0:
        out.update({k: NAN for k in keys})
    else:
        n = nearest_count(g, d)
        ns = None if infinite else nearest_count(gamma_src, d)
        me, qe = moments_exact(theta, ns, d, sigma_src)
        rs = scratch_exact(n, d, sigma)
        out["R_sc_exact"] = rs
        # with ridge there is no finite-n form: the asymptotic refit risk
        out["R_lt_exact"] = refit_risk_exact(n, me, qe, sigma) if lam == 0.0 \
            else refit_risk(me, qe, lam)
        out["T_lt_exact"] = rs - out["R_lt_exact"]
        if n <= 0 or math.isnan(me):
            out["T_ft_exact"] = out["T_ft_gf_exact"] = NAN
        elif n >= d:
            out["T_ft_exact"] = out["T_ft_gf_exact"] = 0.0
        else:
            ge = n / d
            nz = noise_term_exact(n, d, sigma)
            if math.isinf(nz):
                # scratch risk diverges (n = d-1): compare the (I-P) parts only
                out["T_ft_exact"] = (1.0 - ge) * (1.0 - ft_risk(ge, 0.0, 1.0, me, qe)
                                                  / (1.0 - ge))
                out["T_ft_gf_exact"] = -INF  # c diverges, -c^2 q dominates
            else:
                rse = (1.0 - ge) + nz
                out["T_ft_exact"] = transfer_ft(ge, rse, nz, 1.0, me, qe)
                if math.isinf(qe):
                    out["T_ft_gf_exact"] = -INF
                else:
                    ce = gf_coefficient(1.0 - ge, ge + nz, qe, L)
                    out["T_ft_gf_exact"] = transfer_ft(ge, rse, nz, ce, me, qe)
    nroots, g_lo, g_hi, g_over = lt_boundary(theta, sigma)
    out.update(nroots=nroots, g_lo=g_lo, g_hi=g_hi, g_over=g_over)
    return out


INPUTS = ["gamma", "theta", "sigma", "lambda", "gamma_src", "sigma_src", "d", "depth"]
OUTPUTS = ["R_sc", "R_lt", "R_ft", "T_lt", "T_ft", "T_ft_gf", "R_ft_gf", "c_gf",
           "R_sc_exact", "R_lt_exact", "T_lt_exact", "T_ft_exact", "T_ft_gf_exact",
           "kl", "nroots", "g_lo", "g_hi", "g_over"]


def fmt(x):
    if isinstance(x, int):
        return str(x)
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return repr(x)


def grid():
    pi = math.pi
    gammas = [0.25, 0.5, 0.995, 1.0, 1.5, 2.0]
    thetas = [0.0, pi / 8, pi / 3, pi / 2, pi]
    sigmas = [0.0, 0.2, 1.0]
    lambdas = [0.0, 0.3]
    sources = [(0.0, 0.0), (0.5, 0.2), (1.5, 0.2)]  # gamma_src 0: infinite
    for g in gammas:
        for th in thetas:
            for s in sigmas:
                for lam in lambdas:
                    for gs, ss in sources:
                        for d in (0, 200):
                            for L in (2, 3):
                                yield (g, th, s, lam, gs, ss, d, L)
    # special points: depth 0 (= 2) and 4, n <= 2 at finite d, a source at
    # its interpolation threshold (q = inf), an explicit infinite source,
    # a noise-free finite source, the sigma = 1 / gamma = 0.5 example.
    extra = [
        (0.5, pi / 4, 1.0, 0.0, 0.0, 0.0, 200, 0),
        (0.5, pi / 4, 1.0, 0.0, 0.0, 0.0, 200, 4),
        (0.3, pi / 4, 0.2, 0.0, 1.5, 0.2, 200, 4),
        (0.01, pi / 8, 0.2, 0.0, 0.0, 0.0, 200, 2),
        (0.015, pi / 8, 0.2, 0.0, 0.0, 0.0, 200, 2),
        (0.5, pi / 8, 0.2, 0.0, 1.0, 0.2, 200, 2),
        (0.5, pi / 8, 0.2, 0.3, 1.0, 0.2, 200, 3),
        (1.5, pi / 8, 0.2, 0.0, 1.0, 0.2, 200, 3),
        (0.5, pi / 8, 0.2, 0.0, INF, 0.2, 200, 2),
        (0.5, pi / 8, 0.2, 0.0, 1.0, 0.0, 200, 2),
        (0.5, 2 * pi / 3, 0.2, 0.0, 0.3, 0.0, 50, 3),
        (0.9, 1.0, 0.5, 0.1, 2.0, 0.5, 30, 5),
    ]
    yield from extra


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "theory_ref.csv")
    rows = 0
    with open(path, "w") as f:
        f.write("# generated by tests/ref/make_theory_ref.py (numpy %s); do not edit\n"
                % np.__version__)
        f.write(",".join(INPUTS + OUTPUTS) + "\n")
        for point in grid():
            out = evaluate(*point)
            f.write(",".join([fmt(v) for v in point] + [fmt(out[k]) for k in OUTPUTS]) + "\n")
            rows += 1
    print(f"wrote {rows} rows to {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
