/* fec.c -- liquid-dsp block codes and libfec K=7 Viterbi behind one interface (see fec.h).
 *
 * Part of channel/, used by the digital link and the bit-level driver. All buffers
 * are sized at create; encode/decode allocate nothing.
 *
 * libfec notes: create_viterbi27 picks a SIMD kernel on its first call (a one-time
 * write of libfec's global Cpu_mode; create objects before starting threads if that
 * matters). libfec's parity() helper initialises a global table lazily, so the encoder
 * uses __builtin_parity instead (same function).
 */
#include "channel/fec.h"

#include <fec.h>
#include <liquid/liquid.h>
#include <stdlib.h>
#include <string.h>

#define CONV_TAIL 6 /* K - 1 */

/* the names, in chan_fec_kind order (NULL-terminated for chan_fec_names) */
static const char *const fec_names[CHAN_FEC_COUNT + 1] = {
    "none",       "rep3",       "rep5",       "hamming74", "hamming84", "hamming128", "golay2412",
    "secded2216", "secded3932", "secded7264", "conv27",    "conv27p23", "conv27p34",  NULL};

static const struct {
    fec_scheme scheme;  /* liquid scheme; LIQUID_FEC_UNKNOWN for ours */
    int period;         /* puncturing period (0 = not a convolutional code) */
    uint8_t keep[2][3]; /* [A/B][phase] puncturing pattern */
} fec_table[CHAN_FEC_COUNT] = {
    [CHAN_FEC_NONE] = {LIQUID_FEC_UNKNOWN, 0, {{0}}},
    [CHAN_FEC_REP3] = {LIQUID_FEC_REP3, 0, {{0}}},
    [CHAN_FEC_REP5] = {LIQUID_FEC_REP5, 0, {{0}}},
    [CHAN_FEC_HAMMING74] = {LIQUID_FEC_HAMMING74, 0, {{0}}},
    [CHAN_FEC_HAMMING84] = {LIQUID_FEC_HAMMING84, 0, {{0}}},
    [CHAN_FEC_HAMMING128] = {LIQUID_FEC_HAMMING128, 0, {{0}}},
    [CHAN_FEC_GOLAY2412] = {LIQUID_FEC_GOLAY2412, 0, {{0}}},
    [CHAN_FEC_SECDED2216] = {LIQUID_FEC_SECDED2216, 0, {{0}}},
    [CHAN_FEC_SECDED3932] = {LIQUID_FEC_SECDED3932, 0, {{0}}},
    [CHAN_FEC_SECDED7264] = {LIQUID_FEC_SECDED7264, 0, {{0}}},
    [CHAN_FEC_CONV27] = {LIQUID_FEC_UNKNOWN, 1, {{1}, {1}}},
    [CHAN_FEC_CONV27P23] = {LIQUID_FEC_UNKNOWN, 2, {{1, 1}, {1, 0}}},
    [CHAN_FEC_CONV27P34] = {LIQUID_FEC_UNKNOWN, 3, {{1, 1, 0}, {1, 0, 1}}},
};

struct chan_fec {
    chan_fec_kind kind;
    size_t msg_bytes;
    size_t coded_bits;
    fec lq;       /* liquid block code, or NULL */
    int soft_ok;  /* liquid's soft decoder usable for this length */
    void *vit;    /* libfec Viterbi state, or NULL */
    uint8_t *enc; /* [coded_bits / 8] liquid encoded bytes, or [2 (8k+6)] depunctured soft */
    uint8_t *msg; /* [msg_bytes] copy of the input (liquid's API is not const) */
};

base_status chan_fec_kind_from_name(const char *name, chan_fec_kind *kind, base_err *err)
{
    if (!name || !kind) return base_err_set(err, BASE_EINVAL, NULL, 0, "fec: NULL argument");
    for (int k = 0; k < CHAN_FEC_COUNT; k++)
        if (strcmp(name, fec_names[k]) == 0) {
            *kind = (chan_fec_kind)k;
            return BASE_OK;
        }
    return base_err_set(err, BASE_ENOTFOUND, NULL, 0,
                        "unknown fec '%s' (none, rep3, rep5, hamming74, hamming84, hamming128, "
                        "golay2412, secded2216, secded3932, secded7264, conv27, conv27p23, "
                        "conv27p34)",
                        name);
}

const char *chan_fec_kind_name(chan_fec_kind kind)
{
    return (unsigned)kind < CHAN_FEC_COUNT ? fec_names[kind] : NULL;
}

const char *const *chan_fec_names(void)
{
    return fec_names;
}

static int is_conv(chan_fec_kind k)
{
    return fec_table[k].period > 0;
}

