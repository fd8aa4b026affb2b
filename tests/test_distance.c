/* test_distance.c - distances between laws (src/distance_gauss.c,
 * src/distance_sample.c, include/fate_distance.h).
 *
 * 1. Every closed form and every estimator against the independent NumPy
 *    reference tests/ref/distance_ref.txt (tests/ref/make_distance_ref.py),
 *    evaluated on the same stored samples.
 * 2. Identities of the closed forms: zero on identical laws, the label-shift
 *    KL of THEORY.md section 4, 1-D and commuting cases of Bures, bounds.
 * 3. Statistical behaviour of the estimators on Gaussian pairs: convergence to
 *    the closed form as n grows (within standard errors), zero or unbiased
 *    around zero on identical laws, symmetry, known 1-D and point-mass cases.
 * 4. Algorithms: blocked pairwise distances, the assignment solver, thread
 *    invariance, bad input.
 */
#include <criterion/criterion.h>
#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fate.h"
#include "fate_distance.h"
#include "internal.h" /* blas_threads_get */
#include "ref_file.h"
#include "testutil.h"

#ifndef FATE_REF_DIR
#error "FATE_REF_DIR must be defined (tests/CMakeLists.txt sets it)"
#endif

/* ------------------------------------------------------------------------ */
/* Reference file                                                            */
/* ------------------------------------------------------------------------ */

static ref_file REF = {.path = FATE_REF_DIR "/distance_ref.txt"};

static const ref_entry *ref_get(const char *name) { return ref_file_get(&REF, name); }
static double ref_value(const char *name) { return ref_get(name)->data[0]; }
static const double *ref_matrix(const char *name, size_t *rows, size_t *cols)
{
    return ref_file_matrix(&REF, name, rows, cols);
}

#define EXPECT_CLOSE(got, ref, atol, rtol, what)                                               \
    cr_expect(close_to((got), (ref), (atol), (rtol)), "%s: %.17g vs reference %.17g", (what), \
              (double)(got), (double)(ref))

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------ */

/* n rows of N(mu, L L^T) in R^D (L lower triangular, row-major), from the
 * normal sequence (seed, instance, stream). */
static void gauss_sample(double *Z, size_t n, size_t D, const double *mu, const double *L,
                         uint64_t seed, uint64_t instance, uint64_t stream)
{
    double *e = dalloc(n * D);
    fate_normal_fill(e, n * D, seed, instance, stream, 0);
    for (size_t i = 0; i < n; i++)
        for (size_t a = 0; a < D; a++) {
            double s = mu ? mu[a] : 0.0;
            for (size_t b = 0; b <= a; b++) s += L[a * D + b] * e[i * D + b];
            Z[i * D + a] = s;
        }
    free(e);
}

static void cov_of(double *C, const double *L, size_t D)
{
    for (size_t i = 0; i < D; i++)
        for (size_t j = 0; j < D; j++) {
            double s = 0.0;
            for (size_t k = 0; k < D; k++) s += L[i * D + k] * L[j * D + k];
            C[i * D + j] = s;
        }
}

/* A Gaussian pair in D = 3 used by several tests. */
#define PD 3
static const double P_M1[PD] = {0.0, 0.0, 0.0};
static const double P_M2[PD] = {0.6, -0.3, 0.2};
static const double P_L1[PD * PD] = {1.0, 0, 0, 0.3, 0.8, 0, -0.2, 0.1, 0.9};
static const double P_L2[PD * PD] = {1.2, 0, 0, -0.1, 1.0, 0, 0.2, 0.3, 1.1};

typedef struct {
    double mean, sem;
} stat;

static stat stat_of(const double *v, size_t n)
{
    stat s = {mean_of(v, n), sem_of(v, n)};
    return s;
}

/* E|Z| for Z ~ N(mu, s^2) */
static double mean_abs_normal(double mu, double s)
{
    return s * sqrt(2.0 / M_PI) * exp(-mu * mu / (2.0 * s * s)) + mu * erf(mu / (s * sqrt(2.0)));
}

/* ------------------------------------------------------------------------ */
/* 1. NumPy reference                                                        */
/* ------------------------------------------------------------------------ */

Test(distance_ref, gaussian_closed_forms)
{
    int nc = (int)ref_value("gauss_ncases");
    cr_assert(nc >= 5);
    char nm[64];
    for (int i = 0; i < nc; i++) {
        size_t D, D2, one;
#define M(s) (snprintf(nm, sizeof nm, "g%d_" s, i), nm)
        const double *m1 = ref_matrix(M("m1"), &one, &D);
        const double *C1 = ref_matrix(M("C1"), &D2, NULL);
        const double *m2 = ref_matrix(M("m2"), NULL, NULL);
        const double *C2 = ref_matrix(M("C2"), NULL, NULL);
        cr_assert_eq(D, D2);
        double kl12, kl21, h2, bh, w2, mm1, mm2;
        cr_assert_eq(fate_gauss_kl(&kl12, m1, C1, m2, C2, D), FATE_OK);
        cr_assert_eq(fate_gauss_kl(&kl21, m2, C2, m1, C1, D), FATE_OK);
        cr_assert_eq(fate_gauss_hellinger(&h2, &bh, m1, C1, m2, C2, D), FATE_OK);
        cr_assert_eq(fate_gauss_w2sq(&w2, m1, C1, m2, C2, D), FATE_OK);
        cr_assert_eq(fate_gauss_mmd2(&mm1, m1, C1, m2, C2, D, 0.7), FATE_OK);
        cr_assert_eq(fate_gauss_mmd2(&mm2, m1, C1, m2, C2, D, 2.5), FATE_OK);
        EXPECT_CLOSE(kl12, ref_value(M("kl12")), 1e-12, 1e-10, M("kl12"));
        EXPECT_CLOSE(kl21, ref_value(M("kl21")), 1e-12, 1e-10, M("kl21"));
        EXPECT_CLOSE(h2, ref_value(M("h2")), 1e-12, 1e-10, M("h2"));
        EXPECT_CLOSE(bh, ref_value(M("bhatt")), 1e-12, 1e-10, M("bhatt"));
        EXPECT_CLOSE(w2, ref_value(M("w2sq")), 1e-11, 1e-10, M("w2sq"));
        EXPECT_CLOSE(mm1, ref_value(M("mmd2_h0.7")), 1e-13, 1e-10, M("mmd2_h0.7"));
        EXPECT_CLOSE(mm2, ref_value(M("mmd2_h2.5")), 1e-13, 1e-10, M("mmd2_h2.5"));
#undef M
    }
}

Test(distance_ref, singular_linear_teacher_laws)
{
    /* noiseless labels: C is singular. W2 and MMD are defined, KL and
     * Hellinger are not and must say so. */
    const double *b1 = ref_matrix("gs_beta1", NULL, NULL), *b2 = ref_matrix("gs_beta2", NULL, NULL);
    const size_t d = 3, D = 4;
    double C1[16], C2[16], z[4] = {0}, w2, mm, v;
    cr_assert_eq(fate_linear_joint_cov(C1, b1, d, 0.0), FATE_OK);
    cr_assert_eq(fate_linear_joint_cov(C2, b2, d, 0.0), FATE_OK);
    cr_assert_eq(fate_gauss_w2sq(&w2, z, C1, z, C2, D), FATE_OK);
    cr_assert_eq(fate_gauss_mmd2(&mm, z, C1, z, C2, D, 1.5), FATE_OK);
    EXPECT_CLOSE(w2, ref_value("gs_w2sq"), 1e-12, 1e-10, "singular w2sq");
    EXPECT_CLOSE(mm, ref_value("gs_mmd2_h1.5"), 1e-13, 1e-10, "singular mmd2");
    cr_expect_eq(fate_gauss_kl(&v, z, C1, z, C2, D), FATE_EINVAL);
    cr_expect_eq(fate_gauss_hellinger(&v, NULL, z, C1, z, C2, D), FATE_EINVAL);
}

