/* mlp_sweep.c - a grid of (overlap, n) cells for two-layer networks, K
 * instances each, in parallel: the nonlinear counterpart of sweep.c.
 *
 * Schedule (each stage a pure function of its indices, so the output never
 * depends on threads or order):
 *   1. scratch runs, one per (n_j, instance) with an unfinished cell (the
 *      target teacher and target set do not depend on the overlap);
 *   2. per overlap row t with an unfinished cell: pretraining, one per
 *      (overlap_t, instance), with the student's |P_perp f_t|^2; then items
 *      (n_j, instance): target set, linear transfer, fine-tuning. A cell is
 *      reported as soon as its K items are done.
 * OpenMP threads take items dynamically; BLAS runs single-threaded inside.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include <omp.h>

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
    if (!(w->base.methods & (FATE_METHOD_SCRATCH | FATE_METHOD_LT | FATE_METHOD_FT)))
        return "methods must hold at least one of scratch, lt, ft";
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

/* One (cell, instance) item of stage 2: target set, LT, FT. */
static fate_status cell_item(fate_relu_method_result *lt, size_t *rank, fate_relu_method_result *ft,
                             unsigned *stage, size_t *step, const fate_relu_spec *s, const double *Wp,
                             const double *cp, uint64_t i)
{
    relu_teachers T;
    fate_status st = relu_teachers_make(&T, s, i);
    if (st != FATE_OK) return st;
    double *X = alloc_array(s->n, s->d, sizeof *X), *y = malloc(s->n * sizeof *y);
    st = X && y ? relu_target(X, y, s, &T, i) : FATE_ENOMEM;
    *stage = FATE_METHOD_LT;
    if (st == FATE_OK && (s->methods & FATE_METHOD_LT)) st = relu_lt(lt, rank, s, &T, Wp, cp, X, y, i);
    if (st == FATE_OK && (s->methods & FATE_METHOD_FT)) {
        *stage = FATE_METHOD_FT;
        st = relu_ft(ft, step, s, &T, Wp, cp, X, y, i);
    }
    free(X);
    free(y);
    relu_teachers_free(&T);
    return st;
}

