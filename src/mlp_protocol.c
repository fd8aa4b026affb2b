/* mlp_protocol.c - the transfer protocols for two-layer networks (THEORY.md
 * section 5), as in the linear case: pretrain on the source teacher, train
 * from scratch on the target, linear transfer (ridge refit of the readout on
 * the frozen pretrained first layer) and fine-tuning (all weights, from the
 * pretrained network), each scored by its test risk on fresh inputs.
 *
 * Choices (the paper gives none): the source is a fixed set of n_src samples
 * or, with online_src, a fresh batch of n_src samples at every step; every training is gradient descent with spec->gd (same
 * learning rate, step budget and stopping rule for all methods); the
 * initialisation is w_i ~ w_init N(0, I/d), c_i ~ c_init N(0, 1), with a small
 * c_init so that the network starts near f = 0 and pretraining is in the
 * rich (feature-learning) regime of the mean-field scaling.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>

#include "fate_mlp.h"
#include "mlp_internal.h"

/* The methods of the two-layer protocol. */
#define RELU_METHODS (FATE_METHOD_SCRATCH | FATE_METHOD_LT | FATE_METHOD_FT | FATE_METHOD_LPFT)

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
    s->online_src = 0;
    s->pperp_rcond = 1e-3;
}

/* The sizes of a relu spec: every array of a run must fit an int BLAS
 * argument (internal.h): teachers (mstar, d) and their Gram matrix (mstar,
 * mstar); W (m, d), handed to cblas_daxpy as one vector, and the readout's
 * Gram matrix (m, m); data (rows, d) and features (rows, m), (rows, mstar)
 * for the target, source and test blocks (at most 4096 rows). */
static const char *relu_size_check(const fate_relu_spec *s)
{
    if (s->d < 1 || s->d > FATE_INT_MAX) return "d must be an integer in [1, 2147483647]";
    if (s->mstar < 1 || !fits_int2(s->mstar, s->mstar) || !fits_int2(s->mstar, s->d))
        return "mstar must be an integer in [1, 46340] with mstar d <= 2147483647 (BLAS int sizes)";
    if (s->m < 1 || !fits_int2(s->m, s->m) || !fits_int2(s->m, s->d))
        return "m must be an integer in [1, 46340] with m d <= 2147483647 (BLAS int sizes)";
    const size_t wide = s->m > s->mstar ? s->m : s->mstar;
    if (s->n < 1) return "n must be >= 1";
    if (!fits_int2(s->n, s->d) || !fits_int2(s->n, wide))
        return "n must be at most 2147483647 / max(d, m, mstar) (BLAS int sizes)";
    if (s->n_src < 1) return "n_src must be >= 1";
    if (!fits_int2(s->n_src, s->d) || !fits_int2(s->n_src, wide))
        return "n_src must be at most 2147483647 / max(d, m, mstar) (BLAS int sizes)";
    const size_t blk = s->n_test < 4096 ? s->n_test : 4096;
    if (s->n_test < 2 || s->n_test > FATE_INT_MAX || !fits_int2(blk, s->d) || !fits_int2(blk, wide))
        return "n_test must be an integer in [2, 2147483647] with min(n_test, 4096) max(d, m, mstar) "
               "<= 2147483647 (BLAS int sizes)";
    if (s->gd.window > FATE_INT_MAX) return "gd.window must be at most 2147483647 (0: 100)";
    if ((unsigned)s->gd.optimizer > FATE_MLP_ADAM) return "gd.optimizer must be gd, momentum or adam";
    if (!(s->gd.beta1 >= 0 && s->gd.beta1 < 1) || !(s->gd.beta2 >= 0 && s->gd.beta2 < 1))
        return "gd.beta1 and gd.beta2 must be in [0, 1) (0: 0.9 and 0.999)";
    if ((unsigned)s->gd.precision > FATE_MLP_SINGLE) return "gd.precision must be double or single";
    return NULL;
}

