/* ref_file.h - the reader of the checked-in reference files written by
 * tests/ref/make_distance_ref.py and make_score_reg_ref.py: lines
 * "value NAME x" and "matrix NAME ROWS COLS x x ...", '#' comments. Shared by
 * the Criterion tests that read them (include after <criterion/criterion.h>). */
#ifndef FATE_TESTS_REF_FILE_H
#define FATE_TESTS_REF_FILE_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { REF_FILE_MAX = 512 };

typedef struct ref_entry {
    char name[64];
    size_t rows, cols;
    double *data; /* rows * cols values; a scalar is 1 x 1 */
} ref_entry;

typedef struct ref_file {
    const char *path;
    ref_entry e[REF_FILE_MAX];
    size_t n;
} ref_file;

/* Reads r->path once (later calls return at once). */
static inline void ref_file_load(ref_file *r)
{
    if (r->n) return;
    FILE *f = fopen(r->path, "r");
    cr_assert(f != NULL, "cannot open %s", r->path);
    char kind[16];
    for (;;) {
        int c = fgetc(f);
        if (c == EOF) break;
        if (c == '#') { /* comment line */
            while (c != '\n' && c != EOF) c = fgetc(f);
            continue;
        }
        ungetc(c, f);
        if (fscanf(f, "%15s", kind) != 1) break;
        cr_assert(r->n < REF_FILE_MAX, "too many reference entries in %s", r->path);
        ref_entry *e = &r->e[r->n++];
        if (strcmp(kind, "matrix") == 0) {
            cr_assert(fscanf(f, "%63s %zu %zu", e->name, &e->rows, &e->cols) == 3);
        } else {
            cr_assert(strcmp(kind, "value") == 0, "bad line kind %s", kind);
            cr_assert(fscanf(f, "%63s", e->name) == 1);
            e->rows = e->cols = 1;
        }
        e->data = malloc(e->rows * e->cols * sizeof *e->data);
        for (size_t i = 0; i < e->rows * e->cols; i++)
            cr_assert(fscanf(f, "%lf", &e->data[i]) == 1, "bad number in %s", e->name);
    }
    fclose(f);
    cr_assert(r->n > 0, "empty reference file %s", r->path);
}

/* The entry NAME, or NULL. */
static inline const ref_entry *ref_file_find(ref_file *r, const char *name)
{
    ref_file_load(r);
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->e[i].name, name) == 0) return &r->e[i];
    return NULL;
}

/* The entry NAME; the test fails when it is missing. */
static inline const ref_entry *ref_file_get(ref_file *r, const char *name)
{
    const ref_entry *e = ref_file_find(r, name);
    cr_assert(e != NULL, "reference entry %s missing from %s", name, r->path);
    return e;
}

/* Its data, and its shape in *rows, *cols (either may be NULL). */
static inline const double *ref_file_matrix(ref_file *r, const char *name, size_t *rows, size_t *cols)
{
    const ref_entry *e = ref_file_get(r, name);
    if (rows) *rows = e->rows;
    if (cols) *cols = e->cols;
    return e->data;
}
#endif
