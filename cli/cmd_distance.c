/* cmd_distance.c - `fate distance`: distances between the distributions of two
 * tasks do not predict transferability; the overlap of their features does
 * (THEORY.md section 4). Families of task pairs with linear teachers are
 * simulated (pretraining, scratch, linear transfer, fine-tuning, exactly as
 * `fate run`), every closed-form and sample distance between the joint laws of
 * (x, y) is computed, and the Spearman rank correlation of each with the
 * measured T is reported beside that of feature-space measures. */
#define _GNU_SOURCE /* RTLD_DEFAULT */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <omp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "fate.h"
#include "fate_distance.h"
#include "fate_npy.h"
#include "fate_plot.h"
#include "figures.h"
#include "stats.h"
#include "job.h"
#include "manifest.h"
#include "options.h"
#include "opt_table.h"
#include "rank_stats.h"
#include "report.h"
#include "sweep_io.h"

static const char *C = "distance";

/* ------------------------------------------------------------------------ */
/* Columns                                                                   */
/* ------------------------------------------------------------------------ */

enum { FAM_ANGLE = 0, FAM_SCALE = 1, FAM_NEAR = 2, N_FAM = 3 };
static const char *FAM_NAME[N_FAM] = {"angle", "scale", "near-useless"};
/* The sample sliced W1 is also computed on SW_REDRAWS - 1 further
 * independent draws of the samples and the directions (instances 1, 2, ...
 * of the same streams), for its standard deviation: the report compares it
 * with sw1's spread across each family (THEORY.md section 4). */
#define SW_REDRAWS 8
/* Distances between the source and target joint laws of (x, y) in R^D,
 * D = d + 1: closed forms, then sample estimators in R^D, then the same
 * estimators on the 3-D projection (y, u.x, nu.x). */
enum {
    D_KL_ST, D_KL_TS, D_H2, D_BHAT, D_W2, D_MMD2G,
    D_MMD2, D_ENERGY, D_W1, D_SW1, D_KNNKL, D_TV, D_JS, D_BL,
    D_MMD2_P, D_ENERGY_P, D_W1_P, D_SW1_P, D_KNNKL_P, D_TV_P, D_JS_P, D_BL_P,
    NDIST
};
#define N_CLOSED 6
#define N_SAMPLE 8

typedef struct dist_info {
    const char *name;  /* column name */
    const char *axis;  /* axis label (UTF-8) */
    const char *desc;  /* one line for the help, the report and the manifest */
} dist_info;

static const dist_info DIST[NDIST] = {
    {"kl_st", "KL(p_s ‖ p_t) (nats)", "closed form KL(source || target), nats"},
    {"kl_ts", "KL(p_t ‖ p_s) (nats)", "closed form KL(target || source), nats"},
    {"hellinger2", "squared Hellinger distance H² = 1 − BC", "closed form squared Hellinger 1 - BC, in [0, 1]"},
    {"bhattacharyya", "Bhattacharyya distance −log BC", "closed form Bhattacharyya distance -log BC"},
    {"w2", "Wasserstein-2 distance W₂ (Bures)", "closed form Wasserstein-2 (Bures), not squared"},
    {"mmd2_gauss", "MMD² (Gaussian kernel, h = √D)", "closed form MMD^2, Gaussian kernel, bandwidth h = sqrt(D)"},
    {"mmd2", "sample MMD² (Gaussian, median h)", "sample MMD^2, Gaussian kernel, median-heuristic bandwidth, U-statistic"},
    {"energy", "sample energy distance", "sample energy distance, U-statistic"},
    {"w1", "sample Wasserstein-1 W₁ (exact)", "sample Wasserstein-1, exact (optimal matching of the two samples)"},
    {"sw1", "sample sliced W₁ (50 directions)", "sample sliced Wasserstein-1, 50 random directions"},
    {"knn_kl", "kNN estimate of KL(p_s ‖ p_t) (nats)", "sample kNN estimate of KL(source || target), k = 5, nats"},
    {"tv", "total variation (kNN classifier)", "sample total variation, 2-fold cross-fitted kNN classifier (lower bound)"},
    {"js", "Jensen–Shannon (kNN classifier, nats)", "sample Jensen-Shannon, 2-fold cross-fitted kNN classifier, nats"},
    {"bl", "bounded-Lipschitz lower bound", "sample bounded-Lipschitz (Dudley) lower bound, 50 random directions + radial"},
    {"mmd2_proj", "MMD² on (y, u·x, ν·x) (Gaussian, median h)", "mmd2 on the 3-D projection (y, u.x, nu.x)"},
    {"energy_proj", "energy distance on (y, u·x, ν·x)", "energy on the 3-D projection"},
    {"w1_proj", "W₁ on (y, u·x, ν·x) (exact)", "w1 on the 3-D projection"},
    {"sw1_proj", "sliced W₁ on (y, u·x, ν·x)", "sw1 on the 3-D projection"},
    {"knn_kl_proj", "kNN KL(p_s ‖ p_t) on (y, u·x, ν·x) (nats)", "knn_kl on the 3-D projection"},
    {"tv_proj", "TV on (y, u·x, ν·x) (kNN classifier)", "tv on the 3-D projection"},
    {"js_proj", "JS on (y, u·x, ν·x) (kNN classifier, nats)", "js on the 3-D projection"},
    {"bl_proj", "bounded-Lipschitz lower bound on (y, u·x, ν·x)", "bl on the 3-D projection"},
};

/* Feature-space measures (functions of the teachers' geometry only). */
enum { F_OVERLAP, F_PROJ, F_RESID, F_TLT_TH, F_TFT_TH, NFEAT };
static const dist_info FEAT[NFEAT] = {
    {"overlap", "feature overlap cos²θ", "feature overlap cos^2(theta)"},
    {"proj_norm", "projected target norm |P_u β_t|² = a_t² cos²θ", "projected target norm |P_u beta_t|^2 = a_t^2 cos^2(theta)"},
    {"resid_norm", "residual |P_⊥ β_t|² = a_t² sin²θ", "residual norm |P_perp beta_t|^2 = a_t^2 sin^2(theta)"},
    {"T_lt_theory", "theory T_lt", "theory T of linear transfer (feature-space quantities only)"},
    {"T_ft_theory", "theory T_ft", "theory T of fine-tuning (feature-space quantities only)"},
};

/* Numeric columns of pairs.csv after `family`, in order (= pairs.npy). */
static const char *const HEAD_PRE[] = {"family_id", "param", "a_s", "a_t", "theta"};
static const char *const HEAD_POST[] = {"overlap", "proj_norm", "resid_norm", "T_lt", "T_lt_sem",
                                        "T_lt_theory", "T_ft", "T_ft_sem", "T_ft_theory"};
#define N_PRE 5
#define N_POST 9
#define N_NUM (N_PRE + NDIST + N_POST)
#define CORR_HEADER "measure,kind,spearman_T_lt,spearman_T_ft,pairs,spearman_T_lt_angle,spearman_T_lt_scale,spearman_T_lt_near"

static const char *col_name(size_t k)
{
    if (k < N_PRE) return HEAD_PRE[k];
    if (k < N_PRE + NDIST) return DIST[k - N_PRE].name;
    return HEAD_POST[k - N_PRE - NDIST];
}

/* ------------------------------------------------------------------------ */
/* Options                                                                   */
/* ------------------------------------------------------------------------ */

static const char *help_intro =
    "usage: fate distance [options]\n"
    "\n"
    "Shows that distances between task distributions do not predict transfer while\n"
    "the feature overlap does (THEORY.md section 4). Task pairs with linear\n"
    "teachers: source beta_s = a_s u, target beta_t = a_t (cos(theta) u +\n"
    "sin(theta) nu), u and nu unit and orthogonal, x ~ N(0, I_d), y = beta.x +\n"
    "sigma eps; the joint law of (x, y) is N(0, [[I, beta], [beta^T, |beta|^2 +\n"
    "sigma^2]]) in D = d + 1 dimensions. Three families of pairs:\n"
    "  angle         a_s = a_t = 1, theta over [0, pi] (the paper's demonstration)\n"
    "  scale         theta = 0, a_s = 1, a_t = c: same feature, far apart; KL and\n"
    "                W grow without bound while T_lt > 0 grows like c^2 (1 - gamma)\n"
    "  near-useless  theta = pi/2, a_s = a_t = a: small divergence (KL =\n"
    "                a^2/sigma^2) but orthogonal features; T_lt < 0 once\n"
    "                a^2 > sigma^2/(1 - gamma)\n"
    "For every pair, K instances are simulated as `fate run` does (depth-L network\n"
    "of width d, pretrained on the population loss toward beta_s; n = round(gamma d)\n"
    "target samples; scratch, linear transfer with lambda = 0, fine-tuning), giving\n"
    "T = R_scratch - R_method (mean and standard error) beside the exact\n"
    "finite-size theory. Every distance between the source and target joint laws\n"
    "is computed, and the Spearman rank correlation of each with T over all pairs\n"
    "is reported beside that of feature-space measures (cos^2 theta,\n"
    "|P_u beta_t|^2, the theory T).\n"
    "\n";

