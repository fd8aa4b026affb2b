/* experiment.c - one transfer-learning experiment (THEORY.md sections 1-3):
 * draw the task, pretrain, then train from scratch, transfer linearly and
 * fine-tune on the same target set; and the theory beside it.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include <omp.h>

#include "fate.h"
#include "internal.h"

void fate_spec_default(fate_spec *s)
{
    memset(s, 0, sizeof *s);
    s->d = 100;
    s->depth = 2;
    s->width = 0;
    s->n = 50;
    s->theta = M_PI / 4;
    s->sigma = 0.2;
    s->n_src = 0;
    s->sigma_src = 0.0;
    s->lambda = 0.0;
    s->rcond = 1e-2;
    s->init_scale = 0.0;
    s->lr = 0.0;
    s->max_epochs = 10000;
    s->tol = 1e-6;
    s->weight_decay = 0.0;
    s->seed = 1;
    s->methods = FATE_METHOD_SCRATCH | FATE_METHOD_LT | FATE_METHOD_FT;
    s->l2sp_lambda = FATE_LAMBDA_OPT;
}

/* The sizes of a spec: every array the stages allocate must fit an int BLAS
 * argument (internal.h), which also keeps every byte count far from
 * overflow. The largest arrays: S (d, d), X (n, d) and (n_src, d), the
 * layers (d, k) and (k, k), all nparams parameters as one daxpy length. */
static const char *spec_size_check(const fate_spec *s)
{
    if (s->d < 1 || !fits_int2(s->d, s->d))
        return "d must be an integer in [1, 46340] (d x d statistics must fit a BLAS int)";
    if (s->depth < 2) return "depth must be an integer >= 2";
    if (s->n < 1) return "n must be an integer >= 1 (gamma = n/d > 0)";
    if (!fits_int2(s->n, s->d))
        return "n must be at most 2147483647 / d (the n x d target set must fit a BLAS int)";
    if (!fits_int2(s->n_src, s->d))
        return "n_src must be at most 2147483647 / d (the n_src x d source set must fit a BLAS int)";
    const size_t k = s->width ? s->width : s->d;
    if (!fits_int2(k, k))
        return "width must be 0 (= d) or an integer in [1, 46340] (width x width layers must fit a BLAS int)";
    const fate_dln_shape sh = spec_shape(s);
    if (fate_dln_nparams(&sh) == 0)
        return "depth is too large: the network must have at most 2147483647 parameters";
    return NULL;
}

/* The task geometry of THEORY.md sections 10 and 11: k source teachers, an
 * input spectrum and where the teachers sit in it. */
static const char *spec_geometry_check(const fate_spec *s)
{
    const int edge = s->theta == 0.0 || s->theta == M_PI; /* beta_t inside span(b_1) */
    if (s->k > s->d || (s->k == s->d && s->k > 1 && !edge))
        return "k must be in [1, d - 1] (b_2..b_k orthogonal to beta_t and b_1; k = d only at theta 0 or pi)";
    if (s->k > 1) {
        /* a network of width w has rank at most w: it cannot fit k > w teachers */
        const size_t w = s->width ? s->width : s->d;
        if (s->k > w) return "k must be at most the width (a rank-w network cannot fit k > w teachers)";
        /* the k-output network's parameters are BLAS int sizes (pretrain_k.c) */
        const fate_dln_shape sh = spec_shape(s);
        const size_t np = fate_dln_nparams(&sh), extra = w * (s->k - 1);
        if (np == 0 || extra / w != s->k - 1 || np > (size_t)INT_MAX - extra)
            return "k: the k-output network's parameters must number at most INT_MAX";
    }
    if (s->align > FATE_ALIGN_TAIL) return "align must be FATE_ALIGN_RANDOM, FATE_ALIGN_TOP or FATE_ALIGN_TAIL";
    if (!s->spectrum) return NULL;
    for (size_t i = 0; i < s->d; i++)
        if (!(s->spectrum[i] > 0.0) || !isfinite(s->spectrum[i]))
            return "spectrum must hold d finite eigenvalues > 0";
    if (s->k > 1) return "k > 1 with a spectrum is not supported (THEORY.md section 11 has one source teacher)";
    return NULL;
}

