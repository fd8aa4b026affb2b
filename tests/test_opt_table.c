/* test_opt_table.c - the CLI's option tables (cli/opt_table.c, with the
 * parsers of cli/options.c) on a small table over a test struct: the
 * defaults from their texts, parsing (both value forms, flags, word lists,
 * given flags, the count of result options, --help, the one-line messages on
 * bad input), the --help layout, the words the manifest keeps, the run
 * options --resume carries over, and the freeing of lists. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "opt_table.h"
#include "options.h"

/* A leak left by a worker does not fail a Criterion test (LeakSanitizer
 * reports it after the result is in), so under the sanitizer build the
 * tests that free lists ask LeakSanitizer directly: 0 when nothing leaked. */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define LEAKS() __lsan_do_recoverable_leak_check()
#else
#define LEAKS() 0
#endif

typedef struct topts {
    double x;
    int have_x;
    double rcond;
    size_t n;
    uint64_t seed;
    double *list;
    size_t nlist;
    int have_list;
    double *angles;
    size_t nangles;
    double angle;
    int act;
    unsigned methods;
    int flag;
    const char *text;
    double nodef;
    const char *out;
    int have_out;
    int threads;
    int have_threads;
    unsigned plot;
    int have_plot;
    int quiet;
    int model;
} topts;

static const char *const ACTS[] = {"relu", "tanh", "erf", NULL};
static const char *const METHODS[] = {"lt", "ft", "scratch", NULL};
static const char *const MODELS[] = {"relu2", "linear", NULL};

#define F(field) offsetof(topts, field)
#define NO_GIVEN (-1L)
enum {
    I_SECTION, I_X, I_RCOND, I_N, I_SEED, I_LIST, I_ANGLES, I_ANGLE, I_ACT, I_METHODS, I_FLAG, I_TEXT, I_NODEF,
    I_OUT, I_THREADS, I_PLOT, I_QUIET, I_MODEL, N_OPTS
};
static const opt_def OPTS[N_OPTS] = {
    [I_SECTION] = {NULL, NULL, OPT_SECTION, 0, 0, NULL, NULL, "grid:", 0, 0, NO_GIVEN, NULL, 0},
    [I_X] = {"--x", "X", OPT_DOUBLE, 0, 10, "in [0, 10]", "2.5", "the x value", F(x), 0, (long)F(have_x), NULL, 0},
    [I_RCOND] = {"--rcond", "R", OPT_DOUBLE, 0, 1, "in (0, 1)", "1e-3", "cut-off\nof small values", F(rcond), 0,
                 NO_GIVEN, NULL, OPT_LO_OPEN | OPT_HI_OPEN},
    [I_N] = {"--n", "N", OPT_SIZE, 1, 100, NULL, "7", "samples", F(n), 0, NO_GIVEN, NULL, 0},
    [I_SEED] = {"--seed", "S", OPT_U64, 0, 0, NULL, "12345678901234567890", "random seed", F(seed), 0, NO_GIVEN,
                NULL, 0},
    [I_LIST] = {"--list", "LIST", OPT_LIST, 0, 1, "in [0, 1]", "0:1:5", "fractions", F(list), F(nlist),
                (long)F(have_list), NULL, 0},
    [I_ANGLES] = {"--angles", "LIST", OPT_ANGLES, 0, M_PI, "in [0, pi]", "0,pi/2,90deg",
                  "angles in [0, pi]\n(instead of --list)\n", F(angles), F(nangles), NO_GIVEN, NULL, 0},
    [I_ANGLE] = {"--angle", "A", OPT_ANGLE, 0, 0, NULL, "pi/4", "one angle", F(angle), 0, NO_GIVEN, NULL, 0},
    [I_ACT] = {"--act", "A", OPT_WORD, 0, 0, "relu, tanh or erf", "tanh", "activation", F(act), 0, NO_GIVEN, ACTS,
               0},
    [I_METHODS] = {"--methods", "M", OPT_WORDS, 0, 0, "a comma list of lt, ft, scratch", "lt,scratch", "methods",
                   F(methods), 0, NO_GIVEN, METHODS, 0},
    [I_FLAG] = {"--flag", NULL, OPT_FLAG, 0, 0, NULL, NULL, "a flag", F(flag), 0, NO_GIVEN, NULL, 0},
    [I_TEXT] = {"--text", "T", OPT_TEXT, 0, 0, "a name", "hello", "a name", F(text), 0, NO_GIVEN, NULL, 0},
    [I_NODEF] = {"--nodef", "V", OPT_DOUBLE, 0, 1, "in [0, 1]", NULL, "no default", F(nodef), 0, NO_GIVEN, NULL, 0},
    [I_OUT] = {"--out", "DIR", OPT_TEXT, 0, 0, "a folder name", NULL, "output folder", F(out), 0, (long)F(have_out),
               NULL, OPT_RUN},
    [I_THREADS] = {"--threads", "T", OPT_THREADS, 0, 0, NULL, NULL, "threads", F(threads), 0,
                   (long)F(have_threads), NULL, OPT_RUN},
    [I_PLOT] = {"--plot", "LIST", OPT_PLOT, 0, 0, NULL, "png,svg", "figure formats", F(plot), 0, (long)F(have_plot),
                NULL, OPT_RUN},
    [I_QUIET] = {"--quiet", NULL, OPT_FLAG, 0, 0, NULL, NULL, "no progress", F(quiet), 0, NO_GIVEN, NULL, OPT_RUN},
    [I_MODEL] = {"--model", "M", OPT_WORD, 0, 0, "relu2 or linear", NULL, "the model", F(model), 0, NO_GIVEN, MODELS,
                 OPT_RUN | OPT_SAVED}};
