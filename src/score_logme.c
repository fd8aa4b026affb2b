/* score_logme.c - LogME (You, Liu, Wang and Long, "LogME: practical
 * assessment of pre-trained models for transfer learning", ICML 2021): the
 * log marginal evidence per sample of Bayesian linear regression
 * y = F w + e, w ~ N(0, alpha^-1 I_p), e ~ N(0, beta^-1 I_n), maximised over
 * (alpha, beta) by the paper's fixed point (Algorithm 2, the MacKay
 * updates). Formula, stopping rule and edge cases: include/fate_score.h.
 *
 * Everything is written in F's thin SVD F = U diag(sv) V^T, s_i = sv_i^2
 * (i < r, the numerical rank), x = U_r^T y, res0 = |y - U_r x|^2 and
 * t = alpha/beta. The posterior mean m = (t I + F^T F)^{-1} F^T y has
 *   |m|^2       = sum_i s_i x_i^2 / (t + s_i)^2,
 *   |y - F m|^2 = sum_i x_i^2 t^2 / (t + s_i)^2 + res0,
 *   gamma       = sum_i s_i / (t + s_i),  n - gamma = (n - r) + sum_i t/(t + s_i)
 * (the last form has no cancellation when r = n and t is small), and, the
 * p - r zero eigenvalues of F^T F cancelling against p/2 log alpha,
 *   p/2 log alpha - 1/2 log det(alpha I + beta F^T F) = -1/2 sum_i log1p(s_i/t).
 * V is never formed. Cost: one SVD, O(n p min(n, p)), then O(n r) per
 * target column.
 *
 * Relation to the authors' code (thuml/LogME, LogME.py, read not copied):
 * like their default fit (_fit_fixed_point) we start at alpha = beta = 1
 * and stop when |t_new - t| <= 1e-3 t. Their code also stops after 11
 * iterations ("should converge after at most 10 steps"), adds 1e-5 to
 * |m|^2 and |y - F m|^2, and evaluates the evidence with the new (alpha,
 * beta) but the m of the previous step; when n < p it sums log(alpha + beta
 * s_i) over the n nonzero s_i only while keeping p/2 log alpha. We allow
 * 100 iterations, add nothing, and evaluate the formula exactly at the
 * returned (alpha, beta); on inputs where their loop converges the two agree
 * to about the tolerance when n >= p. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fate_score.h"
#include "internal.h"

#define LOGME_MAX_ITER 100
#define LOGME_TOL 1e-3
/* y counts as lying in the column space of F when the part outside it is
 * below this fraction of |y|^2 (rounding leaves about n eps^2 |y|^2). */
#define LOGME_SPAN_TOL 1e-20

/* The binary exponent that brings max |a| into [0.5, 1): scaling by 2^e is
 * exact and keeps s_i = sv_i^2 and |y|^2 far from overflow and underflow. */
static int scale_exponent(const double *a, size_t n)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs(a[i]));
    int ex = 0;
    if (m > 0.0) frexp(m, &ex);
    return -ex;
}

/* The sums of the header comment at t. s: (r) squared singular values,
 * x2: (r) squared coordinates of y. */
static void logme_sums(double *gamma, double *n_gamma, double *m2, double *res2, const double *s,
                       const double *x2, size_t r, size_t n, double res0, double t)
{
    double g = 0.0, ng = 0.0, mm = 0.0, rr = 0.0;
    for (size_t i = 0; i < r; i++) {
        const double d = t + s[i];
        g += s[i] / d;
        ng += t / d;
        mm += s[i] * x2[i] / (d * d);
        const double q = t / d;
        rr += x2[i] * q * q;
    }
    *gamma = g, *n_gamma = (double)(n - r) + ng, *m2 = mm, *res2 = rr + res0;
}

/* One target column: per-sample evidence L/n and its (alpha, beta), all in
 * the scaled units of v (F scaled already) and y (scaled by the caller),
 * the iteration starting from (a0, b0). s, x2: (r) and w: (n) scratch. */
