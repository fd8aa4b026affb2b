"""fate.theory's closed forms of the methods beyond the paper (LP-FT, L2-SP,
the ridge baseline; THEORY.md section 8): equal to `fate theory --format csv`
and to the independent NumPy references in tests/ref."""
import math
import os

import numpy as np
import pytest

import fate
from conftest import parse_csv_text, run_cli

REF = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ref")
GAMMAS = "0.1,0.25,0.5,0.75,0.9,1.5,2"
THETAS = "0,0.3,0.7853981634,1.2,1.5707963268,2"
NEW = ["R_lpft", "T_lpft", "c_lpft", "R_l2sp", "T_l2sp", "lambda_l2sp", "R_ridge", "T_ridge",
       "lambda_ridge"]
NEW_EXACT = [c + "_exact" for c in NEW]


def _ref_csv(name):
    with open(os.path.join(REF, name)) as f:
        lines = [ln for ln in f if not ln.startswith("#")]
    return parse_csv_text("".join(lines))


def _same(got, want, rtol=2e-9, atol=1e-15, what=""):
    a, b = np.asarray(want, dtype=float).ravel(), np.asarray(got, dtype=float).ravel()
    assert a.shape == b.shape, what
    assert (np.isnan(a) == np.isnan(b)).all(), (what, a[np.isnan(a) != np.isnan(b)])
    ok = ~np.isnan(a)
    np.testing.assert_allclose(b[ok], a[ok], rtol=rtol, atol=atol, err_msg=what)


@pytest.mark.parametrize("extra", [
    ("--sigma", "0,0.2,1", "--d", "100"),
    ("--sigma", "0.3", "--lambda", "0,0.2", "--d", "60", "--depth", "3", "--l2sp-lambda", "0,0.5,opt"),
    ("--sigma", "0.2", "--gamma-src", "0.5,1.5", "--sigma-src", "0.1", "--d", "80"),
    ("--sigma", "0.5", "--l2sp-lambda", "opt,0.1,0.2,0.3"),
])
def test_evaluate_new_columns_equal_cli(cli, extra):
    ref = parse_csv_text(run_cli(cli, "theory", "--format", "csv", "--gamma", GAMMAS, "--theta", THETAS,
                                 *extra).stdout)
    opt = dict(zip(extra[0::2], extra[1::2]))
    d, depth = int(opt.get("--d", 0)), int(opt.get("--depth", 2))
    gs = ref["gamma_src"].astype(float)
    # the CLI prints the lambda it used; the input list is the grid's outermost axis
    l2 = opt.get("--l2sp-lambda", "opt").split(",")
    vals = []
    for w in l2:
        if w == "opt":
            vals.append(fate.theory.LAMBDA_OPT)
        elif ":" in w:
            a, b, n = w.split(":")
            vals += list(np.linspace(float(a), float(b), int(n)))
        else:
            vals.append(float(w))
    per = len(ref["gamma"]) // len(vals)
    l2in = np.repeat(vals, per)
    got = fate.theory.evaluate(ref["gamma"], ref["theta"], ref["sigma"], ref["lambda"],
                               np.where(np.isinf(gs), 0.0, gs), ref["sigma_src"], d=d, depth=depth,
                               l2sp_lambda=l2in)
    for c in NEW + (NEW_EXACT if d else []):
        _same(got[c], ref[c], what=c)
    # the paper's columns did not move
    _same(got["T_ft_gf"], ref["T_ft_gf"], what="T_ft_gf")


def test_boundary_new_columns_equal_cli(cli):
    th = "0,0.3,0.7853981634,1.2,1.5707963268,2.5"
    for depth in (2, 3):
        ref = parse_csv_text(run_cli(cli, "theory", "--boundary", "--format", "csv", "--theta", th,
                                     "--sigma", "0,0.2,0.7", "--depth", str(depth)).stdout)
        lp = fate.theory.lpft_boundary(ref["theta"], ref["sigma"], depth)
        _same(lp["g_sc"], ref["g_lpft_sc"], what="g_lpft_sc")
        _same(lp["g_ft"], ref["g_lpft_ft"], what="g_lpft_ft")
        _same(fate.theory.l2sp_boundary(ref["theta"], ref["sigma"]), ref["g_l2sp"], what="g_l2sp")


def test_boundaries_against_numpy_root_find(lib):
    ref = _ref_csv("boundary_ref.csv")
    lp = fate.theory.lpft_boundary(ref["theta"], ref["sigma"], ref["depth"].astype(np.int64))
    np.testing.assert_allclose(lp["g_sc"], ref["g_lpft_sc"], atol=1e-9)
    np.testing.assert_allclose(lp["g_ft"], ref["g_lpft_ft"], atol=1e-9)
    np.testing.assert_allclose(fate.theory.l2sp_boundary(ref["theta"], ref["sigma"]), ref["g_l2sp"],
                               atol=1e-9)


