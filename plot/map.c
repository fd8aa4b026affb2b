/*
 * map.c - fate_plot_phase_map: a value per cell (plimagefr over the cell
 * edges), the zero contour of a theory field (contour.c, drawn with plline),
 * the axes (axes.c), a colour bar (plcolorbar) and a legend (pllegend).
 */
#include "plot_internal.h"

#include <plplot/plplot.h>

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

static double PX(double r) { return r / REF_W; }
static double PY(double r) { return r / REF_H; }

typedef struct pm_ctx {
    const fate_phase_map *m;
    double *xe, *ye; /* cell edges (world: log10 of y on a log axis) */
    double *cx, *cy; /* contour x and y in world coordinates */
    PLFLT **cols;    /* values by column (theta) for plimagefr */
    double *cells;   /* storage of cols */
    double vmax, zlo;
    int any_nan;
    char title[TEXT_CAP], zlabel[TEXT_CAP], clabel[TEXT_CAP];
    int has_title, has_zlabel, has_clabel;
    fate_status draw_status; /* out of memory while drawing the contour */
    rect clip;
} pm_ctx;

/* Diverging map: RColorBrewer RdBu (7 classes) with pure white at 0;
 * sequential: its white-to-blue half. */
static void set_cmap1(int sequential)
{
    static const unsigned char rgb[7][3] = {{178, 24, 43},   {239, 138, 98}, {253, 219, 199},
                                            {255, 255, 255}, {209, 229, 240}, {103, 169, 207},
                                            {33, 102, 172}};
    int first = sequential ? 3 : 0, n = 7 - first;
    PLFLT pos[7], r[7], g[7], b[7];
    for (int i = 0; i < n; i++) {
        pos[i] = (double)i / (n - 1);
        r[i] = rgb[first + i][0] / 255.0;
        g[i] = rgb[first + i][1] / 255.0;
        b[i] = rgb[first + i][2] / 255.0;
    }
    plscmap1n(256);
    plscmap1l(1, n, pos, r, g, b, NULL);
}

/* The cells: grey under everything (cells without a value are left out by
 * plimagefr: NaN, and +-inf outside [-DBL_MAX, DBL_MAX]), then plimagefr
 * with the edges as a rectilinear grid (pltr1). */
static void draw_cells(const fig *f, const pm_ctx *ctx)
{
    const fate_phase_map *m = ctx->m;
    size_t nt = m->n_thetas, ng = m->n_gammas;
    PLFLT bx[4] = {ctx->xe[0], ctx->xe[nt], ctx->xe[nt], ctx->xe[0]};
    PLFLT by[4] = {ctx->ye[0], ctx->ye[0], ctx->ye[ng], ctx->ye[ng]};
    plpsty(0);
    pllsty(1);
    /* the cairo driver strokes filled polygons with the current width: a
     * hairline of the cell's own colour hides anti-aliasing seams */
    set_width(f, 1.0);
    if (ctx->any_nan) {
        plcol0(C_NAN);
        plfill(4, bx, by);
    }
    PLcGrid grid = {ctx->xe, ctx->ye, NULL, (PLINT)nt + 1, (PLINT)ng + 1, 0};
    plimagefr((PLFLT_MATRIX)ctx->cols, (PLINT)nt, (PLINT)ng, ctx->xe[0], ctx->xe[nt], ctx->ye[0],
              ctx->ye[ng], -DBL_MAX, DBL_MAX, ctx->zlo, ctx->vmax, pltr1, &grid);
}

static void emit_contour(const double *x, const double *y, size_t n, void *arg)
{
    pm_ctx *ctx = arg;
    if (draw_polyline(x, y, n, &ctx->clip) != FATE_OK) ctx->draw_status = FATE_ENOMEM;
}

/* One legend entry: a line sample or a colour box. */
static void legend_entry(PLINT *opt, PLINT *lcol, PLFLT *lw, PLINT *bcol, int line, double w)
{
    *opt = line ? PL_LEGEND_LINE : PL_LEGEND_COLOR_BOX;
    *lcol = C_BLACK;
    *lw = w;
    *bcol = C_NAN;
}

