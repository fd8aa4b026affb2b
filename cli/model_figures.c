/* model_figures.c - the figures of any model's sweep, drawn from the axes and
 * the value it declares (fate_model.row_axis, col_axis, figure_value) and its
 * summary (see model_figures.h):
 *   map     the mean value over the grid (diverging and centred on zero for a
 *           gain, sequential for a risk), one per combination of the other
 *           keys (e.g. each method);
 *   slices  the value against the column axis, one series per row coordinate
 *           (mean +- sem), the model's theory as lines of the same colour
 *           (the first theory solid, the others dashed). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_figures.h"
#include "options.h"

static const char *label_of(const fate_column *c) { return c->label ? c->label : c->name; }

/* The keys that are neither axis nor instance: groups differing in them get
 * maps of their own. 1 if group a and b agree on them. */
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
    for (size_t k = 0; k < s->ncol && at < size; k++) {
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
 * a factor of 20 (sample sizes, ridges without 0). */
static int wants_log(const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(x[i] > 0)) return 0;
    return n > 1 && x[n - 1] / x[0] > 20.0;
}

/* The grid's coordinates along each axis, from the groups. */
static void axes_of(double *ry, double *cx, const model_summary *s, size_t R, size_t C)
{
    for (size_t i = 0; i < s->n; i++) {
        const summary_group *g = &s->g[i];
        ry[g->row] = g->keys[s->m->row_axis];
        cx[g->col] = g->keys[s->m->col_axis];
    }
    (void)R, (void)C;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The colour range: the largest |value|, but at most twice the 90th
 * percentile of |value|, so one divergent cell (a risk at n = d) does not
 * wash out the rest of the map; larger values take the end colour. */
static double robust_vmax(const double *z, size_t n)
{
    double *a = malloc((n ? n : 1) * sizeof *a);
    size_t m = 0;
    for (size_t i = 0; a && i < n; i++)
        if (isfinite(z[i])) a[m++] = fabs(z[i]);
    double v = 0.0;
    if (m) {
        qsort(a, m, sizeof *a, cmp_double);
        v = fmin(a[m - 1], 2.0 * a[(size_t)(0.9 * (double)(m - 1))]);
    }
    free(a);
    return v;
}

/* One map for the groups that share first's extra keys. */
static int draw_map(const model_summary *s, const summary_group *first, const double *ry, const double *cx,
                    size_t R, size_t C, const char *dir, const char *stem, unsigned fmts, file_list *out)
{
    double *z = malloc(R * C * sizeof *z);
    if (!z) return -1;
    for (size_t i = 0; i < R * C; i++) z[i] = NAN;
    const size_t v = s->m->figure_value;
    for (size_t i = 0; i < s->n; i++)
        if (same_extra(s, s->g[i].keys, first->keys)) z[s->g[i].row * C + s->g[i].col] = s->g[i].stat[v].mean;
    char title[256], extra[160];
    extra_text(extra, sizeof extra, s, first->keys);
    snprintf(title, sizeof title, "%s: mean %s%s%s", s->m->name, s->cols[v].name, extra[0] ? ", " : "", extra);
    fate_phase_map m = {.title = title, .zlabel = label_of(&s->cols[v]), .thetas = cx, .n_thetas = C,
                        .gammas = ry, .n_gammas = R, .values = z,
                        .xlabel = label_of(&s->cols[s->m->col_axis]), .ylabel = label_of(&s->cols[s->m->row_axis]),
                        .vmax = robust_vmax(z, R * C), .x_plain = 1, .ylog = wants_log(ry, R),
                        .sequential = !s->m->figure_diverging};
    int rc = fig_emit_map(dir, stem, fmts, out, &m);
    free(z);
    return rc;
}

/* Slices: per row coordinate, the points and the theory lines. */
static int draw_slices(const model_summary *s, const summary_group *first, const double *ry, const double *cx,
                       size_t R, size_t C, const char *dir, const char *stem, unsigned fmts, file_list *out)
{
    const size_t v = s->m->figure_value, NT = s->m->n_theory, per = 1 + NT;
    double *buf = malloc(R * C * (2 + NT) * sizeof *buf);
    fate_series *ser = calloc(R * per, sizeof *ser);
    char(*lab)[96] = calloc(R * per, sizeof *lab);
    int rc = -1;
    if (!buf || !ser || !lab) goto done;
    for (size_t i = 0; i < R * C * (2 + NT); i++) buf[i] = NAN;
    for (size_t i = 0; i < s->n; i++) {
        const summary_group *g = &s->g[i];
        if (!same_extra(s, g->keys, first->keys)) continue;
        double *b = buf + g->row * C * (2 + NT);
        b[g->col] = g->stat[v].mean, b[C + g->col] = g->stat[v].se;
        for (size_t t = 0; t < NT; t++) b[(2 + t) * C + g->col] = g->theory[t];
    }
    const fate_column *rc_col = &s->cols[s->m->row_axis];
    for (size_t r = 0; r < R; r++) {
        const double *b = buf + r * C * (2 + NT);
        snprintf(lab[r * per], sizeof lab[0], "%s = %g", rc_col->name, ry[r]);
        ser[r * per] = (fate_series){lab[r * per], cx, b, b + C, C, FATE_SERIES_POINTS, (int)(r % 8)};
        for (size_t t = 0; t < NT; t++) {
            if (r == 0) snprintf(lab[r * per + 1 + t], sizeof lab[0], "theory: %s", s->m->theory_names[t]);
            ser[r * per + 1 + t] = (fate_series){lab[r * per + 1 + t], cx, b + (2 + t) * C, NULL, C,
                                                 t ? FATE_SERIES_DASHED : FATE_SERIES_LINE, (int)(r % 8)};
        }
    }
    char title[256], extra[160];
    extra_text(extra, sizeof extra, s, first->keys);
    snprintf(title, sizeof title, "%s: %s against %s%s%s", s->m->name, s->cols[v].name,
             s->cols[s->m->col_axis].name, extra[0] ? ", " : "", extra);
    fate_line_plot p = {.title = title, .xlabel = label_of(&s->cols[s->m->col_axis]),
                        .ylabel = label_of(&s->cols[v]), .series = ser, .n_series = R * per,
                        .zero_line = s->m->figure_diverging, .logx = wants_log(cx, C)};
    rc = fig_emit_lines(dir, stem, fmts, out, &p);
done:
    free(buf); free(ser); free(lab);
    return rc;
}

int model_figures(const model_summary *s, size_t R, size_t C, const char *dir, unsigned fmts, file_list *out)
{
    double *ry = calloc(R ? R : 1, sizeof *ry), *cx = calloc(C ? C : 1, sizeof *cx);
    int rc = ry && cx ? 0 : -1;
    if (!rc) axes_of(ry, cx, s, R, C);
    const int map_ok = R >= 2 && C >= 2 && increasing(ry, R) && increasing(cx, C);
    if (!rc && !map_ok)
        fprintf(stderr, "fate phase: no map: it needs 2 or more increasing values of both %s and %s\n",
                s->cols[s->m->row_axis].name, s->cols[s->m->col_axis].name);
    size_t figure = 0;
    for (size_t i = 0; !rc && i < s->n; i++) {
        int seen = 0;
        for (size_t q = 0; q < i && !seen; q++) seen = same_extra(s, s->g[q].keys, s->g[i].keys);
        if (seen) continue;
        char stem[64], extra[160];
        extra_text(extra, sizeof extra, s, s->g[i].keys);
        /* one figure pair per combination of extra keys: map, map_2, ... */
        const char *suffix = figure ? "_" : "";
        char num[24] = "";
        if (figure) snprintf(num, sizeof num, "%zu", figure + 1);
        snprintf(stem, sizeof stem, "map%s%s", suffix, num);
        if (map_ok) rc = draw_map(s, &s->g[i], ry, cx, R, C, dir, stem, fmts, out);
        snprintf(stem, sizeof stem, "slices%s%s", suffix, num);
        if (!rc && increasing(cx, C)) rc = draw_slices(s, &s->g[i], ry, cx, R, C, dir, stem, fmts, out);
        figure++;
    }
    free(ry);
    free(cx);
    return rc;
}
