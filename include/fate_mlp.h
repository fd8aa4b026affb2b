/*
 * fate_mlp.h - two-layer networks and the nonlinear transfer experiments of
 * THEORY.md section 5 (two-layer ReLU students and ReLU teachers).
 *
 * Conventions: those of fate.h (fate_status codes, caller-owned buffers,
 * size_t sizes, outputs first, row-major doubles, no printing, no exit).
 * Bad arguments return FATE_EINVAL and leave the outputs untouched.
 *
 * Model: f(x) = s_m sum_{i<m} c_i act(w_i . x), with W (m, d) row-major (row i
 * is w_i), c (m), and s_m = 1/m (mean field, the default) or 1/sqrt(m)
 * (standard scaling).
 *
 * Random streams (counter-based, fate_normal_fill keyed by (seed, instance,
 * stream)): this module uses FATE_MLP_STREAM_* below, all >= FATE_STREAM_USER
 * + 100; the single-index teachers come from fate_teachers (streams 1 and 2).
 */
#ifndef FATE_MLP_H
#define FATE_MLP_H

#include "fate.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
    FATE_MLP_STREAM_TEACHER = FATE_STREAM_USER + 100,  /* teacher neurons V */
    FATE_MLP_STREAM_X_SOURCE = FATE_STREAM_USER + 101, /* source inputs */
    FATE_MLP_STREAM_NOISE_SOURCE = FATE_STREAM_USER + 102,
    FATE_MLP_STREAM_X_TARGET = FATE_STREAM_USER + 103, /* target inputs */
    FATE_MLP_STREAM_NOISE_TARGET = FATE_STREAM_USER + 104,
    FATE_MLP_STREAM_X_TEST = FATE_STREAM_USER + 105,   /* fresh test inputs */
    FATE_MLP_STREAM_INIT_PRETRAIN = FATE_STREAM_USER + 106,
    FATE_MLP_STREAM_INIT_SCRATCH = FATE_STREAM_USER + 107,
    FATE_MLP_STREAM_BATCH = FATE_STREAM_USER + 108,    /* mini-batch order */
    FATE_MLP_STREAM_X_ONLINE = FATE_STREAM_USER + 109, /* online source inputs */
    FATE_MLP_STREAM_NOISE_ONLINE = FATE_STREAM_USER + 110
};

/* ------------------------------------------------------------------------ */
/* Model (src/mlp.c)                                                         */
/* ------------------------------------------------------------------------ */

typedef enum fate_act {
    FATE_ACT_RELU = 0,  /* max(h, 0); derivative 1{h > 0} (0 at h = 0) */
    FATE_ACT_TANH = 1,
    FATE_ACT_ERF = 2,   /* erf(h); derivative 2/sqrt(pi) exp(-h^2) */
    FATE_ACT_LINEAR = 3 /* h: the network is a depth-2 linear network */
} fate_act;

typedef enum fate_mlp_scaling {
    FATE_MLP_MEAN_FIELD = 0, /* s_m = 1/m */
    FATE_MLP_STANDARD = 1    /* s_m = 1/sqrt(m) */
} fate_mlp_scaling;

typedef struct fate_mlp_shape {
    size_t d;                 /* input dimension (>= 1) */
    size_t m;                 /* hidden width (>= 1) */
    fate_act act;
    fate_mlp_scaling scaling;
} fate_mlp_shape;

/* The output scale s_m (1/m or 1/sqrt(m)); NaN for an invalid shape. */
FATE_API double fate_mlp_output_scale(const fate_mlp_shape *shape);

/* phi[i] = act(h[i]), dphi[i] = act'(h[i]), i < count; either output may be
 * NULL (not both). phi, dphi, h: (count); phi may alias h. */
FATE_API fate_status fate_mlp_act(double *phi, double *dphi, fate_act act, const double *h,
                                  size_t count);

/* w_i ~ w_scale N(0, I_d / d) (so |w_i| ~ w_scale), c_i ~ c_scale N(0, 1).
 * W: (m, d) from elements [0, m d) of (seed, instance, stream); c: (m) from
 * elements [m d, m d + m). */
