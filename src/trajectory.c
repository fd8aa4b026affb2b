/* trajectory.c - learning curves (THEORY.md section 9): the trainings of
 * fate_run_instance, observed through gd_run's observer every `every`
 * updates, recording the population risk, the objective, the layer balance
 * and, for ft and lpft, the coefficient c of (I-P) beta_s_hat (THEORY.md
 * section 3). The observer only reads, so every end value is the one
 * fate_run_instance reports, bit for bit. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>

#include "fate.h"
#include "internal.h"

typedef struct traj_rec {
    fate_traj_point *out;
    size_t cap, count;
    unsigned method;
    /* (d) the teacher the risk is measured against, through a pointer to
     * it: pretraining draws beta_s into pre.beta_s only once it has begun */
    double *const *ref;
    size_t d;
    const double *eig;   /* (d) Sigma's eigenvalues (NULL: I), the risk's norm */
    const double *vperp; /* (d) (I-P) beta_pre, NULL: no c */
    double vperp2;       /* |vperp|^2 */
} traj_rec;

static void rec_push(traj_rec *r, const fate_traj_point *p)
{
    if (r->count < r->cap) r->out[r->count] = *p;
    r->count++;
}

/* dln_observer.fn. c = <(I-P) beta, (I-P) beta_pre> / |(I-P) beta_pre|^2
 * = <beta, vperp> / |vperp|^2 (I-P is a symmetric projector), the
 * end-of-training formula of proto_finetune at any step. */
static fate_status rec_observe(void *ctx, const dln_view *v)
{
    traj_rec *r = ctx;
    fate_traj_point p = {r->method, v->step, proto_risk(v->beta, *r->ref, r->eig, r->d), v->loss, NAN, NAN};
    if (v->gram) p.balance = gram2_balance(v->gram);
    else if (fate_dln_balance(&p.balance, v->params, v->shape) != FATE_OK) return FATE_ENOMEM;
    if (r->vperp && r->vperp2 > 0.0) p.c = cblas_ddot((int)r->d, v->beta, 1, r->vperp, 1) / r->vperp2;
    rec_push(r, &p);
    return FATE_OK;
}

/* A closed-form method's (or early_stop's) one record. */
static void rec_end(traj_rec *r, unsigned method, size_t step, const fate_method_result *m)
{
    const fate_traj_point p = {method, step, m->risk, m->train_loss, m->balance, NAN};
    rec_push(r, &p);
}

size_t fate_trajectory_cap(const fate_spec *s, size_t every)
{
    if (every == 0 || fate_spec_check(s)) return 0;
    const unsigned m = s->methods;
    const size_t gd = (size_t)((m & USES_PRETRAINED) != 0) + (size_t)((m & FATE_METHOD_SCRATCH) != 0) +
                      (size_t)((m & FATE_METHOD_FT) != 0) + (size_t)((m & FATE_METHOD_LPFT) != 0) +
                      (size_t)((m & FATE_METHOD_L2SP_W) != 0);
    size_t per = s->max_epochs / every, total;
    if (per > SIZE_MAX - 2 || size_mul(&total, gd, per + 2) || total > SIZE_MAX - 8) return 0;
    return total + 8; /* at most 5 closed forms (lt, l2sp, ridge, ridge_cv, early_stop) */
}

/* The GD methods on the target, with the recorder pointed at each. */
static fate_status traj_gd(traj_rec *r, fate_instance_result *o, const pretrained_t *pre, const target_t *tgt,
                           const fate_spec *s, uint64_t inst, const dln_observer *obs, unsigned bit,
                           size_t *step)
{
    r->method = bit;
    r->ref = &tgt->beta_t;
    if (bit == FATE_METHOD_SCRATCH) return proto_scratch_obs(&o->scratch, tgt, s, s->weight_decay, inst, step, obs);
    if (bit == FATE_METHOD_FT)
        return proto_finetune_obs(&o->ft, &o->ft_c, pre->params, &pre->gram, pre->beta, tgt, s, step, obs);
    if (bit == FATE_METHOD_LPFT) return proto_lpft_obs(&o->lpft, &o->lpft_c, pre, tgt, s, step, obs);
    double lambda;
    return proto_l2sp_w_obs(&o->l2sp_w, &lambda, pre, tgt, s, step, obs);
}

