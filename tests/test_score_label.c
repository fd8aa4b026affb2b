/* test_score_label.c - the label-based transferability scores of
 * include/fate_score.h (src/score_leep.c, score_hscore.c, score_gbc.c,
 * score_transrate.c).
 *
 * 1. Every score against the independent NumPy reference
 *    tests/ref/score_label_ref.csv (tests/ref/make_score_label_ref.py), on
 *    the stored inputs: n > p, n < p, rank-deficient F, C = 2 and 3, Cs = 2
 *    with Ct = 3, a target and a source class absent; 1e-9 relative.
 * 2. The edges fate_score.h documents: one class present, constant labels,
 *    a class of one sample (GBC), constant features, and the refusals (NULL,
 *    n or p zero, NaN, labels out of range, P_src rows off 1, eps <= 0),
 *    with the output untouched on error.
 * 3. Without an oracle: LEEP of one-hot predictions is NCE; LEEP and NCE
 *    higher when the source labels are the target labels than when
 *    independent of them; H-score, GBC and TransRate higher on
 *    class-separated features than on noise.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fate.h"
#include "fate_score.h"
#include "testutil.h"

#ifndef FATE_REF_DIR
#error "FATE_REF_DIR must be defined (tests/CMakeLists.txt sets it)"
#endif

/* ------------------------------------------------------------------------ */
/* Reference file: case,field,v1,v2,...                                     */
/* ------------------------------------------------------------------------ */

enum { MAX_CASES = 16, LINE_MAX_CHARS = 1 << 16 };

typedef struct ref_case {
    char name[32];
    size_t n, p, C, Cs;
    double *F, *P;
    int *labels, *src;
    double leep, nce, hscore, gbc, transrate;
} ref_case;

static ref_case CASES[MAX_CASES];
static size_t NCASES;

static ref_case *case_named(const char *name)
{
    for (size_t i = 0; i < NCASES; i++)
        if (!strcmp(CASES[i].name, name)) return &CASES[i];
    cr_assert_lt(NCASES, MAX_CASES);
    ref_case *c = &CASES[NCASES++];
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", name);
    return c;
}

/* Reads count values after the field into a new array. */
static double *read_doubles(char *p, size_t count)
{
    double *v = dalloc(count);
    for (size_t i = 0; i < count; i++) {
        cr_assert_eq(*p, ',', "short record");
        v[i] = strtod(p + 1, &p);
    }
    return v;
}

static int *read_ints(char *p, size_t count)
{
    int *v = calloc(count, sizeof *v);
    for (size_t i = 0; i < count; i++) {
        cr_assert_eq(*p, ',', "short record");
        v[i] = (int)strtol(p + 1, &p, 10);
    }
    return v;
}

