/* test_rng.c - the counter-based Gaussian stream (src/rng.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "fate.h"
#include "testutil.h"

Test(rng, element_is_pure_function_of_key_and_index)
{
    for (uint64_t i = 0; i < 100; i++)
        cr_assert_eq(fate_normal_at(7, 3, 5, i), fate_normal_at(7, 3, 5, i));
    cr_assert_neq(fate_normal_at(7, 3, 5, 0), fate_normal_at(8, 3, 5, 0), "seed must matter");
    cr_assert_neq(fate_normal_at(7, 3, 5, 0), fate_normal_at(7, 4, 5, 0), "instance must matter");
    cr_assert_neq(fate_normal_at(7, 3, 5, 0), fate_normal_at(7, 3, 6, 0), "stream must matter");
}

Test(rng, fill_equals_elementwise_at_any_offset)
{
    double buf[37];
    uint64_t offs[] = {0, 1, 2, 3, 4, 5, 1001, 123456789};
    for (size_t k = 0; k < sizeof offs / sizeof offs[0]; k++) {
        for (size_t cnt = 0; cnt <= 37; cnt += 6) {
            fate_normal_fill(buf, cnt, 11, 2, 9, offs[k]);
            for (size_t j = 0; j < cnt; j++)
                cr_assert_eq(buf[j], fate_normal_at(11, 2, 9, offs[k] + j),
                             "offset %llu count %zu index %zu", (unsigned long long)offs[k], cnt, j);
        }
    }
}

Test(rng, gaussian_moments)
{
    /* Mean 0, variance 1, kurtosis 3, within 5 standard errors. */
    const size_t n = 1000000;
    double *z = dalloc(n);
    fate_normal_fill(z, n, 1, 0, 1, 0);
    double m1 = 0, m2 = 0, m4 = 0;
    for (size_t i = 0; i < n; i++) {
        m1 += z[i];
        m2 += z[i] * z[i];
        m4 += z[i] * z[i] * z[i] * z[i];
    }
    m1 /= (double)n;
    m2 /= (double)n;
    m4 /= (double)n;
    cr_assert(fabs(m1) < 5.0 / sqrt((double)n), "mean %g", m1);
    cr_assert(fabs(m2 - 1.0) < 5.0 * sqrt(2.0 / (double)n), "variance %g", m2);
    cr_assert(fabs(m4 - 3.0) < 5.0 * sqrt(96.0 / (double)n), "fourth moment %g", m4);
    /* lag-1 correlation (pairs share a Box-Muller radius) */
    double c = 0;
    for (size_t i = 0; i + 1 < n; i++) c += z[i] * z[i + 1];
    c /= (double)(n - 1);
    cr_assert(fabs(c) < 5.0 / sqrt((double)n), "lag-1 correlation %g", c);
    free(z);
}

Test(rng, tail_probability)
{
    /* P(|z| > 2) = 0.0455003; binomial standard error. */
    const size_t n = 400000;
    double *z = dalloc(n);
    fate_normal_fill(z, n, 3, 1, 2, 0);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += fabs(z[i]) > 2.0;
    double p = (double)k / (double)n, p0 = 0.04550026389635842;
    cr_assert(fabs(p - p0) < 5.0 * sqrt(p0 * (1 - p0) / (double)n), "P(|z|>2) = %g", p);
    free(z);
}

Test(rng, uniform_in_open_interval)
{
    double s = 0;
    const size_t n = 200000;
    for (size_t i = 0; i < n; i++) {
        double u = fate_uniform_at(5, 0, 1, i);
        cr_assert(u > 0.0 && u < 1.0);
        s += u;
    }
    s /= (double)n;
    cr_assert(fabs(s - 0.5) < 5.0 * sqrt(1.0 / 12.0 / (double)n), "mean %g", s);
}
