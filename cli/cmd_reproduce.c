/* cmd_reproduce.c - `fate reproduce`: every linear experiment of the paper
 * (THEORY.md section 6) in one folder, with figures and a report that states,
 * per figure, the parameters and how far simulation and theory are apart. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "fate.h"
#include "fate_plot.h"
#include "figures.h"
#include "folder_lock.h"
#include "job.h"
#include "manifest.h"
#include "options.h"
#include "opt_table.h"
#include "par.h"
#include "relu_job.h"
#include "report.h"
#include "reproduce.h"
#include "sweep_job.h"

static const char intro[] =
    "usage: fate reproduce [options]\n"
    "\n"
    "Runs every linear experiment of the paper (Tahir, Ganguli, Rotskoff, ICML 2025)\n"
    "and writes one folder with all CSVs, all figures and a report (report.md and\n"
    "index.html) giving, per figure, the parameters and the deviation of simulation\n"
    "from theory:\n"
    "  sigma0/, sigma0.2/   scratch (double descent), linear transfer and fine-tuning\n"
    "                       phase maps and slices at sigma = 0 and 0.2\n"
    "  ridge/               linear-transfer risk vs lambda in {0, 0.1, ..., 0.5} at\n"
    "                       gamma = 0.5, theta = pi/8\n"
    "  decay/               scratch with weight decay {0, 1e-4, 1e-3, 1e-2, 1e-1}; linear\n"
    "                       transfer against the best decay per gamma\n"
    "  source0.5/, source1.5/  finite source gamma_src = 0.5 and 1.5, sigma = sigma_src = 0.2\n"
    "  relu/                two-layer ReLU networks over (mu, n): transfer maps with the\n"
    "                       predicted boundary, |P_perp f_t|^2 vs mu, Gram matrices\n"
    "                       (full: the paper's d = m* = 100, m = 1000, n = 25..1600,\n"
    "                       8 instances, single precision, about 16 min on 2 cores;\n"
    "                       quick: d = 10, m* = 4, m = 50, 4 instances, which does not\n"
    "                       determine the scratch exponent)\n"
    "  beyond/              beyond the paper at sigma = 0.2: lt, ft, LP-FT and parameter\n"
    "                       transfer (L2-SP) against the oracle-tuned ridge, slices of\n"
    "                       every method at theta = pi/8, pi/4, 3pi/8, the map of the\n"
    "                       best method with the theory's boundaries\n"
    "  geometry/            k pretrained features (k = 1, 2, 4, ... <= d/4) and inputs\n"
    "                       with a power-law spectrum (teachers in the top, the tail or\n"
    "                       random): T maps with theory, T against k (d <= 200, a\n"
    "                       10 x 8 grid)\n"
    "\n";

static const char outro[] =
    "\n"
    "Learning rate, epochs and early stopping follow fate's defaults (automatic rate,\n"
    "10000 epochs, stop at minimum loss + 1e-6), see fate run --help.\n";

/* bit k of the --only mask is X_* = 1 << k */
static const char *const only_words[] = {"sigma0", "sigma0.2", "ridge", "decay", "source",
                                         "relu",   "beyond",   "geometry", NULL};

#define F(field) offsetof(repro_opts, field)
#define NO_GIVEN (-1L)
/* The options of `fate reproduce`, declared once (opt_table.h). */
static const opt_def OPTS[] = {
    {"--quick", NULL, OPT_FLAG, 0, 0, NULL, NULL,
     "reduced size: d = 100, gamma = 0.2..2.0 (10), theta =\n"
     "pi/16..pi/2 (8), 6 instances (under a minute on 2 cores).\n"
     "Default: the paper's size, d = 500, gamma = 0.1..2.0 (20),\n"
     "theta = (0.05..1.0) pi/2 (20), 20 instances, depth 2 (about\n"
     "70 minutes on 2 cores; spread it with mpirun, see the README)", F(quick), 0, NO_GIVEN, NULL, 0},
    {"--instances", "K", OPT_SIZE, 2, 1000000, NULL, NULL, "override the number of instances", F(instances), 0,
     NO_GIVEN, NULL, 0},
    {"--d", "D", OPT_SIZE, 10, 100000, NULL, NULL, "override the dimension", F(d), 0, NO_GIVEN, NULL, 0},
    {"--seed", "S", OPT_U64, 0, 0, NULL, "1", "random seed", F(seed), 0, NO_GIVEN, NULL, 0},
    {"--only", "LIST", OPT_WORDS, 0, 0, "a comma list of sigma0, sigma0.2, ridge, decay, source, relu, beyond, geometry", NULL,
     "run only some of: sigma0, sigma0.2, ridge, decay, source,\nrelu, beyond, geometry", F(only), 0, NO_GIVEN, only_words, 0},
    {"--out", "DIR", OPT_TEXT, 0, 0, "a folder name", "fate-reproduce", "output folder", F(out), 0, NO_GIVEN, NULL,
     OPT_RUN},
    {"--resume", NULL, OPT_FLAG, 0, 0, NULL, NULL,
     "continue the run saved in DIR with its saved options\n"
     "(--threads, --quiet and --plot may change); the original\n"
     "command line with --resume appended continues too, and one\n"
     "that changes --quick, --only, --d, --instances or --seed is\n"
     "refused; rerunning the same command also continues it", F(resume), 0, NO_GIVEN, NULL, OPT_RUN},
    {"--threads", "T", OPT_THREADS, 0, 0, NULL, NULL, "OpenMP threads in " THREADS_RANGE " (default: all cores)",
     F(threads), 0, (long)F(have_threads), NULL, OPT_RUN},
    {"--plot", "LIST", OPT_PLOT, 0, 0, NULL, "png", "figure formats: png, svg, pdf, or none", F(plot), 0,
     (long)F(have_plot), NULL, OPT_RUN},
    {"--quiet", NULL, OPT_FLAG, 0, 0, NULL, NULL, "no progress on stderr", F(quiet), 0, (long)F(have_quiet), NULL,
     OPT_RUN}};