FATE_API fate_status fate_mlp_init(double *W, double *c, const fate_mlp_shape *shape,
                                   double w_scale, double c_scale, uint64_t seed,
                                   uint64_t instance, uint64_t stream);

/* f = s_m act(X W^T) c. f: (n); X: (n, d). BLAS (dgemm, dgemv). */
FATE_API fate_status fate_mlp_forward(double *f, const double *W, const double *c,
                                      const fate_mlp_shape *shape, const double *X, size_t n);

/* Loss (1/n) sum_k (f(x_k) - y_k)^2 and its gradient, over the batch with
 * BLAS: H = X W^T (n, m), r = f - y (n),
 *   dc = (2 s_m / n) act(H)^T r                      (m)
 *   dW = (2 s_m / n) ((r c^T) .* act'(H))^T X        (m, d)
 * dW may be NULL (frozen first layer), dc may be NULL, loss may be NULL. */
FATE_API fate_status fate_mlp_grad(double *dW, double *dc, double *loss, const double *W,
                                   const double *c, const fate_mlp_shape *shape,
                                   const double *X, const double *y, size_t n);

/* The same through per-sample forward and backward passes in plain loops (the
 * naive reference, O(n m d), no BLAS); dW and dc required here. */
FATE_API fate_status fate_mlp_grad_naive(double *dW, double *dc, double *loss, const double *W,
                                         const double *c, const fate_mlp_shape *shape,
                                         const double *X, const double *y, size_t n);

/* ------------------------------------------------------------------------ */
/* Gradient descent (src/mlp.c)                                              */
/* ------------------------------------------------------------------------ */

/* Learning rate. Under mean-field scaling every neuron's gradient is O(1/m);
 * the step applied to both W and c is lr_eff = lr * m, so that each neuron
 * moves by O(lr) per step whatever m (the discretisation of the mean-field
 * limit's per-particle gradient flow with time step lr). Under standard
 * scaling the step is lr_eff = lr (the usual NTK-regime parametrisation).
 *
 * Convergence: a loss history L_t is kept (full batch: the loss at the start
 * of step t; mini-batches: the full training loss at the start of each epoch,
 * t counting epochs). Training stops, converged, as soon as L_t <= tol, or
 * when t >= window and (L_{t-window} - L_t) <= rel_tol L_{t-window}.
 * Divergence: a NaN/inf loss or L_t > 1e3 max(L_0, 1) returns FATE_EDIVERGED
 * with report->diverged_step set (in steps). */
/* The update rule of a training (src/mlp_optim.c), with g the gradient at
 * step t = 1, 2, ... and lr_eff the step of fate_mlp_gd_config below:
 *   GD:       p -= lr_eff g
 *   MOMENTUM: v = beta1 v + g, p -= lr_eff v        (heavy ball, v_0 = 0;
 *             the steady step is lr_eff / (1 - beta1))
 *   ADAM:     m = beta1 m + (1 - beta1) g, v = beta2 v + (1 - beta2) g^2,
 *             p -= lr m_hat / (sqrt(v_hat) + 1e-8), m_hat = m / (1 - beta1^t),
 *             v_hat = v / (1 - beta2^t) (Kingma and Ba, ICLR 2015). Adam
 *             normalises each coordinate's gradient, so its step is the base
 *             lr under either scaling (lr_eff = lr). */
typedef enum fate_mlp_optimizer {
    FATE_MLP_GD = 0,
    FATE_MLP_MOMENTUM = 1,
    FATE_MLP_ADAM = 2
} fate_mlp_optimizer;

/* The arithmetic of the gradient's products (src/mlp_f32.c). SINGLE converts
 * the weights and the batch's inputs to float at every step (n d + m d
 * conversions against the 4 n m d flops of the products), runs
 * the two products of the step (sgemm) and the activations in float, and
 * hands the gradient back in double: the parameters, the optimiser's state,
 * the loss history and every reported number stay double. */
