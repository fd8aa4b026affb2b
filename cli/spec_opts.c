/* spec_opts.c - the options `fate run` and `fate phase` share (see
 * spec_opts.h; the entries themselves are SPEC_OPT_DEFS). */
#include <math.h>
#include <string.h>

#include "options.h"
#include "spec_opts.h"

const char *const SPEC_METHOD_WORDS[] = {"scratch", "lt",       "ft",         "lpft",   "l2sp",
                                         "ridge",   "ridge_cv", "early_stop", "l2sp_w", NULL};

void spec_opts_default(spec_opts *o, size_t instances)
{
    memset(o, 0, sizeof *o);
    fate_spec_default(&o->spec);
    o->instances = instances;
}

int spec_opts_finish(const char *C, spec_opts *o)
{
    fate_spec *s = &o->spec;
    if (o->have_gamma_src && o->have_n_src) {
        cli_error(C, "give either --gamma-src or --n-src, not both");
        return -1;
    }
    if (o->have_gamma_src) {
        double n = round(o->gamma_src * (double)s->d);
        if (n < 1) {
            cli_error(C, "--gamma-src must give n_src = round(gamma_src d) >= 1, got %g", o->gamma_src);
            return -1;
        }
        s->n_src = (size_t)n;
    }
    if (s->width == 0) s->width = s->d;
    return 0;
}

int spec_opts_l2sp_lambda(const char *C, const char *text, fate_spec *s)
{
    if (!strcmp(text, "opt")) {
        s->l2sp_lambda = FATE_LAMBDA_OPT;
        return 0;
    }
    return opt_double(C, "--l2sp-lambda", text, 0.0, 1e12, 0, ">= 0 or opt", &s->l2sp_lambda);
}
