/*
 * theory.c - closed forms of THEORY.md section 3 (and the linear KL of
 * section 4): scratch double descent, linear transfer, fine-tuning (paper's
 * c = 1 and our gradient-flow c), finite-source moments, the phase boundary
 * of linear transfer, and fate_theory_eval which gathers them all.
 *
 * Conventions (fate.h): gamma = n/d, gamma_s = n_src/d. Values that diverge
 * are +INFINITY (or -INFINITY where a transferability tends to minus
 * infinity); arguments outside the domain give NaN. NaN arguments propagate
 * as NaN. Only <math.h> is used.
 *
 * Noise-free limits. The "+INFINITY at the interpolation threshold" rules
 * come from the noise term s^2/(1-g) (or s^2 n/(d-n-1)); at s = 0 that term is
 * absent and the risk stays finite, so every function below evaluates the
 * s = 0 case without the noise term (e.g. scratch(1, 0) = 0, not 0/0 or inf).
 */
#include "fate.h"
#include "theory_methods.h"

#include <math.h>
#include <stdbool.h>

/* M_PI is POSIX, not C17; this literal rounds to the same double. */
#define FATE_PI 3.14159265358979323846

/* ------------------------------------------------------------------------ */
/* Domain helpers                                                            */
/* ------------------------------------------------------------------------ */

/* theta in [0, pi] (NaN fails). */
static bool theta_ok(double theta)
{
    return theta >= 0.0 && theta <= FATE_PI;
}

/* The angle in [0, pi/2] with the same cos^2 and sin^2: pi - theta for
 * theta > pi/2 (exact there, by Sterbenz's lemma). Every quantity of the
 * theory that depends on theta only through cos^2 or sin^2 takes its sine of
 * this angle: sin(FATE_PI) is 1.2e-16, not 0, since FATE_PI is pi rounded,
 * so sin(theta) would make theta = pi differ from theta = 0 (and theta from
 * pi - theta) where the theory is symmetric. */
static double fold_angle(double theta)
{
    return theta > 0.5 * FATE_PI ? FATE_PI - theta : theta;
}

/* A finite-size model in d = 1 exists only at theta 0 or pi (fate_teachers:
 * no direction is orthogonal to beta_t). */
static bool theta_ok_for_d(double theta, size_t d)
{
    return d != 1 || theta == 0.0 || theta == FATE_PI;
}

/* A noise level: finite and >= 0 (NaN fails). */
static bool sigma_ok(double sigma)
{
    return sigma >= 0.0 && isfinite(sigma);
}

/* A sample ratio gamma: > 0 and not NaN (+INFINITY allowed). */
static bool ratio_ok(double gamma)
{
    return gamma > 0.0;
}

/* ------------------------------------------------------------------------ */
/* Scratch                                                                   */
/* ------------------------------------------------------------------------ */

/* R_sc = (1-g) + g s^2/(1-g)  for g < 1,
 *        s^2/(g-1)            for g > 1,
 *        +INFINITY            at g = 1 when s > 0 (0 when s = 0). */
double fate_theory_scratch(double gamma, double sigma)
{
    if (!ratio_ok(gamma) || !sigma_ok(sigma))
        return NAN;
    const double s2 = sigma * sigma;
    if (gamma < 1.0)
        return (1.0 - gamma) + (s2 > 0.0 ? gamma * s2 / (1.0 - gamma) : 0.0);
    if (gamma > 1.0)
        return s2 > 0.0 ? s2 / (gamma - 1.0) : 0.0;
    return s2 > 0.0 ? INFINITY : 0.0;
}

/* E R_sc at finite size (inverse-Wishart means):
 *   1 - n/d + s^2 n/(d-n-1)  for n < d-1,
 *   s^2 d/(n-d-1)            for n > d+1,
 *   +INFINITY                for d-1 <= n <= d+1 when s > 0.
 * At s = 0 the noise term vanishes: 1 - n/d for n <= d, 0 for n >= d.
 * n = 0 or d = 0: NaN. */
double fate_theory_scratch_exact(size_t n, size_t d, double sigma)
{
    if (n == 0 || d == 0 || !sigma_ok(sigma))
        return NAN;
    const double s2 = sigma * sigma;
    const double nd = (double)n, dd = (double)d;
    if (s2 == 0.0)
        return n < d ? 1.0 - nd / dd : 0.0;
    if (n + 1 < d)
        return 1.0 - nd / dd + s2 * nd / (dd - nd - 1.0);
    if (n > d + 1)
        return s2 * dd / (nd - dd - 1.0);
    return INFINITY;
}