typedef enum fate_mlp_precision {
    FATE_MLP_DOUBLE = 0,
    FATE_MLP_SINGLE = 1
} fate_mlp_precision;

typedef struct fate_mlp_gd_config {
    double lr;          /* base rate (> 0); see above */
    size_t max_steps;   /* parameter updates at most (>= 1) */
    size_t batch;       /* mini-batch size; 0 or >= n: full batch */
    double tol;         /* converged when loss <= tol (>= 0) */
    double rel_tol;     /* relative decrease over `window` checks (>= 0) */
    size_t window;      /* 0: 100 */
    int freeze_W;       /* nonzero: train c only (W fixed) */
    uint64_t seed, instance; /* mini-batch order, stream FATE_MLP_STREAM_BATCH: */
    /* epoch e visits the rows in increasing order of the uniform keys
     * fate_uniform_at(seed, instance, FATE_MLP_STREAM_BATCH, e n + k), k < n,
     * in consecutive batches (the last one possibly shorter). */
    fate_mlp_optimizer optimizer; /* update rule (above); default GD */
    double beta1, beta2;     /* momentum / Adam decays in [0, 1); 0: 0.9, 0.999 */
    fate_mlp_precision precision; /* arithmetic of the products; default DOUBLE */
} fate_mlp_gd_config;

/* lr 0.05, 20000 steps, full batch, tol 1e-8, rel_tol 1e-4, window 100, GD,
 * double precision. */
FATE_API void fate_mlp_gd_default(fate_mlp_gd_config *config);

typedef struct fate_mlp_gd_report {
    double loss0;         /* full training loss at the start */
    double loss;          /* full training loss at the end */
    double lr_eff;        /* the step applied (lr m or lr; Adam: lr) */
    size_t steps;         /* parameter updates made */
    int converged;        /* stopped by tol or rel_tol */
    size_t diverged_step; /* step at which divergence was detected */
} fate_mlp_gd_report;

/* Gradient descent on (1/n)|f(X) - y|^2 from (W, c), updated in place.
 * X: (n, d), y: (n). */
FATE_API fate_status fate_mlp_train(double *W, double *c, fate_mlp_gd_report *report,
                                    const fate_mlp_shape *shape, const double *X,
                                    const double *y, size_t n,
                                    const fate_mlp_gd_config *config);

/* Linear transfer: refit the readout on the frozen first layer by ridge.
 * With A = s_m act(X W^T) (n, m), solve (A^T A / n + lambda I) c = A^T y / n:
 * lambda > 0 by Cholesky; lambda = 0 by the symmetric eigendecomposition of
 * A^T A / n with a pseudo-inverse dropping eigenvalues <= rcond * the largest
 * (rcond in [0, 1); the minimum-norm least-squares readout on the kept
 * directions). *rank (may be NULL) gets the directions kept (m for
 * lambda > 0). c: (m), overwritten. */
FATE_API fate_status fate_mlp_refit_readout(double *c, size_t *rank, const double *W,
                                            const fate_mlp_shape *shape, const double *X,
                                            const double *y, size_t n, double lambda,
                                            double rcond);

/* ------------------------------------------------------------------------ */
/* Teachers and data (src/mlp.c)                                             */
/* ------------------------------------------------------------------------ */
/* A teacher is f_t(x) = sum_{j<mstar} a_j relu(v_j . x) with V (mstar, d). */

/* V: (mstar, d), rows uniform unit vectors (normalised Gaussians of stream
 * FATE_MLP_STREAM_TEACHER, row j from elements [j d, (j+1) d)). */
FATE_API fate_status fate_relu_teacher(double *V, size_t mstar, size_t d, uint64_t seed,
                                       uint64_t instance);

/* The number of neurons removed from the source teacher: round(mu mstar)
 * (half away from zero), mu in [0, 1]. */
FATE_API size_t fate_relu_removed(size_t mstar, double mu);

