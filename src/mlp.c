/* mlp.c - two-layer networks f(x) = s_m sum_i c_i act(w_i . x) (THEORY.md
 * section 5): activations, initialisation, forward and backward passes over a
 * batch with BLAS (and a naive per-sample reference beside them), gradient
 * descent with a mean-field learning rate, ridge refit of the readout, ReLU
 * teachers and their data, and the test risk.
 *
 * Batch gradient of the loss (1/n)|f - y|^2 with H = X W^T (n, m),
 * P = act(H), D = act'(H), r = f - y (n):
 *     dc = (2 s_m / n) P^T r,     dW = (2 s_m / n) (diag(r) D diag(c))^T X,
 * two dgemm of 2 n m d flops each, so one step costs about 4 n m d flops.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include <lapacke.h>

#include "fate_mlp.h"
#include "mlp_internal.h"

static const double INV_SQRT_PI2 = 1.1283791670955126; /* 2/sqrt(pi) */

/* W (m, d) goes to BLAS as one vector (cblas_daxpy over m d), so m d must
 * fit an int (internal.h). */
int mlp_shape_ok(const fate_mlp_shape *s)
{
    return s && s->d >= 1 && s->m >= 1 && fits_int2(s->m, s->d) &&
           (unsigned)s->act <= FATE_ACT_LINEAR &&
           (s->scaling == FATE_MLP_MEAN_FIELD || s->scaling == FATE_MLP_STANDARD);
}

/* A batch of n rows: X (n, d) and H (n, m) fit an int BLAS argument. */
static int batch_ok(const fate_mlp_shape *s, size_t n)
{
    return fits_int2(n, s->d) && fits_int2(n, s->m);
}

double fate_mlp_output_scale(const fate_mlp_shape *s)
{
    if (!mlp_shape_ok(s)) return NAN;
    return s->scaling == FATE_MLP_MEAN_FIELD ? 1.0 / (double)s->m : 1.0 / sqrt((double)s->m);
}

/* act and act' of one value (the naive path). */
static void act1(double *phi, double *dphi, fate_act act, double h)
{
    switch (act) {
    case FATE_ACT_RELU: *phi = h > 0.0 ? h : 0.0; *dphi = h > 0.0 ? 1.0 : 0.0; break;
    case FATE_ACT_TANH: { double t = tanh(h); *phi = t; *dphi = 1.0 - t * t; } break;
    case FATE_ACT_ERF: *phi = erf(h); *dphi = INV_SQRT_PI2 * exp(-h * h); break;
    default: *phi = h; *dphi = 1.0; break;
    }
}

fate_status fate_mlp_act(double *phi, double *dphi, fate_act act, const double *h, size_t count)
{
    if ((!phi && !dphi) || (!h && count) || (unsigned)act > FATE_ACT_LINEAR) return FATE_EINVAL;
    for (size_t i = 0; i < count; i++) {
        double p, dp;
        act1(&p, &dp, act, h[i]);
        if (dphi) dphi[i] = dp; /* before phi: phi may alias h, dphi may not */
        if (phi) phi[i] = p;
    }
    return FATE_OK;
}

fate_status fate_mlp_init(double *W, double *c, const fate_mlp_shape *s, double w_scale,
                          double c_scale, uint64_t seed, uint64_t instance, uint64_t stream)
{
    if (!W || !c || !mlp_shape_ok(s) || !(w_scale >= 0) || !isfinite(w_scale) ||
        !(c_scale >= 0) || !isfinite(c_scale))
        return FATE_EINVAL;
    size_t m = s->m, d = s->d;
    fate_normal_fill(W, m * d, seed, instance, stream, 0);
    fate_normal_fill(c, m, seed, instance, stream, m * d);
    double ws = w_scale / sqrt((double)d);
    for (size_t i = 0; i < m * d; i++) W[i] *= ws;
    for (size_t i = 0; i < m; i++) c[i] *= c_scale;
    return FATE_OK;
}

/* ---- workspace ---- */

fate_status mlp_ws_alloc_p(mlp_ws *w, const fate_mlp_shape *s, size_t n, fate_mlp_precision precision)
{
    return precision == FATE_MLP_SINGLE ? mlp_ws32_alloc(w, s, n) : mlp_ws_alloc(w, s, n);
}

