#!/usr/bin/python3
"""Independent NumPy reference for the LP-FT closed forms (THEORY.md, LP-FT).

LP-FT: the last layer refitted on the frozen pretrained features (linear
transfer, ridge lambda), then gradient flow on all layers on the target's
empirical loss. Writes tests/ref/lpft_ref.csv: one row per input point
(gamma, theta, sigma, lambda, gamma_src, sigma_src, d, depth) with

  limit (n, d -> inf, gamma = n/d fixed):
    k        probe coefficient, beta_lt = k beta_pre: m/(q + lambda q^(1/L))
             (the probe's ridge lambda |w_L|^2 acts on the last layer, whose
             features have norm |beta_pre|^((L-1)/L); q = 1: m/(1 + lambda))
    delta    last-layer imbalance after the probe, in units of the pretrained
             layer scale |beta_pre|^(2/L): 1 - k^2
    xi       root xi > max(0, a, delta) of q xi^(L-2) (xi - delta)(xi - a) = b
    c_lpft   sign(k) sqrt(xi^(L-2) (xi - delta))   (NaN for gamma >= 1)
    R_sc, R_lpft, T_lpft = R_sc - R_lpft = (1-gamma)(2 c m - c^2 q)  (0 for gamma >= 1)
    c_ft, T_ft           the same with delta = 0 (plain fine-tuning, the
                         gradient-flow coefficient of make_theory_ref.py)
    g_star   LP-FT helps (T_lpft > 0) iff gamma < g_star, for gamma < 1
  finite size (n = round(gamma d) < d - 1, n > 2; "exact" = the scalars
  replaced by their exact finite-n means, the convention of T_ft_gf_exact):
    c_lpft_exact   sign(m) |c| with the plug-in scalars
    T_lpft_plugin  2 c m_P - c^2 q a with m_P -> m (1 - n/d), a -> 1 - n/d
    T_lpft_exact   the same with the probe's random sign: 2 |c| E[sign(k) m_P] - c^2 q a,
                   E[sign(k) m_P] = (1-n/d)[m (2 Phi(r) - 1) - 2 (n/d) rr phi(r)/(n s_k)],
                   rr = 1 - m^2/q, s_k^2 = (rr + sigma^2)/(q n), r = (m/q)/s_k
                   (Gaussian approximation of k and of its covariance
                   -rr (n/d)(1-n/d)/n with m_P; matters where |m/q| <~ s_k)
    R_sc_exact, R_lpft_exact = R_sc_exact - T_lpft_exact
with a = |(I-P) u|^2 -> 1 - gamma (finite: 1 - n/d), b = |beta_sc|^2 ->
gamma + gamma sigma^2/(1-gamma) (finite: n/d + sigma^2 n/(d-n-1)), q =
|beta_pre|^2, m = <beta_t, beta_pre> (infinite source: q = 1, m = cos theta;
finite source as in make_theory_ref.py), and, finite size, lambda = 0:
k^2 -> E k^2 = (m/q)^2 + (1 - m^2/q + sigma^2)/(q (n-2)); lambda > 0: k^2 ->
(m/(q + lambda q^(1/L)))^2 (no finite-n form). Non-finite values are written as inf,
-inf, nan; finite ones with 17 significant digits (%.17g).

Deliberately not a transliteration of any C code: xi is a root of the
polynomial built by numpy.polynomial arithmetic and found by numpy.roots
(companion matrix), polished by Newton steps; g_star is the root in (0, 1) of
the quadratic in gamma (1-gamma)[4 q m'^2 (xi* - 1 + gamma) - gamma] - gamma sigma^2
(m' = m/q, xi* the root of xi^(L-2)(xi - delta) = 4 m'^2), again by numpy.roots.

Run with the system interpreter:  /usr/bin/python3 tests/ref/make_lpft_ref.py
"""

import math
import os
import sys

import numpy as np

INF = math.inf
NAN = math.nan
Poly = np.polynomial.Polynomial


# --------------------------------------------------------------------------
# Moments (the same conventions as make_theory_ref.py)
# --------------------------------------------------------------------------

def noise_asym(g, s):
    if s == 0.0:
        return 0.0
    if g == 1.0:
        return INF
    return g * s * s / (1.0 - g) if g < 1.0 else s * s / (g - 1.0)


def noise_exact(n, d, s):
    if s == 0.0:
        return 0.0
    if n < d - 1:
        return s * s * n / (d - n - 1)
    if n > d + 1:
        return s * s * d / (n - d - 1)
    return INF


def source_asym(theta, gs, ss):
    """(m, q) = (<beta_t, beta_pre>, |beta_pre|^2); gs = None: infinite source."""
    if gs is None:
        return math.cos(theta), 1.0
    f = min(1.0, gs)
    return math.cos(theta) * f, f + noise_asym(gs, ss)


def source_exact(theta, ns, d, ss):
    if ns is None:
        return math.cos(theta), 1.0
    f = min(ns, d) / d
    return math.cos(theta) * f, f + noise_exact(ns, d, ss)


