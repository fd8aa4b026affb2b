/* distance_sample.c - sample estimators of distances between laws: MMD
 * (Gaussian, Laplace, energy kernels; U, V and linear-time), energy distance,
 * exact / 1-D / sliced Wasserstein, kNN KL, cross-fitted kNN total variation
 * and Jensen-Shannon, and a bounded-Lipschitz lower bound. Conventions and
 * formulas are documented in include/fate_distance.h.
 *
 * Determinism. Work over pairs of rows goes through pw_run: the first set is
 * cut into blocks of BS rows, each block is handled by ONE thread which walks
 * the column blocks in increasing order, and the callbacks only write to
 * outputs indexed by that block's rows (per-row accumulators, per-row kNN
 * lists). Every sum over rows is then taken in row order. The block size
 * depends on D only, so results do not depend on the number of threads.
 * BLAS runs single-threaded inside the parallel loops.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <omp.h>
#include <cblas.h>

#include "fate_distance.h"
#include "internal.h" /* checked sizes */

/* ------------------------------------------------------------------------ */
/* Checks                                                                    */
/* ------------------------------------------------------------------------ */

static int all_finite(const double *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(a[i])) return 0;
    return 1;
}

/* n rows of D doubles fit in memory arithmetic (and in a BLAS int). */
static int shape_ok(size_t n, size_t D)
{
    return D >= 1 && D <= (size_t)0x7fffffff && n <= (size_t)0x7fffffff &&
           n <= ((size_t)-1) / D / sizeof(double) / 2;
}

static fate_status check_sample(const double *X, size_t n, size_t D, size_t min_rows)
{
    if (!X || n < min_rows || !shape_ok(n, D)) return FATE_EINVAL;
    return all_finite(X, n * D) ? FATE_OK : FATE_EINVAL;
}

static fate_status check_pair(const double *X, size_t n, const double *Y, size_t m, size_t D)
{
    fate_status st = check_sample(X, n, D, 2);
    if (st) return st;
    if (n + m < n) return FATE_EINVAL;
    return check_sample(Y, m, D, 2);
}

/* ------------------------------------------------------------------------ */
/* Row sets and the blocked pairwise engine                                  */
/* ------------------------------------------------------------------------ */

/* A set of rows of the pooled sample (X rows 0..nx-1, then Y rows): row i of
 * the set is pooled row idx[i] (or i when idx is NULL). */
typedef struct rows_t {
    const double *X;
    size_t nx;
    const double *Y;
    const size_t *idx;
    size_t n;
} rows_t;

static inline const double *pooled_row(const double *X, size_t nx, const double *Y, size_t p,
                                       size_t D)
{
    return p < nx ? X + p * D : Y + (p - nx) * D;
}

static inline const double *set_row(const rows_t *r, size_t i, size_t D)
{
    return pooled_row(r->X, r->nx, r->Y, r->idx ? r->idx[i] : i, D);
}

static rows_t rows_of(const double *A, size_t n)
{
    rows_t r = {A, n, NULL, NULL, n};
    return r;
}

/* Block size: 256 rows, fewer in very large D (buffers of BS D doubles). */
static size_t block_rows(size_t D)
{
    size_t bs = 256;
    while (bs > 16 && bs * D > ((size_t)1 << 20)) bs /= 2;
    return bs;
}

/* Callback on one block of squared distances d2 (ni, nj), row-major with
 * leading dimension nj, for set rows i0.. and j0..; diag: symmetric mode and
 * the diagonal block (only j > i is meaningful). */
typedef void (*pw_fn)(void *ctx, const double *d2, size_t i0, size_t ni, size_t j0, size_t nj,
                      int diag);

/* Copy rows [i0, i0+cnt) of r, minus the centre c, into buf; nrm gets their
 * squared norms. */
static void gather(double *buf, double *nrm, const rows_t *r, size_t i0, size_t cnt, size_t D,
                   const double *c)
{
    for (size_t i = 0; i < cnt; i++) {
        const double *p = set_row(r, i0 + i, D);
        double *q = buf + i * D, s = 0.0;
        for (size_t k = 0; k < D; k++) {
            double v = p[k] - c[k];
            q[k] = v;
            s += v * v;
        }
        nrm[i] = s;
    }
}

static int max_threads(void) { return team_threads(0); }

/* OpenBLAS single-threaded inside the parallel loops (as fate_run does);
 * returns the previous thread count, which blas_restore puts back. Callers
 * take omp_get_max_threads() before (an OpenMP build of OpenBLAS changes it).
 * Called from a caller's own parallel region (fate distance runs the pairs
 * in parallel), the thread count is the caller's to set (fate_blas_threads):
 * changing it here from several threads at once would race. */
static int blas_single(void)
{
    if (omp_in_parallel()) return 0;
    int t = blas_threads_get();
    blas_threads_set(1);
    return t;
}

static void blas_restore(int t)
{
    if (t > 0) blas_threads_set(t);
}

/* Squared distances between all rows of A and B, block by block, handed to
 * fn. sym: B is A and only blocks J >= I are visited. c: centre (D). */
