/*
 * fate_distance.h - distances and divergences between probability laws, in
 * closed form for Gaussians and estimated from samples (THEORY.md section 4:
 * distances between tasks do not predict transfer).
 *
 * The laws of interest are the joint laws of (x, y) of two regression tasks:
 * a sample is a row z_i = (x_i, y_i) of R^D with D = d + 1. Nothing below is
 * specific to that use: every estimator takes any two samples of R^D.
 *
 * Conventions (those of fate.h, plus):
 *  - A sample is a row-major matrix, X (n, D) and Y (m, D); arguments come as
 *    (X, n, Y, m, D). Outputs come first; outputs documented as "may be NULL"
 *    are skipped when NULL, the others are required.
 *  - Every function says whether it returns a distance or its square, which
 *    U- or V-statistic it computes, and how a bandwidth is chosen.
 *  - Bad input returns FATE_EINVAL and leaves the outputs untouched: a NULL
 *    required pointer, D == 0, fewer than 2 rows in a sample, NaN or +-inf
 *    anywhere in a sample or matrix, a bandwidth or k or p out of range, a
 *    covariance that is not symmetric or not (semi-)definite as required.
 *    Allocation failure returns FATE_ENOMEM. No function returns a NaN or
 *    infinite value with FATE_OK.
 *  - Work over pairs of rows uses the expansion
 *    |a - b|^2 = |a|^2 + |b|^2 - 2 a.b on blocks of rows (cblas_dgemm), with the
 *    rows first centred on the pooled mean (which removes the cancellation
 *    of a large common offset) and negative results clamped to 0.
 *  - Parallel functions (marked [OpenMP]) use up to omp_get_max_threads()
 *    threads (one for small jobs), each output element or partial sum being
 *    computed by one thread in a fixed order and partial sums combined in a
 *    fixed order: results are bit-identical for any thread count. As in
 *    fate_run, OpenBLAS runs single-threaded inside (no oversubscription)
 *    and its previous thread count is restored before returning.
 *  - Randomness (random directions) is fate's counter-based generator, keyed
 *    by (seed, instance) on stream FATE_STREAM_DIRECTIONS.
 */
#ifndef FATE_DISTANCE_H
#define FATE_DISTANCE_H

#include <stddef.h>
#include <stdint.h>

#include "fate.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Stream of the random directions of the sliced Wasserstein distance and of
 * the bounded-Lipschitz bound (below FATE_STREAM_USER, so no caller stream
 * collides with it). */
#define FATE_STREAM_DIRECTIONS 900

/* ------------------------------------------------------------------------ */
/* Closed forms for Gaussians P = N(m1, C1), Q = N(m2, C2) in R^D            */
/* (src/distance_gauss.c)                                                    */
/* ------------------------------------------------------------------------ */
/* m1, m2: (D); C1, C2: (D, D) row-major. A covariance must be finite and
 * symmetric up to 1e-10 max|C| (its symmetric part is used); "PD" below means
 * its Cholesky factorisation succeeds, "PSD" that its smallest eigenvalue is
 * >= -1e-10 max(1, its largest). Each costs O(D^3) time and O(D^2) memory.
 * Results that are >= 0 mathematically are clamped at 0 against rounding. */

/* KL(P || Q) = 1/2 [tr(C2^-1 C1) + (m2-m1)^T C2^-1 (m2-m1) - D
 *                   + log det C2 - log det C1], in nats, not symmetric: swap
 * the arguments for KL(Q || P). tr(C2^-1 C1) = |L2^-1 L1|_F^2 and the log
 * determinants come from the Cholesky factors C = L L^T. C1, C2: PD. */
FATE_API fate_status fate_gauss_kl(double *kl, const double *m1, const double *C1, const double *m2,
                          const double *C2, size_t D);

/* Squared Hellinger distance h2 = 1 - BC in [0, 1] (the convention without a
 * factor 2; the Hellinger distance is sqrt(h2)), and the Bhattacharyya
 * distance -log BC = 1/8 dm^T C^-1 dm + 1/2 log(det C / sqrt(det C1 det C2)),
 * C = (C1 + C2)/2, dm = m1 - m2; BC is the Bhattacharyya coefficient
 * int sqrt(p q). h2 is computed as -expm1(-bhattacharyya). Symmetric.
 * Either output may be NULL. C1, C2: PD. */
