/* baseline.c - the baselines of T (baseline.h). */
#include <math.h>

#include "baseline.h"

const char *const BASELINE_WORDS[] = {"scratch", "ridge", "ridge_cv", "early_stop", "best",
                                      "unregularised", "ridge-opt", "ridge-cv", "early-stop", NULL};
static const baseline_kind KIND_OF_WORD[] = {BASE_SCRATCH, BASE_RIDGE, BASE_RIDGE_CV, BASE_EARLY_STOP, BASE_BEST,
                                             BASE_SCRATCH, BASE_RIDGE, BASE_RIDGE_CV, BASE_EARLY_STOP};

baseline_kind baseline_of(int word)
{
    return word >= 0 && (size_t)word < sizeof KIND_OF_WORD / sizeof KIND_OF_WORD[0] ? KIND_OF_WORD[word]
                                                                                    : BASE_SCRATCH;
}

const char *baseline_name(baseline_kind b)
{
    static const char *const names[] = {"scratch", "ridge", "ridge_cv", "early_stop", "best"};
    return names[b];
}

unsigned baseline_methods(baseline_kind b)
{
    switch (b) {
    case BASE_RIDGE: return FATE_METHOD_RIDGE;
    case BASE_RIDGE_CV: return FATE_METHOD_RIDGE_CV;
    case BASE_EARLY_STOP: return FATE_METHOD_EARLY_STOP;
    case BASE_BEST: return FATE_METHOD_RIDGE | FATE_METHOD_RIDGE_CV | FATE_METHOD_EARLY_STOP;
    default: return FATE_METHOD_SCRATCH;
    }
}

double baseline_risk(baseline_kind b, const fate_instance_result *r)
{
    switch (b) {
    case BASE_RIDGE: return r->ridge.risk;
    case BASE_RIDGE_CV: return r->ridge_cv.risk;
    case BASE_EARLY_STOP: return r->early_stop.risk;
    case BASE_BEST: return fmin(r->ridge.risk, fmin(r->ridge_cv.risk, r->early_stop.risk));
    default: return r->scratch.risk;
    }
}

double baseline_theory(baseline_kind b, const fate_spec_theory *th)
{
    switch (b) {
    case BASE_SCRATCH: return th->scratch;
    case BASE_RIDGE: return th->ridge;
    default: return NAN;
    }
}
