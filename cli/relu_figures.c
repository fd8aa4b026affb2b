/* relu_figures.c - the figures of a two-layer-network sweep: transferability
 * maps over (overlap, n) with the predicted boundary A n^-p = |P_perp f_t|^2
 * drawn over them, |P_perp f_t|^2 against the overlap (student and source
 * teacher, with the linear-transfer risk it predicts), the scratch power law,
 * and the feature correlations of a pretrained student with the teacher. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fate_plot.h"
#include "model_figures.h"
#include "relu_job.h"

static const char *ax_label(const fate_relu_sweep *w)
{
    return w->base.single_index ? "feature angle \xce\xb8 of the single-index teachers (rad)"
                                : "fraction \xce\xbc of teacher neurons removed from the source";
}

static void setting(char *buf, size_t size, const fate_relu_sweep *w)
{
    const fate_relu_spec *s = &w->base;
    snprintf(buf, size, "d = %zu, m* = %zu, m = %zu, n_src = %zu%s, %zu instances", s->d,
             s->single_index ? (size_t)1 : s->mstar, s->m, s->n_src, s->online_src ? " per step" : "",
             w->instances);
}

/* |P_perp f_t|^2 per overlap that the prediction uses: the student's needs
 * ReLU features; otherwise the source teacher's, which rich pretraining makes
 * the same (*src set). */
static const double *pperp_used(const relu_result *r, int *src)
{
    *src = 0;
    for (size_t t = 0; t < r->NO; t++) *src |= !isfinite(r->pp_student[t]);
    return *src ? r->pp_source : r->pp_student;
}

/* What a relu2 map or slice draws: one method, and the predicted
 * T_lt = A n^-p - |P_perp f_t|^2 (THEORY.md section 5). */
typedef struct relu_fig {
    const relu_result *r;
    const double *pp;   /* |P_perp f_t|^2 per overlap (pperp_used) */
    int src;            /* pp is the source teacher's */
    long c_method;
    int method;
} relu_fig;

static int relu_pick(const model_summary *s, const summary_group *g, const void *ctx)
{
    (void)s;
    const relu_fig *f = ctx;
    return (int)g->keys[f->c_method] == f->method;
}

/* The predicted T_lt at (overlap, n): |P_perp f_t|^2 is known at the grid's
 * overlaps only, so x is one of them. */
static double relu_pred(const void *ctx, double x, double n)
{
    const relu_fig *f = ctx;
    size_t t = 0;
    for (size_t k = 1; k < f->r->NO; k++)
        if (fabs(f->r->overlaps[k] - x) < fabs(f->r->overlaps[t] - x)) t = k;
    return f->r->A * pow(n, -f->r->p) - f->pp[t];
}

static double relu_line(const void *ctx, size_t k, double x, double n)
{
    (void)k;
    return relu_pred(ctx, x, n);
}

static const char *pred_text(int src, int boundary)
{
    if (boundary)
        return src ? "predicted boundary A n^\xe2\x88\x92p = |P\xe2\x8a\xa5 f\xe2\x82\x9c|\xc2\xb2 (source teacher)"
                   : "predicted boundary A n^\xe2\x88\x92p = |P\xe2\x8a\xa5 f\xe2\x82\x9c|\xc2\xb2";
    return src ? "predicted A n^\xe2\x88\x92p \xe2\x88\x92 |P\xe2\x8a\xa5 f\xe2\x82\x9c|\xc2\xb2 (source teacher)"
               : "predicted A n^\xe2\x88\x92p \xe2\x88\x92 |P\xe2\x8a\xa5 f\xe2\x82\x9c|\xc2\xb2";
}

/* A method's words in the figures: title, file stem, colour-bar label. */
typedef struct method_text {
    const char *title, *map, *slice, *value;
} method_text;

