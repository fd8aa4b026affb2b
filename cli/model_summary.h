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

/* What summary.csv holds after the coordinates, keys and `instances`: by
 * default mean_X,std_X,sem_X of every real value column, mean_X of every
 * count, then theory_<name>; a job may declare its own order (the deep
 * linear and relu2 files predate the default) and extra columns it fills
 * itself (e.g. predictions from a fit over the whole sweep). */
typedef enum summary_kind {
    SUM_STATS = 0, /* mean_C,std_C,sem_C of column C */
    SUM_MEAN = 1,  /* the mean of column C, headed name */
    SUM_THEORY = 2,/* theory_<name> for every theory value of the model */
    SUM_EXTRA = 3  /* a column the caller fills (summary_group.extra), headed name */
} summary_kind;

typedef struct summary_entry {
    summary_kind kind;
    const char *column; /* SUM_STATS, SUM_MEAN */
    const char *name;   /* SUM_MEAN, SUM_EXTRA */
} summary_entry;

typedef struct summary_group {
    size_t row, col;     /* the grid cell */
    const double *keys;  /* the group's first row (its coordinates and keys) */
    size_t count;        /* rows (instances) in the group */
    sample_stat *stat;   /* (ncol) over the finite values; used for VALUE columns */
    double *theory;      /* (n_theory) */
    double *extra;       /* (n_extra) NaN until the caller fills them */
} summary_group;

typedef struct model_summary {
    const fate_model *m;
    const fate_column *cols;
    size_t ncol;
    summary_group *g;    /* in the order of runs.csv */
    size_t n;
    const summary_entry *layout; /* NULL: the default */
    size_t n_layout, n_extra;
} model_summary;

/* Groups and statistics of the cells read back by job_run, with the columns
 * of layout (NULL, 0: the default); 0 or -1 (out of memory or a layout
 * naming no column, one line printed). */
int model_summary_build(model_summary *s, const fate_model *m, const void *sweep, const job_cells *c,
                        const summary_entry *layout, size_t n_layout);
void model_summary_free(model_summary *s);
/* Writes dir/summary.csv atomically (JOB_OK or JOB_FAILED, one line). */
int model_summary_write(const model_summary *s, const char *dir, file_list *written);
/* The statistics of a group's column by name (NULL if there is none). */
const sample_stat *summary_stat(const model_summary *s, const summary_group *g, const char *column);
/* The index of the column of that name, or -1. */
long model_column(const model_summary *s, const char *name);
#endif
