/* par.c - MPI for the CLI (see par.h). The library itself has no MPI: any
 * process can compute any cell, and cells are files, so distributing a sweep
 * is only a matter of which rank skips which cells. */
#include <stdlib.h>

#include "par.h"

#ifdef FATE_HAVE_MPI
#include <mpi.h>

static int active = 0, rank = 0, size = 1;

void par_init(int *argc, char ***argv)
{
    /* launched by mpirun/srun? (OpenMPI, PMI, PMIx, MPICH/Hydra) */
    if (!getenv("OMPI_COMM_WORLD_SIZE") && !getenv("PMI_SIZE") && !getenv("PMIX_RANK") &&
        !getenv("PMI_RANK"))
        return;
    if (MPI_Init(argc, argv) != MPI_SUCCESS) return;
    active = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
}

void par_finalize(void)
{
    if (active) MPI_Finalize();
    active = 0;
}

int par_rank(void) { return rank; }
int par_size(void) { return size; }

void par_barrier(void)
{
    if (active) MPI_Barrier(MPI_COMM_WORLD);
}

int par_any(int flag)
{
    if (!active) return flag != 0;
    int in = flag != 0, out = 0;
    MPI_Allreduce(&in, &out, 1, MPI_INT, MPI_LOR, MPI_COMM_WORLD);
    return out;
}

const char *par_description(void) { return "MPI enabled (" FATE_MPI_NAME ")"; }

#else

void par_init(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
}
void par_finalize(void) {}
int par_rank(void) { return 0; }
int par_size(void) { return 1; }
void par_barrier(void) {}
int par_any(int flag) { return flag != 0; }
const char *par_description(void)
{
    return "MPI disabled (built without MPI: install libopenmpi-dev and rebuild)";
}

#endif