#undef F
static const opt_table TABLE = {"reproduce", "fate reproduce --help", OPTS, sizeof OPTS / sizeof OPTS[0], intro,
                                outro};

/* Every experiment, then the table's defaults; 0 or -1 (a table bug). */
static int defaults(repro_opts *o)
{
    memset(o, 0, sizeof *o);
    o->only = X_SIGMA0 | X_SIGMA02 | X_RIDGE | X_DECAY | X_SOURCE | X_RELU | X_BEYOND | X_GEOMETRY;
    return opt_table_defaults(&TABLE, o);
}

/* 0, 1 after --help, or -1 after one line. */
static int parse(int argc, char **argv, repro_opts *o)
{
    return opt_table_parse(&TABLE, o, argc, argv, 1, &o->n_result_opts);
}

/* The sizes the options resolve to: one place, so that the run and the
 * --resume comparison cannot disagree. */
static size_t linear_d(const repro_opts *o) { return o->d ? o->d : o->quick ? 100 : 500; }
static size_t linear_instances(const repro_opts *o) { return o->instances ? o->instances : o->quick ? 6 : 20; }

/* ---- deviation of simulation from theory ---- */

dev deviation(const summary_row *rows, size_t n, const char *method, double lambda,
                     int use_risk, int paper)
{
    dev d = {0};
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        const summary_row *s = &rows[i];
        if (strcmp(s->method, method) != 0) continue;
        /* lambda NaN: every ridge value */
        if (!strcmp(method, "lt") && !isnan(lambda) && s->lambda != lambda) continue;
        /* scratch and the ridges do not depend on theta: count each gamma once */
        if ((!strcmp(method, "scratch") || !strcmp(method, "ridge") || !strcmp(method, "ridge_cv")) &&
            s->theta_index != 0)
            continue;
        double sim = use_risk ? s->mean_risk : s->mean_T;
        double th = use_risk ? s->theory_risk : (paper ? s->theory_T_paper : s->theory_T);
        if (!isfinite(th) || !isfinite(sim)) continue;
        double e = fabs(sim - th), se = use_risk ? s->sem_risk : s->sem_T;
        d.max_abs = fmax(d.max_abs, e);
        sum += e;
        d.cells++;
        if (se > 0.0 && isfinite(se)) {
            d.with_se++;
            d.within2 += e <= 2.0 * se;
            d.chi2 += (e / se) * (e / se);
        }
        if (!use_risk && fabs(th) > 3 * s->sem_T) {
            d.decided++;
            d.agree += (sim > 0) == (th > 0);
        }
    }
    d.mean_abs = d.cells ? sum / (double)d.cells : NAN;
    return d;
}

static void report_dev_line(report *r, const char *what, dev d, int sign);

/* The same comparison in standard errors: the fraction of cells within 2
 * sem (about 95% if simulation and theory agree and the means are nearly
 * normal) and chi^2 per degree of freedom (about 1; the theory at finite
 * size is exact only where THEORY.md says so, so a limit theory shows its
 * O(1/d) bias here). */
static void report_dev_se(report *r, dev d)
{
    if (!d.with_se) return;
    report_p(r, "In standard errors: %zu of %zu cells (%.1f%%) lie within 2 standard errors of the theory; "
             "χ²/dof = %.2f over %zu cells.", d.within2, d.with_se, 100.0 * (double)d.within2 / (double)d.with_se,
             d.chi2 / (double)d.with_se, d.with_se);
}

void report_dev(report *r, const char *what, dev d, int sign)
{
    report_dev_line(r, what, d, sign);
    report_dev_se(r, d);
}

static void report_dev_line(report *r, const char *what, dev d, int sign)
{
    if (sign)
        report_p(r, "%s: max |simulation − theory| = %.4f, mean = %.4f over %zu cells; the sign of T agrees "
                 "with theory in %zu of %zu cells (%.1f%%) where |T_theory| > 3 standard errors.",
                 what, d.max_abs, d.mean_abs, d.cells, d.agree, d.decided,
                 d.decided ? 100.0 * (double)d.agree / (double)d.decided : 100.0);
    else
        report_p(r, "%s: max |simulation − theory| = %.4f, mean = %.4f over %zu points with a finite theory value.",
                 what, d.max_abs, d.mean_abs, d.cells);
}

