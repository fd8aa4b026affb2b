/* test_plot.c - figures (plot/, the fate_plot library): valid files in
 * every format, bad arguments rejected before PLplot is touched, unwritable
 * paths reported, many figures in one process, nothing printed on stdout.
 * The layer's own tick choice, contour and clipping: test_plot_units.c. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fate_plot.h"

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------ */

static char g_dir[64];

static void make_dir(void)
{
    snprintf(g_dir, sizeof g_dir, "/tmp/fate_test_plot_XXXXXX");
    cr_assert_not_null(mkdtemp(g_dir), "mkdtemp failed");
}

/* Removes the files the tests wrote, then the directory. */
static void remove_dir(void)
{
    static const char *names[] = {"map.png", "map.svg", "map.pdf", "lines.png", "lines.svg",
                                  "lines.pdf", "odd.png", "-"};
    char path[128];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", g_dir, names[i]);
        remove(path);
    }
    for (int i = 0; i < 12; i++) {
        static const char *ext[] = {"png", "svg", "pdf"};
        snprintf(path, sizeof path, "%s/many%d.%s", g_dir, i, ext[i % 3]);
        remove(path);
    }
    rmdir(g_dir);
}

static void in_dir(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", g_dir, name);
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)n + 1);
    if (buf != NULL && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(fp);
    if (buf != NULL) {
        buf[n] = '\0';
        *len = (size_t)n;
    }
    return buf;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int contains(const unsigned char *buf, size_t len, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; i + m <= len; i++)
        if (memcmp(buf + i, needle, m) == 0) return 1;
    return 0;
}

/* A complete file of the format: PNG signature, a 1600 x 1200 IHDR and more
 * than 20 kB (a blank page compresses to a few kB); SVG with its root
 * element closed; PDF header and end-of-file marker. */
static void assert_valid(const char *path, fate_plot_format fmt)
{
    size_t len = 0;
    unsigned char *buf = slurp(path, &len);
    cr_assert_not_null(buf, "cannot read %s", path);
    if (fmt == FATE_PLOT_PNG) {
        static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
        cr_assert_geq(len, 33, "%s too short", path);
        cr_assert(memcmp(buf, sig, 8) == 0, "%s: no PNG signature", path);
        cr_assert(memcmp(buf + 12, "IHDR", 4) == 0, "%s: no IHDR", path);
        cr_assert_eq(be32(buf + 16), 1600, "%s: width %u", path, be32(buf + 16));
        cr_assert_eq(be32(buf + 20), 1200, "%s: height %u", path, be32(buf + 20));
        cr_assert_gt(len, 20000, "%s: %zu bytes, looks blank", path, len);
        cr_assert(contains(buf, len, "IEND"), "%s: truncated", path);
    } else if (fmt == FATE_PLOT_SVG) {
        cr_assert(contains(buf, len, "<svg"), "%s: no <svg", path);
        cr_assert(contains(buf, len, "</svg>"), "%s: truncated", path);
        cr_assert_gt(len, 5000, "%s: %zu bytes, looks empty", path, len);
    } else {
        cr_assert(len > 8 && memcmp(buf, "%PDF", 4) == 0, "%s: no %%PDF header", path);
        cr_assert(contains(buf + (len > 64 ? len - 64 : 0), len > 64 ? 64 : len, "%%EOF"),
                  "%s: no %%%%EOF", path);
        cr_assert_gt(len, 5000, "%s: %zu bytes, looks empty", path, len);
    }
    free(buf);
}

/* Realistic data: T = R_sc - R_lt from the asymptotic risks (s^2 = 0.04). */
static double rsc(double g) { return g < 1.0 ? (1.0 - g) + g * 0.04 / (1.0 - g) : 0.04 / (g - 1.0); }
static double tgain(double th, double g) { return rsc(g) - sin(th) * sin(th); }

enum { NT = 12, NG = 12, NC = 60, NS = 12, ND = 200 };

typedef struct map_data {
    double th[NT], ga[NG], v[NT * NG];
    double ct[NC], cg[NC], cv[NC * NC];
    fate_phase_map m;
} map_data;

