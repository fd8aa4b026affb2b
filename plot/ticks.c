/*
 * ticks.c - which ticks an axis gets and what their labels say. Pure
 * functions, no PLplot (tests/test_plot_units.c checks them on known ranges).
 *
 * PLplot draws the ticks (plbox with an explicit interval) and asks
 * tick_label for the text (plslabelfunc), so the choice made here is the
 * only part that is our own: PLplot's automatic interval (pldtik) knows no
 * multiples of pi, its labels use '-' and the C locale's printf (a decimal
 * comma under some LC_NUMERIC), and its logarithmic axes label decades only,
 * so a log axis shorter than a decade (n = 8..32) would have no label at all.
 */
#include "plot_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

double nice_step(double span, double target)
{
    if (!(span > 0.0) || !isfinite(span)) return 1.0;
    double raw = span / target;
    double mag = pow(10.0, floor(log10(raw)));
    double r = raw / mag;
    double m = r < 1.5 ? 1.0 : r < 2.25 ? 2.0 : r < 3.5 ? 2.5 : r < 7.5 ? 5.0 : 10.0;
    return m * mag;
}

/* Decimals needed to print multiples of step exactly (0..9). */
static int step_decimals(double step)
{
    for (int d = 0; d < 10; d++) {
        double v = step * pow(10.0, d);
        if (fabs(v - nearbyint(v)) < 1e-6 * fmax(1.0, fabs(v))) return d;
    }
    return 9;
}

/* Formats v with d decimals, using digits only (no locale: printf's %f
 * would print a decimal comma under some LC_NUMERIC) and U+2212 for minus. */
static void format_fixed(char *buf, size_t cap, double v, int d)
{
    double scale = pow(10.0, d);
    double a = nearbyint(fabs(v) * scale);
    if (a == 0.0) {
        snprintf(buf, cap, "0");
        return;
    }
    long long ia = (long long)a;
    long long sc = (long long)scale;
    const char *sign = v < 0.0 ? MINUS : "";
    if (d == 0) snprintf(buf, cap, "%s%lld", sign, ia);
    else snprintf(buf, cap, "%s%lld.%0*lld", sign, ia / sc, d, ia % sc);
}

/* "m×10^e" with PLplot's superscript escapes; m == 1 gives "10^e". */
static void format_pow10(char *buf, size_t cap, const char *mant, int e)
{
    const char *es = e < 0 ? MINUS : "";
    if (strcmp(mant, "1") == 0) snprintf(buf, cap, "10#u%s%d#d", es, abs(e));
    else if (strcmp(mant, MINUS "1") == 0) snprintf(buf, cap, MINUS "10#u%s%d#d", es, abs(e));
    else snprintf(buf, cap, "%s\xc3\x97" "10#u%s%d#d", mant, es, abs(e));
}

/* Label of a linear tick. Ticks of very large or very small magnitude get
 * a power of ten: "1.5×10⁻⁵", with the mantissa's decimals taken from the
 * step. */
static void format_linear(char *buf, size_t cap, double v, double step, double vmax_abs)
{
    if (vmax_abs < 1e6 && step >= 1e-4) {
        format_fixed(buf, cap, v, step_decimals(step));
        return;
    }
    if (fabs(v) < 1e-9 * step) {
        snprintf(buf, cap, "0");
        return;
    }
    int e = (int)floor(log10(fabs(v)));
    double p10 = pow(10.0, e);
    char mant[32];
    format_fixed(mant, sizeof mant, v / p10, step_decimals(step / p10));
    format_pow10(buf, cap, mant, e);
}

void format_pi(char *buf, size_t cap, long k)
{
    if (k == 0) {
        snprintf(buf, cap, "0");
        return;
    }
    const char *sign = k < 0 ? MINUS : "";
    long n = labs(k), d = 6;
    long a = n, b = d;
    while (b) {
        long t = a % b;
        a = b;
        b = t;
    }
    n /= a;
    d /= a;
    char num[32];
    if (n == 1) snprintf(num, sizeof num, "\xcf\x80");
    else snprintf(num, sizeof num, "%ld\xcf\x80", n);
    if (d == 1) snprintf(buf, cap, "%s%s", sign, num);
    else snprintf(buf, cap, "%s%s/%ld", sign, num, d);
}

/* Multiples of pi/6 (pi/2 or pi when the range is wide) with 2 to 7 of them
 * in range; 0 when too narrow for that. */
