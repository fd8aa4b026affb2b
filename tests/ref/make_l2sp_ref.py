#!/usr/bin/env python3
"""Reference values of the theory of parameter transfer (L2-SP, the shifted
ridge; THEORY.md sections 7 and 8), computed independently of the closed forms
in src/theory_ridge.c (no quadratic equation, no formula for the optimum).

Estimator: beta_hat = beta_ref + (S + lambda I)^{-1} (b - S beta_ref) on n
samples y = X beta_t + sigma eps, x ~ N(0, I_d), S = X^T X / n, b = X^T y / n
(lambda = 0: beta_ref plus the minimum-norm correction); its risk
|beta_hat - beta_t|^2 depends on the teacher only through
r2 = |beta_t - beta_ref|^2.

Limit (n, d -> inf, psi = d/n), with mu the Marchenko-Pastur law of ratio psi
(an atom 1 - 1/psi at 0 when psi > 1):
    R(lambda) = r2 B(lambda) + sigma^2 V(lambda),
    B = int lambda^2 dmu(s) / (s + lambda)^2,  V = psi int s dmu(s) / (s + lambda)^2.
Both integrals are taken as such over the density by Gauss-Chebyshev
quadrature of the second kind (s = s_- + h (1 + cos t), the square-root edges
become the weight sqrt(1 - x^2)), nodes doubled until two agree to 1e-12; the
atom is added by hand (it gives 1 to B for lambda > 0 and at lambda = 0, the
unseen directions, and nothing to V). The same technique as
make_ridge_ref.py, written here for the two parts separately.

The optimal lambda is found NUMERICALLY: R on lambda = 0, a log grid
10^-6 .. 10^6 (0.05 decades) and lambda = inf (R = r2); the grid's minimum
bracketed and refined by golden-section search in log lambda on the
quadrature risk (a fixed node count, so a smooth function of lambda). A
minimum at lambda = 0 or inf is recorded as such; sigma = r2 = 0 (R = 0 for
every lambda, no unique minimiser) as nan.

Exact finite-size mean at lambda = 0 (tr E[W^{-1}] = p / (k - p - 1) for a
Wishart W_p(k, I)):
    n > d + 1: sigma^2 tr E[(X^T X)^{-1}]
    n < d - 1: r2 (d - n)/d (beta_t - beta_ref outside the row space of X)
               + sigma^2 tr E[(X X^T)^{-1}]
and NaN otherwise.

Writes l2sp_ref.csv beside this script: kind,n,d,psi,lambda,sigma,r2,risk
(17 significant digits; nan where a field does not apply):
    limit  psi, lambda, sigma, r2 -> the limit risk
    opt    psi, sigma, r2 -> lambda = the numeric minimiser, risk = R there
    exact  n, d (psi = d/n), lambda = 0, sigma, r2 -> the exact mean
then prints the numeric optimum against the formula sigma^2 psi / r2 and
checks the theory against a Monte Carlo of the shifted ridge estimator.

Output of the last run (NumPy 1.24.2; 38 s on 2 cores):

    wrote 924 limit, 132 opt, 156 exact rows to tests/ref/l2sp_ref.csv
    numeric optimum vs sigma^2 psi / r2 (66 interior optima): max relative difference 4.8e-09;
      risk there vs risk at the formula: max relative 2.2e-16; 55 optima at 0 or inf, as the formula's limits
    Monte Carlo of the shifted ridge, d = 100, r2 = 1.0, sigma = 0.5, K = 4000
      (lambda = 0: the exact mean; lambda > 0: the limit, within 3 SE + 2/d relative)
      n= 50 lambda=0          : 0.75504 +- 0.00161 vs exact 0.75510
        (-0.0001 relative, -0.04 SE) ok
      n= 50 lambda=0.1        : 0.68812 +- 0.00132 vs limit 0.68653
        (+0.0023 relative, +1.20 SE) ok
      n= 50 lambda=1          : 0.65576 +- 0.00099 vs limit 0.65533
        (+0.0006 relative, +0.43 SE) ok
      n= 50 lambda=0.5 (opt)  : 0.64084 +- 0.00110 vs limit 0.64039
        (+0.0007 relative, +0.41 SE) ok
      n= 50: mean risk at lambda* minus the best other: -0.01491
      n=200 lambda=0          : 0.25283 +- 0.00081 vs exact 0.25253
        (+0.0012 relative, +0.37 SE) ok
      n=200 lambda=0.1        : 0.17782 +- 0.00049 vs limit 0.17678
        (+0.0059 relative, +2.12 SE) ok
      n=200 lambda=1          : 0.37633 +- 0.00056 vs limit 0.37546
        (+0.0023 relative, +1.55 SE) ok
      n=200 lambda=0.125 (opt): 0.17641 +- 0.00048 vs limit 0.17539
        (+0.0058 relative, +2.13 SE) ok
      n=200: mean risk at lambda* minus the best other: -0.00142
"""
import math
import os
import sys

