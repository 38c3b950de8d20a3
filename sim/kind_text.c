/* kind_text.c -- source.kind = text: the transmitter's transcript, Huffman
 * coded, over the digital link. See kind_text.h. */
#include "sim/kind_text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "channel/digital.h"
#include "channel/link.h"
#include "codecs/audio.h"
#include "codecs/manifest.h"
#include "codecs/textcode.h"
#include "sim/kind_common.h"
#include "sim/receiver.h"
#include "sim/source_noise.h"
#include "sim/tts_source.h"

typedef struct utt_state {
    uint8_t *tx_bits; /* (frames, frame_bits) the coded transcript */
    uint8_t *rx_bits; /* (frames, frame_bits) what the FEC decoder gave */
    uint8_t *lost;    /* (frames) 1: the frame's packet failed its checks */
    size_t frames;
    char *ref; /* normalised reference transcript */
} utt_state;

struct sim_text {
    sim_config cfg;
    uint64_t seed;
    sim_receiver tx; /* the transmitter's agent with tx.decoder */
    codec_textcode *code;
    size_t fbits; /* source.frame_bits */
    codec_manifest *man;
    sim_raw_links raw; /* the users' digital links and one packet's bits */
    char *hyp;         /* decoded text */
    size_t cap_hyp;
};

static base_status check_users(const sim_scenario *sc, const sim_config *cfg, size_t max_len,
                               base_err *err)
{
    if ((uint64_t)cfg->source.frame_bits < max_len)
        return sim_kind_fail(sc, err, "source.frame_bits", BASE_ERANGE,
                             "source.kind=text needs source.frame_bits >= %zu (the text code's "
                             "longest codeword)",
                             max_len);
    for (size_t u = 0; u < cfg->n_users; u++) {
        const sim_user_config *uc = &cfg->user[u];
        if (strcmp(uc->link.mode, "digital"))
            return sim_kind_fail(sc, err, "link.mode", BASE_EINVAL,
                                 "source.kind=text needs link.mode=digital: text is sent as bits "
                                 "(user %s has %s)",
                                 uc->name, uc->link.mode);
        if (strcmp(uc->link.prune, "none"))
            return sim_kind_fail(sc, err, "link.prune", BASE_EINVAL,
                                 "link.prune=%s applies to source.kind=semantic only",
                                 uc->link.prune);
        if ((uint64_t)uc->link.frames_per_packet * (uint64_t)cfg->source.frame_bits > 65536)
            return sim_kind_fail(sc, err, "link.frames_per_packet", BASE_ERANGE,
                                 "link.frames_per_packet x source.frame_bits exceeds 65536 bits "
                                 "per packet");
        if (uc->channel.doppler_hz > 0 && uc->channel.doppler_hz >= cfg->medium.symbol_rate / 2)
            return sim_kind_fail(sc, err, "channel.doppler_hz", BASE_ERANGE,
                                 "channel.doppler_hz must be below link.symbol_rate/2");
        if (strcmp(uc->tx.model, cfg->user[0].tx.model))
            return sim_kind_fail(sc, err, "tx.model", BASE_EUNSUPPORTED,
                                 "per-user tx.model is not supported yet");
    }
    return BASE_OK;
}

base_status sim_text_check(const sim_scenario *sc, const sim_config *cfg, sim_resources *res,
                           base_err *err)
{
    codec_textcode *code = codec_textcode_create(NULL, err);
    if (!code) return err && err->code ? err->code : BASE_EINVAL;
    size_t max_len = codec_textcode_max_length(code);
    codec_textcode_destroy(code);
    base_status st = check_users(sc, cfg, max_len, err);
    if (st != BASE_OK) return st;
    if (!*cfg->user[0].tx.model)
        return sim_kind_fail(sc, err, "source.kind", BASE_EINVAL,
                             "source.kind=text needs tx.model (the agent that transcribes)");
    base_err e2 = BASE_ERR_INIT;
    st = sim_resources_check_agent(res, cfg->user[0].tx.model, &e2);
    if (st != BASE_OK) return sim_kind_fail(sc, err, "tx.model", st, "%s", e2.msg);
    if (!*cfg->source.manifest) return sim_tts_source_check(sc, cfg, err);
    codec_manifest *man = NULL;
    if ((st = codec_manifest_read(cfg->source.manifest, &man, err)) != BASE_OK) return st;
    size_t n = codec_manifest_size(man);
    codec_manifest_destroy(man);
    if (!n)
        return sim_kind_fail(sc, err, "source.manifest", BASE_EINVAL,
                             "source.manifest has no utterances");
    return BASE_OK;
}

