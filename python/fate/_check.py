"""Argument checks done in Python before any C call (TypeError / ValueError).

Every numeric argument of the package's public functions goes through these
helpers before ctypes sees it: ctypes truncates an integer that does not fit
its C type without a word (2**64 + 5 becomes 5 as a size_t, -1 becomes
2**64 - 1), so a value is checked against its type (bool is not a number,
floats are not counts, str is not a number), its finiteness, the range of
its C type and the model's own range, and the sizes it implies (the product
of two dimensions that the library allocates, the int arguments of BLAS).

Messages name the function, the argument, its range and the value given:
    "fate.run: gamma must give n = round(gamma*d) in [1, 2147483647] for
     d = 10 (a finite number > 0), got 1e+300"
Values out of range raise FateValueError (a ValueError and a FateError with
status FATE_EINVAL, as the library's own checks); wrong types TypeError.
"""

import math
import numbers
import sys

import numpy as np

from ._lib import FATE_EINVAL, error_for

#: C limits (LP64; OpenBLAS's CBLAS/LAPACKE take int dimensions).
INT_MAX = 2**31 - 1
UINT64_MAX = 2**64 - 1
SIZE_MAX = 2**64 - 1
#: The most bytes NumPy (ptrdiff_t) or one C allocation can hold.
BYTES_MAX = 2**63 - 1
#: The most doubles one C allocation can hold (n * sizeof(double) <= SIZE_MAX).
DOUBLES_MAX = SIZE_MAX // 8
#: FATE_MAX_THREADS of include/fate.h: more threads are refused (libgomp
#: ends the process when it cannot create them).
MAX_THREADS = 1024
DBL_MAX = sys.float_info.max


def _say(where, msg):
    return "%s: %s" % (where, msg) if where else msg


def value_error(where, msg):
    """The exception for a value out of range (FateValueError, a ValueError)."""
    return error_for(FATE_EINVAL, _say(where, msg))


def _fmt(v):
    return repr(v)[:80]


def _type_name(x):
    return type(x).__name__


def integer(x, name, lo=0, hi=UINT64_MAX, where=None, why=""):
    """x as a Python int in [lo, hi]. TypeError for bool, float (even 20.0),
    str and anything not an integer; FateValueError out of range. `why`
    (e.g. " (n*d doubles must be addressable)") follows the range."""
    if isinstance(x, np.ndarray) and x.ndim == 0:
        x = x[()]
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Integral):
        raise TypeError(_say(where, "%s must be an integer, got %s %s"
                             % (name, _type_name(x), _fmt(x))))
    v = int(x)
    if v < lo or v > hi:
        raise value_error(where, "%s must be an integer in [%d, %d]%s, got %d"
                          % (name, lo, hi, why, v))
    return v


def number(x, name, where=None):
    """x as a Python float; TypeError if not a real number, FateValueError if
    it has no double (a Python int beyond DBL_MAX)."""
    if isinstance(x, np.ndarray) and x.ndim == 0:
        x = x[()]
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real):
        raise TypeError(_say(where, "%s must be a real number, got %s %s"
                             % (name, _type_name(x), _fmt(x))))
    try:
        return float(x)
    except OverflowError:
        raise value_error(where, "%s must be a real number within +-%g (a double), got %s"
                          % (name, DBL_MAX, _fmt(x))) from None


def _range_text(lo, hi, lo_open, hi_open):
    if lo is not None and hi is not None:
        return "in %s%g, %g%s" % ("(" if lo_open else "[", lo, hi, ")" if hi_open else "]")
    if lo is not None:
        return "%s %g" % (">" if lo_open else ">=", lo)
    if hi is not None:
        return "%s %g" % ("<" if hi_open else "<=", hi)
    return ""


def _out(v, lo, hi, lo_open, hi_open):
    return ((lo is not None and (v < lo or (lo_open and v == lo))) or
            (hi is not None and (v > hi or (hi_open and v == hi))))


def real(x, name, lo=None, hi=None, lo_open=False, hi_open=False, where=None, text=None):
    """A Python float, finite and in the range; TypeError for non-real
    (bool, str), FateValueError otherwise. `text` replaces "a finite number
    >= lo" in the message (e.g. "in [0, pi]")."""
    v = number(x, name, where)
    if not math.isfinite(v) or _out(v, lo, hi, lo_open, hi_open):
        raise value_error(where, "%s must be %s, got %r" % (
            name, text or _range_phrase(lo, hi, lo_open, hi_open), v))
    return v


def _range_phrase(lo, hi, lo_open, hi_open):
    rng = _range_text(lo, hi, lo_open, hi_open)
    return "a finite number" + (" " + rng if rng else "")


