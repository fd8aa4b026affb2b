/* test_plot_units.c - the parts of the plot layer that are ours rather than
 * PLplot's, on known inputs: tick choice and labels (plot/ticks.c), the zero
 * contour (plot/contour.c), segment clipping (plot/clip.c), label cleaning
 * and the glyph-width estimate (plot/text.c). No figure is drawn. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plot_internal.h"

#define PI_S "\xcf\x80"

/* ---- ticks ---- */

Test(ticks, nice_step_is_1_2_2p5_5_times_a_power_of_ten)
{
    cr_assert_float_eq(nice_step(1.6, 6.0), 0.25, 1e-15);
    cr_assert_float_eq(nice_step(10.0, 5.0), 2.0, 1e-15);
    cr_assert_float_eq(nice_step(0.07, 7.0), 0.01, 1e-15);
    cr_assert_float_eq(nice_step(3.2e6, 6.0), 5e5, 1e-9);
    cr_assert_float_eq(nice_step(0.0, 6.0), 1.0, 0.0); /* degenerate span */
}

Test(ticks, theta_axis_gets_multiples_of_pi_over_6)
{
    axis_scale a = axis_choose(AX_PI, 0.1, 1.7, 6.0);
    cr_assert_eq(a.kind, AX_PI);
    cr_assert_float_eq(a.step, M_PI / 6.0, 1e-15);
    tick t[MAX_TICKS];
    size_t n = axis_ticks(t, MAX_TICKS, &a, 0.1, 1.7);
    cr_assert_eq(n, 3);
    cr_assert_str_eq(t[0].label, PI_S "/6");
    cr_assert_str_eq(t[1].label, PI_S "/3");
    cr_assert_str_eq(t[2].label, PI_S "/2");
    cr_assert_float_eq(t[2].w, M_PI / 2.0, 1e-12);
}

Test(ticks, wide_pi_axis_steps_by_pi_over_2_with_true_minus_signs)
{
    axis_scale a = axis_choose(AX_PI, -3.5, 3.5, 6.0);
    cr_assert_float_eq(a.step, M_PI / 2.0, 1e-15);
    tick t[MAX_TICKS];
    size_t n = axis_ticks(t, MAX_TICKS, &a, -3.5, 3.5);
    cr_assert_eq(n, 5);
    cr_assert_str_eq(t[0].label, MINUS PI_S);
    cr_assert_str_eq(t[1].label, MINUS PI_S "/2");
    cr_assert_str_eq(t[2].label, "0");
    cr_assert_str_eq(t[4].label, PI_S);
}

Test(ticks, narrow_pi_axis_falls_back_to_decimals)
{
    axis_scale a = axis_choose(AX_PI, 0.70, 0.80, 6.0);
    cr_assert_eq(a.kind, AX_LINEAR);
    cr_assert_float_eq(a.step, 0.02, 1e-15);
    tick t[MAX_TICKS];
    size_t n = axis_ticks(t, MAX_TICKS, &a, 0.70, 0.80);
    cr_assert_eq(n, 6);
    cr_assert_str_eq(t[0].label, "0.70");
    cr_assert_str_eq(t[5].label, "0.80");
}

Test(ticks, linear_axis_of_a_gamma_range)
{
    axis_scale a = axis_choose(AX_LINEAR, 0.15, 1.85, 7.0);
    cr_assert_float_eq(a.step, 0.25, 1e-15);
    tick t[MAX_TICKS];
    size_t n = axis_ticks(t, MAX_TICKS, &a, 0.15, 1.85);
    cr_assert_eq(n, 7);
    cr_assert_str_eq(t[0].label, "0.25");
    cr_assert_str_eq(t[6].label, "1.75");
}

