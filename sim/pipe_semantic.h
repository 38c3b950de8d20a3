/* pipe_semantic.h -- source.kind = semantic: speech from a manifest, the
 * transmitting agent's encoder, the analog or digital link, the receiving
 * agent's decoder, CTC decoding (LM beam search or greedy) and sclite scoring.
 * Internal to sim/pipeline.c (which dispatches on source.kind).
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
 * Equalizers: `none` (the rx decodes the tx's latents as they arrive: the
 * latent sizes must match) and `oracle` (the tx uses the receiver's own
 * encoder, the no-mismatch upper bound). The anchor-based equalizers are not
 * wired yet and fail validation.
 * Compute model: encoder (decoder) FLOPs are estimated as 2 x the encoder's
 * (decoder's) parameters x latent frames (each weight is used once per output
 * frame), divided by tx.device_flops (rx.device_flops).
 */
#ifndef SIM_PIPE_SEMANTIC_H
#define SIM_PIPE_SEMANTIC_H

#include "sim/base/status.h"
#include "sim/network.h"
#include "sim/scenario.h"

typedef struct sim_sem sim_sem;

/* Loads the models and the manifest to check them; the error names the key. */
sim_status sim_sem_check(const sim_scenario *sc, const sim_config *cfg, sim_err *err);

sim_sem *sim_sem_create(const sim_config *cfg, uint64_t seed, sim_err *err);
void sim_sem_destroy(sim_sem *s); /* NULL is a no-op */
void sim_sem_ops(sim_sem *s, sim_payload_ops *ops);
/* Utterances the source holds (the manifest's size). */
size_t sim_sem_available(const sim_sem *s);

#endif
