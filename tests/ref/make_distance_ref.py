#!/usr/bin/python3
"""Independent NumPy reference for the distances of src/distance_gauss.c and
src/distance_sample.c (include/fate_distance.h).

Writes tests/ref/distance_ref.txt, a plain text file of named matrices and
scalars:
    matrix NAME ROWS COLS      followed by ROWS lines of COLS numbers
    value NAME NUMBER
Numbers are written with repr() (shortest round-trip form, so C's strtod
reads back the same double). The data sets are drawn here with NumPy's own
generator and stored in the file, so the C test evaluates its estimators on
exactly these samples.

This is deliberately NOT a transliteration of the C code:
  - closed forms use LU solves and slogdet instead of Cholesky factors; the
    Bures trace tr (C1^1/2 C2 C1^1/2)^1/2 is the sum of the square roots of
    the eigenvalues of the non-symmetric C1 C2 (numpy.linalg.eigvals); the
    Gaussian-kernel MMD formula is checked against 1-D quadrature and a
    Monte Carlo estimate before anything is written;
  - sample estimators compute distances by explicit differences (no
    |a|^2 + |b|^2 - 2 a.b), MMD sums over full matrices with masks, exact
    Wasserstein by brute force over all permutations, 1-D Wasserstein by
    evaluating the quantile functions at the midpoints of the merged grid,
    kNN by full sorts, and the bounded-Lipschitz bound by evaluating every
    candidate offset b directly (no sweep).

Run with the system interpreter:  /usr/bin/python3 tests/ref/make_distance_ref.py
"""

import itertools
import math
import os
import sys

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "distance_ref.txt")

lines = []


def put_matrix(name, a):
    a = np.atleast_2d(np.asarray(a, dtype=float))
    lines.append("matrix %s %d %d" % (name, a.shape[0], a.shape[1]))
    for row in a:
        lines.append(" ".join(repr(float(v)) for v in row))


def put_value(name, v):
    v = float(v)
    assert math.isfinite(v), name
    lines.append("value %s %r" % (name, v))


# --------------------------------------------------------------------------
# Closed forms for Gaussians
# --------------------------------------------------------------------------

def kl_gauss(m1, C1, m2, C2):
    D = len(m1)
    dm = m2 - m1
    _, ld1 = np.linalg.slogdet(C1)
    _, ld2 = np.linalg.slogdet(C2)
    return 0.5 * (np.trace(np.linalg.solve(C2, C1)) + dm @ np.linalg.solve(C2, dm) - D + ld2 - ld1)


def bhattacharyya(m1, C1, m2, C2):
    C = 0.5 * (C1 + C2)
    dm = m1 - m2
    _, ld1 = np.linalg.slogdet(C1)
    _, ld2 = np.linalg.slogdet(C2)
    _, ldc = np.linalg.slogdet(C)
    return dm @ np.linalg.solve(C, dm) / 8.0 + 0.5 * (ldc - 0.5 * (ld1 + ld2))


def w2sq_gauss(m1, C1, m2, C2):
    ev = np.linalg.eigvals(C1 @ C2).real
    # Eigenvalues within rounding of zero are zero (singular C): the square
    # root would turn a 1e-16 residue into 1e-8.
    ev[ev < len(m1) * np.finfo(float).eps * np.abs(ev).max()] = 0.0
    tr = np.sum(np.sqrt(ev))
    return max(0.0, float(np.sum((m1 - m2) ** 2) + np.trace(C1) + np.trace(C2) - 2.0 * tr))


def expect_gauss_kernel(mu, S, h):
    """E exp(-|Z|^2/(2 h^2)), Z ~ N(mu, S)."""
    D = len(mu)
    _, ld = np.linalg.slogdet(np.eye(D) + S / h ** 2)
    q = mu @ np.linalg.solve(S + h * h * np.eye(D), mu)
    return math.exp(-0.5 * ld - 0.5 * q)


def mmd2_gauss(m1, C1, m2, C2, h):
    D = len(m1)
    z = np.zeros(D)
    return (expect_gauss_kernel(z, 2 * C1, h) + expect_gauss_kernel(z, 2 * C2, h)
            - 2.0 * expect_gauss_kernel(m1 - m2, C1 + C2, h))


