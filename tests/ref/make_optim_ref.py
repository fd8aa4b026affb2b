#!/usr/bin/python3
"""Independent NumPy reference for the update rules of two-layer trainings
(fate_mlp_optimizer in include/fate_mlp.h; src/mlp_optim.c).

A tiny network f(x) = s_m sum_i c_i act(w_i . x) on a closed-form data set
(no random numbers, so that C and NumPy start from the same bytes):
    W0[i, j] = 0.6 sin(1 + i d + j),  c0[i] = 0.4 cos(2 + 3 i),
    X[k, j]  = sin(0.7 (k + 1) (j + 2)),  y[k] = 0.3 + 0.5 cos(1.3 k),
d = 3, m = 5, n = 7, for relu and tanh, mean-field (s_m = 1/m) and standard
(s_m = 1/sqrt(m)) scaling. The loss is (1/n) |f - y|^2 and its gradient is
taken by forward-mode differentiation of the per-sample output (not the
matrix formulas of mlp.c). 30 updates of
    momentum: v = b1 v + g, p -= lr_eff v           (lr_eff = lr m or lr)
    adam:     m = b1 m + (1-b1) g, v = b2 v + (1-b2) g^2,
              p -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + 1e-8)
with lr = 0.05 (momentum, b1 = 0.8) and lr = 0.01 (adam, b1 = 0.9,
b2 = 0.999). Writes tests/ref/optim_ref.txt in the format of tests/ref_file.h:
the final W (m x d) and c (1 x m) and the last loss, 17 significant digits.
"""
import numpy as np

D, M, N, STEPS = 3, 5, 7, 30


def data():
    i = np.arange(M)[:, None]
    j = np.arange(D)[None, :]
    W0 = 0.6 * np.sin(1.0 + i * D + j)
    c0 = 0.4 * np.cos(2.0 + 3.0 * np.arange(M))
    k = np.arange(N)[:, None]
    X = np.sin(0.7 * (k + 1) * (np.arange(D)[None, :] + 2))
    y = 0.3 + 0.5 * np.cos(1.3 * np.arange(N))
    return W0, c0, X, y


def act(h, kind):
    if kind == "relu":
        return np.maximum(h, 0.0), (h > 0).astype(float)
    t = np.tanh(h)
    return t, 1.0 - t * t


def loss_grad(W, c, X, y, kind, sm):
    """Per-sample: f_k = sm sum_i c_i act(w_i.x_k); dL/dc_i, dL/dw_ij summed."""
    L = 0.0
    gW = np.zeros_like(W)
    gc = np.zeros_like(c)
    for k in range(N):
        x = X[k]
        h = W @ x
        phi, dphi = act(h, kind)
        f = sm * np.dot(c, phi)
        r = f - y[k]
        L += r * r / N
        gc += 2.0 * r / N * sm * phi
        gW += 2.0 * r / N * sm * np.outer(c * dphi, x)
    return L, gW, gc


def train(kind, scaling, rule):
    W, c, X, y = data()
    sm = 1.0 / M if scaling == "mf" else 1.0 / np.sqrt(M)
    if rule == "momentum":
        lr, b1 = 0.05, 0.8
        step = lr * M if scaling == "mf" else lr
        vW, vc = np.zeros_like(W), np.zeros_like(c)
        for _ in range(STEPS):
            L, gW, gc = loss_grad(W, c, X, y, kind, sm)
            vW = b1 * vW + gW
            vc = b1 * vc + gc
            W = W - step * vW
            c = c - step * vc
    else:
        lr, b1, b2 = 0.01, 0.9, 0.999
        mW, vW = np.zeros_like(W), np.zeros_like(W)
        mc, vc = np.zeros_like(c), np.zeros_like(c)
        for t in range(1, STEPS + 1):
            L, gW, gc = loss_grad(W, c, X, y, kind, sm)
            mW = b1 * mW + (1 - b1) * gW
            vW = b2 * vW + (1 - b2) * gW * gW
            mc = b1 * mc + (1 - b1) * gc
            vc = b2 * vc + (1 - b2) * gc * gc
            W = W - lr * (mW / (1 - b1 ** t)) / (np.sqrt(vW / (1 - b2 ** t)) + 1e-8)
            c = c - lr * (mc / (1 - b1 ** t)) / (np.sqrt(vc / (1 - b2 ** t)) + 1e-8)
    L, _, _ = loss_grad(W, c, X, y, kind, sm)
    return W, c, L


def fmt(a):
    return " ".join("%.17g" % v for v in np.ravel(a))


def main():
    out = ["# written by tests/ref/make_optim_ref.py (NumPy %s); see its docstring" % np.__version__]
    for kind in ("relu", "tanh"):
        for scaling in ("mf", "std"):
            for rule in ("momentum", "adam"):
                W, c, L = train(kind, scaling, rule)
                tag = "%s_%s_%s" % (kind, scaling, rule)
                out.append("matrix W_%s %d %d %s" % (tag, M, D, fmt(W)))
                out.append("matrix c_%s 1 %d %s" % (tag, M, fmt(c)))
                out.append("value loss_%s %.17g" % (tag, L))
    with open(__file__.replace("make_optim_ref.py", "optim_ref.txt"), "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
