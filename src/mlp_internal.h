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
} mlp_ws;

int mlp_shape_ok(const fate_mlp_shape *shape);
fate_status mlp_ws_alloc(mlp_ws *ws, const fate_mlp_shape *shape, size_t n);
void mlp_ws_free(mlp_ws *ws);
/* ws->H = act(X W^T) (n, m); ws->D = act'(X W^T) when need_d. */
void mlp_features_ws(mlp_ws *ws, const double *W, const fate_mlp_shape *shape, const double *X,
                     size_t n, int need_d);
/* Loss and gradient (dW, dc may be NULL) with caller workspace (n <= cap). */
double mlp_grad_ws(double *dW, double *dc, const double *W, const double *c,
                   const fate_mlp_shape *shape, const double *X, const double *y, size_t n,
                   mlp_ws *ws);
/* A two-layer GD run's point, gradient and step: the first member of every
 * two-layer oracle context, so that mlp_gd_step serves them all. */
typedef struct mlp_point {
    double *W, *c, *dW, *dc; /* (m, d), (m), (m, d) or NULL (freeze_W), (m) */
    const fate_mlp_shape *s;
    double lr_eff;
} mlp_point;
/* gd_oracle.step: W -= lr_eff dW, c -= lr_eff dc (ctx starts with an mlp_point). */
fate_status mlp_gd_step(void *ctx, size_t t, size_t budget, size_t *done);
/* The step applied (fate_mlp_gd_config): lr m under mean-field scaling, else lr. */
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
