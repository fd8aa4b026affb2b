/* task_geometry.c - the task geometry beyond one angle (THEORY.md sections 10
 * and 11): where the teachers sit in the input spectrum, the k orthonormal
 * source teachers of a k-output source, Gaussian data of covariance Sigma and
 * the risk in Sigma's norm. With k <= 1 and no spectrum every function here is
 * the isotropic protocol's own call, bit for bit. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>

#include "fate.h"
#include "internal.h"

/* |a - b|_Sigma^2 = sum_i eig_i (a_i - b_i)^2 (eig NULL: |a - b|^2, the
 * isotropic risk; the generalisation error of x ~ N(0, Sigma)). */
double proto_risk(const double *a, const double *b, const double *eig, size_t d)
{
    if (!eig) return proto_sqdist(a, b, d);
    double s = 0.0;
    for (size_t i = 0; i < d; i++) s += eig[i] * (a[i] - b[i]) * (a[i] - b[i]);
    return s;
}

/* Unit teachers of spec s at angle theta (THEORY.md section 11's placements):
 * in Sigma's eigenbasis e_1 (largest eigenvalue) .. e_d, TOP puts beta_t = e_1
 * and beta_s in the plane (e_1, e_2), TAIL beta_t = e_d and beta_s in (e_d,
 * e_{d-1}); otherwise fate_teachers (uniform, the isotropic protocol's). */
fate_status spec_teachers(double *beta_s, double *beta_t, const fate_spec *s, double theta, uint64_t inst)
{
    const size_t d = s->d;
    if (!s->spectrum || s->align == FATE_ALIGN_RANDOM) return fate_teachers(beta_s, beta_t, d, theta, s->seed, inst);
    memset(beta_s, 0, d * sizeof *beta_s);
    memset(beta_t, 0, d * sizeof *beta_t);
    const size_t first = s->align == FATE_ALIGN_TOP ? 0 : d - 1;
    beta_t[first] = 1.0;
    beta_s[first] = cos(theta);
    if (d >= 2) beta_s[s->align == FATE_ALIGN_TOP ? 1 : d - 2] = sin(theta);
    return FATE_OK;
}

/* B (k, d), row j the teacher b_{j+1}: b_1 = beta_s (unit), then k - 1 unit
 * vectors orthogonal to beta_t, b_1 and each other, from Gaussian draws of
 * stream FATE_STREAM_SOURCE_BASIS by Gram-Schmidt, applied twice (one pass
 * loses orthogonality to rounding when a draw is nearly in the span). Then
 * P_B beta_t = (b_1 . beta_t) b_1: theta is the angle between beta_t and
 * span(B) (THEORY.md section 10). The checks of fate_spec leave room: k <=
 * d - 1, or k <= d when beta_t is +-b_1. */
fate_status spec_source_basis(double *B, const double *beta_s, const double *beta_t, size_t k, size_t d,
                              uint64_t seed, uint64_t inst)
{
    double *v = malloc(d * sizeof *v), *bt = malloc(d * sizeof *bt);
    if (!v || !bt) { free(v); free(bt); return FATE_ENOMEM; }
    memcpy(B, beta_s, d * sizeof *B);
    /* the part of beta_t off b_1 (zero at theta 0 or pi), normalised */
    memcpy(bt, beta_t, d * sizeof *bt);
    cblas_daxpy((int)d, -cblas_ddot((int)d, bt, 1, B, 1), B, 1, bt, 1);
    const double nbt = cblas_dnrm2((int)d, bt, 1);
    const int use_bt = nbt > 1e-8;
    if (use_bt) cblas_dscal((int)d, 1.0 / nbt, bt, 1);
    fate_status st = FATE_OK;
    for (size_t j = 1; j < k && st == FATE_OK; j++) {
        double nv = 0.0;
        for (uint64_t draw = 0; draw < 8 && !(nv > 1e-6); draw++) {
            fate_normal_fill(v, d, seed, inst, FATE_STREAM_SOURCE_BASIS, ((uint64_t)j * 8 + draw) * d);
            for (int pass = 0; pass < 2; pass++) {
                if (use_bt) cblas_daxpy((int)d, -cblas_ddot((int)d, v, 1, bt, 1), bt, 1, v, 1);
                for (size_t i = 0; i < j; i++)
                    cblas_daxpy((int)d, -cblas_ddot((int)d, v, 1, B + i * d, 1), B + i * d, 1, v, 1);
            }
            nv = cblas_dnrm2((int)d, v, 1) / sqrt((double)d);
        }
        if (!(nv > 1e-6)) st = FATE_ENUMERIC; /* no room left: the checks prevent it */
        else cblas_dscal((int)d, 1.0 / (nv * sqrt((double)d)), v, 1), memcpy(B + j * d, v, d * sizeof *v);
    }
    free(v);
    free(bt);
    return st;
}

/* fate_dataset with x ~ N(0, Sigma), Sigma = diag(eig) (eig NULL: I): x =
 * sqrt(eig) . z for the isotropic z of fate_dataset, whose labels are drawn
 * with beta' = sqrt(eig) . beta so that y = z . beta' + noise = x . beta +
 * noise, from the same random numbers. */
fate_status spec_dataset(double *X, double *y, const double *beta, const double *eig, size_t n, size_t d,
                         double sigma, uint64_t seed, uint64_t inst, uint64_t x_stream, uint64_t noise_stream)
{
    if (!eig) return fate_dataset(X, y, beta, n, d, sigma, seed, inst, x_stream, noise_stream);
    /* calloc, not malloc: GCC 12's -Wmaybe-uninitialized (the sanitizer build
     * with FATE_WERROR) cannot see that the loop fills every element */
    double *bz = calloc(d ? d : 1, sizeof *bz);
    if (!bz) return FATE_ENOMEM;
    for (size_t i = 0; i < d; i++) bz[i] = sqrt(eig[i]) * beta[i];
    fate_status st = fate_dataset(X, y, bz, n, d, sigma, seed, inst, x_stream, noise_stream);
    for (size_t r = 0; st == FATE_OK && r < n; r++)
        for (size_t i = 0; i < d; i++) X[r * d + i] *= sqrt(eig[i]);
    free(bz);
    return st;
}
