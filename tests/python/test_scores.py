"""fate.scores: the transferability scores of include/fate_score.h on NumPy
arrays. Each function is checked bit for bit against a direct ctypes call of
its C function, and against the NumPy references of tests/ref (to 1e-9
relative, as the C tests tests/test_score_reg.c and test_score_label.c: the
references are computed by other formulas, so they agree to rounding, not to
the bit)."""
import ctypes
import os
from ctypes import POINTER, byref, c_double, c_int, c_size_t

import numpy as np
import pytest

import fate
import fate.scores as fs

REF = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ref")
RTOL = 1e-9


# ---- the references ----

def _reg_ref():
    """tests/ref/score_reg_ref.txt: {name: float or 2-D array}."""
    out = {}
    with open(os.path.join(REF, "score_reg_ref.txt")) as f:
        lines = [ln.split() for ln in f if ln.strip() and not ln.startswith("#")]
    i = 0
    while i < len(lines):
        head = lines[i]
        if head[0] == "value":
            out[head[1]] = float(head[2])
            i += 1
        else:
            r, c = int(head[2]), int(head[3])
            out[head[1]] = np.array([[float(v) for v in row] for row in lines[i + 1:i + 1 + r]])
            assert out[head[1]].shape == (r, c)
            i += 1 + r
    return out


def _label_ref():
    """tests/ref/score_label_ref.csv: {case: {field: list of str}}."""
    cases = {}
    with open(os.path.join(REF, "score_label_ref.csv")) as f:
        for ln in f:
            if ln.startswith("#") or not ln.strip():
                continue
            name, field, *vals = ln.strip().split(",")
            cases.setdefault(name, {})[field] = vals
    out = {}
    for name, c in cases.items():
        n, p, C, Cs = map(int, c["dims"])
        out[name] = dict(n=n, p=p, C=C, Cs=Cs,
                         F=np.array(c["F"], dtype=float).reshape(n, p),
                         labels=np.array(c["labels"], dtype=int),
                         P_src=np.array(c["P_src"], dtype=float).reshape(n, Cs),
                         src_labels=np.array(c["src_labels"], dtype=int),
                         **{k: float(c[k][0]) for k in ("leep", "nce", "hscore", "gbc", "transrate")})
    return out


REG = _reg_ref()
LABEL = _label_ref()


# ---- direct ctypes calls (declared here, independently of fate.scores) ----

@pytest.fixture(scope="module")
def C():
    lib = ctypes.CDLL(fate.library_path())
    d, i, z = POINTER(c_double), POINTER(c_int), c_size_t
    for name, args in {"fate_score_logme": [d, d, d, d, d, z, z],
                       "fate_score_logme_class": [d, d, i, z, z, z],
                       "fate_score_probe": [d, d, d, d, z, z, c_double],
                       "fate_score_knn": [d, d, d, z, z, z],
                       "fate_score_knn_class": [d, d, i, z, z, z, z],
                       "fate_score_leep": [d, d, i, z, z, z],
                       "fate_score_nce": [d, i, i, z, z, z],
                       "fate_score_hscore": [d, d, i, z, z, z],
                       "fate_score_gbc": [d, d, i, z, z, z],
                       "fate_score_transrate": [d, d, i, z, z, z, c_double]}.items():
        getattr(lib, name).argtypes = args
        getattr(lib, name).restype = c_int
    return lib


def _d(a):
    a = np.ascontiguousarray(a, dtype=np.float64)
    return a, a.ctypes.data_as(POINTER(c_double))


def _i(a):
    a = np.ascontiguousarray(a, dtype=np.intc)
    return a, a.ctypes.data_as(POINTER(c_int))


