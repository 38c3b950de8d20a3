/* pipe_codec.c -- the classic-codec baselines: manifest (or TTS) audio ->
 * Codec2/Opus -> digital link (raw bits) -> codec decoder with concealment ->
 * receiving agent -> CTC decoding -> sclite scoring. See pipe_codec.h. */
#include "sim/pipe_codec.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel/digital.h"
#include "channel/link.h"
#include "codecs/audio.h"
#include "codecs/classic.h"
#include "codecs/manifest.h"
#include "codecs/recognizer.h"
#include "base/rng.h"
#include "sim/metrics.h"
#include "sim/kind_common.h"
#include "sim/receiver.h"
#include "sim/source_noise.h"
#include "sim/tts_source.h"

#define CODEC_RATE 16000 /* codecs/classic.h works on 16 kHz audio */

typedef struct utt_state {
    uint8_t *tx, *rx; /* (F, frame_bytes) sent and received frames */
    uint8_t *lost;    /* (F) 1 where the frame's packet was lost      */
    size_t frames, samples;
    char *ref; /* normalised transcript */
} utt_state;

struct sim_codec {
    sim_config cfg;
    uint64_t seed;
    codec_classic *codec;
    size_t fbits, fbytes;
    sim_receiver rx;
    codec_resampler *rs; /* 16 kHz -> the agent's rate, NULL when equal */
    codec_manifest *man;
    sim_raw_links raw; /* the users' digital links and one packet's bits */
    float *audio, *audio_rx;
    size_t cap_audio, cap_audio_rx;
};

/* Per user: a digital link, frames that fit a packet, Doppler below half the
 * symbol rate, one rx.model for all. */
static base_status check_users(const sim_scenario *sc, const sim_config *cfg, size_t fbits,
                               base_err *err)
{
    const char *kind = cfg->source.kind;
    for (size_t u = 0; u < cfg->n_users; u++) {
        const sim_user_config *uc = &cfg->user[u];
        if (strcmp(uc->link.mode, "digital"))
            return sim_kind_fail(sc, err, "link.mode", BASE_EINVAL,
                                 "source.kind=%s needs link.mode=digital: codecs send bits, not "
                                 "reals (user %s has %s)",
                                 kind, uc->name, uc->link.mode);
        if ((uint64_t)uc->link.frames_per_packet * fbits > 65536)
            return sim_kind_fail(sc, err, "link.frames_per_packet", BASE_ERANGE,
                                 "link.frames_per_packet x %zu bits per %s frame exceeds 65536 "
                                 "bits per packet",
                                 fbits, kind);
        if (uc->channel.doppler_hz > 0 && uc->channel.doppler_hz >= cfg->medium.symbol_rate / 2)
            return sim_kind_fail(sc, err, "channel.doppler_hz", BASE_ERANGE,
                                 "channel.doppler_hz must be below link.symbol_rate/2");
        if (strcmp(uc->rx.model, cfg->user[0].rx.model))
            return sim_kind_fail(sc, err, "rx.model", BASE_EUNSUPPORTED,
                                 "per-user rx.model is not supported yet");
    }
    return BASE_OK;
}

