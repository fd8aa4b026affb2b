/* model_opts.c - a model's options from its parameter table (see
 * model_opts.h). */
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "manifest.h"
#include "model_opts.h"
#include "options.h"
#include "opt_table.h"

static const char *C = "phase";

int model_opts_init(model_opts *o, const fate_model *m)
{
    memset(o, 0, sizeof *o);
    o->m = m;
    o->text = calloc(m->n_params ? m->n_params : 1, sizeof *o->text);
    o->val = calloc(m->n_params ? m->n_params : 1, sizeof *o->val);
    o->buf = calloc(m->n_params ? m->n_params : 1, sizeof *o->buf);
    if (!o->text || !o->val || !o->buf) return -1;
    for (size_t k = 0; k < m->n_params; k++) o->text[k] = m->params[k].def;
    snprintf(o->default_out, sizeof o->default_out, "fate-phase-%s", m->name);
    o->out = o->default_out;
    o->plot = FATE_PLOT_PNG;
    return 0;
}

void model_opts_free(model_opts *o)
{
    for (size_t k = 0; o->buf && k < o->m->n_params; k++) free(o->buf[k]);
    free(o->buf);
    free(o->val);
    free(o->text);
    o->buf = NULL, o->val = NULL, o->text = NULL;
}

/* "in (0, 10000]" and the like, from the table. */
static void range_text(char *buf, size_t size, const fate_param *p)
{
    if (p->kind == FATE_PARAM_SEED) snprintf(buf, size, "in [0, 2^64 - 1]");
    else
        snprintf(buf, size, "%sin %c%.10g, %.10g]", p->kind == FATE_PARAM_COUNT ? "an integer " : "",
                 p->lo_open ? '(' : '[', p->lo, p->hi);
}

#define F(field) offsetof(model_opts, field)
static const opt_def RUN_OPTS[] = {
    {NULL, NULL, OPT_SECTION, 0, 0, NULL, NULL, "run:", 0, 0, -1L, NULL, 0},
    {"--threads", "T", OPT_THREADS, 0, 0, NULL, NULL,
     "OpenMP threads in " THREADS_RANGE " (default: all cores); results\nare identical for every thread count",
     F(threads), 0, (long)F(have_threads), NULL, OPT_RUN},
    {NULL, NULL, OPT_SECTION, 0, 0, NULL, NULL, "output:", 0, 0, -1L, NULL, 0},
    {"--out", "DIR", OPT_TEXT, 0, 0, "a folder name", NULL, "output folder (default fate-phase-M, M the model)", F(out), 0,
     -1L, NULL, OPT_RUN},
    {"--resume", NULL, OPT_FLAG, 0, 0, NULL, NULL,
     "continue the sweep saved in DIR with its saved parameters\n(the original command line with --resume appended "
     "too;\none that changes a parameter is refused)", F(resume), 0, -1L, NULL, OPT_RUN},
    {"--plot", "LIST", OPT_PLOT, 0, 0, NULL, NULL, "png, svg, pdf, or none (default png)", F(plot), 0,
     (long)F(have_plot), NULL, OPT_RUN},
    {"--quiet", NULL, OPT_FLAG, 0, 0, NULL, NULL, "no progress on stderr", F(quiet), 0, (long)F(have_quiet), NULL,
     OPT_RUN},
    {"--model", "M", OPT_TEXT, 0, 0, "a model name", NULL, "the model M (see the first line)", F(model), 0, -1L, NULL,
     OPT_RUN | OPT_SAVED}};
#undef F
const opt_table MODEL_RUN_TABLE = {"phase", "fate phase --help", RUN_OPTS, sizeof RUN_OPTS / sizeof RUN_OPTS[0],
                                   NULL, NULL};

/* A run option of MODEL_RUN_TABLE at argv[*i]: 1 taken, 0 not one, -1
 * after one line. */
static int run_option(model_opts *o, int argc, char **argv, int *i)
{
    const opt_def *d = opt_table_find(&MODEL_RUN_TABLE, argv[*i]);
    if (!d) return 0;
    const char *v = "";
    if (d->type == OPT_FLAG && strchr(argv[*i], '=')) {
        cli_error(C, "%s is a flag and takes no value, got '%s'", d->name, argv[*i]);
        return -1;
    }
    if (d->type != OPT_FLAG && !(v = opt_value(C, argc, argv, i, d->name))) return -1;
    return opt_table_set(&MODEL_RUN_TABLE, d, v, o) ? -1 : 1;
}

