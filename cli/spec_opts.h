/* spec_opts.h - the options every deep linear experiment command shares
 * (task, source, network and training, instances, seed, threads): table
 * entries (opt_table.h) that set a fate_spec, and the checks after them. */
#ifndef FATE_CLI_SPEC_OPTS_H
#define FATE_CLI_SPEC_OPTS_H
#include <stddef.h>
#include <stdio.h>

#include "fate.h"
#include "opt_table.h"
#include "options.h"
#include "spectrum_opt.h"

struct json_t;

typedef struct spec_opts {
    fate_spec spec;
    double gamma_src;
    int have_gamma_src, have_n_src, have_threads;
    size_t instances;
    int threads;
    /* task geometry (THEORY.md sections 10 and 11) */
    const char *k_text;        /* --k, read once d is known (its range is d's) */
    const char *spectrum_text; /* --spectrum, or NULL; after finish spectrum_own */
    char *spectrum_own;        /* a copy: the words parsed on --resume are
                                  freed with the manifest before the summary */
    int align, have_align;     /* --align: ALIGN_WORDS' index */
    spectrum_opt spectrum;     /* --spectrum parsed */
    double *eig;               /* (d) the eigenvalues spec.spectrum points to;
                                  owned, freed by spec_opts_free */
} spec_opts;

/* fate_spec_default, and `instances` (each command's own default). */
void spec_opts_default(spec_opts *o, size_t instances);
/* After all options: n_src from gamma_src, conflicts, the default width,
 * --k (<= d - 1, or <= d when on_axis: every theta is 0 or pi), --spectrum
 * built at d and --align. 0 or -1 after printing an error naming the
 * option. */
int spec_opts_finish(const char *cmd, spec_opts *o, int on_axis);
/* fate_spec_check of the finished spec: 0, or -1 after one line (for the
 * geometry fields naming the option that sets them). */
int spec_opts_check(const char *cmd, const spec_opts *o);
/* Frees the eigenvalues (spec.spectrum becomes NULL) and the text's copy. */
void spec_opts_free(spec_opts *o);
/* The geometry given (k > 1, --spectrum, --align) as lines starting with
 * indent, for a command's summary; nothing for the paper's task. */
void spec_opts_describe(FILE *f, const spec_opts *o, const char *indent);
/* The same as keys "k", "spectrum" (the text), "align" of obj, each only
 * when not at its default (so the paper's outputs keep their bytes). */
void spec_opts_json(struct json_t *obj, const spec_opts *o);
/* {"geometry": {those keys, and "overlap" (stolen; may be NULL)}} for a
 * manifest's extra, or NULL for the paper's task (the manifest unchanged). */
struct json_t *spec_opts_manifest_extra(const spec_opts *o, struct json_t *overlap);
/* --l2sp-lambda: a number >= 0, or "opt" (FATE_LAMBDA_OPT). 0 or -1 after
 * printing an error naming the option. */
int spec_opts_l2sp_lambda(const char *cmd, const char *text, fate_spec *s);

/* --methods: FATE_METHOD_SCRATCH, _LT, _FT, _LPFT, _L2SP, _RIDGE, _RIDGE_CV, _EARLY_STOP are bits 0..7, the
 * words' order, so the OPT_WORDS mask is the methods field. */
extern const char *const SPEC_METHOD_WORDS[];

/* The shared entries of a command's option table, for an options struct T
 * whose spec_opts member is M: SPEC_OPT_DEFS(run_opts, so). The defaults
 * are fate_spec_default's (spec_opts_default), written in the help text. */
