/* cmd_phase_relu.c - `fate phase --model relu2`: the transferability phase
 * diagram of two-layer networks over (mu or theta, n), with the boundary
 * predicted from the feature-space overlap (THEORY.md section 5). */
#include <errno.h>
#include <stddef.h>
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
#include "opt_table.h"
#include "par.h"
#include "relu_job.h"
#include "sweep_job.h"

static const char intro[] =
    "usage: fate phase --model relu2 [options]\n"
    "\n"
    "Sweeps transferability T = R_scratch - R_method of two-layer networks\n"
    "f(x) = (1/m) sum_i c_i act(w_i.x) over the fraction mu of teacher neurons\n"
    "removed from the source (or the angle theta of single-index teachers) and the\n"
    "number n of target samples, for linear transfer (lt: the readout refitted on\n"
    "the pretrained first layer), fine-tuning (ft) and, with --methods, LP-FT\n"
    "(lpft: lt's refit, then ft from there; simulation only), K instances per\n"
    "cell. It fits the scratch risk R_sc = A n^-p, computes |P_perp f_t|^2 (the\n"
    "target's part outside the pretrained features, from arc-cosine Gram matrices)\n"
    "and draws the predicted boundary A n^-p = |P_perp f_t|^2 over the maps. With\n"
    "no other options it runs a small default job (d = 10, m* = 4, m = 50, 5 x 6\n"
    "cells, 4 instances; about 2 minutes on 2 cores).\n"
    "\n";

static const char outro[] =
    "\n"
    "Writes DIR/runs.csv (one row per cell, method, instance: pretrain, scratch,\n"
    "lt, ft, lpft), summary.csv (per cell and method: mean, std, sem of risk and T,\n"
    "the predicted risk and T; NaN for ft and lpft), powerlaw.csv (A, p and their\n"
    "standard errors), boundary.csv (per overlap: |P_perp f_t|^2 of the student\n"
    "and of the source teacher, the predicted boundary n*), risk.npy, T.npy, cells/,\n"
    "manifest.json, and figures phase_lt, phase_ft, phase_lpft, pperp, scratch_fit,\n"
    "gram. With lpft, runs.csv has a last column w_move = |W - W_0|/|W_0| (how far\n"
    "the first layer moved from where its training started) and summary.csv its\n"
    "mean, std and sem.\n"
    "\n"
    "example: fate phase --model relu2 --mu 0:1:5 --n 4,8,16,32,64,128 --instances 8\n";

typedef struct relu_opts {
    fate_relu_sweep w;
    double *mus, *thetas, *nsd;
    size_t nmu, nth, nn;
    size_t *ns;
    int act, scaling, online, model, optimizer, precision, optimize_pretrain;
    const char *out;
    double gram_mu;
    int have_gram_mu, have_mu, have_theta, have_fit_min_n;
    size_t fit_min_n;
    int resume, quiet, have_threads, have_quiet, have_plot, n_result_opts;
    unsigned plot;
} relu_opts;

static const char *const ACTS[] = {"relu", "tanh", "erf", "linear", NULL};
static const char *const SCALINGS[] = {"mean-field", "standard", NULL};
static const char *const MODELS[] = {"relu2", NULL};
static const char *const OPTIMIZERS[] = {"gd", "momentum", "adam", NULL};   /* fate_mlp_optimizer order */
static const char *const PRECISIONS[] = {"double", "single", NULL};         /* fate_mlp_precision order */
/* in FATE_METHOD_* bit order, so the OPT_WORDS mask is the methods field */
static const char *const METHODS[] = {"scratch", "lt", "ft", "lpft", NULL};

