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

#include "commands.h"
#include "fate.h"
#include "fate_git.h"
#include "fate_model.h"
#include "fate_plot.h"
#include "figures.h"
#include "folder_lock.h"
#include "manifest.h"
#include "options.h"
#include "par.h"
#include "spec_opts.h"
#include "sweep_job.h"

static const char *help =
    "usage: fate phase [options]\n"
    "\n"
    "Sweeps transferability T = R_scratch - R_method over a grid of target sample\n"
    "ratios gamma = n/d and feature angles theta, for linear transfer (lt) and\n"
    "fine-tuning (ft), K instances per cell, and draws the phase diagrams with the\n"
    "theory's T = 0 boundary over them. With no options it runs the built-in default\n"
    "job (d = 100, 12 x 12 cells, 8 instances; about 20 s on 2 cores).\n"
    "\n"
    "  --model M          linear (deep linear networks, this help) or relu2\n"
    "                     (two-layer networks: see fate phase --model relu2 --help)\n"
    "grid (each a value, a comma list a,b,c or an inclusive range start:stop:count):\n"
    "  --gamma LIST       target samples per dimension (default 0.15:1.8:12)\n"
    "  --theta LIST       angles in [0, pi], pi-forms and degrees accepted\n"
    "                     (default pi/24:pi/2:12)\n"
    "  --lambda LIST      ridges of linear transfer >= 0 (default 0)\n"
    "output:\n"
    "  --out DIR          output folder (default fate-phase)\n"
    "  --resume           continue the sweep saved in DIR with its saved parameters\n"
    "                     (--threads, --quiet and --plot may change); the original\n"
    "                     command line with --resume appended continues too, and one\n"
    "                     that changes a parameter is refused; rerunning the same\n"
    "                     command also continues it\n"
    "  --plot LIST        figure formats: png, svg, pdf, or none (default png)\n"
    "  --slices LIST      angles of the T-vs-gamma slices (default pi/8,pi/4,3pi/8)\n"
    "  --theory-map       also draw the theory-only phase maps\n"
    "  --quiet            no progress on stderr\n"
    "%s"
    "(phase defaults: --d 100 --methods lt,ft --instances 8; scratch always runs,\n"
    "it is the baseline of T)\n"
    "\n"
    "Writes DIR/runs.csv (one row per cell, method, instance, lambda), summary.csv\n"
    "(per cell, method, lambda: mean, std, sem of risk and T, theory at the cell's\n"
    "finite size), manifest.json, cells/ (each finished cell, saved atomically), and\n"
    "figures: phase_lt, phase_ft, slices_lt, slices_ft, scratch[, ridge].\n"
    "Ctrl-C stops after the cells in flight; finished cells are kept.\n"
    "\n"
    "example: fate phase --d 200 --gamma 0.1:2.0:20 --theta pi/40:pi/2:20 --instances 10\n";

typedef struct phase_opts {
    spec_opts so;
    double *gammas, *thetas, *lambdas, *slices;
    size_t ng, nt, nl, nsl;
    const char *out;
    int resume, quiet, theory_map;
    unsigned plot;
    int have_threads, have_quiet, have_plot;
    int n_result_opts; /* options that change results (not allowed with --resume) */
} phase_opts;

static void free_opts(phase_opts *o)
{
    free(o->gammas);
    free(o->thetas);
    free(o->lambdas);
    free(o->slices);
    o->gammas = o->thetas = o->lambdas = o->slices = NULL;
}

int parse_plot_formats(const char *cmd, const char *v, unsigned *out)
{
    static const char *const words[] = {"png", "svg", "pdf", "none", NULL};
    const char *range = "a comma list of png, svg, pdf, or none";
    unsigned w;
    if (opt_words(cmd, "--plot", v, words, range, &w)) return -1;
    if ((w & 8) && (w & 7)) { /* none with a format */
        cli_error(cmd, "--plot must be %s, got '%s'", range, v);
        return -1;
    }
    /* bits 0..2 of w are FATE_PLOT_PNG, _SVG, _PDF */
    *out = w & 7;
    return 0;
}

