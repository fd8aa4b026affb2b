/* test_score_reg.c - the regression-type transferability scores
 * (src/score_logme.c, score_probe.c, score_knn.c, include/fate_score.h).
 *
 * 1. LogME, the linear probe and kNN against the independent NumPy reference
 *    tests/ref/score_reg_ref.txt (tests/ref/make_score_reg_ref.py) on the
 *    inputs stored there: 1e-9 relative for LogME and the probe (the
 *    reference iterates with linear solves, the library in F's SVD), exact
 *    for kNN (the same sums in the same order).
 * 2. Edge cases: rank-deficient F, constant y, y = 0 and y in the span of F
 *    (LogME: FATE_EDOMAIN), F = 0, n < p, n = 1 and 2, interpolation
 *    (probe, lambda = 0), one class present, invariances (scale of F).
 * 3. Orientation: a feature that carries y scores above pure noise.
 * 4. Refusals: NULL, n or p = 0, NaN or inf, labels and k out of range;
 *    outputs untouched on error.
 */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fate.h"
#include "fate_score.h"
#include "ref_file.h"
#include "testutil.h"

#ifndef FATE_REF_DIR
#error "FATE_REF_DIR must be defined (tests/CMakeLists.txt sets it)"
#endif

/* ------------------------------------------------------------------------ */
/* Reference file (the format of make_distance_ref.py)                       */
/* ------------------------------------------------------------------------ */

static ref_file REF = {.path = FATE_REF_DIR "/score_reg_ref.txt"};

static const ref_entry *ref_find(const char *name) { return ref_file_find(&REF, name); }
static const ref_entry *ref_get(const char *name) { return ref_file_get(&REF, name); }
static double ref_value(const char *name) { return ref_get(name)->data[0]; }
static const double *ref_matrix(const char *name, size_t *rows, size_t *cols)
{
    return ref_file_matrix(&REF, name, rows, cols);
}

/* A stored label vector (doubles in the file) as ints. */
static int *ref_labels(const char *name, size_t *n)
{
    size_t r, c;
    const double *d = ref_matrix(name, &r, &c);
    *n = r * c;
    int *l = malloc(*n * sizeof *l);
    for (size_t i = 0; i < *n; i++) l[i] = (int)d[i];
    return l;
}

#define EXPECT_CLOSE(got, ref, rtol, what)                                                              \
    cr_expect(close_to((got), (ref), 0.0, (rtol)), "%s: %.17g vs reference %.17g", (what), (double)(got), \
              (double)(ref))

static char *nm(char *buf, const char *pre, int c, const char *what)
{
    snprintf(buf, 64, "%s%d_%s", pre, c, what);
    return buf;
}

/* ------------------------------------------------------------------------ */
/* 1. Against the reference                                                  */
/* ------------------------------------------------------------------------ */

