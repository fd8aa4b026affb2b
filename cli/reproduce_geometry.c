/* reproduce_geometry.c - `fate reproduce`'s "Task geometry" (issue 15;
 * THEORY.md sections 10 and 11): the paper's question beyond one angle.
 *   k features: pretraining on k orthonormal source teachers (the target's
 *     share in their span is rho_par = cos^2 theta, the rest orthogonal), k in
 *     1, 2, 4, ... up to d/4; linear transfer's T over (gamma, theta) per k
 *     with the theory's boundary, T against k at theta = pi/4, and T over
 *     (gamma, kappa = k/d) with the limit's boundary.
 *   Anisotropic inputs: x ~ N(0, Sigma) with a power law eig_i ~ i^-alpha
 *     (tr = d), the teachers in the top, in the tail, or random; T of linear
 *     transfer and fine-tuning over (gamma, theta).
 * A smaller grid than the paper's maps (10 gammas x 8 angles, d <= 200), so
 * that the nine sweeps cost about what one of the paper's does. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "par.h"
#include "reproduce.h"

#define GEO_NG 10
#define GEO_NT 8
#define GEO_NK 6
#define GEO_SIGMA 0.2
#define GEO_ALPHA 0.5 /* at alpha = 1 gradient descent needs far more than 10000 steps near n = d */

static const size_t KS[GEO_NK] = {1, 2, 4, 8, 16, 32};
static const char *const ALIGN_NAME[3] = {"random", "top", "tail"};

typedef struct geo {
    size_t d, nk, K;              /* nk: the k of KS with k <= d/4; K instances */
    double gammas[GEO_NG], thetas[GEO_NT];
    summary_row *rows[GEO_NK + 3]; /* the k sweeps, then random, top, tail */
    size_t nrows[GEO_NK + 3];
    fate_spec base[GEO_NK + 3];
    double *eig;                  /* (d) the power law */
} geo;

static fate_sweep geo_sweep(ctx *c, const geo *g)
{
    static const double lam0 = 0.0;
    fate_sweep w = base_sweep(c, GEO_SIGMA, &lam0, 1);
    w.base.d = w.base.width = g->d;
    w.instances = g->K;
    w.base.methods = FATE_METHOD_SCRATCH | FATE_METHOD_LT | FATE_METHOD_FT;
    w.gammas = g->gammas, w.n_gammas = GEO_NG;
    w.thetas = g->thetas, w.n_thetas = GEO_NT;
    return w;
}

/* The nine sweeps, each resumable in its own folder. */
static int geo_run(ctx *c, geo *g)
{
    char sub[64];
    int rc = JOB_OK;
    for (size_t i = 0; rc == JOB_OK && i < g->nk + 3; i++) {
        fate_sweep w = geo_sweep(c, g);
        if (i < g->nk) {
            w.base.k = KS[i];
            snprintf(sub, sizeof sub, "geometry/k%zu", KS[i]);
        } else {
            w.base.spectrum = g->eig;
            w.base.align = (unsigned)(i - g->nk);
            snprintf(sub, sizeof sub, "geometry/%s", ALIGN_NAME[w.base.align]);
        }
        g->base[i] = w.base;
        rc = run_sweep(c, sub, &w, &g->rows[i], &g->nrows[i]);
    }
    return rc;
}

static sweep_view geo_view(const geo *g, size_t i, const char *tag)
{
    static const double lam0 = 0.0;
    return (sweep_view){&g->base[i], g->gammas, g->thetas, &lam0, GEO_NG, GEO_NT, 1, g->rows[i], g->nrows[i], tag, 0};
}

/* T of linear transfer (and fine-tuning) against k at the grid angle t and
 * two gammas: simulation +- 1 standard error, the exact theory of THEORY.md
 * section 10 at every k (scratch exact minus fate_theory_lt_k_exact). */
