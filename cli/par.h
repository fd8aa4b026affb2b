/* par.h - the CLI's view of MPI: a sweep's theta-rows are spread over ranks
 * that share the output folder; rank 0 assembles the results. Without MPI
 * (or when not started by mpirun) there is one rank. */
#ifndef FATE_CLI_PAR_H
#define FATE_CLI_PAR_H

/* Starts MPI only when launched by an MPI launcher (OMPI/PMI environment);
 * a plain `fate ...` never touches MPI. */
void par_init(int *argc, char ***argv);
void par_finalize(void);
int par_rank(void);
int par_size(void);
static inline int par_root(void) { return par_rank() == 0; }
void par_barrier(void);
/* Logical OR of flag over all ranks. */
int par_any(int flag);
/* "OpenMPI x.y" when compiled with MPI, else a sentence saying it is off. */
const char *par_description(void);
#endif
