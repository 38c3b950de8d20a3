/* kind_text.h -- source.kind = text: send the transcript. The transmitter's
 * agent recognises the utterance itself and only its text crosses the digital
 * link: the semantic upper bound for speech-to-text ("why not send the
 * transcript?"). A row of the kind table (sim/kind.c).
 *
 * Per utterance, at the events of sim/network:
 *   arrival   read the audio (source.manifest, or the built-in TTS source),
 *             tx.model's own front-end, encoder and decoder, then tx.decoder
 *             (beam with tx.lm and tx.beam_width, as `semsim eval`, or greedy)
 *             -> the transmitter's transcript, coded with the static Huffman
 *             text code of codecs/textcode.h into F frames of
 *             source.frame_bits bits, each holding whole characters;
 *   transmit  packet p carries link.frames_per_packet (M) text frames: their
 *             M * frame_bits payload bits through chan_digital_execute_raw
 *             (16-bit sequence header, CRC-16, link.fec, interleaver,
 *             link.modulation, the channel, ZF with perfect CSI); the last
 *             packet is padded to the same format. A packet that fails its CRC
 *             or header check loses its frames;
 *   decode    the receiver decodes the frames that arrived; each lost frame
 *             becomes one word break in place of its characters (the words on
 *             either side stay apart; codecs/textcode.h), and the text is
 *             scored against the normalised reference transcript, so WER/CER
 *             count the transmitter's recognition errors and the link's losses.
 * Figures: sym_per_s = channel uses of every packet (header, CRC, FEC, tail,
 * padding) per second of speech; ber over the frames' payload bits, per over
 * packets; cosine and alignment metrics NaN, handshake_sym 0.
 * Compute model: encoding costs the transmitter's encoder and decoder,
 * 2 x parameters x latent frames, over tx.device_flops; the receiver's text
 * decoding is free. link.mode must be digital; link.prune, rx.* and the
 * equalizer and anchors keys do not apply. Determinism: channel noise from
 * stream (seed, utterance, "sim.text.channel") forked per packet.
 */
#ifndef SIM_KIND_TEXT_H
#define SIM_KIND_TEXT_H

#include "base/status.h"
#include "sim/network.h"
#include "sim/resources.h"
#include "sim/scenario.h"

typedef struct sim_text sim_text;

/* Digital link, frames that fit (source.frame_bits >= the longest code, a
 * packet <= 65536 bits), Doppler below half the symbol rate, link.prune none,
 * tx.model loadable (into res, once per run: sim_resources_check_agent), the
 * source; errors name the file:line of the key. */
base_status sim_text_check(const sim_scenario *sc, const sim_config *cfg, sim_resources *res,
                           base_err *err);

/* Adds tx.model and, for tx.decoder = beam, tx.lm's lexicon to res. */
base_status sim_text_prepare(const sim_config *cfg, sim_resources *res, base_err *err);

/* res: the run's shared agents and lexicons (NULL: loaded here). */
sim_text *sim_text_create(const sim_config *cfg, uint64_t seed, const sim_resources *res,
                          base_err *err);
void sim_text_destroy(sim_text *t); /* NULL is a no-op */
void sim_text_ops(sim_text *t, sim_payload_ops *ops);
/* Utterances the source holds (the manifest's size). */
size_t sim_text_available(const sim_text *t);

#endif