static int fig_T_vs_k(ctx *c, const geo *g, const char *dir, size_t t, const size_t *js)
{
    enum { KMAX = 64 };
    double kx[GEO_NK], y[4][GEO_NK], e[4][GEO_NK], tx[KMAX], ty[2][KMAX];
    size_t nth = 0;
    for (size_t i = 0; i < g->nk; i++) {
        kx[i] = (double)KS[i];
        for (int a = 0; a < 2; a++)
            for (int m = 0; m < 2; m++) {
                const summary_row *r = repro_find(g->rows[i], g->nrows[i], js[a], t, m ? "ft" : "lt");
                y[2 * a + m][i] = r ? r->mean_T : NAN;
                e[2 * a + m][i] = r ? r->sem_T : NAN;
            }
    }
    const double rho_par = cos(g->thetas[t]) * cos(g->thetas[t]);
    for (size_t k = 1; k <= KS[g->nk - 1] && nth < KMAX; k++, nth++) {
        tx[nth] = (double)k;
        for (int a = 0; a < 2; a++) {
            const size_t n = (size_t)lround(g->gammas[js[a]] * (double)g->d);
            ty[a][nth] = fate_theory_scratch_exact(n, g->d, GEO_SIGMA) -
                         fate_theory_lt_k_exact(n, k, rho_par, GEO_SIGMA);
        }
    }
    char lab[6][96], title[200];
    fate_series s[6];
    for (int a = 0; a < 2; a++) {
        const double gm = g->gammas[js[a]];
        snprintf(lab[3 * a], sizeof lab[0], "lt, γ = %.1f (simulated ± s.e.)", gm);
        snprintf(lab[3 * a + 1], sizeof lab[0], "lt, γ = %.1f: theory (exact)", gm);
        snprintf(lab[3 * a + 2], sizeof lab[0], "ft, γ = %.1f (simulated, no theory)", gm);
        s[3 * a] = (fate_series){lab[3 * a], kx, y[2 * a], e[2 * a], g->nk, FATE_SERIES_POINTS, 2 * a};
        s[3 * a + 1] = (fate_series){lab[3 * a + 1], tx, ty[a], NULL, nth, FATE_SERIES_LINE, 2 * a};
        s[3 * a + 2] = (fate_series){lab[3 * a + 2], kx, y[2 * a + 1], e[2 * a + 1], g->nk, FATE_SERIES_POINTS,
                                     2 * a + 1};
    }
    snprintf(title, sizeof title, "T against the number of pretrained features k (ρ∥ = %.2f, σ = %.1f, d = %zu)",
             rho_par, GEO_SIGMA, g->d);
    /* room above the data for the legend (upper right) */
    double lo = INFINITY, hi = -INFINITY;
    for (int q = 0; q < 4; q++)
        for (size_t i = 0; i < g->nk; i++)
            if (isfinite(y[q][i])) lo = fmin(lo, y[q][i] - e[q][i]), hi = fmax(hi, y[q][i] + e[q][i]);
    for (int a = 0; a < 2; a++)
        for (size_t i = 0; i < nth; i++)
            if (isfinite(ty[a][i])) lo = fmin(lo, ty[a][i]), hi = fmax(hi, ty[a][i]);
    const double span = hi > lo ? hi - lo : 1.0;
    fate_line_plot p = {title, "pretrained features k", "T = R_sc − R_method", s, 6, 0.7, KS[g->nk - 1] * 1.4,
                        lo - 0.05 * span, hi + 0.8 * span, 1, 1, 0};
    return fig_emit_lines(dir, "T_vs_k", c->o->plot, &c->files, &p);
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* T of linear transfer over (gamma, kappa = k/d) at the grid angle t, with
 * the limit's boundary R_sc(gamma) = R_lt_k(gamma, kappa) (section 10). */
static int fig_kappa_map(ctx *c, const geo *g, const char *dir, size_t t)
{
    enum { CG = 60, CK = 60 };
    double kap[GEO_NK], val[GEO_NK * GEO_NG], cg[CG], ck[CK], cv[CK * CG];
    const double rho_par = cos(g->thetas[t]) * cos(g->thetas[t]), d = (double)g->d;
    for (size_t i = 0; i < g->nk; i++) {
        kap[i] = (double)KS[i] / d;
        for (size_t j = 0; j < GEO_NG; j++) {
            const summary_row *r = repro_find(g->rows[i], g->nrows[i], j, t, "lt");
            val[i * GEO_NG + j] = r ? r->mean_T : NAN;
        }
    }
    const double k0 = log(kap[0] / 1.5), k1 = log(kap[g->nk - 1] * 1.5);
    for (size_t a = 0; a < CG; a++) cg[a] = 0.1 + 2.0 * (double)a / (CG - 1);
    for (size_t b = 0; b < CK; b++) {
        ck[b] = exp(k0 + (k1 - k0) * (double)b / (CK - 1));
        for (size_t a = 0; a < CG; a++)
            cv[b * CG + a] = fate_theory_scratch(cg[a], GEO_SIGMA) - fate_theory_lt_k(cg[a], ck[b], rho_par, GEO_SIGMA);
    }
    /* colours over the 90th percentile of |T|: the corner n = k + 4 (the
     * inverse-Wishart variance near its pole) would wash out the rest */
    double mag[GEO_NK * GEO_NG];
    size_t nm = 0;
    for (size_t i = 0; i < g->nk * GEO_NG; i++)
        if (isfinite(val[i])) mag[nm++] = fabs(val[i]);
    qsort(mag, nm, sizeof *mag, cmp_double);
    const double vmax = nm ? mag[(size_t)(0.9 * (double)(nm - 1))] : 0.0;
    char title[200];
    snprintf(title, sizeof title, "Linear transfer over (γ, κ = k/d): simulated T, ρ∥ = %.2f (σ = %.1f, d = %zu)",
             rho_par, GEO_SIGMA, g->d);
    fate_phase_map m = {.title = title, .zlabel = "T = R_sc − R_lt", .thetas = g->gammas, .n_thetas = GEO_NG,
                        .gammas = kap, .n_gammas = g->nk, .values = val, .contour_thetas = cg,
                        .n_contour_thetas = CG, .contour_gammas = ck, .n_contour_gammas = CK, .contour_values = cv,
                        .contour_label = "theory T = 0 (limit at κ = k/d)", .vmax = vmax,
                        .xlabel = "target samples per dimension γ = n/d", .ylabel = "features per dimension κ = k/d",
                        .x_plain = 1, .ylog = 1};
    return fig_emit_map(dir, "phase_kappa", c->o->plot, &c->files, &m);
}

static int geo_figures(ctx *c, const geo *g, size_t t, const size_t *js)
{
    char dir[4096], tag[96];
    int frc = 0;
    snprintf(dir, sizeof dir, "%s/geometry", c->o->out);
    for (size_t i = 0; i < g->nk + 3; i++) {
        char stem[64];
        const char *name = i < g->nk ? NULL : ALIGN_NAME[i - g->nk];
        /* the figures' own setting names k and the teachers' placement */
        if (name) snprintf(tag, sizeof tag, "power law α = %.1f", GEO_ALPHA);
        else tag[0] = '\0';
        const sweep_view v = geo_view(g, i, tag);
        for (int m = 0; m < 2; m++) {
            if (name) snprintf(stem, sizeof stem, "phase_%s_%s", m ? "ft" : "lt", name);
            else snprintf(stem, sizeof stem, "phase_%s_k%zu", m ? "ft" : "lt", KS[i]);
            frc |= fig_phase_map(&v, dir, stem, m ? FATE_METHOD_FT : FATE_METHOD_LT, 0, c->o->plot, &c->files);
        }
    }
    frc |= fig_T_vs_k(c, g, dir, t, js);
    frc |= fig_kappa_map(c, g, dir, t);
    return frc;
}

/* Cells of a sweep where `m` beats scratch by more than 2 standard errors. */
static size_t helps(const summary_row *rows, size_t n, const char *m)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++) count += !strcmp(rows[i].method, m) && rows[i].mean_T > 2.0 * rows[i].sem_T;
    return count;
}