const char *fate_spec_check(const fate_spec *s)
{
    if (!s) return "spec is NULL";
    const char *msg = spec_size_check(s);
    if (msg) return msg;
    if (!(s->theta >= 0.0 && s->theta <= M_PI)) return "theta must be in [0, pi]";
    if (!theta_ok_for_d(s->theta, s->d))
        return "theta must be 0 or pi when d = 1 (the source teacher needs a second dimension)";
    if (!(s->sigma >= 0.0) || !isfinite(s->sigma)) return "sigma must be a finite number >= 0";
    if (!(s->sigma_src >= 0.0) || !isfinite(s->sigma_src))
        return "sigma_src must be a finite number >= 0";
    if (!(s->lambda >= 0.0) || !isfinite(s->lambda)) return "lambda must be a finite number >= 0";
    if (!(s->rcond > 0.0 && s->rcond < 1.0)) return "rcond must be in (0, 1)";
    if (!isfinite(s->init_scale) || s->init_scale < 0.0)
        return "init_scale must be a finite number >= 0 (0: automatic)";
    if (!isfinite(s->lr) || s->lr < 0.0) return "lr must be a finite number >= 0 (0: automatic)";
    if (!(s->tol >= 0.0) || !isfinite(s->tol)) return "tol must be a finite number >= 0";
    if (!(s->weight_decay >= 0.0) || !isfinite(s->weight_decay))
        return "weight_decay must be a finite number >= 0";
    if (s->methods == 0 || (s->methods & ~FATE_METHODS_ALL))
        return "methods must be a non-empty subset of scratch,lt,ft,lpft,l2sp,ridge,ridge_cv,early_stop,l2sp_w";
    if (!(s->l2sp_lambda >= 0.0 && isfinite(s->l2sp_lambda)) && s->l2sp_lambda != FATE_LAMBDA_OPT)
        return "l2sp_lambda must be a finite number >= 0, or FATE_LAMBDA_OPT (the optimal one)";
    if (!(s->source_scale >= 0.0) || !isfinite(s->source_scale))
        return "source_scale must be a finite number >= 0 (0: 1)";
    if (!(s->target_scale >= 0.0) || !isfinite(s->target_scale))
        return "target_scale must be a finite number >= 0 (0: 1)";
    return spec_geometry_check(s);
}

double fate_default_init_scale(size_t depth)
{
    /* Depth 2: the paper's alpha = 1e-5; leaving the saddle takes time
     * ~log(1/alpha). Depth L >= 3: with W_l ~ alpha/sqrt(d) and |w_L| ~ alpha
     * sqrt(d), the first L-1 layers grow like ds/dt ~ s^(L-2) alpha sqrt(d),
     * so escaping takes time ~ alpha^-(L-2)/sqrt(d): alpha = 1e-5 would need
     * ~1e5^(L-2) time units. The defaults below (chosen by measuring escape
     * steps, layer balance and the feature rank at d = 100..500) escape within
     * a few thousand steps while the pretrained features stay rank one to
     * better than 1e-2 (the default rcond) and |beta_0| ~ alpha^L sqrt(d) is
     * negligible. */
    static const double table[] = {1e-5, 1e-2, 5e-2, 8e-2};
    if (depth < 2) return 1e-5;
    if (depth - 2 < sizeof table / sizeof table[0]) return table[depth - 2];
    return 0.1;
}

const char *fate_method_name(unsigned method)
{
    static const char *const names[] = {"scratch", "lt", "ft", "lpft", "l2sp", "ridge", "ridge_cv", "early_stop", "l2sp_w"};
    for (unsigned k = 0; k < sizeof names / sizeof names[0]; k++)
        if (method == 1u << k) return names[k];
    return NULL;
}

/* What a method sees of one instance. */
typedef struct method_ctx {
    const fate_spec *s;
    const pretrained_t *pre;
    const target_t *tgt;
    uint64_t inst;
} method_ctx;

