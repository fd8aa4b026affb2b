/* sweep.c - the deep linear model's sweep: a grid of (gamma, theta) cells,
 * K instances each, as stages of the one scheduler (grid.c): rows are
 * thetas, columns gammas.
 *   1. per (gamma_j, instance) with an unfinished cell: the target set and
 *      what needs nothing else: scratch, its early-stopped twin (one
 *      training) and the tuned ridge baselines;
 *   2. per theta row t with an unfinished cell: pretraining, one per
 *      (theta_t, instance), with its feature basis (the SVD of the feature
 *      map, done once, not once per gamma) when lt or lpft runs; then items
 *      (theta_t, gamma_j, instance): target set, linear transfer for every
 *      ridge value, fine-tuning, LP-FT, parameter transfer.
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
    if (w->base.methods & ~(unsigned)FATE_SWEEP_METHODS)
        return "methods of a sweep are scratch, lt, ft, lpft, l2sp, ridge, ridge_cv and early_stop (l2sp_w runs in "
               "fate run only)";
    if (w->baseline & ~(unsigned)(FATE_METHOD_SCRATCH | FATE_BASELINE_BEST) ||
        ((w->baseline & FATE_METHOD_SCRATCH) && w->baseline != FATE_METHOD_SCRATCH))
        return "baseline must be scratch (0), ridge, ridge_cv, early_stop, or several of the last three (the best "
               "of them)";
    /* without scratch the paper's T is left NaN; a named baseline must run */
    if (w->baseline & ~w->base.methods) return "baseline: its methods must be among the sweep's methods";
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

/* The per-instance results of one method over the columns: (G, K), with a
 * scalar beside each (the coefficient c, the ridge used); NULL when the
 * method does not run. */
typedef struct lin_res {
    fate_method_result *r;
    double *x;
} lin_res;

/* The linear model's sweep state: rows are thetas, columns gammas. */
typedef struct lin_grid {
    const fate_sweep *w;
    const fate_sweep_hooks *h;
    unsigned m;                    /* the methods */
    lin_res sc, ft, lpft, l2sp, ridge, cv, es; /* (G, K) each */
    fate_method_result *lt;        /* (G, K, NL) */
    fate_method_result *pre_res;   /* (K) */
    pretrained_t *pre;             /* (K) the current row's networks */
} lin_grid;

/* The methods that need only the target set (stage 1) and those that need
 * the pretrained network (stage 2). */
#define STAGE1 (FATE_METHOD_SCRATCH | FATE_METHOD_RIDGE | FATE_METHOD_RIDGE_CV | FATE_METHOD_EARLY_STOP)
#define STAGE2 (FATE_METHOD_LT | FATE_METHOD_FT | FATE_METHOD_LPFT | FATE_METHOD_L2SP)

static fate_status lin_scratch(void *ctx, size_t j, size_t i, size_t *step)
{
    const lin_grid *g = ctx;
    const size_t at = j * g->w->instances + i;
    fate_spec s = cell_spec(g->w, j, 0);
    target_t tg;
    double lambda;
    fate_status st = proto_target(&tg, &s, i);
    /* scratch and its early-stopped twin come from one training */
    if (st == FATE_OK && (g->m & (FATE_METHOD_SCRATCH | FATE_METHOD_EARLY_STOP)))
        st = proto_scratch_es(g->sc.r ? &g->sc.r[at] : NULL, g->es.r ? &g->es.r[at] : NULL, NULL, &tg, &s,
                              s.weight_decay, i, step);
    if (st == FATE_OK && (g->m & FATE_METHOD_RIDGE)) st = proto_ridge(&g->ridge.r[at], &lambda, &tg, &s, 0);
    if (st == FATE_OK && (g->m & FATE_METHOD_RIDGE_CV)) st = proto_ridge(&g->cv.r[at], &g->cv.x[at], &tg, &s, 1);
    target_free(&tg);
    return st;
}

static fate_status lin_pretrain(void *ctx, size_t t, size_t i, size_t *step)
{
    const lin_grid *g = ctx;
    fate_spec s = cell_spec(g->w, 0, t);
    const int basis = (g->m & (FATE_METHOD_LT | FATE_METHOD_LPFT)) != 0;
    fate_status st = proto_pretrain(&g->pre[i], &s, s.theta, (uint64_t)i, basis, step);
    if (st == FATE_OK) g->pre_res[i] = g->pre[i].res;
    return st;
}

/* The target set, linear transfer for every ridge value, fine-tuning, LP-FT,
 * parameter transfer: the order of fate_run_instance. */