import numpy as np

NODES = 1 << 10
PSIS = (0.2, 0.5, 0.8, 0.95, 0.99, 1.01, 1.05, 1.25, 2.0, 3.5, 5.0)
LAMBDAS = (0.0, 1e-6, 1e-3, 0.01, 0.1, 1.0, 10.0)
SIGMAS = (0.0, 0.3, 1.0)
R2S = (0.0, 0.25, 1.0, 2.0)
EXACT_ND = [(16, 40), (60, 40), (38, 40), (39, 40), (40, 40), (41, 40), (42, 40), (10, 20), (40, 20),
            (50, 100), (200, 100), (3, 7), (30, 7)]


def atom_of(psi):
    """The mass of mu at 0: the directions X does not see (psi > 1)."""
    return max(0.0, 1 - 1 / psi)


def parts(psi, lam, nodes):
    """(B - atom, V, mass of mu) at lambda = lam with `nodes` Gauss-Chebyshev
    nodes: the density's parts (the atom adds 1 - 1/psi to B, a constant in
    lambda, which the minimisation leaves out)."""
    lo, hi = (1 - math.sqrt(psi)) ** 2, (1 + math.sqrt(psi)) ** 2
    h = (hi - lo) / 2
    th = np.arange(1, nodes + 1) * (math.pi / (nodes + 1))
    # int g(x) sqrt(1 - x^2) dx ~ sum pi/(N + 1) sin^2 th_k g(cos th_k); s = lo + h (1 + x)
    # written lo + 2 h cos^2(th/2) (no cancellation at s -> 0 when psi = 1)
    s = lo + 2 * h * np.cos(th / 2) ** 2
    w = (math.pi / (nodes + 1)) * np.sin(th) ** 2 * h * h / (2 * math.pi * psi * s)
    mass = math.fsum(w) + atom_of(psi)
    if lam == 0:
        return 0.0, psi * math.fsum(w / s), mass
    return math.fsum(w * (lam / (s + lam)) ** 2), psi * math.fsum(w * s / (s + lam) ** 2), mass


def converged_parts(psi, lam):
    """(B - atom, V, nodes) with the nodes doubled until both agree to 1e-12
    (and the mass of mu is 1 to 1e-13 there: a check of the weights)."""
    nodes, (b, v, _) = NODES, parts(psi, lam, NODES)
    while nodes < 1 << 22:
        nodes *= 2
        b2, v2, mass = parts(psi, lam, nodes)
        if abs(b - b2) <= 1e-12 * abs(b2) and abs(v - v2) <= 1e-12 * abs(v2):
            if abs(mass - 1) > 1e-13:
                sys.exit(f"mass of mu {mass} at psi={psi} with {nodes} nodes")
            return b2, v2, nodes
        b, v = b2, v2
    sys.exit(f"quadrature not converged at psi={psi} lambda={lam}")


def limit_risk(psi, lam, sigma, r2):
    if lam == 0 and psi == 1:
        return math.inf
    if math.isinf(lam):
        return r2
    b, v, _ = converged_parts(psi, lam)
    return r2 * (atom_of(psi) + b) + sigma * sigma * v


