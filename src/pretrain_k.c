/* pretrain_k.c - pretraining a deep linear network with k outputs (THEORY.md
 * section 10): W = W_1 W_2 .. W_{L-1} W_L with W_1 (d, w), W_l (w, w), the
 * last layer W_L (w, k), by full-batch gradient descent on
 *
 *     loss(W) = tr(W^T S W) - 2 tr(B^T W) + yy,
 *
 * the population loss |W - B_s a_s|_F^2 (S = I, B = a_s B_s, yy = k a_s^2) or a
 * finite source set's (S = X^T X/n, B = X^T Y/n, yy = |Y|_F^2/n). The gradient in
 * layer l is P_{l-1}^T G Q_{l+1}^T with G = 2 (S W - B), P_l = W_1..W_l and Q_l =
 * W_l..W_L (P_0 = I_d, Q_{L+1} = I_k): the single-output rule of train.c with the
 * vectors g, w_L turned into d x k and w x k matrices. The loop, the stopping,
 * saddle and divergence rules are gd_run's with train.c's values: stop when
 * loss <= loss_min + tol, at most max_epochs steps. The learning rate is
 * train.c's, 0.4 / (L lambda_max(S) max(1, s^(2(L-1)/L))), with |beta| replaced
 * by the top singular value s of W (the curvature of the loss along a layer
 * grows with it the same way), re-evaluated every step.
 *
 * The target network then keeps W_1..W_{L-1}, the rank-k feature map, and the
 * head of output 1 (the teacher b_1 at angle theta from beta_t): fine-tuning
 * starts from the network that predicts b_1, which at k = 1 is the paper's. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>

#include "fate.h"
#include "internal.h"

typedef struct kdln {
    size_t d, w, k, L, np;
    const double *S; /* (d, d) or NULL: I */
    const double *B; /* (d, k) */
    double yy;
    double *params;  /* W_1 (d, w), W_2..W_{L-1} (w, w), W_L (w, k), row-major */
    double *P;       /* (L - 1) x (d, w): P_l = W_1..W_l, l = 1..L-1 (P_1 a copy of W_1) */
    double *W;       /* (d, k) the end-to-end map */
    double *G;       /* (d, k) 2 (S W - B) */
    double *R, *R2;  /* (d, max(w, k)) back-propagated factor G Q_{l+1}^T */
    double *grad;    /* (np) */
    double *M;       /* (k, k) W^T W for the top singular value */
    double lr0, expo, snorm;
    int auto_lr;
} kdln;

static size_t kd_off(const kdln *m, size_t l)
{
    return l == 1 ? 0 : m->d * m->w + (l - 2) * m->w * m->w;
}

/* Columns of layer l: w, or k for the last. */
static size_t kd_cols(const kdln *m, size_t l) { return l == m->L ? m->k : m->w; }

/* Top singular value of W (d, k) by power iteration on W^T W from a fixed start:
 * a step-size rule needs a few per cent, 30 iterations give that. */
static double top_sv(kdln *m)
{
    const size_t k = m->k;
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)k, (int)m->d, 1.0, m->W, (int)k, 0.0, m->M, (int)k);
    double v[64], u[64], lam = 0.0;
    const size_t kk = k < 64 ? k : 64; /* a start in the first 64 coordinates, the rest 0 */
    double *vv = k <= 64 ? v : calloc(k, sizeof *vv), *uu = k <= 64 ? u : malloc(k * sizeof *uu);
    if (!vv || !uu) { if (k > 64) { free(vv); free(uu); } return NAN; }
    for (size_t i = 0; i < k; i++) vv[i] = i < kk ? 1.0 + 0.5 * sin((double)i + 1.0) : 0.0;
    for (int it = 0; it < 30; it++) {
        const double nv = cblas_dnrm2((int)k, vv, 1);
        if (!(nv > 0.0)) break;
        cblas_dscal((int)k, 1.0 / nv, vv, 1);
        cblas_dsymv(CblasRowMajor, CblasUpper, (int)k, 1.0, m->M, (int)k, vv, 1, 0.0, uu, 1);
        lam = cblas_ddot((int)k, vv, 1, uu, 1);
        memcpy(vv, uu, k * sizeof *vv);
    }
    if (k > 64) { free(vv); free(uu); }
    return sqrt(fmax(lam, 0.0));
}

