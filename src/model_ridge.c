/* model_ridge.c - ridge regression on the target task alone, no pretraining:
 * the smallest model of fate_model.h, and the worked example of adding one
 * (docs/architecture.md, "Adding a model"). It declares its parameters, so
 * `fate phase --model ridge` and `fate.phase(model="ridge")` run it with no
 * code of their own.
 *
 * Task (THEORY.md section 1): beta_t a unit teacher (fate_teachers, so the
 * target teacher and inputs of (seed, instance) are those of the linear
 * model's scratch baseline), n = round(gamma d) samples y = X beta_t +
 * sigma eps. Estimator: beta_hat = (S + lambda I)^{-1} b with S = X^T X / n,
 * b = X^T y / n (lambda = 0: the minimum-norm least squares). Risk:
 * R = |beta_hat - beta_t|^2. Theory: THEORY.md "Ridge regression on the
 * target (the toy model)".
 *
 * Grid: rows are the ridges lambda, columns the gammas. One work item per
 * (gamma, instance) (the scheduler's stage 1, shared by every row): one
 * eigendecomposition of S serves every lambda. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fate_model.h"
#include "internal.h"

typedef struct ridge_sweep {
    double *gammas, *lambdas;
    size_t n_gammas, n_lambdas, d, instances;
    double sigma;
    unsigned long long seed;
    double *risk, *train; /* (n_gammas, instances, n_lambdas), filled by run */
    const fate_model_hooks *h;
} ridge_sweep;

enum { P_GAMMA, P_LAMBDA, P_D, P_SIGMA, P_INSTANCES, P_SEED, NPARAM };
static const fate_param PARAMS[NPARAM] = {
    {"gamma", FATE_PARAM_LIST, 0.0, 1e4, 1, "0.1:2.9:15", "target samples per dimension, n = round(gamma d) >= 1"},
    {"lambda", FATE_PARAM_LIST, 0.0, 1e6, 0, "0:1:5", "ridges (0: minimum-norm least squares)"},
    {"d", FATE_PARAM_COUNT, 1, 46340, 0, "100", "input dimension"},
    {"sigma", FATE_PARAM_REAL, 0.0, 1e3, 0, "0.5", "target label noise"},
    {"instances", FATE_PARAM_COUNT, 1, 1e6, 0, "20", "independent instances per cell"},
    {"seed", FATE_PARAM_SEED, 0, 0, 0, "1", "random seed"}};

enum { C_GAMMA, C_LAMBDA, C_N, C_INST, C_RISK, C_TRAIN, NCOL };
static const fate_column COLUMNS[NCOL] = {
    {"gamma", FATE_COL_REAL, FATE_ROLE_COORD, 0, "target samples per dimension γ = n/d"},
    {"lambda", FATE_COL_REAL, FATE_ROLE_COORD, 0, "ridge λ"},
    {"n", FATE_COL_COUNT, FATE_ROLE_COORD, 0, "target samples n"},
    {"instance", FATE_COL_COUNT, FATE_ROLE_INSTANCE, 0, NULL},
    {"risk", FATE_COL_REAL, FATE_ROLE_VALUE, 1, "risk R = |β̂ − β_t|²"},
    {"train_loss", FATE_COL_REAL, FATE_ROLE_VALUE, 1, "training loss"}};

static const char *const THEORY_NAMES[] = {"risk", "risk_exact"};

static const fate_column *ridge_columns(const void *sweep, size_t *n)
{
    (void)sweep;
    *n = NCOL;
    return COLUMNS;
}

static size_t n_of(const ridge_sweep *w, size_t j) { return (size_t)lround(w->gammas[j] * (double)w->d); }

