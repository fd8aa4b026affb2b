/* reproduce_beyond.c - `fate reproduce`'s "Beyond the paper" (issue 14):
 * at the paper's sigma = 0.2, every transfer method (lt, ft, LP-FT,
 * parameter transfer) against the oracle-tuned ridge rather than the
 * unregularised scratch run: the four phase maps, T of every method at
 * theta = pi/8, pi/4, 3pi/8, the map of the best method, and a paragraph of
 * what changes in the paper's picture, each number computed from the run
 * (THEORY.md section 8). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "par.h"
#include "reproduce.h"

#define TRANSFER (FATE_METHOD_LT | FATE_METHOD_FT | FATE_METHOD_LPFT | FATE_METHOD_L2SP)

const summary_row *repro_find(const summary_row *rows, size_t n, size_t j, size_t t, const char *m)
{
    for (size_t i = 0; i < n; i++)
        if (rows[i].gamma_index == j && rows[i].theta_index == t && !strcmp(rows[i].method, m)) return &rows[i];
    return NULL;
}

size_t nearest_angle(const double *x, size_t n, double a)
{
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (fabs(x[i] - a) < fabs(x[best] - a)) best = i;
    return best;
}

const char *plot_ext(unsigned f)
{
    return fate_plot_extension(f & FATE_PLOT_PNG ? FATE_PLOT_PNG : f & FATE_PLOT_SVG ? FATE_PLOT_SVG : FATE_PLOT_PDF);
}

/* The maps, the three slices and the winner map; nonzero if one failed. */
static int beyond_figures(ctx *c, const sweep_view *v, const char *dir)
{
    static const unsigned ms[4] = {FATE_METHOD_LT, FATE_METHOD_FT, FATE_METHOD_LPFT, FATE_METHOD_L2SP};
    static const double angles[3] = {M_PI / 8, M_PI / 4, 3 * M_PI / 8};
    static const char *const names[3] = {"pi8", "pi4", "3pi8"}, *const text[3] = {"π/8", "π/4", "3π/8"};
    const unsigned f = c->o->plot;
    int frc = 0;
    char stem[64], title[160];
    for (int k = 0; k < 4; k++) {
        snprintf(stem, sizeof stem, "phase_%s", fate_method_name(ms[k]));
        frc |= fig_phase_map(v, dir, stem, ms[k], 0, f, &c->files);
    }
    for (int a = 0; a < 3; a++) {
        snprintf(stem, sizeof stem, "compare_%s", names[a]);
        snprintf(title, sizeof title, "Every method against the tuned ridge at θ = %s (σ = 0.2, d = %zu)", text[a],
                 c->d);
        frc |= fig_compare_slice(v, dir, stem, nearest_angle(v->thetas, v->n_thetas, angles[a]), TRANSFER, title,
                                 f, &c->files);
    }
    snprintf(title, sizeof title, "The method with the lowest risk (σ = 0.2, d = %zu, %zu instances)", c->d, c->K);
    frc |= fig_winner_map(v, dir, "winner", TRANSFER, title, f, &c->files);
    return frc;
}

/* Counts over the grid that the closing paragraph states. */
typedef struct beyond_counts {
    size_t cells;
    size_t band, band_sc, band_ridge;   /* lt, theta >= 3pi/8, |gamma - 1| <= 0.1: T > 0 against each */
    size_t helps_sc, helps_ridge, helps_any; /* lt or ft beats scratch / ridge, any method ridge (> 2 s.e.) */
    size_t lpft_better, ft_better;      /* by more than 2 s.e. of the difference */
    size_t wins[5];                     /* ridge, lt, ft, lpft, l2sp: lowest mean risk */
    size_t es_better, ridge_better;     /* the two tuned baselines against each other */
} beyond_counts;

/* Risk a beats risk b by more than 2 standard errors (independent means). */
static int beats(const summary_row *a, const summary_row *b)
{
    return a && b && b->mean_risk - a->mean_risk > 2.0 * hypot(a->sem_risk, b->sem_risk);
}

