/* test_mlp.c - two-layer networks and the nonlinear transfer theory
 * (src/mlp.c, src/mlp_protocol.c, src/mlp_theory.c; THEORY.md section 5). */
#include <criterion/criterion.h>
#include <string.h>

#include "fate.h"
#include "fate_mlp.h"
#include "testutil.h"

static const fate_act ACTS[] = {FATE_ACT_RELU, FATE_ACT_TANH, FATE_ACT_ERF, FATE_ACT_LINEAR};
static const double PI = 3.14159265358979323846;

/* A random network at O(1) scale and a data set from a ReLU teacher. */
typedef struct net {
    fate_mlp_shape sh;
    size_t n;
    double *W, *c, *X, *y;
} net;

static net make_net(size_t d, size_t m, size_t n, fate_act act, fate_mlp_scaling sc, uint64_t seed)
{
    net p = {.sh = {d, m, act, sc}, .n = n};
    p.W = dalloc(m * d), p.c = dalloc(m), p.X = dalloc(n * d), p.y = dalloc(n);
    double *V = dalloc(3 * d), a[3];
    fate_relu_teacher(V, 3, d, seed, 0);
    fate_relu_readout(a, 3, 0.0, 0);
    fate_relu_dataset(p.X, p.y, V, a, 3, n, d, 0.1, seed, 0, FATE_MLP_STREAM_X_TARGET,
                      FATE_MLP_STREAM_NOISE_TARGET);
    fate_mlp_init(p.W, p.c, &p.sh, 1.0, 1.0, seed, 0, FATE_MLP_STREAM_INIT_SCRATCH);
    free(V);
    return p;
}

static void drop_net(net *p) { free(p->W); free(p->c); free(p->X); free(p->y); }

static double norm2(const double *x, size_t d)
{
    double s = 0;
    for (size_t i = 0; i < d; i++) s += x[i] * x[i];
    return sqrt(s);
}

static double loss_at(const net *p)
{
    double l;
    cr_assert_eq(fate_mlp_grad(NULL, NULL, &l, p->W, p->c, &p->sh, p->X, p->y, p->n), FATE_OK);
    return l;
}

Test(mlp, output_scale_and_bad_arguments)
{
    fate_mlp_shape s = {5, 16, FATE_ACT_RELU, FATE_MLP_MEAN_FIELD};
    cr_assert_eq(fate_mlp_output_scale(&s), 1.0 / 16);
    s.scaling = FATE_MLP_STANDARD;
    cr_assert_eq(fate_mlp_output_scale(&s), 0.25);
    fate_mlp_shape bad = {0, 16, FATE_ACT_RELU, FATE_MLP_MEAN_FIELD};
    cr_assert(isnan(fate_mlp_output_scale(&bad)));
    double W[80], c[16], X[5], y[1];
    cr_assert_eq(fate_mlp_init(W, c, &bad, 1, 1, 1, 0, 1), FATE_EINVAL);
    cr_assert_eq(fate_mlp_grad(W, c, NULL, W, c, &s, X, y, 0), FATE_EINVAL);
    fate_mlp_gd_config g;
    fate_mlp_gd_default(&g);
    g.lr = -1;
    fate_mlp_gd_report r;
    cr_assert_eq(fate_mlp_train(W, c, &r, &s, X, y, 1, &g), FATE_EINVAL);
    fate_relu_spec sp;
    fate_relu_spec_default(&sp);
    cr_assert_null(fate_relu_spec_check(&sp));
    sp.mu = 1.5;
    cr_assert_not_null(fate_relu_spec_check(&sp));
}

Test(mlp, activations_and_derivatives)
{
    double h[7] = {-2.0, -0.7, -1e-3, 0.4, 1e-3, 0.9, 2.5}, phi[7], dphi[7], hp[7], hm[7], pp[7],
           pm[7];
    const double eps = 1e-6;
    for (size_t a = 0; a < 4; a++) {
        cr_assert_eq(fate_mlp_act(phi, dphi, ACTS[a], h, 7), FATE_OK);
        for (size_t i = 0; i < 7; i++) hp[i] = h[i] + eps, hm[i] = h[i] - eps;
        fate_mlp_act(pp, NULL, ACTS[a], hp, 7);
        fate_mlp_act(pm, NULL, ACTS[a], hm, 7);
        for (size_t i = 0; i < 7; i++)
            cr_assert(close_to(dphi[i], (pp[i] - pm[i]) / (2 * eps), 1e-8, 1e-7),
                      "act %zu h %g: %g vs %g", a, h[i], dphi[i], (pp[i] - pm[i]) / (2 * eps));
    }
    fate_mlp_act(phi, dphi, FATE_ACT_ERF, h, 7);
    cr_assert(close_to(phi[5], erf(0.9), 0, 1e-15));
    fate_mlp_act(phi, dphi, FATE_ACT_RELU, h, 7);
    cr_assert(phi[0] == 0 && dphi[0] == 0 && phi[3] == 0.4 && dphi[3] == 1);
}

