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
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fate_npy.h"
#include "manifest.h"
#include "par.h"
#include "relu_job.h"
#include "sweep_job.h"

const char *const RELU_METHOD[RM_COUNT] = {"pretrain", "scratch", "lt", "ft"};
#define NFIELDS 15
static const char *ROW_TAIL = "n,method,instance,risk,risk_se,T,train_loss,steps,converged,lr_eff,"
                              "lt_rank,pperp_student,pperp_source,target_norm2";

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

static void put_row(FILE *f, const relu_row *r)
{
    put_num(f, r->overlap);
    fprintf(f, ",%zu,%s,%zu,", r->n, RELU_METHOD[r->method], r->instance);
    const double a[4] = {r->risk, r->risk_se, r->T, r->train_loss};
    for (int k = 0; k < 4; k++) { put_num(f, a[k]); fputc(',', f); }
    fprintf(f, "%zu,%d,", r->steps, r->converged);
    put_num(f, r->lr_eff);
    fprintf(f, ",%zu,", r->lt_rank);
    put_num(f, r->pp_student);
    fputc(',', f);
    put_num(f, r->pp_source);
    fputc(',', f);
    put_num(f, r->norm2);
    fputc('\n', f);
}

/* Rows of one sealed cell file (cell_unseal with id); -1 and *why if
 * missing, damaged or malformed (then recomputed). */
static long read_rows(const char *path, const char *axis, const char *id, relu_row **rows, const char **why)
{
    *rows = NULL;
    char line[2048], head[512];
    snprintf(head, sizeof head, "%s,%s", axis, ROW_TAIL);
    char *text;
    if (cell_unseal(path, head, id, &text, why) != 0) return -1;
    FILE *f = fmemopen(text, strlen(text) + 1, "r");
    if (!f) { free(text); *why = "out of memory"; return -1; }
    long n = 0, cap = 0;
    relu_row *v = NULL;
    while (fgets(line, sizeof line, f) && line[0] != '\0') {
        char *fld[NFIELDS];
        if (csv_fields(line, fld, NFIELDS) != 0) goto bad;
        if (n == cap) {
            cap = cap ? 2 * cap : 32;
            relu_row *nv = realloc(v, (size_t)cap * sizeof *v);
            if (!nv) goto bad;
            v = nv;
        }
        relu_row *r = &v[n];
        memset(r, 0, sizeof *r);
        r->method = -1;
        for (int m = 0; m < RM_COUNT; m++)
            if (!strcmp(fld[2], RELU_METHOD[m])) r->method = m;
        size_t conv;
        if (r->method < 0 || parse_d(fld[0], &r->overlap) || parse_z(fld[1], &r->n) ||
            parse_z(fld[3], &r->instance) || parse_d(fld[4], &r->risk) || parse_d(fld[5], &r->risk_se) ||
            parse_d(fld[6], &r->T) || parse_d(fld[7], &r->train_loss) || parse_z(fld[8], &r->steps) ||
            parse_z(fld[9], &conv) || parse_d(fld[10], &r->lr_eff) || parse_z(fld[11], &r->lt_rank) ||
            parse_d(fld[12], &r->pp_student) || parse_d(fld[13], &r->pp_source) ||
            parse_d(fld[14], &r->norm2))
            goto bad;
        r->converged = (int)conv;
        n++;
    }
    fclose(f);
    free(text);
    *rows = v;
    return n;
bad:
    fclose(f);
    free(text);
    free(v);
    *why = "a malformed row";
    return -1;
}

static relu_row make_row(const fate_relu_cell *c, int method, size_t i, const fate_relu_method_result *r)
{
    relu_row o = {.overlap = c->overlap, .n = c->n, .method = method, .instance = i,
                  .risk = r->risk, .risk_se = r->risk_se, .train_loss = r->train_loss,
                  .steps = r->steps, .converged = r->converged, .lr_eff = r->lr_eff};
    o.T = method == RM_PRE ? NAN : method == RM_SC ? 0.0 : c->scratch ? c->scratch[i].risk - r->risk : NAN;
    o.lt_rank = method == RM_LT && c->lt_rank ? c->lt_rank[i] : 0;
    o.pp_student = c->pperp_student[i];
    o.pp_source = c->pperp_source[i];
    o.norm2 = c->target_norm2[i];
    return o;
}

