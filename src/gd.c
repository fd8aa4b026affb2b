/* gd.c - the one gradient-descent driver every model trains through, and the
 * one pseudo-inverse solve.
 *
 * gd_run owns the loop; the model owns the arithmetic through an oracle
 * (gd_oracle): eval() computes the objective at the current point (and
 * whatever the update needs, e.g. the gradient), step() moves the point. At
 * check t, with `steps` updates made so far, the driver applies in this order
 *   1. divergence: the loss is NaN/inf, the oracle flags another quantity
 *      (|beta|) as non-finite, or loss > GD_BLOWUP max(loss_0, 1);
 *   2. convergence, any of the rules switched on in gd_rules:
 *      target      loss <= target                 (linear: loss_min + tol;
 *                                                  two-layer: tol)
 *      stationary  |grad|^2 <= grad2_tol and loss < GD_SADDLE_EXIT loss_0
 *                  (linear with weight decay, where the minimum is unknown:
 *                  the gradient also vanishes at the small-init saddle, so
 *                  the loss must first have fallen by 10%)
 *      window LAST  t >= w and L_{t-w} - L_t <= rel_tol L_{t-w}
 *                  (two-layer, full batch and mini-batch epochs)
 *      window MEANS every w checks once t + 1 >= 2 w, with M the sum of the
 *                  last w losses and M' that of the w before them,
 *                  M' - M <= rel_tol M' (online source: batch losses are
 *                  noisy, so means of windows are compared)
 *   3. the budget: steps >= max_steps stops (not converged);
 *   then, with an observer (gd_rules.observer), it is shown the point: at
 *      step 0, whenever `every` more updates have been made, and at the
 *      last check of a run that did not diverge (it reads, never writes,
 *      so a run is the same bit for bit with or without one);
 *   4. step(): one update (a mini-batch epoch makes several, at most the
 *      budget left), which may itself report divergence (a non-finite
 *      mini-batch loss) at the update it reached.
 * The thresholds are those the three loops this replaces had (train.c,
 * mlp.c, mlp_protocol.c), so every run is the same bit for bit. After the
 * loop, with the saddle rule on, on_saddle = not converged, more than
 * saddle_tol of reducible loss (loss_0 - loss_min), and less than half of it
 * removed (THEORY.md section 2: from small init GD first sits at the saddle
 * beta = 0).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include <lapacke.h>

#include "internal.h"

/* Divergence: the loss grew past this multiple of max(loss_0, 1). */
#define GD_BLOWUP 1e3
/* Convergence with weight decay needs the loss below this fraction of loss_0. */
#define GD_SADDLE_EXIT 0.9

/* The window rules' history: LAST keeps w + 1 losses, MEANS 2 w. */
static size_t hist_len(const gd_rules *r)
{
    return r->window_rule == GD_WINDOW_LAST ? r->window + 1 : 2 * r->window;
}

/* Stores the loss of check t and applies the window rule. */
static int window_done(double *hist, size_t t, double loss, const gd_rules *r)
{
    const size_t w = r->window, len = hist_len(r);
    hist[t % len] = loss;
    if (r->window_rule == GD_WINDOW_LAST) {
        if (t < w) return 0;
        double old = hist[(t - w) % len];
        return old - loss <= r->rel_tol * old;
    }
    if (t + 1 < 2 * w || (t + 1) % w != 0) return 0;
    double prev = 0.0, cur = 0.0;
    for (size_t q = 0; q < w; q++) {
        cur += hist[(t - q) % len];
        prev += hist[(t - w - q) % len];
    }
    return prev - cur <= r->rel_tol * prev;
}

static int converged(double *hist, size_t t, const gd_point *pt, double loss0, const gd_rules *r)
{
    if (pt->loss <= r->target) return 1;
    if (r->stationary && pt->grad2 <= r->grad2_tol && pt->loss < GD_SADDLE_EXIT * loss0) return 1;
    return r->window_rule != GD_WINDOW_OFF && window_done(hist, t, pt->loss, r);
}

fate_status gd_run(gd_report *rep, const gd_oracle *o, const gd_rules *r)
{
    memset(rep, 0, sizeof *rep);
    rep->loss0 = rep->loss = NAN;
    if ((r->window_rule != GD_WINDOW_OFF && (r->window == 0 || r->window > FATE_INT_MAX)) ||
        (r->observer && r->observer->every == 0))
        return FATE_EINVAL;
    double *hist = r->window_rule != GD_WINDOW_OFF ? malloc(hist_len(r) * sizeof *hist) : NULL;
    if (r->window_rule != GD_WINDOW_OFF && !hist) return FATE_ENOMEM;
    fate_status st = FATE_OK;
    size_t steps = 0, next_obs = 0;
    for (size_t t = 0;; t++) {
        gd_point pt = {.loss = NAN, .grad2 = NAN, .finite = 1};
        if ((st = o->eval(o->ctx, &pt, t)) != FATE_OK) break;
        if (t == 0) rep->loss0 = pt.loss;
        rep->loss = pt.loss;
        rep->steps = steps;
        if (!isfinite(pt.loss) || !pt.finite || pt.loss > GD_BLOWUP * fmax(rep->loss0, 1.0)) {
            rep->diverged_step = steps;
            st = FATE_EDIVERGED;
            break;
        }
        const int conv = converged(hist, t, &pt, rep->loss0, r), last = conv || steps >= r->max_steps;
        const gd_observer *ob = r->observer;
        if (ob && (last || steps >= next_obs)) {
            if ((st = ob->observe(ob->ctx, steps, &pt)) != FATE_OK) break;
            next_obs = (steps / ob->every + 1) * ob->every;
        }
        rep->converged = conv;
        if (last) break;
        size_t done = 1;
        st = o->step(o->ctx, t, r->max_steps - steps, &done);
        steps += done;
        if (st != FATE_OK) {
            rep->steps = steps;
            if (st == FATE_EDIVERGED) rep->diverged_step = steps;
            break;
        }
    }
    if (r->saddle) {
        double reducible = rep->loss0 - r->loss_min;
        rep->on_saddle = !rep->converged && reducible > r->saddle_tol &&
                         (rep->loss0 - rep->loss) < 0.5 * reducible;
    }
    free(hist);
    return st;
}

