/*
 * lines.c - fate_plot_lines: series of points with error bars (plerry) and
 * marker glyphs (plstring), solid and dashed lines (clip.c, plline), the
 * axes (axes.c) and a legend (pllegend) placed in the emptiest corner.
 */
#include "plot_internal.h"

#include <plplot/plplot.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static double PX(double r) { return r / REF_W; }

typedef struct lp_ctx {
    const fate_line_plot *p;
    box b;
    char title[TEXT_CAP], xlabel[TEXT_CAP], ylabel[TEXT_CAP];
    int has_title, has_xlabel, has_ylabel;
    char (*labels)[TEXT_CAP]; /* per series; "" when not in the legend */
    double *wx;               /* world x of the current series (log10 for logx) */
    PLFLT *px, *py, *plo, *phi; /* points, error bars handed to PLplot */
    fate_status draw_status;
} lp_ctx;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double wx_of(const fate_line_plot *p, double x)
{
    if (!p->logx) return x;
    return x > 0.0 ? log10(x) : NAN;
}

static int color_of(int c) { return C_PAL + ((c % 8) + 8) % 8; }

const char *marker_glyph(int k)
{
    /* U+25CF black circle, U+25A0 square, U+25B2 up-pointing triangle,
     * U+25C6 diamond, U+25BC down-pointing triangle */
    static const char *g[5] = {"\xe2\x97\x8f", "\xe2\x96\xa0", "\xe2\x96\xb2", "\xe2\x97\x86",
                               "\xe2\x96\xbc"};
    return g[((k % 5) + 5) % 5];
}

/* Marker glyphs of palette colour c at (x, y), each over a white glyph a
 * little larger, so that overlapping markers and lines stay apart. */
static void draw_markers(const fig *f, PLINT n, const PLFLT *x, const PLFLT *y, int c)
{
    const char *g = marker_glyph(((c % 8) + 8) % 8);
    for (PLINT i = 0; i < n; i++) {
        plcol0(C_BG);
        set_font(f, MARKER_EM + MARKER_HALO);
        plstring(1, &x[i], &y[i], g);
        plcol0(color_of(c));
        set_font(f, MARKER_EM);
        plstring(1, &x[i], &y[i], g);
    }
}

/* Counts how much of the data lies under a legend of w x h (viewport
 * fractions) in each corner: 0 top right, 1 top left, 2 bottom right,
 * 3 bottom left. Lines are sampled along their segments. */
static void corner_crowding(const lp_ctx *ctx, double w, double h, double score[4])
{
    const fate_line_plot *p = ctx->p;
    const box *b = &ctx->b;
    for (int k = 0; k < 4; k++) score[k] = 0.0;
    for (size_t s = 0; s < p->n_series; s++) {
        const fate_series *se = &p->series[s];
        for (size_t i = 0; i < se->n; i++) {
            int nsub = (se->style == FATE_SERIES_POINTS || i + 1 >= se->n) ? 1 : 8;
            for (int q = 0; q < nsub; q++) {
                double x0 = wx_of(p, se->x[i]), y0 = se->y[i];
                double x, y;
                if (nsub == 1) {
                    x = x0;
                    y = y0;
                } else {
                    double x1 = wx_of(p, se->x[i + 1]), y1 = se->y[i + 1];
                    double t = (double)q / nsub;
                    x = x0 + t * (x1 - x0);
                    y = y0 + t * (y1 - y0);
                }
                if (!isfinite(x) || !isfinite(y)) continue;
                double u = (x - b->wx0) / (b->wx1 - b->wx0), v = (y - b->wy0) / (b->wy1 - b->wy0);
                if (u < 0.0 || u > 1.0 || v < 0.0 || v > 1.0) continue;
                double wgt = se->style == FATE_SERIES_POINTS ? 4.0 : 1.0;
                if (v > 1.0 - h && u > 1.0 - w) score[0] += wgt;
                if (v > 1.0 - h && u < w) score[1] += wgt;
                if (v < h && u > 1.0 - w) score[2] += wgt;
                if (v < h && u < w) score[3] += wgt;
            }
        }
    }
}

