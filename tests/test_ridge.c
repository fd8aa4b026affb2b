/* test_ridge.c - the ridge toy model (src/model_ridge.c; THEORY.md "Ridge
 * regression on the target (the toy model)"): its theory against the
 * independent NumPy reference tests/ref/ridge_ref.csv (written by
 * tests/ref/make_ridge_ref.py from integrals over the Marchenko-Pastur
 * density), ridge_path against solves written here, the simulation against
 * the theory, thread-count independence, and the refusals of make. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fate_model.h"
#include "internal.h"
#include "testutil.h"

static const fate_model *const M = &fate_model_ridge;

/* The sweep's parameters, set by name (make takes them in the order of
 * M->params, which the test does not assume). */
typedef struct ridge_args {
    const double *gammas, *lambdas;
    size_t n_gammas, n_lambdas;
    double d, sigma, instances;
    unsigned long long seed;
} ridge_args;

static fate_status make_ridge(void **sweep, const ridge_args *a, const char **why)
{
    fate_param_value v[16];
    cr_assert_leq(M->n_params, 16);
    for (size_t i = 0; i < M->n_params; i++) {
        const char *name = M->params[i].name;
        fate_param_value *p = &v[i];
        memset(p, 0, sizeof *p);
        p->n = 1;
        if (!strcmp(name, "gamma")) p->v = a->gammas, p->n = a->n_gammas;
        else if (!strcmp(name, "lambda")) p->v = a->lambdas, p->n = a->n_lambdas;
        else if (!strcmp(name, "d")) p->v = &a->d;
        else if (!strcmp(name, "sigma")) p->v = &a->sigma;
        else if (!strcmp(name, "instances")) p->v = &a->instances;
        else if (!strcmp(name, "seed")) p->seed = a->seed;
        else cr_assert_fail("ridge parameter %s unknown to the test", name);
    }
    *why = NULL;
    return M->make(sweep, v, why);
}

/* Index of the column or theory value called name. */
static size_t column(const char *name)
{
    size_t n;
    const fate_column *c = M->columns(NULL, &n);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(c[i].name, name)) return i;
    cr_assert_fail("no column %s", name);
    return 0;
}

static size_t theory_index(const char *name)
{
    for (size_t i = 0; i < M->n_theory; i++)
        if (!strcmp(M->theory_names[i], name)) return i;
    cr_assert_fail("no theory value %s", name);
    return 0;
}

/* Theory values (M->n_theory <= 4) of cell (gamma, lambda) of a sweep. */
static void theory_at(double *out, const void *sweep, double gamma, double lambda, double n)
{
    size_t nc;
    M->columns(sweep, &nc);
    double *row = calloc(nc, sizeof *row);
    cr_assert_not_null(row);
    row[column("gamma")] = gamma, row[column("lambda")] = lambda, row[column("n")] = n;
    cr_assert_leq(M->n_theory, 4);
    M->theory(sweep, row, out);
    free(row);
}

static int same_or_close(double got, double ref)
{
    if (isnan(ref)) return isnan(got);
    if (isinf(ref)) return got == ref;
    return close_to(got, ref, 1e-300, 1e-10);
}

/* The CSV holds d,n,lambda,sigma,risk,risk_exact; inf and nan as strtod
 * reads them. */
Test(ridge, theory_against_numpy_reference)
{
    FILE *f = fopen(FATE_REF_DIR "/ridge_ref.csv", "r");
    cr_assert_not_null(f, "tests/ref/ridge_ref.csv (run tests/ref/make_ridge_ref.py)");
    char line[512];
    cr_assert_not_null(fgets(line, sizeof line, f));
    const size_t risk = theory_index("risk"), exact = theory_index("risk_exact");
    size_t rows = 0;
    while (fgets(line, sizeof line, f)) {
        double v[6];
        char *p = line;
        for (int k = 0; k < 6; k++) {
            v[k] = strtod(p, &p);
            if (*p == ',') p++;
        }
        const double gamma = v[1] / v[0];
        ridge_args a = {&gamma, &v[2], 1, 1, v[0], v[3], 1, 1};
        void *w;
        const char *why;
        cr_assert_eq(make_ridge(&w, &a, &why), FATE_OK, "row %zu: %s", rows, why ? why : "");
        double t[4];
        theory_at(t, w, gamma, v[2], v[1]);
        cr_expect(same_or_close(t[risk], v[4]), "row %zu (d %g n %g lambda %g sigma %g) risk %.17g vs %.17g", rows,
                  v[0], v[1], v[2], v[3], t[risk], v[4]);
        cr_expect(same_or_close(t[exact], v[5]), "row %zu (d %g n %g lambda %g sigma %g) risk_exact %.17g vs %.17g",
                  rows, v[0], v[1], v[2], v[3], t[exact], v[5]);
        M->destroy(w);
        rows++;
    }
    fclose(f);
    cr_assert_eq(rows, 600);
}

