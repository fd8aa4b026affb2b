/* score_label.c - the checks and class counts shared by the label-based
 * transferability scores (declared in src/score_label.h; the scores are in
 * include/fate_score.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h" /* checked sizes */
#include "score_label.h"

/* score_check_features and score_check_labels: src/score_common.c */

fate_status score_count_labels(size_t *counts, size_t *present, const int *labels, size_t n, size_t C)
{
    if (C == 0 || score_check_labels(labels, n, C)) return FATE_EINVAL;
    memset(counts, 0, C * sizeof *counts);
    for (size_t i = 0; i < n; i++) counts[labels[i]]++;
    size_t k = 0;
    for (size_t c = 0; c < C; c++) k += counts[c] > 0;
    *present = k;
    return FATE_OK;
}

fate_status score_feature_classes(size_t **counts, size_t *present, const double *F, const int *labels,
                                  size_t n, size_t p, size_t C)
{
    *counts = NULL;
    fate_status st = score_check_features(F, n, p);
    if (st) return st;
    if (C == 0 || score_check_labels(labels, n, C)) return FATE_EINVAL;
    size_t *c = alloc_array(C, 1, sizeof *c);
    if (!c) return FATE_ENOMEM;
    score_count_labels(c, present, labels, n, C); /* cannot fail: checked */
    if (*present < 2) {
        free(c);
        return FATE_EDOMAIN;
    }
    *counts = c;
    return FATE_OK;
}

fate_status score_finish(double *out, double v)
{
    if (!isfinite(v)) return FATE_EDOMAIN;
    *out = v;
    return FATE_OK;
}

void score_centre(double *Zc, const double *F, size_t n, size_t p)
{
    double *mu = Zc; /* row 0 of Zc holds the mean until the last pass */
    memset(mu, 0, p * sizeof *mu);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < p; k++) mu[k] += F[i * p + k];
    for (size_t k = 0; k < p; k++) mu[k] /= (double)n;
    /* rows n-1 .. 0, so row 0 (the mean) is overwritten last */
    for (size_t i = n; i-- > 0;)
        for (size_t k = 0; k < p; k++) Zc[i * p + k] = F[i * p + k] - mu[k];
}
