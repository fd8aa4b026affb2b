/* trajectory_figure.c - the figures of fate run --trajectory
 * (trajectory_out.h): the learning curves on the target beside their theory
 * end values, and pretraining beside its depth-2 theory (THEORY.md
 * section 9). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fate_plot.h"
#include "options.h"
#include "stats.h"
#include "trajectory_out.h"

/* Faint lines of at most this many instances (the plot takes 1000 series). */
#define FAINT_MAX 40
#define SERIES_MAX 400

/* The series of one figure and the arrays they point to. */
typedef struct fig_build {
    fate_series ser[SERIES_MAX];
    size_t n;
    double *arrays[2 * SERIES_MAX];
    size_t na;
    int failed;
} fig_build;

static double *fb_array(fig_build *b, size_t n)
{
    double *a = b->na < 2 * SERIES_MAX ? malloc((n ? n : 1) * sizeof *a) : NULL;
    if (!a) { b->failed = 1; return NULL; }
    b->arrays[b->na++] = a;
    return a;
}

static void fb_add(fig_build *b, const char *label, double *x, double *y, size_t n, int style, int color)
{
    if (!x || !y || b->n >= SERIES_MAX) { b->failed = 1; return; }
    b->ser[b->n++] = (fate_series){label, x, y, NULL, n, style, color};
}

static void fb_free(fig_build *b)
{
    for (size_t i = 0; i < b->na; i++) free(b->arrays[i]);
}

static int method_color(unsigned m)
{
    switch (m) {
    case 0: return 7;
    case FATE_METHOD_SCRATCH: case FATE_METHOD_EARLY_STOP: return 0;
    case FATE_METHOD_LT: return 1;
    case FATE_METHOD_FT: return 2;
    case FATE_METHOD_LPFT: return 3;
    case FATE_METHOD_L2SP: return 4;
    case FATE_METHOD_RIDGE: return 5;
    default: return 6;
    }
}

/* The theory end value of a method (NaN: simulation only). */
static double method_theory(unsigned m, const fate_spec_theory *th)
{
    switch (m) {
    case FATE_METHOD_SCRATCH: return th->scratch;
    case FATE_METHOD_LT: return th->lt;
    case FATE_METHOD_FT: return th->ft;
    case FATE_METHOD_LPFT: return th->lpft;
    case FATE_METHOD_L2SP: return th->l2sp;
    case FATE_METHOD_RIDGE: return th->ridge;
    default: return NAN;
    }
}

/* Instance i's records of method m: the first and their number. */
static const fate_traj_point *records(const traj_set *t, size_t i, unsigned m, size_t *n)
{
    const fate_traj_point *p = t->pts + i * t->cap, *first = NULL;
    *n = 0;
    for (size_t r = 0; r < t->counts[i]; r++)
        if (p[r].method == m) {
            if (!first) first = &p[r];
            (*n)++;
        }
    return first;
}

/* Instance i's risk at step: the record there, or after the last record
 * the end value (training has stopped and the map stays). Records are at
 * the grid steps 0, every, 2 every, ... and the last step. */
static double risk_at(const fate_traj_point *p, size_t n, size_t step)
{
    for (size_t r = 0; r < n; r++)
        if (p[r].step >= step) return p[r].step == step ? p[r].risk : NAN;
    return p[n - 1].risk;
}

/* A GD method's curves: faint instances, their mean on the grid, and the
 * theory end value dashed. xmax: the largest step + 1 so far. */
static void add_gd(fig_build *b, const traj_set *t, unsigned m, const char *name, double *xmax)
{
    size_t last = 0;
    for (size_t i = 0; i < t->K; i++) {
        size_t n;
        const fate_traj_point *p = records(t, i, m, &n);
        if (!n) return;
        if (p[n - 1].step > last) last = p[n - 1].step;
        if (i >= FAINT_MAX) continue;
        double *x = fb_array(b, n), *y = fb_array(b, n);
        for (size_t r = 0; x && y && r < n; r++) x[r] = (double)p[r].step + 1.0, y[r] = p[r].risk;
        fb_add(b, "", x, y, n, FATE_SERIES_FAINT, method_color(m));
    }
    const size_t g = last / t->every + 2; /* grid 0, every, ... and last */
    double *x = fb_array(b, g), *y = fb_array(b, g);
    size_t ng = 0;
    for (size_t k = 0; x && y && k < g; k++) {
        const size_t step = k + 1 < g ? k * t->every : last;
        if (k + 1 == g && ng && x[ng - 1] == (double)step + 1.0) break;
        double sum = 0.0;
        for (size_t i = 0; i < t->K; i++) {
            size_t n;
            const fate_traj_point *p = records(t, i, m, &n);
            sum += risk_at(p, n, step);
        }
        x[ng] = (double)step + 1.0, y[ng++] = sum / (double)t->K;
    }
    fb_add(b, name, x, y, ng, FATE_SERIES_LINE, method_color(m));
    *xmax = fmax(*xmax, (double)last + 1.0);
}

