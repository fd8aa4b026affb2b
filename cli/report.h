/* report.h - a small document (headings, paragraphs, figures, tables)
 * written both as Markdown (report.md) and HTML (index.html). */
#ifndef FATE_CLI_REPORT_H
#define FATE_CLI_REPORT_H
#include <stddef.h>

typedef struct report report;

report *report_new(const char *title);
void report_free(report *r);
void report_h2(report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void report_p(report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A figure by its path relative to the report folder. */
void report_fig(report *r, const char *relpath, const char *caption);
/* A table of ncols columns: header (ncols strings) and rows (nrows * ncols
 * strings, row-major); all copied. */
void report_table(report *r, size_t ncols, const char *const *header, const char *const *cells,
                  size_t nrows);
/* Writes dir/report.md and dir/index.html atomically; 0, or -1 after
 * printing one line naming the file that failed. */
int report_write(const report *r, const char *dir);
#endif