/* ---- ridge_path against solves written here ---- */

/* A deterministic stream of N(0, 1) draws (Box-Muller over a 64-bit LCG):
 * the test needs fixed matrices, not fate's generator. */
static double gauss(unsigned long long *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    const double u1 = ((double)(*s >> 11) + 0.5) / 9007199254740992.0;
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    const double u2 = ((double)(*s >> 11) + 0.5) / 9007199254740992.0;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* S = X^T X / n, b = X^T y / n, yy = y.y / n of random X (n, d), y (n). */
static void random_stats(double *S, double *b, double *yy, size_t n, size_t d, unsigned long long seed)
{
    double *X = dalloc(n * d), *y = dalloc(n);
    for (size_t i = 0; i < n * d; i++) X[i] = gauss(&seed);
    for (size_t i = 0; i < n; i++) y[i] = gauss(&seed);
    *yy = 0.0;
    for (size_t i = 0; i < n; i++) *yy += y[i] * y[i] / (double)n;
    for (size_t j = 0; j < d; j++) {
        b[j] = 0.0;
        for (size_t i = 0; i < n; i++) b[j] += X[i * d + j] * y[i] / (double)n;
        for (size_t k = 0; k < d; k++) {
            S[j * d + k] = 0.0;
            for (size_t i = 0; i < n; i++) S[j * d + k] += X[i * d + j] * X[i * d + k] / (double)n;
        }
    }
    free(X);
    free(y);
}

/* x = A^{-1} b of a symmetric positive definite A (d, d) by Cholesky
 * A = L L^T and two triangular solves: no LAPACK, so it checks ridge_path's
 * eigendecomposition route independently. */
static void cholesky_solve(double *x, const double *A, const double *b, size_t d)
{
    double *L = dalloc(d * d);
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j <= i; j++) {
            double s = A[i * d + j];
            for (size_t k = 0; k < j; k++) s -= L[i * d + k] * L[j * d + k];
            L[i * d + j] = i == j ? sqrt(s) : s / L[j * d + j];
        }
    for (size_t i = 0; i < d; i++) { /* L z = b */
        double s = b[i];
        for (size_t k = 0; k < i; k++) s -= L[i * d + k] * x[k];
        x[i] = s / L[i * d + i];
    }
    for (size_t i = d; i-- > 0;) { /* L^T x = z */
        double s = x[i];
        for (size_t k = i + 1; k < d; k++) s -= L[k * d + i] * x[k];
        x[i] = s / L[i * d + i];
    }
    free(L);
}

/* yy - 2 b.x + x.S x, the training loss written out. */
static double train_of(const double *S, const double *b, double yy, const double *x, size_t d)
{
    double t = yy;
    for (size_t j = 0; j < d; j++) {
        t -= 2.0 * b[j] * x[j];
        for (size_t k = 0; k < d; k++) t += x[j] * S[j * d + k] * x[k];
    }
    return t;
}

/* n > d (S invertible) and n < d (rank n): lambda > 0 against Cholesky of
 * S + lambda I, lambda = 0 against pinv_solve with the same cut-off. */
