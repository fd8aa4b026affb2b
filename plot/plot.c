/*
 * plot.c - the figures of fate_plot.h (the CLI's plot layer, not libfate),
 * drawn with PLplot 5.15 and its cairo drivers (pngcairo, svgcairo, pdfcairo).
 *
 * PLplot's defaults (black page, red axes, Hershey fonts, plenv layout) are
 * not what a paper needs, so everything visible is set here explicitly:
 * white page, dark grey frame and text, the "sans" font through pango (real
 * Unicode: θ, γ, π, −), an explicit layout computed in "reference pixels" of
 * a 1600 x 1200 page, ticks and tick labels drawn by this file (so that the
 * θ axis can carry π/6 labels, the minus sign is U+2212 and nothing depends
 * on the locale), and our own marching squares for the theory contour
 * (plcont has no notion of missing values, and theory fields diverge).
 *
 * Layout units. The PNG page is 1600 x 1200 pixels; the vector pages (SVG,
 * PDF) are 720 x 540 points, the same shape. Every length below is given in
 * reference pixels of the 1600 x 1200 page and scaled by fig.s (1 for PNG,
 * 0.45 for vector output), so the three formats look the same. PLplot
 * measures lengths in mm with the cairo driver's fixed 72 dpi (1 device unit
 * = 25.4/72 mm); pango renders a font of c mm character height at 96 dpi
 * (em = c * 96 / 25.4 device units). Normalised page coordinates are
 * reference pixels / 1600 (x) and / 1200 (y).
 *
 * Robustness. PLplot keeps global state and ends the process on fatal errors, and
 * prints to stdout in a few corner cases (an unknown device makes it prompt
 * for one; the file name "-" means stdout). So: every argument is validated
 * before PLplot is touched, the device is checked to exist (plgDevs), the
 * output file is drawn under a temporary name that is opened once beforehand
 * (FATE_EIO if that fails), checked, synced and renamed (commit_figure), "-" is
 * passed as "./-", and an exit handler (plsexit) longjmps back here instead of
 * letting PLplot end the process. Non-fatal PLplot errors (plabort) are
 * captured with plsError instead of being printed. Every figure is a complete
 * plinit ... plend1 session on a private stream (see run_figure), so repeated
 * calls leave no per-figure state behind.
 * Coordinates are clipped here before PLplot sees them: PLplot converts world
 * to device coordinates in int and would overflow on divergent values.
 */
#include "fate_plot.h"

#include <plplot/plplot.h>

#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* ------------------------------------------------------------------------ */
/* Page, colours, sizes                                                      */
/* ------------------------------------------------------------------------ */

#define REF_W 1600.0 /* reference page, in reference pixels */
#define REF_H 1200.0
#define PNG_W 1600
#define PNG_H 1200
#define VEC_W 720 /* vector page, in points (10 x 7.5 inches) */
#define VEC_H 540

/* Font sizes (em, reference pixels), line widths and distances. */
#define EM_TICK 30.0
#define EM_LABEL 34.0
#define EM_TITLE 38.0
#define EM_LEGEND 29.0
#define W_FRAME 2.0
#define W_LINE 3.5
#define W_CONTOUR 4.0
#define W_ERRBAR 2.2
#define TICK_LEN 12.0
#define GAP_TICKLABEL 9.0
#define GAP_LABEL 16.0
#define MARGIN 26.0
#define MARKER_R 9.5
#define CB_STRIPS 256 /* = cmap1 size */

/* Vertical extent of text around PLplot's reference point (the middle of
 * the em box, about the middle of capitals), in em: capitals and digits,
 * ascenders, descenders (DejaVu Sans, the usual "sans" of fontconfig). */
#define TXT_CAP 0.38
#define TXT_ASC 0.42
#define TXT_DESC 0.62
#define SUP_RISE 0.32 /* how far a superscript (#u) reaches above capitals */

/* cmap0 slots. */
enum {
    C_BG = 0,     /* white page */
    C_TEXT = 1,   /* near black text */
    C_AXIS = 2,   /* dark grey frame and ticks */
    C_NAN = 3,    /* light grey: cells without a value */
    C_LEGBOX = 4, /* legend frame */
    C_ZERO = 5,   /* zero line */
    C_BLACK = 6,  /* theory contour */
    C_PAL = 8,    /* 8 palette colours: C_PAL .. C_PAL + 7 */
    N_CMAP0 = 16
};

/* Okabe-Ito, colour-blind safe; ordered so that the first colours are the
 * most distinct from each other. */
static const unsigned char PALETTE[8][3] = {
    {0, 114, 178},   /* blue */
    {213, 94, 0},    /* vermillion */
    {0, 158, 115},   /* bluish green */
    {204, 121, 167}, /* reddish purple */
    {230, 159, 0},   /* orange */
    {86, 180, 233},  /* sky blue */
    {240, 228, 66},  /* yellow */
    {0, 0, 0}        /* black */
};

typedef struct fig {
    double s; /* device units (px or pt) per reference pixel */
} fig;

static double ref_mm(const fig *f, double r) { return r * f->s * 25.4 / 72.0; }
static void set_font(const fig *f, double em) { plschr(em * f->s * 25.4 / 96.0, 1.0); }
static void set_width(const fig *f, double w) { plwidth(w * f->s); }
static double PX(double r) { return r / REF_W; }
static double PY(double r) { return r / REF_H; }

/* World coordinates = normalised page coordinates (for text, ticks,
 * legend samples: anything drawn outside the plot box). */
static void page_coords(void)
{
    plvpor(0.0, 1.0, 0.0, 1.0);
    plwind(0.0, 1.0, 0.0, 1.0);
}

/* Solid lines, or dashes of `mark` reference pixels separated by `space`
 * (PLplot wants micrometres). pllsty's own dashes are a few pixels long at
 * this page size, too short to read as dashes. */
static void set_dashes(const fig *f, double mark, double space)
{
    if (mark <= 0.0) {
        pllsty(1);
        return;
    }
    PLINT m = (PLINT)lround(ref_mm(f, mark) * 1000.0);
    PLINT sp = (PLINT)lround(ref_mm(f, space) * 1000.0);
    plstyl(1, &m, &sp);
}

/* ------------------------------------------------------------------------ */
/* Text                                                                      */
/* ------------------------------------------------------------------------ */

#define TEXT_CAP 1024    /* bytes of a cleaned label */
#define TEXT_MAX_CP 200  /* code points kept of a label (cairo limit: 500) */

/* Copies a caller's UTF-8 label into a form PLplot draws literally: invalid
 * UTF-8 bytes become '?', control characters spaces, PLplot's escape
 * character '#' is doubled, and the label is cut at TEXT_MAX_CP code points.
 * Returns 1 when something visible remains. */
static int clean_text(char *dst, const char *src)
{
    size_t o = 0, cps = 0;
    int visible = 0;
    dst[0] = '\0';
    if (src == NULL) return 0;
    const unsigned char *p = (const unsigned char *)src;
    while (*p != '\0' && cps < TEXT_MAX_CP && o + 8 < TEXT_CAP) {
        unsigned c = *p;
        size_t len = 1;
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f) {
                dst[o++] = ' ';
            } else if (c == '#') {
                dst[o++] = '#';
                dst[o++] = '#';
                visible = 1;
            } else {
                dst[o++] = (char)c;
                if (c != ' ') visible = 1;
            }
            p++;
            cps++;
            continue;
        }
        /* multi-byte sequence: check length, continuation bytes, overlongs
         * and surrogates */
        uint32_t cp = 0;
        if (c >= 0xc2 && c <= 0xdf) { len = 2; cp = c & 0x1f; }
        else if (c >= 0xe0 && c <= 0xef) { len = 3; cp = c & 0x0f; }
        else if (c >= 0xf0 && c <= 0xf4) { len = 4; cp = c & 0x07; }
        else len = 0;
        int ok = len > 0;
        for (size_t k = 1; ok && k < len; k++) {
            if ((p[k] & 0xc0) != 0x80) ok = 0;
            else cp = (cp << 6) | (p[k] & 0x3f);
        }
        if (ok && ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
                   (len == 4 && (cp < 0x10000 || cp > 0x10ffff))))
            ok = 0;
        if (!ok) {
            dst[o++] = '?';
            visible = 1;
            p++;
            cps++;
            continue;
        }
        memcpy(dst + o, p, len);
        o += len;
        p += len;
        cps++;
        visible = 1;
    }
    dst[o] = '\0';
    return visible;
}

/* Rough advance width of a cleaned label in em (DejaVu Sans metrics), used
 * only to reserve margins; PLplot measures text exactly in pllegend. */
static double text_em_width(const char *s)
{
    double w = 0.0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p;
        if (c < 0x80) {
            if (c == '#' && (p[1] == 'u' || p[1] == 'd')) { /* super/subscript */
                p += 2;
                continue;
            }
            if (c == '#' && p[1] == '#') p++; /* escaped '#' */
            if (c >= '0' && c <= '9') w += 0.64;
            else if (c == '.' || c == ',' || c == ':' || c == ';' || c == ' ' || c == 'i' ||
                     c == 'l' || c == 'j' || c == '\'' || c == '|')
                w += 0.32;
            else if (c == '(' || c == ')' || c == '[' || c == ']' || c == '/' || c == '-' ||
                     c == 'f' || c == 't' || c == 'r')
                w += 0.40;
            else if (c == 'm' || c == 'w' || c == 'M' || c == 'W') w += 0.95;
            else if (c >= 'A' && c <= 'Z') w += 0.72;
            else w += 0.62;
            p++;
        } else {
            /* one code point: a Greek letter, the minus sign, a symbol */
            w += 0.68;
            p++;
            while ((*p & 0xc0) == 0x80) p++;
        }
    }
    return w;
}

