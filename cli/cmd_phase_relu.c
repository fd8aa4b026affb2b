/* cmd_phase_relu.c - `fate phase --model relu2`: the transferability phase
 * diagram of two-layer networks over (mu or theta, n), with the boundary
 * predicted from the feature-space overlap (THEORY.md section 5). */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "fate_mlp.h"
#include "folder_lock.h"
#include "manifest.h"
#include "options.h"
#include "par.h"
#include "relu_job.h"
#include "sweep_job.h"

static const char *help =
    "usage: fate phase --model relu2 [options]\n"
    "\n"
    "Sweeps transferability T = R_scratch - R_method of two-layer networks\n"
    "f(x) = (1/m) sum_i c_i act(w_i.x) over the fraction mu of teacher neurons\n"
    "removed from the source (or the angle theta of single-index teachers) and the\n"
    "number n of target samples, for linear transfer (lt: the readout refitted on\n"
    "the pretrained first layer) and fine-tuning (ft), K instances per cell. It\n"
    "fits the scratch risk R_sc = A n^-p, computes |P_perp f_t|^2 (the target's part\n"
    "outside the pretrained features, from arc-cosine Gram matrices) and draws the\n"
    "predicted boundary A n^-p = |P_perp f_t|^2 over the maps. With no other options\n"
    "it runs a small default job (d = 10, m* = 4, m = 50, 5 x 6 cells, 4 instances;\n"
    "about 2 minutes on 2 cores).\n"
    "\n"
    "grid (each a value, a comma list a,b,c or an inclusive range start:stop:count):\n"
    "  --mu LIST          fractions in [0, 1] (default 0:1:5)\n"
    "  --theta LIST       angles in [0, pi] of single-index teachers relu(beta.x)\n"
    "                     (instead of --mu; selects single-index teachers)\n"
    "  --n LIST           target sample sizes, integers >= 1 (default 4,8,16,32,64,128)\n"
    "model:\n"
    "  --d D              input dimension (default 10)\n"
    "  --mstar M          teacher neurons (default 4; the paper: 100)\n"
    "  --width M          student neurons m (default 50; the paper: 1000)\n"
    "  --act A            relu, tanh, erf or linear (default relu)\n"
    "  --scaling S        mean-field (1/m, default) or standard (1/sqrt(m))\n"
    "source:\n"
    "  --n-src N          source samples (default 500)\n"
    "  --online           pretrain on a fresh batch of n-src samples every step\n"
    "  --sigma-src S      source label noise >= 0 (default 0)\n"
    "target:\n"
    "  --sigma S          target label noise >= 0 (default 0)\n"
    "  --n-test N         fresh test inputs per risk, >= 2 (default 4000)\n"
    "training (every training: pretraining, scratch, fine-tuning; online pretraining\n"
    "takes one full batch of --n-src fresh samples per step, whatever --batch):\n"
    "  --lr R             base learning rate > 0; the step is R m under mean-field\n"
    "                     scaling (default 0.5)\n"
    "  --steps S          maximum GD steps >= 1 (default 40000)\n"
    "  --batch B          mini-batch size, 0 for full batch (default 0)\n"
    "  --tol T            converged when the training loss <= T (default 1e-8)\n"
    "  --rel-tol R        ... or when it fell by less than R x itself over 100\n"
    "                     steps (default 1e-4)\n"
    "  --init-scale W     first-layer init |w_i| ~ W (default 1e-3: small, the rich\n"
    "                     regime in which pretraining learns the source's features)\n"
    "  --readout-init C   readout init c_i ~ C N(0, 1) (default 1e-3)\n"
    "  --lambda L         ridge of linear transfer >= 0 (default 0)\n"
    "  --rcond C          pseudo-inverse cut-off of linear transfer, [0, 1) (default 1e-6)\n"
    "  --pperp-rcond C    cut-off of the student's |P_perp f_t|^2, [0, 1) (default 1e-3)\n"
    "run:\n"
    "  --instances K      independent instances >= 1 (default 4)\n"
    "  --seed S           random seed (default 1)\n"
    "  --threads T        OpenMP threads in " THREADS_RANGE " (default: all cores); results\n"
    "                     are identical for every thread count\n"
    "output:\n"
    "  --out DIR          output folder (default fate-phase-relu2)\n"
    "  --resume           continue the sweep saved in DIR with its saved parameters\n"
    "                     (the original command line with --resume appended too;\n"
    "                     one that changes a parameter is refused)\n"
    "  --plot LIST        png, svg, pdf, or none (default png)\n"
    "  --fit-min-n N      fit the scratch power law on n >= N (default d: below\n"
    "                     the input dimension the risk is not yet a power law)\n"
    "  --gram-mu MU       overlap of the Gram-matrix figure (default: the middle of\n"
    "                     the grid)\n"
    "  --quiet            no progress on stderr\n"
    "\n"
    "Writes DIR/runs.csv (one row per cell, method, instance: pretrain, scratch,\n"
    "lt, ft), summary.csv (per cell and method: mean, std, sem of risk and T, the\n"
    "predicted risk and T), powerlaw.csv (A, p and their standard errors),\n"
    "boundary.csv (per overlap: |P_perp f_t|^2 of the student and of the source\n"
    "teacher, the predicted boundary n*), risk.npy, T.npy, cells/, manifest.json,\n"
    "and figures phase_lt, phase_ft, pperp, scratch_fit, gram.\n"
    "\n"
    "example: fate phase --model relu2 --mu 0:1:5 --n 4,8,16,32,64,128 --instances 8\n";

