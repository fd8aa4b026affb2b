/* cmd_theory.c - `fate theory`: the closed forms of THEORY.md section 3 on
 * the grid of every combination of the given lists. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "fate.h"
#include "options.h"
#include "opt_table.h"
#include "theory_k_cols.h"
#include "spectrum_opt.h"

static const char intro[] =
    "usage: fate theory [options]\n"
    "\n"
    "Evaluates the closed forms (asymptotic n, d -> inf with gamma = n/d fixed) on every\n"
    "combination of the given values. Each list is a value, a comma list a,b,c, or an\n"
    "inclusive range start:stop:count (0.1:2.0:20 is 0.1, 0.2, ..., 2.0).\n"
    "\n";

static const char outro[] =
    "\n"
    "Columns: R_sc scratch risk; R_lt linear transfer; R_ft and T_ft fine-tuning as in\n"
    "the paper (c = 1); T_ft_gf, R_ft_gf with the gradient-flow coefficient c_gf;\n"
    "T = R_sc - R; kl = KL(source || target) of the linear label-shift family.\n"
    "Beyond the paper (THEORY.md section 8): R_lpft, T_lpft, c_lpft LP-FT (its probe\n"
    "takes --lambda); R_l2sp, T_l2sp parameter transfer at lambda_l2sp (--l2sp-lambda,\n"
    "opt resolved); R_ridge, T_ridge the ridge on the target at its optimal\n"
    "lambda_ridge. With --d the same as *_exact: what fate run prints beside a\n"
    "simulation (exact at lambda = 0, else the limit at psi = d/n).\n"
    "With --k, last: k, rho_par, kappa = k/d (0 without --d), R_lt_k and T_lt_k,\n"
    "linear transfer on k pretrained features (THEORY.md section 10).\n"
    "\n"
    "example: fate theory --gamma 0.5 --theta pi/4 --sigma 0,0.2 --format csv\n";

static void put(double v, int csv)
{
    if (csv) {
        if (isnan(v)) printf(",");
        else if (isinf(v)) printf(",%s", v > 0 ? "inf" : "-inf");
        else printf(",%.17g", v);
    } else {
        printf(" %10.5g", v);
    }
}

static const char *C = "theory";

/* The options: a list per axis of the grid, and how to print it. */
typedef struct theory_opts {
    double *g, *t, *sg, *lm, *gs, *ss, *l2;
    size_t ng, nt, ns, nl, ngs, nss, nl2;
    double *k, *rho; /* --k, --rho: NULL unless given (theory_k_cols.h) */
    size_t nk, nrho;
    const char *l2sp; /* --l2sp-lambda: numbers >= 0 or opt, parsed into l2 */
    size_t d, depth;
    int csv, boundary; /* csv: the index of --format's word */
    const char *spectrum; /* --spectrum: NULL, or anisotropic columns (THEORY.md section 11) */
    int align, align_given;
    spectrum_opt spec;
    double *eig, *bs, *bt, *b2; /* (d) each, with --spectrum */
} theory_opts;

static const char *const FORMATS[] = {"table", "csv", NULL};

