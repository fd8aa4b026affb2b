"""Anisotropic inputs x ~ N(0, Sigma) (docs/THEORY.md section 11).

Sigma = diag(eig) in its eigenbasis; teachers are given by their coordinates
in that basis, and risks are |beta_hat - beta|_Sigma^2.

    eig = fate.aniso.spectrum_powerlaw(400, 1.5)          # tr = d
    fate.aniso.kappa(eig, n=200)                          # effective regularisation
    fate.aniso.ridge(eig, n=200, lam=0.1, sigma=0.5)      # {"risk", "bias", "var"}
    fate.aniso.lt_exact(eig, beta_s, beta_t, n=20, sigma=0.5)

ridge is the deterministic equivalent of Hastie, Montanari, Rosset and
Tibshirani (2022): a large-d approximation (0.04% to 1.1% below the mean at
d = 400 in THEORY.md's measurements). lt_exact is exact at every n.
"""
import ctypes

import numpy as np

from . import _check
from ._lib import FATE_OK, error_for, library

__all__ = ["spectrum_powerlaw", "spectrum_spiked", "kappa", "ridge", "lt_exact"]

# n = round(gamma d) in the C library is a count below 2^53; the same bound here.
_N_MAX = 2**53
# d: the arrays fate builds must be addressable (8 bytes per value).
_D_MAX = 2**40


def _ptr(a):
    return a.ctypes.data_as(ctypes.POINTER(ctypes.c_double))


def _raise(status, where):
    raise error_for(status, where)


def _eig(eig, where):
    return _check.vector(eig, "eig", lo=0.0, lo_open=True, where=where)


def spectrum_powerlaw(d, alpha):
    """Eigenvalues proportional to i^-alpha (i = 1..d), tr = d (fate_spectrum_powerlaw)."""
    where = "fate.aniso.spectrum_powerlaw"
    d = _check.integer(d, "d", lo=1, hi=_D_MAX, where=where)
    alpha = _check.real(alpha, "alpha", lo=0.0, where=where)
    out = np.empty(d)
    st = library().fate_spectrum_powerlaw(_ptr(out), d, alpha)
    if st != FATE_OK:
        _raise(st, where + " (alpha %r underflows at d %d)" % (alpha, d))
    return out


def spectrum_spiked(d, k, ratio):
    """The first k eigenvalues ratio times the others, tr = d (fate_spectrum_spiked)."""
    where = "fate.aniso.spectrum_spiked"
    d = _check.integer(d, "d", lo=1, hi=_D_MAX, where=where)
    k = _check.integer(k, "k", lo=1, hi=d, where=where)
    ratio = _check.real(ratio, "ratio", lo=0.0, lo_open=True, where=where)
    out = np.empty(d)
    st = library().fate_spectrum_spiked(_ptr(out), d, k, ratio)
    if st != FATE_OK:
        _raise(st, where)
    return out


def kappa(eig, n, lam=0.0):
    """The effective regularisation: lam = kappa (1 - df1/n); 0 at lam = 0, n >= d."""
    where = "fate.aniso.kappa"
    e = _eig(eig, where)
    n = _check.integer(n, "n", lo=1, hi=_N_MAX, where=where)
    lam = _check.real(lam, "lam", lo=0.0, where=where)
    out = ctypes.c_double()
    st = library().fate_theory_aniso_kappa(ctypes.byref(out), _ptr(e), e.size, n, lam)
    if st != FATE_OK:
        _raise(st, where)
    return out.value


def ridge(eig, n, lam=0.0, sigma=0.0, beta2=None):
    """Deterministic equivalent of ridge (lam > 0) or minimum norm / least squares
    (lam = 0): {"risk", "bias", "var"}. beta2: the teacher's squared coordinates
    (len(eig) values >= 0), or None for a unit teacher uniform on the sphere."""
    where = "fate.aniso.ridge"
    e = _eig(eig, where)
    n = _check.integer(n, "n", lo=1, hi=_N_MAX, where=where)
    lam = _check.real(lam, "lam", lo=0.0, where=where)
    sigma = _check.real(sigma, "sigma", lo=0.0, where=where)
    b2 = None
    if beta2 is not None:
        b2 = _check.vector(beta2, "beta2", lo=0.0, where=where)
        if b2.size != e.size:
            raise ValueError("%s: beta2 must have len(eig) = %d values, got %d" % (where, e.size, b2.size))
    r, b, v = ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
    st = library().fate_theory_aniso_ridge(ctypes.byref(r), ctypes.byref(b), ctypes.byref(v), _ptr(e),
                                           None if b2 is None else _ptr(b2), e.size, n, lam, sigma)
    if st != FATE_OK:
        _raise(st, where)
    return {"risk": r.value, "bias": b.value, "var": v.value}


def lt_exact(eig, beta_s, beta_t, n, sigma=0.0):
    """Exact mean risk of linear transfer on z = x . beta_s:
    rho + (rho + sigma^2)/(n - 2), inf for n <= 2."""
    where = "fate.aniso.lt_exact"
    e = _eig(eig, where)
    bs = _check.vector(beta_s, "beta_s", where=where)
    bt = _check.vector(beta_t, "beta_t", where=where)
    for name, a in (("beta_s", bs), ("beta_t", bt)):
        if a.size != e.size:
            raise ValueError("%s: %s must have len(eig) = %d values, got %d" % (where, name, e.size, a.size))
    n = _check.integer(n, "n", lo=1, hi=_N_MAX, where=where)
    sigma = _check.real(sigma, "sigma", lo=0.0, where=where)
    if not np.any(e * bs * bs > 0.0):
        raise _check.value_error(where, "beta_s must not be zero (no feature to fit)")
    out = ctypes.c_double()
    st = library().fate_theory_aniso_lt_exact(ctypes.byref(out), _ptr(e), _ptr(bs), _ptr(bt), e.size, n, sigma)
    if st != FATE_OK:
        _raise(st, where)
    return out.value
