/*
 * plot_internal.h - what the files of the plot layer share (not installed,
 * not part of fate_plot.h).
 *
 * Layout units. The PNG page is 1600 x 1200 pixels; the vector pages (SVG,
 * PDF) are 720 x 540 points, the same shape. Every length is given in
 * "reference pixels" of the 1600 x 1200 page and scaled by fig.s (1 for PNG,
 * 0.45 for vector output), so the three formats look the same. PLplot
 * measures lengths in mm with the cairo driver's fixed 72 dpi (1 device unit
 * = 25.4/72 mm); pango renders a font of c mm character height at 96 dpi
 * (em = c * 96 / 25.4 device units), so PLplot's character height, the unit
 * of plmtex and plbox offsets, is 0.75 em. Normalised page coordinates are
 * reference pixels / 1600 (x) and / 1200 (y).
 */
#ifndef FATE_PLOT_INTERNAL_H
#define FATE_PLOT_INTERNAL_H

#include <stddef.h>

#include "fate_plot.h"

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
#define CHR 0.75 /* PLplot's character height per em (72 vs 96 dpi) */
#define W_FRAME 2.0
#define W_LINE 3.5
#define W_CONTOUR 4.0
#define W_ERRBAR 2.2
#define TICK_LEN 12.0
#define GAP_LABEL 16.0
#define MARGIN 26.0
#define MARKER_EM 23.0  /* font size of the marker glyphs */
#define MARKER_HALO 5.0 /* and how much larger their white halo is */
#define ERR_CAP 6.0    /* half-width of an error bar's end */
/* plbox puts tick labels (ticks outside: option 'i') 1.75 character
 * heights below the bottom edge (centre of the text) and 1.0 to the left of
 * the left edge (end of the text); plmtex uses the same offsets for ours. */
#define DISP_BOTTOM 1.75
#define DISP_SIDE 1.0

/* Vertical extent of text around PLplot's reference point (the middle of
 * the em box, about the middle of capitals), in em: capitals and digits,
 * ascenders, descenders (DejaVu Sans, the usual "sans" of fontconfig). */
#define TXT_CAP 0.38
#define TXT_ASC 0.42
#define TXT_DESC 0.62
#define SUP_RISE 0.32 /* how far a superscript (#u) reaches above capitals */

#define MINUS "\xe2\x88\x92" /* U+2212 */

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
    C_PAL_FAINT = 16, /* the same, a quarter strength over white (FATE_SERIES_FAINT) */
    N_CMAP0 = 24
};

typedef struct fig {
    double s; /* device units (px or pt) per reference pixel */
} fig;

/* ---- session.c: one PLplot session per figure, atomic write ---- */
typedef void (*draw_fn)(const fig *f, void *arg);
const char *device_of(fate_plot_format fmt); /* NULL: not a format */
/* Validates path, draws into path.tmp.<pid> through draw (with our page and
 * colours), checks, syncs and renames it over path (FATE_EIO on failure). */
fate_status run_figure(const char *path, fate_plot_format fmt, draw_fn draw, void *arg);

/* ---- ticks.c: tick choice and labels (pure, unit tested) ---- */
typedef enum axis_kind { AX_LINEAR, AX_PI, AX_LOG } axis_kind;
typedef struct axis_scale {
    axis_kind kind; /* AX_PI falls back to AX_LINEAR on a narrow range */
    double step;    /* tick interval (world units); 0: no ticks; log: unused */
    double vmax_abs; /* largest |end| of the range: chooses powers of ten */
} axis_scale;
#define MAX_TICKS 64
typedef struct tick {
    double w;       /* world coordinate (log10 for log axes) */
    int major;      /* 1: major tick; 0: minor */
    char label[64]; /* "" for an unlabelled tick */
} tick;
/* A "nice" step (1, 2, 2.5 or 5 times a power of ten) giving about
 * `target` intervals over span. */
double nice_step(double span, double target);
/* The ticks of a world range [w0, w1]: AX_LINEAR a nice step; AX_PI
 * multiples of pi/6 (pi/2, pi... on wide ranges, decimals when fewer than
 * two fit); AX_LOG (w = log10 of the data) see log_ticks. */
axis_scale axis_choose(axis_kind kind, double w0, double w1, double target);
/* The label of the tick at w ("π/6", "−0.25", "1.5×10#u−5#d"). */
void tick_label(char *buf, size_t cap, const axis_scale *a, double w);
/* k pi/6 as a reduced fraction ("0", "π/6", "π/3", "π/2", "2π/3", "−π"). */
void format_pi(char *buf, size_t cap, long k);
/* Every tick of the axis in [w0, w1] with its label (at most cap). */
size_t axis_ticks(tick *t, size_t cap, const axis_scale *a, double w0, double w1);
/* Log axis: decades major and labelled, the digits 2..9 minor; 2 and 5
 * labelled too when fewer than 3 decades are in range, every digit when the
 * range is under 0.6 decades with no decade; beyond 8 decades every 2nd,
 * 5th, 10th... decade only. */