#define F(field) offsetof(theory_opts, field)
#define NO_GIVEN (-1L)
/* The options of `fate theory`, declared once (opt_table.h). */
static const opt_def OPTS[] = {
    {"--gamma", "LIST", OPT_LIST, 0, 1e6, "> 0", "0.1:2.0:20", "target samples per dimension, > 0", F(g), F(ng),
     NO_GIVEN, NULL, OPT_LO_OPEN},
    {"--theta", "LIST", OPT_ANGLES, 0, M_PI, "in [0, pi]", "pi/8,pi/4,3pi/8",
     "angles in [0, pi]; pi-forms and degrees accepted\n", F(t), F(nt), NO_GIVEN, NULL, 0},
    {"--sigma", "LIST", OPT_LIST, 0, 1e6, ">= 0", "0", "target label noise >= 0", F(sg), F(ns), NO_GIVEN, NULL, 0},
    {"--lambda", "LIST", OPT_LIST, 0, 1e12, ">= 0", "0", "ridge of linear transfer >= 0", F(lm), F(nl), NO_GIVEN,
     NULL, 0},
    {"--gamma-src", "LIST", OPT_LIST, 0, 1e6, "> 0", NULL, "finite source gamma_s > 0 (default: infinite source)",
     F(gs), F(ngs), NO_GIVEN, NULL, OPT_LO_OPEN},
    {"--sigma-src", "LIST", OPT_LIST, 0, 1e6, ">= 0", "0", "source label noise >= 0", F(ss), F(nss), NO_GIVEN, NULL,
     0},
    {"--d", "D", OPT_SIZE, 3, 100000000, NULL, NULL,
     "also the exact finite-size values at dimension D\n(n = round(gamma D))", F(d), 0, NO_GIVEN, NULL, 0},
    {"--depth", "L", OPT_SIZE, 2, 64, NULL, "2", "depth for the gradient-flow fine-tuning coefficient", F(depth), 0,
     NO_GIVEN, NULL, 0},
    {"--l2sp-lambda", "LIST", OPT_TEXT, 0, 0, "a list of numbers >= 0 or opt", "opt",
     "ridge of parameter transfer (l2sp), numbers >= 0 or\nopt (the optimal sigma^2 psi / E|beta_t - beta_s_hat|^2)", F(l2sp), 0,
     NO_GIVEN, NULL, 0},
    {"--format", "F", OPT_WORD, 0, 0, "table or csv", "table", "table or csv", F(csv), 0, NO_GIVEN, FORMATS, 0},
    {"--boundary", NULL, OPT_FLAG, 0, 0, NULL, NULL,
     "print the phase boundaries per (theta, sigma) instead:\n"
     "T_lt < 0 for gamma in (g_lo, g_hi) and gamma > g_over;\n"
     "LP-FT beats scratch for gamma < g_lpft_sc and fine-tuning\n"
     "(c = 1) for gamma < g_lpft_ft (at --depth); l2sp at its\n"
     "optimal lambda beats scratch for g_l2sp < gamma < 1",
     F(boundary), 0, NO_GIVEN, NULL, 0},
    {"--k", "LIST", OPT_LIST, 1, 1e8, "integers >= 1 (and <= --d)", NULL,
     "also linear transfer on k pretrained features (THEORY.md\nsection 10): integers >= 1, at most --d", F(k), F(nk),
     NO_GIVEN, NULL, 0},
    {"--rho", "LIST", OPT_LIST, 0, 1, "in [0, 1]", NULL,
     "with --k: rho_par, the target's squared projection on\nthe k features, in [0, 1] (default cos^2 theta)",
     F(rho), F(nrho), NO_GIVEN, NULL, 0},
    {"--spectrum", "S", OPT_TEXT, 0, 0, "powerlaw:ALPHA, spiked:K:RATIO or file:PATH", NULL,
     "inputs x ~ N(0, Sigma) with this spectrum (needs --d):\n"
     "powerlaw:ALPHA (eigenvalues ~ i^-ALPHA, ALPHA in [0, 100]) or\n"
     "spiked:K:RATIO (K leading eigenvalues RATIO times the rest),\n"
     "both with tr = d, or file:PATH (d numbers > 0, '#' comments,\n"
     "taken as given, not rescaled; sorted largest first);\n"
     "adds the columns kappa_aniso R_ridge_aniso R_sc_aniso\n"
     "R_lt_aniso T_lt_aniso (THEORY.md section 11)",
     F(spectrum), 0, NO_GIVEN, NULL, 0},
    {"--align", "A", OPT_WORD, 0, 0, "random, top or tail", "random",
     "with --spectrum: the target teacher along the top or the\n"
     "tail eigen-direction (the source at --theta from it, in the\n"
     "next one), or uniform on the sphere (no R_lt_aniso)",
     F(align), 0, F(align_given), ALIGN_WORDS, 0}};
#undef F
static const opt_table TABLE = {"theory", "fate theory --help", OPTS, sizeof OPTS / sizeof OPTS[0], intro, outro};

/* The defaults, then the given options: 0, 1 after --help, or -1 after one
 * line. */
static int parse(int argc, char **argv, theory_opts *o)
{
    memset(o, 0, sizeof *o);
    if (opt_table_defaults(&TABLE, o)) return -1;
    return opt_table_parse(&TABLE, o, argc, argv, 1, NULL);
}

/* --l2sp-lambda: a LIST of the other options' forms (a value, a comma list,
 * or one range start:stop:count), whose comma elements may also be opt
 * (FATE_LAMBDA_OPT); as for every list, a range is the whole list. 0, or -1
 * after one line. */
