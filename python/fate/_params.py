"""The parameters a model declares (fate_param of include/fate_model.h) as
keyword arguments of fate.phase(model=NAME).

Text is read with the rules of `fate phase --model NAME` (cli/options.c
opt_double, opt_size, opt_u64 and opt_list; cli/model_opts.c finish_one), so
that the same text -- a default of the table, or a string the caller gives --
yields the same doubles bit for bit and is refused where the CLI refuses it.
Python numbers and sequences are taken too, checked against the same range.
"""

import collections
import ctypes
import keyword
import math
import re

import numpy as np

from . import _check
from ._lib import fate_param_value

__all__ = ["Param", "REAL", "COUNT", "LIST", "SEED", "params_of", "parse", "values_struct"]

REAL, COUNT, LIST, SEED = 0, 1, 2, 3
KIND_NAMES = {REAL: "real", COUNT: "count", LIST: "list", SEED: "seed"}
#: opt_list's bound on the count of a range start:stop:count.
RANGE_COUNT_MAX = 1000000

Param = collections.namedtuple("Param", "name keyword kind lo hi lo_open default help")
Param.__doc__ = """One declared parameter: `name` as in the table (the CLI's --NAME),
`keyword` its Python keyword, `kind` (REAL, COUNT, LIST, SEED), the range
lo, hi (open at lo when lo_open), `default` the table's text, `help`."""


def keyword_of(name):
    """The Python keyword of a parameter: '-' as '_', and a trailing '_' for a
    Python keyword ("lambda" -> "lambda_")."""
    k = name.replace("-", "_")
    return k + "_" if keyword.iskeyword(k) else k


def params_of(m):
    """The parameter table of a fate_model (ctypes view) as Params."""
    out = []
    for i in range(m.n_params if m.params else 0):
        p = m.params[i]
        name = p.name.decode()
        out.append(Param(name, keyword_of(name), int(p.kind), float(p.lo), float(p.hi),
                         bool(p.lo_open), p.def_.decode(), p.help.decode()))
    return out


def range_text(p):
    """The CLI's range words for a parameter (model_opts.c range_text)."""
    if p.kind == SEED:
        return "in [0, 2^64 - 1]"
    return "%sin %s%.10g, %.10g]" % ("an integer " if p.kind == COUNT else "",
                                    "(" if p.lo_open else "[", p.lo, p.hi)


_HEX = re.compile(r"^[+-]?0[xX]")


def _number_text(s):
    """strtod's reading of a whole string, as options.c parse_number: None
    where the CLI refuses (leading or trailing space, junk, not finite).
    Python's float() accepts what strtod does not ('_', surrounding space)
    and reads hexadecimal only through float.fromhex."""
    if not s or s[0].isspace() or s[-1].isspace() or "_" in s:
        return None
    try:
        v = float(float.fromhex(s) if _HEX.match(s) else s)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _in_range(v, p):
    return not (v < p.lo or v > p.hi or (p.lo_open and v == p.lo))


def _element(s, p, where):
    """One number of REAL or LIST text (opt_double)."""
    v = _number_text(s)
    if v is None:
        raise _check.value_error(where, "%s expects a number %s, got '%s'" % (p.keyword,
                                                                            range_text(p), s))
    if not _in_range(v, p):
        raise _check.value_error(where, "%s must be %s, got %s" % (p.keyword, range_text(p), s))
    return v


def _unsigned_text(s, lo, hi, p, where):
    """Digits only, in [lo, hi] (opt_size, opt_u64: no sign, no space)."""
    if not s or not all("0" <= c <= "9" for c in s) or not lo <= int(s) <= hi:
        raise _check.value_error(where, "%s must be an integer in [%d, %d], got '%s'"
                                 % (p.keyword, lo, hi, s))
    return int(s)