/* Fits a label of nominal size *em centred at *c (reference pixels) into
 * [lo, hi]: moved inwards when it would stick out, shrunk when longer than
 * the whole interval. Widths are estimates, hence 8% of slack. */
static void fit_text(const char *text, double *em, double *c, double lo, double hi)
{
    double w = 1.08 * text_em_width(text) * *em;
    if (w <= 0.0) return;
    if (w > hi - lo) {
        *em *= (hi - lo) / w;
        w = hi - lo;
    }
    if (*c - 0.5 * w < lo) *c = lo + 0.5 * w;
    if (*c + 0.5 * w > hi) *c = hi - 0.5 * w;
}

/* Draws cleaned text at normalised page coordinates (page_coords() must be
 * active); angle 0 or 90 degrees; just: 0 left, 0.5 centre, 1 right. */
static void page_text(const fig *f, double x, double y, int vertical, double just, double em,
                      int color, const char *text)
{
    if (text == NULL || text[0] == '\0') return;
    set_font(f, em);
    plcol0(color);
    plptex(x, y, vertical ? 0.0 : 1.0, vertical ? 1.0 : 0.0, just, text);
}

/* ------------------------------------------------------------------------ */
/* Numbers and ticks                                                         */
/* ------------------------------------------------------------------------ */

#define MINUS "\xe2\x88\x92" /* U+2212 */

/* A "nice" tick step (1, 2, 2.5 or 5 times a power of ten) giving about
 * `target` intervals over span. */
static double nice_step(double span, double target)
{
    if (!(span > 0.0) || !isfinite(span)) return 1.0;
    double raw = span / target;
    double mag = pow(10.0, floor(log10(raw)));
    double r = raw / mag;
    double m = r < 1.5 ? 1.0 : r < 2.25 ? 2.0 : r < 3.5 ? 2.5 : r < 7.5 ? 5.0 : 10.0;
    return m * mag;
}

/* Decimals needed to print multiples of step exactly (0..9). */
static int step_decimals(double step)
{
    for (int d = 0; d < 10; d++) {
        double v = step * pow(10.0, d);
        if (fabs(v - nearbyint(v)) < 1e-6 * fmax(1.0, fabs(v))) return d;
    }
    return 9;
}

/* Formats v with d decimals, using digits only (no locale: printf's %f
 * would print a decimal comma under some LC_NUMERIC) and U+2212 for minus. */
static void format_fixed(char *buf, size_t cap, double v, int d)
{
    double scale = pow(10.0, d);
    double a = nearbyint(fabs(v) * scale);
    if (a == 0.0) {
        snprintf(buf, cap, "0");
        return;
    }
    long long ia = (long long)a;
    long long sc = (long long)scale;
    const char *sign = v < 0.0 ? MINUS : "";
    if (d == 0) snprintf(buf, cap, "%s%lld", sign, ia);
    else snprintf(buf, cap, "%s%lld.%0*lld", sign, ia / sc, d, ia % sc);
}

/* Label of a linear tick. Ticks of very large or very small magnitude get
 * a power of ten: "1.5×10⁻⁵" (superscript through PLplot's #u/#d escapes),
 * with the mantissa's decimals taken from the step. */
static void format_tick(char *buf, size_t cap, double v, double step, double vmax_abs)
{
    if (vmax_abs < 1e6 && step >= 1e-4) {
        format_fixed(buf, cap, v, step_decimals(step));
        return;
    }
    if (fabs(v) < 1e-9 * step) {
        snprintf(buf, cap, "0");
        return;
    }
    int e = (int)floor(log10(fabs(v)));
    double p10 = pow(10.0, e);
    char mant[32];
    format_fixed(mant, sizeof mant, v / p10, step_decimals(step / p10));
    if (strcmp(mant, "1") == 0) snprintf(buf, cap, "10#u%s%d#d", e < 0 ? MINUS : "", abs(e));
    else if (strcmp(mant, MINUS "1") == 0)
        snprintf(buf, cap, MINUS "10#u%s%d#d", e < 0 ? MINUS : "", abs(e));
    else
        snprintf(buf, cap, "%s\xc3\x97" "10#u%s%d#d", mant, e < 0 ? MINUS : "", abs(e));
}

/* Label k * pi / 6 as a reduced fraction of pi ("0", "π/6", "π/3", "π/2",
 * "2π/3", "π", "−π/2", ...). */
static void format_pi(char *buf, size_t cap, long k)
{
    if (k == 0) {
        snprintf(buf, cap, "0");
        return;
    }
    const char *sign = k < 0 ? MINUS : "";
    long n = labs(k), d = 6;
    long a = n, b = d;
    while (b) {
        long t = a % b;
        a = b;
        b = t;
    }
    n /= a;
    d /= a;
    char num[32];
    if (n == 1) snprintf(num, sizeof num, "\xcf\x80");
    else snprintf(num, sizeof num, "%ld\xcf\x80", n);
    if (d == 1) snprintf(buf, cap, "%s%s", sign, num);
    else snprintf(buf, cap, "%s%s/%ld", sign, num, d);
}

#define MAX_TICKS 64

typedef struct tick {
    double w;      /* world coordinate (log10 for log axes) */
    int major;     /* 1: major tick (longer); 0: minor */
    char label[64]; /* "" for an unlabelled tick */
} tick;

typedef enum axis_kind { AX_LINEAR, AX_PI, AX_LOG } axis_kind;

/* Ticks of a world range [w0, w1]. AX_PI: multiples of pi/6 (pi/2 or pi
 * when the range is wide), falling back to decimal ticks when fewer than
 * two such multiples are in range. AX_LOG: w is log10 of the data; decades,
 * with 2 and 5 (or every digit) labelled when the range is short. */
static size_t make_ticks(tick *t, axis_kind kind, double w0, double w1, double target)
{
    size_t n = 0;
    double span = w1 - w0, eps = 1e-9 * fabs(span);
    if (kind == AX_PI) {
        static const long mult[] = {1, 3, 6, 12, 24, 60, 120};
        for (size_t m = 0; m < sizeof mult / sizeof mult[0]; m++) {
            double st = (double)mult[m] * M_PI / 6.0;
            double k0 = ceil((w0 - eps) / st), k1 = floor((w1 + eps) / st);
            if (k1 - k0 + 1.0 > 7.0) continue;
            if (k1 - k0 + 1.0 < 2.0) break; /* too narrow for pi ticks */
            for (double k = k0; k <= k1 && n < MAX_TICKS; k += 1.0) {
                t[n].w = k * st;
                t[n].major = 1;
                format_pi(t[n].label, sizeof t[n].label, (long)k * mult[m]);
                n++;
            }
            return n;
        }
        kind = AX_LINEAR;
    }
    if (kind == AX_LOG) {
        double d0 = floor(w0 - eps), d1 = ceil(w1 + eps);
        int ndec = 0;
        for (double d = ceil(w0 - eps); d <= w1 + eps; d += 1.0) ndec++;
        /* digits labelled besides the decades */
        int lab25 = ndec < 3, laball = ndec < 1 && span < 0.6;
        /* long ranges: decades only, every decstep-th (at most ~8 ticks) */
        static const int nice_dec[] = {1, 2, 3, 5, 10, 20, 25, 50, 100, 200, 250, 500};
        int decstep = 1;
        for (size_t q = 0; q < sizeof nice_dec / sizeof nice_dec[0]; q++) {
            decstep = nice_dec[q];
            if (ndec <= 8 || decstep * 8 >= ndec) break;
        }
        for (double d = d0; d <= d1 && n < MAX_TICKS; d += 1.0) {
            if (ndec > 8 && fmod(fabs(d), (double)decstep) != 0.0) continue;
            for (int m = 1; m <= 9 && n < MAX_TICKS; m++) {
                if (ndec > 8 && m != 1) break;
                double w = d + log10((double)m);
                if (w < w0 - eps || w > w1 + eps) continue;
                t[n].w = w;
                t[n].major = m == 1;
                t[n].label[0] = '\0';
                int labelled = m == 1 || (lab25 && (m == 2 || m == 5)) || laball;
                if (labelled) {
                    int e = (int)d;
                    if (e >= -3 && e <= 5) {
                        double v = (double)m * pow(10.0, e);
                        format_fixed(t[n].label, sizeof t[n].label, v, e < 0 ? -e : 0);
                    } else if (m == 1) {
                        /* 10 with a superscript exponent (PLplot escapes) */
                        snprintf(t[n].label, sizeof t[n].label, "10#u%s%d#d", e < 0 ? MINUS : "",
                                 abs(e));
                    } else {
                        snprintf(t[n].label, sizeof t[n].label, "%d\xc3\x97" "10#u%s%d#d", m,
                                 e < 0 ? MINUS : "", abs(e));
                    }
                }
                n++;
            }
        }
        return n;
    }
    double st = nice_step(span, target);
    double k0 = ceil((w0 - eps) / st), k1 = floor((w1 + eps) / st);
    if (!(fabs(k0) < 1e15 && fabs(k1) < 1e15)) return 0; /* span below precision */
    for (double k = k0; k <= k1 && n < MAX_TICKS; k += 1.0) {
        double v = k * st;
        if (fabs(v) < 1e-9 * st) v = 0.0;
        t[n].w = v;
        t[n].major = 1;
        format_tick(t[n].label, sizeof t[n].label, v, st, fmax(fabs(w0), fabs(w1)));
        n++;
    }
    return n;
}

