/* mlp_sweep.c - the two-layer model's sweep: a grid of (overlap, n) cells,
 * K instances each, as stages of the one scheduler (grid.c): rows are
 * overlaps, columns ns.
 *   1. scratch, one per (n_j, instance) with an unfinished cell (the target
 *      teacher and target set do not depend on the overlap);
 *   2. per overlap row t with an unfinished cell: pretraining, one per
 *      (overlap_t, instance), with the student's |P_perp f_t|^2; then items
 *      (overlap_t, n_j, instance): target set, linear transfer, fine-tuning,
 *      LP-FT.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fate_mlp.h"
#include "internal.h"
#include "mlp_internal.h"

const char *fate_relu_sweep_check(const fate_relu_sweep *w)
{
    if (!w) return "sweep is NULL";
    if (!w->overlaps || w->n_overlaps == 0) return "overlaps must hold at least one value";
    if (!w->ns || w->n_ns == 0) return "ns must hold at least one value";
    if (w->instances < 1) return "instances must be >= 1";
    if (w->threads < 0 || w->threads > FATE_MAX_THREADS)
        return "threads must be in [0, 1024] (0: the OpenMP default)";
    if (!(w->base.methods & (FATE_METHOD_SCRATCH | FATE_METHOD_LT | FATE_METHOD_FT | FATE_METHOD_LPFT)))
        return "methods must hold at least one of scratch, lt, ft, lpft";
    /* the sweep holds the grid, (n, instance) results and a row's K
     * pretrained networks at once: their byte counts must not overflow */
    if (!bytes_ok(w->n_overlaps, w->n_ns, sizeof(fate_relu_method_result)))
        return "overlaps and ns: the grid has too many cells";
    if (!bytes_ok(w->n_ns, w->instances, sizeof(fate_relu_method_result)) ||
        !bytes_ok(w->instances, w->base.m, w->base.d * sizeof(double)))
        return "instances is too large: the sweep's results and pretrained networks cannot be addressed";
    const double top = w->base.single_index ? M_PI : 1.0;
    for (size_t t = 0; t < w->n_overlaps; t++) {
        if (!(w->overlaps[t] >= 0.0 && w->overlaps[t] <= top))
            return w->base.single_index ? "every theta must be in [0, pi]" : "every mu must be in [0, 1]";
        if (w->base.single_index && !theta_ok_for_d(w->overlaps[t], w->base.d))
            return "every theta must be 0 or pi when d = 1 (the source teacher needs a second dimension)";
    }
    size_t nmax = 1;
    for (size_t j = 0; j < w->n_ns; j++) {
        if (w->ns[j] < 1) return "every n must be >= 1";
        if (w->ns[j] > nmax) nmax = w->ns[j];
    }
    /* the largest n bounds every cell's arrays */
    fate_relu_spec s = w->base;
    s.n = nmax;
    s.mu = 0.0;
    s.theta = 0.0;
    return fate_relu_spec_check(&s);
}

/* The spec of cell (t, j). */
static fate_relu_spec cell_spec(const fate_relu_sweep *w, size_t t, size_t j)
{
    fate_relu_spec s = w->base;
    if (s.single_index) s.theta = w->overlaps[t];
    else s.mu = w->overlaps[t];
    s.n = w->ns[j];
    return s;
}

/* Per-instance results of one overlap row. */
typedef struct row_state {
    double *W, *c;                 /* (K, m, d), (K, m) pretrained networks */
    fate_relu_method_result *pre;  /* (K) */
    double *pp_student, *pp_source, *norm2; /* (K) */
} row_state;

static void row_free(row_state *r)
{
    free(r->W); free(r->c); free(r->pre); free(r->pp_student); free(r->pp_source); free(r->norm2);
    memset(r, 0, sizeof *r);
}

