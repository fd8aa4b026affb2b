/* gram2.c - full-batch GD of a depth-2 linear network carried in Gram form.
 *
 * With beta = W_1 w_2 (d), G = W_1 W_1^T (d, d) and s = |w_2|^2, one GD step
 * with weight decay wd (c = 2 lr, g = S beta - b, rho = 1 - c wd; train.c's
 * convention, both gradients at the old point)
 *   W_1' = rho W_1 - c g w_2^T,   w_2' = rho w_2 - c W_1^T g
 * gives, by expanding the products W_1' w_2', W_1' W_1'^T and |w_2'|^2,
 *   beta' = rho^2 beta - rho c (G g + s g) + c^2 (beta.g) g
 *   G'    = rho^2 G - rho c (beta g^T + g beta^T) + c^2 s g g^T
 *   s'    = rho^2 s - 2 rho c beta.g + c^2 g.G.g
 * a closed recursion: the loss, the gradient direction, the decay term
 * |W_1|^2 + |w_2|^2 = tr G + s and the gradient norm (gram2_decay) depend on
 * the weights only through (beta, G, s), so the trajectory of beta is the
 * W-form trajectory exactly (up to rounding), whatever the width k. Without
 * decay rho = 1 exactly. One step reads and writes the upper triangle of G
 * once (d^2/2 elements) instead of reading W_1 (d, k) twice and writing it
 * once. G is stored packed (row i holds G_ii .. G_i,d-1, BLAS "packed upper,
 * row major"): the pass then streams one contiguous d (d+1)/2 block, which
 * measured 20% faster at d = 500 than the triangle of a d x d array.
 *
 * The layer balance |W_1^T W_1 - w_2 w_2^T|_F (fate_dln_balance) is carried
 * by its own exact recursion: B = W_1^T W_1 - w_2 w_2^T becomes
 * rho^2 B + c^2 E, E = |g|^2 w_2 w_2^T - a a^T with a = W_1^T g, so
 *   |B'|^2 = rho^4 |B|^2 + 2 rho^2 c^2 <B, E> + c^4 |E|^2,
 *   <B, E> = |g|^2 (|beta|^2 - s^2) - (|G g|^2 - (beta.g)^2),
 *   |E|^2  = |g|^4 s^2 - 2 |g|^2 (beta.g)^2 + (g.G.g)^2,
 * all from (beta, G, s). Forming |B|^2 from traces (|G|_F^2 - 2|beta|^2 +
 * s^2) instead would cancel catastrophically near balance.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>

#include "fate.h"
#include "internal.h"

void gram2_free(gram2_t *m)
{
    free(m->G);
    free(m->beta);
    free(m->u);
    memset(m, 0, sizeof *m);
}

size_t gram2_packed_size(size_t d)
{
    return d * (d + 1) / 2;
}

static fate_status gram2_alloc(gram2_t *m, size_t d)
{
    memset(m, 0, sizeof *m);
    m->d = d;
    m->G = malloc(gram2_packed_size(d) * sizeof *m->G);
    m->beta = malloc(d * sizeof *m->beta);
    m->u = malloc(d * sizeof *m->u);
    if (!m->G || !m->beta || !m->u) {
        gram2_free(m);
        return FATE_ENOMEM;
    }
    return FATE_OK;
}

fate_status gram2_from_params(gram2_t *m, const double *params, const fate_dln_shape *sh)
{
    if (!params || !dln_shape_ok(sh) || sh->depth != 2) return FATE_EINVAL;
    const size_t d = sh->d, k = sh->width;
    fate_status st = gram2_alloc(m, d);
    if (st != FATE_OK) return st;
    const double *w2 = params + d * k;
    /* G = W_1 W_1^T: dsyrk into a full array, then its upper triangle packed */
    double *full = calloc_array(d, d, sizeof *full);
    if (!full) {
        gram2_free(m);
        return FATE_ENOMEM;
    }
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)d, (int)k, 1.0, params, (int)k, 0.0,
                full, (int)d);
    double *dst = m->G;
    for (size_t i = 0; i < d; i++) {
        memcpy(dst, full + i * d + i, (d - i) * sizeof *dst);
        dst += d - i;
    }
    free(full);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)d, (int)k, 1.0, params, (int)k, w2, 1, 0.0,
                m->beta, 1);
    double s = 0.0;
    for (size_t j = 0; j < k; j++) s += w2[j] * w2[j];
    m->s = s;
    double bal;
    if ((st = fate_dln_balance(&bal, params, sh)) != FATE_OK) {
        gram2_free(m);
        return st;
    }
    m->bal2 = bal * bal;
    return FATE_OK;
}

