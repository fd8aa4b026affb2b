/*
 * fate_score.h - transferability scores: numbers computed from a pretrained
 * model's features (or its predictions) on the target's inputs and the
 * target's labels, which practitioners use to choose a pretrained model
 * without fine-tuning it. fate puts them against the exact transfer gain of
 * its task families (`fate predict`, THEORY.md section 12).
 *
 * Conventions (those of fate.h, plus):
 *  - Features are a row-major matrix F (n, p): row i is the feature vector
 *    of target sample i. Regression targets are y (n); class labels are
 *    int labels (n) in [0, C). Arguments come as (outputs, F, y or labels,
 *    n, p, C, parameters).
 *  - Orientation: every score is "larger predicts more transferable"; a
 *    score that is an error is returned negated (the names say "neg_").
 *  - Each function documents its formula and its source, and what it returns
 *    at the edges: features of rank below p, constant targets, a single
 *    class, n < p. It either returns FATE_OK with a finite, documented value,
 *    or FATE_EINVAL (bad input: NULL, n or p zero, NaN or inf anywhere, a
 *    label out of range, parameters out of range) or FATE_EDOMAIN (the score
 *    is undefined for this input, e.g. one class where it needs two). No
 *    function returns NaN or inf with FATE_OK. Outputs are untouched on error.
 *  - Deterministic and single-threaded (callers parallelise over pairs).
 */
#ifndef FATE_SCORE_H
#define FATE_SCORE_H

#include <stddef.h>

#include "fate.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Regression-type scores (src/score_logme.c, score_probe.c, score_knn.c) */

/* LogME (You, Liu, Wang and Long, "LogME: practical assessment of pre-trained
 * models for transfer learning", ICML 2021, Algorithm 2): the maximised log
 * marginal evidence per sample of Bayesian linear regression y = F w + e,
 * w ~ N(0, alpha^-1 I_p), e ~ N(0, beta^-1), with alpha and beta by the
 * published fixed-point iteration on the SVD of F: from alpha = beta = 1,
 *   gamma = sum_i beta s_i/(alpha + beta s_i),  m = beta (alpha I + beta F^T F)^-1 F^T y,
 *   alpha <- gamma/|m|^2,  beta <- (n - gamma)/|F m - y|^2,
 * s_i the eigenvalues of F^T F (singular values of F at or below
 * max(n, p) eps sv_max count as 0), until alpha/beta changes by at most
 * 1e-3 of itself, as in the authors' code, or after 100 iterations (their
 * code stops after 11), or before alpha or beta would leave the finite
 * positive doubles. *logme = L/n at the returned (alpha, beta), m
 * their posterior mean, with
 *   L = n/2 log beta + p/2 log alpha - n/2 log 2 pi - beta/2 |F m - y|^2
 *       - alpha/2 |m|^2 - 1/2 log det(alpha I + beta F^T F)
 * (the authors' code adds 1e-5 to |m|^2 and |F m - y|^2 and uses the m of
 * the previous step; fate does neither). alpha and beta (may be NULL)
 * receive the fixed point. y is used as given (not centred). Edges:
 *  - y == 0 everywhere, or y in the column space of F with n > rank F (the
 *    part of y outside it below 1e-20 |y|^2), is FATE_EDOMAIN: the evidence
 *    grows without bound as beta -> infinity.
 *  - n <= rank F (e.g. n < p): the maximum may lie at beta -> infinity,
 *    where the iteration moves slowly; after 100 steps it has reached the
 *    supremum in the cases tested (tests/test_score_reg.c).
 *  - F^T y == 0 exactly (e.g. F == 0): the evidence increases with alpha;
 *    *logme is its limit -1/2 log(2 pi |y|^2/n) - 1/2, *alpha = DBL_MAX.
 *  - a result that overflows a double: FATE_EDOMAIN. */
FATE_API fate_status fate_score_logme(double *logme, double *alpha, double *beta, const double *F, const double *y,
                                      size_t n, size_t p);
/* The classification form of the same paper: the mean over the classes
 * present in labels (in increasing order) of fate_score_logme on the one-hot
 * column of each class. C >= 2 (else FATE_EINVAL); at least 2 classes
 * present, else FATE_EDOMAIN (an absent class's column is 0, whose evidence
 * is unbounded; the authors' code takes every class up to the largest
 * label). Any class's FATE_EDOMAIN is the result. */
FATE_API fate_status fate_score_logme_class(double *logme, const double *F, const int *labels, size_t n, size_t p,
                                            size_t C);

/* Linear probe (the regression transferability score of Nguyen, Tran, Pham,
 * Tran, Hassner, Nguyen and others, "A transferability metric using the
 * linear probe", UAI 2023, in its plainest form): ridge regression of y on F
 * at lambda >= 0 (objective |y - F w|^2/n + lambda |w|^2; lambda = 0 is the
 * minimum-norm least squares, singular values at or below max(n, p) eps
 * sv_max dropped). *neg_train = -|y - F w|^2/n on the fitting set;
 * *neg_loo = minus the leave-one-out mean squared error, exact by the PRESS
 * identity e_i/(1 - H_ii) (H the hat matrix; the refit without sample i
 * keeps the penalty n lambda |w|^2); at lambda = 0 a point with H_ii > 1 -
 * 1e-10 (n <= rank(F): interpolation) makes leave-one-out undefined:
 * FATE_EDOMAIN when neg_loo is requested. A result that overflows a double
 * (targets near 1e154 and beyond) is FATE_EDOMAIN. Either output may be
 * NULL. */
