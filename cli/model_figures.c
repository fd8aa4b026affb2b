/* model_figures.c - the maps and slices of every model, drawn from its
 * summary groups and its declared axes (see model_figures.h):
 *   map     the mean value over the grid (diverging and centred on zero for a
 *           gain, sequential for a risk), x the row axis, y the column axis,
 *           with the zero level of an optional field drawn over it;
 *   slices  the value against one axis, one series per coordinate of the
 *           other (mean +- error), the theory as lines of the same colour
 *           (the first solid, the others dashed).
 * model_figures() draws both for a model declared by its table alone. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_figures.h"

static const char *label_of(const fate_column *c) { return c->label ? c->label : c->name; }

/* The keys that are neither axis nor instance: groups differing in them get
 * figures of their own. 1 if group a and b agree on them. */
static int same_extra(const model_summary *s, const double *a, const double *b)
{
    for (size_t k = 0; k < s->ncol; k++) {
        const fate_column *c = &s->cols[k];
        if (k == s->m->row_axis || k == s->m->col_axis || c->role == FATE_ROLE_VALUE ||
            c->role == FATE_ROLE_INSTANCE)
            continue;
        if (c->role == FATE_ROLE_COORD) continue; /* n and the like follow the axes */
        if (memcmp(&a[k], &b[k], sizeof a[k]) != 0) return 0;
    }
    return 1;
}

/* "method = lt, lambda = 0" for the extra keys of a group ("" if none). */
static void extra_text(char *buf, size_t size, const model_summary *s, const double *keys)
{
    size_t at = 0;
    buf[0] = '\0';
    for (size_t k = 0; keys && k < s->ncol && at < size; k++) {
        const fate_column *c = &s->cols[k];
        if (c->role != FATE_ROLE_KEY) continue;
        int w = c->kind == FATE_COL_WORD
                    ? snprintf(buf + at, size - at, "%s%s", at ? ", " : "", s->m->words[(size_t)keys[k]])
                    : snprintf(buf + at, size - at, "%s%s = %g", at ? ", " : "", c->name, keys[k]);
        if (w < 0) break;
        at += (size_t)w;
    }
}

static int increasing(const double *x, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (!(x[i] > x[i - 1])) return 0;
    return 1;
}

/* A logarithmic axis where the coordinates are positive and span more than
 * a factor of 20 (sample sizes, ridges without 0), unless the model says. */
static int is_log(fig_scale sc, const double *x, size_t n)
{
    if (sc != FIG_SCALE_AUTO) return sc == FIG_SCALE_LOG;
    for (size_t i = 0; i < n; i++)
        if (!(x[i] > 0)) return 0;
    return n > 1 && x[n - 1] / x[0] > 20.0;
}

/* A map needs 2 or more increasing coordinates on each axis. */
static int map_ok(const double *xr, size_t R, const double *yc, size_t C)
{
    return R >= 2 && C >= 2 && increasing(xr, R) && increasing(yc, C);
}

static int picked(const model_summary *s, const summary_group *g, fig_pick pick, const void *ctx)
{
    return !pick || pick(s, g, ctx);
}

/* The grid's coordinates along each axis, from the groups drawn (NaN where
 * none says: such an axis is not increasing). */
static void axes_of(double *xr, double *yc, const model_summary *s, size_t R, size_t C, fig_pick pick,
                    const void *ctx)
{
    for (size_t i = 0; i < R; i++) xr[i] = NAN;
    for (size_t i = 0; i < C; i++) yc[i] = NAN;
    for (size_t i = 0; i < s->n; i++) {
        const summary_group *g = &s->g[i];
        if (!picked(s, g, pick, ctx)) continue;
        if (g->row < R) xr[g->row] = g->keys[s->m->row_axis];
        if (g->col < C) yc[g->col] = g->keys[s->m->col_axis];
    }
}