Test(score_ref, regression)
{
    const int nc = (int)ref_value("reg_ncases");
    char b[64];
    for (int c = 0; c < nc; c++) {
        size_t n, p, ny;
        const double *F = ref_matrix(nm(b, "r", c, "F"), &n, &p);
        const double *y = ref_matrix(nm(b, "r", c, "y"), NULL, &ny);
        cr_assert_eq(ny, n);
        double lm = NAN, al = NAN, be = NAN;
        cr_assert_eq(fate_score_logme(&lm, &al, &be, F, y, n, p), FATE_OK, "case %d", c);
        const ref_entry *sup = ref_find(nm(b, "r", c, "logme_sup"));
        if (sup) {
            /* n < p where the evidence grows as beta -> infinity: the fixed
             * point never meets its 1e-3 rule and stops after 100 steps,
             * by then at the supremum along beta = infinity. The
             * reference's naive form (n - gamma and |F m - y|^2 at
             * rounding level) stalls lower on the way */
            EXPECT_CLOSE(lm, sup->data[0], 1e-9, "drift: supremum");
            cr_expect(lm >= ref_value(nm(b, "r", c, "logme")), "drift: above the stalled reference");
            cr_expect(be > 1e10 && isfinite(be) && isfinite(al), "drift: beta %g alpha %g", be, al);
        } else {
            EXPECT_CLOSE(lm, ref_value(nm(b, "r", c, "logme")), 1e-9, b);
            EXPECT_CLOSE(al, ref_value(nm(b, "r", c, "alpha")), 1e-9, b);
            EXPECT_CLOSE(be, ref_value(nm(b, "r", c, "beta")), 1e-9, b);
        }
        const char *lams[] = {"0", "0.1"};
        const double lamv[] = {0.0, 0.1};
        for (int l = 0; l < 2; l++) {
            char key[64];
            snprintf(key, sizeof key, "r%d_probe_train_l%s", c, lams[l]);
            const ref_entry *et = ref_find(key);
            double tr = NAN, lo = NAN;
            fate_status st = fate_score_probe(&tr, &lo, F, y, n, p, lamv[l]);
            if (!et) { /* interpolation at lambda = 0 */
                cr_expect_eq(st, FATE_EDOMAIN, "case %d lambda 0: leave-one-out undefined", c);
                continue;
            }
            cr_assert_eq(st, FATE_OK, "case %d lambda %s", c, lams[l]);
            EXPECT_CLOSE(tr, et->data[0], 1e-9, key);
            snprintf(key, sizeof key, "r%d_probe_loo_l%s", c, lams[l]);
            EXPECT_CLOSE(lo, ref_value(key), 1e-9, key);
        }
        for (size_t k = 1; k <= 5; k += 4) {
            char key[64];
            snprintf(key, sizeof key, "r%d_knn_k%zu", c, k);
            double v = NAN;
            if (k > n - 1) {
                cr_expect_eq(fate_score_knn(&v, F, y, n, p, k), FATE_EINVAL);
                continue;
            }
            cr_assert_eq(fate_score_knn(&v, F, y, n, p, k), FATE_OK);
            cr_expect_eq(v, ref_value(key), "%s: %.17g vs %.17g", key, v, ref_value(key));
        }
    }
}

Test(score_ref, classification)
{
    const int nc = (int)ref_value("cls_ncases");
    char b[64];
    for (int c = 0; c < nc; c++) {
        size_t n, p, nl;
        const double *F = ref_matrix(nm(b, "c", c, "F"), &n, &p);
        int *lab = ref_labels(nm(b, "c", c, "labels"), &nl);
        cr_assert_eq(nl, n);
        const size_t C = (size_t)ref_value(nm(b, "c", c, "C"));
        double lm = NAN;
        cr_assert_eq(fate_score_logme_class(&lm, F, lab, n, p, C), FATE_OK);
        EXPECT_CLOSE(lm, ref_value(nm(b, "c", c, "logme")), 1e-9, b);
        for (size_t k = 1; k <= 5; k += 4) {
            char key[64];
            snprintf(key, sizeof key, "c%d_knn_k%zu", c, k);
            double acc = NAN;
            cr_assert_eq(fate_score_knn_class(&acc, F, lab, n, p, C, k), FATE_OK);
            cr_expect_eq(acc, ref_value(key), "%s: %.17g vs %.17g", key, acc, ref_value(key));
        }
        free(lab);
    }
}

Test(score_ref, knn_ties)
{
    size_t n, p, nl;
    const double *F = ref_matrix("tie_F", &n, &p);
    const double *y = ref_matrix("tie_y", NULL, NULL);
    int *lab = ref_labels("tie_labels", &nl);
    for (size_t k = 1; k <= 3; k++) {
        char key[64];
        double v = NAN, acc = NAN;
        snprintf(key, sizeof key, "tie_knn_k%zu", k);
        cr_assert_eq(fate_score_knn(&v, F, y, n, p, k), FATE_OK);
        cr_expect_eq(v, ref_value(key), "%s: %.17g vs %.17g", key, v, ref_value(key));
        snprintf(key, sizeof key, "tie_knn_class_k%zu", k);
        cr_assert_eq(fate_score_knn_class(&acc, F, lab, n, p, 2, k), FATE_OK);
        cr_expect_eq(acc, ref_value(key), "%s: %.17g vs %.17g", key, acc, ref_value(key));
    }
    /* by hand: sample 1 (x = 1) has 0 and 2 at distance 1, k = 1 takes
     * sample 0 (smaller index): prediction y_0 = 1 */
    const double F3[] = {0.0, 1.0, 2.0}, y3[] = {1.0, 2.0, 4.0};
    double v;
    cr_assert_eq(fate_score_knn(&v, F3, y3, 3, 1, 1), FATE_OK);
    /* predictions: sample 0 <- sample 1 (y 2), sample 1 <- sample 0 (y 1), sample 2 <- sample 1 (y 2) */
    cr_expect_eq(v, -((1.0 - 2.0) * (1.0 - 2.0) + (2.0 - 1.0) * (2.0 - 1.0) + (4.0 - 2.0) * (4.0 - 2.0)) / 3.0);
    /* the vote: neighbours with labels {1, 0} at k = 2 tie, the smaller
     * label (0) wins */
    const int l3[] = {1, 0, 1};
    double acc;
    cr_assert_eq(fate_score_knn_class(&acc, F3, l3, 3, 1, 2, 2), FATE_OK);
    /* sample 0: {1, 2} -> labels {0, 1} -> 0 (wrong); sample 1: {0, 2} ->
     * {1, 1} -> 1 (wrong); sample 2: {1, 0} -> {0, 1} -> 0 (wrong) */
    cr_expect_eq(acc, 0.0);
    free(lab);
}

