/* theory_methods.c - the closed forms of the methods beyond the paper at one
 * fate_theory_point (THEORY.md section 8): LP-FT, parameter transfer (L2-SP)
 * at a given or the optimal lambda, and the ridge baseline at its optimal
 * lambda; asymptotic, and at finite d the values fate_spec_theory_eval gives
 * beside a simulation (unit teachers). fate_theory_eval (theory.c) calls
 * these after the paper's columns. */
#include <math.h>

#include "fate.h"
#include "theory_methods.h"

void theory_point_methods_nan(fate_theory_point *p)
{
    p->R_lpft = p->T_lpft = p->c_lpft = NAN;
    p->R_l2sp = p->T_l2sp = p->lambda_l2sp = NAN;
    p->R_ridge = p->T_ridge = p->lambda_ridge = NAN;
    p->R_lpft_exact = p->T_lpft_exact = p->c_lpft_exact = NAN;
    p->R_l2sp_exact = p->T_l2sp_exact = p->lambda_l2sp_exact = NAN;
    p->R_ridge_exact = p->T_ridge_exact = p->lambda_ridge_exact = NAN;
}

int theory_l2sp_lambda_ok(double lambda)
{
    return (lambda >= 0.0 && isfinite(lambda)) || lambda == FATE_LAMBDA_OPT;
}

/* The ridge toward a reference at squared distance r2, at lambda (or its
 * optimum sigma^2 psi / r2 for FATE_LAMBDA_OPT): the limit, or with exact
 * set and lambda = 0 the finite-size mean at (n, d) (fate_spec_theory_eval's
 * rule: exact at lambda = 0, else the limit at psi = d/n). */
static double ridge_at(double *lambda_used, double psi, double lambda, double sigma, double r2, size_t n,
                       size_t d, int exact)
{
    const double lam = lambda == FATE_LAMBDA_OPT ? fate_theory_ridge_lambda_opt(psi, sigma, r2) : lambda;
    *lambda_used = lam;
    return exact && lam == 0.0 ? fate_theory_ridge_exact(n, d, sigma, r2) : fate_theory_ridge(psi, lam, sigma, r2);
}

double fate_theory_l2sp(double psi, double lambda, double sigma, double m, double q)
{
    if (!theory_l2sp_lambda_ok(lambda) || !isfinite(m) || !(q >= 0.0) || !isfinite(q)) return NAN;
    double used;
    return ridge_at(&used, psi, lambda, sigma, fmax(1.0 - 2.0 * m + q, 0.0), 0, 0, 0);
}

/* Asymptotic: psi = 1/gamma; E r2 = 1 - 2m + q (section 8). */
void theory_point_methods(fate_theory_point *p, double m, double q, size_t depth)
{
    const double g = p->gamma, s = p->sigma, psi = 1.0 / g;
    p->c_lpft = fate_theory_lpft_c_moments(g, s, m, q, p->lambda, depth);
    p->T_lpft = fate_theory_T_lpft_moments(g, s, m, q, p->lambda, depth);
    p->R_lpft = p->R_sc - p->T_lpft;
    p->R_l2sp = ridge_at(&p->lambda_l2sp, psi, p->l2sp_lambda, s, fmax(1.0 - 2.0 * m + q, 0.0), 0, 0, 0);
    p->T_l2sp = p->R_sc - p->R_l2sp;
    p->R_ridge = ridge_at(&p->lambda_ridge, psi, FATE_LAMBDA_OPT, s, 1.0, 0, 0, 0);
    p->T_ridge = p->R_sc - p->R_ridge;
}

/* At (n, d) with the exact source moments me, qe: fate_spec_theory_eval's
 * values for unit teachers. */
void theory_point_methods_exact(fate_theory_point *p, size_t n, double me, double qe, size_t depth)
{
    const size_t d = p->d;
    const double s = p->sigma, psi = (double)d / (double)n;
    p->c_lpft_exact = fate_theory_lpft_c_exact(n, d, s, me, qe, p->lambda, depth);
    p->T_lpft_exact = fate_theory_T_lpft_exact(n, d, s, me, qe, p->lambda, depth);
    p->R_lpft_exact = p->R_sc_exact - p->T_lpft_exact;
    p->R_l2sp_exact = ridge_at(&p->lambda_l2sp_exact, psi, p->l2sp_lambda, s, fmax(1.0 - 2.0 * me + qe, 0.0), n, d, 1);
    p->T_l2sp_exact = p->R_sc_exact - p->R_l2sp_exact;
    p->R_ridge_exact = ridge_at(&p->lambda_ridge_exact, psi, FATE_LAMBDA_OPT, s, 1.0, n, d, 1);
    p->T_ridge_exact = p->R_sc_exact - p->R_ridge_exact;
}
