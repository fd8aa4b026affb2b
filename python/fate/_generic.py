"""fate.phase(model=NAME) for every model that declares its parameters
(fate_model.params of include/fate_model.h, e.g. the toy model "ridge"):
the sweep is built by the model's make, run through the one sweep path
(fate._sweep.model_sweep) and summarised here with the CLI's rule
(cli/model_summary.c, cli/stats.c), so that nothing in this file names a
model and a model registered in C runs from Python with no Python change.
"""

import ctypes
import inspect
import math

import numpy as np

from . import _check, _params
from ._experiment import phase as _phase_linear
from ._io import grid_arrays
from ._lib import (FATE_COL_COUNT, FATE_COL_REAL, FATE_COL_WORD, FATE_EDIVERGED,
                   FATE_EINTERRUPTED, FATE_OK, error_for, library, model, models)
from ._relu2 import phase_relu2
from ._sweep import Hooks, SweepInterrupted, model_sweep

__all__ = ["phase", "phase_model", "model_params", "models", "summarise"]

ROLE_VALUE, ROLE_COORD, ROLE_KEY, ROLE_INSTANCE = 0, 1, 2, 3


def _declaring(name, where):
    m = model(name)
    if not m.params:
        raise ValueError("%s: model %r declares no parameters; it has a function of its own "
                         "(fate.phase for linear, fate.phase_relu2 for relu2)" % (where, name))
    return m


def model_params(name):
    """The declared parameters of a model (fate._params.Param: name,
    keyword, kind, lo, hi, lo_open, default text, help), in --help order."""
    return _params.params_of(_declaring(name, "fate.model_params"))


class _omp_threads:
    """OpenMP's thread count for a model's run, restored afterwards: a model
    built by make has no threads field, and the CLI's --threads is
    omp_set_num_threads too. 0 leaves the library's default."""

    def __init__(self, n):
        lib = library()
        self.n = n
        self.get = getattr(lib, "omp_get_max_threads", None)
        self.set = getattr(lib, "omp_set_num_threads", None)

    def __enter__(self):
        self.old = self.get() if self.n and self.get and self.set else None
        if self.old is not None:
            self.set(self.n)
        return self

    def __exit__(self, *exc):
        if self.old is not None:
            self.set(self.old)
        return False


def stats_finite(xs):
    """(mean, sd, sem) over the finite values of xs, summed in order as
    cli/stats.c stats_finite (Python floats are C doubles, so the numbers
    are the CLI's to the last bit): sd with n - 1, sem = sd / sqrt(n); NaN
    sd and sem for one value, all NaN for none."""
    ok = [x for x in xs if math.isfinite(x)]
    if not ok:
        return math.nan, math.nan, math.nan
    mean = 0.0
    for x in ok:
        mean += x
    mean /= float(len(ok))
    if len(ok) < 2:
        return mean, math.nan, math.nan
    v = 0.0
    for x in ok:
        v += (x - mean) * (x - mean)
    sd = math.sqrt(v / float(len(ok) - 1))
    return mean, sd, sd / math.sqrt(float(len(ok)))


def _groups(values, cell, keys):
    """Summary groups in the CLI's order: cells as listed (model_sweep's
    order is runs.csv's), within a cell by first appearance; rows belong
    together when their coordinates and keys are equal bit for bit (the
    CLI's memcmp). Returns [(cell index row, [row indices])]."""
    out, start = [], 0
    while start < len(values):
        end = start
        while end < len(values) and (cell[end] == cell[start]).all():
            end += 1
        by_key = {}
        for r in range(start, end):
            by_key.setdefault(values[r, keys].tobytes(), []).append(r)
        out += [(start, rows) for rows in by_key.values()]
        start = end
    return out


def _theory(m, addr, row):
    """The model's theory for the group whose first row is `row`."""
    out = (ctypes.c_double * max(1, m.n_theory))(*([math.nan] * max(1, m.n_theory)))
    if m.theory:
        buf = np.ascontiguousarray(row, dtype=np.float64)
        m.theory(addr, buf.ctypes.data_as(ctypes.POINTER(ctypes.c_double)), out)
    return [out[t] for t in range(m.n_theory)]