Test(mlp, init_scales)
{
    fate_mlp_shape s = {50, 400, FATE_ACT_RELU, FATE_MLP_MEAN_FIELD};
    double *W = dalloc(400 * 50), *c = dalloc(400);
    cr_assert_eq(fate_mlp_init(W, c, &s, 2.0, 0.5, 3, 0, FATE_MLP_STREAM_INIT_PRETRAIN), FATE_OK);
    double vw = 0, vc = 0;
    for (size_t i = 0; i < 400 * 50; i++) vw += W[i] * W[i];
    for (size_t i = 0; i < 400; i++) vc += c[i] * c[i];
    cr_assert(close_to(vw / 400, 4.0, 0, 0.03)); /* mean |w_i|^2 = w_scale^2 */
    cr_assert(close_to(vc / 400, 0.25, 0, 0.2));
    free(W);
    free(c);
}

/* The dgemm path and the per-sample loops agree to 1e-12 relative, for every
 * activation and both scalings. */
Test(mlp, blas_path_equals_naive_path)
{
    for (size_t a = 0; a < 4; a++)
        for (int sc = 0; sc < 2; sc++) {
            net p = make_net(13, 37, 29, ACTS[a], (fate_mlp_scaling)sc, 10 + a);
            size_t m = 37, d = 13;
            double *dW = dalloc(m * d), *dc = dalloc(m), *dWn = dalloc(m * d), *dcn = dalloc(m);
            double l, ln;
            cr_assert_eq(fate_mlp_grad(dW, dc, &l, p.W, p.c, &p.sh, p.X, p.y, p.n), FATE_OK);
            cr_assert_eq(fate_mlp_grad_naive(dWn, dcn, &ln, p.W, p.c, &p.sh, p.X, p.y, p.n), FATE_OK);
            cr_assert(close_to(l, ln, 0, 1e-12));
            cr_assert_leq(max_abs_diff(dW, dWn, m * d), 1e-12 * max_abs(dWn, m * d), "act %zu", a);
            cr_assert_leq(max_abs_diff(dc, dcn, m), 1e-12 * max_abs(dcn, m), "act %zu", a);
            /* forward agrees with the loss */
            double *f = dalloc(p.n), r2 = 0;
            fate_mlp_forward(f, p.W, p.c, &p.sh, p.X, p.n);
            for (size_t k = 0; k < p.n; k++) r2 += (f[k] - p.y[k]) * (f[k] - p.y[k]);
            cr_assert(close_to(r2 / p.n, l, 0, 1e-12));
            /* a frozen first layer gives the same dc */
            double *dc2 = dalloc(m);
            fate_mlp_grad(NULL, dc2, NULL, p.W, p.c, &p.sh, p.X, p.y, p.n);
            cr_assert_eq(max_abs_diff(dc, dc2, m), 0.0);
            free(dW), free(dc), free(dWn), free(dcn), free(f), free(dc2);
            drop_net(&p);
        }
}

/* Central finite differences of the loss for every activation. */
Test(mlp, gradient_matches_finite_differences)
{
    for (size_t a = 0; a < 4; a++) {
        net p = make_net(6, 9, 11, ACTS[a], FATE_MLP_MEAN_FIELD, 20 + a);
        size_t m = 9, d = 6;
        double *dW = dalloc(m * d), *dc = dalloc(m);
        fate_mlp_grad(dW, dc, NULL, p.W, p.c, &p.sh, p.X, p.y, p.n);
        const double eps = 1e-6;
        for (size_t i = 0; i < m * d + m; i++) {
            double *x = i < m * d ? &p.W[i] : &p.c[i - m * d];
            double g = i < m * d ? dW[i] : dc[i - m * d], x0 = *x;
            *x = x0 + eps;
            double lp = loss_at(&p);
            *x = x0 - eps;
            double lm = loss_at(&p);
            *x = x0;
            double fd = (lp - lm) / (2 * eps);
            cr_assert(close_to(g, fd, 1e-9, 1e-5), "act %zu param %zu: %g vs %g", a, i, g, fd);
        }
        free(dW), free(dc);
        drop_net(&p);
    }
}

/* With a linear activation the network is the depth-2 linear network of the
 * core engine with W_1 = W^T (d, m), w_2 = s_m c: same loss, and gradients
 * related by the chain rule (dW = dW_1^T, dc = s_m dw_2). */
