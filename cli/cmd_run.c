/* cmd_run.c - `fate run`: one experiment at one (gamma, theta) on K instances,
 * every result printed beside its theory value. */
#include <inttypes.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include <omp.h>

#include "baseline.h"
#include "commands.h"
#include "job.h"
#include "manifest.h"
#include "fate.h"
#include "options.h"
#include "opt_table.h"
#include "spec_opts.h"
#include "stats.h"
#include "trajectory_out.h"

static const char intro[] =
    "usage: fate run [options]\n"
    "\n"
    "One transfer experiment on a deep linear network f(x) = x^T W_1 ... W_{L-1} w_L:\n"
    "pretrain on the source teacher beta_s, then on n = round(gamma d) target samples\n"
    "y = beta_t.x + sigma eps (beta_t at angle theta from beta_s) train from scratch,\n"
    "refit the last layer (linear transfer, lt) and fine-tune all layers (ft). Risk is\n"
    "|beta_hat - beta_t|^2; transferability T = risk(scratch) - risk(method).\n"
    "\n";

static const char outro[] =
    "(run defaults: --d 100 --methods scratch,lt,ft --instances 8)\n"
    "\n"
    "Theory beside each result is the exact finite-size mean (THEORY.md section 3).\n"
    "Fine-tuning has two theory values: 'theory' uses the gradient-flow coefficient c\n"
    "that GD follows; 'theory_paper' is the paper's c = 1.\n"
    "\n"
    "example: fate run --d 200 --gamma 0.5 --theta pi/8 --sigma 0.2 --instances 20\n";

enum { FMT_TABLE, FMT_CSV, FMT_JSON };
static const char *const FORMATS[] = {"table", "csv", "json", NULL};

typedef struct run_opts {
    spec_opts so;
    double gamma;
    int have_gamma, have_n;
    double overlap;              /* --overlap: rho_par, sets theta = acos(sqrt(rho_par)) */
    int have_overlap, have_theta;
    int format;
    int verbose;
    const char *l2sp_lambda; /* a number >= 0, or opt */
    int baseline, have_baseline; /* index in BASELINE_WORDS (baseline_of); given */
    size_t trajectory;           /* --trajectory K: record every K steps */
    int have_trajectory, have_out, have_plot;
    const char *out;             /* the folder of the trajectory */
    unsigned plot;               /* its figure formats */
} run_opts;


#define F(field) offsetof(run_opts, field)
#define NO_GIVEN (-1L)
/* The options of `fate run`, declared once (opt_table.h); the task,
 * network and run options are the ones `fate phase` shares (spec_opts.h). */
