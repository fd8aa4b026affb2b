/* test_rel_spec.c - reliability of the library's argument checks (issue 12):
 * sizes that overflow an allocation or an int BLAS argument are refused
 * (FATE_EINVAL, a message naming the field) or fail with FATE_ENOMEM, never
 * crash; thread counts are capped at FATE_MAX_THREADS; d = 1 needs theta 0 or
 * pi; the linear-transfer phase boundary is symmetric under theta -> pi -
 * theta. Then a bounded fuzz of every spec and sweep check. Also run under
 * ASan (label unit). */
#include <criterion/criterion.h>
#include <limits.h>
#include <omp.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fate.h"
#include "fate_distance.h"
#include "fate_mlp.h"
#include "internal.h"

/* Allocations far beyond memory must come back as NULL (so FATE_ENOMEM) under
 * ASan too, which by default aborts on them instead. */
__attribute__((used)) const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}

#define HUGE61 (((size_t)1 << 61) + 1)

static void tiny_spec(fate_spec *s)
{
    fate_spec_default(s);
    s->d = 6;
    s->n = 4;
    s->max_epochs = 20;
}

static void tiny_relu(fate_relu_spec *s)
{
    fate_relu_spec_default(s);
    s->d = 4;
    s->mstar = 3;
    s->m = 5;
    s->n = 6;
    s->n_src = 8;
    s->n_test = 16;
    s->gd.max_steps = 5;
}

static int mentions(const char *msg, const char *word)
{
    return msg && strstr(msg, word) != NULL;
}

/* ---- defect 1: sizes ---------------------------------------------------- */

Test(rel_spec, linear_sizes_refused)
{
    const size_t bad[] = {HUGE61, SIZE_MAX, (size_t)1 << 63, (size_t)1 << 31, SIZE_MAX / 8};
    const struct { size_t offset; const char *name; } fields[] = {
        {offsetof(fate_spec, n), "n "},         {offsetof(fate_spec, n_src), "n_src"},
        {offsetof(fate_spec, width), "width"},  {offsetof(fate_spec, d), "d "},
        {offsetof(fate_spec, depth), "depth"}};
    fate_instance_result out[1];
    fate_spec_theory th;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
            fate_spec s;
            tiny_spec(&s);
            *(size_t *)((char *)&s + fields[f].offset) = bad[i];
            const char *msg = fate_spec_check(&s);
            cr_assert(mentions(msg, fields[f].name), "%s= %zu: %s", fields[f].name, bad[i],
                      msg ? msg : "NULL");
            cr_assert_eq(fate_run(out, &s, 0, 1, 1, NULL, NULL, NULL), FATE_EINVAL);
            cr_assert_eq(fate_spec_theory_eval(&th, &s), FATE_EINVAL);
        }
    /* each factor fits an int, the product does not */
    fate_spec s;
    tiny_spec(&s);
    s.d = 100000;
    cr_assert(mentions(fate_spec_check(&s), "d "));
    tiny_spec(&s);
    s.d = 1000;
    s.n = 3000000;
    cr_assert(mentions(fate_spec_check(&s), "n "));
    s.n = 10;
    s.width = 30000; /* (depth - 2) width^2 > INT_MAX parameters */
    s.depth = 5;
    cr_assert(mentions(fate_spec_check(&s), "depth"), "%s", fate_spec_check(&s));
}