/* ------------------------------------------------------------------------ */
/* 2. Edge cases                                                             */
/* ------------------------------------------------------------------------ */

/* A fixed pseudo-random fill (xorshift, then uniform [-1, 1) summed three
 * times: roughly Gaussian), so the tests need no generator of the library. */
static void fill(double *a, size_t n, unsigned long long seed)
{
    unsigned long long s = seed * 2654435761ULL + 12345;
    for (size_t i = 0; i < n; i++) {
        double v = 0.0;
        for (int j = 0; j < 3; j++) {
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            v += (double)(s >> 11) / 9007199254740992.0 * 2.0 - 1.0;
        }
        a[i] = v;
    }
}

Test(score_edge, logme_y_zero_and_in_span)
{
    const size_t n = 20, p = 3;
    double F[60], y[20] = {0};
    fill(F, n * p, 1);
    double lm = 7.0, al = 7.0, be = 7.0;
    cr_expect_eq(fate_score_logme(&lm, &al, &be, F, y, n, p), FATE_EDOMAIN);
    cr_expect(lm == 7.0 && al == 7.0 && be == 7.0, "outputs untouched on error");
    /* y = F w exactly (n > p): unbounded evidence */
    for (size_t i = 0; i < n; i++) y[i] = 2.0 * F[i * p] - F[i * p + 2];
    cr_expect_eq(fate_score_logme(&lm, NULL, NULL, F, y, n, p), FATE_EDOMAIN);
    /* a one-hot class that some feature reproduces exactly */
    int lab[20];
    for (size_t i = 0; i < n; i++) {
        lab[i] = (int)(i % 2);
        F[i * p] = (double)lab[i];
    }
    cr_expect_eq(fate_score_logme_class(&lm, F, lab, n, p, 2), FATE_EDOMAIN);
}

Test(score_edge, logme_constant_and_rank_deficient)
{
    const size_t n = 30, p = 4;
    double F[120], y[30];
    fill(F, n * p, 2);
    for (size_t i = 0; i < n; i++) y[i] = -1.5, F[i * p + 3] = F[i * p + 1];
    double lm, al, be;
    cr_assert_eq(fate_score_logme(&lm, &al, &be, F, y, n, p), FATE_OK);
    cr_expect(isfinite(lm) && isfinite(al) && isfinite(be) && al > 0 && be > 0);
    /* a constant column with a constant y: y is in the span, unbounded */
    for (size_t i = 0; i < n; i++) F[i * p + 2] = 1.0;
    cr_expect_eq(fate_score_logme(&lm, &al, &be, F, y, n, p), FATE_EDOMAIN);
}

Test(score_edge, logme_zero_features)
{
    /* F = 0: the evidence is that of y ~ N(0, |y|^2/n), alpha -> infinity */
    const size_t n = 5, p = 3;
    double F[15] = {0}, y[5] = {1, -2, 0.5, 3, -1};
    double lm, al, be, yy = 0.0;
    for (size_t i = 0; i < n; i++) yy += y[i] * y[i];
    cr_assert_eq(fate_score_logme(&lm, &al, &be, F, y, n, p), FATE_OK);
    cr_expect(close_to(lm, -0.5 * log(2.0 * M_PI * yy / (double)n) - 0.5, 1e-15, 1e-14), "%.17g", lm);
    cr_expect_eq(al, DBL_MAX);
    cr_expect(close_to(be, (double)n / yy, 0.0, 1e-15));
}

