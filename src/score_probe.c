/* score_probe.c - the linear probe score (Nguyen, Tran, Pham and others,
 * "A transferability metric using the linear probe", UAI 2023, in its
 * plainest form): ridge regression of y on F, its training error and its
 * exact leave-one-out error. Formulas and edge cases:
 * include/fate_score.h.
 *
 * From the thin SVD F = U diag(sv) V^T (rank r, as numpy.linalg.matrix_rank
 * counts it) and x = U_r^T y, with q_j = n lambda / sv_j^2:
 *   fit        F w = U_r diag(d) x,  d_j = sv_j^2/(sv_j^2 + n lambda) = 1/(1 + q_j),
 *   residual   e = y - F w = (y - U_r x) + U_r diag(c) x,  c_j = 1 - d_j = q_j/(1 + q_j),
 *   hat matrix H = U_r diag(d) U_r^T,
 *   1 - H_ii   = (1 - sum_j U_ij^2) + sum_j U_ij^2 c_j,
 * the last written so that neither term cancels: the first is the leverage
 * of the complement of F's column space (exactly 0 when n <= r, clamped at
 * 0 against rounding), the second is > 0 whenever lambda > 0. lambda = 0 is
 * the minimum-norm least squares (d_j = 1, c_j = 0 on the r kept
 * directions). The leave-one-out residual is e_i/(1 - H_ii) (the PRESS
 * identity, as method_ridge.c uses it; Allen 1974), which is the residual of
 * the refit without sample i under the same penalty n lambda |w|^2. Cost:
 * one SVD, O(n p min(n, p)). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>

#include "fate_score.h"
#include "internal.h"

/* At lambda = 0, 1 - H_ii below this is an interpolated point (leverage
 * 1 up to rounding): its leave-one-out residual is undefined. */
#define PROBE_LEVERAGE_TOL 1e-10

fate_status fate_score_probe(double *neg_train, double *neg_loo, const double *F, const double *y, size_t n,
                             size_t p, double lambda)
{
    fate_status st = score_check_features(F, n, p);
    if (st) return st;
    if (!y || !score_all_finite(y, n) || !(isfinite(lambda) && lambda >= 0.0)) return FATE_EINVAL;
    score_svd v;
    if ((st = score_svd_of(&v, F, n, p, 0))) return st;
    const size_t k = v.k, r = v.r;
    double *x = malloc(k * sizeof *x), *c = malloc(k * sizeof *c), *e = malloc(n * sizeof *e);
    double res0 = 0.0, train = 0.0, loo = 0.0;
    st = FATE_ENOMEM;
    if (!x || !c || !e) goto done;
    score_project(x, &res0, e, &v, y); /* e = y - U_r x */
    const double nl = (double)n * lambda;
    for (size_t j = 0; j < r; j++) {
        const double q = nl / v.sv[j] / v.sv[j];
        c[j] = isfinite(q) ? q / (1.0 + q) : 1.0;
    }
    if (lambda > 0.0 && r > 0) {
        /* e += U_r (c x): the shrinkage's share of the residual */
        for (size_t j = 0; j < r; j++) x[j] *= c[j];
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)r, 1.0, v.U, (int)k, x, 1, 1.0, e, 1);
    }
    for (size_t i = 0; i < n; i++) train += e[i] * e[i];
    train /= (double)n;
    if (neg_loo) {
        for (size_t i = 0; i < n; i++) {
            const double *ui = v.U + i * k;
            double lev = 0.0, shrink = 0.0;
            for (size_t j = 0; j < r; j++) {
                const double u2 = ui[j] * ui[j];
                lev += u2;
                shrink += u2 * c[j];
            }
            const double one_h = (lev < 1.0 ? 1.0 - lev : 0.0) + shrink;
            st = FATE_EDOMAIN;
            if (lambda == 0.0 ? one_h < PROBE_LEVERAGE_TOL : one_h <= 0.0) goto done;
            const double li = e[i] / one_h;
            loo += li * li;
        }
        loo /= (double)n;
    }
    /* a score that overflows a double (targets near 1e154 and beyond) */
    st = FATE_EDOMAIN;
    if (!isfinite(train) || !isfinite(loo)) goto done;
    if (neg_train) *neg_train = -train;
    if (neg_loo) *neg_loo = -loo;
    st = FATE_OK;
done:
    free(x);
    free(c);
    free(e);
    score_svd_free(&v);
    return st;
}
