/* test_crc.c -- channel/crc: check values on "123456789", detection of every single-bit
 * error and every burst up to the CRC length, names, bad input. */
#include "channel/crc.h"
#include "tests/testutil.h"

#include <stdio.h>
#include <string.h>

static void test_check_values(void)
{
    static const struct {
        chan_crc_kind k;
        uint32_t key;
    } cases[] = {
        {CHAN_CRC_32, 0xCBF43926u}, /* the standard CRC-32 check value */
        {CHAN_CRC_24, 0x062BB3u},   {CHAN_CRC_16, 0xB4D3u},
        {CHAN_CRC_8, 0x23u},        {CHAN_CRC_NONE, 0u},
    };
    const uint8_t *m = (const uint8_t *)"123456789";
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        uint32_t k = chan_crc_key(cases[c].k, m, 9);
        if (k != cases[c].key)
            printf("  %s: 0x%X, want 0x%X\n", chan_crc_kind_name(cases[c].k), k, cases[c].key);
        CU_ASSERT_EQUAL(k, cases[c].key);
    }
}

/* Append, verify, then flip every single bit and every burst of length <= 8*bytes
 * (message + key): all detected. */
static void test_detection(void)
{
    for (int k = CHAN_CRC_8; k < CHAN_CRC_COUNT; k++) {
        size_t nb = chan_crc_bytes((chan_crc_kind)k), n = 20, tot = n + nb;
        uint8_t m[32];
        for (size_t i = 0; i < n; i++) m[i] = (uint8_t)(i * 37 + 11);
        CU_ASSERT_EQUAL(chan_crc_append((chan_crc_kind)k, m, n), BASE_OK);
        CU_ASSERT(chan_crc_check((chan_crc_kind)k, m, n));
        size_t missed = 0, tried = 0;
        for (size_t len = 1; len <= 8 * nb; len++)
            for (size_t start = 0; start + len <= 8 * tot; start++) {
                /* burst: first and last bit flipped, the ones between patterned */
                uint8_t c[32];
                memcpy(c, m, tot);
                for (size_t b = start; b < start + len; b++)
                    if (b == start || b == start + len - 1 || ((b * 7) & 4))
                        c[b / 8] ^= (uint8_t)(0x80u >> (b % 8));
                tried++;
                missed += (size_t)chan_crc_check((chan_crc_kind)k, c, n);
            }
        if (missed)
            printf("  %s: %zu of %zu bursts missed\n", chan_crc_kind_name((chan_crc_kind)k), missed,
                   tried);
        CU_ASSERT_EQUAL(missed, 0);
    }
    uint8_t m[4] = {1, 2, 3, 4};
    CU_ASSERT(chan_crc_check(CHAN_CRC_NONE, m, 4));
}

static void test_names_bad(void)
{
    chan_crc_kind k;
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL(chan_crc_kind_from_name("crc16", &k, NULL), BASE_OK);
    CU_ASSERT_EQUAL(k, CHAN_CRC_16);
    CU_ASSERT_EQUAL(chan_crc_kind_from_name("crc64", &k, &e), BASE_ENOTFOUND);
    CU_ASSERT(strstr(e.msg, "crc64") != NULL);
    CU_ASSERT_EQUAL(chan_crc_kind_from_name(NULL, &k, NULL), BASE_EINVAL);
    CU_ASSERT_EQUAL(chan_crc_bytes((chan_crc_kind)42), 0);
    CU_ASSERT_PTR_NULL(chan_crc_kind_name((chan_crc_kind)42));
    CU_ASSERT_EQUAL(chan_crc_append((chan_crc_kind)42, (uint8_t[4]){0}, 2), BASE_EINVAL);
    CU_ASSERT_EQUAL(chan_crc_check((chan_crc_kind)42, (uint8_t[4]){0}, 2), 0);
}

static const test_case cases[] = {
    {"check values", test_check_values},
    {"single-bit and burst detection", test_detection},
    {"names and bad input", test_names_bad},
    {NULL, NULL},
};

int main(void)
{
    return test_main("channel/crc", cases);
}