static const opt_def OPTS[] = {
    {NULL, NULL, OPT_SECTION, 0, 0, NULL, NULL, "target set:", 0, 0, NO_GIVEN, NULL, 0},
    {"--gamma", "G", OPT_DOUBLE, 0, 1e6, "> 0", "0.5", "target samples per dimension, n = round(G d)", F(gamma), 0,
     (long)F(have_gamma), NULL, OPT_LO_OPEN},
    {"--n", "N", OPT_SIZE, 1, 1e8, NULL, NULL, "target samples (instead of --gamma)", F(so.spec.n), 0,
     (long)F(have_n), NULL, 0},
    {"--theta", "A", OPT_ANGLE, 0, 0, NULL, NULL,
     "angle between teachers in [0, pi]: radians, pi/4, 3pi/8,\n45deg (default pi/4)",
     F(so.spec.theta), 0, (long)F(have_theta), NULL, 0},
    {"--overlap", "RHO", OPT_DOUBLE, 0, 1, "in [0, 1]", NULL,
     "instead of --theta: rho_par = |P_B beta_t|^2, the target's\n"
     "squared projection on the pretrained features, in [0, 1]\n"
     "(theta = acos(sqrt(RHO)))", F(overlap), 0, (long)F(have_overlap), NULL, 0},
    {"--lambda", "R", OPT_DOUBLE, 0, 1e12, ">= 0", "0", "ridge of linear transfer, penalty n R |w_L|^2",
     F(so.spec.lambda), 0, NO_GIVEN, NULL, 0},
    {"--l2sp-lambda", "R", OPT_TEXT, 0, 0, "a number >= 0 or opt", "opt",
     "ridge of parameter transfer (l2sp), penalty R |beta -\nbeta_s_hat|^2; opt: the optimal sigma^2 (d/n) / E|beta_t -\nbeta_s_hat|^2",
     F(l2sp_lambda), 0, NO_GIVEN, NULL, 0},
    {"--baseline", "B", OPT_WORD, 0, 0, BASELINE_VALID, "scratch",
     "what T = R_B - R_method is measured against: scratch (the\npaper's unregularised training), ridge (ridge on the target\n"
     "at the optimal lambda), ridge_cv (lambda by leave-one-out),\nearly_stop (scratch stopped at its step of least risk),\n"
     "best (per instance the least of ridge, ridge_cv and\nearly_stop: T*); when given, it runs whether or not\n"
     "--methods names it (aliases: unregularised, ridge-opt,\nridge-cv, early-stop)",
     F(baseline), 0, (long)F(have_baseline), BASELINE_WORDS, 0},
    {NULL, NULL, OPT_SECTION, 0, 0, NULL, NULL, "output:", 0, 0, NO_GIVEN, NULL, 0},
    {"--format", "F", OPT_WORD, 0, 0, "table, csv or json", NULL,
     "table (default), csv (one row per method and instance) or\njson", F(format), 0, NO_GIVEN, FORMATS, OPT_RUN},
    {"--verbose", NULL, OPT_FLAG, 0, 0, NULL, NULL, "report GD steps per second on stderr", F(verbose), 0, NO_GIVEN,
     NULL, OPT_RUN},
    {"--trajectory", "K", OPT_SIZE, 1, 1e9, NULL, NULL,
     "also record learning curves every K GD steps (and the first\nand last): DIR/trajectory.csv and figures", F(trajectory),
     0, (long)F(have_trajectory), NULL, 0},
    {"--out", "DIR", OPT_TEXT, 0, 0, "a folder name", "fate-run", "folder of --trajectory's files", F(out), 0,
     (long)F(have_out), NULL, OPT_RUN},
    {"--plot", "LIST", OPT_PLOT, 0, 0, NULL, "png", "figure formats of --trajectory: png, svg, pdf, or none",
     F(plot), 0, (long)F(have_plot), NULL, OPT_RUN},
    SPEC_OPT_DEFS(run_opts, so)};
#undef F
static const opt_table TABLE = {"run", "fate run --help", OPTS, sizeof OPTS / sizeof OPTS[0], intro, outro};

/* n from --gamma or --n, then the spec's checks. 0 or -1 after one line. */
static int finish_run(run_opts *o)
{
    const char *C = "run";
    fate_spec *s = &o->so.spec;
    if (o->have_gamma && o->have_n) {
        cli_error(C, "give either --gamma or --n, not both");
        return -1;
    }
    if (!o->have_n) {
        double n = round(o->gamma * (double)s->d);
        if (n < 1) {
            cli_error(C, "--gamma must give n = round(gamma d) >= 1: gamma >= %.3g for d = %zu, got %g",
                      0.5 / (double)s->d, s->d, o->gamma);
            return -1;
        }
        s->n = (size_t)n;
    }
    if (o->have_overlap && o->have_theta) {
        cli_error(C, "give either --overlap or --theta, not both (--overlap RHO sets theta = acos(sqrt(RHO)))");
        return -1;
    }
    if (o->have_overlap) s->theta = acos(sqrt(o->overlap));
    if (spec_opts_finish(C, &o->so, s->theta == 0.0 || s->theta == M_PI)) return -1;
    if ((o->have_out || o->have_plot) && !o->have_trajectory) {
        cli_error(C, "--%s: only with --trajectory K (the learning curves are what it writes)",
                  o->have_out ? "out" : "plot");
        return -1;
    }
    /* a tuned baseline runs, and scratch beside it: the paper's T is shown
     * next to T against the baseline */
    if (o->have_baseline) s->methods |= baseline_methods(baseline_of(o->baseline)) | FATE_METHOD_SCRATCH;
    if (spec_opts_l2sp_lambda(C, o->l2sp_lambda, s)) return -1;
    return spec_opts_check(C, &o->so);
}

/* 0, 1 after --help, or -1 after one line. */
static int parse_run(int argc, char **argv, run_opts *o)
{
    memset(o, 0, sizeof *o);
    spec_opts_default(&o->so, 8);
    if (opt_table_defaults(&TABLE, o)) return -1;
    int rc = opt_table_parse(&TABLE, o, argc, argv, 1, NULL);
    return rc ? rc : finish_run(o);
}

