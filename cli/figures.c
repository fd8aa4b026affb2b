/* figures.c - phase maps, slices, double descent and ridge curves of a sweep,
 * simulation with theory overlaid (see figures.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fate_plot.h"
#include "figures.h"
#include "model_figures.h"

void file_list_add(file_list *l, const char *path)
{
    /* a folder assembled twice in one run (fate reproduce reopens sigma0.2,
     * already complete, for the decay experiment's baseline) is listed once */
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->paths[i], path)) return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        char **p = realloc(l->paths, cap * sizeof *p);
        if (!p) return;
        l->paths = p;
        l->cap = cap;
    }
    l->paths[l->n] = strdup(path);
    if (l->paths[l->n]) l->n++;
}

void file_list_free(file_list *l)
{
    for (size_t i = 0; i < l->n; i++) free(l->paths[i]);
    free(l->paths);
    memset(l, 0, sizeof *l);
}

/* The word of a FATE_METHOD_* bit. */
static const char *method_key(unsigned m)
{
    const char *w = fate_method_name(m);
    return w ? w : "scratch";
}

/* A method's name in titles. */
static const char *method_title(unsigned m)
{
    switch (m) {
    case FATE_METHOD_LT: return "Linear transfer";
    case FATE_METHOD_FT: return "Fine-tuning";
    case FATE_METHOD_LPFT: return "LP-FT";
    case FATE_METHOD_L2SP: return "Parameter transfer (L2-SP)";
    case FATE_METHOD_RIDGE: return "Tuned ridge";
    case FATE_METHOD_RIDGE_CV: return "Ridge, leave-one-out";
    default: return "Scratch";
    }
}

/* The baseline's symbol in labels: R_sc, R_ridge, R_best. */
static const char *base_key(unsigned base)
{
    return base == 0 || base == FATE_METHOD_SCRATCH ? "sc" : base == FATE_METHOD_RIDGE ? "ridge"
                                                      : base == FATE_METHOD_RIDGE_CV ? "cv" : "best";
}

/* Asymptotic risk of a method at (gamma, theta) (THEORY.md sections 3 and 8;
 * unit teachers), from the paper's point p: lpft only with an infinite
 * source and lambda = 0, l2sp with the source's limit moments, ridge_cv
 * none (NaN). */
static double theory_risk_method(const fate_spec *base, const fate_theory_point *p, unsigned method)
{
    const double psi = 1.0 / p->gamma, sigma = base->sigma;
    double m = cos(p->theta), q = 1.0;
    if (p->gamma_src > 0) fate_theory_source_moments(&m, &q, p->theta, p->gamma_src, p->sigma_src);
    const double r2 = fmax(1.0 - 2.0 * m + q, 0.0);
    double lam;
    switch (method) {
    case FATE_METHOD_SCRATCH: return p->R_sc;
    case FATE_METHOD_LT: return p->R_lt;
    case FATE_METHOD_FT: return p->R_ft_gf;
    case FATE_METHOD_LPFT:
        return p->gamma_src > 0 || p->lambda > 0 ? NAN
                                                 : p->R_sc - fate_theory_T_lpft(p->gamma, p->theta, sigma, p->depth);
    case FATE_METHOD_L2SP:
        lam = base->l2sp_lambda == FATE_LAMBDA_OPT ? fate_theory_ridge_lambda_opt(psi, sigma, r2) : base->l2sp_lambda;
        return fate_theory_ridge(psi, lam, sigma, r2);
    case FATE_METHOD_RIDGE: return fate_theory_ridge(psi, fate_theory_ridge_lambda_opt(psi, sigma, 1.0), sigma, 1.0);
    default: return NAN;
    }
}

