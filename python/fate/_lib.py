"""Finding and loading libfate, and the ctypes mirrors of include/fate.h,
include/fate_mlp.h (the two-layer network) and include/fate_model.h (the
model interface).

Layout assumption
-----------------
Every struct below mirrors the C struct of the same name in its header
field by field, in the same order and with the same C types:

    size_t   -> ctypes.c_size_t       uint64_t -> ctypes.c_uint64
    double   -> ctypes.c_double       int, enum -> ctypes.c_int
    unsigned -> ctypes.c_uint         pointers -> POINTER(...) / CFUNCTYPE(...)

ctypes lays a Structure out with the platform C ABI (natural alignment, no
packing), exactly as the C compiler does for these plain structs, so sizes and
offsets agree. tests/python/test_layout.py checks sizeof and offsetof of every
field against a C program compiled with the real headers. If a header
changes, change the mirror here in the same commit.

The enum fate_status is returned as a C int (values 0..7).
"""

import ctypes
import ctypes.util
import os
import threading

from ctypes import (CFUNCTYPE, POINTER, Structure, c_char_p, c_double, c_int, c_size_t, c_ulonglong,
                    c_uint, c_uint64, c_void_p)

# ---------------------------------------------------------------------------
# Status codes and errors
# ---------------------------------------------------------------------------

FATE_OK = 0
FATE_EINVAL = 1
FATE_ENOMEM = 2
FATE_EDIVERGED = 3
FATE_ENUMERIC = 4
FATE_EIO = 5
FATE_EINTERRUPTED = 6
FATE_EDOMAIN = 7

STATUS_NAMES = {
    FATE_OK: "FATE_OK",
    FATE_EINVAL: "FATE_EINVAL",
    FATE_ENOMEM: "FATE_ENOMEM",
    FATE_EDIVERGED: "FATE_EDIVERGED",
    FATE_ENUMERIC: "FATE_ENUMERIC",
    FATE_EIO: "FATE_EIO",
    FATE_EINTERRUPTED: "FATE_EINTERRUPTED",
    FATE_EDOMAIN: "FATE_EDOMAIN",
}

METHOD_SCRATCH = 1 << 0
METHOD_LT = 1 << 1
METHOD_FT = 1 << 2
METHOD_LPFT = 1 << 3
METHOD_L2SP = 1 << 4
METHOD_RIDGE = 1 << 5
METHOD_RIDGE_CV = 1 << 6
METHOD_EARLY_STOP = 1 << 7
METHOD_L2SP_W = 1 << 8
METHOD_BITS = {"scratch": METHOD_SCRATCH, "lt": METHOD_LT, "ft": METHOD_FT,
               "lpft": METHOD_LPFT, "l2sp": METHOD_L2SP, "ridge": METHOD_RIDGE,
               "ridge_cv": METHOD_RIDGE_CV, "early_stop": METHOD_EARLY_STOP,
               "l2sp_w": METHOD_L2SP_W}
METHOD_WHAT = {0: "pretraining", METHOD_SCRATCH: "scratch training",
               METHOD_LT: "linear transfer", METHOD_FT: "fine-tuning",
               METHOD_LPFT: "LP-FT (linear probe, then fine-tuning)",
               METHOD_L2SP: "parameter transfer", METHOD_RIDGE: "ridge at the optimal lambda",
               METHOD_RIDGE_CV: "ridge with lambda by leave-one-out",
               METHOD_EARLY_STOP: "early-stopped scratch training",
               METHOD_L2SP_W: "weight-level L2-SP"}
#: fate_spec.l2sp_lambda: the optimal ridge of parameter transfer (FATE_LAMBDA_OPT).
LAMBDA_OPT = -1.0


class FateError(RuntimeError):
    """An error reported by libfate.

    Attributes: ``status`` (the fate_status code, an int), ``status_name``
    (e.g. ``"FATE_EDIVERGED"``), ``strerror`` (fate_strerror's message) and
    ``detail`` (fate_spec_check's / fate_sweep_check's message for invalid
    specs, or the failing method, step and instance of a divergence).
    ``str(err)`` holds all of them.
    """

    def __init__(self, status, detail=None, strerror=None):
        self.status = int(status)
        self.status_name = STATUS_NAMES.get(self.status, "status %d" % self.status)
        self.strerror = strerror if strerror is not None else _strerror(self.status)
        self.detail = detail
        msg = self.strerror
        if detail:
            msg = "%s: %s" % (msg, detail)
        super().__init__(msg)


