"""fate.run_relu2 (one two-layer experiment, K instances) and fate.phase_relu2
(the (overlap, n) sweep of `fate phase --model relu2`, run through the model
interface of include/fate_model.h)."""

import ctypes
import math
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from . import _check
from ._experiment import _instances, _methods_bits
from ._io import RELU_METHODS, relu_means, relu_method_names, relu_runs_grid
from ._lib import (FATE_EDIVERGED, FATE_EINTERRUPTED, FATE_EINVAL, FATE_OK, METHOD_BITS,
                   METHOD_FT, METHOD_LPFT, METHOD_LT, METHOD_SCRATCH, METHOD_WHAT, error_for,
                   fate_relu_result, fate_relu_spec, fate_relu_sweep, keep_blas_threads, library,
                   struct_dtype)
from ._sweep import Hooks, SweepInterrupted, model_sweep

__all__ = ["run_relu2", "phase_relu2", "make_relu_spec", "ACTIVATIONS", "SCALINGS"]

#: fate_act and fate_mlp_scaling of fate_mlp.h, in enum order (the CLI's words).
ACTIVATIONS = ("relu", "tanh", "erf", "linear")
SCALINGS = ("mean-field", "standard")
OPTIMIZERS = ("gd", "momentum", "adam")   # fate_mlp_optimizer order
PRECISIONS = ("double", "single")         # fate_mlp_precision order
_METHODS = ("scratch", "lt", "ft")
#: every method of the two-layer model (lpft: LP-FT, simulation only); the
#: C check refuses the others (l2sp, ridge, ridge_cv)
RELU_ALL_METHODS = ("scratch", "lt", "ft", "lpft")
_PRETRAINED = METHOD_LT | METHOD_FT | METHOD_LPFT
_METHOD_NAME = {0: "pretrain", METHOD_SCRATCH: "scratch", METHOD_LT: "lt", METHOD_FT: "ft",
                METHOD_LPFT: "lpft"}
#: `fate phase --model relu2`'s default grid.
DEFAULT_MU = (0.0, 0.25, 0.5, 0.75, 1.0)
DEFAULT_N = (4, 8, 16, 32, 64, 128)


def _raise_relu_spec(spec, where):
    msg = library().fate_relu_spec_check(ctypes.byref(spec))
    if msg:
        raise error_for(FATE_EINVAL, "%s: %s" % (where, msg.decode()))


def make_relu_spec(d=10, mstar=4, width=50, act="relu", scaling="mean-field", n=16, mu=0.5,
                   theta=None, n_src=500, online=False, sigma=0.0, sigma_src=0.0, n_test=4000,
                   lr=0.5, steps=40000, batch=0, tol=1e-8, rel_tol=1e-4, init_scale=1e-3,
                   readout_init=1e-3, lam=0.0, rcond=1e-6, pperp_rcond=1e-3, seed=1,
                   methods=_METHODS, optimizer="gd", beta1=0.9, beta2=0.999,
                   optimize_pretrain=False, precision="double", pretrain_steps=0,
                   pretrain_lr=0.0):
    """A checked fate_relu_spec (ctypes struct) from keyword arguments.

    The arguments are `fate phase --model relu2`'s options with its
    defaults (--width is m, --init-scale w_init, --readout-init c_init,
    --lambda lam, --steps the GD step budget). theta (in [0, pi]) selects
    single-index teachers relu(beta.x) at that angle instead of mu.
    optimizer ("gd", "momentum" or "adam", with beta1, beta2) is the update
    rule of scratch, fine-tuning and LP-FT (pretraining too with
    optimize_pretrain); precision ("double" or "single") the arithmetic of
    every training's products (fate_mlp_gd_config in fate_mlp.h)."""
    return _make_relu_spec("fate.make_relu_spec", **locals())