/* One method's column in the results. */
typedef struct mview {
    const char *name;
    unsigned bit;
    size_t off; /* offsetof the fate_method_result in fate_instance_result */
    double theory, theory_paper, T_theory;
    double T_sc_theory; /* the paper's T (against scratch), kept when T is rebased */
} mview;

/* What the three output formats print. */
typedef struct run_out {
    const fate_spec *s;
    const run_opts *ro; /* the geometry options, for the header and the json */
    size_t K;
    const fate_instance_result *res;
    const fate_spec_theory *th;
    mview views[11];
    size_t nv;
    int has_base;       /* the baseline of T ran (it always does when given: finish_run adds it) */
    int two_T;          /* T against a tuned baseline, and the paper's T beside it */
    baseline_kind base;
    unsigned base_bit;  /* its method when it is one (0 for best) */
    double wall;
    double *buf; /* K doubles of scratch space */
} run_out;

static const fate_method_result *mres(const fate_instance_result *r, const mview *v)
{
    return (const fate_method_result *)((const char *)r + v->off);
}

/* T = R_baseline - R_method is defined for every method but pretraining
 * when the baseline ran. */
static int has_T(const run_out *o, const mview *v)
{
    return o->has_base && v->bit;
}

/* Instance i's T of method m: R_baseline - R_m. */
static double T_of(const run_out *o, size_t i, double risk)
{
    return baseline_risk(o->base, &o->res[i]) - risk;
}

/* Instance i's paper's T of method m: R_scratch - R_m (two_T only). */
static double T_sc_of(const run_out *o, size_t i, double risk)
{
    return o->res[i].scratch.risk - risk;
}

/* %.17g: every printed number parses back to the same double. */
static void print_csv_value(double v)
{
    if (isnan(v)) printf(",");
    else printf(",%.17g", v);
}

static void print_csv(const run_out *o)
{
    printf("method,instance,risk,theory,theory_paper,T,T_theory,train_loss,loss_min,steps,"
           "converged,on_saddle,balance,lr,ft_c%s\n", o->two_T ? ",T_sc,T_sc_theory" : "");
    for (size_t v = 0; v < o->nv; v++) {
        const mview *w = &o->views[v];
        for (size_t i = 0; i < o->K; i++) {
            const fate_instance_result *r = &o->res[i];
            const fate_method_result *m = mres(r, w);
            printf("%s,%zu", w->name, i);
            print_csv_value(m->risk);
            print_csv_value(w->theory);
            print_csv_value(w->theory_paper);
            print_csv_value(has_T(o, w) ? T_of(o, i, m->risk) : NAN);
            print_csv_value(has_T(o, w) ? w->T_theory : NAN);
            print_csv_value(m->train_loss);
            print_csv_value(m->loss_min);
            printf(",%zu,%d,%d", m->steps, m->converged, m->on_saddle);
            print_csv_value(m->balance);
            print_csv_value(m->lr);
            print_csv_value(w->bit == FATE_METHOD_FT ? r->ft_c : w->bit == FATE_METHOD_LPFT ? r->lpft_c : NAN);
            if (o->two_T) {
                print_csv_value(w->bit ? T_sc_of(o, i, m->risk) : NAN);
                print_csv_value(w->bit ? w->T_sc_theory : NAN);
            }
            printf("\n");
        }
    }
}

/* A number, or null where it is NaN or infinite (JSON has no such values;
 * jansson would drop the field). */
static json_t *json_num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *json_spec(const run_opts *ro, const fate_spec *s, size_t K)
{
    json_t *sp = json_object();
    json_object_set_new(sp, "d", json_integer((json_int_t)s->d));
    json_object_set_new(sp, "n", json_integer((json_int_t)s->n));
    json_object_set_new(sp, "gamma", json_real((double)s->n / (double)s->d));
    json_object_set_new(sp, "theta", json_real(s->theta));
    json_object_set_new(sp, "sigma", json_real(s->sigma));
    json_object_set_new(sp, "n_src", json_integer((json_int_t)s->n_src));
    json_object_set_new(sp, "sigma_src", json_real(s->sigma_src));
    json_object_set_new(sp, "lambda", json_real(s->lambda));
    json_object_set_new(sp, "depth", json_integer((json_int_t)s->depth));
    json_object_set_new(sp, "width", json_integer((json_int_t)s->width));
    json_object_set_new(sp, "init_scale", json_real(s->init_scale > 0 ? s->init_scale : fate_default_init_scale(s->depth)));
    json_object_set_new(sp, "epochs", json_integer((json_int_t)s->max_epochs));
    json_object_set_new(sp, "tol", json_real(s->tol));
    json_object_set_new(sp, "seed", json_seed(s->seed));
    json_object_set_new(sp, "instances", json_integer((json_int_t)K));
    if (s->methods & FATE_METHOD_L2SP) {
        fate_spec_theory th;
        fate_spec_theory_eval(&th, s);
        json_object_set_new(sp, "l2sp_lambda", json_num(th.l2sp_lambda)); /* null when infinite */
    }
    spec_opts_json(sp, &ro->so);
    if (ro->have_overlap) json_object_set_new(sp, "overlap", json_real(ro->overlap));
    return sp;
}

