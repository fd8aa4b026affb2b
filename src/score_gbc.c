/* score_gbc.c - the Gaussian Bhattacharyya coefficient (GBC) of Pandy et al.
 * (CVPR 2022), formula and edge cases in include/fate_score.h.
 *
 * Each class present is a Gaussian N(mu_c, diag(v_c)) with v_c the per-
 * coordinate variance (1/n_c), floored at 1e-4 as in the authors' code. For
 * diagonal covariances the Bhattacharyya distance separates by coordinate:
 *     D_B(a, b) = sum_k [ (mu_ak - mu_bk)^2 / (8 s_k)
 *                         + 1/2 (log s_k - (log v_ak + log v_bk)/2) ],
 *     s_k = (v_ak + v_bk)/2,
 * (the matrix form 1/8 dm^T S^-1 dm + 1/2 ln(det S / sqrt(det S1 det S2))
 * with S = (S1 + S2)/2 diagonal), and GBC = -sum_{a != b} exp(-D_B(a, b)).
 * D_B is symmetric, so the ordered sum is twice the sum over a < b.
 */
#include <math.h>
#include <stdlib.h>

#include "fate_score.h"
#include "internal.h" /* checked sizes */
#include "score_label.h"

/* The variance floor of the authors' code (an absolute value). */
#define GBC_VAR_FLOOR 1e-4

/* D_B between classes a and b: means m (p), variances v (p) and their
 * logarithms lv (p) each. */
static double bhattacharyya_diag(const double *ma, const double *va, const double *lva, const double *mb,
                                 const double *vb, const double *lvb, size_t p)
{
    double quad = 0.0, logs = 0.0;
    for (size_t k = 0; k < p; k++) {
        const double s = 0.5 * (va[k] + vb[k]), dm = ma[k] - mb[k];
        quad += dm * dm / s;
        logs += log(s) - 0.5 * (lva[k] + lvb[k]);
    }
    return quad / 8.0 + 0.5 * logs;
}

fate_status fate_score_gbc(double *gbc, const double *F, const int *labels, size_t n, size_t p, size_t C)
{
    if (!gbc) return FATE_EINVAL;
    size_t *counts = NULL, present = 0;
    fate_status st = score_feature_classes(&counts, &present, F, labels, n, p, C);
    if (st) return st;
    /* a variance needs two samples of the class */
    for (size_t c = 0; c < C; c++)
        if (counts[c] == 1) {
            free(counts);
            return FATE_EDOMAIN;
        }
    size_t *slot = alloc_array(C, 1, sizeof *slot);
    size_t *cnt = alloc_array(present, 1, sizeof *cnt);    /* (C') n_c */
    double *M = calloc_array(present, p, sizeof *M);       /* (C', p) means */
    double *V = calloc_array(present, p, sizeof *V);       /* (C', p) variances */
    double *LV = alloc_array(present, p, sizeof *LV);      /* (C', p) log V */
    st = FATE_ENOMEM;
    if (!slot || !cnt || !M || !V || !LV) goto out;
    for (size_t c = 0, k = 0; c < C; c++) {
        slot[c] = counts[c] ? k : 0;
        if (counts[c]) cnt[k++] = counts[c];
    }
    /* two passes (means, then squared deviations): no cancellation of a
     * large common offset */
    for (size_t i = 0; i < n; i++) {
        double *m = M + slot[labels[i]] * p;
        for (size_t k = 0; k < p; k++) m[k] += F[i * p + k];
    }
    for (size_t c = 0; c < present; c++)
        for (size_t k = 0; k < p; k++) M[c * p + k] /= (double)cnt[c];
    for (size_t i = 0; i < n; i++) {
        const size_t c = slot[labels[i]];
        for (size_t k = 0; k < p; k++) {
            const double e = F[i * p + k] - M[c * p + k];
            V[c * p + k] += e * e;
        }
    }
    for (size_t c = 0; c < present; c++)
        for (size_t k = 0; k < p; k++) {
            double *v = V + c * p + k;
            *v = fmax(*v / (double)cnt[c], GBC_VAR_FLOOR);
            LV[c * p + k] = log(*v);
        }
    double sum = 0.0;
    for (size_t a = 0; a < present; a++)
        for (size_t b = a + 1; b < present; b++)
            sum += 2.0 * exp(-bhattacharyya_diag(M + a * p, V + a * p, LV + a * p, M + b * p, V + b * p,
                                                 LV + b * p, p));
    st = score_finish(gbc, -sum);
out:
    free(slot);
    free(cnt);
    free(M);
    free(V);
    free(LV);
    free(counts);
    return st;
}