static fate_status lin_cell_item(void *ctx, size_t t, size_t j, size_t i, unsigned *stage, size_t *step)
{
    const lin_grid *g = ctx;
    const size_t K = g->w->instances, NL = g->w->n_lambdas, at = j * K + i;
    fate_spec s = cell_spec(g->w, j, t);
    target_t tg;
    fate_status st = proto_target(&tg, &s, i);
    for (size_t l = 0; st == FATE_OK && (g->m & FATE_METHOD_LT) && l < NL; l++)
        st = proto_lt(&g->lt[at * NL + l], &g->pre[i], &tg, &s, g->w->lambdas[l]);
    if (st == FATE_OK && (g->m & FATE_METHOD_FT)) {
        *stage = FATE_METHOD_FT;
        st = proto_ft(&g->ft.r[at], &g->ft.x[at], &g->pre[i], &tg, &s, step);
    }
    if (st == FATE_OK && (g->m & FATE_METHOD_LPFT)) {
        *stage = FATE_METHOD_LPFT;
        st = proto_lpft(&g->lpft.r[at], &g->lpft.x[at], &g->pre[i], &tg, &s, step);
    }
    if (st == FATE_OK && (g->m & FATE_METHOD_L2SP)) {
        *stage = FATE_METHOD_L2SP;
        st = proto_l2sp(&g->l2sp.r[at], &g->l2sp.x[at], &g->pre[i], &tg, &s);
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

/* Column j's results of one method, or NULL. */
static const fate_method_result *res_at(const lin_res *r, size_t j, size_t K) { return r->r ? r->r + j * K : NULL; }
static const double *x_at(const lin_res *r, size_t j, size_t K) { return r->x ? r->x + j * K : NULL; }

static int lin_cell_done(void *ctx, size_t t, size_t j)
{
    const lin_grid *g = ctx;
    const fate_sweep *w = g->w;
    const size_t K = w->instances, NL = w->n_lambdas;
    fate_cell c = {j, t, w->gammas[j], w->thetas[t], cell_spec(w, j, t).n, K, NL,
                   (g->m & STAGE2) ? g->pre_res : NULL, res_at(&g->sc, j, K),
                   g->lt ? g->lt + j * K * NL : NULL, res_at(&g->ft, j, K), x_at(&g->ft, j, K),
                   res_at(&g->lpft, j, K), x_at(&g->lpft, j, K), res_at(&g->l2sp, j, K), x_at(&g->l2sp, j, K),
                   res_at(&g->ridge, j, K), res_at(&g->cv, j, K), x_at(&g->cv, j, K), res_at(&g->es, j, K)};
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

/* One method's (G, K) arrays when it runs (with its scalars when x): 0, or
 * -1 out of memory. */
static int res_alloc(lin_res *r, unsigned m, unsigned bit, int x, size_t G, size_t K)
{
    if (!(m & bit)) return 0;
    r->r = calloc_array(G, K, sizeof *r->r);
    if (x) r->x = calloc_array(G, K, sizeof *r->x);
    return r->r && (!x || r->x) ? 0 : -1;
}

static void lin_grid_free(lin_grid *g)
{
    lin_res *all[] = {&g->sc, &g->ft, &g->lpft, &g->l2sp, &g->ridge, &g->cv, &g->es};
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++) free(all[k]->r), free(all[k]->x);
    free(g->lt), free(g->pre_res), free(g->pre);
}

fate_status fate_sweep_run(const fate_sweep *w, const fate_sweep_hooks *h, fate_sweep_error *err)
{
    if (fate_sweep_check(w)) return FATE_EINVAL;
    const size_t G = w->n_gammas, K = w->instances, NL = w->n_lambdas;
    const unsigned m = w->base.methods;
    lin_grid g = {.w = w, .h = h, .m = m};
    int bad = res_alloc(&g.sc, m, FATE_METHOD_SCRATCH, 0, G, K) | res_alloc(&g.ft, m, FATE_METHOD_FT, 1, G, K) |
              res_alloc(&g.lpft, m, FATE_METHOD_LPFT, 1, G, K) | res_alloc(&g.l2sp, m, FATE_METHOD_L2SP, 1, G, K) |
              res_alloc(&g.ridge, m, FATE_METHOD_RIDGE, 0, G, K) | res_alloc(&g.cv, m, FATE_METHOD_RIDGE_CV, 1, G, K) |
              res_alloc(&g.es, m, FATE_METHOD_EARLY_STOP, 0, G, K);
    if (m & FATE_METHOD_LT) bad |= !(g.lt = calloc_array(G * K, NL, sizeof *g.lt));
    g.pre_res = calloc(K, sizeof *g.pre_res), g.pre = calloc(K, sizeof *g.pre);
    fate_status st = FATE_ENOMEM;
    if (!bad && g.pre_res && g.pre) {
        grid_stages stages = {&g, w->n_thetas, G, K, (m & STAGE1) != 0, (m & STAGE2) != 0, lin_scratch,
                              lin_pretrain, lin_cell_item, lin_row_done, lin_cell_done};
        grid_hooks gh = {(void *)h, lin_skip, lin_should_stop, lin_progress};
        st = grid_run(&stages, h ? &gh : NULL, w->threads, err);
    }
    lin_grid_free(&g);
    return st;
}
