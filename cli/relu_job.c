/* relu_job.c - a resumable two-layer-network sweep in one folder (see
 * relu_job.h).
 *
 * Folder layout:
 *   sweep.json        the parameters the cells were computed with
 *   cells/cell_*.csv  one file per finished cell, written atomically
 *   runs.csv          every (cell, method, instance) row, in (overlap, n) order
 *   summary.csv       per (cell, method): mean, std, sem of risk and T, the
 *                     fraction converged, mean steps, and the predictions
 *   boundary.csv      per overlap: |P_perp f_t|^2 (student, source) and the
 *                     predicted boundary n* where A n^-p = |P_perp f_t|^2
 *   powerlaw.csv      the scratch fit R_sc = A n^-p with standard errors
 *   *.npy             risk, T (NO, NN, 4 or 5 with lpft, K), the grids
 * Numbers are written with 17 significant digits: what is read back from the
 * cells equals what was computed, so resumed and uninterrupted runs write the
 * same bytes.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "model_summary.h"
#include "relu_job.h"
#include "stats.h"
#include "sweep_job.h"

const char *const RELU_METHOD[RM_COUNT] = {"pretrain", "scratch", "lt", "ft", "lpft"};

size_t relu_methods_saved(const fate_relu_sweep *w)
{
    return (w->base.methods & FATE_METHOD_LPFT) ? RM_COUNT : RM_LPFT;
}

typedef struct relu_row {
    double overlap;
    size_t n;
    int method;
    size_t instance;
    double risk, risk_se, T, train_loss;
    size_t steps;
    int converged;
    double lr_eff;
    size_t lt_rank;
    double pp_student, pp_source, norm2;
} relu_row;

static const char *axis_name(const fate_relu_sweep *w) { return w->base.single_index ? "theta" : "mu"; }

/* A row of fate_model_relu2's table (the columns of runs.csv, in order). */
static relu_row row_of(const double *q)
{
    relu_row r = {.overlap = q[0], .n = (size_t)q[1], .method = (int)q[2], .instance = (size_t)q[3],
                  .risk = q[4], .risk_se = q[5], .T = q[6], .train_loss = q[7], .steps = (size_t)q[8],
                  .converged = (int)q[9], .lr_eff = q[10], .lt_rank = (size_t)q[11], .pp_student = q[12],
                  .pp_source = q[13], .norm2 = q[14]};
    return r;
}

void relu_default_spec(fate_relu_spec *s)
{
    fate_relu_spec_default(s);
    s->d = 10, s->mstar = 4, s->m = 50, s->n_src = 500, s->n_test = 4000;
    s->w_init = 1e-3, s->c_init = 1e-3;
    s->gd.lr = 0.5, s->gd.max_steps = 40000;
    s->methods = FATE_METHOD_SCRATCH | FATE_METHOD_LT | FATE_METHOD_FT;
}