base_status sim_codec_check(const sim_scenario *sc, const sim_config *cfg, sim_resources *res,
                            base_err *err)
{
    const char *kind = cfg->source.kind;
    base_err e2 = BASE_ERR_INIT;
    codec_classic *q = codec_classic_create(kind, &e2);
    if (!q) {
        char *end;
        long k = !strncmp(kind, "opus-", 5) ? strtol(kind + 5, &end, 10) : 0;
        if (k && !*end && end != kind + 5)
            return sim_kind_fail(
                sc, err, "source.kind", BASE_ERANGE,
                "source.kind=%s: Opus bit rate out of range (opus-6 .. opus-64 kbit/s)", kind);
        return sim_kind_fail(sc, err, "source.kind", BASE_EINVAL, "source.kind=%s: %s", kind,
                             e2.msg);
    }
    size_t fbits = codec_classic_frame_bits(q);
    codec_classic_destroy(q);
    base_status st = check_users(sc, cfg, fbits, err);
    if (st != BASE_OK) return st;
    if (!*cfg->user[0].rx.model)
        return sim_kind_fail(
            sc, err, "source.kind", BASE_EINVAL,
            "source.kind=%s needs rx.model (the agent that recognises the decoded audio)", kind);
    st = sim_resources_check_agent(res, cfg->user[0].rx.model, &e2);
    if (st != BASE_OK) return sim_kind_fail(sc, err, "rx.model", st, "%s", e2.msg);
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

void sim_codec_destroy(sim_codec *s)
{
    if (!s) return;
    codec_classic_destroy(s->codec);
    sim_receiver_close(&s->rx);
    codec_resampler_destroy(s->rs);
    codec_manifest_destroy(s->man);
    sim_raw_links_close(&s->raw);
    free(s->audio);
    free(s->audio_rx);
    free(s);
}

sim_codec *sim_codec_create(const sim_config *cfg, uint64_t seed, const sim_resources *res,
                            base_err *err)
{
    sim_codec *s = calloc(1, sizeof *s);
    if (!s) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        return NULL;
    }
    s->cfg = *cfg;
    s->seed = seed;
    if (!(s->codec = codec_classic_create(cfg->source.kind, err))) goto fail;
    s->fbits = codec_classic_frame_bits(s->codec);
    s->fbytes = codec_classic_frame_bytes(s->codec);
    if (sim_receiver_open(&s->rx, cfg, res, err) != BASE_OK) goto fail;
    int rate = codec_recognizer_rate(s->rx.r);
    if (rate != CODEC_RATE && codec_resampler_create(CODEC_RATE, rate, &s->rs, err) != BASE_OK)
        goto fail;
    if (sim_kind_manifest_read(cfg, &s->man, err) != BASE_OK) goto fail;
    if (sim_raw_links_open(&s->raw, &s->cfg, s->fbits, err) != BASE_OK) goto fail;
    return s;
fail:
    sim_codec_destroy(s);
    return NULL;
}

size_t sim_codec_available(const sim_codec *s)
{
    return codec_manifest_size(s->man);
}

static void release(void *ctx, sim_utt *u)
{
    (void)ctx;
    utt_state *us = u->state;
    if (!us) return;
    free(us->tx);
    free(us->rx);
    free(us->lost);
    free(us->ref);
    free(us);
    u->state = NULL;
}

/* Arrival: audio -> codec frames. Also sizes the receiver's work (FLOPs). */
static base_status encode(void *ctx, sim_utt *u, base_err *err)
{
    sim_codec *s = ctx;
    const char *path;
    utt_state *us = calloc(1, sizeof *us);
    if (!us) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    u->state = us;
    base_status st = sim_kind_utterance(s->man, u, &path, &us->ref, err);
    if (st != BASE_OK) return st;
    float *x = NULL;
    size_t n = 0;
    if ((st = codec_audio_read(path, CODEC_RATE, &x, &n, err)) != BASE_OK) return st;
    sim_source_noise nz = {&s->cfg, s->man, s->seed, u->index, path}; /* source.noise_snr_db */
    if ((st = sim_source_noise_apply(&nz, CODEC_RATE, x, n, err)) != BASE_OK) return free(x), st;
    us->samples = n;
    us->frames = codec_classic_frames(s->codec, n);
    us->tx = calloc(us->frames, s->fbytes);
    us->rx = calloc(us->frames, s->fbytes);
    us->lost = calloc(us->frames, 1);
    if (!us->tx || !us->rx || !us->lost) {
        free(x);
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    }
    st = codec_classic_encode(s->codec, x, n, us->tx, err);
    free(x);
    if (st != BASE_OK) return st;
    u->res.duration_s = (double)n / CODEC_RATE;
    u->n_frames = us->frames;
    u->encode_flops = 0;
    size_t nr = s->rs ? codec_resampler_output_len(s->rs, n) : n;
    const codec_recognizer *r = s->rx.r;
    u->decode_flops = 2.0 *
                      (codec_recognizer_encoder_params(r) + codec_recognizer_decoder_params(r)) *
                      codec_recognizer_latent_len(r, nr);
    u->res.has_words = 1;
    u->res.has_bits = 1;
    u->res.cosine = NAN;
    return BASE_OK;
}

/* Bit k (MSB first) of a frame. */
static uint32_t frame_bit(const uint8_t *f, size_t k)
{
    return (f[k / 8] >> (7 - k % 8)) & 1u;
}