/* A line series, clipped (clip.c). */
static void draw_line_series(const fig *f, lp_ctx *ctx, const fate_series *se, const rect *r)
{
    const int faint = se->style == FATE_SERIES_FAINT;
    plcol0(faint ? C_PAL_FAINT + ((se->color % 8) + 8) % 8 : color_of(se->color));
    set_width(f, faint ? 0.5 * W_LINE : W_LINE);
    if (se->style == FATE_SERIES_DASHED) set_dashes(f, 16.0, 9.0);
    else pllsty(1);
    if (draw_polyline(ctx->wx, se->y, se->n, r) != FATE_OK) ctx->draw_status = FATE_ENOMEM;
    pllsty(1);
}

/* Error bars (plerry, ends of ERR_CAP; clamped to the clip window, exact for
 * vertical segments), then the marker glyphs (plstring) on top. */
static void draw_point_series(const fig *f, lp_ctx *ctx, const fate_series *se, const rect *r)
{
    PLINT ne = 0, np = 0;
    for (size_t i = 0; se->err != NULL && i < se->n; i++) {
        double x = ctx->wx[i], y = se->y[i], e = se->err[i];
        if (!isfinite(x) || !isfinite(y) || !isfinite(e) || e <= 0.0) continue;
        if (x < r->x0 || x > r->x1 || y + e < r->y0 || y - e > r->y1) continue;
        ctx->px[ne] = x;
        ctx->plo[ne] = fmax(y - e, r->y0);
        ctx->phi[ne] = fmin(y + e, r->y1);
        ne++;
    }
    plcol0(color_of(se->color));
    pllsty(1);
    set_width(f, W_ERRBAR);
    plsmin(ref_mm(f, ERR_CAP), 1.0);
    if (ne > 0) plerry(ne, ctx->px, ctx->plo, ctx->phi);
    for (size_t i = 0; i < se->n; i++) {
        double x = ctx->wx[i], y = se->y[i];
        if (!isfinite(x) || !isfinite(y)) continue;
        if (x < r->x0 || x > r->x1 || y < r->y0 || y > r->y1) continue;
        ctx->px[np] = x;
        ctx->py[np] = y;
        np++;
    }
    if (np > 0) draw_markers(f, np, ctx->px, ctx->py, se->color);
}

/* The zero line, the line series, then the points on top of them. */
static void draw_series(const fig *f, lp_ctx *ctx)
{
    const fate_line_plot *p = ctx->p;
    const box *b = &ctx->b;
    rect r = clip_rect(b);
    box_enter(b);
    if (p->zero_line && !p->logy && b->wy0 < 0.0 && b->wy1 > 0.0) {
        plcol0(C_ZERO);
        set_width(f, 2.0);
        set_dashes(f, 3.0, 7.0);
        pljoin(b->wx0, 0.0, b->wx1, 0.0);
        pllsty(1);
    }
    for (int pass = 0; pass < 2; pass++) {
        for (size_t s = 0; s < p->n_series; s++) {
            const fate_series *se = &p->series[s];
            int is_pts = se->style == FATE_SERIES_POINTS;
            if (is_pts != pass) continue;
            for (size_t i = 0; i < se->n; i++) ctx->wx[i] = wx_of(p, se->x[i]);
            if (is_pts) draw_point_series(f, ctx, se, &r);
            else draw_line_series(f, ctx, se, &r);
        }
    }
}

/* A legend sample centred vertically at ty between x0 and x1 (page
 * coordinates): the line (dashed as in the plot), or the marker with its
 * error bar. */
