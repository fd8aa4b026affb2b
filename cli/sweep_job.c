/* sweep_job.c - a resumable sweep in one folder (see sweep_job.h).
 *
 * Folder layout:
 *   sweep.json        the parameters the cells were computed with
 *   cells/cell_*.csv  one file per finished cell, written atomically
 *   runs.csv          every cell's rows, in (gamma, theta) order
 *   summary.csv       per (cell, method, lambda) statistics and theory
 * Any file is always complete: writes go to a temporary name, are synced and
 * renamed, so a SIGKILL at any moment leaves every file parseable.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fate_npy.h"
#include "manifest.h"
#include "par.h"
#include "sweep_job.h"

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

static json_t *darr(const double *x, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(a, json_real(x[i]));
    return a;
}

char *sweep_params_json(const fate_sweep *w)
{
    const fate_spec *s = &w->base;
    json_t *o = json_object();
    json_object_set_new(o, "d", json_integer((json_int_t)s->d));
    json_object_set_new(o, "depth", json_integer((json_int_t)s->depth));
    json_object_set_new(o, "width", json_integer((json_int_t)(s->width ? s->width : s->d)));
    json_object_set_new(o, "sigma", json_real(s->sigma));
    json_object_set_new(o, "n_src", json_integer((json_int_t)s->n_src));
    json_object_set_new(o, "sigma_src", json_real(s->sigma_src));
    json_object_set_new(o, "rcond", json_real(s->rcond));
    json_object_set_new(o, "init_scale",
                        json_real(s->init_scale > 0 ? s->init_scale : fate_default_init_scale(s->depth)));
    json_object_set_new(o, "lr", s->lr > 0 ? json_real(s->lr) : json_string("auto"));
    json_object_set_new(o, "epochs", json_integer((json_int_t)s->max_epochs));
    json_object_set_new(o, "tol", json_real(s->tol));
    json_object_set_new(o, "weight_decay", json_real(s->weight_decay));
    json_object_set_new(o, "seed", json_seed(s->seed));
    json_t *m = json_array();
    if (s->methods & FATE_METHOD_SCRATCH) json_array_append_new(m, json_string("scratch"));
    if (s->methods & FATE_METHOD_LT) json_array_append_new(m, json_string("lt"));
    if (s->methods & FATE_METHOD_FT) json_array_append_new(m, json_string("ft"));
    json_object_set_new(o, "methods", m);
    json_object_set_new(o, "instances", json_integer((json_int_t)w->instances));
    json_object_set_new(o, "gammas", darr(w->gammas, w->n_gammas));
    json_object_set_new(o, "thetas", darr(w->thetas, w->n_thetas));
    json_object_set_new(o, "lambdas", darr(w->lambdas, w->n_lambdas));
    json_object_set_new(o, "fate_version", json_string(fate_version()));
    char *txt = json_dumps(o, JSON_SORT_KEYS | JSON_INDENT(2) | JSON_REAL_PRECISION(17));
    json_decref(o);
    return txt;
}

typedef struct hook_ctx {
    const sweep_job *job;
    job_progress pg;
    int tty;
    int write_failed;
    uint64_t phash; /* of the sweep's parameters, in every cell's identity */
} hook_ctx;

/* What a cell file must say it is: its grid indices and coordinates and the
 * hash of the sweep's parameters (see cell_seal). */
static void cell_id(char *buf, size_t size, const fate_sweep *w, size_t j, size_t t, uint64_t phash)
{
    snprintf(buf, size, "g=%zu t=%zu gamma=%.17g theta=%.17g n=%zu sweep=%016llx", j, t, w->gammas[j],
             w->thetas[t], (size_t)lround(w->gammas[j] * (double)w->base.d), (unsigned long long)phash);
}

/* Every row belongs to cell (j, t), is finite where it must be, and each
 * (method run, lambda, instance < K) appears exactly once. */
