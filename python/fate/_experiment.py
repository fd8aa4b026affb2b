"""fate.run (one experiment, K instances) and fate.phase (a (gamma, theta) sweep)."""

import ctypes
import math

import numpy as np

from . import _check
from ._lib import (CELL_DONE_FN, FATE_EDIVERGED, FATE_EINTERRUPTED, FATE_EINVAL, FATE_OK,
                   LAMBDA_OPT, METHOD_BITS, METHOD_FT, METHOD_LPFT, METHOD_LT, METHOD_SCRATCH,
                   METHOD_WHAT, error_for,
                   fate_instance_result, fate_method_result, fate_spec, fate_spec_theory,
                   fate_traj_point,
                   fate_sweep, fate_sweep_error, fate_sweep_hooks, keep_blas_threads, library,
                   struct_dtype)
from ._io import ALL_METHODS
from ._sweep import Hooks, SweepInterrupted

__all__ = ["run", "phase", "make_spec", "spec_theory", "SweepInterrupted", "METHODS",
           "METHOD_FIELDS"]

#: The method axis of fate.phase's arrays.
METHODS = ("scratch", "lt", "ft")
#: Every method fate.run runs, in the order it runs them.
RUN_METHODS = ("scratch", "lt", "ft", "lpft", "l2sp", "ridge", "ridge_cv", "early_stop", "l2sp_w")
#: What fate.run's T can be measured against ("best": per instance the least
#: risk of ridge, ridge_cv and early_stop, T*).
BASELINES = ("scratch", "ridge", "ridge_cv", "early_stop", "best")
#: The issue's spellings of the baselines (as `fate run --baseline`).
BASELINE_ALIASES = {"unregularised": "scratch", "ridge-opt": "ridge", "ridge-cv": "ridge_cv",
                    "early-stop": "early_stop"}
_BEST = ("ridge", "ridge_cv", "early_stop")
#: Per-method fields of fate_method_result, in C order.
METHOD_FIELDS = ("risk", "train_loss", "loss_min", "steps", "converged", "on_saddle",
                 "balance", "lr")
_METHOD_NAME = {0: "pretrain", **{bit: name for name, bit in METHOD_BITS.items()}}

_INSTANCE_DTYPE = None
_METHOD_DTYPE = None


def _dtypes():
    global _INSTANCE_DTYPE, _METHOD_DTYPE
    if _INSTANCE_DTYPE is None:
        _METHOD_DTYPE = struct_dtype(fate_method_result)
        _INSTANCE_DTYPE = struct_dtype(fate_instance_result)
    return _INSTANCE_DTYPE, _METHOD_DTYPE


_METHOD_LIST = ", ".join(repr(m) for m in RUN_METHODS)


def _l2sp_lambda(value, where):
    """fate_spec.l2sp_lambda: "opt" (LAMBDA_OPT) or a finite number >= 0."""
    if isinstance(value, str) and value == "opt":
        return LAMBDA_OPT
    return _check.real(value, "l2sp_lambda", lo=0.0, where=where, text='a finite number >= 0, or "opt"')


def _method_names(methods):
    if isinstance(methods, str):
        methods = [m for m in methods.split(",") if m]
    try:
        return list(methods)
    except TypeError:
        raise TypeError("methods must be a sequence of %s" % _METHOD_LIST) from None


def _methods_bits(methods):
    names = _method_names(methods)
    bits = 0
    for m in names:
        if not isinstance(m, str):
            raise TypeError("methods must be a sequence of %s, got %r" % (_METHOD_LIST, m))
        if m not in METHOD_BITS:
            raise ValueError("unknown method %r (methods are %s)" % (m, _METHOD_LIST))
        bits |= METHOD_BITS[m]
    if not bits:
        raise ValueError("methods must name at least one of %s" % _METHOD_LIST)
    return bits


def _raise_spec(spec):
    msg = library().fate_spec_check(ctypes.byref(spec))
    if msg:
        raise error_for(FATE_EINVAL, msg.decode())


def make_spec(d=100, gamma=None, n=None, theta=None, sigma=0.2, depth=2, width=0,
              lam=0.0, gamma_src=None, n_src=None, sigma_src=0.0, lr=0.0, epochs=10000,
              tol=1e-6, init_scale=0.0, rcond=1e-2, weight_decay=0.0, seed=1,
              methods=METHODS, l2sp_lambda="opt", k=1, overlap=None, spectrum=None,
              align=None):
    """A checked fate_spec (ctypes struct) from keyword arguments.

    The options mean what `fate run`'s do. n = round(gamma d) (C rounding,
    halves away from zero) unless n is given; gamma defaults to 0.5. gamma_src
    or n_src give a finite source (default: infinite). width 0 means d; lr 0
    and init_scale 0 mean automatic. Wrong types raise TypeError, values out
    of range FateValueError (a ValueError) naming the argument and its range
    (see python/README.md, "Argument ranges").

    The task geometry (THEORY.md sections 10 and 11; see fate.run):
    theta (default pi/4) or overlap, k, spectrum, align. A spectrum array is
    copied to float64 and kept on the returned struct (attribute _keep), so
    the caller may drop its own; the struct's pointer stays valid as long as
    the struct lives (a copy made with from_buffer_copy does not keep it).
    """
    return _make_spec("fate.make_spec", d=d, gamma=gamma, n=n, theta=theta, sigma=sigma,
                      depth=depth, width=width, lam=lam, gamma_src=gamma_src, n_src=n_src,
                      sigma_src=sigma_src, lr=lr, epochs=epochs, tol=tol, init_scale=init_scale,
                      rcond=rcond, weight_decay=weight_decay, seed=seed, methods=methods,
                      l2sp_lambda=l2sp_lambda, k=k, overlap=overlap, spectrum=spectrum,
                      align=align)