static void params_text(char *buf, size_t size, const fate_sweep *w)
{
    const fate_spec *s = &w->base;
    int k = snprintf(buf, size, "d = %zu, depth %zu, σ = %g, %zu instances, gamma = %.3g..%.3g (%zu values), "
                     "theta = %.4f..%.4f rad (%zu values), init scale %g, seed %llu",
                     s->d, s->depth, s->sigma, w->instances, w->gammas[0], w->gammas[w->n_gammas - 1],
                     w->n_gammas, w->thetas[0], w->thetas[w->n_thetas - 1], w->n_thetas,
                     s->init_scale > 0 ? s->init_scale : fate_default_init_scale(s->depth),
                     (unsigned long long)s->seed);
    if (s->n_src && k > 0 && (size_t)k < size)
        snprintf(buf + k, size - (size_t)k, ", finite source n_src = %zu (γ_s = %.3g), σ_s = %g", s->n_src,
                 (double)s->n_src / (double)s->d, s->sigma_src);
}

/* Runs one sweep into OUT/sub; 0, or the job code. */
int run_sweep(ctx *c, const char *sub, const fate_sweep *w, summary_row **rows, size_t *n)
{
    char dir[4096], label[128];
    snprintf(dir, sizeof dir, "%s/%s", c->o->out, sub);
    snprintf(label, sizeof label, "fate reproduce [%s]", sub);
    sweep_job job = {.dir = dir, .sweep = *w, .quiet = c->o->quiet, .label = label};
    return sweep_job_run(&job, rows, n, &c->files);
}

fate_sweep base_sweep(ctx *c, double sigma, const double *lambdas, size_t nl)
{
    fate_sweep w;
    memset(&w, 0, sizeof w);
    fate_spec_default(&w.base);
    w.base.d = c->d;
    w.base.width = c->d;
    w.base.sigma = sigma;
    w.base.seed = c->o->seed;
    w.base.n = 1;
    w.gammas = c->gammas;
    w.n_gammas = c->ng;
    w.thetas = c->thetas;
    w.n_thetas = c->nt;
    w.lambdas = lambdas;
    w.n_lambdas = nl;
    w.instances = c->K;
    w.threads = c->o->threads;
    return w;
}

/* The figures of one phase experiment; non-zero when one could not be written. */
static int phase_figures(const sweep_view *v, const char *dir, unsigned f, file_list *files)
{
    const double slices[3] = {M_PI / 8, M_PI / 4, 3 * M_PI / 8};
    int frc = 0;
    frc |= fig_scratch(v, dir, "scratch", f, files);
    frc |= fig_phase_map(v, dir, "phase_lt", FATE_METHOD_LT, 0, f, files);
    frc |= fig_phase_map(v, dir, "phase_lt_theory", FATE_METHOD_LT, 1, f, files);
    frc |= fig_slices(v, dir, "slices_lt", FATE_METHOD_LT, slices, 3, f, files);
    frc |= fig_phase_map(v, dir, "phase_ft", FATE_METHOD_FT, 0, f, files);
    frc |= fig_phase_map(v, dir, "phase_ft_theory", FATE_METHOD_FT, 1, f, files);
    frc |= fig_slices(v, dir, "slices_ft", FATE_METHOD_FT, slices, 3, f, files);
    return frc;
}

/* With noise, whether the simulation can tell the two fine-tuning formulas
 * apart: their largest gap in T against a cell's typical standard error
 * (g and p: the simulation's deviation from each). */
static void report_ft_formulas(report *r, const summary_row *rows, size_t n, double sigma, dev g, dev p)
{
    double gap = 0, sem = 0;
    size_t ns = 0;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(rows[i].method, "ft") && isfinite(rows[i].theory_T) && isfinite(rows[i].theory_T_paper)) {
            gap = fmax(gap, fabs(rows[i].theory_T - rows[i].theory_T_paper));
            sem += rows[i].sem_T;
            ns++;
        }
    sem = ns ? sem / (double)ns : NAN;
    if (sigma > 0 && gap < sem)
        report_p(r, "At this noise level the two fine-tuning formulas differ by at most %.4f in T "
                 "(the gradient-flow c is within a few per cent of 1), below the typical standard "
                 "error of a cell (%.4f), so the simulation cannot tell them apart here. Gradient "
                 "descent at the automatic learning rate also drifts in the conserved layer "
                 "balance, which lowers c by 1-2%% (a smaller --lr approaches gradient flow); at "
                 "σ = 1 the formulas differ by a factor of about two and the simulation follows "
                 "the gradient-flow one (see the test suite and fate run --sigma 1).", gap, sem);
    else if (sigma > 0)
        report_p(r, "The two fine-tuning formulas differ by up to %.4f in T here (typical standard "
                 "error of a cell %.4f). Mean deviation of the simulation: %.4f from the "
                 "gradient-flow theory (solid lines), %.4f from the paper's c = 1 (dashed). The "
                 "gradient-flow coefficient is exact for gradient flow; gradient descent at the "
                 "automatic learning rate drifts in the conserved balance and lowers c by 1-2%%.",
                 gap, sem, g.mean_abs, p.mean_abs);
}

/* The anomalous band: with noise, the scratch risk's double-descent peak
 * makes T_lt > 0 near gamma = 1 even at orthogonal features; theory puts it
 * between the boundary roots g_hi and g_over at theta = pi/2. */
