#!/usr/bin/env python3
"""Phase diagram of linear transfer, simulated from Python with fate.

Runs a small (gamma, theta) sweep with fate.phase (by default d = 60, 10 x 10
cells, 4 instances per cell; a few seconds on 2 cores) and draws the
simulated transferability T_lt = R_scratch - R_lt of linear transfer as a
map, theta on x and gamma = n/d on y, red where transfer helps (T > 0) and
blue where it hurts. The black line is the theory's boundary T_lt = 0
(fate.theory.evaluate, n, d -> infinity).

usage: python3 examples/phase_diagram.py OUT.png [--d 60] [--cells 10]
           [--instances 4] [--sigma 0.2] [--seed 1] [--threads T]

Needs Debian's python3-numpy and python3-matplotlib, and libfate (found as
the fate package finds it: FATE_LIBRARY, an installed prefix or the build
tree).
"""
import argparse
import math
import os
import sys
import time

try:
    import fate
except ImportError:  # run from a checkout: use python/ beside examples/
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
    import fate

import numpy as np


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", help="PNG file to write")
    ap.add_argument("--d", type=int, default=60, help="input dimension (default 60)")
    ap.add_argument("--cells", type=int, default=10, help="cells per axis (default 10)")
    ap.add_argument("--instances", type=int, default=4, help="instances per cell (default 4)")
    ap.add_argument("--sigma", type=float, default=0.2, help="target label noise (default 0.2)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--threads", type=int, default=0, help="threads (default: all cores)")
    a = ap.parse_args(argv)

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import TwoSlopeNorm
    from matplotlib.lines import Line2D

    # cell centres; the cells tile theta in [0, pi/2] and gamma in [0, 2]
    C = a.cells
    theta_edges = np.linspace(0.0, math.pi / 2, C + 1)
    gamma_edges = np.linspace(0.0, 2.0, C + 1)
    thetas = 0.5 * (theta_edges[:-1] + theta_edges[1:])
    gammas = 0.5 * (gamma_edges[:-1] + gamma_edges[1:])

    t0 = time.time()
    res = fate.phase(gammas, thetas, d=a.d, instances=a.instances, sigma=a.sigma, seed=a.seed,
                     threads=a.threads, methods=("scratch", "lt"))
    wall = time.time() - t0
    T = res["mean_T"][:, :, fate.METHODS.index("lt")]        # (gamma, theta)
    print("fate.phase: %d x %d cells, d = %d, %d instances: %.1f s"
          % (C, C, a.d, a.instances, wall))

    # theory boundary T_lt = 0 on a fine grid (asymptotic closed form)
    gf = np.linspace(1e-3, 2.0, 800)[:, None]
    tf = np.linspace(0.0, math.pi / 2, 400)[None, :]
    T_th = fate.theory.evaluate(gf, tf, sigma=a.sigma)["T_lt"]
    T_th = np.clip(np.nan_to_num(T_th, nan=0.0, posinf=1e3, neginf=-1e3), -1e3, 1e3)

    plt.rcParams.update({"font.size": 11, "axes.titlesize": 12, "axes.labelsize": 12,
                         "font.family": "DejaVu Sans", "mathtext.fontset": "dejavusans"})
    fig, ax = plt.subplots(figsize=(6.6, 5.0), constrained_layout=True)
    # symmetric colour scale centred on zero; the divergence of the scratch risk
    # at gamma = 1 is clipped at the 97th percentile of |T| so that it does not
    # wash out the rest of the map
    vmax = float(np.nanpercentile(np.abs(T), 97))
    norm = TwoSlopeNorm(vmin=-vmax, vcenter=0.0, vmax=vmax)
    mesh = ax.pcolormesh(theta_edges, gamma_edges, T, cmap="RdBu_r", norm=norm,
                         shading="flat", edgecolors="face", linewidth=0, rasterized=True)
    ax.contour(tf.ravel(), gf.ravel(), T_th, levels=[0.0], colors="black", linewidths=2.0)
    ax.axhline(1.0, color="0.35", lw=0.8, ls=":")  # interpolation threshold n = d

    ticks = [0, math.pi / 6, math.pi / 3, math.pi / 2]
    ax.set_xticks(ticks)
    ax.set_xticklabels(["0", r"$\pi/6$", r"$\pi/3$", r"$\pi/2$"])
    ax.set_xlim(0, math.pi / 2)
    ax.set_ylim(0, 2)
    ax.set_xlabel(r"angle between source and target teachers $\theta$")
    ax.set_ylabel(r"target samples per dimension $\gamma = n/d$")
    ax.set_title(r"Linear transfer: simulated $T_{\mathrm{lt}}$ (d = %d, $\sigma$ = %g, %d instances)"
                 % (a.d, a.sigma, a.instances))
    cb = fig.colorbar(mesh, ax=ax, extend="both", pad=0.02)
    cb.set_label(r"transferability $T_{\mathrm{lt}} = R_{\mathrm{scratch}} - R_{\mathrm{lt}}$")
    ax.legend(handles=[Line2D([], [], color="black", lw=2.0, label=r"theory $T_{\mathrm{lt}} = 0$ ($d \to \infty$)"),
                       Line2D([], [], color="0.35", lw=0.8, ls=":", label=r"$n = d$")],
              loc="upper right", framealpha=0.9, fontsize=10)
    for side in ("top", "right"):
        ax.spines[side].set_visible(True)
    fig.savefig(a.out, dpi=200)
    print("wrote", a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
