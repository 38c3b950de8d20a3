/* digital.h -- the digital link: reals -> quantise -> packets -> CRC -> FEC -> interleave
 * -> modulate -> channel -> ZF equalise -> LLRs -> deinterleave -> decode -> CRC ->
 * lost-packet policy -> dequantise -> reals; and a bit-level BER/BLER driver.
 *
 * Part of channel/: the scenario layer (sim/) sends each block of real semantic symbols
 * (latent frames or relative representations) through a chan_digital when
 * link.mode = digital, and uses chan_bits_run for source.kind = bits.
 *
 * Packet format (docs/channels.md, "Digital link"): a block of n values is cut into
 * P = ceil(n / N) packets of N values (the last one padded with the index of 0.0).
 * Each packet is, MSB first:
 *     header   H bits   packet sequence number mod 2^H (counts packets since create/reset)
 *     payload  N*b bits the quantiser indices
 *     pad      zeros up to a whole byte
 *     CRC      8/16/24/32 bits over header + payload + pad (channel/crc.h)
 * i.e. K = ceil((H + N b) / 8) + crc_bytes bytes, FEC-encoded to C coded bits
 * (channel/fec.h), block-interleaved (channel/interleaver.h), zero-padded to a whole
 * number of symbols: S = ceil(C / bps) complex symbols per packet. A block costs
 * exactly P*S channel uses. All P packets of a block go through the channel model in
 * one call, so block fading and Doppler run continuously across packets.
 *
 * Receiver: perfect CSI, zero-forcing y/h, per-symbol noise variance N0/|h|^2 into
 * the max-log demodulator (channel/modem.h). A packet is lost when its CRC fails or
 * (CRC passed but) its header is not the expected sequence number. Lost packets:
 *   drop   -> NaN for its values (valid[] = 0)   zero -> 0.0
 *   repeat -> the values of the last good packet (0.0 before any)
 *   keep   -> whatever the decoder produced, dequantised.
 */
#ifndef CHAN_DIGITAL_H
#define CHAN_DIGITAL_H

#include <complex.h>
#include <stddef.h>
#include <stdint.h>

#include "channel/crc.h"
#include "channel/fec.h"
#include "channel/model.h"
#include "channel/modem.h"
#include "channel/quant.h"
#include "base/rng.h"
#include "base/status.h"

typedef enum chan_loss_policy {
    CHAN_LOSS_DROP = 0,
    CHAN_LOSS_ZERO,
    CHAN_LOSS_REPEAT,
    CHAN_LOSS_KEEP,
    CHAN_LOSS_COUNT
} chan_loss_policy;

/* "drop", "zero", "repeat", "keep". */
base_status chan_loss_policy_from_name(const char *name, chan_loss_policy *p, base_err *err);
const char *chan_loss_policy_name(chan_loss_policy p); /* NULL if out of range */
/* Every name, in chan_loss_policy order, NULL-terminated. */
const char *const *chan_loss_policy_names(void);

typedef struct chan_digital_config {
    size_t block_len;          /* n: real values per execute call (default 64) */
    unsigned quant_bits;       /* b: bits per value, 1..16 (default 8) */
    chan_quant_kind quant;     /* uniform (default) or Lloyd-Max */
    float quant_clip;          /* uniform: range [-clip, clip] (default 3.0) */
    const float *train;        /* Lloyd-Max: training values, read by create only */
    size_t ntrain;             /* number of training values */
    size_t values_per_packet;  /* N (default 32) */
    unsigned header_bits;      /* H, 0..32 (default 16) */
    chan_crc_kind crc;         /* default CHAN_CRC_16 */
    chan_fec_kind fec;         /* default CHAN_FEC_CONV27 */
    chan_mod_kind modulation;  /* default CHAN_MOD_QPSK */
    size_t interleave_depth;   /* rows of the per-packet interleaver, >= 1; 1 = off (default 8) */
    chan_loss_policy loss;     /* default CHAN_LOSS_ZERO */
    chan_model_config channel; /* default chan_model_config_default (AWGN 10 dB) */
} chan_digital_config;

void chan_digital_config_default(chan_digital_config *cfg);

/* What one execute call (one block) cost and how it went. */
typedef struct chan_digital_stats {
    uint64_t channel_uses;  /* complex symbols sent, P*S: headers, CRC, FEC, tail, padding */
    uint64_t info_bits;     /* n*b quantised value bits of the block */
    uint64_t bit_errors;    /* errors among those bits after FEC decoding, before the CRC */
    uint64_t packets;       /* P */
    uint64_t packet_errors; /* packets lost (CRC or header check failed) */
} chan_digital_stats;