static void report_band(report *r, const summary_row *rows, size_t n, double sigma, size_t n_src)
{
    double glo, ghi, gover;
    fate_theory_lt_boundary(&glo, &ghi, &gover, M_PI / 2, sigma);
    if (sigma > 0 && n_src == 0 && isfinite(ghi) && isfinite(gover)) {
        size_t band = 0, band_pos = 0;
        for (size_t i = 0; i < n; i++)
            if (!strcmp(rows[i].method, "lt") && rows[i].theta >= 3 * M_PI / 8 - 1e-9 &&
                fabs(rows[i].gamma - 1.0) <= 0.1 + 1e-9) {
                band++;
                band_pos += rows[i].mean_T > 0;
            }
        report_p(r, "The anomalous band: at θ = π/2 theory gives T_lt > 0 for γ in (%.3f, %.3f), where the "
                 "unregularised scratch baseline's double-descent peak makes even orthogonal features "
                 "look transferable (an artefact of the baseline, removed by weight decay below). In the "
                 "simulation T_lt > 0 in %zu of %zu cells with θ ≥ 3π/8 and |γ − 1| ≤ 0.1.",
                 ghi, gover, band_pos, band);
    }
}

/* The phase experiment at one noise level / source: maps, slices, scratch. */
static int phase_experiment(ctx *c, const char *sub, double sigma, size_t n_src, const char *title)
{
    static const double lam0 = 0.0;
    fate_sweep w = base_sweep(c, sigma, &lam0, 1);
    if (n_src) {
        w.base.n_src = n_src;
        w.base.sigma_src = sigma;
    }
    summary_row *rows = NULL;
    size_t n = 0;
    int rc = run_sweep(c, sub, &w, &rows, &n);
    if (rc != JOB_OK || !par_root()) return rc;
    char dir[4096], pt[512], rel[256], cap[512];
    snprintf(dir, sizeof dir, "%s/%s", c->o->out, sub);
    sweep_view v = {&w.base, w.gammas, w.thetas, w.lambdas, w.n_gammas, w.n_thetas, 1, rows, n, "", 0};
    unsigned f = c->o->plot;
    int frc = phase_figures(&v, dir, f, &c->files);
    params_text(pt, sizeof pt, &w);
    report *r = c->rep;
    report_h2(r, "%s", title);
    report_p(r, "Parameters: %s. Files: %s/runs.csv, %s/summary.csv. Theory values are the exact "
             "finite-size means at n = round(γ d) (fine-tuning with the gradient-flow coefficient c).",
             pt, sub, sub);
    const char *ext = fate_plot_extension(f & FATE_PLOT_PNG ? FATE_PLOT_PNG : f & FATE_PLOT_SVG ? FATE_PLOT_SVG : FATE_PLOT_PDF);
    struct { const char *stem, *what; } figs[] = {
        {"scratch", "Scratch risk vs γ (double descent), simulation and theory"},
        {"phase_lt", "Linear transfer: simulated T with the theory's T = 0 boundary"},
        {"phase_lt_theory", "Linear transfer: theory T"},
        {"slices_lt", "Linear transfer: T vs γ at θ = π/8, π/4, 3π/8"},
        {"phase_ft", "Fine-tuning: simulated T with the theory's T = 0 boundary"},
        {"phase_ft_theory", "Fine-tuning: theory T (gradient-flow c)"},
        {"slices_ft", "Fine-tuning: T vs γ at θ = π/8, π/4, 3π/8"}};
    for (size_t k = 0; k < sizeof figs / sizeof figs[0]; k++) {
        if (f) {
            snprintf(rel, sizeof rel, "%s/%s.%s", sub, figs[k].stem, ext);
            snprintf(cap, sizeof cap, "%s (%s)", figs[k].what, title);
            report_fig(r, rel, cap);
        }
        if (k == 0) report_dev(r, "Scratch risk", deviation(rows, n, "scratch", 0, 1, 0), 0);
        if (k == 3) report_dev(r, "Linear transfer T", deviation(rows, n, "lt", 0, 0, 0), 1);
        if (k == 6) {
            dev g = deviation(rows, n, "ft", 0, 0, 0), p = deviation(rows, n, "ft", 0, 0, 1);
            report_dev(r, "Fine-tuning T against the gradient-flow theory", g, 1);
            report_dev(r, "Fine-tuning T against the paper's formula (c = 1)", p, 1);
            report_ft_formulas(r, rows, n, sigma, g, p);
        }
    }
    report_band(r, rows, n, sigma, n_src);
    free(rows);
    return frc ? JOB_FAILED : JOB_OK;
}

