/* pipeline.h -- what `source.kind` sends and how each utterance's content is
 * computed, plugged into the event network as sim_payload_ops: a thin
 * dispatcher over the kind table (sim/kind.h).
 *
 * Where it sits: sim/run.c resolves every sweep point into a sim_config, asks
 * sim_pipeline_check whether this build can run it (before any output is
 * touched), lets sim_pipeline_prepare load what the point shares into the
 * run's sim_resources (before any worker starts), then per point x repeat
 * creates a pipeline, hands its ops to sim/network and collects the
 * per-utterance results at the sink.
 *
 * Kinds (one row each in sim/kind.c):
 *   bits      random information bits over the digital link's bit driver
 *             (sim/kind_bits.h);
 *   semantic  manifest speech through the agents and the link (sim/pipe_semantic.h);
 *   codec2-3200, codec2-1200, codec2-700c, opus-N
 *             the classic-codec baselines (sim/pipe_codec.h).
 * Without source.manifest the speaking kinds use the built-in TTS source
 * (sim/tts_source.h), prepared by sim_run before the points start.
 *
 * Randomness: every stream is derived from (seed, utterance index, component),
 * so content is independent of timing, of other points and of -j.
 */
#ifndef SIM_PIPELINE_H
#define SIM_PIPELINE_H

#include <stdint.h>

#include "base/status.h"
#include "sim/metrics.h"
#include "sim/network.h"
#include "sim/resources.h"
#include "sim/scenario.h"

typedef struct sim_pipeline sim_pipeline;

/* Can this build run cfg (one resolved point of sc)? On error err names the
 * file:line of the key at fault (from sc). Checks input files exist, and that
 * source.kind is a row of the kind table. */
base_status sim_pipeline_check(const sim_scenario *sc, const sim_config *cfg, base_err *err);
/* sim_pipeline_check for a run's points: res keeps the model files checked
 * (sim_resources_check_agent), so each distinct file is loaded once per run
 * however many points name it, and the kinds' prepare finds it loaded. The
 * errors are sim_pipeline_check's. res NULL: sim_pipeline_check. Main thread. */
base_status sim_pipeline_check_shared(const sim_scenario *sc, const sim_config *cfg,
                                      sim_resources *res, base_err *err);

/* Adds to res what cfg's jobs share (agents, lexicons): main thread, before
 * any worker starts. */
base_status sim_pipeline_prepare(const sim_config *cfg, sim_resources *res, base_err *err);

/* One pipeline per point x repeat (a worker thread owns it). seed is the
 * repeat's seed. res: the run's shared, read-only resources (NULL: a pipeline
 * loads what it needs itself). */
sim_pipeline *sim_pipeline_create(const sim_config *cfg, uint64_t seed, const sim_resources *res,
                                  base_err *err);
void sim_pipeline_destroy(sim_pipeline *p); /* NULL is a no-op */

/* rx.tts_voice: write each utterance's resynthesised audio under root as
 * root/PPPP-RR/ID.wav (sim/s2s.h); a no-op for points without it. */
base_status sim_pipeline_set_wav(sim_pipeline *p, const char *root, size_t point, size_t repeat,
                                 base_err *err);

/* Utterances the source can provide (SIZE_MAX: unlimited, e.g. random bits). */
size_t sim_pipeline_available(const sim_pipeline *p);

/* The callbacks for sim_net_create (ctx is the kind's object). */
void sim_pipeline_ops(sim_pipeline *p, sim_payload_ops *ops);

/* Point-level figures the pipeline knows (handshake symbols, alignment
 * metrics); leaves the others untouched. */
void sim_pipeline_point_metrics(const sim_pipeline *p, sim_point_metrics *m);

/* 1 when cfg's kind is scored in words (WER), 0 in bits (BER): which error
 * rate the progress bar and table show. */
int sim_pipeline_counts_words(const sim_config *cfg);

#endif