#undef F

static const opt_table TABLE = {"test", "fate test --help", OPTS, N_OPTS, NULL, NULL};
static const opt_table TABLE_HELP = {"test", "fate test --help", OPTS, N_OPTS, "usage: fate test [options]\n\n",
                                     "\nthe end\n"};

/* --- capturing a standard stream (stdout or stderr) into a string --- */

typedef struct capture {
    FILE *stream, *tmp;
    int fd, saved;
} capture;

static void capture_begin(capture *c, FILE *stream)
{
    c->stream = stream;
    c->fd = fileno(stream);
    fflush(stream);
    c->tmp = tmpfile();
    cr_assert_not_null(c->tmp);
    c->saved = dup(c->fd);
    cr_assert_geq(c->saved, 0);
    cr_assert_geq(dup2(fileno(c->tmp), c->fd), 0);
}

/* The text written since capture_begin (malloc'd, NUL-terminated). */
static char *capture_end(capture *c)
{
    fflush(c->stream);
    dup2(c->saved, c->fd);
    close(c->saved);
    long len = ftell(c->tmp);
    cr_assert_geq(len, 0);
    rewind(c->tmp);
    char *s = malloc((size_t)len + 1);
    cr_assert_not_null(s);
    size_t got = fread(s, 1, (size_t)len, c->tmp);
    s[got] = '\0';
    fclose(c->tmp);
    return s;
}

/* opt_table_parse over words (argv[0] is the command), capturing stderr
 * into *err (malloc'd) and stdout into *out when out is not NULL. */
static int parse_words(const opt_table *t, topts *o, int *n_result, char **err, char **out, int argc, char **argv)
{
    capture ce, co;
    capture_begin(&ce, stderr);
    if (out) capture_begin(&co, stdout);
    int rc = opt_table_parse(t, o, argc, argv, 1, n_result);
    if (out) *out = capture_end(&co);
    *err = capture_end(&ce);
    return rc;
}

#define PARSE(o, nres, err, ...)                                                                                     \
    parse_words(&TABLE, (o), (nres), (err), NULL, (int)(sizeof((char *[]){"test", __VA_ARGS__}) / sizeof(char *)), \
                (char *[]){"test", __VA_ARGS__})

/* The help lines of a table as a string (malloc'd). */
static char *help_text(const opt_table *t)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    opt_table_help(f, t);
    fclose(f);
    return buf;
}

static void init_defaults(topts *o)
{
    memset(o, 0, sizeof *o);
    cr_assert_eq(opt_table_defaults(&TABLE, o), 0);
}

/* --- defaults --- */

