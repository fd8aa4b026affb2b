/* cmd_phase.c - `fate phase`: the transferability phase diagram over
 * (gamma, theta), simulated with theory overlaid; the default job. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "baseline.h"
#include "commands.h"
#include "fate.h"
#include "fate_git.h"
#include "fate_model.h"
#include "fate_plot.h"
#include "figures.h"
#include "folder_lock.h"
#include "manifest.h"
#include "options.h"
#include "opt_table.h"
#include "par.h"
#include "spec_opts.h"
#include "sweep_job.h"

static const char intro[] =
    "usage: fate phase [options]\n"
    "\n"
    "Sweeps transferability T = R_scratch - R_method over a grid of target sample\n"
    "ratios gamma = n/d and feature angles theta, for linear transfer (lt) and\n"
    "fine-tuning (ft) or any of the methods, K instances per cell, and draws the\n"
    "phase diagrams with the theory's T = 0 boundary over them. With no options it\n"
    "runs the built-in default job (d = 100, 12 x 12 cells, 8 instances; about 20 s\n"
    "on 2 cores).\n"
    "\n";

static const char outro[] =
    "(phase defaults: --d 100 --methods lt,ft --instances 8; the baseline always\n"
    "runs: scratch unless --baseline names another)\n"
    "\n"
    "Writes DIR/runs.csv (one row per cell, method, instance, lambda), summary.csv\n"
    "(per cell, method, lambda: mean, std, sem of risk and T, theory at the cell's\n"
    "finite size), manifest.json, cells/ (each finished cell, saved atomically), and\n"
    "figures: phase_M and slices_M for every method M but the baseline, scratch\n"
    "(when it runs)[, ridge].\n"
    "Ctrl-C stops after the cells in flight; finished cells are kept.\n"
    "\n"
    "example: fate phase --d 200 --gamma 0.1:2.0:20 --theta pi/40:pi/2:20 --instances 10\n";

typedef struct phase_opts {
    spec_opts so;
    double *gammas, *thetas, *lambdas, *slices;
    size_t ng, nt, nl, nsl;
    double *overlaps; /* --overlap: rho_par values, turned into thetas */
    size_t nov;
    int have_theta, have_overlap;
    const char *out;
    int model, resume, quiet, theory_map;
    const char *l2sp_lambda; /* a number >= 0, or opt */
    int baseline;            /* index in BASELINES */
    unsigned plot;
    int have_quiet, have_plot;
    int n_result_opts; /* options that change results (not allowed with --resume) */
} phase_opts;

static const char *const MODELS[] = {"linear", NULL};


#define F(field) offsetof(phase_opts, field)
#define NO_GIVEN (-1L)
/* The options of the deep linear `fate phase`, declared once (opt_table.h);
 * the task, network and run options are the ones `fate run` shares
 * (spec_opts.h). --model is read before this parse (phase_model). */