def numeric_optimum(psi, sigma, r2, grid):
    """(lambda, R) minimising the quadrature risk; grid: [(lambda, B - atom,
    V, nodes)], lambda = 0 and inf included."""
    if sigma == 0 and r2 == 0:
        return math.nan, 0.0
    risks = [r2 * b + sigma * sigma * v for _, b, v, _ in grid]
    i = min(range(len(risks)), key=risks.__getitem__)
    lam = grid[i][0]
    if lam == 0 or math.isinf(lam):
        return lam, limit_risk(psi, lam, sigma, r2)
    if i <= 1 or i >= len(grid) - 2:
        sys.exit(f"minimum at the edge of the log grid: psi={psi} sigma={sigma} r2={r2}")
    # golden section in log lambda on [grid[i-1], grid[i+1]], twice the
    # nodes of the harder end (a fixed count: a smooth function of lambda)
    nodes = 2 * max(grid[i - 1][3], grid[i + 1][3])

    def f(x):
        b, v, _ = parts(psi, math.exp(x), nodes)
        return r2 * b + sigma * sigma * v

    a, c = math.log(grid[i - 1][0]), math.log(grid[i + 1][0])
    g = (math.sqrt(5) - 1) / 2
    x1, x2 = c - g * (c - a), a + g * (c - a)
    f1, f2 = f(x1), f(x2)
    while c - a > 1e-9:
        if f1 <= f2:
            c, x2, f2 = x2, x1, f1
            x1 = c - g * (c - a)
            f1 = f(x1)
        else:
            a, x1, f1 = x1, x2, f2
            x2 = a + g * (c - a)
            f2 = f(x2)
    # where R is flat its comparisons stop at rounding (golden section alone
    # was off by up to 3e-7 relative): two steps to the vertex of the
    # parabola through x - 1e-4, x, x + 1e-4 (its error ~1e-8 R3/R2, the
    # rounding ~1e-12 R/R2 in the derivatives R2, R3 in log lambda)
    x, dx = (a + c) / 2, 1e-4
    for _ in range(2):
        fm, f0, fp = f(x - dx), f(x), f(x + dx)
        x -= dx * (fp - fm) / (2 * (fp - 2 * f0 + fm))
    lam = math.exp(x)
    return lam, limit_risk(psi, lam, sigma, r2)


def exact_lambda0(n, d, sigma, r2):
    if n > d + 1:
        return sigma * sigma * d / (n - d - 1)
    if n < d - 1:
        return r2 * (d - n) / d + sigma * sigma * n / (d - n - 1)
    return math.nan


def tables():
    nan = math.nan
    limit, opt, exact = [], [], []
    logs = np.arange(-120, 121) / 20.0
    for psi in PSIS:
        for lam in LAMBDAS:
            for sigma in SIGMAS:
                for r2 in R2S:
                    limit.append(("limit", nan, nan, psi, lam, sigma, r2, limit_risk(psi, lam, sigma, r2)))
        grid = [(0.0, *converged_parts(psi, 0.0))] if psi != 1 else []
        grid += [(10.0 ** e, *converged_parts(psi, 10.0 ** e)) for e in logs]
        grid.append((math.inf, 1 - atom_of(psi), 0.0, 0))
        for sigma in SIGMAS:
            for r2 in R2S:
                lam, risk = numeric_optimum(psi, sigma, r2, grid)
                opt.append(("opt", nan, nan, psi, lam, sigma, r2, risk))
    for n, d in EXACT_ND:
        for sigma in SIGMAS:
            for r2 in R2S:
                exact.append(("exact", n, d, d / n, 0.0, sigma, r2, exact_lambda0(n, d, sigma, r2)))
    return limit, opt, exact


def report_optimum(opt):
    """The numeric optimum against sigma^2 psi / r2 (printed only)."""
    worst_lam = worst_risk = 0.0
    interior = edge = 0
    for _, _, _, psi, lam, sigma, r2, risk in opt:
        if sigma == 0 and r2 == 0:
            continue
        formula = sigma * sigma * psi / r2 if r2 > 0 else math.inf
        if lam == 0 or math.isinf(lam):
            edge += 1
            if lam != formula:
                print(f"  psi={psi} sigma={sigma} r2={r2}: numeric {lam} vs formula {formula} DISAGREE")
            continue
        interior += 1
        worst_lam = max(worst_lam, abs(lam - formula) / formula)
        worst_risk = max(worst_risk, abs(risk - limit_risk(psi, formula, sigma, r2)) / risk)
    print(f"numeric optimum vs sigma^2 psi / r2 ({interior} interior optima): max relative difference"
          f" {worst_lam:.2g};\n  risk there vs risk at the formula: max relative {worst_risk:.2g};"
          f" {edge} optima at 0 or inf, as the formula's limits")


