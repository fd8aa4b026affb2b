/* opt_table.c - options declared once in a table (see opt_table.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "commands.h"
#include "options.h"
#include "opt_table.h"

/* The field of entry d in the options struct o. */
#define FIELD(type, o, off) ((type *)(void *)((char *)(o) + (off)))

const opt_def *opt_table_find(const opt_table *t, const char *arg)
{
    for (size_t k = 0; k < t->n; k++)
        if (t->d[k].type != OPT_SECTION && opt_is(arg, t->d[k].name)) return &t->d[k];
    return NULL;
}

/* A double with the table's range: opt_double covers [lo, hi] and an open
 * lower end; an open upper end (a cut-off in [0, 1)) is checked here. */
static int set_double(const opt_table *t, const opt_def *d, const char *v, double *out)
{
    double x = 0.0;
    if (opt_double(t->cmd, d->name, v, d->lo, d->hi, (d->flags & OPT_LO_OPEN) != 0, d->range, &x)) return -1;
    if ((d->flags & OPT_HI_OPEN) && x >= d->hi) {
        cli_error(t->cmd, "%s must be %s, got %s", d->name, d->range, v);
        return -1;
    }
    *out = x;
    return 0;
}

/* A word among d->words: its index. */
static int set_word(const opt_table *t, const opt_def *d, const char *v, int *out)
{
    for (int k = 0; d->words[k]; k++)
        if (!strcmp(v, d->words[k])) {
            *out = k;
            return 0;
        }
    cli_error(t->cmd, "%s must be %s, got '%s'", d->name, d->range, v);
    return -1;
}

/* A list: the old one freed, the new one malloc'd. */
static int set_list(const opt_table *t, const opt_def *d, const char *v, void *o)
{
    double **list = FIELD(double *, o, d->off);
    size_t *count = FIELD(size_t, o, d->count_off);
    free(*list);
    *list = NULL;
    *count = 0;
    return opt_list(t->cmd, d->name, v, d->type == OPT_ANGLES, d->lo, d->hi, (d->flags & OPT_LO_OPEN) != 0,
                    d->range, list, count);
}

int opt_table_set(const opt_table *t, const opt_def *d, const char *v, void *o)
{
    int rc = 0;
    switch (d->type) {
    case OPT_DOUBLE: rc = set_double(t, d, v, FIELD(double, o, d->off)); break;
    case OPT_SIZE: rc = opt_size(t->cmd, d->name, v, (size_t)d->lo, (size_t)d->hi, FIELD(size_t, o, d->off)); break;
    case OPT_U64: rc = opt_u64(t->cmd, d->name, v, FIELD(uint64_t, o, d->off)); break;
    case OPT_THREADS: rc = opt_threads(t->cmd, d->name, v, FIELD(int, o, d->off)); break;
    case OPT_LIST:
    case OPT_ANGLES: rc = set_list(t, d, v, o); break;
    case OPT_WORD: rc = set_word(t, d, v, FIELD(int, o, d->off)); break;
    case OPT_WORDS: rc = opt_words(t->cmd, d->name, v, d->words, d->range, FIELD(unsigned, o, d->off)); break;
    case OPT_FLAG: *FIELD(int, o, d->off) = 1; break;
    case OPT_TEXT:
        if (!*v) {
            cli_error(t->cmd, "%s needs %s", d->name, d->range);
            return -1;
        }
        *FIELD(const char *, o, d->off) = v;
        break;
    case OPT_PLOT: rc = parse_plot_formats(t->cmd, v, FIELD(unsigned, o, d->off)); break;
    case OPT_ANGLE: rc = opt_angle(t->cmd, d->name, v, FIELD(double, o, d->off)); break;
    case OPT_SECTION: break;
    }
    if (rc) return -1;
    if (d->given_off >= 0) *FIELD(int, o, (size_t)d->given_off) = 1;
    return 0;
}

int opt_table_defaults(const opt_table *t, void *o)
{
    for (size_t k = 0; k < t->n; k++) {
        const opt_def *d = &t->d[k];
        if (d->type == OPT_SECTION || d->type == OPT_FLAG || !d->def) continue;
        if (opt_table_set(t, d, d->def, o)) return -1;
        if (d->given_off >= 0) *FIELD(int, o, (size_t)d->given_off) = 0; /* a default is not given */
    }
    return 0;
}