Test(distance_ref, sample_estimators)
{
    size_t n, m, D, Dy;
    const double *X = ref_matrix("s_X", &n, &D), *Y = ref_matrix("s_Y", &m, &Dy);
    cr_assert_eq(D, Dy);
    const char *kn[3] = {"gauss", "laplace", "energy"};
    const fate_kernel kk[3] = {FATE_KERNEL_GAUSSIAN, FATE_KERNEL_LAPLACE, FATE_KERNEL_ENERGY};
    char nm[96];
    double v, se, h;
    for (int i = 0; i < 3; i++) {
        for (int u = 0; u < 2; u++) {
            cr_assert_eq(fate_mmd2(&v, &h, X, n, Y, m, D, kk[i], 1.3, !u), FATE_OK);
            snprintf(nm, sizeof nm, "s_mmd2_%s_%s", kn[i], u ? "v" : "u");
            EXPECT_CLOSE(v, ref_value(nm), 1e-13, 1e-10, nm);
        }
        cr_assert_eq(fate_mmd2_linear(&v, &se, NULL, X, n, Y, m, D, kk[i], 1.3), FATE_OK);
        snprintf(nm, sizeof nm, "s_mmd2lin_%s", kn[i]);
        EXPECT_CLOSE(v, ref_value(nm), 1e-13, 1e-10, nm);
        snprintf(nm, sizeof nm, "s_mmd2lin_%s_se", kn[i]);
        EXPECT_CLOSE(se, ref_value(nm), 1e-13, 1e-10, nm);
    }
    cr_assert_eq(fate_median_heuristic(&h, X, n, Y, m, D), FATE_OK);
    EXPECT_CLOSE(h, ref_value("s_median_h"), 1e-13, 1e-11, "median heuristic");
    double hu;
    cr_assert_eq(fate_mmd2(&v, &hu, X, n, Y, m, D, FATE_KERNEL_GAUSSIAN, 0.0, 1), FATE_OK);
    cr_expect_eq(hu, h);
    EXPECT_CLOSE(v, ref_value("s_mmd2_gauss_u_median"), 1e-13, 1e-10, "mmd2 gauss u median");
    cr_assert_eq(fate_mmd2(&v, &hu, X, n, Y, m, D, FATE_KERNEL_LAPLACE, -1.0, 0), FATE_OK);
    EXPECT_CLOSE(v, ref_value("s_mmd2_laplace_v_median"), 1e-13, 1e-10, "mmd2 laplace v median");
    cr_assert_eq(fate_energy_distance(&v, X, n, Y, m, D, 0), FATE_OK);
    EXPECT_CLOSE(v, ref_value("s_energy_v"), 1e-13, 1e-10, "energy V");
    cr_assert_eq(fate_energy_distance(&v, X, n, Y, m, D, 1), FATE_OK);
    EXPECT_CLOSE(v, ref_value("s_energy_u"), 1e-13, 1e-10, "energy U");

    size_t ks[2] = {1, 3};
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(fate_knn_kl(&v, &se, X, n, Y, m, D, ks[i]), FATE_OK);
        snprintf(nm, sizeof nm, "s_knnkl_k%zu", ks[i]);
        EXPECT_CLOSE(v, ref_value(nm), 1e-12, 1e-10, nm);
        snprintf(nm, sizeof nm, "s_knnkl_k%zu_se", ks[i]);
        EXPECT_CLOSE(se, ref_value(nm), 1e-12, 1e-10, nm);
        cr_assert_eq(fate_knn_kl(&v, NULL, Y, m, X, n, D, ks[i]), FATE_OK);
        snprintf(nm, sizeof nm, "s_knnkl_rev_k%zu", ks[i]);
        EXPECT_CLOSE(v, ref_value(nm), 1e-12, 1e-10, nm);
    }
    size_t kt[3] = {1, 3, 8};
    for (int i = 0; i < 3; i++) {
        double tv, js, tse, jse;
        cr_assert_eq(fate_knn_tv_js(&tv, &js, &tse, &jse, X, n, Y, m, D, kt[i]), FATE_OK);
        snprintf(nm, sizeof nm, "s_tv_k%zu", kt[i]);
        EXPECT_CLOSE(tv, ref_value(nm), 1e-13, 1e-11, nm);
        snprintf(nm, sizeof nm, "s_js_k%zu", kt[i]);
        EXPECT_CLOSE(js, ref_value(nm), 1e-13, 1e-11, nm);
        snprintf(nm, sizeof nm, "s_tv_se_k%zu", kt[i]);
        EXPECT_CLOSE(tse, ref_value(nm), 1e-13, 1e-10, nm);
        snprintf(nm, sizeof nm, "s_js_se_k%zu", kt[i]);
        EXPECT_CLOSE(jse, ref_value(nm), 1e-13, 1e-10, nm);
    }
    size_t L, Dd;
    const double *dirs = ref_matrix("s_dirs", &L, &Dd);
    cr_assert_eq(Dd, D);
    cr_assert_eq(fate_bl_lower_dirs(&v, X, n, Y, m, D, dirs, L), FATE_OK);
    EXPECT_CLOSE(v, ref_value("s_bl"), 1e-12, 1e-10, "bounded-Lipschitz");
    cr_assert_eq(fate_bl_lower_dirs(&v, X, n, Y, m, D, NULL, 0), FATE_OK);
    EXPECT_CLOSE(v, ref_value("s_bl_radial"), 1e-12, 1e-10, "bounded-Lipschitz radial");
    double per[8];
    for (int p = 1; p <= 2; p++) {
        cr_assert_eq(fate_sliced_wasserstein_dirs(&v, per, X, n, Y, m, D, p, dirs, L), FATE_OK);
        snprintf(nm, sizeof nm, "s_sliced_p%d", p);
        EXPECT_CLOSE(v, ref_value(nm), 1e-12, 1e-10, nm);
        snprintf(nm, sizeof nm, "s_sliced_perdir_p%d", p);
        size_t r, c;
        const double *rp = ref_matrix(nm, &r, &c);
        cr_assert_eq(r * c, L);
        for (size_t l = 0; l < L; l++) EXPECT_CLOSE(per[l], rp[l], 1e-12, 1e-10, nm);
    }
}

Test(distance_ref, exact_and_1d_wasserstein)
{
    size_t n, D, n2;
    const double *X = ref_matrix("e_X", &n, &D), *Y = ref_matrix("e_Y", &n2, NULL);
    cr_assert_eq(n, n2);
    double w;
    cr_assert_eq(fate_wasserstein_exact(&w, X, Y, n, D, 1.0), FATE_OK);
    EXPECT_CLOSE(w, ref_value("e_w1"), 1e-13, 1e-11, "exact W1");
    cr_assert_eq(fate_wasserstein_exact(&w, X, Y, n, D, 2.0), FATE_OK);
    EXPECT_CLOSE(w, ref_value("e_w2"), 1e-13, 1e-11, "exact W2");
    cr_assert_eq(fate_wasserstein_exact(&w, X, Y, n, D, 1.5), FATE_OK);
    EXPECT_CLOSE(w, ref_value("e_w1.5"), 1e-13, 1e-11, "exact W1.5");
    size_t nx, ny, one;
    const double *x = ref_matrix("w1d_x", &one, &nx), *y = ref_matrix("w1d_y", &one, &ny);
    cr_assert_eq(fate_wasserstein_1d(&w, x, nx, y, ny, 1.0), FATE_OK);
    EXPECT_CLOSE(w, ref_value("w1d_w1"), 1e-14, 1e-12, "1-D W1");
    cr_assert_eq(fate_wasserstein_1d(&w, x, nx, y, ny, 2.0), FATE_OK);
    EXPECT_CLOSE(w, ref_value("w1d_w2"), 1e-14, 1e-12, "1-D W2");
    cr_assert_eq(fate_wasserstein_1d(&w, x, nx, y, ny, 3.0), FATE_OK);
    EXPECT_CLOSE(w, ref_value("w1d_w3"), 1e-14, 1e-12, "1-D W3");
}

Test(distance_ref, median_heuristic_subsample_rule)
{
    /* 1500 + 1300 > 2048 pooled rows: the rows floor(k N / 2048) are used.
     * The data come from an integer formula, so NumPy saw the same doubles. */
    const size_t n = 1500, m = 1300, D = 2;
    double *X = dalloc(n * D), *Y = dalloc(m * D), h;
    for (size_t i = 0; i < n; i++) {
        X[i * D] = (double)(i * 37 % 101) / 7.0;
        X[i * D + 1] = (double)(i * 53 % 97) / 5.0;
    }
    for (size_t i = 0; i < m; i++) {
        Y[i * D] = (double)(i * 29 % 89) / 3.0;
        Y[i * D + 1] = (double)(i * 61 % 83) / 11.0;
    }
    cr_assert_eq(fate_median_heuristic(&h, X, n, Y, m, D), FATE_OK);
    EXPECT_CLOSE(h, ref_value("lattice_median_h"), 1e-13, 1e-12, "median heuristic, subsample");
    free(X);
    free(Y);
}

/* ------------------------------------------------------------------------ */
/* 2. Closed-form identities                                                 */
/* ------------------------------------------------------------------------ */

Test(gauss, zero_on_identical_laws)
{
    const size_t D = 6;
    double L[36] = {0}, C[36], m[6];
    for (size_t i = 0; i < D; i++) {
        m[i] = 0.3 * (double)i - 1.0;
        for (size_t j = 0; j <= i; j++) L[i * D + j] = i == j ? 1.0 + 0.1 * (double)i : 0.2 * sin((double)(i + 3 * j));
    }
    cov_of(C, L, D);
    double kl, h2, bh, w2, mm;
    cr_assert_eq(fate_gauss_kl(&kl, m, C, m, C, D), FATE_OK);
    cr_assert_eq(fate_gauss_hellinger(&h2, &bh, m, C, m, C, D), FATE_OK);
    cr_assert_eq(fate_gauss_w2sq(&w2, m, C, m, C, D), FATE_OK);
    cr_assert_eq(fate_gauss_mmd2(&mm, m, C, m, C, D, 1.0), FATE_OK);
    cr_expect(kl >= 0.0 && kl < 1e-13, "KL(P||P) = %g", kl);
    cr_expect(h2 >= 0.0 && h2 < 1e-13, "H^2(P,P) = %g", h2);
    cr_expect(bh >= 0.0 && bh < 1e-13, "Bhattacharyya(P,P) = %g", bh);
    cr_expect(w2 >= 0.0 && w2 < 1e-12, "W2^2(P,P) = %g", w2);
    cr_expect(mm == 0.0, "MMD^2(P,P) = %g", mm);
}

