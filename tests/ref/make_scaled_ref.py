#!/usr/bin/env python3
"""Reference values of the finite-size theory with teachers of norms a_s, a_t
(THEORY.md, "Teachers of other norms"), written directly in the actual norms
(no rescaling argument): |beta_t| = a_t, beta_s = a_s u with cos(u, beta_t) =
cos theta, infinite source.

    R_sc  = a_t^2 (1 - g) + s^2 n / (d - n - 1)          (n + 1 < d)
          = s^2 d / (n - d - 1)                           (n > d + 1)
    R_lt  = r + (r + s^2) / (n - 2),  r = a_t^2 sin^2 theta   (lambda = 0)
    T_ft  = (1 - g) (2 c m - c^2 q),  m = a_s a_t cos theta, q = a_s^2,
            c > 0 the root of q c^(2L/(L-1)) - (1 - g) q c^2 - b = 0,
            b = a_t^2 g + s^2 n / (d - n - 1)              (n < d; 0 for n >= d)

c comes from numpy.roots of the polynomial in c (L = 2: in c^2; L = 3: cubic).
Writes scaled_ref.csv beside this script: d,n,depth,sigma,theta,a_s,a_t,
R_sc,T_lt,T_ft,c.
"""
import math
import os

import numpy as np


def ft_c(a, b, q, L):
    if L == 2:  # q x^2 - a q x - b = 0 in x = c^2
        x = max(r.real for r in np.roots([q, -a * q, -b]) if abs(r.imag) < 1e-12)
        return math.sqrt(x)
    if L == 3:  # q c^3 - a q c^2 - b = 0
        return max(r.real for r in np.roots([q, -a * q, 0.0, -b]) if abs(r.imag) < 1e-12 and r.real > 0)
    raise ValueError(L)


def row(d, n, L, s, th, a_s, a_t):
    g = n / d
    if n + 1 < d:
        rsc = a_t ** 2 * (1 - g) + s * s * n / (d - n - 1)
    else:
        rsc = s * s * d / (n - d - 1)
    r = a_t ** 2 * math.sin(th) ** 2
    rlt = r + (r + s * s) / (n - 2)
    if n < d:
        m, q = a_s * a_t * math.cos(th), a_s ** 2
        b = a_t ** 2 * g + s * s * n / (d - n - 1)
        c = ft_c(1 - g, b, q, L)
        tft = (1 - g) * (2 * c * m - c * c * q)
    else:
        c, tft = float("nan"), 0.0
    return [d, n, L, s, th, a_s, a_t, rsc, rsc - rlt, tft, c]


def main():
    rows = []
    for d, n in [(200, 60), (200, 150), (100, 150), (50, 20)]:
        for L in (2, 3):
            for s in (0.0, 0.3):
                for th in (0.0, math.pi / 5, math.pi / 2, 2.5):
                    for a_s, a_t in [(1, 1), (1, 3), (0.5, 0.5), (2, 1), (0.3, 1.7)]:
                        rows.append(row(d, n, L, s, th, a_s, a_t))
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scaled_ref.csv")
    with open(out, "w") as f:
        f.write("d,n,depth,sigma,theta,a_s,a_t,R_sc,T_lt,T_ft,c\n")
        for r in rows:
            f.write(",".join(repr(float(v)) if isinstance(v, float) else str(v) for v in r) + "\n")
    print("wrote %s (%d rows)" % (out, len(rows)))


if __name__ == "__main__":
    main()