static const opt_def OPTS[] = {
    {"--model", "M", OPT_WORD, 0, 0, "linear or relu2", NULL,
     "linear (deep linear networks, this help) or relu2\n(two-layer networks: see fate phase --model relu2 --help)",
     F(model), 0, NO_GIVEN, MODELS, OPT_RUN | OPT_SAVED},
    {NULL, NULL, OPT_SECTION, 0, 0, NULL, NULL,
     "grid (each a value, a comma list a,b,c or an inclusive range start:stop:count):", 0, 0, NO_GIVEN, NULL, 0},
    {"--gamma", "LIST", OPT_LIST, 0, 1e6, "> 0", "0.15:1.8:12", "target samples per dimension", F(gammas), F(ng),
     NO_GIVEN, NULL, OPT_LO_OPEN},
    {"--theta", "LIST", OPT_ANGLES, 0, M_PI, "in [0, pi]", "pi/24:pi/2:12",
     "angles in [0, pi], pi-forms and degrees accepted\n", F(thetas), F(nt), (long)F(have_theta), NULL, 0},
    {"--overlap", "LIST", OPT_LIST, 0, 1, "in [0, 1]", NULL,
     "instead of --theta: rho_par = |P_B beta_t|^2 = cos^2 theta,\n"
     "each in [0, 1]; the cells are at theta = acos(sqrt(RHO)),\n"
     "in increasing theta (decreasing overlap)", F(overlaps), F(nov), (long)F(have_overlap), NULL, 0},
    {"--lambda", "LIST", OPT_LIST, 0, 1e12, ">= 0", "0", "ridges of linear transfer >= 0", F(lambdas), F(nl),
     NO_GIVEN, NULL, 0},
    {NULL, NULL, OPT_SECTION, 0, 0, NULL, NULL, "methods beyond the paper:", 0, 0, NO_GIVEN, NULL, 0},
    {"--l2sp-lambda", "R", OPT_TEXT, 0, 0, "a number >= 0 or opt", "opt",
     "ridge of parameter transfer (l2sp), penalty R |beta -\nbeta_s_hat|^2; opt: the optimal one per cell",
     F(l2sp_lambda), 0, NO_GIVEN, NULL, 0},
    {"--baseline", "B", OPT_WORD, 0, 0, BASELINE_VALID, "scratch",
     "what T = R_B - R_method is measured against: scratch (the\npaper's unregularised training), ridge (ridge on the target\n"
     "at the optimal lambda), ridge_cv (lambda by leave-one-out),\nearly_stop (scratch stopped at its best step), best (per\n"
     "instance the least risk of the last three); it runs whether\nor not --methods names it",
     F(baseline), 0, NO_GIVEN, BASELINE_WORDS, 0},
    {NULL, NULL, OPT_SECTION, 0, 0, NULL, NULL, "output:", 0, 0, NO_GIVEN, NULL, 0},
    {"--out", "DIR", OPT_TEXT, 0, 0, "a folder name", "fate-phase", "output folder", F(out), 0, NO_GIVEN, NULL,
     OPT_RUN},
    {"--resume", NULL, OPT_FLAG, 0, 0, NULL, NULL,
     "continue the sweep saved in DIR with its saved parameters\n"
     "(--threads, --quiet and --plot may change); the original\n"
     "command line with --resume appended continues too, and one\n"
     "that changes a parameter is refused; rerunning the same\n"
     "command also continues it", F(resume), 0, NO_GIVEN, NULL, OPT_RUN},
    {"--plot", "LIST", OPT_PLOT, 0, 0, NULL, "png", "figure formats: png, svg, pdf, or none", F(plot), 0,
     (long)F(have_plot), NULL, OPT_RUN},
    {"--slices", "LIST", OPT_ANGLES, 0, M_PI, "in [0, pi]", "pi/8,pi/4,3pi/8", "angles of the T-vs-gamma slices",
     F(slices), F(nsl), NO_GIVEN, NULL, 0},
    {"--theory-map", NULL, OPT_FLAG, 0, 0, NULL, NULL, "also draw the theory-only phase maps", F(theory_map), 0,
     NO_GIVEN, NULL, 0},
    {"--quiet", NULL, OPT_FLAG, 0, 0, NULL, NULL, "no progress on stderr", F(quiet), 0, (long)F(have_quiet), NULL,
     OPT_RUN},
    SPEC_OPT_DEFS(phase_opts, so)};
#undef F
static const opt_table TABLE = {"phase", "fate phase --help", OPTS, sizeof OPTS / sizeof OPTS[0], intro, outro};

static void free_opts(phase_opts *o)
{
    spec_opts_free(&o->so);
    opt_table_free(&TABLE, o);
}

/* 0, 1 after --help, or -1 after one line. */
static int parse_phase(int argc, char **argv, phase_opts *o)
{
    return opt_table_parse(&TABLE, o, argc, argv, 1, &o->n_result_opts);
}

static int sorted_unique(const double *x, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (!(x[i] > x[i - 1])) return 0;
    return 1;
}