static const char *help_outro =
    "\n"
    "Distances between the source and target joint laws of (x, y):\n"
    "  closed forms for the Gaussian laws: KL in both directions, squared\n"
    "  Hellinger and Bhattacharyya, Wasserstein-2 (Bures; W2 itself, not squared,\n"
    "  0 below the formula's rounding), MMD^2 with a Gaussian kernel of bandwidth\n"
    "  h = sqrt(D);\n"
    "  sample estimators on M independent samples of each law (the teachers of\n"
    "  instance 0): MMD^2 (Gaussian kernel, median-heuristic bandwidth,\n"
    "  U-statistic), energy distance (U-statistic), exact Wasserstein-1 between\n"
    "  the empirical measures (the paper's sample W1), sliced W1 (50 random\n"
    "  directions), kNN KL(source || target) (k = 5), total variation and\n"
    "  Jensen-Shannon (2-fold cross-fitted kNN classifier, k = round(sqrt(2M))),\n"
    "  and a lower bound of the bounded-Lipschitz metric.\n"
    "  In D = d + 1 dimensions the kNN estimators and the median-bandwidth MMD see\n"
    "  little: the two laws differ only in the 3 coordinates (y, u.x, nu.x), the\n"
    "  other d - 2 being the same independent N(0, 1) in both. Every sample\n"
    "  estimator is therefore ALSO computed on that 3-D projection of the same\n"
    "  samples (columns ending in _proj): there KL, TV, JS, Hellinger and W1 equal\n"
    "  those of the full laws (the extra coordinates are identical and\n"
    "  independent), so the _proj columns are what a sample estimator gives when\n"
    "  it looks at the right place.\n"
    "\n"
    "Feature-space measures: overlap cos^2(theta), projected target norm\n"
    "|P_u beta_t|^2 = a_t^2 cos^2(theta), residual |P_perp beta_t|^2 =\n"
    "a_t^2 sin^2(theta), and the theory T itself (a function of these, n, d and\n"
    "sigma only).\n"
    "\n"
    "Writes in DIR: pairs.csv (one row per pair), pairs.npy (its numeric columns\n"
    "as a 2-D float64 array, pairs x columns), correlation.csv (one row per\n"
    "distance and per feature measure: Spearman rank correlation with the\n"
    "simulated T_lt and T_ft over all pairs, the number of pairs, and the\n"
    "correlation with T_lt within each family; ties get their average rank, NaN\n"
    "where a measure is constant; a distance that predicted transfer would have\n"
    "rho near -1 everywhere, the overlap near +1), manifest.json, report.md and\n"
    "index.html (the table; sw1's spread in each family against its standard\n"
    "deviation over 8 independent redraws of the samples and directions, rho\n"
    "marked \"within noise\" where the spread is below two of them; for each\n"
    "distance, the pairs that contradict it most), and figures: angle_kl,\n"
    "angle_w1 (T vs KL and vs sample W1 in the angle family, simulation and\n"
    "theory), overlap and overlap_zoom (T_lt vs\n"
    "|P_u beta_t|^2, all pairs and those with |P_u beta_t|^2 <= 1.1), and\n"
    "scatter_<distance> (T_lt vs each distance, the three families in colour;\n"
    "log x axis where the positive values span more than a factor 50, values\n"
    "<= 0 then left out and counted in the report).\n"
    "\n"
    "correlation.csv columns:\n"
    "  measure,kind,spearman_T_lt,spearman_T_ft,pairs,\n"
    "  spearman_T_lt_angle,spearman_T_lt_scale,spearman_T_lt_near\n"
    "pairs.csv columns: family (angle, scale, near-useless), then the numeric\n"
    "columns of pairs.npy in this order:\n";

static const char *help_tail =
    "  (family_id: 0 angle, 1 scale, 2 near-useless; param: theta, c or a; theta\n"
    "  in radians; T_*: mean over instances, T_*_sem its standard error,\n"
    "  T_*_theory the exact finite-size theory)\n"
    "\n"
    "Theory (lambda = 0, infinite source, exact at finite n, d):\n"
    "  R_sc = a_t^2 (1 - n/d) + sigma^2 n/(d-n-1) for n < d-1,\n"
    "         sigma^2 d/(n-d-1) for n > d+1\n"
    "  R_lt = a_t^2 sin^2 theta + (a_t^2 sin^2 theta + sigma^2)/(n-2)\n"
    "  T_lt = R_sc - R_lt\n"
    "  T_ft = (1 - n/d)(2 c m - c^2 q) for n < d-1 (0 for n >= d), with\n"
    "         m = a_s a_t cos theta, q = a_s^2 and c the gradient-flow\n"
    "         coefficient (fate_theory_ft_c) of a = 1 - n/d,\n"
    "         b = a_t^2 n/d + sigma^2 n/(d-n-1)\n"
    "\n"
    "example: fate distance --gamma 0.5 --sigma 0.2 --instances 16 --out dist\n";

typedef struct dist_opts {
    double gamma, sigma;
    size_t d, depth, instances, samples;
    uint64_t seed;
    int threads, quiet;
    unsigned plot;
    const char *out;
    double *thetas, *scales, *nears;
    size_t nt, ns, nn;
} dist_opts;

#define F(field) offsetof(dist_opts, field)
#define NO_GIVEN (-1L)
/* The options of `fate distance`, declared once (opt_table.h). */
static const opt_def OPTS[] = {
    {NULL, NULL, OPT_SECTION, 0, 0, NULL, NULL, "options:", 0, 0, NO_GIVEN, NULL, 0},
    {"--gamma", "G", OPT_DOUBLE, 0, 1e3, "in (0, 1000]", "0.5", "target samples per dimension, n = round(G d) >= 3\n",
     F(gamma), 0, NO_GIVEN, NULL, OPT_LO_OPEN},
    {"--sigma", "S", OPT_DOUBLE, 0, 1e3, "in (0, 1000]", "0.2", "label noise > 0 of both tasks", F(sigma), 0,
     NO_GIVEN, NULL, OPT_LO_OPEN},
    {"--d", "D", OPT_SIZE, 4, 10000, NULL, "100", "input dimension, an integer in [4, 10000]", F(d), 0, NO_GIVEN,
     NULL, 0},
    {"--depth", "L", OPT_SIZE, 2, 64, NULL, "2", "weight layers, an integer in [2, 64]", F(depth), 0, NO_GIVEN,
     NULL, 0},
    {"--instances", "K", OPT_SIZE, 2, 1000000, NULL, "8", "instances per pair, an integer >= 2", F(instances), 0,
     NO_GIVEN, NULL, 0},
    {"--seed", "S", OPT_U64, 0, 0, NULL, "1", "random seed; instance i uses key (S, i)", F(seed), 0, NO_GIVEN, NULL,
     0},
    {"--samples", "M", OPT_SIZE, 20, 2000, NULL, "400",
     "samples of each law for the sample estimators, an\ninteger in [20, 2000]; exact W1 costs O(M^3)", F(samples),
     0, NO_GIVEN, NULL, 0},
    {"--theta", "LIST", OPT_ANGLES, 0, M_PI, "in [0, pi]", "0:pi:13", "angles of the angle family in [0, pi]",
     F(thetas), F(nt), NO_GIVEN, NULL, 0},
    {"--scale", "LIST", OPT_LIST, 0, 1e3, "in (0, 1000]", "1:10:10", "target scales c > 0 of the scale family",
     F(scales), F(ns), NO_GIVEN, NULL, OPT_LO_OPEN},
    {"--near", "LIST", OPT_LIST, 0, 1e3, "in (0, 1000]", "0.1:0.5:5", "amplitudes a > 0 of the near-useless family\n",
     F(nears), F(nn), NO_GIVEN, NULL, OPT_LO_OPEN},
    {NULL, NULL, OPT_SECTION, 0, 0, NULL, NULL,
     "                     (a LIST is a value, a comma list a,b,c or start:stop:count)", 0, 0, NO_GIVEN, NULL, 0},
    {"--threads", "T", OPT_THREADS, 0, 0, NULL, NULL,
     "OpenMP threads in " THREADS_RANGE " (default: all cores); results\nare identical for every thread count",
     F(threads), 0, NO_GIVEN, NULL, OPT_RUN},
    {"--out", "DIR", OPT_TEXT, 0, 0, "a folder name", "fate-distance", "output folder", F(out), 0, NO_GIVEN, NULL,
     OPT_RUN},
    {"--plot", "LIST", OPT_PLOT, 0, 0, NULL, "png", "figure formats: png, svg, pdf, or none", F(plot), 0, NO_GIVEN,
     NULL, OPT_RUN},
    {"--quiet", NULL, OPT_FLAG, 0, 0, NULL, NULL, "no progress on stderr", F(quiet), 0, NO_GIVEN, NULL, OPT_RUN}};
#undef F
static const opt_table TABLE = {"distance", "fate distance --help", OPTS, sizeof OPTS / sizeof OPTS[0], NULL, NULL};

static void print_help(void)
{
    fputs(help_intro, stdout);
    opt_table_help(stdout, &TABLE);
    fputs(help_outro, stdout);
    for (size_t k = 0; k < N_NUM; k++) printf("%s%s%s", k % 6 == 0 ? "  " : "", col_name(k),
                                                k + 1 == N_NUM ? "\n" : k % 6 == 5 ? ",\n" : ",");
    fputs(help_tail, stdout);
}

/* What the table cannot check alone: n = round(gamma d) in [3, 100000].
 * 0, or -1 after one line. */
static int finish_opts(const dist_opts *o)
{
    double n = round(o->gamma * (double)o->d);
    if (n < 3) {
        cli_error(C, "--gamma must give n = round(gamma d) >= 3 (linear transfer needs n > 2): gamma >= %.3g "
                  "at d = %zu, got %g", 2.5 / (double)o->d, o->d, o->gamma);
        return -1;
    }
    if (n > 100000) {
        cli_error(C, "--gamma must give n = round(gamma d) <= 100000, got n = %.0f", n);
        return -1;
    }
    return 0;
}

/* The defaults, argv, then finish_opts. 1: help printed; 0: ok; -1: error
 * printed. */
static int parse_opts(int argc, char **argv, dist_opts *o)
{
    memset(o, 0, sizeof *o);
    if (opt_table_defaults(&TABLE, o)) return -1;
    int rc = opt_table_parse(&TABLE, o, argc, argv, 1, NULL);
    if (rc == 1) print_help();
    return rc ? rc : finish_opts(o);
}

/* ------------------------------------------------------------------------ */
/* Pairs, theory                                                             */
/* ------------------------------------------------------------------------ */

typedef struct pair_t {
    int fam;
    double param, as, at, theta;
    double dist[NDIST];
    double feat[NFEAT];
    double Tlt, Tlt_sem, Tft, Tft_sem;
    size_t unconverged; /* trainings that ended above their tolerance */
    double sw_sd[2];    /* sd of sw1, sw1_proj over SW_REDRAWS independent draws */
} pair_t;

/* The theory of a pair at its finite size (n, d), as fate run prints it:
 * fate_spec_theory_eval of the pair's spec (teachers of norms a_s, a_t). */
static fate_spec pair_spec(const pair_t *p, const dist_opts *o, size_t n);

static double th_Tlt(size_t n, const dist_opts *o, const pair_t *p)
{
    const fate_spec s = pair_spec(p, o, n);
    fate_spec_theory t;
    return fate_spec_theory_eval(&t, &s) == FATE_OK ? t.T_lt : NAN;
}

static double th_Tft(size_t n, const dist_opts *o, const pair_t *p)
{
    const fate_spec s = pair_spec(p, o, n);
    fate_spec_theory t;
    return fate_spec_theory_eval(&t, &s) == FATE_OK ? t.T_ft : NAN;
}

