/* job.c - one resumable sweep of any model in one folder (see job.h).
 *
 * A cell file is the cell's rows in the model's columns, header first; the
 * header line ends with the seal (sweep_io.h, cell_seal): the cell's grid
 * indices, its coordinates and the hash of sweep.json, and a checksum of the
 * rows. Read back, it must hold exactly the rows the model's cell_keys say
 * (coordinates, keys, in order) with finite values where a column demands
 * them; anything else is recomputed with a warning. Numbers are written with
 * 17 significant digits, so what is read back is what was computed and a
 * resumed sweep writes the same bytes as an uninterrupted one.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fate_npy.h"
#include "folder_lock.h"
#include "job.h"
#include "manifest.h"
#include "options.h"
#include "par.h"
#include "stats.h"
#include "sweep_io.h"

static volatile sig_atomic_t stop_requested = 0;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

void job_install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int job_interrupted(void) { return stop_requested != 0; }

int job_word(const fate_model *m, const char *w)
{
    for (size_t k = 0; k < m->n_words; k++)
        if (strcmp(m->words[k], w) == 0) return (int)k;
    return -1;
}

/* The state the hooks share. */
typedef struct job_ctx {
    const job_spec *j;
    const fate_column *cols;
    size_t ncol;
    char header[1024];
    uint64_t phash; /* of sweep.json, in every cell's identity */
    job_progress pg;
    int tty, write_failed;
} job_ctx;

void job_put_value(FILE *f, const fate_model *m, fate_col_kind kind, double v)
{
    if (kind == FATE_COL_COUNT) fprintf(f, "%zu", (size_t)v);
    else if (kind == FATE_COL_WORD) fputs(m->words[(size_t)v], f);
    else put_num(f, v);
}

/* Rows (n, ncol) as CSV lines. */
static void put_rows(FILE *f, const job_ctx *c, const double *v, size_t n)
{
    for (size_t r = 0; r < n; r++) {
        for (size_t k = 0; k < c->ncol; k++) {
            if (k) fputc(',', f);
            job_put_value(f, c->j->model, c->cols[k].kind, v[r * c->ncol + k]);
        }
        fputc('\n', f);
    }
}

/* What cell (t, j)'s file must say it is: grid indices, coordinates (the
 * expected first row's coordinate columns) and the parameters' hash. */
static void cell_id(char *buf, size_t size, const job_ctx *c, size_t t, size_t j, const double *keys)
{
    int at = snprintf(buf, size, "g=%zu t=%zu", j, t);
    for (size_t k = 0; k < c->ncol && at > 0 && (size_t)at < size; k++)
        if (c->cols[k].role == FATE_ROLE_COORD)
            at += c->cols[k].kind == FATE_COL_COUNT
                      ? snprintf(buf + at, size - (size_t)at, " %s=%zu", c->cols[k].name, (size_t)keys[k])
                      : snprintf(buf + at, size - (size_t)at, " %s=%.17g", c->cols[k].name, keys[k]);
    if (at > 0 && (size_t)at < size)
        snprintf(buf + at, size - (size_t)at, " sweep=%016llx", (unsigned long long)c->phash);
}

/* One CSV field of column k into *v; 0 or -1. */
static int parse_value(const job_ctx *c, size_t k, const char *s, double *v)
{
    size_t z;
    int w;
    switch (c->cols[k].kind) {
    case FATE_COL_COUNT: if (parse_z(s, &z)) return -1; *v = (double)z; return 0;
    case FATE_COL_WORD: if ((w = job_word(c->j->model, s)) < 0) return -1; *v = w; return 0;
    default: return parse_d(s, v);
    }
}

/* The rows of a sealed text into v (n, ncol): 0, or -1 if malformed. */
static int parse_rows(const job_ctx *c, char *text, double *v, size_t n)
{
    char **fld = malloc(c->ncol * sizeof *fld);
    char *save = NULL, *line = strtok_r(text, "\n", &save);
    size_t r = 0;
    int ok = fld != NULL;
    for (; ok && line; line = strtok_r(NULL, "\n", &save), r++) {
        size_t k = 0;
        char *p = line;
        while (k < c->ncol && (fld[k] = strsep(&p, ",")) != NULL) k++;
        ok = r < n && k == c->ncol && p == NULL;
        for (k = 0; ok && k < c->ncol; k++) ok = parse_value(c, k, fld[k], &v[r * c->ncol + k]) == 0;
    }
    free(fld);
    return ok && r == n ? 0 : -1;
}

static int same(double a, double b) { return a == b || (isnan(a) && isnan(b)); }

/* The rows of cell (t, j) from its file into *rows (malloc'd, (n, ncol));
 * the row count, or -1 and *why (NULL when the file is just missing). */
