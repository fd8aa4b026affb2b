"""fate.phase(model=NAME) for the models that declare their parameters (the
toy model ridge of src/model_ridge.c): the registry is the library's, the
parameters are read as `fate phase --model NAME` reads them, and runs and
summary are the CLI's runs.csv and summary.csv number for number."""
import json
import os
import shutil
import subprocess

import numpy as np
import pytest

import fate
from fate import _io, _lib, _params
from conftest import REPO, interrupted, run_cli

# a small grid: a range whose points are computed (not typed), lambda 0 and > 0
SMALL = {"gamma": "0.3:1.7:4", "lambda": "0,0.35,2", "d": "12", "sigma": "0.3",
         "instances": "3", "seed": "7"}


def _cli_args(opts):
    out = []
    for k, v in opts.items():
        out += ["--" + k, v]
    return out


def _kw(opts):
    return {_params.keyword_of(k): v for k, v in opts.items()}


def _assert_same(structured, ref, what):
    """A structured array equals the CLI's CSV (read with its 17 digits)
    to the last bit: same columns, same order, same values (NaN where NaN)."""
    assert list(structured.dtype.names) == list(ref), what
    for name in structured.dtype.names:
        got, want = structured[name], ref[name]
        if got.dtype.kind == "U":
            assert got.tolist() == want.tolist(), (what, name)
        else:
            np.testing.assert_array_equal(got, want, err_msg="%s: %s" % (what, name))
            assert got.astype(np.float64).tobytes() == want.astype(np.float64).tobytes(), \
                (what, name)


@pytest.fixture(scope="module")
def small(cli, lib, tmp_path_factory):
    out = tmp_path_factory.mktemp("ridge") / "small"
    run_cli(cli, "phase", "--model", "ridge", *_cli_args(SMALL), "--plot", "none", "--quiet",
            "--out", out)
    return out, fate.phase(model="ridge", **_kw(SMALL))


def test_runs_equal_cli(small):
    out, p = small
    assert len(p["runs"]) == 4 * 3 * 3
    _assert_same(p["runs"], fate.read_csv(out / "runs.csv"), "runs")


def test_summary_equals_cli(small):
    out, p = small
    _assert_same(p["summary"], fate.read_csv(out / "summary.csv"), "summary")


def test_summary_rule(small):
    """One group per cell (all but the instance column); mean over the
    instances, sd with n - 1, sem = sd / sqrt(n)."""
    _, p = small
    s, runs = p["summary"], p["runs"]
    assert s.size == 4 * 3 and (s["instances"] == 3).all()
    for g in s:
        x = runs["risk"][(runs["gamma"] == g["gamma"]) & (runs["lambda"] == g["lambda"])]
        assert np.isclose(g["mean_risk"], x.mean(), rtol=1e-15, atol=0)
        assert np.isclose(g["std_risk"], x.std(ddof=1), rtol=1e-13, atol=0)
        assert np.isclose(g["sem_risk"], x.std(ddof=1) / np.sqrt(3), rtol=1e-13, atol=0)


def test_grid_and_axes(small):
    _, p = small
    assert p["row_axis"] == "lambda" and p["col_axis"] == "gamma"
    np.testing.assert_array_equal(p["lambda"], [0.0, 0.35, 2.0])
    np.testing.assert_array_equal(p["gamma"], p["params"]["gamma"])
    g = p["grid"]
    assert g["mean_risk"].shape == (3, 4) and p["done"].shape == (3, 4) and p["complete"]
    for r in p["summary"]:
        i, j = list(p["lambda"]).index(r["lambda"]), list(p["gamma"]).index(r["gamma"])
        assert g["mean_risk"][i, j] == r["mean_risk"] and g["n"][i, j] == r["n"]
    assert p["theory_names"] == ["risk", "risk_exact"] and p["figure_value"] == "risk"


def test_load_equals_phase(small):
    out, p = small
    grid = fate.load(out)["grid"]
    assert sorted(grid) == sorted(p["grid"])
    for k, v in p["grid"].items():
        if isinstance(v, np.ndarray):
            np.testing.assert_array_equal(grid[k], v, err_msg=k)
        else:
            assert grid[k] == v, k


def test_load_without_the_library(small, monkeypatch):
    """fate.load needs no library: the axes then come from the files."""
    out, p = small

    def no_library(name):
        raise ImportError("no libfate")
    monkeypatch.setattr(_lib, "model", no_library)
    grid = fate.load(out)["grid"]
    assert grid["row_axis"] == "lambda" and grid["col_axis"] == "gamma"
    np.testing.assert_array_equal(grid["mean_risk"], p["grid"]["mean_risk"])


