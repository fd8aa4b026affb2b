/* dln.c - the deep linear network f(x) = x^T W_1 W_2 ... W_{L-1} w_L
 * (THEORY.md section 2): layout, initialisation, end-to-end vector, feature
 * map, layer balance and the gradient of squared loss.
 *
 * Gradient through sufficient statistics: the loss
 *   (1/n)|X beta - y|^2 = beta^T S beta - 2 b.beta + yy,  beta = W_1..W_{L-1} w_L,
 * has d loss / d beta = 2 g with g = S beta - b, and by the chain rule
 *   d loss / d W_l = 2 (W_1..W_{l-1})^T g (W_{l+1}..w_L)^T,
 * an outer product of a backward vector a_l = (W_1..W_{l-1})^T g and a forward
 * vector q_{l+1} = W_{l+1}..w_L. One evaluation costs O(d^2 + L k d) instead of
 * O(n L k d) for per-sample back-propagation (fate_dln_grad_samples, kept as
 * the naive reference the tests compare against).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>

#include "fate.h"
#include "internal.h"

/* d k + (L-2) k^2 + k with overflow checks; 0 when it overflows or exceeds
 * INT_MAX (the parameters go to BLAS as one vector, e.g. cblas_daxpy). */
static size_t nparams_checked(const fate_dln_shape *s)
{
    size_t a, kk, b, n;
    if (size_mul(&a, s->d, s->width) || size_mul(&kk, s->width, s->width) ||
        size_mul(&b, s->depth - 2, kk) || __builtin_add_overflow(a, b, &n) ||
        __builtin_add_overflow(n, s->width, &n) || n > FATE_INT_MAX)
        return 0;
    return n;
}

int dln_shape_ok(const fate_dln_shape *s)
{
    return s && s->d >= 1 && s->width >= 1 && s->depth >= 2 && nparams_checked(s) > 0;
}

size_t fate_dln_nparams(const fate_dln_shape *s)
{
    if (!dln_shape_ok(s)) return 0;
    return nparams_checked(s);
}

size_t fate_dln_offset(const fate_dln_shape *s, size_t l)
{
    if (l <= 1) return 0;
    return s->d * s->width + (l - 2) * s->width * s->width;
}

/* Rows of layer l: d for l = 1, k otherwise; columns: 1 for l = L, k otherwise. */
static size_t rows_of(const fate_dln_shape *s, size_t l) { return l == 1 ? s->d : s->width; }
static size_t cols_of(const fate_dln_shape *s, size_t l) { return l == s->depth ? 1 : s->width; }

fate_status fate_dln_init(double *params, const fate_dln_shape *s, double alpha,
                          uint64_t seed, uint64_t instance, uint64_t stream)
{
    if (!params || !dln_shape_ok(s) || !(alpha >= 0.0) || !isfinite(alpha)) return FATE_EINVAL;
    size_t np = fate_dln_nparams(s);
    fate_normal_fill(params, np, seed, instance, stream, 0);
    for (size_t l = 1; l <= s->depth; l++) {
        /* W_1 ~ alpha N(0,1)/sqrt(d), W_l ~ alpha N(0,1)/sqrt(k), w_L ~ alpha N(0,1) */
        double scale = l == s->depth ? alpha : alpha / sqrt((double)rows_of(s, l));
        double *w = params + fate_dln_offset(s, l);
        size_t cnt = rows_of(s, l) * cols_of(s, l);
        for (size_t i = 0; i < cnt; i++) w[i] *= scale;
    }
    return FATE_OK;
}

fate_status dln_ws_alloc(dln_ws *ws, const fate_dln_shape *s)
{
    size_t k = s->width, L = s->depth;
    ws->q = alloc_array((L - 1), k, sizeof(double));
    ws->a = alloc_array((L - 1), k, sizeof(double));
    ws->beta = malloc(s->d * sizeof(double));
    ws->g = malloc(s->d * sizeof(double));
    if (!ws->q || !ws->a || !ws->beta || !ws->g) {
        dln_ws_free(ws);
        return FATE_ENOMEM;
    }
    return FATE_OK;
}

void dln_ws_free(dln_ws *ws)
{
    free(ws->q);
    free(ws->a);
    free(ws->beta);
    free(ws->g);
    ws->q = ws->a = ws->beta = ws->g = NULL;
}

