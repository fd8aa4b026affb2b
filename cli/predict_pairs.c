/* predict_pairs.c - the task pairs of `fate predict` and their measurements
 * (see predict_pairs.h; THEORY.md section 12). */
#include "predict_pairs.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fate_distance.h"
#include "fate_score.h"

const char *const PF_NAME[N_PFAM] = {"angle", "scale", "near-useless", "k", "top", "tail", "relu2"};
const char *const TRUTH_NAME[NTRUTH] = {"T_lt", "T_lt_theory", "T_ft", "T_ft_theory"};

const pred_info PRED[NPRED] = {
    {"logme", "score", "LogME of y on the features (You et al. 2021), evidence per sample"},
    {"logme_class", "score", "LogME, classification form, labels sign(y)"},
    {"probe_train", "score", "minus the training MSE of least squares on the features"},
    {"probe_loo", "score", "minus the leave-one-out MSE of least squares on the features (PRESS)"},
    {"knn", "score", "minus the leave-one-out k-NN regression MSE on the features, k = min(5, n - 1)"},
    {"knn_acc", "score", "leave-one-out k-NN accuracy of the labels on the features, k = min(5, n - 1)"},
    {"leep", "score", "LEEP (Nguyen et al. 2020), source probit P(y > t | x) = Phi((f_s(x) - t_s)/sigma) (t, t_s: 0, or the medians for relu2)"},
    {"nce", "score", "NCE (Tran et al. 2019), source label sign(f_s(x))"},
    {"hscore", "score", "H-score (Bao et al. 2019) of sign(y) on the features"},
    {"gbc", "score", "GBC (Pandy et al. 2022) of sign(y) on the features"},
    {"transrate", "score", "TransRate (Huang et al. 2022) of sign(y) on the features, eps = 1e-4"},
    {"neg_kl_st", "distance", "minus KL(source || target) of the joint laws of (x, y), closed form"},
    {"neg_kl_ts", "distance", "minus KL(target || source), closed form"},
    {"neg_hellinger2", "distance", "minus the squared Hellinger distance, closed form"},
    {"neg_w2", "distance", "minus the Wasserstein-2 distance (Bures), closed form"},
    {"neg_mmd2", "distance", "minus MMD^2, Gaussian kernel h = sqrt(d + 1), closed form"},
    {"proj", "feature", "target variance the pretrained features explain, |beta_t|^2_Sigma - rho"},
    {"neg_resid", "feature", "minus rho, the target variance outside the features"},
    {"theory_T_lt", "feature", "the theory's T of linear transfer (exact at finite n, d)"},
    {"theory_T_ft", "feature", "the theory's T of fine-tuning (gradient-flow c; NaN where not derived)"},
};

static fate_spec pair_spec(const pred_setup *ps, size_t n, double theta)
{
    fate_spec s;
    fate_spec_default(&s);
    s.d = s.width = ps->d;
    s.depth = ps->depth;
    s.n = n;
    s.theta = theta;
    s.sigma = ps->sigma;
    s.seed = ps->seed;
    s.methods = FATE_METHOD_SCRATCH | FATE_METHOD_LT | FATE_METHOD_FT;
    return s;
}

pred_pair *predict_make_pairs(size_t *np, const pred_setup *ps, const pred_lists *L, const fate_relu_spec *rbase)
{
    size_t nhalf = 0; /* the top and tail families take the angles in [0, pi/2] */
    for (size_t i = 0; i < L->nt; i++) nhalf += L->thetas[i] <= M_PI / 2 + 1e-12;
    const size_t per = L->nt + L->ns + L->nn + L->nk + 2 * nhalf + L->nmu;
    pred_pair *P = calloc(per * L->nl + 1, sizeof *P);
    if (!P) return NULL;
    size_t q = 0;
    for (size_t l = 0; l < L->nl; l++) {
        const size_t n = L->n[l];
        for (size_t i = 0; i < L->nt; i++)
            P[q++] = (pred_pair){.fam = PF_ANGLE, .param = L->thetas[i], .spec = pair_spec(ps, n, L->thetas[i])};
        for (size_t i = 0; i < L->ns; i++) {
            P[q] = (pred_pair){.fam = PF_SCALE, .param = L->scales[i], .spec = pair_spec(ps, n, 0.0)};
            P[q++].spec.target_scale = L->scales[i];
        }
        for (size_t i = 0; i < L->nn; i++) {
            P[q] = (pred_pair){.fam = PF_NEAR, .param = L->nears[i], .spec = pair_spec(ps, n, M_PI / 2)};
            P[q].spec.source_scale = P[q].spec.target_scale = L->nears[i];
            q++;
        }
        for (size_t i = 0; i < L->nk; i++) {
            P[q] = (pred_pair){.fam = PF_K, .param = (double)L->ks[i], .spec = pair_spec(ps, n, M_PI / 4)};
            P[q++].spec.k = L->ks[i];
        }
        for (int a = 0; a < 2; a++)
            for (size_t i = 0; i < L->nt; i++) {
                if (L->thetas[i] > M_PI / 2 + 1e-12) continue;
                P[q] = (pred_pair){.fam = a ? PF_TAIL : PF_TOP, .param = L->thetas[i],
                                   .spec = pair_spec(ps, n, L->thetas[i])};
                P[q].spec.spectrum = ps->eig;
                P[q++].spec.align = a ? FATE_ALIGN_TAIL : FATE_ALIGN_TOP;
            }
        for (size_t i = 0; i < L->nmu; i++) {
            P[q] = (pred_pair){.fam = PF_RELU, .param = L->mus[i], .spec = pair_spec(ps, n, 0.0), .rspec = *rbase};
            P[q].rspec.mu = L->mus[i], P[q].rspec.n = n, P[q].rspec.sigma = ps->sigma, P[q].rspec.seed = ps->seed;
            q++;
        }
    }
    *np = q;
    return P;
}