/* scratch and early_stop share one training (method_early_stop.c) */
static fate_status run_scratch(fate_instance_result *o, const method_ctx *c, size_t *step)
{
    fate_method_result *es = c->s->methods & FATE_METHOD_EARLY_STOP ? &o->early_stop : NULL;
    return proto_scratch_es(&o->scratch, es, &o->early_stop_step, c->tgt, c->s, c->s->weight_decay, c->inst, step);
}
static fate_status run_early_stop(fate_instance_result *o, const method_ctx *c, size_t *step)
{
    if (c->s->methods & FATE_METHOD_SCRATCH) return FATE_OK; /* run_scratch did it */
    return proto_scratch_es(NULL, &o->early_stop, &o->early_stop_step, c->tgt, c->s, c->s->weight_decay, c->inst,
                            step);
}
static fate_status run_lt(fate_instance_result *o, const method_ctx *c, size_t *step)
{
    (void)step;
    return proto_lt(&o->lt, c->pre, c->tgt, c->s, c->s->lambda);
}
static fate_status run_ft(fate_instance_result *o, const method_ctx *c, size_t *step)
{
    return proto_ft(&o->ft, &o->ft_c, c->pre, c->tgt, c->s, step);
}
static fate_status run_lpft(fate_instance_result *o, const method_ctx *c, size_t *step)
{
    return proto_lpft(&o->lpft, &o->lpft_c, c->pre, c->tgt, c->s, step);
}
static fate_status run_l2sp(fate_instance_result *o, const method_ctx *c, size_t *step)
{
    (void)step;
    return proto_l2sp(&o->l2sp, &o->l2sp_lambda, c->pre, c->tgt, c->s);
}
static fate_status run_l2sp_w(fate_instance_result *o, const method_ctx *c, size_t *step)
{
    return proto_l2sp_w(&o->l2sp_w, &o->l2sp_lambda, c->pre, c->tgt, c->s, step);
}
static fate_status run_ridge(fate_instance_result *o, const method_ctx *c, size_t *step)
{
    (void)step;
    double lambda;
    return proto_ridge(&o->ridge, &lambda, c->tgt, c->s, 0);
}
static fate_status run_ridge_cv(fate_instance_result *o, const method_ctx *c, size_t *step)
{
    (void)step;
    return proto_ridge(&o->ridge_cv, &o->ridge_cv_lambda, c->tgt, c->s, 1);
}

/* The methods in the order they run; all but scratch use the pretrained
 * network, lt and lpft its feature basis. */
static const struct {
    unsigned bit;
    fate_status (*run)(fate_instance_result *o, const method_ctx *c, size_t *step);
} METHODS[] = {{FATE_METHOD_SCRATCH, run_scratch}, {FATE_METHOD_LT, run_lt},     {FATE_METHOD_FT, run_ft},
               {FATE_METHOD_LPFT, run_lpft},       {FATE_METHOD_L2SP, run_l2sp}, {FATE_METHOD_RIDGE, run_ridge},
               {FATE_METHOD_RIDGE_CV, run_ridge_cv}, {FATE_METHOD_EARLY_STOP, run_early_stop},
               {FATE_METHOD_L2SP_W, run_l2sp_w}};