char *relu_params_json(const fate_relu_sweep *w)
{
    const fate_relu_spec *s = &w->base;
    static const char *acts[] = {"relu", "tanh", "erf", "linear"};
    json_t *o = json_object();
    json_object_set_new(o, "model", json_string("relu2"));
    json_object_set_new(o, "d", json_integer((json_int_t)s->d));
    json_object_set_new(o, "mstar", json_integer((json_int_t)s->mstar));
    json_object_set_new(o, "m", json_integer((json_int_t)s->m));
    json_object_set_new(o, "act", json_string(acts[s->act]));
    json_object_set_new(o, "scaling", json_string(s->scaling == FATE_MLP_MEAN_FIELD ? "mean-field" : "standard"));
    json_object_set_new(o, "teacher", json_string(s->single_index ? "single-index" : "multi"));
    json_object_set_new(o, "n_src", json_integer((json_int_t)s->n_src));
    json_object_set_new(o, "online_src", json_boolean(s->online_src));
    json_object_set_new(o, "sigma", json_real(s->sigma));
    json_object_set_new(o, "sigma_src", json_real(s->sigma_src));
    json_object_set_new(o, "lambda", json_real(s->lambda));
    json_object_set_new(o, "rcond", json_real(s->rcond));
    json_object_set_new(o, "pperp_rcond", json_real(s->pperp_rcond));
    json_object_set_new(o, "w_init", json_real(s->w_init));
    json_object_set_new(o, "c_init", json_real(s->c_init));
    json_object_set_new(o, "lr", json_real(s->gd.lr));
    json_object_set_new(o, "steps", json_integer((json_int_t)s->gd.max_steps));
    json_object_set_new(o, "batch", json_integer((json_int_t)s->gd.batch));
    json_object_set_new(o, "tol", json_real(s->gd.tol));
    json_object_set_new(o, "rel_tol", json_real(s->gd.rel_tol));
    /* written only when they differ from plain double GD, so that folders
     * saved before these options existed resume with the same parameters */
    if (s->gd.optimizer != FATE_MLP_GD) {
        static const char *opts[] = {"gd", "momentum", "adam"};
        json_object_set_new(o, "optimizer", json_string(opts[s->gd.optimizer]));
        json_object_set_new(o, "beta1", json_real(s->gd.beta1));
        if (s->gd.optimizer == FATE_MLP_ADAM) json_object_set_new(o, "beta2", json_real(s->gd.beta2));
        if (s->optimize_pretrain) json_object_set_new(o, "optimize_pretrain", json_true());
    }
    if (s->pretrain_steps) json_object_set_new(o, "pretrain_steps", json_integer((json_int_t)s->pretrain_steps));
    if (s->pretrain_lr > 0) json_object_set_new(o, "pretrain_lr", json_real(s->pretrain_lr));
    if (s->gd.precision != FATE_MLP_DOUBLE) json_object_set_new(o, "precision", json_string("single"));
    json_object_set_new(o, "n_test", json_integer((json_int_t)s->n_test));
    json_object_set_new(o, "seed", json_seed(s->seed));
    json_object_set_new(o, "methods", json_integer((json_int_t)s->methods));
    json_object_set_new(o, "instances", json_integer((json_int_t)w->instances));
    json_t *a = json_array(), *b = json_array();
    for (size_t t = 0; t < w->n_overlaps; t++) json_array_append_new(a, json_real(w->overlaps[t]));
    for (size_t j = 0; j < w->n_ns; j++) json_array_append_new(b, json_integer((json_int_t)w->ns[j]));
    json_object_set_new(o, axis_name(w), a);
    json_object_set_new(o, "ns", b);
    json_object_set_new(o, "fate_version", json_string(fate_version()));
    char *txt = json_dumps(o, JSON_SORT_KEYS | JSON_INDENT(2) | JSON_REAL_PRECISION(17));
    json_decref(o);
    return txt;
}

void relu_result_free(relu_result *r)
{
    free(r->stat); free(r->pp_student); free(r->pp_student_sd); free(r->pp_source);
    free(r->pp_source_sd); free(r->norm2); free(r->n_star); free(r->n_star_source);
    if (r->summary) model_summary_free(r->summary);
    free(r->summary);
    free(r->summary_keys);
    memset(r, 0, sizeof *r);
}

/* summary.csv's columns after the keys and `instances`: the statistics,
 * then what the job adds: the per-overlap |P_perp f_t|^2 and the
 * predictions of the scratch fit (THEORY.md section 5); a sweep that runs
 * lpft adds the statistics of w_move last (LAYOUT_N: the others keep their
 * bytes). */
static const summary_entry LAYOUT[] = {
    {SUM_STATS, "risk", NULL}, {SUM_STATS, "T", NULL}, {SUM_MEAN, "converged", "converged_frac"},
    {SUM_MEAN, "steps", "mean_steps"}, {SUM_EXTRA, NULL, "pperp_student"}, {SUM_EXTRA, NULL, "pperp_source"},
    {SUM_EXTRA, NULL, "predicted_risk"}, {SUM_EXTRA, NULL, "predicted_T"}, {SUM_STATS, "w_move", NULL}};
enum { LAYOUT_N = sizeof LAYOUT / sizeof LAYOUT[0] - 1 };

/* The figures' per (cell, method) statistics from the summary groups. */
static void stats_of_groups(relu_result *res, const model_summary *s)
{
    const size_t NN = res->NN, M = RM_COUNT;
    for (size_t i = 0; i < res->NO * NN * M; i++)
        res->stat[i] = (relu_stat){0, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN};
    const long cm = model_column(s, "method");
    for (size_t i = 0; i < s->n; i++) {
        const summary_group *g = &s->g[i];
        const sample_stat *r = summary_stat(s, g, "risk"), *T = summary_stat(s, g, "T");
        res->stat[(g->row * NN + g->col) * M + (size_t)g->keys[cm]] =
            (relu_stat){g->count, r->mean, r->sd, r->se, T->mean, T->sd, T->se,
                        summary_stat(s, g, "converged")->mean, summary_stat(s, g, "steps")->mean};
    }
}

