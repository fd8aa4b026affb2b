"""fate.load: read the output folders of `fate phase` and `fate reproduce`
(and any folder of fate CSV/NPY files) into NumPy arrays. Pure Python: the
shared library is not needed to load results."""

import csv
import ctypes
import json
import math
import os
import re

import numpy as np

__all__ = ["load", "read_csv", "grid_of", "grid_arrays"]

_INT = re.compile(r"^[+-]?\d+$")
METHODS = ("scratch", "lt", "ft")
#: the method axis when a sweep ran any method beyond the paper's (fate.phase's too)
ALL_METHODS = ("scratch", "lt", "ft", "lpft", "l2sp", "ridge", "ridge_cv", "early_stop")


def _column(values):
    """A column of CSV strings as int64, float64 (empty -> NaN) or str."""
    if values and all(_INT.match(v) for v in values):
        try:
            return np.array([int(v) for v in values], dtype=np.int64)
        except OverflowError:
            pass
    try:
        return np.array([float(v) if v != "" else math.nan for v in values], dtype=np.float64)
    except ValueError:
        return np.array(values, dtype=str)


def read_csv(path):
    """A CSV file with a header row as a dict of NumPy columns (in file order).

    Integer columns become int64, numeric ones float64 (an empty field, "nan"
    and "inf" as in fate's outputs become NaN / inf), others str."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if not rows:
        return {}
    header = rows[0]
    body = [r for r in rows[1:] if r]
    for i, r in enumerate(body):
        if len(r) != len(header):
            raise ValueError("%s: line %d has %d fields, the header %d" % (path, i + 2, len(r),
                                                                         len(header)))
    return {name: _column([r[k] for r in body]) for k, name in enumerate(header)}


def _read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return None


def _index(values, coords):
    """Index of each value in coords (exact match; fate prints 17 digits)."""
    pos = {v: i for i, v in enumerate(coords.tolist())}
    idx = np.array([pos.get(v, -1) for v in values.tolist()], dtype=np.int64)
    if np.any(idx < 0):
        # tolerate values written with fewer digits
        for k in np.flatnonzero(idx < 0):
            d = np.abs(coords - values[k])
            j = int(np.argmin(d))
            if d[j] <= 1e-9 * max(1.0, abs(coords[j])):
                idx[k] = j
    return idx


def grid_of(summary, runs=None, params=None):
    """Arrays shaped like fate.phase's result from summary.csv (and runs.csv)
    columns.

    Coordinates come from params (sweep.json: gammas, thetas, lambdas) when
    given, else from the distinct values in the files. Returns a dict:
    "gamma" (G,), "theta" (T,), "lambda" (NL,), "n" (G,), "method";
    from summary.csv, axis order (gamma, theta, method) with lt at the first
    lambda: mean_risk, std_risk, sem_risk, mean_T, std_T, sem_T, theory_risk,
    theory_T, converged_frac, mean_steps (G, T, M), theory_T_paper (G, T),
    M = 3 methods (scratch, lt, ft) or the 8 of ALL_METHODS when the files
    hold any other;
    "lt": the same per lambda (G, T, NL); from runs.csv, when given and its
    instances are complete: risk, T, train_loss, loss_min, balance (G, T, M,
    K), steps (int64, -1 where absent), converged, on_saddle (bool),
    ft_c (G, T, K) (and lpft_c, l2sp_lambda, ridge_cv_lambda when those
    ran), "instance" (K,), and lt's per lambda (G, T, NL, K).
    Absent entries are NaN.
    """
    src = summary if summary else runs
    if not src:
        return None
    if params and all(k in params for k in ("gammas", "thetas", "lambdas")):
        g = np.asarray(params["gammas"], dtype=np.float64)
        t = np.asarray(params["thetas"], dtype=np.float64)
        lam = np.asarray(params["lambdas"], dtype=np.float64)
    else:
        g = np.unique(src["gamma"])
        t = np.unique(src["theta"])
        lt_l = src["lambda"][src["method"] == "lt"] if "method" in src else np.array([])
        lam = np.unique(lt_l[~np.isnan(lt_l)]) if lt_l.size else np.array([0.0])
        if lam.size == 0:
            lam = np.array([0.0])
    G, T, NL = g.size, t.size, lam.size
    present = set()
    for tab in (summary, runs):
        if tab and "method" in tab:
            present |= set(np.asarray(tab["method"]).tolist())
    names = ALL_METHODS if present - set(METHODS) else METHODS
    NM = len(names)
    out = {"gamma": g, "theta": t, "lambda": lam, "method": names,
           "n": np.full(G, -1, dtype=np.int64)}
    if params and "d" in params:
        out["n"] = np.array([int(math.floor(x * params["d"] + 0.5)) for x in g], dtype=np.int64)

    def locate(tab):
        j = _index(tab["gamma"], g)
        tt = _index(tab["theta"], t)
        meth = tab["method"]
        mi = np.full(meth.shape, -1, dtype=np.int64)
        for k, m in enumerate(names):
            mi[meth == m] = k
        li = np.zeros(meth.shape, dtype=np.int64)
        is_lt = meth == "lt"
        if np.any(is_lt):
            li[is_lt] = _index(tab["lambda"][is_lt], lam)
        ok = (j >= 0) & (tt >= 0) & (mi >= 0) & (li >= 0)
        if "n" in tab:
            out["n"][j[ok]] = tab["n"][ok]
        return j, tt, mi, li, ok

    if summary:
        j, tt, mi, li, ok = locate(summary)
        first = ok & ((mi != 1) | (li == 0))
        lt_rows = ok & (mi == 1)
        lt = {}
        for col in ("mean_risk", "std_risk", "sem_risk", "mean_T", "std_T", "sem_T",
                    "theory_risk", "theory_T", "converged_frac", "mean_steps"):
            if col not in summary:
                continue
            a = np.full((G, T, NM), np.nan)
            a[j[first], tt[first], mi[first]] = summary[col][first]
            out[col] = a
            b = np.full((G, T, NL), np.nan)
            b[j[lt_rows], tt[lt_rows], li[lt_rows]] = summary[col][lt_rows]
            lt[col] = b
        if "theory_T_paper" in summary:
            a = np.full((G, T), np.nan)
            f = ok & (mi == 2)
            a[j[f], tt[f]] = summary["theory_T_paper"][f]
            out["theory_T_paper"] = a
        out["lt"] = lt
    if runs and "instance" in runs and runs["instance"].size:
        j, tt, mi, li, ok = locate(runs)
        inst = runs["instance"]
        K = int(inst.max()) + 1
        out["instance"] = np.arange(K, dtype=np.int64)
        first = ok & ((mi != 1) | (li == 0))
        lt_rows = ok & (mi == 1)
        lt = out.setdefault("lt", {})
        for col in ("risk", "T", "train_loss", "loss_min", "balance", "steps", "converged",
                    "on_saddle"):
            if col not in runs:
                continue
            if col in ("converged", "on_saddle"):
                a, b, v = (np.zeros((G, T, NM, K), dtype=bool), np.zeros((G, T, NL, K), dtype=bool),
                           runs[col] != 0)
            elif col == "steps":
                a, b, v = (np.full((G, T, NM, K), -1, dtype=np.int64),
                           np.full((G, T, NL, K), -1, dtype=np.int64), runs[col])
            else:
                a, b, v = np.full((G, T, NM, K), np.nan), np.full((G, T, NL, K), np.nan), runs[col]
            a[j[first], tt[first], mi[first], inst[first]] = v[first]
            b[j[lt_rows], tt[lt_rows], li[lt_rows], inst[lt_rows]] = v[lt_rows]
            out[col] = a
            lt[col] = b
        # per-instance scalars: (column, method, key in the result)
        for col, m, key in (("ft_c", "ft", "ft_c"), ("ft_c", "lpft", "lpft_c"),
                            ("lambda", "l2sp", "l2sp_lambda"), ("cv_lambda", "ridge_cv", "ridge_cv_lambda")):
            if col not in runs or (m not in present and key != "ft_c"):
                continue
            a = np.full((G, T, K), np.nan)
            f = ok & (mi == names.index(m))
            a[j[f], tt[f], inst[f]] = runs[col][f]
            out[key] = a
    return out


def grid_arrays(summary, row_index, col_index, R, C):
    """The numeric summary columns (a structured array or a dict of
    columns) as (R, C) arrays over a model's grid (R, C, G when a cell has
    G > 1 groups, in their order): NaN (-1 for integers) where absent.
    row_index, col_index: each summary row's cell."""
    n = len(row_index)
    slot = np.zeros(n, dtype=np.intp)
    seen = {}
    for i in range(n):
        k = (int(row_index[i]), int(col_index[i]))
        slot[i] = seen.get(k, 0)
        seen[k] = slot[i] + 1
    G = int(slot.max()) + 1 if n else 1
    out = {}
    names = summary.dtype.names if hasattr(summary, "dtype") else list(summary)
    for name in names:
        a = np.asarray(summary[name])
        if a.dtype.kind not in "fiu":
            continue
        integral = a.dtype.kind in "iu"
        g = (np.full((R, C, G), -1, dtype=np.int64) if integral
             else np.full((R, C, G), np.nan))
        g[row_index, col_index, slot] = a
        out[name] = g[:, :, 0] if G == 1 else g
    return out


