/* manifest.h - DIR/manifest.json: what was run (every parameter, seed,
 * version, git commit), where (machine, threads) and when (start, end, wall
 * time). Written atomically at the start and at the end of a command. */
#ifndef FATE_CLI_MANIFEST_H
#define FATE_CLI_MANIFEST_H
#include <jansson.h>
#include "fate.h"
#include "figures.h"

typedef struct manifest {
    char path[4096];
    json_t *root;
    double t0;
} manifest;

/* args (the option words; stolen) are what --resume re-reads; sweep (may be
 * NULL) adds its parameters; extra (may be NULL; stolen) is merged in. */
void manifest_begin(manifest *m, const char *dir, const char *command, json_t *args,
                    const fate_sweep *sweep, json_t *extra);
/* Final status ("complete", "interrupted", ...) and the files written. */
void manifest_end(manifest *m, const char *status, const file_list *files);

/* The option words that define a run (all but --resume, --quiet, --threads,
 * --plot and --out with their values), as saved in the manifest for
 * --resume. New reference. */
json_t *manifest_result_args(int argc, char **argv);

/* --resume: the option words saved in dir/manifest.json, as an argv with
 * av[0] = cmd (the words belong to arr). */
typedef struct saved_args {
    json_t *arr;
    char **av;
    int ac;
    char path[4200];
} saved_args;
/* 0, or -1 after printing one line ("--resume: ... is missing or
 * unreadable (no <what> to resume in dir)"). */
int saved_args_load(saved_args *s, const char *cmd, const char *dir, const char *what);
void saved_args_free(saved_args *s);
#endif
