"""Transferability scores (include/fate_score.h) on NumPy arrays: numbers
computed from a pretrained model's features (or its predictions) on the
target's inputs and the target's labels, used to choose a pretrained model
without fine-tuning it. Each function calls the C function of the same name,
so the numbers are the C library's, bit for bit (`fate predict` ranks them
against the exact transfer gain, docs/THEORY.md section 12).

    import numpy as np, fate.scores as fs
    rng = np.random.default_rng(0)
    F = rng.normal(size=(200, 8)); y = F @ np.ones(8) + rng.normal(size=200)
    fs.logme(F, y), fs.probe(F, y)["neg_loo"], fs.hscore(F, (y > 0).astype(int))

Inputs:
  F       features, (n, p) array-like of real numbers; row i is sample i. A
          1-D F is one feature (n, 1). Converted once to C-contiguous
          float64 (no copy when it already is one). NaN or inf is refused.
  y       regression targets, n real numbers.
  labels  class labels, n integers in [0, C) (an integer dtype: bool and
          float arrays are refused). C defaults to max(labels) + 1.
Every score is "larger predicts more transferable": an error is returned
negated (neg_...). Errors: TypeError for wrong types; FateValueError (a
ValueError, status FATE_EINVAL) naming the argument for bad shapes, NaN or
inf, labels out of range or parameters out of range; FateUndefined (also a
ValueError, status FATE_EDOMAIN) when the score is undefined for this input,
e.g. one class where it needs two, or constant targets for LogME.
"""

import ctypes
from ctypes import POINTER, c_double, c_int

import numpy as np

from . import _check as chk
from ._lib import FATE_EDOMAIN, FATE_EINVAL, FATE_OK, error_for, keep_blas_threads, library

__all__ = ["logme", "logme_class", "probe", "knn", "knn_class", "leep", "nce", "hscore", "gbc",
           "transrate"]


def _lib():
    return library()  # fate._lib._declare declares the fate_score_* functions


def _dptr(a):
    return a.ctypes.data_as(POINTER(c_double))


def _iptr(a):
    return a.ctypes.data_as(POINTER(c_int))


def _where(fn):
    return "fate.scores." + fn


def _matrix(X, name, where, n=None):
    """A C-contiguous float64 (rows, cols) array of finite values; 1-D is one column."""
    a = chk.real_array(X, name, where)
    if a.ndim == 1:
        a = a.reshape(-1, 1)
    if a.ndim != 2:
        raise chk.value_error(where, "%s must be 2-D (n samples, p features) or 1-D, got shape %s"
                              % (name, a.shape))
    if a.shape[0] == 0 or a.shape[1] == 0:
        raise chk.value_error(where, "%s must have at least one row and one column, got shape %s"
                              % (name, a.shape))
    if n is not None and a.shape[0] != n:
        raise chk.value_error(where, "%s must have %d rows (one per sample), got %d"
                              % (name, n, a.shape[0]))
    a = np.ascontiguousarray(a, dtype=np.float64)
    bad = ~np.isfinite(a)
    if bad.any():
        r, c = np.unravel_index(int(np.argmax(bad)), a.shape)
        raise chk.value_error(where, "%s[%d, %d] must be a finite number, got %r"
                              % (name, r, c, float(a[r, c])))
    return a


def _targets(y, n, where):
    a = chk.real_array(y, "y", where)
    if a.ndim != 1 or a.shape[0] != n:
        raise chk.value_error(where, "y must be 1-D with %d values (one per row of F), got shape %s"
                              % (n, a.shape))
    return chk.vector(a, "y", where=where)


def _labels(labels, n, C, where, name="labels", cname="C", C_min=1):
    """(labels as C-contiguous int32 (n,), C): integers in [0, C), C by default max + 1."""
    a = np.asarray(labels)
    if a.dtype == object or a.dtype.kind not in "iu":
        a = chk.count_array(labels, name, 0, chk.INT_MAX, where)  # TypeError unless integers
    else:
        chk._no_bools(labels, a, name, where)
    if a.ndim != 1 or (n is not None and a.shape[0] != n):
        want = "%d values (one per sample)" % n if n is not None else "at least one value"
        raise chk.value_error(where, "%s must be 1-D with %s, got shape %s" % (name, want, a.shape))
    if a.size == 0:
        raise chk.value_error(where, "%s must hold at least one value" % name)
    lo, hi = int(a.min()), int(a.max())
    if lo < 0:
        raise chk.value_error(where, "%s must be integers >= 0, got %d" % (name, lo))
    if hi >= chk.INT_MAX:
        raise chk.value_error(where, "%s must be integers in [0, %d) (C ints), got %d"
                              % (name, chk.INT_MAX, hi))
    if C is None:
        C = max(hi + 1, C_min)
    C = chk.integer(C, cname, C_min, chk.INT_MAX, where)
    if hi >= C:
        raise chk.value_error(where, "%s must be integers in [0, %s) = [0, %d), got %d"
                              % (name, cname, C, hi))
    return np.ascontiguousarray(a, dtype=np.intc), C


