/*
 * test_theory.c - closed forms of src/theory.c (THEORY.md section 3).
 *
 * 1. Every field of fate_theory_eval (and fate_theory_lt_boundary) against
 *    tests/ref/theory_ref.csv, written by the independent NumPy reference
 *    tests/ref/make_theory_ref.py. Tolerance 1e-12 + 1e-10 |ref|; inf, -inf
 *    and nan must match exactly.
 * 2. Targeted properties: c = 1 at sigma = 0, the sigma = 1 example, large-d
 *    and large-n limits, ridge, the phase boundary and the sign of T_lt
 *    around it, divergences, and invalid arguments.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fate.h"

#ifndef FATE_REF_DIR
#error "FATE_REF_DIR must be defined (tests/CMakeLists.txt sets it)"
#endif

#define PI 3.14159265358979323846
#define ATOL 1e-12
#define RTOL 1e-10

/* a matches the reference r: both NaN, the same infinity, or within
 * ATOL + RTOL |r|. */
static int matches(double a, double r)
{
    if (isnan(r))
        return isnan(a);
    if (isinf(r))
        return a == r;
    return isfinite(a) && fabs(a - r) <= ATOL + RTOL * fabs(r);
}

/* ------------------------------------------------------------------------ */
/* 1. Reference table                                                        */
/* ------------------------------------------------------------------------ */

enum { MAX_COLS = 64, LINE_MAX_LEN = 4096 };

/* Output fields of fate_theory_point, by CSV column name. */
static const struct {
    const char *name;
    size_t offset;
} OUTPUT_FIELDS[] = {
    {"R_sc", offsetof(fate_theory_point, R_sc)},
    {"R_lt", offsetof(fate_theory_point, R_lt)},
    {"R_ft", offsetof(fate_theory_point, R_ft)},
    {"T_lt", offsetof(fate_theory_point, T_lt)},
    {"T_ft", offsetof(fate_theory_point, T_ft)},
    {"T_ft_gf", offsetof(fate_theory_point, T_ft_gf)},
    {"R_ft_gf", offsetof(fate_theory_point, R_ft_gf)},
    {"c_gf", offsetof(fate_theory_point, c_gf)},
    {"R_sc_exact", offsetof(fate_theory_point, R_sc_exact)},
    {"R_lt_exact", offsetof(fate_theory_point, R_lt_exact)},
    {"T_lt_exact", offsetof(fate_theory_point, T_lt_exact)},
    {"T_ft_exact", offsetof(fate_theory_point, T_ft_exact)},
    {"T_ft_gf_exact", offsetof(fate_theory_point, T_ft_gf_exact)},
    {"kl", offsetof(fate_theory_point, kl)},
};
#define N_OUTPUT_FIELDS (sizeof OUTPUT_FIELDS / sizeof OUTPUT_FIELDS[0])

static const char *INPUT_NAMES[] = {"gamma",     "theta",     "sigma", "lambda",
                                    "gamma_src", "sigma_src", "d",     "depth"};
static const char *BOUNDARY_NAMES[] = {"nroots", "g_lo", "g_hi", "g_over"};

/* Splits a CSV line in place; returns the number of fields. */
static int split_csv(char *line, char **fields, int max)
{
    int n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    char *p = line;
    while (n < max) {
        fields[n++] = p;
        char *comma = strchr(p, ',');
        if (!comma)
            break;
        *comma = '\0';
        p = comma + 1;
    }
    return n;
}

static int column_of(char **header, int ncols, const char *name)
{
    for (int i = 0; i < ncols; ++i)
        if (strcmp(header[i], name) == 0)
            return i;
    return -1;
}

static double field_value(char *text)
{
    char *end;
    double v = strtod(text, &end);
    cr_assert(end != text && *end == '\0', "bad number '%s' in the reference", text);
    return v;
}

