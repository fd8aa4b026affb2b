/* test_train.c - gradient descent (src/train.c): the sufficient-statistics
 * path follows the per-sample path, and the known facts of THEORY.md
 * section 2 hold: pretraining converges to beta_s with balanced layers and a
 * rank-one feature map of norm 1; scratch training converges to the
 * minimum-norm interpolator; divergence and the saddle are reported. */
#include <criterion/criterion.h>
#include <string.h>
#include <lapacke.h>

#include "fate.h"
#include "testutil.h"

static void make_data(double *X, double *y, double *S, double *b, double *yy, double *bt,
                      size_t n, size_t d, double sigma, uint64_t seed)
{
    double *bs = dalloc(d);
    fate_teachers(bs, bt, d, 0.7, seed, 0);
    fate_dataset(X, y, bt, n, d, sigma, seed, 0, FATE_STREAM_X_TARGET, FATE_STREAM_NOISE_TARGET);
    fate_suffstats(S, b, yy, X, y, n, d);
    free(bs);
}

static void check_trajectory(size_t d, size_t L, size_t n, size_t steps)
{
    fate_dln_shape sh = {d, d, L};
    size_t np = fate_dln_nparams(&sh);
    double *X = dalloc(n * d), *y = dalloc(n), *S = dalloc(d * d), *b = dalloc(d), yy;
    double *bt = dalloc(d), *w1 = dalloc(np), *w2 = dalloc(np);
    make_data(X, y, S, b, &yy, bt, n, d, 0.2, 31);
    fate_dln_init(w1, &sh, 0.05, 1, 0, FATE_STREAM_INIT_SCRATCH);
    memcpy(w2, w1, np * sizeof *w1);
    /* loss_min below any reachable loss: both run exactly `steps` steps */
    fate_gd_config cfg = {.lr = 0.02, .max_epochs = steps, .tol = 0, .loss_min = -1};
    fate_gd_report r1, r2;
    cr_assert_eq(fate_dln_train(w1, &r1, &sh, S, b, yy, &cfg), FATE_OK);
    cr_assert_eq(fate_dln_train_samples(w2, &r2, &sh, X, y, n, &cfg), FATE_OK);
    cr_assert_eq(r1.steps, steps);
    cr_assert_eq(r2.steps, steps);
    double scale = max_abs(w2, np);
    cr_assert(max_abs_diff(w1, w2, np) <= 1e-10 * scale, "depth %zu: trajectories differ by %g (scale %g)",
              L, max_abs_diff(w1, w2, np), scale);
    cr_assert(close_to(r1.loss, r2.loss, 1e-12, 1e-10));
    /* the run left the saddle: the comparison is not between two zeros */
    cr_assert(r1.loss < 0.5 * r1.loss0, "loss %g from %g", r1.loss, r1.loss0);
    free(X); free(y); free(S); free(b); free(bt); free(w1); free(w2);
}

Test(train, stats_path_follows_per_sample_path_depth2) { check_trajectory(16, 2, 24, 400); }
Test(train, stats_path_follows_per_sample_path_depth3) { check_trajectory(12, 3, 8, 600); }

/* Singular values of the feature map W_1..W_{L-1} (d x k): sv (min(d,k)). */
static void feature_svals(double *sv, const double *w, const fate_dln_shape *sh)
{
    size_t d = sh->d, k = sh->width, mn = d < k ? d : k;
    double *P = dalloc(d * k), *superb = dalloc(mn);
    fate_dln_features(P, w, sh);
    LAPACKE_dgesvd(LAPACK_ROW_MAJOR, 'N', 'N', (lapack_int)d, (lapack_int)k, P, (lapack_int)k, sv,
                   NULL, 1, NULL, 1, superb);
    free(P);
    free(superb);
}

