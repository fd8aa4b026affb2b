/* figures.c - phase maps, slices, double descent and ridge curves of a sweep,
 * simulation with theory overlaid (see figures.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fate_plot.h"
#include "figures.h"

void file_list_add(file_list *l, const char *path)
{
    /* a folder assembled twice in one run (fate reproduce reopens sigma0.2,
     * already complete, for the decay experiment's baseline) is listed once */
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->paths[i], path)) return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        char **p = realloc(l->paths, cap * sizeof *p);
        if (!p) return;
        l->paths = p;
        l->cap = cap;
    }
    l->paths[l->n] = strdup(path);
    if (l->paths[l->n]) l->n++;
}

void file_list_free(file_list *l)
{
    for (size_t i = 0; i < l->n; i++) free(l->paths[i]);
    free(l->paths);
    memset(l, 0, sizeof *l);
}

static const char *method_key(unsigned m)
{
    return m == FATE_METHOD_LT ? "lt" : m == FATE_METHOD_FT ? "ft" : "scratch";
}

void grid_of(double *out, const sweep_view *v, const char *method, double lambda, int risk)
{
    for (size_t i = 0; i < v->n_gammas * v->n_thetas; i++) out[i] = NAN;
    for (size_t r = 0; r < v->n_rows; r++) {
        const summary_row *s = &v->rows[r];
        if (strcmp(s->method, method) != 0) continue;
        if (!strcmp(method, "lt") && s->lambda != lambda) continue;
        out[s->gamma_index * v->n_thetas + s->theta_index] = risk ? s->mean_risk : s->mean_T;
    }
}

double theory_T_at(const fate_spec *base, double gamma, double theta, double lambda,
                   unsigned method, int paper)
{
    fate_theory_point p;
    memset(&p, 0, sizeof p);
    p.gamma = gamma;
    p.theta = theta;
    p.sigma = base->sigma;
    p.lambda = lambda;
    p.gamma_src = base->n_src ? (double)base->n_src / (double)base->d : 0.0;
    p.sigma_src = base->sigma_src;
    p.d = 0;
    p.depth = base->depth;
    if (fate_theory_eval(&p) != FATE_OK) return NAN;
    if (method == FATE_METHOD_LT) return p.T_lt;
    if (method == FATE_METHOD_FT) return paper ? p.T_ft : p.T_ft_gf;
    return 0.0;
}

/* y range from the simulation points (mean +- error bar): the data decide
 * the frame, and theory lines are clipped to it. Robust to the double-descent
 * spike: points beyond 4 times the 90th percentile of |value| are ignored. */
static void sim_ylim(fate_line_plot *p)
{
    size_t cap = 0;
    for (size_t k = 0; k < p->n_series; k++)
        if (p->series[k].style == FATE_SERIES_POINTS) cap += 2 * p->series[k].n;
    if (cap == 0) return;
    double *v = malloc(cap * sizeof *v), *a = malloc(cap * sizeof *a);
    if (!v || !a) { free(v); free(a); return; }
    size_t n = 0;
    for (size_t k = 0; k < p->n_series; k++) {
        const fate_series *s = &p->series[k];
        if (s->style != FATE_SERIES_POINTS) continue;
        for (size_t i = 0; i < s->n; i++) {
            double e = s->err && isfinite(s->err[i]) ? s->err[i] : 0.0;
            if (!isfinite(s->y[i])) continue;
            v[n++] = s->y[i] - e;
            v[n++] = s->y[i] + e;
        }
    }
    if (n == 0) { free(v); free(a); return; }
    for (size_t i = 0; i < n; i++) a[i] = fabs(v[i]);
    for (size_t i = 1; i < n; i++)
        for (size_t k = i; k > 0 && a[k - 1] > a[k]; k--) { double x = a[k]; a[k] = a[k - 1]; a[k - 1] = x; }
    double lim = 4.0 * a[(size_t)floor(0.9 * (double)(n - 1))];
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (fabs(v[i]) <= lim || lim == 0.0) { lo = fmin(lo, v[i]); hi = fmax(hi, v[i]); }
    if (p->zero_line) { lo = fmin(lo, 0.0); hi = fmax(hi, 0.0); }
    double pad = 0.08 * (hi - lo > 0 ? hi - lo : 1.0);
    p->ymin = lo - pad;
    p->ymax = hi + pad;
    free(v);
    free(a);
}