static int ridge_experiment(ctx *c)
{
    static const double lams[6] = {0, 0.1, 0.2, 0.3, 0.4, 0.5};
    static const double g1[1] = {0.5}, t1[1] = {M_PI / 8};
    fate_sweep w = base_sweep(c, 0.2, lams, 6);
    w.gammas = g1;
    w.n_gammas = 1;
    w.thetas = t1;
    w.n_thetas = 1;
    w.base.methods = FATE_METHOD_SCRATCH | FATE_METHOD_LT;
    summary_row *rows = NULL;
    size_t n = 0;
    int rc = run_sweep(c, "ridge", &w, &rows, &n);
    if (rc != JOB_OK || !par_root()) return rc;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/ridge", c->o->out);
    sweep_view v = {&w.base, w.gammas, w.thetas, w.lambdas, 1, 1, 6, rows, n, "", 0};
    int frc = fig_ridge(&v, dir, "ridge", 0.5, M_PI / 8, c->o->plot, &c->files);
    report *r = c->rep;
    report_h2(r, "Ridge does not fix negative transfer");
    report_p(r, "Linear transfer with ridge λ ∈ {0, 0.1, ..., 0.5} at γ = 0.5, θ = π/8, σ = 0.2, d = %zu, "
             "%zu instances. Theory: 1 − (1+2λ)/(1+λ)² cos²θ for n → ∞ (the exact finite-n mean at λ = 0). "
             "Files: ridge/summary.csv.", c->d, c->K);
    if (c->o->plot) {
        char rel[128];
        snprintf(rel, sizeof rel, "ridge/ridge.%s", fate_plot_extension(c->o->plot & FATE_PLOT_PNG ? FATE_PLOT_PNG : c->o->plot & FATE_PLOT_SVG ? FATE_PLOT_SVG : FATE_PLOT_PDF));
        report_fig(r, rel, "Linear-transfer risk vs ridge λ, simulation and theory");
    }
    const char *hdr[4] = {"λ", "simulated R_lt (mean ± sem)", "theory (n → ∞)", "theory (finite n)"};
    char cells[6][4][64];
    const char *cp[24];
    size_t nr = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(rows[i].method, "lt") != 0) continue;
        fate_theory_point p;
        memset(&p, 0, sizeof p);
        p.gamma = 0.5; p.theta = M_PI / 8; p.sigma = 0.2; p.lambda = rows[i].lambda; p.depth = 2;
        fate_theory_eval(&p);
        snprintf(cells[nr][0], 64, "%.1f", rows[i].lambda);
        snprintf(cells[nr][1], 64, "%.4f ± %.4f", rows[i].mean_risk, rows[i].sem_risk);
        snprintf(cells[nr][2], 64, "%.4f", p.R_lt);
        snprintf(cells[nr][3], 64, "%.4f", rows[i].theory_risk);
        for (int k = 0; k < 4; k++) cp[nr * 4 + (size_t)k] = cells[nr][k];
        if (++nr == 6) break;
    }
    report_table(r, 4, hdr, cp, nr);
    report_dev(r, "Linear-transfer risk (theory: exact at λ = 0, n → ∞ for λ > 0)",
               deviation(rows, n, "lt", NAN, 1, 0), 0);
    free(rows);
    return frc ? JOB_FAILED : JOB_OK;
}

/* The weight decays of the scratch baseline */
static const double DECAY_WDS[5] = {0, 1e-4, 1e-3, 1e-2, 1e-1};

/* The weight-decay experiment's numbers, per gamma (G) and theta (T). */
typedef struct decay_data {
    size_t G, T;
    double *risk, *sd;   /* scratch risk per (decay, gamma) */
    double *best;        /* the lowest of them per gamma, at decay best_k */
    size_t *best_k;
    double *Tb, *Tp;     /* T_lt against the best and the plain baseline per (gamma, theta) */
    summary_row *fake;   /* the linear-transfer rows with T against the best baseline */
} decay_data;

static void decay_free(decay_data *dd)
{
    free(dd->Tb); free(dd->Tp); free(dd->fake);
    free(dd->risk); free(dd->sd); free(dd->best); free(dd->best_k);
}

/* Scratch training at each decay (sigma = 0.2, one angle: scratch does not
 * see it) into decay/wd_*; JOB_OK or the job code of the first that failed. */
static int decay_runs(ctx *c, decay_data *dd)
{
    static const double lam0 = 0.0, t0 = 0.0;
    const size_t G = dd->G;
    int rc = JOB_OK;
    for (int k = 0; k < 5 && rc == JOB_OK; k++) {
        fate_sweep w = base_sweep(c, 0.2, &lam0, 1);
        w.thetas = &t0;
        w.n_thetas = 1;
        w.base.methods = FATE_METHOD_SCRATCH;
        w.base.weight_decay = DECAY_WDS[k];
        char sub[64];
        snprintf(sub, sizeof sub, "decay/wd_%g", DECAY_WDS[k]);
        summary_row *rows = NULL;
        size_t n = 0;
        rc = run_sweep(c, sub, &w, &rows, &n);
        for (size_t i = 0; rc == JOB_OK && i < n; i++) {
            dd->risk[(size_t)k * G + rows[i].gamma_index] = rows[i].mean_risk;
            dd->sd[(size_t)k * G + rows[i].gamma_index] = rows[i].std_risk;
        }
        free(rows);
    }
    return rc;
}

