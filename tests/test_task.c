/* test_task.c - teachers, data sets, sufficient statistics (src/task.c). */
#include <criterion/criterion.h>
#include <string.h>
#include <lapacke.h>

#include "fate.h"
#include "testutil.h"

static double dot(const double *a, const double *b, size_t d)
{
    double s = 0;
    for (size_t i = 0; i < d; i++) s += a[i] * b[i];
    return s;
}

Test(task, teachers_are_unit_at_angle_theta)
{
    const size_t d = 300;
    double *bs = dalloc(d), *bt = dalloc(d);
    double thetas[] = {0.0, 0.1, M_PI / 4, M_PI / 2, 2.0, M_PI};
    for (size_t k = 0; k < 6; k++) {
        cr_assert_eq(fate_teachers(bs, bt, d, thetas[k], 5, k), FATE_OK);
        cr_assert(close_to(dot(bs, bs, d), 1.0, 1e-14, 0));
        cr_assert(close_to(dot(bt, bt, d), 1.0, 1e-14, 0), "|beta_t|^2 = %.17g", dot(bt, bt, d));
        cr_assert(close_to(dot(bs, bt, d), cos(thetas[k]), 1e-14, 0), "theta %g", thetas[k]);
    }
    free(bs);
    free(bt);
}

Test(task, target_teacher_independent_of_theta)
{
    const size_t d = 50;
    double *a = dalloc(d), *b = dalloc(d), *ta = dalloc(d), *tb = dalloc(d);
    fate_teachers(a, ta, d, 0.3, 9, 4);
    fate_teachers(b, tb, d, 1.3, 9, 4);
    cr_assert_eq(memcmp(ta, tb, d * sizeof *ta), 0, "beta_t must not depend on theta");
    cr_assert_neq(memcmp(a, b, d * sizeof *a), 0);
    free(a); free(b); free(ta); free(tb);
}

Test(task, teachers_reject_bad_input)
{
    double v[4];
    cr_assert_eq(fate_teachers(v, v, 4, -0.1, 1, 0), FATE_EINVAL);
    cr_assert_eq(fate_teachers(v, v, 4, 3.2, 1, 0), FATE_EINVAL);
    cr_assert_eq(fate_teachers(v, v, 0, 0.1, 1, 0), FATE_EINVAL);
    cr_assert_eq(fate_teachers(NULL, v, 4, 0.1, 1, 0), FATE_EINVAL);
}

Test(task, dataset_rows_are_nested_prefixes)
{
    const size_t d = 20, n1 = 7, n2 = 30;
    double beta[20], *X1 = dalloc(n1 * d), *y1 = dalloc(n1), *X2 = dalloc(n2 * d), *y2 = dalloc(n2);
    for (size_t i = 0; i < d; i++) beta[i] = 1.0 / sqrt((double)d);
    fate_dataset(X1, y1, beta, n1, d, 0.3, 2, 1, FATE_STREAM_X_TARGET, FATE_STREAM_NOISE_TARGET);
    fate_dataset(X2, y2, beta, n2, d, 0.3, 2, 1, FATE_STREAM_X_TARGET, FATE_STREAM_NOISE_TARGET);
    cr_assert_eq(memcmp(X1, X2, n1 * d * sizeof *X1), 0);
    cr_assert_eq(memcmp(y1, y2, n1 * sizeof *y1), 0);
    free(X1); free(y1); free(X2); free(y2);
}

Test(task, labels_follow_teacher_plus_noise)
{
    /* y - X beta = sigma eps: its empirical variance is sigma^2. */
    const size_t d = 10, n = 20000;
    double beta[10], *X = dalloc(n * d), *y = dalloc(n);
    for (size_t i = 0; i < d; i++) beta[i] = (i % 2 ? 1.0 : -1.0) / sqrt((double)d);
    fate_dataset(X, y, beta, n, d, 0.5, 3, 0, FATE_STREAM_X_TARGET, FATE_STREAM_NOISE_TARGET);
    double s2 = 0;
    for (size_t i = 0; i < n; i++) {
        double r = y[i] - dot(X + i * d, beta, d);
        s2 += r * r;
    }
    s2 /= (double)n;
    cr_assert(fabs(s2 - 0.25) < 5 * 0.25 * sqrt(2.0 / (double)n), "noise variance %g", s2);
    free(X);
    free(y);
}

Test(task, suffstats_match_naive_sums)
{
    const size_t d = 13, n = 29;
    double beta[13] = {0}, *X = dalloc(n * d), *y = dalloc(n), *S = dalloc(d * d), b[13], yy;
    beta[0] = 1;
    fate_dataset(X, y, beta, n, d, 0.2, 4, 0, FATE_STREAM_X_TARGET, FATE_STREAM_NOISE_TARGET);
    cr_assert_eq(fate_suffstats(S, b, &yy, X, y, n, d), FATE_OK);
    for (size_t a = 0; a < d; a++) {
        for (size_t c = 0; c < d; c++) {
            double s = 0;
            for (size_t i = 0; i < n; i++) s += X[i * d + a] * X[i * d + c];
            cr_assert(close_to(S[a * d + c], s / (double)n, 1e-14, 1e-13));
        }
        double s = 0;
        for (size_t i = 0; i < n; i++) s += X[i * d + a] * y[i];
        cr_assert(close_to(b[a], s / (double)n, 1e-14, 1e-13));
    }
    cr_assert(close_to(yy, dot(y, y, n) / (double)n, 0, 1e-13));
    free(X); free(y); free(S);
}

Test(task, min_loss_is_least_squares_residual)
{
    /* n > d: compare with LAPACK's least squares (QR), residual / n. */
    const size_t d = 15, n = 40;
    double beta[15] = {0}, *X = dalloc(n * d), *y = dalloc(n), *S = dalloc(d * d), b[15], yy, lm;
    beta[2] = 1;
    fate_dataset(X, y, beta, n, d, 0.7, 6, 0, FATE_STREAM_X_TARGET, FATE_STREAM_NOISE_TARGET);
    fate_suffstats(S, b, &yy, X, y, n, d);
    cr_assert_eq(fate_min_loss(&lm, S, b, yy, n, d), FATE_OK);
    double *A = dalloc(n * d), *r = dalloc(n);
    memcpy(A, X, n * d * sizeof *A);
    memcpy(r, y, n * sizeof *r);
    cr_assert_eq(LAPACKE_dgels(LAPACK_ROW_MAJOR, 'N', (lapack_int)n, (lapack_int)d, 1, A, (lapack_int)d, r, 1), 0);
    /* after dgels, r[d..n) holds the residual components */
    double res = 0;
    for (size_t i = d; i < n; i++) res += r[i] * r[i];
    cr_assert(close_to(lm, res / (double)n, 1e-14, 1e-10), "min loss %.17g vs %.17g", lm, res / (double)n);
    /* n <= d: interpolation */
    cr_assert_eq(fate_min_loss(&lm, S, b, yy, d, d), FATE_OK);
    cr_assert_eq(lm, 0.0);
    free(X); free(y); free(S); free(A); free(r);
}
