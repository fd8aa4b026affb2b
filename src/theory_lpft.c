/* theory_lpft.c - LP-FT, a linear probe then fine-tuning (ours; THEORY.md
 * section 8). Gradient flow from weights whose layers stay rank one along
 * the pretrained direction u: W_1 = x v_1^T, W_l = s_l v_{l-1} v_l^T, w_L =
 * w v_{L-1}. It conserves W_l^T W_l - W_{l+1} W_{l+1}^T, so after balanced
 * pretraining every layer has the same scale, |beta_pre|^(1/L), and the
 * probe (beta_lt = k beta_pre) changes only the last one, by the factor k:
 * in units of that scale squared the last law keeps s^2 - w^2 = delta =
 * 1 - k^2, the others |x| = s_2 = .. = s_{L-1} = s. GD moves W_1 only
 * inside the row space of X, so (I-P) x stays (I-P) u; at the interpolating
 * end point P beta = beta_sc. With xi = s^2 this gives
 *     q xi^(L-2) (xi - delta) (xi - a) = b,   c = sign(k) sqrt(xi^(L-2) (xi - delta))
 * for the coefficient c of (I-P) beta_pre in beta_lpft - beta_sc, with
 * a = |(I-P) u|^2, b = |beta_sc|^2, q = |beta_pre|^2. Fine-tuning is
 * k = 1 (delta = 0), where this is fate_theory_ft_c's equation; at depth 2
 * and q = 1 it is c^4 - (a - delta) c^2 - b = 0. */
#include <math.h>

#include "fate.h"

/* The root of h(xi) = q xi^(L-2)(xi - delta)(xi - a) - b above xi0 =
 * max(0, a, delta): h(xi0) = -b <= 0 and h increases there (a product of
 * non-negative increasing factors); at xi0 + t with q t^L = b every factor is
 * >= t, so h >= 0: bisection on that bracket to the last bit. */
static double lpft_xi(double q, double a, double delta, double b, size_t depth)
{
    double lo = fmax(fmax(a, delta), 0.0), hi = lo + pow(b / q, 1.0 / (double)depth);
    while (hi > lo) {
        const double mid = 0.5 * (lo + hi);
        if (mid <= lo || mid >= hi) break;
        const double h = q * pow(mid, (double)depth - 2.0) * (mid - delta) * (mid - a) - b;
        if (h < 0.0) lo = mid;
        else hi = mid;
    }
    return hi;
}

double fate_theory_lpft_c(double a, double b, double q, double k2, size_t depth)
{
    if (depth < 2 || !(q > 0.0) || !isfinite(q) || !(b >= 0.0) || !isfinite(a) || !(k2 >= 0.0) || !isfinite(k2))
        return NAN;
    if (isinf(b)) return INFINITY;
    const double delta = 1.0 - k2, xi = lpft_xi(q, a, delta, b, depth);
    return sqrt(pow(xi, (double)depth - 2.0) * fmax(xi - delta, 0.0));
}

/* The probe's squared coefficient k^2 (beta_lt = k beta_pre): lambda = 0, with
 * beta_t = (m/q) beta_pre + beta_perp, the fit on z = X beta_pre is m/q plus
 * z.(X beta_perp + sigma eps)/|z|^2, so E k^2 = (m/q)^2 + (1 - m^2/q +
 * sigma^2)/(q (n - 2)); lambda > 0: the limit m/(q + lambda q^(1/L)) (the
 * ridge acts on the last layer, whose features have norm |beta_pre|^((L-1)/L)). */
static double probe_k2(size_t n, double sigma, double m, double q, double lambda, size_t depth)
{
    if (lambda > 0.0) {
        const double k = m / (q + lambda * pow(q, 1.0 / (double)depth));
        return k * k;
    }
    return (m / q) * (m / q) + (1.0 - m * m / q + sigma * sigma) / (q * ((double)n - 2.0));
}

/* |c| at finite size: a = 1 - n/d, b = n/d + sigma^2 n/(d-n-1) (as for
 * fine-tuning) and probe_k2; NaN for n >= d or n <= 2. */
static double lpft_c_size(size_t n, size_t d, double sigma, double m, double q, double lambda, size_t depth)
{
    if (n <= 2 || n >= d || !(sigma >= 0.0) || depth < 2 || !(q > 0.0) || isnan(m) || !(lambda >= 0.0))
        return NAN;
    const double nd = (double)n, dd = (double)d, g = nd / dd, s2 = sigma * sigma;
    const double b = n + 1 == d && s2 > 0.0 ? INFINITY : g + (s2 > 0.0 ? s2 * nd / (dd - nd - 1.0) : 0.0);
    return fate_theory_lpft_c(1.0 - g, b, q, probe_k2(n, sigma, m, q, lambda, depth), depth);
}

/* The probe's sign is that of m in the limit and the last layer keeps it, so
 * c carries it: theta and pi - theta give the same T, as for linear
 * transfer. At m = 0 the sign is a coin flip and the mean c is 0. */
