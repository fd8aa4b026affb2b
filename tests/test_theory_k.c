/* test_theory_k.c - linear transfer on a k-dimensional feature space
 * (src/theory_k.c, THEORY.md section 10): the reduction to the one-angle
 * forms at k = 1, the independent NumPy reference tests/ref/k_ref.csv
 * (written by tests/ref/make_k_ref.py: Monte Carlo of the d-dimensional
 * problem, quadrature over the Marchenko-Pastur density), a Monte Carlo in C
 * at d = 200, the best k and the refusals. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fate.h"
#include "testutil.h"

/* k = 1 with rho_par = cos^2 th is section 3's linear transfer: exact for
 * every n > 2 (1e-15: 1 - cos^2 th and sin^2 th differ in the last bit),
 * and the kappa = 0 ridge limit is fate_theory_lt_ridge. */
Test(theory_k, k1_reduces_to_one_angle)
{
    double worst = 0.0;
    for (size_t n = 3; n <= 300; n += 7)
        for (int it = 0; it <= 16; it++) {
            const double th = it * M_PI / 16.0, c = cos(th);
            for (int is = 0; is < 3; is++) {
                const double s = 0.5 * is;
                const double a = fate_theory_lt_k_exact(n, 1, c * c, s);
                const double b = fate_theory_lt_exact(n, th, s);
                const double m = fate_theory_lt_exact_moments(n, c, 1.0, s);
                cr_expect(close_to(a, b, 1e-15, 1e-15), "n %zu th %g s %g: %.17g vs lt_exact %.17g", n, th, s, a, b);
                cr_expect(close_to(a, m, 1e-15, 1e-15), "n %zu th %g s %g: %.17g vs lt_exact_moments %.17g", n, th,
                          s, a, m);
                worst = fmax(worst, fabs(a - b));
            }
        }
    cr_log_info("k = 1 against fate_theory_lt_exact: max |diff| %.3g", worst);
    const double lams[] = {0.0, 1e-3, 0.5, 1.0, 7.0, INFINITY};
    for (int it = 0; it <= 8; it++) {
        const double th = it * M_PI / 16.0, c = cos(th);
        for (size_t il = 0; il < sizeof lams / sizeof lams[0]; il++) {
            const double a = fate_theory_lt_k_ridge(0.7, 0.0, lams[il], c * c, 0.3);
            const double b = fate_theory_lt_ridge(th, lams[il]);
            cr_expect(close_to(a, b, 1e-15, 1e-15), "th %g lambda %g: %.17g vs lt_ridge %.17g", th, lams[il], a, b);
        }
    }
}

/* lambda = 0 in the limit: rho + (rho + s^2) kappa/(gamma - kappa) below
 * gamma, the minimum-norm rho + rho_par (1 - gamma/kappa) + (rho + s^2)
 * gamma/(kappa - gamma) above; and the exact mean tends to it as d grows
 * (n = gamma d, k = kappa d; the gap is O(1/d)). */
Test(theory_k, limit_of_the_exact_mean)
{
    const double rp = 0.7, s = 0.4, rho = 1.0 - rp, e = rho + s * s;
    cr_expect(close_to(fate_theory_lt_k(0.8, 0.2, rp, s), rho + e * 0.2 / 0.6, 1e-15, 1e-14));
    cr_expect(close_to(fate_theory_lt_k(0.2, 0.8, rp, s), rho + rp * 0.75 + e * 0.2 / 0.6, 1e-15, 1e-14));
    cr_expect(isinf(fate_theory_lt_k(0.5, 0.5, rp, s)));
    const double gk[][2] = {{0.8, 0.2}, {1.5, 0.5}, {0.2, 0.8}, {0.3, 1.2}};
    for (size_t i = 0; i < 4; i++) {
        const double lim = fate_theory_lt_k(gk[i][0], gk[i][1], rp, s);
        double prev = INFINITY;
        for (size_t d = 100; d <= 100000; d *= 10) {
            const size_t n = (size_t)(gk[i][0] * (double)d), k = (size_t)(gk[i][1] * (double)d);
            const double gap = fabs(fate_theory_lt_k_exact(n, k, rp, s) - lim);
            cr_expect(gap < 10.0 / (double)d, "gamma %g kappa %g d %zu: gap %g", gk[i][0], gk[i][1], d, gap);
            cr_expect(gap < prev);
            prev = gap;
        }
    }
}

