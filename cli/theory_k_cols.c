/* theory_k_cols.c - the columns of linear transfer on k pretrained
 * features in `fate theory` (src/theory_k.c, THEORY.md section 10). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "options.h"
#include "theory_k_cols.h"

int theory_k_check(const char *cmd, double *k, size_t nk, size_t d, int finite_source, int boundary)
{
    if (!nk) return 0;
    if (boundary) {
        cli_error(cmd, "--k: the k-feature columns are printed on the grid, not with --boundary");
        return -1;
    }
    if (finite_source) {
        cli_error(cmd, "--k: the k-feature forms take an infinite source (leave out --gamma-src)");
        return -1;
    }
    for (size_t i = 0; i < nk; i++) {
        /* a range start:stop:count may land a rounding away from an integer */
        const double r = round(k[i]);
        if (!(fabs(k[i] - r) <= 1e-9 * r) || r < 1.0) {
            cli_error(cmd, "--k must be a list of integers >= 1, got %g", k[i]);
            return -1;
        }
        if (d && r > (double)d) {
            cli_error(cmd, "--k must be at most --d (%zu), got %g", d, r);
            return -1;
        }
        k[i] = r;
    }
    return 0;
}

static const char *kcols[] = {"R_lt_k", "T_lt_k"};
static const char *kxcols[] = {"R_lt_k_exact", "T_lt_k_exact"};

void theory_k_header(int csv, size_t d)
{
    if (csv) {
        printf(",k,rho_par,kappa,%s,%s", kcols[0], kcols[1]);
        if (d) printf(",%s,%s", kxcols[0], kxcols[1]);
    } else {
        printf(" %6s %10s %10s %10s %10s", "k", "rho_par", "kappa", kcols[0], kcols[1]);
        if (d) printf(" %13s %13s", kxcols[0], kxcols[1]);
    }
}

/* One value in the grid's formats (%.17g, inf, empty NaN; or the table's). */
static void put_k(double v, int csv, int w)
{
    if (!csv) printf(" %*.*g", w, w == 10 ? 5 : 6, v);
    else if (isnan(v)) printf(",");
    else if (isinf(v)) printf(",%s", v > 0 ? "inf" : "-inf");
    else printf(",%.17g", v);
}

/* kappa = k/d (0 without d: k fixed as d -> inf); the exact mean at
 * n = round(gamma d) for lambda = 0, else the limit at n/d and k/d, as the
 * other *_exact columns. */
void theory_k_row(const fate_theory_point *p, size_t k, double rho_par, int csv)
{
    if (isnan(rho_par)) rho_par = cos(p->theta) * cos(p->theta);
    const double kappa = p->d ? (double)k / (double)p->d : 0.0;
    const double r = fate_theory_lt_k_ridge(p->gamma, kappa, p->lambda, rho_par, p->sigma);
    if (csv) printf(",%zu", k);
    else printf(" %6zu", k);
    put_k(rho_par, csv, 10);
    put_k(kappa, csv, 10);
    put_k(r, csv, 10);
    put_k(p->R_sc - r, csv, 10);
    if (!p->d) return;
    const double n = round(p->gamma * (double)p->d);
    double rx = NAN;
    if (n >= 1.0 && n <= 9007199254740992.0)
        rx = p->lambda == 0.0 ? fate_theory_lt_k_exact((size_t)n, k, rho_par, p->sigma)
                              : fate_theory_lt_k_ridge(n / (double)p->d, kappa, p->lambda, rho_par, p->sigma);
    put_k(rx, csv, 13);
    put_k(p->R_sc_exact - rx, csv, 13);
}