typedef struct relu_opts {
    fate_relu_sweep w;
    double *overlaps, *nsd;
    size_t *ns;
    size_t no, nn;
    const char *out;
    double gram_mu;
    int have_gram_mu, have_mu, have_theta, have_fit_min_n;
    size_t fit_min_n;
    int resume, quiet, have_threads, have_quiet, have_plot, n_result_opts;
    unsigned plot;
} relu_opts;

static void free_opts(relu_opts *o)
{
    free(o->overlaps);
    free(o->nsd);
    free(o->ns);
    o->overlaps = o->nsd = NULL;
    o->ns = NULL;
}

static void defaults(relu_opts *o)
{
    memset(o, 0, sizeof *o);
    relu_default_spec(&o->w.base);
    o->w.instances = 4;
    o->out = "fate-phase-relu2";
    o->plot = FATE_PLOT_PNG;
}

/* An option's name (the part before any '='), checked against the known
 * ones; 0, or -1 after one line. */
static int option_name(const char *a, char name[64])
{
    const char *C = "phase";
    const char *eq = strchr(a, '=');
    size_t nl = eq ? (size_t)(eq - a) : strlen(a);
    if (strncmp(a, "--", 2) != 0 || nl >= 64) {
        cli_error(C, "unknown option '%s' (see fate phase --model relu2 --help)", a);
        return -1;
    }
    memcpy(name, a, nl);
    name[nl] = '\0';
    if (!strcmp(name, "--online") || !strcmp(name, "--resume") || !strcmp(name, "--quiet")) {
        cli_error(C, "%s is a flag and takes no value, got '%s'", name, a);
        return -1;
    }
    static const char *known[] = {
        "--model", "--mu", "--theta", "--n", "--d", "--mstar", "--width", "--act", "--scaling", "--n-src",
        "--sigma-src", "--sigma", "--n-test", "--lr", "--steps", "--batch", "--tol", "--rel-tol",
        "--init-scale", "--readout-init", "--lambda", "--rcond", "--pperp-rcond", "--instances", "--seed",
        "--threads", "--out", "--plot", "--gram-mu", "--fit-min-n", NULL};
    int ok = 0;
    for (int k = 0; known[k]; k++) ok |= !strcmp(name, known[k]);
    if (!ok) {
        cli_error(C, "unknown option '%s' for --model relu2 (see fate phase --model relu2 --help)", name);
        return -1;
    }
    return 0;
}

