/*
 * text.c - labels: cleaning a caller's UTF-8 for PLplot, measuring it
 * (plstrl, which the cairo driver answers with pango's own layout) and
 * placing it on the page.
 */
#include "plot_internal.h"

#include <plplot/plplot.h>

#include <stdint.h>
#include <math.h>
#include <string.h>

double ref_mm(const fig *f, double r) { return r * f->s * 25.4 / 72.0; }
void set_font(const fig *f, double em) { plschr(em * f->s * 25.4 / 96.0, 1.0); }
void set_width(const fig *f, double w) { plwidth(w * f->s); }

/* World coordinates = normalised page coordinates (for text, ticks,
 * legend samples: anything drawn outside the plot box). */
void page_coords(void)
{
    plvpor(0.0, 1.0, 0.0, 1.0);
    plwind(0.0, 1.0, 0.0, 1.0);
}

/* Solid lines, or dashes of `mark` reference pixels separated by `space`
 * (PLplot wants micrometres). pllsty's own dashes are a few pixels long at
 * this page size, too short to read as dashes. */
void set_dashes(const fig *f, double mark, double space)
{
    if (mark <= 0.0) {
        pllsty(1);
        return;
    }
    PLINT m = (PLINT)lround(ref_mm(f, mark) * 1000.0);
    PLINT sp = (PLINT)lround(ref_mm(f, space) * 1000.0);
    plstyl(1, &m, &sp);
}

/* Invalid UTF-8 bytes become '?', control characters spaces, PLplot's
 * escape character '#' is doubled, and the label is cut at TEXT_MAX_CP code
 * points. */
int clean_text(char *dst, const char *src)
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

/* Hand-written because PLplot 5.15 offers no way to measure a string:
 * plstrl (which asks the cairo driver for pango's layout) is internal to
 * libplplot and not exported, and only pllegend and plcolorbar use it. The
 * widths only reserve margins and place the legend, hence the slack. */
double text_em_width(const char *s)
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

double text_width(double em, const char *text)
{
    return text == NULL ? 0.0 : text_em_width(text) * em;
}

/* Widths are estimates, hence 8% of slack. */
void fit_text(const char *text, double *em, double *c, double lo, double hi)
{
    double w = 1.08 * text_width(*em, text);
    if (w <= 0.0) return;
    if (w > hi - lo) {
        *em *= (hi - lo) / w;
        w = hi - lo;
    }
    if (*c - 0.5 * w < lo) *c = lo + 0.5 * w;
    if (*c + 0.5 * w > hi) *c = hi - 0.5 * w;
}

void page_text(const fig *f, double x, double y, int vertical, double just, double em,
               int color, const char *text)
{
    if (text == NULL || text[0] == '\0') return;
    set_font(f, em);
    plcol0(color);
    plptex(x, y, vertical ? 0.0 : 1.0, vertical ? 1.0 : 0.0, just, text);
}
