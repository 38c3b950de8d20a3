/* quant.c -- uniform and Lloyd-Max scalar quantisers (see quant.h).
 *
 * Part of channel/, used by the digital link. Encoding is arithmetic for the
 * uniform quantiser and a binary search over the 2^b - 1 thresholds for Lloyd-Max.
 * Lloyd's iteration runs on sorted training data so that one pass over the data
 * and the levels reassigns every sample (O(n + 2^b) per iteration).
 */
#include "channel/quant.h"

#include <math.h>
#include <stdlib.h>

struct chan_quant {
    chan_quant_kind kind;
    unsigned bits;
    uint32_t nlev;
    float clip;    /* uniform */
    float step;    /* uniform: 2 clip / nlev */
    float *levels; /* [nlev] increasing */
    float *thresh; /* [nlev - 1] Lloyd-Max decision thresholds */
};

static chan_quant *quant_alloc(chan_quant_kind kind, unsigned bits, base_err *err)
{
    if (bits < 1 || bits > CHAN_QUANT_MAX_BITS) {
        base_err_set(err, BASE_ERANGE, NULL, 0, "quantiser: bits must be 1..%d, got %u",
                     CHAN_QUANT_MAX_BITS, bits);
        return NULL;
    }
    chan_quant *q = calloc(1, sizeof *q);
    if (!q) goto nomem;
    q->kind = kind;
    q->bits = bits;
    q->nlev = 1u << bits;
    q->levels = malloc(q->nlev * sizeof *q->levels);
    q->thresh = malloc(q->nlev * sizeof *q->thresh); /* nlev-1 used */
    if (!q->levels || !q->thresh) goto nomem;
    return q;
nomem:
    base_err_set(err, BASE_ENOMEM, NULL, 0, "quantiser: out of memory");
    chan_quant_destroy(q);
    return NULL;
}

chan_quant *chan_quant_create_uniform(unsigned bits, float clip, base_err *err)
{
    if (!(clip > 0.0f) || !isfinite(clip)) {
        base_err_set(err, BASE_ERANGE, NULL, 0, "quantiser: clip must be > 0 and finite, got %g",
                     (double)clip);
        return NULL;
    }
    chan_quant *q = quant_alloc(CHAN_QUANT_UNIFORM, bits, err);
    if (!q) return NULL;
    q->clip = clip;
    q->step = 2.0f * clip / (float)q->nlev;
    for (uint32_t i = 0; i < q->nlev; i++)
        q->levels[i] = (float)(-(double)clip + ((double)i + 0.5) * (double)q->step);
    for (uint32_t i = 0; i + 1 < q->nlev; i++)
        q->thresh[i] = (float)(-(double)clip + (double)(i + 1) * (double)q->step);
    return q;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

chan_quant *chan_quant_create_lloydmax(unsigned bits, const float *train, size_t n, base_err *err)
{
    float *s = NULL;
    double *sum = NULL;
    size_t *cnt = NULL;
    chan_quant *q = NULL;
    if (!train || n == 0) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "Lloyd-Max quantiser: no training data");
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (!isfinite(train[i])) {
            base_err_set(err, BASE_EINVAL, NULL, 0,
                         "Lloyd-Max quantiser: training value %zu is not finite", i);
            return NULL;
        }
    q = quant_alloc(CHAN_QUANT_LLOYDMAX, bits, err);
    if (!q) return NULL;
    const uint32_t L = q->nlev;
    s = malloc(n * sizeof *s);
    sum = malloc(L * sizeof *sum);
    cnt = malloc(L * sizeof *cnt);
    if (!s || !sum || !cnt) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "Lloyd-Max quantiser: out of memory");
        goto fail;
    }
    for (size_t i = 0; i < n; i++) s[i] = train[i];
    qsort(s, n, sizeof *s, cmp_float);

    /* Start from the data quantiles; strictly increasing levels are not required. */
    for (uint32_t i = 0; i < L; i++) {
        size_t k = (size_t)(((double)i + 0.5) / (double)L * (double)n);
        q->levels[i] = s[k < n ? k : n - 1];
    }
    double prev = INFINITY;
    for (int it = 0; it < 500; it++) {
        for (uint32_t i = 0; i + 1 < L; i++)
            q->thresh[i] = 0.5f * (q->levels[i] + q->levels[i + 1]);
        for (uint32_t i = 0; i < L; i++) sum[i] = 0.0, cnt[i] = 0;
        /* Cell i holds thresh[i-1] <= x < thresh[i] (same rule as encode). */
        uint32_t c = 0;
        double mse = 0.0;
        for (size_t k = 0; k < n; k++) {
            while (c + 1 < L && s[k] >= q->thresh[c]) c++;
            sum[c] += s[k];
            cnt[c]++;
        }
        for (uint32_t i = 0; i < L; i++)
            if (cnt[i]) q->levels[i] = (float)(sum[i] / (double)cnt[i]);
        c = 0;
        for (size_t k = 0; k < n; k++) {
            while (c + 1 < L && s[k] >= q->thresh[c]) c++;
            double e = (double)s[k] - q->levels[c];
            mse += e * e;
        }
        if (isfinite(prev) && prev - mse <= 1e-12 * prev) break;
        prev = mse;
    }
    /* Levels are centroids of ordered cells, hence non-decreasing; final thresholds. */
    for (uint32_t i = 0; i + 1 < L; i++) q->thresh[i] = 0.5f * (q->levels[i] + q->levels[i + 1]);
    free(s);
    free(sum);
    free(cnt);
    return q;
fail:
    free(s);
    free(sum);
    free(cnt);
    chan_quant_destroy(q);
    return NULL;
}

void chan_quant_destroy(chan_quant *q)
{
    if (!q) return;
    free(q->levels);
    free(q->thresh);
    free(q);
}

unsigned chan_quant_bits(const chan_quant *q)
{
    return q->bits;
}
chan_quant_kind chan_quant_kind_of(const chan_quant *q)
{
    return q->kind;
}
float chan_quant_level(const chan_quant *q, uint32_t i)
{
    return q->levels[i & (q->nlev - 1)];
}

base_status chan_quant_encode(const chan_quant *q, const float *x, uint32_t *idx, size_t n)
{
    if (!q || (n && (!x || !idx))) return BASE_EINVAL;
    const uint32_t L = q->nlev;
    for (size_t k = 0; k < n; k++) {
        float v = x[k];
        if (v != v) return BASE_EINVAL;
        uint32_t i;
        if (q->kind == CHAN_QUANT_UNIFORM) {
            double c = floor(((double)v + q->clip) / q->step);
            i = c < 0.0 ? 0 : c >= (double)L ? L - 1 : (uint32_t)c;
        } else {
            /* first threshold > v, i.e. number of thresholds <= v */
            uint32_t lo = 0, hi = L - 1;
            while (lo < hi) {
                uint32_t mid = lo + (hi - lo) / 2;
                if (v >= q->thresh[mid])
                    lo = mid + 1;
                else
                    hi = mid;
            }
            i = lo;
        }
        idx[k] = i;
    }
    return BASE_OK;
}

base_status chan_quant_decode(const chan_quant *q, const uint32_t *idx, float *y, size_t n)
{
    if (!q || (n && (!idx || !y))) return BASE_EINVAL;
    for (size_t k = 0; k < n; k++) {
        if (idx[k] >= q->nlev) return BASE_EINVAL;
        y[k] = q->levels[idx[k]];
    }
    return BASE_OK;
}
