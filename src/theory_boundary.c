/* theory_boundary.c - where the methods beyond the paper help (ours;
 * THEORY.md section 8, "Boundaries"): in the limit, unit teachers, infinite
 * source, lambda = 0 for the probe,
 *   LP-FT beats scratch         for 0 < gamma < g_lpft_sc,
 *   LP-FT beats fine-tuning     for 0 < gamma < g_lpft_ft   (the paper's c = 1),
 *   L2-SP at lambda* beats scratch for g_l2sp < gamma < 1 (and for every
 *                                  gamma > 1 when sigma > 0).
 * LP-FT: T_lpft = (1-g)(2|c||cos th| - c^2) and T_lpft - T_ft = (1-g)(1-|c|)
 * (1+|c|-2 cos th) (cos th >= 0) or (1-g)(1+|c|)(1-|c|+2|cos th|) (cos th < 0),
 * so each comparison is |c| < c0 with c0 = 2|cos th|, 1 or 1 + 2|cos th|
 * (with |cos th| < |c|, section 8). |c| < c0 iff xi < xi0, the root of
 * xi^(L-2)(xi - delta) = c0^2 (delta = sin^2 th; xi0 >= 1); as the LP-FT
 * polynomial h(xi) = xi^(L-2)(xi - delta)(xi - a) - b increases above its
 * root, that is h(xi0) > 0, and (1-g) h(xi0) is the quadratic in g
 *   Q(g) = (1 - A) g^2 + (A - A B - 1 - s^2) g + A B,   A = c0^2, B = xi0 - 1,
 * with Q(0) = A B >= 0 and Q(1) = -s^2 <= 0: the boundary is Q's smallest
 * root in (0, 1]. L2-SP: at lambda* the ridge risk is sigma^2 psi m(-lambda*)
 * (the two lambda m' terms cancel), and T = 0 puts m = R_sc/(sigma^2 psi) into
 * the Marchenko-Pastur quadratic: with u = 1 - g and eps = 1 - r2 = 2 cos th - 1,
 *   f(u) = eps u^2 (u^2 - s^2 u + 2 s^2) + s^4 (1 - u),   T_l2sp > 0 iff f(u) > 0. */
#include <math.h>

#include "fate.h"

/* The angle in [0, pi/2] with the same sin^2 (theory.c's fold_angle): the
 * sine of M_PI itself is 1.2e-16, not 0. */
static double sin2_folded(double theta)
{
    const double s = sin(theta > 0.5 * M_PI ? M_PI - theta : theta);
    return s * s;
}

/* xi0 >= max(delta, 0): xi^(L-2)(xi - delta) = A, closed at depth 2 and 3,
 * else bisection on [delta, delta + A^(1/(L-1))] (at xi = delta + t >= t the
 * left side is >= t^(L-1)). */
static double xi_at(double A, double delta, size_t depth)
{
    if (depth == 2) return A + delta;
    if (depth == 3) return 0.5 * (delta + sqrt(delta * delta + 4.0 * A));
    double lo = delta, hi = delta + pow(A, 1.0 / ((double)depth - 1.0));
    for (;;) {
        const double mid = 0.5 * (lo + hi);
        if (mid <= lo || mid >= hi) break;
        if (pow(mid, (double)depth - 2.0) * (mid - delta) < A) lo = mid;
        else hi = mid;
    }
    return hi;
}

/* The smallest root in (0, 1] of Q(g) = qa g^2 + qb g + qc with qc >= 0 and
 * Q(1) <= 0 (0 when qc = 0: then Q <= 0 just above 0); the roots in the
 * cancellation-free form q = -(qb + sign(qb) sqrt(disc))/2, q/qa and qc/q. */
static double first_root01(double qa, double qb, double qc)
{
    if (!(qc > 0.0)) return 0.0;
    if (qa == 0.0) return fmin(-qc / qb, 1.0);
    const double disc = fmax(qb * qb - 4.0 * qa * qc, 0.0);
    const double qq = -0.5 * (qb + copysign(sqrt(disc), qb));
    const double r1 = qq / qa, r2 = qc / qq;
    double r = 1.0;
    if (r1 > 0.0 && r1 < r) r = r1;
    if (r2 > 0.0 && r2 < r) r = r2;
    return r;
}

/* The gamma below which |c_lpft| < c0 (see the top of this file). */
static double lpft_gamma_below(double c0, double delta, double sigma, size_t depth)
{
    const double A = c0 * c0;
    if (!(A > 0.0)) return 0.0;
    const double B = fmax(xi_at(A, delta, depth) - 1.0, 0.0);
    return first_root01(1.0 - A, A - A * B - 1.0 - sigma * sigma, A * B);
}

void fate_theory_lpft_boundary(double *g_sc, double *g_ft, double theta, double sigma, size_t depth)
{
    double sc = NAN, ft = NAN;
    if (theta >= 0.0 && theta <= M_PI && sigma >= 0.0 && isfinite(sigma) && depth >= 2) {
        const double ct = cos(theta), delta = sin2_folded(theta);
        sc = lpft_gamma_below(2.0 * fabs(ct), delta, sigma, depth);
        ft = lpft_gamma_below(ct >= 0.0 ? 1.0 : 1.0 - 2.0 * ct, delta, sigma, depth);
    }
    if (g_sc) *g_sc = sc;
    if (g_ft) *g_ft = ft;
}

/* f(u) of the top of this file. */
static double l2sp_f(double u, double eps, double s2)
{
    return eps * u * u * (u * u - s2 * u + 2.0 * s2) + s2 * s2 * (1.0 - u);
}

/* sigma = 0: lambda* = 0, T_l2sp = (1-g)(1 - r2): 0 (beats everywhere below 1)
 * when r2 < 1, else 1. sigma > 0: f(0) = s^4 > 0; the first u on a 4096-point
 * grid with f(u) <= 0, then bisection to the last bit; none: 0. For eps < 0
 * and s^2 < 64/9, f' < 0 on (0, 1), so that root is the only one. */
double fate_theory_l2sp_boundary(double theta, double sigma)
{
    if (!(theta >= 0.0 && theta <= M_PI) || !(sigma >= 0.0) || !isfinite(sigma)) return NAN;
    const double eps = 2.0 * cos(theta) - 1.0, s2 = sigma * sigma;
    if (s2 == 0.0) return eps > 0.0 ? 0.0 : 1.0;
    const int N = 4096;
    for (int i = 1; i <= N; i++) {
        double hi = (double)i / N;
        if (l2sp_f(hi, eps, s2) > 0.0) continue;
        double lo = (double)(i - 1) / N;
        for (;;) {
            const double mid = 0.5 * (lo + hi);
            if (mid <= lo || mid >= hi) break;
            if (l2sp_f(mid, eps, s2) > 0.0) lo = mid;
            else hi = mid;
        }
        return 1.0 - hi;
    }
    return 0.0;
}