Test(rel_spec, relu_sizes_refused)
{
    const size_t bad[] = {HUGE61, SIZE_MAX, (size_t)1 << 31, SIZE_MAX / 8};
    fate_relu_result out;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t *fields[7];
        const char *names[7] = {"d", "mstar", "m ", "n ", "n_src", "n_test", "window"};
        for (int f = 0; f < 7; f++) {
            fate_relu_spec s;
            tiny_relu(&s);
            fields[0] = &s.d, fields[1] = &s.mstar, fields[2] = &s.m, fields[3] = &s.n;
            fields[4] = &s.n_src, fields[5] = &s.n_test, fields[6] = &s.gd.window;
            *fields[f] = bad[i];
            const char *msg = fate_relu_spec_check(&s);
            cr_assert(mentions(msg, names[f]), "%s = %zu: %s", names[f], bad[i], msg ? msg : "NULL");
            cr_assert_eq(fate_relu_run_instance(&out, NULL, NULL, &s, 0, NULL, NULL), FATE_EINVAL);
        }
    }
    fate_relu_spec s;
    tiny_relu(&s);
    s.m = 100000; /* m x d fits, the m x m readout Gram matrix does not fit an int */
    cr_assert(mentions(fate_relu_spec_check(&s), "m "));
    tiny_relu(&s);
    s.d = 100000;
    s.m = 30000; /* m d > INT_MAX: cblas_daxpy((int)(m d)) would truncate */
    cr_assert(mentions(fate_relu_spec_check(&s), "m "), "%s", fate_relu_spec_check(&s));
}

Test(rel_spec, sweep_sizes_refused)
{
    const double g[] = {0.5, 2.305843009213694e17}, th[] = {0.3}, lam[] = {0.0};
    fate_sweep w = {.gammas = g, .n_gammas = 2, .thetas = th, .n_thetas = 1, .lambdas = lam,
                    .n_lambdas = 1, .instances = 1};
    tiny_spec(&w.base);
    w.base.d = 10;
    cr_assert(mentions(fate_sweep_check(&w), "gamma"), "%s", fate_sweep_check(&w));
    cr_assert_eq(fate_sweep_run(&w, NULL, NULL), FATE_EINVAL);
    w.n_gammas = 1;
    w.instances = HUGE61;
    cr_assert(mentions(fate_sweep_check(&w), "instances"), "%s", fate_sweep_check(&w));
    cr_assert_eq(fate_sweep_run(&w, NULL, NULL), FATE_EINVAL);
    /* allocatable in arithmetic, not in memory: a clean FATE_ENOMEM */
    w.instances = (size_t)1 << 50;
    if (!fate_sweep_check(&w)) cr_assert_eq(fate_sweep_run(&w, NULL, NULL), FATE_ENOMEM);
    w.instances = 1;
    w.base.n_src = HUGE61;
    cr_assert(mentions(fate_sweep_check(&w), "n_src"));

    const double ov[] = {0.5};
    const size_t ns[] = {4, HUGE61};
    fate_relu_sweep r = {.overlaps = ov, .n_overlaps = 1, .ns = ns, .n_ns = 2, .instances = 1};
    tiny_relu(&r.base);
    cr_assert(mentions(fate_relu_sweep_check(&r), "n"), "%s", fate_relu_sweep_check(&r));
    cr_assert_eq(fate_relu_sweep_run(&r, NULL, NULL), FATE_EINVAL);
    r.n_ns = 1;
    r.instances = HUGE61;
    cr_assert(mentions(fate_relu_sweep_check(&r), "instances"), "%s", fate_relu_sweep_check(&r));
    r.instances = (size_t)1 << 50;
    if (!fate_relu_sweep_check(&r)) cr_assert_eq(fate_relu_sweep_run(&r, NULL, NULL), FATE_ENOMEM);
}

