/* digital.c -- the digital link and the bit-level BER/BLER driver (see digital.h).
 *
 * Part of channel/. Both the link and chan_bits_run push packets through the same
 * chain (static pkt_chain below): FEC encode -> interleave -> pad -> modulate, and
 * after the channel: ZF equalise -> max-log LLRs -> soft bytes -> deinterleave ->
 * decode. The link adds quantisation, packing, headers, CRC and the loss policy.
 */
#include "channel/digital.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "channel/interleaver.h"

/* ---- the per-packet chain -------------------------------------------------------- */

typedef struct pkt_chain {
    chan_fec *fec;
    chan_interleaver *il;
    chan_modem *mod;
    size_t msg_bytes;  /* K */
    size_t coded_bits; /* C */
    unsigned bps;
    size_t nsym;    /* S = ceil(C / bps) */
    uint8_t *bits;  /* [S*bps] coded bits, then interleaved + padded */
    uint8_t *soft;  /* [C] soft bytes in channel order */
    uint8_t *soft2; /* [C] deinterleaved */
} pkt_chain;

static void chain_free(pkt_chain *c)
{
    chan_fec_destroy(c->fec);
    chan_interleaver_destroy(c->il);
    chan_modem_destroy(c->mod);
    free(c->bits);
    free(c->soft);
    free(c->soft2);
    memset(c, 0, sizeof *c);
}

static base_status chain_init(pkt_chain *c, chan_fec_kind fk, chan_mod_kind mk, size_t msg_bytes,
                              size_t depth, base_err *err)
{
    memset(c, 0, sizeof *c);
    if (!(c->fec = chan_fec_create(fk, msg_bytes, err))) goto fail;
    if (!(c->mod = chan_modem_create(mk, err))) goto fail;
    c->msg_bytes = msg_bytes;
    c->coded_bits = chan_fec_coded_bits(c->fec);
    c->bps = chan_modem_bps(c->mod);
    c->nsym = (c->coded_bits + c->bps - 1) / c->bps;
    if (!(c->il = chan_interleaver_create(c->coded_bits, depth, err))) goto fail;
    c->bits = calloc(c->nsym * c->bps, 1);
    c->soft = malloc(c->coded_bits);
    c->soft2 = malloc(c->coded_bits);
    if (!c->bits || !c->soft || !c->soft2) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "digital link: out of memory");
        goto fail;
    }
    return BASE_OK;
fail:
    chain_free(c);
    return err && err->code != BASE_OK ? err->code : BASE_EINVAL;
}

/* msg[K] -> x[S]. */
static void chain_tx(pkt_chain *c, const uint8_t *msg, float complex *x)
{
    chan_fec_encode(c->fec, msg, c->soft); /* soft as scratch for the coded bits */
    chan_interleaver_forward(c->il, c->soft, c->bits);
    /* bits[C .. S*bps) stay 0 (calloc): modulation padding */
    chan_modem_modulate(c->mod, c->bits, x, c->nsym);
}

/* llr[S*bps] (channel order) -> msg[K]. */
static void chain_rx(pkt_chain *c, const float *llr, uint8_t *msg)
{
    chan_llr_to_soft(llr, c->soft, c->coded_bits);
    chan_interleaver_inverse(c->il, c->soft, c->soft2);
    chan_fec_decode(c->fec, c->soft2, msg);
}

/* Zero-forcing with perfect CSI: y <- y/h, nvar = N0/|h|^2 (inf where h = 0). */
static void equalise(float complex *y, const float complex *h, double n0, float *nvar, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float g = crealf(h[i]) * crealf(h[i]) + cimagf(h[i]) * cimagf(h[i]);
        if (g > 0.0f) {
            y[i] = y[i] * conjf(h[i]) / g;
            nvar[i] = (float)(n0 / g);
        } else {
            nvar[i] = INFINITY;
        }
    }
}

/* ---- bit packing (MSB first) ---------------------------------------------------- */

static void put_bits(uint8_t *buf, size_t *pos, uint32_t v, unsigned nbits)
{
    for (unsigned k = 0; k < nbits; k++, (*pos)++) {
        unsigned bit = (v >> (nbits - 1 - k)) & 1u;
        if (bit) buf[*pos / 8] |= (uint8_t)(0x80u >> (*pos % 8));
    }
}

static uint32_t get_bits(const uint8_t *buf, size_t *pos, unsigned nbits)
{
    uint32_t v = 0;
    for (unsigned k = 0; k < nbits; k++, (*pos)++)
        v = (v << 1) | ((buf[*pos / 8] >> (7 - *pos % 8)) & 1u);
    return v;
}