FATE_API fate_status fate_score_probe(double *neg_train, double *neg_loo, const double *F, const double *y,
                                      size_t n, size_t p, double lambda);

/* kNN (leave-one-out): each sample's prediction is the mean of the targets
 * (regression) or the majority label (classification; ties to the smaller
 * label) of its k nearest other samples in Euclidean distance on F,
 * compared as squared distances (ties in distance to the smaller index).
 * *neg_mse = minus the mean squared error (FATE_EDOMAIN if it overflows a
 * double); *acc = the fraction predicted right. 1 <= k <= n - 1 (so n >= 2);
 * C >= 1 for the labels. Brute force: O(n^2 (p + log n)) time. */
FATE_API fate_status fate_score_knn(double *neg_mse, const double *F, const double *y, size_t n, size_t p,
                                    size_t k);
FATE_API fate_status fate_score_knn_class(double *acc, const double *F, const int *labels, size_t n, size_t p,
                                          size_t C, size_t k);

/* ---- Label scores (src/score_leep.c, score_hscore.c, score_gbc.c,
 * score_transrate.c) */

/* LEEP (Nguyen, Hassner, Seeger and Archambeau, "LEEP: a new measure to
 * evaluate transferability of learned representations", ICML 2020): from the
 * source model's predicted distribution over its Cs classes, P_src (n, Cs)
 * entries >= 0 and rows summing to 1 (tolerance 1e-9; else FATE_EINVAL),
 * and the target labels in [0, Ct):
 *   P(y, z) = 1/n sum_i P_src[i, z] [y_i = y],  P(y | z) = P(y, z)/P(z),
 *   LEEP = 1/n sum_i log sum_z P(y_i | z) P_src[i, z].
 * A source class with P(z) = 0 contributes nothing (the published code,
 * thuml/LogME LEEP.py, divides 0 by 0 there). Always <= 0; 0 for constant
 * labels. */
FATE_API fate_status fate_score_leep(double *leep, const double *P_src, const int *labels, size_t n, size_t Cs,
                                     size_t Ct);
/* NCE (Tran, Nguyen and Hassner, "Transferability and hardness of supervised
 * classification tasks", ICCV 2019): minus the conditional entropy of the
 * target label given the source's hard label z_i in [0, Cs), from their
 * empirical joint: NCE = -H(Y | Z) = sum_{y,z} P(y,z) log(P(y,z)/P(z)), nats,
 * in [-log Ct, 0]; 0 for constant labels. */
FATE_API fate_status fate_score_nce(double *nce, const int *src_labels, const int *labels, size_t n, size_t Cs,
                                    size_t Ct);
/* H-score (Bao, Li, Huang, Zheng, Zhao and others, "An information-theoretic
 * approach to transferability in task transfer learning", ICIP 2019):
 *   H = tr(cov(F)^+ cov(E[F | y])),
 * covariances with 1/n (the authors' code, YaojieBao/An-Information-
 * theoretic-Metric-of-Transferability, uses 1/(n-1) in both: the same H),
 * the pseudo-inverse cutting eigenvalues below 1e-12 times the largest
 * (theirs: numpy pinv rcond 1e-15, which can keep rounding noise of a
 * rank-deficient cov(F)); rank-deficient F allowed, constant F gives 0,
 * n < p gives C' - 1. C >= 2 classes present, else FATE_EDOMAIN. */
FATE_API fate_status fate_score_hscore(double *h, const double *F, const int *labels, size_t n, size_t p, size_t C);
/* GBC (Pandy, Agostinelli, Uijlings, Ferrari and Mensink, "Transferability
 * estimation using Bhattacharyya class separability", CVPR 2022), as the
 * authors' code computes it (google-research stable_transfer/transferability/
 * gbc.py, gaussian_type 'diagonal'): each class present a Gaussian with its
 * mean and diagonal variance (1/n_c, raised to at least 1e-4, an absolute
 * floor as theirs), D_B = 1/8 dm^T S^-1 dm + 1/2 ln(det S / sqrt(det S1
 * det S2)), S = (S1 + S2)/2, and GBC = -sum over ORDERED pairs c != c' of
 * the Bhattacharyya coefficient exp(-D_B) (twice the unordered sum), in
 * [-C'(C'-1), 0]. (Their experiments' configuration uses the 'spherical'
 * variant, the mean variance, on features first reduced by PCA to 64
 * dimensions: a caller's choice outside this function.) Each class present
 * needs 2 samples; C >= 2 classes present, else FATE_EDOMAIN. */
FATE_API fate_status fate_score_gbc(double *gbc, const double *F, const int *labels, size_t n, size_t p, size_t C);
/* TransRate (Huang, Huang, Chen and others, "Frustratingly easy
 * transferability estimation", ICML 2022), as the authors' published code
 * computes it: F centred by its mean, then
 *   TR = R(F) - (1/C') sum_c R(F_c),   R(Z) = 1/2 log det(I_p + Z^T Z/(n_Z eps)),
 * F_c the rows of class c (not centred again), n_Z the rows of Z, C' the
 * number of classes present (theirs divides by max label + 1, the same when
 * no class below it is absent; an absent one has no rows and breaks their
 * R); eps > 0 finite (theirs: 1e-4). C' >= 2, else FATE_EDOMAIN. */
FATE_API fate_status fate_score_transrate(double *tr, const double *F, const int *labels, size_t n, size_t p,
                                          size_t C, double eps);

#ifdef __cplusplus
}
#endif
#endif /* FATE_SCORE_H */
