/* internal.h - helpers shared inside libfate (not part of the public API). */
#ifndef FATE_INTERNAL_H
#define FATE_INTERNAL_H
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fate.h"

/* ---- checked sizes ----
 * BLAS and LAPACK take int sizes, and some arrays are handed to them as one
 * length (cblas_daxpy over all the parameters), so every dimension and every
 * array's element count stays <= INT_MAX; the checks of the spec structs
 * refuse anything larger with FATE_EINVAL. Allocations compute their byte
 * counts with overflow checks, so a size that slipped past a check gives
 * NULL (FATE_ENOMEM) instead of a short buffer. */
#define FATE_INT_MAX ((size_t)INT_MAX)

/* *out = a * b; nonzero when the product overflows size_t (*out is then
 * unspecified). */
static inline int size_mul(size_t *out, size_t a, size_t b)
{
    return __builtin_mul_overflow(a, b, out);
}

/* Nonzero when a * b (an array's element count) is <= INT_MAX. */
static inline int fits_int2(size_t a, size_t b)
{
    size_t p;
    return !size_mul(&p, a, b) && p <= FATE_INT_MAX;
}

/* Nonzero when a * b elements of `size` bytes are addressable (the byte
 * count neither overflows nor exceeds PTRDIFF_MAX, beyond which malloc fails
 * anyway). */
static inline int bytes_ok(size_t a, size_t b, size_t size)
{
    size_t n, bytes;
    return !size_mul(&n, a, b) && !size_mul(&bytes, n, size) && bytes <= (size_t)PTRDIFF_MAX;
}

/* malloc of a * b elements of `size` bytes; NULL when that is not
 * addressable (bytes_ok) or malloc fails. */
static inline void *alloc_array(size_t a, size_t b, size_t size)
{
    return bytes_ok(a, b, size) ? malloc(a * b * size) : NULL;
}

/* The same, zeroed (calloc). */
static inline void *calloc_array(size_t a, size_t b, size_t size)
{
    return bytes_ok(a, b, size) ? calloc(a * b, size) : NULL;
}

/* A teacher's norm a_s or a_t of fate_spec: 0 means 1. */
static inline double spec_scale(double a) { return a > 0.0 ? a : 1.0; }

/* A spec's theta where d = 1: the teachers of fate_teachers need a second
 * dimension for any angle but 0 and pi. */
static inline int theta_ok_for_d(double theta, size_t d)
{
    return d != 1 || theta == 0.0 || theta == M_PI;
}

/* Scratch space for one gradient evaluation of a deep linear network. */
typedef struct dln_ws {
    double *q;    /* (L-1, k): q[l-2] = W_l ... w_L for l = 2..L */
    double *a;    /* (L-1, k): a[l-2] = (W_1..W_{l-1})^T g for l = 2..L */
    double *beta; /* (d) */
    double *g;    /* (d) */
} dln_ws;

fate_status dln_ws_alloc(dln_ws *ws, const fate_dln_shape *shape);
void dln_ws_free(dln_ws *ws);
/* fate_dln_grad with caller-provided workspace; also leaves beta in ws->beta. */
void dln_grad_ws(double *grad, double *loss, const double *params, const fate_dln_shape *shape,
                 const double *S, const double *b, double yy, dln_ws *ws);
int dln_shape_ok(const fate_dln_shape *shape);

/* A depth-2 network in Gram form (gram2.c): the state GD needs, without W. */
typedef struct gram2_t {
    size_t d;
    double *G;    /* (d (d+1) / 2) W_1 W_1^T, upper triangle packed by rows */
    double *beta; /* (d) W_1 w_2 */
    double s;     /* |w_2|^2 */
    double bal2;  /* fate_dln_balance squared, carried by its recursion */
    double *u;    /* (d) scratch: G g */
} gram2_t;

