/* bench_protocol.c - fate's side of the PyTorch comparison (bench/run.sh).
 *
 * Workload: K instances of a depth-L linear network in dimension d; per
 * instance pretraining on the population loss |beta - beta_s|^2, then for each
 * target size n, training from scratch and fine-tuning from the pretrained
 * weights, each for exactly `epochs` full-batch GD steps at a fixed learning
 * rate (no early stopping, so both sides do the same arithmetic). With
 * --export DIR it first writes the task (X, y, teachers, initial weights) as
 * .npy files so that bench/torch_ref.py trains on exactly the same numbers.
 * Prints one JSON line: wall time, GD steps, steps/s, peak memory. Writes the
 * final risks to --out CSV (instance,n,method,risk).
 *
 * --engine gram (the default at depth 2 with width >= d/3, as the protocols
 * of `fate run/phase/reproduce` do) trains in Gram form (src/gram2.c); --engine
 * w times the weight form of the public fate_dln_train. Both follow the same
 * GD trajectory up to rounding.
 */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <cblas.h>

#include "fate.h"
#include "fate_npy.h"
#include "internal.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static size_t parse_list(const char *s, size_t *out, size_t cap)
{
    size_t n = 0;
    char *copy = strdup(s), *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t && n < cap; t = strtok_r(NULL, ",", &save))
        out[n++] = (size_t)atol(t);
    free(copy);
    return n;
}

