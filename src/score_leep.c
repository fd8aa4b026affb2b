/* score_leep.c - the scores read off the source model's predictions on the
 * target inputs: LEEP (from its predicted distributions) and NCE (from its
 * hard labels). Formulas and sources: include/fate_score.h.
 *
 * Both build the empirical joint of (target label y, source class z) in a
 * (Ct, Cs) table. Sums are not divided by n where a ratio cancels it:
 * P(y | z) = P(y, z)/P(z) is the same with the unnormalised sums.
 */
#include <math.h>
#include <stdlib.h>

#include "fate_score.h"
#include "internal.h" /* checked sizes */
#include "score_label.h"

/* The tolerance on sum_z P_src[i, z] - 1 (fate_score.h). */
#define LEEP_ROW_TOL 1e-9

/* P_src (n, Cs): finite, entries >= 0 (probabilities), rows summing to 1. */
static fate_status check_predictions(const double *P, size_t n, size_t Cs)
{
    for (size_t i = 0; i < n; i++) {
        const double *row = P + i * Cs;
        double s = 0.0;
        for (size_t z = 0; z < Cs; z++) {
            if (!isfinite(row[z]) || row[z] < 0.0) return FATE_EINVAL;
            s += row[z];
        }
        if (fabs(s - 1.0) > LEEP_ROW_TOL) return FATE_EINVAL;
    }
    return FATE_OK;
}

fate_status fate_score_leep(double *leep, const double *P_src, const int *labels, size_t n, size_t Cs,
                            size_t Ct)
{
    if (!leep || !P_src || !labels || n == 0 || Cs == 0 || Ct == 0 || !bytes_ok(n, Cs, sizeof *P_src))
        return FATE_EINVAL;
    fate_status st = score_check_labels(labels, n, Ct);
    if (st || (st = check_predictions(P_src, n, Cs))) return st;
    /* joint (Ct + 1, Cs): rows y < Ct n P(y, z), row Ct n P(z) */
    double *joint = Ct < SIZE_MAX ? calloc_array(Ct + 1, Cs, sizeof *joint) : NULL;
    if (!joint) return FATE_ENOMEM;
    double *pz = joint + Ct * Cs;
    for (size_t i = 0; i < n; i++) {
        const double *row = P_src + i * Cs;
        double *jy = joint + (size_t)labels[i] * Cs;
        for (size_t z = 0; z < Cs; z++) {
            jy[z] += row[z];
            pz[z] += row[z];
        }
    }
    /* sum_z P(y_i | z) P_src[i, z] >= sum_z P_src[i, z]^2 / (n P(z)) > 0,
     * since sample i's own mass is in P(y_i, z): the logarithm is finite. A
     * class with P(z) = 0 has P_src[i, z] = 0 for every i: it is skipped
     * (its P(y | z) is 0/0). */
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double *row = P_src + i * Cs;
        const double *jy = joint + (size_t)labels[i] * Cs;
        double e = 0.0;
        for (size_t z = 0; z < Cs; z++)
            if (pz[z] > 0.0) e += jy[z] / pz[z] * row[z];
        sum += log(e);
    }
    free(joint);
    /* e <= sum_z P_src[i, z] = 1 up to the rows' tolerance: LEEP <= 0 */
    *leep = fmin(sum / (double)n, 0.0);
    return FATE_OK;
}

fate_status fate_score_nce(double *nce, const int *src_labels, const int *labels, size_t n, size_t Cs,
                           size_t Ct)
{
    if (!nce || !src_labels || !labels || n == 0 || Cs == 0 || Ct == 0) return FATE_EINVAL;
    fate_status st = score_check_labels(labels, n, Ct);
    if (st || (st = score_check_labels(src_labels, n, Cs))) return st;
    /* counts (Ct + 1, Cs): rows y < Ct those of (y, z), row Ct those of z */
    size_t *joint = Ct < SIZE_MAX ? calloc_array(Ct + 1, Cs, sizeof *joint) : NULL;
    if (!joint) return FATE_ENOMEM;
    size_t *nz = joint + Ct * Cs;
    for (size_t i = 0; i < n; i++) {
        joint[(size_t)labels[i] * Cs + (size_t)src_labels[i]]++;
        nz[src_labels[i]]++;
    }
    /* -H(Y | Z) = sum_{y,z} P(y, z) log P(y | z), over the cells with a
     * sample (0 log 0 = 0); each term <= 0 as n(y, z) <= n(z) */
    double sum = 0.0;
    for (size_t y = 0; y < Ct; y++)
        for (size_t z = 0; z < Cs; z++) {
            size_t c = joint[y * Cs + z];
            if (c) sum += (double)c * log((double)c / (double)nz[z]);
        }
    free(joint);
    *nce = sum / (double)n;
    return FATE_OK;
}
