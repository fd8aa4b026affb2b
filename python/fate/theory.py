"""The closed forms of fate (src/theory.c, THEORY.md section 3; the methods
beyond the paper, src/theory_ridge.c, theory_lpft.c, theory_methods.c,
theory_boundary.c, section 8) over NumPy arrays.

Every function broadcasts its arguments like a NumPy ufunc and returns an
array of the broadcast shape (a NumPy scalar when every argument is a
scalar). Each element is computed by the C function named in the docstring,
so the values are exactly the library's (and `fate theory`'s).

Ratios (gamma = n/d, gamma_src) and noises are real; counts (n, d, n_src,
depth) must be integers (TypeError for a float array, ValueError if
negative). Values that diverge are +inf; arguments outside a formula's domain
give NaN, as in C. ``evaluate`` instead raises FateValueError for an invalid
point, as `fate theory` does.
"""

import ctypes

import numpy as np

from . import _check
from ._lib import FATE_OK, error_for, fate_theory_point, library

__all__ = ["risk_scratch", "risk_scratch_exact", "risk_lt_exact", "risk_lt_ridge",
           "source_moments", "source_moments_exact", "risk_lt_moments", "risk_lt_source",
           "risk_lt_exact_moments", "T_ft", "T_ft_source", "ft_c", "T_ft_gf", "T_ft_gf_exact",
           "lt_boundary", "kl_linear", "evaluate", "THEORY_FIELDS",
           "ridge", "ridge_exact", "ridge_lambda_opt", "risk_l2sp", "lpft_c", "lpft_c_exact",
           "T_lpft", "T_lpft_exact", "lpft_c_moments", "T_lpft_moments", "lpft_boundary",
           "l2sp_boundary", "LAMBDA_OPT",
           "risk_lt_k_exact", "risk_lt_k_ridge", "risk_lt_k", "lt_k_best"]

#: l2sp_lambda = LAMBDA_OPT: the optimal ridge sigma^2 psi / E r2 (FATE_LAMBDA_OPT).
LAMBDA_OPT = -1.0

_R, _N, _N63 = "real", "count", "count63"


def _prepare(args, fname):
    """Check and broadcast (value, name, kind) triples; returns flat arrays and shape."""
    where = "fate.theory." + fname
    arrs = []
    for value, name, kind in args:
        if kind == _R:
            arrs.append(_check.real_array(value, name, where))
        else:
            hi = 2**63 - 1 if kind == _N63 else _check.UINT64_MAX
            arrs.append(_check.count_array(value, name, hi=hi, where=where))
    try:
        b = np.broadcast_arrays(*arrs)
    except ValueError as e:
        raise ValueError("%s: the arguments do not broadcast together (%s)" % (where, e)) from None
    shape = b[0].shape if b else ()
    flat = [np.ascontiguousarray(x).ravel() for x in b]
    return flat, shape


#: The Python function that wraps each C function (named in messages).
_PUBLIC = {
    "fate_theory_scratch": "risk_scratch", "fate_theory_scratch_exact": "risk_scratch_exact",
    "fate_theory_lt_exact": "risk_lt_exact", "fate_theory_lt_ridge": "risk_lt_ridge",
    "fate_theory_source_moments": "source_moments",
    "fate_theory_source_moments_exact": "source_moments_exact",
    "fate_theory_lt_moments": "risk_lt_moments", "fate_theory_lt_source": "risk_lt_source",
    "fate_theory_lt_exact_moments": "risk_lt_exact_moments", "fate_theory_T_ft": "T_ft",
    "fate_theory_T_ft_source": "T_ft_source", "fate_theory_ft_c": "ft_c",
    "fate_theory_T_ft_gf": "T_ft_gf", "fate_theory_T_ft_gf_exact": "T_ft_gf_exact",
    "fate_theory_kl_linear": "kl_linear", "fate_theory_ridge": "ridge",
    "fate_theory_ridge_exact": "ridge_exact", "fate_theory_ridge_lambda_opt": "ridge_lambda_opt",
    "fate_theory_l2sp": "risk_l2sp", "fate_theory_lpft_c": "lpft_c",
    "fate_theory_lpft_c_exact": "lpft_c_exact", "fate_theory_T_lpft": "T_lpft",
    "fate_theory_T_lpft_exact": "T_lpft_exact", "fate_theory_lpft_c_moments": "lpft_c_moments",
    "fate_theory_T_lpft_moments": "T_lpft_moments", "fate_theory_l2sp_boundary": "l2sp_boundary",
    "fate_theory_lt_k_exact": "risk_lt_k_exact", "fate_theory_lt_k_ridge": "risk_lt_k_ridge",
    "fate_theory_lt_k": "risk_lt_k"}