/* One row above the box, right-aligned: the contour line, "no value". */
static void draw_map_legend(const fig *f, const pm_ctx *ctx, const box *b, double leg_row)
{
    PLINT opt[2], tcol[2] = {C_TEXT, C_TEXT}, lcol[2], lsty[2] = {1, 1}, bcol[2], bpat[2] = {0, 0};
    PLFLT lw[2], bsc[2] = {0.6, 0.6}, bw[2] = {f->s, f->s};
    const char *text[2];
    int k = 0;
    if (ctx->has_clabel) {
        legend_entry(&opt[k], &lcol[k], &lw[k], &bcol[k], 1, W_CONTOUR * f->s);
        text[k++] = ctx->clabel;
    }
    if (ctx->any_nan) {
        legend_entry(&opt[k], &lcol[k], &lw[k], &bcol[k], 0, f->s);
        text[k++] = "no value";
    }
    if (k == 0) return;
    box_enter(b);
    set_font(f, EM_LEGEND);
    set_width(f, 1.0);
    PLFLT lgw = 0.0, lgh = 0.0;
    double h_vp = PY(leg_row) / (b->y1 - b->y0), gap_vp = PY(10.0) / (b->y1 - b->y0);
    pllegend(&lgw, &lgh, 0, PL_POSITION_INSIDE | PL_POSITION_TOP | PL_POSITION_RIGHT, 0.0,
             -(h_vp + gap_vp), PX(70.0) / (b->x1 - b->x0), C_BG, C_LEGBOX, 1, 1, k, k, opt, 0.8,
             1.0, 2.0, 0.0, tcol, text, bcol, bpat, bsc, bw, lcol, lsty, lw, NULL, NULL, NULL,
             NULL);
}

/* plslabelfunc's callback for the colour bar's axis (plcolorbar draws it as
 * a y axis). */
static void cb_label(PLINT which, PLFLT value, char *buf, PLINT len, PLPointer data)
{
    (void)which;
    tick_label(buf, (size_t)len, data, value);
}

/* The colour bar right of the box: plcolorbar paints cmap1 over
 * [zlo, vmax] (PL_COLORBAR_IMAGE: not the gradient, whose pattern the 5.15
 * cairo driver leaks) and draws the right edge with outward ticks and
 * their labels; the frame and the title are ours (plcolorbar's own label
 * takes the tick font). */
static void draw_colorbar(const fig *f, const pm_ctx *ctx, const box *b, const axis *z,
                          double gap, double width)
{
    box_enter(b);
    set_font(f, EM_TICK);
    set_width(f, W_FRAME);
    plcol0(C_AXIS);
    plsmaj(ref_mm(f, TICK_LEN), 1.0);
    PLINT n_values = 2;
    PLFLT range[2] = {ctx->zlo, ctx->vmax};
    const PLFLT *values[1] = {range};
    const char *aopt[1] = {z->sc.step > 0.0 ? "cmitvo" : "c"};
    PLFLT ticks[1] = {z->sc.step};
    PLINT sub[1] = {0};
    PLFLT cbw = 0.0, cbh = 0.0;
    plslabelfunc(cb_label, (PLPointer)&z->sc);
    plcolorbar(&cbw, &cbh, PL_COLORBAR_IMAGE | PL_COLORBAR_ORIENT_TOP,
               PL_POSITION_RIGHT | PL_POSITION_OUTSIDE | PL_POSITION_VIEWPORT,
               PX(gap) / (b->x1 - b->x0), 0.0, PX(width) / (b->x1 - b->x0), 1.0, C_BG, C_AXIS,
               1, 0, 0, 0, 0.0, 0, NULL, NULL, 1, aopt, ticks, sub, &n_values, values);
    plslabelfunc(NULL, NULL);
    box cb = {b->x1 + PX(gap), b->x1 + PX(gap + width), b->y0, b->y1, 0.0, 1.0, 0.0, 1.0};
    box_enter(&cb);
    plcol0(C_AXIS);
    set_width(f, W_FRAME);
    plbox("bc", 0.0, 0, "bc", 0.0, 0);
    page_coords();
    if (ctx->has_zlabel)
        draw_ylabel(f, &cb, DISP_SIDE * CHR * EM_TICK + z->label_w + GAP_LABEL, ctx->zlabel, 1);
}