/* Forward vectors: q_L = w_L, q_l = W_l q_{l+1} (k), beta = W_1 q_2 (d). */
static void forward(double *beta, double *q, const double *params, const fate_dln_shape *s)
{
    size_t d = s->d, k = s->width, L = s->depth;
    double *qL = q + (L - 2) * k;
    memcpy(qL, params + fate_dln_offset(s, L), k * sizeof(double));
    for (size_t l = L - 1; l >= 2; l--)
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)k, (int)k, 1.0,
                    params + fate_dln_offset(s, l), (int)k, q + (l - 1) * k, 1, 0.0,
                    q + (l - 2) * k, 1);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)d, (int)k, 1.0, params, (int)k, q, 1, 0.0,
                beta, 1);
}

fate_status fate_dln_product(double *beta, const double *params, const fate_dln_shape *s)
{
    if (!beta || !params || !dln_shape_ok(s)) return FATE_EINVAL;
    double *q = alloc_array((s->depth - 1), s->width, sizeof *q);
    if (!q) return FATE_ENOMEM;
    forward(beta, q, params, s);
    free(q);
    return FATE_OK;
}

fate_status fate_dln_features(double *P, const double *params, const fate_dln_shape *s)
{
    if (!P || !params || !dln_shape_ok(s)) return FATE_EINVAL;
    size_t d = s->d, k = s->width;
    memcpy(P, params, d * k * sizeof *P);
    if (s->depth == 2) return FATE_OK;
    double *tmp = alloc_array(d, k, sizeof *tmp);
    if (!tmp) return FATE_ENOMEM;
    for (size_t l = 2; l < s->depth; l++) {
        /* P <- P W_l: (d, k) x (k, k) */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)d, (int)k, (int)k, 1.0, P,
                    (int)k, params + fate_dln_offset(s, l), (int)k, 0.0, tmp, (int)k);
        memcpy(P, tmp, d * k * sizeof *P);
    }
    free(tmp);
    return FATE_OK;
}

fate_status fate_dln_balance(double *balance, const double *params, const fate_dln_shape *s)
{
    if (!balance || !params || !dln_shape_ok(s)) return FATE_EINVAL;
    size_t k = s->width;
    double *A = alloc_array(k, k, sizeof *A), *B = alloc_array(k, k, sizeof *B);
    if (!A || !B) { free(A); free(B); return FATE_ENOMEM; }
    double worst = 0.0;
    for (size_t l = 1; l < s->depth; l++) {
        const double *Wl = params + fate_dln_offset(s, l);
        const double *Wn = params + fate_dln_offset(s, l + 1);
        size_t r = rows_of(s, l), cn = cols_of(s, l + 1);
        /* A = W_l^T W_l (k, k); B = W_{l+1} W_{l+1}^T (k, k); upper triangles */
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)k, (int)r, 1.0, Wl, (int)k,
                    0.0, A, (int)k);
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)k, (int)cn, 1.0, Wn, (int)cn,
                    0.0, B, (int)k);
        double f = 0.0;
        for (size_t i = 0; i < k; i++)
            for (size_t j = i; j < k; j++) {
                double e = A[i * k + j] - B[i * k + j];
                f += (i == j ? 1.0 : 2.0) * e * e;
            }
        if (sqrt(f) > worst) worst = sqrt(f);
    }
    free(A);
    free(B);
    *balance = worst;
    return FATE_OK;
}

void dln_grad_ws(double *grad, double *loss, const double *params, const fate_dln_shape *s,
                 const double *S, const double *b, double yy, dln_ws *ws)
{
    size_t d = s->d, k = s->width, L = s->depth;
    forward(ws->beta, ws->q, params, s);
    /* g = S beta - b  (S == NULL: identity) */
    if (S) {
        memcpy(ws->g, b, d * sizeof(double));
        cblas_dsymv(CblasRowMajor, CblasUpper, (int)d, 1.0, S, (int)d, ws->beta, 1, -1.0, ws->g, 1);
    } else {
        for (size_t i = 0; i < d; i++) ws->g[i] = ws->beta[i] - b[i];
    }
    /* loss = beta^T S beta - 2 b.beta + yy = beta.(g - b) + yy */
    if (loss) {
        double bg = cblas_ddot((int)d, ws->beta, 1, ws->g, 1);
        double bb = cblas_ddot((int)d, ws->beta, 1, b, 1);
        *loss = bg - bb + yy;
    }
    /* Backward: a_2 = W_1^T g, a_{l+1} = W_l^T a_l (k each). */
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)d, (int)k, 1.0, params, (int)k, ws->g, 1, 0.0,
                ws->a, 1);
    for (size_t l = 2; l < L; l++)
        cblas_dgemv(CblasRowMajor, CblasTrans, (int)k, (int)k, 1.0, params + fate_dln_offset(s, l),
                    (int)k, ws->a + (l - 2) * k, 1, 0.0, ws->a + (l - 1) * k, 1);
    /* dW_1 = 2 g q_2^T; dW_l = 2 a_l q_{l+1}^T; dw_L = 2 a_L. */
    memset(grad, 0, fate_dln_nparams(s) * sizeof(double));
    cblas_dger(CblasRowMajor, (int)d, (int)k, 2.0, ws->g, 1, ws->q, 1, grad, (int)k);
    for (size_t l = 2; l < L; l++)
        cblas_dger(CblasRowMajor, (int)k, (int)k, 2.0, ws->a + (l - 2) * k, 1, ws->q + (l - 1) * k,
                   1, grad + fate_dln_offset(s, l), (int)k);
    double *gL = grad + fate_dln_offset(s, L);
    for (size_t j = 0; j < k; j++) gL[j] = 2.0 * ws->a[(L - 2) * k + j];
}

