"""The two-layer model from Python: fate.phase_relu2 (through the model
interface, fate_model_relu2) gives the CLI's runs.csv number for number,
fate.run_relu2 equals the sweep's cell, fate.load reads the CLI's folder
into the same arrays, and bad arguments raise."""
import numpy as np
import pytest

import fate
from fate import _lib, _sweep
from conftest import interrupted, run_cli

# tiny sizes: every sweep below takes a fraction of a second
SIZES = dict(d=4, mstar=2, width=8, n_src=30, n_test=200, steps=300, instances=2)
CLI_SIZES = ["--d", 4, "--mstar", 2, "--width", 8, "--n-src", 30, "--n-test", 200, "--steps", 300,
             "--instances", 2, "--plot", "none", "--quiet"]
GRIDS = {"mu": ([0.0, 0.5], [4, 8]), "theta": ([0.3, 1.2], [4, 8])}


@pytest.fixture(scope="module", params=sorted(GRIDS))
def case(request, cli, lib, tmp_path_factory):
    """(axis, the Python sweep, the CLI's folder) for the same parameters."""
    axis = request.param
    ov, ns = GRIDS[axis]
    out = tmp_path_factory.mktemp("relu2") / axis
    run_cli(cli, "phase", "--model", "relu2", "--" + axis, ",".join(map(str, ov)),
            "--n", ",".join(map(str, ns)), *CLI_SIZES, "--out", out)
    p = fate.phase_relu2(n=ns, **{axis: ov}, **SIZES)
    return axis, p, out


def test_runs_equal_cli_runs_csv(case):
    """Every row, column and number of runs.csv (17 digits: exact)."""
    axis, p, out = case
    ref = fate.read_csv(out / "runs.csv")
    runs = p["runs"]
    assert list(runs.dtype.names) == list(ref)
    assert runs.dtype.names[0] == axis and len(runs) == len(ref["risk"]) == 2 * 2 * 4 * 2
    for name in runs.dtype.names:
        if name == "method":
            assert runs[name].tolist() == ref[name].tolist()
        else:  # (read_csv makes a real column of whole numbers, e.g. lr_eff 4, int64)
            if runs[name].dtype == np.int64:
                assert ref[name].dtype == np.int64, name
            np.testing.assert_array_equal(runs[name], ref[name], err_msg=name)


def test_columns_are_the_models(case):
    """The fields are what fate_model_relu2 declares for the sweep."""
    axis, p, _ = case
    sw = _lib.fate_relu_sweep()
    sw.base.single_index = axis == "theta"
    cols = _sweep.model_columns("relu2", sw)
    assert [c[0] for c in cols] == list(p["runs"].dtype.names)
    kinds = {c[0]: c[1] for c in cols}
    assert kinds["method"] == _lib.FATE_COL_WORD and kinds["steps"] == _lib.FATE_COL_COUNT
    assert p["runs"]["steps"].dtype == np.int64 and p["runs"]["method"].dtype.kind == "U"


def test_load_equals_phase(case):
    """fate.load of the CLI's folder: the same arrays as fate.phase_relu2,
    and the files of the CLI's assembly (summary, power law, boundary)."""
    axis, p, out = case
    data = fate.load(out)
    g = data["grid"]
    assert g["axis"] == p["axis"] == axis and g["method"] == p["method"]
    np.testing.assert_array_equal(g[axis], p[axis])
    np.testing.assert_array_equal(g["n"], p["n"])
    for k in ("risk", "risk_se", "T", "train_loss", "lr_eff", "steps", "converged", "lt_rank",
              "instance"):
        assert g[k].shape == p[k].shape, k
        np.testing.assert_array_equal(g[k], p[k], err_msg=k)
    np.testing.assert_array_equal(data["arrays"]["risk"], p["risk"])   # risk.npy
    for k in ("mean_risk", "sem_risk", "mean_T", "sem_T", "pperp_student", "pperp_source"):
        np.testing.assert_allclose(g[k], p[k], rtol=1e-13, atol=1e-300, err_msg=k)
    for stem in ("runs", "summary", "powerlaw", "boundary"):
        assert stem in data, stem
    assert np.isfinite(g["A"]) and np.isfinite(g["p"]) and g["n_star"].shape == (2,)
    assert data["params"]["model"] == "relu2"