Test(gauss, label_shift_kl_is_theory)
{
    /* p_f(x, y) = N(x; 0, I) N(y; beta_f.x, sigma^2): KL = |beta_f -
     * beta_g|^2/(2 sigma^2) = (1 - cos theta)/sigma^2 for unit teachers, in
     * both directions (THEORY.md section 4). */
    const size_t d = 40, D = d + 1;
    const double thetas[] = {0.0, 0.05, 0.4, M_PI / 4, M_PI / 2, 2.5, M_PI};
    const double sigmas[] = {0.2, 1.0};
    double *bs = dalloc(d), *bt = dalloc(d), *Cs = dalloc(D * D), *Ct = dalloc(D * D), *z = dalloc(D);
    for (size_t a = 0; a < 7; a++)
        for (size_t b = 0; b < 2; b++) {
            double th = thetas[a], s = sigmas[b], k1, k2, h2, w2;
            cr_assert_eq(fate_teachers(bs, bt, d, th, 11, a), FATE_OK);
            cr_assert_eq(fate_linear_joint_cov(Cs, bs, d, s), FATE_OK);
            cr_assert_eq(fate_linear_joint_cov(Ct, bt, d, s), FATE_OK);
            cr_assert_eq(fate_gauss_kl(&k1, z, Cs, z, Ct, D), FATE_OK);
            cr_assert_eq(fate_gauss_kl(&k2, z, Ct, z, Cs, D), FATE_OK);
            double ref = fate_theory_kl_linear(th, s);
            cr_expect(close_to(k1, ref, 1e-11, 1e-9), "KL(s||t) %.15g vs %.15g at theta %g", k1, ref, th);
            cr_expect(close_to(k2, ref, 1e-11, 1e-9), "KL(t||s) %.15g vs %.15g at theta %g", k2, ref, th);
            cr_assert_eq(fate_gauss_hellinger(&h2, NULL, z, Cs, z, Ct, D), FATE_OK);
            cr_expect(h2 >= 0.0 && h2 <= 1.0);
            /* joint laws with the same x-marginal: W2^2 <= E (f - g)^2 =
             * |beta_s - beta_t|^2 (the coupling that keeps x and the noise) */
            cr_assert_eq(fate_gauss_w2sq(&w2, z, Cs, z, Ct, D), FATE_OK);
            cr_expect(w2 <= 2.0 - 2.0 * cos(th) + 1e-12, "W2^2 %g above the coupling bound", w2);
        }
    free(bs); free(bt); free(Cs); free(Ct); free(z);
}

Test(gauss, hellinger_in_unit_interval_and_symmetric)
{
    const size_t D = 3;
    double C1[9], C2[9];
    cov_of(C1, P_L1, D);
    cov_of(C2, P_L2, D);
    const double shifts[] = {0.0, 0.5, 3.0, 30.0, 1e3};
    double prev = -1.0;
    for (size_t i = 0; i < 5; i++) {
        double m2[3] = {shifts[i], -shifts[i], 0.0}, h2, h2r, bh, w, wr, mm, mmr;
        cr_assert_eq(fate_gauss_hellinger(&h2, &bh, P_M1, C1, m2, C2, D), FATE_OK);
        cr_assert_eq(fate_gauss_hellinger(&h2r, NULL, m2, C2, P_M1, C1, D), FATE_OK);
        cr_expect(h2 >= 0.0 && h2 <= 1.0, "H^2 = %g", h2);
        cr_expect(h2 > prev || h2 == 1.0, "H^2 grows with the shift");
        cr_expect(close_to(h2r, h2, 1e-15, 1e-13));
        cr_expect(close_to(h2, 1.0 - exp(-bh), 1e-15, 1e-13));
        prev = h2;
        cr_assert_eq(fate_gauss_w2sq(&w, P_M1, C1, m2, C2, D), FATE_OK);
        cr_assert_eq(fate_gauss_w2sq(&wr, m2, C2, P_M1, C1, D), FATE_OK);
        cr_expect(close_to(wr, w, 1e-12, 1e-12), "W2 symmetric: %.17g %.17g", w, wr);
        cr_assert_eq(fate_gauss_mmd2(&mm, P_M1, C1, m2, C2, D, 1.2), FATE_OK);
        cr_assert_eq(fate_gauss_mmd2(&mmr, m2, C2, P_M1, C1, D, 1.2), FATE_OK);
        cr_expect(close_to(mmr, mm, 1e-15, 1e-12));
        cr_expect(mm >= 0.0 && mm <= 2.0);
    }
    cr_expect(prev > 0.999999);
}

Test(gauss, bures_special_cases)
{
    /* 1-D: (m1 - m2)^2 + (s1 - s2)^2; commuting (diagonal) covariances:
     * |m1 - m2|^2 + sum (sqrt a_i - sqrt b_i)^2. */
    double m1 = 0.3, m2 = -1.1, c1 = 0.49, c2 = 2.25, w;
    cr_assert_eq(fate_gauss_w2sq(&w, &m1, &c1, &m2, &c2, 1), FATE_OK);
    cr_expect(close_to(w, 1.96 + 0.64, 1e-14, 1e-13), "%.17g", w);
    double a[9] = {4, 0, 0, 0, 1, 0, 0, 0, 0.25}, b[9] = {1, 0, 0, 0, 9, 0, 0, 0, 0.0};
    double z[3] = {0, 0, 0}, mu[3] = {1, 2, 2};
    cr_assert_eq(fate_gauss_w2sq(&w, z, a, mu, b, 3), FATE_OK);
    cr_expect(close_to(w, 9.0 + 1.0 + 4.0 + 0.25, 1e-13, 1e-13), "%.17g", w);
    /* 1-D MMD against the formula written out */
    double h = 0.8, mm;
    cr_assert_eq(fate_gauss_mmd2(&mm, &m1, &c1, &m2, &c2, 1, h), FATE_OK);
    double h2 = h * h, dm = m1 - m2;
    double ref = 1.0 / sqrt(1.0 + 2.0 * c1 / h2) + 1.0 / sqrt(1.0 + 2.0 * c2 / h2) -
                 2.0 / sqrt(1.0 + (c1 + c2) / h2) * exp(-dm * dm / (2.0 * (c1 + c2 + h2)));
    cr_expect(close_to(mm, ref, 1e-15, 1e-13), "%.17g vs %.17g", mm, ref);
}

Test(gauss, linear_joint_sample_is_fate_dataset)
{
    const size_t d = 7, D = d + 1, n = 20000;
    double beta[7] = {0.5, -0.2, 0.1, 0.0, 0.3, -0.6, 0.2}, sigma = 0.4;
    double *Z = dalloc(n * D), *X = dalloc(n * d), *y = dalloc(n), C[64];
    cr_assert_eq(fate_linear_joint_sample(Z, beta, n, d, sigma, 3, 2, FATE_STREAM_X_TARGET,
                                          FATE_STREAM_NOISE_TARGET), FATE_OK);
    cr_assert_eq(fate_dataset(X, y, beta, n, d, sigma, 3, 2, FATE_STREAM_X_TARGET,
                              FATE_STREAM_NOISE_TARGET), FATE_OK);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(memcmp(Z + i * D, X + i * d, d * sizeof *X), 0, "row %zu", i);
        cr_assert_eq(Z[i * D + d], y[i]);
    }
    /* sample covariance (mean 0 known) against the closed form */
    cr_assert_eq(fate_linear_joint_cov(C, beta, d, sigma), FATE_OK);
    for (size_t a = 0; a < D; a++)
        for (size_t b = 0; b < D; b++) {
            double s = 0.0;
            for (size_t i = 0; i < n; i++) s += Z[i * D + a] * Z[i * D + b];
            s /= (double)n;
            double sd = sqrt((C[a * D + a] * C[b * D + b] + C[a * D + b] * C[a * D + b]) / (double)n);
            cr_expect(fabs(s - C[a * D + b]) < 5.0 * sd, "cov[%zu][%zu] %g vs %g", a, b, s, C[a * D + b]);
        }
    free(Z); free(X); free(y);
}

Test(gauss, bad_input)
{
    double m[2] = {0, 0}, C[4] = {1, 0, 0, 1}, v;
    double nonsym[4] = {1, 0.5, 0.1, 1}, indef[4] = {1, 2, 2, 1}, nanc[4] = {1, NAN, NAN, 1};
    double mnan[2] = {0, INFINITY};
    cr_expect_eq(fate_gauss_kl(&v, m, C, m, nonsym, 2), FATE_EINVAL);
    cr_expect_eq(fate_gauss_kl(&v, m, C, m, indef, 2), FATE_EINVAL);
    cr_expect_eq(fate_gauss_kl(&v, m, nanc, m, C, 2), FATE_EINVAL);
    cr_expect_eq(fate_gauss_kl(&v, mnan, C, m, C, 2), FATE_EINVAL);
    cr_expect_eq(fate_gauss_kl(NULL, m, C, m, C, 2), FATE_EINVAL);
    cr_expect_eq(fate_gauss_kl(&v, m, C, m, C, 0), FATE_EINVAL);
    cr_expect_eq(fate_gauss_hellinger(&v, &v, m, indef, m, C, 2), FATE_EINVAL);
    cr_expect_eq(fate_gauss_w2sq(&v, m, indef, m, C, 2), FATE_EINVAL);
    cr_expect_eq(fate_gauss_w2sq(&v, m, C, m, indef, 2), FATE_EINVAL);
    cr_expect_eq(fate_gauss_w2sq(&v, m, nonsym, m, C, 2), FATE_EINVAL);
    cr_expect_eq(fate_gauss_mmd2(&v, m, C, m, C, 2, 0.0), FATE_EINVAL);
    cr_expect_eq(fate_gauss_mmd2(&v, m, C, m, C, 2, -1.0), FATE_EINVAL);
    cr_expect_eq(fate_gauss_mmd2(&v, m, C, m, C, 2, NAN), FATE_EINVAL);
    cr_expect_eq(fate_gauss_mmd2(&v, m, C, m, C, 2, INFINITY), FATE_EINVAL);
    cr_expect_eq(fate_gauss_mmd2(&v, m, indef, m, C, 2, 1.0), FATE_EINVAL);
    double beta[2] = {1, 0}, Cj[9], Z[9];
    cr_expect_eq(fate_linear_joint_cov(Cj, beta, 2, -0.1), FATE_EINVAL);
    cr_expect_eq(fate_linear_joint_cov(Cj, beta, 0, 0.1), FATE_EINVAL);
    cr_expect_eq(fate_linear_joint_cov(Cj, mnan, 2, 0.1), FATE_EINVAL);
    cr_expect_eq(fate_linear_joint_sample(Z, beta, 3, 2, NAN, 1, 0, 3, 4), FATE_EINVAL);
    cr_expect_eq(fate_linear_joint_sample(Z, beta, 0, 2, 0.1, 1, 0, 3, 4), FATE_EINVAL);
    /* v untouched by failures */
    v = 42.0;
    fate_gauss_kl(&v, m, C, m, indef, 2);
    cr_expect_eq(v, 42.0);
}