Test(score_edge, logme_scale_invariance)
{
    /* scaling F by c leaves the maximised evidence unchanged (alpha takes
     * c^2); scaling y by c subtracts log c per sample. The fixed point
     * starts at alpha = beta = 1 in the caller's units, so the stopping
     * point moves with the scale within the 1e-3 tolerance on alpha/beta;
     * far from overflow here (1e100 features, 1e-150 targets). */
    const size_t n = 25, p = 4;
    double F[100], G[100], y[25], z[25], e[25];
    fill(F, n * p, 3);
    fill(e, n, 4);
    for (size_t i = 0; i < n; i++) y[i] = F[i * p] - 0.5 * F[i * p + 1] + 0.3 * e[i];
    for (size_t i = 0; i < n * p; i++) G[i] = 1e100 * F[i];
    for (size_t i = 0; i < n; i++) z[i] = 1e-150 * y[i];
    double a, b, al1, al2, be1, be2;
    cr_assert_eq(fate_score_logme(&a, &al1, &be1, F, y, n, p), FATE_OK);
    cr_assert_eq(fate_score_logme(&b, &al2, &be2, G, y, n, p), FATE_OK);
    cr_expect(close_to(b, a, 1e-6, 0.0), "%.17g vs %.17g", b, a);
    cr_expect(close_to(al2, al1 * 1e200, 0.0, 1e-2), "%g vs %g", al2, al1 * 1e200);
    cr_expect(close_to(be2, be1, 0.0, 1e-2), "%g vs %g", be2, be1);
    cr_assert_eq(fate_score_logme(&b, NULL, NULL, F, z, n, p), FATE_OK);
    cr_expect(close_to(b, a + 150.0 * log(10.0), 1e-6, 0.0), "%.17g vs %.17g", b, a + 150.0 * log(10.0));
}

Test(score_edge, small_n)
{
    double F1[2] = {0.3, -1.2}, y1[1] = {0.7};
    double lm = NAN, al, be, tr, lo;
    /* n = 1 <= rank: finite, the evidence ridge f^2/alpha + 1/beta = y^2 */
    cr_assert_eq(fate_score_logme(&lm, &al, &be, F1, y1, 1, 2), FATE_OK);
    cr_expect(isfinite(lm) && lm <= -0.5 * log(2.0 * M_PI * 0.49) - 0.5 + 1e-9, "%.17g", lm);
    cr_expect_eq(fate_score_probe(&tr, &lo, F1, y1, 1, 2, 0.0), FATE_EDOMAIN);
    cr_assert_eq(fate_score_probe(&tr, NULL, F1, y1, 1, 2, 0.0), FATE_OK, "training error alone is defined");
    cr_expect(fabs(tr) < 1e-25);
    cr_assert_eq(fate_score_probe(&tr, &lo, F1, y1, 1, 2, 0.5), FATE_OK);
    /* n = 1, lambda > 0: without the sample the fit is 0, loo = -y^2 */
    cr_expect(close_to(lo, -0.49, 0.0, 1e-12), "%.17g", lo);
    double v;
    cr_expect_eq(fate_score_knn(&v, F1, y1, 1, 2, 1), FATE_EINVAL);
    /* n = 2, p = 1 */
    double F2[2] = {1.0, 2.0}, y2[2] = {1.0, 3.0};
    cr_assert_eq(fate_score_logme(&lm, &al, &be, F2, y2, 2, 1), FATE_OK);
    cr_expect(isfinite(lm) && isfinite(al) && isfinite(be));
    cr_assert_eq(fate_score_knn(&v, F2, y2, 2, 1, 1), FATE_OK);
    cr_expect_eq(v, -4.0);
    cr_expect_eq(fate_score_knn(&v, F2, y2, 2, 1, 2), FATE_EINVAL);
    cr_assert_eq(fate_score_probe(&tr, &lo, F2, y2, 2, 1, 0.0), FATE_OK);
    /* loo: predict 3 from (1, 1): w = 1 -> 2, error 1; predict 1 from
     * (2, 3): w = 1.5 -> 1.5, error 0.5 */
    cr_expect(close_to(lo, -(1.0 + 0.25) / 2.0, 0.0, 1e-12), "%.17g", lo);
}

