/* sweep_io.c - the files of a sweep folder: atomic writes, sealed cell files (see
 * sweep_io.h). Numbers are printed with 17 significant digits so that
 * parsing them back gives the same doubles: the summary computed from the
 * files equals the one computed in memory, and a resumed sweep writes files
 * identical to an uninterrupted one. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "stats.h"
#include "sweep_io.h"

static char *slurp(const char *path);

int make_dirs(const char *path)
{
    char buf[4096];
    size_t len = strlen(path);
    if (len == 0 || len >= sizeof buf) return -1;
    memcpy(buf, path, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] == '/' || buf[i] == '\0') {
            char c = buf[i];
            buf[i] = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
            buf[i] = c;
        }
    }
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}

/* Syncs the folder of path, so that a rename in it is durable too; best
 * effort (some file systems refuse fsync on a folder). */
static void sync_parent(const char *path)
{
    char dir[4200];
    const char *slash = strrchr(path, '/');
    if (!slash) snprintf(dir, sizeof dir, ".");
    else snprintf(dir, sizeof dir, "%.*s", (int)(slash - path) + 1, path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

int write_atomic(const char *path, const char *text, size_t len)
{
    char tmp[4200];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp) return -1;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd < 0) return -1;
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            close(fd);
            unlink(tmp);
            errno = e; /* the caller names the reason */
            return -1;
        }
        off += (size_t)w;
    }
    int synced = fsync(fd) == 0, e = errno;
    if (close(fd) != 0 || !synced) {
        if (synced) e = errno;
        unlink(tmp);
        errno = e;
        return -1;
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        return -1;
    }
    sync_parent(path);
    return 0;
}

void remove_stale_tmp(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    char own[32];
    snprintf(own, sizeof own, ".tmp.%ld", (long)getpid());
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *t = strstr(e->d_name, ".tmp.");
        if (!t) continue;
        /* ours (the manifest's reserve) is not stale */
        const char *last = t;
        while ((t = strstr(last + 1, ".tmp."))) last = t;
        if (!strcmp(last, own)) continue;
        char p[4400];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
}

void cell_path(char *buf, size_t size, const char *dir, size_t j, size_t t)
{
    snprintf(buf, size, "%s/cells/cell_g%03zu_t%03zu.csv", dir, j, t);
}

/* %.17g, with nan/inf spelled the way CSV readers (NumPy, pandas) parse. */
void put_num(FILE *f, double v)
{
    if (isnan(v)) fputs("nan", f);
    else if (isinf(v)) fputs(v > 0 ? "inf" : "-inf", f);
    else fprintf(f, "%.17g", v);
}

uint64_t fnv1a64(const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

char *cell_seal(const char *header, const char *id, char *rows)
{
    if (!rows) return NULL;
    const size_t n = strlen(rows);
    const unsigned long long sum = (unsigned long long)fnv1a64(rows, n);
    const size_t size = strlen(header) + strlen(id) + n + 64;
    char *out = malloc(size);
    if (out) snprintf(out, size, "%s # fate-cell %s sum=%016llx\n%s", header, id, sum, rows);
    free(rows);
    return out;
}

int cell_unseal(const char *path, const char *header, const char *id, char **rows, const char **why)
{
    *rows = NULL;
    *why = NULL;
    char *text = slurp(path);
    if (!text) {
        if (errno != ENOENT) *why = strerror(errno);
        return -1;
    }
    char *body = strchr(text, '\n');
    const size_t hl = strlen(header), il = strlen(id);
    unsigned long long sum = 0;
    int used = 0;
    if (!body || strncmp(text, header, hl) != 0 || strncmp(text + hl, " # fate-cell ", 13) != 0) {
        *why = "not a cell file of this version";
    } else if (strncmp(text + hl + 13, id, il) != 0 || strncmp(text + hl + 13 + il, " sum=", 5) != 0) {
        *why = "it is another cell's, or of other parameters";
    } else if (sscanf(text + hl + 13 + il + 5, "%16llx%n", &sum, &used) != 1 || used != 16 ||
               text + hl + 13 + il + 5 + 16 != body ||
               sum != (unsigned long long)fnv1a64(body + 1, strlen(body + 1))) {
        *why = "its checksum does not match its contents";
    }
    if (*why) {
        free(text);
        return -1;
    }
    memmove(text, body + 1, strlen(body + 1) + 1);
    *rows = text;
    return 0;
}

void cell_warn(const char *path, const char *why)
{
    fprintf(stderr, "fate: warning: %s is damaged (%s): recomputing it\n", path, why);
}

int parse_d(const char *s, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    return (end == s || *end != '\0') ? -1 : 0;
}

int parse_z(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || *end != '\0' || errno) return -1;
    *out = (size_t)v;
    return 0;
}

