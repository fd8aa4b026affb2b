"""fate: transfer learning in deep linear networks (simulated exactly and
compared with its closed-form theory, Tahir, Ganguli and Rotskoff, ICML 2025)
and in two-layer networks ("relu2").

A pure-Python binding of the C library libfate through ctypes; NumPy is the
only dependency (Debian python3-numpy).

    import fate
    r = fate.run(d=100, gamma=0.5, theta=fate.pi / 8, instances=8)   # like `fate run`
    r["lt"]["risk"], r["theory"]["lt"]
    p = fate.phase(gammas, thetas, d=60, instances=4)                # like `fate phase`
    p["mean_T"][:, :, 1]          # (gamma, theta) map of linear transfer's T
    q = fate.phase_relu2(n=[4, 8, 16], mu=[0, 0.5, 1])             # like `fate phase --model relu2`
    q["runs"], q["mean_T"][:, :, 2]                                  # runs.csv rows; (mu, n) map of lt
    t = fate.phase(model="ridge", gamma="0.5:2:4", lambda_=[0, 0.1]) # any of fate.models()
    t["summary"]["mean_risk"], t["grid"]["theory_risk"]              # summary.csv; (lambda, gamma)
    r2 = fate.run_relu2(n=16, mu=0.5)                                # one relu2 cell
    fate.theory.evaluate(gamma, theta, sigma=0.2)["T_lt"]            # like `fate theory`
    fate.distance.mmd2(X, Y)      # distances between samples (NumPy arrays)
    fate.scores.logme(F, y)       # transferability scores of features (NumPy arrays)
    fate.aniso.ridge(fate.aniso.spectrum_powerlaw(400, 1.5), n=200)  # x ~ N(0, Sigma)
    data = fate.load("fate-phase")                                   # an output folder

The library is found through FATE_LIBRARY (a path), else next to an installed
prefix (PREFIX/lib/libfate.so.0 for the package in
PREFIX/lib/python3/dist-packages/fate), else in the build tree
(build/libfate.so beside python/), else in the loader's standard
directories; see fate._lib.candidate_paths. The library is loaded on first
use, so fate.load works without it.

Errors of the library raise FateError (a RuntimeError) carrying
fate_strerror's message; FATE_EINVAL raises FateValueError (also a
ValueError) with fate_spec_check's message, divergence FateDiverged, an
undefined quantity (FATE_EDOMAIN) FateUndefined (also a ValueError). Wrong
types raise TypeError and bad shapes or values ValueError before any C call.
"""

from math import pi

from . import aniso, distance, scores, theory
from ._experiment import METHOD_FIELDS, METHODS, RUN_METHODS, make_spec, run, spec_theory
from ._generic import model_params, models, phase
from ._io import grid_of, load, read_csv
from ._sweep import SweepInterrupted
from ._relu2 import ACTIVATIONS, SCALINGS, make_relu_spec, phase_relu2, run_relu2
from ._lib import (FateDiverged, FateError, FateUndefined, FateValueError, candidate_paths, find_library,
                   library, library_path, version)

__version__ = "0.1.0"

__all__ = ["theory", "aniso", "distance", "scores", "run", "phase", "models", "model_params", "run_relu2", "phase_relu2", "make_relu_spec",
           "ACTIVATIONS", "SCALINGS", "load", "read_csv", "grid_of", "make_spec", "spec_theory",
           "FateError", "FateValueError", "FateDiverged", "FateUndefined", "SweepInterrupted", "METHODS", "RUN_METHODS",
           "METHOD_FIELDS", "library", "library_path", "find_library", "candidate_paths",
           "version", "pi", "__version__"]