static double max_label_em(const tick *t, size_t n)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++) m = fmax(m, text_em_width(t[i].label));
    return m;
}

/* The plot box: normalised page coordinates and world window. */
typedef struct box {
    double x0, x1, y0, y1;     /* page */
    double wx0, wx1, wy0, wy1; /* world */
} box;

static void box_enter(const box *b)
{
    plvpor(b->x0, b->x1, b->y0, b->y1);
    plwind(b->wx0, b->wx1, b->wy0, b->wy1);
}

static double box_px(const box *b, double wx)
{
    return b->x0 + (wx - b->wx0) / (b->wx1 - b->wx0) * (b->x1 - b->x0);
}

static double box_py(const box *b, double wy)
{
    return b->y0 + (wy - b->wy0) / (b->wy1 - b->wy0) * (b->y1 - b->y0);
}

/* Superscript exponents (#u) rise above the capitals: bottom tick labels
 * with one are moved down by this much (reference pixels), all of them so
 * that they stay aligned, and the x title with them. */
static double ticks_sup(const tick *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strstr(t[i].label, "#u") != NULL) return SUP_RISE * EM_TICK;
    return 0.0;
}

/* Frame of the box (page coordinates active). */
static void draw_frame(const fig *f, const box *b)
{
    PLFLT xs[5] = {b->x0, b->x1, b->x1, b->x0, b->x0};
    PLFLT ys[5] = {b->y0, b->y0, b->y1, b->y1, b->y0};
    plcol0(C_AXIS);
    pllsty(1);
    set_width(f, W_FRAME);
    plline(5, xs, ys);
}

/* Outward ticks and their labels along one side of the box: side 'b'
 * (bottom), 'l' (left) or 'r' (right). Page coordinates must be active. */
static void draw_ticks(const fig *f, const box *b, char side, const tick *t, size_t n)
{
    double sup = ticks_sup(t, n);
    plcol0(C_AXIS);
    pllsty(1);
    set_width(f, W_FRAME);
    for (size_t i = 0; i < n; i++) {
        double len = t[i].major ? TICK_LEN : 0.6 * TICK_LEN;
        if (side == 'b') {
            double x = box_px(b, t[i].w);
            if (x < b->x0 - 1e-9 || x > b->x1 + 1e-9) continue;
            pljoin(x, b->y0, x, b->y0 - PY(len));
        } else {
            double y = box_py(b, t[i].w);
            if (y < b->y0 - 1e-9 || y > b->y1 + 1e-9) continue;
            double x = side == 'l' ? b->x0 : b->x1;
            pljoin(x, y, side == 'l' ? x - PX(len) : x + PX(len), y);
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (t[i].label[0] == '\0') continue;
        if (side == 'b') {
            double x = box_px(b, t[i].w);
            if (x < b->x0 - 1e-9 || x > b->x1 + 1e-9) continue;
            page_text(f, x, b->y0 - PY(TICK_LEN + GAP_TICKLABEL + TXT_CAP * EM_TICK + sup), 0,
                      0.5, EM_TICK, C_TEXT, t[i].label);
        } else {
            double y = box_py(b, t[i].w);
            if (y < b->y0 - 1e-9 || y > b->y1 + 1e-9) continue;
            if (side == 'l')
                page_text(f, b->x0 - PX(TICK_LEN + GAP_TICKLABEL), y, 0, 1.0, EM_TICK, C_TEXT,
                          t[i].label);
            else
                page_text(f, b->x1 + PX(TICK_LEN + GAP_TICKLABEL), y, 0, 0.0, EM_TICK, C_TEXT,
                          t[i].label);
        }
    }
}

/* Space (reference pixels) that the bottom tick labels and an x label take
 * below the box, and the left tick labels and a y label to its left. */
static double bottom_space(int has_label, double sup)
{
    double s = TICK_LEN + GAP_TICKLABEL + 2.0 * TXT_CAP * EM_TICK + sup;
    if (has_label) s += GAP_LABEL + (TXT_ASC + TXT_DESC) * EM_LABEL;
    return s + MARGIN;
}

static double side_space(double label_em, int has_label)
{
    double s = TICK_LEN + GAP_TICKLABEL + label_em * EM_TICK;
    if (has_label) s += GAP_LABEL + (TXT_ASC + TXT_DESC) * EM_LABEL;
    return s + MARGIN;
}

/* Axis titles: under the box, left of it (reading upwards), right of it;
 * kept on the page (fit_text). */
static void draw_xlabel(const fig *f, const box *b, const char *text, double sup)
{
    double y = b->y0 - PY(TICK_LEN + GAP_TICKLABEL + 2.0 * TXT_CAP * EM_TICK + sup + GAP_LABEL +
                          TXT_ASC * EM_LABEL);
    double em = EM_LABEL, c = 0.5 * (b->x0 + b->x1) * REF_W;
    fit_text(text, &em, &c, MARGIN, REF_W - MARGIN);
    page_text(f, PX(c), y, 0, 0.5, em, C_TEXT, text);
}

static void draw_ylabel(const fig *f, const box *b, double label_em, const char *text, int right)
{
    double off = TICK_LEN + GAP_TICKLABEL + label_em * EM_TICK + GAP_LABEL;
    double em = EM_LABEL, c = 0.5 * (b->y0 + b->y1) * REF_H;
    fit_text(text, &em, &c, MARGIN, REF_H - MARGIN);
    /* text rotated by +90 degrees: its descenders face +x, ascenders -x */
    if (right)
        page_text(f, b->x1 + PX(off + TXT_ASC * EM_LABEL), PY(c), 1, 0.5, em, C_TEXT, text);
    else
        page_text(f, b->x0 - PX(off + TXT_DESC * EM_LABEL), PY(c), 1, 0.5, em, C_TEXT, text);
}

/* The title, centred over the box and kept on the page. */
static void draw_title(const fig *f, const box *b, const char *text)
{
    double em = EM_TITLE, c = 0.5 * (b->x0 + b->x1) * REF_W;
    fit_text(text, &em, &c, MARGIN, REF_W - MARGIN);
    page_text(f, PX(c), 1.0 - PY(MARGIN + TXT_ASC * EM_TITLE), 0, 0.5, em, C_TEXT, text);
}

/* ------------------------------------------------------------------------ */
/* Clipping polylines before PLplot sees them                                */
/* ------------------------------------------------------------------------ */

typedef struct rect {
    double x0, x1, y0, y1;
} rect;

/* A window enlarged by 2% on each side: lines are cut here (exactly, in
 * double precision) and PLplot cuts the rest at the plot box. */
static rect clip_rect(const box *b)
{
    double dx = 0.02 * (b->wx1 - b->wx0), dy = 0.02 * (b->wy1 - b->wy0);
    rect r = {b->wx0 - dx, b->wx1 + dx, b->wy0 - dy, b->wy1 + dy};
    return r;
}

/* Liang-Barsky: clips segment p-q to r; returns 0 when nothing is left. */
static int clip_segment(double *px, double *py, double *qx, double *qy, const rect *r,
                        int *start_moved)
{
    double t0 = 0.0, t1 = 1.0;
    double dx = *qx - *px, dy = *qy - *py;
    double pp[4] = {-dx, dx, -dy, dy};
    double qq[4] = {*px - r->x0, r->x1 - *px, *py - r->y0, r->y1 - *py};
    for (int i = 0; i < 4; i++) {
        if (pp[i] == 0.0) {
            if (qq[i] < 0.0) return 0;
            continue;
        }
        double t = qq[i] / pp[i];
        if (pp[i] < 0.0) {
            if (t > t1) return 0;
            if (t > t0) t0 = t;
        } else {
            if (t < t0) return 0;
            if (t < t1) t1 = t;
        }
    }
    double ax = *px, ay = *py;
    *start_moved = t0 > 0.0;
    *px = ax + t0 * dx;
    *py = ay + t0 * dy;
    *qx = ax + t1 * dx;
    *qy = ay + t1 * dy;
    return 1;
}

typedef struct runbuf {
    PLFLT *x, *y;
    size_t n, cap;
} runbuf;

static void run_flush(runbuf *rb)
{
    if (rb->n >= 2) plline((PLINT)rb->n, rb->x, rb->y);
    rb->n = 0;
}

/* Draws the polyline (x[i], y[i]), i < n, with the current pen: points with
 * a non-finite coordinate break it, segments are clipped to r. rb needs
 * room for n + 1 points. */
static void draw_polyline(const double *x, const double *y, size_t n, const rect *r, runbuf *rb)
{
    rb->n = 0;
    int open = 0; /* the last point of rb is the end of the previous segment, unclipped */
    for (size_t i = 1; i < n; i++) {
        if (!isfinite(x[i - 1]) || !isfinite(y[i - 1]) || !isfinite(x[i]) || !isfinite(y[i])) {
            run_flush(rb);
            open = 0;
            continue;
        }
        double px = x[i - 1], py = y[i - 1], qx = x[i], qy = y[i];
        int moved = 0;
        if (!clip_segment(&px, &py, &qx, &qy, r, &moved)) {
            run_flush(rb);
            open = 0;
            continue;
        }
        if (!open || moved) {
            run_flush(rb);
            rb->x[rb->n] = px;
            rb->y[rb->n] = py;
            rb->n++;
        }
        rb->x[rb->n] = qx;
        rb->y[rb->n] = qy;
        rb->n++;
        open = qx == x[i] && qy == y[i];
        if (!open) run_flush(rb);
    }
    run_flush(rb);
}

/* ------------------------------------------------------------------------ */
/* Markers                                                                   */
/* ------------------------------------------------------------------------ */

/* A filled marker centred at (cx, cy) in the current world coordinates;
 * ux, uy: world units per reference pixel. Shapes cycle through circle,
 * square, triangle up, diamond, triangle down. */
static void draw_marker(const fig *f, double cx, double cy, double ux, double uy, int shape,
                        int color)
{
    PLFLT xs[33], ys[33];
    int n = 0;
    double r = MARKER_R;
    switch (shape % 5) {
    case 0:
        for (n = 0; n < 32; n++) {
            double a = 2.0 * M_PI * n / 32.0;
            xs[n] = cx + r * cos(a) * ux;
            ys[n] = cy + r * sin(a) * uy;
        }
        break;
    case 1: {
        double h = 0.86 * r;
        double px[4] = {-h, h, h, -h}, py[4] = {-h, -h, h, h};
        for (n = 0; n < 4; n++) {
            xs[n] = cx + px[n] * ux;
            ys[n] = cy + py[n] * uy;
        }
        break;
    }
    case 2:
    case 4: {
        double sgn = shape % 5 == 2 ? 1.0 : -1.0, R = 1.25 * r;
        for (n = 0; n < 3; n++) {
            double a = M_PI / 2.0 + 2.0 * M_PI * n / 3.0;
            xs[n] = cx + R * cos(a) * ux;
            ys[n] = cy + sgn * (R * sin(a) + 0.15 * r) * uy;
        }
        break;
    }
    default: {
        double R = 1.2 * r;
        double px[4] = {0, R, 0, -R}, py[4] = {-R, 0, R, 0};
        for (n = 0; n < 4; n++) {
            xs[n] = cx + px[n] * ux;
            ys[n] = cy + py[n] * uy;
        }
        break;
    }
    }
    pllsty(1);
    plpsty(0);
    plcol0(color);
    set_width(f, 1.0);
    plfill(n, xs, ys);
    /* thin white rim: overlapping markers and lines stay distinguishable */
    xs[n] = xs[0];
    ys[n] = ys[0];
    plcol0(C_BG);
    set_width(f, 1.4);
    plline(n + 1, xs, ys);
}

/* ------------------------------------------------------------------------ */
/* Sessions: one stream per figure, exit handler, error capture            */
/* ------------------------------------------------------------------------ */

static jmp_buf g_jmp;            /* where a PLplot fatal error returns to */
static volatile int g_jmp_armed; /* g_jmp is valid */
static char g_exit_msg[256];

/* Installed with plsexit: PLplot calls it on a fatal error and would then end
 * the process; jumping back to the figure function (which returns FATE_EIO or
 * FATE_ENOMEM) keeps the process alive. */
static int on_plplot_exit(PLCHAR_VECTOR msg)
{
    snprintf(g_exit_msg, sizeof g_exit_msg, "%s", msg ? msg : "");
    if (g_jmp_armed) {
        g_jmp_armed = 0;
        longjmp(g_jmp, 1);
    }
    return 1;
}

/* Opening the file ourselves first turns "cannot write" into FATE_EIO
 * instead of PLplot's retry loop (which prints and finally ends the process).
 * It is the temporary file: opening the target would truncate a good figure. */
static int path_writable(const char *path)
{
    FILE *fp = fopen(path, "wb");
    if (fp == NULL) return 0;
    fclose(fp);
    return 1;
}

/* The whole file as a malloc'd buffer (NULL if unreadable or empty). */
static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    unsigned char *buf = NULL;
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && st.st_size > 0 && (buf = malloc((size_t)st.st_size)) != NULL &&
        fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
        free(buf);
        buf = NULL;
    }
    *len = buf ? (size_t)st.st_size : 0;
    fclose(f);
    return buf;
}

