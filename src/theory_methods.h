/* theory_methods.h - the methods beyond the paper at one theory point
 * (theory_methods.c), for fate_theory_eval (theory.c). */
#ifndef FATE_THEORY_METHODS_H
#define FATE_THEORY_METHODS_H

#include "fate.h"

/* The methods beyond the paper at one theory point (theory_methods.c):
 * every new field NaN; whether a ridge of L2-SP is valid (>= 0 finite or
 * FATE_LAMBDA_OPT); the asymptotic fields from source moments m, q; the exact
 * ones at n = round(gamma d) with the exact moments. */
void theory_point_methods_nan(fate_theory_point *p);
int theory_l2sp_lambda_ok(double lambda);
void theory_point_methods(fate_theory_point *p, double m, double q, size_t depth);
void theory_point_methods_exact(fate_theory_point *p, size_t n, double me, double qe, size_t depth);

#endif
