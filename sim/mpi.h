/* mpi.h -- the MPI side of `semsim run` (OpenMPI): the only file that
 * includes mpi.h is sim/mpi.c. sim/run.c uses it to spread (point, repeat)
 * jobs over ranks: rank 0 hands out jobs and writes the results file, every
 * rank (rank 0 too) runs jobs on its -j threads (docs/cluster.md).
 *
 * A plain `semsim run` never calls into MPI: sim_mpi_launched reads only the
 * environment an MPI launcher sets, and only then does cmd_run call
 * sim_mpi_start (MPI_Init). Only the main thread of a rank calls these
 * functions (MPI_THREAD_FUNNELED).
 *
 * Signals: a rank that dies makes mpirun stop the others with SIGTERM. On
 * rank 0, sim_mpi_start catches SIGTERM and SIGINT (a handler that only sets
 * a flag), so the writer notices them (sim_mpi_stop_requested), closes the
 * partial file with every finished row in it and says so in one line; other
 * ranks keep the default action (they just stop). */
#ifndef SIM_MPI_H
#define SIM_MPI_H

#include <stddef.h>

#include "base/status.h"

typedef struct sim_mpi sim_mpi;

/* 1 when this process was started by an MPI launcher as one of more than one
 * process (OMPI_COMM_WORLD_SIZE or PMI_SIZE > 1), else 0. Environment only. */
int sim_mpi_launched(void);

/* 1 when this build has MPI support. */
int sim_mpi_available(void);

/* MPI_Init (FUNNELED). BASE_EUNSUPPORTED when built without MPI. */
base_status sim_mpi_start(sim_mpi **out, base_err *err);

/* MPI_Finalize and free m when clean; when not (a peer may be dead and
 * MPI_Finalize would wait for it), just free m. NULL ok. */
void sim_mpi_finish(sim_mpi *m, int clean);

int sim_mpi_rank(const sim_mpi *m); /* 0 for NULL */
int sim_mpi_size(const sim_mpi *m); /* 1 for NULL */

/* Send len bytes to rank `to` with tag (blocking until the buffer may be
 * reused). */
base_status sim_mpi_send(sim_mpi *m, int to, int tag, const void *buf, size_t len, base_err *err);

/* Non-blocking receive: when a message with tag from `from` (-1: any rank)
 * has arrived, receive it into a malloc'd *buf (*len bytes, *src its rank)
 * and return 1; 0 when none is waiting; -1 on an error (err filled). */
int sim_mpi_poll(sim_mpi *m, int from, int tag, unsigned char **buf, size_t *len, int *src,
                 base_err *err);

/* Rank 0: 1 once a SIGTERM or SIGINT arrived, else 0. */
int sim_mpi_stop_requested(sim_mpi *m);

#endif