/* The option setters below each take their group of options: 1 when the
 * name was theirs and the value is set, 0 when it was not theirs, -1 after
 * one line. */

/* --model and the grid: --mu or --theta, --n */
static int set_grid(relu_opts *o, const char *name, const char *v)
{
    const char *C = "phase";
    if (!strcmp(name, "--model")) {
        if (strcmp(v, "relu2")) {
            cli_error(C, "--model must be linear or relu2, got '%s'", v);
            return -1;
        }
    } else if (!strcmp(name, "--mu") || !strcmp(name, "--theta")) {
        int th = !strcmp(name, "--theta");
        free(o->overlaps);
        o->overlaps = NULL;
        if (opt_list(C, name, v, th, 0.0, th ? M_PI : 1.0, 0, th ? "in [0, pi]" : "in [0, 1]", &o->overlaps,
                     &o->no))
            return -1;
        o->have_mu |= !th;
        o->have_theta |= th;
        o->w.base.single_index = th;
    } else if (!strcmp(name, "--n")) {
        free(o->nsd);
        o->nsd = NULL;
        if (opt_list(C, name, v, 0, 1.0, 1e9, 0, "integers >= 1", &o->nsd, &o->nn)) return -1;
        for (size_t j = 0; j < o->nn; j++)
            if (o->nsd[j] != floor(o->nsd[j])) {
                cli_error(C, "--n must be a list of integers >= 1, got %g", o->nsd[j]);
                return -1;
            }
    } else {
        return 0;
    }
    return 1;
}

/* the model and its data */
static int set_model(fate_relu_spec *s, const char *name, const char *v)
{
    const char *C = "phase";
    int bad = 0;
    if (!strcmp(name, "--d")) bad = opt_size(C, name, v, 1, 100000, &s->d);
    else if (!strcmp(name, "--mstar")) bad = opt_size(C, name, v, 1, 100000, &s->mstar);
    else if (!strcmp(name, "--width")) bad = opt_size(C, name, v, 1, 10000000, &s->m);
    else if (!strcmp(name, "--act")) {
        static const char *acts[] = {"relu", "tanh", "erf", "linear"};
        int k = -1;
        for (int q = 0; q < 4; q++)
            if (!strcmp(v, acts[q])) k = q;
        if (k < 0) { cli_error(C, "--act must be relu, tanh, erf or linear, got '%s'", v); return -1; }
        s->act = (fate_act)k;
    } else if (!strcmp(name, "--scaling")) {
        if (!strcmp(v, "mean-field")) s->scaling = FATE_MLP_MEAN_FIELD;
        else if (!strcmp(v, "standard")) s->scaling = FATE_MLP_STANDARD;
        else { cli_error(C, "--scaling must be mean-field or standard, got '%s'", v); return -1; }
    } else if (!strcmp(name, "--n-src")) bad = opt_size(C, name, v, 1, 1000000000, &s->n_src);
    else if (!strcmp(name, "--sigma-src")) bad = opt_double(C, name, v, 0, 1e6, 0, ">= 0", &s->sigma_src);
    else if (!strcmp(name, "--sigma")) bad = opt_double(C, name, v, 0, 1e6, 0, ">= 0", &s->sigma);
    else if (!strcmp(name, "--n-test")) bad = opt_size(C, name, v, 2, 1000000000, &s->n_test);
    else return 0;
    return bad ? -1 : 1;
}

/* a pseudo-inverse cut-off in [0, 1) */
static int set_rcond(const char *name, const char *v, double *out)
{
    double x = 0; /* read below even when opt_double refused the value */
    if (opt_double("phase", name, v, 0, 1, 0, "in [0, 1)", &x) || x >= 1) {
        if (x >= 1) cli_error("phase", "%s must be in [0, 1), got '%s'", name, v);
        return -1;
    }
    *out = x;
    return 1;
}

