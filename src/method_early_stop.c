/* method_early_stop.c - the early-stopped scratch baseline (THEORY.md
 * section 9): scratch training whose population risk |beta(t) - beta_t|^2 is
 * checked at every step; the result is the smallest risk met and its step,
 * an oracle choice of the stopping time (it needs beta_t) as ridge's lambda*
 * is an oracle choice of the ridge. No closed form is known to us for a deep
 * network from small init: simulation only.
 *
 * Every step, not every K: the check is |beta - beta_t|^2, O(d) given the
 * end-to-end map the step already formed, against O(d^2) (Gram form, depth
 * 2) or O(L d k) (depth >= 3) for the step itself; measured in
 * docs/testing.md (test_early_stop). Scratch and the early-stopped result
 * come from one training, observed through gd_run's observer, so scratch is
 * the same bit for bit with or without it. */
#include <math.h>
#include <string.h>

#include "fate.h"
#include "internal.h"

typedef struct es_track {
    const double *beta_t, *eig;
    size_t d;
    double risk, loss, balance;
    size_t step;
} es_track;

/* dln_observer.fn: keeps the first step of the smallest risk (the Gram
 * form carries the balance for free; the weights at depth >= 3 would have to
 * be copied at every improvement, so there it is not recorded). */
static fate_status es_observe(void *ctx, const dln_view *v)
{
    es_track *k = ctx;
    const double r = proto_risk(v->beta, k->beta_t, k->eig, k->d);
    if (!(r >= k->risk)) { /* the first check, any smaller risk, or a NaN to stop at */
        k->risk = r;
        k->loss = v->loss;
        k->step = v->step;
        k->balance = v->gram ? gram2_balance(v->gram) : NAN;
    }
    return FATE_OK;
}

fate_status proto_scratch_es(fate_method_result *sc, fate_method_result *es, size_t *es_step, const target_t *t,
                             const fate_spec *s, double wd, uint64_t inst, size_t *fail_step)
{
    fate_method_result own;
    fate_method_result *r = sc ? sc : &own;
    if (!es) return proto_scratch(r, t, s, wd, inst, fail_step);
    es_track k = {t->beta_t, t->eig, t->d, INFINITY, NAN, NAN, 0};
    const dln_observer obs = {&k, 1, es_observe};
    fate_status st = proto_scratch_obs(r, t, s, wd, inst, fail_step, &obs);
    if (st != FATE_OK) return st;
    /* The last check is among the observed ones; scratch's own risk of the
     * final map (formed by another product at depth >= 3, so it may differ
     * in the last bit) counts too, so es->risk <= sc->risk exactly. */
    if (r->risk < k.risk) {
        k.risk = r->risk;
        k.loss = r->train_loss;
        k.step = r->steps;
        k.balance = r->balance;
    }
    *es = (fate_method_result){.risk = k.risk, .train_loss = k.loss, .loss_min = r->loss_min, .steps = k.step,
                               .converged = r->converged, .on_saddle = r->on_saddle, .balance = k.balance,
                               .lr = r->lr};
    if (es_step) *es_step = k.step;
    return FATE_OK;
}
