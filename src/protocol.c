/* protocol.c - the stages of a transfer experiment, shared by one-point runs
 * (experiment.c) and sweeps (sweep.c): pretrain on the source, build the
 * target set, and the three methods on it. Each stage is a pure function of
 * (spec, theta, instance), so any thread may run any stage in any order. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include <lapacke.h>

#include "fate.h"
#include "internal.h"

fate_dln_shape spec_shape(const fate_spec *s)
{
    fate_dln_shape sh = {s->d, s->width ? s->width : s->d, s->depth};
    return sh;
}

static double spec_alpha(const fate_spec *s)
{
    return s->init_scale > 0.0 ? s->init_scale : fate_default_init_scale(s->depth);
}

double proto_sqdist(const double *a, const double *b, size_t d)
{
    double s = 0.0;
    for (size_t i = 0; i < d; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
    return s;
}

/* Empirical loss beta^T S beta - 2 b.beta + yy (S == NULL: identity). */
static double emp_loss(const double *beta, const double *S, const double *b, double yy, size_t d)
{
    double *tmp = malloc(d * sizeof *tmp);
    if (!tmp) return NAN;
    if (S)
        cblas_dsymv(CblasRowMajor, CblasUpper, (int)d, 1.0, S, (int)d, beta, 1, 0.0, tmp, 1);
    else
        memcpy(tmp, beta, d * sizeof *tmp);
    double v = cblas_ddot((int)d, beta, 1, tmp, 1) - 2.0 * cblas_ddot((int)d, b, 1, beta, 1) + yy;
    free(tmp);
    return v;
}

static void from_report(fate_method_result *m, const fate_gd_report *r, double loss_min)
{
    m->train_loss = r->loss;
    m->loss_min = loss_min;
    m->steps = r->steps;
    m->converged = r->converged;
    m->on_saddle = r->on_saddle;
    m->lr = r->lr;
}

void pretrained_free(pretrained_t *p)
{
    free(p->params);
    free(p->beta);
    free(p->beta_s);
    lt_basis_free(&p->basis);
    gram2_free(&p->gram);
    memset(p, 0, sizeof *p);
}

fate_status proto_pretrain(pretrained_t *p, const fate_spec *s, double theta, uint64_t inst,
                           int need_basis, size_t *fail_step)
{
    return proto_pretrain_obs(p, s, theta, inst, need_basis, fail_step, NULL);
}

/* The source's statistics for one output (k <= 1): an infinite source is
 * the population loss |beta - beta_s|^2 (*S stays NULL: S = I, b = beta_s),
 * a finite one its set's S, b, yy and minimum loss (x ~ N(0, Sigma) under a
 * spectrum). An infinite source is learned exactly whatever its input
 * covariance (the minimiser is beta_s and, from small init, the feature map
 * is rank one along it), so under a spectrum it is pretrained on the
 * isotropic loss: the same end point, without the spectrum's condition
 * number in the step count (THEORY.md section 11). *S and *b are allocated
 * here for a finite source. */
static fate_status source_stats(double **S, double **b, double *yy, double *loss_min, const double *beta_s,
                                double as, const fate_spec *s, uint64_t inst)
{
    const size_t d = s->d, ns = s->n_src;
    *S = *b = NULL;
    *loss_min = 0.0;
    if (ns == 0) {
        *yy = as * as; /* |beta_s|^2 of a unit teacher scaled by a_s */
        return FATE_OK;
    }
    *S = alloc_array(d, d, sizeof **S), *b = malloc(d * sizeof **b);
    if (!*S || !*b) return FATE_ENOMEM;
    double *X = alloc_array(ns, d, sizeof *X), *y = malloc(ns * sizeof *y);
    fate_status st = FATE_ENOMEM;
    if (X && y && (st = spec_dataset(X, y, beta_s, s->spectrum, ns, d, s->sigma_src, s->seed, inst, FATE_STREAM_X_SOURCE,
                                     FATE_STREAM_NOISE_SOURCE)) == FATE_OK &&
        (st = fate_suffstats(*S, *b, yy, X, y, ns, d)) == FATE_OK)
        st = fate_min_loss(loss_min, *S, *b, *yy, ns, d);
    free(X);
    free(y);
    return st;
}

