#!/usr/bin/env python3
"""Reference values of linear transfer on a k-dimensional feature space
(THEORY.md section 10), computed independently of src/theory_k.c.

Model: x ~ N(0, I_d); B (d x k) with orthonormal columns (a random rotation
here, not coordinate vectors); a unit target beta_t = sqrt(rho_par) u +
sqrt(1 - rho_par) v with u a random unit vector in span(B) and v one
orthogonal to it; y = x . beta_t + sigma xi. The head w is fit on z = B^T x
by least squares (n > k) or the minimum-norm solution (n < k), and
beta_hat = B w; R = |beta_hat - beta_t|^2.

"exact" rows: Monte Carlo of that whole d-dimensional problem (d = k + 5,
DRAWS draws of X, the noise, B and the teacher, seed fixed): the mean risk
and its standard error, which the C test compares with
fate_theory_lt_k_exact (within 4 standard errors; the formula is not used
here).

"limit" rows: the limit at gamma = n/d, kappa = k/d with the head's ridge
lambda (loss |y - Z w|^2/n + lambda |w|^2): with psi = kappa/gamma and mu
the Marchenko-Pastur law of ratio psi (atom 1 - 1/psi at 0 when psi > 1),
    R = rho + rho_par int lambda^2/(s + lambda)^2 dmu(s)
            + (rho + sigma^2) psi int s/(s + lambda)^2 dmu(s),
the integrals over the density by Gauss-Chebyshev quadrature of the second
kind after s = c + h cos t (the density's square root becomes sin^2 t, the
weight), the atom added by hand (at lambda = 0 it is the unseen directions
of span(B): bias rho_par (1 - 1/psi), no variance). No Stieltjes transform,
no quadratic equation. The C test asks 1e-9 relative.

"best" rows (n, k = K, kappa = kstar, rho_par = the best k, value = its risk):
the k in 1..K minimising the exact mean for rho_par(k) =
min(1, k/kstar), evaluated here from traces of inverse-Wishart means, written
out as sums over k (E[(W^{-1})_ii] = 1/(dof - dim - 1)), with its own loop.
"""
import csv
import os
import sys

import numpy as np

DRAWS = 40000
SEED = 20261206


def draw_setup(rng, d, k, rho_par):
    """A random orthonormal B (d x k) and a unit teacher with rho_par in span(B)."""
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    B = q[:, :k]
    u = B @ rng.standard_normal(k)
    u /= np.linalg.norm(u)
    v = q[:, k:] @ rng.standard_normal(d - k)
    v /= np.linalg.norm(v)
    return B, np.sqrt(rho_par) * u + np.sqrt(1.0 - rho_par) * v


def mc_exact(rng, n, k, rho_par, sigma):
    d = k + 5
    risks = np.empty(DRAWS)
    chunk = 2000
    for c0 in range(0, DRAWS, chunk):
        B, bt = draw_setup(rng, d, k, rho_par)
        X = rng.standard_normal((chunk, n, d))
        y = X @ bt + sigma * rng.standard_normal((chunk, n))
        Z = X @ B                                   # (chunk, n, k)
        w = np.stack([np.linalg.pinv(Z[i]) @ y[i] for i in range(chunk)])
        err = w @ B.T - bt
        risks[c0:c0 + chunk] = np.sum(err * err, axis=1)
    return risks.mean(), risks.std(ddof=1) / np.sqrt(DRAWS)


def mp_integrals(psi, lam, nodes=4000):
    """int lam^2/(s+lam)^2 dmu and psi int s/(s+lam)^2 dmu, mu = MP(psi)."""
    lo, hi = (1 - np.sqrt(psi)) ** 2, (1 + np.sqrt(psi)) ** 2
    c, h = (hi + lo) / 2, (hi - lo) / 2
    i = np.arange(1, nodes + 1)
    t = i * np.pi / (nodes + 1)
    wq = np.pi / (nodes + 1) * np.sin(t) ** 2       # Gauss-Chebyshev, 2nd kind
    s = c + h * np.cos(t)
    dens = wq * h * h / (2 * np.pi * psi * s)        # dmu_cont at the nodes
    atom = max(0.0, 1 - 1 / psi)
    if lam > 0:
        bias = np.sum(dens * lam ** 2 / (s + lam) ** 2) + atom
    else:
        bias = atom
    var = psi * np.sum(dens * s / (s + lam) ** 2)
    return bias, var


def limit(gamma, kappa, lam, rho_par, sigma):
    rho = 1 - rho_par
    bias, var = mp_integrals(kappa / gamma, lam)
    return rho + rho_par * bias + (rho + sigma ** 2) * var


def exact_by_traces(n, k, rho_par, sigma):
    rho = 1 - rho_par
    if n > k + 1:
        tr = sum(1.0 / (n - k - 1) for _ in range(k))
        return rho + (rho + sigma ** 2) * tr
    if n < k - 1:
        tr = sum(1.0 / (k - n - 1) for _ in range(n))
        return rho + rho_par * (k - n) / k + (rho + sigma ** 2) * tr
    return np.inf


def best_k(n, K, kstar, sigma):
    best, rbest = 0, np.inf
    for k in range(1, K + 1):
        r = exact_by_traces(n, k, min(1.0, k / kstar), sigma)
        if r < rbest:
            best, rbest = k, r
    return best, rbest


def main(out):
    rng = np.random.default_rng(SEED)
    rows = []
    for (n, k) in [(5, 1), (20, 1), (10, 4), (30, 4), (26, 16), (60, 16), (6, 16), (3, 8)]:
        for rho_par in (0.3, 0.8):
            for sigma in (0.0, 0.5):
                m, se = mc_exact(rng, n, k, rho_par, sigma)
                rows.append(["exact", n, k, 0, 0, 0, rho_par, sigma, m, se])
    for gamma in (0.5, 1.0, 2.0):
        for kappa in (0.1, 0.4, 0.9, 1.5):
            for lam in (0.0, 1e-3, 0.1, 1.0, 10.0):
                if lam == 0 and abs(kappa - gamma) < 1e-12:
                    continue
                for rho_par, sigma in ((0.3, 0.0), (0.8, 0.5), (1.0, 1.0)):
                    rows.append(["limit", 0, 0, gamma, kappa, lam, rho_par, sigma,
                                 limit(gamma, kappa, lam, rho_par, sigma), 0.0])
    for (n, K, kstar, sigma) in [(30, 40, 8, 0.2), (60, 40, 8, 0.2), (30, 40, 20, 0.0),
                                 (120, 100, 50, 1.0), (10, 30, 3, 0.5)]:
        kb, rb = best_k(n, K, kstar, sigma)
        rows.append(["best", n, K, 0, kstar, 0, kb, sigma, rb, 0.0])
    with open(out, "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["kind", "n", "k", "gamma", "kappa", "lambda", "rho_par", "sigma", "value", "se"])
        for r in rows:
            wr.writerow([r[0]] + [repr(x) if isinstance(x, float) else x for x in r[1:]])


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else
         os.path.join(os.path.dirname(os.path.abspath(__file__)), "k_ref.csv"))
