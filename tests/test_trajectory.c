/* test_trajectory.c - learning curves (fate_run_trajectory over gd_run's
 * observer), the early-stopped scratch baseline and pretraining's depth-2
 * theory (THEORY.md section 9) against the NumPy reference
 * tests/ref/saxe_ref.csv (tests/ref/make_saxe_ref.py) and the simulation. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fate.h"
#include "testutil.h"

static fate_spec spec_small(size_t d, size_t n, size_t depth)
{
    fate_spec s;
    fate_spec_default(&s);
    s.d = d;
    s.n = n;
    s.depth = depth;
    s.methods = FATE_METHODS_ALL;
    return s;
}

/* Records equal field by field (the struct has padding). */
static int same_points(const fate_traj_point *a, const fate_traj_point *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i].method != b[i].method || a[i].step != b[i].step ||
            memcmp(&a[i].risk, &b[i].risk, 4 * sizeof(double)) != 0)
            return 0;
    return 1;
}

static void same_result(const fate_method_result *a, const fate_method_result *b, const char *what)
{
    cr_expect(memcmp(&a->risk, &b->risk, sizeof a->risk) == 0, "%s risk %.17g vs %.17g", what, a->risk, b->risk);
    cr_expect(a->steps == b->steps, "%s steps %zu vs %zu", what, a->steps, b->steps);
    cr_expect(a->train_loss == b->train_loss || (isnan(a->train_loss) && isnan(b->train_loss)), "%s train_loss",
              what);
    cr_expect(a->balance == b->balance || (isnan(a->balance) && isnan(b->balance)), "%s balance", what);
}

/* Observing changes nothing: the trajectory's results are fate_run_instance's
 * bit for bit, at depth 2 (Gram form) and 3 (weights), every method. */
static void check_same(size_t depth)
{
    fate_spec s = spec_small(24, 12, depth);
    s.max_epochs = 3000;
    const size_t every = 7, cap = fate_trajectory_cap(&s, every);
    cr_assert_gt(cap, 0);
    fate_traj_point *pts = malloc(cap * sizeof *pts);
    fate_instance_result a, b;
    size_t count = 0;
    cr_assert_eq(fate_run_instance(&a, &s, 3, NULL, NULL), FATE_OK);
    cr_assert_eq(fate_run_trajectory(pts, cap, &count, &b, &s, 3, every, NULL, NULL), FATE_OK);
    same_result(&a.pretrain, &b.pretrain, "pretrain");
    same_result(&a.scratch, &b.scratch, "scratch");
    same_result(&a.lt, &b.lt, "lt");
    same_result(&a.ft, &b.ft, "ft");
    same_result(&a.lpft, &b.lpft, "lpft");
    same_result(&a.l2sp, &b.l2sp, "l2sp");
    same_result(&a.ridge, &b.ridge, "ridge");
    same_result(&a.ridge_cv, &b.ridge_cv, "ridge_cv");
    same_result(&a.early_stop, &b.early_stop, "early_stop");
    cr_expect(a.early_stop_step == b.early_stop_step);
    cr_expect(a.ft_c == b.ft_c && a.lpft_c == b.lpft_c);
    /* every GD method: step 0, the multiples of every, the last step = the
     * result's steps and its risk (the same product at depth 2; at depth 3
     * the fused forward pass and fate_dln_product may differ in the last
     * bits); ft's c at the end = ft_c (projection vs projector, 1e-9) */
    const unsigned gd[] = {0, FATE_METHOD_SCRATCH, FATE_METHOD_FT, FATE_METHOD_LPFT};
    const fate_method_result *res[] = {&b.pretrain, &b.scratch, &b.ft, &b.lpft};
    for (size_t g = 0; g < 4; g++) {
        size_t n = 0, last = 0;
        const fate_traj_point *lp = NULL;
        for (size_t r = 0; r < count; r++) {
            if (pts[r].method != gd[g]) continue;
            if (n == 0) cr_expect_eq(pts[r].step, 0);
            else if (lp) cr_expect(pts[r].step % every == 0 || r + 1 == count || pts[r + 1].method != gd[g],
                                   "method %u step %zu", gd[g], pts[r].step);
            lp = &pts[r];
            last = pts[r].step;
            n++;
        }
        cr_assert(lp && n >= 2, "method %u has %zu records", gd[g], n);
        cr_expect_eq(last, res[g]->steps, "method %u last %zu vs %zu", gd[g], last, res[g]->steps);
        cr_expect(close_to(lp->risk, res[g]->risk, 0, depth == 2 ? 0 : 1e-12), "method %u risk %.17g vs %.17g",
                  gd[g], lp->risk, res[g]->risk);
        if (gd[g] == FATE_METHOD_FT) cr_expect(close_to(lp->c, b.ft_c, 1e-9, 1e-9), "c %.17g vs %.17g", lp->c, b.ft_c);
        if (gd[g] == FATE_METHOD_LPFT)
            cr_expect(close_to(lp->c, b.lpft_c, 1e-9, 1e-9), "c %.17g vs %.17g", lp->c, b.lpft_c);
    }
    free(pts);
}

