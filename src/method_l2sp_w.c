/* method_l2sp_w.c - weight-level L2-SP (Li et al., ICML 2018, "explicit
 * inductive bias for transfer learning"): gradient descent from the
 * pretrained weights on the target's empirical loss plus
 * lambda sum_l |W_l - W_l^pre|_F^2, each layer pulled toward its pretrained
 * value. It is what a practitioner writes for a network; l2sp
 * (method_l2sp.c) penalises the end-to-end map instead, the convex problem
 * whose theory fate has. The weight penalty is not a function of the
 * end-to-end map (it depends on how beta is factored), so that theory does
 * not carry over: simulation only (THEORY.md section 8). lambda is
 * spec->l2sp_lambda, FATE_LAMBDA_OPT resolved as for l2sp: the optimum of
 * the END-TO-END penalty, used here as a matched default, not the optimum of
 * the weight penalty. lambda = 0 is fine-tuning, bit for bit (the same GD). */
#include <math.h>

#include "fate.h"
#include "internal.h"

fate_status proto_l2sp_w(fate_method_result *r, double *lambda_used, const pretrained_t *p, const target_t *t,
                         const fate_spec *s, size_t *fail_step)
{
    return proto_l2sp_w_obs(r, lambda_used, p, t, s, fail_step, NULL);
}

fate_status proto_l2sp_w_obs(fate_method_result *r, double *lambda_used, const pretrained_t *p, const target_t *t,
                             const fate_spec *s, size_t *fail_step, const dln_observer *obs)
{
    double lambda = spec_l2sp_lambda(s), c;
    *lambda_used = lambda;
    /* lambda* = +inf (the pretrained map is exact in theory): the weights
     * stay where they are, which a finite stand-in of the penalty would
     * only approach */
    if (isinf(lambda)) lambda = 1e12;
    return proto_finetune_anchored(r, &c, p->params, &p->gram, p->beta, t, s, lambda, fail_step, obs);
}
