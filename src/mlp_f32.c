/* mlp_f32.c - the two-layer gradient of src/mlp.c in single precision
 * (FATE_MLP_SINGLE, fate_mlp.h): the same formulas (the comment at the top of
 * mlp.c), with the two products of 2 n m d flops each through sgemm, which
 * does about twice the flops of dgemm per second on the same core (half the
 * bytes per element, twice the lanes per vector).
 *
 * What stays double, and why: the parameters and the optimiser's state (an
 * update of 1e-8 relative would vanish in float), the loss (a sum of n
 * squares: summed in double so that the stopping rules see the same history
 * up to rounding of the residuals) and the conversions back of dW and dc.
 * The reference is mlp_grad_ws in double; tests/test_mlp_optim.c compares the two.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>

#include "mlp_internal.h"

static const float INV_SQRT_PI2F = 1.1283791670955126f; /* 2/sqrt(pi) */

fate_status mlp_ws32_alloc(mlp_ws *w, const fate_mlp_shape *s, size_t n)
{
    memset(w, 0, sizeof *w);
    const size_t rows = n ? n : 1, m = s->m, d = s->d;
    w->single = 1;
    w->cap = n;
    w->Hf = alloc_array(rows, m, sizeof(float));
    w->Df = alloc_array(rows, m, sizeof(float));
    w->rf = malloc(rows * sizeof(float));
    w->Xf = alloc_array(rows, d, sizeof(float));
    w->Wf = alloc_array(m, d, sizeof(float));
    w->cf = malloc(m * sizeof(float));
    w->dWf = alloc_array(m, d, sizeof(float));
    w->dcf = malloc(m * sizeof(float));
    if (!w->Hf || !w->Df || !w->rf || !w->Xf || !w->Wf || !w->cf || !w->dWf || !w->dcf) {
        mlp_ws32_free(w);
        return FATE_ENOMEM;
    }
    return FATE_OK;
}

void mlp_ws32_free(mlp_ws *w)
{
    free(w->Hf); free(w->Df); free(w->rf); free(w->Xf);
    free(w->Wf); free(w->cf); free(w->dWf); free(w->dcf);
    w->Hf = w->Df = w->rf = w->Xf = w->Wf = w->cf = w->dWf = w->dcf = NULL;
}

static void to_float(float *out, const double *in, size_t count)
{
    for (size_t i = 0; i < count; i++) out[i] = (float)in[i];
}

static void to_double(double *out, const float *in, size_t count)
{
    for (size_t i = 0; i < count; i++) out[i] = (double)in[i];
}

/* P = act(H) in place and D = act'(H) when need_d, in float (act1 of mlp.c).
 * ReLU, the case that matters, is a branch-free loop the compiler vectorises
 * (omp simd); its derivative is not stored: the backward pass reads it off
 * P > 0 (relu_backward). */
static void act_f32(float *H, float *D, fate_act act, size_t count, int need_d)
{
    if (act == FATE_ACT_RELU) {
#pragma omp simd
        for (size_t i = 0; i < count; i++) H[i] = H[i] > 0.0f ? H[i] : 0.0f;
        return;
    }
    for (size_t i = 0; i < count; i++) {
        const float h = H[i];
        float p, dp;
        switch (act) {
        case FATE_ACT_TANH: p = tanhf(h); dp = 1.0f - p * p; break;
        case FATE_ACT_ERF: p = erff(h); dp = INV_SQRT_PI2F * expf(-h * h); break;
        default: p = h; dp = 1.0f; break;
        }
        H[i] = p;
        if (need_d) D[i] = dp;
    }
}

/* The backward matrix G = (r c^T) .* act'(H) into D: (n, m). For ReLU
 * act'(H) = 1{P > 0} (P = relu(H) is what H holds); otherwise D holds act'. */
static void backward_matrix(float *D, const float *P, const float *r, const float *c, fate_act act, size_t n,
                            size_t m)
{
    for (size_t k = 0; k < n; k++) {
        float *Dk = D + k * m;
        const float *Pk = P + k * m, rk = r[k];
        if (act == FATE_ACT_RELU) {
#pragma omp simd
            for (size_t i = 0; i < m; i++) Dk[i] = (float)(Pk[i] > 0.0f) * (rk * c[i]);
        } else {
#pragma omp simd
            for (size_t i = 0; i < m; i++) Dk[i] *= rk * c[i];
        }
    }
}

double mlp_grad_ws32(double *dW, double *dc, const double *W, const double *c, const fate_mlp_shape *s,
                     const double *X, const double *y, size_t n, mlp_ws *w)
{
    const size_t m = s->m, d = s->d;
    const float sm = (float)fate_mlp_output_scale(s);
    to_float(w->Wf, W, m * d);
    to_float(w->cf, c, m);
    to_float(w->Xf, X, n * d);
    /* H = X W^T: (n, d) x (d, m) -> (n, m) */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)m, (int)d, 1.0f, w->Xf, (int)d, w->Wf,
                (int)d, 0.0f, w->Hf, (int)m);
    act_f32(w->Hf, w->Df, s->act, n * m, dW != NULL);
    /* f = s_m P c: (n, m) x (m) -> (n); r = f - y with the loss summed in double */
    cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)m, sm, w->Hf, (int)m, w->cf, 1, 0.0f, w->rf, 1);
    double loss = 0.0;
    for (size_t k = 0; k < n; k++) {
        const double r = (double)w->rf[k] - y[k];
        loss += r * r;
        w->rf[k] = (float)r;
    }
    loss /= (double)n;
    const float g = (float)(2.0 * fate_mlp_output_scale(s) / (double)n);
    /* dc = g P^T r: (m, n) x (n) -> (m) */
    if (dc) {
        cblas_sgemv(CblasRowMajor, CblasTrans, (int)n, (int)m, g, w->Hf, (int)m, w->rf, 1, 0.0f, w->dcf, 1);
        to_double(dc, w->dcf, m);
    }
    if (dW) {
        /* G = (r c^T) .* act'(H): (n, m) */
        backward_matrix(w->Df, w->Hf, w->rf, w->cf, s->act, n, m);
        /* dW = g G^T X: (m, n) x (n, d) -> (m, d) */
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)m, (int)d, (int)n, g, w->Df, (int)m, w->Xf,
                    (int)d, 0.0f, w->dWf, (int)d);
        to_double(dW, w->dWf, m * d);
    }
    return loss;
}
