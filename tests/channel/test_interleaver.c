/* test_interleaver.c -- channel/interleaver: permutation by hand, inverse, spreading of
 * adjacent positions, identity cases, bad input. */
#include "channel/interleaver.h"
#include "tests/testutil.h"

#include <stdio.h>
#include <string.h>

/* len 10, depth 3: rows [0 1 2 3] [4 5 6 7] [8 9], read by columns. */
static void test_by_hand(void)
{
    chan_interleaver *q = chan_interleaver_create(10, 3, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    uint8_t in[10], out[10], back[10];
    for (int i = 0; i < 10; i++) in[i] = (uint8_t)i;
    chan_interleaver_forward(q, in, out);
    static const uint8_t want[10] = {0, 4, 8, 1, 5, 9, 2, 6, 3, 7};
    CU_ASSERT(memcmp(out, want, 10) == 0);
    chan_interleaver_inverse(q, out, back);
    CU_ASSERT(memcmp(back, in, 10) == 0);
    chan_interleaver_destroy(q);
}

/* Round trip for many shapes; adjacent inputs end up >= depth-ish apart: for a full
 * grid (len multiple of depth) exactly `depth` apart. Identity for depth 1 and depth >= len. */
static void test_shapes(void)
{
    static const size_t shapes[][2] = {{1, 1},   {7, 1},     {7, 7},   {7, 20},
                                       {140, 8}, {2060, 16}, {999, 10}};
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        size_t len = shapes[s][0], depth = shapes[s][1];
        chan_interleaver *q = chan_interleaver_create(len, depth, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(q);
        CU_ASSERT_EQUAL(chan_interleaver_len(q), len);
        static uint8_t in[4096], out[4096], back[4096];
        static size_t where[4096];
        for (size_t i = 0; i < len; i++) in[i] = (uint8_t)(i * 13 + 1);
        chan_interleaver_forward(q, in, out);
        chan_interleaver_inverse(q, out, back);
        CU_ASSERT(memcmp(back, in, len) == 0);
        /* positions: interleave the index itself in two bytes */
        uint8_t lo[4096], hi[4096], olo[4096], ohi[4096];
        for (size_t i = 0; i < len; i++) lo[i] = (uint8_t)i, hi[i] = (uint8_t)(i >> 8);
        chan_interleaver_forward(q, lo, olo);
        chan_interleaver_forward(q, hi, ohi);
        for (size_t k = 0; k < len; k++) where[(size_t)olo[k] | ((size_t)ohi[k] << 8)] = k;
        int identity = 1;
        size_t mind = (size_t)-1;
        for (size_t i = 0; i < len; i++) identity &= where[i] == i;
        for (size_t i = 0; i + 1 < len; i++) {
            size_t d = where[i + 1] > where[i] ? where[i + 1] - where[i] : where[i] - where[i + 1];
            if (d < mind) mind = d;
        }
        if (depth == 1 || depth >= len) {
            CU_ASSERT(identity);
        } else if (len % depth == 0) {
            CU_ASSERT_EQUAL(mind, depth);
        } else {
            CU_ASSERT(mind >= depth - 1);
        }
        chan_interleaver_destroy(q);
    }
}

static void test_bad(void)
{
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_PTR_NULL(chan_interleaver_create(0, 4, &e));
    CU_ASSERT_EQUAL(e.code, BASE_EINVAL);
    CU_ASSERT_PTR_NULL(chan_interleaver_create(10, 0, NULL));
    chan_interleaver_destroy(NULL);
}

static const test_case cases[] = {
    {"permutation by hand", test_by_hand},
    {"shapes, inverse, spreading", test_shapes},
    {"bad input", test_bad},
    {NULL, NULL},
};

int main(void)
{
    return test_main("channel/interleaver", cases);
}
