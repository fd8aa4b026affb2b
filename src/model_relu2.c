/* model_relu2.c - the two-layer network (fate_mlp.h) as a model of
 * fate_model.h: its sweep is fate_relu_sweep (rows are overlaps, mu or theta;
 * columns the target sizes n), its rows one per (method, instance) in the
 * order pretraining, scratch, lt, ft, lpft, each over the instances. A sweep
 * that runs lpft has one more column, w_move (the first layer's relative
 * move, the feature-change statistic LP-FT is compared by); the others keep
 * the columns (and bytes) they had before LP-FT existed. */
#include <math.h>
#include <stdlib.h>

#include "fate_mlp.h"
#include "fate_model.h"
#include "internal.h"

enum { RM_PRE = 0, RM_SC = 1, RM_LT = 2, RM_FT = 3, RM_LPFT = 4, RM_COUNT = 5 };
static const char *const WORDS[RM_COUNT] = {"pretrain", "scratch", "lt", "ft", "lpft"};

enum { C_AXIS, C_N, C_METHOD, C_INST, C_RISK, C_RISK_SE, C_T, C_TRAIN, C_STEPS, C_CONV, C_LR, C_RANK,
       C_PP_STUDENT, C_PP_SOURCE, C_NORM2, NCOL, C_W_MOVE = NCOL, NCOL_LPFT };
#define RELU_TAIL                                                                                      \
    {"n", FATE_COL_COUNT, FATE_ROLE_COORD, 0, "target samples n"}, {"method", FATE_COL_WORD, FATE_ROLE_KEY, 0, NULL},            \
        {"instance", FATE_COL_COUNT, FATE_ROLE_INSTANCE, 0, NULL}, {"risk", FATE_COL_REAL, FATE_ROLE_VALUE, 0, "risk R"},   \
        {"risk_se", FATE_COL_REAL, FATE_ROLE_VALUE, 0, NULL}, {"T", FATE_COL_REAL, FATE_ROLE_VALUE, 0, "transferability T = R_sc − R"},      \
        {"train_loss", FATE_COL_REAL, FATE_ROLE_VALUE, 0, NULL},                                             \
        {"steps", FATE_COL_COUNT, FATE_ROLE_VALUE, 0, NULL}, {"converged", FATE_COL_COUNT, FATE_ROLE_VALUE, 0, NULL}, \
        {"lr_eff", FATE_COL_REAL, FATE_ROLE_VALUE, 0, NULL}, {"lt_rank", FATE_COL_COUNT, FATE_ROLE_VALUE, 0, NULL}, \
        {"pperp_student", FATE_COL_REAL, FATE_ROLE_VALUE, 0, NULL},                                          \
        {"pperp_source", FATE_COL_REAL, FATE_ROLE_VALUE, 0, NULL},                                           \
        {"target_norm2", FATE_COL_REAL, FATE_ROLE_VALUE, 0, NULL}
#define RELU_W_MOVE {"w_move", FATE_COL_REAL, FATE_ROLE_VALUE, 0, "first-layer move |W − W₀|/|W₀|"}
/* the first column is named after the row axis: mu (teachers with a fraction
 * of neurons removed) or theta (single-index teachers) */
#define RELU_MU {"mu", FATE_COL_REAL, FATE_ROLE_COORD, 0, "teacher neurons removed μ"}
#define RELU_THETA {"theta", FATE_COL_REAL, FATE_ROLE_COORD, 0, "feature angle θ (rad)"}
static const fate_column COLUMNS_MU[NCOL_LPFT] = {RELU_MU, RELU_TAIL, RELU_W_MOVE};
static const fate_column COLUMNS_THETA[NCOL_LPFT] = {RELU_THETA, RELU_TAIL, RELU_W_MOVE};

/* The columns of a sweep's rows: w_move only when it runs lpft. */
static size_t ncol_of(const fate_relu_sweep *w)
{
    return (w->base.methods & FATE_METHOD_LPFT) ? NCOL_LPFT : NCOL;
}

static const fate_column *relu_columns(const void *sweep, size_t *n)
{
    const fate_relu_sweep *w = sweep;
    *n = ncol_of(w);
    return w->base.single_index ? COLUMNS_THETA : COLUMNS_MU;
}

static const char *relu_check(const void *sweep) { return fate_relu_sweep_check(sweep); }

static void relu_grid(const void *sweep, size_t *rows, size_t *cols)
{
    const fate_relu_sweep *w = sweep;
    *rows = w->n_overlaps;
    *cols = w->n_ns;
}

