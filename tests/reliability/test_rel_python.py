"""Reliability, defect 6 (issue 12): Python must refuse numbers that do not fit.

Every numeric argument of every public function of the fate package is
checked in Python before ctypes sees it: its type (bool is not a number,
floats are not counts, strings are not numbers), finiteness, the range of its
C type (uint64, size_t, int, double), the model's own range, and the sizes it
implies (n = round(gamma d) and every allocation or int BLAS argument). A bad
value raises ValueError or TypeError naming the argument; it is never wrapped
around (ctypes truncates integers silently), never ends the process (a
segfault in the library, libgomp's abort for too many threads).

The cases run in a worker subprocess (this file run as a script), so a case
that crashes the interpreter fails that case instead of ending pytest: the
runner records the crash and restarts the worker at the next case.

Run: FATE_LIBRARY=build/libfate.so PYTHONPATH=python /usr/bin/python3 -m pytest -q
     tests/reliability/test_rel_python.py
"""
import json
import math
import os
import re
import select
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

BAD = {"2**64": 2**64, "2**63": 2**63, "-1": -1, "1e300": 1e300, "nan": math.nan,
       "inf": math.inf, "True": True, "'3'": "3", "2**61+1": 2**61 + 1}

# Ranges of the arguments, by kind; VALID[kind] lists the BAD values that are
# in range for that kind (and so are not sweep cases).
VALID = {
    "count": (),                         # an integer with a bounded range
    "size": ("2**63", "2**61+1"),        # epochs: any size_t >= 1
    "u64": ("2**63", "2**61+1"),         # seed, instance: any uint64
    "first": ("2**63", "2**61+1"),       # with instances = 1
    "real+": ("2**64", "2**63", "1e300", "2**61+1"),   # finite >= 0, no upper bound
    "real": ("2**64", "2**63", "-1", "1e300", "2**61+1"),  # finite, any sign
    "real>0": ("2**64", "2**63", "1e300", "2**61+1"),  # finite > 0
    "p": ("2**64", "2**63", "1e300", "2**61+1"),       # finite >= 1
    "ratio": (),                         # gamma: gives a size
    "ratio_src": ("inf",),               # gamma_src: inf = infinite source
    "angle": (),                         # theta in [0, pi]
    "fraction": (),                      # mu in [0, 1]
    "unit": (),                          # rcond in (0, 1)
    "threads": (),                       # [0, 1024]
    "bool": ("True",),                   # unbiased
    "theory_real": ("2**64", "2**63", "-1", "1e300", "nan", "inf", "2**61+1"),  # any double
    "theory_count": ("2**63", "2**61+1"),  # any size_t
    "theory_src": ("2**64", "2**63", "-1", "1e300", "inf", "2**61+1"),  # evaluate's gamma_src
    "theory_depth": ("2**61+1",),        # evaluate: 0 or >= 2, int64 output
    "int63": ("2**61+1",),               # evaluate's d: int64 output
}

SPEC_ARGS = {"d": "count", "gamma": "ratio", "n": "count", "theta": "angle", "sigma": "real+",
             "depth": "count", "width": "count", "lam": "real+", "gamma_src": "ratio_src",
             "n_src": "count", "sigma_src": "real+", "lr": "real+", "epochs": "size",
             "tol": "real+", "init_scale": "real+", "rcond": "unit", "weight_decay": "real+",
             "seed": "u64"}
RUN_ARGS = dict(SPEC_ARGS, instances="count", threads="threads", first="first")
PHASE_ARGS = {k: v for k, v in RUN_ARGS.items() if k not in ("gamma", "n", "theta", "lam", "first")}
PHASE_ARGS.update(gammas="ratio", thetas="angle", lambdas="real+")

RELU_ARGS = {"d": "count", "mstar": "count", "width": "count", "n_src": "count", "online": "bool",
             "sigma": "real+", "sigma_src": "real+", "n_test": "count", "lr": "real>0",
             "steps": "size", "batch": "size", "tol": "real+", "rel_tol": "real+",
             "init_scale": "real>0", "readout_init": "real+", "lam": "real+", "rcond": "unit",
             "pperp_rcond": "unit", "seed": "u64", "instances": "count", "threads": "threads"}
