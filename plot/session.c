/*
 * session.c - one figure is one PLplot session, written atomically.
 *
 * PLplot keeps global state, ends the process on fatal errors and prints to
 * stdout in a few corner cases (an unknown device makes it prompt for one;
 * the file name "-" means stdout). So every argument is validated before
 * PLplot is touched, the device is checked to exist (plgDevs), the file is
 * drawn under a temporary name that is opened once beforehand (FATE_EIO if
 * that fails), checked, synced and renamed (commit_figure), "-" is passed as
 * "./-", and an exit handler (plsexit) longjmps back here instead of letting
 * PLplot end the process: PLplot 5.15 still calls exit() from plexit (out of
 * memory in plAlloc2dGrid, plimage, pllegend, a driver that cannot start).
 * Non-fatal PLplot errors (plabort) are captured with plsError instead of
 * being printed. Every figure is a complete plmkstrm ... plend1 session, so
 * repeated calls leave no per-figure state behind.
 */
#include "plot_internal.h"

#include <plplot/plplot.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Okabe-Ito, colour-blind safe; ordered so that the first colours are the
 * most distinct from each other. */
static const unsigned char PALETTE[8][3] = {
    {0, 114, 178},   /* blue */
    {213, 94, 0},    /* vermillion */
    {0, 158, 115},   /* bluish green */
    {204, 121, 167}, /* reddish purple */
    {230, 159, 0},   /* orange */
    {86, 180, 233},  /* sky blue */
    {240, 228, 66},  /* yellow */
    {0, 0, 0}        /* black */
};

static jmp_buf g_jmp;            /* where a PLplot fatal error returns to */
static volatile int g_jmp_armed; /* g_jmp is valid */
static char g_exit_msg[256];

/* Installed with plsexit: PLplot calls it on a fatal error and would then end
 * the process; jumping back to the figure function (which returns FATE_EIO or
 * FATE_ENOMEM) keeps the process alive. */
static int on_plplot_exit(PLCHAR_VECTOR msg)
{
    snprintf(g_exit_msg, sizeof g_exit_msg, "%s", msg ? msg : "");
    if (g_jmp_armed) {
        g_jmp_armed = 0;
        longjmp(g_jmp, 1);
    }
    return 1;
}

/* Opening the file ourselves first turns "cannot write" into FATE_EIO
 * instead of PLplot's retry loop (which prints and finally ends the process).
 * It is the temporary file: opening the target would truncate a good figure. */
static int path_writable(const char *path)
{
    FILE *fp = fopen(path, "wb");
    if (fp == NULL) return 0;
    fclose(fp);
    return 1;
}

/* The whole file as a malloc'd buffer (NULL if unreadable or empty). */
static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    unsigned char *buf = NULL;
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && st.st_size > 0 && (buf = malloc((size_t)st.st_size)) != NULL &&
        fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
        free(buf);
        buf = NULL;
    }
    *len = buf ? (size_t)st.st_size : 0;
    fclose(f);
    return buf;
}

/* Whether the text ends with `tail` followed by nothing but white space. */
static int ends_with(const unsigned char *b, size_t n, const char *tail)
{
    while (n > 0 && (b[n - 1] == '\n' || b[n - 1] == '\r' || b[n - 1] == ' ')) n--;
    size_t k = strlen(tail);
    return n >= k && memcmp(b + n - k, tail, k) == 0;
}

/* Whether a drawn file is complete. cairo writes through stdio and ignores
 * write errors, so on a full disk a figure can be empty or cut anywhere: a
 * PNG must be its signature and a chain of chunks ending exactly at IEND, an
 * SVG must be closed, a PDF must end with its trailer. */
