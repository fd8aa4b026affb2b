"""fate.theory's linear transfer on k pretrained features (THEORY.md
section 10): equal to `fate theory --k ... --format csv` (the same C
functions, printed with %.17g: equal to the bit), the k = 1 reduction, the
best k against a brute-force argmin, and the refusals."""
import math

import numpy as np
import pytest

import fate
from conftest import parse_csv_text, run_cli

GAMMAS = "0.05,0.1,0.3,0.5,1.5"


def _equal(got, want, what):
    a, b = np.asarray(want, dtype=float), np.asarray(got, dtype=float)
    assert (np.isnan(a) == np.isnan(b)).all(), what
    ok = ~np.isnan(a)
    assert (a[ok] == b[ok]).all(), (what, a[ok][a[ok] != b[ok]], b[ok][a[ok] != b[ok]])


@pytest.mark.parametrize("extra", [
    ("--sigma", "0,0.2", "--d", "200", "--k", "1,4,16,60,100", "--rho", "0.3,0.9"),
    ("--sigma", "0.5", "--lambda", "0,0.3", "--d", "100", "--k", "1,8"),
    ("--sigma", "0.2", "--k", "2,40"),
])
def test_columns_equal_cli(cli, extra):
    out = run_cli(cli, "theory", "--gamma", GAMMAS, "--theta", "0.3,1.2", "--format", "csv", *extra).stdout
    c = parse_csv_text(out)
    k = c["k"].astype(np.uint64)
    d = int(c["d"][0]) if "d" in c else 0
    kappa = k / d if d else np.zeros(len(k))
    _equal(c["kappa"], kappa, "kappa")
    r = fate.theory.risk_lt_k_ridge(c["gamma"], kappa, c["lambda"], c["rho_par"], c["sigma"])
    _equal(c["R_lt_k"], r, "R_lt_k")
    _equal(c["T_lt_k"], fate.theory.risk_scratch(c["gamma"], c["sigma"]) - r, "T_lt_k")
    if "--rho" not in extra:
        # libm's cos, as the C code (NumPy's vectorised cos may differ in the last bit)
        _equal(c["rho_par"], [math.cos(t) * math.cos(t) for t in c["theta"]], "rho_par = cos^2 theta")
    if not d:
        assert "R_lt_k_exact" not in c
        return
    n = np.round(c["gamma"] * d).astype(np.uint64)
    x = np.where(c["lambda"] == 0, fate.theory.risk_lt_k_exact(n, k, c["rho_par"], c["sigma"]),
                 fate.theory.risk_lt_k_ridge(n / d, kappa, c["lambda"], c["rho_par"], c["sigma"]))
    _equal(c["R_lt_k_exact"], x, "R_lt_k_exact")
    _equal(c["T_lt_k_exact"], fate.theory.risk_scratch_exact(n, d, c["sigma"]) - x, "T_lt_k_exact")


def test_k1_is_the_one_angle_form_and_old_columns_unchanged(cli):
    base = ("theory", "--gamma", GAMMAS, "--theta", "0.3,1.2", "--sigma", "0.2", "--d", "100",
            "--format", "csv")
    old = run_cli(cli, *base).stdout.splitlines()
    new = run_cli(cli, *base, "--k", "1").stdout.splitlines()
    assert len(old) == len(new)
    for a, b in zip(old, new):
        assert b.startswith(a + ",")  # the k columns are appended, the rest is the same
    c = parse_csv_text("\n".join(new) + "\n")
    np.testing.assert_allclose(c["R_lt_k_exact"], c["R_lt_exact"], rtol=1e-15, atol=1e-15)


def test_limit_formula_and_best_k():
    g, kap, rp, s = 0.8, 0.2, 0.6, 0.3
    rho = 1 - rp
    assert math.isclose(fate.theory.risk_lt_k(g, kap, rp, s), rho + (rho + s * s) * kap / (g - kap),
                        rel_tol=1e-14)
    n, s = 60, 0.2
    rps = [min(1.0, k / 8) for k in range(1, 41)]
    risks = [fate.theory.risk_lt_k_exact(n, k, rps[k - 1], s) for k in range(1, 41)]
    kb, rb = fate.theory.lt_k_best(n, rps, s)
    assert kb == int(np.argmin(risks)) + 1 and rb == min(risks)


def test_refusals():
    assert math.isnan(fate.theory.risk_lt_k_exact(10, 2, 1.5, 0.1))
    assert math.isinf(fate.theory.risk_lt_k_exact(10, 10, 0.5, 0.1))
    with pytest.raises(fate.FateValueError):
        fate.theory.lt_k_best(10, [0.5, 1.2], 0.1)
    with pytest.raises(fate.FateValueError):
        fate.theory.lt_k_best(10, [], 0.1)


@pytest.mark.parametrize("args", [("--k", "0"), ("--k", "2.5"), ("--k", "300", "--d", "200"),
                                  ("--k", "2", "--rho", "1.5"), ("--rho", "0.5"),
                                  ("--k", "2", "--gamma-src", "1"), ("--k", "2", "--boundary")])
def test_cli_refuses(cli, args):
    p = run_cli(cli, "theory", *args, check=False)
    assert p.returncode == 2 and p.stdout == ""
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and ("--k" in lines[0] or "--rho" in lines[0])