#define F(field) offsetof(relu_opts, field)
#define S(field) offsetof(relu_opts, w.base.field)
#define NO_GIVEN (-1L)
/* The options of `fate phase --model relu2`, declared once (opt_table.h). */
static const opt_def OPTS[] = {
    {"--model", "M", OPT_WORD, 0, 0, "relu2 here (linear: fate phase --help)", NULL,
     "relu2 (linear and ridge: see fate phase --help)", F(model), 0, NO_GIVEN, MODELS, OPT_RUN | OPT_SAVED},
    {NULL, NULL, OPT_SECTION, 0, 0, NULL, NULL,
     "grid (each a value, a comma list a,b,c or an inclusive range start:stop:count):", 0, 0, NO_GIVEN, NULL, 0},
    {"--mu", "LIST", OPT_LIST, 0, 1, "in [0, 1]", "0:1:5", "fractions in [0, 1]", F(mus), F(nmu),
     (long)F(have_mu), NULL, 0},
    {"--theta", "LIST", OPT_ANGLES, 0, M_PI, "in [0, pi]", NULL,
     "angles in [0, pi] of single-index teachers relu(beta.x)\n(instead of --mu; selects single-index teachers)",
     F(thetas), F(nth), (long)F(have_theta), NULL, 0},
    {"--n", "LIST", OPT_LIST, 1, 1e9, "integers >= 1", "4,8,16,32,64,128", "target sample sizes, integers >= 1",
     F(nsd), F(nn), NO_GIVEN, NULL, 0},
    {NULL, NULL, OPT_SECTION, 0, 0, NULL, NULL, "model:", 0, 0, NO_GIVEN, NULL, 0},
    {"--d", "D", OPT_SIZE, 1, 100000, NULL, "10", "input dimension", S(d), 0, NO_GIVEN, NULL, 0},
    {"--mstar", "M", OPT_SIZE, 1, 100000, NULL, "4", "teacher neurons (the paper: 100)", S(mstar), 0, NO_GIVEN,
     NULL, 0},
    {"--width", "M", OPT_SIZE, 1, 10000000, NULL, "50", "student neurons m (the paper: 1000)", S(m), 0, NO_GIVEN,
     NULL, 0},
    {"--act", "A", OPT_WORD, 0, 0, "relu, tanh, erf or linear", "relu", "relu, tanh, erf or linear", F(act), 0,
     NO_GIVEN, ACTS, 0},
    {"--scaling", "S", OPT_WORD, 0, 0, "mean-field or standard", "mean-field",
     "mean-field (1/m) or standard (1/sqrt(m))", F(scaling), 0, NO_GIVEN, SCALINGS, 0},
    {NULL, NULL, OPT_SECTION, 0, 0, NULL, NULL, "source:", 0, 0, NO_GIVEN, NULL, 0},
    {"--n-src", "N", OPT_SIZE, 1, 1e9, NULL, "500", "source samples", S(n_src), 0, NO_GIVEN, NULL, 0},
    {"--online", NULL, OPT_FLAG, 0, 0, NULL, NULL, "pretrain on a fresh batch of n-src samples every step",
     F(online), 0, NO_GIVEN, NULL, 0},
    {"--sigma-src", "S", OPT_DOUBLE, 0, 1e6, ">= 0", "0", "source label noise >= 0", S(sigma_src), 0, NO_GIVEN,
     NULL, 0},
    {NULL, NULL, OPT_SECTION, 0, 0, NULL, NULL, "target:", 0, 0, NO_GIVEN, NULL, 0},
    {"--sigma", "S", OPT_DOUBLE, 0, 1e6, ">= 0", "0", "target label noise >= 0", S(sigma), 0, NO_GIVEN, NULL, 0},
    {"--n-test", "N", OPT_SIZE, 2, 1e9, NULL, "4000", "fresh test inputs per risk, >= 2", S(n_test), 0, NO_GIVEN,
     NULL, 0},
    {NULL, NULL, OPT_SECTION, 0, 0, NULL, NULL,
     "training (every training: pretraining, scratch, fine-tuning; online pretraining\n"
     "takes one full batch of --n-src fresh samples per step, whatever --batch):", 0, 0, NO_GIVEN, NULL, 0},
    {"--lr", "R", OPT_DOUBLE, 0, 1e6, "> 0", "0.5",
     "base learning rate > 0; the step is R m under mean-field\nscaling", S(gd.lr), 0, NO_GIVEN, NULL, OPT_LO_OPEN},
    {"--steps", "S", OPT_SIZE, 1, 1e9, NULL, "40000", "maximum GD steps >= 1", S(gd.max_steps), 0, NO_GIVEN, NULL,
     0},
    {"--pretrain-steps", "S", OPT_SIZE, 0, 1e9, NULL, "0",
     "pretraining's step budget (0: --steps); online pretraining\nusually stops here", S(pretrain_steps), 0,
     NO_GIVEN, NULL, 0},
    {"--pretrain-lr", "R", OPT_DOUBLE, 0, 1e6, "in [0, 1e6]", "0",
     "pretraining's base rate (0: --lr); keeps pretraining's GD\nwhere it was when --optimizer changes --lr", S(pretrain_lr),
     0, NO_GIVEN, NULL, 0},
    {"--batch", "B", OPT_SIZE, 0, 1e9, NULL, "0", "mini-batch size, 0 for full batch", S(gd.batch), 0, NO_GIVEN,
     NULL, 0},
    {"--tol", "T", OPT_DOUBLE, 0, 1e6, ">= 0", "1e-8", "converged when the training loss <= T", S(gd.tol), 0,
     NO_GIVEN, NULL, 0},
    {"--rel-tol", "R", OPT_DOUBLE, 0, 1, "in [0, 1]", "1e-4",
     "... or when it fell by less than R x itself over 100\nsteps", S(gd.rel_tol), 0, NO_GIVEN, NULL, 0},
    {"--optimizer", "O", OPT_WORD, 0, 0, "gd, momentum or adam", "gd",
     "update rule of scratch, fine-tuning and LP-FT: gd,\nmomentum (heavy ball: GD's step / (1 - beta1) at steady\n"
     "state) or adam (step lr whatever the scaling);\npretraining stays gd unless --optimize-pretrain",
     F(optimizer), 0, NO_GIVEN, OPTIMIZERS, 0},
    {"--beta1", "B", OPT_DOUBLE, 0, 1, "in (0, 1)", "0.9", "momentum / Adam first-moment decay", S(gd.beta1), 0,
     NO_GIVEN, NULL, OPT_LO_OPEN | OPT_HI_OPEN},
    {"--beta2", "B", OPT_DOUBLE, 0, 1, "in (0, 1)", "0.999", "Adam second-moment decay", S(gd.beta2), 0, NO_GIVEN,
     NULL, OPT_LO_OPEN | OPT_HI_OPEN},
    {"--optimize-pretrain", NULL, OPT_FLAG, 0, 0, NULL, NULL,
     "pretrain with --optimizer too (off: in the rich regime the\nlearned features depend on the trajectory)",
     F(optimize_pretrain), 0, NO_GIVEN, NULL, 0},
    {"--precision", "P", OPT_WORD, 0, 0, "double or single", "double",
     "arithmetic of every training's products: double, or single\n(sgemm; parameters and losses stay double)",
     F(precision), 0, NO_GIVEN, PRECISIONS, 0},
    {"--init-scale", "W", OPT_DOUBLE, 0, 1e6, "> 0", "1e-3",
     "first-layer init |w_i| ~ W (small: the rich regime in\nwhich pretraining learns the source's features)",
     S(w_init), 0, NO_GIVEN, NULL, OPT_LO_OPEN},
    {"--readout-init", "C", OPT_DOUBLE, 0, 1e6, ">= 0", "1e-3", "readout init c_i ~ C N(0, 1)", S(c_init), 0,
     NO_GIVEN, NULL, 0},
    {"--lambda", "L", OPT_DOUBLE, 0, 1e12, ">= 0", "0", "ridge of linear transfer >= 0", S(lambda), 0, NO_GIVEN,
     NULL, 0},
    {"--rcond", "C", OPT_DOUBLE, 0, 1, "in [0, 1)", "1e-6", "pseudo-inverse cut-off of linear transfer, [0, 1)",
     S(rcond), 0, NO_GIVEN, NULL, OPT_HI_OPEN},
    {"--pperp-rcond", "C", OPT_DOUBLE, 0, 1, "in [0, 1)", "1e-3", "cut-off of the student's |P_perp f_t|^2, [0, 1)",
     S(pperp_rcond), 0, NO_GIVEN, NULL, OPT_HI_OPEN},
    {NULL, NULL, OPT_SECTION, 0, 0, NULL, NULL, "run:", 0, 0, NO_GIVEN, NULL, 0},
    {"--methods", "LIST", OPT_WORDS, 0, 0, "a comma list of scratch, lt, ft, lpft", "scratch,lt,ft",
     "methods: scratch, lt, ft, lpft (lpft: the readout refitted\nas lt, then every weight fine-tuned as ft; "
     "simulation only,\nno prediction); scratch always runs (the baseline of T)", S(methods), 0, NO_GIVEN,
     METHODS, 0},
    {"--instances", "K", OPT_SIZE, 1, 1000000, NULL, "4", "independent instances >= 1", F(w.instances), 0,
     NO_GIVEN, NULL, 0},
    {"--seed", "S", OPT_U64, 0, 0, NULL, "1", "random seed", S(seed), 0, NO_GIVEN, NULL, 0},
    {"--threads", "T", OPT_THREADS, 0, 0, NULL, NULL,
     "OpenMP threads in " THREADS_RANGE " (default: all cores); results\nare identical for every thread count",
     F(w.threads), 0, (long)F(have_threads), NULL, OPT_RUN},
    {NULL, NULL, OPT_SECTION, 0, 0, NULL, NULL, "output:", 0, 0, NO_GIVEN, NULL, 0},
    {"--out", "DIR", OPT_TEXT, 0, 0, "a folder name", "fate-phase-relu2", "output folder", F(out), 0, NO_GIVEN,
     NULL, OPT_RUN},
    {"--resume", NULL, OPT_FLAG, 0, 0, NULL, NULL,
     "continue the sweep saved in DIR with its saved parameters\n(the original command line with --resume appended "
     "too;\none that changes a parameter is refused)", F(resume), 0, NO_GIVEN, NULL, OPT_RUN},
    {"--plot", "LIST", OPT_PLOT, 0, 0, NULL, "png", "png, svg, pdf, or none", F(plot), 0, (long)F(have_plot), NULL,
     OPT_RUN},
    {"--fit-min-n", "N", OPT_SIZE, 1, 1e9, NULL, NULL,
     "fit the scratch power law on n >= N (default d: below\nthe input dimension the risk is not yet a power law)",
     F(fit_min_n), 0, (long)F(have_fit_min_n), NULL, 0},
    {"--gram-mu", "MU", OPT_DOUBLE, 0, 1, "in [0, 1]", NULL,
     "overlap of the Gram-matrix figure (default: the middle of\nthe grid)", F(gram_mu), 0, (long)F(have_gram_mu),
     NULL, 0},
    {"--quiet", NULL, OPT_FLAG, 0, 0, NULL, NULL, "no progress on stderr", F(quiet), 0, (long)F(have_quiet), NULL,
     OPT_RUN}};