def _public_name(cname):
    return _PUBLIC.get(cname, cname)


def _finish(out, shape):
    out = out.reshape(shape)
    return out[()] if out.ndim == 0 else out


def _map(fname, args):
    f = getattr(library(), fname)
    flat, shape = _prepare(args, _public_name(fname))
    size = int(np.prod(shape, dtype=np.int64))
    out = np.empty(size, dtype=np.float64)
    # Python ints/floats for ctypes (numpy scalars are not accepted by c_size_t)
    cols = [x.tolist() for x in flat]
    for i in range(size):
        out[i] = f(*[c[i] for c in cols])
    return _finish(out, shape)


def risk_scratch(gamma, sigma=0.0):
    """Asymptotic scratch risk (fate_theory_scratch):
    (1-g) + g s^2/(1-g) for g < 1, s^2/(g-1) for g > 1."""
    return _map("fate_theory_scratch", [(gamma, "gamma", _R), (sigma, "sigma", _R)])


def risk_scratch_exact(n, d, sigma=0.0):
    """Exact finite-size scratch risk (fate_theory_scratch_exact):
    1 - n/d + s^2 n/(d-n-1) (n < d-1), s^2 d/(n-d-1) (n > d+1), inf between."""
    return _map("fate_theory_scratch_exact", [(n, "n", _N), (d, "d", _N), (sigma, "sigma", _R)])


def risk_lt_exact(n, theta, sigma=0.0):
    """Exact linear-transfer risk, lambda = 0, infinite source
    (fate_theory_lt_exact): sin^2 th + (sin^2 th + s^2)/(n-2), n > 2."""
    return _map("fate_theory_lt_exact", [(n, "n", _N), (theta, "theta", _R), (sigma, "sigma", _R)])


def risk_lt_ridge(theta, lam):
    """Asymptotic linear-transfer risk with ridge lam (fate_theory_lt_ridge):
    1 - (1+2 lam)/(1+lam)^2 cos^2 th."""
    return _map("fate_theory_lt_ridge", [(theta, "theta", _R), (lam, "lam", _R)])


def _map2(fname, args):
    """Functions with two double* outputs first: returns (out1, out2)."""
    f = getattr(library(), fname)
    flat, shape = _prepare(args, _public_name(fname))
    size = int(np.prod(shape, dtype=np.int64))
    o1 = np.empty(size, dtype=np.float64)
    o2 = np.empty(size, dtype=np.float64)
    a, b = ctypes.c_double(), ctypes.c_double()
    cols = [x.tolist() for x in flat]
    for i in range(size):
        f(ctypes.byref(a), ctypes.byref(b), *[c[i] for c in cols])
        o1[i], o2[i] = a.value, b.value
    return _finish(o1, shape), _finish(o2, shape)


def source_moments(theta, gamma_src, sigma_src=0.0):
    """Asymptotic moments (m, q) = (E<beta_t, beta_s_hat>, E|beta_s_hat|^2) of a
    finite source (fate_theory_source_moments). Returns (m, q)."""
    return _map2("fate_theory_source_moments", [(theta, "theta", _R),
                                                (gamma_src, "gamma_src", _R),
                                                (sigma_src, "sigma_src", _R)])


