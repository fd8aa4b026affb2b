/* train.c - full-batch gradient descent for deep linear networks, the
 * discretisation of gradient flow the theory is stated for.
 *
 * Protocol (as the paper's code): plain GD, early stopping as soon as the
 * training loss is within `tol` of the minimum achievable loss, at most
 * `max_epochs` steps. With weight decay the minimum is not known in closed
 * form; there GD stops at stationarity, |grad|^2 <= tol, once the objective
 * has left the small-init saddle (fallen below 0.9 of its initial value).
 * The loop and these rules are gd_run's (gd.c, shared with the two-layer
 * networks); this file supplies the oracle (lin_eval, lin_step) and the
 * rules' values (lin_rules).
 *
 * Learning rate: near a solution with |beta| ~ 1 the loss curvature in any
 * layer direction is at most 2 lambda_max(S) |beta|^(2(L-1)/L), and L layers
 * move together, so GD is stable for lr < 1/(L lambda_max(S) |beta|^(...)).
 * The automatic rate is 0.4 / (L lambda_max(S) max(1, |beta_t|^(2(L-1)/L))),
 * re-evaluated every step from the current |beta_t|: near gamma = 1 the
 * min-norm solution is long and a fixed rate would become unstable late.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>

#include "fate.h"
#include "internal.h"

double fate_lambda_max(const double *S, size_t d)
{
    if (!S) return 1.0;
    if (d == 0) return 0.0;
    double *v = malloc(d * sizeof *v), *w = malloc(d * sizeof *w);
    if (!v || !w) { free(v); free(w); return NAN; }
    /* Power iteration from a fixed, deterministic start (results must not
     * depend on anything but S). 60 iterations give the top eigenvalue to a
     * few per cent, which is all a step-size rule needs. */
    for (size_t i = 0; i < d; i++) v[i] = 1.0 + 0.5 * sin((double)i + 1.0);
    double lam = 0.0;
    for (int it = 0; it < 60; it++) {
        double nv = cblas_dnrm2((int)d, v, 1);
        if (nv == 0.0) break;
        cblas_dscal((int)d, 1.0 / nv, v, 1);
        cblas_dsymv(CblasRowMajor, CblasUpper, (int)d, 1.0, S, (int)d, v, 1, 0.0, w, 1);
        lam = cblas_ddot((int)d, v, 1, w, 1);
        memcpy(v, w, d * sizeof *v);
    }
    free(v);
    free(w);
    /* A Rayleigh quotient underestimates; pad by 5% for safety. */
    return 1.05 * lam;
}

/* The gradient oracle gd_run (gd.c) calls through lin_eval and lin_step.
 * eval computes the loss at params (and returns |beta|); step then moves
 * params by -lr * gradient at that same point. Splitting the two lets the sufficient-statistics path fuse
 * the backward pass with the update (see step_fused). */
typedef struct oracle {
    const fate_dln_shape *shape;
    const double *S, *b; /* stats path */
    double yy;
    const double *X, *y; /* samples path */
    size_t n;
    dln_ws ws;
    double *beta;        /* (d) for the samples path */
    double *grad;        /* (nparams) when the full gradient is formed */
    int fused;           /* stats path without weight decay */
    gram2_t *gram;       /* depth 2 in Gram form (params unused) */
    int naive;           /* Gram form: the BLAS reference pass */
    /* the run (lin_train) */
    double *params;      /* (np), unused in Gram form */
    size_t np;
    double wd, lr0, expo, bnorm; /* bnorm: |beta| at the last eval */
    int auto_lr;
    const dln_observer *obs; /* NULL: none */
    const double *anchor;    /* (np): the decay pulls toward it (NULL: toward 0) */
} oracle;

/* g = S beta - b and the loss beta.(g - b) + yy; returns |beta|. */
static double stats_loss(oracle *o, double *loss, const double *beta)
{
    size_t d = o->shape->d;
    double *g = o->ws.g;
    if (o->S) {
        memcpy(g, o->b, d * sizeof(double));
        cblas_dsymv(CblasRowMajor, CblasUpper, (int)d, 1.0, o->S, (int)d, beta, 1, -1.0, g, 1);
    } else {
        for (size_t i = 0; i < d; i++) g[i] = beta[i] - o->b[i];
    }
    double bg = 0.0, bb = 0.0, nb = 0.0;
    for (size_t i = 0; i < d; i++) {
        bg += beta[i] * g[i];
        bb += beta[i] * o->b[i];
        nb += beta[i] * beta[i];
    }
    *loss = bg - bb + o->yy;
    return sqrt(nb);
}