static void legend_sample(const fig *f, const fate_series *se, double x0, double x1, double ty)
{
    int col = color_of(se->color);
    plcol0(col);
    pllsty(1);
    if (se->style != FATE_SERIES_POINTS) {
        set_width(f, W_LINE);
        if (se->style == FATE_SERIES_DASHED) set_dashes(f, 16.0, 9.0);
        pljoin(x0, ty, x1, ty);
        pllsty(1);
        return;
    }
    PLFLT cx = 0.5 * (x0 + x1), cy = ty;
    if (se->err != NULL) {
        PLFLT lo = ty - 0.42 * 2.0 * EM_LEGEND / REF_H, hi = ty + 0.42 * 2.0 * EM_LEGEND / REF_H;
        set_width(f, W_ERRBAR);
        plsmin(ref_mm(f, ERR_CAP), 1.0);
        plerry(1, &cx, &lo, &hi);
    }
    draw_markers(f, 1, &cx, &cy, se->color);
}

/* The corner of the box with the least data under a legend of nleg rows. */
static PLINT legend_corner(const lp_ctx *ctx, int nleg, double sample_w, double text_off,
                           double *offx, double *offy)
{
    const box *b = &ctx->b;
    const double pad = 14.0;
    double maxw = 0.0;
    for (size_t s = 0; s < ctx->p->n_series; s++)
        if (ctx->labels[s][0]) maxw = fmax(maxw, text_width(EM_LEGEND, ctx->labels[s]));
    double vpw = (b->x1 - b->x0) * REF_W, vph = (b->y1 - b->y0) * REF_H; /* ref px */
    double leg_w = (2.0 * 0.4 + text_off) * CHR * EM_LEGEND + sample_w + maxw;
    double leg_h = nleg * 2.0 * CHR * EM_LEGEND;
    double score[4];
    corner_crowding(ctx, (leg_w + pad) / vpw, (leg_h + pad) / vph, score);
    int best = 0;
    for (int c = 1; c < 4; c++)
        if (score[c] < score[best] - 0.5) best = c;
    *offx = pad / vpw;
    *offy = pad / vph;
    return PL_POSITION_INSIDE | (best < 2 ? PL_POSITION_TOP : PL_POSITION_BOTTOM) |
           (best % 2 == 0 ? PL_POSITION_RIGHT : PL_POSITION_LEFT);
}

/* The legend: text and frame by pllegend (it measures the text), the
 * samples drawn here at the positions pllegend uses (rows of text_spacing x
 * character height, a 0.4-character border, then the sample area of
 * plot_width, then the text). Hand-drawn because pllegend's line samples
 * know only pllsty's built-in dashes (a few pixels long at this page size)
 * and its symbols carry no error bar. */
