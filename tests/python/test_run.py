"""fate.run: the same numbers as `fate run --format csv` for the same options,
documented shapes and dtypes, and errors as exceptions."""
import math

import numpy as np
import pytest

import fate
from conftest import parse_csv_text, run_cli

K = 3
# (keyword arguments of fate.run, the same options for `fate run`)
CASES = [
    (dict(d=30), ["--d", 30]),
    (dict(d=24, n=9, theta=0.3926990817, sigma=0.5, seed=7, lam=0.1, threads=1),
     ["--d", 24, "--n", 9, "--theta", "0.3926990817", "--sigma", 0.5, "--seed", 7,
      "--lambda", 0.1, "--threads", 1]),
    (dict(d=20, gamma=0.6, depth=3, gamma_src=0.5, sigma_src=0.1, methods=("scratch", "ft")),
     ["--d", 20, "--gamma", 0.6, "--depth", 3, "--gamma-src", 0.5, "--sigma-src", 0.1,
      "--methods", "scratch,ft"]),
    (dict(d=16, gamma=1.5, theta=1.2, methods=("lt", "ft"), init_scale=1e-3, lr=0.05,
          epochs=3000, tol=1e-7, rcond=0.05, weight_decay=0.0),
     ["--d", 16, "--gamma", 1.5, "--theta", 1.2, "--methods", "lt,ft", "--init-scale", 1e-3,
      "--lr", 0.05, "--epochs", 3000, "--tol", 1e-7, "--rcond", 0.05]),
    (dict(d=20, gamma=0.4, methods=("scratch",), weight_decay=1e-3, width=10),
     ["--d", 20, "--gamma", 0.4, "--methods", "scratch", "--weight-decay", 1e-3,
      "--width", 10]),
    (dict(d=20, gamma=0.4, sigma=0.3, methods=("scratch", "lpft", "l2sp")),
     ["--d", 20, "--gamma", 0.4, "--sigma", 0.3, "--methods", "scratch,lpft,l2sp"]),
    (dict(d=24, gamma=0.8, sigma=0.5, methods=("lt", "l2sp", "ridge_cv"), baseline="ridge"),
     ["--d", 24, "--gamma", 0.8, "--sigma", 0.5, "--methods", "lt,l2sp,ridge_cv", "--baseline",
      "ridge"]),
    (dict(d=18, gamma=0.7, depth=3, methods=("ft", "lpft", "l2sp"), l2sp_lambda=0.05, lam=0.1),
     ["--d", 18, "--gamma", 0.7, "--depth", 3, "--methods", "ft,lpft,l2sp", "--l2sp-lambda",
      0.05, "--lambda", 0.1]),
    (dict(d=20, gamma=1.0, sigma=0.5, methods=("scratch", "lt"), baseline="early_stop"),
     ["--d", 20, "--gamma", 1.0, "--sigma", 0.5, "--methods", "scratch,lt", "--baseline",
      "early_stop"]),
    (dict(d=20, gamma=0.9, sigma=0.4, methods=("ft",), baseline="best"),
     ["--d", 20, "--gamma", 0.9, "--sigma", 0.4, "--methods", "ft", "--baseline", "best"]),
    (dict(d=16, gamma=1.2, sigma=0.3, methods=("early_stop", "lt"), baseline="ridge-cv"),
     ["--d", 16, "--gamma", 1.2, "--sigma", 0.3, "--methods", "early_stop,lt", "--baseline",
      "ridge-cv"]),
]


def _close(got, want, what):
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    assert (np.isnan(got) == np.isnan(want)).all(), what
    ok = ~np.isnan(want)
    # the CLI prints %.10g: 5e-11 relative
    np.testing.assert_allclose(got[ok], want[ok], rtol=1e-9, atol=0, err_msg=what)