/* A method's risk in fate_spec_theory (NaN: none). */
static double spec_theory_risk(const fate_spec_theory *t, unsigned method)
{
    switch (method) {
    case FATE_METHOD_SCRATCH: return t->scratch;
    case FATE_METHOD_LT: return t->lt;
    case FATE_METHOD_FT: return t->ft;
    case FATE_METHOD_LPFT: return t->lpft;
    case FATE_METHOD_L2SP: return t->l2sp;
    case FATE_METHOD_RIDGE: return t->ridge;
    default: return NAN;
    }
}

/* Beyond one angle (k > 1 features or a spectrum, THEORY.md sections 10 and
 * 11) the asymptotic one-teacher forms do not apply: the theory is the one
 * beside each simulated cell, fate_spec_theory_eval at n = round(gamma d)
 * (exact or the deterministic equivalent; NaN where nothing is derived).
 * The theory row at (gamma, theta, lambda); 0, or -1 where there is none. */
static int geometry_theory(fate_spec_theory *t, const fate_spec *base, double gamma, double theta, double lambda)
{
    fate_spec s = *base;
    const double n = round(gamma * (double)base->d);
    if (!(n >= 1.0)) return -1;
    s.n = (size_t)n;
    s.theta = theta;
    s.lambda = lambda;
    return fate_spec_theory_eval(t, &s) == FATE_OK ? 0 : -1;
}

static double geometry_T_vs(const fate_spec *base, double gamma, double theta, double lambda, unsigned method,
                            unsigned baseline)
{
    fate_spec_theory t;
    if (geometry_theory(&t, base, gamma, theta, lambda)) return NAN;
    const unsigned b = baseline ? baseline : FATE_METHOD_SCRATCH;
    return method == b ? 0.0 : spec_theory_risk(&t, b) - spec_theory_risk(&t, method);
}

double theory_T_vs(const fate_spec *base, double gamma, double theta, double lambda, unsigned method,
                   unsigned baseline, int paper)
{
    if (base->k > 1 || base->spectrum) return geometry_T_vs(base, gamma, theta, lambda, method, baseline);
    fate_theory_point p;
    memset(&p, 0, sizeof p);
    p.gamma = gamma;
    p.theta = theta;
    p.sigma = base->sigma;
    p.lambda = lambda;
    p.gamma_src = base->n_src ? (double)base->n_src / (double)base->d : 0.0;
    p.sigma_src = base->sigma_src;
    p.d = 0;
    p.depth = base->depth;
    if (fate_theory_eval(&p) != FATE_OK) return NAN;
    const unsigned b = baseline ? baseline : FATE_METHOD_SCRATCH;
    if (method == b) return 0.0;
    if (b == FATE_METHOD_SCRATCH) { /* the paper's T, as the theory states it */
        if (method == FATE_METHOD_LT) return p.T_lt;
        if (method == FATE_METHOD_FT) return paper ? p.T_ft : p.T_ft_gf;
    }
    const double rm = method == FATE_METHOD_FT && paper ? p.R_ft : theory_risk_method(base, &p, method);
    return theory_risk_method(base, &p, b) - rm;
}

double theory_T_at(const fate_spec *base, double gamma, double theta, double lambda,
                   unsigned method, int paper)
{
    return theory_T_vs(base, gamma, theta, lambda, method, FATE_METHOD_SCRATCH, paper);
}

static int emit(const char *dir, const char *stem, unsigned fmts, file_list *out,
                int (*draw)(const char *path, fate_plot_format fmt, const void *arg), const void *arg)
{
    const fate_plot_format all[3] = {FATE_PLOT_PNG, FATE_PLOT_SVG, FATE_PLOT_PDF};
    for (int k = 0; k < 3; k++) {
        if (!(fmts & all[k])) continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.%s", dir, stem, fate_plot_extension(all[k]));
        if (draw(path, all[k], arg) != 0) {
            fprintf(stderr, "fate: could not write figure %s\n", path);
            return -1;
        }
        file_list_add(out, path);
    }
    return 0;
}