double fate_theory_lpft_c_exact(size_t n, size_t d, double sigma, double m, double q, double lambda, size_t depth)
{
    const double c = lpft_c_size(n, d, sigma, m, q, lambda, depth);
    return m == 0.0 ? 0.0 * c : copysign(c, m);
}

/* E[sign(k) m_P], m_P = <(I-P) beta_pre, beta_t>: at finite n the probe's sign
 * follows the in-sample overlap, which lowers T by O(n^-1/2) where |m/q| is
 * not large against the probe's spread s_k. With k Gaussian, mean m/q,
 * variance s_k^2 = (1 - m^2/q + sigma^2)/(q n), and its covariance
 * -(1 - m^2/q) g (1 - g)/n with m_P (mean m (1 - g)), Stein's lemma gives
 * (1 - g)[m (2 Phi(r) - 1) - 2 g (1 - m^2/q) phi(r)/(n s_k)], r = (m/q)/s_k. */
static double sign_overlap(double m, double q, double sigma, size_t n, double g)
{
    const double rr = fmax(0.0, 1.0 - m * m / q), nd = (double)n;
    const double sk = sqrt((rr + sigma * sigma) / (q * nd));
    if (sk == 0.0) return (1.0 - g) * fabs(m);
    const double r = (m / q) / sk;
    const double phi = exp(-0.5 * r * r) / sqrt(2.0 * M_PI);
    return (1.0 - g) * (m * erf(r / M_SQRT2) - 2.0 * g * rr * phi / (nd * sk));
}

/* T = 2 |c| E[sign(k) m_P] - c^2 q (1 - n/d) for n < d, 0 for n >= d (the
 * least-squares solution, as scratch); -inf at n = d - 1 with noise. */
double fate_theory_T_lpft_exact(size_t n, size_t d, double sigma, double m, double q, double lambda,
                                size_t depth)
{
    if (n == 0 || d == 0 || !(sigma >= 0.0) || depth < 2 || !(q > 0.0) || isnan(m) || !(lambda >= 0.0))
        return NAN;
    if (n >= d) return 0.0;
    const double c = lpft_c_size(n, d, sigma, m, q, lambda, depth), g = (double)n / (double)d;
    if (isinf(c)) return -INFINITY;
    return 2.0 * c * sign_overlap(m, q, sigma, n, g) - c * c * q * (1.0 - g);
}

/* The limit n, d -> inf, unit teachers, infinite source: a = 1 - g, b = g +
 * g sigma^2/(1 - g), k = cos(theta), delta = sin^2(theta);
 * T = (1 - g)(2 |c| |cos th| - c^2). */
double fate_theory_T_lpft(double gamma, double theta, double sigma, size_t depth)
{
    if (!(gamma > 0.0) || !isfinite(gamma) || !(theta >= 0.0 && theta <= M_PI) || !(sigma >= 0.0) || depth < 2)
        return NAN;
    if (gamma >= 1.0) return 0.0;
    const double ct = cos(theta);
    const double c = fate_theory_lpft_c(1.0 - gamma, gamma + gamma * sigma * sigma / (1.0 - gamma), 1.0, ct * ct, depth);
    return (1.0 - gamma) * (2.0 * c * fabs(ct) - c * c);
}

/* The limit with source moments (m, q) and the probe's ridge lambda:
 * a = 1 - g, b = g + g sigma^2/(1 - g), k = m/q at lambda = 0, else the
 * limit m/(q + lambda q^(1/L)) (probe_k2); c carries the sign of m and
 * T = (1 - g)(2 c m - c^2 q) (fine-tuning's T with LP-FT's c, THEORY.md
 * section 8). For g >= 1: T = 0, c NaN. With m = cos th, q = 1, lambda = 0
 * this is fate_theory_T_lpft. */
double fate_theory_lpft_c_moments(double gamma, double sigma, double m, double q, double lambda, size_t depth)
{
    if (!(gamma > 0.0) || !isfinite(gamma) || !(sigma >= 0.0) || !isfinite(sigma) || depth < 2 || !(q > 0.0) ||
        !isfinite(m) || !(lambda >= 0.0) || !isfinite(lambda) || gamma >= 1.0)
        return NAN;
    const double k = m / (q + (lambda > 0.0 ? lambda * pow(q, 1.0 / (double)depth) : 0.0));
    const double b = gamma + gamma * sigma * sigma / (1.0 - gamma);
    const double c = fate_theory_lpft_c(1.0 - gamma, b, q, k * k, depth);
    return m == 0.0 ? 0.0 * c : copysign(c, m);
}

double fate_theory_T_lpft_moments(double gamma, double sigma, double m, double q, double lambda, size_t depth)
{
    if (gamma >= 1.0 && isfinite(gamma) && sigma >= 0.0 && isfinite(sigma) && depth >= 2 && q > 0.0 &&
        isfinite(m) && lambda >= 0.0 && isfinite(lambda))
        return 0.0;
    const double c = fate_theory_lpft_c_moments(gamma, sigma, m, q, lambda, depth);
    return (1.0 - gamma) * (2.0 * c * m - c * c * q);
}
