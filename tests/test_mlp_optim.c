/* test_mlp_optim.c - the update rules and the single-precision gradient of
 * two-layer trainings (src/mlp_optim.c, src/mlp_f32.c): momentum and Adam
 * against an independent NumPy reference (tests/ref/make_optim_ref.py), the
 * float gradient against the double one, a training and a whole protocol
 * instance in both precisions, and the rule that pretraining stays on GD. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "fate.h"
#include "fate_mlp.h"
#include "mlp_internal.h"
#include "testutil.h"
#include "ref_file.h"

static ref_file REF = {.path = FATE_REF_DIR "/optim_ref.txt"};

enum { RD = 3, RM = 5, RN = 7 };

/* The closed-form start and data of make_optim_ref.py. */
static void ref_data(double *W, double *c, double *X, double *y)
{
    for (size_t i = 0; i < RM; i++) {
        for (size_t j = 0; j < RD; j++) W[i * RD + j] = 0.6 * sin(1.0 + (double)(i * RD + j));
        c[i] = 0.4 * cos(2.0 + 3.0 * (double)i);
    }
    for (size_t k = 0; k < RN; k++) {
        for (size_t j = 0; j < RD; j++) X[k * RD + j] = sin(0.7 * (double)(k + 1) * (double)(j + 2));
        y[k] = 0.3 + 0.5 * cos(1.3 * (double)k);
    }
}

static double max_rel(const double *a, const double *b, size_t count)
{
    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < count; i++) {
        num = fmax(num, fabs(a[i] - b[i]));
        den = fmax(den, fabs(b[i]));
    }
    return den > 0 ? num / den : num;
}

Test(mlp_optim, momentum_and_adam_match_numpy_reference)
{
    static const char *acts[] = {"relu", "tanh"}, *scs[] = {"mf", "std"}, *rules[] = {"momentum", "adam"};
    for (int a = 0; a < 2; a++)
        for (int s = 0; s < 2; s++)
            for (int r = 0; r < 2; r++) {
                fate_mlp_shape sh = {RD, RM, a ? FATE_ACT_TANH : FATE_ACT_RELU,
                                     s ? FATE_MLP_STANDARD : FATE_MLP_MEAN_FIELD};
                double W[RM * RD], c[RM], X[RN * RD], y[RN];
                ref_data(W, c, X, y);
                fate_mlp_gd_config g;
                fate_mlp_gd_default(&g);
                g.max_steps = 30, g.tol = 0, g.rel_tol = 0;
                g.optimizer = r ? FATE_MLP_ADAM : FATE_MLP_MOMENTUM;
                g.lr = r ? 0.01 : 0.05;
                g.beta1 = r ? 0.0 : 0.8; /* Adam: 0 selects the default 0.9 */
                fate_mlp_gd_report rep;
                cr_assert_eq(fate_mlp_train(W, c, &rep, &sh, X, y, RN, &g), FATE_OK);
                cr_assert_eq(rep.steps, 30);
                char tag[64], name[80];
                snprintf(tag, sizeof tag, "%s_%s_%s", acts[a], scs[s], rules[r]);
                snprintf(name, sizeof name, "W_%s", tag);
                const double *Wr = ref_file_matrix(&REF, name, NULL, NULL);
                snprintf(name, sizeof name, "c_%s", tag);
                const double *cr = ref_file_matrix(&REF, name, NULL, NULL);
                snprintf(name, sizeof name, "loss_%s", tag);
                const double Lr = ref_file_get(&REF, name)->data[0];
                cr_assert_lt(max_rel(W, Wr, RM * RD), 1e-11, "%s: W", tag);
                cr_assert_lt(max_rel(c, cr, RM), 1e-11, "%s: c", tag);
                cr_assert(close_to(rep.loss, Lr, 0, 1e-10), "%s: loss %.17g vs %.17g", tag, rep.loss, Lr);
                cr_assert(rep.lr_eff == (r ? 0.01 : s ? 0.05 : 0.05 * RM), "%s: lr_eff %g", tag, rep.lr_eff);
            }
}

/* The float gradient equals the double one to float accuracy, for every
 * activation and scaling, with and without dW. */
