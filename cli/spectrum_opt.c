/* spectrum_opt.c - parsing and building --spectrum, and the teachers of
 * --align (see spectrum_opt.h; THEORY.md section 11). */
#include "spectrum_opt.h"

#include <math.h>
#include <string.h>

#include "fate.h"
#include "options.h"

const char *const ALIGN_WORDS[] = {"random", "top", "tail", NULL};

static const char RANGE[] = "powerlaw:ALPHA (ALPHA in [0, 100]) or spiked:K:RATIO (K >= 1, RATIO > 0)";

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
    cli_error(cmd, "--spectrum must be %s, got '%s'", RANGE, text);
    return -1;
}

int spectrum_opt_build(double *eig, size_t d, const spectrum_opt *s, const char *cmd)
{
    if (s->kind == SPECTRUM_SPIKED && s->k > d) {
        cli_error(cmd, "--spectrum spiked:K:RATIO needs K <= d = %zu, got K = %zu", d, s->k);
        return -1;
    }
    const fate_status st = s->kind == SPECTRUM_POWERLAW ? fate_spectrum_powerlaw(eig, d, s->alpha)
                                                        : fate_spectrum_spiked(eig, d, s->k, s->ratio);
    if (st != FATE_OK) {
        cli_error(cmd, "--spectrum: an eigenvalue is not positive and finite at d = %zu (alpha %g too large)", d,
                  s->alpha);
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
