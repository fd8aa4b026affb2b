/* reproduce_relu.c - "Two-layer ReLU networks" of `fate reproduce` (THEORY.md
 * section 5): the (mu, n) map of linear transfer and fine-tuning with the
 * boundary predicted from |P_perp f_t|^2 and the scratch power law.
 *
 * Full size is the paper's: d = m* = 100, student width m = 1000, n from 25
 * to 1600. What makes it run in minutes on two cores (bench/RESULTS.md,
 * "The two-layer experiment at the paper's size"): online pretraining on a
 * fresh batch per step with a fixed budget, targets trained until the loss
 * stops (not to a step cap), and single-precision products (the risks differ
 * from double by far less than their standard errors). --quick keeps a small
 * size that runs in a few minutes and cannot determine the exponent.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fate_plot.h"
#include "job.h"
#include "par.h"
#include "relu_job.h"
#include "report.h"
#include "reproduce.h"

size_t relu_instances(const repro_opts *o) { return o->instances ? o->instances : o->quick ? 4 : 8; }

/* The paper's size and fate's choices where the paper gives none (THEORY.md
 * section 5): mean-field students from the small initialisation of
 * relu_default_spec (w ~ 1e-3 N(0, I/d), c ~ 1e-3 N(0, 1): the rich regime,
 * in which neurons the source does not recruit stay near zero and add no
 * features; at w ~ N(0, I/d) they keep random directions that span much of
 * the target);
 * pretraining online (2000 fresh source samples per step, plain GD at lr 0.5,
 * i.e. step 500 per neuron, for 2000 steps); scratch, lt's refit and ft on
 * the n target samples, GD at the same lr until the loss is <= 1e-8 or falls
 * by less than 1e-4 of itself over 100 steps (at most 20000 steps); products
 * in single precision; risks on 10000 fresh inputs. */
static void paper_spec(fate_relu_spec *b)
{
    b->d = 100, b->mstar = 100, b->m = 1000;
    b->online_src = 1, b->n_src = 2000, b->pretrain_steps = 2000;
    b->gd.lr = 0.5, b->gd.max_steps = 20000;
    b->gd.precision = FATE_MLP_SINGLE;
    b->n_test = 10000;
}

/* Trainings that stopped at their step budget, per method, each training
 * counted once: pretraining runs once per (overlap, instance) (counted at n
 * index 0), scratch once per (n, instance) (at overlap index 0). */
static void capped_counts(const relu_result *res, size_t capped[RM_COUNT], size_t total[RM_COUNT])
{
    for (size_t m = 0; m < RM_COUNT; m++) capped[m] = total[m] = 0;
    for (size_t t = 0; t < res->NO; t++)
        for (size_t j = 0; j < res->NN; j++)
            for (size_t m = 0; m < RM_COUNT; m++) {
                const relu_stat *st = &res->stat[(t * res->NN + j) * RM_COUNT + m];
                if (!st->count || m == RM_LT || (m == RM_PRE && j > 0) || (m == RM_SC && t > 0)) continue;
                capped[m] += (size_t)lround((1.0 - st->converged_frac) * (double)st->count);
                total[m] += st->count;
            }
}

/* Per overlap row: cells where |T_lt| > 3 sem, and those whose sign agrees
 * with the predicted A n^-p - |P_perp f_t|^2 (THEORY.md section 5). */
static void boundary_agreement(const relu_result *res, size_t t, size_t *agree, size_t *decided)
{
    *agree = *decided = 0;
    for (size_t j = 0; j < res->NN; j++) {
        const relu_stat *s = &res->stat[(t * res->NN + j) * RM_COUNT + RM_LT];
        const double pred = res->A * pow((double)res->ns[j], -res->p) - res->pp_student[t];
        if (!(fabs(s->mean_T) > 3 * s->sem_T) || !isfinite(pred)) continue;
        (*decided)++;
        *agree += (s->mean_T > 0) == (pred > 0);
    }
}

/* The relu table (per overlap: |P_perp f_t|^2 of student and source, the
 * linear-transfer risk at the largest n, the predicted boundary, the sign
 * of T as predicted) and the agreement it shows. */