int model_opts_parse(model_opts *o, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            char *h = model_opts_help(o->m);
            fputs(h ? h : "", stdout);
            free(h);
            return 1;
        }
        int r = run_option(o, argc, argv, &i);
        if (r < 0) return -1;
        if (r > 0) continue;
        size_t k = 0;
        char name[128];
        for (; k < o->m->n_params; k++) {
            snprintf(name, sizeof name, "--%s", o->m->params[k].name);
            if (opt_is(a, name)) break;
        }
        if (k == o->m->n_params) {
            cli_error(C, "unknown option '%s' for --model %s (see fate phase --model %s --help)", a, o->m->name,
                      o->m->name);
            return -1;
        }
        if (!(o->text[k] = opt_value(C, argc, argv, &i, name))) return -1;
        o->n_result_opts++;
    }
    return 0;
}

/* One parameter's text into o->val[k]. */
static int finish_one(model_opts *o, size_t k)
{
    const fate_param *p = &o->m->params[k];
    char name[128], range[96];
    snprintf(name, sizeof name, "--%s", p->name);
    range_text(range, sizeof range, p);
    fate_param_value *v = &o->val[k];
    free(o->buf[k]);
    o->buf[k] = NULL;
    *v = (fate_param_value){0};
    if (p->kind == FATE_PARAM_SEED) {
        uint64_t seed;
        if (opt_u64(C, name, o->text[k], &seed)) return -1;
        v->seed = seed;
        return 0;
    }
    if (p->kind == FATE_PARAM_LIST) {
        if (opt_list(C, name, o->text[k], 0, p->lo, p->hi, p->lo_open, range, &o->buf[k], &v->n)) return -1;
        v->v = o->buf[k];
        return 0;
    }
    if (!(o->buf[k] = malloc(sizeof(double)))) return -1;
    v->v = o->buf[k], v->n = 1;
    if (p->kind == FATE_PARAM_REAL)
        return opt_double(C, name, o->text[k], p->lo, p->hi, p->lo_open, range, o->buf[k]);
    size_t z;
    if (opt_size(C, name, o->text[k], (size_t)p->lo, (size_t)p->hi, &z)) return -1;
    o->buf[k][0] = (double)z;
    return 0;
}

int model_opts_finish(model_opts *o)
{
    for (size_t k = 0; k < o->m->n_params; k++)
        if (finish_one(o, k)) return -1;
    return 0;
}

char *model_opts_json(const model_opts *o)
{
    json_t *j = json_object();
    json_object_set_new(j, "model", json_string(o->m->name));
    for (size_t k = 0; k < o->m->n_params; k++) {
        const fate_param *p = &o->m->params[k];
        const fate_param_value *v = &o->val[k];
        json_t *x;
        if (p->kind == FATE_PARAM_SEED) x = json_seed(v->seed);
        else if (p->kind == FATE_PARAM_COUNT) x = json_integer((json_int_t)v->v[0]);
        else if (p->kind == FATE_PARAM_REAL) x = json_real(v->v[0]);
        else {
            x = json_array();
            for (size_t i = 0; i < v->n; i++) json_array_append_new(x, json_real(v->v[i]));
        }
        json_object_set_new(j, p->name, x);
    }
    json_object_set_new(j, "fate_version", json_string(fate_version()));
    char *txt = json_dumps(j, JSON_SORT_KEYS | JSON_INDENT(2) | JSON_REAL_PRECISION(17));
    json_decref(j);
    return txt;
}

char *model_opts_help(const fate_model *m)
{
    char *txt = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&txt, &len);
    if (!f) return NULL;
    size_t nc;
    const fate_column *cols = m->columns(NULL, &nc);
    fprintf(f, "usage: fate phase --model %s [options]\n\n%s.\n", m->name, m->title);
    fprintf(f, "Sweeps %s (rows) x %s (columns), every cell beside its theory; --model\n"
            "takes: linear (fate phase --help), relu2 (fate phase --model relu2 --help)", cols[m->row_axis].name,
            cols[m->col_axis].name);
    for (size_t i = 0; fate_model_at(i); i++)
        if (fate_model_at(i)->params) fprintf(f, ", %s", fate_model_at(i)->name);
    fputs(".\n\nparameters (a LIST is a value, a comma list a,b,c or a range start:stop:count):\n", f);
    for (size_t k = 0; k < m->n_params; k++) {
        const fate_param *p = &m->params[k];
        char head[64], range[96];
        static const char *const meta[] = {"X", "N", "LIST", "S"};
        snprintf(head, sizeof head, "--%s %s", p->name, meta[p->kind]);
        range_text(range, sizeof range, p);
        fprintf(f, "  %-18s %s, %s (default %s)\n", head, p->help, range, p->def);
    }
    opt_table_help(f, &MODEL_RUN_TABLE);
    fprintf(f, "\nWrites DIR/runs.csv (one row per cell and instance), summary.csv (per cell:\n"
            "mean, std and sem over the instances, with theory_* columns), cells/,\n"
            "sweep.json, manifest.json, and the figures map (the mean %s over the grid)\n"
            "and slices (against %s, theory as lines).\n\n"
            "example: fate phase --model %s --instances 4\n",
            cols[m->figure_value].name, cols[m->col_axis].name, m->name);
    fclose(f);
    return txt;
}
