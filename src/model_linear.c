/* model_linear.c - the deep linear network (fate.h) as a model of
 * fate_model.h: its sweep is fate_sweep (rows are thetas, columns gammas),
 * its rows those of runs.csv: one per (method, ridge, instance), in the order
 * instance, then scratch, lt per ridge, ft, lpft, l2sp, ridge, ridge_cv,
 * early_stop. */
#include <math.h>
#include <stdlib.h>

#include "fate_model.h"
#include "internal.h"

/* Method k of the rows is FATE_METHOD_* bit 1 << k, in the order the rows
 * of an instance come. */
enum { LM_SC, LM_LT, LM_FT, LM_LPFT, LM_L2SP, LM_RIDGE, LM_CV, LM_ES, LM_N };
static const char *const WORDS[LM_N] = {"scratch", "lt", "ft", "lpft", "l2sp", "ridge", "ridge_cv", "early_stop"};

enum { C_GAMMA, C_THETA, C_N, C_METHOD, C_LAMBDA, C_INST, C_RISK, C_T, C_TRAIN, C_LMIN, C_STEPS,
       C_CONV, C_SADDLE, C_BAL, C_FTC, C_CVLAM, NCOL_ALL };
/* the ridge leave-one-out chose: a column only when ridge_cv runs, so the
 * files of the paper's methods keep their columns */
#define NCOL C_CVLAM
static const fate_column COLUMNS[NCOL_ALL] = {
    {"gamma", FATE_COL_REAL, FATE_ROLE_COORD, 0, "target samples per dimension γ = n/d"},  {"theta", FATE_COL_REAL, FATE_ROLE_COORD, 0, "feature angle θ (rad)"},
    {"n", FATE_COL_COUNT, FATE_ROLE_COORD, 0, "target samples n"},     {"method", FATE_COL_WORD, FATE_ROLE_KEY, 0, NULL},
    {"lambda", FATE_COL_REAL, FATE_ROLE_KEY, 0, "ridge λ"},   {"instance", FATE_COL_COUNT, FATE_ROLE_INSTANCE, 0, NULL},
    {"risk", FATE_COL_REAL, FATE_ROLE_VALUE, 1, "risk R"},   {"T", FATE_COL_REAL, FATE_ROLE_VALUE, 1, "transferability T = R_base − R"},
    {"train_loss", FATE_COL_REAL, FATE_ROLE_VALUE, 0, NULL}, {"loss_min", FATE_COL_REAL, FATE_ROLE_VALUE, 0, NULL},
    {"steps", FATE_COL_COUNT, FATE_ROLE_VALUE, 0, NULL}, {"converged", FATE_COL_COUNT, FATE_ROLE_VALUE, 0, NULL},
    {"on_saddle", FATE_COL_COUNT, FATE_ROLE_VALUE, 0, NULL}, {"balance", FATE_COL_REAL, FATE_ROLE_VALUE, 0, NULL},
    {"ft_c", FATE_COL_REAL, FATE_ROLE_VALUE, 0, NULL}, {"cv_lambda", FATE_COL_REAL, FATE_ROLE_VALUE, 0, NULL}};

static size_t ncols(const fate_sweep *w) { return w && (w->base.methods & FATE_METHOD_RIDGE_CV) ? NCOL_ALL : NCOL; }

/* The baseline of T: scratch when none is named. */
static unsigned base_of(const fate_sweep *w) { return w->baseline ? w->baseline : FATE_METHOD_SCRATCH; }

static const fate_column *lin_columns(const void *sweep, size_t *n)
{
    *n = ncols(sweep);
    return COLUMNS;
}

static const char *lin_check(const void *sweep) { return fate_sweep_check(sweep); }

static void lin_grid(const void *sweep, size_t *rows, size_t *cols)
{
    const fate_sweep *w = sweep;
    *rows = w->n_thetas;
    *cols = w->n_gammas;
}