RUN_RELU2_ARGS = dict(RELU_ARGS, n="count", mu="fraction", theta="angle", first="first")
PHASE_RELU2_ARGS = dict(RELU_ARGS, n="count", mu="fraction", theta="angle")
RELU_BASE = dict(d=4, mstar=2, width=4, n_src=10, n_test=20, steps=20, instances=1)

R, N = "theory_real", "theory_count"
THEORY = {  # function: {argument: (valid value, kind)}, in signature order
    "risk_scratch": {"gamma": (0.5, R), "sigma": (0.2, R)},
    "risk_scratch_exact": {"n": (10, N), "d": (100, N), "sigma": (0.2, R)},
    "risk_lt_exact": {"n": (10, N), "theta": (0.3, R), "sigma": (0.2, R)},
    "risk_lt_ridge": {"theta": (0.3, R), "lam": (0.1, R)},
    "source_moments": {"theta": (0.3, R), "gamma_src": (2.0, R), "sigma_src": (0.1, R)},
    "source_moments_exact": {"theta": (0.3, R), "n_src": (50, N), "d": (20, N),
                             "sigma_src": (0.1, R)},
    "risk_lt_moments": {"m": (0.9, R), "q": (1.0, R), "lam": (0.0, R)},
    "risk_lt_source": {"theta": (0.3, R), "gamma_src": (2.0, R), "sigma_src": (0.1, R)},
    "risk_lt_exact_moments": {"n": (10, N), "m": (0.9, R), "q": (1.0, R), "sigma": (0.2, R)},
    "T_ft": {"gamma": (0.5, R), "theta": (0.3, R)},
    "T_ft_source": {"gamma": (0.5, R), "theta": (0.3, R), "gamma_src": (2.0, R),
                    "sigma_src": (0.1, R)},
    "ft_c": {"a": (0.5, R), "b": (0.6, R), "q": (1.0, R), "depth": (2, N)},
    "T_ft_gf": {"gamma": (0.5, R), "theta": (0.3, R), "sigma": (0.2, R), "depth": (2, N)},
    "T_ft_gf_exact": {"n": (10, N), "d": (100, N), "sigma": (0.2, R), "m": (0.9, R),
                      "q": (1.0, R), "depth": (2, N)},
    "lt_boundary": {"theta": (0.3, R), "sigma": (0.2, R)},
    "kl_linear": {"theta": (0.3, R), "sigma": (0.2, R)},
    "evaluate": {"gamma": (0.5, "real>0"), "theta": (0.3, "angle"), "sigma": (0.2, "real+"),
                 "lam": (0.0, "real+"), "gamma_src": (2.0, "theory_src"),
                 "sigma_src": (0.1, "real+"), "d": (20, "int63"), "depth": (2, "theory_depth")},
}

ANISO = {  # fate.aniso function: (fixed keyword arguments, {argument: (valid value, kind)})
    "spectrum_powerlaw": ({}, {"d": (10, "count"), "alpha": (1.0, "real+")}),
    "spectrum_spiked": ({}, {"d": (10, "count"), "k": (2, "count"), "ratio": (3.0, "real>0")}),
    "kappa": ({"eig": [1.0, 2.0, 3.0]}, {"n": (2, "count"), "lam": (0.1, "real+")}),
    "ridge": ({"eig": [1.0, 2.0, 3.0]}, {"n": (2, "count"), "lam": (0.1, "real+"), "sigma": (0.5, "real+")}),
    "lt_exact": ({"eig": [1.0, 2.0], "beta_s": [1.0, 0.0], "beta_t": [0.6, 0.8]},
                 {"n": (5, "count"), "sigma": (0.5, "real+")}),
}

DISTANCE = {  # function: (base keyword arguments (X, Y added), {argument: kind})
    "median_heuristic": ({}, {}),
    "mmd2": ({}, {"h": "real", "unbiased": "bool"}),
    "mmd2_linear": ({}, {"h": "real"}),
    "energy_distance": ({}, {"unbiased": "bool"}),
    "wasserstein": ({}, {"p": "p"}),
    "sliced_wasserstein": ({}, {"p": "p", "directions": "count", "seed": "u64",
                                "instance": "u64"}),
    "knn_kl": ({}, {"k": "count"}),
    "knn_tv_js": ({}, {"k": "count"}),
    "bl_lower": ({}, {"directions": "count", "seed": "u64", "instance": "u64"}),
}
GAUSS = {"gauss_mmd2": {"h": "real>0"}, "linear_joint_cov": {"sigma": "real+"}}


