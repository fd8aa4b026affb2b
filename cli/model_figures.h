/* model_figures.h - the figures of any model's sweep from its declared axes
 * and value (fate_model.h): map*.{png,svg,pdf} (the mean value over the
 * grid, with a diverging map centred on zero for a gain) and slices* (the
 * value against the column axis per row coordinate, the theory overlaid). */
#ifndef FATE_CLI_MODEL_FIGURES_H
#define FATE_CLI_MODEL_FIGURES_H
#include "figures.h"
#include "model_summary.h"

/* Draws the figures of a summary over an R x C grid into dir in every format
 * of fmts. A map needs 2 or more increasing coordinates on each axis (a line
 * on stderr says when it is skipped). 0, or -1 after one line. */
int model_figures(const model_summary *s, size_t R, size_t C, const char *dir, unsigned fmts, file_list *out);
#endif
