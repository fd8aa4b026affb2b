/* model_figures.h - the one figure layer that draws a model's maps and slices
 * from its summary (model_summary.h) and the axes and value it declares
 * (fate_model.h: row_axis, col_axis, figure_value, figure_diverging). A
 * model's own figure code (figures.c, relu_figures.c) says only what is its
 * own: which groups, the texts, the colour range, and an overlay (a field
 * whose zero level is drawn over a map, theory lines along a slice).
 *
 * Convention: in a map x is the row-axis coordinate and y the column-axis
 * coordinate (theta and gamma of the deep linear model, the overlap and n of
 * relu2, lambda and gamma of ridge). */
#ifndef FATE_CLI_MODEL_FIGURES_H
#define FATE_CLI_MODEL_FIGURES_H
#include "figures.h"
#include "model_summary.h"

/* Nonzero for the groups a figure draws (at most one per cell; e.g. method
 * lt at the first ridge). */
typedef int (*fig_pick)(const model_summary *s, const summary_group *g, const void *ctx);

typedef enum fig_scale { FIG_SCALE_AUTO = 0, FIG_SCALE_LINEAR = 1, FIG_SCALE_LOG = 2 } fig_scale;

/* A field over the map's plane: its zero level is drawn over the map. */
typedef struct fig_field {
    double (*at)(const void *ctx, double x, double y); /* x row axis, y column axis */
    const void *ctx;
    const char *label;  /* legend text of the zero level */
    /* The fine grid: n points per axis spanning the cells and half a cell
     * beyond (geometric on a log axis), held inside [lo, hi]; 0 points: the
     * cells' own coordinates on that axis. */
    size_t nx, ny;
    double xlo, xhi, ylo, yhi;
    /* > 0: values beyond +-clamp (infinities and NaN included) are held at
     * +-clamp, as only the zero level matters; 0: a value that is not finite
     * drops the overlay. */
    double clamp;
} fig_field;

/* Texts and scales shared by a map and a slices figure; NULL: the declared
 * labels (fate_column.label) and generated titles. */
typedef struct fig_look {
    const char *title;
    const char *row_label, *col_label; /* axis texts of the row and column axis */
    const char *value_label;           /* colour-bar or y-axis text */
    fig_scale row_scale, col_scale;    /* AUTO: log when positive over > 20x */
    int row_pi;                        /* nonzero: ticks at multiples of pi on the row axis */
} fig_look;

typedef struct fig_map_spec {
    const char *stem;
    fig_pick pick;      /* NULL: every group */
    const void *pick_ctx;
    fig_look look;
    /* The colour range: min(largest |value|, range_k * the range_q quantile
     * of |value|); range_k 0: the largest |value|. */
    double range_q, range_k;
    const fig_field *overlay; /* NULL: none */
    int theory_only;          /* nonzero: the cells show the overlay's field, not the groups */
} fig_map_spec;

/* Theory lines along a slice. */
typedef struct fig_lines {
    size_t n;           /* lines per slice */
    /* line k at (x, y) (row-axis, column-axis coordinate); NaN breaks it */
    double (*at)(const void *ctx, size_t k, double x, double y);
    const void *ctx;
    size_t n_fine;      /* points along the slice; 0: the cells' coordinates */
    double lo, hi;      /* the span of the fine points (lo >= hi: the cells') */
} fig_lines;

typedef struct fig_slices_spec {
    const char *stem;
    fig_pick pick;
    const void *pick_ctx;
    fig_look look;
    int along_row;       /* 0: the value against the column axis, a slice per
                            row coordinate; 1: against the row axis */
    const size_t *fix;   /* the indices of the fixed coordinates (NULL: all) */
    size_t n_fix;
    int err_sd;          /* error bars: the std over instances (0: the sem) */
    int points_ylim;     /* nonzero: the points alone set the y range (fig_points_ylim) */
    const fig_lines *theory; /* NULL: the groups' theory values at the cells */
    /* Legend text of slice a: k 0 the points, k >= 1 theory line k - 1; at
     * is the fixed coordinate's text (NULL: "name = value" and "theory: name"). */
    void (*label)(const void *ctx, size_t a, size_t k, const char *at, char *buf, size_t size);
    /* Text of a fixed coordinate (NULL: "name = %g"). */
    void (*at_text)(const void *ctx, double v, char *buf, size_t size);
    const void *ctx;     /* for label and at_text */
} fig_slices_spec;

/* One map over an R x C grid into dir/<stem>.<ext>. A map needs 2 or more
 * increasing coordinates on each axis; else one line on stderr says it is
 * skipped and 0 is returned. 0, or -1 after one line. */
int fig_model_map(const model_summary *s, size_t R, size_t C, const fig_map_spec *m, const char *dir,
                  unsigned fmts, file_list *out);
/* One slices figure (mean +- error per fixed coordinate, theory lines in the
 * same colour: the first solid, the others dashed). 0, or -1 after one line. */
int fig_model_slices(const model_summary *s, size_t R, size_t C, const fig_slices_spec *p, const char *dir,
                     unsigned fmts, file_list *out);

/* The y range of a line plot from its points (mean +- error bar) alone:
 * theory lines are clipped to it; points beyond 4 times the 90th percentile
 * of |value| (the double-descent spike) are left out of it. */
void fig_points_ylim(fate_line_plot *p);

/* The figures of a model declared by its table alone (fate phase --model
 * ridge): map and slices per combination of the keys that are neither axis
 * nor instance (map, map_2, ...; slices, slices_2, ...). 0, or -1. */
int model_figures(const model_summary *s, size_t R, size_t C, const char *dir, unsigned fmts, file_list *out);
#endif