def test_shapes(case):
    axis, p, _ = case
    assert p["model"] == "relu2" and p["method"] == ["pretrain", "scratch", "lt", "ft"]
    for k in ("risk", "T", "risk_se", "train_loss", "lr_eff", "steps", "converged"):
        assert p[k].shape == (2, 2, 4, 2), k
    assert p["mean_T"].shape == (2, 2, 4) and p["lt_rank"].shape == (2, 2, 2)
    assert p["done"].all() and p["complete"] is True
    assert p["spec"]["instances"] == 2 and p["spec"]["teacher"] == (
        "single-index" if axis == "theta" else "multi")
    # T = R_scratch - R_method per run; NaN for pretraining
    np.testing.assert_array_equal(p["T"][:, :, 2:], p["risk"][:, :, 1:2] - p["risk"][:, :, 2:])
    assert np.isnan(p["T"][:, :, 0]).all()


def test_threads_do_not_change_the_numbers(lib):
    kw = dict(SIZES, n=[4, 8], mu=[0.0, 0.5, 1.0])
    a = fate.phase_relu2(threads=1, **kw)["runs"]
    b = fate.phase_relu2(threads=2, **kw)["runs"]
    for name in a.dtype.names:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def test_run_equals_the_phase_cell(case):
    """fate.run_relu2 of one spec equals that cell of the sweep, on 1 or 2
    threads."""
    axis, p, _ = case
    t, j = 1, 0
    kw = dict(SIZES, n=int(p["n"][j]), **{axis: float(p[axis][t])})
    r1 = fate.run_relu2(threads=1, **kw)
    r2 = fate.run_relu2(threads=2, **kw)
    rows = p["runs"][(p["runs"][axis] == p[axis][t]) & (p["runs"]["n"] == p["n"][j])]
    for r in (r1, r2):
        assert r["instance"].tolist() == [0, 1]
        for m in ("pretrain", "scratch", "lt", "ft"):
            mine = rows[rows["method"] == m]
            for k in ("risk", "risk_se", "train_loss", "lr_eff", "steps"):
                np.testing.assert_array_equal(r[m][k], mine[k], err_msg="%s %s" % (m, k))
            np.testing.assert_array_equal(r[m]["converged"], mine["converged"] != 0)
            if m != "pretrain":
                np.testing.assert_array_equal(r[m]["T"], mine["T"], err_msg=m + " T")
        np.testing.assert_array_equal(r["lt_rank"], rows[rows["method"] == "lt"]["lt_rank"])
        for k in ("pperp_student", "pperp_source", "target_norm2"):
            np.testing.assert_array_equal(r[k], rows[rows["method"] == "lt"][k], err_msg=k)


def test_run_first_and_methods(lib):
    kw = dict(SIZES, n=8, mu=0.5)
    full = fate.run_relu2(instances=3, **{k: v for k, v in kw.items() if k != "instances"})
    tail = fate.run_relu2(first=1, **kw)
    assert tail["instance"].tolist() == [1, 2]
    np.testing.assert_array_equal(tail["ft"]["risk"], full["ft"]["risk"][1:])
    sc = fate.run_relu2(methods=("scratch",), **kw)
    assert set(sc) == {"spec", "instance", "scratch", "target_norm2", "pperp_student",
                       "pperp_source"}
    np.testing.assert_array_equal(sc["scratch"]["risk"], full["scratch"]["risk"][:2])


def test_hooks(lib):
    kw = dict(SIZES, n=[4, 8], mu=[0.0, 0.5])
    q = fate.phase_relu2(skip=lambda t, j: t == j, **kw)
    assert q["done"].tolist() == [[False, True], [True, False]] and not q["complete"]
    assert np.isnan(q["risk"][0, 0]).all() and np.isfinite(q["risk"][0, 1]).all()
    assert set(map(tuple, np.stack([q["runs"]["mu"], q["runs"]["n"]], 1).tolist())) == {
        (0.0, 8), (0.5, 4)}
    calls = []
    s = fate.phase_relu2(threads=1, progress=lambda d, t: calls.append(d),
                         should_stop=lambda: len(calls) >= 2, **kw)
    assert calls and not s["complete"] and s["done"].sum() < 4

    def bad(done, total):
        raise ZeroDivisionError("from a hook")
    with pytest.raises(ZeroDivisionError):
        fate.phase_relu2(progress=bad, **kw)