/* ---- names --------------------------------------------------------------------- */

static const char *const loss_names[CHAN_LOSS_COUNT + 1] = {"drop", "zero", "repeat", "keep", NULL};

base_status chan_loss_policy_from_name(const char *name, chan_loss_policy *p, base_err *err)
{
    if (!name || !p) return base_err_set(err, BASE_EINVAL, NULL, 0, "loss policy: NULL argument");
    for (int k = 0; k < CHAN_LOSS_COUNT; k++)
        if (strcmp(name, loss_names[k]) == 0) {
            *p = (chan_loss_policy)k;
            return BASE_OK;
        }
    return base_err_set(err, BASE_ENOTFOUND, NULL, 0,
                        "unknown lost-packet policy '%s' (drop, zero, repeat, keep)", name);
}

const char *chan_loss_policy_name(chan_loss_policy p)
{
    return (unsigned)p < CHAN_LOSS_COUNT ? loss_names[p] : NULL;
}

const char *const *chan_loss_policy_names(void)
{
    return loss_names;
}

/* ---- the link ------------------------------------------------------------------- */

struct chan_digital {
    chan_digital_config cfg; /* train/ntrain cleared: not kept */
    chan_quant *quant;
    chan_model *model;
    pkt_chain chain;
    size_t n, N, P;
    unsigned b, H;
    size_t crc_bytes, body_bytes; /* body = header + payload + pad */
    uint64_t seq;                 /* packets sent since create/reset */
    uint32_t pad_idx;             /* index of 0.0, for the last packet's padding */
    uint32_t *idx;                /* [P*N] transmitted indices */
    uint32_t *ridx;               /* [N] received indices of one packet */
    uint8_t *msg, *rmsg;          /* [K] */
    float complex *x, *y, *h;     /* [P*S] */
    float *nvar;                  /* [P*S] */
    float *llr;                   /* [P*S*bps] */
    float *last;                  /* [N] values of the last good packet */
};

void chan_digital_config_default(chan_digital_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->block_len = 64;
    cfg->quant_bits = 8;
    cfg->quant = CHAN_QUANT_UNIFORM;
    cfg->quant_clip = 3.0f;
    cfg->values_per_packet = 32;
    cfg->header_bits = 16;
    cfg->crc = CHAN_CRC_16;
    cfg->fec = CHAN_FEC_CONV27;
    cfg->modulation = CHAN_MOD_QPSK;
    cfg->interleave_depth = 8;
    cfg->loss = CHAN_LOSS_ZERO;
    chan_model_config_default(&cfg->channel);
}

chan_digital *chan_digital_create(const chan_digital_config *cfg, base_err *err)
{
    chan_digital *q = NULL;
    if (!cfg) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "digital link: NULL config");
        return NULL;
    }
    if (cfg->block_len < 1) {
        base_err_set(err, BASE_ERANGE, NULL, 0, "digital link: block length must be >= 1");
        return NULL;
    }
    if (cfg->values_per_packet < 1 || cfg->values_per_packet > 65536) {
        base_err_set(err, BASE_ERANGE, NULL, 0,
                     "digital link: values per packet must be 1..65536, got %zu",
                     cfg->values_per_packet);
        return NULL;
    }
    if (cfg->header_bits > 32) {
        base_err_set(err, BASE_ERANGE, NULL, 0, "digital link: header bits must be 0..32, got %u",
                     cfg->header_bits);
        return NULL;
    }
    if ((unsigned)cfg->crc >= CHAN_CRC_COUNT || (unsigned)cfg->loss >= CHAN_LOSS_COUNT ||
        (unsigned)cfg->quant > CHAN_QUANT_LLOYDMAX) {
        base_err_set(err, BASE_EINVAL, NULL, 0,
                     "digital link: bad crc, loss policy or quantiser kind");
        return NULL;
    }
    if (cfg->interleave_depth < 1) {
        base_err_set(err, BASE_ERANGE, NULL, 0, "digital link: interleave depth must be >= 1");
        return NULL;
    }
    q = calloc(1, sizeof *q);
    if (!q) goto nomem;
    q->cfg = *cfg;
    q->cfg.train = NULL;
    q->cfg.ntrain = 0;
    q->n = cfg->block_len;
    q->N = cfg->values_per_packet;
    q->P = (q->n + q->N - 1) / q->N;
    q->b = cfg->quant_bits;
    q->H = cfg->header_bits;

    q->quant = cfg->quant == CHAN_QUANT_UNIFORM
                   ? chan_quant_create_uniform(cfg->quant_bits, cfg->quant_clip, err)
                   : chan_quant_create_lloydmax(cfg->quant_bits, cfg->train, cfg->ntrain, err);
    if (!q->quant) goto fail;
    float zero = 0.0f;
    chan_quant_encode(q->quant, &zero, &q->pad_idx, 1);

    q->crc_bytes = chan_crc_bytes(cfg->crc);
    q->body_bytes = (q->H + q->N * q->b + 7) / 8;
    size_t K = q->body_bytes + q->crc_bytes;
    if (chain_init(&q->chain, cfg->fec, cfg->modulation, K, cfg->interleave_depth, err) != BASE_OK)
        goto fail;
    if (!(q->model = chan_model_create(&cfg->channel, err))) goto fail;

    size_t ns = q->P * q->chain.nsym;
    q->idx = malloc(q->P * q->N * sizeof *q->idx);
    q->ridx = malloc(q->N * sizeof *q->ridx);
    q->msg = malloc(K);
    q->rmsg = malloc(K);
    q->x = malloc(ns * sizeof *q->x);
    q->y = malloc(ns * sizeof *q->y);
    q->h = malloc(ns * sizeof *q->h);
    q->nvar = malloc(ns * sizeof *q->nvar);
    q->llr = malloc(ns * q->chain.bps * sizeof *q->llr);
    q->last = calloc(q->N, sizeof *q->last);
    if (!q->idx || !q->ridx || !q->msg || !q->rmsg || !q->x || !q->y || !q->h || !q->nvar ||
        !q->llr || !q->last)
        goto nomem;
    return q;