fate_status mlp_ws_alloc(mlp_ws *w, const fate_mlp_shape *s, size_t n)
{
    memset(w, 0, sizeof *w);
    w->H = alloc_array(n ? n : 1, s->m, sizeof(double));
    w->D = alloc_array(n ? n : 1, s->m, sizeof(double));
    w->r = malloc((n ? n : 1) * sizeof(double));
    w->cap = n;
    if (!w->H || !w->D || !w->r) {
        mlp_ws_free(w);
        return FATE_ENOMEM;
    }
    return FATE_OK;
}

void mlp_ws_free(mlp_ws *w)
{
    free(w->H);
    free(w->D);
    free(w->r);
    mlp_ws32_free(w);
    memset(w, 0, sizeof *w);
}

/* P = act(X W^T) in ws->H (n, m), D = act'(X W^T) in ws->D when need_d
 * (not for ReLU, whose derivative mlp_grad_ws reads off P). */
void mlp_features_ws(mlp_ws *w, const double *W, const fate_mlp_shape *s, const double *X,
                     size_t n, int need_d)
{
    size_t m = s->m, d = s->d;
    /* H = X W^T: (n, d) x (d, m) -> (n, m) */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)m, (int)d, 1.0, X, (int)d, W,
                (int)d, 0.0, w->H, (int)m);
    size_t nm = n * m;
    double *H = w->H, *D = w->D;
    switch (s->act) {
    case FATE_ACT_RELU: /* act' = 1{P > 0} is read off P by the backward pass */
#pragma omp simd
        for (size_t i = 0; i < nm; i++) H[i] = H[i] > 0.0 ? H[i] : 0.0;
        break;
    case FATE_ACT_LINEAR:
        if (need_d)
            for (size_t i = 0; i < nm; i++) D[i] = 1.0;
        break;
    default:
        fate_mlp_act(H, need_d ? D : NULL, s->act, H, nm);
        break;
    }
}

double mlp_grad_ws(double *dW, double *dc, const double *W, const double *c,
                   const fate_mlp_shape *s, const double *X, const double *y, size_t n,
                   mlp_ws *w)
{
    if (w->single) return mlp_grad_ws32(dW, dc, W, c, s, X, y, n, w);
    size_t m = s->m, d = s->d;
    double sm = fate_mlp_output_scale(s);
    mlp_features_ws(w, W, s, X, n, dW != NULL);
    /* f = s_m P c: (n, m) x (m) -> (n); r = f - y */
    memcpy(w->r, y, n * sizeof(double));
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)m, sm, w->H, (int)m, c, 1, -1.0, w->r, 1);
    double loss = cblas_ddot((int)n, w->r, 1, w->r, 1) / (double)n;
    double g = 2.0 * sm / (double)n;
    /* dc = g P^T r: (m, n) x (n) -> (m) */
    if (dc)
        cblas_dgemv(CblasRowMajor, CblasTrans, (int)n, (int)m, g, w->H, (int)m, w->r, 1, 0.0, dc, 1);
    if (dW) {
        /* G = (r c^T) .* act'(H) into D: (n, m). ReLU: act' = 1{P > 0}, as a
         * product (the same IEEE operations as 1.0 * (r_k c_i), and a loop
         * the compiler vectorises) */
        for (size_t k = 0; k < n; k++) {
            double *Dk = w->D + k * m, rk = w->r[k];
            const double *Pk = w->H + k * m;
            if (s->act == FATE_ACT_RELU) {
#pragma omp simd
                for (size_t i = 0; i < m; i++) Dk[i] = (double)(Pk[i] > 0.0) * (rk * c[i]);
            } else {
#pragma omp simd
                for (size_t i = 0; i < m; i++) Dk[i] *= rk * c[i];
            }
        }
        /* dW = g G^T X: (m, n) x (n, d) -> (m, d) */
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)m, (int)d, (int)n, g, w->D,
                    (int)m, X, (int)d, 0.0, dW, (int)d);
    }
    return loss;
}

fate_status fate_mlp_forward(double *f, const double *W, const double *c,
                             const fate_mlp_shape *s, const double *X, size_t n)
{
    if (!f || !W || !c || !X || !mlp_shape_ok(s) || !batch_ok(s, n)) return FATE_EINVAL;
    if (n == 0) return FATE_OK;
    mlp_ws w;
    if (mlp_ws_alloc(&w, s, n) != FATE_OK) return FATE_ENOMEM;
    mlp_features_ws(&w, W, s, X, n, 0);
    /* f = s_m P c: (n, m) x (m) -> (n) */
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)s->m, fate_mlp_output_scale(s), w.H,
                (int)s->m, c, 1, 0.0, f, 1);
    mlp_ws_free(&w);
    return FATE_OK;
}

