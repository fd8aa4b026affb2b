/* test_dln.c - deep linear network: layout, product, features, balance, and
 * the sufficient-statistics gradient against per-sample back-propagation and
 * against central finite differences (src/dln.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "fate.h"
#include "testutil.h"

typedef struct problem {
    fate_dln_shape sh;
    size_t n, np;
    double *X, *y, *S, *b, yy, *w;
} problem;

/* A random network at O(1) scale (not small init: every term of the
 * gradient should matter) and a data set. */
static problem make(size_t d, size_t k, size_t L, size_t n, uint64_t seed)
{
    problem p = {.sh = {d, k, L}, .n = n};
    p.np = fate_dln_nparams(&p.sh);
    p.X = dalloc(n * d), p.y = dalloc(n), p.S = dalloc(d * d), p.b = dalloc(d), p.w = dalloc(p.np);
    double *bs = dalloc(d), *bt = dalloc(d);
    fate_teachers(bs, bt, d, 0.6, seed, 0);
    fate_dataset(p.X, p.y, bt, n, d, 0.3, seed, 0, FATE_STREAM_X_TARGET, FATE_STREAM_NOISE_TARGET);
    fate_suffstats(p.S, p.b, &p.yy, p.X, p.y, n, d);
    fate_dln_init(p.w, &p.sh, 1.0, seed, 0, FATE_STREAM_USER);
    free(bs);
    free(bt);
    return p;
}

static void drop(problem *p) { free(p->X); free(p->y); free(p->S); free(p->b); free(p->w); }

Test(dln, layout)
{
    fate_dln_shape s = {7, 5, 4};
    cr_assert_eq(fate_dln_nparams(&s), 7 * 5 + 2 * 25 + 5);
    cr_assert_eq(fate_dln_offset(&s, 1), 0);
    cr_assert_eq(fate_dln_offset(&s, 2), 35);
    cr_assert_eq(fate_dln_offset(&s, 3), 60);
    cr_assert_eq(fate_dln_offset(&s, 4), 85);
    fate_dln_shape bad = {7, 5, 1};
    cr_assert_eq(fate_dln_nparams(&bad), 0);
}

Test(dln, init_scales)
{
    /* W_1 entries alpha/sqrt(d), w_L entries alpha: check empirical variances. */
    fate_dln_shape s = {400, 300, 3};
    size_t np = fate_dln_nparams(&s);
    double *w = dalloc(np);
    cr_assert_eq(fate_dln_init(w, &s, 0.5, 1, 0, 7), FATE_OK);
    double v1 = 0, v2 = 0, v3 = 0;
    for (size_t i = 0; i < 400 * 300; i++) v1 += w[i] * w[i];
    for (size_t i = 0; i < 300 * 300; i++) v2 += w[fate_dln_offset(&s, 2) + i] * w[fate_dln_offset(&s, 2) + i];
    for (size_t i = 0; i < 300; i++) v3 += w[fate_dln_offset(&s, 3) + i] * w[fate_dln_offset(&s, 3) + i];
    cr_assert(close_to(v1 / (400.0 * 300), 0.25 / 400, 0, 0.02));
    cr_assert(close_to(v2 / (300.0 * 300), 0.25 / 300, 0, 0.02));
    cr_assert(close_to(v3 / 300, 0.25, 0, 0.25));
    free(w);
}

Test(dln, product_is_network_response_to_basis_vectors)
{
    /* beta_i = f(e_i): compare fate_dln_product with the per-sample forward
     * pass, read off the per-sample loss on X = I, y = 0 (loss = |beta|^2/d). */
    problem p = make(9, 6, 4, 5, 3);
    double beta[9], *I = dalloc(81), y0[9] = {0}, *g = dalloc(p.np), loss;
    for (size_t i = 0; i < 9; i++) I[i * 9 + i] = 1;
    fate_dln_product(beta, p.w, &p.sh);
    fate_dln_grad_samples(g, &loss, p.w, &p.sh, I, y0, 9);
    double nb = 0;
    for (size_t i = 0; i < 9; i++) nb += beta[i] * beta[i];
    cr_assert(close_to(loss, nb / 9, 1e-15, 1e-12));
    /* features: P w_L = beta */
    double *P = dalloc(9 * 6), pb[9] = {0};
    fate_dln_features(P, p.w, &p.sh);
    const double *wL = p.w + fate_dln_offset(&p.sh, 4);
    for (size_t i = 0; i < 9; i++)
        for (size_t j = 0; j < 6; j++) pb[i] += P[i * 6 + j] * wL[j];
    cr_assert(max_abs_diff(pb, beta, 9) < 1e-13);
    free(I); free(g); free(P);
    drop(&p);
}

