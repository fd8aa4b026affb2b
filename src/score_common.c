/* score_common.c - what the transferability scores of fate_score.h share:
 * the checks of a feature matrix and a target vector, and the thin SVD of
 * the features with its numerical rank (LogME and the linear probe both
 * work in F's left singular basis). */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include <lapacke.h>

#include "internal.h"

int score_all_finite(const double *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(a[i])) return 0;
    return 1;
}

/* F (n, p): n, p >= 1, n p elements within a BLAS int, every entry finite. */
fate_status score_check_features(const double *F, size_t n, size_t p)
{
    /* (n, p) and (p, p) arrays go to BLAS and LAPACK */
    if (!F || n == 0 || p == 0 || !fits_int2(n, p) || !fits_int2(p, p)) return FATE_EINVAL;
    return score_all_finite(F, n * p) ? FATE_OK : FATE_EINVAL;
}

/* labels (n) in [0, C). */
fate_status score_check_labels(const int *labels, size_t n, size_t C)
{
    if (!labels) return FATE_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (labels[i] < 0 || (size_t)labels[i] >= C) return FATE_EINVAL;
    return FATE_OK;
}

void score_svd_free(score_svd *v)
{
    free(v->U);
    free(v->sv);
    memset(v, 0, sizeof *v);
}

/* The thin SVD of 2^e F: U (n, k) and sv (k), k = min(n, p), descending;
 * the right singular vectors are not formed (dgesvd with jobvt = 'N': no
 * score needs the weights, only their norm, which U and sv give). */
fate_status score_svd_of(score_svd *v, const double *F, size_t n, size_t p, int e)
{
    const size_t k = n < p ? n : p;
    memset(v, 0, sizeof *v);
    v->n = n, v->p = p, v->k = k;
    double *A = alloc_array(n, p, sizeof *A), *superb = malloc(k * sizeof *superb);
    v->U = alloc_array(n, k, sizeof *v->U);
    v->sv = malloc(k * sizeof *v->sv);
    fate_status st = FATE_ENOMEM;
    if (!A || !superb || !v->U || !v->sv) goto done;
    /* scaling by a power of two is exact, so the SVD is that of F up to the
     * same factor (LogME scales to keep sv^2 far from overflow) */
    for (size_t i = 0; i < n * p; i++) A[i] = ldexp(F[i], e);
    double vt_dummy = 0.0;
    st = FATE_ENUMERIC;
    if (LAPACKE_dgesvd(LAPACK_ROW_MAJOR, 'S', 'N', (lapack_int)n, (lapack_int)p, A, (lapack_int)p, v->sv,
                       v->U, (lapack_int)k, &vt_dummy, 1, superb) != 0)
        goto done;
    /* numerical rank as numpy.linalg.matrix_rank counts it: singular values
     * above max(n, p) eps sv_max (a duplicated column gives one of about
     * eps sv_max, which must not count as a direction of F) */
    const double cut = (double)(n > p ? n : p) * DBL_EPSILON * v->sv[0];
    size_t r = 0;
    while (r < k && v->sv[r] > cut) r++;
    v->r = r;
    st = FATE_OK;
done:
    free(A);
    free(superb);
    if (st) score_svd_free(v);
    return st;
}

/* x = U_r^T y (r) and res0 = |y - U_r x|^2 (the part of y outside the
 * column space of F), the latter from the residual vector itself rather than
 * |y|^2 - |x|^2, which cancels when y is nearly in that space. w: (n)
 * scratch. */
void score_project(double *x, double *res0, double *w, const score_svd *v, const double *y)
{
    const size_t n = v->n, k = v->k, r = v->r;
    if (r == 0) { /* no direction: the residual is y itself */
        memcpy(w, y, n * sizeof *w);
        double s = 0.0;
        for (size_t i = 0; i < n; i++) s += y[i] * y[i];
        *res0 = s;
        return;
    }
    /* x = U[:, :r]^T y: (n, r)^T (n) -> (r), leading dimension k */
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)n, (int)r, 1.0, v->U, (int)k, y, 1, 0.0, x, 1);
    /* w = y - U[:, :r] x */
    memcpy(w, y, n * sizeof *w);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)r, -1.0, v->U, (int)k, x, 1, 1.0, w, 1);
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += w[i] * w[i];
    *res0 = s;
}