static void draw_legend(const fig *f, lp_ctx *ctx)
{
    const fate_line_plot *p = ctx->p;
    const box *b = &ctx->b;
    enum { MAX_LEG = 64 };
    PLINT opt[MAX_LEG], tcol[MAX_LEG];
    const char *text[MAX_LEG];
    size_t which[MAX_LEG];
    int nleg = 0;
    for (size_t s = 0; s < p->n_series && nleg < MAX_LEG; s++) {
        if (!ctx->labels[s][0]) continue;
        opt[nleg] = PL_LEGEND_NONE;
        tcol[nleg] = C_TEXT;
        text[nleg] = ctx->labels[s];
        which[nleg++] = s;
    }
    if (nleg == 0) return;
    const double sample_w = 64.0, text_sp = 2.0, text_off = 0.7;
    double offx, offy;
    PLINT pos = legend_corner(ctx, nleg, sample_w, text_off, &offx, &offy);
    box_enter(b);
    set_font(f, EM_LEGEND);
    set_width(f, 1.5);
    PLFLT lgw = 0.0, lgh = 0.0, vpw = b->x1 - b->x0;
    pllegend(&lgw, &lgh, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX, pos, offx, offy,
             PX(sample_w) / vpw, C_BG, C_LEGBOX, 1, 0, 0, nleg, opt, text_off, 1.0, text_sp,
             0.0, tcol, text, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
    /* the box in viewport fractions, as pllegend placed it */
    double bl = (pos & PL_POSITION_RIGHT) ? 1.0 - lgw - offx : offx;
    double bt = (pos & PL_POSITION_TOP) ? 1.0 - offy : lgh + offy;
    double border = 0.4 * CHR * EM_LEGEND / REF_W / vpw;
    page_coords();
    for (int e = 0; e < nleg; e++) {
        double ty = b->y0 + (bt - (e + 0.5) * lgh / nleg) * (b->y1 - b->y0);
        double sx0 = b->x0 + (bl + border) * vpw;
        legend_sample(f, &p->series[which[e]], sx0, sx0 + PX(sample_w), ty);
    }
}

static void draw_lines(const fig *f, void *arg)
{
    lp_ctx *ctx = arg;
    const fate_line_plot *p = ctx->p;
    box *b = &ctx->b;
    axis x, y;
    axis_setup(&x, p->logx ? AX_LOG : AX_LINEAR, b->wx0, b->wx1, 7.0);
    axis_setup(&y, p->logy ? AX_LOG : AX_LINEAR, b->wy0, b->wy1, 6.0);
    /* the last x tick label may stick out to the right of the box */
    double right = MARGIN + 14.0;
    if (x.n > 0 && x.t[x.n - 1].label[0] != '\0')
        right = fmax(right, 0.5 * text_width(EM_TICK, x.t[x.n - 1].label) + MARGIN);
    double top = MARGIN + (ctx->has_title ? (TXT_ASC + TXT_DESC) * EM_TITLE + 14.0 : 10.0);
    b->x0 = PX(side_space(&y, ctx->has_ylabel));
    b->x1 = 1.0 - PX(right);
    b->y0 = bottom_space(&x, ctx->has_xlabel) / REF_H;
    b->y1 = 1.0 - top / REF_H;
    draw_series(f, ctx);
    draw_axes(f, b, &x, &y, ctx->has_xlabel ? ctx->xlabel : NULL,
              ctx->has_ylabel ? ctx->ylabel : NULL);
    if (ctx->has_title) draw_title(f, b, ctx->title);
    draw_legend(f, ctx);
}

/* Robust automatic y range: finite y and y +- err of the points inside the
 * x range, ignoring values more than 20 times the median magnitude (the
 * theory diverges at gamma = 1), padded by 5%. */
static fate_status auto_yrange(const fate_line_plot *p, double wx0, double wx1, double *y0,
                               double *y1)
{
    size_t cap = 0;
    for (size_t s = 0; s < p->n_series; s++) cap += 3 * p->series[s].n;
    double *v = malloc((cap ? cap : 1) * sizeof *v);
    if (v == NULL) return FATE_ENOMEM;
    size_t n = 0;
    for (size_t s = 0; s < p->n_series; s++) {
        const fate_series *se = &p->series[s];
        for (size_t i = 0; i < se->n; i++) {
            double x = wx_of(p, se->x[i]), y = se->y[i];
            if (!isfinite(x) || !isfinite(y) || x < wx0 || x > wx1) continue;
            v[n++] = y;
            if (se->err != NULL && isfinite(se->err[i]) && se->err[i] > 0.0) {
                v[n++] = y - se->err[i];
                v[n++] = y + se->err[i];
            }
        }
    }
    if (n == 0) {
        free(v);
        *y0 = 0.0;
        *y1 = 1.0;
        return FATE_OK;
    }
    double *a = malloc(n * sizeof *a);
    if (a == NULL) {
        free(v);
        return FATE_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) a[i] = fabs(v[i]);
    qsort(a, n, sizeof *a, cmp_double);
    double med = n % 2 ? a[n / 2] : 0.5 * (a[n / 2 - 1] + a[n / 2]);
    free(a);
    double lim = med > 0.0 ? 20.0 * med : INFINITY;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (fabs(v[i]) > lim) continue;
        lo = fmin(lo, v[i]);
        hi = fmax(hi, v[i]);
    }
    free(v);
    if (!(lo <= hi)) {
        lo = 0.0;
        hi = 1.0;
    }
    if (hi - lo <= 1e-12 * fmax(fabs(lo), fabs(hi))) {
        double d = lo != 0.0 ? 0.1 * fabs(lo) : 1.0;
        lo -= d;
        hi += d;
    }
    double pad = 0.05 * (hi - lo);
    *y0 = lo - pad;
    *y1 = hi + pad;
    return FATE_OK;
}

