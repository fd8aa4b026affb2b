/* options.h - the CLI's shared option parsing: every parser validates its
 * value and, on bad input, prints one line naming the option and its valid
 * range to stderr and returns -1 (the command then exits with status 2). */
#ifndef FATE_CLI_OPTIONS_H
#define FATE_CLI_OPTIONS_H
#include <stddef.h>
#include <stdint.h>

#define FATE_EXIT_USAGE 2
#define FATE_EXIT_RUNTIME 1

/* Prints "fate <cmd>: <message>" to stderr (printf-style), or
 * "fate <cmd>: <context>: <message>" while a context is set. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sets (or, with NULL, clears) the context cli_error puts before messages:
 * --resume uses it so a saved option that no longer parses is reported in
 * one line that names the manifest. */
void cli_error_context(const char *context);
/* How many lines cli_error has printed so far. */
unsigned long cli_errors_printed(void);

/* Numbers: the whole string must parse, be finite and lie in [lo, hi]
 * (range_text describes it, e.g. ">= 0" or "in (0, 1)"). */
int opt_double(const char *cmd, const char *opt, const char *s, double lo, double hi,
               int lo_open, const char *range_text, double *out);
/* Unsigned integers: decimal digits only (no sign, no whitespace). */
int opt_size(const char *cmd, const char *opt, const char *s, size_t lo, size_t hi,
             size_t *out);
int opt_u64(const char *cmd, const char *opt, const char *s, uint64_t *out);
/* Thread count in [1, FATE_MAX_THREADS] (fate.h); THREADS_RANGE is that
 * range as text for help screens. */
#define CLI_STR_(x) #x
#define CLI_STR(x) CLI_STR_(x)
#define THREADS_RANGE "[1, " CLI_STR(FATE_MAX_THREADS) "]"
int opt_threads(const char *cmd, const char *opt, const char *s, int *out);
/* A comma list of words, each one of the NULL-terminated `words`: *out has
 * bit k set for words[k]. Empty elements and unknown words are refused with
 * "<opt> must be <range_text>, got '<s>'". */
int opt_words(const char *cmd, const char *opt, const char *s, const char *const *words,
              const char *range_text, unsigned *out);

/* Angle in radians, also "pi", "pi/4", "3pi/8", "3*pi/8", "0.25pi", "45deg";
 * must lie in [0, pi]. */
int opt_angle(const char *cmd, const char *opt, const char *s, double *out);
/* Parse an angle without range check or messages; 0 on success. */
int parse_angle(const char *s, double *out);

/* A list of values: "a,b,c", or an inclusive range "start:stop:count"
 * (0.1:2.0:20 is 0.1, 0.2, ..., 2.0). Elements parsed as angles when
 * is_angle, else as numbers; each must lie in [lo, hi]. *out is malloc'd. */
int opt_list(const char *cmd, const char *opt, const char *s, int is_angle, double lo,
             double hi, int lo_open, const char *range_text, double **out, size_t *count);

/* Value of an option written "--name value" or "--name=value". Returns the
 * value (advancing *i) or NULL after printing that it is missing. */
const char *opt_value(const char *cmd, int argc, char **argv, int *i, const char *name);
/* 1 if argv[*i] is "--name" or "--name=...". */
int opt_is(const char *arg, const char *name);

/* --plot LIST -> FATE_PLOT_* bits (0 for none); 0 or -1 after an error line */
int parse_plot_formats(const char *cmd, const char *v, unsigned *out);
#endif
