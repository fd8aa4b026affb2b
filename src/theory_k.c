/* theory_k.c - linear transfer on a k-dimensional pretrained feature space
 * (ours; THEORY.md section 10). The pretrained features are z = B_s^T x, B_s
 * (d x k) orthonormal; the unit target beta_t has rho_par = |P_B beta_t|^2
 * inside span(B_s) and rho = 1 - rho_par outside. The head w is fit on z and
 * beta_hat = B_s w, so |beta_hat - beta_t|^2 = rho + |w_hat - B_s^T beta_t|^2.
 * Since x ~ N(0, I_d), the part x . (I - P_B) beta_t is independent of z:
 * the k-dimensional regression is ordinary (ridge) regression with signal
 * norm^2 rho_par and noise variance rho + sigma^2, which theory_ridge.c
 * already solves. */
#include <math.h>

#include "fate.h"

/* rho_par in [0, 1] and sigma >= 0, finite. */
static int k_args_ok(double rho_par, double sigma)
{
    return rho_par >= 0.0 && rho_par <= 1.0 && sigma >= 0.0 && isfinite(sigma);
}

/* Exact mean over x and the noise (section 10): with e ~ N(0, rho + s^2),
 * n > k + 1: least squares, rho + (rho + s^2) k/(n - k - 1) (inverse-Wishart
 * mean E[(Z^T Z)^{-1}] = I/(n - k - 1));
 * n < k - 1: the minimum-norm fit Z^+ y (what gradient descent from a zero
 * head reaches), fate_theory_ridge_exact at d = k: rho + rho_par (1 - n/k) +
 * (rho + s^2) n/(k - n - 1);
 * n in {k - 1, k, k + 1}: +INFINITY (the inverse-Wishart mean diverges). */
double fate_theory_lt_k_exact(size_t n, size_t k, double rho_par, double sigma)
{
    if (n == 0 || k == 0 || !k_args_ok(rho_par, sigma)) return NAN;
    const double rho = 1.0 - rho_par, nd = (double)n, kd = (double)k;
    if (nd > kd + 1.0) return rho + (rho + sigma * sigma) * kd / (nd - kd - 1.0);
    if (nd + 1.0 < kd) return rho + fate_theory_ridge_exact(n, k, sqrt(rho + sigma * sigma), rho_par);
    return INFINITY;
}

/* Limit n, k, d -> inf at gamma = n/d, kappa = k/d (section 10): rho +
 * fate_theory_ridge(psi = k/n = kappa/gamma, lambda, sqrt(rho + s^2),
 * rho_par) (Dobriban and Wager 2018; Hastie et al. 2022 at lambda = 0). At
 * kappa = 0 (k fixed as d -> inf) S -> I and the ridge leaves the bias
 * rho_par lambda^2/(1 + lambda)^2 and no variance: at k = 1 this is
 * fate_theory_lt_ridge with cos^2 th = rho_par. */
double fate_theory_lt_k_ridge(double gamma, double kappa, double lambda, double rho_par, double sigma)
{
    if (!(gamma > 0.0) || !isfinite(gamma) || !(kappa >= 0.0) || !isfinite(kappa) || !(lambda >= 0.0) ||
        !k_args_ok(rho_par, sigma))
        return NAN;
    const double rho = 1.0 - rho_par;
    if (kappa == 0.0) {
        if (isinf(lambda)) return 1.0;
        const double f = lambda / (1.0 + lambda);
        return rho + rho_par * f * f;
    }
    return rho + fate_theory_ridge(kappa / gamma, lambda, sqrt(rho + sigma * sigma), rho_par);
}

/* lambda = 0: rho + (rho + s^2) kappa/(gamma - kappa) for kappa < gamma. */
double fate_theory_lt_k(double gamma, double kappa, double rho_par, double sigma)
{
    return fate_theory_lt_k_ridge(gamma, kappa, 0.0, rho_par, sigma);
}

/* The k in 1..K minimising fate_theory_lt_k_exact(n, k, rho_par[k-1], s);
 * ties go to the smaller k (fewer features for the same risk). */
fate_status fate_theory_lt_k_best(size_t *k_best, double *risk_best, const double *rho_par, size_t K, size_t n,
                                  double sigma)
{
    if (!k_best || !risk_best || !rho_par || K == 0 || n == 0 || !(sigma >= 0.0) || !isfinite(sigma))
        return FATE_EINVAL;
    for (size_t i = 0; i < K; i++)
        if (!(rho_par[i] >= 0.0 && rho_par[i] <= 1.0)) return FATE_EINVAL;
    size_t best = 1;
    double r_best = fate_theory_lt_k_exact(n, 1, rho_par[0], sigma);
    for (size_t k = 2; k <= K; k++) {
        const double r = fate_theory_lt_k_exact(n, k, rho_par[k - 1], sigma);
        if (r < r_best) {
            r_best = r;
            best = k;
        }
    }
    *k_best = best;
    *risk_best = r_best;
    return FATE_OK;
}
