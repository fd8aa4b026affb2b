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
 * solved by a symmetric eigendecomposition with a pseudo-inverse (robust when
 * the features are degenerate on the data, e.g. n < r). For the rank-one case
 * this is THEORY.md's b = z.y / (|z|^2 + n lambda) with z = X beta_s.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include <lapacke.h>

#include "fate.h"
#include "internal.h"

fate_status lt_refit(double *params, size_t *rank, double *sv12, const fate_dln_shape *s,
                     const double *S, const double *b, double lambda, double rcond)
{
    if (!params || !S || !b || !dln_shape_ok(s) || !(lambda >= 0.0) || !isfinite(lambda) ||
        !(rcond > 0.0 && rcond < 1.0))
        return FATE_EINVAL;
    size_t d = s->d, k = s->width, mn = d < k ? d : k;
    fate_status st = FATE_ENOMEM;
    double *P = malloc(d * k * sizeof *P), *U = malloc(d * mn * sizeof *U),
           *VT = malloc(mn * k * sizeof *VT), *sv = malloc(mn * sizeof *sv);
    double *F = NULL, *SF = NULL, *G = NULL, *h = NULL, *ev = NULL, *u = NULL;
    if (!P || !U || !VT || !sv) goto done;
    if ((st = fate_dln_features(P, params, s)) != FATE_OK) goto done;

    /* P = U diag(sv) VT, thin; sv descending */
    if (LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'S', (lapack_int)d, (lapack_int)k, P, (lapack_int)k, sv, U,
                       (lapack_int)mn, VT, (lapack_int)k) != 0) {
        st = FATE_ENUMERIC;
        goto done;
    }
    if (sv12) {
        sv12[0] = sv[0];
        sv12[1] = mn > 1 ? sv[1] : 0.0;
    }
    size_t r = 0;
    while (r < mn && sv[0] > 0.0 && sv[r] > rcond * sv[0]) r++;
    double *wL = params + fate_dln_offset(s, s->depth);
    memset(wL, 0, k * sizeof *wL);
    if (rank) *rank = r;
    if (r == 0) { st = FATE_OK; goto done; }

    F = malloc(d * r * sizeof *F), SF = malloc(d * r * sizeof *SF), G = malloc(r * r * sizeof *G);
    h = malloc(r * sizeof *h), ev = malloc(r * sizeof *ev), u = malloc(r * sizeof *u);
    st = FATE_ENOMEM;
    if (!F || !SF || !G || !h || !ev || !u) goto done;
    /* F = U_r Sigma_r: (d, r) */
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < r; j++) F[i * r + j] = U[i * mn + j] * sv[j];
    /* SF = S F (d, r); G = F^T S F + lambda I (r, r); h = F^T b (r) */
    cblas_dsymm(CblasRowMajor, CblasLeft, CblasUpper, (int)d, (int)r, 1.0, S, (int)d, F, (int)r,
                0.0, SF, (int)r);
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)r, (int)r, (int)d, 1.0, F, (int)r,
                SF, (int)r, 0.0, G, (int)r);
    for (size_t i = 0; i < r; i++) G[i * r + i] += lambda;
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)d, (int)r, 1.0, F, (int)r, b, 1, 0.0, h, 1);
    /* u = G^+ h through G = Q diag(ev) Q^T; eigenvalues below 1e-12 max are
     * treated as zero (minimum-norm solution). */
    if (LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int)r, G, (lapack_int)r, ev) != 0) {
        st = FATE_ENUMERIC;
        goto done;
    }
    double evmax = fabs(ev[r - 1]);
    memset(u, 0, r * sizeof *u);
    for (size_t j = 0; j < r; j++) {
        if (!(ev[j] > 1e-12 * evmax)) continue;
        double c = 0.0;
        for (size_t i = 0; i < r; i++) c += G[i * r + j] * h[i];
        c /= ev[j];
        for (size_t i = 0; i < r; i++) u[i] += c * G[i * r + j];
    }
    /* w_L = V_r u: VT rows are right singular vectors */
    for (size_t j = 0; j < r; j++)
        for (size_t c = 0; c < k; c++) wL[c] += VT[j * k + c] * u[j];
    st = FATE_OK;
done:
    free(P); free(U); free(VT); free(sv);
    free(F); free(SF); free(G); free(h); free(ev); free(u);
    return st;
}

fate_status fate_linear_transfer(double *params, size_t *rank, const fate_dln_shape *s,
                                 const double *S, const double *b, double lambda, double rcond)
{
    return lt_refit(params, rank, NULL, s, S, b, lambda, rcond);
}
