/* test_gd.c - the gradient-descent driver gd_run and the pseudo-inverse
 * pinv_solve (src/gd.c) on toy oracles and hand-computed systems. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "internal.h"

/* ---- toy oracles ---- */

/* A scripted run: loss_t = f(t) (or, with quad, GD on x^2). */
typedef struct toy {
    double x, lr;                 /* quad: loss = x^2, step x -= lr 2 x */
    double (*f)(size_t t);        /* scripted loss of check t when quad is 0 */
    int quad;
    size_t evals, updates;
    size_t per_step;              /* updates per step() (mini-batch epochs) */
    size_t bad_check;             /* check whose step() diverges inside */
    size_t bad_after;             /* ... after this many updates */
    size_t unfinite_check;        /* eval flags a non-finite |beta| here */
    size_t error_check;           /* eval fails with FATE_ENUMERIC here */
    double grad2;                 /* reported |grad|^2 */
} toy;

#define NEVER ((size_t)-1)

static toy toy_make(void)
{
    return (toy){.per_step = 1, .bad_check = NEVER, .unfinite_check = NEVER, .error_check = NEVER,
                 .grad2 = 1.0};
}

static fate_status toy_eval(void *ctx, gd_point *pt, size_t t)
{
    toy *T = ctx;
    T->evals++;
    if (t == T->error_check) return FATE_ENUMERIC;
    pt->loss = T->quad ? T->x * T->x : T->f(t);
    pt->grad2 = T->grad2;
    pt->finite = t != T->unfinite_check;
    return FATE_OK;
}

static fate_status toy_step(void *ctx, size_t t, size_t budget, size_t *done)
{
    toy *T = ctx;
    size_t n = T->per_step < budget ? T->per_step : budget;
    if (t == T->bad_check && T->bad_after < n) {
        *done = T->bad_after;
        T->updates += T->bad_after;
        return FATE_EDIVERGED;
    }
    if (T->quad) T->x -= T->lr * 2.0 * T->x;
    *done = n;
    T->updates += n;
    return FATE_OK;
}

static gd_rules rules_make(size_t max_steps, double target)
{
    return (gd_rules){.max_steps = max_steps, .target = target, .window_rule = GD_WINDOW_OFF};
}

static double grows(size_t t) { return ldexp(1.0, (int)t); }          /* 2^t */
static double flat(size_t t) { (void)t; return 1.0; }
static double nan_at5(size_t t) { return t == 5 ? NAN : 1.0; }
static double harmonic(size_t t) { return 1.0 / (1.0 + (double)t); }
/* 10, 9, ..., 3 for t < 8, then 2 */
static double ramp(size_t t) { return t < 8 ? 10.0 - (double)t : 2.0; }
static double drop_at3(size_t t) { return t < 3 ? 1.0 : 0.5; }

static gd_report run(toy *T, const gd_rules *r, fate_status expect)
{
    gd_oracle o = {T, toy_eval, toy_step};
    gd_report rep;
    fate_status st = gd_run(&rep, &o, r);
    cr_assert_eq(st, expect, "status %d, expected %d", st, expect);
    return rep;
}

/* A run of the scripted loss f under the target rule alone. */
static gd_report scripted(double (*f)(size_t), size_t max_steps, double target, fate_status expect)
{
    toy T = toy_make();
    T.f = f;
    gd_rules r = rules_make(max_steps, target);
    return run(&T, &r, expect);
}

/* ---- the driver ---- */

Test(gd_run, quadratic_converges_at_the_target)
{
    /* lr 1/4 halves x each step: loss_t = 4^-t <= 1e-6 first at t = 10 */
    toy T = toy_make();
    T.quad = 1, T.x = 1.0, T.lr = 0.25;
    gd_rules r = rules_make(1000, 1e-6);
    gd_report rep = run(&T, &r, FATE_OK);
    cr_assert(rep.converged);
    cr_assert_eq(rep.steps, 10);
    cr_assert_eq(T.evals, 11);
    cr_assert_eq(rep.loss0, 1.0);
    cr_assert_eq(rep.loss, ldexp(1.0, -20));
    cr_assert_eq(rep.diverged_step, 0);
}