Test(trajectory, same_results_depth2) { check_same(2); }
Test(trajectory, same_results_depth3) { check_same(3); }

/* A buffer too small: FATE_ENOMEM, the records that fit, and the count
 * needed; the cap function's bound is enough. */
Test(trajectory, small_buffer)
{
    fate_spec s = spec_small(16, 8, 2);
    s.methods = FATE_METHOD_SCRATCH;
    fate_traj_point pts[4];
    size_t count = 0, cnt2 = 0;
    cr_assert_eq(fate_run_trajectory(pts, 4, &count, NULL, &s, 0, 1, NULL, NULL), FATE_ENOMEM);
    cr_assert_gt(count, 4);
    fate_traj_point *all = malloc(fate_trajectory_cap(&s, 1) * sizeof *all);
    cr_assert_eq(fate_run_trajectory(all, fate_trajectory_cap(&s, 1), &cnt2, NULL, &s, 0, 1, NULL, NULL), FATE_OK);
    cr_expect_eq(cnt2, count);
    cr_expect(same_points(all, pts, 4));
    cr_expect_eq(fate_run_trajectory(pts, 4, &count, NULL, &s, 0, 0, NULL, NULL), FATE_EINVAL);
    cr_expect_eq(fate_trajectory_cap(&s, 0), 0);
    free(all);
}

/* The parallel driver is the same for every thread count. */
Test(trajectory, threads_identical)
{
    fate_spec s = spec_small(16, 8, 2);
    s.methods = FATE_METHOD_SCRATCH | FATE_METHOD_FT;
    const size_t K = 4, cap = fate_trajectory_cap(&s, 5);
    fate_traj_point *p1 = calloc(K * cap, sizeof *p1), *p2 = calloc(K * cap, sizeof *p2);
    size_t c1[4], c2[4];
    cr_assert_eq(fate_run_trajectories(p1, cap, c1, NULL, &s, 0, K, 5, 1, NULL, NULL, NULL), FATE_OK);
    cr_assert_eq(fate_run_trajectories(p2, cap, c2, NULL, &s, 0, K, 5, 3, NULL, NULL, NULL), FATE_OK);
    cr_expect(memcmp(c1, c2, sizeof c1) == 0);
    for (size_t i = 0; i < K; i++) cr_expect(same_points(p1 + i * cap, p2 + i * cap, c1[i]));
    free(p1);
    free(p2);
}

/* Early stopping (simulation only): never worse than scratch on any
 * instance (the last step is among those checked), and clearly better at
 * the double-descent peak gamma = 1 with noise sigma = 0.5, where
 * unregularised scratch interpolates the noise. */
Test(early_stop, below_scratch_at_the_peak)
{
    fate_spec s = spec_small(40, 40, 2);
    s.sigma = 0.5;
    s.methods = FATE_METHOD_SCRATCH | FATE_METHOD_EARLY_STOP;
    enum { K = 12 };
    fate_instance_result r[K];
    cr_assert_eq(fate_run(r, &s, 0, K, 0, NULL, NULL, NULL), FATE_OK);
    double gain[K];
    for (size_t i = 0; i < K; i++) {
        cr_expect(r[i].early_stop.risk <= r[i].scratch.risk, "instance %zu: %.17g > %.17g", i, r[i].early_stop.risk,
                  r[i].scratch.risk);
        cr_expect(r[i].early_stop_step <= r[i].scratch.steps);
        gain[i] = r[i].scratch.risk - r[i].early_stop.risk;
    }
    const double m = mean_of(gain, K), se = sem_of(gain, K);
    cr_log_info("gamma 1, sigma 0.5, d 40, %d instances: scratch - early_stop = %.4f +- %.4f", K, m, se);
    cr_expect(m > 3.0 * se && m > 1.0, "scratch - early_stop = %.4f +- %.4f", m, se);
    /* one training: scratch is the same with or without early_stop */
    s.methods = FATE_METHOD_SCRATCH;
    fate_instance_result q;
    cr_assert_eq(fate_run(&q, &s, 5, 1, 1, NULL, NULL, NULL), FATE_OK);
    cr_expect(memcmp(&q.scratch, &r[5].scratch, sizeof q.scratch) == 0);
    /* alone, it trains scratch itself: the same early-stopped result */
    s.methods = FATE_METHOD_EARLY_STOP;
    cr_assert_eq(fate_run(&q, &s, 5, 1, 1, NULL, NULL, NULL), FATE_OK);
    cr_expect(memcmp(&q.early_stop, &r[5].early_stop, sizeof q.early_stop) == 0);
    cr_expect_eq(q.early_stop_step, r[5].early_stop_step);
}

/* fate_theory_saxe against the independent NumPy reference (1e-12
 * relative: both iterate the same map, or evaluate the same logistic). */
