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
 *   *.npy             risk, T (NO, NN, 4, K), summary, the grids
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
#include "relu_job.h"
#include "stats.h"
#include "sweep_job.h"

const char *const RELU_METHOD[RM_COUNT] = {"pretrain", "scratch", "lt", "ft"};

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
    memset(r, 0, sizeof *r);
}

/* Statistics over instances of each method of one cell (out: RM_COUNT);
 * x, y: scratch of K doubles. */
static void cell_stats(relu_stat *out, const relu_row *rows, size_t n, double *x, double *y)
{
    for (size_t m = 0; m < RM_COUNT; m++) {
        relu_stat *s = &out[m];
        size_t k = 0;
        double conv = 0, steps = 0;
        for (size_t r = 0; r < n; r++)
            if ((size_t)rows[r].method == m) {
                x[k] = rows[r].risk;
                y[k] = rows[r].T;
                conv += rows[r].converged;
                steps += (double)rows[r].steps;
                k++;
            }
        s->count = k;
        if (k == 0) {
            s->mean_risk = s->std_risk = s->sem_risk = s->mean_T = s->std_T = s->sem_T = NAN;
            s->converged_frac = s->mean_steps = NAN;
            continue;
        }
        const sample_stat sr = stats_finite(x, k), sT = stats_finite(y, k);
        s->mean_risk = sr.mean, s->std_risk = sr.sd, s->mean_T = sT.mean, s->std_T = sT.sd;
        s->sem_risk = s->std_risk / sqrt((double)k);
        s->sem_T = s->std_T / sqrt((double)k);
        s->converged_frac = conv / (double)k;
        s->mean_steps = steps / (double)k;
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

/* summary.csv: per (cell, method) statistics and the predictions. */
static void put_summary(FILE *sf, const relu_job *job, const relu_result *res)
{
    const fate_relu_sweep *w = &job->sweep;
    const size_t NO = w->n_overlaps, NN = w->n_ns, M = RM_COUNT;
    fprintf(sf, "%s,n,method,instances,mean_risk,std_risk,sem_risk,mean_T,std_T,sem_T,converged_frac,"
                "mean_steps,pperp_student,pperp_source,predicted_risk,predicted_T\n", axis_name(w));
    for (size_t t = 0; t < NO; t++)
        for (size_t j = 0; j < NN; j++)
            for (size_t m = 0; m < M; m++) {
                const relu_stat *s = &res->stat[(t * NN + j) * M + m];
                if (s->count == 0) continue;
                /* predictions: scratch from the fit; linear transfer tends to
                 * |P_perp f_t|^2 (THEORY.md section 5), so T_lt -> A n^-p - it */
                double fit = res->A * pow((double)w->ns[j], -res->p);
                double pr = m == RM_SC ? fit : m == RM_LT ? res->pp_student[t] : NAN;
                double pT = m == RM_SC ? 0.0 : m == RM_LT ? fit - res->pp_student[t] : NAN;
                put_num(sf, w->overlaps[t]);
                fprintf(sf, ",%zu,%s,%zu", w->ns[j], RELU_METHOD[m], s->count);
                const double v[] = {s->mean_risk, s->std_risk, s->sem_risk, s->mean_T, s->std_T, s->sem_T,
                                    s->converged_frac, s->mean_steps, res->pp_student[t], res->pp_source[t],
                                    pr, pT};
                for (size_t q = 0; q < sizeof v / sizeof v[0]; q++) { fputc(',', sf); put_num(sf, v[q]); }
                fputc('\n', sf);
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

/* Writes summary.csv, powerlaw.csv and boundary.csv. */
static int write_texts(const relu_job *job, const relu_result *res, file_list *written)
{
    char *txt[3] = {NULL, NULL, NULL};
    size_t len[3] = {0, 0, 0};
    FILE *f[3];
    int ok = 1;
    for (int k = 0; k < 3; k++) ok &= (f[k] = open_memstream(&txt[k], &len[k])) != NULL;
    if (ok) {
        put_summary(f[0], job, res);
        put_fit(f[1], f[2], job, res);
    }
    for (int k = 0; k < 3; k++)
        if (f[k]) fclose(f[k]);
    const job_text files[] = {{"summary.csv", txt[0], len[0]}, {"powerlaw.csv", txt[1], len[1]},
                              {"boundary.csv", txt[2], len[2]}};
    int rc = ok ? job_write_texts(job->dir, files, 3, written) : JOB_FAILED;
    for (int k = 0; k < 3; k++) free(txt[k]);
    return rc;
}

/* risk.npy, T.npy (NO, NN, RM_COUNT, K) and the grids. */
static int write_arrays(const relu_job *job, const double *arisk, const double *aT, file_list *written)
{
    const fate_relu_sweep *w = &job->sweep;
    const size_t NO = w->n_overlaps, NN = w->n_ns;
    double *nsd = malloc(NN * sizeof *nsd);
    if (!nsd) return JOB_FAILED;
    for (size_t j = 0; j < NN; j++) nsd[j] = (double)w->ns[j];
    const size_t r4[4] = {NO, NN, RM_COUNT, w->instances}, so[1] = {NO}, sn[1] = {NN};
    char oname[32];
    snprintf(oname, sizeof oname, "%ss.npy", axis_name(w));
    const job_array arrs[] = {{"risk.npy", arisk, r4, 4}, {"T.npy", aT, r4, 4}, {oname, w->overlaps, so, 1},
                              {"ns.npy", nsd, sn, 1}};
    int rc = job_write_arrays(job->dir, arrs, sizeof arrs / sizeof arrs[0], written);
    free(nsd);
    return rc;
}

/* Writes summary.csv, powerlaw.csv, boundary.csv and the arrays from the
 * cells read back by the job; fills res. */
static int assemble(const relu_job *job, const job_cells *cells, relu_result *res, file_list *written)
{
    const fate_relu_sweep *w = &job->sweep;
    const size_t NO = w->n_overlaps, NN = w->n_ns, K = w->instances, M = RM_COUNT;
    memset(res, 0, sizeof *res);
    res->NO = NO, res->NN = NN, res->K = K, res->overlaps = w->overlaps, res->ns = w->ns;
    res->stat = calloc(NO * NN * M, sizeof *res->stat);
    res->pp_student = malloc(NO * sizeof(double)), res->pp_student_sd = malloc(NO * sizeof(double));
    res->pp_source = malloc(NO * sizeof(double)), res->pp_source_sd = malloc(NO * sizeof(double));
    res->norm2 = malloc(NO * sizeof(double));
    res->n_star = malloc(NO * sizeof(double)), res->n_star_source = malloc(NO * sizeof(double));
    double *arisk = malloc(NO * NN * M * K * sizeof *arisk), *aT = malloc(NO * NN * M * K * sizeof *aT);
    double *pps = malloc(NO * K * sizeof *pps), *ppo = malloc(NO * K * sizeof *ppo);
    double *nrm = malloc(NO * K * sizeof *nrm);
    double *x = malloc(K * sizeof *x), *y = malloc(K * sizeof *y);
    int rc = JOB_FAILED;
    if (!res->stat || !res->pp_student || !res->pp_student_sd || !res->pp_source || !res->pp_source_sd ||
        !res->norm2 || !res->n_star || !res->n_star_source || !arisk || !aT || !pps || !ppo || !nrm ||
        !x || !y)
        goto done;
    for (size_t i = 0; i < NO * NN * M * K; i++) arisk[i] = aT[i] = NAN;
    for (size_t i = 0; i < NO * K; i++) pps[i] = ppo[i] = nrm[i] = NAN;
    for (size_t t = 0; t < NO; t++)
        for (size_t j = 0; j < NN; j++) {
            const size_t n = cells->n[t * NN + j];
            relu_row *rows = malloc(n * sizeof *rows);
            if (!rows) goto done;
            for (size_t r = 0; r < n; r++) rows[r] = row_of(cells->v[t * NN + j] + r * cells->ncol);
            for (size_t r = 0; r < n; r++) {
                if (rows[r].instance >= K) continue;
                size_t at = ((t * NN + j) * M + (size_t)rows[r].method) * K + rows[r].instance;
                arisk[at] = rows[r].risk;
                aT[at] = rows[r].T;
                pps[t * K + rows[r].instance] = rows[r].pp_student;
                ppo[t * K + rows[r].instance] = rows[r].pp_source;
                nrm[t * K + rows[r].instance] = rows[r].norm2;
            }
            cell_stats(&res->stat[(t * NN + j) * M], rows, n, x, y);
            free(rows);
        }
    for (size_t t = 0; t < NO; t++) {
        const sample_stat a = stats_finite(pps + t * K, K), b = stats_finite(ppo + t * K, K);
        res->pp_student[t] = a.mean, res->pp_student_sd[t] = a.sd;
        res->pp_source[t] = b.mean, res->pp_source_sd[t] = b.sd;
        res->norm2[t] = stats_finite(nrm + t * K, K).mean;
    }
    fit_powerlaw(job, res);
    rc = write_texts(job, res, written);
    if (rc == JOB_OK) rc = write_arrays(job, arisk, aT, written);
done:
    free(arisk); free(aT); free(pps); free(ppo); free(nrm); free(x); free(y);
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