static void print_json(const run_out *o)
{
    json_t *root = json_object(), *arr = json_array();
    json_object_set_new(root, "fate_version", json_string(fate_version()));
    json_object_set_new(root, "spec", json_spec(o->ro, o->s, o->K));
    for (size_t v = 0; v < o->nv; v++) {
        const mview *w = &o->views[v];
        json_t *mo = json_object(), *risks = json_array();
        for (size_t i = 0; i < o->K; i++) {
            o->buf[i] = mres(&o->res[i], w)->risk;
            json_array_append_new(risks, json_num(o->buf[i]));
        }
        sample_stat rs = stats_of(o->buf, o->K);
        json_object_set_new(mo, "method", json_string(w->name));
        json_object_set_new(mo, "risk", risks);
        json_object_set_new(mo, "mean_risk", json_num(rs.mean));
        json_object_set_new(mo, "sem_risk", json_num(rs.se));
        json_object_set_new(mo, "theory", json_num(w->theory));
        json_object_set_new(mo, "theory_paper", json_num(w->theory_paper));
        if (has_T(o, w)) {
            for (size_t i = 0; i < o->K; i++) o->buf[i] = T_of(o, i, o->buf[i]);
            sample_stat ts = stats_of(o->buf, o->K);
            json_object_set_new(mo, "mean_T", json_num(ts.mean));
            json_object_set_new(mo, "sem_T", json_num(ts.se));
            json_object_set_new(mo, "T_theory", json_num(w->T_theory));
        }
        if (o->two_T && w->bit) {
            for (size_t i = 0; i < o->K; i++) o->buf[i] = T_sc_of(o, i, mres(&o->res[i], w)->risk);
            sample_stat ts = stats_of(o->buf, o->K);
            json_object_set_new(mo, "mean_T_sc", json_num(ts.mean));
            json_object_set_new(mo, "sem_T_sc", json_num(ts.se));
            json_object_set_new(mo, "T_sc_theory", json_num(w->T_sc_theory));
        }
        json_array_append_new(arr, mo);
    }
    json_object_set_new(root, "methods", arr);
    json_object_set_new(root, "wall_seconds", json_num(o->wall));
    char *txt = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(12));
    if (txt) { puts(txt); free(txt); }
    json_decref(root);
}

#define NAME_W(s) ((s)->methods & FATE_METHOD_EARLY_STOP ? 10 : 9)

static void print_table_header(const run_opts *ro, size_t K, const char *T_head, int two_T)
{
    const fate_spec *s = &ro->so.spec;
    printf("fate run: d = %zu, depth %zu, n = %zu (gamma = %.4g), theta = %.4f rad (%.1f deg), "
           "sigma = %g, lambda = %g\n", s->d, s->depth, s->n, (double)s->n / (double)s->d,
           s->theta, s->theta * 180.0 / M_PI, s->sigma, s->lambda);
    if (s->n_src)
        printf("          finite source: n_src = %zu (gamma_src = %.4g), sigma_src = %g\n", s->n_src,
               (double)s->n_src / (double)s->d, s->sigma_src);
    else
        printf("          infinite source (pretraining on the population loss)\n");
    if (ro->have_overlap) printf("          --overlap %g: rho_par = cos^2 theta\n", ro->overlap);
    spec_opts_describe(stdout, &ro->so, "          ");
    printf("          %zu instances, seed %llu; mean +- standard error; theory = exact finite-size mean\n\n",
           K, (unsigned long long)s->seed);
    /* the method column fits "early_stop" when it is shown */
    printf("%-*s %22s %10s %22s %10s %6s %8s", NAME_W(s), "method", "risk", "theory", T_head, "T theory", "conv",
           "steps");
    if (two_T) printf(" %22s %10s", "T = R_sc - R (paper)", "T theory");
    printf("\n");
}

