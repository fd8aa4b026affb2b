/* spec_opts.c - options shared by `fate run` and `fate phase` (see
 * spec_opts.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "spec_opts.h"

const char SPEC_OPTIONS_HELP[] =
    "task:\n"
    "  --d D              input dimension >= 1\n"
    "  --sigma S          target label noise >= 0 (default 0.2)\n"
    "source:\n"
    "  --gamma-src G      finite source of round(G d) samples (default: infinite\n"
    "                     source, pretraining on the population loss |beta - beta_s|^2)\n"
    "  --n-src N          finite source of N samples\n"
    "  --sigma-src S      source label noise >= 0 (default 0)\n"
    "network and training:\n"
    "  --depth L          weight layers, >= 2 (default 2)\n"
    "  --width K          hidden width (default d)\n"
    "  --init-scale A     init scale alpha > 0 (default: 1e-5 at depth 2, the paper's\n"
    "                     rich regime; at depth L >= 3 leaving the small-init saddle\n"
    "                     takes time ~ alpha^-(L-2), so the default is 1e-2 (L = 3),\n"
    "                     5e-2 (L = 4), 8e-2 (L = 5), 0.1 (L >= 6); a run that ends\n"
    "                     still on the saddle is reported)\n"
    "  --lr R             learning rate > 0 (default automatic:\n"
    "                     0.4 / (L lambda_max(S) max(1, |beta|^(2(L-1)/L))))\n"
    "  --epochs E         maximum full-batch GD steps per training (default 10000)\n"
    "  --tol T            stop when training loss <= minimum loss + T (default 1e-6)\n"
    "  --rcond C          linear transfer keeps feature directions with singular\n"
    "                     value > C sigma_1, C in (0, 1) (default 1e-2)\n"
    "  --weight-decay W   weight decay of scratch training >= 0 (default 0)\n"
    "  --methods LIST     comma list of scratch, lt, ft\n"
    "run:\n"
    "  --instances K      independent instances >= 1\n"
    "  --seed S           random seed (default 1); instance i uses key (S, i)\n"
    "  --threads T        OpenMP threads in " THREADS_RANGE " (default: all cores); results\n"
    "                     are identical for every thread count\n";

void spec_opts_default(spec_opts *o, size_t instances)
{
    memset(o, 0, sizeof *o);
    fate_spec_default(&o->spec);
    o->instances = instances;
}

static int parse_methods(const char *cmd, const char *s, unsigned *out)
{
    static const char *const words[] = {"scratch", "lt", "ft", NULL};
    static const unsigned bit[] = {FATE_METHOD_SCRATCH, FATE_METHOD_LT, FATE_METHOD_FT};
    unsigned w;
    if (opt_words(cmd, "--methods", s, words, "a comma list of scratch, lt, ft", &w)) return -1;
    *out = 0;
    for (int k = 0; k < 3; k++)
        if (w & (1u << k)) *out |= bit[k];
    return 0;
}

int spec_option_known(const char *name)
{
    static const char *names[] = {"--d", "--sigma", "--gamma-src", "--n-src", "--sigma-src",
                                  "--depth", "--width", "--init-scale", "--lr", "--epochs", "--tol",
                                  "--rcond", "--weight-decay", "--methods", "--instances",
                                  "--seed", "--threads", NULL};
    for (int k = 0; names[k]; k++)
        if (!strcmp(name, names[k])) return 1;
    return 0;
}

int spec_option(const char *C, const char *name, const char *v, spec_opts *o)
{
    fate_spec *s = &o->spec;
    if (!strcmp(name, "--d")) return opt_size(C, name, v, 1, 100000, &s->d) ? -1 : 1;
    if (!strcmp(name, "--sigma")) return opt_double(C, name, v, 0.0, 1e6, 0, ">= 0", &s->sigma) ? -1 : 1;
    if (!strcmp(name, "--gamma-src")) {
        o->have_gamma_src = 1;
        return opt_double(C, name, v, 0.0, 1e6, 1, "> 0", &o->gamma_src) ? -1 : 1;
    }
    if (!strcmp(name, "--n-src")) {
        o->have_n_src = 1;
        return opt_size(C, name, v, 1, (size_t)100000000, &s->n_src) ? -1 : 1;
    }
    if (!strcmp(name, "--sigma-src"))
        return opt_double(C, name, v, 0.0, 1e6, 0, ">= 0", &s->sigma_src) ? -1 : 1;
    if (!strcmp(name, "--depth")) return opt_size(C, name, v, 2, 64, &s->depth) ? -1 : 1;
    if (!strcmp(name, "--width")) return opt_size(C, name, v, 1, 100000, &s->width) ? -1 : 1;
    if (!strcmp(name, "--init-scale"))
        return opt_double(C, name, v, 0.0, 1e3, 1, "> 0", &s->init_scale) ? -1 : 1;
    if (!strcmp(name, "--lr")) return opt_double(C, name, v, 0.0, 1e6, 1, "> 0", &s->lr) ? -1 : 1;
    if (!strcmp(name, "--epochs"))
        return opt_size(C, name, v, 1, (size_t)1000000000, &s->max_epochs) ? -1 : 1;
    if (!strcmp(name, "--tol")) return opt_double(C, name, v, 0.0, 1e6, 0, ">= 0", &s->tol) ? -1 : 1;
    if (!strcmp(name, "--rcond")) {
        if (opt_double(C, name, v, 0.0, 1.0, 1, "in (0, 1)", &s->rcond)) return -1;
        if (s->rcond >= 1.0) {
            cli_error(C, "--rcond must be in (0, 1), got %s", v);
            return -1;
        }
        return 1;
    }
    if (!strcmp(name, "--weight-decay"))
        return opt_double(C, name, v, 0.0, 1e6, 0, ">= 0", &s->weight_decay) ? -1 : 1;
    if (!strcmp(name, "--methods")) return parse_methods(C, v, &s->methods) ? -1 : 1;
    if (!strcmp(name, "--instances"))
        return opt_size(C, name, v, 1, 10000000, &o->instances) ? -1 : 1;
    if (!strcmp(name, "--seed")) return opt_u64(C, name, v, &s->seed) ? -1 : 1;
    if (!strcmp(name, "--threads")) return opt_threads(C, name, v, &o->threads) ? -1 : 1;
    return 0;
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