/* The scratch power law R_sc = A n^-p over the n grid (scratch does not
 * depend on the overlap: row 0 holds it), on n >= fit_min_n when two such
 * points exist, and the predicted boundaries n* of every row. */
static void fit_powerlaw(const relu_job *job, relu_result *res)
{
    const fate_relu_sweep *w = &job->sweep;
    const size_t NN = w->n_ns, M = RM_COUNT;
    res->A = res->p = res->A_se = res->p_se = NAN;
    double *nn = malloc(NN * sizeof *nn), *rr = malloc(NN * sizeof *rr);
    size_t k = 0, usable = 0;
    for (size_t j = 0; j < NN; j++) {
        double r = res->stat[(0 * NN + j) * M + RM_SC].mean_risk;
        usable += r > 0 && isfinite(r) && w->ns[j] >= job->fit_min_n;
    }
    const size_t nmin = usable >= 2 ? job->fit_min_n : 0;
    for (size_t j = 0; nn && rr && j < NN; j++) {
        double r = res->stat[(0 * NN + j) * M + RM_SC].mean_risk;
        if (r > 0 && isfinite(r) && w->ns[j] >= nmin) {
            if (k == 0) res->fit_n_min = w->ns[j];
            nn[k] = (double)w->ns[j];
            rr[k] = r;
            k++;
        }
    }
    res->fit_points = k;
    if (k >= 2) fate_relu_powerlaw_fit(&res->A, &res->p, &res->A_se, &res->p_se, nn, rr, k);
    free(nn);
    free(rr);
    for (size_t t = 0; t < w->n_overlaps; t++) {
        res->n_star[t] = fate_relu_boundary(res->A, res->p, res->pp_student[t]);
        res->n_star_source[t] = fate_relu_boundary(res->A, res->p, res->pp_source[t]);
    }
}

/* The job's columns of summary.csv: |P_perp f_t|^2 of the overlap and the
 * predictions: scratch from the fit; linear transfer tends to |P_perp f_t|^2
 * (THEORY.md section 5), so T_lt -> A n^-p - it. Fine-tuning and LP-FT have
 * no prediction (NaN; LP-FT is simulation only). */
static void fill_extras(model_summary *s, const relu_job *job, const relu_result *res)
{
    const fate_relu_sweep *w = &job->sweep;
    const long cm = model_column(s, "method");
    for (size_t i = 0; i < s->n; i++) {
        summary_group *g = &s->g[i];
        const size_t t = g->row, m = (size_t)g->keys[cm];
        const double fit = res->A * pow((double)w->ns[g->col], -res->p);
        g->extra[0] = res->pp_student[t];
        g->extra[1] = res->pp_source[t];
        g->extra[2] = m == RM_SC ? fit : m == RM_LT ? res->pp_student[t] : NAN;
        g->extra[3] = m == RM_SC ? 0.0 : m == RM_LT ? fit - res->pp_student[t] : NAN;
    }
}

/* powerlaw.csv and boundary.csv. */
static void put_fit(FILE *pf, FILE *bf, const relu_job *job, const relu_result *res)
{
    const fate_relu_sweep *w = &job->sweep;
    fprintf(pf, "A,A_se,p,p_se,points,n_min\n");
    put_num(pf, res->A); fputc(',', pf); put_num(pf, res->A_se); fputc(',', pf);
    put_num(pf, res->p); fputc(',', pf); put_num(pf, res->p_se);
    fprintf(pf, ",%zu,%zu\n", res->fit_points, res->fit_n_min);
    fprintf(bf, "%s,pperp_student,pperp_student_std,pperp_source,pperp_source_std,target_norm2,"
                "n_star_student,n_star_source\n", axis_name(w));
    for (size_t t = 0; t < w->n_overlaps; t++) {
        const double v[] = {w->overlaps[t], res->pp_student[t], res->pp_student_sd[t], res->pp_source[t],
                            res->pp_source_sd[t], res->norm2[t], res->n_star[t], res->n_star_source[t]};
        for (size_t q = 0; q < sizeof v / sizeof v[0]; q++) { if (q) fputc(',', bf); put_num(bf, v[q]); }
        fputc('\n', bf);
    }
}

/* Writes summary.csv (the one writer, model_summary.c), powerlaw.csv and
 * boundary.csv. */