def _make_relu_spec(where, d, mstar, width, act, scaling, n, mu, theta, n_src, online, sigma,
                    sigma_src, n_test, lr, steps, batch, tol, rel_tol, init_scale, readout_init,
                    lam, rcond, pperp_rcond, seed, methods, optimizer="gd", beta1=0.9,
                    beta2=0.999, optimize_pretrain=False, precision="double", pretrain_steps=0,
                   pretrain_lr=0.0, ns=None):
    """The spec; with ns (the sweep's n values, checked by the caller) n is
    checked as their largest, as fate_relu_sweep_check does."""
    C = _check
    s = fate_relu_spec()
    library().fate_relu_spec_default(ctypes.byref(s))
    s.d = dd = C.integer(d, "d", 1, C.INT_MAX, where)
    s.mstar = C.integer(mstar, "mstar", 1, C.relu_width_max(dd), where,
                        " for d = %d (mstar*mstar, mstar*d <= %d: BLAS int sizes)" % (dd, C.INT_MAX))
    s.m = C.integer(width, "width", 1, C.relu_width_max(dd), where,
                    " for d = %d (width*width, width*d <= %d: BLAS int sizes)" % (dd, C.INT_MAX))
    s.act = C.word(act, "act", ACTIVATIONS, where)
    s.scaling = C.word(scaling, "scaling", SCALINGS, where)
    rows = C.relu_rows_max(dd, s.m, s.mstar)
    why = " for d = %d, width = %d, mstar = %d (rows*max(d, width, mstar) <= %d: BLAS int sizes)" % (
        dd, s.m, s.mstar, C.INT_MAX)
    if ns is None:
        s.n = C.integer(n, "n", 1, rows, where, why)
    else:
        s.n = int(C.count_array(ns, "n", 1, rows, where).max())
    if theta is not None:
        s.single_index = 1
        s.theta = C.real(theta, "theta", 0.0, math.pi, where=where, text="in [0, pi]")
        if dd == 1 and s.theta not in (0.0, math.pi):
            raise C.value_error(where, "theta must be 0 or pi when d = 1 (the single-index source "
                                "teacher needs a second dimension), got %r" % s.theta)
    else:
        s.mu = C.real(mu, "mu", 0.0, 1.0, where=where, text="in [0, 1]")
    s.n_src = C.integer(n_src, "n_src", 1, rows, where, why)
    s.online_src = int(C.flag(online, "online", where))
    s.sigma = C.real(sigma, "sigma", lo=0.0, where=where)
    s.sigma_src = C.real(sigma_src, "sigma_src", lo=0.0, where=where)
    s.n_test = C.integer(n_test, "n_test", 2, C.relu_n_test_max(dd, s.m, s.mstar), where,
                         " for d = %d, width = %d, mstar = %d (min(n_test, %d)*max(d, width, mstar)"
                         " <= %d: BLAS int sizes)" % (dd, s.m, s.mstar, C.RELU_TEST_BLOCK, C.INT_MAX))
    s.gd.lr = C.real(lr, "lr", lo=0.0, lo_open=True, where=where)
    s.gd.max_steps = C.integer(steps, "steps", 1, C.SIZE_MAX, where)
    s.gd.batch = C.integer(batch, "batch", 0, C.SIZE_MAX, where, " (0: full batch)")
    s.gd.tol = C.real(tol, "tol", lo=0.0, where=where)
    s.gd.rel_tol = C.real(rel_tol, "rel_tol", lo=0.0, where=where)
    s.w_init = C.real(init_scale, "init_scale", lo=0.0, lo_open=True, where=where)
    s.c_init = C.real(readout_init, "readout_init", lo=0.0, where=where)
    s.lambda_ = C.real(lam, "lam", lo=0.0, where=where)
    s.rcond = C.real(rcond, "rcond", 0.0, 1.0, False, True, where=where, text="in [0, 1)")
    s.pperp_rcond = C.real(pperp_rcond, "pperp_rcond", 0.0, 1.0, False, True, where=where,
                           text="in [0, 1)")
    s.seed = C.integer(seed, "seed", 0, C.UINT64_MAX, where)
    s.methods = _methods_bits(methods)
    s.gd.optimizer = C.word(optimizer, "optimizer", OPTIMIZERS, where)
    s.gd.beta1 = C.real(beta1, "beta1", 0.0, 1.0, True, True, where=where, text="in (0, 1)")
    s.gd.beta2 = C.real(beta2, "beta2", 0.0, 1.0, True, True, where=where, text="in (0, 1)")
    s.optimize_pretrain = int(C.flag(optimize_pretrain, "optimize_pretrain", where))
    s.gd.precision = C.word(precision, "precision", PRECISIONS, where)
    s.pretrain_steps = C.integer(pretrain_steps, "pretrain_steps", 0, C.SIZE_MAX, where,
                                 " (0: steps)")
    s.pretrain_lr = C.real(pretrain_lr, "pretrain_lr", lo=0.0, where=where)
    _raise_relu_spec(s, where)
    return s