/* The mean of the finite values of v over the instances (NaN if none). */
static double finite_mean(const run_out *o, size_t off)
{
    double sum = 0.0;
    size_t n = 0;
    for (size_t i = 0; i < o->K; i++) {
        const double v = *(const double *)(const void *)((const char *)&o->res[i] + off);
        if (isfinite(v)) sum += v, n++;
    }
    return n ? sum / (double)n : NAN;
}

/* LP-FT's coefficient and the ridge of parameter transfer. */
static void print_transfer_notes(const run_out *o)
{
    const fate_spec *s = o->s;
    const fate_spec_theory *th = o->th;
    if (!(s->methods & FATE_METHOD_FT) && (s->methods & (FATE_METHOD_LPFT | FATE_METHOD_L2SP))) printf("\n");
    if (s->methods & FATE_METHOD_LPFT)
        printf("LP-FT: simulated mean c = %.4f (theory %.4f)\n", finite_mean(o, offsetof(fate_instance_result, lpft_c)),
               th->lpft_c);
    if (s->methods & FATE_METHOD_L2SP)
        printf("parameter transfer (l2sp): lambda = %.6g%s\n", th->l2sp_lambda,
               s->l2sp_lambda == FATE_LAMBDA_OPT ? " (the optimal sigma^2 (d/n) / E|beta_t - beta_s_hat|^2)" : "");
    if (s->methods & FATE_METHOD_L2SP_W)
        printf("weight-level L2-SP (l2sp_w, simulation only): lambda = %.6g%s\n", th->l2sp_lambda,
               s->l2sp_lambda == FATE_LAMBDA_OPT ? " (l2sp's optimum for the end-to-end map)" : "");
}

/* The fine-tuning coefficient and the pretrained features under the table. */
static void print_table_notes(const run_out *o)
{
    const fate_spec *s = o->s;
    const fate_spec_theory *th = o->th;
    if ((s->methods & FATE_METHOD_FT) && (s->k > 1 || s->spectrum)) {
        /* THEORY.md sections 10 and 11: the structure holds, its coefficient is not derived */
        printf("\nfine-tuning theory: none %s (simulation only); simulated mean c along (I - P) beta_s = %.4f\n",
               s->k > 1 ? "for k > 1 features" : "under a spectrum",
               finite_mean(o, offsetof(fate_instance_result, ft_c)));
    } else if (s->methods & FATE_METHOD_FT) {
        printf("\nfine-tuning theory: gradient-flow c = %.4f (simulated mean c = %.4f) gives risk %.5f, "
               "T %+.5f;\n                    the paper's c = 1 gives risk %.5f, T %+.5f\n",
               th->ft_c, finite_mean(o, offsetof(fate_instance_result, ft_c)), th->ft, th->T_ft, th->ft_paper,
               th->T_ft_paper);
    }
    print_transfer_notes(o);
    if (s->methods & ~FATE_METHOD_SCRATCH) {
        double b = 0, r2 = 0, sv1 = 0;
        for (size_t i = 0; i < o->K; i++) {
            b = fmax(b, o->res[i].pretrain.balance);
            if (s->methods & FATE_METHOD_LT) {
                r2 = fmax(r2, o->res[i].feature_sv2 / o->res[i].feature_sv1);
                sv1 += o->res[i].feature_sv1 / (double)o->K;
            }
        }
        printf("pretrained features: max layer imbalance %.2e", b);
        if (s->methods & FATE_METHOD_LT)
            printf(", |W_1..W_{L-1}| = %.4f, max sigma_2/sigma_1 = %.2e (%s)", sv1, r2,
                   s->k > 1 ? "k features: sigma_2 is one of them" : "rank one");
        printf("\n");
    }
}

/* The paper's T of one method (mean +- s.e.) and its theory, beside T*. */
static void print_T_sc(const run_out *o, const mview *w)
{
    char t[48] = "", th[24] = "";
    if (w->bit && w->bit != FATE_METHOD_SCRATCH) {
        for (size_t i = 0; i < o->K; i++) o->buf[i] = T_sc_of(o, i, mres(&o->res[i], w)->risk);
        sample_stat ts = stats_of(o->buf, o->K);
        snprintf(t, sizeof t, "%+.5f +- %.5f", ts.mean, ts.se);
        snprintf(th, sizeof th, "%+.5f", w->T_sc_theory);
    }
    printf(" %22s %10s", t, th);
}

