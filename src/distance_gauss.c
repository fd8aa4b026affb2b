/* distance_gauss.c - closed-form distances between multivariate Gaussians and
 * the joint (x, y) law of a linear teacher (THEORY.md section 4).
 *
 * Every covariance is copied, checked (finite, symmetric up to 1e-10 max|C|)
 * and replaced by its symmetric part; log-determinants come from Cholesky
 * factors, matrix square roots from symmetric eigendecompositions (LAPACK
 * dsyev). See fate_distance.h for the formulas and conventions.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include <lapacke.h>

#include "fate_distance.h"
#include "internal.h" /* checked sizes */

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------ */

static int all_finite(const double *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(a[i])) return 0;
    return 1;
}

/* D*D fits in size_t and in a LAPACK int. */
static int dim_ok(size_t D) { return D >= 1 && D <= 46340; }

/* S = symmetric part of C after checking C; FATE_EINVAL if not finite or not
 * symmetric up to 1e-10 max|C|. */
static fate_status sym_copy(double *S, const double *C, size_t D)
{
    if (!all_finite(C, D * D)) return FATE_EINVAL;
    double amax = 0.0;
    for (size_t i = 0; i < D * D; i++) amax = fmax(amax, fabs(C[i]));
    double tol = 1e-10 * amax;
    for (size_t i = 0; i < D; i++) {
        S[i * D + i] = C[i * D + i];
        for (size_t j = 0; j < i; j++) {
            double a = C[i * D + j], b = C[j * D + i];
            if (fabs(a - b) > tol) return FATE_EINVAL;
            S[i * D + j] = S[j * D + i] = 0.5 * (a + b);
        }
    }
    return FATE_OK;
}

/* In-place lower Cholesky factor of the symmetric S (upper part zeroed);
 * *logdet = log det S. FATE_EINVAL if S is not positive definite. */
static fate_status chol_logdet(double *S, double *logdet, size_t D)
{
    lapack_int info = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', (lapack_int)D, S, (lapack_int)D);
    if (info != 0) return info > 0 ? FATE_EINVAL : FATE_ENUMERIC;
    double ld = 0.0;
    for (size_t i = 0; i < D; i++) {
        double l = S[i * D + i];
        if (!(l > 0.0)) return FATE_EINVAL;
        ld += log(l);
        for (size_t j = i + 1; j < D; j++) S[i * D + j] = 0.0;
    }
    *logdet = 2.0 * ld;
    return FATE_OK;
}

/* Eigenvalues w (ascending) and, if vectors, eigenvectors (columns of S,
 * row-major) of the symmetric S (overwritten). */
static fate_status sym_eig(double *S, double *w, size_t D, int vectors)
{
    lapack_int info = LAPACKE_dsyev(LAPACK_ROW_MAJOR, vectors ? 'V' : 'N', 'L', (lapack_int)D, S,
                                    (lapack_int)D, w);
    return info == 0 ? FATE_OK : FATE_ENUMERIC;
}

/* PSD test on eigenvalues w (ascending): w_min >= -1e-10 max(1, w_max). */
static int psd_ok(const double *w, size_t D)
{
    return w[0] >= -1e-10 * fmax(1.0, w[D - 1]);
}

static fate_status check_gauss_args(const double *m1, const double *C1, const double *m2,
                                    const double *C2, size_t D)
{
    if (!m1 || !C1 || !m2 || !C2 || !dim_ok(D)) return FATE_EINVAL;
    if (!all_finite(m1, D) || !all_finite(m2, D)) return FATE_EINVAL;
    return FATE_OK;
}

/* ------------------------------------------------------------------------ */
/* KL                                                                        */
/* ------------------------------------------------------------------------ */

