#!/usr/bin/env python3
"""Reference values of the ridge toy model's theory (THEORY.md, "Ridge
regression on the target (the toy model)"), computed independently of the
closed forms in src/model_ridge.c.

Task: beta_t a unit vector, X (n, d) with N(0, 1) entries, y = X beta_t +
sigma eps; beta_hat = (S + lambda I)^{-1} b, S = X^T X / n, b = X^T y / n
(lambda = 0: minimum-norm least squares); R = |beta_hat - beta_t|^2.

Limit (n, d -> inf, psi = d/n): averaging over the noise and over the
teacher's direction,
    R = int (lambda^2 + sigma^2 psi s) / (s + lambda)^2 dmu(s)
      = lambda^2 m'(-lambda) + sigma^2 psi (m(-lambda) - lambda m'(-lambda)),
(the last bracket is int s dmu/(s + lambda)^2, integrated as such),
with mu the Marchenko-Pastur law of ratio psi (an atom 1 - 1/psi at 0 when
psi > 1) and m(-lambda) = int dmu/(s + lambda), m'(-lambda) = int
dmu/(s + lambda)^2. Here m and m' are numerical integrals over the density
(no quadratic equation), by the substitution s = c + h cos t, which turns
the square-root edges into a smooth periodic integrand: the trapezoid rule
in t converges geometrically; the script doubles the nodes until two
agree to 1e-12 (the C test asks 1e-10).
At lambda = 0 the integrand is evaluated at lambda = 0 itself: the atom
contributes its mass (the unseen directions, bias 1), the density
sigma^2 psi int p(s)/s ds.

Exact finite-size mean at lambda = 0 (tr E[W^{-1}] = p/(k - p - 1) for a
Wishart W of dimension p and k degrees of freedom):
    n > d + 1: sigma^2 tr E[(X^T X)^{-1}]
    n < d - 1: (d - n)/d (the teacher outside the row space of X)
               + sigma^2 tr E[(X X^T)^{-1}]
and NaN otherwise.

Writes ridge_ref.csv beside this script: d,n,lambda,sigma,risk,risk_exact
(17 significant digits), then checks the theory against its own Monte
Carlo (NumPy ridge on Gaussian data) and prints that check.
"""
import math
import os
import sys

import numpy as np

NODES = 1 << 12


def mp_integrals(psi, lam, sigma, nodes=NODES):
    """(m, m', R) at -lam for the Marchenko-Pastur law of ratio psi."""
    lo, hi = (1 - math.sqrt(psi)) ** 2, (1 + math.sqrt(psi)) ** 2
    h = (hi - lo) / 2
    # t in [0, 2 pi), equal weights: the periodic trapezoid rule; the density
    # sqrt((hi - s)(s - lo)) / (2 pi psi s) ds becomes h^2 sin^2 t / (2 pi psi s) dt
    # on [0, pi], so half of it on [0, 2 pi).
    t = (np.arange(nodes) + 0.5) * (2 * math.pi / nodes)
    # s = c + h cos t without the cancellation near t = pi (s -> 0 at psi = 1)
    s = lo + 2 * h * np.cos(t / 2) ** 2
    w = (h * np.sin(t)) ** 2 / (2 * math.pi * psi * s) * (2 * math.pi / nodes) / 2
    atom = max(0.0, 1 - 1 / psi)
    if lam > 0:
        m = math.fsum(w / (s + lam)) + atom / lam
        dm = math.fsum(w / (s + lam) ** 2) + atom / lam ** 2
        # m - lam m' = int s dmu/(s + lam)^2 (the atom gives 0) as an integral
        # of its own: near psi = 1 and small lambda the difference of m and
        # lam m' loses three digits
        v = math.fsum(w * s / (s + lam) ** 2)
        if abs(v - (m - lam * dm)) > 1e-8 * m:
            sys.exit(f"m - lambda m' inconsistent at psi={psi} lambda={lam}")
        risk = lam * lam * dm + sigma * sigma * psi * v
        return m, dm, risk
    if psi == 1:
        return math.inf, math.inf, math.inf
    # lambda = 0: bias lam^2/(s + lam)^2 is 1 on the atom and 0 on the density
    risk = atom + sigma * sigma * psi * math.fsum(w / s)
    return math.inf, math.inf, risk


def wishart_inv_trace(p, k):
    """tr E[W^{-1}] of a Wishart W_p(k, I), finite for k > p + 1."""
    return p / (k - p - 1)


def exact_lambda0(d, n, sigma):
    if n > d + 1:
        return sigma * sigma * wishart_inv_trace(d, n)
    if n < d - 1:
        return (d - n) / d + sigma * sigma * wishart_inv_trace(n, d)
    return math.nan