static fate_status pw_run(const rows_t *A, const rows_t *B, size_t D, const double *c, int sym,
                          pw_fn fn, void *ctx)
{
    const size_t bs = block_rows(D);
    const size_t nbi = (A->n + bs - 1) / bs, nbj = (B->n + bs - 1) / bs;
    /* threads: at most one per row block, and one for small jobs (a parallel
     * region costs more than it saves there); never changes the result */
    int nt = max_threads();
    if ((size_t)nt > nbi) nt = (int)nbi;
    if ((double)A->n * (double)B->n * (double)(D + 8) < 4e6) nt = 1;
    const size_t per = 2 * bs * D + bs * bs + 2 * bs;
    double *ws = alloc_array((size_t)(nt > 0 ? nt : 1), per, sizeof *ws);
    if (!ws) return FATE_ENOMEM;
    const int blas_threads = blas_single();
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
    for (size_t bi = 0; bi < nbi; bi++) {
        double *w = ws + (size_t)omp_get_thread_num() * per;
        double *abuf = w, *bbuf = w + bs * D, *g = w + 2 * bs * D;
        double *an = g + bs * bs, *bn = an + bs;
        size_t i0 = bi * bs, ni = A->n - i0 < bs ? A->n - i0 : bs;
        gather(abuf, an, A, i0, ni, D, c);
        for (size_t bj = sym ? bi : 0; bj < nbj; bj++) {
            size_t j0 = bj * bs, nj = B->n - j0 < bs ? B->n - j0 : bs;
            int diag = sym && bj == bi;
            const double *bb = abuf, *bnn = an;
            if (!diag) {
                gather(bbuf, bn, B, j0, nj, D, c);
                bb = bbuf;
                bnn = bn;
            }
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)ni, (int)nj, (int)D, 1.0,
                        abuf, (int)D, bb, (int)D, 0.0, g, (int)nj);
            for (size_t i = 0; i < ni; i++) {
                double *gi = g + i * nj;
                for (size_t j = 0; j < nj; j++) {
                    double v = an[i] + bnn[j] - 2.0 * gi[j];
                    gi[j] = v > 0.0 ? v : 0.0;
                }
                if (diag) gi[i] = 0.0;
            }
            fn(ctx, g, i0, ni, j0, nj, diag);
        }
    }
    blas_restore(blas_threads);
    free(ws);
    return FATE_OK;
}

/* Mean of the rows of the pooled sample, summed in row order. */
static fate_status pooled_mean(double *c, const double *X, size_t n, const double *Y, size_t m,
                               size_t D)
{
    memset(c, 0, D * sizeof *c);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < D; k++) c[k] += X[i * D + k];
    for (size_t i = 0; i < m; i++)
        for (size_t k = 0; k < D; k++) c[k] += Y[i * D + k];
    for (size_t k = 0; k < D; k++) c[k] /= (double)(n + m);
    return FATE_OK;
}

/* ---- fate_pairwise_sqdist ---- */

typedef struct {
    double *out;
    size_t ld;
    int sym;
} copy_ctx;

static void copy_block(void *vc, const double *d2, size_t i0, size_t ni, size_t j0, size_t nj,
                       int diag)
{
    copy_ctx *c = vc;
    for (size_t i = 0; i < ni; i++)
        for (size_t j = diag ? i : 0; j < nj; j++) {
            c->out[(i0 + i) * c->ld + j0 + j] = d2[i * nj + j];
            /* symmetric mode: the mirror element (j0 + j, i0 + i) lies below
             * the diagonal, which no row block writes otherwise, so every
             * element is written once and by one thread */
            if (c->sym) c->out[(j0 + j) * c->ld + i0 + i] = d2[i * nj + j];
        }
}

fate_status fate_pairwise_sqdist(double *D2, const double *A, size_t na, const double *B,
                                 size_t nb, size_t D)
{
    /* the na x nb output must be addressable; checked before the data */
    if (!D2 || !bytes_ok(na, nb, sizeof *D2)) return FATE_EINVAL;
    fate_status st = check_sample(A, na, D, 1);
    if (st || (st = check_sample(B, nb, D, 1))) return st;
    int sym = A == B && na == nb;
    double *c = malloc(D * sizeof *c);
    if (!c) return FATE_ENOMEM;
    pooled_mean(c, A, na, B, nb, D);
    rows_t ra = rows_of(A, na), rb = rows_of(B, nb);
    copy_ctx cc = {D2, nb, sym};
    st = pw_run(&ra, &rb, D, c, sym, copy_block, &cc);
    free(c);
    return st;
}

/* ------------------------------------------------------------------------ */
/* Selection (median)                                                        */
/* ------------------------------------------------------------------------ */

static void swapd(double *a, double *b) { double t = *a; *a = *b; *b = t; }

/* Rearranges a so that a[k] is the k-th smallest (0-based), smaller ones
 * before it and larger ones after. Iterative quickselect with a
 * median-of-three pivot and a three-way partition (equal keys are cheap). */
static void select_kth(double *a, size_t n, size_t k)
{
    size_t lo = 0, hi = n; /* [lo, hi) */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        double x = a[lo], y = a[mid], z = a[hi - 1];
        double piv = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        /* Dutch flag: [lo, lt) < piv, [lt, i) == piv, (gt, hi) > piv */
        size_t lt = lo, i = lo, gt = hi;
        while (i < gt) {
            if (a[i] < piv) swapd(&a[lt++], &a[i++]);
            else if (a[i] > piv) swapd(&a[i], &a[--gt]);
            else i++;
        }
        if (k < lt) hi = lt;
        else if (k >= gt) lo = gt;
        else return;
    }
}

/* ---- median heuristic ---- */

enum { MEDIAN_MAX_ROWS = 2048 };

typedef struct {
    double *pairs;
    size_t N;
} tri_ctx;

/* Pair (i, j), i < j, of N rows goes to i N - i (i+1)/2 + j - i - 1. */
static void tri_block(void *vc, const double *d2, size_t i0, size_t ni, size_t j0, size_t nj,
                      int diag)
{
    tri_ctx *c = vc;
    for (size_t i = 0; i < ni; i++) {
        size_t gi = i0 + i, base = gi * c->N - gi * (gi + 1) / 2 - gi - 1;
        for (size_t j = diag ? i + 1 : 0; j < nj; j++) c->pairs[base + j0 + j] = d2[i * nj + j];
    }
}