# --------------------------------------------------------------------------
# The LP-FT equation
# --------------------------------------------------------------------------

def xi_root(q, a, delta, b, L):
    """The root xi > max(0, a, delta) of q xi^(L-2) (xi - delta)(xi - a) - b."""
    lo = max(0.0, a, delta)
    if b == 0.0:
        return lo
    poly = q * Poly([-delta, 1.0]) * Poly([-a, 1.0]) * Poly([0.0, 1.0]) ** (L - 2) - b
    roots = np.roots(poly.coef[::-1])
    tol = 1e-9 * max(1.0, lo)
    cand = [r.real for r in roots if abs(r.imag) <= 1e-7 * max(1.0, abs(r)) and r.real > lo - tol]
    if len(cand) != 1:
        raise RuntimeError(f"expected one root above {lo}, got {roots}")
    x = max(cand[0], lo)
    dpoly = poly.deriv()
    for _ in range(6):  # Newton polish
        fx, dfx = poly(x), dpoly(x)
        if dfx == 0.0:
            break
        x = max(x - fx / dfx, lo)
    return float(x)


def lpft_c(q, a, delta, b, L, sign):
    if math.isinf(b):
        return INF * sign
    x = xi_root(q, a, delta, b, L)
    return sign * math.sqrt(x ** (L - 2) * (x - delta))


def sgn(x):
    return -1.0 if x < 0.0 else 1.0


def g_star(m, q, lam, s, L):
    """sup of gamma in [0, 1] with T_lpft > 0 on (0, gamma): the root in (0, 1]
    of the quadratic (1-g)[4 q mm (xi* - 1 + g) - g] - g s^2, mm = (m/q)^2."""
    if abs(m) <= 1e-12:  # cos(pi/2) is 6e-17, not 0: orthogonal tasks
        return 0.0
    mm = (m / q) ** 2
    delta = 1.0 - (m / (q + lam * q ** (1.0 / L))) ** 2
    tau = 4.0 * mm  # T > 0 iff c^2 < tau
    # xi*: xi^(L-2) (xi - delta) = tau, the root above max(0, delta)
    p = Poly([-delta, 1.0]) * Poly([0.0, 1.0]) ** (L - 2) - tau
    r = [z.real for z in np.roots(p.coef[::-1])
         if abs(z.imag) <= 1e-9 * max(1.0, abs(z)) and z.real > max(0.0, delta) - 1e-12]
    if len(r) != 1:
        raise RuntimeError(f"xi*: {np.roots(p.coef[::-1])}")
    xs = r[0]
    G = Poly([0.0, 1.0])
    A = q * tau * (xs - 1.0 + G) - G  # linear in gamma
    Q = (1.0 - G) * A - s * s * G
    if Q(0.0) <= 0.0:
        return 0.0
    if s == 0.0:  # Q = (1 - g) A(g): the roots are 1 and that of A
        a1 = A.coef[1] if len(A.coef) > 1 else 0.0
        g0 = -A.coef[0] / a1 if a1 < 0.0 else INF
        return min(g0, 1.0)
    roots = sorted(z.real for z in np.roots(Q.coef[::-1])
                   if abs(z.imag) <= 1e-12 and 0.0 < z.real <= 1.0 + 1e-12)
    return min(roots[0], 1.0) if roots else 1.0


def sign_overlap(m, q, s, n, g):
    """E[sign(k) m_P], m_P = <(I-P) beta_pre, beta_t>, k Gaussian with mean m/q,
    variance s_k^2 = (rr + s^2)/(q n), covariance -rr g (1-g)/n with m_P
    (Stein's lemma: E[sign(k)(m_P - E m_P)] = cov 2 phi(r)/s_k)."""
    rr = max(0.0, 1.0 - m * m / q)
    sk = math.sqrt((rr + s * s) / (q * n))
    if sk == 0.0:
        return (1.0 - g) * abs(m)
    r = (m / q) / sk
    Phi2 = math.erf(r / math.sqrt(2.0))  # 2 Phi(r) - 1
    phi = math.exp(-0.5 * r * r) / math.sqrt(2.0 * math.pi)
    return (1.0 - g) * (m * Phi2 - 2.0 * g * rr * phi / (n * sk))