static double pi_step(double w0, double w1, double eps)
{
    static const long mult[] = {1, 3, 6, 12, 24, 60, 120};
    for (size_t m = 0; m < sizeof mult / sizeof mult[0]; m++) {
        double st = (double)mult[m] * M_PI / 6.0;
        double k0 = ceil((w0 - eps) / st), k1 = floor((w1 + eps) / st);
        if (k1 - k0 + 1.0 > 7.0) continue;
        return k1 - k0 + 1.0 < 2.0 ? 0.0 : st;
    }
    return 0.0;
}

axis_scale axis_choose(axis_kind kind, double w0, double w1, double target)
{
    axis_scale a = {kind, 0.0, fmax(fabs(w0), fabs(w1))};
    double span = w1 - w0, eps = 1e-9 * fabs(span);
    if (!(span > 0.0) || !isfinite(span)) return a; /* step 0: no ticks */
    if (kind == AX_LOG) return a;                    /* see log_ticks */
    if (kind == AX_PI) {
        a.step = pi_step(w0, w1, eps);
        if (a.step > 0.0) return a;
        a.kind = AX_LINEAR; /* fewer than two multiples of pi/6: decimals */
    }
    double st = nice_step(span, target);
    double k0 = ceil((w0 - eps) / st), k1 = floor((w1 + eps) / st);
    /* a span below double precision of its values: stepping by st would not
     * move (and plbox would loop forever) */
    if (fabs(k0) < 1e15 && fabs(k1) < 1e15) a.step = st;
    return a;
}

void tick_label(char *buf, size_t cap, const axis_scale *a, double w)
{
    if (a->kind == AX_PI) {
        format_pi(buf, cap, lround(w / (M_PI / 6.0)));
        return;
    }
    if (fabs(w) < 1e-9 * a->step) w = 0.0;
    format_linear(buf, cap, w, a->step, a->vmax_abs);
}

size_t axis_ticks(tick *t, size_t cap, const axis_scale *a, double w0, double w1)
{
    if (a->kind == AX_LOG) return log_ticks(t, cap, w0, w1);
    size_t n = 0;
    if (!(a->step > 0.0)) return 0;
    double eps = 1e-9 * (w1 - w0);
    double k0 = ceil((w0 - eps) / a->step), k1 = floor((w1 + eps) / a->step);
    for (double k = k0; k <= k1 && n < cap; k += 1.0, n++) {
        t[n].w = k * a->step;
        t[n].major = 1;
        tick_label(t[n].label, sizeof t[n].label, a, t[n].w);
    }
    return n;
}

/* Label of m x 10^e on a log axis: plain digits from 0.001 to 100000. */
static void log_label(char *buf, size_t cap, int m, int e)
{
    if (e >= -3 && e <= 5) {
        format_fixed(buf, cap, (double)m * pow(10.0, e), e < 0 ? -e : 0);
        return;
    }
    char mant[8];
    snprintf(mant, sizeof mant, "%d", m);
    format_pow10(buf, cap, mant, e);
}

size_t log_ticks(tick *t, size_t cap, double w0, double w1)
{
    size_t n = 0;
    double span = w1 - w0, eps = 1e-9 * fabs(span);
    if (!(span > 0.0) || !isfinite(span)) return 0;
    int ndec = 0; /* decades inside the range */
    for (double d = ceil(w0 - eps); d <= w1 + eps; d += 1.0) ndec++;
    /* digits labelled besides the decades: 2 and 5 on short ranges, every
     * digit on a range shorter than 0.6 decades without a decade */
    int lab25 = ndec < 3, laball = ndec < 1 && span < 0.6;
    /* long ranges: every decstep-th decade only (at most ~8 ticks) */
    static const int nice_dec[] = {1, 2, 3, 5, 10, 20, 25, 50, 100, 200, 250, 500};
    int decstep = 1;
    for (size_t q = 0; q < sizeof nice_dec / sizeof nice_dec[0]; q++) {
        decstep = nice_dec[q];
        if (ndec <= 8 || decstep * 8 >= ndec) break;
    }
    for (double d = floor(w0 - eps); d <= ceil(w1 + eps) && n < cap; d += 1.0) {
        if (ndec > 8 && fmod(fabs(d), (double)decstep) != 0.0) continue;
        for (int m = 1; m <= 9 && n < cap; m++) {
            if (ndec > 8 && m != 1) break;
            double w = d + log10((double)m);
            if (w < w0 - eps || w > w1 + eps) continue;
            t[n].w = w;
            t[n].major = m == 1;
            t[n].label[0] = '\0';
            if (m == 1 || (lab25 && (m == 2 || m == 5)) || laball)
                log_label(t[n].label, sizeof t[n].label, m, (int)d);
            n++;
        }
    }
    return n;
}
