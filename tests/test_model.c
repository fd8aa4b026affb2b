/* test_model.c - the model interface (fate_model.h) and the one sweep
 * scheduler behind it (src/grid.c): the registry, each model's tables
 * against the cells of its own sweep API, keys and coordinates against
 * cell_keys, skip and stop hooks, determinism across thread counts. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fate.h"
#include "fate_mlp.h"
#include "fate_model.h"

/* Every table a sweep hands over, copied, by (row, col). */
typedef struct collect {
    const fate_model *m;
    const void *sweep;
    size_t rows, cols, ncol, calls;
    size_t *n;
    double **v;
    size_t skip_row; /* rows with this index are skipped (SIZE_MAX: none) */
    size_t stop_after; /* cell_done asks to stop after this many cells (0: never) */
} collect;

static int c_skip(void *p, size_t t, size_t j)
{
    (void)j;
    return t == ((collect *)p)->skip_row;
}

static int c_cell(void *p, const fate_table *tab)
{
    collect *c = p;
    cr_assert_lt(tab->row, c->rows);
    cr_assert_lt(tab->col, c->cols);
    const size_t at = tab->row * c->cols + tab->col;
    cr_assert_null(c->v[at], "cell (%zu, %zu) reported twice", tab->row, tab->col);
    c->n[at] = tab->n_rows;
    c->v[at] = malloc(tab->n_rows * c->ncol * sizeof(double));
    memcpy(c->v[at], tab->v, tab->n_rows * c->ncol * sizeof(double));
    c->calls++;
    return c->stop_after && c->calls >= c->stop_after;
}

static fate_status collect_run(collect *c, const fate_model *m, const void *sweep)
{
    memset(c, 0, sizeof *c);
    c->m = m, c->sweep = sweep, c->skip_row = (size_t)-1;
    m->grid(sweep, &c->rows, &c->cols);
    m->columns(sweep, &c->ncol);
    c->n = calloc(c->rows * c->cols, sizeof *c->n);
    c->v = calloc(c->rows * c->cols, sizeof *c->v);
    fate_model_hooks h = {c, c_skip, c_cell, NULL, NULL};
    return m->run(sweep, &h, NULL);
}

static void collect_free(collect *c)
{
    for (size_t i = 0; i < c->rows * c->cols; i++) free(c->v[i]);
    free(c->v);
    free(c->n);
}

/* Every reported table holds exactly the keys and coordinates of cell_keys. */
static void expect_keys(const collect *c)
{
    size_t nc;
    const fate_column *col = c->m->columns(c->sweep, &nc);
    for (size_t t = 0; t < c->rows; t++)
        for (size_t j = 0; j < c->cols; j++) {
            const size_t at = t * c->cols + j, n = c->m->cell_keys(c->sweep, t, j, NULL);
            if (!c->v[at]) continue;
            cr_assert_eq(c->n[at], n);
            double *k = calloc(n * nc, sizeof *k);
            c->m->cell_keys(c->sweep, t, j, k);
            for (size_t r = 0; r < n; r++)
                for (size_t q = 0; q < nc; q++) {
                    if (col[q].role == FATE_ROLE_VALUE) continue;
                    const double a = c->v[at][r * nc + q], b = k[r * nc + q];
                    cr_expect(a == b || (isnan(a) && isnan(b)), "cell (%zu,%zu) row %zu %s: %g vs %g", t, j, r,
                              col[q].name, a, b);
                }
            free(k);
        }
}

static size_t col_index(const fate_model *m, const void *sweep, const char *name)
{
    size_t nc;
    const fate_column *col = m->columns(sweep, &nc);
    for (size_t q = 0; q < nc; q++)
        if (!strcmp(col[q].name, name)) return q;
    cr_assert_fail("no column %s", name);
    return 0;
}

Test(model, registry)
{
    cr_assert_eq(fate_model_find("linear"), &fate_model_linear);
    cr_assert_eq(fate_model_find("relu2"), &fate_model_relu2);
    cr_assert_null(fate_model_find("nope"));
    cr_assert_null(fate_model_find(NULL));
    size_t n;
    const fate_column *c = fate_model_linear.columns(NULL, &n);
    cr_assert_eq(n, 15);
    cr_assert_str_eq(c[0].name, "gamma");
    cr_assert_eq(c[3].kind, FATE_COL_WORD);
}

static double gam[] = {0.5, 1.5}, th[] = {0.3, 1.2, 2.0}, lam[] = {0.0, 0.1};

static fate_sweep lin_sweep(int threads)
{
    fate_sweep w = {.gammas = gam, .n_gammas = 2, .thetas = th, .n_thetas = 3, .lambdas = lam,
                    .n_lambdas = 2, .instances = 2, .threads = threads};
    fate_spec_default(&w.base);
    w.base.d = 12;
    w.base.max_epochs = 400;
    return w;
}