/* The first group a figure draws (for its default title). */
static const summary_group *first_picked(const model_summary *s, fig_pick pick, const void *ctx)
{
    for (size_t i = 0; i < s->n; i++)
        if (picked(s, &s->g[i], pick, ctx)) return &s->g[i];
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* min(largest |z|, k * the q quantile of |z|) over the finite values: so
 * that one divergent cell (a risk at n = d, T at gamma = 1) does not wash
 * out the rest of the map; larger values take the end colour. k = 0: 0, the
 * plot's own range (the largest |z|). */
static double colour_range(const double *z, size_t n, double q, double k)
{
    double *a = malloc((n ? n : 1) * sizeof *a);
    size_t m = 0;
    for (size_t i = 0; a && i < n; i++)
        if (isfinite(z[i])) a[m++] = fabs(z[i]);
    double v = 0.0;
    if (m && k > 0) {
        qsort(a, m, sizeof *a, cmp_double);
        v = fmin(a[m - 1], k * a[(size_t)floor(q * (double)(m - 1))]);
    }
    free(a);
    return v > 0 ? v : 0.0;
}

/* n points from half a cell before the first cell to half a cell after the
 * last (geometric on a log axis), held inside [lo, hi]; n = 0: the cells'
 * own coordinates (nx >= 2, increasing). */
static void fine_axis(double *out, size_t n, const double *x, size_t nx, double lo, double hi, int lg)
{
    if (!n) { memcpy(out, x, nx * sizeof *x); return; }
    double a = x[0] - 0.5 * (x[1] - x[0]), b = x[nx - 1] + 0.5 * (x[nx - 1] - x[nx - 2]);
    if (lg) {
        a = log10(x[0]) - 0.5 * log10(x[1] / x[0]);
        b = log10(x[nx - 1]) + 0.5 * log10(x[nx - 1] / x[nx - 2]);
        if (lo > 0 && a < log10(lo)) a = log10(lo);
        if (hi > 0 && b > log10(hi)) b = log10(hi);
    } else {
        a = fmax(a, lo), b = fmin(b, hi);
    }
    for (size_t i = 0; i < n; i++) {
        const double t = a + (b - a) * (double)i / ((double)n - 1.0);
        out[i] = lg ? pow(10.0, t) : t;
    }
}

/* The overlay's field on its fine grid into cx (nx), cy (ny), cv (ny, nx);
 * 0, or 1 when a value that is not finite drops it (without a clamp). */
static int field_grid(const fig_field *f, double *cx, size_t nx, double *cy, size_t ny, double *cv)
{
    for (size_t k = 0; k < ny; k++)
        for (size_t i = 0; i < nx; i++) {
            double v = f->at(f->ctx, cx[i], cy[k]);
            if (f->clamp > 0) {
                /* infinities (a pole) are clamped; NaN (no theory there)
                 * stays NaN: the contour skips it, and a field with no
                 * value at all gets no legend entry (plot/map.c) */
                if (isinf(v)) v = v < 0 ? -f->clamp : f->clamp;
                if (!isnan(v)) v = fmax(-f->clamp, fmin(f->clamp, v));
            } else if (!isfinite(v)) {
                return 1;
            }
            cv[k * nx + i] = v;
        }
    return 0;
}

/* The cells' values (C, R): the picked groups' means, or the field. */
static void map_values(double *z, const model_summary *s, size_t R, size_t C, const fig_map_spec *m,
                       const double *xr, const double *yc)
{
    for (size_t i = 0; i < R * C; i++) z[i] = NAN;
    if (m->theory_only && m->overlay) {
        for (size_t j = 0; j < C; j++)
            for (size_t i = 0; i < R; i++) z[j * R + i] = m->overlay->at(m->overlay->ctx, xr[i], yc[j]);
        return;
    }
    for (size_t i = 0; i < s->n; i++) {
        const summary_group *g = &s->g[i];
        if (g->row < R && g->col < C && picked(s, g, m->pick, m->pick_ctx))
            z[g->col * R + g->row] = g->stat[s->m->figure_value].mean;
    }
}

/* Draws the map with its overlay, if any, on the fine grid. */
static int emit_map(fate_phase_map *pm, const fig_map_spec *m, const char *dir, unsigned fmts, file_list *out)
{
    const fig_field *f = m->overlay;
    const size_t nx = f && f->nx ? f->nx : pm->n_thetas, ny = f && f->ny ? f->ny : pm->n_gammas;
    double *cx = f ? malloc(nx * sizeof *cx) : NULL, *cy = f ? malloc(ny * sizeof *cy) : NULL;
    double *cv = f ? malloc(nx * ny * sizeof *cv) : NULL;
    if (f && (!cx || !cy || !cv)) { free(cx); free(cy); free(cv); return -1; }
    if (f) {
        fine_axis(cx, f->nx, pm->thetas, pm->n_thetas, f->xlo, f->xhi, pm->xlog);
        fine_axis(cy, f->ny, pm->gammas, pm->n_gammas, f->ylo, f->yhi, pm->ylog);
    }
    if (f && !field_grid(f, cx, nx, cy, ny, cv)) {
        pm->contour_thetas = cx, pm->n_contour_thetas = nx;
        pm->contour_gammas = cy, pm->n_contour_gammas = ny;
        pm->contour_values = cv, pm->contour_label = f->label;
    }
    int rc = fig_emit_map(dir, m->stem, fmts, out, pm);
    free(cx); free(cy); free(cv);
    return rc;
}

int fig_model_map(const model_summary *s, size_t R, size_t C, const fig_map_spec *m, const char *dir,
                  unsigned fmts, file_list *out)
{
    const size_t v = s->m->figure_value;
    double *xr = malloc((R ? R : 1) * sizeof *xr), *yc = malloc((C ? C : 1) * sizeof *yc);
    double *z = malloc((R * C + 1) * sizeof *z);
    int rc = xr && yc && z ? 0 : -1;
    if (!rc) axes_of(xr, yc, s, R, C, m->pick, m->pick_ctx);
    if (!rc && !map_ok(xr, R, yc, C)) {
        fprintf(stderr, "fate phase: no map: it needs 2 or more increasing values of both %s and %s\n",
                s->cols[s->m->row_axis].name, s->cols[s->m->col_axis].name);
        goto done;
    }
    if (rc) goto done;
    map_values(z, s, R, C, m, xr, yc);
    char title[256], extra[160];
    const summary_group *g0 = first_picked(s, m->pick, m->pick_ctx);
    extra_text(extra, sizeof extra, s, g0 ? g0->keys : NULL);
    snprintf(title, sizeof title, "%s: mean %s%s%s", s->m->name, s->cols[v].name, extra[0] ? ", " : "", extra);
    const fig_look *l = &m->look;
    fate_phase_map pm = {.title = l->title ? l->title : title,
                         .zlabel = l->value_label ? l->value_label : label_of(&s->cols[v]),
                         .thetas = xr, .n_thetas = R, .gammas = yc, .n_gammas = C, .values = z,
                         .xlabel = l->row_label ? l->row_label : label_of(&s->cols[s->m->row_axis]),
                         .ylabel = l->col_label ? l->col_label : label_of(&s->cols[s->m->col_axis]),
                         .vmax = colour_range(z, R * C, m->range_q, m->range_k), .x_plain = !l->row_pi,
                         .ylog = is_log(l->col_scale, yc, C), .sequential = !s->m->figure_diverging,
                         .xlog = is_log(l->row_scale, xr, R)};
    rc = emit_map(&pm, m, dir, fmts, out);
done:
    free(xr); free(yc); free(z);
    return rc;
}

void fig_points_ylim(fate_line_plot *p)
{
    size_t cap = 0;
    for (size_t k = 0; k < p->n_series; k++)
        if (p->series[k].style == FATE_SERIES_POINTS) cap += 2 * p->series[k].n;
    double *v = malloc((cap ? cap : 1) * sizeof *v), *a = malloc((cap ? cap : 1) * sizeof *a);
    size_t n = 0;
    for (size_t k = 0; v && a && k < p->n_series; k++) {
        const fate_series *s = &p->series[k];
        if (s->style != FATE_SERIES_POINTS) continue;
        for (size_t i = 0; i < s->n; i++) {
            double e = s->err && isfinite(s->err[i]) ? s->err[i] : 0.0;
            if (!isfinite(s->y[i])) continue;
            v[n++] = s->y[i] - e;
            v[n++] = s->y[i] + e;
        }
    }
    if (n) {
        for (size_t i = 0; i < n; i++) a[i] = fabs(v[i]);
        qsort(a, n, sizeof *a, cmp_double);
        const double lim = 4.0 * a[(size_t)floor(0.9 * (double)(n - 1))];
        double lo = INFINITY, hi = -INFINITY;
        for (size_t i = 0; i < n; i++)
            if (fabs(v[i]) <= lim || lim == 0.0) lo = fmin(lo, v[i]), hi = fmax(hi, v[i]);
        if (p->zero_line) lo = fmin(lo, 0.0), hi = fmax(hi, 0.0);
        const double pad = 0.08 * (hi - lo > 0 ? hi - lo : 1.0);
        p->ymin = lo - pad;
        p->ymax = hi + pad;
    }
    free(v);
    free(a);
}

/* A slices figure's arrays: per slice the points (x the cells'), their
 * errors and the theory lines (x the fine points or the cells'). */
typedef struct slice_data {
    size_t NX, NF, NT, nfix; /* cells along, theory points, lines per slice, slices */
    const double *xs;        /* (NX) the cells' coordinates along the slice */
    double *xf;              /* (NF) */
    double *y, *e;           /* (nfix, NX) */
    double *yt;              /* (nfix, NT, NF) */
    size_t *fix;             /* (nfix) */
} slice_data;

static void slice_data_free(slice_data *d)
{
    free(d->xf); free(d->y); free(d->e); free(d->yt); free(d->fix);
}

/* The theory of slice a: the lines' own functions on the fine points, else
 * the groups' theory values at the cells. */
static void slice_theory(slice_data *d, size_t a, const model_summary *s, const fig_slices_spec *p, double fixed)
{
    double *yt = d->yt + a * d->NT * d->NF;
    const fig_lines *L = p->theory;
    for (size_t k = 0; L && k < d->NT; k++)
        for (size_t i = 0; i < d->NF; i++)
            yt[k * d->NF + i] = p->along_row ? L->at(L->ctx, k, d->xf[i], fixed) : L->at(L->ctx, k, fixed, d->xf[i]);
    for (size_t i = 0; !L && i < s->n; i++) {
        const summary_group *g = &s->g[i];
        const size_t along = p->along_row ? g->row : g->col, at = p->along_row ? g->col : g->row;
        if (at != d->fix[a] || along >= d->NX || !picked(s, g, p->pick, p->pick_ctx)) continue;
        for (size_t k = 0; k < d->NT; k++) yt[k * d->NF + along] = g->theory[k];
    }
}

/* Fills the points and theory of every slice; 0 or -1 (out of memory). */
static int slice_fill(slice_data *d, const model_summary *s, const fig_slices_spec *p, const double *other, int lg)
{
    const fig_lines *L = p->theory;
    d->NT = L ? L->n : s->m->n_theory;
    d->NF = L && L->n_fine ? L->n_fine : d->NX;
    d->xf = malloc(d->NF * sizeof *d->xf);
    d->y = malloc(d->nfix * d->NX * sizeof *d->y), d->e = malloc(d->nfix * d->NX * sizeof *d->e);
    d->yt = malloc((d->nfix * d->NT * d->NF + 1) * sizeof *d->yt);
    if (!d->xf || !d->y || !d->e || !d->yt) return -1;
    const double lo = L && L->lo < L->hi ? L->lo : d->xs[0], hi = L && L->lo < L->hi ? L->hi : d->xs[d->NX - 1];
    for (size_t i = 0; i < d->NF; i++) {
        const double t = d->NF > 1 ? (double)i / (double)(d->NF - 1) : 0.0;
        /* (hi - lo) i / (NF - 1), not (hi - lo) t: the linear slices' points to the last bit */
        const double u = d->NF > 1 ? (hi - lo) * (double)i / (double)(d->NF - 1) : 0.0;
        d->xf[i] = !(L && L->n_fine) ? d->xs[i] : lg ? lo * pow(hi / lo, t) : lo + u;
    }
    for (size_t i = 0; i < d->nfix * d->NX; i++) d->y[i] = d->e[i] = NAN;
    for (size_t i = 0; i < d->nfix * d->NT * d->NF; i++) d->yt[i] = NAN;
    const size_t v = s->m->figure_value;
    for (size_t i = 0; i < s->n; i++) {
        const summary_group *g = &s->g[i];
        const size_t along = p->along_row ? g->row : g->col, at = p->along_row ? g->col : g->row;
        if (along >= d->NX || !picked(s, g, p->pick, p->pick_ctx)) continue;
        for (size_t a = 0; a < d->nfix; a++)
            if (d->fix[a] == at) {
                d->y[a * d->NX + along] = g->stat[v].mean;
                d->e[a * d->NX + along] = p->err_sd ? g->stat[v].sd : g->stat[v].se;
            }
    }
    for (size_t a = 0; a < d->nfix; a++) slice_theory(d, a, s, p, other[d->fix[a]]);
    return 0;
}

/* The series of slice data d with their legend texts. */
static void slice_series(fate_series *ser, char (*lab)[128], const slice_data *d, const model_summary *s,
                         const fig_slices_spec *p, const double *other)
{
    const fate_column *fc = &s->cols[p->along_row ? s->m->col_axis : s->m->row_axis];
    const size_t per = 1 + d->NT;
    for (size_t a = 0; a < d->nfix; a++) {
        char at[64];
        const double f = other[d->fix[a]];
        if (p->at_text) p->at_text(p->ctx, f, at, sizeof at);
        else snprintf(at, sizeof at, "%s = %g", fc->name, f);
        for (size_t k = 0; k < per; k++) {
            char *b = lab[a * per + k];
            if (p->label) p->label(p->ctx, a, k, at, b, sizeof lab[0]);
            else if (k == 0) snprintf(b, sizeof lab[0], "%s", at);
            else if (a == 0) snprintf(b, sizeof lab[0], "theory: %s", s->m->theory_names[k - 1]);
        }
        const int col = (int)(a % 8);
        ser[a * per] = (fate_series){lab[a * per], d->xs, d->y + a * d->NX, d->e + a * d->NX, d->NX,
                                     FATE_SERIES_POINTS, col};
        for (size_t k = 0; k < d->NT; k++)
            ser[a * per + 1 + k] = (fate_series){lab[a * per + 1 + k], d->xf, d->yt + (a * d->NT + k) * d->NF,
                                                 NULL, d->NF, k ? FATE_SERIES_DASHED : FATE_SERIES_LINE, col};
    }
}

int fig_model_slices(const model_summary *s, size_t R, size_t C, const fig_slices_spec *p, const char *dir,
                     unsigned fmts, file_list *out)
{
    const size_t v = s->m->figure_value, NO = p->along_row ? C : R, NF = p->fix ? p->n_fix : NO;
    const size_t along = p->along_row ? s->m->row_axis : s->m->col_axis;
    double *xr = malloc((R ? R : 1) * sizeof *xr), *yc = malloc((C ? C : 1) * sizeof *yc);
    slice_data d = {.NX = p->along_row ? R : C, .xs = p->along_row ? xr : yc};
    d.fix = malloc((NF ? NF : 1) * sizeof *d.fix);
    fate_series *ser = NULL;
    char(*lab)[128] = NULL;
    int rc = -1;
    if (!xr || !yc || !d.fix || !d.NX) goto done;
    axes_of(xr, yc, s, R, C, p->pick, p->pick_ctx);
    for (size_t a = 0; a < NF; a++)
        if (!p->fix || p->fix[a] < NO) d.fix[d.nfix++] = p->fix ? p->fix[a] : a;
    const fig_look *l = &p->look;
    const double *other = p->along_row ? yc : xr;
    const int lg = is_log(p->along_row ? l->row_scale : l->col_scale, d.xs, d.NX);
    if (slice_fill(&d, s, p, other, lg)) goto done;
    const size_t ns = d.nfix * (1 + d.NT);
    ser = calloc(ns ? ns : 1, sizeof *ser), lab = calloc(ns ? ns : 1, sizeof *lab);
    if (!ser || !lab) goto done;
    slice_series(ser, lab, &d, s, p, other);
    char title[256], extra[160];
    const summary_group *g0 = first_picked(s, p->pick, p->pick_ctx);
    extra_text(extra, sizeof extra, s, g0 ? g0->keys : NULL);
    snprintf(title, sizeof title, "%s: %s against %s%s%s", s->m->name, s->cols[v].name, s->cols[along].name,
             extra[0] ? ", " : "", extra);
    const char *xl = p->along_row ? l->row_label : l->col_label;
    fate_line_plot pl = {.title = l->title ? l->title : title, .xlabel = xl ? xl : label_of(&s->cols[along]),
                         .ylabel = l->value_label ? l->value_label : label_of(&s->cols[v]), .series = ser,
                         .n_series = ns, .zero_line = s->m->figure_diverging, .logx = lg};
    if (p->points_ylim) fig_points_ylim(&pl);
    rc = fig_emit_lines(dir, p->stem, fmts, out, &pl);
done:
    free(xr); free(yc); free(ser); free(lab);
    slice_data_free(&d);
    return rc;
}

/* Groups with the extra keys of the group whose keys ctx holds. */
static int same_as(const model_summary *s, const summary_group *g, const void *ctx)
{
    return same_extra(s, g->keys, ctx);
}

int model_figures(const model_summary *s, size_t R, size_t C, const char *dir, unsigned fmts, file_list *out)
{
    double *xr = malloc((R ? R : 1) * sizeof *xr), *yc = malloc((C ? C : 1) * sizeof *yc);
    int rc = xr && yc ? 0 : -1;
    if (!rc) axes_of(xr, yc, s, R, C, NULL, NULL);
    const int maps = !rc && map_ok(xr, R, yc, C), slices = !rc && increasing(yc, C);
    size_t figure = 0;
    for (size_t i = 0; !rc && i < s->n; i++) {
        int seen = 0;
        for (size_t q = 0; q < i && !seen; q++) seen = same_extra(s, s->g[q].keys, s->g[i].keys);
        if (seen) continue;
        /* one figure pair per combination of extra keys: map, map_2, ... */
        char mstem[64], sstem[64], num[24] = "";
        if (figure) snprintf(num, sizeof num, "_%zu", figure + 1);
        snprintf(mstem, sizeof mstem, "map%s", num);
        snprintf(sstem, sizeof sstem, "slices%s", num);
        const fig_map_spec m = {.stem = mstem, .pick = same_as, .pick_ctx = s->g[i].keys, .range_q = 0.9,
                                .range_k = 2.0};
        const fig_slices_spec p = {.stem = sstem, .pick = same_as, .pick_ctx = s->g[i].keys};
        /* the first map says once why there are none */
        if (maps || !figure) rc = fig_model_map(s, R, C, &m, dir, fmts, out);
        if (!rc && slices) rc = fig_model_slices(s, R, C, &p, dir, fmts, out);
        figure++;
    }
    free(xr);
    free(yc);
    return rc;
}
