/* kind_bits.h -- source.kind = bits: random information bits over the
 * digital link's bit driver (channel/digital.h chan_bits_run).
 *
 * One utterance is one block of source.bits bits, cut into frames of
 * source.frame_bits bits (one FEC codeword each); link.frames_per_packet
 * frames per packet, each packet an independent channel realisation (stream
 * (seed, utterance, "sim.bits.packet") forked per packet). Reports bits, bit
 * errors, packets and packet errors (a packet with any codeword in error),
 * channel uses; word metrics are NaN. A row of the kind table (sim/kind.h).
 */
#ifndef SIM_KIND_BITS_H
#define SIM_KIND_BITS_H

#include <stdint.h>

#include "base/status.h"
#include "sim/network.h"
#include "sim/scenario.h"

typedef struct sim_bits sim_bits;

/* Digital link, Doppler below half the symbol rate, frame_bits whole bytes
 * dividing bits; errors name the file:line of the key at fault. */
base_status sim_bits_check(const sim_scenario *sc, const sim_config *cfg, base_err *err);

sim_bits *sim_bits_create(const sim_config *cfg, uint64_t seed, base_err *err);
void sim_bits_destroy(sim_bits *b); /* NULL is a no-op */
void sim_bits_ops(sim_bits *b, sim_payload_ops *ops);

#endif
