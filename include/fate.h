/*
 * fate.h - public API of libfate: transfer learning in deep linear networks,
 * simulated exactly and compared with its closed-form theory.
 *
 * Theory: Tahir, Ganguli and Rotskoff, "Features are fate: a theory of transfer
 * learning in high-dimensional regression", ICML 2025 (arXiv 2410.08194).
 *
 * Conventions (all of them hold for every function below):
 *  - Functions return a fate_status; results go into caller-owned buffers or
 *    caller-owned plain structs. The library never prints and never exits.
 *  - Sizes are size_t. Matrices are dense, row-major, double precision.
 *  - Randomness is counter-based (Random123 Philox4x64), keyed by
 *    (seed, instance, stream) and indexed by element: a result never depends on
 *    the number of threads or processes that computed it.
 *  - Every struct is plain data (no hidden pointers), so that a Python ctypes
 *    binding can mirror it field by field.
 */
#ifndef FATE_H
#define FATE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Symbols of the public API are exported from the shared library; everything
 * else in libfate is hidden (built with -fvisibility=hidden). */
#ifndef FATE_API
#define FATE_API __attribute__((visibility("default")))
#endif

#define FATE_VERSION_MAJOR 0
#define FATE_VERSION_MINOR 1
#define FATE_VERSION_PATCH 0
#define FATE_VERSION "0.1.0"

/* The version string of the library actually linked (may differ from the
 * header's FATE_VERSION if the two were installed separately). */
FATE_API const char *fate_version(void);

/* ------------------------------------------------------------------------ */
/* Status codes                                                              */
/* ------------------------------------------------------------------------ */

typedef enum fate_status {
    FATE_OK = 0,
    FATE_EINVAL = 1,    /* an argument is out of range (see fate_spec_check) */
    FATE_ENOMEM = 2,    /* allocation failed */
    FATE_EDIVERGED = 3, /* training produced NaN/inf or a growing loss */
    FATE_ENUMERIC = 4,  /* a LAPACK factorisation failed */
    FATE_EIO = 5,       /* a file could not be read or written */
    FATE_EINTERRUPTED = 6, /* a sweep was stopped by its caller (e.g. on SIGINT) */
    FATE_EDOMAIN = 7    /* valid input for which the quantity is undefined (e.g. a
                           score that needs two classes given one; fate_score.h) */
} fate_status;

/* A static, human-readable description of a status code. */
FATE_API const char *fate_strerror(fate_status status);

/* The thread count of the BLAS library fate links (OpenBLAS; other BLAS
 * libraries report 1 and ignore the call), for callers that run fate's
 * functions from their own parallel loops: set it to 1 around such a loop, as
 * fate_run and the sweeps do inside theirs, so that threads do not multiply
 * and sums do not depend on the thread count. Sets n when n >= 1 and returns
 * the count before the call. */
FATE_API int fate_blas_threads(int n);

/* ------------------------------------------------------------------------ */
/* Counter-based random numbers (src/rng.c)                                  */
/* ------------------------------------------------------------------------ */

/* Streams used by the task generator; every random object of an experiment is
 * drawn from its own stream so that, e.g., the target inputs X and the target
 * teacher of one (seed, instance) are the same whatever theta, sigma or the
 * methods run. */
typedef enum fate_stream {
    FATE_STREAM_TEACHER = 1,      /* beta_t (independent of theta) */
    FATE_STREAM_ORTHOGONAL = 2,   /* nu, beta_s = cos(theta) beta_t + sin(theta) nu */
    FATE_STREAM_X_TARGET = 3,     /* target inputs, row-major n x d */
    FATE_STREAM_NOISE_TARGET = 4, /* target label noise */
    FATE_STREAM_X_SOURCE = 5,     /* finite-source inputs */
    FATE_STREAM_NOISE_SOURCE = 6, /* finite-source label noise */
    FATE_STREAM_INIT_PRETRAIN = 7,
    FATE_STREAM_INIT_SCRATCH = 8,
    FATE_STREAM_SOURCE_BASIS = 9, /* b_2..b_k of a k-output source (fate_spec.k) */
    FATE_STREAM_INIT_HEADS = 10,  /* the pretrained heads 2..k */
    FATE_STREAM_NOISE_SOURCE_K = 11, /* label noise of a finite k-output source */
    FATE_STREAM_USER = 1000       /* first stream free for callers */
} fate_stream;

/* Element i of the standard normal sequence keyed by (seed, instance, stream).
 * Philox4x64-10 maps the counter (stream, i/4) under key (seed, instance) to
 * four 64-bit words; their top 53 bits give uniforms u in (0,1), and the
 * Box-Muller transform z = sqrt(-2 ln u1) (cos 2 pi u2, sin 2 pi u2) turns each
 * pair into two independent N(0,1). */
FATE_API double fate_normal_at(uint64_t seed, uint64_t instance, uint64_t stream, uint64_t i);

/* out[j] = element (offset + j) of that sequence, j < count. */
FATE_API void fate_normal_fill(double *out, size_t count, uint64_t seed, uint64_t instance,
                      uint64_t stream, uint64_t offset);

/* Uniform in (0,1): element i of the uniform sequence of (seed, instance, stream). */
FATE_API double fate_uniform_at(uint64_t seed, uint64_t instance, uint64_t stream, uint64_t i);

/* ------------------------------------------------------------------------ */
/* Tasks (src/task.c): THEORY.md section 1                                   */
/* ------------------------------------------------------------------------ */

/* Source and target teachers of one instance: unit vectors at angle theta,
 * <beta_s, beta_t> = cos(theta), otherwise uniformly random (THEORY.md
 * section 1). beta_t is uniform on the sphere and independent of theta; nu is
 * a uniform unit vector orthogonal to it and beta_s = cos(theta) beta_t +
 * sin(theta) nu. This is THEORY.md's joint law, drawn so that the target task
 * (and its data) is the same at every theta of a sweep. d = 1 has no
 * orthogonal direction: only theta = 0 or pi is accepted there (FATE_EINVAL
 * otherwise). beta_s, beta_t: (d). */
FATE_API fate_status fate_teachers(double *beta_s, double *beta_t, size_t d, double theta,
                          uint64_t seed, uint64_t instance);

/* A data set y = X beta + sigma eps with X ~ N(0, I_d) row-wise.
 * X: (n, d) row-major; y: (n). x_stream/noise_stream choose the streams; row i
 * of X depends only on (seed, instance, x_stream, i), so a data set of n rows
 * is a prefix of one of n' > n rows. */