def converged_risk(psi, lam, sigma):
    """The limit risk with the nodes doubled until two agree to 1e-12
    (tiny lambda near psi = 1 brings the pole at s = -lambda close to the
    contour: about 1/sqrt(lambda) nodes)."""
    nodes, r = NODES, mp_integrals(psi, lam, sigma, NODES)[2]
    while nodes < 1 << 22:
        nodes *= 2
        r2 = mp_integrals(psi, lam, sigma, nodes)[2]
        if not math.isfinite(r2) or abs(r - r2) <= 1e-12 * abs(r2):
            return r2
        r = r2
    sys.exit(f"quadrature not converged at psi={psi} lambda={lam}")


def grid():
    rows = []
    # d with n on both sides of d (psi from 0.1 to 5), n = d +- 1, d +- 2
    # (the exact form's edges) and tiny sizes; lambda down to 1e-8, where
    # the atom at 0 (psi > 1) dominates m and lambda m'
    cases = [(100, n) for n in (1000, 400, 200, 125, 110, 102, 101, 100, 99, 98, 80, 50, 20)]
    cases += [(20, n) for n in (10, 40, 3, 60)] + [(7, 2), (7, 30), (1, 3)]
    for d, n in cases:
        for lam in (0.0, 1e-8, 1e-6, 1e-3, 0.01, 0.1, 0.5, 1.0, 10.0, 1e3):
            for sigma in (0.0, 0.5, 1.0):
                psi = d / n
                ex = exact_lambda0(d, n, sigma) if lam == 0 else math.nan
                rows.append((d, n, lam, sigma, converged_risk(psi, lam, sigma), ex))
    return rows


def ridge_risks(d, n, lams, sigma, draws, rng, chunk=250):
    """Monte Carlo risks (draws, len(lams)): ridge by numpy.linalg.solve,
    lambda = 0 by numpy.linalg.pinv (minimum norm)."""
    out = np.empty((draws, len(lams)))
    for at in range(0, draws, chunk):
        k = min(chunk, draws - at)
        beta = rng.standard_normal((k, d))
        beta /= np.linalg.norm(beta, axis=1, keepdims=True)
        X = rng.standard_normal((k, n, d))
        y = np.einsum("knd,kd->kn", X, beta) + sigma * rng.standard_normal((k, n))
        S = np.einsum("kni,knj->kij", X, X) / n
        b = np.einsum("kni,kn->ki", X, y) / n
        for j, lam in enumerate(lams):
            if lam == 0:
                bh = np.einsum("kdn,kn->kd", np.linalg.pinv(X), y)
            else:
                bh = np.linalg.solve(S + lam * np.eye(d), b[..., None])[..., 0]
            out[at:at + k, j] = np.sum((bh - beta) ** 2, axis=1)
    return out


def monte_carlo():
    """Prints the check; returns the number of failures."""
    rng = np.random.default_rng(20250613)
    bad = 0
    print("Monte Carlo, lambda = 0, d = 20: mean within 3 SE of the exact mean")
    for n in (10, 40):
        r = ridge_risks(20, n, [0.0], 0.5, 4000, rng)[:, 0]
        mean, se, ex = r.mean(), r.std(ddof=1) / math.sqrt(len(r)), exact_lambda0(20, n, 0.5)
        ok = abs(mean - ex) <= 3 * se
        bad += not ok
        print(f"  n={n:3d} sigma=0.5 K=4000: {mean:.5f} +- {se:.5f} vs exact {ex:.5f}"
              f" ({(mean - ex) / se:+.2f} SE) {'ok' if ok else 'FAIL'}")
    # finite-size corrections of the ridge risk are O(1/d): allowance 2/d relative
    d = 100
    print(f"Monte Carlo, lambda > 0, d = {d}: within 3 SE + 2/d relative of the limit")
    for n in (50, 200):
        lams = [0.1, 1.0]
        r = ridge_risks(d, n, lams, 0.5, 2000, rng)
        for j, lam in enumerate(lams):
            mean, se = r[:, j].mean(), r[:, j].std(ddof=1) / math.sqrt(r.shape[0])
            lim = mp_integrals(d / n, lam, 0.5)[2]
            ok = abs(mean - lim) <= 3 * se + 2 / d * lim
            bad += not ok
            print(f"  n={n:3d} lambda={lam} sigma=0.5 K=2000: {mean:.5f} +- {se:.5f} vs limit {lim:.5f}"
                  f" (diff {(mean - lim) / lim:+.4f} relative, {(mean - lim) / se:+.2f} SE)"
                  f" {'ok' if ok else 'FAIL'}")
    return bad


def main():
    rows = grid()
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ridge_ref.csv")
    with open(out, "w") as f:
        f.write("d,n,lambda,sigma,risk,risk_exact\n")
        for r in rows:
            f.write(",".join(f"{v:.17g}" for v in r) + "\n")
    print(f"wrote {len(rows)} rows to {out}")
    if monte_carlo():
        sys.exit("Monte Carlo check failed")


if __name__ == "__main__":
    main()