static int emit(const char *dir, const char *stem, unsigned fmts, file_list *out,
                int (*draw)(const char *path, fate_plot_format fmt, const void *arg), const void *arg)
{
    const fate_plot_format all[3] = {FATE_PLOT_PNG, FATE_PLOT_SVG, FATE_PLOT_PDF};
    for (int k = 0; k < 3; k++) {
        if (!(fmts & all[k])) continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.%s", dir, stem, fate_plot_extension(all[k]));
        if (draw(path, all[k], arg) != 0) {
            fprintf(stderr, "fate: could not write figure %s\n", path);
            return -1;
        }
        file_list_add(out, path);
    }
    return 0;
}

static int draw_map(const char *path, fate_plot_format fmt, const void *arg)
{
    return fate_plot_phase_map(path, fmt, (const fate_phase_map *)arg) == FATE_OK ? 0 : -1;
}

static int draw_lines(const char *path, fate_plot_format fmt, const void *arg)
{
    return fate_plot_lines(path, fmt, (const fate_line_plot *)arg) == FATE_OK ? 0 : -1;
}

int fig_emit_map(const char *dir, const char *stem, unsigned fmts, file_list *out, const fate_phase_map *m)
{
    return emit(dir, stem, fmts, out, draw_map, m);
}

int fig_emit_lines(const char *dir, const char *stem, unsigned fmts, file_list *out, const fate_line_plot *p)
{
    return emit(dir, stem, fmts, out, draw_lines, p);
}

/* Noise and source as a short title suffix. */
static void setting(char *buf, size_t size, const sweep_view *v)
{
    const fate_spec *b = v->base;
    int k = snprintf(buf, size, "d = %zu, L = %zu, σ = %g", b->d, b->depth, b->sigma);
    if (b->n_src && k > 0 && (size_t)k < size)
        snprintf(buf + k, size - (size_t)k, ", γ_s = %.3g, σ_s = %g",
                 (double)b->n_src / (double)b->d, b->sigma_src);
}

int fig_phase_map(const sweep_view *v, const char *dir, const char *stem, unsigned method,
                  int theory_only, unsigned fmts, file_list *out)
{
    const size_t G = v->n_gammas, T = v->n_thetas;
    const double lambda = v->lambdas[0];
    double *vals = malloc(G * T * sizeof *vals);
    /* theory field on a fine grid for the zero contour */
    enum { CN = 161 };
    double *cg = malloc(CN * sizeof *cg), *ct = malloc(CN * sizeof *ct), *cv = malloc(CN * CN * sizeof *cv);
    if (!vals || !cg || !ct || !cv) { free(vals); free(cg); free(ct); free(cv); return -1; }
    double g0 = v->gammas[0], g1 = v->gammas[G - 1], t0 = v->thetas[0], t1 = v->thetas[T - 1];
    if (G > 1) { double h = (g1 - g0) / (double)(G - 1) / 2; g0 -= h; g1 += h; }
    if (T > 1) { double h = (t1 - t0) / (double)(T - 1) / 2; t0 -= h; t1 += h; }
    if (g0 <= 0) g0 = 1e-3;
    if (t0 < 0) t0 = 0;
    if (t1 > M_PI) t1 = M_PI;
    for (int i = 0; i < CN; i++) {
        cg[i] = g0 + (g1 - g0) * i / (CN - 1.0);
        ct[i] = t0 + (t1 - t0) * i / (CN - 1.0);
    }
    for (int i = 0; i < CN; i++)
        for (int j = 0; j < CN; j++) {
            double x = theory_T_at(v->base, cg[i], ct[j], lambda, method, 0);
            /* the scratch risk diverges at gamma = 1: keep the field finite
             * (only its zero level set is drawn) */
            if (!isfinite(x)) x = x < 0 ? -1e3 : 1e3;
            cv[i * CN + j] = fmax(-1e3, fmin(1e3, x));
        }
    if (theory_only) {
        for (size_t j = 0; j < G; j++)
            for (size_t t = 0; t < T; t++)
                vals[j * T + t] = theory_T_at(v->base, v->gammas[j], v->thetas[t], lambda, method, 0);
    } else {
        grid_of(vals, v, method_key(method), lambda, 0);
    }
    /* colour range: symmetric, from the finite values, but not set by the
     * double-descent spike of T at gamma = 1 (robust: 98th percentile) */
    double *abs = malloc(G * T * sizeof *abs);
    size_t na = 0;
    for (size_t i = 0; abs && i < G * T; i++)
        if (isfinite(vals[i])) abs[na++] = fabs(vals[i]);
    double vmax = 0;
    if (na) {
        for (size_t i = 1; i < na; i++) /* insertion sort: grids are small */
            for (size_t k = i; k > 0 && abs[k - 1] > abs[k]; k--) { double x = abs[k]; abs[k] = abs[k - 1]; abs[k - 1] = x; }
        vmax = abs[(size_t)floor(0.98 * (double)(na - 1))];
    }
    free(abs);
    char title[256], zl[128], set[128];
    setting(set, sizeof set, v);
    const char *ml = method == FATE_METHOD_LT ? "Linear transfer" : "Fine-tuning";
    if (v->tag && *v->tag)
        snprintf(title, sizeof title, "%s — %s: %s T (%s)", v->tag, ml,
                 theory_only ? "theory" : "simulated", set);
    else
        snprintf(title, sizeof title, "%s: %s T (%s)", ml, theory_only ? "theory" : "simulated", set);
    snprintf(zl, sizeof zl, "%s T = R_sc − R_%s", theory_only ? "theory" : "simulated", method_key(method));
    fate_phase_map m = {
        .title = title, .zlabel = zl,
        .thetas = v->thetas, .n_thetas = T, .gammas = v->gammas, .n_gammas = G, .values = vals,
        .contour_thetas = ct, .n_contour_thetas = CN, .contour_gammas = cg, .n_contour_gammas = CN,
        .contour_values = cv,
        .contour_label = method == FATE_METHOD_FT ? "theory T = 0 (gradient flow)" : "theory T = 0",
        .vmax = vmax > 0 ? vmax : 0.0};
    int rc = emit(dir, stem, fmts, out, draw_map, &m);
    free(vals); free(cg); free(ct); free(cv);
    return rc;
}

