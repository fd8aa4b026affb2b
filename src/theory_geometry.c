/* theory_geometry.c - the theory beside a simulation whose task geometry goes
 * beyond one angle (fate_spec.k > 1 or a spectrum): which closed forms of
 * THEORY.md sections 10 and 11 apply to a spec, NaN where none is derived
 * (simulation only). Called by fate_spec_theory_eval after the isotropic
 * one-teacher values, which it overrides. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fate.h"
#include "internal.h"

/* Every method whose theory needs the one-teacher isotropic picture. */
static void geometry_nan(fate_spec_theory *o, int keep_l2sp)
{
    o->ft = o->ft_paper = o->ft_c = o->T_ft = o->T_ft_paper = NAN;
    o->lpft = o->lpft_c = o->T_lpft = NAN;
    if (!keep_l2sp) o->l2sp = o->T_l2sp = NAN;
}

/* k source teachers, isotropic inputs (THEORY.md section 10): linear transfer
 * on the rank-k features spanning B_s, rho_par = cos^2 theta; exact at lambda =
 * 0, the limit at n/d, k/d for a ridge head (a_s = 1 only: the ridge compares
 * lambda with the features' squared norm, as the one-teacher form). A finite
 * source's features span B_s only approximately: no theory. Parameter
 * transfer reads only the network of output 1 (b_1): the one-teacher values
 * stand at an infinite source. */
static void theory_k(fate_spec_theory *o, const fate_spec *s)
{
    const double at = spec_scale(s->target_scale), a2 = at * at, sigma = s->sigma / at;
    const double c = cos(s->theta), rho_par = c * c;
    geometry_nan(o, s->n_src == 0);
    if (s->n_src > 0) o->lt = NAN;
    else if (s->lambda == 0.0) o->lt = a2 * fate_theory_lt_k_exact(s->n, s->k, rho_par, sigma);
    else if (spec_scale(s->source_scale) == 1.0)
        o->lt = a2 * fate_theory_lt_k_ridge((double)s->n / (double)s->d, (double)s->k / (double)s->d,
                                            s->lambda / a2, rho_par, sigma);
    else o->lt = NAN;
    o->T_lt = o->scratch - o->lt;
}

/* A spectrum (THEORY.md section 11): scratch and the ridge baseline by the
 * deterministic equivalent with the target's squared coordinates (uniform
 * for random teachers: the equivalent is linear in them, so this is its mean
 * over the teacher); linear transfer's exact mean at lambda = 0 with the
 * teachers placed at the top or the tail of the spectrum. Random teachers
 * under a spectrum: the mean over teachers of the ratio in rho has no closed
 * form (simulation only), nor has any method with a fine-tuned feature layer
 * or a finite source. */
static fate_status theory_aniso(fate_spec_theory *o, const fate_spec *s)
{
    const size_t d = s->d;
    const double at = spec_scale(s->target_scale), as = spec_scale(s->source_scale);
    double *bs = malloc(d * sizeof *bs), *bt = malloc(d * sizeof *bt), *b2 = malloc(d * sizeof *b2);
    fate_status st = bs && bt && b2 ? spec_teachers(bs, bt, s, s->theta, 0) : FATE_ENOMEM;
    const int placed = s->align != FATE_ALIGN_RANDOM;
    geometry_nan(o, 0);
    o->lt = o->T_lt = NAN;
    if (st == FATE_OK) {
        for (size_t i = 0; i < d; i++) {
            bs[i] *= as, bt[i] *= at;
            b2[i] = bt[i] * bt[i];
        }
        /* NULL (random teachers): a unit teacher, scaled by a_t^2 at noise sigma/a_t */
        st = fate_theory_aniso_ridge(&o->scratch, NULL, NULL, s->spectrum, placed ? b2 : NULL, d, s->n, 0.0,
                                     s->sigma / (placed ? 1.0 : at));
        if (st == FATE_OK && !placed) o->scratch *= at * at; /* NULL: a unit teacher */
    }
    if (st == FATE_OK) {
        st = fate_theory_aniso_ridge(&o->ridge, NULL, NULL, s->spectrum, placed ? b2 : NULL, d, s->n, o->ridge_lambda,
                                     s->sigma / (placed ? 1.0 : at));
        if (st == FATE_OK && !placed) o->ridge *= at * at;
        o->T_ridge = o->scratch - o->ridge;
    }
    if (st == FATE_OK && placed && s->n_src == 0 && s->lambda == 0.0) {
        st = fate_theory_aniso_lt_exact(&o->lt, s->spectrum, bs, bt, d, s->n, s->sigma);
        o->T_lt = o->scratch - o->lt;
    }
    free(bs);
    free(bt);
    free(b2);
    return st;
}

fate_status spec_theory_geometry(fate_spec_theory *o, const fate_spec *s)
{
    if (s->spectrum) return theory_aniso(o, s);
    if (s->k > 1) theory_k(o, s);
    return FATE_OK;
}