def test_defaults_are_the_clis(cli, lib, tmp_path):
    """No parameter given: the table's defaults, read as the CLI reads them
    (sweep.json's 17 digits, and the same runs)."""
    out = tmp_path / "defaults"
    run_cli(cli, "phase", "--model", "ridge", "--plot", "none", "--quiet", "--out", out)
    saved = json.loads((out / "sweep.json").read_text())
    p = fate.phase(model="ridge")
    for par in fate.model_params("ridge"):
        got, want = p["params"][par.keyword], saved[par.name]
        if par.kind == _params.LIST:
            assert np.asarray(want, dtype=np.float64).tobytes() == got.tobytes(), par.name
        else:
            assert got == want and type(got) is (float if par.kind == _params.REAL else int)
    _assert_same(p["runs"], fate.read_csv(out / "runs.csv"), "runs")
    _assert_same(p["summary"], fate.read_csv(out / "summary.csv"), "summary")


@pytest.mark.parametrize("text", ["0.1:2.9:15", "0:1:5", "1e-3:7:9", "0.5", "0.25,3,1e2",
                                  "2:2:1", "3:0.5:4", "0x1.8p-3,1E2"])
def test_list_text_is_the_clis(cli, tmp_path, text):
    """start:stop:count and a,b,c give the CLI's doubles bit for bit (the
    lambda list: its range takes every text here)."""
    out = tmp_path / "l"
    run_cli(cli, "phase", "--model", "ridge", "--lambda", text, "--gamma", 1, "--d", 4,
            "--instances", 1, "--plot", "none", "--quiet", "--out", out)
    want = np.asarray(json.loads((out / "sweep.json").read_text())["lambda"], dtype=np.float64)
    par = next(q for q in fate.model_params("ridge") if q.name == "lambda")
    assert _params.parse_one(par, text, "t").tobytes() == want.tobytes()


def test_python_values_equal_text(lib):
    a = fate.phase(model="ridge", gamma=[0.5, 1.5], lambda_=0.25, d=10, instances=2, seed=3)
    b = fate.phase(model="ridge", gamma="0.5,1.5", lambda_="0.25", d="10", instances="2",
                   seed="3")
    assert a["runs"].tobytes() == b["runs"].tobytes()
    assert a["summary"].tobytes() == b["summary"].tobytes()


@pytest.mark.parametrize("kw, exc, words", [
    ({"gamma": 0}, fate.FateValueError, "gamma must be in (0, 10000]"),
    ({"gamma": "0:1:3"}, fate.FateValueError, "gamma must be in (0, 10000], got 0"),
    ({"gamma": "0.5:1:1"}, fate.FateValueError, "count 1 needs start == stop"),
    ({"gamma": "0.5:1"}, fate.FateValueError, "a range is start:stop:count"),
    ({"gamma": "0.5,,1"}, fate.FateValueError, "no empty element"),
    ({"gamma": " 0.5"}, fate.FateValueError, "gamma expects a number"),
    ({"gamma": "1_0"}, fate.FateValueError, "gamma expects a number"),
    ({"gamma": []}, TypeError, "gamma"),
    ({"gamma": [0.5, float("nan")]}, fate.FateValueError, "gamma must be"),
    ({"lambda_": -1}, fate.FateValueError, "lambda_ must be in [0, 1000000]"),
    ({"d": 0}, fate.FateValueError, "d must be an integer in [1, 46340]"),
    ({"d": 2.0}, TypeError, "d must be an integer"),
    ({"d": "+3"}, fate.FateValueError, "d must be an integer in [1, 46340], got '+3'"),
    ({"instances": 10**7}, fate.FateValueError, "instances must be an integer in [1, 1000000]"),
    ({"sigma": float("inf")}, fate.FateValueError, "sigma must be in [0, 1000]"),
    ({"sigma": True}, TypeError, "sigma"),
    ({"seed": -1}, fate.FateValueError, "seed must be an integer"),
    ({"seed": 2**64}, fate.FateValueError, "seed must be an integer"),
    ({"lambda": 0.1}, TypeError, "unexpected keyword argument lambda"),
    ({"threads": -1}, fate.FateValueError, "threads"),
    ({"gamma": 0.01, "d": 10}, fate.FateValueError, "gamma d must round to n >= 1"),
])
def test_bad_parameters(lib, kw, exc, words):
    """Refused before any run, naming the parameter (make's own checks
    too: values that do not go together)."""
    with pytest.raises(exc) as e:
        fate.phase(model="ridge", **kw)
    assert words in str(e.value)


def test_positional_arguments_and_unknown_model(lib):
    with pytest.raises(TypeError, match="keyword arguments only"):
        fate.phase([0.5], model="ridge")
    with pytest.raises(ValueError, match="unknown model 'nope'"):
        fate.phase(model="nope")