static int draw_map(const char *path, fate_plot_format fmt, const void *arg)
{
    return fate_plot_phase_map(path, fmt, (const fate_phase_map *)arg) == FATE_OK ? 0 : -1;
}

static int draw_lines(const char *path, fate_plot_format fmt, const void *arg)
{
    return fate_plot_lines(path, fmt, (const fate_line_plot *)arg) == FATE_OK ? 0 : -1;
}

static int draw_category(const char *path, fate_plot_format fmt, const void *arg)
{
    return fate_plot_category_map(path, fmt, (const fate_category_map *)arg) == FATE_OK ? 0 : -1;
}

int fig_emit_category(const char *dir, const char *stem, unsigned fmts, file_list *out, const fate_category_map *m)
{
    return emit(dir, stem, fmts, out, draw_category, m);
}

int fig_emit_map(const char *dir, const char *stem, unsigned fmts, file_list *out, const fate_phase_map *m)
{
    return emit(dir, stem, fmts, out, draw_map, m);
}

int fig_emit_lines(const char *dir, const char *stem, unsigned fmts, file_list *out, const fate_line_plot *p)
{
    return emit(dir, stem, fmts, out, draw_lines, p);
}

/* Noise and source as a short title suffix. */
static void setting(char *buf, size_t size, const sweep_view *v)
{
    const fate_spec *b = v->base;
    static const char *const align[3] = {"random", "top", "tail"};
    int k = snprintf(buf, size, "d = %zu, L = %zu, σ = %g", b->d, b->depth, b->sigma);
    if (b->n_src && k > 0 && (size_t)k < size)
        k += snprintf(buf + k, size - (size_t)k, ", γ_s = %.3g, σ_s = %g",
                      (double)b->n_src / (double)b->d, b->sigma_src);
    /* the task geometry (THEORY.md sections 10, 11): a map must say it */
    if (b->k > 1 && k > 0 && (size_t)k < size) k += snprintf(buf + k, size - (size_t)k, ", k = %zu", b->k);
    if (b->spectrum && b->align <= FATE_ALIGN_TAIL && k > 0 && (size_t)k < size)
        snprintf(buf + k, size - (size_t)k, ", x ~ N(0, Σ), teachers %s", align[b->align]);
}

/* A sweep's summary rows as the groups of the generic figures
 * (model_figures.h): the rows may be made up (fate reproduce's map against
 * the best baseline), so the figures read them, not the job's groups. */
typedef struct view_summary {
    model_summary s;
    double *keys;
    sample_stat *stat;
    double *theory;
    size_t c_method, c_lambda;
} view_summary;

static void view_summary_free(view_summary *w)
{
    free(w->s.g); free(w->keys); free(w->stat); free(w->theory);
}

/* One row's coordinates and keys, and the statistics of risk and T. */
static void view_group(view_summary *w, const summary_row *r, double *key, sample_stat *st)
{
    const model_summary *s = &w->s;
    for (size_t k = 0; k < s->ncol; k++) {
        const char *c = s->cols[k].name;
        key[k] = !strcmp(c, "gamma") ? r->gamma : !strcmp(c, "theta") ? r->theta : !strcmp(c, "n") ? (double)r->n
               : !strcmp(c, "lambda") ? r->lambda : NAN;
        st[k] = !strcmp(c, "T") ? (sample_stat){r->mean_T, r->std_T, r->sem_T, r->instances}
              : !strcmp(c, "risk") ? (sample_stat){r->mean_risk, r->std_risk, r->sem_risk, r->instances}
                                   : (sample_stat){NAN, NAN, NAN, 0};
        if (!strcmp(c, "lambda")) w->c_lambda = k;
        if (s->cols[k].kind != FATE_COL_WORD) continue;
        w->c_method = k;
        for (size_t q = 0; q < s->m->n_words; q++)
            if (!strcmp(s->m->words[q], r->method)) key[k] = (double)q;
    }
}