/* What a cell file must say it is (see cell_seal): grid indices, the cell's
 * overlap and n, and the hash of the sweep's parameters. */
static void cell_id(char *buf, size_t size, const fate_relu_sweep *w, size_t t, size_t j, uint64_t phash)
{
    snprintf(buf, size, "g=%zu t=%zu %s=%.17g n=%zu sweep=%016llx", j, t, axis_name(w), w->overlaps[t],
             w->ns[j], (unsigned long long)phash);
}

static char *cell_text(const fate_relu_cell *c, const char *axis, const char *id)
{
    char *txt = NULL;
    size_t len = 0;
    char head[512];
    snprintf(head, sizeof head, "%s,%s", axis, ROW_TAIL);
    FILE *f = open_memstream(&txt, &len);
    if (!f) return NULL;
    const fate_relu_method_result *m[RM_COUNT] = {c->pretrain, c->scratch, c->lt, c->ft};
    for (int k = 0; k < RM_COUNT; k++)
        for (size_t i = 0; m[k] && i < c->instances; i++) {
            relu_row r = make_row(c, k, i, &m[k][i]);
            put_row(f, &r);
        }
    fclose(f);
    return cell_seal(head, id, txt);
}

static size_t methods_run(const fate_relu_sweep *w)
{
    unsigned m = w->base.methods;
    int pre = (m & (FATE_METHOD_LT | FATE_METHOD_FT)) != 0;
    return (size_t)pre + ((m & FATE_METHOD_SCRATCH) != 0) + ((m & FATE_METHOD_LT) != 0) +
           ((m & FATE_METHOD_FT) != 0);
}

/* The rows of cell (t, j) from its file, checked against the grid: the cell's
 * overlap and n, and every (method run, instance < K) exactly once. -1 if the
 * file is missing, malformed or holds other rows (then it is recomputed). */
static long load_cell(const relu_job *job, size_t t, size_t j, uint64_t phash, relu_row **rows,
                      const char **why)
{
    const fate_relu_sweep *w = &job->sweep;
    char path[4096], id[256];
    cell_path(path, sizeof path, job->dir, j, t);
    cell_id(id, sizeof id, w, t, j, phash);
    long n = read_rows(path, axis_name(w), id, rows, why);
    if (n < 0) return -1;
    const unsigned m = w->base.methods;
    const int run[RM_COUNT] = {(m & (FATE_METHOD_LT | FATE_METHOD_FT)) != 0, (m & FATE_METHOD_SCRATCH) != 0,
                               (m & FATE_METHOD_LT) != 0, (m & FATE_METHOD_FT) != 0};
    const size_t K = w->instances;
    unsigned char *seen = calloc(RM_COUNT * K, 1);
    int ok = seen != NULL && n == (long)(K * methods_run(w));
    for (long r = 0; ok && r < n; r++) {
        const relu_row *q = &(*rows)[r];
        ok = q->overlap == w->overlaps[t] && q->n == w->ns[j] && q->instance < K && run[q->method] &&
             !seen[(size_t)q->method * K + q->instance];
        if (ok) seen[(size_t)q->method * K + q->instance] = 1;
    }
    free(seen);
    if (!ok) {
        free(*rows);
        *rows = NULL;
        *why = "its rows are not those of this cell";
        return -1;
    }
    return n;
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

typedef struct hook_ctx {
    const relu_job *job;
    job_progress pg;
    int tty, write_failed;
    uint64_t phash;
} hook_ctx;

static int hk_skip(void *p, size_t t, size_t j)
{
    hook_ctx *h = p;
    if (par_size() > 1 && (int)(t % (size_t)par_size()) != par_rank()) return 1;
    relu_row *rows;
    const char *why = NULL;
    long n = load_cell(h->job, t, j, h->phash, &rows, &why);
    free(rows);
    if (n >= 0) {
        job_progress_cell(&h->pg);
        return 1;
    }
    if (why) {
        char path[4096];
        cell_path(path, sizeof path, h->job->dir, j, t);
        cell_warn(path, why);
    }
    return 0;
}

static int hk_cell(void *p, const fate_relu_cell *c)
{
    hook_ctx *h = p;
    char path[4096], id[256];
    cell_path(path, sizeof path, h->job->dir, c->n_index, c->overlap_index);
    cell_id(id, sizeof id, &h->job->sweep, c->overlap_index, c->n_index, h->phash);
    if (save_cell_text(path, cell_text(c, axis_name(&h->job->sweep), id), h->tty) != 0) {
        h->write_failed = 1;
        return 1;
    }
    job_progress_cell(&h->pg);
    return 0;
}

static int hk_stop(void *p)
{
    (void)p;
    return job_interrupted();
}

static void hk_progress(void *p, size_t done, size_t total)
{
    job_progress_items(&((hook_ctx *)p)->pg, done, total);
}

void relu_result_free(relu_result *r)
{
    free(r->stat); free(r->pp_student); free(r->pp_student_sd); free(r->pp_source);
    free(r->pp_source_sd); free(r->norm2); free(r->n_star); free(r->n_star_source);
    memset(r, 0, sizeof *r);
}

static void mean_sd(const double *x, size_t n, double *mean, double *sd)
{
    double m = 0, v = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i])) { m += x[i]; k++; }
    if (k == 0) { *mean = *sd = NAN; return; }
    m /= (double)k;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i])) v += (x[i] - m) * (x[i] - m);
    *mean = m;
    *sd = k > 1 ? sqrt(v / (double)(k - 1)) : NAN;
}