static void make_map(map_data *d)
{
    for (int i = 0; i < NT; i++) d->th[i] = M_PI / 24 + i * (M_PI / 2 - M_PI / 24) / (NT - 1);
    for (int j = 0; j < NG; j++) d->ga[j] = 0.15 + j * 0.15;
    for (int j = 0; j < NG; j++)
        for (int i = 0; i < NT; i++)
            d->v[j * NT + i] = tgain(d->th[i], d->ga[j]) + 0.03 * sin(7.0 * i + 3.0 * j);
    d->v[5] = NAN;
    d->v[17] = INFINITY;
    for (int i = 0; i < NC; i++) d->ct[i] = 1.7 * i / (NC - 1);
    for (int j = 0; j < NC; j++) d->cg[j] = 0.05 + 1.9 * j / (NC - 1);
    for (int j = 0; j < NC; j++)
        for (int i = 0; i < NC; i++) d->cv[j * NC + i] = tgain(d->ct[i], d->cg[j]);
    memset(&d->m, 0, sizeof d->m);
    d->m.title = "Linear transfer: simulated T";
    d->m.zlabel = "T = R_sc \xe2\x88\x92 R_lt";
    d->m.thetas = d->th;
    d->m.n_thetas = NT;
    d->m.gammas = d->ga;
    d->m.n_gammas = NG;
    d->m.values = d->v;
    d->m.contour_thetas = d->ct;
    d->m.n_contour_thetas = NC;
    d->m.contour_gammas = d->cg;
    d->m.n_contour_gammas = NC;
    d->m.contour_values = d->cv;
    d->m.contour_label = "theory T = 0";
}

typedef struct line_data {
    double gx[NS], sy[3][NS], se[3][NS], dx[ND], dy[3][ND];
    fate_series s[6];
    fate_line_plot p;
} line_data;

static void make_lines(line_data *d)
{
    const double th[3] = {M_PI / 8, M_PI / 4, 3 * M_PI / 8};
    static const char *lab[6] = {"theory, \xce\xb8 = \xcf\x80/8", "simulation, \xce\xb8 = \xcf\x80/8",
                                 "theory, \xce\xb8 = \xcf\x80/4", "simulation, \xce\xb8 = \xcf\x80/4",
                                 "theory, \xce\xb8 = 3\xcf\x80/8",
                                 "simulation, \xce\xb8 = 3\xcf\x80/8"};
    for (int i = 0; i < NS; i++) d->gx[i] = 0.15 + 0.15 * i;
    for (int i = 0; i < ND; i++) d->dx[i] = 0.1 + 1.8 * i / (ND - 1);
    for (int c = 0; c < 3; c++) {
        for (int i = 0; i < NS; i++) {
            d->se[c][i] = 0.05;
            d->sy[c][i] = tgain(th[c], d->gx[i]) + 0.04 * sin(5.0 * i + c);
        }
        for (int i = 0; i < ND; i++) d->dy[c][i] = tgain(th[c], d->dx[i]);
        d->s[2 * c] = (fate_series){lab[2 * c], d->dx, d->dy[c], NULL, ND, FATE_SERIES_LINE, c};
        d->s[2 * c + 1] =
            (fate_series){lab[2 * c + 1], d->gx, d->sy[c], d->se[c], NS, FATE_SERIES_POINTS, c};
    }
    d->sy[1][4] = NAN; /* a missing simulation */
    memset(&d->p, 0, sizeof d->p);
    d->p.title = "Transfer gain vs target sample size";
    d->p.xlabel = "target samples per dimension \xce\xb3 = n/d";
    d->p.ylabel = "T = R_sc \xe2\x88\x92 R_lt";
    d->p.series = d->s;
    d->p.n_series = 6;
    d->p.zero_line = 1;
}

/* Under AddressSanitizer: fontconfig keeps its configuration in memory that
 * LeakSanitizer reports as lost once per process (one-time initialisation
 * reached through PLplot's cairo driver, not growing with the number of
 * figures). Only that library is suppressed; leaks of libfate still show. */