Test(ticks, symmetric_colour_bar_range_has_zero_and_minus_signs)
{
    axis_scale a = axis_choose(AX_LINEAR, -0.96, 0.96, 6.0);
    cr_assert_float_eq(a.step, 0.25, 1e-15);
    tick t[MAX_TICKS];
    size_t n = axis_ticks(t, MAX_TICKS, &a, -0.96, 0.96);
    cr_assert_eq(n, 7);
    cr_assert_str_eq(t[0].label, MINUS "0.75");
    cr_assert_str_eq(t[3].label, "0");
    cr_assert_str_eq(t[6].label, "0.75");
}

Test(ticks, large_and_tiny_values_get_powers_of_ten)
{
    axis_scale a = axis_choose(AX_LINEAR, 0.0, 3.2e6, 6.0);
    char buf[64];
    tick_label(buf, sizeof buf, &a, 1.5e6);
    cr_assert_str_eq(buf, "1.5\xc3\x97" "10#u6#d");
    tick_label(buf, sizeof buf, &a, 1e6); /* decimals of the step, as its neighbours */
    cr_assert_str_eq(buf, "1.0\xc3\x97" "10#u6#d");
    axis_scale b = axis_choose(AX_LINEAR, -4e-5, 4e-5, 6.0);
    tick_label(buf, sizeof buf, &b, -2e-5);
    cr_assert_str_eq(buf, MINUS "2\xc3\x97" "10#u" MINUS "5#d");
    tick_label(buf, sizeof buf, &b, 1e-21); /* rounding noise around 0 */
    cr_assert_str_eq(buf, "0");
}

Test(ticks, span_below_double_precision_gets_no_ticks)
{
    axis_scale a = axis_choose(AX_LINEAR, 1e17, 1e17 + 64.0, 6.0);
    cr_assert_eq(a.step, 0.0);
    tick t[MAX_TICKS];
    cr_assert_eq(axis_ticks(t, MAX_TICKS, &a, 1e17, 1e17 + 64.0), 0);
}

Test(ticks, pi_fractions_are_reduced)
{
    char buf[32];
    format_pi(buf, sizeof buf, 4);
    cr_assert_str_eq(buf, "2" PI_S "/3");
    format_pi(buf, sizeof buf, 6);
    cr_assert_str_eq(buf, PI_S);
    format_pi(buf, sizeof buf, 12);
    cr_assert_str_eq(buf, "2" PI_S);
    format_pi(buf, sizeof buf, -3);
    cr_assert_str_eq(buf, MINUS PI_S "/2");
}

/* n = 8..32 (the relu2 sweeps): no decade but 10 in range, so 2 and 5
 * times a decade are labelled too (plbox would label 10 only). */
Test(ticks, short_log_axis_labels_2_and_5)
{
    tick t[MAX_TICKS];
    size_t n = log_ticks(t, MAX_TICKS, log10(8.0), log10(32.0));
    cr_assert_eq(n, 5); /* 8 9 10 20 30 */
    const char *want[5] = {"", "", "10", "20", ""};
    for (size_t i = 0; i < n; i++) cr_assert_str_eq(t[i].label, want[i], "tick %zu", i);
    cr_assert(t[2].major && !t[0].major && !t[3].major);
}

Test(ticks, log_axis_over_six_decades_labels_decades_in_plain_digits)
{
    tick t[MAX_TICKS];
    size_t n = log_ticks(t, MAX_TICKS, -3.5, 2.2);
    const char *want[6] = {"0.001", "0.01", "0.1", "1", "10", "100"};
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i].label[0] == '\0') continue;
        cr_assert_lt(k, 6);
        cr_assert_str_eq(t[i].label, want[k]);
        k++;
    }
    cr_assert_eq(k, 6);
}

Test(ticks, very_long_log_axis_keeps_every_third_decade)
{
    tick t[MAX_TICKS];
    size_t n = log_ticks(t, MAX_TICKS, 0.0, 20.0);
    cr_assert_eq(n, 7); /* 10^0, 10^3, ..., 10^18 */
    cr_assert_str_eq(t[0].label, "1");
    cr_assert_str_eq(t[1].label, "1000");
    cr_assert_str_eq(t[2].label, "10#u6#d");
}

