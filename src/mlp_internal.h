/* mlp_internal.h - helpers shared by mlp.c, mlp_protocol.c and mlp_theory.c
 * (not part of the public API). */
#ifndef FATE_MLP_INTERNAL_H
#define FATE_MLP_INTERNAL_H
#include "fate_mlp.h"
#include "internal.h" /* checked sizes */

/* Scratch space for batches of up to cap rows. */
typedef struct mlp_ws {
    double *H; /* (cap, m): pre-activations, then act(H) */
    double *D; /* (cap, m): act'(H), then the backward matrix (r c^T) .* act'(H) */
    double *r; /* (cap): residuals f - y */
    size_t cap;
    /* FATE_MLP_SINGLE (src/mlp_f32.c): mlp_grad_ws runs in float on these,
     * and H, D, r above stay NULL */
    int single;
    float *Hf, *Df, *rf;  /* (cap, m), (cap, m), (cap) as H, D, r */
    float *Xf, *Wf, *cf;  /* (cap, d), (m, d), (m): the step's inputs in float */
    float *dWf, *dcf;     /* (m, d), (m): the gradient before it goes back to double */
} mlp_ws;

int mlp_shape_ok(const fate_mlp_shape *shape);
/* Double workspace (mlp_ws_alloc_p with FATE_MLP_DOUBLE). */
fate_status mlp_ws_alloc(mlp_ws *ws, const fate_mlp_shape *shape, size_t n);
fate_status mlp_ws_alloc_p(mlp_ws *ws, const fate_mlp_shape *shape, size_t n, fate_mlp_precision precision);
void mlp_ws_free(mlp_ws *ws);
/* The single-precision gradient (src/mlp_f32.c): mlp_grad_ws's result for
 * a workspace with ws->single set; W, c, X, y are converted to float here,
 * dW and dc come back in double, the loss is summed in double. */
double mlp_grad_ws32(double *dW, double *dc, const double *W, const double *c,
                     const fate_mlp_shape *shape, const double *X, const double *y, size_t n,
                     mlp_ws *ws);
fate_status mlp_ws32_alloc(mlp_ws *ws, const fate_mlp_shape *shape, size_t n);
void mlp_ws32_free(mlp_ws *ws);
/* ws->H = act(X W^T) (n, m); ws->D = act'(X W^T) when need_d, except for
 * ReLU (mlp_grad_ws reads 1{P > 0} off ws->H). */
void mlp_features_ws(mlp_ws *ws, const double *W, const fate_mlp_shape *shape, const double *X,
                     size_t n, int need_d);
/* Loss and gradient (dW, dc may be NULL) with caller workspace (n <= cap). */
double mlp_grad_ws(double *dW, double *dc, const double *W, const double *c,
                   const fate_mlp_shape *shape, const double *X, const double *y, size_t n,
                   mlp_ws *ws);
/* A two-layer GD run's point, gradient and step: the first member of every
 * two-layer oracle context, so that mlp_gd_step serves them all. */
/* The update rule's state (src/mlp_optim.c). */
typedef struct mlp_optim {
    fate_mlp_optimizer kind;
    double b1, b2;        /* resolved decays */
    size_t t;             /* updates made */
    size_t mw, m;         /* sizes of the W block (0: frozen) and of c */
    double *mW, *vW;      /* (m d): first and (Adam) second moments of W */
    double *mc, *vc;      /* (m): those of c */
} mlp_optim;
/* Nonzero when optimizer, beta1, beta2 and precision are valid. */
int mlp_optim_ok(const fate_mlp_gd_config *cfg);
fate_status mlp_optim_init(mlp_optim *o, const fate_mlp_gd_config *cfg, const fate_mlp_shape *shape, int has_W);
void mlp_optim_free(mlp_optim *o);
/* One update with step size lr (mlp_step_size); dW NULL: W frozen. */
void mlp_optim_step(mlp_optim *o, double lr, double *W, double *c, const double *dW, const double *dc);
/* The step applied: Adam's lr, else mlp_lr_eff. */
double mlp_step_size(const fate_mlp_shape *shape, const fate_mlp_gd_config *cfg);

typedef struct mlp_point {
    double *W, *c, *dW, *dc; /* (m, d), (m), (m, d) or NULL (freeze_W), (m) */
    const fate_mlp_shape *s;
    double lr_eff;
    mlp_optim opt;           /* the update rule and its state */
} mlp_point;
/* gd_oracle.step: one update of the point's rule (ctx starts with an mlp_point). */
fate_status mlp_gd_step(void *ctx, size_t t, size_t budget, size_t *done);
/* The GD step (fate_mlp_gd_config): lr m under mean-field scaling, else lr. */
double mlp_lr_eff(const fate_mlp_shape *shape, double lr);
/* The stopping rules of fate_mlp_gd_config as gd_rules (gd.c): loss <= tol,
 * or the relative-change `rule` over `window` checks (0: 100). */
gd_rules mlp_rules(const fate_mlp_gd_config *cfg, gd_window_rule rule);
/* The driver's report into the public one (lr_eff is the caller's). */
void mlp_report(fate_mlp_gd_report *rep, const gd_report *g);

/* Teachers of one instance (src/mlp_protocol.c): the source (Vs, as) and
 * target (Vt, at), ms neurons each (1 for single-index teachers); the source's
 * first `removed` neurons have a zero readout. */
typedef struct relu_teachers {
    double *Vs, *Vt, *as, *at; /* (ms, d), (ms, d), (ms), (ms) */
    size_t ms, removed;
    double target_norm2, pperp_source;
} relu_teachers;

fate_status relu_teachers_make(relu_teachers *T, const fate_relu_spec *s, uint64_t inst);
void relu_teachers_free(relu_teachers *T);
/* The stages of fate_relu_run_instance, shared with the sweep. Wp (m, d),
 * cp (m): the pretrained network; X (n, d), y (n): the target set. */
fate_status relu_pretrain_ws(double *Wp, double *cp, fate_relu_method_result *r, double *pperp_student,
                             size_t *fail_step, const fate_relu_spec *s, const relu_teachers *T,
                             uint64_t inst);
fate_status relu_target(double *X, double *y, const fate_relu_spec *s, const relu_teachers *T, uint64_t inst);
fate_status relu_scratch(fate_relu_method_result *r, size_t *fail_step, const fate_relu_spec *s,
                         const relu_teachers *T, const double *X, const double *y, uint64_t inst);
fate_status relu_lt(fate_relu_method_result *r, size_t *rank, const fate_relu_spec *s, const relu_teachers *T,
                    const double *Wp, const double *cp, const double *X, const double *y, uint64_t inst);
fate_status relu_ft(fate_relu_method_result *r, size_t *fail_step, const fate_relu_spec *s, const relu_teachers *T,
                    const double *Wp, const double *cp, const double *X, const double *y, uint64_t inst);
/* LP-FT: the readout refitted as relu_lt does, then relu_ft's training from
 * (Wp, the refitted readout). */
fate_status relu_lpft(fate_relu_method_result *r, size_t *fail_step, const fate_relu_spec *s,
                      const relu_teachers *T, const double *Wp, const double *cp, const double *X,
                      const double *y, uint64_t inst);
#endif