/* One-output pretraining (the paper's): GD on the source's statistics. */
static fate_status pretrain_one(pretrained_t *p, const fate_spec *s, uint64_t inst, fate_gd_config *cfg,
                                fate_gd_report *rep, const dln_observer *obs)
{
    const fate_dln_shape sh = spec_shape(s);
    double *S = NULL, *b = NULL, yy;
    fate_status st = source_stats(&S, &b, &yy, &cfg->loss_min, p->beta_s, spec_scale(s->source_scale), s, inst);
    if (st == FATE_OK) {
        fate_dln_init(p->params, &sh, spec_alpha(s), s->seed, inst, FATE_STREAM_INIT_PRETRAIN);
        st = dln_train_obs(p->params, rep, &sh, S, b ? b : p->beta_s, yy, cfg, obs);
    }
    free(S);
    free(b);
    return st;
}

/* A finite k-output source (isotropic): X from the one-output source's
 * stream, Y = X T + sigma_src noise (T = a_s B_s^T (d, k)); S = X^T X/n, Bm =
 * X^T Y/n (d, k), yy = |Y|_F^2/n; the minimum loss is the sum over outputs. */
static fate_status source_stats_k(double *S, double *Bm, double *yy, double *loss_min, const double *T,
                                  const double *beta_s, const fate_spec *s, uint64_t inst)
{
    const size_t d = s->d, n = s->n_src, k = s->k;
    double *X = alloc_array(n, d, sizeof *X), *Y = alloc_array(n, k, sizeof *Y), *y = malloc(n * sizeof *y);
    double *bj = malloc(d * sizeof *bj);
    fate_status st = FATE_ENOMEM;
    if (!X || !Y || !y || !bj) goto done;
    if ((st = fate_dataset(X, y, beta_s, n, d, 0.0, s->seed, inst, FATE_STREAM_X_SOURCE, FATE_STREAM_NOISE_SOURCE)))
        goto done;
    fate_normal_fill(Y, n * k, s->seed, inst, FATE_STREAM_NOISE_SOURCE_K, 0);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)k, (int)d, 1.0, X, (int)d, T, (int)k,
                s->sigma_src, Y, (int)k);
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)d, (int)d, (int)n, 1.0 / (double)n, X, (int)d, X,
                (int)d, 0.0, S, (int)d);
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)d, (int)k, (int)n, 1.0 / (double)n, X, (int)d, Y,
                (int)k, 0.0, Bm, (int)k);
    *yy = *loss_min = 0.0;
    for (size_t j = 0; j < k && st == FATE_OK; j++) {
        double yj = 0.0, lm;
        for (size_t i = 0; i < n; i++) yj += Y[i * k + j] * Y[i * k + j] / (double)n;
        for (size_t i = 0; i < d; i++) bj[i] = Bm[i * k + j];
        st = fate_min_loss(&lm, S, bj, yj, n, d);
        *yy += yj, *loss_min += lm;
    }
done:
    free(X); free(Y); free(y); free(bj);
    return st;
}

/* k-output pretraining (THEORY.md section 10, pretrain_k.c) on the teachers
 * a_s B_s: b_1 = beta_s, b_2..b_k orthogonal to beta_t and b_1. */
static fate_status pretrain_multi(pretrained_t *p, const fate_spec *s, const double *beta_t, uint64_t inst,
                                  fate_gd_config *cfg, fate_gd_report *rep)
{
    const size_t d = s->d, k = s->k;
    const double as = spec_scale(s->source_scale);
    double *B = alloc_array(k, d, sizeof *B), *T = alloc_array(d, k, sizeof *T), *S = NULL, yy = (double)k * as * as;
    double *Bm = T;
    fate_status st = B && T ? spec_source_basis(B, p->beta_s, beta_t, k, d, s->seed, inst) : FATE_ENOMEM;
    if (st != FATE_OK) goto done;
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < k; j++) T[i * k + j] = as * B[j * d + i];
    cfg->loss_min = 0.0;
    if (s->n_src > 0) {
        S = alloc_array(d, d, sizeof *S), Bm = alloc_array(d, k, sizeof *Bm);
        st = S && Bm ? source_stats_k(S, Bm, &yy, &cfg->loss_min, T, p->beta_s, s, inst) : FATE_ENOMEM;
        if (st != FATE_OK) goto done;
    }
    const fate_dln_shape sh = spec_shape(s);
    pretrain_k_out o = {.params = p->params, .teachers = T};
    st = pretrain_k_run(&o, &sh, k, S, Bm, yy, cfg, spec_alpha(s), s->seed, inst);
    *rep = o.report;
    p->res.risk = o.residual;