/* Checked arguments. */
static fate_status median_heuristic(double *h, const double *X, size_t n, const double *Y,
                                    size_t m, size_t D)
{
    size_t N = n + m, S = N <= MEDIAN_MAX_ROWS ? N : MEDIAN_MAX_ROWS;
    size_t P = S * (S - 1) / 2;
    size_t *idx = malloc(S * sizeof *idx);
    double *pairs = malloc(P * sizeof *pairs), *c = malloc(D * sizeof *c);
    fate_status st = FATE_OK;
    if (!idx || !pairs || !c) { st = FATE_ENOMEM; goto done; }
    for (size_t k = 0; k < S; k++) idx[k] = S == N ? k : (size_t)((unsigned long long)k * N / S);
    pooled_mean(c, X, n, Y, m, D);
    rows_t r = {X, n, Y, idx, S};
    tri_ctx tc = {pairs, S};
    if ((st = pw_run(&r, &r, D, c, 1, tri_block, &tc))) goto done;
    /* median of distances = sqrt of the middle squared distance(s) */
    size_t k = (P - 1) / 2;
    select_kth(pairs, P, k);
    double med = sqrt(pairs[k]);
    if (P % 2 == 0) {
        double nxt = pairs[k + 1];
        for (size_t i = k + 2; i < P; i++) nxt = pairs[i] < nxt ? pairs[i] : nxt;
        med = 0.5 * (med + sqrt(nxt));
    }
    if (!(med > 0.0) || !isfinite(med)) { st = FATE_EINVAL; goto done; }
    *h = med;
done:
    free(idx);
    free(pairs);
    free(c);
    return st;
}

fate_status fate_median_heuristic(double *h, const double *X, size_t n, const double *Y,
                                  size_t m, size_t D)
{
    if (!h) return FATE_EINVAL;
    fate_status st = check_pair(X, n, Y, m, D);
    if (st) return st;
    return median_heuristic(h, X, n, Y, m, D);
}

/* ------------------------------------------------------------------------ */
/* MMD and energy distance                                                   */
/* ------------------------------------------------------------------------ */

static int kernel_ok(fate_kernel k)
{
    return k == FATE_KERNEL_GAUSSIAN || k == FATE_KERNEL_LAPLACE || k == FATE_KERNEL_ENERGY;
}

/* Kernel as a function of the squared distance; par = 1/(2h^2) (Gaussian) or
 * 1/h (Laplace). */
static inline double kern(fate_kernel k, double d2, double par)
{
    switch (k) {
    case FATE_KERNEL_GAUSSIAN: return exp(-d2 * par);
    case FATE_KERNEL_LAPLACE: return exp(-sqrt(d2) * par);
    default: return -sqrt(d2);
    }
}

static double kern_par(fate_kernel k, double h)
{
    return k == FATE_KERNEL_GAUSSIAN ? 1.0 / (2.0 * h * h) : k == FATE_KERNEL_LAPLACE ? 1.0 / h : 0.0;
}

typedef struct {
    fate_kernel kernel;
    double par;
    double *rowacc;
} ksum_ctx;

static void ksum_block(void *vc, const double *d2, size_t i0, size_t ni, size_t j0, size_t nj,
                       int diag)
{
    (void)j0;
    ksum_ctx *c = vc;
    for (size_t i = 0; i < ni; i++) {
        const double *di = d2 + i * nj;
        double s = 0.0;
        switch (c->kernel) {
        case FATE_KERNEL_GAUSSIAN:
            for (size_t j = diag ? i + 1 : 0; j < nj; j++) s += exp(-di[j] * c->par);
            break;
        case FATE_KERNEL_LAPLACE:
            for (size_t j = diag ? i + 1 : 0; j < nj; j++) s += exp(-sqrt(di[j]) * c->par);
            break;
        default:
            for (size_t j = diag ? i + 1 : 0; j < nj; j++) s -= sqrt(di[j]);
            break;
        }
        c->rowacc[i0 + i] += s;
    }
}

/* Sum of k over the pairs: sym: i < j within A; else all (i, j) of A x B. */
static fate_status kernel_sum(double *sum, const rows_t *A, const rows_t *B, size_t D,
                              const double *c, int sym, fate_kernel kernel, double par)
{
    double *acc = calloc(A->n, sizeof *acc);
    if (!acc) return FATE_ENOMEM;
    ksum_ctx kc = {kernel, par, acc};
    fate_status st = pw_run(A, sym ? A : B, D, c, sym, ksum_block, &kc);
    double s = 0.0;
    for (size_t i = 0; i < A->n; i++) s += acc[i];
    free(acc);
    *sum = s;
    return st;
}

/* Resolve the bandwidth: h > 0 as given, h <= 0 the median heuristic. */
static fate_status resolve_bandwidth(double *hu, double h, fate_kernel kernel, const double *X,
                                     size_t n, const double *Y, size_t m, size_t D)
{
    if (isnan(h) || isinf(h)) return FATE_EINVAL;
    if (kernel == FATE_KERNEL_ENERGY) { *hu = 0.0; return FATE_OK; }
    if (h > 0.0) { *hu = h; return FATE_OK; }
    return median_heuristic(hu, X, n, Y, m, D);
}

static fate_status mmd2_checked(double *out, const double *X, size_t n, const double *Y, size_t m,
                                size_t D, fate_kernel kernel, double h, int unbiased)
{
    double *c = malloc(D * sizeof *c);
    if (!c) return FATE_ENOMEM;
    pooled_mean(c, X, n, Y, m, D);
    double par = kern_par(kernel, h), sxx, syy, sxy;
    rows_t rx = rows_of(X, n), ry = rows_of(Y, m);
    fate_status st;
    if ((st = kernel_sum(&sxx, &rx, &rx, D, c, 1, kernel, par)) ||
        (st = kernel_sum(&syy, &ry, &ry, D, c, 1, kernel, par)) ||
        (st = kernel_sum(&sxy, &rx, &ry, D, c, 0, kernel, par))) {
        free(c);
        return st;
    }
    free(c);
    double dn = (double)n, dm = (double)m, k0 = kernel == FATE_KERNEL_ENERGY ? 0.0 : 1.0;
    double v;
    if (unbiased)
        v = 2.0 * sxx / (dn * (dn - 1.0)) + 2.0 * syy / (dm * (dm - 1.0)) - 2.0 * sxy / (dn * dm);
    else
        v = (2.0 * sxx + dn * k0) / (dn * dn) + (2.0 * syy + dm * k0) / (dm * dm) -
            2.0 * sxy / (dn * dm);
    if (!isfinite(v)) return FATE_ENUMERIC;
    *out = v;
    return FATE_OK;
}

