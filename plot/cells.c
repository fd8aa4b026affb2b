/*
 * cells.c - the cell grids the maps share (map.c, category.c): checks,
 * cell edges and world coordinates.
 */
#include "plot_internal.h"

#include <math.h>

int strictly_increasing(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i])) return 0;
        if (i > 0 && !(v[i] > v[i - 1])) return 0;
    }
    return 1;
}

int all_positive(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(v[i] > 0.0)) return 0;
    return 1;
}

void cell_edges(double *edges, const double *c, size_t n)
{
    if (n == 1) {
        double h = c[0] != 0.0 ? 0.1 * fabs(c[0]) : 0.5;
        edges[0] = c[0] - h;
        edges[1] = c[0] + h;
        return;
    }
    for (size_t i = 1; i < n; i++) edges[i] = 0.5 * (c[i - 1] + c[i]);
    edges[0] = c[0] - (edges[1] - c[0]);
    edges[n] = c[n - 1] + (c[n - 1] - edges[n - 1]);
}

void world(double *out, const double *v, size_t n, int log)
{
    for (size_t j = 0; j < n; j++) out[j] = log ? log10(v[j]) : v[j];
}
