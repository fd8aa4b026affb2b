/* sweep.c - the deep linear model's sweep: a grid of (gamma, theta) cells,
 * K instances each, as stages of the one scheduler (grid.c): rows are
 * thetas, columns gammas.
 *   1. scratch, one per (gamma_j, instance) with an unfinished cell;
 *   2. per theta row t with an unfinished cell: pretraining, one per
 *      (theta_t, instance), with its linear-transfer basis (the SVD of the
 *      feature map, done once, not once per gamma); then items (theta_t,
 *      gamma_j, instance): target set, linear transfer for every ridge value,
 *      fine-tuning.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fate.h"
#include "internal.h"

const char *fate_sweep_check(const fate_sweep *w)
{
    if (!w) return "sweep is NULL";
    if (!w->gammas || w->n_gammas == 0) return "gammas must hold at least one value";
    if (!w->thetas || w->n_thetas == 0) return "thetas must hold at least one value";
    if (!w->lambdas || w->n_lambdas == 0) return "lambdas must hold at least one value (0 for none)";
    if (w->instances < 1) return "instances must be >= 1";
    if (w->threads < 0 || w->threads > FATE_MAX_THREADS)
        return "threads must be in [0, 1024] (0: the OpenMP default)";
    /* the sweep holds the grid and every (gamma, instance, lambda) result at
     * once: their byte counts must not overflow */
    if (!bytes_ok(w->n_gammas, w->n_thetas, sizeof(fate_method_result)))
        return "gammas and thetas: the grid has too many cells";
    if (!bytes_ok(w->n_gammas, w->instances, sizeof(fate_method_result)) ||
        !bytes_ok(w->n_gammas * w->instances, w->n_lambdas, sizeof(fate_method_result)) ||
        !bytes_ok(w->instances, 1, sizeof(pretrained_t)))
        return "instances is too large: the sweep's results cannot be addressed";
    /* the base spec first (d and the network), then the grid */
    if (w->base.methods & ~(unsigned)(FATE_METHOD_SCRATCH | FATE_METHOD_LT | FATE_METHOD_FT))
        return "methods of a sweep are scratch, lt and ft (lpft, l2sp, ridge and ridge_cv run in fate run, not yet in "
               "sweeps)";
    fate_spec s = w->base;
    s.n = 1;
    s.theta = 0.0;
    s.lambda = 0.0;
    const char *msg = fate_spec_check(&s);
    if (msg) return msg;
    size_t nmax = 1;
    for (size_t j = 0; j < w->n_gammas; j++) {
        /* n = round(gamma d) is bounded before lround sees it (lround of a
         * value beyond long is undefined); fate_spec_check bounds it further */
        const double x = w->gammas[j] * (double)w->base.d;
        if (!(w->gammas[j] > 0.0) || !isfinite(w->gammas[j]) || !(x < 2147483648.0) || lround(x) < 1)
            return "every gamma must be > 0 with n = round(gamma d) in [1, 2147483647]";
        if ((size_t)lround(x) > nmax) nmax = (size_t)lround(x);
    }
    for (size_t t = 0; t < w->n_thetas; t++) {
        if (!(w->thetas[t] >= 0.0 && w->thetas[t] <= M_PI)) return "every theta must be in [0, pi]";
        if (!theta_ok_for_d(w->thetas[t], w->base.d))
            return "every theta must be 0 or pi when d = 1 (the source teacher needs a second dimension)";
    }
    for (size_t l = 0; l < w->n_lambdas; l++)
        if (!(w->lambdas[l] >= 0.0) || !isfinite(w->lambdas[l])) return "every lambda must be >= 0";
    /* the largest n bounds every cell's arrays */
    s.n = nmax;
    return fate_spec_check(&s);
}

/* The spec of cell (j, t). */
static fate_spec cell_spec(const fate_sweep *w, size_t j, size_t t)
{
    fate_spec s = w->base;
    s.n = (size_t)lround(w->gammas[j] * (double)w->base.d);
    s.theta = w->thetas[t];
    s.lambda = w->lambdas[0];
    return s;
}

/* The linear model's sweep state: rows are thetas, columns gammas. */
typedef struct lin_grid {
    const fate_sweep *w;
    const fate_sweep_hooks *h;
    int do_sc, do_lt, do_ft;
    fate_method_result *sc, *lt, *ft, *pre_res; /* (G, K), (G, K, NL), (G, K), (K) */
    double *ftc;                                /* (G, K) */
    pretrained_t *pre;                          /* (K) the current row's networks */
} lin_grid;

static fate_status lin_scratch(void *ctx, size_t j, size_t i, size_t *step)
{
    const lin_grid *g = ctx;
    fate_spec s = cell_spec(g->w, j, 0);
    target_t tg;
    fate_status st = proto_target(&tg, &s, i);
    if (st == FATE_OK) st = proto_scratch(&g->sc[j * g->w->instances + i], &tg, &s, s.weight_decay, i, step);
    target_free(&tg);
    return st;
}