/* 0, or -1 (out of memory). Rows of no known method are left out. */
static int view_summary_make(view_summary *w, const sweep_view *v)
{
    const fate_model *m = &fate_model_linear;
    size_t nc;
    const fate_column *cols = m->columns(NULL, &nc);
    const size_t n = v->n_rows ? v->n_rows : 1;
    *w = (view_summary){.s = {.m = m, .cols = cols, .ncol = nc}};
    w->s.g = calloc(n, sizeof *w->s.g);
    w->keys = malloc(n * nc * sizeof *w->keys), w->stat = malloc(n * nc * sizeof *w->stat);
    w->theory = malloc(n * m->n_theory * sizeof *w->theory);
    if (!w->s.g || !w->keys || !w->stat || !w->theory) { view_summary_free(w); return -1; }
    for (size_t i = 0; i < v->n_rows; i++) {
        const summary_row *r = &v->rows[i];
        double *key = w->keys + w->s.n * nc, *th = w->theory + w->s.n * m->n_theory;
        sample_stat *st = w->stat + w->s.n * nc;
        view_group(w, r, key, st);
        if (r->theta_index >= v->n_thetas || r->gamma_index >= v->n_gammas || isnan(key[w->c_method])) continue;
        th[0] = r->theory_risk, th[1] = r->theory_T, th[2] = r->theory_T_paper;
        w->s.g[w->s.n++] = (summary_group){r->theta_index, r->gamma_index, key, r->instances, st, th, NULL};
    }
    return 0;
}

/* What a linear figure draws: one method (lt at the first ridge) of a view,
 * with the theory T at d -> infinity. */
typedef struct lin_fig {
    const sweep_view *v;
    const view_summary *w;
    unsigned method;
    int along_theta; /* slices against theta at fixed gammas */
} lin_fig;

static int lin_pick(const model_summary *s, const summary_group *g, const void *ctx)
{
    const lin_fig *f = ctx;
    if (strcmp(s->m->words[(size_t)g->keys[f->w->c_method]], method_key(f->method)) != 0) return 0;
    return f->method != FATE_METHOD_LT || g->keys[f->w->c_lambda] == f->v->lambdas[0];
}

/* The theory T at (theta, gamma); the zero level is drawn on the maps. */
static double lin_T(const void *ctx, double theta, double gamma)
{
    const lin_fig *f = ctx;
    return theory_T_vs(f->v->base, gamma, theta, f->v->lambdas[0], f->method, f->v->baseline, 0);
}

/* Line k of a slice: the theory T (fine-tuning: gradient flow), then the
 * paper's fine-tuning (c = 1). */
static double lin_line(const void *ctx, size_t k, double theta, double gamma)
{
    const lin_fig *f = ctx;
    return theory_T_vs(f->v->base, gamma, theta, f->v->lambdas[0], f->method, f->v->baseline, k == 1);
}

int fig_phase_map(const sweep_view *v, const char *dir, const char *stem, unsigned method,
                  int theory_only, unsigned fmts, file_list *out)
{
    view_summary w;
    if (view_summary_make(&w, v)) return -1;
    const lin_fig f = {v, &w, method, 0};
    char title[256], zl[128], set[128];
    setting(set, sizeof set, v);
    const char *ml = method_title(method);
    if (v->tag && *v->tag)
        snprintf(title, sizeof title, "%s — %s: %s T (%s)", v->tag, ml,
                 theory_only ? "theory" : "simulated", set);
    else
        snprintf(title, sizeof title, "%s: %s T (%s)", ml, theory_only ? "theory" : "simulated", set);
    snprintf(zl, sizeof zl, "%s T = R_%s − R_%s", theory_only ? "theory" : "simulated", base_key(v->baseline),
             method_key(method));
    /* the scratch risk diverges at gamma = 1: the field is held finite, as
     * only its zero level is drawn */
    const fig_field zero = {lin_T, &f, method == FATE_METHOD_FT ? "theory T = 0 (gradient flow)" : "theory T = 0",
                            161, 161, 0.0, M_PI, 1e-3, INFINITY, 1e3};
    /* colour range: symmetric, not set by the double-descent spike of T at
     * gamma = 1 (the 98th percentile of |T|) */
    const fig_map_spec m = {.stem = stem, .pick = lin_pick, .pick_ctx = &f,
                            .look = {.title = title, .value_label = zl, .row_pi = 1,
                                     .row_scale = FIG_SCALE_LINEAR, .col_scale = FIG_SCALE_LINEAR},
                            .range_q = 0.98, .range_k = 1.0, .overlay = &zero, .theory_only = theory_only};
    int rc = fig_model_map(&w.s, v->n_thetas, v->n_gammas, &m, dir, fmts, out);
    view_summary_free(&w);
    return rc;
}