/* ------------------------------------------------------------------------ */
/* 3. Estimators on Gaussian pairs                                           */
/* ------------------------------------------------------------------------ */

Test(mmd, u_statistic_converges_to_closed_form)
{
    /* The U-statistic is unbiased: its mean over seeds is within 4 standard
     * errors of the population MMD^2, at two sizes, and its spread shrinks. */
    const size_t D = PD, R = 12;
    const double h = 1.5;
    double C1[9], C2[9], ref;
    cov_of(C1, P_L1, D);
    cov_of(C2, P_L2, D);
    cr_assert_eq(fate_gauss_mmd2(&ref, P_M1, C1, P_M2, C2, D, h), FATE_OK);
    const size_t sizes[2] = {100, 600};
    double sd_prev = INFINITY;
    for (size_t s = 0; s < 2; s++) {
        size_t n = sizes[s], m = sizes[s] + 37;
        double *X = dalloc(n * D), *Y = dalloc(m * D), v[12];
        for (size_t r = 0; r < R; r++) {
            gauss_sample(X, n, D, P_M1, P_L1, 5, r, FATE_STREAM_USER);
            gauss_sample(Y, m, D, P_M2, P_L2, 5, r, FATE_STREAM_USER + 1);
            cr_assert_eq(fate_mmd2(&v[r], NULL, X, n, Y, m, D, FATE_KERNEL_GAUSSIAN, h, 1), FATE_OK);
        }
        stat st = stat_of(v, R);
        cr_expect(fabs(st.mean - ref) < 4.0 * st.sem, "n = %zu: mean %g vs closed form %g (sem %g)",
                  n, st.mean, ref, st.sem);
        double sd = st.sem * sqrt((double)R);
        cr_expect(sd < sd_prev, "spread does not shrink");
        sd_prev = sd;
        free(X);
        free(Y);
    }
}

Test(mmd, linear_teacher_joint_laws)
{
    /* joint (x, y) laws of two linear teachers at angle theta: the unbiased
     * estimate on fate's own task samples matches the closed form */
    const size_t d = 5, D = d + 1, n = 400, R = 10;
    const double h = 2.0, sigma = 0.3;
    double bs[5], bt[5], Cs[36], Ct[36], z[6] = {0}, ref, v[10];
    fate_teachers(bs, bt, d, 1.0, 4, 0);
    fate_linear_joint_cov(Cs, bs, d, sigma);
    fate_linear_joint_cov(Ct, bt, d, sigma);
    cr_assert_eq(fate_gauss_mmd2(&ref, z, Cs, z, Ct, D, h), FATE_OK);
    double *X = dalloc(n * D), *Y = dalloc(n * D);
    for (size_t r = 0; r < R; r++) {
        fate_linear_joint_sample(X, bs, n, d, sigma, 9, r, FATE_STREAM_X_SOURCE, FATE_STREAM_NOISE_SOURCE);
        fate_linear_joint_sample(Y, bt, n, d, sigma, 9, r, FATE_STREAM_X_TARGET, FATE_STREAM_NOISE_TARGET);
        cr_assert_eq(fate_mmd2(&v[r], NULL, X, n, Y, n, D, FATE_KERNEL_GAUSSIAN, h, 1), FATE_OK);
    }
    stat st = stat_of(v, R);
    cr_expect(fabs(st.mean - ref) < 4.0 * st.sem, "mean %g vs closed form %g (sem %g)", st.mean, ref, st.sem);
    cr_expect(ref > 10.0 * st.sem, "the test must resolve a nonzero MMD (%g, sem %g)", ref, st.sem);
    free(X);
    free(Y);
}

Test(mmd, unbiased_around_zero_on_identical_laws)
{
    const size_t D = PD, n = 300, R = 12;
    const fate_kernel kk[3] = {FATE_KERNEL_GAUSSIAN, FATE_KERNEL_LAPLACE, FATE_KERNEL_ENERGY};
    double *X = dalloc(n * D), *Y = dalloc(n * D);
    for (int k = 0; k < 3; k++) {
        double u[12], vv[12];
        for (size_t r = 0; r < R; r++) {
            gauss_sample(X, n, D, P_M2, P_L2, 6, r, FATE_STREAM_USER);
            gauss_sample(Y, n, D, P_M2, P_L2, 6, r, FATE_STREAM_USER + 1);
            cr_assert_eq(fate_mmd2(&u[r], NULL, X, n, Y, n, D, kk[k], 0.0, 1), FATE_OK);
            cr_assert_eq(fate_mmd2(&vv[r], NULL, X, n, Y, n, D, kk[k], 0.0, 0), FATE_OK);
            cr_expect(vv[r] > u[r], "V-statistic above U-statistic");
            cr_expect(vv[r] >= 0.0, "V-statistic is an MMD between empirical measures");
        }
        stat st = stat_of(u, R);
        cr_expect(fabs(st.mean) < 4.0 * st.sem, "kernel %d: mean %g, sem %g", k, st.mean, st.sem);
        /* the V-statistic is biased upwards: its mean is well above 0 */
        stat sv = stat_of(vv, R);
        cr_expect(sv.mean > 4.0 * sv.sem, "kernel %d: V mean %g sem %g", k, sv.mean, sv.sem);
    }
    /* the same sample twice: V = 0 up to rounding */
    double v0;
    cr_assert_eq(fate_mmd2(&v0, NULL, X, n, X, n, D, FATE_KERNEL_GAUSSIAN, 1.0, 0), FATE_OK);
    cr_expect(fabs(v0) < 1e-12, "V(X, X) = %g", v0);
    free(X);
    free(Y);
}

Test(mmd, symmetric_and_energy_is_energy_kernel)
{
    const size_t D = PD, n = 211, m = 157;
    double *X = dalloc(n * D), *Y = dalloc(m * D);
    gauss_sample(X, n, D, P_M1, P_L1, 7, 0, FATE_STREAM_USER);
    gauss_sample(Y, m, D, P_M2, P_L2, 7, 0, FATE_STREAM_USER + 1);
    const fate_kernel kk[3] = {FATE_KERNEL_GAUSSIAN, FATE_KERNEL_LAPLACE, FATE_KERNEL_ENERGY};
    for (int k = 0; k < 3; k++)
        for (int u = 0; u < 2; u++) {
            double a, b, ha, hb;
            cr_assert_eq(fate_mmd2(&a, &ha, X, n, Y, m, D, kk[k], 0.0, u), FATE_OK);
            cr_assert_eq(fate_mmd2(&b, &hb, Y, m, X, n, D, kk[k], 0.0, u), FATE_OK);
            cr_expect(close_to(a, b, 1e-15, 1e-12), "kernel %d: %.17g vs %.17g", k, a, b);
        }
    double e, em;
    for (int u = 0; u < 2; u++) {
        cr_assert_eq(fate_energy_distance(&e, X, n, Y, m, D, u), FATE_OK);
        cr_assert_eq(fate_mmd2(&em, NULL, X, n, Y, m, D, FATE_KERNEL_ENERGY, 0.0, u), FATE_OK);
        cr_expect_eq(e, em);
    }
    /* the V energy distance is the formula 2 E|X-Y| - E|X-X'| - E|Y-Y'| */
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < m; j++) {
            double s = 0;
            for (size_t a = 0; a < D; a++) s += (X[i * D + a] - Y[j * D + a]) * (X[i * D + a] - Y[j * D + a]);
            sxy += sqrt(s);
        }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double s = 0;
            for (size_t a = 0; a < D; a++) s += (X[i * D + a] - X[j * D + a]) * (X[i * D + a] - X[j * D + a]);
            sxx += sqrt(s);
        }
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < m; j++) {
            double s = 0;
            for (size_t a = 0; a < D; a++) s += (Y[i * D + a] - Y[j * D + a]) * (Y[i * D + a] - Y[j * D + a]);
            syy += sqrt(s);
        }
    double ref = 2 * sxy / (double)(n * m) - sxx / (double)(n * n) - syy / (double)(m * m);
    cr_assert_eq(fate_energy_distance(&e, X, n, Y, m, D, 0), FATE_OK);
    cr_expect(close_to(e, ref, 1e-14, 1e-10), "%.17g vs %.17g", e, ref);
    free(X);
    free(Y);
}

