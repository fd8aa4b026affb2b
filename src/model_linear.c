/* model_linear.c - the deep linear network (fate.h) as a model of
 * fate_model.h: its sweep is fate_sweep (rows are thetas, columns gammas),
 * its rows those of runs.csv: one per (method, ridge, instance), in the order
 * instance, then scratch, lt per ridge, ft. */
#include <math.h>
#include <stdlib.h>

#include "fate_model.h"
#include "internal.h"

enum { LM_SC = 0, LM_LT = 1, LM_FT = 2 };
static const char *const WORDS[] = {"scratch", "lt", "ft"};

enum { C_GAMMA, C_THETA, C_N, C_METHOD, C_LAMBDA, C_INST, C_RISK, C_T, C_TRAIN, C_LMIN, C_STEPS,
       C_CONV, C_SADDLE, C_BAL, C_FTC, NCOL };
static const fate_column COLUMNS[NCOL] = {
    {"gamma", FATE_COL_REAL, FATE_ROLE_COORD, 0, "target samples per dimension γ = n/d"},  {"theta", FATE_COL_REAL, FATE_ROLE_COORD, 0, "feature angle θ (rad)"},
    {"n", FATE_COL_COUNT, FATE_ROLE_COORD, 0, "target samples n"},     {"method", FATE_COL_WORD, FATE_ROLE_KEY, 0, NULL},
    {"lambda", FATE_COL_REAL, FATE_ROLE_KEY, 0, "ridge λ"},   {"instance", FATE_COL_COUNT, FATE_ROLE_INSTANCE, 0, NULL},
    {"risk", FATE_COL_REAL, FATE_ROLE_VALUE, 1, "risk R"},   {"T", FATE_COL_REAL, FATE_ROLE_VALUE, 1, "transferability T = R_sc − R"},
    {"train_loss", FATE_COL_REAL, FATE_ROLE_VALUE, 0, NULL}, {"loss_min", FATE_COL_REAL, FATE_ROLE_VALUE, 0, NULL},
    {"steps", FATE_COL_COUNT, FATE_ROLE_VALUE, 0, NULL}, {"converged", FATE_COL_COUNT, FATE_ROLE_VALUE, 0, NULL},
    {"on_saddle", FATE_COL_COUNT, FATE_ROLE_VALUE, 0, NULL}, {"balance", FATE_COL_REAL, FATE_ROLE_VALUE, 0, NULL},
    {"ft_c", FATE_COL_REAL, FATE_ROLE_VALUE, 0, NULL}};

static const fate_column *lin_columns(const void *sweep, size_t *n)
{
    (void)sweep;
    *n = NCOL;
    return COLUMNS;
}

static const char *lin_check(const void *sweep) { return fate_sweep_check(sweep); }

static void lin_grid(const void *sweep, size_t *rows, size_t *cols)
{
    const fate_sweep *w = sweep;
    *rows = w->n_thetas;
    *cols = w->n_gammas;
}

/* The coordinates and key of every row of cell (t, j). */
static size_t lin_cell_keys(const void *sweep, size_t t, size_t j, double *v)
{
    const fate_sweep *w = sweep;
    const unsigned m = w->base.methods;
    const size_t per = (size_t)((m & FATE_METHOD_SCRATCH) != 0) + ((m & FATE_METHOD_LT) ? w->n_lambdas : 0) +
                       (size_t)((m & FATE_METHOD_FT) != 0);
    if (!v) return per * w->instances;
    const double n = (double)lround(w->gammas[j] * (double)w->base.d);
    size_t r = 0;
    for (size_t i = 0; i < w->instances; i++)
        for (int k = LM_SC; k <= LM_FT; k++) {
            const unsigned bit = k == LM_SC ? FATE_METHOD_SCRATCH : k == LM_LT ? FATE_METHOD_LT : FATE_METHOD_FT;
            if (!(m & bit)) continue;
            for (size_t l = 0; l < (k == LM_LT ? w->n_lambdas : 1); l++, r++) {
                double *q = v + r * NCOL;
                q[C_GAMMA] = w->gammas[j], q[C_THETA] = w->thetas[t], q[C_N] = n;
                q[C_METHOD] = k, q[C_LAMBDA] = k == LM_LT ? w->lambdas[l] : NAN, q[C_INST] = (double)i;
            }
        }
    return r;
}