Test(mlp, linear_activation_is_deep_linear_network)
{
    size_t d = 7, m = 5, n = 40;
    net p = make_net(d, m, n, FATE_ACT_LINEAR, FATE_MLP_MEAN_FIELD, 31);
    fate_dln_shape ds = {d, m, 2};
    double *prm = dalloc(fate_dln_nparams(&ds)), *g = dalloc(fate_dln_nparams(&ds));
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < d; j++) prm[j * m + i] = p.W[i * d + j];
        prm[d * m + i] = p.c[i] / (double)m;
    }
    double *S = dalloc(d * d), b[7], yy, ld, l;
    fate_suffstats(S, b, &yy, p.X, p.y, n, d);
    cr_assert_eq(fate_dln_grad(g, &ld, prm, &ds, S, b, yy), FATE_OK);
    double *dW = dalloc(m * d), dc[5];
    fate_mlp_grad(dW, dc, &l, p.W, p.c, &p.sh, p.X, p.y, n);
    cr_assert(close_to(l, ld, 1e-14, 1e-10));
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < d; j++)
            cr_assert(close_to(dW[i * d + j], g[j * m + i], 1e-13, 1e-9));
        cr_assert(close_to(dc[i], g[d * m + i] / (double)m, 1e-13, 1e-9));
    }
    free(prm), free(g), free(S), free(dW);
    drop_net(&p);
}

/* Trained end to end, the linear network's vector s_m W^T c converges to the
 * least-squares solution S^{-1} b for n > d. */
Test(mlp, linear_network_converges_to_least_squares)
{
    size_t d = 5, m = 20, n = 60;
    net p = make_net(d, m, n, FATE_ACT_LINEAR, FATE_MLP_MEAN_FIELD, 41);
    fate_mlp_init(p.W, p.c, &p.sh, 1.0, 0.1, 41, 0, FATE_MLP_STREAM_INIT_SCRATCH);
    double *S = dalloc(d * d), b[5], yy, lmin;
    fate_suffstats(S, b, &yy, p.X, p.y, n, d);
    fate_min_loss(&lmin, S, b, yy, n, d);
    fate_mlp_gd_config g;
    fate_mlp_gd_default(&g);
    g.lr = 0.02;
    g.max_steps = 40000;
    g.tol = 0;
    g.rel_tol = 1e-13;
    fate_mlp_gd_report r;
    cr_assert_eq(fate_mlp_train(p.W, p.c, &r, &p.sh, p.X, p.y, n, &g), FATE_OK);
    cr_assert(r.converged, "steps %zu loss %g min %g", r.steps, r.loss, lmin);
    cr_assert(close_to(r.lr_eff, 0.02 * m, 0, 1e-15));
    cr_assert(close_to(r.loss, lmin, 1e-12, 1e-8), "%g vs %g", r.loss, lmin);
    /* beta = W^T c / m vs beta_ls: S beta_ls = b */
    double beta[5] = {0}, Sb[5] = {0};
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < d; j++) beta[j] += p.W[i * d + j] * p.c[i] / (double)m;
    for (size_t j = 0; j < d; j++)
        for (size_t k = 0; k < d; k++) Sb[j] += S[j * d + k] * beta[k];
    cr_assert_leq(max_abs_diff(Sb, b, d), 1e-5);
    free(S);
    drop_net(&p);
}

Test(mlp, training_converges_diverges_and_minibatches)
{
    net p = make_net(8, 50, 60, FATE_ACT_RELU, FATE_MLP_MEAN_FIELD, 51);
    fate_mlp_init(p.W, p.c, &p.sh, 1.0, 1e-3, 51, 0, FATE_MLP_STREAM_INIT_SCRATCH);
    size_t sz = 50 * 8;
    double *W0 = dalloc(sz), c0[50];
    memcpy(W0, p.W, sz * sizeof *W0);
    memcpy(c0, p.c, sizeof c0);
    fate_mlp_gd_config g;
    fate_mlp_gd_default(&g);
    g.lr = 0.2;
    g.max_steps = 20000;
    g.tol = 1e-5;
    g.rel_tol = 1e-6;
    fate_mlp_gd_report r;
    cr_assert_eq(fate_mlp_train(p.W, p.c, &r, &p.sh, p.X, p.y, p.n, &g), FATE_OK);
    cr_assert(r.converged, "steps %zu loss %g loss0 %g", r.steps, r.loss, r.loss0);
    cr_assert_lt(r.loss, 0.05 * r.loss0);
    cr_assert(close_to(loss_at(&p), r.loss, 0, 1e-12));
    /* divergence: a huge rate, reported with its step */
    memcpy(p.W, W0, sz * sizeof *W0);
    memcpy(p.c, c0, sizeof c0);
    g.lr = 500;
    cr_assert_eq(fate_mlp_train(p.W, p.c, &r, &p.sh, p.X, p.y, p.n, &g), FATE_EDIVERGED);
    cr_assert_gt(r.diverged_step, 0);
    cr_assert_lt(r.diverged_step, 20000);
    /* the relative-decrease rule stops a slow descent (readout only) */
    memcpy(p.W, W0, sz * sizeof *W0);
    memcpy(p.c, c0, sizeof c0);
    g.lr = 0.01, g.tol = 0, g.rel_tol = 1e-2, g.freeze_W = 1;
    cr_assert_eq(fate_mlp_train(p.W, p.c, &r, &p.sh, p.X, p.y, p.n, &g), FATE_OK);
    cr_assert(r.converged && r.steps >= 100 && r.steps < 20000, "steps %zu", r.steps);
    cr_assert_eq(max_abs_diff(p.W, W0, sz), 0.0);
    g.freeze_W = 0, g.tol = 1e-8;
    /* mini-batches: deterministic, and the loss decreases */
    g.lr = 0.05;
    g.batch = 16;
    g.max_steps = 800;
    g.seed = 3;
    double *W1 = dalloc(sz), c1[50];
    for (int rep = 0; rep < 2; rep++) {
        memcpy(p.W, W0, sz * sizeof *W0);
        memcpy(p.c, c0, sizeof c0);
        cr_assert_eq(fate_mlp_train(p.W, p.c, &r, &p.sh, p.X, p.y, p.n, &g), FATE_OK);
        if (rep == 0) {
            memcpy(W1, p.W, sz * sizeof *W1), memcpy(c1, p.c, sizeof c1);
        } else {
            cr_assert_eq(max_abs_diff(W1, p.W, sz), 0.0);
            cr_assert_eq(max_abs_diff(c1, p.c, 50), 0.0);
        }
    }
    cr_assert_lt(r.loss, 0.2 * r.loss0);
    cr_assert_leq(r.steps, 800);
    free(W0), free(W1);
    drop_net(&p);
}

