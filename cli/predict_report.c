/* predict_report.c - what `fate predict` writes: pairs.csv, correlation.csv,
 * a scatter of T against each predictor, and the report (the leaderboard and
 * a paragraph per family saying which predictors work there and why, in
 * terms of the theory: THEORY.md section 12). */
#define _GNU_SOURCE /* open_memstream */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fate_plot.h"
#include "options.h"
#include "predict.h"
#include "report.h"
#include "sweep_io.h"

static const char *C = "predict";

static int write_text(predict_run *r, const char *name, char *txt)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", r->out, name);
    const int bad = !txt || write_atomic(path, txt, strlen(txt)) != 0;
    if (bad) cli_error(C, "cannot write %s: %s", path, txt ? strerror(errno) : "out of memory");
    else file_list_add(&r->files, path);
    free(txt);
    return bad ? -1 : 0;
}

static char *pairs_csv(const predict_run *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    fputs("family,param,n,T_lt,T_lt_sem,T_lt_theory,T_ft,T_ft_sem,T_ft_theory", f);
    for (size_t k = 0; k < NPRED; k++) fprintf(f, ",%s", PRED[k].name);
    fputs(",score_nan,unconverged\n", f);
    for (size_t i = 0; i < r->np; i++) {
        const pred_pair *p = &r->P[i];
        fprintf(f, "%s,%.17g,%zu,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g", PF_NAME[p->fam], p->param, p->spec.n,
                p->truth[T_LT_SIM], p->truth_sem[T_LT_SIM], p->truth[T_LT_TH], p->truth[T_FT_SIM],
                p->truth_sem[T_FT_SIM], p->truth[T_FT_TH]);
        for (size_t k = 0; k < NPRED; k++) fprintf(f, ",%.17g", p->v[k]);
        fprintf(f, ",%zu,%zu\n", p->score_nan, p->unconverged);
    }
    fclose(f);
    return buf;
}

static const char *group_name(size_t g) { return g == G_POOLED ? "pooled" : PF_NAME[g]; }

static char *corr_csv(const predict_run *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    fputs("predictor,kind,group,truth,pairs,spearman,spearman_lo,spearman_hi,kendall,kendall_lo,kendall_hi\n", f);
    for (size_t k = 0; k < NPRED; k++)
        for (size_t g = 0; g < N_GROUP; g++)
            for (size_t t = 0; t < NTRUTH; t++) {
                const rank_ci *c = &r->corr[g][t][k];
                fprintf(f, "%s,%s,%s,%s,%zu,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", PRED[k].name, PRED[k].kind,
                        group_name(g), TRUTH_NAME[t], c->used, c->spearman, c->spearman_lo, c->spearman_hi,
                        c->kendall, c->kendall_lo, c->kendall_hi);
            }
    fclose(f);
    return buf;
}

/* T_lt (simulated, +- s.e.) against predictor k, one series per family. */
static int scatter(predict_run *r, size_t k)
{
    double *x = malloc((3 * r->np + 1) * sizeof *x), *y = x ? x + r->np : NULL, *e = x ? x + 2 * r->np : NULL;
    if (!x) return -1;
    fate_series s[N_PFAM];
    size_t ns = 0, q = 0;
    for (size_t g = 0; g < N_PFAM; g++) {
        const size_t start = q;
        for (size_t i = 0; i < r->np; i++)
            if ((size_t)r->P[i].fam == g && isfinite(r->P[i].v[k]))
                x[q] = r->P[i].v[k], y[q] = r->P[i].truth[T_LT_SIM], e[q] = r->P[i].truth_sem[T_LT_SIM], q++;
        if (q > start)
            s[ns++] = (fate_series){PF_NAME[g], x + start, y + start, e + start, q - start, FATE_SERIES_POINTS,
                                    (int)g};
    }
    char title[200], stem[64], xl[160];
    const rank_ci *c = &r->corr[G_POOLED][T_LT_SIM][k];
    snprintf(title, sizeof title, "T of linear transfer against %s (pooled Spearman ρ = %.2f)", PRED[k].name,
             c->spearman);
    snprintf(xl, sizeof xl, "%s (%s; larger predicts more transfer)", PRED[k].name, PRED[k].kind);
    snprintf(stem, sizeof stem, "scatter_%s", PRED[k].name);
    /* every point in view (the plot's robust default range is for divergent
     * theory lines; here all values are simulated means) */
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < q; i++) {
        const double err = isfinite(e[i]) ? e[i] : 0.0;
        lo = fmin(lo, y[i] - err), hi = fmax(hi, y[i] + err);
    }
    const double pad = hi > lo ? 0.04 * (hi - lo) : 1.0;
    fate_line_plot p = {title, xl, "simulated T = R_sc − R_lt", s, ns, 0, 0, lo - pad, hi + pad, 1, 0, 0};
    const int rc = ns ? fig_emit_lines(r->out, stem, r->plot, &r->files, &p) : 0;
    free(x);
    return rc;
}