static void check_grad_vs_samples(size_t d, size_t k, size_t L, size_t n)
{
    problem p = make(d, k, L, n, 10 + L);
    double *g1 = dalloc(p.np), *g2 = dalloc(p.np), l1, l2;
    cr_assert_eq(fate_dln_grad(g1, &l1, p.w, &p.sh, p.S, p.b, p.yy), FATE_OK);
    cr_assert_eq(fate_dln_grad_samples(g2, &l2, p.w, &p.sh, p.X, p.y, p.n), FATE_OK);
    double scale = max_abs(g2, p.np);
    cr_assert(close_to(l1, l2, 1e-13, 1e-11), "loss %.17g vs %.17g", l1, l2);
    cr_assert(max_abs_diff(g1, g2, p.np) <= 1e-11 * scale, "depth %zu: gradient differs by %g (scale %g)",
              L, max_abs_diff(g1, g2, p.np), scale);
    free(g1);
    free(g2);
    drop(&p);
}

Test(dln, stats_gradient_equals_per_sample_gradient)
{
    check_grad_vs_samples(12, 12, 2, 30);
    check_grad_vs_samples(12, 7, 3, 5);
    check_grad_vs_samples(8, 10, 4, 40);
    check_grad_vs_samples(5, 3, 6, 9);
}

static void check_finite_differences(size_t d, size_t k, size_t L)
{
    problem p = make(d, k, L, 3 * d, 20 + L);
    double *g = dalloc(p.np), *gt = dalloc(p.np), loss, lp, lm;
    fate_dln_grad(g, &loss, p.w, &p.sh, p.S, p.b, p.yy);
    const double h = 1e-6;
    for (size_t i = 0; i < p.np; i++) {
        double w0 = p.w[i];
        p.w[i] = w0 + h;
        fate_dln_grad(gt, &lp, p.w, &p.sh, p.S, p.b, p.yy);
        p.w[i] = w0 - h;
        fate_dln_grad(gt, &lm, p.w, &p.sh, p.S, p.b, p.yy);
        p.w[i] = w0;
        double fd = (lp - lm) / (2 * h);
        cr_assert(close_to(g[i], fd, 1e-7, 1e-6), "depth %zu param %zu: grad %.10g fd %.10g", L, i, g[i], fd);
    }
    free(g);
    free(gt);
    drop(&p);
}

Test(dln, gradient_equals_central_differences)
{
    check_finite_differences(6, 6, 2);
    check_finite_differences(5, 4, 3);
    check_finite_differences(4, 3, 5);
}

Test(dln, population_gradient_is_identity_stats)
{
    /* S == NULL must equal S = I explicitly. */
    problem p = make(7, 7, 3, 10, 4);
    double *I = dalloc(49), *g1 = dalloc(p.np), *g2 = dalloc(p.np), l1, l2;
    for (size_t i = 0; i < 7; i++) I[i * 7 + i] = 1;
    fate_dln_grad(g1, &l1, p.w, &p.sh, NULL, p.b, 1.0);
    fate_dln_grad(g2, &l2, p.w, &p.sh, I, p.b, 1.0);
    cr_assert(max_abs_diff(g1, g2, p.np) < 1e-13);
    cr_assert(close_to(l1, l2, 1e-14, 1e-13));
    free(I); free(g1); free(g2);
    drop(&p);
}

Test(dln, balance_zero_for_balanced_rank_one_net)
{
    /* W_1 = u v^T, W_2 = v v^T, w_3 = v with |u| = |v| = 1 is balanced. */
    fate_dln_shape s = {6, 4, 3};
    double w[6 * 4 + 16 + 4], u[6] = {0.5, -0.5, 0.5, 0.5, 0, 0}, v[4] = {0.6, 0, -0.8, 0};
    for (size_t i = 0; i < 6; i++)
        for (size_t j = 0; j < 4; j++) w[i * 4 + j] = u[i] * v[j];
    for (size_t i = 0; i < 4; i++)
        for (size_t j = 0; j < 4; j++) w[24 + i * 4 + j] = v[i] * v[j];
    for (size_t j = 0; j < 4; j++) w[40 + j] = v[j];
    double bal;
    cr_assert_eq(fate_dln_balance(&bal, w, &s), FATE_OK);
    cr_assert(bal < 1e-15, "balance %g", bal);
    w[40] *= 2; /* unbalance the last layer */
    fate_dln_balance(&bal, w, &s);
    cr_assert(bal > 0.5);
}