/* The closed forms and early_stop: their end values. */
static fate_status traj_closed(traj_rec *r, fate_instance_result *o, const pretrained_t *pre, const target_t *tgt,
                               const fate_spec *s, uint64_t inst, unsigned bit, size_t *step)
{
    fate_status st;
    size_t at = 0;
    fate_method_result *m = bit == FATE_METHOD_LT ? &o->lt : bit == FATE_METHOD_L2SP ? &o->l2sp
                            : bit == FATE_METHOD_RIDGE ? &o->ridge : bit == FATE_METHOD_RIDGE_CV ? &o->ridge_cv
                                                                                                : &o->early_stop;
    double lambda;
    switch (bit) {
    case FATE_METHOD_LT: st = proto_lt(m, pre, tgt, s, s->lambda); break;
    case FATE_METHOD_L2SP: st = proto_l2sp(m, &o->l2sp_lambda, pre, tgt, s); break;
    case FATE_METHOD_RIDGE: st = proto_ridge(m, &lambda, tgt, s, 0); break;
    case FATE_METHOD_RIDGE_CV: st = proto_ridge(m, &o->ridge_cv_lambda, tgt, s, 1); break;
    default: st = proto_scratch_es(NULL, m, &o->early_stop_step, tgt, s, s->weight_decay, inst, step); break;
    }
    at = bit == FATE_METHOD_EARLY_STOP ? o->early_stop_step : 0;
    if (st == FATE_OK) rec_end(r, bit, at, m);
    return st;
}

/* Every method of s on one pretrained network and target set, in
 * fate_run_instance's order; *stage the method running. */
static fate_status traj_methods(traj_rec *r, fate_instance_result *o, const pretrained_t *pre, const target_t *tgt,
                                const fate_spec *s, uint64_t inst, size_t every, unsigned *stage, size_t *step)
{
    static const unsigned ORDER[] = {FATE_METHOD_SCRATCH,  FATE_METHOD_LT,         FATE_METHOD_FT,
                                     FATE_METHOD_LPFT,     FATE_METHOD_L2SP,       FATE_METHOD_RIDGE,
                                     FATE_METHOD_RIDGE_CV, FATE_METHOD_EARLY_STOP, FATE_METHOD_L2SP_W};
    const unsigned GD = FATE_METHOD_SCRATCH | FATE_METHOD_FT | FATE_METHOD_LPFT | FATE_METHOD_L2SP_W;
    double *vperp = malloc(tgt->d * sizeof *vperp);
    fate_status st = FATE_ENOMEM;
    if (!vperp) goto done;
    st = FATE_OK;
    if ((s->methods & (FATE_METHOD_FT | FATE_METHOD_LPFT)) && tgt->n < tgt->d) {
        if ((st = proto_null_part(vperp, tgt->X, tgt->n, tgt->d, pre->beta)) != FATE_OK) goto done;
        r->vperp2 = cblas_ddot((int)tgt->d, vperp, 1, vperp, 1);
    }
    const dln_observer obs = {r, every, rec_observe};
    for (size_t k = 0; k < sizeof ORDER / sizeof ORDER[0] && st == FATE_OK; k++) {
        const unsigned bit = ORDER[k];
        if (!(s->methods & bit)) continue;
        *stage = bit;
        r->vperp = (bit & (FATE_METHOD_FT | FATE_METHOD_LPFT)) && tgt->n < tgt->d ? vperp : NULL;
        st = bit & GD ? traj_gd(r, o, pre, tgt, s, inst, &obs, bit, step)
                      : traj_closed(r, o, pre, tgt, s, inst, bit, step);
    }
done:
    free(vperp);
    return st;
}