Test(theory_ref, every_field_matches_numpy_reference)
{
    const char *path = FATE_REF_DIR "/theory_ref.csv";
    FILE *f = fopen(path, "r");
    cr_assert(f != NULL, "cannot open %s", path);

    static char header_line[LINE_MAX_LEN], line[LINE_MAX_LEN];
    char *header[MAX_COLS], *fields[MAX_COLS];
    int ncols = 0;
    while (fgets(header_line, sizeof header_line, f)) {
        if (header_line[0] == '#')
            continue;
        ncols = split_csv(header_line, header, MAX_COLS);
        break;
    }
    cr_assert(ncols > 0, "no header in %s", path);

    int in_col[8], out_col[N_OUTPUT_FIELDS], bd_col[4];
    for (int i = 0; i < 8; ++i) {
        in_col[i] = column_of(header, ncols, INPUT_NAMES[i]);
        cr_assert(in_col[i] >= 0, "column %s missing", INPUT_NAMES[i]);
    }
    for (size_t i = 0; i < N_OUTPUT_FIELDS; ++i) {
        out_col[i] = column_of(header, ncols, OUTPUT_FIELDS[i].name);
        cr_assert(out_col[i] >= 0, "column %s missing", OUTPUT_FIELDS[i].name);
    }
    for (int i = 0; i < 4; ++i) {
        bd_col[i] = column_of(header, ncols, BOUNDARY_NAMES[i]);
        cr_assert(bd_col[i] >= 0, "column %s missing", BOUNDARY_NAMES[i]);
    }

    int rows = 0, failures = 0;
    size_t compared = 0, nonfinite = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        int nf = split_csv(line, fields, MAX_COLS);
        cr_assert(nf == ncols, "row %d has %d fields, header %d", rows + 1, nf, ncols);
        ++rows;

        double in[8];
        for (int i = 0; i < 8; ++i)
            in[i] = field_value(fields[in_col[i]]);
        fate_theory_point p;
        memset(&p, 0, sizeof p);
        p.gamma = in[0];
        p.theta = in[1];
        p.sigma = in[2];
        p.lambda = in[3];
        p.gamma_src = in[4];
        p.sigma_src = in[5];
        p.d = (size_t)in[6];
        p.depth = (size_t)in[7];
        fate_status st = fate_theory_eval(&p);
        cr_expect(st == FATE_OK, "row %d: status %d", rows, (int)st);

        for (size_t k = 0; k < N_OUTPUT_FIELDS; ++k) {
            double ref = field_value(fields[out_col[k]]);
            double got;
            memcpy(&got, (const char *)&p + OUTPUT_FIELDS[k].offset, sizeof got);
            ++compared;
            nonfinite += !isfinite(ref);
            if (!matches(got, ref)) {
                if (++failures <= 20)
                    cr_log_error("row %d (g=%g th=%g s=%g lam=%g gs=%g ss=%g d=%g L=%g): "
                                 "%s = %.17g, reference %.17g",
                                 rows, in[0], in[1], in[2], in[3], in[4], in[5], in[6],
                                 in[7], OUTPUT_FIELDS[k].name, got, ref);
            }
        }

        double lo, hi, over;
        int nroots = fate_theory_lt_boundary(&lo, &hi, &over, p.theta, p.sigma);
        const double got_bd[4] = {(double)nroots, lo, hi, over};
        for (int k = 0; k < 4; ++k) {
            double ref = field_value(fields[bd_col[k]]);
            ++compared;
            if (!matches(got_bd[k], ref)) {
                if (++failures <= 20)
                    cr_log_error("row %d (th=%.17g s=%g): %s = %.17g, reference %.17g",
                                 rows, in[1], in[2], BOUNDARY_NAMES[k], got_bd[k], ref);
            }
        }
    }
    fclose(f);
    cr_assert(rows >= 2000, "only %d reference rows", rows);
    cr_assert(nonfinite > 0, "the reference has no inf/nan cases");
    cr_assert(failures == 0, "%d of %zu reference values differ (first 20 logged)", failures,
              compared);
}

/* ------------------------------------------------------------------------ */
/* 2. Fine-tuning coefficient                                                */
/* ------------------------------------------------------------------------ */

