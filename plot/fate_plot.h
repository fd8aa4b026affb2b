/*
 * fate_plot.h - figures of fate (plot/, the static library fate_plot that
 * the CLI links; libfate itself has no PLplot): PLplot with its cairo
 * drivers, styled for publication (white background, dark axes, clear fonts).
 *
 * Functions write one file each and return a fate_status; they never print.
 * A figure is written atomically: drawn to a temporary file beside `path`
 * (`path.tmp.<pid>`), checked to be complete (PNG chunks up to IEND, SVG
 * closed by </svg>, PDF ended by %%EOF: cairo does not report a full disk),
 * synced and renamed over `path`. On any failure `path` is left as it was,
 * the temporary file is removed and the result is FATE_EIO.
 * PLplot keeps global state, so these functions must not be called from two
 * threads at once.
 */
#ifndef FATE_PLOT_H
#define FATE_PLOT_H

#include <stddef.h>
#include "fate.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum fate_plot_format {
    FATE_PLOT_PNG = 1, /* pngcairo, 1600 x 1200 pixels */
    FATE_PLOT_SVG = 2, /* svgcairo */
    FATE_PLOT_PDF = 4  /* pdfcairo */
} fate_plot_format;

/* File extension of a format ("png", "svg", "pdf"). */
FATE_API const char *fate_plot_extension(fate_plot_format fmt);

/* A phase map: a value per (gamma, theta) cell drawn with a diverging
 * red-white-blue colour map centred on zero (blue > 0: transfer helps,
 * red < 0: it hurts), a symmetric colour bar, theta on the x axis with ticks
 * 0, pi/6, pi/3, pi/2 (labelled with the pi symbol), gamma on the y axis,
 * and optionally the zero contour of a theory field drawn over it. */
typedef struct fate_phase_map {
    const char *title;        /* top title, UTF-8 (e.g. "Linear transfer: simulated T") */
    const char *zlabel;       /* colour-bar label (e.g. "T = R_sc − R_lt") */
    const double *thetas;     /* (n_thetas) x coordinates of cell centres, increasing */
    size_t n_thetas;
    const double *gammas;     /* (n_gammas) y coordinates of cell centres, increasing */
    size_t n_gammas;
    const double *values;     /* (n_gammas, n_thetas) row-major; NaN/inf: no value (grey) */
    /* optional theory field whose zero level set is drawn as a dark line
     * (NULL: none); on its own grid, which may be finer than the cells */
    const double *contour_thetas;  /* (n_contour_thetas) */
    size_t n_contour_thetas;
    const double *contour_gammas;  /* (n_contour_gammas) */
    size_t n_contour_gammas;
    const double *contour_values;  /* (n_contour_gammas, n_contour_thetas) */
    const char *contour_label;     /* legend text for the line, e.g. "theory T = 0" */
    double vmax;              /* colour range [-vmax, vmax]; <= 0: the largest finite
                                 |value| */
    /* Other axes (zero/NULL: the (theta, gamma) map above). The field names
     * stay thetas (x) and gammas (y) whatever the axes mean. */
    const char *xlabel;       /* NULL: "feature angle θ (rad)" */
    const char *ylabel;       /* NULL: "target samples per dimension γ = n/d" */
    int x_plain;              /* nonzero: decimal x ticks, not multiples of π */
    int ylog;                 /* nonzero: logarithmic y axis (all y values > 0,
                                 cell edges at geometric midpoints) */
    int sequential;           /* nonzero: values >= 0 on white-to-blue over
                                 [0, vmax] (e.g. a Gram matrix), not diverging */
    int xlog;                 /* nonzero: logarithmic x axis (all x values > 0,
                                 cell edges at geometric midpoints; before
                                 x_plain) */
} fate_phase_map;

FATE_API fate_status fate_plot_phase_map(const char *path, fate_plot_format fmt, const fate_phase_map *m);

/* A map of categories: each (gamma, theta) cell coloured by a category
 * (e.g. the method with the lowest risk), a legend naming them, and
 * optionally the theory's boundaries between them: for each category k a
 * field on its own grid, positive where k is the theory's choice, whose zero
 * level set is drawn (a boundary between two regions is then drawn by both
 * fields, on the same line). */
typedef struct fate_category_map {
    const char *title;            /* UTF-8 */
    const double *thetas;         /* (n_thetas) x of cell centres, increasing */
    size_t n_thetas;
    const double *gammas;         /* (n_gammas) y of cell centres, increasing */
    size_t n_gammas;
    const int *category;          /* (n_gammas, n_thetas) row-major: an index into
                                     names, or -1: no value (grey) */
    const char *const *names;     /* (n_names) legend entries, n_names in [1, 8];
                                     category k has palette colour k */
    size_t n_names;
    const double *contour_thetas; /* (n_contour_thetas); NULL: no boundaries */
    size_t n_contour_thetas;
    const double *contour_gammas; /* (n_contour_gammas) */
    size_t n_contour_gammas;
    const double *contour_values; /* (n_names, n_contour_gammas, n_contour_thetas);
                                     NaN where the theory has no value */
    const char *contour_label;    /* legend text of the boundary lines */
    const char *xlabel, *ylabel;  /* NULL: theta and gamma as in fate_phase_map */
} fate_category_map;

FATE_API fate_status fate_plot_category_map(const char *path, fate_plot_format fmt, const fate_category_map *m);

enum {
    FATE_SERIES_POINTS = 0, /* markers with vertical error bars (simulation) */
    FATE_SERIES_LINE = 1,   /* solid line (theory) */
    FATE_SERIES_DASHED = 2, /* dashed line (alternative theory) */
    FATE_SERIES_FAINT = 3   /* thin pale line under the others (one of many instances) */
};

typedef struct fate_series {
    const char *label;        /* legend text, UTF-8 */
    const double *x, *y;      /* (n); non-finite y values are skipped (lines break) */
    const double *err;        /* (n) half-widths of error bars, or NULL */
    size_t n;
    int style;                /* FATE_SERIES_* */
    int color;                /* 0..7: index into a colour-blind-safe palette */
} fate_series;

typedef struct fate_line_plot {
    const char *title, *xlabel, *ylabel; /* UTF-8 */
    const fate_series *series;
    size_t n_series;
    double xmin, xmax;        /* xmin >= xmax: from the data */
    double ymin, ymax;        /* ymin >= ymax: from the finite data, robust to
                                 divergent theory values (e.g. at gamma = 1) */
    int zero_line;            /* draw the line y = 0 */
    int logx;                 /* logarithmic x axis (x > 0) */
    int logy;                 /* logarithmic y axis: y <= 0 skipped, ymin/ymax
                                 (if set) > 0, error bars log10(1 + err/y) */
} fate_line_plot;

FATE_API fate_status fate_plot_lines(const char *path, fate_plot_format fmt, const fate_line_plot *p);

#ifdef __cplusplus
}
#endif
#endif /* FATE_PLOT_H */