Test(gd_run, budget_stops_unconverged)
{
    toy T = toy_make();
    T.f = flat;
    gd_rules r = rules_make(7, 0.0);
    gd_report rep = run(&T, &r, FATE_OK);
    cr_assert(!rep.converged);
    cr_assert_eq(rep.steps, 7);
    cr_assert_eq(T.evals, 8, "the loss after the last update is checked");
    /* max_steps 0: one check, no update */
    toy U = toy_make();
    U.f = flat;
    r.max_steps = 0;
    rep = run(&U, &r, FATE_OK);
    cr_assert_eq(rep.steps, 0);
    cr_assert_eq(U.evals, 1);
}

Test(gd_run, growing_loss_diverges)
{
    /* 2^t > 1e3 max(loss_0, 1) = 1e3 first at t = 10 */
    gd_report rep = scripted(grows, 100, -INFINITY, FATE_EDIVERGED);
    cr_assert_eq(rep.diverged_step, 10);
    cr_assert_eq(rep.steps, 10);
    cr_assert_eq(rep.loss, 1024.0);
    cr_assert(!rep.converged);
}

Test(gd_run, nan_and_nonfinite_point_diverge)
{
    gd_report rep = scripted(nan_at5, 100, -INFINITY, FATE_EDIVERGED);
    cr_assert_eq(rep.diverged_step, 5);
    cr_assert(isnan(rep.loss));
    toy U = toy_make();
    U.f = flat, U.unfinite_check = 3;
    gd_rules r = rules_make(100, -INFINITY);
    rep = run(&U, &r, FATE_EDIVERGED);
    cr_assert_eq(rep.diverged_step, 3, "a non-finite |beta| with a finite loss");
}

Test(gd_run, divergence_inside_a_multi_update_step)
{
    /* three updates per step; check 2's step fails after two: 3 + 3 + 2 */
    toy T = toy_make();
    T.f = flat, T.per_step = 3, T.bad_check = 2, T.bad_after = 2;
    gd_rules r = rules_make(100, -INFINITY);
    gd_report rep = run(&T, &r, FATE_EDIVERGED);
    cr_assert_eq(rep.diverged_step, 8);
    cr_assert_eq(rep.steps, 8);
    /* the budget caps the updates of a step: 3 + 3 + 1 */
    toy U = toy_make();
    U.f = flat, U.per_step = 3;
    r.max_steps = 7;
    rep = run(&U, &r, FATE_OK);
    cr_assert_eq(rep.steps, 7);
    cr_assert_eq(U.updates, 7);
}

/* The check at which a window rule stops the scripted loss f (converged). */
static size_t window_stop(gd_window_rule rule, double (*f)(size_t), size_t w, double rel_tol)
{
    toy T = toy_make();
    T.f = f;
    gd_rules r = rules_make(1000, 0.0);
    r.window_rule = rule, r.window = w, r.rel_tol = rel_tol;
    gd_report rep = run(&T, &r, FATE_OK);
    cr_assert(rep.converged);
    return rep.steps;
}

Test(gd_run, window_last_rule)
{
    /* loss 1/(1+t): (L_{t-w} - L_t) / L_{t-w} = w / (1+t) <= 0.105 first at
     * t = 95 (w = 10) */
    cr_assert_eq(window_stop(GD_WINDOW_LAST, harmonic, 10, 0.105), 95);
    /* the ramp 10..3 then 2: L_{t-4} = L_t first at t = 12 */
    cr_assert_eq(window_stop(GD_WINDOW_LAST, ramp, 4, 0.0), 12);
}

Test(gd_run, window_means_rule)
{
    /* the same ramp, w = 4: checked at t = 7 (sums 18 vs 34), t = 11 (8 vs
     * 18), t = 15 (8 vs 8: stop), never in between (t = 12 would compare 8
     * with 14) */
    cr_assert_eq(window_stop(GD_WINDOW_MEANS, ramp, 4, 0.1), 15);
    /* rel_tol 0.5 accepts the first check, t = 7: 34 - 18 = 16 <= 17 */
    cr_assert_eq(window_stop(GD_WINDOW_MEANS, ramp, 4, 0.5), 7);
}