Test(ft_c, equals_one_without_noise_for_every_depth)
{
    const size_t depths[] = {2, 3, 4, 6};
    for (size_t i = 0; i < sizeof depths / sizeof depths[0]; ++i) {
        for (double g = 0.05; g < 1.0; g += 0.05) {
            double c = fate_theory_ft_c(1.0 - g, g, 1.0, depths[i]);
            cr_assert(fabs(c - 1.0) <= 4e-16, "L=%zu g=%g: c = %.17g", depths[i], g, c);
            for (double th = 0.0; th <= PI; th += PI / 7) {
                double gf = fate_theory_T_ft_gf(g, th, 0.0, depths[i]);
                double paper = fate_theory_T_ft(g, th);
                cr_assert(fabs(gf - paper) <= 1e-15, "L=%zu g=%g th=%g: %.17g vs %.17g",
                          depths[i], g, th, gf, paper);
            }
        }
    }
    fate_theory_point p = {.gamma = 0.3, .theta = 0.4, .sigma = 0.0, .depth = 3};
    cr_assert(fate_theory_eval(&p) == FATE_OK, "eval failed");
    cr_assert(fabs(p.c_gf - 1.0) <= 4e-16 && fabs(p.T_ft_gf - p.T_ft) <= 1e-15,
              "eval at sigma = 0: c = %.17g, T_ft_gf %.17g vs T_ft %.17g", p.c_gf, p.T_ft_gf,
              p.T_ft);
}

/* The root solves its equation, for a spread of (a, b, q, L). */
Test(ft_c, solves_its_equation)
{
    const double as[] = {-0.5, 0.0, 1e-6, 0.3, 0.9, 1.0, 3.0};
    const double bs[] = {1e-12, 1e-3, 0.5, 1.5, 10.0, 1e6};
    const double qs[] = {0.04, 0.5, 1.0, 2.5};
    for (size_t L = 2; L <= 7; ++L)
        for (size_t i = 0; i < sizeof as / sizeof as[0]; ++i)
            for (size_t j = 0; j < sizeof bs / sizeof bs[0]; ++j)
                for (size_t k = 0; k < sizeof qs / sizeof qs[0]; ++k) {
                    const double a = as[i], b = bs[j], q = qs[k];
                    const double c = fate_theory_ft_c(a, b, q, L);
                    cr_assert(c > 0.0 && isfinite(c), "c = %g", c);
                    const double p = 2.0 * L / (L - 1.0);
                    const double lhs = q * pow(c, p), rhs = a * q * c * c + b;
                    const double scale = fabs(q * pow(c, p)) + fabs(a * q * c * c) + b;
                    cr_assert(fabs(lhs - rhs) <= 1e-14 * scale,
                              "L=%zu a=%g b=%g q=%g: c=%.17g residual %g (scale %g)", L, a,
                              b, q, c, lhs - rhs, scale);
                }
    /* b = 0: c^(2/(L-1)) = a for a > 0, else 0. */
    cr_assert(fate_theory_ft_c(0.0, 0.0, 1.0, 2) == 0.0, "a = b = 0");
    cr_assert(fate_theory_ft_c(0.0, 0.0, 1.0, 3) == 0.0, "a = b = 0, L = 3");
    cr_assert(fabs(fate_theory_ft_c(0.25, 0.0, 1.0, 2) - 0.5) <= 1e-16, "b = 0, L = 2");
    cr_assert(fabs(fate_theory_ft_c(0.25, 0.0, 1.0, 3) - 0.25) <= 1e-16, "b = 0, L = 3");
    cr_assert(isinf(fate_theory_ft_c(0.5, INFINITY, 1.0, 2)), "b = inf");
}

/* THEORY.md: "at sigma = 1, gamma = 0.5, c ~ 1.22 and the paper's formula is
 * off by about a factor two". What is true: c = sqrt(3/2) exactly (L = 2);
 * the ratio paper / gradient flow is 1.785 at theta = pi/4 but only 1.05 at
 * theta = 0, and it is unbounded near the gradient-flow zero crossing
 * cos th = c/2 (th = 0.9117), which lies below the paper's pi/3. */
