/* interleaver.c -- row-in, column-out block interleaver (see interleaver.h).
 *
 * Part of channel/, used by the digital link. The permutation is built once at
 * create; forward/inverse are table lookups.
 */
#include "channel/interleaver.h"

#include <stdlib.h>

struct chan_interleaver {
    size_t len;
    size_t *perm; /* [len] out[k] = in[perm[k]] */
};

chan_interleaver *chan_interleaver_create(size_t len, size_t depth, base_err *err)
{
    if (len == 0 || depth == 0) {
        base_err_set(err, BASE_EINVAL, NULL, 0,
                     "interleaver: length and depth must be >= 1 (got %zu, %zu)", len, depth);
        return NULL;
    }
    chan_interleaver *q = calloc(1, sizeof *q);
    if (!q || !(q->perm = malloc(len * sizeof *q->perm))) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "interleaver: out of memory");
        chan_interleaver_destroy(q);
        return NULL;
    }
    q->len = len;
    size_t cols = (len + depth - 1) / depth, k = 0;
    /* Input index r*cols + c sits at row r, column c; read columns in order. */
    for (size_t c = 0; c < cols; c++)
        for (size_t r = 0; r < depth; r++) {
            size_t i = r * cols + c;
            if (i < len) q->perm[k++] = i;
        }
    return q;
}

void chan_interleaver_destroy(chan_interleaver *q)
{
    if (!q) return;
    free(q->perm);
    free(q);
}

size_t chan_interleaver_len(const chan_interleaver *q)
{
    return q->len;
}

void chan_interleaver_forward(const chan_interleaver *q, const uint8_t *in, uint8_t *out)
{
    for (size_t k = 0; k < q->len; k++) out[k] = in[q->perm[k]];
}

void chan_interleaver_inverse(const chan_interleaver *q, const uint8_t *in, uint8_t *out)
{
    for (size_t k = 0; k < q->len; k++) out[q->perm[k]] = in[k];
}