fate_status fate_gauss_kl(double *kl, const double *m1, const double *C1, const double *m2,
                          const double *C2, size_t D)
{
    if (!kl) return FATE_EINVAL;
    fate_status st = check_gauss_args(m1, C1, m2, C2, D);
    if (st) return st;
    double *L1 = alloc_array(D, D, sizeof *L1), *L2 = alloc_array(D, D, sizeof *L2);
    double *dm = malloc(D * sizeof *dm);
    if (!L1 || !L2 || !dm) { st = FATE_ENOMEM; goto done; }
    double ld1, ld2;
    if ((st = sym_copy(L1, C1, D)) || (st = sym_copy(L2, C2, D))) goto done;
    if ((st = chol_logdet(L1, &ld1, D)) || (st = chol_logdet(L2, &ld2, D))) goto done;
    /* tr(C2^-1 C1) = |L2^-1 L1|_F^2: solve L2 M = L1 in place of L1. */
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, (int)D, (int)D,
                1.0, L2, (int)D, L1, (int)D);
    double tr = 0.0;
    for (size_t i = 0; i < D * D; i++) tr += L1[i] * L1[i];
    for (size_t i = 0; i < D; i++) dm[i] = m2[i] - m1[i];
    cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, (int)D, L2, (int)D, dm, 1);
    double q = cblas_ddot((int)D, dm, 1, dm, 1);
    double v = 0.5 * (tr + q - (double)D + ld2 - ld1);
    if (!isfinite(v)) { st = FATE_ENUMERIC; goto done; }
    *kl = v > 0.0 ? v : 0.0;
done:
    free(L1);
    free(L2);
    free(dm);
    return st;
}

/* ------------------------------------------------------------------------ */
/* Hellinger / Bhattacharyya                                                 */
/* ------------------------------------------------------------------------ */

fate_status fate_gauss_hellinger(double *h2, double *bhattacharyya, const double *m1,
                                 const double *C1, const double *m2, const double *C2,
                                 size_t D)
{
    fate_status st = check_gauss_args(m1, C1, m2, C2, D);
    if (st) return st;
    double *A = alloc_array(D, D, sizeof *A), *B = alloc_array(D, D, sizeof *B);
    double *C = alloc_array(D, D, sizeof *C), *dm = malloc(D * sizeof *dm);
    if (!A || !B || !C || !dm) { st = FATE_ENOMEM; goto done; }
    if ((st = sym_copy(A, C1, D)) || (st = sym_copy(B, C2, D))) goto done;
    for (size_t i = 0; i < D * D; i++) C[i] = 0.5 * (A[i] + B[i]);
    double ld1, ld2, ldc;
    if ((st = chol_logdet(A, &ld1, D)) || (st = chol_logdet(B, &ld2, D)) ||
        (st = chol_logdet(C, &ldc, D)))
        goto done;
    for (size_t i = 0; i < D; i++) dm[i] = m1[i] - m2[i];
    cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, (int)D, C, (int)D, dm, 1);
    double q = cblas_ddot((int)D, dm, 1, dm, 1);
    double db = 0.125 * q + 0.5 * (ldc - 0.5 * (ld1 + ld2));
    if (!isfinite(db)) { st = FATE_ENUMERIC; goto done; }
    if (db < 0.0) db = 0.0;
    if (bhattacharyya) *bhattacharyya = db;
    if (h2) *h2 = -expm1(-db);
done:
    free(A);
    free(B);
    free(C);
    free(dm);
    return st;
}

/* ------------------------------------------------------------------------ */
/* Wasserstein-2 (Bures)                                                     */
/* ------------------------------------------------------------------------ */

/* The level below which a computed eigenvalue of a PSD matrix is rounding:
 * D eps max|w| (LAPACK's dsyevd is backward stable to that order). */
static double eig_noise_floor(const double *w, size_t D)
{
    double top = 0.0;
    for (size_t i = 0; i < D; i++) top = fmax(top, fabs(w[i]));
    return (double)D * DBL_EPSILON * top;
}