#define SPEC_F(T, M, f) (offsetof(T, M) + offsetof(spec_opts, f))
#define SPEC_S(T, M, f) (offsetof(T, M) + offsetof(spec_opts, spec.f))
#define SPEC_OPT_DEFS(T, M)                                                                                        \
    {NULL, NULL, OPT_SECTION, 0, 0, NULL, NULL, "task:", 0, 0, -1L, NULL, 0},                                      \
    {"--d", "D", OPT_SIZE, 1, 100000, NULL, NULL, "input dimension >= 1", SPEC_S(T, M, d), 0, -1L, NULL, 0},       \
    {"--sigma", "S", OPT_DOUBLE, 0, 1e6, ">= 0", NULL, "target label noise >= 0 (default 0.2)",                   \
     SPEC_S(T, M, sigma), 0, -1L, NULL, 0},                                                                        \
    {NULL, NULL, OPT_SECTION, 0, 0, NULL, NULL, "task geometry:", 0, 0, -1L, NULL, 0},                             \
    {"--k", "K", OPT_TEXT, 0, 0, "an integer >= 1", NULL,                                                          \
     "pretrained features (source teachers), in [1, d - 1] (d at\n"                                              \
     "theta 0 or pi): the first at angle theta from the target\n"                                                 \
     "teacher, the rest orthogonal to it, so that rho_par =\n"                                                    \
     "cos^2 theta (default 1, the paper's one teacher)",                                                          \
     SPEC_F(T, M, k_text), 0, -1L, NULL, 0},                                                                       \
    {"--spectrum", "S", OPT_TEXT, 0, 0, "powerlaw:ALPHA, spiked:K:RATIO or file:PATH", NULL,                      \
     "inputs x ~ N(0, Sigma) with Sigma's eigenvalues (default\n"                                                 \
     "isotropic, Sigma = I): powerlaw:ALPHA (~ i^-ALPHA, ALPHA in\n"                                              \
     "[0, 100]) or spiked:K:RATIO (K leading ones RATIO times the\n"                                              \
     "rest), both with tr = d, or file:PATH (d numbers > 0, '#'\n"                                                \
     "comments, taken as given, not rescaled; sorted largest\n"                                                   \
     "first); risk is then |beta_hat - beta_t|_Sigma^2",                                                          \
     SPEC_F(T, M, spectrum_text), 0, -1L, NULL, 0},                                                                \
    {"--align", "A", OPT_WORD, 0, 0, "random, top or tail", "random",                                              \
     "with --spectrum: the target teacher along the top (largest)\n"                                              \
     "or the tail (smallest) eigen-direction, the source at\n"                                                    \
     "theta from it in the next one, or both random",                                                             \
     SPEC_F(T, M, align), 0, (long)SPEC_F(T, M, have_align), ALIGN_WORDS, 0},                                      \
    {NULL, NULL, OPT_SECTION, 0, 0, NULL, NULL, "source:", 0, 0, -1L, NULL, 0},                                    \
    {"--gamma-src", "G", OPT_DOUBLE, 0, 1e6, "> 0", NULL,                                                          \
     "finite source of round(G d) samples (default: infinite\n"                                                   \
     "source, pretraining on the population loss |beta - beta_s|^2)",                                             \
     SPEC_F(T, M, gamma_src), 0, (long)SPEC_F(T, M, have_gamma_src), NULL, OPT_LO_OPEN},                           \
    {"--n-src", "N", OPT_SIZE, 1, 1e8, NULL, NULL, "finite source of N samples", SPEC_S(T, M, n_src), 0,          \
     (long)SPEC_F(T, M, have_n_src), NULL, 0},                                                                     \
    {"--sigma-src", "S", OPT_DOUBLE, 0, 1e6, ">= 0", NULL, "source label noise >= 0 (default 0)",                 \
     SPEC_S(T, M, sigma_src), 0, -1L, NULL, 0},                                                                    \
    {NULL, NULL, OPT_SECTION, 0, 0, NULL, NULL, "network and training:", 0, 0, -1L, NULL, 0},                      \
    {"--depth", "L", OPT_SIZE, 2, 64, NULL, NULL, "weight layers, >= 2 (default 2)", SPEC_S(T, M, depth), 0, -1L, \
     NULL, 0},                                                                                                     \
    {"--width", "K", OPT_SIZE, 1, 100000, NULL, NULL, "hidden width (default d)", SPEC_S(T, M, width), 0, -1L,    \
     NULL, 0},                                                                                                     \
    {"--init-scale", "A", OPT_DOUBLE, 0, 1e3, "> 0", NULL,                                                         \
     "init scale alpha > 0 (default: 1e-5 at depth 2, the paper's\n"                                              \
     "rich regime; at depth L >= 3 leaving the small-init saddle\n"                                               \
     "takes time ~ alpha^-(L-2), so the default is 1e-2 (L = 3),\n"                                               \
     "5e-2 (L = 4), 8e-2 (L = 5), 0.1 (L >= 6); a run that ends\n"                                                \
     "still on the saddle is reported)",                                                                           \
     SPEC_S(T, M, init_scale), 0, -1L, NULL, OPT_LO_OPEN},                                                         \
    {"--lr", "R", OPT_DOUBLE, 0, 1e6, "> 0", NULL,                                                                 \
     "learning rate > 0 (default automatic:\n0.4 / (L lambda_max(S) max(1, |beta|^(2(L-1)/L))))",                 \
     SPEC_S(T, M, lr), 0, -1L, NULL, OPT_LO_OPEN},                                                                 \
    {"--epochs", "E", OPT_SIZE, 1, 1e9, NULL, NULL,                                                                \
     "maximum full-batch GD steps per training (default 10000)", SPEC_S(T, M, max_epochs), 0, -1L, NULL, 0},      \
    {"--tol", "T", OPT_DOUBLE, 0, 1e6, ">= 0", NULL, "stop when training loss <= minimum loss + T (default 1e-6)", \
     SPEC_S(T, M, tol), 0, -1L, NULL, 0},                                                                          \
    {"--rcond", "C", OPT_DOUBLE, 0, 1, "in (0, 1)", NULL,                                                          \
     "linear transfer keeps feature directions with singular\nvalue > C sigma_1, C in (0, 1) (default 1e-2)",      \
     SPEC_S(T, M, rcond), 0, -1L, NULL, OPT_LO_OPEN | OPT_HI_OPEN},                                                \
    {"--weight-decay", "W", OPT_DOUBLE, 0, 1e6, ">= 0", NULL, "weight decay of scratch training >= 0 (default 0)", \
     SPEC_S(T, M, weight_decay), 0, -1L, NULL, 0},                                                                 \
    {"--methods", "LIST", OPT_WORDS, 0, 0,                                                                         \
     "a comma list of scratch, lt, ft, lpft, l2sp, ridge, ridge_cv, early_stop, l2sp_w", NULL,                     \
     "comma list of scratch, lt, ft, lpft (linear probe then\nfine-tuning), l2sp (parameter transfer), ridge,\n"       \
     "ridge_cv and early_stop (the tuned baselines: ridge on the\ntarget at the optimal lambda, lambda by leave-one-out,\n" \
     "or scratch stopped at its step of least risk), l2sp_w (GD\nwith each layer pulled toward its pretrained value;\n"  \
     "simulation only)",                                                                                           \
     SPEC_S(T, M, methods), 0, -1L, SPEC_METHOD_WORDS, 0},                                                         \
    {NULL, NULL, OPT_SECTION, 0, 0, NULL, NULL, "run:", 0, 0, -1L, NULL, 0},                                       \
    {"--instances", "K", OPT_SIZE, 1, 1e7, NULL, NULL, "independent instances >= 1", SPEC_F(T, M, instances), 0,  \
     -1L, NULL, 0},                                                                                                \
    {"--seed", "S", OPT_U64, 0, 0, NULL, NULL, "random seed (default 1); instance i uses key (S, i)",             \
     SPEC_S(T, M, seed), 0, -1L, NULL, 0},                                                                         \
    {"--threads", "T", OPT_THREADS, 0, 0, NULL, NULL,                                                              \
     "OpenMP threads in " THREADS_RANGE " (default: all cores); results\nare identical for every thread count",  \
     SPEC_F(T, M, threads), 0, (long)SPEC_F(T, M, have_threads), NULL, OPT_RUN}
#endif
