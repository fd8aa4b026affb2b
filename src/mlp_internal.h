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
#endif
