/* pipeline.h -- what `source.kind` sends and how each utterance's content is
 * computed, plugged into the event network as sim_payload_ops.
 *
 * Where it sits: sim/run.c resolves every sweep point into a sim_config, asks
 * sim_pipeline_check whether this build can run it (before any output is
 * touched), then per point x repeat creates a pipeline, hands its ops to
 * sim/network and collects the per-utterance results at the sink.
 *
 * Kinds wired so far:
 *   bits      random information bits over the digital link's bit driver
 *             (channel/digital.h chan_bits_run): one utterance is one block of
 *             source.bits bits, cut into frames of source.frame_bits bits (one
 *             FEC codeword each); link.frames_per_packet frames per packet, each
 *             packet an independent channel realisation. Reports bits, bit
 *             errors, packets and packet errors (a packet with any codeword in
 *             error), channel uses; word metrics are NaN.
 *   semantic  manifest speech through the agents and the link (sim/pipe_semantic.h):
 *             equalizer.type none or oracle; analog or digital link.
 *   codec2-3200, codec2-1200, codec2-700c, opus-N
 *             the classic-codec baselines (sim/pipe_codec.h): codec frames over
 *             the digital link's raw-bits path, recognised by rx.model.
 * Without source.manifest the speaking kinds use the built-in TTS source
 * (sim/tts_source.h), prepared by sim_run before the points start.
 *
 * Randomness: every stream is derived from (seed, utterance index, component),
 * so content is independent of timing, of other points and of -j.
 */
#ifndef SIM_PIPELINE_H
#define SIM_PIPELINE_H

#include "channel/model.h"
#include "codecs/manifest.h"
#include "base/status.h"
#include "sim/metrics.h"
#include "sim/network.h"
#include "sim/receiver.h"
#include "sim/scenario.h"

typedef struct sim_pipeline sim_pipeline;

/* Can this build run cfg (one resolved point of sc)? On error err names the
 * file:line of the key at fault (from sc). Checks input files exist. */
base_status sim_pipeline_check(const sim_scenario *sc, const sim_config *cfg, base_err *err);

/* One pipeline per point x repeat (a worker thread owns it). seed is the
 * repeat's seed. lx: the run's shared, read-only lexicons for beam decoding
 * (sim/receiver.h; NULL: a pipeline that needs one builds its own). */
sim_pipeline *sim_pipeline_create(const sim_config *cfg, uint64_t seed, const sim_lexicons *lx,
                                  base_err *err);
void sim_pipeline_destroy(sim_pipeline *p); /* NULL is a no-op */

/* Utterances the source can provide (SIZE_MAX: unlimited, e.g. random bits). */
size_t sim_pipeline_available(const sim_pipeline *p);

/* The callbacks for sim_net_create (ctx is p). */
void sim_pipeline_ops(sim_pipeline *p, sim_payload_ops *ops);

/* Point-level figures the pipeline knows (handshake symbols, alignment
 * metrics); leaves the others untouched. */
void sim_pipeline_point_metrics(const sim_pipeline *p, sim_point_metrics *m);

/* "word" or "bit": which error rate the progress bar and table show. */
int sim_pipeline_counts_words(const sim_config *cfg);

/* ---- shared by the kinds (pipeline.c, sim/pipe_*.c) -------------------------------- */

/* User uc's channel model: channel.model, snr_db, k_factor_db, doppler_hz,
 * link.symbol_rate; channel.coherence = 0 means one realisation for the whole
 * packet (each packet resets the model). */
void sim_pipeline_channel(const sim_config *cfg, const sim_user_config *uc, chan_model_config *mc);

/* Utterance u's manifest entry (u->index modulo the manifest's size): its
 * audio path in *path, its id in u->res.id, its transcript normalised
 * (codecs/text.h, malloc'd) in *ref. */
base_status sim_pipeline_utterance(const codec_manifest *man, sim_utt *u, const char **path,
                                   char **ref, base_err *err);

/* Work buffer *p holding *cap elements of size bytes: realloc'd to n elements when
 * n > *cap (never shrunk), so each packet or frame reuses the previous allocation.
 * 0, or -1 when out of memory (then *p and *cap are unchanged). */
int sim_pipeline_grow(void **p, size_t *cap, size_t n, size_t size);

#endif