FATE_API fate_status fate_gauss_hellinger(double *h2, double *bhattacharyya, const double *m1,
                                 const double *C1, const double *m2, const double *C2,
                                 size_t D);

/* SQUARED Wasserstein-2 distance (Euclidean ground cost), the Bures formula
 * |m1 - m2|^2 + tr C1 + tr C2 - 2 tr (C1^1/2 C2 C1^1/2)^1/2, with C1^1/2 from
 * the eigendecomposition of C1 and the last trace the sum of the square roots
 * of the eigenvalues of C1^1/2 C2 C1^1/2. Symmetric. C1, C2: PSD (singular
 * allowed, e.g. noiseless labels). Absolute rounding ~1e-15 (tr C1 + tr C2). */
FATE_API fate_status fate_gauss_w2sq(double *w2sq, const double *m1, const double *C1,
                            const double *m2, const double *C2, size_t D);

/* SQUARED maximum mean discrepancy with the Gaussian kernel
 * k(a, b) = exp(-|a - b|^2 / (2 h^2)), population value:
 *   MMD^2 = E k(X,X') + E k(Y,Y') - 2 E k(X,Y), X, X' ~ P, Y, Y' ~ Q iid,
 * from E exp(-|Z|^2/(2h^2)) = det(I + S/h^2)^-1/2 exp(-mu^T (S + h^2 I)^-1 mu / 2)
 * for Z ~ N(mu, S), with Z = X - X' ~ N(0, 2 C1), Y - Y' ~ N(0, 2 C2) and
 * X - Y ~ N(m1 - m2, C1 + C2); determinants through Cholesky, in logs (no
 * underflow before the final exp). h > 0 and finite (there is no median
 * heuristic for laws); C1, C2: PSD. Symmetric. */
FATE_API fate_status fate_gauss_mmd2(double *mmd2, const double *m1, const double *C1,
                            const double *m2, const double *C2, size_t D, double h);

/* The joint law of (x, y) of a linear teacher, x ~ N(0, I_d),
 * y = beta.x + sigma eps: mean 0 (the caller's zero vector of length d+1) and
 * covariance C = [[I_d, beta], [beta^T, |beta|^2 + sigma^2]], (d+1, d+1)
 * row-major, with the label last. PD when sigma > 0, PSD when sigma = 0.
 * Requires d >= 1, finite beta, sigma >= 0 finite. O(d^2). */
FATE_API fate_status fate_linear_joint_cov(double *C, const double *beta, size_t d, double sigma);

/* n rows z_i = (x_i, y_i) of that law, Z (n, d+1) row-major: exactly
 * fate_dataset(X, y, beta, n, d, sigma, seed, instance, x_stream,
 * noise_stream) with y_i appended to row i of X (so the same task data as
 * the rest of fate, and prefixes are nested). O(n d); allocates n doubles. */
FATE_API fate_status fate_linear_joint_sample(double *Z, const double *beta, size_t n, size_t d,
                                     double sigma, uint64_t seed, uint64_t instance,
                                     uint64_t x_stream, uint64_t noise_stream);

/* ------------------------------------------------------------------------ */
/* Sample estimators (src/distance_sample.c)                                 */
/* ------------------------------------------------------------------------ */
/* Unless said otherwise: X (n, D), Y (m, D), n >= 2, m >= 2, D >= 1, every
 * entry finite. */

/* Pairwise squared distances D2[i nb + j] = |a_i - b_j|^2, D2 (na, nb), by
 * blocked GEMM (see the conventions) with negatives clamped to 0. When B == A
 * and nb == na, D2 is exactly symmetric with a zero diagonal.
 * na, nb >= 1. O(na nb D) time. [OpenMP] */
FATE_API fate_status fate_pairwise_sqdist(double *D2, const double *A, size_t na, const double *B,
                                 size_t nb, size_t D);

/* The median heuristic bandwidth h = the median of the Euclidean distances
 * |w_a - w_b|, a < b, over a set W of rows of the pooled sample
 * (X rows 0..n-1 then Y rows 0..m-1, N = n + m rows): W is the whole pooled
 * sample when N <= 2048, otherwise the 2048 pooled rows of index
 * floor(k N / 2048), k = 0..2047. With an even number of pairs the median is
 * the mean of the two middle distances. Returns FATE_EINVAL if h == 0 (more
 * than half of those pairs coincide). O(min(N, 2048)^2 (D + 1)) time and
 * min(N, 2048)^2 / 2 doubles of memory. [OpenMP] */