double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void iso_time(char *buf, size_t size, double epoch)
{
    time_t t = (time_t)epoch;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void job_progress_cell(job_progress *p)
{
#pragma omp atomic update
    p->cells_done++;
}

void job_progress_items(job_progress *p, size_t done, size_t total)
{
    if (!p->show) return;
    size_t cells;
#pragma omp atomic read
    cells = p->cells_done;
    double now = wall_now();
    if (done < total && now - p->last_print < 0.25) return;
    p->last_print = now;
    double el = now - p->t0, rate = el > 0 ? (double)done / el : 0;
    double eta = rate > 0 ? (double)(total - done) / rate : 0;
    fprintf(stderr, "\r%s: cells %zu/%zu, work items %zu/%zu (%.0f%%), %.2f items/s, ETA %dm%02ds   ", p->label,
            cells, p->cells_total, done, total, total ? 100.0 * (double)done / (double)total : 100.0, rate,
            (int)(eta / 60), (int)fmod(eta, 60));
    if (done == total) fputc('\n', stderr);
}

int save_cell_text(const char *path, char *text, int after_progress)
{
    int rc = text && write_atomic(path, text, strlen(text)) == 0 ? 0 : -1;
    if (rc != 0)
        fprintf(stderr, "%sfate: cannot write %s: %s\n", after_progress ? "\n" : "", path, strerror(errno));
    free(text);
    return rc;
}

/* The whole file as a NUL-terminated malloc'd string, or NULL. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap ? 2 * cap : 8192;
            char *nb = realloc(buf, cap);
            if (!nb) { free(buf); fclose(f); return NULL; }
            buf = nb;
        }
        size_t r = fread(buf + len, 1, 4096, f);
        len += r;
        if (r < 4096) break;
    }
    fclose(f);
    buf[len] = '\0';
    return buf;
}

/* Removes the saved cells (results of other parameters). */
static void clear_cells(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/cells", dir);
    DIR *d = opendir(path);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t L = strlen(e->d_name);
        if (L > 4 && !strcmp(e->d_name + L - 4, ".csv") && !strncmp(e->d_name, "cell_", 5)) {
            char p[4400];
            snprintf(p, sizeof p, "%s/%s", path, e->d_name);
            unlink(p);
        }
    }
    closedir(d);
}

int job_sync_params(const char *dir, const char *params)
{
    if (!params) {
        fprintf(stderr, "fate: out of memory\n");
        return -1;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/sweep.json", dir);
    char *old = slurp(path);
    int rc = 0;
    if (!old || strcmp(old, params) != 0) {
        clear_cells(dir);
        /* and the assembled files of the earlier parameters (of either model) */
        static const char *outs[] = {"runs.csv", "summary.csv", "summary.npy", "risk.npy", "T.npy",
                                     "gammas.npy", "thetas.npy", "lambdas.npy", "powerlaw.csv",
                                     "boundary.csv", "mus.npy", "ns.npy", NULL};
        for (int k = 0; outs[k]; k++) {
            snprintf(path, sizeof path, "%s/%s", dir, outs[k]);
            unlink(path);
        }
        snprintf(path, sizeof path, "%s/sweep.json", dir);
        if (write_atomic(path, params, strlen(params)) != 0) {
            fprintf(stderr, "fate: cannot write %s: %s\n", path, strerror(errno));
            rc = -1;
        }
    }
    free(old);
    return rc;
}