def _size_from_ratio(value, name, count, d, where):
    """round(value*d) in [1, n_max(d)] for a ratio (gamma, gamma_src)."""
    hi = _check.n_max(d)
    g = _check.number(value, name, where)
    nn = None
    if g > 0 and math.isfinite(g) and math.isfinite(g * d):
        nn = _check.c_round(g * d)
    if nn is None or not 1 <= nn <= hi:
        raise _check.value_error(where, "%s must give %s = round(%s*d) in [1, %d] for d = %d "
                                 "(a finite number >= %.3g), got %r"
                                 % (name, count, name, hi, d, 0.5 / d, g))
    return nn


#: fate.run's align words, in the order of FATE_ALIGN_RANDOM, _TOP, _TAIL.
ALIGNS = ("random", "top", "tail")
#: theta when neither theta nor overlap is given.
THETA_DEFAULT = math.pi / 4


def _theta_of(theta, overlap, where):
    """theta in [0, pi] from theta or overlap = rho_par = cos^2 theta in [0, 1]
    (theta = acos(sqrt(overlap)) in [0, pi/2]); not both."""
    if theta is not None and overlap is not None:
        raise _check.value_error(where, "give either theta or overlap (= cos^2 theta), not both")
    if overlap is not None:
        o = _check.real(overlap, "overlap", 0.0, 1.0, where=where,
                        text="in [0, 1] (rho_par = cos^2 theta, the target's squared "
                             "projection on the source span)")
        return math.acos(math.sqrt(o))
    if theta is None:
        return THETA_DEFAULT
    return _check.real(theta, "theta", 0.0, math.pi, where=where, text="in [0, pi]")


def _spectrum_of(spectrum, d, where):
    """(float64 array of d eigenvalues, its text or None) from an array or
    "powerlaw:ALPHA" / "spiked:K:RATIO" (fate.aniso's builders, tr = d)."""
    from . import aniso
    if isinstance(spectrum, str):
        parts = spectrum.split(":")
        args = None
        try:
            if parts[0] == "powerlaw" and len(parts) == 2:
                args = (float(parts[1]),)
                ok = math.isfinite(args[0]) and args[0] >= 0
            elif parts[0] == "spiked" and len(parts) == 3:
                args = (int(parts[1]), float(parts[2]))
                ok = 1 <= args[0] <= d and math.isfinite(args[1]) and args[1] > 0
        except ValueError:
            args = None
        if args is None or not ok:
            raise _check.value_error(where, "spectrum must be d = %d eigenvalues > 0, "
                                     "\"powerlaw:ALPHA\" (ALPHA >= 0, finite) or "
                                     "\"spiked:K:RATIO\" (K in [1, d], RATIO > 0, finite), got %r"
                                     % (d, spectrum))
        build = aniso.spectrum_powerlaw if len(args) == 1 else aniso.spectrum_spiked
        try:
            return build(d, *args), spectrum
        except ValueError as e:
            raise _check.value_error(where, "spectrum %r: %s" % (spectrum, e)) from None
    a = _check.vector(spectrum, "spectrum", lo=0.0, lo_open=True, where=where)
    if a.size != d:
        raise _check.value_error(where, "spectrum must hold d = %d eigenvalues > 0 (finite), "
                                 "got %d values" % (d, a.size))
    return a.copy(), None


def _geometry(s, where, k, spectrum, align):
    """Sets s.k, s.spectrum, s.align (s.d and s.theta already set); the
    spectrum array is kept on s (s._keep) so that its pointer stays valid."""
    dd = s.d
    edge = s.theta == 0.0 or s.theta == math.pi
    hi = dd if edge else max(1, dd - 1)
    s.k = _check.integer(k, "k", 1, hi, where,
                         " for d = %d (k <= d - 1: b_2..b_k orthogonal to beta_t and the source "
                         "teacher; k = d only at theta 0 or pi)" % dd)
    if spectrum is None:
        if align is not None:
            raise _check.value_error(where, "align needs a spectrum (with isotropic inputs every "
                                     "direction is alike), got align=%r" % (align,))
        s.spectrum = None
        s.align = 0
        s._keep = None
        s._spectrum_text = None
        return
    if s.k > 1:
        raise _check.value_error(where, "k must be 1 with a spectrum (got k = %d; the anisotropic "
                                 "theory has one source teacher)" % s.k)
    eig, text = _spectrum_of(spectrum, dd, where)
    s.align = 0 if align is None else _check.word(align, "align", ALIGNS, where)
    s._keep = eig
    s._spectrum_text = text
    s.spectrum = eig.ctypes.data_as(ctypes.POINTER(ctypes.c_double))