class FateValueError(FateError, ValueError):
    """FATE_EINVAL: an argument out of range (also a ValueError)."""


class FateDiverged(FateError):
    """FATE_EDIVERGED: a training produced NaN/inf or a growing loss.

    Extra attributes: ``method`` ("pretrain", "scratch", "lt" or "ft"),
    ``step`` (GD step), ``instance`` and, for sweeps, ``gamma_index`` and
    ``theta_index``.
    """


class FateUndefined(FateError, ValueError):
    """FATE_EDOMAIN: the quantity is undefined for this input (also a
    ValueError), e.g. a transferability score that needs two classes given
    one, or LogME given constant targets (include/fate_score.h)."""


def error_for(status, detail=None, **attrs):
    """The exception for a non-OK status (FateValueError for FATE_EINVAL,
    FateDiverged for FATE_EDIVERGED, FateUndefined for FATE_EDOMAIN)."""
    cls = {FATE_EINVAL: FateValueError, FATE_EDIVERGED: FateDiverged,
           FATE_EDOMAIN: FateUndefined}.get(int(status), FateError)
    err = cls(status, detail)
    for k, v in attrs.items():
        setattr(err, k, v)
    return err


# ---------------------------------------------------------------------------
# Struct mirrors (same order and types as include/fate.h)
# ---------------------------------------------------------------------------


class fate_dln_shape(Structure):
    _fields_ = [("d", c_size_t), ("width", c_size_t), ("depth", c_size_t)]


class fate_gd_config(Structure):
    _fields_ = [("lr", c_double), ("max_epochs", c_size_t), ("tol", c_double),
                ("loss_min", c_double), ("weight_decay", c_double)]


class fate_gd_report(Structure):
    _fields_ = [("loss0", c_double), ("loss", c_double), ("lr", c_double),
                ("steps", c_size_t), ("converged", c_int), ("on_saddle", c_int),
                ("diverged_step", c_size_t)]


class fate_spec(Structure):
    _fields_ = [("d", c_size_t), ("depth", c_size_t), ("width", c_size_t), ("n", c_size_t),
                ("theta", c_double), ("sigma", c_double), ("n_src", c_size_t),
                ("sigma_src", c_double), ("lambda_", c_double), ("rcond", c_double),
                ("init_scale", c_double), ("lr", c_double), ("max_epochs", c_size_t),
                ("tol", c_double), ("weight_decay", c_double), ("seed", c_uint64),
                ("methods", c_uint), ("source_scale", c_double), ("target_scale", c_double),
                ("l2sp_lambda", c_double), ("k", c_size_t), ("spectrum", POINTER(c_double)),
                ("align", c_uint)]


class fate_method_result(Structure):
    _fields_ = [("risk", c_double), ("train_loss", c_double), ("loss_min", c_double),
                ("steps", c_size_t), ("converged", c_int), ("on_saddle", c_int),
                ("balance", c_double), ("lr", c_double)]


class fate_instance_result(Structure):
    _fields_ = [("pretrain", fate_method_result), ("scratch", fate_method_result),
                ("lt", fate_method_result), ("ft", fate_method_result),
                ("feature_rank", c_size_t), ("feature_sv1", c_double),
                ("feature_sv2", c_double), ("ft_c", c_double),
                ("lpft", fate_method_result), ("l2sp", fate_method_result),
                ("lpft_c", c_double), ("l2sp_lambda", c_double),
                ("ridge", fate_method_result), ("ridge_cv", fate_method_result),
                ("ridge_cv_lambda", c_double), ("early_stop", fate_method_result),
                ("early_stop_step", c_size_t), ("l2sp_w", fate_method_result)]


class fate_traj_point(Structure):
    _fields_ = [("method", c_uint), ("step", c_size_t), ("risk", c_double),
                ("train_loss", c_double), ("balance", c_double), ("c", c_double)]


class fate_spec_theory(Structure):
    _fields_ = [("scratch", c_double), ("lt", c_double), ("ft", c_double),
                ("ft_paper", c_double), ("ft_c", c_double), ("T_lt", c_double),
                ("T_ft", c_double), ("T_ft_paper", c_double), ("lpft", c_double),
                ("lpft_c", c_double), ("l2sp", c_double), ("l2sp_lambda", c_double),
                ("T_lpft", c_double), ("T_l2sp", c_double), ("ridge", c_double),
                ("ridge_lambda", c_double), ("T_ridge", c_double)]