/* Everything checked before PLplot is touched; *nmax: the longest series. */
static int lines_args_ok(const char *path, fate_plot_format fmt, const fate_line_plot *p,
                         size_t *nmax)
{
    if (path == NULL || path[0] == '\0' || device_of(fmt) == NULL || p == NULL) return 0;
    if (p->series == NULL || p->n_series == 0 || p->n_series > 1000) return 0;
    *nmax = 0;
    for (size_t s = 0; s < p->n_series; s++) {
        const fate_series *se = &p->series[s];
        if (se->x == NULL || se->y == NULL || se->n == 0 || se->n > (size_t)INT32_MAX / 4)
            return 0;
        if (se->style != FATE_SERIES_POINTS && se->style != FATE_SERIES_LINE &&
            se->style != FATE_SERIES_DASHED && se->style != FATE_SERIES_FAINT)
            return 0;
        if (se->n > *nmax) *nmax = se->n;
    }
    if (p->xmin < p->xmax &&
        (!isfinite(p->xmin) || !isfinite(p->xmax) || (p->logx && p->xmin <= 0.0)))
        return 0;
    return !(p->ymin < p->ymax) || (isfinite(p->ymin) && isfinite(p->ymax));
}

/* The x range in world units (log10 x on a log axis): given, or the data's
 * padded by 3%. */
static void x_range(const fate_line_plot *p, double *wx0, double *wx1)
{
    if (p->xmin < p->xmax) {
        *wx0 = wx_of(p, p->xmin);
        *wx1 = wx_of(p, p->xmax);
        return;
    }
    double lo = INFINITY, hi = -INFINITY;
    for (size_t s = 0; s < p->n_series; s++)
        for (size_t i = 0; i < p->series[s].n; i++) {
            double x = wx_of(p, p->series[s].x[i]);
            if (!isfinite(x)) continue;
            lo = fmin(lo, x);
            hi = fmax(hi, x);
        }
    if (!(lo <= hi)) {
        lo = 0.0;
        hi = 1.0;
    }
    if (hi - lo <= 1e-12 * fmax(fabs(lo), fabs(hi))) {
        double d = p->logx ? 0.5 : lo != 0.0 ? 0.1 * fabs(lo) : 1.0;
        lo -= d;
        hi += d;
    }
    double pad = 0.03 * (hi - lo);
    *wx0 = lo - pad;
    *wx1 = hi + pad;
}