static fate_status lin_pretrain(void *ctx, size_t t, size_t i, size_t *step)
{
    const lin_grid *g = ctx;
    fate_spec s = cell_spec(g->w, 0, t);
    fate_status st = proto_pretrain(&g->pre[i], &s, s.theta, (uint64_t)i, g->do_lt, step);
    if (st == FATE_OK) g->pre_res[i] = g->pre[i].res;
    return st;
}

/* The target set, linear transfer for every ridge value, fine-tuning. */
static fate_status lin_cell_item(void *ctx, size_t t, size_t j, size_t i, unsigned *stage, size_t *step)
{
    const lin_grid *g = ctx;
    const size_t K = g->w->instances, NL = g->w->n_lambdas;
    fate_spec s = cell_spec(g->w, j, t);
    target_t tg;
    fate_status st = proto_target(&tg, &s, i);
    for (size_t l = 0; st == FATE_OK && g->do_lt && l < NL; l++)
        st = proto_lt(&g->lt[(j * K + i) * NL + l], &g->pre[i], &tg, &s, g->w->lambdas[l]);
    if (st == FATE_OK && g->do_ft) {
        *stage = FATE_METHOD_FT;
        st = proto_ft(&g->ft[j * K + i], &g->ftc[j * K + i], &g->pre[i], &tg, &s, step);
    }
    target_free(&tg);
    return st;
}

static void lin_row_done(void *ctx, size_t t)
{
    (void)t;
    lin_grid *g = ctx;
    for (size_t i = 0; i < g->w->instances; i++) pretrained_free(&g->pre[i]);
}

static int lin_cell_done(void *ctx, size_t t, size_t j)
{
    const lin_grid *g = ctx;
    const fate_sweep *w = g->w;
    const size_t K = w->instances, NL = w->n_lambdas;
    const int pre = g->do_lt || g->do_ft;
    fate_cell c = {j, t, w->gammas[j], w->thetas[t], cell_spec(w, j, t).n, K, NL,
                   pre ? g->pre_res : NULL, g->do_sc ? g->sc + j * K : NULL,
                   g->do_lt ? g->lt + j * K * NL : NULL, g->do_ft ? g->ft + j * K : NULL,
                   g->do_ft ? g->ftc + j * K : NULL};
    return g->h && g->h->cell_done && g->h->cell_done(g->h->ctx, &c);
}

/* The caller's hooks take (gamma_index, theta_index) = (col, row). */
static int lin_skip(void *ctx, size_t t, size_t j)
{
    const fate_sweep_hooks *h = ctx;
    return h->skip && h->skip(h->ctx, j, t);
}

static int lin_should_stop(void *ctx)
{
    const fate_sweep_hooks *h = ctx;
    return h->should_stop && h->should_stop(h->ctx);
}

static void lin_progress(void *ctx, size_t done, size_t total)
{
    const fate_sweep_hooks *h = ctx;
    if (h->progress) h->progress(h->ctx, done, total);
}

fate_status fate_sweep_run(const fate_sweep *w, const fate_sweep_hooks *h, fate_sweep_error *err)
{
    if (fate_sweep_check(w)) return FATE_EINVAL;
    const size_t G = w->n_gammas, K = w->instances, NL = w->n_lambdas;
    const unsigned m = w->base.methods;
    lin_grid g = {.w = w, .h = h, .do_sc = (m & FATE_METHOD_SCRATCH) != 0,
                  .do_lt = (m & FATE_METHOD_LT) != 0, .do_ft = (m & FATE_METHOD_FT) != 0};
    g.sc = calloc_array(G, K, sizeof *g.sc), g.pre_res = calloc(K, sizeof *g.pre_res);
    g.lt = calloc_array(G * K, NL, sizeof *g.lt), g.ft = calloc_array(G, K, sizeof *g.ft);
    g.ftc = calloc_array(G, K, sizeof *g.ftc), g.pre = calloc(K, sizeof *g.pre);
    fate_status st = FATE_ENOMEM;
    if (g.sc && g.pre_res && g.lt && g.ft && g.ftc && g.pre) {
        grid_stages stages = {&g, w->n_thetas, G, K, g.do_sc, g.do_lt || g.do_ft, lin_scratch,
                              lin_pretrain, lin_cell_item, lin_row_done, lin_cell_done};
        grid_hooks gh = {(void *)h, lin_skip, lin_should_stop, lin_progress};
        st = grid_run(&stages, h ? &gh : NULL, w->threads, err);
    }
    free(g.sc); free(g.pre_res); free(g.lt); free(g.ft); free(g.ftc); free(g.pre);
    return st;
}
