/* model_opts.h - the options of a model that declares its parameters
 * (fate_model.params): one table gives parsing, validation, --help and the
 * canonical parameters saved in sweep.json and the manifest. With the run
 * options every command shares (--out, --resume, --plot, --threads,
 * --quiet). */
#ifndef FATE_CLI_MODEL_OPTS_H
#define FATE_CLI_MODEL_OPTS_H
#include "fate_model.h"

typedef struct model_opts {
    const fate_model *m;
    const char **text;      /* (n_params) the value as given, or the default */
    fate_param_value *val;  /* (n_params) parsed by model_opts_finish */
    double **buf;           /* (n_params) storage of val[k].v */
    const char *out, *model; /* model: the --model word (phase_model checked it) */
    int resume, quiet, threads, have_threads, have_quiet, have_plot;
    int n_result_opts;      /* parameters given on the command line */
    unsigned plot;          /* FATE_PLOT_* bits */
    char default_out[96];
} model_opts;

/* Defaults (the table's); 0, or -1 when out of memory. */
int model_opts_init(model_opts *o, const fate_model *m);
void model_opts_free(model_opts *o);
/* Reads argv[1..] (the words after `phase`): 0, 1 after printing --help,
 * -1 after printing one line about bad input. */
int model_opts_parse(model_opts *o, int argc, char **argv);
/* Parses and checks every parameter's text into val (one line naming the
 * option and its range on bad input): 0 or -1. */
int model_opts_finish(model_opts *o);
/* Canonical JSON of the parameters (sorted keys, 17 digits; malloc'd) after
 * model_opts_finish: what sweep.json holds and --resume compares. */
char *model_opts_json(const model_opts *o);
/* The help text (malloc'd). */
char *model_opts_help(const fate_model *m);
/* The run options every such model shares, as an option table over
 * model_opts (--threads, --out, --resume, --plot, --quiet, --model): the
 * manifest's words and the options --resume keeps come from it. */
extern const struct opt_table MODEL_RUN_TABLE;
#endif