Test(score_edge, probe_limits)
{
    /* n < p: lambda = 0 interpolates (train 0, loo undefined); every
     * lambda > 0 gives finite values, the training error growing with it */
    const size_t n = 6, p = 10;
    double F[60], y[6];
    fill(F, n * p, 5);
    fill(y, n, 6);
    double tr, lo, tr2, lo2;
    cr_expect_eq(fate_score_probe(&tr, &lo, F, y, n, p, 0.0), FATE_EDOMAIN);
    cr_assert_eq(fate_score_probe(&tr, &lo, F, y, n, p, 1e-3), FATE_OK);
    cr_assert_eq(fate_score_probe(&tr2, &lo2, F, y, n, p, 1.0), FATE_OK);
    cr_expect(isfinite(lo) && isfinite(lo2) && tr2 < tr && tr < 0.0);
    /* a huge lambda: w -> 0, both errors -> mean y^2 */
    double yy = 0.0;
    for (size_t i = 0; i < n; i++) yy += y[i] * y[i] / (double)n;
    cr_assert_eq(fate_score_probe(&tr, &lo, F, y, n, p, 1e12), FATE_OK);
    cr_expect(close_to(tr, -yy, 0.0, 1e-9) && close_to(lo, -yy, 0.0, 1e-9), "%g %g %g", tr, lo, yy);
    /* both outputs NULL: checks only */
    cr_expect_eq(fate_score_probe(NULL, NULL, F, y, n, p, 0.1), FATE_OK);
    /* constant y, with an intercept column: fitted exactly, loo 0 */
    for (size_t i = 0; i < n; i++) y[i] = 2.0, F[i * 3] = 1.0, F[i * 3 + 1] = (double)i, F[i * 3 + 2] = (double)(i * i % 5);
    cr_assert_eq(fate_score_probe(&tr, &lo, F, y, n, 3, 0.0), FATE_OK);
    cr_expect(fabs(tr) < 1e-24 && fabs(lo) < 1e-24, "%g %g", tr, lo);
}

Test(score_edge, logme_class_classes_present)
{
    const size_t n = 12, p = 3;
    double F[36];
    fill(F, n * p, 7);
    int lab[12];
    for (size_t i = 0; i < n; i++) lab[i] = 2;
    double lm = 7.0;
    cr_expect_eq(fate_score_logme_class(&lm, F, lab, n, p, 4), FATE_EDOMAIN, "one class present");
    cr_expect_eq(lm, 7.0);
    cr_expect_eq(fate_score_logme_class(&lm, F, lab, n, p, 1), FATE_EINVAL, "C < 2");
    /* classes 0 and 3 of C = 5: the mean over the two present, the same as
     * relabelled 0 and 1 of C = 2 */
    int lab2[12];
    for (size_t i = 0; i < n; i++) lab[i] = i % 3 ? 3 : 0, lab2[i] = i % 3 ? 1 : 0;
    double a, b;
    cr_assert_eq(fate_score_logme_class(&a, F, lab, n, p, 5), FATE_OK);
    cr_assert_eq(fate_score_logme_class(&b, F, lab2, n, p, 2), FATE_OK);
    cr_expect_eq(a, b);
}

/* ------------------------------------------------------------------------ */
/* 3. Orientation                                                            */
/* ------------------------------------------------------------------------ */

