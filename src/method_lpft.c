/* method_lpft.c - LP-FT (Kumar et al., ICLR 2022): a linear probe, then
 * fine-tuning. The probe is linear transfer exactly (the last layer refitted
 * on the frozen pretrained features, ridge spec->lambda, lt_solve); then
 * full-batch GD trains every layer from the probed weights, as fine-tuning
 * does from the pretrained ones. Gradient flow keeps the pretrained layers'
 * balance except at the last layer, whose imbalance the probe sets: the
 * theory of the resulting coefficient is THEORY.md section 8. */
#include <stdlib.h>
#include <string.h>

#include "fate.h"
#include "internal.h"

fate_status proto_lpft(fate_method_result *r, double *c, const pretrained_t *p, const target_t *t,
                       const fate_spec *s, size_t *fail_step)
{
    return proto_lpft_obs(r, c, p, t, s, fail_step, NULL);
}

fate_status proto_lpft_obs(fate_method_result *r, double *c, const pretrained_t *p, const target_t *t,
                           const fate_spec *s, size_t *fail_step, const dln_observer *obs)
{
    const fate_dln_shape sh = spec_shape(s);
    const size_t np = fate_dln_nparams(&sh);
    double *w = malloc(np * sizeof *w);
    gram2_t g = {0};
    if (!w) return FATE_ENOMEM;
    memcpy(w, p->params, np * sizeof *w);
    fate_status st = lt_solve(w + fate_dln_offset(&sh, sh.depth), &p->basis, t->S, t->b, s->lambda);
    if (st == FATE_OK && gram2_applies(&sh)) st = gram2_from_params(&g, w, &sh);
    if (st == FATE_OK) st = proto_finetune_obs(r, c, w, g.G ? &g : NULL, p->beta, t, s, fail_step, obs);
    gram2_free(&g);
    free(w);
    return st;
}