fate_status fate_mmd2(double *mmd2, double *h_used, const double *X, size_t n, const double *Y,
                      size_t m, size_t D, fate_kernel kernel, double h, int unbiased)
{
    if (!mmd2 || !kernel_ok(kernel)) return FATE_EINVAL;
    fate_status st = check_pair(X, n, Y, m, D);
    if (st) return st;
    double hu;
    if ((st = resolve_bandwidth(&hu, h, kernel, X, n, Y, m, D))) return st;
    if ((st = mmd2_checked(mmd2, X, n, Y, m, D, kernel, hu, unbiased))) return st;
    if (h_used) *h_used = hu;
    return FATE_OK;
}

fate_status fate_energy_distance(double *energy, const double *X, size_t n, const double *Y,
                                 size_t m, size_t D, int unbiased)
{
    if (!energy) return FATE_EINVAL;
    fate_status st = check_pair(X, n, Y, m, D);
    if (st) return st;
    return mmd2_checked(energy, X, n, Y, m, D, FATE_KERNEL_ENERGY, 0.0, unbiased);
}

static double sqdist(const double *a, const double *b, size_t D)
{
    double s = 0.0;
    for (size_t k = 0; k < D; k++) {
        double t = a[k] - b[k];
        s += t * t;
    }
    return s;
}

fate_status fate_mmd2_linear(double *mmd2, double *se, double *h_used, const double *X,
                             size_t n, const double *Y, size_t m, size_t D, fate_kernel kernel,
                             double h)
{
    if (!mmd2 || !kernel_ok(kernel)) return FATE_EINVAL;
    fate_status st = check_pair(X, n, Y, m, D);
    if (st) return st;
    size_t p = (n < m ? n : m) / 2;
    if (p < 2) return FATE_EINVAL;
    double hu;
    if ((st = resolve_bandwidth(&hu, h, kernel, X, n, Y, m, D))) return st;
    double par = kern_par(kernel, hu);
    /* Welford running mean and variance of h_i, in order. */
    double mean = 0.0, m2 = 0.0;
    for (size_t i = 0; i < p; i++) {
        const double *x1 = X + 2 * i * D, *x2 = x1 + D, *y1 = Y + 2 * i * D, *y2 = y1 + D;
        double hi = kern(kernel, sqdist(x1, x2, D), par) + kern(kernel, sqdist(y1, y2, D), par) -
                    kern(kernel, sqdist(x1, y2, D), par) - kern(kernel, sqdist(x2, y1, D), par);
        double dlt = hi - mean;
        mean += dlt / (double)(i + 1);
        m2 += dlt * (hi - mean);
    }
    double sev = sqrt(m2 / (double)(p - 1) / (double)p);
    if (!isfinite(mean) || !isfinite(sev)) return FATE_ENUMERIC;
    *mmd2 = mean;
    if (se) *se = sev;
    if (h_used) *h_used = hu;
    return FATE_OK;
}

/* ------------------------------------------------------------------------ */
/* Assignment (shortest augmenting paths with potentials)                    */
/* ------------------------------------------------------------------------ */