/* T_lt against the best baseline, from the sigma = 0.2 linear-transfer risks */
static void decay_lt_best(decay_data *dd, const summary_row *lt_rows, size_t n_lt)
{
    const size_t G = dd->G, T = dd->T;
    for (size_t i = 0; i < G * T; i++) dd->Tb[i] = dd->Tp[i] = NAN;
    for (size_t i = 0; i < n_lt; i++) {
        const summary_row *s = &lt_rows[i];
        if (strcmp(s->method, "lt") != 0 || s->lambda != 0) continue;
        size_t j = s->gamma_index, t = s->theta_index;
        dd->Tb[j * T + t] = dd->best[j] - s->mean_risk;
        dd->Tp[j * T + t] = s->mean_T;
        dd->fake[j * T + t] = *s;
        dd->fake[j * T + t].mean_T = dd->Tb[j * T + t];
    }
}

/* The map of T_lt against the best baseline and the scratch risk per decay;
 * non-zero when a figure could not be written. */
static int decay_figures(ctx *c, const decay_data *dd, const char *dir)
{
    static const double lam0 = 0.0;
    const size_t G = dd->G, T = dd->T;
    int frc = 0;
    fate_sweep w = base_sweep(c, 0.2, &lam0, 1);
    sweep_view v = {&w.base, c->gammas, c->thetas, &lam0, G, T, 1, dd->fake, G * T,
                    "Best weight-decayed baseline", 0};
    frc |= fig_phase_map(&v, dir, "phase_lt_best_decay", FATE_METHOD_LT, 0, c->o->plot, &c->files);
    /* scratch risk per decay */
    fate_series ser[6];
    char labels[5][48];
    for (size_t k = 0; k < 5; k++) {
        snprintf(labels[k], sizeof labels[k], "weight decay %g", DECAY_WDS[k]);
        ser[k] = (fate_series){labels[k], c->gammas, dd->risk + k * G, NULL, G, FATE_SERIES_POINTS, (int)k};
    }
    ser[5] = (fate_series){"best per γ", c->gammas, dd->best, NULL, G, FATE_SERIES_LINE, 7};
    char title[160];
    snprintf(title, sizeof title, "Scratch risk with weight decay (d = %zu, L = 2, σ = 0.2)", c->d);
    fate_line_plot p = {.title = title, .xlabel = "target samples per dimension γ = n/d",
                        .ylabel = "scratch risk R_sc", .series = ser, .n_series = 6};
    const fate_plot_format all[3] = {FATE_PLOT_PNG, FATE_PLOT_SVG, FATE_PLOT_PDF};
    for (int k = 0; k < 3; k++) {
        if (!(c->o->plot & all[k])) continue;
        char path[4200];
        snprintf(path, sizeof path, "%s/scratch_decay.%s", dir, fate_plot_extension(all[k]));
        if (fate_plot_lines(path, all[k], &p) == FATE_OK) file_list_add(&c->files, path);
        else { fprintf(stderr, "fate: could not write figure %s\n", path); frc = 1; }
    }
    return frc;
}

/* The report's section: the setting, the figures, the best decay per gamma,
 * and the anomalous band against either baseline. */
static void decay_report(ctx *c, const decay_data *dd)
{
    const size_t G = dd->G, T = dd->T;
    report *r = c->rep;
    report_h2(r, "Weight-decayed scratch baseline");
    report_p(r, "Scratch training with weight decay ∈ {0, 1e-4, 1e-3, 1e-2, 1e-1} (σ = 0.2, d = %zu, %zu "
             "instances; GD stops at stationarity |∇|² ≤ tol), and linear-transfer T measured against the "
             "best decay per γ (chosen by mean test risk, as in the paper). Files: decay/wd_*/summary.csv.",
             c->d, c->K);
    if (c->o->plot) {
        const char *e = fate_plot_extension(c->o->plot & FATE_PLOT_PNG ? FATE_PLOT_PNG : c->o->plot & FATE_PLOT_SVG ? FATE_PLOT_SVG : FATE_PLOT_PDF);
        char rel[128];
        snprintf(rel, sizeof rel, "decay/scratch_decay.%s", e);
        report_fig(r, rel, "Scratch risk vs γ for each weight decay, and the best per γ");
        snprintf(rel, sizeof rel, "decay/phase_lt_best_decay.%s", e);
        report_fig(r, rel, "Linear transfer T against the best weight-decayed baseline, with the unregularised theory's T = 0 line");
    }
    const char *hdr[4] = {"γ", "best decay", "best R_sc", "R_sc without decay"};
    char (*cells)[4][32] = calloc(G, sizeof *cells);
    const char **cp = calloc(4 * G, sizeof *cp);
    size_t band = 0, pos_plain = 0, pos_best = 0;
    if (cells && cp) {
        for (size_t j = 0; j < G; j++) {
            snprintf(cells[j][0], 32, "%.3g", c->gammas[j]);
            snprintf(cells[j][1], 32, "%g", DECAY_WDS[dd->best_k[j]]);
            snprintf(cells[j][2], 32, "%.4f", dd->best[j]);
            snprintf(cells[j][3], 32, "%.4f", dd->risk[j]);
            for (int k = 0; k < 4; k++) cp[4 * j + (size_t)k] = cells[j][k];
        }
        report_table(r, 4, hdr, cp, G);
    }
    for (size_t j = 0; dd->Tb && dd->Tp && j < G; j++)
        for (size_t t = 0; t < T; t++)
            if (c->thetas[t] >= 3 * M_PI / 8 - 1e-9 && fabs(c->gammas[j] - 1.0) <= 0.1 + 1e-9 &&
                isfinite(dd->Tp[j * T + t])) {
                band++;
                pos_plain += dd->Tp[j * T + t] > 0;
                pos_best += dd->Tb[j * T + t] > 0;
            }
    if (band)
        report_p(r, "The anomalous band: among the %zu cells with θ ≥ 3π/8 and |γ − 1| ≤ 0.1, linear "
                 "transfer looks helpful (T > 0) in %zu against the plain scratch baseline but in %zu "
                 "against the best weight-decayed one.", band, pos_plain, pos_best);
    free(cells); free(cp);
}