def direct(C, name, n_out, *args):
    """Calls name(out_1..out_k, *args); arrays are converted. Returns the outputs."""
    keep, conv = [], []
    for a in args:
        if isinstance(a, np.ndarray):
            a, p = _i(a) if a.dtype.kind in "iu" else _d(a)
            keep.append(a)
            conv.append(p)
        else:
            conv.append(a)
    outs = [c_double() for _ in range(n_out)]
    assert getattr(C, name)(*[byref(o) for o in outs], *conv) == 0
    return [o.value for o in outs]


# ---- bit for bit against the C library, and against the references ----

def _reg_cases():
    for c in range(int(REG["reg_ncases"])):
        yield c, REG["r%d_F" % c], REG["r%d_y" % c].ravel()


def test_regression_scores_bit_for_bit_and_references(C):
    for c, F, y in _reg_cases():
        n, p = F.shape
        lm, a, b = fs.logme(F, y, return_params=True)
        assert [lm, a, b] == direct(C, "fate_score_logme", 3, F, y, n, p)
        assert fs.logme(F, y) == lm
        if "r%d_logme_sup" % c in REG:  # the drift case: the supremum (see test_score_reg.c)
            assert lm == pytest.approx(REG["r%d_logme_sup" % c], rel=RTOL)
        else:
            for key, v in (("logme", lm), ("alpha", a), ("beta", b)):
                assert v == pytest.approx(REG["r%d_%s" % (c, key)], rel=RTOL), (c, key)
        for lam, tag in ((0.0, "0"), (0.1, "0.1")):
            key = "r%d_probe_train_l%s" % (c, tag)
            if key not in REG:  # interpolation at lambda 0: leave-one-out undefined
                with pytest.raises(fate.FateUndefined, match="leave-one-out"):
                    fs.probe(F, y, lam=lam)
                r = fs.probe(F, y, lam=lam, loo=False)
                assert r["neg_loo"] is None
                continue
            r = fs.probe(F, y, lam=lam)
            assert [r["neg_train"], r["neg_loo"]] == direct(C, "fate_score_probe", 2, F, y, n, p, lam)
            assert r["neg_train"] == pytest.approx(REG[key], rel=RTOL)
            assert r["neg_loo"] == pytest.approx(REG["r%d_probe_loo_l%s" % (c, tag)], rel=RTOL)
        for k in (1, 5):
            if k <= n - 1:
                v = fs.knn(F, y, k=k)
                assert [v] == direct(C, "fate_score_knn", 1, F, y, n, p, k)
                assert v == REG["r%d_knn_k%d" % (c, k)]  # exact in the C test too


def test_classification_scores_bit_for_bit_and_references(C):
    for c in range(int(REG["cls_ncases"])):
        F, lab, K = REG["c%d_F" % c], REG["c%d_labels" % c].ravel().astype(int), int(REG["c%d_C" % c])
        n, p = F.shape
        v = fs.logme_class(F, lab)
        assert [v] == direct(C, "fate_score_logme_class", 1, F, lab, n, p, K)
        assert v == pytest.approx(REG["c%d_logme" % c], rel=RTOL)
        for k in (1, 5):
            v = fs.knn_class(F, lab, k=k)
            assert [v] == direct(C, "fate_score_knn_class", 1, F, lab, n, p, K, k)
            assert v == REG["c%d_knn_k%d" % (c, k)]
    Ft, yt, lt = REG["tie_F"], REG["tie_y"].ravel(), REG["tie_labels"].ravel().astype(int)
    for k in (1, 2, 3):
        assert fs.knn(Ft, yt, k=k) == REG["tie_knn_k%d" % k]
        assert fs.knn_class(Ft, lt, k=k) == REG["tie_knn_class_k%d" % k]