/* Index of the grid angle nearest to a, or -1 if none within half a step. */
static long nearest(const double *x, size_t n, double a)
{
    long best = -1;
    double bd = INFINITY;
    for (size_t i = 0; i < n; i++)
        if (fabs(x[i] - a) < bd) { bd = fabs(x[i] - a); best = (long)i; }
    double tol = n > 1 ? 0.51 * fabs(x[1] - x[0]) : 1e-9;
    return bd <= tol + 1e-12 ? best : -1;
}

static void angle_text(char *buf, size_t size, double a)
{
    /* pi multiples with small denominators read better than decimals */
    for (int den = 1; den <= 24; den++) {
        double num = a * den / M_PI;
        if (fabs(num - round(num)) < 1e-9) {
            long k = lround(num);
            if (k == 0) snprintf(buf, size, "0");
            else if (den == 1 && k == 1) snprintf(buf, size, "π");
            else if (den == 1) snprintf(buf, size, "%ldπ", k);
            else if (k == 1) snprintf(buf, size, "π/%d", den);
            else snprintf(buf, size, "%ldπ/%d", k, den);
            return;
        }
    }
    snprintf(buf, size, "%.3f", a);
}

/* The simulated T (mean ± std) with the theory lines along one axis of the
 * grid, one slice per index fix[0..nfix) of the other axis: along gamma at
 * fixed angles (the paper's slices), or along theta at fixed gammas. */