static const char *method_name(unsigned m)
{
    return m == 0 ? "pretraining" : m == FATE_METHOD_SCRATCH ? "scratch training"
         : m == FATE_METHOD_LT ? "linear transfer" : "fine-tuning";
}

/* Writes runs.csv, summary.csv, powerlaw.csv, boundary.csv and the arrays
 * from the cells; fills res. */
static int assemble(const relu_job *job, uint64_t phash, relu_result *res, file_list *written)
{
    const fate_relu_sweep *w = &job->sweep;
    const char *dir = job->dir, *axis = axis_name(w);
    const size_t NO = w->n_overlaps, NN = w->n_ns, K = w->instances, M = RM_COUNT;
    char path[4096];
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
    char *runs = NULL;
    size_t runs_len = 0;
    FILE *rf = open_memstream(&runs, &runs_len);
    int rc = JOB_FAILED;
    if (!res->stat || !res->pp_student || !res->pp_student_sd || !res->pp_source || !res->pp_source_sd ||
        !res->norm2 || !res->n_star || !res->n_star_source || !arisk || !aT || !pps || !ppo || !nrm ||
        !x || !y || !rf)
        goto done;
    for (size_t i = 0; i < NO * NN * M * K; i++) arisk[i] = aT[i] = NAN;
    for (size_t i = 0; i < NO * K; i++) pps[i] = ppo[i] = nrm[i] = NAN;
    fprintf(rf, "%s,%s\n", axis, ROW_TAIL);
    for (size_t t = 0; t < NO; t++)
        for (size_t j = 0; j < NN; j++) {
            relu_row *rows;
            const char *why = NULL;
            cell_path(path, sizeof path, dir, j, t);
            long n = load_cell(job, t, j, phash, &rows, &why);
            if (n <= 0) {
                fprintf(stderr, "fate: %s is missing or damaged (%s); rerun to recompute it\n", path,
                        why ? why : "missing");
                free(rows);
                goto done;
            }
            for (long r = 0; r < n; r++) {
                put_row(rf, &rows[r]);
                if (rows[r].instance >= K) continue;
                size_t at = ((t * NN + j) * M + (size_t)rows[r].method) * K + rows[r].instance;
                arisk[at] = rows[r].risk;
                aT[at] = rows[r].T;
                pps[t * K + rows[r].instance] = rows[r].pp_student;
                ppo[t * K + rows[r].instance] = rows[r].pp_source;
                nrm[t * K + rows[r].instance] = rows[r].norm2;
            }
            for (size_t m = 0; m < M; m++) {
                relu_stat *s = &res->stat[(t * NN + j) * M + m];
                size_t k = 0;
                double conv = 0, steps = 0;
                for (long r = 0; r < n; r++)
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
                mean_sd(x, k, &s->mean_risk, &s->std_risk);
                mean_sd(y, k, &s->mean_T, &s->std_T);
                s->sem_risk = s->std_risk / sqrt((double)k);
                s->sem_T = s->std_T / sqrt((double)k);
                s->converged_frac = conv / (double)k;
                s->mean_steps = steps / (double)k;
            }
            free(rows);
        }
    fclose(rf);
    rf = NULL;
    for (size_t t = 0; t < NO; t++) {
        double sd;
        mean_sd(pps + t * K, K, &res->pp_student[t], &res->pp_student_sd[t]);
        mean_sd(ppo + t * K, K, &res->pp_source[t], &res->pp_source_sd[t]);
        mean_sd(nrm + t * K, K, &res->norm2[t], &sd);
    }
    /* scratch power law over the n grid (scratch does not depend on the
     * overlap: row 0 holds it) */
    res->A = res->p = res->A_se = res->p_se = NAN;
    {
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
    }
    for (size_t t = 0; t < NO; t++) {
        res->n_star[t] = fate_relu_boundary(res->A, res->p, res->pp_student[t]);
        res->n_star_source[t] = fate_relu_boundary(res->A, res->p, res->pp_source[t]);
    }

    /* summary.csv */
    char *stxt = NULL;
    size_t slen = 0;
    FILE *sf = open_memstream(&stxt, &slen);
    if (!sf) goto done;
    fprintf(sf, "%s,n,method,instances,mean_risk,std_risk,sem_risk,mean_T,std_T,sem_T,converged_frac,"
                "mean_steps,pperp_student,pperp_source,predicted_risk,predicted_T\n", axis);
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
    fclose(sf);
    /* powerlaw.csv and boundary.csv */
    char *ptxt = NULL, *btxt = NULL;
    size_t plen = 0, blen = 0;
    FILE *pf = open_memstream(&ptxt, &plen), *bf = open_memstream(&btxt, &blen);
    if (!pf || !bf) { if (pf) fclose(pf); if (bf) fclose(bf); free(ptxt); free(btxt); free(stxt); goto done; }
    fprintf(pf, "A,A_se,p,p_se,points,n_min\n");
    put_num(pf, res->A); fputc(',', pf); put_num(pf, res->A_se); fputc(',', pf);
    put_num(pf, res->p); fputc(',', pf); put_num(pf, res->p_se);
    fprintf(pf, ",%zu,%zu\n", res->fit_points, res->fit_n_min);
    fclose(pf);
    fprintf(bf, "%s,pperp_student,pperp_student_std,pperp_source,pperp_source_std,target_norm2,"
                "n_star_student,n_star_source\n", axis);
    for (size_t t = 0; t < NO; t++) {
        const double v[] = {w->overlaps[t], res->pp_student[t], res->pp_student_sd[t], res->pp_source[t],
                            res->pp_source_sd[t], res->norm2[t], res->n_star[t], res->n_star_source[t]};
        for (size_t q = 0; q < sizeof v / sizeof v[0]; q++) { if (q) fputc(',', bf); put_num(bf, v[q]); }
        fputc('\n', bf);
    }
    fclose(bf);
    const job_text files[] = {{"runs.csv", runs, runs_len}, {"summary.csv", stxt, slen},
                              {"powerlaw.csv", ptxt, plen}, {"boundary.csv", btxt, blen}};
    rc = job_write_texts(dir, files, 4, written);
    free(stxt);
    free(ptxt);
    free(btxt);
    if (rc == JOB_OK) {
        double *nsd = malloc(NN * sizeof *nsd);
        if (!nsd) { rc = JOB_FAILED; goto done; }
        for (size_t j = 0; j < NN; j++) nsd[j] = (double)w->ns[j];
        const size_t r4[4] = {NO, NN, M, K}, so[1] = {NO}, sn[1] = {NN};
        char oname[32];
        snprintf(oname, sizeof oname, "%ss.npy", axis);
        struct { const char *name; const double *data; const size_t *shape; size_t nd; } arrs[] = {
            {"risk.npy", arisk, r4, 4}, {"T.npy", aT, r4, 4}, {oname, w->overlaps, so, 1},
            {"ns.npy", nsd, sn, 1}};
        for (size_t i = 0; i < sizeof arrs / sizeof arrs[0]; i++) {
            snprintf(path, sizeof path, "%s/%s", dir, arrs[i].name);
            if (fate_npy_write(path, arrs[i].data, arrs[i].shape, arrs[i].nd) != FATE_OK) {
                fprintf(stderr, "fate: cannot write %s: %s\n", path, strerror(errno));
                rc = JOB_FAILED;
                break;
            }
            file_list_add(written, path);
        }
        free(nsd);
    }
done:
    if (rf) fclose(rf);
    free(runs); free(arisk); free(aT); free(pps); free(ppo); free(nrm); free(x); free(y);
    if (rc != JOB_OK) relu_result_free(res);
    return rc;
}

