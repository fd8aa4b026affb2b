/* compare_figures.c - the figures that set the transfer methods side by
 * side (fate reproduce, "Beyond the paper"): T of every method against
 * gamma at one angle, and the map of the method with the lowest risk, each
 * with its theory (THEORY.md section 8). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "figures.h"

/* The candidates, in palette order: the baseline (no transfer) first. */
static size_t candidates(unsigned *out, const sweep_view *v, unsigned methods)
{
    static const unsigned order[] = {FATE_METHOD_LT, FATE_METHOD_FT, FATE_METHOD_LPFT, FATE_METHOD_L2SP};
    size_t n = 0;
    out[n++] = v->baseline ? v->baseline : FATE_METHOD_SCRATCH;
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++)
        if (methods & order[k]) out[n++] = order[k];
    return n;
}

/* The summary row of (cell, method); lt at the first ridge. NULL if none. */
static const summary_row *row_of(const sweep_view *v, size_t j, size_t t, unsigned method)
{
    const char *w = fate_method_name(method);
    for (size_t i = 0; i < v->n_rows; i++) {
        const summary_row *r = &v->rows[i];
        if (r->gamma_index == j && r->theta_index == t && !strcmp(r->method, w) &&
            (method != FATE_METHOD_LT || r->lambda == v->lambdas[0]))
            return r;
    }
    return NULL;
}

/* The candidate with the lowest mean risk in cell (j, t), or -1. */
static int winner(const sweep_view *v, const unsigned *cand, size_t nc, size_t j, size_t t)
{
    int best = -1;
    double rb = INFINITY;
    for (size_t k = 0; k < nc; k++) {
        const summary_row *r = row_of(v, j, t, cand[k]);
        if (r && r->mean_risk < rb) rb = r->mean_risk, best = (int)k;
    }
    return best;
}

static const char *short_name(unsigned m)
{
    switch (m) {
    case FATE_METHOD_LT: return "linear transfer (lt)";
    case FATE_METHOD_FT: return "fine-tuning (ft)";
    case FATE_METHOD_LPFT: return "LP-FT (lpft)";
    case FATE_METHOD_L2SP: return "L2-SP (l2sp)";
    case FATE_METHOD_RIDGE: return "no transfer: tuned ridge";
    case FATE_METHOD_RIDGE_CV: return "no transfer: ridge, LOO";
    default: return "no transfer: scratch";
    }
}

/* Theory field of candidate k: the margin by which it beats the best other
 * candidate, min_j (T_k - T_j) (> 0 where the theory picks k); NaN where a
 * candidate has no closed form. */
static void winner_fields(double *f, const sweep_view *v, const unsigned *cand, size_t nc, const double *cx,
                          size_t nx, const double *cy, size_t ny)
{
    double T[8];
    for (size_t a = 0; a < ny; a++)
        for (size_t b = 0; b < nx; b++) {
            for (size_t k = 0; k < nc; k++)
                T[k] = theory_T_vs(v->base, cy[a], cx[b], v->lambdas[0], cand[k], v->baseline, 0);
            for (size_t k = 0; k < nc; k++) {
                double m = INFINITY;
                for (size_t q = 0; q < nc; q++)
                    if (q != k) m = fmin(m, T[k] - T[q]);
                f[(k * ny + a) * nx + b] = m;
            }
        }
}

int fig_winner_map(const sweep_view *v, const char *dir, const char *stem, unsigned methods, const char *title,
                   unsigned fmts, file_list *out)
{
    unsigned cand[8];
    const size_t nc = candidates(cand, v, methods), G = v->n_gammas, T = v->n_thetas, NX = 121, NY = 121;
    int *cat = malloc(G * T * sizeof *cat);
    double *cx = malloc(NX * sizeof *cx), *cy = malloc(NY * sizeof *cy), *f = malloc(nc * NX * NY * sizeof *f);
    int rc = -1;
    if (cat && cx && cy && f) {
        for (size_t j = 0; j < G; j++)
            for (size_t t = 0; t < T; t++) cat[j * T + t] = winner(v, cand, nc, j, t);
        /* theory over the cells' extent */
        for (size_t b = 0; b < NX; b++) cx[b] = v->thetas[0] + (v->thetas[T - 1] - v->thetas[0]) * (double)b / (NX - 1);
        for (size_t a = 0; a < NY; a++) cy[a] = v->gammas[0] + (v->gammas[G - 1] - v->gammas[0]) * (double)a / (NY - 1);
        winner_fields(f, v, cand, nc, cx, NX, cy, NY);
        const char *names[8];
        for (size_t k = 0; k < nc; k++) names[k] = short_name(cand[k]);
        const fate_category_map m = {title, v->thetas, T, v->gammas, G, cat, names, nc, cx, NX, cy, NY, f,
                                     "theory boundary", NULL, NULL};
        rc = fig_emit_category(dir, stem, fmts, out, &m);
    }
    free(cat), free(cx), free(cy), free(f);
    return rc;
}

/* T of every candidate but the baseline against gamma at grid angle t:
 * simulation (mean ± standard error) and the theory line, one colour each. */
int fig_compare_slice(const sweep_view *v, const char *dir, const char *stem, size_t t, unsigned methods,
                      const char *title, unsigned fmts, file_list *out)
{
    unsigned cand[8];
    const size_t nc = candidates(cand, v, methods), G = v->n_gammas, NL = 300;
    double *buf = malloc((3 * G + 2 * NL) * nc * sizeof *buf);
    fate_series ser[16];
    char lab[16][96];
    if (!buf) return -1;
    size_t ns = 0;
    for (size_t k = 1; k < nc; k++) {
        double *x = buf + (k * 3) * G, *y = x + G, *e = y + G, *xl = buf + 3 * G * nc + k * 2 * NL, *yl = xl + NL;
        size_t np = 0;
        for (size_t j = 0; j < G; j++) {
            const summary_row *r = row_of(v, j, t, cand[k]);
            if (!r) continue;
            x[np] = v->gammas[j], y[np] = r->mean_T, e[np++] = r->sem_T;
        }
        for (size_t q = 0; q < NL; q++) {
            xl[q] = v->gammas[0] + (v->gammas[G - 1] - v->gammas[0]) * (double)q / (NL - 1);
            yl[q] = theory_T_vs(v->base, xl[q], v->thetas[t], v->lambdas[0], cand[k], v->baseline, 0);
        }
        snprintf(lab[ns], sizeof lab[ns], "%s (simulation ± s.e.)", short_name(cand[k]));
        ser[ns] = (fate_series){lab[ns], x, y, e, np, FATE_SERIES_POINTS, (int)k};
        ns++;
        snprintf(lab[ns], sizeof lab[ns], "theory");
        ser[ns] = (fate_series){lab[ns], xl, yl, NULL, NL, FATE_SERIES_LINE, (int)k};
        ns++;
    }
    char yl[96];
    snprintf(yl, sizeof yl, "T = R_%s − R_method", fate_method_name(cand[0]));
    const fate_line_plot p = {title, "target samples per dimension γ = n/d", yl, ser, ns, 0, 0, 0, 0, 1, 0, 0};
    int rc = fig_emit_lines(dir, stem, fmts, out, &p);
    free(buf);
    return rc;
}
