/* cover.h -- what the utterances of each sweep point cover (how many
 * utterances, voices and distinct lines of its source), as the header of
 * `semsim run` and the report of `semsim validate` print it.
 *
 * Where it sits: on top of sim/sample.h (the evaluation order). A point's
 * source is its source.manifest, or, for the built-in TTS source, the
 * manifest its cache entry holds (sim/tts_source.h) -- or, before synthesis
 * (validate), the manifest the entry will hold, planned from source.text,
 * source.lines and source.voices as `semsim corpus` names its files. Kinds
 * that take no speech (bits) have no source and print nothing.
 */
#ifndef SIM_COVER_H
#define SIM_COVER_H

#include <stddef.h>
#include <stdio.h>

#include "base/status.h"
#include "codecs/manifest.h"
#include "sim/sample.h"
#include "sim/scenario.h"

/* cfg's source manifest in manifest order: *man NULL (and BASE_OK) when
 * cfg's kind takes no speech. Errors name the input file (and line). */
base_status sim_cover_source(const sim_config *cfg, codec_manifest **man, base_err *err);

/* What the point cfg covers; *has 0 when it has no source. */
base_status sim_cover_point(const sim_config *cfg, int *has, sim_sample_cover *c, base_err *err);

/* Writes to out what the np points cfgs cover: one line when every point
 * covers the same (same source, utterances and seed), else one line per
 * point; nothing when no point has a source. E.g.
 *   utterances: 6 of 60 per point (voices 2 of 2, lines 6 of 30), balanced by scenario.seed 1 */
base_status sim_cover_write(const sim_config *cfgs, size_t np, FILE *out, base_err *err);

#endif