base_status sim_text_prepare(const sim_config *cfg, sim_resources *res, base_err *err)
{
    const sim_user_config *u0 = &cfg->user[0];
    base_status st = sim_resources_add_agent(res, u0->tx.model, err);
    if (st == BASE_OK && !strcmp(u0->tx.decoder, "beam"))
        st = sim_resources_add_lexicon(res, u0->tx.lm, err);
    return st;
}

void sim_text_destroy(sim_text *t)
{
    if (!t) return;
    sim_receiver_close(&t->tx);
    codec_textcode_destroy(t->code);
    codec_manifest_destroy(t->man);
    sim_raw_links_close(&t->raw);
    free(t->hyp);
    free(t);
}

sim_text *sim_text_create(const sim_config *cfg, uint64_t seed, const sim_resources *res,
                          base_err *err)
{
    sim_text *t = calloc(1, sizeof *t);
    if (!t) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        return NULL;
    }
    t->cfg = *cfg;
    t->seed = seed;
    t->fbits = (size_t)cfg->source.frame_bits;
    const sim_user_config *u0 = &cfg->user[0];
    if (sim_receiver_open_decoder(&t->tx, u0->tx.model, u0->tx.decoder, u0->tx.beam_width,
                                  u0->tx.lm, res, err) != BASE_OK)
        goto fail;
    if (!(t->code = codec_textcode_create(NULL, err))) goto fail;
    if (sim_kind_manifest_read(cfg, &t->man, err) != BASE_OK) goto fail;
    if (sim_raw_links_open(&t->raw, &t->cfg, t->fbits, err) != BASE_OK) goto fail;
    return t;
fail:
    sim_text_destroy(t);
    return NULL;
}

size_t sim_text_available(const sim_text *t)
{
    return codec_manifest_size(t->man);
}

static void release(void *ctx, sim_utt *u)
{
    (void)ctx;
    utt_state *us = u->state;
    if (!us) return;
    free(us->tx_bits);
    free(us->rx_bits);
    free(us->lost);
    free(us->ref);
    free(us);
    u->state = NULL;
}

/* Audio -> the transmitter's transcript (*text points into its work space). */
static base_status transcribe(sim_text *t, sim_utt *u, const char *path, const char **text,
                              base_err *err)
{
    const codec_recognizer *r = t->tx.r;
    codec_recognizer_ws *ws = t->tx.ws;
    float *x = NULL;
    size_t n = 0;
    int rate = codec_recognizer_rate(r), tz = 0;
    base_status st = codec_audio_read(path, rate, &x, &n, err);
    sim_source_noise nz = {&t->cfg, t->man, t->seed, u->index, path}; /* source.noise_snr_db */
    if (st == BASE_OK) st = sim_source_noise_apply(&nz, rate, x, n, err);
    if (st != BASE_OK) return free(x), st;
    u->res.duration_s = (double)n / rate;
    st = codec_recognizer_frontend(r, ws, x, n, err);
    free(x);
    if (st == BASE_OK) st = codec_recognizer_encode(r, ws, &tz, err);
    if (st != BASE_OK) {
        base_err_locate(err, path, 0);
        return st;
    }
    if (tz <= 0)
        return base_err_set(err, BASE_ERANGE, path, 0, "audio too short for one latent frame");
    if ((st = codec_recognizer_decode(r, ws, codec_recognizer_latents(ws), tz, err)) != BASE_OK ||
        (st = codec_recognizer_text(ws, codec_recognizer_logp(ws), tz, text, err)) != BASE_OK)
        return st;
    u->encode_flops =
        2.0 * (codec_recognizer_encoder_params(r) + codec_recognizer_decoder_params(r)) * tz;
    return BASE_OK;
}