fate_status fate_assignment(size_t *assign, double *total, const double *cost, size_t n)
{
    if (!assign || !cost || n < 1 || n > ((size_t)-1) / n / sizeof(double)) return FATE_EINVAL;
    if (!all_finite(cost, n * n)) return FATE_EINVAL;
    /* 1-based: row 0 / column 0 are the virtual start. p[j]: row matched to
     * column j; u, v: dual potentials with u_i + v_j <= c_ij. */
    double *u = calloc(n + 1, sizeof *u), *v = calloc(n + 1, sizeof *v);
    double *minv = malloc((n + 1) * sizeof *minv);
    size_t *p = calloc(n + 1, sizeof *p), *way = calloc(n + 1, sizeof *way);
    unsigned char *used = malloc(n + 1);
    if (!u || !v || !minv || !p || !way || !used) {
        free(u); free(v); free(minv); free(p); free(way); free(used);
        return FATE_ENOMEM;
    }
    for (size_t i = 1; i <= n; i++) {
        p[0] = i;
        size_t j0 = 0;
        for (size_t j = 0; j <= n; j++) {
            minv[j] = INFINITY;
            used[j] = 0;
        }
        do {
            used[j0] = 1;
            size_t i0 = p[j0], j1 = 0;
            double delta = INFINITY;
            const double *ci = cost + (i0 - 1) * n;
            for (size_t j = 1; j <= n; j++) {
                if (used[j]) continue;
                double cur = ci[j - 1] - u[i0] - v[j];
                if (cur < minv[j]) {
                    minv[j] = cur;
                    way[j] = j0;
                }
                if (minv[j] < delta) {
                    delta = minv[j];
                    j1 = j;
                }
            }
            for (size_t j = 0; j <= n; j++) {
                if (used[j]) {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
        } while (p[j0] != 0);
        do {
            size_t j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
        } while (j0);
    }
    for (size_t j = 1; j <= n; j++) assign[p[j] - 1] = j - 1;
    if (total) {
        double s = 0.0;
        for (size_t i = 0; i < n; i++) s += cost[i * n + assign[i]];
        *total = s;
    }
    free(u); free(v); free(minv); free(p); free(way); free(used);
    return FATE_OK;
}

/* ------------------------------------------------------------------------ */
/* Wasserstein                                                               */
/* ------------------------------------------------------------------------ */

static inline double powp(double t, double p)
{
    t = fabs(t);
    return p == 1.0 ? t : p == 2.0 ? t * t : pow(t, p);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* W_p^p between sorted x (n) and sorted y (m): quantile coupling on the
 * breakpoints k/n, l/m, in units of 1/(n m). */
static double w1d_sorted_pp(const double *x, size_t n, const double *y, size_t m, double p)
{
    unsigned long long pos = 0, N = n, M = m;
    size_t i = 0, j = 0;
    double acc = 0.0;
    while (i < n && j < m) {
        unsigned long long nx = (i + 1) * M, ny = (j + 1) * N, nxt = nx < ny ? nx : ny;
        acc += (double)(nxt - pos) * powp(x[i] - y[j], p);
        pos = nxt;
        if (nx == nxt) i++;
        if (ny == nxt) j++;
    }
    return acc / ((double)n * (double)m);
}

static int p_ok(double p) { return p >= 1.0 && isfinite(p); }

fate_status fate_wasserstein_1d(double *w, const double *x, size_t n, const double *y, size_t m,
                                double p)
{
    if (!w || !x || !y || n < 1 || m < 1 || !p_ok(p)) return FATE_EINVAL;
    if (n > FATE_INT_MAX || m > FATE_INT_MAX) return FATE_EINVAL; /* as every sample size */
    if (!all_finite(x, n) || !all_finite(y, m)) return FATE_EINVAL;
    double *a = malloc((n + m) * sizeof *a);
    if (!a) return FATE_ENOMEM;
    double *b = a + n;
    memcpy(a, x, n * sizeof *a);
    memcpy(b, y, m * sizeof *b);
    qsort(a, n, sizeof *a, cmp_double);
    qsort(b, m, sizeof *b, cmp_double);
    double v = pow(w1d_sorted_pp(a, n, b, m, p), 1.0 / p);
    free(a);
    if (!isfinite(v)) return FATE_ENUMERIC;
    *w = v;
    return FATE_OK;
}

fate_status fate_wasserstein_exact(double *w, const double *X, const double *Y, size_t n,
                                   size_t D, double p)
{
    /* the n x n cost matrix must be addressable; checked before the data */
    if (!w || !p_ok(p) || !bytes_ok(n, n, sizeof(double))) return FATE_EINVAL;
    fate_status st = check_pair(X, n, Y, n, D);
    if (st) return st;
    double *C = alloc_array(n, n, sizeof *C), *c = malloc(D * sizeof *c);
    size_t *as = malloc(n * sizeof *as);
    if (!C || !c || !as) { st = FATE_ENOMEM; goto done; }
    pooled_mean(c, X, n, Y, n, D);
    rows_t rx = rows_of(X, n), ry = rows_of(Y, n);
    copy_ctx cc = {C, n, 0};
    if ((st = pw_run(&rx, &ry, D, c, 0, copy_block, &cc))) goto done;
    if (p != 2.0)
        for (size_t i = 0; i < n * n; i++) C[i] = powp(sqrt(C[i]), p);
    double tot;
    if ((st = fate_assignment(as, &tot, C, n))) goto done;
    double v = pow(tot / (double)n, 1.0 / p);
    if (!isfinite(v)) { st = FATE_ENUMERIC; goto done; }
    *w = v;
done:
    free(C);
    free(c);
    free(as);
    return st;
}

fate_status fate_random_directions(double *dirs, size_t L, size_t D, uint64_t seed,
                                   uint64_t instance)
{
    if (!dirs || L < 1 || !shape_ok(L, D)) return FATE_EINVAL;
    for (size_t l = 0; l < L; l++) {
        double *w = dirs + l * D;
        fate_normal_fill(w, D, seed, instance, FATE_STREAM_DIRECTIONS, (uint64_t)l * D);
        double s = 0.0;
        for (size_t k = 0; k < D; k++) s += w[k] * w[k];
        s = sqrt(s);
        if (!(s > 0.0)) return FATE_ENUMERIC; /* probability 0 */
        for (size_t k = 0; k < D; k++) w[k] /= s;
    }
    return FATE_OK;
}

/* Unit copies of the rows of dirs (L, D); FATE_EINVAL on a zero or
 * non-finite row. */
static fate_status unit_dirs(double **out, const double *dirs, size_t L, size_t D)
{
    *out = NULL;
    if (L == 0) return FATE_OK;
    if (!dirs || !shape_ok(L, D) || !all_finite(dirs, L * D)) return FATE_EINVAL;
    double *u = alloc_array(L, D, sizeof *u);
    if (!u) return FATE_ENOMEM;
    for (size_t l = 0; l < L; l++) {
        const double *w = dirs + l * D;
        double s = 0.0;
        for (size_t k = 0; k < D; k++) s += w[k] * w[k];
        s = sqrt(s);
        if (!(s > 0.0) || !isfinite(s)) { free(u); return FATE_EINVAL; }
        for (size_t k = 0; k < D; k++) u[l * D + k] = w[k] / s;
    }
    *out = u;
    return FATE_OK;
}

enum { DIR_CHUNK = 64 };

/* Projections P (rows, c) = A (rows, D) W^T for c unit directions W (c, D). */
static void project(double *P, const double *A, size_t rows, const double *W, size_t c, size_t D)
{
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)c, (int)D, 1.0, A, (int)D,
                W, (int)D, 0.0, P, (int)c);
}

/* Checked arguments; u: unit directions (L, D). */
static fate_status sliced_checked(double *sw, double *per_dir, const double *X, size_t n,
                                  const double *Y, size_t m, size_t D, double p, const double *u,
                                  size_t L)
{
    const int nt = max_threads();
    size_t ch = L < DIR_CHUNK ? L : DIR_CHUNK;
    double *PX = alloc_array(n, ch, sizeof *PX), *PY = alloc_array(m, ch, sizeof *PY);
    double *pp = malloc(L * sizeof *pp), *buf = alloc_array((size_t)nt, (n + m), sizeof *buf);
    fate_status st = FATE_OK;
    if (!PX || !PY || !pp || !buf) { st = FATE_ENOMEM; goto done; }
    const int blas_threads = blas_single();
    for (size_t l0 = 0; l0 < L; l0 += ch) {
        size_t c = L - l0 < ch ? L - l0 : ch;
        project(PX, X, n, u + l0 * D, c, D);
        project(PY, Y, m, u + l0 * D, c, D);
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
        for (size_t l = 0; l < c; l++) {
            double *a = buf + (size_t)omp_get_thread_num() * (n + m), *b = a + n;
            for (size_t i = 0; i < n; i++) a[i] = PX[i * c + l];
            for (size_t i = 0; i < m; i++) b[i] = PY[i * c + l];
            qsort(a, n, sizeof *a, cmp_double);
            qsort(b, m, sizeof *b, cmp_double);
            pp[l0 + l] = w1d_sorted_pp(a, n, b, m, p);
        }
    }
    blas_restore(blas_threads);
    double s = 0.0;
    for (size_t l = 0; l < L; l++) s += pp[l];
    double v = pow(s / (double)L, 1.0 / p);
    if (!isfinite(v)) { st = FATE_ENUMERIC; goto done; }
    *sw = v;
    if (per_dir) memcpy(per_dir, pp, L * sizeof *pp);
done:
    free(PX);
    free(PY);
    free(pp);
    free(buf);
    return st;
}

fate_status fate_sliced_wasserstein_dirs(double *sw, double *per_dir, const double *X, size_t n,
                                         const double *Y, size_t m, size_t D, double p,
                                         const double *dirs, size_t L)
{
    if (!sw || !p_ok(p) || L < 1) return FATE_EINVAL;
    fate_status st = check_pair(X, n, Y, m, D);
    if (st) return st;
    double *u;
    if ((st = unit_dirs(&u, dirs, L, D))) return st;
    st = sliced_checked(sw, per_dir, X, n, Y, m, D, p, u, L);
    free(u);
    return st;
}

fate_status fate_sliced_wasserstein(double *sw, double *per_dir, const double *X, size_t n,
                                    const double *Y, size_t m, size_t D, double p, size_t L,
                                    uint64_t seed, uint64_t instance)
{
    if (!sw || !p_ok(p) || L < 1) return FATE_EINVAL;
    fate_status st = check_pair(X, n, Y, m, D);
    if (st) return st;
    if (!shape_ok(L, D)) return FATE_EINVAL;
    double *u = alloc_array(L, D, sizeof *u);
    if (!u) return FATE_ENOMEM;
    if ((st = fate_random_directions(u, L, D, seed, instance)) == FATE_OK)
        st = sliced_checked(sw, per_dir, X, n, Y, m, D, p, u, L);
    free(u);
    return st;
}

/* ------------------------------------------------------------------------ */
/* k nearest neighbours                                                      */
/* ------------------------------------------------------------------------ */

/* Per query row, the k nearest reference rows under the lexicographic order
 * of (d2, index) (so ties go to the lower index), optionally excluding the
 * reference row with the query's own index. Each row keeps a binary max-heap
 * of its k best (d2, index) pairs: the SET kept does not depend on the order
 * in which candidates arrive, only which one is at which heap slot does. */
typedef struct {
    size_t k;
    double *kd2;   /* (nq, k) heap keys */
    size_t *kidx;  /* (nq, k) heap indices */
    size_t *cnt;   /* (nq) */
    int exclude_self;
} knn_ctx;

static inline int knn_greater(double d1, size_t i1, double d2, size_t i2)
{
    return d1 > d2 || (d1 == d2 && i1 > i2);
}

static void heap_sift_down(double *kd, size_t *ki, size_t n, size_t pos)
{
    for (;;) {
        size_t l = 2 * pos + 1, r = l + 1, big = pos;
        if (l < n && knn_greater(kd[l], ki[l], kd[big], ki[big])) big = l;
        if (r < n && knn_greater(kd[r], ki[r], kd[big], ki[big])) big = r;
        if (big == pos) return;
        double td = kd[pos]; kd[pos] = kd[big]; kd[big] = td;
        size_t ti = ki[pos]; ki[pos] = ki[big]; ki[big] = ti;
        pos = big;
    }
}

static void knn_block(void *vc, const double *d2, size_t i0, size_t ni, size_t j0, size_t nj,
                      int diag)
{
    (void)diag;
    knn_ctx *c = vc;
    const size_t k = c->k;
    for (size_t i = 0; i < ni; i++) {
        size_t q = i0 + i, n = c->cnt[q];
        double *kd = c->kd2 + q * k;
        size_t *ki = c->kidx + q * k;
        for (size_t j = 0; j < nj; j++) {
            size_t r = j0 + j;
            if (c->exclude_self && r == q) continue;
            double v = d2[i * nj + j];
            if (n < k) { /* push and sift up */
                size_t pos = n++;
                while (pos > 0) {
                    size_t par = (pos - 1) / 2;
                    if (!knn_greater(v, r, kd[par], ki[par])) break;
                    kd[pos] = kd[par];
                    ki[pos] = ki[par];
                    pos = par;
                }
                kd[pos] = v;
                ki[pos] = r;
            } else if (knn_greater(kd[0], ki[0], v, r)) { /* replace the largest */
                kd[0] = v;
                ki[0] = r;
                heap_sift_down(kd, ki, k, 0);
            }
        }
        c->cnt[q] = n;
    }
}

/* kNN of the rows of Q among the rows of R (both row sets), centre c. */
static fate_status knn_run(knn_ctx *kc, const rows_t *Q, const rows_t *R, size_t D,
                           const double *c, size_t k, int exclude_self)
{
    kc->k = k;
    kc->exclude_self = exclude_self;
    kc->kd2 = alloc_array(Q->n, k, sizeof *kc->kd2);
    kc->kidx = alloc_array(Q->n, k, sizeof *kc->kidx);
    kc->cnt = calloc(Q->n, sizeof *kc->cnt);
    if (!kc->kd2 || !kc->kidx || !kc->cnt) return FATE_ENOMEM;
    return pw_run(Q, R, D, c, 0, knn_block, kc);
}

static void knn_free(knn_ctx *kc)
{
    free(kc->kd2);
    free(kc->kidx);
    free(kc->cnt);
}

fate_status fate_knn_kl(double *kl, double *se, const double *X, size_t n, const double *Y,
                        size_t m, size_t D, size_t k)
{
    if (!kl) return FATE_EINVAL;
    fate_status st = check_pair(X, n, Y, m, D);
    if (st) return st;
    if (k < 1 || k >= n || k >= m) return FATE_EINVAL;
    knn_ctx a = {0}, b = {0};
    double *c = malloc(D * sizeof *c);
    if (!c) return FATE_ENOMEM;
    pooled_mean(c, X, n, Y, m, D);
    rows_t rx = rows_of(X, n), ry = rows_of(Y, m);
    if ((st = knn_run(&a, &rx, &rx, D, c, k, 1)) || (st = knn_run(&b, &rx, &ry, D, c, k, 0)))
        goto done;
    /* log ratios with the k-th distances recomputed directly */
    double mean = 0.0, m2 = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double *xi = X + i * D;
        double rho = sqrt(sqdist(xi, X + a.kidx[i * k] * D, D)); /* heap tops */
        double nu = sqrt(sqdist(xi, Y + b.kidx[i * k] * D, D));
        if (!(rho > 0.0) || !(nu > 0.0)) { st = FATE_EINVAL; goto done; }
        double t = log(nu / rho), dlt = t - mean;
        mean += dlt / (double)(i + 1);
        m2 += dlt * (t - mean);
    }
    double v = (double)D * mean + log((double)m / (double)(n - 1));
    double sev = (double)D * sqrt(m2 / (double)(n - 1) / (double)n);
    if (!isfinite(v) || !isfinite(sev)) { st = FATE_ENUMERIC; goto done; }
    *kl = v;
    if (se) *se = sev;
done:
    knn_free(&a);
    knn_free(&b);
    free(c);
    return st;
}