FATE_API fate_status fate_dataset(double *X, double *y, const double *beta, size_t n, size_t d,
                         double sigma, uint64_t seed, uint64_t instance,
                         uint64_t x_stream, uint64_t noise_stream);

/* Sufficient statistics of squared loss: S = X^T X / n (d, d), b = X^T y / n (d),
 * *yy = y.y / n. The empirical loss is (1/n)|X beta - y|^2
 * = beta^T S beta - 2 b.beta + yy, so gradient descent needs nothing else. */
FATE_API fate_status fate_suffstats(double *S, double *b, double *yy, const double *X,
                           const double *y, size_t n, size_t d);

/* Minimum of beta^T S beta - 2 b.beta + yy over beta: 0 when n <= d (X has full
 * row rank almost surely, so the data can be interpolated), otherwise
 * yy - b^T S^{-1} b by Cholesky. */
FATE_API fate_status fate_min_loss(double *loss_min, const double *S, const double *b, double yy,
                          size_t n, size_t d);

/* ------------------------------------------------------------------------ */
/* Deep linear network (src/dln.c): THEORY.md section 2                      */
/* ------------------------------------------------------------------------ */

/* f(x) = x^T W_1 W_2 ... W_{L-1} w_L with W_1 (d, k), W_l (k, k) for
 * 1 < l < L, w_L (k). All layers live in one caller-owned array of
 * fate_dln_nparams() doubles, layer after layer, each row-major. */
typedef struct fate_dln_shape {
    size_t d;     /* input dimension */
    size_t width; /* hidden width k (>= 1) */
    size_t depth; /* number of weight layers L (>= 2) */
} fate_dln_shape;

FATE_API size_t fate_dln_nparams(const fate_dln_shape *shape);
/* Offset of layer l (1 <= l <= L) inside the parameter array. */
FATE_API size_t fate_dln_offset(const fate_dln_shape *shape, size_t l);

/* Small initialisation: W_1 ~ alpha N(0,1)/sqrt(d), W_l ~ alpha N(0,1)/sqrt(k)
 * for 1 < l < L, w_L ~ alpha N(0,1). params: (nparams). */
FATE_API fate_status fate_dln_init(double *params, const fate_dln_shape *shape, double alpha,
                          uint64_t seed, uint64_t instance, uint64_t stream);

/* The end-to-end vector beta_hat = W_1 ... W_{L-1} w_L. beta: (d). */
FATE_API fate_status fate_dln_product(double *beta, const double *params, const fate_dln_shape *shape);

/* The feature map P = W_1 ... W_{L-1}. P: (d, k). */
FATE_API fate_status fate_dln_features(double *P, const double *params, const fate_dln_shape *shape);

/* Layer balance: max over l < L of ||W_l^T W_l - W_{l+1} W_{l+1}^T||_F (with
 * W_L = w_L as a k x 1 matrix). Conserved by gradient flow; 0 for balanced nets. */
FATE_API fate_status fate_dln_balance(double *balance, const double *params, const fate_dln_shape *shape);

/* Gradient of the loss beta^T S beta - 2 b.beta + yy with respect to every
 * layer (THEORY.md section 2): with g = S beta - b, dL/dW_l =
 * 2 (W_1..W_{l-1})^T g (W_{l+1}..w_L)^T. S == NULL means S = I (population
 * loss |beta - b|^2 up to a constant). grad: (nparams); *loss gets the loss. */
FATE_API fate_status fate_dln_grad(double *grad, double *loss, const double *params,
                          const fate_dln_shape *shape, const double *S, const double *b,
                          double yy);

/* Reference gradient through per-sample forward and backward passes over the
 * raw data (no sufficient statistics): loss (1/n) sum_i (f(x_i) - y_i)^2.
 * X: (n, d), y: (n), grad: (nparams). O(n L k d) per call; for tests. */
FATE_API fate_status fate_dln_grad_samples(double *grad, double *loss, const double *params,
                                  const fate_dln_shape *shape, const double *X,
                                  const double *y, size_t n);

/* ------------------------------------------------------------------------ */
/* Gradient descent (src/train.c)                                            */
/* ------------------------------------------------------------------------ */

typedef struct fate_gd_config {
    double lr;          /* learning rate; <= 0: automatic, 0.4 / (L lambda_max(S)
                           max(1, |beta|^(2(L-1)/L))) re-evaluated every step */
    size_t max_epochs;  /* full-batch steps at most */
    double tol;         /* stop when loss <= loss_min + tol */
    double loss_min;    /* minimum achievable loss (fate_min_loss) */
    double weight_decay;/* adds weight_decay |params|^2 to the loss (0: none); then
                           GD stops at |grad|^2 <= tol once the objective has
                           fallen below 0.9 of its initial value */
} fate_gd_config;

typedef struct fate_gd_report {
    double loss0;        /* loss at the initial point */
    double loss;         /* loss at the end */
    double lr;           /* learning rate used (automatic: its base 0.4/(L lambda_max)) */
    size_t steps;        /* steps taken */
    int converged;       /* loss <= loss_min + tol reached */
    int on_saddle;       /* ended having removed less than half of the
                            reducible loss: still at the small-init saddle */
    size_t diverged_step;/* step at which NaN/inf or blow-up was detected */
} fate_gd_report;

/* Largest eigenvalue of S (power iteration; 1 when S == NULL). */
FATE_API double fate_lambda_max(const double *S, size_t d);

/* Full-batch gradient descent on beta^T S beta - 2 b.beta + yy (S == NULL:
 * identity) from params, updated in place. Returns FATE_EDIVERGED (with
 * report->diverged_step set) if the loss becomes NaN/inf or exceeds
 * 1e3 x max(loss0, 1). */
FATE_API fate_status fate_dln_train(double *params, fate_gd_report *report,
                           const fate_dln_shape *shape, const double *S,
                           const double *b, double yy, const fate_gd_config *config);

/* The same descent computed from raw samples with per-sample passes (the
 * naive reference path; identical trajectory up to rounding). */
FATE_API fate_status fate_dln_train_samples(double *params, fate_gd_report *report,
                                   const fate_dln_shape *shape, const double *X,
                                   const double *y, size_t n, const fate_gd_config *config);

/* ------------------------------------------------------------------------ */
/* Linear transfer (src/transfer.c)                                          */
/* ------------------------------------------------------------------------ */