/* x = Q t with t_j = (Q^T b)_j / ev_j on the kept directions, 0 elsewhere;
 * the quadratic form accumulates t_j^2 / ev_j before the division. Both
 * products are dgemv, in this order, as the callers computed them before
 * sharing this helper (their results are unchanged bit for bit). */
fate_status pinv_solve(double *x, double *quad, size_t *rank, double *A, const double *b, size_t n,
                       double rcut)
{
    if (n == 0 || !fits_int2(n, n)) return FATE_EINVAL;
    double *ev = malloc(n * sizeof *ev), *t = malloc(n * sizeof *t);
    fate_status st = FATE_ENOMEM;
    if (!ev || !t) goto done;
    /* A = Q diag(ev) Q^T, ev ascending, Q in A */
    if (LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int)n, A, (lapack_int)n, ev) != 0) {
        st = FATE_ENUMERIC;
        goto done;
    }
    /* t = Q^T b: (n, n)^T x (n) -> (n) */
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)n, (int)n, 1.0, A, (int)n, b, 1, 0.0, t, 1);
    const double top = ev[n - 1];
    double q = 0.0;
    size_t r = 0;
    for (size_t j = 0; j < n; j++) {
        if (top > 0 && ev[j] > rcut * top) {
            q += t[j] * t[j] / ev[j];
            t[j] /= ev[j];
            r++;
        } else {
            t[j] = 0.0;
        }
    }
    /* x = Q t */
    if (x) cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)n, 1.0, A, (int)n, t, 1, 0.0, x, 1);
    if (quad) *quad = q;
    if (rank) *rank = r;
    st = FATE_OK;
done:
    free(ev);
    free(t);
    return st;
}

/* The ridge path of a symmetric positive semi-definite S (d, d): for every
 * lambda_l, x_l = (S + lambda_l I)^{-1} b, from one eigendecomposition
 * S = Q diag(ev) Q^T: x_l = Q u with u_j = t_j / (ev_j + lambda_l), t = Q^T b.
 * lambda_l = 0 is the minimum-norm solution, with pinv_solve's rule: the
 * directions ev_j <= rcut ev_max are dropped (u_j = 0). train_l = yy - 2 b.x_l
 * + x_l.S x_l = yy - sum_j (2 t_j u_j - ev_j u_j^2), the mean squared residual
 * when S = X^T X / n, b = X^T y / n, yy = y.y / n. X (L, d), train (L). */
fate_status ridge_path(double *X, double *train, const double *S, const double *b, double yy,
                       const double *lambdas, size_t L, size_t d, double rcut)
{
    if (d == 0 || !fits_int2(d, d)) return FATE_EINVAL;
    double *Q = alloc_array(d, d, sizeof *Q), *ev = malloc(d * sizeof *ev), *t = malloc(d * sizeof *t),
           *u = malloc(d * sizeof *u);
    fate_status st = FATE_ENOMEM;
    if (!Q || !ev || !t || !u) goto done;
    memcpy(Q, S, d * d * sizeof *Q);
    st = FATE_ENUMERIC;
    if (LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int)d, Q, (lapack_int)d, ev) != 0) goto done;
    /* t = Q^T b: (d, d)^T x (d) -> (d) */
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)d, (int)d, 1.0, Q, (int)d, b, 1, 0.0, t, 1);
    const double top = ev[d - 1];
    for (size_t l = 0; l < L; l++) {
        double fit = 0.0;
        for (size_t j = 0; j < d; j++) {
            const int kept = lambdas[l] > 0.0 || (top > 0 && ev[j] > rcut * top);
            u[j] = kept ? t[j] / (ev[j] + lambdas[l]) : 0.0;
            fit += 2.0 * t[j] * u[j] - ev[j] * u[j] * u[j];
        }
        /* a mean of squares: a rounding error below 0 (an interpolating
         * fit, n <= d) is 0 */
        train[l] = fmax(yy - fit, 0.0);
        /* x_l = Q u */
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)d, (int)d, 1.0, Q, (int)d, u, 1, 0.0, X + l * d, 1);
    }
    st = FATE_OK;
done:
    free(Q); free(ev); free(t); free(u);
    return st;
}
