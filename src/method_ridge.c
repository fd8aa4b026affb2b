/* method_ridge.c - the tuned scratch baselines (THEORY.md section 8): ridge
 * regression on the target set alone, beta = (X^T X + n lambda I)^{-1} X^T y
 * (the minimiser of |y - X beta|^2/n + lambda |beta|^2), with
 *   ridge:    the oracle-optimal lambda* = sigma^2 (d/n) / a_t^2 of the limit
 *             risk (fate_theory_ridge_lambda_opt), which a practitioner
 *             cannot know;
 *   ridge_cv: the lambda of a fixed grid with the least leave-one-out error
 *             on the target set, which a practitioner can compute.
 * Both from one thin SVD X = U diag(s) V^T: the fit is U diag(s^2/(s^2 +
 * n lambda)) U^T y, the hat matrix's diagonal h_i = sum_j U_ij^2 s_j^2/(s_j^2
 * + n lambda), and the leave-one-out residual of ridge is exactly
 * (y_i - yhat_i)/(1 - h_i) (the PRESS identity), so no refit per fold. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include <lapacke.h>

#include "fate.h"
#include "internal.h"

/* The grid of ridge_cv: 0 (only when n > d: with n <= d the least-squares
 * fit interpolates and leave-one-out is undefined), then 10^-6 .. 10^3 with
 * four points per decade. */
#define CV_DECADES 9
#define CV_PER_DECADE 4
#define CV_POINTS (CV_DECADES * CV_PER_DECADE + 1)

typedef struct svd_t {
    size_t n, d, r;
    double *U, *s, *Vt, *uy; /* U (n, r), s (r), Vt (r, d), uy = U^T y (r) */
} svd_t;

static void svd_free(svd_t *v)
{
    free(v->U); free(v->s); free(v->Vt); free(v->uy);
    memset(v, 0, sizeof *v);
}

/* The thin SVD of the target's X (n, d) and U^T y. */
static fate_status svd_of(svd_t *v, const target_t *t)
{
    const size_t n = t->n, d = t->d, r = n < d ? n : d;
    memset(v, 0, sizeof *v);
    v->n = n, v->d = d, v->r = r;
    double *A = alloc_array(n, d, sizeof *A);
    v->U = alloc_array(n, r, sizeof *v->U), v->s = malloc(r * sizeof *v->s);
    v->Vt = alloc_array(r, d, sizeof *v->Vt), v->uy = malloc(r * sizeof *v->uy);
    fate_status st = FATE_ENOMEM;
    if (!A || !v->U || !v->s || !v->Vt || !v->uy) goto done;
    memcpy(A, t->X, n * d * sizeof *A);
    st = FATE_ENUMERIC;
    if (LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'S', (lapack_int)n, (lapack_int)d, A, (lapack_int)d, v->s, v->U,
                       (lapack_int)r, v->Vt, (lapack_int)d) != 0)
        goto done;
    /* uy = U^T y: (n, r)^T x (n) -> (r) */
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)n, (int)r, 1.0, v->U, (int)r, t->y, 1, 0.0, v->uy, 1);
    st = FATE_OK;
done:
    free(A);
    if (st != FATE_OK) svd_free(v);
    return st;
}

/* Leave-one-out mean squared error of ridge lambda (PRESS); tmp (r). */
static double loo_error(const svd_t *v, const double *y, double lambda, double *tmp)
{
    const double nl = (double)v->n * lambda;
    for (size_t j = 0; j < v->r; j++) {
        const double s2 = v->s[j] * v->s[j];
        tmp[j] = s2 + nl > 0.0 ? s2 / (s2 + nl) : 0.0;
    }
    double sum = 0.0;
    for (size_t i = 0; i < v->n; i++) {
        const double *u = v->U + i * v->r;
        double fit = 0.0, h = 0.0;
        for (size_t j = 0; j < v->r; j++) {
            fit += u[j] * tmp[j] * v->uy[j];
            h += u[j] * u[j] * tmp[j];
        }
        const double e = (y[i] - fit) / (1.0 - h);
        sum += e * e;
    }
    return sum / (double)v->n;
}

/* beta = V diag(s/(s^2 + n lambda)) U^T y; beta (d), tmp (r). */
static void ridge_beta(double *beta, const svd_t *v, double lambda, double *tmp)
{
    const double nl = (double)v->n * lambda;
    for (size_t j = 0; j < v->r; j++) {
        const double s2 = v->s[j] * v->s[j];
        /* lambda = 0: the minimum-norm solution, directions below the cut-off dropped */
        const int kept = nl > 0.0 || s2 > RIDGE_RCUT * v->s[0] * v->s[0];
        tmp[j] = kept ? v->s[j] * v->uy[j] / (s2 + nl) : 0.0;
    }
    /* (r, d)^T x (r) -> (d) */
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)v->r, (int)v->d, 1.0, v->Vt, (int)v->d, tmp, 1, 0.0, beta, 1);
}

/* The result of ridge lambda on the target set. */
static void ridge_result(fate_method_result *r, const svd_t *v, const target_t *t, double lambda, double *beta,
                         double *tmp)
{
    memset(r, 0, sizeof *r);
    ridge_beta(beta, v, lambda, tmp);
    const double risk = proto_risk(beta, t->beta_t, t->eig, t->d);
    double loss = 0.0;
    for (size_t i = 0; i < t->n; i++) {
        const double e = cblas_ddot((int)t->d, t->X + i * t->d, 1, beta, 1) - t->y[i];
        loss += e * e;
    }
    r->risk = risk;
    r->train_loss = loss / (double)t->n;
    r->loss_min = t->loss_min;
    r->converged = 1;
    r->balance = NAN; /* a closed form: no weights */
}

fate_status proto_ridge(fate_method_result *r, double *lambda_used, const target_t *t, const fate_spec *s,
                        int cross_validate)
{
    svd_t v;
    fate_status st = svd_of(&v, t);
    if (st != FATE_OK) return st;
    double *beta = malloc(t->d * sizeof *beta), *tmp = malloc((v.r ? v.r : 1) * sizeof *tmp);
    if (!beta || !tmp) { free(beta); free(tmp); svd_free(&v); return FATE_ENOMEM; }
    double lambda = spec_ridge_lambda(s);
    if (cross_validate) {
        double best = INFINITY;
        for (size_t k = t->n > t->d ? 0 : 1; k < CV_POINTS; k++) {
            const double lam = k == 0 ? 0.0 : pow(10.0, -6.0 + (double)(k - 1) / CV_PER_DECADE);
            const double e = loo_error(&v, t->y, lam, tmp);
            if (e < best) best = e, lambda = lam; /* ties: the smaller lambda */
        }
    }
    *lambda_used = lambda;
    ridge_result(r, &v, t, lambda, beta, tmp);
    free(beta);
    free(tmp);
    svd_free(&v);
    return FATE_OK;
}