#undef F
#undef S
static const opt_table TABLE = {"phase", "fate phase --model relu2 --help", OPTS, sizeof OPTS / sizeof OPTS[0], intro, outro};

static void free_opts(relu_opts *o)
{
    opt_table_free(&TABLE, o);
    free(o->ns);
    o->ns = NULL;
}

/* The table's defaults over relu_default_spec (the fields it has no option
 * for); 0 or -1. */
static int defaults(relu_opts *o)
{
    memset(o, 0, sizeof *o);
    relu_default_spec(&o->w.base);
    return opt_table_defaults(&TABLE, o);
}

/* 0, 1 after --help, or -1 after one line. */
static int parse(int argc, char **argv, relu_opts *o)
{
    return opt_table_parse(&TABLE, o, argc, argv, 1, &o->n_result_opts);
}

/* The grid: --mu or --theta (which selects single-index teachers), --n as
 * increasing integers. 0 or -1 after one line. */
static int finish_grid(relu_opts *o)
{
    const char *C = "phase";
    if (o->have_mu && o->have_theta) {
        cli_error(C, "--mu and --theta exclude each other (--theta selects single-index teachers)");
        return -1;
    }
    const double *ov = o->have_theta ? o->thetas : o->mus;
    const size_t no = o->have_theta ? o->nth : o->nmu;
    for (size_t t = 1; t < no; t++)
        if (!(ov[t] > ov[t - 1])) {
            cli_error(C, "--%s values must be increasing and distinct", o->have_theta ? "theta" : "mu");
            return -1;
        }
    free(o->ns);
    o->ns = malloc(o->nn * sizeof *o->ns);
    if (!o->ns) return -1;
    for (size_t j = 0; j < o->nn; j++) {
        if (o->nsd[j] != floor(o->nsd[j])) {
            cli_error(C, "--n must be a list of integers >= 1, got %g", o->nsd[j]);
            return -1;
        }
        if (j && !(o->nsd[j] > o->nsd[j - 1])) {
            cli_error(C, "--n values must be increasing and distinct");
            return -1;
        }
        o->ns[j] = (size_t)o->nsd[j];
    }
    fate_relu_sweep *w = &o->w;
    w->overlaps = ov, w->n_overlaps = no, w->ns = o->ns, w->n_ns = o->nn;
    w->base.single_index = o->have_theta;
    return 0;
}