Test(ridge, path_against_reference_solves)
{
    const size_t d = 9;
    const double lambdas[] = {0.0, 1e-3, 0.1, 1.0, 30.0};
    const size_t L = sizeof lambdas / sizeof *lambdas;
    const size_t ns[] = {4, 20};
    for (size_t q = 0; q < 2; q++) {
        const size_t n = ns[q];
        double *S = dalloc(d * d), *b = dalloc(d), *A = dalloc(d * d), *x = dalloc(d), *X = dalloc(L * d);
        double yy, train[sizeof lambdas / sizeof *lambdas];
        random_stats(S, b, &yy, n, d, 42 + n);
        cr_assert_eq(ridge_path(X, train, S, b, yy, lambdas, L, d, RIDGE_RCUT), FATE_OK);
        for (size_t l = 0; l < L; l++) {
            memcpy(A, S, d * d * sizeof *A);
            if (lambdas[l] > 0.0) {
                for (size_t j = 0; j < d; j++) A[j * d + j] += lambdas[l];
                cholesky_solve(x, A, b, d);
            } else {
                size_t rank;
                cr_assert_eq(pinv_solve(x, NULL, &rank, A, b, d, RIDGE_RCUT), FATE_OK);
                cr_expect_eq(rank, n < d ? n : d, "n %zu: rank %zu", n, rank);
            }
            const double scale = fmax(max_abs(x, d), 1.0);
            cr_expect_leq(max_abs_diff(X + l * d, x, d), 1e-10 * scale, "n %zu lambda %g: off by %g", n, lambdas[l],
                          max_abs_diff(X + l * d, x, d));
            const double t = fmax(train_of(S, b, yy, x, d), 0.0);
            cr_expect(close_to(train[l], t, 1e-10, 1e-10), "n %zu lambda %g: train %.17g vs %.17g", n, lambdas[l],
                      train[l], t);
        }
        free(S); free(b); free(A); free(x); free(X);
    }
}

/* ---- the simulation through run ---- */

/* The risks of every finished cell, by (lambda row, gamma col). */
typedef struct cells {
    size_t rows, cols, ncol, instances;
    double *v; /* (rows, cols, instances, ncol) */
    size_t reported;
} cells;

static int on_cell(void *ctx, const fate_table *t)
{
    cells *c = ctx;
    cr_assert_lt(t->row, c->rows);
    cr_assert_lt(t->col, c->cols);
    cr_assert_eq(t->n_rows, c->instances);
    memcpy(c->v + (t->row * c->cols + t->col) * c->instances * c->ncol, t->v,
           c->instances * c->ncol * sizeof(double));
    c->reported++;
    return 0;
}

/* Runs the sweep of a and fills c (free c->v). */
static void run_cells(cells *c, void **sweep, const ridge_args *a)
{
    const char *why;
    cr_assert_eq(make_ridge(sweep, a, &why), FATE_OK, "%s", why ? why : "");
    memset(c, 0, sizeof *c);
    M->grid(*sweep, &c->rows, &c->cols);
    M->columns(*sweep, &c->ncol);
    c->instances = (size_t)a->instances;
    c->v = dalloc(c->rows * c->cols * c->instances * c->ncol);
    fate_model_hooks h = {c, NULL, on_cell, NULL, NULL};
    cr_assert_eq(M->run(*sweep, &h, NULL), FATE_OK);
    cr_assert_eq(c->reported, c->rows * c->cols);
}

/* Mean risk of every cell against theory value `which`, within k standard
 * errors plus rel of the theory. */
static void expect_near_theory(const cells *c, const void *sweep, const ridge_args *a, const char *which, double k,
                               double rel)
{
    const size_t K = c->instances, rc = column("risk"), nc = column("n");
    double *r = dalloc(K);
    for (size_t l = 0; l < c->rows; l++)
        for (size_t j = 0; j < c->cols; j++) {
            const double *v = c->v + (l * c->cols + j) * K * c->ncol;
            for (size_t i = 0; i < K; i++) r[i] = v[i * c->ncol + rc];
            double t[4];
            theory_at(t, sweep, a->gammas[j], a->lambdas[l], v[nc]);
            const double want = t[theory_index(which)], mean = mean_of(r, K), se = sem_of(r, K);
            cr_log_info("gamma %g lambda %g: %.5f +- %.5f vs %s %.5f", a->gammas[j], a->lambdas[l], mean, se, which,
                        want);
            cr_expect(fabs(mean - want) <= k * se + rel * want,
                      "gamma %g lambda %g: mean risk %.5f +- %.5f vs %s %.5f", a->gammas[j], a->lambdas[l], mean, se,
                      which, want);
        }
    free(r);
}