def sweep_cases():
    """(case id, function, argument, label of the bad value) for the sweep."""
    out = []

    def add(fn, args):
        for arg, kind in args.items():
            for label in BAD:
                if label not in VALID[kind]:
                    out.append(("%s.%s=%s" % (fn, arg, label), fn, arg, label))
    add("make_spec", SPEC_ARGS)
    add("run", RUN_ARGS)
    add("phase", PHASE_ARGS)
    add("run_relu2", RUN_RELU2_ARGS)
    add("phase_relu2", PHASE_RELU2_ARGS)
    for fn, args in THEORY.items():
        add("theory." + fn, {a: k for a, (_, k) in args.items()})
    for fn, (_, args) in ANISO.items():
        add("aniso." + fn, {a: k for a, (_, k) in args.items()})
    for fn, (_, args) in DISTANCE.items():
        add("distance." + fn, args)
    for fn, args in GAUSS.items():
        add("distance." + fn, args)
    return out


# The defect's own examples: (id, code evaluated in the worker, expectation).
# Expectation: ("raises", argument named, [other substrings]) or ("returns", value).
EXAMPLES = [
    ("gamma_wraps", "fate.run(d=10, gamma=(2**64 + 16384) / 10, instances=1)",
     ("raises", "gamma", ["2147483647", "1.8446744073709568e+18"])),
    ("gamma_src_1e300", "fate.run(d=10, gamma_src=1e300, instances=1)",
     ("raises", "gamma_src", [])),
    ("gamma_1e300", "fate.run(d=10, gamma=1e300, instances=1)", ("raises", "gamma", ["1e+300"])),
    ("first_max", "fate.run(d=10, first=2**64 - 1, instances=1)['instance'].tolist()",
     ("returns", [2**64 - 1])),
    ("first_past_max", "fate.run(d=10, first=2**64 - 1, instances=2)", ("raises", "first", [])),
    ("n_2_61", "fate.run(d=10, n=2**61 + 1, instances=1)", ("raises", "n", [])),
    ("width_2_61", "fate.run(d=10, width=2**61 + 1, instances=1)", ("raises", "width", [])),
    ("n_src_2_61", "fate.run(d=10, n_src=2**61 + 1, instances=1)", ("raises", "n_src", [])),
    ("phase_gamma_2e17", "fate.phase([0.5, 2.305843009213694e17], [0.3], d=10, instances=1)",
     ("raises", "gammas", [])),
    ("run_threads_10000", "fate.run(d=10, instances=1, threads=10000)",
     ("raises", "threads", ["1024"])),
    ("run_threads_1025", "fate.run(d=10, instances=1, threads=1025)",
     ("raises", "threads", ["1024"])),
    ("phase_threads_10000", "fate.phase([0.5], [0.3], d=10, instances=1, threads=10000)",
     ("raises", "threads", ["1024"])),
    ("d_default_width_params", "fate.run(d=50000, instances=1)", ("raises", "d", [])),
    ("depth_params", "fate.run(d=100, depth=2**40, instances=1)", ("raises", "depth", [])),
    ("phase_instances_huge", "fate.phase([0.5], [0.3], d=10, instances=2**62)",
     ("raises", "instances", [])),
    ("spec_theory_struct", "fate.spec_theory(_spec_with(n=2**61 + 1))", ("raises", "n", [])),
    ("sliced_dirs_wrap",
     "fate.distance.sliced_wasserstein(_X, _Y, directions=2**64 + 5)",
     ("raises", "directions", [])),
    ("theory_count_2_64", "fate.theory.risk_scratch_exact(2**64, 100, 0.2)", ("raises", "n", [])),
    ("theory_real_2_1024", "fate.theory.risk_scratch(2**1024, 0.2)", ("raises", "gamma", [])),
    ("run_real_2_1024", "fate.run(d=10, sigma=2**1024, instances=1)", ("raises", "sigma", [])),
    ("relu2_width_blas", "fate.run_relu2(d=10**6, width=3000, instances=1)",
     ("raises", "width", ["2147"])),
    ("relu2_n_blas", "fate.phase_relu2(d=1000, width=1000, n=[4, 3 * 10**6], instances=1)",
     ("raises", "n", ["2147483"])),
    ("relu2_act", "fate.run_relu2(act='sigmoid', instances=1)", ("raises", "act", ["relu"])),
    ("relu2_scaling", "fate.phase_relu2(scaling='ntk', instances=1)", ("raises", "scaling", [])),
    ("relu2_threads_10000", "fate.phase_relu2(n=[4], mu=[0.5], instances=1, threads=10000)",
     ("raises", "threads", ["1024"])),
    ("relu2_first_max", "fate.run_relu2(d=4, mstar=2, width=4, n_src=10, n_test=20, steps=20, "
     "first=2**64 - 1, instances=1)['instance'].tolist()", ("returns", [2**64 - 1])),
]


