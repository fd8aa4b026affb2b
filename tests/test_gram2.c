/* test_gram2.c - depth-2 GD in Gram form (src/gram2.c): the fused pass
 * equals its BLAS reference, the Gram-form trajectory equals the W-form
 * trajectory of fate_dln_train (beta, loss, steps, converged, balance), with
 * and without weight decay, and the protocols' scratch and fine-tuning
 * results equal the W-form ones. */
#include <criterion/criterion.h>
#include <string.h>

#include "fate.h"
#include "internal.h"
#include "testutil.h"

static void make_stats(double *S, double *b, double *yy, double *bt, size_t n, size_t d,
                       uint64_t seed)
{
    double *X = dalloc(n * d), *y = dalloc(n), *bs = dalloc(d);
    fate_teachers(bs, bt, d, 0.7, seed, 0);
    fate_dataset(X, y, bt, n, d, 0.2, seed, 0, FATE_STREAM_X_TARGET, FATE_STREAM_NOISE_TARGET);
    fate_suffstats(S, b, yy, X, y, n, d);
    free(X); free(y); free(bs);
}

Test(gram2, fused_pass_equals_blas_reference)
{
    const size_t sizes[] = {1, 2, 5, 7, 33};
    for (size_t t = 0; t < 2 * sizeof sizes / sizeof *sizes; t++) {
        size_t d = sizes[t / 2];
        double rho = t % 2 ? 0.9 : 1.0; /* with and without decay */
        const size_t np = gram2_packed_size(d);
        double *G1 = dalloc(np), *G2 = dalloc(np), *g = dalloc(d), *beta = dalloc(d);
        double *u1 = dalloc(d), *u2 = dalloc(d);
        fate_normal_fill(G1, np, 5, t, FATE_STREAM_USER, 0);
        fate_normal_fill(g, d, 5, t, FATE_STREAM_USER + 1, 0);
        fate_normal_fill(beta, d, 5, t, FATE_STREAM_USER + 2, 0);
        memcpy(G2, G1, np * sizeof *G1);
        gram2_pass(u1, G1, g, beta, 0.3, rho, 1.7, d);
        gram2_pass_naive(u2, G2, g, beta, 0.3, rho, 1.7, d);
        cr_assert(max_abs_diff(u1, u2, d) <= 1e-13 * (1.0 + max_abs(u2, d)), "d %zu: u", d);
        for (size_t k = 0; k < np; k++)
            cr_assert(close_to(G1[k], G2[k], 1e-13, 1e-13), "d %zu: packed G[%zu]", d, k);
        free(G1); free(G2); free(g); free(beta); free(u1); free(u2);
    }
}

/* The W-form run (fate_dln_train) against the Gram form from the same init,
 * with the optimised and the reference pass. steps == 0: the normal stopping
 * rule (tol 1e-10; with decay wd, stationarity), else exactly `steps` steps. */
static void check_against_w(size_t d, size_t k, size_t n, double alpha, size_t steps, double wd)
{
    fate_dln_shape sh = {d, k, 2};
    size_t np = fate_dln_nparams(&sh);
    double *S = dalloc(d * d), *b = dalloc(d), yy, *bt = dalloc(d), loss_min;
    double *w = dalloc(np), *beta = dalloc(d);
    make_stats(S, b, &yy, bt, n, d, 17 + d);
    fate_min_loss(&loss_min, S, b, yy, n, d);
    fate_dln_init(w, &sh, alpha, 3, 0, FATE_STREAM_INIT_SCRATCH);
    fate_gd_config cfg = {.lr = 0.0, .max_epochs = steps ? steps : 20000,
                          .tol = steps ? 0.0 : 1e-10, .loss_min = steps ? -1.0 : loss_min,
                          .weight_decay = wd};
    for (int naive = 0; naive < 2; naive++) {
        gram2_t m;
        cr_assert_eq(gram2_from_params(&m, w, &sh), FATE_OK);
        fate_gd_report rg, rw;
        cr_assert_eq(dln_train_gram2(&m, &rg, S, b, yy, &cfg, naive), FATE_OK);
        double *w1 = dalloc(np);
        memcpy(w1, w, np * sizeof *w);
        cr_assert_eq(fate_dln_train(w1, &rw, &sh, S, b, yy, &cfg), FATE_OK);
        fate_dln_product(beta, w1, &sh);
        double bal;
        fate_dln_balance(&bal, w1, &sh);
        const char *tag = naive ? "naive" : "fused";
        cr_assert_eq(rg.steps, rw.steps, "%s d %zu n %zu: steps %zu vs %zu", tag, d, n, rg.steps,
                     rw.steps);
        if (steps) cr_assert_eq(rw.steps, steps);
        cr_assert_eq(rg.converged, rw.converged);
        cr_assert_eq(rg.on_saddle, rw.on_saddle);
        cr_assert_eq(rg.diverged_step, rw.diverged_step);
        cr_assert(close_to(rg.loss, rw.loss, 1e-14, 1e-10), "%s d %zu n %zu: loss %.17g vs %.17g",
                  tag, d, n, rg.loss, rw.loss);
        cr_assert(close_to(rg.loss0, rw.loss0, 0.0, 1e-12));
        double sc = max_abs(beta, d);
        cr_assert(max_abs_diff(m.beta, beta, d) <= 1e-10 * sc, "%s d %zu n %zu: beta off by %g",
                  tag, d, n, max_abs_diff(m.beta, beta, d));
        /* balance: the recursion's rounding is absolute (~1e-16 times the sum
         * over steps of c^2 |g|^2 s^2 on |B|^2), so it is compared with an
         * absolute floor far below any balance the protocols report */
        cr_assert(close_to(gram2_balance(&m), bal, 1e-11, 1e-8), "%s d %zu n %zu: balance %.17g vs %.17g",
                  tag, d, n, gram2_balance(&m), bal);
        /* the run left the saddle: not a comparison of two zeros */
        cr_assert(rw.loss < 0.5 * rw.loss0);
        gram2_free(&m);
        free(w1);
    }
    free(S); free(b); free(bt); free(w); free(beta);
}