Test(mlp_optim, single_precision_gradient_matches_double)
{
    static const fate_act acts[] = {FATE_ACT_RELU, FATE_ACT_TANH, FATE_ACT_ERF, FATE_ACT_LINEAR};
    for (int a = 0; a < 4; a++)
        for (int sc = 0; sc < 2; sc++) {
            const size_t d = 17, m = 64, n = 45;
            fate_mlp_shape sh = {d, m, acts[a], sc ? FATE_MLP_STANDARD : FATE_MLP_MEAN_FIELD};
            double *W = dalloc(m * d), *c = dalloc(m), *X = dalloc(n * d), *y = dalloc(n);
            double *dW = dalloc(m * d), *dc = dalloc(m), *dW32 = dalloc(m * d), *dc32 = dalloc(m);
            fate_mlp_init(W, c, &sh, 1.0, 1.0, 7, (uint64_t)a, FATE_MLP_STREAM_INIT_SCRATCH);
            fate_normal_fill(X, n * d, 7, (uint64_t)a, FATE_MLP_STREAM_X_TARGET, 0);
            fate_normal_fill(y, n, 7, (uint64_t)a, FATE_MLP_STREAM_NOISE_TARGET, 0);
            mlp_ws w64, w32;
            cr_assert_eq(mlp_ws_alloc_p(&w64, &sh, n, FATE_MLP_DOUBLE), FATE_OK);
            cr_assert_eq(mlp_ws_alloc_p(&w32, &sh, n, FATE_MLP_SINGLE), FATE_OK);
            const double L = mlp_grad_ws(dW, dc, W, c, &sh, X, y, n, &w64);
            const double L32 = mlp_grad_ws(dW32, dc32, W, c, &sh, X, y, n, &w32);
            cr_assert(close_to(L32, L, 0, 1e-6), "act %d: loss %.10g vs %.10g", a, L32, L);
            cr_assert_lt(max_rel(dW32, dW, m * d), 2e-5, "act %d sc %d: dW", a, sc);
            cr_assert_lt(max_rel(dc32, dc, m), 2e-5, "act %d sc %d: dc", a, sc);
            /* the loss alone (dW, dc NULL) is the same number */
            cr_assert_eq(mlp_grad_ws(NULL, NULL, W, c, &sh, X, y, n, &w32), L32);
            mlp_ws_free(&w64);
            mlp_ws_free(&w32);
            free(W), free(c), free(X), free(y), free(dW), free(dc), free(dW32), free(dc32);
        }
}

/* A protocol instance (pretraining, scratch, lt, ft) in both precisions: the
 * test risks agree to far below their standard errors. */
Test(mlp_optim, single_precision_instance_matches_double, .timeout = 120)
{
    fate_relu_spec s;
    fate_relu_spec_default(&s);
    s.d = 12, s.mstar = 5, s.m = 80, s.n = 40, s.n_src = 400, s.n_test = 4000;
    s.gd.lr = 0.5, s.gd.max_steps = 3000;
    fate_relu_result r64, r32;
    cr_assert_eq(fate_relu_run_instance(&r64, NULL, NULL, &s, 0, NULL, NULL), FATE_OK);
    s.gd.precision = FATE_MLP_SINGLE;
    cr_assert_eq(fate_relu_run_instance(&r32, NULL, NULL, &s, 0, NULL, NULL), FATE_OK);
    const fate_relu_method_result *a[4] = {&r64.pretrain, &r64.scratch, &r64.lt, &r64.ft};
    const fate_relu_method_result *b[4] = {&r32.pretrain, &r32.scratch, &r32.lt, &r32.ft};
    for (int k = 0; k < 4; k++) {
        const double diff = fabs(a[k]->risk - b[k]->risk);
        /* stated tolerance: 1e-3 relative, and 0.1 of the standard error */
        cr_assert_lt(diff, 1e-3 * a[k]->risk + 1e-12, "method %d: %.10g vs %.10g", k, a[k]->risk, b[k]->risk);
        cr_assert_lt(diff, 0.1 * a[k]->risk_se, "method %d: diff %g se %g", k, diff, a[k]->risk_se);
    }
    cr_assert(fabs(r64.pperp_student - r32.pperp_student) < 1e-3 * r64.target_norm2);
}

/* Pretraining ignores gd.optimizer unless optimize_pretrain: asking for Adam
 * gives the same bytes as plain GD at the same lr (or at pretrain_lr when
 * set); with optimize_pretrain, Adam gives another network. */
Test(mlp_optim, pretraining_stays_on_gd_unless_asked, .timeout = 60)
{
    fate_relu_spec s;
    fate_relu_spec_default(&s);
    s.d = 8, s.mstar = 3, s.m = 30, s.n = 20, s.n_src = 200, s.n_test = 100;
    s.gd.lr = 0.02, s.gd.max_steps = 500;
    const size_t sz = s.m * s.d;
    double *Wg = dalloc(sz), *Wa = dalloc(sz), *Wo = dalloc(sz), cg[30], ca[30], co[30];
    fate_relu_method_result r;
    cr_assert_eq(fate_relu_pretrain(Wg, cg, &r, NULL, &s, 0, NULL), FATE_OK);
    s.gd.optimizer = FATE_MLP_ADAM;
    cr_assert_eq(fate_relu_pretrain(Wa, ca, &r, NULL, &s, 0, NULL), FATE_OK);
    cr_assert_eq(memcmp(Wg, Wa, sz * sizeof *Wg), 0);
    cr_assert_eq(memcmp(cg, ca, sizeof cg), 0);
    /* pretrain_lr keeps pretraining's GD rate when lr becomes Adam's */
    s.gd.lr = 1e-3, s.pretrain_lr = 0.02;
    cr_assert_eq(fate_relu_pretrain(Wa, ca, &r, NULL, &s, 0, NULL), FATE_OK);
    cr_assert_eq(memcmp(Wg, Wa, sz * sizeof *Wg), 0);
    s.gd.lr = 0.02, s.pretrain_lr = 0;
    s.optimize_pretrain = 1;
    cr_assert_eq(fate_relu_pretrain(Wo, co, &r, NULL, &s, 0, NULL), FATE_OK);
    cr_assert_gt(max_rel(Wo, Wg, sz), 1e-6);
    free(Wg), free(Wa), free(Wo);
}