/* The rows of one instance: one per method, lt one per ridge. */
static size_t rows_per_instance(const fate_sweep *w)
{
    size_t per = 0;
    for (int k = 0; k < LM_N; k++)
        if (w->base.methods & (1u << k)) per += k == LM_LT ? w->n_lambdas : 1;
    return per;
}

/* The key lambda of a row: lt's ridge; the ridge parameter transfer and the
 * oracle baseline use (the same for every instance of a cell); NaN else
 * (ridge_cv's choice varies by instance: its own column). */
static double key_lambda(const fate_sweep *w, int k, size_t l, size_t j, size_t t)
{
    fate_spec s = w->base;
    s.n = (size_t)lround(w->gammas[j] * (double)w->base.d);
    s.theta = w->thetas[t];
    return k == LM_LT ? w->lambdas[l] : k == LM_L2SP ? spec_l2sp_lambda(&s) : k == LM_RIDGE ? spec_ridge_lambda(&s) : NAN;
}

/* The coordinates and key of every row of cell (t, j). */
static size_t lin_cell_keys(const void *sweep, size_t t, size_t j, double *v)
{
    const fate_sweep *w = sweep;
    const unsigned m = w->base.methods;
    const size_t nc = ncols(w);
    if (!v) return rows_per_instance(w) * w->instances;
    const double n = (double)lround(w->gammas[j] * (double)w->base.d);
    size_t r = 0;
    for (size_t i = 0; i < w->instances; i++)
        for (int k = 0; k < LM_N; k++) {
            if (!(m & (1u << k))) continue;
            for (size_t l = 0; l < (k == LM_LT ? w->n_lambdas : 1); l++, r++) {
                double *q = v + r * nc;
                q[C_GAMMA] = w->gammas[j], q[C_THETA] = w->thetas[t], q[C_N] = n;
                q[C_METHOD] = k, q[C_LAMBDA] = key_lambda(w, k, l, j, t), q[C_INST] = (double)i;
            }
        }
    return r;
}

/* Instance i's risk of the baseline: the scratch run, one tuned baseline, or
 * the lowest of several. */
static double base_risk(const fate_cell *c, unsigned base, size_t i)
{
    if (base == FATE_METHOD_SCRATCH) return c->scratch ? c->scratch[i].risk : NAN;
    double r = INFINITY;
    if (base & FATE_METHOD_RIDGE) r = fmin(r, c->ridge[i].risk);
    if (base & FATE_METHOD_RIDGE_CV) r = fmin(r, c->ridge_cv[i].risk);
    if (base & FATE_METHOD_EARLY_STOP) r = fmin(r, c->early_stop[i].risk);
    return r;
}

/* One row: the keys are already in q. T = R_base - R_method; 0 for the
 * baseline itself (the paper's scratch row keeps its exact 0). */
static void put_result(double *q, const fate_method_result *r, double rbase, int is_base, double c)
{
    q[C_RISK] = r->risk;
    q[C_T] = is_base ? 0.0 : rbase - r->risk;
    q[C_TRAIN] = r->train_loss, q[C_LMIN] = r->loss_min, q[C_STEPS] = (double)r->steps;
    q[C_CONV] = r->converged, q[C_SADDLE] = r->on_saddle, q[C_BAL] = r->balance, q[C_FTC] = c;
}