/* Refit the last layer on frozen features P = W_1..W_{L-1} by ridge:
 * minimise (1/n)|X P w - y|^2 + lambda |w|^2 (penalty n lambda on the sum of
 * squares). Directions of P with singular value <= rcond * sigma_1(P) are
 * treated as absent, so lambda = 0 is well defined for the (numerically)
 * rank-one features left by pretraining. params' last layer is overwritten;
 * *rank gets the number of feature directions kept. */
FATE_API fate_status fate_linear_transfer(double *params, size_t *rank, const fate_dln_shape *shape,
                                 const double *S, const double *b, double lambda,
                                 double rcond);

/* ------------------------------------------------------------------------ */
/* Experiments (src/experiment.c)                                            */
/* ------------------------------------------------------------------------ */

enum {
    FATE_METHOD_SCRATCH = 1u << 0, /* train all layers from small init on target */
    FATE_METHOD_LT = 1u << 1,      /* linear transfer: refit last layer (ridge) */
    FATE_METHOD_FT = 1u << 2,      /* fine-tune all layers from pretrained weights */
    FATE_METHOD_LPFT = 1u << 3,    /* linear probe (lt), then fine-tune all layers */
    FATE_METHOD_L2SP = 1u << 4,    /* parameter transfer: ridge toward the pretrained map */
    FATE_METHOD_RIDGE = 1u << 5,   /* baseline: ridge on the target at the optimal lambda */
    FATE_METHOD_RIDGE_CV = 1u << 6, /* baseline: ridge, lambda by leave-one-out on the target */
    FATE_METHOD_EARLY_STOP = 1u << 7, /* baseline: scratch stopped at the step of least risk (oracle) */
    FATE_METHOD_L2SP_W = 1u << 8      /* GD from the pretrained weights, each layer pulled
                                         toward its pretrained value (weight-level L2-SP) */
};
#define FATE_METHODS_ALL 511u
/* The methods a sweep (fate_sweep_run) runs: all but l2sp_w. */
#define FATE_SWEEP_METHODS 255u
/* The word of one FATE_METHOD_* bit ("scratch", "lt", "ft", "lpft", "l2sp",
 * "ridge", "ridge_cv", "early_stop", "l2sp_w": the CLI's and Python's names),
 * NULL for anything else. */
FATE_API const char *fate_method_name(unsigned method);
/* fate_spec.l2sp_lambda: the oracle-optimal ridge of parameter transfer,
 * fate_theory_ridge_lambda_opt at the cell's psi = d/n, sigma and mean
 * squared distance E|beta_t - beta_s_hat|^2 (THEORY.md section 8). */
#define FATE_LAMBDA_OPT (-1.0)

typedef struct fate_spec {
    size_t d;            /* input dimension, [1, 46340] (see below) */
    size_t depth;        /* L (>= 2) */
    size_t width;        /* hidden width k, [1, 46340]; 0 means d */
    size_t n;            /* target samples (>= 1) */
    double theta;        /* angle between teachers, [0, pi]; 0 or pi when d = 1 */
    double sigma;        /* target label noise (>= 0) */
    size_t n_src;        /* source samples; 0: infinite source (population loss) */
    double sigma_src;    /* source label noise (>= 0) */
    double lambda;       /* ridge of linear transfer (>= 0) */
    double rcond;        /* feature rank cut-off of linear transfer, (0, 1) */
    double init_scale;   /* alpha > 0; 0: fate_default_init_scale(depth) */
    double lr;           /* > 0; 0: automatic per training (see fate_gd_config) */
    size_t max_epochs;   /* per training */
    double tol;          /* early stopping: loss <= min loss + tol */
    double weight_decay; /* of scratch training (0: none) */
    uint64_t seed;
    unsigned methods;    /* FATE_METHOD_* bits */
    double source_scale; /* |beta_s| = a_s > 0; 0 means 1 (fate_teachers' unit teachers) */
    double target_scale; /* |beta_t| = a_t > 0; 0 means 1. The tasks of fate distance's
                            scale and near-useless families (THEORY.md section 4) */
    double l2sp_lambda;  /* ridge of parameter transfer (FATE_METHOD_L2SP), >= 0, or
                            FATE_LAMBDA_OPT (the default) */
    /* Task geometry beyond one angle (THEORY.md sections 10 and 11). */
    size_t k;            /* source teachers = pretrained outputs, 0 or 1: the paper's one;
                            k >= 2: B_s = [b_1 .. b_k] orthonormal, b_1 the source teacher at
                            angle theta from beta_t, b_2..b_k orthogonal to beta_t and b_1, so
                            theta is the angle between beta_t and span(B_s) (rho_par =
                            cos^2 theta); k <= d - 1, or k <= d when theta is 0 or pi */
    const double *spectrum; /* (d) eigenvalues of Sigma, x ~ N(0, Sigma) in Sigma's eigenbasis,
                            each > 0 and finite; NULL: Sigma = I. Risks are |beta - beta_t|_Sigma^2.
                            Read, never copied: it must outlive every call with this spec */
    unsigned align;      /* FATE_ALIGN_*: where the teachers sit in Sigma's eigenbasis (read only
                            with a spectrum) */
} fate_spec;

/* fate_spec.align. TOP: beta_t = e_1, beta_s = cos(theta) e_1 + sin(theta) e_2
 * (the largest eigenvalues first, as fate_spectrum_* order them); TAIL: beta_t =
 * e_d, beta_s = cos(theta) e_d + sin(theta) e_{d-1}; RANDOM: fate_teachers' uniform
 * teachers (THEORY.md section 11). TOP and TAIL need d >= 2 unless theta is 0 or pi. */
#define FATE_ALIGN_RANDOM 0u
#define FATE_ALIGN_TOP 1u
#define FATE_ALIGN_TAIL 2u

/* One method's outcome on one instance. */
typedef struct fate_method_result {
    double risk;          /* |beta_hat - beta_t|^2 */
    double train_loss;    /* final empirical loss */
    double loss_min;      /* minimum achievable empirical loss */
    size_t steps;         /* GD steps (0 for closed-form linear transfer) */
    int converged;
    int on_saddle;
    double balance;       /* fate_dln_balance of the final weights */
    double lr;            /* learning rate used (0 when no GD) */
} fate_method_result;