static void count_cell(beyond_counts *k, const summary_row *rows, size_t n, size_t j, size_t t, const sweep_view *v)
{
    static const char *const cand[5] = {"ridge", "lt", "ft", "lpft", "l2sp"};
    const summary_row *sc = repro_find(rows, n, j, t, "scratch"), *lt = repro_find(rows, n, j, t, "lt");
    const summary_row *ft = repro_find(rows, n, j, t, "ft"), *lp = repro_find(rows, n, j, t, "lpft");
    if (!sc || !lt || !ft || !lp) return;
    k->cells++;
    if (v->thetas[t] >= 3 * M_PI / 8 - 1e-9 && fabs(v->gammas[j] - 1.0) <= 0.1 + 1e-9) {
        k->band++;
        k->band_sc += lt->mean_T - sc->mean_T > 0;
        k->band_ridge += lt->mean_T > 0;
    }
    const summary_row *ridge = repro_find(rows, n, j, t, "ridge");
    k->helps_sc += beats(lt, sc) || beats(ft, sc);
    k->helps_ridge += beats(lt, ridge) || beats(ft, ridge);
    int any = 0;
    for (int q = 1; q < 5; q++) any |= beats(repro_find(rows, n, j, t, cand[q]), ridge);
    k->helps_any += any;
    const summary_row *es = repro_find(rows, n, j, t, "early_stop");
    if (t == 0) { /* the baselines do not depend on theta: once per gamma */
        k->es_better += beats(es, ridge);
        k->ridge_better += beats(ridge, es);
    }
    k->lpft_better += beats(lp, ft);
    k->ft_better += beats(ft, lp);
    int w = -1;
    double best = INFINITY;
    for (int q = 0; q < 5; q++) {
        const summary_row *r = repro_find(rows, n, j, t, cand[q]);
        if (r && r->mean_risk < best) best = r->mean_risk, w = q;
    }
    if (w >= 0) k->wins[w]++;
}

/* The paragraph: what changes against the paper's picture. "Beats": a lower
 * mean risk by more than 2 standard errors of the difference of the means. */
static void report_changes(report *r, const beyond_counts *k)
{
    report_p(r, "What changes compared with the paper's picture. Linear transfer or fine-tuning beats the "
             "unregularised scratch baseline in %zu of %zu cells, and the oracle-tuned ridge in %zu; with LP-FT "
             "and parameter transfer added, some transfer method beats the tuned ridge in %zu (“beats”: a lower "
             "mean risk by more than 2 standard errors of the difference).", k->helps_sc, k->cells, k->helps_ridge,
             k->helps_any);
    if (k->band)
        report_p(r, "The anomalous band (θ ≥ 3π/8, |γ − 1| ≤ 0.1), where near-orthogonal features looked "
                 "transferable: T_lt > 0 in %zu of %zu cells against scratch and in %zu against the tuned ridge%s",
                 k->band_sc, k->band, k->band_ridge,
                 k->band_ridge < k->band_sc ? ": against a tuned baseline the band shrinks, as the theory says it "
                                              "must (it comes from the scratch baseline's double-descent peak)."
                                            : ".");
    report_p(r, "LP-FT has the lower mean risk than fine-tuning by more than 2 standard errors in %zu cells, "
             "fine-tuning than LP-FT in %zu (in the limit the theory puts LP-FT's T at or above fine-tuning's for "
             "every θ, THEORY.md section 8). The method with the lowest mean risk: the tuned ridge (no transfer) "
             "in %zu cells, lt in %zu, ft in %zu, LP-FT in %zu, parameter transfer in %zu.",
             k->lpft_better, k->ft_better, k->wins[0], k->wins[1], k->wins[2], k->wins[3], k->wins[4]);
    report_p(r, "The two tuned baselines: scratch training stopped at its best step (an oracle stopping time, "
             "simulation only) beats the oracle ridge at %zu of the grid's γ values, and the ridge beats it at %zu "
             "(for a target teacher in a uniformly random direction the ridge at λ* is the posterior mean in the "
             "limit, so no estimator, early stopping included, beats it on average there).", k->es_better,
             k->ridge_better);
}

