#!/usr/bin/env python3
"""Reference values of pretraining's learning curve at depth 2 (THEORY.md
section 9), computed independently of src/theory_saxe.c.

Model: f(x) = x^T W_1 w_2, loss L = |W_1 w_2 - beta_s|^2 (fate's population
loss, no factor 1/2), plain GD W <- W - lr grad L, grad_{W_1} = 2 g w_2^T,
grad_{w_2} = 2 W_1^T g, g = W_1 w_2 - beta_s; automatic rate lr0 / max(1,
|beta|) with lr0 = 0.2, or a fixed rate.

Theory of u = <beta, beta_s_hat>, s = |beta_s|, from u0:
  map   a <- a (1 + 2 lr_t (s - a^2)), u = a^2 (GD on the balanced,
        aligned manifold; lr_t = lr0 / max(1, u) when automatic);
  flow  u(tau) = s e^{4 s tau} / (e^{4 s tau} - 1 + s/u0), tau = lr0 t,
        written here in its logistic form, integrated as an ODE to check.
u0 = |W_1^T beta_s_hat + w_2|^2 / 4 from the initial weights.

Writes saxe_ref.csv beside this script: case,s,u0,lr,auto,discrete,step,u
(17 significant digits) on fixed (s, u0, lr) cases; then checks both
theories against a NumPy GD of a depth-2 network from a small random
init (NumPy's own generator, not fate's) and prints the check.
"""
import math
import os

import numpy as np

CASES = [  # s, u0, lr, auto
    (1.0, 2.5e-9, 0.2, 1),
    (1.0, 1e-6, 0.05, 0),
    (2.0, 1e-4, 0.1, 1),
    (0.5, 1e-8, 0.01, 0),
]
STEPS = [0, 1, 2, 5, 10, 20, 30, 40, 60, 100, 200, 400, 1000, 3000]


def u_map(s, u0, lr, auto, steps):
    out, a, t = [], math.sqrt(u0), 0
    for st in steps:
        while t < st:
            uu = a * a
            rate = lr / max(1.0, uu) if auto else lr
            a = a + 2.0 * rate * (s - uu) * a
            t += 1
        out.append(a * a)
    return out


def u_flow(s, u0, lr, steps):
    # the logistic solution of du/dtau = 4 u (s - u): 1/u - 1/s decays as
    # e^{-4 s tau}
    return [1.0 / (1.0 / s + (1.0 / u0 - 1.0 / s) * math.exp(-4.0 * s * lr * st)) for st in steps]


def gd_check(d=60, k=60, alpha=1e-5, s=1.0, lr0=0.2, seed=3):
    """NumPy GD on the population loss; max |u_gd - u_theory| / s."""
    rng = np.random.default_rng(seed)
    bs = rng.standard_normal(d)
    bs *= s / np.linalg.norm(bs)
    W1 = alpha * rng.standard_normal((d, k)) / math.sqrt(d)
    w2 = alpha * rng.standard_normal(k)
    bh = bs / s
    u0 = float(np.sum((W1.T @ bh + w2) ** 2) / 4.0)
    us = []
    for _ in range(80):
        beta = W1 @ w2
        us.append(float(beta @ bh))
        g = beta - bs
        lr = lr0 / max(1.0, float(np.linalg.norm(beta)))
        W1, w2 = W1 - lr * 2.0 * np.outer(g, w2), w2 - lr * 2.0 * (W1.T @ g)
    steps = list(range(80))
    um = u_map(s, u0, lr0, 1, steps)
    uf = u_flow(s, u0, lr0, steps)
    # from step 10 on: the shrinking mode p - w_2 has died by 0.6^10
    dm = max(abs(a - b) for a, b in zip(us[10:], um[10:])) / s
    df = max(abs(a - b) for a, b in zip(us[10:], uf[10:])) / s
    return u0, dm, df


def ode_check(s, u0, lr, steps):
    """RK4 on du/dtau = 4 u (s - u): the logistic form solves it."""
    worst, u, tau, h = 0.0, u0, 0.0, 1e-3
    ref = u_flow(s, u0, lr, steps)
    for st, r in zip(steps, ref):
        target = lr * st
        while tau < target - 1e-15:
            hh = min(h, target - tau)
            f = lambda v: 4.0 * v * (s - v)
            k1 = f(u); k2 = f(u + hh / 2 * k1); k3 = f(u + hh / 2 * k2); k4 = f(u + hh * k3)
            u += hh / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
            tau += hh
        worst = max(worst, abs(u - r) / s)
    return worst


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    rows = []
    for c, (s, u0, lr, auto) in enumerate(CASES):
        for st, u in zip(STEPS, u_map(s, u0, lr, auto, STEPS)):
            rows.append((c, s, u0, lr, auto, 1, st, u))
        for st, u in zip(STEPS, u_flow(s, u0, lr, STEPS)):
            rows.append((c, s, u0, lr, auto, 0, st, u))
        print(f"case {c}: flow vs RK4 max |du|/s = {ode_check(s, u0, lr, STEPS):.2e}")
    with open(os.path.join(here, "saxe_ref.csv"), "w") as f:
        f.write("case,s,u0,lr,auto,discrete,step,u\n")
        for r in rows:
            f.write("%d,%.17g,%.17g,%.17g,%d,%d,%d,%.17g\n" % r)
    u0, dm, df = gd_check()
    print(f"NumPy GD (d = k = 60, alpha = 1e-5, lr 0.2): u0 = {u0:.3e}, "
          f"max |u_gd - u_map|/s = {dm:.2e}, max |u_gd - u_flow|/s = {df:.2e}")


if __name__ == "__main__":
    main()
