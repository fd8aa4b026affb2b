/* cmd_predict.c - `fate predict`: what predicts transfer? Every
 * transferability score, every closed-form distance and the feature-space
 * measures are ranked by how well they order task pairs by the true gain of
 * transfer, known exactly here (the theory) and measured (the simulation),
 * for linear transfer and fine-tuning, per family and pooled, with bootstrap
 * intervals (issue 16; THEORY.md section 12). The pairs run through the
 * experiment core (fate_run_instance, fate_transfer_features). */
#include <errno.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "fate.h"
#include "job.h"
#include "manifest.h"
#include "opt_table.h"
#include "options.h"
#include "predict.h"
#include "relu_job.h"
#include "stats.h"
#include "sweep_io.h"

static const char *C = "predict";

static const char *help_intro =
    "usage: fate predict [options]\n"
    "\n"
    "What predicts transfer? Task pairs with a known transfer gain T = R_scratch -\n"
    "R_method (the exact finite-size theory, and the simulation of fate run), for\n"
    "linear transfer (lt) and fine-tuning (ft), against every transferability\n"
    "score of fate_score.h computed on the pretrained network's features of the\n"
    "target set, every closed-form distance between the source and target joint\n"
    "laws of (x, y), and the feature-space measures. Families (each at every n):\n"
    "  angle         unit teachers at angle theta (the paper's)\n"
    "  scale         theta = 0, |beta_t| = c: the same feature, far apart\n"
    "  near-useless  theta = pi/2, |beta_s| = |beta_t| = a\n"
    "  k             k pretrained features, rho_par = cos^2(pi/4) = 1/2\n"
    "  top, tail     inputs with a power-law spectrum, teachers at angle theta in\n"
    "                its top or its tail (theta in [0, pi/2] of --theta)\n"
    "  relu2         two-layer ReLU networks (d = 10, m* = 4, m = 50, as fate phase\n"
    "                --model relu2), the source teacher without a fraction mu of\n"
    "                the target's neurons; labels: y above its median (simulation\n"
    "                only: no closed-form T, no closed-form distance)\n"
    "Every predictor is oriented so that larger predicts more transfer (distances\n"
    "and errors negated). For each family and for all pairs pooled: Spearman's rho\n"
    "and Kendall's tau-b with T, and their percentile bootstrap intervals over\n"
    "pairs.\n"
    "\n";

static const char *help_outro =
    "\n"
    "Writes in DIR: pairs.csv (one row per pair: family, param, n, the truths\n"
    "T_lt, T_lt_sem, T_lt_theory, T_ft, T_ft_sem, T_ft_theory, every predictor,\n"
    "score_nan (instance scores undefined), unconverged), correlation.csv (one row\n"
    "per predictor, group (a family or pooled) and truth: pairs, spearman,\n"
    "spearman_lo, spearman_hi, kendall, kendall_lo, kendall_hi), scatter_<name>\n"
    "figures (T_lt against each predictor, families in colour), report.md and\n"
    "index.html (the leaderboard and a paragraph per family), manifest.json.\n"
    "\n"
    "example: fate predict --d 50 --gamma 0.3,0.6,1.5 --instances 8 --out pred\n";

typedef struct pred_opts {
    size_t d, depth, instances, bootstrap;
    double sigma, alpha;
    uint64_t seed;
    int threads, quiet;
    unsigned plot;
    const char *out;
    double *gammas, *thetas, *scales, *nears, *ks, *mus;
    size_t ng, nt, ns, nn, nk, nmu;
} pred_opts;

