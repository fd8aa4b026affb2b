/* bench_step.c - cost of one full-batch GD step of a deep linear network
 * through the sufficient statistics, against the machine's memory bandwidth.
 *
 * Measures wall time (CLOCK_MONOTONIC) of `steps` GD steps at several d and
 * depths, single thread, and prints steps/s, ns per d^2 (flat if the cost is
 * O(L d^2)) and the memory traffic the step needs, for both engines:
 *  - W form (fate_dln_train): the forward pass reads every layer once, dsymv
 *    reads the upper triangle of S (d^2/2 doubles), and the fused
 *    backward-and-update pass reads and writes every layer once, so
 *    8 (3 (d k + (L-2) k^2 + k) + d^2/2) bytes;
 *  - Gram form (depth 2, src/gram2.c): dsymv reads half of S and the fused
 *    pass reads and writes the packed upper triangle of G = W_1 W_1^T, so
 *    8 (d^2/2 + 2 d (d+1)/2) bytes (O(d) vectors not counted in either).
 * "set" is the memory a step touches (layers or upper triangle of G, plus
 * the upper triangle of S). It then measures the bandwidth of a triad
 * a = b + s c (2 reads + 1 write per element) for working sets that live in
 * L2, L3 and DRAM, so the step's achieved traffic can be set beside the
 * bandwidth of the cache level its working set lives in. Not a test:
 * timings are reported, never asserted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cblas.h>

#include "fate.h"
#include "internal.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void bench_one(size_t d, size_t depth, size_t steps)
{
    fate_dln_shape sh = {d, d, depth};
    size_t n = d / 2, np = fate_dln_nparams(&sh);
    double *X = malloc(n * d * sizeof *X), *y = malloc(n * sizeof *y);
    double *bs = malloc(d * sizeof *bs), *bt = malloc(d * sizeof *bt);
    double *S = malloc(d * d * sizeof *S), *b = malloc(d * sizeof *b), yy;
    double *w = malloc(np * sizeof *w);
    fate_teachers(bs, bt, d, 0.5, 1, 0);
    fate_dataset(X, y, bt, n, d, 0.2, 1, 0, FATE_STREAM_X_TARGET, FATE_STREAM_NOISE_TARGET);
    fate_suffstats(S, b, &yy, X, y, n, d);
    fate_dln_init(w, &sh, depth == 2 ? 1e-5 : fate_default_init_scale(depth), 1, 0, 8);
    /* tol < 0 is invalid; a loss_min far below reach keeps it running */
    fate_gd_config cfg = {.lr = 0.0, .max_epochs = steps, .tol = 0.0, .loss_min = -1.0};
    fate_gd_report rep;
    double t0 = now();
    fate_dln_train(w, &rep, &sh, S, b, yy, &cfg);
    double dt = now() - t0;
    double per = dt / (double)(rep.steps + 1);
    double dd = (double)d * (double)d;
    double bytes = 8.0 * (3.0 * (double)np + 0.5 * dd);
    double ws = 8.0 * ((double)np + 0.5 * dd) / 1048576.0;
    printf("%6zu %6zu %6s %8zu %12.0f %12.3f %10.2f %12.1f\n", d, depth, "W", rep.steps, 1.0 / per,
           per * 1e9 / dd, bytes / per / 1e9, ws);
    if (depth == 2) {
        /* the same run in Gram form, from the same init */
        fate_dln_init(w, &sh, 1e-5, 1, 0, 8);
        gram2_t m;
        double t1 = now();
        gram2_from_params(&m, w, &sh);
        double tinit = now() - t1;
        t0 = now();
        dln_train_gram2(&m, &rep, S, b, yy, &cfg, 0);
        dt = now() - t0;
        double pg = dt / (double)(rep.steps + 1);
        double gbytes = 8.0 * (0.5 * dd + (double)d * ((double)d + 1.0));
        double gws = 8.0 * (0.5 * dd + 0.5 * (double)d * ((double)d + 1.0)) / 1048576.0;
        printf("%6zu %6zu %6s %8zu %12.0f %12.3f %10.2f %12.1f   (x%.2f; W W^T once: %.1f steps)\n",
               d, depth, "Gram", rep.steps, 1.0 / pg, pg * 1e9 / dd, gbytes / pg / 1e9, gws,
               per / pg, tinit / pg);
        gram2_free(&m);
    }
    free(X); free(y); free(bs); free(bt); free(S); free(b); free(w);
}

/* Triad bandwidth for a working set of `mb` MiB (three arrays), GB/s. */
static double triad(double mb)
{
    size_t n = (size_t)(mb * 1048576.0 / 24.0);
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *c = malloc(n * sizeof *c);
    for (size_t i = 0; i < n; i++) { a[i] = 0; b[i] = 1; c[i] = 2; }
    size_t reps = (size_t)(2e9 / (24.0 * (double)n)) + 1;
    double t0 = now();
    for (size_t r = 0; r < reps; r++) {
        const double s = 1e-9 * (double)r;
        for (size_t i = 0; i < n; i++) a[i] = b[i] + s * c[i];
        __asm__ volatile("" : : "r"(a) : "memory"); /* keep every repetition */
    }
    double dt = now() - t0;
    double gbs = 24.0 * (double)n * (double)reps / dt / 1e9;
    free(a); free(b); free(c);
    return gbs;
}

int main(int argc, char **argv)
{
    size_t steps = argc > 1 ? (size_t)atol(argv[1]) : 2000;
    blas_threads_set(1);
    printf("fate bench_step: full-batch GD steps through sufficient statistics, 1 thread\n");
    printf("%6s %6s %6s %8s %12s %12s %10s %12s\n", "d", "depth", "engine", "steps", "steps/s", "ns/d^2", "GB/s",
           "set (MiB)");
    size_t ds[] = {250, 500, 1000, 2000};
    for (size_t i = 0; i < 4; i++) bench_one(ds[i], 2, ds[i] >= 1000 ? steps / 4 : steps);
    bench_one(200, 3, steps);
    bench_one(500, 3, steps / 2);
    printf("\nmemory bandwidth, triad a = b + s c, 1 thread:\n%12s %10s\n", "set (MiB)", "GB/s");
    const double sets[] = {0.5, 4, 16, 64, 512};
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) printf("%12.1f %10.2f\n", sets[i], triad(sets[i]));
    return 0;
}