fate_status gram2_copy(gram2_t *dst, const gram2_t *src)
{
    fate_status st = gram2_alloc(dst, src->d);
    if (st != FATE_OK) return st;
    const size_t d = src->d;
    memcpy(dst->G, src->G, gram2_packed_size(d) * sizeof *dst->G);
    memcpy(dst->beta, src->beta, d * sizeof *dst->beta);
    dst->s = src->s;
    dst->bal2 = src->bal2;
    return FATE_OK;
}

/* One pass over the packed upper triangle of G that both multiplies and
 * updates:
 *   u = G g  (with the old G),   G_ij <- rho2 G_ij + a_i g_j + e_i beta_j,
 * with a_i = c^2 s g_i - rho c beta_i and e_i = -rho c g_i, which is
 * rho^2 G - rho c (beta g^T + g beta^T) + c^2 s g g^T on every (i, j)
 * (rho2 = rho^2).
 * Row i contributes a dot product to u_i and an axpy to u_j (j > i); the
 * order of every sum is fixed, so the result does not depend on threads.
 * Without decay (rho == 1) the multiplication by rho2 = 1 is skipped: it is
 * exact, so both branches round alike.
 * Reference: gram2_pass_naive (dspmv + dspr2 + dspr).
 * On x86-64 an AVX2 clone is chosen at load time where the CPU has it: the
 * loop is element-wise apart from the four fixed partial sums, and neither
 * clone fuses multiply-adds (the avx2 target has no FMA; ISO C17 mode keeps
 * contraction off), so both round the same.
 * u: (d), G: (d (d+1) / 2) packed upper, g: (d), beta: (d). */
#if defined(__GNUC__) || defined(__clang__)
#define GRAM2_INLINE static inline __attribute__((always_inline))
#else
#define GRAM2_INLINE static inline
#endif

/* The pass's loop; decay is a constant at each call, so each branch is
 * compiled without the other's multiplications. */
