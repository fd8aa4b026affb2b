"""Task geometry beyond one angle through fate.run / fate.phase / fate.make_spec
(THEORY.md sections 10 and 11): k pretrained outputs, overlap = rho_par =
cos^2 theta, an input spectrum and where the teachers sit in it."""
import ctypes
import gc
import math

import numpy as np
import pytest

import fate

D = 60


def _z(risk, theory):
    """(mean - theory) / standard error."""
    return (risk.mean() - theory) / (risk.std(ddof=1) / math.sqrt(risk.size))


def _same(a, b, path=""):
    """Every array and number of two result dicts equal (NaN equal to NaN)."""
    assert a.keys() == b.keys(), path
    for key in a:
        x, y = a[key], b[key]
        if isinstance(x, dict):
            _same(x, y, path + "/" + key)
        elif isinstance(x, np.ndarray):
            assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), path + "/" + key
        elif isinstance(x, float) and math.isnan(x):
            assert isinstance(y, float) and math.isnan(y), path + "/" + key
        else:
            assert x == y, path + "/" + key


def test_k1_explicit_is_the_default():
    kw = dict(d=20, n=10, theta=0.7, instances=3, seed=5, methods=("scratch", "lt", "ft"))
    a, b = fate.run(**kw), fate.run(k=1, **kw)
    for m in ("scratch", "lt", "ft"):
        assert np.array_equal(a[m]["risk"], b[m]["risk"])
    _same(a["theory"], b["theory"])
    # k = 0 in the struct (the C default) is the same one teacher
    s = fate.make_spec(d=20, n=10, theta=0.7)
    assert s.k == 1
    s0 = fate.make_spec(d=20, n=10, theta=0.7)
    s0.k = 0
    _same(fate.spec_theory(s0), fate.spec_theory(s))
    assert a["spec"]["k"] == 1 and a["spec"]["align"] == "random"
    assert a["spec"]["spectrum"] is None and a["spec"]["overlap"] == pytest.approx(math.cos(0.7) ** 2)


def test_overlap_sets_theta():
    r = fate.run(d=20, n=10, overlap=0.25, instances=2, methods=("lt",))
    assert r["spec"]["theta"] == pytest.approx(math.pi / 3)
    assert r["spec"]["overlap"] == pytest.approx(0.25)
    t = fate.run(d=20, n=10, theta=math.acos(0.5), instances=2, methods=("lt",))
    assert np.array_equal(r["lt"]["risk"], t["lt"]["risk"])
    # neither: theta pi/4
    assert fate.make_spec(d=20).theta == math.pi / 4


def test_k4_lt_matches_theory():
    """k = 4 features at d = 60, n = 40: E R_lt = rho + (rho + sigma^2) k/(n - k - 1),
    rho = 1 - overlap (THEORY.md section 10)."""
    k, n, ov, sigma = 4, 40, 0.7, 0.2
    r = fate.run(d=D, n=n, k=k, overlap=ov, sigma=sigma, instances=40, seed=3, methods=("lt",))
    rho = 1 - ov
    th = rho + (rho + sigma ** 2) * k / (n - k - 1)
    assert r["theory"]["lt"] == pytest.approx(th, rel=1e-12)
    assert r["spec"]["k"] == k and r["spec"]["overlap"] == pytest.approx(ov)
    assert r["feature_rank"].tolist() == [k] * 40
    assert abs(_z(r["lt"]["risk"], th)) < 4
    assert math.isnan(r["theory"]["ft"]) and math.isnan(r["theory"]["lpft"])


def test_spectrum_lt_matches_theory():
    """powerlaw 0.5, the target teacher along the top eigen-direction: the exact
    mean of linear transfer in the Sigma norm (THEORY.md section 11)."""
    r = fate.run(d=D, n=40, theta=0.6, spectrum="powerlaw:0.5", align="top", instances=40,
                 seed=3, methods=("scratch", "lt"))
    eig = fate.aniso.spectrum_powerlaw(D, 0.5)
    assert np.array_equal(r["spec"]["spectrum"], eig)
    assert r["spec"]["spectrum_text"] == "powerlaw:0.5" and r["spec"]["align"] == "top"
    bt = np.zeros(D)
    bt[0] = 1.0
    bs = np.zeros(D)
    bs[0], bs[1] = math.cos(0.6), math.sin(0.6)
    th = fate.aniso.lt_exact(eig, bs, bt, n=40, sigma=0.2)
    assert r["theory"]["lt"] == pytest.approx(th, rel=1e-12)
    assert abs(_z(r["lt"]["risk"], th)) < 4
    assert math.isfinite(r["theory"]["scratch"]) and math.isnan(r["theory"]["ft"])
    # random teachers under a spectrum: no closed form for lt
    q = fate.run(d=D, n=40, spectrum=eig, instances=2, methods=("lt",))
    assert math.isnan(q["theory"]["lt"]) and q["spec"]["align"] == "random"
    assert q["spec"]["spectrum_text"] is None


@pytest.mark.parametrize("geo", [dict(k=3, overlap=0.6), dict(spectrum="spiked:5:4", align="tail"),
                                 dict(spectrum="powerlaw:1")])
def test_threads_do_not_change_results(geo):
    kw = dict(d=30, n=20, instances=4, seed=2, methods=("scratch", "lt", "ft"), **geo)
    _same(fate.run(threads=1, **kw), fate.run(threads=2, **kw))