def shifted_ridge_risks(d, n, lams, sigma, r2, draws, rng, chunk=200):
    """Monte Carlo risks (draws, len(lams)) of beta_ref + (S + lam I)^{-1}
    (b - S beta_ref), beta_t a random unit vector, beta_ref = beta_t + sqrt(r2) u
    (u a random unit vector); lambda = 0 by numpy.linalg.pinv (minimum-norm
    correction)."""
    out = np.empty((draws, len(lams)))
    for at in range(0, draws, chunk):
        k = min(chunk, draws - at)
        bt = rng.standard_normal((k, d))
        bt /= np.linalg.norm(bt, axis=1, keepdims=True)
        u = rng.standard_normal((k, d))
        u /= np.linalg.norm(u, axis=1, keepdims=True)
        bref = bt + math.sqrt(r2) * u
        X = rng.standard_normal((k, n, d))
        y = np.einsum("knd,kd->kn", X, bt) + sigma * rng.standard_normal((k, n))
        S = np.einsum("kni,knj->kij", X, X) / n
        bres = np.einsum("kni,kn->ki", X, y) / n - np.einsum("kij,kj->ki", S, bref)
        for j, lam in enumerate(lams):
            if lam == 0:
                corr = np.einsum("kdn,kn->kd", np.linalg.pinv(X), y - np.einsum("knd,kd->kn", X, bref))
            else:
                corr = np.linalg.solve(S + lam * np.eye(d), bres[..., None])[..., 0]
            out[at:at + k, j] = np.sum((bref + corr - bt) ** 2, axis=1)
    return out


def monte_carlo(draws=4000):
    """Prints the check; returns the number of failures (3 SE, plus 2/d
    relative for the limit at lambda > 0)."""
    rng = np.random.default_rng(20250614)
    d, sigma, r2 = 100, 0.5, 1.0
    bad = 0
    print(f"Monte Carlo of the shifted ridge, d = {d}, r2 = {r2}, sigma = {sigma}, K = {draws}\n"
          "  (lambda = 0: the exact mean; lambda > 0: the limit, within 3 SE + 2/d relative)")
    for n in (50, 200):
        psi = d / n
        lam_opt = sigma * sigma * psi / r2
        lams = [0.0, 0.1, 1.0, lam_opt]
        r = shifted_ridge_risks(d, n, lams, sigma, r2, draws, rng)
        for j, lam in enumerate(lams):
            mean, se = r[:, j].mean(), r[:, j].std(ddof=1) / math.sqrt(draws)
            want = exact_lambda0(n, d, sigma, r2) if lam == 0 else limit_risk(psi, lam, sigma, r2)
            ok = abs(mean - want) <= 3 * se + (0 if lam == 0 else 2 / d * want)
            bad += not ok
            name = f"{lam:g}" + (" (opt)" if j == 3 else "")
            print(f"  n={n:3d} lambda={name:11s}: {mean:.5f} +- {se:.5f} vs {'exact' if lam == 0 else 'limit'}"
                  f" {want:.5f}\n    ({(mean - want) / want:+.4f} relative, {(mean - want) / se:+.2f} SE)"
                  f" {'ok' if ok else 'FAIL'}")
        # the tuned ridge beats the others draw by draw on average
        print(f"  n={n:3d}: mean risk at lambda* minus the best other: "
              f"{r[:, 3].mean() - r[:, :3].mean(axis=0).min():+.5f}")
    return bad


def main():
    limit, opt, exact = tables()
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "l2sp_ref.csv")
    with open(out, "w") as f:
        f.write("kind,n,d,psi,lambda,sigma,r2,risk\n")
        for row in limit + opt + exact:
            f.write(row[0] + "," + ",".join(f"{v:.17g}" for v in row[1:]) + "\n")
    print(f"wrote {len(limit)} limit, {len(opt)} opt, {len(exact)} exact rows to {out}")
    report_optimum(opt)
    if monte_carlo():
        sys.exit("Monte Carlo check failed")


if __name__ == "__main__":
    main()
