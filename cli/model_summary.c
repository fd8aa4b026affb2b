/* model_summary.c - summary.csv of any model (see model_summary.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_summary.h"
#include "options.h"
#include "sweep_io.h"

static int is_key(const fate_column *c) { return c->role == FATE_ROLE_COORD || c->role == FATE_ROLE_KEY; }

/* Rows a and b belong to one group: equal coordinates and keys. */
static int same_group(const model_summary *s, const double *a, const double *b)
{
    for (size_t k = 0; k < s->ncol; k++)
        if (is_key(&s->cols[k]) && memcmp(&a[k], &b[k], sizeof a[k]) != 0) return 0;
    return 1;
}

/* The groups of one cell (v: n rows), appended to s->g in order of first
 * appearance. x: scratch (n). */
static int cell_groups(model_summary *s, const void *sweep, size_t t, size_t j, const double *v, size_t n,
                       double *x, unsigned char *used)
{
    memset(used, 0, n);
    for (size_t r = 0; r < n; r++) {
        if (used[r]) continue;
        summary_group *g = &s->g[s->n++];
        *g = (summary_group){.row = t, .col = j, .keys = v + r * s->ncol};
        g->stat = calloc(s->ncol, sizeof *g->stat);
        g->theory = calloc(s->m->n_theory ? s->m->n_theory : 1, sizeof *g->theory);
        g->extra = malloc((s->n_extra ? s->n_extra : 1) * sizeof *g->extra);
        if (!g->stat || !g->theory || !g->extra) return -1;
        for (size_t e = 0; e < s->n_extra; e++) g->extra[e] = NAN;
        for (size_t q = r; q < n; q++)
            if (!used[q] && same_group(s, g->keys, v + q * s->ncol)) used[q] = 1, g->count++;
        for (size_t k = 0; k < s->ncol; k++) {
            if (s->cols[k].role != FATE_ROLE_VALUE) continue;
            size_t c = 0;
            for (size_t q = r; q < n; q++)
                if (same_group(s, g->keys, v + q * s->ncol)) x[c++] = v[q * s->ncol + k];
            g->stat[k] = stats_finite(x, c);
        }
        if (s->m->theory) s->m->theory(sweep, g->keys, g->theory);
    }
    return 0;
}

int model_summary_build(model_summary *s, const fate_model *m, const void *sweep, const job_cells *c,
                        const summary_entry *layout, size_t n_layout)
{
    *s = (model_summary){.m = m, .cols = c->columns, .ncol = c->ncol, .layout = layout, .n_layout = n_layout};
    for (size_t e = 0; e < n_layout; e++) {
        s->n_extra += layout[e].kind == SUM_EXTRA;
        if ((layout[e].kind == SUM_STATS || layout[e].kind == SUM_MEAN) && model_column(s, layout[e].column) < 0) {
            cli_error("phase", "summary: no column '%s'", layout[e].column);
            return -1;
        }
    }
    size_t total = 0, most = 1;
    for (size_t a = 0; a < c->rows * c->cols; a++) {
        total += c->n[a];
        if (c->n[a] > most) most = c->n[a];
    }
    s->g = calloc(total ? total : 1, sizeof *s->g);
    double *x = malloc(most * sizeof *x);
    unsigned char *used = malloc(most);
    int rc = s->g && x && used ? 0 : -1;
    for (size_t a = 0; rc == 0 && a < c->rows * c->cols; a++) {
        const size_t t = m->col_major ? a % c->rows : a / c->cols, j = m->col_major ? a / c->rows : a % c->cols;
        rc = cell_groups(s, sweep, t, j, c->v[t * c->cols + j], c->n[t * c->cols + j], x, used);
    }
    free(x);
    free(used);
    if (rc) {
        cli_error("phase", "out of memory while summarising the sweep");
        model_summary_free(s);
    }
    return rc;
}

void model_summary_free(model_summary *s)
{
    for (size_t i = 0; s->g && i < s->n; i++) {
        free(s->g[i].stat);
        free(s->g[i].theory);
        free(s->g[i].extra);
    }
    free(s->g);
    s->g = NULL;
    s->n = 0;
}

