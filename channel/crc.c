/* crc.c -- liquid-dsp CRCs behind the chan_crc names (see crc.h).
 *
 * Part of channel/, used by the digital link. liquid's CRC functions are pure
 * (no state), so these are safe from any thread.
 */
#include "channel/crc.h"

#include <liquid/liquid.h>
#include <string.h>

static const struct {
    const char *name;
    crc_scheme scheme;
    size_t bytes;
} crc_table[CHAN_CRC_COUNT] = {
    [CHAN_CRC_NONE] = {"none", LIQUID_CRC_NONE, 0}, [CHAN_CRC_8] = {"crc8", LIQUID_CRC_8, 1},
    [CHAN_CRC_16] = {"crc16", LIQUID_CRC_16, 2},    [CHAN_CRC_24] = {"crc24", LIQUID_CRC_24, 3},
    [CHAN_CRC_32] = {"crc32", LIQUID_CRC_32, 4},
};

base_status chan_crc_kind_from_name(const char *name, chan_crc_kind *kind, base_err *err)
{
    if (!name || !kind) return base_err_set(err, BASE_EINVAL, NULL, 0, "crc: NULL argument");
    for (int k = 0; k < CHAN_CRC_COUNT; k++)
        if (strcmp(name, crc_table[k].name) == 0) {
            *kind = (chan_crc_kind)k;
            return BASE_OK;
        }
    return base_err_set(err, BASE_ENOTFOUND, NULL, 0,
                        "unknown crc '%s' (none, crc8, crc16, crc24, crc32)", name);
}

const char *chan_crc_kind_name(chan_crc_kind kind)
{
    return (unsigned)kind < CHAN_CRC_COUNT ? crc_table[kind].name : NULL;
}

size_t chan_crc_bytes(chan_crc_kind kind)
{
    return (unsigned)kind < CHAN_CRC_COUNT ? crc_table[kind].bytes : 0;
}

uint32_t chan_crc_key(chan_crc_kind kind, const uint8_t *msg, size_t n)
{
    if ((unsigned)kind >= CHAN_CRC_COUNT || kind == CHAN_CRC_NONE) return 0;
    /* liquid's prototype is not const-correct; it does not write msg. */
    return crc_generate_key(crc_table[kind].scheme, (unsigned char *)msg, (unsigned)n);
}

base_status chan_crc_append(chan_crc_kind kind, uint8_t *msg, size_t n)
{
    if ((unsigned)kind >= CHAN_CRC_COUNT || (!msg && n)) return BASE_EINVAL;
    size_t nb = crc_table[kind].bytes;
    uint32_t key = chan_crc_key(kind, msg, n);
    for (size_t i = 0; i < nb; i++) msg[n + i] = (uint8_t)(key >> (8 * (nb - 1 - i)));
    return BASE_OK;
}

int chan_crc_check(chan_crc_kind kind, const uint8_t *msg, size_t n)
{
    if ((unsigned)kind >= CHAN_CRC_COUNT) return 0;
    size_t nb = crc_table[kind].bytes;
    if (nb == 0) return 1;
    uint32_t key = chan_crc_key(kind, msg, n), got = 0;
    for (size_t i = 0; i < nb; i++) got = (got << 8) | msg[n + i];
    return key == got;
}