Test(mmd, linear_time_estimator_converges)
{
    const size_t D = PD, n = 40000;
    const double h = 1.5;
    double C1[9], C2[9], ref, v, se, hu;
    cov_of(C1, P_L1, D);
    cov_of(C2, P_L2, D);
    cr_assert_eq(fate_gauss_mmd2(&ref, P_M1, C1, P_M2, C2, D, h), FATE_OK);
    double *X = dalloc(n * D), *Y = dalloc(n * D);
    gauss_sample(X, n, D, P_M1, P_L1, 8, 0, FATE_STREAM_USER);
    gauss_sample(Y, n, D, P_M2, P_L2, 8, 0, FATE_STREAM_USER + 1);
    cr_assert_eq(fate_mmd2_linear(&v, &se, &hu, X, n, Y, n, D, FATE_KERNEL_GAUSSIAN, h), FATE_OK);
    cr_expect_eq(hu, h);
    cr_expect(fabs(v - ref) < 4.0 * se, "linear MMD^2 %g vs %g (se %g)", v, ref, se);
    cr_expect(se < 0.1 * ref, "se %g too large to test", se);
    /* identical laws: within 4 se of zero */
    gauss_sample(Y, n, D, P_M1, P_L1, 8, 1, FATE_STREAM_USER + 1);
    cr_assert_eq(fate_mmd2_linear(&v, &se, NULL, X, n, Y, n, D, FATE_KERNEL_LAPLACE, 0.0), FATE_OK);
    cr_expect(fabs(v) < 4.0 * se, "identical laws: %g (se %g)", v, se);
    free(X);
    free(Y);
}

Test(energy, one_dimensional_gaussians)
{
    /* 1-D closed form: E|X - Y| for X - Y ~ N(mu, s^2) is
     * s sqrt(2/pi) exp(-mu^2/(2 s^2)) + mu erf(mu/(s sqrt 2)); check the
     * derivation against the NumPy quadrature, then the U-statistic against
     * it. */
    const double m1 = 0.0, s1 = 1.0, m2 = 0.8, s2 = 1.5;
    double ref = 2.0 * mean_abs_normal(m1 - m2, hypot(s1, s2)) - mean_abs_normal(0.0, sqrt(2.0) * s1) -
                 mean_abs_normal(0.0, sqrt(2.0) * s2);
    cr_expect(close_to(ref, ref_value("e1d_a"), 1e-9, 1e-8), "%.15g vs quadrature %.15g", ref, ref_value("e1d_a"));
    const size_t n = 1500, R = 10;
    double *x = dalloc(n), *y = dalloc(n), v[10];
    for (size_t r = 0; r < R; r++) {
        gauss_sample(x, n, 1, &m1, &s1, 10, r, FATE_STREAM_USER);
        gauss_sample(y, n, 1, &m2, &s2, 10, r, FATE_STREAM_USER + 1);
        cr_assert_eq(fate_energy_distance(&v[r], x, n, y, n, 1, 1), FATE_OK);
    }
    stat st = stat_of(v, R);
    cr_expect(fabs(st.mean - ref) < 4.0 * st.sem, "energy %g vs %g (sem %g)", st.mean, ref, st.sem);
    free(x);
    free(y);
}

/* ---- Wasserstein ---- */

Test(wasserstein, assignment_matches_brute_force)
{
    for (size_t n = 1; n <= 7; n++)
        for (uint64_t inst = 0; inst < 15; inst++) {
            double C[49], tot;
            size_t as[7], perm[7];
            for (size_t i = 0; i < n * n; i++)
                C[i] = floor(8.0 * fate_uniform_at(12, inst, n, i)); /* many ties */
            cr_assert_eq(fate_assignment(as, &tot, C, n), FATE_OK);
            /* a permutation */
            int seen[7] = {0};
            for (size_t i = 0; i < n; i++) {
                cr_assert(as[i] < n && !seen[as[i]]);
                seen[as[i]] = 1;
            }
            /* brute force over all permutations (Heap's algorithm) */
            for (size_t i = 0; i < n; i++) perm[i] = i;
            double best = INFINITY;
            size_t c[7] = {0}, i = 0;
            for (;;) {
                double s = 0;
                for (size_t r = 0; r < n; r++) s += C[r * n + perm[r]];
                best = fmin(best, s);
                while (i < n && c[i] >= i) c[i++] = 0;
                if (i >= n) break;
                size_t j = i % 2 ? c[i] : 0, t = perm[j];
                perm[j] = perm[i];
                perm[i] = t;
                c[i]++;
                i = 0;
            }
            cr_expect_eq(tot, best, "n = %zu inst %llu: %g vs brute force %g", n,
                         (unsigned long long)inst, tot, best);
        }
}

Test(wasserstein, exact_equals_sorting_in_1d)
{
    const size_t n = 300;
    double *x = dalloc(n), *y = dalloc(n), a, b;
    fate_normal_fill(x, n, 13, 0, FATE_STREAM_USER, 0);
    fate_normal_fill(y, n, 13, 0, FATE_STREAM_USER + 1, 0);
    for (size_t i = 0; i < n; i++) y[i] = 1.5 * y[i] + 0.4;
    const double ps[3] = {1.0, 1.5, 2.0};
    for (int k = 0; k < 3; k++) {
        cr_assert_eq(fate_wasserstein_exact(&a, x, y, n, 1, ps[k]), FATE_OK);
        cr_assert_eq(fate_wasserstein_1d(&b, x, n, y, n, ps[k]), FATE_OK);
        cr_expect(close_to(a, b, 1e-12, 1e-10), "p = %g: assignment %.17g, sorting %.17g", ps[k], a, b);
    }
    free(x);
    free(y);
}

Test(wasserstein, translation_and_hand_computed_cases)
{
    /* W_p(X, X + v) = |v| exactly for p = 1, 2 (identity coupling optimal) */
    const size_t n = 60, D = 3;
    double *X = dalloc(n * D), *Y = dalloc(n * D), v3[3] = {0.3, -1.2, 0.5}, w;
    fate_normal_fill(X, n * D, 14, 0, FATE_STREAM_USER, 0);
    for (size_t i = 0; i < n; i++)
        for (size_t a = 0; a < D; a++) Y[i * D + a] = X[i * D + a] + v3[a];
    double nv = sqrt(0.09 + 1.44 + 0.25);
    for (int p = 1; p <= 2; p++) {
        cr_assert_eq(fate_wasserstein_exact(&w, X, Y, n, D, p), FATE_OK);
        cr_expect(close_to(w, nv, 1e-12, 1e-10), "W%d of a translation %.17g vs %.17g", p, w, nv);
    }
    cr_assert_eq(fate_wasserstein_exact(&w, X, X, n, D, 2.0), FATE_OK);
    cr_expect(w < 1e-6, "W2(X, X) = %g", w);
    /* hand-computed: X = {(0,0), (2,0), (0,3)}, Y = {(1,0), (2,3), (0,-1)}.
     * Costs |x_i - y_j|: row (0,0): 1, sqrt13, 1; row (2,0): 1, 3, sqrt5;
     * row (0,3): sqrt10, 2, 4. W1: the 6 permutations give
     * 1+3+4=8, 1+sqrt5+2=5.24, sqrt13+1+4=8.61, sqrt13+sqrt5+sqrt10=8.00,
     * 1+1+2=4 (x1->y3, x2->y1, x3->y2), 1+3+sqrt10=7.16: W1 = 4/3.
     * W2^2: same permutation, (1 + 1 + 4)/3 = 2: W2 = sqrt 2. */
    double A[6] = {0, 0, 2, 0, 0, 3}, B[6] = {1, 0, 2, 3, 0, -1};
    cr_assert_eq(fate_wasserstein_exact(&w, A, B, 3, 2, 1.0), FATE_OK);
    cr_expect(close_to(w, 4.0 / 3.0, 1e-15, 1e-14), "%.17g", w);
    cr_assert_eq(fate_wasserstein_exact(&w, A, B, 3, 2, 2.0), FATE_OK);
    cr_expect(close_to(w, sqrt(2.0), 1e-15, 1e-14), "%.17g", w);
    /* 1-D, unequal sizes: x = {0, 1}, y = {0.5}: W1 = W2 = 0.5 */
    double x2[2] = {0, 1}, y1 = 0.5;
    cr_assert_eq(fate_wasserstein_1d(&w, x2, 2, &y1, 1, 1.0), FATE_OK);
    cr_expect_eq(w, 0.5);
    cr_assert_eq(fate_wasserstein_1d(&w, x2, 2, &y1, 1, 2.0), FATE_OK);
    cr_expect_eq(w, 0.5);
    /* x = {0, 1, 2}, y = {0, 2}: quantile coupling on [0,1/3): 0-0, [1/3,1/2):
     * 1-0, [1/2,2/3): 1-2, [2/3,1): 2-2, W1 = 1/6 + 1/6 = 1/3 */
    double x3[3] = {2, 0, 1}, y2[2] = {2, 0};
    cr_assert_eq(fate_wasserstein_1d(&w, x3, 3, y2, 2, 1.0), FATE_OK);
    cr_expect(close_to(w, 1.0 / 3.0, 1e-16, 1e-15), "%.17g", w);
    free(X);
    free(Y);
}