/* Forward: P_l, W, G and the loss. */
static double kd_forward(kdln *m)
{
    const size_t d = m->d, w = m->w, k = m->k, L = m->L;
    memcpy(m->P, m->params, d * w * sizeof *m->P);
    for (size_t l = 2; l < L; l++)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)d, (int)w, (int)w, 1.0, m->P + (l - 2) * d * w,
                    (int)w, m->params + kd_off(m, l), (int)w, 0.0, m->P + (l - 1) * d * w, (int)w);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)d, (int)k, (int)w, 1.0, m->P + (L - 2) * d * w,
                (int)w, m->params + kd_off(m, L), (int)k, 0.0, m->W, (int)k);
    /* G = S W - B (halved; doubled below), loss = <W, S W> - 2 <B, W> + yy */
    memcpy(m->G, m->B, d * k * sizeof *m->G);
    if (m->S)
        cblas_dsymm(CblasRowMajor, CblasLeft, CblasUpper, (int)d, (int)k, 1.0, m->S, (int)d, m->W, (int)k, -1.0,
                    m->G, (int)k);
    else
        for (size_t i = 0; i < d * k; i++) m->G[i] = m->W[i] - m->B[i];
    double loss = m->yy;
    for (size_t i = 0; i < d * k; i++) loss += m->W[i] * (m->G[i] - m->B[i]);
    cblas_dscal((int)(d * k), 2.0, m->G, 1);
    return loss;
}

/* Backward: grad W_l = P_{l-1}^T R_l, R_L = G, R_{l-1} = R_l W_l^T. */
static void kd_backward(kdln *m)
{
    const size_t d = m->d, w = m->w, L = m->L;
    memcpy(m->R, m->G, d * m->k * sizeof *m->R);
    for (size_t l = L; l >= 1; l--) {
        const size_t c = kd_cols(m, l);
        double *g = m->grad + kd_off(m, l);
        if (l == 1) {
            memcpy(g, m->R, d * w * sizeof *g);
            break;
        }
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)w, (int)c, (int)d, 1.0, m->P + (l - 2) * d * w,
                    (int)w, m->R, (int)c, 0.0, g, (int)c);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)d, (int)w, (int)c, 1.0, m->R, (int)c,
                    m->params + kd_off(m, l), (int)c, 0.0, m->R2, (int)w);
        double *t = m->R;
        m->R = m->R2, m->R2 = t;
    }
}

static fate_status kd_eval(void *ctx, gd_point *pt, size_t t)
{
    (void)t;
    kdln *m = ctx;
    pt->loss = kd_forward(m);
    kd_backward(m);
    m->snorm = top_sv(m);
    pt->grad2 = cblas_ddot((int)m->np, m->grad, 1, m->grad, 1);
    pt->finite = isfinite(m->snorm);
    return FATE_OK;
}

static fate_status kd_step(void *ctx, size_t t, size_t budget, size_t *done)
{
    (void)t, (void)budget, (void)done;
    kdln *m = ctx;
    const double lr = m->auto_lr ? m->lr0 / fmax(1.0, pow(m->snorm, m->expo)) : m->lr0;
    cblas_daxpy((int)m->np, -lr, m->grad, 1, m->params, 1);
    return FATE_OK;
}

static void kd_free(kdln *m)
{
    free(m->params); free(m->P); free(m->W); free(m->G); free(m->R); free(m->R2); free(m->grad); free(m->M);
}