static int figure_complete(const char *path, fate_plot_format fmt)
{
    size_t n = 0;
    unsigned char *b = read_all(path, &n);
    if (b == NULL) return 0;
    int ok = 0;
    if (fmt == FATE_PLOT_PNG) {
        static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
        size_t at = 8;
        ok = n > 8 && memcmp(b, sig, 8) == 0;
        while (ok && at + 12 <= n) {
            size_t len = (size_t)b[at] << 24 | (size_t)b[at + 1] << 16 | (size_t)b[at + 2] << 8 | b[at + 3];
            int iend = memcmp(b + at + 4, "IEND", 4) == 0;
            if (len > n - at - 12) { ok = 0; break; }
            at += 12 + len;
            if (iend) break;
        }
        ok = ok && at == n && n >= 20 && memcmp(b + n - 8, "IEND", 4) == 0;
    } else if (fmt == FATE_PLOT_SVG) {
        ok = ends_with(b, n, "</svg>");
    } else {
        ok = n > 5 && memcmp(b, "%PDF", 4) == 0 && ends_with(b, n, "%%EOF");
    }
    free(b);
    return ok;
}

/* Makes the drawn temporary file the figure: complete, synced (so that a
 * crash after the rename cannot leave an empty file under the final name),
 * renamed, and the folder synced so that the rename itself is durable. */
static fate_status commit_figure(const char *tmp, const char *path, fate_plot_format fmt)
{
    if (!figure_complete(tmp, fmt)) return FATE_EIO;
    int fd = open(tmp, O_RDWR);
    if (fd < 0) return FATE_EIO;
    int ok = fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) return FATE_EIO;
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, (size_t)(slash - path) + 1) : strdup(".");
    int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY) : -1;
    if (dfd >= 0) {
        (void)fsync(dfd); /* best effort: some file systems refuse it on folders */
        close(dfd);
    }
    free(dir);
    return FATE_OK;
}

const char *device_of(fate_plot_format fmt)
{
    switch (fmt) {
    case FATE_PLOT_PNG: return "pngcairo";
    case FATE_PLOT_SVG: return "svgcairo";
    case FATE_PLOT_PDF: return "pdfcairo";
    }
    return NULL;
}

const char *fate_plot_extension(fate_plot_format fmt)
{
    switch (fmt) {
    case FATE_PLOT_PNG: return "png";
    case FATE_PLOT_SVG: return "svg";
    case FATE_PLOT_PDF: return "pdf";
    }
    return NULL;
}

/* Whether PLplot has this device (a missing one would make plinit print the
 * device menu on stdout and read a choice from stdin). */
static int device_available(const char *dev)
{
    enum { CAP = 128 };
    PLCHAR_VECTOR menu[CAP], names[CAP];
    PLCHAR_VECTOR *pm = menu, *pn = names;
    int n = CAP;
    plgDevs(&pm, &pn, &n);
    for (int i = 0; i < n && i < CAP; i++)
        if (names[i] != NULL && strcmp(names[i], dev) == 0) return 1;
    return 0;
}


/* Starts the page of the current stream: device, file, size, our colours
 * (before plinit: the background is painted then), the sans font. */
static void start_page(const char *dev, const char *fname, fate_plot_format fmt)
{
    plsdev(dev);
    plsfnam(fname);
    /* plimagefr (the cells, the colour bar) would otherwise be rasterised
     * by the cairo driver at the page's size without anti-aliasing: a
     * 720 x 540 bitmap inside SVG and PDF. Vector cells stay sharp. plinit
     * frees driver options, so this is set for every figure. */
    plsetopt("drvopt", "rasterize_image=0");
    if (fmt == FATE_PLOT_PNG) plspage(0.0, 0.0, PNG_W, PNG_H, 0, 0);
    else plspage(0.0, 0.0, VEC_W, VEC_H, 0, 0);
    plscmap0n(N_CMAP0);
    plscol0(C_BG, 255, 255, 255);
    plscol0(C_TEXT, 26, 26, 26);
    plscol0(C_AXIS, 38, 38, 38);
    plscol0(C_NAN, 204, 204, 204);
    plscol0(C_LEGBOX, 170, 170, 170);
    plscol0(C_ZERO, 115, 115, 115);
    plscol0(C_BLACK, 0, 0, 0);
    for (int i = 0; i < 8; i++) plscol0(C_PAL + i, PALETTE[i][0], PALETTE[i][1], PALETTE[i][2]);
    /* opaque blends toward white: many faint lines stay faint where they
     * overlap (an alpha channel would darken there) */
    for (int i = 0; i < 8; i++)
        plscol0(C_PAL_FAINT + i, 191 + PALETTE[i][0] / 4, 191 + PALETTE[i][1] / 4, 191 + PALETTE[i][2] / 4);
    plscolbg(255, 255, 255);
    plinit();
    plsfont(PL_FCI_SANS, PL_FCI_UPRIGHT, PL_FCI_MEDIUM);
    pladv(0);
}

