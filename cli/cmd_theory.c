/* cmd_theory.c - `fate theory`: the closed forms of THEORY.md section 3 on
 * the grid of every combination of the given lists. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "fate.h"
#include "options.h"

static const char *help =
    "usage: fate theory [options]\n"
    "\n"
    "Evaluates the closed forms (asymptotic n, d -> inf with gamma = n/d fixed) on every\n"
    "combination of the given values. Each list is a value, a comma list a,b,c, or an\n"
    "inclusive range start:stop:count (0.1:2.0:20 is 0.1, 0.2, ..., 2.0).\n"
    "\n"
    "  --gamma LIST      target samples per dimension, > 0 (default 0.1:2.0:20)\n"
    "  --theta LIST      angles in [0, pi]; pi-forms and degrees accepted\n"
    "                    (default pi/8,pi/4,3pi/8)\n"
    "  --sigma LIST      target label noise >= 0 (default 0)\n"
    "  --lambda LIST     ridge of linear transfer >= 0 (default 0)\n"
    "  --gamma-src LIST  finite source gamma_s > 0 (default: infinite source)\n"
    "  --sigma-src LIST  source label noise >= 0 (default 0)\n"
    "  --d D             also the exact finite-size values at dimension D\n"
    "                    (n = round(gamma D))\n"
    "  --depth L         depth for the gradient-flow fine-tuning coefficient (default 2)\n"
    "  --format F        table (default) or csv\n"
    "  --boundary        print the linear-transfer phase boundary per (theta, sigma)\n"
    "                    instead: T_lt < 0 for gamma in (g_lo, g_hi) and gamma > g_over\n"
    "\n"
    "Columns: R_sc scratch risk; R_lt linear transfer; R_ft and T_ft fine-tuning as in\n"
    "the paper (c = 1); T_ft_gf, R_ft_gf with the gradient-flow coefficient c_gf;\n"
    "T = R_sc - R; kl = KL(source || target) of the linear label-shift family.\n"
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

int cmd_theory(int argc, char **argv)
{
    const char *C = "theory";
    double *g = NULL, *t = NULL, *sg = NULL, *lm = NULL, *gs = NULL, *ss = NULL;
    size_t ng = 0, nt = 0, ns = 0, nl = 0, ngs = 0, nss = 0;
    size_t d = 0, depth = 2;
    int csv = 0, boundary = 0, rc = FATE_EXIT_USAGE;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(help, stdout);
            rc = 0;
            goto done;
        }
        if (!strcmp(a, "--boundary")) { boundary = 1; continue; }
#define LIST(name, arr, cnt, ang, lo, hi, open, txt)                                         \
    if (opt_is(a, name)) {                                                                   \
        if (!(v = opt_value(C, argc, argv, &i, name))) goto done;                            \
        free(arr);                                                                           \
        if (opt_list(C, name, v, ang, lo, hi, open, txt, &arr, &cnt)) goto done;             \
        continue;                                                                            \
    }
        LIST("--gamma", g, ng, 0, 0.0, 1e6, 1, "> 0")
        LIST("--theta", t, nt, 1, 0.0, M_PI, 0, "in [0, pi]")
        LIST("--sigma", sg, ns, 0, 0.0, 1e6, 0, ">= 0")
        LIST("--lambda", lm, nl, 0, 0.0, 1e12, 0, ">= 0")
        LIST("--gamma-src", gs, ngs, 0, 0.0, 1e6, 1, "> 0")
        LIST("--sigma-src", ss, nss, 0, 0.0, 1e6, 0, ">= 0")
#undef LIST
        if (opt_is(a, "--d")) {
            if (!(v = opt_value(C, argc, argv, &i, "--d")) || opt_size(C, "--d", v, 3, 100000000, &d))
                goto done;
        } else if (opt_is(a, "--depth")) {
            if (!(v = opt_value(C, argc, argv, &i, "--depth")) || opt_size(C, "--depth", v, 2, 64, &depth))
                goto done;
        } else if (opt_is(a, "--format")) {
            if (!(v = opt_value(C, argc, argv, &i, "--format"))) goto done;
            if (!strcmp(v, "csv")) csv = 1;
            else if (!strcmp(v, "table")) csv = 0;
            else { cli_error(C, "--format must be table or csv, got '%s'", v); goto done; }
        } else {
            cli_error(C, "unknown option '%s' (see fate theory --help)", a);
            goto done;
        }
    }
    if (!g && opt_list(C, "--gamma", "0.1:2.0:20", 0, 0.0, 1e6, 1, "> 0", &g, &ng)) goto done;
    if (!t && opt_list(C, "--theta", "pi/8,pi/4,3pi/8", 1, 0, M_PI, 0, "", &t, &nt)) goto done;
    if (!sg && opt_list(C, "--sigma", "0", 0, 0, 1e6, 0, "", &sg, &ns)) goto done;
    if (!lm && opt_list(C, "--lambda", "0", 0, 0, 1e12, 0, "", &lm, &nl)) goto done;
    if (!ss && opt_list(C, "--sigma-src", "0", 0, 0, 1e6, 0, "", &ss, &nss)) goto done;
    if (!gs) {
        gs = malloc(sizeof *gs);
        if (!gs) goto done;
        gs[0] = 0.0; /* infinite source */
        ngs = 1;
    }

    if (boundary) {
        printf(csv ? "theta,sigma,n_roots,g_lo,g_hi,g_over\n"
                   : "     theta      sigma  roots       g_lo       g_hi     g_over\n");
        for (size_t it = 0; it < nt; it++)
            for (size_t is = 0; is < ns; is++) {
                double lo, hi, over;
                int nr = fate_theory_lt_boundary(&lo, &hi, &over, t[it], sg[is]);
                if (csv) {
                    printf("%.17g,%.17g,%d", t[it], sg[is], nr);
                    put(lo, 1); put(hi, 1); put(over, 1);
                } else {
                    printf(" %9.5g  %9.5g  %5d", t[it], sg[is], nr);
                    put(lo, 0); put(hi, 0); put(over, 0);
                }
                printf("\n");
            }
        rc = 0;
        goto done;
    }

    const char *cols[] = {"R_sc", "R_lt", "R_ft", "T_lt", "T_ft", "T_ft_gf", "R_ft_gf", "c_gf", "kl"};
    const char *xcols[] = {"R_sc_exact", "R_lt_exact", "T_lt_exact", "T_ft_exact", "T_ft_gf_exact"};
    if (csv) {
        printf("gamma,theta,sigma,lambda,gamma_src,sigma_src");
        for (size_t c = 0; c < 9; c++) printf(",%s", cols[c]);
        if (d) {
            printf(",d");
            for (size_t c = 0; c < 5; c++) printf(",%s", xcols[c]);
        }
        printf("\n");
    } else {
        printf("%8s %8s %6s %6s %6s %6s", "gamma", "theta", "sigma", "lambda", "g_src", "s_src");
        for (size_t c = 0; c < 9; c++) printf(" %10s", cols[c]);
        if (d) for (size_t c = 0; c < 5; c++) printf(" %13s", xcols[c]);
        printf("\n");
    }
    for (size_t a1 = 0; a1 < ngs; a1++)
    for (size_t a2 = 0; a2 < nss; a2++)
    for (size_t il = 0; il < nl; il++)
    for (size_t is = 0; is < ns; is++)
    for (size_t it = 0; it < nt; it++)
    for (size_t ig = 0; ig < ng; ig++) {
        fate_theory_point p;
        memset(&p, 0, sizeof p);
        p.gamma = g[ig];
        p.theta = t[it];
        p.sigma = sg[is];
        p.lambda = lm[il];
        p.gamma_src = gs[a1];
        p.sigma_src = ss[a2];
        p.d = d;
        p.depth = depth;
        if (fate_theory_eval(&p) != FATE_OK) {
            cli_error(C, "invalid point gamma=%g theta=%g sigma=%g", p.gamma, p.theta, p.sigma);
            rc = FATE_EXIT_USAGE;
            goto done;
        }
        double vals[9] = {p.R_sc, p.R_lt, p.R_ft, p.T_lt, p.T_ft, p.T_ft_gf, p.R_ft_gf, p.c_gf, p.kl};
        double xv[5] = {p.R_sc_exact, p.R_lt_exact, p.T_lt_exact, p.T_ft_exact, p.T_ft_gf_exact};
        if (csv) {
            printf("%.17g,%.17g,%.17g,%.17g", p.gamma, p.theta, p.sigma, p.lambda);
            if (p.gamma_src > 0) printf(",%.17g", p.gamma_src); else printf(",inf");
            printf(",%.17g", p.sigma_src);
            for (size_t c = 0; c < 9; c++) put(vals[c], 1);
            if (d) {
                printf(",%zu", d);
                for (size_t c = 0; c < 5; c++) put(xv[c], 1);
            }
        } else {
            printf("%8.4g %8.4g %6.3g %6.3g", p.gamma, p.theta, p.sigma, p.lambda);
            if (p.gamma_src > 0) printf(" %6.3g", p.gamma_src); else printf(" %6s", "inf");
            printf(" %6.3g", p.sigma_src);
            for (size_t c = 0; c < 9; c++) put(vals[c], 0);
            if (d) for (size_t c = 0; c < 5; c++) printf(" %13.6g", xv[c]);
        }
        printf("\n");
    }
    rc = 0;
done:
    free(g); free(t); free(sg); free(lm); free(gs); free(ss);
    return rc;
}
