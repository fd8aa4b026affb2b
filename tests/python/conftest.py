"""Shared fixtures of the Python tests.

Environment:
  FATE_LIBRARY   path of libfate.so to test (default: the package's own search,
                 see fate._lib.candidate_paths)
  FATE_CLI       path of the fate binary to compare with (default: build/fate
                 of this repository)
  FATE_INCLUDE   folder holding fate.h, for the layout test (default: include/
                 of this repository)
  FATE_PYTHON_INSTALLED=1  test the `fate` package found on sys.path (an
                 installed copy) instead of python/ of this repository
"""
import os
import subprocess
import sys

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
if not os.environ.get("FATE_PYTHON_INSTALLED"):
    sys.path.insert(0, os.path.join(REPO, "python"))

import fate  # noqa: E402


def pytest_report_header(config):
    try:
        lib = fate.library_path()
    except ImportError as e:
        lib = "NOT FOUND (%s)" % e
    return ["fate package: %s" % os.path.dirname(fate.__file__), "libfate: %s" % lib,
            "fate CLI: %s" % cli_path()]


def cli_path():
    return os.environ.get("FATE_CLI") or os.path.join(REPO, "build", "fate")


@pytest.fixture(scope="session")
def lib():
    try:
        return fate.library()
    except ImportError as e:
        pytest.fail(str(e))


@pytest.fixture(scope="session")
def cli():
    path = cli_path()
    if not os.access(path, os.X_OK):
        pytest.skip("fate CLI not found at %s (set FATE_CLI)" % path)
    return path


def run_cli(cli, *args, check=True):
    """Runs the CLI; returns CompletedProcess (text)."""
    p = subprocess.run([cli, *map(str, args)], capture_output=True, text=True, timeout=120)
    if check and p.returncode != 0:
        raise AssertionError("%s %s failed (%d): %s" % (cli, " ".join(map(str, args)),
                                                       p.returncode, p.stderr))
    return p


def parse_csv_text(text):
    """CSV text -> dict of columns through fate.read_csv's rules."""
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
        f.write(text)
        name = f.name
    try:
        return fate.read_csv(name)
    finally:
        os.unlink(name)


def interrupted(sweep, after, **kw):
    """Runs sweep(progress=..., **kw), sending SIGINT to this process once
    `after` work items are done; returns the SweepInterrupted raised, after
    checking the partial result and that the SIGINT handler is restored."""
    import signal
    sent = []

    def progress(done, total):
        if done >= after and not sent:
            sent.append(done)
            os.kill(os.getpid(), signal.SIGINT)
    handler = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt) as e:
        sweep(progress=progress, **kw)
    assert isinstance(e.value, fate.SweepInterrupted)
    part = e.value.result
    assert not part["complete"] and part["done"].sum() < part["done"].size
    assert signal.getsignal(signal.SIGINT) is handler  # restored
    return e.value