Test(score_orientation, signal_beats_noise)
{
    const size_t n = 200, p = 5;
    double *Fs = dalloc(n * p), *Fn = dalloc(n * p), *y = dalloc(n), *e = dalloc(n);
    fill(Fn, n * p, 8);
    fill(y, n, 9);
    fill(e, n, 10);
    memcpy(Fs, Fn, n * p * sizeof *Fs);
    for (size_t i = 0; i < n; i++) Fs[i * p] = y[i] + 0.1 * e[i]; /* carries y */
    double ls, ln, ts, tn, os, on, ks, kn;
    cr_assert_eq(fate_score_logme(&ls, NULL, NULL, Fs, y, n, p), FATE_OK);
    cr_assert_eq(fate_score_logme(&ln, NULL, NULL, Fn, y, n, p), FATE_OK);
    cr_expect(ls > ln + 0.5, "LogME %g vs noise %g", ls, ln);
    cr_assert_eq(fate_score_probe(&ts, &os, Fs, y, n, p, 0.0), FATE_OK);
    cr_assert_eq(fate_score_probe(&tn, &on, Fn, y, n, p, 0.0), FATE_OK);
    cr_expect(ts > tn && os > on, "probe %g %g vs noise %g %g", ts, os, tn, on);
    cr_assert_eq(fate_score_knn(&ks, Fs, y, n, p, 5), FATE_OK);
    cr_assert_eq(fate_score_knn(&kn, Fn, y, n, p, 5), FATE_OK);
    cr_expect(ks > kn, "kNN %g vs noise %g", ks, kn);
    /* classes: the sign of y */
    int *lab = malloc(n * sizeof *lab);
    for (size_t i = 0; i < n; i++) lab[i] = y[i] > 0;
    cr_assert_eq(fate_score_logme_class(&ls, Fs, lab, n, p, 2), FATE_OK);
    cr_assert_eq(fate_score_logme_class(&ln, Fn, lab, n, p, 2), FATE_OK);
    cr_expect(ls > ln, "LogME class %g vs noise %g", ls, ln);
    cr_assert_eq(fate_score_knn_class(&ks, Fs, lab, n, p, 2, 5), FATE_OK);
    cr_assert_eq(fate_score_knn_class(&kn, Fn, lab, n, p, 2, 5), FATE_OK);
    cr_expect(ks > kn, "kNN class %g vs noise %g", ks, kn);
    free(Fs), free(Fn), free(y), free(e), free(lab);
}

/* ------------------------------------------------------------------------ */
/* 4. Refusals                                                               */
/* ------------------------------------------------------------------------ */