static long load_cell(const job_ctx *c, size_t t, size_t j, double **rows, const char **why)
{
    const fate_model *m = c->j->model;
    const size_t n = m->cell_keys(c->j->sweep, t, j, NULL), nc = c->ncol;
    double *keys = calloc(n ? n * nc : 1, sizeof *keys), *v = calloc(n ? n * nc : 1, sizeof *v);
    char path[4096], id[1024], *text = NULL;
    *rows = NULL;
    *why = NULL;
    if (!keys || !v) { free(keys); free(v); *why = "out of memory"; return -1; }
    m->cell_keys(c->j->sweep, t, j, keys);
    cell_path(path, sizeof path, c->j->dir, j, t);
    cell_id(id, sizeof id, c, t, j, keys);
    int ok = cell_unseal(path, c->header, id, &text, why) == 0;
    if (ok && parse_rows(c, text, v, n) != 0) {
        ok = 0;
        *why = "a malformed row";
    }
    for (size_t r = 0; ok && r < n; r++)
        for (size_t k = 0; ok && k < nc; k++) {
            const double got = v[r * nc + k];
            ok = (c->cols[k].role == FATE_ROLE_VALUE || same(got, keys[r * nc + k])) &&
                 (!c->cols[k].finite || isfinite(got));
            if (!ok) *why = "its rows are not those of this cell";
        }
    free(text);
    free(keys);
    if (!ok) { free(v); return -1; }
    *rows = v;
    return (long)n;
}

static int hk_skip(void *p, size_t t, size_t j)
{
    job_ctx *c = p;
    /* under MPI each rank takes every size-th row (a row shares its
     * pretrained networks across the columns, so rows are the unit of work) */
    if (par_size() > 1 && (int)(t % (size_t)par_size()) != par_rank()) return 1;
    double *rows;
    const char *why;
    long n = load_cell(c, t, j, &rows, &why);
    free(rows);
    if (n >= 0) {
        job_progress_cell(&c->pg);
        return 1;
    }
    if (why) {
        char path[4096];
        cell_path(path, sizeof path, c->j->dir, j, t);
        cell_warn(path, why);
    }
    return 0;
}

static int hk_cell(void *p, const fate_table *tab)
{
    job_ctx *c = p;
    char path[4096], id[1024], *buf = NULL;
    size_t len = 0;
    cell_path(path, sizeof path, c->j->dir, tab->col, tab->row);
    cell_id(id, sizeof id, c, tab->row, tab->col, tab->v);
    FILE *f = open_memstream(&buf, &len);
    if (f) {
        put_rows(f, c, tab->v, tab->n_rows);
        fclose(f);
    }
    if (save_cell_text(path, f ? cell_seal(c->header, id, buf) : NULL, c->tty) != 0) {
        c->write_failed = 1;
        return 1;
    }
    job_progress_cell(&c->pg);
    return 0;
}

static int hk_stop(void *p)
{
    (void)p;
    return stop_requested != 0;
}

static void hk_progress(void *p, size_t done, size_t total)
{
    job_progress_items(&((job_ctx *)p)->pg, done, total);
}

int job_write_texts(const char *dir, const job_text *t, size_t n, file_list *written)
{
    char path[4200];
    for (size_t k = 0; k < n; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, t[k].name);
        if (write_atomic(path, t[k].txt, t[k].len) != 0) {
            fprintf(stderr, "fate: cannot write %s: %s\n", path, strerror(errno));
            return JOB_FAILED;
        }
        file_list_add(written, path);
    }
    return JOB_OK;
}

int job_write_arrays(const char *dir, const job_array *a, size_t n, file_list *written)
{
    char path[4200];
    for (size_t k = 0; k < n; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, a[k].name);
        if (fate_npy_write(path, a[k].data, a[k].shape, a[k].nd) != FATE_OK) {
            fprintf(stderr, "fate: cannot write %s: %s\n", path, strerror(errno));
            return JOB_FAILED;
        }
        file_list_add(written, path);
    }
    return JOB_OK;
}

void job_cells_free(job_cells *c)
{
    for (size_t i = 0; c->v && i < c->rows * c->cols; i++) free(c->v[i]);
    free(c->v);
    free(c->n);
    memset(c, 0, sizeof *c);
}

/* Makes the cells folder, syncs sweep.json and clears a killed run's
 * temporary files (rank 0 alone, before any rank looks at the cells). */
static int job_prepare(const job_spec *j)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/cells", j->dir);
    if (make_dirs(path) != 0) {
        fprintf(stderr, "fate: cannot create output folder %s: %s\n", path, strerror(errno));
        return JOB_FAILED;
    }
    int bad = 0;
    if (par_root()) {
        bad = job_sync_params(j->dir, j->params) != 0;
        /* fate reproduce's sub-folders are not cleaned by folder_claim */
        remove_stale_tmp(j->dir);
        remove_stale_tmp(path);
    }
    return par_any(bad) ? JOB_FAILED : JOB_OK;
}

/* Runs the sweep with the hooks; JOB_OK, JOB_FAILED or JOB_INTERRUPTED, the
 * same on every rank. */