fate_status fate_run_instance(fate_instance_result *out, const fate_spec *spec, uint64_t inst,
                              unsigned *failed_method, size_t *failed_step)
{
    if (!out || fate_spec_check(spec)) return FATE_EINVAL;
    const unsigned m = spec->methods;
    memset(out, 0, sizeof *out);
    out->ft_c = out->lpft_c = out->l2sp_lambda = out->ridge_cv_lambda = NAN;
    pretrained_t pre;
    target_t tgt;
    memset(&pre, 0, sizeof pre);
    memset(&tgt, 0, sizeof tgt);
    unsigned stage = 0;
    fate_status st = FATE_OK;
    if (m & USES_PRETRAINED) {
        if ((st = proto_pretrain(&pre, spec, spec->theta, inst, (m & USES_BASIS) != 0, failed_step)) != FATE_OK)
            goto done;
        out->pretrain = pre.res;
        out->feature_rank = pre.basis.r;
        out->feature_sv1 = pre.basis.sv1;
        out->feature_sv2 = pre.basis.sv2;
    }
    if ((st = proto_target(&tgt, spec, inst)) != FATE_OK) goto done;
    const method_ctx ctx = {spec, &pre, &tgt, inst};
    for (size_t k = 0; k < sizeof METHODS / sizeof METHODS[0]; k++) {
        if (!(m & METHODS[k].bit)) continue;
        stage = METHODS[k].bit;
        if ((st = METHODS[k].run(out, &ctx, failed_step)) != FATE_OK) goto done;
    }
done:
    if (st == FATE_EDIVERGED && failed_method) *failed_method = stage;
    pretrained_free(&pre);
    target_free(&tgt);
    return st;
}

fate_status fate_run(fate_instance_result *out, const fate_spec *spec, uint64_t first,
                     size_t count, int threads, unsigned *failed_method, size_t *failed_step,
                     uint64_t *failed_instance)
{
    if (!out || fate_spec_check(spec) || threads < 0 || threads > FATE_MAX_THREADS)
        return FATE_EINVAL;
    fate_status *sts = alloc_array(count ? count : 1, 1, sizeof *sts);
    unsigned *fm = calloc_array(count ? count : 1, 1, sizeof *fm);
    size_t *fs = calloc_array(count ? count : 1, 1, sizeof *fs);
    if (!sts || !fm || !fs) { free(sts); free(fm); free(fs); return FATE_ENOMEM; }
    /* Parallelism is across instances; each instance runs single-threaded
     * BLAS, so results are bit-identical for every thread count and the
     * cores are not oversubscribed. */
    const int blas_threads = blas_threads_get();
    blas_threads_set(1);
    int nt = team_threads(threads);
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
    for (size_t i = 0; i < count; i++)
        sts[i] = fate_run_instance(&out[i], spec, first + i, &fm[i], &fs[i]);
    blas_threads_set(blas_threads);
    fate_status st = FATE_OK;
    for (size_t i = 0; i < count; i++)
        if (sts[i] != FATE_OK) {
            st = sts[i];
            if (failed_method) *failed_method = fm[i];
            if (failed_step) *failed_step = fs[i];
            if (failed_instance) *failed_instance = first + i;
            break;
        }
    free(sts);
    free(fm);
    free(fs);
    return st;
}

/* The source moments in units of the target's norm (THEORY.md, "Teachers of
 * other norms"): every closed form is a_t^2 times the unit-target one at
 * noise sigma / a_t with source moments m = r m_1, q = r^2 q_1, r = a_s / a_t
 * (m_1, q_1 those of a unit source at noise sigma_src / a_s; m_1 = cos th,
 * q_1 = 1 for the infinite source). With a_s = a_t = 1 nothing moves. */
static void spec_moments(const fate_spec *s, double *m, double *q)
{
    const double as = spec_scale(s->source_scale), r = as / spec_scale(s->target_scale);
    *m = cos(s->theta), *q = 1.0;
    if (s->n_src > 0) fate_theory_source_moments_exact(m, q, s->theta, s->n_src, s->d, s->sigma_src / as);
    *m *= r;
    *q *= r * r;
}

/* E|beta_t - beta_s_hat|^2 = a_t^2 (1 - 2 m + q) (THEORY.md section 8). */
double spec_l2sp_lambda(const fate_spec *s)
{
    if (s->l2sp_lambda != FATE_LAMBDA_OPT) return s->l2sp_lambda;
    double m, q;
    spec_moments(s, &m, &q);
    const double at = spec_scale(s->target_scale);
    return fate_theory_ridge_lambda_opt((double)s->d / (double)s->n, s->sigma, at * at * fmax(1.0 - 2.0 * m + q, 0.0));
}

