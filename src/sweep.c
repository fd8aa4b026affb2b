/* sweep.c - a grid of (gamma, theta) cells, K instances each, in parallel.
 *
 * Schedule (each stage a pure function of its indices, so the output never
 * depends on threads or order):
 *   1. scratch runs, one per (gamma_j, instance) with an unfinished cell;
 *   2. per theta row t with an unfinished cell:
 *        pretraining, one per (theta_t, instance), with its linear-transfer
 *        basis (the SVD of the feature map, done once, not once per gamma);
 *        then items (gamma_j, instance): target set, linear transfer for every
 *        ridge value, fine-tuning. A cell is reported as soon as its K items
 *        are done.
 * OpenMP threads take items dynamically; BLAS runs single-threaded inside.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include <omp.h>

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

fate_status fate_sweep_run(const fate_sweep *w, const fate_sweep_hooks *h, fate_sweep_error *err)
{
    if (fate_sweep_check(w)) return FATE_EINVAL;
    const size_t G = w->n_gammas, T = w->n_thetas, K = w->instances, NL = w->n_lambdas;
    const unsigned m = w->base.methods;
    const int do_sc = (m & FATE_METHOD_SCRATCH) != 0, do_lt = (m & FATE_METHOD_LT) != 0,
              do_ft = (m & FATE_METHOD_FT) != 0, do_pre = do_lt || do_ft;

    /* which cells, rows and columns still need work */
    unsigned char *todo = calloc_array(G, T, 1), *need_g = calloc(G, 1), *need_t = calloc(T, 1);
    fate_method_result *sc = calloc_array(G, K, sizeof *sc), *pre_res = calloc(K, sizeof *pre_res);
    fate_method_result *lt = calloc_array(G * K, NL, sizeof *lt), *ft = calloc_array(G, K, sizeof *ft);
    double *ftc = calloc_array(G, K, sizeof *ftc);
    size_t *left = calloc(G, sizeof *left);
    pretrained_t *pre = calloc(K, sizeof *pre);
    if (!todo || !need_g || !need_t || !sc || !pre_res || !lt || !ft || !ftc || !left || !pre) {
        free(todo); free(need_g); free(need_t); free(sc); free(pre_res); free(lt); free(ft);
        free(ftc); free(left); free(pre);
        return FATE_ENOMEM;
    }
    size_t rows, cols;
    const size_t cells = sweep_plan(todo, need_g, need_t, &cols, &rows, G, T, h ? h->skip : NULL,
                                    h ? h->ctx : NULL);

    sweep_shared sh = {.ctx = h ? h->ctx : NULL, .should_stop = h ? h->should_stop : NULL,
                       .progress = h ? h->progress : NULL, .status = FATE_OK};
    sh.total = (do_sc ? cols * K : 0) + (do_pre ? rows * K : 0) + ((do_pre) ? cells * K : 0);
    if (!do_pre) sh.total = cols * K;

    const int blas_threads = blas_threads_get();
    blas_threads_set(1);
    const int nt = team_threads(w->threads);

    /* 1. scratch, once per (gamma, instance) */
    if (do_sc) {
        const long items = (long)(G * K);
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
        for (long it = 0; it < items; it++) {
            size_t j = (size_t)it / K, i = (size_t)it % K;
            if (!need_g[j] || sweep_poll_stop(&sh)) continue;
            fate_spec s = cell_spec(w, j, 0);
            target_t tg;
            size_t step = 0;
            fate_status st = proto_target(&tg, &s, i);
            if (st == FATE_OK) st = proto_scratch(&sc[j * K + i], &tg, &s, s.weight_decay, i, &step);
            target_free(&tg);
            if (st != FATE_OK) sweep_fail(&sh, st, FATE_METHOD_SCRATCH, step, i, j, 0);
            else sweep_item_done(&sh);
        }
    }

    /* scratch-only sweeps: every cell is ready now */
    if (!do_pre) {
        for (size_t t = 0; t < T && !sh.stop; t++)
            for (size_t j = 0; j < G && !sh.stop; j++) {
                if (!todo[j * T + t]) continue;
                fate_cell c = {j, t, w->gammas[j], w->thetas[t], cell_spec(w, j, t).n, K, NL,
                               NULL, sc + j * K, NULL, NULL, NULL};
                if (h && h->cell_done && h->cell_done(h->ctx, &c)) sh.stop = 1;
            }
    }

    /* 2. rows of constant theta */
    for (size_t t = 0; do_pre && t < T && !sh.stop; t++) {
        if (!need_t[t]) continue;
        for (size_t j = 0; j < G; j++) left[j] = todo[j * T + t] ? K : 0;
#pragma omp parallel num_threads(nt)
        {
#pragma omp for schedule(dynamic, 1)
            for (long i = 0; i < (long)K; i++) {
                if (sweep_poll_stop(&sh)) continue;
                fate_spec s = cell_spec(w, 0, t);
                size_t step = 0;
                fate_status st = proto_pretrain(&pre[i], &s, s.theta, (uint64_t)i, do_lt, &step);
                if (st != FATE_OK) sweep_fail(&sh, st, 0, step, (uint64_t)i, 0, t);
                else {
                    pre_res[i] = pre[i].res;
                    sweep_item_done(&sh);
                }
            }
            /* implicit barrier: every pretrained network of the row exists */
#pragma omp for schedule(dynamic, 1)
            for (long it = 0; it < (long)(G * K); it++) {
                size_t j = (size_t)it / K, i = (size_t)it % K;
                if (!todo[j * T + t] || sweep_poll_stop(&sh)) continue;
                fate_spec s = cell_spec(w, j, t);
                target_t tg;
                size_t step = 0;
                unsigned stage = FATE_METHOD_LT;
                fate_status st = proto_target(&tg, &s, i);
                for (size_t l = 0; st == FATE_OK && do_lt && l < NL; l++)
                    st = proto_lt(&lt[(j * K + i) * NL + l], &pre[i], &tg, &s, w->lambdas[l]);
                if (st == FATE_OK && do_ft) {
                    stage = FATE_METHOD_FT;
                    st = proto_ft(&ft[j * K + i], &ftc[j * K + i], &pre[i], &tg, &s, &step);
                }
                target_free(&tg);
                if (st != FATE_OK) {
                    sweep_fail(&sh, st, stage, step, (uint64_t)i, j, t);
                    continue;
                }
                size_t finished;
#pragma omp atomic capture
                finished = --left[j];
                if (finished == 0) {
#pragma omp critical(fate_sweep_cell)
                    {
                        fate_cell c = {j, t, w->gammas[j], w->thetas[t], s.n, K, NL, pre_res,
                                       do_sc ? sc + j * K : NULL, do_lt ? lt + j * K * NL : NULL,
                                       do_ft ? ft + j * K : NULL, do_ft ? ftc + j * K : NULL};
                        if (h && h->cell_done && h->cell_done(h->ctx, &c)) {
                            sweep_stop(&sh);
                        }
                    }
                }
                /* after the cell is reported, so the last progress line counts it */
                sweep_item_done(&sh);
            }
        }
        for (size_t i = 0; i < K; i++) pretrained_free(&pre[i]);
    }

    blas_threads_set(blas_threads);
    fate_status st = sh.status;
    if (st == FATE_OK && sh.stop) st = FATE_EINTERRUPTED;
    if (err) *err = sh.err;
    free(todo); free(need_g); free(need_t); free(sc); free(pre_res); free(lt); free(ft);
    free(ftc); free(left); free(pre);
    return st;
}