Test(opt_table, defaults_set_every_field_from_its_text)
{
    topts o;
    memset(&o, 0, sizeof o);
    /* fields of entries without a default keep what init set; given flags
     * are reset (a default is not given) */
    o.nodef = 0.75;
    o.flag = 42;
    o.out = "init-out";
    o.threads = 3;
    o.model = 1;
    o.have_x = 1;
    o.have_list = 1;
    o.have_plot = 1;
    cr_assert_eq(opt_table_defaults(&TABLE, &o), 0);

    cr_assert_eq(o.x, 2.5);
    cr_assert_eq(o.rcond, 1e-3);
    cr_assert_eq(o.n, 7);
    cr_assert_eq(o.seed, UINT64_C(12345678901234567890));
    cr_assert_eq(o.nlist, 5);
    cr_assert_not_null(o.list);
    const double want_list[5] = {0.0, 0.25, 0.5, 0.75, 1.0};
    for (size_t i = 0; i < 5; i++) cr_assert_float_eq(o.list[i], want_list[i], 1e-15, "list[%zu] = %g", i, o.list[i]);
    cr_assert_eq(o.nangles, 3);
    cr_assert_not_null(o.angles);
    cr_assert_eq(o.angles[0], 0.0);
    cr_assert_float_eq(o.angles[1], M_PI / 2, 1e-15);
    cr_assert_float_eq(o.angles[2], M_PI / 2, 1e-15);
    cr_assert_float_eq(o.angle, M_PI / 4, 1e-15);
    cr_assert_eq(o.act, 1);          /* tanh */
    cr_assert_eq(o.methods, 1u | 4u); /* lt, scratch */
    cr_assert_str_eq(o.text, "hello");
    cr_assert_eq(o.plot, 1u | 2u); /* png, svg */

    cr_assert_eq(o.nodef, 0.75);
    cr_assert_eq(o.flag, 42);
    cr_assert_str_eq(o.out, "init-out");
    cr_assert_eq(o.threads, 3);
    cr_assert_eq(o.model, 1);
    cr_assert_eq(o.have_x, 0);
    cr_assert_eq(o.have_list, 0);
    cr_assert_eq(o.have_plot, 0);
    opt_table_free(&TABLE, &o);
}

Test(opt_table, defaults_replace_a_list_already_set)
{
    topts o;
    init_defaults(&o);
    double *first = o.list;
    cr_assert_not_null(first);
    /* applying them again frees the old lists (LEAKS() sees them otherwise) */
    cr_assert_eq(opt_table_defaults(&TABLE, &o), 0);
    cr_assert_eq(o.nlist, 5);
    cr_assert_float_eq(o.list[4], 1.0, 1e-15);
    opt_table_free(&TABLE, &o);
    cr_assert_eq(LEAKS(), 0);
}

Test(opt_table, a_bad_default_is_refused)
{
    static const opt_def bad[] = {
        {"--y", "Y", OPT_DOUBLE, 0, 1, "in [0, 1]", "2", "y", offsetof(topts, x), 0, NO_GIVEN, NULL, 0}};
    static const opt_table t = {"test", "fate test --help", bad, 1, NULL, NULL};
    topts o;
    memset(&o, 0, sizeof o);
    capture ce;
    capture_begin(&ce, stderr);
    int rc = opt_table_defaults(&t, &o);
    char *err = capture_end(&ce);
    cr_assert_eq(rc, -1);
    cr_assert_str_eq(err, "fate test: --y must be in [0, 1], got 2\n");
    cr_assert_eq(o.x, 0.0);
    free(err);
}

/* --- find and parse --- */

Test(opt_table, find_matches_whole_names_only)
{
    cr_assert_eq(opt_table_find(&TABLE, "--n"), &OPTS[I_N]);
    cr_assert_eq(opt_table_find(&TABLE, "--n=4"), &OPTS[I_N]);
    cr_assert_eq(opt_table_find(&TABLE, "--nodef"), &OPTS[I_NODEF]);
    cr_assert_eq(opt_table_find(&TABLE, "--nodef=1"), &OPTS[I_NODEF]);
    cr_assert_null(opt_table_find(&TABLE, "--no"));
    cr_assert_null(opt_table_find(&TABLE, "--xx"));
    cr_assert_null(opt_table_find(&TABLE, "x"));
    cr_assert_null(opt_table_find(&TABLE, "grid:"));
}