fate_status gram2_from_params(gram2_t *m, const double *params, const fate_dln_shape *shape);
fate_status gram2_copy(gram2_t *dst, const gram2_t *src);
void gram2_free(gram2_t *m);
/* Elements of a packed d x d triangle: d (d + 1) / 2. */
size_t gram2_packed_size(size_t d);
void gram2_pass(double *u, double *G, const double *g, const double *beta, double c, double rho,
                double s, size_t d);
void gram2_pass_naive(double *u, double *G, const double *g, const double *beta, double c,
                      double rho, double s, size_t d);
/* One GD step with c = 2 lr and decay factor rho = 1 - 2 lr wd at gradient
 * factor g = S beta - b (naive: the BLAS reference pass). */
void gram2_step(gram2_t *m, const double *g, double c, double rho, int naive);
/* With weight decay: *pn2 = |params|^2; returns |full gradient|^2. */
double gram2_decay(gram2_t *m, double *pn2, const double *g, double wd);
double gram2_balance(const gram2_t *m);
/* fate_dln_train on the Gram form (depth 2); the same driver (gd_run),
 * learning-rate rule and stopping rules. naive selects gram2_pass_naive. */
fate_status dln_train_gram2(gram2_t *m, fate_gd_report *report, const double *S, const double *b,
                            double yy, const fate_gd_config *config, int naive);
/* What an observer of a deep linear network's training sees at a recorded
 * step (train.c, through gd_run's observer): the objective GD descends (with
 * any decay term), the end-to-end map and the weights, params or (depth 2
 * in Gram form, params NULL) gram. Read only. */
typedef struct dln_view {
    size_t step;
    double loss;
    const double *beta;
    const double *params;
    const gram2_t *gram;
    const fate_dln_shape *shape; /* width 1 in Gram form: use gram */
} dln_view;
typedef struct dln_observer {
    void *ctx;
    size_t every; /* >= 1: record every `every` updates, plus step 0 and the last */
    fate_status (*fn)(void *ctx, const dln_view *v);
} dln_observer;
/* fate_dln_train and dln_train_gram2 with an observer (NULL: none; the
 * trajectory is the same bit for bit either way). */
fate_status dln_train_obs(double *params, fate_gd_report *report, const fate_dln_shape *shape, const double *S,
                          const double *b, double yy, const fate_gd_config *config, const dln_observer *obs);
fate_status dln_train_gram2_obs(gram2_t *m, fate_gd_report *report, const double *S, const double *b, double yy,
                                const fate_gd_config *config, int naive, const dln_observer *obs);
/* fate_dln_train with the weight decay toward anchor: the objective is the
 * loss + weight_decay |params - anchor|^2 (anchor NULL: toward 0), observed
 * by obs (NULL: none). */
fate_status dln_train_anchored(double *params, fate_gd_report *report, const fate_dln_shape *shape,
                               const double *S, const double *b, double yy, const fate_gd_config *config,
                               const double *anchor, const dln_observer *obs);
/* Whether the protocols train this network in Gram form. */
int gram2_applies(const fate_dln_shape *shape);

/* The kept feature directions of a pretrained network for linear transfer
 * (see transfer.c): F = U_r Sigma_r (d, r) and V_r^T (r, k). */
typedef struct lt_basis_t {
    size_t d, k, r;
    double *F, *VT;
    double sv1, sv2; /* top two singular values of W_1..W_{L-1} */
} lt_basis_t;

fate_status lt_basis(lt_basis_t *B, const double *params, const fate_dln_shape *shape, double rcond);
void lt_basis_free(lt_basis_t *B);
/* Ridge readout w_L (k) on the basis for the statistics S, b. */
fate_status lt_solve(double *wL, const lt_basis_t *B, const double *S, const double *b, double lambda);

/* ---- protocol stages (protocol.c) ---- */

fate_dln_shape spec_shape(const fate_spec *s);

/* A pretrained network and what linear transfer needs from it. */
typedef struct pretrained_t {
    double *params;        /* (nparams) */
    double *beta;          /* (d) end-to-end vector */
    double *beta_s;        /* (d) source teacher */
    lt_basis_t basis;      /* when requested */
    gram2_t gram;          /* Gram form for fine-tuning, when gram2_applies */
    fate_method_result res;
} pretrained_t;