typedef struct chan_digital chan_digital;

/* Validates cfg, fits the quantiser, builds FEC/modem/interleaver/channel and all
 * buffers. NULL on error (err says which setting is wrong). */
chan_digital *chan_digital_create(const chan_digital_config *cfg, base_err *err);
void chan_digital_destroy(chan_digital *q);

/* Per-block figures, fixed at create. */
size_t chan_digital_packets(const chan_digital *q);           /* P */
size_t chan_digital_packet_bytes(const chan_digital *q);      /* K */
size_t chan_digital_packet_coded_bits(const chan_digital *q); /* C */
size_t chan_digital_packet_symbols(const chan_digital *q);    /* S */
size_t chan_digital_channel_uses(const chan_digital *q);      /* P*S */
const chan_quant *chan_digital_quant(const chan_digital *q);

/* x[n] -> y[n] (n = block_len, x and y may alias), valid[n] (nullable) = 1 where the
 * value's packet arrived, stats (nullable) for this block. Channel noise and fading from
 * rng. NaN in x is BASE_EINVAL. Allocates nothing. */
base_status chan_digital_execute(chan_digital *q, base_rng *rng, const float *x, float *y,
                                 uint8_t *valid, size_t n, chan_digital_stats *stats);

/* Raw payload path (classic-codec bits, source.kind = codec2-* / opus-*): the caller
 * gives the quantiser indices itself, idx[n] (n = block_len, each < 2^quant_bits; with
 * quant_bits = 1 one index is one payload bit), and the quantiser is bypassed. Header,
 * CRC, FEC, interleaving, modulation, channel and receiver are exactly those of
 * chan_digital_execute, so the packet format and its channel uses are the same; the last
 * packet is padded with index 0. ridx[n] gets what the FEC decoder produced, whatever
 * the CRC said; valid[n] (nullable) = 1 where the packet passed its CRC and header
 * check. The loss policy does not apply: the caller conceals lost packets (e.g. a
 * codec's own concealment). stats as for chan_digital_execute (info_bits = n *
 * quant_bits). Index >= 2^quant_bits is BASE_EINVAL. Allocates nothing. */
base_status chan_digital_execute_raw(chan_digital *q, base_rng *rng, const uint32_t *idx,
                                     uint32_t *ridx, uint8_t *valid, size_t n,
                                     chan_digital_stats *stats);

/* Forget the last good packet, restart sequence numbers and the channel's fading. */
void chan_digital_reset(chan_digital *q);

/* ---- bit-level runs (source.kind = bits), like Sionna's sim_ber ------------------ */

typedef struct chan_bits_config {
    chan_fec_kind fec;            /* default CHAN_FEC_CONV27 */
    chan_mod_kind modulation;     /* default CHAN_MOD_QPSK */
    size_t block_bytes;           /* information bytes per codeword (default 128) */
    size_t interleave_depth;      /* >= 1 (default 1: off) */
    chan_model_config channel;    /* channel.snr_db is Es/N0 unless ebn0_db is finite */
    double ebn0_db;               /* NaN (default): use channel.snr_db; else Es/N0 =
                                     Eb/N0 + 10 log10(info bits / channel uses) */
    uint64_t max_blocks;          /* stop after this many codewords (default 1000, >= 1) */
    uint64_t target_bit_errors;   /* stop once reached; 0 = no target (default 0) */
    uint64_t target_block_errors; /* stop once reached; 0 = no target (default 100) */
} chan_bits_config;

typedef struct chan_bits_result {
    uint64_t blocks, bits, bit_errors, block_errors, channel_uses;
    double ber, bler;        /* bit_errors / bits, block_errors / blocks */
    double esn0_db, ebn0_db; /* the operating point (Eb per information bit) */
} chan_bits_result;

void chan_bits_config_default(chan_bits_config *cfg);

/* Random information bits (from a child stream of rng) through FEC + interleaver +
 * modem + channel (ZF, perfect CSI) + soft demod + decoder, codeword by codeword, until
 * a target or max_blocks. A block error is a codeword with any bit error. */
base_status chan_bits_run(const chan_bits_config *cfg, base_rng *rng, chan_bits_result *res,
                          base_err *err);

#endif