static int write_texts(const relu_job *job, model_summary *s, const relu_result *res, file_list *written)
{
    fill_extras(s, job, res);
    int rc = model_summary_write(s, job->dir, written);
    char *txt[2] = {NULL, NULL};
    size_t len[2] = {0, 0};
    FILE *f[2];
    int ok = 1;
    for (int k = 0; k < 2; k++) ok &= (f[k] = open_memstream(&txt[k], &len[k])) != NULL;
    if (ok) put_fit(f[0], f[1], job, res);
    for (int k = 0; k < 2; k++)
        if (f[k]) fclose(f[k]);
    const job_text files[] = {{"powerlaw.csv", txt[0], len[0]}, {"boundary.csv", txt[1], len[1]}};
    if (rc == JOB_OK) rc = ok ? job_write_texts(job->dir, files, 2, written) : JOB_FAILED;
    for (int k = 0; k < 2; k++) free(txt[k]);
    return rc;
}

/* risk.npy, T.npy (NO, NN, relu_methods_saved, K) and the grids. */
static int write_arrays(const relu_job *job, const double *arisk, const double *aT, file_list *written)
{
    const fate_relu_sweep *w = &job->sweep;
    const size_t NO = w->n_overlaps, NN = w->n_ns;
    double *nsd = malloc(NN * sizeof *nsd);
    if (!nsd) return JOB_FAILED;
    for (size_t j = 0; j < NN; j++) nsd[j] = (double)w->ns[j];
    const size_t r4[4] = {NO, NN, relu_methods_saved(w), w->instances}, so[1] = {NO}, sn[1] = {NN};
    char oname[32];
    snprintf(oname, sizeof oname, "%ss.npy", axis_name(w));
    const job_array arrs[] = {{"risk.npy", arisk, r4, 4}, {"T.npy", aT, r4, 4}, {oname, w->overlaps, so, 1},
                              {"ns.npy", nsd, sn, 1}};
    int rc = job_write_arrays(job->dir, arrs, sizeof arrs / sizeof arrs[0], written);
    free(nsd);
    return rc;
}

/* The per-instance arrays (NO, NN, relu_methods_saved, K) and the per-overlap
 * |P_perp f_t|^2 and target norms over instances (NO, K) from the cells. */
static void cell_arrays(double *arisk, double *aT, double *pps, double *ppo, double *nrm, const relu_job *job,
                        const job_cells *cells)
{
    const fate_relu_sweep *w = &job->sweep;
    const size_t NO = w->n_overlaps, NN = w->n_ns, K = w->instances, M = relu_methods_saved(w);
    for (size_t i = 0; i < NO * NN * M * K; i++) arisk[i] = aT[i] = NAN;
    for (size_t i = 0; i < NO * K; i++) pps[i] = ppo[i] = nrm[i] = NAN;
    for (size_t t = 0; t < NO; t++)
        for (size_t j = 0; j < NN; j++)
            for (size_t r = 0; r < cells->n[t * NN + j]; r++) {
                const relu_row q = row_of(cells->v[t * NN + j] + r * cells->ncol);
                if (q.instance >= K || (size_t)q.method >= M) continue;
                const size_t at = ((t * NN + j) * M + (size_t)q.method) * K + q.instance;
                arisk[at] = q.risk;
                aT[at] = q.T;
                pps[t * K + q.instance] = q.pp_student;
                ppo[t * K + q.instance] = q.pp_source;
                nrm[t * K + q.instance] = q.norm2;
            }
}

static int alloc_result(relu_result *res, const fate_relu_sweep *w)
{
    const size_t NO = w->n_overlaps, NN = w->n_ns;
    memset(res, 0, sizeof *res);
    res->NO = NO, res->NN = NN, res->K = w->instances, res->overlaps = w->overlaps, res->ns = w->ns;
    res->stat = calloc(NO * NN * RM_COUNT, sizeof *res->stat);
    res->pp_student = malloc(NO * sizeof(double)), res->pp_student_sd = malloc(NO * sizeof(double));
    res->pp_source = malloc(NO * sizeof(double)), res->pp_source_sd = malloc(NO * sizeof(double));
    res->norm2 = malloc(NO * sizeof(double));
    res->n_star = malloc(NO * sizeof(double)), res->n_star_source = malloc(NO * sizeof(double));
    res->summary = calloc(1, sizeof *res->summary);
    return res->stat && res->pp_student && res->pp_student_sd && res->pp_source && res->pp_source_sd &&
           res->norm2 && res->n_star && res->n_star_source && res->summary ? 0 : -1;
}

/* The summary outlives the cells its groups' keys point into (the figures
 * read it after relu_job_run): the keys get a copy of their own. */