/* ------------------------------------------------------------------------ */
/* Linear transfer                                                           */
/* ------------------------------------------------------------------------ */

/* E R_lt = sin^2 th + (sin^2 th + s^2)/(n-2), lambda = 0, infinite source,
 * exact for n > 2 (E 1/chi^2_n = 1/(n-2)); n <= 2: NaN. */
double fate_theory_lt_exact(size_t n, double theta, double sigma)
{
    if (n <= 2 || !theta_ok(theta) || !sigma_ok(sigma))
        return NAN;
    const double s = sin(fold_angle(theta));
    const double sin2 = s * s;
    return sin2 + (sin2 + sigma * sigma) / ((double)n - 2.0);
}

/* R_lt = 1 - (1 + 2 lam)/(1 + lam)^2 cos^2 th (asymptotic, ridge lam >= 0).
 * Since (1+2 lam)/(1+lam)^2 <= 1, ridge never lowers the risk below lam = 0. */
double fate_theory_lt_ridge(double theta, double lambda)
{
    if (!theta_ok(theta) || !(lambda >= 0.0))
        return NAN;
    const double c = cos(theta);
    if (isinf(lambda))
        return 1.0;
    const double l1 = 1.0 + lambda;
    return 1.0 - (1.0 + 2.0 * lambda) / (l1 * l1) * c * c;
}

/* ------------------------------------------------------------------------ */
/* Finite source                                                             */
/* ------------------------------------------------------------------------ */

/* Asymptotic moments of beta_s_hat = X_s^+ y_s (g_s = gamma_src, s = sigma_src):
 *   m = E<beta_t, beta_s_hat> = cos th min(1, g_s),
 *   q = E|beta_s_hat|^2 = g_s + g_s s^2/(1-g_s)   (g_s < 1),
 *                         1 + s^2/(g_s-1)         (g_s > 1),
 *                         +INFINITY               (g_s = 1, s > 0).
 * At s = 0, q = min(1, g_s). gamma_src = +INFINITY is the infinite source
 * (m = cos th, q = 1); gamma_src <= 0 or NaN, a bad theta or sigma_src: NaN. */
void fate_theory_source_moments(double *m, double *q, double theta, double gamma_src,
                                double sigma_src)
{
    double mm = NAN, qq = NAN;
    if (theta_ok(theta) && ratio_ok(gamma_src) && sigma_ok(sigma_src)) {
        const double s2 = sigma_src * sigma_src;
        const double g = gamma_src;
        mm = cos(theta) * (g < 1.0 ? g : 1.0);
        if (s2 == 0.0)
            qq = g < 1.0 ? g : 1.0;
        else if (g < 1.0)
            qq = g + g * s2 / (1.0 - g);
        else if (g > 1.0)
            qq = 1.0 + s2 / (g - 1.0); /* g = +INF gives 1 */
        else
            qq = INFINITY;
    }
    if (m)
        *m = mm;
    if (q)
        *q = qq;
}

/* Exact moments at finite size (inverse-Wishart means):
 *   m = cos th min(1, n_src/d),
 *   q = n_src/d + s^2 n_src/(d-n_src-1)  (n_src < d-1),
 *       1 + s^2 d/(n_src-d-1)            (n_src > d+1),
 *       +INFINITY                        (d-1 <= n_src <= d+1, s > 0).
 * At s = 0, q = min(1, n_src/d). n_src = 0 or d = 0, or d = 1 with theta
 * other than 0 and pi (no such teachers): NaN (pass m = cos th,
 * q = 1 yourself for an infinite source). */
void fate_theory_source_moments_exact(double *m, double *q, double theta, size_t n_src,
                                      size_t d, double sigma_src)
{
    double mm = NAN, qq = NAN;
    if (theta_ok(theta) && n_src > 0 && d > 0 && sigma_ok(sigma_src) && theta_ok_for_d(theta, d)) {
        const double s2 = sigma_src * sigma_src;
        const double ns = (double)n_src, dd = (double)d;
        const double frac = n_src < d ? ns / dd : 1.0;
        mm = cos(theta) * frac;
        if (s2 == 0.0)
            qq = frac;
        else if (n_src + 1 < d)
            qq = ns / dd + s2 * ns / (dd - ns - 1.0);
        else if (n_src > d + 1)
            qq = 1.0 + s2 * dd / (ns - dd - 1.0);
        else
            qq = INFINITY;
    }
    if (m)
        *m = mm;
    if (q)
        *q = qq;
}