class fate_sweep(Structure):
    _fields_ = [("base", fate_spec), ("gammas", POINTER(c_double)), ("n_gammas", c_size_t),
                ("thetas", POINTER(c_double)), ("n_thetas", c_size_t),
                ("lambdas", POINTER(c_double)), ("n_lambdas", c_size_t),
                ("instances", c_size_t), ("threads", c_int), ("baseline", c_uint)]


class fate_cell(Structure):
    _fields_ = [("gamma_index", c_size_t), ("theta_index", c_size_t),
                ("gamma", c_double), ("theta", c_double), ("n", c_size_t),
                ("instances", c_size_t), ("n_lambdas", c_size_t),
                ("pretrain", POINTER(fate_method_result)),
                ("scratch", POINTER(fate_method_result)),
                ("lt", POINTER(fate_method_result)),
                ("ft", POINTER(fate_method_result)),
                ("ft_c", POINTER(c_double)),
                ("lpft", POINTER(fate_method_result)), ("lpft_c", POINTER(c_double)),
                ("l2sp", POINTER(fate_method_result)), ("l2sp_lambda", POINTER(c_double)),
                ("ridge", POINTER(fate_method_result)),
                ("ridge_cv", POINTER(fate_method_result)),
                ("ridge_cv_lambda", POINTER(c_double)),
                ("early_stop", POINTER(fate_method_result))]


SKIP_FN = CFUNCTYPE(c_int, c_void_p, c_size_t, c_size_t)
CELL_DONE_FN = CFUNCTYPE(c_int, c_void_p, POINTER(fate_cell))
SHOULD_STOP_FN = CFUNCTYPE(c_int, c_void_p)
PROGRESS_FN = CFUNCTYPE(None, c_void_p, c_size_t, c_size_t)


class fate_sweep_hooks(Structure):
    _fields_ = [("ctx", c_void_p), ("skip", SKIP_FN), ("cell_done", CELL_DONE_FN),
                ("should_stop", SHOULD_STOP_FN), ("progress", PROGRESS_FN)]


class fate_sweep_error(Structure):
    _fields_ = [("method", c_uint), ("step", c_size_t), ("instance", c_uint64),
                ("gamma_index", c_size_t), ("theta_index", c_size_t)]


class fate_theory_point(Structure):
    _fields_ = [("gamma", c_double), ("theta", c_double), ("sigma", c_double),
                ("lambda_", c_double), ("gamma_src", c_double), ("sigma_src", c_double),
                ("d", c_size_t), ("depth", c_size_t),
                ("R_sc", c_double), ("R_lt", c_double), ("R_ft", c_double),
                ("T_lt", c_double), ("T_ft", c_double), ("T_ft_gf", c_double),
                ("R_ft_gf", c_double), ("c_gf", c_double),
                ("R_sc_exact", c_double), ("R_lt_exact", c_double), ("T_lt_exact", c_double),
                ("T_ft_exact", c_double), ("T_ft_gf_exact", c_double),
                ("kl", c_double),
                # the methods beyond the paper (THEORY.md section 8), appended
                ("l2sp_lambda", c_double),
                ("R_lpft", c_double), ("T_lpft", c_double), ("c_lpft", c_double),
                ("R_l2sp", c_double), ("T_l2sp", c_double), ("lambda_l2sp", c_double),
                ("R_ridge", c_double), ("T_ridge", c_double), ("lambda_ridge", c_double),
                ("R_lpft_exact", c_double), ("T_lpft_exact", c_double), ("c_lpft_exact", c_double),
                ("R_l2sp_exact", c_double), ("T_l2sp_exact", c_double),
                ("lambda_l2sp_exact", c_double),
                ("R_ridge_exact", c_double), ("T_ridge_exact", c_double),
                ("lambda_ridge_exact", c_double)]


# ---------------------------------------------------------------------------
# include/fate_mlp.h: the two-layer network (enums are C ints)
# ---------------------------------------------------------------------------

class fate_mlp_gd_config(Structure):
    _fields_ = [("lr", c_double), ("max_steps", c_size_t), ("batch", c_size_t),
                ("tol", c_double), ("rel_tol", c_double), ("window", c_size_t),
                ("freeze_W", c_int), ("seed", c_uint64), ("instance", c_uint64),
                ("optimizer", c_int), ("beta1", c_double), ("beta2", c_double),
                ("precision", c_int)]


