/*
 * contour.c - the zero level set of a field on a rectilinear grid, as
 * polylines. Pure (no PLplot): tests/test_plot_units.c checks it on known
 * fields.
 *
 * Hand-written because plcont cannot skip missing values and breaks on
 * divergent ones, and the theory fields drawn over phase maps have both
 * (T diverges at gamma = 1): plcont (src/plcont.c, pldrawcn) takes the sign
 * of f - level with > and <, so a NaN corner counts as lying exactly on the
 * level and yields crossings that are not there, and it interpolates a
 * crossing as f1 / (f1 - f2), which is NaN for an infinite corner (PLplot
 * then converts NaN to int device coordinates). Here a cell with a NaN
 * corner is skipped and infinities count by their sign.
 *
 * Marching squares: crossing points live on grid edges. Horizontal edge
 * (i, j)-(i+1, j) has id j (nx - 1) + i, vertical edge (i, j)-(i, j+1) has id
 * nh + j nx + i. Each has at most two neighbours (one per adjacent cell);
 * the segments are chained into polylines by walking the neighbours.
 */
#include "plot_internal.h"

#include <math.h>
#include <stdlib.h>

typedef struct contour {
    const double *xg, *yg, *v;
    size_t nx, ny, nh, nnodes;
    long *adj; /* 2 per node, -1: none */
    unsigned char *seen;
    double *px, *py; /* one chain */
} contour;

static double cval(const contour *c, size_t i, size_t j)
{
    double v = c->v[j * c->nx + i];
    if (v > 1e300) return 1e300;
    if (v < -1e300) return -1e300;
    return v;
}

/* The crossing on edge `id`, linearly interpolated. */
static void node_xy(const contour *c, size_t id, double *x, double *y)
{
    if (id < c->nh) {
        size_t j = id / (c->nx - 1), i = id % (c->nx - 1);
        double a = cval(c, i, j), b = cval(c, i + 1, j);
        double t = a == b ? 0.5 : a / (a - b);
        *x = c->xg[i] + t * (c->xg[i + 1] - c->xg[i]);
        *y = c->yg[j];
    } else {
        size_t k = id - c->nh, j = k / c->nx, i = k % c->nx;
        double a = cval(c, i, j), b = cval(c, i, j + 1);
        double t = a == b ? 0.5 : a / (a - b);
        *x = c->xg[i];
        *y = c->yg[j] + t * (c->yg[j + 1] - c->yg[j]);
    }
}

static void link_nodes(contour *c, size_t a, size_t b)
{
    long *pa = c->adj + 2 * a, *pb = c->adj + 2 * b;
    if (pa[0] < 0) pa[0] = (long)b;
    else pa[1] = (long)b;
    if (pb[0] < 0) pb[0] = (long)a;
    else pb[1] = (long)a;
}

/* The segments of cell (i, j). */
static void cell_segments(contour *c, size_t i, size_t j)
{
    size_t nx = c->nx;
    double v00 = c->v[j * nx + i], v10 = c->v[j * nx + i + 1];
    double v01 = c->v[(j + 1) * nx + i], v11 = c->v[(j + 1) * nx + i + 1];
    if (isnan(v00) || isnan(v10) || isnan(v01) || isnan(v11)) return;
    int b00 = v00 >= 0.0, b10 = v10 >= 0.0, b11 = v11 >= 0.0, b01 = v01 >= 0.0;
    size_t bottom = j * (nx - 1) + i, top = (j + 1) * (nx - 1) + i;
    size_t left = c->nh + j * nx + i, right = c->nh + j * nx + i + 1;
    size_t e[4];
    int ne = 0;
    if (b00 != b10) e[ne++] = bottom;
    if (b10 != b11) e[ne++] = right;
    if (b11 != b01) e[ne++] = top;
    if (b01 != b00) e[ne++] = left;
    if (ne == 2) {
        link_nodes(c, e[0], e[1]);
    } else if (ne == 4) {
        /* saddle: the centre value decides which corners are cut off */
        double centre = 0.25 * (cval(c, i, j) + cval(c, i + 1, j) + cval(c, i, j + 1) +
                                cval(c, i + 1, j + 1));
        if ((centre >= 0.0) == b00) { /* cut off corners (1,0) and (0,1) */
            link_nodes(c, bottom, right);
            link_nodes(c, top, left);
        } else { /* cut off corners (0,0) and (1,1) */
            link_nodes(c, bottom, left);
            link_nodes(c, top, right);
        }
    }
}

/* Walks the chain from node `start` and hands it to emit. */
static void contour_walk(contour *c, size_t start, polyline_fn emit, void *arg)
{
    size_t n = 0;
    long prevn = -1, cur = (long)start;
    while (cur >= 0 && !c->seen[cur]) {
        c->seen[cur] = 1;
        node_xy(c, (size_t)cur, &c->px[n], &c->py[n]);
        n++;
        const long *a = c->adj + 2 * cur;
        long next = -1;
        for (int k = 0; k < 2; k++)
            if (a[k] >= 0 && a[k] != prevn && !c->seen[a[k]]) {
                next = a[k];
                break;
            }
        if (next < 0 && n > 2 && (a[0] == (long)start || a[1] == (long)start)) {
            c->px[n] = c->px[0]; /* closed loop: back to the start */
            c->py[n] = c->py[0];
            n++;
        }
        prevn = cur;
        cur = next;
    }
    if (n >= 2) emit(c->px, c->py, n, arg);
}

fate_status contour_zero(const double *xg, const double *yg, const double *v, size_t nx,
                         size_t ny, polyline_fn emit, void *arg)
{
    if (nx < 2 || ny < 2) return FATE_EINVAL;
    contour c = {.xg = xg, .yg = yg, .v = v, .nx = nx, .ny = ny};
    c.nh = ny * (nx - 1);
    c.nnodes = c.nh + (ny - 1) * nx;
    c.adj = malloc(2 * c.nnodes * sizeof *c.adj);
    c.seen = calloc(c.nnodes, 1);
    c.px = malloc((c.nnodes + 1) * sizeof *c.px);
    c.py = malloc((c.nnodes + 1) * sizeof *c.py);
    fate_status st = FATE_ENOMEM;
    if (c.adj && c.seen && c.px && c.py) {
        for (size_t k = 0; k < 2 * c.nnodes; k++) c.adj[k] = -1;
        for (size_t j = 0; j + 1 < ny; j++)
            for (size_t i = 0; i + 1 < nx; i++) cell_segments(&c, i, j);
        for (size_t id = 0; id < c.nnodes; id++) /* open chains first, from an end */
            if (!c.seen[id] && c.adj[2 * id] >= 0 && c.adj[2 * id + 1] < 0)
                contour_walk(&c, id, emit, arg);
        for (size_t id = 0; id < c.nnodes; id++) /* then closed loops */
            if (!c.seen[id] && c.adj[2 * id] >= 0) contour_walk(&c, id, emit, arg);
        st = FATE_OK;
    }
    free(c.adj);
    free(c.seen);
    free(c.px);
    free(c.py);
    return st;
}