/* Runs one figure: validates the path, opens a PLplot stream with our page
 * and colours, calls draw, ends the stream. */
fate_status run_figure(const char *path, fate_plot_format fmt, draw_fn draw, void *arg)
{
    const char *dev = device_of(fmt);
    if (path == NULL || path[0] == '\0' || dev == NULL) return FATE_EINVAL;
    /* "%n" is PLplot's family-file marker: it would rewrite the name */
    if (strstr(path, "%n") != NULL) return FATE_EINVAL;

    /* "-" is stdout to PLplot; the library never writes there. PLplot draws
     * into fname, a temporary name beside the target (see commit_figure). */
    const size_t L = strlen(path) + 3, FL = L + 32;
    char *target = malloc(L), *fname = malloc(FL);
    if (target == NULL || fname == NULL) {
        free(target);
        free(fname);
        return FATE_ENOMEM;
    }
    if (strcmp(path, "-") == 0) strcpy(target, "./-");
    else strcpy(target, path);
    snprintf(fname, FL, "%s.tmp.%ld", target, (long)getpid());
    if (!path_writable(fname)) {
        free(target);
        free(fname);
        return FATE_EIO;
    }

    fig f;
    f.s = fmt == FATE_PLOT_PNG ? 1.0 : (double)VEC_H / REF_H;

    /* A private stream per figure (plmkstrm ... plend1), never plend: with
     * PLplot 5.15, plend unloads the cairo driver and the next plinit loads
     * it again, and every such cycle leaks memory in libltdl, fontconfig and
     * pango (about 20 kB per figure under valgrind) and re-reads the
     * fontconfig configuration. With plend1 the loaded driver and fonts stay
     * (bounded, reachable) and everything belonging to the figure is freed.
     * A stream the caller may have open is left alone and made current
     * again afterwards. */
    PLINT prev = 0;
    plgstrm(&prev);
    volatile fate_status st = FATE_OK;
    volatile int started = 0;
    PLINT errcode = 0;
    char errmsg[1024] = "";

    plsexit(on_plplot_exit);
    if (setjmp(g_jmp) != 0) {
        /* PLplot hit a fatal error (usually out of memory). Try to end the
         * stream; if that fails too, give up on cleaning PLplot's state. */
        st = strstr(g_exit_msg, "emory") ? FATE_ENOMEM : FATE_EIO;
        if (setjmp(g_jmp) == 0) {
            g_jmp_armed = 1;
            plend1();
        }
        g_jmp_armed = 0;
        plsexit(NULL);
        plsstrm(prev);
        remove(fname); /* no half-written figure */
        free(fname);
        free(target);
        return st;
    }
    g_jmp_armed = 1;

    PLINT strm = 0;
    plmkstrm(&strm);
    plsError(&errcode, errmsg);
    if (!device_available(dev)) {
        st = FATE_EIO;
    } else {
        start_page(dev, fname, fmt);
        started = 1;
        draw(&f, arg);
    }
    plend1(); /* ends and frees our stream; the current stream becomes 0 */
    g_jmp_armed = 0;
    plsexit(NULL);
    plsstrm(prev);
    if (st == FATE_OK && started && errcode != 0) st = FATE_EIO;
    if (st == FATE_OK) st = commit_figure(fname, target, fmt);
    if (st != FATE_OK) remove(fname); /* no empty or half-drawn figure */
    free(fname);
    free(target);
    return st;
}