/* The ridge readout satisfies its normal equations: the loss gradient in c is
 * -2 lambda c (0 at lambda = 0 with full rank). */
Test(mlp, refit_readout_normal_equations)
{
    net p = make_net(6, 30, 80, FATE_ACT_TANH, FATE_MLP_MEAN_FIELD, 61);
    double dc[30];
    size_t rank;
    for (int k = 0; k < 2; k++) {
        double lam = k ? 1e-3 : 0.0;
        cr_assert_eq(fate_mlp_refit_readout(p.c, &rank, p.W, &p.sh, p.X, p.y, p.n, lam, 0), FATE_OK);
        cr_assert_eq(rank, 30);
        fate_mlp_grad(NULL, dc, NULL, p.W, p.c, &p.sh, p.X, p.y, p.n);
        for (size_t i = 0; i < 30; i++)
            cr_assert(close_to(dc[i], -2 * lam * p.c[i], 1e-9, 1e-6), "lambda %g: %g", lam, dc[i]);
    }
    drop_net(&p);
}

/* The arc-cosine kernel against Monte Carlo with 2e5 samples: w = e_1,
 * w' = u e_1 + sqrt(1-u^2) e_2, x in the plane they span. */
Test(theory_relu, arccos_kernel_monte_carlo)
{
    cr_assert(close_to(fate_relu_arccos_kernel(1.0), 0.5, 1e-15, 0));
    cr_assert(close_to(fate_relu_arccos_kernel(0.0), 1 / (2 * PI), 1e-15, 0));
    cr_assert(close_to(fate_relu_arccos_kernel(-1.0), 0.0, 1e-15, 0));
    cr_assert(close_to(fate_relu_arccos_kernel(1.5), 0.5, 1e-15, 0));
    const size_t N = 200000;
    double *z = dalloc(2 * N), *e = dalloc(N);
    fate_normal_fill(z, 2 * N, 7, 0, FATE_STREAM_USER + 150, 0);
    const double us[] = {-0.8, -0.3, 0.0, 0.3, 0.7, 0.95, 1.0};
    for (size_t t = 0; t < sizeof us / sizeof us[0]; t++) {
        double u = us[t], v = sqrt(1 - u * u);
        for (size_t i = 0; i < N; i++) {
            double h1 = z[2 * i], h2 = u * z[2 * i] + v * z[2 * i + 1];
            e[i] = fmax(h1, 0) * fmax(h2, 0);
        }
        double mc = mean_of(e, N), se = sem_of(e, N), k = fate_relu_arccos_kernel(u);
        cr_assert_leq(fabs(mc - k), 5 * se, "u %g: MC %g +- %g, kernel %g", u, mc, se, k);
    }
    free(z), free(e);
}

Test(theory_relu, gram_is_homogeneous_kernel)
{
    size_t d = 4;
    double A[8] = {1, 0, 0, 0, 0, 2, 0, 0}, B[12] = {3, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0}, G[6];
    cr_assert_eq(fate_relu_gram(G, A, 2, B, 3, d), FATE_OK);
    cr_assert(close_to(G[0], 3 * 0.5, 1e-15, 1e-14));
    cr_assert(close_to(G[1], sqrt(2) * fate_relu_arccos_kernel(1 / sqrt(2)), 1e-15, 1e-14));
    cr_assert_eq(G[2], 0.0); /* zero neuron */
    cr_assert(close_to(G[3], 6 * fate_relu_arccos_kernel(0), 1e-15, 1e-14));
    cr_assert(close_to(G[4], 2 * sqrt(2) * fate_relu_arccos_kernel(1 / sqrt(2)), 1e-15, 1e-14));
}

