"""The one Python sweep path of every model (fate._sweep.model_sweep, through
fate_model.run of include/fate_model.h): for the deep linear model too its
rows are the CLI's runs.csv, number for number. (fate.phase keeps its own
arrays: fate_model_linear's rows carry no pretraining and no learning rate.)"""
import inspect

import numpy as np

import fate
from fate import _experiment, _sweep
from conftest import run_cli


def _linear_sweep(gammas, thetas, lambdas, d, instances):
    """fate.phase's sweep struct for these arguments and its defaults (of
    the linear model: model= only picks it)."""
    spec = {k: v.default for k, v in inspect.signature(fate.phase).parameters.items()
            if v.default is not inspect.Parameter.empty and k not in (
                "thetas", "lambdas", "d", "instances", "threads", "should_stop", "progress", "skip",
                "model")}
    return _experiment._linear_sweep("test", gammas, thetas, lambdas, d, instances, 0, **spec)


def test_linear_model_rows_equal_cli_runs_csv(cli, lib, tmp_path):
    out = tmp_path / "lin"
    run_cli(cli, "phase", "--d", 12, "--gamma", "0.5,1.5", "--theta", "0.3,1.1", "--lambda",
            "0,0.2", "--instances", 2, "--plot", "none", "--quiet", "--out", out)
    sweep, *keep = _linear_sweep([0.5, 1.5], [0.3, 1.1], [0.0, 0.2], 12, 2)
    got = _sweep.model_sweep("linear", sweep, "test", _sweep.Hooks("test"))
    assert got["status"] == 0 and got["done"].all()
    runs, ref = got["runs"], fate.read_csv(out / "runs.csv")
    assert list(runs.dtype.names) == list(ref)
    assert len(runs) == 2 * 2 * 2 * (1 + 2 + 1)
    for name in runs.dtype.names:
        if name == "method":
            assert runs[name].tolist() == ref[name].tolist()
        else:
            np.testing.assert_array_equal(runs[name], ref[name], err_msg=name)
    # the grid indices of each row: (theta index, gamma index), the model's (row, col)
    cell = got["cell"]
    np.testing.assert_array_equal(runs["theta"], np.array([0.3, 1.1])[cell[:, 0]])
    np.testing.assert_array_equal(runs["gamma"], np.array([0.5, 1.5])[cell[:, 1]])


def test_linear_model_equals_phase(lib):
    """The same numbers as fate.phase's arrays."""
    sweep, *keep = _linear_sweep([0.5], [0.3, 1.1], [0.0], 12, 2)
    runs = _sweep.model_sweep("linear", sweep, "test", _sweep.Hooks("test"))["runs"]
    p = fate.phase([0.5], [0.3, 1.1], d=12, instances=2)
    for k, m in enumerate(fate.METHODS):
        rows = runs[runs["method"] == m]
        np.testing.assert_array_equal(rows["risk"], p["risk"][0, :, k].reshape(-1), err_msg=m)
        np.testing.assert_array_equal(rows["steps"], p["steps"][0, :, k].reshape(-1), err_msg=m)