static method_text method_text_of(int method)
{
    if (method == RM_LT)
        return (method_text){"Linear transfer", "phase_lt", "slices_lt", "T = R_sc \xe2\x88\x92 R_lt"};
    if (method == RM_LPFT)
        return (method_text){"LP-FT (simulation only)", "phase_lpft", "slices_lpft",
                             "T = R_sc \xe2\x88\x92 R_lpft"};
    return (method_text){"Fine-tuning", "phase_ft", "slices_ft", "T = R_sc \xe2\x88\x92 R_ft"};
}

static relu_fig relu_fig_of(const relu_result *r, int method)
{
    relu_fig f = {r, NULL, 0, model_column(r->summary, "method"), method};
    f.pp = pperp_used(r, &f.src);
    return f;
}

static int fig_map(const relu_job *job, const relu_result *r, int method, unsigned fmts, file_list *out)
{
    const fate_relu_sweep *w = &job->sweep;
    const relu_fig f = relu_fig_of(r, method);
    /* the zero level of the prediction on a fine log grid of n is the
     * boundary; a value that is not finite drops it */
    const int have_c = r->NO >= 2 && isfinite(r->A) && isfinite(r->p) && r->A > 0;
    const fig_field zero = {relu_pred, &f, pred_text(f.src, 1), 0, 160, -INFINITY, INFINITY, 0.0, INFINITY, 0.0};
    char title[256], set[160];
    setting(set, sizeof set, w);
    static const char *acts[] = {"ReLU", "tanh", "erf", "linear"};
    const method_text mt = method_text_of(method);
    snprintf(title, sizeof title, "%s, two-layer %s: simulated T (%s)", mt.title, acts[w->base.act], set);
    const fig_map_spec m = {
        .stem = mt.map, .pick = relu_pick, .pick_ctx = &f,
        .look = {.title = title, .row_label = ax_label(w), .col_label = "target samples n",
                 .value_label = mt.value,
                 .row_scale = FIG_SCALE_LINEAR, .col_scale = FIG_SCALE_LOG, .row_pi = w->base.single_index},
        .overlay = have_c ? &zero : NULL};
    return fig_model_map(r->summary, r->NO, r->NN, &m, job->dir, fmts, out);
}

static void relu_label(const void *ctx, size_t a, size_t k, const char *at, char *buf, size_t size)
{
    const relu_fig *f = ctx;
    (void)a, (void)at;
    snprintf(buf, size, "%s", k ? pred_text(f->src, 0) : "simulation (mean \xc2\xb1 std)");
}

/* A sweep of one overlap or one n has no map: T (mean ± std) against n at
 * the overlap, or against the overlap at n, with the predicted
 * T_lt = A n^-p - |P_perp f_t|^2 where the power law was fitted (along n on
 * a log grid from half the smallest n to twice the largest). */
static int fig_slice(const relu_job *job, const relu_result *r, int method, unsigned fmts, file_list *out)
{
    const fate_relu_sweep *w = &job->sweep;
    const int along_n = r->NO == 1;
    const relu_fig f = relu_fig_of(r, method);
    const double n0 = (double)r->ns[0], n1 = (double)r->ns[r->NN - 1];
    const fig_lines pred = {1, relu_line, &f, along_n ? 200 : 0, 0.5 * n0, 2.0 * n1};
    char title[320], set[160], at[48];
    setting(set, sizeof set, w);
    if (along_n) snprintf(at, sizeof at, "%s = %.3g", w->base.single_index ? "\xce\xb8" : "\xce\xbc", w->overlaps[0]);
    else snprintf(at, sizeof at, "n = %zu", r->ns[0]);
    const method_text mt = method_text_of(method);
    snprintf(title, sizeof title, "%s, two-layer network: simulated T at %s (%s)", mt.title, at, set);
    const size_t fix = 0;
    const fig_slices_spec p = {
        .stem = mt.slice, .pick = relu_pick, .pick_ctx = &f,
        .look = {.title = title, .row_label = ax_label(w), .col_label = "target samples n",
                 .value_label = mt.value,
                 .row_scale = FIG_SCALE_LINEAR, .col_scale = FIG_SCALE_LOG},
        .along_row = !along_n, .fix = &fix, .n_fix = 1, .err_sd = 1,
        .theory = method == RM_LT && isfinite(r->A) && isfinite(r->p) ? &pred : NULL,
        .label = relu_label, .ctx = &f};
    return fig_model_slices(r->summary, r->NO, r->NN, &p, job->dir, fmts, out);
}