const char *fate_relu_spec_check(const fate_relu_spec *s)
{
    if (!s) return "spec is NULL";
    const char *msg = relu_size_check(s);
    if (msg) return msg;
    if ((unsigned)s->act > FATE_ACT_LINEAR) return "act must be relu, tanh, erf or linear";
    if (s->scaling != FATE_MLP_MEAN_FIELD && s->scaling != FATE_MLP_STANDARD)
        return "scaling must be mean-field or standard";
    if (!(s->mu >= 0 && s->mu <= 1)) return "mu must be in [0, 1]";
    if (!(s->theta >= 0 && s->theta <= 3.14159265358979323846)) return "theta must be in [0, pi]";
    if (s->single_index && !theta_ok_for_d(s->theta, s->d))
        return "theta must be 0 or pi when d = 1 (the single-index source teacher needs a second dimension)";
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
    if (!(s->pperp_rcond >= 0 && s->pperp_rcond < 1)) return "pperp_rcond must be in [0, 1)";
    if (!(s->pretrain_lr >= 0) || !isfinite(s->pretrain_lr)) return "pretrain_lr must be >= 0 (0: gd.lr)";
    if (s->methods & ~RELU_METHODS)
        return "methods must be among scratch, lt, ft and lpft (two-layer networks have no l2sp, ridge or "
               "ridge_cv)";
    return NULL;
}

static void from_report(fate_relu_method_result *r, const fate_mlp_gd_report *g)
{
    r->train_loss = g->loss;
    r->steps = g->steps;
    r->converged = g->converged;
    r->lr_eff = g->lr_eff;
}

void relu_teachers_free(relu_teachers *T)
{
    free(T->Vs); free(T->Vt); free(T->as); free(T->at);
    memset(T, 0, sizeof *T);
}

fate_status relu_teachers_make(relu_teachers *T, const fate_relu_spec *s, uint64_t inst)
{
    memset(T, 0, sizeof *T);
    const size_t d = s->d, ms = s->single_index ? 1 : s->mstar;
    T->ms = ms;
    T->Vs = alloc_array(ms, d, sizeof *T->Vs), T->Vt = alloc_array(ms, d, sizeof *T->Vt);
    T->as = malloc(ms * sizeof *T->as), T->at = malloc(ms * sizeof *T->at);
    fate_status st = FATE_ENOMEM;
    if (!T->Vs || !T->Vt || !T->as || !T->at) goto fail;
    if (s->single_index) {
        if ((st = fate_teachers(T->Vs, T->Vt, d, s->theta, s->seed, inst)) != FATE_OK) goto fail;
        T->as[0] = T->at[0] = 1.0;
    } else {
        if ((st = fate_relu_teacher(T->Vt, ms, d, s->seed, inst)) != FATE_OK) goto fail;
        memcpy(T->Vs, T->Vt, ms * d * sizeof *T->Vs);
        fate_relu_readout(T->at, ms, s->mu, 0);
        fate_relu_readout(T->as, ms, s->mu, 1);
        T->removed = fate_relu_removed(ms, s->mu);
    }
    if ((st = fate_relu_pperp(&T->target_norm2, NULL, NULL, 0, T->Vt, T->at, ms, d, s->rcond)) != FATE_OK)
        goto fail;
    /* features of the source teacher: its neurons with a nonzero readout */
    if ((st = fate_relu_pperp(&T->pperp_source, NULL, T->Vs + T->removed * d, ms - T->removed, T->Vt,
                              T->at, ms, d, s->rcond)) != FATE_OK)
        goto fail;
    return FATE_OK;
fail:
    relu_teachers_free(T);
    return st;
}

static fate_mlp_gd_config gd_of(const fate_relu_spec *s, uint64_t inst)
{
    fate_mlp_gd_config gd = s->gd;
    gd.seed = s->seed;
    gd.instance = inst;
    return gd;
}