static int finish(relu_opts *o)
{
    if (finish_grid(o)) return -1;
    fate_relu_sweep *w = &o->w;
    w->base.act = (fate_act)o->act;
    w->base.scaling = (fate_mlp_scaling)o->scaling;
    w->base.online_src = o->online;
    w->base.gd.optimizer = (fate_mlp_optimizer)o->optimizer;
    w->base.gd.precision = (fate_mlp_precision)o->precision;
    w->base.optimize_pretrain = o->optimize_pretrain;
    w->base.methods |= FATE_METHOD_SCRATCH;
    const char *msg = fate_relu_sweep_check(w);
    if (msg) { cli_error("phase", "%s", msg); return -1; }
    if (!o->have_fit_min_n) o->fit_min_n = w->base.d;
    if (!o->have_gram_mu) o->gram_mu = w->base.single_index ? 0.0 : w->overlaps[w->n_overlaps / 2];
    return 0;
}

/* --resume's view of the relu2 options (resume_run, manifest.h) */
static int rk_init(void *o, const void *ctx)
{
    (void)ctx;
    return defaults(o);
}
static int rk_parse(int ac, char **av, void *o) { return parse(ac, av, o); }
static int rk_finish(void *o) { return finish(o); }
static char *rk_params(const void *o) { return relu_params_json(&((const relu_opts *)o)->w); }
static void rk_release(void *o) { free_opts(o); }
static const resume_kind RESUME = {"phase", "sweep", sizeof(relu_opts), NULL, rk_init, rk_parse,
                                   rk_finish, rk_params, rk_release, &TABLE};

