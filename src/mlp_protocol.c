/* mlp_protocol.c - the transfer protocols for two-layer networks (THEORY.md
 * section 5), as in the linear case: pretrain on the source teacher, train
 * from scratch on the target, linear transfer (ridge refit of the readout on
 * the frozen pretrained first layer) and fine-tuning (all weights, from the
 * pretrained network), each scored by its test risk on fresh inputs.
 *
 * Choices (the paper gives none): the source is a fixed set of n_src samples
 * (not online); every training is gradient descent with spec->gd (same
 * learning rate, step budget and stopping rule for all methods); the
 * initialisation is w_i ~ w_init N(0, I/d), c_i ~ c_init N(0, 1), with a small
 * c_init so that the network starts near f = 0 and pretraining is in the
 * rich (feature-learning) regime of the mean-field scaling.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fate_mlp.h"
#include "mlp_internal.h"

void fate_relu_spec_default(fate_relu_spec *s)
{
    memset(s, 0, sizeof *s);
    s->d = 100;
    s->mstar = 100;
    s->m = 1000;
    s->act = FATE_ACT_RELU;
    s->scaling = FATE_MLP_MEAN_FIELD;
    s->mu = 0.5;
    s->theta = 0.78539816339744831;
    s->n = 100;
    s->n_src = 4000;
    s->lambda = 0.0;
    s->rcond = 1e-6;
    s->w_init = 1.0;
    s->c_init = 1e-3;
    fate_mlp_gd_default(&s->gd);
    s->n_test = 10000;
    s->seed = 1;
    s->methods = FATE_METHOD_SCRATCH | FATE_METHOD_LT | FATE_METHOD_FT;
}

const char *fate_relu_spec_check(const fate_relu_spec *s)
{
    if (!s) return "spec is NULL";
    if (s->d < 1) return "d must be >= 1";
    if (s->mstar < 1) return "mstar must be >= 1";
    if (s->m < 1) return "m must be >= 1";
    if ((unsigned)s->act > FATE_ACT_LINEAR) return "act must be relu, tanh, erf or linear";
    if (s->scaling != FATE_MLP_MEAN_FIELD && s->scaling != FATE_MLP_STANDARD)
        return "scaling must be mean-field or standard";
    if (!(s->mu >= 0 && s->mu <= 1)) return "mu must be in [0, 1]";
    if (!(s->theta >= 0 && s->theta <= 3.14159265358979323846)) return "theta must be in [0, pi]";
    if (s->n < 1) return "n must be >= 1";
    if (s->n_src < 1) return "n_src must be >= 1";
    if (!(s->sigma >= 0) || !isfinite(s->sigma)) return "sigma must be >= 0";
    if (!(s->sigma_src >= 0) || !isfinite(s->sigma_src)) return "sigma_src must be >= 0";
    if (!(s->lambda >= 0) || !isfinite(s->lambda)) return "lambda must be >= 0";
    if (!(s->rcond >= 0 && s->rcond < 1)) return "rcond must be in [0, 1)";
    if (!(s->w_init > 0) || !isfinite(s->w_init)) return "w_init must be > 0";
    if (!(s->c_init >= 0) || !isfinite(s->c_init)) return "c_init must be >= 0";
    if (!(s->gd.lr > 0) || !isfinite(s->gd.lr)) return "gd.lr must be > 0";
    if (s->gd.max_steps < 1) return "gd.max_steps must be >= 1";
    if (!(s->gd.tol >= 0) || !(s->gd.rel_tol >= 0)) return "gd.tol and gd.rel_tol must be >= 0";
    if (s->n_test < 2) return "n_test must be >= 2";
    return NULL;
}

static void from_report(fate_relu_method_result *r, const fate_mlp_gd_report *g)
{
    r->train_loss = g->loss;
    r->steps = g->steps;
    r->converged = g->converged;
    r->lr_eff = g->lr_eff;
}

fate_status fate_relu_run_instance(fate_relu_result *out, double *W_pre, double *c_pre,
                                   const fate_relu_spec *s, uint64_t inst,
                                   unsigned *failed_method, size_t *failed_step)
{
    if (!out || fate_relu_spec_check(s)) return FATE_EINVAL;
    size_t d = s->d, m = s->m, ms = s->single_index ? 1 : s->mstar;
    fate_mlp_shape sh = {d, m, s->act, s->scaling};
    fate_mlp_gd_config gd = s->gd;
    gd.seed = s->seed;
    gd.instance = inst;
    int need_pre = (s->methods & (FATE_METHOD_LT | FATE_METHOD_FT)) != 0;
    fate_relu_result res;
    memset(&res, 0, sizeof res);
    res.pperp_student = res.pperp_source = NAN;
    fate_mlp_gd_report rep;
    unsigned fm = 0;
    size_t fstep = 0;

    fate_status st = FATE_ENOMEM;
    double *Vs = malloc(ms * d * sizeof *Vs), *Vt = malloc(ms * d * sizeof *Vt);
    double *as = malloc(ms * sizeof *as), *at = malloc(ms * sizeof *at);
    double *Xs = need_pre ? malloc(s->n_src * d * sizeof *Xs) : NULL;
    double *ys = need_pre ? malloc(s->n_src * sizeof *ys) : NULL;
    double *X = malloc(s->n * d * sizeof *X), *y = malloc(s->n * sizeof *y);
    double *Wp = malloc(m * d * sizeof *Wp), *cp = malloc(m * sizeof *cp);
    double *W = malloc(m * d * sizeof *W), *c = malloc(m * sizeof *c);
    if (!Vs || !Vt || !as || !at || (need_pre && (!Xs || !ys)) || !X || !y || !Wp || !cp || !W || !c)
        goto done;

    /* teachers */
    if (s->single_index) {
        if ((st = fate_teachers(Vs, Vt, d, s->theta, s->seed, inst)) != FATE_OK) goto done;
        as[0] = at[0] = 1.0;
    } else {
        if ((st = fate_relu_teacher(Vt, ms, d, s->seed, inst)) != FATE_OK) goto done;
        memcpy(Vs, Vt, ms * d * sizeof *Vs);
        fate_relu_readout(at, ms, s->mu, 0);
        fate_relu_readout(as, ms, s->mu, 1);
    }
    if ((st = fate_relu_pperp(&res.target_norm2, NULL, NULL, 0, Vt, at, ms, d, s->rcond)) != FATE_OK)
        goto done;
    /* features of the source teacher: its neurons with a nonzero readout */
    {
        size_t k = s->single_index ? 0 : fate_relu_removed(ms, s->mu);
        if ((st = fate_relu_pperp(&res.pperp_source, NULL, Vs + k * d, ms - k, Vt, at, ms, d,
                                  s->rcond)) != FATE_OK)
            goto done;
    }
    /* target set */
    if ((st = fate_relu_dataset(X, y, Vt, at, ms, s->n, d, s->sigma, s->seed, inst,
                                FATE_MLP_STREAM_X_TARGET, FATE_MLP_STREAM_NOISE_TARGET)) != FATE_OK)
        goto done;

    if (need_pre) {
        if ((st = fate_relu_dataset(Xs, ys, Vs, as, ms, s->n_src, d, s->sigma_src, s->seed, inst,
                                    FATE_MLP_STREAM_X_SOURCE, FATE_MLP_STREAM_NOISE_SOURCE)) != FATE_OK)
            goto done;
        fate_mlp_init(Wp, cp, &sh, s->w_init, s->c_init, s->seed, inst, FATE_MLP_STREAM_INIT_PRETRAIN);
        st = fate_mlp_train(Wp, cp, &rep, &sh, Xs, ys, s->n_src, &gd);
        if (st == FATE_EDIVERGED) { fm = 0; fstep = rep.diverged_step; }
        if (st != FATE_OK) goto done;
        from_report(&res.pretrain, &rep);
        if ((st = fate_mlp_test_risk(&res.pretrain.risk, &res.pretrain.risk_se, Wp, cp, &sh, Vs, as,
                                     ms, s->n_test, s->seed, inst)) != FATE_OK)
            goto done;
        if (s->act == FATE_ACT_RELU &&
            (st = fate_relu_pperp(&res.pperp_student, NULL, Wp, m, Vt, at, ms, d, s->rcond)) != FATE_OK)
            goto done;
        if (W_pre) memcpy(W_pre, Wp, m * d * sizeof *Wp);
        if (c_pre) memcpy(c_pre, cp, m * sizeof *cp);
    }
    if (s->methods & FATE_METHOD_SCRATCH) {
        fate_mlp_init(W, c, &sh, s->w_init, s->c_init, s->seed, inst, FATE_MLP_STREAM_INIT_SCRATCH);
        st = fate_mlp_train(W, c, &rep, &sh, X, y, s->n, &gd);
        if (st == FATE_EDIVERGED) { fm = FATE_METHOD_SCRATCH; fstep = rep.diverged_step; }
        if (st != FATE_OK) goto done;
        from_report(&res.scratch, &rep);
        if ((st = fate_mlp_test_risk(&res.scratch.risk, &res.scratch.risk_se, W, c, &sh, Vt, at, ms,
                                     s->n_test, s->seed, inst)) != FATE_OK)
            goto done;
    }
    if (s->methods & FATE_METHOD_LT) {
        memcpy(c, cp, m * sizeof *c);
        if ((st = fate_mlp_refit_readout(c, &res.lt_rank, Wp, &sh, X, y, s->n, s->lambda,
                                         s->rcond)) != FATE_OK)
            goto done;
        if ((st = fate_mlp_grad(NULL, NULL, &res.lt.train_loss, Wp, c, &sh, X, y, s->n)) != FATE_OK)
            goto done;
        res.lt.converged = 1;
        if ((st = fate_mlp_test_risk(&res.lt.risk, &res.lt.risk_se, Wp, c, &sh, Vt, at, ms,
                                     s->n_test, s->seed, inst)) != FATE_OK)
            goto done;
    }
    if (s->methods & FATE_METHOD_FT) {
        memcpy(W, Wp, m * d * sizeof *W);
        memcpy(c, cp, m * sizeof *c);
        st = fate_mlp_train(W, c, &rep, &sh, X, y, s->n, &gd);
        if (st == FATE_EDIVERGED) { fm = FATE_METHOD_FT; fstep = rep.diverged_step; }
        if (st != FATE_OK) goto done;
        from_report(&res.ft, &rep);
        if ((st = fate_mlp_test_risk(&res.ft.risk, &res.ft.risk_se, W, c, &sh, Vt, at, ms,
                                     s->n_test, s->seed, inst)) != FATE_OK)
            goto done;
    }
    *out = res;
    st = FATE_OK;
done:
    if (st == FATE_EDIVERGED) {
        if (failed_method) *failed_method = fm;
        if (failed_step) *failed_step = fstep;
    }
    free(Vs); free(Vt); free(as); free(at); free(Xs); free(ys);
    free(X); free(y); free(Wp); free(cp); free(W); free(c);
    return st;
}