static int parse_phase(int argc, char **argv, phase_opts *o, int first)
{
    const char *C = "phase";
    for (int i = first; i < argc; i++) {
        const char *a = argv[i], *v;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            printf(help, SPEC_OPTIONS_HELP);
            return 1;
        }
        if (!strcmp(a, "--resume")) { o->resume = 1; continue; }
        if (!strcmp(a, "--quiet")) { o->quiet = 1; o->have_quiet = 1; continue; }
        if (!strcmp(a, "--theory-map")) { o->theory_map = 1; o->n_result_opts++; continue; }
        char name[64];
        const char *eq = strchr(a, '=');
        size_t nl = eq ? (size_t)(eq - a) : strlen(a);
        if (strncmp(a, "--", 2) != 0 || nl >= sizeof name) {
            cli_error(C, "unknown option '%s' (see fate phase --help)", a);
            return -1;
        }
        memcpy(name, a, nl);
        name[nl] = '\0';
        static const char *own[] = {"--gamma", "--theta", "--lambda", "--out", "--plot", "--slices", "--model",
                                    NULL};
        int mine = 0;
        for (int k = 0; own[k]; k++) mine |= !strcmp(name, own[k]);
        if (!mine && !spec_option_known(name)) {
            cli_error(C, "unknown option '%s' (see fate phase --help)", name);
            return -1;
        }
        if (!(v = opt_value(C, argc, argv, &i, name))) return -1;
        if (!strcmp(name, "--threads")) o->have_threads = 1;
        else if (strcmp(name, "--plot") && strcmp(name, "--out") && strcmp(name, "--model")) o->n_result_opts++;
        if (!mine) {
            if (spec_option(C, name, v, &o->so) < 0) return -1;
        } else if (!strcmp(name, "--model")) {
            if (strcmp(v, "linear") != 0) {
                cli_error(C, "--model must be linear or relu2, got '%s'", v);
                return -1;
            }
        } else if (!strcmp(name, "--gamma")) {
            free(o->gammas);
            if (opt_list(C, name, v, 0, 0.0, 1e6, 1, "> 0", &o->gammas, &o->ng)) return -1;
        } else if (!strcmp(name, "--theta")) {
            free(o->thetas);
            if (opt_list(C, name, v, 1, 0.0, M_PI, 0, "in [0, pi]", &o->thetas, &o->nt)) return -1;
        } else if (!strcmp(name, "--lambda")) {
            free(o->lambdas);
            if (opt_list(C, name, v, 0, 0.0, 1e12, 0, ">= 0", &o->lambdas, &o->nl)) return -1;
        } else if (!strcmp(name, "--slices")) {
            free(o->slices);
            if (opt_list(C, name, v, 1, 0.0, M_PI, 0, "in [0, pi]", &o->slices, &o->nsl)) return -1;
        } else if (!strcmp(name, "--out")) {
            if (!*v) { cli_error(C, "--out needs a folder name"); return -1; }
            o->out = v;
        } else if (!strcmp(name, "--plot")) {
            if (parse_plot_formats(C, v, &o->plot)) return -1;
            o->have_plot = 1;
        }
    }
    return 0;
}

static int sorted_unique(const double *x, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (!(x[i] > x[i - 1])) return 0;
    return 1;
}

static int finish_phase(phase_opts *o)
{
    const char *C = "phase";
    if (!o->gammas && opt_list(C, "--gamma", "0.15:1.8:12", 0, 0, 1e6, 1, "> 0", &o->gammas, &o->ng)) return -1;
    if (!o->thetas && opt_list(C, "--theta", "pi/24:pi/2:12", 1, 0, M_PI, 0, "", &o->thetas, &o->nt)) return -1;
    if (!o->lambdas && opt_list(C, "--lambda", "0", 0, 0, 1e12, 0, "", &o->lambdas, &o->nl)) return -1;
    if (!o->slices && opt_list(C, "--slices", "pi/8,pi/4,3pi/8", 1, 0, M_PI, 0, "", &o->slices, &o->nsl)) return -1;
    if (!sorted_unique(o->gammas, o->ng)) { cli_error(C, "--gamma values must be increasing and distinct"); return -1; }
    if (!sorted_unique(o->thetas, o->nt)) { cli_error(C, "--theta values must be increasing and distinct"); return -1; }
    if (!sorted_unique(o->lambdas, o->nl)) { cli_error(C, "--lambda values must be increasing and distinct"); return -1; }
    if (spec_opts_finish(C, &o->so)) return -1;
    fate_spec *s = &o->so.spec;
    s->methods |= FATE_METHOD_SCRATCH; /* the baseline of T */
    for (size_t j = 0; j < o->ng; j++)
        if (lround(o->gammas[j] * (double)s->d) < 1) {
            cli_error(C, "--gamma %g gives n = round(gamma d) = 0 at d = %zu: every gamma must be >= %.3g",
                      o->gammas[j], s->d, 0.5 / (double)s->d);
            return -1;
        }
    s->n = 1;
    const char *msg = fate_spec_check(s);
    if (msg) { cli_error(C, "%s", msg); return -1; }
    return 0;
}

static void phase_defaults(phase_opts *o)
{
    memset(o, 0, sizeof *o);
    spec_opts_default(&o->so, 8);
    o->so.spec.methods = FATE_METHOD_SCRATCH | FATE_METHOD_LT | FATE_METHOD_FT;
    o->out = "fate-phase";
    o->plot = FATE_PLOT_PNG;
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
    return (fate_sweep){o->so.spec, o->gammas, o->ng, o->thetas, o->nt, o->lambdas, o->nl, o->so.instances,
                        o->so.threads};
}