static int decay_experiment(ctx *c, const summary_row *lt_rows, size_t n_lt)
{
    decay_data dd = {.G = c->ng, .T = c->nt};
    const size_t G = dd.G, T = dd.T;
    dd.risk = calloc(5 * G, sizeof *dd.risk);
    dd.sd = calloc(5 * G, sizeof *dd.sd);
    dd.best = calloc(G, sizeof *dd.best);
    dd.best_k = calloc(G, sizeof *dd.best_k);
    if (!dd.risk || !dd.sd || !dd.best || !dd.best_k) { decay_free(&dd); return JOB_FAILED; }
    int rc = decay_runs(c, &dd);
    if (rc != JOB_OK || !par_root()) { decay_free(&dd); return rc; }
    for (size_t j = 0; j < G; j++) {
        dd.best[j] = INFINITY;
        for (size_t k = 0; k < 5; k++)
            if (dd.risk[k * G + j] < dd.best[j]) { dd.best[j] = dd.risk[k * G + j]; dd.best_k[j] = k; }
    }
    dd.Tb = malloc(G * T * sizeof *dd.Tb);
    dd.Tp = malloc(G * T * sizeof *dd.Tp);
    dd.fake = calloc(G * T, sizeof *dd.fake);
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/decay", c->o->out);
    int frc = 0;
    if (dd.Tb && dd.Tp && dd.fake) {
        decay_lt_best(&dd, lt_rows, n_lt);
        frc = decay_figures(c, &dd, dir);
    }
    decay_report(c, &dd);
    decay_free(&dd);
    return frc ? JOB_FAILED : JOB_OK;
}

/* What the results depend on, as parsed and resolved (keys named after the
 * options): --quick given twice, or a default written out, compares equal.
 * --d and the linear instance count only matter where a linear experiment
 * runs, relu's instance count where relu does, so only those are compared.
 * New reference. */
static json_t *result_params(const repro_opts *o)
{
    char only[96] = "";
    for (int k = 0; only_words[k]; k++)
        if (o->only & (1u << k))
            snprintf(only + strlen(only), sizeof only - strlen(only), "%s%s", *only ? "," : "", only_words[k]);
    const int linear = (o->only & ~(unsigned)X_RELU) != 0, relu = (o->only & X_RELU) != 0;
    const json_int_t K = (json_int_t)linear_instances(o), KR = (json_int_t)relu_instances(o);
    json_t *p = json_object();
    json_object_set_new(p, "quick", json_boolean(o->quick));
    json_object_set_new(p, "only", json_string(only));
    if (linear) json_object_set_new(p, "d", json_integer((json_int_t)linear_d(o)));
    if (linear && relu) json_object_set_new(p, "instances", json_pack("{s:I, s:I}", "linear", K, "relu", KR));
    else json_object_set_new(p, "instances", json_integer(linear ? K : KR));
    json_object_set_new(p, "seed", json_seed(o->seed));
    return p;
}

/* --resume's view of the options (resume_run, manifest.h): the result
 * options compare as result_params resolves them. */
static int rk_init(void *o, const void *ctx)
{
    (void)ctx;
    return defaults(o);
}
static int rk_parse(int ac, char **av, void *o) { return parse(ac, av, o); }
static int rk_finish(void *o)
{
    (void)o;
    return 0;
}
static char *rk_params(const void *o)
{
    json_t *p = result_params(o);
    char *s = json_dumps(p, JSON_COMPACT);
    json_decref(p);
    return s;
}
static void rk_release(void *o) { (void)o; }
static const resume_kind RESUME = {"reproduce", "run", sizeof(repro_opts), NULL, rk_init, rk_parse,
                                   rk_finish, rk_params, rk_release, &TABLE};

/* The report's opening and every experiment --only selects, in the paper's
 * order; JOB_OK or the job code of the first that did not finish. */