nomem:
    base_err_set(err, BASE_ENOMEM, NULL, 0, "digital link: out of memory");
fail:
    chan_digital_destroy(q);
    return NULL;
}

void chan_digital_destroy(chan_digital *q)
{
    if (!q) return;
    chan_quant_destroy(q->quant);
    chan_model_destroy(q->model);
    chain_free(&q->chain);
    free(q->idx);
    free(q->ridx);
    free(q->msg);
    free(q->rmsg);
    free(q->x);
    free(q->y);
    free(q->h);
    free(q->nvar);
    free(q->llr);
    free(q->last);
    free(q);
}

size_t chan_digital_packets(const chan_digital *q)
{
    return q->P;
}
size_t chan_digital_packet_bytes(const chan_digital *q)
{
    return q->chain.msg_bytes;
}
size_t chan_digital_packet_coded_bits(const chan_digital *q)
{
    return q->chain.coded_bits;
}
size_t chan_digital_packet_symbols(const chan_digital *q)
{
    return q->chain.nsym;
}
size_t chan_digital_channel_uses(const chan_digital *q)
{
    return q->P * q->chain.nsym;
}
const chan_quant *chan_digital_quant(const chan_digital *q)
{
    return q->quant;
}

void chan_digital_reset(chan_digital *q)
{
    if (!q) return;
    q->seq = 0;
    memset(q->last, 0, q->N * sizeof *q->last);
    chan_model_reset(q->model);
}

/* Packets p = 0..P-1 of q->idx (sequence header seq+p, N indices of b bits,
 * CRC) -> FEC, modulator, channel, equaliser -> LLRs in q->llr. */
static base_status send_packets(chan_digital *q, base_rng *rng)
{
    const size_t N = q->N, P = q->P, S = q->chain.nsym, K = q->chain.msg_bytes;
    const uint32_t hmask = q->H >= 32 ? 0xffffffffu : (1u << q->H) - 1u;
    for (size_t p = 0; p < P; p++) {
        size_t pos = 0;
        memset(q->msg, 0, K);
        put_bits(q->msg, &pos, (uint32_t)((q->seq + p) & hmask), q->H);
        for (size_t j = 0; j < N; j++) put_bits(q->msg, &pos, q->idx[p * N + j], q->b);
        chan_crc_append(q->cfg.crc, q->msg, q->body_bytes);
        chain_tx(&q->chain, q->msg, q->x + p * S);
    }
    base_status st = chan_model_execute(q->model, rng, q->x, q->y, q->h, P * S);
    if (st != BASE_OK) return st;
    equalise(q->y, q->h, chan_model_n0(q->model), q->nvar, P * S);
    chan_modem_demodulate_llr(q->chain.mod, q->y, q->nvar, 0.0f, q->llr, P * S);
    return BASE_OK;
}

/* Packet p's LLRs -> its N indices in q->ridx; 1 if its CRC and its sequence
 * header check. */