Test(opt_table, parse_both_value_forms)
{
    topts o;
    init_defaults(&o);
    int nres = 0;
    char *err;
    cr_assert_eq(PARSE(&o, &nres, &err, "--x", "3"), 0);
    cr_assert_eq(o.x, 3.0);
    cr_assert_eq(o.have_x, 1);
    cr_assert_eq(nres, 1);
    cr_assert_str_eq(err, "");
    free(err);
    opt_table_free(&TABLE, &o);

    init_defaults(&o);
    nres = 0;
    cr_assert_eq(PARSE(&o, &nres, &err, "--x=3.5", "--n=12", "--seed", "18446744073709551615"), 0);
    cr_assert_eq(o.x, 3.5);
    cr_assert_eq(o.have_x, 1);
    cr_assert_eq(o.n, 12);
    cr_assert_eq(o.seed, UINT64_MAX);
    cr_assert_eq(nres, 3);
    cr_assert_str_eq(err, "");
    free(err);
    opt_table_free(&TABLE, &o);
}

Test(opt_table, parse_flags_words_lists_and_given_flags)
{
    topts o;
    init_defaults(&o);
    int nres = 0;
    char *err;
    int rc = PARSE(&o, &nres, &err, "--flag", "--act=erf", "--methods", "ft,lt", "--list", "0.5,0.25", "--angles",
                   "pi", "--angle=45deg", "--text", "name", "--plot=none", "--quiet", "--out", "dir", "--threads=2",
                   "--model", "linear", "--rcond", "0.5");
    cr_assert_eq(rc, 0);
    cr_assert_str_eq(err, "");
    cr_assert_eq(o.flag, 1);
    cr_assert_eq(o.act, 2);
    cr_assert_eq(o.methods, 1u | 2u);
    cr_assert_eq(o.nlist, 2);
    cr_assert_eq(o.list[0], 0.5);
    cr_assert_eq(o.list[1], 0.25);
    cr_assert_eq(o.have_list, 1);
    cr_assert_eq(o.nangles, 1);
    cr_assert_float_eq(o.angles[0], M_PI, 1e-15);
    cr_assert_float_eq(o.angle, M_PI / 4, 1e-15);
    cr_assert_str_eq(o.text, "name");
    cr_assert_eq(o.plot, 0u);
    cr_assert_eq(o.have_plot, 1);
    cr_assert_eq(o.quiet, 1);
    cr_assert_str_eq(o.out, "dir");
    cr_assert_eq(o.have_out, 1);
    cr_assert_eq(o.threads, 2);
    cr_assert_eq(o.have_threads, 1);
    cr_assert_eq(o.model, 1);
    cr_assert_eq(o.rcond, 0.5);
    /* not given: their given flags stay 0 */
    cr_assert_eq(o.have_x, 0);
    /* result options: --flag --act --methods --list --angles --angle --text
     * --rcond; not --plot --quiet --out --threads --model (OPT_RUN) */
    cr_assert_eq(nres, 8);
    free(err);
    opt_table_free(&TABLE, &o);
}

Test(opt_table, parse_counts_onto_n_result_and_takes_null)
{
    topts o;
    init_defaults(&o);
    int nres = 5;
    char *err;
    cr_assert_eq(PARSE(&o, &nres, &err, "--out", "d", "--n", "3"), 0);
    cr_assert_eq(nres, 6);
    free(err);
    cr_assert_eq(PARSE(&o, NULL, &err, "--n", "4"), 0);
    cr_assert_eq(o.n, 4);
    free(err);
    opt_table_free(&TABLE, &o);
}

Test(opt_table, help_without_intro_prints_nothing)
{
    topts o;
    init_defaults(&o);
    char *err, *out;
    char *argv[] = {"test", "--x", "4", "--help", "--bogus"};
    int rc = parse_words(&TABLE, &o, NULL, &err, &out, 5, argv);
    cr_assert_eq(rc, 1);
    cr_assert_eq(o.x, 4.0); /* words before --help are parsed */
    cr_assert_str_eq(out, "");
    cr_assert_str_eq(err, "");
    free(err);
    free(out);
    opt_table_free(&TABLE, &o);
}

Test(opt_table, help_with_intro_prints_intro_options_outro)
{
    topts o;
    init_defaults(&o);
    char *err, *out;
    char *argv[] = {"test", "-h"};
    int rc = parse_words(&TABLE_HELP, &o, NULL, &err, &out, 2, argv);
    cr_assert_eq(rc, 1);
    char *lines = help_text(&TABLE_HELP);
    size_t need = strlen(TABLE_HELP.intro) + strlen(lines) + strlen(TABLE_HELP.outro) + 1;
    char *want = malloc(need);
    cr_assert_not_null(want);
    snprintf(want, need, "%s%s%s", TABLE_HELP.intro, lines, TABLE_HELP.outro);
    cr_assert_str_eq(out, want);
    cr_assert(strstr(out, "usage: fate test [options]\n\ngrid:\n  --x X") == out);
    cr_assert_str_eq(err, "");
    free(want);
    free(lines);
    free(err);
    free(out);
    opt_table_free(&TABLE, &o);
}

