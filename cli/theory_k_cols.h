/* theory_k_cols.h - the k-dimensional feature-space columns of `fate
 * theory` (--k, --rho; THEORY.md section 10), printed only when --k is
 * given so the other outputs keep their bytes. */
#ifndef FATE_CLI_THEORY_K_COLS_H
#define FATE_CLI_THEORY_K_COLS_H
#include <stddef.h>

#include "fate.h"

/* --k's values must be integers in [1, d] (d = 0: no upper bound), and the
 * forms take an infinite source and the grid, not --boundary. 0, or -1
 * after one line naming the option. */
int theory_k_check(const char *cmd, double *k, size_t nk, size_t d, int finite_source, int boundary);
/* The columns' names after the others' (k, rho_par, kappa, R_lt_k, T_lt_k;
 * with d also R_lt_k_exact, T_lt_k_exact). */
void theory_k_header(int csv, size_t d);
/* Their values at the point p (its gamma, sigma, lambda, d, R_sc and
 * R_sc_exact), for k features holding rho_par of the target (NaN: cos^2
 * theta, the one-angle target). */
void theory_k_row(const fate_theory_point *p, size_t k, double rho_par, int csv);
#endif
