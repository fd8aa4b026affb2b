/* test_transfer.c - linear transfer, the ridge refit of the last layer on
 * frozen features (src/transfer.c). */
#include <criterion/criterion.h>
#include <string.h>
#include <lapacke.h>

#include "fate.h"
#include "testutil.h"

typedef struct setup {
    size_t d, n;
    double *X, *y, *S, *b, yy, *bs, *bt;
} setup;

static setup make(size_t d, size_t n, double theta, double sigma, uint64_t seed)
{
    setup s = {.d = d, .n = n};
    s.X = dalloc(n * d), s.y = dalloc(n), s.S = dalloc(d * d), s.b = dalloc(d);
    s.bs = dalloc(d), s.bt = dalloc(d);
    fate_teachers(s.bs, s.bt, d, theta, seed, 0);
    fate_dataset(s.X, s.y, s.bt, n, d, sigma, seed, 0, FATE_STREAM_X_TARGET, FATE_STREAM_NOISE_TARGET);
    fate_suffstats(s.S, s.b, &s.yy, s.X, s.y, n, d);
    return s;
}

static void drop(setup *s) { free(s->X); free(s->y); free(s->S); free(s->b); free(s->bs); free(s->bt); }

/* A depth-2 network with W_1 = beta_s v^T + eps J (J random), w_2 = v. */
static double *rank_one_net(const setup *s, size_t k, double eps)
{
    double *w = dalloc(s->d * k + k), *J = dalloc(s->d * k);
    fate_normal_fill(J, s->d * k, 99, 0, FATE_STREAM_USER, 0);
    double v[64] = {0};
    cr_assert(k <= 64);
    for (size_t j = 0; j < k; j++) v[j] = j == 0 ? 0.6 : (j == 1 ? 0.8 : 0.0);
    for (size_t i = 0; i < s->d; i++)
        for (size_t j = 0; j < k; j++) w[i * k + j] = s->bs[i] * v[j] + eps * J[i * k + j];
    for (size_t j = 0; j < k; j++) w[s->d * k + j] = v[j];
    free(J);
    return w;
}

Test(transfer, rank_one_features_give_the_scalar_ridge_fit)
{
    /* THEORY.md: z = X beta_s, b = z.y / (|z|^2 + n lambda), beta = b beta_s. */
    setup s = make(40, 25, 0.6, 0.3, 1);
    size_t k = 5;
    fate_dln_shape sh = {s.d, k, 2};
    double lambdas[] = {0.0, 0.1, 2.0};
    for (size_t li = 0; li < 3; li++) {
        double *w = rank_one_net(&s, k, 0.0), beta[40];
        size_t rank;
        cr_assert_eq(fate_linear_transfer(w, &rank, &sh, s.S, s.b, lambdas[li], 1e-6), FATE_OK);
        cr_assert_eq(rank, 1);
        fate_dln_product(beta, w, &sh);
        double zz = 0, zy = 0;
        for (size_t i = 0; i < s.n; i++) {
            double z = 0;
            for (size_t j = 0; j < s.d; j++) z += s.X[i * s.d + j] * s.bs[j];
            zz += z * z;
            zy += z * s.y[i];
        }
        double bcoef = zy / (zz + (double)s.n * lambdas[li]);
        for (size_t j = 0; j < s.d; j++)
            cr_assert(close_to(beta[j], bcoef * s.bs[j], 1e-13, 1e-10), "lambda %g coord %zu", lambdas[li], j);
        free(w);
    }
    drop(&s);
}

Test(transfer, residue_below_rcond_is_ignored_at_lambda_zero)
{
    /* Features beta_s v^T + 1e-6 J: with lambda = 0 least squares on all k
     * directions would fit the target like scratch training; the rank cut
     * keeps only beta_s and gives the scalar fit. */
    setup s = make(40, 25, 1.2, 0.0, 2);
    size_t k = 8;
    fate_dln_shape sh = {s.d, k, 2};
    double *w = rank_one_net(&s, k, 1e-6), *wr = rank_one_net(&s, k, 0.0), beta[40], ref[40];
    size_t rank, rank0;
    cr_assert_eq(fate_linear_transfer(w, &rank, &sh, s.S, s.b, 0.0, 1e-2), FATE_OK);
    cr_assert_eq(fate_linear_transfer(wr, &rank0, &sh, s.S, s.b, 0.0, 1e-2), FATE_OK);
    cr_assert_eq(rank, 1);
    fate_dln_product(beta, w, &sh);
    fate_dln_product(ref, wr, &sh);
    cr_assert(max_abs_diff(beta, ref, s.d) < 1e-5);
    for (size_t j = 0; j < s.d; j++) cr_assert(isfinite(beta[j]));
    /* with a tiny rcond all 8 directions are used: the fit changes */
    double *w2 = rank_one_net(&s, k, 1e-6), beta2[40];
    cr_assert_eq(fate_linear_transfer(w2, &rank, &sh, s.S, s.b, 0.0, 1e-9), FATE_OK);
    cr_assert_eq(rank, k);
    fate_dln_product(beta2, w2, &sh);
    cr_assert(max_abs_diff(beta2, ref, s.d) > 1e-3);
    free(w); free(wr); free(w2);
    drop(&s);
}