def _make_spec(where, d, gamma, n, theta, sigma, depth, width, lam, gamma_src, n_src, sigma_src,
               lr, epochs, tol, init_scale, rcond, weight_decay, seed, methods, l2sp_lambda="opt",
               k=1, overlap=None, spectrum=None, align=None):
    lib = library()
    C = _check
    s = fate_spec()
    lib.fate_spec_default(ctypes.byref(s))
    s.d = dd = C.integer(d, "d", 1, C.d_max(), where)
    w = C.integer(width, "width", 0, C.width_max(dd), where,
                  " for d = %d (0: d; d*width + width <= %d parameters)" % (dd, C.INT_MAX))
    if w == 0:
        w = dd
        dm = C.d_max_default_width()
        if dd > dm:
            raise C.value_error(where, "d must be an integer in [1, %d] when width = 0 (width = d; "
                                "d*width + width <= %d parameters), got %d" % (dm, C.INT_MAX, dd))
    s.width = w
    s.depth = C.integer(depth, "depth", 2, C.depth_max(dd, w), where,
                        " for d = %d, width = %d (d*width + (depth-2)*width^2 + width <= %d "
                        "parameters)" % (dd, w, C.INT_MAX))
    if C.gram2_applies(dd, w, s.depth):
        C.integer(dd, "d", 1, C.GRAM2_D_MAX, where, C.GRAM2_WHY % w)
    if gamma is not None and n is not None:
        raise ValueError("%s: give either gamma or n, not both" % where)
    if n is None:
        s.n = _size_from_ratio(0.5 if gamma is None else gamma, "gamma", "n", dd, where)
    else:
        s.n = C.integer(n, "n", 1, C.n_max(dd), where, " for d = %d" % dd)
    s.theta = _theta_of(theta, overlap, where)
    s.sigma = C.real(sigma, "sigma", lo=0.0, where=where)
    s.lambda_ = C.real(lam, "lam", lo=0.0, where=where)
    if gamma_src is not None and n_src is not None:
        raise ValueError("%s: give either gamma_src or n_src, not both" % where)
    if gamma_src is not None:
        gs = C.number(gamma_src, "gamma_src", where)
        s.n_src = 0 if gs == math.inf else _size_from_ratio(gs, "gamma_src", "n_src", dd, where)
    elif n_src is not None:
        s.n_src = C.integer(n_src, "n_src", 0, C.n_max(dd), where,
                            " for d = %d (0: infinite source)" % dd)
    s.sigma_src = C.real(sigma_src, "sigma_src", lo=0.0, where=where)
    s.lr = C.real(lr, "lr", lo=0.0, where=where, text="a finite number >= 0 (0: automatic)")
    s.max_epochs = C.integer(epochs, "epochs", 1, C.SIZE_MAX, where)
    s.tol = C.real(tol, "tol", lo=0.0, where=where)
    s.init_scale = C.real(init_scale, "init_scale", lo=0.0, where=where,
                          text="a finite number >= 0 (0: automatic)")
    s.rcond = C.real(rcond, "rcond", 0.0, 1.0, True, True, where=where, text="in (0, 1)")
    s.weight_decay = C.real(weight_decay, "weight_decay", lo=0.0, where=where)
    s.seed = C.integer(seed, "seed", 0, C.UINT64_MAX, where)
    s.methods = _methods_bits(methods)
    s.l2sp_lambda = _l2sp_lambda(l2sp_lambda, where)
    _geometry(s, where, k, spectrum, align)
    C.spec_sizes(s, where)
    _raise_spec(s)
    return s


def spec_dict(s):
    """A fate_spec as a plain dict (lambda under "lambda", methods as names)."""
    out = {}
    for name, _ in fate_spec._fields_:
        out["lambda" if name == "lambda_" else name] = getattr(s, name)
    out["k"] = max(1, s.k)
    out["overlap"] = math.cos(s.theta) ** 2
    out["spectrum"] = (np.ctypeslib.as_array(s.spectrum, shape=(s.d,)).copy()
                       if s.spectrum else None)
    out["spectrum_text"] = getattr(s, "_spectrum_text", None)
    out["align"] = ALIGNS[s.align] if s.align < len(ALIGNS) else s.align
    out["methods"] = tuple(m for m in RUN_METHODS if s.methods & METHOD_BITS[m])
    out["l2sp_lambda"] = "opt" if s.l2sp_lambda == LAMBDA_OPT else s.l2sp_lambda
    out["gamma"] = s.n / s.d
    out["gamma_src"] = s.n_src / s.d if s.n_src else math.inf
    out["init_scale_used"] = (s.init_scale if s.init_scale > 0
                              else library().fate_default_init_scale(s.depth))
    return out


def spec_theory(spec):
    """fate_spec_theory_eval of a fate_spec, as a dict of floats."""
    if not isinstance(spec, fate_spec):
        raise TypeError("fate.spec_theory: spec must be a fate_spec (from fate.make_spec), got %s"
                        % type(spec).__name__)
    _check.spec_sizes(spec, "fate.spec_theory")
    th = fate_spec_theory()
    st = library().fate_spec_theory_eval(ctypes.byref(th), ctypes.byref(spec))
    if st != FATE_OK:
        _raise_spec(spec)
        raise error_for(st)
    return {name: getattr(th, name) for name, _ in fate_spec_theory._fields_}


def _instances(first, K):
    """Instance indices first..first+K-1: int64, or uint64 past 2**63 - 1."""
    if first + K - 1 <= 2**63 - 1:
        return np.arange(first, first + K, dtype=np.int64)
    return np.arange(K, dtype=np.uint64) + np.uint64(first)


def _run_trajectories(lib, res, spec, first, K, every, nthreads, fm, fs, fi):
    """fate_run_trajectories into res; (status, the records as a dict of
    arrays, None on failure)."""
    cap = lib.fate_trajectory_cap(ctypes.byref(spec), every)
    if cap == 0 or K * cap * ctypes.sizeof(fate_traj_point) > _check.BYTES_MAX:
        raise _check.value_error("fate.run", "trajectory=%d needs too many records (epochs / "
                                 "trajectory per training, %d instances)" % (every, K))
    pts = np.zeros(K * cap, dtype=struct_dtype(fate_traj_point))
    counts = np.zeros(K, dtype=np.uintp)
    st = lib.fate_run_trajectories(pts.ctypes.data_as(ctypes.POINTER(fate_traj_point)), cap,
                                   counts.ctypes.data_as(ctypes.POINTER(ctypes.c_size_t)),
                                   res.ctypes.data_as(ctypes.POINTER(fate_instance_result)),
                                   ctypes.byref(spec), first, K, every, nthreads, ctypes.byref(fm),
                                   ctypes.byref(fs), ctypes.byref(fi))
    if st != FATE_OK:
        return st, None
    rows = np.concatenate([pts[i * cap:i * cap + int(counts[i])] for i in range(K)])
    inst = np.concatenate([np.full(int(counts[i]), first + i, dtype=np.int64) for i in range(K)])
    return st, {"instance": inst,
                "method": np.array([_METHOD_NAME[int(b)] for b in rows["method"]]),
                "step": rows["step"].astype(np.int64),
                "risk": rows["risk"].copy(), "train_loss": rows["train_loss"].copy(),
                "balance": rows["balance"].copy(), "c": rows["c"].copy()}