typedef struct fate_instance_result {
    fate_method_result pretrain; /* risk here is |beta_hat - beta_s|^2 */
    fate_method_result scratch, lt, ft;
    size_t feature_rank;  /* directions kept by linear transfer */
    double feature_sv1;   /* top two singular values of the pretrained */
    double feature_sv2;   /*   feature map W_1..W_{L-1} */
    double ft_c;          /* fine-tuning coefficient c: projection of the
                             final beta_ft - beta_sc on (I-P) beta_s_hat,
                             divided by |(I-P) beta_s_hat|^2 */
    fate_method_result lpft, l2sp;
    double lpft_c;        /* the same coefficient after LP-FT */
    double l2sp_lambda;   /* the ridge parameter transfer used */
    fate_method_result ridge, ridge_cv;
    double ridge_cv_lambda; /* the ridge leave-one-out chose */
    fate_method_result early_stop; /* scratch's least risk over its steps (steps: that step;
                                      balance NaN at depth >= 3) */
    size_t early_stop_step;        /* the step where it occurred */
    fate_method_result l2sp_w; /* weight-level L2-SP at l2sp_lambda (simulation only) */
} fate_instance_result;

/* Defaults: d = 100, depth 2, width d, n = 50, theta = pi/4, sigma = 0.2,
 * infinite source, lambda = 0, rcond = 1e-2, init_scale automatic, lr
 * automatic, 10000 epochs, tol 1e-6, seed 1, the paper's three methods
 * (scratch, lt, ft), l2sp_lambda FATE_LAMBDA_OPT. */
FATE_API void fate_spec_default(fate_spec *spec);

/* NULL if spec is valid, else a static message naming the bad field and its
 * valid range (for example "theta must be in [0, pi]"). BLAS and LAPACK take
 * int sizes, so every array of a run must hold at most INT_MAX elements:
 * d x d and k x k (d, k <= 46340), n x d, n_src x d and all the network's
 * parameters (fate_dln_nparams); larger sizes are refused here rather than
 * overflowing. */
FATE_API const char *fate_spec_check(const fate_spec *spec);

/* The init scale used when spec.init_scale <= 0: 1e-5 for depth 2 (the
 * paper's rich regime); for depth L >= 3 the time to leave the saddle grows
 * like alpha^-(L-2), so the default grows with depth: 1e-2 (L = 3), 5e-2
 * (L = 4), 8e-2 (L = 5), 0.1 (L >= 6). */
FATE_API double fate_default_init_scale(size_t depth);

/* Run every requested method on instance `instance`: draw the task, pretrain
 * (population loss or finite source), then scratch, linear transfer,
 * fine-tuning, LP-FT and parameter transfer on the same target set. On FATE_EDIVERGED, *failed_method (if
 * non-NULL) gets the FATE_METHOD_* bit (0 for pretraining) and *failed_step
 * the step. */
FATE_API fate_status fate_run_instance(fate_instance_result *out, const fate_spec *spec,
                              uint64_t instance, unsigned *failed_method,
                              size_t *failed_step);

/* What the pretrained network of instance `instance` makes of its target set
 * (the same stages and draws as fate_run_instance; transferability scores read
 * these, fate_score.h): X (n, d) the target inputs and y (n) its labels (each
 * may be NULL); Z (n, r) row-major, r <= min(d, width) written to *r, the
 * network's features W_{L-1} .. W_1 x_i in the basis linear transfer fits its
 * head on (the top singular directions above rcond, scaled by their singular
 * values: r = 1 for the paper's rank-one map, k with k source teachers; Z must
 * hold n min(d, width) doubles); f_src (n) the source network's output x_i .
 * beta_pre (may be NULL). n = spec->n, d = spec->d. FATE_EINVAL as
 * fate_spec_check; pretraining's own failures as fate_run_instance. */
FATE_API fate_status fate_transfer_features(double *X, double *y, double *Z, size_t *r, double *f_src,
                                            const fate_spec *spec, uint64_t instance);

/* The most OpenMP threads any fate call accepts: more threads than this are
 * refused with FATE_EINVAL rather than letting libgomp end the process when
 * it cannot create them. */
#define FATE_MAX_THREADS 1024

/* Instances first .. first+count-1 in parallel on `threads` OpenMP threads
 * (0: the OpenMP default; at most FATE_MAX_THREADS, else FATE_EINVAL).
 * out: (count). Bit-identical for every thread
 * count. Stops at the first error (lowest instance index reported).
 * OpenBLAS runs single-threaded inside (no oversubscription); its previous
 * thread count is restored before returning. fate_sweep_run does the same. */
FATE_API fate_status fate_run(fate_instance_result *out, const fate_spec *spec, uint64_t first,
                     size_t count, int threads, unsigned *failed_method,
                     size_t *failed_step, uint64_t *failed_instance);

/* ------------------------------------------------------------------------ */
/* Learning curves (src/trajectory.c)                                        */
/* ------------------------------------------------------------------------ */

/* One record of a learning curve. */
typedef struct fate_traj_point {
    unsigned method;   /* FATE_METHOD_* bit; 0 for pretraining */
    size_t step;       /* GD updates made (closed forms: 0; early_stop: its step) */
    double risk;       /* |beta - beta_t|^2 (pretraining: |beta - beta_s|^2) */
    double train_loss; /* the objective GD descends (closed forms: the method's train_loss) */
    double balance;    /* fate_dln_balance (NaN where a method has no weights) */
    double c;          /* ft, lpft: the coefficient of (I-P) beta_s_hat in beta (n < d); else NaN */
} fate_traj_point;

/* An upper bound on the records of fate_run_trajectory for spec and every:
 * (max_epochs / every + 2) per GD training, one per closed-form method; 0
 * when every is 0, spec is invalid or the count overflows. */
FATE_API size_t fate_trajectory_cap(const fate_spec *spec, size_t every);

/* The learning curves of instance `instance` of fate_run_instance's
 * experiment, the same trainings bit for bit: pretraining (when a method
 * uses it), scratch, ft and lpft at step 0, every `every` (>= 1) updates
 * and the last step; lt, l2sp, ridge and ridge_cv as their one end value
 * (step 0) and early_stop as its least risk at its step (a second scratch
 * training). Order: pretraining, then spec->methods in fate_run_instance's
 * order. *count gets the number of records; when it exceeds cap, out holds
 * the first cap and FATE_ENOMEM is returned (fate_trajectory_cap is always
 * enough). result (may be NULL) gets what fate_run_instance would report,
 * the same bit for bit. Failures as fate_run_instance's. */