static void report_k(ctx *c, const geo *g, size_t t, const size_t *js)
{
    report *r = c->rep;
    const char *ext = plot_ext(c->o->plot);
    char rel[128], cap[200];
    report_p(r, "k features. The source has k orthonormal teachers B_s (d × k; a network with k outputs, "
             "pretrained on the population loss |W_1 … W_L − B_s|²_F); its first column is the paper's source "
             "teacher at angle θ from the target, the others orthogonal to the target, so the target's share in the "
             "pretrained feature space is ρ∥ = cos²θ whatever k is. The k − 1 extra features carry none of the "
             "target: they only add variance, (ρ + σ²) k/(n − k − 1) in the exact mean of THEORY.md section 10. "
             "Fine-tuning from a rank-k feature map has no derived theory (simulation only).");
    for (size_t i = 0; i < g->nk; i++) {
        snprintf(cap, sizeof cap, "Linear transfer with k = %zu features, against its exact mean", KS[i]);
        report_dev(r, cap, deviation(g->rows[i], g->nrows[i], "lt", NAN, 1, 0), 0);
    }
    static const size_t show[3] = {1, 4, 16};
    for (size_t i = 0; c->o->plot && i < g->nk; i++)
        for (int s = 0; s < 3; s++)
            if (KS[i] == show[s]) {
                snprintf(rel, sizeof rel, "geometry/phase_lt_k%zu.%s", KS[i], ext);
                snprintf(cap, sizeof cap, "Linear transfer from k = %zu features: simulated T with the theory's "
                                          "T = 0 line", KS[i]);
                report_fig(r, rel, cap);
            }
    if (c->o->plot) {
        snprintf(rel, sizeof rel, "geometry/T_vs_k.%s", ext);
        report_fig(r, rel, "T of linear transfer and fine-tuning against k at θ = π/4, two target sizes");
        snprintf(rel, sizeof rel, "geometry/phase_kappa.%s", ext);
        report_fig(r, rel, "Linear transfer over (γ, κ = k/d) at θ = π/4 with the limit's boundary");
    }
    char line[1024] = "";
    for (size_t i = 0; i < g->nk; i++) {
        const summary_row *lt = repro_find(g->rows[i], g->nrows[i], js[0], t, "lt");
        const summary_row *ft = repro_find(g->rows[i], g->nrows[i], js[0], t, "ft");
        if (lt && ft)
            snprintf(line + strlen(line), sizeof line - strlen(line), "%sk = %zu: T_lt = %.3f ± %.3f, T_ft = %.3f ± "
                     "%.3f", i ? "; " : "", KS[i], lt->mean_T, lt->sem_T, ft->mean_T, ft->sem_T);
    }
    const summary_row *l1 = repro_find(g->rows[0], g->nrows[0], js[0], t, "lt");
    const summary_row *lk = repro_find(g->rows[g->nk - 1], g->nrows[g->nk - 1], js[0], t, "lt");
    const summary_row *f1 = repro_find(g->rows[0], g->nrows[0], js[0], t, "ft");
    const summary_row *fk = repro_find(g->rows[g->nk - 1], g->nrows[g->nk - 1], js[0], t, "ft");
    report_p(r, "At γ = %.1f, θ = π/4 (± one standard error): %s.", g->gammas[js[0]], line);
    if (l1 && lk && f1 && fk && g->nk > 1)
        report_p(r, "From k = 1 to k = %zu features T changes by %+.3f for linear transfer (theory: %+.3f) and by "
                 "%+.3f for fine-tuning (simulation only): fine-tuning retrains the feature layer, so the extra "
                 "features %s.", KS[g->nk - 1], lk->mean_T - l1->mean_T, lk->theory_T - l1->theory_T,
                 fk->mean_T - f1->mean_T,
                 fabs(fk->mean_T - f1->mean_T) < fabs(lk->mean_T - l1->mean_T)
                     ? "cost it less than they cost the fixed features"
                     : "cost it at least as much as they cost the fixed features");
}

