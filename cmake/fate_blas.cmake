# fate_blas.cmake - BLAS, LAPACK and LAPACKE through CMake's FindBLAS and
# FindLAPACK and pkg-config, for any vendor FindBLAS knows (no system paths
# written here). Included by CMakeLists.txt; it sets
#   BLAS_LIBRARIES, LAPACK_LIBRARIES  (FindBLAS, FindLAPACK)
#   LAPACKE_LIBRARY                   liblapacke, or empty when LAPACK has it
#   LAPACKE_INCLUDE_DIR, CBLAS_INCLUDE_DIR
#   FATE_OPENBLAS_THREADS             the BLAS exports openblas_set_num_threads
#                                     (src/blas_threads.c then calls it)
include(CheckFunctionExists)

# A cache variable, so that `cmake -DBLA_VENDOR=Generic` (reference BLAS),
# FLAME (BLIS), Intel10_64lp (MKL) or All is kept by later runs.
set(BLA_VENDOR OpenBLAS CACHE STRING
    "BLAS/LAPACK vendor for FindBLAS: OpenBLAS, Generic, FLAME, Intel10_64lp, All, ...")
find_package(BLAS REQUIRED)
find_package(LAPACK REQUIRED)
find_package(PkgConfig REQUIRED)

# Where a package ships a .pc file, pkg-config names its header folder (on
# Debian, OpenBLAS's cblas.h lives in a multiarch sub-folder).
string(TOLOWER "${BLA_VENDOR}" _fate_vendor)
set(_fate_cblas_pc cblas)
if(_fate_vendor STREQUAL "openblas")
  set(_fate_cblas_pc openblas cblas)
elseif(_fate_vendor STREQUAL "flame")
  set(_fate_cblas_pc blis cblas)
endif()
pkg_search_module(FATE_PC_CBLAS QUIET ${_fate_cblas_pc})
pkg_check_modules(FATE_PC_LAPACKE QUIET lapacke)

find_path(CBLAS_INCLUDE_DIR cblas.h HINTS ${FATE_PC_CBLAS_INCLUDE_DIRS}
          PATH_SUFFIXES openblas blis REQUIRED)
find_path(LAPACKE_INCLUDE_DIR lapacke.h HINTS ${FATE_PC_LAPACKE_INCLUDE_DIRS}
          PATH_SUFFIXES lapacke openblas REQUIRED)

# Some LAPACK builds (MKL, OpenBLAS built with LAPACKE) carry the C interface;
# otherwise it is the separate liblapacke.
set(CMAKE_REQUIRED_LIBRARIES ${LAPACK_LIBRARIES} ${BLAS_LIBRARIES})
set(CMAKE_REQUIRED_QUIET ON)
check_function_exists(LAPACKE_dsyevd FATE_LAPACK_HAS_LAPACKE)
if(NOT FATE_LAPACK_HAS_LAPACKE)
  find_library(LAPACKE_LIBRARY lapacke HINTS ${FATE_PC_LAPACKE_LIBRARY_DIRS} REQUIRED)
endif()

# The thread-count call of src/blas_threads.c: looked up in the BLAS that is
# linked, not assumed from BLA_VENDOR (Debian's libblas.so.3 from OpenBLAS
# does not export it).
set(CMAKE_REQUIRED_LIBRARIES ${BLAS_LIBRARIES})
check_function_exists(openblas_set_num_threads FATE_OPENBLAS_THREADS)
unset(CMAKE_REQUIRED_LIBRARIES)
unset(CMAKE_REQUIRED_QUIET)
if(FATE_OPENBLAS_THREADS)
  message(STATUS "fate: BLAS ${BLA_VENDOR}: ${BLAS_LIBRARIES} (thread count set through OpenBLAS)")
else()
  message(STATUS "fate: BLAS ${BLA_VENDOR}: ${BLAS_LIBRARIES} (its thread count is left alone)")
endif()