def _method_block(rec, K):
    """dict of per-instance arrays from a structured array of fate_method_result."""
    return {
        "risk": rec["risk"].copy(),
        "train_loss": rec["train_loss"].copy(),
        "loss_min": rec["loss_min"].copy(),
        "steps": rec["steps"].astype(np.int64),
        "converged": rec["converged"] != 0,
        "on_saddle": rec["on_saddle"] != 0,
        "balance": rec["balance"].copy(),
        "lr": rec["lr"].copy(),
    }


def run(d=100, gamma=None, n=None, theta=None, sigma=0.2, depth=2, width=0,
        instances=8, seed=1, lam=0.0, methods=METHODS, gamma_src=None, n_src=None,
        sigma_src=0.0, lr=0.0, epochs=10000, tol=1e-6, init_scale=0.0, rcond=1e-2,
        weight_decay=0.0, threads=0, first=0, l2sp_lambda="opt", baseline=None, trajectory=None,
        k=1, overlap=None, spectrum=None, align=None):
    """One transfer experiment on K = `instances` instances (fate_run), like
    `fate run`. The same arguments give the same numbers as the CLI's
    ``fate run --format csv`` (instance i uses the random key (seed, first+i);
    results do not depend on `threads`, 0 meaning all cores).

    Task geometry (THEORY.md sections 10 and 11):
      theta: angle between the target teacher beta_t and the source, in
          [0, pi]; default pi/4 when overlap is not given either.
      overlap: instead of theta, rho_par = cos^2 theta in [0, 1], the
          target's squared projection on the source span (theta =
          acos(sqrt(overlap)) in [0, pi/2]); giving both raises.
      k: pretrained outputs, an integer in [1, d - 1] (k = d only at theta 0
          or pi); 1 (the default) is the paper's one source teacher. k >= 2
          pretrains on orthonormal B_s = [b_1 .. b_k], b_1 the source teacher
          at angle theta from beta_t, the others orthogonal to beta_t; linear
          transfer then fits k features. Theory ("theory"): scratch, ridge,
          and at an infinite source lt (exact at lam = 0) and l2sp; ft and
          lpft are NaN (simulation only).
      spectrum: None (x ~ N(0, I), the default), a 1-D array of d finite
          eigenvalues > 0 of Sigma (x ~ N(0, Sigma) in its eigenbasis; the
          largest first for align "top"/"tail" to mean what they say), or
          "powerlaw:ALPHA" (eig_i ~ i^-ALPHA, ALPHA >= 0) or "spiked:K:RATIO"
          (the first K in [1, d] eigenvalues RATIO > 0 times the others),
          both normalised to tr Sigma = d (fate.aniso.spectrum_*). Risks are
          then |beta_hat - beta_t|_Sigma^2. Only with k = 1. Theory: scratch
          and ridge (deterministic equivalent), lt exact with align top or
          tail at lam = 0 and an infinite source; the rest NaN.
      align: with a spectrum only: "random" (the default: uniform teachers),
          "top" (beta_t = e_1, beta_s in span(e_1, e_2)) or "tail" (beta_t =
          e_d, beta_s in span(e_d, e_{d-1})).
    Each raises FateValueError (a ValueError) naming the argument and its
    range when out of range.

    Returns a dict:
      "spec":      the experiment's parameters (dict; "gamma" = n/d; "k",
                   "overlap" = cos^2 theta, "align" (a word), "spectrum"
                   (the (d,) eigenvalues used, a copy, or None) and
                   "spectrum_text" (the string given, else None));
      "theory":    fate_spec_theory_eval: scratch, lt, ft (gradient-flow c),
                   ft_paper (c = 1), ft_c, T_lt, T_ft, T_ft_paper, lpft, lpft_c,
                   l2sp, l2sp_lambda, T_lpft, T_l2sp, ridge, ridge_lambda,
                   T_ridge (floats; THEORY.md section 8);
      "instance":  (K,) instance indices first..first+K-1;
      one entry per method run, "pretrain" (when any method but scratch
      ran: its risk is |beta_hat - beta_s|^2), "scratch", "lt", "ft", "lpft"
      (LP-FT), "l2sp" (parameter transfer, ridge l2sp_lambda: a number >= 0
      or "opt", the optimal one; THEORY.md section 8), each a dict of (K,)
      arrays: risk, train_loss, loss_min, steps (int64), converged,
      on_saddle (bool), balance, lr, and "T" = risk(baseline) - risk when
      the baseline ran (0 for the baseline itself), and with another
      baseline than scratch "T_sc" = risk(scratch) - risk beside it (the
      paper's T; scratch then runs too); baseline: "scratch"
      (the paper's unregularised training; the default), "ridge" (ridge on
      the target at the optimal lambda), "ridge_cv" (lambda by
      leave-one-out), "early_stop" (scratch stopped at its step of least
      risk) or "best" (per instance the least risk of the three: T*); the
      issue's spellings unregularised, ridge-opt, ridge-cv, early-stop are
      aliases; when given it runs whether or not methods names it;
      "ridge", "ridge_cv" and "early_stop" are also methods (no
      pretraining); "early_stop_step": (K,) int64 the step it stopped at;
      "trajectory" (with trajectory=K, K >= 1 steps between records, as
      `fate run --trajectory K`'s trajectory.csv): a dict of arrays, one
      entry per record: "instance" (int64), "method" (str: pretrain,
      scratch, ...), "step" (int64), "risk", "train_loss", "balance", "c";
      "ft_c": (K,) measured fine-tuning coefficient c (NaN when n >= d);
      "lpft_c": the same for LP-FT; "l2sp_lambda": (K,) the ridge l2sp used;
      "ridge_cv_lambda": (K,) the ridge leave-one-out chose;
      "feature_rank" (K,) int64, "feature_sv1", "feature_sv2": (K,) the
      pretrained feature map's rank kept by linear transfer and its top two
      singular values (when lt ran).
    Raises FateDiverged (a FateError) when a training diverges.
    """
    where = "fate.run"
    if baseline is not None:
        baseline = BASELINE_ALIASES.get(baseline, baseline) if isinstance(baseline, str) else baseline
        if baseline not in BASELINES:
            raise _check.value_error(where, "baseline must be one of %s, got %r"
                                     % (", ".join(map(repr, BASELINES)), baseline))
        # the baseline runs, and scratch beside it for the paper's T ("T_sc")
        methods = tuple(_method_names(methods)) + (_BEST if baseline == "best" else (baseline,)) + (
            "scratch",)
    if trajectory is not None:
        trajectory = _check.integer(trajectory, "trajectory", 1, 10**9, where)
    spec = _make_spec(where, d=d, gamma=gamma, n=n, theta=theta, sigma=sigma, depth=depth,
                      width=width, lam=lam, gamma_src=gamma_src, n_src=n_src, sigma_src=sigma_src,
                      lr=lr, epochs=epochs, tol=tol, init_scale=init_scale, rcond=rcond,
                      weight_decay=weight_decay, seed=seed, methods=methods,
                      l2sp_lambda=l2sp_lambda, k=k, overlap=overlap, spectrum=spectrum,
                      align=align)
    # spec._keep holds the spectrum its pointer refers to for every C call below
    K, first = _check.instances_first(instances, first, ctypes.sizeof(fate_instance_result), where)
    nthreads = _check.threads(threads, where)
    idt, _ = _dtypes()
    res = np.zeros(K, dtype=idt)
    fm, fs, fi = ctypes.c_uint(), ctypes.c_size_t(), ctypes.c_uint64()
    lib = library()
    traj = None
    with keep_blas_threads():
        if trajectory is None:
            st = lib.fate_run(res.ctypes.data_as(ctypes.POINTER(fate_instance_result)),
                              ctypes.byref(spec), first, K, nthreads, ctypes.byref(fm),
                              ctypes.byref(fs), ctypes.byref(fi))
        else:
            st, traj = _run_trajectories(lib, res, spec, first, K, trajectory, nthreads, fm, fs, fi)
    if st == FATE_EDIVERGED:
        m = _METHOD_NAME.get(fm.value, str(fm.value))
        raise error_for(st, "%s diverged (NaN/inf or growing loss) at step %d of instance %d: "
                        "use a smaller lr%s" % (METHOD_WHAT.get(fm.value, m), fs.value, fi.value,
                                               " (now set by lr)" if spec.lr > 0 else ""),
                        method=m, step=fs.value, instance=fi.value)
    if st != FATE_OK:
        if st == FATE_EINVAL:
            _raise_spec(spec)
        raise error_for(st)
    out = {"spec": spec_dict(spec), "theory": spec_theory(spec),
           "instance": _instances(first, K)}
    out["spec"]["instances"] = K
    m = spec.methods
    if m & ~(METHOD_SCRATCH | METHOD_BITS["ridge"] | METHOD_BITS["ridge_cv"] | METHOD_BITS["early_stop"]):
        out["pretrain"] = _method_block(res["pretrain"], K)
    base = baseline or "scratch"
    need = _BEST if base == "best" else (base,)
    base_risk = None
    if all(m & METHOD_BITS[b] for b in need):
        base_risk = np.minimum.reduce([res[b]["risk"] for b in need])
    for name in RUN_METHODS:
        if m & METHOD_BITS[name]:
            blk = _method_block(res[name], K)
            if base_risk is not None:
                blk["T"] = base_risk - res[name]["risk"]
            if base != "scratch":
                blk["T_sc"] = res["scratch"]["risk"] - res[name]["risk"]
            out[name] = blk
    if m & METHOD_BITS["early_stop"]:
        out["early_stop_step"] = res["early_stop_step"].astype(np.int64)
    if traj is not None:
        out["trajectory"] = traj
    if m & METHOD_FT:
        out["ft_c"] = res["ft_c"].copy()
    if m & METHOD_LPFT:
        out["lpft_c"] = res["lpft_c"].copy()
    if m & METHOD_BITS["l2sp"]:
        out["l2sp_lambda"] = res["l2sp_lambda"].copy()
    if m & METHOD_BITS["ridge_cv"]:
        out["ridge_cv_lambda"] = res["ridge_cv_lambda"].copy()
    if m & METHOD_LT:
        out["feature_rank"] = res["feature_rank"].astype(np.int64)
        out["feature_sv1"] = res["feature_sv1"].copy()
        out["feature_sv2"] = res["feature_sv2"].copy()
    return out


