/* out_voices.h -- the /voices table of the results file: one row per
 * (point, repeat, voice) with the voice's word and character figures
 * (sim_voice_metrics, docs/hdf5.md).
 *
 * Where it sits: sim/output.c creates it with /summary, appends a row's
 * voices just before the row itself (so a kill in between leaves rows that
 * --resume drops, as it drops /points groups), and sorts it by (point,
 * repeat, voice) when the file is finished. Columns: point, repeat (int64,
 * the /summary values), voice (fixed-length string), utterances, ref_words,
 * sub, del, ins, wer, wer_ci_low, wer_ci_high, ref_chars, cer (float64).
 */
#ifndef SIM_OUT_VOICES_H
#define SIM_OUT_VOICES_H

#include <stddef.h>
#include <stdint.h>

#include "base/h5io.h"
#include "base/status.h"
#include "sim/metrics.h"

/* Create the empty, extendible table (nothing when it exists). */
base_status sim_out_voices_create(base_h5 *h, base_err *err);

/* Append one point x repeat's n voices. */
base_status sim_out_voices_append(base_h5 *h, int64_t point, int64_t repeat,
                                  const sim_voice_metrics *v, size_t n, base_err *err);

/* Keep only the rows whose (point, repeat) is one of the n pairs given
 * (the /summary rows kept by --resume); the table is rewritten only when
 * something goes. */
base_status sim_out_voices_keep(base_h5 *h, const int64_t *point, const int64_t *repeat, size_t n,
                                base_err *err);

/* Append every /voices row of src (a shard file; none when it has no
 * /voices) to dst's table (semsim merge; the finish step sorts them). */
base_status sim_out_voices_copy(base_h5 *src, base_h5 *dst, base_err *err);

/* Sort the rows by (point, repeat, voice). */
base_status sim_out_voices_sort(base_h5 *h, base_err *err);

#endif