# ---------------------------------------------------------------------------
# The worker (this file run as a script): one JSON line per case
# ---------------------------------------------------------------------------

def _worker_call(fate, np, fn, arg, value):
    if fn in ("make_spec", "run"):
        kw = dict(d=10) if fn == "make_spec" else dict(d=10, instances=1, epochs=500)
        kw[arg] = value
        return getattr(fate, fn)(**kw)
    if fn == "phase":
        kw = dict(gammas=[0.5], thetas=[0.3], d=10, instances=1, epochs=500)
        if arg in ("gammas", "thetas", "lambdas"):
            kw[arg] = [kw.get(arg, [0.0])[0], value]
        else:
            kw[arg] = value
        return fate.phase(**kw)
    if fn in ("run_relu2", "phase_relu2"):
        grid = fn == "phase_relu2"
        kw = dict(RELU_BASE, n=[4] if grid else 4, mu=[0.5] if grid else 0.5)
        if arg == "theta":
            del kw["mu"]
            kw["theta"] = [0.3] if grid else 0.3
        if grid and arg in ("n", "mu", "theta"):
            kw[arg] = [kw[arg][0], value]
        else:
            kw[arg] = value
        return getattr(fate, fn)(**kw)
    if fn.startswith("theory."):
        name = fn.split(".", 1)[1]
        kw = {a: v for a, (v, _) in THEORY[name].items()}
        kw[arg] = value
        return getattr(fate.theory, name)(**kw)
    if fn.startswith("aniso."):
        name = fn.split(".", 1)[1]
        kw = dict(ANISO[name][0])
        kw.update({a: v for a, (v, _) in ANISO[name][1].items()})
        kw[arg] = value
        return getattr(fate.aniso, name)(**kw)
    name = fn.split(".", 1)[1]
    if name in GAUSS:
        if name == "gauss_mmd2":
            return fate.distance.gauss_mmd2([0.0, 0.0], np.eye(2), [1.0, 0.0], np.eye(2), h=value)
        return fate.distance.linear_joint_cov([0.5, 0.5], sigma=value)
    kw = dict(DISTANCE[name][0])
    kw[arg] = value
    return getattr(fate.distance, name)(_X, _Y, **kw)


def _spec_with(**fields):
    import fate
    s = fate.make_spec(d=10)
    for k, v in fields.items():
        setattr(s, k, v)
    return s


def _jsonable(v):
    try:
        json.dumps(v)
        return v
    except (TypeError, ValueError):
        return repr(v)[:200]


def worker(start):
    global _X, _Y
    import numpy as np
    import fate
    fate.library()
    rng = np.random.default_rng(1)
    _X, _Y = rng.normal(size=(20, 2)), rng.normal(size=(20, 2)) + 0.5
    cases = all_cases()
    for i in range(start, len(cases)):
        cid, kind, payload = cases[i]
        rec = {"i": i, "id": cid}
        try:
            if kind == "sweep":
                fn, arg, label = payload
                _worker_call(fate, np, fn, arg, BAD[label])
                rec.update(outcome="returns")
            else:
                rec.update(outcome="returns", value=_jsonable(eval(payload, {
                    "fate": fate, "np": np, "_X": _X, "_Y": _Y, "_spec_with": _spec_with})))
        except BaseException as e:  # noqa: B902 - the case records whatever happened
            rec.update(outcome="raises", type=type(e).__name__,
                       value_error=isinstance(e, ValueError), type_error=isinstance(e, TypeError),
                       message=str(e))
        sys.stdout.write(json.dumps(rec) + "\n")
        sys.stdout.flush()