/* Index of the grid angle nearest to a, or -1 if none within half a step. */
static long nearest(const double *x, size_t n, double a)
{
    long best = -1;
    double bd = INFINITY;
    for (size_t i = 0; i < n; i++)
        if (fabs(x[i] - a) < bd) { bd = fabs(x[i] - a); best = (long)i; }
    double tol = n > 1 ? 0.51 * fabs(x[1] - x[0]) : 1e-9;
    return bd <= tol + 1e-12 ? best : -1;
}

static void angle_text(char *buf, size_t size, double a)
{
    /* pi multiples with small denominators read better than decimals */
    for (int den = 1; den <= 24; den++) {
        double num = a * den / M_PI;
        if (fabs(num - round(num)) < 1e-9) {
            long k = lround(num);
            if (k == 0) snprintf(buf, size, "0");
            else if (den == 1 && k == 1) snprintf(buf, size, "π");
            else if (den == 1) snprintf(buf, size, "%ldπ", k);
            else if (k == 1) snprintf(buf, size, "π/%d", den);
            else snprintf(buf, size, "%ldπ/%d", k, den);
            return;
        }
    }
    snprintf(buf, size, "%.3f", a);
}

/* "θ = π/8" at a fixed angle, "γ = 0.5" at a fixed gamma. */
static void lin_at(const void *ctx, double v, char *buf, size_t size)
{
    const lin_fig *f = ctx;
    char ang[32];
    angle_text(ang, sizeof ang, v);
    if (f->along_theta) snprintf(buf, size, "γ = %.3g", v);
    else snprintf(buf, size, "θ = %s", ang);
}

static void lin_label(const void *ctx, size_t a, size_t k, const char *at, char *buf, size_t size)
{
    const lin_fig *f = ctx;
    (void)a;
    if (k == 0) snprintf(buf, size, "simulation %s (mean ± std)", at);
    else if (k == 1) snprintf(buf, size, "theory %s%s", at, f->method == FATE_METHOD_FT ? " (gradient flow)" : "");
    else snprintf(buf, size, "paper c = 1, %s", at);
}

/* The simulated T (mean ± std) with the theory lines along one axis of the
 * grid, one slice per index fix[0..nfix) of the other axis: along gamma at
 * fixed angles (the paper's slices), or along theta at fixed gammas. */
