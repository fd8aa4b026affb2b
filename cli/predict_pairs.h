/* predict_pairs.h - the task pairs of `fate predict` and what is measured on
 * each (THEORY.md section 12): the true transfer gain (simulated through
 * fate_run_instance, and its theory), every transferability score of
 * fate_score.h on the pretrained features of the target set
 * (fate_transfer_features), the closed-form distances between the source and
 * target joint laws, and the feature-space measures. */
#ifndef FATE_CLI_PREDICT_PAIRS_H
#define FATE_CLI_PREDICT_PAIRS_H
#include <stddef.h>
#include <stdint.h>

#include "fate.h"
#include "fate_mlp.h"

enum { PF_ANGLE, PF_SCALE, PF_NEAR, PF_K, PF_TOP, PF_TAIL, PF_RELU, N_PFAM };
extern const char *const PF_NAME[N_PFAM];

/* The predictors, each oriented so that larger predicts more transfer
 * (distances and errors negated): scores, distances, feature measures. */
enum {
    P_LOGME, P_LOGME_CLASS, P_PROBE_TRAIN, P_PROBE_LOO, P_KNN, P_KNN_ACC, P_LEEP, P_NCE, P_HSCORE, P_GBC,
    P_TRANSRATE,
    P_KL_ST, P_KL_TS, P_HELLINGER, P_W2, P_MMD2,
    P_PROJ, P_RESID, P_TLT_TH, P_TFT_TH,
    NPRED
};
#define P_FIRST_DIST P_KL_ST
#define P_FIRST_FEAT P_PROJ
typedef struct pred_info {
    const char *name; /* column name */
    const char *kind; /* score, distance or feature */
    const char *desc; /* one line: what it is and its orientation */
} pred_info;
extern const pred_info PRED[NPRED];

/* The truths a predictor is ranked against. */
enum { T_LT_SIM, T_LT_TH, T_FT_SIM, T_FT_TH, NTRUTH };
extern const char *const TRUTH_NAME[NTRUTH];

typedef struct pred_pair {
    int fam;
    double param;  /* theta (angle, top, tail), c (scale), a (near-useless), k, mu (relu2) */
    fate_spec spec; /* its experiment (n, theta, scales, k, spectrum) */
    fate_relu_spec rspec; /* relu2: the two-layer experiment (spec.n its n too) */
    double truth[NTRUTH], truth_sem[NTRUTH];
    double v[NPRED]; /* mean over instances (scores); exact (distances, features) */
    size_t score_nan; /* instance scores undefined (FATE_EDOMAIN) or failed */
    size_t unconverged;
} pred_pair;

typedef struct pred_setup {
    size_t d, depth, K;
    double sigma, alpha; /* label noise; the power law of the top/tail families */
    uint64_t seed;
    const double *eig;   /* (d) the power law */
} pred_setup;

/* The parameter lists of the families. */
typedef struct pred_lists {
    const double *thetas, *scales, *nears, *mus;
    const size_t *ks, *n;
    size_t nt, ns, nn, nmu, nk, nl;
} pred_lists;

/* The pairs of every family at every n (thetas for angle, top and tail;
 * scales, nears, ks, mus), in that order per n. NULL when out of memory;
 * *np their count. rbase: the two-layer experiment's settings. */
pred_pair *predict_make_pairs(size_t *np, const pred_setup *ps, const pred_lists *L, const fate_relu_spec *rbase);

/* Instance `inst` of pair p: T of lt and ft and the scores (sc (NPRED); NaN
 * where undefined; relu2 also its instance's feature measures, which depend
 * on the drawn teachers). Labels: sign(y) and sign(f_s) for the linear
 * families; for relu2, whose target is positive, y and f_s above their
 * median on the target set. FATE_OK or the failure of the simulation. */
fate_status predict_instance(double *Tlt, double *Tft, double *sc, int *unconv, const pred_pair *p,
                             uint64_t inst);
/* The distances and feature measures of p (exact, no sampling), and its
 * theory T. */
void predict_exact(pred_pair *p, const pred_setup *ps);
#endif
