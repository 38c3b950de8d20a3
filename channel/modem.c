/* modem.c -- liquid-dsp constellations, max-log LLRs, LLR -> libfec soft bytes.
 *
 * Part of channel/ (see modem.h). liquid builds each constellation once at create;
 * modulation is then a table lookup and the LLRs are computed here from the same
 * table, so both ends use exactly liquid's Gray mapping and scaling. liquid's modem
 * object is kept for hard (nearest-point) decisions, which use its fast search.
 */
#include "channel/modem.h"

#include <liquid/liquid.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct chan_modem {
    chan_mod_kind kind;
    unsigned bps;
    unsigned m;            /* 2^bps points */
    float complex *points; /* [m] constellation, index = liquid symbol */
    modemcf lq;            /* liquid's modem (hard decisions) */
};

/* the names, in chan_mod_kind order (NULL-terminated for chan_modem_names) */
static const char *const mod_names[CHAN_MOD_COUNT + 1] = {"bpsk",  "qpsk",   "8psk", "16qam",
                                                          "64qam", "256qam", NULL};

static const struct {
    modulation_scheme scheme;
} mod_table[CHAN_MOD_COUNT] = {
    [CHAN_MOD_BPSK] = {LIQUID_MODEM_BPSK},   [CHAN_MOD_QPSK] = {LIQUID_MODEM_QPSK},
    [CHAN_MOD_PSK8] = {LIQUID_MODEM_PSK8},   [CHAN_MOD_QAM16] = {LIQUID_MODEM_QAM16},
    [CHAN_MOD_QAM64] = {LIQUID_MODEM_QAM64}, [CHAN_MOD_QAM256] = {LIQUID_MODEM_QAM256},
};

base_status chan_modem_kind_from_name(const char *name, chan_mod_kind *kind, base_err *err)
{
    if (!name || !kind) return base_err_set(err, BASE_EINVAL, NULL, 0, "modulation: NULL argument");
    for (int k = 0; k < CHAN_MOD_COUNT; k++)
        if (strcmp(name, mod_names[k]) == 0) {
            *kind = (chan_mod_kind)k;
            return BASE_OK;
        }
    return base_err_set(err, BASE_ENOTFOUND, NULL, 0,
                        "unknown modulation '%s' (bpsk, qpsk, 8psk, 16qam, 64qam, 256qam)", name);
}

const char *chan_modem_kind_name(chan_mod_kind kind)
{
    return (unsigned)kind < CHAN_MOD_COUNT ? mod_names[kind] : NULL;
}

const char *const *chan_modem_names(void)
{
    return mod_names;
}

chan_modem *chan_modem_create(chan_mod_kind kind, base_err *err)
{
    chan_modem *q = NULL;
    if ((unsigned)kind >= CHAN_MOD_COUNT) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "modem: bad modulation kind %d", (int)kind);
        goto fail;
    }
    q = calloc(1, sizeof *q);
    if (!q) goto nomem;
    q->kind = kind;
    q->lq = modemcf_create(mod_table[kind].scheme);
    if (!q->lq) {
        base_err_set(err, BASE_EINTERNAL, NULL, 0, "modem: liquid modemcf_create(%s) failed",
                     mod_names[kind]);
        goto fail;
    }
    q->bps = modemcf_get_bps(q->lq);
    q->m = 1u << q->bps;
    q->points = malloc(q->m * sizeof *q->points);
    if (!q->points) goto nomem;
    for (unsigned s = 0; s < q->m; s++) modemcf_modulate(q->lq, s, &q->points[s]);
    return q;
nomem:
    base_err_set(err, BASE_ENOMEM, NULL, 0, "modem: out of memory");
fail:
    chan_modem_destroy(q);
    return NULL;
}

void chan_modem_destroy(chan_modem *q)
{
    if (!q) return;
    if (q->lq) modemcf_destroy(q->lq);
    free(q->points);
    free(q);
}

unsigned chan_modem_bps(const chan_modem *q)
{
    return q->bps;
}
chan_mod_kind chan_modem_kind(const chan_modem *q)
{
    return q->kind;
}
float complex chan_modem_point(const chan_modem *q, unsigned s)
{
    return q->points[s & (q->m - 1)];
}

base_status chan_modem_modulate(const chan_modem *q, const uint8_t *bits, float complex *x,
                                size_t nsym)
{
    if (!q || (nsym && (!bits || !x))) return BASE_EINVAL;
    const unsigned bps = q->bps;
    for (size_t i = 0; i < nsym; i++) {
        unsigned s = 0;
        for (unsigned k = 0; k < bps; k++) {
            uint8_t b = bits[i * bps + k];
            if (b > 1) return BASE_EINVAL;
            s = (s << 1) | b;
        }
        x[i] = q->points[s];
    }
    return BASE_OK;
}

base_status chan_modem_demodulate_llr(const chan_modem *q, const float complex *y,
                                      const float *nvar, float nvar0, float *llr, size_t nsym)
{
    if (!q || (nsym && (!y || !llr))) return BASE_EINVAL;
    if (!nvar && !(nvar0 >= 0.0f)) return BASE_EINVAL;
    const unsigned bps = q->bps, m = q->m;
    float d[256];
    for (size_t i = 0; i < nsym; i++) {
        float nv = nvar ? nvar[i] : nvar0;
        float *out = llr + i * bps;
        if (!(nv < INFINITY)) { /* inf (h = 0) or NaN: nothing known about these bits */
            for (unsigned k = 0; k < bps; k++) out[k] = 0.0f;
            continue;
        }
        if (nv < 1e-12f) nv = 1e-12f;
        float yr = crealf(y[i]), yi = cimagf(y[i]);
        for (unsigned s = 0; s < m; s++) {
            float dr = yr - crealf(q->points[s]), di = yi - cimagf(q->points[s]);
            d[s] = dr * dr + di * di;
        }
        for (unsigned k = 0; k < bps; k++) {
            unsigned mask = 1u << (bps - 1 - k);
            float min0 = INFINITY, min1 = INFINITY;
            for (unsigned s = 0; s < m; s++) {
                if (s & mask) {
                    if (d[s] < min1) min1 = d[s];
                } else if (d[s] < min0) {
                    min0 = d[s];
                }
            }
            out[k] = (min0 - min1) / nv;
        }
    }
    return BASE_OK;
}

base_status chan_modem_demodulate_sym(chan_modem *q, const float complex *y, unsigned *sym,
                                      size_t nsym)
{
    if (!q || (nsym && (!y || !sym))) return BASE_EINVAL;
    for (size_t i = 0; i < nsym; i++) modemcf_demodulate(q->lq, y[i], &sym[i]);
    return BASE_OK;
}

void chan_llr_to_soft(const float *llr, uint8_t *soft, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float v = 128.0f + CHAN_LLR_SCALE * llr[i];
        if (!(v == v)) v = 128.0f; /* NaN */
        if (v < 0.0f) v = 0.0f;
        if (v > 255.0f) v = 255.0f;
        soft[i] = (uint8_t)lrintf(v);
    }
}