static int parse_l2sp(theory_opts *o)
{
    const char *p = o->l2sp;
    if (strchr(p, ':') && strchr(p, ',')) {
        cli_error(C, "--l2sp-lambda: a range is start:stop:count, got '%s'", p);
        return -1;
    }
    for (;;) {
        const size_t len = strcspn(p, ",");
        char buf[256];
        double *v = NULL;
        size_t nv = 1;
        if (len >= sizeof buf) {
            cli_error(C, "--l2sp-lambda must be a list of numbers >= 0 or opt, got '%s'", o->l2sp);
            return -1;
        }
        memcpy(buf, p, len);
        buf[len] = '\0';
        if (!strcmp(buf, "opt")) {
            if (!(v = malloc(sizeof *v))) return -1;
            v[0] = FATE_LAMBDA_OPT;
        } else if (opt_list(C, "--l2sp-lambda", buf, 0, 0.0, 1e12, 0, ">= 0 or opt", &v, &nv)) {
            return -1;
        }
        double *grown = realloc(o->l2, (o->nl2 + nv) * sizeof *grown);
        if (!grown) { free(v); return -1; }
        o->l2 = grown;
        memcpy(o->l2 + o->nl2, v, nv * sizeof *v);
        o->nl2 += nv;
        free(v);
        p += len;
        if (!*p++) return 0;
    }
}

/* --spectrum: its words, then the spectrum at --d and room for the
 * teachers; --align only with it. 0, or -1 (after one line, or none out of
 * memory). */
static int finish_spectrum(theory_opts *o)
{
    if (!o->spectrum) {
        if (!o->align_given) return 0;
        cli_error(C, "--align needs --spectrum (with isotropic inputs every direction is alike)");
        return -1;
    }
    if (spectrum_opt_parse(&o->spec, C, o->spectrum)) return -1;
    if (o->boundary) {
        cli_error(C, "--spectrum does not apply to --boundary (the boundaries are isotropic)");
        return -1;
    }
    if (!o->d) {
        cli_error(C, "--spectrum needs --d (the dimension of the spectrum)");
        return -1;
    }
    o->eig = malloc(o->d * sizeof *o->eig);
    o->bs = malloc(o->d * sizeof *o->bs);
    o->bt = malloc(o->d * sizeof *o->bt);
    o->b2 = malloc(o->d * sizeof *o->b2);
    if (!o->eig || !o->bs || !o->bt || !o->b2) {
        cli_error(C, "--spectrum: out of memory at --d %zu", o->d);
        return -1;
    }
    return spectrum_opt_build(o->eig, o->d, &o->spec, C);
}

/* Without --gamma-src, an infinite source (gamma_s = 0); --l2sp-lambda's
 * list: 0, or -1 (after one line, or none out of memory). */
static int finish(theory_opts *o)
{
    if (parse_l2sp(o) || finish_spectrum(o)) return -1;
    if (o->nrho && !o->nk) {
        cli_error(C, "--rho needs --k (the number of pretrained features)");
        return -1;
    }
    if (theory_k_check(C, o->k, o->nk, o->d, o->gs != NULL, o->boundary)) return -1;
    if (o->nk && o->spectrum) {
        cli_error(C, "--k: the k-feature closed forms are for isotropic inputs; give --k or --spectrum, not both");
        return -1;
    }
    if (o->gs) return 0;
    o->gs = malloc(sizeof *o->gs);
    if (!o->gs) return -1;
    o->gs[0] = 0.0;
    o->ngs = 1;
    return 0;
}

/* --boundary: the linear-transfer phase boundary of each (theta, sigma). */
static void print_boundary(const theory_opts *o)
{
    const int csv = o->csv;
    printf(csv ? "theta,sigma,n_roots,g_lo,g_hi,g_over,g_lpft_sc,g_lpft_ft,g_l2sp\n"
               : "     theta      sigma  roots       g_lo       g_hi     g_over  g_lpft_sc  g_lpft_ft     g_l2sp\n");
    for (size_t it = 0; it < o->nt; it++)
        for (size_t is = 0; is < o->ns; is++) {
            double lo, hi, over;
            int nr = fate_theory_lt_boundary(&lo, &hi, &over, o->t[it], o->sg[is]);
            double v[6] = {lo, hi, over, NAN, NAN, fate_theory_l2sp_boundary(o->t[it], o->sg[is])};
            fate_theory_lpft_boundary(&v[3], &v[4], o->t[it], o->sg[is], o->depth);
            if (csv) printf("%.17g,%.17g,%d", o->t[it], o->sg[is], nr);
            else printf(" %9.5g  %9.5g  %5d", o->t[it], o->sg[is], nr);
            for (size_t k = 0; k < 6; k++) put(v[k], csv);
            printf("\n");
        }
}