/* training, initialisation and transfer */
static int set_train(fate_relu_spec *s, const char *name, const char *v)
{
    const char *C = "phase";
    int bad = 0;
    if (!strcmp(name, "--lr")) bad = opt_double(C, name, v, 0, 1e6, 1, "> 0", &s->gd.lr);
    else if (!strcmp(name, "--steps")) bad = opt_size(C, name, v, 1, 1000000000, &s->gd.max_steps);
    else if (!strcmp(name, "--batch")) bad = opt_size(C, name, v, 0, 1000000000, &s->gd.batch);
    else if (!strcmp(name, "--tol")) bad = opt_double(C, name, v, 0, 1e6, 0, ">= 0", &s->gd.tol);
    else if (!strcmp(name, "--rel-tol")) bad = opt_double(C, name, v, 0, 1, 0, "in [0, 1]", &s->gd.rel_tol);
    else if (!strcmp(name, "--init-scale")) bad = opt_double(C, name, v, 0, 1e6, 1, "> 0", &s->w_init);
    else if (!strcmp(name, "--readout-init")) bad = opt_double(C, name, v, 0, 1e6, 0, ">= 0", &s->c_init);
    else if (!strcmp(name, "--lambda")) bad = opt_double(C, name, v, 0, 1e12, 0, ">= 0", &s->lambda);
    else if (!strcmp(name, "--rcond")) return set_rcond(name, v, &s->rcond);
    else if (!strcmp(name, "--pperp-rcond")) return set_rcond(name, v, &s->pperp_rcond);
    else return 0;
    return bad ? -1 : 1;
}

/* the run and its output */
static int set_run(relu_opts *o, const char *name, const char *v)
{
    const char *C = "phase";
    if (!strcmp(name, "--instances")) {
        if (opt_size(C, name, v, 1, 1000000, &o->w.instances)) return -1;
    } else if (!strcmp(name, "--seed")) {
        if (opt_u64(C, name, v, &o->w.base.seed)) return -1;
    } else if (!strcmp(name, "--threads")) {
        if (opt_threads(C, name, v, &o->w.threads)) return -1;
    } else if (!strcmp(name, "--out")) {
        if (!*v) { cli_error(C, "--out needs a folder name"); return -1; }
        o->out = v;
    } else if (!strcmp(name, "--plot")) {
        if (parse_plot_formats(C, v, &o->plot)) return -1;
        o->have_plot = 1;
    } else if (!strcmp(name, "--fit-min-n")) {
        if (opt_size(C, name, v, 1, 1000000000, &o->fit_min_n)) return -1;
        o->have_fit_min_n = 1;
    } else if (!strcmp(name, "--gram-mu")) {
        if (opt_double(C, name, v, 0, 1, 0, "in [0, 1]", &o->gram_mu)) return -1;
        o->have_gram_mu = 1;
    } else {
        return 0;
    }
    return 1;
}

/* 0, 1 after --help, or -1 after one line. */
static int parse(int argc, char **argv, relu_opts *o)
{
    const char *C = "phase";
    fate_relu_spec *s = &o->w.base;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { fputs(help, stdout); return 1; }
        if (!strcmp(a, "--resume")) { o->resume = 1; continue; }
        if (!strcmp(a, "--quiet")) { o->quiet = 1; o->have_quiet = 1; continue; }
        if (!strcmp(a, "--online")) { s->online_src = 1; o->n_result_opts++; continue; }
        char name[64];
        if (option_name(a, name) != 0) return -1;
        if (!(v = opt_value(C, argc, argv, &i, name))) return -1;
        if (!strcmp(name, "--threads")) o->have_threads = 1;
        else if (strcmp(name, "--plot") && strcmp(name, "--out") && strcmp(name, "--model")) o->n_result_opts++;
        int r = set_grid(o, name, v);
        if (!r) r = set_model(s, name, v);
        if (!r) r = set_train(s, name, v);
        if (!r) r = set_run(o, name, v);
        if (r < 0) return -1;
    }
    return 0;
}

