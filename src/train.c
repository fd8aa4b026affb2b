/* train.c - full-batch gradient descent for deep linear networks, the
 * discretisation of gradient flow the theory is stated for.
 *
 * Protocol (as the paper's code): plain GD, early stopping as soon as the
 * training loss is within `tol` of the minimum achievable loss, at most
 * `max_epochs` steps. With weight decay the minimum is not known in closed
 * form; there GD stops at stationarity, |grad|^2 <= tol.
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

/* The gradient oracle the loop below calls: fills grad and loss at params and
 * returns |beta|. */
typedef struct oracle {
    const fate_dln_shape *shape;
    const double *S, *b; /* stats path */
    double yy;
    const double *X, *y; /* samples path */
    size_t n;
    dln_ws ws;
    double *beta;        /* (d) for the samples path */
} oracle;

static double eval_stats(oracle *o, double *grad, double *loss, const double *params)
{
    dln_grad_ws(grad, loss, params, o->shape, o->S, o->b, o->yy, &o->ws);
    return cblas_dnrm2((int)o->shape->d, o->ws.beta, 1);
}

static double eval_samples(oracle *o, double *grad, double *loss, const double *params)
{
    fate_dln_grad_samples(grad, loss, params, o->shape, o->X, o->y, o->n);
    fate_dln_product(o->beta, params, o->shape);
    double s = 0.0;
    for (size_t i = 0; i < o->shape->d; i++) s += o->beta[i] * o->beta[i];
    return sqrt(s);
}

typedef double (*eval_fn)(oracle *, double *, double *, const double *);

static fate_status gd_loop(double *params, fate_gd_report *rep, oracle *o, eval_fn eval,
                           double lambda_max, const fate_gd_config *cfg)
{
    const fate_dln_shape *s = o->shape;
    size_t np = fate_dln_nparams(s);
    double *grad = malloc(np * sizeof *grad);
    if (!grad) return FATE_ENOMEM;
    const int auto_lr = !(cfg->lr > 0.0);
    const double lr0 = auto_lr ? 0.4 / ((double)s->depth * lambda_max) : cfg->lr;
    const double expo = 2.0 * (double)(s->depth - 1) / (double)s->depth;
    const double wd = cfg->weight_decay;

    memset(rep, 0, sizeof *rep);
    rep->lr = lr0;
    fate_status st = FATE_OK;
    for (size_t step = 0;; step++) {
        double loss;
        double bnorm = eval(o, grad, &loss, params);
        double gn2 = 0.0;
        if (wd > 0.0) {
            double pn2 = 0.0;
            for (size_t i = 0; i < np; i++) {
                pn2 += params[i] * params[i];
                grad[i] += 2.0 * wd * params[i];
                gn2 += grad[i] * grad[i];
            }
            loss += wd * pn2; /* the objective actually descended */
        }
        if (step == 0) rep->loss0 = loss;
        rep->loss = loss;
        rep->steps = step;
        if (!isfinite(loss) || !isfinite(bnorm) || loss > 1e3 * fmax(rep->loss0, 1.0)) {
            rep->diverged_step = step;
            st = FATE_EDIVERGED;
            break;
        }
        if (wd > 0.0 ? gn2 <= cfg->tol : loss <= cfg->loss_min + cfg->tol) {
            rep->converged = 1;
            break;
        }
        if (step == cfg->max_epochs) break;
        double lr = auto_lr ? lr0 / fmax(1.0, pow(bnorm, expo)) : lr0;
        cblas_daxpy((int)np, -lr, grad, 1, params, 1);
    }
    /* On the saddle: less than half of the reducible loss removed. */
    double reducible = rep->loss0 - cfg->loss_min;
    rep->on_saddle = !rep->converged && reducible > cfg->tol &&
                     (rep->loss0 - rep->loss) < 0.5 * reducible;
    free(grad);
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
    if (!params || !report || !b || !dln_shape_ok(shape) || !config_ok(config))
        return FATE_EINVAL;
    oracle o = {.shape = shape, .S = S, .b = b, .yy = yy};
    if (dln_ws_alloc(&o.ws, shape) != FATE_OK) return FATE_ENOMEM;
    double lmax = config->lr > 0.0 ? 0.0 : fate_lambda_max(S, shape->d);
    fate_status st = gd_loop(params, report, &o, eval_stats, lmax, config);
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
        double *S = calloc(d * d, sizeof *S);
        if (!S) { free(o.beta); return FATE_ENOMEM; }
        for (size_t i = 0; i < n; i++)
            for (size_t a = 0; a < d; a++)
                for (size_t c = 0; c < d; c++) S[a * d + c] += X[i * d + a] * X[i * d + c] / (double)n;
        lmax = fate_lambda_max(S, d);
        free(S);
    }
    fate_status st = gd_loop(params, report, &o, eval_samples, lmax, config);
    free(o.beta);
    return st;
}