/* Sizes that reach an int BLAS argument: d x d (S, Q) and n x d (X). */
static const char *ridge_check(const void *sweep)
{
    const ridge_sweep *w = sweep;
    if (!w || !w->gammas || !w->lambdas || w->n_gammas < 1 || w->n_lambdas < 1) return "gamma and lambda need values";
    if (w->d < 1 || !fits_int2(w->d, w->d)) return "d must be in [1, 46340]";
    if (w->instances < 1) return "instances must be >= 1";
    if (!(w->sigma >= 0.0) || !isfinite(w->sigma)) return "sigma must be >= 0";
    for (size_t j = 0; j < w->n_gammas; j++) {
        if (!(w->gammas[j] > 0.0) || !(w->gammas[j] <= 1e4)) return "gamma must be in (0, 1e4]";
        if (n_of(w, j) < 1) return "gamma d must round to n >= 1";
        if (!fits_int2(n_of(w, j), w->d)) return "n d (gamma d^2) must be at most 2^31 - 1";
    }
    for (size_t l = 0; l < w->n_lambdas; l++)
        if (!(w->lambdas[l] >= 0.0) || !(w->lambdas[l] <= 1e6)) return "lambda must be in [0, 1e6]";
    if (!bytes_ok(w->n_gammas * w->instances, w->n_lambdas, 2 * sizeof(double)) ||
        !bytes_ok(w->n_gammas, w->instances, 1))
        return "gamma x lambda x instances is too large";
    return NULL;
}

static void ridge_grid(const void *sweep, size_t *rows, size_t *cols)
{
    const ridge_sweep *w = sweep;
    *rows = w->n_lambdas;
    *cols = w->n_gammas;
}

/* Rows of cell (lambda l, gamma j): one per instance. */
static size_t ridge_cell_keys(const void *sweep, size_t l, size_t j, double *v)
{
    const ridge_sweep *w = sweep;
    for (size_t i = 0; v && i < w->instances; i++) {
        double *q = v + i * NCOL;
        q[C_GAMMA] = w->gammas[j], q[C_LAMBDA] = w->lambdas[l], q[C_N] = (double)n_of(w, j);
        q[C_INST] = (double)i;
    }
    return w->instances;
}

/* The ridge path of one instance at one gamma: every lambda from one
 * eigendecomposition (ridge_path, gd.c). risk, train: (n_lambdas). */
static fate_status ridge_item(void *ctx, size_t j, size_t inst, size_t *step)
{
    ridge_sweep *w = ctx;
    const size_t d = w->d, n = n_of(w, j), L = w->n_lambdas;
    *step = 0;
    double *X = alloc_array(n, d, sizeof *X), *S = alloc_array(d, d, sizeof *S);
    double *y = malloc(n * sizeof *y), *bs = malloc(d * sizeof *bs), *bt = malloc(d * sizeof *bt);
    double *b = malloc(d * sizeof *b), *B = alloc_array(L, d, sizeof *B);
    fate_status st = FATE_ENOMEM;
    if (!X || !S || !y || !bs || !bt || !b || !B) goto done;
    double yy;
    if ((st = fate_teachers(bs, bt, d, 0.0, w->seed, inst)) != FATE_OK) goto done;
    if ((st = fate_dataset(X, y, bt, n, d, w->sigma, w->seed, inst, FATE_STREAM_X_TARGET,
                           FATE_STREAM_NOISE_TARGET)) != FATE_OK)
        goto done;
    if ((st = fate_suffstats(S, b, &yy, X, y, n, d)) != FATE_OK) goto done;
    double *risk = w->risk + (j * w->instances + inst) * L, *train = w->train + (j * w->instances + inst) * L;
    if ((st = ridge_path(B, train, S, b, yy, w->lambdas, L, d, RIDGE_RCUT)) != FATE_OK) goto done;
    for (size_t l = 0; l < L; l++) {
        double r = 0.0;
        for (size_t k = 0; k < d; k++) r += (B[l * d + k] - bt[k]) * (B[l * d + k] - bt[k]);
        risk[l] = r;
    }
done:
    free(X); free(S); free(y); free(bs); free(bt); free(b); free(B);
    return st;
}

static int ridge_cell_done(void *ctx, size_t l, size_t j)
{
    const ridge_sweep *w = ctx;
    const size_t K = w->instances, L = w->n_lambdas;
    double *v = alloc_array(K, NCOL, sizeof *v);
    if (!v) return 1;
    ridge_cell_keys(w, l, j, v);
    for (size_t i = 0; i < K; i++) {
        v[i * NCOL + C_RISK] = w->risk[(j * K + i) * L + l];
        v[i * NCOL + C_TRAIN] = w->train[(j * K + i) * L + l];
    }
    fate_table tab = {l, j, K, v};
    int stop = w->h && w->h->cell_done ? w->h->cell_done(w->h->ctx, &tab) : 0;
    free(v);
    return stop;
}