static int finish(relu_opts *o)
{
    const char *C = "phase";
    if (o->have_mu && o->have_theta) {
        cli_error(C, "--mu and --theta exclude each other (--theta selects single-index teachers)");
        return -1;
    }
    if (!o->overlaps && opt_list(C, "--mu", "0:1:5", 0, 0, 1, 0, "", &o->overlaps, &o->no)) return -1;
    if (!o->nsd && opt_list(C, "--n", "4,8,16,32,64,128", 0, 1, 1e9, 0, "", &o->nsd, &o->nn)) return -1;
    for (size_t t = 1; t < o->no; t++)
        if (!(o->overlaps[t] > o->overlaps[t - 1])) {
            cli_error(C, "--%s values must be increasing and distinct", o->have_theta ? "theta" : "mu");
            return -1;
        }
    o->ns = malloc(o->nn * sizeof *o->ns);
    if (!o->ns) return -1;
    for (size_t j = 0; j < o->nn; j++) {
        if (j && !(o->nsd[j] > o->nsd[j - 1])) {
            cli_error(C, "--n values must be increasing and distinct");
            return -1;
        }
        o->ns[j] = (size_t)o->nsd[j];
    }
    fate_relu_sweep *w = &o->w;
    w->base.methods |= FATE_METHOD_SCRATCH;
    w->overlaps = o->overlaps, w->n_overlaps = o->no, w->ns = o->ns, w->n_ns = o->nn;
    const char *msg = fate_relu_sweep_check(w);
    if (msg) { cli_error(C, "%s", msg); return -1; }
    if (!o->have_fit_min_n) o->fit_min_n = w->base.d;
    if (!o->have_gram_mu) o->gram_mu = w->base.single_index ? 0.0 : o->overlaps[o->no / 2];
    return 0;
}

/* --resume's view of the relu2 options (resume_run, manifest.h) */
static int rk_init(void *o, const void *ctx)
{
    (void)ctx;
    defaults(o);
    return 0;
}
static int rk_parse(int ac, char **av, void *o) { return parse(ac, av, o); }
static int rk_finish(void *o) { return finish(o); }
static char *rk_params(const void *o) { return relu_params_json(&((const relu_opts *)o)->w); }
static void rk_release(void *o) { free_opts(o); }
static void rk_keep_run(void *saved, const void *now)
{
    relu_opts *r = saved;
    const relu_opts *o = now;
    r->out = o->out;
    if (o->have_threads) r->w.threads = o->w.threads;
    if (o->have_quiet) r->quiet = o->quiet;
    if (o->have_plot) r->plot = o->plot;
}
static const resume_kind RESUME = {"phase", "sweep", sizeof(relu_opts), NULL, rk_init, rk_parse,
                                   rk_finish, rk_params, rk_release, rk_keep_run};

/* say where training stopped on the step budget */
static void warn_unconverged(const relu_opts *o, const relu_result *res)
{
    /* each training once: pretraining is repeated in every cell of its row
     * (count n index 0), scratch in every row (count overlap index 0) */
    size_t unconv = 0;
    for (size_t t = 0; t < res->NO; t++)
        for (size_t j = 0; j < res->NN; j++)
            for (size_t m = 0; m < RM_COUNT; m++) {
                const relu_stat *st = &res->stat[(t * res->NN + j) * RM_COUNT + m];
                if (!st->count || m == RM_LT || (m == RM_PRE && j > 0) || (m == RM_SC && t > 0)) continue;
                unconv += (size_t)lround((1.0 - st->converged_frac) * (double)st->count);
            }
    if (unconv)
        fprintf(stderr, "fate phase: warning: %zu trainings stopped at --steps %zu before converging "
                "(loss <= %g or relative decrease < %g over 100 checks); raise --steps or --lr for more\n",
                unconv, o->w.base.gd.max_steps, o->w.base.gd.tol, o->w.base.gd.rel_tol);
}

/* the closing summary on stdout: the scratch fit, the boundary per
 * overlap, the files */
