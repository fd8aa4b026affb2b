"""fate.load reads output folders of `fate phase` and `fate reproduce`."""
import json
import os

import numpy as np
import pytest

import fate
from conftest import run_cli

ARGS = ["--d", 20, "--gamma", "0.3,0.6,1.2", "--theta", "0.2,0.8", "--lambda", "0,0.1",
        "--instances", 3, "--plot", "none", "--quiet"]


@pytest.fixture(scope="module")
def phase_dir(cli, tmp_path_factory):
    out = tmp_path_factory.mktemp("load") / "phase"
    run_cli(cli, "phase", *ARGS, "--out", out)
    return out


def test_phase_folder(phase_dir):
    data = fate.load(phase_dir)
    assert data["manifest"]["command"] == "phase"
    assert data["manifest"]["status"].startswith("complete")
    assert data["params"]["d"] == 20 and data["params"]["gammas"] == [0.3, 0.6, 1.2]
    runs, summary = data["runs"], data["summary"]
    assert list(runs)[:6] == ["gamma", "theta", "n", "method", "lambda", "instance"]
    # 6 cells x 3 instances x (scratch + 2 lt + ft)
    assert runs["risk"].shape == (72,) and runs["risk"].dtype == np.float64
    assert runs["n"].dtype == np.int64 and runs["steps"].dtype == np.int64
    assert runs["method"].dtype.kind == "U"
    assert set(runs["method"].tolist()) == {"scratch", "lt", "ft"}
    assert np.isnan(runs["lambda"][runs["method"] == "scratch"]).all()
    assert summary["mean_T"].shape == (6 * 4,)
    grid = data["grid"]
    assert grid["mean_T"].shape == (3, 2, 3) and grid["lt"]["mean_T"].shape == (3, 2, 2)
    assert grid["risk"].shape == (3, 2, 3, 3) and grid["lt"]["risk"].shape == (3, 2, 2, 3)
    assert grid["n"].tolist() == [6, 12, 24] and grid["method"] == fate.METHODS
    assert np.isfinite(grid["risk"]).all() and np.isfinite(grid["theory_T"]).all()
    # the summary's means are the means of the runs
    np.testing.assert_allclose(grid["mean_T"], grid["T"].mean(axis=-1), rtol=1e-12, atol=1e-15)
    # .npy files written beside the CSVs (by newer fate versions) agree with them:
    # risk.npy / T.npy are (gamma, theta, scratch + lt per lambda + ft, instance)
    arrays = data["arrays"]
    if "risk.npy" in os.listdir(phase_dir):
        for name, col in (("risk", "risk"), ("T", "T")):
            a = arrays[name]
            assert a.shape == (3, 2, 4, 3)
            np.testing.assert_array_equal(a[:, :, 0], grid[col][:, :, 0])
            np.testing.assert_array_equal(a[:, :, 1:3], grid["lt"][col])
            np.testing.assert_array_equal(a[:, :, 3], grid[col][:, :, 2])
        np.testing.assert_array_equal(arrays["gammas"], grid["gamma"])
        np.testing.assert_array_equal(arrays["thetas"], grid["theta"])
        np.testing.assert_array_equal(arrays["lambdas"], grid["lambda"])


def test_phase_folder_equals_python_sweep(phase_dir, lib):
    grid = fate.load(phase_dir)["grid"]
    p = fate.phase([0.3, 0.6, 1.2], [0.2, 0.8], [0, 0.1], d=20, instances=3)
    for k in ("risk", "T", "steps", "ft_c", "mean_T", "theory_risk", "theory_T"):
        np.testing.assert_array_equal(grid[k], p[k], err_msg=k)
    np.testing.assert_array_equal(grid["lt"]["risk"], p["lt"]["risk"])


def test_npy_files_and_single_files(phase_dir, tmp_path):
    import shutil
    d = tmp_path / "copy"
    shutil.copytree(phase_dir, d)
    arr = np.arange(12.0).reshape(3, 2, 2)
    np.save(d / "mean_T.npy", arr)
    data = fate.load(d)
    np.testing.assert_array_equal(data["arrays"]["mean_T"], arr)
    assert "mean_T" not in data                  # arrays stay under "arrays"
    np.testing.assert_array_equal(fate.load(d / "mean_T.npy"), arr)
    cols = fate.load(d / "summary.csv")
    assert "mean_risk" in cols
    assert fate.load(d / "manifest.json")["command"] == "phase"


