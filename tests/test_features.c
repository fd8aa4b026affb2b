/* test_features.c - fate_transfer_features: the target set and the
 * pretrained features it returns are those of fate_run_instance (the same
 * stages and draws), checked through linear transfer, which is least squares
 * of y on exactly these features. */
#include <criterion/criterion.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fate.h"
#include "fate_mlp.h"
#include "testutil.h"

/* |y - Z w|^2/n at the least-squares w (Z (n, r), n > r). */
static double lstsq_loss(const double *Z, const double *y, size_t n, size_t r, double *w_out)
{
    double *A = malloc(n * r * sizeof *A), *b = malloc(n * sizeof *b);
    memcpy(A, Z, n * r * sizeof *A);
    memcpy(b, y, n * sizeof *b);
    cr_assert_eq(LAPACKE_dgels(LAPACK_ROW_MAJOR, 'N', (lapack_int)n, (lapack_int)r, 1, A, (lapack_int)r, b, 1), 0);
    double loss = 0.0;
    for (size_t i = 0; i < n; i++) {
        double f = 0.0;
        for (size_t j = 0; j < r; j++) f += Z[i * r + j] * b[j];
        loss += (y[i] - f) * (y[i] - f);
    }
    if (w_out) memcpy(w_out, b, r * sizeof *b);
    free(A);
    free(b);
    return loss / (double)n;
}

static void check_spec(const fate_spec *s, size_t r_expected)
{
    const size_t n = s->n, d = s->d;
    double *X = malloc(n * d * sizeof *X), *y = malloc(n * sizeof *y), *Z = malloc(n * d * sizeof *Z);
    double *f = malloc(n * sizeof *f), w[64];
    size_t r = 0;
    cr_assert_eq(fate_transfer_features(X, y, Z, &r, f, s, 3), FATE_OK);
    cr_assert_eq(r, r_expected, "rank %zu, expected %zu", r, r_expected);
    fate_instance_result res;
    cr_assert_eq(fate_run_instance(&res, s, 3, NULL, NULL), FATE_OK);
    /* linear transfer (lambda = 0, n > r) is least squares on Z: same loss */
    const double loss = lstsq_loss(Z, y, n, r, w);
    cr_assert(close_to(loss, res.lt.train_loss, 1e-12, 1e-9), "lt loss %.17g vs %.17g", loss, res.lt.train_loss);
    /* the source's prediction is a function of the features: f in span(Z),
     * up to the directions below rcond (the initialisation's share, ~1e-14
     * of |f|^2 at depth 3) */
    const double fr = lstsq_loss(Z, f, n, r, NULL);
    double f2 = 0.0;
    for (size_t i = 0; i < n; i++) f2 += f[i] * f[i] / (double)n;
    cr_assert_leq(fr, 1e-10 * f2, "source prediction outside span(Z): %g of %g", fr, f2);
    free(X); free(y); free(Z); free(f);
}

Test(features, rank_one_map_is_linear_transfers_feature)
{
    fate_spec s;
    fate_spec_default(&s);
    s.d = 30, s.width = 30, s.n = 20, s.theta = 0.7, s.sigma = 0.3;
    s.methods = FATE_METHOD_SCRATCH | FATE_METHOD_LT;
    check_spec(&s, 1);
}

Test(features, k_outputs_give_k_features)
{
    fate_spec s;
    fate_spec_default(&s);
    s.d = 30, s.width = 30, s.n = 25, s.theta = 0.7, s.sigma = 0.3, s.k = 4;
    s.methods = FATE_METHOD_LT;
    check_spec(&s, 4);
}

Test(features, depth_three_and_a_spectrum)
{
    fate_spec s;
    fate_spec_default(&s);
    double eig[30];
    cr_assert_eq(fate_spectrum_powerlaw(eig, 30, 1.0), FATE_OK);
    s.d = 30, s.width = 30, s.n = 25, s.theta = 1.1, s.sigma = 0.3, s.depth = 3, s.spectrum = eig,
    s.align = FATE_ALIGN_TAIL;
    s.methods = FATE_METHOD_LT;
    check_spec(&s, 1);
}

Test(features, refusals)
{
    fate_spec s;
    fate_spec_default(&s);
    double Z[1];
    size_t r;
    cr_assert_eq(fate_transfer_features(NULL, NULL, NULL, &r, NULL, &s, 0), FATE_EINVAL);
    cr_assert_eq(fate_transfer_features(NULL, NULL, Z, NULL, NULL, &s, 0), FATE_EINVAL);
    s.d = 0;
    cr_assert_eq(fate_transfer_features(NULL, NULL, Z, &r, NULL, &s, 0), FATE_EINVAL);
    /* a network of width 2 cannot fit 3 teachers */
    fate_spec_default(&s);
    s.d = 10, s.width = 2, s.n = 8, s.k = 3, s.theta = 0.5;
    cr_assert_not_null(fate_spec_check(&s));
    cr_assert_eq(fate_transfer_features(NULL, NULL, Z, &r, NULL, &s, 0), FATE_EINVAL);
}

/* Two-layer networks: Phi c is the network's output, and the readout refit
 * on Phi's target set gives linear transfer's training loss of
 * fate_relu_run_instance: the same target set and features. */
Test(features, relu2_hidden_layer_is_linear_transfers_feature)
{
    fate_relu_spec s;
    fate_relu_spec_default(&s);
    s.d = 6, s.mstar = 3, s.m = 12, s.n = 20, s.n_src = 100, s.n_test = 200, s.sigma = 0.1, s.mu = 0.5;
    s.w_init = 1e-3, s.gd.lr = 0.5, s.gd.max_steps = 2000;
    s.methods = FATE_METHOD_LT;
    const size_t n = s.n, m = s.m, d = s.d;
    double W[12 * 6], c[12], Phi[20 * 12], f[20], X[20 * 6], y[20], c2[12];
    fate_relu_result res;
    cr_assert_eq(fate_relu_run_instance(&res, W, c, &s, 2, NULL, NULL), FATE_OK);
    cr_assert_eq(fate_relu_transfer_features(X, y, Phi, f, W, c, &s, 2), FATE_OK);
    for (size_t i = 0; i < n; i++) {
        double g = 0.0;
        for (size_t j = 0; j < m; j++) g += Phi[i * m + j] * c[j];
        cr_assert(close_to(g, f[i], 1e-14, 1e-12), "Phi c %.17g vs f %.17g", g, f[i]);
    }
    const fate_mlp_shape sh = {d, m, s.act, s.scaling};
    size_t rank = 0;
    double loss = NAN;
    memcpy(c2, c, sizeof c2);
    cr_assert_eq(fate_mlp_refit_readout(c2, &rank, W, &sh, X, y, n, s.lambda, s.rcond), FATE_OK);
    cr_assert_eq(fate_mlp_grad(NULL, NULL, &loss, W, c2, &sh, X, y, n), FATE_OK);
    cr_assert_eq(loss, res.lt.train_loss, "refit loss %.17g vs lt %.17g", loss, res.lt.train_loss);
    cr_assert_eq(fate_relu_transfer_features(NULL, NULL, NULL, NULL, W, c, &s, 2), FATE_EINVAL);
}
