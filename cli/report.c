/* report.c - report.md and index.html from one list of blocks (report.h). */
#define _GNU_SOURCE /* vasprintf */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "sweep_io.h"

enum { B_H2, B_P, B_FIG, B_TABLE };

typedef struct block {
    int kind;
    char *text;    /* heading, paragraph, caption */
    char *path;    /* figure */
    size_t ncols, nrows;
    char **cells;  /* header row first */
} block;

struct report {
    char *title;
    block *b;
    size_t n, cap;
};

report *report_new(const char *title)
{
    report *r = calloc(1, sizeof *r);
    if (r) r->title = strdup(title);
    return r;
}

void report_free(report *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->n; i++) {
        free(r->b[i].text);
        free(r->b[i].path);
        if (r->b[i].cells)
            for (size_t k = 0; k < (r->b[i].nrows + 1) * r->b[i].ncols; k++) free(r->b[i].cells[k]);
        free(r->b[i].cells);
    }
    free(r->b);
    free(r->title);
    free(r);
}

static block *add(report *r, int kind)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 32;
        block *nb = realloc(r->b, cap * sizeof *nb);
        if (!nb) return NULL;
        r->b = nb;
        r->cap = cap;
    }
    block *b = &r->b[r->n++];
    memset(b, 0, sizeof *b);
    b->kind = kind;
    return b;
}

static char *vfmt(const char *fmt, va_list ap)
{
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0) return NULL;
    return s;
}

void report_h2(report *r, const char *fmt, ...)
{
    block *b = add(r, B_H2);
    if (!b) return;
    va_list ap;
    va_start(ap, fmt);
    b->text = vfmt(fmt, ap);
    va_end(ap);
}

void report_p(report *r, const char *fmt, ...)
{
    block *b = add(r, B_P);
    if (!b) return;
    va_list ap;
    va_start(ap, fmt);
    b->text = vfmt(fmt, ap);
    va_end(ap);
}

void report_fig(report *r, const char *relpath, const char *caption)
{
    block *b = add(r, B_FIG);
    if (!b) return;
    b->path = strdup(relpath);
    b->text = strdup(caption ? caption : "");
}

void report_table(report *r, size_t ncols, const char *const *header, const char *const *cells,
                  size_t nrows)
{
    block *b = add(r, B_TABLE);
    if (!b) return;
    b->ncols = ncols;
    b->nrows = nrows;
    b->cells = calloc((nrows + 1) * ncols, sizeof *b->cells);
    if (!b->cells) return;
    for (size_t k = 0; k < ncols; k++) b->cells[k] = strdup(header[k]);
    for (size_t k = 0; k < nrows * ncols; k++) b->cells[ncols + k] = strdup(cells[k]);
}

static void html_escape(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '<') fputs("&lt;", f);
        else if (*s == '>') fputs("&gt;", f);
        else if (*s == '&') fputs("&amp;", f);
        else if (*s == '"') fputs("&quot;", f);
        else fputc(*s, f);
    }
}

int report_write(const report *r, const char *dir)
{
    char *md = NULL, *html = NULL;
    size_t mdl = 0, htl = 0;
    FILE *m = open_memstream(&md, &mdl), *h = open_memstream(&html, &htl);
    if (!m || !h) {
        fprintf(stderr, "fate: out of memory writing the report in %s\n", dir);
        if (m) fclose(m);
        if (h) fclose(h);
        free(md);
        free(html);
        return -1;
    }
    fprintf(m, "# %s\n\n", r->title);
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>", h);
    html_escape(h, r->title);
    fputs("</title>\n<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;"
          "padding:0 1em;color:#222;line-height:1.45}img{max-width:100%;border:1px solid #ddd}"
          "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;"
          "padding:.25em .6em;text-align:right}th{background:#f3f3f3}figure{margin:1.5em 0}"
          "figcaption{color:#555;font-size:.95em}code{background:#f5f5f5}</style></head><body>\n<h1>", h);
    html_escape(h, r->title);
    fputs("</h1>\n", h);
    for (size_t i = 0; i < r->n; i++) {
        const block *b = &r->b[i];
        switch (b->kind) {
        case B_H2:
            fprintf(m, "## %s\n\n", b->text);
            fputs("<h2>", h);
            html_escape(h, b->text);
            fputs("</h2>\n", h);
            break;
        case B_P:
            fprintf(m, "%s\n\n", b->text);
            fputs("<p>", h);
            html_escape(h, b->text);
            fputs("</p>\n", h);
            break;
        case B_FIG:
            fprintf(m, "![%s](%s)\n\n*%s*\n\n", b->text, b->path, b->text);
            fputs("<figure><img src=\"", h);
            html_escape(h, b->path);
            fputs("\" alt=\"", h);
            html_escape(h, b->text);
            fputs("\"><figcaption>", h);
            html_escape(h, b->text);
            fputs("</figcaption></figure>\n", h);
            break;
        case B_TABLE:
            if (!b->cells) break;
            fputs("<table>\n", h);
            for (size_t row = 0; row <= b->nrows; row++) {
                fputs("|", m);
                fputs("<tr>", h);
                for (size_t c = 0; c < b->ncols; c++) {
                    const char *cell = b->cells[row * b->ncols + c];
                    fprintf(m, " %s |", cell ? cell : "");
                    fputs(row == 0 ? "<th>" : "<td>", h);
                    html_escape(h, cell);
                    fputs(row == 0 ? "</th>" : "</td>", h);
                }
                fputs("\n", m);
                fputs("</tr>\n", h);
                if (row == 0) {
                    fputs("|", m);
                    for (size_t c = 0; c < b->ncols; c++) fputs("---|", m);
                    fputs("\n", m);
                }
            }
            fputs("\n", m);
            fputs("</table>\n", h);
            break;
        }
    }
    fputs("</body></html>\n", h);
    fclose(m);
    fclose(h);
    char path[4096];
    int rc = 0;
    const char *names[2] = {"report.md", "index.html"}, *texts[2] = {md, html};
    const size_t lens[2] = {mdl, htl};
    for (int k = 0; k < 2 && rc == 0; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[k]);
        rc = write_atomic(path, texts[k], lens[k]);
        if (rc != 0) fprintf(stderr, "fate: cannot write %s: %s\n", path, strerror(errno));
    }
    free(md);
    free(html);
    return rc ? -1 : 0;
}