/* The linear model's tables hold what fate_run gives for the same spec. */
Test(model, linear_tables_match_fate_run)
{
    fate_sweep w = lin_sweep(2);
    collect c;
    cr_assert_eq(collect_run(&c, &fate_model_linear, &w), FATE_OK);
    cr_assert_eq(c.calls, 6);
    expect_keys(&c);
    const size_t ir = col_index(c.m, &w, "risk"), iT = col_index(c.m, &w, "T");
    const size_t im = col_index(c.m, &w, "method"), il = col_index(c.m, &w, "lambda");
    fate_spec s = w.base;
    s.n = (size_t)lround(gam[1] * 12), s.theta = th[2], s.lambda = 0.0;
    fate_instance_result res[2];
    cr_assert_eq(fate_run(res, &s, 0, 2, 1, NULL, NULL, NULL), FATE_OK);
    const double *v = c.v[2 * 2 + 1];
    for (size_t r = 0; r < c.n[5]; r++) {
        const double *q = v + r * c.ncol;
        const size_t i = r / 4; /* scratch, lt x 2, ft per instance */
        const int k = (int)q[im];
        if (k == 1 && q[il] != 0.0) continue; /* fate_run has one ridge */
        const fate_method_result *m = k == 0 ? &res[i].scratch : k == 1 ? &res[i].lt : &res[i].ft;
        cr_expect_eq(q[ir], m->risk, "row %zu", r);
        cr_expect_eq(q[iT], k == 0 ? 0.0 : res[i].scratch.risk - m->risk, "row %zu", r);
    }
    collect_free(&c);
}

Test(model, linear_same_for_any_thread_count_and_skip)
{
    fate_sweep w1 = lin_sweep(1), w2 = lin_sweep(2);
    collect a, b;
    cr_assert_eq(collect_run(&a, &fate_model_linear, &w1), FATE_OK);
    memset(&b, 0, sizeof b);
    b.m = &fate_model_linear, b.sweep = &w2, b.skip_row = 1, b.rows = 3, b.cols = 2, b.ncol = a.ncol;
    b.n = calloc(6, sizeof *b.n), b.v = calloc(6, sizeof *b.v);
    fate_model_hooks h = {&b, c_skip, c_cell, NULL, NULL};
    cr_assert_eq(fate_model_linear.run(&w2, &h, NULL), FATE_OK);
    cr_assert_eq(b.calls, 4, "row 1 skipped: %zu cells", b.calls);
    for (size_t at = 0; at < 6; at++) {
        if (at / 2 == 1) { cr_expect_null(b.v[at]); continue; }
        cr_assert_eq(a.n[at], b.n[at]);
        cr_expect_eq(memcmp(a.v[at], b.v[at], a.n[at] * a.ncol * sizeof(double)), 0, "cell %zu", at);
    }
    collect_free(&a);
    collect_free(&b);
}

Test(model, stop_from_cell_done)
{
    fate_sweep w = lin_sweep(1);
    collect c;
    memset(&c, 0, sizeof c);
    c.m = &fate_model_linear, c.sweep = &w, c.skip_row = (size_t)-1, c.rows = 3, c.cols = 2, c.stop_after = 1;
    fate_model_linear.columns(&w, &c.ncol);
    c.n = calloc(6, sizeof *c.n), c.v = calloc(6, sizeof *c.v);
    fate_model_hooks h = {&c, NULL, c_cell, NULL, NULL};
    cr_assert_eq(fate_model_linear.run(&w, &h, NULL), FATE_EINTERRUPTED);
    cr_assert_lt(c.calls, 6);
    collect_free(&c);
}

/* Instance i's result of method k (bit 1 << k) in fate_run's record. */
static const fate_method_result *run_result(const fate_instance_result *r, int k)
{
    const fate_method_result *m[] = {&r->scratch, &r->lt,    &r->ft,       &r->lpft,
                                     &r->l2sp,    &r->ridge, &r->ridge_cv, &r->early_stop};
    return m[k];
}

/* Every method in a sweep, against a tuned baseline: the rows hold what
 * fate_run gives (bit for bit: the same stages on the same keys), T is
 * R_base - R with R_base the oracle ridge, or per instance the best of the
 * two ridges and early stopping; c, the ridges used and leave-one-out's choice in their columns. */