/* A method's theory end value, dashed across the axis. */
static void add_theory(fig_build *b, unsigned m, double theory, double xmax, char *label, size_t lsize,
                       const char *name)
{
    if (!isfinite(theory)) return;
    double *x = fb_array(b, 2), *y = fb_array(b, 2);
    if (!x || !y) return;
    x[0] = 1.0, x[1] = xmax, y[0] = y[1] = theory;
    snprintf(label, lsize, "%s theory", name);
    fb_add(b, label, x, y, 2, FATE_SERIES_DASHED, method_color(m));
}

/* A closed form's (or early_stop's) mean end value as one marker at its
 * mean step + 1 (the closed forms at the right edge). */
static void add_point(fig_build *b, const traj_set *t, unsigned m, const char *name, double xmax)
{
    double sum = 0.0, steps = 0.0;
    for (size_t i = 0; i < t->K; i++) {
        size_t n;
        const fate_traj_point *p = records(t, i, m, &n);
        if (!n) return;
        sum += p->risk;
        steps += (double)p->step;
    }
    double *x = fb_array(b, 1), *y = fb_array(b, 1);
    if (!x || !y) return;
    x[0] = m == FATE_METHOD_EARLY_STOP ? steps / (double)t->K + 1.0 : xmax;
    y[0] = sum / (double)t->K;
    fb_add(b, name, x, y, 1, FATE_SERIES_POINTS, method_color(m));
}

static int target_figure(const char *dir, unsigned fmts, const traj_set *t, file_list *files)
{
    static const unsigned GD[] = {FATE_METHOD_SCRATCH, FATE_METHOD_FT, FATE_METHOD_LPFT, FATE_METHOD_L2SP_W};
    static const unsigned CLOSED[] = {FATE_METHOD_EARLY_STOP, FATE_METHOD_LT, FATE_METHOD_L2SP, FATE_METHOD_RIDGE,
                                      FATE_METHOD_RIDGE_CV};
    fate_spec_theory th;
    fate_spec_theory_eval(&th, t->s);
    fig_build *b = calloc(1, sizeof *b);
    char labels[16][48];
    if (!b) { cli_error("run", "out of memory for the trajectory figure"); return -1; }
    double xmax = 2.0;
    for (size_t k = 0; k < 4; k++)
        if (t->s->methods & GD[k]) add_gd(b, t, GD[k], traj_method_word(GD[k]), &xmax);
    for (size_t k = 0; k < 5; k++)
        if (t->s->methods & CLOSED[k]) add_point(b, t, CLOSED[k], traj_method_word(CLOSED[k]), xmax);
    size_t nl = 0;
    const unsigned ALL[] = {FATE_METHOD_SCRATCH, FATE_METHOD_FT, FATE_METHOD_LPFT, FATE_METHOD_LT, FATE_METHOD_L2SP,
                            FATE_METHOD_RIDGE};
    for (size_t k = 0; k < 6; k++)
        if (t->s->methods & ALL[k]) {
            add_theory(b, ALL[k], method_theory(ALL[k], &th), xmax, labels[nl], sizeof labels[nl],
                       traj_method_word(ALL[k]));
            nl++;
        }
    char title[160];
    snprintf(title, sizeof title, "Learning curves: d = %zu, L = %zu, γ = %.3g, θ = %.3g, σ = %g (%zu instances)",
             t->s->d, t->s->depth, (double)t->s->n / (double)t->s->d, t->s->theta, t->s->sigma, t->K);
    fate_line_plot lp = {.title = title, .xlabel = "GD step + 1", .ylabel = "risk |β − β_t|²",
                         .series = b->ser, .n_series = b->n, .logx = 1};
    int rc = b->failed || b->n == 0 ? -1 : fig_emit_lines(dir, "trajectory", fmts, files, &lp);
    if (b->failed) cli_error("run", "out of memory for the trajectory figure");
    fb_free(b);
    free(b);
    return rc;
}