/* Whether the text ends with `tail` followed by nothing but white space. */
static int ends_with(const unsigned char *b, size_t n, const char *tail)
{
    while (n > 0 && (b[n - 1] == '\n' || b[n - 1] == '\r' || b[n - 1] == ' ')) n--;
    size_t k = strlen(tail);
    return n >= k && memcmp(b + n - k, tail, k) == 0;
}

/* Whether a drawn file is complete. cairo writes through stdio and ignores
 * write errors, so on a full disk a figure can be empty or cut anywhere: a
 * PNG must be its signature and a chain of chunks ending exactly at IEND, an
 * SVG must be closed, a PDF must end with its trailer. */
static int figure_complete(const char *path, fate_plot_format fmt)
{
    size_t n = 0;
    unsigned char *b = read_all(path, &n);
    if (b == NULL) return 0;
    int ok = 0;
    if (fmt == FATE_PLOT_PNG) {
        static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
        size_t at = 8;
        ok = n > 8 && memcmp(b, sig, 8) == 0;
        while (ok && at + 12 <= n) {
            size_t len = (size_t)b[at] << 24 | (size_t)b[at + 1] << 16 | (size_t)b[at + 2] << 8 | b[at + 3];
            int iend = memcmp(b + at + 4, "IEND", 4) == 0;
            if (len > n - at - 12) { ok = 0; break; }
            at += 12 + len;
            if (iend) break;
        }
        ok = ok && at == n && n >= 20 && memcmp(b + n - 8, "IEND", 4) == 0;
    } else if (fmt == FATE_PLOT_SVG) {
        ok = ends_with(b, n, "</svg>");
    } else {
        ok = n > 5 && memcmp(b, "%PDF", 4) == 0 && ends_with(b, n, "%%EOF");
    }
    free(b);
    return ok;
}

/* Makes the drawn temporary file the figure: complete, synced (so that a
 * crash after the rename cannot leave an empty file under the final name),
 * renamed, and the folder synced so that the rename itself is durable. */
static fate_status commit_figure(const char *tmp, const char *path, fate_plot_format fmt)
{
    if (!figure_complete(tmp, fmt)) return FATE_EIO;
    int fd = open(tmp, O_RDWR);
    if (fd < 0) return FATE_EIO;
    int ok = fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) return FATE_EIO;
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, (size_t)(slash - path) + 1) : strdup(".");
    int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY) : -1;
    if (dfd >= 0) {
        (void)fsync(dfd); /* best effort: some file systems refuse it on folders */
        close(dfd);
    }
    free(dir);
    return FATE_OK;
}

static const char *device_of(fate_plot_format fmt)
{
    switch (fmt) {
    case FATE_PLOT_PNG: return "pngcairo";
    case FATE_PLOT_SVG: return "svgcairo";
    case FATE_PLOT_PDF: return "pdfcairo";
    }
    return NULL;
}

const char *fate_plot_extension(fate_plot_format fmt)
{
    switch (fmt) {
    case FATE_PLOT_PNG: return "png";
    case FATE_PLOT_SVG: return "svg";
    case FATE_PLOT_PDF: return "pdf";
    }
    return NULL;
}

/* Whether PLplot has this device (a missing one would make plinit print the
 * device menu on stdout and read a choice from stdin). */
static int device_available(const char *dev)
{
    enum { CAP = 128 };
    PLCHAR_VECTOR menu[CAP], names[CAP];
    PLCHAR_VECTOR *pm = menu, *pn = names;
    int n = CAP;
    plgDevs(&pm, &pn, &n);
    for (int i = 0; i < n && i < CAP; i++)
        if (names[i] != NULL && strcmp(names[i], dev) == 0) return 1;
    return 0;
}

typedef void (*draw_fn)(const fig *f, void *arg);

/* Runs one figure: validates the path, opens a PLplot stream with our page
 * and colours, calls draw, ends the stream. */