static fate_status row_alloc(row_state *r, size_t K, size_t m, size_t d)
{
    r->W = alloc_array(K, m, d * sizeof *r->W), r->c = alloc_array(K, m, sizeof *r->c);
    r->pre = calloc(K, sizeof *r->pre);
    r->pp_student = malloc(K * sizeof(double)), r->pp_source = malloc(K * sizeof(double));
    r->norm2 = malloc(K * sizeof(double));
    if (!r->W || !r->c || !r->pre || !r->pp_student || !r->pp_source || !r->norm2) {
        row_free(r);
        return FATE_ENOMEM;
    }
    return FATE_OK;
}

/* Where one (cell, instance) item of stage 2 puts its results. */
typedef struct cell_out {
    fate_relu_method_result *lt, *ft, *lpft;
    size_t *rank;
} cell_out;

/* One (cell, instance) item of stage 2: target set, LT, FT, LP-FT. */
static fate_status cell_item(const cell_out *o, unsigned *stage, size_t *step, const fate_relu_spec *s,
                             const double *Wp, const double *cp, uint64_t i)
{
    relu_teachers T;
    fate_status st = relu_teachers_make(&T, s, i);
    if (st != FATE_OK) return st;
    double *X = alloc_array(s->n, s->d, sizeof *X), *y = malloc(s->n * sizeof *y);
    st = X && y ? relu_target(X, y, s, &T, i) : FATE_ENOMEM;
    *stage = FATE_METHOD_LT;
    if (st == FATE_OK && (s->methods & FATE_METHOD_LT)) st = relu_lt(o->lt, o->rank, s, &T, Wp, cp, X, y, i);
    if (st == FATE_OK && (s->methods & FATE_METHOD_FT)) {
        *stage = FATE_METHOD_FT;
        st = relu_ft(o->ft, step, s, &T, Wp, cp, X, y, i);
    }
    if (st == FATE_OK && (s->methods & FATE_METHOD_LPFT)) {
        *stage = FATE_METHOD_LPFT;
        st = relu_lpft(o->lpft, step, s, &T, Wp, cp, X, y, i);
    }
    free(X);
    free(y);
    relu_teachers_free(&T);
    return st;
}

/* The two-layer model's sweep state: rows are overlaps, columns ns. */
typedef struct relu_grid {
    const fate_relu_sweep *w;
    const fate_relu_sweep_hooks *h;
    int do_sc, do_lt, do_ft, do_lpft;
    fate_relu_method_result *sc, *lt, *ft, *lpft; /* (NN, K) */
    size_t *rank;                          /* (NN, K) */
    double *nan_k;                         /* (K) NaN: no pretraining ran */
    row_state row;                         /* the current row's networks */
} relu_grid;

static fate_status relu_scratch_item(void *ctx, size_t j, size_t i, size_t *step)
{
    const relu_grid *g = ctx;
    fate_relu_spec s = cell_spec(g->w, 0, j);
    relu_teachers T;
    fate_status st = relu_teachers_make(&T, &s, i);
    double *X = alloc_array(s.n, s.d, sizeof *X), *y = malloc(s.n * sizeof *y);
    if (st == FATE_OK) st = X && y ? relu_target(X, y, &s, &T, i) : FATE_ENOMEM;
    if (st == FATE_OK) st = relu_scratch(&g->sc[j * g->w->instances + i], step, &s, &T, X, y, i);
    free(X);
    free(y);
    relu_teachers_free(&T);
    return st;
}

static fate_status relu_pretrain_item(void *ctx, size_t t, size_t i, size_t *step)
{
    const relu_grid *g = ctx;
    const size_t m = g->w->base.m, d = g->w->base.d;
    fate_relu_spec s = cell_spec(g->w, t, 0);
    relu_teachers T;
    fate_status st = relu_teachers_make(&T, &s, i);
    if (st == FATE_OK) {
        g->row.pp_source[i] = T.pperp_source;
        g->row.norm2[i] = T.target_norm2;
        st = relu_pretrain_ws(g->row.W + i * m * d, g->row.c + i * m, &g->row.pre[i],
                              &g->row.pp_student[i], step, &s, &T, i);
    }
    relu_teachers_free(&T);
    return st;
}