def source_moments_exact(theta, n_src, d, sigma_src=0.0):
    """Exact moments (m, q) of a finite source of n_src samples
    (fate_theory_source_moments_exact). Returns (m, q)."""
    return _map2("fate_theory_source_moments_exact", [(theta, "theta", _R), (n_src, "n_src", _N),
                                                      (d, "d", _N), (sigma_src, "sigma_src", _R)])


def risk_lt_moments(m, q, lam=0.0):
    """Asymptotic linear-transfer risk from moments (m, q) with ridge lam
    (fate_theory_lt_moments)."""
    return _map("fate_theory_lt_moments", [(m, "m", _R), (q, "q", _R), (lam, "lam", _R)])


def risk_lt_source(theta, gamma_src, sigma_src=0.0):
    """Asymptotic linear-transfer risk from a finite source, lambda = 0
    (fate_theory_lt_source): 1 - m^2/q."""
    return _map("fate_theory_lt_source", [(theta, "theta", _R), (gamma_src, "gamma_src", _R),
                                          (sigma_src, "sigma_src", _R)])


def risk_lt_exact_moments(n, m, q, sigma=0.0):
    """Finite-n linear-transfer risk with source moments (m, q), lambda = 0
    (fate_theory_lt_exact_moments)."""
    return _map("fate_theory_lt_exact_moments", [(n, "n", _N), (m, "m", _R), (q, "q", _R),
                                                 (sigma, "sigma", _R)])


def T_ft(gamma, theta):
    """Fine-tuning transferability of the paper, c = 1 (fate_theory_T_ft):
    (1-g)(2 cos th - 1) for g <= 1, 0 for g > 1."""
    return _map("fate_theory_T_ft", [(gamma, "gamma", _R), (theta, "theta", _R)])


def T_ft_source(gamma, theta, gamma_src, sigma_src=0.0):
    """Fine-tuning transferability from a finite source, c = 1
    (fate_theory_T_ft_source)."""
    return _map("fate_theory_T_ft_source", [(gamma, "gamma", _R), (theta, "theta", _R),
                                            (gamma_src, "gamma_src", _R),
                                            (sigma_src, "sigma_src", _R)])


def ft_c(a, b, q=1.0, depth=2):
    """Gradient-flow fine-tuning coefficient c (fate_theory_ft_c): the positive
    root of q c^(2L/(L-1)) - a q c^2 - b = 0."""
    return _map("fate_theory_ft_c", [(a, "a", _R), (b, "b", _R), (q, "q", _R),
                                     (depth, "depth", _N)])


def T_ft_gf(gamma, theta, sigma=0.0, depth=2):
    """Fine-tuning transferability with the gradient-flow c
    (fate_theory_T_ft_gf)."""
    return _map("fate_theory_T_ft_gf", [(gamma, "gamma", _R), (theta, "theta", _R),
                                        (sigma, "sigma", _R), (depth, "depth", _N)])


def T_ft_gf_exact(n, d, sigma, m, q=1.0, depth=2):
    """Finite-size fine-tuning transferability with the gradient-flow c and
    source moments (m, q) (fate_theory_T_ft_gf_exact); m = cos(theta), q = 1
    for an infinite source."""
    return _map("fate_theory_T_ft_gf_exact", [(n, "n", _N), (d, "d", _N), (sigma, "sigma", _R),
                                              (m, "m", _R), (q, "q", _R), (depth, "depth", _N)])


