/* spec_opts.h - the options every experiment command shares (network,
 * training, source, noise, instances, seed, threads), parsed into a
 * fate_spec. */
#ifndef FATE_CLI_SPEC_OPTS_H
#define FATE_CLI_SPEC_OPTS_H
#include "fate.h"

typedef struct spec_opts {
    fate_spec spec;
    double gamma_src;
    int have_gamma_src, have_n_src;
    size_t instances;
    int threads;
} spec_opts;

void spec_opts_default(spec_opts *o, size_t instances);
/* 1 if `name` is a shared option (value parsed into o), 0 if it is not one,
 * -1 after printing an error. */
int spec_option(const char *cmd, const char *name, const char *value, spec_opts *o);
/* 1 if name is one of the shared options. */
int spec_option_known(const char *name);
/* After all options: n_src from gamma_src, conflicts, fate_spec_check of the
 * shared fields. 0 or -1 after printing an error. */
int spec_opts_finish(const char *cmd, spec_opts *o);

/* Help text of the shared options. */
extern const char SPEC_OPTIONS_HELP[];
#endif