static int slices_along(const sweep_view *v, const char *dir, const char *stem, unsigned method,
                        int along_theta, const size_t *fix, size_t nfix, unsigned fmts, file_list *out)
{
    view_summary w;
    if (view_summary_make(&w, v)) return -1;
    const lin_fig f = {v, &w, method, along_theta};
    /* theory over the grid's range; around the one value of a one-value axis */
    const double *xs = along_theta ? v->thetas : v->gammas;
    const size_t NX = along_theta ? v->n_thetas : v->n_gammas;
    double x0 = xs[0], x1 = xs[NX - 1];
    if (NX == 1) {
        x0 = along_theta ? fmax(0.0, x0 - M_PI / 8) : 0.5 * x0;
        x1 = along_theta ? fmin(M_PI, x1 + M_PI / 8) : 1.5 * x1;
    }
    const fig_lines lines = {method == FATE_METHOD_FT && v->base->sigma > 0 ? 2 : 1, lin_line, &f, 400, x0, x1};
    char title[256], set[128], yl[64];
    setting(set, sizeof set, v);
    snprintf(title, sizeof title, "%s%s%s transferability vs %s (%s)", v->tag && *v->tag ? v->tag : "",
             v->tag && *v->tag ? " — " : "", method == FATE_METHOD_LT ? "Linear-transfer" : method_title(method),
             along_theta ? "θ" : "γ", set);
    snprintf(yl, sizeof yl, "T = R_%s − R_%s", base_key(v->baseline), method_key(method));
    const fig_slices_spec p = {.stem = stem, .pick = lin_pick, .pick_ctx = &f,
                               .look = {.title = title, .value_label = yl, .row_scale = FIG_SCALE_LINEAR,
                                        .col_scale = FIG_SCALE_LINEAR},
                               .along_row = along_theta, .fix = fix, .n_fix = nfix, .err_sd = 1,
                               .points_ylim = 1, .theory = &lines, .label = lin_label, .at_text = lin_at,
                               .ctx = &f};
    int rc = fig_model_slices(&w.s, v->n_thetas, v->n_gammas, &p, dir, fmts, out);
    view_summary_free(&w);
    return rc;
}

int fig_slices(const sweep_view *v, const char *dir, const char *stem, unsigned method,
               const double *angles, size_t na, unsigned fmts, file_list *out)
{
    size_t *fix = malloc((na ? na : 1) * sizeof *fix), nfix = 0;
    if (!fix) return -1;
    for (size_t a = 0; a < na; a++) {
        long t = nearest(v->thetas, v->n_thetas, angles[a]);
        if (t < 0) fprintf(stderr, "fate: slice at theta = %.4f skipped: not on the theta grid\n", angles[a]);
        else fix[nfix++] = (size_t)t;
    }
    int rc = nfix ? slices_along(v, dir, stem, method, 0, fix, nfix, fmts, out) : 0;
    free(fix);
    return rc;
}

int fig_slices_theta(const sweep_view *v, const char *dir, const char *stem, unsigned method,
                     unsigned fmts, file_list *out)
{
    size_t *fix = malloc(v->n_gammas * sizeof *fix);
    if (!fix) return -1;
    for (size_t j = 0; j < v->n_gammas; j++) fix[j] = j;
    int rc = slices_along(v, dir, stem, method, 1, fix, v->n_gammas, fmts, out);
    free(fix);
    return rc;
}