FATE_API fate_status fate_run_trajectory(fate_traj_point *out, size_t cap, size_t *count,
                                         fate_instance_result *result, const fate_spec *spec, uint64_t instance,
                                         size_t every, unsigned *failed_method, size_t *failed_step);

/* fate_run_trajectory for instances first .. first+count-1 in parallel, as
 * fate_run (bit-identical for every thread count): instance i's records at
 * out + i cap, their number in counts[i], its results in results[i] (may be
 * NULL). The first failure (lowest instance) is reported. */
FATE_API fate_status fate_run_trajectories(fate_traj_point *out, size_t cap, size_t *counts,
                                           fate_instance_result *results, const fate_spec *spec, uint64_t first,
                                           size_t count, size_t every, int threads, unsigned *failed_method,
                                           size_t *failed_step, uint64_t *failed_instance);

/* Pretraining's learning curve at depth 2 with an infinite source (THEORY.md
 * section 9; src/theory_saxe.c): u = <beta, beta_s_hat> after steps[i]
 * updates (steps non-decreasing), from the balanced aligned start u0, s =
 * |beta_s|, 0 < u0 < s. discrete: GD's exact map on that manifold,
 * a <- a (1 + 2 lr_t (s - a^2)), u = a^2, lr_t = lr / max(1, u) when
 * auto_lr else lr; otherwise gradient flow at tau = lr t, Saxe's sigmoid
 * u = s e^{4 s tau} / (e^{4 s tau} - 1 + s/u0). u: (n). */
FATE_API fate_status fate_theory_saxe(double *u, const size_t *steps, size_t n, double s, double u0, double lr,
                                      int auto_lr, int discrete);
/* The start of that curve for one instance of spec (depth 2, n_src = 0,
 * else FATE_EINVAL), read off its initial weights: u0 = |W_1^T beta_s_hat +
 * w_2|^2 / 4 (the growing mode); *s = a_s, *lr and *auto_lr the rate
 * pretraining uses (automatic: 0.2). */
FATE_API fate_status fate_pretrain_u0(double *u0, double *s, double *lr, int *auto_lr, const fate_spec *spec,
                                      uint64_t instance);

/* The theory values beside one spec's simulation, at its finite size
 * (n = spec.n, d = spec.d; finite-source moments exact in n_src, d). */
typedef struct fate_spec_theory {
    double scratch;    /* fate_theory_scratch_exact */
    double lt;         /* lambda = 0: fate_theory_lt_exact_moments; lambda > 0:
                          fate_theory_lt_moments (asymptotic) */
    double ft;         /* scratch - T_ft_gf: gradient-flow c, what GD follows */
    double ft_paper;   /* scratch - T_ft: the paper's c = 1 */
    double ft_c;       /* predicted c (NaN when n >= d: no null space) */
    double T_lt, T_ft, T_ft_paper;
    double lpft;       /* LP-FT (THEORY.md section 8) */
    double lpft_c;     /* its predicted coefficient (NaN when n >= d) */
    double l2sp;       /* parameter transfer at l2sp_lambda: lambda = 0 exact
                          (fate_theory_ridge_exact), else the limit */
    double l2sp_lambda;/* the lambda used (FATE_LAMBDA_OPT resolved) */
    double T_lpft, T_l2sp;
    double ridge;      /* the ridge baseline at ridge_lambda: exact at sigma = 0
                          (lambda* = 0), else the limit */
    double ridge_lambda; /* its oracle-optimal lambda* = sigma^2 (d/n) / a_t^2 */
    double T_ridge;    /* scratch - ridge: what tuning the baseline gains */
} fate_spec_theory;

FATE_API fate_status fate_spec_theory_eval(fate_spec_theory *out, const fate_spec *spec);

/* ------------------------------------------------------------------------ */
/* Sweeps over (gamma, theta) (src/sweep.c)                                  */
/* ------------------------------------------------------------------------ */

/* A grid of cells (gamma_j, theta_t), K instances each. Work is shared as a
 * careful experimenter would: the target set and the scratch run of one
 * (n, instance) serve every theta (the target teacher does not depend on
 * theta, see fate_teachers); the pretrained network and its linear-transfer
 * basis of one (theta, instance) serve every gamma; linear transfer solves an
 * r x r system per ridge value. Results are bit-identical for any thread
 * count and any order of execution. */
typedef struct fate_sweep {
    fate_spec base;          /* all but n, theta and lambda, which the grid sets */
    const double *gammas;    /* (n_gammas), > 0; n = round(gamma d) >= 1 */
    size_t n_gammas;
    const double *thetas;    /* (n_thetas), in [0, pi] */
    size_t n_thetas;
    const double *lambdas;   /* (n_lambdas) >= 0, ridges of linear transfer */
    size_t n_lambdas;
    size_t instances;        /* K >= 1 */
    int threads;             /* OpenMP threads, [0, FATE_MAX_THREADS]; 0: default */
    unsigned baseline;       /* what T is measured against: 0 (or FATE_METHOD_SCRATCH)
                                the unregularised scratch run, the paper's; one of
                                FATE_METHOD_RIDGE, FATE_METHOD_RIDGE_CV,
                                FATE_METHOD_EARLY_STOP; or several of them: per
                                instance the lowest risk among them
                                (FATE_BASELINE_BEST). Its methods must be in
                                base.methods. */
} fate_sweep;
/* The tuned baselines T* is measured against: per instance the best. */
#define FATE_BASELINE_BEST (FATE_METHOD_RIDGE | FATE_METHOD_RIDGE_CV | FATE_METHOD_EARLY_STOP)

/* The results of one finished cell, handed to the cell_done hook; the arrays
 * are owned by the sweep and valid during the call only. A method that was
 * not requested has NULL arrays. */
typedef struct fate_cell {
    size_t gamma_index, theta_index;
    double gamma, theta;
    size_t n;
    size_t instances, n_lambdas;
    const fate_method_result *pretrain; /* (instances) */
    const fate_method_result *scratch;  /* (instances) */
    const fate_method_result *lt;       /* (instances, n_lambdas) row-major */
    const fate_method_result *ft;       /* (instances) */
    const double *ft_c;                 /* (instances) fine-tuning coefficient c */
    const fate_method_result *lpft;     /* (instances) */
    const double *lpft_c;               /* (instances) LP-FT's coefficient c */
    const fate_method_result *l2sp;     /* (instances) */
    const double *l2sp_lambda;          /* (instances) the ridge parameter transfer used */
    const fate_method_result *ridge;    /* (instances) the oracle-tuned ridge baseline */
    const fate_method_result *ridge_cv; /* (instances) */
    const double *ridge_cv_lambda;      /* (instances) the ridge leave-one-out chose */
    const fate_method_result *early_stop; /* (instances) its steps: the step it stopped at */
} fate_cell;