done:
    if (Bm != T) free(Bm);
    free(B); free(T); free(S);
    return st;
}

fate_status proto_pretrain_obs(pretrained_t *p, const fate_spec *s, double theta, uint64_t inst, int need_basis,
                               size_t *fail_step, const dln_observer *obs)
{
    memset(p, 0, sizeof *p);
    const fate_dln_shape sh = spec_shape(s);
    const size_t d = s->d, np = fate_dln_nparams(&sh);
    p->params = malloc(np * sizeof *p->params);
    p->beta = malloc(d * sizeof *p->beta);
    p->beta_s = malloc(d * sizeof *p->beta_s);
    double *bt = malloc(d * sizeof *bt);
    fate_status st = FATE_ENOMEM;
    if (!p->params || !p->beta || !p->beta_s || !bt) goto done;
    if ((st = spec_teachers(p->beta_s, bt, s, theta, inst)) != FATE_OK) goto done;
    const double as = spec_scale(s->source_scale);
    fate_gd_config cfg = {.lr = s->lr, .max_epochs = s->max_epochs, .tol = s->tol, .loss_min = 0.0};
    fate_gd_report rep = {0}; /* untouched when the source's setup fails */
    if (s->k > 1) {
        st = pretrain_multi(p, s, bt, inst, &cfg, &rep); /* scales by a_s itself */
        for (size_t i = 0; as != 1.0 && i < d; i++) p->beta_s[i] *= as;
    } else {
        for (size_t i = 0; as != 1.0 && i < d; i++) p->beta_s[i] *= as;
        st = pretrain_one(p, s, inst, &cfg, &rep, obs);
    }
    if (st != FATE_OK) {
        if (fail_step && st == FATE_EDIVERGED) *fail_step = rep.diverged_step;
        goto done;
    }
    const double risk_k = p->res.risk;
    from_report(&p->res, &rep, cfg.loss_min);
    fate_dln_product(p->beta, p->params, &sh);
    /* k outputs: |W - a_s B_s|_F^2 (pretrain_k.c); one: |beta - beta_s|_Sigma^2 */
    p->res.risk = s->k > 1 ? risk_k : proto_risk(p->beta, p->beta_s, s->spectrum, d);
    fate_dln_balance(&p->res.balance, p->params, &sh);
    if (need_basis) st = lt_basis(&p->basis, p->params, &sh, s->rcond);
    /* fine-tuning starts from these weights; form their Gram matrix once */
    if (st == FATE_OK && gram2_applies(&sh)) st = gram2_from_params(&p->gram, p->params, &sh);
done:
    free(bt);
    if (st != FATE_OK) pretrained_free(p);
    return st;
}

void target_free(target_t *t)
{
    free(t->X);
    free(t->y);
    free(t->S);
    free(t->b);
    free(t->beta_t);
    memset(t, 0, sizeof *t);
}

fate_status proto_target(target_t *t, const fate_spec *s, uint64_t inst)
{
    memset(t, 0, sizeof *t);
    const size_t d = s->d, n = s->n;
    t->n = n;
    t->d = d;
    t->X = alloc_array(n, d, sizeof *t->X);
    t->y = malloc(n * sizeof *t->y);
    t->S = alloc_array(d, d, sizeof *t->S);
    t->b = malloc(d * sizeof *t->b);
    t->beta_t = malloc(d * sizeof *t->beta_t);
    double *bs = malloc(d * sizeof *bs);
    fate_status st = FATE_ENOMEM;
    if (!t->X || !t->y || !t->S || !t->b || !t->beta_t || !bs) goto done;
    /* beta_t does not depend on theta (fate_teachers) */
    if ((st = spec_teachers(bs, t->beta_t, s, 0.0, inst)) != FATE_OK) goto done;
    const double at = spec_scale(s->target_scale);
    for (size_t i = 0; at != 1.0 && i < d; i++) t->beta_t[i] *= at;
    t->eig = s->spectrum;
    if ((st = spec_dataset(t->X, t->y, t->beta_t, t->eig, n, d, s->sigma, s->seed, inst,
                           FATE_STREAM_X_TARGET, FATE_STREAM_NOISE_TARGET)) != FATE_OK ||
        (st = fate_suffstats(t->S, t->b, &t->yy, t->X, t->y, n, d)) != FATE_OK ||
        (st = fate_min_loss(&t->loss_min, t->S, t->b, t->yy, n, d)) != FATE_OK)
        goto done;
done:
    free(bs);
    if (st != FATE_OK) target_free(t);
    return st;
}