static void methods_run(const fate_relu_sweep *w, int run[RM_COUNT])
{
    const unsigned m = w->base.methods;
    run[RM_PRE] = (m & (FATE_METHOD_LT | FATE_METHOD_FT | FATE_METHOD_LPFT)) != 0;
    run[RM_SC] = (m & FATE_METHOD_SCRATCH) != 0;
    run[RM_LT] = (m & FATE_METHOD_LT) != 0;
    run[RM_FT] = (m & FATE_METHOD_FT) != 0;
    run[RM_LPFT] = (m & FATE_METHOD_LPFT) != 0;
}

static size_t relu_cell_keys(const void *sweep, size_t t, size_t j, double *v)
{
    const fate_relu_sweep *w = sweep;
    int run[RM_COUNT];
    methods_run(w, run);
    const size_t nc = ncol_of(w);
    size_t r = 0;
    for (int k = 0; k < RM_COUNT; k++)
        for (size_t i = 0; run[k] && i < w->instances; i++, r++)
            if (v) {
                double *q = v + r * nc;
                q[C_AXIS] = w->overlaps[t], q[C_N] = (double)w->ns[j], q[C_METHOD] = k, q[C_INST] = (double)i;
            }
    return r;
}

/* One row of nc columns: the keys are already in q. T = R_scratch -
 * R_method (NaN for pretraining, whose risk is against the source). */
static void put_result(double *q, size_t nc, const fate_relu_cell *c)
{
    const size_t i = (size_t)q[C_INST];
    const int k = (int)q[C_METHOD];
    const fate_relu_method_result *m[RM_COUNT] = {c->pretrain, c->scratch, c->lt, c->ft, c->lpft};
    const fate_relu_method_result *r = &m[k][i];
    q[C_RISK] = r->risk, q[C_RISK_SE] = r->risk_se, q[C_TRAIN] = r->train_loss;
    q[C_T] = k == RM_PRE ? NAN : k == RM_SC ? 0.0 : c->scratch ? c->scratch[i].risk - r->risk : NAN;
    q[C_STEPS] = (double)r->steps, q[C_CONV] = r->converged, q[C_LR] = r->lr_eff;
    q[C_RANK] = k == RM_LT && c->lt_rank ? (double)c->lt_rank[i] : 0.0;
    q[C_PP_STUDENT] = c->pperp_student[i], q[C_PP_SOURCE] = c->pperp_source[i];
    q[C_NORM2] = c->target_norm2[i];
    if (nc > C_W_MOVE) q[C_W_MOVE] = r->w_move;
}

static int hk_cell(void *ctx, const fate_relu_cell *c)
{
    const model_fwd *rh = ctx;
    const size_t n = relu_cell_keys(rh->sweep, c->overlap_index, c->n_index, NULL);
    const size_t nc = ncol_of(rh->sweep);
    double *v = malloc((n ? n : 1) * nc * sizeof *v);
    if (!v) return 1;
    relu_cell_keys(rh->sweep, c->overlap_index, c->n_index, v);
    for (size_t r = 0; r < n; r++) put_result(v + r * nc, nc, c);
    fate_table tab = {c->overlap_index, c->n_index, n, v};
    int stop = rh->h->cell_done ? rh->h->cell_done(rh->h->ctx, &tab) : 0;
    free(v);
    return stop;
}

/* fate_relu_sweep_hooks take (overlap_index, n_index) = (row, col) as they are. */
static int hk_skip(void *ctx, size_t t, size_t j)
{
    const model_fwd *f = ctx;
    return f->h->skip && f->h->skip(f->h->ctx, t, j);
}

static fate_status relu_run(const void *sweep, const fate_model_hooks *h, fate_sweep_error *err)
{
    if (!h) return fate_relu_sweep_run(sweep, NULL, err);
    model_fwd f = {sweep, h};
    fate_relu_sweep_hooks sh = {&f, hk_skip, hk_cell, model_fwd_stop, model_fwd_progress};
    return fate_relu_sweep_run(sweep, &sh, err);
}

const fate_model fate_model_relu2 = {
    .name = "relu2", .words = WORDS, .n_words = RM_COUNT, .columns = relu_columns, .check = relu_check,
    .grid = relu_grid, .cell_keys = relu_cell_keys, .run = relu_run, .col_major = 0,
    .title = "two-layer networks (fate phase --model relu2)", .row_axis = C_AXIS, .col_axis = C_N,
    .figure_value = C_T, .figure_diverging = 1};