typedef struct fate_sweep_hooks {
    void *ctx;
    /* nonzero: the cell is already done (resume) and is not computed */
    int (*skip)(void *ctx, size_t gamma_index, size_t theta_index);
    /* a cell finished; calls are serialised (made inside an OpenMP critical
     * section, from any thread). Nonzero return stops the sweep. */
    int (*cell_done)(void *ctx, const fate_cell *cell);
    /* polled between work items, possibly from several threads at once (it
     * must be thread-safe, e.g. read a flag); nonzero stops the sweep after the
     * items in flight (finished cells are all reported first) */
    int (*should_stop)(void *ctx);
    /* work items done out of total (scratch runs, pretrainings and
     * (cell, instance) items); serialised */
    void (*progress)(void *ctx, size_t done, size_t total);
} fate_sweep_hooks;

/* Where a sweep failed. */
typedef struct fate_sweep_error {
    unsigned method;        /* FATE_METHOD_* bit, 0 for pretraining */
    size_t step;            /* GD step of a divergence */
    uint64_t instance;
    size_t gamma_index, theta_index;
} fate_sweep_error;

/* NULL if valid, else a static message naming the bad field and its range. */
FATE_API const char *fate_sweep_check(const fate_sweep *sweep);

/* Runs every cell not skipped. Returns FATE_EINTERRUPTED if should_stop or
 * cell_done asked to stop, FATE_EDIVERGED (err filled) if a training
 * diverged. hooks may be NULL. */
FATE_API fate_status fate_sweep_run(const fate_sweep *sweep, const fate_sweep_hooks *hooks,
                           fate_sweep_error *err);

/* ------------------------------------------------------------------------ */
/* Closed forms (src/theory.c): THEORY.md section 3                          */
/* ------------------------------------------------------------------------ */
/* gamma = n/d, gamma_s = n_src/d. Asymptotic forms take ratios; exact
 * finite-size forms take n and d. Values that diverge return +INFINITY;
 * arguments outside the domain return NaN. */

/* Scratch (min-norm interpolator / least squares), asymptotic:
 * (1-g) + g s^2/(1-g) for g < 1, s^2/(g-1) for g > 1. */
FATE_API double fate_theory_scratch(double gamma, double sigma);
/* Exact mean at finite size: 1 - n/d + s^2 n/(d-n-1) (n < d-1),
 * s^2 d/(n-d-1) (n > d+1), +INFINITY in between. */
FATE_API double fate_theory_scratch_exact(size_t n, size_t d, double sigma);

/* Linear transfer with lambda = 0 and infinite source, exact for n > 2:
 * sin^2 th + (sin^2 th + s^2)/(n-2). */
FATE_API double fate_theory_lt_exact(size_t n, double theta, double sigma);
/* Linear transfer with ridge, asymptotic: 1 - (1+2 lam)/(1+lam)^2 cos^2 th. */
FATE_API double fate_theory_lt_ridge(double theta, double lambda);

/* Finite source, beta_s_hat = X_s^+ y_s. Moments m = E<beta_t, beta_s_hat>
 * and q = E|beta_s_hat|^2, asymptotic (ratio) or exact (counts). For an
 * infinite source m = cos th, q = 1. */
FATE_API void fate_theory_source_moments(double *m, double *q, double theta, double gamma_src,
                                double sigma_src);
FATE_API void fate_theory_source_moments_exact(double *m, double *q, double theta, size_t n_src,
                                      size_t d, double sigma_src);
/* Linear transfer from pretrained direction with moments (m, q), asymptotic in
 * n with ridge lambda: the scalar fit b = m/(q + lambda) gives
 * 1 - 2 m^2/(q + lambda) + m^2 q/(q + lambda)^2 (= 1 - m^2/q at lambda = 0;
 * = fate_theory_lt_ridge for m = cos th, q = 1). */
FATE_API double fate_theory_lt_moments(double m, double q, double lambda);
/* Linear transfer from a finite source, asymptotic, lambda = 0: 1 - m^2/q. */
FATE_API double fate_theory_lt_source(double theta, double gamma_src, double sigma_src);
/* Finite target size n > 2, lambda = 0, source moments (m, q) plugged in:
 * r + (r + s^2)/(n-2) with r = 1 - m^2/q. Exact for an infinite source
 * (m = cos th, q = 1, giving fate_theory_lt_exact). */
FATE_API double fate_theory_lt_exact_moments(size_t n, double m, double q, double sigma);

/* Fine-tuning transferability, the paper's result (c = 1):
 * (1-g)(2 cos th - 1) for g <= 1, 0 for g > 1. */
FATE_API double fate_theory_T_ft(double gamma, double theta);
/* Finite source (paper): (1-g)(2m - q) for g < 1, 0 otherwise, which equals
 * (g-1) g_s [1 - 2 cos th + s_s^2/(1-g_s)] for g_s < 1 and
 * (g-1)[1 - 2 cos th + s_s^2/(g_s-1)] for g_s > 1. */
FATE_API double fate_theory_T_ft_source(double gamma, double theta, double gamma_src,
                               double sigma_src);

/* Gradient-flow coefficient c (ours): the conserved balance of a depth-L
 * network makes c solve q c^(2L/(L-1)) - a q c^2 - b = 0, where
 * a = |(I-P) u|^2 for the unit pretrained direction u (-> 1 - gamma),
 * q = |beta_s_hat|^2 and b = |beta_sc|^2. For L = 2 and q = 1 this is
 * THEORY.md's c^4 - a c^2 - b = 0. Returns the positive root. */
FATE_API double fate_theory_ft_c(double a, double b, double q, size_t depth);
/* T_ft with that c: (1-g)(2 c m - c^2 q), g = n/d, where b is the mean squared
 * norm of the scratch solution (gamma + gamma s^2/(1-gamma) asymptotically). */
FATE_API double fate_theory_T_ft_gf(double gamma, double theta, double sigma, size_t depth);
/* The same at finite size (a = 1 - n/d, b = n/d + s^2 n/(d-n-1)), with source
 * moments m, q (pass cos th, 1 for an infinite source). */