static const char *cols[] = {"R_sc",   "R_lt",   "R_ft",        "T_lt",    "T_ft",    "T_ft_gf",
                             "R_ft_gf", "c_gf",  "kl",          "R_lpft",  "T_lpft",  "c_lpft",
                             "R_l2sp", "T_l2sp", "lambda_l2sp", "R_ridge", "T_ridge", "lambda_ridge"};
static const char *xcols[] = {"R_sc_exact",         "R_lt_exact",    "T_lt_exact",    "T_ft_exact",
                              "T_ft_gf_exact",      "R_lpft_exact",  "T_lpft_exact",  "c_lpft_exact",
                              "R_l2sp_exact",       "T_l2sp_exact",  "lambda_l2sp_exact",
                              "R_ridge_exact",      "T_ridge_exact", "lambda_ridge_exact"};
static const char *acols[] = {"kappa_aniso", "R_ridge_aniso", "R_sc_aniso", "R_lt_aniso", "T_lt_aniso"};
#define NCOLS (sizeof cols / sizeof cols[0])
#define NACOLS (sizeof acols / sizeof acols[0])
#define NXCOLS (sizeof xcols / sizeof xcols[0])

/* A table column's width: at least w, and its name's length (the paper's
 * columns keep their widths). */
static int width(const char *name, int w)
{
    const int n = (int)strlen(name);
    return n > w ? n : w;
}

/* The header of the grid; the exact columns only with --d. */
static void print_header(int csv, size_t d, int aniso)
{
    if (csv) {
        printf("gamma,theta,sigma,lambda,gamma_src,sigma_src");
        for (size_t c = 0; c < NCOLS; c++) printf(",%s", cols[c]);
        if (d) {
            printf(",d");
            for (size_t c = 0; c < NXCOLS; c++) printf(",%s", xcols[c]);
        }
        for (size_t c = 0; aniso && c < NACOLS; c++) printf(",%s", acols[c]);
    } else {
        printf("%8s %8s %6s %6s %6s %6s", "gamma", "theta", "sigma", "lambda", "g_src", "s_src");
        for (size_t c = 0; c < NCOLS; c++) printf(" %*s", width(cols[c], 10), cols[c]);
        if (d) for (size_t c = 0; c < NXCOLS; c++) printf(" %*s", width(xcols[c], 13), xcols[c]);
        for (size_t c = 0; aniso && c < NACOLS; c++) printf(" %*s", width(acols[c], 13), acols[c]);
    }
}

/* One evaluated point, in the header's columns. */
static void print_row(const fate_theory_point *p, int csv, size_t d, const double *av)
{
    const double vals[NCOLS] = {p->R_sc,   p->R_lt,   p->R_ft,        p->T_lt,    p->T_ft,    p->T_ft_gf,
                                p->R_ft_gf, p->c_gf,  p->kl,          p->R_lpft,  p->T_lpft,  p->c_lpft,
                                p->R_l2sp, p->T_l2sp, p->lambda_l2sp, p->R_ridge, p->T_ridge, p->lambda_ridge};
    const double xv[NXCOLS] = {p->R_sc_exact,    p->R_lt_exact,    p->T_lt_exact,        p->T_ft_exact,
                               p->T_ft_gf_exact, p->R_lpft_exact,  p->T_lpft_exact,      p->c_lpft_exact,
                               p->R_l2sp_exact,  p->T_l2sp_exact,  p->lambda_l2sp_exact, p->R_ridge_exact,
                               p->T_ridge_exact, p->lambda_ridge_exact};
    if (csv) {
        printf("%.17g,%.17g,%.17g,%.17g", p->gamma, p->theta, p->sigma, p->lambda);
        if (p->gamma_src > 0) printf(",%.17g", p->gamma_src); else printf(",inf");
        printf(",%.17g", p->sigma_src);
        for (size_t c = 0; c < NCOLS; c++) put(vals[c], 1);
        if (d) {
            printf(",%zu", d);
            for (size_t c = 0; c < NXCOLS; c++) put(xv[c], 1);
        }
        for (size_t c = 0; av && c < NACOLS; c++) put(av[c], 1);
    } else {
        printf("%8.4g %8.4g %6.3g %6.3g", p->gamma, p->theta, p->sigma, p->lambda);
        if (p->gamma_src > 0) printf(" %6.3g", p->gamma_src); else printf(" %6s", "inf");
        printf(" %6.3g", p->sigma_src);
        for (size_t c = 0; c < NCOLS; c++) printf(" %*.5g", width(cols[c], 10), vals[c]);
        if (d) for (size_t c = 0; c < NXCOLS; c++) printf(" %*.6g", width(xcols[c], 13), xv[c]);
        for (size_t c = 0; av && c < NACOLS; c++) printf(" %*.6g", width(acols[c], 13), av[c]);
    }
}

