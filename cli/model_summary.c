/* model_summary.c - summary.csv of any model (see model_summary.h). */
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
        if (!g->stat || !g->theory) return -1;
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

int model_summary_build(model_summary *s, const fate_model *m, const void *sweep, const job_cells *c)
{
    *s = (model_summary){.m = m, .cols = c->columns, .ncol = c->ncol};
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

static void put_header(FILE *f, const model_summary *s)
{
    for (size_t k = 0; k < s->ncol; k++)
        if (is_key(&s->cols[k])) fprintf(f, "%s,", s->cols[k].name);
    fputs("instances", f);
    for (size_t k = 0; k < s->ncol; k++) {
        const char *nm = s->cols[k].name;
        if (s->cols[k].role != FATE_ROLE_VALUE) continue;
        if (s->cols[k].kind == FATE_COL_REAL) fprintf(f, ",mean_%s,std_%s,sem_%s", nm, nm, nm);
        else fprintf(f, ",mean_%s", nm);
    }
    for (size_t t = 0; t < s->m->n_theory; t++) fprintf(f, ",theory_%s", s->m->theory_names[t]);
    fputc('\n', f);
}

static void put_group(FILE *f, const model_summary *s, const summary_group *g)
{
    for (size_t k = 0; k < s->ncol; k++)
        if (is_key(&s->cols[k])) {
            job_put_value(f, s->m, s->cols[k].kind, g->keys[k]);
            fputc(',', f);
        }
    fprintf(f, "%zu", g->count);
    for (size_t k = 0; k < s->ncol; k++) {
        if (s->cols[k].role != FATE_ROLE_VALUE) continue;
        fputc(',', f);
        put_num(f, g->stat[k].mean);
        if (s->cols[k].kind != FATE_COL_REAL) continue;
        fputc(',', f);
        put_num(f, g->stat[k].sd);
        fputc(',', f);
        put_num(f, g->stat[k].se);
    }
    for (size_t t = 0; t < s->m->n_theory; t++) {
        fputc(',', f);
        put_num(f, g->theory[t]);
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
