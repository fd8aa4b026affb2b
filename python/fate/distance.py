"""Distances between probability laws (include/fate_distance.h), on NumPy
arrays: closed forms for Gaussians and estimators from samples.

Samples are 2-D float64 arrays of rows, X (n, D) and Y (m, D). C-contiguous
float64 arrays are passed to the library without a copy (zero-copy); other
arrays are converted once (np.ascontiguousarray). Conventions (squared or
not, U or V statistic, bandwidth) are those of the C functions and are
repeated in each docstring. Errors of the library (bad input such as NaN in a
sample, fewer than 2 rows, k out of range) raise FateValueError.

    import numpy as np, fate.distance as fd
    X = np.random.default_rng(0).normal(size=(500, 3)); Y = X + 0.5
    fd.mmd2(X, Y)                  # Gaussian kernel, median bandwidth, U-statistic
    fd.gauss_kl(m1, C1, m2, C2)    # KL(N(m1,C1) || N(m2,C2)) in nats
"""

import ctypes
from ctypes import POINTER, c_double, c_int, c_size_t, c_uint64

import numpy as np

from . import _check as chk
from ._lib import FATE_OK, error_for, keep_blas_threads, library

KERNELS = {"gaussian": 1, "laplace": 2, "energy": 3}

_declared = False


def _lib():
    global _declared
    lib = library()
    if not _declared:
        P = POINTER
        d, z, u64 = P(c_double), c_size_t, c_uint64
        sig = {
            "fate_gauss_kl": [d, d, d, d, d, z],
            "fate_gauss_hellinger": [d, d, d, d, d, d, z],
            "fate_gauss_w2sq": [d, d, d, d, d, z],
            "fate_gauss_mmd2": [d, d, d, d, d, z, c_double],
            "fate_linear_joint_cov": [d, d, z, c_double],
            "fate_median_heuristic": [d, d, z, d, z, z],
            "fate_mmd2": [d, d, d, z, d, z, z, c_int, c_double, c_int],
            "fate_mmd2_linear": [d, d, d, d, z, d, z, z, c_int, c_double],
            "fate_energy_distance": [d, d, z, d, z, z, c_int],
            "fate_wasserstein_1d": [d, d, z, d, z, c_double],
            "fate_wasserstein_exact": [d, d, d, z, z, c_double],
            "fate_sliced_wasserstein": [d, d, d, z, d, z, z, c_double, z, u64, u64],
            "fate_knn_kl": [d, d, d, z, d, z, z, z],
            "fate_knn_tv_js": [d, d, d, d, d, z, d, z, z, z],
            "fate_bl_lower": [d, d, z, d, z, z, z, u64, u64],
        }
        for name, args in sig.items():
            f = getattr(lib, name)
            f.restype = c_int
            f.argtypes = args
        _declared = True
    return lib


def _ptr(a):
    return a.ctypes.data_as(POINTER(c_double))


def _where(fn):
    return "fate.distance." + fn


def _samples(X, name, D=None):
    """A C-contiguous float64 (n, D) view, copying only when needed."""
    if not isinstance(X, np.ndarray):
        X = np.asarray(X)
        if X.dtype.kind == "b" or X.dtype == object:
            X = chk.real_array(X, name)
    if X.dtype.kind not in "fiu":
        raise TypeError("%s must be a real array, got dtype %s" % (name, X.dtype))
    if X.ndim == 1:
        X = X.reshape(-1, 1)
    if X.ndim != 2:
        raise ValueError("%s must be 2-D (rows are samples), got shape %s" % (name, X.shape))
    if D is not None and X.shape[1] != D:
        raise ValueError("%s has %d columns, the other sample %d" % (name, X.shape[1], D))
    if X.shape[0] < 2:
        raise ValueError("%s needs at least 2 rows, got %d" % (name, X.shape[0]))
    return np.ascontiguousarray(X, dtype=np.float64)


def _pair(X, Y):
    X = _samples(X, "X")
    Y = _samples(Y, "Y", X.shape[1])
    return X, Y


def _gauss(m, S, name):
    m = np.ascontiguousarray(chk.real_array(m, name + " mean").ravel())
    S = np.ascontiguousarray(chk.real_array(S, name + " covariance"))
    if S.shape != (m.size, m.size):
        raise ValueError("%s covariance must be (%d, %d), got %s" % (name, m.size, m.size, S.shape))
    return m, S


def _kernel(kernel, where):
    if not isinstance(kernel, str) or kernel not in KERNELS:
        raise ValueError("%s: kernel must be one of %s, got %r"
                         % (where, ", ".join(KERNELS), kernel))
    return KERNELS[kernel]