/* Pretraining's rules: spec->gd, on plain GD unless optimize_pretrain
 * (fate_relu_spec: the rich regime's features depend on the trajectory). */
static fate_mlp_gd_config pretrain_gd_of(const fate_relu_spec *s, uint64_t inst)
{
    fate_mlp_gd_config gd = gd_of(s, inst);
    if (!s->optimize_pretrain) gd.optimizer = FATE_MLP_GD;
    if (s->pretrain_steps) gd.max_steps = s->pretrain_steps;
    if (s->pretrain_lr > 0) gd.lr = s->pretrain_lr;
    return gd;
}

/* Online GD on the source: a fresh full batch of n_src rows per step, the
 * rows [t n_src, (t+1) n_src) of the online streams, so every step sees new
 * samples and the run is a pure function of (seed, instance). Same update and
 * rules as fate_mlp_train, on the per-batch losses; these are noisy, so the
 * rel_tol rule compares the means of the last two windows of steps
 * (GD_WINDOW_MEANS). */
typedef struct online_run {
    mlp_point p;   /* first: mlp_gd_step's context */
    double *X, *y; /* (B, d), (B): the step's batch */
    const fate_relu_spec *s;
    const relu_teachers *T;
    uint64_t inst;
    mlp_ws w;
} online_run;

/* Check t: draws batch t, then its loss and gradient. */
static fate_status online_eval(void *ctx, gd_point *pt, size_t t)
{
    online_run *R = ctx;
    const fate_relu_spec *s = R->s;
    const mlp_point *p = &R->p;
    const size_t d = p->s->d, B = s->n_src;
    fate_normal_fill(R->X, B * d, s->seed, R->inst, FATE_MLP_STREAM_X_ONLINE, (uint64_t)(t * B * d));
    fate_status st = fate_relu_teacher_eval(R->y, R->T->Vs, R->T->as, R->T->ms, d, R->X, B);
    if (st != FATE_OK) return st;
    if (s->sigma_src > 0)
        for (size_t k = 0; k < B; k++)
            R->y[k] += s->sigma_src * fate_normal_at(s->seed, R->inst, FATE_MLP_STREAM_NOISE_ONLINE, t * B + k);
    pt->loss = mlp_grad_ws(p->dW, p->dc, p->W, p->c, p->s, R->X, R->y, B, &R->w);
    return FATE_OK;
}

static fate_status train_online(double *W, double *c, fate_mlp_gd_report *rep, const fate_mlp_shape *sh,
                                const fate_relu_spec *s, const relu_teachers *T, uint64_t inst)
{
    const size_t m = sh->m, d = sh->d, B = s->n_src;
    const fate_mlp_gd_config cfg = pretrain_gd_of(s, inst);
    online_run R = {.p = {.W = W, .c = c, .s = sh, .lr_eff = mlp_step_size(sh, &cfg)}, .s = s, .T = T,
                    .inst = inst};
    mlp_point *p = &R.p;
    memset(rep, 0, sizeof *rep);
    rep->lr_eff = p->lr_eff;
    p->dW = alloc_array(m, d, sizeof *p->dW), p->dc = malloc(m * sizeof *p->dc);
    R.X = alloc_array(B, d, sizeof *R.X), R.y = malloc(B * sizeof *R.y);
    fate_status st = FATE_ENOMEM;
    if (mlp_ws_alloc_p(&R.w, sh, B, cfg.precision) != FATE_OK) goto done;
    if (!p->dW || !p->dc || !R.X || !R.y) goto done;
    if (mlp_optim_init(&p->opt, &cfg, sh, 1) != FATE_OK) goto done;
    const gd_oracle o = {&R, online_eval, mlp_gd_step};
    const gd_rules rules = mlp_rules(&cfg, GD_WINDOW_MEANS);
    gd_report g;
    st = gd_run(&g, &o, &rules);
    mlp_report(rep, &g);
done:
    mlp_ws_free(&R.w);
    mlp_optim_free(&p->opt);
    free(p->dW); free(p->dc); free(R.X); free(R.y);
    return st;
}

