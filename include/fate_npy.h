/* fate_npy.h - writing arrays as NumPy .npy files (format 1.0, little-endian
 * float64 '<f8', C order), so that NumPy users need no parser:
 * numpy.load(path) gives the array with the documented shape. */
#ifndef FATE_NPY_H
#define FATE_NPY_H
#include <stddef.h>
#include "fate.h"

#ifdef __cplusplus
extern "C" {
#endif

/* data: prod(shape) doubles, row-major; ndim in 1..8. Written atomically
 * (temporary file, fsync, rename, fsync of the folder). FATE_EIO if the file cannot be written. */
FATE_API fate_status fate_npy_write(const char *path, const double *data, const size_t *shape, size_t ndim);

#ifdef __cplusplus
}
#endif
#endif
