/* score_hscore.c - the H-score of Bao et al. (ICIP 2019), formula and edge
 * cases in include/fate_score.h:
 *     H = tr(cov(F)^+ cov(E[F | y])).
 *
 * With cov(F) = Q diag(ev) Q^T and the between-class covariance
 * cov(E[F | y]) = sum_c (n_c/n) d_c d_c^T, d_c = mu_c - mu, the trace is
 *     H = sum_c (n_c/n) sum_{j kept} (q_j . d_c)^2 / ev_j,
 * which needs one (p, p) eigendecomposition and a (C', p) x (p, p) product,
 * not the (p, p) pseudo-inverse itself. Kept: ev_j > 1e-12 ev_max (none when
 * ev_max <= 0, i.e. constant features: H = 0).
 */
#include <math.h>
#include <stdlib.h>
#include <cblas.h>
#include <lapacke.h>

#include "fate_score.h"
#include "internal.h" /* checked sizes */
#include "score_label.h"

/* The pseudo-inverse's relative cut-off (fate_score.h). */
#define HSCORE_RCUT 1e-12

fate_status fate_score_hscore(double *h, const double *F, const int *labels, size_t n, size_t p, size_t C)
{
    if (!h) return FATE_EINVAL;
    size_t *counts = NULL, present = 0;
    fate_status st = score_feature_classes(&counts, &present, F, labels, n, p, C);
    if (st) return st;
    /* slot[c]: the row of class c among the classes present */
    size_t *slot = alloc_array(C, 1, sizeof *slot);
    double *Zc = alloc_array(n, p, sizeof *Zc);     /* (n, p) centred F */
    double *S = alloc_array(p, p, sizeof *S);       /* (p, p) cov(F), then Q */
    double *ev = alloc_array(p, 1, sizeof *ev);     /* (p) ascending */
    double *D = calloc_array(present, p, sizeof *D); /* (C', p) rows d_c */
    double *T = alloc_array(present, p, sizeof *T);  /* (C', p) D Q */
    st = FATE_ENOMEM;
    if (!slot || !Zc || !S || !ev || !D || !T) goto out;
    for (size_t c = 0, k = 0; c < C; c++) slot[c] = counts[c] ? k++ : 0;
    score_centre(Zc, F, n, p);
    /* H is invariant to the scale of F: scale by a power of two (exact) so
     * that cov(F) neither overflows nor underflows */
    double big = 0.0;
    for (size_t i = 0; i < n * p; i++) big = fmax(big, fabs(Zc[i]));
    if (big > 0.0 && isfinite(big)) {
        int e;
        frexp(big, &e);
        for (size_t i = 0; i < n * p; i++) Zc[i] = ldexp(Zc[i], -e);
    }
    /* cov(F) = Zc^T Zc / n, upper triangle (dsyevd reads 'U') */
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)p, (int)n, 1.0 / (double)n, Zc, (int)p, 0.0, S,
                (int)p);
    /* d_c = mean of the centred rows of class c = mu_c - mu */
    for (size_t i = 0; i < n; i++) {
        double *d = D + slot[labels[i]] * p;
        const double *z = Zc + i * p;
        for (size_t k = 0; k < p; k++) d[k] += z[k];
    }
    for (size_t c = 0; c < C; c++) {
        if (!counts[c]) continue;
        double *d = D + slot[c] * p;
        for (size_t k = 0; k < p; k++) d[k] /= (double)counts[c];
    }
    if (LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int)p, S, (lapack_int)p, ev) != 0) {
        st = FATE_ENUMERIC;
        goto out;
    }
    /* T = D Q: (C', p) x (p, p), T[c, j] = d_c . q_j (Q's columns are the
     * eigenvectors) */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)present, (int)p, (int)p, 1.0, D, (int)p, S,
                (int)p, 0.0, T, (int)p);
    const double top = ev[p - 1];
    if (!isfinite(top)) {
        st = FATE_EDOMAIN;
        goto out;
    }
    double sum = 0.0;
    for (size_t c = 0; c < C; c++) {
        if (!counts[c]) continue;
        const double *t = T + slot[c] * p;
        double q = 0.0;
        for (size_t j = 0; j < p; j++)
            if (top > 0.0 && ev[j] > HSCORE_RCUT * top) q += t[j] * t[j] / ev[j];
        sum += (double)counts[c] / (double)n * q;
    }
    st = score_finish(h, sum);
out:
    free(slot);
    free(Zc);
    free(S);
    free(ev);
    free(D);
    free(T);
    free(counts);
    return st;
}