_LOGME_UNDEFINED = ("the evidence is unbounded: y is 0, or in the column space of F with "
                    "n > rank F, or the result overflows a double")
_TWO_CLASSES = "it needs at least 2 classes present"


def _call(name, where, undefined, *args):
    """Calls name(*args); `undefined` says when FATE_EDOMAIN happens."""
    with keep_blas_threads():
        st = getattr(_lib(), name)(*args)
    if st != FATE_OK:
        detail = "%s (%s)" % (where, name)
        if st == FATE_EINVAL:
            detail += ": an argument out of range (sizes: n*p and p*p must fit a C int)"
        elif st == FATE_EDOMAIN:
            detail += ": " + undefined
        raise error_for(st, detail)


def _fl(F, labels, C, where, C_min=1):
    F = _matrix(F, "F", where)
    lab, C = _labels(labels, F.shape[0], C, where, C_min=C_min)
    return F, lab, C


# ---- regression-type scores ----

def logme(F, y, return_params=False):
    """LogME (You et al., ICML 2021): the maximised log marginal evidence per
    sample of Bayesian linear regression y = F w + e (fate_score_logme).

    Returns the float, or (logme, alpha, beta) with return_params=True
    (alpha the prior precision, beta the noise precision at the fixed point).
    y is used as given (not centred). FateUndefined for y == 0 or y in the
    column space of F with n > rank F (the evidence is unbounded).
    """
    where = _where("logme")
    F = _matrix(F, "F", where)
    y = _targets(y, F.shape[0], where)
    chk.flag(return_params, "return_params", where)
    v, a, b = c_double(), c_double(), c_double()
    _call("fate_score_logme", where, _LOGME_UNDEFINED, ctypes.byref(v), ctypes.byref(a),
          ctypes.byref(b), _dptr(F), _dptr(y), F.shape[0], F.shape[1])
    return (v.value, a.value, b.value) if return_params else v.value


def logme_class(F, labels, C=None):
    """LogME for classification: the mean over the classes present of
    logme(F, one-hot column of the class) (fate_score_logme_class). C >= 2
    (default max(labels) + 1, at least 2); FateUndefined with fewer than 2
    classes present."""
    where = _where("logme_class")
    F, lab, C = _fl(F, labels, C, where, C_min=2)
    v = c_double()
    _call("fate_score_logme_class", where, _TWO_CLASSES + ", and " + _LOGME_UNDEFINED,
          ctypes.byref(v), _dptr(F), _iptr(lab), F.shape[0], F.shape[1], C)
    return v.value


def probe(F, y, lam=0.0, loo=True):
    """Linear probe (Nguyen et al., UAI 2023): ridge regression of y on F,
    objective |y - F w|^2/n + lam |w|^2 (lam = 0: minimum-norm least
    squares) (fate_score_probe).

    Returns {"neg_train": minus the training mean squared error,
    "neg_loo": minus the exact leave-one-out mean squared error}. With
    loo=False "neg_loo" is None and not computed: at lam = 0 with n <= rank F
    the fit interpolates and leave-one-out is undefined (FateUndefined).
    """
    where = _where("probe")
    F = _matrix(F, "F", where)
    y = _targets(y, F.shape[0], where)
    lam = chk.real(lam, "lam", lo=0.0, where=where)
    loo = chk.flag(loo, "loo", where)
    tr, lo = c_double(), c_double()
    _call("fate_score_probe", where, "leave-one-out is undefined when the fit interpolates "
          "(lam = 0 and n <= rank F; pass loo=False or lam > 0), or the error overflows a double",
          ctypes.byref(tr), ctypes.byref(lo) if loo else None, _dptr(F), _dptr(y), F.shape[0],
          F.shape[1], lam)
    return {"neg_train": tr.value, "neg_loo": lo.value if loo else None}


def knn(F, y, k=5):
    """Leave-one-out kNN regression: minus the mean squared error of each
    sample's prediction by the mean target of its k nearest other samples
    (Euclidean; ties to the smaller index) (fate_score_knn). 1 <= k <= n - 1."""
    where = _where("knn")
    F = _matrix(F, "F", where)
    y = _targets(y, F.shape[0], where)
    k = chk.integer(k, "k", 1, max(F.shape[0] - 1, 1), where, " (k <= n - 1, n = %d)" % F.shape[0])
    if F.shape[0] < 2:
        raise chk.value_error(where, "F must have at least 2 rows for leave-one-out kNN, got 1")
    v = c_double()
    _call("fate_score_knn", where, "the mean squared error overflows a double", ctypes.byref(v),
          _dptr(F), _dptr(y), F.shape[0], F.shape[1], k)
    return v.value


