"""fate.aniso (docs/THEORY.md section 11): the binding gives the library's
numbers (against the NumPy reference tests/ref/aniso_fp_ref.csv and the
isotropic closed forms of fate.theory) and refuses bad arguments in Python."""
import os

import numpy as np
import pytest

import fate
from conftest import REPO


def _rows():
    path = os.path.join(REPO, "tests", "ref", "aniso_fp_ref.csv")
    return np.genfromtxt(path, delimiter=",", names=True)


def test_against_reference():
    rows = _rows()
    for r in rows[::7]:
        d, n, align = int(r["d"]), int(r["n"]), int(r["align"])
        eig = fate.aniso.spectrum_powerlaw(d, float(r["alpha"]))
        b2 = None
        if align:
            b2 = np.zeros(d)
            b2[0 if align == 1 else d - 1] = 1.0
        k = fate.aniso.kappa(eig, n, lam=float(r["lambda"]))
        out = fate.aniso.ridge(eig, n, lam=float(r["lambda"]), sigma=float(r["sigma"]), beta2=b2)
        assert k == pytest.approx(r["kappa"], rel=1e-10, abs=1e-300)
        assert out["bias"] == pytest.approx(r["bias"], rel=1e-9, abs=1e-14)
        assert out["var"] == pytest.approx(r["var"], rel=1e-9, abs=1e-14)
        assert out["risk"] == out["bias"] + out["var"]


@pytest.mark.parametrize("n", [50, 150, 400])
@pytest.mark.parametrize("lam", [0.0, 0.1, 2.0])
def test_isotropic_is_the_marchenko_pastur_limit(n, lam):
    d = 100
    got = fate.aniso.ridge(np.ones(d), n, lam=lam, sigma=0.5)["risk"]
    assert got == pytest.approx(fate.theory.ridge(d / n, lam, 0.5), rel=1e-10)


def test_lt_exact_isotropic_and_spiked():
    d = 8
    bs, bt = np.zeros(d), np.zeros(d)
    bs[0], bt[0], bt[1] = 1.0, np.cos(0.7), np.sin(0.7)
    assert fate.aniso.lt_exact(np.ones(d), bs, bt, 12, 0.4) == pytest.approx(
        fate.theory.risk_lt_exact(12, 0.7, 0.4), rel=1e-12)
    eig = fate.aniso.spectrum_spiked(d, 2, 9.0)
    assert eig.sum() == pytest.approx(d)
    q, c, t = eig @ (bs * bs), eig @ (bs * bt), eig @ (bt * bt)
    rho = t - c * c / q
    assert fate.aniso.lt_exact(eig, bs, bt, 12, 0.4) == pytest.approx(rho + (rho + 0.16) / 10, rel=1e-12)
    assert fate.aniso.lt_exact(eig, bs, bt, 2, 0.4) == np.inf


@pytest.mark.parametrize("call, name", [
    (lambda: fate.aniso.kappa([1.0, 0.0], 2), "eig"),
    (lambda: fate.aniso.kappa([1.0, np.nan], 2), "eig"),
    (lambda: fate.aniso.kappa([1.0, 1.0], 0), "n"),
    (lambda: fate.aniso.kappa([1.0, 1.0], 2, lam=-1.0), "lam"),
    (lambda: fate.aniso.ridge([1.0, 1.0], 2, sigma=np.inf), "sigma"),
    (lambda: fate.aniso.ridge([1.0, 1.0], 2, beta2=[1.0]), "beta2"),
    (lambda: fate.aniso.ridge([1.0, 1.0], 2, beta2=[1.0, -1.0]), "beta2"),
    (lambda: fate.aniso.lt_exact([1.0, 1.0], [0.0, 0.0], [1.0, 0.0], 5), "beta_s"),
    (lambda: fate.aniso.lt_exact([1.0, 1.0], [1.0, 0.0], [1.0], 5), "beta_t"),
    (lambda: fate.aniso.spectrum_powerlaw(10, -0.5), "alpha"),
    (lambda: fate.aniso.spectrum_spiked(10, 11, 2.0), "k"),
    (lambda: fate.aniso.spectrum_spiked(10, 2, 0.0), "ratio"),
])
def test_refusals(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_types():
    with pytest.raises(TypeError):
        fate.aniso.kappa([1.0, 1.0], 2.0)
    with pytest.raises(TypeError):
        fate.aniso.spectrum_powerlaw(10, "1")