/* ------------------------------------------------------------------------ */
/* Simulation of one pair's K instances: fate_run, the experiment core of   */
/* fate run and fate phase, with teachers of norms a_s and a_t              */
/* ------------------------------------------------------------------------ */

typedef struct sim_out {
    double Tlt, Tft;
    int unconverged;
    fate_status st;
    unsigned failed_method; /* FATE_METHOD_* bit, 0 for pretraining */
} sim_out;

/* The spec of a pair: the defaults of fate run (population pretraining,
 * width d, automatic lr, 10000 epochs, tol 1e-6, lambda 0, rcond 1e-2). */
static fate_spec pair_spec(const pair_t *p, const dist_opts *o, size_t n)
{
    fate_spec s;
    fate_spec_default(&s);
    s.d = o->d, s.depth = o->depth, s.n = n, s.theta = p->theta, s.sigma = o->sigma, s.seed = o->seed;
    s.source_scale = p->as, s.target_scale = p->at;
    return s;
}

/* Instance inst of pair p: fate_run_instance, the experiment core of fate run. */
static void simulate(sim_out *r, const pair_t *p, const dist_opts *o, size_t n, uint64_t inst)
{
    const fate_spec s = pair_spec(p, o, n);
    fate_instance_result res;
    size_t step = 0;
    memset(r, 0, sizeof *r);
    r->st = fate_run_instance(&res, &s, inst, &r->failed_method, &step);
    if (r->st != FATE_OK) return;
    r->Tlt = res.scratch.risk - res.lt.risk;
    r->Tft = res.scratch.risk - res.ft.risk;
    r->unconverged = !res.pretrain.converged + !res.scratch.converged + !res.ft.converged;
}

/* ------------------------------------------------------------------------ */
/* Distances of one pair                                                     */
/* ------------------------------------------------------------------------ */

typedef struct dist_out {
    fate_status st;          /* allocation or setup failure */
    unsigned failed;         /* bit k: distance k could not be computed (NaN) */
} dist_out;

static void project(double *P, const double *Z, size_t m, size_t d, const double *u, const double *nu)
{
    for (size_t i = 0; i < m; i++) {
        const double *z = Z + i * (d + 1);
        double a = 0.0, c = 0.0;
        for (size_t k = 0; k < d; k++) {
            a += u[k] * z[k];
            c += nu[k] * z[k];
        }
        P[3 * i] = z[d];
        P[3 * i + 1] = a;
        P[3 * i + 2] = c;
    }
}

/* The 8 sample estimators between X and Y (m rows of R^D each), into v[0..7]. */
static void sample_dists(double *v, unsigned *failed, const double *X, const double *Y, size_t m,
                         size_t D, uint64_t seed)
{
    const size_t kk = 5;
    size_t ktv = (size_t)lround(sqrt(2.0 * (double)m));
    if (ktv < 1) ktv = 1;
    if (2 * ktv > m) ktv = m / 2;
    double h;
    fate_status s[N_SAMPLE];
    s[0] = fate_mmd2(&v[0], &h, X, m, Y, m, D, FATE_KERNEL_GAUSSIAN, 0.0, 1);
    s[1] = fate_energy_distance(&v[1], X, m, Y, m, D, 1);
    s[2] = fate_wasserstein_exact(&v[2], X, Y, m, D, 1.0);
    s[3] = fate_sliced_wasserstein(&v[3], NULL, X, m, Y, m, D, 1.0, 50, seed, 0);
    s[4] = fate_knn_kl(&v[4], NULL, X, m, Y, m, D, kk);
    s[5] = fate_knn_tv_js(&v[5], &v[6], NULL, NULL, X, m, Y, m, D, ktv);
    s[6] = s[5];
    s[7] = fate_bl_lower(&v[7], X, m, Y, m, D, 50, seed, 0);
    for (int k = 0; k < N_SAMPLE; k++)
        if (s[k] != FATE_OK) {
            v[k] = NAN;
            *failed |= 1u << k;
        }
}

static void distances(dist_out *r, pair_t *p, const dist_opts *o)
{
    const size_t d = o->d, D = d + 1, m = o->samples;
    double *bs = malloc(d * sizeof *bs), *bt = malloc(d * sizeof *bt);
    double *n0 = malloc(d * sizeof *n0), *tmp = malloc(d * sizeof *tmp);
    double *u = malloc(d * sizeof *u), *nu = malloc(d * sizeof *nu);
    double *C1 = malloc(D * D * sizeof *C1), *C2 = malloc(D * D * sizeof *C2), *mu = calloc(D, sizeof *mu);
    double *Zs = malloc(m * D * sizeof *Zs), *Zt = malloc(m * D * sizeof *Zt);
    double *Ps = malloc(m * 3 * sizeof *Ps), *Pt = malloc(m * 3 * sizeof *Pt);
    r->st = FATE_ENOMEM;
    r->failed = 0;
    for (int k = 0; k < NDIST; k++) p->dist[k] = NAN;
    if (!bs || !bt || !n0 || !tmp || !u || !nu || !C1 || !C2 || !mu || !Zs || !Zt || !Ps || !Pt) goto done;
    /* instance 0's teachers: beta_s = a_s u, beta_t = a_t e_t with e_t the
     * fate_teachers target direction; nu = the unit vector of the plane
     * orthogonal to u, with e_t = cos(theta) u + sin(theta) nu */
    const uint64_t seed = o->seed;
    if ((r->st = fate_teachers(bs, bt, d, p->theta, seed, 0)) != FATE_OK ||
        (r->st = fate_teachers(n0, tmp, d, M_PI / 2, seed, 0)) != FATE_OK)
        goto done;
    double c = cos(p->theta), s = sin(p->theta), dot = 0.0, nn = 0.0;
    for (size_t i = 0; i < d; i++) dot += n0[i] * bt[i];
    for (size_t i = 0; i < d; i++) n0[i] -= dot * bt[i];
    for (size_t i = 0; i < d; i++) nn += n0[i] * n0[i];
    for (size_t i = 0; i < d; i++) {
        n0[i] /= sqrt(nn);
        u[i] = bs[i];
        nu[i] = s * bt[i] - c * n0[i];
    }
    dot = nn = 0.0;
    for (size_t i = 0; i < d; i++) dot += nu[i] * u[i];
    for (size_t i = 0; i < d; i++) nu[i] -= dot * u[i];
    for (size_t i = 0; i < d; i++) nn += nu[i] * nu[i];
    for (size_t i = 0; i < d; i++) {
        nu[i] /= sqrt(nn);
        bs[i] *= p->as;
        bt[i] *= p->at;
    }
    /* closed forms */
    if ((r->st = fate_linear_joint_cov(C1, bs, d, o->sigma)) != FATE_OK ||
        (r->st = fate_linear_joint_cov(C2, bt, d, o->sigma)) != FATE_OK)
        goto done;
    fate_status cs[N_CLOSED];
    double w2sq = NAN;
    cs[0] = fate_gauss_kl(&p->dist[D_KL_ST], mu, C1, mu, C2, D);
    cs[1] = fate_gauss_kl(&p->dist[D_KL_TS], mu, C2, mu, C1, D);
    cs[2] = fate_gauss_hellinger(&p->dist[D_H2], &p->dist[D_BHAT], mu, C1, mu, C2, D);
    cs[3] = cs[2];
    cs[4] = fate_gauss_w2sq(&w2sq, mu, C1, mu, C2, D);
    /* below the rounding of the Bures formula (~1e-15 (tr C1 + tr C2)) W2 is 0 */
    double trace = 0.0;
    for (size_t i = 0; i < D; i++) trace += C1[i * D + i] + C2[i * D + i];
    if (cs[4] == FATE_OK && w2sq <= 1e-12 * trace) w2sq = 0.0;
    p->dist[D_W2] = cs[4] == FATE_OK ? sqrt(w2sq) : NAN;
    cs[5] = fate_gauss_mmd2(&p->dist[D_MMD2G], mu, C1, mu, C2, D, sqrt((double)D));
    for (int k = 0; k < N_CLOSED; k++)
        if (cs[k] != FATE_OK) {
            p->dist[k] = NAN;
            r->failed |= 1u << k;
        }
    /* samples: independent draws of the two laws (their own streams) */
    if ((r->st = fate_linear_joint_sample(Zs, bs, m, d, o->sigma, seed, 0, FATE_STREAM_USER + 1,
                                          FATE_STREAM_USER + 2)) != FATE_OK ||
        (r->st = fate_linear_joint_sample(Zt, bt, m, d, o->sigma, seed, 0, FATE_STREAM_USER + 3,
                                          FATE_STREAM_USER + 4)) != FATE_OK)
        goto done;
    unsigned f = 0;
    sample_dists(&p->dist[D_MMD2], &f, Zs, Zt, m, D, seed);
    r->failed |= f << D_MMD2;
    project(Ps, Zs, m, d, u, nu);
    project(Pt, Zt, m, d, u, nu);
    f = 0;
    sample_dists(&p->dist[D_MMD2_P], &f, Ps, Pt, m, 3, seed);
    r->failed |= f << D_MMD2_P;
    /* sw1 and sw1_proj on further independent draws: its noise, which the
     * shared draws above hide (every pair uses the same x, eps, directions) */
    double sv[2][SW_REDRAWS] = {{p->dist[D_SW1]}, {p->dist[D_SW1_P]}};
    for (uint64_t k = 1; k < SW_REDRAWS; k++) {
        if ((r->st = fate_linear_joint_sample(Zs, bs, m, d, o->sigma, seed, k, FATE_STREAM_USER + 1,
                                              FATE_STREAM_USER + 2)) != FATE_OK ||
            (r->st = fate_linear_joint_sample(Zt, bt, m, d, o->sigma, seed, k, FATE_STREAM_USER + 3,
                                              FATE_STREAM_USER + 4)) != FATE_OK)
            goto done;
        project(Ps, Zs, m, d, u, nu);
        project(Pt, Zt, m, d, u, nu);
        if (fate_sliced_wasserstein(&sv[0][k], NULL, Zs, m, Zt, m, D, 1.0, 50, seed, k) != FATE_OK)
            sv[0][k] = NAN;
        if (fate_sliced_wasserstein(&sv[1][k], NULL, Ps, m, Pt, m, 3, 1.0, 50, seed, k) != FATE_OK)
            sv[1][k] = NAN;
    }
    for (int j = 0; j < 2; j++) {
        const sample_stat ss = stats_finite(sv[j], SW_REDRAWS);
        p->sw_sd[j] = ss.sd;
    }
    r->st = FATE_OK;
done:
    free(bs); free(bt); free(n0); free(tmp); free(u); free(nu); free(C1); free(C2); free(mu);
    free(Zs); free(Zt); free(Ps); free(Pt);
}