static void draw_phase_map(const fig *f, void *arg)
{
    pm_ctx *ctx = arg;
    const fate_phase_map *m = ctx->m;
    size_t nt = m->n_thetas, ng = m->n_gammas;
    set_cmap1(m->sequential);
    box b = {0.0, 0.0, 0.0, 0.0, ctx->xe[0], ctx->xe[nt], ctx->ye[0], ctx->ye[ng]};
    axis x, y, z;
    axis_setup(&x, m->xlog ? AX_LOG : m->x_plain ? AX_LINEAR : AX_PI, b.wx0, b.wx1, 6.0);
    axis_setup(&y, m->ylog ? AX_LOG : AX_LINEAR, b.wy0, b.wy1, 6.0);
    axis_setup(&z, AX_LINEAR, ctx->zlo, ctx->vmax, 6.0);

    /* Layout in reference pixels. Right of the box: gap, colour bar, its
     * ticks, labels and title. Above: title, legend row (pllegend rows:
     * text_spacing 2 x character height). */
    const double cb_gap = 40.0, cb_w = 44.0, leg_row = 2.0 * CHR * EM_LEGEND;
    int n_leg = ctx->has_clabel + ctx->any_nan;
    double top = MARGIN + (n_leg > 0 ? leg_row + 10.0 : 10.0);
    if (ctx->has_title) top += (TXT_ASC + TXT_DESC) * EM_TITLE + 14.0;
    b.x0 = PX(side_space(&y, 1));
    b.x1 = 1.0 - PX(cb_gap + cb_w + TICK_LEN + side_space(&z, ctx->has_zlabel));
    b.y0 = PY(bottom_space(&x, 1));
    b.y1 = 1.0 - PY(top);

    box_enter(&b);
    draw_cells(f, ctx);
    if (m->contour_values != NULL) {
        plcol0(C_BLACK);
        pllsty(1);
        set_width(f, W_CONTOUR);
        ctx->clip = clip_rect(&b);
        fate_status st = contour_zero(ctx->cx, ctx->cy, m->contour_values,
                                      m->n_contour_thetas, m->n_contour_gammas, emit_contour, ctx);
        if (st != FATE_OK) ctx->draw_status = st;
    }
    char xl[TEXT_CAP], yl[TEXT_CAP];
    draw_axes(f, &b, &x, &y,
              clean_text(xl, m->xlabel) ? xl : "feature angle \xce\xb8 (rad)",
              clean_text(yl, m->ylabel) ? yl : "target samples per dimension \xce\xb3 = n/d");
    draw_colorbar(f, ctx, &b, &z, cb_gap, cb_w);
    draw_map_legend(f, ctx, &b, leg_row);
    page_coords();
    if (ctx->has_title) draw_title(f, &b, ctx->title);
}

/* Everything fate_plot_phase_map checks before PLplot is touched. */
static int map_args_ok(const char *path, fate_plot_format fmt, const fate_phase_map *m)
{
    if (path == NULL || path[0] == '\0' || device_of(fmt) == NULL || m == NULL) return 0;
    if (m->thetas == NULL || m->gammas == NULL || m->values == NULL) return 0;
    size_t nt = m->n_thetas, ng = m->n_gammas;
    if (nt == 0 || ng == 0 || nt > (size_t)INT32_MAX / 2 || ng > (size_t)INT32_MAX / 2 ||
        nt > SIZE_MAX / ng)
        return 0;
    if (!strictly_increasing(m->thetas, nt) || !strictly_increasing(m->gammas, ng)) return 0;
    if (isnan(m->vmax) || isinf(m->vmax)) return 0;
    if (m->ylog && !all_positive(m->gammas, ng)) return 0;
    if (m->xlog && !all_positive(m->thetas, nt)) return 0;
    if (m->contour_values == NULL) return 1;
    size_t cnx = m->n_contour_thetas, cny = m->n_contour_gammas;
    if (m->contour_thetas == NULL || m->contour_gammas == NULL || cnx < 2 || cny < 2 ||
        cnx > (size_t)INT32_MAX / 4 || cny > (size_t)INT32_MAX / 4 ||
        cnx > (size_t)INT32_MAX / 4 / cny)
        return 0;
    if (!strictly_increasing(m->contour_thetas, cnx) ||
        !strictly_increasing(m->contour_gammas, cny))
        return 0;
    return (!m->ylog || all_positive(m->contour_gammas, cny)) &&
           (!m->xlog || all_positive(m->contour_thetas, cnx));
}