static void check_pretraining(size_t d, size_t L)
{
    fate_dln_shape sh = {d, d, L};
    size_t np = fate_dln_nparams(&sh);
    double *bs = dalloc(d), *bt = dalloc(d), *w = dalloc(np), *beta = dalloc(d), *sv = dalloc(d);
    fate_teachers(bs, bt, d, 0.5, 77, 0);
    double alpha = fate_default_init_scale(L);
    fate_dln_init(w, &sh, alpha, 77, 0, FATE_STREAM_INIT_PRETRAIN);
    double bal0;
    fate_dln_balance(&bal0, w, &sh);
    fate_gd_config cfg = {.lr = 0, .max_epochs = 20000, .tol = 1e-12, .loss_min = 0};
    fate_gd_report r;
    cr_assert_eq(fate_dln_train(w, &r, &sh, NULL, bs, 1.0, &cfg), FATE_OK);
    cr_assert(r.converged && !r.on_saddle, "depth %zu: converged %d after %zu steps", L, r.converged, r.steps);
    fate_dln_product(beta, w, &sh);
    double err = 0;
    for (size_t i = 0; i < d; i++) err += (beta[i] - bs[i]) * (beta[i] - bs[i]);
    cr_assert(err <= 1e-12, "depth %zu: |beta - beta_s|^2 = %g", L, err);
    /* Balance is conserved by gradient flow: it stays at its initial O(alpha^2 d)
     * level (GD adds O(lr^2) drift per step). */
    double bal;
    fate_dln_balance(&bal, w, &sh);
    cr_assert(bal <= 2.0 * bal0 + 1e-6, "depth %zu: balance %g from %g", L, bal, bal0);
    /* Rank-one feature map of norm 1: W_1..W_{L-1} -> beta_s v^T. */
    feature_svals(sv, w, &sh);
    cr_assert(close_to(sv[0], 1.0, 0.02, 0), "depth %zu: sigma_1 = %g", L, sv[0]);
    cr_assert(sv[1] / sv[0] < 1e-3, "depth %zu: sigma_2/sigma_1 = %g", L, sv[1] / sv[0]);
    free(bs); free(bt); free(w); free(beta); free(sv);
}

Test(train, pretraining_converges_balanced_rank_one_depth2) { check_pretraining(60, 2); }
Test(train, pretraining_converges_balanced_rank_one_depth3) { check_pretraining(60, 3); }

/* Minimum-norm least-squares solution X^+ y by LAPACK (SVD based). */
static void pinv_solution(double *out, const double *X, const double *y, size_t n, size_t d)
{
    size_t m = n > d ? n : d;
    double *A = dalloc(n * d), *B = dalloc(m), *s = dalloc(m);
    memcpy(A, X, n * d * sizeof *A);
    memcpy(B, y, n * sizeof *B);
    lapack_int rank;
    LAPACKE_dgelsd(LAPACK_ROW_MAJOR, (lapack_int)n, (lapack_int)d, 1, A, (lapack_int)d, B, 1, s,
                   -1.0, &rank);
    memcpy(out, B, d * sizeof *out);
    free(A); free(B); free(s);
}

static void check_scratch_min_norm(size_t d, size_t n, size_t L)
{
    fate_dln_shape sh = {d, d, L};
    size_t np = fate_dln_nparams(&sh);
    double *X = dalloc(n * d), *y = dalloc(n), *S = dalloc(d * d), *b = dalloc(d), yy;
    double *bt = dalloc(d), *w = dalloc(np), *beta = dalloc(d), *ref = dalloc(d), lm;
    make_data(X, y, S, b, &yy, bt, n, d, 0.3, 5);
    fate_min_loss(&lm, S, b, yy, n, d);
    fate_dln_init(w, &sh, fate_default_init_scale(L), 5, 0, FATE_STREAM_INIT_SCRATCH);
    fate_gd_config cfg = {.lr = 0, .max_epochs = 200000, .tol = 1e-13, .loss_min = lm};
    fate_gd_report r;
    cr_assert_eq(fate_dln_train(w, &r, &sh, S, b, yy, &cfg), FATE_OK);
    cr_assert(r.converged, "n=%zu d=%zu L=%zu: not converged in %zu steps (loss %g, min %g)", n, d, L,
              r.steps, r.loss, lm);
    fate_dln_product(beta, w, &sh);
    pinv_solution(ref, X, y, n, d);
    double e = 0, nr = 0;
    for (size_t i = 0; i < d; i++) {
        e += (beta[i] - ref[i]) * (beta[i] - ref[i]);
        nr += ref[i] * ref[i];
    }
    /* small init leaves an O(alpha^L)-sized null-space part; depth 3 with
     * alpha = 1e-2 leaves a little more */
    cr_assert(e <= (L == 2 ? 1e-8 : 1e-4) * nr, "n=%zu d=%zu L=%zu: |beta - X^+ y|^2 = %g (|X^+ y|^2 = %g)",
              n, d, L, e, nr);
    free(X); free(y); free(S); free(b); free(bt); free(w); free(beta); free(ref);
}

Test(train, scratch_converges_to_min_norm_interpolator)
{
    check_scratch_min_norm(40, 20, 2); /* n < d: X^+ y */
    check_scratch_min_norm(20, 60, 2); /* n > d: least squares */
    check_scratch_min_norm(30, 15, 3);
}