# ---------------------------------------------------------------------------
# Sweeps
# ---------------------------------------------------------------------------

#: fate.phase's baselines: the FATE_METHOD_* bits of fate_sweep.baseline (0: scratch).
PHASE_BASELINES = {"scratch": 0, "ridge": METHOD_BITS["ridge"], "ridge_cv": METHOD_BITS["ridge_cv"],
                   "early_stop": METHOD_BITS["early_stop"],
                   "best": METHOD_BITS["ridge"] | METHOD_BITS["ridge_cv"] | METHOD_BITS["early_stop"]}
_BEYOND = (METHOD_BITS["lpft"] | METHOD_BITS["l2sp"] | METHOD_BITS["ridge"]
           | METHOD_BITS["ridge_cv"] | METHOD_BITS["early_stop"])


def _phase_baseline(where, baseline):
    """fate_sweep.baseline of fate.phase's baseline argument."""
    if baseline is None:
        return 0
    if baseline not in PHASE_BASELINES:
        raise _check.value_error(where, "baseline must be one of %s, got %r"
                                 % (", ".join(map(repr, PHASE_BASELINES)), baseline))
    return PHASE_BASELINES[baseline]


def _phase_base_risk(risk, names, bbits):
    """(G, T, K) risk of the baseline per instance (the lowest of several)."""
    bits = bbits or METHOD_SCRATCH
    cols = [risk[:, :, mi, :] for mi, n in enumerate(names) if METHOD_BITS[n] & bits]
    return np.minimum.reduce(cols) if len(cols) > 1 else cols[0]