Test(ft_c, noisy_example_sigma1_gamma_half)
{
    const double c = fate_theory_ft_c(0.5, 0.5 + 0.5 * 1.0 / 0.5, 1.0, 2);
    cr_assert(fabs(c - sqrt(1.5)) <= 1e-15, "c = %.17g", c);
    cr_assert(fabs(c - 1.22) < 0.01, "c = %g is not ~1.22", c);

    fate_theory_point p = {.gamma = 0.5, .theta = PI / 4, .sigma = 1.0, .depth = 2};
    cr_assert(fate_theory_eval(&p) == FATE_OK, "eval");
    cr_assert(fabs(p.c_gf - sqrt(1.5)) <= 1e-15, "eval c_gf = %.17g", p.c_gf);

    const double paper = fate_theory_T_ft(0.5, PI / 4);
    const double gf = fate_theory_T_ft_gf(0.5, PI / 4, 1.0, 2);
    cr_assert(fabs(paper - 0.5 * (sqrt(2.0) - 1.0)) <= 1e-15, "paper %.17g", paper);
    cr_assert(fabs(gf - 0.5 * (sqrt(3.0) - 1.5)) <= 1e-15, "gf %.17g", gf);
    cr_assert(paper / gf > 1.7 && paper / gf < 1.9, "ratio at pi/4 = %g", paper / gf);

    const double r0 = fate_theory_T_ft(0.5, 0.0) / fate_theory_T_ft_gf(0.5, 0.0, 1.0, 2);
    cr_assert(r0 > 1.0 && r0 < 1.1, "ratio at theta = 0: %g", r0);

    /* signs disagree between acos(c/2) and pi/3 */
    const double th0 = acos(c / 2.0);
    cr_assert(fabs(fate_theory_T_ft_gf(0.5, th0, 1.0, 2)) <= 1e-15, "gf zero");
    const double mid = 0.5 * (th0 + PI / 3);
    cr_assert(fate_theory_T_ft_gf(0.5, mid, 1.0, 2) < 0.0 && fate_theory_T_ft(0.5, mid) > 0.0,
              "sign disagreement at th = %g", mid);

    /* deeper networks: c grows towards... still solves, and differs from L = 2 */
    const double c3 = fate_theory_ft_c(0.5, 1.5, 1.0, 3);
    cr_assert(c3 > 1.0 && fabs(c3 - c) > 1e-3, "L = 3: c = %.17g", c3);
}

/* ------------------------------------------------------------------------ */
/* 3. Limits                                                                 */
/* ------------------------------------------------------------------------ */

Test(limits, scratch_exact_tends_to_asymptotic)
{
    const double gammas[] = {0.3, 0.5, 0.8, 1.25, 2.0};
    const double sigma = 0.5;
    for (size_t i = 0; i < sizeof gammas / sizeof gammas[0]; ++i) {
        const double g = gammas[i];
        const double asym = fate_theory_scratch(g, sigma);
        double prev = INFINITY;
        for (size_t d = 100; d <= 10000000; d *= 10) {
            const size_t n = (size_t)llround(g * (double)d);
            const double err = fabs(fate_theory_scratch_exact(n, d, sigma) - asym);
            cr_assert(err < prev, "g=%g d=%zu: error %g did not decrease (%g)", g, d, err,
                      prev);
            prev = err;
        }
        cr_assert(prev < 1e-5, "g=%g: error at d = 1e7 is %g", g, prev);
    }
    /* and T_ft_gf_exact -> T_ft_gf */
    const double e =
        fate_theory_T_ft_gf_exact(500000, 1000000, 0.5, cos(0.3), 1.0, 3) -
        fate_theory_T_ft_gf(0.5, 0.3, 0.5, 3);
    cr_assert(fabs(e) < 1e-5, "T_ft_gf_exact - T_ft_gf = %g", e);
}

Test(limits, lt_exact_tends_to_sin2)
{
    for (double th = 0.0; th <= PI; th += PI / 9) {
        const double s2 = sin(th) * sin(th);
        const double r = fate_theory_lt_exact(100000000, th, 0.3);
        cr_assert(fabs(r - s2) < 1e-7, "th=%g: %.17g vs %.17g", th, r, s2);
        /* monotone in n, above sin^2 */
        cr_assert(fate_theory_lt_exact(10, th, 0.3) > fate_theory_lt_exact(100, th, 0.3) &&
                      fate_theory_lt_exact(100, th, 0.3) >= r && r >= s2,
                  "monotone in n");
        /* the moments form with an infinite source is the same formula */
        const double m = fate_theory_lt_exact_moments(37, cos(th), 1.0, 0.3);
        cr_assert(fabs(m - fate_theory_lt_exact(37, th, 0.3)) <= 1e-15, "moments form");
    }
}

