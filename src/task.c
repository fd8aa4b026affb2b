/* task.c - teachers and data sets of THEORY.md section 1.
 *
 * Inputs x ~ N(0, I_d); labels y = beta . x + sigma eps. The teachers are
 * unit vectors with <beta_s, beta_t> = cos(theta) exactly, uniformly random
 * otherwise (see fate_teachers for how they are drawn).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include <lapacke.h>

#include "fate.h"
#include "internal.h"

static double norm2(const double *v, size_t d) { return cblas_dnrm2((int)d, v, 1); }

fate_status fate_teachers(double *beta_s, double *beta_t, size_t d, double theta,
                          uint64_t seed, uint64_t instance)
{
    /* d goes to BLAS as an int; in d = 1 no direction is orthogonal to
     * beta_t, so only theta = 0 or pi gives unit teachers at angle theta */
    if (!beta_s || !beta_t || d < 1 || d > FATE_INT_MAX || !(theta >= 0.0 && theta <= M_PI) ||
        !theta_ok_for_d(theta, d))
        return FATE_EINVAL;
    /* The target teacher is drawn first and does not depend on theta; the
     * source teacher rotates away from it. The joint law of (beta_s, beta_t)
     * is THEORY.md's (beta_t = cos(theta) beta_s + sin(theta) nu' with nu' a
     * uniform unit vector orthogonal to beta_s), and a sweep over theta reuses
     * the same target data, and so the same scratch run, at every angle. */
    fate_normal_fill(beta_t, d, seed, instance, FATE_STREAM_TEACHER, 0);
    double nt = norm2(beta_t, d);
    for (size_t i = 0; i < d; i++) beta_t[i] /= nt;

    /* nu: a Gaussian vector with its beta_t component removed (Gram-Schmidt,
     * applied twice for orthogonality to rounding), then normalised. In d = 1
     * (theta 0 or pi only) nu = 0 and beta_s = cos(theta) beta_t = +-beta_t. */
    double *nu = beta_s;
    fate_normal_fill(nu, d, seed, instance, FATE_STREAM_ORTHOGONAL, 0);
    for (int pass = 0; pass < 2; pass++) {
        double p = cblas_ddot((int)d, nu, 1, beta_t, 1);
        for (size_t i = 0; i < d; i++) nu[i] -= p * beta_t[i];
    }
    double nn = d > 1 ? norm2(nu, d) : 0.0;
    double c = cos(theta), s = sin(theta);
    for (size_t i = 0; i < d; i++) {
        double nui = nn > 0.0 ? nu[i] / nn : 0.0;
        beta_s[i] = c * beta_t[i] + s * nui;
    }
    return FATE_OK;
}

fate_status fate_dataset(double *X, double *y, const double *beta, size_t n, size_t d,
                         double sigma, uint64_t seed, uint64_t instance,
                         uint64_t x_stream, uint64_t noise_stream)
{
    /* X (n, d) goes on to fate_suffstats and BLAS: its size must fit an int */
    if (!X || !y || !beta || n < 1 || d < 1 || !(sigma >= 0.0) || !fits_int2(n, d))
        return FATE_EINVAL;
    /* Row i is elements [i d, (i+1) d) of the stream: prefixes are nested. */
    fate_normal_fill(X, n * d, seed, instance, x_stream, 0);
    fate_normal_fill(y, n, seed, instance, noise_stream, 0);
    for (size_t i = 0; i < n; i++) {
        double f = 0.0;
        const double *xi = X + i * d;
        for (size_t j = 0; j < d; j++) f += xi[j] * beta[j];
        y[i] = f + sigma * y[i];
    }
    return FATE_OK;
}

fate_status fate_suffstats(double *S, double *b, double *yy, const double *X,
                           const double *y, size_t n, size_t d)
{
    if (!S || !b || !yy || !X || !y || n < 1 || d < 1 || n > FATE_INT_MAX || !fits_int2(d, d))
        return FATE_EINVAL; /* int BLAS sizes */
    double inv_n = 1.0 / (double)n;
    /* S = X^T X / n: (d, d); dsyrk fills the upper triangle, mirrored below. */
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)d, (int)n, inv_n, X, (int)d,
                0.0, S, (int)d);
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < i; j++) S[i * d + j] = S[j * d + i];
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)n, (int)d, inv_n, X, (int)d, y, 1, 0.0, b, 1);
    *yy = cblas_ddot((int)n, y, 1, y, 1) * inv_n;
    return FATE_OK;
}

fate_status fate_min_loss(double *loss_min, const double *S, const double *b, double yy,
                          size_t n, size_t d)
{
    if (!loss_min || !S || !b || d < 1 || !fits_int2(d, d)) return FATE_EINVAL;
    if (n <= d) { /* X (n x d) has full row rank a.s.: the data are interpolated */
        *loss_min = 0.0;
        return FATE_OK;
    }
    /* min_beta beta^T S beta - 2 b.beta + yy = yy - b^T S^{-1} b = yy - |L^{-1} b|^2
     * with S = L L^T (Cholesky). */
    double *L = alloc_array(d, d, sizeof *L), *z = malloc(d * sizeof *z);
    if (!L || !z) { free(L); free(z); return FATE_ENOMEM; }
    memcpy(L, S, d * d * sizeof *L);
    memcpy(z, b, d * sizeof *z);
    lapack_int info = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', (lapack_int)d, L, (lapack_int)d);
    if (info == 0)
        cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, (int)d, L, (int)d, z, 1);
    double q = info == 0 ? cblas_ddot((int)d, z, 1, z, 1) : 0.0;
    free(L);
    free(z);
    if (info != 0) return FATE_ENUMERIC;
    double m = yy - q;
    *loss_min = m > 0.0 ? m : 0.0; /* rounding can make it -1e-17 */
    return FATE_OK;
}