/* Risk of the scalar refit b = m/(q + lam) along the pretrained direction:
 * |b beta_s_hat - beta_t|^2 -> 1 - 2 m^2/(q + lam) + m^2 q/(q + lam)^2.
 * q = +INFINITY (a diverging source estimate) gives b -> 0 and risk 1.
 * q <= 0, lam < 0 or NaN: NaN. */
double fate_theory_lt_moments(double m, double q, double lambda)
{
    if (!(q > 0.0) || !(lambda >= 0.0) || isnan(m))
        return NAN;
    if (isinf(q) || isinf(lambda))
        return 1.0;
    const double ql = q + lambda;
    const double m2 = m * m;
    return 1.0 - 2.0 * m2 / ql + m2 * q / (ql * ql);
}

/* 1 - m^2/q with the asymptotic source moments (lambda = 0). */
double fate_theory_lt_source(double theta, double gamma_src, double sigma_src)
{
    double m, q;
    fate_theory_source_moments(&m, &q, theta, gamma_src, sigma_src);
    return fate_theory_lt_moments(m, q, 0.0);
}

/* r + (r + s^2)/(n-2), r = 1 - m^2/q (q = +INFINITY: r = 1); n <= 2: NaN. */
double fate_theory_lt_exact_moments(size_t n, double m, double q, double sigma)
{
    if (n <= 2 || !sigma_ok(sigma))
        return NAN;
    const double r = fate_theory_lt_moments(m, q, 0.0);
    if (isnan(r))
        return NAN;
    return r + (r + sigma * sigma) / ((double)n - 2.0);
}

/* ------------------------------------------------------------------------ */
/* Fine-tuning                                                               */
/* ------------------------------------------------------------------------ */

/* Paper (c = 1): T_ft = (1-g)(2 cos th - 1) for g <= 1, 0 for g > 1. */
double fate_theory_T_ft(double gamma, double theta)
{
    if (!ratio_ok(gamma) || !theta_ok(theta))
        return NAN;
    if (gamma >= 1.0)
        return 0.0;
    return (1.0 - gamma) * (2.0 * cos(theta) - 1.0);
}

/* Paper with a finite source: (1-g)(2m - q) for g < 1 with the asymptotic
 * moments (m, q) of fate_theory_source_moments, 0 for g >= 1. q = +INFINITY
 * (g_s = 1, s_s > 0) gives -INFINITY for g < 1. */
double fate_theory_T_ft_source(double gamma, double theta, double gamma_src,
                               double sigma_src)
{
    double m, q;
    fate_theory_source_moments(&m, &q, theta, gamma_src, sigma_src);
    if (!ratio_ok(gamma) || isnan(m) || isnan(q))
        return NAN;
    if (gamma >= 1.0)
        return 0.0;
    return (1.0 - gamma) * (2.0 * m - q);
}

/* Positive root c of q c^(2L/(L-1)) - a q c^2 - b = 0 (L = depth >= 2).
 *
 * With x = c^(2/(L-1)) (so c^2 = x^(L-1), c^(2L/(L-1)) = x^L) the equation is
 *   h(x) = q x^(L-1) (x - a) - b = 0.
 * For b > 0, h < 0 on [0, max(a,0)] and h is increasing and convex on
 * (max(a,0), inf), so the positive root is unique and lies in
 *   [x0, x0 + (b/q)^(1/L)],  x0 = max(a, 0)
 * (at x = x0 + t, x^(L-1)(x-a) >= t^L). L = 2 is the quadratic
 * q x^2 - a q x - b = 0, solved in closed form (without cancellation);
 * L >= 3 by Newton's method started at the upper end of the bracket: on an
 * increasing convex function the iterates decrease monotonically to the
 * root, and we stop when they stop decreasing (full double precision).
 *
 * b = 0: the root x = a if a > 0, else 0. b = +INFINITY: +INFINITY.
 * q = +INFINITY: the limit b/q -> 0, i.e. as b = 0.
 * depth < 2, q <= 0, b < 0, a not finite or NaN: NaN. */