Test(score_refuse, bad_input)
{
    const size_t n = 8, p = 2;
    double F[16], y[8], o = 7.0, o2 = 7.0;
    int lab[8];
    fill(F, n * p, 11);
    fill(y, n, 12);
    for (size_t i = 0; i < n; i++) lab[i] = (int)(i % 2);
    /* NULL */
    cr_expect_eq(fate_score_logme(NULL, NULL, NULL, F, y, n, p), FATE_EINVAL);
    cr_expect_eq(fate_score_logme(&o, NULL, NULL, NULL, y, n, p), FATE_EINVAL);
    cr_expect_eq(fate_score_logme(&o, NULL, NULL, F, NULL, n, p), FATE_EINVAL);
    cr_expect_eq(fate_score_logme_class(NULL, F, lab, n, p, 2), FATE_EINVAL);
    cr_expect_eq(fate_score_logme_class(&o, F, NULL, n, p, 2), FATE_EINVAL);
    cr_expect_eq(fate_score_probe(&o, &o2, NULL, y, n, p, 0.0), FATE_EINVAL);
    cr_expect_eq(fate_score_probe(&o, &o2, F, NULL, n, p, 0.0), FATE_EINVAL);
    cr_expect_eq(fate_score_knn(NULL, F, y, n, p, 1), FATE_EINVAL);
    cr_expect_eq(fate_score_knn(&o, F, NULL, n, p, 1), FATE_EINVAL);
    cr_expect_eq(fate_score_knn_class(NULL, F, lab, n, p, 2, 1), FATE_EINVAL);
    cr_expect_eq(fate_score_knn_class(&o, NULL, lab, n, p, 2, 1), FATE_EINVAL);
    /* n or p = 0 */
    cr_expect_eq(fate_score_logme(&o, NULL, NULL, F, y, 0, p), FATE_EINVAL);
    cr_expect_eq(fate_score_logme(&o, NULL, NULL, F, y, n, 0), FATE_EINVAL);
    cr_expect_eq(fate_score_logme_class(&o, F, lab, 0, p, 2), FATE_EINVAL);
    cr_expect_eq(fate_score_probe(&o, &o2, F, y, 0, p, 0.0), FATE_EINVAL);
    cr_expect_eq(fate_score_probe(&o, &o2, F, y, n, 0, 0.0), FATE_EINVAL);
    cr_expect_eq(fate_score_knn(&o, F, y, 0, p, 1), FATE_EINVAL);
    cr_expect_eq(fate_score_knn_class(&o, F, lab, n, 0, 2, 1), FATE_EINVAL);
    /* lambda and k out of range */
    cr_expect_eq(fate_score_probe(&o, &o2, F, y, n, p, -1e-3), FATE_EINVAL);
    cr_expect_eq(fate_score_probe(&o, &o2, F, y, n, p, NAN), FATE_EINVAL);
    cr_expect_eq(fate_score_probe(&o, &o2, F, y, n, p, INFINITY), FATE_EINVAL);
    cr_expect_eq(fate_score_knn(&o, F, y, n, p, 0), FATE_EINVAL);
    cr_expect_eq(fate_score_knn(&o, F, y, n, p, n), FATE_EINVAL);
    cr_expect_eq(fate_score_knn_class(&o, F, lab, n, p, 2, 0), FATE_EINVAL);
    cr_expect_eq(fate_score_knn_class(&o, F, lab, n, p, 2, n), FATE_EINVAL);
    cr_expect_eq(fate_score_knn_class(&o, F, lab, n, p, 0, 1), FATE_EINVAL);
    /* labels out of range */
    lab[3] = 2;
    cr_expect_eq(fate_score_logme_class(&o, F, lab, n, p, 2), FATE_EINVAL);
    cr_expect_eq(fate_score_knn_class(&o, F, lab, n, p, 2, 1), FATE_EINVAL);
    lab[3] = -1;
    cr_expect_eq(fate_score_logme_class(&o, F, lab, n, p, 2), FATE_EINVAL);
    cr_expect_eq(fate_score_knn_class(&o, F, lab, n, p, 2, 1), FATE_EINVAL);
    lab[3] = 1;
    /* NaN and inf */
    const double bad[] = {NAN, INFINITY, -INFINITY};
    for (int b = 0; b < 3; b++) {
        double F2[16], y2[8];
        memcpy(F2, F, sizeof F2), memcpy(y2, y, sizeof y2);
        F2[5] = bad[b];
        cr_expect_eq(fate_score_logme(&o, NULL, NULL, F2, y, n, p), FATE_EINVAL);
        cr_expect_eq(fate_score_logme_class(&o, F2, lab, n, p, 2), FATE_EINVAL);
        cr_expect_eq(fate_score_probe(&o, &o2, F2, y, n, p, 0.1), FATE_EINVAL);
        cr_expect_eq(fate_score_knn(&o, F2, y, n, p, 1), FATE_EINVAL);
        cr_expect_eq(fate_score_knn_class(&o, F2, lab, n, p, 2, 1), FATE_EINVAL);
        y2[2] = bad[b];
        cr_expect_eq(fate_score_logme(&o, NULL, NULL, F, y2, n, p), FATE_EINVAL);
        cr_expect_eq(fate_score_probe(&o, &o2, F, y2, n, p, 0.1), FATE_EINVAL);
        cr_expect_eq(fate_score_knn(&o, F, y2, n, p, 1), FATE_EINVAL);
    }
    cr_expect(o == 7.0 && o2 == 7.0, "outputs untouched on error");
    /* an overflowing score: targets near 1e200 */
    for (size_t i = 0; i < n; i++) y[i] *= 1e200;
    cr_expect_eq(fate_score_knn(&o, F, y, n, p, 1), FATE_EDOMAIN);
    cr_expect_eq(fate_score_probe(&o, &o2, F, y, n, p, 0.1), FATE_EDOMAIN);
    cr_expect(o == 7.0 && o2 == 7.0, "outputs untouched on error");
}

/* Features of rank 0 (F = 0): the probe explains nothing, its error is
 * |y|^2/n at any lambda (the residual is y itself, not uninitialised). */
Test(score_edge, probe_zero_features)
{
    double F[12] = {0}, y[6] = {1, 2, 3, 4, 5, 6}, tr = NAN, loo = NAN;
    cr_assert_eq(fate_score_probe(&tr, &loo, F, y, 6, 2, 0.5), FATE_OK);
    cr_assert(close_to(tr, -91.0 / 6.0, 0, 1e-15), "train %.17g", tr);
    cr_assert(close_to(loo, -91.0 / 6.0, 0, 1e-15), "loo %.17g", loo);
    cr_assert_eq(fate_score_probe(&tr, NULL, F, y, 6, 2, 0.0), FATE_OK);
    cr_assert(close_to(tr, -91.0 / 6.0, 0, 1e-15), "train at lambda 0 %.17g", tr);
}
