/* testutil.h - small helpers shared by the Criterion tests. */
#ifndef FATE_TESTUTIL_H
#define FATE_TESTUTIL_H
#include <math.h>
#include <stddef.h>
#include <stdlib.h>

/* |a - b| <= atol + rtol |b| (b is the reference). */
static inline int close_to(double a, double b, double atol, double rtol)
{
    return fabs(a - b) <= atol + rtol * fabs(b);
}

static inline double mean_of(const double *x, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += x[i];
    return s / (double)n;
}

/* Standard error of the mean. */
static inline double sem_of(const double *x, size_t n)
{
    double m = mean_of(x, n), v = 0.0;
    for (size_t i = 0; i < n; i++) v += (x[i] - m) * (x[i] - m);
    return sqrt(v / (double)(n - 1) / (double)n);
}

static inline double max_abs_diff(const double *a, const double *b, size_t n)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs(a[i] - b[i]));
    return m;
}

static inline double max_abs(const double *a, size_t n)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs(a[i]));
    return m;
}

static inline double *dalloc(size_t n)
{
    double *p = calloc(n ? n : 1, sizeof *p);
    return p;
}
#endif