/* One target set of spec->n samples of instance inst; X is kept because the
 * fine-tuning coefficient c needs the row space. */
typedef struct target_t {
    size_t n, d;
    double *X, *y, *S, *b, yy, loss_min;
    double *beta_t;
    const double *eig; /* (d) Sigma's eigenvalues, or NULL: the risk's norm (proto_risk) */
} target_t;

fate_status proto_pretrain(pretrained_t *p, const fate_spec *s, double theta, uint64_t inst,
                           int need_basis, size_t *fail_step);
void pretrained_free(pretrained_t *p);
fate_status proto_target(target_t *t, const fate_spec *s, uint64_t inst);
void target_free(target_t *t);
fate_status proto_scratch(fate_method_result *r, const target_t *t, const fate_spec *s,
                          double weight_decay, uint64_t inst, size_t *fail_step);
fate_status proto_lt(fate_method_result *r, const pretrained_t *p, const target_t *t,
                     const fate_spec *s, double lambda);
fate_status proto_ft(fate_method_result *r, double *c, const pretrained_t *p, const target_t *t,
                     const fate_spec *s, size_t *fail_step);
/* Full-batch GD on every layer of the target's loss from the weights start
 * (their Gram form gram when gram2_applies, else NULL); *c the coefficient of
 * (I-P) beta_pre in the result (NaN when n >= d). Fine-tuning starts from
 * the pretrained weights, LP-FT from the probed ones. */
fate_status proto_finetune(fate_method_result *r, double *c, const double *start, const gram2_t *gram,
                           const double *beta_pre, const target_t *t, const fate_spec *s, size_t *fail_step);
/* proto_finetune with the penalty lambda |params - start|^2 (each layer pulled
 * toward its starting value; lambda = 0 is proto_finetune, Gram form
 * included). The weight-level L2-SP (method_l2sp_w.c). */
fate_status proto_finetune_anchored(fate_method_result *r, double *c, const double *start, const gram2_t *gram,
                                    const double *beta_pre, const target_t *t, const fate_spec *s, double lambda,
                                    size_t *fail_step, const dln_observer *obs);
/* Weight-level L2-SP (method_l2sp_w.c): GD from the pretrained weights on the
 * target's loss + lambda sum_l |W_l - W_l^pre|^2, lambda = spec_l2sp_lambda
 * (*lambda_used). Simulation only. */
fate_status proto_l2sp_w(fate_method_result *r, double *lambda_used, const pretrained_t *p, const target_t *t,
                         const fate_spec *s, size_t *fail_step);
/* LP-FT (method_lpft.c): the last layer refitted as proto_lt does, then
 * proto_finetune from there. */
fate_status proto_lpft(fate_method_result *r, double *c, const pretrained_t *p, const target_t *t,
                       const fate_spec *s, size_t *fail_step);
/* Parameter transfer (method_l2sp.c): beta_s_hat + (S + lambda I)^{-1}
 * (b - S beta_s_hat), the minimiser over the end-to-end map of
 * |y - X beta|^2/n + lambda |beta - beta_s_hat|^2; *lambda_used gets lambda
 * (spec_l2sp_lambda). */
fate_status proto_l2sp(fate_method_result *r, double *lambda_used, const pretrained_t *p, const target_t *t,
                       const fate_spec *s);
/* The ridge of parameter transfer for spec s: s->l2sp_lambda, or for
 * FATE_LAMBDA_OPT fate_theory_ridge_lambda_opt(d/n, sigma, E r2) with the
 * theory's mean squared distance E|beta_t - beta_s_hat|^2 (method_l2sp.c). */
double spec_l2sp_lambda(const fate_spec *s);
/* The tuned scratch baselines (method_ridge.c): ridge on the target set at
 * spec_ridge_lambda, or (cross_validate) at the leave-one-out choice of a
 * fixed grid; *lambda_used gets the lambda. */