/* Forward pass only: q-chain, beta = W_1 q_2, then stats_loss. */
static double eval_fused(oracle *o, double *loss, const double *params)
{
    const fate_dln_shape *s = o->shape;
    size_t d = s->d, k = s->width, L = s->depth;
    dln_ws *w = &o->ws;
    /* q_L = w_L, q_l = W_l q_{l+1}, beta = W_1 q_2 */
    memcpy(w->q + (L - 2) * k, params + fate_dln_offset(s, L), k * sizeof(double));
    for (size_t l = L - 1; l >= 2; l--)
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)k, (int)k, 1.0, params + fate_dln_offset(s, l),
                    (int)k, w->q + (l - 1) * k, 1, 0.0, w->q + (l - 2) * k, 1);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)d, (int)k, 1.0, params, (int)k, w->q, 1, 0.0,
                w->beta, 1);
    return stats_loss(o, loss, w->beta);
}

/* One pass over a layer W (r, k) that both back-propagates and updates:
 *   a_out = W^T a_in  (with the old W),   W <- W - c a_in q^T,
 * reading and writing W once. Reference: the unfused dgemv + dger of
 * dln_grad_ws; tests check that both give the same trajectory.
 * W: (r, k), a_in: (r), q: (k), a_out: (k). */
static void backprop_update(double *restrict a_out, double *restrict W, const double *restrict a_in,
                            const double *restrict q, double c, size_t r, size_t k)
{
    for (size_t j = 0; j < k; j++) a_out[j] = 0.0;
    for (size_t i = 0; i < r; i++) {
        double *restrict row = W + i * k;
        const double ai = a_in[i], ci = c * a_in[i];
        for (size_t j = 0; j < k; j++) {
            a_out[j] += row[j] * ai;
            row[j] -= ci * q[j];
        }
    }
}

/* The update after eval_fused: dW_l = 2 a_l q_{l+1}^T with a_1 = g, layer by
 * layer from the input side, each layer one fused pass. */
static void step_fused(oracle *o, double *params, double lr)
{
    const fate_dln_shape *s = o->shape;
    size_t d = s->d, k = s->width, L = s->depth;
    dln_ws *w = &o->ws;
    const double c = 2.0 * lr;
    /* a_2 = W_1^T g; W_1 -= c g q_2^T */
    backprop_update(w->a, params, w->g, w->q, c, d, k);
    for (size_t l = 2; l < L; l++)
        backprop_update(w->a + (l - 1) * k, params + fate_dln_offset(s, l), w->a + (l - 2) * k,
                        w->q + (l - 1) * k, c, k, k);
    double *wL = params + fate_dln_offset(s, L);
    const double *aL = w->a + (L - 2) * k;
    for (size_t j = 0; j < k; j++) wL[j] -= c * aL[j];
}

static double eval_full(oracle *o, double *loss, const double *params)
{
    if (o->X) {
        fate_dln_grad_samples(o->grad, loss, params, o->shape, o->X, o->y, o->n);
        fate_dln_product(o->beta, params, o->shape);
        double s = 0.0;
        for (size_t i = 0; i < o->shape->d; i++) s += o->beta[i] * o->beta[i];
        return sqrt(s);
    }
    dln_grad_ws(o->grad, loss, params, o->shape, o->S, o->b, o->yy, &o->ws);
    return cblas_dnrm2((int)o->shape->d, o->ws.beta, 1);
}

/* gd_oracle.eval: the loss at the current point (with the decay term
 * wd |params - anchor|^2, anchor 0 unless given, and, with decay, |grad|^2
 * for the stationary rule); keeps |beta| for the learning rate of the step
 * that follows. */
static fate_status lin_eval(void *ctx, gd_point *pt, size_t t)
{
    (void)t;
    oracle *o = ctx;
    const double wd = o->wd;
    double loss;
    o->bnorm = o->gram    ? stats_loss(o, &loss, o->gram->beta)
               : o->fused ? eval_fused(o, &loss, o->params)
                          : eval_full(o, &loss, o->params);
    double gn2 = 0.0;
    if (wd > 0.0) {
        double pn2 = 0.0;
        if (o->gram) {
            gn2 = gram2_decay(o->gram, &pn2, o->ws.g, wd);
        } else {
            for (size_t i = 0; i < o->np; i++) {
                const double dev = o->anchor ? o->params[i] - o->anchor[i] : o->params[i];
                pn2 += dev * dev;
                o->grad[i] += 2.0 * wd * dev;
                gn2 += o->grad[i] * o->grad[i];
            }
        }
        loss += wd * pn2; /* the objective actually descended */
    }
    pt->loss = loss;
    pt->grad2 = gn2;
    pt->finite = isfinite(o->bnorm);
    return FATE_OK;
}