fate_status fate_relu_sweep_run(const fate_relu_sweep *w, const fate_relu_sweep_hooks *h,
                                fate_sweep_error *err)
{
    if (fate_relu_sweep_check(w)) return FATE_EINVAL;
    const size_t NO = w->n_overlaps, NN = w->n_ns, K = w->instances;
    const size_t m = w->base.m, d = w->base.d;
    const unsigned meth = w->base.methods;
    const int do_sc = (meth & FATE_METHOD_SCRATCH) != 0, do_lt = (meth & FATE_METHOD_LT) != 0,
              do_ft = (meth & FATE_METHOD_FT) != 0, do_pre = do_lt || do_ft;

    unsigned char *todo = calloc_array(NO, NN, 1), *need_n = calloc(NN, 1), *need_o = calloc(NO, 1);
    fate_relu_method_result *sc = calloc_array(NN, K, sizeof *sc);
    fate_relu_method_result *lt = calloc_array(NN, K, sizeof *lt), *ft = calloc_array(NN, K, sizeof *ft);
    size_t *rank = calloc_array(NN, K, sizeof *rank), *left = calloc(NN, sizeof *left);
    double *nan_k = malloc(K * sizeof *nan_k);
    row_state row;
    memset(&row, 0, sizeof row);
    fate_status st0 = (todo && need_n && need_o && sc && lt && ft && rank && left && nan_k)
                          ? row_alloc(&row, do_pre ? K : 1, do_pre ? m : 1, do_pre ? d : 1)
                          : FATE_ENOMEM;
    if (st0 != FATE_OK) {
        free(todo); free(need_n); free(need_o); free(sc); free(lt); free(ft); free(rank); free(left);
        free(nan_k);
        row_free(&row);
        return FATE_ENOMEM;
    }
    for (size_t i = 0; i < K; i++) nan_k[i] = NAN;
    size_t rows, cols;
    const size_t cells = sweep_plan(todo, need_o, need_n, &rows, &cols, NO, NN, h ? h->skip : NULL,
                                    h ? h->ctx : NULL);

    sweep_shared sh = {.ctx = h ? h->ctx : NULL, .should_stop = h ? h->should_stop : NULL,
                       .progress = h ? h->progress : NULL, .status = FATE_OK};
    sh.total = (do_sc ? cols * K : 0) + (do_pre ? rows * K + cells * K : 0);

    const int blas_threads = blas_threads_get();
    blas_threads_set(1);
    const int nt = team_threads(w->threads);

    /* 1. scratch, once per (n, instance) */
    if (do_sc) {
        const long items = (long)(NN * K);
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
        for (long it = 0; it < items; it++) {
            size_t j = (size_t)it / K, i = (size_t)it % K;
            if (!need_n[j] || sweep_poll_stop(&sh)) continue;
            fate_relu_spec s = cell_spec(w, 0, j);
            relu_teachers T;
            size_t step = 0;
            fate_status st = relu_teachers_make(&T, &s, i);
            double *X = alloc_array(s.n, d, sizeof *X), *y = malloc(s.n * sizeof *y);
            if (st == FATE_OK) st = X && y ? relu_target(X, y, &s, &T, i) : FATE_ENOMEM;
            if (st == FATE_OK) st = relu_scratch(&sc[j * K + i], &step, &s, &T, X, y, i);
            free(X);
            free(y);
            relu_teachers_free(&T);
            if (st != FATE_OK) sweep_fail(&sh, st, FATE_METHOD_SCRATCH, step, i, j, 0);
            else sweep_item_done(&sh);
        }
    }

    /* 2. rows of constant overlap (or, without transfer, the cells directly) */
    for (size_t t = 0; t < NO && !sh.stop; t++) {
        if (!need_o[t]) continue;
        if (!do_pre) {
            for (size_t j = 0; j < NN && !sh.stop; j++) {
                if (!todo[t * NN + j]) continue;
                fate_relu_cell c = {t, j, w->overlaps[t], w->ns[j], K, NULL, do_sc ? sc + j * K : NULL, NULL,
                                    NULL, NULL, nan_k, nan_k, nan_k};
                if (h && h->cell_done && h->cell_done(h->ctx, &c)) sh.stop = 1;
            }
            continue;
        }
        for (size_t j = 0; j < NN; j++) left[j] = todo[t * NN + j] ? K : 0;
#pragma omp parallel num_threads(nt)
        {
#pragma omp for schedule(dynamic, 1)
            for (long il = 0; il < (long)K; il++) {
                size_t i = (size_t)il;
                if (sweep_poll_stop(&sh)) continue;
                fate_relu_spec s = cell_spec(w, t, 0);
                relu_teachers T;
                size_t step = 0;
                fate_status st = relu_teachers_make(&T, &s, i);
                if (st == FATE_OK) {
                    row.pp_source[i] = T.pperp_source;
                    row.norm2[i] = T.target_norm2;
                    st = relu_pretrain_ws(row.W + i * m * d, row.c + i * m, &row.pre[i], &row.pp_student[i],
                                          &step, &s, &T, i);
                }
                relu_teachers_free(&T);
                if (st != FATE_OK) sweep_fail(&sh, st, 0, step, i, 0, t);
                else sweep_item_done(&sh);
            }
            /* implicit barrier: every pretrained network of the row exists */
#pragma omp for schedule(dynamic, 1)
            for (long it = 0; it < (long)(NN * K); it++) {
                size_t j = (size_t)it / K, i = (size_t)it % K;
                if (!todo[t * NN + j] || sweep_poll_stop(&sh)) continue;
                fate_relu_spec s = cell_spec(w, t, j);
                unsigned stage = FATE_METHOD_LT;
                size_t step = 0;
                fate_status st = cell_item(&lt[j * K + i], &rank[j * K + i], &ft[j * K + i], &stage, &step,
                                           &s, row.W + i * m * d, row.c + i * m, i);
                if (st != FATE_OK) {
                    sweep_fail(&sh, st, stage, step, i, j, t);
                    continue;
                }
                size_t finished;
#pragma omp atomic capture
                finished = --left[j];
                if (finished == 0) {
#pragma omp critical(fate_relu_sweep_cell)
                    {
                        fate_relu_cell c = {t, j, w->overlaps[t], w->ns[j], K, row.pre,
                                            do_sc ? sc + j * K : NULL, do_lt ? lt + j * K : NULL,
                                            do_ft ? ft + j * K : NULL, do_lt ? rank + j * K : NULL,
                                            row.pp_student, row.pp_source, row.norm2};
                        if (h && h->cell_done && h->cell_done(h->ctx, &c)) {
                            sweep_stop(&sh);
                        }
                    }
                }
                /* after the cell is reported, so the last progress line counts it */
                sweep_item_done(&sh);
            }
        }
    }

    blas_threads_set(blas_threads);
    fate_status st = sh.status;
    if (st == FATE_OK && sh.stop) st = FATE_EINTERRUPTED;
    if (err) *err = sh.err;
    free(todo); free(need_n); free(need_o); free(sc); free(lt); free(ft); free(rank); free(left);
    free(nan_k);
    row_free(&row);
    return st;
}