static int slices_along(const sweep_view *v, const char *dir, const char *stem, unsigned method,
                        int along_theta, const size_t *fix, size_t nfix, unsigned fmts, file_list *out)
{
    const size_t G = v->n_gammas, T = v->n_thetas, ND = 400, NX = along_theta ? T : G;
    const double *xs = along_theta ? v->thetas : v->gammas;
    double *mean = malloc(G * T * sizeof *mean), *sd = malloc(G * T * sizeof *sd);
    double *xd = malloc(ND * sizeof *xd), *yd = malloc(2 * nfix * ND * sizeof *yd);
    double *ys = malloc(nfix * NX * sizeof *ys), *es = malloc(nfix * NX * sizeof *es);
    fate_series *ser = calloc(3 * nfix, sizeof *ser);
    char (*labels)[96] = calloc(3 * nfix, sizeof *labels);
    int rc = -1;
    if (!mean || !sd || !xd || !yd || !ys || !es || !ser || !labels) goto done;
    for (size_t i = 0; i < G * T; i++) mean[i] = sd[i] = NAN;
    for (size_t r = 0; r < v->n_rows; r++) {
        const summary_row *s = &v->rows[r];
        if (strcmp(s->method, method_key(method)) != 0) continue;
        if (method == FATE_METHOD_LT && s->lambda != v->lambdas[0]) continue;
        mean[s->gamma_index * T + s->theta_index] = s->mean_T;
        sd[s->gamma_index * T + s->theta_index] = s->std_T;
    }
    /* theory over the grid's range; around the one value of a one-value axis */
    double x0 = xs[0], x1 = xs[NX - 1];
    if (NX == 1) {
        x0 = along_theta ? fmax(0.0, x0 - M_PI / 8) : 0.5 * x0;
        x1 = along_theta ? fmin(M_PI, x1 + M_PI / 8) : 1.5 * x1;
    }
    for (size_t i = 0; i < ND; i++) xd[i] = x0 + (x1 - x0) * (double)i / (double)(ND - 1);
    size_t ns = 0;
    for (size_t a = 0; a < nfix; a++) {
        const size_t f = fix[a];
        char at[48], ang[32];
        angle_text(ang, sizeof ang, v->thetas[f]);
        if (along_theta) snprintf(at, sizeof at, "γ = %.3g", v->gammas[f]);
        else snprintf(at, sizeof at, "θ = %s", ang);
        for (size_t k = 0; k < NX; k++) {
            size_t c = along_theta ? f * T + k : k * T + f;
            ys[a * NX + k] = mean[c];
            es[a * NX + k] = sd[c];
        }
        const int col = (int)(a % 8);
        snprintf(labels[ns], sizeof labels[0], "simulation %s (mean ± std)", at);
        ser[ns] = (fate_series){labels[ns], xs, ys + a * NX, es + a * NX, NX, FATE_SERIES_POINTS, col};
        ns++;
        double *yt = yd + (2 * a) * ND, *yp = yd + (2 * a + 1) * ND;
        for (size_t i = 0; i < ND; i++) {
            double g = along_theta ? v->gammas[f] : xd[i], t = along_theta ? xd[i] : v->thetas[f];
            yt[i] = theory_T_at(v->base, g, t, v->lambdas[0], method, 0);
            yp[i] = theory_T_at(v->base, g, t, v->lambdas[0], method, 1);
        }
        snprintf(labels[ns], sizeof labels[0], "theory %s%s", at,
                 method == FATE_METHOD_FT ? " (gradient flow)" : "");
        ser[ns] = (fate_series){labels[ns], xd, yt, NULL, ND, FATE_SERIES_LINE, col};
        ns++;
        if (method == FATE_METHOD_FT && v->base->sigma > 0) {
            snprintf(labels[ns], sizeof labels[0], "paper c = 1, %s", at);
            ser[ns] = (fate_series){labels[ns], xd, yp, NULL, ND, FATE_SERIES_DASHED, col};
            ns++;
        }
    }
    char title[256], set[128], yl[64];
    setting(set, sizeof set, v);
    snprintf(title, sizeof title, "%s%s%s transferability vs %s (%s)", v->tag && *v->tag ? v->tag : "",
             v->tag && *v->tag ? " — " : "", method == FATE_METHOD_LT ? "Linear-transfer" : "Fine-tuning",
             along_theta ? "θ" : "γ", set);
    snprintf(yl, sizeof yl, "T = R_sc − R_%s", method_key(method));
    fate_line_plot p = {.title = title,
                        .xlabel = along_theta ? "feature angle θ (rad)" : "target samples per dimension γ = n/d",
                        .ylabel = yl, .series = ser, .n_series = ns, .zero_line = 1};
    sim_ylim(&p);
    rc = emit(dir, stem, fmts, out, draw_lines, &p);
done:
    free(mean); free(sd); free(xd); free(yd); free(ys); free(es); free(ser); free(labels);
    return rc;
}