#if defined(__SANITIZE_ADDRESS__)
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libfontconfig.so\n"; }
const char *__lsan_default_options(void);
const char *__lsan_default_options(void) { return "print_suppressions=0"; }
#endif

static const fate_plot_format FORMATS[3] = {FATE_PLOT_PNG, FATE_PLOT_SVG, FATE_PLOT_PDF};

/* ------------------------------------------------------------------------ */
/* Tests                                                                     */
/* ------------------------------------------------------------------------ */

TestSuite(plot, .init = make_dir, .fini = remove_dir);

Test(plot, extensions)
{
    cr_assert_str_eq(fate_plot_extension(FATE_PLOT_PNG), "png");
    cr_assert_str_eq(fate_plot_extension(FATE_PLOT_SVG), "svg");
    cr_assert_str_eq(fate_plot_extension(FATE_PLOT_PDF), "pdf");
    cr_assert_null(fate_plot_extension((fate_plot_format)3));
}

Test(plot, phase_map_every_format)
{
    static map_data d;
    make_map(&d);
    char path[128], name[32];
    for (int k = 0; k < 3; k++) {
        snprintf(name, sizeof name, "map.%s", fate_plot_extension(FORMATS[k]));
        in_dir(path, sizeof path, name);
        cr_assert_eq(fate_plot_phase_map(path, FORMATS[k], &d.m), FATE_OK, "%s", name);
        assert_valid(path, FORMATS[k]);
    }
}

Test(plot, lines_every_format)
{
    static line_data d;
    make_lines(&d);
    char path[128], name[32];
    for (int k = 0; k < 3; k++) {
        snprintf(name, sizeof name, "lines.%s", fate_plot_extension(FORMATS[k]));
        in_dir(path, sizeof path, name);
        cr_assert_eq(fate_plot_lines(path, FORMATS[k], &d.p), FATE_OK, "%s", name);
        assert_valid(path, FORMATS[k]);
    }
}

Test(plot, variants_render)
{
    /* log x, dashed theory, explicit ranges, fixed vmax, no contour,
     * odd labels ('#', invalid UTF-8, empty, NULL), divergent values */
    static line_data d;
    static map_data m;
    make_lines(&d);
    make_map(&m);
    char path[128];
    in_dir(path, sizeof path, "odd.png");
    for (int c = 0; c < 3; c++) d.s[2 * c].style = FATE_SERIES_DASHED;
    d.s[0].label = "a #1 \xff\xfe label";
    d.s[1].label = "";
    d.s[2].label = NULL;
    d.dy[0][10] = 1e300;
    d.dy[0][11] = -INFINITY;
    d.p.logx = 1;
    cr_assert_eq(fate_plot_lines(path, FATE_PLOT_PNG, &d.p), FATE_OK);
    assert_valid(path, FATE_PLOT_PNG);
    d.p.logx = 0;
    d.p.xmin = 0.0;
    d.p.xmax = 2.0;
    d.p.ymin = -1.0;
    d.p.ymax = 1.0;
    d.p.title = NULL;
    cr_assert_eq(fate_plot_lines(path, FATE_PLOT_PNG, &d.p), FATE_OK);
    assert_valid(path, FATE_PLOT_PNG);
    m.m.vmax = 0.5;
    m.m.contour_values = NULL;
    m.m.title = "#";
    cr_assert_eq(fate_plot_phase_map(path, FATE_PLOT_PNG, &m.m), FATE_OK);
    assert_valid(path, FATE_PLOT_PNG);
    /* one cell, everything missing */
    double th = 0.5, ga = 1.0, v = NAN;
    fate_phase_map one = {.thetas = &th, .n_thetas = 1, .gammas = &ga, .n_gammas = 1, .values = &v};
    cr_assert_eq(fate_plot_phase_map(path, FATE_PLOT_PNG, &one), FATE_OK);
}

/* A category map: the region where a rises above b (and a third region),
 * with the theory fields of the three categories on a finer grid. */
typedef struct cat_data {
    double th[NT], g[NG], cth[NC], cg[NC], f[3 * NC * NC];
    int cat[NG * NT];
    fate_category_map m;
} cat_data;