/* A status that is a refusal or a clean allocation failure. */
#define REFUSED(expr)                                                                   \
    do {                                                                                \
        fate_status st_ = (expr);                                                       \
        cr_assert(st_ == FATE_EINVAL || st_ == FATE_ENOMEM, #expr " gave %d", (int)st_); \
    } while (0)

Test(rel_spec, distance_and_model_sizes_refused)
{
    double v[64] = {0}, out = 0, out2 = 0;
    size_t as[8];
    for (int i = 0; i < 64; i++) v[i] = 0.01 * i;
    const size_t bad[] = {HUGE61, SIZE_MAX, (size_t)1 << 32, (size_t)INT_MAX + 1};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const size_t B = bad[i];
        cr_assert_eq(fate_gauss_kl(&out, v, v, v, v, B), FATE_EINVAL);
        cr_assert_eq(fate_gauss_w2sq(&out, v, v, v, v, B), FATE_EINVAL);
        cr_assert_eq(fate_linear_joint_cov(v, v, B, 0.1), FATE_EINVAL);
        cr_assert_eq(fate_linear_joint_sample(v, v, B, 4, 0.1, 1, 0, 3, 4), FATE_EINVAL);
        cr_assert_eq(fate_linear_joint_sample(v, v, 4, B, 0.1, 1, 0, 3, 4), FATE_EINVAL);
        cr_assert_eq(fate_pairwise_sqdist(v, v, B, v, 2, 2), FATE_EINVAL);
        cr_assert_eq(fate_pairwise_sqdist(v, v, 2, v, 2, B), FATE_EINVAL);
        cr_assert_eq(fate_mmd2(&out, NULL, v, B, v, 4, 2, FATE_KERNEL_GAUSSIAN, 1.0, 1), FATE_EINVAL);
        cr_assert_eq(fate_energy_distance(&out, v, 4, v, 4, B, 1), FATE_EINVAL);
        cr_assert_eq(fate_wasserstein_exact(&out, v, v, B, 2, 1.0), FATE_EINVAL);
        cr_assert_eq(fate_wasserstein_exact(&out, v, v, 4, B, 1.0), FATE_EINVAL);
        cr_assert_eq(fate_wasserstein_1d(&out, v, B, v, 4, 1.0), FATE_EINVAL);
        cr_assert_eq(fate_assignment(as, &out, v, B), FATE_EINVAL);
        cr_assert_eq(fate_random_directions(v, B, 2, 1, 0), FATE_EINVAL);
        cr_assert_eq(fate_sliced_wasserstein(&out, NULL, v, 4, v, 4, 2, 1.0, B, 1, 0), FATE_EINVAL);
        cr_assert_eq(fate_knn_kl(&out, &out2, v, 8, v, 8, 2, B), FATE_EINVAL);
        cr_assert_eq(fate_bl_lower(&out, v, 4, v, 4, 2, B, 1, 0), FATE_EINVAL);
        cr_assert_eq(fate_relu_gram(v, v, B, v, 2, 2), FATE_EINVAL);
        cr_assert_eq(fate_relu_gram(v, v, 2, v, 2, B), FATE_EINVAL);
        cr_assert_eq(fate_relu_pperp(&out, NULL, v, B, v, v, 2, 2, 0.0), FATE_EINVAL);
        cr_assert_eq(fate_relu_teacher(v, B, 2, 1, 0), FATE_EINVAL);
        cr_assert_eq(fate_teachers(v, v + 32, B, 0.5, 1, 0), FATE_EINVAL);
        cr_assert_eq(fate_dataset(v, v, v, B, 4, 0.1, 1, 0, 3, 4), FATE_EINVAL);
        cr_assert_eq(fate_suffstats(v, v, &out, v, v, 4, B), FATE_EINVAL);
        cr_assert_eq(fate_min_loss(&out, v, v, 1.0, 8, B), FATE_EINVAL);
        fate_mlp_shape sh = {B, 2, FATE_ACT_RELU, FATE_MLP_MEAN_FIELD};
        cr_assert_eq(fate_mlp_forward(v, v, v, &sh, v, 2), FATE_EINVAL);
        sh.d = 2, sh.m = B;
        cr_assert_eq(fate_mlp_init(v, v, &sh, 1.0, 1.0, 1, 0, 1), FATE_EINVAL);
        sh.m = 2;
        cr_assert_eq(fate_mlp_forward(v, v, v, &sh, v, B), FATE_EINVAL);
        cr_assert_eq(fate_mlp_grad(v, v, &out, v, v, &sh, v, v, B), FATE_EINVAL);
        fate_dln_shape ds = {4, B, 2};
        cr_assert_eq(fate_dln_nparams(&ds), 0);
        ds.width = 2, ds.depth = B;
        cr_assert_eq(fate_dln_nparams(&ds), 0);
        cr_assert_eq(fate_dln_init(v, &ds, 1e-3, 1, 0, 7), FATE_EINVAL);
    }
    /* per-factor sizes that fit an int, products (the outputs, refused
     * before the data are read) that fit nothing */
    REFUSED(fate_pairwise_sqdist(v, v, 2000000000, v, 2000000000, 2));
    REFUSED(fate_wasserstein_exact(&out, v, v, 2000000000, 2, 1.0));
}