static int receive_packet(chan_digital *q, size_t p)
{
    const uint32_t hmask = q->H >= 32 ? 0xffffffffu : (1u << q->H) - 1u;
    chain_rx(&q->chain, q->llr + p * q->chain.nsym * q->chain.bps, q->rmsg);
    size_t pos = 0;
    uint32_t hdr = get_bits(q->rmsg, &pos, q->H);
    for (size_t j = 0; j < q->N; j++) q->ridx[j] = get_bits(q->rmsg, &pos, q->b);
    return chan_crc_check(q->cfg.crc, q->rmsg, q->body_bytes) &&
           hdr == (uint32_t)((q->seq + p) & hmask);
}

base_status chan_digital_execute(chan_digital *q, base_rng *rng, const float *x, float *y,
                                 uint8_t *valid, size_t n, chan_digital_stats *stats)
{
    if (!q || !rng || !x || !y || n != q->n) return BASE_EINVAL;
    const size_t N = q->N, P = q->P, S = q->chain.nsym;
    const unsigned b = q->b;
    base_status st;

    if ((st = chan_quant_encode(q->quant, x, q->idx, n)) != BASE_OK) return st;
    for (size_t j = n; j < P * N; j++) q->idx[j] = q->pad_idx;

    if ((st = send_packets(q, rng)) != BASE_OK) return st;

    chan_digital_stats s = {0};
    s.channel_uses = (uint64_t)P * S;
    s.info_bits = (uint64_t)n * b;
    s.packets = P;
    for (size_t p = 0; p < P; p++) {
        int ok = receive_packet(q, p);
        size_t lo = p * N, cnt = lo + N <= n ? N : n - lo;
        for (size_t j = 0; j < cnt; j++)
            s.bit_errors += (uint64_t)__builtin_popcount(q->ridx[j] ^ q->idx[lo + j]);
        if (!ok) s.packet_errors++;

        float *out = y + lo;
        if (ok || q->cfg.loss == CHAN_LOSS_KEEP) {
            chan_quant_decode(q->quant, q->ridx, out, cnt);
        } else if (q->cfg.loss == CHAN_LOSS_DROP) {
            for (size_t j = 0; j < cnt; j++) out[j] = NAN;
        } else if (q->cfg.loss == CHAN_LOSS_ZERO) {
            for (size_t j = 0; j < cnt; j++) out[j] = 0.0f;
        } else { /* repeat: q->last is zeros before the first good packet */
            memcpy(out, q->last, cnt * sizeof *out);
        }
        if (ok) {
            /* Keep the whole packet (padding included) so a later full packet can repeat it. */
            chan_quant_decode(q->quant, q->ridx, q->last, N);
        }
        if (valid) memset(valid + lo, ok ? 1 : 0, cnt);
    }
    q->seq += P;
    if (stats) *stats = s;
    return BASE_OK;
}

base_status chan_digital_execute_raw(chan_digital *q, base_rng *rng, const uint32_t *idx,
                                     uint32_t *ridx, uint8_t *valid, size_t n,
                                     chan_digital_stats *stats)
{
    if (!q || !rng || !idx || !ridx || n != q->n) return BASE_EINVAL;
    const size_t N = q->N, P = q->P, S = q->chain.nsym;
    const unsigned b = q->b;
    const uint32_t vmask = b >= 32 ? 0xffffffffu : (1u << b) - 1u;
    base_status st;

    for (size_t j = 0; j < n; j++) {
        if (idx[j] & ~vmask) return BASE_EINVAL;
        q->idx[j] = idx[j];
    }
    for (size_t j = n; j < P * N; j++) q->idx[j] = 0;

    /* From here on as chan_digital_execute, without quantiser and loss policy. */
    if ((st = send_packets(q, rng)) != BASE_OK) return st;

    chan_digital_stats s = {0};
    s.channel_uses = (uint64_t)P * S;
    s.info_bits = (uint64_t)n * b;
    s.packets = P;
    for (size_t p = 0; p < P; p++) {
        int ok = receive_packet(q, p);
        size_t lo = p * N, cnt = lo + N <= n ? N : n - lo;
        for (size_t j = 0; j < cnt; j++) {
            s.bit_errors += (uint64_t)__builtin_popcount(q->ridx[j] ^ q->idx[lo + j]);
            ridx[lo + j] = q->ridx[j];
        }
        if (!ok) s.packet_errors++;
        if (valid) memset(valid + lo, ok ? 1 : 0, cnt);
    }
    q->seq += P;
    if (stats) *stats = s;
    return BASE_OK;
}

/* ---- bit-level driver ------------------------------------------------------------ */