/* gd_observer.observe: the end-to-end map lin_eval left (Gram form, the
 * fused forward pass and the stats gradient in ws.beta, the samples path
 * in o->beta) with the weights, for the caller's dln_observer. */
static fate_status lin_observe(void *ctx, size_t steps, const gd_point *pt)
{
    const oracle *o = ctx;
    const double *beta = o->gram ? o->gram->beta : o->X ? o->beta : o->ws.beta;
    const dln_view v = {steps, pt->loss, beta, o->gram ? NULL : o->params, o->gram, o->shape};
    return o->obs->fn(o->obs->ctx, &v);
}

/* gd_oracle.step: decay: params <- (1 - 2 lr wd) params - lr grad (exactly
 * 1 without), at the automatic or fixed rate (see the top of this file).
 * Toward an anchor the full gradient already holds 2 wd (params - anchor),
 * and the automatic rate is also capped at 0.25/wd, where the penalty's own
 * factor 1 - 2 lr wd stays in [1/2, 1) (a large pull toward the pretrained
 * weights would otherwise make the step diverge). */
static fate_status lin_step(void *ctx, size_t t, size_t budget, size_t *done)
{
    (void)t, (void)budget, (void)done;
    oracle *o = ctx;
    double lr = o->auto_lr ? o->lr0 / fmax(1.0, pow(o->bnorm, o->expo)) : o->lr0;
    if (o->anchor && o->auto_lr && o->wd > 0.0) lr = fmin(lr, 0.25 / o->wd);
    if (o->gram) gram2_step(o->gram, o->ws.g, 2.0 * lr, 1.0 - 2.0 * lr * o->wd, o->naive);
    else if (o->fused) step_fused(o, o->params, lr);
    else cblas_daxpy((int)o->np, -lr, o->grad, 1, o->params, 1);
    return FATE_OK;
}

/* The stopping rules of the protocol (top of this file) as gd_rules: the
 * target loss_min + tol without decay, stationarity with it, and the saddle
 * report either way. */
static gd_rules lin_rules(const fate_gd_config *cfg)
{
    const int wd = cfg->weight_decay > 0.0;
    return (gd_rules){.max_steps = cfg->max_epochs,
                      .target = wd ? -INFINITY : cfg->loss_min + cfg->tol,
                      .stationary = wd,
                      .grad2_tol = cfg->tol,
                      .window_rule = GD_WINDOW_OFF,
                      .saddle = 1,
                      .loss_min = cfg->loss_min,
                      .saddle_tol = cfg->tol};
}

/* One run through gd_run with the oracle o (stats, samples or Gram form). */
static fate_status lin_train(double *params, fate_gd_report *rep, oracle *o, double lambda_max,
                           const fate_gd_config *cfg)
{
    const fate_dln_shape *s = o->shape;
    o->params = params;
    o->np = fate_dln_nparams(s);
    o->wd = cfg->weight_decay;
    o->fused = o->X == NULL && !(o->wd > 0.0);
    const int need_grad = !o->gram && !o->fused;
    o->grad = need_grad ? malloc(o->np * sizeof *o->grad) : NULL;
    if (need_grad && !o->grad) return FATE_ENOMEM;
    o->auto_lr = !(cfg->lr > 0.0);
    o->lr0 = o->auto_lr ? 0.4 / ((double)s->depth * lambda_max) : cfg->lr;
    o->expo = 2.0 * (double)(s->depth - 1) / (double)s->depth;

    const gd_oracle go = {o, lin_eval, lin_step};
    gd_rules rules = lin_rules(cfg);
    const gd_observer ob = {o, o->obs ? o->obs->every : 0, lin_observe};
    if (o->obs) rules.observer = &ob;
    gd_report g;
    fate_status st = gd_run(&g, &go, &rules);
    *rep = (fate_gd_report){.loss0 = g.loss0, .loss = g.loss, .lr = o->lr0, .steps = g.steps,
                            .converged = g.converged, .on_saddle = g.on_saddle,
                            .diverged_step = g.diverged_step};
    free(o->grad);
    o->grad = NULL;
    return st;
}