Test(limits, ridge_never_fixes_negative_transfer)
{
    for (double th = 0.0; th < PI / 2; th += PI / 40) {
        const double r0 = fate_theory_lt_ridge(th, 0.0);
        cr_assert(fabs(r0 - sin(th) * sin(th)) <= 1e-15, "lam = 0 is sin^2");
        double prev = r0;
        for (double lam = 0.01; lam <= 100.0; lam *= 1.5) {
            const double r = fate_theory_lt_ridge(th, lam);
            cr_assert(r >= r0, "th=%g lam=%g: %.17g < %.17g", th, lam, r, r0);
            cr_assert(r >= prev, "not monotone in lambda");
            cr_assert(fabs(r - fate_theory_lt_moments(cos(th), 1.0, lam)) <= 1e-15,
                      "lt_moments(cos, 1, lam) != lt_ridge");
            prev = r;
        }
    }
}

/* ------------------------------------------------------------------------ */
/* 4. Phase boundary                                                         */
/* ------------------------------------------------------------------------ */

static double T_lt_at(double gamma, double theta, double sigma)
{
    fate_theory_point p = {.gamma = gamma, .theta = theta, .sigma = sigma};
    cr_assert(fate_theory_eval(&p) == FATE_OK, "eval");
    return p.T_lt;
}

Test(boundary, noise_free_root_is_cos2)
{
    for (double th = PI / 24; th < PI; th += PI / 12) {
        double lo, hi, over;
        const int n = fate_theory_lt_boundary(&lo, &hi, &over, th, 0.0);
        const double c2 = cos(th) * cos(th);
        cr_assert(n == 2, "th=%g: %d roots", th, n);
        cr_assert(fabs(lo - c2) <= 1e-15 && fabs(hi - 1.0) <= 1e-15,
                  "th=%g: roots %.17g %.17g, cos^2 %.17g", th, lo, hi, c2);
        cr_assert(isinf(over) || over == 1.0, "g_over %.17g", over);
        /* transfer wins iff gamma < cos^2 th */
        for (double g = 0.01; g < 0.999; g += 0.01) {
            if (fabs(g - c2) < 1e-9)
                continue;
            const double T = T_lt_at(g, th, 0.0);
            cr_assert((T > 0.0) == (g < c2), "th=%g g=%g: T_lt = %g, cos^2 = %g", th, g, T,
                      c2);
        }
    }
}

