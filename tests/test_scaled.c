/* test_scaled.c - teachers of norms a_s, a_t (fate_spec.source_scale,
 * target_scale; THEORY.md "Teachers of other norms"): the theory against
 * the independent NumPy reference tests/ref/scaled_ref.csv (written in the
 * actual norms by tests/ref/make_scaled_ref.py), unit norms unchanged, and
 * the simulation within 3 standard errors of the theory. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fate.h"
#include "testutil.h"

static int same_or_close(double got, double ref)
{
    if (isnan(ref)) return isnan(got);
    return close_to(got, ref, 1e-12, 1e-10);
}

Test(scaled, theory_against_numpy_reference)
{
    FILE *f = fopen(FATE_REF_DIR "/scaled_ref.csv", "r");
    cr_assert_not_null(f, "tests/ref/scaled_ref.csv (run tests/ref/make_scaled_ref.py)");
    char line[512];
    cr_assert_not_null(fgets(line, sizeof line, f));
    size_t rows = 0;
    while (fgets(line, sizeof line, f)) {
        double v[11];
        char *p = line;
        for (int k = 0; k < 11; k++) {
            v[k] = strtod(p, &p);
            if (*p == ',') p++;
        }
        fate_spec s;
        fate_spec_default(&s);
        s.d = (size_t)v[0], s.n = (size_t)v[1], s.depth = (size_t)v[2], s.sigma = v[3], s.theta = v[4];
        s.source_scale = v[5], s.target_scale = v[6];
        fate_spec_theory t;
        cr_assert_eq(fate_spec_theory_eval(&t, &s), FATE_OK);
        cr_expect(same_or_close(t.scratch, v[7]), "row %zu R_sc %.17g vs %.17g", rows, t.scratch, v[7]);
        cr_expect(same_or_close(t.T_lt, v[8]), "row %zu T_lt %.17g vs %.17g", rows, t.T_lt, v[8]);
        cr_expect(same_or_close(t.T_ft, v[9]), "row %zu T_ft %.17g vs %.17g", rows, t.T_ft, v[9]);
        cr_expect(same_or_close(t.ft_c, v[10]), "row %zu c %.17g vs %.17g", rows, t.ft_c, v[10]);
        rows++;
    }
    fclose(f);
    cr_assert_eq(rows, 320);
}

/* 0 means 1: a spec that never heard of the scales runs as before, bit for bit. */
Test(scaled, unit_norms_unchanged)
{
    fate_spec a, b;
    fate_spec_default(&a);
    a.d = 30, a.n = 12, a.theta = 1.1;
    b = a;
    b.source_scale = 1.0, b.target_scale = 1.0;
    fate_instance_result ra[2], rb[2];
    cr_assert_eq(fate_run(ra, &a, 0, 2, 1, NULL, NULL, NULL), FATE_OK);
    cr_assert_eq(fate_run(rb, &b, 0, 2, 1, NULL, NULL, NULL), FATE_OK);
    cr_expect_eq(memcmp(ra, rb, sizeof ra), 0);
    fate_spec_theory ta, tb;
    cr_assert_eq(fate_spec_theory_eval(&ta, &a), FATE_OK);
    cr_assert_eq(fate_spec_theory_eval(&tb, &b), FATE_OK);
    cr_expect_eq(memcmp(&ta, &tb, sizeof ta), 0);
    b.source_scale = -1.0;
    cr_expect_not_null(fate_spec_check(&b));
    b.source_scale = 1.0, b.target_scale = NAN;
    cr_expect_not_null(fate_spec_check(&b));
    /* ridge theory holds at a_s = 1 only (the feature's norm is a_s^(2(L-1)/L)) */
    b.target_scale = 2.0, b.lambda = 0.1;
    cr_assert_eq(fate_spec_theory_eval(&tb, &b), FATE_OK);
    cr_expect(isfinite(tb.lt));
    b.source_scale = 2.0;
    cr_assert_eq(fate_spec_theory_eval(&tb, &b), FATE_OK);
    cr_expect(isnan(tb.lt));
}

/* mean and standard error of x (K) */
static void stat(const double *x, size_t K, double *m, double *se)
{
    *m = mean_of(x, K);
    double v = 0;
    for (size_t i = 0; i < K; i++) v += (x[i] - *m) * (x[i] - *m);
    *se = sqrt(v / (double)(K - 1) / (double)K);
}

/* The simulated T of linear transfer and fine-tuning within 3 standard
 * errors of the theory at d = 200, n = 100, for teachers far from unit norm. */
Test(scaled, simulation_within_3_se, .timeout = 120)
{
    const double pairs[][2] = {{1.0, 3.0}, {0.5, 0.5}, {2.0, 1.0}};
    enum { K = 40 };
    for (size_t c = 0; c < 3; c++) {
        fate_spec s;
        fate_spec_default(&s);
        s.d = 200, s.n = 100, s.theta = M_PI / 3, s.sigma = 0.2;
        s.source_scale = pairs[c][0], s.target_scale = pairs[c][1];
        fate_instance_result r[K];
        cr_assert_eq(fate_run(r, &s, 0, K, 2, NULL, NULL, NULL), FATE_OK);
        double tl[K], tf[K], ml, sl, mf, sf;
        for (size_t i = 0; i < K; i++) {
            tl[i] = r[i].scratch.risk - r[i].lt.risk;
            tf[i] = r[i].scratch.risk - r[i].ft.risk;
        }
        stat(tl, K, &ml, &sl);
        stat(tf, K, &mf, &sf);
        fate_spec_theory t;
        cr_assert_eq(fate_spec_theory_eval(&t, &s), FATE_OK);
        cr_expect(fabs(ml - t.T_lt) < 3 * sl, "a_s %g a_t %g: T_lt %g +- %g vs theory %g", pairs[c][0],
                  pairs[c][1], ml, sl, t.T_lt);
        cr_expect(fabs(mf - t.T_ft) < 3 * sf, "a_s %g a_t %g: T_ft %g +- %g vs theory %g", pairs[c][0],
                  pairs[c][1], mf, sf, t.T_ft);
    }
}
