/* theory_aniso.c - regression on anisotropic Gaussian inputs x ~ N(0,
 * Sigma), Sigma = diag(eig) (THEORY.md section 11): the ridge / minimum-norm
 * risk |beta_hat - beta|_Sigma^2 through the deterministic equivalent of
 * Hastie, Montanari, Rosset and Tibshirani (Ann. Statist. 2022) and Bartlett,
 * Long, Lugosi and Tsigler (PNAS 2020), whose effective regularisation kappa
 * solves one scalar equation, and the exact finite-n mean of linear transfer
 * (ours). Spectra: a power law and a two-level (spiked) one, tr Sigma = d. */
#include <float.h>
#include <math.h>

#include "fate.h"

/* The eigenvalues must be positive and finite (a zero one is a direction the
 * inputs never visit: drop it from the basis instead). */
static int eig_ok(const double *eig, size_t d)
{
    if (!eig || d == 0) return 0;
    for (size_t i = 0; i < d; i++)
        if (!(eig[i] > 0.0) || !isfinite(eig[i])) return 0;
    return 1;
}

/* Scale eig so that tr Sigma = d (the isotropic normalisation |x|^2 ~ d). */
static void normalise_trace(double *eig, size_t d)
{
    double tr = 0.0;
    for (size_t i = 0; i < d; i++) tr += eig[i];
    const double s = (double)d / tr;
    for (size_t i = 0; i < d; i++) eig[i] *= s;
}

fate_status fate_spectrum_powerlaw(double *eig, size_t d, double alpha)
{
    if (!eig || d == 0 || !(alpha >= 0.0) || !isfinite(alpha)) return FATE_EINVAL;
    for (size_t i = 0; i < d; i++) eig[i] = pow((double)(i + 1), -alpha);
    normalise_trace(eig, d);
    return eig_ok(eig, d) ? FATE_OK : FATE_EINVAL; /* alpha so large that i^-alpha underflows */
}

fate_status fate_spectrum_spiked(double *eig, size_t d, size_t k, double ratio)
{
    if (!eig || d == 0 || k == 0 || k > d || !(ratio > 0.0) || !isfinite(ratio)) return FATE_EINVAL;
    for (size_t i = 0; i < d; i++) eig[i] = i < k ? ratio : 1.0;
    normalise_trace(eig, d);
    return eig_ok(eig, d) ? FATE_OK : FATE_EINVAL;
}

/* F(kappa) = lambda/kappa + df1(kappa)/n - 1 and its derivative, df1 =
 * sum eig_i/(eig_i + kappa): the fixed point lambda = kappa (1 - df1/n)
 * divided by kappa, strictly decreasing in kappa > 0 (both terms are). */
static double fp_F(double *dF, const double *eig, size_t d, double n, double lambda, double kappa)
{
    double df1 = 0.0, s2 = 0.0;
    for (size_t i = 0; i < d; i++) {
        const double r = 1.0 / (eig[i] + kappa);
        df1 += eig[i] * r;
        s2 += eig[i] * r * r;
    }
    if (dF) *dF = -lambda / (kappa * kappa) - s2 / n;
    return lambda / kappa + df1 / n - 1.0;
}

/* Safeguarded Newton on F in [lo, hi] (F(lo) > 0 >= F(hi)): a Newton step
 * that leaves the bracket is replaced by the geometric midpoint (kappa spans
 * many decades when n is close to d at lambda = 0). */
static double fp_solve(const double *eig, size_t d, double n, double lambda, double lo, double hi)
{
    double x = sqrt(lo * hi);
    for (int it = 0; it < 400; it++) {
        double dF;
        const double f = fp_F(&dF, eig, d, n, lambda, x);
        if (f == 0.0) return x;
        if (f > 0.0) lo = x;
        else hi = x;
        double xn = x - f / dF;
        if (!(xn > lo && xn < hi)) xn = sqrt(lo * hi);
        if (fabs(xn - x) <= 2.0 * DBL_EPSILON * x || hi - lo <= 4.0 * DBL_EPSILON * hi) return xn;
        x = xn;
    }
    return x;
}

/* kappa = 0 when lambda = 0 and n >= d (least squares: no implicit
 * regularisation); otherwise the unique positive root of F, bracketed by
 * hi = lambda + tr/n (F(hi) <= 0 since eig/(eig + k) < eig/k) and lo =
 * lambda (F = df1/n > 0) or, at lambda = 0 and d > n, hi halved until F > 0
 * (F -> d/n - 1 > 0 as kappa -> 0). */