static void relu_report_table(report *r, const relu_result *res)
{
    const char *hdr[6] = {"μ", "‖P⊥f_t‖² student", "‖P⊥f_t‖² source", "R_lt at largest n", "predicted n*",
                          "sign of T_lt as predicted (T over 3 sem from 0)"};
    char cells[8][6][64];
    const char *cp[48];
    size_t agree = 0, decided = 0;
    for (size_t t = 0; t < res->NO && t < 8; t++) {
        const relu_stat *lt = &res->stat[(t * res->NN + res->NN - 1) * RM_COUNT + RM_LT];
        size_t ok, tot;
        boundary_agreement(res, t, &ok, &tot);
        agree += ok;
        decided += tot;
        snprintf(cells[t][0], 64, "%.3g", res->overlaps[t]);
        snprintf(cells[t][1], 64, "%.4g ± %.2g", res->pp_student[t], res->pp_student_sd[t]);
        snprintf(cells[t][2], 64, "%.4g", res->pp_source[t]);
        snprintf(cells[t][3], 64, "%.4g ± %.2g", lt->mean_risk, lt->sem_risk);
        snprintf(cells[t][4], 64, "%.3g", res->n_star[t]);
        snprintf(cells[t][5], 64, "%zu / %zu cells", ok, tot);
        for (int k = 0; k < 6; k++) cp[t * 6 + (size_t)k] = cells[t][k];
    }
    report_table(r, 6, hdr, cp, res->NO < 8 ? res->NO : 8);
    if (!decided) {
        report_p(r, "Boundary: no cell has |T_lt| more than 3 standard errors from zero, so the sign of T decides "
                 "nothing here (more instances would).");
        return;
    }
    report_p(r, "Boundary: the sign of the simulated T_lt agrees with the predicted A n^−p − |P⊥f_t|² (the student's "
             "|P⊥f_t|²) in %zu of the %zu cells where |T_lt| is more than 3 standard errors from zero (%.0f%%). "
             "At μ = 1 the source is zero: nothing is learned and the student keeps features near its "
             "initialisation.", agree, decided, 100.0 * (double)agree / (double)decided);
}

/* The local slopes -d log R_sc / d log n between consecutive sizes (scratch
 * runs once per n: overlap row 0), as "n1-n2: s" items in buf. */
static void local_slopes(char *buf, size_t len, const relu_result *res)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t j = 1; j < res->NN && used < len; j++) {
        const relu_stat *a = &res->stat[(j - 1) * RM_COUNT + RM_SC], *b = &res->stat[j * RM_COUNT + RM_SC];
        const double s = -log(b->mean_risk / a->mean_risk) / log((double)res->ns[j] / (double)res->ns[j - 1]);
        int k = snprintf(buf + used, len - used, "%s%zu–%zu: %.2f", j > 1 ? ", " : "", res->ns[j - 1], res->ns[j], s);
        if (k < 0) break;
        used += (size_t)k;
    }
}

/* The exponent against the paper's, and why they may differ. */
static void report_exponent(report *r, const relu_result *res, int quick)
{
    char slopes[512];
    local_slopes(slopes, sizeof slopes, res);
    if (quick) {
        report_p(r, "This is --quick: at d = 10 with %zu target sizes the scratch fit (A = %.3g ± %.2g, p = %.3f ± "
                 "%.3f) does not determine the exponent, and the boundary built on it is indicative only. The full "
                 "run (without --quick) works at the paper's size.", res->fit_points, res->A, res->A_se, res->p,
                 res->p_se);
        return;
    }
    const double z = (res->p - 1.18) / res->p_se;
    report_p(r, "Scratch risk: R_sc = A n^−p fitted on the %zu sizes n ≥ %zu (means over instances): A = %.3g ± %.2g, "
             "p = %.3f ± %.3f, against the paper's p = 1.18 at the same size (%+.1f standard errors). The log-log "
             "curve is not straight: its local slope −d log R_sc / d log n between consecutive sizes is %s. The "
             "fitted p is an average of these over the fitted range, so it depends on the range; the paper gives "
             "neither its range nor its optimiser, initialisation or stopping rule (fate's are stated above), and "
             "GD from a small initialisation picks its own interpolant among many at n below the number of "
             "weights.", res->fit_points, res->fit_n_min, res->A, res->A_se, res->p, res->p_se, z, slopes);
}

/* The trainings that stopped at their budget rather than by the loss rule. */
static void report_capped(report *r, const relu_result *res, const fate_relu_spec *b)
{
    size_t capped[RM_COUNT], total[RM_COUNT];
    capped_counts(res, capped, total);
    report_p(r, "Stopping: pretraining ran its budget of %zu steps in %zu of %zu runs%s. Trainings on the target "
             "stop on the loss rule; those that reached the %zu-step cap instead: scratch %zu of %zu, fine-tuning "
             "%zu of %zu (their results are kept and counted here, and summary.csv gives the converged fraction "
             "per cell).", b->pretrain_steps ? b->pretrain_steps : b->gd.max_steps, capped[RM_PRE], total[RM_PRE],
             b->online_src ? " (online pretraining sees a new batch each step, so its loss keeps falling slowly "
                             "and the budget is the choice)" : "",
             b->gd.max_steps, capped[RM_SC], total[RM_SC], capped[RM_FT], total[RM_FT]);
}

