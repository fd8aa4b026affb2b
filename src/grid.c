/* grid.c - the one sweep scheduler of every model: a grid of rows x cols
 * cells, K instances each, in parallel, with the work shared the way a
 * careful experimenter shares it.
 *
 * A model describes its experiment as three kinds of work items (grid.h in
 * internal.h, `grid_stages`):
 *   1. scratch items (col, instance): what does not depend on the row (the
 *      target set and the scratch baseline: the target teacher is the same on
 *      every row), once per column, shared by every row;
 *   2. per row with an unfinished cell: pretraining items (row, instance),
 *      shared by every column of the row; then cell items (row, col,
 *      instance) using both (target set, transfer methods).
 * A cell is handed to the model's cell_done as soon as its K items are done
 * (in a model without transfer stages, its column's K scratch items).
 * Every item is a pure function of its indices, so the results never depend
 * on the number of threads or the order of execution; OpenMP threads take
 * items dynamically and BLAS runs single-threaded inside (no
 * oversubscription). The deep linear sweep (sweep.c) and the two-layer sweep
 * (mlp_sweep.c) are two sets of stages over this one loop.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Without transfer a column's cells are ready when its K scratch items are:
 * report them then (not after the whole stage), so an interrupted run keeps
 * every finished column. left (cols) counts each column's unfinished items. */
static void column_done(const grid_stages *g, sweep_shared *sh, const unsigned char *todo, size_t *left,
                        size_t j)
{
    size_t finished;
#pragma omp atomic capture
    finished = --left[j];
    if (finished != 0) return;
#pragma omp critical(fate_grid_cell)
    {
        for (size_t t = 0; t < g->rows; t++)
            if (todo[t * g->cols + j] && g->cell_done(g->ctx, t, j)) {
                sweep_stop(sh);
                break;
            }
    }
}

/* Stage 1: scratch items of the columns that have an unfinished cell. */
static void run_scratch(const grid_stages *g, sweep_shared *sh, const unsigned char *todo,
                        const unsigned char *need_col, size_t *left, int nt)
{
    const size_t K = g->instances;
    const long items = (long)(g->cols * K);
    for (size_t j = 0; j < g->cols; j++) left[j] = K;
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
    for (long it = 0; it < items; it++) {
        const size_t j = (size_t)it / K, i = (size_t)it % K;
        if (!need_col[j] || sweep_poll_stop(sh)) continue;
        size_t step = 0;
        fate_status st = g->scratch_item(g->ctx, j, i, &step);
        if (st != FATE_OK) {
            sweep_fail(sh, st, FATE_METHOD_SCRATCH, step, i, j, 0);
            continue;
        }
        if (!g->transfer) column_done(g, sh, todo, left, j);
        /* after the cells are reported, so the last progress line counts them */
        sweep_item_done(sh);
    }
}

/* Stage 2 of one row: its pretraining items, then its cell items. left
 * (cols) counts the unfinished items of each cell of the row. */
static void run_row(const grid_stages *g, sweep_shared *sh, const unsigned char *todo, size_t t,
                    size_t *left, int nt)
{
    const size_t C = g->cols, K = g->instances;
    for (size_t j = 0; j < C; j++) left[j] = todo[t * C + j] ? K : 0;
#pragma omp parallel num_threads(nt)
    {
#pragma omp for schedule(dynamic, 1)
        for (long il = 0; il < (long)K; il++) {
            const size_t i = (size_t)il;
            if (sweep_poll_stop(sh)) continue;
            size_t step = 0;
            fate_status st = g->pretrain_item(g->ctx, t, i, &step);
            if (st != FATE_OK) sweep_fail(sh, st, 0, step, i, 0, t);
            else sweep_item_done(sh);
        }
        /* implicit barrier: every pretrained network of the row exists */
#pragma omp for schedule(dynamic, 1)
        for (long it = 0; it < (long)(C * K); it++) {
            const size_t j = (size_t)it / K, i = (size_t)it % K;
            if (!todo[t * C + j] || sweep_poll_stop(sh)) continue;
            unsigned stage = FATE_METHOD_LT;
            size_t step = 0;
            fate_status st = g->cell_item(g->ctx, t, j, i, &stage, &step);
            if (st != FATE_OK) {
                sweep_fail(sh, st, stage, step, i, j, t);
                continue;
            }
            size_t finished;
#pragma omp atomic capture
            finished = --left[j];
            if (finished == 0) {
#pragma omp critical(fate_grid_cell)
                {
                    if (g->cell_done(g->ctx, t, j)) sweep_stop(sh);
                }
            }
            /* after the cell is reported, so the last progress line counts it */
            sweep_item_done(sh);
        }
    }
    if (g->row_done) g->row_done(g->ctx, t);
}

fate_status grid_run(const grid_stages *g, const grid_hooks *h, int threads, fate_sweep_error *err)
{
    const size_t R = g->rows, C = g->cols, K = g->instances;
    unsigned char *todo = calloc_array(R, C, 1), *need_row = calloc(R, 1), *need_col = calloc(C, 1);
    size_t *left = calloc(C, sizeof *left);
    if (!todo || !need_row || !need_col || !left) {
        free(todo); free(need_row); free(need_col); free(left);
        return FATE_ENOMEM;
    }
    size_t rows, cols;
    const size_t cells = sweep_plan(todo, need_row, need_col, &rows, &cols, R, C, h ? h->skip : NULL,
                                    h ? h->ctx : NULL);
    sweep_shared sh = {.ctx = h ? h->ctx : NULL, .should_stop = h ? h->should_stop : NULL,
                       .progress = h ? h->progress : NULL, .status = FATE_OK};
    sh.total = (g->scratch ? cols * K : 0) + (g->transfer ? rows * K + cells * K : 0);

    const int blas_threads = blas_threads_get();
    blas_threads_set(1);
    const int nt = team_threads(threads);
    if (g->scratch) run_scratch(g, &sh, todo, need_col, left, nt);
    for (size_t t = 0; g->transfer && t < R && !sh.stop; t++)
        if (need_row[t]) run_row(g, &sh, todo, t, left, nt);
    blas_threads_set(blas_threads);

    fate_status st = sh.status;
    if (st == FATE_OK && sh.stop) st = FATE_EINTERRUPTED;
    if (err) *err = sh.err;
    free(todo); free(need_row); free(need_col); free(left);
    return st;
}