/* One packet: frames [f0, f0+nf) as payload bits through the user's link. */
static base_status transmit(void *ctx, sim_utt *u, size_t pk, size_t f0, size_t nf, size_t *uses,
                            base_err *err)
{
    sim_codec *s = ctx;
    utt_state *us = u->state;
    chan_digital *link = chan_link_digital(s->raw.link[u->user]);
    const size_t B = s->fbits, block = (size_t)s->cfg.user[u->user].link.frames_per_packet * B;
    if (nf * B > block) return base_err_set(err, BASE_EINTERNAL, NULL, 0, "packet overflow");
    memset(s->raw.idx, 0, block * sizeof *s->raw.idx); /* the last packet's padding */
    for (size_t f = 0; f < nf; f++) {
        const uint8_t *src = us->tx + (f0 + f) * s->fbytes;
        for (size_t k = 0; k < B; k++) s->raw.idx[f * B + k] = frame_bit(src, k);
    }
    base_rng utt, r;
    base_rng_init(&utt, s->seed, u->index, base_rng_component("sim.codec.channel"));
    base_rng_fork(&utt, pk, &r);
    chan_digital_reset(link); /* one realisation per packet */
    chan_digital_stats stats;
    base_status st =
        chan_digital_execute_raw(link, &r, s->raw.idx, s->raw.ridx, s->raw.valid, block, &stats);
    if (st != BASE_OK)
        return base_err_set(err, st, NULL, 0, "digital link failed: %s", base_status_str(st));
    uint64_t errors = 0;
    for (size_t f = 0; f < nf; f++) {
        uint8_t *dst = us->rx + (f0 + f) * s->fbytes;
        memset(dst, 0, s->fbytes);
        for (size_t k = 0; k < B; k++) {
            uint32_t b = s->raw.ridx[f * B + k];
            errors += b != s->raw.idx[f * B + k];
            if (b) dst[k / 8] |= (uint8_t)(0x80u >> (k % 8));
        }
        us->lost[f0 + f] = !s->raw.valid[f * B];
    }
    *uses = (size_t)stats.channel_uses;
    u->res.bits += (uint64_t)nf * B;
    u->res.bit_errors += errors;
    u->res.packets += stats.packets;
    u->res.packet_errors += stats.packet_errors;
    return BASE_OK;
}

/* All packets arrived: codec decoder (with concealment) -> rx agent -> text -> score. */
static base_status decode(void *ctx, sim_utt *u, base_err *err)
{
    sim_codec *s = ctx;
    utt_state *us = u->state;
    const codec_recognizer *r = s->rx.r;
    codec_recognizer_ws *ws = s->rx.ws;
    base_status st;
    if (sim_kind_grow((void **)&s->audio, &s->cap_audio, us->samples, sizeof *s->audio))
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    if ((st = codec_classic_decode(s->codec, us->rx, us->lost, us->frames, s->audio, us->samples,
                                   err)) != BASE_OK)
        return st;
    const float *x = s->audio;
    size_t n = us->samples;
    if (s->rs) {
        size_t nr = codec_resampler_output_len(s->rs, n);
        if (sim_kind_grow((void **)&s->audio_rx, &s->cap_audio_rx, nr, sizeof *s->audio_rx))
            return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        if ((st = codec_resampler_execute(s->rs, x, n, s->audio_rx, err)) != BASE_OK) return st;
        x = s->audio_rx;
        n = nr;
    }
    int tz = 0;
    const char *text = NULL;
    if ((st = codec_recognizer_frontend(r, ws, x, n, err)) != BASE_OK ||
        (st = codec_recognizer_encode(r, ws, &tz, err)) != BASE_OK) {
        base_err_locate(err, u->res.id, 0);
        return st;
    }
    if (tz <= 0)
        return base_err_set(err, BASE_ERANGE, u->res.id, 0, "audio too short for one latent frame");
    if ((st = codec_recognizer_decode(r, ws, codec_recognizer_latents(ws), tz, err)) != BASE_OK ||
        (st = codec_recognizer_text(ws, codec_recognizer_logp(ws), tz, &text, err)) != BASE_OK ||
        (st = sim_utt_result_score(&u->res, us->ref, text, err)) != BASE_OK)
        return st;
    u->res.cosine = NAN;
    return BASE_OK;
}

void sim_codec_ops(sim_codec *s, sim_payload_ops *ops)
{
    memset(ops, 0, sizeof *ops);
    ops->ctx = s;
    ops->encode = encode;
    ops->transmit = transmit;
    ops->decode = decode;
    ops->release = release;
}