def test_threads_do_not_change_the_numbers(lib):
    kw = dict(gamma="0.4:2:5", lambda_="0,0.5", d=16, instances=4)
    before = lib.omp_get_max_threads()
    one, two = fate.phase(model="ridge", threads=1, **kw), fate.phase(model="ridge", threads=2, **kw)
    assert one["runs"].tobytes() == two["runs"].tobytes()
    assert one["summary"].tobytes() == two["summary"].tobytes()
    # the thread count of later OpenMP work is left as it was
    assert lib.omp_get_max_threads() == before


def test_hooks(lib):
    seen = []
    p = fate.phase(model="ridge", gamma="0.5,1", lambda_="0,1", d=8, instances=2,
                   progress=lambda done, total: seen.append((done, total)),
                   skip=lambda row, col: row == 1 and col == 0)
    assert seen and seen[-1][0] == seen[-1][1]
    assert p["done"].tolist() == [[True, True], [False, True]] and not p["complete"]
    assert len(p["runs"]) == 3 * 2 and np.isnan(p["grid"]["mean_risk"][1, 0])
    stopped = fate.phase(model="ridge", gamma="0.5:2:6", d=8, instances=2, should_stop=lambda: True)
    assert not stopped["complete"] and stopped["done"].sum() < stopped["done"].size

    def bad(done, total):
        raise RuntimeError("hook failed")
    with pytest.raises(RuntimeError, match="hook failed"):
        fate.phase(model="ridge", gamma="0.5,1", d=8, instances=2, progress=bad)


def test_ctrl_c_stops_and_raises(lib):
    e = interrupted(fate.phase, 1, model="ridge", gamma="0.5:2:8", lambda_="0,1", d=40,
                    instances=4)
    assert e.result["runs"].size == 4 * int(e.result["done"].sum())


def test_models_are_the_registry(lib, tmp_path):
    """fate.models() enumerates the library's registry (fate_model_at), as
    a C program linked to the same library does; linear and relu2 too."""
    cc = shutil.which(os.environ.get("CC", "gcc")) or shutil.which("cc")
    path = fate.library_path()
    if not cc or not os.path.isfile(path):
        pytest.skip("no C compiler or no library file")
    src, exe = tmp_path / "models.c", tmp_path / "models"
    src.write_text('#include <stdio.h>\n#include "fate_model.h"\nint main(void) {\n'
                   '    for (size_t i = 0; fate_model_at(i); i++) '
                   'printf("%s %d\\n", fate_model_at(i)->name, fate_model_at(i)->params != NULL);\n'
                   '    return 0;\n}\n')
    inc = os.environ.get("FATE_INCLUDE") or os.path.join(REPO, "include")
    subprocess.run([cc, "-std=c17", "-I", inc, str(src), path, "-Wl,-rpath," +
                    os.path.dirname(os.path.abspath(path)), "-o", str(exe)], check=True,
                   capture_output=True)
    rows = [line.split() for line in subprocess.run(
        [str(exe)], check=True, capture_output=True, text=True).stdout.splitlines()]
    assert fate.models() == [name for name, _ in rows]
    assert {"linear", "relu2", "ridge"} <= set(fate.models())
    assert not hasattr(_lib, "MODEL_SYMBOLS")  # no second list to keep in step
    for name, declares in rows:
        assert _lib.model(name).name.decode() == name
        if declares == "1":
            assert fate.model_params(name)  # runs through fate.phase(model=name)
        else:
            with pytest.raises(ValueError, match="declares no parameters"):
                fate.model_params(name)


def test_every_declaring_model_runs_from_its_table(lib):
    """Each model with a parameter table runs through fate.phase with its
    defaults, from the table alone."""
    for name in fate.models():
        if _lib.model(name).params:
            p = fate.phase(model=name)
            assert p["complete"] and len(p["summary"]) >= 1, name


def test_linear_and_relu2_dispatch(lib):
    a = fate.phase([0.5], [0.3], d=8, instances=1, model="linear")
    b = fate.phase([0.5], [0.3], d=8, instances=1)
    np.testing.assert_array_equal(a["risk"], b["risk"])
    r = fate.phase(model="relu2", n=[4], mu=[0.5], d=3, mstar=2, width=4, steps=50, n_src=20,
                   n_test=50, instances=1)
    assert r["model"] == "relu2" and r["runs"].size


def test_load_fallback_axes_order():
    """Without the library the column axis is the list that changes first."""
    s = {"a": np.array([1.0, 1.0, 2.0, 2.0]), "b": np.array([5.0, 6.0, 5.0, 6.0])}
    assert _io._model_axes("no-such-model", s, {"a": [1, 2], "b": [5, 6]}) == ("a", "b")
    assert _io._model_axes("no-such-model", s, {"b": [5, 6], "a": [1, 2]}) == ("a", "b")