FATE_API double fate_theory_T_ft_gf_exact(size_t n, size_t d, double sigma, double m, double q,
                                 size_t depth);

/* LP-FT (ours; src/theory_lpft.c, THEORY.md section 8): |c|, the size of
 * the coefficient of (I-P) beta_pre after a linear probe (beta_lt = k
 * beta_pre) then gradient flow on all L layers: sqrt(xi^(L-2)(xi - delta)),
 * xi the root above max(0, a, delta) of q xi^(L-2)(xi - delta)(xi - a) = b,
 * delta = 1 - k2; a = |(I-P) u|^2, b = |beta_sc|^2, q = |beta_pre|^2. At
 * depth 2 and q = 1: c^4 - (a - delta) c^2 - b = 0. k2 = 1 is fine-tuning. */
FATE_API double fate_theory_lpft_c(double a, double b, double q, double k2, size_t depth);
/* c at finite size (plug-in means a = 1 - n/d, b = n/d + s^2 n/(d-n-1) and
 * the probe's mean square, exact at lambda = 0), with the sign of m; source
 * moments m, q; NaN for n >= d or n <= 2. */
FATE_API double fate_theory_lpft_c_exact(size_t n, size_t d, double sigma, double m, double q, double lambda,
                                         size_t depth);
/* T_lpft = 2 |c| E[sign(k) m_P] - c^2 q (1 - n/d) with that c, the mean
 * overlap term corrected for the probe's sign following the in-sample overlap
 * (Gaussian approximation); 0 for n >= d. */
FATE_API double fate_theory_T_lpft_exact(size_t n, size_t d, double sigma, double m, double q, double lambda,
                                         size_t depth);
/* T_lpft in the limit, unit teachers, infinite source: (1-g)(2 c cos th - c^2). */
FATE_API double fate_theory_T_lpft(double gamma, double theta, double sigma, size_t depth);
/* c and T_lpft in the limit with source moments m, q and the probe's ridge
 * lambda (k = m/q at lambda = 0, else m/(q + lambda q^(1/L))): c carries the
 * sign of m, T = (1-g)(2 c m - c^2 q); T = 0 and c NaN for gamma >= 1. At
 * m = cos th, q = 1, lambda = 0 these are fate_theory_T_lpft's. */
FATE_API double fate_theory_lpft_c_moments(double gamma, double sigma, double m, double q, double lambda,
                                           size_t depth);
FATE_API double fate_theory_T_lpft_moments(double gamma, double sigma, double m, double q, double lambda,
                                           size_t depth);
/* Boundaries (ours; src/theory_boundary.c, THEORY.md section 8): in the
 * limit, unit teachers, infinite source, LP-FT beats scratch (T_lpft > 0) for
 * 0 < gamma < *g_sc and the paper's fine-tuning (c = 1) for 0 < gamma < *g_ft
 * (the smallest root in (0, 1] of a quadratic in gamma; 0: nowhere); NaN
 * for theta outside [0, pi], sigma < 0 or depth < 2. */
FATE_API void fate_theory_lpft_boundary(double *g_sc, double *g_ft, double theta, double sigma, size_t depth);
/* L2-SP at its optimal lambda beats scratch for g_l2sp < gamma < 1 (and for
 * every gamma > 1 when sigma > 0): the root of a quartic in 1 - gamma, by a
 * 4096-point scan and bisection; 0 where it beats on all of (0, 1), 1 where
 * nowhere below 1. */
FATE_API double fate_theory_l2sp_boundary(double theta, double sigma);

/* Ridge regression toward a reference point (src/theory_ridge.c; THEORY.md
 * sections 7 and 8): beta_hat = beta_ref + (S + lambda I)^{-1} (b - S beta_ref)
 * on n samples y = X beta + sigma eps, x ~ N(0, I_d), psi = d/n, r2 =
 * |beta - beta_ref|^2 (beta_ref = 0: ridge on the target; the pretrained map:
 * L2-SP). Limit risk (Dobriban and Wager 2018; Hastie et al. 2022 at
 * lambda = 0; r2 at lambda = +inf); NaN for bad arguments. */
FATE_API double fate_theory_ridge(double psi, double lambda, double sigma, double r2);
/* lambda = 0 at finite size: sigma^2 d/(n-d-1) for n > d+1, r2 (1 - n/d) +
 * sigma^2 n/(d-n-1) for n < d-1, NaN in between (no finite mean). */
FATE_API double fate_theory_ridge_exact(size_t n, size_t d, double sigma, double r2);
/* The lambda minimising fate_theory_ridge: sigma^2 psi / r2 (0 at sigma = 0,
 * +inf at r2 = 0). */
FATE_API double fate_theory_ridge_lambda_opt(double psi, double sigma, double r2);

/* Parameter transfer (L2-SP) in the limit, unit target, source moments m,
 * q (cos th, 1 for an infinite source): fate_theory_ridge(psi, lambda, sigma,
 * 1 - 2m + q), lambda >= 0 or FATE_LAMBDA_OPT (sigma^2 psi / (1 - 2m + q)). */
FATE_API double fate_theory_l2sp(double psi, double lambda, double sigma, double m, double q);

/* Phase boundary of linear transfer (lambda = 0, infinite source): for
 * gamma < 1 T_lt < 0 between the roots g_lo <= g_hi of
 * g^2 - (1 + cos^2 th - s^2) g + cos^2 th = 0 (NaN, NaN when there are no
 * real roots in (0, 1)); for gamma > 1 T_lt < 0 iff gamma > *g_over =
 * 1 + s^2/sin^2 th (+INFINITY at th = 0 and th = pi). Symmetric under
 * th -> pi - th exactly. Returns the number of real roots. */
FATE_API int fate_theory_lt_boundary(double *g_lo, double *g_hi, double *g_over, double theta,
                            double sigma);

/* KL(p_s || p_t) of the label-shift family with linear teachers of unit norm:
 * |beta_s - beta_t|^2/(2 s^2) = (1 - cos th)/s^2. */
FATE_API double fate_theory_kl_linear(double theta, double sigma);

/* Linear transfer on a k-dimensional feature space (ours; src/theory_k.c,
 * THEORY.md section 10): the head is fit on z = B_s^T x, B_s (d x k)
 * orthonormal, for a unit target with rho_par = |P_B beta_t|^2 in span(B_s)
 * and rho = 1 - rho_par outside. Exact mean over x and noise, lambda = 0:
 * rho + (rho + s^2) k/(n-k-1) for n > k+1 (least squares), rho + rho_par
 * (1 - n/k) + (rho + s^2) n/(k-n-1) for n < k-1 (minimum norm), +INFINITY
 * in between; NaN for n = 0, k = 0, rho_par outside [0, 1] or sigma < 0.
 * k = 1, rho_par = cos^2 th: fate_theory_lt_exact. */