class fate_relu_spec(Structure):
    _fields_ = [("d", c_size_t), ("mstar", c_size_t), ("m", c_size_t), ("act", c_int),
                ("scaling", c_int), ("single_index", c_int), ("mu", c_double),
                ("theta", c_double), ("n", c_size_t), ("n_src", c_size_t), ("sigma", c_double),
                ("sigma_src", c_double), ("lambda_", c_double), ("rcond", c_double),
                ("w_init", c_double), ("c_init", c_double), ("gd", fate_mlp_gd_config),
                ("n_test", c_size_t), ("seed", c_uint64), ("methods", c_uint),
                ("online_src", c_int), ("pperp_rcond", c_double),
                ("optimize_pretrain", c_int), ("pretrain_steps", c_size_t),
                ("pretrain_lr", c_double)]


class fate_relu_method_result(Structure):
    _fields_ = [("risk", c_double), ("risk_se", c_double), ("train_loss", c_double),
                ("steps", c_size_t), ("converged", c_int), ("lr_eff", c_double),
                ("w_move", c_double)]


class fate_relu_result(Structure):
    _fields_ = [("pretrain", fate_relu_method_result), ("scratch", fate_relu_method_result),
                ("lt", fate_relu_method_result), ("ft", fate_relu_method_result),
                ("lt_rank", c_size_t), ("target_norm2", c_double),
                ("pperp_student", c_double), ("pperp_source", c_double),
                ("lpft", fate_relu_method_result)]


class fate_relu_sweep(Structure):
    _fields_ = [("base", fate_relu_spec), ("overlaps", POINTER(c_double)),
                ("n_overlaps", c_size_t), ("ns", POINTER(c_size_t)), ("n_ns", c_size_t),
                ("instances", c_size_t), ("threads", c_int)]


# ---------------------------------------------------------------------------
# include/fate_model.h: the model interface (every model's sweep, one path)
# ---------------------------------------------------------------------------

FATE_COL_REAL, FATE_COL_COUNT, FATE_COL_WORD = 0, 1, 2
FATE_ROLE_VALUE, FATE_ROLE_COORD, FATE_ROLE_KEY, FATE_ROLE_INSTANCE = 0, 1, 2, 3
FATE_PARAM_REAL, FATE_PARAM_COUNT, FATE_PARAM_LIST, FATE_PARAM_SEED = 0, 1, 2, 3


class fate_column(Structure):
    _fields_ = [("name", c_char_p), ("kind", c_int), ("role", c_int), ("finite", c_int),
                ("label", c_char_p)]


class fate_param(Structure):
    _fields_ = [("name", c_char_p), ("kind", c_int), ("lo", c_double), ("hi", c_double),
                ("lo_open", c_int), ("def_", c_char_p), ("help", c_char_p)]


class fate_param_value(Structure):
    _fields_ = [("v", POINTER(c_double)), ("n", c_size_t), ("seed", c_ulonglong)]


class fate_table(Structure):
    _fields_ = [("row", c_size_t), ("col", c_size_t), ("n_rows", c_size_t),
                ("v", POINTER(c_double))]


TABLE_DONE_FN = CFUNCTYPE(c_int, c_void_p, POINTER(fate_table))


class fate_model_hooks(Structure):
    _fields_ = [("ctx", c_void_p), ("skip", SKIP_FN), ("cell_done", TABLE_DONE_FN),
                ("should_stop", SHOULD_STOP_FN), ("progress", PROGRESS_FN)]


# The sweep argument of a model's functions is the model's own struct
# (fate_sweep, fate_relu_sweep), passed as its address.
MODEL_COLUMNS_FN = CFUNCTYPE(POINTER(fate_column), c_void_p, POINTER(c_size_t))
MODEL_CHECK_FN = CFUNCTYPE(c_char_p, c_void_p)
MODEL_GRID_FN = CFUNCTYPE(None, c_void_p, POINTER(c_size_t), POINTER(c_size_t))
MODEL_KEYS_FN = CFUNCTYPE(c_size_t, c_void_p, c_size_t, c_size_t, POINTER(c_double))
MODEL_RUN_FN = CFUNCTYPE(c_int, c_void_p, POINTER(fate_model_hooks), POINTER(fate_sweep_error))
MODEL_MAKE_FN = CFUNCTYPE(c_int, POINTER(c_void_p), POINTER(fate_param_value), POINTER(c_char_p))
MODEL_DESTROY_FN = CFUNCTYPE(None, c_void_p)
MODEL_THEORY_FN = CFUNCTYPE(None, c_void_p, POINTER(c_double), POINTER(c_double))