static void print_table(const run_out *o)
{
    char T_head[40] = "T = R_sc - R";
    if (o->base == BASE_BEST) snprintf(T_head, sizeof T_head, "T* = R_best - R");
    else if (o->base != BASE_SCRATCH) snprintf(T_head, sizeof T_head, "T = R_%s - R", baseline_name(o->base));
    print_table_header(o->ro, o->K, T_head, o->two_T);
    for (size_t v = 0; v < o->nv; v++) {
        const mview *w = &o->views[v];
        size_t conv = 0;
        double steps = 0;
        for (size_t i = 0; i < o->K; i++) {
            const fate_method_result *m = mres(&o->res[i], w);
            o->buf[i] = m->risk;
            conv += (size_t)m->converged;
            steps += (double)m->steps;
        }
        sample_stat rs = stats_of(o->buf, o->K);
        char rtxt[48], ttxt[48] = "", tth[24] = "", thx[24];
        snprintf(rtxt, sizeof rtxt, "%.5f +- %.5f", rs.mean, rs.se);
        snprintf(thx, sizeof thx, "%.5f", w->theory);
        if (has_T(o, w) && w->bit != o->base_bit) {
            for (size_t i = 0; i < o->K; i++) o->buf[i] = T_of(o, i, o->buf[i]);
            sample_stat ts = stats_of(o->buf, o->K);
            snprintf(ttxt, sizeof ttxt, "%+.5f +- %.5f", ts.mean, ts.se);
            snprintf(tth, sizeof tth, "%+.5f", w->T_theory);
        }
        printf("%-*s %22s %10s %22s %10s %3zu/%-2zu %8.0f", NAME_W(o->s), w->name, rtxt, thx, ttxt, tth, conv, o->K,
               steps / (double)o->K);
        if (o->two_T) print_T_sc(o, w);
        printf("\n");
    }
    print_table_notes(o);
}

/* Not converged / still on the saddle, per method, on stderr; the total of
 * GD steps for --verbose. */
static size_t warn_training(const run_out *o)
{
    size_t total_steps = 0;
    for (size_t v = 0; v < o->nv; v++) {
        size_t nc = 0, nsad = 0;
        for (size_t i = 0; i < o->K; i++) {
            const fate_method_result *m = mres(&o->res[i], &o->views[v]);
            nc += !m->converged;
            nsad += m->on_saddle;
            total_steps += m->steps;
        }
        if (nsad)
            fprintf(stderr, "fate run: warning: %zu/%zu %s runs ended still on the small-init saddle "
                    "(loss barely decreased): raise --epochs or --init-scale\n", nsad, o->K, o->views[v].name);
        else if (nc)
            fprintf(stderr, "fate run: warning: %zu/%zu %s runs did not reach the minimum loss + %g "
                    "within %zu epochs: raise --epochs (results are early-stopped)\n", nc, o->K,
                    o->views[v].name, o->s->tol, o->s->max_epochs);
    }
    return total_steps;
}