int relu_job_run(const relu_job *job, relu_result *res, file_list *written)
{
    const fate_relu_sweep *w = &job->sweep;
    char path[4096];
    memset(res, 0, sizeof *res);
    snprintf(path, sizeof path, "%s/cells", job->dir);
    if (make_dirs(path) != 0) {
        fprintf(stderr, "fate: cannot create output folder %s: %s\n", path, strerror(errno));
        return JOB_FAILED;
    }
    int bad = 0;
    char *params = relu_params_json(w);
    const uint64_t phash = params ? fnv1a64(params, strlen(params)) : 0;
    if (par_root()) {
        bad = job_sync_params(job->dir, params) != 0;
        remove_stale_tmp(job->dir); /* a killed run's temporary files */
        remove_stale_tmp(path);
    }
    free(params);
    if (par_any(bad)) return JOB_FAILED;
    size_t my_rows = 0;
    for (size_t t = 0; t < w->n_overlaps; t++) my_rows += (int)(t % (size_t)par_size()) == par_rank();
    hook_ctx h = {.job = job, .tty = isatty(2) && par_root(), .phash = phash};
    h.pg = (job_progress){.label = job->label, .cells_total = w->n_ns * my_rows, .t0 = wall_now(),
                          .show = h.tty && !job->quiet};
    fate_relu_sweep_hooks hooks = {&h, hk_skip, hk_cell, hk_stop, hk_progress};
    fate_sweep_error err;
    memset(&err, 0, sizeof err);
    fate_status st = fate_relu_sweep_run(w, &hooks, &err);
    int failed = h.write_failed || (st != FATE_OK && st != FATE_EINTERRUPTED);
    if (st == FATE_EINTERRUPTED && h.tty && !job->quiet) fputc('\n', stderr);
    if (st == FATE_EDIVERGED) {
        /* pretraining does not depend on n, scratch not on the overlap */
        char where[128];
        if (err.method == 0)
            snprintf(where, sizeof where, "%s = %g", axis_name(w), w->overlaps[err.theta_index]);
        else if (err.method == FATE_METHOD_SCRATCH)
            snprintf(where, sizeof where, "n = %zu", w->ns[err.gamma_index]);
        else
            snprintf(where, sizeof where, "%s = %g, n = %zu", axis_name(w), w->overlaps[err.theta_index],
                     w->ns[err.gamma_index]);
        fprintf(stderr, "%sfate: %s diverged (NaN/inf or growing loss) at step %zu (instance %llu, %s): use a "
                "smaller --lr (now %g)\n", h.tty ? "\n" : "", method_name(err.method), err.step,
                (unsigned long long)err.instance, where, w->base.gd.lr);
    } else if (failed && !h.write_failed) {
        fprintf(stderr, "fate: sweep failed: %s\n", fate_strerror(st));
    }
    if (par_any(failed)) return JOB_FAILED;
    if (par_any(st == FATE_EINTERRUPTED)) return JOB_INTERRUPTED;
    if (!par_root()) return JOB_OK;
    return assemble(job, phash, res, written);
}