Test(gd_run, stationary_rule_waits_for_the_saddle_exit)
{
    /* |grad|^2 = 0 throughout, but the loss must first fall below 0.9 loss_0 */
    toy T = toy_make();
    T.f = drop_at3, T.grad2 = 0.0;
    gd_rules r = rules_make(100, -INFINITY);
    r.stationary = 1, r.grad2_tol = 1e-8;
    gd_report rep = run(&T, &r, FATE_OK);
    cr_assert(rep.converged);
    cr_assert_eq(rep.steps, 3);
}

Test(gd_run, saddle_report)
{
    /* stuck at loss 1 with loss_min 0: less than half removed */
    toy T = toy_make();
    T.f = flat;
    gd_rules r = rules_make(5, 0.0);
    r.saddle = 1, r.loss_min = 0.0, r.saddle_tol = 1e-6;
    gd_report rep = run(&T, &r, FATE_OK);
    cr_assert(rep.on_saddle);
    /* converged runs are never on the saddle */
    toy U = toy_make();
    U.quad = 1, U.x = 1.0, U.lr = 0.25;
    r.max_steps = 100, r.target = 1e-6;
    rep = run(&U, &r, FATE_OK);
    cr_assert(rep.converged && !rep.on_saddle);
}

Test(gd_run, oracle_error_and_bad_rules)
{
    toy T = toy_make();
    T.f = flat, T.error_check = 2;
    gd_rules r = rules_make(100, 0.0);
    run(&T, &r, FATE_ENUMERIC);
    cr_assert_eq(T.evals, 3);
    toy U = toy_make();
    U.f = flat;
    r.window_rule = GD_WINDOW_LAST, r.window = 0;
    run(&U, &r, FATE_EINVAL);
    cr_assert_eq(U.evals, 0);
}

/* ---- the pseudo-inverse ---- */

#define EPS 1e-12

Test(pinv_solve, rank_deficient_two_by_two)
{
    /* A = [[1, 1], [1, 1]] = 2 u u^T, u = (1, 1)/sqrt 2, so A^+ = A / 4:
     * x = A b / 4 = (1, 1) for b = (1, 3), b.A^+ b = (b_1 + b_2)^2 / 4 = 4 */
    double A[4] = {1, 1, 1, 1}, b[2] = {1, 3}, x[2], quad;
    size_t rank;
    cr_assert_eq(pinv_solve(x, &quad, &rank, A, b, 2, 1e-12), FATE_OK);
    cr_assert_eq(rank, 1);
    cr_assert_float_eq(x[0], 1.0, EPS);
    cr_assert_float_eq(x[1], 1.0, EPS);
    cr_assert_float_eq(quad, 4.0, EPS);
}

Test(pinv_solve, cutoff_drops_small_eigenvalues)
{
    /* diag(4, 1, 1e-8), b = (4, 2, 1): eigenvalue 1e-8 is 2.5e-9 of the top */
    const double D[9] = {4, 0, 0, 0, 1, 0, 0, 0, 1e-8}, b[3] = {4, 2, 1};
    double A[9], x[3], quad;
    size_t rank;
    memcpy(A, D, sizeof A);
    cr_assert_eq(pinv_solve(x, &quad, &rank, A, b, 3, 1e-6), FATE_OK);
    cr_assert_eq(rank, 2);
    cr_assert_float_eq(x[0], 1.0, EPS);
    cr_assert_float_eq(x[1], 2.0, EPS);
    cr_assert_float_eq(x[2], 0.0, EPS);
    cr_assert_float_eq(quad, 8.0, EPS); /* 16/4 + 4/1 */
    memcpy(A, D, sizeof A);
    cr_assert_eq(pinv_solve(x, &quad, &rank, A, b, 3, 1e-12), FATE_OK);
    cr_assert_eq(rank, 3);
    cr_assert_float_eq(x[2], 1e8, 1e8 * EPS);
    cr_assert_float_eq(quad, 8.0 + 1e8, 1e8 * EPS);
    /* quadratic form only (x NULL), rank only */
    memcpy(A, D, sizeof A);
    cr_assert_eq(pinv_solve(NULL, &quad, NULL, A, b, 3, 0.5), FATE_OK);
    cr_assert_float_eq(quad, 4.0, EPS); /* only the top eigenvalue kept */
}