fate_status proto_ridge(fate_method_result *r, double *lambda_used, const target_t *t, const fate_spec *s,
                        int cross_validate);
/* The oracle-optimal ridge of the scratch baseline: sigma^2 (d/n) / a_t^2. */
double spec_ridge_lambda(const fate_spec *s);

/* The methods that need the pretrained network, and its feature basis. */
#define USES_PRETRAINED (FATE_METHOD_LT | FATE_METHOD_FT | FATE_METHOD_LPFT | FATE_METHOD_L2SP | FATE_METHOD_L2SP_W)
#define USES_BASIS (FATE_METHOD_LT | FATE_METHOD_LPFT)

/* ---- the stages with an observer of their training (NULL: none; the
 * results are the same bit for bit): learning curves (trajectory.c) and
 * the early-stopped baseline (method_early_stop.c) ---- */
fate_status proto_pretrain_obs(pretrained_t *p, const fate_spec *s, double theta, uint64_t inst, int need_basis,
                               size_t *fail_step, const dln_observer *obs);
fate_status proto_scratch_obs(fate_method_result *r, const target_t *t, const fate_spec *s, double weight_decay,
                              uint64_t inst, size_t *fail_step, const dln_observer *obs);
fate_status proto_finetune_obs(fate_method_result *r, double *c, const double *start, const gram2_t *gram,
                               const double *beta_pre, const target_t *t, const fate_spec *s, size_t *fail_step,
                               const dln_observer *obs);
fate_status proto_lpft_obs(fate_method_result *r, double *c, const pretrained_t *p, const target_t *t,
                           const fate_spec *s, size_t *fail_step, const dln_observer *obs);
fate_status proto_l2sp_w_obs(fate_method_result *r, double *lambda_used, const pretrained_t *p, const target_t *t,
                             const fate_spec *s, size_t *fail_step, const dln_observer *obs);
/* Scratch training (weight decay wd) whose population risk |beta(t) -
 * beta_t|^2 is checked at every step: *sc the scratch result, *es the
 * early-stopped one (the minimum risk over the checked steps, the last among
 * them) reached at step *es_step; either output may be NULL, one training
 * either way (method_early_stop.c). */
fate_status proto_scratch_es(fate_method_result *sc, fate_method_result *es, size_t *es_step, const target_t *t,
                             const fate_spec *s, double wd, uint64_t inst, size_t *fail_step);
/* |a - b|^2 (d). */
double proto_sqdist(const double *a, const double *b, size_t d);

/* ---- task geometry (task_geometry.c, THEORY.md sections 10 and 11) ---- */
/* |a - b|_Sigma^2 with Sigma = diag(eig) (eig NULL: |a - b|^2): the risk
 * every stage reports. */
double proto_risk(const double *a, const double *b, const double *eig, size_t d);
/* Unit teachers of spec s at angle theta: placed by s->align in Sigma's
 * eigenbasis, or fate_teachers' (no spectrum, or FATE_ALIGN_RANDOM). */
fate_status spec_teachers(double *beta_s, double *beta_t, const fate_spec *s, double theta, uint64_t inst);
/* B (k, d): b_1 = beta_s (unit) and k - 1 unit vectors orthogonal to beta_t,
 * b_1 and each other (stream FATE_STREAM_SOURCE_BASIS). */
fate_status spec_source_basis(double *B, const double *beta_s, const double *beta_t, size_t k, size_t d,
                              uint64_t seed, uint64_t inst);
/* fate_dataset with x ~ N(0, diag(eig)) (eig NULL: fate_dataset). */
fate_status spec_dataset(double *X, double *y, const double *beta, const double *eig, size_t n, size_t d,
                         double sigma, uint64_t seed, uint64_t inst, uint64_t x_stream, uint64_t noise_stream);