def _directions(directions, lo, seed, instance, D, where):
    """L random directions (L*D*16 bytes, L an int), keyed by uint64 (seed, instance)."""
    L = chk.integer(directions, "directions", lo, min(chk.INT_MAX, chk.SIZE_MAX // 16 // D), where,
                  " for D = %d" % D)
    return (L, chk.integer(seed, "seed", 0, chk.UINT64_MAX, where),
            chk.integer(instance, "instance", 0, chk.UINT64_MAX, where))


def _check(st, what):
    if st != FATE_OK:
        raise error_for(st, what)


def _call(name, *args):
    with keep_blas_threads():
        st = getattr(_lib(), name)(*args)
    _check(st, name)


# ---- closed forms for Gaussians ----

def gauss_kl(m1, C1, m2, C2):
    """KL(N(m1, C1) || N(m2, C2)) in nats (not symmetric)."""
    m1, C1 = _gauss(m1, C1, "first")
    m2, C2 = _gauss(m2, C2, "second")
    if m1.size != m2.size:
        raise ValueError("dimensions differ: %d and %d" % (m1.size, m2.size))
    out = c_double()
    _call("fate_gauss_kl", ctypes.byref(out), _ptr(m1), _ptr(C1), _ptr(m2), _ptr(C2), m1.size)
    return out.value


def gauss_hellinger(m1, C1, m2, C2):
    """(h2, bhattacharyya): squared Hellinger distance 1 - BC in [0, 1] and the
    Bhattacharyya distance -log BC."""
    m1, C1 = _gauss(m1, C1, "first")
    m2, C2 = _gauss(m2, C2, "second")
    h2, b = c_double(), c_double()
    _call("fate_gauss_hellinger", ctypes.byref(h2), ctypes.byref(b), _ptr(m1), _ptr(C1), _ptr(m2),
          _ptr(C2), m1.size)
    return h2.value, b.value


def gauss_w2sq(m1, C1, m2, C2):
    """SQUARED Wasserstein-2 distance (Bures formula)."""
    m1, C1 = _gauss(m1, C1, "first")
    m2, C2 = _gauss(m2, C2, "second")
    out = c_double()
    _call("fate_gauss_w2sq", ctypes.byref(out), _ptr(m1), _ptr(C1), _ptr(m2), _ptr(C2), m1.size)
    return out.value


def gauss_mmd2(m1, C1, m2, C2, h):
    """SQUARED MMD with the Gaussian kernel exp(-|a-b|^2 / (2 h^2)), h > 0."""
    m1, C1 = _gauss(m1, C1, "first")
    m2, C2 = _gauss(m2, C2, "second")
    out = c_double()
    h = chk.real(h, "h", lo=0.0, lo_open=True, where=_where("gauss_mmd2"))
    _call("fate_gauss_mmd2", ctypes.byref(out), _ptr(m1), _ptr(C1), _ptr(m2), _ptr(C2), m1.size, h)
    return out.value


def linear_joint_cov(beta, sigma):
    """Covariance [[I, beta], [beta^T, |beta|^2 + sigma^2]] of (x, y) for a
    linear teacher (mean 0), shape (d+1, d+1)."""
    w = _where("linear_joint_cov")
    beta = np.ascontiguousarray(chk.real_array(beta, "beta", w).ravel())
    sigma = chk.real(sigma, "sigma", lo=0.0, where=w)
    out = np.empty((beta.size + 1, beta.size + 1))
    _call("fate_linear_joint_cov", _ptr(out), _ptr(beta), beta.size, sigma)
    return out


# ---- estimators from samples ----

def median_heuristic(X, Y):
    """Median pairwise distance of the pooled sample (see the C doc for the
    subsample used above 2048 rows)."""
    X, Y = _pair(X, Y)
    out = c_double()
    _call("fate_median_heuristic", ctypes.byref(out), _ptr(X), X.shape[0], _ptr(Y), Y.shape[0],
          X.shape[1])
    return out.value


def mmd2(X, Y, kernel="gaussian", h=0.0, unbiased=True):
    """SQUARED MMD between the samples: U-statistic (unbiased=True, may be
    negative) or V-statistic. h <= 0: median heuristic. Returns (mmd2, h_used)."""
    w = _where("mmd2")
    kern = _kernel(kernel, w)
    h = chk.real(h, "h", where=w, text="a finite number (<= 0: median heuristic)")
    unbiased = chk.flag(unbiased, "unbiased", w)
    X, Y = _pair(X, Y)
    out, hu = c_double(), c_double()
    _call("fate_mmd2", ctypes.byref(out), ctypes.byref(hu), _ptr(X), X.shape[0], _ptr(Y), Y.shape[0],
          X.shape[1], kern, h, int(unbiased))
    return out.value, hu.value


def mmd2_linear(X, Y, kernel="gaussian", h=0.0):
    """Linear-time SQUARED MMD (Gretton et al. 2012). Returns (mmd2, se, h_used)."""
    w = _where("mmd2_linear")
    kern = _kernel(kernel, w)
    h = chk.real(h, "h", where=w, text="a finite number (<= 0: median heuristic)")
    X, Y = _pair(X, Y)
    out, se, hu = c_double(), c_double(), c_double()
    _call("fate_mmd2_linear", ctypes.byref(out), ctypes.byref(se), ctypes.byref(hu), _ptr(X),
          X.shape[0], _ptr(Y), Y.shape[0], X.shape[1], kern, h)
    return out.value, se.value, hu.value


def energy_distance(X, Y, unbiased=True):
    """Energy distance 2E|X-Y| - E|X-X'| - E|Y-Y'| (U- or V-statistic)."""
    unbiased = chk.flag(unbiased, "unbiased", _where("energy_distance"))
    X, Y = _pair(X, Y)
    out = c_double()
    _call("fate_energy_distance", ctypes.byref(out), _ptr(X), X.shape[0], _ptr(Y), Y.shape[0],
          X.shape[1], int(unbiased))
    return out.value


def wasserstein(X, Y, p=1.0):
    """Exact Wasserstein-p (NOT raised to p) between empirical measures: by
    quantiles in 1-D (any sizes), by optimal assignment otherwise (equal sizes)."""
    p = chk.real(p, "p", lo=1.0, where=_where("wasserstein"))
    X, Y = _pair(X, Y)
    out = c_double()
    if X.shape[1] == 1:
        _call("fate_wasserstein_1d", ctypes.byref(out), _ptr(X), X.shape[0], _ptr(Y), Y.shape[0],
              p)
    else:
        if X.shape[0] != Y.shape[0]:
            raise ValueError("exact Wasserstein in D > 1 needs equal sample sizes; use sliced_wasserstein")
        _call("fate_wasserstein_exact", ctypes.byref(out), _ptr(X), _ptr(Y), X.shape[0], X.shape[1],
              p)
    return out.value


def sliced_wasserstein(X, Y, p=1.0, directions=100, seed=1, instance=0):
    """Sliced Wasserstein-p ((1/L) sum_l W_p^p of the projections)^(1/p) over
    L random directions keyed by (seed, instance)."""
    w = _where("sliced_wasserstein")
    p = chk.real(p, "p", lo=1.0, where=w)
    X, Y = _pair(X, Y)
    L, seed, instance = _directions(directions, 1, seed, instance, X.shape[1], w)
    out = c_double()
    _call("fate_sliced_wasserstein", ctypes.byref(out), None, _ptr(X), X.shape[0], _ptr(Y),
          Y.shape[0], X.shape[1], p, L, seed, instance)
    return out.value


def knn_kl(X, Y, k=5):
    """kNN estimate of KL(P || Q) in nats (Wang, Kulkarni, Verdu 2009), with
    its standard error: (kl, se)."""
    X, Y = _pair(X, Y)
    k = chk.integer(k, "k", 1, min(X.shape[0], Y.shape[0]) - 1, _where("knn_kl"),
                  " (k < the rows of each sample)")
    out, se = c_double(), c_double()
    _call("fate_knn_kl", ctypes.byref(out), ctypes.byref(se), _ptr(X), X.shape[0], _ptr(Y),
          Y.shape[0], X.shape[1], k)
    return out.value, se.value


def knn_tv_js(X, Y, k=None):
    """Total variation and Jensen-Shannon divergence by a 2-fold cross-fitted
    kNN classifier: (tv, js, tv_se, js_se). k defaults to sqrt(n + m)."""
    X, Y = _pair(X, Y)
    if k is None:
        k = max(1, min(int(np.sqrt(X.shape[0] + Y.shape[0])), min(X.shape[0], Y.shape[0]) // 2))
    k = chk.integer(k, "k", 1, min(X.shape[0], Y.shape[0]) // 2, _where("knn_tv_js"),
                  " (2k <= the rows of each sample)")
    tv, js, tse, jse = c_double(), c_double(), c_double(), c_double()
    _call("fate_knn_tv_js", ctypes.byref(tv), ctypes.byref(js), ctypes.byref(tse), ctypes.byref(jse),
          _ptr(X), X.shape[0], _ptr(Y), Y.shape[0], X.shape[1], k)
    return tv.value, js.value, tse.value, jse.value


def bl_lower(X, Y, directions=100, seed=1, instance=0):
    """A lower bound of the bounded-Lipschitz (Dudley) distance (<= 2)."""
    X, Y = _pair(X, Y)
    L, seed, instance = _directions(directions, 0, seed, instance, X.shape[1], _where("bl_lower"))
    out = c_double()
    _call("fate_bl_lower", ctypes.byref(out), _ptr(X), X.shape[0], _ptr(Y), Y.shape[0], X.shape[1],
          L, seed, instance)
    return out.value
