/* blas_threads.c - the BLAS library's own thread count, behind one pair of
 * functions so that libfate builds and runs against any CBLAS.
 *
 * The library's parallel loops make one BLAS call per OpenMP thread, so they
 * set a multithreaded BLAS to one thread while they run (no oversubscription,
 * and sums that do not depend on the thread count) and put the previous count
 * back afterwards. OpenBLAS is the BLAS with a call for this that fate uses:
 * CMake defines FATE_OPENBLAS_THREADS when the BLAS it links exports
 * openblas_set_num_threads (cmake/fate_blas.cmake). With any other BLAS these
 * functions do nothing: reference BLAS is single-threaded, and for a
 * threaded one (BLIS, MKL) its environment variable sets the count. */
#include "internal.h"

#ifdef FATE_OPENBLAS_THREADS
/* declared here rather than through cblas.h: only OpenBLAS's cblas.h has them */
int openblas_get_num_threads(void);
void openblas_set_num_threads(int num_threads);
#endif

int blas_threads_get(void)
{
#ifdef FATE_OPENBLAS_THREADS
    return openblas_get_num_threads();
#else
    return 1;
#endif
}

int fate_blas_threads(int n)
{
    const int before = blas_threads_get();
    if (n >= 1) blas_threads_set(n);
    return before;
}

void blas_threads_set(int n)
{
#ifdef FATE_OPENBLAS_THREADS
    openblas_set_num_threads(n);
#else
    (void)n;
#endif
}
