"""fate.phase: documented shapes, the same numbers as `fate phase` and as
fate.run cell by cell, hooks, interruption and errors."""
import math

import numpy as np
import pytest

import fate
from conftest import interrupted, run_cli

GAMMAS = [0.3, 0.6, 1.2]
THETAS = [0.2, 0.8]
LAMBDAS = [0.0, 0.1]
D, K = 20, 3


@pytest.fixture(scope="module")
def sweep(lib):
    return fate.phase(GAMMAS, THETAS, LAMBDAS, d=D, instances=K)


def test_shapes(sweep):
    G, T, NL = len(GAMMAS), len(THETAS), len(LAMBDAS)
    p = sweep
    assert p["method"] == ("scratch", "lt", "ft") == fate.METHODS
    np.testing.assert_array_equal(p["gamma"], GAMMAS)
    np.testing.assert_array_equal(p["theta"], THETAS)
    np.testing.assert_array_equal(p["lambda"], LAMBDAS)
    assert p["n"].tolist() == [6, 12, 24] and p["instance"].tolist() == [0, 1, 2]
    for k in ("risk", "T", "train_loss", "loss_min", "balance", "lr"):
        assert p[k].shape == (G, T, 3, K) and p[k].dtype == np.float64, k
    assert p["steps"].shape == (G, T, 3, K) and p["steps"].dtype == np.int64
    assert p["converged"].dtype == bool and p["on_saddle"].shape == (G, T, 3, K)
    for k in ("mean_risk", "sem_risk", "mean_T", "sem_T", "theory_risk", "theory_T"):
        assert p[k].shape == (G, T, 3), k
    assert p["theory_T_paper"].shape == (G, T) and p["ft_c"].shape == (G, T, K)
    for k in ("risk", "T", "train_loss", "loss_min", "balance", "steps", "converged"):
        assert p["lt"][k].shape == (G, T, NL, K), k
    for k in ("mean_risk", "sem_risk", "mean_T", "sem_T", "theory_risk", "theory_T"):
        assert p["lt"][k].shape == (G, T, NL), k
    assert p["pretrain"]["risk"].shape == (T, K)
    assert p["done"].shape == (G, T) and p["done"].all() and p["complete"] is True
    assert np.isfinite(p["risk"]).all()
    # the method axis holds lt at the first lambda
    np.testing.assert_array_equal(p["risk"][:, :, 1], p["lt"]["risk"][:, :, 0])
    np.testing.assert_array_equal(p["T"], p["risk"][:, :, :1] - p["risk"])
    np.testing.assert_allclose(p["mean_T"], p["T"].mean(axis=-1), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(p["sem_T"], p["T"].std(axis=-1, ddof=1) / math.sqrt(K),
                               rtol=1e-12, atol=1e-15)
    # scratch does not depend on theta (same target set at every angle)
    np.testing.assert_array_equal(p["risk"][:, 0, 0], p["risk"][:, 1, 0])


def test_equals_run_cell_by_cell(sweep):
    for j, g in enumerate(GAMMAS):
        for t, th in enumerate(THETAS):
            for l, lam in enumerate(LAMBDAS):
                r = fate.run(d=D, gamma=g, theta=th, lam=lam, instances=K)
                np.testing.assert_array_equal(r["lt"]["risk"], sweep["lt"]["risk"][j, t, l])
                assert sweep["lt"]["theory_risk"][j, t, l] == r["theory"]["lt"]
            r = fate.run(d=D, gamma=g, theta=th, lam=LAMBDAS[0], instances=K)
            for k, m in enumerate(fate.METHODS):
                np.testing.assert_array_equal(r[m]["risk"], sweep["risk"][j, t, k])
                np.testing.assert_array_equal(r[m]["steps"], sweep["steps"][j, t, k])
            np.testing.assert_array_equal(r["ft_c"], sweep["ft_c"][j, t])
            np.testing.assert_array_equal(r["pretrain"]["risk"], sweep["pretrain"]["risk"][t])
            assert sweep["theory_risk"][j, t].tolist() == [r["theory"][m] for m in fate.METHODS]
            assert sweep["theory_T"][j, t, 2] == r["theory"]["T_ft"]
            assert sweep["theory_T_paper"][j, t] == r["theory"]["T_ft_paper"]


def test_equals_cli(cli, sweep, tmp_path):
    out = tmp_path / "ph"
    run_cli(cli, "phase", "--d", D, "--gamma", ",".join(map(str, GAMMAS)), "--theta",
            ",".join(map(str, THETAS)), "--lambda", ",".join(map(str, LAMBDAS)),
            "--instances", K, "--plot", "none", "--quiet", "--out", out)
    grid = fate.load(out)["grid"]
    for k in ("risk", "T", "train_loss", "loss_min", "balance", "steps", "converged",
              "on_saddle", "ft_c", "mean_risk", "mean_T", "sem_T", "theory_risk", "theory_T",
              "theory_T_paper"):
        np.testing.assert_allclose(grid[k], sweep[k], rtol=1e-15, atol=0, err_msg=k)
    for k in ("risk", "T", "mean_risk", "theory_risk", "theory_T"):
        np.testing.assert_allclose(grid["lt"][k], sweep["lt"][k], rtol=1e-15, atol=0,
                                   err_msg="lt " + k)


def test_methods_not_run_are_nan(lib):
    p = fate.phase([0.5], [0.3, 0.6], d=16, instances=2, methods=("scratch", "ft"))
    assert np.isnan(p["risk"][:, :, 1]).all() and np.isnan(p["lt"]["risk"]).all()
    assert (p["steps"][:, :, 1] == -1).all() and not p["converged"][:, :, 1].any()
    assert np.isfinite(p["risk"][:, :, [0, 2]]).all()
    s = fate.phase([0.5, 0.8], [0.3], d=16, instances=2, methods=("scratch",))
    assert np.isfinite(s["risk"][:, :, 0]).all() and np.isnan(s["T"][:, :, 2]).all()
    assert np.isnan(s["pretrain"]["risk"]).all() and s["complete"]
    n = fate.phase([0.5], [0.3], d=16, instances=2, methods=("lt",))
    assert np.isnan(n["T"]).all() and np.isfinite(n["risk"][:, :, 1]).all()


def test_hooks_stop_and_progress(lib):
    calls = []
    p = fate.phase(np.linspace(0.2, 1.0, 5), [0.3, 0.6, 0.9], d=16, instances=2,
                   threads=1, progress=lambda done, total: calls.append((done, total)),
                   should_stop=lambda: len(calls) >= 25)
    assert not p["complete"]
    assert 0 < p["done"].sum() < p["done"].size
    assert np.isnan(p["risk"][~p["done"]]).all() and np.isfinite(p["risk"][p["done"]]).all()
    assert calls and all(t == calls[0][1] for _, t in calls)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    # skip leaves cells out
    q = fate.phase([0.3, 0.6], [0.2, 0.8], d=16, instances=2, skip=lambda j, t: j == t)
    assert q["done"].tolist() == [[False, True], [True, False]]


def test_hook_exception_propagates(lib):
    def bad(done, total):
        raise ZeroDivisionError("from a hook")
    with pytest.raises(ZeroDivisionError):
        fate.phase([0.3, 0.6], [0.2, 0.8], d=16, instances=2, progress=bad)
    with pytest.raises(TypeError):
        fate.phase([0.3], [0.2], d=16, instances=2, should_stop=3)


def test_ctrl_c_stops_and_raises(lib):
    interrupted(fate.phase, 4, gammas=np.linspace(0.2, 1.0, 5), thetas=[0.3, 0.6, 0.9], d=16,
                instances=2, threads=2)


@pytest.mark.parametrize("args,kw,exc", [
    (([[0.3, 0.6]], [0.2]), {}, ValueError),          # 2-D gammas
    (([0.3], [0.2, 4.0]), {}, ValueError),            # theta > pi
    (([0.3], []), {}, ValueError),                    # empty
    ((["a"], [0.2]), {}, TypeError),                  # not numbers
    (([0.3], [0.2], [-1.0]), {}, ValueError),         # negative ridge
    (([0.01], [0.2]), {}, ValueError),                # n = round(0.01 * 16) = 0
    (([0.3], [0.2]), {"instances": 0}, ValueError),
    (([0.3], [0.2]), {"rcond": 2.0}, fate.FateValueError),
    (([0.3], [float("nan")]), {}, ValueError),
])
def test_bad_arguments(lib, args, kw, exc):
    with pytest.raises(exc):
        fate.phase(*args, d=16, **kw)


def test_divergence(lib):
    with pytest.raises(fate.FateDiverged) as e:
        fate.phase([0.5], [0.3], d=30, instances=1, lr=100.0)
    assert e.value.method in ("scratch", "pretrain") and e.value.instance == 0
    assert e.value.gamma_index == 0 and e.value.theta_index == 0 and e.value.step > 0


BEYOND = ("lt", "ft", "lpft", "l2sp", "ridge_cv")


@pytest.mark.parametrize("baseline", ["ridge", "best", "early_stop"])
def test_beyond_the_paper_equals_cli_and_run(cli, lib, tmp_path, baseline):
    """Every method against a tuned baseline: the numbers of `fate phase
    --methods ... --baseline B` and fate.run, T = R_base - R per instance."""
    p = fate.phase(GAMMAS, THETAS, d=D, instances=K, methods=BEYOND, baseline=baseline)
    assert p["method"] == fate._io.ALL_METHODS
    assert p["risk"].shape == (len(GAMMAS), len(THETAS), 8, K)
    out = tmp_path / "b"
    run_cli(cli, "phase", "--d", D, "--gamma", ",".join(map(str, GAMMAS)), "--theta",
            ",".join(map(str, THETAS)), "--instances", K, "--methods", ",".join(BEYOND),
            "--baseline", baseline, "--plot", "none", "--quiet", "--out", out)
    grid = fate.load(out)["grid"]
    assert grid["method"] == fate._io.ALL_METHODS
    for k in ("risk", "T", "steps", "ft_c", "lpft_c", "l2sp_lambda", "ridge_cv_lambda", "mean_risk",
              "mean_T", "sem_T", "theory_risk", "theory_T", "theory_T_paper"):
        np.testing.assert_allclose(grid[k], p[k], rtol=1e-15, atol=0, err_msg=k)
    ridge = p["risk"][:, :, 5]
    base = {"ridge": ridge, "early_stop": p["risk"][:, :, 7],
            "best": np.minimum(np.minimum(ridge, p["risk"][:, :, 6]), p["risk"][:, :, 7])}[baseline]
    np.testing.assert_array_equal(p["T"][:, :, 2], base - p["risk"][:, :, 2])
    assert np.isnan(p["risk"][:, :, 0]).all(), "scratch was not asked for"
    j, t = 0, 1
    r = fate.run(d=D, gamma=GAMMAS[j], theta=THETAS[t], instances=K,
                 methods=BEYOND + ("ridge", "early_stop"))
    for k, m in enumerate(fate._io.ALL_METHODS):
        if m in r and not np.isnan(p["risk"][j, t, k]).all():
            np.testing.assert_array_equal(r[m]["risk"], p["risk"][j, t, k], err_msg=m)
    np.testing.assert_array_equal(r["lpft_c"], p["lpft_c"][j, t])
    if baseline == "ridge":
        assert p["theory_T"][j, t, 3] == r["theory"]["ridge"] - r["theory"]["lpft"]
    else:
        base_k = 7 if baseline == "early_stop" else None  # the baseline's own T is 0
        others = [k for k in range(8) if k != base_k]
        assert np.isnan(p["theory_T"][:, :, others]).all(), "no closed form for this baseline"


def test_bad_baseline(lib):
    with pytest.raises(ValueError, match="baseline"):
        fate.phase([0.5], [0.3], d=16, instances=2, baseline="lasso")
