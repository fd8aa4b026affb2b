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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "model_summary.h"
#include "sweep_job.h"

/* (a, b, c, d) doubles, or NULL when the count overflows or malloc fails */
static double *alloc_array4(size_t a, size_t b, size_t c, size_t d)
{
    size_t n = a;
    if (b && n > SIZE_MAX / b) return NULL;
    n *= b;
    if (c && n > SIZE_MAX / c) return NULL;
    n *= c;
    if (d && n > SIZE_MAX / d) return NULL;
    n *= d;
    if (n > SIZE_MAX / sizeof(double)) return NULL;
    return malloc((n ? n : 1) * sizeof(double));
}

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
    for (unsigned k = 0; fate_method_name(1u << k); k++)
        if (s->methods & (1u << k)) json_array_append_new(m, json_string(fate_method_name(1u << k)));
    json_object_set_new(o, "methods", m);
    /* the methods beyond the paper's add their parameters, so that the
     * paper's sweeps keep their saved parameters (and resume their cells) */
    if (s->methods & FATE_METHOD_L2SP)
        json_object_set_new(o, "l2sp_lambda",
                            s->l2sp_lambda == FATE_LAMBDA_OPT ? json_string("opt") : json_real(s->l2sp_lambda));
    /* the task geometry beyond the paper's, likewise only when given: the
     * eigenvalues themselves, so that a spectrum file edited between runs
     * changes the parameters (and no cell of the old one is reused) */
    if (s->k > 1) json_object_set_new(o, "k", json_integer((json_int_t)s->k));
    if (s->spectrum) {
        json_object_set_new(o, "spectrum", darr(s->spectrum, s->d));
        static const char *const align[] = {"random", "top", "tail"};
        json_object_set_new(o, "align", json_string(s->align <= FATE_ALIGN_TAIL ? align[s->align] : "?"));
    }
    if (w->baseline) /* a word, as --baseline takes it */
        json_object_set_new(o, "baseline", json_string(w->baseline == FATE_BASELINE_BEST ? "best"
                                                        : fate_method_name(w->baseline) ? fate_method_name(w->baseline)
                                                                                        : "?"));
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

/* summary.csv's columns after the keys and `instances` (the layout the
 * deep linear files have always had): the theory between the statistics
 * and the convergence. */
static const summary_entry LAYOUT[] = {{SUM_STATS, "risk", NULL},
                                       {SUM_STATS, "T", NULL},
                                       {SUM_THEORY, NULL, NULL},
                                       {SUM_MEAN, "converged", "converged_frac"},
                                       {SUM_MEAN, "steps", "mean_steps"}};

/* The arrays' method axis: scratch, lt per lambda, ft, and when any method
 * beyond the paper's runs, lpft, l2sp, ridge, ridge_cv, early_stop after them (so the
 * paper's sweeps keep their shapes). */
#define BEYOND (FATE_METHOD_LPFT | FATE_METHOD_L2SP | FATE_METHOD_RIDGE | FATE_METHOD_RIDGE_CV | FATE_METHOD_EARLY_STOP)
static size_t method_slots(const fate_sweep *w)
{
    return 2 + w->n_lambdas + ((w->base.methods & BEYOND) ? 5 : 0);
}

/* The slot of a method word (lt: of its ridge) on that axis. */
static size_t method_slot(const fate_sweep *w, const char *m, double lambda)
{
    static const char *const beyond[] = {"lpft", "l2sp", "ridge", "ridge_cv", "early_stop"};
    if (!strcmp(m, "ft")) return w->n_lambdas + 1;
    for (size_t k = 0; k < 5; k++)
        if (!strcmp(m, beyond[k])) return w->n_lambdas + 2 + k;
    if (strcmp(m, "lt")) return 0;
    for (size_t l = 0; l < w->n_lambdas; l++)
        if (lambda == w->lambdas[l]) return 1 + l;
    return 0;
}

/* A summary group as the summary_row the figures and the report read. */
static summary_row row_of_group(const model_summary *s, const summary_group *g)
{
    summary_row r;
    memset(&r, 0, sizeof r);
    r.gamma_index = g->col, r.theta_index = g->row;
    r.gamma = g->keys[model_column(s, "gamma")], r.theta = g->keys[model_column(s, "theta")];
    r.n = (size_t)g->keys[model_column(s, "n")];
    snprintf(r.method, sizeof r.method, "%s", fate_model_linear.words[(size_t)g->keys[model_column(s, "method")]]);
    r.lambda = g->keys[model_column(s, "lambda")];
    r.instances = g->count;
    const sample_stat *sr = summary_stat(s, g, "risk"), *sT = summary_stat(s, g, "T");
    r.mean_risk = sr->mean, r.std_risk = sr->sd, r.sem_risk = sr->se;
    r.mean_T = sT->mean, r.std_T = sT->sd, r.sem_T = sT->se;
    r.theory_risk = g->theory[0], r.theory_T = g->theory[1], r.theory_T_paper = g->theory[2];
    r.converged_frac = summary_stat(s, g, "converged")->mean;
    r.mean_steps = summary_stat(s, g, "steps")->mean;
    return r;
}