def test_spectrum_array_may_be_dropped_after_make_spec():
    eig = np.linspace(3.0, 0.2, 40)
    want = fate.spec_theory(fate.make_spec(d=40, n=20, spectrum=eig.copy(), align="top"))
    s = fate.make_spec(d=40, n=20, spectrum=eig, align="top")
    # the struct points into the array it keeps (s._keep), not into eig
    assert s._keep.ctypes.data == ctypes.addressof(s.spectrum.contents) != eig.ctypes.data
    eig[:] = 1.0  # the spec holds its own copy
    del eig
    gc.collect()
    np.empty((40,)).fill(-1.0)  # reuse freed memory
    gc.collect()
    _same(fate.spec_theory(s), want)
    assert np.array_equal(np.ctypeslib.as_array(s.spectrum, shape=(40,)), np.linspace(3.0, 0.2, 40))


BAD = [
    (dict(k=0), "k must be an integer in [1, 59]"),
    (dict(k=60), "k must be an integer in [1, 59]"),
    (dict(overlap=1.5), "overlap must be in [0, 1]"),
    (dict(overlap=-0.1), "overlap must be in [0, 1]"),
    (dict(overlap=0.5, theta=0.3), "either theta or overlap"),
    (dict(spectrum=np.ones(59)), "spectrum must hold d = 60 eigenvalues"),
    (dict(spectrum=np.r_[np.ones(59), 0.0]), "spectrum[59] must be a finite number > 0"),
    (dict(spectrum=np.r_[np.ones(59), -2.0]), "spectrum[59] must be a finite number > 0"),
    (dict(spectrum=np.r_[np.ones(59), np.inf]), "spectrum[59] must be a finite number > 0"),
    (dict(spectrum="powerlaw:-1"), "spectrum must be d = 60 eigenvalues > 0, \"powerlaw:ALPHA\""),
    (dict(spectrum="spiked:61:2"), "\"spiked:K:RATIO\" (K in [1, d]"),
    (dict(spectrum="gauss"), "spectrum must be"),
    (dict(align="top"), "align needs a spectrum"),
    (dict(align="random"), "align needs a spectrum"),
    (dict(spectrum="powerlaw:1", align="middle"), "align must be one of random, top, tail"),
    (dict(k=2, spectrum="powerlaw:1"), "k must be 1 with a spectrum"),
]


@pytest.mark.parametrize("fn", ["make_spec", "run", "phase"])
@pytest.mark.parametrize("bad,msg", BAD)
def test_refusals_name_the_argument(fn, bad, msg):
    with pytest.raises(ValueError) as e:
        if fn == "phase":  # the sweep's axes: thetas or overlaps
            bad = dict(bad)
            if "overlap" in bad:
                bad["overlaps"] = [bad.pop("overlap")]
            if "theta" in bad or "overlaps" not in bad:
                bad["thetas"] = [bad.pop("theta", 0.3)]
            fate.phase([0.5], d=D, instances=1, **bad)
        else:
            getattr(fate, fn)(d=D, **bad)
    assert isinstance(e.value, fate.FateValueError)
    want = msg
    if fn == "phase":
        want = want.replace("overlap must", "overlaps[0] must").replace(
            "either theta or overlap", "either thetas")
    assert want in str(e.value)


def test_k_equal_d_only_at_the_edges():
    assert fate.make_spec(d=10, k=10, theta=0.0).k == 10
    assert fate.make_spec(d=10, k=10, theta=math.pi).k == 10
    with pytest.raises(ValueError, match="k must be an integer in \\[1, 9\\]"):
        fate.make_spec(d=10, k=10, overlap=0.5)
    # the sweep checks k against its off-edge angles
    with pytest.raises(ValueError, match="k must be an integer in \\[1, 9\\]"):
        fate.phase([0.5], [0.0, 0.4], d=10, k=10, instances=1, methods=("lt",))


def test_phase_overlaps():
    ov = [0.2, 0.9, 0.5]
    p = fate.phase([0.5, 1.0], overlaps=ov, d=30, k=3, instances=3, methods=("scratch", "lt"))
    want = np.sort(np.arccos(np.sqrt(ov)))
    assert np.array_equal(p["theta"], want)
    assert np.allclose(p["overlap"], [0.9, 0.5, 0.2])
    assert p["spec"]["k"] == 3 and p["complete"]
    q = fate.phase([0.5, 1.0], want, d=30, k=3, instances=3, methods=("scratch", "lt"))
    assert np.array_equal(p["risk"], q["risk"], equal_nan=True)
    # the sweep's lt is fate.run's at the same (n, theta, instance)
    r = fate.run(d=30, gamma=1.0, theta=float(want[1]), k=3, instances=3, seed=1, methods=("lt",))
    assert np.array_equal(p["risk"][1, 1, 1], r["lt"]["risk"])
    assert np.allclose(p["theory_risk"][:, :, 1], [
        [1 - o + (1 - o + 0.04) * 3 / (n - 3 - 1) for o in (0.9, 0.5, 0.2)] for n in (15, 30)])


def test_phase_with_spectrum():
    p = fate.phase([0.5, 1.5], [0.2, 0.9], d=30, spectrum="spiked:3:5", align="top",
                   instances=3, methods=("scratch", "lt"))
    assert p["spec"]["spectrum_text"] == "spiked:3:5" and p["spec"]["align"] == "top"
    assert np.array_equal(p["spec"]["spectrum"], fate.aniso.spectrum_spiked(30, 3, 5))
    assert np.isfinite(p["theory_risk"][:, :, :2]).all()
    r = fate.run(d=30, gamma=0.5, theta=0.9, spectrum="spiked:3:5", align="top", instances=3,
                 methods=("lt",))
    assert np.array_equal(p["risk"][0, 1, 1], r["lt"]["risk"])
    assert p["theory_risk"][0, 1, 1] == r["theory"]["lt"]