def all_cases():
    return ([(cid, "example", code) for cid, code, _ in EXAMPLES] +
            [(cid, "sweep", (fn, arg, label)) for cid, fn, arg, label in sweep_cases()])


# ---------------------------------------------------------------------------
# The runner: every case once, a crash or hang failing only its own case
# ---------------------------------------------------------------------------

CASE_TIMEOUT = 20.0
_RESULTS = None


def _run_all():
    cases = all_cases()
    results = {}
    start = 0
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "2"))
    while start < len(cases):
        errf = tempfile.TemporaryFile()
        p = subprocess.Popen([sys.executable, os.path.abspath(__file__), "worker", str(start)],
                             stdout=subprocess.PIPE, stderr=errf, env=env)
        buf = b""
        last = time.monotonic()
        while True:
            r, _, _ = select.select([p.stdout], [], [], 1.0)
            if r:
                chunk = os.read(p.stdout.fileno(), 65536)
                if not chunk:
                    break
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    rec = json.loads(line)
                    results[rec["i"]] = rec
                    start = rec["i"] + 1
                    last = time.monotonic()
            elif time.monotonic() - last > CASE_TIMEOUT:
                p.kill()
                results[start] = {"i": start, "outcome": "timeout"}
                start += 1
                break
        p.wait()
        errf.seek(0)
        err = errf.read().decode(errors="replace")
        errf.close()
        p.stdout.close()
        if start < len(cases) and start not in results:
            results[start] = {"i": start, "outcome": "died", "returncode": p.returncode,
                              "stderr": err[-2000:]}
            start += 1
    return results


def result_of(cid):
    global _RESULTS
    if _RESULTS is None:
        _RESULTS = _run_all()
    index = {c[0]: i for i, c in enumerate(all_cases())}[cid]
    return _RESULTS[index]


def names(message, arg):
    """The message names the argument: "ARG must", "ARG[i] must" or "ARG = ..."."""
    return re.search(r"(^|[\s:(])%s(\[[\d, ]+\])?( must| =)" % re.escape(arg), message) is not None


def check_raised(rec, arg, extra=()):
    assert rec["outcome"] != "died", "the process died (status %s): %s" % (
        rec.get("returncode"), rec.get("stderr"))
    assert rec["outcome"] != "timeout", "no answer in %g s" % CASE_TIMEOUT
    assert rec["outcome"] == "raises", "no error: returned %r" % (rec.get("value"),)
    assert rec["value_error"] or rec["type_error"], "%s, not ValueError/TypeError: %s" % (
        rec["type"], rec["message"])
    assert names(rec["message"], arg), "the message does not name %s: %s" % (arg, rec["message"])
    for s in extra:
        assert s in rec["message"], "%r not in the message: %s" % (s, rec["message"])


if __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "worker":
    worker(int(sys.argv[2]))
    sys.exit(0)

# ---------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------

import pytest  # noqa: E402


@pytest.mark.parametrize("cid,code,expect", EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_defect_examples(cid, code, expect):
    rec = result_of(cid)
    if expect[0] == "returns":
        assert rec["outcome"] == "returns", "%s: %s" % (code, rec)
        assert rec["value"] == expect[1]
    else:
        check_raised(rec, expect[1], expect[2])


@pytest.mark.parametrize("cid,fn,arg,label", sweep_cases(), ids=[c[0] for c in sweep_cases()])
def test_bad_value_is_refused(cid, fn, arg, label):
    check_raised(result_of(cid), arg)


def test_messages_give_the_range():
    """The message names the argument, its range and the value given."""
    rec = result_of("gamma_1e300")
    assert "fate.run: gamma must" in rec["message"], rec["message"]
    assert "1e+300" in rec["message"] and "2147483647" in rec["message"]
    rec = result_of("run_threads_10000")
    assert "fate.run: threads must be an integer in [0, 1024]" in rec["message"], rec["message"]