Test(ticks, sub_decade_log_axis_labels_every_digit)
{
    tick t[MAX_TICKS];
    size_t n = log_ticks(t, MAX_TICKS, log10(2.5), log10(7.5));
    cr_assert_eq(n, 5); /* 3 4 5 6 7, all labelled */
    const char *want[5] = {"3", "4", "5", "6", "7"};
    for (size_t i = 0; i < n; i++) cr_assert_str_eq(t[i].label, want[i]);
}

/* ---- contour ---- */

typedef struct lines {
    size_t n;         /* polylines */
    size_t pts[16];   /* points of each */
    double x[16][64], y[16][64];
} lines;

static void collect(const double *x, const double *y, size_t n, void *arg)
{
    lines *l = arg;
    cr_assert_lt(l->n, 16);
    cr_assert_leq(n, 64);
    memcpy(l->x[l->n], x, n * sizeof *x);
    memcpy(l->y[l->n], y, n * sizeof *y);
    l->pts[l->n++] = n;
}

/* grid 0, 0.25, ..., 1 in x and 0, 0.5, 1 in y */
static const double XG[5] = {0.0, 0.25, 0.5, 0.75, 1.0}, YG[3] = {0.0, 0.5, 1.0};

Test(contour, plane_crosses_where_it_is_zero)
{
    double v[15];
    for (int j = 0; j < 3; j++)
        for (int i = 0; i < 5; i++) v[j * 5 + i] = XG[i] - 0.4;
    static lines l;
    memset(&l, 0, sizeof l);
    cr_assert_eq(contour_zero(XG, YG, v, 5, 3, collect, &l), FATE_OK);
    cr_assert_eq(l.n, 1);
    cr_assert_eq(l.pts[0], 3); /* one crossing per grid row */
    for (size_t k = 0; k < 3; k++) cr_assert_float_eq(l.x[0][k], 0.4, 1e-12);
    cr_assert_float_eq(fmin(l.y[0][0], l.y[0][2]), 0.0, 1e-12);
    cr_assert_float_eq(fmax(l.y[0][0], l.y[0][2]), 1.0, 1e-12);
}

Test(contour, circle_is_one_closed_loop_near_the_radius)
{
    enum { N = 21 };
    double g[N], v[N * N];
    for (int i = 0; i < N; i++) g[i] = -1.0 + 2.0 * i / (N - 1);
    for (int j = 0; j < N; j++)
        for (int i = 0; i < N; i++) v[j * N + i] = g[i] * g[i] + g[j] * g[j] - 0.36;
    static lines l;
    memset(&l, 0, sizeof l);
    cr_assert_eq(contour_zero(g, g, v, N, N, collect, &l), FATE_OK);
    cr_assert_eq(l.n, 1);
    size_t n = l.pts[0];
    cr_assert_gt(n, 20);
    cr_assert_float_eq(l.x[0][0], l.x[0][n - 1], 0.0, "closed");
    cr_assert_float_eq(l.y[0][0], l.y[0][n - 1], 0.0, "closed");
    for (size_t k = 0; k < n; k++)
        cr_assert_float_eq(hypot(l.x[0][k], l.y[0][k]), 0.6, 0.02, "point %zu", k);
}

/* A missing value: the cells around it are skipped and the line breaks
 * there instead of running through it (what plcont would do). */
Test(contour, nan_node_breaks_the_line)
{
    double v[15];
    for (int j = 0; j < 3; j++)
        for (int i = 0; i < 5; i++) v[j * 5 + i] = XG[i] - 0.4;
    v[1 * 5 + 2] = NAN; /* (x 0.5, y 0.5) */
    static lines l;
    memset(&l, 0, sizeof l);
    cr_assert_eq(contour_zero(XG, YG, v, 5, 3, collect, &l), FATE_OK);
    cr_assert_eq(l.n, 0, "both cells beside the crossing touch the NaN node");
    v[1 * 5 + 2] = 0.1;
    v[2 * 5 + 4] = NAN; /* a corner far from the line */
    memset(&l, 0, sizeof l);
    cr_assert_eq(contour_zero(XG, YG, v, 5, 3, collect, &l), FATE_OK);
    cr_assert_eq(l.n, 1);
    cr_assert_eq(l.pts[0], 3);
}

