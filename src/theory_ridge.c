/* theory_ridge.c - ridge regression toward a reference point (THEORY.md
 * section 7, and section 8 for parameter transfer): the estimator
 * beta_hat = beta_ref + (S + lambda I)^{-1} (b - S beta_ref) on n samples of
 * y = X beta + sigma eps, x ~ N(0, I_d), whose error depends on the teacher
 * only through r2 = |beta - beta_ref|^2 (rotation invariance of X): the
 * ridge toy model has beta_ref = 0 (r2 = |beta_t|^2), L2-SP the pretrained
 * map (r2 = |beta_t - beta_s_hat|^2). */
#include <math.h>

#include "fate.h"

/* m = m(-lambda), m' and D = sqrt(a^2 + 4 psi lambda) (a = 1 - psi +
 * lambda) of the Marchenko-Pastur law of ratio psi = d/n, m the positive
 * root of psi lambda m^2 + a m - 1 = 0, m' = (psi m^2 + m)/D. The root is
 * written as a sum of positive terms on each side of a = 0: 2 / (a + D) for
 * a >= 0, (D - a) / (2 psi lambda) for a < 0 (psi > 1 + lambda), where
 * a + D cancels (2 / (a + D) alone, with m - lambda m' below, gave a
 * negative risk at psi = 3.5, lambda = 1e-8). */
static void mp_stieltjes(double *m, double *dm, double *D, double psi, double lambda)
{
    const double a = 1.0 - psi + lambda;
    *D = sqrt(a * a + 4.0 * psi * lambda);
    *m = a >= 0.0 ? 2.0 / (a + *D) : (*D - a) / (2.0 * psi * lambda);
    *dm = (psi * *m * *m + *m) / *D;
}

/* int s dmu(s) / (s + lambda)^2 = m - lambda m' for psi <= 1 (no atom),
 * written m (psi lambda m + 1 - psi) / D with the quadratic: positive terms,
 * where m - lambda m' cancels as lambda grows. */
static double mp_fit_le1(double psi, double lambda)
{
    double m, dm, D;
    mp_stieltjes(&m, &dm, &D, psi, lambda);
    return m * (psi * lambda * m + 1.0 - psi) / D;
}

/* The variance factor psi int s dmu(s) / (s + lambda)^2. For psi > 1 the
 * atom 1 - 1/psi of mu at 0 adds (1 - 1/psi)/lambda to both m and lambda m'
 * and their difference loses the digits the atom has (all of them as
 * lambda -> 0); the same integral over the law of X X^T / n, which is that
 * of X X^T / d (ratio 1/psi, no atom) scaled by psi, is
 * (1/psi) mp_fit_le1(1/psi, lambda/psi). */
static double mp_variance(double psi, double lambda)
{
    return psi <= 1.0 ? psi * mp_fit_le1(psi, lambda) : mp_fit_le1(1.0 / psi, lambda / psi) / psi;
}

/* lambda > 0: Dobriban and Wager 2018, R = r2 lambda^2 m' + sigma^2 psi
 * (m - lambda m'); lambda = 0: Hastie et al. 2022; lambda = +inf: the
 * estimator is beta_ref, R = r2. */
double fate_theory_ridge(double psi, double lambda, double sigma, double r2)
{
    if (!(psi > 0.0) || !isfinite(psi) || !(lambda >= 0.0) || !(sigma >= 0.0) || !(r2 >= 0.0)) return NAN;
    const double s2 = sigma * sigma;
    if (isinf(lambda)) return r2;
    if (lambda > 0.0) {
        double m, dm, D;
        mp_stieltjes(&m, &dm, &D, psi, lambda);
        return r2 * lambda * lambda * dm + s2 * mp_variance(psi, lambda);
    }
    return psi < 1.0 ? s2 * psi / (1.0 - psi) : psi > 1.0 ? r2 * (1.0 - 1.0 / psi) + s2 / (psi - 1.0) : INFINITY;
}

/* lambda = 0 at finite size (inverse-Wishart means): n > d + 1,
 * sigma^2 d/(n - d - 1); n < d - 1, r2 (1 - n/d) + sigma^2 n/(d - n - 1). */
double fate_theory_ridge_exact(size_t n, size_t d, double sigma, double r2)
{
    if (n == 0 || d == 0 || !(sigma >= 0.0) || !(r2 >= 0.0)) return NAN;
    const double nd = (double)n, dd = (double)d, s2 = sigma * sigma;
    if (nd > dd + 1.0) return s2 * dd / (nd - dd - 1.0);
    if (nd + 1.0 < dd) return r2 * (1.0 - nd / dd) + s2 * nd / (dd - nd - 1.0);
    return NAN;
}

/* The lambda that minimises fate_theory_ridge: the posterior mean of the
 * prior beta - beta_ref ~ N(0, (r2/d) I) with noise sigma^2, whose
 * log-posterior is |y - X beta|^2/(2 sigma^2) + d |beta - beta_ref|^2/(2 r2),
 * i.e. lambda* = sigma^2 psi / r2 in the loss |y - X beta|^2/n + lambda
 * |beta - beta_ref|^2 (the optimum of Dobriban and Wager 2018). r2 = 0:
 * +inf (the reference itself); sigma = 0: 0. */
double fate_theory_ridge_lambda_opt(double psi, double sigma, double r2)
{
    if (!(psi > 0.0) || !isfinite(psi) || !(sigma >= 0.0) || !(r2 >= 0.0)) return NAN;
    if (sigma == 0.0) return 0.0;
    return r2 > 0.0 ? sigma * sigma * psi / r2 : INFINITY;
}
