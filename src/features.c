/* features.c - what a pretrained network makes of the target's inputs
 * (fate_transfer_features): the features a transferability score reads, from
 * the same stages as fate_run_instance (proto_pretrain, proto_target), so a
 * score sees exactly the network and the target set whose transfer gain the
 * experiment measures (issue 16; THEORY.md section 12). */
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "fate.h"
#include "internal.h"

/* Z = X F: (n, r) = (n, d) (d, r). F = U_r Sigma_r of the feature map
 * W_{L-1} .. W_1 (transfer.c), so row i of Z is the network's hidden
 * representation of x_i in the orthonormal basis of its top r directions,
 * scaled by their singular values: exactly the inputs linear transfer's head
 * is fitted on. */
static void feature_rows(double *Z, const double *X, const lt_basis_t *B, size_t n)
{
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)B->r, (int)B->d, 1.0, X, (int)B->d, B->F,
                (int)B->r, 0.0, Z, (int)B->r);
}

fate_status fate_transfer_features(double *X, double *y, double *Z, size_t *r, double *f_src, const fate_spec *spec,
                                   uint64_t instance)
{
    if (!Z || !r || !spec) return FATE_EINVAL;
    if (fate_spec_check(spec)) return FATE_EINVAL;
    fate_status st;
    if (!fits_int2(spec->n, spec->d) || !fits_int2(spec->d, spec->width)) return FATE_EINVAL;
    pretrained_t p;
    target_t t;
    size_t step = 0;
    memset(&p, 0, sizeof p);
    memset(&t, 0, sizeof t);
    if ((st = proto_pretrain(&p, spec, spec->theta, instance, 1, &step)) == FATE_OK &&
        (st = proto_target(&t, spec, instance)) == FATE_OK) {
        const size_t n = t.n, d = t.d;
        *r = p.basis.r;
        if (p.basis.r > 0) feature_rows(Z, t.X, &p.basis, n);
        if (X) memcpy(X, t.X, n * d * sizeof *X);
        if (y) memcpy(y, t.y, n * sizeof *y);
        /* the source network's own prediction (output 1 with k outputs) */
        if (f_src) cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)d, 1.0, t.X, (int)d, p.beta, 1, 0.0, f_src, 1);
    }
    target_free(&t);
    pretrained_free(&p);
    return st;
}
