/* internal.h - helpers shared inside libfate (not part of the public API). */
#ifndef FATE_INTERNAL_H
#define FATE_INTERNAL_H
#include "fate.h"

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

/* fate_linear_transfer that also returns the top two singular values of the
 * feature map in sv12 (may be NULL). */
fate_status lt_refit(double *params, size_t *rank, double *sv12, const fate_dln_shape *shape,
                     const double *S, const double *b, double lambda, double rcond);

#endif