long model_column(const model_summary *s, const char *name)
{
    for (size_t k = 0; k < s->ncol; k++)
        if (!strcmp(s->cols[k].name, name)) return (long)k;
    return -1;
}

const sample_stat *summary_stat(const model_summary *s, const summary_group *g, const char *column)
{
    const long k = model_column(s, column);
    return k < 0 ? NULL : &g->stat[k];
}

/* The default layout's entry for column k (0 when it has none). */
static int default_entry(const model_summary *s, size_t k, summary_entry *e)
{
    if (s->cols[k].role != FATE_ROLE_VALUE) return 0;
    *e = (summary_entry){s->cols[k].kind == FATE_COL_REAL ? SUM_STATS : SUM_MEAN, s->cols[k].name, NULL};
    return 1;
}

/* The i-th entry of the layout in use, and how many there are. */
static size_t entries(const model_summary *s, summary_entry *out, size_t cap)
{
    if (s->layout) {
        for (size_t e = 0; e < s->n_layout && e < cap; e++) out[e] = s->layout[e];
        return s->n_layout < cap ? s->n_layout : cap;
    }
    size_t n = 0;
    for (size_t k = 0; k < s->ncol && n < cap; k++) n += (size_t)default_entry(s, k, &out[n]);
    if (n < cap) out[n++] = (summary_entry){SUM_THEORY, NULL, NULL};
    return n;
}

enum { MAX_ENTRIES = 64 };

static void put_header(FILE *f, const model_summary *s)
{
    for (size_t k = 0; k < s->ncol; k++)
        if (is_key(&s->cols[k])) fprintf(f, "%s,", s->cols[k].name);
    fputs("instances", f);
    summary_entry e[MAX_ENTRIES];
    const size_t ne = entries(s, e, MAX_ENTRIES);
    for (size_t i = 0; i < ne; i++) {
        const char *c = e[i].column;
        if (e[i].kind == SUM_STATS) fprintf(f, ",mean_%s,std_%s,sem_%s", c, c, c);
        else if (e[i].kind == SUM_MEAN && e[i].name) fprintf(f, ",%s", e[i].name);
        else if (e[i].kind == SUM_MEAN) fprintf(f, ",mean_%s", c);
        else if (e[i].kind == SUM_EXTRA) fprintf(f, ",%s", e[i].name);
        else
            for (size_t t = 0; t < s->m->n_theory; t++) fprintf(f, ",theory_%s", s->m->theory_names[t]);
    }
    fputc('\n', f);
}

static void put_nums(FILE *f, const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        fputc(',', f);
        put_num(f, v[i]);
    }
}

static void put_group(FILE *f, const model_summary *s, const summary_group *g)
{
    for (size_t k = 0; k < s->ncol; k++)
        if (is_key(&s->cols[k])) {
            job_put_value(f, s->m, s->cols[k].kind, g->keys[k]);
            fputc(',', f);
        }
    fprintf(f, "%zu", g->count);
    summary_entry e[MAX_ENTRIES];
    const size_t ne = entries(s, e, MAX_ENTRIES);
    size_t x = 0; /* the next extra */
    for (size_t i = 0; i < ne; i++) {
        if (e[i].kind == SUM_THEORY) {
            put_nums(f, g->theory, s->m->n_theory);
        } else if (e[i].kind == SUM_EXTRA) {
            put_nums(f, &g->extra[x++], 1);
        } else {
            const sample_stat *st = summary_stat(s, g, e[i].column);
            const double v[3] = {st->mean, st->sd, st->se};
            put_nums(f, v, e[i].kind == SUM_STATS ? 3 : 1);
        }
    }
    fputc('\n', f);
}

int model_summary_write(const model_summary *s, const char *dir, file_list *written)
{
    char *txt = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&txt, &len);
    if (!f) {
        cli_error("phase", "out of memory while writing %s/summary.csv", dir);
        return JOB_FAILED;
    }
    put_header(f, s);
    for (size_t i = 0; i < s->n; i++) put_group(f, s, &s->g[i]);
    fclose(f);
    const job_text t = {"summary.csv", txt, len};
    int rc = job_write_texts(dir, &t, 1, written);
    free(txt);
    return rc;
}