/* ------------------------------------------------------------------------ */
/* Statistics                                                                */
/* ------------------------------------------------------------------------ */

/* ------------------------------------------------------------------------ */
/* Output helpers                                                            */
/* ------------------------------------------------------------------------ */

/* theta as a multiple of pi when it is one with a small denominator. */
static void fmt_theta(char *buf, size_t size, double th)
{
    if (th == 0.0) { snprintf(buf, size, "0"); return; }
    for (int den = 1; den <= 48; den++) {
        double k = th / M_PI * den;
        long kr = lround(k);
        if (kr > 0 && fabs(k - (double)kr) < 1e-9 * den) {
            long g = kr, h = den;
            while (h) { long t = g % h; g = h; h = t; }
            long num = kr / g, dd = den / g;
            if (dd == 1) snprintf(buf, size, num == 1 ? "π" : "%ldπ", num);
            else if (num == 1) snprintf(buf, size, "π/%ld", dd);
            else snprintf(buf, size, "%ldπ/%ld", num, dd);
            return;
        }
    }
    snprintf(buf, size, "%.4g", th);
}

static void pair_label(char *buf, size_t size, const pair_t *p)
{
    char t[32];
    if (p->fam == FAM_ANGLE) {
        fmt_theta(t, sizeof t, p->theta);
        snprintf(buf, size, "angle θ = %s", t);
    } else if (p->fam == FAM_SCALE) {
        snprintf(buf, size, "scale c = %g", p->param);
    } else {
        snprintf(buf, size, "near-useless a = %g", p->param);
    }
}

/* y range of a plot covering every point with its error bar and every line
 * value inside the x range (the library's automatic range leaves out
 * outlying points, and here the far pairs are the point). */
static void set_yrange(fate_line_plot *lp)
{
    double lo = lp->zero_line ? 0.0 : INFINITY, hi = lp->zero_line ? 0.0 : -INFINITY;
    double xlo = INFINITY, xhi = -INFINITY;
    for (size_t k = 0; k < lp->n_series; k++) {
        const fate_series *s = &lp->series[k];
        if (s->style != FATE_SERIES_POINTS) continue;
        for (size_t i = 0; i < s->n; i++) {
            if (!isfinite(s->x[i]) || !isfinite(s->y[i]) || (lp->logx && !(s->x[i] > 0))) continue;
            double e = s->err && isfinite(s->err[i]) ? s->err[i] : 0.0;
            lo = fmin(lo, s->y[i] - e);
            hi = fmax(hi, s->y[i] + e);
            xlo = fmin(xlo, s->x[i]);
            xhi = fmax(xhi, s->x[i]);
        }
    }
    if (lp->xmin < lp->xmax) { xlo = lp->xmin; xhi = lp->xmax; }
    for (size_t k = 0; k < lp->n_series; k++) {
        const fate_series *s = &lp->series[k];
        if (s->style == FATE_SERIES_POINTS) continue;
        for (size_t i = 0; i < s->n; i++)
            if (isfinite(s->y[i]) && s->x[i] >= xlo && s->x[i] <= xhi) {
                lo = fmin(lo, s->y[i]);
                hi = fmax(hi, s->y[i]);
            }
    }
    if (!(lo < hi)) return;
    double pad = 0.06 * (hi - lo);
    lp->ymin = lo - pad;
    lp->ymax = hi + pad;
}

static int emit_lines(const char *dir, const char *stem, unsigned fmts, fate_line_plot *lp,
                      file_list *files)
{
    if (!(lp->ymin < lp->ymax)) set_yrange(lp);
    const fate_plot_format all[3] = {FATE_PLOT_PNG, FATE_PLOT_SVG, FATE_PLOT_PDF};
    for (int k = 0; k < 3; k++) {
        if (!(fmts & all[k])) continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.%s", dir, stem, fate_plot_extension(all[k]));
        if (fate_plot_lines(path, all[k], lp) != FATE_OK) {
            cli_error(C, "could not write figure %s", path);
            return -1;
        }
        file_list_add(files, path);
    }
    return 0;
}

/* PNG path of a figure relative to the report (the first format written). */
static const char *fig_ext(unsigned fmts)
{
    return fmts & FATE_PLOT_PNG ? "png" : fmts & FATE_PLOT_SVG ? "svg" : "pdf";
}

/* ------------------------------------------------------------------------ */
/* Figures                                                                   */
/* ------------------------------------------------------------------------ */

typedef struct ctx {
    const dist_opts *o;
    size_t n;
    pair_t *pairs;
    size_t np;
    file_list *files;
    char setting[160];
} ctx;

/* T vs a distance in the angle family, simulation and theory: the theory
 * curve is (x_of(theta), T(theta)) on a fine grid when x_of is given, else
 * the theory at each pair joined in theta order. */
static int fig_angle(const ctx *c, const char *stem, int dist_index, int closed_kl, const char *title)
{
    const dist_opts *o = c->o;
    size_t na = 0;
    for (size_t i = 0; i < c->np; i++) na += c->pairs[i].fam == FAM_ANGLE;
    if (na == 0) return 0;
    enum { NF = 241 };
    double *x = malloc(na * sizeof *x), *yl = malloc(na * sizeof *yl), *el = malloc(na * sizeof *el);
    double *yf = malloc(na * sizeof *yf), *ef = malloc(na * sizeof *ef);
    double *tx = malloc(NF * sizeof *tx), *tl = malloc(NF * sizeof *tl), *tf = malloc(NF * sizeof *tf);
    int rc = -1;
    if (!x || !yl || !el || !yf || !ef || !tx || !tl || !tf) goto done;
    size_t k = 0, nth = 0;
    for (size_t i = 0; i < c->np; i++) {
        const pair_t *p = &c->pairs[i];
        if (p->fam != FAM_ANGLE) continue;
        x[k] = p->dist[dist_index];
        yl[k] = p->Tlt;
        el[k] = p->Tlt_sem;
        yf[k] = p->Tft;
        ef[k] = p->Tft_sem;
        if (!closed_kl) { /* theory at the pairs */
            tx[k] = x[k];
            tl[k] = p->feat[F_TLT_TH];
            tf[k] = p->feat[F_TFT_TH];
        }
        k++;
    }
    if (closed_kl) {
        /* KL(p_s || p_t) = |beta_s - beta_t|^2 / (2 sigma^2) = (1 - cos theta)/sigma^2 */
        for (size_t j = 0; j < NF; j++) {
            pair_t q = {.fam = FAM_ANGLE, .as = 1.0, .at = 1.0, .theta = M_PI * (double)j / (NF - 1)};
            tx[j] = (1.0 - cos(q.theta)) / (o->sigma * o->sigma);
            tl[j] = th_Tlt(c->n, o, &q);
            tf[j] = th_Tft(c->n, o, &q);
        }
        nth = NF;
    } else {
        nth = na;
    }
    fate_series s[4] = {
        {"linear transfer, simulation", x, yl, el, na, FATE_SERIES_POINTS, 0},
        {closed_kl ? "linear transfer, theory" : "linear transfer, theory at each pair", tx, tl, NULL, nth,
         FATE_SERIES_LINE, 0},
        {"fine-tuning, simulation", x, yf, ef, na, FATE_SERIES_POINTS, 1},
        {closed_kl ? "fine-tuning, theory" : "fine-tuning, theory at each pair", tx, tf, NULL, nth,
         FATE_SERIES_LINE, 1},
    };
    char t[256], xl[160];
    snprintf(t, sizeof t, "%s (%s)", title, c->setting);
    snprintf(xl, sizeof xl, "%s", DIST[dist_index].axis);
    fate_line_plot lp = {.title = t, .xlabel = xl, .ylabel = "transferability T = R_sc − R_method",
                         .series = s, .n_series = 4, .zero_line = 1};
    rc = emit_lines(o->out, stem, o->plot, &lp, c->files);
done:
    free(x); free(yl); free(el); free(yf); free(ef); free(tx); free(tl); free(tf);
    return rc;
}

/* Should the x axis of these values be logarithmic? When the positive ones
 * span more than a factor 50 and at most a few are <= 0 (those are then not
 * drawn; *dropped counts them). */
static int want_logx(const double *x, size_t n, size_t *dropped)
{
    double lo = INFINITY, hi = 0.0;
    size_t pos = 0, fin = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i])) continue;
        fin++;
        if (x[i] > 0) { pos++; lo = fmin(lo, x[i]); hi = fmax(hi, x[i]); }
    }
    *dropped = fin - pos;
    return pos >= 3 && hi / lo > 50.0 && (fin - pos) * 5 <= fin;
}

/* T_lt of every pair against x (one value per pair), the three families in
 * colour; theory lines (tx, ty per family, may be NULL) in the same colours. */
