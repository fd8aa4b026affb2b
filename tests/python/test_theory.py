"""fate.theory: the closed forms, vectorised, equal `fate theory`'s values."""
import math

import numpy as np
import pytest

import fate
from conftest import parse_csv_text, run_cli

GAMMAS = "0.1,0.25,0.5,0.75,0.9,1.5,2"
# decimal angles, so that the CLI's printed theta (10 digits) is its input
THETAS = "0,0.3,0.7853981634,1.2,1.5707963268,2"


def _cli_theory(cli, *extra):
    return parse_csv_text(run_cli(cli, "theory", "--format", "csv", "--gamma", GAMMAS,
                                  "--theta", THETAS, *extra).stdout)


def _compare(ref, got, cols):
    for c in cols:
        a, b = np.asarray(ref[c], dtype=float), np.asarray(got[c], dtype=float).ravel()
        assert a.shape == b.shape, c
        same_nan = np.isnan(a) == np.isnan(b)
        assert same_nan.all(), (c, a[~same_nan], b[~same_nan])
        np.testing.assert_allclose(b[~np.isnan(a)], a[~np.isnan(a)], rtol=2e-9, atol=1e-15,
                                   err_msg=c)


@pytest.mark.parametrize("extra", [
    ("--sigma", "0,0.2,1", "--d", "100"),
    ("--sigma", "0.2", "--lambda", "0,0.3", "--d", "40", "--depth", "3"),
    ("--sigma", "0.2", "--gamma-src", "0.5,1.5", "--sigma-src", "0,0.2", "--d", "60"),
])
def test_evaluate_equals_cli(cli, extra):
    ref = _cli_theory(cli, *extra)
    opt = dict(zip(extra[0::2], extra[1::2]))
    d = int(opt.get("--d", 0))
    depth = int(opt.get("--depth", 2))
    gs = ref["gamma_src"].astype(float)
    got = fate.theory.evaluate(ref["gamma"], ref["theta"], ref["sigma"], ref["lambda"],
                               np.where(np.isinf(gs), 0.0, gs), ref["sigma_src"], d=d, depth=depth)
    cols = ["R_sc", "R_lt", "R_ft", "T_lt", "T_ft", "T_ft_gf", "R_ft_gf", "c_gf", "kl"]
    if d:
        cols += ["R_sc_exact", "R_lt_exact", "T_lt_exact", "T_ft_exact", "T_ft_gf_exact"]
        assert (got["d"] == d).all()
    _compare(ref, got, cols)
    assert set(got) == set(fate.theory.THEORY_FIELDS)


def test_boundary_equals_cli(cli):
    ref = parse_csv_text(run_cli(cli, "theory", "--boundary", "--format", "csv", "--theta",
                                 "0,0.3,0.7853981634,1.2,1.5707963268", "--sigma", "0,0.2,0.7").stdout)
    got = fate.theory.lt_boundary(ref["theta"], ref["sigma"])
    assert got["n_roots"].dtype.kind == "i"
    np.testing.assert_array_equal(got["n_roots"], ref["n_roots"])
    _compare(ref, got, ["g_lo", "g_hi", "g_over"])