/* Predictor indices by decreasing pooled Spearman rho with truth t (NaN last). */
static void leaderboard_order(size_t *ord, const predict_run *r, size_t g, size_t t)
{
    for (size_t k = 0; k < NPRED; k++) ord[k] = k;
    for (size_t a = 1; a < NPRED; a++)
        for (size_t b = a; b > 0; b--) {
            const double u = r->corr[g][t][ord[b - 1]].spearman, v = r->corr[g][t][ord[b]].spearman;
            if ((isnan(u) && !isnan(v)) || (!isnan(u) && !isnan(v) && v > u)) {
                const size_t tmp = ord[b - 1];
                ord[b - 1] = ord[b], ord[b] = tmp;
            } else break;
        }
}

static void fmt_ci(char *buf, size_t size, double v, double lo, double hi)
{
    if (isnan(v)) snprintf(buf, size, "—");
    else snprintf(buf, size, "%+.2f [%+.2f, %+.2f]", v, lo, hi);
}

static void report_leaderboard(report *rep, const predict_run *r)
{
    enum { NC = 6 };
    static const char *const head[NC] = {"predictor", "kind", "ρ with T_lt (sim)", "ρ with T_ft (sim)",
                                         "τ with T_lt (sim)", "ρ with T_lt (theory)"};
    size_t ord[NPRED];
    leaderboard_order(ord, r, G_POOLED, T_LT_SIM);
    char *cells[NPRED * NC];
    for (size_t i = 0; i < NPRED; i++) {
        const size_t k = ord[i];
        const rank_ci *a = &r->corr[G_POOLED][T_LT_SIM][k], *b = &r->corr[G_POOLED][T_FT_SIM][k];
        const rank_ci *th = &r->corr[G_POOLED][T_LT_TH][k];
        char t[4][64];
        fmt_ci(t[0], 64, a->spearman, a->spearman_lo, a->spearman_hi);
        fmt_ci(t[1], 64, b->spearman, b->spearman_lo, b->spearman_hi);
        fmt_ci(t[2], 64, a->kendall, a->kendall_lo, a->kendall_hi);
        fmt_ci(t[3], 64, th->spearman, th->spearman_lo, th->spearman_hi);
        cells[i * NC] = strdup(PRED[k].name);
        cells[i * NC + 1] = strdup(PRED[k].kind);
        for (int c = 0; c < 4; c++) cells[i * NC + 2 + c] = strdup(t[c]);
    }
    report_table(rep, NC, head, (const char *const *)cells, NPRED);
    for (size_t i = 0; i < NPRED * NC; i++) free(cells[i]);
}

/* Why the theory says what can work in family g (THEORY.md section 12):
 * mechanisms, not numbers; the numbers are the run's, printed before. */