def test_divergence(lib):
    with pytest.raises(fate.FateDiverged) as e:
        fate.phase_relu2(n=[8], mu=[0.5], lr=1e3, **SIZES)
    assert e.value.method in ("pretrain", "scratch") and e.value.step > 0
    with pytest.raises(fate.FateDiverged):
        fate.run_relu2(n=8, mu=0.5, lr=1e3, **SIZES)


@pytest.mark.parametrize("kw,exc", [
    (dict(mu=[0.5], theta=[0.3]), ValueError),        # both axes
    (dict(mu=[1.5]), ValueError),
    (dict(theta=[4.0]), ValueError),
    (dict(n=[0, 4]), ValueError),
    (dict(n=[4.0]), TypeError),                       # a float is not a count
    (dict(n=[]), ValueError),
    (dict(act="sigmoid"), ValueError),
    (dict(act=1), TypeError),
    (dict(scaling="ntk"), ValueError),
    (dict(width=0), ValueError),
    (dict(instances=0), ValueError),
    (dict(methods=()), ValueError),
    (dict(methods=("pretrain",)), ValueError),
    (dict(online=2), TypeError),
    (dict(rcond=1.0), ValueError),
    (dict(lr=0.0), ValueError),
    (dict(n_test=1), ValueError),
    (dict(threads=2000), ValueError),
    (dict(should_stop=3), TypeError),
    (dict(optimizer="sgd"), ValueError),
    (dict(precision="half"), ValueError),
    (dict(beta1=1.0), ValueError),
    (dict(pretrain_lr=-1.0), ValueError),
])
def test_bad_arguments(lib, kw, exc):
    args = dict(SIZES, n=[4])
    args.update(kw)
    with pytest.raises(exc):
        fate.phase_relu2(**args)


def test_bad_run_arguments(lib):
    with pytest.raises(fate.FateValueError, match="first"):
        fate.run_relu2(first=2**64 - 1, **SIZES)
    with pytest.raises(fate.FateValueError, match="n must"):
        fate.run_relu2(n=2**40, **SIZES)
    with pytest.raises(fate.FateValueError, match="theta must be 0 or pi"):
        fate.run_relu2(theta=0.5, **dict(SIZES, d=1))


def test_ctrl_c_stops_and_raises(lib):
    e = interrupted(fate.phase_relu2, 2, threads=1, **dict(SIZES, n=[4, 8], mu=[0.0, 0.5, 1.0]))
    assert len(e.result["runs"]) == e.result["done"].sum() * 4 * 2
    assert "fate.phase_relu2 interrupted" in str(e)


LPFT = dict(SIZES, lam=1e-4, lr=0.2, methods=("scratch", "lt", "ft", "lpft"))


