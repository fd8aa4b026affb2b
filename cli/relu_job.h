/* relu_job.h - a resumable two-layer-network sweep (`fate phase --model
 * relu2`) in one output folder: the same contract as sweep_job.h (cells saved
 * atomically as they finish, a rerun continues, final files independent of
 * interruptions), with the rows and summaries of the nonlinear experiment. */
#ifndef FATE_CLI_RELU_JOB_H
#define FATE_CLI_RELU_JOB_H
#include <stddef.h>
#include "fate_mlp.h"
#include "figures.h"

typedef struct relu_job {
    const char *dir;
    fate_relu_sweep sweep;
    int quiet;
    const char *label;
    size_t fit_min_n; /* the scratch power law is fitted on n >= fit_min_n (all n
                         when fewer than 2 such points) */
} relu_job;

/* Methods in the order of the arrays: pretraining, scratch, lt, ft, lpft. */
enum { RM_PRE = 0, RM_SC = 1, RM_LT = 2, RM_FT = 3, RM_LPFT = 4, RM_COUNT = 5 };
extern const char *const RELU_METHOD[RM_COUNT];
/* The methods along the third axis of risk.npy and T.npy: RM_COUNT when the
 * sweep runs lpft, else the first four (the arrays of sweeps without lpft
 * keep the shape they had before it existed). */
size_t relu_methods_saved(const fate_relu_sweep *w);

/* Per (cell, method) statistics over instances. */
typedef struct relu_stat {
    size_t count;
    double mean_risk, std_risk, sem_risk, mean_T, std_T, sem_T;
    double converged_frac, mean_steps;
} relu_stat;

/* Everything the figures and the report need. */
typedef struct relu_result {
    size_t NO, NN, K;
    const double *overlaps;
    const size_t *ns;
    relu_stat *stat;         /* (NO, NN, RM_COUNT) */
    double *pp_student;      /* (NO) mean over instances; NaN if not computed */
    double *pp_student_sd, *pp_source, *pp_source_sd, *norm2; /* (NO) */
    double A, p, A_se, p_se; /* scratch fit R_sc = A n^-p over the n grid */
    size_t fit_points, fit_n_min; /* points used, smallest n used */
    double *n_star;          /* (NO) predicted boundary from pp_student */
    double *n_star_source;   /* (NO) from the source teacher's |P_perp f_t|^2 */
    struct model_summary *summary; /* the groups of summary.csv (the maps and slices) */
    double *summary_keys;    /* their keys (the cells they were read from are gone) */
} relu_result;

void relu_result_free(relu_result *r);

/* Runs the sweep, then writes runs.csv, summary.csv, boundary.csv and the
 * .npy arrays; fills *res on JOB_OK (rank 0). Errors print one line. */
int relu_job_run(const relu_job *job, relu_result *res, file_list *written);

/* The spec of the default relu2 job: d 10, m* 4, m 50, n_src 500, small init
 * (w and c 1e-3, the rich regime), lr 0.5, 40000 steps, n_test 4000, all
 * methods (cli/relu_job.c). */
void relu_default_spec(fate_relu_spec *s);

/* Canonical JSON text of a sweep's parameters (malloc'd). */
char *relu_params_json(const fate_relu_sweep *w);

/* Figures: phase_lt, phase_ft, phase_lpft (with the predicted boundary), pperp,
 * scratch_fit, gram (Gram matrix of pretrained vs teacher features at
 * overlap gram_overlap, instance 0). 0 or -1. */
int relu_figures(const relu_job *job, const relu_result *r, double gram_overlap, unsigned fmts,
                 file_list *out);
#endif
