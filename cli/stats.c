/* stats.c - see stats.h. */
#include <math.h>

#include "fate.h"
#include "stats.h"

static sample_stat stats_core(const double *x, size_t n, int finite_only)
{
    sample_stat s = {0.0, NAN, NAN, 0};
    for (size_t i = 0; i < n; i++)
        if (!finite_only || isfinite(x[i])) { s.mean += x[i]; s.n++; }
    if (s.n == 0) return (sample_stat){NAN, NAN, NAN, 0};
    s.mean /= (double)s.n;
    if (s.n > 1) {
        double v = 0.0;
        for (size_t i = 0; i < n; i++)
            if (!finite_only || isfinite(x[i])) v += (x[i] - s.mean) * (x[i] - s.mean);
        s.sd = sqrt(v / (double)(s.n - 1));
        s.se = s.sd / sqrt((double)s.n);
    }
    return s;
}

sample_stat stats_of(const double *x, size_t n) { return stats_core(x, n, 0); }

sample_stat stats_finite(const double *x, size_t n) { return stats_core(x, n, 1); }

const char *method_name(unsigned m)
{
    switch (m) {
    case 0: return "pretraining";
    case FATE_METHOD_SCRATCH: return "scratch training";
    case FATE_METHOD_LT: return "linear transfer";
    case FATE_METHOD_FT: return "fine-tuning";
    case FATE_METHOD_LPFT: return "LP-FT's fine-tuning";
    case FATE_METHOD_EARLY_STOP: return "scratch training (early_stop)";
    }
    return "training";
}