def test_lpft_equals_cli_and_run(cli, lib, tmp_path):
    """LP-FT (simulation only): fate.phase_relu2 with lpft gives the CLI's
    runs.csv (w_move last) and risk.npy (a fifth method), fate.load reads it
    back, and fate.run_relu2's lpft equals the sweep's cell."""
    ov, ns = [0.0, 0.5], [4, 8]
    out = tmp_path / "lpft"
    run_cli(cli, "phase", "--model", "relu2", "--mu", "0,0.5", "--n", "4,8", *CLI_SIZES,
            "--lambda", "1e-4", "--lr", 0.2, "--methods", "scratch,lt,ft,lpft", "--out", out)
    p = fate.phase_relu2(n=ns, mu=ov, **LPFT)
    ref = fate.read_csv(out / "runs.csv")
    runs = p["runs"]
    assert list(runs.dtype.names) == list(ref) and runs.dtype.names[-1] == "w_move"
    assert len(runs) == 2 * 2 * 5 * 2 and (runs["method"] == "lpft").sum() == 8
    for name in runs.dtype.names:
        if name == "method":
            assert runs[name].tolist() == ref[name].tolist()
        else:
            np.testing.assert_array_equal(runs[name], ref[name], err_msg=name)
    assert p["method"] == ["pretrain", "scratch", "lt", "ft", "lpft"]
    assert p["risk"].shape == (2, 2, 5, 2) and p["w_move"].shape == (2, 2, 5, 2)
    assert (p["w_move"][:, :, 2] == 0).all() and np.isnan(p["w_move"][:, :, 0]).all()
    g = fate.load(out)["grid"]
    assert g["method"] == p["method"]
    np.testing.assert_array_equal(fate.load(out)["arrays"]["risk"], p["risk"])
    for k in ("risk", "T", "w_move", "steps"):
        np.testing.assert_array_equal(g[k], p[k], err_msg=k)
    np.testing.assert_allclose(g["mean_T"], p["mean_T"], rtol=1e-13, atol=1e-300)
    r = fate.run_relu2(n=8, mu=0.5, **LPFT)
    rows = runs[(runs["mu"] == 0.5) & (runs["n"] == 8) & (runs["method"] == "lpft")]
    for k in ("risk", "train_loss", "steps", "T", "w_move"):
        np.testing.assert_array_equal(r["lpft"][k], rows[k], err_msg=k)
    assert r["spec"]["methods"] == ("scratch", "lt", "ft", "lpft")
    # lpft's probe is lt's refit: its training starts at lt's loss and lowers it
    assert (r["lpft"]["train_loss"] <= r["lt"]["train_loss"]).all()


def test_lpft_without_it_the_grid_is_unchanged(lib):
    """Adding lpft leaves the other methods' numbers as they were."""
    kw = dict(LPFT, n=[4], mu=[0.5])
    a = fate.phase_relu2(**kw)
    b = fate.phase_relu2(**dict(kw, methods=("scratch", "lt", "ft")))
    assert b["risk"].shape[2] == 4 and "w_move" not in b["runs"].dtype.names
    np.testing.assert_array_equal(a["risk"][:, :, :4], b["risk"])


@pytest.mark.parametrize("m", ["l2sp", "ridge", "ridge_cv"])
def test_methods_relu2_lacks_are_refused(lib, m):
    with pytest.raises(fate.FateValueError, match="methods must be among scratch, lt, ft and lpft"):
        fate.phase_relu2(**dict(SIZES, n=[4], methods=("lpft", m)))
    with pytest.raises(fate.FateValueError, match="methods"):
        fate.run_relu2(**dict(SIZES, n=4, methods=("lt", m)))
    with pytest.raises(fate.FateValueError, match="methods"):
        fate.phase(model="relu2", **dict(SIZES, n=[4], methods=(m,)))


def test_training_options_equal_cli(cli, lib, tmp_path):
    """optimizer, precision, pretrain_lr and pretrain_steps reach the spec:
    the sweep equals the CLI's runs.csv with the same options, bit for bit,
    and single precision lands near double."""
    opts = dict(optimizer="adam", lr=0.01, pretrain_lr=0.3, pretrain_steps=200, precision="single")
    run_cli(cli, "phase", "--model", "relu2", "--mu", "0,0.5", "--n", "4,8", *CLI_SIZES, "--optimizer", "adam",
            "--lr", 0.01, "--pretrain-lr", 0.3, "--pretrain-steps", 200, "--precision", "single",
            "--out", tmp_path / "o")
    p = fate.phase_relu2(n=[4, 8], mu=[0.0, 0.5], **SIZES, **opts)
    ref = fate.read_csv(tmp_path / "o" / "runs.csv")
    np.testing.assert_array_equal(p["runs"]["risk"], ref["risk"])
    r64 = fate.run_relu2(n=8, mu=0.5, **SIZES)
    r32 = fate.run_relu2(n=8, mu=0.5, precision="single", **SIZES)
    for m in ("scratch", "lt", "ft"):
        np.testing.assert_allclose(r32[m]["risk"], r64[m]["risk"], rtol=1e-3)
    assert fate.make_relu_spec(optimizer="momentum").gd.optimizer == 1