/* The theory beside a spec with k > 1 or a spectrum (theory_geometry.c):
 * overrides fate_spec_theory_eval's one-teacher values, NaN where none is
 * derived. Nothing to do for the paper's geometry. */
fate_status spec_theory_geometry(fate_spec_theory *o, const fate_spec *s);

/* Pretraining with k outputs (pretrain_k.c). params: the target network of
 * shape sh (the feature layers and head 1), filled on success; teachers (d,
 * k) = a_s B_s, for the residual |W - a_s B_s|_F^2. */
typedef struct pretrain_k_out {
    double *params;
    const double *teachers;
    fate_gd_report report;
    double residual;
} pretrain_k_out;
fate_status pretrain_k_run(pretrain_k_out *out, const fate_dln_shape *sh, size_t k, const double *S, const double *B,
                           double yy, const fate_gd_config *cfg, double alpha, uint64_t seed, uint64_t inst);
/* (I - P_X) v, P_X the projector on the row space of X (n, d), n < d. */
fate_status proto_null_part(double *out, const double *X, size_t n, size_t d, const double *v);


/* The OpenMP team size of a parallel loop: `threads` when > 0 (the checks
 * already capped it), else the OpenMP default capped at FATE_MAX_THREADS, so a
 * huge OMP_NUM_THREADS cannot make libgomp end the caller's process
 * (src/sweep_common.c). */
int team_threads(int threads);

/* The BLAS library's own thread count (src/blas_threads.c): OpenBLAS's when
 * fate is built with OpenBLAS; with another BLAS get returns 1 and set does
 * nothing. Parallel loops set 1 and restore the previous count. */
int blas_threads_get(void);
void blas_threads_set(int n);

/* Shared state of a sweep's OpenMP work items (src/sweep_common.c). */
typedef struct sweep_shared {
    void *ctx;                               /* hooks' context */
    int (*should_stop)(void *ctx);           /* may be NULL */
    void (*progress)(void *ctx, size_t done, size_t total); /* may be NULL */
    size_t done, total;
    int stop;                                /* set by hooks or on error */
    fate_status status;                      /* the first error */
    fate_sweep_error err;
} sweep_shared;
/* Polls the stop flag and the should_stop hook (any thread). */
int sweep_poll_stop(sweep_shared *sh);
/* Counts a finished item and reports progress (serialised). */
void sweep_item_done(sweep_shared *sh);
/* Records the first failure and stops the sweep. */
void sweep_fail(sweep_shared *sh, fate_status st, unsigned method, size_t step, uint64_t inst, size_t j,
                size_t t);
/* Stops the sweep (e.g. when cell_done asked to). */
void sweep_stop(sweep_shared *sh);
/* The one sweep scheduler (src/grid.c). A model's experiment over a grid of
 * rows x cols cells, K instances each, as three kinds of work items; each
 * returns FATE_OK or the failure, with the GD step in *step for a divergence.
 * Called from OpenMP threads: items of different indices must not share
 * writable state. */
typedef struct grid_stages {
    void *ctx;                      /* the model's sweep state */
    size_t rows, cols, instances;
    int scratch;                    /* run stage 1 */
    int transfer;                   /* run stage 2 (pretraining + cell items) */
    /* stage 1, (col, instance): shared by every row */
    fate_status (*scratch_item)(void *ctx, size_t col, size_t inst, size_t *step);
    /* stage 2, (row, instance): shared by every col of the row */
    fate_status (*pretrain_item)(void *ctx, size_t row, size_t inst, size_t *step);
    /* stage 2, (row, col, instance); *stage: the FATE_METHOD_* bit running */
    fate_status (*cell_item)(void *ctx, size_t row, size_t col, size_t inst, unsigned *stage,
                             size_t *step);
    /* every item of row is done (its pretrained state may go); may be NULL */
    void (*row_done)(void *ctx, size_t row);
    /* cell (row, col) has all K results (serialised); nonzero stops */
    int (*cell_done)(void *ctx, size_t row, size_t col);
} grid_stages;