static int config_ok(const fate_gd_config *c)
{
    return c && isfinite(c->lr) && c->tol >= 0.0 && isfinite(c->loss_min) &&
           c->weight_decay >= 0.0 && isfinite(c->weight_decay);
}

fate_status fate_dln_train(double *params, fate_gd_report *report, const fate_dln_shape *shape,
                           const double *S, const double *b, double yy,
                           const fate_gd_config *config)
{
    return dln_train_anchored(params, report, shape, S, b, yy, config, NULL, NULL);
}

fate_status dln_train_obs(double *params, fate_gd_report *report, const fate_dln_shape *shape, const double *S,
                          const double *b, double yy, const fate_gd_config *config, const dln_observer *obs)
{
    return dln_train_anchored(params, report, shape, S, b, yy, config, NULL, obs);
}

/* The decay of config pulls toward anchor (np values; NULL: toward 0, which
 * is fate_dln_train); obs sees the trajectory (NULL: none). */
fate_status dln_train_anchored(double *params, fate_gd_report *report, const fate_dln_shape *shape,
                               const double *S, const double *b, double yy, const fate_gd_config *config,
                               const double *anchor, const dln_observer *obs)
{
    if (!params || !report || !b || !dln_shape_ok(shape) || !config_ok(config) || (obs && !obs->every))
        return FATE_EINVAL;
    oracle o = {.shape = shape, .S = S, .b = b, .yy = yy, .obs = obs, .anchor = anchor};
    if (dln_ws_alloc(&o.ws, shape) != FATE_OK) return FATE_ENOMEM;
    double lmax = config->lr > 0.0 ? 0.0 : fate_lambda_max(S, shape->d);
    fate_status st = lin_train(params, report, &o, lmax, config);
    dln_ws_free(&o.ws);
    return st;
}

fate_status dln_train_gram2(gram2_t *m, fate_gd_report *report, const double *S, const double *b,
                            double yy, const fate_gd_config *config, int naive)
{
    return dln_train_gram2_obs(m, report, S, b, yy, config, naive, NULL);
}

fate_status dln_train_gram2_obs(gram2_t *m, fate_gd_report *report, const double *S, const double *b, double yy,
                                const fate_gd_config *config, int naive, const dln_observer *obs)
{
    if (!m || !m->G || !report || !b || !config_ok(config) || (obs && !obs->every)) return FATE_EINVAL;
    /* width 1: the workspace's forward/backward vectors are unused here */
    const fate_dln_shape shape = {m->d, 1, 2};
    oracle o = {.shape = &shape, .S = S, .b = b, .yy = yy, .gram = m, .naive = naive, .obs = obs};
    if (dln_ws_alloc(&o.ws, &shape) != FATE_OK) return FATE_ENOMEM;
    double lmax = config->lr > 0.0 ? 0.0 : fate_lambda_max(S, m->d);
    fate_status st = lin_train(NULL, report, &o, lmax, config);
    dln_ws_free(&o.ws);
    return st;
}

fate_status fate_dln_train_samples(double *params, fate_gd_report *report,
                                   const fate_dln_shape *shape, const double *X,
                                   const double *y, size_t n, const fate_gd_config *config)
{
    if (!params || !report || !X || !y || n < 1 || !dln_shape_ok(shape) || !config_ok(config))
        return FATE_EINVAL;
    size_t d = shape->d;
    oracle o = {.shape = shape, .X = X, .y = y, .n = n};
    o.beta = malloc(d * sizeof(double));
    if (!o.beta) return FATE_ENOMEM;
    double lmax = 0.0;
    if (!(config->lr > 0.0)) { /* the same rule as the stats path needs S */
        double *S = calloc_array(d, d, sizeof *S);
        if (!S) { free(o.beta); return FATE_ENOMEM; }
        for (size_t i = 0; i < n; i++)
            for (size_t a = 0; a < d; a++)
                for (size_t c = 0; c < d; c++) S[a * d + c] += X[i * d + a] * X[i * d + c] / (double)n;
        lmax = fate_lambda_max(S, d);
        free(S);
    }
    fate_status st = lin_train(params, report, &o, lmax, config);
    free(o.beta);
    return st;
}