int opt_table_parse(const opt_table *t, void *o, int argc, char **argv, int first, int *n_result)
{
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            if (t->intro) {
                fputs(t->intro, stdout);
                opt_table_help(stdout, t);
                if (t->outro) fputs(t->outro, stdout);
            }
            return 1;
        }
        const opt_def *d = opt_table_find(t, a);
        if (!d) {
            const char *eq = strchr(a, '=');
            cli_error(t->cmd, "unknown option '%.*s' (see %s)", eq ? (int)(eq - a) : (int)strlen(a), a, t->see);
            return -1;
        }
        const char *v = "";
        if (d->type == OPT_FLAG) {
            if (strchr(a, '=')) {
                cli_error(t->cmd, "%s is a flag and takes no value, got '%s'", d->name, a);
                return -1;
            }
        } else if (!(v = opt_value(t->cmd, argc, argv, &i, d->name))) {
            return -1;
        }
        if (opt_table_set(t, d, v, o)) return -1;
        if (!(d->flags & OPT_RUN) && n_result) (*n_result)++;
    }
    return 0;
}

void opt_table_help(FILE *f, const opt_table *t)
{
    for (size_t k = 0; k < t->n; k++) {
        const opt_def *d = &t->d[k];
        if (d->type == OPT_SECTION) {
            fprintf(f, "%s\n", d->help);
            continue;
        }
        char head[64];
        snprintf(head, sizeof head, "%s%s%s", d->name, d->meta ? " " : "", d->meta ? d->meta : "");
        fprintf(f, "  %-18s ", head);
        /* continuation lines of the help text start at the same column */
        const size_t len = strlen(d->help);
        for (const char *p = d->help; *p; p++) {
            if (*p == '\n' && !p[1] && !d->def) break; /* no empty line after it */
            fputc(*p, f);
            if (*p == '\n' && (p[1] || d->def)) fprintf(f, "%21s", "");
        }
        if (d->def) fprintf(f, "%s(default %s)", len && d->help[len - 1] == '\n' ? "" : " ", d->def);
        fputc('\n', f);
    }
}

json_t *opt_table_result_args(const opt_table *t, int argc, char **argv, int first)
{
    json_t *a = json_array();
    for (int i = first; i < argc; i++) {
        const opt_def *d = opt_table_find(t, argv[i]);
        const int has_value = d && d->type != OPT_FLAG && !strchr(argv[i], '=');
        if (d && (d->flags & OPT_RUN) && !(d->flags & OPT_SAVED)) {
            if (has_value) i++; /* skip its value too */
            continue;
        }
        json_array_append_new(a, json_string(argv[i]));
        if (has_value && i + 1 < argc) json_array_append_new(a, json_string(argv[++i]));
    }
    return a;
}

/* The bytes a field of type `type` takes (lists are not run options). */
static size_t field_size(opt_type type)
{
    switch (type) {
    case OPT_DOUBLE: case OPT_ANGLE: return sizeof(double);
    case OPT_SIZE: return sizeof(size_t);
    case OPT_U64: return sizeof(uint64_t);
    case OPT_THREADS: case OPT_WORD: case OPT_FLAG: return sizeof(int);
    case OPT_WORDS: case OPT_PLOT: return sizeof(unsigned);
    case OPT_TEXT: return sizeof(const char *);
    default: return 0;
    }
}

void opt_table_keep_run(const opt_table *t, void *saved, const void *now)
{
    for (size_t k = 0; k < t->n; k++) {
        const opt_def *d = &t->d[k];
        if (!(d->flags & OPT_RUN)) continue;
        if (d->given_off >= 0 && !*(const int *)(const void *)((const char *)now + d->given_off)) continue;
        memcpy((char *)saved + d->off, (const char *)now + d->off, field_size(d->type));
        if (d->given_off >= 0) *FIELD(int, saved, (size_t)d->given_off) = 1;
    }
}

void opt_table_free(const opt_table *t, void *o)
{
    for (size_t k = 0; k < t->n; k++)
        if (t->d[k].type == OPT_LIST || t->d[k].type == OPT_ANGLES) {
            double **list = FIELD(double *, o, t->d[k].off);
            free(*list);
            *list = NULL;
            *FIELD(size_t, o, t->d[k].count_off) = 0;
        }
}
