#!/usr/bin/python3
"""Independent NumPy reference for the phase boundaries of the methods beyond
the paper (THEORY.md section 8, "Boundaries"), in the limit, unit teachers,
infinite source, the probe without ridge:

    g_lpft_sc   LP-FT beats scratch (T_lpft > 0) for 0 < gamma < g_lpft_sc
    g_lpft_ft   LP-FT beats the paper's fine-tuning (c = 1) for 0 < gamma < g_lpft_ft
    g_l2sp      L2-SP at its optimal lambda beats scratch for g_l2sp < gamma < 1

each found here by a ROOT FIND OF THE T FUNCTIONS THEMSELVES, not by the
quadratic / quartic of src/theory_boundary.c: gamma on a 2000-point grid of (400 for L2-SP)
(0, 1), the first (LP-FT) or last (L2-SP) sign change bracketed, then
bisection to 1e-13. The T functions:

    T_lpft = (1-g)(2 |c| |cos th| - c^2), c from make_lpft_ref.lpft_c (the
             LP-FT polynomial's root by numpy.roots), T_ft = (1-g)(2 cos th - 1);
    T_l2sp = R_sc - R(psi = 1/g, lambda*, sigma, r2 = 2 - 2 cos th), R by the
             Marchenko-Pastur quadrature of make_l2sp_ref.limit_risk (no
             quadratic equation) at lambda* = sigma^2 psi / r2 (the optimum
             that make_l2sp_ref.py found numerically).

Conventions, as the library: g_lpft_* = 1 when T > 0 on all of (0, 1), 0 when
T <= 0 just above 0; g_l2sp = 0 when T_l2sp > 0 on all of (0, 1), 1 when
nowhere. Also written for comparison: g_lpft_sc_quad, make_lpft_ref.g_star
(the quadratic by numpy.roots), and g_l2sp_quartic, the root in (0, 1) of
the quartic eps u^2 (u^2 - s^2 u + 2 s^2) + s^4 (1 - u) in u = 1 - gamma
(eps = 2 cos th - 1) by numpy.roots. The script exits non-zero if either
differs from the root find by more than 1e-7.

Writes boundary_ref.csv beside this script: theta,sigma,depth,g_lpft_sc,
g_lpft_ft,g_l2sp,g_lpft_sc_quad,g_l2sp_quartic (17 significant digits).
Run with the system interpreter: /usr/bin/python3 tests/ref/make_boundary_ref.py
"""
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_l2sp_ref  # noqa: E402
import make_lpft_ref  # noqa: E402

THETAS = (0.2, math.pi / 8, math.pi / 4, 1.0, 3 * math.pi / 8, 1.4, 1.52, 1.8, 2.2, 2.8)
SIGMAS = (0.0, 0.1, 0.3, 0.7, 1.5)
DEPTHS = (2, 3, 4)
GRID = 2000
GRID_L2SP = 400  # each point a quadrature; T_l2sp has one sign change below 1


def t_lpft(g, th, s, L):
    ct = math.cos(th)
    b = g + g * s * s / (1 - g)
    c = make_lpft_ref.lpft_c(1.0, 1 - g, 1 - ct * ct, b, L, 1.0)
    return (1 - g) * (2 * abs(c) * abs(ct) - c * c)


def t_ft(g, th):
    return (1 - g) * (2 * math.cos(th) - 1)


def t_l2sp(g, th, s):
    psi, r2 = 1 / g, 2 - 2 * math.cos(th)
    r_sc = (1 - g) + g * s * s / (1 - g)
    lam = s * s * psi / r2
    return r_sc - make_l2sp_ref.limit_risk(psi, lam, s, r2)


def bisect(f, lo, hi):
    """f(lo) > 0 >= f(hi), lo and hi in either order: the sign change to 1e-13."""
    flo = f(lo) > 0
    while abs(hi - lo) > 1e-13:
        mid = 0.5 * (lo + hi)
        if (f(mid) > 0) == flo:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def scan(f, gs, at_first, none):
    """The first g of the ordered grid gs with f(g) <= 0, refined by bisection
    against the grid point before it; at_first if that is gs[0], none if no
    point has f <= 0."""
    prev = None
    for g in gs:
        if f(g) <= 0:
            return at_first if prev is None else bisect(f, prev, g)
        prev = g
    return none


def first_nonpositive(f):
    """inf{g in (0,1): f(g) <= 0}: 1 if none on the grid, 0 if at its first
    point; the grid adds 200 log-spaced points from 1e-12 (near theta = pi/2
    the LP-FT boundary is ~1e-4) and 200 up to 1 - 1e-12 (for theta > pi/2 the
    boundary against fine-tuning is 1 - O(sigma^2))."""
    gs = np.concatenate([np.logspace(-12, -3, 200, endpoint=False), np.arange(2, GRID) / GRID,
                         1 - np.logspace(-3.3, -12, 200)])
    return scan(f, gs, 0.0, 1.0)


def last_nonpositive(f):
    """sup{g in (0,1): f(g) <= 0}: 0 if none on the grid, 1 if at its last point."""
    return scan(f, np.arange(GRID_L2SP - 1, 0, -1) / GRID_L2SP, 1.0, 0.0)


def quartic_root(th, s):
    eps, s2 = 2 * math.cos(th) - 1, s * s
    if s2 == 0:
        return 0.0 if eps > 0 else 1.0
    # eps u^4 - eps s^2 u^3 + 2 eps s^2 u^2 - s^4 u + s^4
    roots = np.roots([eps, -eps * s2, 2 * eps * s2, -s2 * s2, s2 * s2])
    us = sorted(r.real for r in roots if abs(r.imag) <= 1e-9 and 0 < r.real <= 1 + 1e-12)
    return 1 - min(us[0], 1.0) if us else 0.0


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "boundary_ref.csv")
    worst = 0.0
    rows = []
    for th in THETAS:
        for s in SIGMAS:
            gl = last_nonpositive(lambda g: t_l2sp(g, th, s))
            gq = quartic_root(th, s)
            worst = max(worst, abs(gl - gq))
            for L in DEPTHS:
                gsc = first_nonpositive(lambda g: t_lpft(g, th, s, L))
                gft = first_nonpositive(lambda g: t_lpft(g, th, s, L) - t_ft(g, th))
                gquad = make_lpft_ref.g_star(math.cos(th), 1.0, 0.0, s, L)
                worst = max(worst, abs(gsc - gquad))
                rows.append((th, s, L, gsc, gft, gl, gquad, gq))
    with open(path, "w") as f:
        f.write("# generated by tests/ref/make_boundary_ref.py (numpy %s); do not edit\n" % np.__version__)
        f.write("theta,sigma,depth,g_lpft_sc,g_lpft_ft,g_l2sp,g_lpft_sc_quad,g_l2sp_quartic\n")
        for r in rows:
            f.write("%.17g,%.17g,%d,%s\n" % (r[0], r[1], r[2], ",".join("%.17g" % v for v in r[3:])))
    print(f"wrote {len(rows)} rows to {path}; root find vs closed forms: max |diff| {worst:.2e}",
          file=sys.stderr)
    if worst > 1e-7:
        sys.exit("the closed forms disagree with the root find")


if __name__ == "__main__":
    main()