static int fig_scatter(const ctx *c, const char *stem, const double *xv, const char *xlabel,
                       const char *title, int allow_log, double *const tx[N_FAM],
                       double *const ty[N_FAM], const size_t tn[N_FAM], double xmax,
                       size_t *dropped_out)
{
    const dist_opts *o = c->o;
    double *x[N_FAM], *y[N_FAM], *e[N_FAM];
    size_t cnt[N_FAM] = {0, 0, 0};
    int rc = -1;
    for (int f = 0; f < N_FAM; f++) {
        x[f] = malloc((c->np + 1) * sizeof(double));
        y[f] = malloc((c->np + 1) * sizeof(double));
        e[f] = malloc((c->np + 1) * sizeof(double));
    }
    size_t dropped = 0;
    int logx = allow_log && want_logx(xv, c->np, &dropped);
    if (!logx) dropped = 0;
    for (int f = 0; f < N_FAM; f++) {
        if (!x[f] || !y[f] || !e[f]) goto done;
        for (size_t i = 0; i < c->np; i++) {
            const pair_t *p = &c->pairs[i];
            if (p->fam != f || !isfinite(xv[i])) continue;
            if (logx && !(xv[i] > 0)) continue;
            if (xmax > 0 && xv[i] > xmax) continue;
            x[f][cnt[f]] = xv[i];
            y[f][cnt[f]] = p->Tlt;
            e[f][cnt[f]] = p->Tlt_sem;
            cnt[f]++;
        }
    }
    fate_series s[2 * N_FAM];
    size_t ns = 0;
    static const char *lab[N_FAM] = {"angle (a_s = a_t = 1, θ ∈ [0, π])", "scale (θ = 0, a_t = c)",
                                      "near-useless (θ = π/2, a_s = a_t = a)"};
    for (int f = 0; f < N_FAM; f++) {
        if (cnt[f] == 0) continue;
        s[ns++] = (fate_series){lab[f], x[f], y[f], e[f], cnt[f], FATE_SERIES_POINTS, f};
    }
    static const char *tlab[N_FAM] = {"theory, angle", "theory, scale", "theory, near-useless"};
    for (int f = 0; tx && f < N_FAM; f++) {
        if (!tx[f] || tn[f] == 0 || cnt[f] == 0) continue;
        s[ns++] = (fate_series){tlab[f], tx[f], ty[f], NULL, tn[f], FATE_SERIES_LINE, f};
    }
    char t[320];
    snprintf(t, sizeof t, "%s (%s)", title, c->setting);
    fate_line_plot lp = {.title = t, .xlabel = xlabel, .ylabel = "linear-transfer T_lt = R_sc − R_lt",
                         .series = s, .n_series = ns, .zero_line = 1, .logx = logx};
    if (xmax > 0) {
        lp.xmin = -0.03 * xmax;
        lp.xmax = xmax;
    }
    rc = ns ? emit_lines(o->out, stem, o->plot, &lp, c->files) : 0;
done:
    for (int f = 0; f < N_FAM; f++) { free(x[f]); free(y[f]); free(e[f]); }
    if (dropped_out) *dropped_out = dropped;
    return rc;
}

/* ------------------------------------------------------------------------ */
/* The command                                                               */
/* ------------------------------------------------------------------------ */

static char *csv_text(const pair_t *P, size_t np)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    fputs("family", f);
    for (size_t k = 0; k < N_NUM; k++) fprintf(f, ",%s", col_name(k));
    fputc('\n', f);
    for (size_t i = 0; i < np; i++) {
        const pair_t *p = &P[i];
        fprintf(f, "%s,%d,%.17g,%.17g,%.17g,%.17g", FAM_NAME[p->fam], p->fam, p->param, p->as, p->at,
                p->theta);
        for (int k = 0; k < NDIST; k++) fprintf(f, ",%.17g", p->dist[k]);
        fprintf(f, ",%.17g,%.17g,%.17g", p->feat[F_OVERLAP], p->feat[F_PROJ], p->feat[F_RESID]);
        fprintf(f, ",%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", p->Tlt, p->Tlt_sem, p->feat[F_TLT_TH], p->Tft,
                p->Tft_sem, p->feat[F_TFT_TH]);
    }
    fclose(f);
    return buf;
}

static void row_numeric(double *r, const pair_t *p)
{
    size_t k = 0;
    r[k++] = p->fam;
    r[k++] = p->param;
    r[k++] = p->as;
    r[k++] = p->at;
    r[k++] = p->theta;
    for (int j = 0; j < NDIST; j++) r[k++] = p->dist[j];
    r[k++] = p->feat[F_OVERLAP];
    r[k++] = p->feat[F_PROJ];
    r[k++] = p->feat[F_RESID];
    r[k++] = p->Tlt;
    r[k++] = p->Tlt_sem;
    r[k++] = p->feat[F_TLT_TH];
    r[k++] = p->Tft;
    r[k++] = p->Tft_sem;
    r[k++] = p->feat[F_TFT_TH];
}

/* Significantly harmful / helpful: the mean is more than 2 standard errors
 * below / above zero. */
static int harmful(const pair_t *p) { return p->Tlt + 2.0 * p->Tlt_sem < 0.0; }
static int helpful(const pair_t *p) { return p->Tlt - 2.0 * p->Tlt_sem > 0.0; }

/* The pairs (a, b) with x_a < x_b and T_a < T_b (a is closer to its source
 * yet transfers worse) of largest gap T_b - T_a; 0 if there is none. */
static int contra_gap(const pair_t *P, size_t np, int k, size_t *ia, size_t *ib)
{
    double best = 0.0;
    int found = 0;
    for (size_t a = 0; a < np; a++)
        for (size_t b = 0; b < np; b++) {
            double xa = P[a].dist[k], xb = P[b].dist[k];
            if (!isfinite(xa) || !isfinite(xb) || !(xa < xb)) continue;
            double gap = P[b].Tlt - P[a].Tlt;
            if (gap > best) {
                best = gap;
                *ia = a;
                *ib = b;
                found = 1;
            }
        }
    return found;
}

/* Near but useless: a = the closest pair (smallest x) whose transfer
 * significantly hurts and for which some farther pair significantly helps;
 * b = the closest such helpful pair. 0 if there is none. */
static int contra_near(const pair_t *P, size_t np, int k, size_t *ia, size_t *ib)
{
    int found = 0;
    for (size_t a = 0; a < np; a++) {
        double xa = P[a].dist[k];
        if (!isfinite(xa) || !harmful(&P[a])) continue;
        if (found && !(xa < P[*ia].dist[k])) continue;
        int have = 0;
        size_t bb = 0;
        for (size_t b = 0; b < np; b++) {
            double xb = P[b].dist[k];
            if (!isfinite(xb) || !(xb > xa) || !helpful(&P[b])) continue;
            if (!have || xb < P[bb].dist[k]) { bb = b; have = 1; }
        }
        if (have) {
            *ia = a;
            *ib = bb;
            found = 1;
        }
    }
    return found;
}

static void contra_text(char *buf, size_t size, const pair_t *P, int k, size_t a, size_t b)
{
    char la[96], lb[96];
    pair_label(la, sizeof la, &P[a]);
    pair_label(lb, sizeof lb, &P[b]);
    snprintf(buf, size, "%s (%s = %.4g) is closer than %s (%s = %.4g) yet transfers worse: "
             "T_lt = %.3f ± %.3f vs %.3f ± %.3f", la, DIST[k].name, P[a].dist[k], lb, DIST[k].name,
             P[b].dist[k], P[a].Tlt, P[a].Tlt_sem, P[b].Tlt, P[b].Tlt_sem);
}

/* The progress line of fate distance's work items on stderr. */
static void work_progress(size_t done, size_t total, size_t np, size_t K, double t0, int show)
{
    if (!show) return;
    double el = wall_now() - t0, eta = done ? el * (double)(total - done) / (double)done : 0.0;
    fprintf(stderr, "\rfate distance: %zu pairs x %zu instances, work items %zu/%zu (%.0f%%), "
            "%.0fs, ETA %dm%02ds   ", np, K, done, total, 100.0 * (double)done / (double)total, el,
            (int)(eta / 60), (int)fmod(eta, 60));
    if (done == total) fputc('\n', stderr);
}

/* Distances of every pair, then every (pair, instance) simulation, as one
 * list of work items for the OpenMP threads; BLAS single-threaded and no
 * nested parallelism inside, so every item runs alone on its thread and the
 * results do not depend on the thread count. 0, or -1 after one line. */
static int run_pairs(sim_out *so, dist_out *dout, pair_t *P, size_t np, const dist_opts *o, size_t n)
{
    const size_t K = o->instances, total = np + np * K;
    const int show = isatty(2) && !o->quiet;
    const double t0 = wall_now();
    const int nt = o->threads > 0 ? o->threads : omp_get_max_threads();
    const int levels = omp_get_max_active_levels(), blas = fate_blas_threads(1);
    omp_set_max_active_levels(1);
    size_t done = 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt < FATE_MAX_THREADS ? nt : FATE_MAX_THREADS)
    for (size_t it = 0; it < total; it++) {
        if (it < np) distances(&dout[it], &P[it], o);
        else simulate(&so[it - np], &P[(it - np) / K], o, n, (it - np) % K);
#pragma omp critical(fate_distance_progress)
        work_progress(++done, total, np, K, t0, show);
    }
    omp_set_max_active_levels(levels);
    fate_blas_threads(blas);
    for (size_t i = 0; i < np * K; i++)
        if (so[i].st != FATE_OK) {
            char lab[96];
            pair_label(lab, sizeof lab, &P[i / K]);
            cli_error(C, "%s failed on pair %s, instance %zu: %s%s", method_name(so[i].failed_method), lab,
                      i % K, fate_strerror(so[i].st),
                      so[i].st == FATE_EDIVERGED ? " (try a smaller --scale or --near)" : "");
            return -1;
        }
    for (size_t i = 0; i < np; i++)
        if (dout[i].st != FATE_OK) {
            cli_error(C, "distances failed on pair %zu: %s", i, fate_strerror(dout[i].st));
            return -1;
        }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* The command, in steps                                                     */
/* ------------------------------------------------------------------------ */

enum { NMEAS = NDIST + NFEAT };

/* What the steps of one run share: cmd_distance sets the settings and the
 * pairs; the simulations, the aggregation, the correlations and the figures
 * fill the rest in that order, and the report reads it all. */
typedef struct dist_run {
    const dist_opts *o;
    size_t n, K, np;
    pair_t *P;
    sim_out *so;
    dist_out *dout;
    file_list files;
    size_t unconv, dist_failed; /* trainings above their tolerance, distance values not computed */
    double rho_lt[NMEAS], rho_ft[NMEAS], rho_fam[NMEAS][N_FAM];
    size_t used[NMEAS];
    size_t dropped[NDIST]; /* pairs a logarithmic scatter axis could not draw */
    double *tx[N_FAM], *ty[N_FAM]; /* the overlap figures' theory lines */
    size_t tn[N_FAM];
} dist_run;

/* The np pairs of the three families in order, with their feature-space
 * measures and theory T; NULL when out of memory. */