def relu_spec_dict(s):
    """A fate_relu_spec as a plain dict with the CLI's names."""
    out = {"d": s.d, "mstar": s.mstar, "width": s.m, "act": ACTIVATIONS[s.act],
           "scaling": SCALINGS[s.scaling],
           "teacher": "single-index" if s.single_index else "multi",
           "n": s.n, "n_src": s.n_src, "online": bool(s.online_src), "sigma": s.sigma,
           "sigma_src": s.sigma_src, "n_test": s.n_test, "lr": s.gd.lr, "steps": s.gd.max_steps,
           "batch": s.gd.batch, "tol": s.gd.tol, "rel_tol": s.gd.rel_tol,
           "init_scale": s.w_init, "readout_init": s.c_init, "lambda": s.lambda_,
           "rcond": s.rcond, "pperp_rcond": s.pperp_rcond, "seed": s.seed,
           "optimizer": OPTIMIZERS[s.gd.optimizer], "beta1": s.gd.beta1, "beta2": s.gd.beta2,
           "optimize_pretrain": bool(s.optimize_pretrain), "precision": PRECISIONS[s.gd.precision],
           "pretrain_steps": s.pretrain_steps, "pretrain_lr": s.pretrain_lr,
           "methods": tuple(m for m in RELU_ALL_METHODS if s.methods & METHOD_BITS[m])}
    out["theta" if s.single_index else "mu"] = s.theta if s.single_index else s.mu
    return out


def _workers(nthreads, K):
    if nthreads == 0:
        try:
            nthreads = len(os.sched_getaffinity(0))
        except (AttributeError, OSError):  # pragma: no cover
            nthreads = os.cpu_count() or 1
    return max(1, min(nthreads, K))


def run_relu2(d=10, mstar=4, width=50, act="relu", scaling="mean-field", n=16, mu=0.5,
              theta=None, n_src=500, online=False, sigma=0.0, sigma_src=0.0, n_test=4000,
              lr=0.5, steps=40000, batch=0, tol=1e-8, rel_tol=1e-4, init_scale=1e-3,
              readout_init=1e-3, lam=0.0, rcond=1e-6, pperp_rcond=1e-3, seed=1,
              methods=_METHODS, instances=4, threads=0, first=0, optimizer="gd",
              beta1=0.9, beta2=0.999, optimize_pretrain=False, precision="double", pretrain_steps=0,
                   pretrain_lr=0.0):
    """One two-layer transfer experiment on K = `instances` instances
    (fate_relu_run_instance for instances first..first+K-1).

    The arguments are those of `fate phase --model relu2` for one cell
    (overlap mu, or theta for single-index teachers, and n target samples),
    with its defaults. Instance i uses the random key (seed, first + i), so
    run_relu2(n=N, mu=MU, ...) equals the cell (MU, N) of phase_relu2 (and of
    `fate phase --model relu2`) with the same options. The instances run on
    `threads` Python threads (0: all cores), one OpenBLAS thread each: the
    numbers do not depend on it.

    methods: any of "scratch", "lt", "ft", "lpft" (LP-FT: the readout
    refitted as lt, then every weight fine-tuned as ft from there; simulation
    only, no theory).

    Returns a dict: "spec" (the parameters, the CLI's names), "instance"
    (K,); per method run, "pretrain" (when lt, ft or lpft ran; its risk is
    against the source teacher), "scratch", "lt", "ft", "lpft", a dict of
    (K,) arrays risk, risk_se, train_loss, lr_eff, w_move (|W - W_0|/|W_0|,
    the first layer's move from where its training started; NaN for
    pretraining), steps (int64), converged (bool), and "T" =
    risk(scratch) - risk when scratch ran (0 for scratch; none for
    pretraining), as runs.csv; "lt_rank" (K,) int64 (when lt ran),
    "target_norm2", "pperp_student", "pperp_source" (K,).
    Raises FateDiverged when a training diverges.
    """
    where = "fate.run_relu2"
    spec = _make_relu_spec(where, d, mstar, width, act, scaling, n, mu, theta, n_src, online,
                           sigma, sigma_src, n_test, lr, steps, batch, tol, rel_tol, init_scale,
                           readout_init, lam, rcond, pperp_rcond, seed, methods, optimizer,
                           beta1, beta2, optimize_pretrain, precision, pretrain_steps,
                           pretrain_lr)
    K, first = _check.instances_first(instances, first, ctypes.sizeof(fate_relu_result), where)
    nthreads = _check.threads(threads, where)
    lib = library()
    res = (fate_relu_result * K)()
    status = [None] * K

    def one(i):
        fm, fs = ctypes.c_uint(), ctypes.c_size_t()
        st = lib.fate_relu_run_instance(ctypes.byref(res[i]), None, None, ctypes.byref(spec),
                                        first + i, ctypes.byref(fm), ctypes.byref(fs))
        status[i] = (st, fm.value, fs.value)

    with keep_blas_threads() as kb:
        if kb._set is not None:
            kb._set(1)  # as the sweep: one OpenBLAS thread per instance
        w = _workers(nthreads, K)
        if w == 1:
            for i in range(K):
                one(i)
        else:
            with ThreadPoolExecutor(max_workers=w) as ex:
                list(ex.map(one, range(K)))
    for i, (st, fm, fs) in enumerate(status):
        if st == FATE_EDIVERGED:
            m = _METHOD_NAME.get(fm, str(fm))
            raise error_for(st, "%s diverged (NaN/inf or growing loss) at step %d of instance %d: "
                            "use a smaller lr" % (METHOD_WHAT.get(fm, m), fs, first + i),
                            method=m, step=fs, instance=first + i)
        if st != FATE_OK:
            if st == FATE_EINVAL:
                _raise_relu_spec(spec, where)
            raise error_for(st)
    rec = np.frombuffer(res, dtype=struct_dtype(fate_relu_result), count=K)
    out = {"spec": relu_spec_dict(spec),
           "instance": _instances(first, K)}
    out["spec"]["instances"] = K
    M = spec.methods
    for name in ["pretrain"] + list(RELU_ALL_METHODS):
        run = M & _PRETRAINED if name == "pretrain" else M & METHOD_BITS[name]
        if not run:
            continue
        r = rec[name]
        blk = {k: r[k].copy() for k in ("risk", "risk_se", "train_loss", "lr_eff", "w_move")}
        blk["steps"] = r["steps"].astype(np.int64)
        blk["converged"] = r["converged"] != 0
        if name != "pretrain" and M & METHOD_SCRATCH:
            blk["T"] = rec["scratch"]["risk"] - r["risk"]
        out[name] = blk
    if M & METHOD_LT:
        out["lt_rank"] = rec["lt_rank"].astype(np.int64)
    for k in ("target_norm2", "pperp_student", "pperp_source"):
        out[k] = rec[k].copy()
    return out