int main(int argc, char **argv)
{
    size_t d = 500, L = 2, K = 20, ns[8] = {250, 500, 750}, nn = 3, epochs = 1000;
    double lr = 0.03, sigma = 0.2, alpha = 0;
    uint64_t seed = 1;
    int threads = 0;
    const char *export_dir = NULL, *out = NULL, *engine = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *a = argv[i], *v = argv[i + 1];
        if (!strcmp(a, "--d")) d = (size_t)atol(v);
        else if (!strcmp(a, "--depth")) L = (size_t)atol(v);
        else if (!strcmp(a, "--instances")) K = (size_t)atol(v);
        else if (!strcmp(a, "--n")) nn = parse_list(v, ns, 8);
        else if (!strcmp(a, "--epochs")) epochs = (size_t)atol(v);
        else if (!strcmp(a, "--lr")) lr = atof(v);
        else if (!strcmp(a, "--sigma")) sigma = atof(v);
        else if (!strcmp(a, "--init-scale")) alpha = atof(v);
        else if (!strcmp(a, "--seed")) seed = (uint64_t)atoll(v);
        else if (!strcmp(a, "--threads")) threads = atoi(v);
        else if (!strcmp(a, "--export")) export_dir = v;
        else if (!strcmp(a, "--out")) out = v;
        else if (!strcmp(a, "--engine")) engine = v;
        else { fprintf(stderr, "bench_protocol: unknown option %s\n", a); return 2; }
    }
    if (alpha <= 0) alpha = fate_default_init_scale(L);
    size_t nmax = 0;
    for (size_t i = 0; i < nn; i++) nmax = ns[i] > nmax ? ns[i] : nmax;
    const fate_dln_shape sh = {d, d, L};
    const size_t np = fate_dln_nparams(&sh);
    if (engine && strcmp(engine, "gram") && strcmp(engine, "w")) {
        fprintf(stderr, "bench_protocol: --engine must be gram or w, got %s\n", engine);
        return 2;
    }
    const int gram = engine ? !strcmp(engine, "gram") : gram2_applies(&sh);
    if (gram && !gram2_applies(&sh)) {
        fprintf(stderr, "bench_protocol: --engine gram needs depth 2 (got %zu)\n", L);
        return 2;
    }
    double *X = malloc(K * nmax * d * sizeof *X), *y = malloc(K * nmax * sizeof *y);
    double *bs = malloc(K * d * sizeof *bs), *bt = malloc(K * d * sizeof *bt);
    double *pre0 = malloc(K * np * sizeof *pre0), *sc0 = malloc(K * np * sizeof *sc0);
    if (!X || !y || !bs || !bt || !pre0 || !sc0) { fprintf(stderr, "bench_protocol: out of memory\n"); return 1; }
    for (size_t k = 0; k < K; k++) {
        fate_teachers(bs + k * d, bt + k * d, d, M_PI / 4, seed, k);
        fate_dataset(X + k * nmax * d, y + k * nmax, bt + k * d, nmax, d, sigma, seed, k,
                     FATE_STREAM_X_TARGET, FATE_STREAM_NOISE_TARGET);
        fate_dln_init(pre0 + k * np, &sh, alpha, seed, k, FATE_STREAM_INIT_PRETRAIN);
        fate_dln_init(sc0 + k * np, &sh, alpha, seed, k, FATE_STREAM_INIT_SCRATCH);
    }
    if (export_dir) {
        char p[4096];
        size_t s3[3] = {K, nmax, d}, s2[2] = {K, nmax}, sd[2] = {K, d}, sp[2] = {K, np};
        int bad = 0;
        snprintf(p, sizeof p, "%s/X.npy", export_dir); bad |= fate_npy_write(p, X, s3, 3) != FATE_OK;
        snprintf(p, sizeof p, "%s/y.npy", export_dir); bad |= fate_npy_write(p, y, s2, 2) != FATE_OK;
        snprintf(p, sizeof p, "%s/beta_s.npy", export_dir); bad |= fate_npy_write(p, bs, sd, 2) != FATE_OK;
        snprintf(p, sizeof p, "%s/beta_t.npy", export_dir); bad |= fate_npy_write(p, bt, sd, 2) != FATE_OK;
        snprintf(p, sizeof p, "%s/pre_init.npy", export_dir); bad |= fate_npy_write(p, pre0, sp, 2) != FATE_OK;
        snprintf(p, sizeof p, "%s/sc_init.npy", export_dir); bad |= fate_npy_write(p, sc0, sp, 2) != FATE_OK;
        if (bad) { fprintf(stderr, "bench_protocol: cannot export to %s\n", export_dir); return 1; }
    }
    double *risk = calloc(K * nn * 2, sizeof *risk);
    blas_threads_set(1);
    const int nt = threads > 0 ? threads : omp_get_max_threads();
    fate_gd_config cfg = {.lr = lr, .max_epochs = epochs, .tol = 0.0, .loss_min = -1.0};
    size_t diverged = 0;
    double t0 = now();
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt) reduction(+ : diverged)
    for (size_t k = 0; k < K; k++) {
        double *pre = malloc(np * sizeof *pre), *w = malloc(np * sizeof *w);
        double *S = malloc(d * d * sizeof *S), *b = malloc(d * sizeof *b), *beta = malloc(d * sizeof *beta);
        fate_gd_report rep;
        gram2_t mpre = {0};
        memcpy(pre, pre0 + k * np, np * sizeof *pre);
        if (gram) {
            diverged += gram2_from_params(&mpre, pre, &sh) != FATE_OK ||
                        dln_train_gram2(&mpre, &rep, NULL, bs + k * d, 1.0, &cfg, 0) != FATE_OK;
        } else {
            diverged += fate_dln_train(pre, &rep, &sh, NULL, bs + k * d, 1.0, &cfg) != FATE_OK;
        }
        for (size_t i = 0; i < nn; i++) {
            double yy;
            fate_suffstats(S, b, &yy, X + k * nmax * d, y + k * nmax, ns[i], d);
            for (int m = 0; m < 2; m++) {
                if (gram) {
                    gram2_t mg = {0};
                    fate_status st = m == 0 ? gram2_from_params(&mg, sc0 + k * np, &sh)
                                            : gram2_copy(&mg, &mpre);
                    if (st == FATE_OK) st = dln_train_gram2(&mg, &rep, S, b, yy, &cfg, 0);
                    diverged += st != FATE_OK;
                    if (st == FATE_OK) memcpy(beta, mg.beta, d * sizeof *beta);
                    gram2_free(&mg);
                } else {
                    memcpy(w, m == 0 ? sc0 + k * np : pre, np * sizeof *w);
                    diverged += fate_dln_train(w, &rep, &sh, S, b, yy, &cfg) != FATE_OK;
                    fate_dln_product(beta, w, &sh);
                }
                double r = 0;
                for (size_t j = 0; j < d; j++) r += (beta[j] - bt[k * d + j]) * (beta[j] - bt[k * d + j]);
                risk[(k * nn + i) * 2 + (size_t)m] = r;
            }
        }
        gram2_free(&mpre);
        free(pre); free(w); free(S); free(b); free(beta);
    }
    double wall = now() - t0;
    size_t steps = K * epochs * (1 + 2 * nn);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("{\"impl\": \"%s\", \"dtype\": \"float64\", \"wall_s\": %.4f, \"gd_steps\": %zu, "
           "\"steps_per_s\": %.1f, \"maxrss_mb\": %.1f, \"threads\": %d, \"diverged\": %zu}\n",
           gram ? "fate (Gram form)" : "fate (W form)", wall, steps, (double)steps / wall,
           (double)ru.ru_maxrss / 1024.0, nt, diverged);
    if (out) {
        FILE *f = fopen(out, "w");
        if (!f) { fprintf(stderr, "bench_protocol: cannot write %s\n", out); return 1; }
        fprintf(f, "instance,n,method,risk\n");
        for (size_t k = 0; k < K; k++)
            for (size_t i = 0; i < nn; i++)
                for (int m = 0; m < 2; m++)
                    fprintf(f, "%zu,%zu,%s,%.17g\n", k, ns[i], m == 0 ? "scratch" : "ft", risk[(k * nn + i) * 2 + (size_t)m]);
        fclose(f);
    }
    free(X); free(y); free(bs); free(bt); free(pre0); free(sc0); free(risk);
    return diverged ? 1 : 0;
}
