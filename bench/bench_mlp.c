/* bench_mlp.c - achieved FLOP/s of one full-batch GD step of a two-layer
 * network (src/mlp.c, fate_mlp_grad + the update) against the machine's
 * measured dgemm peak for the same matrix shapes.
 *
 * Usage: bench_mlp [m d n [steps]]   (default 1000 100 1000 20)
 *
 * The step's arithmetic is dominated by two products over the batch: the
 * pre-activations H = X W^T (n x d times d x m) and the first-layer gradient
 * dW = D^T X (m x n times n x d), 2 n m d flops each, so a step counts
 * 4 n m d flops (the O(n m) activation, readout and update work is left out,
 * which makes the reported rate a slight underestimate). The peak is the rate
 * of cblas_dgemm on exactly those two products, with the same OpenBLAS thread
 * count (set it with OPENBLAS_NUM_THREADS). Wall time is CLOCK_MONOTONIC, the
 * best of 3 repetitions. Not a test: rates are reported, never asserted.
 */
#include <stdio.h>
#include <stdlib.h>
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

int main(int argc, char **argv)
{
    size_t m = argc > 3 ? (size_t)atol(argv[1]) : 1000, d = argc > 3 ? (size_t)atol(argv[2]) : 100;
    size_t n = argc > 3 ? (size_t)atol(argv[3]) : 1000, steps = argc > 4 ? (size_t)atol(argv[4]) : 20;
    if (m == 0 || d == 0 || n == 0 || steps == 0) {
        fprintf(stderr, "usage: bench_mlp [m d n [steps]]\n");
        return 2;
    }
    fate_mlp_shape sh = {d, m, FATE_ACT_RELU, FATE_MLP_MEAN_FIELD};
    double *W = malloc(m * d * sizeof *W), *c = malloc(m * sizeof *c);
    double *X = malloc(n * d * sizeof *X), *y = malloc(n * sizeof *y);
    double *V = malloc(100 * d * sizeof *V), a[100];
    double *H = malloc(n * m * sizeof *H), *G = malloc(m * d * sizeof *G);
    if (!W || !c || !X || !y || !V || !H || !G) return 1;
    fate_relu_teacher(V, 100, d, 1, 0);
    fate_relu_readout(a, 100, 0.0, 0);
    fate_relu_dataset(X, y, V, a, 100, n, d, 0.0, 1, 0, FATE_MLP_STREAM_X_TARGET, FATE_MLP_STREAM_NOISE_TARGET);
    fate_mlp_init(W, c, &sh, 1.0, 1e-3, 1, 0, FATE_MLP_STREAM_INIT_SCRATCH);
    fate_mlp_gd_config cfg;
    fate_mlp_gd_default(&cfg);
    cfg.lr = 1e-3, cfg.max_steps = steps, cfg.tol = 0.0, cfg.rel_tol = 0.0, cfg.window = steps + 1;
    const double flops = 4.0 * (double)n * (double)m * (double)d;

    double best_step = 1e300, best_gemm = 1e300;
    for (int rep = 0; rep < 3; rep++) {
        fate_mlp_gd_report r;
        double t0 = now();
        fate_mlp_train(W, c, &r, &sh, X, y, n, &cfg);
        double per = (now() - t0) / (double)(r.steps + 1); /* r.steps updates, r.steps + 1 gradients */
        if (per < best_step) best_step = per;
        t0 = now();
        for (size_t s = 0; s < steps; s++) {
            /* H (n, m) = X (n, d) W^T (d, m); G (m, d) = H^T (m, n) X (n, d) */
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)m, (int)d, 1.0, X, (int)d, W,
                        (int)d, 0.0, H, (int)m);
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)m, (int)d, (int)n, 1.0, H, (int)m, X,
                        (int)d, 0.0, G, (int)d);
        }
        double g = (now() - t0) / (double)steps;
        if (g < best_gemm) best_gemm = g;
    }
    printf("two-layer ReLU GD step, m = %zu, d = %zu, n = %zu, BLAS threads %d\n", m, d, n,
           blas_threads_get());
    printf("  step:        %8.3f ms  %7.2f GFLOP/s (4 n m d = %.3g flops)\n", best_step * 1e3,
           flops / best_step / 1e9, flops);
    printf("  dgemm peak:  %8.3f ms  %7.2f GFLOP/s (the same two products alone)\n", best_gemm * 1e3,
           flops / best_gemm / 1e9);
    printf("  step / peak: %.0f%%\n", 100.0 * best_gemm / best_step);
    free(W); free(c); free(X); free(y); free(V); free(H); free(G);
    return 0;
}