static fate_status run_figure(const char *path, fate_plot_format fmt, draw_fn draw, void *arg)
{
    const char *dev = device_of(fmt);
    if (path == NULL || path[0] == '\0' || dev == NULL) return FATE_EINVAL;
    /* "%n" is PLplot's family-file marker: it would rewrite the name */
    if (strstr(path, "%n") != NULL) return FATE_EINVAL;

    /* "-" is stdout to PLplot; the library never writes there. PLplot draws
     * into fname, a temporary name beside the target (see commit_figure). */
    const size_t L = strlen(path) + 3, FL = L + 32;
    char *target = malloc(L), *fname = malloc(FL);
    if (target == NULL || fname == NULL) {
        free(target);
        free(fname);
        return FATE_ENOMEM;
    }
    if (strcmp(path, "-") == 0) strcpy(target, "./-");
    else strcpy(target, path);
    snprintf(fname, FL, "%s.tmp.%ld", target, (long)getpid());
    if (!path_writable(fname)) {
        free(target);
        free(fname);
        return FATE_EIO;
    }

    fig f;
    f.s = fmt == FATE_PLOT_PNG ? 1.0 : (double)VEC_H / REF_H;

    /* A private stream per figure (plmkstrm ... plend1), never plend: with
     * PLplot 5.15, plend unloads the cairo driver and the next plinit loads
     * it again, and every such cycle leaks memory in libltdl, fontconfig and
     * pango (about 20 kB per figure under valgrind) and re-reads the
     * fontconfig configuration. With plend1 the loaded driver and fonts stay
     * (bounded, reachable) and everything belonging to the figure is freed.
     * A stream the caller may have open is left alone and made current
     * again afterwards. */
    PLINT prev = 0;
    plgstrm(&prev);
    volatile fate_status st = FATE_OK;
    volatile int started = 0;
    PLINT errcode = 0;
    char errmsg[1024] = "";

    plsexit(on_plplot_exit);
    if (setjmp(g_jmp) != 0) {
        /* PLplot hit a fatal error (usually out of memory). Try to end the
         * stream; if that fails too, give up on cleaning PLplot's state. */
        st = strstr(g_exit_msg, "emory") ? FATE_ENOMEM : FATE_EIO;
        if (setjmp(g_jmp) == 0) {
            g_jmp_armed = 1;
            plend1();
        }
        g_jmp_armed = 0;
        plsexit(NULL);
        plsstrm(prev);
        remove(fname); /* no half-written figure */
        free(fname);
        free(target);
        return st;
    }
    g_jmp_armed = 1;

    PLINT strm = 0;
    plmkstrm(&strm);
    plsError(&errcode, errmsg);
    if (!device_available(dev)) {
        st = FATE_EIO;
    } else {
        plsdev(dev);
        plsfnam(fname);
        if (fmt == FATE_PLOT_PNG) plspage(0.0, 0.0, PNG_W, PNG_H, 0, 0);
        else plspage(0.0, 0.0, VEC_W, VEC_H, 0, 0);
        /* colours before plinit: the page background is painted then */
        plscmap0n(N_CMAP0);
        plscol0(C_BG, 255, 255, 255);
        plscol0(C_TEXT, 26, 26, 26);
        plscol0(C_AXIS, 38, 38, 38);
        plscol0(C_NAN, 204, 204, 204);
        plscol0(C_LEGBOX, 170, 170, 170);
        plscol0(C_ZERO, 115, 115, 115);
        plscol0(C_BLACK, 0, 0, 0);
        for (int i = 0; i < 8; i++)
            plscol0(C_PAL + i, PALETTE[i][0], PALETTE[i][1], PALETTE[i][2]);
        plscolbg(255, 255, 255);
        plinit();
        started = 1;
        plsfont(PL_FCI_SANS, PL_FCI_UPRIGHT, PL_FCI_MEDIUM);
        pladv(0);
        draw(&f, arg);
    }
    plend1(); /* ends and frees our stream; the current stream becomes 0 */
    g_jmp_armed = 0;
    plsexit(NULL);
    plsstrm(prev);
    if (st == FATE_OK && started && errcode != 0) st = FATE_EIO;
    if (st == FATE_OK) st = commit_figure(fname, target, fmt);
    if (st != FATE_OK) remove(fname); /* no empty or half-drawn figure */
    free(fname);
    free(target);
    return st;
}

/* ------------------------------------------------------------------------ */
/* Phase map                                                                 */
/* ------------------------------------------------------------------------ */

/* Cell edges halfway between centres; the outer edges mirror the first and
 * last half-steps. edges: (n + 1). */
static void cell_edges(double *edges, const double *c, size_t n)
{
    if (n == 1) {
        double h = c[0] != 0.0 ? 0.1 * fabs(c[0]) : 0.5;
        edges[0] = c[0] - h;
        edges[1] = c[0] + h;
        return;
    }
    for (size_t i = 1; i < n; i++) edges[i] = 0.5 * (c[i - 1] + c[i]);
    edges[0] = c[0] - (edges[1] - c[0]);
    edges[n] = c[n - 1] + (c[n - 1] - edges[n - 1]);
}

/* Zero level set of a field on a rectilinear grid by marching squares,
 * chained into polylines. Cells with a NaN corner are skipped; infinities
 * count by their sign. Crossing points live on grid edges: horizontal edge
 * (i, j)-(i+1, j) has id j (nx - 1) + i, vertical edge (i, j)-(i, j+1) has id
 * NH + j nx + i. Each has at most two neighbours (one per adjacent cell). */
typedef struct contour {
    const double *xg, *yg, *v;
    size_t nx, ny, nh, nnodes;
    int *adj; /* 2 per node, -1: none */
    unsigned char *seen;
} contour;

static double cval(const contour *c, size_t i, size_t j)
{
    double v = c->v[j * c->nx + i];
    if (v > 1e300) return 1e300;
    if (v < -1e300) return -1e300;
    return v;
}

static void node_xy(const contour *c, size_t id, double *x, double *y)
{
    if (id < c->nh) {
        size_t j = id / (c->nx - 1), i = id % (c->nx - 1);
        double a = cval(c, i, j), b = cval(c, i + 1, j);
        double t = a == b ? 0.5 : a / (a - b);
        *x = c->xg[i] + t * (c->xg[i + 1] - c->xg[i]);
        *y = c->yg[j];
    } else {
        size_t k = id - c->nh, j = k / c->nx, i = k % c->nx;
        double a = cval(c, i, j), b = cval(c, i, j + 1);
        double t = a == b ? 0.5 : a / (a - b);
        *x = c->xg[i];
        *y = c->yg[j] + t * (c->yg[j + 1] - c->yg[j]);
    }
}

static void link_nodes(contour *c, size_t a, size_t b)
{
    int *pa = c->adj + 2 * a, *pb = c->adj + 2 * b;
    if (pa[0] < 0) pa[0] = (int)b;
    else pa[1] = (int)b;
    if (pb[0] < 0) pb[0] = (int)a;
    else pb[1] = (int)a;
}

static void contour_segments(contour *c)
{
    size_t nx = c->nx, ny = c->ny;
    for (size_t j = 0; j + 1 < ny; j++) {
        for (size_t i = 0; i + 1 < nx; i++) {
            double v00 = c->v[j * nx + i], v10 = c->v[j * nx + i + 1];
            double v01 = c->v[(j + 1) * nx + i], v11 = c->v[(j + 1) * nx + i + 1];
            if (isnan(v00) || isnan(v10) || isnan(v01) || isnan(v11)) continue;
            int b00 = v00 >= 0.0, b10 = v10 >= 0.0, b11 = v11 >= 0.0, b01 = v01 >= 0.0;
            size_t bottom = j * (nx - 1) + i, top = (j + 1) * (nx - 1) + i;
            size_t left = c->nh + j * nx + i, right = c->nh + j * nx + i + 1;
            size_t e[4];
            int ne = 0;
            if (b00 != b10) e[ne++] = bottom;
            if (b10 != b11) e[ne++] = right;
            if (b11 != b01) e[ne++] = top;
            if (b01 != b00) e[ne++] = left;
            if (ne == 2) {
                link_nodes(c, e[0], e[1]);
            } else if (ne == 4) {
                /* saddle: the centre value decides which corners are cut off */
                double centre = 0.25 * (cval(c, i, j) + cval(c, i + 1, j) + cval(c, i, j + 1) +
                                        cval(c, i + 1, j + 1));
                int bc = centre >= 0.0;
                if (bc == b00) { /* cut off corners (1,0) and (0,1) */
                    link_nodes(c, bottom, right);
                    link_nodes(c, top, left);
                } else { /* cut off corners (0,0) and (1,1) */
                    link_nodes(c, bottom, left);
                    link_nodes(c, top, right);
                }
            }
        }
    }
}

/* Walks a chain from node `start` and draws it. */
static void contour_walk(contour *c, size_t start, double *px, double *py, const rect *r,
                         runbuf *rb)
{
    size_t n = 0;
    long prevn = -1, cur = (long)start;
    while (cur >= 0 && !c->seen[cur]) {
        c->seen[cur] = 1;
        node_xy(c, (size_t)cur, &px[n], &py[n]);
        n++;
        const int *a = c->adj + 2 * cur;
        long next = -1;
        for (int k = 0; k < 2; k++)
            if (a[k] >= 0 && a[k] != prevn && !c->seen[a[k]]) {
                next = a[k];
                break;
            }
        if (next < 0) {
            /* closed loop: return to the start */
            for (int k = 0; k < 2; k++)
                if (a[k] == (long)start && n > 2) {
                    px[n] = px[0];
                    py[n] = py[0];
                    n++;
                    break;
                }
        }
        prevn = cur;
        cur = next;
    }
    draw_polyline(px, py, n, r, rb);
}

typedef struct pm_ctx {
    const fate_phase_map *m;
    double *xe, *ye;     /* cell edges (world: log10 of y on a log axis) */
    double *cy;          /* contour y in world coordinates (log axis only) */
    double vmax;
    int any_nan;
    char title[TEXT_CAP], zlabel[TEXT_CAP], clabel[TEXT_CAP];
    int has_title, has_zlabel, has_clabel;
    /* contour work space */
    contour c;
    double *px, *py;
    runbuf rb;
} pm_ctx;

