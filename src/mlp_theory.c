/* mlp_theory.c - theory of transfer in two-layer ReLU networks (THEORY.md
 * section 5): the arc-cosine kernel, Gram matrices of neuron sets, the part
 * |P_perp f_t|^2 of a ReLU teacher outside the span of a set of ReLU
 * features, and the power-law fit of the scratch risk with the predicted
 * phase boundary.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>

#include "fate_mlp.h"
#include "mlp_internal.h"

static const double PI = 3.14159265358979323846;

double fate_relu_arccos_kernel(double u)
{
    if (isnan(u)) return NAN;
    if (u > 1) u = 1;
    if (u < -1) u = -1;
    return (sqrt(fmax(0.0, 1.0 - u * u)) + u * (PI - acos(u))) / (2.0 * PI);
}

fate_status fate_relu_gram(double *G, const double *A, size_t na, const double *B, size_t nb,
                           size_t d)
{
    /* int BLAS sizes: A (na, d), B (nb, d), G (na, nb) */
    if (!G || !A || !B || na == 0 || nb == 0 || d == 0 || !fits_int2(na, d) || !fits_int2(nb, d) ||
        !fits_int2(na, nb))
        return FATE_EINVAL;
    double *nA = malloc(na * sizeof *nA), *nB = malloc(nb * sizeof *nB);
    if (!nA || !nB) { free(nA); free(nB); return FATE_ENOMEM; }
    for (size_t i = 0; i < na; i++) nA[i] = cblas_dnrm2((int)d, A + i * d, 1);
    for (size_t j = 0; j < nb; j++) nB[j] = cblas_dnrm2((int)d, B + j * d, 1);
    /* G = A B^T: (na, d) x (d, nb) -> (na, nb), then the kernel elementwise */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)na, (int)nb, (int)d, 1.0, A, (int)d,
                B, (int)d, 0.0, G, (int)nb);
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++) {
            double s = nA[i] * nB[j];
            G[i * nb + j] = s > 0 ? s * fate_relu_arccos_kernel(G[i * nb + j] / s) : 0.0;
        }
    free(nA);
    free(nB);
    return FATE_OK;
}


fate_status fate_relu_pperp(double *pperp, size_t *rank, const double *F, size_t nf,
                            const double *V, const double *a, size_t mstar, size_t d,
                            double rcond)
{
    /* int BLAS sizes: F (nf, d), V (mstar, d) and the Gram matrices */
    if (!pperp || (!F && nf) || !V || !a || mstar == 0 || d == 0 || !(rcond >= 0) || !(rcond < 1) ||
        !fits_int2(nf, d) || !fits_int2(mstar, d) || !fits_int2(nf, nf) || !fits_int2(mstar, mstar) ||
        !fits_int2(nf, mstar))
        return FATE_EINVAL;
    fate_status st = FATE_ENOMEM;
    double *Gtt = alloc_array(mstar, mstar, sizeof *Gtt);
    double *ta = malloc(mstar * sizeof *ta);
    double *Gss = nf ? alloc_array(nf, nf, sizeof *Gss) : NULL;
    double *Gst = nf ? alloc_array(nf, mstar, sizeof *Gst) : NULL;
    double *g = nf ? malloc(nf * sizeof *g) : NULL;
    if (!Gtt || !ta || (nf && (!Gss || !Gst || !g))) goto done;
    /* tt = a^T G_tt a */
    if ((st = fate_relu_gram(Gtt, V, mstar, V, mstar, d)) != FATE_OK) goto done;
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)mstar, (int)mstar, 1.0, Gtt, (int)mstar, a, 1,
                0.0, ta, 1);
    double tt = cblas_ddot((int)mstar, a, 1, ta, 1), proj = 0.0;
    size_t r = 0;
    if (nf) {
        if ((st = fate_relu_gram(Gss, F, nf, F, nf, d)) != FATE_OK) goto done;
        if ((st = fate_relu_gram(Gst, F, nf, V, mstar, d)) != FATE_OK) goto done;
        /* g = G_st a: (nf, mstar) x (mstar) -> (nf) */
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)nf, (int)mstar, 1.0, Gst, (int)mstar, a, 1,
                    0.0, g, 1);
        /* proj = g.G_ss^+ g, eigenvalues <= rcond ev_max cut (gd.c) */
        if ((st = pinv_solve(NULL, &proj, &r, Gss, g, nf, rcond)) != FATE_OK) goto done;
    }
    *pperp = fmax(0.0, tt - proj);
    if (rank) *rank = r;
    st = FATE_OK;
done:
    free(Gtt); free(ta); free(Gss); free(Gst); free(g);
    return st;
}

/* Rows |c_i| w_i: relu is 1-homogeneous, so row i's feature is
 * |c_i| relu(w_i.x), the neuron's contribution up to its sign (a sign does
 * not change a span). */
fate_status fate_relu_pperp_student(double *pperp, size_t *rank, const double *W, const double *c,
                                    size_t m, const double *V, const double *a, size_t mstar,
                                    size_t d, double rcond)
{
    if (!pperp || !W || !c || m == 0 || !V || !a || mstar == 0 || d == 0 || !(rcond >= 0) ||
        !(rcond < 1) || !fits_int2(m, d))
        return FATE_EINVAL;
    double *F = alloc_array(m, d, sizeof *F);
    if (!F) return FATE_ENOMEM;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < d; j++) F[i * d + j] = fabs(c[i]) * W[i * d + j];
    fate_status st = fate_relu_pperp(pperp, rank, F, m, V, a, mstar, d, rcond);
    free(F);
    return st;
}

fate_status fate_relu_powerlaw_fit(double *A, double *p, double *A_se, double *p_se,
                                   const double *n, const double *R, size_t k)
{
    if (!A || !p || !n || !R || k < 2) return FATE_EINVAL;
    for (size_t i = 0; i < k; i++)
        if (!(n[i] > 0) || !(R[i] > 0) || !isfinite(n[i]) || !isfinite(R[i])) return FATE_EINVAL;
    double xb = 0, zb = 0;
    for (size_t i = 0; i < k; i++) { xb += log(n[i]); zb += log(R[i]); }
    xb /= (double)k, zb /= (double)k;
    double sxx = 0, sxz = 0;
    for (size_t i = 0; i < k; i++) {
        double x = log(n[i]) - xb, z = log(R[i]) - zb;
        sxx += x * x, sxz += x * z;
    }
    if (!(sxx > 0)) return FATE_EINVAL; /* all n equal */
    double slope = sxz / sxx, icpt = zb - slope * xb, ssr = 0;
    for (size_t i = 0; i < k; i++) {
        double e = log(R[i]) - (icpt + slope * log(n[i]));
        ssr += e * e;
    }
    *A = exp(icpt);
    *p = -slope;
    double s2 = k > 2 ? ssr / (double)(k - 2) : NAN;
    if (p_se) *p_se = sqrt(s2 / sxx);
    if (A_se) *A_se = *A * sqrt(s2 * (1.0 / (double)k + xb * xb / sxx));
    return FATE_OK;
}

double fate_relu_boundary(double A, double p, double pperp)
{
    if (!(A > 0) || !(p > 0) || isnan(pperp)) return NAN;
    if (pperp <= 0) return INFINITY;
    return pow(A / pperp, 1.0 / p);
}