/* The columns of the methods run, with their theory values. */
static void method_views(run_out *o, double pre_theory)
{
    const fate_spec *s = o->s;
    const fate_spec_theory *th = o->th;
    o->nv = 0;
    if (s->methods & ~(unsigned)(FATE_METHOD_SCRATCH | FATE_METHOD_RIDGE | FATE_METHOD_RIDGE_CV | FATE_METHOD_EARLY_STOP))
        o->views[o->nv++] = (mview){"pretrain", 0, offsetof(fate_instance_result, pretrain), pre_theory, NAN, NAN, NAN};
    if (s->methods & FATE_METHOD_SCRATCH)
        o->views[o->nv++] = (mview){"scratch", FATE_METHOD_SCRATCH, offsetof(fate_instance_result, scratch), th->scratch, NAN, 0.0, NAN};
    if (s->methods & FATE_METHOD_LT)
        o->views[o->nv++] = (mview){"lt", FATE_METHOD_LT, offsetof(fate_instance_result, lt), th->lt, NAN, th->T_lt, NAN};
    if (s->methods & FATE_METHOD_FT)
        o->views[o->nv++] = (mview){"ft", FATE_METHOD_FT, offsetof(fate_instance_result, ft), th->ft, th->ft_paper, th->T_ft, NAN};
    if (s->methods & FATE_METHOD_LPFT)
        o->views[o->nv++] = (mview){"lpft", FATE_METHOD_LPFT, offsetof(fate_instance_result, lpft), th->lpft, NAN,
                                    th->T_lpft, NAN};
    if (s->methods & FATE_METHOD_L2SP)
        o->views[o->nv++] = (mview){"l2sp", FATE_METHOD_L2SP, offsetof(fate_instance_result, l2sp), th->l2sp, NAN,
                                    th->T_l2sp, NAN};
    if (s->methods & FATE_METHOD_RIDGE)
        o->views[o->nv++] = (mview){"ridge", FATE_METHOD_RIDGE, offsetof(fate_instance_result, ridge), th->ridge, NAN,
                                    th->T_ridge, NAN};
    if (s->methods & FATE_METHOD_RIDGE_CV) /* simulation only */
        o->views[o->nv++] = (mview){"ridge_cv", FATE_METHOD_RIDGE_CV, offsetof(fate_instance_result, ridge_cv), NAN,
                                    NAN, NAN, NAN};
    if (s->methods & FATE_METHOD_EARLY_STOP) /* simulation only (THEORY.md section 9) */
        o->views[o->nv++] = (mview){"early_stop", FATE_METHOD_EARLY_STOP, offsetof(fate_instance_result, early_stop),
                                    NAN, NAN, NAN, NAN};
    if (s->methods & FATE_METHOD_L2SP_W) /* simulation only (THEORY.md section 8) */
        o->views[o->nv++] = (mview){"l2sp_w", FATE_METHOD_L2SP_W, offsetof(fate_instance_result, l2sp_w), NAN, NAN,
                                    NAN, NAN};
}

/* T against another baseline than scratch: R_base - R_method, its theory
 * the difference of the two theories (NaN where the baseline has none;
 * baseline.h). */
static void rebase_views(run_out *o, baseline_kind base)
{
    const unsigned need = baseline_methods(base);
    o->base = base;
    o->base_bit = base == BASE_BEST ? 0 : need;
    o->has_base = (o->s->methods & need) == need;
    if (base == BASE_SCRATCH) return; /* the paper's T, as computed */
    o->two_T = (o->s->methods & FATE_METHOD_SCRATCH) != 0;
    const double base_theory = baseline_theory(base, o->th);
    for (size_t v = 0; v < o->nv; v++) {
        o->views[v].T_sc_theory = o->views[v].T_theory;
        o->views[v].T_theory = o->views[v].bit == o->base_bit ? 0.0 : base_theory - o->views[v].theory;
    }
}

/* calloc of a * b elements, NULL when the count overflows. */
static void *calloc_checked(size_t a, size_t b, size_t size)
{
    return b && a > SIZE_MAX / b ? NULL : calloc(a * b, size);
}

/* --trajectory: the folder claimed and its manifest begun (0), or the exit
 * code after one line. */
static int trajectory_open(const run_opts *o, manifest *man, int argc, char **argv)
{
    int claim = job_folder_open("run", o->out);
    if (claim) return claim;
    json_t *args = opt_table_result_args(&TABLE, argc, argv, 1);
    json_t *extra = spec_opts_manifest_extra(&o->so, o->have_overlap ? json_real(o->overlap) : NULL);
    return manifest_begin(man, o->out, "run", args, NULL, extra) ? FATE_EXIT_RUNTIME : 0;
}

/* The records of --trajectory (K instances of cap each) and their counts. */
typedef struct traj_buf {
    fate_traj_point *pts;
    size_t *counts, cap;
} traj_buf;

/* fate_run, or with --trajectory fate_run_trajectories into tb. */
static fate_status run_all(fate_instance_result *res, traj_buf *tb, const run_opts *o, unsigned *fm, size_t *fs,
                           uint64_t *fi)
{
    const fate_spec *s = &o->so.spec;
    const size_t K = o->so.instances;
    if (!o->have_trajectory) return fate_run(res, s, 0, K, o->so.threads, fm, fs, fi);
    tb->cap = fate_trajectory_cap(s, o->trajectory);
    tb->pts = tb->cap ? calloc_checked(K, tb->cap, sizeof *tb->pts) : NULL;
    tb->counts = calloc(K, sizeof *tb->counts);
    if (!tb->pts || !tb->counts) return FATE_ENOMEM;
    return fate_run_trajectories(tb->pts, tb->cap, tb->counts, res, s, 0, K, o->trajectory, o->so.threads, fm, fs,
                                 fi);
}