fate_status fate_theory_aniso_kappa(double *kappa, const double *eig, size_t d, size_t n, double lambda)
{
    if (!kappa || !eig_ok(eig, d) || n == 0 || !(lambda >= 0.0) || !isfinite(lambda)) return FATE_EINVAL;
    if (lambda == 0.0 && n >= d) {
        *kappa = 0.0;
        return FATE_OK;
    }
    const double nn = (double)n;
    double tr = 0.0;
    for (size_t i = 0; i < d; i++) tr += eig[i];
    double hi = lambda + tr / nn, lo = lambda;
    if (lambda == 0.0) {
        lo = hi;
        while (lo > 0.0 && fp_F(NULL, eig, d, nn, 0.0, lo) <= 0.0) lo *= 0.5;
        if (!(lo > 0.0)) return FATE_ENUMERIC;
    }
    *kappa = fp_solve(eig, d, nn, lambda, lo, hi);
    return FATE_OK;
}

/* bias = kappa^2 sum eig_i b_i/(eig_i + kappa)^2 / (1 - df2/n),
 * var = sigma^2 (df2/n)/(1 - df2/n), df2 = sum eig_i^2/(eig_i + kappa)^2
 * (THEORY.md section 11). At the fixed point 1 - df2/n = lambda/kappa +
 * (kappa/n) sum eig_i/(eig_i + kappa)^2, a sum of positive terms, where the
 * direct difference cancels as n approaches d at lambda = 0; kappa = 0
 * (n >= d, lambda = 0) gives df2 = d. b_i = beta_i^2, or 1/d for a unit
 * teacher uniform on the sphere (beta2 = NULL). */
fate_status fate_theory_aniso_ridge(double *risk, double *bias, double *var, const double *eig,
                                    const double *beta2, size_t d, size_t n, double lambda, double sigma)
{
    if (!risk || !(sigma >= 0.0) || !isfinite(sigma)) return FATE_EINVAL;
    for (size_t i = 0; beta2 && i < d; i++)
        if (!(beta2[i] >= 0.0) || !isfinite(beta2[i])) return FATE_EINVAL;
    double kappa;
    fate_status st = fate_theory_aniso_kappa(&kappa, eig, d, n, lambda);
    if (st != FATE_OK) return st;
    const double nn = (double)n, s2 = sigma * sigma;
    double b, v;
    if (kappa == 0.0) {
        b = 0.0;
        v = n > d ? s2 * (double)d / (nn - (double)d) : (s2 > 0.0 ? INFINITY : 0.0);
    } else {
        double sb = 0.0, sd = 0.0, df2 = 0.0;
        for (size_t i = 0; i < d; i++) {
            const double r = 1.0 / (eig[i] + kappa);
            sb += eig[i] * r * r * (beta2 ? beta2[i] : 1.0 / (double)d);
            sd += eig[i] * r * r;
            df2 += eig[i] * eig[i] * r * r;
        }
        const double den = lambda / kappa + kappa * sd / nn;
        b = kappa * kappa * sb / den;
        v = s2 * (df2 / nn) / den;
    }
    *risk = b + v;
    if (bias) *bias = b;
    if (var) *var = v;
    return FATE_OK;
}

/* The fit a_hat = z.y/|z|^2 on z = X beta_s: y = a z + r with a = c/q,
 * c = beta_s^T Sigma beta_t, q = beta_s^T Sigma beta_s, r ~ N(0, v)
 * independent of z, v = |beta_t|_Sigma^2 - c^2/q + sigma^2. The risk of
 * a_hat beta_s is (a_hat - a)^2 q + (|beta_t|_Sigma^2 - c^2/q) (the cross
 * term is (a_hat - a)(a q - c) = 0), and E (a_hat - a)^2 = v E[1/|z|^2]
 * = v/(q (n - 2)) (|z|^2 = q chi^2_n). Mean: rho + v/(n - 2), rho the
 * irreducible part; infinite for n <= 2 (ours, THEORY.md section 11). */
fate_status fate_theory_aniso_lt_exact(double *risk, const double *eig, const double *beta_s,
                                       const double *beta_t, size_t d, size_t n, double sigma)
{
    if (!risk || !beta_s || !beta_t || !eig_ok(eig, d) || n == 0 || !(sigma >= 0.0) || !isfinite(sigma))
        return FATE_EINVAL;
    double q = 0.0, c = 0.0, t = 0.0;
    for (size_t i = 0; i < d; i++) {
        if (!isfinite(beta_s[i]) || !isfinite(beta_t[i])) return FATE_EINVAL;
        q += eig[i] * beta_s[i] * beta_s[i];
        c += eig[i] * beta_s[i] * beta_t[i];
        t += eig[i] * beta_t[i] * beta_t[i];
    }
    if (!(q > 0.0)) return FATE_EINVAL; /* beta_s = 0: no feature to fit */
    const double rho = fmax(t - c * c / q, 0.0); /* >= 0 by Cauchy-Schwarz; rounding aside */
    *risk = n > 2 ? rho + (rho + sigma * sigma) / ((double)n - 2.0) : INFINITY;
    return FATE_OK;
}