double fate_theory_ft_c(double a, double b, double q, size_t depth)
{
    if (depth < 2 || !(q > 0.0) || !(b >= 0.0) || !isfinite(a))
        return NAN;
    const double L = (double)depth;
    const double cpow = (L - 1.0) / 2.0; /* c = x^cpow */
    const double x0 = a > 0.0 ? a : 0.0;
    if (isinf(b))
        return isinf(q) ? NAN : INFINITY;
    if (b == 0.0 || isinf(q))
        return x0 > 0.0 ? pow(x0, cpow) : 0.0;
    const double r = b / q; /* h(x)/q = x^(L-1)(x-a) - r */

    double x;
    if (depth == 2) {
        /* x^2 - a x - r = 0, x = (a + sqrt(a^2 + 4 r))/2 = 2 r/(sqrt(.) - a). */
        const double disc = sqrt(a * a + 4.0 * r);
        x = a >= 0.0 ? 0.5 * (a + disc) : 2.0 * r / (disc - a);
    } else {
        x = x0 + pow(r, 1.0 / L); /* h(x) >= 0 here */
        for (int it = 0; it < 10000; ++it) {
            const double xp = pow(x, L - 2.0); /* x^(L-2) */
            const double h = xp * x * (x - a) - r;
            const double dh = xp * (L * x - (L - 1.0) * a); /* > 0 for x > x0 */
            if (!(h > 0.0) || !(dh > 0.0))
                break; /* at (or, by rounding, just below) the root */
            const double xn = x - h / dh;
            if (!(xn < x))
                break; /* no more progress */
            x = xn > x0 ? xn : x0;
            if (x == x0)
                break;
        }
    }
    return pow(x, cpow);
}

/* T_ft = (1-g)(2 c cos th - c^2) with c = ft_c(1-g, g + g s^2/(1-g), 1, L)
 * for g < 1; 0 for g >= 1. At s = 0, c = 1 and this is fate_theory_T_ft. */
double fate_theory_T_ft_gf(double gamma, double theta, double sigma, size_t depth)
{
    if (!ratio_ok(gamma) || !theta_ok(theta) || !sigma_ok(sigma) || depth < 2)
        return NAN;
    if (gamma >= 1.0)
        return 0.0;
    const double a = 1.0 - gamma;
    const double b = gamma + gamma * sigma * sigma / (1.0 - gamma);
    const double c = fate_theory_ft_c(a, b, 1.0, depth);
    return (1.0 - gamma) * (2.0 * c * cos(theta) - c * c);
}

/* Finite size: for n < d, g = n/d, a = 1 - g, b = g + s^2 n/(d-n-1),
 * c = ft_c(a, b, q, L), T = (1-g)(2 c m - c^2 q); 0 for n >= d.
 * Divergences: at n = d-1 with s > 0, b = +INFINITY, so c = +INFINITY and the
 * -c^2 q term dominates: -INFINITY. q = +INFINITY (with m finite) also gives
 * -INFINITY (c > 0 since a > 0). n = 0, d = 0, s < 0, L < 2, q <= 0 or NaN
 * m: NaN. */
double fate_theory_T_ft_gf_exact(size_t n, size_t d, double sigma, double m, double q,
                                 size_t depth)
{
    if (n == 0 || d == 0 || !sigma_ok(sigma) || depth < 2 || !(q > 0.0) || isnan(m))
        return NAN;
    if (n >= d)
        return 0.0;
    const double nd = (double)n, dd = (double)d;
    const double g = nd / dd;
    const double s2 = sigma * sigma;
    if (isinf(q) || (s2 > 0.0 && n + 1 == d))
        return -INFINITY;
    const double a = 1.0 - g;
    const double b = g + (s2 > 0.0 ? s2 * nd / (dd - nd - 1.0) : 0.0);
    const double c = fate_theory_ft_c(a, b, q, depth);
    return (1.0 - g) * (2.0 * c * m - c * c * q);
}

/* ------------------------------------------------------------------------ */
/* Phase boundary and KL                                                     */
/* ------------------------------------------------------------------------ */

/* Roots of g^2 - (1 + cos^2 th - s^2) g + cos^2 th = 0. With c = |cos th| the
 * discriminant factors as (1-c-s)(1-c+s)(1+c-s)(1+c+s), computed that way
 * (exact at s = 0 and at double roots). Real roots in [0, 1] exist iff
 * s <= 1 - c; then both lie in [0, 1] (product c^2 <= 1, the polynomial is
 * c^2 >= 0 at 0 and s^2 >= 0 at 1, vertex < 1) and we return 2 (a double
 * root counts twice) with g_lo = c^2/g_hi, g_hi = (B + sqrt(D))/2. Otherwise
 * (complex roots, or for s >= 1 + c two negative roots that never bound a
 * region of gamma in (0, 1)) g_lo = g_hi = NaN and we return 0.
 * g_over = 1 + s^2/sin^2 th, +INFINITY at th = 0 and th = pi (sines and
 * cosines are taken at the folded angle, so th and pi - th agree exactly).
 * Bad theta or sigma: all NaN, return 0. */