def check_kernel_expectation():
    """The formula against 1-D quadrature and a 2-D Monte Carlo estimate."""
    mu, s2, h = 0.7, 1.9, 0.8
    z = np.linspace(mu - 40.0, mu + 40.0, 400001)
    dens = np.exp(-(z - mu) ** 2 / (2 * s2)) / math.sqrt(2 * math.pi * s2)
    quad = np.trapz(dens * np.exp(-z ** 2 / (2 * h * h)), z)
    form = expect_gauss_kernel(np.array([mu]), np.array([[s2]]), h)
    assert abs(quad - form) < 1e-10, (quad, form)
    rng = np.random.default_rng(99)
    S = np.array([[1.0, 0.4], [0.4, 0.5]])
    m = np.array([0.3, -0.6])
    Z = rng.multivariate_normal(m, S, size=2000000)
    mc = np.mean(np.exp(-np.sum(Z ** 2, axis=1) / (2 * 1.1 ** 2)))
    form = expect_gauss_kernel(m, S, 1.1)
    assert abs(mc - form) < 2e-3, (mc, form)


def random_spd(rng, D, scale=1.0):
    A = rng.normal(size=(D, D))
    return scale * (A @ A.T / D + 0.3 * np.eye(D))


def linear_joint_cov(beta, sigma):
    d = len(beta)
    C = np.zeros((d + 1, d + 1))
    C[:d, :d] = np.eye(d)
    C[:d, d] = beta
    C[d, :d] = beta
    C[d, d] = beta @ beta + sigma * sigma
    return C


def gauss_cases():
    rng = np.random.default_rng(2025)
    cases = []
    for D in (1, 2, 3, 5):
        m1 = rng.normal(size=D)
        m2 = rng.normal(size=D) * 0.5
        cases.append((m1, random_spd(rng, D), m2, random_spd(rng, D, 1.7)))
    # two linear teachers (d = 4, D = 5), sigma = 0.3
    b1 = np.array([0.5, -0.5, 0.5, 0.5])
    b2 = np.array([0.9, 0.1, -0.3, 0.3])
    cases.append((np.zeros(5), linear_joint_cov(b1, 0.3), np.zeros(5), linear_joint_cov(b2, 0.3)))
    return cases


def write_gauss():
    check_kernel_expectation()
    cases = gauss_cases()
    put_value("gauss_ncases", len(cases))
    for i, (m1, C1, m2, C2) in enumerate(cases):
        p = "g%d_" % i
        put_matrix(p + "m1", m1)
        put_matrix(p + "C1", C1)
        put_matrix(p + "m2", m2)
        put_matrix(p + "C2", C2)
        put_value(p + "kl12", kl_gauss(m1, C1, m2, C2))
        put_value(p + "kl21", kl_gauss(m2, C2, m1, C1))
        db = bhattacharyya(m1, C1, m2, C2)
        put_value(p + "bhatt", db)
        put_value(p + "h2", 1.0 - math.exp(-db))
        put_value(p + "w2sq", w2sq_gauss(m1, C1, m2, C2))
        put_value(p + "mmd2_h0.7", mmd2_gauss(m1, C1, m2, C2, 0.7))
        put_value(p + "mmd2_h2.5", mmd2_gauss(m1, C1, m2, C2, 2.5))
    # singular (noiseless) linear teachers: W2 and MMD only
    b1 = np.array([1.0, 0.0, 0.0])
    b2 = np.array([0.6, 0.8, 0.0])
    C1, C2 = linear_joint_cov(b1, 0.0), linear_joint_cov(b2, 0.0)
    put_matrix("gs_beta1", b1)
    put_matrix("gs_beta2", b2)
    put_value("gs_w2sq", w2sq_gauss(np.zeros(4), C1, np.zeros(4), C2))
    put_value("gs_mmd2_h1.5", mmd2_gauss(np.zeros(4), C1, np.zeros(4), C2, 1.5))


# --------------------------------------------------------------------------
# One-dimensional Gaussian quantities for the convergence tests
# --------------------------------------------------------------------------

def normal_pdf(z, m, s):
    return np.exp(-0.5 * ((z - m) / s) ** 2) / (s * math.sqrt(2 * math.pi))