/* |P_perp f_t|^2: 0 when the features contain the teacher neurons, strictly
 * increasing in mu, = |f_t|^2 with no features; |f_t|^2 against MC. */
Test(theory_relu, pperp_zero_inside_span_and_grows_with_mu)
{
    size_t d = 30, ms = 20;
    double *V = dalloc(ms * d), a[20], p, prev = -1;
    fate_relu_teacher(V, ms, d, 5, 0);
    fate_relu_readout(a, ms, 0, 0);
    const double mus[] = {0, 0.25, 0.5, 0.75, 1};
    for (size_t t = 0; t < 5; t++) {
        size_t k = fate_relu_removed(ms, mus[t]);
        cr_assert_eq(fate_relu_pperp(&p, NULL, V + k * d, ms - k, V, a, ms, d, 1e-12), FATE_OK);
        if (t == 0) cr_assert_leq(fabs(p), 1e-10);
        cr_assert_gt(p, prev + 1e-6, "mu %g: %g after %g", mus[t], p, prev);
        prev = p;
    }
    double tt;
    fate_relu_pperp(&tt, NULL, NULL, 0, V, a, ms, d, 1e-12);
    cr_assert(close_to(prev, tt, 1e-15, 1e-12));
    /* a student-like feature set: the teacher neurons at random norms plus
     * random extra neurons still contains f_t */
    size_t nf = ms + 15;
    double *F = dalloc(nf * d);
    fate_normal_fill(F, nf * d, 9, 0, FATE_STREAM_USER + 151, 0);
    for (size_t j = 0; j < ms; j++)
        for (size_t i = 0; i < d; i++) F[j * d + i] = (0.5 + 0.1 * j) * V[j * d + i];
    size_t rank;
    cr_assert_eq(fate_relu_pperp(&p, &rank, F, nf, V, a, ms, d, 1e-12), FATE_OK);
    cr_assert_leq(p, 1e-10);
    cr_assert_eq(rank, nf);
    /* |f_t|^2 = E f_t(x)^2 by Monte Carlo */
    const size_t N = 100000;
    double *X = dalloc(N * d), *f = dalloc(N);
    fate_normal_fill(X, N * d, 9, 0, FATE_STREAM_USER + 152, 0);
    fate_relu_teacher_eval(f, V, a, ms, d, X, N);
    for (size_t i = 0; i < N; i++) f[i] *= f[i];
    cr_assert_leq(fabs(mean_of(f, N) - tt), 5 * sem_of(f, N));
    free(V), free(F), free(X), free(f);
}

Test(theory_relu, powerlaw_fit_and_boundary)
{
    double n[5] = {10, 20, 40, 80, 160}, R[5], A, p, As, ps;
    for (size_t i = 0; i < 5; i++) R[i] = 3.0 * pow(n[i], -1.18);
    cr_assert_eq(fate_relu_powerlaw_fit(&A, &p, &As, &ps, n, R, 5), FATE_OK);
    cr_assert(close_to(A, 3.0, 0, 1e-12) && close_to(p, 1.18, 0, 1e-12));
    cr_assert_leq(ps, 1e-10);
    /* multiplicative noise of +-5%: the fit covers the truth within 4 se */
    const double noise[5] = {1.05, 0.95, 1.03, 0.96, 1.04};
    for (size_t i = 0; i < 5; i++) R[i] *= noise[i];
    fate_relu_powerlaw_fit(&A, &p, &As, &ps, n, R, 5);
    cr_assert(ps > 0 && As > 0);
    cr_assert_leq(fabs(p - 1.18), 4 * ps);
    cr_assert_leq(fabs(A - 3.0), 4 * As);
    cr_assert(close_to(fate_relu_boundary(3.0, 1.18, 3.0 * pow(50.0, -1.18)), 50.0, 0, 1e-12));
    cr_assert(isinf(fate_relu_boundary(3.0, 1.18, 0.0)));
    cr_assert_eq(fate_relu_powerlaw_fit(&A, &p, NULL, NULL, n, R, 1), FATE_EINVAL);
}

/* The standard errors are calibrated: over 2000 synthetic learning curves R
 * = A n^-p e^eps (eps ~ N(0, 0.1^2), 8 sizes from 25 to 3200), p and log A
 * fall within t_{6, 0.975} = 2.447 standard errors of the truth in 95% of
 * them (ordinary least squares in log-log with Gaussian errors: exact). */