def _model_axes(name, summary, params):
    """The grid's row and column axes of a model's folder: the model's
    row_axis and col_axis columns when the library is at hand, else the two
    list parameters that are summary columns, the column axis being the one
    that changes first (summary.csv lists the cells row by row)."""
    try:
        from ._lib import model
        m = model(name)
        n = ctypes.c_size_t()
        cols = m.columns(None, ctypes.byref(n))
        return cols[m.row_axis].name.decode(), cols[m.col_axis].name.decode()
    except (ImportError, ValueError, OSError):
        pass
    lists = [k for k, v in params.items() if isinstance(v, list) and k in summary]
    if len(lists) != 2:
        return None, None
    a, b = lists
    col_first = summary[a].size > 1 and summary[a][0] != summary[a][1]
    return (b, a) if col_first else (a, b)


def _axis_values(summary, params, name):
    """An axis's values in the grid's order: the sweep's list of that name,
    else the summary's values in order of first appearance."""
    x = summary[name]
    if isinstance(params.get(name), list):
        return np.asarray(params[name], dtype=x.dtype)
    _, first = np.unique(x, return_index=True)
    return x[np.sort(first)]


def _model_grid(out, params):
    """The grid of a folder of `fate phase --model NAME` for a model that
    declares its parameters: as fate.phase(model=NAME)["grid"]."""
    name, summ = params.get("model"), out.get("summary")
    g = {"model": name}
    ra, ca = _model_axes(name, summ, params) if summ else (None, None)
    if ra is None or ra not in summ or ca not in summ:
        return g
    rows, cols = _axis_values(summ, params, ra), _axis_values(summ, params, ca)
    ri, ci = _index(summ[ra], rows), _index(summ[ca], cols)
    ok = (ri >= 0) & (ci >= 0)
    g.update(grid_arrays({k: v[ok] for k, v in summ.items()}, ri[ok], ci[ok], rows.size, cols.size))
    g.update({"row_axis": ra, "col_axis": ca, ra: rows, ca: cols})
    return g