static fate_status logme_column(double *logme, double *alpha, double *beta, const score_svd *v,
                                const double *y, double a0, double b0, double *s, double *x2, double *w)
{
    const size_t n = v->n, r = v->r;
    double yy = 0.0;
    for (size_t i = 0; i < n; i++) yy += y[i] * y[i];
    /* y = 0: the marginal density at 0 grows without bound as alpha, beta
     * grow */
    if (yy == 0.0) return FATE_EDOMAIN;
    double res0 = 0.0;
    score_project(x2, &res0, w, v, y); /* x2 holds x for now */
    if (r == n) res0 = 0.0;            /* U_r spans R^n: rounding only */
    /* y in the column space of F with n > rank: beta -> infinity makes the
     * evidence grow without bound (n - r directions of zero variance) */
    else if (res0 <= LOGME_SPAN_TOL * yy) return FATE_EDOMAIN;
    double xx = 0.0;
    for (size_t i = 0; i < r; i++) {
        s[i] = v->sv[i] * v->sv[i];
        x2[i] *= x2[i];
        xx += x2[i];
    }
    const double log2pi = log(2.0 * M_PI);
    if (xx == 0.0) {
        /* F^T y = 0 exactly (e.g. F = 0): the evidence increases with alpha
         * for every beta; its supremum is the limit alpha -> infinity, that
         * of y ~ N(0, beta^-1 I), at beta = n/|y|^2 */
        const double b = (double)n / res0;
        *logme = 0.5 * log(b) - 0.5 * log2pi - 0.5;
        *alpha = DBL_MAX, *beta = b;
        return FATE_OK;
    }
    double a = a0, b = b0, g = 0.0, ng = 0.0, m2 = 0.0, res2 = 0.0;
    for (int it = 0; it < LOGME_MAX_ITER; it++) {
        const double t = a / b;
        logme_sums(&g, &ng, &m2, &res2, s, x2, r, n, res0, t);
        const double an = g / m2, bn = ng / res2;
        /* the maximum can lie at alpha or beta -> infinity (n <= rank F: y
         * fitted exactly in the limit); stop while both are finite */
        if (!(isfinite(an) && isfinite(bn) && an > 0.0 && bn > 0.0)) break;
        const double tn = an / bn;
        a = an, b = bn;
        if (!isfinite(tn) || tn == 0.0 || fabs(tn - t) <= LOGME_TOL * t) break;
    }
    /* the evidence at the returned (alpha, beta), m its posterior mean */
    const double t = a / b;
    logme_sums(&g, &ng, &m2, &res2, s, x2, r, n, res0, t);
    double ld = 0.0;
    for (size_t i = 0; i < r; i++) ld += log1p(s[i] / t);
    const double L = 0.5 * (double)n * (log(b) - log2pi) - 0.5 * b * res2 - 0.5 * a * m2 - 0.5 * ld;
    *logme = L / (double)n, *alpha = a, *beta = b;
    return isfinite(*logme) ? FATE_OK : FATE_EDOMAIN;
}

/* Scratch of logme_column for one SVD. */
typedef struct logme_ws {
    double *ys, *s, *x2, *w;
} logme_ws;

static fate_status ws_alloc(logme_ws *ws, size_t n, size_t k)
{
    ws->ys = malloc(n * sizeof *ws->ys), ws->w = malloc(n * sizeof *ws->w);
    ws->s = malloc(k * sizeof *ws->s), ws->x2 = malloc(k * sizeof *ws->x2);
    return ws->ys && ws->w && ws->s && ws->x2 ? FATE_OK : FATE_ENOMEM;
}

static void ws_free(logme_ws *ws)
{
    free(ws->ys), free(ws->s), free(ws->x2), free(ws->w);
}

/* logme_column on y in its own units: y scaled by 2^ey, F by 2^fe (v). The
 * scaled problem is y' = F' w' + e' with w' = 2^(ey - fe) w and e' = 2^ey e,
 * so alpha = 2^(2(ey - fe)) alpha', beta = 2^(2 ey) beta', and the density
 * of y is 2^(n ey) that of y'. The iteration starts from alpha = beta = 1 in
 * the caller's units, as the paper's (its path, hence where the 1e-3 rule
 * stops it, depends on the start). */