Test(boundary, sign_of_T_lt_flips_at_the_roots)
{
    const double cases[][2] = {{PI / 3, 0.2},  {PI / 4, 0.1}, {PI / 6, 0.05},
                               {PI / 2, 0.5},  {2 * PI / 3, 0.3}, {1.2, 0.6},
                               {PI / 2, 0.0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        const double th = cases[i][0], s = cases[i][1];
        double lo, hi, over;
        const int n = fate_theory_lt_boundary(&lo, &hi, &over, th, s);
        cr_assert(n == 2 && lo >= 0.0 && lo < hi && hi <= 1.0, "th=%g s=%g: %d roots %g %g",
                  th, s, n, lo, hi);
        const double eps = 1e-6;
        if (lo > 1e-6) { /* (at th = pi/2, g_lo = cos^2 ~ 4e-33: T_lt rounds to 0) */
            cr_assert(T_lt_at(lo * (1 - eps), th, s) > 0.0, "th=%g s=%g: below g_lo", th, s);
            cr_assert(fabs(T_lt_at(lo, th, s)) <= 1e-12, "at g_lo: %g", T_lt_at(lo, th, s));
        }
        cr_assert(T_lt_at(lo * (1 + eps) + eps, th, s) < 0.0, "above g_lo");
        if (hi < 1.0) {
            cr_assert(T_lt_at(hi * (1 - eps), th, s) < 0.0, "below g_hi");
            cr_assert(T_lt_at(hi * (1 + eps), th, s) > 0.0, "above g_hi");
            cr_assert(fabs(T_lt_at(hi, th, s)) <= 1e-12, "at g_hi: %g", T_lt_at(hi, th, s));
        }
        /* a coarse scan agrees with the intervals everywhere */
        for (double g = 0.013; g < 3.0; g += 0.017) {
            if (fabs(g - lo) < 1e-9 || fabs(g - hi) < 1e-9 || fabs(g - over) < 1e-9 ||
                fabs(g - 1.0) < 1e-9)
                continue;
            const int negative = g < 1.0 ? (g > lo && g < hi) : (g > over);
            cr_assert((T_lt_at(g, th, s) < 0.0) == negative, "th=%g s=%g g=%g: T_lt %g", th,
                      s, g, T_lt_at(g, th, s));
        }
        if (s > 0.0) {
            cr_assert(fabs(over - (1.0 + s * s / (sin(th) * sin(th)))) <= 1e-15, "g_over");
            cr_assert(T_lt_at(over * (1 - eps), th, s) > 0.0, "below g_over");
            cr_assert(T_lt_at(over * (1 + eps), th, s) < 0.0, "above g_over");
        }
    }
}

Test(boundary, no_real_roots_means_no_negative_region_below_one)
{
    /* sigma > 1 - |cos th|: T_lt >= 0 on (0, 1) */
    const double cases[][2] = {{PI / 8, 0.2}, {0.0, 0.5}, {PI / 2, 1.5}, {PI, 3.0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        double lo, hi, over;
        const int n = fate_theory_lt_boundary(&lo, &hi, &over, cases[i][0], cases[i][1]);
        cr_assert(n == 0 && isnan(lo) && isnan(hi), "case %zu: %d roots", i, n);
        for (double g = 0.01; g < 1.0; g += 0.01)
            cr_assert(T_lt_at(g, cases[i][0], cases[i][1]) > 0.0, "case %zu g=%g", i, g);
    }
    double lo, hi, over;
    fate_theory_lt_boundary(&lo, &hi, &over, 0.0, 0.3);
    cr_assert(isinf(over) && over > 0, "g_over at theta = 0 is +inf");
}

/* ------------------------------------------------------------------------ */
/* 5. Finite source, divergences, identities                                 */
/* ------------------------------------------------------------------------ */

Test(source, moments_and_paper_identities)
{
    const double th = 0.7, ss = 0.3;
    const double gss[] = {0.25, 0.5, 0.9, 1.1, 1.5, 4.0};
    for (size_t i = 0; i < sizeof gss / sizeof gss[0]; ++i) {
        const double gs = gss[i];
        double m, q;
        fate_theory_source_moments(&m, &q, th, gs, ss);
        const double T = fate_theory_T_ft_source(0.4, th, gs, ss);
        /* header: (g-1) g_s [1 - 2 cos + s^2/(1-g_s)] or (g-1)[1 - 2 cos + s^2/(g_s-1)] */
        const double alt = gs < 1.0 ? (0.4 - 1.0) * gs * (1.0 - 2.0 * cos(th) + ss * ss / (1.0 - gs))
                                    : (0.4 - 1.0) * (1.0 - 2.0 * cos(th) + ss * ss / (gs - 1.0));
        cr_assert(fabs(T - alt) <= 1e-14, "g_s=%g: %.17g vs %.17g", gs, T, alt);
        cr_assert(fabs(fate_theory_lt_source(th, gs, ss) - (1.0 - m * m / q)) <= 1e-15,
                  "lt_source");
        cr_assert(fate_theory_T_ft_source(1.2, th, gs, ss) == 0.0, "g > 1");
        /* exact moments tend to the asymptotic ones */
        double me, qe;
        const size_t d = 1000000;
        fate_theory_source_moments_exact(&me, &qe, th, (size_t)llround(gs * d), d, ss);
        cr_assert(fabs(me - m) < 1e-6 && fabs(qe - q) < 1e-4, "exact moments g_s=%g", gs);
    }
    /* infinite source */
    double m, q;
    fate_theory_source_moments(&m, &q, th, INFINITY, ss);
    cr_assert(m == cos(th) && q == 1.0, "gamma_src = inf");
    fate_theory_point a = {.gamma = 0.4, .theta = th, .sigma = 0.2, .gamma_src = 0.0, .d = 100};
    fate_theory_point b = a;
    b.gamma_src = INFINITY;
    cr_assert(fate_theory_eval(&a) == FATE_OK && fate_theory_eval(&b) == FATE_OK, "eval");
    cr_assert(fabs(a.T_ft - fate_theory_T_ft(0.4, th)) <= 1e-15, "T_ft %.17g", a.T_ft);
    cr_assert(a.T_ft_gf == b.T_ft_gf && a.R_lt == b.R_lt && a.R_lt_exact == b.R_lt_exact,
              "gamma_src = 0 and inf differ");
    cr_assert(fabs(a.T_ft_gf - fate_theory_T_ft_gf(0.4, th, 0.2, 2)) <= 1e-15, "T_ft_gf");
    cr_assert(fabs(a.R_lt_exact - fate_theory_lt_exact(40, th, 0.2)) <= 1e-15,
              "R_lt_exact %.17g vs %.17g", a.R_lt_exact, fate_theory_lt_exact(40, th, 0.2));
}

Test(divergence, thresholds)
{
    cr_assert(isinf(fate_theory_scratch(1.0, 0.2)) && fate_theory_scratch(1.0, 0.2) > 0, "g=1");
    cr_assert(fate_theory_scratch(1.0, 0.0) == 0.0, "g=1, no noise: 0");
    cr_assert(fate_theory_scratch(0.5, 0.0) == 0.5 && fate_theory_scratch(2.0, 0.0) == 0.0,
              "no noise");
    for (size_t n = 99; n <= 101; ++n)
        cr_assert(isinf(fate_theory_scratch_exact(n, 100, 0.1)), "n=%zu", n);
    cr_assert(fabs(fate_theory_scratch_exact(98, 100, 0.1) - (0.02 + 0.01 * 98.0)) <= 1e-15,
              "n = d-2");
    cr_assert(fabs(fate_theory_scratch_exact(102, 100, 0.1) - 0.01 * 100.0) <= 1e-15,
              "n = d+2");
    cr_assert(fate_theory_scratch_exact(100, 100, 0.0) == 0.0, "n = d, no noise");
    double m, q;
    fate_theory_source_moments(&m, &q, 0.3, 1.0, 0.2);
    cr_assert(isinf(q) && fate_theory_lt_moments(m, q, 0.0) == 1.0, "g_s = 1");
    cr_assert(fate_theory_T_ft_source(0.5, 0.3, 1.0, 0.2) == -INFINITY, "T_ft at g_s = 1");
    cr_assert(fate_theory_T_ft_gf_exact(99, 100, 0.2, 1.0, 1.0, 2) == -INFINITY, "n = d-1");
    cr_assert(fate_theory_T_ft_gf_exact(100, 100, 0.2, 1.0, 1.0, 2) == 0.0, "n = d");
    cr_assert(isinf(fate_theory_kl_linear(0.5, 0.0)) && fate_theory_kl_linear(0.0, 0.0) == 0.0,
              "kl at sigma = 0");
    cr_assert(fabs(fate_theory_kl_linear(PI / 3, 0.5) - 2.0) <= 1e-15, "kl");
}

/* ------------------------------------------------------------------------ */
/* 6. Invalid arguments                                                      */
/* ------------------------------------------------------------------------ */

Test(invalid, functions_return_nan)
{
    cr_assert(isnan(fate_theory_scratch(0.0, 0.1)) && isnan(fate_theory_scratch(-1.0, 0.1)) &&
                  isnan(fate_theory_scratch(0.5, -0.1)) && isnan(fate_theory_scratch(NAN, 0.1)),
              "scratch");
    cr_assert(isnan(fate_theory_scratch_exact(0, 10, 0.1)) &&
                  isnan(fate_theory_scratch_exact(5, 0, 0.1)) &&
                  isnan(fate_theory_scratch_exact(5, 10, -1.0)),
              "scratch_exact");
    cr_assert(isnan(fate_theory_lt_exact(2, 0.3, 0.1)) && isnan(fate_theory_lt_exact(0, 0.3, 0.1)) &&
                  isnan(fate_theory_lt_exact(10, -0.1, 0.1)) &&
                  isnan(fate_theory_lt_exact(10, 3.2, 0.1)) &&
                  isnan(fate_theory_lt_exact(10, 0.3, -0.1)),
              "lt_exact");
    cr_assert(isnan(fate_theory_lt_ridge(-0.1, 0.0)) && isnan(fate_theory_lt_ridge(0.1, -1.0)),
              "lt_ridge");
    double m, q;
    fate_theory_source_moments(&m, &q, 0.3, -1.0, 0.1);
    cr_assert(isnan(m) && isnan(q), "source moments, gamma_src < 0");
    fate_theory_source_moments(&m, &q, 0.3, 0.5, -0.1);
    cr_assert(isnan(m) && isnan(q), "source moments, sigma_src < 0");
    fate_theory_source_moments_exact(&m, &q, 4.0, 10, 20, 0.1);
    cr_assert(isnan(m) && isnan(q), "exact source moments, theta > pi");
    fate_theory_source_moments_exact(&m, &q, 0.3, 0, 20, 0.1);
    cr_assert(isnan(m) && isnan(q), "exact source moments, n_src = 0");
    cr_assert(isnan(fate_theory_lt_moments(0.5, 0.0, 0.0)) &&
                  isnan(fate_theory_lt_moments(0.5, 1.0, -0.1)),
              "lt_moments");
    cr_assert(isnan(fate_theory_lt_exact_moments(1, 0.5, 1.0, 0.1)), "lt_exact_moments");
    cr_assert(isnan(fate_theory_T_ft(0.0, 0.3)) && isnan(fate_theory_T_ft(0.5, -0.3)), "T_ft");
    cr_assert(isnan(fate_theory_T_ft_source(0.5, 0.3, 0.5, -1.0)), "T_ft_source");
    cr_assert(isnan(fate_theory_ft_c(0.5, 1.0, 1.0, 1)) && isnan(fate_theory_ft_c(0.5, 1.0, 1.0, 0)) &&
                  isnan(fate_theory_ft_c(0.5, -1.0, 1.0, 2)) &&
                  isnan(fate_theory_ft_c(0.5, 1.0, 0.0, 2)),
              "ft_c");
    cr_assert(isnan(fate_theory_T_ft_gf(0.5, 0.3, -0.1, 2)) &&
                  isnan(fate_theory_T_ft_gf(0.5, 0.3, 0.1, 1)) &&
                  isnan(fate_theory_T_ft_gf(-0.5, 0.3, 0.1, 2)),
              "T_ft_gf");
    cr_assert(isnan(fate_theory_T_ft_gf_exact(5, 10, -0.1, 1.0, 1.0, 2)) &&
                  isnan(fate_theory_T_ft_gf_exact(5, 10, 0.1, 1.0, 1.0, 1)) &&
                  isnan(fate_theory_T_ft_gf_exact(5, 0, 0.1, 1.0, 1.0, 2)),
              "T_ft_gf_exact");
    double lo, hi, over;
    cr_assert(fate_theory_lt_boundary(&lo, &hi, &over, -0.1, 0.1) == 0 && isnan(lo) &&
                  isnan(hi) && isnan(over),
              "lt_boundary");
    cr_assert(isnan(fate_theory_kl_linear(0.3, -1.0)) && isnan(fate_theory_kl_linear(7.0, 1.0)),
              "kl");
}

Test(invalid, eval_returns_einval)
{
    const fate_theory_point good = {.gamma = 0.5, .theta = 0.3, .sigma = 0.2, .d = 100};
    fate_theory_point p = good;
    cr_assert(fate_theory_eval(&p) == FATE_OK, "the good point");

    fate_theory_point bad[8];
    for (int i = 0; i < 8; ++i)
        bad[i] = good;
    bad[0].sigma = -0.1;
    bad[1].lambda = -0.1;
    bad[2].gamma = 0.0;
    bad[3].gamma = -1.0;
    bad[4].theta = -0.01;
    bad[5].theta = 3.15;
    bad[6].depth = 1;
    bad[7].sigma_src = -1.0;
    for (int i = 0; i < 8; ++i) {
        cr_assert(fate_theory_eval(&bad[i]) == FATE_EINVAL, "case %d accepted", i);
        cr_assert(isnan(bad[i].R_sc) && isnan(bad[i].T_lt) && isnan(bad[i].R_sc_exact),
                  "case %d: outputs not NaN", i);
    }
    cr_assert(fate_theory_eval(NULL) == FATE_EINVAL, "NULL");
}