FATE_API fate_status fate_median_heuristic(double *h, const double *X, size_t n, const double *Y,
                                  size_t m, size_t D);

/* Kernels of the MMD estimators (bandwidth h > 0):
 *  GAUSSIAN k(a, b) = exp(-|a - b|^2 / (2 h^2));
 *  LAPLACE  k(a, b) = exp(-|a - b| / h);
 *  ENERGY   k(a, b) = |a| + |b| - |a - b| (the distance-induced kernel of
 *           Sejdinovic et al. 2013; no bandwidth). The |a| + |b| terms cancel
 *           exactly in every MMD estimator below and are not computed:
 *           MMD^2 with this kernel IS the energy distance, in the same U or V
 *           convention. */
typedef enum fate_kernel {
    FATE_KERNEL_GAUSSIAN = 1,
    FATE_KERNEL_LAPLACE = 2,
    FATE_KERNEL_ENERGY = 3
} fate_kernel;

/* SQUARED MMD between the samples.
 *  unbiased != 0: the U-statistic (Gretton et al. 2012, eq. 3)
 *    1/(n(n-1)) sum_{i!=j} k(x_i,x_j) + 1/(m(m-1)) sum_{i!=j} k(y_i,y_j)
 *      - 2/(n m) sum_{i,j} k(x_i,y_j),
 *    unbiased for the population MMD^2 and so possibly negative;
 *  unbiased == 0: the V-statistic (diagonal terms included, 1/n^2, 1/m^2):
 *    the MMD^2 between the two empirical measures, >= 0 up to rounding for
 *    the Gaussian and Laplace kernels, biased upwards.
 * Bandwidth: h > 0 is used as given; h <= 0 means the median heuristic
 * (fate_median_heuristic); NaN or inf -> FATE_EINVAL; ignored by ENERGY.
 * *h_used (may be NULL) gets the bandwidth used (0 for ENERGY).
 * O((n + m)^2 D) time, O(threads 256 (D + 256)) extra memory. [OpenMP] */
FATE_API fate_status fate_mmd2(double *mmd2, double *h_used, const double *X, size_t n, const double *Y,
                      size_t m, size_t D, fate_kernel kernel, double h, int unbiased);

/* Linear-time SQUARED MMD (Gretton et al. 2012, section 6): with
 * p = floor(min(n, m)/2) >= 2 pairs, the mean over i = 1..p of
 *   h_i = k(x_{2i-1}, x_{2i}) + k(y_{2i-1}, y_{2i}) - k(x_{2i-1}, y_{2i})
 *         - k(x_{2i}, y_{2i-1})
 * (rows counted from 1; rows past 2p are unused). Unbiased for the population
 * MMD^2. *se (may be NULL) gets its standard error sd(h)/sqrt(p). Bandwidth
 * and *h_used as for fate_mmd2 (the median heuristic, when asked for, costs
 * more than the estimate). O(p D) time. */
FATE_API fate_status fate_mmd2_linear(double *mmd2, double *se, double *h_used, const double *X,
                             size_t n, const double *Y, size_t m, size_t D, fate_kernel kernel,
                             double h);

/* Energy distance 2 E|X - Y| - E|X - X'| - E|Y - Y'| (Szekely-Rizzo; NOT a
 * square root: it is the square of a metric between laws). unbiased != 0:
 * the U-statistic (means over i != j within a sample), unbiased, possibly
 * negative; unbiased == 0: the V-statistic, the energy distance between the
 * empirical measures, >= 0. Equal to fate_mmd2 with FATE_KERNEL_ENERGY.
 * O((n + m)^2 D) time. [OpenMP] */
FATE_API fate_status fate_energy_distance(double *energy, const double *X, size_t n, const double *Y,
                                 size_t m, size_t D, int unbiased);

/* Minimum-cost perfect matching of an n x n cost matrix (row-major, finite
 * entries): assign[i] is the column of row i, *total = sum_i
 * cost[i, assign[i]] (summed in row order; total may be NULL). Shortest
 * augmenting paths with potentials (Kuhn-Munkres / Jonker-Volgenant), O(n^3)
 * time, O(n) extra memory. n >= 1. */