static pair_t *make_pairs(const dist_opts *o, size_t n, size_t np)
{
    pair_t *P = calloc(np, sizeof *P);
    if (!P) return NULL;
    size_t q = 0;
    for (size_t i = 0; i < o->nt; i++)
        P[q++] = (pair_t){.fam = FAM_ANGLE, .param = o->thetas[i], .as = 1, .at = 1, .theta = o->thetas[i]};
    for (size_t i = 0; i < o->ns; i++)
        P[q++] = (pair_t){.fam = FAM_SCALE, .param = o->scales[i], .as = 1, .at = o->scales[i], .theta = 0};
    for (size_t i = 0; i < o->nn; i++)
        P[q++] = (pair_t){.fam = FAM_NEAR, .param = o->nears[i], .as = o->nears[i], .at = o->nears[i],
                          .theta = M_PI / 2};
    for (size_t i = 0; i < np; i++) {
        pair_t *p = &P[i];
        /* exact zeros at theta = 0, pi/2, pi (ties, not rounding, in the ranks) */
        double c2 = cos(p->theta) * cos(p->theta), s2 = sin(p->theta) * sin(p->theta);
        if (c2 < 1e-24) { c2 = 0.0; s2 = 1.0; }
        if (s2 < 1e-24) { s2 = 0.0; c2 = 1.0; }
        p->feat[F_OVERLAP] = c2;
        p->feat[F_PROJ] = p->at * p->at * c2;
        p->feat[F_RESID] = p->at * p->at * s2;
        p->feat[F_TLT_TH] = th_Tlt(n, o, p);
        p->feat[F_TFT_TH] = th_Tft(n, o, p);
    }
    return P;
}

/* The manifest's "params": every setting the results depend on, the fixed
 * ones (steps, tolerance, estimator parameters) included, so that the
 * manifest alone says how the numbers were made. */
static json_t *manifest_params(const dist_opts *o, size_t n)
{
    json_t *params = json_object();
    json_object_set_new(params, "d", json_integer((json_int_t)o->d));
    json_object_set_new(params, "n", json_integer((json_int_t)n));
    json_object_set_new(params, "gamma", json_real(o->gamma));
    json_object_set_new(params, "sigma", json_real(o->sigma));
    json_object_set_new(params, "depth", json_integer((json_int_t)o->depth));
    json_object_set_new(params, "width", json_integer((json_int_t)o->d));
    json_object_set_new(params, "init_scale", json_real(fate_default_init_scale(o->depth)));
    json_object_set_new(params, "instances", json_integer((json_int_t)o->instances));
    json_object_set_new(params, "seed", json_seed(o->seed));
    json_object_set_new(params, "samples", json_integer((json_int_t)o->samples));
    json_object_set_new(params, "threads", json_integer(o->threads));
    json_object_set_new(params, "lr", json_string("automatic"));
    json_object_set_new(params, "epochs", json_integer(10000));
    json_object_set_new(params, "tol", json_real(1e-6));
    json_object_set_new(params, "lambda", json_real(0.0));
    json_object_set_new(params, "rcond", json_real(1e-2));
    json_object_set_new(params, "mmd_gauss_bandwidth", json_real(sqrt((double)(o->d + 1))));
    json_object_set_new(params, "knn_kl_k", json_integer(5));
    json_object_set_new(params, "knn_tv_js_k", json_integer((json_int_t)lround(sqrt(2.0 * (double)o->samples))));
    json_object_set_new(params, "sliced_directions", json_integer(50));
    json_object_set_new(params, "sliced_redraws", json_integer(SW_REDRAWS));
    json_object_set_new(params, "bl_directions", json_integer(50));
    json_object_set_new(params, "sample_streams",
                        json_string("key (seed, 0), teachers of instance 0; source x and noise on streams "
                                    "FATE_STREAM_USER + 1, + 2, target on FATE_STREAM_USER + 3, + 4"));
    json_t *th = json_array(), *sc = json_array(), *ne = json_array();
    for (size_t i = 0; i < o->nt; i++) json_array_append_new(th, json_real(o->thetas[i]));
    for (size_t i = 0; i < o->ns; i++) json_array_append_new(sc, json_real(o->scales[i]));
    for (size_t i = 0; i < o->nn; i++) json_array_append_new(ne, json_real(o->nears[i]));
    json_object_set_new(params, "angle_thetas", th);
    json_object_set_new(params, "scale_c", sc);
    json_object_set_new(params, "near_useless_a", ne);
    return params;
}

/* The manifest's own fields: the params, the layout of pairs.npy and what
 * each measure is. */
static json_t *manifest_extra(const dist_opts *o, size_t n, size_t np)
{
    json_t *extra = json_object(), *cols = json_array(), *dd = json_object();
    json_object_set_new(extra, "params", manifest_params(o, n));
    for (size_t k = 0; k < N_NUM; k++) json_array_append_new(cols, json_string(col_name(k)));
    json_object_set_new(extra, "pairs_npy_columns", cols);
    json_object_set_new(extra, "pairs_npy_shape", json_pack("[I, I]", (json_int_t)np, (json_int_t)N_NUM));
    for (int k = 0; k < NDIST; k++) json_object_set_new(dd, DIST[k].name, json_string(DIST[k].desc));
    for (int k = 0; k < NFEAT; k++) json_object_set_new(dd, FEAT[k].name, json_string(FEAT[k].desc));
    json_object_set_new(extra, "measures", dd);
    return extra;
}

/* Each pair's mean T and its standard error over the K instances, and the
 * counts the report notes; -1 when out of memory. */
static int aggregate(dist_run *d)
{
    const size_t K = d->K;
    double *buf = malloc(K * sizeof *buf);
    if (!buf) return -1;
    for (size_t i = 0; i < d->np; i++) {
        pair_t *p = &d->P[i];
        const sim_out *so = d->so + i * K;
        for (size_t k = 0; k < K; k++) buf[k] = so[k].Tlt;
        const sample_stat sl = stats_of(buf, K);
        p->Tlt = sl.mean, p->Tlt_sem = sl.se;
        for (size_t k = 0; k < K; k++) buf[k] = so[k].Tft;
        const sample_stat sf = stats_of(buf, K);
        p->Tft = sf.mean, p->Tft_sem = sf.se;
        for (size_t k = 0; k < K; k++) p->unconverged += (size_t)so[k].unconverged;
        d->unconv += p->unconverged;
        for (int k = 0; k < NDIST; k++) d->dist_failed += (d->dout[i].failed >> k) & 1u;
    }
    free(buf);
    return 0;
}

/* pairs.csv and pairs.npy; 0, or -1 (after a line unless out of memory). */
static int write_pairs(dist_run *d)
{
    const size_t np = d->np;
    char path[4200];
    char *txt = csv_text(d->P, np);
    snprintf(path, sizeof path, "%s/pairs.csv", d->o->out);
    if (!txt || write_atomic(path, txt, strlen(txt)) != 0) {
        cli_error(C, "cannot write %s: %s", path, strerror(errno));
        free(txt);
        return -1;
    }
    free(txt);
    file_list_add(&d->files, path);
    double *arr = malloc(np * N_NUM * sizeof *arr);
    if (!arr) return -1;
    for (size_t i = 0; i < np; i++) row_numeric(arr + i * N_NUM, &d->P[i]);
    const size_t shape[2] = {np, N_NUM};
    snprintf(path, sizeof path, "%s/pairs.npy", d->o->out);
    fate_status st = fate_npy_write(path, arr, shape, 2);
    free(arr);
    if (st != FATE_OK) { cli_error(C, "cannot write %s: %s", path, strerror(errno)); return -1; }
    file_list_add(&d->files, path);
    return 0;
}

/* Spearman's rho of every measure with T_lt and T_ft over all pairs, and
 * with T_lt within each family; -1 when out of memory. */
static int correlate(dist_run *d)
{
    const size_t np = d->np;
    const pair_t *P = d->P;
    double *x = malloc(np * sizeof *x), *tl = malloc(np * sizeof *tl), *tf = malloc(np * sizeof *tf);
    double *xf = malloc(np * sizeof *xf), *tlf = malloc(np * sizeof *tlf);
    if (!x || !tl || !tf || !xf || !tlf) {
        free(x); free(tl); free(tf); free(xf); free(tlf);
        return -1;
    }
    for (size_t i = 0; i < np; i++) { tl[i] = P[i].Tlt; tf[i] = P[i].Tft; }
    for (int k = 0; k < NMEAS; k++) {
        for (size_t i = 0; i < np; i++) x[i] = k < NDIST ? P[i].dist[k] : P[i].feat[k - NDIST];
        size_t u2;
        d->rho_lt[k] = rank_spearman(x, tl, np, &d->used[k]);
        d->rho_ft[k] = rank_spearman(x, tf, np, &u2);
        for (int f = 0; f < N_FAM; f++) {
            size_t m = 0;
            for (size_t i = 0; i < np; i++)
                if (P[i].fam == f) { xf[m] = x[i]; tlf[m] = tl[i]; m++; }
            d->rho_fam[k][f] = rank_spearman(xf, tlf, m, &u2);
        }
    }
    free(x); free(tl); free(tf); free(xf); free(tlf);
    return 0;
}

/* correlation.csv; 0, or -1 (after a line unless out of memory). */
static int write_correlation(dist_run *d)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return -1;
    fputs(CORR_HEADER "\n", f);
    for (int k = 0; k < NMEAS; k++)
        fprintf(f, "%s,%s,%.6f,%.6f,%zu,%.6f,%.6f,%.6f\n", k < NDIST ? DIST[k].name : FEAT[k - NDIST].name,
                k < NDIST ? "distance" : "feature", d->rho_lt[k], d->rho_ft[k], d->used[k],
                d->rho_fam[k][FAM_ANGLE], d->rho_fam[k][FAM_SCALE], d->rho_fam[k][FAM_NEAR]);
    fclose(f);
    char path[4200];
    snprintf(path, sizeof path, "%s/correlation.csv", d->o->out);
    int w = write_atomic(path, buf, len);
    free(buf);
    if (w != 0) { cli_error(C, "cannot write %s: %s", path, strerror(errno)); return -1; }
    file_list_add(&d->files, path);
    return 0;
}

/* The overlap figures' theory lines: T_lt of each family present against
 * its projected target norm, on a fine grid of the family's parameter (the
 * range of its pairs; [0, pi/2] for the angle, as T_lt is symmetric about
 * pi/2); -1 when out of memory. */