def knn_class(F, labels, k=5, C=None):
    """Leave-one-out kNN classification accuracy: each sample predicted by the
    majority label of its k nearest other samples (ties to the smaller label)
    (fate_score_knn_class). 1 <= k <= n - 1."""
    where = _where("knn_class")
    F, lab, C = _fl(F, labels, C, where)
    k = chk.integer(k, "k", 1, max(F.shape[0] - 1, 1), where, " (k <= n - 1, n = %d)" % F.shape[0])
    if F.shape[0] < 2:
        raise chk.value_error(where, "F must have at least 2 rows for leave-one-out kNN, got 1")
    v = c_double()
    _call("fate_score_knn_class", where, "", ctypes.byref(v), _dptr(F), _iptr(lab), F.shape[0],
          F.shape[1], C, k)
    return v.value


# ---- label scores ----

def leep(P_src, labels, Ct=None):
    """LEEP (Nguyen et al., ICML 2020) from the source model's predicted
    distribution P_src (n, Cs) (entries >= 0, rows summing to 1 within 1e-9)
    and the target labels in [0, Ct) (fate_score_leep). Always <= 0."""
    where = _where("leep")
    P = _matrix(P_src, "P_src", where)
    if (P < 0).any():
        r, c = np.unravel_index(int(np.argmax(P < 0)), P.shape)
        raise chk.value_error(where, "P_src[%d, %d] must be >= 0 (a probability), got %r"
                              % (r, c, float(P[r, c])))
    lab, Ct = _labels(labels, P.shape[0], Ct, where, cname="Ct")
    v = c_double()
    with keep_blas_threads():
        st = _lib().fate_score_leep(ctypes.byref(v), _dptr(P), _iptr(lab), P.shape[0], P.shape[1], Ct)
    if st == FATE_EINVAL:
        raise error_for(st, "%s: P_src rows must sum to 1 (within 1e-9); row sums range over "
                        "[%r, %r]" % (where, float(P.sum(axis=1).min()), float(P.sum(axis=1).max())))
    if st != FATE_OK:
        raise error_for(st, "%s (fate_score_leep)" % where)
    return v.value


def nce(src_labels, labels, Cs=None, Ct=None):
    """NCE (Tran et al., ICCV 2019): minus the conditional entropy H(Y | Z) in
    nats of the target labels given the source's hard labels src_labels in
    [0, Cs) (fate_score_nce). In [-log Ct, 0]."""
    where = _where("nce")
    z, Cs = _labels(src_labels, None, Cs, where, name="src_labels", cname="Cs")
    lab, Ct = _labels(labels, z.shape[0], Ct, where, cname="Ct")
    v = c_double()
    _call("fate_score_nce", where, "", ctypes.byref(v), _iptr(z), _iptr(lab), z.shape[0], Cs, Ct)
    return v.value


def hscore(F, labels, C=None):
    """H-score (Bao et al., ICIP 2019): tr(cov(F)^+ cov(E[F | y])), 1/n
    covariances, pseudo-inverse cut at 1e-12 of the largest eigenvalue
    (fate_score_hscore). FateUndefined with fewer than 2 classes present."""
    where = _where("hscore")
    F, lab, C = _fl(F, labels, C, where)
    v = c_double()
    _call("fate_score_hscore", where, _TWO_CLASSES, ctypes.byref(v), _dptr(F), _iptr(lab),
          F.shape[0], F.shape[1], C)
    return v.value


def gbc(F, labels, C=None):
    """GBC (Pandy et al., CVPR 2022), the authors' 'diagonal' form: minus the
    sum over ordered pairs of classes of the Bhattacharyya coefficient of
    their diagonal Gaussians (variance floor 1e-4) (fate_score_gbc); in
    [-C'(C'-1), 0]. No PCA is applied (do it first if wanted). Each class
    present needs 2 samples; FateUndefined with fewer than 2 classes."""
    where = _where("gbc")
    F, lab, C = _fl(F, labels, C, where)
    v = c_double()
    _call("fate_score_gbc", where, _TWO_CLASSES + ", each with at least 2 samples",
          ctypes.byref(v), _dptr(F), _iptr(lab), F.shape[0], F.shape[1], C)
    return v.value


def transrate(F, labels, eps=1e-4, C=None):
    """TransRate (Huang et al., ICML 2022), as the authors' code: the coding
    rate R(F) of the centred features minus the mean over the classes present
    of R(F_c), R(Z) = 1/2 log det(I + Z^T Z/(n_Z eps)) (fate_score_transrate).
    eps > 0; FateUndefined with fewer than 2 classes present."""
    where = _where("transrate")
    F, lab, C = _fl(F, labels, C, where)
    eps = chk.real(eps, "eps", lo=0.0, lo_open=True, where=where)
    v = c_double()
    _call("fate_score_transrate", where, _TWO_CLASSES, ctypes.byref(v), _dptr(F), _iptr(lab),
          F.shape[0], F.shape[1], C, eps)
    return v.value