/* A log y axis when the measured values (student, lt) and the source's span
 * more than a factor 30 (at the paper's size from 1e-4 to 0.16): its range
 * from the measured values' smallest (source values below it, e.g. 0 at
 * mu = 0, are left out) to the largest of all; 0 keeps the linear axis. */
static int pperp_log_range(double *ymin, double *ymax, const relu_result *r, const double *lt)
{
    double lo = INFINITY, hi = 0.0;
    for (size_t t = 0; t < r->NO; t++) {
        const double v[2] = {r->pp_student[t], lt[t]};
        for (int k = 0; k < 2; k++)
            if (isfinite(v[k]) && v[k] > 0) lo = fmin(lo, v[k]), hi = fmax(hi, v[k]);
        if (isfinite(r->pp_source[t])) hi = fmax(hi, r->pp_source[t]);
    }
    if (!(lo < INFINITY) || !(hi > 30.0 * lo)) return 0;
    *ymin = 0.5 * lo;
    *ymax = 2.0 * hi;
    return 1;
}

static int fig_pperp(const relu_job *job, const relu_result *r, unsigned fmts, file_list *out)
{
    const fate_relu_sweep *w = &job->sweep;
    const size_t NO = r->NO, NN = r->NN;
    double *lt = malloc(NO * sizeof *lt), *lte = malloc(NO * sizeof *lte);
    if (!lt || !lte) { free(lt); free(lte); return -1; }
    for (size_t t = 0; t < NO; t++) {
        const relu_stat *s = &r->stat[(t * NN + NN - 1) * RM_COUNT + RM_LT];
        lt[t] = s->count ? s->mean_risk : NAN;
        lte[t] = s->count ? s->std_risk : NAN;
    }
    char title[256], set[160], ltl[96];
    setting(set, sizeof set, w);
    snprintf(title, sizeof title, "Target outside the pretrained features (%s)", set);
    snprintf(ltl, sizeof ltl, "linear-transfer risk R_lt at n = %zu", r->ns[NN - 1]);
    fate_series s[3] = {
        {"|P\xe2\x8a\xa5 f\xe2\x82\x9c|\xc2\xb2, source teacher's neurons", w->overlaps, r->pp_source, r->pp_source_sd,
         NO, FATE_SERIES_LINE, 0},
        {"|P\xe2\x8a\xa5 f\xe2\x82\x9c|\xc2\xb2, pretrained student's features", w->overlaps, r->pp_student,
         r->pp_student_sd, NO, FATE_SERIES_POINTS, 1},
        {ltl, w->overlaps, lt, lte, NO, FATE_SERIES_POINTS, 2}};
    fate_line_plot p = {title, ax_label(w), "squared L\xc2\xb2 norm (target units\xc2\xb2)", s, 3, 0, 0, 0, 0,
                        0, 0, 0};
    p.logy = pperp_log_range(&p.ymin, &p.ymax, r, lt);
    int rc = fig_emit_lines(job->dir, "pperp", fmts, out, &p);
    free(lt);
    free(lte);
    return rc;
}