Test(theory_relu, powerlaw_fit_standard_errors_are_calibrated)
{
    enum { K = 8, REPS = 2000 };
    const double A0 = 2.5, p0 = 1.18, t975 = 2.4469;
    double n[K], R[K], A, p, As, ps, mean_p = 0.0;
    size_t in_p = 0, in_A = 0;
    for (size_t i = 0; i < K; i++) n[i] = 25.0 * pow(2.0, (double)i);
    for (size_t r = 0; r < REPS; r++) {
        for (size_t i = 0; i < K; i++)
            R[i] = A0 * pow(n[i], -p0) * exp(0.1 * fate_normal_at(17, r, FATE_STREAM_USER + 160, i));
        cr_assert_eq(fate_relu_powerlaw_fit(&A, &p, &As, &ps, n, R, K), FATE_OK);
        in_p += fabs(p - p0) <= t975 * ps;
        in_A += fabs(log(A) - log(A0)) <= t975 * As / A; /* A_se is A times the se of log A */
        mean_p += p / REPS;
    }
    /* 95% +- 3 binomial standard errors (0.49%) */
    cr_assert(fabs((double)in_p / REPS - 0.95) <= 0.0147, "p covered in %zu of %d", in_p, REPS);
    cr_assert(fabs((double)in_A / REPS - 0.95) <= 0.0147, "log A covered in %zu of %d", in_A, REPS);
    cr_assert_leq(fabs(mean_p - p0), 0.01, "mean p %.4f", mean_p); /* unbiased; its se is 0.0004 */
}

Test(mlp, teachers_data_and_test_risk)
{
    size_t d = 10, ms = 8;
    double *V = dalloc(ms * d), a[8], as[8];
    fate_relu_teacher(V, ms, d, 2, 0);
    for (size_t j = 0; j < ms; j++) cr_assert(close_to(norm2(V + j * d, d), 1, 0, 1e-14));
    cr_assert_eq(fate_relu_removed(100, 0.25), 25);
    cr_assert_eq(fate_relu_removed(10, 0.25), 3); /* round half away from zero */
    fate_relu_readout(a, ms, 0.5, 0);
    fate_relu_readout(as, ms, 0.5, 1);
    for (size_t j = 0; j < ms; j++) {
        cr_assert_eq(a[j], 1.0 / ms);
        cr_assert_eq(as[j], j < 4 ? 0.0 : 1.0 / ms);
    }
    /* prefix property of data sets */
    double *X1 = dalloc(5 * d), y1[5], *X2 = dalloc(9 * d), y2[9];
    fate_relu_dataset(X1, y1, V, a, ms, 5, d, 0.3, 2, 0, FATE_MLP_STREAM_X_TARGET, FATE_MLP_STREAM_NOISE_TARGET);
    fate_relu_dataset(X2, y2, V, a, ms, 9, d, 0.3, 2, 0, FATE_MLP_STREAM_X_TARGET, FATE_MLP_STREAM_NOISE_TARGET);
    cr_assert_eq(max_abs_diff(X1, X2, 5 * d), 0.0);
    cr_assert_leq(max_abs_diff(y1, y2, 5), 1e-14); /* dgemm blocking may differ */
    /* the zero network's risk is |f_t|^2, within 5 standard errors */
    fate_mlp_shape sh = {d, 4, FATE_ACT_RELU, FATE_MLP_MEAN_FIELD};
    double W[40] = {0}, c[4] = {0}, risk, se, tt;
    cr_assert_eq(fate_mlp_test_risk(&risk, &se, W, c, &sh, V, a, ms, 20000, 2, 0), FATE_OK);
    fate_relu_pperp(&tt, NULL, NULL, 0, V, a, ms, d, 0);
    cr_assert_gt(se, 0);
    cr_assert_leq(fabs(risk - tt), 5 * se, "%g +- %g vs %g", risk, se, tt);
    free(V), free(X1), free(X2);
}

/* At a small size (d = 20, m* = 10, m = 200), linear transfer from a
 * pretrained network beats scratch at small n with full overlap (mu = 0) and
 * loses at large n with no overlap (mu = 1), as the paper finds. Margins:
 * a factor 3 in risk (observed: ~10 and ~4). */
Test(mlp_transfer, helps_small_n_overlap_hurts_large_n_disjoint, .timeout = 120)
{
    for (uint64_t seed = 1; seed <= 2; seed++)
        for (int kase = 0; kase < 2; kase++) {
            fate_relu_spec s;
            fate_relu_spec_default(&s);
            s.d = 20, s.mstar = 10, s.m = 200;
            s.mu = kase ? 1.0 : 0.0;
            s.n = kase ? 400 : 20;
            s.n_src = 500;
            s.n_test = 2000;
            s.seed = seed;
            s.gd.lr = 0.2;
            s.gd.max_steps = 1500;
            s.methods = FATE_METHOD_SCRATCH | FATE_METHOD_LT;
            fate_relu_result r;
            cr_assert_eq(fate_relu_run_instance(&r, NULL, NULL, &s, 0, NULL, NULL), FATE_OK);
            /* training worked: pretraining fits the source, scratch fits */
            cr_assert_lt(r.pretrain.risk, 0.02 * fmax(r.target_norm2 * (1 - s.mu), 1e-6) + 1e-8);
            cr_assert_lt(r.scratch.train_loss, 1e-3);
            if (kase == 0) {
                cr_assert_leq(r.pperp_source, 1e-10);
                cr_assert_lt(3 * r.lt.risk, r.scratch.risk, "seed %lu: lt %g sc %g",
                             (unsigned long)seed, r.lt.risk, r.scratch.risk);
            } else {
                cr_assert(close_to(r.pperp_source, r.target_norm2, 0, 1e-12));
                cr_assert_gt(r.lt.risk, 3 * r.scratch.risk, "seed %lu: lt %g sc %g",
                             (unsigned long)seed, r.lt.risk, r.scratch.risk);
            }
        }
}