static fate_status relu_cell_item(void *ctx, size_t t, size_t j, size_t i, unsigned *stage, size_t *step)
{
    const relu_grid *g = ctx;
    const size_t K = g->w->instances, m = g->w->base.m, d = g->w->base.d;
    fate_relu_spec s = cell_spec(g->w, t, j);
    const cell_out o = {&g->lt[j * K + i], &g->ft[j * K + i], &g->lpft[j * K + i], &g->rank[j * K + i]};
    return cell_item(&o, stage, step, &s, g->row.W + i * m * d, g->row.c + i * m, i);
}

static int relu_cell_done(void *ctx, size_t t, size_t j)
{
    const relu_grid *g = ctx;
    const fate_relu_sweep *w = g->w;
    const size_t K = w->instances;
    fate_relu_cell c;
    if (g->do_lt || g->do_ft || g->do_lpft)
        c = (fate_relu_cell){t, j, w->overlaps[t], w->ns[j], K, g->row.pre,
                             g->do_sc ? g->sc + j * K : NULL, g->do_lt ? g->lt + j * K : NULL,
                             g->do_ft ? g->ft + j * K : NULL, g->do_lt ? g->rank + j * K : NULL,
                             g->row.pp_student, g->row.pp_source, g->row.norm2,
                             g->do_lpft ? g->lpft + j * K : NULL};
    else
        c = (fate_relu_cell){t, j, w->overlaps[t], w->ns[j], K, NULL, g->do_sc ? g->sc + j * K : NULL,
                             NULL, NULL, NULL, g->nan_k, g->nan_k, g->nan_k, NULL};
    return g->h && g->h->cell_done && g->h->cell_done(g->h->ctx, &c);
}

fate_status fate_relu_sweep_run(const fate_relu_sweep *w, const fate_relu_sweep_hooks *h,
                                fate_sweep_error *err)
{
    if (fate_relu_sweep_check(w)) return FATE_EINVAL;
    const size_t NN = w->n_ns, K = w->instances, m = w->base.m, d = w->base.d;
    const unsigned meth = w->base.methods;
    relu_grid g = {.w = w, .h = h, .do_sc = (meth & FATE_METHOD_SCRATCH) != 0,
                   .do_lt = (meth & FATE_METHOD_LT) != 0, .do_ft = (meth & FATE_METHOD_FT) != 0,
                   .do_lpft = (meth & FATE_METHOD_LPFT) != 0};
    const int pre = g.do_lt || g.do_ft || g.do_lpft;
    g.sc = calloc_array(NN, K, sizeof *g.sc), g.lt = calloc_array(NN, K, sizeof *g.lt);
    g.ft = calloc_array(NN, K, sizeof *g.ft), g.rank = calloc_array(NN, K, sizeof *g.rank);
    g.lpft = calloc_array(NN, K, sizeof *g.lpft);
    g.nan_k = malloc(K * sizeof *g.nan_k);
    fate_status st = g.sc && g.lt && g.ft && g.lpft && g.rank && g.nan_k
                         ? row_alloc(&g.row, pre ? K : 1, pre ? m : 1, pre ? d : 1)
                         : FATE_ENOMEM;
    if (st == FATE_OK) {
        for (size_t i = 0; i < K; i++) g.nan_k[i] = NAN;
        grid_stages stages = {&g, w->n_overlaps, NN, K, g.do_sc, pre, relu_scratch_item,
                              relu_pretrain_item, relu_cell_item, NULL, relu_cell_done};
        /* the caller's hooks take (overlap_index, n_index) = (row, col) as they are */
        grid_hooks gh = {h ? h->ctx : NULL, h ? h->skip : NULL, h ? h->should_stop : NULL,
                         h ? h->progress : NULL};
        st = grid_run(&stages, &gh, w->threads, err);
    }
    free(g.sc); free(g.lt); free(g.ft); free(g.lpft); free(g.rank); free(g.nan_k);
    row_free(&g.row);
    return st;
}