fate_status fate_mlp_grad(double *dW, double *dc, double *loss, const double *W,
                          const double *c, const fate_mlp_shape *s, const double *X,
                          const double *y, size_t n)
{
    if (!W || !c || !X || !y || n == 0 || !mlp_shape_ok(s) || !batch_ok(s, n)) return FATE_EINVAL;
    mlp_ws w;
    if (mlp_ws_alloc(&w, s, n) != FATE_OK) return FATE_ENOMEM;
    double l = mlp_grad_ws(dW, dc, W, c, s, X, y, n, &w);
    mlp_ws_free(&w);
    if (loss) *loss = l;
    return FATE_OK;
}

fate_status fate_mlp_grad_naive(double *dW, double *dc, double *loss, const double *W,
                                const double *c, const fate_mlp_shape *s, const double *X,
                                const double *y, size_t n)
{
    if (!dW || !dc || !W || !c || !X || !y || n == 0 || !mlp_shape_ok(s) || !batch_ok(s, n))
        return FATE_EINVAL;
    size_t m = s->m, d = s->d;
    double sm = fate_mlp_output_scale(s);
    double *phi = malloc(m * sizeof *phi), *dphi = malloc(m * sizeof *dphi);
    if (!phi || !dphi) { free(phi); free(dphi); return FATE_ENOMEM; }
    memset(dW, 0, m * d * sizeof *dW);
    memset(dc, 0, m * sizeof *dc);
    double L = 0.0;
    for (size_t k = 0; k < n; k++) {
        const double *x = X + k * d;
        double f = 0.0;
        for (size_t i = 0; i < m; i++) {
            double h = 0.0;
            for (size_t j = 0; j < d; j++) h += W[i * d + j] * x[j];
            act1(&phi[i], &dphi[i], s->act, h);
            f += c[i] * phi[i];
        }
        double r = sm * f - y[k];
        L += r * r;
        /* d (r^2/n) = (2 r / n) s_m (phi_i dc_i + c_i phi'_i x . dw_i) */
        double g = 2.0 * r * sm / (double)n;
        for (size_t i = 0; i < m; i++) {
            dc[i] += g * phi[i];
            double gi = g * c[i] * dphi[i];
            for (size_t j = 0; j < d; j++) dW[i * d + j] += gi * x[j];
        }
    }
    free(phi);
    free(dphi);
    if (loss) *loss = L / (double)n;
    return FATE_OK;
}

/* ---- gradient descent ---- */

void fate_mlp_gd_default(fate_mlp_gd_config *c)
{
    memset(c, 0, sizeof *c);
    c->lr = 0.05;
    c->max_steps = 20000;
    c->batch = 0;
    c->tol = 1e-8;
    c->rel_tol = 1e-4;
    c->window = 100;
}

typedef struct keyed { double key; size_t idx; } keyed;

