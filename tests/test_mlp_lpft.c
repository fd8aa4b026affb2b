/* test_mlp_lpft.c - LP-FT for two-layer networks (simulation only; THEORY.md
 * section 8, "Two-layer LP-FT"): the readout refitted exactly as linear
 * transfer, then fine-tuning's training from there (src/mlp_protocol.c). */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "fate.h"
#include "fate_mlp.h"
#include "testutil.h"

void blas_threads_set(int n); /* src/internal.h */

/* A small two-layer setting in the rich regime of `fate phase --model relu2`
 * with a ridge on the probe (at lambda 0 the probe's readout on near-dead
 * neurons is of order 1/|w_i| and fine-tuning from it diverges at ft's rate)
 * and lr 0.1, where GD from the probe is stable: at the CLI's lr 0.5 its
 * first steps can overshoot (measured: 2 of 18 instances of
 * train_loss_at_most_lt end above lt's loss, stopped by the relative-decrease
 * rule on a rising loss, and one diverges at 500 steps). */
static fate_relu_spec small_spec(void)
{
    fate_relu_spec s;
    fate_relu_spec_default(&s);
    s.d = 6, s.mstar = 2, s.m = 20, s.n_src = 200, s.n_test = 1000, s.n = 12;
    s.w_init = 1e-3, s.c_init = 1e-3;
    s.gd.lr = 0.1, s.gd.max_steps = 3000;
    s.lambda = 1e-4;
    s.methods = FATE_METHOD_SCRATCH | FATE_METHOD_LT | FATE_METHOD_FT | FATE_METHOD_LPFT;
    return s;
}

/* (a) With no fine-tuning step (the stopping rule met at step 0) LP-FT is
 * linear transfer exactly: the same network, the same test risk, bit for bit. */
Test(mlp_lpft, zero_steps_is_lt)
{
    const double mus[3] = {0.0, 0.5, 1.0};
    for (int k = 0; k < 3; k++) {
        fate_relu_spec s = small_spec();
        s.mu = mus[k];
        s.gd.tol = 1e300; /* every training stops at its first check */
        fate_relu_result r;
        cr_assert_eq(fate_relu_run_instance(&r, NULL, NULL, &s, 1, NULL, NULL), FATE_OK);
        cr_assert_eq(r.lpft.steps, 0);
        cr_assert_eq(r.lpft.risk, r.lt.risk, "mu %g: lpft %.17g lt %.17g", s.mu, r.lpft.risk, r.lt.risk);
        cr_assert_eq(r.lpft.risk_se, r.lt.risk_se);
        cr_assert(close_to(r.lpft.train_loss, r.lt.train_loss, 1e-300, 1e-12), "mu %g: %.17g vs %.17g", s.mu,
                  r.lpft.train_loss, r.lt.train_loss);
        cr_assert_eq(r.lpft.w_move, 0.0);
        cr_assert_eq(r.lt.w_move, 0.0, "lt does not move the first layer");
        cr_assert(isnan(r.pretrain.w_move));
    }
}

/* (c) Fine-tuning from the probe only lowers the training loss: LP-FT ends
 * at or below linear transfer's loss on every instance, and it moves the
 * first layer (w_move > 0) where lt leaves it. */
Test(mlp_lpft, train_loss_at_most_lt, .timeout = 300)
{
    const double mus[3] = {0.0, 0.5, 1.0};
    const size_t ns[2] = {6, 24};
    for (int k = 0; k < 3; k++)
        for (int j = 0; j < 2; j++)
            for (uint64_t i = 0; i < 3; i++) {
                fate_relu_spec s = small_spec();
                s.mu = mus[k], s.n = ns[j];
                s.methods = FATE_METHOD_LT | FATE_METHOD_LPFT;
                fate_relu_result r;
                cr_assert_eq(fate_relu_run_instance(&r, NULL, NULL, &s, i, NULL, NULL), FATE_OK);
                cr_assert_leq(r.lpft.train_loss, r.lt.train_loss, "mu %g n %zu instance %lu: lpft %g lt %g",
                              s.mu, s.n, (unsigned long)i, r.lpft.train_loss, r.lt.train_loss);
                cr_assert(isfinite(r.lpft.risk) && r.lpft.risk >= 0);
                cr_assert(r.lpft.steps == 0 || r.lpft.w_move > 0, "lpft moved the features");
            }
}

/* LP-FT without the probe is fine-tuning: the probe changes the start, so
 * the two differ, and both are in the same run's result (one pretraining). */