class fate_model(Structure):
    _fields_ = [("name", c_char_p), ("words", POINTER(c_char_p)), ("n_words", c_size_t),
                ("columns", MODEL_COLUMNS_FN), ("check", MODEL_CHECK_FN),
                ("grid", MODEL_GRID_FN), ("cell_keys", MODEL_KEYS_FN), ("run", MODEL_RUN_FN),
                ("col_major", c_int), ("title", c_char_p), ("params", POINTER(fate_param)),
                ("n_params", c_size_t), ("make", MODEL_MAKE_FN), ("destroy", MODEL_DESTROY_FN),
                ("row_axis", c_size_t), ("col_axis", c_size_t), ("figure_value", c_size_t),
                ("figure_diverging", c_int), ("theory_names", POINTER(c_char_p)),
                ("n_theory", c_size_t), ("theory", MODEL_THEORY_FN)]


def model(name):
    """The registered fate_model of that name (fate_model_find: a ctypes view
    of the library's static struct). The registry of src/model.c is the only
    list of models, so a model added in C needs no change here."""
    m = library().fate_model_find(name.encode()) if isinstance(name, str) else None
    if not m:
        raise ValueError("unknown model %r (models: %s)" % (name, ", ".join(models())))
    return m.contents


def models():
    """The names of the registered models, in the registry's order
    (fate_model_at)."""
    lib, out = library(), []
    while True:
        m = lib.fate_model_at(len(out))
        if not m:
            return out
        out.append(m.contents.name.decode())


# Every mirrored struct, by its C name (the field "lambda_" is C's "lambda").
STRUCTS = {cls.__name__: cls for cls in (
    fate_dln_shape, fate_gd_config, fate_gd_report, fate_spec, fate_method_result,
    fate_instance_result, fate_traj_point, fate_spec_theory, fate_sweep, fate_cell, fate_sweep_hooks,
    fate_sweep_error, fate_theory_point, fate_mlp_gd_config, fate_relu_spec,
    fate_relu_method_result, fate_relu_result, fate_relu_sweep, fate_column, fate_table,
    fate_model_hooks, fate_model, fate_param, fate_param_value)}


def c_field_name(name):
    """C spelling of a mirrored field name ("lambda_" -> "lambda")."""
    return {"lambda_": "lambda", "def_": "def"}.get(name, name)


# ---------------------------------------------------------------------------
# NumPy dtypes with the same layout (for zero-copy output buffers)
# ---------------------------------------------------------------------------

def _np_format(ctype):
    import numpy as np
    if isinstance(ctype, type) and issubclass(ctype, Structure):
        return struct_dtype(ctype)
    table = {c_double: np.float64, c_size_t: np.dtype("u%d" % ctypes.sizeof(c_size_t)),
             c_uint64: np.uint64, c_int: np.intc, c_uint: np.uintc}
    if ctype in table:
        return np.dtype(table[ctype])
    # pointers and function pointers: an address-sized unsigned integer
    return np.dtype("u%d" % ctypes.sizeof(c_void_p))


def struct_dtype(cls):
    """A NumPy structured dtype with exactly the layout of ctypes struct cls."""
    import numpy as np
    names, formats, offsets = [], [], []
    for name, ctype in cls._fields_:
        names.append(c_field_name(name))
        formats.append(_np_format(ctype))
        offsets.append(getattr(cls, name).offset)
    return np.dtype({"names": names, "formats": formats, "offsets": offsets,
                     "itemsize": ctypes.sizeof(cls)})


# ---------------------------------------------------------------------------
# Finding the library
# ---------------------------------------------------------------------------

_PKG_DIR = os.path.dirname(os.path.abspath(__file__))
_LIB_NAMES = ("libfate.so.0", "libfate.so")


def _multiarch():
    try:
        import sysconfig
        return sysconfig.get_config_var("MULTIARCH") or ""
    except Exception:  # pragma: no cover
        return ""