static int own_keys(relu_result *res)
{
    const model_summary *s = res->summary;
    res->summary_keys = malloc((s->n * s->ncol + 1) * sizeof *res->summary_keys);
    if (!res->summary_keys) return -1;
    for (size_t i = 0; i < s->n; i++) {
        memcpy(res->summary_keys + i * s->ncol, s->g[i].keys, s->ncol * sizeof *res->summary_keys);
        s->g[i].keys = res->summary_keys + i * s->ncol;
    }
    return 0;
}

/* Writes summary.csv, powerlaw.csv, boundary.csv and the arrays from the
 * cells read back by the job; fills res. */
static int assemble(const relu_job *job, const job_cells *cells, relu_result *res, file_list *written)
{
    const fate_relu_sweep *w = &job->sweep;
    const size_t NO = w->n_overlaps, NN = w->n_ns, K = w->instances, M = relu_methods_saved(w);
    double *arisk = malloc(NO * NN * M * K * sizeof *arisk), *aT = malloc(NO * NN * M * K * sizeof *aT);
    double *pps = malloc(NO * K * sizeof *pps), *ppo = malloc(NO * K * sizeof *ppo);
    double *nrm = malloc(NO * K * sizeof *nrm);
    int rc = JOB_FAILED;
    if (alloc_result(res, w) || !arisk || !aT || !pps || !ppo || !nrm ||
        model_summary_build(res->summary, &fate_model_relu2, w, cells, LAYOUT,
                            LAYOUT_N + ((w->base.methods & FATE_METHOD_LPFT) != 0)))
        goto done;
    cell_arrays(arisk, aT, pps, ppo, nrm, job, cells);
    stats_of_groups(res, res->summary);
    for (size_t t = 0; t < NO; t++) {
        const sample_stat a = stats_finite(pps + t * K, K), b = stats_finite(ppo + t * K, K);
        res->pp_student[t] = a.mean, res->pp_student_sd[t] = a.sd;
        res->pp_source[t] = b.mean, res->pp_source_sd[t] = b.sd;
        res->norm2[t] = stats_finite(nrm + t * K, K).mean;
    }
    fit_powerlaw(job, res);
    rc = write_texts(job, res->summary, res, written);
    if (rc == JOB_OK) rc = write_arrays(job, arisk, aT, written);
    if (rc == JOB_OK && own_keys(res)) rc = JOB_FAILED;
done:
    free(arisk); free(aT); free(pps); free(ppo); free(nrm);
    if (rc != JOB_OK) relu_result_free(res);
    return rc;
}

/* Where a divergence happened, for job.c's message: pretraining does not
 * depend on n, scratch not on the overlap. */
static void relu_diverged(const void *sweep, const fate_sweep_error *e, char *where, size_t wsize, char *lr,
                          size_t lsize)
{
    const fate_relu_sweep *w = sweep;
    if (e->method == 0)
        snprintf(where, wsize, "%s = %g", axis_name(w), w->overlaps[e->theta_index]);
    else if (e->method == FATE_METHOD_SCRATCH)
        snprintf(where, wsize, "n = %zu", w->ns[e->gamma_index]);
    else
        snprintf(where, wsize, "%s = %g, n = %zu", axis_name(w), w->overlaps[e->theta_index],
                 w->ns[e->gamma_index]);
    /* at --lambda 0 the probe's minimum-norm readout is of order 1/|w_i| on
     * near-dead neurons: fine-tuning from it diverges at ft's rate */
    if (e->method == FATE_METHOD_LPFT && w->base.lambda == 0.0)
        snprintf(lr, lsize, "%g; or give LP-FT's probe a ridge, --lambda 1e-4", w->base.gd.lr);
    else if (e->method == 0 && w->base.pretrain_lr > 0)
        snprintf(lr, lsize, "%g; pretraining runs at --pretrain-lr %g: lower that", w->base.gd.lr,
                 w->base.pretrain_lr);
    else
        snprintf(lr, lsize, "%g", w->base.gd.lr);
}

int relu_job_run(const relu_job *job, relu_result *res, file_list *written)
{
    memset(res, 0, sizeof *res);
    char *params = relu_params_json(&job->sweep);
    const job_spec js = {job->dir, &fate_model_relu2, &job->sweep, params, job->quiet, job->label,
                         relu_diverged};
    job_cells cells;
    int rc = job_run(&js, &cells, written);
    free(params);
    if (rc != JOB_OK || !cells.v) return rc;
    rc = assemble(job, &cells, res, written);
    job_cells_free(&cells);
    return rc;
}
