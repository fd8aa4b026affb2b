/* npy.c - NumPy .npy format 1.0 writer (see fate_npy.h).
 * Layout: magic "\x93NUMPY", version 1.0, a little-endian uint16 header
 * length, an ASCII dict {'descr': '<f8', 'fortran_order': False, 'shape': (..)}
 * padded with spaces and a newline so that the data start at a multiple of
 * 64 bytes, then the raw float64 values. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fate_npy.h"

static int little_endian(void)
{
    const uint16_t one = 1;
    unsigned char c;
    memcpy(&c, &one, 1);
    return c == 1;
}

/* Syncs the folder of path so that the rename is durable too; best effort
 * (some file systems refuse fsync on a folder). */
static void sync_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, (size_t)(slash - path) + 1) : strdup(".");
    int fd = dir ? open(dir, O_RDONLY | O_DIRECTORY) : -1;
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(dir);
}

fate_status fate_npy_write(const char *path, const double *data, const size_t *shape, size_t ndim)
{
    if (!path || !shape || ndim < 1 || ndim > 8 || !little_endian()) return FATE_EINVAL;
    size_t count = 1;
    for (size_t i = 0; i < ndim; i++) count *= shape[i];
    if (count > 0 && !data) return FATE_EINVAL;
    char dict[512];
    int k = snprintf(dict, sizeof dict, "{'descr': '<f8', 'fortran_order': False, 'shape': (");
    for (size_t i = 0; i < ndim; i++)
        k += snprintf(dict + k, sizeof dict - (size_t)k, "%zu%s", shape[i], ndim == 1 ? "," : (i + 1 < ndim ? ", " : ""));
    k += snprintf(dict + k, sizeof dict - (size_t)k, "), }");
    /* 10 bytes of preamble + dict + padding + '\n' = multiple of 64 */
    size_t total = 10 + (size_t)k + 1;
    size_t pad = (64 - total % 64) % 64;
    size_t hlen = (size_t)k + pad + 1;
    char tmp[4200];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp) return FATE_EINVAL;
    FILE *f = fopen(tmp, "wb");
    if (!f) return FATE_EIO;
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                             (unsigned char)(hlen & 0xff), (unsigned char)(hlen >> 8)};
    int ok = fwrite(pre, 1, 10, f) == 10 && fwrite(dict, 1, (size_t)k, f) == (size_t)k;
    for (size_t i = 0; ok && i < pad; i++) ok = fputc(' ', f) != EOF;
    ok = ok && fputc('\n', f) != EOF;
    ok = ok && (count == 0 || fwrite(data, sizeof(double), count, f) == count);
    /* synced before the rename: after a crash the final name holds the old
     * array or the whole new one, never an empty file */
    ok = ok && fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return FATE_EIO;
    }
    sync_parent(path);
    return FATE_OK;
}