fate_status fate_dln_grad(double *grad, double *loss, const double *params,
                          const fate_dln_shape *s, const double *S, const double *b, double yy)
{
    if (!grad || !params || !b || !dln_shape_ok(s)) return FATE_EINVAL;
    dln_ws ws;
    if (dln_ws_alloc(&ws, s) != FATE_OK) return FATE_ENOMEM;
    dln_grad_ws(grad, loss, params, s, S, b, yy, &ws);
    dln_ws_free(&ws);
    return FATE_OK;
}

fate_status fate_dln_grad_samples(double *grad, double *loss, const double *params,
                                  const fate_dln_shape *s, const double *X, const double *y,
                                  size_t n)
{
    if (!grad || !params || !X || !y || n < 1 || !dln_shape_ok(s)) return FATE_EINVAL;
    size_t d = s->d, k = s->width, L = s->depth;
    /* h[l] = activations after layer l (h_0 = x, dim d; h_l dim k, l < L);
     * delta = d loss_i / d h_l. Plain loops: this is the reference. */
    double *h = alloc_array(L, k, sizeof *h), *delta = malloc(k * sizeof *delta),
           *tmp = malloc(k * sizeof *tmp);
    if (!h || !delta || !tmp) { free(h); free(delta); free(tmp); return FATE_ENOMEM; }
    memset(grad, 0, fate_dln_nparams(s) * sizeof *grad);
    double total = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double *x = X + i * d;
        /* forward: h_1 = W_1^T x, h_l = W_l^T h_{l-1}, f = w_L . h_{L-1} */
        for (size_t l = 1; l < L; l++) {
            const double *W = params + fate_dln_offset(s, l);
            const double *in = l == 1 ? x : h + (l - 1) * k;
            size_t r = rows_of(s, l);
            double *out = h + l * k;
            for (size_t j = 0; j < k; j++) out[j] = 0.0;
            for (size_t a = 0; a < r; a++)
                for (size_t j = 0; j < k; j++) out[j] += in[a] * W[a * k + j];
        }
        const double *wL = params + fate_dln_offset(s, L);
        double f = 0.0;
        for (size_t j = 0; j < k; j++) f += wL[j] * h[(L - 1) * k + j];
        double res = f - y[i];
        total += res * res;
        double r2 = 2.0 * res / (double)n;
        /* backward */
        double *gL = grad + fate_dln_offset(s, L);
        for (size_t j = 0; j < k; j++) {
            gL[j] += r2 * h[(L - 1) * k + j];
            delta[j] = r2 * wL[j];
        }
        for (size_t l = L - 1; l >= 1; l--) {
            const double *W = params + fate_dln_offset(s, l);
            double *G = grad + fate_dln_offset(s, l);
            const double *in = l == 1 ? x : h + (l - 1) * k;
            size_t r = rows_of(s, l);
            for (size_t a = 0; a < r; a++)
                for (size_t j = 0; j < k; j++) G[a * k + j] += in[a] * delta[j];
            if (l == 1) break;
            for (size_t a = 0; a < k; a++) {
                double acc = 0.0;
                for (size_t j = 0; j < k; j++) acc += W[a * k + j] * delta[j];
                tmp[a] = acc;
            }
            memcpy(delta, tmp, k * sizeof *delta);
        }
    }
    if (loss) *loss = total / (double)n;
    free(h);
    free(delta);
    free(tmp);
    return FATE_OK;
}