def lt_boundary(theta, sigma=0.0):
    """Phase boundary of linear transfer, lambda = 0, infinite source
    (fate_theory_lt_boundary).

    Returns a dict of arrays: ``n_roots`` (int), ``g_lo``, ``g_hi`` (T_lt < 0
    for g_lo < gamma < g_hi below gamma = 1; NaN when there are no real roots)
    and ``g_over`` (T_lt < 0 for gamma > g_over)."""
    f = library().fate_theory_lt_boundary
    flat, shape = _prepare([(theta, "theta", _R), (sigma, "sigma", _R)], "lt_boundary")
    size = int(np.prod(shape, dtype=np.int64))
    nr = np.empty(size, dtype=np.int64)
    lo, hi, over = (np.empty(size) for _ in range(3))
    a, b, c = ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
    th, sg = flat[0].tolist(), flat[1].tolist()
    for i in range(size):
        nr[i] = f(ctypes.byref(a), ctypes.byref(b), ctypes.byref(c), th[i], sg[i])
        lo[i], hi[i], over[i] = a.value, b.value, c.value
    return {"n_roots": _finish(nr, shape), "g_lo": _finish(lo, shape),
            "g_hi": _finish(hi, shape), "g_over": _finish(over, shape)}


def kl_linear(theta, sigma):
    """KL(p_s || p_t) of the linear label-shift family (fate_theory_kl_linear):
    (1 - cos th)/s^2."""
    return _map("fate_theory_kl_linear", [(theta, "theta", _R), (sigma, "sigma", _R)])


def ridge(psi, lam, sigma=0.0, r2=1.0):
    """Limit risk of ridge toward a reference at squared distance r2
    (fate_theory_ridge): r2 lam^2 m'(-lam) + sigma^2 psi (m - lam m'), psi = d/n;
    lam = 0 the ridgeless limit, lam = inf gives r2."""
    return _map("fate_theory_ridge", [(psi, "psi", _R), (lam, "lam", _R), (sigma, "sigma", _R),
                                      (r2, "r2", _R)])


def ridge_exact(n, d, sigma=0.0, r2=1.0):
    """Exact finite-size mean at lambda = 0 (fate_theory_ridge_exact):
    r2 (1 - n/d) + s^2 n/(d-n-1) (n < d-1), s^2 d/(n-d-1) (n > d+1), NaN between."""
    return _map("fate_theory_ridge_exact", [(n, "n", _N), (d, "d", _N), (sigma, "sigma", _R),
                                            (r2, "r2", _R)])


def ridge_lambda_opt(psi, sigma=0.0, r2=1.0):
    """The lambda minimising ``ridge`` (fate_theory_ridge_lambda_opt):
    sigma^2 psi / r2 (0 at sigma = 0, inf at r2 = 0)."""
    return _map("fate_theory_ridge_lambda_opt", [(psi, "psi", _R), (sigma, "sigma", _R),
                                                 (r2, "r2", _R)])


def risk_l2sp(psi, lam=LAMBDA_OPT, sigma=0.0, m=1.0, q=1.0):
    """Limit risk of parameter transfer, the ridge toward the pretrained map
    (fate_theory_l2sp): ridge(psi, lam, sigma, 1 - 2m + q) with source moments
    (m, q) (cos theta, 1 for an infinite source); lam = LAMBDA_OPT its optimum."""
    return _map("fate_theory_l2sp", [(psi, "psi", _R), (lam, "lam", _R), (sigma, "sigma", _R),
                                     (m, "m", _R), (q, "q", _R)])


def lpft_c(a, b, q=1.0, k2=1.0, depth=2):
    """|c| of LP-FT (fate_theory_lpft_c): sqrt(xi^(L-2)(xi - delta)), xi the root
    above max(0, a, delta) of q xi^(L-2)(xi - delta)(xi - a) = b, delta = 1 - k2."""
    return _map("fate_theory_lpft_c", [(a, "a", _R), (b, "b", _R), (q, "q", _R), (k2, "k2", _R),
                                       (depth, "depth", _N)])


def lpft_c_exact(n, d, sigma, m, q=1.0, lam=0.0, depth=2):
    """LP-FT's c at finite size with the sign of m (fate_theory_lpft_c_exact);
    lam is the probe's ridge."""
    return _map("fate_theory_lpft_c_exact", [(n, "n", _N), (d, "d", _N), (sigma, "sigma", _R),
                                             (m, "m", _R), (q, "q", _R), (lam, "lam", _R),
                                             (depth, "depth", _N)])