@pytest.mark.parametrize("kw,args", CASES)
def test_run_equals_cli(cli, kw, args):
    r = fate.run(instances=K, **kw)
    ref = parse_csv_text(run_cli(cli, "run", "--format", "csv", "--instances", K,
                                 *args).stdout)
    methods = [m for m in ("pretrain", "scratch", "lt", "ft", "lpft", "l2sp", "ridge", "ridge_cv",
                           "early_stop") if m in r]
    base = fate._experiment.BASELINE_ALIASES.get(kw.get("baseline", "scratch"),
                                                 kw.get("baseline", "scratch"))
    assert list(dict.fromkeys(ref["method"].tolist())) == methods
    th = r["theory"]
    theory = {"pretrain": (math.nan, math.nan, math.nan),
              "scratch": (th["scratch"], math.nan, 0.0),
              "lt": (th["lt"], math.nan, th["T_lt"]),
              "ft": (th["ft"], th["ft_paper"], th["T_ft"]),
              "lpft": (th["lpft"], math.nan, th["T_lpft"]),
              "l2sp": (th["l2sp"], math.nan, th["T_l2sp"]),
              "ridge": (th["ridge"], math.nan, th["T_ridge"]),
              "ridge_cv": (math.nan, math.nan, math.nan),
              "early_stop": (math.nan, math.nan, math.nan)}
    if base != "scratch":  # T against another baseline: the difference of the theories
        base_th = math.nan if base == "best" else theory[base][0]  # best: no closed form
        theory = {m: (t[0], t[1], 0.0 if m == base else base_th - t[0])
                  for m, t in theory.items()}
    for m in methods:
        rows = ref["method"] == m
        np.testing.assert_array_equal(ref["instance"][rows], r["instance"])
        blk = r[m]
        for col in ("risk", "train_loss", "loss_min", "balance", "lr"):
            _close(blk[col], ref[col][rows], "%s %s" % (m, col))
        for col in ("steps", "converged", "on_saddle"):
            np.testing.assert_array_equal(blk[col].astype(np.int64), ref[col][rows],
                                          err_msg="%s %s" % (m, col))
        if m != "pretrain" and (base in r or base == "best"):
            _close(blk["T"], ref["T"][rows], m + " T")
            _close(np.full(K, theory[m][2]), ref["T_theory"][rows], m + " T_theory")
        if m != "pretrain":
            _close(np.full(K, theory[m][0]), ref["theory"][rows], m + " theory")
            _close(np.full(K, theory[m][1]), ref["theory_paper"][rows], m + " theory_paper")
        if m in ("ft", "lpft"):
            _close(r[m + "_c"], ref["ft_c"][rows], m + " c")
        if base != "scratch" and m not in ("pretrain", "scratch"):
            # the paper's T beside T against the tuned baseline
            _close(blk["T_sc"], ref["T_sc"][rows], m + " T_sc")
            _close(np.full(K, th["T_" + m] if "T_" + m in th else math.nan), ref["T_sc_theory"][rows],
                   m + " T_sc_theory")


def test_shapes_and_types(lib):
    r = fate.run(d=20, instances=4, seed=3)
    assert set(r) == {"spec", "theory", "instance", "pretrain", "scratch", "lt", "ft", "ft_c",
                      "feature_rank", "feature_sv1", "feature_sv2"}
    assert r["spec"]["n"] == 10 and r["spec"]["d"] == 20 and r["spec"]["gamma"] == 0.5
    assert r["spec"]["methods"] == ("scratch", "lt", "ft") and r["spec"]["instances"] == 4
    for m in ("pretrain", "scratch", "lt", "ft"):
        blk = r[m]
        for k in ("risk", "train_loss", "loss_min", "balance", "lr"):
            assert blk[k].shape == (4,) and blk[k].dtype == np.float64
        assert blk["steps"].dtype == np.int64
        assert blk["converged"].dtype == bool and blk["on_saddle"].dtype == bool
    assert r["lt"]["steps"].tolist() == [0, 0, 0, 0]
    np.testing.assert_array_equal(r["scratch"]["T"], 0.0)
    np.testing.assert_array_equal(r["lt"]["T"], r["scratch"]["risk"] - r["lt"]["risk"])
    assert r["feature_rank"].tolist() == [1, 1, 1, 1]
    assert (r["feature_sv2"] < 1e-2 * r["feature_sv1"]).all()
    assert set(r["theory"]) == {"scratch", "lt", "ft", "ft_paper", "ft_c", "T_lt", "T_ft",
                                "T_ft_paper", "lpft", "lpft_c", "l2sp", "l2sp_lambda", "T_lpft",
                                "T_l2sp", "ridge", "ridge_lambda", "T_ridge"}
    only = fate.run(d=20, instances=2, methods=("ft",))
    assert "scratch" not in only and "lt" not in only and "T" not in only["ft"]
    assert "pretrain" in only and "feature_sv1" not in only


def test_deterministic_and_thread_independent(lib):
    a = fate.run(d=20, instances=4, threads=1)
    b = fate.run(d=20, instances=4, threads=2)
    c = fate.run(d=20, instances=2, first=2, threads=2)
    for m in ("scratch", "lt", "ft"):
        np.testing.assert_array_equal(a[m]["risk"], b[m]["risk"])
        np.testing.assert_array_equal(a[m]["risk"][2:], c[m]["risk"])
    d = fate.run(d=20, instances=4, seed=2)
    assert not np.array_equal(a["scratch"]["risk"], d["scratch"]["risk"])