/* ---- the thread cap ----------------------------------------------------- */

Test(rel_spec, threads_capped)
{
    fate_spec s;
    tiny_spec(&s);
    fate_instance_result out[1];
    const int bad[] = {FATE_MAX_THREADS + 1, 100000, INT_MAX, -1, INT_MIN};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(fate_run(out, &s, 0, 1, bad[i], NULL, NULL, NULL), FATE_EINVAL, "%d", bad[i]);
    const double g[] = {0.5}, th[] = {0.3}, lam[] = {0.0};
    fate_sweep w = {.base = s, .gammas = g, .n_gammas = 1, .thetas = th, .n_thetas = 1,
                    .lambdas = lam, .n_lambdas = 1, .instances = 1, .threads = 100000};
    cr_assert(mentions(fate_sweep_check(&w), "threads must be in [0, 1024]"), "%s",
              fate_sweep_check(&w));
    cr_assert_eq(fate_sweep_run(&w, NULL, NULL), FATE_EINVAL);
    w.threads = FATE_MAX_THREADS;
    cr_assert_null(fate_sweep_check(&w));
    const double ov[] = {0.5};
    const size_t ns[] = {4};
    fate_relu_sweep r = {.overlaps = ov, .n_overlaps = 1, .ns = ns, .n_ns = 1, .instances = 1,
                         .threads = 100000};
    tiny_relu(&r.base);
    cr_assert(mentions(fate_relu_sweep_check(&r), "threads must be in [0, 1024]"));
    cr_assert_eq(fate_relu_sweep_run(&r, NULL, NULL), FATE_EINVAL);
    r.threads = -3;
    cr_assert(mentions(fate_relu_sweep_check(&r), "threads"));
    r.threads = 2;
    cr_assert_null(fate_relu_sweep_check(&r));
}

/* threads = 0 takes the OpenMP default, which OMP_NUM_THREADS (here
 * omp_set_num_threads) can set beyond what libgomp can create. */
Test(rel_spec, default_team_capped)
{
    const int before = omp_get_max_threads();
    omp_set_num_threads(5000);
    cr_expect_eq(team_threads(0), FATE_MAX_THREADS);
    cr_expect_eq(team_threads(3), 3);
    omp_set_num_threads(before);
    cr_expect_eq(team_threads(0), before);
}

/* ---- d = 1 needs theta 0 or pi ------------------------------------------ */