#define F(field) offsetof(pred_opts, field)
#define NO_GIVEN (-1L)
static const opt_def OPTS[] = {
    {NULL, NULL, OPT_SECTION, 0, 0, NULL, NULL, "options:", 0, 0, NO_GIVEN, NULL, 0},
    {"--d", "D", OPT_SIZE, 4, 2000, NULL, "40", "input dimension, an integer in [4, 2000]", F(d), 0, NO_GIVEN, NULL,
     0},
    {"--depth", "L", OPT_SIZE, 2, 16, NULL, "2", "weight layers, an integer in [2, 16]", F(depth), 0, NO_GIVEN,
     NULL, 0},
    {"--sigma", "S", OPT_DOUBLE, 0, 1e3, "in (0, 1000]", "0.2", "label noise > 0 of both tasks", F(sigma), 0,
     NO_GIVEN, NULL, OPT_LO_OPEN},
    {"--gamma", "LIST", OPT_LIST, 0, 100, "in (0, 100]", "0.3,0.6,1.5",
     "target sizes n = round(gamma d) (each >= 4)", F(gammas), F(ng), NO_GIVEN, NULL, OPT_LO_OPEN},
    {"--theta", "LIST", OPT_ANGLES, 0, M_PI, "in [0, pi]", "0:pi:9", "angles of the angle, top and tail families",
     F(thetas), F(nt), NO_GIVEN, NULL, 0},
    {"--scale", "LIST", OPT_LIST, 0, 100, "in (0, 100]", "0.5:3:6", "target scales c of the scale family",
     F(scales), F(ns), NO_GIVEN, NULL, OPT_LO_OPEN},
    {"--near", "LIST", OPT_LIST, 0, 100, "in (0, 100]", "0.1:0.5:5", "amplitudes a of the near-useless family",
     F(nears), F(nn), NO_GIVEN, NULL, OPT_LO_OPEN},
    {"--k", "LIST", OPT_LIST, 1, 1e6, "integers in [1, d - 1]", "1,2,4,8", "pretrained features of the k family",
     F(ks), F(nk), NO_GIVEN, NULL, 0},
    {"--mu", "LIST", OPT_LIST, 0, 1, "in [0, 1]", "0:1:5", "fractions of the target's neurons the relu2 source lacks",
     F(mus), F(nmu), NO_GIVEN, NULL, 0},
    {"--alpha", "A", OPT_DOUBLE, 0, 10, "in [0, 10]", "1", "power law eig_i ~ i^-A of the top and tail families",
     F(alpha), 0, NO_GIVEN, NULL, 0},
    {"--instances", "K", OPT_SIZE, 2, 100000, NULL, "8", "instances per pair, an integer >= 2", F(instances), 0,
     NO_GIVEN, NULL, 0},
    {"--bootstrap", "B", OPT_SIZE, 10, 1000000, NULL, "1000", "bootstrap resamples of the pairs, >= 10",
     F(bootstrap), 0, NO_GIVEN, NULL, 0},
    {"--seed", "S", OPT_U64, 0, 0, NULL, "1", "random seed; instance i uses key (S, i)", F(seed), 0, NO_GIVEN, NULL,
     0},
    {NULL, NULL, OPT_SECTION, 0, 0, NULL, NULL,
     "                     (a LIST is a value, a comma list a,b,c or start:stop:count)", 0, 0, NO_GIVEN, NULL, 0},
    {"--threads", "T", OPT_THREADS, 0, 0, NULL, NULL,
     "OpenMP threads in " THREADS_RANGE " (default: all cores); results\nare identical for every thread count",
     F(threads), 0, NO_GIVEN, NULL, OPT_RUN},
    {"--out", "DIR", OPT_TEXT, 0, 0, "a folder name", "fate-predict", "output folder", F(out), 0, NO_GIVEN, NULL,
     OPT_RUN},
    {"--plot", "LIST", OPT_PLOT, 0, 0, NULL, "png", "figure formats: png, svg, pdf, or none", F(plot), 0, NO_GIVEN,
     NULL, OPT_RUN},
    {"--quiet", NULL, OPT_FLAG, 0, 0, NULL, NULL, "no progress on stderr", F(quiet), 0, NO_GIVEN, NULL, OPT_RUN}};
#undef F
static const opt_table TABLE = {"predict", "fate predict --help", OPTS, sizeof OPTS / sizeof OPTS[0], NULL, NULL};

/* The n of every gamma and the k list as integers; -1 after one line. */
static int finish_opts(const pred_opts *o, size_t *n, size_t *k)
{
    for (size_t i = 0; i < o->ng; i++) {
        const double v = round(o->gammas[i] * (double)o->d);
        if (v < 4 || v > 100000) {
            cli_error(C, "--gamma must give n = round(gamma d) in [4, 100000], got n = %.0f (gamma %g, d = %zu)", v,
                      o->gammas[i], o->d);
            return -1;
        }
        n[i] = (size_t)v;
    }
    for (size_t i = 0; i < o->nk; i++) {
        if (o->ks[i] != floor(o->ks[i]) || o->ks[i] > (double)(o->d - 1)) {
            cli_error(C, "--k must hold integers in [1, d - 1 = %zu], got %g", o->d - 1, o->ks[i]);
            return -1;
        }
        k[i] = (size_t)o->ks[i];
    }
    /* the power law must be representable at d before any output exists */
    double *eig = malloc(o->d * sizeof *eig);
    const int ok = eig && fate_spectrum_powerlaw(eig, o->d, o->alpha) == FATE_OK;
    free(eig);
    if (!ok) {
        cli_error(C, "--alpha %g: an eigenvalue of the power law underflows at d = %zu (use a smaller --alpha)",
                  o->alpha, o->d);
        return -1;
    }
    return 0;
}