def test_rounding_of_n_is_c_round(lib):
    # 0.5 * 25 = 12.5: C's round() gives 13 (Python's round() would give 12)
    assert fate.make_spec(d=25, gamma=0.5).n == 13
    assert fate.make_spec(d=30, gamma=0.25).n == 8  # 7.5 -> 8


@pytest.mark.parametrize("kw,exc,text", [
    (dict(theta=4.0), fate.FateValueError, "theta must be in [0, pi]"),
    (dict(rcond=1.0), fate.FateValueError, "rcond must be in (0, 1)"),
    (dict(sigma=-1.0), fate.FateValueError, "sigma must be"),
    (dict(d=0), ValueError, "d must be"),
    (dict(d=20.0), TypeError, "d must be an integer"),
    (dict(instances=0), ValueError, "instances"),
    (dict(instances=2.5), TypeError, "instances"),
    (dict(gamma=0.5, n=10), ValueError, "either gamma or n"),
    (dict(gamma=0.001), ValueError, "gamma must give n"),
    (dict(methods=("scratch", "bogus")), ValueError, "unknown method"),
    (dict(methods=(1,)), TypeError, "methods"),
    (dict(methods=("l2sp",), l2sp_lambda=-1), ValueError, "l2sp_lambda"),
    (dict(baseline="better"), ValueError, "baseline must be one of"),
    (dict(trajectory=0), ValueError, "trajectory"),
    (dict(methods=("l2sp",), l2sp_lambda="best"), TypeError, "l2sp_lambda"),
    (dict(theta="pi/4"), TypeError, "theta must be a real number"),
    (dict(seed=-1), ValueError, "seed"),
    (dict(threads=-1), ValueError, "threads"),
])
def test_bad_arguments(lib, kw, exc, text):
    args = dict(d=20, instances=2)
    args.update(kw)
    with pytest.raises(exc) as e:
        fate.run(**args)
    assert text in str(e.value)


def test_library_error_carries_messages(lib):
    with pytest.raises(fate.FateError) as e:
        fate.run(d=20, instances=1, theta=4.0)
    err = e.value
    assert isinstance(err, RuntimeError) and isinstance(err, ValueError)
    assert err.status == 1 and err.status_name == "FATE_EINVAL"
    # checked in Python before the C call, in fate_spec_check's words
    assert err.detail == "fate.run: theta must be in [0, pi], got 4.0"
    assert err.strerror == lib.fate_strerror(1).decode()
    assert err.strerror in str(err)


def test_divergence_raises_like_cli(cli):
    with pytest.raises(fate.FateDiverged) as e:
        fate.run(d=30, lr=100.0, instances=1)
    err = e.value
    assert err.status == 3 and err.method == "pretrain" and err.instance == 0
    p = run_cli(cli, "run", "--d", 30, "--lr", 100, "--instances", 1, check=False)
    assert p.returncode == 1
    assert "pretraining diverged" in str(err) and "at step %d " % err.step in p.stderr


def test_blas_threads_restored(lib):
    get = getattr(lib, "openblas_get_num_threads", None)
    if get is None:
        pytest.skip("libfate does not expose OpenBLAS")
    before = get()
    fate.run(d=16, instances=2)
    assert get() == before


def test_trajectory_equals_cli(cli, tmp_path):
    """fate.run(trajectory=K)'s records are trajectory.csv's (%.17g: exact)."""
    kw = dict(d=16, gamma=0.5, methods=("scratch", "lt", "ft", "lpft", "early_stop"), epochs=400)
    r = fate.run(instances=2, trajectory=7, **kw)
    out = tmp_path / "traj"
    run_cli(cli, "run", "--d", 16, "--gamma", 0.5, "--methods", "scratch,lt,ft,lpft,early_stop",
            "--epochs", 400, "--instances", 2, "--trajectory", 7, "--out", out, "--plot", "none")
    ref = fate.read_csv(str(out / "trajectory.csv"))
    t = r["trajectory"]
    np.testing.assert_array_equal(t["instance"], ref["instance"])
    assert t["method"].tolist() == ref["method"].tolist()
    np.testing.assert_array_equal(t["step"], ref["step"])
    for col in ("risk", "train_loss", "balance", "c"):
        a, b = t[col], np.asarray(ref[col], dtype=float)
        assert (np.isnan(a) == np.isnan(b)).all(), col
        np.testing.assert_array_equal(a[~np.isnan(a)], b[~np.isnan(b)], err_msg=col)
    # the end of each training is its result (the same trainings)
    for m in ("scratch", "ft", "lpft"):
        for i in range(2):
            rows = (t["method"] == m) & (t["instance"] == i)
            assert t["step"][rows][-1] == r[m]["steps"][i]
            assert t["risk"][rows][-1] == r[m]["risk"][i]