int fig_phase_all(const sweep_view *v, const char *dir, unsigned methods, const double *slices,
                  size_t n_slices, int theory_map, unsigned fmts, file_list *out)
{
    const size_t G = v->n_gammas, T = v->n_thetas;
    const int maps = G > 1 && T > 1;
    if (!maps)
        fprintf(stderr, "fate phase: %s: phase maps need at least 2 angles and 2 gammas; drawing slices only\n",
                G > 1 ? "one angle" : T > 1 ? "one gamma" : "one angle and one gamma");
    int rc = 0;
    /* every method but the baseline itself (its T is 0 by definition);
     * scratch against a tuned baseline shows what tuning gains */
    const unsigned base = v->baseline ? v->baseline : FATE_METHOD_SCRATCH;
    unsigned ms[32];
    int nm = 0;
    for (unsigned k = 0; fate_method_name(1u << k); k++)
        if ((methods & (1u << k)) && (1u << k) != base && !(base == FATE_BASELINE_BEST && ((1u << k) & base)))
            ms[nm++] = 1u << k;
    for (int k = 0; k < nm; k++) {
        const char *key = method_key(ms[k]);
        char stem[64];
        if (maps) {
            snprintf(stem, sizeof stem, "phase_%s", key);
            rc |= fig_phase_map(v, dir, stem, ms[k], 0, fmts, out);
            if (theory_map) {
                snprintf(stem, sizeof stem, "phase_%s_theory", key);
                rc |= fig_phase_map(v, dir, stem, ms[k], 1, fmts, out);
            }
        }
        /* one angle: the slice at it, whatever --slices asked */
        snprintf(stem, sizeof stem, "slices_%s", key);
        if (T == 1) rc |= fig_slices(v, dir, stem, ms[k], v->thetas, 1, fmts, out);
        else if (G == 1) rc |= fig_slices_theta(v, dir, stem, ms[k], fmts, out);
        else rc |= fig_slices(v, dir, stem, ms[k], slices, n_slices, fmts, out);
    }
    if (methods & FATE_METHOD_SCRATCH) rc |= fig_scratch(v, dir, "scratch", fmts, out);
    if (v->n_lambdas > 1 && (methods & FATE_METHOD_LT))
        rc |= fig_ridge(v, dir, "ridge", 0.5, M_PI / 8, fmts, out);
    return rc ? -1 : 0;
}

int fig_scratch(const sweep_view *v, const char *dir, const char *stem, unsigned fmts,
                file_list *out)
{
    const size_t G = v->n_gammas, ND = 600;
    double *y = malloc(G * sizeof *y), *e = malloc(G * sizeof *e), *xd = malloc(ND * sizeof *xd);
    double *ya = malloc(ND * sizeof *ya), *yx = malloc(ND * sizeof *yx);
    int rc = -1;
    if (!y || !e || !xd || !ya || !yx) goto done;
    size_t found = 0;
    for (size_t j = 0; j < G; j++) y[j] = e[j] = NAN;
    for (size_t r = 0; r < v->n_rows; r++) {
        const summary_row *s = &v->rows[r];
        if (strcmp(s->method, "scratch") != 0 || s->theta_index != 0) continue;
        y[s->gamma_index] = s->mean_risk;
        e[s->gamma_index] = s->std_risk;
        found++;
    }
    if (!found) { rc = 0; goto done; }
    double gmax = v->gammas[G - 1] * 1.02, gmin = fmin(0.02, v->gammas[0]);
    /* under a spectrum the isotropic forms do not apply: the theory beside
     * each cell (the deterministic equivalent at d, THEORY.md section 11) */
    const int aniso = v->base->spectrum != NULL;
    for (size_t i = 0; i < ND; i++) {
        xd[i] = gmin + (gmax - gmin) * (double)i / (double)(ND - 1);
        ya[i] = aniso ? NAN : fate_theory_scratch(xd[i], v->base->sigma);
        size_t n = (size_t)lround(xd[i] * (double)v->base->d);
        fate_spec_theory t;
        yx[i] = n < 1 ? NAN
                : aniso ? (geometry_theory(&t, v->base, xd[i], v->thetas[0], 0.0) ? NAN : t.scratch)
                        : fate_theory_scratch_exact(n, v->base->d, v->base->sigma);
    }
    char title[256], set[160], lx[64];
    setting(set, sizeof set, v);
    snprintf(title, sizeof title, "%s%sScratch risk: double descent (%s)", v->tag && *v->tag ? v->tag : "",
             v->tag && *v->tag ? " — " : "", set);
    snprintf(lx, sizeof lx, aniso ? "theory, d = %zu (deterministic equivalent)" : "theory, d = %zu (exact mean)",
             v->base->d);
    fate_series ser[3] = {
        {"simulation (mean ± std)", v->gammas, y, e, G, FATE_SERIES_POINTS, 0},
        {"theory, d → ∞", xd, ya, NULL, ND, FATE_SERIES_LINE, 1},
        {lx, xd, yx, NULL, ND, FATE_SERIES_DASHED, 2}};
    if (aniso) ser[1] = ser[2]; /* no isotropic limit line */
    fate_line_plot p = {.title = title, .xlabel = "target samples per dimension γ = n/d",
                        .ylabel = aniso ? "scratch risk R_sc = |β̂ − β_t|²_Σ" : "scratch risk R_sc = |β̂ − β_t|²",
                        .series = ser, .n_series = aniso ? 2 : 3};
    fig_points_ylim(&p);
    if (p.ymin < 0) p.ymin = 0; /* a risk */
    rc = emit(dir, stem, fmts, out, draw_lines, &p);
done:
    free(y); free(e); free(xd); free(ya); free(yx);
    return rc;
}

