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
    int failed; /* a write of it failed */
} manifest;

/* args (the option words; stolen) are what --resume re-reads; sweep (may be
 * NULL) adds its parameters; extra (may be NULL; stolen) is merged in. It
 * also reserves room for the final manifest beside it. 0, or -1 after
 * printing one line naming the file. */
int manifest_begin(manifest *m, const char *dir, const char *command, json_t *args,
                   const fate_sweep *sweep, json_t *extra);
/* Final status ("complete", "interrupted", "failed") and the files written.
 * 0, or -1 if this or the first write failed (one line printed): the
 * command then exits 1. */
int manifest_end(manifest *m, const char *status, const file_list *files);

/* A seed as JSON: a number below 2^63, else the decimal string (jansson's
 * integers are signed, and a wrapped negative number would not read back). */
json_t *json_seed(unsigned long long seed);

/* The habit of re-running a killed command with --resume appended: the
 * sweep it describes (params_now, canonical JSON as in sweep.json) must be
 * the saved one (params_saved). 0 when they are the same; otherwise prints
 * one line naming the first option that differs with both values (exit 2
 * follows) and returns -1. */
int resume_same_sweep(const char *cmd, const char *dir, const char *params_saved, const char *params_now);
/* The same for any command: saved and now are JSON objects of resolved
 * parameters keyed like sweep.json ("--" + key names the option); the first
 * saved key whose value differs is named in one line, "the <what> saved in
 * dir". 0 when they agree, else -1. */
int resume_same_params(const char *cmd, const char *dir, const char *what, json_t *saved,
                       json_t *now);

/* --resume: parses the option words saved in dir/manifest.json with
 * parse(ac, av, opts) (av[0] = cmd), then *args = those words (a new
 * reference, which also keeps alive the strings parse pointed opts to).
 * 0, or -1 after printing one line: the manifest is missing or unreadable
 * ("no <what> to resume in dir"), or the saved words do not parse. */
int resume_parse(json_t **args, const char *cmd, const char *dir, const char *what,
                 int (*parse)(int ac, char **av, void *opts), void *opts);
/* How --resume treats one command's options struct (resume_run). */
typedef struct resume_kind {
    const char *cmd, *what;     /* "phase", "sweep" (for the messages) */
    size_t size;                /* of the options struct */
    const void *ctx;            /* handed to init (e.g. the model) */
    int (*init)(void *o, const void *ctx);        /* defaults; 0 or -1 */
    int (*parse)(int ac, char **av, void *o);     /* the saved words */
    int (*finish)(void *o);                       /* check; 0 or -1 after one line */
    char *(*params)(const void *o);               /* canonical JSON, malloc'd */
    void (*release)(void *o);                     /* frees what o owns */
    /* the command's option table: the manifest words of a resumed run come
     * from it (opt_table_result_args), and the run options given now
     * (--out, --threads, --quiet, --plot) are kept over the saved ones
     * (opt_table_keep_run) */
    const struct opt_table *table;
} resume_kind;

/* --resume of the run saved in dir, for every command alike. With result
 * options on this command line (n_result_opts > 0: the original line with
 * --resume appended) both option sets are finished and must describe the
 * same run (compared as resume_same_sweep does, naming "the <what> saved
 * in dir"): then *o stays, *args become this call's words and *finished
 * is set. Without, the saved options replace *o, with
 * this call's run options kept. 0, or the exit code after one line. */
int resume_run(const resume_kind *k, void *o, const char *dir, int n_result_opts, json_t **args, int argc,
               char **argv, int *finished);
/* The options a run goes on with: on --resume (resume set) those of
 * resume_run, otherwise this command line's, with their manifest words in
 * *args (opt_table_result_args); then checked with k->finish unless
 * resume_run already did. 0, or the exit code after one line. */
int resume_or_start(const resume_kind *k, void *o, int resume, const char *dir, int n_result_opts, json_t **args,
                    int argc, char **argv);
#endif