/* Diverging map: RColorBrewer RdBu (7 classes) with pure white at 0. */
static void set_diverging_cmap1(void)
{
    PLFLT pos[7] = {0.0, 1.0 / 6.0, 2.0 / 6.0, 0.5, 4.0 / 6.0, 5.0 / 6.0, 1.0};
    static const unsigned char rgb[7][3] = {{178, 24, 43},   {239, 138, 98}, {253, 219, 199},
                                            {255, 255, 255}, {209, 229, 240}, {103, 169, 207},
                                            {33, 102, 172}};
    PLFLT r[7], g[7], b[7];
    for (int i = 0; i < 7; i++) {
        r[i] = rgb[i][0] / 255.0;
        g[i] = rgb[i][1] / 255.0;
        b[i] = rgb[i][2] / 255.0;
    }
    plscmap1n(256);
    plscmap1l(1, 7, pos, r, g, b, NULL);
}

static void draw_phase_map(const fig *f, void *arg)
{
    pm_ctx *ctx = arg;
    const fate_phase_map *m = ctx->m;
    size_t nt = m->n_thetas, ng = m->n_gammas;
    set_diverging_cmap1();

    box b;
    b.wx0 = ctx->xe[0];
    b.wx1 = ctx->xe[nt];
    b.wy0 = ctx->ye[0];
    b.wy1 = ctx->ye[ng];

    tick xt[MAX_TICKS], yt[MAX_TICKS], zt[MAX_TICKS];
    size_t nxt = make_ticks(xt, m->x_plain ? AX_LINEAR : AX_PI, b.wx0, b.wx1, 6.0);
    size_t nyt = make_ticks(yt, m->ylog ? AX_LOG : AX_LINEAR, b.wy0, b.wy1, 6.0);
    const double zlo = m->sequential ? 0.0 : -ctx->vmax;
    size_t nzt = make_ticks(zt, AX_LINEAR, zlo, ctx->vmax, 6.0);
    double ylab_em = max_label_em(yt, nyt), zlab_em = max_label_em(zt, nzt);

    /* Layout in reference pixels. Right of the box: gap, colour bar,
     * its ticks, labels and title. Above: title, legend row. */
    const double cb_gap = 40.0, cb_w = 44.0;
    double left = side_space(ylab_em, 1);
    double right = cb_gap + cb_w + side_space(zlab_em, ctx->has_zlabel);
    double bottom = bottom_space(1, ticks_sup(xt, nxt));
    int n_leg = ctx->has_clabel + ctx->any_nan;
    /* pllegend rows: text_spacing (2) x character height (0.75 em: PLplot
     * counts 72 dpi, pango 96) */
    double leg_row = 2.0 * 0.75 * EM_LEGEND;
    double top = MARGIN;
    if (ctx->has_title) top += (TXT_ASC + TXT_DESC) * EM_TITLE + 14.0;
    if (n_leg > 0) top += leg_row + 10.0;
    else top += 10.0;
    b.x0 = PX(left);
    b.x1 = 1.0 - PX(right);
    b.y0 = PY(bottom);
    b.y1 = 1.0 - PY(top);

    /* cells */
    box_enter(&b);
    plpsty(0);
    pllsty(1);
    /* the cairo driver strokes filled polygons with the current width: a
     * hairline of the cell's own colour hides anti-aliasing seams */
    set_width(f, 1.0);
    for (size_t j = 0; j < ng; j++) {
        for (size_t i = 0; i < nt; i++) {
            double v = m->values[j * nt + i];
            if (isfinite(v)) {
                double fr = 0.5 + 0.5 * v / ctx->vmax;
                if (m->sequential && fr < 0.5) fr = 0.5;
                plcol1(fr < 0.0 ? 0.0 : fr > 1.0 ? 1.0 : fr);
            } else {
                plcol0(C_NAN);
            }
            PLFLT xs[4] = {ctx->xe[i], ctx->xe[i + 1], ctx->xe[i + 1], ctx->xe[i]};
            PLFLT ys[4] = {ctx->ye[j], ctx->ye[j], ctx->ye[j + 1], ctx->ye[j + 1]};
            plfill(4, xs, ys);
        }
    }

    /* theory contour */
    rect r = clip_rect(&b);
    if (m->contour_values != NULL) {
        plcol0(C_BLACK);
        pllsty(1);
        set_width(f, W_CONTOUR);
        contour *c = &ctx->c;
        for (size_t id = 0; id < c->nnodes; id++) /* open chains first */
            if (!c->seen[id] && c->adj[2 * id] >= 0 && c->adj[2 * id + 1] < 0)
                contour_walk(c, id, ctx->px, ctx->py, &r, &ctx->rb);
        for (size_t id = 0; id < c->nnodes; id++) /* then loops */
            if (!c->seen[id] && c->adj[2 * id] >= 0)
                contour_walk(c, id, ctx->px, ctx->py, &r, &ctx->rb);
    }

    page_coords();
    draw_frame(f, &b);
    draw_ticks(f, &b, 'b', xt, nxt);
    draw_ticks(f, &b, 'l', yt, nyt);
    char axl[TEXT_CAP];
    draw_xlabel(f, &b, clean_text(axl, m->xlabel) ? axl : "feature angle \xce\xb8 (rad)",
                ticks_sup(xt, nxt));
    draw_ylabel(f, &b, ylab_em,
                clean_text(axl, m->ylabel) ? axl : "target samples per dimension \xce\xb3 = n/d", 0);

    /* colour bar: one strip per cmap1 colour over [-vmax, vmax] (not
     * plgradient: the 5.15 cairo driver leaks its gradient pattern) */
    box cb;
    cb.x0 = b.x1 + PX(cb_gap);
    cb.x1 = cb.x0 + PX(cb_w);
    cb.y0 = b.y0;
    cb.y1 = b.y1;
    cb.wx0 = 0.0;
    cb.wx1 = 1.0;
    cb.wy0 = zlo;
    cb.wy1 = ctx->vmax;
    box_enter(&cb);
    set_width(f, 1.0);
    for (int k = 0; k < CB_STRIPS; k++) {
        double ya = zlo + (ctx->vmax - zlo) * k / CB_STRIPS;
        double yb = zlo + (ctx->vmax - zlo) * (k + 1) / CB_STRIPS;
        PLFLT xs[4] = {0.0, 1.0, 1.0, 0.0};
        PLFLT ys[4] = {ya, ya, yb, yb};
        double fr = (k + 0.5) / CB_STRIPS;
        plcol1(m->sequential ? 0.5 + 0.5 * fr : fr);
        plfill(4, xs, ys);
    }
    page_coords();
    draw_frame(f, &cb);
    draw_ticks(f, &cb, 'r', zt, nzt);
    if (ctx->has_zlabel) draw_ylabel(f, &cb, zlab_em, ctx->zlabel, 1);

    /* legend: one row above the box, right-aligned */
    if (n_leg > 0) {
        PLINT opt[2], tcol[2], lcol[2], lsty[2], bcol[2], bpat[2];
        PLFLT lw[2], bsc[2], bw[2];
        const char *text[2];
        int k = 0;
        if (ctx->has_clabel) {
            opt[k] = PL_LEGEND_LINE;
            text[k] = ctx->clabel;
            lcol[k] = C_BLACK;
            lsty[k] = 1;
            lw[k] = W_CONTOUR * f->s;
            bcol[k] = C_NAN;
            bpat[k] = 0;
            bsc[k] = 0.6;
            bw[k] = f->s;
            tcol[k] = C_TEXT;
            k++;
        }
        if (ctx->any_nan) {
            opt[k] = PL_LEGEND_COLOR_BOX;
            text[k] = "no value";
            lcol[k] = C_BLACK;
            lsty[k] = 1;
            lw[k] = f->s;
            bcol[k] = C_NAN;
            bpat[k] = 0;
            bsc[k] = 0.6;
            bw[k] = f->s;
            tcol[k] = C_TEXT;
            k++;
        }
        box_enter(&b);
        set_font(f, EM_LEGEND);
        set_width(f, 1.0);
        PLFLT lgw = 0.0, lgh = 0.0;
        /* legend height in viewport units: 2 x character height */
        double h_vp = PY(leg_row) / (b.y1 - b.y0);
        double gap_vp = PY(10.0) / (b.y1 - b.y0);
        pllegend(&lgw, &lgh, 0, PL_POSITION_INSIDE | PL_POSITION_TOP | PL_POSITION_RIGHT, 0.0,
                 -(h_vp + gap_vp), PX(70.0) / (b.x1 - b.x0), C_BG, C_LEGBOX, 1, 1, k, k, opt,
                 0.8, 1.0, 2.0, 0.0, tcol, text, bcol, bpat, bsc, bw, lcol, lsty, lw, NULL,
                 NULL, NULL, NULL);
        page_coords();
    }

    if (ctx->has_title) draw_title(f, &b, ctx->title);
}

static int strictly_increasing(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i])) return 0;
        if (i > 0 && !(v[i] > v[i - 1])) return 0;
    }
    return 1;
}