Test(rel_spec, d1_needs_theta_0_or_pi)
{
    fate_spec s;
    tiny_spec(&s);
    s.d = 1;
    s.n = 3;
    s.theta = M_PI / 4;
    const char *msg = fate_spec_check(&s);
    cr_assert(mentions(msg, "d = 1") && mentions(msg, "theta"), "%s", msg ? msg : "NULL");
    fate_instance_result out[1];
    cr_assert_eq(fate_run(out, &s, 0, 1, 1, NULL, NULL, NULL), FATE_EINVAL);
    double bs[1], bt[1];
    cr_assert_eq(fate_teachers(bs, bt, 1, M_PI / 4, 1, 0), FATE_EINVAL);
    s.theta = 0.0;
    cr_assert_null(fate_spec_check(&s));
    cr_assert_eq(fate_run(out, &s, 0, 1, 1, NULL, NULL, NULL), FATE_OK);
    s.theta = M_PI;
    cr_assert_null(fate_spec_check(&s));
    cr_assert_eq(fate_teachers(bs, bt, 1, M_PI, 1, 0), FATE_OK);
    cr_assert_eq(bs[0], -bt[0]);

    const double g[] = {2.0}, th[] = {0.0, M_PI / 4}, lam[] = {0.0};
    fate_sweep w = {.base = s, .gammas = g, .n_gammas = 1, .thetas = th, .n_thetas = 2,
                    .lambdas = lam, .n_lambdas = 1, .instances = 1};
    cr_assert(mentions(fate_sweep_check(&w), "theta"), "%s", fate_sweep_check(&w));
    w.n_thetas = 1;
    cr_assert_null(fate_sweep_check(&w));

    fate_relu_spec r;
    tiny_relu(&r);
    r.d = 1;
    r.single_index = 1;
    r.theta = 1.0;
    cr_assert(mentions(fate_relu_spec_check(&r), "theta"));
    r.theta = M_PI;
    cr_assert_null(fate_relu_spec_check(&r));
    const double ov[] = {M_PI, 2.0};
    const size_t ns[] = {4};
    fate_relu_sweep rw = {.base = r, .overlaps = ov, .n_overlaps = 2, .ns = ns, .n_ns = 1,
                          .instances = 1};
    cr_assert(mentions(fate_relu_sweep_check(&rw), "theta"));

    /* the finite-size theory at d = 1 exists only at theta 0 and pi */
    fate_theory_point p = {.gamma = 3.0, .theta = M_PI / 4, .sigma = 0.1, .d = 1};
    cr_assert_eq(fate_theory_eval(&p), FATE_OK);
    cr_assert(isnan(p.R_lt_exact) && isfinite(p.R_lt));
    double m, q;
    fate_theory_source_moments_exact(&m, &q, M_PI / 4, 5, 1, 0.1);
    cr_assert(isnan(m) && isnan(q));
}

/* ---- the phase boundary at theta and pi - theta ------------------------- */

Test(rel_spec, boundary_symmetric_in_theta)
{
    const double sig[] = {0.0, 0.2, 0.5, 1.5};
    for (size_t i = 0; i < 4; i++) {
        double a[3], b[3];
        int na = fate_theory_lt_boundary(&a[0], &a[1], &a[2], 0.0, sig[i]);
        int nb = fate_theory_lt_boundary(&b[0], &b[1], &b[2], M_PI, sig[i]);
        cr_assert_eq(na, nb);
        cr_assert(isinf(a[2]) && isinf(b[2]), "g_over %g at 0, %g at pi", a[2], b[2]);
        for (int k = 0; k < 2; k++) cr_assert(memcmp(&a[k], &b[k], sizeof a[k]) == 0);
        const double th = 3 * M_PI / 4, mirror = M_PI - th;
        na = fate_theory_lt_boundary(&a[0], &a[1], &a[2], th, sig[i]);
        nb = fate_theory_lt_boundary(&b[0], &b[1], &b[2], mirror, sig[i]);
        cr_assert_eq(na, nb);
        cr_assert(memcmp(a, b, sizeof a) == 0, "theta %.17g and %.17g differ", th, mirror);
        cr_assert_eq(fate_theory_lt_exact(10, M_PI, sig[i]), fate_theory_lt_exact(10, 0.0, sig[i]));
        cr_assert_eq(fate_theory_lt_exact(10, th, sig[i]), fate_theory_lt_exact(10, mirror, sig[i]));
    }
}

/* ---- bounded fuzz of the checks ----------------------------------------- */