static void all_methods_vs(unsigned baseline)
{
    fate_sweep w = lin_sweep(2);
    w.base.methods = FATE_SWEEP_METHODS;
    w.n_lambdas = 1;
    w.baseline = baseline;
    cr_assert_null(fate_sweep_check(&w));
    collect c;
    cr_assert_eq(collect_run(&c, &fate_model_linear, &w), FATE_OK);
    expect_keys(&c);
    cr_assert_eq(c.ncol, 16, "ridge_cv adds its cv_lambda column");
    const size_t ir = col_index(c.m, &w, "risk"), iT = col_index(c.m, &w, "T"), im = col_index(c.m, &w, "method");
    const size_t il = col_index(c.m, &w, "lambda"), ic = col_index(c.m, &w, "ft_c");
    const size_t icv = col_index(c.m, &w, "cv_lambda");
    fate_spec s = w.base;
    s.n = (size_t)lround(gam[0] * 12), s.theta = th[1], s.lambda = 0.0;
    fate_instance_result res[2];
    cr_assert_eq(fate_run(res, &s, 0, 2, 1, NULL, NULL, NULL), FATE_OK);
    const size_t at = 1 * 2 + 0; /* theta index 1, gamma index 0 */
    cr_assert_eq(c.n[at], 16, "8 methods x 2 instances");
    for (size_t r = 0; r < c.n[at]; r++) {
        const double *q = c.v[at] + r * c.ncol;
        const size_t i = r / 8;
        const int k = (int)q[im];
        cr_assert_eq(k, (int)(r % 8), "rows come in the methods' order");
        const double rb = baseline == FATE_METHOD_RIDGE
                              ? res[i].ridge.risk
                              : fmin(fmin(res[i].ridge.risk, res[i].ridge_cv.risk), res[i].early_stop.risk);
        cr_expect_eq(q[ir], run_result(&res[i], k)->risk, "row %zu", r);
        const double T = (1u << k) == baseline ? 0.0 : rb - run_result(&res[i], k)->risk;
        cr_expect_eq(q[iT], T, "row %zu T", r);
        if (k == 2) cr_expect_eq(q[ic], res[i].ft_c);
        if (k == 3) cr_expect_eq(q[ic], res[i].lpft_c);
        if (k == 4) cr_expect_eq(q[il], res[i].l2sp_lambda);
        if (k == 6) cr_expect_eq(q[icv], res[i].ridge_cv_lambda);
        else cr_expect(isnan(q[icv]));
    }
    collect_free(&c);
}

Test(model, linear_all_methods_against_the_ridge_baseline) { all_methods_vs(FATE_METHOD_RIDGE); }
Test(model, linear_all_methods_against_the_best_baseline) { all_methods_vs(FATE_BASELINE_BEST); }

Test(model, linear_baseline_checks)
{
    fate_sweep w = lin_sweep(1);
    w.baseline = FATE_METHOD_RIDGE;
    cr_expect_not_null(fate_sweep_check(&w), "ridge does not run");
    w.base.methods |= FATE_METHOD_RIDGE;
    cr_expect_null(fate_sweep_check(&w));
    w.baseline = FATE_METHOD_LT;
    cr_expect_not_null(fate_sweep_check(&w), "lt is no baseline");
    w.baseline = FATE_METHOD_SCRATCH | FATE_METHOD_RIDGE;
    cr_expect_not_null(fate_sweep_check(&w), "scratch is not among the tuned ones");
    w.baseline = 0;
    w.base.methods = FATE_METHOD_LT;
    cr_expect_null(fate_sweep_check(&w), "without scratch T is NaN (Python's fate.phase allows it)");
}

/* The two-layer model: tables keyed as cell_keys says, T = R_sc - R. */
Test(model, relu2_tables)
{
    static const double mu[] = {0.0, 1.0};
    static const size_t ns[] = {6, 12};
    fate_relu_sweep w = {.overlaps = mu, .n_overlaps = 2, .ns = ns, .n_ns = 2, .instances = 2, .threads = 2};
    fate_relu_spec_default(&w.base);
    w.base.d = 4, w.base.mstar = 2, w.base.m = 8, w.base.n_src = 30, w.base.n_test = 200;
    w.base.gd.max_steps = 300;
    collect c;
    cr_assert_eq(collect_run(&c, &fate_model_relu2, &w), FATE_OK);
    cr_assert_eq(c.calls, 4);
    expect_keys(&c);
    size_t nc;
    cr_assert_str_eq(fate_model_relu2.columns(&w, &nc)[0].name, "mu");
    const size_t im = col_index(c.m, &w, "method"), ir = col_index(c.m, &w, "risk"),
                 iT = col_index(c.m, &w, "T"), ii = col_index(c.m, &w, "instance");
    const double *v = c.v[3];
    for (size_t r = 0; r < c.n[3]; r++) {
        const double *q = v + r * nc;
        if (q[im] < 2) continue; /* pretraining and scratch */
        const double *sc = v + (2 + (size_t)q[ii]) * nc; /* scratch rows follow the 2 pretraining rows */
        cr_assert_eq(sc[im], 1);
        cr_expect_eq(q[iT], sc[ir] - q[ir]);
    }
    w.base.single_index = 1;
    cr_assert_str_eq(fate_model_relu2.columns(&w, &nc)[0].name, "theta");
    collect_free(&c);
}