fate_status relu_pretrain_ws(double *Wp, double *cp, fate_relu_method_result *r, double *pperp_student,
                             size_t *fail_step, const fate_relu_spec *s, const relu_teachers *T,
                             uint64_t inst)
{
    const size_t d = s->d, m = s->m;
    const fate_mlp_shape sh = {d, m, s->act, s->scaling};
    fate_mlp_gd_report rep;
    memset(r, 0, sizeof *r);
    r->w_move = NAN; /* the init is not kept */
    fate_mlp_init(Wp, cp, &sh, s->w_init, s->c_init, s->seed, inst, FATE_MLP_STREAM_INIT_PRETRAIN);
    fate_status st;
    if (s->online_src) {
        st = train_online(Wp, cp, &rep, &sh, s, T, inst);
    } else {
        double *Xs = alloc_array(s->n_src, d, sizeof *Xs), *ys = malloc(s->n_src * sizeof *ys);
        st = Xs && ys ? fate_relu_dataset(Xs, ys, T->Vs, T->as, T->ms, s->n_src, d, s->sigma_src, s->seed,
                                          inst, FATE_MLP_STREAM_X_SOURCE, FATE_MLP_STREAM_NOISE_SOURCE)
                      : FATE_ENOMEM;
        if (st == FATE_OK) {
            const fate_mlp_gd_config gd = pretrain_gd_of(s, inst);
            st = fate_mlp_train(Wp, cp, &rep, &sh, Xs, ys, s->n_src, &gd);
        }
        free(Xs);
        free(ys);
    }
    if (st == FATE_EDIVERGED && fail_step) *fail_step = rep.diverged_step;
    if (st != FATE_OK) return st;
    from_report(r, &rep);
    if ((st = fate_mlp_test_risk(&r->risk, &r->risk_se, Wp, cp, &sh, T->Vs, T->as, T->ms, s->n_test, s->seed,
                                 inst)) != FATE_OK)
        return st;
    if (pperp_student) {
        *pperp_student = NAN;
        if (s->act == FATE_ACT_RELU)
            st = fate_relu_pperp_student(pperp_student, NULL, Wp, cp, m, T->Vt, T->at, T->ms, d,
                                         s->pperp_rcond);
    }
    return st;
}

fate_status relu_target(double *X, double *y, const fate_relu_spec *s, const relu_teachers *T, uint64_t inst)
{
    return fate_relu_dataset(X, y, T->Vt, T->at, T->ms, s->n, s->d, s->sigma, s->seed, inst,
                             FATE_MLP_STREAM_X_TARGET, FATE_MLP_STREAM_NOISE_TARGET);
}

/* |W - W0|_F / |W0|_F over the m d first-layer weights (NaN for W0 = 0). */
static double relative_move(const double *W, const double *W0, size_t count)
{
    double num = 0.0, den = 0.0;
    for (size_t k = 0; k < count; k++) {
        const double e = W[k] - W0[k];
        num += e * e;
        den += W0[k] * W0[k];
    }
    return den > 0.0 ? sqrt(num / den) : NAN;
}

/* Trains a copy of (W0, c0) on the target set by GD with spec->gd and scores
 * the result: "fine-tune from these weights", the one training stack of
 * scratch (a fresh init), fine-tuning (the pretrained network) and LP-FT (the
 * pretrained first layer with the probed readout). r->w_move is how far the
 * first layer moved from W0. */
