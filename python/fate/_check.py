"""Argument checks done in Python before any C call (TypeError / ValueError)."""

import math
import numbers

import numpy as np


def real_array(x, name):
    """x as a float64 array; TypeError unless x is real numeric (no bool)."""
    a = np.asarray(x)
    if a.dtype == object:
        try:
            a = a.astype(np.float64)
        except (TypeError, ValueError):
            raise TypeError("%s must be a real number or an array of them, got %r"
                            % (name, type(x).__name__)) from None
    if a.dtype.kind not in "iuf":
        raise TypeError("%s must be a real number or an array of them, got dtype %s"
                        % (name, a.dtype))
    return a.astype(np.float64, copy=False)


def count_array(x, name, minimum=0):
    """x as a uint64 array of counts; TypeError unless integer dtype."""
    a = np.asarray(x)
    if a.dtype.kind not in "iu":
        raise TypeError("%s must be an integer or an array of integers, got dtype %s"
                        % (name, a.dtype))
    if a.size and a.min() < minimum:
        raise ValueError("%s must be >= %d" % (name, minimum))
    return a.astype(np.uint64)


def real(x, name, lo=None, hi=None, lo_open=False, allow_inf=False):
    """A Python float; TypeError for non-real, ValueError if out of range."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        if isinstance(x, np.ndarray) and x.ndim == 0 and x.dtype.kind in "iuf":
            x = x.item()
        else:
            raise TypeError("%s must be a real number, got %s" % (name, type(x).__name__))
    v = float(x)
    if math.isnan(v) or (math.isinf(v) and not allow_inf):
        raise ValueError("%s must be a finite number, got %r" % (name, v))
    if lo is not None and (v < lo or (lo_open and v == lo)):
        raise ValueError("%s must be %s %g, got %r" % (name, ">" if lo_open else ">=", lo, v))
    if hi is not None and v > hi:
        raise ValueError("%s must be <= %g, got %r" % (name, hi, v))
    return v


def count(x, name, minimum=0, maximum=2**64 - 1):
    """A Python int; TypeError unless an integer (no bool, no float)."""
    if isinstance(x, bool) or not isinstance(x, numbers.Integral):
        if isinstance(x, np.ndarray) and x.ndim == 0 and x.dtype.kind in "iu":
            x = x.item()
        else:
            raise TypeError("%s must be an integer, got %s" % (name, type(x).__name__))
    v = int(x)
    if v < minimum or v > maximum:
        raise ValueError("%s must be an integer in [%d, %d], got %d" % (name, minimum, maximum, v))
    return v


def vector(x, name, lo=None, lo_open=False, hi=None):
    """A non-empty 1-D C-contiguous float64 array of finite values."""
    a = real_array(x, name)
    if a.ndim == 0:
        a = a.reshape(1)
    if a.ndim != 1:
        raise ValueError("%s must be one-dimensional, got shape %s" % (name, a.shape))
    if a.size == 0:
        raise ValueError("%s must hold at least one value" % name)
    if not np.all(np.isfinite(a)):
        raise ValueError("%s must be finite" % name)
    if lo is not None and (np.any(a < lo) or (lo_open and np.any(a == lo))):
        raise ValueError("every %s must be %s %g" % (name, ">" if lo_open else ">=", lo))
    if hi is not None and np.any(a > hi):
        raise ValueError("every %s must be <= %g" % (name, hi))
    return np.ascontiguousarray(a, dtype=np.float64)


def c_round(x):
    """C's round(): halves away from zero (Python's round() rounds to even)."""
    f = math.floor(x)
    return int(f) + (1 if x - f >= 0.5 else 0)
