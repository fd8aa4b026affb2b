/* rank_stats.h - rank correlations and their bootstrap intervals, for the
 * commands that ask whether a measure orders task pairs by their transfer
 * gain (fate predict). */
#ifndef FATE_CLI_RANK_STATS_H
#define FATE_CLI_RANK_STATS_H
#include <stddef.h>
#include <stdint.h>

/* Over the entries where both x and y are finite: Spearman's rho (Pearson of
 * the average ranks) and Kendall's tau-b ((concordant - discordant) /
 * sqrt((n0 - ties_x)(n0 - ties_y)), n0 = m(m-1)/2). NaN with fewer than 3
 * such entries or a constant variable. *used (may be NULL) gets their count. */
double rank_spearman(const double *x, const double *y, size_t n, size_t *used);
double rank_kendall(const double *x, const double *y, size_t n, size_t *used);

/* A percentile bootstrap interval of both statistics over B resamples of the
 * n entries with replacement, drawn by fate's counter-based uniforms keyed by
 * (seed, stream) so the interval is reproducible: [lo, hi] the 2.5% and 97.5%
 * points of the finite resampled values (NaN when fewer than B/2 are
 * finite). */
typedef struct rank_ci {
    double spearman, spearman_lo, spearman_hi;
    double kendall, kendall_lo, kendall_hi;
    size_t used;
} rank_ci;

/* 0, or -1 when out of memory. */
int rank_bootstrap(rank_ci *out, const double *x, const double *y, size_t n, size_t B, uint64_t seed,
                   uint64_t stream);
#endif
