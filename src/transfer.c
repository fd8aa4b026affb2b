/* transfer.c - linear transfer: freeze W_1..W_{L-1}, refit the readout w_L.
 *
 * With features P = W_1..W_{L-1} (d, k) the target model is x -> x^T P w and
 * the ridge objective
 *     (1/n)|X P w - y|^2 + lambda |w|^2 = w^T P^T S P w - 2 (P^T b).w + yy + lambda |w|^2
 * needs only the sufficient statistics. Pretraining from small init leaves P
 * numerically rank one (beta_s v^T plus O(alpha) residue). With lambda = 0 the
 * residue directions, tiny as they are, would be used at full strength by
 * least squares, turning linear transfer into training from scratch; so the
 * feature space is defined by the thin SVD P = U Sigma V^T truncated to
 * singular values > rcond sigma_1. Writing F = U_r Sigma_r (d, r) and
 * w = V_r u, the problem becomes the r x r ridge system
 *     (F^T S F + lambda I) u = F^T b,
 * solved by a symmetric eigendecomposition with a pseudo-inverse (pinv_solve
 * in gd.c; robust when the features are degenerate on the data, e.g. n < r).
 * For the rank-one case this is THEORY.md's b = z.y / (|z|^2 + n lambda) with z = X beta_s.
 *
 * The basis (F, V_r) depends only on the pretrained network, so a sweep
 * computes it once per pretrained network (lt_basis) and solves the small
 * system for every target set and ridge (lt_solve).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include <lapacke.h>

#include "fate.h"
#include "internal.h"

void lt_basis_free(lt_basis_t *B)
{
    free(B->F);
    free(B->VT);
    B->F = B->VT = NULL;
    B->r = 0;
}

fate_status lt_basis(lt_basis_t *B, const double *params, const fate_dln_shape *s, double rcond)
{
    size_t d = s->d, k = s->width, mn = d < k ? d : k;
    memset(B, 0, sizeof *B);
    B->d = d;
    B->k = k;
    fate_status st = FATE_ENOMEM;
    double *P = alloc_array(d, k, sizeof *P), *U = alloc_array(d, mn, sizeof *U),
           *VT = alloc_array(mn, k, sizeof *VT), *sv = malloc(mn * sizeof *sv);
    if (!P || !U || !VT || !sv) goto done;
    if ((st = fate_dln_features(P, params, s)) != FATE_OK) goto done;
    /* P = U diag(sv) VT, thin; sv descending */
    if (LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'S', (lapack_int)d, (lapack_int)k, P, (lapack_int)k, sv, U,
                       (lapack_int)mn, VT, (lapack_int)k) != 0) {
        st = FATE_ENUMERIC;
        goto done;
    }
    B->sv1 = sv[0];
    B->sv2 = mn > 1 ? sv[1] : 0.0;
    size_t r = 0;
    while (r < mn && sv[0] > 0.0 && sv[r] > rcond * sv[0]) r++;
    B->r = r;
    st = FATE_OK;
    if (r == 0) goto done;
    st = FATE_ENOMEM;
    B->F = alloc_array(d, r, sizeof *B->F);
    B->VT = alloc_array(r, k, sizeof *B->VT);
    if (!B->F || !B->VT) { lt_basis_free(B); goto done; }
    /* F = U_r Sigma_r: (d, r); VT_r: (r, k) */
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < r; j++) B->F[i * r + j] = U[i * mn + j] * sv[j];
    memcpy(B->VT, VT, r * k * sizeof *VT);
    st = FATE_OK;
done:
    free(P); free(U); free(VT); free(sv);
    return st;
}

fate_status lt_solve(double *wL, const lt_basis_t *B, const double *S, const double *b,
                     double lambda)
{
    size_t d = B->d, k = B->k, r = B->r;
    memset(wL, 0, k * sizeof *wL);
    if (r == 0) return FATE_OK;
    fate_status st = FATE_ENOMEM;
    double *SF = alloc_array(d, r, sizeof *SF), *G = alloc_array(r, r, sizeof *G);
    double *h = malloc(r * sizeof *h), *u = malloc(r * sizeof *u);
    if (!SF || !G || !h || !u) goto done;
    /* SF = S F (d, r); G = F^T S F + lambda I (r, r); h = F^T b (r) */
    cblas_dsymm(CblasRowMajor, CblasLeft, CblasUpper, (int)d, (int)r, 1.0, S, (int)d, B->F, (int)r,
                0.0, SF, (int)r);
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)r, (int)r, (int)d, 1.0, B->F, (int)r,
                SF, (int)r, 0.0, G, (int)r);
    for (size_t i = 0; i < r; i++) G[i * r + i] += lambda;
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)d, (int)r, 1.0, B->F, (int)r, b, 1, 0.0, h, 1);
    /* u = G^+ h (minimum norm), eigenvalues <= 1e-12 ev_max cut (gd.c):
     * G is positive definite unless the features are degenerate on the
     * data (n < r) and lambda = 0. */
    if ((st = pinv_solve(u, NULL, NULL, G, h, r, 1e-12)) != FATE_OK) goto done;
    /* w_L = V_r u: VT rows are right singular vectors */
    for (size_t j = 0; j < r; j++)
        for (size_t c = 0; c < k; c++) wL[c] += B->VT[j * k + c] * u[j];
    st = FATE_OK;
done:
    free(SF); free(G); free(h); free(u);
    return st;
}

fate_status fate_linear_transfer(double *params, size_t *rank, const fate_dln_shape *s,
                                 const double *S, const double *b, double lambda, double rcond)
{
    if (!params || !S || !b || !dln_shape_ok(s) || !(lambda >= 0.0) || !isfinite(lambda) ||
        !(rcond > 0.0 && rcond < 1.0))
        return FATE_EINVAL;
    lt_basis_t B;
    fate_status st = lt_basis(&B, params, s, rcond);
    if (st != FATE_OK) return st;
    if (rank) *rank = B.r;
    st = lt_solve(params + fate_dln_offset(s, s->depth), &B, S, b, lambda);
    lt_basis_free(&B);
    return st;
}