static void make_categories(cat_data *d)
{
    static const char *const names[3] = {"no transfer", "linear transfer (lt)", "L2-SP"};
    for (int i = 0; i < NT; i++) d->th[i] = (i + 0.5) * (M_PI / 2) / NT;
    for (int j = 0; j < NG; j++) d->g[j] = 0.1 + 0.15 * j;
    for (int i = 0; i < NC; i++) d->cth[i] = d->th[0] + (d->th[NT - 1] - d->th[0]) * i / (NC - 1.0);
    for (int j = 0; j < NC; j++) d->cg[j] = d->g[0] + (d->g[NG - 1] - d->g[0]) * j / (NC - 1.0);
    for (int j = 0; j < NG; j++)
        for (int i = 0; i < NT; i++) {
            const double t = tgain(d->th[i], d->g[j]);
            d->cat[j * NT + i] = j == 0 && i == 0 ? -1 : t > 0.2 ? 2 : t > 0 ? 1 : 0;
        }
    for (int j = 0; j < NC; j++)
        for (int i = 0; i < NC; i++) {
            const double t = tgain(d->cth[i], d->cg[j]);
            const double v[3] = {-t, fmin(t, 0.2 - t), t - 0.2};
            for (int k = 0; k < 3; k++) d->f[(k * NC + j) * NC + i] = v[k];
        }
    d->m = (fate_category_map){"Category map", d->th, NT, d->g, NG, d->cat, names, 3,
                               d->cth, NC, d->cg, NC, d->f, "theory boundary", NULL, NULL};
}

Test(plot, category_map_every_format_and_bad_arguments)
{
    static cat_data d;
    make_categories(&d);
    char path[128], name[32];
    for (int k = 0; k < 3; k++) {
        snprintf(name, sizeof name, "map.%s", fate_plot_extension(FORMATS[k]));
        in_dir(path, sizeof path, name);
        cr_assert_eq(fate_plot_category_map(path, FORMATS[k], &d.m), FATE_OK, "%s", name);
        assert_valid(path, FORMATS[k]);
    }
    in_dir(path, sizeof path, "odd.png");
    fate_category_map bad = d.m;
    bad.n_names = 9;
    cr_expect_eq(fate_plot_category_map(path, FATE_PLOT_PNG, &bad), FATE_EINVAL, "more than 8 categories");
    bad = d.m, bad.n_names = 0;
    cr_expect_eq(fate_plot_category_map(path, FATE_PLOT_PNG, &bad), FATE_EINVAL, "no category");
    bad = d.m, bad.category = NULL;
    cr_expect_eq(fate_plot_category_map(path, FATE_PLOT_PNG, &bad), FATE_EINVAL, "no cells");
    double th2[NT];
    memcpy(th2, d.th, sizeof th2);
    th2[3] = th2[2];
    bad = d.m, bad.thetas = th2;
    cr_expect_eq(fate_plot_category_map(path, FATE_PLOT_PNG, &bad), FATE_EINVAL, "thetas not increasing");
    bad = d.m, bad.n_contour_thetas = 1;
    cr_expect_eq(fate_plot_category_map(path, FATE_PLOT_PNG, &bad), FATE_EINVAL, "contour grid of one column");
    cr_expect_eq(access(path, F_OK), -1, "nothing written on bad arguments");
}

Test(plot, unwritable_path_is_eio)
{
    static map_data m;
    static line_data d;
    make_map(&m);
    make_lines(&d);
    for (int k = 0; k < 3; k++) {
        cr_assert_eq(fate_plot_phase_map("/nonexistent/dir/x.png", FORMATS[k], &m.m), FATE_EIO);
        cr_assert_eq(fate_plot_lines("/nonexistent/dir/x.png", FORMATS[k], &d.p), FATE_EIO);
    }
    cr_assert_eq(fate_plot_lines(g_dir, FATE_PLOT_PNG, &d.p), FATE_EIO, "a directory");
}