def test_label_scores_bit_for_bit_and_references(C):
    assert len(LABEL) == 7
    for name, c in LABEL.items():
        F, lab, P, z = c["F"], c["labels"], c["P_src"], c["src_labels"]
        n, p, K, Cs = c["n"], c["p"], c["C"], c["Cs"]
        got = {"leep": fs.leep(P, lab, Ct=K), "nce": fs.nce(z, lab, Cs=Cs, Ct=K),
               "hscore": fs.hscore(F, lab, C=K), "gbc": fs.gbc(F, lab, C=K),
               "transrate": fs.transrate(F, lab, C=K)}
        want = {"leep": direct(C, "fate_score_leep", 1, P, lab, n, Cs, K),
                "nce": direct(C, "fate_score_nce", 1, z, lab, n, Cs, K),
                "hscore": direct(C, "fate_score_hscore", 1, F, lab, n, p, K),
                "gbc": direct(C, "fate_score_gbc", 1, F, lab, n, p, K),
                "transrate": direct(C, "fate_score_transrate", 1, F, lab, n, p, K, 1e-4)}
        for key in got:
            assert [got[key]] == want[key], (name, key)
            assert got[key] == pytest.approx(c[key], rel=RTOL), (name, key)


def test_default_class_counts():
    # C defaults to max(labels) + 1: a class absent above the largest label
    # changes nothing for the scores over the classes present
    c = LABEL["n_gt_p"]
    F, lab = c["F"], c["labels"]
    assert fs.hscore(F, lab) == fs.hscore(F, lab, C=lab.max() + 3)
    assert fs.transrate(F, lab) == fs.transrate(F, lab, C=lab.max() + 1)
    assert fs.nce(c["src_labels"], lab) == fs.nce(c["src_labels"], lab, Cs=c["Cs"] + 2)


# ---- inputs accepted ----

def test_one_dimensional_and_list_inputs():
    rng = np.random.default_rng(1)
    f = rng.normal(size=30)
    y = 2 * f + rng.normal(size=30)
    lab = (f > 0).astype(int)
    assert fs.logme(f, y) == fs.logme(f.reshape(-1, 1), y)
    assert fs.logme(f.tolist(), y.tolist()) == fs.logme(f, y)
    assert fs.hscore(f, lab.tolist()) == fs.hscore(f[:, None], lab)
    assert fs.knn(f.tolist(), y, k=3) == fs.knn(f[:, None], y, k=3)
    # a Fortran-ordered or int F is converted, same numbers
    F = rng.normal(size=(30, 3))
    assert fs.gbc(np.asfortranarray(F), lab) == fs.gbc(F, lab)
    Fi = rng.integers(-5, 5, size=(30, 3))
    assert fs.transrate(Fi, lab) == fs.transrate(Fi.astype(float), lab)
    assert fs.leep([[0.25, 0.75], [1.0, 0.0], [0.5, 0.5]], [0, 1, 1]) <= 0


def test_informative_feature_beats_noise():
    rng = np.random.default_rng(2)
    n = 200
    y = rng.normal(size=n)
    good = np.column_stack([y + 0.1 * rng.normal(size=n), rng.normal(size=n)])
    noise = rng.normal(size=(n, 2))
    lab = (y > 0).astype(int)
    assert fs.logme(good, y) > fs.logme(noise, y)
    assert fs.probe(good, y)["neg_loo"] > fs.probe(noise, y)["neg_loo"]
    assert fs.knn(good, y) > fs.knn(noise, y)
    for f in (fs.logme_class, fs.knn_class, fs.hscore, fs.gbc):
        assert f(good, lab) > f(noise, lab), f.__name__
    # TransRate compares coding rates of the classes' uncentred blocks: it
    # rewards classes spread along different directions (a feature whose
    # classes differ only by their means along one axis scores near 0)
    sub = np.zeros((n, 2))
    sub[np.arange(n), lab] = rng.normal(size=n)
    sub += 0.05 * rng.normal(size=(n, 2))
    assert fs.transrate(sub, lab) > fs.transrate(noise, lab)
    P_good = np.column_stack([lab, 1 - lab]) * 0.9 + 0.05
    P_noise = np.full((n, 2), 0.5)
    assert fs.leep(P_good, lab) > fs.leep(P_noise, lab)
    assert fs.nce(lab, lab) == 0.0 > fs.nce(rng.integers(0, 2, n), lab)