fate_status fate_gauss_w2sq(double *w2sq, const double *m1, const double *C1,
                            const double *m2, const double *C2, size_t D)
{
    if (!w2sq) return FATE_EINVAL;
    fate_status st = check_gauss_args(m1, C1, m2, C2, D);
    if (st) return st;
    double *V = alloc_array(D, D, sizeof *V), *B = alloc_array(D, D, sizeof *B);
    double *S = alloc_array(D, D, sizeof *S), *T = alloc_array(D, D, sizeof *T);
    double *w = malloc(D * sizeof *w);
    if (!V || !B || !S || !T || !w) { st = FATE_ENOMEM; goto done; }
    if ((st = sym_copy(V, C1, D)) || (st = sym_copy(B, C2, D))) goto done;
    double tr1 = 0.0, tr2 = 0.0;
    for (size_t i = 0; i < D; i++) {
        tr1 += V[i * D + i];
        tr2 += B[i * D + i];
    }
    /* C2 must be PSD: eigenvalues of a copy. */
    memcpy(T, B, D * D * sizeof *T);
    if ((st = sym_eig(T, w, D, 0))) goto done;
    if (!psd_ok(w, D)) { st = FATE_EINVAL; goto done; }
    /* C1 = V diag(w) V^T; S = C1^1/2 = V diag(sqrt(w+)) V^T = T T^T with
     * T = V diag(w+^1/4). */
    if ((st = sym_eig(V, w, D, 1))) goto done;
    if (!psd_ok(w, D)) { st = FATE_EINVAL; goto done; }
    /* Eigenvalues within rounding of zero are zero: the fourth root would turn
     * a 1e-17 residue into 1e-4 (and the trace below a 1e-16 into 1e-8). */
    double cut = eig_noise_floor(w, D);
    for (size_t j = 0; j < D; j++) {
        double s = w[j] > cut ? sqrt(sqrt(w[j])) : 0.0;
        for (size_t i = 0; i < D; i++) T[i * D + j] = V[i * D + j] * s;
    }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)D, (int)D, (int)D, 1.0, T, (int)D,
                T, (int)D, 0.0, S, (int)D);
    /* M = S C2 S, symmetrised; its eigenvalues are those of C1 C2 (>= 0). */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)D, (int)D, (int)D, 1.0, S, (int)D,
                B, (int)D, 0.0, T, (int)D);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)D, (int)D, (int)D, 1.0, T, (int)D,
                S, (int)D, 0.0, V, (int)D);
    for (size_t i = 0; i < D; i++)
        for (size_t j = 0; j < i; j++)
            V[i * D + j] = V[j * D + i] = 0.5 * (V[i * D + j] + V[j * D + i]);
    if ((st = sym_eig(V, w, D, 0))) goto done;
    double trs = 0.0;
    cut = eig_noise_floor(w, D);
    for (size_t i = 0; i < D; i++) trs += w[i] > cut ? sqrt(w[i]) : 0.0;
    double dm2 = 0.0;
    for (size_t i = 0; i < D; i++) dm2 += (m1[i] - m2[i]) * (m1[i] - m2[i]);
    double v = dm2 + tr1 + tr2 - 2.0 * trs;
    if (!isfinite(v)) { st = FATE_ENUMERIC; goto done; }
    *w2sq = v > 0.0 ? v : 0.0;
done:
    free(V);
    free(B);
    free(S);
    free(T);
    free(w);
    return st;
}

/* ------------------------------------------------------------------------ */
/* Gaussian-kernel MMD                                                       */
/* ------------------------------------------------------------------------ */

/* log E exp(-|Z|^2/(2h^2)) for Z ~ N(mu, S) (mu may be NULL: zero mean):
 * -1/2 log det(I + S/h^2) - mu^T (S + h^2 I)^-1 mu / 2, with
 * (S + h^2 I)^-1 = (I + S/h^2)^-1 / h^2. A is (D, D) workspace, v (D). */
static fate_status log_gauss_expect(double *out, const double *S, const double *mu, double h,
                                    size_t D, double *A, double *v)
{
    double ih2 = 1.0 / (h * h);
    for (size_t i = 0; i < D * D; i++) A[i] = S[i] * ih2;
    for (size_t i = 0; i < D; i++) A[i * D + i] += 1.0;
    double ld;
    fate_status st = chol_logdet(A, &ld, D);
    if (st) return st;
    double q = 0.0;
    if (mu) {
        memcpy(v, mu, D * sizeof *v);
        cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, (int)D, A, (int)D, v, 1);
        q = cblas_ddot((int)D, v, 1, v, 1) * ih2;
    }
    *out = -0.5 * ld - 0.5 * q;
    return FATE_OK;
}