def _key_field(name, kind, x, words):
    """A key column of the summary as runs.csv writes it."""
    if kind == FATE_COL_WORD:
        return name, np.array([words[int(v)] for v in x])
    if kind == FATE_COL_COUNT:
        return name, np.where(np.isfinite(x), x, -1).astype(np.int64)
    return name, np.asarray(x, dtype=np.float64)


def summarise(m, addr, values, cell, columns, words):
    """summary.csv of a model's rows (cli/model_summary.c's default layout):
    per group the coordinate and key columns, "instances" (its rows), for a
    REAL value column X mean_X, std_X, sem_X and for another mean_X, then
    theory_<name> from the model's theory hook. Returns (the structured
    array, the (group, 2) grid cell of each group)."""
    keys = [k for k, c in enumerate(columns) if c[2] in (ROLE_COORD, ROLE_KEY)]
    vals = [k for k, c in enumerate(columns) if c[2] == ROLE_VALUE]
    groups = _groups(values, cell, keys)
    first = np.array([rows[0] for _, rows in groups], dtype=np.intp)
    fields = [_key_field(columns[k][0], columns[k][1], values[first, k] if len(first) else
                         np.empty(0), words) for k in keys]
    fields.append(("instances", np.array([len(r) for _, r in groups], dtype=np.int64)))
    for k in vals:
        st = np.array([stats_finite([float(values[r, k]) for r in rows])
                       for _, rows in groups]).reshape(-1, 3)
        name = columns[k][0]
        fields += ([(s + name, st[:, i]) for i, s in enumerate(("mean_", "std_", "sem_"))]
                   if columns[k][1] == FATE_COL_REAL else [("mean_" + name, st[:, 0])])
    th = np.array([_theory(m, addr, values[r]) for r in first]).reshape(-1, m.n_theory)
    fields += [("theory_" + m.theory_names[t].decode(), th[:, t]) for t in range(m.n_theory)]
    out = np.empty(len(groups), dtype=[(n, a.dtype) for n, a in fields])
    for n, a in fields:
        out[n] = a
    return out, cell[first].reshape(-1, 2) if len(first) else np.empty((0, 2), dtype=np.int64)


def _make(m, table, vals, where):
    """The model's sweep (a c_void_p) from the parsed values; make's refusal
    (values that do not go together) raises FateValueError with its text."""
    arr, keep = _params.values_struct(table, vals)
    sweep, why = ctypes.c_void_p(), ctypes.c_char_p()
    st = m.make(ctypes.byref(sweep), arr, ctypes.byref(why))
    del keep  # make copies what it keeps
    if st != FATE_OK:
        raise error_for(st, "%s: %s" % (where, why.value.decode()) if why.value else where)
    return sweep


def _axes(m, addr, columns):
    """The coordinate values along the grid's rows and columns (the
    row_axis and col_axis columns of each row's / column's first cell)."""
    R, C = ctypes.c_size_t(), ctypes.c_size_t()
    m.grid(addr, ctypes.byref(R), ctypes.byref(C))

    def coord(r, c, k):
        n = m.cell_keys(addr, r, c, None)
        v = np.full((max(1, n), len(columns)), np.nan)
        m.cell_keys(addr, r, c, v.ctypes.data_as(ctypes.POINTER(ctypes.c_double)))
        return v[0, k]

    def typed(x, k):
        return np.asarray(x, dtype=np.int64 if columns[k][1] == FATE_COL_COUNT else np.float64)
    rows = typed([coord(r, 0, m.row_axis) for r in range(R.value)], m.row_axis)
    cols = typed([coord(0, c, m.col_axis) for c in range(C.value)], m.col_axis)
    return rows, cols


