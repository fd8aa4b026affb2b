/* folder_lock.c - see folder_lock.h. An flock on an open file description is
 * released by the kernel when the process ends however it ends, which is why
 * it is used instead of an O_EXCL marker file (a kill -9 would leave that
 * behind). The pid written into the lock file is only for the message. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "folder_lock.h"
#include "options.h"
#include "par.h"
#include "sweep_io.h"

/* The locked file stays open (and locked) until the process ends. */
static int lock_fd = -1;

/* The pid the holder wrote, or 0 if unreadable. The holder writes it right
 * after locking, so a short wait covers a holder that has just started. */
static long holder_pid(int fd)
{
    for (int tries = 0; tries < 50; tries++) {
        char buf[32] = "";
        ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
        long pid = 0;
        if (n > 0 && sscanf(buf, "%ld", &pid) == 1 && pid > 0) return pid;
        nanosleep(&(struct timespec){0, 10000000}, NULL);
    }
    return 0;
}

static int take_lock(const char *cmd, const char *dir)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/.fate.lock", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) {
        cli_error(cmd, "--out: cannot create %s: %s", path, strerror(errno));
        return FATE_EXIT_USAGE;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        long pid = errno == EWOULDBLOCK ? holder_pid(fd) : 0;
        if (pid > 0)
            cli_error(cmd, "--out: folder '%s' is in use by process %ld (another fate command is writing "
                      "it); wait for it to end or choose another folder", dir, pid);
        else
            cli_error(cmd, "--out: folder '%s' is in use by another process (%s)", dir, strerror(errno));
        close(fd);
        return FATE_EXIT_USAGE;
    }
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
        cli_error(cmd, "--out: cannot write %s: %s", path, strerror(errno));
        close(fd);
        return FATE_EXIT_USAGE;
    }
    lock_fd = fd;
    return 0;
}

/* The command named by dir/manifest.json (malloc'd), or NULL. */
static char *manifest_command(const char *dir, char *path, size_t size)
{
    snprintf(path, size, "%s/manifest.json", dir);
    json_t *man = json_load_file(path, 0, NULL);
    const char *was = man ? json_string_value(json_object_get(man, "command")) : NULL;
    char *out = was ? strdup(was) : NULL;
    json_decref(man);
    return out;
}

/* A folder made by another command (its manifest.json says which) would
 * lose its manifest, and with it --resume of that command. `fate reproduce`
 * keeps its sweeps in sub-folders without a manifest of their own (sigma0,
 * decay/wd_0, ...): a folder up to two levels below a reproduce folder is
 * that command's too. */
static int check_owner(const char *cmd, const char *dir, const char *owner)
{
    char path[4200], up[4200];
    char *was = manifest_command(dir, path, sizeof path);
    int rc = 0;
    if (was && strcmp(was, owner) != 0) {
        cli_error(cmd, "--out: folder '%s' holds the results of `fate %s` (%s); choose another folder",
                  dir, was, path);
        rc = FATE_EXIT_USAGE;
    }
    snprintf(up, sizeof up, "%s", dir);
    for (int level = 0; !was && rc == 0 && level < 2 && strcmp(owner, "reproduce") != 0; level++) {
        char *slash = strrchr(up, '/');
        while (slash && slash > up && slash[1] == '\0') { /* trailing slashes */
            *slash = '\0';
            slash = strrchr(up, '/');
        }
        if (!slash || slash == up) break;
        *slash = '\0';
        char *above = manifest_command(up, path, sizeof path);
        if (above && strcmp(above, "reproduce") == 0) {
            cli_error(cmd, "--out: folder '%s' is part of the results of `fate reproduce` in '%s'; "
                      "choose another folder", dir, up);
            rc = FATE_EXIT_USAGE;
        }
        free(above);
    }
    free(was);
    return rc;
}

int folder_claim(const char *cmd, const char *dir, const char *owner)
{
    int rc = 0;
    if (par_root()) {
        rc = take_lock(cmd, dir);
        if (rc == 0) rc = check_owner(cmd, dir, owner);
        if (rc == 0) {
            char cells[4200];
            snprintf(cells, sizeof cells, "%s/cells", dir);
            remove_stale_tmp(dir);
            remove_stale_tmp(cells);
        }
    }
    /* the other ranks wait for rank 0's answer and end with it */
    if (par_any(rc != 0)) return rc ? rc : FATE_EXIT_USAGE;
    return 0;
}