/* Row q of instance i, method k (lt: ridge l). */
static void fill_row(double *q, const fate_cell *c, unsigned base, int cv_col, size_t i, int k, size_t l)
{
    const int is_base = base == (1u << k);
    const double rb = base_risk(c, base, i);
    switch (k) {
    case LM_SC: put_result(q, &c->scratch[i], rb, is_base, NAN); break;
    case LM_LT: put_result(q, &c->lt[i * c->n_lambdas + l], rb, 0, NAN); break;
    case LM_FT: put_result(q, &c->ft[i], rb, 0, c->ft_c[i]); break;
    case LM_LPFT: put_result(q, &c->lpft[i], rb, 0, c->lpft_c[i]); break;
    case LM_L2SP: put_result(q, &c->l2sp[i], rb, 0, NAN); break;
    case LM_RIDGE: put_result(q, &c->ridge[i], rb, is_base, NAN); break;
    case LM_CV: put_result(q, &c->ridge_cv[i], rb, is_base, NAN); break;
    default: put_result(q, &c->early_stop[i], rb, is_base, NAN); break;
    }
    if (cv_col) q[C_CVLAM] = k == LM_CV ? c->ridge_cv_lambda[i] : NAN;
}

static int hk_cell(void *ctx, const fate_cell *c)
{
    const model_fwd *lh = ctx;
    const fate_sweep *w = lh->sweep;
    const size_t n = lin_cell_keys(w, c->theta_index, c->gamma_index, NULL), nc = ncols(w);
    double *v = malloc((n ? n : 1) * nc * sizeof *v);
    if (!v) return 1;
    lin_cell_keys(w, c->theta_index, c->gamma_index, v);
    const size_t NL = c->n_lambdas;
    size_t l = 0; /* the ridge index of an lt row: they come in ridge order */
    for (size_t r = 0; r < n; r++) {
        double *q = v + r * nc;
        const int k = (int)q[C_METHOD];
        fill_row(q, c, base_of(w), nc == NCOL_ALL, (size_t)q[C_INST], k, l);
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
 * (fate_spec_theory_eval, THEORY.md sections 3 and 8): risk, T against the
 * sweep's baseline, and the paper's fine-tuning T (c = 1; NaN for the other
 * methods). Against scratch T is the theory's own T (bit for bit the paper's
 * columns); against the oracle ridge R_ridge - R; ridge_cv, early_stop and
 * the best of several baselines have no closed form (NaN). */
static const char *const THEORY_NAMES[] = {"risk", "T", "T_paper"};

static double theory_risk_of(const fate_spec_theory *th, int k)
{
    const double r[LM_N] = {th->scratch, th->lt, th->ft, th->lpft, th->l2sp, th->ridge, NAN, NAN};
    return r[k];
}

static void lin_theory(const void *sweep, const double *row, double *out)
{
    const fate_sweep *w = sweep;
    const int k = (int)row[C_METHOD];
    const unsigned base = base_of(w);
    fate_spec sp = w->base;
    sp.n = (size_t)row[C_N];
    sp.theta = row[C_THETA];
    sp.lambda = k == LM_LT ? row[C_LAMBDA] : 0.0;
    fate_spec_theory th;
    fate_spec_theory_eval(&th, &sp);
    out[0] = theory_risk_of(&th, k);
    const double Tsc[LM_N] = {0.0, th.T_lt, th.T_ft, th.T_lpft, th.T_l2sp, th.T_ridge, NAN, NAN};
    const double rb = base == FATE_METHOD_SCRATCH ? th.scratch : base == FATE_METHOD_RIDGE ? th.ridge : NAN;
    out[1] = base == (1u << k) ? 0.0 : base == FATE_METHOD_SCRATCH ? Tsc[k] : rb - out[0];
    out[2] = k != LM_FT ? NAN : base == FATE_METHOD_SCRATCH ? th.T_ft_paper : rb - th.ft_paper;
}

const fate_model fate_model_linear = {
    .name = "linear", .words = WORDS, .n_words = LM_N, .columns = lin_columns, .check = lin_check,
    .grid = lin_grid, .cell_keys = lin_cell_keys, .run = lin_run, .col_major = 1,
    .title = "deep linear networks (fate phase)", .row_axis = C_THETA, .col_axis = C_GAMMA,
    .figure_value = C_T, .figure_diverging = 1, .theory_names = THEORY_NAMES, .n_theory = 3,
    .theory = lin_theory};
