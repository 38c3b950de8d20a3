/* jobmsg.h -- one job's result (a sweep point x repeat) as a flat byte
 * message, so that an MPI worker rank can hand it to rank 0, which writes the
 * row (sim/run.c, sim/mpi.h).
 *
 * The message is "the job's result struct, serialised": a header, then
 * tagged sections (tag, byte length, bytes). sim_point_metrics goes whole
 * (memcpy: every rank runs the same binary, and a metric added to the struct
 * travels without a change here); each sim_utt_result goes as its fixed part
 * (pointers zeroed) followed by its two strings. A new kind of per-job data
 * (e.g. per-voice rows) is one more section: a case in pack and one in
 * unpack; an unknown tag is an error, so both ends must agree. */
#ifndef SIM_JOBMSG_H
#define SIM_JOBMSG_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "sim/metrics.h"

/* What a finished job hands to the writer. */
typedef struct sim_job_result {
    base_status st; /* BASE_OK, or the job's error (err says what)        */
    base_err err;
    sim_point_metrics m;
    sim_utt_result *utts; /* (n_utts) malloc'd, strings malloc'd          */
    size_t n_utts;
    sim_voice_metrics *voices; /* (n_voices) the /voices rows, malloc'd      */
    size_t n_voices;
} sim_job_result;

/* Free the utterances (and their strings) and voice rows, and zero r's
 * pointers. NULL ok. */
void sim_job_result_clear(sim_job_result *r);

/* Serialise r for job index `job` into a malloc'd buffer *buf of *len bytes. */
base_status sim_jobmsg_pack(int64_t job, const sim_job_result *r, unsigned char **buf, size_t *len,
                            base_err *err);

/* Parse a message: *job and r (r is overwritten: clear it first; on error it
 * holds nothing to free). BASE_EFORMAT for a truncated or foreign message. */
base_status sim_jobmsg_unpack(const unsigned char *buf, size_t len, int64_t *job, sim_job_result *r,
                              base_err *err);

#endif