def flag(x, name, where=None):
    """A bool argument: True, False or the integers 0 and 1."""
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, numbers.Integral) and not isinstance(x, bool) and int(x) in (0, 1):
        return bool(int(x))
    raise TypeError(_say(where, "%s must be True or False, got %s %s"
                         % (name, _type_name(x), _fmt(x))))


def _no_bools(x, a, name, where):
    """TypeError when a sequence (not an array) holds a bool: NumPy would
    silently make it 1.0 or 1."""
    if not isinstance(x, np.ndarray) and a.dtype.kind in "iuf" and a.size:
        try:
            o = np.asarray(x, dtype=object)
        except (TypeError, ValueError):  # pragma: no cover
            return
        for v in o.ravel().tolist():
            if isinstance(v, (bool, np.bool_)):
                raise TypeError(_say(where, "%s must hold real numbers, got a bool (%r)"
                                     % (name, v)))


def real_array(x, name, where=None):
    """x as a float64 array; TypeError unless x is real numeric (no bool, no
    str), FateValueError for an integer beyond the range of a double."""
    a = np.asarray(x)
    if a.dtype == object:
        try:
            a = a.astype(np.float64)
        except OverflowError:
            raise value_error(where, "%s must be real numbers within +-%g (doubles)"
                              % (name, DBL_MAX)) from None
        except (TypeError, ValueError):
            raise TypeError(_say(where, "%s must be a real number or an array of them, got %s"
                                 % (name, _type_name(x)))) from None
    if a.dtype.kind not in "iuf":
        raise TypeError(_say(where, "%s must be a real number or an array of them, got dtype %s"
                             % (name, a.dtype)))
    _no_bools(x, a, name, where)
    return a.astype(np.float64, copy=False)


def count_array(x, name, lo=0, hi=UINT64_MAX, where=None):
    """x as a uint64 array of integers in [lo, hi] (C size_t); TypeError
    unless of integer dtype (bool and float arrays are refused)."""
    a = np.asarray(x)
    if a.dtype == object:  # Python ints beyond int64/uint64, or mixed objects
        vals = a.ravel().tolist()
        if not all(isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_))
                   for v in vals):
            raise TypeError(_say(where, "%s must be an integer or an array of integers, got %s"
                                 % (name, _type_name(x))))
        bad = [v for v in vals if int(v) < lo or int(v) > hi]
        if bad:
            raise value_error(where, "%s must be integers in [%d, %d], got %d"
                              % (name, lo, hi, bad[0]))
        return np.array([int(v) for v in vals], dtype=np.uint64).reshape(a.shape)
    if a.dtype.kind not in "iu":
        raise TypeError(_say(where, "%s must be an integer or an array of integers, got dtype %s"
                             % (name, a.dtype)))
    _no_bools(x, a, name, where)
    if a.size and (int(a.min()) < lo or int(a.max()) > hi):
        v = int(a.min()) if int(a.min()) < lo else int(a.max())
        raise value_error(where, "%s must be integers in [%d, %d], got %d" % (name, lo, hi, v))
    return a.astype(np.uint64)


def vector(x, name, lo=None, lo_open=False, hi=None, where=None, text=None):
    """A non-empty 1-D C-contiguous float64 array of finite values in range;
    the message of a bad element gives its index."""
    a = real_array(x, name, where)
    if a.ndim == 0:
        a = a.reshape(1)
    if a.ndim != 1:
        raise ValueError(_say(where, "%s must be one-dimensional, got shape %s" % (name, a.shape)))
    if a.size == 0:
        raise ValueError(_say(where, "%s must hold at least one value" % name))
    bad = ~np.isfinite(a)
    if lo is not None:
        bad |= (a < lo) | ((a == lo) if lo_open else False)
    if hi is not None:
        bad |= a > hi
    if np.any(bad):
        i = int(np.argmax(bad))
        raise value_error(where, "%s[%d] must be %s, got %r" % (
            name, i, text or _range_phrase(lo, hi, lo_open, False), float(a[i])))
    return np.ascontiguousarray(a, dtype=np.float64)


def instances_first(instances, first, item_bytes, where=None):
    """(K, first) of a run of K = instances instances first..first+K-1:
    K >= 1 results of item_bytes each addressable, the indices uint64."""
    K = integer(instances, "instances", 1, BYTES_MAX // item_bytes, where,
                " (the results must be addressable)")
    first = integer(first, "first", 0, UINT64_MAX - K + 1, where,
                    " for instances = %d (instance indices first..first+instances-1 are uint64)"
                    % K)
    return K, first


def c_round(x):
    """C's round(): halves away from zero (Python's round() rounds to even)."""
    f = math.floor(x)
    return int(f) + (1 if x - f >= 0.5 else 0)