static void progress(size_t done, size_t total, double t0, int show)
{
    if (!show) return;
    const double el = wall_now() - t0, eta = done ? el * (double)(total - done) / (double)done : 0.0;
    fprintf(stderr, "\rfate predict: work items %zu/%zu (%.0f%%), %.0fs, ETA %dm%02ds   ", done, total,
            100.0 * (double)done / (double)total, el, (int)(eta / 60), (int)fmod(eta, 60));
    if (done == total) fputc('\n', stderr);
}

/* Every (pair, instance) as one work item for the OpenMP threads (BLAS
 * single-threaded inside: results do not depend on the thread count). T
 * (np, K) of lt and ft, sc (np, K, NPRED). 0, or -1 after one line. */
static int run_items(predict_run *r, double *Tlt, double *Tft, double *sc, int *unc, int threads, int quiet)
{
    const size_t K = r->ps.K, total = r->np * K;
    fate_status *st = calloc(total + 1, sizeof *st);
    if (!st) {
        cli_error(C, "out of memory for %zu work items", total);
        return -1;
    }
    const int show = isatty(2) && !quiet, nt = threads > 0 ? threads : omp_get_max_threads();
    const int levels = omp_get_max_active_levels(), blas = fate_blas_threads(1);
    const double t0 = wall_now();
    size_t done = 0;
    omp_set_max_active_levels(1);
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt < FATE_MAX_THREADS ? nt : FATE_MAX_THREADS)
    for (size_t it = 0; it < total; it++) {
        st[it] = predict_instance(&Tlt[it], &Tft[it], &sc[it * NPRED], &unc[it], &r->P[it / K], it % K);
#pragma omp critical(fate_predict_progress)
        progress(++done, total, t0, show);
    }
    omp_set_max_active_levels(levels);
    fate_blas_threads(blas);
    int rc = 0;
    for (size_t it = 0; it < total && !rc; it++)
        if (st[it] != FATE_OK) {
            const pred_pair *p = &r->P[it / K];
            cli_error(C, "pair %s (param %g, n = %zu), instance %zu failed: %s%s", PF_NAME[p->fam], p->param,
                      p->spec.n, it % K, fate_strerror(st[it]),
                      st[it] == FATE_EDIVERGED ? " (try smaller --scale or --near values)" : "");
            rc = -1;
        }
    free(st);
    return rc;
}

/* Means over instances: the simulated T with its standard error, and each
 * score over its finite values (a score undefined on an instance, e.g. n at
 * or below the feature count for leave-one-out, is left out and counted). */