fate_status fate_plot_phase_map(const char *path, fate_plot_format fmt, const fate_phase_map *m)
{
    if (path == NULL || path[0] == '\0' || device_of(fmt) == NULL || m == NULL)
        return FATE_EINVAL;
    if (m->thetas == NULL || m->gammas == NULL || m->values == NULL) return FATE_EINVAL;
    size_t nt = m->n_thetas, ng = m->n_gammas;
    if (nt == 0 || ng == 0 || nt > (size_t)INT32_MAX / 2 || ng > (size_t)INT32_MAX / 2 ||
        nt > SIZE_MAX / ng)
        return FATE_EINVAL;
    if (!strictly_increasing(m->thetas, nt) || !strictly_increasing(m->gammas, ng))
        return FATE_EINVAL;
    if (isnan(m->vmax) || isinf(m->vmax)) return FATE_EINVAL;
    int has_contour = m->contour_values != NULL;
    size_t cnx = m->n_contour_thetas, cny = m->n_contour_gammas;
    if (has_contour) {
        if (m->contour_thetas == NULL || m->contour_gammas == NULL || cnx < 2 || cny < 2 ||
            cnx > (size_t)INT32_MAX / 4 || cny > (size_t)INT32_MAX / 4 ||
            cnx > (size_t)INT32_MAX / 4 / cny)
            return FATE_EINVAL;
        if (!strictly_increasing(m->contour_thetas, cnx) ||
            !strictly_increasing(m->contour_gammas, cny))
            return FATE_EINVAL;
    }

    pm_ctx *ctx = calloc(1, sizeof *ctx);
    if (ctx == NULL) return FATE_ENOMEM;
    fate_status st = FATE_ENOMEM;
    ctx->m = m;
    ctx->has_title = clean_text(ctx->title, m->title);
    ctx->has_zlabel = clean_text(ctx->zlabel, m->zlabel);
    ctx->has_clabel = has_contour && clean_text(ctx->clabel, m->contour_label);
    double vmax = 0.0;
    if (m->ylog) {
        for (size_t j = 0; j < ng; j++)
            if (!(m->gammas[j] > 0.0)) { free(ctx); return FATE_EINVAL; }
        for (size_t j = 0; has_contour && j < cny; j++)
            if (!(m->contour_gammas[j] > 0.0)) { free(ctx); return FATE_EINVAL; }
    }
    for (size_t k = 0; k < nt * ng; k++) {
        if (isfinite(m->values[k])) vmax = fmax(vmax, fabs(m->values[k]));
        else ctx->any_nan = 1;
    }
    if (m->vmax > 0.0) vmax = m->vmax;
    if (!(vmax > 0.0) || !isfinite(vmax)) vmax = 1.0;
    ctx->vmax = vmax;
    ctx->xe = malloc((nt + 1) * sizeof *ctx->xe);
    ctx->ye = malloc((ng + 1) * sizeof *ctx->ye);
    if (ctx->xe == NULL || ctx->ye == NULL) goto done;
    cell_edges(ctx->xe, m->thetas, nt);
    if (m->ylog) {
        /* edges at geometric midpoints: cell_edges of log10 y */
        double *ly = malloc(ng * sizeof *ly);
        if (ly == NULL) goto done;
        for (size_t j = 0; j < ng; j++) ly[j] = log10(m->gammas[j]);
        cell_edges(ctx->ye, ly, ng);
        free(ly);
    } else {
        cell_edges(ctx->ye, m->gammas, ng);
    }
    if (!isfinite(ctx->xe[0]) || !isfinite(ctx->xe[nt]) || !isfinite(ctx->ye[0]) ||
        !isfinite(ctx->ye[ng])) {
        st = FATE_EINVAL;
        goto done;
    }
    if (has_contour) {
        contour *c = &ctx->c;
        c->xg = m->contour_thetas;
        c->yg = m->contour_gammas;
        if (m->ylog) {
            ctx->cy = malloc(cny * sizeof *ctx->cy);
            if (ctx->cy == NULL) goto done;
            for (size_t j = 0; j < cny; j++) ctx->cy[j] = log10(m->contour_gammas[j]);
            c->yg = ctx->cy;
        }
        c->v = m->contour_values;
        c->nx = cnx;
        c->ny = cny;
        c->nh = cny * (cnx - 1);
        c->nnodes = c->nh + (cny - 1) * cnx;
        c->adj = malloc(2 * c->nnodes * sizeof *c->adj);
        c->seen = calloc(c->nnodes, 1);
        ctx->px = malloc((c->nnodes + 2) * sizeof *ctx->px);
        ctx->py = malloc((c->nnodes + 2) * sizeof *ctx->py);
        ctx->rb.x = malloc((c->nnodes + 2) * sizeof *ctx->rb.x);
        ctx->rb.y = malloc((c->nnodes + 2) * sizeof *ctx->rb.y);
        ctx->rb.cap = c->nnodes + 2;
        if (!c->adj || !c->seen || !ctx->px || !ctx->py || !ctx->rb.x || !ctx->rb.y) goto done;
        for (size_t k = 0; k < 2 * c->nnodes; k++) c->adj[k] = -1;
        contour_segments(c);
    }
    st = run_figure(path, fmt, draw_phase_map, ctx);
done:
    free(ctx->xe);
    free(ctx->ye);
    free(ctx->c.adj);
    free(ctx->c.seen);
    free(ctx->px);
    free(ctx->py);
    free(ctx->rb.x);
    free(ctx->rb.y);
    free(ctx->cy);
    free(ctx);
    return st;
}

/* ------------------------------------------------------------------------ */
/* Line plot                                                                 */
/* ------------------------------------------------------------------------ */