/* One bad word: -1, the message on stderr, and the field unchanged. */
static void expect_refused(const char *want, int argc, char **argv)
{
    topts o;
    init_defaults(&o);
    const topts before = o;
    char *err;
    int rc = parse_words(&TABLE, &o, NULL, &err, NULL, argc, argv);
    cr_assert_eq(rc, -1, "%s %s: rc %d", argv[1], argc > 2 ? argv[2] : "", rc);
    cr_assert_str_eq(err, want);
    cr_assert_eq(o.x, before.x);
    cr_assert_eq(o.rcond, before.rcond);
    cr_assert_eq(o.n, before.n);
    cr_assert_eq(o.angle, before.angle);
    cr_assert_eq(o.act, before.act);
    cr_assert_eq(o.flag, before.flag);
    cr_assert_eq(o.have_x, 0);
    free(err);
    opt_table_free(&TABLE, &o);
}

#define REFUSED(want, ...)                                                                                 \
    expect_refused((want), (int)(sizeof((char *[]){"test", __VA_ARGS__}) / sizeof(char *)), \
                   (char *[]){"test", __VA_ARGS__})

Test(opt_table, parse_refuses_unknown_options)
{
    REFUSED("fate test: unknown option '--bogus' (see fate test --help)\n", "--bogus");
    REFUSED("fate test: unknown option '--bogus' (see fate test --help)\n", "--bogus=3");
    REFUSED("fate test: unknown option '--xx' (see fate test --help)\n", "--xx", "1");
    REFUSED("fate test: unknown option 'x' (see fate test --help)\n", "x");
}

Test(opt_table, parse_refuses_a_flag_with_a_value)
{
    REFUSED("fate test: --flag is a flag and takes no value, got '--flag=1'\n", "--flag=1");
    REFUSED("fate test: --quiet is a flag and takes no value, got '--quiet='\n", "--quiet=");
}

Test(opt_table, parse_refuses_a_missing_value)
{
    REFUSED("fate test: --x needs a value\n", "--x");
    REFUSED("fate test: --text needs a name\n", "--text=");
}

Test(opt_table, parse_refuses_values_out_of_range)
{
    REFUSED("fate test: --rcond must be in (0, 1), got 1\n", "--rcond", "1");
    REFUSED("fate test: --rcond must be in (0, 1), got 0\n", "--rcond=0");
    REFUSED("fate test: --rcond must be in (0, 1), got 1.5\n", "--rcond=1.5");
    REFUSED("fate test: --x must be in [0, 10], got 10.5\n", "--x", "10.5");
    REFUSED("fate test: --x must be in [0, 10], got -1\n", "--x=-1");
    REFUSED("fate test: --x expects a number in [0, 10], got 'abc'\n", "--x", "abc");
    REFUSED("fate test: --n must be an integer in [1, 100], got '0'\n", "--n", "0");
    REFUSED("fate test: --n must be an integer in [1, 100], got '101'\n", "--n=101");
    REFUSED("fate test: --list must be in [0, 1], got 2\n", "--list", "0,2");
    REFUSED("fate test: --angle must be an angle in [0, pi], got '4'\n", "--angle", "4");
    REFUSED("fate test: --act must be relu, tanh or erf, got 'sigmoid'\n", "--act", "sigmoid");
    REFUSED("fate test: --methods must be a comma list of lt, ft, scratch, got 'lt,,ft'\n", "--methods=lt,,ft");
    REFUSED("fate test: --seed must be an integer in [0, 2^64-1], got '-1'\n", "--seed", "-1");
}

Test(opt_table, parse_keeps_the_fields_parsed_before_an_error)
{
    topts o;
    init_defaults(&o);
    int nres = 0;
    char *err;
    cr_assert_eq(PARSE(&o, &nres, &err, "--x", "1", "--n", "0", "--rcond", "0.5"), -1);
    cr_assert_eq(o.x, 1.0);
    cr_assert_eq(o.have_x, 1);
    cr_assert_eq(o.n, 7);
    cr_assert_eq(o.rcond, 1e-3); /* not reached */
    cr_assert_eq(nres, 1);
    cr_assert_str_eq(err, "fate test: --n must be an integer in [1, 100], got '0'\n");
    free(err);
    opt_table_free(&TABLE, &o);
}

