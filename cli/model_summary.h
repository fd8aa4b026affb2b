/* model_summary.h - summary.csv of any model's sweep, from the columns the
 * model declares (fate_model.h): the rows of a cell that differ only in the
 * instance form a group; per group, the coordinates and keys, the instance
 * count, mean, std and sem of every real result (mean of every count), and
 * the model's theory beside them (theory_<name>). */
#ifndef FATE_CLI_MODEL_SUMMARY_H
#define FATE_CLI_MODEL_SUMMARY_H
#include <stddef.h>
#include "fate_model.h"
#include "job.h"
#include "stats.h"

typedef struct summary_group {
    size_t row, col;     /* the grid cell */
    const double *keys;  /* the group's first row (its coordinates and keys) */
    size_t count;        /* rows (instances) in the group */
    sample_stat *stat;   /* (ncol) over the finite values; used for VALUE columns */
    double *theory;      /* (n_theory) */
} summary_group;

typedef struct model_summary {
    const fate_model *m;
    const fate_column *cols;
    size_t ncol;
    summary_group *g;    /* in the order of runs.csv */
    size_t n;
} model_summary;

/* Groups and statistics of the cells read back by job_run; 0 or -1 (out of
 * memory, one line printed). */
int model_summary_build(model_summary *s, const fate_model *m, const void *sweep, const job_cells *c);
void model_summary_free(model_summary *s);
/* Writes dir/summary.csv atomically (JOB_OK or JOB_FAILED, one line). */
int model_summary_write(const model_summary *s, const char *dir, file_list *written);
/* The index of the column of that name, or -1. */
long model_column(const model_summary *s, const char *name);
#endif