/* Readouts of the teachers. Target: a_j = 1/mstar for all j (mean-field
 * normalisation: E f_t = 1/sqrt(2 pi), |f_t|_{L2} = O(1)). Source (source !=
 * 0): the target with its FIRST round(mu mstar) neurons removed, a_j = 0 for
 * j < round(mu mstar), and the kept neurons keep a_j = 1/mstar (no
 * renormalisation: the source is the target minus the removed neurons, so
 * mu = 1 gives the zero function). a: (mstar). */
FATE_API fate_status fate_relu_readout(double *a, size_t mstar, double mu, int source);

/* Single-index teachers at angle theta: relu(beta_s . x) and relu(beta_t . x)
 * with beta_s, beta_t from fate_teachers (d each); as a teacher (V, a) this is
 * mstar = 1, V = beta, a = {1}. A thin wrapper kept for discoverability. */
FATE_API fate_status fate_relu_single_index(double *beta_s, double *beta_t, size_t d,
                                            double theta, uint64_t seed, uint64_t instance);

/* f[k] = sum_j a_j relu(v_j . x_k). f: (n); X: (n, d). */
FATE_API fate_status fate_relu_teacher_eval(double *f, const double *V, const double *a,
                                            size_t mstar, size_t d, const double *X, size_t n);

/* X ~ N(0, I_d) row-wise (row k from elements [k d, (k+1) d) of x_stream, so a
 * set of n rows is a prefix of one of n' > n rows), y = f_t(X) + sigma eps
 * (eps from noise_stream). X: (n, d), y: (n). */
FATE_API fate_status fate_relu_dataset(double *X, double *y, const double *V, const double *a,
                                       size_t mstar, size_t n, size_t d, double sigma,
                                       uint64_t seed, uint64_t instance, uint64_t x_stream,
                                       uint64_t noise_stream);

/* Test risk E (f(x) - f_t(x))^2 (noise-free) on n_test fresh inputs of
 * FATE_MLP_STREAM_X_TEST (processed in blocks of 4096 rows): *risk the mean,
 * *se (may be NULL) its standard error sd/sqrt(n_test) (n_test >= 2). */
FATE_API fate_status fate_mlp_test_risk(double *risk, double *se, const double *W,
                                        const double *c, const fate_mlp_shape *shape,
                                        const double *V, const double *a, size_t mstar,
                                        size_t n_test, uint64_t seed, uint64_t instance);

/* ------------------------------------------------------------------------ */
/* Protocols (src/mlp_protocol.c)                                            */
/* ------------------------------------------------------------------------ */

typedef struct fate_relu_spec {
    size_t d, mstar, m;      /* defaults 100, 100, 1000 */
    fate_act act;            /* student activation (default relu) */
    fate_mlp_scaling scaling;/* default mean field */
    int single_index;        /* nonzero: teachers relu(beta.x) at angle theta */
    double mu;               /* fraction of teacher neurons removed, [0, 1] */
    double theta;            /* single-index angle, [0, pi] */
    size_t n;                /* target samples (>= 1) */
    size_t n_src;            /* source samples (fixed set; >= 1) */
    double sigma, sigma_src; /* label noise (>= 0) */
    double lambda, rcond;    /* ridge of linear transfer, pseudo-inverse cut-off */
    double w_init, c_init;   /* init scales of fate_mlp_init */
    fate_mlp_gd_config gd;   /* every training (seed/instance overwritten) */
    size_t n_test;           /* fresh test inputs (>= 2) */
    uint64_t seed;
    unsigned methods;        /* FATE_METHOD_* bits of fate.h: SCRATCH, LT, FT
                                and LPFT (the others are refused) */
    int online_src;          /* nonzero: pretraining takes a fresh batch of
                                n_src source samples at every step (online GD
                                on the population) instead of one fixed set */
    double pperp_rcond;      /* cut-off of the student's |P_perp f_t|^2
                                (fate_relu_pperp_student), in [0, 1) */
    int optimize_pretrain;   /* 0 (default): pretraining is plain GD whatever
                                gd.optimizer says (in the rich regime the
                                learned features depend on the trajectory,
                                and the theory's is gradient flow); nonzero:
                                pretraining uses gd.optimizer too. gd.precision
                                applies to every training. */
    size_t pretrain_steps;   /* pretraining's step budget; 0 (default):
                                gd.max_steps, the budget of the others */
    double pretrain_lr;      /* pretraining's base rate (>= 0); 0 (default):
                                gd.lr. With another optimizer for the target
                                trainings (an Adam lr is no GD rate) this keeps
                                pretraining where it was. */
} fate_relu_spec;