def phase_relu2(n=DEFAULT_N, mu=None, theta=None, d=10, mstar=4, width=50, act="relu",
                scaling="mean-field", n_src=500, online=False, sigma=0.0, sigma_src=0.0,
                n_test=4000, lr=0.5, steps=40000, batch=0, tol=1e-8, rel_tol=1e-4,
                init_scale=1e-3, readout_init=1e-3, lam=0.0, rcond=1e-6, pperp_rcond=1e-3,
                seed=1, methods=_METHODS, instances=4, threads=0, should_stop=None,
                progress=None, skip=None, optimizer="gd", beta1=0.9, beta2=0.999,
                optimize_pretrain=False, precision="double", pretrain_steps=0,
                   pretrain_lr=0.0):
    """The two-layer sweep of `fate phase --model relu2` over (overlap, n),
    K = `instances` per cell, run through the model interface
    (fate_model_relu2's run, include/fate_model.h).

    n: the target sample sizes (integers >= 1); mu: fractions of teacher
    neurons removed from the source, in [0, 1] (default 0, 0.25, ..., 1), or
    theta: angles in [0, pi] of single-index teachers (not both). The other
    arguments are the CLI's options with its defaults (see run_relu2). The
    same arguments give the same numbers as `fate phase --model relu2`
    (instance i of every cell uses the key (seed, i); results do not depend
    on `threads`). Unlike the CLI, scratch is not forced: keep it in
    `methods` to get T.

    Returns a dict:
      "runs": the rows of the CLI's runs.csv, a NumPy structured array whose
            fields are the model's declared columns (mu or theta, n, method
            (str), instance, risk, risk_se, T, train_loss, steps, converged,
            lr_eff, lt_rank, pperp_student, pperp_source, target_norm2;
            counts int64), in the same order;
      "model" "relu2", "axis" ("mu" or "theta"), the axis values under that
      key (NO,), "n" (NN,) int64, "method" (pretrain, scratch, lt, ft, and
      lpft when it runs: M = 4 or 5 methods), "instance" (K,);
      per run, axis order (overlap, n, method, instance): "risk", "risk_se",
      "T", "train_loss", "lr_eff" (NO, NN, M, K) float64 (and "w_move" when
      lpft runs, as runs.csv), "steps" int64 (-1 where absent), "converged"
      bool; "lt_rank" (NO, NN, K);
      "mean_risk", "sem_risk", "mean_T", "sem_T" (NO, NN, M), as
      summary.csv; "pperp_student", "pperp_source" (NO,): |P_perp f_t|^2
      in the pretrained features and in the source teacher's, means over
      instances as boundary.csv;
      "done" (NO, NN) bool, "complete" bool, "spec" (the base parameters).
    These are the keys of fate.load(folder)["grid"] for the CLI's folder
    (which adds the power-law fit and the predicted boundary).

    Hooks as fate.phase's: should_stop(), progress(done, total),
    skip(overlap_index, n_index); Ctrl-C raises SweepInterrupted with the
    partial result.
    """
    where = "fate.phase_relu2"
    hk = Hooks(where, should_stop, progress, skip)
    if mu is not None and theta is not None:
        raise ValueError("%s: give either mu or theta, not both (theta selects single-index "
                         "teachers)" % where)
    axis = "theta" if theta is not None else "mu"
    if theta is not None:
        ov = _check.vector(theta, "theta", lo=0.0, hi=math.pi, where=where, text="in [0, pi]")
    else:
        ov = _check.vector(DEFAULT_MU if mu is None else mu, "mu", lo=0.0, hi=1.0, where=where,
                           text="in [0, 1]")
    if np.ndim(n) != 1 and np.ndim(n) != 0 or np.size(n) == 0:
        raise ValueError("%s: n must be an integer or a non-empty one-dimensional list of "
                         "integers" % where)
    ns = _check.count_array(n, "n", 1, _check.SIZE_MAX, where).reshape(-1)
    base = _make_relu_spec(where, d, mstar, width, act, scaling, 1, 0.5,
                           None if theta is None else float(ov[0]), n_src, online, sigma,
                           sigma_src, n_test, lr, steps, batch, tol, rel_tol, init_scale,
                           readout_init, lam, rcond, pperp_rcond, seed, methods, optimizer,
                           beta1, beta2, optimize_pretrain, precision, pretrain_steps,
                           pretrain_lr, ns=ns)
    if theta is not None and base.d == 1 and not np.isin(ov, (0.0, math.pi)).all():
        raise _check.value_error(where, "theta must be 0 or pi when d = 1 (the single-index "
                                 "source teacher needs a second dimension)")
    NO, NN = ov.size, ns.size
    # the table of every cell (5 K rows of 16 doubles, twice: C's and ours)
    # and the sweep's pretrained networks (K m d doubles) must be addressable
    per = max(NO * NN * 5 * 16 * 8 * 2, base.m * base.d * 8)
    K = _check.integer(instances, "instances", 1, max(1, _check.BYTES_MAX // per), where,
                       " for %d overlaps x %d n (the results must be addressable)" % (NO, NN))
    sweep = fate_relu_sweep()
    sweep.base = base
    ns_c = np.ascontiguousarray(ns, dtype=np.uint64)
    sweep.overlaps, sweep.n_overlaps = ov.ctypes.data_as(ctypes.POINTER(ctypes.c_double)), NO
    sweep.ns, sweep.n_ns = ns_c.ctypes.data_as(ctypes.POINTER(ctypes.c_size_t)), NN
    sweep.instances = K
    sweep.threads = _check.threads(threads, where)

    out = model_sweep("relu2", sweep, where, hk)
    runs, cell = out["runs"], out["cell"]
    names = relu_method_names(base.methods & METHOD_LPFT)
    res = {"runs": runs, "model": "relu2", "axis": axis, axis: ov.copy(),
           "n": ns.astype(np.int64), "method": names}
    res.update(relu_runs_grid(runs, cell[:, 0], cell[:, 1], NO, NN, K))
    count = np.zeros((NO, NN, len(names)))
    mi = np.array([RELU_METHODS.index(m) for m in runs["method"].tolist()], dtype=np.int64)
    np.add.at(count, (cell[:, 0], cell[:, 1], mi), 1)
    res.update(relu_means(res, count))
    spec = relu_spec_dict(base)
    for k in ("n", "mu", "theta"):
        spec.pop(k, None)
    spec["instances"] = K
    st, err = out["status"], out["error"]
    res.update(done=out["done"], complete=bool(st == FATE_OK and out["done"].all()), spec=spec)
    if hk.errors:
        raise hk.errors[0]
    if st == FATE_EDIVERGED:
        m = _METHOD_NAME.get(err.method, str(err.method))
        raise error_for(st, "%s diverged (NaN/inf or growing loss) at step %d (instance %d, "
                        "%s = %g, n = %d): use a smaller lr" % (
                            METHOD_WHAT.get(err.method, m), err.step, err.instance, axis,
                            ov[err.theta_index], ns[err.gamma_index]),
                        method=m, step=err.step, instance=err.instance,
                        overlap_index=err.theta_index, n_index=err.gamma_index)
    if hk.watch.hit.is_set():
        raise SweepInterrupted(res, where)
    if st not in (FATE_OK, FATE_EINTERRUPTED):
        raise error_for(st)
    return res
