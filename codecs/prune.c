/* prune.c -- CTC blank-frame pruning: mask, run-length code of the
 * positions, compaction and the receiver's rebuild. See prune.h. */
#include "codecs/prune.h"

#include <math.h>
#include <string.h>

size_t codec_prune_mask(const float *logp, size_t t, size_t up, size_t v, int blank,
                        double threshold, uint8_t *keep)
{
    size_t n = 0, best = 0;
    double best_p = INFINITY;
    for (size_t i = 0; i < t; i++) {
        double pmin = 1.0; /* the frame's least confident blank row */
        for (size_t j = 0; j < up; j++) {
            double p = exp((double)logp[(i * up + j) * v + (size_t)blank]);
            if (p < pmin) pmin = p;
        }
        keep[i] = !(pmin >= threshold);
        n += keep[i];
        if (pmin < best_p) {
            best_p = pmin;
            best = i;
        }
    }
    if (!n && t) {
        keep[best] = 1;
        n = 1;
    }
    return n;
}

static size_t gamma_bits(size_t n)
{
    size_t b = 0;
    while ((n >> b) > 1) b++;
    return 2 * b + 1;
}

/* Calls f(ctx, r) for gamma(t + 1) and each run's gamma(r + 1). */
#define FOR_RUNS(keep, t, EMIT)                                                                    \
    do {                                                                                           \
        EMIT((t) + 1);                                                                             \
        uint8_t cur_ = 0;                                                                          \
        size_t i_ = 0;                                                                             \
        while (i_ < (t)) {                                                                         \
            size_t r_ = 0;                                                                         \
            while (i_ < (t) && (keep)[i_] == cur_) i_++, r_++;                                     \
            EMIT(r_ + 1);                                                                          \
            cur_ = !cur_;                                                                          \
        }                                                                                          \
    } while (0)

size_t codec_prune_rle_bits(const uint8_t *keep, size_t t)
{
    size_t bits = 0;
#define COUNT(n) (bits += gamma_bits(n))
    FOR_RUNS(keep, t, COUNT);
#undef COUNT
    return bits;
}

size_t codec_prune_rle_encode(const uint8_t *keep, size_t t, uint8_t *bits, size_t cap)
{
    size_t need = codec_prune_rle_bits(keep, t), k = 0;
    if (need > cap) return 0;
#define PUT(n)                                                                                     \
    do {                                                                                           \
        size_t n_ = (n), lb_ = gamma_bits(n_) / 2;                                                 \
        for (size_t z_ = 0; z_ < lb_; z_++) bits[k++] = 0;                                         \
        for (size_t z_ = lb_ + 1; z_-- > 0;) bits[k++] = (n_ >> z_) & 1u;                          \
    } while (0)
    FOR_RUNS(keep, t, PUT);
#undef PUT
    return k;
}

/* Reads one gamma code at *k; 0 when malformed or truncated. */
static size_t gamma_read(const uint8_t *bits, size_t nbits, size_t *k)
{
    size_t zeros = 0;
    while (*k < nbits && !bits[*k]) zeros++, (*k)++;
    if (zeros >= 8 * sizeof(size_t) - 1 || *k + zeros + 1 > nbits) return 0;
    size_t n = 0;
    for (size_t i = 0; i <= zeros; i++) n = n << 1 | (bits[(*k)++] & 1u);
    return n;
}

base_status codec_prune_rle_decode(const uint8_t *bits, size_t nbits, uint8_t *keep, size_t cap,
                                   size_t *t, base_err *err)
{
    size_t k = 0, n = gamma_read(bits, nbits, &k);
    if (!n) return base_err_set(err, BASE_EFORMAT, NULL, 0, "prune code: bad frame count");
    *t = n - 1;
    if (*t > cap)
        return base_err_set(err, BASE_ERANGE, NULL, 0, "prune code: %zu frames, room for %zu", *t,
                            cap);
    size_t i = 0;
    uint8_t cur = 0;
    while (i < *t) {
        size_t r = gamma_read(bits, nbits, &k);
        if (!r || r - 1 > *t - i)
            return base_err_set(err, BASE_EFORMAT, NULL, 0, "prune code: bad run at bit %zu", k);
        memset(keep + i, cur, r - 1);
        i += r - 1;
        cur = !cur;
    }
    if (k != nbits)
        return base_err_set(err, BASE_EFORMAT, NULL, 0, "prune code: %zu trailing bits", nbits - k);
    return BASE_OK;
}

base_status codec_prune_expand(const float *in, size_t n_keep, size_t d, const uint8_t *keep,
                               size_t t, const float *fill, float *out, base_err *err)
{
    size_t n = 0;
    for (size_t i = 0; i < t; i++) n += keep[i] != 0;
    if (n != n_keep)
        return base_err_set(err, BASE_EINVAL, NULL, 0,
                            "prune: the mask keeps %zu frames, %zu were received", n, n_keep);
    size_t j = n_keep;
    for (size_t i = t; i-- > 0;) { /* backwards: in and out may alias */
        if (keep[i])
            memmove(out + i * d, in + --j * d, d * sizeof *out);
        else
            memcpy(out + i * d, fill, d * sizeof *out);
    }
    return BASE_OK;
}

size_t codec_prune_compact(float *x, size_t t, size_t d, const uint8_t *keep)
{
    size_t j = 0;
    for (size_t i = 0; i < t; i++)
        if (keep[i]) {
            if (j != i) memmove(x + j * d, x + i * d, d * sizeof *x);
            j++;
        }
    return j;
}