def _phase_theory(th, bbits):
    """Risk, T against the baseline and the paper's T of every method from a
    fate_spec_theory, as summary.csv states them (src/model_linear.c)."""
    nan = float("nan")
    risk = (th.scratch, th.lt, th.ft, th.lpft, th.l2sp, th.ridge, nan, nan)
    if not bbits:
        return risk, (0.0, th.T_lt, th.T_ft, th.T_lpft, th.T_l2sp, th.T_ridge, nan, nan), th.T_ft_paper
    rb = th.ridge if bbits == METHOD_BITS["ridge"] else nan
    T_ = tuple(0.0 if METHOD_BITS[n] == bbits else rb - r for n, r in zip(ALL_METHODS, risk))
    return risk, T_, rb - th.ft_paper


def _phase_thetas(thetas, overlaps, where):
    """fate.phase's theta axis: thetas as given, or acos(sqrt(overlaps))
    sorted by theta (ascending, so overlaps descending)."""
    if (thetas is None) == (overlaps is None):
        raise _check.value_error(where, "give either thetas (angles in [0, pi]) or overlaps "
                                 "(rho_par = cos^2 theta in [0, 1]), %s"
                                 % ("not both" if thetas is not None else "got neither"))
    if thetas is not None:
        return _check.vector(thetas, "thetas", lo=0.0, hi=math.pi, where=where, text="in [0, pi]")
    o = _check.vector(overlaps, "overlaps", lo=0.0, hi=1.0, where=where,
                      text="in [0, 1] (rho_par = cos^2 theta)")
    return np.ascontiguousarray(np.sort(np.arccos(np.sqrt(o))))


