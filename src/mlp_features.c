/* mlp_features.c - what a pretrained two-layer network makes of the target's
 * inputs (fate_relu_transfer_features): the hidden layer's features, the
 * ones linear transfer refits its readout on, and the network's own output,
 * on exactly the target set of fate_relu_run_instance (its teachers and
 * streams), for the transferability scores (issue 16; THEORY.md section 12). */
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "fate_mlp.h"
#include "internal.h"
#include "mlp_internal.h"

fate_status fate_relu_transfer_features(double *X, double *y, double *Phi, double *f_src, const double *W,
                                        const double *c, const fate_relu_spec *spec, uint64_t instance)
{
    if (!Phi || !W || !c || !spec || fate_relu_spec_check(spec)) return FATE_EINVAL;
    const size_t n = spec->n, d = spec->d, m = spec->m;
    if (!fits_int2(n, m) || !fits_int2(n, d)) return FATE_EINVAL;
    const fate_mlp_shape sh = {d, m, spec->act, spec->scaling};
    relu_teachers T;
    double *Xt = alloc_array(n, d, sizeof *Xt), *yt = malloc(n * sizeof *yt);
    fate_status st = Xt && yt ? relu_teachers_make(&T, spec, instance) : FATE_ENOMEM;
    if (st != FATE_OK) {
        free(Xt);
        free(yt);
        return st;
    }
    if ((st = relu_target(Xt, yt, spec, &T, instance)) == FATE_OK) {
        /* Phi = s_m act(X W^T): the readout's inputs, f = Phi c */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)m, (int)d, 1.0, Xt, (int)d, W, (int)d,
                    0.0, Phi, (int)m);
        st = fate_mlp_act(Phi, NULL, spec->act, Phi, n * m);
        const double sm = fate_mlp_output_scale(&sh);
        for (size_t i = 0; st == FATE_OK && i < n * m; i++) Phi[i] *= sm;
        if (st == FATE_OK && f_src) st = fate_mlp_forward(f_src, W, c, &sh, Xt, n);
        if (st == FATE_OK && X) memcpy(X, Xt, n * d * sizeof *X);
        if (st == FATE_OK && y) memcpy(y, yt, n * sizeof *y);
    }
    relu_teachers_free(&T);
    free(Xt);
    free(yt);
    return st;
}