static void report_aniso(ctx *c, const geo *g)
{
    report *r = c->rep;
    const char *ext = plot_ext(c->o->plot);
    char rel[128], cap[200];
    report_p(r, "Anisotropic inputs. x ~ N(0, Σ) with a power law eig_i ∝ i^−%.1f (tr Σ = d), so the risk is "
             "|β − β_t|²_Σ (exact for Gaussian inputs). Teachers in the top: β_t = e_1, β_s = cos θ e_1 + sin θ e_2; "
             "in the tail: e_d and e_{d−1}; random: uniform. Pretraining is on the isotropic population loss, so the "
             "feature is β_s exactly. Theory: scratch by the deterministic equivalent of ridgeless regression "
             "(Hastie et al. 2022; an O(1/d) approximation), linear transfer exactly for top and tail (THEORY.md "
             "section 11); linear transfer with random teachers and fine-tuning: simulation only.", GEO_ALPHA);
    for (int a = 1; a < 3; a++) {
        snprintf(cap, sizeof cap, "Linear transfer, teachers in the %s, against its exact mean", ALIGN_NAME[a]);
        report_dev(r, cap, deviation(g->rows[g->nk + a], g->nrows[g->nk + a], "lt", NAN, 1, 0), 0);
    }
    for (int a = 0; a < 3; a++) {
        snprintf(cap, sizeof cap, "Scratch, teachers %s%s, against the deterministic equivalent", a ? "in the " : "",
                 ALIGN_NAME[a]);
        report_dev(r, cap, deviation(g->rows[g->nk + a], g->nrows[g->nk + a], "scratch", NAN, 1, 0), 0);
    }
    char line[1024] = "";
    for (size_t i = 0; i < 4; i++) {
        const size_t s = i == 0 ? 0 : g->nk + i - 1; /* k = 1 isotropic, then random, top, tail */
        const size_t lt = helps(g->rows[s], g->nrows[s], "lt"), ft = helps(g->rows[s], g->nrows[s], "ft");
        snprintf(line + strlen(line), sizeof line - strlen(line), "%s%s: lt %zu, ft %zu", i ? "; " : "",
                 i == 0 ? "isotropic" : ALIGN_NAME[i - 1], lt, ft);
    }
    report_p(r, "Cells (of %d) where transfer beats scratch by more than 2 standard errors: %s.", GEO_NG * GEO_NT,
             line);
    for (int a = 0; c->o->plot && a < 3; a++)
        for (int m = 0; m < 2; m++) {
            snprintf(rel, sizeof rel, "geometry/phase_%s_%s.%s", m ? "ft" : "lt", ALIGN_NAME[a], ext);
            snprintf(cap, sizeof cap, "%s, teachers %s%s (power law α = %.1f)", m ? "Fine-tuning" : "Linear transfer",
                     a ? "in the " : "", ALIGN_NAME[a], GEO_ALPHA);
            report_fig(r, rel, cap);
        }
}

