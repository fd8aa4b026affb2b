/* experiment.c - one transfer-learning experiment (THEORY.md sections 1-3):
 * draw the task, pretrain, then train from scratch, transfer linearly and
 * fine-tune on the same target set; and the theory beside it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include <lapacke.h>
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
}

const char *fate_spec_check(const fate_spec *s)
{
    if (!s) return "spec is NULL";
    if (s->d < 1) return "d must be an integer >= 1";
    if (s->depth < 2) return "depth must be an integer >= 2";
    if (s->n < 1) return "n must be an integer >= 1 (gamma = n/d > 0)";
    if (!(s->theta >= 0.0 && s->theta <= M_PI)) return "theta must be in [0, pi]";
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
    if (s->methods == 0 || (s->methods & ~7u)) return "methods must be a non-empty subset of scratch,lt,ft";
    return NULL;
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

static double sqdist(const double *a, const double *b, size_t d)
{
    double s = 0.0;
    for (size_t i = 0; i < d; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
    return s;
}

/* Empirical loss beta^T S beta - 2 b.beta + yy (S == NULL: identity). */
static double emp_loss(const double *beta, const double *S, const double *b, double yy,
                       size_t d, double *tmp)
{
    if (S)
        cblas_dsymv(CblasRowMajor, CblasUpper, (int)d, 1.0, S, (int)d, beta, 1, 0.0, tmp, 1);
    else
        memcpy(tmp, beta, d * sizeof *tmp);
    return cblas_ddot((int)d, beta, 1, tmp, 1) - 2.0 * cblas_ddot((int)d, b, 1, beta, 1) + yy;
}

/* (I - P_X) v, P_X the projector on the row space of X (n, d), n < d:
 * v - X^T (X X^T)^{-1} X v by Cholesky of the Gram matrix. out: (d). */
static fate_status null_part(double *out, const double *X, size_t n, size_t d, const double *v)
{
    double *G = malloc(n * n * sizeof *G), *z = malloc(n * sizeof *z);
    if (!G || !z) { free(G); free(z); return FATE_ENOMEM; }
    cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, (int)n, (int)d, 1.0, X, (int)d, 0.0, G,
                (int)n);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)d, 1.0, X, (int)d, v, 1, 0.0, z, 1);
    lapack_int info = LAPACKE_dposv(LAPACK_ROW_MAJOR, 'L', (lapack_int)n, 1, G, (lapack_int)n, z, 1);
    if (info == 0) {
        memcpy(out, v, d * sizeof *out);
        cblas_dgemv(CblasRowMajor, CblasTrans, (int)n, (int)d, -1.0, X, (int)d, z, 1, 1.0, out, 1);
    }
    free(G);
    free(z);
    return info == 0 ? FATE_OK : FATE_ENUMERIC;
}

static void method_from_report(fate_method_result *m, const fate_gd_report *r)
{
    m->train_loss = r->loss;
    m->steps = r->steps;
    m->converged = r->converged;
    m->on_saddle = r->on_saddle;
    m->lr = r->lr;
}