/* Running mean / variance (Welford). */
typedef struct { double mean, m2; size_t n; } welford;
static void wf_add(welford *w, double x)
{
    w->n++;
    double d = x - w->mean;
    w->mean += d / (double)w->n;
    w->m2 += d * (x - w->mean);
}
static double wf_var(const welford *w) { return w->n > 1 ? w->m2 / (double)(w->n - 1) : 0.0; }

fate_status fate_knn_tv_js(double *tv, double *js, double *tv_se, double *js_se, const double *X,
                           size_t n, const double *Y, size_t m, size_t D, size_t k)
{
    fate_status st = check_pair(X, n, Y, m, D);
    if (st) return st;
    if (k < 1 || 2 * k > n || 2 * k > m) return FATE_EINVAL;
    size_t N = n + m;
    double *c = malloc(D * sizeof *c);
    size_t *idx = alloc_array(2, N, sizeof *idx);
    if (!c || !idx) { free(c); free(idx); return FATE_ENOMEM; }
    pooled_mean(c, X, n, Y, m, D);
    /* fold f: X rows f, f+2, ... then Y rows f, f+2, ... (pooled indices) */
    size_t *fold[2] = {idx, idx + N}, fn[2], fm[2];
    for (int f = 0; f < 2; f++) {
        size_t t = 0;
        for (size_t i = (size_t)f; i < n; i += 2) fold[f][t++] = i;
        fn[f] = t;
        for (size_t i = (size_t)f; i < m; i += 2) fold[f][t++] = n + i;
        fm[f] = t - fn[f];
    }
    double tvf[2], jsf[2];
    welford wtx = {0}, wty = {0}, wjx = {0}, wjy = {0};
    for (int f = 0; f < 2 && st == FATE_OK; f++) {
        int g = 1 - f; /* training fold */
        rows_t test = {X, n, Y, fold[f], fn[f] + fm[f]};
        rows_t train = {X, n, Y, fold[g], fn[g] + fm[g]};
        knn_ctx kc = {0};
        if ((st = knn_run(&kc, &test, &train, D, c, k, 0)) == FATE_OK) {
            double pi = (double)fn[g] / (double)(fn[g] + fm[g]);
            double sx = 0.0, sy = 0.0, lx = 0.0, ly = 0.0;
            for (size_t q = 0; q < test.n; q++) {
                size_t B = 0;
                for (size_t r = 0; r < k; r++) B += kc.kidx[q * k + r] < fn[g];
                double eta = ((double)B + 0.5) / ((double)k + 1.0);
                double a = eta * (1.0 - pi), b = (1.0 - eta) * pi, t = a / (a + b);
                double fz = a > b ? 1.0 : a < b ? -1.0 : 0.0;
                if (q < fn[f]) {
                    double lg = log(2.0 * t);
                    sx += fz;
                    lx += lg;
                    wf_add(&wtx, fz);
                    wf_add(&wjx, lg);
                } else {
                    double lg = log(2.0 * b / (a + b));
                    sy += fz;
                    ly += lg;
                    wf_add(&wty, fz);
                    wf_add(&wjy, lg);
                }
            }
            tvf[f] = 0.5 * (sx / (double)fn[f] - sy / (double)fm[f]);
            jsf[f] = 0.5 * (lx / (double)fn[f] + ly / (double)fm[f]);
        }
        knn_free(&kc);
    }
    free(c);
    free(idx);
    if (st) return st;
    double tvv = 0.5 * (tvf[0] + tvf[1]), jsv = 0.5 * (jsf[0] + jsf[1]);
    double tse = 0.5 * sqrt(wf_var(&wtx) / (double)n + wf_var(&wty) / (double)m);
    double jse = 0.5 * sqrt(wf_var(&wjx) / (double)n + wf_var(&wjy) / (double)m);
    if (!isfinite(tvv) || !isfinite(jsv) || !isfinite(tse) || !isfinite(jse)) return FATE_ENUMERIC;
    if (tv) *tv = tvv;
    if (js) *js = jsv;
    if (tv_se) *tv_se = tse;
    if (js_se) *js_se = jse;
    return FATE_OK;
}