/* After rich pretraining (small init, trained to convergence) the student's
 * neurons condense on the source teacher's: |P_perp f_t|^2 measured in the
 * student's readout-weighted features equals the one in the source teacher's
 * neurons (THEORY.md section 5). Measured: 2.176e-2 vs 2.184e-2 (mu = 0.25),
 * 5.141e-2 vs 5.181e-2 (mu = 0.5). */
Test(mlp_transfer, student_pperp_agrees_with_source_teacher, .timeout = 120)
{
    const double mus[3] = {0.0, 0.25, 0.5};
    for (int k = 0; k < 3; k++) {
        fate_relu_spec s;
        fate_relu_spec_default(&s);
        s.d = 10, s.mstar = 4, s.m = 50, s.n_src = 500, s.n = 10, s.n_test = 2000;
        s.w_init = 1e-3, s.c_init = 1e-3;
        s.gd.lr = 0.5, s.gd.max_steps = 40000;
        s.mu = mus[k];
        s.methods = FATE_METHOD_LT;
        fate_relu_result r;
        cr_assert_eq(fate_relu_run_instance(&r, NULL, NULL, &s, 0, NULL, NULL), FATE_OK);
        cr_assert(r.pretrain.converged && r.pretrain.train_loss <= 1e-8, "pretraining converged");
        if (k == 0) {
            cr_assert_lt(r.pperp_source, 1e-12);
            cr_assert_lt(r.pperp_student, 1e-3 * r.target_norm2, "mu = 0: %g", r.pperp_student);
        } else {
            cr_assert(close_to(r.pperp_student, r.pperp_source, 0, 0.03), "mu %g: student %g source %g",
                      s.mu, r.pperp_student, r.pperp_source);
            /* the raw span of all neurons (stragglers included) is larger */
            double *W = dalloc(s.m * s.d), *c = dalloc(s.m), *V = dalloc(s.mstar * s.d), a[4], raw;
            fate_relu_method_result pr;
            cr_assert_eq(fate_relu_pretrain(W, c, &pr, NULL, &s, 0, NULL), FATE_OK);
            cr_assert_eq(pr.risk, r.pretrain.risk, "fate_relu_pretrain is the same pretraining");
            fate_relu_teacher(V, s.mstar, s.d, s.seed, 0);
            fate_relu_readout(a, s.mstar, s.mu, 0);
            cr_assert_eq(fate_relu_pperp(&raw, NULL, W, s.m, V, a, s.mstar, s.d, 1e-10), FATE_OK);
            cr_assert_lt(raw, 0.9 * r.pperp_source);
            free(W); free(c); free(V);
        }
    }
}

/* Online pretraining: a fresh batch every step, a pure function of
 * (seed, instance), different from the fixed-set run, and it learns. */
Test(mlp_transfer, online_pretraining)
{
    fate_relu_spec s;
    fate_relu_spec_default(&s);
    s.d = 8, s.mstar = 3, s.m = 40, s.n_src = 64, s.n_test = 2000;
    s.w_init = 0.5, s.c_init = 1e-3;
    s.gd.lr = 0.2, s.gd.max_steps = 600, s.gd.rel_tol = 0;
    s.mu = 0.0;
    s.online_src = 1;
    double *W1 = dalloc(s.m * s.d), *c1 = dalloc(s.m), *W2 = dalloc(s.m * s.d), *c2 = dalloc(s.m);
    fate_relu_method_result a, b, f;
    cr_assert_eq(fate_relu_pretrain(W1, c1, &a, NULL, &s, 3, NULL), FATE_OK);
    cr_assert_eq(fate_relu_pretrain(W2, c2, &b, NULL, &s, 3, NULL), FATE_OK);
    cr_assert_eq(memcmp(W1, W2, s.m * s.d * sizeof *W1), 0, "deterministic");
    cr_assert_gt(a.steps, 100, "steps %zu", a.steps);
    double *Wi = dalloc(s.m * s.d), *ci = dalloc(s.m);
    fate_mlp_shape sh = {s.d, s.m, s.act, s.scaling};
    fate_mlp_init(Wi, ci, &sh, s.w_init, s.c_init, s.seed, 3, FATE_MLP_STREAM_INIT_PRETRAIN);
    double *V = dalloc(s.mstar * s.d), av[3], r0;
    fate_relu_teacher(V, s.mstar, s.d, s.seed, 3);
    fate_relu_readout(av, s.mstar, 0.0, 1);
    cr_assert_eq(fate_mlp_test_risk(&r0, NULL, Wi, ci, &sh, V, av, s.mstar, 2000, s.seed, 3), FATE_OK);
    cr_assert_lt(a.risk, 0.2 * r0, "online pretraining learns: %g -> %g", r0, a.risk);
    s.online_src = 0;
    cr_assert_eq(fate_relu_pretrain(W2, c2, &f, NULL, &s, 3, NULL), FATE_OK);
    cr_assert_neq(memcmp(W1, W2, s.m * s.d * sizeof *W1), 0, "online differs from the fixed set");
    free(W1); free(c1); free(W2); free(c2); free(Wi); free(ci); free(V);
}