static fate_status train_from(fate_relu_method_result *r, size_t *fail_step, const double *W0,
                              const double *c0, const fate_relu_spec *s, const relu_teachers *T,
                              const double *X, const double *y, uint64_t inst)
{
    const fate_mlp_shape sh = {s->d, s->m, s->act, s->scaling};
    const fate_mlp_gd_config gd = gd_of(s, inst);
    fate_mlp_gd_report rep;
    memset(r, 0, sizeof *r);
    double *W = alloc_array(s->m, s->d, sizeof *W), *c = malloc(s->m * sizeof *c);
    fate_status st = FATE_ENOMEM;
    if (!W || !c) goto done;
    memcpy(W, W0, s->m * s->d * sizeof *W);
    memcpy(c, c0, s->m * sizeof *c);
    st = fate_mlp_train(W, c, &rep, &sh, X, y, s->n, &gd);
    if (st == FATE_EDIVERGED && fail_step) *fail_step = rep.diverged_step;
    if (st != FATE_OK) goto done;
    from_report(r, &rep);
    r->w_move = relative_move(W, W0, s->m * s->d);
    st = fate_mlp_test_risk(&r->risk, &r->risk_se, W, c, &sh, T->Vt, T->at, T->ms, s->n_test, s->seed, inst);
done:
    free(W);
    free(c);
    return st;
}

fate_status relu_scratch(fate_relu_method_result *r, size_t *fail_step, const fate_relu_spec *s,
                         const relu_teachers *T, const double *X, const double *y, uint64_t inst)
{
    const fate_mlp_shape sh = {s->d, s->m, s->act, s->scaling};
    double *W = alloc_array(s->m, s->d, sizeof *W), *c = malloc(s->m * sizeof *c);
    fate_status st = FATE_ENOMEM;
    if (W && c) {
        fate_mlp_init(W, c, &sh, s->w_init, s->c_init, s->seed, inst, FATE_MLP_STREAM_INIT_SCRATCH);
        st = train_from(r, fail_step, W, c, s, T, X, y, inst);
    }
    free(W);
    free(c);
    return st;
}

/* The linear probe of lt and lpft: c = the readout refitted on the frozen
 * pretrained first layer Wp (fate_mlp_refit_readout from cp, ridge
 * spec->lambda, cut-off spec->rcond). c: (m). */
static fate_status probe(double *c, size_t *rank, const fate_relu_spec *s, const double *Wp, const double *cp,
                         const double *X, const double *y)
{
    const fate_mlp_shape sh = {s->d, s->m, s->act, s->scaling};
    memcpy(c, cp, s->m * sizeof *c);
    return fate_mlp_refit_readout(c, rank, Wp, &sh, X, y, s->n, s->lambda, s->rcond);
}

fate_status relu_lt(fate_relu_method_result *r, size_t *rank, const fate_relu_spec *s, const relu_teachers *T,
                    const double *Wp, const double *cp, const double *X, const double *y, uint64_t inst)
{
    const fate_mlp_shape sh = {s->d, s->m, s->act, s->scaling};
    double *c = malloc(s->m * sizeof *c);
    if (!c) return FATE_ENOMEM;
    memset(r, 0, sizeof *r);
    fate_status st = probe(c, rank, s, Wp, cp, X, y);
    if (st == FATE_OK) st = fate_mlp_grad(NULL, NULL, &r->train_loss, Wp, c, &sh, X, y, s->n);
    if (st == FATE_OK) {
        r->converged = 1;
        st = fate_mlp_test_risk(&r->risk, &r->risk_se, Wp, c, &sh, T->Vt, T->at, T->ms, s->n_test, s->seed, inst);
    }
    free(c);
    return st;
}

fate_status relu_ft(fate_relu_method_result *r, size_t *fail_step, const fate_relu_spec *s, const relu_teachers *T,
                    const double *Wp, const double *cp, const double *X, const double *y, uint64_t inst)
{
    return train_from(r, fail_step, Wp, cp, s, T, X, y, inst);
}

/* LP-FT (Kumar et al., ICLR 2022; THEORY.md section 8, two-layer LP-FT): the
 * probe of lt, then fine-tuning's training from the probed network. */
