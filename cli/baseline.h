/* baseline.h - what transferability is measured against: T = R_baseline -
 * R_method (fate run --baseline; shared so that fate phase can take the same
 * words). THEORY.md sections 8 and 9. */
#ifndef FATE_CLI_BASELINE_H
#define FATE_CLI_BASELINE_H

#include "fate.h"

typedef enum baseline_kind {
    BASE_SCRATCH,    /* the paper's unregularised scratch training */
    BASE_RIDGE,      /* ridge on the target at the oracle-optimal lambda* */
    BASE_RIDGE_CV,   /* ridge, lambda by leave-one-out */
    BASE_EARLY_STOP, /* scratch stopped at its step of least risk (oracle) */
    BASE_BEST        /* per instance the least risk of ridge, ridge_cv, early_stop: T* */
} baseline_kind;

/* The words of an OPT_WORD option (the spellings are aliases:
 * unregularised, ridge-opt, ridge-cv, early-stop); baseline_of maps a word's
 * index to its kind. */
extern const char *const BASELINE_WORDS[];
#define BASELINE_VALID "scratch, ridge, ridge_cv, early_stop or best"
baseline_kind baseline_of(int word);

/* The name printed for it ("scratch", ..., "best"). */
const char *baseline_name(baseline_kind b);
/* The FATE_METHOD_* bits it needs run. */
unsigned baseline_methods(baseline_kind b);
/* Instance r's baseline risk (NaN where a needed method did not run). */
double baseline_risk(baseline_kind b, const fate_instance_result *r);
/* Its theory: scratch's and ridge's closed forms; ridge_cv, early_stop and
 * best (the per-instance minimum of three, whose mean lies below ridge's
 * closed form but has none of its own) are simulation only: NaN, as in
 * fate phase's summary.csv. */
double baseline_theory(baseline_kind b, const fate_spec_theory *th);

#endif