/* Edges, the values by column, the colour range, the contour's y. */
static fate_status map_prepare(pm_ctx *ctx)
{
    const fate_phase_map *m = ctx->m;
    size_t nt = m->n_thetas, ng = m->n_gammas, cnx = m->n_contour_thetas, cny = m->n_contour_gammas;
    ctx->xe = malloc((nt + 1) * sizeof *ctx->xe);
    ctx->cx = malloc((m->contour_values && cnx > nt ? cnx : nt) * sizeof *ctx->cx);
    ctx->ye = malloc((ng + 1) * sizeof *ctx->ye);
    ctx->cy = malloc((m->contour_values && cny > ng ? cny : ng) * sizeof *ctx->cy);
    ctx->cols = malloc(nt * sizeof *ctx->cols);
    ctx->cells = malloc(nt * ng * sizeof *ctx->cells);
    if (!ctx->xe || !ctx->ye || !ctx->cx || !ctx->cy || !ctx->cols || !ctx->cells) return FATE_ENOMEM;
    world(ctx->cx, m->thetas, nt, m->xlog);
    cell_edges(ctx->xe, ctx->cx, nt);
    world(ctx->cy, m->gammas, ng, m->ylog);
    cell_edges(ctx->ye, ctx->cy, ng);
    if (!isfinite(ctx->xe[0]) || !isfinite(ctx->xe[nt]) || !isfinite(ctx->ye[0]) ||
        !isfinite(ctx->ye[ng]))
        return FATE_EINVAL;
    if (m->contour_values != NULL) {
        world(ctx->cx, m->contour_thetas, cnx, m->xlog);
        world(ctx->cy, m->contour_gammas, cny, m->ylog);
    }
    double vmax = 0.0;
    for (size_t i = 0; i < nt; i++) {
        ctx->cols[i] = ctx->cells + i * ng;
        for (size_t j = 0; j < ng; j++) {
            double v = m->values[j * nt + i];
            ctx->cols[i][j] = v;
            if (isfinite(v)) vmax = fmax(vmax, fabs(v));
            else ctx->any_nan = 1;
        }
    }
    if (m->vmax > 0.0) vmax = m->vmax;
    if (!(vmax > 0.0) || !isfinite(vmax)) vmax = 1.0;
    ctx->vmax = vmax;
    ctx->zlo = m->sequential ? 0.0 : -vmax;
    return FATE_OK;
}

fate_status fate_plot_phase_map(const char *path, fate_plot_format fmt, const fate_phase_map *m)
{
    if (!map_args_ok(path, fmt, m)) return FATE_EINVAL;
    pm_ctx *ctx = calloc(1, sizeof *ctx);
    if (ctx == NULL) return FATE_ENOMEM;
    ctx->m = m;
    ctx->has_title = clean_text(ctx->title, m->title);
    ctx->has_zlabel = clean_text(ctx->zlabel, m->zlabel);
    ctx->has_clabel = m->contour_values != NULL && clean_text(ctx->clabel, m->contour_label);
    /* a theory field with no finite value draws no line: no legend entry
     * claiming one (e.g. fine-tuning where nothing is derived) */
    size_t finite = 0;
    for (size_t i = 0; m->contour_values && i < m->n_contour_gammas * m->n_contour_thetas; i++) finite += isfinite(m->contour_values[i]);
    if (!finite) ctx->has_clabel = 0;
    fate_status st = map_prepare(ctx);
    if (st == FATE_OK) st = run_figure(path, fmt, draw_phase_map, ctx);
    if (st == FATE_OK) st = ctx->draw_status;
    free(ctx->xe);
    free(ctx->ye);
    free(ctx->cx);
    free(ctx->cy);
    free(ctx->cols);
    free(ctx->cells);
    free(ctx);
    return st;
}