def _dataframe(cols):
    try:
        import pandas as pd
    except ImportError:
        return None
    return pd.DataFrame(cols)


def _is_sweep_folder(path):
    return any(os.path.isfile(os.path.join(path, f)) for f in ("runs.csv", "summary.csv"))


def _load_folder(path, pandas):
    out = {"path": path}
    names = sorted(os.listdir(path))
    for name in names:
        full = os.path.join(path, name)
        if not os.path.isfile(full):
            continue
        stem, ext = os.path.splitext(name)
        if ext == ".csv":
            out[stem] = read_csv(full)
            if pandas:
                df = _dataframe(out[stem])
                if df is not None:
                    out[stem + "_df"] = df
        elif ext == ".npy":
            out.setdefault("arrays", {})[stem] = np.load(full, allow_pickle=False)
    out["manifest"] = _read_json(os.path.join(path, "manifest.json"))
    params = _read_json(os.path.join(path, "sweep.json"))
    if params is None and out["manifest"]:
        params = out["manifest"].get("params")
    out["params"] = params
    if "arrays" not in out:
        out["arrays"] = {}
    if params and params.get("model") == "relu2":
        out["grid"] = _relu_grid(out, params)
    elif params and params.get("model") not in (None, "linear"):
        out["grid"] = _model_grid(out, params)
    elif "summary" in out or "runs" in out:
        out["grid"] = grid_of(out.get("summary"), out.get("runs"), params)
    return out


RELU_METHODS = ["pretrain", "scratch", "lt", "ft", "lpft"]


def relu_method_names(lpft):
    """The methods along a relu2 grid's method axis: the first four, and
    lpft fifth when the sweep ran it (as risk.npy)."""
    return list(RELU_METHODS if lpft else RELU_METHODS[:4])
#: Per-run columns of a relu2 runs.csv that relu_runs_grid shapes
#: (overlap, n, method, instance).
RELU_RUN_FIELDS = ("risk", "risk_se", "T", "train_loss", "steps", "converged", "lr_eff")


def _finite_mean(x, axis):
    """Mean over the finite values along axis (NaN where there are none), as
    the CLI's summaries."""
    ok = np.isfinite(x)
    k = ok.sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ok, x, 0.0).sum(axis=axis) / np.where(k > 0, k, np.nan)