size_t log_ticks(tick *t, size_t cap, double w0, double w1);

/* ---- contour.c: zero level set (pure, unit tested) ---- */
typedef void (*polyline_fn)(const double *x, const double *y, size_t n, void *arg);
/* Hands every polyline of the zero level set of v (ny rows of nx values,
 * row-major, on the grid xg x yg) to emit. NaN: no value (cells around it
 * are skipped); +-inf count by their sign. FATE_ENOMEM, FATE_EINVAL (nx or
 * ny < 2). */
fate_status contour_zero(const double *xg, const double *yg, const double *v, size_t nx,
                         size_t ny, polyline_fn emit, void *arg);

/* ---- clip.c: polylines cut before PLplot sees them ---- */
typedef struct rect {
    double x0, x1, y0, y1;
} rect;
/* Liang-Barsky: clips segment p-q to r; 0 when nothing is left;
 * *start_moved: p was moved. */
int clip_segment(double *px, double *py, double *qx, double *qy, const rect *r,
                 int *start_moved);
/* Draws the polyline with the current pen: points with a non-finite
 * coordinate break it, segments are clipped to r. FATE_ENOMEM. */
fate_status draw_polyline(const double *x, const double *y, size_t n, const rect *r);

/* ---- text.c ---- */
#define TEXT_CAP 1024   /* bytes of a cleaned label */
#define TEXT_MAX_CP 200 /* code points kept of a label (cairo limit: 500) */
/* Copies a caller's UTF-8 label into a form PLplot draws literally; returns
 * 1 when something visible remains. */
int clean_text(char *dst, const char *src);
void set_font(const fig *f, double em);
void set_width(const fig *f, double w);
double ref_mm(const fig *f, double r);
/* Advance width of a cleaned label in em, from DejaVu Sans metrics by
 * classes of characters (PLplot's escapes #u, #d, ## count as printed). */
double text_em_width(const char *s);
/* The same in reference pixels at font size em. */
double text_width(double em, const char *text);
/* Fits a label of nominal size *em centred at *c (reference pixels) into
 * [lo, hi]: moved inwards when it would stick out, shrunk when longer. */
void fit_text(const char *text, double *em, double *c, double lo, double hi);
/* Text at normalised page coordinates (page_coords() active); horizontal
 * or reading upwards; just: 0 left, 0.5 centre, 1 right. */
void page_text(const fig *f, double x, double y, int vertical, double just, double em,
               int color, const char *text);
void page_coords(void);
void set_dashes(const fig *f, double mark, double space);

/* ---- axes.c: plot box, axes and titles ---- */
typedef struct box {
    double x0, x1, y0, y1;     /* page (normalised) */
    double wx0, wx1, wy0, wy1; /* world */
} box;
void box_enter(const box *b);
/* Window enlarged by 2% on each side: lines are cut here (exactly, in
 * double precision) and PLplot cuts the rest at the box. */
rect clip_rect(const box *b);
typedef struct axis {
    axis_scale sc;
    tick t[MAX_TICKS]; /* the labelled ticks (layout, log labels) */
    size_t n;
    double label_w; /* widest tick label, reference pixels */
    double sup;     /* extra drop of bottom labels with superscripts */
} axis;
void axis_setup(axis *a, axis_kind kind, double w0, double w1, double target);
/* Space the bottom axis (ticks, labels, title) and a left axis take. */
double bottom_space(const axis *x, int has_title);
double side_space(const axis *y, int has_title);
/* Frame, outward ticks and tick labels of the box (plbox; ours on log
 * axes), axis titles (xtitle/ytitle may be NULL) and the figure title. */
void draw_axes(const fig *f, const box *b, const axis *x, const axis *y, const char *xtitle,
               const char *ytitle);
void draw_ylabel(const fig *f, const box *b, double off, const char *text, int right);
void draw_title(const fig *f, const box *b, const char *text);

/* ---- cells.c: the cell grids of the maps ---- */
/* Every value finite and each above the one before. */
int strictly_increasing(const double *v, size_t n);
int all_positive(const double *v, size_t n);
/* Cell edges halfway between centres; the outer edges mirror the first and
 * last half-steps. edges: (n + 1). */
void cell_edges(double *edges, const double *c, size_t n);
/* Coordinates in world units: log10 on a log axis. */
void world(double *out, const double *v, size_t n, int log);

/* ---- markers ---- */
/* Marker glyph k (0..4) of the palette series: filled circle, square,
 * triangle up, diamond, triangle down (drawn by plstring). */
const char *marker_glyph(int k);

#endif /* FATE_PLOT_INTERNAL_H */