static int keyed_cmp(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    if (x->key < y->key) return -1;
    if (x->key > y->key) return 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* One update of the point's rule (dW NULL: freeze_W). */
static void mlp_update(mlp_point *p)
{
    mlp_optim_step(&p->opt, p->lr_eff, p->W, p->c, p->dW, p->dc);
}

fate_status mlp_gd_step(void *ctx, size_t t, size_t budget, size_t *done)
{
    (void)t, (void)budget, (void)done;
    mlp_update(ctx);
    return FATE_OK;
}

double mlp_lr_eff(const fate_mlp_shape *s, double lr)
{
    return s->scaling == FATE_MLP_MEAN_FIELD ? lr * (double)s->m : lr;
}

gd_rules mlp_rules(const fate_mlp_gd_config *cfg, gd_window_rule rule)
{
    return (gd_rules){.max_steps = cfg->max_steps,
                      .target = cfg->tol,
                      .window_rule = rule,
                      .window = cfg->window ? cfg->window : 100,
                      .rel_tol = cfg->rel_tol};
}

void mlp_report(fate_mlp_gd_report *rep, const gd_report *g)
{
    rep->loss0 = g->loss0;
    rep->loss = g->loss;
    rep->steps = g->steps;
    rep->converged = g->converged;
    rep->diverged_step = g->diverged_step;
}

/* One fate_mlp_train run, the context of its oracles. */
typedef struct mlp_run {
    mlp_point p;              /* first: mlp_gd_step's context */
    const double *X, *y;
    size_t n, B; /* B: the batch size */
    const fate_mlp_gd_config *cfg;
    mlp_ws w, wfull;          /* wfull: the full-set loss in mini-batch mode */
    double *Xb, *yb;          /* (B, d), (B): the current mini-batch */
    keyed *ord;               /* (n): the epoch's row order */
} mlp_run;

/* Full batch: the loss and gradient on the whole set. */
static fate_status full_eval(void *ctx, gd_point *pt, size_t t)
{
    (void)t;
    mlp_run *R = ctx;
    const mlp_point *p = &R->p;
    pt->loss = mlp_grad_ws(p->dW, p->dc, p->W, p->c, p->s, R->X, R->y, R->n, &R->w);
    return FATE_OK;
}

/* Mini-batches: a check is the full training loss at the start of an epoch. */
static fate_status mini_eval(void *ctx, gd_point *pt, size_t t)
{
    (void)t;
    mlp_run *R = ctx;
    pt->loss = mlp_grad_ws(NULL, NULL, R->p.W, R->p.c, R->p.s, R->X, R->y, R->n, &R->wfull);
    return FATE_OK;
}

/* Epoch t: the rows in the order of their keys (fate_mlp_gd_config), in
 * consecutive batches, at most `budget` updates; a non-finite batch loss
 * stops it as divergence. */
static fate_status mini_step(void *ctx, size_t t, size_t budget, size_t *done)
{
    mlp_run *R = ctx;
    mlp_point *p = &R->p;
    const size_t n = R->n, d = p->s->d, B = R->B;
    for (size_t k = 0; k < n; k++) {
        R->ord[k].key = fate_uniform_at(R->cfg->seed, R->cfg->instance, FATE_MLP_STREAM_BATCH, t * n + k);
        R->ord[k].idx = k;
    }
    qsort(R->ord, n, sizeof *R->ord, keyed_cmp);
    size_t steps = 0;
    for (size_t b0 = 0; b0 < n && steps < budget; b0 += B) {
        size_t nb = n - b0 < B ? n - b0 : B;
        for (size_t k = 0; k < nb; k++) {
            memcpy(R->Xb + k * d, R->X + R->ord[b0 + k].idx * d, d * sizeof(double));
            R->yb[k] = R->y[R->ord[b0 + k].idx];
        }
        double lb = mlp_grad_ws(p->dW, p->dc, p->W, p->c, p->s, R->Xb, R->yb, nb, &R->w);
        if (!isfinite(lb)) {
            *done = steps;
            return FATE_EDIVERGED;
        }
        mlp_update(p);
        steps++;
    }
    *done = steps;
    return FATE_OK;
}

fate_status fate_mlp_train(double *W, double *c, fate_mlp_gd_report *rep,
                           const fate_mlp_shape *s, const double *X, const double *y, size_t n,
                           const fate_mlp_gd_config *cfg)
{
    if (!W || !c || !rep || !X || !y || n == 0 || !cfg || !mlp_shape_ok(s) || !batch_ok(s, n) ||
        !(cfg->lr > 0) || !isfinite(cfg->lr) || cfg->max_steps == 0 || !(cfg->tol >= 0) ||
        !(cfg->rel_tol >= 0) || cfg->window > FATE_INT_MAX || /* the loss history holds window + 1 */
        !mlp_optim_ok(cfg))
        return FATE_EINVAL;
    const size_t m = s->m, d = s->d;
    const int mini = cfg->batch > 0 && cfg->batch < n;
    mlp_run R = {.p = {.W = W, .c = c, .s = s, .lr_eff = mlp_step_size(s, cfg)},
                 .X = X, .y = y, .n = n, .B = mini ? cfg->batch : n, .cfg = cfg};
    memset(rep, 0, sizeof *rep);
    rep->lr_eff = R.p.lr_eff;

    fate_status st = FATE_ENOMEM;
    mlp_point *p = &R.p;
    p->dW = cfg->freeze_W ? NULL : alloc_array(m, d, sizeof *p->dW);
    p->dc = malloc(m * sizeof *p->dc);
    R.Xb = mini ? alloc_array(R.B, d, sizeof *R.Xb) : NULL;
    R.yb = mini ? malloc(R.B * sizeof *R.yb) : NULL;
    R.ord = mini ? malloc(n * sizeof *R.ord) : NULL;
    if (mlp_ws_alloc_p(&R.w, s, R.B, cfg->precision) != FATE_OK) goto done;
    if (mini && mlp_ws_alloc_p(&R.wfull, s, n, cfg->precision) != FATE_OK) goto done;
    if ((!cfg->freeze_W && !p->dW) || !p->dc || (mini && (!R.Xb || !R.yb || !R.ord))) goto done;
    if (mlp_optim_init(&p->opt, cfg, s, !cfg->freeze_W) != FATE_OK) goto done;

    const gd_oracle o = {&R, mini ? mini_eval : full_eval, mini ? mini_step : mlp_gd_step};
    const gd_rules rules = mlp_rules(cfg, GD_WINDOW_LAST);
    gd_report g;
    st = gd_run(&g, &o, &rules);
    mlp_report(rep, &g);
done:
    mlp_ws_free(&R.w);
    mlp_ws_free(&R.wfull);
    mlp_optim_free(&p->opt);
    free(p->dW); free(p->dc); free(R.Xb); free(R.yb); free(R.ord);
    return st;
}

/* ---- linear transfer: ridge refit of the readout ---- */

fate_status fate_mlp_refit_readout(double *c, size_t *rank, const double *W,
                                   const fate_mlp_shape *s, const double *X, const double *y,
                                   size_t n, double lambda, double rcond)
{
    if (!c || !W || !X || !y || n == 0 || !mlp_shape_ok(s) || !batch_ok(s, n) ||
        !fits_int2(s->m, s->m) || !(lambda >= 0) ||
        !isfinite(lambda) || !(rcond >= 0) || !(rcond < 1))
        return FATE_EINVAL;
    size_t m = s->m;
    double sm = fate_mlp_output_scale(s);
    fate_status st = FATE_ENOMEM;
    mlp_ws w;
    double *G = alloc_array(m, m, sizeof *G), *b = malloc(m * sizeof *b);
    if (mlp_ws_alloc(&w, s, n) != FATE_OK) { memset(&w, 0, sizeof w); goto done; }
    if (!G || !b) goto done;
    mlp_features_ws(&w, W, s, X, n, 0); /* P = act(X W^T) (n, m); A = s_m P */
    /* G = A^T A / n = (s_m^2 / n) P^T P (m, m), upper triangle */
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)m, (int)n, sm * sm / (double)n, w.H,
                (int)m, 0.0, G, (int)m);
    /* b = A^T y / n = (s_m / n) P^T y (m) */
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)n, (int)m, sm / (double)n, w.H, (int)m, y, 1, 0.0,
                b, 1);
    if (lambda > 0) {
        for (size_t i = 0; i < m; i++) G[i * m + i] += lambda;
        if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'U', (lapack_int)m, G, (lapack_int)m) != 0 ||
            LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'U', (lapack_int)m, 1, G, (lapack_int)m, b, 1) != 0) {
            st = FATE_ENUMERIC;
            goto done;
        }
        memcpy(c, b, m * sizeof *c);
        if (rank) *rank = m;
    } else {
        /* c = G^+ b, eigenvalues <= rcond ev_max cut (gd.c) */
        if ((st = pinv_solve(c, NULL, rank, G, b, m, rcond)) != FATE_OK) goto done;
    }
    st = FATE_OK;
