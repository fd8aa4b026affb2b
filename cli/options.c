/* options.c - option parsing shared by every command (see options.h). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fate.h"
#include "options.h"

static const char *error_context;
static unsigned long errors_printed;

void cli_error_context(const char *context)
{
    error_context = context;
}

unsigned long cli_errors_printed(void)
{
    return errors_printed;
}

void cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    errors_printed++;
    fprintf(stderr, "fate%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    if (error_context) fprintf(stderr, "%s: ", error_context);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* strtod over the whole string; 0 on success. strtod itself skips leading
 * whitespace, which would let " 5" through while "5 " is refused. */
static int parse_number(const char *s, double *out)
{
    if (!s || !*s || isspace((unsigned char)*s)) return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

int opt_double(const char *cmd, const char *opt, const char *s, double lo, double hi,
               int lo_open, const char *range_text, double *out)
{
    double v;
    if (parse_number(s, &v) != 0) {
        cli_error(cmd, "%s expects a number %s, got '%s'", opt, range_text, s);
        return -1;
    }
    if (v < lo || v > hi || (lo_open && v == lo)) {
        cli_error(cmd, "%s must be %s, got %s", opt, range_text, s);
        return -1;
    }
    *out = v;
    return 0;
}

/* Decimal digits only, within 2^64-1; 0 on success. strtoull alone would
 * skip leading whitespace and take a sign ("-1" is 2^64-1). */
static int parse_unsigned(const char *s, unsigned long long *out)
{
    if (!s || !*s) return -1;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9') return -1;
    errno = 0;
    unsigned long long v = strtoull(s, NULL, 10);
    if (errno == ERANGE) return -1;
    *out = v;
    return 0;
}

int opt_size(const char *cmd, const char *opt, const char *s, size_t lo, size_t hi, size_t *out)
{
    char range[96];
    if (hi == (size_t)-1)
        snprintf(range, sizeof range, "an integer >= %zu", lo);
    else
        snprintf(range, sizeof range, "an integer in [%zu, %zu]", lo, hi);
    unsigned long long v;
    if (parse_unsigned(s, &v) != 0 || v < lo || v > hi) {
        cli_error(cmd, "%s must be %s, got '%s'", opt, range, s ? s : "");
        return -1;
    }
    *out = (size_t)v;
    return 0;
}

int opt_threads(const char *cmd, const char *opt, const char *s, int *out)
{
    size_t z;
    if (opt_size(cmd, opt, s, 1, FATE_MAX_THREADS, &z)) return -1;
    *out = (int)z;
    return 0;
}

int opt_u64(const char *cmd, const char *opt, const char *s, uint64_t *out)
{
    unsigned long long v;
    if (parse_unsigned(s, &v) != 0) {
        cli_error(cmd, "%s must be an integer in [0, 2^64-1], got '%s'", opt, s ? s : "");
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

int opt_words(const char *cmd, const char *opt, const char *s, const char *const *words,
              const char *range_text, unsigned *out)
{
    unsigned bits = 0;
    int ok = s && *s;
    /* element by element, so that an empty one (",a", "a,,b", "a,") is seen:
     * strtok would skip it */
    for (const char *p = s; ok; p++) {
        size_t len = strcspn(p, ",");
        int k = 0;
        while (words[k] && !(strlen(words[k]) == len && !strncmp(p, words[k], len))) k++;
        if (!words[k]) ok = 0;
        else bits |= 1u << k;
        p += len;
        if (!*p) break;
    }
    if (!ok) {
        cli_error(cmd, "%s must be %s, got '%s'", opt, range_text, s ? s : "");
        return -1;
    }
    *out = bits;
    return 0;
}

int parse_angle(const char *s, double *out)
{
    if (!s || !*s) return -1;
    size_t len = strlen(s);
    char buf[128];
    if (len >= sizeof buf) return -1;
    memcpy(buf, s, len + 1);
    /* "45deg" */
    if (len > 3 && strcmp(buf + len - 3, "deg") == 0) {
        buf[len - 3] = '\0';
        double v;
        if (parse_number(buf, &v) != 0) return -1;
        *out = v * M_PI / 180.0;
        return 0;
    }
    char *pi = strstr(buf, "pi");
    if (!pi) return parse_number(buf, out);
    /* [coef][*]pi[/den] */
    double coef = 1.0, den = 1.0;
    char *after = pi + 2;
    *pi = '\0';
    size_t cl = strlen(buf);
    if (cl > 0 && buf[cl - 1] == '*') {
        buf[--cl] = '\0';
        if (cl == 0) return -1; /* "*pi": a product needs its factor */
    }
    if (cl > 0 && parse_number(buf, &coef) != 0) return -1;
    if (*after == '/') {
        if (parse_number(after + 1, &den) != 0 || den == 0.0) return -1;
    } else if (*after != '\0') {
        return -1;
    }
    *out = coef * M_PI / den;
    return 0;
}

int opt_angle(const char *cmd, const char *opt, const char *s, double *out)
{
    double v;
    if (parse_angle(s, &v) != 0) {
        cli_error(cmd, "%s expects an angle in [0, pi] (radians, or forms like pi/4, 3pi/8, 45deg), got '%s'",
                  opt, s ? s : "");
        return -1;
    }
    /* allow rounding of e.g. 180deg */
    if (v > M_PI && v < M_PI * (1 + 1e-12)) v = M_PI;
    if (!(v >= 0.0 && v <= M_PI)) {
        cli_error(cmd, "%s must be an angle in [0, pi], got '%s'", opt, s);
        return -1;
    }
    *out = v;
    return 0;
}

static int elem(const char *cmd, const char *opt, const char *s, int is_angle, double lo,
                double hi, int lo_open, const char *range_text, double *out)
{
    if (is_angle) return opt_angle(cmd, opt, s, out);
    return opt_double(cmd, opt, s, lo, hi, lo_open, range_text, out);
}

int opt_list(const char *cmd, const char *opt, const char *s, int is_angle, double lo,
             double hi, int lo_open, const char *range_text, double **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    if (!s || !*s) {
        cli_error(cmd, "%s expects a value, a list a,b,c or a range start:stop:count, got ''", opt);
        return -1;
    }
    char *copy = strdup(s);
    if (!copy) return -1;
    double *v = NULL;
    size_t n = 0;
    char *c1 = strchr(copy, ':');
    if (c1) {
        char *c2 = strchr(c1 + 1, ':');
        if (!c2 || strchr(c2 + 1, ':') || strchr(copy, ',')) {
            cli_error(cmd, "%s: a range is start:stop:count, got '%s'", opt, s);
            goto fail;
        }
        *c1 = *c2 = '\0';
        double a, b;
        size_t cnt;
        if (elem(cmd, opt, copy, is_angle, lo, hi, lo_open, range_text, &a) ||
            elem(cmd, opt, c1 + 1, is_angle, lo, hi, lo_open, range_text, &b) ||
            opt_size(cmd, opt, c2 + 1, 1, 1000000, &cnt))
            goto fail;
        if (cnt == 1 && a != b) {
            cli_error(cmd, "%s: a range with count 1 needs start == stop, got '%s'", opt, s);
            goto fail;
        }
        v = malloc(cnt * sizeof *v);
        if (!v) goto fail;
        for (size_t i = 0; i < cnt; i++)
            v[i] = cnt == 1 ? a : a + (b - a) * (double)i / (double)(cnt - 1);
        n = cnt;
    } else {
        size_t cap = 1;
        for (const char *p = copy; *p; p++) cap += *p == ',';
        v = malloc(cap * sizeof *v);
        if (!v) goto fail;
        char *save = NULL;
        for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            if (elem(cmd, opt, tok, is_angle, lo, hi, lo_open, range_text, &v[n])) goto fail;
            n++;
        }
        if (n == 0 || n != cap) {
            cli_error(cmd, "%s must be a comma list of values %s, with no empty element, got '%s'", opt,
                      range_text, s);
            goto fail;
        }
    }
    free(copy);
    *out = v;
    *count = n;
    return 0;
fail:
    free(copy);
    free(v);
    return -1;
}

int opt_is(const char *arg, const char *name)
{
    size_t l = strlen(name);
    return strncmp(arg, name, l) == 0 && (arg[l] == '\0' || arg[l] == '=');
}

const char *opt_value(const char *cmd, int argc, char **argv, int *i, const char *name)
{
    const char *arg = argv[*i];
    size_t l = strlen(name);
    if (arg[l] == '=') return arg + l + 1;
    if (*i + 1 >= argc) {
        cli_error(cmd, "%s needs a value", name);
        return NULL;
    }
    (*i)++;
    return argv[*i];
}

/* --plot: png, svg, pdf (bits 0..2 of the word mask are FATE_PLOT_PNG,
 * _SVG, _PDF) or none alone. */
int parse_plot_formats(const char *cmd, const char *v, unsigned *out)
{
    static const char *const words[] = {"png", "svg", "pdf", "none", NULL};
    const char *range = "a comma list of png, svg, pdf, or none";
    unsigned w;
    if (opt_words(cmd, "--plot", v, words, range, &w)) return -1;
    if ((w & 8) && (w & 7)) { /* none with a format */
        cli_error(cmd, "--plot must be %s, got '%s'", range, v);
        return -1;
    }
    *out = w & 7;
    return 0;
}