Test(gram2, trajectory_equals_w_form_n_below_d) { check_against_w(20, 20, 8, 0.3, 400, 0.0); }
Test(gram2, trajectory_equals_w_form_n_above_d) { check_against_w(12, 12, 30, 0.3, 300, 0.0); }
Test(gram2, trajectory_equals_w_form_narrow) { check_against_w(30, 11, 15, 0.3, 300, 0.0); }
Test(gram2, trajectory_equals_w_form_wide) { check_against_w(9, 25, 5, 0.3, 300, 0.0); }
Test(gram2, trajectory_equals_w_form_decay) { check_against_w(20, 20, 8, 0.3, 400, 1e-2); }
/* the paper's small init (long saddle) and the normal stopping rules */
Test(gram2, stopping_equals_w_form_small_init) { check_against_w(24, 24, 12, 1e-5, 0, 0.0); }
Test(gram2, stopping_equals_w_form_n_above_d) { check_against_w(16, 16, 40, 1e-3, 0, 0.0); }
Test(gram2, stopping_equals_w_form_decay) { check_against_w(24, 24, 12, 1e-5, 0, 1e-3); }
Test(gram2, stopping_equals_w_form_decay_n_above_d) { check_against_w(16, 16, 40, 1e-3, 0, 1e-1); }

/* proto_scratch and proto_ft (Gram form at depth 2) against the same runs
 * done here on the W form. */
Test(gram2, protocols_equal_w_form)
{
    fate_spec s;
    fate_spec_default(&s);
    s.d = 40;
    s.theta = 0.6;
    s.methods = FATE_METHOD_SCRATCH | FATE_METHOD_LT | FATE_METHOD_FT;
    for (size_t n = 20; n <= 60; n += 40) {
        s.n = n;
        const fate_dln_shape sh = spec_shape(&s);
        const size_t np = fate_dln_nparams(&sh), d = s.d;
        target_t t;
        pretrained_t p;
        cr_assert_eq(proto_target(&t, &s, 1), FATE_OK);
        cr_assert_eq(proto_pretrain(&p, &s, s.theta, 1, 1, NULL), FATE_OK);
        cr_assert(p.gram.G != NULL);
        fate_method_result sc, ft;
        double c;
        const double wd = n > d ? 1e-2 : 0.0; /* scratch with and without decay */
        cr_assert_eq(proto_scratch(&sc, &t, &s, wd, 1, NULL), FATE_OK);
        cr_assert_eq(proto_ft(&ft, &c, &p, &t, &s, NULL), FATE_OK);

        fate_gd_config cfg = {.lr = s.lr, .max_epochs = s.max_epochs, .tol = s.tol,
                              .loss_min = t.loss_min};
        double *w = dalloc(np), *beta = dalloc(d), bal;
        fate_gd_report r;
        const fate_method_result *got[2] = {&sc, &ft};
        for (int which = 0; which < 2; which++) {
            cfg.weight_decay = which == 0 ? wd : 0.0;
            if (which == 0) fate_dln_init(w, &sh, fate_default_init_scale(2), s.seed, 1,
                                          FATE_STREAM_INIT_SCRATCH);
            else memcpy(w, p.params, np * sizeof *w);
            cr_assert_eq(fate_dln_train(w, &r, &sh, t.S, t.b, t.yy, &cfg), FATE_OK);
            double emp = r.loss; /* the empirical loss, without the decay term */
            if (cfg.weight_decay > 0.0) {
                double pn2 = 0.0;
                for (size_t i = 0; i < np; i++) pn2 += w[i] * w[i];
                emp -= cfg.weight_decay * pn2;
            }
            fate_dln_product(beta, w, &sh);
            fate_dln_balance(&bal, w, &sh);
            double risk = 0.0;
            for (size_t i = 0; i < d; i++) risk += (beta[i] - t.beta_t[i]) * (beta[i] - t.beta_t[i]);
            const fate_method_result *g = got[which];
            cr_assert_eq(g->steps, r.steps, "n %zu method %d: steps %zu vs %zu", n, which,
                         g->steps, r.steps);
            cr_assert_eq(g->converged, r.converged);
            cr_assert_eq(g->on_saddle, r.on_saddle);
            cr_assert(close_to(g->risk, risk, 0.0, 1e-8), "n %zu method %d: risk %.17g vs %.17g",
                      n, which, g->risk, risk);
            cr_assert(close_to(g->train_loss, emp, 1e-12, 1e-8), "n %zu method %d: loss %.17g vs %.17g",
                      n, which, g->train_loss, emp);
            cr_assert(close_to(g->balance, bal, 1e-12, 1e-6), "n %zu method %d: balance %g vs %g",
                      n, which, g->balance, bal);
        }
        /* the fine-tuning c from the W-form final beta */
        if (n < d) cr_assert(isfinite(c) && fabs(c) > 0.0);
        free(w); free(beta);
        target_free(&t);
        pretrained_free(&p);
    }
}