double spec_ridge_lambda(const fate_spec *s)
{
    const double at = spec_scale(s->target_scale);
    return fate_theory_ridge_lambda_opt((double)s->d / (double)s->n, s->sigma, at * at);
}

/* Parameter transfer: the ridge risk of beta_t - beta_s_hat, whose mean
 * square a_t^2 (1 - 2 m + q) enters the bias linearly (the source set is
 * independent of the target's X); lambda = 0 exact at finite size, else the
 * limit at psi = d/n. */
static double theory_l2sp(const fate_spec *s, double m, double q, double lambda)
{
    const double at = spec_scale(s->target_scale), r2 = at * at * fmax(1.0 - 2.0 * m + q, 0.0);
    return lambda == 0.0 ? fate_theory_ridge_exact(s->n, s->d, s->sigma, r2)
                         : fate_theory_ridge((double)s->d / (double)s->n, lambda, s->sigma, r2);
}

fate_status fate_spec_theory_eval(fate_spec_theory *o, const fate_spec *s)
{
    if (!o || fate_spec_check(s)) return FATE_EINVAL;
    /* The ridge form of lt compares lambda with the squared norm of the
     * pretrained feature, which is a_s^(2(L-1)/L), not a_s^2: it holds at
     * a_s = 1 only. */
    const double as = spec_scale(s->source_scale), at = spec_scale(s->target_scale);
    const double a2 = at * at, sigma = s->sigma / at;
    double m, q;
    spec_moments(s, &m, &q);
    o->scratch = a2 * fate_theory_scratch_exact(s->n, s->d, sigma);
    o->lt = a2 * (s->lambda == 0.0 ? fate_theory_lt_exact_moments(s->n, m, q, sigma)
                  : as == 1.0      ? fate_theory_lt_moments(m, q, s->lambda / a2)
                                   : NAN);
    double g = (double)s->n / (double)s->d;
    o->T_ft_paper = a2 * (s->n < s->d ? (1.0 - g) * (2.0 * m - q) : 0.0);
    o->T_ft = a2 * fate_theory_T_ft_gf_exact(s->n, s->d, sigma, m, q, s->depth);
    o->ft_c = NAN;
    if (s->n + 1 < s->d) {
        double b = g + sigma * sigma * (double)s->n / (double)(s->d - s->n - 1);
        /* c solves an equation homogeneous of degree 0 in (b, q): the scaled
         * b and q give the c of the actual norms */
        o->ft_c = fate_theory_ft_c(1.0 - g, b, q, s->depth);
    }
    o->ft = o->scratch - o->T_ft;
    o->ft_paper = o->scratch - o->T_ft_paper;
    o->T_lt = o->scratch - o->lt;
    /* LP-FT (THEORY.md section 8): the probe's ridge compares lambda with the
     * feature's squared norm, as lt's, so lambda > 0 holds at a_s = 1 only */
    const double lam = s->lambda / a2;
    if (s->lambda == 0.0 || as == 1.0) {
        o->lpft_c = fate_theory_lpft_c_exact(s->n, s->d, sigma, m, q, lam, s->depth);
        o->T_lpft = a2 * fate_theory_T_lpft_exact(s->n, s->d, sigma, m, q, lam, s->depth);
    } else {
        o->lpft_c = o->T_lpft = NAN;
    }
    o->lpft = o->scratch - o->T_lpft;
    o->l2sp_lambda = spec_l2sp_lambda(s);
    o->l2sp = theory_l2sp(s, m, q, o->l2sp_lambda);
    o->T_l2sp = o->scratch - o->l2sp;
    /* the tuned baseline: at sigma = 0 lambda* = 0, the min-norm solution,
     * whose finite-size mean is exact */
    o->ridge_lambda = spec_ridge_lambda(s);
    o->ridge = o->ridge_lambda == 0.0 ? fate_theory_ridge_exact(s->n, s->d, s->sigma, a2)
                                      : fate_theory_ridge((double)s->d / (double)s->n, o->ridge_lambda, s->sigma, a2);
    o->T_ridge = o->scratch - o->ridge;
    return spec_theory_geometry(o, s);
}