FATE_API double fate_theory_lt_k_exact(size_t n, size_t k, double rho_par, double sigma);
/* The limit at gamma = n/d, kappa = k/d with the head's ridge lambda (loss
 * |y - Z w|^2/n + lambda |w|^2): rho + fate_theory_ridge(kappa/gamma, lambda,
 * sqrt(rho + s^2), rho_par); kappa = 0 (k fixed): rho + rho_par
 * lambda^2/(1+lambda)^2 (fate_theory_lt_ridge at k = 1). */
FATE_API double fate_theory_lt_k_ridge(double gamma, double kappa, double lambda, double rho_par, double sigma);
/* lambda = 0: rho + (rho + s^2) kappa/(gamma - kappa) for kappa < gamma. */
FATE_API double fate_theory_lt_k(double gamma, double kappa, double rho_par, double sigma);
/* The k in 1..K minimising fate_theory_lt_k_exact(n, k, rho_par[k-1], sigma)
 * (ties: the smaller k), and that risk. FATE_EINVAL for a NULL pointer,
 * K = 0, n = 0, a rho_par outside [0, 1] or sigma < 0. */
FATE_API fate_status fate_theory_lt_k_best(size_t *k_best, double *risk_best, const double *rho_par, size_t K,
                                           size_t n, double sigma);

/* All the values of one theory point, as `fate theory` prints them. */
typedef struct fate_theory_point {
    double gamma, theta, sigma, lambda;
    double gamma_src, sigma_src; /* gamma_src <= 0: infinite source */
    size_t d;                    /* 0: asymptotic only */
    size_t depth;
    /* asymptotic */
    double R_sc, R_lt, R_ft, T_lt, T_ft, T_ft_gf, R_ft_gf, c_gf;
    /* exact at finite d (NaN when d == 0) */
    double R_sc_exact, R_lt_exact, T_lt_exact, T_ft_exact, T_ft_gf_exact;
    double kl;
    /* the methods beyond the paper (THEORY.md section 8), appended. Input:
     * the ridge of L2-SP, >= 0 or FATE_LAMBDA_OPT (0 after a memset: lambda 0).
     * LP-FT's probe uses lambda above. */
    double l2sp_lambda;
    /* asymptotic: LP-FT (fate_theory_T_lpft_moments), L2-SP at the resolved
     * lambda_l2sp, the ridge baseline at its optimal lambda_ridge; R = R_sc - T */
    double R_lpft, T_lpft, c_lpft;
    double R_l2sp, T_l2sp, lambda_l2sp;
    double R_ridge, T_ridge, lambda_ridge;
    /* at finite d, as fate_spec_theory_eval (NaN when d == 0) */
    double R_lpft_exact, T_lpft_exact, c_lpft_exact;
    double R_l2sp_exact, T_l2sp_exact, lambda_l2sp_exact;
    double R_ridge_exact, T_ridge_exact, lambda_ridge_exact;
} fate_theory_point;

FATE_API fate_status fate_theory_eval(fate_theory_point *p);

/* ------------------------------------------------------------------------ */
/* Anisotropic inputs x ~ N(0, Sigma) (src/theory_aniso.c): THEORY.md 11     */
/* ------------------------------------------------------------------------ */

/* Spectra of Sigma = diag(eig), normalised to tr Sigma = d. Power law:
 * eig_i proportional to i^-alpha (i = 1..d), alpha >= 0 finite. Spiked
 * (two-level): the first k eigenvalues ratio times the others, 1 <= k <= d,
 * ratio > 0 finite. FATE_EINVAL on bad input. eig: (d). */
FATE_API fate_status fate_spectrum_powerlaw(double *eig, size_t d, double alpha);
FATE_API fate_status fate_spectrum_spiked(double *eig, size_t d, size_t k, double ratio);

/* Effective regularisation kappa of ridge on n samples (objective
 * |y - X beta|^2/n + lambda |beta|^2): the root of lambda = kappa (1 -
 * df1/n), df1 = sum eig_i/(eig_i + kappa), with kappa > 0 when lambda > 0
 * or d > n; 0 when lambda = 0 and n >= d. eig: (d), each > 0 and finite
 * (FATE_EINVAL otherwise, or when n = 0 or lambda < 0 or not finite). */
FATE_API fate_status fate_theory_aniso_kappa(double *kappa, const double *eig, size_t d, size_t n,
                                             double lambda);
/* Deterministic equivalent of the ridge (lambda > 0) or minimum-norm /
 * least-squares (lambda = 0) risk |beta_hat - beta|_Sigma^2 (Hastie et al.
 * 2022, Bartlett et al. 2020): bias = kappa^2 sum eig_i beta2_i/(eig_i +
 * kappa)^2 / (1 - df2/n), var = sigma^2 df2/(n - df2), df2 = sum eig_i^2 /
 * (eig_i + kappa)^2; risk = bias + var (+inf at lambda = 0, n = d, sigma
 * > 0). beta2: the teacher's squared coordinates in Sigma's eigenbasis, or
 * NULL for a unit teacher uniform on the sphere (beta2_i = 1/d). bias, var
 * may be NULL. */
FATE_API fate_status fate_theory_aniso_ridge(double *risk, double *bias, double *var, const double *eig,
                                             const double *beta2, size_t d, size_t n, double lambda,
                                             double sigma);
/* Linear transfer on z = x . beta_s (lambda = 0), exact mean over Gaussian
 * inputs and noise: rho + (rho + sigma^2)/(n - 2) for n > 2 (+inf for n <= 2),
 * rho = |beta_t|_Sigma^2 - (beta_s^T Sigma beta_t)^2 / |beta_s|_Sigma^2 (ours).
 * beta_s, beta_t: (d) in Sigma's eigenbasis; beta_s != 0. Sigma = I gives
 * fate_theory_lt_exact. */
FATE_API fate_status fate_theory_aniso_lt_exact(double *risk, const double *eig, const double *beta_s,
                                                const double *beta_t, size_t d, size_t n, double sigma);

#ifdef __cplusplus
}
#endif
#endif /* FATE_H */