static uint64_t rng_state = 0x1234abcd9876ef01ull;
static uint64_t next_u64(void)
{
    /* splitmix64: a fixed sequence, so the fuzz is the same on every run */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static size_t pick(size_t n) { return (size_t)(next_u64() % n); }

static size_t fuzz_size(void)
{
    static const size_t pool[] = {0, 1, 2, 3, 5, 8, 17, 46340, 46341, 65536, (size_t)INT_MAX,
                                  (size_t)INT_MAX + 1, (size_t)1 << 32, HUGE61, (size_t)1 << 61,
                                  (size_t)1 << 63, SIZE_MAX, SIZE_MAX - 1, SIZE_MAX / 8,
                                  SIZE_MAX / 8 + 1, (size_t)1 << 50, (size_t)1 << 52};
    /* small values half of the time, so that many specs pass and run */
    if (next_u64() & 1) return 1 + pick(9);
    return pool[pick(sizeof pool / sizeof pool[0])];
}

static double fuzz_double(void)
{
    static const double pool[] = {0.0, 1e-3, 0.1, 0.5, 1.0, 2.0, M_PI / 4, M_PI, 3.2, -0.1, -1.0,
                                  1e300, -1e300, 2.305843009213694e17, 1.8446744073709552e19};
    switch (pick(5)) {
    case 0: return NAN;
    case 1: return (next_u64() & 1) ? INFINITY : -INFINITY;
    default: return pool[pick(sizeof pool / sizeof pool[0])];
    }
}

/* a field is fuzzed one time in five, so that a spec has one or two bad
 * fields and many specs pass their check and run */
#define MAYBE(field, gen) do { if (pick(5) == 0) (field) = gen(); } while (0)

static int fuzz_threads(void)
{
    static const int pool[] = {0, 1, 2, FATE_MAX_THREADS, FATE_MAX_THREADS + 1, 100000, INT_MAX, -1,
                               INT_MIN};
    return (next_u64() & 1) ? 1 : pool[pick(sizeof pool / sizeof pool[0])];
}

/* elements of the largest arrays a run allocates (saturating) */
static double work_of(const size_t *f, size_t nf)
{
    double w = 1.0;
    for (size_t i = 0; i < nf; i++) w *= (double)(f[i] ? f[i] : 1);
    return w;
}

static void fuzz_linear(fate_spec *s)
{
    tiny_spec(s);
    MAYBE(s->d, fuzz_size);
    MAYBE(s->depth, fuzz_size);
    MAYBE(s->width, fuzz_size);
    MAYBE(s->n, fuzz_size);
    MAYBE(s->n_src, fuzz_size);
    MAYBE(s->theta, fuzz_double);
    MAYBE(s->sigma, fuzz_double);
    MAYBE(s->sigma_src, fuzz_double);
    MAYBE(s->lambda, fuzz_double);
    MAYBE(s->rcond, fuzz_double);
    MAYBE(s->lr, fuzz_double);
    MAYBE(s->tol, fuzz_double);
    if (next_u64() & 1) s->methods = (unsigned)pick(10);
}

static int linear_small(const fate_spec *s)
{
    const size_t k = s->width ? s->width : s->d;
    const size_t f1[] = {s->d, s->n + s->n_src + s->d}, f2[] = {k, k, s->depth};
    return s->depth < 8 && work_of(f1, 2) < 1e5 && work_of(f2, 3) < 1e5;
}

static void check_status(fate_status st)
{
    cr_assert(st == FATE_OK || st == FATE_EDIVERGED || st == FATE_ENUMERIC || st == FATE_ENOMEM,
              "a spec that passed its check gave status %d", (int)st);
}

Test(rel_spec, fuzz_linear_checks, .timeout = 60)
{
    int ran = 0; /* specs that passed and ran */
    for (int it = 0; it < 3000; it++) {
        fate_spec s;
        fuzz_linear(&s);
        const int threads = fuzz_threads();
        const char *msg = fate_spec_check(&s);
        fate_instance_result out[2];
        if (msg || threads < 0 || threads > FATE_MAX_THREADS) {
            cr_assert(msg == NULL || *msg, "empty message");
            cr_assert_eq(fate_run(out, &s, 0, 2, threads, NULL, NULL, NULL), FATE_EINVAL,
                         "a refused spec ran (%s)", msg ? msg : "threads");
            continue;
        }
        if (threads <= 2 && linear_small(&s)) {
            check_status(fate_run(out, &s, 0, 2, threads, NULL, NULL, NULL));
            ran++;
        }
        fate_spec_theory th;
        fate_spec_theory_eval(&th, &s);
    }
    cr_log_info("fuzz_linear_checks: %d specs ran", ran);
    cr_assert(ran > 10, "the fuzz must run some specs (%d)", ran);
}

/* What a fuzzed sweep must do: be refused with a message (FATE_EINVAL from
 * the run too), or run when small (any outcome but a refusal), or fail
 * cleanly with FATE_ENOMEM when its instances x grid cannot exist. The runs
 * use at most 2 threads. Training budgets are those of tiny_spec/tiny_relu:
 * no fuzzed field sets them. */
static void sweep_outcome(const char *msg, int threads, int small, int huge,
                          fate_status (*run)(const void *), const void *w, int *ran, int *nomem)
{
    if (msg) {
        cr_assert(*msg);
        cr_assert_eq(run(w), FATE_EINVAL, "%s", msg);
        return;
    }
    cr_assert(threads >= 0 && threads <= FATE_MAX_THREADS);
    if (small && threads <= 2) {
        check_status(run(w));
        ++*ran;
    } else if (huge) {
        cr_assert_eq(run(w), FATE_ENOMEM);
        ++*nomem;
    }
}

static void sweep_fuzz_done(const char *name, int ran, int nomem)
{
    cr_log_info("%s: %d sweeps ran, %d failed cleanly for memory", name, ran, nomem);
    cr_assert(ran > 10 && nomem > 0, "%s must run some sweeps (%d) and hit FATE_ENOMEM (%d)", name,
              ran, nomem);
}

static fate_status run_linear_sweep(const void *w) { return fate_sweep_run(w, NULL, NULL); }
static fate_status run_relu_sweep(const void *w) { return fate_relu_sweep_run(w, NULL, NULL); }

Test(rel_spec, fuzz_linear_sweep_checks, .timeout = 60)
{
    int ran = 0, nomem = 0; /* sweeps that ran; that failed cleanly for memory */
    for (int it = 0; it < 1500; it++) {
        fate_sweep w;
        memset(&w, 0, sizeof w);
        fuzz_linear(&w.base);
        double g[3], th[3], lam[2];
        w.n_gammas = 1 + pick(3), w.n_thetas = 1 + pick(3), w.n_lambdas = 1 + pick(2);
        for (size_t i = 0; i < 3; i++) {
            g[i] = 0.5 + (double)i;
            th[i] = 0.3 * (double)i;
            MAYBE(g[i], fuzz_double);
            MAYBE(th[i], fuzz_double);
        }
        lam[0] = 0.0, lam[1] = 0.1;
        MAYBE(lam[1], fuzz_double);
        w.gammas = g, w.thetas = th, w.lambdas = lam;
        w.instances = 1 + pick(2);
        MAYBE(w.instances, fuzz_size);
        w.threads = fuzz_threads();
        double nmax = 0.0;
        for (size_t i = 0; i < w.n_gammas; i++) nmax = fmax(nmax, g[i] * (double)w.base.d);
        fate_spec s = w.base;
        s.n = (size_t)nmax;
        sweep_outcome(fate_sweep_check(&w), w.threads, w.instances <= 3 && linear_small(&s),
                      (double)w.instances * (double)w.n_gammas > 1e14, run_linear_sweep, &w, &ran,
                      &nomem);
    }
    sweep_fuzz_done("fuzz_linear_sweep_checks", ran, nomem);
}

static void fuzz_relu(fate_relu_spec *s)
{
    tiny_relu(s);
    MAYBE(s->d, fuzz_size);
    MAYBE(s->mstar, fuzz_size);
    MAYBE(s->m, fuzz_size);
    MAYBE(s->n, fuzz_size);
    MAYBE(s->n_src, fuzz_size);
    MAYBE(s->n_test, fuzz_size);
    MAYBE(s->gd.batch, fuzz_size);
    MAYBE(s->gd.window, fuzz_size);
    MAYBE(s->mu, fuzz_double);
    MAYBE(s->theta, fuzz_double);
    MAYBE(s->sigma, fuzz_double);
    MAYBE(s->lambda, fuzz_double);
    MAYBE(s->rcond, fuzz_double);
    MAYBE(s->w_init, fuzz_double);
    MAYBE(s->gd.lr, fuzz_double);
    MAYBE(s->gd.tol, fuzz_double);
    MAYBE(s->pperp_rcond, fuzz_double);
    if (next_u64() & 1) s->act = (fate_act)pick(6);
    if (next_u64() & 1) s->scaling = (fate_mlp_scaling)pick(3);
    s->single_index = (int)pick(2);
    s->online_src = (int)pick(2);
    if (next_u64() & 1) s->methods = (unsigned)pick(10);
}

static int relu_small(const fate_relu_spec *s)
{
    const size_t ms = s->single_index ? 1 : s->mstar;
    const size_t f1[] = {s->d, s->m + ms + s->n + s->n_src + s->n_test};
    const size_t f2[] = {s->m + ms, s->n + s->n_src + s->n_test + s->m};
    return work_of(f1, 2) < 1e5 && work_of(f2, 2) < 1e5 && s->gd.window < 1000;
}

Test(rel_spec, fuzz_relu_checks, .timeout = 60)
{
    int ran = 0; /* specs that passed and ran */
    for (int it = 0; it < 3000; it++) {
        fate_relu_spec s;
        fuzz_relu(&s);
        const char *msg = fate_relu_spec_check(&s);
        fate_relu_result out;
        if (msg) {
            cr_assert(*msg);
            cr_assert_eq(fate_relu_run_instance(&out, NULL, NULL, &s, 0, NULL, NULL), FATE_EINVAL);
            continue;
        }
        if (relu_small(&s)) {
            check_status(fate_relu_run_instance(&out, NULL, NULL, &s, 0, NULL, NULL));
            ran++;
        }
    }
    cr_log_info("fuzz_relu_checks: %d specs ran", ran);
    cr_assert(ran > 10, "the fuzz must run some specs (%d)", ran);
}

Test(rel_spec, fuzz_relu_sweep_checks, .timeout = 60)
{
    int ran = 0, nomem = 0; /* sweeps that ran; that failed cleanly for memory */
    for (int it = 0; it < 1500; it++) {
        fate_relu_sweep w;
        memset(&w, 0, sizeof w);
        fuzz_relu(&w.base);
        double ov[3];
        size_t ns[3];
        w.n_overlaps = 1 + pick(3), w.n_ns = 1 + pick(3);
        for (size_t i = 0; i < 3; i++) {
            ov[i] = 0.25 * (double)i;
            ns[i] = 2 + i;
            MAYBE(ov[i], fuzz_double);
            MAYBE(ns[i], fuzz_size);
        }
        w.overlaps = ov, w.ns = ns;
        w.instances = 1 + pick(2);
        MAYBE(w.instances, fuzz_size);
        w.threads = fuzz_threads();
        fate_relu_spec s = w.base;
        for (size_t i = 0; i < w.n_ns; i++) s.n = ns[i] > s.n ? ns[i] : s.n;
        sweep_outcome(fate_relu_sweep_check(&w), w.threads, w.instances <= 3 && relu_small(&s),
                      (double)w.instances * (double)w.n_ns > 1e14, run_relu_sweep, &w, &ran, &nomem);
    }
    sweep_fuzz_done("fuzz_relu_sweep_checks", ran, nomem);
}