/* Arrival: audio -> the transmitter's transcript -> text frames. */
static base_status encode(void *ctx, sim_utt *u, base_err *err)
{
    sim_text *t = ctx;
    const char *path, *text = NULL;
    utt_state *us = calloc(1, sizeof *us);
    if (!us) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    u->state = us;
    base_status st = sim_kind_utterance(t->man, u, &path, &us->ref, err);
    if (st != BASE_OK || (st = transcribe(t, u, path, &text, err)) != BASE_OK) return st;
    us->frames = codec_textcode_frames(t->code, text, t->fbits);
    if (!us->frames)
        return base_err_set(err, BASE_EINTERNAL, NULL, 0,
                            "text code: the transcript \"%s\" is outside the alphabet", text);
    us->tx_bits = malloc(us->frames * t->fbits);
    us->rx_bits = calloc(us->frames, t->fbits);
    us->lost = calloc(us->frames, 1);
    if (!us->tx_bits || !us->rx_bits || !us->lost)
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    if ((st = codec_textcode_encode(t->code, text, t->fbits, us->tx_bits, us->frames, err)) !=
        BASE_OK)
        return st;
    u->n_frames = us->frames;
    u->decode_flops = 0;
    u->res.has_words = 1;
    u->res.has_bits = 1;
    u->res.cosine = NAN;
    return BASE_OK;
}

/* One packet: text frames [f0, f0+nf) as payload bits through the user's link. */
static base_status transmit(void *ctx, sim_utt *u, size_t pk, size_t f0, size_t nf, size_t *uses,
                            base_err *err)
{
    sim_text *t = ctx;
    utt_state *us = u->state;
    chan_digital *link = chan_link_digital(t->raw.link[u->user]);
    const size_t B = t->fbits, block = (size_t)t->cfg.user[u->user].link.frames_per_packet * B;
    if (nf * B > block) return base_err_set(err, BASE_EINTERNAL, NULL, 0, "packet overflow");
    memset(t->raw.idx, 0, block * sizeof *t->raw.idx); /* the last packet's padding */
    for (size_t k = 0; k < nf * B; k++) t->raw.idx[k] = us->tx_bits[f0 * B + k];
    base_rng utt, r;
    base_rng_init(&utt, t->seed, u->index, base_rng_component("sim.text.channel"));
    base_rng_fork(&utt, pk, &r);
    chan_digital_reset(link); /* one realisation per packet */
    chan_digital_stats stats;
    base_status st =
        chan_digital_execute_raw(link, &r, t->raw.idx, t->raw.ridx, t->raw.valid, block, &stats);
    if (st != BASE_OK)
        return base_err_set(err, st, NULL, 0, "digital link failed: %s", base_status_str(st));
    uint64_t errors = 0;
    for (size_t k = 0; k < nf * B; k++) {
        us->rx_bits[f0 * B + k] = (uint8_t)(t->raw.ridx[k] & 1u);
        errors += t->raw.ridx[k] != t->raw.idx[k];
    }
    for (size_t f = 0; f < nf; f++) us->lost[f0 + f] = !t->raw.valid[f * B];
    *uses = (size_t)stats.channel_uses;
    u->res.bits += (uint64_t)nf * B;
    u->res.bit_errors += errors;
    u->res.packets += stats.packets;
    u->res.packet_errors += stats.packet_errors;
    return BASE_OK;
}

/* All packets arrived: the frames that passed their checks -> text -> score. */
static base_status decode(void *ctx, sim_utt *u, base_err *err)
{
    sim_text *t = ctx;
    utt_state *us = u->state;
    /* each character takes >= 1 bit, each lost frame one word break */
    size_t cap = us->frames * (t->fbits + 1) + 1;
    if (sim_kind_grow((void **)&t->hyp, &t->cap_hyp, cap, 1))
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    codec_textcode_decode(t->code, us->rx_bits, us->lost, us->frames, t->fbits, t->hyp, t->cap_hyp);
    return sim_utt_result_score(&u->res, us->ref, t->hyp, err);
}

void sim_text_ops(sim_text *t, sim_payload_ops *ops)
{
    memset(ops, 0, sizeof *ops);
    ops->ctx = t;
    ops->encode = encode;
    ops->transmit = transmit;
    ops->decode = decode;
    ops->release = release;
}