/* The depth-2 theory of pretraining (THEORY.md section 9), each instance
 * from its own u0, averaged on the grid: risk (s - u_t)^2, the component
 * orthogonal to beta_s staying at the init's scale. 0 when it does not
 * apply (depth >= 3 or a finite source: simulation only). */
static int pretrain_theory(fig_build *b, const traj_set *t, const double *x, size_t g, int discrete)
{
    double *y = fb_array(b, g), *u = malloc(g * sizeof *u);
    size_t *steps = malloc(g * sizeof *steps);
    int ok = y && u && steps;
    for (size_t k = 0; ok && k < g; k++) y[k] = 0.0, steps[k] = (size_t)(x[k] - 1.0);
    for (size_t i = 0; ok && i < t->K; i++) {
        double u0, s, lr;
        int auto_lr;
        ok = fate_pretrain_u0(&u0, &s, &lr, &auto_lr, t->s, i) == FATE_OK &&
             fate_theory_saxe(u, steps, g, s, u0, lr, auto_lr, discrete) == FATE_OK;
        for (size_t k = 0; ok && k < g; k++) y[k] += (s - u[k]) * (s - u[k]) / (double)t->K;
    }
    free(u);
    free(steps);
    if (ok)
        fb_add(b, discrete ? "theory: GD on the balanced mode (ours)" : "theory: gradient flow (Saxe et al.)",
               (double *)x, y, g, FATE_SERIES_DASHED, discrete ? 1 : 3);
    return ok;
}

static int pretrain_figure(const char *dir, unsigned fmts, const traj_set *t, file_list *files)
{
    fig_build *b = calloc(1, sizeof *b);
    if (!b) { cli_error("run", "out of memory for the trajectory figure"); return -1; }
    double xmax = 2.0;
    add_gd(b, t, 0, "pretraining (mean)", &xmax);
    if (b->n && t->s->depth == 2 && t->s->n_src == 0) { /* THEORY.md section 9 */
        const fate_series *mean = &b->ser[b->n - 1];
        pretrain_theory(b, t, mean->x, mean->n, 1);
        pretrain_theory(b, t, mean->x, mean->n, 0);
    }
    char title[160];
    const int theory = t->s->depth == 2 && t->s->n_src == 0;
    snprintf(title, sizeof title, "Pretraining: d = %zu, L = %zu, %s source%s", t->s->d, t->s->depth,
             t->s->n_src ? "finite" : "infinite", theory ? "" : " (simulation only)");
    fate_line_plot lp = {.title = title, .xlabel = "GD step + 1", .ylabel = "risk |β − β_s|²",
                         .series = b->ser, .n_series = b->n, .logx = 1, .logy = 1};
    /* y from the simulation: the theory's (s - u)^2 falls to 0 */
    double lo = INFINITY, hi = 0.0;
    for (size_t k = 0; k < b->n; k++)
        for (size_t i = 0; b->ser[k].style != FATE_SERIES_DASHED && i < b->ser[k].n; i++)
            if (b->ser[k].y[i] > 0.0) lo = fmin(lo, b->ser[k].y[i]), hi = fmax(hi, b->ser[k].y[i]);
    if (lo < hi) lp.ymin = 0.5 * lo, lp.ymax = 2.0 * hi;
    int rc = b->failed ? -1 : b->n ? fig_emit_lines(dir, "trajectory_pretrain", fmts, files, &lp) : 0;
    if (b->failed) cli_error("run", "out of memory for the trajectory figure");
    fb_free(b);
    free(b);
    return rc;
}

int traj_figures(const char *dir, unsigned fmts, const traj_set *t, file_list *files)
{
    if (!fmts) return 0;
    if (target_figure(dir, fmts, t, files) != 0) return -1;
    if (t->s->methods & (FATE_METHOD_LT | FATE_METHOD_FT | FATE_METHOD_LPFT | FATE_METHOD_L2SP))
        return pretrain_figure(dir, fmts, t, files);
    return 0;
}