/* say where training stopped on the step budget */
static void warn_unconverged(const relu_opts *o, const relu_result *res)
{
    /* each training once: pretraining is repeated in every cell of its row
     * (count n index 0), scratch in every row (count overlap index 0) */
    size_t unconv = 0, unconv_pre = 0;
    for (size_t t = 0; t < res->NO; t++)
        for (size_t j = 0; j < res->NN; j++)
            for (size_t m = 0; m < RM_COUNT; m++) {
                const relu_stat *st = &res->stat[(t * res->NN + j) * RM_COUNT + m];
                if (!st->count || m == RM_LT || (m == RM_PRE && j > 0) || (m == RM_SC && t > 0)) continue;
                const size_t k = (size_t)lround((1.0 - st->converged_frac) * (double)st->count);
                /* pretraining has its own budget with --pretrain-steps */
                if (m == RM_PRE && o->w.base.pretrain_steps) unconv_pre += k;
                else unconv += k;
            }
    if (unconv_pre)
        fprintf(stderr, "fate phase: note: %zu pretrainings ran their budget of --pretrain-steps %zu (raise it for "
                "more)\n", unconv_pre, o->w.base.pretrain_steps);
    if (unconv)
        fprintf(stderr, "fate phase: warning: %zu trainings stopped at --steps %zu before converging "
                "(loss <= %g or relative decrease < %g over 100 checks); raise --steps or --lr for more\n",
                unconv, o->w.base.gd.max_steps, o->w.base.gd.tol, o->w.base.gd.rel_tol);
}