int geometry_experiment(ctx *c)
{
    geo g;
    memset(&g, 0, sizeof g);
    g.d = c->d < 200 ? c->d : 200;
    /* linear transfer's error is a chi-square with one degree of freedom:
     * with a handful of instances its standard error is underestimated, so
     * at least 20 unless --instances says otherwise */
    g.K = c->o->instances || c->K >= 20 ? c->K : 20;
    for (size_t i = 0; i < GEO_NK; i++) g.nk += 4 * KS[i] <= g.d;
    for (size_t j = 0; j < GEO_NG; j++) g.gammas[j] = 0.2 * (double)(j + 1);
    for (size_t t = 0; t < GEO_NT; t++) g.thetas[t] = M_PI / 16 * (double)(t + 1);
    g.eig = malloc(g.d * sizeof *g.eig);
    if (!g.eig || fate_spectrum_powerlaw(g.eig, g.d, GEO_ALPHA) != FATE_OK) {
        free(g.eig);
        fprintf(stderr, "fate reproduce: geometry: out of memory at d = %zu\n", g.d);
        return JOB_FAILED;
    }
    int rc = geo_run(c, &g), frc = 0;
    if (rc == JOB_OK && par_root()) {
        const size_t t = nearest_angle(g.thetas, GEO_NT, M_PI / 4);
        const size_t js[2] = {nearest_angle(g.gammas, GEO_NG, 0.6), nearest_angle(g.gammas, GEO_NG, 2.0)};
        report_h2(c->rep, "Task geometry: k pretrained features and anisotropic inputs (σ = %.1f, d = %zu)",
                  GEO_SIGMA, g.d);
        report_p(c->rep, "Grid: γ = 0.2, 0.4, …, 2.0 and θ = π/16, …, π/2 (coarser than the paper's maps), %zu "
                 "instances per cell, T = R_scratch − R_method. Files: geometry/*/runs.csv and summary.csv. The cells of "
                 "a sweep share each instance's draws (the same target inputs and noise at every θ, nested across "
                 "γ), so their deviations from theory are correlated: one low draw of linear transfer's "
                 "χ²-distributed error shows in a whole row, and the counts within 2 standard errors are not "
                 "independent tests.",
                 g.K);
        frc = c->o->plot ? geo_figures(c, &g, t, js) : 0;
        report_k(c, &g, t, js);
        report_aniso(c, &g);
    }
    for (size_t i = 0; i < GEO_NK + 3; i++) free(g.rows[i]);
    free(g.eig);
    return rc != JOB_OK ? rc : frc ? JOB_FAILED : JOB_OK;
}