typedef struct fate_relu_method_result {
    double risk, risk_se;    /* test risk vs the target (pretraining: vs the
                                source teacher) and its standard error */
    double train_loss;
    size_t steps;
    int converged;
    double lr_eff;
    double w_move;           /* |W - W_start|_F / |W_start|_F: how far the
                                first layer moved during this method's
                                training from where it started (scratch: its
                                init; ft, lpft: the pretrained W); 0 for lt
                                (W frozen), NaN for pretraining (not kept) */
} fate_relu_method_result;

typedef struct fate_relu_result {
    fate_relu_method_result pretrain, scratch, lt, ft;
    size_t lt_rank;          /* readout directions kept by linear transfer */
    double target_norm2;     /* |f_t|^2 = a^T G_tt a */
    double pperp_student;    /* |P_perp f_t|^2 in the pretrained student's
                                features, fate_relu_pperp_student (NaN unless
                                act is relu) */
    double pperp_source;     /* ... in the source teacher's neurons */
    fate_relu_method_result lpft; /* LP-FT (FATE_METHOD_LPFT): the readout
                                refitted exactly as lt, then every weight
                                fine-tuned as ft from there (simulation only:
                                no theory) */
} fate_relu_result;

/* Defaults: d 100, mstar 100, m 1000, relu, mean field, mu 0.5, theta pi/4,
 * n 100, n_src 4000 (fixed set), sigma 0, sigma_src 0, lambda 0, rcond 1e-6,
 * w_init 1, c_init 1e-3, fate_mlp_gd_default, n_test 10000, seed 1, all
 * methods, pperp_rcond 1e-3. */
FATE_API void fate_relu_spec_default(fate_relu_spec *spec);
/* NULL if valid, else a static message naming the bad field. Every array of
 * a run must hold at most INT_MAX elements (BLAS int sizes): m, mstar <=
 * 46340, and m d, mstar d, and n, n_src, min(n_test, 4096) times max(d, m,
 * mstar). With single_index and d = 1, theta must be 0 or pi. */
FATE_API const char *fate_relu_spec_check(const fate_relu_spec *spec);

/* Pretraining alone, as fate_relu_run_instance does it for (spec, instance):
 * W (m, d) and c (m) receive the pretrained network, *r its report (risk vs
 * the source teacher), *pperp_student (may be NULL) the target's part outside
 * its features (NaN unless act is relu). Online pretraining (online_src):
 * step t trains on rows [t n_src, (t+1) n_src) of the endless source stream
 * FATE_MLP_STREAM_X_ONLINE (noise FATE_MLP_STREAM_NOISE_ONLINE); it stops
 * when a batch loss is <= gd.tol, or when the mean batch loss of the last
 * window steps fell by <= gd.rel_tol of the window before (checked every
 * window steps), or after gd.max_steps. */
FATE_API fate_status fate_relu_pretrain(double *W, double *c, fate_relu_method_result *r,
                                        double *pperp_student, const fate_relu_spec *spec,
                                        uint64_t instance, size_t *failed_step);

/* One instance: teachers, source set (n_src rows of FATE_MLP_STREAM_X_SOURCE),
 * target set (n rows of FATE_MLP_STREAM_X_TARGET); pretraining (from
 * init of FATE_MLP_STREAM_INIT_PRETRAIN) runs whenever LT, FT or LPFT is asked;
 * scratch from FATE_MLP_STREAM_INIT_SCRATCH; LT refits c on the pretrained W;
 * FT trains all weights from the pretrained network; LPFT refits the readout as
 * LT does, then trains all weights as FT from that network. W_pre (m, d) and c_pre
 * (m) receive the pretrained network when non-NULL. On FATE_EDIVERGED
 * *failed_method (0 for pretraining) and *failed_step are set (may be NULL). */