/* --resume's view of the linear options (resume_run, manifest.h) */
static int rk_init(void *o, const void *ctx)
{
    (void)ctx;
    phase_defaults(o);
    return 0;
}
static int rk_parse(int ac, char **av, void *o) { return parse_phase(ac, av, o, 1); }
static int rk_finish(void *o) { return finish_phase(o); }
static char *rk_params(const void *o)
{
    const fate_sweep w = sweep_of(o);
    return sweep_params_json(&w);
}
static void rk_release(void *o) { free_opts(o); }
static void rk_keep_run(void *saved, const void *now)
{
    phase_opts *r = saved;
    const phase_opts *o = now;
    r->out = o->out;
    if (o->have_threads) r->so.threads = o->so.threads;
    if (o->have_quiet) r->quiet = o->quiet;
    if (o->have_plot) r->plot = o->plot;
}
static const resume_kind RESUME = {"phase", "sweep", sizeof(phase_opts), NULL, rk_init, rk_parse,
                                   rk_finish, rk_params, rk_release, rk_keep_run, NULL};

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

int cmd_phase(int argc, char **argv)
{
    const char *C = "phase";
    const fate_model *model = phase_model(argc, argv);
    if (!model) return FATE_EXIT_USAGE;
    if (model == &fate_model_relu2) return cmd_phase_relu(argc, argv);
    if (model->params) return cmd_phase_model(model, argc, argv);
    phase_opts o;
    phase_defaults(&o);
    int pr = parse_phase(argc, argv, &o, 1);
    if (pr != 0) { free_opts(&o); return pr > 0 ? 0 : FATE_EXIT_USAGE; }
    json_t *args = NULL;
    int finished = 0;
    if (o.resume) {
        int rr = resume_run(&RESUME, &o, o.out, o.n_result_opts, &args, argc, argv, &finished);
        if (rr) { free_opts(&o); return rr; }
    } else {
        args = manifest_result_args(argc, argv);
    }
    if (!finished && finish_phase(&o) != 0) { json_decref(args); free_opts(&o); return FATE_EXIT_USAGE; }

    sweep_job job = {.dir = o.out, .quiet = o.quiet, .label = "fate phase"};
    job.sweep = sweep_of(&o);
    const char *msg = fate_sweep_check(&job.sweep);
    if (msg) { cli_error(C, "%s", msg); json_decref(args); free_opts(&o); return FATE_EXIT_USAGE; }
    if (make_dirs(o.out) != 0) {
        cli_error(C, "--out: cannot create folder '%s': %s", o.out, strerror(errno));
        json_decref(args);
        free_opts(&o);
        return FATE_EXIT_USAGE;
    }
    int claim = folder_claim(C, o.out, "phase"); /* locked until the process ends */
    if (claim) { json_decref(args); free_opts(&o); return claim; }

    manifest man;
    if (par_root()) manifest_begin(&man, o.out, "phase", args, &job.sweep, NULL);
    else json_decref(args);
    job_install_signals();
    summary_row *rows = NULL;
    size_t nrows = 0;
    file_list files = {0};
    int rc = sweep_job_run(&job, &rows, &nrows, &files);
    if (!par_root()) { /* rank 0 writes the results */
        file_list_free(&files);
        free_opts(&o);
        return rc == JOB_OK ? 0 : rc == JOB_INTERRUPTED ? 130 : FATE_EXIT_RUNTIME;
    }
    if (rc == JOB_INTERRUPTED) {
        manifest_end(&man, "interrupted", NULL);
        fprintf(stderr, "fate phase: interrupted; finished cells are saved in %s/cells. "
                "Resume with: fate phase --resume --out %s\n", o.out, o.out);
        file_list_free(&files);
        free_opts(&o);
        return 130;
    }
    if (rc != JOB_OK) {
        manifest_end(&man, "failed", NULL);
        file_list_free(&files);
        free_opts(&o);
        return FATE_EXIT_RUNTIME;
    }
    warn_unconverged(&o, rows, nrows);
    sweep_view v = {&o.so.spec, o.gammas, o.thetas, o.lambdas, o.ng, o.nt, o.nl, rows, nrows, ""};
    int frc = o.plot ? fig_phase_all(&v, o.out, o.so.spec.methods, o.slices, o.nsl, o.theory_map, o.plot, &files)
                     : 0;
    frc |= manifest_end(&man, frc ? "failed" : "complete", &files) != 0;
    printf("fate phase: %zu x %zu cells, %zu instances each, in %s\n", o.ng, o.nt, o.so.instances, o.out);
    char mpath[4096];
    snprintf(mpath, sizeof mpath, "%s/manifest.json", o.out);
    for (size_t i = 0; i < files.n; i++) printf("  %s\n", files.paths[i]);
    printf("  %s\n", mpath);
    free(rows);
    file_list_free(&files);
    free_opts(&o);
    return frc ? FATE_EXIT_RUNTIME : 0;
}