fate_status fate_run_instance(fate_instance_result *out, const fate_spec *spec, uint64_t inst,
                              unsigned *failed_method, size_t *failed_step)
{
    if (!out || fate_spec_check(spec)) return FATE_EINVAL;
    const size_t d = spec->d, n = spec->n, ns = spec->n_src;
    const fate_dln_shape shape = {d, spec->width ? spec->width : d, spec->depth};
    const size_t np = fate_dln_nparams(&shape);
    const double alpha = spec->init_scale > 0.0 ? spec->init_scale
                                                : fate_default_init_scale(spec->depth);
    const unsigned m = spec->methods;
    const int need_pre = (m & (FATE_METHOD_LT | FATE_METHOD_FT)) != 0;
    const uint64_t seed = spec->seed;

    memset(out, 0, sizeof *out);
    out->ft_c = NAN;
    double *bs = malloc(d * sizeof *bs), *bt = malloc(d * sizeof *bt);
    double *beta = malloc(d * sizeof *beta), *tmp = malloc(d * sizeof *tmp);
    double *pre = malloc(np * sizeof *pre), *w = malloc(np * sizeof *w);
    double *S = malloc(d * d * sizeof *S), *b = malloc(d * sizeof *b);
    double *X = malloc((ns > n ? ns : n) * d * sizeof *X);
    double *y = malloc((ns > n ? ns : n) * sizeof *y);
    double *beta_sc = malloc(d * sizeof *beta_sc), *beta_pre = malloc(d * sizeof *beta_pre);
    fate_status st = FATE_ENOMEM;
    unsigned stage = 0;
    fate_gd_report rep;
    if (!bs || !bt || !beta || !tmp || !pre || !w || !S || !b || !X || !y || !beta_sc || !beta_pre)
        goto done;
    if ((st = fate_teachers(bs, bt, d, spec->theta, seed, inst)) != FATE_OK) goto done;

    fate_gd_config cfg = {.lr = spec->lr, .max_epochs = spec->max_epochs, .tol = spec->tol};

    /* ---- pretraining: population loss |beta - beta_s|^2, or a finite source set */
    if (need_pre) {
        const double *Ssrc = NULL, *bsrc = bs;
        double yysrc = 1.0; /* |beta_s|^2 */
        cfg.loss_min = 0.0;
        if (ns > 0) {
            if ((st = fate_dataset(X, y, bs, ns, d, spec->sigma_src, seed, inst,
                                   FATE_STREAM_X_SOURCE, FATE_STREAM_NOISE_SOURCE)) != FATE_OK ||
                (st = fate_suffstats(S, b, &yysrc, X, y, ns, d)) != FATE_OK ||
                (st = fate_min_loss(&cfg.loss_min, S, b, yysrc, ns, d)) != FATE_OK)
                goto done;
            Ssrc = S;
            bsrc = b;
        }
        fate_dln_init(pre, &shape, alpha, seed, inst, FATE_STREAM_INIT_PRETRAIN);
        stage = 0;
        st = fate_dln_train(pre, &rep, &shape, Ssrc, bsrc, yysrc, &cfg);
        if (st != FATE_OK) { if (failed_step) *failed_step = rep.diverged_step; goto done; }
        method_from_report(&out->pretrain, &rep);
        out->pretrain.loss_min = cfg.loss_min;
        fate_dln_product(beta_pre, pre, &shape);
        out->pretrain.risk = sqdist(beta_pre, bs, d);
        fate_dln_balance(&out->pretrain.balance, pre, &shape);
    }

    /* ---- target data: X, y of n rows; only the sufficient statistics are kept */
    double yy;
    if ((st = fate_dataset(X, y, bt, n, d, spec->sigma, seed, inst, FATE_STREAM_X_TARGET,
                           FATE_STREAM_NOISE_TARGET)) != FATE_OK ||
        (st = fate_suffstats(S, b, &yy, X, y, n, d)) != FATE_OK ||
        (st = fate_min_loss(&cfg.loss_min, S, b, yy, n, d)) != FATE_OK)
        goto done;

    /* ---- scratch: all layers from a fresh small init */
    if (m & FATE_METHOD_SCRATCH) {
        fate_gd_config c2 = cfg;
        c2.weight_decay = spec->weight_decay;
        fate_dln_init(w, &shape, alpha, seed, inst, FATE_STREAM_INIT_SCRATCH);
        stage = FATE_METHOD_SCRATCH;
        st = fate_dln_train(w, &rep, &shape, S, b, yy, &c2);
        if (st != FATE_OK) { if (failed_step) *failed_step = rep.diverged_step; goto done; }
        method_from_report(&out->scratch, &rep);
        out->scratch.loss_min = cfg.loss_min;
        fate_dln_product(beta_sc, w, &shape);
        out->scratch.risk = sqdist(beta_sc, bt, d);
        out->scratch.train_loss = emp_loss(beta_sc, S, b, yy, d, tmp);
        fate_dln_balance(&out->scratch.balance, w, &shape);
    }

    /* ---- linear transfer: frozen features, readout refit by ridge */
    if (m & FATE_METHOD_LT) {
        memcpy(w, pre, np * sizeof *w);
        double sv12[2];
        stage = FATE_METHOD_LT;
        if ((st = lt_refit(w, &out->feature_rank, sv12, &shape, S, b, spec->lambda,
                           spec->rcond)) != FATE_OK)
            goto done;
        out->feature_sv1 = sv12[0];
        out->feature_sv2 = sv12[1];
        fate_dln_product(beta, w, &shape);
        out->lt.risk = sqdist(beta, bt, d);
        out->lt.train_loss = emp_loss(beta, S, b, yy, d, tmp);
        out->lt.loss_min = cfg.loss_min;
        out->lt.converged = 1;
        fate_dln_balance(&out->lt.balance, w, &shape);
    }

    /* ---- fine-tuning: every layer, from the pretrained weights */
    if (m & FATE_METHOD_FT) {
        memcpy(w, pre, np * sizeof *w);
        stage = FATE_METHOD_FT;
        st = fate_dln_train(w, &rep, &shape, S, b, yy, &cfg);
        if (st != FATE_OK) { if (failed_step) *failed_step = rep.diverged_step; goto done; }
        method_from_report(&out->ft, &rep);
        out->ft.loss_min = cfg.loss_min;
        fate_dln_product(beta, w, &shape);
        out->ft.risk = sqdist(beta, bt, d);
        fate_dln_balance(&out->ft.balance, w, &shape);
        if (n < d) {
            /* c = <(I-P) beta_ft, (I-P) beta_pre> / |(I-P) beta_pre|^2 */
            double *npre = S; /* S is no longer needed: reuse as two d-vectors */
            double *nft = S + d;
            if ((st = null_part(npre, X, n, d, beta_pre)) != FATE_OK ||
                (st = null_part(nft, X, n, d, beta)) != FATE_OK)
                goto done;
            double den = cblas_ddot((int)d, npre, 1, npre, 1);
            out->ft_c = den > 0.0 ? cblas_ddot((int)d, nft, 1, npre, 1) / den : NAN;
        }
    }
    st = FATE_OK;
done:
    if (st == FATE_EDIVERGED && failed_method) *failed_method = stage;
    free(bs); free(bt); free(beta); free(tmp); free(pre); free(w);
    free(S); free(b); free(X); free(y); free(beta_sc); free(beta_pre);
    return st;
}