Test(pinv_solve, zero_matrix_and_bad_size)
{
    double A[4] = {0}, b[2] = {1, 2}, x[2] = {7, 7};
    size_t rank = 9;
    cr_assert_eq(pinv_solve(x, NULL, &rank, A, b, 2, 1e-12), FATE_OK);
    cr_assert_eq(rank, 0);
    cr_assert_eq(x[0], 0.0);
    cr_assert_eq(x[1], 0.0);
    cr_assert_eq(pinv_solve(x, NULL, NULL, A, b, 0, 1e-12), FATE_EINVAL);
}

/* ---- the observer ---- */

typedef struct obs_log {
    size_t steps[64], n;
    double loss[64];
    size_t fail_at; /* the call that returns FATE_ENUMERIC */
} obs_log;

static fate_status obs_note(void *ctx, size_t steps, const gd_point *pt)
{
    obs_log *L = ctx;
    if (L->n == L->fail_at) return FATE_ENUMERIC;
    if (L->n < 64) L->steps[L->n] = steps, L->loss[L->n] = pt->loss;
    L->n++;
    return FATE_OK;
}

/* Step 0, every `every` updates and the last check (converged or out of
 * budget), nothing changed in the run; a mini-batch epoch's several updates
 * are shown at the first check past the mark; an error ends the run. */
Test(gd_run, observer_sees_every_k_and_the_last)
{
    toy T = toy_make();
    T.quad = 1, T.x = 1.0, T.lr = 0.25; /* converges at step 10 */
    obs_log L = {.fail_at = NEVER};
    gd_observer ob = {&L, 4, obs_note};
    gd_rules r = rules_make(1000, 1e-6);
    r.observer = &ob;
    gd_report rep = run(&T, &r, FATE_OK);
    cr_assert(rep.converged);
    cr_assert_eq(rep.steps, 10);
    cr_assert_eq(L.n, 4);
    const size_t want[] = {0, 4, 8, 10};
    for (size_t i = 0; i < 4; i++) cr_expect_eq(L.steps[i], want[i], "record %zu: step %zu", i, L.steps[i]);
    cr_expect_eq(L.loss[3], ldexp(1.0, -20));
    /* the budget's last check, and a step-0-only run */
    toy U = toy_make();
    U.f = flat;
    obs_log M = {.fail_at = NEVER};
    gd_observer ob2 = {&M, 3, obs_note};
    gd_rules r2 = rules_make(7, 0.0);
    r2.observer = &ob2;
    run(&U, &r2, FATE_OK);
    cr_assert_eq(M.n, 4); /* 0, 3, 6, 7 */
    cr_expect_eq(M.steps[3], 7);
    /* mini-batch epochs of 5 updates: marks at 0, 4, 8, 12 seen at 0, 5, 10, 15 */
    toy V = toy_make();
    V.f = flat, V.per_step = 5;
    obs_log N = {.fail_at = NEVER};
    gd_observer ob3 = {&N, 4, obs_note};
    gd_rules r3 = rules_make(15, 0.0);
    r3.observer = &ob3;
    run(&V, &r3, FATE_OK);
    cr_assert_eq(N.n, 4);
    cr_expect(N.steps[1] == 5 && N.steps[2] == 10 && N.steps[3] == 15);
    /* an error from the observer ends the run with it; every = 0 is refused */
    toy W = toy_make();
    W.f = flat;
    obs_log E = {.fail_at = 2};
    gd_observer ob4 = {&E, 1, obs_note};
    gd_rules r4 = rules_make(100, 0.0);
    r4.observer = &ob4;
    gd_report rw = run(&W, &r4, FATE_ENUMERIC);
    cr_expect_eq(rw.steps, 2);
    ob4.every = 0;
    run(&W, &r4, FATE_EINVAL);
}