static int aggregate(predict_run *r, const double *Tlt, const double *Tft, const double *sc, const int *unc)
{
    const size_t K = r->ps.K;
    double *col = malloc(K * sizeof *col);
    if (!col) {
        cli_error(C, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < r->np; i++) {
        pred_pair *p = &r->P[i];
        const sample_stat a = stats_of(Tlt + i * K, K), b = stats_of(Tft + i * K, K);
        p->truth[T_LT_SIM] = a.mean, p->truth_sem[T_LT_SIM] = a.se;
        p->truth[T_FT_SIM] = b.mean, p->truth_sem[T_FT_SIM] = b.se;
        p->truth_sem[T_LT_TH] = p->truth_sem[T_FT_TH] = 0.0;
        for (size_t j = 0; j < K; j++) p->unconverged += (size_t)unc[i * K + j];
        for (size_t k = 0; k < NPRED; k++) {
            /* scores per instance; relu2's feature measures too (random teachers) */
            if (k >= P_FIRST_DIST && !(p->fam == PF_RELU && (k == P_PROJ || k == P_RESID))) continue;
            for (size_t j = 0; j < K; j++) col[j] = sc[(i * K + j) * NPRED + k];
            const sample_stat s = stats_finite(col, K);
            if (k < P_FIRST_DIST) p->score_nan += K - s.n;
            p->v[k] = s.n ? s.mean : NAN;
        }
        r->score_nan += p->score_nan;
        r->unconverged += p->unconverged;
    }
    free(col);
    return 0;
}

/* Every (group, truth, predictor): rho, tau and their bootstrap intervals;
 * the resamples of a group share their draws across predictors (stream by
 * group and truth), so the predictors are compared on the same resamples.
 * -1 when out of memory. */
static int correlate(predict_run *r)
{
    double *x = malloc((2 * r->np + 1) * sizeof *x), *y = x ? x + r->np : NULL;
    if (!x) {
        cli_error(C, "out of memory");
        return -1;
    }
    for (size_t g = 0; g < N_GROUP; g++)
        for (size_t t = 0; t < NTRUTH; t++)
            for (size_t k = 0; k < NPRED; k++) {
                size_t m = 0;
                for (size_t i = 0; i < r->np; i++)
                    if (g == G_POOLED || (size_t)r->P[i].fam == g) x[m] = r->P[i].v[k], y[m] = r->P[i].truth[t], m++;
                r->fam_pairs[g] = m;
                if (rank_bootstrap(&r->corr[g][t][k], x, y, m, r->B, r->ps.seed, FATE_STREAM_USER + 40 + g * 8 + t)) {
                    cli_error(C, "out of memory in the bootstrap");
                    free(x);
                    return -1;
                }
            }
    free(x);
    return 0;
}

static int run(predict_run *r, const pred_opts *o, const size_t *n, const size_t *k)
{
    double *eig = malloc(o->d * sizeof *eig);
    if (!eig || fate_spectrum_powerlaw(eig, o->d, o->alpha) != FATE_OK) { /* checked in finish_opts */
        free(eig);
        cli_error(C, "out of memory at d = %zu", o->d);
        return FATE_EXIT_RUNTIME;
    }
    r->ps = (pred_setup){o->d, o->depth, o->instances, o->sigma, o->alpha, o->seed, eig};
    const pred_lists L = {o->thetas, o->scales, o->nears, o->mus, k, n, o->nt, o->ns, o->nn, o->nmu, o->nk, o->ng};
    fate_relu_spec rbase;
    relu_default_spec(&rbase);
    r->P = predict_make_pairs(&r->np, &r->ps, &L, &rbase);
    const size_t K = o->instances, items = r->np * K;
    double *Tlt = malloc((items + 1) * sizeof *Tlt), *Tft = malloc((items + 1) * sizeof *Tft);
    double *sc = malloc((items * NPRED + 1) * sizeof *sc);
    int *unc = calloc(items + 1, sizeof *unc), rc = FATE_EXIT_RUNTIME, frc = 0;
    if (!r->P || !Tlt || !Tft || !sc || !unc) cli_error(C, "out of memory for %zu pairs x %zu instances", r->np, K);
    else {
        for (size_t i = 0; i < r->np; i++) predict_exact(&r->P[i], &r->ps);
        if (run_items(r, Tlt, Tft, sc, unc, o->threads, o->quiet) == 0) {
            rc = aggregate(r, Tlt, Tft, sc, unc) == 0 && correlate(r) == 0 && predict_write(r, &frc) == 0 && !frc
                     ? 0
                     : FATE_EXIT_RUNTIME;
        }
    }
    free(Tlt); free(Tft); free(sc); free(unc); free(eig);
    return rc;
}

static void print_help(void)
{
    fputs(help_intro, stdout);
    opt_table_help(stdout, &TABLE);
    fputs(help_outro, stdout);
}

int cmd_predict(int argc, char **argv)
{
    pred_opts o;
    memset(&o, 0, sizeof o);
    if (opt_table_defaults(&TABLE, &o)) return FATE_EXIT_RUNTIME;
    int pr = opt_table_parse(&TABLE, &o, argc, argv, 1, NULL);
    if (pr == 1) print_help();
    size_t *n = calloc(o.ng + 1, sizeof *n), *k = calloc(o.nk + 1, sizeof *k);
    if (pr == 0 && (!n || !k || finish_opts(&o, n, k))) pr = -1;
    if (pr != 0) {
        free(n); free(k);
        opt_table_free(&TABLE, &o);
        return pr > 0 ? 0 : FATE_EXIT_USAGE;
    }
    int rc = job_folder_open(C, o.out);
    if (rc) { free(n); free(k); opt_table_free(&TABLE, &o); return rc; }
    manifest man;
    manifest_begin(&man, o.out, "predict", opt_table_result_args(&TABLE, argc, argv, 1), NULL, NULL);
    predict_run r;
    memset(&r, 0, sizeof r);
    r.out = o.out, r.plot = o.plot, r.B = o.bootstrap;
    rc = run(&r, &o, n, k);
    if (manifest_end(&man, rc == 0 ? "complete" : "failed", &r.files) != 0 && rc == 0) rc = FATE_EXIT_RUNTIME;
    if (rc == 0) {
        printf("fate predict: %zu pairs, %zu instances each, in %s\n", r.np, o.instances, o.out);
        for (size_t i = 0; i < r.files.n; i++) printf("  %s\n", r.files.paths[i]);
        printf("  %s/manifest.json\n", o.out);
    }
    file_list_free(&r.files);
    free(r.P); free(n); free(k);
    opt_table_free(&TABLE, &o);
    return rc;
}