fate_status fate_run_trajectory(fate_traj_point *out, size_t cap, size_t *count, fate_instance_result *result,
                                const fate_spec *spec, uint64_t instance, size_t every, unsigned *failed_method,
                                size_t *failed_step)
{
    if (!count || (!out && cap) || every == 0 || fate_spec_check(spec)) return FATE_EINVAL;
    *count = 0;
    fate_instance_result own, *o = result ? result : &own;
    memset(o, 0, sizeof *o);
    o->ft_c = o->lpft_c = o->l2sp_lambda = o->ridge_cv_lambda = NAN; /* as fate_run_instance */
    traj_rec r = {out, cap, 0, 0, NULL, spec->d, spec->spectrum, NULL, 0.0};
    pretrained_t pre;
    target_t tgt;
    memset(&pre, 0, sizeof pre);
    memset(&tgt, 0, sizeof tgt);
    unsigned stage = 0;
    fate_status st = FATE_OK;
    if (spec->methods & USES_PRETRAINED) {
        const dln_observer obs = {&r, every, rec_observe};
        r.ref = &pre.beta_s;
        st = proto_pretrain_obs(&pre, spec, spec->theta, instance, (spec->methods & USES_BASIS) != 0, failed_step,
                                &obs);
        if (st != FATE_OK) goto done;
        o->pretrain = pre.res;
        o->feature_rank = pre.basis.r;
        o->feature_sv1 = pre.basis.sv1;
        o->feature_sv2 = pre.basis.sv2;
    }
    if ((st = proto_target(&tgt, spec, instance)) != FATE_OK) goto done;
    st = traj_methods(&r, o, &pre, &tgt, spec, instance, every, &stage, failed_step);
done:
    if (st == FATE_EDIVERGED && failed_method) *failed_method = stage;
    pretrained_free(&pre);
    target_free(&tgt);
    *count = r.count;
    if (st == FATE_OK && r.count > cap) st = FATE_ENOMEM;
    return st;
}

fate_status fate_run_trajectories(fate_traj_point *out, size_t cap, size_t *counts, fate_instance_result *results,
                                  const fate_spec *spec, uint64_t first, size_t count, size_t every, int threads,
                                  unsigned *failed_method, size_t *failed_step, uint64_t *failed_instance)
{
    if (!counts || (!out && cap) || every == 0 || fate_spec_check(spec) || threads < 0 || threads > FATE_MAX_THREADS)
        return FATE_EINVAL;
    size_t total;
    if (size_mul(&total, count, cap)) return FATE_EINVAL;
    fate_status *sts = alloc_array(count ? count : 1, 1, sizeof *sts);
    unsigned *fm = calloc_array(count ? count : 1, 1, sizeof *fm);
    size_t *fs = calloc_array(count ? count : 1, 1, sizeof *fs);
    if (!sts || !fm || !fs) { free(sts); free(fm); free(fs); return FATE_ENOMEM; }
    /* as fate_run: instances in parallel, single-threaded BLAS inside, so
     * every record is the same for any thread count */
    const int blas_threads = blas_threads_get();
    blas_threads_set(1);
    int nt = team_threads(threads);
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
    for (size_t i = 0; i < count; i++)
        sts[i] = fate_run_trajectory(out ? out + i * cap : NULL, cap, &counts[i], results ? &results[i] : NULL, spec,
                                     first + i, every, &fm[i], &fs[i]);
    blas_threads_set(blas_threads);
    fate_status st = FATE_OK;
    for (size_t i = 0; i < count && st == FATE_OK; i++)
        if ((st = sts[i]) != FATE_OK) {
            if (failed_method) *failed_method = fm[i];
            if (failed_step) *failed_step = fs[i];
            if (failed_instance) *failed_instance = first + i;
        }
    free(sts); free(fm); free(fs);
    return st;
}
