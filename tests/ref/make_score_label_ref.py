#!/usr/bin/env python3
"""Reference values of the label-based transferability scores of
include/fate_score.h (LEEP, NCE, H-score, GBC, TransRate), written from the
papers' formulas with NumPy, independently of src/score_*.c.

  LEEP (Nguyen et al., ICML 2020, eq. 1-2): P(y, z) = 1/n sum_i theta_i[z]
      [y_i = y], P(y | z) = P(y, z)/P(z), LEEP = 1/n sum_i log sum_z
      P(y_i | z) theta_i[z]; source classes with P(z) = 0 are dropped.
  NCE (Tran et al., ICCV 2019, eq. 4): -H(Y | Z) of the empirical joint of
      the hard source labels z_i and the target labels y_i, in nats.
  H-score (Bao et al., ICIP 2019): tr(cov(f)^+ cov(E[f | y])), covariances
      with 1/n (np.cov(bias=True)), np.linalg.pinv with rcond 1e-12.
  GBC (Pandy et al., CVPR 2022, eq. 2-4, and the authors' code in
      google-research/stable_transfer): per class the mean and the diagonal
      variance (1/n_c, floored at 1e-4); the Bhattacharyya distance between
      two Gaussians written with full (diagonal) matrices and determinants,
      D_B = 1/8 dm^T S^-1 dm + 1/2 ln(det S / sqrt(det S1 det S2)),
      S = (S1 + S2)/2; GBC = -sum over ORDERED pairs c != c' of exp(-D_B).
  TransRate (Huang et al., ICML 2022, Algorithm 1 / their code): Z = F minus
      its mean, R(Z) = 1/2 logdet(I_p + Z^T Z / (n_Z eps)) on the (p, p)
      matrix, TR = R(Z) - mean over the classes present of R(Z_c), eps 1e-4.

Inputs are drawn from numpy.random.default_rng(seed) per case and written to
score_label_ref.csv with the outputs, one record a line:
    case,field,v1,v2,...
fields: dims (n, p, C, Cs; C the target classes), F (n p, row-major),
labels (n), P_src (n Cs), src_labels (n, the argmax of P_src), and the
outputs leep, nce, hscore, gbc, transrate. Doubles are written with repr
(shortest round-trip).
Run from anywhere: python3 tests/ref/make_score_label_ref.py
"""
import os

import numpy as np

EPS_TR = 1e-4
GBC_VAR_FLOOR = 1e-4
HSCORE_RCOND = 1e-12


def leep(P, y, Ct):
    n, Cs = P.shape
    joint = np.zeros((Ct, Cs))
    for i in range(n):
        joint[y[i]] += P[i] / n
    pz = joint.sum(axis=0)
    total = 0.0
    for i in range(n):
        s = 0.0
        for z in range(Cs):
            if pz[z] > 0:
                s += joint[y[i], z] / pz[z] * P[i, z]
        total += np.log(s)
    return total / n


def nce(z, y, Cs, Ct):
    n = len(y)
    joint = np.zeros((Ct, Cs))
    for zi, yi in zip(z, y):
        joint[yi, zi] += 1.0 / n
    pz = joint.sum(axis=0)
    h = 0.0
    for a in range(Ct):
        for b in range(Cs):
            if joint[a, b] > 0:
                h -= joint[a, b] * np.log(joint[a, b] / pz[b])
    return -h


def hscore(F, y):
    cov_f = np.cov(F, rowvar=False, bias=True)
    g = np.zeros_like(F)
    for c in np.unique(y):
        g[y == c] = F[y == c].mean(axis=0)
    cov_g = np.cov(g, rowvar=False, bias=True)
    return float(np.trace(np.linalg.pinv(cov_f, rcond=HSCORE_RCOND) @ cov_g))


def bhattacharyya(m1, S1, m2, S2):
    S = (S1 + S2) / 2
    dm = m1 - m2
    _, ld = np.linalg.slogdet(S)
    _, ld1 = np.linalg.slogdet(S1)
    _, ld2 = np.linalg.slogdet(S2)
    return dm @ np.linalg.solve(S, dm) / 8 + 0.5 * (ld - 0.5 * (ld1 + ld2))


