/* bench_mlp.c - achieved FLOP/s of one full-batch GD step of a two-layer
 * network (src/mlp.c, the gradient + the update through fate_mlp_train) in
 * double and in single precision (src/mlp_f32.c), against the machine's
 * measured dgemm and sgemm rates for the same matrix shapes.
 *
 * Usage: bench_mlp [m d n[,n,...] [steps]]   (default 1000 100 1000 20)
 *
 * The step's arithmetic is dominated by two products over the batch: the
 * pre-activations H = X W^T (n x d times d x m) and the first-layer gradient
 * dW = D^T X (m x n times n x d), 2 n m d flops each, so a step counts
 * 4 n m d flops (the O(n m) activation, readout and update work is left out,
 * which makes the reported rate a slight underestimate). The peak is the rate
 * of cblas_dgemm (cblas_sgemm) on exactly those two products, with the same
 * OpenBLAS thread count (set it with OPENBLAS_NUM_THREADS). Wall time is
 * CLOCK_MONOTONIC, the best of 3 repetitions. Not a test: rates are
 * reported, never asserted.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cblas.h>

#include "fate_mlp.h"
#include "internal.h" /* blas_threads_get */

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Seconds per step of fate_mlp_train in `precision`, best of 3; NaN when it
 * fails (memory, or a size fate_mlp_train refuses). */
static double step_time(const fate_mlp_shape *sh, const double *W0, const double *c0, const double *X,
                        const double *y, size_t n, size_t steps, fate_mlp_precision precision)
{
    const size_t m = sh->m, d = sh->d;
    double *W = malloc(m * d * sizeof *W), *c = malloc(m * sizeof *c), best = 1e300;
    if (!W || !c) {
        free(W), free(c);
        return NAN;
    }
    fate_mlp_gd_config cfg;
    fate_mlp_gd_default(&cfg);
    cfg.lr = 1e-3, cfg.max_steps = steps, cfg.tol = 0.0, cfg.rel_tol = 0.0, cfg.window = steps + 1;
    cfg.precision = precision;
    for (int rep = 0; rep < 3; rep++) {
        memcpy(W, W0, m * d * sizeof *W), memcpy(c, c0, m * sizeof *c);
        fate_mlp_gd_report r;
        double t0 = now();
        if (fate_mlp_train(W, c, &r, sh, X, y, n, &cfg) != FATE_OK) {
            best = NAN;
            break;
        }
        double per = (now() - t0) / (double)(r.steps + 1); /* r.steps updates, r.steps + 1 gradients */
        if (per < best) best = per;
    }
    free(W), free(c);
    return best;
}

/* Seconds of the step's two products alone (dgemm or sgemm), best of 3. */
static double gemm_time(size_t m, size_t d, size_t n, size_t steps, int single)
{
    const size_t es = single ? sizeof(float) : sizeof(double);
    void *X = calloc(n * d, es), *W = calloc(m * d, es), *H = calloc(n * m, es), *G = calloc(m * d, es);
    double best = 1e300;
    if (!X || !W || !H || !G) {
        free(X), free(W), free(H), free(G);
        return NAN;
    }
    for (int rep = 0; rep < 3; rep++) {
        double t0 = now();
        for (size_t s = 0; s < steps; s++) {
            /* H (n, m) = X (n, d) W^T (d, m); G (m, d) = H^T (m, n) X (n, d) */
            if (single) {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)m, (int)d, 1.0f, X, (int)d, W,
                            (int)d, 0.0f, H, (int)m);
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)m, (int)d, (int)n, 1.0f, H, (int)m, X,
                            (int)d, 0.0f, G, (int)d);
            } else {
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)m, (int)d, 1.0, X, (int)d, W,
                            (int)d, 0.0, H, (int)m);
                cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)m, (int)d, (int)n, 1.0, H, (int)m, X,
                            (int)d, 0.0, G, (int)d);
            }
        }
        double g = (now() - t0) / (double)steps;
        if (g < best) best = g;
    }
    free(X), free(W), free(H), free(G);
    return best;
}

static void bench_n(size_t m, size_t d, size_t n, size_t steps)
{
    fate_mlp_shape sh = {d, m, FATE_ACT_RELU, FATE_MLP_MEAN_FIELD};
    double *W = malloc(m * d * sizeof *W), *c = malloc(m * sizeof *c);
    double *X = malloc(n * d * sizeof *X), *y = malloc(n * sizeof *y);
    double *V = malloc(100 * d * sizeof *V), a[100];
    if (!W || !c || !X || !y || !V) {
        fprintf(stderr, "bench_mlp: out of memory at n = %zu\n", n);
        free(W), free(c), free(X), free(y), free(V);
        return;
    }
    fate_relu_teacher(V, 100, d, 1, 0);
    fate_relu_readout(a, 100, 0.0, 0);
    fate_relu_dataset(X, y, V, a, 100, n, d, 0.0, 1, 0, FATE_MLP_STREAM_X_TARGET, FATE_MLP_STREAM_NOISE_TARGET);
    fate_mlp_init(W, c, &sh, 1.0, 1e-3, 1, 0, FATE_MLP_STREAM_INIT_SCRATCH);
    const double flops = 4.0 * (double)n * (double)m * (double)d;
    for (int single = 0; single < 2; single++) {
        const double st = step_time(&sh, W, c, X, y, n, steps, single ? FATE_MLP_SINGLE : FATE_MLP_DOUBLE);
        const double gt = gemm_time(m, d, n, steps, single);
        printf("%6zu  %-6s  %9.3f  %8.2f  %9.3f  %8.2f  %5.0f%%\n", n, single ? "single" : "double", st * 1e3,
               flops / st / 1e9, gt * 1e3, flops / gt / 1e9, 100.0 * gt / st);
    }
    free(W), free(c), free(X), free(y), free(V);
}

int main(int argc, char **argv)
{
    size_t m = argc > 3 ? (size_t)atol(argv[1]) : 1000, d = argc > 3 ? (size_t)atol(argv[2]) : 100;
    const char *ns = argc > 3 ? argv[3] : "1000";
    size_t steps = argc > 4 ? (size_t)atol(argv[4]) : 20;
    if (m == 0 || d == 0 || steps == 0) {
        fprintf(stderr, "usage: bench_mlp [m d n[,n,...] [steps]]\n");
        return 2;
    }
    printf("two-layer ReLU GD step, m = %zu, d = %zu, BLAS threads %d; flops = 4 n m d\n", m, d, blas_threads_get());
    printf("%6s  %-6s  %9s  %8s  %9s  %8s  %6s\n", "n", "prec", "step ms", "GFLOP/s", "gemm ms", "GFLOP/s",
           "step/gemm");
    for (const char *p = ns; *p;) {
        char *end;
        size_t n = (size_t)strtoul(p, &end, 10);
        if (end == p || n == 0) {
            fprintf(stderr, "bench_mlp: bad n list '%s'\n", ns);
            return 2;
        }
        bench_n(m, d, n, steps);
        p = *end == ',' ? end + 1 : end;
    }
    return 0;
}