Test(mlp_lpft, differs_from_ft_and_leaves_others_unchanged)
{
    fate_relu_spec s = small_spec();
    s.mu = 0.5;
    fate_relu_result a, b;
    cr_assert_eq(fate_relu_run_instance(&a, NULL, NULL, &s, 0, NULL, NULL), FATE_OK);
    s.methods &= ~(unsigned)FATE_METHOD_LPFT;
    cr_assert_eq(fate_relu_run_instance(&b, NULL, NULL, &s, 0, NULL, NULL), FATE_OK);
    cr_assert_neq(a.lpft.risk, a.ft.risk);
    /* adding lpft changes no other method's numbers */
    cr_assert_eq(memcmp(&a.pretrain, &b.pretrain, sizeof a.pretrain), 0);
    cr_assert_eq(memcmp(&a.scratch, &b.scratch, sizeof a.scratch), 0);
    cr_assert_eq(memcmp(&a.lt, &b.lt, sizeof a.lt), 0);
    cr_assert_eq(memcmp(&a.ft, &b.ft, sizeof a.ft), 0);
}

typedef struct lpft_seen {
    fate_relu_sweep w;
    fate_relu_method_result lpft[2][2][2];
    int count;
} lpft_seen;

static int keep_cell(void *ctx, const fate_relu_cell *c)
{
    lpft_seen *s = ctx;
    cr_assert_not_null(c->lpft);
    for (size_t i = 0; i < c->instances; i++) s->lpft[c->overlap_index][c->n_index][i] = c->lpft[i];
    s->count++;
    return 0;
}

/* (b) The sweep's LP-FT is bit-identical for 1 and 2 threads and equals
 * fate_relu_run_instance's per cell. */
Test(mlp_lpft, sweep_bit_identical_across_threads, .timeout = 300)
{
    const double mus[2] = {0.0, 0.5};
    const size_t ns[2] = {6, 12};
    lpft_seen seen[2];
    for (int th = 0; th < 2; th++) {
        lpft_seen *S = &seen[th];
        memset(S, 0, sizeof *S);
        S->w.base = small_spec();
        S->w.base.gd.max_steps = 500;
        S->w.overlaps = mus, S->w.n_overlaps = 2, S->w.ns = ns, S->w.n_ns = 2, S->w.instances = 2;
        S->w.threads = th + 1;
        cr_assert_null(fate_relu_sweep_check(&S->w));
        fate_relu_sweep_hooks h = {S, NULL, keep_cell, NULL, NULL};
        cr_assert_eq(fate_relu_sweep_run(&S->w, &h, NULL), FATE_OK);
        cr_assert_eq(S->count, 4);
    }
    cr_assert_eq(memcmp(seen[0].lpft, seen[1].lpft, sizeof seen[0].lpft), 0, "lpft: 1 vs 2 threads");
    blas_threads_set(1); /* the sweep's BLAS is single-threaded */
    for (size_t t = 0; t < 2; t++)
        for (size_t j = 0; j < 2; j++)
            for (size_t i = 0; i < 2; i++) {
                fate_relu_spec s = seen[0].w.base;
                s.mu = mus[t], s.n = ns[j];
                fate_relu_result r;
                cr_assert_eq(fate_relu_run_instance(&r, NULL, NULL, &s, i, NULL, NULL), FATE_OK);
                cr_assert_eq(r.lpft.risk, seen[0].lpft[t][j][i].risk);
                cr_assert_eq(r.lpft.steps, seen[0].lpft[t][j][i].steps);
                cr_assert_eq(r.lpft.w_move, seen[0].lpft[t][j][i].w_move);
            }
}

/* The two-layer model runs scratch, lt, ft and lpft only: the other methods
 * of fate.h are refused by the spec and the sweep. */
Test(mlp_lpft, other_methods_refused)
{
    const unsigned bad[3] = {FATE_METHOD_L2SP, FATE_METHOD_RIDGE, FATE_METHOD_RIDGE_CV};
    for (int k = 0; k < 3; k++) {
        fate_relu_spec s = small_spec();
        s.methods |= bad[k];
        cr_assert_not_null(fate_relu_spec_check(&s));
        fate_relu_result r;
        cr_assert_eq(fate_relu_run_instance(&r, NULL, NULL, &s, 0, NULL, NULL), FATE_EINVAL);
        const double mu = 0.5;
        const size_t n = 8;
        fate_relu_sweep w = {.base = s, .overlaps = &mu, .n_overlaps = 1, .ns = &n, .n_ns = 1, .instances = 1};
        cr_assert_not_null(fate_relu_sweep_check(&w));
    }
    fate_relu_spec s = small_spec();
    s.methods = FATE_METHOD_LPFT;
    cr_assert_null(fate_relu_spec_check(&s), "lpft alone is a valid two-layer run");
}
