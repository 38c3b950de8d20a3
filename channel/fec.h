/* fec.h -- forward error correction for the digital link, one interface over two libraries.
 *
 * Part of channel/: the digital link (channel/digital.h) encodes each packet
 * (header + payload + CRC, whole bytes) here into coded bits, and decodes the soft
 * bytes that come back from the demodulator (channel/modem.h).
 *
 *  - Block codes and repetition: liquid-dsp's fec objects (fec_create): rep3, rep5,
 *    Hamming (7,4), (8,4), (12,8), Golay (24,12), SEC-DED (22,16), (39,32), (72,64).
 *    The coded length is liquid's fec_get_enc_msg_length(msg_bytes) bytes, all of whose
 *    bits are sent (so liquid's padding is counted as channel use). Decoding uses liquid's
 *    soft decoder (fec_decode_soft), except Hamming (7,4) with msg_bytes not a multiple
 *    of 4, where liquid 1.5's soft decoder aborts; that case decodes hard decisions
 *    (soft byte > 128 is a 1) with fec_decode.
 *  - Convolutional K=7 r=1/2 (polynomials 0x6d, 0x4f = libfec's V27POLYA/B, the NASA/
 *    CCSDS 171/133 octal code without inversion), encoder here, soft-decision Viterbi
 *    from Phil Karn's libfec (create_viterbi27 / update_viterbi27_blk / chainback).
 *    Each packet starts in state 0 and is terminated with 6 zero tail bits:
 *    coded bits = 2 (8 msg_bytes + 6).
 *  - Punctured K=7: r=2/3 (keep A:11 B:10) and r=3/4 (keep A:110 B:101; as IEEE 802.11a),
 *    applied over the 8 msg_bytes + 6 input bits, tail included; punctured positions
 *    are decoded as erasures (soft 128).
 *
 * Bits: message bytes are read MSB first; coded bits are one per byte (0/1); soft input
 * is one byte per coded bit, 0 confident 0, 255 confident 1, 128 erasure.
 * Names: "none", "rep3", "rep5", "hamming74", "hamming84", "hamming128", "golay2412",
 * "secded2216", "secded3932", "secded7264", "conv27", "conv27p23", "conv27p34".
 */
#ifndef CHAN_FEC_H
#define CHAN_FEC_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

typedef enum chan_fec_kind {
    CHAN_FEC_NONE = 0,
    CHAN_FEC_REP3,
    CHAN_FEC_REP5,
    CHAN_FEC_HAMMING74,
    CHAN_FEC_HAMMING84,
    CHAN_FEC_HAMMING128,
    CHAN_FEC_GOLAY2412,
    CHAN_FEC_SECDED2216,
    CHAN_FEC_SECDED3932,
    CHAN_FEC_SECDED7264,
    CHAN_FEC_CONV27,
    CHAN_FEC_CONV27P23,
    CHAN_FEC_CONV27P34,
    CHAN_FEC_COUNT
} chan_fec_kind;

base_status chan_fec_kind_from_name(const char *name, chan_fec_kind *kind, base_err *err);
const char *chan_fec_kind_name(chan_fec_kind kind); /* NULL if out of range */
/* Every name, in chan_fec_kind order, NULL-terminated (a scenario key's allowed values). */
const char *const *chan_fec_names(void);

typedef struct chan_fec chan_fec;

/* A codec for messages of exactly msg_bytes bytes (1 .. 1<<20). NULL on error. */
chan_fec *chan_fec_create(chan_fec_kind kind, size_t msg_bytes, base_err *err);
void chan_fec_destroy(chan_fec *q);

chan_fec_kind chan_fec_kind_of(const chan_fec *q);
size_t chan_fec_msg_bytes(const chan_fec *q);
/* Coded bits per message, everything that is sent: parity, padding, tail. */
size_t chan_fec_coded_bits(const chan_fec *q);
/* 8 msg_bytes / coded_bits. */
double chan_fec_rate(const chan_fec *q);

/* msg[msg_bytes] -> bits[coded_bits] (0/1 per byte). Uses the object's scratch. */
base_status chan_fec_encode(chan_fec *q, const uint8_t *msg, uint8_t *bits);

/* soft[coded_bits] -> msg[msg_bytes] (best estimate; errors are not reported here,
 * the CRC decides). Uses the object's scratch. */
base_status chan_fec_decode(chan_fec *q, const uint8_t *soft, uint8_t *msg);

#endif