static void report_beyond(ctx *c, const fate_sweep *w, const sweep_view *v, const summary_row *rows, size_t n)
{
    report *r = c->rep;
    const char *ext = plot_ext(c->o->plot);
    char rel[128];
    report_h2(r, "Beyond the paper: LP-FT, parameter transfer and a tuned baseline (σ = 0.2)");
    report_p(r, "Parameters as for σ = 0.2 above (d = %zu, %zu instances, the same grid and seed), with every method "
             "of fate run: LP-FT (the linear probe, then fine-tuning of all layers), parameter transfer (L2-SP: "
             "ridge toward the pretrained map at its oracle-optimal λ per cell), and the baselines scratch, ridge "
             "at the oracle λ* = σ² d/n, ridge with λ by leave-one-out and scratch stopped early at its best step. "
             "T = R_ridge − R_method: against the "
             "oracle-tuned ridge, the best a practitioner could do without the source. Files: beyond/runs.csv, "
             "beyond/summary.csv. Theory: THEORY.md section 8 (exact at finite size where it says so, else the "
             "limit).", w->base.d, w->instances);
    static const char *const ms[4] = {"lt", "ft", "lpft", "l2sp"};
    static const char *const what[4] = {"Linear transfer", "Fine-tuning", "LP-FT", "Parameter transfer (L2-SP)"};
    for (int k = 0; k < 4; k++) {
        char cap[160];
        snprintf(rel, sizeof rel, "beyond/phase_%s.%s", ms[k], ext);
        snprintf(cap, sizeof cap, "%s against the tuned ridge: simulated T with the theory's T = 0 line", what[k]);
        if (c->o->plot) report_fig(r, rel, cap);
        snprintf(cap, sizeof cap, "%s T against the tuned ridge", what[k]);
        report_dev(r, cap, deviation(rows, n, ms[k], NAN, 0, 0), 1);
    }
    report_dev(r, "Tuned ridge risk against its limit formula (exact only at σ = 0; at finite d it is off by O(1/d), "
                  "which is many standard errors where the risk barely varies between instances)",
               deviation(rows, n, "ridge", NAN, 1, 0), 0);
    static const char *const sl[3] = {"pi8", "pi4", "3pi8"}, *const st[3] = {"π/8", "π/4", "3π/8"};
    for (int a = 0; c->o->plot && a < 3; a++) {
        char cap[128];
        snprintf(rel, sizeof rel, "beyond/compare_%s.%s", sl[a], ext);
        snprintf(cap, sizeof cap, "T of every method against the tuned ridge at θ = %s", st[a]);
        report_fig(r, rel, cap);
    }
    if (c->o->plot) {
        snprintf(rel, sizeof rel, "beyond/winner.%s", ext);
        report_fig(r, rel, "The method with the lowest mean risk per cell, with the theory's boundaries");
    }
    beyond_counts k;
    memset(&k, 0, sizeof k);
    for (size_t j = 0; j < v->n_gammas; j++)
        for (size_t t = 0; t < v->n_thetas; t++) count_cell(&k, rows, n, j, t, v);
    report_changes(r, &k);
}

int beyond_experiment(ctx *c)
{
    static const double lam0 = 0.0;
    fate_sweep w = base_sweep(c, 0.2, &lam0, 1);
    w.base.methods = FATE_SWEEP_METHODS;
    w.baseline = FATE_METHOD_RIDGE;
    summary_row *rows = NULL;
    size_t n = 0;
    int rc = run_sweep(c, "beyond", &w, &rows, &n);
    if (rc != JOB_OK || !par_root()) return rc;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/beyond", c->o->out);
    sweep_view v = {&w.base, w.gammas, w.thetas, w.lambdas, w.n_gammas, w.n_thetas, 1, rows, n, "Beyond the paper",
                    w.baseline};
    int frc = c->o->plot ? beyond_figures(c, &v, dir) : 0;
    report_beyond(c, &w, &v, rows, n);
    free(rows);
    return frc ? JOB_FAILED : JOB_OK;
}