def _list_text(s, p, where):
    """opt_list: a value, a comma list a,b,c, or start:stop:count (count
    points from start to stop inclusive, computed as the CLI does)."""
    if not s:
        raise _check.value_error(where, "%s expects a value, a list a,b,c or a range "
                                 "start:stop:count, got ''" % p.keyword)
    if ":" in s:
        parts = s.split(":")
        if len(parts) != 3 or "," in s:
            raise _check.value_error(where, "%s: a range is start:stop:count, got '%s'"
                                     % (p.keyword, s))
        a, b = _element(parts[0], p, where), _element(parts[1], p, where)
        cnt = _unsigned_text(parts[2], 1, RANGE_COUNT_MAX, p, where)
        if cnt == 1 and a != b:
            raise _check.value_error(where, "%s: a range with count 1 needs start == stop, got "
                                     "'%s'" % (p.keyword, s))
        # the C expression a + (b - a) * (double)i / (double)(cnt - 1), in its order
        return np.array([a if cnt == 1 else a + (b - a) * float(i) / float(cnt - 1)
                         for i in range(cnt)], dtype=np.float64)
    toks = s.split(",")
    if any(t == "" for t in toks):
        raise _check.value_error(where, "%s must be a comma list of values %s, with no empty "
                                 "element, got '%s'" % (p.keyword, range_text(p), s))
    return np.array([_element(t, p, where) for t in toks], dtype=np.float64)


def _real_value(x, p, where):
    v = _check.number(x, p.keyword, where)
    if not math.isfinite(v) or not _in_range(v, p):
        raise _check.value_error(where, "%s must be %s, got %r" % (p.keyword, range_text(p), v))
    return v


def _list_value(x, p, where):
    """A LIST from a number or a one-dimensional sequence of numbers."""
    if isinstance(x, (bytes, dict, set)):
        raise TypeError("%s: %s must be a number, a non-empty sequence of numbers or the CLI's "
                        "text, got %s" % (where, p.keyword, _check._fmt(x)))
    if np.ndim(x) == 0:
        return np.array([_real_value(x, p, where)], dtype=np.float64)
    if np.ndim(x) != 1 or np.size(x) == 0:
        raise TypeError("%s: %s must be a number, a non-empty sequence of numbers or the CLI's "
                        "text, got %s" % (where, p.keyword, _check._fmt(x)))
    return np.array([_real_value(v, p, where) for v in list(x)], dtype=np.float64)


def parse_one(p, x, where):
    """The value of parameter p from the caller's x (text as on the CLI, or
    a Python number / sequence): a float (REAL), an int (COUNT, SEED) or a
    float64 array (LIST)."""
    text = isinstance(x, str)
    if p.kind == SEED:
        return (_unsigned_text(x, 0, _check.UINT64_MAX, p, where) if text
                else _check.integer(x, p.keyword, 0, _check.UINT64_MAX, where))
    if p.kind == COUNT:
        # model_opts.c: (size_t)p->lo, (size_t)p->hi
        lo, hi = int(p.lo), int(p.hi)
        return (_unsigned_text(x, lo, hi, p, where) if text
                else _check.integer(x, p.keyword, lo, hi, where))
    if p.kind == LIST:
        return _list_text(x, p, where) if text else _list_value(x, p, where)
    return _element(x, p, where) if text else _real_value(x, p, where)


def parse(table, given, where):
    """Every parameter's value: the caller's keyword, else the table's
    default text. An unknown keyword is a TypeError, as for a function."""
    known = {p.keyword for p in table}
    extra = sorted(set(given) - known)
    if extra:
        raise TypeError("%s: unexpected keyword argument%s %s (the model's parameters: %s)"
                        % (where, "s" if len(extra) > 1 else "", ", ".join(extra),
                           ", ".join(p.keyword for p in table)))
    return {p.keyword: parse_one(p, given[p.keyword] if p.keyword in given else p.default,
                                 where) for p in table}


def values_struct(table, vals):
    """The fate_param_value array of make (in the table's order) and the
    arrays it points into (keep them alive while make runs)."""
    out = (fate_param_value * max(1, len(table)))()
    keep = []
    for i, p in enumerate(table):
        v = vals[p.keyword]
        if p.kind == SEED:
            out[i].seed = v
            continue
        a = np.ascontiguousarray(np.atleast_1d(np.asarray(v, dtype=np.float64)))
        keep.append(a)
        out[i].v = a.ctypes.data_as(ctypes.POINTER(ctypes.c_double))
        out[i].n = a.size
    return out, keep