FATE_API fate_status fate_relu_run_instance(fate_relu_result *out, double *W_pre,
                                            double *c_pre, const fate_relu_spec *spec,
                                            uint64_t instance, unsigned *failed_method,
                                            size_t *failed_step);

/* What the pretrained network (W (m, d), c (m): e.g. fate_relu_run_instance's
 * W_pre, c_pre) makes of instance `instance`'s target set (the same teachers
 * and draws as fate_relu_run_instance): X (n, d) and y (n) the target set
 * (each may be NULL), Phi (n, m) = s_m act(X W^T) the hidden features that
 * linear transfer refits the readout on (f = Phi c), f_src (n, may be NULL)
 * the network's output. For the transferability scores (fate_score.h;
 * src/mlp_features.c). FATE_EINVAL as fate_relu_spec_check. */
FATE_API fate_status fate_relu_transfer_features(double *X, double *y, double *Phi, double *f_src,
                                                 const double *W, const double *c, const fate_relu_spec *spec,
                                                 uint64_t instance);

/* ------------------------------------------------------------------------ */
/* Sweeps over (overlap, n) (src/mlp_sweep.c)                                */
/* ------------------------------------------------------------------------ */
/* The overlap axis is mu (fraction of teacher neurons removed from the
 * source) or, for single-index teachers, the angle theta. The target teacher
 * and the target sets do not depend on the overlap, so scratch runs once per
 * (n, instance) and pretraining once per (overlap, instance); linear transfer,
 * fine-tuning and LP-FT run per (overlap, n, instance). Every stage is a pure
 * function of its indices: results do not depend on threads or order. */

typedef struct fate_relu_sweep {
    fate_relu_spec base;      /* all but mu/theta and n, which the grid sets */
    const double *overlaps;   /* (n_overlaps): mu in [0, 1], or theta in [0, pi] */
    size_t n_overlaps;
    const size_t *ns;         /* (n_ns) target sample sizes >= 1 */
    size_t n_ns;
    size_t instances;         /* K >= 1 */
    int threads;              /* OpenMP threads, [0, FATE_MAX_THREADS]; 0: default */
} fate_relu_sweep;

/* A finished cell; arrays (instances) owned by the sweep, valid during the
 * call only; NULL for a method not run. */
typedef struct fate_relu_cell {
    size_t overlap_index, n_index;
    double overlap;
    size_t n, instances;
    const fate_relu_method_result *pretrain, *scratch, *lt, *ft;
    const size_t *lt_rank;
    const double *pperp_student, *pperp_source, *target_norm2;
    const fate_relu_method_result *lpft;
} fate_relu_cell;

typedef struct fate_relu_sweep_hooks {
    void *ctx;
    /* nonzero: cell (overlap_index, n_index) is already done (resume) */
    int (*skip)(void *ctx, size_t overlap_index, size_t n_index);
    /* serialised; nonzero return stops the sweep */
    int (*cell_done)(void *ctx, const fate_relu_cell *cell);
    /* polled between work items from several threads (must be thread-safe) */
    int (*should_stop)(void *ctx);
    /* work items done out of total; serialised */
    void (*progress)(void *ctx, size_t done, size_t total);
} fate_relu_sweep_hooks;

/* NULL if valid, else a static message naming the bad field. */
FATE_API const char *fate_relu_sweep_check(const fate_relu_sweep *sweep);

/* Runs every cell not skipped. FATE_EINTERRUPTED when stopped by a hook;
 * FATE_EDIVERGED with err (fate_sweep_error of fate.h: gamma_index is the n
 * index, theta_index the overlap index) when a training diverged. */