/* Runs the sweep of a and checks every cell against theory value `which`
 * (expect_near_theory). */
static void simulate_against(const ridge_args *a, const char *which, double k, double rel)
{
    cells c;
    void *w;
    run_cells(&c, &w, a);
    expect_near_theory(&c, w, a, which, k, rel);
    free(c.v);
    M->destroy(w);
}

/* lambda = 0: the exact finite-size mean (inverse-Wishart), so no allowance
 * beyond the sampling error. */
Test(ridge, simulation_matches_exact_mean_at_lambda_0)
{
    const double gammas[] = {0.5, 2.0}, lambdas[] = {0.0};
    const ridge_args a = {gammas, lambdas, 2, 1, 20, 0.5, 400, 7};
    simulate_against(&a, "risk_exact", 4.0, 0.0);
}

/* lambda > 0: the limit only; the finite-size mean differs from it by
 * O(1/d) (0.2% at d = 100 in make_ridge_ref.py's Monte Carlo), so 0.02
 * relative on top of 4 standard errors at d = 200. */
Test(ridge, simulation_matches_limit_at_lambda_positive)
{
    const double gammas[] = {0.5, 2.0}, lambdas[] = {0.1, 1.0};
    const ridge_args a = {gammas, lambdas, 2, 2, 200, 0.5, 300, 11};
    simulate_against(&a, "risk", 4.0, 0.02);
}

/* Each (gamma, instance) draws from its own streams: the tables are the same
 * bit for bit whatever the number of threads. */
Test(ridge, same_for_one_and_two_threads)
{
    const double gammas[] = {0.3, 1.0, 1.7}, lambdas[] = {0.0, 0.5};
    ridge_args a = {gammas, lambdas, 3, 2, 30, 0.3, 6, 5};
    const int before = omp_get_max_threads();
    cells c1, c2;
    void *w1, *w2;
    omp_set_num_threads(1);
    run_cells(&c1, &w1, &a);
    omp_set_num_threads(2);
    run_cells(&c2, &w2, &a);
    omp_set_num_threads(before);
    cr_expect_eq(memcmp(c1.v, c2.v, c1.rows * c1.cols * c1.instances * c1.ncol * sizeof(double)), 0);
    free(c1.v);
    free(c2.v);
    M->destroy(w1);
    M->destroy(w2);
}

/* ---- refusals ---- */

/* param appears in msg as a word of its own ("d", not the d of "and"). */
static int names(const char *msg, const char *param)
{
    const size_t k = strlen(param);
    for (const char *p = msg; p && (p = strstr(p, param)) != NULL; p++) {
        const int start = p == msg || !isalnum((unsigned char)p[-1]);
        if (start && !isalnum((unsigned char)p[k])) return 1;
    }
    return 0;
}

static void expect_refused(const ridge_args *a, const char *param)
{
    void *w = (void *)1;
    const char *why = NULL;
    cr_expect_eq(make_ridge(&w, a, &why), FATE_EINVAL, "%s accepted", param);
    cr_expect_null(w);
    cr_expect(why && names(why, param), "message '%s' does not name %s", why ? why : "(null)", param);
}

Test(ridge, make_refuses_bad_values)
{
    const double g1[] = {1.0}, g0[] = {0.0}, l0[] = {0.0};
    ridge_args a = {g0, l0, 1, 1, 10, 0.5, 2, 1};
    expect_refused(&a, "gamma");
    a.gammas = g1, a.d = 0;
    expect_refused(&a, "d");
    /* d = 1000, gamma = 2200: n = 2.2e6 and n d = 2.2e9 > INT_MAX, an int
     * BLAS dimension too many for X (n, d) */
    const double big[] = {2200.0};
    a.gammas = big, a.d = 1000;
    cr_assert_gt(2200.0 * 1000.0 * 1000.0, (double)INT_MAX);
    expect_refused(&a, "gamma");
}