static fate_status kd_alloc(kdln *m)
{
    const size_t d = m->d, w = m->w, k = m->k, c = w > k ? w : k;
    m->np = d * w + (m->L - 2) * w * w + w * k;
    m->params = malloc(m->np * sizeof(double));
    m->grad = malloc(m->np * sizeof(double));
    m->P = alloc_array((m->L - 1) * d, w, sizeof(double));
    m->W = alloc_array(d, k, sizeof(double));
    m->G = alloc_array(d, k, sizeof(double));
    m->R = alloc_array(d, c, sizeof(double));
    m->R2 = alloc_array(d, c, sizeof(double));
    m->M = alloc_array(k, k, sizeof(double));
    return m->params && m->grad && m->P && m->W && m->G && m->R && m->R2 && m->M ? FATE_OK : FATE_ENOMEM;
}

/* Small init: the single-output network of fate_dln_init (the same numbers
 * as the paper's pretraining at k = 1) with heads 2..k drawn like its w_L,
 * alpha N(0, 1), from FATE_STREAM_INIT_HEADS. */
static fate_status kd_init(kdln *m, const fate_dln_shape *sh, double alpha, uint64_t seed, uint64_t inst)
{
    const size_t np1 = fate_dln_nparams(sh), head = fate_dln_offset(sh, sh->depth), w = m->w, k = m->k;
    double *one = malloc(np1 * sizeof *one), *h = alloc_array(w, k - 1, sizeof *h);
    fate_status st = one && h ? fate_dln_init(one, sh, alpha, seed, inst, FATE_STREAM_INIT_PRETRAIN) : FATE_ENOMEM;
    if (st == FATE_OK) {
        memcpy(m->params, one, head * sizeof *one);
        fate_normal_fill(h, w * (k - 1), seed, inst, FATE_STREAM_INIT_HEADS, 0);
        double *WL = m->params + kd_off(m, m->L);
        for (size_t i = 0; i < w; i++) {
            WL[i * k] = one[head + i];
            for (size_t j = 1; j < k; j++) WL[i * k + j] = alpha * h[i * (k - 1) + j - 1];
        }
    }
    free(one);
    free(h);
    return st;
}

fate_status pretrain_k_run(pretrain_k_out *out, const fate_dln_shape *sh, size_t k, const double *S, const double *B,
                           double yy, const fate_gd_config *cfg, double alpha, uint64_t seed, uint64_t inst)
{
    kdln m = {.d = sh->d, .w = sh->width, .k = k, .L = sh->depth, .S = S, .B = B, .yy = yy};
    fate_status st = kd_alloc(&m);
    if (st == FATE_OK) st = kd_init(&m, sh, alpha, seed, inst);
    if (st != FATE_OK) { kd_free(&m); return st; }
    m.auto_lr = !(cfg->lr > 0.0);
    m.lr0 = m.auto_lr ? 0.4 / ((double)m.L * fate_lambda_max(S, m.d)) : cfg->lr;
    m.expo = 2.0 * (double)(m.L - 1) / (double)m.L;
    const gd_oracle go = {&m, kd_eval, kd_step};
    const gd_rules rules = {.max_steps = cfg->max_epochs, .target = cfg->loss_min + cfg->tol, .window_rule = GD_WINDOW_OFF,
                            .saddle = 1, .loss_min = cfg->loss_min, .saddle_tol = cfg->tol};
    gd_report g;
    st = gd_run(&g, &go, &rules);
    out->report = (fate_gd_report){.loss0 = g.loss0, .loss = g.loss, .lr = m.lr0, .steps = g.steps,
                                   .converged = g.converged, .on_saddle = g.on_saddle, .diverged_step = g.diverged_step};
    if (st == FATE_OK) {
        /* the target network: the feature layers and head 1 */
        const size_t head = fate_dln_offset(sh, sh->depth);
        const double *WL = m.params + kd_off(&m, m.L);
        memcpy(out->params, m.params, head * sizeof *out->params);
        for (size_t i = 0; i < m.w; i++) out->params[head + i] = WL[i * k];
        kd_forward(&m);
        out->residual = 0.0; /* |W - B|_F^2 at S = I; the fit's distance to the teachers */
        for (size_t i = 0; i < m.d * k; i++) out->residual += (m.W[i] - out->teachers[i]) * (m.W[i] - out->teachers[i]);
    }
    kd_free(&m);
    return st;
}