/* The caller's hooks, in grid coordinates (row, col). */
typedef struct grid_hooks {
    void *ctx;
    int (*skip)(void *ctx, size_t row, size_t col);           /* may be NULL */
    int (*should_stop)(void *ctx);                            /* may be NULL */
    void (*progress)(void *ctx, size_t done, size_t total);   /* may be NULL */
} grid_hooks;

/* Runs every cell that h->skip does not skip. FATE_EINTERRUPTED when stopped,
 * else the first failure with its stage, step, instance and cell in *err
 * (gamma_index = col, theta_index = row). h may be NULL. */
fate_status grid_run(const grid_stages *g, const grid_hooks *h, int threads, fate_sweep_error *err);

/* The models of fate_model.h (src/model.c): a sweep and the caller's hooks,
 * the context of the forwarders from a model's own sweep hooks to
 * fate_model_hooks. */
typedef struct model_fwd {
    const void *sweep;
    const struct fate_model_hooks *h;
} model_fwd;
int model_fwd_stop(void *ctx);
int model_fwd_skip(void *ctx, size_t row, size_t col);
void model_fwd_progress(void *ctx, size_t done, size_t total);

/* Which cells of an A x B grid still need work: todo[a B + b] = 1 unless
 * skip(ctx, a, b) says the cell is done (skip may be NULL); need_a[a] and
 * need_b[b] (zeroed by the caller) mark the rows and columns with such a
 * cell, counted in *na and *nb. Returns the number of cells to do. */
size_t sweep_plan(unsigned char *todo, unsigned char *need_a, unsigned char *need_b, size_t *na, size_t *nb,
                  size_t A, size_t B, int (*skip)(void *ctx, size_t a, size_t b), void *ctx);

/* ---- the gradient-descent driver and the pseudo-inverse (src/gd.c) ----
 * Every model trains through gd_run: the model supplies an oracle, the
 * driver owns the step budget, the stopping and divergence rules and the
 * report (rules and thresholds: the comment at the top of gd.c). */

/* What eval() reports about the current point. */
typedef struct gd_point {
    double loss;  /* the objective GD descends (with any decay term) */
    double grad2; /* |gradient|^2, read by the stationary rule only */
    int finite;   /* 0: another quantity of the point (|beta|) is NaN/inf */
} gd_point;

typedef struct gd_oracle {
    void *ctx;
    /* The loss at the current point, check t (and what step() needs, e.g.
     * the gradient). An error status ends the run with it. */
    fate_status (*eval)(void *ctx, gd_point *pt, size_t t);
    /* Moves the point from where eval() saw it: *done = updates made (1
     * unless set; a mini-batch epoch makes up to `budget`). FATE_EDIVERGED
     * reports a non-finite inner loss after *done updates. */
    fate_status (*step)(void *ctx, size_t t, size_t budget, size_t *done);
} gd_oracle;

typedef enum gd_window_rule {
    GD_WINDOW_OFF,   /* no relative-change rule */
    GD_WINDOW_LAST,  /* L_{t-w} - L_t <= rel_tol L_{t-w}, t >= w */
    GD_WINDOW_MEANS  /* the sums of the last two windows of w losses, every w checks */
} gd_window_rule;

/* An observer of a run (optional): observe() sees the point at step 0,
 * after every `every` (>= 1) further updates (a mini-batch epoch may pass
 * several: the first check at or past the mark) and at the last check of a
 * run that did not diverge; steps = the updates made so far. It must not
 * move the point; an error status ends the run with it. The model's ctx
 * gives it whatever it records (train.c: dln_observer). */
typedef struct gd_observer {
    void *ctx;
    size_t every;
    fate_status (*observe)(void *ctx, size_t steps, const gd_point *pt);
} gd_observer;

