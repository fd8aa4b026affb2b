/* rank_stats.c - Spearman, Kendall tau-b and their percentile bootstrap
 * (see rank_stats.h). O(m log m) ranks, O(m^2) Kendall: the pairs of a
 * benchmark number in the hundreds. */
#include "rank_stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fate.h"

typedef struct rk { double v; size_t i; } rk;

static int cmp_rk(const void *a, const void *b)
{
    const rk *x = a, *y = b;
    if (x->v < y->v) return -1;
    if (x->v > y->v) return 1;
    return (x->i > y->i) - (x->i < y->i);
}

/* Ranks 1..m, ties given their average rank. */
static void ranks(double *r, const double *x, size_t m, rk *tmp)
{
    for (size_t i = 0; i < m; i++) tmp[i] = (rk){x[i], i};
    qsort(tmp, m, sizeof *tmp, cmp_rk);
    for (size_t i = 0; i < m;) {
        size_t j = i;
        while (j + 1 < m && tmp[j + 1].v == tmp[i].v) j++;
        const double avg = 0.5 * (double)(i + j) + 1.0;
        for (size_t k = i; k <= j; k++) r[tmp[k].i] = avg;
        i = j + 1;
    }
}

/* The finite pairs of (x, y) into a, b; their count. */
static size_t finite_pairs(double *a, double *b, const double *x, const double *y, size_t n)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]) && isfinite(y[i])) a[m] = x[i], b[m] = y[i], m++;
    return m;
}

static double pearson(const double *a, const double *b, size_t m)
{
    double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
    for (size_t i = 0; i < m; i++) ma += a[i], mb += b[i];
    ma /= (double)m;
    mb /= (double)m;
    for (size_t i = 0; i < m; i++) {
        sab += (a[i] - ma) * (b[i] - mb);
        saa += (a[i] - ma) * (a[i] - ma);
        sbb += (b[i] - mb) * (b[i] - mb);
    }
    return saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : NAN;
}

/* On m finite entries; work: 2m doubles and m rk. */
static double spearman_m(const double *a, const double *b, size_t m, double *w, rk *tmp)
{
    if (m < 3) return NAN;
    ranks(w, a, m, tmp);
    ranks(w + m, b, m, tmp);
    return pearson(w, w + m, m);
}

static double kendall_m(const double *a, const double *b, size_t m)
{
    if (m < 3) return NAN;
    double conc = 0, disc = 0, tx = 0, ty = 0;
    for (size_t i = 0; i < m; i++)
        for (size_t j = i + 1; j < m; j++) {
            const double dx = a[i] - a[j], dy = b[i] - b[j];
            if (dx == 0 && dy == 0) continue; /* tied in both: in neither count */
            if (dx == 0) tx++;
            else if (dy == 0) ty++;
            else if ((dx > 0) == (dy > 0)) conc++;
            else disc++;
        }
    const double n1 = conc + disc + tx, n2 = conc + disc + ty; /* pairs not tied in y, in x */
    return n1 > 0 && n2 > 0 ? (conc - disc) / sqrt(n1 * n2) : NAN;
}

double rank_spearman(const double *x, const double *y, size_t n, size_t *used)
{
    double *a = malloc((4 * n + 1) * sizeof *a);
    rk *tmp = malloc((n + 1) * sizeof *tmp);
    double rho = NAN;
    size_t m = 0;
    if (a && tmp) {
        m = finite_pairs(a, a + n, x, y, n);
        rho = spearman_m(a, a + n, m, a + 2 * n, tmp);
    }
    if (used) *used = m;
    free(a);
    free(tmp);
    return rho;
}

double rank_kendall(const double *x, const double *y, size_t n, size_t *used)
{
    double *a = malloc((2 * n + 1) * sizeof *a);
    double tau = NAN;
    size_t m = 0;
    if (a) {
        m = finite_pairs(a, a + n, x, y, n);
        tau = kendall_m(a, a + n, m);
    }
    if (used) *used = m;
    free(a);
    return tau;
}

static int cmp_double(const void *p, const void *q)
{
    const double a = *(const double *)p, b = *(const double *)q;
    return (a > b) - (a < b);
}

/* The 2.5% and 97.5% points of the finite values of v (B of them). */
static void percentile_ci(double *lo, double *hi, double *v, size_t B)
{
    size_t k = 0;
    for (size_t i = 0; i < B; i++)
        if (isfinite(v[i])) v[k++] = v[i];
    *lo = *hi = NAN;
    if (k == 0 || 2 * k < B) return;
    qsort(v, k, sizeof *v, cmp_double);
    *lo = v[(size_t)floor(0.025 * (double)(k - 1))];
    *hi = v[(size_t)ceil(0.975 * (double)(k - 1))];
}

int rank_bootstrap(rank_ci *out, const double *x, const double *y, size_t n, size_t B, uint64_t seed,
                   uint64_t stream)
{
    double *a = malloc((6 * n + 2 * B + 1) * sizeof *a);
    rk *tmp = malloc((n + 1) * sizeof *tmp);
    if (!a || !tmp) {
        free(a);
        free(tmp);
        return -1;
    }
    double *b = a + n, *ra = a + 2 * n, *rb = a + 3 * n, *w = a + 4 * n, *vs = a + 6 * n, *vk = vs + B;
    const size_t m = finite_pairs(a, b, x, y, n);
    out->used = m;
    out->spearman = spearman_m(a, b, m, w, tmp);
    out->kendall = kendall_m(a, b, m);
    for (size_t r = 0; r < B; r++) {
        /* resample r draws its m indices from uniforms (seed, r) on `stream` */
        for (size_t i = 0; i < m; i++) {
            size_t j = (size_t)(fate_uniform_at(seed, r, stream, i) * (double)m);
            if (j >= m) j = m - 1;
            ra[i] = a[j], rb[i] = b[j];
        }
        vs[r] = spearman_m(ra, rb, m, w, tmp);
        vk[r] = kendall_m(ra, rb, m);
    }
    percentile_ci(&out->spearman_lo, &out->spearman_hi, vs, B);
    percentile_ci(&out->kendall_lo, &out->kendall_hi, vk, B);
    free(a);
    free(tmp);
    return 0;
}
