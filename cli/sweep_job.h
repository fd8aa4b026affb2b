/* sweep_job.h - one sweep written to one output folder, resumable: cells
 * are saved as they finish, a rerun with the same parameters continues where
 * the last one stopped, and the final runs.csv / summary.csv do not depend on
 * how many times the sweep was interrupted. */
#ifndef FATE_CLI_SWEEP_JOB_H
#define FATE_CLI_SWEEP_JOB_H
#include "figures.h"
#include "job.h"
#include "sweep_io.h"

typedef struct sweep_job {
    const char *dir;   /* output folder (created) */
    fate_sweep sweep;  /* grid, spec, instances, threads */
    int quiet;         /* no progress on stderr */
    const char *label; /* progress label */
} sweep_job;

/* Runs the sweep (skipping cells already saved with the same parameters),
 * then writes dir/runs.csv and dir/summary.csv. On JOB_OK *rows (malloc'd)
 * holds the summary. Errors are printed (one line). Under MPI every rank
 * computes its share of theta rows; only rank 0 assembles the files and gets
 * rows (other ranks get JOB_OK with *n_rows = 0). */
int sweep_job_run(const sweep_job *job, summary_row **rows, size_t *n_rows, file_list *written);

/* Canonical JSON text of a sweep's parameters (malloc'd). */
char *sweep_params_json(const fate_sweep *w);
#endif