/* trajectory.csv and the figures, then the manifest's end; the exit code. */
static int trajectory_close(const run_opts *o, manifest *man, const traj_buf *tb, int rc)
{
    file_list files = {0};
    const traj_set t = {&o->so.spec, o->so.instances, tb->cap, o->trajectory, tb->pts, tb->counts};
    if (rc == 0 && (traj_write_csv(o->out, &t, &files) != 0 || traj_figures(o->out, o->plot, &t, &files) != 0))
        rc = FATE_EXIT_RUNTIME;
    if (manifest_end(man, rc == 0 ? "complete" : "failed", &files) != 0 && rc == 0) rc = FATE_EXIT_RUNTIME;
    if (rc == 0) {
        fprintf(stderr, "fate run: learning curves every %zu steps in %s:", o->trajectory, o->out);
        for (size_t i = 0; i < files.n; i++) fprintf(stderr, " %s", files.paths[i]);
        fprintf(stderr, "\n");
    }
    file_list_free(&files);
    return rc;
}

/* cmd_run once o is zeroed; the exit code. */
static int run_main(run_opts *o, int argc, char **argv)
{
    int pr = parse_run(argc, argv, o);
    if (pr > 0) return 0;
    if (pr < 0) return FATE_EXIT_USAGE;
    const fate_spec *s = &o->so.spec;
    size_t K = o->so.instances;

    fate_spec_theory th;
    fate_spec_theory_eval(&th, s);
    double pre_theory = s->n_src ? fate_theory_scratch_exact(s->n_src, s->d, s->sigma_src) : 0.0;

    manifest man;
    int trc = o->have_trajectory ? trajectory_open(o, &man, argc, argv) : 0;
    if (trc) return trc;
    traj_buf tb = {0};
    fate_instance_result *res = calloc(K, sizeof *res);
    double *buf = malloc(K * sizeof *buf);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    unsigned fm = 0;
    size_t fs = 0;
    uint64_t fi = 0;
    fate_status st = res && buf ? run_all(res, &tb, o, &fm, &fs, &fi) : FATE_ENOMEM;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double wall = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    if (st == FATE_EDIVERGED)
        cli_error("run", "%s diverged (NaN/inf or growing loss) at step %zu of instance %llu: "
                  "use a smaller --lr (now %s)", method_name(fm), fs, (unsigned long long)fi,
                  s->lr > 0 ? "set by --lr" : "automatic");
    else if (st == FATE_ENOMEM)
        cli_error("run", "out of memory for %zu instances%s", K, o->have_trajectory ? " and their learning curves" : "");
    else if (st != FATE_OK)
        cli_error("run", "%s", fate_strerror(st));
    if (st != FATE_OK) {
        if (o->have_trajectory) trajectory_close(o, &man, &tb, FATE_EXIT_RUNTIME);
        free(res); free(buf); free(tb.pts); free(tb.counts);
        return FATE_EXIT_RUNTIME;
    }

    run_out out = {.s = s, .ro = o, .K = K, .res = res, .th = &th, .wall = wall, .buf = buf};
    method_views(&out, pre_theory);
    rebase_views(&out, baseline_of(o->baseline));
    size_t total_steps = warn_training(&out);
    const int nthreads = o->so.threads > 0 ? o->so.threads : omp_get_max_threads();
    if (o->verbose)
        fprintf(stderr, "fate run: %zu GD steps in %.3f s: %.0f steps/s (d = %zu, L = %zu, "
                "%zu instances, %d thread%s)\n", total_steps, wall, (double)total_steps / wall,
                s->d, s->depth, K, nthreads, nthreads == 1 ? "" : "s");
    if (o->format == FMT_CSV) print_csv(&out);
    else if (o->format == FMT_JSON) print_json(&out);
    else print_table(&out);
    fflush(stdout);
    int rc = o->have_trajectory ? trajectory_close(o, &man, &tb, 0) : 0;
    free(buf); free(res); free(tb.pts); free(tb.counts);
    return rc;
}

int cmd_run(int argc, char **argv)
{
    run_opts o;
    memset(&o, 0, sizeof o);
    const int rc = run_main(&o, argc, argv);
    spec_opts_free(&o.so); /* the eigenvalues of --spectrum */
    return rc;
}