static void report_figures(report *r, unsigned plot)
{
    const char *ext = fate_plot_extension(plot & FATE_PLOT_PNG ? FATE_PLOT_PNG
                                          : plot & FATE_PLOT_SVG ? FATE_PLOT_SVG : FATE_PLOT_PDF);
    static const char *figs[4][2] = {
        {"phase_lt", "Linear transfer: simulated T over (μ, n) with the predicted boundary"},
        {"pperp", "|P⊥f_t|² in the pretrained student's features and in the source teacher's neurons, with the "
                  "linear-transfer risk at the largest n"},
        {"gram", "Feature correlations of the pretrained student's neurons with the teacher's (μ = 0.5)"},
        {"scratch_fit", "Scratch risk and its power-law fit"}};
    for (int k = 0; k < 4; k++) {
        char rel[128];
        snprintf(rel, sizeof rel, "relu/%s.%s", figs[k][0], ext);
        report_fig(r, rel, figs[k][1]);
    }
}

/* The sweep: full size at the paper's, --quick at d = 10. */
static void relu_sweep_of(fate_relu_sweep *w, const repro_opts *o)
{
    static const double mus[5] = {0, 0.25, 0.5, 0.75, 1.0}; /* both sizes */
    static const size_t n_q[6] = {4, 8, 16, 32, 64, 128}, n_f[7] = {25, 50, 100, 200, 400, 800, 1600};
    relu_default_spec(&w->base);
    if (!o->quick) paper_spec(&w->base);
    w->base.seed = o->seed;
    w->overlaps = mus;
    w->n_overlaps = 5;
    w->ns = o->quick ? n_q : n_f;
    w->n_ns = o->quick ? 6 : 7;
    w->instances = relu_instances(o);
    w->threads = o->threads;
}

int relu_experiment(ctx *c)
{
    relu_job job;
    memset(&job, 0, sizeof job);
    fate_relu_sweep *w = &job.sweep;
    relu_sweep_of(w, c->o);
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/relu", c->o->out);
    job.dir = dir;
    job.quiet = c->o->quiet;
    job.label = "fate reproduce: relu";
    job.fit_min_n = w->base.d;
    relu_result res;
    int rc = relu_job_run(&job, &res, &c->files);
    if (rc != JOB_OK || !par_root()) return rc;
    int frc = c->o->plot ? relu_figures(&job, &res, 0.5, c->o->plot, &c->files) : 0;
    const fate_relu_spec *b = &w->base;
    report *r = c->rep;
    report_h2(r, "Two-layer ReLU networks: the features decide");
    report_p(r, "Students f(x) = (1/m) Σ c_i relu(w_i·x) with m = %zu, teacher m* = %zu unit ReLU neurons in d = %zu, "
             "the source = the target teacher with a fraction μ of its neurons removed. Pretraining: %s, plain GD "
             "at lr %g (step lr·m per neuron) from w ~ %g N(0, I/d), c ~ %g N(0, 1) (the rich regime), %zu steps at "
             "most. Scratch and fine-tuning: full-batch GD on the n target samples at the same rate until the loss "
             "is ≤ %g or falls by less than %g of itself over 100 steps (at most %zu steps); linear transfer refits "
             "the readout exactly. Products in %s precision. %zu instances per cell, test risks on %zu fresh "
             "inputs. The boundary where transfer stops helping is predicted where A n^−p = |P⊥f_t|², the part of "
             "the target outside the pretrained features. Files: relu/summary.csv, relu/boundary.csv, "
             "relu/powerlaw.csv.", b->m, b->mstar, b->d,
             b->online_src ? "online (a fresh batch of source samples each step)" : "on a fixed source set",
             b->gd.lr, b->w_init, b->c_init, b->pretrain_steps ? b->pretrain_steps : b->gd.max_steps, b->gd.tol,
             b->gd.rel_tol, b->gd.max_steps, b->gd.precision == FATE_MLP_SINGLE ? "single" : "double",
             w->instances, b->n_test);
    report_exponent(r, &res, c->o->quick);
    report_capped(r, &res, b);
    if (c->o->plot) report_figures(r, c->o->plot);
    relu_report_table(r, &res);
    relu_result_free(&res);
    return frc ? JOB_FAILED : JOB_OK;
}
