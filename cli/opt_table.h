/* opt_table.h - a command's options declared once, in a table: each entry
 * gives the name, the type, the valid range, the default, the help text and
 * where the value goes in the command's options struct. From the table come
 * the parsing and validation (one line naming the option and its range on
 * bad input, through options.h), the defaults, the --help lines and which
 * words are result options (saved in the manifest and compared on --resume)
 * and which only steer the run (--out, --threads, --plot, --quiet). */
#ifndef FATE_CLI_OPT_TABLE_H
#define FATE_CLI_OPT_TABLE_H
#include <stddef.h>
#include <stdio.h>

typedef enum opt_type {
    OPT_SECTION = 0, /* no option: a heading line of --help (the help text) */
    OPT_DOUBLE,      /* double in the range */
    OPT_SIZE,        /* size_t in [lo, hi] */
    OPT_U64,         /* unsigned 64-bit integer */
    OPT_THREADS,     /* int in [1, FATE_MAX_THREADS] */
    OPT_LIST,        /* numbers: a,b,c or start:stop:count; malloc'd double * + count */
    OPT_ANGLES,      /* the same, each an angle (pi/4, 45deg, ...) */
    OPT_WORD,        /* one of words: its index, an int */
    OPT_WORDS,       /* a comma list of words: a bit mask, unsigned */
    OPT_FLAG,        /* no value: an int set to 1 */
    OPT_TEXT,        /* a non-empty string: const char * */
    OPT_PLOT,        /* figure formats (parse_plot_formats): unsigned */
    OPT_ANGLE        /* one angle (pi/4, 45deg, ...; opt_angle): double */
} opt_type;

enum {
    OPT_RUN = 1,     /* steers the run only: not a result option */
    OPT_HI_OPEN = 2, /* the range excludes hi (OPT_DOUBLE only: no list needs it) */
    OPT_LO_OPEN = 4, /* the range excludes lo */
    OPT_SAVED = 8    /* with OPT_RUN: not a result option, yet saved in the
                        manifest's words (--model: which parser reads them) */
};

typedef struct opt_def {
    const char *name;   /* "--d" */
    const char *meta;   /* "D" in --help */
    opt_type type;
    double lo, hi;      /* OPT_DOUBLE, OPT_SIZE, OPT_LIST, OPT_ANGLES */
    const char *range;  /* the range as messages say it: ">= 0", "in [0, 1)" */
    const char *def;    /* the default as a command line writes it (NULL: none,
                           the field keeps what the command's init set) */
    const char *help;   /* one or more lines; the default is appended (on a
                           line of its own when the text ends with '\n') */
    size_t off;         /* offsetof the value in the options struct */
    size_t count_off;   /* OPT_LIST, OPT_ANGLES: offsetof the size_t count */
    long given_off;     /* offsetof an int set to 1 when given, or -1 */
    const char *const *words; /* OPT_WORD, OPT_WORDS: NULL-terminated */
    unsigned flags;     /* OPT_RUN, OPT_HI_OPEN, OPT_LO_OPEN */
} opt_def;

typedef struct opt_table {
    const char *cmd;    /* "phase" (messages) */
    const char *see;    /* "fate phase --model relu2 --help" (unknown-option hint) */
    const opt_def *d;
    size_t n;
    const char *intro;  /* --help: the text before the option lines (NULL: */
    const char *outro;  /* opt_table_parse prints nothing) and after them */
} opt_table;

/* The entry of an option word ("--d" or "--d=3"), or NULL. */
const opt_def *opt_table_find(const opt_table *t, const char *arg);
/* Parses value into the field of o; 0, or -1 after one line. */
int opt_table_set(const opt_table *t, const opt_def *d, const char *value, void *o);
/* Applies every default text (entries with def); 0, or -1 (a table bug). */
int opt_table_defaults(const opt_table *t, void *o);
/* Parses argv[first..]: each word must be an option of the table (a FLAG
 * without a value, the others with one). *n_result counts the result
 * options given. "--help" stops the parse: 1, after printing the intro,
 * the option lines and the outro on stdout when the table has an intro.
 * 0, or -1 after one line. */
int opt_table_parse(const opt_table *t, void *o, int argc, char **argv, int first, int *n_result);
/* The --help lines of the table: "  --name META" then the help text at
 * column 21, and "(default X)" when def is set. */
void opt_table_help(FILE *f, const opt_table *t);
/* The words of argv[first..] that define the run, as the manifest saves
 * them for --resume: every option of the table without OPT_RUN, with its
 * value (unknown words are kept: the parse refuses them). New reference. */
struct json_t *opt_table_result_args(const opt_table *t, int argc, char **argv, int first);
/* --resume: copies the OPT_RUN fields of now (those given, for entries with
 * a given flag; --out always) into saved, whose other fields stay. */
void opt_table_keep_run(const opt_table *t, void *saved, const void *now);
/* Frees the lists the table's OPT_LIST / OPT_ANGLES fields hold (NULL,
 * count 0). */
void opt_table_free(const opt_table *t, void *o);
#endif
