"""Finding libfate: FATE_LIBRARY, an installed prefix, the build tree."""
import os
import shutil
import subprocess
import sys

import pytest

import fate
from fate import _lib

PKG = os.path.dirname(fate.__file__)


def _python(code, env_extra, pythonpath):
    env = {k: v for k, v in os.environ.items() if k != "FATE_LIBRARY"}
    env.update(env_extra)
    env["PYTHONPATH"] = pythonpath
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)


def test_candidates_include_build_tree():
    repo = os.path.dirname(os.path.dirname(PKG))
    assert os.path.join(repo, "build", "libfate.so") in _lib.candidate_paths()


def test_bad_fate_library_is_an_import_error():
    p = _python("import fate\ntry:\n    fate.library()\nexcept ImportError as e:\n"
                "    print('ImportError', e)\n", {"FATE_LIBRARY": "/nonexistent/libfate.so"},
                os.path.dirname(PKG))
    assert p.returncode == 0 and "ImportError" in p.stdout and "FATE_LIBRARY" in p.stdout


def test_installed_prefix_layout(lib, tmp_path):
    """The package in PREFIX/lib/python3/dist-packages finds PREFIX/lib/libfate.so.0."""
    src = fate.library_path()
    if not os.path.isfile(src):
        pytest.skip("library loaded by soname, no file to copy")
    prefix = tmp_path / "prefix"
    site = prefix / "lib" / "python3" / "dist-packages"
    shutil.copytree(PKG, site / "fate", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(src, prefix / "lib" / "libfate.so.0")
    p = _python("import fate; print(fate.library_path()); print(fate.version())", {}, str(site))
    assert p.returncode == 0, p.stderr
    path, version = p.stdout.split()
    assert path == str(prefix / "lib" / "libfate.so.0") and version == fate.version()


def test_build_tree_layout(lib, tmp_path):
    """The package used in place (repo/python/fate) finds repo/build/libfate.so."""
    src = fate.library_path()
    if not os.path.isfile(src):
        pytest.skip("library loaded by soname, no file to copy")
    repo = tmp_path / "repo"
    shutil.copytree(PKG, repo / "python" / "fate", ignore=shutil.ignore_patterns("__pycache__"))
    (repo / "build").mkdir()
    shutil.copy(src, repo / "build" / "libfate.so")
    p = _python("import fate; print(fate.library_path())", {}, str(repo / "python"))
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == str(repo / "build" / "libfate.so")