void blas_threads_set(int n); /* src/internal.h */

typedef struct cells_seen {
    fate_relu_sweep w;
    fate_relu_method_result sc[2][2][2], lt[2][2][2], ft[2][2][2];
    double pp[2][2];
    int count;
} cells_seen;

static int keep_cell(void *ctx, const fate_relu_cell *c)
{
    cells_seen *s = ctx;
    for (size_t i = 0; i < c->instances; i++) {
        s->sc[c->overlap_index][c->n_index][i] = c->scratch[i];
        s->lt[c->overlap_index][c->n_index][i] = c->lt[i];
        s->ft[c->overlap_index][c->n_index][i] = c->ft[i];
        s->pp[c->overlap_index][i] = c->pperp_student[i];
    }
    s->count++;
    return 0;
}

/* The sweep gives exactly fate_relu_run_instance's numbers per cell, for 1
 * and 2 threads. */
Test(mlp_sweep, equals_single_runs_for_any_thread_count, .timeout = 120)
{
    const double mus[2] = {0.0, 0.5};
    const size_t ns[2] = {6, 12};
    cells_seen seen[2];
    for (int th = 0; th < 2; th++) {
        cells_seen *S = &seen[th];
        memset(S, 0, sizeof *S);
        fate_relu_spec_default(&S->w.base);
        fate_relu_spec *b = &S->w.base;
        b->d = 5, b->mstar = 2, b->m = 12, b->n_src = 40, b->n_test = 500;
        b->gd.lr = 0.2, b->gd.max_steps = 300;
        S->w.overlaps = mus, S->w.n_overlaps = 2, S->w.ns = ns, S->w.n_ns = 2, S->w.instances = 2;
        S->w.threads = th + 1;
        cr_assert_null(fate_relu_sweep_check(&S->w));
        fate_relu_sweep_hooks h = {S, NULL, keep_cell, NULL, NULL};
        cr_assert_eq(fate_relu_sweep_run(&S->w, &h, NULL), FATE_OK);
        cr_assert_eq(S->count, 4);
    }
    cr_assert_eq(memcmp(seen[0].sc, seen[1].sc, sizeof seen[0].sc), 0, "scratch: 1 vs 2 threads");
    cr_assert_eq(memcmp(seen[0].lt, seen[1].lt, sizeof seen[0].lt), 0, "lt: 1 vs 2 threads");
    cr_assert_eq(memcmp(seen[0].ft, seen[1].ft, sizeof seen[0].ft), 0, "ft: 1 vs 2 threads");
    /* the sweep runs BLAS single-threaded; so must the reference here for
     * bit-equal sums */
    blas_threads_set(1);
    for (size_t t = 0; t < 2; t++)
        for (size_t j = 0; j < 2; j++)
            for (size_t i = 0; i < 2; i++) {
                fate_relu_spec s = seen[0].w.base;
                s.mu = mus[t];
                s.n = ns[j];
                fate_relu_result r;
                cr_assert_eq(fate_relu_run_instance(&r, NULL, NULL, &s, i, NULL, NULL), FATE_OK);
                cr_assert_eq(r.scratch.risk, seen[0].sc[t][j][i].risk);
                cr_assert_eq(r.lt.risk, seen[0].lt[t][j][i].risk);
                cr_assert_eq(r.ft.risk, seen[0].ft[t][j][i].risk);
                cr_assert_eq(r.ft.steps, seen[0].ft[t][j][i].steps);
                cr_assert(r.pperp_student == seen[0].pp[t][i] ||
                          (isnan(r.pperp_student) && isnan(seen[0].pp[t][i])));
            }
    /* bad grids are refused */
    fate_relu_sweep bad = seen[0].w;
    const double mu_bad[1] = {1.5};
    bad.overlaps = mu_bad, bad.n_overlaps = 1;
    cr_assert_not_null(fate_relu_sweep_check(&bad));
    cr_assert_eq(fate_relu_sweep_run(&bad, NULL, NULL), FATE_EINVAL);
    bad = seen[0].w;
    bad.base.methods = 0;
    cr_assert_not_null(fate_relu_sweep_check(&bad), "a sweep with no method is refused");
}
