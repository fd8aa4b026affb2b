/* test_plot_model.c - the CLI's one figure layer for maps and slices
 * (cli/model_figures.c) on a small synthetic summary: a map with an overlay
 * and a slices figure are valid, non-blank PNGs (the overlay changes the
 * map), and a map whose axis does not increase is skipped with one line on
 * stderr and no file. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model_figures.h"

/* A model of four columns: two coordinates (the axes), the instance and
 * one value, a gain with one theory value. */
enum { C_X, C_Y, C_INST, C_V, NCOL, R = 4, C = 5 };
static const fate_column COLS[NCOL] = {{"x", FATE_COL_REAL, FATE_ROLE_COORD, 0, "row coordinate x"},
                                       {"y", FATE_COL_REAL, FATE_ROLE_COORD, 0, "column coordinate y"},
                                       {"instance", FATE_COL_COUNT, FATE_ROLE_INSTANCE, 0, NULL},
                                       {"v", FATE_COL_REAL, FATE_ROLE_VALUE, 0, "value v"}};
static const char *const THEORY[] = {"v"};
static const fate_model MODEL = {.name = "toy", .row_axis = C_X, .col_axis = C_Y, .figure_value = C_V,
                                 .figure_diverging = 1, .theory_names = THEORY, .n_theory = 1};

typedef struct toy {
    double keys[R * C][NCOL];
    sample_stat stat[R * C][NCOL];
    double theory[R * C];
    summary_group g[R * C];
    model_summary s;
} toy;

/* v = y - x^2 (mean, sem 0.05), the theory the same without noise. */
static double field(const void *ctx, double x, double y)
{
    (void)ctx;
    return y - x * x;
}

static double line(const void *ctx, size_t k, double x, double y)
{
    (void)k;
    return field(ctx, x, y);
}

static void make_toy(toy *t, int bad_axis)
{
    memset(t, 0, sizeof *t);
    for (size_t r = 0; r < R; r++)
        for (size_t c = 0; c < C; c++) {
            const size_t i = r * C + c;
            const double x = 0.25 * (double)r, y = bad_axis && c == 2 ? 0.0 : 0.2 * (double)c;
            t->keys[i][C_X] = x, t->keys[i][C_Y] = y, t->keys[i][C_INST] = 0;
            t->stat[i][C_V] = (sample_stat){field(NULL, x, y) + 0.02 * sin((double)i), 0.1, 0.05, 4};
            t->theory[i] = field(NULL, x, y);
            t->g[i] = (summary_group){r, c, t->keys[i], 4, t->stat[i], &t->theory[i], NULL};
        }
    t->s = (model_summary){.m = &MODEL, .cols = COLS, .ncol = NCOL, .g = t->g, .n = R * C};
}

static char g_dir[64];

static void setup(void)
{
    snprintf(g_dir, sizeof g_dir, "/tmp/fate_test_plot_model_XXXXXX");
    cr_assert_not_null(mkdtemp(g_dir));
}

static void teardown(void)
{
    static const char *names[] = {"map.png", "bare.png", "slices.png", "theory.png", "bad.png"};
    char path[128];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", g_dir, names[i]);
        remove(path);
    }
    rmdir(g_dir);
}

static unsigned char *slurp(const char *name, size_t *len)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    const long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) free(b), b = NULL;
    fclose(f);
    *len = (size_t)n;
    return b;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A complete 1600 x 1200 PNG of more than 20 kB (a blank page compresses to
 * a few kB), ended by IEND; returns its bytes. */
static unsigned char *assert_png(const char *name, size_t *len)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    unsigned char *b = slurp(name, len);
    cr_assert_not_null(b, "%s not written", name);
    cr_assert(*len > 33 && memcmp(b, sig, 8) == 0 && memcmp(b + 12, "IHDR", 4) == 0, "%s: not a PNG", name);
    cr_assert_eq(be32(b + 16), 1600);
    cr_assert_eq(be32(b + 20), 1200);
    cr_assert_gt(*len, 20000, "%s: %zu bytes, looks blank", name, *len);
    cr_assert(memcmp(b + *len - 8, "IEND", 4) == 0, "%s: truncated", name);
    return b;
}

TestSuite(plot_model, .init = setup, .fini = teardown);

Test(plot_model, map_with_overlay_and_slices)
{
    toy t;
    make_toy(&t, 0);
    file_list out = {0};
    const fig_field zero = {field, NULL, "theory v = 0", 41, 41, -INFINITY, INFINITY, -INFINITY, INFINITY, 10.0};
    fig_map_spec m = {.stem = "map", .range_q = 0.9, .range_k = 2.0, .overlay = &zero};
    cr_assert_eq(fig_model_map(&t.s, R, C, &m, g_dir, FATE_PLOT_PNG, &out), 0);
    m.stem = "bare", m.overlay = NULL;
    cr_assert_eq(fig_model_map(&t.s, R, C, &m, g_dir, FATE_PLOT_PNG, &out), 0);
    m.stem = "theory", m.overlay = &zero, m.theory_only = 1;
    cr_assert_eq(fig_model_map(&t.s, R, C, &m, g_dir, FATE_PLOT_PNG, &out), 0);
    const fig_lines th = {1, line, NULL, 50, 0.0, 0.0};
    const fig_slices_spec p = {.stem = "slices", .theory = &th, .points_ylim = 1};
    cr_assert_eq(fig_model_slices(&t.s, R, C, &p, g_dir, FATE_PLOT_PNG, &out), 0);
    cr_assert_eq(out.n, 4, "%zu files listed", out.n);
    size_t na, nb, nc;
    unsigned char *a = assert_png("map.png", &na), *b = assert_png("bare.png", &nb);
    free(assert_png("theory.png", &nc));
    free(assert_png("slices.png", &nc));
    cr_assert(na != nb || memcmp(a, b, na) != 0, "the overlay drew nothing");
    free(a);
    free(b);
    file_list_free(&out);
}

Test(plot_model, map_of_a_non_increasing_axis_is_skipped, .init = cr_redirect_stderr)
{
    setup();
    toy t;
    make_toy(&t, 1);
    file_list out = {0};
    const fig_map_spec m = {.stem = "bad"};
    cr_assert_eq(fig_model_map(&t.s, R, C, &m, g_dir, FATE_PLOT_PNG, &out), 0);
    cr_assert_eq(out.n, 0);
    size_t n;
    cr_assert_null(slurp("bad.png", &n), "a map was drawn");
    fflush(stderr);
    FILE *err = cr_get_redirected_stderr();
    char buf[512];
    size_t got = fread(buf, 1, sizeof buf - 1, err), lines = 0;
    buf[got] = '\0';
    for (size_t i = 0; i < got; i++) lines += buf[i] == '\n';
    cr_assert_eq(lines, 1, "stderr: \"%s\"", buf);
    cr_assert(strstr(buf, "no map") && strstr(buf, "y"), "stderr: \"%s\"", buf);
    file_list_free(&out);
}