/* ---- scores of one instance ---------------------------------------------- */

typedef struct score_in {
    const double *Z, *y, *f; /* features (n, r), targets, source outputs */
    size_t n, r;
    double sigma, ythr, fthr; /* labels: y > ythr, source labels f > fthr */
    int *lab, *src; /* (n) as 0/1 */
    double *Ps;     /* (n, 2) the source's probit prediction */
} score_in;

/* The value of a score or distance call, NaN when it failed or is undefined.
 * A macro, not a function: the call must run before its output is read,
 * and C leaves the order of a function's arguments unspecified. */
#define VALUE_OF(call, x) ((call) == FATE_OK && isfinite(x) ? (x) : NAN)

static void scores(double *v, const score_in *in)
{
    const size_t n = in->n, r = in->r, kn = n - 1 < 5 ? n - 1 : 5;
    for (size_t i = 0; i < n; i++) {
        in->lab[i] = in->y[i] > in->ythr;
        in->src[i] = in->f[i] > in->fthr;
        /* P(y > thr | x) under the source read as a regression with
         * Gaussian noise of the task's sigma */
        const double p1 = 0.5 * erfc(-(in->f[i] - in->fthr) / (in->sigma * M_SQRT2));
        in->Ps[2 * i] = 1.0 - p1;
        in->Ps[2 * i + 1] = p1;
    }
    double x = NAN, t = NAN, u = NAN;
    v[P_LOGME] = VALUE_OF(fate_score_logme(&x, NULL, NULL, in->Z, in->y, n, r), x);
    v[P_LOGME_CLASS] = VALUE_OF(fate_score_logme_class(&x, in->Z, in->lab, n, r, 2), x);
    const fate_status sp = fate_score_probe(&t, NULL, in->Z, in->y, n, r, 0.0);
    v[P_PROBE_TRAIN] = VALUE_OF(sp, t);
    v[P_PROBE_LOO] = VALUE_OF(fate_score_probe(NULL, &u, in->Z, in->y, n, r, 0.0), u);
    v[P_KNN] = VALUE_OF(fate_score_knn(&x, in->Z, in->y, n, r, kn), x);
    v[P_KNN_ACC] = VALUE_OF(fate_score_knn_class(&x, in->Z, in->lab, n, r, 2, kn), x);
    v[P_LEEP] = VALUE_OF(fate_score_leep(&x, in->Ps, in->lab, n, 2, 2), x);
    v[P_NCE] = VALUE_OF(fate_score_nce(&x, in->src, in->lab, n, 2, 2), x);
    v[P_HSCORE] = VALUE_OF(fate_score_hscore(&x, in->Z, in->lab, n, r, 2), x);
    v[P_GBC] = VALUE_OF(fate_score_gbc(&x, in->Z, in->lab, n, r, 2), x);
    v[P_TRANSRATE] = VALUE_OF(fate_score_transrate(&x, in->Z, in->lab, n, r, 2, 1e-4), x);
}

