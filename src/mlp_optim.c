/* mlp_optim.c - the update rules of two-layer trainings (fate_mlp_optimizer,
 * fate_mlp.h): gradient descent, heavy-ball momentum and Adam, on the double
 * parameters (W, c) whatever the precision of the gradient's products.
 *
 * Why an option, and why off by default (THEORY.md section 5, "The two-layer
 * experiment at the paper's size"): the protocol scores the end point of each
 * training. Only linear transfer's end point is fixed by the problem (its
 * readout is solved exactly). Scratch and fine-tuning below m d samples
 * interpolate, and which interpolant they reach depends on the update rule:
 * measured at the paper's size, Adam halves the scratch risk at n = 1600 and
 * stops no sooner than GD (bench/RESULTS.md). So the rule is a choice to state,
 * GD by default. Pretraining in the rich regime is kept on GD unless
 * fate_relu_spec.optimize_pretrain says otherwise: the features it learns depend
 * on its trajectory, and the theory's trajectory is gradient flow.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>

#include "mlp_internal.h"

double mlp_step_size(const fate_mlp_shape *s, const fate_mlp_gd_config *cfg)
{
    return cfg->optimizer == FATE_MLP_ADAM ? cfg->lr : mlp_lr_eff(s, cfg->lr);
}

int mlp_optim_ok(const fate_mlp_gd_config *cfg)
{
    return (unsigned)cfg->optimizer <= FATE_MLP_ADAM && cfg->beta1 >= 0 && cfg->beta1 < 1 &&
           cfg->beta2 >= 0 && cfg->beta2 < 1 && (unsigned)cfg->precision <= FATE_MLP_SINGLE;
}

fate_status mlp_optim_init(mlp_optim *o, const fate_mlp_gd_config *cfg, const fate_mlp_shape *s,
                           int has_W)
{
    memset(o, 0, sizeof *o);
    o->kind = cfg->optimizer;
    o->b1 = cfg->beta1 > 0 ? cfg->beta1 : 0.9;
    o->b2 = cfg->beta2 > 0 ? cfg->beta2 : 0.999;
    o->mw = has_W ? s->m * s->d : 0;
    o->m = s->m;
    if (o->kind == FATE_MLP_GD) return FATE_OK;
    const int adam = o->kind == FATE_MLP_ADAM;
    /* first moments (momentum's velocity) and, for Adam, second moments */
    o->mW = o->mw ? calloc(o->mw, sizeof *o->mW) : NULL;
    o->mc = calloc(o->m, sizeof *o->mc);
    o->vW = adam && o->mw ? calloc(o->mw, sizeof *o->vW) : NULL;
    o->vc = adam ? calloc(o->m, sizeof *o->vc) : NULL;
    if ((o->mw && !o->mW) || !o->mc || (adam && ((o->mw && !o->vW) || !o->vc))) {
        mlp_optim_free(o);
        return FATE_ENOMEM;
    }
    return FATE_OK;
}

void mlp_optim_free(mlp_optim *o)
{
    free(o->mW); free(o->vW); free(o->mc); free(o->vc);
    o->mW = o->vW = o->mc = o->vc = NULL;
}

/* Heavy ball on one block: v = b1 v + g, p -= lr v. p, v, g: (count). */
static void momentum_block(double *p, double *v, const double *g, size_t count, double lr, double b1)
{
    for (size_t i = 0; i < count; i++) {
        v[i] = b1 * v[i] + g[i];
        p[i] -= lr * v[i];
    }
}

/* Adam on one block at step t (fate_mlp_optimizer). p, mo, vo, g: (count). */
static void adam_block(double *p, double *mo, double *vo, const double *g, size_t count, double lr, double b1,
                       double b2, size_t t)
{
    const double c1 = 1.0 - pow(b1, (double)t), c2 = 1.0 - pow(b2, (double)t);
    for (size_t i = 0; i < count; i++) {
        mo[i] = b1 * mo[i] + (1.0 - b1) * g[i];
        vo[i] = b2 * vo[i] + (1.0 - b2) * g[i] * g[i];
        p[i] -= lr * (mo[i] / c1) / (sqrt(vo[i] / c2) + 1e-8);
    }
}

void mlp_optim_step(mlp_optim *o, double lr, double *W, double *c, const double *dW, const double *dc)
{
    o->t++;
    switch (o->kind) {
    case FATE_MLP_MOMENTUM:
        if (dW) momentum_block(W, o->mW, dW, o->mw, lr, o->b1);
        momentum_block(c, o->mc, dc, o->m, lr, o->b1);
        break;
    case FATE_MLP_ADAM:
        if (dW) adam_block(W, o->mW, o->vW, dW, o->mw, lr, o->b1, o->b2, o->t);
        adam_block(c, o->mc, o->vc, dc, o->m, lr, o->b1, o->b2, o->t);
        break;
    default: /* plain GD through BLAS, as it always was (same bytes) */
        if (dW) cblas_daxpy((int)o->mw, -lr, dW, 1, W, 1);
        cblas_daxpy((int)o->m, -lr, dc, 1, c, 1);
        break;
    }
}