static int overlap_theory(dist_run *d)
{
    enum { NF = 201 };
    const pair_t *P = d->P;
    for (int f = 0; f < N_FAM; f++) {
        d->tx[f] = malloc(NF * sizeof(double));
        d->ty[f] = malloc(NF * sizeof(double));
    }
    double lo[N_FAM] = {0, INFINITY, INFINITY}, hi[N_FAM] = {M_PI, -INFINITY, -INFINITY};
    for (size_t i = 0; i < d->np; i++) {
        int f = P[i].fam;
        if (f == FAM_ANGLE) continue;
        lo[f] = fmin(lo[f], P[i].param);
        hi[f] = fmax(hi[f], P[i].param);
    }
    for (int f = 0; f < N_FAM; f++) {
        if (!d->tx[f] || !d->ty[f]) return -1;
        int have = 0;
        for (size_t i = 0; i < d->np; i++) have |= P[i].fam == f;
        if (!have) continue;
        if (f == FAM_ANGLE) { lo[f] = 0; hi[f] = M_PI / 2; }
        for (size_t j = 0; j < NF; j++) {
            double v = lo[f] + (hi[f] - lo[f]) * (double)j / (NF - 1);
            pair_t qq = {.fam = f};
            if (f == FAM_ANGLE) { qq.as = qq.at = 1; qq.theta = v; }
            else if (f == FAM_SCALE) { qq.as = 1; qq.at = v; qq.theta = 0; }
            else { qq.as = qq.at = v; qq.theta = M_PI / 2; }
            double c2 = f == FAM_NEAR ? 0.0 : cos(qq.theta) * cos(qq.theta);
            d->tx[f][j] = qq.at * qq.at * c2;
            d->ty[f][j] = th_Tlt(d->n, d->o, &qq);
        }
        d->tn[f] = NF;
    }
    return 0;
}

/* The figures: the angle family, T_lt against each distance, and against
 * the projected target norm with the theory. -1 when out of memory; a figure
 * that could not be written sets *frc instead, so the others are drawn. */
static int draw_figures(dist_run *d, int *frc)
{
    const dist_opts *o = d->o;
    const size_t np = d->np;
    ctx cx = {.o = o, .n = d->n, .pairs = d->P, .np = np, .files = &d->files};
    snprintf(cx.setting, sizeof cx.setting, "γ = %g, σ = %g, d = %zu, L = %zu, %zu instances", o->gamma,
             o->sigma, o->d, o->depth, d->K);
    *frc |= fig_angle(&cx, "angle_kl", D_KL_ST, 1, "T vs KL divergence, angle family");
    *frc |= fig_angle(&cx, "angle_w1", D_W1, 0, "T vs sample Wasserstein-1, angle family");
    double *x = malloc(np * sizeof *x);
    if (!x) return -1;
    for (int k = 0; k < NDIST; k++) {
        for (size_t i = 0; i < np; i++) x[i] = d->P[i].dist[k];
        char stem[64], t[160];
        snprintf(stem, sizeof stem, "scatter_%s", DIST[k].name);
        snprintf(t, sizeof t, "T_lt vs %s", DIST[k].name);
        *frc |= fig_scatter(&cx, stem, x, DIST[k].axis, t, 1, NULL, NULL, NULL, 0.0, &d->dropped[k]);
    }
    if (overlap_theory(d) != 0) { free(x); return -1; }
    for (size_t i = 0; i < np; i++) x[i] = d->P[i].feat[F_PROJ];
    *frc |= fig_scatter(&cx, "overlap", x, "projected target norm |P_u β_t|² = a_t² cos²θ",
                        "T_lt vs the projected target norm", 0, d->tx, d->ty, d->tn, 0.0, NULL);
    *frc |= fig_scatter(&cx, "overlap_zoom", x, "projected target norm |P_u β_t|² = a_t² cos²θ",
                        "T_lt vs the projected target norm, |P_u β_t|² ≤ 1.1", 0, d->tx, d->ty, d->tn, 1.1, NULL);
    free(x);
    return 0;
}

/* The report's opening: the setting, the families, and what did not converge
 * or could not be computed. */
static void report_intro(report *r, const dist_run *d)
{
    const dist_opts *o = d->o;
    const size_t np = d->np, K = d->K;
    report_p(r, "Task pairs with linear teachers β_s = a_s u, β_t = a_t (cos θ u + sin θ ν) in d = %zu "
             "dimensions, x ~ N(0, I), y = β·x + σε with σ = %g. Target set n = round(γd) = %zu (γ = %g); "
             "depth-%zu linear networks of width d, pretrained on the population loss toward β_s, then "
             "trained from scratch, linearly transferred (last layer refit, λ = 0) and fine-tuned on the "
             "target set, %zu instances per pair (seed %llu). T = R_scratch − R_method: positive when "
             "transfer helps. Distances are between the joint laws of (x, y) in D = d + 1 = %zu dimensions: "
             "closed forms for the Gaussian laws, and sample estimators on m = %zu samples of each law "
             "(also on the 3-D projection (y, u·x, ν·x), where the laws differ; columns *_proj). "
             "The Gaussian-kernel MMD closed form uses bandwidth h = √D = %.4g.",
             o->d, o->sigma, d->n, o->gamma, o->depth, K, (unsigned long long)o->seed, o->d + 1, o->samples,
             sqrt((double)(o->d + 1)));
    report_p(r, "Families: angle (a_s = a_t = 1, %zu angles θ ∈ [0, π]: the paper's demonstration); "
             "scale (θ = 0, a_s = 1, a_t = c for %zu values of c: the same feature, far apart); "
             "near-useless (θ = π/2, a_s = a_t = a for %zu values of a: small divergence, orthogonal features).",
             o->nt, o->ns, o->nn);
    if (d->unconv) report_p(r, "Note: %zu of the %zu trainings ended above their tolerance (10000 steps); "
                            "their results are included.", d->unconv, 3 * np * K);
    else report_p(r, "Every training (%zu) reached its tolerance.", 3 * np * K);
    if (d->dist_failed)
        report_p(r, "Note: %zu distance values could not be computed (NaN in pairs.csv).", d->dist_failed);
}

/* The paragraph that reads the correlations: the range over the distances,
 * the sign change between families, and the feature-space measures. */
static void report_corr_summary(report *r, const dist_run *d)
{
    double lo = INFINITY, hi = -INFINITY;
    size_t neg = 0, flip = 0, nd = 0;
    for (int k = 0; k < NDIST; k++) {
        if (!isfinite(d->rho_lt[k])) continue;
        nd++;
        lo = fmin(lo, d->rho_lt[k]);
        hi = fmax(hi, d->rho_lt[k]);
        neg += d->rho_lt[k] < 0;
        flip += d->rho_fam[k][FAM_SCALE] > 0.5 && d->rho_fam[k][FAM_NEAR] < -0.5;
    }
    report_p(r, "Over all pairs the %zu distances have ρ(·, T_lt) between %+.2f and %+.2f (%zu of them "
             "negative): on the whole, farther tasks transferred better here, because the scale family's "
             "targets are far from their source and transfer best. Within families the sign changes: "
             "%zu of the %zu distances have ρ > +0.5 in the scale family (farther is better) and ρ < −0.5 "
             "in the near-useless family (closer is better), and in the angle family linear transfer is "
             "symmetric about θ = π/2 while KL = (1 − cos θ)/σ² and the other closed forms grow with θ. The theory T_lt, a function of "
             "feature-space quantities only, has ρ = %+.3f with the simulated T_lt; the projected target "
             "norm |P_u β_t|² alone has ρ = %+.3f.", nd, lo, hi, neg, flip, nd, d->rho_lt[NDIST + F_TLT_TH],
             d->rho_lt[NDIST + F_PROJ]);
}

/* The correlation table, one row per measure ("—" where rho is undefined);
 * left out when out of memory. */
static void report_corr_table(report *r, const dist_run *d)
{
    enum { NC = 8 };
    const char *hdr[NC] = {"measure", "kind", "what", "ρ(·, T_lt)", "ρ(·, T_ft)", "ρ(·, T_lt) angle",
                           "ρ(·, T_lt) scale", "ρ(·, T_lt) near-useless"};
    char (*cells)[200] = calloc((size_t)NMEAS * NC, sizeof *cells);
    const char **cp = calloc((size_t)NMEAS * NC, sizeof *cp);
    if (cells && cp) {
        for (int k = 0; k < NMEAS; k++) {
            const dist_info *di = k < NDIST ? &DIST[k] : &FEAT[k - NDIST];
            char(*row)[200] = cells + NC * k;
            snprintf(row[0], 200, "%s", di->name);
            snprintf(row[1], 200, "%s", k < NDIST ? "distance" : "feature");
            snprintf(row[2], 200, "%s", di->desc);
            const double v[5] = {d->rho_lt[k], d->rho_ft[k], d->rho_fam[k][0], d->rho_fam[k][1],
                                 d->rho_fam[k][2]};
            for (int j = 0; j < 5; j++) {
                if (isfinite(v[j])) snprintf(row[3 + j], 200, "%+.3f", v[j]);
                else snprintf(row[3 + j], 200, "—");
            }
            for (int j = 0; j < NC; j++) cp[NC * k + j] = row[j];
        }
        report_table(r, NC, hdr, cp, NMEAS);
    }
    free(cells);
    free(cp);
}

/* The sliced W1's spread across each family against its own noise: the
 * standard deviation over SW_REDRAWS independent draws of the samples and
 * directions (mean over the family's pairs). Every pair's sw1 uses the same
 * underlying normal draws and directions, so its values vary smoothly with
 * the pair's parameter even where that variation is far below the noise, and
 * a within-family rho is then an artefact of the shared draws (THEORY.md
 * section 4). Left out when out of memory. */