Test(wasserstein, one_dimensional_gaussians_converge)
{
    /* W1(N(0,1), N(mu,1)) = |mu|; W2^2(N(m1,s1^2), N(m2,s2^2)) = (m1-m2)^2 +
     * (s1-s2)^2. Empirical distances are biased upwards at finite n; the error
     * shrinks with n. */
    const double mu = 0.7, m2 = -0.5, s2 = 1.7, zero = 0.0, one = 1.0;
    const size_t sizes[2] = {1000, 100000};
    double err1[2], err2[2];
    double *x = dalloc(100000), *y = dalloc(100001), *z = dalloc(100000);
    for (int s = 0; s < 2; s++) {
        size_t n = sizes[s];
        double w1 = 0, w2 = 0, w;
        for (uint64_t r = 0; r < 3; r++) {
            gauss_sample(x, n, 1, &zero, &one, 15, r, FATE_STREAM_USER);
            gauss_sample(y, n + 1, 1, &mu, &one, 15, r, FATE_STREAM_USER + 1);
            gauss_sample(z, n, 1, &m2, &s2, 15, r, FATE_STREAM_USER + 2);
            cr_assert_eq(fate_wasserstein_1d(&w, x, n, y, n + 1, 1.0), FATE_OK);
            w1 += w / 3;
            cr_assert_eq(fate_wasserstein_1d(&w, x, n, z, n, 2.0), FATE_OK);
            w2 += w * w / 3;
        }
        err1[s] = fabs(w1 - mu);
        err2[s] = fabs(w2 - (0.25 + 0.49));
    }
    cr_expect(err1[1] < 0.01 && err1[1] < err1[0], "W1 errors %g -> %g", err1[0], err1[1]);
    cr_expect(err2[1] < 0.01 && err2[1] < err2[0], "W2^2 errors %g -> %g", err2[0], err2[1]);
    free(x);
    free(y);
    free(z);
}

/* Mean and (1/n) covariance of the rows of X (n, 2). */
static void moments2(double *mu, double *C, const double *X, size_t n)
{
    mu[0] = mu[1] = 0.0;
    for (size_t i = 0; i < n; i++) {
        mu[0] += X[2 * i] / (double)n;
        mu[1] += X[2 * i + 1] / (double)n;
    }
    C[0] = C[1] = C[2] = C[3] = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t a = 0; a < 2; a++)
            for (size_t b = 0; b < 2; b++)
                C[2 * a + b] += (X[2 * i + a] - mu[a]) * (X[2 * i + b] - mu[b]) / (double)n;
}

Test(wasserstein, exact_2d_bounds_and_convergence)
{
    /* Gelbrich: W2^2 between any two laws is at least the Bures distance of
     * the Gaussians with their means and covariances, here the empirical
     * ones; projections only shrink distances: SW2 <= W2. In D = 2 the
     * empirical W2^2 is biased upwards like n^-1/2 (log n) (measured: +24% at
     * n = 30, +5% at n = 500, seed spread 7% at n = 500): the bias must
     * shrink from n = 30 to n = 500 and be within 20% there. Equal means keep
     * the spread small. */
    const size_t D = 2, Rs[2] = {10, 4};
    const double m1[2] = {0, 0}, L1[4] = {1, 0, 0.3, 0.8}, L2[4] = {2.2, 0, -0.3, 0.5};
    double C1[4], C2[4], ref;
    cov_of(C1, L1, D);
    cov_of(C2, L2, D);
    cr_assert_eq(fate_gauss_w2sq(&ref, m1, C1, m1, C2, D), FATE_OK);
    const size_t sizes[2] = {30, 500};
    double bias[2];
    double *X = dalloc(500 * D), *Y = dalloc(500 * D);
    for (int s = 0; s < 2; s++) {
        size_t n = sizes[s], R = Rs[s];
        double acc = 0, w, sw, ex[2], ey[2], Ex[4], Ey[4], gel;
        for (uint64_t r = 0; r < R; r++) {
            gauss_sample(X, n, D, m1, L1, 16, r, FATE_STREAM_USER);
            gauss_sample(Y, n, D, m1, L2, 16, r, FATE_STREAM_USER + 1);
            cr_assert_eq(fate_wasserstein_exact(&w, X, Y, n, D, 2.0), FATE_OK);
            acc += w * w / (double)R;
            moments2(ex, Ex, X, n);
            moments2(ey, Ey, Y, n);
            cr_assert_eq(fate_gauss_w2sq(&gel, ex, Ex, ey, Ey, D), FATE_OK);
            cr_expect(w * w >= gel - 1e-12, "n %zu: W2^2 %.17g below the Gelbrich bound %.17g", n, w * w, gel);
            cr_assert_eq(fate_sliced_wasserstein(&sw, NULL, X, n, Y, n, D, 2.0, 16, 3, r), FATE_OK);
            cr_expect(sw <= w * (1 + 1e-12), "sliced %g above exact %g", sw, w);
        }
        bias[s] = (acc - ref) / ref;
    }
    cr_expect(fabs(bias[1]) < 0.2 && bias[1] < bias[0], "relative bias %g -> %g (Bures %g)", bias[0], bias[1], ref);
    free(X);
    free(Y);
}

Test(wasserstein, sliced_converges_per_direction)
{
    /* each 1-D distance converges to the Gaussian formula for the projected
     * laws: W2^2 = (w.dm)^2 + (sqrt(w'C1w) - sqrt(w'C2w))^2 */
    const size_t D = PD, n = 40000, L = 12;
    double C1[9], C2[9], dirs[36], per[12], sw;
    cov_of(C1, P_L1, D);
    cov_of(C2, P_L2, D);
    double *X = dalloc(n * D), *Y = dalloc((n + 3) * D);
    gauss_sample(X, n, D, P_M1, P_L1, 17, 0, FATE_STREAM_USER);
    gauss_sample(Y, n + 3, D, P_M2, P_L2, 17, 0, FATE_STREAM_USER + 1);
    cr_assert_eq(fate_random_directions(dirs, L, D, 17, 0), FATE_OK);
    cr_assert_eq(fate_sliced_wasserstein(&sw, per, X, n, Y, n + 3, D, 2.0, L, 17, 0), FATE_OK);
    double avg = 0;
    for (size_t l = 0; l < L; l++) {
        const double *w = dirs + l * D;
        double dm = 0, v1 = 0, v2 = 0, nw = 0;
        for (size_t a = 0; a < D; a++) {
            dm += w[a] * (P_M1[a] - P_M2[a]);
            nw += w[a] * w[a];
            for (size_t b = 0; b < D; b++) {
                v1 += w[a] * C1[a * D + b] * w[b];
                v2 += w[a] * C2[a * D + b] * w[b];
            }
        }
        cr_assert(close_to(nw, 1.0, 1e-14, 0), "directions are unit");
        double ref = dm * dm + (sqrt(v1) - sqrt(v2)) * (sqrt(v1) - sqrt(v2));
        cr_expect(fabs(per[l] - ref) < 0.01 + 0.03 * ref, "direction %zu: %g vs %g", l, per[l], ref);
        avg += ref / (double)L;
    }
    cr_expect(fabs(sw * sw - avg) < 0.01 + 0.02 * avg, "SW2^2 %g vs %g", sw * sw, avg);
    /* symmetric, and zero on the same sample */
    double sw2;
    cr_assert_eq(fate_sliced_wasserstein(&sw2, NULL, Y, n + 3, X, n, D, 2.0, L, 17, 0), FATE_OK);
    cr_expect(close_to(sw2, sw, 1e-15, 1e-13));
    cr_assert_eq(fate_sliced_wasserstein(&sw2, NULL, X, 1000, X, 1000, D, 1.0, L, 17, 0), FATE_OK);
    cr_expect_eq(sw2, 0.0);
    free(X);
    free(Y);
}

/* ---- kNN ---- */

Test(knn, kl_converges_to_closed_form)
{
    const size_t D = 2, R = 6, k = 5;
    const double m1[2] = {0, 0}, m2[2] = {0.7, -0.3}, L1[4] = {1, 0, 0.3, 0.8}, L2[4] = {1.3, 0, -0.2, 1.1};
    double C1[4], C2[4], ref, v[6], se[6];
    cov_of(C1, L1, D);
    cov_of(C2, L2, D);
    cr_assert_eq(fate_gauss_kl(&ref, m1, C1, m2, C2, D), FATE_OK);
    const size_t n = 2500;
    double *X = dalloc(n * D), *Y = dalloc(n * D);
    for (size_t r = 0; r < R; r++) {
        gauss_sample(X, n, D, m1, L1, 18, r, FATE_STREAM_USER);
        gauss_sample(Y, n, D, m2, L2, 18, r, FATE_STREAM_USER + 1);
        cr_assert_eq(fate_knn_kl(&v[r], &se[r], X, n, Y, n, D, k), FATE_OK);
    }
    stat st = stat_of(v, R);
    cr_expect(fabs(st.mean - ref) < 4.0 * st.sem, "kNN KL %g vs %g (sem %g)", st.mean, ref, st.sem);
    /* each estimate within 4 of its own standard errors */
    for (size_t r = 0; r < R; r++)
        cr_expect(fabs(v[r] - ref) < 4.0 * se[r], "seed %zu: %g (se %g) vs %g", r, v[r], se[r], ref);
    /* identical laws: unbiased around zero */
    double z[6];
    for (size_t r = 0; r < R; r++) {
        gauss_sample(X, n, D, m2, L2, 19, r, FATE_STREAM_USER);
        gauss_sample(Y, n, D, m2, L2, 19, r, FATE_STREAM_USER + 1);
        cr_assert_eq(fate_knn_kl(&z[r], NULL, X, n, Y, n, D, k), FATE_OK);
    }
    stat s0 = stat_of(z, R);
    cr_expect(fabs(s0.mean) < 4.0 * s0.sem, "identical laws: %g (sem %g)", s0.mean, s0.sem);
    free(X);
    free(Y);
}