fate_status proto_scratch(fate_method_result *r, const target_t *t, const fate_spec *s,
                          double weight_decay, uint64_t inst, size_t *fail_step)
{
    return proto_scratch_obs(r, t, s, weight_decay, inst, fail_step, NULL);
}

fate_status proto_scratch_obs(fate_method_result *r, const target_t *t, const fate_spec *s, double weight_decay,
                              uint64_t inst, size_t *fail_step, const dln_observer *obs)
{
    const fate_dln_shape sh = spec_shape(s);
    size_t np = fate_dln_nparams(&sh);
    double *w = malloc(np * sizeof *w), *beta = malloc(t->d * sizeof *beta);
    if (!w || !beta) { free(w); free(beta); return FATE_ENOMEM; }
    memset(r, 0, sizeof *r);
    fate_gd_config cfg = {.lr = s->lr, .max_epochs = s->max_epochs, .tol = s->tol,
                          .loss_min = t->loss_min, .weight_decay = weight_decay};
    fate_dln_init(w, &sh, spec_alpha(s), s->seed, inst, FATE_STREAM_INIT_SCRATCH);
    fate_gd_report rep;
    gram2_t m = {0};
    fate_status st;
    if (gram2_applies(&sh)) { /* the same GD, in Gram form (gram2.c) */
        st = gram2_from_params(&m, w, &sh);
        if (st == FATE_OK) st = dln_train_gram2_obs(&m, &rep, t->S, t->b, t->yy, &cfg, 0, obs);
        if (st == FATE_OK) {
            memcpy(beta, m.beta, t->d * sizeof *beta);
            r->balance = gram2_balance(&m);
        }
    } else {
        st = dln_train_obs(w, &rep, &sh, t->S, t->b, t->yy, &cfg, obs);
        if (st == FATE_OK) {
            fate_dln_product(beta, w, &sh);
            fate_dln_balance(&r->balance, w, &sh);
        }
    }
    if (st == FATE_OK) {
        from_report(r, &rep, t->loss_min);
        r->risk = proto_risk(beta, t->beta_t, t->eig, t->d);
        r->train_loss = emp_loss(beta, t->S, t->b, t->yy, t->d); /* without the decay term */
    } else if (fail_step && st == FATE_EDIVERGED) {
        *fail_step = rep.diverged_step;
    }
    gram2_free(&m);
    free(w);
    free(beta);
    return st;
}

fate_status proto_lt(fate_method_result *r, const pretrained_t *p, const target_t *t,
                     const fate_spec *s, double lambda)
{
    const fate_dln_shape sh = spec_shape(s);
    size_t np = fate_dln_nparams(&sh);
    double *w = malloc(np * sizeof *w), *beta = malloc(t->d * sizeof *beta);
    if (!w || !beta) { free(w); free(beta); return FATE_ENOMEM; }
    memset(r, 0, sizeof *r);
    memcpy(w, p->params, np * sizeof *w);
    fate_status st = lt_solve(w + fate_dln_offset(&sh, sh.depth), &p->basis, t->S, t->b, lambda);
    if (st == FATE_OK) {
        fate_dln_product(beta, w, &sh);
        r->risk = proto_risk(beta, t->beta_t, t->eig, t->d);
        r->train_loss = emp_loss(beta, t->S, t->b, t->yy, t->d);
        r->loss_min = t->loss_min;
        r->converged = 1;
        fate_dln_balance(&r->balance, w, &sh);
    }
    free(w);
    free(beta);
    return st;
}

/* (I - P_X) v, P_X the projector on the row space of X (n, d), n < d:
 * v - X^T (X X^T)^{-1} X v by Cholesky of the Gram matrix. out: (d). */
fate_status proto_null_part(double *out, const double *X, size_t n, size_t d, const double *v)
{
    double *G = alloc_array(n, n, sizeof *G), *z = malloc(n * sizeof *z);
    if (!G || !z) { free(G); free(z); return FATE_ENOMEM; }
    cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, (int)n, (int)d, 1.0, X, (int)d, 0.0, G,
                (int)n);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)d, 1.0, X, (int)d, v, 1, 0.0, z, 1);
    lapack_int info = LAPACKE_dposv(LAPACK_ROW_MAJOR, 'L', (lapack_int)n, 1, G, (lapack_int)n, z, 1);
    if (info == 0) {
        memcpy(out, v, d * sizeof *out);
        cblas_dgemv(CblasRowMajor, CblasTrans, (int)n, (int)d, -1.0, X, (int)d, z, 1, 1.0, out, 1);
    }
    free(G);
    free(z);
    return info == 0 ? FATE_OK : FATE_ENUMERIC;
}

