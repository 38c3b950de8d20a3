/* crc.h -- per-packet error detection for the digital link (wraps liquid-dsp's CRCs).
 *
 * Part of channel/: the digital link appends a CRC to every packet (header + payload)
 * and flags the packet lost when the check fails after decoding. The key is appended
 * after the message, most significant byte first (liquid's crc_append_key).
 * Check values on the ASCII bytes "123456789" (tested in tests/channel/test_crc.c):
 *   crc32 0xCBF43926 (the standard CRC-32 / IEEE 802.3), crc24 0x062BB3,
 *   crc16 0xB4D3 (liquid's CRC-16), crc8 0x23.
 */
#ifndef CHAN_CRC_H
#define CHAN_CRC_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

typedef enum chan_crc_kind {
    CHAN_CRC_NONE = 0,
    CHAN_CRC_8,
    CHAN_CRC_16,
    CHAN_CRC_24,
    CHAN_CRC_32,
    CHAN_CRC_COUNT
} chan_crc_kind;

/* "none", "crc8", "crc16", "crc24", "crc32". */
base_status chan_crc_kind_from_name(const char *name, chan_crc_kind *kind, base_err *err);
const char *chan_crc_kind_name(chan_crc_kind kind); /* NULL if out of range */

/* Key length in bytes: 0, 1, 2, 3, 4 (0 for an out-of-range kind). */
size_t chan_crc_bytes(chan_crc_kind kind);

/* Key of msg[n] (0 for CHAN_CRC_NONE). */
uint32_t chan_crc_key(chan_crc_kind kind, const uint8_t *msg, size_t n);

/* Writes the key into msg[n .. n + chan_crc_bytes(kind)); msg holds that many bytes. */
base_status chan_crc_append(chan_crc_kind kind, uint8_t *msg, size_t n);

/* 1 when msg[n .. n+bytes) holds the key of msg[0..n), else 0 (always 1 for NONE). */
int chan_crc_check(chan_crc_kind kind, const uint8_t *msg, size_t n);

#endif