Test(knn, tv_js_converge_in_1d)
{
    /* N(0,1) vs N(1,1): TV = erf(1/(2 sqrt 2)); JS from the NumPy quadrature.
     * Both estimates are lower bounds whose bias vanishes as n, k grow. */
    const double zero = 0.0, one = 1.0, tv_ref = erf(0.5 / sqrt(2.0)), js_ref = ref_value("js1d_a");
    cr_expect(close_to(tv_ref, ref_value("tv1d_a"), 1e-9, 1e-8));
    const size_t sizes[2] = {600, 6000};
    double etv[2], ejs[2];
    double *x = dalloc(6000), *y = dalloc(6000);
    for (int s = 0; s < 2; s++) {
        size_t n = sizes[s], k = (size_t)sqrt(2.0 * (double)n);
        double tv, js, tse, jse;
        gauss_sample(x, n, 1, &zero, &one, 20, 0, FATE_STREAM_USER);
        gauss_sample(y, n, 1, &one, &one, 20, 0, FATE_STREAM_USER + 1);
        cr_assert_eq(fate_knn_tv_js(&tv, &js, &tse, &jse, x, n, y, n, 1, k), FATE_OK);
        etv[s] = fabs(tv - tv_ref);
        ejs[s] = fabs(js - js_ref);
        cr_expect(tv < tv_ref + 4.0 * tse, "n %zu: TV %g above the truth %g (se %g)", n, tv, tv_ref, tse);
        if (s == 1) {
            cr_expect(etv[1] < 4.0 * tse + 0.01, "TV %g vs %g (se %g)", tv, tv_ref, tse);
            cr_expect(ejs[1] < 4.0 * jse + 0.01, "JS %g vs %g (se %g)", js, js_ref, jse);
        }
    }
    cr_expect(ejs[1] < ejs[0], "JS error %g -> %g", ejs[0], ejs[1]);
    free(x);
    free(y);
}

Test(knn, tv_unbiased_around_zero_and_symmetric)
{
    const size_t D = 2, n = 800, m = 700, k = 20, R = 8;
    const double m1[2] = {0, 0}, L1[4] = {1, 0, 0.3, 0.8};
    double *X = dalloc(n * D), *Y = dalloc(m * D), tv[8], js[8];
    for (size_t r = 0; r < R; r++) {
        gauss_sample(X, n, D, m1, L1, 21, r, FATE_STREAM_USER);
        gauss_sample(Y, m, D, m1, L1, 21, r, FATE_STREAM_USER + 1);
        double tse, jse, a, b;
        cr_assert_eq(fate_knn_tv_js(&tv[r], &js[r], &tse, &jse, X, n, Y, m, D, k), FATE_OK);
        cr_assert_eq(fate_knn_tv_js(&a, &b, NULL, NULL, Y, m, X, n, D, k), FATE_OK);
        cr_expect(close_to(a, tv[r], 1e-15, 1e-12), "TV symmetric: %.17g %.17g", tv[r], a);
        cr_expect(close_to(b, js[r], 1e-15, 1e-12), "JS symmetric: %.17g %.17g", js[r], b);
    }
    stat st = stat_of(tv, R);
    cr_expect(fabs(st.mean) < 4.0 * st.sem, "TV on identical laws %g (sem %g)", st.mean, st.sem);
    /* JS: mean about -1/(2k) (smoothing), small */
    stat sj = stat_of(js, R);
    cr_expect(sj.mean < 0.0 && sj.mean > -3.0 / (2.0 * (double)k), "JS on identical laws %g", sj.mean);
    free(X);
    free(Y);
}

Test(knn, point_masses)
{
    /* P = delta_a, Q = delta_b: TV = 1, JS = log 2 up to the smoothing */
    const size_t n = 30, D = 2, k = 4;
    double X[60], Y[60], tv, js;
    for (size_t i = 0; i < n; i++) {
        X[i * D] = 1.0; X[i * D + 1] = 2.0;
        Y[i * D] = -1.0; Y[i * D + 1] = 0.5;
    }
    cr_assert_eq(fate_knn_tv_js(&tv, &js, NULL, NULL, X, n, Y, n, D, k), FATE_OK);
    cr_expect_eq(tv, 1.0);
    cr_expect(close_to(js, log(2.0) - log1p(1.0 / (2.0 * (double)k + 1.0)), 1e-15, 1e-13), "JS %.17g", js);
    /* kNN KL is undefined with coinciding points */
    double kl;
    cr_expect_eq(fate_knn_kl(&kl, NULL, X, n, Y, n, D, 1), FATE_EINVAL);
}

/* ---- bounded-Lipschitz ---- */

Test(bl, point_masses_are_exact)
{
    /* d_BL(delta_a, delta_b) = 2 L/(2 + L), L = |a - b| */
    const size_t n = 10, D = 2;
    const double Ls[3] = {0.5, 3.0, 40.0};
    for (int i = 0; i < 3; i++) {
        double X[20], Y[20], bl;
        for (size_t r = 0; r < n; r++) {
            X[r * D] = 0.5; X[r * D + 1] = 0.0;
            Y[r * D] = 0.5 + Ls[i] * 0.6; Y[r * D + 1] = Ls[i] * 0.8;
        }
        cr_assert_eq(fate_bl_lower(&bl, X, n, Y, n, D, 4, 1, 0), FATE_OK);
        double ref = 2.0 * Ls[i] / (2.0 + Ls[i]);
        cr_expect(close_to(bl, ref, 1e-14, 1e-12), "L = %g: %.17g vs %.17g", Ls[i], bl, ref);
    }
}

Test(bl, label_scale_family_grows_towards_two)
{
    /* target teacher c beta_s: the joint laws drift apart as c grows; the
     * bound stays below 2, grows with c and gets close to 2 */
    const size_t d = 4, D = d + 1, n = 2000;
    const double cs[4] = {1.0, 2.0, 8.0, 100.0};
    double beta[4] = {0.5, 0.5, 0.5, 0.5}, cb[4], dirs[10] = {0};
    dirs[d] = 1.0; /* the label axis */
    for (size_t a = 0; a < d; a++) dirs[D + a] = beta[a];
    double *X = dalloc(n * D), *Y = dalloc(n * D), prev = -1.0;
    fate_linear_joint_sample(X, beta, n, d, 0.3, 22, 0, FATE_STREAM_X_SOURCE, FATE_STREAM_NOISE_SOURCE);
    for (int i = 0; i < 4; i++) {
        for (size_t a = 0; a < d; a++) cb[a] = cs[i] * beta[a];
        fate_linear_joint_sample(Y, cb, n, d, 0.3, 22, 0, FATE_STREAM_X_TARGET, FATE_STREAM_NOISE_TARGET);
        double bl, blr;
        cr_assert_eq(fate_bl_lower_dirs(&bl, X, n, Y, n, D, dirs, 2), FATE_OK);
        cr_assert_eq(fate_bl_lower(&blr, X, n, Y, n, D, 8, 5, 0), FATE_OK);
        cr_expect(bl <= 2.0 && blr <= 2.0);
        if (i == 0) cr_expect(bl < 0.15, "c = 1 (same law): %g", bl);
        else cr_expect(bl > prev, "c = %g: %g not above %g", cs[i], bl, prev);
        prev = bl;
    }
    cr_expect(prev > 1.5, "c = 100: %g", prev);
    /* zero on the same sample, symmetric */
    double b0, b1, b2;
    cr_assert_eq(fate_bl_lower_dirs(&b0, X, n, X, n, D, dirs, 2), FATE_OK);
    cr_expect_eq(b0, 0.0);
    cr_assert_eq(fate_bl_lower_dirs(&b1, X, n, Y, n - 5, D, dirs, 2), FATE_OK);
    cr_assert_eq(fate_bl_lower_dirs(&b2, Y, n - 5, X, n, D, dirs, 2), FATE_OK);
    cr_expect(close_to(b1, b2, 1e-15, 1e-12), "%.17g vs %.17g", b1, b2);
    free(X);
    free(Y);
}

/* ------------------------------------------------------------------------ */
/* 4. Algorithms, threads, bad input                                         */
/* ------------------------------------------------------------------------ */

Test(pairwise, blocked_gemm_matches_naive)
{
    /* more than one block of rows (256) each way, data far from the origin */
    const size_t na = 300, nb = 270, D = 7;
    double *A = dalloc(na * D), *B = dalloc(nb * D), *G = dalloc(na * nb), *S = dalloc(na * na);
    fate_normal_fill(A, na * D, 23, 0, FATE_STREAM_USER, 0);
    fate_normal_fill(B, nb * D, 23, 0, FATE_STREAM_USER + 1, 0);
    for (size_t i = 0; i < na * D; i++) A[i] += 1e3;
    for (size_t i = 0; i < nb * D; i++) B[i] += 1e3;
    cr_assert_eq(fate_pairwise_sqdist(G, A, na, B, nb, D), FATE_OK);
    double mx = 0;
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++) {
            double s = 0;
            for (size_t a = 0; a < D; a++) s += (A[i * D + a] - B[j * D + a]) * (A[i * D + a] - B[j * D + a]);
            mx = fmax(mx, fabs(G[i * nb + j] - s) / (1.0 + s));
        }
    cr_expect(mx < 1e-12, "max relative error %g (centring must remove the offset)", mx);
    cr_assert_eq(fate_pairwise_sqdist(S, A, na, A, na, D), FATE_OK);
    for (size_t i = 0; i < na; i++) {
        cr_expect_eq(S[i * na + i], 0.0);
        for (size_t j = 0; j < i; j++) cr_expect_eq(S[i * na + j], S[j * na + i]);
    }
    free(A); free(B); free(G); free(S);
}