def T_lpft(gamma, theta, sigma=0.0, depth=2):
    """LP-FT transferability in the limit, infinite source (fate_theory_T_lpft):
    (1-g)(2 |c| |cos th| - c^2), 0 for g >= 1."""
    return _map("fate_theory_T_lpft", [(gamma, "gamma", _R), (theta, "theta", _R),
                                       (sigma, "sigma", _R), (depth, "depth", _N)])


def T_lpft_exact(n, d, sigma, m, q=1.0, lam=0.0, depth=2):
    """LP-FT transferability at finite size (fate_theory_T_lpft_exact): the
    plug-in c with the probe's sign correction."""
    return _map("fate_theory_T_lpft_exact", [(n, "n", _N), (d, "d", _N), (sigma, "sigma", _R),
                                             (m, "m", _R), (q, "q", _R), (lam, "lam", _R),
                                             (depth, "depth", _N)])


def lpft_c_moments(gamma, sigma, m, q=1.0, lam=0.0, depth=2):
    """LP-FT's c in the limit with source moments (m, q) and the probe's ridge
    (fate_theory_lpft_c_moments); NaN for gamma >= 1."""
    return _map("fate_theory_lpft_c_moments", [(gamma, "gamma", _R), (sigma, "sigma", _R),
                                               (m, "m", _R), (q, "q", _R), (lam, "lam", _R),
                                               (depth, "depth", _N)])


def T_lpft_moments(gamma, sigma, m, q=1.0, lam=0.0, depth=2):
    """LP-FT transferability in the limit with source moments
    (fate_theory_T_lpft_moments): (1-g)(2 c m - c^2 q), 0 for gamma >= 1."""
    return _map("fate_theory_T_lpft_moments", [(gamma, "gamma", _R), (sigma, "sigma", _R),
                                               (m, "m", _R), (q, "q", _R), (lam, "lam", _R),
                                               (depth, "depth", _N)])


def lpft_boundary(theta, sigma=0.0, depth=2):
    """Where LP-FT helps in the limit (fate_theory_lpft_boundary): a dict with
    ``g_sc`` (T_lpft > 0 for 0 < gamma < g_sc) and ``g_ft`` (T_lpft > T_ft of
    the paper, c = 1, for 0 < gamma < g_ft)."""
    f = library().fate_theory_lpft_boundary
    flat, shape = _prepare([(theta, "theta", _R), (sigma, "sigma", _R), (depth, "depth", _N)],
                           "lpft_boundary")
    size = int(np.prod(shape, dtype=np.int64))
    sc, ft = np.empty(size), np.empty(size)
    a, b = ctypes.c_double(), ctypes.c_double()
    cols = [x.tolist() for x in flat]
    for i in range(size):
        f(ctypes.byref(a), ctypes.byref(b), *[c[i] for c in cols])
        sc[i], ft[i] = a.value, b.value
    return {"g_sc": _finish(sc, shape), "g_ft": _finish(ft, shape)}


def l2sp_boundary(theta, sigma=0.0):
    """L2-SP at its optimal lambda beats scratch for g_l2sp < gamma < 1
    (fate_theory_l2sp_boundary; 0: on all of (0, 1), 1: nowhere below 1)."""
    return _map("fate_theory_l2sp_boundary", [(theta, "theta", _R), (sigma, "sigma", _R)])