done:
    mlp_ws_free(&w);
    free(G);
    free(b);
    return st;
}

/* ---- teachers and data ---- */

fate_status fate_relu_teacher(double *V, size_t mstar, size_t d, uint64_t seed, uint64_t instance)
{
    if (!V || mstar == 0 || d == 0 || !fits_int2(mstar, d)) return FATE_EINVAL;
    fate_normal_fill(V, mstar * d, seed, instance, FATE_MLP_STREAM_TEACHER, 0);
    for (size_t j = 0; j < mstar; j++) {
        double nv = cblas_dnrm2((int)d, V + j * d, 1);
        if (nv > 0) cblas_dscal((int)d, 1.0 / nv, V + j * d, 1);
    }
    return FATE_OK;
}

size_t fate_relu_removed(size_t mstar, double mu)
{
    if (!(mu >= 0)) mu = 0;
    if (mu > 1) mu = 1;
    size_t k = (size_t)llround(mu * (double)mstar);
    return k > mstar ? mstar : k;
}

fate_status fate_relu_readout(double *a, size_t mstar, double mu, int source)
{
    if (!a || mstar == 0 || !(mu >= 0 && mu <= 1)) return FATE_EINVAL;
    size_t k = source ? fate_relu_removed(mstar, mu) : 0;
    for (size_t j = 0; j < mstar; j++) a[j] = j < k ? 0.0 : 1.0 / (double)mstar;
    return FATE_OK;
}