static int run_experiments(ctx *c)
{
    const repro_opts *o = c->o;
    c->rep = report_new(o->quick ? "fate reproduce (quick size)" : "fate reproduce");
    report_p(c->rep, "Every linear experiment of Tahir, Ganguli and Rotskoff, \"Features are fate: a theory of "
             "transfer learning in high-dimensional regression\" (ICML 2025), simulated with fate %s on deep "
             "linear networks (depth 2, width d, small initialisation, full-batch gradient descent) and compared "
             "with the closed-form theory. T = R_scratch − R_method: positive where transfer helps (blue in the "
             "maps), negative where it hurts (red).", fate_version());
    int rc = JOB_OK;
    summary_row *s02 = NULL;
    size_t n02 = 0;
    if (rc == JOB_OK && (o->only & X_SIGMA0))
        rc = phase_experiment(c, "sigma0", 0.0, 0, "Noise-free targets (σ = 0)");
    if (rc == JOB_OK && (o->only & X_SIGMA02))
        rc = phase_experiment(c, "sigma0.2", 0.2, 0, "Noisy targets (σ = 0.2)");
    if (rc == JOB_OK && (o->only & X_RIDGE)) rc = ridge_experiment(c);
    if (rc == JOB_OK && (o->only & X_DECAY)) {
        /* needs the sigma = 0.2 linear-transfer risks */
        static const double lam0 = 0.0;
        fate_sweep w = base_sweep(c, 0.2, &lam0, 1);
        rc = run_sweep(c, "sigma0.2", &w, &s02, &n02);
        if (rc == JOB_OK) rc = decay_experiment(c, s02, n02);
    }
    if (rc == JOB_OK && (o->only & X_SOURCE)) {
        rc = phase_experiment(c, "source0.5", 0.2, (size_t)lround(0.5 * (double)c->d),
                              "Finite source, γ_s = 0.5 (σ = σ_s = 0.2)");
        if (rc == JOB_OK)
            rc = phase_experiment(c, "source1.5", 0.2, (size_t)lround(1.5 * (double)c->d),
                                  "Finite source, γ_s = 1.5 (σ = σ_s = 0.2)");
    }
    if (rc == JOB_OK && (o->only & X_RELU)) rc = relu_experiment(c);
    if (rc == JOB_OK && (o->only & X_BEYOND)) rc = beyond_experiment(c);
    if (rc == JOB_OK && (o->only & X_GEOMETRY)) rc = geometry_experiment(c);
    free(s02);
    return rc;
}

/* Rank 0 after the experiments: the report (when they all finished), the
 * manifest's end and the closing lines; the job code. */
static int close_run(ctx *c, manifest *man, int rc)
{
    const char *out = c->o->out;
    if (rc == JOB_INTERRUPTED) {
        manifest_end(man, "interrupted", &c->files);
        fprintf(stderr, "fate reproduce: interrupted; finished cells are saved under %s. Resume with: "
                "fate reproduce --resume --out %s\n", out, out);
    } else if (rc != JOB_OK) {
        manifest_end(man, "failed", &c->files);
    } else {
        /* report_write names the file that failed */
        if (report_write(c->rep, out) != 0) {
            rc = JOB_FAILED;
        } else {
            char p[4200];
            snprintf(p, sizeof p, "%s/report.md", out);
            file_list_add(&c->files, p);
            snprintf(p, sizeof p, "%s/index.html", out);
            file_list_add(&c->files, p);
        }
        if (manifest_end(man, rc == JOB_OK ? "complete" : "failed", &c->files) != 0) rc = JOB_FAILED;
        if (rc == JOB_OK) {
            printf("fate reproduce: %zu files in %s\n", c->files.n, out);
            printf("  %s/report.md\n  %s/index.html\n  %s/manifest.json\n", out, out, out);
        }
    }
    return rc;
}

int cmd_reproduce(int argc, char **argv)
{
    const char *C = "reproduce";
    repro_opts o;
    int pr = defaults(&o) ? -1 : parse(argc, argv, &o);
    if (pr != 0) return pr > 0 ? 0 : FATE_EXIT_USAGE;
    json_t *args = NULL;
    int rr = resume_or_start(&RESUME, &o, o.resume, o.out, o.n_result_opts, &args, argc, argv);
    if (rr) return rr;
    ctx c;
    memset(&c, 0, sizeof c);
    c.o = &o;
    c.d = linear_d(&o);
    c.K = linear_instances(&o);
    const char *gl = o.quick ? "0.2:2.0:10" : "0.1:2.0:20";
    const char *tl = o.quick ? "pi/16:pi/2:8" : "pi/40:pi/2:20";
    if (opt_list(C, "--gamma", gl, 0, 0, 1e6, 1, "> 0", &c.gammas, &c.ng) ||
        opt_list(C, "--theta", tl, 1, 0, M_PI, 0, "", &c.thetas, &c.nt)) {
        json_decref(args);
        return FATE_EXIT_RUNTIME;
    }
    int claim = job_folder_open(C, o.out); /* one lock on the top folder */
    if (claim) { json_decref(args); free(c.gammas); free(c.thetas); return claim; }
    json_t *extra = json_object();
    json_object_set_new(extra, "params", json_pack("{s:i, s:i, s:i, s:b, s:o}", "d", (int)c.d, "depth", 2,
                                                   "instances", (int)c.K, "quick", o.quick,
                                                   "seed", json_seed(o.seed)));
    manifest man;
    if (par_root()) manifest_begin(&man, o.out, "reproduce", args, NULL, extra);
    else { json_decref(args); json_decref(extra); }
    job_install_signals();
    int rc = run_experiments(&c);
    if (par_root()) rc = close_run(&c, &man, rc);
    report_free(c.rep);
    file_list_free(&c.files);
    free(c.gammas);
    free(c.thetas);
    return rc == JOB_OK ? 0 : rc == JOB_INTERRUPTED ? 130 : FATE_EXIT_RUNTIME;
}