fate_status proto_finetune(fate_method_result *r, double *c, const double *start, const gram2_t *gram,
                           const double *beta_pre, const target_t *t, const fate_spec *s, size_t *fail_step)
{
    return proto_finetune_anchored(r, c, start, gram, beta_pre, t, s, 0.0, fail_step, NULL);
}

fate_status proto_finetune_obs(fate_method_result *r, double *c, const double *start, const gram2_t *gram,
                               const double *beta_pre, const target_t *t, const fate_spec *s, size_t *fail_step,
                               const dln_observer *obs)
{
    return proto_finetune_anchored(r, c, start, gram, beta_pre, t, s, 0.0, fail_step, obs);
}

/* lambda > 0: the penalty toward start is not of the Gram form's kind (it
 * pulls each layer, not the Gram matrix), so the full-gradient path runs;
 * the train loss reported is the target's, without the penalty. */
fate_status proto_finetune_anchored(fate_method_result *r, double *c, const double *start, const gram2_t *gram,
                                    const double *beta_pre, const target_t *t, const fate_spec *s, double lambda,
                                    size_t *fail_step, const dln_observer *obs)
{
    const fate_dln_shape sh = spec_shape(s);
    const size_t np = fate_dln_nparams(&sh), d = t->d;
    double *w = malloc(np * sizeof *w), *beta = malloc(d * sizeof *beta);
    double *np1 = malloc(d * sizeof *np1), *np2 = malloc(d * sizeof *np2);
    gram2_t m = {0};
    fate_status st = FATE_ENOMEM;
    if (!w || !beta || !np1 || !np2) goto done;
    memset(r, 0, sizeof *r);
    *c = NAN;
    fate_gd_config cfg = {.lr = s->lr, .max_epochs = s->max_epochs, .tol = s->tol,
                          .loss_min = t->loss_min, .weight_decay = lambda};
    fate_gd_report rep;
    if (gram && gram->G && lambda == 0.0) { /* the same GD, in Gram form (gram2.c) */
        if ((st = gram2_copy(&m, gram)) != FATE_OK) goto done;
        st = dln_train_gram2_obs(&m, &rep, t->S, t->b, t->yy, &cfg, 0, obs);
    } else {
        memcpy(w, start, np * sizeof *w);
        st = dln_train_anchored(w, &rep, &sh, t->S, t->b, t->yy, &cfg, lambda > 0.0 ? start : NULL, obs);
    }
    if (st != FATE_OK) {
        if (fail_step && st == FATE_EDIVERGED) *fail_step = rep.diverged_step;
        goto done;
    }
    from_report(r, &rep, t->loss_min);
    if (m.G) {
        memcpy(beta, m.beta, d * sizeof *beta);
        r->balance = gram2_balance(&m);
    } else {
        fate_dln_product(beta, w, &sh);
        fate_dln_balance(&r->balance, w, &sh);
    }
    r->risk = proto_risk(beta, t->beta_t, t->eig, d);
    if (lambda > 0.0) r->train_loss = emp_loss(beta, t->S, t->b, t->yy, d); /* without the penalty */
    if (t->n < d) {
        /* GD moves beta only inside the row space of X, so
         * (I-P) beta_ft = c (I-P) beta_pre: c = <(I-P) beta_ft, (I-P) beta_pre> / |(I-P) beta_pre|^2 */
        if ((st = proto_null_part(np1, t->X, t->n, d, beta_pre)) != FATE_OK ||
            (st = proto_null_part(np2, t->X, t->n, d, beta)) != FATE_OK)
            goto done;
        double den = cblas_ddot((int)d, np1, 1, np1, 1);
        *c = den > 0.0 ? cblas_ddot((int)d, np2, 1, np1, 1) / den : NAN;
    }
done:
    free(w); free(beta); free(np1); free(np2);
    gram2_free(&m);
    return st;
}

fate_status proto_ft(fate_method_result *r, double *c, const pretrained_t *p, const target_t *t,
                     const fate_spec *s, size_t *fail_step)
{
    return proto_finetune(r, c, p->params, &p->gram, p->beta, t, s, fail_step);
}