def _linear_sweep(where, gammas, thetas, lambdas, d, instances, threads, baseline=None,
                  overlaps=None, **spec):
    """The checked fate_sweep of fate.phase's arguments, with the arrays its
    pointers refer to (keep them alive; the base spec keeps the spectrum):
    (sweep, base spec, gammas, thetas, lambdas, ns)."""
    g = _check.vector(gammas, "gammas", lo=0.0, lo_open=True, where=where)
    t = _phase_thetas(thetas, overlaps, where)
    lam = _check.vector(lambdas, "lambdas", lo=0.0, where=where)
    # k's range depends on theta (k = d only at 0 or pi): check it at the
    # grid's first angle off the edges, if any; the sweep sets theta per cell
    inner = [x for x in t.tolist() if x not in (0.0, math.pi)]
    base = _make_spec(where, d=d, gamma=None, n=1, theta=inner[0] if inner else 0.0, lam=0.0,
                      **spec)
    base.theta = 0.0
    ns = np.array([_size_from_ratio(x, "gammas[%d]" % j, "n", base.d, where)
                   for j, x in enumerate(g.tolist())], dtype=np.int64)
    G, T, NL = g.size, t.size, lam.size
    per_instance = G * T * max(3, NL) * ctypes.sizeof(fate_method_result)
    K = _check.integer(instances, "instances", 1, max(1, _check.BYTES_MAX // per_instance), where,
                       " for %d gammas x %d thetas x %d lambdas (the results must be addressable)"
                       % (G, T, NL))
    sweep = fate_sweep()
    sweep.base = base
    P = ctypes.POINTER(ctypes.c_double)
    sweep.gammas, sweep.n_gammas = g.ctypes.data_as(P), G
    sweep.thetas, sweep.n_thetas = t.ctypes.data_as(P), T
    sweep.lambdas, sweep.n_lambdas = lam.ctypes.data_as(P), NL
    sweep.instances = K
    sweep.threads = _check.threads(threads, where)
    sweep.baseline = _phase_baseline(where, baseline)
    msg = library().fate_sweep_check(ctypes.byref(sweep))
    if msg:
        raise error_for(FATE_EINVAL, msg.decode())
    return sweep, base, g, t, lam, ns


def phase(gammas, thetas=None, lambdas=(0.0,), d=100, instances=8, sigma=0.2, depth=2, width=0,
          methods=METHODS, gamma_src=None, n_src=None, sigma_src=0.0, lr=0.0, epochs=10000,
          tol=1e-6, init_scale=0.0, rcond=1e-2, weight_decay=0.0, seed=1, threads=0,
          should_stop=None, progress=None, skip=None, l2sp_lambda="opt", baseline=None,
          overlaps=None, k=1, spectrum=None, align=None):
    """A sweep over (gamma, theta) cells, K = `instances` each (fate_sweep_run),
    the engine of `fate phase`. The same arguments give the same numbers as
    ``fate phase`` (instance i of every cell uses the key (seed, i); n =
    round(gamma d)). Unlike `fate phase`, scratch is not forced: leave it in
    `methods` to get T.

    gammas (G,), thetas (T,) and lambdas (NL,) are 1-D sequences (any order;
    gammas > 0 with round(gamma d) >= 1, thetas in [0, pi], lambdas >= 0).
    overlaps (T,): instead of thetas (give exactly one), rho_par = cos^2 theta
    in [0, 1]; the theta axis is then acos(sqrt(overlaps)) sorted by theta
    (ascending: the overlaps descending).
    k, spectrum, align: the task geometry, as fate.run's (k in [1, d - 1],
    or up to d when every theta is 0 or pi; spectrum an array of d
    eigenvalues > 0, "powerlaw:ALPHA" or "spiked:K:RATIO"; align "random",
    "top" or "tail", with a spectrum only; k > 1 and a spectrum exclude each
    other). The theory is NaN where it is not derived (see fate.run).

    methods: any of fate.run's, "scratch", "lt", "ft", "lpft", "l2sp",
    "ridge", "ridge_cv" (l2sp at l2sp_lambda: a number >= 0 or "opt").
    baseline: what T is measured against, as `fate phase --baseline`:
    "scratch" (None, the default), "ridge", "ridge_cv" or "best" (per
    instance the lower risk of the two ridges); a named baseline runs
    whether or not methods names it.

    Returns a dict. Coordinates: "gamma" (G,), "theta" (T,), "overlap" (T,)
    (= cos^2 theta), "lambda" (NL,),
    "n" (G,) int64, "method" = ("scratch", "lt", "ft"), or all seven of
    fate.run's methods when any of lpft, l2sp, ridge, ridge_cv runs;
    "instance" (K,).
    Arrays, axis order (gamma, theta, method, instance), method axis as in
    "method" with lt at lambdas[0]; a method that was not run is NaN (its
    steps -1, its flags False):
      "risk", "T" (= risk(baseline) - risk, per instance), "train_loss",
      "loss_min", "balance", "lr": (G, T, 3, K) float64;
      "steps": (G, T, 3, K) int64; "converged", "on_saddle": (G, T, 3, K) bool;
      "mean_risk", "sem_risk", "mean_T", "sem_T": (G, T, 3) over instances
      (sem: standard deviation / sqrt(K), ddof 1; NaN for K = 1);
      "theory_risk", "theory_T": (G, T, 3) the theory at each cell's finite
      size (fate_spec_theory_eval, as in summary.csv: ft with the
      gradient-flow c), "theory_T_paper": (G, T) fine-tuning with c = 1;
      "ft_c": (G, T, K) measured fine-tuning coefficient; "lpft_c",
      "l2sp_lambda", "ridge_cv_lambda": (G, T, K) likewise when they run;
      "lt": every ridge value, axis order (gamma, theta, lambda, instance):
            "risk", "T", "train_loss", "loss_min", "balance" (G, T, NL, K),
            "converged", "on_saddle" (G, T, NL, K) bool, "mean_risk",
            "sem_risk", "mean_T", "sem_T", "theory_risk", "theory_T" (G, T, NL);
      "pretrain": pretraining is per (theta, instance): "risk" (against
            beta_s), "train_loss", "balance" (T, K), "steps" (T, K) int64;
      "done": (G, T) bool, the cells that finished (all True unless stopped);
      "complete": bool; "spec": the base parameters (dict, with "k",
      "align", "spectrum" and "spectrum_text" as fate.run's).

    Hooks (optional, called from the library's OpenMP threads; keep them
    short): should_stop() -> bool stops the sweep after the cells in flight
    (the partial result is returned with complete False); progress(done,
    total) reports work items; skip(gamma_index, theta_index) -> bool leaves
    a cell out (NaN, done False). An exception raised in a hook stops the
    sweep and is re-raised. Ctrl-C (SIGINT, when called from the main thread)
    stops the sweep likewise and raises SweepInterrupted (a
    KeyboardInterrupt) carrying the partial result.
    """
    where = "fate.phase"
    hk = Hooks(where, should_stop, progress, skip)
    bbits = _phase_baseline(where, baseline)
    if baseline is not None:
        methods = tuple(_method_names(methods)) + tuple(
            n for n in ALL_METHODS if METHOD_BITS[n] & (bbits or METHOD_SCRATCH))
    sweep, base, g, t, lam, ns = _linear_sweep(
        where, gammas, thetas, lambdas, d, instances, threads, sigma=sigma, depth=depth,
        width=width, gamma_src=gamma_src, n_src=n_src, sigma_src=sigma_src, lr=lr, epochs=epochs,
        tol=tol, init_scale=init_scale, rcond=rcond, weight_decay=weight_decay, seed=seed,
        methods=methods, l2sp_lambda=l2sp_lambda, baseline=baseline, overlaps=overlaps, k=k,
        spectrum=spectrum, align=align)
    # base (alive to the end) holds the spectrum that sweep.base and sp point to
    G, T, NL, K, M = g.size, t.size, lam.size, sweep.instances, base.methods
    names = ALL_METHODS if M & _BEYOND else METHODS
    NM = len(names)
    lib = library()

    _, mdt = _dtypes()
    nan = np.nan
    res = {
        "risk": np.full((G, T, NM, K), nan), "train_loss": np.full((G, T, NM, K), nan),
        "loss_min": np.full((G, T, NM, K), nan), "balance": np.full((G, T, NM, K), nan),
        "lr": np.full((G, T, NM, K), nan), "steps": np.full((G, T, NM, K), -1, dtype=np.int64),
        "converged": np.zeros((G, T, NM, K), dtype=bool),
        "on_saddle": np.zeros((G, T, NM, K), dtype=bool),
        "ft_c": np.full((G, T, K), nan),
    }
    scalars = {"lpft": "lpft_c", "l2sp": "l2sp_lambda", "ridge_cv": "ridge_cv_lambda"}
    for mname, key in scalars.items():
        if M & METHOD_BITS[mname]:
            res[key] = np.full((G, T, K), nan)
    lt = {k: np.full((G, T, NL, K), nan) for k in ("risk", "train_loss", "loss_min", "balance")}
    lt["steps"] = np.full((G, T, NL, K), -1, dtype=np.int64)
    lt["converged"] = np.zeros((G, T, NL, K), dtype=bool)
    lt["on_saddle"] = np.zeros((G, T, NL, K), dtype=bool)
    pre = {k: np.full((T, K), nan) for k in ("risk", "train_loss", "balance")}
    pre["steps"] = np.full((T, K), -1, dtype=np.int64)
    done = np.zeros((G, T), dtype=bool)

    def records(ptr, count):
        addr = ctypes.cast(ptr, ctypes.c_void_p).value
        buf = (ctypes.c_char * (count * mdt.itemsize)).from_address(addr)
        return np.frombuffer(buf, dtype=mdt, count=count)

    def put(dst, j, tt, mi, rec):
        for f in ("risk", "train_loss", "loss_min", "balance", "lr"):
            dst[f][j, tt, mi] = rec[f]
        dst["steps"][j, tt, mi] = rec["steps"]
        dst["converged"][j, tt, mi] = rec["converged"] != 0
        dst["on_saddle"][j, tt, mi] = rec["on_saddle"] != 0

    def on_cell(ctx, cp):
        c = cp.contents
        j, tt = c.gamma_index, c.theta_index
        if c.scratch:
            put(res, j, tt, 0, records(c.scratch, K))
        if c.lt:
            r = records(c.lt, K * NL).reshape(K, NL)
            put(res, j, tt, 1, r[:, 0])
            for f in ("risk", "train_loss", "loss_min", "balance"):
                lt[f][j, tt] = r[f].T
            lt["steps"][j, tt] = r["steps"].T
            lt["converged"][j, tt] = r["converged"].T != 0
            lt["on_saddle"][j, tt] = r["on_saddle"].T != 0
        if c.ft:
            put(res, j, tt, 2, records(c.ft, K))
            res["ft_c"][j, tt] = np.ctypeslib.as_array(c.ft_c, shape=(K,))
        for mi in range(3, NM):
            ptr = getattr(c, names[mi])
            if ptr:
                put(res, j, tt, mi, records(ptr, K))
                if names[mi] in scalars:
                    res[scalars[names[mi]]][j, tt] = np.ctypeslib.as_array(
                        getattr(c, scalars[names[mi]]), shape=(K,))
        if c.pretrain and np.isnan(pre["risk"][tt, 0]):
            r = records(c.pretrain, K)
            for f in ("risk", "train_loss", "balance"):
                pre[f][tt] = r[f]
            pre["steps"][tt] = r["steps"]
        done[j, tt] = True

    # fate_sweep_hooks's skip takes (gamma_index, theta_index)
    hooks = hk.fill(fate_sweep_hooks(), CELL_DONE_FN, on_cell)
    err = fate_sweep_error()
    with hk.watch, keep_blas_threads():
        st = lib.fate_sweep_run(ctypes.byref(sweep), ctypes.byref(hooks), ctypes.byref(err))
    interrupted_by_signal = hk.watch.hit.is_set()

    # derived arrays: T = R_base - R per instance, 0 for the baseline itself
    rb = _phase_base_risk(res["risk"], names, bbits)
    res["T"] = rb[:, :, None, :] - res["risk"]
    lt["T"] = rb[:, :, None, :] - lt["risk"]
    for mi, name in enumerate(names):
        if METHOD_BITS[name] == (bbits or METHOD_SCRATCH) and M & METHOD_BITS[name]:
            res["T"][:, :, mi] = 0.0

    def mean_sem(x):
        with np.errstate(invalid="ignore", divide="ignore"):
            m = x.mean(axis=-1)
            s = x.std(axis=-1, ddof=1) / math.sqrt(K) if K > 1 else np.full(m.shape, nan)
        return m, s

    for dst, src in ((res, res), (lt, lt)):
        dst["mean_risk"], dst["sem_risk"] = mean_sem(src["risk"])
        dst["mean_T"], dst["sem_T"] = mean_sem(src["T"])
    # theory at each cell's finite size, as summary.csv
    th_risk = np.full((G, T, NM), nan)
    th_T = np.full((G, T, NM), nan)
    th_T_paper = np.full((G, T), nan)
    lt_th_risk = np.full((G, T, NL), nan)
    lt_th_T = np.full((G, T, NL), nan)
    sp = fate_spec.from_buffer_copy(base)
    th = fate_spec_theory()
    for j in range(G):
        for tt in range(T):
            sp.n, sp.theta = int(ns[j]), float(t[tt])
            for l in range(NL):
                sp.lambda_ = float(lam[l])
                if lib.fate_spec_theory_eval(ctypes.byref(th), ctypes.byref(sp)) != FATE_OK:
                    continue
                risk, T_, paper = _phase_theory(th, bbits)
                lt_th_risk[j, tt, l], lt_th_T[j, tt, l] = risk[1], T_[1]
                if l == 0:
                    th_risk[j, tt], th_T[j, tt] = risk[:NM], T_[:NM]
                    th_T_paper[j, tt] = paper
    for mi, name in enumerate(names):
        if not M & METHOD_BITS[name]:
            th_risk[:, :, mi] = nan
            th_T[:, :, mi] = nan
    if not M & METHOD_FT:
        th_T_paper[:] = nan
    if not M & METHOD_LT:
        lt_th_risk[:] = nan
        lt_th_T[:] = nan
    res.update(theory_risk=th_risk, theory_T=th_T, theory_T_paper=th_T_paper)
    lt.update(theory_risk=lt_th_risk, theory_T=lt_th_T)
    res["lt"] = lt
    res["pretrain"] = pre
    sd = spec_dict(base)
    for key in ("n", "theta", "lambda", "gamma", "overlap"):
        sd.pop(key, None)
    sd["instances"] = K
    res.update(gamma=g.copy(), theta=t.copy(), overlap=np.cos(t) ** 2,
               **{"lambda": lam.copy()}, n=ns, method=names,
               instance=np.arange(K, dtype=np.int64), done=done,
               complete=bool(st == FATE_OK and done.all()), spec=sd)

    if hk.errors:
        raise hk.errors[0]
    if st == FATE_EDIVERGED:
        m = _METHOD_NAME.get(err.method, str(err.method))
        raise error_for(st, "%s diverged (NaN/inf or growing loss) at step %d (instance %d, "
                        "gamma = %g, theta = %.4f): use a smaller lr" % (
                            METHOD_WHAT.get(err.method, m), err.step, err.instance,
                            g[err.gamma_index], t[err.theta_index]),
                        method=m, step=err.step, instance=err.instance,
                        gamma_index=err.gamma_index, theta_index=err.theta_index)
    if st == FATE_EINTERRUPTED or interrupted_by_signal:
        if interrupted_by_signal:
            raise SweepInterrupted(res)
        return res
    if st != FATE_OK:
        raise error_for(st)
    return res