/* --- --help layout --- */

Test(opt_table, help_lines_layout)
{
    char *h = help_text(&TABLE);
    /* "  --name META" padded to column 21, continuation lines indented 21
     * spaces, " (default X)" after the last line, or "(default X)" on its own
     * indented line when the text ends with '\n' */
    const char *want =
        "grid:\n"
        "  --x X              the x value (default 2.5)\n"
        "  --rcond R          cut-off\n"
        "                     of small values (default 1e-3)\n"
        "  --n N              samples (default 7)\n"
        "  --seed S           random seed (default 12345678901234567890)\n"
        "  --list LIST        fractions (default 0:1:5)\n"
        "  --angles LIST      angles in [0, pi]\n"
        "                     (instead of --list)\n"
        "                     (default 0,pi/2,90deg)\n"
        "  --angle A          one angle (default pi/4)\n"
        "  --act A            activation (default tanh)\n"
        "  --methods M        methods (default lt,scratch)\n"
        "  --flag             a flag\n"
        "  --text T           a name (default hello)\n"
        "  --nodef V          no default\n"
        "  --out DIR          output folder\n"
        "  --threads T        threads\n"
        "  --plot LIST        figure formats (default png,svg)\n"
        "  --quiet            no progress\n"
        "  --model M          the model\n";
    cr_assert_str_eq(h, want);
    /* the help text starts at column 21 on every option line */
    for (const char *line = h; *line;) {
        const char *nl = strchr(line, '\n');
        if (line[0] == ' ' && line[1] == ' ' && line[2] == '-') {
            cr_assert_gt(nl - line, 21);
            cr_assert_eq(line[20], ' ');
            cr_assert_neq(line[21], ' ', "line: %.*s", (int)(nl - line), line);
        }
        line = nl + 1;
    }
    free(h);
}

Test(opt_table, help_long_head_and_text_ending_in_newline_without_default)
{
    static const opt_def d[] = {
        {"--a-very-long-option", "NAME", OPT_TEXT, 0, 0, "a name", "z", "long", 0, 0, NO_GIVEN, NULL, 0},
        {"--multi", "M", OPT_TEXT, 0, 0, "a name", NULL, "one\ntwo\nthree", 0, 0, NO_GIVEN, NULL, 0},
        {"--ends", "E", OPT_TEXT, 0, 0, "a name", NULL, "ends in a newline\n", 0, 0, NO_GIVEN, NULL, 0}};
    static const opt_table t = {"test", "fate test --help", d, 3, NULL, NULL};
    char *h = help_text(&t);
    cr_assert_str_eq(h, "  --a-very-long-option NAME long (default z)\n"
                        "  --multi M          one\n"
                        "                     two\n"
                        "                     three\n"
                        "  --ends E           ends in a newline\n"); /* no empty line */
    free(h);
}

/* --- the words --resume keeps --- */

static void expect_args(const char *const *want, size_t nwant, int argc, char **argv)
{
    json_t *a = opt_table_result_args(&TABLE, argc, argv, 1);
    cr_assert_not_null(a);
    cr_assert(json_is_array(a));
    char *dump = json_dumps(a, JSON_COMPACT);
    cr_assert_eq(json_array_size(a), nwant, "got %s", dump);
    for (size_t i = 0; i < nwant; i++) {
        json_t *s = json_array_get(a, i);
        cr_assert(json_is_string(s));
        cr_assert_str_eq(json_string_value(s), want[i], "word %zu of %s", i, dump);
    }
    free(dump);
    json_decref(a);
}

#define ARGS(want, ...)                                                                                         \
    expect_args((want), sizeof(want) / sizeof(want)[0],                                                         \
                (int)(sizeof((char *[]){"test", __VA_ARGS__}) / sizeof(char *)), (char *[]){"test", __VA_ARGS__})

Test(opt_table, result_args_drop_run_options_and_their_values)
{
    static const char *const want[] = {"--x", "3", "--n=4", "--list", "0,1"};
    ARGS(want, "--x", "3", "--out", "dir", "--n=4", "--out=dir2", "--threads", "2", "--plot=svg", "--list", "0,1",
         "--quiet");
}