Test(plot, bad_phase_map_arguments_are_einval)
{
    static map_data d;
    make_map(&d);
    char path[128];
    in_dir(path, sizeof path, "map.png");
    cr_assert_eq(fate_plot_phase_map(NULL, FATE_PLOT_PNG, &d.m), FATE_EINVAL);
    cr_assert_eq(fate_plot_phase_map("", FATE_PLOT_PNG, &d.m), FATE_EINVAL);
    cr_assert_eq(fate_plot_phase_map(path, FATE_PLOT_PNG, NULL), FATE_EINVAL);
    cr_assert_eq(fate_plot_phase_map(path, (fate_plot_format)0, &d.m), FATE_EINVAL);
    cr_assert_eq(fate_plot_phase_map(path, (fate_plot_format)3, &d.m), FATE_EINVAL);
    fate_phase_map m = d.m;
    m.thetas = NULL;
    cr_assert_eq(fate_plot_phase_map(path, FATE_PLOT_PNG, &m), FATE_EINVAL);
    m = d.m;
    m.values = NULL;
    cr_assert_eq(fate_plot_phase_map(path, FATE_PLOT_PNG, &m), FATE_EINVAL);
    m = d.m;
    m.n_thetas = 0;
    cr_assert_eq(fate_plot_phase_map(path, FATE_PLOT_PNG, &m), FATE_EINVAL);
    m = d.m;
    m.n_gammas = 0;
    cr_assert_eq(fate_plot_phase_map(path, FATE_PLOT_PNG, &m), FATE_EINVAL);
    m = d.m;
    m.vmax = NAN;
    cr_assert_eq(fate_plot_phase_map(path, FATE_PLOT_PNG, &m), FATE_EINVAL);
    m = d.m;
    m.n_contour_thetas = 1;
    cr_assert_eq(fate_plot_phase_map(path, FATE_PLOT_PNG, &m), FATE_EINVAL);
    m = d.m;
    m.contour_gammas = NULL;
    cr_assert_eq(fate_plot_phase_map(path, FATE_PLOT_PNG, &m), FATE_EINVAL);
    double th[3] = {0.1, 0.3, 0.2}; /* not increasing */
    m = d.m;
    m.thetas = th;
    m.n_thetas = 3;
    cr_assert_eq(fate_plot_phase_map(path, FATE_PLOT_PNG, &m), FATE_EINVAL);
    double ga[2] = {0.5, NAN};
    m = d.m;
    m.gammas = ga;
    m.n_gammas = 2;
    cr_assert_eq(fate_plot_phase_map(path, FATE_PLOT_PNG, &m), FATE_EINVAL);
}

Test(plot, bad_line_plot_arguments_are_einval)
{
    static line_data d;
    make_lines(&d);
    char path[128];
    in_dir(path, sizeof path, "lines.png");
    cr_assert_eq(fate_plot_lines(NULL, FATE_PLOT_PNG, &d.p), FATE_EINVAL);
    cr_assert_eq(fate_plot_lines(path, FATE_PLOT_PNG, NULL), FATE_EINVAL);
    cr_assert_eq(fate_plot_lines(path, (fate_plot_format)8, &d.p), FATE_EINVAL);
    fate_line_plot p = d.p;
    p.series = NULL;
    cr_assert_eq(fate_plot_lines(path, FATE_PLOT_PNG, &p), FATE_EINVAL);
    p = d.p;
    p.n_series = 0;
    cr_assert_eq(fate_plot_lines(path, FATE_PLOT_PNG, &p), FATE_EINVAL);
    fate_series s[6];
    memcpy(s, d.s, sizeof s);
    p = d.p;
    p.series = s;
    s[2].n = 0;
    cr_assert_eq(fate_plot_lines(path, FATE_PLOT_PNG, &p), FATE_EINVAL);
    memcpy(s, d.s, sizeof s);
    s[3].y = NULL;
    cr_assert_eq(fate_plot_lines(path, FATE_PLOT_PNG, &p), FATE_EINVAL);
    memcpy(s, d.s, sizeof s);
    s[1].style = 7;
    cr_assert_eq(fate_plot_lines(path, FATE_PLOT_PNG, &p), FATE_EINVAL);
    memcpy(s, d.s, sizeof s);
    p.logx = 1; /* explicit x range not positive on a log axis */
    p.xmin = 0.0;
    p.xmax = 2.0;
    cr_assert_eq(fate_plot_lines(path, FATE_PLOT_PNG, &p), FATE_EINVAL);
    p.logx = 0;
    p.xmax = INFINITY;
    cr_assert_eq(fate_plot_lines(path, FATE_PLOT_PNG, &p), FATE_EINVAL);
}