FATE_API fate_status fate_assignment(size_t *assign, double *total, const double *cost, size_t n);

/* Wasserstein-p distance (NOT raised to p) between the empirical measures of
 * two 1-D samples x (n), y (m), any n, m >= 1, p >= 1 finite: exact by the
 * quantile coupling, W_p^p = int_0^1 |F^-1(t) - G^-1(t)|^p dt, computed on the
 * merged breakpoints k/n, l/m with exact integer weights.
 * O((n + m) log(n + m)) time, n + m doubles of memory. */
FATE_API fate_status fate_wasserstein_1d(double *w, const double *x, size_t n, const double *y,
                                size_t m, double p);

/* Exact Wasserstein-p distance (NOT raised to p, Euclidean ground distance)
 * between the empirical measures of two samples of the SAME size n (uniform
 * weights 1/n): W_p = (min over permutations s of (1/n) sum_i
 * |x_i - y_s(i)|^p)^(1/p), solved by fate_assignment. p >= 1 finite. D == 1
 * is allowed (fate_wasserstein_1d is faster). O(n^2 D + n^3) time, n^2
 * doubles of memory: meant for n up to a few thousand. */
FATE_API fate_status fate_wasserstein_exact(double *w, const double *X, const double *Y, size_t n,
                                   size_t D, double p);

/* L directions uniform on the unit sphere of R^D, dirs (L, D): row l is
 * elements [l D, (l+1) D) of the normal sequence (seed, instance,
 * FATE_STREAM_DIRECTIONS), normalised. L >= 1, D >= 1. O(L D). */
FATE_API fate_status fate_random_directions(double *dirs, size_t L, size_t D, uint64_t seed,
                                   uint64_t instance);

/* Sliced Wasserstein-p distance (NOT raised to p):
 *   SW_p = ((1/L) sum_l W_p^p(w_l.X, w_l.Y))^(1/p),
 * the 1-D distances between the projected samples being exact
 * (fate_wasserstein_1d; any n, m). The rows of dirs (L, D), L >= 1, are
 * normalised before use (a zero row -> FATE_EINVAL). per_dir (L, may be NULL)
 * gets each W_p^p(w_l.X, w_l.Y), e.g. for a standard error over directions.
 * O(L (n + m) (D + log(n + m))) time. [OpenMP over directions] */
FATE_API fate_status fate_sliced_wasserstein_dirs(double *sw, double *per_dir, const double *X, size_t n,
                                         const double *Y, size_t m, size_t D, double p,
                                         const double *dirs, size_t L);

/* The same with L random directions (fate_random_directions(seed, instance)).
 * SW_p <= W_p for p = 1, 2 (1-D projections are 1-Lipschitz). */
FATE_API fate_status fate_sliced_wasserstein(double *sw, double *per_dir, const double *X, size_t n,
                                    const double *Y, size_t m, size_t D, double p, size_t L,
                                    uint64_t seed, uint64_t instance);

/* kNN estimator of KL(P || Q) in nats (Wang, Kulkarni and Verdu 2009):
 *   KL = (D/n) sum_i log(nu_k(i) / rho_k(i)) + log(m / (n - 1)),
 * rho_k(i) the distance from x_i to its k-th nearest neighbour among the
 * other rows of X, nu_k(i) that to its k-th nearest row of Y. Consistent,
 * asymptotically unbiased; at finite n biased (more so in large D). Not
 * symmetric. *se (may be NULL) gets D sd_i(log(nu_k(i)/rho_k(i))) / sqrt(n),
 * the standard error from the spread over i (ignores their dependence).
 * 1 <= k < min(n, m). Coinciding points (rho_k(i) == 0 or nu_k(i) == 0) make
 * the estimator undefined: FATE_EINVAL. O(n (n + m) D) time. [OpenMP] */
FATE_API fate_status fate_knn_kl(double *kl, double *se, const double *X, size_t n, const double *Y,
                        size_t m, size_t D, size_t k);