fate_status relu_lpft(fate_relu_method_result *r, size_t *fail_step, const fate_relu_spec *s,
                      const relu_teachers *T, const double *Wp, const double *cp, const double *X,
                      const double *y, uint64_t inst)
{
    double *c = malloc(s->m * sizeof *c);
    if (!c) return FATE_ENOMEM;
    memset(r, 0, sizeof *r);
    fate_status st = probe(c, NULL, s, Wp, cp, X, y);
    if (st == FATE_OK) st = train_from(r, fail_step, Wp, c, s, T, X, y, inst);
    free(c);
    return st;
}

fate_status fate_relu_pretrain(double *W, double *c, fate_relu_method_result *r, double *pperp_student,
                               const fate_relu_spec *s, uint64_t inst, size_t *failed_step)
{
    if (!W || !c || !r || fate_relu_spec_check(s)) return FATE_EINVAL;
    relu_teachers T;
    fate_status st = relu_teachers_make(&T, s, inst);
    if (st != FATE_OK) return st;
    st = relu_pretrain_ws(W, c, r, pperp_student, failed_step, s, &T, inst);
    relu_teachers_free(&T);
    return st;
}

fate_status fate_relu_run_instance(fate_relu_result *out, double *W_pre, double *c_pre,
                                   const fate_relu_spec *s, uint64_t inst,
                                   unsigned *failed_method, size_t *failed_step)
{
    if (!out || fate_relu_spec_check(s)) return FATE_EINVAL;
    const size_t d = s->d, m = s->m;
    const int need_pre = (s->methods & (FATE_METHOD_LT | FATE_METHOD_FT | FATE_METHOD_LPFT)) != 0;
    fate_relu_result res;
    memset(&res, 0, sizeof res);
    res.pperp_student = NAN;
    unsigned fm = 0;
    size_t fstep = 0;
    relu_teachers T;
    fate_status st = relu_teachers_make(&T, s, inst);
    if (st != FATE_OK) return st;
    res.target_norm2 = T.target_norm2;
    res.pperp_source = T.pperp_source;
    st = FATE_ENOMEM;
    double *X = alloc_array(s->n, d, sizeof *X), *y = malloc(s->n * sizeof *y);
    double *Wp = alloc_array(m, d, sizeof *Wp), *cp = malloc(m * sizeof *cp);
    if (!X || !y || !Wp || !cp) goto done;
    if ((st = relu_target(X, y, s, &T, inst)) != FATE_OK) goto done;
    if (need_pre && (st = relu_pretrain_ws(Wp, cp, &res.pretrain, &res.pperp_student, &fstep, s, &T, inst)) != FATE_OK)
        goto done;
    if (s->methods & FATE_METHOD_SCRATCH) {
        fm = FATE_METHOD_SCRATCH;
        if ((st = relu_scratch(&res.scratch, &fstep, s, &T, X, y, inst)) != FATE_OK) goto done;
    }
    if (s->methods & FATE_METHOD_LT) {
        fm = FATE_METHOD_LT;
        if ((st = relu_lt(&res.lt, &res.lt_rank, s, &T, Wp, cp, X, y, inst)) != FATE_OK) goto done;
    }
    if (s->methods & FATE_METHOD_FT) {
        fm = FATE_METHOD_FT;
        if ((st = relu_ft(&res.ft, &fstep, s, &T, Wp, cp, X, y, inst)) != FATE_OK) goto done;
    }
    if (s->methods & FATE_METHOD_LPFT) {
        fm = FATE_METHOD_LPFT;
        if ((st = relu_lpft(&res.lpft, &fstep, s, &T, Wp, cp, X, y, inst)) != FATE_OK) goto done;
    }
    if (need_pre) {
        if (W_pre) memcpy(W_pre, Wp, m * d * sizeof *Wp);
        if (c_pre) memcpy(c_pre, cp, m * sizeof *cp);
    }
    *out = res;
done:
    if (st == FATE_EDIVERGED) {
        if (failed_method) *failed_method = fm;
        if (failed_step) *failed_step = fstep;
    }
    relu_teachers_free(&T);
    free(X); free(y); free(Wp); free(cp);
    return st;
}