static int fig_scratch_fit(const relu_job *job, const relu_result *r, unsigned fmts, file_list *out)
{
    const size_t NN = r->NN;
    double *n = malloc(NN * sizeof *n), *R = malloc(NN * sizeof *R), *e = malloc(NN * sizeof *e);
    enum { FN = 100 };
    double fx[FN], fy[FN];
    int rc = -1;
    if (!n || !R || !e) goto done;
    for (size_t j = 0; j < NN; j++) {
        const relu_stat *s = &r->stat[j * RM_COUNT + RM_SC];
        n[j] = (double)r->ns[j];
        R[j] = s->count ? s->mean_risk : NAN;
        e[j] = s->count ? s->sem_risk : NAN;
    }
    const double f0 = r->fit_n_min > 0 ? (double)r->fit_n_min : n[0];
    for (size_t k = 0; k < FN; k++) {
        fx[k] = f0 * pow(n[NN - 1] / f0, (double)k / (FN - 1));
        fy[k] = r->A * pow(fx[k], -r->p);
    }
    char title[256], set[160], fl[128];
    setting(set, sizeof set, &job->sweep);
    snprintf(title, sizeof title, "Scratch risk and its power law (%s)", set);
    snprintf(fl, sizeof fl, "fit A n^\xe2\x88\x92p (n \xe2\x89\xa5 %zu): A = %.3g \xc2\xb1 %.2g, p = %.3f \xc2\xb1 %.3f",
             r->fit_n_min, r->A, r->A_se, r->p, r->p_se);
    fate_series s[2] = {{"scratch R_sc (mean \xc2\xb1 s.e.)", n, R, e, NN, FATE_SERIES_POINTS, 0},
                        {fl, fx, fy, NULL, FN, FATE_SERIES_LINE, 1}};
    fate_line_plot p = {title, "target samples n", "test risk R_sc", s, isfinite(r->A) ? 2 : 1, 0, 0, 0, 0,
                        0, 1, 1};
    rc = fig_emit_lines(job->dir, "scratch_fit", fmts, out, &p);
done:
    free(n); free(R); free(e);
    return rc;
}

typedef struct ranked { double key; size_t i; } ranked;
static int by_key(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    return x->key < y->key ? -1 : x->key > y->key ? 1 : (x->i > y->i) - (x->i < y->i);
}

/* Feature correlations rho_ij = k(u_ij) / k(1) (u the cosine of student
 * neuron i and teacher neuron j, k the arc-cosine kernel) for the student
 * neurons that carry the pretrained function. */