#: The output fields of ``evaluate`` (fate_theory_point's, in order).
THEORY_FIELDS = ("gamma", "theta", "sigma", "lambda", "gamma_src", "sigma_src", "d", "depth",
                 "R_sc", "R_lt", "R_ft", "T_lt", "T_ft", "T_ft_gf", "R_ft_gf", "c_gf",
                 "R_sc_exact", "R_lt_exact", "T_lt_exact", "T_ft_exact", "T_ft_gf_exact", "kl",
                 "l2sp_lambda",
                 "R_lpft", "T_lpft", "c_lpft", "R_l2sp", "T_l2sp", "lambda_l2sp",
                 "R_ridge", "T_ridge", "lambda_ridge",
                 "R_lpft_exact", "T_lpft_exact", "c_lpft_exact", "R_l2sp_exact", "T_l2sp_exact",
                 "lambda_l2sp_exact", "R_ridge_exact", "T_ridge_exact", "lambda_ridge_exact")


def evaluate(gamma, theta, sigma=0.0, lam=0.0, gamma_src=None, sigma_src=0.0, d=0, depth=2,
             l2sp_lambda=LAMBDA_OPT):
    """Every value of fate_theory_eval (what `fate theory` prints) on the
    broadcast of the arguments.

    gamma_src None (or <= 0, or inf) means an infinite source. d = 0 gives the
    asymptotic values only (the *_exact fields are NaN); d > 0 adds the exact
    finite-size values at n = round(gamma d). depth is the depth of the
    gradient-flow coefficient c_gf (and of LP-FT's). l2sp_lambda is the ridge
    of parameter transfer (>= 0, or LAMBDA_OPT, the default, for its optimum;
    the one used is in lambda_l2sp); lam is also LP-FT's probe ridge.

    Returns a dict with one array per field of fate_theory_point (see
    THEORY_FIELDS; the ridge is under "lambda"), each of the broadcast shape;
    "d" and "depth" are integer arrays, the rest float64. Raises
    FateValueError naming the first invalid point.
    """
    if gamma_src is None:
        gamma_src = 0.0
    flat, shape = _prepare([(gamma, "gamma", _R), (theta, "theta", _R), (sigma, "sigma", _R),
                            (lam, "lam", _R), (gamma_src, "gamma_src", _R),
                            (sigma_src, "sigma_src", _R), (d, "d", _N63), (depth, "depth", _N63),
                            (l2sp_lambda, "l2sp_lambda", _R)],
                           "evaluate")
    size = int(np.prod(shape, dtype=np.int64))
    g, th, sg, lm, gs, ss, _, dp, l2 = flat
    with np.errstate(invalid="ignore"):
        bad = [("gamma", g, ~(np.isfinite(g) & (g > 0)), "a finite number > 0"),
               ("theta", th, ~((th >= 0) & (th <= np.pi)), "in [0, pi]"),
               ("sigma", sg, ~(np.isfinite(sg) & (sg >= 0)), "a finite number >= 0"),
               ("lam", lm, ~(np.isfinite(lm) & (lm >= 0)), "a finite number >= 0"),
               ("gamma_src", gs, np.isnan(gs), "a number (<= 0 or inf: infinite source)"),
               ("sigma_src", ss, ~(np.isfinite(ss) & (ss >= 0)), "a finite number >= 0"),
               ("depth", dp, dp == 1, "0 (meaning 2) or an integer >= 2"),
               ("l2sp_lambda", l2, ~((np.isfinite(l2) & (l2 >= 0)) | (l2 == LAMBDA_OPT)),
                "a finite number >= 0 or LAMBDA_OPT")]
    for name, col, mask, rng in bad:
        if mask.any():
            i = int(np.argmax(mask))
            at = np.unravel_index(i, shape) if shape else ()
            raise _check.value_error("fate.theory.evaluate", "%s must be %s, got %s=%s%s" % (
                name, rng, name, "%g" % col[i] if col.dtype.kind == "f" else int(col[i]),
                " at index %s" % (tuple(int(k) for k in at),) if shape else ""))
    out = {k: np.empty(size, dtype=np.int64 if k in ("d", "depth") else np.float64)
           for k in THEORY_FIELDS}
    f = library().fate_theory_eval
    p = fate_theory_point()
    cols = [x.tolist() for x in flat]
    names = ("gamma", "theta", "sigma", "lambda_", "gamma_src", "sigma_src", "d", "depth",
             "l2sp_lambda")
    outs = [k for k in THEORY_FIELDS[8:] if k != "l2sp_lambda"]
    for i in range(size):
        ctypes.memset(ctypes.byref(p), 0, ctypes.sizeof(p))
        for k, name in enumerate(names):
            setattr(p, name, cols[k][i])
        st = f(ctypes.byref(p))
        if st != FATE_OK:
            raise error_for(st, "invalid theory point gamma=%g theta=%g sigma=%g lambda=%g "
                            "gamma_src=%g sigma_src=%g depth=%d" % (
                                p.gamma, p.theta, p.sigma, p.lambda_, p.gamma_src, p.sigma_src,
                                p.depth))
        for k, name in enumerate(names):
            out["lambda" if name == "lambda_" else name][i] = getattr(p, name)
        for name in outs:
            out[name][i] = getattr(p, name)
    return {k: _finish(v, shape) for k, v in out.items()}