Test(saxe, against_numpy_reference)
{
    FILE *f = fopen(FATE_REF_DIR "/saxe_ref.csv", "r");
    cr_assert_not_null(f, "tests/ref/saxe_ref.csv (run tests/ref/make_saxe_ref.py)");
    char line[512];
    cr_assert_not_null(fgets(line, sizeof line, f));
    size_t rows = 0;
    while (fgets(line, sizeof line, f)) {
        double v[8];
        char *p = line;
        for (int k = 0; k < 8; k++) {
            v[k] = strtod(p, &p);
            if (*p == ',') p++;
        }
        const size_t step = (size_t)v[6];
        double u;
        cr_assert_eq(fate_theory_saxe(&u, &step, 1, v[1], v[2], v[3], (int)v[4], (int)v[5]), FATE_OK);
        cr_expect(close_to(u, v[7], 1e-300, 1e-12), "row %zu: %.17g vs %.17g", rows, u, v[7]);
        rows++;
    }
    fclose(f);
    cr_assert_eq(rows, 112);
}

static double spec_a_s(const fate_spec *s) { return s->source_scale > 0.0 ? s->source_scale : 1.0; }

/* u = <beta, beta_s_hat> of the simulated pretraining: s - sqrt(risk) while
 * u < s (the orthogonal part of beta stays at the init's scale, ~1e-10). */
static size_t sim_u(double *u, size_t *steps, size_t cap, const fate_spec *s, uint64_t inst)
{
    fate_traj_point *pts = malloc(fate_trajectory_cap(s, 1) * sizeof *pts);
    size_t count = 0, n = 0;
    cr_assert_eq(fate_run_trajectory(pts, fate_trajectory_cap(s, 1), &count, NULL, s, inst, 1, NULL, NULL), FATE_OK);
    for (size_t r = 0; r < count && n < cap; r++)
        if (pts[r].method == 0) {
            steps[n] = pts[r].step;
            u[n++] = spec_a_s(s) - sqrt(pts[r].risk);
        }
    free(pts);
    return n;
}

/* The first step where u >= s/2 (linear interpolation between steps). */
static double half_time(const double *u, const size_t *steps, size_t n, double s)
{
    for (size_t i = 1; i < n; i++)
        if (u[i] >= 0.5 * s) return (double)steps[i - 1] + (0.5 * s - u[i - 1]) / (u[i] - u[i - 1]);
    return NAN;
}

/* Pretraining at depth 2 with an infinite source follows the GD map from
 * the init's u0: max |u_sim - u_map| / s <= 1e-6 over the curve from step
 * 10 (by then the shrinking mode p - w_2 has died by (1 - 2 lr s)^10 =
 * 0.6^10 relative to the growing one's 1.4^10; what is left is the init's
 * orthogonal part, O(alpha)); the time to s/2 within 0.05 steps. The
 * gradient flow at tau = lr t is 16% early at lr = 0.2 (2 ln 1.4 / 0.8 =
 * 0.84) and within 2% at lr = 0.01. */
static void check_saxe(double lr, double as, int flow)
{
    fate_spec s = spec_small(50, 25, 2);
    s.methods = FATE_METHOD_LT;
    s.lr = lr;
    s.source_scale = as;
    s.max_epochs = 20000;
    enum { CAP = 20001 };
    double *u = malloc(CAP * sizeof *u), *th = malloc(CAP * sizeof *th);
    size_t *steps = malloc(CAP * sizeof *steps);
    for (uint64_t inst = 0; inst < 3; inst++) {
        const size_t n = sim_u(u, steps, CAP, &s, inst);
        double u0, sv, lr0;
        int auto_lr;
        cr_assert_eq(fate_pretrain_u0(&u0, &sv, &lr0, &auto_lr, &s, inst), FATE_OK);
        cr_assert_eq(fate_theory_saxe(th, steps, n, sv, u0, lr0, auto_lr, !flow), FATE_OK);
        double worst = 0.0;
        for (size_t i = 0; i < n; i++)
            if (steps[i] >= 10) worst = fmax(worst, fabs(u[i] - th[i]) / sv);
        const double t_sim = half_time(u, steps, n, sv), t_th = half_time(th, steps, n, sv);
        cr_log_info("lr %g a_s %g inst %llu: max |u_sim - u_%s|/s = %.3g, half time %.3f (sim) %.3f (theory)", lr, as,
                    (unsigned long long)inst, flow ? "flow" : "map", worst, t_sim, t_th);
        if (!flow) {
            cr_expect(worst <= 1e-6, "lr %g a_s %g inst %llu: max |du|/s = %.3g", lr, as, (unsigned long long)inst,
                      worst);
            cr_expect(fabs(t_sim - t_th) <= 0.05, "half time %.3f vs %.3f", t_sim, t_th);
        } else {
            cr_expect(fabs(t_sim - t_th) <= 0.02 * t_sim, "flow half time %.3f vs %.3f", t_sim, t_th);
        }
    }
    free(u);
    free(th);
    free(steps);
}

Test(saxe, simulation_follows_the_map) { check_saxe(0.0, 0.0, 0); }
Test(saxe, simulation_follows_the_map_fixed_lr_other_norm) { check_saxe(0.05, 1.5, 0); }
Test(saxe, gradient_flow_at_small_lr) { check_saxe(0.01, 0.0, 1); }