Test(train, divergence_is_reported_with_step)
{
    fate_dln_shape sh = {20, 20, 2};
    size_t np = fate_dln_nparams(&sh), n = 10, d = 20;
    double *X = dalloc(n * d), *y = dalloc(n), *S = dalloc(d * d), *b = dalloc(d), yy, *bt = dalloc(d);
    double *w = dalloc(np);
    make_data(X, y, S, b, &yy, bt, n, d, 0.0, 8);
    fate_dln_init(w, &sh, 0.1, 8, 0, FATE_STREAM_INIT_SCRATCH);
    fate_gd_config cfg = {.lr = 50.0, .max_epochs = 10000, .tol = 1e-8, .loss_min = 0};
    fate_gd_report r;
    cr_assert_eq(fate_dln_train(w, &r, &sh, S, b, yy, &cfg), FATE_EDIVERGED);
    cr_assert(r.diverged_step > 0 && r.diverged_step < 10000, "step %zu", r.diverged_step);
    cr_assert(!r.converged);
    free(X); free(y); free(S); free(b); free(bt); free(w);
}

Test(train, deep_small_init_stays_on_saddle_and_says_so)
{
    /* depth 3 from alpha = 1e-5: escape needs ~alpha^-1 time; 1000 steps is far too few */
    fate_dln_shape sh = {30, 30, 3};
    size_t np = fate_dln_nparams(&sh);
    double *bs = dalloc(30), *bt = dalloc(30), *w = dalloc(np);
    fate_teachers(bs, bt, 30, 0.5, 3, 0);
    fate_dln_init(w, &sh, 1e-5, 3, 0, FATE_STREAM_INIT_PRETRAIN);
    fate_gd_config cfg = {.lr = 0, .max_epochs = 1000, .tol = 1e-6, .loss_min = 0};
    fate_gd_report r;
    cr_assert_eq(fate_dln_train(w, &r, &sh, NULL, bs, 1.0, &cfg), FATE_OK);
    cr_assert(!r.converged);
    cr_assert(r.on_saddle, "loss %g from %g", r.loss, r.loss0);
    /* the default init scale of depth 3 leaves it */
    fate_dln_init(w, &sh, fate_default_init_scale(3), 3, 0, FATE_STREAM_INIT_PRETRAIN);
    cr_assert_eq(fate_dln_train(w, &r, &sh, NULL, bs, 1.0, &cfg), FATE_OK);
    cr_assert(r.converged && !r.on_saddle, "default init: loss %g after %zu steps", r.loss, r.steps);
    free(bs); free(bt); free(w);
}

Test(train, weight_decay_shrinks_and_reaches_stationarity)
{
    size_t d = 20, n = 10;
    fate_dln_shape sh = {d, d, 2};
    size_t np = fate_dln_nparams(&sh);
    double *X = dalloc(n * d), *y = dalloc(n), *S = dalloc(d * d), *b = dalloc(d), yy, *bt = dalloc(d);
    double *w = dalloc(np), *w0 = dalloc(np), beta[20], beta0[20];
    make_data(X, y, S, b, &yy, bt, n, d, 0.2, 9);
    fate_dln_init(w, &sh, 1e-3, 9, 0, FATE_STREAM_INIT_SCRATCH);
    memcpy(w0, w, np * sizeof *w);
    fate_gd_config cfg = {.lr = 0, .max_epochs = 100000, .tol = 1e-14, .loss_min = 0, .weight_decay = 0.05};
    fate_gd_report r;
    cr_assert_eq(fate_dln_train(w, &r, &sh, S, b, yy, &cfg), FATE_OK);
    cr_assert(r.converged, "weight decay: not stationary after %zu steps", r.steps);
    cfg.weight_decay = 0;
    cfg.tol = 1e-12;
    cr_assert_eq(fate_dln_train(w0, &r, &sh, S, b, yy, &cfg), FATE_OK);
    fate_dln_product(beta, w, &sh);
    fate_dln_product(beta0, w0, &sh);
    double n1 = 0, n0 = 0;
    for (size_t i = 0; i < d; i++) { n1 += beta[i] * beta[i]; n0 += beta0[i] * beta0[i]; }
    cr_assert(n1 < n0, "decay must shrink the solution: %g vs %g", n1, n0);
    free(X); free(y); free(S); free(b); free(bt); free(w); free(w0);
}

Test(train, rejects_bad_config)
{
    fate_dln_shape sh = {4, 4, 2};
    double w[20] = {0}, b[4] = {0};
    fate_gd_report r;
    fate_gd_config bad = {.lr = NAN, .max_epochs = 10, .tol = 1e-6};
    cr_assert_eq(fate_dln_train(w, &r, &sh, NULL, b, 0, &bad), FATE_EINVAL);
    fate_gd_config bad2 = {.lr = 0.1, .max_epochs = 10, .tol = -1};
    cr_assert_eq(fate_dln_train(w, &r, &sh, NULL, b, 0, &bad2), FATE_EINVAL);
    fate_dln_shape badsh = {4, 4, 1};
    fate_gd_config ok = {.lr = 0.1, .max_epochs = 10, .tol = 1e-6};
    cr_assert_eq(fate_dln_train(w, &r, &badsh, NULL, b, 0, &ok), FATE_EINVAL);
}