/* One row of k_ref.csv: kind, n, k, gamma, kappa, lambda, rho_par, sigma,
 * value, se. */
typedef struct ref_row {
    char kind[8];
    double v[9];
} ref_row;

static int read_row(FILE *f, ref_row *r)
{
    char line[512];
    if (!fgets(line, sizeof line, f)) return 0;
    char *p = strchr(line, ',');
    cr_assert_not_null(p);
    const size_t len = (size_t)(p - line);
    cr_assert_lt(len, sizeof r->kind);
    memcpy(r->kind, line, len);
    r->kind[len] = '\0';
    for (int i = 0; i < 9; i++) r->v[i] = strtod(p + 1, &p);
    return 1;
}

/* Tolerances: the Monte Carlo rows (40000 draws each) within 4 standard
 * errors (32 rows; the largest seen is 2.0); the quadrature rows to 1e-9
 * relative (Gauss-Chebyshev with 4000 nodes); the best k exactly. */
Test(theory_k, against_numpy_reference)
{
    FILE *f = fopen(FATE_REF_DIR "/k_ref.csv", "r");
    cr_assert_not_null(f, "tests/ref/k_ref.csv (run tests/ref/make_k_ref.py)");
    ref_row r;
    cr_assert(read_row(f, &r));
    size_t counts[3] = {0, 0, 0};
    double zmax = 0.0, relmax = 0.0;
    while (read_row(f, &r)) {
        const double *v = r.v;
        if (!strcmp(r.kind, "exact")) {
            const double a = fate_theory_lt_k_exact((size_t)v[0], (size_t)v[1], v[5], v[6]);
            const double z = (a - v[7]) / v[8];
            cr_expect(fabs(z) < 4.0, "n %g k %g rho_par %g s %g: %.6g vs MC %.6g +- %.2g", v[0], v[1], v[5], v[6], a,
                      v[7], v[8]);
            zmax = fmax(zmax, fabs(z));
            counts[0]++;
        } else if (!strcmp(r.kind, "limit")) {
            const double a = fate_theory_lt_k_ridge(v[2], v[3], v[4], v[5], v[6]);
            cr_expect(close_to(a, v[7], 0.0, 1e-9), "gamma %g kappa %g lambda %g rho_par %g s %g: %.17g vs %.17g",
                      v[2], v[3], v[4], v[5], v[6], a, v[7]);
            relmax = fmax(relmax, fabs(a - v[7]) / fabs(v[7]));
            counts[1]++;
        } else {
            const size_t n = (size_t)v[0], K = (size_t)v[1];
            double *rp = dalloc(K);
            for (size_t k = 1; k <= K; k++) rp[k - 1] = fmin(1.0, (double)k / v[3]);
            size_t kb;
            double rb;
            cr_assert_eq(fate_theory_lt_k_best(&kb, &rb, rp, K, n, v[6]), FATE_OK);
            cr_expect_eq(kb, (size_t)v[5], "n %zu K %zu k* %g: best k %zu vs %g", n, K, v[3], kb, v[5]);
            cr_expect(close_to(rb, v[7], 0.0, 1e-14));
            free(rp);
            counts[2]++;
        }
    }
    fclose(f);
    cr_expect(counts[0] == 32 && counts[1] == 180 && counts[2] == 5, "rows %zu %zu %zu", counts[0], counts[1],
              counts[2]);
    cr_log_info("k_ref: max |z| %.3g over the Monte Carlo rows, max rel %.3g over the limit", zmax, relmax);
}

/* Solves (G/n + lambda I) w = b/n, G symmetric positive definite k x k
 * (row-major), by Cholesky (k <= 16 here: no LAPACK needed). */
