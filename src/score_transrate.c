/* score_transrate.c - TransRate of Huang et al. (ICML 2022) as the authors'
 * code computes it, formula and edge cases in include/fate_score.h:
 *     TR = R(Z) - (1/C') sum_c R(Z_c),
 *     R(Z) = 1/2 log det(I_p + Z^T Z / (m eps)),  Z (m, p),
 * Z the centred features, Z_c its rows of class c (not centred again).
 *
 * det(I_p + A^T A) = det(I_m + A A^T) (Sylvester), so R is computed on the
 * smaller Gram matrix, (m, m) when m < p, and its log-determinant from the
 * Cholesky factor: the matrix is I plus a positive semi-definite one, its
 * eigenvalues are >= 1 and the factorisation cannot fail on finite input.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include <lapacke.h>

#include "fate_score.h"
#include "internal.h" /* checked sizes */
#include "score_label.h"

/* R(Z) for Z (m, p), m >= 1; G: scratch of min(m, p)^2 doubles. */
static fate_status coding_rate(double *R, double *G, const double *Z, size_t m, size_t p, double eps)
{
    const size_t k = m < p ? m : p;
    const double a = 1.0 / ((double)m * eps);
    /* G = I + a Z Z^T (m, m) or I + a Z^T Z (p, p), upper triangle */
    if (m < p)
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)m, (int)p, a, Z, (int)p, 0.0, G, (int)k);
    else
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)p, (int)m, a, Z, (int)p, 0.0, G, (int)k);
    for (size_t i = 0; i < k; i++) G[i * k + i] += 1.0;
    if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'U', (lapack_int)k, G, (lapack_int)k) != 0) return FATE_ENUMERIC;
    /* 1/2 log det G = sum_i log U_ii */
    double r = 0.0;
    for (size_t i = 0; i < k; i++) r += log(G[i * k + i]);
    *R = r;
    return FATE_OK;
}

fate_status fate_score_transrate(double *tr, const double *F, const int *labels, size_t n, size_t p, size_t C,
                                 double eps)
{
    if (!tr || !(eps > 0.0) || !isfinite(eps)) return FATE_EINVAL;
    size_t *counts = NULL, present = 0;
    fate_status st = score_feature_classes(&counts, &present, F, labels, n, p, C);
    if (st) return st;
    const size_t k = n < p ? n : p;
    size_t *start = alloc_array(C, 1, sizeof *start); /* class c's first row in Zs */
    double *Z = alloc_array(n, p, sizeof *Z);         /* (n, p) centred F */
    double *Zs = alloc_array(n, p, sizeof *Zs);       /* (n, p) Z grouped by class */
    double *G = alloc_array(k, k, sizeof *G);         /* (k, k) Gram scratch */
    st = FATE_ENOMEM;
    if (!start || !Z || !Zs || !G) goto out;
    score_centre(Z, F, n, p);
    /* counting sort of the rows by label, stable: each class one block */
    for (size_t c = 0, s = 0; c < C; c++) {
        start[c] = s;
        s += counts[c];
    }
    for (size_t i = 0; i < n; i++) memcpy(Zs + start[labels[i]]++ * p, Z + i * p, p * sizeof *Z);
    double rz = 0.0, rc = 0.0;
    if ((st = coding_rate(&rz, G, Z, n, p, eps))) goto out;
    for (size_t c = 0; c < C; c++) {
        if (!counts[c]) continue;
        /* start[c] now points one past the block */
        double r = 0.0;
        if ((st = coding_rate(&r, G, Zs + (start[c] - counts[c]) * p, counts[c], p, eps))) goto out;
        rc += r;
    }
    st = score_finish(tr, rz - rc / (double)present);
out:
    free(start);
    free(Z);
    free(Zs);
    free(G);
    free(counts);
    return st;
}
