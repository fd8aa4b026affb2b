/* theory_saxe.c - the learning curve of pretraining at depth 2 (THEORY.md
 * section 9; Saxe, McClelland and Ganguli 2014 for gradient flow, the
 * discrete map and the start u0 ours).
 *
 * With an infinite source fate descends L(W) = |W_1 w_2 - beta_s|^2 by GD,
 * W <- W - lr grad L. Write p = W_1^T beta_s_hat (k) and s = |beta_s|. While
 * the map is small, p <- p + 2 lr s w_2 and w_2 <- w_2 + 2 lr s p, so
 * z = (p + w_2)/2 grows by (1 + 2 lr s) a step and p - w_2 dies by
 * (1 - 2 lr s): the network becomes balanced and aligned, W_1 ~ beta_s_hat
 * a z_hat^T, w_2 ~ a z_hat, with u = <beta, beta_s_hat> = a^2. On that
 * manifold GD is exactly the scalar map
 *     a <- a (1 + 2 lr_t (s - a^2)),          lr_t = lr0 / max(1, |beta|)
 * (automatic rate, |beta| = u there; fixed rate: lr_t = lr0), and its
 * gradient flow at tau = lr0 t, du/dtau = 4 u (s - u), is Saxe's sigmoid
 *     u(tau) = s e^{4 s tau} / (e^{4 s tau} - 1 + s/u0).
 * Both start from u0 = |z_0|^2 = |p_0 + w_2,0|^2 / 4, the growing mode of
 * the initial weights (no fitted constant: it is read off the init). */
#include <math.h>
#include <stdlib.h>

#include "fate.h"
#include "internal.h"

fate_status fate_theory_saxe(double *u, const size_t *steps, size_t n, double s, double u0, double lr, int auto_lr,
                             int discrete)
{
    if ((!u || !steps) && n) return FATE_EINVAL;
    if (!(s > 0.0) || !isfinite(s) || !(u0 > 0.0) || !(u0 < s) || !(lr > 0.0) || !isfinite(lr))
        return FATE_EINVAL;
    for (size_t i = 1; i < n; i++)
        if (steps[i] < steps[i - 1]) return FATE_EINVAL;
    if (!discrete) {
        for (size_t i = 0; i < n; i++) {
            /* s / (1 + (s/u0 - 1) e^{-4 s tau}): the same sigmoid, no overflow */
            const double tau = lr * (double)steps[i];
            u[i] = s / (1.0 + (s / u0 - 1.0) * exp(-4.0 * s * tau));
        }
        return FATE_OK;
    }
    double a = sqrt(u0);
    size_t t = 0;
    for (size_t i = 0; i < n; i++) {
        for (; t < steps[i]; t++) {
            const double uu = a * a, rate = auto_lr ? lr / fmax(1.0, uu) : lr;
            a *= 1.0 + 2.0 * rate * (s - uu);
        }
        u[i] = a * a;
    }
    return FATE_OK;
}

fate_status fate_pretrain_u0(double *u0, double *s_out, double *lr, int *auto_lr, const fate_spec *spec,
                             uint64_t instance)
{
    if (!u0 || !s_out || !lr || !auto_lr || fate_spec_check(spec) || spec->depth != 2 || spec->n_src != 0)
        return FATE_EINVAL;
    const fate_dln_shape sh = spec_shape(spec);
    const size_t d = sh.d, k = sh.width;
    double *w = malloc(fate_dln_nparams(&sh) * sizeof *w), *bs = malloc(d * sizeof *bs), *bt = malloc(d * sizeof *bt);
    fate_status st = FATE_ENOMEM;
    if (!w || !bs || !bt) goto done;
    /* the teacher and the init pretraining draws (protocol.c proto_pretrain) */
    if ((st = fate_teachers(bs, bt, d, spec->theta, spec->seed, instance)) != FATE_OK) goto done;
    const double alpha = spec->init_scale > 0.0 ? spec->init_scale : fate_default_init_scale(2);
    if ((st = fate_dln_init(w, &sh, alpha, spec->seed, instance, FATE_STREAM_INIT_PRETRAIN)) != FATE_OK) goto done;
    /* fate_teachers' beta_s is a unit vector: beta_s_hat; z_j = (p_j + w2_j)/2 */
    const double *w2 = w + fate_dln_offset(&sh, 2);
    double z2 = 0.0;
    for (size_t j = 0; j < k; j++) {
        double p = 0.0;
        for (size_t i = 0; i < d; i++) p += w[i * k + j] * bs[i];
        z2 += 0.25 * (p + w2[j]) * (p + w2[j]);
    }
    *u0 = z2;
    *s_out = spec_scale(spec->source_scale);
    *auto_lr = !(spec->lr > 0.0);
    *lr = *auto_lr ? 0.4 / 2.0 : spec->lr; /* train.c: 0.4 / (L lambda_max), lambda_max(I) = 1 */
done:
    free(w); free(bs); free(bt);
    return st;
}
