/* output.h -- the HDF5 results file of `semsim run` (CONTRACT.md, docs/hdf5.md).
 *
 * Where it sits: the runner (sim/run.c) opens it once, hands it each finished
 * point x repeat, and finishes it when every point is done. Layout:
 *
 *   /              attributes semsim_version, git_revision, scenario (the fully
 *                  resolved scenario text), scenario_file, seed, start_time,
 *                  end_time, complete (1 once finished)
 *   /summary       compound table, one row per point x repeat, sorted by
 *                  (point, repeat) when finished: a column per key the run set
 *                  or swept (named by the key; numbers float64, text fixed-length
 *                  strings), then point, repeat, seed (int64), then the metric
 *                  columns (float64, NaN where not applicable) and status.
 *   /voices        compound table, one row per point x repeat x voice of a
 *                  word-scored run (sim/out_voices.h), sorted by (point,
 *                  repeat, voice) when finished.
 *   /points/NNNN   one group per row, NNNN = point * repeats + repeat, with
 *                  attributes point, repeat, seed and the table `utterances`
 *                  (id, user, reference, hypothesis, word and bit counts,
 *                  symbols, duration, arrival, done, latency, cosine).
 *   /grid          the sweep as an N-d grid for xarray (h5netcdf): one float64
 *                  dataset per numeric metric with dimensions (sweep dims...,
 *                  repeat), coordinates as HDF5 dimension scales.
 *
 * Crash safety: everything goes to OUT.h5.partial, flushed after every row;
 * finishing renames it to OUT.h5. An existing OUT.h5 is never replaced unless
 * force is set. With resume, an existing OUT.h5.partial written for the same
 * resolved scenario is reopened and its rows are kept (a /points group without
 * a /summary row, left by a kill mid-point, is removed and recomputed).
 */
#ifndef SIM_OUTPUT_H
#define SIM_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "sim/metrics.h"
#include "sim/sweep.h"

#define SIM_OUT_STR 256 /* fixed-length string columns (parameters, ids) */

typedef struct sim_out sim_out;

typedef struct sim_out_layout {
    size_t n_params;
    const char *const *param_names; /* column names (scenario keys)           */
    const int *param_is_string;     /* 1: fixed-length string, 0: float64      */
    const char *scenario_text;      /* resolved text; resume compares it       */
    const char *scenario_file;
    uint64_t seed;
    /* a shard of a run (`semsim run --shard I/N`, joined by `semsim merge`):
     * shards > 1 writes the root attributes shard, shards, points, repeats and
     * overrides (the --set/--sweep lines); resume then also needs the same
     * shard. shards 0: a whole run (none of them written). */
    size_t shard, shards, points, repeats;
    const char *overrides;
} sim_out_layout;

enum { SIM_OUT_FORCE = 1, SIM_OUT_RESUME = 2 };

/* Open PATH.partial for writing. BASE_EEXIST if PATH exists and flags lack
 * SIM_OUT_FORCE (nothing is touched then). With SIM_OUT_RESUME and an existing
 * partial file of the same scenario, its completed rows are kept; a partial
 * file of another scenario is an error (BASE_EEXIST). */
base_status sim_out_open(const char *path, const sim_out_layout *lay, unsigned flags, sim_out **out,
                         base_err *err);

/* 1 when --resume found PATH.partial damaged (a run killed while HDF5 was
 * writing leaves metadata half-written) and the file was started over. */
int sim_out_restarted(const sim_out *o);

/* Rows already in the file (kept by resume). */
size_t sim_out_rows(const sim_out *o);
/* 1 if (point, repeat) is already stored. */
int sim_out_has(const sim_out *o, size_t point, size_t repeat);

/* One finished point x repeat: the parameter values (text, in layout order;
 * numbers are parsed to float64), the metrics, the per-utterance results
 * (written when utts != NULL) and the n_voices per-voice figures (/voices
 * rows; may be NULL when 0). Appends a /summary row and flushes. */
base_status sim_out_write(sim_out *o, size_t point, size_t repeat, size_t repeats, uint64_t seed,
                          const char *const *param_values, const sim_point_metrics *m,
                          const sim_utt_result *utts, size_t n_utts,
                          const sim_voice_metrics *voices, size_t n_voices, base_err *err);

/* Sort /summary, write /grid from the sweep (may be NULL: no grid), set the
 * final attributes, close and rename PATH.partial to PATH. The object is
 * freed whatever happens. */
base_status sim_out_finish(sim_out *o, const sim_sweep *sw, size_t repeats, base_err *err);

/* Close without renaming (the partial file stays, for --resume). The close is
 * checked: BASE_EIO (err filled, may be NULL) when HDF5 cannot complete the
 * file. The object is freed whatever happens. NULL ok. */
base_status sim_out_close(sim_out *o, base_err *err);

/* sclite trn files for one row: DIR/NNNN.ref.trn and DIR/NNNN.hyp.trn
 * (`words ... (ID)` per utterance; an ID without '_' is written as utt_ID so
 * that `sclite -i rm` can split it). Creates DIR and its missing parents. Utterances without a
 * reference are skipped; returns BASE_OK writing nothing if none has one. */
base_status sim_out_write_trn(const char *dir, size_t row, const sim_utt_result *utts, size_t n,
                              base_err *err);

/* ---- semsim merge: shard files into one (sim/merge.c) ---------------------------- */

/* Shard file path's /summary rows (read in o's layout: the same scenario
 * and build), each with its /points group, into o. point and repeat must be
 * below points and repeats; a (point, repeat) already in o is BASE_EEXIST
 * naming path. Checks only rows: the caller compares scenarios. */
base_status sim_out_merge_file(sim_out *o, const char *path, size_t points, size_t repeats,
                               base_err *err);

/* Metric column names of /summary in order (NULL-terminated), for readers. */
const char *const *sim_out_metric_names(void);

#endif