/* ------------------------------------------------------------------------ */
/* Bounded-Lipschitz lower bound                                             */
/* ------------------------------------------------------------------------ */

enum { BL_NR = 25 };

typedef struct { double u, c; } uc_t;

static int cmp_uc(const void *a, const void *b)
{
    const uc_t *x = a, *y = b;
    if (x->u != y->u) return (x->u > y->u) - (x->u < y->u);
    return (x->c > y->c) - (x->c < y->c);
}

/* max over b and the r grid of |sum_i c_i clip(u_i - b, -r, r)| / (1 + r)
 * for values sorted by u. */
static double bl_sweep(const uc_t *s, size_t N)
{
    double rho = s[N - 1].u - s[0].u, best = 0.0;
    if (!(rho > 0.0)) return 0.0;
    for (int j = 0; j < BL_NR; j++) {
        double r = rho * exp2(-0.5 * j);
        size_t a = 0, b = 0;
        double G = 0.0, slope = 0.0, prev = s[0].u - r, mx = 0.0;
        while (a < N || b < N) {
            double pa = a < N ? s[a].u - r : INFINITY, pb = b < N ? s[b].u + r : INFINITY;
            double pos;
            if (pa <= pb) {
                pos = pa;
                G += slope * (pos - prev);
                slope -= s[a++].c;
            } else {
                pos = pb;
                G += slope * (pos - prev);
                slope += s[b++].c;
            }
            prev = pos;
            double ag = fabs(G);
            if (ag > mx) mx = ag;
        }
        double v = mx / (1.0 + r);
        if (v > best) best = v;
    }
    return best;
}