def test_lpft_against_numpy_reference(lib):
    ref = _ref_csv("lpft_ref.csv")
    g, th, s, lam = ref["gamma"], ref["theta"], ref["sigma"], ref["lambda"]
    gs, ss, d = ref["gamma_src"], ref["sigma_src"], ref["d"].astype(np.int64)
    L = ref["depth"].astype(np.int64)
    L[L == 0] = 2  # depth 0 means 2, as in fate_theory_eval
    m, q = np.cos(th), np.ones_like(th)
    fin = gs > 0
    m[fin], q[fin] = fate.theory.source_moments(th[fin], gs[fin], ss[fin])
    _same(fate.theory.T_lpft_moments(g, s, m, q, lam, L), ref["T_lpft"], rtol=1e-9, atol=1e-12,
          what="T_lpft")
    _same(fate.theory.lpft_c_moments(g, s, m, q, lam, L), ref["c_lpft"], rtol=1e-9, atol=1e-12,
          what="c_lpft")
    inf0 = (gs == 0) & (lam == 0)
    _same(fate.theory.T_lpft(g[inf0], th[inf0], s[inf0], L[inf0]), ref["T_lpft"][inf0], rtol=1e-9,
          atol=1e-12, what="T_lpft infinite source")
    ex = d > 0
    n = np.rint(g[ex] * d[ex]).astype(np.int64)
    me, qe = np.cos(th[ex]), np.ones(ex.sum())
    fe = gs[ex] > 0
    me[fe], qe[fe] = fate.theory.source_moments_exact(th[ex][fe], np.rint(gs[ex][fe] * d[ex][fe]).astype(np.int64),
                                                      d[ex][fe], ss[ex][fe])
    _same(fate.theory.T_lpft_exact(n, d[ex], s[ex], me, qe, lam[ex], L[ex]), ref["T_lpft_exact"][ex],
          rtol=1e-9, atol=1e-12, what="T_lpft_exact")
    _same(fate.theory.lpft_c_exact(n, d[ex], s[ex], me, qe, lam[ex], L[ex]), ref["c_lpft_exact"][ex],
          rtol=1e-9, atol=1e-12, what="c_lpft_exact")
    # lpft_c at k2 = 1 is fine-tuning's c
    a, b = np.array([0.3, 0.6]), np.array([0.7, 0.5])
    np.testing.assert_allclose(fate.theory.lpft_c(a, b, 1.0, 1.0, 3), fate.theory.ft_c(a, b, 1.0, 3),
                               rtol=1e-12)


def test_ridge_and_l2sp_against_numpy_reference(lib):
    ref = _ref_csv("l2sp_ref.csv")
    kind = ref["kind"]
    lim = kind == "limit"
    _same(fate.theory.ridge(ref["psi"][lim], ref["lambda"][lim], ref["sigma"][lim], ref["r2"][lim]),
          ref["risk"][lim], rtol=1e-10, atol=1e-14, what="ridge")
    ex = kind == "exact"
    _same(fate.theory.ridge_exact(ref["n"][ex].astype(np.int64), ref["d"][ex].astype(np.int64),
                                  ref["sigma"][ex], ref["r2"][ex]), ref["risk"][ex], rtol=1e-12,
          what="ridge_exact")
    op = (kind == "opt") & np.isfinite(ref["lambda"]) & (ref["lambda"] > 0)
    np.testing.assert_allclose(fate.theory.ridge_lambda_opt(ref["psi"][op], ref["sigma"][op], ref["r2"][op]),
                               ref["lambda"][op], rtol=1e-6)
    # L2-SP: the ridge at r2 = 1 - 2m + q; at its optimum no worse than any lambda
    psi, s, m = 2.0, 0.5, math.cos(1.0)
    best = fate.theory.risk_l2sp(psi, fate.theory.LAMBDA_OPT, s, m)
    assert best == fate.theory.ridge(psi, fate.theory.ridge_lambda_opt(psi, s, 2 - 2 * m), s, 2 - 2 * m)
    assert (fate.theory.risk_l2sp(psi, np.logspace(-3, 2, 30), s, m) >= best - 1e-15).all()


def test_bad_l2sp_lambda_raises(lib):
    with pytest.raises(fate.FateValueError):
        fate.theory.evaluate(0.5, 0.3, l2sp_lambda=-0.5)
    assert math.isnan(fate.theory.risk_l2sp(2.0, -0.5, 0.2))


def test_run_l2sp_w(lib):
    """fate.run knows the weight-level L2-SP; at l2sp_lambda = 0 it is fine-tuning."""
    r = fate.run(d=40, gamma=0.5, theta=0.6, sigma=0.3, instances=3, methods=("ft", "l2sp_w"),
                 l2sp_lambda=0.0, threads=1)
    np.testing.assert_array_equal(r["l2sp_w"]["risk"], r["ft"]["risk"])
    r = fate.run(d=40, gamma=0.5, theta=0.6, sigma=0.3, instances=3, methods=("ft", "l2sp_w"), threads=1)
    assert (r["l2sp_w"]["risk"] != r["ft"]["risk"]).all()
