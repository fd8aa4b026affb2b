/*
 * clip.c - polylines cut to the plot window before PLplot sees them.
 * Hand-written because PLplot converts world to device coordinates in int
 * (plP_wcpcx) before it clips: a divergent theory value (1e300, the theory
 * at gamma = 1) would overflow there. Cut exactly here, in double precision,
 * to a window 2% larger than the box, PLplot clips the rest at the box.
 */
#include "plot_internal.h"

#include <plplot/plplot.h>

#include <math.h>
#include <stdlib.h>

int clip_segment(double *px, double *py, double *qx, double *qy, const rect *r,
                 int *start_moved)
{
    double t0 = 0.0, t1 = 1.0;
    double dx = *qx - *px, dy = *qy - *py;
    double pp[4] = {-dx, dx, -dy, dy};
    double qq[4] = {*px - r->x0, r->x1 - *px, *py - r->y0, r->y1 - *py};
    for (int i = 0; i < 4; i++) {
        if (pp[i] == 0.0) {
            if (qq[i] < 0.0) return 0;
            continue;
        }
        double t = qq[i] / pp[i];
        if (pp[i] < 0.0) {
            if (t > t1) return 0;
            if (t > t0) t0 = t;
        } else {
            if (t < t0) return 0;
            if (t < t1) t1 = t;
        }
    }
    double ax = *px, ay = *py;
    *start_moved = t0 > 0.0;
    *px = ax + t0 * dx;
    *py = ay + t0 * dy;
    *qx = ax + t1 * dx;
    *qy = ay + t1 * dy;
    return 1;
}

typedef struct runbuf {
    PLFLT *x, *y;
    size_t n;
} runbuf;

static void run_flush(runbuf *rb)
{
    if (rb->n >= 2) plline((PLINT)rb->n, rb->x, rb->y);
    rb->n = 0;
}

static void run_add(runbuf *rb, double x, double y)
{
    rb->x[rb->n] = x;
    rb->y[rb->n] = y;
    rb->n++;
}

fate_status draw_polyline(const double *x, const double *y, size_t n, const rect *r)
{
    runbuf rb = {malloc((n + 1) * sizeof(PLFLT)), malloc((n + 1) * sizeof(PLFLT)), 0};
    if (rb.x == NULL || rb.y == NULL) {
        free(rb.x);
        free(rb.y);
        return FATE_ENOMEM;
    }
    int open = 0; /* the last point of rb is the end of the previous segment, unclipped */
    for (size_t i = 1; i < n; i++) {
        double px = x[i - 1], py = y[i - 1], qx = x[i], qy = y[i];
        int moved = 0;
        if (!isfinite(px) || !isfinite(py) || !isfinite(qx) || !isfinite(qy) ||
            !clip_segment(&px, &py, &qx, &qy, r, &moved)) {
            run_flush(&rb);
            open = 0;
            continue;
        }
        if (!open || moved) {
            run_flush(&rb);
            run_add(&rb, px, py);
        }
        run_add(&rb, qx, qy);
        open = qx == x[i] && qy == y[i];
        if (!open) run_flush(&rb);
    }
    run_flush(&rb);
    free(rb.x);
    free(rb.y);
    return FATE_OK;
}