def candidate_paths():
    """Where fate looks for the shared library, in order (FATE_LIBRARY aside).

    1. Next to an installed prefix: the package installed as
       PREFIX/lib/python3/dist-packages/fate (Debian) or
       PREFIX/lib/python3.X/site-packages/fate gives PREFIX/lib/libfate.so.0
       (and PREFIX/lib/<multiarch>/, PREFIX/lib64/).
    2. The build tree: the package used in place from the repository
       (python/fate) gives build/libfate.so (the CMake build folder).
    3. The standard directories of the dynamic loader (ldconfig cache,
       LD_LIBRARY_PATH), by soname.
    """
    out = []
    # PREFIX/lib/python3*/{dist,site}-packages/fate -> PREFIX
    site = os.path.dirname(_PKG_DIR)                  # .../dist-packages
    pyver = os.path.dirname(site)                     # .../lib/python3
    libdir = os.path.dirname(pyver)                   # .../lib
    prefix = os.path.dirname(libdir)                  # PREFIX
    if os.path.basename(site) in ("dist-packages", "site-packages"):
        dirs = [libdir]
        ma = _multiarch()
        if ma:
            dirs.append(os.path.join(prefix, "lib", ma))
        dirs += [os.path.join(prefix, "lib64"), os.path.join(prefix, "lib")]
        for d in dict.fromkeys(dirs):
            out += [os.path.join(d, n) for n in _LIB_NAMES]
    # repository/python/fate -> repository/build
    repo = os.path.dirname(site)
    for b in ("build", os.path.join("build", "src")):
        out += [os.path.join(repo, b, n) for n in ("libfate.so", "libfate.so.0")]
    return out


_lib = None
_lib_path = None
_lock = threading.Lock()


def _load_path(path):
    # RTLD_GLOBAL is not needed: libfate resolves its own dependencies.
    return ctypes.CDLL(path)


def find_library():
    """Path (or soname) of the libfate that load() would open, or None."""
    env = os.environ.get("FATE_LIBRARY")
    if env:
        return env
    for p in candidate_paths():
        if os.path.exists(p):
            return p
    name = ctypes.util.find_library("fate")
    if name:
        return name
    return None


def library():
    """The loaded libfate (a ctypes.CDLL), loading it on first use.

    FATE_LIBRARY (a path) overrides the search of candidate_paths(); when it is
    set and cannot be loaded, that is an error (no silent fallback).
    """
    global _lib, _lib_path
    if _lib is not None:
        return _lib
    with _lock:
        if _lib is not None:
            return _lib
        env = os.environ.get("FATE_LIBRARY")
        tried = []
        lib = None
        if env:
            try:
                lib = _load_path(env)
                path = env
            except OSError as e:
                raise ImportError("fate: cannot load FATE_LIBRARY=%s: %s" % (env, e)) from None
        else:
            for p in candidate_paths():
                if os.path.exists(p):
                    try:
                        lib = _load_path(p)
                        path = p
                        break
                    except OSError as e:
                        tried.append("%s (%s)" % (p, e))
            if lib is None:
                for name in ("libfate.so.0", ctypes.util.find_library("fate")):
                    if not name:
                        continue
                    try:
                        lib = _load_path(name)
                        path = name
                        break
                    except OSError as e:
                        tried.append("%s (%s)" % (name, e))
        if lib is None:
            raise ImportError(
                "fate: cannot find the shared library libfate.so. Build it (cmake; the "
                "library target must be SHARED), install it (make install), or set "
                "FATE_LIBRARY to its path. Looked in: %s%s" % (
                    ", ".join(candidate_paths()), ("; failed: " + "; ".join(tried)) if tried else ""))
        _declare(lib)
        _check_abi(lib, path)
        _lib_path = path
        _lib = lib
        return lib


#: The fate version whose fate.h these mirrors follow (major, minor).
ABI_VERSION = (0, 1)


def _check_abi(lib, path):
    """Warn when the library's major.minor differs from the mirrored header's:
    before 1.0 a minor release may change the structs."""
    try:
        v = lib.fate_version().decode()
        major, minor = (int(x) for x in v.split(".")[:2])
    except Exception:  # pragma: no cover
        return
    if (major, minor) != ABI_VERSION:
        import warnings
        warnings.warn("fate: %s is version %s but this Python package mirrors fate.h of %d.%d; "
                      "results may be wrong (install matching versions)"
                      % (path, v, ABI_VERSION[0], ABI_VERSION[1]), RuntimeWarning, stacklevel=3)


def library_path():
    """The path (or soname) of the loaded library."""
    library()
    return _lib_path