static fate_status logme_unscaled(double *logme, double *alpha, double *beta, const score_svd *v, int fe,
                                  const double *y, logme_ws *ws)
{
    const size_t n = v->n;
    const int ey = scale_exponent(y, n);
    for (size_t i = 0; i < n; i++) ws->ys[i] = ldexp(y[i], ey);
    double l = 0.0, a = 0.0, b = 0.0;
    fate_status st = logme_column(&l, &a, &b, v, ws->ys, ldexp(1.0, -2 * (ey - fe)), ldexp(1.0, -2 * ey), ws->s,
                                  ws->x2, ws->w);
    if (st) return st;
    l += (double)ey * log(2.0);
    if (a != DBL_MAX) a = ldexp(a, 2 * (ey - fe));
    b = ldexp(b, 2 * ey);
    if (!isfinite(l) || !isfinite(a) || !isfinite(b) || a == 0.0 || b == 0.0) return FATE_EDOMAIN;
    *logme = l;
    if (alpha) *alpha = a;
    if (beta) *beta = b;
    return FATE_OK;
}

fate_status fate_score_logme(double *logme, double *alpha, double *beta, const double *F, const double *y,
                             size_t n, size_t p)
{
    fate_status st = score_check_features(F, n, p);
    if (st) return st;
    if (!logme || !y || !score_all_finite(y, n)) return FATE_EINVAL;
    const int fe = scale_exponent(F, n * p);
    score_svd v;
    if ((st = score_svd_of(&v, F, n, p, fe))) return st;
    logme_ws ws;
    if (!(st = ws_alloc(&ws, n, v.k))) st = logme_unscaled(logme, alpha, beta, &v, fe, y, &ws);
    ws_free(&ws);
    score_svd_free(&v);
    return st;
}

static int cmp_int(const void *a, const void *b)
{
    const int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

fate_status fate_score_logme_class(double *logme, const double *F, const int *labels, size_t n, size_t p,
                                   size_t C)
{
    fate_status st = score_check_features(F, n, p);
    if (st) return st;
    if (!logme || C < 2 || (st = score_check_labels(labels, n, C))) return FATE_EINVAL;
    /* classes present: an absent class's one-hot column is 0, whose
     * evidence is unbounded, so the mean runs over the classes present (the
     * authors' code takes every class up to the largest label); a mean over
     * one class says nothing about separating classes. The present classes
     * come from the sorted labels, so the cost does not depend on C. */
    int *cls = malloc(n * sizeof *cls);
    double *yc = malloc(n * sizeof *yc);
    score_svd v = {0};
    logme_ws ws = {0};
    double total = 0.0;
    size_t present = 0;
    st = FATE_ENOMEM;
    if (!cls || !yc) goto done;
    memcpy(cls, labels, n * sizeof *cls);
    qsort(cls, n, sizeof *cls, cmp_int);
    for (size_t i = 0; i < n; i++)
        if (i == 0 || cls[i] != cls[i - 1]) cls[present++] = cls[i];
    st = FATE_EDOMAIN;
    if (present < 2) goto done;
    const int fe = scale_exponent(F, n * p);
    if ((st = score_svd_of(&v, F, n, p, fe))) goto done;
    if ((st = ws_alloc(&ws, n, v.k))) goto done;
    /* classes in increasing order */
    for (size_t c = 0; c < present && st == FATE_OK; c++) {
        for (size_t i = 0; i < n; i++) yc[i] = labels[i] == cls[c] ? 1.0 : 0.0;
        double l = 0.0;
        st = logme_unscaled(&l, NULL, NULL, &v, fe, yc, &ws);
        total += l;
    }
    if (!st) *logme = total / (double)present;
done:
    free(cls);
    free(yc);
    ws_free(&ws);
    score_svd_free(&v);
    return st;
}