Test(transfer, full_rank_features_solve_the_ridge_normal_equations)
{
    /* Well-conditioned features: w = (P^T S P + lambda I)^{-1} P^T b. */
    setup s = make(12, 30, 0.4, 0.5, 3);
    size_t k = 4, d = s.d;
    fate_dln_shape sh = {d, k, 2};
    double *w = dalloc(d * k + k);
    fate_dln_init(w, &sh, 1.0, 3, 0, FATE_STREAM_USER);
    const double lambda = 0.05;
    double *P = dalloc(d * k), G[16] = {0}, h[4] = {0};
    memcpy(P, w, d * k * sizeof *P);
    for (size_t a = 0; a < k; a++) {
        for (size_t c = 0; c < k; c++) {
            double acc = 0;
            for (size_t i = 0; i < d; i++)
                for (size_t j = 0; j < d; j++) acc += P[i * k + a] * s.S[i * d + j] * P[j * k + c];
            G[a * k + c] = acc + (a == c ? lambda : 0.0);
        }
        for (size_t i = 0; i < d; i++) h[a] += P[i * k + a] * s.b[i];
    }
    lapack_int ipiv[4];
    LAPACKE_dgesv(LAPACK_ROW_MAJOR, (lapack_int)k, 1, G, (lapack_int)k, ipiv, h, 1);
    size_t rank;
    cr_assert_eq(fate_linear_transfer(w, &rank, &sh, s.S, s.b, lambda, 1e-8), FATE_OK);
    cr_assert_eq(rank, k);
    cr_assert(max_abs_diff(w + d * k, h, k) < 1e-10, "readout differs by %g", max_abs_diff(w + d * k, h, k));
    /* the frozen layer is untouched */
    cr_assert_eq(memcmp(w, P, d * k * sizeof *P), 0);
    free(w); free(P);
    drop(&s);
}

Test(transfer, degenerate_data_gives_minimum_norm_readout)
{
    /* n = 1 < rank: the r x r system is singular at lambda = 0; the
     * pseudo-inverse must give a finite minimum-norm fit that interpolates. */
    setup s = make(10, 1, 0.5, 0.0, 4);
    size_t k = 3;
    fate_dln_shape sh = {s.d, k, 2};
    double *w = dalloc(s.d * k + k), beta[10];
    fate_dln_init(w, &sh, 1.0, 4, 0, FATE_STREAM_USER);
    size_t rank;
    cr_assert_eq(fate_linear_transfer(w, &rank, &sh, s.S, s.b, 0.0, 1e-8), FATE_OK);
    fate_dln_product(beta, w, &sh);
    double f = 0;
    for (size_t j = 0; j < s.d; j++) {
        cr_assert(isfinite(beta[j]));
        f += s.X[j] * beta[j];
    }
    cr_assert(close_to(f, s.y[0], 1e-10, 1e-8), "fit %g vs label %g", f, s.y[0]);
    free(w);
    drop(&s);
}

Test(transfer, rejects_bad_input)
{
    setup s = make(6, 4, 0.5, 0.0, 5);
    fate_dln_shape sh = {6, 6, 2};
    double w[42] = {0};
    cr_assert_eq(fate_linear_transfer(w, NULL, &sh, s.S, s.b, -1.0, 1e-2), FATE_EINVAL);
    cr_assert_eq(fate_linear_transfer(w, NULL, &sh, s.S, s.b, 0.0, 0.0), FATE_EINVAL);
    cr_assert_eq(fate_linear_transfer(w, NULL, &sh, s.S, s.b, 0.0, 1.0), FATE_EINVAL);
    cr_assert_eq(fate_linear_transfer(w, NULL, &sh, s.S, s.b, NAN, 1e-2), FATE_EINVAL);
    /* all-zero features: readout 0, rank 0, no NaN */
    size_t rank = 99;
    cr_assert_eq(fate_linear_transfer(w, &rank, &sh, s.S, s.b, 0.0, 1e-2), FATE_OK);
    cr_assert_eq(rank, 0);
    drop(&s);
}