def threads(x, where=None):
    """OpenMP threads: 0 (the default) to FATE_MAX_THREADS."""
    return integer(x, "threads", 0, MAX_THREADS, where, " (0: all cores)")


# ---------------------------------------------------------------------------
# Sizes of the linear model (src/protocol.c, task.c, dln.c, transfer.c, train.c)
# ---------------------------------------------------------------------------
# The library allocates n*d, n*n (n < d), n_src*d, d*d and d*width doubles and
# nparams = d*width + (depth-2)*width^2 + width parameters, and passes n, d,
# width, n_src and nparams to BLAS as int. Each bound below keeps every such
# product addressable and every such int argument <= INT_MAX.

def d_max():
    return min(INT_MAX, math.isqrt(DOUBLES_MAX))


def width_max(d):
    """width (after width 0 -> d) so that d*width + width <= INT_MAX."""
    return min(INT_MAX // (d + 1), DOUBLES_MAX // d)


def depth_max(d, width):
    """depth so that nparams = d*width + (depth-2)*width^2 + width <= INT_MAX."""
    return 2 + (INT_MAX - d * width - width) // (width * width)


def n_max(d):
    """Training samples n (or n_src) for d: an int BLAS argument, n*d doubles
    (and n*n < n*d doubles for the Gram matrix of n < d)."""
    return min(INT_MAX, DOUBLES_MAX // d)


#: Depth 2 with 3*width >= d trains in Gram form (src/gram2.c), whose packed
#: d(d+1)/2 matrix length is an int BLAS argument.
GRAM2_D_MAX = 65535
GRAM2_WHY = (" when depth = 2 and 3*width >= d (width = %d; the Gram form's d(d+1)/2 is an "
             "int BLAS argument)")


def gram2_applies(d, width, depth):
    return depth == 2 and 3 * width >= d


def d_max_default_width():
    """The largest d with width = d (width 0): d*d + d <= INT_MAX."""
    d = math.isqrt(INT_MAX)
    while d * d + d > INT_MAX:
        d -= 1
    return d


def spec_sizes(s, where=None, field="spec field "):
    """Checks the sizes of a fate_spec struct (d, width, depth, n, n_src)
    against the bounds above; FateValueError naming the field."""
    d = integer(s.d, field + "d", 1, d_max(), where)
    w = integer(s.width, field + "width", 1, width_max(d), where,
                " for d = %d (d*width + width <= %d parameters)" % (d, INT_MAX))
    integer(s.depth, field + "depth", 2, depth_max(d, w), where,
            " for d = %d, width = %d (d*width + (depth-2)*width^2 + width <= %d parameters)"
            % (d, w, INT_MAX))
    if gram2_applies(d, w, s.depth):
        integer(d, field + "d", 1, GRAM2_D_MAX, where, GRAM2_WHY % w)
    integer(s.n, field + "n", 1, n_max(d), where, " for d = %d" % d)
    integer(s.n_src, field + "n_src", 0, n_max(d), where, " for d = %d (0: infinite source)" % d)


# ---------------------------------------------------------------------------
# Sizes of the two-layer model (src/mlp_protocol.c relu_size_check)
# ---------------------------------------------------------------------------
# Every array of a relu2 run is an int BLAS argument: the teachers (mstar, d)
# and their Gram matrix (mstar, mstar), W (m, d) and the readout's Gram
# matrix (m, m), and the data (rows, d) and features (rows, max(m, mstar)) of
# the target, source and test blocks (at most 4096 test rows at a time).

#: m and mstar: m*m <= INT_MAX.
RELU_WIDTH_MAX = math.isqrt(INT_MAX)
#: Test inputs are processed in blocks of this many rows.
RELU_TEST_BLOCK = 4096


def relu_width_max(d):
    """m or mstar for d: m*m and m*d <= INT_MAX."""
    return min(RELU_WIDTH_MAX, INT_MAX // d)


def relu_rows_max(d, m, mstar):
    """n and n_src: rows*d and rows*max(m, mstar) <= INT_MAX."""
    return INT_MAX // max(d, m, mstar)


def relu_n_test_max(d, m, mstar):
    """n_test: min(n_test, 4096)*max(d, m, mstar) <= INT_MAX."""
    rows = relu_rows_max(d, m, mstar)
    return INT_MAX if rows >= RELU_TEST_BLOCK else rows


def word(x, name, words, where=None):
    """A str argument that must be one of `words`."""
    if not isinstance(x, str):
        raise TypeError(_say(where, "%s must be a str, one of %s, got %s %s"
                             % (name, ", ".join(words), _type_name(x), _fmt(x))))
    if x not in words:
        raise value_error(where, "%s must be one of %s, got %r" % (name, ", ".join(words), x))
    return words.index(x)
