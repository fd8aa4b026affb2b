/* spectrum_opt.h - the --spectrum and --align options (THEORY.md section
 * 11): the words, the spectrum of Sigma they build, and the teachers that
 * --align places in Sigma's eigenbasis. Shared by the commands that know
 * anisotropic inputs (`fate theory`, `fate run`, `fate phase`). */
#ifndef FATE_CLI_SPECTRUM_OPT_H
#define FATE_CLI_SPECTRUM_OPT_H
#include <stddef.h>

typedef enum spectrum_kind { SPECTRUM_NONE = 0, SPECTRUM_POWERLAW, SPECTRUM_SPIKED, SPECTRUM_FILE } spectrum_kind;

typedef struct spectrum_opt {
    spectrum_kind kind;
    double alpha; /* powerlaw:ALPHA */
    size_t k;     /* spiked:K:RATIO */
    double ratio;
    const char *path; /* file:PATH, pointing into the parsed text */
} spectrum_opt;

/* --align's words, in the order of the enum. */
enum { ALIGN_RANDOM = 0, ALIGN_TOP = 1, ALIGN_TAIL = 2 };
extern const char *const ALIGN_WORDS[];

/* "powerlaw:ALPHA" (ALPHA in [0, 100]), "spiked:K:RATIO" (K >= 1,
 * RATIO > 0) or "file:PATH" (the path is kept, pointing into text, and read
 * by spectrum_opt_build): 0, or -1 after one line naming --spectrum. */
int spectrum_opt_parse(spectrum_opt *out, const char *cmd, const char *text);
/* The eigenvalues at dimension d, largest first: powerlaw and spiked with
 * tr = d; file:PATH as the file gives them (d numbers separated by
 * whitespace, '#' to the end of a line a comment; not rescaled: they are
 * the user's Sigma), sorted largest first because --align top and tail
 * read the ends of that order. 0, or -1 after one line naming --spectrum
 * (K > d, a power law that underflows at d; the file unreadable, a word
 * not a number, an eigenvalue not positive and finite, not d of them). */
int spectrum_opt_build(double *eig, size_t d, const spectrum_opt *s, const char *cmd);
/* Teachers of --align top / tail at angle theta (d >= 2): beta_t along the
 * first (last) eigen-direction, beta_s = cos(theta) beta_t + sin(theta) times
 * the next one inwards. beta_s, beta_t: (d). */
void spectrum_opt_teachers(double *beta_s, double *beta_t, size_t d, int align, double theta);
#endif