/* Infinite values (the theory at gamma = 1) count by their sign and give
 * finite crossing points. */
Test(contour, infinities_give_finite_points)
{
    double v[15];
    for (int j = 0; j < 3; j++) {
        for (int i = 0; i < 5; i++) v[j * 5 + i] = XG[i] - 0.4;
        v[j * 5 + 0] = -INFINITY;
        v[j * 5 + 4] = INFINITY;
    }
    static lines l;
    memset(&l, 0, sizeof l);
    cr_assert_eq(contour_zero(XG, YG, v, 5, 3, collect, &l), FATE_OK);
    cr_assert_eq(l.n, 1);
    for (size_t k = 0; k < l.pts[0]; k++) {
        cr_assert(isfinite(l.x[0][k]) && isfinite(l.y[0][k]));
        cr_assert_float_eq(l.x[0][k], 0.4, 1e-12);
    }
    cr_assert_eq(contour_zero(XG, YG, v, 1, 3, collect, &l), FATE_EINVAL);
}

/* ---- clipping ---- */

Test(clip, segment_is_cut_at_the_window)
{
    rect r = {0.0, 1.0, 0.0, 1.0};
    double px = -1.0, py = 0.5, qx = 2.0, qy = 0.5;
    int moved = 0;
    cr_assert_eq(clip_segment(&px, &py, &qx, &qy, &r, &moved), 1);
    cr_assert_float_eq(px, 0.0, 1e-15);
    cr_assert_float_eq(qx, 1.0, 1e-15);
    cr_assert(moved);
    px = 0.2, py = 0.2, qx = 0.5, qy = 1e300; /* divergent theory value */
    cr_assert_eq(clip_segment(&px, &py, &qx, &qy, &r, &moved), 1);
    cr_assert_float_eq(qy, 1.0, 1e-12);
    cr_assert(!moved);
    cr_assert_lt(fabs(qx - 0.2), 1e-12);
    px = 2.0, py = 2.0, qx = 3.0, qy = 2.5;
    cr_assert_eq(clip_segment(&px, &py, &qx, &qy, &r, &moved), 0);
}

/* ---- text ---- */

Test(text, labels_are_cleaned_for_plplot)
{
    char buf[TEXT_CAP];
    cr_assert_eq(clean_text(buf, "a #1"), 1);
    cr_assert_str_eq(buf, "a ##1");
    cr_assert_eq(clean_text(buf, "x\xff\ty"), 1);
    cr_assert_str_eq(buf, "x? y");
    cr_assert_eq(clean_text(buf, "   "), 0);
    cr_assert_eq(clean_text(buf, NULL), 0);
    cr_assert_eq(clean_text(buf, "\xed\xa0\x80"), 1); /* a surrogate: invalid */
    cr_assert_str_eq(buf, "???");
}

Test(text, glyph_widths_follow_dejavu_classes)
{
    cr_assert_float_eq(text_em_width("0"), 0.64, 1e-12);
    cr_assert_float_eq(text_em_width(MINUS "0.5"), 0.68 + 0.64 + 0.32 + 0.64, 1e-12);
    cr_assert_float_eq(text_em_width("10#u" MINUS "5#d"), 3 * 0.64 + 0.68, 1e-12);
    cr_assert_float_eq(text_em_width("W"), 0.95, 1e-12);
    cr_assert_float_eq(text_em_width("##"), 0.62, 1e-12);
    cr_assert_float_eq(text_width(30.0, "00"), 2 * 0.64 * 30.0, 1e-9);
}
