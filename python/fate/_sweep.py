"""Sweeps through the library: the hooks every sweep shares (stop, progress,
skip, Ctrl-C, exceptions raised in a hook) and the one path that runs any
model of include/fate_model.h and collects its cells as runs.csv rows.

A model declares the columns of its rows (name, kind, role); its `run`
hands every finished cell to the cell_done hook as a table of doubles.
model_sweep() turns those tables into one NumPy structured array whose
fields are the declared columns, in the order of the CLI's runs.csv: cells
row by row over the model's grid (column by column for the linear model),
each cell's rows as the model gives them.
REAL columns are float64, COUNT columns int64, WORD columns str (the
model's words).
"""

import ctypes
import os
import signal
import threading

import numpy as np

from ._lib import (FATE_COL_COUNT, FATE_COL_WORD, FATE_EINVAL, PROGRESS_FN, SHOULD_STOP_FN,
                   SKIP_FN, TABLE_DONE_FN, error_for, fate_model_hooks, fate_sweep_error,
                   keep_blas_threads, model)

__all__ = ["SweepInterrupted", "Hooks", "model_sweep", "model_columns", "sweep_address"]


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C (SIGINT) stopped a sweep (fate.phase, fate.phase_relu2) after
    the cells in flight.

    ``result`` holds the partial result: its "done" mask tells which cells
    finished; the other cells are NaN."""

    def __init__(self, result, where="fate.phase"):
        super().__init__("%s interrupted: %d of %d cells done"
                         % (where, int(result["done"].sum()), result["done"].size))
        self.result = result


class _SigintWatch:
    """While a sweep runs in the C library, turn SIGINT into a stop request.

    The C library cannot raise KeyboardInterrupt. In the main thread we install
    a Python handler that only sets a flag, and a wakeup fd: CPython's C-level
    handler writes a byte to it whichever thread receives the signal, so the
    should_stop hook (called from OpenMP threads) sees it at once even when
    the main thread is busy inside C.
    """

    def __init__(self):
        self.active = False
        self.hit = threading.Event()

    def __enter__(self):
        if threading.current_thread() is not threading.main_thread():
            return self
        try:
            old = signal.getsignal(signal.SIGINT)
        except (ValueError, OSError):  # pragma: no cover
            return self
        if old in (signal.SIG_IGN, None):
            return self
        self.old_handler = old
        self.r, self.w = os.pipe()
        os.set_blocking(self.r, False)
        os.set_blocking(self.w, False)
        try:
            signal.signal(signal.SIGINT, lambda signum, frame: self.hit.set())
            self.old_fd = signal.set_wakeup_fd(self.w, warn_on_full_buffer=False)
        except (ValueError, OSError):  # pragma: no cover
            signal.signal(signal.SIGINT, old)
            os.close(self.r)
            os.close(self.w)
            return self
        self.active = True
        return self

    def poll(self):
        if not self.active:
            return False
        if self.hit.is_set():
            return True
        try:
            data = os.read(self.r, 512)
        except (BlockingIOError, OSError):
            return False
        if data and signal.SIGINT in data:
            self.hit.set()
        return self.hit.is_set()

    def __exit__(self, *exc):
        if self.active:
            self.poll()
            signal.set_wakeup_fd(self.old_fd)
            signal.signal(signal.SIGINT, self.old_handler)
            os.close(self.r)
            os.close(self.w)
            self.active = False
        return False


class Hooks:
    """The user's hooks of a sweep, wrapped for the library's threads.

    should_stop() -> bool, progress(done, total) and skip(row, col) -> bool
    (optional, callables; `skip` gets the indices in the order the caller's
    wrapper gives). A hook that raises stops the sweep; the exception is kept
    in `errors` and re-raised by the caller after the sweep returned. SIGINT
    (main thread only) stops the sweep too (`watch.hit`)."""

    def __init__(self, where, should_stop=None, progress=None, skip=None):
        for name, fn in (("should_stop", should_stop), ("progress", progress), ("skip", skip)):
            if fn is not None and not callable(fn):
                raise TypeError("%s: %s must be callable" % (where, name))
        self.should_stop, self.progress, self.skip = should_stop, progress, skip
        self.errors = []
        self.watch = _SigintWatch()

    def guard(self, on_cell):
        """on_cell(*args) made safe for a cell_done hook: 0, or 1 to stop."""
        def cell_done(*args):
            try:
                on_cell(*args)
                return 0
            except BaseException as e:  # stop the sweep, re-raise afterwards
                self.errors.append(e)
                return 1
        return cell_done

    def on_stop(self, ctx):
        try:
            if self.errors or self.watch.poll():
                return 1
            return 1 if (self.should_stop is not None and self.should_stop()) else 0
        except BaseException as e:
            self.errors.append(e)
            return 1

    def on_progress(self, ctx, n_done, total):
        try:
            self.progress(int(n_done), int(total))
        except BaseException as e:
            self.errors.append(e)

    def on_skip(self, ctx, a, b):
        try:
            return 1 if self.skip(int(a), int(b)) else 0
        except BaseException as e:
            self.errors.append(e)
            return 0

    def fill(self, hooks, cell_done_type, on_cell):
        """Sets the fields of a hooks struct (fate_sweep_hooks,
        fate_model_hooks); keeps the CFUNCTYPE objects alive with self."""
        self._keep = (cell_done_type(self.guard(on_cell)), SHOULD_STOP_FN(self.on_stop),
                      PROGRESS_FN(self.on_progress) if self.progress is not None else PROGRESS_FN(),
                      SKIP_FN(self.on_skip) if self.skip is not None else SKIP_FN())
        hooks.cell_done, hooks.should_stop, hooks.progress, hooks.skip = self._keep
        return hooks


def sweep_address(sweep):
    """The address a model's functions take: a ctypes struct of the model's
    own type (fate_sweep, fate_relu_sweep), or the c_void_p a model's make
    returned (its struct is opaque to Python)."""
    if isinstance(sweep, ctypes.c_void_p):
        return sweep.value
    return ctypes.addressof(sweep)


def model_columns(name, sweep):
    """The columns a model declares for a sweep: [(name, kind, role)], kind
    and role as the FATE_COL_* and FATE_ROLE_* values of fate_model.h."""
    m = model(name)
    n = ctypes.c_size_t()
    cols = m.columns(sweep_address(sweep), ctypes.byref(n))
    return [(cols[i].name.decode(), cols[i].kind, cols[i].role) for i in range(n.value)]


def _structured(v, columns, words):
    """(rows, ncol) doubles -> structured array of the declared columns."""
    dt = []
    for name, kind, _ in columns:
        if kind == FATE_COL_WORD:
            dt.append((name, "U%d" % max(1, max(len(w) for w in words))))
        elif kind == FATE_COL_COUNT:
            dt.append((name, np.int64))
        else:
            dt.append((name, np.float64))
    out = np.empty(v.shape[0], dtype=dt)
    wa = np.array(words)
    for k, (name, kind, _) in enumerate(columns):
        x = v[:, k]
        if kind == FATE_COL_WORD:
            out[name] = wa[x.astype(np.intp)]
        elif kind == FATE_COL_COUNT:
            out[name] = np.where(np.isfinite(x), x, -1).astype(np.int64)
        else:
            out[name] = x
    return out




def model_sweep(name, sweep, where, hooks):
    """Runs the sweep `sweep` of model `name` (its struct, or the c_void_p
    of its make) through the model's `run` (fate_model.h), with the Hooks
    `hooks`.

    Returns a dict: "runs" (the structured array of every finished cell's
    rows, cells in the order of the CLI's runs.csv: fate_model.col_major), "cell"
    (rows, 2) int64 grid indices (row, col)
    of each run row, "values" (rows, n_columns) the same rows as the model's
    doubles (what its theory hook reads), "done" (rows, cols) bool,
    "columns" (name, kind, role)
    and "status", "error" (fate_sweep_error) for the caller to report.
    A sweep the model's check refuses raises FateValueError.
    """
    m = model(name)
    addr = sweep_address(sweep)
    msg = m.check(addr)
    if msg:
        raise error_for(FATE_EINVAL, "%s: %s" % (where, msg.decode()))
    columns = model_columns(name, sweep)
    ncol = len(columns)
    words = [m.words[i].decode() for i in range(m.n_words)]
    R, C = ctypes.c_size_t(), ctypes.c_size_t()
    m.grid(addr, ctypes.byref(R), ctypes.byref(C))
    cells = {}

    def on_cell(ctx, tp):
        t = tp.contents
        n = int(t.n_rows)
        a = (np.ctypeslib.as_array(t.v, shape=(n, ncol)).copy() if n
             else np.empty((0, ncol)))
        cells[(int(t.row), int(t.col))] = a

    h = hooks.fill(fate_model_hooks(), TABLE_DONE_FN, on_cell)
    err = fate_sweep_error()
    with hooks.watch, keep_blas_threads():
        st = m.run(addr, ctypes.byref(h), ctypes.byref(err))
    order = sorted(cells, key=(lambda k: (k[1], k[0])) if m.col_major else None)
    v = np.concatenate([cells[k] for k in order]) if order else np.empty((0, ncol))
    cell = np.array([k for k in order for _ in range(cells[k].shape[0])],
                    dtype=np.int64).reshape(-1, 2)
    done = np.zeros((R.value, C.value), dtype=bool)
    for k in order:
        done[k] = True
    return {"runs": _structured(v, columns, words), "values": v, "cell": cell, "done": done,
            "columns": columns, "status": st, "error": err}