static const char *family_why(size_t g)
{
    switch (g) {
    case PF_ANGLE:
        return "Why: at one n, T_lt = R_sc(n) − sin²θ − (sin²θ + σ²)/(n − 2) depends on θ only through sin²θ, "
               "symmetric about π/2, and so does every score of the rank-one feature's fit to y. The distances "
               "between the joint laws grow with |β_s − β_t|² = 2 − 2 cos θ over the whole of [0, π], so they "
               "cannot rank a gain that is the same at θ and π − θ. Pooled over n, T also carries scratch's "
               "double-descent baseline, which no score computed from the features alone can know.";
    case PF_SCALE:
        return "Why: the feature is the target's own direction (θ = 0) and |β_t| = c grows, so scratch's bias "
               "c²(1 − n/d) grows while linear transfer's risk stays at the noise level: T_lt grows like c². "
               "Scores on the labels sign(y) see the signal-to-noise ratio c²/σ² rise and follow it; scores that "
               "are errors or evidence in the target's own units (kNN, LogME, leave-one-out) get worse as the "
               "target's variance grows, and the distances grow with c: both rank the family backwards.";
    case PF_NEAR:
        return "Why: the feature is orthogonal to the target (θ = π/2) and |β_s| = |β_t| = a, so T_lt falls with "
               "the variance a² that linear transfer cannot explain. The labels sign(y) are independent of the "
               "feature, so label scores see noise; errors and evidence in the target's units grow with a² and "
               "rank the family; here the distances also grow with a², which happens to be the right order.";
    case PF_K:
        return "Why: the k − 1 extra features carry none of the target, so the truth is the variance cost (ρ + "
               "σ²) k/(n − k − 1), growing with k. A training-set fit cannot see it (more features fit more noise); "
               "the evidence and leave-one-out errors charge for the extra parameters; the distances of the "
               "source's first teacher do not change with k at all (constant: no correlation).";
    case PF_RELU:
        return "Why: the student's features are its hidden layer, learned on a source teacher that lacks a "
               "fraction μ of the target's neurons; the target's part outside them, |P⊥f_t|², grows with μ and "
               "decides the sign of T against scratch's learning curve (THEORY.md section 5). There is no closed "
               "form for T or for the distances of these non-Gaussian laws: the simulated T is the only truth, and "
               "the explained variance here is the measured |f_t|² − |P⊥f_t|² of each instance.";
    case PF_TOP:
    case PF_TAIL:
        return "Why: with the spectrum and the teachers' placement fixed, only θ in [0, π/2] varies, and the "
               "misfit ρ = t − c²/q, the labels' information, and |β_s − β_t| all move monotonically with it: "
               "nearly every predictor ranks such a family. What differs between top and tail is the size of T "
               "(scratch's deterministic-equivalent risk), which a within-family ranking does not test.";
    default: return "";
    }
}

/* Fine-tuning: the sign of the overlap matters to it (it starts from beta_s,
 * T_ft depends on cos theta, not cos^2 theta), which scores of the features'
 * fit, blind to that sign, cannot see. */
static void report_ft(report *rep, const predict_run *r)
{
    size_t ord[NPRED];
    leaderboard_order(ord, r, G_POOLED, T_FT_SIM);
    size_t best = NPRED;
    for (size_t i = 0; i < NPRED && best == NPRED; i++)
        if (ord[i] != P_TFT_TH && !isnan(r->corr[G_POOLED][T_FT_SIM][ord[i]].spearman)) best = ord[i];
    if (best == NPRED) return;
    const rank_ci *b = &r->corr[G_POOLED][T_FT_SIM][best];
    const rank_ci *lo = &r->corr[PF_ANGLE][T_FT_SIM][P_LOGME], *kl = &r->corr[PF_ANGLE][T_FT_SIM][P_KL_ST];
    report_p(rep, "Fine-tuning. Pooled, the best predictor of the simulated T_ft other than its own theory is %s "
             "(ρ = %+.2f [%+.2f, %+.2f]). In the angle family fine-tuning's gain depends on the sign of cos θ (it "
             "starts from the source's solution, THEORY.md section 3), which the features' fit to y cannot see: "
             "there LogME has ρ = %+.2f with T_ft against %+.2f for KL(source ‖ target), which does see the sign.",
             PRED[best].name, b->spearman, b->spearman_lo, b->spearman_hi, lo->spearman, kl->spearman);
}

static void report_families(report *rep, const predict_run *r)
{
    for (size_t g = 0; g < N_PFAM; g++) {
        if (!r->fam_pairs[g]) continue;
        size_t ord[NPRED];
        leaderboard_order(ord, r, g, T_LT_SIM);
        char best[512] = "", worst[256] = "";
        for (size_t i = 0, m = 0; i < NPRED && m < 4; i++) {
            const rank_ci *c = &r->corr[g][T_LT_SIM][ord[i]];
            if (isnan(c->spearman)) continue;
            snprintf(best + strlen(best), sizeof best - strlen(best), "%s%s %+.2f", m ? ", " : "", PRED[ord[i]].name,
                     c->spearman);
            m++;
        }
        size_t undefined = 0;
        for (size_t k = 0; k < NPRED; k++) undefined += isnan(r->corr[g][T_LT_SIM][k].spearman);
        for (size_t i = NPRED; i-- > 0;) {
            const rank_ci *c = &r->corr[g][T_LT_SIM][ord[i]];
            if (isnan(c->spearman)) continue;
            snprintf(worst, sizeof worst, "%s %+.2f", PRED[ord[i]].name, c->spearman);
            break;
        }
        report_p(rep, "**%s** (%zu pairs). Best with the simulated T_lt (Spearman): %s; worst: %s; %zu predictors "
                 "constant or undefined here. %s", PF_NAME[g], r->fam_pairs[g], best, worst, undefined,
                 family_why(g));
    }
}

