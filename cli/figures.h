/* figures.h - the figures of a sweep, drawn from its summary rows with the
 * theory overlaid (shared by `fate phase` and `fate reproduce`). */
#ifndef FATE_CLI_FIGURES_H
#define FATE_CLI_FIGURES_H
#include <stddef.h>
#include "fate.h"
#include "fate_plot.h"
#include "sweep_io.h"

/* A finished sweep: its grid, its spec and its summary rows. */
typedef struct sweep_view {
    const fate_spec *base;
    const double *gammas, *thetas, *lambdas;
    size_t n_gammas, n_thetas, n_lambdas;
    const summary_row *rows;
    size_t n_rows;
    const char *tag;     /* prefix for titles, e.g. "σ = 0.2" (may be "") */
    unsigned baseline;   /* fate_sweep.baseline: what T is measured against */
} sweep_view;

/* Collects the written paths (for the final listing and the report). */
typedef struct file_list {
    char **paths;
    size_t n, cap;
} file_list;

void file_list_add(file_list *l, const char *path);
void file_list_free(file_list *l);

/* Each writes `dir/<stem>.<ext>` for every format bit in fmts; returns 0, or
 * -1 after printing one line on stderr. Figures without data are skipped. */
int fig_phase_map(const sweep_view *v, const char *dir, const char *stem, unsigned method,
                  int theory_only, unsigned fmts, file_list *out);
int fig_slices(const sweep_view *v, const char *dir, const char *stem, unsigned method,
               const double *angles, size_t n_angles, unsigned fmts, file_list *out);
/* T against theta at every grid gamma (for a sweep of one gamma). */
int fig_slices_theta(const sweep_view *v, const char *dir, const char *stem, unsigned method,
                     unsigned fmts, file_list *out);
int fig_scratch(const sweep_view *v, const char *dir, const char *stem, unsigned fmts,
                file_list *out);
int fig_ridge(const sweep_view *v, const char *dir, const char *stem, double gamma,
              double theta, unsigned fmts, file_list *out);

/* The figures of `fate phase`: for every method in methods but the baseline the phase
 * map (and the theory map), the slices at the given angles; the scratch
 * double descent; the ridge curve when there are several lambdas. A map needs
 * 2 gammas and 2 angles: with one of either the slices run along the other
 * axis instead (at the one angle, or against theta at the one gamma), and
 * one line on stderr says so. 0, or -1 if a figure failed. */
int fig_phase_all(const sweep_view *v, const char *dir, unsigned methods, const double *slices,
                  size_t n_slices, int theory_map, unsigned fmts, file_list *out);

/* compare_figures.c: the methods side by side against the sweep's baseline
 * (candidates: the baseline, then lt, ft, lpft, l2sp of methods). The map
 * colours each cell by the candidate with the lowest mean risk, with the
 * theory's boundaries; the slice draws every candidate's T against gamma at
 * grid angle t with its theory line. */
int fig_winner_map(const sweep_view *v, const char *dir, const char *stem, unsigned methods, const char *title,
                   unsigned fmts, file_list *out);
int fig_compare_slice(const sweep_view *v, const char *dir, const char *stem, size_t t, unsigned methods,
                      const char *title, unsigned fmts, file_list *out);

/* Draw a prepared map or line plot in every format of fmts (0, or -1 after
 * printing one line). */
int fig_emit_map(const char *dir, const char *stem, unsigned fmts, file_list *out,
                 const fate_phase_map *m);
int fig_emit_lines(const char *dir, const char *stem, unsigned fmts, file_list *out,
                   const fate_line_plot *p);
int fig_emit_category(const char *dir, const char *stem, unsigned fmts, file_list *out,
                      const fate_category_map *m);

/* Theory T of a method on (gamma, theta), asymptotic in d (linear transfer
 * with the first lambda; fine-tuning with the gradient-flow c, or the
 * paper's c = 1 when paper is set). */
double theory_T_at(const fate_spec *base, double gamma, double theta, double lambda,
                   unsigned method, int paper);
/* The same against a baseline (fate_sweep.baseline; 0 is scratch): the
 * difference of the two asymptotic risks (THEORY.md section 8), NaN where
 * one has no closed form (ridge_cv, the best of several, LP-FT with a finite
 * source or a ridge). */
double theory_T_vs(const fate_spec *base, double gamma, double theta, double lambda, unsigned method,
                   unsigned baseline, int paper);
#endif
