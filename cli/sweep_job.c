/* sweep_job.c - a resumable deep-linear sweep in one folder (see
 * sweep_job.h): the model's job (job.c) with its own files.
 *
 * Folder layout:
 *   sweep.json        the parameters the cells were computed with
 *   cells/cell_*.csv  one file per finished cell, written atomically (job.c)
 *   runs.csv          every cell's rows, in (gamma, theta) order (job.c)
 *   summary.csv       per (cell, method, lambda) statistics and theory
 *   *.npy             summary (G, T, M, 11), risk and T (G, T, M, K), grids
 * Any file is always complete: writes go to a temporary name, are synced and
 * renamed, so a SIGKILL at any moment leaves every file parseable.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "sweep_job.h"

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

/* Where a divergence happened (a cell of the grid), for job.c's message. */
static void lin_diverged(const void *sweep, const fate_sweep_error *e, char *where, size_t wsize, char *lr,
                         size_t lsize)
{
    const fate_sweep *w = sweep;
    snprintf(where, wsize, "gamma = %g, theta = %.4f", w->gammas[e->gamma_index], w->thetas[e->theta_index]);
    snprintf(lr, lsize, "%s", w->base.lr > 0 ? "set by --lr" : "automatic");
}

/* A row of fate_model_linear's table (its columns are those of runs.csv, in
 * order) as a run_row. */
static run_row row_of(const double *q)
{
    run_row r;
    memset(&r, 0, sizeof r);
    r.gamma = q[0], r.theta = q[1], r.n = (size_t)q[2];
    snprintf(r.method, sizeof r.method, "%s", fate_model_linear.words[(size_t)q[3]]);
    r.lambda = q[4], r.instance = (size_t)q[5], r.risk = q[6], r.T = q[7], r.train_loss = q[8];
    r.loss_min = q[9], r.steps = (size_t)q[10], r.converged = (int)q[11], r.on_saddle = (int)q[12];
    r.balance = q[13], r.ft_c = q[14];
    return r;
}

/* summary.npy (G, T, M, 11), risk.npy and T.npy (G, T, M, K), the grids;
 * M = scratch, lt per lambda, ft. */
static int write_arrays(const fate_sweep *w, const char *dir, const summary_row *sum, size_t ns,
                        const double *arisk, const double *aT, file_list *written)
{
    const size_t G = w->n_gammas, T = w->n_thetas, M = 2 + w->n_lambdas, K = w->instances;
    int rc = JOB_OK;
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
    const job_array arrs[] = {
        {"summary.npy", sa, s4, 4}, {"risk.npy", arisk, r4, 4}, {"T.npy", aT, r4, 4},
        {"gammas.npy", w->gammas, sg, 1}, {"thetas.npy", w->thetas, st, 1},
        {"lambdas.npy", w->lambdas, sl, 1}};
    if (sa) rc = job_write_arrays(dir, arrs, sizeof arrs / sizeof arrs[0], written);
    free(sa);
    return rc;
}

int sweep_job_run(const sweep_job *job, summary_row **rows_out, size_t *n_rows, file_list *written)
{
    const fate_sweep *w = &job->sweep;
    const char *dir = job->dir;
    *rows_out = NULL;
    *n_rows = 0;
    char *params = sweep_params_json(w);
    const job_spec js = {dir, &fate_model_linear, w, params, job->quiet, job->label, lin_diverged};
    job_cells cells;
    int jrc = job_run(&js, &cells, written);
    free(params);
    if (jrc != JOB_OK || !cells.v) return jrc;

    const size_t G = w->n_gammas, T = w->n_thetas, per = 2 + w->n_lambdas;
    summary_row *sum = calloc(G * T * per, sizeof *sum);
    size_t ns = 0;
    /* per-instance risk and T as arrays (G, T, M, K), M = scratch, lt per
     * lambda, ft; NaN where a method was not run */
    const size_t K = w->instances, M = per;
    double *arisk = malloc(G * T * M * K * sizeof *arisk), *aT = malloc(G * T * M * K * sizeof *aT);
    if (!sum || !arisk || !aT) {
        free(arisk); free(aT); free(sum); job_cells_free(&cells);
        return JOB_FAILED;
    }
    for (size_t i = 0; i < G * T * M * K; i++) arisk[i] = aT[i] = NAN;
    for (size_t j = 0; j < G; j++)
        for (size_t t = 0; t < T; t++) {
            const size_t n = cells.n[t * G + j];
            run_row *rows = malloc(n * sizeof *rows);
            if (!rows) { free(sum); free(arisk); free(aT); job_cells_free(&cells); return JOB_FAILED; }
            for (size_t r = 0; r < n; r++) rows[r] = row_of(cells.v[t * G + j] + r * cells.ncol);
            for (size_t r = 0; r < n; r++) {
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
            ns += summarise_cell(sum + ns, rows, n, j, t, &w->base, w->lambdas, w->n_lambdas);
            free(rows);
        }
    job_cells_free(&cells);
    char *stxt = NULL;
    size_t slen = 0;
    FILE *sf = open_memstream(&stxt, &slen);
    if (!sf) { free(arisk); free(aT); free(sum); return JOB_FAILED; }
    fprintf(sf, "%s\n", SUMMARY_HEADER);
    for (size_t i = 0; i < ns; i++) fprint_summary_row(sf, &sum[i]);
    fclose(sf);
    const job_text csv = {"summary.csv", stxt, slen};
    int rc = job_write_texts(dir, &csv, 1, written);
    /* NumPy arrays beside the CSVs (docs: README, "Output arrays") */
    if (rc == JOB_OK) rc = write_arrays(w, dir, sum, ns, arisk, aT, written);
    free(arisk);
    free(aT);
    free(stxt);
    if (rc != JOB_OK) {
        free(sum);
        return rc;
    }
    *rows_out = sum;
    *n_rows = ns;
    return JOB_OK;
}