int fig_slices(const sweep_view *v, const char *dir, const char *stem, unsigned method,
               const double *angles, size_t na, unsigned fmts, file_list *out)
{
    size_t *fix = malloc((na ? na : 1) * sizeof *fix), nfix = 0;
    if (!fix) return -1;
    for (size_t a = 0; a < na; a++) {
        long t = nearest(v->thetas, v->n_thetas, angles[a]);
        if (t < 0) fprintf(stderr, "fate: slice at theta = %.4f skipped: not on the theta grid\n", angles[a]);
        else fix[nfix++] = (size_t)t;
    }
    int rc = nfix ? slices_along(v, dir, stem, method, 0, fix, nfix, fmts, out) : 0;
    free(fix);
    return rc;
}

int fig_slices_theta(const sweep_view *v, const char *dir, const char *stem, unsigned method,
                     unsigned fmts, file_list *out)
{
    size_t *fix = malloc(v->n_gammas * sizeof *fix);
    if (!fix) return -1;
    for (size_t j = 0; j < v->n_gammas; j++) fix[j] = j;
    int rc = slices_along(v, dir, stem, method, 1, fix, v->n_gammas, fmts, out);
    free(fix);
    return rc;
}

int fig_phase_all(const sweep_view *v, const char *dir, unsigned methods, const double *slices,
                  size_t n_slices, int theory_map, unsigned fmts, file_list *out)
{
    const size_t G = v->n_gammas, T = v->n_thetas;
    const int maps = G > 1 && T > 1;
    if (!maps)
        fprintf(stderr, "fate phase: %s: phase maps need at least 2 angles and 2 gammas; drawing slices only\n",
                G > 1 ? "one angle" : T > 1 ? "one gamma" : "one angle and one gamma");
    int rc = 0;
    const unsigned ms[2] = {FATE_METHOD_LT, FATE_METHOD_FT};
    for (int k = 0; k < 2; k++) {
        if (!(methods & ms[k])) continue;
        const char *key = method_key(ms[k]);
        char stem[64];
        if (maps) {
            snprintf(stem, sizeof stem, "phase_%s", key);
            rc |= fig_phase_map(v, dir, stem, ms[k], 0, fmts, out);
            if (theory_map) {
                snprintf(stem, sizeof stem, "phase_%s_theory", key);
                rc |= fig_phase_map(v, dir, stem, ms[k], 1, fmts, out);
            }
        }
        /* one angle: the slice at it, whatever --slices asked */
        snprintf(stem, sizeof stem, "slices_%s", key);
        if (T == 1) rc |= fig_slices(v, dir, stem, ms[k], v->thetas, 1, fmts, out);
        else if (G == 1) rc |= fig_slices_theta(v, dir, stem, ms[k], fmts, out);
        else rc |= fig_slices(v, dir, stem, ms[k], slices, n_slices, fmts, out);
    }
    rc |= fig_scratch(v, dir, "scratch", fmts, out);
    if (v->n_lambdas > 1 && (methods & FATE_METHOD_LT))
        rc |= fig_ridge(v, dir, "ridge", 0.5, M_PI / 8, fmts, out);
    return rc ? -1 : 0;
}

int fig_scratch(const sweep_view *v, const char *dir, const char *stem, unsigned fmts,
                file_list *out)
{
    const size_t G = v->n_gammas, ND = 600;
    double *y = malloc(G * sizeof *y), *e = malloc(G * sizeof *e), *xd = malloc(ND * sizeof *xd);
    double *ya = malloc(ND * sizeof *ya), *yx = malloc(ND * sizeof *yx);
    int rc = -1;
    if (!y || !e || !xd || !ya || !yx) goto done;
    size_t found = 0;
    for (size_t j = 0; j < G; j++) y[j] = e[j] = NAN;
    for (size_t r = 0; r < v->n_rows; r++) {
        const summary_row *s = &v->rows[r];
        if (strcmp(s->method, "scratch") != 0 || s->theta_index != 0) continue;
        y[s->gamma_index] = s->mean_risk;
        e[s->gamma_index] = s->std_risk;
        found++;
    }
    if (!found) { rc = 0; goto done; }
    double gmax = v->gammas[G - 1] * 1.02, gmin = fmin(0.02, v->gammas[0]);
    for (size_t i = 0; i < ND; i++) {
        xd[i] = gmin + (gmax - gmin) * (double)i / (double)(ND - 1);
        ya[i] = fate_theory_scratch(xd[i], v->base->sigma);
        size_t n = (size_t)lround(xd[i] * (double)v->base->d);
        yx[i] = n >= 1 ? fate_theory_scratch_exact(n, v->base->d, v->base->sigma) : NAN;
    }
    char title[256], set[128], lx[64];
    setting(set, sizeof set, v);
    snprintf(title, sizeof title, "%s%sScratch risk: double descent (%s)", v->tag && *v->tag ? v->tag : "",
             v->tag && *v->tag ? " — " : "", set);
    snprintf(lx, sizeof lx, "theory, d = %zu (exact mean)", v->base->d);
    fate_series ser[3] = {
        {"simulation (mean ± std)", v->gammas, y, e, G, FATE_SERIES_POINTS, 0},
        {"theory, d → ∞", xd, ya, NULL, ND, FATE_SERIES_LINE, 1},
        {lx, xd, yx, NULL, ND, FATE_SERIES_DASHED, 2}};
    fate_line_plot p = {.title = title, .xlabel = "target samples per dimension γ = n/d",
                        .ylabel = "scratch risk R_sc = |β̂ − β_t|²", .series = ser, .n_series = 3};
    sim_ylim(&p);
    if (p.ymin < 0) p.ymin = 0; /* a risk */
    rc = emit(dir, stem, fmts, out, draw_lines, &p);
done:
    free(y); free(e); free(xd); free(ya); free(yx);
    return rc;
}

