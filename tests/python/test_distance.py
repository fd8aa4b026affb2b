"""fate.distance: the distance library on NumPy arrays."""
import math

import numpy as np
import pytest

import fate
import fate.distance as fd


def test_gauss_closed_forms_1d():
    # KL(N(0,1) || N(1,1)) = 1/2; W2^2 = 1; Hellinger^2 = 1 - exp(-1/8)
    m1, C1, m2, C2 = [0.0], [[1.0]], [1.0], [[1.0]]
    assert fd.gauss_kl(m1, C1, m2, C2) == pytest.approx(0.5, abs=1e-14)
    assert fd.gauss_w2sq(m1, C1, m2, C2) == pytest.approx(1.0, abs=1e-14)
    h2, b = fd.gauss_hellinger(m1, C1, m2, C2)
    assert b == pytest.approx(1 / 8, abs=1e-14)
    assert h2 == pytest.approx(1 - math.exp(-1 / 8), abs=1e-14)


def test_label_shift_kl_matches_theory():
    d, sigma, theta = 7, 0.3, 0.9
    bs = np.zeros(d); bs[0] = 1
    bt = np.zeros(d); bt[0] = math.cos(theta); bt[1] = math.sin(theta)
    kl = fd.gauss_kl(np.zeros(d + 1), fd.linear_joint_cov(bs, sigma),
                     np.zeros(d + 1), fd.linear_joint_cov(bt, sigma))
    assert kl == pytest.approx(float(fate.theory.kl_linear(theta, sigma)), rel=1e-10)


def test_wasserstein_1d_by_hand():
    X = np.array([[0.0], [1.0]])
    Y = np.array([[1.0], [2.0]])
    assert fd.wasserstein(X, Y) == pytest.approx(1.0, abs=1e-14)
    assert fd.wasserstein(X.ravel(), Y.ravel(), p=2) == pytest.approx(1.0, abs=1e-14)


def test_estimators_on_gaussian_pairs():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(600, 2))
    Y = rng.normal(size=(600, 2)) + np.array([1.0, 0.0])
    same = rng.normal(size=(600, 2))
    m_diff, h = fd.mmd2(X, Y)
    m_same, _ = fd.mmd2(X, same, h=h)
    assert h > 0 and m_diff > 10 * abs(m_same)
    # the energy distance is the MMD of the energy kernel
    assert fd.energy_distance(X, Y) == pytest.approx(fd.mmd2(X, Y, kernel="energy")[0], rel=1e-12)
    # sliced W1 <= exact W1, and both near the mean shift 1 for large samples
    w = fd.wasserstein(X, Y)
    sw = fd.sliced_wasserstein(X, Y, directions=50)
    assert sw <= w + 1e-12 and 0.8 < w < 1.5
    kl, se = fd.knn_kl(X, Y, k=5)
    assert abs(kl - 0.5) < 5 * se + 0.1          # KL of a unit mean shift is 1/2
    tv, js, tse, jse = fd.knn_tv_js(X, Y)
    assert 0 < tv < 1 and js > 0
    assert 0 < fd.bl_lower(X, Y) <= 2


def test_zero_copy_and_conversions_agree():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(300, 3))
    Y = rng.normal(size=(300, 3)) + 0.3
    ref = fd.mmd2(X, Y, h=1.0)[0]
    assert fd.mmd2(np.asfortranarray(X), Y, h=1.0)[0] == pytest.approx(ref, rel=1e-13)
    assert fd.mmd2(X.tolist(), Y, h=1.0)[0] == pytest.approx(ref, rel=1e-13)


def test_bad_input_raises():
    X = np.zeros((5, 2))
    with pytest.raises(ValueError):
        fd.mmd2(X, np.zeros((5, 3)))            # dimensions differ: before the C call
    with pytest.raises(ValueError):
        fd.mmd2(np.zeros((1, 2)), X)            # fewer than 2 rows
    with pytest.raises(TypeError):
        fd.mmd2(np.array([["a", "b"], ["c", "d"]]), X)
    bad = np.ones((5, 2)); bad[2, 1] = np.nan
    with pytest.raises(fate.FateValueError):    # the library refuses NaN
        fd.energy_distance(bad, X + np.arange(10.0).reshape(5, 2))
    with pytest.raises(ValueError):
        fd.mmd2(X, X, kernel="cosine")
