/* score_label.h - checks and class bookkeeping shared by the label-based
 * transferability scores (src/score_leep.c, score_hscore.c, score_gbc.c,
 * score_transrate.c); private to libfate. */
#ifndef FATE_SCORE_LABEL_H
#define FATE_SCORE_LABEL_H
#include <stddef.h>

#include "fate.h"
#include "internal.h"

/* score_check_features, score_check_labels: internal.h (src/score_common.c). */

/* Labels (n) in [0, C): counts (C) gets each class's sample count (zeroed
 * here), *present the number of classes with a sample. FATE_EINVAL for
 * NULL, C == 0 or a label out of range. */
fate_status score_count_labels(size_t *counts, size_t *present, const int *labels, size_t n, size_t C);

/* The common start of the feature scores (H-score, GBC, TransRate): checks
 * F (score_check_features) and the labels, and counts them: *counts (C,
 * the caller frees) gets each class's sample count and *present the number
 * of classes with a sample. FATE_EDOMAIN when fewer than 2 classes are
 * present (the scores compare classes), FATE_EINVAL on bad input,
 * FATE_ENOMEM; *counts is NULL unless FATE_OK. */
fate_status score_feature_classes(size_t **counts, size_t *present, const double *F, const int *labels,
                                  size_t n, size_t p, size_t C);

/* *out = v and FATE_OK when v is finite, else FATE_EDOMAIN with *out
 * untouched: finite input whose squares overflow is the only way a score
 * gets a non-finite value, and none is returned with FATE_OK. */
fate_status score_finish(double *out, double v);

/* Zc (n, p) = F minus its column means (summed in row order). */
void score_centre(double *Zc, const double *F, size_t n, size_t p);

#endif