typedef struct lp_ctx {
    const fate_line_plot *p;
    box b;
    char title[TEXT_CAP], xlabel[TEXT_CAP], ylabel[TEXT_CAP];
    int has_title, has_xlabel, has_ylabel;
    char (*labels)[TEXT_CAP]; /* per series; "" when not in the legend */
    double *wx;               /* world x of the current series (log10 for logx) */
    runbuf rb;
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

static void draw_lines(const fig *f, void *arg)
{
    lp_ctx *ctx = arg;
    const fate_line_plot *p = ctx->p;
    box *b = &ctx->b;

    tick xt[MAX_TICKS], yt[MAX_TICKS];
    size_t nxt = make_ticks(xt, p->logx ? AX_LOG : AX_LINEAR, b->wx0, b->wx1, 7.0);
    size_t nyt = make_ticks(yt, p->logy ? AX_LOG : AX_LINEAR, b->wy0, b->wy1, 6.0);
    double ylab_em = max_label_em(yt, nyt);
    int has_xl = ctx->has_xlabel, has_yl = ctx->has_ylabel;

    double left = side_space(ylab_em, has_yl);
    /* the last x tick label may stick out to the right of the box */
    double right = MARGIN + 14.0;
    if (nxt > 0 && xt[nxt - 1].label[0] != '\0')
        right = fmax(right, 0.5 * text_em_width(xt[nxt - 1].label) * EM_TICK + MARGIN);
    double bottom = bottom_space(has_xl, ticks_sup(xt, nxt));
    double top = MARGIN + (ctx->has_title ? (TXT_ASC + TXT_DESC) * EM_TITLE + 14.0 : 10.0);
    b->x0 = PX(left);
    b->x1 = 1.0 - PX(right);
    b->y0 = PY(bottom);
    b->y1 = 1.0 - PY(top);
    double ux = (b->wx1 - b->wx0) / ((b->x1 - b->x0) * REF_W); /* world per ref px */
    double uy = (b->wy1 - b->wy0) / ((b->y1 - b->y0) * REF_H);
    rect r = clip_rect(b);

    box_enter(b);
    if (p->zero_line && !p->logy && b->wy0 < 0.0 && b->wy1 > 0.0) {
        plcol0(C_ZERO);
        set_width(f, 2.0);
        set_dashes(f, 3.0, 7.0);
        pljoin(b->wx0, 0.0, b->wx1, 0.0);
        pllsty(1);
    }
    /* lines first, then points on top of them */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t s = 0; s < p->n_series; s++) {
            const fate_series *se = &p->series[s];
            int is_pts = se->style == FATE_SERIES_POINTS;
            if (is_pts != pass) continue;
            for (size_t i = 0; i < se->n; i++) ctx->wx[i] = wx_of(p, se->x[i]);
            int col = color_of(se->color);
            if (!is_pts) {
                plcol0(col);
                set_width(f, W_LINE);
                if (se->style == FATE_SERIES_DASHED) set_dashes(f, 16.0, 9.0);
                else pllsty(1);
                draw_polyline(ctx->wx, se->y, se->n, &r, &ctx->rb);
                pllsty(1);
                continue;
            }
            /* error bars (clamped to the clip window: exact for vertical
             * segments), then markers */
            plcol0(col);
            set_width(f, W_ERRBAR);
            pllsty(1);
            for (size_t i = 0; se->err != NULL && i < se->n; i++) {
                double x = ctx->wx[i], y = se->y[i], e = se->err[i];
                if (!isfinite(x) || !isfinite(y) || !isfinite(e) || e <= 0.0) continue;
                if (x < r.x0 || x > r.x1) continue;
                double lo = y - e, hi = y + e;
                if (hi < r.y0 || lo > r.y1) continue;
                double clo = fmax(lo, r.y0), chi = fmin(hi, r.y1);
                pljoin(x, clo, x, chi);
                double cap = 6.0 * ux;
                if (lo >= r.y0) pljoin(x - cap, lo, x + cap, lo);
                if (hi <= r.y1) pljoin(x - cap, hi, x + cap, hi);
            }
            for (size_t i = 0; i < se->n; i++) {
                double x = ctx->wx[i], y = se->y[i];
                if (!isfinite(x) || !isfinite(y)) continue;
                if (x < r.x0 || x > r.x1 || y < r.y0 || y > r.y1) continue;
                draw_marker(f, x, y, ux, uy, ((se->color % 8) + 8) % 8, col);
            }
        }
    }

    page_coords();
    draw_frame(f, b);
    draw_ticks(f, b, 'b', xt, nxt);
    draw_ticks(f, b, 'l', yt, nyt);
    if (has_xl) draw_xlabel(f, b, ctx->xlabel, ticks_sup(xt, nxt));
    if (has_yl) draw_ylabel(f, b, ylab_em, ctx->ylabel, 0);
    if (ctx->has_title) draw_title(f, b, ctx->title);

    /* legend: text and frame by pllegend (it measures the text), samples
     * drawn here at the positions pllegend uses (see its layout: rows of
     * text_spacing x character height, a 0.4-character border, then the
     * sample area of plot_width, then the text) */
    int nleg = 0;
    for (size_t s = 0; s < p->n_series; s++)
        if (ctx->labels[s][0]) nleg++;
    if (nleg == 0) return;
    PLINT *opt = malloc((size_t)nleg * sizeof *opt);
    PLINT *tcol = malloc((size_t)nleg * sizeof *tcol);
    const char **text = malloc((size_t)nleg * sizeof *text);
    size_t *which = malloc((size_t)nleg * sizeof *which);
    if (!opt || !tcol || !text || !which) {
        free(opt);
        free(tcol);
        free(text);
        free(which);
        return; /* no legend rather than no figure */
    }
    double maxw = 0.0;
    int k = 0;
    for (size_t s = 0; s < p->n_series; s++) {
        if (!ctx->labels[s][0]) continue;
        opt[k] = PL_LEGEND_NONE;
        tcol[k] = C_TEXT;
        text[k] = ctx->labels[s];
        which[k] = s;
        maxw = fmax(maxw, text_em_width(ctx->labels[s]));
        k++;
    }
    const double sample_w = 64.0, text_sp = 2.0, text_off = 0.7, pad = 14.0;
    double vpw = (b->x1 - b->x0) * REF_W, vph = (b->y1 - b->y0) * REF_H; /* ref px */
    double leg_w = (2.0 * 0.4 + text_off) * EM_LEGEND * REF_W / REF_H + sample_w +
                   maxw * EM_LEGEND;
    double leg_h = nleg * text_sp * 0.75 * EM_LEGEND;
    double score[4];
    corner_crowding(ctx, (leg_w + pad) / vpw, (leg_h + pad) / vph, score);
    int best = 0;
    for (int c = 1; c < 4; c++)
        if (score[c] < score[best] - 0.5) best = c;
    PLINT pos = PL_POSITION_INSIDE | (best < 2 ? PL_POSITION_TOP : PL_POSITION_BOTTOM) |
                (best % 2 == 0 ? PL_POSITION_RIGHT : PL_POSITION_LEFT);
    double offx = pad / vpw, offy = pad / vph;

    box_enter(b);
    set_font(f, EM_LEGEND);
    set_width(f, 1.5);
    PLFLT lgw = 0.0, lgh = 0.0;
    pllegend(&lgw, &lgh, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX, pos, offx, offy,
             sample_w / vpw, C_BG, C_LEGBOX, 1, 0, 0, nleg, opt, text_off, 1.0, text_sp, 0.0,
             tcol, text, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

    /* the box in viewport fractions, as pllegend placed it */
    double bl = (pos & PL_POSITION_RIGHT) ? 1.0 - lgw - offx : offx;
    double bt = (pos & PL_POSITION_TOP) ? 1.0 - offy : lgh + offy;
    /* pllegend's character height: chrht mm over the page height in mm */
    double chr_sub = EM_LEGEND * 72.0 / 96.0 / REF_H;
    double border = 0.4 * chr_sub / (b->x1 - b->x0);
    page_coords();
    double lux = 1.0 / REF_W, luy = 1.0 / REF_H; /* page units per ref px */
    for (int e = 0; e < nleg; e++) {
        const fate_series *se = &p->series[which[e]];
        int col = color_of(se->color);
        double ty = b->y0 + (bt - (e + 0.5) * lgh / nleg) * (b->y1 - b->y0);
        double sx0 = b->x0 + (bl + border) * (b->x1 - b->x0);
        double sx1 = sx0 + PX(sample_w);
        if (se->style == FATE_SERIES_POINTS) {
            double cx = 0.5 * (sx0 + sx1);
            if (se->err != NULL) {
                plcol0(col);
                set_width(f, W_ERRBAR);
                pllsty(1);
                double eh = 0.42 * text_sp * EM_LEGEND * luy, cap = 6.0 * lux;
                pljoin(cx, ty - eh, cx, ty + eh);
                pljoin(cx - cap, ty - eh, cx + cap, ty - eh);
                pljoin(cx - cap, ty + eh, cx + cap, ty + eh);
            }
            draw_marker(f, cx, ty, lux, luy, ((se->color % 8) + 8) % 8, col);
        } else {
            plcol0(col);
            set_width(f, W_LINE);
            if (se->style == FATE_SERIES_DASHED) set_dashes(f, 16.0, 9.0);
            else pllsty(1);
            pljoin(sx0, ty, sx1, ty);
            pllsty(1);
        }
    }
    free(opt);
    free(tcol);
    free(text);
    free(which);
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

static fate_status plot_lines_world(const char *path, fate_plot_format fmt, const fate_line_plot *p)
{
    if (path == NULL || path[0] == '\0' || device_of(fmt) == NULL || p == NULL)
        return FATE_EINVAL;
    if (p->series == NULL || p->n_series == 0 || p->n_series > 1000) return FATE_EINVAL;
    size_t nmax = 0;
    for (size_t s = 0; s < p->n_series; s++) {
        const fate_series *se = &p->series[s];
        if (se->x == NULL || se->y == NULL || se->n == 0 || se->n > (size_t)INT32_MAX / 4)
            return FATE_EINVAL;
        if (se->style != FATE_SERIES_POINTS && se->style != FATE_SERIES_LINE &&
            se->style != FATE_SERIES_DASHED)
            return FATE_EINVAL;
        if (se->n > nmax) nmax = se->n;
    }
    int auto_x = !(p->xmin < p->xmax), auto_y = !(p->ymin < p->ymax);
    if (!auto_x && (!isfinite(p->xmin) || !isfinite(p->xmax) || (p->logx && p->xmin <= 0.0)))
        return FATE_EINVAL;
    if (!auto_y && (!isfinite(p->ymin) || !isfinite(p->ymax))) return FATE_EINVAL;

    lp_ctx *ctx = calloc(1, sizeof *ctx);
    if (ctx == NULL) return FATE_ENOMEM;
    fate_status st = FATE_ENOMEM;
    ctx->p = p;
    ctx->labels = calloc(p->n_series, sizeof *ctx->labels);
    ctx->wx = malloc(nmax * sizeof *ctx->wx);
    ctx->rb.x = malloc((nmax + 1) * sizeof *ctx->rb.x);
    ctx->rb.y = malloc((nmax + 1) * sizeof *ctx->rb.y);
    ctx->rb.cap = nmax + 1;
    if (!ctx->labels || !ctx->wx || !ctx->rb.x || !ctx->rb.y) goto done;
    ctx->has_title = clean_text(ctx->title, p->title);
    ctx->has_xlabel = clean_text(ctx->xlabel, p->xlabel);
    ctx->has_ylabel = clean_text(ctx->ylabel, p->ylabel);
    for (size_t s = 0; s < p->n_series; s++)
        if (!clean_text(ctx->labels[s], p->series[s].label)) ctx->labels[s][0] = '\0';

    /* x range (world units: log10 x on a log axis) */
    double wx0, wx1;
    if (!auto_x) {
        wx0 = wx_of(p, p->xmin);
        wx1 = wx_of(p, p->xmax);
    } else {
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
            double d = lo != 0.0 ? 0.1 * fabs(lo) : 1.0;
            if (p->logx) d = 0.5;
            lo -= d;
            hi += d;
        }
        double pad = 0.03 * (hi - lo);
        wx0 = lo - pad;
        wx1 = hi + pad;
    }
    double wy0, wy1;
    if (!auto_y) {
        wy0 = p->ymin;
        wy1 = p->ymax;
    } else {
        fate_status ys = auto_yrange(p, wx0, wx1, &wy0, &wy1);
        if (ys != FATE_OK) goto done;
    }
    if (!isfinite(wx1 - wx0) || !isfinite(wy1 - wy0) || !(wx1 > wx0) || !(wy1 > wy0)) {
        st = FATE_EINVAL;
        goto done;
    }
    ctx->b.wx0 = wx0;
    ctx->b.wx1 = wx1;
    ctx->b.wy0 = wy0;
    ctx->b.wy1 = wy1;
    st = run_figure(path, fmt, draw_lines, ctx);
done:
    free(ctx->labels);
    free(ctx->wx);
    free(ctx->rb.x);
    free(ctx->rb.y);
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