def relu_runs_grid(runs, oi, ni, NO, NN, K):
    """The rows of a relu2 runs table (a dict of columns or a structured
    array) at overlap indices oi and n indices ni, shaped per run: every
    RELU_RUN_FIELDS column (and w_move, when the table has it: the sweep ran
    lpft) (NO, NN, M, K) with the M methods of relu_method_names in
    RELU_METHODS order (NaN, steps -1, converged False where absent),
    "lt_rank" (NO, NN, K), and per overlap the means over instances of
    "pperp_student" and "pperp_source" (NO,), as boundary.csv."""
    mi = np.array([RELU_METHODS.index(m) for m in np.asarray(runs["method"]).tolist()],
                  dtype=np.int64)
    has_move = _has_column(runs, "w_move")
    M = len(relu_method_names(has_move))
    inst = np.asarray(runs["instance"], dtype=np.int64)
    g = {"instance": np.arange(K, dtype=np.int64)}
    for col in RELU_RUN_FIELDS + (("w_move",) if has_move else ()):
        if col == "steps":
            a, v = np.full((NO, NN, M, K), -1, dtype=np.int64), runs[col]
        elif col == "converged":
            a, v = np.zeros((NO, NN, M, K), dtype=bool), np.asarray(runs[col]) != 0
        else:
            a, v = np.full((NO, NN, M, K), np.nan), runs[col]
        a[oi, ni, mi, inst] = v
        g[col] = a
    lt = mi == RELU_METHODS.index("lt")
    g["lt_rank"] = np.full((NO, NN, K), -1, dtype=np.int64)
    g["lt_rank"][oi[lt], ni[lt], inst[lt]] = np.asarray(runs["lt_rank"])[lt]
    for col in ("pperp_student", "pperp_source"):
        a = np.full((NO, K), np.nan)
        a[oi, inst] = runs[col]
        g[col] = _finite_mean(a, 1)
    return g


def _has_column(runs, name):
    """Whether a runs table (a dict of columns or a structured array) has
    that column."""
    names = runs.dtype.names if hasattr(runs, "dtype") else runs.keys()
    return name in names


def relu_means(g, count):
    """mean_risk, sem_risk, mean_T, sem_T (overlap, n, 4) from the per-run
    risk and T of relu_runs_grid, as summary.csv: means and standard
    deviations (ddof 1) over the finite values, sem = sd / sqrt(count), count
    (overlap, n, 4) the rows of each cell and method (NaN where 0)."""
    out = {}
    for col in ("risk", "T"):
        x = g[col]
        ok = np.isfinite(x)
        k = ok.sum(axis=-1)
        m = _finite_mean(x, -1)
        with np.errstate(invalid="ignore", divide="ignore"):
            var = (np.where(ok, x - m[..., None], 0.0) ** 2).sum(axis=-1) / np.where(k > 1, k - 1,
                                                                                      np.nan)
            sem = np.sqrt(var) / np.sqrt(np.where(count > 0, count, np.nan))
        out["mean_" + col] = np.where(count > 0, m, np.nan)
        out["sem_" + col] = sem
    return out


def _relu_grid(out, params):
    """The arrays of a `fate phase --model relu2` folder: the overlap axis
    ("mu" or "theta"), "n", per-run "risk" and "T" shaped (overlap, n, 4, K)
    with methods in RELU_METHODS order (and, from runs.csv, the other
    RELU_RUN_FIELDS, "lt_rank" and "instance": relu_runs_grid), the per-cell
    means "mean_risk" and "mean_T" (overlap, n, 4), |P_perp f_t|^2 per
    overlap ("pperp_student", "pperp_source") and the predicted boundary
    "n_star", and the scratch power law "A", "p" (with "A_se", "p_se")."""
    axis = "theta" if params.get("teacher") == "single-index" else "mu"
    arrays = out.get("arrays", {})
    names = relu_method_names(int(params.get("methods", 0)) & 8)  # FATE_METHOD_LPFT
    g = {"model": "relu2", "axis": axis, axis: np.asarray(params.get(axis, []), dtype=float),
         "n": np.asarray(params.get("ns", []), dtype=np.int64), "method": names}
    NO, NN = len(g[axis]), len(g["n"])
    for k in ("risk", "T"):
        if k in arrays:
            g[k] = arrays[k]
    runs = out.get("runs")
    if runs and runs.get(axis) is not None and runs[axis].size:
        K = int(params.get("instances", int(runs["instance"].max()) + 1))
        oi, ni = _index(runs[axis], g[axis]), _index(runs["n"], g["n"])
        ok = (oi >= 0) & (ni >= 0) & (runs["instance"] < K)
        g.update(relu_runs_grid({k: v[ok] for k, v in runs.items()}, oi[ok], ni[ok], NO, NN, K))
    summ = out.get("summary")
    if summ is not None:
        for col in ("mean_risk", "mean_T", "sem_risk", "sem_T"):
            a = np.full((NO, NN, len(names)), np.nan)
            oi = np.searchsorted(g[axis], summ[axis])
            ni = np.searchsorted(g["n"], summ["n"])
            mi = np.array([RELU_METHODS.index(m) for m in summ["method"]], dtype=np.int64)
            a[oi, ni, mi] = summ[col]
            g[col] = a
    b = out.get("boundary")
    if b is not None:
        g["pperp_student"] = b["pperp_student"]
        g["pperp_source"] = b["pperp_source"]
        g["n_star"] = b["n_star_student"]
    pl = out.get("powerlaw")
    if pl is not None:
        for k in ("A", "A_se", "p", "p_se"):
            g[k] = float(pl[k][0])
    return g