def mean_abs_normal(mu, s):
    """E|Z|, Z ~ N(mu, s^2), by quadrature."""
    z = np.linspace(mu - 40 * s, mu + 40 * s, 800001)
    return np.trapz(np.abs(z) * normal_pdf(z, mu, s), z)


def energy_1d(m1, s1, m2, s2):
    return (2 * mean_abs_normal(m1 - m2, math.hypot(s1, s2))
            - mean_abs_normal(0.0, math.sqrt(2) * s1) - mean_abs_normal(0.0, math.sqrt(2) * s2))


def log_normal_pdf(z, m, s):
    return -0.5 * ((z - m) / s) ** 2 - math.log(s * math.sqrt(2 * math.pi))


def js_1d(m1, s1, m2, s2):
    """JS in nats by quadrature, in logs (no underflow in the tails)."""
    lo = min(m1 - 40 * s1, m2 - 40 * s2)
    hi = max(m1 + 40 * s1, m2 + 40 * s2)
    z = np.linspace(lo, hi, 800001)
    lp, lq = log_normal_pdf(z, m1, s1), log_normal_pdf(z, m2, s2)
    lmix = np.logaddexp(lp, lq) - math.log(2.0)
    return 0.5 * np.trapz(np.exp(lp) * (lp - lmix), z) + 0.5 * np.trapz(np.exp(lq) * (lq - lmix), z)


def tv_1d(m1, s1, m2, s2):
    lo = min(m1 - 40 * s1, m2 - 40 * s2)
    hi = max(m1 + 40 * s1, m2 + 40 * s2)
    z = np.linspace(lo, hi, 800001)
    return 0.5 * np.trapz(np.abs(normal_pdf(z, m1, s1) - normal_pdf(z, m2, s2)), z)


def write_1d_gauss():
    # (m1, s1, m2, s2) pairs used by the convergence tests
    put_value("e1d_a", energy_1d(0.0, 1.0, 0.8, 1.5))
    put_value("js1d_a", js_1d(0.0, 1.0, 1.0, 1.0))
    put_value("tv1d_a", tv_1d(0.0, 1.0, 1.0, 1.0))
    put_value("js1d_b", js_1d(0.0, 1.0, 0.5, 2.0))
    put_value("tv1d_b", tv_1d(0.0, 1.0, 0.5, 2.0))


# --------------------------------------------------------------------------
# Sample estimators
# --------------------------------------------------------------------------

def pdist(A, B):
    diff = A[:, None, :] - B[None, :, :]
    return np.sqrt(np.sum(diff * diff, axis=2))


def kernel(dist, kind, h):
    if kind == "gauss":
        return np.exp(-dist ** 2 / (2 * h * h))
    if kind == "laplace":
        return np.exp(-dist / h)
    return -dist  # energy: |a| + |b| cancels


def mmd2(X, Y, kind, h, unbiased):
    n, m = len(X), len(Y)
    Kxx = kernel(pdist(X, X), kind, h)
    Kyy = kernel(pdist(Y, Y), kind, h)
    Kxy = kernel(pdist(X, Y), kind, h)
    if unbiased:
        offx = ~np.eye(n, dtype=bool)
        offy = ~np.eye(m, dtype=bool)
        return Kxx[offx].sum() / (n * (n - 1)) + Kyy[offy].sum() / (m * (m - 1)) - 2 * Kxy.mean()
    return Kxx.mean() + Kyy.mean() - 2 * Kxy.mean()


def energy_vstat(X, Y):
    return 2 * pdist(X, Y).mean() - pdist(X, X).mean() - pdist(Y, Y).mean()


