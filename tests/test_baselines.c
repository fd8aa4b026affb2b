/* test_baselines.c - the baselines T is measured against beyond the paper's
 * unregularised scratch run (THEORY.md section 8, "Against a tuned
 * baseline"): ridge at the oracle lambda* (method_ridge.c) never above the
 * unregularised risk, in theory and in simulation, and within 3 standard
 * errors of its theory; ridge by leave-one-out not below the oracle; and the
 * two consequences section 8 derives: linear transfer of orthogonal features
 * loses to the tuned ridge at every gamma (the anomalous band is the
 * unregularised baseline's), and parameter transfer at its optimal lambda
 * beats the tuned ridge exactly when theta < pi/3. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "fate.h"
#include "testutil.h"

static const double PSIS[] = {0.2, 0.5, 0.8, 0.95, 1.05, 1.25, 2.0, 5.0};
static const double SIGMAS[] = {0.1, 0.2, 0.5, 1.0};
#define NPSI (sizeof PSIS / sizeof PSIS[0])
#define NSIG (sizeof SIGMAS / sizeof SIGMAS[0])

/* Tuning can only help: R(lambda*) <= R(0) = the min-norm / least-squares
 * risk (fate_theory_scratch at gamma = 1/psi), strictly with noise, and the
 * tuned risk stays finite at gamma = 1 where the unregularised one does not. */
Test(baselines, theory_tuned_ridge_never_above_unregularised)
{
    for (size_t a = 0; a < NPSI; a++)
        for (size_t b = 0; b < NSIG; b++) {
            const double psi = PSIS[a], s = SIGMAS[b], lam = fate_theory_ridge_lambda_opt(psi, s, 1.0);
            const double tuned = fate_theory_ridge(psi, lam, s, 1.0), plain = fate_theory_ridge(psi, 0.0, s, 1.0);
            cr_expect(close_to(lam, s * s * psi, 0.0, 1e-15), "lambda* = sigma^2 psi");
            cr_expect(close_to(plain, fate_theory_scratch(1.0 / psi, s), 1e-15, 1e-12), "psi %g sigma %g", psi, s);
            cr_expect_lt(tuned, plain, "psi %g sigma %g: tuned %g, unregularised %g", psi, s, tuned, plain);
            cr_expect_lt(tuned, 1.0, "below the null estimator's risk |beta_t|^2 = 1");
        }
    cr_expect(isfinite(fate_theory_ridge(1.0, 0.04, 0.2, 1.0)));
    cr_expect(isinf(fate_theory_scratch(1.0, 0.2)));
    /* sigma = 0: lambda* = 0, the tuned ridge is the min-norm interpolator */
    cr_expect_eq(fate_theory_ridge_lambda_opt(2.0, 0.0, 1.0), 0.0);
}

/* THEORY.md section 8: at theta = pi/2 the pretrained feature is orthogonal
 * to beta_t, R_lt >= |beta_t|^2 = 1 > R_ridge(lambda*), so T_lt < 0 against
 * the tuned ridge at every gamma, also inside the band where it is > 0
 * against the unregularised scratch run. */
Test(baselines, theory_anomalous_band_is_the_baselines)
{
    double glo, ghi, gover;
    fate_theory_lt_boundary(&glo, &ghi, &gover, M_PI / 2, 0.2);
    cr_assert(isfinite(ghi) && isfinite(gover) && ghi < gover, "the band exists at sigma = 0.2");
    for (double g = 0.1; g < 3.0; g += 0.01) {
        fate_theory_point p = {.gamma = g, .theta = M_PI / 2, .sigma = 0.2, .depth = 2};
        cr_assert_eq(fate_theory_eval(&p), FATE_OK);
        const double ridge = fate_theory_ridge(1.0 / g, fate_theory_ridge_lambda_opt(1.0 / g, 0.2, 1.0), 0.2, 1.0);
        cr_expect_gt(p.R_lt, ridge, "gamma %g: R_lt %g vs tuned ridge %g", g, p.R_lt, ridge);
        if (g > ghi + 1e-9 && g < gover - 1e-9) cr_expect_gt(p.T_lt, 0.0, "gamma %g inside the band", g);
    }
}

/* THEORY.md section 8: the risk at the optimal lambda is increasing in r2
 * (for every lambda the bias is r2 times a positive factor), so parameter
 * transfer (r2 = 2 - 2 cos theta) beats the tuned ridge (r2 = 1) iff
 * cos theta > 1/2, at every gamma and noise level. */