static int ascending(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* --overlap: the thetas acos(sqrt(rho)), increasing, in place of --theta's.
 * 0 or -1 after one line. */
static int overlap_thetas(const char *C, phase_opts *o)
{
    if (!o->have_overlap) return 0;
    if (o->have_theta) {
        cli_error(C, "give either --overlap or --theta, not both (--overlap RHO sets theta = acos(sqrt(RHO)))");
        return -1;
    }
    double *t = malloc(o->nov * sizeof *t);
    if (!t) { cli_error(C, "out of memory"); return -1; }
    for (size_t i = 0; i < o->nov; i++) t[i] = acos(sqrt(o->overlaps[i]));
    qsort(t, o->nov, sizeof *t, ascending);
    free(o->thetas);
    o->thetas = t;
    o->nt = o->nov;
    if (!sorted_unique(t, o->nov)) { cli_error(C, "--overlap values must be distinct"); return -1; }
    return 0;
}

/* Every theta on the axis (0 or pi): --k may then be d. */
static int thetas_on_axis(const phase_opts *o)
{
    for (size_t i = 0; i < o->nt; i++)
        if (o->thetas[i] != 0.0 && o->thetas[i] != M_PI) return 0;
    return 1;
}

static int finish_phase(phase_opts *o)
{
    const char *C = "phase";
    if (overlap_thetas(C, o)) return -1;
    if (!sorted_unique(o->gammas, o->ng)) { cli_error(C, "--gamma values must be increasing and distinct"); return -1; }
    if (!sorted_unique(o->thetas, o->nt)) { cli_error(C, "--theta values must be increasing and distinct"); return -1; }
    if (!sorted_unique(o->lambdas, o->nl)) { cli_error(C, "--lambda values must be increasing and distinct"); return -1; }
    if (spec_opts_finish(C, &o->so, thetas_on_axis(o))) return -1;
    fate_spec *s = &o->so.spec;
    if (s->methods & ~(unsigned)FATE_SWEEP_METHODS) {
        cli_error(C, "--methods: l2sp_w runs in fate run only; a sweep takes scratch, lt, ft, lpft, l2sp, ridge, "
                  "ridge_cv, early_stop");
        return -1;
    }
    s->methods |= baseline_methods(baseline_of(o->baseline)); /* the baseline of T always runs */
    if (spec_opts_l2sp_lambda(C, o->l2sp_lambda, s)) return -1;
    for (size_t j = 0; j < o->ng; j++)
        if (lround(o->gammas[j] * (double)s->d) < 1) {
            cli_error(C, "--gamma %g gives n = round(gamma d) = 0 at d = %zu: every gamma must be >= %.3g",
                      o->gammas[j], s->d, 0.5 / (double)s->d);
            return -1;
        }
    s->n = 1;
    if (s->k > 1) s->theta = o->thetas[0]; /* k = d is checked at a theta of the grid (all on the axis then) */
    return spec_opts_check(C, &o->so);
}

/* The table's defaults over fate_spec_default; 0 or -1. */
static int phase_defaults(phase_opts *o)
{
    memset(o, 0, sizeof *o);
    spec_opts_default(&o->so, 8);
    o->so.spec.methods = FATE_METHOD_SCRATCH | FATE_METHOD_LT | FATE_METHOD_FT;
    return opt_table_defaults(&TABLE, o);
}

/* "linear, relu2 or ridge": the registered models (fate_model_find). */
static void model_list(char *buf, size_t size)
{
    size_t at = 0, n = 0;
    while (fate_model_at(n)) n++;
    buf[0] = '\0';
    for (size_t i = 0; i < n && at < size; i++) {
        int w = snprintf(buf + at, size - at, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ",
                         fate_model_at(i)->name);
        if (w < 0) break;
        at += (size_t)w;
    }
}

/* The model of a saved run (--resume without --model): its --model word. */
static const fate_model *saved_model(const char *out)
{
    char mpath[4096];
    snprintf(mpath, sizeof mpath, "%s/manifest.json", out);
    json_t *man = json_load_file(mpath, 0, NULL);
    json_t *saved = man ? json_object_get(man, "args") : NULL;
    const fate_model *m = &fate_model_linear;
    for (size_t i = 0; json_is_array(saved) && i < json_array_size(saved); i++) {
        const char *a = json_string_value(json_array_get(saved, i));
        const char *b = json_string_value(json_array_get(saved, i + 1));
        if (a && !strcmp(a, "--model") && b && fate_model_find(b)) m = fate_model_find(b);
        if (a && !strncmp(a, "--model=", 8) && fate_model_find(a + 8)) m = fate_model_find(a + 8);
    }
    json_decref(man);
    return m;
}

/* The model a command line asks for (--model, or --resume of a folder whose
 * saved options name one; linear by default), or NULL after printing an
 * error: an unknown model, or two different ones (each parser would
 * otherwise refuse the other's value with a misleading message). */
static const fate_model *phase_model(int argc, char **argv)
{
    const char *out = "fate-phase", *model = NULL;
    char list[128];
    model_list(list, sizeof list);
    int resume = 0;
    for (int i = 1; i < argc; i++) {
        const char *m = !strncmp(argv[i], "--model=", 8) ? argv[i] + 8
                        : !strcmp(argv[i], "--model") && i + 1 < argc ? argv[++i] : NULL;
        if (m && !fate_model_find(m)) {
            cli_error("phase", "--model must be %s, got '%s'", list, m);
            return NULL;
        }
        if (m && model && strcmp(m, model)) {
            cli_error("phase", "--model given twice ('%s' then '%s'); give one of %s", model, m, list);
            return NULL;
        }
        if (m) model = m;
        if (!strcmp(argv[i], "--resume")) resume = 1;
        if (!strcmp(argv[i], "--out") && i + 1 < argc) out = argv[i + 1];
        else if (!strncmp(argv[i], "--out=", 6)) out = argv[i] + 6;
    }
    if (model) return fate_model_find(model);
    return resume ? saved_model(out) : &fate_model_linear;
}

static fate_sweep sweep_of(const phase_opts *o)
{
    const baseline_kind b = baseline_of(o->baseline);
    return (fate_sweep){o->so.spec, o->gammas, o->ng, o->thetas, o->nt, o->lambdas, o->nl, o->so.instances,
                        o->so.threads, b == BASE_SCRATCH ? 0u : baseline_methods(b)};
}

/* --resume's view of the linear options (resume_run, manifest.h) */
static int rk_init(void *o, const void *ctx)
{
    (void)ctx;
    return phase_defaults(o);
}
static int rk_parse(int ac, char **av, void *o) { return parse_phase(ac, av, o); }
static int rk_finish(void *o) { return finish_phase(o); }
static char *rk_params(const void *o)
{
    const fate_sweep w = sweep_of(o);
    return sweep_params_json(&w);
}
static void rk_release(void *o) { free_opts(o); }
static const resume_kind RESUME = {"phase", "sweep", sizeof(phase_opts), NULL, rk_init, rk_parse,
                                   rk_finish, rk_params, rk_release, &TABLE};

/* say where training stopped early (as fate run does) */
static void warn_unconverged(const phase_opts *o, const summary_row *rows, size_t nrows)
{
    size_t unconv = 0, cells_unconv = 0;
    double gmin_u = INFINITY, gmax_u = -INFINITY;
    for (size_t i = 0; i < nrows; i++)
        if (rows[i].converged_frac < 1.0) {
            cells_unconv++;
            unconv += (size_t)lround((1.0 - rows[i].converged_frac) * (double)rows[i].instances);
            gmin_u = fmin(gmin_u, rows[i].gamma);
            gmax_u = fmax(gmax_u, rows[i].gamma);
        }
    if (cells_unconv)
        fprintf(stderr, "fate phase: warning: %zu runs in %zu (cell, method) rows did not reach the minimum "
                "loss + %g within %zu epochs (gamma %.3g..%.3g; near gamma = 1 convergence is slow): "
                "their results are early-stopped; raise --epochs for more\n", unconv, cells_unconv,
                o->so.spec.tol, o->so.spec.max_epochs, gmin_u, gmax_u);
}

/* --resume under a spectrum: its eigenvalues must be those saved in
 * DIR/sweep.json, since the words file:PATH match an edited file too.
 * 0, or -1 after one line naming --spectrum. */
static int same_saved_spectrum(const phase_opts *o, const fate_sweep *w)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/sweep.json", o->out);
    json_t *saved = json_load_file(path, 0, NULL);
    if (!saved) return 0; /* no cell saved yet: nothing to differ from */
    char *txt = sweep_params_json(w);
    json_t *now = txt ? json_loads(txt, 0, NULL) : NULL;
    free(txt);
    json_t *a = json_object(), *b = json_object();
    if (json_object_get(saved, "spectrum")) json_object_set(a, "spectrum", json_object_get(saved, "spectrum"));
    if (now && json_object_get(now, "spectrum")) json_object_set(b, "spectrum", json_object_get(now, "spectrum"));
    const int rc = resume_same_params("phase", o->out, "sweep", a, b);
    json_decref(a);
    json_decref(b);
    json_decref(now);
    json_decref(saved);
    return rc;
}