def load(path, pandas=True):
    """Load an output folder of `fate phase` or `fate reproduce` (or one file).

    A `fate phase --model relu2` folder (or `relu` of `fate reproduce`) has
    its "grid" from _relu_grid: the overlap axis, n, risk/T per run, means,
    |P_perp f_t|^2, the predicted boundary and the scratch power law.

    A folder of `fate phase --model NAME` for a model that declares its
    parameters (ridge) has the "grid" of fate.phase(model=NAME): the
    summary's numeric columns as (rows, cols) arrays over the model's grid,
    "row_axis", "col_axis" and their values (the axes are the library's
    when it is at hand, else read from sweep.json and summary.csv).

    A folder holding runs.csv or summary.csv (`fate phase --out DIR`, or one
    experiment of `fate reproduce`) gives a dict with:
      "path"; "manifest" (manifest.json, parsed; None if absent);
      "params" (sweep.json: the sweep's parameters, gammas/thetas/lambdas...);
      one entry per CSV file, by file stem: "runs", "summary", ... each a
      dict of NumPy columns (see read_csv);
      "arrays": every .npy file in the folder, by stem (np.load);
      "grid": the results as arrays shaped like fate.phase's (see grid_of);
      "runs_df", "summary_df", ...: pandas DataFrames, when pandas is
      importable and pandas=True.
    A folder without them (`fate reproduce --out DIR`, `fate distance --out
    DIR`) gives {"path", "manifest", "folders", "arrays"}, its own CSV files
    by stem (e.g. "pairs", "correlation" of `fate distance`), plus one entry
    per sub-folder holding
    results, keyed by its path relative to DIR with "/" separators (e.g.
    "sigma0", "ridge", "decay/wd_0.001"), each loaded as above; "folders"
    lists those keys. A .csv, .npy or .json file loads as read_csv, np.load
    or json.load would.
    """
    path = os.fspath(path)
    if os.path.isfile(path):
        ext = os.path.splitext(path)[1]
        if ext == ".csv":
            return read_csv(path)
        if ext == ".npy":
            return np.load(path, allow_pickle=False)
        if ext == ".json":
            return _read_json(path)
        raise ValueError("fate.load: cannot read %s (expected a folder, .csv, .npy or .json)" % path)
    if not os.path.isdir(path):
        raise FileNotFoundError("fate.load: no such folder: %s" % path)
    if _is_sweep_folder(path):
        return _load_folder(path, pandas)
    out = {"path": path, "manifest": _read_json(os.path.join(path, "manifest.json")),
           "folders": [], "arrays": {}}
    for name in sorted(os.listdir(path)):
        full = os.path.join(path, name)
        if os.path.isfile(full) and name.endswith(".npy"):
            out["arrays"][name[:-4]] = np.load(full, allow_pickle=False)
        elif os.path.isfile(full) and name.endswith(".csv"):
            # e.g. `fate distance`: pairs.csv, correlation.csv
            out[name[:-4]] = read_csv(full)
            if pandas:
                df = _dataframe(out[name[:-4]])
                if df is not None:
                    out[name[:-4] + "_df"] = df
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d != "cells")
        if root == path:
            continue
        if _is_sweep_folder(root):
            key = os.path.relpath(root, path).replace(os.sep, "/")
            out[key] = _load_folder(root, pandas)
            out["folders"].append(key)
            dirs[:] = []
    if (not out["folders"] and not out["arrays"] and out["manifest"] is None
            and not any(isinstance(v, dict) for k, v in out.items() if k not in ("manifest", "arrays"))):
        raise ValueError("fate.load: %s holds no fate results (no runs.csv, summary.csv, "
                         ".npy or manifest.json)" % path)
    return out