static fate_status plot_lines_world(const char *path, fate_plot_format fmt, const fate_line_plot *p)
{
    size_t nmax = 0;
    if (!lines_args_ok(path, fmt, p, &nmax)) return FATE_EINVAL;
    lp_ctx *ctx = calloc(1, sizeof *ctx);
    if (ctx == NULL) return FATE_ENOMEM;
    fate_status st = FATE_ENOMEM;
    ctx->p = p;
    ctx->labels = calloc(p->n_series, sizeof *ctx->labels);
    ctx->wx = malloc(nmax * sizeof *ctx->wx);
    ctx->px = malloc(nmax * sizeof *ctx->px);
    ctx->py = malloc(nmax * sizeof *ctx->py);
    ctx->plo = malloc(nmax * sizeof *ctx->plo);
    ctx->phi = malloc(nmax * sizeof *ctx->phi);
    if (!ctx->labels || !ctx->wx || !ctx->px || !ctx->py || !ctx->plo || !ctx->phi) goto done;
    ctx->has_title = clean_text(ctx->title, p->title);
    ctx->has_xlabel = clean_text(ctx->xlabel, p->xlabel);
    ctx->has_ylabel = clean_text(ctx->ylabel, p->ylabel);
    for (size_t s = 0; s < p->n_series; s++) {
        if (!clean_text(ctx->labels[s], p->series[s].label)) ctx->labels[s][0] = '\0';
        /* a series with no finite point draws nothing: no legend entry that
         * would claim it (e.g. a theory that is NaN where nothing is derived) */
        const fate_series *se = &p->series[s];
        size_t finite = 0;
        for (size_t i = 0; se->x && se->y && i < se->n; i++) finite += isfinite(se->x[i]) && isfinite(se->y[i]);
        if (!finite) ctx->labels[s][0] = '\0';
    }
    box *b = &ctx->b;
    x_range(p, &b->wx0, &b->wx1);
    if (p->ymin < p->ymax) {
        b->wy0 = p->ymin;
        b->wy1 = p->ymax;
    } else if ((st = auto_yrange(p, b->wx0, b->wx1, &b->wy0, &b->wy1)) != FATE_OK) {
        goto done;
    }
    st = FATE_EINVAL;
    if (!isfinite(b->wx1 - b->wx0) || !isfinite(b->wy1 - b->wy0) || !(b->wx1 > b->wx0) ||
        !(b->wy1 > b->wy0))
        goto done;
    st = run_figure(path, fmt, draw_lines, ctx);
    if (st == FATE_OK) st = ctx->draw_status;
done:
    free(ctx->labels);
    free(ctx->wx);
    free(ctx->px);
    free(ctx->py);
    free(ctx->plo);
    free(ctx->phi);
    free(ctx);
    return st;
}

/* A logarithmic y axis: the series are drawn in world units log10 y (values
 * <= 0 are skipped) with error bars of half-width log10(1 + err/y), the upper
 * extent of y + err; ticks are decades. */
fate_status fate_plot_lines(const char *path, fate_plot_format fmt, const fate_line_plot *p)
{
    if (p == NULL || !p->logy) return plot_lines_world(path, fmt, p);
    if (p->series == NULL || p->n_series == 0 || p->n_series > 1000) return FATE_EINVAL;
    if (p->ymin < p->ymax && !(p->ymin > 0.0)) return FATE_EINVAL;
    fate_line_plot q = *p;
    fate_series *ss = calloc(p->n_series, sizeof *ss);
    double **buf = calloc(2 * p->n_series, sizeof *buf);
    fate_status st = FATE_ENOMEM;
    if (ss == NULL || buf == NULL) goto done;
    for (size_t k = 0; k < p->n_series; k++) {
        const fate_series *se = &p->series[k];
        ss[k] = *se;
        if (se->y == NULL || se->n == 0 || se->n > (size_t)INT32_MAX / 4) { st = FATE_EINVAL; goto done; }
        double *ly = buf[2 * k] = malloc(se->n * sizeof *ly);
        double *le = buf[2 * k + 1] = se->err ? malloc(se->n * sizeof *le) : NULL;
        if (ly == NULL || (se->err && le == NULL)) goto done;
        for (size_t i = 0; i < se->n; i++) {
            ly[i] = se->y[i] > 0.0 ? log10(se->y[i]) : NAN;
            if (le) le[i] = se->y[i] > 0.0 && se->err[i] >= 0.0 ? log10(1.0 + se->err[i] / se->y[i]) : NAN;
        }
        ss[k].y = ly;
        ss[k].err = le;
    }
    q.series = ss;
    if (p->ymin < p->ymax) {
        q.ymin = log10(p->ymin);
        q.ymax = log10(p->ymax);
    }
    st = plot_lines_world(path, fmt, &q);
done:
    for (size_t k = 0; buf && k < 2 * p->n_series; k++) free(buf[k]);
    free(buf);
    free(ss);
    return st;
}