# ---- refusals ----

F0 = np.random.default_rng(3).normal(size=(20, 3))
Y0 = F0 @ np.ones(3) + np.random.default_rng(4).normal(size=20)
L0 = np.arange(20) % 2


@pytest.mark.parametrize("call, match", [
    (lambda: fs.logme(F0, Y0[:5]), "y must be 1-D with 20"),
    (lambda: fs.logme(np.zeros((2, 2, 2)), Y0), "F must be 2-D"),
    (lambda: fs.logme(np.zeros((0, 3)), []), "F must have at least one row"),
    (lambda: fs.logme(np.where(np.eye(20, 3) > 0, np.nan, F0), Y0), r"F\[0, 0\] must be a finite"),
    (lambda: fs.probe(F0, np.full(20, np.inf)), r"y\[0\] must be"),
    (lambda: fs.probe(F0, Y0, lam=-1.0), "lam must be"),
    (lambda: fs.knn(F0, Y0, k=20), "k must be an integer in"),
    (lambda: fs.knn_class(F0, L0, k=0), "k must be an integer in"),
    (lambda: fs.hscore(F0, L0[:10]), "labels must be 1-D with 20"),
    (lambda: fs.hscore(F0, L0 - 1), "labels must be integers >= 0"),
    (lambda: fs.gbc(F0, L0, C=1), r"labels must be integers in \[0, C\)"),
    (lambda: fs.logme_class(F0, L0, C=1), "C must be an integer in"),
    (lambda: fs.transrate(F0, L0, eps=0.0), "eps must be"),
    (lambda: fs.leep(np.full((20, 2), 0.6), L0), "P_src rows must sum to 1"),
    (lambda: fs.leep(np.tile([-0.5, 1.5], (20, 1)), L0), r"P_src\[0, 0\] must be >= 0"),
    (lambda: fs.nce(L0, L0, Cs=1), r"src_labels must be integers in \[0, Cs\)"),
    (lambda: fs.nce(L0, L0[:4]), "labels must be 1-D with 20"),
])
def test_refusals_name_the_argument(call, match):
    with pytest.raises(fate.FateValueError, match=match) as e:
        call()
    assert isinstance(e.value, ValueError) and e.value.status_name == "FATE_EINVAL"


def test_wrong_types():
    with pytest.raises(TypeError, match="labels"):
        fs.hscore(F0, L0.astype(float))
    with pytest.raises(TypeError, match="labels"):
        fs.hscore(F0, [True, False] * 10)
    with pytest.raises(TypeError, match="F"):
        fs.logme([["a"] * 3] * 20, Y0)
    with pytest.raises(TypeError, match="k"):
        fs.knn(F0, Y0, k=2.0)


@pytest.mark.parametrize("call, match", [
    (lambda: fs.hscore(F0, np.zeros(20, int)), "at least 2 classes"),
    (lambda: fs.logme_class(F0, np.zeros(20, int)), "at least 2 classes"),
    (lambda: fs.gbc(F0, np.r_[np.zeros(19, int), 1]), "at least 2 samples"),
    (lambda: fs.transrate(F0, np.ones(20, int)), "at least 2 classes"),
    (lambda: fs.logme(F0, np.zeros(20)), "evidence is unbounded"),
    (lambda: fs.logme(F0, F0 @ [1.0, 2.0, 3.0]), "evidence is unbounded"),
    (lambda: fs.probe(F0[:3], Y0[:3]), "leave-one-out is undefined"),
])
def test_undefined_scores_raise_fate_undefined(call, match):
    with pytest.raises(fate.FateUndefined, match=match) as e:
        call()
    assert e.value.status_name == "FATE_EDOMAIN"
    assert not isinstance(e.value, fate.FateValueError)