int fig_ridge(const sweep_view *v, const char *dir, const char *stem, double gamma, double theta,
              unsigned fmts, file_list *out)
{
    const size_t NL = v->n_lambdas, ND = 200;
    if (NL < 2) return 0;
    long j = nearest(v->gammas, v->n_gammas, gamma), t = nearest(v->thetas, v->n_thetas, theta);
    if (j < 0) j = 0;
    if (t < 0) t = 0;
    double *y = malloc(NL * sizeof *y), *e = malloc(NL * sizeof *e), *xd = malloc(ND * sizeof *xd);
    double *yd = malloc(ND * sizeof *yd), *ye = malloc(NL * sizeof *ye);
    int rc = -1;
    if (!y || !e || !xd || !yd || !ye) goto done;
    for (size_t l = 0; l < NL; l++) y[l] = e[l] = ye[l] = NAN;
    for (size_t r = 0; r < v->n_rows; r++) {
        const summary_row *s = &v->rows[r];
        if (strcmp(s->method, "lt") != 0 || s->gamma_index != (size_t)j || s->theta_index != (size_t)t) continue;
        for (size_t l = 0; l < NL; l++)
            if (s->lambda == v->lambdas[l]) {
                y[l] = s->mean_risk;
                e[l] = s->std_risk;
                ye[l] = s->theory_risk;
            }
    }
    double lmin = v->lambdas[0], lmax = v->lambdas[NL - 1];
    for (size_t i = 0; i < ND; i++) {
        xd[i] = lmin + (lmax - lmin) * (double)i / (double)(ND - 1);
        fate_theory_point p;
        memset(&p, 0, sizeof p);
        p.gamma = v->gammas[j];
        p.theta = v->thetas[t];
        p.sigma = v->base->sigma;
        p.lambda = xd[i];
        p.gamma_src = v->base->n_src ? (double)v->base->n_src / (double)v->base->d : 0.0;
        p.sigma_src = v->base->sigma_src;
        p.depth = v->base->depth;
        yd[i] = fate_theory_eval(&p) == FATE_OK ? p.R_lt : NAN;
    }
    char title[256], set[128], at[32];
    setting(set, sizeof set, v);
    angle_text(at, sizeof at, v->thetas[t]);
    snprintf(title, sizeof title, "Linear transfer with ridge at γ = %.3g, θ = %s (%s)", v->gammas[j], at, set);
    fate_series ser[3] = {
        {"simulation (mean ± std)", v->lambdas, y, e, NL, FATE_SERIES_POINTS, 0},
        {"theory (n, d → ∞)", xd, yd, NULL, ND, FATE_SERIES_LINE, 1},
        {"theory at finite n (λ = 0 exact)", v->lambdas, ye, NULL, NL, FATE_SERIES_DASHED, 2}};
    fate_line_plot p = {.title = title, .xlabel = "ridge λ (penalty nλ|w_L|²)",
                        .ylabel = "linear-transfer risk R_lt", .series = ser, .n_series = 3};
    rc = emit(dir, stem, fmts, out, draw_lines, &p);
done:
    free(y); free(e); free(xd); free(yd); free(ye);
    return rc;
}