Test(threads, results_do_not_depend_on_thread_count)
{
    /* large enough that every pairwise job runs on several threads */
    const size_t D = 12, n = 700, m = 560;
    double *X = dalloc(n * D), *Y = dalloc(m * D);
    fate_normal_fill(X, n * D, 24, 0, FATE_STREAM_USER, 0);
    fate_normal_fill(Y, m * D, 24, 0, FATE_STREAM_USER + 1, 0);
    for (size_t i = 0; i < m * D; i++) Y[i] = 1.2 * Y[i] + 0.1;
    double r[2][12];
    double *G[2] = {dalloc(n * m), dalloc(n * m)};
    const int threads[2] = {1, 3};
    const int blas_threads = blas_threads_get();
    for (int t = 0; t < 2; t++) {
        omp_set_num_threads(threads[t]);
        double *o = r[t];
        cr_assert_eq(fate_mmd2(&o[0], &o[1], X, n, Y, m, D, FATE_KERNEL_GAUSSIAN, 0.0, 1), FATE_OK);
        cr_assert_eq(fate_mmd2(&o[2], NULL, X, n, Y, m, D, FATE_KERNEL_LAPLACE, 0.9, 0), FATE_OK);
        cr_assert_eq(fate_energy_distance(&o[3], X, n, Y, m, D, 1), FATE_OK);
        cr_assert_eq(fate_knn_kl(&o[4], &o[5], X, n, Y, m, D, 3), FATE_OK);
        cr_assert_eq(fate_knn_tv_js(&o[6], &o[7], NULL, NULL, X, n, Y, m, D, 10), FATE_OK);
        cr_assert_eq(fate_sliced_wasserstein(&o[8], NULL, X, n, Y, m, D, 2.0, 100, 2, 0), FATE_OK);
        cr_assert_eq(fate_bl_lower(&o[9], X, n, Y, m, D, 70, 2, 0), FATE_OK);
        cr_assert_eq(fate_wasserstein_exact(&o[10], X, Y, m, D, 1.0), FATE_OK);
        cr_assert_eq(fate_median_heuristic(&o[11], X, n, Y, m, D), FATE_OK);
        cr_assert_eq(fate_pairwise_sqdist(G[t], X, n, Y, m, D), FATE_OK);
    }
    cr_expect_eq(blas_threads_get(), blas_threads, "BLAS thread count restored");
    for (int i = 0; i < 12; i++) cr_expect_eq(memcmp(&r[0][i], &r[1][i], sizeof(double)), 0, "output %d", i);
    cr_expect_eq(memcmp(G[0], G[1], n * m * sizeof(double)), 0);
    free(X); free(Y); free(G[0]); free(G[1]);
}

Test(bad_input, estimators_reject_bad_samples)
{
    const size_t n = 6, m = 5, D = 2;
    double X[12], Y[10], v, w, dirs[4] = {1, 0, 0, 0};
    for (size_t i = 0; i < 12; i++) X[i] = 0.1 * (double)(i * i % 7);
    for (size_t i = 0; i < 10; i++) Y[i] = 0.3 * (double)(i * 3 % 5) + 0.05;
    double Xn[12], Xi[12], G[30];
    memcpy(Xn, X, sizeof X);
    memcpy(Xi, X, sizeof X);
    Xn[5] = NAN;
    Xi[11] = -INFINITY;
    const fate_kernel K = FATE_KERNEL_GAUSSIAN;
    /* every estimator on: NaN, inf, one sample row, D = 0, NULL */
    const double *bad[2] = {Xn, Xi};
    for (int b = 0; b < 2; b++) {
        const double *B = bad[b];
        cr_expect_eq(fate_mmd2(&v, NULL, B, n, Y, m, D, K, 1.0, 1), FATE_EINVAL);
        cr_expect_eq(fate_mmd2(&v, NULL, Y, m, B, n, D, K, 1.0, 1), FATE_EINVAL);
        cr_expect_eq(fate_mmd2_linear(&v, NULL, NULL, B, n, Y, m, D, K, 1.0), FATE_EINVAL);
        cr_expect_eq(fate_energy_distance(&v, B, n, Y, m, D, 0), FATE_EINVAL);
        cr_expect_eq(fate_median_heuristic(&v, B, n, Y, m, D), FATE_EINVAL);
        cr_expect_eq(fate_wasserstein_exact(&v, B, X, n, D, 1.0), FATE_EINVAL);
        cr_expect_eq(fate_wasserstein_1d(&v, B, n * D, Y, m, 1.0), FATE_EINVAL);
        cr_expect_eq(fate_sliced_wasserstein(&v, NULL, B, n, Y, m, D, 2.0, 3, 1, 0), FATE_EINVAL);
        cr_expect_eq(fate_knn_kl(&v, NULL, B, n, Y, m, D, 1), FATE_EINVAL);
        cr_expect_eq(fate_knn_tv_js(&v, &w, NULL, NULL, B, n, Y, m, D, 1), FATE_EINVAL);
        cr_expect_eq(fate_bl_lower(&v, B, n, Y, m, D, 3, 1, 0), FATE_EINVAL);
        cr_expect_eq(fate_pairwise_sqdist(G, B, n, Y, m, D), FATE_EINVAL);
    }
    cr_expect_eq(fate_mmd2(&v, NULL, X, 1, Y, m, D, K, 1.0, 1), FATE_EINVAL);
    cr_expect_eq(fate_mmd2(&v, NULL, X, n, Y, 1, D, K, 1.0, 0), FATE_EINVAL);
    cr_expect_eq(fate_mmd2(&v, NULL, X, n, Y, m, 0, K, 1.0, 1), FATE_EINVAL);
    cr_expect_eq(fate_mmd2(&v, NULL, X, n, NULL, m, D, K, 1.0, 1), FATE_EINVAL);
    cr_expect_eq(fate_mmd2(NULL, NULL, X, n, Y, m, D, K, 1.0, 1), FATE_EINVAL);
    cr_expect_eq(fate_mmd2(&v, NULL, X, n, Y, m, D, (fate_kernel)7, 1.0, 1), FATE_EINVAL);
    cr_expect_eq(fate_mmd2(&v, NULL, X, n, Y, m, D, K, NAN, 1), FATE_EINVAL);
    cr_expect_eq(fate_mmd2(&v, NULL, X, n, Y, m, D, K, INFINITY, 1), FATE_EINVAL);
    cr_expect_eq(fate_mmd2_linear(&v, NULL, NULL, X, 3, Y, 3, D, K, 1.0), FATE_EINVAL); /* 1 pair */
    cr_expect_eq(fate_energy_distance(&v, X, 1, Y, m, D, 1), FATE_EINVAL);
    cr_expect_eq(fate_median_heuristic(&v, X, n, Y, 1, D), FATE_EINVAL);
    /* median heuristic of zero: all points equal */
    double Z[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    cr_expect_eq(fate_median_heuristic(&v, Z, 2, Z + 4, 2, D), FATE_EINVAL);
    cr_expect_eq(fate_mmd2(&v, NULL, Z, 2, Z + 4, 2, D, K, 0.0, 1), FATE_EINVAL);
    /* Wasserstein: p, sizes */
    cr_expect_eq(fate_wasserstein_exact(&v, X, Y, 1, D, 1.0), FATE_EINVAL);
    cr_expect_eq(fate_wasserstein_exact(&v, X, Y, 5, D, 0.5), FATE_EINVAL);
    cr_expect_eq(fate_wasserstein_exact(&v, X, Y, 5, D, INFINITY), FATE_EINVAL);
    cr_expect_eq(fate_wasserstein_1d(&v, X, 0, Y, m, 1.0), FATE_EINVAL);
    cr_expect_eq(fate_wasserstein_1d(&v, X, n, Y, m, NAN), FATE_EINVAL);
    cr_expect_eq(fate_sliced_wasserstein(&v, NULL, X, n, Y, m, D, 2.0, 0, 1, 0), FATE_EINVAL);
    cr_expect_eq(fate_sliced_wasserstein_dirs(&v, NULL, X, n, Y, m, D, 2.0, dirs, 2), FATE_EINVAL); /* zero row */
    cr_expect_eq(fate_sliced_wasserstein_dirs(&v, NULL, X, n, Y, m, D, 0.9, dirs, 1), FATE_EINVAL);
    cr_expect_eq(fate_bl_lower_dirs(&v, X, n, Y, m, D, dirs, 2), FATE_EINVAL);
    cr_expect_eq(fate_bl_lower_dirs(&v, X, n, Y, m, D, NULL, 1), FATE_EINVAL);
    cr_expect_eq(fate_random_directions(dirs, 0, D, 1, 0), FATE_EINVAL);
    double cst[4] = {0, 1, NAN, 0};
    size_t as[2];
    cr_expect_eq(fate_assignment(as, &v, cst, 2), FATE_EINVAL);
    cr_expect_eq(fate_assignment(as, &v, cst, 0), FATE_EINVAL);
    /* kNN: k out of range */
    cr_expect_eq(fate_knn_kl(&v, NULL, X, n, Y, m, D, 0), FATE_EINVAL);
    cr_expect_eq(fate_knn_kl(&v, NULL, X, n, Y, m, D, m), FATE_EINVAL);
    cr_expect_eq(fate_knn_kl(&v, NULL, X, n, Y, m, D, n), FATE_EINVAL);
    cr_expect_eq(fate_knn_tv_js(&v, &w, NULL, NULL, X, n, Y, m, D, 0), FATE_EINVAL);
    cr_expect_eq(fate_knn_tv_js(&v, &w, NULL, NULL, X, n, Y, m, D, 3), FATE_EINVAL); /* 2k > m */
    cr_expect_eq(fate_knn_tv_js(&v, &w, NULL, NULL, X, n, Y, m, D, 2), FATE_OK);
    /* outputs untouched on failure */
    v = 7.0;
    fate_mmd2(&v, NULL, Xn, n, Y, m, D, K, 1.0, 1);
    cr_expect_eq(v, 7.0);
}