int fig_ridge(const sweep_view *v, const char *dir, const char *stem, double gamma, double theta,
              unsigned fmts, file_list *out)
{
    const size_t NL = v->n_lambdas, ND = 200;
    if (NL < 2) return 0;
    long j = nearest(v->gammas, v->n_gammas, gamma), t = nearest(v->thetas, v->n_thetas, theta);
    if (j < 0) j = 0;
    if (t < 0) t = 0;
    double *y = malloc(NL * sizeof *y), *e = malloc(NL * sizeof *e), *xd = malloc(ND * sizeof *xd);
    double *yd = malloc(ND * sizeof *yd), *ye = malloc(NL * sizeof *ye);
    int rc = -1;
    if (!y || !e || !xd || !yd || !ye) goto done;
    for (size_t l = 0; l < NL; l++) y[l] = e[l] = ye[l] = NAN;
    for (size_t r = 0; r < v->n_rows; r++) {
        const summary_row *s = &v->rows[r];
        if (strcmp(s->method, "lt") != 0 || s->gamma_index != (size_t)j || s->theta_index != (size_t)t) continue;
        for (size_t l = 0; l < NL; l++)
            if (s->lambda == v->lambdas[l]) {
                y[l] = s->mean_risk;
                e[l] = s->std_risk;
                ye[l] = s->theory_risk;
            }
    }
    double lmin = v->lambdas[0], lmax = v->lambdas[NL - 1];
    for (size_t i = 0; i < ND; i++) {
        xd[i] = lmin + (lmax - lmin) * (double)i / (double)(ND - 1);
        fate_theory_point p;
        memset(&p, 0, sizeof p);
        p.gamma = v->gammas[j];
        p.theta = v->thetas[t];
        p.sigma = v->base->sigma;
        p.lambda = xd[i];
        p.gamma_src = v->base->n_src ? (double)v->base->n_src / (double)v->base->d : 0.0;
        p.sigma_src = v->base->sigma_src;
        p.depth = v->base->depth;
        yd[i] = fate_theory_eval(&p) == FATE_OK ? p.R_lt : NAN;
    }
    char title[256], set[128], at[32];
    setting(set, sizeof set, v);
    angle_text(at, sizeof at, v->thetas[t]);
    snprintf(title, sizeof title, "Linear transfer with ridge at γ = %.3g, θ = %s (%s)", v->gammas[j], at, set);
    fate_series ser[3] = {
        {"simulation (mean ± std)", v->lambdas, y, e, NL, FATE_SERIES_POINTS, 0},
        {"theory (n, d → ∞)", xd, yd, NULL, ND, FATE_SERIES_LINE, 1},
        {"theory at finite n (λ = 0 exact)", v->lambdas, ye, NULL, NL, FATE_SERIES_DASHED, 2}};
    fate_line_plot p = {.title = title, .xlabel = "ridge λ (penalty nλ|w_L|²)",
                        .ylabel = "linear-transfer risk R_lt", .series = ser, .n_series = 3};
    rc = emit(dir, stem, fmts, out, draw_lines, &p);
done:
    free(y); free(e); free(xd); free(yd); free(ye);
    return rc;
}