int fate_theory_lt_boundary(double *g_lo, double *g_hi, double *g_over, double theta,
                            double sigma)
{
    double lo = NAN, hi = NAN, over = NAN;
    int count = 0;
    if (theta_ok(theta) && sigma_ok(sigma)) {
        const double c = cos(fold_angle(theta)); /* |cos th|, the same at pi - th */
        const double s = sigma;
        const double f1 = 1.0 - c - s;
        if (f1 >= 0.0) {
            const double disc = f1 * (1.0 - c + s) * (1.0 + c - s) * (1.0 + c + s);
            const double B = 1.0 + c * c - s * s; /* > 0 here */
            hi = 0.5 * (B + sqrt(disc));
            lo = hi > 0.0 ? c * c / hi : 0.0;
            if (lo > hi)
                lo = hi; /* rounding at a double root */
            count = 2;
        }
        const double sn = sin(fold_angle(theta)); /* so that pi gives +INFINITY like 0 */
        over = sn == 0.0 ? INFINITY : 1.0 + s * s / (sn * sn);
    }
    if (g_lo)
        *g_lo = lo;
    if (g_hi)
        *g_hi = hi;
    if (g_over)
        *g_over = over;
    return count;
}

/* KL(p_s || p_t) = |beta_s - beta_t|^2/(2 s^2) = (1 - cos th)/s^2, with
 * 1 - cos th computed as 2 sin^2(th/2). th = 0: 0 (identical laws, also at
 * s = 0); s = 0 and th > 0: +INFINITY. */
double fate_theory_kl_linear(double theta, double sigma)
{
    if (!theta_ok(theta) || !sigma_ok(sigma))
        return NAN;
    const double h = sin(0.5 * theta);
    const double num = 2.0 * h * h;
    if (num == 0.0)
        return 0.0;
    if (sigma == 0.0)
        return INFINITY;
    return num / (sigma * sigma);
}

/* ------------------------------------------------------------------------ */
/* Everything at one point                                                   */
/* ------------------------------------------------------------------------ */

/* n = round(ratio d) as a count; false when it is not representable. */
static bool count_of(double ratio, size_t d, size_t *n)
{
    const double x = round(ratio * (double)d);
    if (!(x >= 0.0) || !(x <= 9007199254740992.0)) /* 2^53 */
        return false;
    *n = (size_t)x;
    return true;
}

/* Fine-tuning transferability (1-g)(2 c m - c^2 q) for g < 1 (0 for g >= 1),
 * with the q = +INFINITY limit -INFINITY (for c > 0). */
static double t_ft_with(double g, double c, double m, double q)
{
    if (g >= 1.0)
        return 0.0;
    if (isinf(q) && c > 0.0)
        return -INFINITY;
    return (1.0 - g) * (2.0 * c * m - c * c * q);
}

static void fill_nan(fate_theory_point *p)
{
    p->R_sc = p->R_lt = p->R_ft = p->T_lt = p->T_ft = NAN;
    p->T_ft_gf = p->R_ft_gf = p->c_gf = NAN;
    p->R_sc_exact = p->R_lt_exact = p->T_lt_exact = p->T_ft_exact = NAN;
    p->T_ft_gf_exact = NAN;
    p->kl = NAN;
    theory_point_methods_nan(p);
}

