/*
 * axes.c - the plot box: frame, ticks and tick labels drawn by plbox (tick
 * interval from ticks.c, label text from tick_label through plslabelfunc),
 * axis titles and the figure title placed from the labels' measured widths.
 *
 * Log axes: plbox ('l') draws the decade and digit ticks but labels decades
 * only, so their labels (also 2 and 5 on short ranges) are written here
 * with plmtex at plbox's own offsets.
 */
#include "plot_internal.h"

#include <plplot/plplot.h>

#include <math.h>
#include <string.h>

static double PX(double r) { return r / REF_W; }
static double PY(double r) { return r / REF_H; }

void box_enter(const box *b)
{
    plvpor(b->x0, b->x1, b->y0, b->y1);
    plwind(b->wx0, b->wx1, b->wy0, b->wy1);
}

rect clip_rect(const box *b)
{
    double dx = 0.02 * (b->wx1 - b->wx0), dy = 0.02 * (b->wy1 - b->wy0);
    rect r = {b->wx0 - dx, b->wx1 + dx, b->wy0 - dy, b->wy1 + dy};
    return r;
}

void axis_setup(axis *a, axis_kind kind, double w0, double w1, double target)
{
    a->sc = axis_choose(kind, w0, w1, target);
    a->n = axis_ticks(a->t, MAX_TICKS, &a->sc, w0, w1);
    a->label_w = 0.0;
    for (size_t i = 0; i < a->n; i++)
        a->label_w = fmax(a->label_w, text_width(EM_TICK, a->t[i].label));
}

/* Below the box: tick labels centred DISP_BOTTOM character heights down,
 * reaching half a capital further; then the title. */
static double bottom_labels(void) { return DISP_BOTTOM * CHR * EM_TICK + TXT_CAP * EM_TICK; }

double bottom_space(const axis *x, int has_title)
{
    double s = x->n > 0 ? bottom_labels() : TICK_LEN;
    if (has_title) s += GAP_LABEL + (TXT_ASC + TXT_DESC) * EM_LABEL;
    return s + MARGIN;
}

/* Left of the box: the labels end DISP_SIDE character heights away. */
static double side_labels(const axis *y) { return DISP_SIDE * CHR * EM_TICK + y->label_w; }

double side_space(const axis *y, int has_title)
{
    double s = side_labels(y);
    if (has_title) s += GAP_LABEL + (TXT_ASC + TXT_DESC) * EM_LABEL;
    return s + MARGIN;
}

/* plslabelfunc's callback: data is the axis_scale of x and y. */
static void label_cb(PLINT which, PLFLT value, char *buf, PLINT len, PLPointer data)
{
    const axis_scale *sc = data;
    tick_label(buf, (size_t)len, &sc[which == PL_X_AXIS ? 0 : 1], value);
}

/* plbox options of an axis: ticks outside ('i'), on a log axis the digits
 * as minor ticks unless log_ticks kept decades only (a long range);
 * `labels`: only the numbers (plbox writes them for linear axes). */
static void axis_opts(char *o, const axis *a, int labels)
{
    int log = a->sc.kind == AX_LOG, has = log || a->sc.step > 0.0;
    *o = '\0';
    if (!has) return;
    if (labels) {
        if (!log) strcpy(o, "inxov");
        return;
    }
    strcpy(o, log ? "bilt" : "bit");
    for (size_t i = 0; log && i < a->n; i++)
        if (!a->t[i].major) {
            strcat(o, "s");
            break;
        }
}

/* Labels of a log axis with plmtex ('b': bottom, 'l': left). */
static void log_labels(const axis *a, char side, double w0, double w1)
{
    if (a->sc.kind != AX_LOG) return;
    for (size_t i = 0; i < a->n; i++) {
        double pos = (a->t[i].w - w0) / (w1 - w0);
        if (a->t[i].label[0] == '\0' || pos < -1e-9 || pos > 1.0 + 1e-9) continue;
        if (side == 'b') plmtex("b", DISP_BOTTOM, pos, 0.5, a->t[i].label);
        else plmtex("lv", DISP_SIDE, pos, 1.0, a->t[i].label);
    }
}

static void draw_xlabel(const fig *f, const box *b, const char *text)
{
    double y = b->y0 - PY(bottom_labels() + GAP_LABEL + TXT_ASC * EM_LABEL);
    double em = EM_LABEL, c = 0.5 * (b->x0 + b->x1) * REF_W;
    fit_text(text, &em, &c, MARGIN, REF_W - MARGIN);
    page_text(f, PX(c), y, 0, 0.5, em, C_TEXT, text);
}

void draw_ylabel(const fig *f, const box *b, double off, const char *text, int right)
{
    double em = EM_LABEL, c = 0.5 * (b->y0 + b->y1) * REF_H;
    fit_text(text, &em, &c, MARGIN, REF_H - MARGIN);
    /* text rotated by +90 degrees: its descenders face +x, ascenders -x */
    if (right)
        page_text(f, b->x1 + PX(off + TXT_ASC * EM_LABEL), PY(c), 1, 0.5, em, C_TEXT, text);
    else
        page_text(f, b->x0 - PX(off + TXT_DESC * EM_LABEL), PY(c), 1, 0.5, em, C_TEXT, text);
}

void draw_title(const fig *f, const box *b, const char *text)
{
    double em = EM_TITLE, c = 0.5 * (b->x0 + b->x1) * REF_W;
    fit_text(text, &em, &c, MARGIN, REF_W - MARGIN);
    page_text(f, PX(c), 1.0 - PY(MARGIN + TXT_ASC * EM_TITLE), 0, 0.5, em, C_TEXT, text);
}

void draw_axes(const fig *f, const box *b, const axis *x, const axis *y, const char *xtitle,
               const char *ytitle)
{
    char xo[8], yo[8];
    axis_scale sc[2] = {x->sc, y->sc};
    box_enter(b);
    plcol0(C_AXIS);
    pllsty(1);
    set_width(f, W_FRAME);
    plsmaj(ref_mm(f, TICK_LEN), 1.0);
    plsmin(ref_mm(f, 0.6 * TICK_LEN), 1.0);
    /* ticks on the bottom and left edges only, then the other two edges */
    axis_opts(xo, x, 0);
    axis_opts(yo, y, 0);
    plbox(xo[0] ? xo : "b", x->sc.step, 0, yo[0] ? yo : "b", y->sc.step, 0);
    plbox("c", 0.0, 0, "c", 0.0, 0);
    /* the numbers, in the text colour and size */
    set_font(f, EM_TICK);
    plcol0(C_TEXT);
    axis_opts(xo, x, 1);
    axis_opts(yo, y, 1);
    plslabelfunc(label_cb, sc);
    if (xo[0] || yo[0]) plbox(xo, x->sc.step, 0, yo, y->sc.step, 0);
    plslabelfunc(NULL, NULL);
    log_labels(x, 'b', b->wx0, b->wx1);
    log_labels(y, 'l', b->wy0, b->wy1);
    page_coords();
    if (xtitle != NULL) draw_xlabel(f, b, xtitle);
    if (ytitle != NULL) draw_ylabel(f, b, side_labels(y) + GAP_LABEL, ytitle, 0);
}