static int write_report(predict_run *r)
{
    report *rep = report_new("fate predict: what predicts transfer?");
    if (!rep) return -1;
    report_p(rep, "%zu task pairs (families angle, scale, near-useless, k features, a power law α = %g with the "
             "teachers in its top or its tail, and two-layer ReLU networks), d = %zu, depth %zu, σ = %g, %zu instances each, %zu bootstrap "
             "resamples. The true gain T = R_scratch − R_method is known exactly (theory) and measured "
             "(simulation). Every predictor is oriented so that larger predicts more transfer; the table ranks "
             "them by Spearman's ρ with the simulated T of linear transfer over all pairs, with 95%% percentile "
             "bootstrap intervals over pairs (a percentile interval may exclude the estimate itself when the "
             "resampled statistic is skewed, e.g. with many tied pairs).", r->np, r->ps.alpha, r->ps.d, r->ps.depth, r->ps.sigma, r->ps.K, r->B);
    report_leaderboard(rep, r);
    const rank_ci *tr = &r->corr[G_POOLED][T_LT_SIM][P_TRANSRATE];
    if (tr->spearman < 0)
        report_p(rep, "TransRate ranks the pairs backwards here (ρ = %+.2f). As published it codes each class about "
                 "the global mean, so a class whose mean is shifted keeps that shift as spread: on one or a few "
                 "features it measures how the classes' second moments differ, not how far apart they are. A "
                 "symmetric target split by sign gives two classes of equal second moment whether the feature "
                 "separates them or not (TransRate ≈ 0), while small random classes give it positive noise, "
                 "largest where the feature is useless and n small (THEORY.md section 12).", tr->spearman);
    if (r->score_nan)
        report_p(rep, "%zu instance scores were undefined (e.g. leave-one-out with no more samples than features, "
                 "or a class absent from the target set) and left out of their pair's mean.", r->score_nan);
    if (r->unconverged)
        report_p(rep, "%zu trainings ended above their tolerance (the step cap of fate run's defaults).",
                 r->unconverged);
    report_h2(rep, "Per family");
    report_families(rep, r);
    report_ft(rep, r);
    const char *ext = fate_plot_extension(r->plot & FATE_PLOT_PNG ? FATE_PLOT_PNG
                                          : r->plot & FATE_PLOT_SVG ? FATE_PLOT_SVG : FATE_PLOT_PDF);
    if (r->plot) {
        report_h2(rep, "Scatter plots");
        static const size_t show[] = {P_LOGME, P_PROBE_LOO, P_LEEP, P_HSCORE, P_KL_ST, P_PROJ};
        for (size_t i = 0; i < sizeof show / sizeof *show; i++) {
            char rel[96], cap[160];
            snprintf(rel, sizeof rel, "scatter_%s.%s", PRED[show[i]].name, ext);
            snprintf(cap, sizeof cap, "Simulated T_lt against %s (%s)", PRED[show[i]].name, PRED[show[i]].desc);
            report_fig(rep, rel, cap);
        }
    }
    const int rc = report_write(rep, r->out);
    report_free(rep);
    if (rc == 0) {
        char p[4200];
        snprintf(p, sizeof p, "%s/report.md", r->out);
        file_list_add(&r->files, p);
        snprintf(p, sizeof p, "%s/index.html", r->out);
        file_list_add(&r->files, p);
    }
    return rc;
}

int predict_write(predict_run *r, int *frc)
{
    if (write_text(r, "pairs.csv", pairs_csv(r)) || write_text(r, "correlation.csv", corr_csv(r))) return -1;
    for (size_t k = 0; r->plot && k < NPRED; k++) *frc |= scatter(r, k) != 0;
    return write_report(r);
}
