/* pipe_codec.h -- source.kind = codec2-3200, codec2-1200, codec2-700c, opus-N:
 * the classic-codec baselines ("existing methods"). Speech is sent the
 * traditional way over the same digital link and channel as the semantic
 * kind, and recognised by the same receiving agent, so only the transmission
 * differs. A row of the kind table (sim/kind.c); four rows: codec2-3200,
 * codec2-1200, codec2-700c and the family opus-*.
 *
 * Per utterance, at the events of sim/network:
 *   arrival   read the audio at 16 kHz (source.manifest, or the built-in TTS
 *             source, sim/tts_source.h), encode it with codecs/classic.h
 *             (Codec2 at 8 kHz behind a 2:1 resampler; Opus 16 kHz CBR 20 ms):
 *             F frames of B payload bits each (codec_classic_frame_bits);
 *   transmit  packet p carries link.frames_per_packet (M) codec frames: their
 *             M*B payload bits go through chan_digital_execute_raw (one
 *             quantiser-free "value" per bit): 16-bit sequence header, CRC-16,
 *             link.fec, interleaver (depth 8), link.modulation, the channel
 *             (one realisation per packet, or channel.coherence block fading),
 *             ZF with perfect CSI. The last packet is padded with zero bits to
 *             the same format, so every packet costs the same
 *             S = ceil(coded(ceil((16 + M*B)/8) + 2 bytes) / bits per symbol)
 *             channel uses. A packet that fails its CRC or header check marks
 *             its M frames lost;
 *   decode    the codec decodes the received frames, concealing lost ones
 *             (Opus: its own PLC; Codec2: repeat the last good frame), at
 *             16 kHz; then the RECEIVING agent's own front-end, encoder and
 *             decoder (rx.model), and rx.decoder (beam with the LM, as
 *             `semsim eval`, or greedy); scored against the normalised
 *             transcript (sclite convention).
 * Figures: sym_per_s = S * packets / seconds of speech; ber = payload bit
 * errors / payload bits (codec frames only, padding excluded), per = lost
 * packets / packets. tx.model, the equalizer and anchors keys do not apply
 * (ignored; cosine and the alignment metrics are NaN, handshake_sym 0).
 * Compute model: encoding is instantaneous (a classic codec is cheap next to
 * the agents); decoding costs the receiving agent's encoder + decoder,
 * 2 x parameters x latent frames, over rx.device_flops.
 * Determinism: channel noise from stream (seed, utterance, "sim.codec.channel")
 * forked per packet; Codec2 decodes in a forked child (codecs/classic.h), so
 * results do not depend on -j.
 */
#ifndef SIM_PIPE_CODEC_H
#define SIM_PIPE_CODEC_H

#include "base/status.h"
#include "sim/network.h"
#include "sim/resources.h"
#include "sim/scenario.h"

typedef struct sim_codec sim_codec;

/* Checks the codec name, the digital link, rx.model (loaded into res, once
 * per run: sim_resources_check_agent) and the source; errors name the
 * file:line of the key at fault. */
base_status sim_codec_check(const sim_scenario *sc, const sim_config *cfg, sim_resources *res,
                            base_err *err);

/* res: the run's shared agents and lexicons (NULL: the receiver loads its own). */
sim_codec *sim_codec_create(const sim_config *cfg, uint64_t seed, const sim_resources *res,
                            base_err *err);
void sim_codec_destroy(sim_codec *s); /* NULL is a no-op */
void sim_codec_ops(sim_codec *s, sim_payload_ops *ops);
/* Utterances the source holds (the manifest's size). */
size_t sim_codec_available(const sim_codec *s);

#endif
