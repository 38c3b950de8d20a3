/* run.h -- running a scenario: every sweep point x repeat, in worker threads,
 * into the HDF5 results file. This is `semsim run` without the option parsing.
 *
 * Order of work: expand the sweep; resolve and check every point (any error
 * stops here, before an output file is touched); open OUT.h5.partial (or
 * reopen it with resume, skipping finished rows); run the remaining jobs on
 * `jobs` threads, each job one point x repeat with its own pipeline and event
 * network; the main thread writes each finished row (flushed), draws the
 * progress bar, and finally sorts /summary, writes /grid and renames the
 * file. Results do not depend on `jobs`: every random stream is derived from
 * (repeat seed, utterance, component).
 *
 * Under MPI (opts.mpi) every rank resolves and prepares the same way; rank 0
 * opens the output, hands out pending jobs one at a time to whoever asks (its
 * own threads and the other ranks, each keeping jobs + 1 requests open) and
 * writes the rows the ranks send back (sim/jobmsg.h); results are the same as
 * with one process. With a shard (opts.shards > 1) only that shard's jobs run
 * and the file records the shard for `semsim merge` (sim/merge.h).
 */
#ifndef SIM_RUN_H
#define SIM_RUN_H

#include <stddef.h>
#include <stdio.h>

#include "base/log.h"
#include "base/status.h"
#include "sim/scenario.h"

typedef struct sim_run_opts {
    const char *out_path; /* results file (required unless dry_run)               */
    const char *trn_dir;  /* sclite trn files per row, or NULL (then output.trn)   */
    int jobs;             /* worker threads, >= 1                                  */
    int resume, force, dry_run;
    int progress; /* draw a progress bar on stderr                         */
    FILE *table;  /* readable summary table at the end (NULL: none)        */
    FILE *list;   /* dry run: where the point list goes                   */
    const base_log *log;
    size_t kill_after_rows; /* tests: SIGKILL this process after writing that many
                               rows in this session (0: never), to simulate a crash  */
    /* spreading a run over processes (docs/cluster.md) */
    struct sim_mpi *mpi;    /* NULL: this process alone; else the ranks share the jobs:
                               rank 0 hands them out and writes, every rank runs them */
    size_t shard, shards;   /* --shard I/N: only jobs k = point * repeats + repeat with
                               k % N == I (shards 0 or 1: every job)                  */
    const char *overrides;  /* the --set/--sweep arguments, one "--set K=V" a line; a
                               shard file keeps them so `semsim merge` can rebuild the
                               scenario (NULL: none)                                   */
    int kill_rank;          /* tests: MPI rank kill_rank (> 0) SIGKILLs itself after   */
    size_t kill_after_jobs; /* sending that many results (0: never)                    */
    const char *wav_dir;    /* --wav: rx.tts_voice's resynthesised audio as
                               DIR/PPPP-RR/ID.wav (sim/s2s.h), or NULL                 */
} sim_run_opts;

/* Check sc can run (sweep expands, every point resolves and this build can run
 * it). The error names file:line. */
base_status sim_run_validate(const sim_scenario *sc, size_t *points, base_err *err);

/* Run (or with dry_run, list) the scenario. */
base_status sim_run(const sim_scenario *sc, const sim_run_opts *opts, base_err *err);

#endif
