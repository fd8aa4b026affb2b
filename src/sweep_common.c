/* sweep_common.c - what the two sweep engines (sweep.c for deep linear
 * networks, mlp_sweep.c for two-layer networks) share: the stop flag polled
 * between work items, the serialised progress count and the first error;
 * and the OpenMP team size of every parallel loop of the library. */
#include <omp.h>

#include "internal.h"

int team_threads(int threads)
{
    if (threads > 0) return threads;
    int t = omp_get_max_threads();
    return t < 1 ? 1 : t > FATE_MAX_THREADS ? FATE_MAX_THREADS : t;
}

int sweep_poll_stop(sweep_shared *sh)
{
    int stop;
#pragma omp atomic read
    stop = sh->stop;
    if (!stop && sh->should_stop && sh->should_stop(sh->ctx)) {
#pragma omp atomic write
        sh->stop = 1;
        stop = 1;
    }
    return stop;
}

void sweep_item_done(sweep_shared *sh)
{
#pragma omp critical(fate_sweep_progress)
    {
        sh->done++;
        if (sh->progress) sh->progress(sh->ctx, sh->done, sh->total);
    }
}

void sweep_fail(sweep_shared *sh, fate_status st, unsigned method, size_t step, uint64_t inst, size_t j,
                size_t t)
{
#pragma omp critical(fate_sweep_fail)
    {
        if (sh->status == FATE_OK) {
            sh->status = st;
            sh->err = (fate_sweep_error){method, step, inst, j, t};
        }
    }
#pragma omp atomic write
    sh->stop = 1;
}

void sweep_stop(sweep_shared *sh)
{
#pragma omp atomic write
    sh->stop = 1;
}

size_t sweep_plan(unsigned char *todo, unsigned char *need_a, unsigned char *need_b, size_t *na, size_t *nb,
                  size_t A, size_t B, int (*skip)(void *ctx, size_t a, size_t b), void *ctx)
{
    size_t cells = 0;
    for (size_t a = 0; a < A; a++)
        for (size_t b = 0; b < B; b++) {
            int done = skip && skip(ctx, a, b);
            todo[a * B + b] = !done;
            if (!done) {
                cells++;
                need_a[a] = need_b[b] = 1;
            }
        }
    *na = *nb = 0;
    for (size_t a = 0; a < A; a++) *na += need_a[a];
    for (size_t b = 0; b < B; b++) *nb += need_b[b];
    return cells;
}