FATE_API fate_status fate_relu_sweep_run(const fate_relu_sweep *sweep,
                                         const fate_relu_sweep_hooks *hooks,
                                         fate_sweep_error *err);

/* ------------------------------------------------------------------------ */
/* Theory (src/mlp_theory.c): THEORY.md section 5                            */
/* ------------------------------------------------------------------------ */

/* The arc-cosine kernel k(u) = (sqrt(1-u^2) + u (pi - arccos u)) / (2 pi) =
 * E[relu(w.x) relu(w'.x)] for unit w, w' with cosine u, x ~ N(0, I).
 * u is clamped to [-1, 1]; k(1) = 1/2, k(0) = 1/(2 pi), k(-1) = 0. NaN -> NaN. */
FATE_API double fate_relu_arccos_kernel(double u);

/* G (na, nb): G_ij = E[relu(a_i.x) relu(b_j.x)] = |a_i| |b_j| k(cos(a_i, b_j))
 * (relu is 1-homogeneous; 0 when a row is zero). A: (na, d), B: (nb, d). */
FATE_API fate_status fate_relu_gram(double *G, const double *A, size_t na, const double *B,
                                    size_t nb, size_t d);

/* |P_perp f_t|^2: the squared L2(N(0, I)) norm of the part of the teacher
 * f_t = sum_j a_j relu(v_j.x) outside the span of the features relu(f_i.x),
 * i < nf (rows of F (nf, d), any norms: a row's norm only rescales its
 * feature, so raw pretrained student rows w_i or source-teacher neurons can
 * be passed as they are):
 *     a^T G_tt a - (G_st a)^T G_ss^+ (G_st a),
 * G_ss = gram(F, F), G_st = gram(F, V), G_tt = gram(V, V). G_ss^+ is the
 * pseudo-inverse through its eigendecomposition keeping eigenvalues
 * > rcond * the largest (rcond in [0, 1), e.g. 1e-10; features of tiny norm
 * fall below the cut-off and count as absent). Clamped at >= 0. *rank (may be
 * NULL) gets the eigen-directions kept; nf = 0 gives |f_t|^2. V: (mstar, d),
 * a: (mstar). */
FATE_API fate_status fate_relu_pperp(double *pperp, size_t *rank, const double *F, size_t nf,
                                     const double *V, const double *a, size_t mstar,
                                     size_t d, double rcond);

/* |P_perp f_t|^2 in the feature space of a trained student (W (m, d), c (m)):
 * fate_relu_pperp with the features c_i relu(w_i.x), i.e. rows |c_i| w_i, and
 * cut-off rcond. Why weighted by the readout: after rich pretraining nearly
 * all of the network's function is carried by neurons condensed on the
 * source teacher's directions, but neurons the readout ignores (near-dead or
 * stragglers at their initial directions) still add directions to the raw
 * span; weighting by |c_i| and cutting eigenvalues below rcond * the largest
 * keeps the features the pretrained function is made of. With rcond -> 0 it
 * tends to the raw span of the neurons (fate_relu_pperp on W). */
FATE_API fate_status fate_relu_pperp_student(double *pperp, size_t *rank, const double *W,
                                             const double *c, size_t m, const double *V,
                                             const double *a, size_t mstar, size_t d,
                                             double rcond);

/* Least-squares fit of log R = log A - p log n over k >= 2 points (n, R > 0).
 * *A, *p the fit; *A_se, *p_se (may be NULL) standard errors from the
 * residual variance with k - 2 degrees of freedom (NaN for k = 2), A's by the
 * delta method A_se = A * se(log A). */
FATE_API fate_status fate_relu_powerlaw_fit(double *A, double *p, double *A_se, double *p_se,
                                            const double *n, const double *R, size_t k);

/* The predicted phase boundary n* where A n^-p = pperp: (A / pperp)^(1/p);
 * +INFINITY when pperp <= 0, NaN for A <= 0 or p <= 0. */
FATE_API double fate_relu_boundary(double A, double p, double pperp);

#ifdef __cplusplus
}
#endif
#endif /* FATE_MLP_H */