/* Total variation TV = sup_A |P(A) - Q(A)| in [0, 1] (= 1/2 int |p - q|) and
 * the Jensen-Shannon divergence JS = 1/2 KL(P||M) + 1/2 KL(Q||M),
 * M = (P + Q)/2, in nats, in [0, log 2], by a 2-FOLD CROSS-FITTED
 * k-NEAREST-NEIGHBOUR CLASSIFIER. Fold 0 holds the even rows (0, 2, ...) of X
 * and of Y, fold 1 the odd rows. For a test point z of fold f, the k nearest
 * rows (Euclidean; ties to the lower index) of the other fold's pooled sample
 * (its X rows first, n' of them, then its Y rows, m') contain B rows of X;
 * with pi = n'/(n' + m'),
 *   eta = (B + 1/2)/(k + 1)  estimates  P(from X | z) = pi p/(pi p + (1-pi) q),
 *   t = eta (1-pi) / (eta (1-pi) + (1-eta) pi)  estimates  p/(p + q),
 *   f(z) = sign(2 t - 1)  in {-1, 0, 1}.
 * Since TV = 1/2 sup_{|f| <= 1} (E_P f - E_Q f) and
 * JS = 1/2 E_P log 2t + 1/2 E_Q log 2(1-t) >= the same with any t in (0, 1):
 *   tv = mean over folds of 1/2 (mean_{x in fold} f(x) - mean_{y in fold} f(y)),
 *   js = mean over folds of 1/2 mean_x log 2t(x) + 1/2 mean_y log 2(1-t(y)).
 * Each is an unbiased estimate of a LOWER bound (the held-out value of the
 * classifier), tight as n, k -> infinity, k/n -> 0: tv has mean 0 on
 * identical laws (it can be slightly negative); js has mean about -1/(2k) on
 * identical laws and log 2 - log(1 + 1/(2k+1)) on disjoint supports with
 * n = m (the smoothing 1/2). Symmetric in (X, Y) for data without distance ties.
 * tv_se, js_se: standard errors from the spread of f (resp. of the log terms)
 * over the test points, ignoring the classifier's own randomness. Every
 * output may be NULL. 1 <= k and 2 k <= min(n, m) (each training fold has at
 * least k rows of each sample). Suggested k ~ sqrt(n + m).
 * O((n + m)^2 D / 2) time. [OpenMP] */
FATE_API fate_status fate_knn_tv_js(double *tv, double *js, double *tv_se, double *js_se, const double *X,
                           size_t n, const double *Y, size_t m, size_t D, size_t k);

/* LOWER bound of the bounded-Lipschitz (Dudley) distance between the two
 * empirical measures,
 *   d_BL(P, Q) = sup { |E_P f - E_Q f| : ||f||_inf + Lip(f) <= 1 }  (<= 2),
 * as the sup over the explicit family
 *   f(z) = clip(g(z) - b, -r, r) / (1 + r)   (||f||_inf <= r/(1+r),
 *                                              Lip(f) <= 1/(1+r))
 * where g is one of the 1-Lipschitz functions
 *   g(z) = w_l . z for the unit directions w_l = dirs row l / |dirs row l|,
 *   g(z) = |z - mean(X)| and g(z) = |z - mean(Y)| (radial),
 * b is any real number (maximised exactly: |mean_X f - mean_Y f| is piecewise
 * linear in b with breakpoints g(z_i) +- r) and r is on the grid
 * rho_g 2^(-j/2), j = 0..24, rho_g = max - min of g over the pooled sample
 * (a g constant on the sample is skipped). Exact for two point masses
 * (2 L/(2 + L) at distance L). As an estimate of d_BL between the laws it is
 * biased upwards by the sampling noise (~ n^-1/2) and downwards by the
 * family. dirs: (L, D), L >= 0 (dirs may be NULL when L == 0), rows nonzero.
 * O((L + 2) (n + m) (D + log(n + m) + 25)) time. [OpenMP over g] */
FATE_API fate_status fate_bl_lower_dirs(double *bl, const double *X, size_t n, const double *Y, size_t m,
                               size_t D, const double *dirs, size_t L);

/* The same with L random directions (fate_random_directions(seed, instance))
 * plus the two radial functions. Random directions see little of a
 * difference confined to a few coordinates in large D: callers who know
 * informative directions (e.g. the label axis, the teachers) should pass
 * them to fate_bl_lower_dirs. */
FATE_API fate_status fate_bl_lower(double *bl, const double *X, size_t n, const double *Y, size_t m,
                          size_t D, size_t L, uint64_t seed, uint64_t instance);

#ifdef __cplusplus
}
#endif
#endif /* FATE_DISTANCE_H */
