/* spec_opts.c - the options `fate run` and `fate phase` share (see
 * spec_opts.h; the entries themselves are SPEC_OPT_DEFS). */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "spec_opts.h"

const char *const SPEC_METHOD_WORDS[] = {"scratch", "lt",       "ft",         "lpft",   "l2sp",
                                         "ridge",   "ridge_cv", "early_stop", "l2sp_w", NULL};

void spec_opts_default(spec_opts *o, size_t instances)
{
    memset(o, 0, sizeof *o);
    fate_spec_default(&o->spec);
    o->instances = instances;
}

/* --k in [1, d - 1] (d when on_axis): its range depends on d, so it is
 * read here rather than by the table. 0 or -1 after one line. */
static int finish_k(const char *C, spec_opts *o, int on_axis)
{
    fate_spec *s = &o->spec;
    if (!o->k_text) return 0;
    const size_t hi = on_axis || s->d == 1 ? s->d : s->d - 1;
    const char *p = o->k_text;
    unsigned long long v = 0;
    int ok = *p != '\0';
    for (; ok && *p; p++) {
        ok = *p >= '0' && *p <= '9' && v <= (unsigned long long)hi;
        v = v * 10 + (unsigned long long)(*p - '0');
    }
    if (!ok || v < 1 || v > hi) {
        cli_error(C, "--k must be in [1, %s = %zu], got %s", hi == s->d ? "d" : "d - 1", hi, o->k_text);
        return -1;
    }
    s->k = (size_t)v;
    return 0;
}

/* --spectrum built at d into the owned eig, --align only with it, and not
 * with k > 1 (the engine has one source teacher under a spectrum). 0 or -1
 * after one line. */
static int finish_spectrum(const char *C, spec_opts *o)
{
    fate_spec *s = &o->spec;
    if (!o->spectrum_text) {
        if (!o->have_align) return 0;
        cli_error(C, "--align needs --spectrum (with isotropic inputs every direction is alike)");
        return -1;
    }
    if (s->k > 1) {
        cli_error(C, "--k with --spectrum is not simulated yet: give one of them");
        return -1;
    }
    if (o->spectrum_text != o->spectrum_own) { /* own the text (see spectrum_own) */
        free(o->spectrum_own);
        o->spectrum_own = strdup(o->spectrum_text);
    }
    free(o->eig); /* a second finish builds it again */
    o->eig = malloc(s->d * sizeof *o->eig);
    if (!o->spectrum_own || !o->eig) {
        cli_error(C, "--spectrum: out of memory at d = %zu", s->d);
        return -1;
    }
    o->spectrum_text = o->spectrum_own;
    if (spectrum_opt_parse(&o->spectrum, C, o->spectrum_text) || spectrum_opt_build(o->eig, s->d, &o->spectrum, C))
        return -1;
    s->spectrum = o->eig;
    s->align = (unsigned)o->align;
    return 0;
}

int spec_opts_check(const char *C, const spec_opts *o)
{
    const fate_spec *s = &o->spec;
    const char *msg = fate_spec_check(s);
    if (!msg) return 0;
    static const char *const geometry[][2] = {{"k ", "--k"}, {"spectrum", "--spectrum"}, {"align", "--align"}};
    for (size_t i = 0; i < sizeof geometry / sizeof geometry[0]; i++)
        if (!strncmp(msg, geometry[i][0], strlen(geometry[i][0]))) {
            cli_error(C, "%s: %s", geometry[i][1], msg);
            return -1;
        }
    cli_error(C, "%s", msg);
    return -1;
}

int spec_opts_finish(const char *C, spec_opts *o, int on_axis)
{
    fate_spec *s = &o->spec;
    if (o->have_gamma_src && o->have_n_src) {
        cli_error(C, "give either --gamma-src or --n-src, not both");
        return -1;
    }
    if (o->have_gamma_src) {
        double n = round(o->gamma_src * (double)s->d);
        if (n < 1) {
            cli_error(C, "--gamma-src must give n_src = round(gamma_src d) >= 1, got %g", o->gamma_src);
            return -1;
        }
        s->n_src = (size_t)n;
    }
    if (s->width == 0) s->width = s->d;
    return finish_k(C, o, on_axis) || finish_spectrum(C, o) ? -1 : 0;
}

void spec_opts_free(spec_opts *o)
{
    free(o->eig);
    o->eig = NULL;
    if (o->spectrum_text == o->spectrum_own) o->spectrum_text = NULL;
    free(o->spectrum_own);
    o->spectrum_own = NULL;
    o->spec.spectrum = NULL;
}

void spec_opts_describe(FILE *f, const spec_opts *o, const char *indent)
{
    const fate_spec *s = &o->spec;
    if (s->k > 1) {
        const double c = cos(s->theta);
        fprintf(f, "%stask geometry: k = %zu pretrained features, rho_par = cos^2 theta = %.4g\n", indent, s->k,
                c * c);
    }
    if (s->spectrum)
        fprintf(f, "%sinputs x ~ N(0, Sigma), spectrum %s (eigenvalues %.4g .. %.4g), align %s\n", indent,
                o->spectrum_text, s->spectrum[0], s->spectrum[s->d - 1], ALIGN_WORDS[o->align]);
}

void spec_opts_json(json_t *obj, const spec_opts *o)
{
    if (o->spec.k > 1) json_object_set_new(obj, "k", json_integer((json_int_t)o->spec.k));
    if (o->spectrum_text) {
        json_object_set_new(obj, "spectrum", json_string(o->spectrum_text));
        json_object_set_new(obj, "align", json_string(ALIGN_WORDS[o->align]));
    }
}

int spec_opts_l2sp_lambda(const char *C, const char *text, fate_spec *s)
{
    if (!strcmp(text, "opt")) {
        s->l2sp_lambda = FATE_LAMBDA_OPT;
        return 0;
    }
    return opt_double(C, "--l2sp-lambda", text, 0.0, 1e12, 0, ">= 0 or opt", &s->l2sp_lambda);
}

json_t *spec_opts_manifest_extra(const spec_opts *o, json_t *overlap)
{
    json_t *g = json_object();
    spec_opts_json(g, o);
    if (overlap) json_object_set_new(g, "overlap", overlap);
    if (!json_object_size(g)) {
        json_decref(g);
        return NULL;
    }
    json_t *extra = json_object();
    json_object_set_new(extra, "geometry", g);
    return extra;
}