/* The anisotropic columns of one point (THEORY.md section 11), n =
 * round(gamma d) as the exact ones: kappa and the deterministic equivalent
 * of ridge at --lambda, of minimum norm / least squares (lambda = 0), the
 * exact linear-transfer mean (lambda = 0, infinite source and a placed
 * teacher only; NaN otherwise) and T = R_sc - R_lt; NaN when n = 0. */
static void aniso_values(double *v, const theory_opts *o, const fate_theory_point *p)
{
    for (size_t c = 0; c < NACOLS; c++) v[c] = NAN;
    const double x = round(p->gamma * (double)o->d);
    if (!(x >= 1.0) || !(x <= 9007199254740992.0)) return;
    const size_t n = (size_t)x, d = o->d;
    const double *b2 = NULL;
    if (o->align != ALIGN_RANDOM) {
        spectrum_opt_teachers(o->bs, o->bt, d, o->align, p->theta);
        for (size_t i = 0; i < d; i++) o->b2[i] = o->bt[i] * o->bt[i];
        b2 = o->b2;
    }
    if (fate_theory_aniso_kappa(&v[0], o->eig, d, n, p->lambda) != FATE_OK ||
        fate_theory_aniso_ridge(&v[1], NULL, NULL, o->eig, b2, d, n, p->lambda, p->sigma) != FATE_OK ||
        fate_theory_aniso_ridge(&v[2], NULL, NULL, o->eig, b2, d, n, 0.0, p->sigma) != FATE_OK)
        return;
    if (!b2 || p->lambda != 0.0 || p->gamma_src > 0.0) return;
    if (fate_theory_aniso_lt_exact(&v[3], o->eig, o->bs, o->bt, d, n, p->sigma) == FATE_OK) v[4] = v[2] - v[3];
}

/* The grid, gamma fastest, --k and --rho slowest (one pass without --k);
 * 0, or -1 after one line at the first point the closed forms refuse (the
 * rows before it are printed). */
static int print_grid(const theory_opts *o)
{
    print_header(o->csv, o->d, o->eig != NULL);
    if (o->nk) theory_k_header(o->csv, o->d);
    printf("\n");
    for (size_t ir = 0; ir < (o->nrho ? o->nrho : 1); ir++)
    for (size_t ik = 0; ik < (o->nk ? o->nk : 1); ik++)
    for (size_t a0 = 0; a0 < o->nl2; a0++)
    for (size_t a1 = 0; a1 < o->ngs; a1++)
    for (size_t a2 = 0; a2 < o->nss; a2++)
    for (size_t il = 0; il < o->nl; il++)
    for (size_t is = 0; is < o->ns; is++)
    for (size_t it = 0; it < o->nt; it++)
    for (size_t ig = 0; ig < o->ng; ig++) {
        fate_theory_point p;
        memset(&p, 0, sizeof p);
        p.gamma = o->g[ig];
        p.theta = o->t[it];
        p.sigma = o->sg[is];
        p.lambda = o->lm[il];
        p.gamma_src = o->gs[a1];
        p.sigma_src = o->ss[a2];
        p.d = o->d;
        p.depth = o->depth;
        p.l2sp_lambda = o->l2[a0];
        if (fate_theory_eval(&p) != FATE_OK) {
            cli_error(C, "invalid point gamma=%g theta=%g sigma=%g", p.gamma, p.theta, p.sigma);
            return -1;
        }
        double av[NACOLS];
        if (o->eig) aniso_values(av, o, &p);
        print_row(&p, o->csv, o->d, o->eig ? av : NULL);
        if (o->nk) theory_k_row(&p, (size_t)o->k[ik], o->nrho ? o->rho[ir] : NAN, o->csv);
        printf("\n");
    }
    return 0;
}

int cmd_theory(int argc, char **argv)
{
    theory_opts o;
    int pr = parse(argc, argv, &o);
    if (pr == 0 && finish(&o)) pr = -1;
    int rc = pr < 0 ? FATE_EXIT_USAGE : 0;
    if (pr == 0) {
        if (o.boundary) print_boundary(&o);
        else if (print_grid(&o) != 0) rc = FATE_EXIT_USAGE;
    }
    opt_table_free(&TABLE, &o);
    free(o.l2);
    free(o.eig);
    free(o.bs);
    free(o.bt);
    free(o.b2);
    return rc;
}