static void report_sw_noise(report *r, const dist_run *d)
{
    enum { NC = 8, NR = 2 * N_FAM };
    const char *hdr[NC] = {"family", "measure", "min", "max", "spread (max − min)", "sd over redraws",
                           "spread / sd", "ρ(·, T_lt)"};
    const int col[2] = {D_SW1, D_SW1_P};
    char (*cells)[64] = calloc((size_t)NR * NC, sizeof *cells);
    const char **cp = calloc((size_t)NR * NC, sizeof *cp);
    size_t rows = 0, below = 0;
    if (!cells || !cp) goto done;
    for (int f = 0; f < N_FAM; f++)
        for (int j = 0; j < 2; j++) {
            double lo = INFINITY, hi = -INFINITY, sd = 0.0;
            size_t m = 0;
            for (size_t i = 0; i < d->np; i++) {
                const pair_t *p = &d->P[i];
                if (p->fam != f || !isfinite(p->dist[col[j]]) || !isfinite(p->sw_sd[j])) continue;
                lo = fmin(lo, p->dist[col[j]]);
                hi = fmax(hi, p->dist[col[j]]);
                sd += p->sw_sd[j];
                m++;
            }
            if (m < 2) continue;
            sd /= (double)m;
            char(*row)[64] = cells + NC * rows;
            snprintf(row[0], 64, "%s", FAM_NAME[f]);
            snprintf(row[1], 64, "%s", DIST[col[j]].name);
            snprintf(row[2], 64, "%.5f", lo);
            snprintf(row[3], 64, "%.5f", hi);
            snprintf(row[4], 64, "%.5f", hi - lo);
            snprintf(row[5], 64, "%.5f", sd);
            snprintf(row[6], 64, "%.2f", (hi - lo) / sd);
            const double rho = d->rho_fam[col[j]][f];
            if (!(hi - lo < 2.0 * sd)) snprintf(row[7], 64, isfinite(rho) ? "%+.3f" : "—", rho);
            else snprintf(row[7], 64, isfinite(rho) ? "%+.3f (within noise)" : "— (within noise)", rho);
            below += hi - lo < 2.0 * sd;
            for (int c = 0; c < NC; c++) cp[NC * rows + c] = row[c];
            rows++;
        }
    if (!rows) goto done;
    report_h2(r, "Noise of the sliced Wasserstein-1");
    report_p(r, "Every pair's sample estimators use the same underlying normal draws (instance 0 of the same "
             "streams, only the teachers differ) and sw1 the same %d random directions, so sw1 varies "
             "smoothly with the pair's parameter even where that variation is far below the estimator's "
             "noise. Its standard deviation over %d independent draws of the samples and directions "
             "(mean over the family's pairs) against its spread across the family: where the spread is "
             "below two standard deviations (%zu of the %zu rows, marked) this draw does not establish "
             "the order of the pairs, and the within-family ρ may come from the shared draws rather than "
             "the laws: independent draws order them differently.", 50, SW_REDRAWS, below, rows);
    report_table(r, NC, hdr, cp, rows);
done:
    free(cells);
    free(cp);
}

static void report_correlations(report *r, const dist_run *d)
{
    report_h2(r, "Rank correlation with transferability");
    report_p(r, "Spearman rank correlation between each measure and the simulated T, over all %zu pairs and, "
             "for T_lt, within each family (ties get their average rank; — where the measure is constant in "
             "the family). If a distance predicted transfer, closer tasks would transfer better: ρ near −1 "
             "everywhere. Feature-space measures should be near +1 (the residual |P_⊥ β_t|² near −1).", d->np);
    report_corr_summary(r, d);
    report_corr_table(r, d);
    report_sw_noise(r, d);
}

static void report_contradictions(report *r, const pair_t *P, size_t np)
{
    report_h2(r, "Pairs that contradict each distance");
    report_p(r, "Two contradictions per distance (T_lt ± standard error over instances; a pair \"hurts\" or "
             "\"helps\" when its mean T_lt is more than two standard errors below or above zero). Near but "
             "useless: the closest pair whose linear transfer hurts, against the closest pair that is farther "
             "away yet helps. Largest gap: of two pairs, the closer one transfers worse by the largest amount.");
    for (int k = 0; k < NDIST; k++) {
        size_t a = 0, b = 0;
        char t1[400], t2[400];
        int n1 = contra_near(P, np, k, &a, &b);
        if (n1) contra_text(t1, sizeof t1, P, k, a, b);
        int n2 = contra_gap(P, np, k, &a, &b);
        if (n2) contra_text(t2, sizeof t2, P, k, a, b);
        if (!n1 && !n2) report_p(r, "%s: no contradiction, it orders the pairs as T_lt does.", DIST[k].name);
        else if (!n1) report_p(r, "%s: largest gap: %s.", DIST[k].name, t2);
        else report_p(r, "%s: near but useless: %s. Largest gap: %s.", DIST[k].name, t1, n2 ? t2 : "none");
    }
}

static void report_figures(report *r, const dist_run *d)
{
    const char *ext = fig_ext(d->o->plot);
    char rel[128], cap[400];
    report_h2(r, "Figures");
    snprintf(rel, sizeof rel, "angle_kl.%s", ext);
    report_fig(r, rel, "Angle family: T of linear transfer and fine-tuning against KL(p_s ‖ p_t) = "
               "(1 − cos θ)/σ², simulation (mean ± standard error) and theory. KL grows monotonically "
               "with θ while T_lt is symmetric about θ = π/2: equal KL-ranks, opposite outcomes.");
    snprintf(rel, sizeof rel, "angle_w1.%s", ext);
    report_fig(r, rel, "Angle family: T against the sample Wasserstein-1 distance (exact, between the "
               "two empirical measures in D = d + 1 dimensions); the theory line joins the theory T "
               "at each pair.");
    snprintf(rel, sizeof rel, "overlap.%s", ext);
    report_fig(r, rel, "T_lt against the projected target norm |P_u β_t|² = a_t² cos²θ, the three "
               "families, with the theory of each family (lines).");
    for (int k = 0; k < NDIST; k++) {
        snprintf(rel, sizeof rel, "scatter_%s.%s", DIST[k].name, ext);
        int l = snprintf(cap, sizeof cap, "T_lt against %s (Spearman ρ = %+.2f).", DIST[k].desc,
                         d->rho_lt[k]);
        if (d->dropped[k] && l > 0 && (size_t)l < sizeof cap)
            snprintf(cap + l, sizeof cap - (size_t)l, " Logarithmic axis: %zu pair%s with a value "
                     "<= 0 (e.g. identical tasks) not drawn.", d->dropped[k], d->dropped[k] > 1 ? "s" : "");
        report_fig(r, rel, cap);
    }
}

static void report_theory(report *r)
{
    report_h2(r, "Theory");
    report_p(r, "Exact finite-size means at λ = 0 with an infinite source: R_sc = a_t²(1 − n/d) + σ² n/(d − n − 1) "
             "(n < d − 1), σ² d/(n − d − 1) (n > d + 1); R_lt = a_t² sin²θ + (a_t² sin²θ + σ²)/(n − 2); "
             "T_lt = R_sc − R_lt; T_ft = (1 − n/d)(2cm − c²q) for n < d − 1 (0 for n ≥ d) with "
             "m = a_s a_t cos θ, q = a_s² and c the gradient-flow coefficient (root of "
             "q c^(2L/(L−1)) − a q c² − b = 0, a = 1 − n/d, b = a_t² n/d + σ² n/(d − n − 1)). All of "
             "these depend on the tasks only through feature-space quantities: a_t² cos²θ, a_t² sin²θ, "
             "a_s a_t cos θ and a_s². For this family KL(p_s ‖ p_t) = |β_s − β_t|²/(2σ²) = "
             "(a_s² + a_t² − 2 a_s a_t cos θ)/(2σ²), which mixes them with the noise level.");
}

/* report.md and index.html; 0, or -1 after report_write's line naming the file. */
static int write_report(dist_run *d)
{
    report *r = report_new("fate distance: task distances do not predict transfer");
    report_intro(r, d);
    report_correlations(r, d);
    report_contradictions(r, d->P, d->np);
    if (d->o->plot) report_figures(r, d);
    report_theory(r);
    int rc = 0;
    if (report_write(r, d->o->out) != 0) {
        rc = -1;
    } else {
        char path[4200];
        snprintf(path, sizeof path, "%s/report.md", d->o->out);
        file_list_add(&d->files, path);
        snprintf(path, sizeof path, "%s/index.html", d->o->out);
        file_list_add(&d->files, path);
    }
    report_free(r);
    return rc;
}

/* Everything after the manifest is begun, in order; the exit code. A figure
 * that could not be written sets *frc and fails the run only at the end, so
 * that the other files and the report are still written. */
static int run_steps(dist_run *d, int *frc)
{
    d->so = calloc(d->np * d->K, sizeof *d->so);
    d->dout = calloc(d->np, sizeof *d->dout);
    if (!d->so || !d->dout) { cli_error(C, "out of memory"); return FATE_EXIT_RUNTIME; }
    /* the work: distances of each pair, then each pair's K instances */
    if (run_pairs(d->so, d->dout, d->P, d->np, d->o, d->n) != 0) return FATE_EXIT_RUNTIME;
    if (aggregate(d) != 0 || write_pairs(d) != 0 || correlate(d) != 0 || write_correlation(d) != 0)
        return FATE_EXIT_RUNTIME;
    if (d->o->plot && draw_figures(d, frc) != 0) return FATE_EXIT_RUNTIME;
    if (write_report(d) != 0) return FATE_EXIT_RUNTIME;
    return *frc ? FATE_EXIT_RUNTIME : 0;
}

int cmd_distance(int argc, char **argv)
{
    dist_opts o;
    int pr = parse_opts(argc, argv, &o);
    if (pr != 0) { opt_table_free(&TABLE, &o); return pr > 0 ? 0 : FATE_EXIT_USAGE; }
    dist_run d = {.o = &o, .n = (size_t)lround(o.gamma * (double)o.d), .K = o.instances,
                  .np = o.nt + o.ns + o.nn};
    d.P = make_pairs(&o, d.n, d.np);
    if (!d.P) { opt_table_free(&TABLE, &o); return FATE_EXIT_RUNTIME; }

    int claim = job_folder_open(C, o.out);
    if (claim) { free(d.P); opt_table_free(&TABLE, &o); return claim; }
    json_t *args = opt_table_result_args(&TABLE, argc, argv, 1);
    manifest man;
    manifest_begin(&man, o.out, "distance", args, NULL, manifest_extra(&o, d.n, d.np));

    int frc = 0;
    int rc = run_steps(&d, &frc);
    for (int f = 0; f < N_FAM; f++) { free(d.tx[f]); free(d.ty[f]); }
    if (manifest_end(&man, rc == 0 ? "complete" : "failed", &d.files) != 0 && rc == 0) rc = FATE_EXIT_RUNTIME;
    if (rc == 0 || frc) {
        printf("fate distance: %zu pairs, %zu instances each, m = %zu samples, in %s\n", d.np, d.K, o.samples,
               o.out);
        for (size_t i = 0; i < d.files.n; i++) printf("  %s\n", d.files.paths[i]);
        printf("  %s/manifest.json\n", o.out);
    }
    file_list_free(&d.files);
    free(d.so);
    free(d.dout);
    free(d.P);
    opt_table_free(&TABLE, &o);
    return rc;
}
