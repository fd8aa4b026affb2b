/* score_knn.c - the leave-one-out k-nearest-neighbour scores of
 * fate_score.h: each sample predicted from its k nearest other samples in
 * Euclidean distance on F, by the mean of their targets (regression) or
 * their majority label (classification).
 *
 * Brute force: every sample's distances to all others, then a sort, so
 * O(n^2 (p + log n)) time and O(n p) memory; the scores are meant for the
 * few thousand target samples of a transfer experiment, where this is fast
 * and exact. Distances are compared as squared distances summed in column
 * order, on F scaled by a power of two (exact) that brings max |F| into
 * [0.5, 1) so that no squared distance overflows. Ties in distance go to the
 * smaller index (the order of a stable sort), ties in the vote to the
 * smaller label; the regression mean sums the neighbours nearest first. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fate_score.h"
#include "internal.h"

typedef struct nb_t {
    double d2;
    size_t j;
} nb_t;

static int cmp_nb(const void *a, const void *b)
{
    const nb_t *x = a, *y = b;
    if (x->d2 != y->d2) return x->d2 < y->d2 ? -1 : 1;
    return (x->j > y->j) - (x->j < y->j);
}

static int cmp_int(const void *a, const void *b)
{
    const int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* The neighbour search of both scores. */
typedef struct knn_t {
    double *G;  /* (n, p): F scaled */
    nb_t *buf;  /* (n - 1) */
    size_t n, p;
} knn_t;

static void knn_free(knn_t *s)
{
    free(s->G);
    free(s->buf);
}

/* Checks F and k, copies F scaled. */
static fate_status knn_init(knn_t *s, const double *F, size_t n, size_t p, size_t k)
{
    memset(s, 0, sizeof *s);
    fate_status st = score_check_features(F, n, p);
    if (st) return st;
    if (k < 1 || k > n - 1) return FATE_EINVAL;
    double m = 0.0;
    for (size_t i = 0; i < n * p; i++) m = fmax(m, fabs(F[i]));
    int ex = 0;
    if (m > 0.0) frexp(m, &ex);
    s->n = n, s->p = p;
    s->G = alloc_array(n, p, sizeof *s->G);
    s->buf = malloc((n - 1) * sizeof *s->buf);
    if (!s->G || !s->buf) {
        knn_free(s);
        return FATE_ENOMEM;
    }
    for (size_t i = 0; i < n * p; i++) s->G[i] = ldexp(F[i], -ex);
    return FATE_OK;
}

/* s->buf[0 .. k) = the k nearest other samples of sample i, nearest first. */
static void knn_of(knn_t *s, size_t i)
{
    const size_t n = s->n, p = s->p;
    const double *gi = s->G + i * p;
    size_t m = 0;
    for (size_t j = 0; j < n; j++) {
        if (j == i) continue;
        const double *gj = s->G + j * p;
        double d2 = 0.0;
        for (size_t l = 0; l < p; l++) {
            const double t = gi[l] - gj[l];
            d2 += t * t;
        }
        s->buf[m].d2 = d2, s->buf[m].j = j;
        m++;
    }
    /* (d2, j) is a total order on distinct j, so qsort's instability does
     * not matter; a full sort is simpler than a selection at this cost */
    qsort(s->buf, m, sizeof *s->buf, cmp_nb);
}

fate_status fate_score_knn(double *neg_mse, const double *F, const double *y, size_t n, size_t p, size_t k)
{
    if (!neg_mse || !y) return FATE_EINVAL;
    knn_t s;
    fate_status st = knn_init(&s, F, n, p, k);
    if (st) return st;
    if (!score_all_finite(y, n)) {
        knn_free(&s);
        return FATE_EINVAL;
    }
    double mse = 0.0;
    for (size_t i = 0; i < n; i++) {
        knn_of(&s, i);
        double sum = 0.0;
        for (size_t a = 0; a < k; a++) sum += y[s.buf[a].j];
        const double err = y[i] - sum / (double)k;
        mse += err * err;
    }
    mse /= (double)n;
    knn_free(&s);
    /* targets near 1e154 and beyond: the error overflows a double */
    if (!isfinite(mse)) return FATE_EDOMAIN;
    *neg_mse = -mse;
    return FATE_OK;
}

fate_status fate_score_knn_class(double *acc, const double *F, const int *labels, size_t n, size_t p, size_t C,
                                 size_t k)
{
    if (!acc || C < 1 || score_check_labels(labels, n, C)) return FATE_EINVAL;
    knn_t s;
    fate_status st = knn_init(&s, F, n, p, k);
    if (st) return st;
    /* the vote sorts the k labels: O(k) memory whatever C is */
    int *votes = malloc(k * sizeof *votes);
    if (!votes) {
        knn_free(&s);
        return FATE_ENOMEM;
    }
    size_t right = 0;
    for (size_t i = 0; i < n; i++) {
        knn_of(&s, i);
        for (size_t a = 0; a < k; a++) votes[a] = labels[s.buf[a].j];
        qsort(votes, k, sizeof *votes, cmp_int);
        /* the longest run; a later run must be strictly longer, so ties go
         * to the smaller label */
        int best = votes[0];
        size_t best_len = 0, run = 0;
        for (size_t a = 0; a < k; a++) {
            run = a > 0 && votes[a] == votes[a - 1] ? run + 1 : 1;
            if (run > best_len) best_len = run, best = votes[a];
        }
        right += best == labels[i];
    }
    free(votes);
    knn_free(&s);
    *acc = (double)right / (double)n;
    return FATE_OK;
}
