/* method_l2sp.c - parameter transfer (L2-SP; the shifted ridge): instead of
 * reusing the pretrained features, pull the end-to-end map toward the
 * pretrained one,
 *   beta = argmin |y - X beta|^2/n + lambda |beta - beta_s_hat|^2
 *        = beta_s_hat + (S + lambda I)^{-1} (b - S beta_s_hat),
 * ridge regression of the residual y - X beta_s_hat. The objective is convex
 * in beta and any deep linear network with a single output represents every
 * beta, so this closed form is the network's minimiser under the penalty on
 * its end-to-end map; no GD is run. lambda = 0 (n < d): the minimum-norm
 * correction, which is fine-tuning with the paper's c = 1. Theory: the ridge
 * risk of the signal beta_t - beta_s_hat (THEORY.md section 8). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>

#include "fate.h"
#include "internal.h"

fate_status proto_l2sp(fate_method_result *r, double *lambda_used, const pretrained_t *p, const target_t *t,
                       const fate_spec *s)
{
    const size_t d = t->d;
    double *bres = malloc(d * sizeof *bres), *beta = malloc(d * sizeof *beta);
    if (!bres || !beta) { free(bres); free(beta); return FATE_ENOMEM; }
    memset(r, 0, sizeof *r);
    const double lambda = spec_l2sp_lambda(s);
    *lambda_used = lambda;
    /* the residual's statistics: b - S beta_s_hat and |y - X beta_s_hat|^2/n
     * = yy - 2 b.beta_s_hat + beta_s_hat.S beta_s_hat; S: (d, d), (d) -> (d) */
    memcpy(bres, t->b, d * sizeof *bres);
    cblas_dsymv(CblasRowMajor, CblasUpper, (int)d, -1.0, t->S, (int)d, p->beta, 1, 1.0, bres, 1);
    const double yyres = t->yy - cblas_ddot((int)d, t->b, 1, p->beta, 1) - cblas_ddot((int)d, bres, 1, p->beta, 1);
    double train = NAN;
    /* lambda = +inf (r2 = 0 at sigma > 0): the correction is 0 */
    fate_status st = ridge_path(beta, &train, t->S, bres, yyres, &lambda, 1, d, RIDGE_RCUT);
    if (st == FATE_OK) {
        cblas_daxpy((int)d, 1.0, p->beta, 1, beta, 1);
        r->risk = proto_risk(beta, t->beta_t, t->eig, d);
        r->train_loss = train;
        r->loss_min = t->loss_min;
        r->converged = 1;
        r->balance = NAN; /* a closed form: no weights */
    }
    free(bres);
    free(beta);
    return st;
}