def _result(m, addr, out, vals):
    columns = out["columns"]
    words = [m.words[i].decode() for i in range(m.n_words)]
    summary, scell = summarise(m, addr, out["values"], out["cell"], columns, words)
    rows, cols = _axes(m, addr, columns)
    ra, ca = columns[m.row_axis][0], columns[m.col_axis][0]
    # the axes as vectors, over their (rows, cols) arrays
    grid = grid_arrays(summary, scell[:, 0], scell[:, 1], rows.size, cols.size)
    grid.update({"model": m.name.decode(), "row_axis": ra, "col_axis": ca, ra: rows, ca: cols})
    return {"model": m.name.decode(), "params": vals, "runs": out["runs"], "cell": out["cell"],
            "summary": summary, "summary_cell": scell, "grid": grid, "row_axis": ra,
            "col_axis": ca, ra: rows, ca: cols, "figure_value": columns[m.figure_value][0],
            "figure_diverging": bool(m.figure_diverging),
            "theory_names": [m.theory_names[t].decode() for t in range(m.n_theory)],
            "done": out["done"], "complete": bool(out["status"] == FATE_OK and out["done"].all())}


def phase_model(model_name, threads=0, should_stop=None, progress=None, skip=None, **params):
    """fate.phase(model=NAME, ...) for a model that declares its parameters:
    see fate.phase. `params`: one keyword per declared parameter."""
    where = "fate.phase"
    m = _declaring(model_name, where)
    table = _params.params_of(m)
    vals = _params.parse(table, params, where)
    nthreads = _check.threads(threads, where)
    hk = Hooks(where, should_stop, progress, skip)
    sweep = _make(m, table, vals, where)
    try:
        with _omp_threads(nthreads):
            out = model_sweep(model_name, sweep, where, hk)
        res = _result(m, sweep.value, out, vals)
    finally:
        m.destroy(sweep)
    if hk.errors:
        raise hk.errors[0]
    st, err = out["status"], out["error"]
    if st == FATE_EDIVERGED:
        raise error_for(st, "%s: diverged at step %d (instance %d) in cell row %d, column %d" % (
            where, err.step, err.instance, err.theta_index, err.gamma_index),
            step=err.step, instance=err.instance, row_index=err.theta_index,
            col_index=err.gamma_index)
    if hk.watch.hit.is_set():
        raise SweepInterrupted(res, where)
    if st not in (FATE_OK, FATE_EINTERRUPTED):
        raise error_for(st)
    return res


def phase(*args, model="linear", **kwargs):
    """A sweep over a model's grid, like `fate phase --model MODEL`.

    model="linear" (the default): the deep linear sweep over (gamma, theta),
    documented below. model="relu2": fate.phase_relu2(*args, **kwargs).
    Any other registered model (fate.models()) declares its parameters
    (fate.model_params(model)): pass one keyword per parameter, named as the
    CLI's option with '-' as '_' ("lambda" is lambda_, a Python keyword);
    each is the CLI's text (a value, a,b,c, or start:stop:count with count
    points from start to stop inclusive: the CLI's doubles bit for bit) or a
    Python number or sequence; an absent one takes the table's default, as
    the CLI does. Values out of range raise FateValueError naming the
    parameter. threads, should_stop, progress and skip(row, col) as below.
    It returns a dict:
      "runs": runs.csv's rows (structured array of the declared columns);
      "summary": summary.csv's rows, computed with the CLI's rule (equal to
            the last bit): coordinates and keys, "instances", mean_X, std_X,
            sem_X per REAL result X (mean_X for counts), theory_<name>;
      "grid": the summary's numeric columns as (rows, cols) arrays over
            the model's grid, with the axes' names and values;
      "row_axis", "col_axis" and their values under their names, "cell"
      and "summary_cell" (each row's grid cell), "params" (every parameter's
      value), "figure_value", "figure_diverging", "theory_names", "done"
      (rows, cols) bool, "complete".

    The deep linear model:
    """
    if model == "linear":
        return _phase_linear(*args, **kwargs)
    if model == "relu2":
        return phase_relu2(*args, **kwargs)
    if args:
        raise TypeError("fate.phase(model=%r) takes keyword arguments only (the model's "
                        "parameters: %s)" % (model, ", ".join(
                            p.keyword for p in model_params(model))))
    return phase_model(model, **kwargs)


# fate.phase shows the linear model's arguments (its default) and model=
_sig = inspect.signature(_phase_linear)
phase.__signature__ = _sig.replace(parameters=list(_sig.parameters.values()) + [
    inspect.Parameter("model", inspect.Parameter.KEYWORD_ONLY, default="linear")])
phase.__doc__ += _phase_linear.__doc__