static int job_sweep(job_ctx *c)
{
    const job_spec *j = c->j;
    size_t R, C, my_rows = 0;
    j->model->grid(j->sweep, &R, &C);
    for (size_t t = 0; t < R; t++) my_rows += (int)(t % (size_t)par_size()) == par_rank();
    c->tty = isatty(2) && par_root();
    c->pg = (job_progress){.label = j->label, .cells_total = C * my_rows, .t0 = wall_now(),
                           .show = c->tty && !j->quiet};
    fate_model_hooks hooks = {c, hk_skip, hk_cell, hk_stop, hk_progress};
    fate_sweep_error err;
    memset(&err, 0, sizeof err);
    fate_status st = j->model->run(j->sweep, &hooks, &err);
    int failed = c->write_failed || (st != FATE_OK && st != FATE_EINTERRUPTED);
    if (st == FATE_EINTERRUPTED && c->tty && !j->quiet) fputc('\n', stderr);
    if (st == FATE_EDIVERGED) {
        char where[256], lr[64];
        j->diverged(j->sweep, &err, where, sizeof where, lr, sizeof lr);
        fprintf(stderr, "%sfate: %s diverged (NaN/inf or growing loss) at step %zu (instance %llu, %s): use a "
                "smaller --lr (now %s)\n", c->tty ? "\n" : "", method_name(err.method), err.step,
                (unsigned long long)err.instance, where, lr);
    } else if (failed && !c->write_failed) {
        fprintf(stderr, "fate: sweep failed: %s\n", fate_strerror(st));
    }
    /* every rank agrees on the outcome before rank 0 reads the cells */
    if (par_any(failed)) return JOB_FAILED;
    if (par_any(st == FATE_EINTERRUPTED)) return JOB_INTERRUPTED;
    return JOB_OK;
}

/* Reads every cell back into out and writes runs.csv: one code path whether
 * cells were computed now or in an earlier, interrupted run. */
static int job_assemble(job_ctx *c, job_cells *out, file_list *written)
{
    const job_spec *j = c->j;
    size_t R, C;
    j->model->grid(j->sweep, &R, &C);
    *out = (job_cells){R, C, c->ncol, c->cols, calloc(R * C, sizeof(size_t)), calloc(R * C, sizeof(double *))};
    char *runs = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&runs, &len);
    int rc = out->n && out->v && f ? JOB_OK : JOB_FAILED;
    if (f) fprintf(f, "%s\n", c->header);
    for (size_t a = 0; rc == JOB_OK && a < R * C; a++) {
        const int cm = j->model->col_major;
        const size_t t = cm ? a % R : a / C, jj = cm ? a / R : a % C;
        const char *why;
        double *v;
        long n = load_cell(c, t, jj, &v, &why);
        if (n <= 0) {
            char path[4096];
            cell_path(path, sizeof path, j->dir, jj, t);
            fprintf(stderr, "fate: %s is missing or damaged (%s); rerun to recompute it\n", path,
                    why ? why : "missing");
            free(v);
            rc = JOB_FAILED;
            break;
        }
        out->n[t * C + jj] = (size_t)n;
        out->v[t * C + jj] = v;
        put_rows(f, c, v, (size_t)n);
    }
    if (f) fclose(f);
    if (rc == JOB_OK) {
        const job_text txt = {"runs.csv", runs, len};
        rc = job_write_texts(j->dir, &txt, 1, written);
    }
    free(runs);
    if (rc != JOB_OK) job_cells_free(out);
    return rc;
}

int job_run(const job_spec *j, job_cells *out, file_list *written)
{
    memset(out, 0, sizeof *out);
    job_ctx c = {.j = j, .phash = j->params ? fnv1a64(j->params, strlen(j->params)) : 0};
    c.cols = j->model->columns(j->sweep, &c.ncol);
    int at = 0;
    for (size_t k = 0; k < c.ncol && at >= 0 && (size_t)at < sizeof c.header; k++)
        at += snprintf(c.header + at, sizeof c.header - (size_t)at, "%s%s", k ? "," : "", c.cols[k].name);
    int rc = job_prepare(j);
    if (rc == JOB_OK) rc = job_sweep(&c);
    if (rc != JOB_OK || !par_root()) return rc;
    return job_assemble(&c, out, written);
}

int job_folder_open(const char *cmd, const char *dir)
{
    if (make_dirs(dir) != 0) {
        cli_error(cmd, "--out: cannot create folder '%s': %s", dir, strerror(errno));
        return FATE_EXIT_USAGE;
    }
    return folder_claim(cmd, dir, cmd); /* locked until the process ends */
}

void job_report_stop(manifest *man, int rc, const char *cmd, const char *model, const char *dir)
{
    manifest_end(man, rc == JOB_INTERRUPTED ? "interrupted" : "failed", NULL);
    if (rc == JOB_INTERRUPTED)
        fprintf(stderr, "fate %s: interrupted; finished cells are saved in %s/cells. Resume with: fate %s%s%s "
                "--resume --out %s\n", cmd, dir, cmd, model ? " --model " : "", model ? model : "", dir);
}

int job_exit(int rc) { return rc == JOB_OK ? 0 : rc == JOB_INTERRUPTED ? 130 : FATE_EXIT_RUNTIME; }