fate_status fate_relu_single_index(double *beta_s, double *beta_t, size_t d, double theta,
                                   uint64_t seed, uint64_t instance)
{
    return fate_teachers(beta_s, beta_t, d, theta, seed, instance);
}

fate_status fate_relu_teacher_eval(double *f, const double *V, const double *a, size_t mstar,
                                   size_t d, const double *X, size_t n)
{
    if (!f || !V || !a || mstar == 0 || d == 0 || (!X && n) || !fits_int2(mstar, d) ||
        !fits_int2(n, d) || !fits_int2(n, mstar))
        return FATE_EINVAL;
    if (n == 0) return FATE_OK;
    double *H = alloc_array(n, mstar, sizeof *H);
    if (!H) return FATE_ENOMEM;
    /* H = relu(X V^T): (n, d) x (d, mstar) -> (n, mstar); f = H a */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)mstar, (int)d, 1.0, X, (int)d,
                V, (int)d, 0.0, H, (int)mstar);
    for (size_t i = 0; i < n * mstar; i++) H[i] = H[i] > 0 ? H[i] : 0.0;
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)mstar, 1.0, H, (int)mstar, a, 1, 0.0, f, 1);
    free(H);
    return FATE_OK;
}

fate_status fate_relu_dataset(double *X, double *y, const double *V, const double *a,
                              size_t mstar, size_t n, size_t d, double sigma, uint64_t seed,
                              uint64_t instance, uint64_t x_stream, uint64_t noise_stream)
{
    if (!X || !y || !V || !a || mstar == 0 || d == 0 || !(sigma >= 0) || !isfinite(sigma) ||
        !fits_int2(mstar, d) || !fits_int2(n, d) || !fits_int2(n, mstar))
        return FATE_EINVAL;
    if (n == 0) return FATE_OK;
    fate_normal_fill(X, n * d, seed, instance, x_stream, 0);
    fate_status st = fate_relu_teacher_eval(y, V, a, mstar, d, X, n);
    if (st != FATE_OK) return st;
    if (sigma > 0)
        for (size_t k = 0; k < n; k++)
            y[k] += sigma * fate_normal_at(seed, instance, noise_stream, k);
    return FATE_OK;
}

fate_status fate_mlp_test_risk(double *risk, double *se, const double *W, const double *c,
                               const fate_mlp_shape *s, const double *V, const double *a,
                               size_t mstar, size_t n_test, uint64_t seed, uint64_t instance)
{
    size_t blk = n_test < 4096 ? n_test : 4096;
    if (!risk || !W || !c || !V || !a || mstar == 0 || n_test < 2 || !mlp_shape_ok(s) ||
        !batch_ok(s, blk) || !fits_int2(mstar, s->d) || !fits_int2(blk, mstar))
        return FATE_EINVAL;
    size_t d = s->d;
    double *X = alloc_array(blk, d, sizeof *X), *f = malloc(blk * sizeof *f),
           *ft = malloc(blk * sizeof *ft);
    fate_status st = FATE_ENOMEM;
    if (!X || !f || !ft) goto done;
    /* Welford accumulation of e = (f - f_t)^2 in a fixed order */
    double mean = 0.0, M2 = 0.0;
    size_t cnt = 0;
    for (size_t k0 = 0; k0 < n_test; k0 += blk) {
        size_t nb = n_test - k0 < blk ? n_test - k0 : blk;
        fate_normal_fill(X, nb * d, seed, instance, FATE_MLP_STREAM_X_TEST, k0 * d);
        if ((st = fate_mlp_forward(f, W, c, s, X, nb)) != FATE_OK) goto done;
        if ((st = fate_relu_teacher_eval(ft, V, a, mstar, d, X, nb)) != FATE_OK) goto done;
        for (size_t k = 0; k < nb; k++) {
            double e = (f[k] - ft[k]) * (f[k] - ft[k]);
            cnt++;
            double dl = e - mean;
            mean += dl / (double)cnt;
            M2 += dl * (e - mean);
        }
    }
    *risk = mean;
    if (se) *se = sqrt(M2 / (double)(cnt - 1) / (double)cnt);
    st = FATE_OK;
done:
    free(X);
    free(f);
    free(ft);
    return st;
}