static void print_summary(const relu_opts *o, const relu_result *res, const file_list *files)
{
    printf("fate phase: relu2, %zu x %zu cells (%s x n), %zu instances each, in %s\n", o->no, o->nn,
           o->w.base.single_index ? "theta" : "mu", o->w.instances, o->out);
    printf("  scratch fit R_sc = A n^-p on %zu points n >= %zu: A = %.4g +- %.2g, p = %.4f +- %.4f\n",
           res->fit_points, res->fit_n_min, res->A, res->A_se, res->p, res->p_se);
    printf("  %-8s %-14s %-14s %-12s\n", o->w.base.single_index ? "theta" : "mu", "|Pperp f|^2 st",
           "|Pperp f|^2 src", "boundary n*");
    for (size_t t = 0; t < res->NO; t++)
        printf("  %-8.4g %-14.4g %-14.4g %-12.4g\n", res->overlaps[t], res->pp_student[t], res->pp_source[t],
               res->n_star[t]);
    for (size_t i = 0; i < files->n; i++) printf("  %s\n", files->paths[i]);
    printf("  %s/manifest.json\n", o->out);
}

int cmd_phase_relu(int argc, char **argv)
{
    const char *C = "phase";
    relu_opts o;
    defaults(&o);
    int pr = parse(argc, argv, &o);
    if (pr != 0) { free_opts(&o); return pr > 0 ? 0 : FATE_EXIT_USAGE; }
    json_t *args = NULL;
    int finished = 0;
    if (o.resume) {
        int rr = resume_run(&RESUME, &o, o.out, o.n_result_opts, &args, argc, argv, &finished);
        if (rr) { free_opts(&o); return rr; }
    } else {
        args = manifest_result_args(argc, argv);
    }
    if (!finished && finish(&o) != 0) { json_decref(args); free_opts(&o); return FATE_EXIT_USAGE; }
    if (make_dirs(o.out) != 0) {
        cli_error(C, "--out: cannot create folder '%s': %s", o.out, strerror(errno));
        json_decref(args);
        free_opts(&o);
        return FATE_EXIT_USAGE;
    }
    int claim = folder_claim(C, o.out, "phase"); /* locked until the process ends */
    if (claim) { json_decref(args); free_opts(&o); return claim; }
    relu_job job = {.dir = o.out, .sweep = o.w, .quiet = o.quiet, .label = "fate phase --model relu2",
                    .fit_min_n = o.fit_min_n};
    manifest man;
    char *pj = relu_params_json(&o.w);
    json_t *extra = json_object();
    json_object_set_new(extra, "sweep", pj ? json_loads(pj, 0, NULL) : json_null());
    free(pj);
    if (par_root()) manifest_begin(&man, o.out, "phase", args, NULL, extra);
    else { json_decref(args); json_decref(extra); }
    job_install_signals();
    relu_result res;
    file_list files = {0};
    int rc = relu_job_run(&job, &res, &files);
    if (!par_root()) {
        file_list_free(&files);
        free_opts(&o);
        return rc == JOB_OK ? 0 : rc == JOB_INTERRUPTED ? 130 : FATE_EXIT_RUNTIME;
    }
    if (rc != JOB_OK) {
        manifest_end(&man, rc == JOB_INTERRUPTED ? "interrupted" : "failed", NULL);
        if (rc == JOB_INTERRUPTED)
            fprintf(stderr, "fate phase: interrupted; finished cells are saved in %s/cells. "
                    "Resume with: fate phase --resume --out %s\n", o.out, o.out);
        file_list_free(&files);
        free_opts(&o);
        return rc == JOB_INTERRUPTED ? 130 : FATE_EXIT_RUNTIME;
    }
    warn_unconverged(&o, &res);
    int frc = o.plot ? relu_figures(&job, &res, o.gram_mu, o.plot, &files) : 0;
    frc |= manifest_end(&man, frc ? "failed" : "complete", &files) != 0;
    print_summary(&o, &res, &files);
    relu_result_free(&res);
    file_list_free(&files);
    free_opts(&o);
    return frc ? FATE_EXIT_RUNTIME : 0;
}