static int cell_rows_valid(const fate_sweep *w, size_t j, size_t t, const run_row *rows, long n)
{
    const unsigned m = w->base.methods;
    const size_t K = w->instances, L = w->n_lambdas, M = L + 2;
    if (n != (long)K * (long)(((m & FATE_METHOD_SCRATCH) ? 1 : 0) + ((m & FATE_METHOD_LT) ? L : 0) +
                              ((m & FATE_METHOD_FT) ? 1 : 0)))
        return 0;
    unsigned char *seen = calloc(M * K, 1);
    int ok = seen != NULL;
    const size_t nn = (size_t)lround(w->gammas[j] * (double)w->base.d);
    for (long r = 0; ok && r < n; r++) {
        const run_row *q = &rows[r];
        size_t slot = M; /* scratch 0, lt 1 + l, ft M - 1 */
        if (!strcmp(q->method, "scratch") && (m & FATE_METHOD_SCRATCH) && isnan(q->lambda)) slot = 0;
        else if (!strcmp(q->method, "ft") && (m & FATE_METHOD_FT) && isnan(q->lambda)) slot = M - 1;
        else if (!strcmp(q->method, "lt") && (m & FATE_METHOD_LT))
            for (size_t l = 0; l < L; l++)
                if (q->lambda == w->lambdas[l]) slot = 1 + l;
        ok = slot < M && q->gamma == w->gammas[j] && q->theta == w->thetas[t] && q->n == nn &&
             q->instance < K && isfinite(q->risk) && isfinite(q->T) && !seen[slot * K + q->instance];
        if (ok) seen[slot * K + q->instance] = 1;
    }
    free(seen);
    return ok;
}

/* The rows of cell (j, t), checked; -1 (and *why, NULL if the file is just
 * missing) when the cell must be recomputed. */
static long load_cell(const fate_sweep *w, const char *path, size_t j, size_t t, uint64_t phash,
                      run_row **rows, const char **why)
{
    char id[256];
    cell_id(id, sizeof id, w, j, t, phash);
    long n = read_cell(path, id, rows, why);
    if (n >= 0 && !cell_rows_valid(w, j, t, *rows, n)) {
        *why = "its rows are not those of this cell";
        free(*rows);
        *rows = NULL;
        return -1;
    }
    return n;
}

static int hk_skip(void *p, size_t j, size_t t)
{
    hook_ctx *h = p;
    /* under MPI each rank takes every size-th theta row (a row shares its
     * pretrained networks across gamma, so rows are the unit of work) */
    if (par_size() > 1 && (int)(t % (size_t)par_size()) != par_rank()) return 1;
    char path[4096];
    cell_path(path, sizeof path, h->job->dir, j, t);
    run_row *rows;
    const char *why = NULL;
    long n = load_cell(&h->job->sweep, path, j, t, h->phash, &rows, &why);
    free(rows);
    if (n >= 0) {
        job_progress_cell(&h->pg);
        return 1;
    }
    if (why) cell_warn(path, why);
    return 0;
}

static int hk_cell(void *p, const fate_cell *c)
{
    hook_ctx *h = p;
    char path[4096], id[256];
    cell_path(path, sizeof path, h->job->dir, c->gamma_index, c->theta_index);
    cell_id(id, sizeof id, &h->job->sweep, c->gamma_index, c->theta_index, h->phash);
    if (save_cell_text(path, cell_csv(c, h->job->sweep.base.methods, h->job->sweep.lambdas, id), h->tty) != 0) {
        h->write_failed = 1;
        return 1;
    }
    job_progress_cell(&h->pg);
    return 0;
}

static int hk_stop(void *p)
{
    (void)p;
    return stop_requested != 0;
}

static void hk_progress(void *p, size_t done, size_t total)
{
    job_progress_items(&((hook_ctx *)p)->pg, done, total);
}