def median_heuristic(X, Y):
    Z = np.vstack([X, Y])
    N = len(Z)
    if N > 2048:
        Z = Z[[k * N // 2048 for k in range(2048)]]
    dist = pdist(Z, Z)
    iu = np.triu_indices(len(Z), 1)
    return float(np.median(dist[iu]))


def mmd2_linear(X, Y, kind, h):
    p = min(len(X), len(Y)) // 2
    vals = []
    for i in range(p):
        x1, x2, y1, y2 = X[2 * i], X[2 * i + 1], Y[2 * i], Y[2 * i + 1]

        def k(a, b):
            return float(kernel(np.array([np.linalg.norm(a - b)]), kind, h)[0])
        vals.append(k(x1, x2) + k(y1, y2) - k(x1, y2) - k(x2, y1))
    vals = np.array(vals)
    return vals.mean(), vals.std(ddof=1) / math.sqrt(p)


def w1d_pp(x, y, p):
    """int_0^1 |F^-1 - G^-1|^p by the quantile functions at grid midpoints."""
    x, y = np.sort(x), np.sort(y)
    n, m = len(x), len(y)
    grid = np.union1d(np.arange(n + 1) / n, np.arange(m + 1) / m)
    mids = 0.5 * (grid[1:] + grid[:-1])
    fx = x[np.ceil(mids * n).astype(int) - 1]
    fy = y[np.ceil(mids * m).astype(int) - 1]
    return float(np.sum(np.diff(grid) * np.abs(fx - fy) ** p))


def w_exact_brute(X, Y, p):
    C = pdist(X, Y) ** p
    n = len(X)
    best = min(sum(C[i, s[i]] for i in range(n)) for s in itertools.permutations(range(n)))
    return (best / n) ** (1.0 / p)


def knn_kl(X, Y, k):
    n, m = len(X), len(Y)
    D = X.shape[1]
    dxx = np.sort(pdist(X, X), axis=1)  # column 0 is the point itself
    dxy = np.sort(pdist(X, Y), axis=1)
    t = np.log(dxy[:, k - 1] / dxx[:, k])
    return D * t.mean() + math.log(m / (n - 1)), D * t.std(ddof=1) / math.sqrt(n)


def knn_tv_js(X, Y, k):
    tvs, jss, fx_all, fy_all, lx_all, ly_all = [], [], [], [], [], []
    for f in (0, 1):
        g = 1 - f
        Xtr, Ytr = X[g::2], Y[g::2]
        Xte, Yte = X[f::2], Y[f::2]
        tr = np.vstack([Xtr, Ytr])
        ntr = len(Xtr)
        pi = ntr / len(tr)

        def classify(Q):
            dist = pdist(Q, tr)
            order = np.argsort(dist, axis=1, kind="stable")[:, :k]
            B = np.sum(order < ntr, axis=1)
            eta = (B + 0.5) / (k + 1)
            t = eta * (1 - pi) / (eta * (1 - pi) + (1 - eta) * pi)
            return np.sign(2 * t - 1), t

        fx, tx = classify(Xte)
        fy, ty = classify(Yte)
        tvs.append(0.5 * (fx.mean() - fy.mean()))
        jss.append(0.5 * np.mean(np.log(2 * tx)) + 0.5 * np.mean(np.log(2 * (1 - ty))))
        fx_all += list(fx)
        fy_all += list(fy)
        lx_all += list(np.log(2 * tx))
        ly_all += list(np.log(2 * (1 - ty)))
    n, m = len(X), len(Y)
    tv_se = 0.5 * math.sqrt(np.var(fx_all, ddof=1) / n + np.var(fy_all, ddof=1) / m)
    js_se = 0.5 * math.sqrt(np.var(lx_all, ddof=1) / n + np.var(ly_all, ddof=1) / m)
    return np.mean(tvs), np.mean(jss), tv_se, js_se


def bl_lower(X, Y, dirs):
    gs = []
    for w in dirs:
        w = w / np.linalg.norm(w)
        gs.append((X @ w, Y @ w))
    for c in (X.mean(axis=0), Y.mean(axis=0)):
        gs.append((np.linalg.norm(X - c, axis=1), np.linalg.norm(Y - c, axis=1)))
    best = 0.0
    for ux, uy in gs:
        u = np.concatenate([ux, uy])
        rho = u.max() - u.min()
        if rho <= 0:
            continue
        for j in range(25):
            r = rho * 2.0 ** (-j / 2)
            bs = np.concatenate([u - r, u + r])
            fx = np.clip(ux[None, :] - bs[:, None], -r, r).mean(axis=1)
            fy = np.clip(uy[None, :] - bs[:, None], -r, r).mean(axis=1)
            best = max(best, float(np.max(np.abs(fx - fy))) / (1 + r))
    return best


def write_samples():
    rng = np.random.default_rng(7)
    D = 3
    X = rng.normal(size=(40, D)) @ np.array([[1.0, 0.2, 0.0], [0.0, 0.8, 0.3], [0.0, 0.0, 1.2]])
    Y = rng.normal(size=(33, D)) * 1.3 + np.array([0.5, -0.2, 0.1])
    put_matrix("s_X", X)
    put_matrix("s_Y", Y)
    for kind in ("gauss", "laplace", "energy"):
        put_value("s_mmd2_%s_u" % kind, mmd2(X, Y, kind, 1.3, True))
        put_value("s_mmd2_%s_v" % kind, mmd2(X, Y, kind, 1.3, False))
    h = median_heuristic(X, Y)
    put_value("s_median_h", h)
    put_value("s_mmd2_gauss_u_median", mmd2(X, Y, "gauss", h, True))
    put_value("s_mmd2_laplace_v_median", mmd2(X, Y, "laplace", h, False))
    put_value("s_energy_v", energy_vstat(X, Y))
    put_value("s_energy_u", mmd2(X, Y, "energy", 1.0, True))
    for kind in ("gauss", "laplace", "energy"):
        v, se = mmd2_linear(X, Y, kind, 1.3)
        put_value("s_mmd2lin_%s" % kind, v)
        put_value("s_mmd2lin_%s_se" % kind, se)
    for k in (1, 3):
        v, se = knn_kl(X, Y, k)
        put_value("s_knnkl_k%d" % k, v)
        put_value("s_knnkl_k%d_se" % k, se)
        v, se = knn_kl(Y, X, k)
        put_value("s_knnkl_rev_k%d" % k, v)
    for k in (1, 3, 8):
        tv, js, tvse, jsse = knn_tv_js(X, Y, k)
        put_value("s_tv_k%d" % k, tv)
        put_value("s_js_k%d" % k, js)
        put_value("s_tv_se_k%d" % k, tvse)
        put_value("s_js_se_k%d" % k, jsse)
    # directions, deliberately not unit (the library normalises them)
    dirs = np.array([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0], [1.0, -1.0, 0.5], [0.3, 0.3, -3.0]])
    put_matrix("s_dirs", dirs)
    put_value("s_bl", bl_lower(X, Y, dirs))
    put_value("s_bl_radial", bl_lower(X, Y, np.zeros((0, D))))
    units = dirs / np.linalg.norm(dirs, axis=1)[:, None]
    for p in (1.0, 2.0):
        per = [w1d_pp(X @ w, Y @ w, p) for w in units]
        put_matrix("s_sliced_perdir_p%d" % p, per)
        put_value("s_sliced_p%d" % p, np.mean(per) ** (1.0 / p))

    # exact Wasserstein, n = m = 8 in D = 2, by brute force
    Xe = rng.normal(size=(8, 2))
    Ye = rng.normal(size=(8, 2)) + np.array([1.0, 0.0])
    put_matrix("e_X", Xe)
    put_matrix("e_Y", Ye)
    for p, tag in ((1.0, "1"), (2.0, "2"), (1.5, "1.5")):
        put_value("e_w" + tag, w_exact_brute(Xe, Ye, p))

    # 1-D, unequal sizes
    x = rng.normal(size=13)
    y = rng.normal(size=7) * 2 + 0.3
    put_matrix("w1d_x", x)
    put_matrix("w1d_y", y)
    for p, tag in ((1.0, "1"), (2.0, "2"), (3.0, "3")):
        put_value("w1d_w" + tag, w1d_pp(x, y, p) ** (1.0 / p))

    # median heuristic on more than 2048 pooled rows (subsample rule), data
    # from an integer formula the C test reproduces exactly
    n, m = 1500, 1300
    Xl = np.array([[(i * 37 % 101) / 7.0, (i * 53 % 97) / 5.0] for i in range(n)])
    Yl = np.array([[(i * 29 % 89) / 3.0, (i * 61 % 83) / 11.0] for i in range(m)])
    put_value("lattice_median_h", median_heuristic(Xl, Yl))


def main():
    write_gauss()
    write_1d_gauss()
    write_samples()
    with open(OUT, "w") as f:
        f.write("# generated by tests/ref/make_distance_ref.py (numpy %s); do not edit\n"
                % np.__version__)
        f.write("\n".join(lines) + "\n")
    print("wrote %s (%d lines)" % (OUT, len(lines) + 1), file=sys.stderr)


if __name__ == "__main__":
    main()