static int cmp_dbl(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of v (n), on a copy in w. */
static double median(const double *v, double *w, size_t n)
{
    memcpy(w, v, n * sizeof *w);
    qsort(w, n, sizeof *w, cmp_dbl);
    return n % 2 ? w[n / 2] : 0.5 * (w[n / 2 - 1] + w[n / 2]);
}

/* The scores of features Z (n, r) against y, with the source's outputs f. */
static fate_status score_features(double *sc, const double *Z, size_t r, const double *y, const double *f, size_t n,
                                  double sigma, int by_median)
{
    double *Ps = malloc(2 * n * sizeof *Ps), *w = malloc(n * sizeof *w);
    int *lab = malloc(n * sizeof *lab), *src = malloc(n * sizeof *src);
    const fate_status st = Ps && w && lab && src ? FATE_OK : FATE_ENOMEM;
    if (st == FATE_OK && r > 0) {
        const double yt = by_median ? median(y, w, n) : 0.0, ft = by_median ? median(f, w, n) : 0.0;
        const score_in in = {Z, y, f, n, r, sigma, yt, ft, lab, src, Ps};
        scores(sc, &in);
    }
    free(Ps); free(w); free(lab); free(src);
    return st;
}

static fate_status linear_instance(double *Tlt, double *Tft, double *sc, int *unconv, const pred_pair *p,
                                   uint64_t inst)
{
    const fate_spec *s = &p->spec;
    const size_t n = s->n, w = s->d < s->width ? s->d : s->width;
    fate_instance_result res;
    fate_status st = fate_run_instance(&res, s, inst, NULL, NULL);
    if (st != FATE_OK) return st;
    *Tlt = res.scratch.risk - res.lt.risk;
    *Tft = res.scratch.risk - res.ft.risk;
    *unconv = !res.pretrain.converged + !res.scratch.converged + !res.ft.converged;
    double *Z = malloc(n * w * sizeof *Z), *y = malloc(n * sizeof *y), *f = malloc(n * sizeof *f);
    size_t r = 0;
    st = Z && y && f ? fate_transfer_features(NULL, y, Z, &r, f, s, inst) : FATE_ENOMEM;
    if (st == FATE_OK) st = score_features(sc, Z, r, y, f, n, s->sigma, 0);
    free(Z); free(y); free(f);
    return st;
}

/* relu2: fate_relu_run_instance, then the hidden features of its pretrained
 * network; the feature measures are the instance's |P_perp f_t|^2 in the
 * student's features (THEORY.md section 5). */
static fate_status relu_instance(double *Tlt, double *Tft, double *sc, int *unconv, const pred_pair *p,
                                 uint64_t inst)
{
    const fate_relu_spec *s = &p->rspec;
    const size_t n = s->n, m = s->m;
    double *W = malloc(m * s->d * sizeof *W), *c = malloc(m * sizeof *c), *Phi = malloc(n * m * sizeof *Phi);
    double *y = malloc(n * sizeof *y), *f = malloc(n * sizeof *f);
    fate_relu_result res;
    fate_status st = W && c && Phi && y && f ? fate_relu_run_instance(&res, W, c, s, inst, NULL, NULL) : FATE_ENOMEM;
    if (st == FATE_OK) {
        *Tlt = res.scratch.risk - res.lt.risk;
        *Tft = res.scratch.risk - res.ft.risk;
        *unconv = !res.pretrain.converged + !res.scratch.converged + !res.ft.converged;
        sc[P_PROJ] = res.target_norm2 - res.pperp_student;
        sc[P_RESID] = -res.pperp_student;
        st = fate_relu_transfer_features(NULL, y, Phi, f, W, c, s, inst);
    }
    if (st == FATE_OK) st = score_features(sc, Phi, m, y, f, n, p->spec.sigma, 1);
    free(W); free(c); free(Phi); free(y); free(f);
    return st;
}

fate_status predict_instance(double *Tlt, double *Tft, double *sc, int *unconv, const pred_pair *p,
                             uint64_t inst)
{
    for (size_t k = 0; k < NPRED; k++) sc[k] = NAN;
    return p->fam == PF_RELU ? relu_instance(Tlt, Tft, sc, unconv, p, inst)
                             : linear_instance(Tlt, Tft, sc, unconv, p, inst);
}

/* ---- exact measures ------------------------------------------------------ */

/* The joint covariance of (x, y) in R^(d+1), x ~ N(0, diag(eig)) (eig NULL:
 * I), y = beta.x + sigma eps: [[Sigma, Sigma beta], [beta^T Sigma, beta^T
 * Sigma beta + sigma^2]]. C: (d+1, d+1). */
static void joint_cov(double *C, const double *eig, const double *beta, size_t d, double sigma)
{
    const size_t D = d + 1;
    memset(C, 0, D * D * sizeof *C);
    double yy = sigma * sigma;
    for (size_t i = 0; i < d; i++) {
        const double e = eig ? eig[i] : 1.0;
        C[i * D + i] = e;
        C[i * D + d] = C[d * D + i] = e * beta[i];
        yy += e * beta[i] * beta[i];
    }
    C[d * D + d] = yy;
}

/* The teachers as fate's task generator places them, up to a rotation that
 * no distance sees: beta_t = a_t e_i, beta_s = a_s (cos e_i + sin e_j) with
 * (i, j) = (1, 2), or (d, d - 1) in the tail (THEORY.md sections 4, 11). */
static void teachers(double *bs, double *bt, const fate_spec *s)
{
    const size_t d = s->d, i = s->align == FATE_ALIGN_TAIL ? d - 1 : 0, j = s->align == FATE_ALIGN_TAIL ? d - 2 : 1;
    const double as = s->source_scale > 0 ? s->source_scale : 1.0, at = s->target_scale > 0 ? s->target_scale : 1.0;
    memset(bs, 0, d * sizeof *bs);
    memset(bt, 0, d * sizeof *bt);
    bt[i] = at;
    bs[i] = as * cos(s->theta);
    bs[j] = as * sin(s->theta);
}

static void distances(double *v, const fate_spec *s, double *work)
{
    const size_t d = s->d, D = d + 1;
    double *bs = work, *bt = bs + d, *mu = bt + d, *C1 = mu + D, *C2 = C1 + D * D;
    teachers(bs, bt, s);
    memset(mu, 0, D * sizeof *mu);
    joint_cov(C1, s->spectrum, bs, d, s->sigma);
    joint_cov(C2, s->spectrum, bt, d, s->sigma);
    double kl = NAN, h2 = NAN, bh = NAN, w2 = NAN, mmd = NAN, trace = 0.0;
    v[P_KL_ST] = -VALUE_OF(fate_gauss_kl(&kl, mu, C1, mu, C2, D), kl);
    v[P_KL_TS] = -VALUE_OF(fate_gauss_kl(&kl, mu, C2, mu, C1, D), kl);
    v[P_HELLINGER] = -VALUE_OF(fate_gauss_hellinger(&h2, &bh, mu, C1, mu, C2, D), h2);
    /* below the rounding of the Bures formula W2 is 0 (as fate distance) */
    for (size_t i = 0; i < D; i++) trace += C1[i * D + i] + C2[i * D + i];
    const fate_status sw = fate_gauss_w2sq(&w2, mu, C1, mu, C2, D);
    v[P_W2] = -sqrt(VALUE_OF(sw, w2 <= 1e-12 * trace ? 0.0 : w2));
    v[P_MMD2] = -VALUE_OF(fate_gauss_mmd2(&mmd, mu, C1, mu, C2, D, sqrt((double)D)), mmd);
}

/* The target variance in and outside the pretrained feature space: with one
 * feature beta_s, rho = t - c^2/q (t = |beta_t|^2_Sigma, c = beta_s^T Sigma
 * beta_t, q = |beta_s|^2_Sigma); with k orthonormal features (unit teachers,
 * isotropic), rho = sin^2 theta. */
static void feature_measures(double *v, const fate_spec *s, double *work)
{
    const size_t d = s->d;
    double *bs = work, *bt = bs + d, t = 0, c = 0, q = 0;
    teachers(bs, bt, s);
    for (size_t i = 0; i < d; i++) {
        const double e = s->spectrum ? s->spectrum[i] : 1.0;
        t += e * bt[i] * bt[i], c += e * bs[i] * bt[i], q += e * bs[i] * bs[i];
    }
    double rho = q > 0 ? t - c * c / q : t;
    if (s->k > 1) rho = t * sin(s->theta) * sin(s->theta);
    if (rho < 1e-14 * t) rho = 0.0; /* exact zeros at theta = 0, pi: ties, not rounding */
    v[P_PROJ] = t - rho;
    v[P_RESID] = -rho;
}

void predict_exact(pred_pair *p, const pred_setup *ps)
{
    const size_t d = ps->d, D = d + 1;
    double *work = malloc((3 * D + 2 * D * D) * sizeof *work);
    for (size_t k = P_FIRST_DIST; k < NPRED; k++) p->v[k] = NAN;
    if (p->fam == PF_RELU) { /* non-Gaussian joint laws, no closed-form T: simulation only */
        free(work);
        p->truth[T_LT_TH] = p->truth[T_FT_TH] = NAN;
        return;
    }
    if (work) {
        distances(p->v, &p->spec, work);
        feature_measures(p->v, &p->spec, work);
    }
    free(work);
    fate_spec_theory th;
    if (fate_spec_theory_eval(&th, &p->spec) == FATE_OK) {
        p->truth[T_LT_TH] = th.T_lt;
        p->truth[T_FT_TH] = th.T_ft;
    } else {
        p->truth[T_LT_TH] = p->truth[T_FT_TH] = NAN;
    }
    p->v[P_TLT_TH] = isfinite(p->truth[T_LT_TH]) ? p->truth[T_LT_TH] : NAN;
    p->v[P_TFT_TH] = isfinite(p->truth[T_FT_TH]) ? p->truth[T_FT_TH] : NAN;
}
