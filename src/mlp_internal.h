/* mlp_internal.h - helpers shared by mlp.c, mlp_protocol.c and mlp_theory.c
 * (not part of the public API). */
#ifndef FATE_MLP_INTERNAL_H
#define FATE_MLP_INTERNAL_H
#include "fate_mlp.h"

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
#endif