static int fig_gram(const relu_job *job, double overlap, unsigned fmts, file_list *out)
{
    fate_relu_spec s = job->sweep.base;
    if (s.single_index || s.mstar < 2 || s.act != FATE_ACT_RELU) return 0;
    s.mu = overlap;
    const size_t d = s.d, m = s.m, ms = s.mstar;
    const size_t S = m < 60 ? m : 60;
    double *W = malloc(m * d * sizeof *W), *c = malloc(m * sizeof *c), *V = malloc(ms * d * sizeof *V);
    double *G = malloc(S * ms * sizeof *G), *xs = malloc(ms * sizeof *xs), *ys = malloc(S * sizeof *ys);
    ranked *rk = malloc(m * sizeof *rk);
    int rc = -1;
    fate_relu_method_result pr;
    if (!W || !c || !V || !G || !xs || !ys || !rk) goto done;
    if (fate_relu_pretrain(W, c, &pr, NULL, &s, 0, NULL) != FATE_OK ||
        fate_relu_teacher(V, ms, d, s.seed, 0) != FATE_OK) {
        fprintf(stderr, "fate: could not pretrain the network of the Gram figure\n");
        goto done;
    }
    /* the S neurons of largest contribution |c_i| |w_i| */
    for (size_t i = 0; i < m; i++) {
        double nw = 0;
        for (size_t k = 0; k < d; k++) nw += W[i * d + k] * W[i * d + k];
        rk[i] = (ranked){-fabs(c[i]) * sqrt(nw), i};
    }
    qsort(rk, m, sizeof *rk, by_key);
    /* ... grouped by their most correlated teacher neuron */
    ranked *sel = malloc(S * sizeof *sel);
    if (!sel) goto done;
    for (size_t q = 0; q < S; q++) {
        size_t i = rk[q].i, best = 0;
        double bu = -2;
        double nw = 0;
        for (size_t k = 0; k < d; k++) nw += W[i * d + k] * W[i * d + k];
        nw = sqrt(nw);
        for (size_t j = 0; j < ms; j++) {
            double u = 0;
            for (size_t k = 0; k < d; k++) u += W[i * d + k] * V[j * d + k];
            u = nw > 0 ? u / nw : 0;
            if (u > bu) { bu = u; best = j; }
        }
        sel[q] = (ranked){(double)best + 0.5 * (1.0 - bu), i};
    }
    qsort(sel, S, sizeof *sel, by_key);
    for (size_t q = 0; q < S; q++) {
        size_t i = sel[q].i;
        if (fate_relu_gram(G + q * ms, W + i * d, 1, V, ms, d) != FATE_OK) { free(sel); goto done; }
        double nw = 0;
        for (size_t k = 0; k < d; k++) nw += W[i * d + k] * W[i * d + k];
        /* gram = |w| |v| k(u) with |v| = 1; normalise by |w| k(1) = |w| / 2 */
        for (size_t j = 0; j < ms; j++) G[q * ms + j] = nw > 0 ? G[q * ms + j] / (0.5 * sqrt(nw)) : 0;
        ys[q] = (double)(q + 1);
    }
    free(sel);
    for (size_t j = 0; j < ms; j++) xs[j] = (double)(j + 1);
    char title[256], xl[160];
    size_t k = fate_relu_removed(ms, overlap);
    snprintf(title, sizeof title,
             "Pretrained features vs teacher features (\xce\xbc = %.3g, instance 0, pretraining risk %.2g)",
             overlap, pr.risk);
    snprintf(xl, sizeof xl, "teacher neuron j (1..%zu removed from the source, %zu..%zu kept)", k, k + 1, ms);
    if (k == 0) snprintf(xl, sizeof xl, "teacher neuron j (all %zu in the source)", ms);
    fate_phase_map mp = {.title = title, .zlabel = "feature correlation k(u)/k(1)", .thetas = xs,
                         .n_thetas = ms, .gammas = ys, .n_gammas = S, .values = G, .vmax = 1.0,
                         .xlabel = xl,
                         .ylabel = "student neuron (largest |c_i|\xc2\xb7|w_i| first, by nearest teacher)",
                         .x_plain = 1, .sequential = 1};
    rc = fig_emit_map(job->dir, "gram", fmts, out, &mp);
done:
    free(W); free(c); free(V); free(G); free(xs); free(ys); free(rk);
    return rc;
}

int relu_figures(const relu_job *job, const relu_result *r, double gram_overlap, unsigned fmts, file_list *out)
{
    int rc = 0;
    unsigned meth = job->sweep.base.methods;
    const unsigned pre = FATE_METHOD_LT | FATE_METHOD_FT | FATE_METHOD_LPFT; /* methods that pretrain */
    const int maps = r->NO >= 2 && r->NN >= 2;
    if (!r->summary) meth &= ~pre; /* nothing to draw them from */
    const char *ax = job->sweep.base.single_index ? "theta" : "mu";
    if (!maps && (meth & pre))
        fprintf(stderr, "fate phase: one %s%s%s: phase maps need at least 2 values of %s and 2 of n; "
                "drawing slices only\n", r->NO < 2 ? ax : "n", r->NO < 2 && r->NN < 2 ? " and one " : "",
                r->NO < 2 && r->NN < 2 ? "n" : "", ax);
    if (meth & FATE_METHOD_LT) rc |= maps ? fig_map(job, r, RM_LT, fmts, out) : fig_slice(job, r, RM_LT, fmts, out);
    if (meth & FATE_METHOD_FT) rc |= maps ? fig_map(job, r, RM_FT, fmts, out) : fig_slice(job, r, RM_FT, fmts, out);
    if (meth & FATE_METHOD_LPFT)
        rc |= maps ? fig_map(job, r, RM_LPFT, fmts, out) : fig_slice(job, r, RM_LPFT, fmts, out);
    if (meth & pre) rc |= fig_pperp(job, r, fmts, out);
    if (r->NN >= 2) rc |= fig_scratch_fit(job, r, fmts, out);
    if (meth & pre) rc |= fig_gram(job, gram_overlap, fmts, out);
    return rc ? -1 : 0;
}