typedef struct gd_rules {
    size_t max_steps;           /* updates at most */
    double target;              /* converged when loss <= target (-INFINITY: off) */
    int stationary;             /* converged when grad2 <= grad2_tol and loss < 0.9 loss_0 */
    double grad2_tol;
    gd_window_rule window_rule;
    size_t window;              /* w, >= 1 when a window rule is on */
    double rel_tol;
    int saddle;                 /* set on_saddle from loss_min and saddle_tol */
    double loss_min, saddle_tol;
    const gd_observer *observer; /* NULL: none */
} gd_rules;

typedef struct gd_report {
    double loss0, loss;    /* the loss at the first and the last check */
    size_t steps;          /* updates made */
    size_t diverged_step;  /* updates made when divergence was detected */
    int converged, on_saddle;
} gd_report;

/* Runs GD until a rule stops it: FATE_OK (converged or out of budget),
 * FATE_EDIVERGED, an error from the oracle, FATE_ENOMEM (the window
 * history) or FATE_EINVAL (a window rule with w = 0 or w > INT_MAX). */
fate_status gd_run(gd_report *rep, const gd_oracle *oracle, const gd_rules *rules);

/* Minimum-norm least squares for a symmetric positive semi-definite system
 * A x = b (n, n), by the eigendecomposition A = Q diag(ev) Q^T (dsyevd):
 *     x = sum_j q_j (q_j.b) / ev_j   over ev_j > rcut ev_max
 * (none when ev_max <= 0). A is overwritten by Q; x may be NULL; *quad =
 * b.A^+ b = sum_j (q_j.b)^2 / ev_j and *rank = the kept count when not NULL.
 * The cut-off is relative and each caller passes its own:
 *     lt_solve (transfer.c)            1e-12 (a true inverse unless G is singular)
 *     fate_mlp_refit_readout (mlp.c)   spec rcond (relu2 default 1e-6)
 *     fate_relu_pperp (mlp_theory.c)   spec rcond for the teachers, pperp_rcond
 *                                      (default 1e-3) for the student
 * (lt_basis's rcond, 1e-2 by default, truncates an SVD and is no solve.) */
fate_status pinv_solve(double *x, double *quad, size_t *rank, double *A, const double *b, size_t n,
                       double rcut);

/* Ridge solutions x_l = (S + lambda_l I)^{-1} b of a symmetric positive
 * semi-definite S (d, d) for L ridges from one eigendecomposition, the
 * lambda = 0 one minimum-norm with pinv_solve's relative cut-off rcut; and
 * train_l = yy - 2 b.x_l + x_l.S x_l. X (L, d), train (L). (gd.c) */
fate_status ridge_path(double *X, double *train, const double *S, const double *b, double yy,
                       const double *lambdas, size_t L, size_t d, double rcut);
/* The ridge model's cut-off at lambda = 0: lt_solve's 1e-12 (a true inverse
 * unless S is singular, when n < d). */
#define RIDGE_RCUT 1e-12

/* ---- transferability scores (src/score_common.c) ---- */
/* Nonzero when the n values are all finite. */
int score_all_finite(const double *a, size_t n);
/* F (n, p) non-NULL, n, p >= 1, n p and p p <= INT_MAX, every entry
 * finite; else FATE_EINVAL. */
fate_status score_check_features(const double *F, size_t n, size_t p);
/* labels (n) non-NULL and in [0, C); else FATE_EINVAL. */
fate_status score_check_labels(const int *labels, size_t n, size_t C);
/* The thin SVD 2^e F = U diag(sv) V^T of F (n, p): U (n, k) row-major, sv
 * (k) descending, k = min(n, p); r = the numerical rank (sv above max(n, p)
 * eps sv_max). */
typedef struct score_svd {
    size_t n, p, k, r;
    double *U, *sv;
} score_svd;
fate_status score_svd_of(score_svd *v, const double *F, size_t n, size_t p, int e);
void score_svd_free(score_svd *v);
/* x = U_r^T y (r) and *res0 = |y - U_r x|^2; w: (n) scratch. */
void score_project(double *x, double *res0, double *w, const score_svd *v, const double *y);

#endif