static void solve_spd(double *w, const double *G, const double *b, size_t k, double n, double lambda)
{
    double L[16 * 16];
    cr_assert_leq(k, 16);
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j <= i; j++) {
            double s = G[i * k + j] / n + (i == j ? lambda : 0.0);
            for (size_t m = 0; m < j; m++) s -= L[i * 16 + m] * L[j * 16 + m];
            L[i * 16 + j] = i == j ? sqrt(s) : s / L[j * 16 + j];
        }
    for (size_t i = 0; i < k; i++) { /* L u = b/n */
        double s = b[i] / n;
        for (size_t m = 0; m < i; m++) s -= L[i * 16 + m] * w[m];
        w[i] = s / L[i * 16 + i];
    }
    for (size_t i = k; i-- > 0;) { /* L^T w = u */
        double s = w[i];
        for (size_t m = i + 1; m < k; m++) s -= L[m * 16 + i] * w[m];
        w[i] = s / L[i * 16 + i];
    }
}

/* |B w - beta_t|^2 with B the first k coordinate vectors. */
static double risk_of(const double *w, const double *bt, size_t k, size_t d)
{
    double r = 0.0;
    for (size_t i = 0; i < d; i++) {
        const double e = (i < k ? w[i] : 0.0) - bt[i];
        r += e * e;
    }
    return r;
}

/* One draw of the problem (instance i): a teacher with rho_par in the
 * first k coordinates (random directions inside and outside), X (n x d)
 * and the noise; fills the risks of least squares and of the ridge lambda. */
static void mc_draw(double *r_ls, double *r_ridge, size_t i, size_t d, size_t k, size_t n, double rp, double s,
                    double lambda, double *X, double *bt)
{
    const uint64_t seed = 15;
    fate_normal_fill(bt, d, seed, i, FATE_STREAM_USER, 0);
    double in = 0.0, out = 0.0;
    for (size_t j = 0; j < d; j++) *(j < k ? &in : &out) += bt[j] * bt[j];
    for (size_t j = 0; j < d; j++) bt[j] *= j < k ? sqrt(rp / in) : sqrt((1.0 - rp) / out);
    fate_normal_fill(X, n * d, seed, i, FATE_STREAM_USER + 1, 0);
    double G[16 * 16] = {0}, b[16] = {0}, w[16];
    for (size_t r = 0; r < n; r++) {
        const double *x = X + r * d;
        double y = s * fate_normal_at(seed, i, FATE_STREAM_USER + 2, r);
        for (size_t j = 0; j < d; j++) y += x[j] * bt[j];
        for (size_t a = 0; a < k; a++) {
            b[a] += x[a] * y;
            for (size_t c = 0; c < k; c++) G[a * k + c] += x[a] * x[c];
        }
    }
    solve_spd(w, G, b, k, (double)n, 0.0);
    *r_ls = risk_of(w, bt, k, d);
    solve_spd(w, G, b, k, (double)n, lambda);
    *r_ridge = risk_of(w, bt, k, d);
}

/* The direct simulation at d = 200, sigma = 0.2, rho_par = 0.6, 2000 draws:
 * least squares within 3 standard errors of fate_theory_lt_k_exact; the
 * ridge lambda = 0.5 within 3 standard errors plus 2% of the limit
 * fate_theory_lt_k_ridge at gamma = n/d, kappa = k/d (the limit has no
 * finite-n correction, O(1/n); the largest seen is 0.94% at k = 4, n = 30). */