static const char *method_name(unsigned m)
{
    return m == 0 ? "pretraining" : m == FATE_METHOD_SCRATCH ? "scratch training"
         : m == FATE_METHOD_LT ? "linear transfer" : "fine-tuning";
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

int sweep_job_run(const sweep_job *job, summary_row **rows_out, size_t *n_rows, file_list *written)
{
    const fate_sweep *w = &job->sweep;
    const char *dir = job->dir;
    char path[4096];
    *rows_out = NULL;
    *n_rows = 0;
    snprintf(path, sizeof path, "%s/cells", dir);
    if (make_dirs(path) != 0) {
        fprintf(stderr, "fate: cannot create output folder %s: %s\n", path, strerror(errno));
        return JOB_FAILED;
    }
    /* same parameters as the saved cells? then resume, else start over
     * (decided by rank 0 alone, before any rank looks at the cells) */
    int bad = 0;
    char *params = sweep_params_json(w);
    uint64_t phash = params ? fnv1a64(params, strlen(params)) : 0;
    if (par_root()) {
        bad = job_sync_params(dir, params) != 0;
        /* a killed run's temporary files (fate reproduce's sub-folders are
         * not cleaned by folder_claim) */
        remove_stale_tmp(dir);
        remove_stale_tmp(path);
    }
    free(params);
    if (par_any(bad)) return JOB_FAILED;

    size_t my_rows = 0;
    for (size_t t = 0; t < w->n_thetas; t++) my_rows += (int)(t % (size_t)par_size()) == par_rank();
    hook_ctx h = {.job = job, .tty = isatty(2) && par_root(), .phash = phash};
    h.pg = (job_progress){.label = job->label, .cells_total = w->n_gammas * my_rows, .t0 = wall_now(),
                          .show = h.tty && !job->quiet};
    fate_sweep_hooks hooks = {&h, hk_skip, hk_cell, hk_stop, hk_progress};
    fate_sweep_error err;
    memset(&err, 0, sizeof err);
    fate_status st = fate_sweep_run(w, &hooks, &err);
    int failed = h.write_failed || (st != FATE_OK && st != FATE_EINTERRUPTED);
    if (st == FATE_EINTERRUPTED && h.tty && !job->quiet) fputc('\n', stderr);
    if (st == FATE_EDIVERGED) {
        fprintf(stderr, "%sfate: %s diverged (NaN/inf or growing loss) at step %zu (instance %llu, "
                "gamma = %g, theta = %.4f): use a smaller --lr (now %s)\n", h.tty ? "\n" : "",
                method_name(err.method), err.step, (unsigned long long)err.instance,
                w->gammas[err.gamma_index], w->thetas[err.theta_index],
                w->base.lr > 0 ? "set by --lr" : "automatic");
    } else if (failed && !h.write_failed) {
        fprintf(stderr, "fate: sweep failed: %s\n", fate_strerror(st));
    }
    /* every rank agrees on the outcome before rank 0 reads the cells */
    if (par_any(failed)) return JOB_FAILED;
    if (par_any(st == FATE_EINTERRUPTED)) return JOB_INTERRUPTED;
    if (!par_root()) return JOB_OK;

    /* read every cell back: one code path whether cells were computed now or
     * in an earlier, interrupted run */
    const size_t G = w->n_gammas, T = w->n_thetas, per = 2 + w->n_lambdas;
    summary_row *sum = calloc(G * T * per, sizeof *sum);
    char *runs = NULL;
    size_t runs_len = 0, ns = 0;
    FILE *rf = open_memstream(&runs, &runs_len);
    if (!sum || !rf) {
        free(sum);
        if (rf) fclose(rf);
        free(runs);
        return JOB_FAILED;
    }
    fprintf(rf, "%s\n", RUNS_HEADER);
    /* per-instance risk and T as arrays (G, T, M, K), M = scratch, lt per
     * lambda, ft; NaN where a method was not run */
    const size_t K = w->instances, M = per;
    double *arisk = malloc(G * T * M * K * sizeof *arisk), *aT = malloc(G * T * M * K * sizeof *aT);
    if (!arisk || !aT) { free(arisk); free(aT); fclose(rf); free(runs); free(sum); return JOB_FAILED; }
    for (size_t i = 0; i < G * T * M * K; i++) arisk[i] = aT[i] = NAN;
    for (size_t j = 0; j < G; j++)
        for (size_t t = 0; t < T; t++) {
            run_row *rows;
            const char *why = NULL;
            cell_path(path, sizeof path, dir, j, t);
            long n = load_cell(w, path, j, t, phash, &rows, &why);
            if (n <= 0) {
                fprintf(stderr, "fate: %s is missing or damaged (%s); rerun to recompute it\n", path,
                        why ? why : "missing");
                free(rows);
                fclose(rf);
                free(runs);
                free(sum);
                free(arisk);
                free(aT);
                return JOB_FAILED;
            }
            for (long r = 0; r < n; r++) {
                fprint_run_row(rf, &rows[r]);
                size_t m = 0;
                if (!strcmp(rows[r].method, "lt")) {
                    for (size_t l = 0; l < w->n_lambdas; l++)
                        if (rows[r].lambda == w->lambdas[l]) m = 1 + l;
                } else if (!strcmp(rows[r].method, "ft")) {
                    m = M - 1;
                }
                if (rows[r].instance < K) {
                    size_t at = ((j * T + t) * M + m) * K + rows[r].instance;
                    arisk[at] = rows[r].risk;
                    aT[at] = rows[r].T;
                }
            }
            ns += summarise_cell(sum + ns, rows, (size_t)n, j, t, &w->base, w->lambdas, w->n_lambdas);
            free(rows);
        }
    fclose(rf);
    char *stxt = NULL;
    size_t slen = 0;
    FILE *sf = open_memstream(&stxt, &slen);
    if (!sf) { free(runs); free(sum); return JOB_FAILED; }
    fprintf(sf, "%s\n", SUMMARY_HEADER);
    for (size_t i = 0; i < ns; i++) fprint_summary_row(sf, &sum[i]);
    fclose(sf);
    const job_text csv[2] = {{"runs.csv", runs, runs_len}, {"summary.csv", stxt, slen}};
    int rc = job_write_texts(dir, csv, 2, written);
    /* NumPy arrays beside the CSVs (docs: README, "Output arrays") */
    if (rc == JOB_OK) {
        enum { F = 11 };
        double *sa = malloc(G * T * M * F * sizeof *sa);
        if (!sa) rc = JOB_FAILED;
        for (size_t i = 0; sa && i < G * T * M * F; i++) sa[i] = NAN;
        for (size_t i = 0; sa && i < ns; i++) {
            const summary_row *r = &sum[i];
            size_t m = 0;
            if (!strcmp(r->method, "lt")) {
                for (size_t l = 0; l < w->n_lambdas; l++)
                    if (r->lambda == w->lambdas[l]) m = 1 + l;
            } else if (!strcmp(r->method, "ft")) {
                m = M - 1;
            }
            const double v[F] = {r->mean_risk, r->std_risk, r->sem_risk, r->mean_T, r->std_T, r->sem_T,
                                 r->theory_risk, r->theory_T, r->theory_T_paper, r->converged_frac,
                                 r->mean_steps};
            memcpy(sa + ((r->gamma_index * T + r->theta_index) * M + m) * F, v, sizeof v);
        }
        const size_t s4[4] = {G, T, M, F}, r4[4] = {G, T, M, K};
        const size_t sg[1] = {G}, st[1] = {T}, sl[1] = {w->n_lambdas};
        struct { const char *name; const double *data; const size_t *shape; size_t nd; } arrs[] = {
            {"summary.npy", sa, s4, 4}, {"risk.npy", arisk, r4, 4}, {"T.npy", aT, r4, 4},
            {"gammas.npy", w->gammas, sg, 1}, {"thetas.npy", w->thetas, st, 1},
            {"lambdas.npy", w->lambdas, sl, 1}};
        for (size_t i = 0; sa && i < sizeof arrs / sizeof arrs[0]; i++) {
            snprintf(path, sizeof path, "%s/%s", dir, arrs[i].name);
            if (fate_npy_write(path, arrs[i].data, arrs[i].shape, arrs[i].nd) != FATE_OK) {
                fprintf(stderr, "fate: cannot write %s: %s\n", path, strerror(errno));
                rc = JOB_FAILED;
                break;
            }
            file_list_add(written, path);
        }
        free(sa);
    }
    free(arisk);
    free(aT);
    free(runs);
    free(stxt);
    if (rc != JOB_OK) {
        free(sum);
        return rc;
    }
    *rows_out = sum;
    *n_rows = ns;
    return JOB_OK;
}