fate_status fate_gauss_mmd2(double *mmd2, const double *m1, const double *C1,
                            const double *m2, const double *C2, size_t D, double h)
{
    if (!mmd2 || !(h > 0.0) || !isfinite(h)) return FATE_EINVAL;
    fate_status st = check_gauss_args(m1, C1, m2, C2, D);
    if (st) return st;
    double *P = alloc_array(D, D, sizeof *P), *Q = alloc_array(D, D, sizeof *Q);
    double *S = calloc_array(D, D, sizeof *S), *A = alloc_array(D, D, sizeof *A);
    double *w = malloc(D * sizeof *w), *dm = malloc(D * sizeof *dm);
    if (!P || !Q || !S || !A || !w || !dm) { st = FATE_ENOMEM; goto done; }
    if ((st = sym_copy(P, C1, D)) || (st = sym_copy(Q, C2, D))) goto done;
    /* PSD checks */
    memcpy(A, P, D * D * sizeof *A);
    if ((st = sym_eig(A, w, D, 0))) goto done;
    if (!psd_ok(w, D)) { st = FATE_EINVAL; goto done; }
    memcpy(A, Q, D * D * sizeof *A);
    if ((st = sym_eig(A, w, D, 0))) goto done;
    if (!psd_ok(w, D)) { st = FATE_EINVAL; goto done; }
    double kxx, kyy, kxy;
    for (size_t i = 0; i < D * D; i++) S[i] = P[i] + P[i];
    if ((st = log_gauss_expect(&kxx, S, NULL, h, D, A, w))) goto done;
    for (size_t i = 0; i < D * D; i++) S[i] = Q[i] + Q[i];
    if ((st = log_gauss_expect(&kyy, S, NULL, h, D, A, w))) goto done;
    for (size_t i = 0; i < D * D; i++) S[i] = P[i] + Q[i];
    for (size_t i = 0; i < D; i++) dm[i] = m1[i] - m2[i];
    if ((st = log_gauss_expect(&kxy, S, dm, h, D, A, w))) goto done;
    double v = exp(kxx) + exp(kyy) - 2.0 * exp(kxy);
    if (!isfinite(v)) { st = FATE_ENUMERIC; goto done; }
    *mmd2 = v > 0.0 ? v : 0.0;
done:
    free(P);
    free(Q);
    free(S);
    free(A);
    free(w);
    free(dm);
    return st;
}

/* ------------------------------------------------------------------------ */
/* Linear-teacher joint law                                                  */
/* ------------------------------------------------------------------------ */

fate_status fate_linear_joint_cov(double *C, const double *beta, size_t d, double sigma)
{
    if (!C || !beta || d < 1 || d >= 46340 || !(sigma >= 0.0) || !isfinite(sigma))
        return FATE_EINVAL;
    if (!all_finite(beta, d)) return FATE_EINVAL;
    size_t D = d + 1;
    double b2 = 0.0;
    for (size_t i = 0; i < d; i++) {
        for (size_t j = 0; j < d; j++) C[i * D + j] = i == j ? 1.0 : 0.0;
        C[i * D + d] = beta[i];
        C[d * D + i] = beta[i];
        b2 += beta[i] * beta[i];
    }
    C[d * D + d] = b2 + sigma * sigma;
    return FATE_OK;
}

fate_status fate_linear_joint_sample(double *Z, const double *beta, size_t n, size_t d,
                                     double sigma, uint64_t seed, uint64_t instance,
                                     uint64_t x_stream, uint64_t noise_stream)
{
    /* the rows z_i have D = d + 1 entries, a sample of the distance
     * functions: n and D within an int (BLAS sizes there), n D addressable */
    if (!Z || !beta || n < 1 || d < 1 || !(sigma >= 0.0) || !isfinite(sigma)) return FATE_EINVAL;
    if (n > FATE_INT_MAX || d >= FATE_INT_MAX || !bytes_ok(n, d + 1, sizeof *Z)) return FATE_EINVAL;
    if (!all_finite(beta, d)) return FATE_EINVAL;
    double *y = malloc(n * sizeof *y);
    if (!y) return FATE_ENOMEM;
    /* X goes into the first n d entries of Z; rows are then spread from the
     * last one down (row i moves from i d to i (d+1) >= i d, so no row is
     * overwritten before it moves). */
    fate_status st = fate_dataset(Z, y, beta, n, d, sigma, seed, instance, x_stream, noise_stream);
    if (st == FATE_OK) {
        for (size_t i = n; i-- > 0;) {
            memmove(Z + i * (d + 1), Z + i * d, d * sizeof *Z);
            Z[i * (d + 1) + d] = y[i];
        }
    }
    free(y);
    return st;
}