fate_status fate_run(fate_instance_result *out, const fate_spec *spec, uint64_t first,
                     size_t count, int threads, unsigned *failed_method, size_t *failed_step,
                     uint64_t *failed_instance)
{
    if (!out || fate_spec_check(spec) || threads < 0) return FATE_EINVAL;
    fate_status *sts = malloc((count ? count : 1) * sizeof *sts);
    unsigned *fm = calloc(count ? count : 1, sizeof *fm);
    size_t *fs = calloc(count ? count : 1, sizeof *fs);
    if (!sts || !fm || !fs) { free(sts); free(fm); free(fs); return FATE_ENOMEM; }
    /* Parallelism is across instances; each instance runs single-threaded
     * BLAS, so results are bit-identical for every thread count and the
     * cores are not oversubscribed. */
    openblas_set_num_threads(1);
    int nt = threads > 0 ? threads : omp_get_max_threads();
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
    for (size_t i = 0; i < count; i++)
        sts[i] = fate_run_instance(&out[i], spec, first + i, &fm[i], &fs[i]);
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

fate_status fate_spec_theory_eval(fate_spec_theory *o, const fate_spec *s)
{
    if (!o || fate_spec_check(s)) return FATE_EINVAL;
    double m = cos(s->theta), q = 1.0;
    if (s->n_src > 0) fate_theory_source_moments_exact(&m, &q, s->theta, s->n_src, s->d, s->sigma_src);
    o->scratch = fate_theory_scratch_exact(s->n, s->d, s->sigma);
    o->lt = s->lambda == 0.0 ? fate_theory_lt_exact_moments(s->n, m, q, s->sigma)
                             : fate_theory_lt_moments(m, q, s->lambda);
    double g = (double)s->n / (double)s->d;
    o->T_ft_paper = s->n < s->d ? (1.0 - g) * (2.0 * m - q) : 0.0;
    o->T_ft = fate_theory_T_ft_gf_exact(s->n, s->d, s->sigma, m, q, s->depth);
    o->ft_c = NAN;
    if (s->n + 1 < s->d) {
        double b = g + s->sigma * s->sigma * (double)s->n / (double)(s->d - s->n - 1);
        o->ft_c = fate_theory_ft_c(1.0 - g, b, q, s->depth);
    }
    o->ft = o->scratch - o->T_ft;
    o->ft_paper = o->scratch - o->T_ft_paper;
    o->T_lt = o->scratch - o->lt;
    return FATE_OK;
}