/* One row: the keys are already in q. T = R_scratch - R_method. */
static void put_result(double *q, const fate_method_result *r, double rsc, double ftc)
{
    q[C_RISK] = r->risk;
    q[C_T] = q[C_METHOD] == LM_SC ? 0.0 : rsc - r->risk;
    q[C_TRAIN] = r->train_loss, q[C_LMIN] = r->loss_min, q[C_STEPS] = (double)r->steps;
    q[C_CONV] = r->converged, q[C_SADDLE] = r->on_saddle, q[C_BAL] = r->balance, q[C_FTC] = ftc;
}

static int hk_cell(void *ctx, const fate_cell *c)
{
    const model_fwd *lh = ctx;
    const fate_sweep *w = lh->sweep;
    const size_t n = lin_cell_keys(w, c->theta_index, c->gamma_index, NULL);
    double *v = malloc((n ? n : 1) * NCOL * sizeof *v);
    if (!v) return 1;
    lin_cell_keys(w, c->theta_index, c->gamma_index, v);
    const size_t NL = c->n_lambdas;
    size_t l = 0; /* the ridge index of an lt row: they come in ridge order */
    for (size_t r = 0; r < n; r++) {
        double *q = v + r * NCOL;
        const size_t i = (size_t)q[C_INST], k = (size_t)q[C_METHOD];
        const double rsc = c->scratch ? c->scratch[i].risk : NAN;
        if (k == LM_SC) put_result(q, &c->scratch[i], rsc, NAN);
        else if (k == LM_FT) put_result(q, &c->ft[i], rsc, c->ft_c[i]);
        else put_result(q, &c->lt[i * NL + l], rsc, NAN);
        l = k == LM_LT ? (l + 1) % NL : 0;
    }
    fate_table tab = {c->theta_index, c->gamma_index, n, v};
    int stop = lh->h->cell_done ? lh->h->cell_done(lh->h->ctx, &tab) : 0;
    free(v);
    return stop;
}

/* fate_sweep_hooks take (gamma_index, theta_index) = (col, row). */
static int hk_skip(void *ctx, size_t j, size_t t)
{
    const model_fwd *f = ctx;
    return f->h->skip && f->h->skip(f->h->ctx, t, j);
}

static fate_status lin_run(const void *sweep, const fate_model_hooks *h, fate_sweep_error *err)
{
    if (!h) return fate_sweep_run(sweep, NULL, err);
    model_fwd f = {sweep, h};
    fate_sweep_hooks sh = {&f, hk_skip, hk_cell, model_fwd_stop, model_fwd_progress};
    return fate_sweep_run(sweep, &sh, err);
}

/* The theory of a (cell, method, lambda) group at the cell's finite size
 * (fate_spec_theory_eval, THEORY.md section 3): risk, T, and the paper's
 * fine-tuning T (c = 1; NaN for the other methods). */
static const char *const THEORY_NAMES[] = {"risk", "T", "T_paper"};

static void lin_theory(const void *sweep, const double *row, double *out)
{
    const fate_sweep *w = sweep;
    const int k = (int)row[C_METHOD];
    fate_spec sp = w->base;
    sp.n = (size_t)row[C_N];
    sp.theta = row[C_THETA];
    sp.lambda = k == LM_LT ? row[C_LAMBDA] : 0.0;
    fate_spec_theory th;
    fate_spec_theory_eval(&th, &sp);
    out[0] = k == LM_SC ? th.scratch : k == LM_LT ? th.lt : th.ft;
    out[1] = k == LM_SC ? 0.0 : k == LM_LT ? th.T_lt : th.T_ft;
    out[2] = k == LM_FT ? th.T_ft_paper : NAN;
}

const fate_model fate_model_linear = {
    .name = "linear", .words = WORDS, .n_words = 3, .columns = lin_columns, .check = lin_check,
    .grid = lin_grid, .cell_keys = lin_cell_keys, .run = lin_run, .col_major = 1,
    .title = "deep linear networks (fate phase)", .row_axis = C_THETA, .col_axis = C_GAMMA,
    .figure_value = C_T, .figure_diverging = 1, .theory_names = THEORY_NAMES, .n_theory = 3,
    .theory = lin_theory};
