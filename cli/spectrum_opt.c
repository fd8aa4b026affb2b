/* spectrum_opt.c - parsing and building --spectrum, and the teachers of
 * --align (see spectrum_opt.h; THEORY.md section 11). */
#include "spectrum_opt.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fate.h"
#include "options.h"

const char *const ALIGN_WORDS[] = {"random", "top", "tail", NULL};

static const char RANGE[] =
    "powerlaw:ALPHA (ALPHA in [0, 100]), spiked:K:RATIO (K >= 1, RATIO > 0) or file:PATH";

int spectrum_opt_parse(spectrum_opt *out, const char *cmd, const char *text)
{
    memset(out, 0, sizeof *out);
    if (!strncmp(text, "powerlaw:", 9)) {
        out->kind = SPECTRUM_POWERLAW;
        return opt_double(cmd, "--spectrum", text + 9, 0.0, 100.0, 0, RANGE, &out->alpha);
    }
    if (!strncmp(text, "spiked:", 7)) {
        const char *k = text + 7, *colon = strchr(k, ':');
        char buf[32];
        if (!colon || (size_t)(colon - k) >= sizeof buf) {
            cli_error(cmd, "--spectrum must be %s, got '%s'", RANGE, text);
            return -1;
        }
        memcpy(buf, k, (size_t)(colon - k));
        buf[colon - k] = '\0';
        out->kind = SPECTRUM_SPIKED;
        if (opt_size(cmd, "--spectrum", buf, 1, 100000000, &out->k)) return -1;
        return opt_double(cmd, "--spectrum", colon + 1, 0.0, 1e12, 1, RANGE, &out->ratio);
    }
    if (!strncmp(text, "file:", 5) && text[5]) {
        out->kind = SPECTRUM_FILE;
        out->path = text + 5;
        return 0;
    }
    cli_error(cmd, "--spectrum must be %s, got '%s'", RANGE, text);
    return -1;
}

/* One line's numbers appended to eig (room for d; *n counts them all, so
 * that a file with too many says how many). 0, or -1 after one line. */
static int read_line_values(double *eig, size_t d, size_t *n, char *line, size_t lineno, const char *path,
                            const char *cmd)
{
    line[strcspn(line, "#")] = '\0'; /* a comment runs to the end of the line */
    for (char *tok = strtok(line, " \t\r\n\v\f,"); tok; tok = strtok(NULL, " \t\r\n\v\f,")) {
        char *end;
        errno = 0;
        const double v = strtod(tok, &end);
        if (*end) {
            cli_error(cmd, "--spectrum file:%s line %zu: '%.40s' is not a number", path, lineno, tok);
            return -1;
        }
        if (!(v > 0.0) || !isfinite(v)) {
            cli_error(cmd, "--spectrum file:%s line %zu: eigenvalue '%.40s' must be positive and finite", path,
                      lineno, tok);
            return -1;
        }
        if (*n < d) eig[*n] = v;
        (*n)++;
    }
    return 0;
}

static int desc(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

/* file:PATH: d eigenvalues as given (the user's Sigma, not rescaled),
 * sorted largest first. 0, or -1 after one line. */
static int read_spectrum_file(double *eig, size_t d, const char *path, const char *cmd)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        cli_error(cmd, "--spectrum file:%s: cannot read it: %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0, n = 0, lineno = 0;
    int rc = 0;
    while (rc == 0 && getline(&line, &cap, f) >= 0)
        rc = read_line_values(eig, d, &n, line, ++lineno, path, cmd);
    if (rc == 0 && ferror(f)) {
        cli_error(cmd, "--spectrum file:%s: cannot read it: %s", path, strerror(errno));
        rc = -1;
    }
    free(line);
    fclose(f);
    if (rc == 0 && n != d) {
        cli_error(cmd, "--spectrum file:%s holds %zu eigenvalues; d = %zu needs exactly %zu", path, n, d, d);
        rc = -1;
    }
    if (rc == 0) qsort(eig, d, sizeof *eig, desc);
    return rc;
}

int spectrum_opt_build(double *eig, size_t d, const spectrum_opt *s, const char *cmd)
{
    if (s->kind == SPECTRUM_FILE) return read_spectrum_file(eig, d, s->path, cmd);
    if (s->kind == SPECTRUM_SPIKED && s->k > d) {
        cli_error(cmd, "--spectrum spiked:K:RATIO needs K <= d = %zu, got K = %zu", d, s->k);
        return -1;
    }
    const fate_status st = s->kind == SPECTRUM_POWERLAW ? fate_spectrum_powerlaw(eig, d, s->alpha)
                                                        : fate_spectrum_spiked(eig, d, s->k, s->ratio);
    if (st != FATE_OK) {
        if (s->kind == SPECTRUM_POWERLAW)
            cli_error(cmd, "--spectrum: an eigenvalue is not positive and finite at d = %zu (alpha %g too large)", d,
                      s->alpha);
        else
            cli_error(cmd, "--spectrum: an eigenvalue is not positive and finite at d = %zu (ratio %g out of range)",
                      d, s->ratio);
        return -1;
    }
    return 0;
}

void spectrum_opt_teachers(double *beta_s, double *beta_t, size_t d, int align, double theta)
{
    memset(beta_s, 0, d * sizeof *beta_s);
    memset(beta_t, 0, d * sizeof *beta_t);
    const size_t i = align == ALIGN_TOP ? 0 : d - 1, j = align == ALIGN_TOP ? 1 : d - 2;
    beta_t[i] = 1.0;
    /* sin at min(theta, pi - theta), as section 3: sin(pi) is not 0 in doubles */
    beta_s[i] = cos(theta);
    beta_s[j] = sin(fmin(theta, M_PI - theta));
}