def test_functions_agree_with_evaluate_and_formulas(lib):
    g = np.linspace(0.05, 1.95, 39)[:, None]
    th = np.array([0.0, math.pi / 8, math.pi / 4, 3 * math.pi / 8, math.pi / 2])[None, :]
    s = 0.3
    ev = fate.theory.evaluate(g, th, s, d=200)
    assert ev["R_sc"].shape == (39, 5)
    np.testing.assert_array_equal(fate.theory.risk_scratch(g, s) + 0 * th, ev["R_sc"])
    np.testing.assert_array_equal(fate.theory.T_ft(g, th), ev["T_ft"])
    np.testing.assert_array_equal(fate.theory.T_ft_gf(g, th, s, depth=2), ev["T_ft_gf"])
    np.testing.assert_array_equal(fate.theory.kl_linear(th, s)[0], ev["kl"][0])
    # the closed forms themselves
    gg = g.ravel()
    with np.errstate(divide="ignore"):
        ref = np.where(gg < 1, (1 - gg) + gg * s**2 / (1 - gg), s**2 / (gg - 1))
    np.testing.assert_allclose(fate.theory.risk_scratch(gg, s), ref, rtol=1e-13)
    lam = np.array([0.0, 0.1, 0.5])
    np.testing.assert_allclose(fate.theory.risk_lt_ridge(math.pi / 8, lam),
                               1 - (1 + 2 * lam) / (1 + lam)**2 * math.cos(math.pi / 8)**2,
                               rtol=1e-13)
    n, d = np.array([10, 50, 150]), 100
    np.testing.assert_allclose(fate.theory.risk_scratch_exact(n, d, s),
                               [1 - 0.1 + s**2 * 10 / 89, 0.5 + s**2 * 50 / 49, s**2 * 100 / 49],
                               rtol=1e-13)
    np.testing.assert_allclose(fate.theory.risk_lt_exact(n, 0.5, s),
                               np.sin(0.5)**2 + (np.sin(0.5)**2 + s**2) / (n - 2), rtol=1e-13)
    # c solves c^4 - a c^2 - b = 0 at depth 2, q = 1
    a, b = np.array([0.2, 0.5, 0.9]), np.array([0.8, 0.6, 0.1])
    c = fate.theory.ft_c(a, b)
    np.testing.assert_allclose(c**4 - a * c**2 - b, 0, atol=1e-12)
    m, q = fate.theory.source_moments(0.3, [0.5, 2.0], 0.2)
    assert m.shape == q.shape == (2,)
    np.testing.assert_allclose(fate.theory.risk_lt_source(0.3, [0.5, 2.0], 0.2), 1 - m**2 / q,
                               rtol=1e-12)
    me, qe = fate.theory.source_moments_exact(0.3, 50, 100, 0.2)
    assert np.isfinite(me) and np.isfinite(qe)
    assert np.isfinite(fate.theory.T_ft_gf_exact(40, 100, 0.2, math.cos(0.3)))


def test_scalars_and_shapes(lib):
    v = fate.theory.risk_scratch(0.5, 0.2)
    assert isinstance(v, np.floating) and np.ndim(v) == 0
    assert fate.theory.risk_scratch([0.5], 0.2).shape == (1,)
    assert fate.theory.risk_scratch(np.ones((2, 3)), [0.0, 0.1, 0.2]).shape == (2, 3)
    assert fate.theory.risk_scratch_exact(np.int32(10), 100, 0.0) == pytest.approx(0.9)
    assert fate.theory.evaluate(0.5, math.pi / 4)["R_sc"].shape == ()
    assert math.isinf(fate.theory.risk_scratch(1.0, 0.2))
    assert math.isnan(fate.theory.risk_scratch(-1.0, 0.2))  # outside the domain: NaN, as in C


def test_bad_arguments_raise_before_c(lib):
    with pytest.raises(TypeError):
        fate.theory.risk_scratch_exact(10.0, 100, 0.2)      # a count must be an integer
    with pytest.raises(TypeError):
        fate.theory.risk_scratch("0.5", 0.2)
    with pytest.raises(TypeError):
        fate.theory.risk_scratch(0.5 + 1j, 0.2)
    with pytest.raises(ValueError):
        fate.theory.risk_scratch_exact(-3, 100, 0.2)
    with pytest.raises(ValueError):
        fate.theory.risk_scratch(np.ones(3), np.ones(4))     # shapes do not broadcast
    with pytest.raises(fate.FateValueError) as e:
        fate.theory.evaluate([0.5, 0.7], [0.3, 4.0])         # theta outside [0, pi]
    assert isinstance(e.value, ValueError) and isinstance(e.value, fate.FateError)
    assert e.value.status == 1 and "theta=4" in str(e.value)