chan_fec *chan_fec_create(chan_fec_kind kind, size_t msg_bytes, base_err *err)
{
    chan_fec *q = NULL;
    if ((unsigned)kind >= CHAN_FEC_COUNT) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "fec: bad kind %d", (int)kind);
        return NULL;
    }
    if (msg_bytes < 1 || msg_bytes > (1u << 20)) {
        base_err_set(err, BASE_ERANGE, NULL, 0, "fec: message length must be 1..%u bytes, got %zu",
                     1u << 20, msg_bytes);
        return NULL;
    }
    q = calloc(1, sizeof *q);
    if (!q) goto nomem;
    q->kind = kind;
    q->msg_bytes = msg_bytes;
    size_t scratch;
    if (is_conv(kind)) {
        size_t nin = 8 * msg_bytes + CONV_TAIL, p = (size_t)fec_table[kind].period;
        q->coded_bits = 0;
        for (size_t i = 0; i < nin; i++)
            q->coded_bits += fec_table[kind].keep[0][i % p] + fec_table[kind].keep[1][i % p];
        scratch = 2 * nin;
        q->vit = create_viterbi27((int)(8 * msg_bytes));
        if (!q->vit) goto nomem;
    } else if (kind == CHAN_FEC_NONE) {
        q->coded_bits = 8 * msg_bytes;
        scratch = msg_bytes;
    } else {
        q->lq = fec_create(fec_table[kind].scheme, NULL);
        if (!q->lq) {
            base_err_set(err, BASE_EUNSUPPORTED, NULL, 0, "fec: liquid fec_create(%s) failed",
                         fec_names[kind]);
            goto fail;
        }
        q->coded_bits =
            8 * (size_t)fec_get_enc_msg_length(fec_table[kind].scheme, (unsigned)msg_bytes);
        q->soft_ok = !(kind == CHAN_FEC_HAMMING74 && msg_bytes % 4 != 0);
        scratch = q->coded_bits; /* soft bytes for fec_decode_soft (>= encoded bytes) */
    }
    q->enc = malloc(scratch);
    q->msg = malloc(msg_bytes);
    if (!q->enc || !q->msg) goto nomem;
    return q;
nomem:
    base_err_set(err, BASE_ENOMEM, NULL, 0, "fec: out of memory");
fail:
    chan_fec_destroy(q);
    return NULL;
}

void chan_fec_destroy(chan_fec *q)
{
    if (!q) return;
    if (q->lq) fec_destroy(q->lq);
    if (q->vit) delete_viterbi27(q->vit);
    free(q->enc);
    free(q->msg);
    free(q);
}

chan_fec_kind chan_fec_kind_of(const chan_fec *q)
{
    return q->kind;
}
size_t chan_fec_msg_bytes(const chan_fec *q)
{
    return q->msg_bytes;
}
size_t chan_fec_coded_bits(const chan_fec *q)
{
    return q->coded_bits;
}
double chan_fec_rate(const chan_fec *q)
{
    return 8.0 * (double)q->msg_bytes / (double)q->coded_bits;
}

static void unpack_bits(const uint8_t *bytes, size_t nbytes, uint8_t *bits)
{
    for (size_t i = 0; i < nbytes; i++)
        for (int b = 0; b < 8; b++) bits[8 * i + b] = (bytes[i] >> (7 - b)) & 1;
}

static void conv_encode(const chan_fec *q, const uint8_t *msg, uint8_t *bits)
{
    const size_t nin = 8 * q->msg_bytes + CONV_TAIL, p = (size_t)fec_table[q->kind].period;
    unsigned sr = 0;
    size_t o = 0;
    for (size_t i = 0; i < nin; i++) {
        unsigned b = i < 8 * q->msg_bytes ? (msg[i / 8] >> (7 - i % 8)) & 1 : 0;
        sr = ((sr << 1) | b) & 0x7f;
        if (fec_table[q->kind].keep[0][i % p]) bits[o++] = (uint8_t)__builtin_parity(sr & V27POLYA);
        if (fec_table[q->kind].keep[1][i % p]) bits[o++] = (uint8_t)__builtin_parity(sr & V27POLYB);
    }
}

base_status chan_fec_encode(chan_fec *q, const uint8_t *msg, uint8_t *bits)
{
    if (!q || !msg || !bits) return BASE_EINVAL;
    if (is_conv(q->kind)) {
        conv_encode(q, msg, bits);
    } else if (q->kind == CHAN_FEC_NONE) {
        unpack_bits(msg, q->msg_bytes, bits);
    } else {
        memcpy(q->msg, msg, q->msg_bytes);
        fec_encode(q->lq, (unsigned)q->msg_bytes, q->msg, q->enc);
        unpack_bits(q->enc, q->coded_bits / 8, bits);
    }
    return BASE_OK;
}

base_status chan_fec_decode(chan_fec *q, const uint8_t *soft, uint8_t *msg)
{
    if (!q || !soft || !msg) return BASE_EINVAL;
    if (is_conv(q->kind)) {
        const size_t nin = 8 * q->msg_bytes + CONV_TAIL, p = (size_t)fec_table[q->kind].period;
        size_t o = 0;
        for (size_t i = 0; i < nin; i++)
            for (int ab = 0; ab < 2; ab++)
                q->enc[2 * i + ab] = fec_table[q->kind].keep[ab][i % p] ? soft[o++] : 128;
        init_viterbi27(q->vit, 0);
        update_viterbi27_blk(q->vit, q->enc, (int)nin);
        chainback_viterbi27(q->vit, msg, (unsigned)(8 * q->msg_bytes), 0);
    } else if (q->kind == CHAN_FEC_NONE) {
        for (size_t i = 0; i < q->msg_bytes; i++) {
            uint8_t v = 0;
            for (int b = 0; b < 8; b++) v = (uint8_t)((v << 1) | (soft[8 * i + b] > 128));
            msg[i] = v;
        }
    } else if (q->soft_ok) {
        memcpy(q->enc, soft, q->coded_bits);
        fec_decode_soft(q->lq, (unsigned)q->msg_bytes, q->enc, msg);
    } else {
        for (size_t i = 0; i < q->coded_bits / 8; i++) {
            uint8_t v = 0;
            for (int b = 0; b < 8; b++) v = (uint8_t)((v << 1) | (soft[8 * i + b] > 128));
            q->enc[i] = v;
        }
        fec_decode(q->lq, (unsigned)q->msg_bytes, q->enc, msg);
    }
    return BASE_OK;
}