# ---- linear transfer on k pretrained features (src/theory_k.c, THEORY.md section 10)

def risk_lt_k_exact(n, k, rho_par, sigma=0.0):
    """Exact mean risk of linear transfer on k pretrained features holding
    rho_par = |P_B beta_t|^2 of a unit target (fate_theory_lt_k_exact):
    rho + (rho + s^2) k/(n-k-1) for n > k+1, the minimum-norm head
    rho + rho_par (1 - n/k) + (rho + s^2) n/(k-n-1) for n < k-1, inf between;
    rho = 1 - rho_par."""
    return _map("fate_theory_lt_k_exact", [(n, "n", _N), (k, "k", _N), (rho_par, "rho_par", _R),
                                           (sigma, "sigma", _R)])


def risk_lt_k_ridge(gamma, kappa, lam, rho_par, sigma=0.0):
    """Limit at gamma = n/d, kappa = k/d with the head's ridge lam
    (fate_theory_lt_k_ridge): rho + ridge(kappa/gamma, lam, sqrt(rho + s^2),
    rho_par); kappa = 0: rho + rho_par lam^2/(1+lam)^2."""
    return _map("fate_theory_lt_k_ridge", [(gamma, "gamma", _R), (kappa, "kappa", _R), (lam, "lam", _R),
                                           (rho_par, "rho_par", _R), (sigma, "sigma", _R)])


def risk_lt_k(gamma, kappa, rho_par, sigma=0.0):
    """The limit at lambda = 0 (fate_theory_lt_k): rho + (rho + s^2)
    kappa/(gamma - kappa) for kappa < gamma."""
    return _map("fate_theory_lt_k", [(gamma, "gamma", _R), (kappa, "kappa", _R), (rho_par, "rho_par", _R),
                                     (sigma, "sigma", _R)])


def lt_k_best(n, rho_par, sigma=0.0):
    """The k in 1..len(rho_par) minimising risk_lt_k_exact(n, k, rho_par[k-1],
    sigma) (fate_theory_lt_k_best; ties: the smaller k). Returns (k, risk).
    FateValueError for an empty list, n = 0, a rho_par outside [0, 1] or
    sigma < 0."""
    where = "fate.theory.lt_k_best"
    rp = np.ascontiguousarray(_check.real_array(rho_par, "rho_par", where), dtype=np.float64).ravel()
    n = int(_check.count_array(n, "n", hi=_check.UINT64_MAX, where=where))
    sigma = float(_check.real_array(sigma, "sigma", where))
    kb, rb = ctypes.c_size_t(), ctypes.c_double()
    st = library().fate_theory_lt_k_best(ctypes.byref(kb), ctypes.byref(rb),
                                         rp.ctypes.data_as(ctypes.POINTER(ctypes.c_double)), rp.size, n,
                                         sigma)
    if st != FATE_OK:
        raise error_for(st, "%s: n >= 1, rho_par a non-empty list in [0, 1], sigma >= 0" % where)
    return int(kb.value), float(rb.value)