/* the closing summary on stdout: the scratch fit, the boundary per
 * overlap, the files */
static void print_summary(const relu_opts *o, const relu_result *res, const file_list *files)
{
    printf("fate phase: relu2, %zu x %zu cells (%s x n), %zu instances each, in %s\n", o->w.n_overlaps, o->w.n_ns,
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

/* Options (or the saved ones on --resume) and the folder: 0, -1 after
 * --help, or the exit code after one line. */
static int prepare(relu_opts *o, json_t **args, int argc, char **argv)
{
    int pr = defaults(o) ? -1 : parse(argc, argv, o);
    if (pr) return pr > 0 ? -1 : FATE_EXIT_USAGE;
    int rc = resume_or_start(&RESUME, o, o->resume, o->out, o->n_result_opts, args, argc, argv);
    return rc ? rc : job_folder_open("phase", o->out);
}

/* The sweep, the figures, the manifest's end and the closing summary. */
static int run(const relu_opts *o, manifest *man)
{
    relu_job job = {.dir = o->out, .sweep = o->w, .quiet = o->quiet, .label = "fate phase --model relu2",
                    .fit_min_n = o->fit_min_n};
    relu_result res;
    file_list files = {0};
    const fate_relu_spec *b = &o->w.base;
    if (b->gd.optimizer == FATE_MLP_ADAM && !b->optimize_pretrain && b->pretrain_lr == 0 && par_root() &&
        (b->methods & (FATE_METHOD_LT | FATE_METHOD_FT | FATE_METHOD_LPFT)))
        fprintf(stderr, "fate phase: warning: pretraining runs GD at --lr %g, which is Adam's step here; give it "
                "its own rate with --pretrain-lr\n", b->gd.lr);
    int rc = relu_job_run(&job, &res, &files);
    if (par_root() && rc != JOB_OK) job_report_stop(man, rc, "phase", NULL, o->out);
    if (!par_root() || rc != JOB_OK) {
        file_list_free(&files);
        return rc;
    }
    warn_unconverged(o, &res);
    int frc = o->plot ? relu_figures(&job, &res, o->gram_mu, o->plot, &files) : 0;
    frc |= manifest_end(man, frc ? "failed" : "complete", &files) != 0;
    print_summary(o, &res, &files);
    relu_result_free(&res);
    file_list_free(&files);
    return frc ? JOB_FAILED : JOB_OK;
}

int cmd_phase_relu(int argc, char **argv)
{
    relu_opts o;
    json_t *args = NULL;
    int rc = prepare(&o, &args, argc, argv);
    if (rc) {
        json_decref(args);
        free_opts(&o);
        return rc < 0 ? 0 : rc;
    }
    manifest man;
    char *pj = relu_params_json(&o.w);
    json_t *extra = json_object();
    json_object_set_new(extra, "sweep", pj ? json_loads(pj, 0, NULL) : json_null());
    free(pj);
    if (par_root()) manifest_begin(&man, o.out, "phase", args, NULL, extra);
    else { json_decref(args); json_decref(extra); }
    job_install_signals();
    rc = run(&o, &man);
    free_opts(&o);
    return job_exit(rc);
}