/* risk.npy and T.npy (G, T, M, K), M the method axis (method_slots); NaN
 * where a method was not run. */
static void fill_arrays(double *arisk, double *aT, const fate_sweep *w, const model_summary *s,
                        const job_cells *c)
{
    const size_t G = w->n_gammas, T = w->n_thetas, M = method_slots(w), K = w->instances;
    const long cm = model_column(s, "method"), cl = model_column(s, "lambda"), ci = model_column(s, "instance");
    const long cr = model_column(s, "risk"), ct = model_column(s, "T");
    for (size_t i = 0; i < G * T * M * K; i++) arisk[i] = aT[i] = NAN;
    for (size_t j = 0; j < G; j++)
        for (size_t t = 0; t < T; t++)
            for (size_t r = 0; r < c->n[t * G + j]; r++) {
                const double *q = c->v[t * G + j] + r * c->ncol;
                const size_t i = (size_t)q[ci];
                if (i >= K) continue;
                const char *word = fate_model_linear.words[(size_t)q[cm]];
                const size_t at = ((j * T + t) * M + method_slot(w, word, q[cl])) * K + i;
                arisk[at] = q[cr];
                aT[at] = q[ct];
            }
}

/* summary.npy (G, T, M, 11), risk.npy and T.npy (G, T, M, K), the grids;
 * M the method axis (method_slots). */
static int write_arrays(const fate_sweep *w, const char *dir, const summary_row *sum, size_t ns,
                        const double *arisk, const double *aT, file_list *written)
{
    const size_t G = w->n_gammas, T = w->n_thetas, M = method_slots(w), K = w->instances;
    int rc = JOB_OK;
    enum { F = 11 };
    double *sa = malloc(G * T * M * F * sizeof *sa);
    if (!sa) rc = JOB_FAILED;
    for (size_t i = 0; sa && i < G * T * M * F; i++) sa[i] = NAN;
    for (size_t i = 0; sa && i < ns; i++) {
        const summary_row *r = &sum[i];
        const size_t m = method_slot(w, r->method, r->lambda);
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

/* summary.csv, the arrays and the summary rows from the cells read back. */
static int assemble(const sweep_job *job, const job_cells *cells, summary_row **rows_out, size_t *n_rows,
                    file_list *written)
{
    const fate_sweep *w = &job->sweep;
    const size_t G = w->n_gammas, T = w->n_thetas, M = method_slots(w), K = w->instances;
    model_summary s;
    if (model_summary_build(&s, &fate_model_linear, w, cells, LAYOUT, sizeof LAYOUT / sizeof LAYOUT[0]))
        return JOB_FAILED;
    summary_row *sum = calloc(s.n ? s.n : 1, sizeof *sum);
    double *arisk = alloc_array4(G, T, M, K), *aT = alloc_array4(G, T, M, K);
    int rc = sum && arisk && aT ? model_summary_write(&s, job->dir, written) : JOB_FAILED;
    if (rc == JOB_OK) {
        for (size_t i = 0; i < s.n; i++) sum[i] = row_of_group(&s, &s.g[i]);
        fill_arrays(arisk, aT, w, &s, cells);
        /* NumPy arrays beside the CSVs (docs: commands.md, "Output arrays") */
        rc = write_arrays(w, job->dir, sum, s.n, arisk, aT, written);
    }
    free(arisk);
    free(aT);
    if (rc == JOB_OK) *rows_out = sum, *n_rows = s.n;
    else free(sum);
    model_summary_free(&s);
    return rc;
}

int sweep_job_run(const sweep_job *job, summary_row **rows_out, size_t *n_rows, file_list *written)
{
    const fate_sweep *w = &job->sweep;
    *rows_out = NULL;
    *n_rows = 0;
    char *params = sweep_params_json(w);
    const job_spec js = {job->dir, &fate_model_linear, w, params, job->quiet, job->label, lin_diverged};
    job_cells cells;
    int rc = job_run(&js, &cells, written);
    free(params);
    if (rc != JOB_OK || !cells.v) return rc;
    rc = assemble(job, &cells, rows_out, n_rows, written);
    job_cells_free(&cells);
    return rc;
}
