/* reproduce.h - what the experiments of `fate reproduce` share
 * (cmd_reproduce.c runs the paper's; reproduce_beyond.c those beyond it). */
#ifndef FATE_CLI_REPRODUCE_H
#define FATE_CLI_REPRODUCE_H
#include <stddef.h>
#include <stdint.h>

#include "fate.h"
#include "figures.h"
#include "report.h"
#include "sweep_io.h"

enum { X_SIGMA0 = 1, X_SIGMA02 = 2, X_RIDGE = 4, X_DECAY = 8, X_SOURCE = 16, X_RELU = 32, X_BEYOND = 64, X_GEOMETRY = 128 };

typedef struct repro_opts {
    int quick, resume, quiet;
    size_t instances, d; /* 0: the size --quick (or not) selects */
    uint64_t seed;
    int threads;
    unsigned only, plot;
    const char *out;
    int have_threads, have_quiet, have_plot, n_result_opts;
} repro_opts;

/* ---- deviation of simulation from theory ---- */

typedef struct dev {
    double max_abs, mean_abs;
    size_t cells;              /* cells with a finite theory value */
    size_t decided, agree;     /* |T_theory| > 3 sem: sign agreement */
    size_t with_se, within2;   /* cells with sem > 0; those within 2 sem */
    double chi2;               /* sum over them of ((sim - theory)/sem)^2 */
} dev;

/* The cells of `method` (lt: at ridge lambda, NaN every ridge) compared
 * with their theory: the risk (use_risk) or T (the paper's c = 1: paper). */
dev deviation(const summary_row *rows, size_t n, const char *method, double lambda, int use_risk, int paper);
/* Its paragraphs: absolute deviations (and the sign of T: sign), then in
 * standard errors. */
void report_dev(report *r, const char *what, dev d, int sign);

typedef struct ctx {
    const repro_opts *o;
    size_t d, K;
    double *gammas, *thetas;
    size_t ng, nt;
    file_list files;
    report *rep;
    int rc;
} ctx;

/* Runs one sweep into OUT/sub; 0, or the job code. */
int run_sweep(ctx *c, const char *sub, const fate_sweep *w, summary_row **rows, size_t *n);
/* The sweep of the linear experiments at noise sigma over the run's grid. */
fate_sweep base_sweep(ctx *c, double sigma, const double *lambdas, size_t nl);

/* reproduce_beyond.c: "Beyond the paper"; JOB_OK or the job code. */
int beyond_experiment(ctx *c);
/* The summary row of (cell j, t; method word), or NULL. */
const summary_row *repro_find(const summary_row *rows, size_t n, size_t j, size_t t, const char *m);
/* Index of the grid value nearest to a. */
size_t nearest_angle(const double *x, size_t n, double a);
/* The extension of the first format of --plot (the report's figures). */
const char *plot_ext(unsigned f);

/* reproduce_geometry.c: "Task geometry" (k features, anisotropic inputs);
 * JOB_OK or the job code. */
int geometry_experiment(ctx *c);

/* reproduce_relu.c: "Two-layer ReLU networks" (the paper's size; --quick a
 * small one); JOB_OK or the job code. */
int relu_experiment(ctx *c);
/* Its instances per cell: --instances, else 4 (--quick) or 8. */
size_t relu_instances(const repro_opts *o);
#endif