GRAM2_INLINE void pass_rows(double *restrict u, double *restrict G, const double *restrict g,
                            const double *restrict beta, double c, double rho, double s,
                            size_t d, int decay)
{
    const double c2s = c * c * s, rc = rho * c, rho2 = rho * rho;
    for (size_t j = 0; j < d; j++) u[j] = 0.0;
    double *packed = G; /* packed row i: G_ii .. G_i,d-1 */
    for (size_t i = 0; i < d; packed += d - i, i++) {
        /* row[j] = G_ij for j >= i; packed - i stays inside G (offset of row
         * i is i d - i (i - 1) / 2 >= i) */
        double *restrict row = packed - i;
        const double gi = g[i], ai = c2s * gi - rc * beta[i], ei = -rc * gi;
        double acc0 = row[i] * gi, acc1 = 0.0, acc2 = 0.0, acc3 = 0.0;
        row[i] = (decay ? rho2 * row[i] : row[i]) + ai * gi + ei * beta[i];
        size_t j = i + 1;
        /* four partial sums so the dot product pipelines without reordering
         * (no fast-math): the combination order below is fixed */
        for (; j + 4 <= d; j += 4) {
            const double x0 = row[j], x1 = row[j + 1], x2 = row[j + 2], x3 = row[j + 3];
            acc0 += x0 * g[j];
            acc1 += x1 * g[j + 1];
            acc2 += x2 * g[j + 2];
            acc3 += x3 * g[j + 3];
            u[j] += x0 * gi;
            u[j + 1] += x1 * gi;
            u[j + 2] += x2 * gi;
            u[j + 3] += x3 * gi;
            row[j] = (decay ? rho2 * x0 : x0) + ai * g[j] + ei * beta[j];
            row[j + 1] = (decay ? rho2 * x1 : x1) + ai * g[j + 1] + ei * beta[j + 1];
            row[j + 2] = (decay ? rho2 * x2 : x2) + ai * g[j + 2] + ei * beta[j + 2];
            row[j + 3] = (decay ? rho2 * x3 : x3) + ai * g[j + 3] + ei * beta[j + 3];
        }
        for (; j < d; j++) {
            const double x = row[j];
            acc0 += x * g[j];
            u[j] += x * gi;
            row[j] = (decay ? rho2 * x : x) + ai * g[j] + ei * beta[j];
        }
        u[i] += (acc0 + acc1) + (acc2 + acc3);
    }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
__attribute__((target_clones("avx2", "default")))
#endif
void gram2_pass(double *restrict u, double *restrict G, const double *restrict g,
                const double *restrict beta, double c, double rho, double s, size_t d)
{
    if (rho == 1.0) pass_rows(u, G, g, beta, c, 1.0, s, d, 0);
    else pass_rows(u, G, g, beta, c, rho, s, d, 1);
}

/* The same with BLAS on the packed triangle: u = G g (dspmv), the scaling
 * by rho^2 and the rank-2 and rank-1 updates (dspr2, dspr). Several passes
 * over G; kept as the reference for tests. */
void gram2_pass_naive(double *u, double *G, const double *g, const double *beta, double c,
                      double rho, double s, size_t d)
{
    cblas_dspmv(CblasRowMajor, CblasUpper, (int)d, 1.0, G, g, 1, 0.0, u, 1);
    if (rho != 1.0) cblas_dscal((int)gram2_packed_size(d), rho * rho, G, 1);
    cblas_dspr2(CblasRowMajor, CblasUpper, (int)d, -rho * c, beta, 1, g, 1, G);
    cblas_dspr(CblasRowMajor, CblasUpper, (int)d, c * c * s, g, 1, G);
}

void gram2_step(gram2_t *m, const double *g, double c, double rho, int naive)
{
    const size_t d = m->d;
    double *beta = m->beta, *u = m->u;
    const double s = m->s;
    if (naive) gram2_pass_naive(u, m->G, g, beta, c, rho, s, d);
    else gram2_pass(u, m->G, g, beta, c, rho, s, d);
    double bg = 0.0, gg = 0.0, gu = 0.0, uu = 0.0, bb = 0.0;
    for (size_t i = 0; i < d; i++) {
        bg += beta[i] * g[i];
        gg += g[i] * g[i];
        gu += g[i] * u[i];
        uu += u[i] * u[i];
        bb += beta[i] * beta[i];
    }
    const double c2 = c * c, rho2 = rho * rho, rc = rho * c;
    for (size_t i = 0; i < d; i++) beta[i] = rho2 * beta[i] - rc * (u[i] + s * g[i]) + c2 * bg * g[i];
    m->s = rho2 * s - 2.0 * rc * bg + c2 * gu;
    const double BE = gg * (bb - s * s) - (uu - bg * bg);
    const double EE = gg * gg * s * s - 2.0 * gg * bg * bg + gu * gu;
    m->bal2 = rho2 * rho2 * m->bal2 + 2.0 * rho2 * c2 * BE + c2 * c2 * EE;
}

/* The decay term and the stopping statistic of a decayed run, at the point
 * before the step: |W_1|^2 + |w_2|^2 = tr G + s, and the squared norm of the
 * full gradient (2 g w_2^T + 2 wd W_1, 2 W_1^T g + 2 wd w_2),
 *   4 (|g|^2 s + 2 wd beta.g + wd^2 tr G) + 4 (g.G.g + 2 wd beta.g + wd^2 s).
 * g.G.g needs a read of G before the update pass. */
double gram2_decay(gram2_t *m, double *pn2, const double *g, double wd)
{
    const size_t d = m->d;
    cblas_dspmv(CblasRowMajor, CblasUpper, (int)d, 1.0, m->G, g, 1, 0.0, m->u, 1);
    double tr = 0.0, bg = 0.0, gg = 0.0, gu = 0.0;
    const double *diag = m->G;
    for (size_t i = 0; i < d; diag += d - i, i++) {
        tr += *diag;
        bg += m->beta[i] * g[i];
        gg += g[i] * g[i];
        gu += g[i] * m->u[i];
    }
    *pn2 = tr + m->s;
    return 4.0 * (gg * m->s + 2.0 * wd * bg + wd * wd * tr) +
           4.0 * (gu + 2.0 * wd * bg + wd * wd * m->s);
}

double gram2_balance(const gram2_t *m)
{
    return sqrt(fmax(m->bal2, 0.0));
}

/* A W-form step moves 3 d k elements (two reads and a write of W_1), a
 * Gram step d^2 (the upper triangle read and written); both read half of S.
 * The Gram form wins once the width is above d / 3. */
int gram2_applies(const fate_dln_shape *sh)
{
    return sh->depth == 2 && 3 * sh->width >= sh->d;
}
