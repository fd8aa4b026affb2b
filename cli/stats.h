/* stats.h - the statistics the CLI prints and writes, and the names of the
 * stages of an experiment, once for every command. */
#ifndef FATE_CLI_STATS_H
#define FATE_CLI_STATS_H
#include <stddef.h>

/* Mean, sample standard deviation (n - 1) and standard error sd / sqrt(n)
 * over n values; with one value the spread is unknown, so sd and se are NaN
 * (not 0, which would claim certainty); with none everything is NaN. */
typedef struct sample_stat {
    double mean, sd, se;
    size_t n; /* values used */
} sample_stat;

sample_stat stats_of(const double *x, size_t n);
/* The same over the finite values of x only. */
sample_stat stats_finite(const double *x, size_t n);

/* "pretraining" (0), "scratch training", "linear transfer", "fine-tuning"
 * for a FATE_METHOD_* bit. */
const char *method_name(unsigned method);

#endif