void chan_bits_config_default(chan_bits_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->fec = CHAN_FEC_CONV27;
    cfg->modulation = CHAN_MOD_QPSK;
    cfg->block_bytes = 128;
    cfg->interleave_depth = 1;
    chan_model_config_default(&cfg->channel);
    cfg->ebn0_db = NAN;
    cfg->max_blocks = 1000;
    cfg->target_bit_errors = 0;
    cfg->target_block_errors = 100;
}

base_status chan_bits_run(const chan_bits_config *cfg, base_rng *rng, chan_bits_result *res,
                          base_err *err)
{
    pkt_chain c = {0};
    chan_model *model = NULL;
    uint8_t *msg = NULL, *rmsg = NULL;
    float complex *x = NULL, *y = NULL, *h = NULL;
    float *nvar = NULL, *llr = NULL;
    base_status st = BASE_OK;

    if (!cfg || !rng || !res)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "bits run: NULL argument");
    if (cfg->max_blocks < 1)
        return base_err_set(err, BASE_ERANGE, NULL, 0, "bits run: max_blocks must be >= 1");
    if (cfg->interleave_depth < 1)
        return base_err_set(err, BASE_ERANGE, NULL, 0, "bits run: interleave depth must be >= 1");
    if (isinf(cfg->ebn0_db))
        return base_err_set(err, BASE_ERANGE, NULL, 0, "bits run: Eb/N0 must be finite or NaN");
    if ((st = chain_init(&c, cfg->fec, cfg->modulation, cfg->block_bytes, cfg->interleave_depth,
                         err)) != BASE_OK)
        return st;
    const size_t K = c.msg_bytes, S = c.nsym;
    const double rate_db = 10.0 * log10(8.0 * (double)K / (double)S); /* info bits per use */
    chan_model_config mc = cfg->channel;
    if (!isnan(cfg->ebn0_db)) mc.snr_db = cfg->ebn0_db + rate_db;
    if (!(model = chan_model_create(&mc, err))) {
        st = err ? err->code : BASE_EINVAL;
        goto done;
    }
    msg = malloc(K);
    rmsg = malloc(K);
    x = malloc(S * sizeof *x);
    y = malloc(S * sizeof *y);
    h = malloc(S * sizeof *h);
    nvar = malloc(S * sizeof *nvar);
    llr = malloc(S * c.bps * sizeof *llr);
    if (!msg || !rmsg || !x || !y || !h || !nvar || !llr) {
        st = base_err_set(err, BASE_ENOMEM, NULL, 0, "bits run: out of memory");
        goto done;
    }

    /* Bits and noise from separate child streams: the same bits at every SNR point. */
    base_rng rbits, rchan;
    base_rng_fork(rng, base_rng_component("chan.bits.data"), &rbits);
    base_rng_fork(rng, base_rng_component("chan.bits.channel"), &rchan);

    memset(res, 0, sizeof *res);
    res->esn0_db = mc.snr_db;
    res->ebn0_db = mc.snr_db - rate_db;
    const double n0 = chan_model_n0(model);
    while (res->blocks < cfg->max_blocks) {
        for (size_t i = 0; i < K; i += 8) {
            uint64_t r = base_rng_u64(&rbits);
            for (size_t k = i; k < K && k < i + 8; k++, r >>= 8) msg[k] = (uint8_t)r;
        }
        chain_tx(&c, msg, x);
        if ((st = chan_model_execute(model, &rchan, x, y, h, S)) != BASE_OK) {
            base_err_set(err, st, NULL, 0, "bits run: channel model failed");
            goto done;
        }
        equalise(y, h, n0, nvar, S);
        chan_modem_demodulate_llr(c.mod, y, nvar, 0.0f, llr, S);
        chain_rx(&c, llr, rmsg);
        uint64_t e = 0;
        for (size_t k = 0; k < K; k++)
            e += (uint64_t)__builtin_popcount((unsigned)(msg[k] ^ rmsg[k]));
        res->blocks++;
        res->bits += 8 * K;
        res->bit_errors += e;
        res->block_errors += e > 0;
        res->channel_uses += S;
        if (cfg->target_bit_errors && res->bit_errors >= cfg->target_bit_errors) break;
        if (cfg->target_block_errors && res->block_errors >= cfg->target_block_errors) break;
    }
    res->ber = (double)res->bit_errors / (double)res->bits;
    res->bler = (double)res->block_errors / (double)res->blocks;
done:
    chain_free(&c);
    chan_model_destroy(model);
    free(msg);
    free(rmsg);
    free(x);
    free(y);
    free(h);
    free(nvar);
    free(llr);
    return st;
}