/* Options (or the saved ones on --resume), the sweep, its folder: 0, -1
 * after --help, or the exit code after one line. */
static int prepare(phase_opts *o, json_t **args, sweep_job *job, int argc, char **argv)
{
    int pr = phase_defaults(o) ? -1 : parse_phase(argc, argv, o);
    if (pr) return pr > 0 ? -1 : FATE_EXIT_USAGE;
    int rc = resume_or_start(&RESUME, o, o->resume, o->out, o->n_result_opts, args, argc, argv);
    if (rc) return rc;
    *job = (sweep_job){.dir = o->out, .quiet = o->quiet, .label = "fate phase", .sweep = sweep_of(o)};
    const char *msg = fate_sweep_check(&job->sweep);
    if (msg) { cli_error("phase", "%s", msg); return FATE_EXIT_USAGE; }
    if (o->resume && o->so.spec.spectrum && same_saved_spectrum(o, &job->sweep)) return FATE_EXIT_USAGE;
    return job_folder_open("phase", o->out);
}

/* The sweep, the figures, the manifest's end and the closing list. */
static int run(const phase_opts *o, sweep_job *job, manifest *man)
{
    summary_row *rows = NULL;
    size_t nrows = 0;
    file_list files = {0};
    int rc = sweep_job_run(job, &rows, &nrows, &files);
    if (!par_root()) { /* rank 0 writes the results */
        file_list_free(&files);
        return rc;
    }
    if (rc != JOB_OK) {
        job_report_stop(man, rc, "phase", NULL, o->out);
        file_list_free(&files);
        return rc;
    }
    warn_unconverged(o, rows, nrows);
    sweep_view v = {&o->so.spec, o->gammas, o->thetas, o->lambdas, o->ng, o->nt, o->nl, rows, nrows, "",
                    job->sweep.baseline};
    int frc = o->plot ? fig_phase_all(&v, o->out, o->so.spec.methods, o->slices, o->nsl, o->theory_map, o->plot,
                                      &files)
                      : 0;
    frc |= manifest_end(man, frc ? "failed" : "complete", &files) != 0;
    printf("fate phase: %zu x %zu cells, %zu instances each, in %s\n", o->ng, o->nt, o->so.instances, o->out);
    if (o->have_overlap) printf("  theta = acos(sqrt(overlap)) for the %zu --overlap values\n", o->nov);
    spec_opts_describe(stdout, &o->so, "  ");
    for (size_t i = 0; i < files.n; i++) printf("  %s\n", files.paths[i]);
    printf("  %s/manifest.json\n", o->out);
    free(rows);
    file_list_free(&files);
    return frc ? JOB_FAILED : JOB_OK;
}

/* The manifest's "geometry" (k, spectrum, align, the overlaps), or NULL. */
static json_t *geometry_extra(const phase_opts *o)
{
    json_t *ov = NULL;
    if (o->have_overlap) {
        ov = json_array();
        for (size_t i = 0; i < o->nov; i++) json_array_append_new(ov, json_real(o->overlaps[i]));
    }
    return spec_opts_manifest_extra(&o->so, ov);
}

int cmd_phase(int argc, char **argv)
{
    const fate_model *model = phase_model(argc, argv);
    if (!model) return FATE_EXIT_USAGE;
    if (model == &fate_model_relu2) return cmd_phase_relu(argc, argv);
    if (model->params) return cmd_phase_model(model, argc, argv);
    phase_opts o;
    json_t *args = NULL;
    sweep_job job;
    int rc = prepare(&o, &args, &job, argc, argv);
    if (rc) {
        json_decref(args);
        free_opts(&o);
        return rc < 0 ? 0 : rc;
    }
    manifest man;
    if (par_root()) manifest_begin(&man, o.out, "phase", args, &job.sweep, geometry_extra(&o));
    else json_decref(args);
    job_install_signals();
    rc = run(&o, &job, &man);
    free_opts(&o);
    return job_exit(rc);
}