Test(theory_k, monte_carlo_d200, .timeout = 600)
{
    const size_t d = 200, ks[] = {1, 4, 16}, ns[] = {30, 60, 120}, draws = 2000;
    const double rp = 0.6, s = 0.2, lambda = 0.5;
    double *X = dalloc(120 * d), *bt = dalloc(d), *ls = dalloc(draws), *rr = dalloc(draws);
    for (size_t ik = 0; ik < 3; ik++)
        for (size_t in = 0; in < 3; in++) {
            const size_t k = ks[ik], n = ns[in];
            for (size_t i = 0; i < draws; i++) mc_draw(&ls[i], &rr[i], i, d, k, n, rp, s, lambda, X, bt);
            const double m = mean_of(ls, draws), se = sem_of(ls, draws);
            const double th = fate_theory_lt_k_exact(n, k, rp, s);
            cr_expect(fabs(m - th) < 3.0 * se, "k %zu n %zu: MC %.5g +- %.2g vs exact %.5g", k, n, m, se, th);
            const double mr = mean_of(rr, draws), ser = sem_of(rr, draws);
            const double lim = fate_theory_lt_k_ridge((double)n / (double)d, (double)k / (double)d, lambda, rp, s);
            cr_expect(fabs(mr - lim) < 3.0 * ser + 0.02 * lim, "k %zu n %zu ridge: MC %.5g +- %.2g vs limit %.5g", k,
                      n, mr, ser, lim);
            cr_log_info("k %2zu n %3zu: lt %.5f +- %.5f exact %.5f (%+.2f se); ridge %.5f +- %.5f limit %.5f (%+.2f%%)",
                        k, n, m, se, th, (m - th) / se, mr, ser, lim, 100.0 * (mr - lim) / lim);
        }
    free(X), free(bt), free(ls), free(rr);
}

/* Domain: NaN outside it, +inf where the mean diverges; the best k's
 * refusals and its tie rule. */
Test(theory_k, domain_and_best)
{
    cr_expect(isnan(fate_theory_lt_k_exact(0, 1, 0.5, 0.1)));
    cr_expect(isnan(fate_theory_lt_k_exact(10, 0, 0.5, 0.1)));
    cr_expect(isnan(fate_theory_lt_k_exact(10, 2, 1.5, 0.1)));
    cr_expect(isnan(fate_theory_lt_k_exact(10, 2, -0.1, 0.1)));
    cr_expect(isnan(fate_theory_lt_k_exact(10, 2, 0.5, -0.1)));
    for (size_t n = 9; n <= 11; n++) cr_expect(isinf(fate_theory_lt_k_exact(n, 10, 0.5, 0.1)));
    cr_expect(isfinite(fate_theory_lt_k_exact(12, 10, 0.5, 0.1)));
    cr_expect(isfinite(fate_theory_lt_k_exact(8, 10, 0.5, 0.1)));
    cr_expect(isnan(fate_theory_lt_k_ridge(0.0, 0.1, 0.0, 0.5, 0.1)));
    cr_expect(isnan(fate_theory_lt_k_ridge(1.0, -0.1, 0.0, 0.5, 0.1)));
    cr_expect(isnan(fate_theory_lt_k_ridge(1.0, 0.1, -1.0, 0.5, 0.1)));
    cr_expect(isnan(fate_theory_lt_k_ridge(1.0, 0.1, 0.0, 1.01, 0.1)));
    cr_expect_eq(fate_theory_lt_k_ridge(1.0, 0.3, INFINITY, 0.5, 0.1), 1.0);
    /* rho_par constant in k: one feature is best (more only add variance) */
    const double flat[] = {0.5, 0.5, 0.5, 0.5}, bad[] = {0.5, 1.2};
    size_t kb = 0;
    double rb = 0.0;
    cr_expect_eq(fate_theory_lt_k_best(&kb, &rb, flat, 4, 20, 0.1), FATE_OK);
    cr_expect_eq(kb, 1);
    cr_expect_eq(rb, fate_theory_lt_k_exact(20, 1, 0.5, 0.1));
    /* all infinite (n = 1): the tie goes to k = 1 */
    cr_expect_eq(fate_theory_lt_k_best(&kb, &rb, flat, 2, 1, 0.1), FATE_OK);
    cr_expect(kb == 1 && isinf(rb));
    cr_expect_eq(fate_theory_lt_k_best(&kb, &rb, bad, 2, 20, 0.1), FATE_EINVAL);
    cr_expect_eq(fate_theory_lt_k_best(&kb, &rb, flat, 0, 20, 0.1), FATE_EINVAL);
    cr_expect_eq(fate_theory_lt_k_best(&kb, &rb, flat, 4, 0, 0.1), FATE_EINVAL);
    cr_expect_eq(fate_theory_lt_k_best(NULL, &rb, flat, 4, 20, 0.1), FATE_EINVAL);
    cr_expect_eq(fate_theory_lt_k_best(&kb, &rb, flat, 4, 20, NAN), FATE_EINVAL);
}
