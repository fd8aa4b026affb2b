/*
 * category.c - fate_plot_category_map: each cell filled with its
 * category's palette colour (plfill), the theory's boundaries as the zero
 * level sets of one field per category (contour.c, plline), the axes
 * (axes.c) and a legend beside the box (pllegend).
 */
#include "plot_internal.h"

#include <plplot/plplot.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

static double PX(double r) { return r / REF_W; }
static double PY(double r) { return r / REF_H; }

#define MAX_NAMES 8

typedef struct cm_ctx {
    const fate_category_map *m;
    double *xe, *ye, *cx, *cy; /* cell edges, contour grid (world) */
    char title[TEXT_CAP], clabel[TEXT_CAP], names[MAX_NAMES][TEXT_CAP];
    int has_title, has_clabel, any_nan;
    fate_status draw_status;
    rect clip;
} cm_ctx;

static void emit_line(const double *x, const double *y, size_t n, void *arg)
{
    cm_ctx *ctx = arg;
    if (draw_polyline(x, y, n, &ctx->clip) != FATE_OK) ctx->draw_status = FATE_ENOMEM;
}

/* Grey under everything, then one filled rectangle per cell. */
static void draw_cells(const fig *f, const cm_ctx *ctx)
{
    const fate_category_map *m = ctx->m;
    const size_t nt = m->n_thetas, ng = m->n_gammas;
    plpsty(0);
    pllsty(1);
    set_width(f, 1.0); /* a hairline of the cell's colour hides seams */
    PLFLT bx[4] = {ctx->xe[0], ctx->xe[nt], ctx->xe[nt], ctx->xe[0]};
    PLFLT by[4] = {ctx->ye[0], ctx->ye[0], ctx->ye[ng], ctx->ye[ng]};
    plcol0(C_NAN);
    plfill(4, bx, by);
    for (size_t j = 0; j < ng; j++)
        for (size_t i = 0; i < nt; i++) {
            const int k = m->category[j * nt + i];
            if (k < 0 || (size_t)k >= m->n_names) continue;
            PLFLT x[4] = {ctx->xe[i], ctx->xe[i + 1], ctx->xe[i + 1], ctx->xe[i]};
            PLFLT y[4] = {ctx->ye[j], ctx->ye[j], ctx->ye[j + 1], ctx->ye[j + 1]};
            plcol0(C_PAL + k);
            plfill(4, x, y);
        }
}

/* The zero level set of each category's theory field. */
static void draw_boundaries(const fig *f, cm_ctx *ctx, const box *b)
{
    const fate_category_map *m = ctx->m;
    if (!m->contour_values) return;
    const size_t cnx = m->n_contour_thetas, cny = m->n_contour_gammas;
    plcol0(C_BLACK);
    pllsty(1);
    set_width(f, W_CONTOUR);
    ctx->clip = clip_rect(b);
    for (size_t k = 0; k < m->n_names; k++) {
        fate_status st = contour_zero(ctx->cx, ctx->cy, m->contour_values + k * cnx * cny, cnx, cny, emit_line, ctx);
        if (st != FATE_OK) ctx->draw_status = st;
    }
}

/* The categories (colour boxes), the boundary line and "no value", in a
 * column right of the box. */
static void draw_legend(const fig *f, const cm_ctx *ctx, const box *b)
{
    enum { N = MAX_NAMES + 2 };
    PLINT opt[N], tcol[N], lcol[N], lsty[N], bcol[N], bpat[N];
    PLFLT lw[N], bsc[N], bw[N];
    const char *text[N];
    int k = 0;
    for (size_t c = 0; c < ctx->m->n_names; c++, k++) {
        opt[k] = PL_LEGEND_COLOR_BOX, bcol[k] = C_PAL + (PLINT)c, text[k] = ctx->names[c];
        lcol[k] = C_BLACK, lw[k] = f->s, lsty[k] = 1, bpat[k] = 0, bsc[k] = 0.8, bw[k] = f->s, tcol[k] = C_TEXT;
    }
    if (ctx->has_clabel) {
        opt[k] = PL_LEGEND_LINE, lcol[k] = C_BLACK, lw[k] = W_CONTOUR * f->s, text[k] = ctx->clabel;
        bcol[k] = C_NAN, lsty[k] = 1, bpat[k] = 0, bsc[k] = 0.8, bw[k] = f->s, tcol[k] = C_TEXT, k++;
    }
    if (ctx->any_nan) {
        opt[k] = PL_LEGEND_COLOR_BOX, bcol[k] = C_NAN, text[k] = "no value";
        lcol[k] = C_BLACK, lw[k] = f->s, lsty[k] = 1, bpat[k] = 0, bsc[k] = 0.8, bw[k] = f->s, tcol[k] = C_TEXT, k++;
    }
    /* its own viewport right of the box, top-aligned with it */
    const box lb = {b->x1 + PX(30.0), 1.0 - PX(MARGIN), b->y0, b->y1, 0.0, 1.0, 0.0, 1.0};
    box_enter(&lb);
    set_font(f, EM_LEGEND);
    set_width(f, 1.0);
    PLFLT lgw = 0.0, lgh = 0.0;
    pllegend(&lgw, &lgh, 0, PL_POSITION_INSIDE | PL_POSITION_LEFT | PL_POSITION_TOP, 0.0, 0.0,
             PX(60.0) / (lb.x1 - lb.x0), C_BG, C_LEGBOX, 1, k, 1, k, opt, 0.8, 1.0, 2.0, 0.0, tcol, text,
             bcol, bpat, bsc, bw, lcol, lsty, lw, NULL, NULL, NULL, NULL);
}