static fate_status ridge_run(const void *sweep, const fate_model_hooks *h, fate_sweep_error *err)
{
    const char *why = ridge_check(sweep);
    if (why) return FATE_EINVAL;
    ridge_sweep w = *(const ridge_sweep *)sweep;
    const size_t cells = w.n_gammas * w.instances * w.n_lambdas;
    w.risk = malloc(cells * sizeof *w.risk);
    w.train = malloc(cells * sizeof *w.train);
    w.h = h;
    fate_status st = FATE_ENOMEM;
    if (w.risk && w.train) {
        model_fwd f = {sweep, h};
        grid_hooks gh = {&f, NULL, h ? model_fwd_stop : NULL, h ? model_fwd_progress : NULL};
        if (h && h->skip) gh.skip = model_fwd_skip;
        grid_stages g = {.ctx = &w, .rows = w.n_lambdas, .cols = w.n_gammas, .instances = w.instances,
                         .scratch = 1, .scratch_item = ridge_item, .cell_done = ridge_cell_done};
        st = grid_run(&g, &gh, 0, err);
    }
    free(w.risk);
    free(w.train);
    return st;
}

/* theory_risk: the limit n, d -> inf at psi = d/n, theory_risk_exact: the
 * exact finite-size mean at lambda = 0 (NaN otherwise), both for the unit
 * teacher (theory_ridge.c, THEORY.md section 7). */
static void ridge_theory(const void *sweep, const double *row, double *out)
{
    const ridge_sweep *w = sweep;
    const double n = row[C_N], lambda = row[C_LAMBDA];
    out[0] = fate_theory_ridge((double)w->d / n, lambda, w->sigma, 1.0);
    out[1] = lambda == 0.0 ? fate_theory_ridge_exact((size_t)n, w->d, w->sigma, 1.0) : NAN;
}

static void ridge_destroy(void *sweep);

static fate_status ridge_make(void **out, const fate_param_value *v, const char **why)
{
    *out = NULL;
    ridge_sweep *w = calloc(1, sizeof *w);
    if (!w) return FATE_ENOMEM;
    w->n_gammas = v[P_GAMMA].n, w->n_lambdas = v[P_LAMBDA].n;
    w->gammas = alloc_array(w->n_gammas ? w->n_gammas : 1, 1, sizeof(double));
    w->lambdas = alloc_array(w->n_lambdas ? w->n_lambdas : 1, 1, sizeof(double));
    if (!w->gammas || !w->lambdas) {
        free(w->gammas); free(w->lambdas); free(w);
        return FATE_ENOMEM;
    }
    if (w->n_gammas) memcpy(w->gammas, v[P_GAMMA].v, w->n_gammas * sizeof(double));
    if (w->n_lambdas) memcpy(w->lambdas, v[P_LAMBDA].v, w->n_lambdas * sizeof(double));
    w->d = (size_t)v[P_D].v[0], w->sigma = v[P_SIGMA].v[0], w->instances = (size_t)v[P_INSTANCES].v[0];
    w->seed = v[P_SEED].seed;
    if ((*why = ridge_check(w)) != NULL) {
        ridge_destroy(w);
        return FATE_EINVAL;
    }
    *out = w;
    return FATE_OK;
}

static void ridge_destroy(void *sweep)
{
    ridge_sweep *w = sweep;
    if (!w) return;
    free(w->gammas);
    free(w->lambdas);
    free(w);
}

const fate_model fate_model_ridge = {
    .name = "ridge", .columns = ridge_columns, .check = ridge_check, .grid = ridge_grid,
    .cell_keys = ridge_cell_keys, .run = ridge_run, .col_major = 0,
    .title = "ridge regression on the target alone (no pretraining): the toy model",
    .params = PARAMS, .n_params = NPARAM, .make = ridge_make, .destroy = ridge_destroy,
    .row_axis = C_LAMBDA, .col_axis = C_GAMMA, .figure_value = C_RISK, .figure_diverging = 0,
    .theory_names = THEORY_NAMES, .n_theory = 2, .theory = ridge_theory};
