/* pipe_semantic.h -- source.kind = semantic: speech from a manifest, the
 * transmitting agent's encoder, the analog or digital link, the receiving
 * agent's decoder, CTC decoding (LM beam search or greedy) and sclite scoring.
 * A row of the kind table (sim/kind.c).
 *
 * Per utterance, at the events of sim/network:
 *   arrival   read the audio, log-mel front-end (the tx model's own settings),
 *             tx encoder -> z (T', d): T' frames, one per latent frame;
 *   transmit  frames [f0, f0+n) of z over the link: analog (channel/analog.h,
 *             MMSE with perfect CSI) or digital (channel/digital.h: quantise,
 *             CRC, FEC, modulate; the packet is padded to frames_per_packet
 *             frames so every packet has the same format); one channel
 *             realisation per packet (channel.coherence = 0) or block fading of
 *             channel.coherence symbols within the packet;
 *   decode    rx decoder on the received frames -> CTC log-probabilities ->
 *             rx.decoder (beam with the LM, as `semsim eval`, or greedy) ->
 *             hypothesis, scored against the normalised transcript.
 * Equalizers (anchors/equalizer.h): `none` (the tx latents, truncated or
 * zero-padded to the receiver's size: the mismatch baseline), `oracle` (the tx
 * uses the receiver's own encoder: the no-mismatch bound), and the anchor-based
 * `relative-inverse` (K = anchors.count reals per frame), `ridge`, `procrustes`
 * (d_tx per frame), and `relative` (K per frame, the receiver's relative head).
 * Anchors: both agents encode anchors.utterances utterances evenly spaced over
 * the anchor corpus -- anchors.manifest, or by default the TTS corpus of
 * anchors.text/lines/voices (training lines and voices, never the evaluated
 * utterances; sim/tts_source.h prepares it). The relative head trains on
 * equalizer.train_utterances utterances evenly spaced over
 * equalizer.train_manifest, by default the TTS corpus of
 * equalizer.train_text/lines/voices. Selection by anchors.selection:
 *   random, fps, kmeans: the receiver's frames are resampled to the
 *     transmitter's frame count (frame-synchronous candidates); the
 *     transmitter selects anchors.count anchors from the stream
 *     (repeat seed, 0, "sim.anchors.select"); each side averages its own frames;
 *   class: each agent decodes its own anchor latents with its own decoder and
 *     force-aligns them to the transcripts (codec_ctc_align); frames aligned to
 *     the blank are left out; anchor c = the agent's mean latent of the frames
 *     aligned to character c. K = anchors.count of the most frequent characters
 *     (0 = every character present, at most 28); more than present is an
 *     error. No index exchange (class ids only for a subset).
 * handshake_sym = anchor index bits / 2 (uncoded QPSK) + the equalizer's
 * once-only reals / 2. Alignment figures compare the decoder's input with the
 * receiver's own encoding of the same audio (resampled to the same frames):
 * per utterance `cosine`; per point cka, jaccard, mrr, foscttm on the first
 * 2000 frames. `equalizer.type = none` reports them as NaN.
 * link.prune = blank (sim/prune.h): at arrival the transmitter's own decoder
 * marks the frames it takes for confident blanks (prune decided on its
 * latents, before the equalizer); only the others are packetised (plus, with
 * link.prune_fill = prototype, one frame holding the pruned frames' mean);
 * the positions' run-length code costs 1 channel use per bit on the first
 * packet; the receiver rebuilds the full sequence before its decoder or head.
 * Compute model: encoder (decoder) FLOPs are estimated as 2 x the encoder's
 * (decoder's) parameters x latent frames (each weight is used once per output
 * frame), divided by tx.device_flops (rx.device_flops).
 */
#ifndef SIM_PIPE_SEMANTIC_H
#define SIM_PIPE_SEMANTIC_H

#include "base/status.h"
#include "sim/metrics.h"
#include "sim/network.h"
#include "sim/resources.h"
#include "sim/scenario.h"

typedef struct sim_sem sim_sem;

/* Loads the models (into res, once per run: sim_resources_check_agent; res
 * NULL: loaded and freed) and the manifest to check them; the error names the
 * key. */
base_status sim_sem_check(const sim_scenario *sc, const sim_config *cfg, sim_resources *res,
                          base_err *err);

/* res: the run's shared agents and lexicons (NULL: loaded here). */
sim_sem *sim_sem_create(const sim_config *cfg, uint64_t seed, const sim_resources *res,
                        base_err *err);
void sim_sem_destroy(sim_sem *s); /* NULL is a no-op */
void sim_sem_ops(sim_sem *s, sim_payload_ops *ops);
/* Real symbols per latent frame on the link: d_tx, or K with a relative
 * equalizer (for tests and reports). */
size_t sim_sem_symbols_per_frame(const sim_sem *s);
/* Utterances the source holds (the manifest's size). */
size_t sim_sem_available(const sim_sem *s);
/* handshake_sym and the alignment figures (cka, jaccard, mrr, foscttm) of the
 * point so far; cosine is NaN without an equalizer. */
void sim_sem_point_metrics(const sim_sem *s, sim_point_metrics *m);

#endif