def test_reproduce_like_folder(cli, tmp_path):
    """`fate reproduce` writes sub-folders (also nested, decay/wd_*) each with
    runs.csv and summary.csv, and one manifest.json at the top."""
    top = tmp_path / "repro"
    run_cli(cli, "phase", *ARGS, "--out", top / "sigma0", "--sigma", 0)
    run_cli(cli, "phase", "--d", 16, "--gamma", "0.5", "--theta", "0.3", "--instances", 2,
            "--plot", "none", "--quiet", "--methods", "scratch", "--weight-decay", 0.001,
            "--out", top / "decay" / "wd_0.001")
    (top / "manifest.json").write_text(json.dumps({"command": "reproduce", "args": []}))
    data = fate.load(top)
    assert data["manifest"]["command"] == "reproduce"
    assert data["folders"] == ["decay/wd_0.001", "sigma0"]
    assert data["sigma0"]["params"]["sigma"] == 0
    assert data["sigma0"]["grid"]["mean_T"].shape == (3, 2, 3)
    wd = data["decay/wd_0.001"]
    assert wd["params"]["weight_decay"] == 0.001
    assert np.isnan(wd["grid"]["mean_risk"][..., 1:]).all()   # scratch only
    assert np.isfinite(wd["grid"]["mean_risk"][..., 0]).all()


def test_pandas_frames(phase_dir):
    pd = pytest.importorskip("pandas")
    data = fate.load(phase_dir)
    assert isinstance(data["runs_df"], pd.DataFrame) and len(data["runs_df"]) == 72
    assert "summary_df" not in fate.load(phase_dir, pandas=False)


def test_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        fate.load(tmp_path / "missing")
    with pytest.raises(ValueError):
        fate.load(tmp_path)                      # empty folder
    (tmp_path / "x.txt").write_text("x")
    with pytest.raises(ValueError):
        fate.load(tmp_path / "x.txt")


def test_load_needs_no_library(phase_dir):
    """fate.load works without libfate (e.g. on a laptop reading results)."""
    import subprocess
    import sys
    code = ("import fate; d = fate.load(%r); assert d['grid']['risk'].shape == (3, 2, 3, 3); "
            "print('ok')" % str(phase_dir))
    env = dict(os.environ, FATE_LIBRARY="/nonexistent/libfate.so",
               PYTHONPATH=os.path.dirname(os.path.dirname(fate.__file__)))
    p = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert p.returncode == 0 and p.stdout.strip() == "ok", p.stderr


def test_example_phase_diagram(lib, tmp_path):
    """examples/phase_diagram.py draws its figure (small sizes here)."""
    pytest.importorskip("matplotlib")
    import subprocess
    import sys
    from conftest import REPO
    script = os.path.join(REPO, "examples", "phase_diagram.py")
    if not os.path.isfile(script):
        pytest.skip("examples/phase_diagram.py not found")
    out = tmp_path / "phase.png"
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(fate.__file__)),
               FATE_LIBRARY=fate.library_path())
    p = subprocess.run([sys.executable, script, str(out), "--d", "16", "--cells", "4",
                        "--instances", "2"], env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_load_distance_folder(tmp_path):
    """fate.load reads a `fate distance` folder: its CSVs, pairs.npy and manifest."""
    import subprocess
    from conftest import cli_path
    out = tmp_path / "dist"
    subprocess.run([cli_path(), "distance", "--d", "20", "--instances", "2", "--samples", "60",
                    "--plot", "none", "--quiet", "--out", str(out)], check=True, capture_output=True)
    d = fate.load(str(out))
    assert d["manifest"]["command"] == "distance"
    n = len(d["pairs"]["family"])
    assert d["arrays"]["pairs"].shape[0] == n
    assert "spearman_T_lt" in d["correlation"]


def test_relu2_folder(cli, tmp_path):
    out = tmp_path / "relu"
    run_cli(cli, "phase", "--model", "relu2", "--d", 5, "--mstar", 2, "--width", 12, "--n-src", 60,
            "--n", "4,8,16", "--mu", "0,0.5,1", "--instances", 2, "--steps", 800, "--n-test", 500,
            "--plot", "none", "--quiet", "--out", out)
    data = fate.load(out)
    g = data["grid"]
    assert g["model"] == "relu2" and g["axis"] == "mu"
    assert g["mu"].tolist() == [0, 0.5, 1] and g["n"].tolist() == [4, 8, 16]
    assert g["risk"].shape == (3, 3, 4, 2) and g["mean_T"].shape == (3, 3, 4)
    # the per-cell means are the means over instances of the per-run values
    assert np.allclose(np.nanmean(g["risk"], axis=3), g["mean_risk"], rtol=1e-12, equal_nan=True)
    assert g["pperp_source"][0] < 1e-12 and g["pperp_source"][2] > 0
    assert np.isfinite(g["A"]) and np.isfinite(g["p"])
    assert list(data["runs"])[:3] == ["mu", "n", "method"]