static void ref_load(void)
{
    NCASES = 0;
    FILE *f = fopen(FATE_REF_DIR "/score_label_ref.csv", "r");
    cr_assert_not_null(f, "tests/ref/score_label_ref.csv (run tests/ref/make_score_label_ref.py)");
    char *line = malloc(LINE_MAX_CHARS);
    while (fgets(line, LINE_MAX_CHARS, f)) {
        cr_assert_not_null(strchr(line, '\n'), "line longer than the buffer");
        if (line[0] == '#') continue;
        char *c1 = strchr(line, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
        cr_assert(c1 && c2, "bad record: %s", line);
        *c1 = *c2 = '\0';
        ref_case *c = case_named(line);
        char field[32];
        snprintf(field, sizeof field, "%s", c1 + 1);
        *c2 = ','; /* the values start at this comma */
        if (!strcmp(field, "dims")) {
            double *d = read_doubles(c2, 4);
            c->n = (size_t)d[0], c->p = (size_t)d[1], c->C = (size_t)d[2], c->Cs = (size_t)d[3];
            free(d);
        } else if (!strcmp(field, "F")) c->F = read_doubles(c2, c->n * c->p);
        else if (!strcmp(field, "P_src")) c->P = read_doubles(c2, c->n * c->Cs);
        else if (!strcmp(field, "labels")) c->labels = read_ints(c2, c->n);
        else if (!strcmp(field, "src_labels")) c->src = read_ints(c2, c->n);
        else {
            double v = strtod(c2 + 1, NULL);
            if (!strcmp(field, "leep")) c->leep = v;
            else if (!strcmp(field, "nce")) c->nce = v;
            else if (!strcmp(field, "hscore")) c->hscore = v;
            else if (!strcmp(field, "gbc")) c->gbc = v;
            else if (!strcmp(field, "transrate")) c->transrate = v;
            else cr_assert_fail("unknown field %s", field);
        }
    }
    free(line);
    fclose(f);
}

static void ref_free(void)
{
    for (size_t i = 0; i < NCASES; i++) {
        free(CASES[i].F);
        free(CASES[i].P);
        free(CASES[i].labels);
        free(CASES[i].src);
    }
    NCASES = 0;
}

TestSuite(score_ref, .init = ref_load, .fini = ref_free);

#define REF_RTOL 1e-9

static void expect_ref(fate_status st, double got, double ref, const char *what, const char *name)
{
    cr_expect_eq(st, FATE_OK, "%s %s: status %d", name, what, (int)st);
    cr_expect(close_to(got, ref, 0.0, REF_RTOL), "%s %s: %.17g vs reference %.17g", name, what, got, ref);
}

Test(score_ref, all_cases_against_numpy)
{
    cr_assert_eq(NCASES, 7, "the reference has 7 cases");
    for (size_t i = 0; i < NCASES; i++) {
        const ref_case *c = &CASES[i];
        cr_assert(c->F && c->P && c->labels && c->src, "%s: incomplete", c->name);
        /* each call before its check: an argument list has no order */
        double v = NAN;
        fate_status st = fate_score_leep(&v, c->P, c->labels, c->n, c->Cs, c->C);
        expect_ref(st, v, c->leep, "leep", c->name);
        st = fate_score_nce(&v, c->src, c->labels, c->n, c->Cs, c->C);
        expect_ref(st, v, c->nce, "nce", c->name);
        st = fate_score_hscore(&v, c->F, c->labels, c->n, c->p, c->C);
        expect_ref(st, v, c->hscore, "hscore", c->name);
        st = fate_score_gbc(&v, c->F, c->labels, c->n, c->p, c->C);
        expect_ref(st, v, c->gbc, "gbc", c->name);
        st = fate_score_transrate(&v, c->F, c->labels, c->n, c->p, c->C, 1e-4);
        expect_ref(st, v, c->transrate, "transrate", c->name);
    }
}

/* n < p: the class means span the between-class space, and cov(F)^+ inverts
 * it on the span of the centred rows, so H = C' - 1 (here 2). */
Test(score_ref, hscore_n_below_p_is_classes_minus_one)
{
    const ref_case *c = case_named("n_lt_p");
    double h = NAN;
    cr_assert_eq(fate_score_hscore(&h, c->F, c->labels, c->n, c->p, c->C), FATE_OK);
    cr_expect(close_to(h, 2.0, 0.0, 1e-9), "H %.17g", h);
}

/* ------------------------------------------------------------------------ */
/* Fixed inputs written here                                                 */
/* ------------------------------------------------------------------------ */

/* A deterministic stream of N(0, 1) draws (Box-Muller over a 64-bit LCG):
 * the tests need fixed matrices, not fate's generator. */
static double gauss(unsigned long long *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    const double u1 = ((double)(*s >> 11) + 0.5) / 9007199254740992.0;
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    const double u2 = ((double)(*s >> 11) + 0.5) / 9007199254740992.0;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* F (n, p): N(0, 1) noise plus shift * e_{label mod p} per row. */
static double *features(const int *labels, size_t n, size_t p, double shift, unsigned long long seed)
{
    double *F = dalloc(n * p);
    for (size_t i = 0; i < n * p; i++) F[i] = gauss(&seed);
    for (size_t i = 0; i < n; i++) F[i * p + (size_t)labels[i] % p] += shift;
    return F;
}

static int *cyclic_labels(size_t n, size_t C)
{
    int *y = calloc(n, sizeof *y);
    for (size_t i = 0; i < n; i++) y[i] = (int)(i % C);
    return y;
}

/* ------------------------------------------------------------------------ */
/* Edges and refusals                                                        */
/* ------------------------------------------------------------------------ */

#define SENTINEL 12345.0

/* The feature scores refuse one class present (and constant labels, the same
 * thing) as undefined, and leave the output untouched. */
Test(score_edges, one_class_present_is_edomain)
{
    const size_t n = 10, p = 3, C = 3;
    int y[10] = {0};
    for (size_t i = 0; i < n; i++) y[i] = 2;
    double *F = features(y, n, p, 0.0, 1);
    double v = SENTINEL;
    cr_expect_eq(fate_score_hscore(&v, F, y, n, p, C), FATE_EDOMAIN);
    cr_expect_eq(fate_score_gbc(&v, F, y, n, p, C), FATE_EDOMAIN);
    cr_expect_eq(fate_score_transrate(&v, F, y, n, p, C, 1e-4), FATE_EDOMAIN);
    cr_expect_eq(fate_score_hscore(&v, F, y, n, p, 1), FATE_EINVAL, "label 2 out of [0, 1)");
    for (size_t i = 0; i < n; i++) y[i] = 0;
    cr_expect_eq(fate_score_hscore(&v, F, y, n, p, 1), FATE_EDOMAIN, "C = 1");
    cr_expect_eq(v, SENTINEL);
    free(F);
}

/* LEEP and NCE of constant target labels: the label is known, P(y | z) = 1,
 * both are 0. */
Test(score_edges, leep_nce_constant_labels_are_zero)
{
    const size_t n = 6, Cs = 3;
    const int y[6] = {1, 1, 1, 1, 1, 1}, z[6] = {0, 1, 2, 0, 1, 2};
    double P[18];
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < Cs; k++) P[i * Cs + k] = k == (size_t)z[i] ? 0.6 : 0.2;
    double v = SENTINEL;
    cr_expect_eq(fate_score_leep(&v, P, y, n, Cs, 2), FATE_OK);
    cr_expect(fabs(v) <= 1e-15, "LEEP %g", v);
    cr_expect_eq(fate_score_nce(&v, z, y, n, Cs, 2), FATE_OK);
    cr_expect_eq(v, 0.0);
}

/* GBC needs a variance per class: a class of one sample is undefined. */
Test(score_edges, gbc_class_of_one_sample)
{
    const size_t n = 7, p = 2, C = 3;
    const int y[7] = {0, 0, 0, 1, 1, 1, 2};
    double *F = features(y, n, p, 1.0, 2);
    double v = SENTINEL;
    cr_expect_eq(fate_score_gbc(&v, F, y, n, p, C), FATE_EDOMAIN);
    cr_expect_eq(v, SENTINEL);
    /* the other feature scores are defined there */
    cr_expect_eq(fate_score_hscore(&v, F, y, n, p, C), FATE_OK);
    cr_expect(isfinite(v));
    cr_expect_eq(fate_score_transrate(&v, F, y, n, p, C, 1e-4), FATE_OK);
    cr_expect(isfinite(v));
    free(F);
}

/* Constant features: cov(F) = 0 has an empty pseudo-inverse (H = 0), every
 * coding rate is 0 (TR = 0), every variance is at the floor and the means
 * agree, so each ordered pair has BC = 1: GBC = -C'(C' - 1). */
Test(score_edges, constant_features)
{
    const size_t n = 9, p = 4, C = 3;
    int *y = cyclic_labels(n, C);
    double F[36];
    for (size_t i = 0; i < n * p; i++) F[i] = 2.5;
    double v = SENTINEL;
    cr_expect_eq(fate_score_hscore(&v, F, y, n, p, C), FATE_OK);
    cr_expect_eq(v, 0.0);
    cr_expect_eq(fate_score_transrate(&v, F, y, n, p, C, 1e-4), FATE_OK);
    cr_expect_eq(v, 0.0);
    cr_expect_eq(fate_score_gbc(&v, F, y, n, p, C), FATE_OK);
    cr_expect(close_to(v, -6.0, 0.0, 1e-15), "GBC %g", v);
    free(y);
}

Test(score_edges, refusals_leave_output_untouched)
{
    const size_t n = 8, p = 3, C = 2, Cs = 2;
    int *y = cyclic_labels(n, C);
    double *F = features(y, n, p, 1.0, 3);
    double P[16];
    int z[8];
    for (size_t i = 0; i < n; i++) {
        P[i * Cs] = 0.7, P[i * Cs + 1] = 0.3;
        z[i] = (int)(i % Cs);
    }
    double v = SENTINEL;
    /* NULL and zero sizes */
    cr_expect_eq(fate_score_leep(NULL, P, y, n, Cs, C), FATE_EINVAL);
    cr_expect_eq(fate_score_leep(&v, NULL, y, n, Cs, C), FATE_EINVAL);
    cr_expect_eq(fate_score_leep(&v, P, NULL, n, Cs, C), FATE_EINVAL);
    cr_expect_eq(fate_score_leep(&v, P, y, 0, Cs, C), FATE_EINVAL);
    cr_expect_eq(fate_score_leep(&v, P, y, n, 0, C), FATE_EINVAL);
    cr_expect_eq(fate_score_nce(&v, NULL, y, n, Cs, C), FATE_EINVAL);
    cr_expect_eq(fate_score_nce(&v, z, y, n, Cs, 0), FATE_EINVAL);
    cr_expect_eq(fate_score_hscore(&v, NULL, y, n, p, C), FATE_EINVAL);
    cr_expect_eq(fate_score_hscore(&v, F, NULL, n, p, C), FATE_EINVAL);
    cr_expect_eq(fate_score_gbc(&v, F, y, n, 0, C), FATE_EINVAL);
    cr_expect_eq(fate_score_gbc(&v, F, y, 0, p, C), FATE_EINVAL);
    cr_expect_eq(fate_score_transrate(&v, F, y, n, p, 0, 1e-4), FATE_EINVAL);
    /* eps out of range */
    cr_expect_eq(fate_score_transrate(&v, F, y, n, p, C, 0.0), FATE_EINVAL);
    cr_expect_eq(fate_score_transrate(&v, F, y, n, p, C, -1e-4), FATE_EINVAL);
    cr_expect_eq(fate_score_transrate(&v, F, y, n, p, C, NAN), FATE_EINVAL);
    cr_expect_eq(fate_score_transrate(&v, F, y, n, p, C, INFINITY), FATE_EINVAL);
    /* labels out of range, both ways */
    y[3] = (int)C;
    cr_expect_eq(fate_score_leep(&v, P, y, n, Cs, C), FATE_EINVAL);
    cr_expect_eq(fate_score_nce(&v, z, y, n, Cs, C), FATE_EINVAL);
    cr_expect_eq(fate_score_hscore(&v, F, y, n, p, C), FATE_EINVAL);
    cr_expect_eq(fate_score_gbc(&v, F, y, n, p, C), FATE_EINVAL);
    cr_expect_eq(fate_score_transrate(&v, F, y, n, p, C, 1e-4), FATE_EINVAL);
    y[3] = -1;
    cr_expect_eq(fate_score_leep(&v, P, y, n, Cs, C), FATE_EINVAL);
    cr_expect_eq(fate_score_hscore(&v, F, y, n, p, C), FATE_EINVAL);
    cr_expect_eq(fate_score_gbc(&v, F, y, n, p, C), FATE_EINVAL);
    cr_expect_eq(fate_score_transrate(&v, F, y, n, p, C, 1e-4), FATE_EINVAL);
    y[3] = 1;
    z[2] = (int)Cs;
    cr_expect_eq(fate_score_nce(&v, z, y, n, Cs, C), FATE_EINVAL, "source label out of range");
    z[2] = 0;
    /* P_src rows: off 1 by more than 1e-9, negative, NaN */
    P[5] += 2e-9;
    cr_expect_eq(fate_score_leep(&v, P, y, n, Cs, C), FATE_EINVAL);
    P[5] -= 2e-9;
    P[4] = -0.1, P[5] = 1.1;
    cr_expect_eq(fate_score_leep(&v, P, y, n, Cs, C), FATE_EINVAL);
    P[4] = NAN;
    cr_expect_eq(fate_score_leep(&v, P, y, n, Cs, C), FATE_EINVAL);
    P[4] = 0.7, P[5] = 0.3;
    /* NaN and inf in F */
    F[5] = NAN;
    cr_expect_eq(fate_score_hscore(&v, F, y, n, p, C), FATE_EINVAL);
    cr_expect_eq(fate_score_gbc(&v, F, y, n, p, C), FATE_EINVAL);
    cr_expect_eq(fate_score_transrate(&v, F, y, n, p, C, 1e-4), FATE_EINVAL);
    F[5] = -INFINITY;
    cr_expect_eq(fate_score_hscore(&v, F, y, n, p, C), FATE_EINVAL);
    cr_expect_eq(v, SENTINEL, "untouched on error");
    /* and the same inputs, repaired, are accepted */
    F[5] = 0.0;
    cr_expect_eq(fate_score_leep(&v, P, y, n, Cs, C), FATE_OK);
    cr_expect_eq(fate_score_nce(&v, z, y, n, Cs, C), FATE_OK);
    cr_expect_eq(fate_score_hscore(&v, F, y, n, p, C), FATE_OK);
    cr_expect_eq(fate_score_gbc(&v, F, y, n, p, C), FATE_OK);
    cr_expect_eq(fate_score_transrate(&v, F, y, n, p, C, 1e-4), FATE_OK);
    free(y);
    free(F);
}

/* A source class that nothing predicts (P(z) = 0) contributes nothing: LEEP
 * is the same with that column removed. */
Test(score_edges, leep_unused_source_class)
{
    const size_t n = 6;
    const int y[6] = {0, 1, 0, 1, 1, 0};
    const double P3[18] = {0.5, 0, 0.5, 0.2, 0, 0.8, 0.9, 0, 0.1, 0.3, 0, 0.7, 0.4, 0, 0.6, 0.6, 0, 0.4};
    double P2[12];
    for (size_t i = 0; i < n; i++) P2[2 * i] = P3[3 * i], P2[2 * i + 1] = P3[3 * i + 2];
    double a = NAN, b = NAN;
    cr_assert_eq(fate_score_leep(&a, P3, y, n, 3, 2), FATE_OK);
    cr_assert_eq(fate_score_leep(&b, P2, y, n, 2, 2), FATE_OK);
    cr_expect(isfinite(a) && a <= 0.0);
    cr_expect(close_to(a, b, 0.0, 1e-15), "%.17g vs %.17g", a, b);
}

/* With one-hot predictions LEEP is 1/n sum_i log P(y_i | z_i) =
 * sum_{y,z} P(y, z) log P(y | z): NCE of the same hard labels (Nguyen et al.
 * 2020, section 3). On every reference case. */
Test(score_ref, leep_of_one_hot_predictions_is_nce)
{
    for (size_t i = 0; i < NCASES; i++) {
        const ref_case *c = &CASES[i];
        double *H = dalloc(c->n * c->Cs);
        for (size_t r = 0; r < c->n; r++) H[r * c->Cs + (size_t)c->src[r]] = 1.0;
        double l = NAN, e = NAN;
        cr_assert_eq(fate_score_leep(&l, H, c->labels, c->n, c->Cs, c->C), FATE_OK);
        cr_assert_eq(fate_score_nce(&e, c->src, c->labels, c->n, c->Cs, c->C), FATE_OK);
        cr_expect(close_to(l, e, 1e-15, 1e-13), "%s: LEEP %.17g, NCE %.17g", c->name, l, e);
        free(H);
    }
}

/* ------------------------------------------------------------------------ */
/* Sanity                                                                    */
/* ------------------------------------------------------------------------ */

/* Source labels equal to the target labels (a confident, mostly right
 * source model) against source labels independent of them. */
Test(score_sanity, leep_nce_prefer_informative_source)
{
    enum { N = 300, CT = 3 };
    int *y = cyclic_labels(N, CT);
    int same[N], indep[N];
    double Psame[N * CT], Pindep[N * CT];
    unsigned long long s = 7;
    for (size_t i = 0; i < N; i++) {
        same[i] = y[i];
        indep[i] = (int)((size_t)(fabs(gauss(&s)) * 1000.0) % CT);
        for (size_t k = 0; k < CT; k++) {
            Psame[i * CT + k] = k == (size_t)same[i] ? 0.8 : 0.1;
            Pindep[i * CT + k] = k == (size_t)indep[i] ? 0.8 : 0.1;
        }
    }
    double ls = NAN, li = NAN, ns = NAN, ni = NAN;
    cr_assert_eq(fate_score_leep(&ls, Psame, y, N, CT, CT), FATE_OK);
    cr_assert_eq(fate_score_leep(&li, Pindep, y, N, CT, CT), FATE_OK);
    cr_assert_eq(fate_score_nce(&ns, same, y, N, CT, CT), FATE_OK);
    cr_assert_eq(fate_score_nce(&ni, indep, y, N, CT, CT), FATE_OK);
    cr_expect_gt(ls, li, "LEEP same %g, independent %g", ls, li);
    cr_expect_gt(ns, ni, "NCE same %g, independent %g", ns, ni);
    cr_expect_eq(ns, 0.0, "NCE of identical labels is -H(Y | Y) = 0");
    cr_expect_leq(li, 0.0);
    cr_expect_geq(ni, -log((double)CT) - 1e-12, "NCE >= -log Ct");
    free(y);
}

Test(score_sanity, feature_scores_prefer_separated_classes)
{
    const size_t n = 120, p = 6, C = 3;
    int *y = cyclic_labels(n, C);
    double *sep = features(y, n, p, 4.0, 11), *noise = features(y, n, p, 0.0, 12);
    double a = NAN, b = NAN;
    cr_assert_eq(fate_score_hscore(&a, sep, y, n, p, C), FATE_OK);
    cr_assert_eq(fate_score_hscore(&b, noise, y, n, p, C), FATE_OK);
    cr_expect_gt(a, b, "H-score separated %g, noise %g", a, b);
    cr_expect(a <= (double)(C - 1) + 1e-9, "H <= C' - 1");
    cr_assert_eq(fate_score_gbc(&a, sep, y, n, p, C), FATE_OK);
    cr_assert_eq(fate_score_gbc(&b, noise, y, n, p, C), FATE_OK);
    cr_expect_gt(a, b, "GBC separated %g, noise %g", a, b);
    cr_expect(a <= 0.0 && b >= -(double)(C * (C - 1)), "GBC in [-C'(C'-1), 0]");
    cr_assert_eq(fate_score_transrate(&a, sep, y, n, p, C, 1e-4), FATE_OK);
    cr_assert_eq(fate_score_transrate(&b, noise, y, n, p, C, 1e-4), FATE_OK);
    cr_expect_gt(a, b, "TransRate separated %g, noise %g", a, b);
    free(y);
    free(sep);
    free(noise);
}

/* H-score does not depend on the scale of F, even where cov(F) would
 * overflow or underflow a double (F scaled by a power of two inside). */
Test(score_edges, hscore_scale_invariant)
{
    double F[16], G[16], h0 = NAN, h = NAN;
    const int lab[8] = {0, 1, 0, 1, 1, 0, 1, 0};
    for (size_t i = 0; i < 16; i++) F[i] = sin(1.0 + 3.7 * (double)i) + (double)lab[i / 2] * 0.8;
    cr_assert_eq(fate_score_hscore(&h0, F, lab, 8, 2, 2), FATE_OK);
    const double scales[4] = {1e160, 1e200, 1e-160, 1e-300};
    for (int k = 0; k < 4; k++) {
        for (size_t i = 0; i < 16; i++) G[i] = F[i] * scales[k];
        cr_assert_eq(fate_score_hscore(&h, G, lab, 8, 2, 2), FATE_OK);
        cr_assert(fabs(h - h0) <= 1e-12 * fabs(h0), "scale %g: %.17g vs %.17g", scales[k], h, h0);
    }
}