Test(opt_table, result_args_keep_saved_run_options)
{
    static const char *const want[] = {"--model", "relu2", "--model=linear", "--x=1"};
    ARGS(want, "--model", "relu2", "--out", "d", "--model=linear", "--x=1");
}

Test(opt_table, result_args_keep_unknown_words)
{
    static const char *const want[] = {"--bogus", "v", "--x", "1", "stray"};
    ARGS(want, "--bogus", "v", "--x", "1", "stray");
}

Test(opt_table, result_args_flags_do_not_swallow_the_next_word)
{
    static const char *const want[] = {"--flag", "--x", "1", "--flag", "--n", "2"};
    ARGS(want, "--flag", "--x", "1", "--quiet", "--flag", "--quiet", "--n", "2");
}

Test(opt_table, result_args_value_missing_at_the_end)
{
    /* a result option at the end without its value: kept alone */
    static const char *const want[] = {"--x", "1", "--text"};
    ARGS(want, "--x", "1", "--text");
    /* a run option at the end without its value: dropped */
    static const char *const want2[] = {"--n", "1"};
    ARGS(want2, "--n", "1", "--out");
    /* a run option takes the next word as its value, as the parse does */
    static const char *const want3[] = {"--n", "1"};
    ARGS(want3, "--n", "1", "--out", "--text");
}

/* --- --resume: the run options carried over --- */

Test(opt_table, keep_run_copies_run_options_given)
{
    topts saved, now;
    init_defaults(&saved);
    init_defaults(&now);
    saved.x = 9.0;
    saved.n = 11;
    saved.act = 0;
    saved.out = "old";
    saved.have_out = 0;
    saved.threads = 1;
    saved.have_threads = 0;
    saved.plot = 4;
    saved.have_plot = 0;
    saved.quiet = 0;
    saved.model = 1;
    double *saved_list = saved.list;

    now.x = 1.0;
    now.have_x = 1;
    now.n = 2;
    now.act = 2;
    now.out = "new";
    now.have_out = 1;
    now.threads = 4;
    now.have_threads = 0; /* not given: the saved value stays */
    now.plot = 2;
    now.have_plot = 1;
    now.quiet = 1; /* no given flag: always copied */
    now.model = 0; /* no given flag: always copied */
    opt_table_keep_run(&TABLE, &saved, &now);

    cr_assert_str_eq(saved.out, "new");
    cr_assert_eq(saved.have_out, 1);
    cr_assert_eq(saved.threads, 1);
    cr_assert_eq(saved.have_threads, 0);
    cr_assert_eq(saved.plot, 2u);
    cr_assert_eq(saved.have_plot, 1);
    cr_assert_eq(saved.quiet, 1);
    cr_assert_eq(saved.model, 0);
    /* result fields stay */
    cr_assert_eq(saved.x, 9.0);
    cr_assert_eq(saved.have_x, 0);
    cr_assert_eq(saved.n, 11);
    cr_assert_eq(saved.act, 0);
    cr_assert_eq(saved.list, saved_list);
    cr_assert_eq(saved.nlist, 5);
    cr_assert_float_eq(saved.rcond, 1e-3, 0);
    opt_table_free(&TABLE, &saved);
    opt_table_free(&TABLE, &now);
}

Test(opt_table, keep_run_copies_given_threads)
{
    topts saved, now;
    init_defaults(&saved);
    init_defaults(&now);
    saved.threads = 1;
    now.threads = 4;
    now.have_threads = 1;
    opt_table_keep_run(&TABLE, &saved, &now);
    cr_assert_eq(saved.threads, 4);
    cr_assert_eq(saved.have_threads, 1);
    opt_table_free(&TABLE, &saved);
    opt_table_free(&TABLE, &now);
}

/* --- freeing --- */

Test(opt_table, free_releases_lists_and_nulls_them)
{
    topts o;
    init_defaults(&o);
    cr_assert_not_null(o.list);
    cr_assert_not_null(o.angles);
    opt_table_free(&TABLE, &o);
    cr_assert_null(o.list);
    cr_assert_null(o.angles);
    cr_assert_eq(o.nlist, 0); /* no count left pointing at a freed list */
    cr_assert_eq(o.nangles, 0);
    /* a second free is harmless (free(NULL)) */
    opt_table_free(&TABLE, &o);
    cr_assert_null(o.list);
    cr_assert_eq(LEAKS(), 0);
}