Test(baselines, theory_l2sp_beats_tuned_ridge_iff_theta_below_pi_3)
{
    for (size_t a = 0; a < NPSI; a++)
        for (size_t b = 0; b < NSIG; b++)
            for (double th = 0.05; th < M_PI / 2; th += 0.05) {
                const double psi = PSIS[a], s = SIGMAS[b], r2 = 2.0 - 2.0 * cos(th);
                const double l2sp = fate_theory_ridge(psi, fate_theory_ridge_lambda_opt(psi, s, r2), s, r2);
                const double ridge = fate_theory_ridge(psi, fate_theory_ridge_lambda_opt(psi, s, 1.0), s, 1.0);
                if (fabs(th - M_PI / 3) < 1e-3) continue;
                cr_expect_eq(l2sp < ridge, th < M_PI / 3, "psi %g sigma %g theta %g: l2sp %g ridge %g", psi, s, th,
                             l2sp, ridge);
            }
}

typedef struct sims {
    size_t k;
    fate_instance_result *r;
    fate_spec_theory th;
} sims;

static void run_k(sims *o, size_t d, size_t n, double sigma, size_t k)
{
    fate_spec s;
    fate_spec_default(&s);
    s.d = d, s.n = n, s.sigma = sigma, s.seed = 11;
    s.methods = FATE_METHOD_SCRATCH | FATE_METHOD_RIDGE | FATE_METHOD_RIDGE_CV;
    o->k = k;
    o->r = calloc(k, sizeof *o->r);
    cr_assert_eq(fate_run(o->r, &s, 0, k, 0, NULL, NULL, NULL), FATE_OK);
    cr_assert_eq(fate_spec_theory_eval(&o->th, &s), FATE_OK);
}

/* d = 100, sigma = 0.5 at gamma 0.5, 0.9, 1.5 (200 instances): the tuned
 * ridge follows its theory within 3 standard errors plus 1/d relative (the
 * limit formula's O(1/d) bias, as for l2sp in test_l2sp.c), it is below
 * the scratch run on average by more than 3 standard errors of the paired
 * difference (most near gamma = 1), and leave-one-out, which chooses lambda
 * from the target set alone, does not beat the oracle by 3 standard errors. */
Test(baselines, simulation_tuned_ridges, .timeout = 300)
{
    const size_t d = 100, ns[] = {50, 90, 150}, K = 200;
    for (size_t a = 0; a < 3; a++) {
        sims o;
        run_k(&o, d, ns[a], 0.5, K);
        double *ridge = dalloc(K), *gain = dalloc(K), *cv = dalloc(K);
        for (size_t i = 0; i < K; i++) {
            ridge[i] = o.r[i].ridge.risk;
            gain[i] = o.r[i].scratch.risk - o.r[i].ridge.risk;
            cv[i] = o.r[i].ridge_cv.risk - o.r[i].ridge.risk;
        }
        const double m = mean_of(ridge, K), se = sem_of(ridge, K);
        cr_log_info("n %zu: ridge %.4f +- %.4f, theory %.4f; scratch - ridge %.4f +- %.4f; cv - ridge %.4f +- %.4f",
                    ns[a], m, se, o.th.ridge, mean_of(gain, K), sem_of(gain, K), mean_of(cv, K), sem_of(cv, K));
        cr_expect_leq(fabs(m - o.th.ridge), 3.0 * se + o.th.ridge / (double)d, "n %zu: %g +- %g vs theory %g", ns[a],
                      m, se, o.th.ridge);
        cr_expect_gt(mean_of(gain, K), 3.0 * sem_of(gain, K), "n %zu: tuning does not help", ns[a]);
        cr_expect_gt(mean_of(cv, K), -3.0 * sem_of(cv, K), "n %zu: leave-one-out beats the oracle", ns[a]);
        free(ridge), free(gain), free(cv), free(o.r);
    }
}

/* sigma = 0: lambda* = 0 and the tuned ridge is the minimum-norm solution,
 * whose exact finite-size mean the theory states; it equals the scratch
 * run's (which GD from small initialisation reaches) to GD's tolerance. */
Test(baselines, simulation_noise_free_is_min_norm, .timeout = 120)
{
    sims o;
    run_k(&o, 40, 16, 0.0, 100);
    cr_expect_eq(o.th.ridge_lambda, 0.0);
    cr_expect(close_to(o.th.ridge, fate_theory_ridge_exact(16, 40, 0.0, 1.0), 0.0, 1e-15));
    double worst = 0.0;
    for (size_t i = 0; i < o.k; i++) worst = fmax(worst, fabs(o.r[i].ridge.risk - o.r[i].scratch.risk));
    cr_expect_leq(worst, 1e-3, "min-norm vs scratch GD: %g", worst);
    free(o.r);
}