/* The colour map in the SVG (vector cells carry their fill colour): a
 * diverging map puts -vmax on RdBu's red end and +vmax on its blue end; a
 * sequential one runs white to blue and has no red. */
#define RED_END "fill:rgb(69.803922%,9.411765%,16.862745%)"
#define BLUE_END "fill:rgb(12.941176%,40%,67.45098%)"

static int svg_has(const char *path, const char *needle)
{
    size_t len = 0;
    unsigned char *buf = slurp(path, &len);
    cr_assert_not_null(buf, "cannot read %s", path);
    int found = contains(buf, len, needle);
    free(buf);
    return found;
}

Test(plot, colour_map_ends_in_svg)
{
    double th[3] = {0.2, 0.6, 1.0}, ga[2] = {0.5, 1.5};
    double v[6] = {-2.0, 0.0, 2.0, -1.0, 0.5, 1.0};
    fate_phase_map m = {.thetas = th, .n_thetas = 3, .gammas = ga, .n_gammas = 2, .values = v};
    char path[128];
    in_dir(path, sizeof path, "map.svg");
    cr_assert_eq(fate_plot_phase_map(path, FATE_PLOT_SVG, &m), FATE_OK);
    cr_assert(svg_has(path, RED_END), "-vmax is not on the red end");
    cr_assert(svg_has(path, BLUE_END), "+vmax is not on the blue end");
    double w[6] = {0.0, 1.0, 2.0, 0.5, 1.5, 0.25};
    m.values = w;
    m.sequential = 1;
    cr_assert_eq(fate_plot_phase_map(path, FATE_PLOT_SVG, &m), FATE_OK);
    cr_assert(svg_has(path, BLUE_END), "vmax is not on the blue end");
    cr_assert(!svg_has(path, RED_END), "a sequential map has no red");
}

Test(plot, twelve_figures_in_one_process)
{
    static map_data m;
    static line_data d;
    make_map(&m);
    make_lines(&d);
    char path[128], name[32];
    for (int i = 0; i < 12; i++) {
        fate_plot_format fmt = FORMATS[i % 3];
        snprintf(name, sizeof name, "many%d.%s", i, fate_plot_extension(fmt));
        in_dir(path, sizeof path, name);
        fate_status st = (i / 3) % 2 == 0 ? fate_plot_phase_map(path, fmt, &m.m)
                                           : fate_plot_lines(path, fmt, &d.p);
        cr_assert_eq(st, FATE_OK, "figure %d", i);
    }
    for (int i = 0; i < 12; i++) {
        fate_plot_format fmt = FORMATS[i % 3];
        snprintf(name, sizeof name, "many%d.%s", i, fate_plot_extension(fmt));
        in_dir(path, sizeof path, name);
        assert_valid(path, fmt);
    }
}

/* The library never prints; PLplot would send the file "-" to stdout. */
Test(plot, nothing_on_stdout)
{
    cr_redirect_stdout();
    static line_data d;
    static map_data m;
    make_lines(&d);
    make_map(&m);
    char path[128];
    in_dir(path, sizeof path, "lines.svg");
    cr_assert_eq(fate_plot_lines(path, FATE_PLOT_SVG, &d.p), FATE_OK);
    in_dir(path, sizeof path, "map.pdf");
    cr_assert_eq(fate_plot_phase_map(path, FATE_PLOT_PDF, &m.m), FATE_OK);
    cr_assert_eq(chdir(g_dir), 0);
    cr_assert_eq(fate_plot_lines("-", FATE_PLOT_PNG, &d.p), FATE_OK);
    in_dir(path, sizeof path, "-");
    assert_valid(path, FATE_PLOT_PNG);
    fflush(stdout);
    cr_assert_stdout_eq_str("");
}