def evaluate(gamma, theta, sigma, lam, gamma_src, sigma_src, d, depth):
    L = 2 if depth == 0 else depth
    infinite = gamma_src <= 0.0 or math.isinf(gamma_src)
    m, q = source_asym(theta, None if infinite else gamma_src, sigma_src)
    out = {}
    g = gamma
    noise = noise_asym(g, sigma)
    r_sc = max(0.0, 1.0 - g) + noise
    k = m / (q + lam * q ** (1.0 / L))
    delta = 1.0 - k * k
    out.update(k=k, delta=delta, R_sc=r_sc)
    if g < 1.0:
        a, b = 1.0 - g, g + noise
        x = xi_root(q, a, delta, b, L)
        c = sgn(k) * math.sqrt(x ** (L - 2) * (x - delta))
        # plain FT (delta = 0) keeps the pretrained sign: c_ft > 0
        cf = math.sqrt(xi_root(q, a, 0.0, b, L) ** (L - 1))
        T = a * (2.0 * c * m - c * c * q)
        Tf = a * (2.0 * cf * m - cf * cf * q)
        out.update(xi=x, c_lpft=c, T_lpft=T, R_lpft=r_sc - T, c_ft=cf, T_ft=Tf)
    else:
        out.update(xi=NAN, c_lpft=NAN, T_lpft=0.0, R_lpft=r_sc, c_ft=NAN, T_ft=0.0)
    out["g_star"] = g_star(m, q, lam, sigma, L)

    keys = ("c_lpft_exact", "R_sc_exact", "R_lpft_exact", "T_lpft_exact", "T_lpft_plugin")
    n = int(math.floor(g * d + 0.5)) if d > 0 else 0
    if d == 0 or n <= 2:
        out.update({kk: NAN for kk in keys})
        return out
    ns = None if infinite else int(math.floor(gamma_src * d + 0.5))
    me, qe = source_exact(theta, ns, d, sigma_src)
    nz = noise_exact(n, d, sigma)
    rse = max(0.0, (d - n) / d) + nz
    out["R_sc_exact"] = rse
    if n >= d:
        out.update(c_lpft_exact=NAN, T_lpft_exact=0.0, R_lpft_exact=rse, T_lpft_plugin=0.0)
        return out
    ge = n / d
    if lam == 0.0:
        k2 = (me / qe) ** 2 + (1.0 - me * me / qe + sigma * sigma) / (qe * (n - 2))
    else:
        k2 = (me / (qe + lam * qe ** (1.0 / L))) ** 2
    de = 1.0 - k2
    if math.isinf(nz):  # n = d - 1 with noise: c diverges, -c^2 q dominates
        out.update(c_lpft_exact=INF * sgn(me), T_lpft_exact=-INF, R_lpft_exact=INF,
                   T_lpft_plugin=-INF)
        return out
    ce = lpft_c(qe, 1.0 - ge, de, ge + nz, L, sgn(me))
    Tp = (1.0 - ge) * (2.0 * ce * me - ce * ce * qe)
    Te = 2.0 * abs(ce) * sign_overlap(me, qe, sigma, n, ge) - ce * ce * qe * (1.0 - ge)
    out.update(c_lpft_exact=ce, T_lpft_exact=Te, R_lpft_exact=rse - Te, T_lpft_plugin=Tp)
    return out


INPUTS = ["gamma", "theta", "sigma", "lambda", "gamma_src", "sigma_src", "d", "depth"]
OUTPUTS = ["k", "delta", "xi", "c_lpft", "R_sc", "R_lpft", "T_lpft", "c_ft", "T_ft", "g_star",
           "c_lpft_exact", "R_sc_exact", "R_lpft_exact", "T_lpft_exact", "T_lpft_plugin"]


def fmt(x):
    if isinstance(x, int):
        return str(x)
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return "%.17g" % x


def grid():
    pi = math.pi
    gammas = [0.3, 0.6, 0.9, 1.5]
    thetas = [0.0, pi / 8, pi / 4, pi / 3, 3 * pi / 8, pi / 2, 3 * pi / 4]
    sigmas = [0.0, 0.2, 1.0]
    for g in gammas:
        for th in thetas:
            for s in sigmas:
                for d in (0, 40, 100):
                    for L in (2, 3, 4):
                        yield (g, th, s, 0.0, 0.0, 0.0, d, L)
    extra = [
        # ridge probe, finite sources, depth 0 (= 2), n <= 2, n = d - 1
        (0.6, pi / 4, 0.2, 0.5, 0.0, 0.0, 100, 2),
        (0.6, 3 * pi / 8, 0.0, 0.3, 0.0, 0.0, 100, 3),
        (0.3, pi / 4, 0.2, 0.0, 0.5, 0.2, 100, 2),
        (0.3, pi / 4, 0.2, 0.0, 1.5, 0.2, 100, 3),
        (0.6, pi / 8, 0.0, 0.0, 0.5, 0.0, 40, 2),
        (0.5, pi / 4, 1.0, 0.0, 0.0, 0.0, 200, 0),
        (0.02, pi / 8, 0.2, 0.0, 0.0, 0.0, 100, 2),
        (0.99, pi / 8, 0.2, 0.0, 0.0, 0.0, 100, 2),
        (0.99, pi / 8, 0.0, 0.0, 0.0, 0.0, 100, 3),
        (0.45, 5 * pi / 12, 0.0, 0.0, 0.0, 0.0, 200, 2),
    ]
    yield from extra


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "lpft_ref.csv")
    rows = 0
    with open(path, "w") as f:
        f.write("# generated by tests/ref/make_lpft_ref.py (numpy %s); do not edit\n"
                % np.__version__)
        f.write(",".join(INPUTS + OUTPUTS) + "\n")
        for point in grid():
            out = evaluate(*point)
            f.write(",".join([fmt(v) for v in point] + [fmt(out[k]) for k in OUTPUTS]) + "\n")
            rows += 1
    print(f"wrote {rows} rows to {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