def gbc(F, y):
    classes = np.unique(y)
    stats = {}
    for c in classes:
        Fc = F[y == c]
        stats[c] = (Fc.mean(axis=0), np.diag(np.maximum(Fc.var(axis=0), GBC_VAR_FLOOR)))
    total = 0.0
    for a in classes:
        for b in classes:
            if a != b:
                total += np.exp(-bhattacharyya(*stats[a], *stats[b]))
    return -total


def coding_rate(Z, eps):
    m, p = Z.shape
    _, ld = np.linalg.slogdet(np.eye(p) + Z.T @ Z / (m * eps))
    return 0.5 * ld


def transrate(F, y, eps=EPS_TR):
    Z = F - F.mean(axis=0)
    classes = np.unique(y)
    rc = sum(coding_rate(Z[y == c], eps) for c in classes)
    return coding_rate(Z, eps) - rc / len(classes)


def softmax(a):
    e = np.exp(a - a.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def balanced_labels(rng, n, present):
    """Every class of `present` at least twice (GBC needs it), shuffled."""
    y = np.array([present[i % len(present)] for i in range(n)])
    return rng.permutation(y)


def make_case(name, seed, n, p, C, Cs, present=None, rank=None, zero_src=None):
    rng = np.random.default_rng(seed)
    present = list(range(C)) if present is None else present
    y = balanced_labels(rng, n, present)
    means = 1.5 * rng.standard_normal((C, p))
    if rank is None:
        F = rng.standard_normal((n, p)) + means[y]
    else:  # F = G W with G (n, rank): rank(F) <= rank < p
        W = rng.standard_normal((rank, p))
        G = rng.standard_normal((n, rank)) + 1.5 * rng.standard_normal((C, rank))[y]
        F = G @ W
    # source predictions that partly follow the target label
    logits = rng.standard_normal((n, Cs))
    logits[np.arange(n), y % Cs] += 1.0
    if zero_src is not None:
        logits[:, zero_src] = -np.inf  # a source class never predicted
    P = softmax(logits)
    z = P.argmax(axis=1)
    return dict(name=name, n=n, p=p, C=C, Cs=Cs, F=F, y=y, P=P, z=z)


CASES = [
    make_case("n_gt_p", 1601, 40, 5, 3, 4),
    make_case("n_lt_p", 1602, 12, 20, 3, 5),
    make_case("rank_def", 1603, 30, 8, 3, 4, rank=3),
    make_case("c2", 1604, 25, 4, 2, 2),
    make_case("c3", 1605, 30, 6, 3, 3),
    make_case("cs2_ct3", 1606, 30, 3, 3, 2),
    make_case("absent", 1607, 28, 4, 4, 5, present=[0, 1, 3], zero_src=4),
]


def fmt(vals):
    return ",".join(repr(float(v)) if isinstance(v, (float, np.floating)) else str(int(v)) for v in vals)


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "score_label_ref.csv")
    lines = ["# case,field,values... (tests/ref/make_score_label_ref.py)"]
    for c in CASES:
        name, F, y, P, z = c["name"], c["F"], c["y"], c["P"], c["z"]
        # the values the C test reads back are the ones scored here
        F = np.array([float(repr(v)) for v in F.ravel()]).reshape(F.shape)
        P = np.array([float(repr(v)) for v in P.ravel()]).reshape(P.shape)
        res = dict(
            leep=leep(P, y, c["C"]),
            nce=nce(z, y, c["Cs"], c["C"]),
            hscore=hscore(F, y),
            gbc=gbc(F, y),
            transrate=transrate(F, y),
        )
        lines.append(f"{name},dims,{c['n']},{c['p']},{c['C']},{c['Cs']}")
        lines.append(f"{name},F," + fmt(F.ravel()))
        lines.append(f"{name},labels," + fmt(y))
        lines.append(f"{name},P_src," + fmt(P.ravel()))
        lines.append(f"{name},src_labels," + fmt(z))
        for k, v in res.items():
            assert np.isfinite(v), (name, k, v)
            lines.append(f"{name},{k},{float(v)!r}")
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {out}: {len(CASES)} cases")


if __name__ == "__main__":
    main()
