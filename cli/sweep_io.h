/* sweep_io.h - files of a sweep's output folder: per-cell result files
 * written atomically as cells finish, and the runs.csv / summary.csv built
 * from them; shared by `fate phase` and `fate reproduce`. */
#ifndef FATE_CLI_SWEEP_IO_H
#define FATE_CLI_SWEEP_IO_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "fate.h"

/* One row of summary.csv: one (cell, method, lambda). */
typedef struct summary_row {
    size_t gamma_index, theta_index;
    double gamma, theta;
    size_t n;
    char method[12];
    double lambda;
    size_t instances;
    double mean_risk, std_risk, sem_risk, mean_T, std_T, sem_T;
    double theory_risk, theory_T, theory_T_paper;
    double converged_frac, mean_steps;
} summary_row;

/* Write `text` to path atomically (temporary file, fsync, rename, fsync of
 * the folder): a reader sees the old file or the new one, never a partial
 * one. 0 on success, else -1 with errno saying why. */
int write_atomic(const char *path, const char *text, size_t len);
/* Removes the temporary files (names with ".tmp.") that a killed run left in
 * dir, except this process's own. Call only while holding the folder. */
void remove_stale_tmp(const char *dir);
/* mkdir -p; 0 on success */
int make_dirs(const char *path);

/* Makes dir/sweep.json hold params (a sweep's parameters as JSON). If it
 * held anything else, or nothing, the saved cells (dir/cells/cell_*.csv) and
 * the assembled files belong to other parameters and are removed first, so a
 * job resumes only its own cells. 0, or -1 after printing one line. */
int job_sync_params(const char *dir, const char *params);

/* Path of the result file of cell (j, t) inside dir/cells. */
void cell_path(char *buf, size_t size, const char *dir, size_t j, size_t t);
/* A cell file says what it is and holds a checksum, so that a file copied
 * over another cell's, left by other parameters or edited by hand is
 * recomputed instead of entering runs.csv. Its first line is the CSV header,
 * then " # fate-cell <id> sum=<16 hex digits>": id names the cell (grid
 * indices, coordinates, a hash of sweep.json) and sum is the FNV-1a 64 hash
 * of the rows below. Both models seal their cells through these helpers. */
uint64_t fnv1a64(const void *p, size_t n);
/* header + seal line + rows (malloc'd; rows is freed; NULL in, NULL out). */
char *cell_seal(const char *header, const char *id, char *rows);
/* 0 and *rows = the rows' text (malloc'd) if path holds a sealed cell with
 * this header and id whose checksum matches; else -1 with *why (NULL when
 * the file does not exist, which is no damage). */
int cell_unseal(const char *path, const char *header, const char *id, char **rows, const char **why);
/* "fate: warning: <path> is damaged (<why>): recomputing it" on stderr. */
void cell_warn(const char *path, const char *why);

/* Saves a finished cell's text (malloc'd, freed here; NULL counts as a
 * failure) atomically to path. 0, or -1 after printing one line (preceded by
 * a newline when a progress line may be on the terminal). */
int save_cell_text(const char *path, char *text, int after_progress);

/* CSV numbers: %.17g with nan/inf spelled as NumPy and pandas read them; the
 * parsers take a whole field (0, or -1 if it is not a number). */
void put_num(FILE *f, double v);
int parse_d(const char *s, double *out);
int parse_z(const char *s, size_t *out);

/* Progress of a sweep job on stderr ("\r<label>: cells a/b, work items c/d
 * ..."), at most every 0.25 s and at the end, when show is set. Cells are
 * counted by the cell hooks and read by the progress hook, which the sweep
 * calls under different critical sections: the count is atomic. */
typedef struct job_progress {
    const char *label;
    size_t cells_total, cells_done;
    double t0, last_print;
    int show;
} job_progress;
void job_progress_cell(job_progress *p);
void job_progress_items(job_progress *p, size_t done, size_t total);

/* ISO 8601 UTC time. */
void iso_time(char *buf, size_t size, double epoch_seconds);
double wall_now(void);

#endif