/* Checked arguments; u: unit directions (L, D), may be NULL when L == 0. */
static fate_status bl_checked(double *bl, const double *X, size_t n, const double *Y, size_t m,
                              size_t D, const double *u, size_t L)
{
    const int nt = max_threads();
    const size_t N = n + m, G = L + 2;
    size_t ch = L < DIR_CHUNK ? (L ? L : 1) : DIR_CHUNK;
    double *PX = alloc_array(n, ch, sizeof *PX), *PY = alloc_array(m, ch, sizeof *PY);
    double *val = calloc(G, sizeof *val), *mx = calloc(D, sizeof *mx), *my = calloc(D, sizeof *my);
    uc_t *buf = alloc_array((size_t)nt, N, sizeof *buf);
    fate_status st = FATE_OK;
    if (!PX || !PY || !val || !mx || !my || !buf) { st = FATE_ENOMEM; goto done; }
    const double cx = 1.0 / (double)n, cy = -1.0 / (double)m;
    const int blas_threads = blas_single();
    for (size_t l0 = 0; l0 < L; l0 += ch) {
        size_t c = L - l0 < ch ? L - l0 : ch;
        project(PX, X, n, u + l0 * D, c, D);
        project(PY, Y, m, u + l0 * D, c, D);
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
        for (size_t l = 0; l < c; l++) {
            uc_t *s = buf + (size_t)omp_get_thread_num() * N;
            for (size_t i = 0; i < n; i++) s[i] = (uc_t){PX[i * c + l], cx};
            for (size_t i = 0; i < m; i++) s[n + i] = (uc_t){PY[i * c + l], cy};
            qsort(s, N, sizeof *s, cmp_uc);
            val[l0 + l] = bl_sweep(s, N);
        }
    }
    blas_restore(blas_threads);
    /* radial functions around the two sample means */
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < D; k++) mx[k] += X[i * D + k];
    for (size_t i = 0; i < m; i++)
        for (size_t k = 0; k < D; k++) my[k] += Y[i * D + k];
    for (size_t k = 0; k < D; k++) {
        mx[k] /= (double)n;
        my[k] /= (double)m;
    }
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
    for (int g = 0; g < 2; g++) {
        const double *ctr = g == 0 ? mx : my;
        uc_t *s = buf + (size_t)omp_get_thread_num() * N;
        for (size_t i = 0; i < n; i++) s[i] = (uc_t){sqrt(sqdist(X + i * D, ctr, D)), cx};
        for (size_t i = 0; i < m; i++) s[n + i] = (uc_t){sqrt(sqdist(Y + i * D, ctr, D)), cy};
        qsort(s, N, sizeof *s, cmp_uc);
        val[L + (size_t)g] = bl_sweep(s, N);
    }
    double best = 0.0;
    for (size_t g = 0; g < G; g++) best = val[g] > best ? val[g] : best;
    if (!isfinite(best)) { st = FATE_ENUMERIC; goto done; }
    *bl = best;
done:
    free(PX);
    free(PY);
    free(val);
    free(mx);
    free(my);
    free(buf);
    return st;
}

fate_status fate_bl_lower_dirs(double *bl, const double *X, size_t n, const double *Y, size_t m,
                               size_t D, const double *dirs, size_t L)
{
    if (!bl) return FATE_EINVAL;
    fate_status st = check_pair(X, n, Y, m, D);
    if (st) return st;
    double *u;
    if ((st = unit_dirs(&u, dirs, L, D))) return st;
    st = bl_checked(bl, X, n, Y, m, D, u, L);
    free(u);
    return st;
}

fate_status fate_bl_lower(double *bl, const double *X, size_t n, const double *Y, size_t m,
                          size_t D, size_t L, uint64_t seed, uint64_t instance)
{
    if (!bl) return FATE_EINVAL;
    fate_status st = check_pair(X, n, Y, m, D);
    if (st) return st;
    if (L == 0) return bl_checked(bl, X, n, Y, m, D, NULL, 0);
    if (!shape_ok(L, D)) return FATE_EINVAL;
    double *u = alloc_array(L, D, sizeof *u);
    if (!u) return FATE_ENOMEM;
    if ((st = fate_random_directions(u, L, D, seed, instance)) == FATE_OK)
        st = bl_checked(bl, X, n, Y, m, D, u, L);
    free(u);
    return st;
}