Test(mlp_optim, bad_settings_are_refused)
{
    fate_relu_spec s;
    fate_relu_spec_default(&s);
    s.gd.optimizer = (fate_mlp_optimizer)3;
    cr_assert_not_null(fate_relu_spec_check(&s));
    fate_relu_spec_default(&s);
    s.gd.beta1 = 1.0;
    cr_assert_not_null(fate_relu_spec_check(&s));
    fate_relu_spec_default(&s);
    s.gd.beta2 = -0.1;
    cr_assert_not_null(fate_relu_spec_check(&s));
    fate_relu_spec_default(&s);
    s.gd.precision = (fate_mlp_precision)2;
    cr_assert_not_null(fate_relu_spec_check(&s));
    /* and fate_mlp_train refuses them too */
    double W[RM * RD], c[RM], X[RN * RD], y[RN];
    ref_data(W, c, X, y);
    fate_mlp_shape sh = {RD, RM, FATE_ACT_RELU, FATE_MLP_MEAN_FIELD};
    fate_mlp_gd_config g;
    fate_mlp_gd_default(&g);
    g.beta1 = 1.5;
    fate_mlp_gd_report rep;
    cr_assert_eq(fate_mlp_train(W, c, &rep, &sh, X, y, RN, &g), FATE_EINVAL);
}

/* Momentum and Adam reach a tolerance that GD reaches, in fewer steps, and
 * the single-precision training lands where the double one does. */
Test(mlp_optim, optimisers_converge_and_single_training_matches, .timeout = 60)
{
    const size_t d = 10, m = 60, n = 50;
    fate_mlp_shape sh = {d, m, FATE_ACT_RELU, FATE_MLP_MEAN_FIELD};
    double *W0 = dalloc(m * d), c0[60], *X = dalloc(n * d), y[50], *V = dalloc(3 * d), a3[3];
    double *W = dalloc(m * d), c[60], *Wd = dalloc(m * d), cd[60];
    fate_relu_teacher(V, 3, d, 5, 0);
    fate_relu_readout(a3, 3, 0.0, 0);
    fate_relu_dataset(X, y, V, a3, 3, n, d, 0.0, 5, 0, FATE_MLP_STREAM_X_TARGET, FATE_MLP_STREAM_NOISE_TARGET);
    fate_mlp_init(W0, c0, &sh, 1.0, 1e-3, 5, 0, FATE_MLP_STREAM_INIT_SCRATCH);
    fate_mlp_gd_config g;
    fate_mlp_gd_default(&g);
    g.lr = 0.2, g.max_steps = 40000, g.tol = 1e-6, g.rel_tol = 0;
    size_t steps[3];
    for (int o = 0; o < 3; o++) {
        memcpy(W, W0, m * d * sizeof *W), memcpy(c, c0, sizeof c);
        g.optimizer = (fate_mlp_optimizer)o;
        g.lr = o == FATE_MLP_ADAM ? 2e-2 : 0.2;
        fate_mlp_gd_report rep;
        cr_assert_eq(fate_mlp_train(W, c, &rep, &sh, X, y, n, &g), FATE_OK);
        cr_assert(rep.converged && rep.loss <= 1e-6, "optimizer %d: loss %g after %zu", o, rep.loss, rep.steps);
        steps[o] = rep.steps;
        if (o == 0) memcpy(Wd, W, m * d * sizeof *W), memcpy(cd, c, sizeof c);
    }
    cr_assert_lt(steps[1], steps[0], "momentum %zu vs gd %zu", steps[1], steps[0]);
    cr_assert_lt(steps[2], steps[0], "adam %zu vs gd %zu", steps[2], steps[0]);
    /* GD in single precision from the same start: same stopping step within
     * 1%, weights within 1e-3 relative */
    memcpy(W, W0, m * d * sizeof *W), memcpy(c, c0, sizeof c);
    g.optimizer = FATE_MLP_GD, g.lr = 0.2, g.precision = FATE_MLP_SINGLE;
    fate_mlp_gd_report rep;
    cr_assert_eq(fate_mlp_train(W, c, &rep, &sh, X, y, n, &g), FATE_OK);
    cr_assert(rep.converged);
    cr_assert_lt(fabs((double)rep.steps - (double)steps[0]), 0.01 * (double)steps[0] + 2, "%zu vs %zu", rep.steps,
                 steps[0]);
    cr_assert_lt(max_rel(W, Wd, m * d), 1e-3);
    free(W0), free(X), free(V), free(W), free(Wd);
}