/* Fills the outputs from the inputs (which are left unchanged):
 *   source: gamma_src <= 0 or +INFINITY: infinite (m = cos th, q = 1), else
 *           fate_theory_source_moments (asymptotic);
 *   R_sc = scratch(g, s); R_lt = lt_moments(m, q, lam); T_lt = R_sc - R_lt;
 *   T_ft = (1-g)_+ (2m - q) (paper, c = 1); R_ft = R_sc - T_ft;
 *   c_gf = ft_c(1-g, g + g s^2/(1-g), q, L) for g < 1 (NaN for g >= 1, where
 *   T_ft_gf = 0); T_ft_gf = (1-g)(2 c m - c^2 q); R_ft_gf = R_sc - T_ft_gf;
 *   kl = kl_linear(th, s).
 * Exact fields (NaN when d == 0, and when d == 1 with theta other than 0 and
 * pi, where no finite-size model exists): n = round(g d), exact source moments with
 * n_src = round(g_s d) (NaN when that is 0); R_sc_exact = scratch_exact;
 * R_lt_exact = lt_exact_moments(n, m, q, s) for lam = 0, and for lam > 0 the
 * asymptotic lt_moments(m, q, lam) with the exact source moments (no
 * finite-n closed form with ridge); T_lt_exact = R_sc_exact - R_lt_exact;
 * T_ft_exact = (1 - n/d)_+ (2m - q); T_ft_gf_exact = T_ft_gf_exact(n, d, ...).
 * The methods beyond the paper (LP-FT, L2-SP, the ridge baseline):
 * theory_methods.c. depth 0 means 2. FATE_EINVAL (outputs NaN) for sigma < 0, sigma_src < 0,
 * l2sp_lambda neither >= 0 nor FATE_LAMBDA_OPT,
 * lambda < 0, gamma <= 0, theta outside [0, pi], depth == 1, or non-finite
 * gamma, sigma, lambda, sigma_src. */
fate_status fate_theory_eval(fate_theory_point *p)
{
    if (!p)
        return FATE_EINVAL;
    fill_nan(p);
    const double g = p->gamma, th = p->theta, s = p->sigma, lam = p->lambda;
    const size_t L = p->depth == 0 ? 2 : p->depth;
    if (!(g > 0.0) || !isfinite(g) || !theta_ok(th) || !sigma_ok(s) ||
        !(lam >= 0.0) || !isfinite(lam) || !sigma_ok(p->sigma_src) || L < 2 ||
        isnan(p->gamma_src) || !theory_l2sp_lambda_ok(p->l2sp_lambda))
        return FATE_EINVAL;

    const bool infinite_src = p->gamma_src <= 0.0 || isinf(p->gamma_src);
    double m, q;
    if (infinite_src) {
        m = cos(th);
        q = 1.0;
    } else {
        fate_theory_source_moments(&m, &q, th, p->gamma_src, p->sigma_src);
    }

    /* asymptotic */
    p->R_sc = fate_theory_scratch(g, s);
    p->R_lt = fate_theory_lt_moments(m, q, lam);
    p->T_lt = p->R_sc - p->R_lt;
    p->T_ft = t_ft_with(g, 1.0, m, q);
    p->R_ft = p->R_sc - p->T_ft;
    if (g < 1.0) {
        const double a = 1.0 - g;
        const double b = g + g * s * s / (1.0 - g);
        p->c_gf = fate_theory_ft_c(a, b, q, L);
        p->T_ft_gf = t_ft_with(g, p->c_gf, m, q);
    } else {
        p->c_gf = NAN;
        p->T_ft_gf = 0.0;
    }
    p->R_ft_gf = p->R_sc - p->T_ft_gf;
    p->kl = fate_theory_kl_linear(th, s);
    theory_point_methods(p, m, q, L);

    /* exact at finite d */
    size_t n;
    if (p->d == 0 || !count_of(g, p->d, &n) || !theta_ok_for_d(th, p->d))
        return FATE_OK;
    const size_t d = p->d;
    double me = NAN, qe = NAN;
    size_t n_src;
    if (infinite_src) {
        me = cos(th);
        qe = 1.0;
    } else if (count_of(p->gamma_src, d, &n_src)) {
        fate_theory_source_moments_exact(&me, &qe, th, n_src, d, p->sigma_src);
    }
    p->R_sc_exact = fate_theory_scratch_exact(n, d, s);
    p->R_lt_exact = lam == 0.0 ? fate_theory_lt_exact_moments(n, me, qe, s)
                               : fate_theory_lt_moments(me, qe, lam);
    p->T_lt_exact = p->R_sc_exact - p->R_lt_exact;
    const double ge = n < d ? (double)n / (double)d : 1.0;
    p->T_ft_exact = (isnan(me) || isnan(qe) || n == 0) ? NAN : t_ft_with(ge, 1.0, me, qe);
    p->T_ft_gf_exact = fate_theory_T_ft_gf_exact(n, d, s, me, qe, L);
    theory_point_methods_exact(p, n, me, qe, L);
    return FATE_OK;
}
