/* job.h - one resumable sweep of any model (fate_model.h) in one output
 * folder: the sweep.json check, the cell files (written atomically as cells
 * finish, sealed with their identity and a checksum, checked row by row
 * against the model's keys when read back), --resume by skipping the cells
 * already saved, the progress line, stop on SIGINT/SIGTERM, the MPI share of
 * rows, and runs.csv. What a model writes beyond runs.csv (summaries, arrays)
 * it builds from the cells this job reads back (sweep_job.c, relu_job.c). */
#ifndef FATE_CLI_JOB_H
#define FATE_CLI_JOB_H
#include <stddef.h>
#include <stdio.h>
#include "fate_model.h"
#include "figures.h"

/* Exit-style codes of the jobs. */
enum { JOB_OK = 0, JOB_FAILED = 1, JOB_INTERRUPTED = 130 };

typedef struct job_spec {
    const char *dir;          /* output folder (created) */
    const fate_model *model;
    const void *sweep;        /* the model's sweep struct */
    const char *params;       /* canonical JSON of the parameters (sweep.json) */
    int quiet;                /* no progress on stderr */
    const char *label;        /* progress label */
    /* where a divergence happened and the current learning rate, for the
     * message "... diverged at step S (instance I, WHERE): use a smaller --lr
     * (now LR)" */
    void (*diverged)(const void *sweep, const fate_sweep_error *e, char *where, size_t wsize, char *lr,
                     size_t lsize);
} job_spec;

/* Every cell's rows, read back from the cell files. */
typedef struct job_cells {
    size_t rows, cols, ncol;
    const fate_column *columns;
    size_t *n;  /* (rows, cols) row counts */
    double **v; /* (rows, cols) tables (n, ncol) */
} job_cells;

void job_cells_free(job_cells *c);

/* Runs the sweep (skipping the cells saved with the same parameters), then
 * reads every cell back and writes dir/runs.csv. On JOB_OK rank 0 gets *out
 * (other ranks: JOB_OK with out->v NULL). Errors print one line. */
int job_run(const job_spec *j, job_cells *out, file_list *written);

/* Installs the SIGINT/SIGTERM handler that asks running sweeps to stop after
 * the cells in flight. */
void job_install_signals(void);
int job_interrupted(void);

/* Writes each text to dir/name atomically, in order, adding its path to
 * written; stops at the first failure, printing one line naming the file.
 * JOB_OK or JOB_FAILED. */
typedef struct job_text {
    const char *name, *txt;
    size_t len;
} job_text;
int job_write_texts(const char *dir, const job_text *t, size_t n, file_list *written);

/* Writes each array to dir/name as a float64 .npy file (atomically), in
 * order, adding its path to written; stops at the first failure, printing one
 * line naming the file. JOB_OK or JOB_FAILED. */
typedef struct job_array {
    const char *name;
    const double *data;
    const size_t *shape;
    size_t nd;
} job_array;
int job_write_arrays(const char *dir, const job_array *a, size_t n, file_list *written);

/* One value of a column as runs.csv writes it: a count as an integer, a
 * word as its text, a real with 17 significant digits. */
void job_put_value(FILE *f, const fate_model *m, fate_col_kind kind, double v);

/* The index of word w among the model's words (for WORD columns), or -1. */
int job_word(const fate_model *m, const char *w);

/* A command's folder, made and claimed (folder_lock.h) before a job:
 * 0, or the exit code after one line. */
int job_folder_open(const char *cmd, const char *dir);

/* After a job that did not finish (rc JOB_FAILED or JOB_INTERRUPTED): the
 * manifest's end, and on interruption the line saying where the finished
 * cells are and how to resume ("fate CMD [--model MODEL] --resume --out
 * DIR"; model may be NULL). */
struct manifest;
void job_report_stop(struct manifest *man, int rc, const char *cmd, const char *model, const char *dir);

/* The exit status of a job's return code: 0, 130 interrupted, 1 failed. */
int job_exit(int rc);

#endif