def _declare(lib):
    """argtypes/restype of every function used by the package."""
    P = POINTER
    sig = {
        "fate_version": (c_char_p, []),
        "fate_strerror": (c_char_p, [c_int]),
        "fate_spec_default": (None, [P(fate_spec)]),
        "fate_spec_check": (c_char_p, [P(fate_spec)]),
        "fate_default_init_scale": (c_double, [c_size_t]),
        "fate_run": (c_int, [P(fate_instance_result), P(fate_spec), c_uint64, c_size_t, c_int,
                             P(c_uint), P(c_size_t), P(c_uint64)]),
        "fate_run_instance": (c_int, [P(fate_instance_result), P(fate_spec), c_uint64,
                                      P(c_uint), P(c_size_t)]),
        "fate_spec_theory_eval": (c_int, [P(fate_spec_theory), P(fate_spec)]),
        "fate_trajectory_cap": (c_size_t, [P(fate_spec), c_size_t]),
        "fate_run_trajectories": (c_int, [P(fate_traj_point), c_size_t, P(c_size_t),
                                          P(fate_instance_result), P(fate_spec), c_uint64, c_size_t,
                                          c_size_t, c_int, P(c_uint), P(c_size_t), P(c_uint64)]),
        "fate_theory_saxe": (c_int, [P(c_double), P(c_size_t), c_size_t, c_double, c_double,
                                     c_double, c_int, c_int]),
        "fate_pretrain_u0": (c_int, [P(c_double), P(c_double), P(c_double), P(c_int), P(fate_spec),
                                     c_uint64]),
        "fate_sweep_check": (c_char_p, [P(fate_sweep)]),
        "fate_sweep_run": (c_int, [P(fate_sweep), P(fate_sweep_hooks), P(fate_sweep_error)]),
        "fate_theory_scratch": (c_double, [c_double, c_double]),
        "fate_theory_scratch_exact": (c_double, [c_size_t, c_size_t, c_double]),
        "fate_theory_lt_exact": (c_double, [c_size_t, c_double, c_double]),
        "fate_theory_lt_ridge": (c_double, [c_double, c_double]),
        "fate_theory_source_moments": (None, [P(c_double), P(c_double), c_double, c_double,
                                              c_double]),
        "fate_theory_source_moments_exact": (None, [P(c_double), P(c_double), c_double,
                                                    c_size_t, c_size_t, c_double]),
        "fate_theory_lt_moments": (c_double, [c_double, c_double, c_double]),
        "fate_theory_lt_source": (c_double, [c_double, c_double, c_double]),
        "fate_theory_lt_exact_moments": (c_double, [c_size_t, c_double, c_double, c_double]),
        "fate_theory_T_ft": (c_double, [c_double, c_double]),
        "fate_theory_T_ft_source": (c_double, [c_double, c_double, c_double, c_double]),
        "fate_theory_ft_c": (c_double, [c_double, c_double, c_double, c_size_t]),
        "fate_theory_T_ft_gf": (c_double, [c_double, c_double, c_double, c_size_t]),
        "fate_theory_T_ft_gf_exact": (c_double, [c_size_t, c_size_t, c_double, c_double,
                                                 c_double, c_size_t]),
        "fate_theory_lt_boundary": (c_int, [P(c_double), P(c_double), P(c_double), c_double,
                                            c_double]),
        "fate_theory_kl_linear": (c_double, [c_double, c_double]),
        "fate_theory_ridge": (c_double, [c_double, c_double, c_double, c_double]),
        "fate_theory_ridge_exact": (c_double, [c_size_t, c_size_t, c_double, c_double]),
        "fate_theory_ridge_lambda_opt": (c_double, [c_double, c_double, c_double]),
        "fate_theory_l2sp": (c_double, [c_double, c_double, c_double, c_double, c_double]),
        "fate_theory_lpft_c": (c_double, [c_double, c_double, c_double, c_double, c_size_t]),
        "fate_theory_lpft_c_exact": (c_double, [c_size_t, c_size_t, c_double, c_double, c_double,
                                                c_double, c_size_t]),
        "fate_theory_T_lpft_exact": (c_double, [c_size_t, c_size_t, c_double, c_double, c_double,
                                                c_double, c_size_t]),
        "fate_theory_T_lpft": (c_double, [c_double, c_double, c_double, c_size_t]),
        "fate_theory_lpft_c_moments": (c_double, [c_double, c_double, c_double, c_double,
                                                  c_double, c_size_t]),
        "fate_theory_T_lpft_moments": (c_double, [c_double, c_double, c_double, c_double,
                                                  c_double, c_size_t]),
        "fate_theory_lpft_boundary": (None, [P(c_double), P(c_double), c_double, c_double,
                                             c_size_t]),
        "fate_theory_l2sp_boundary": (c_double, [c_double, c_double]),
        "fate_theory_lt_k_exact": (c_double, [c_size_t, c_size_t, c_double, c_double]),
        "fate_theory_lt_k_ridge": (c_double, [c_double, c_double, c_double, c_double, c_double]),
        "fate_theory_lt_k": (c_double, [c_double, c_double, c_double, c_double]),
        "fate_theory_lt_k_best": (c_int, [P(c_size_t), P(c_double), P(c_double), c_size_t, c_size_t,
                                          c_double]),
        "fate_theory_eval": (c_int, [P(fate_theory_point)]),
        "fate_spectrum_powerlaw": (c_int, [P(c_double), c_size_t, c_double]),
        "fate_spectrum_spiked": (c_int, [P(c_double), c_size_t, c_size_t, c_double]),
        "fate_theory_aniso_kappa": (c_int, [P(c_double), P(c_double), c_size_t, c_size_t, c_double]),
        "fate_theory_aniso_ridge": (c_int, [P(c_double), P(c_double), P(c_double), P(c_double),
                                            P(c_double), c_size_t, c_size_t, c_double, c_double]),
        "fate_theory_aniso_lt_exact": (c_int, [P(c_double), P(c_double), P(c_double), P(c_double),
                                               c_size_t, c_size_t, c_double]),
        "fate_normal_at": (c_double, [c_uint64, c_uint64, c_uint64, c_uint64]),
        "fate_uniform_at": (c_double, [c_uint64, c_uint64, c_uint64, c_uint64]),
        "fate_normal_fill": (None, [P(c_double), c_size_t, c_uint64, c_uint64, c_uint64,
                                    c_uint64]),
        "fate_relu_spec_default": (None, [P(fate_relu_spec)]),
        "fate_relu_spec_check": (c_char_p, [P(fate_relu_spec)]),
        "fate_model_find": (POINTER(fate_model), [c_char_p]),
        "fate_model_at": (POINTER(fate_model), [c_size_t]),
        "fate_relu_run_instance": (c_int, [P(fate_relu_result), P(c_double), P(c_double),
                                           P(fate_relu_spec), c_uint64, P(c_uint), P(c_size_t)]),
    }
    # include/fate_score.h (fate.scores): (outputs, F or P_src, y or labels, n, p, C, parameters)
    d, i, z = P(c_double), P(c_int), c_size_t
    for name, args in (("fate_score_logme", [d, d, d, d, d, z, z]),
                       ("fate_score_logme_class", [d, d, i, z, z, z]),
                       ("fate_score_probe", [d, d, d, d, z, z, c_double]),
                       ("fate_score_knn", [d, d, d, z, z, z]),
                       ("fate_score_knn_class", [d, d, i, z, z, z, z]),
                       ("fate_score_leep", [d, d, i, z, z, z]),
                       ("fate_score_nce", [d, i, i, z, z, z]),
                       ("fate_score_hscore", [d, d, i, z, z, z]),
                       ("fate_score_gbc", [d, d, i, z, z, z]),
                       ("fate_score_transrate", [d, d, i, z, z, z, c_double])):
        sig[name] = (c_int, args)
    missing = []
    for name, (res, args) in sig.items():
        try:
            f = getattr(lib, name)
        except AttributeError:
            missing.append(name)
            continue
        f.restype = res
        f.argtypes = args
    if missing:
        raise ImportError("fate: the library lacks %s (built from another version of fate?)"
                          % ", ".join(missing))
    # OpenBLAS thread control (present when libfate links OpenBLAS) and
    # OpenMP's (libgomp: the thread count of models without a threads field,
    # fate.phase(model=...)); optional
    for name, res, args in (("openblas_get_num_threads", c_int, []),
                            ("openblas_set_num_threads", None, [c_int]),
                            ("omp_get_max_threads", c_int, []),
                            ("omp_set_num_threads", None, [c_int])):
        f = getattr(lib, name, None)
        if f is not None:
            f.restype = res
            f.argtypes = args


def _strerror(status):
    try:
        s = library().fate_strerror(int(status))
    except Exception:  # the library could not be loaded
        return STATUS_NAMES.get(int(status), "status %d" % int(status))
    return s.decode() if s else "unknown status %d" % int(status)


def version():
    """fate_version() of the loaded library, e.g. "0.1.0"."""
    return library().fate_version().decode()


class keep_blas_threads:
    """Context manager: restore OpenBLAS's thread count after a fate call.

    fate_run and fate_sweep_run call openblas_set_num_threads(1) for the whole
    process. NumPy on Debian uses the same libopenblas, so without this every
    later NumPy matrix product would run on one thread.
    """

    def __enter__(self):
        lib = library()
        self._get = getattr(lib, "openblas_get_num_threads", None)
        self._set = getattr(lib, "openblas_set_num_threads", None)
        self._n = self._get() if self._get is not None and self._set is not None else None
        return self

    def __exit__(self, *exc):
        if self._n is not None and self._n > 0:
            self._set(self._n)
        return False