/* The widest legend entry, reference pixels: the box leaves room for it. */
static double legend_width(const cm_ctx *ctx)
{
    double w = ctx->has_clabel ? text_width(EM_LEGEND, ctx->clabel) : 0.0;
    for (size_t c = 0; c < ctx->m->n_names; c++) w = fmax(w, text_width(EM_LEGEND, ctx->names[c]));
    if (ctx->any_nan) w = fmax(w, text_width(EM_LEGEND, "no value"));
    return w + 60.0 + 3.0 * CHR * EM_LEGEND + 40.0;
}

static void draw_category_map(const fig *f, void *arg)
{
    cm_ctx *ctx = arg;
    const fate_category_map *m = ctx->m;
    const size_t nt = m->n_thetas, ng = m->n_gammas;
    box b = {0.0, 0.0, 0.0, 0.0, ctx->xe[0], ctx->xe[nt], ctx->ye[0], ctx->ye[ng]};
    axis x, y;
    axis_setup(&x, AX_PI, b.wx0, b.wx1, 6.0);
    axis_setup(&y, AX_LINEAR, b.wy0, b.wy1, 6.0);
    double top = MARGIN + 10.0;
    if (ctx->has_title) top += (TXT_ASC + TXT_DESC) * EM_TITLE + 14.0;
    b.x0 = PX(side_space(&y, 1));
    b.x1 = 1.0 - PX(MARGIN + legend_width(ctx));
    b.y0 = PY(bottom_space(&x, 1));
    b.y1 = 1.0 - PY(top);
    box_enter(&b);
    draw_cells(f, ctx);
    draw_boundaries(f, ctx, &b);
    char xl[TEXT_CAP], yl[TEXT_CAP];
    draw_axes(f, &b, &x, &y, clean_text(xl, m->xlabel) ? xl : "feature angle \xce\xb8 (rad)",
              clean_text(yl, m->ylabel) ? yl : "target samples per dimension \xce\xb3 = n/d");
    draw_legend(f, ctx, &b);
    page_coords();
    if (ctx->has_title) draw_title(f, &b, ctx->title);
}

/* Everything checked before PLplot is touched. */
static int args_ok(const char *path, fate_plot_format fmt, const fate_category_map *m)
{
    if (!path || !path[0] || !device_of(fmt) || !m || !m->thetas || !m->gammas || !m->category || !m->names)
        return 0;
    const size_t nt = m->n_thetas, ng = m->n_gammas;
    if (nt == 0 || ng == 0 || nt > (size_t)INT32_MAX / 2 || ng > (size_t)INT32_MAX / 2 || nt > SIZE_MAX / ng)
        return 0;
    if (m->n_names < 1 || m->n_names > MAX_NAMES) return 0;
    if (!strictly_increasing(m->thetas, nt) || !strictly_increasing(m->gammas, ng)) return 0;
    if (!m->contour_values) return 1;
    const size_t cnx = m->n_contour_thetas, cny = m->n_contour_gammas;
    if (!m->contour_thetas || !m->contour_gammas || cnx < 2 || cny < 2 || cnx > (size_t)INT32_MAX / 4 ||
        cny > (size_t)INT32_MAX / 4 / cnx / MAX_NAMES)
        return 0;
    return strictly_increasing(m->contour_thetas, cnx) && strictly_increasing(m->contour_gammas, cny);
}

static fate_status prepare(cm_ctx *ctx)
{
    const fate_category_map *m = ctx->m;
    const size_t nt = m->n_thetas, ng = m->n_gammas;
    const size_t cnx = m->contour_values ? m->n_contour_thetas : 1, cny = m->contour_values ? m->n_contour_gammas : 1;
    ctx->xe = malloc((nt + 1) * sizeof *ctx->xe), ctx->ye = malloc((ng + 1) * sizeof *ctx->ye);
    ctx->cx = malloc(cnx * sizeof *ctx->cx), ctx->cy = malloc(cny * sizeof *ctx->cy);
    if (!ctx->xe || !ctx->ye || !ctx->cx || !ctx->cy) return FATE_ENOMEM;
    cell_edges(ctx->xe, m->thetas, nt);
    cell_edges(ctx->ye, m->gammas, ng);
    if (m->contour_values) {
        world(ctx->cx, m->contour_thetas, cnx, 0);
        world(ctx->cy, m->contour_gammas, cny, 0);
    }
    for (size_t i = 0; i < nt * ng; i++)
        if (m->category[i] < 0 || (size_t)m->category[i] >= m->n_names) ctx->any_nan = 1;
    for (size_t c = 0; c < m->n_names; c++) clean_text(ctx->names[c], m->names[c]);
    return FATE_OK;
}

fate_status fate_plot_category_map(const char *path, fate_plot_format fmt, const fate_category_map *m)
{
    if (!args_ok(path, fmt, m)) return FATE_EINVAL;
    cm_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx) return FATE_ENOMEM;
    ctx->m = m;
    ctx->has_title = clean_text(ctx->title, m->title);
    ctx->has_clabel = m->contour_values && clean_text(ctx->clabel, m->contour_label);
    /* a theory field with no finite value draws no line: no legend entry
     * claiming one (e.g. fine-tuning where nothing is derived) */
    size_t finite = 0;
    for (size_t i = 0; m->contour_values && i < m->n_names * m->n_contour_gammas * m->n_contour_thetas; i++) finite += isfinite(m->contour_values[i]);
    if (!finite) ctx->has_clabel = 0;
    fate_status st = prepare(ctx);
    if (st == FATE_OK) st = run_figure(path, fmt, draw_category_map, ctx);
    if (st == FATE_OK) st = ctx->draw_status;
    free(ctx->xe), free(ctx->ye), free(ctx->cx), free(ctx->cy);
    free(ctx);
    return st;
}
