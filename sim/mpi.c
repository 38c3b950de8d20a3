/* mpi.c -- the MPI wrapper of `semsim run` (see mpi.h). Built against
 * OpenMPI when configure finds it (HAVE_MPI); otherwise every entry point
 * but sim_mpi_launched says this build has no MPI. */
#include "sim/mpi.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"

#ifdef HAVE_MPI
#include <mpi.h>
#endif

struct sim_mpi {
    int rank, size;
};

/* The one piece of process state here: a signal handler receives no context,
 * so SIGTERM/SIGINT on rank 0 can only be noted in a flag the writer reads
 * (sim_mpi_stop_requested). Set by the handler only; nothing else writes it. */
static volatile sig_atomic_t stop_signal;

static long env_long(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? strtol(v, NULL, 10) : 0;
}

int sim_mpi_launched(void)
{
    return env_long("OMPI_COMM_WORLD_SIZE") > 1 || env_long("PMI_SIZE") > 1;
}

int sim_mpi_rank(const sim_mpi *m)
{
    return m ? m->rank : 0;
}

int sim_mpi_size(const sim_mpi *m)
{
    return m ? m->size : 1;
}

int sim_mpi_stop_requested(sim_mpi *m)
{
    return m && m->rank == 0 && stop_signal != 0;
}

#ifdef HAVE_MPI

int sim_mpi_available(void)
{
    return 1;
}

static void on_stop(int sig)
{
    stop_signal = sig;
}

static base_status mpi_fail(base_err *err, int rc, const char *what)
{
    char msg[MPI_MAX_ERROR_STRING] = "";
    int n = 0;
    MPI_Error_string(rc, msg, &n);
    return base_err_set(err, BASE_EIO, NULL, 0, "MPI: %s failed: %s", what, msg);
}

base_status sim_mpi_start(sim_mpi **out, base_err *err)
{
    *out = NULL;
    sim_mpi *m = calloc(1, sizeof *m);
    if (!m) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    int provided = 0;
    if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        free(m);
        return base_err_set(err, BASE_EIO, NULL, 0, "MPI_Init failed");
    }
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &m->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &m->size);
    if (m->rank == 0) { /* the writer closes the partial file and says why */
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_stop;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
    }
    *out = m;
    return BASE_OK;
}

void sim_mpi_finish(sim_mpi *m, int clean)
{
    if (!m) return;
    if (clean) MPI_Finalize();
    free(m);
}

base_status sim_mpi_send(sim_mpi *m, int to, int tag, const void *buf, size_t len, base_err *err)
{
    (void)m;
    if (len > (size_t)0x7fffffff)
        return base_err_set(err, BASE_ERANGE, NULL, 0, "MPI message too large (%zu bytes)", len);
    int rc = MPI_Send(buf, (int)len, MPI_BYTE, to, tag, MPI_COMM_WORLD);
    return rc == MPI_SUCCESS ? BASE_OK : mpi_fail(err, rc, "MPI_Send");
}

int sim_mpi_poll(sim_mpi *m, int from, int tag, unsigned char **buf, size_t *len, int *src,
                 base_err *err)
{
    (void)m;
    int flag = 0, count = 0;
    MPI_Status s;
    int rc = MPI_Iprobe(from < 0 ? MPI_ANY_SOURCE : from, tag, MPI_COMM_WORLD, &flag, &s);
    if (rc != MPI_SUCCESS) return mpi_fail(err, rc, "MPI_Iprobe"), -1;
    if (!flag) return 0;
    MPI_Get_count(&s, MPI_BYTE, &count);
    if (!(*buf = malloc((size_t)count + 1)))
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory"), -1;
    rc =
        MPI_Recv(*buf, count, MPI_BYTE, s.MPI_SOURCE, s.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS) {
        free(*buf);
        *buf = NULL;
        return mpi_fail(err, rc, "MPI_Recv"), -1;
    }
    *len = (size_t)count;
    if (src) *src = s.MPI_SOURCE;
    return 1;
}

#else /* no MPI in this build */

int sim_mpi_available(void)
{
    return 0;
}

base_status sim_mpi_start(sim_mpi **out, base_err *err)
{
    *out = NULL;
    return base_err_set(err, BASE_EUNSUPPORTED, NULL, 0,
                        "started by an MPI launcher, but this semsim was built without MPI "
                        "(install libopenmpi-dev and run ./configure again)");
}

void sim_mpi_finish(sim_mpi *m, int clean)
{
    (void)clean;
    free(m);
}

base_status sim_mpi_send(sim_mpi *m, int to, int tag, const void *buf, size_t len, base_err *err)
{
    (void)m, (void)to, (void)tag, (void)buf, (void)len;
    return base_err_set(err, BASE_EUNSUPPORTED, NULL, 0, "built without MPI");
}

int sim_mpi_poll(sim_mpi *m, int from, int tag, unsigned char **buf, size_t *len, int *src,
                 base_err *err)
{
    (void)m, (void)from, (void)tag, (void)buf, (void)len, (void)src;
    base_err_set(err, BASE_EUNSUPPORTED, NULL, 0, "built without MPI");
    return -1;
}

#endif
