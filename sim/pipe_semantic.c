/* pipe_semantic.c -- the semantic speech pipeline: manifest audio -> tx agent
 * -> link -> rx agent -> CTC decoding -> sclite scoring. See pipe_semantic.h. */
#include "sim/pipe_semantic.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel/analog.h"
#include "channel/digital.h"
#include "codecs/agent.h"
#include "codecs/audio.h"
#include "codecs/decode.h"
#include "codecs/frontend.h"
#include "codecs/manifest.h"
#include "codecs/melspec.h"
#include "codecs/modelfile.h"
#include "codecs/text.h"
#include "codecs/vocab.h"
#include "sim/base/rng.h"
#include "sim/score.h"

/* An agent with its front-end and work space. */
typedef struct agent {
    codec_agent *a;
    codec_melspec *mel;
    codec_melspec_work *mw;
    codec_agent_ws *ws;
    int rate;
    double enc_params, dec_params;
} agent;

typedef struct utt_state {
    float *z;    /* (T', d) sent latents               */
    float *zr;   /* (T', d) received latents            */
    int tz, d;
    char *ref;   /* normalised transcript               */
} utt_state;

struct sim_sem {
    sim_config cfg;
    uint64_t seed;
    agent tx, rx;
    const agent *enc; /* whose encoder the transmitter runs (rx for oracle) */
    codec_manifest *man;
    codec_lexicon *lex;
    codec_beam *beam;
    chan_analog *analog[SIM_MAX_USERS];
    chan_digital *digital[SIM_MAX_USERS];
    float *mel, *logp, *pad_in, *pad_out;
    size_t cap_mel, cap_logp, cap_pad_in, cap_pad_out;
    char *text;
    size_t cap_text;
};

static int grow(float **p, size_t *cap, size_t n)
{
    if (n <= *cap) return 0;
    float *q = realloc(*p, n * sizeof *q);
    if (!q) return -1;
    *p = q;
    *cap = n;
    return 0;
}

static void agent_free(agent *g)
{
    codec_melspec_work_destroy(g->mw);
    codec_melspec_destroy(g->mel);
    codec_agent_ws_destroy(g->ws);
    codec_agent_destroy(g->a);
    memset(g, 0, sizeof *g);
}

static sim_status agent_load(agent *g, const char *path, sim_err *err)
{
    codec_model *m = NULL;
    codec_melspec_config fe;
    sim_status st = codec_agent_load(path, &g->a, &m, err);
    if (st == SIM_OK) st = codec_frontend_from_model(m, &fe, err);
    codec_model_destroy(m);
    if (st != SIM_OK) return st;
    if (fe.n_mels != codec_agent_get_config(g->a)->n_mels)
        return sim_err_set(err, SIM_EFORMAT, path, 0,
                           "frontend.n_mels %d does not match the encoder's input size %d",
                           fe.n_mels, codec_agent_get_config(g->a)->n_mels);
    g->rate = fe.sample_rate;
    if (!(g->mel = codec_melspec_create(&fe, err)) || !(g->mw = codec_melspec_work_create(g->mel, err)))
        return err->code ? err->code : SIM_ENOMEM;
    for (size_t i = 0; i < codec_agent_param_count(g->a); i++) {
        const char *name = codec_agent_param_name(g->a, i);
        double n = (double)codec_agent_param_size(g->a, i);
        if (!strncmp(name, "enc.", 4)) g->enc_params += n;
        else if (!strncmp(name, "dec.", 4)) g->dec_params += n;
    }
    return SIM_OK;
}

static const char *key_file(const sim_scenario *sc, const char *key, int *line)
{
    const char *file;
    sim_scenario_where(sc, key, &file, line);
    return file;
}

sim_status sim_sem_check(const sim_scenario *sc, const sim_config *cfg, sim_err *err)
{
    int line;
    const char *file;
    const char *eq = cfg->equalizer.type;
    if (strcmp(eq, "none") && strcmp(eq, "oracle")) {
        file = key_file(sc, "equalizer.type", &line);
        return sim_err_set(err, SIM_EUNSUPPORTED, file, line,
                           "equalizer.type=%s is not wired into `semsim run` yet (none and oracle "
                           "are)",
                           eq);
    }
    if (!*cfg->source.manifest) {
        file = key_file(sc, "source.kind", &line);
        return sim_err_set(err, SIM_EUNSUPPORTED, file, line,
                           "source.kind=semantic needs source.manifest (the built-in TTS source is "
                           "not wired into `semsim run` yet)");
    }
    if (cfg->n_users > 1) {
        for (size_t u = 1; u < cfg->n_users; u++)
            if (strcmp(cfg->user[u].tx.model, cfg->user[0].tx.model) ||
                strcmp(cfg->user[u].rx.model, cfg->user[0].rx.model)) {
                file = key_file(sc, "tx.model", &line);
                return sim_err_set(err, SIM_EUNSUPPORTED, file, line,
                                   "per-user tx.model/rx.model are not supported yet");
            }
    }
    agent tx, rx;
    memset(&tx, 0, sizeof tx);
    memset(&rx, 0, sizeof rx);
    sim_status st = agent_load(&tx, cfg->user[0].tx.model, err);
    if (st != SIM_OK) {
        file = key_file(sc, "tx.model", &line);
        sim_err_locate(err, file, line);
        goto out;
    }
    if ((st = agent_load(&rx, cfg->user[0].rx.model, err)) != SIM_OK) {
        file = key_file(sc, "rx.model", &line);
        sim_err_locate(err, file, line);
        goto out;
    }
    if (!strcmp(eq, "none") && codec_agent_latent_dim(tx.a) != codec_agent_latent_dim(rx.a)) {
        file = key_file(sc, "equalizer.type", &line);
        st = sim_err_set(err, SIM_EINVAL, file, line,
                         "equalizer.type=none needs equal latent sizes (tx d=%d, rx d=%d)",
                         codec_agent_latent_dim(tx.a), codec_agent_latent_dim(rx.a));
        goto out;
    }
    codec_manifest *man = NULL;
    if ((st = codec_manifest_read(cfg->source.manifest, &man, err)) != SIM_OK) goto out;
    if (!codec_manifest_size(man)) {
        file = key_file(sc, "source.manifest", &line);
        st = sim_err_set(err, SIM_EINVAL, file, line, "source.manifest has no utterances");
    }
    codec_manifest_destroy(man);
out:
    agent_free(&tx);
    agent_free(&rx);
    return st;
}

void sim_sem_destroy(sim_sem *s)
{
    if (!s) return;
    agent_free(&s->tx);
    agent_free(&s->rx);
    codec_manifest_destroy(s->man);
    codec_beam_destroy(s->beam);
    codec_lexicon_destroy(s->lex);
    for (size_t u = 0; u < SIM_MAX_USERS; u++) {
        chan_analog_destroy(s->analog[u]);
        chan_digital_destroy(s->digital[u]);
    }
    free(s->mel);
    free(s->logp);
    free(s->pad_in);
    free(s->pad_out);
    free(s->text);
    free(s);
}

static chan_kind channel_kind(const char *name)
{
    if (!strcmp(name, "none")) return CHAN_NONE;
    if (!strcmp(name, "rayleigh")) return CHAN_RAYLEIGH;
    if (!strcmp(name, "rician")) return CHAN_RICIAN;
    return CHAN_AWGN;
}

static void channel_config(const sim_config *cfg, const sim_user_config *uc, chan_model_config *mc)
{
    chan_model_config_default(mc);
    mc->kind = channel_kind(uc->channel.model);
    mc->snr_db = uc->channel.snr_db;
    mc->k_factor_db = uc->channel.k_factor_db;
    mc->coherence = uc->channel.coherence > 0 ? (size_t)uc->channel.coherence : (size_t)1 << 40;
    mc->doppler_hz = uc->channel.doppler_hz;
    mc->symbol_rate = cfg->medium.symbol_rate;
}

sim_sem *sim_sem_create(const sim_config *cfg, uint64_t seed, sim_err *err)
{
    sim_sem *s = calloc(1, sizeof *s);
    if (!s) {
        sim_err_set(err, SIM_ENOMEM, NULL, 0, "out of memory");
        return NULL;
    }
    s->cfg = *cfg;
    s->seed = seed;
    const sim_user_config *u0 = &cfg->user[0];
    if (agent_load(&s->tx, u0->tx.model, err) != SIM_OK ||
        agent_load(&s->rx, u0->rx.model, err) != SIM_OK)
        goto fail;
    s->enc = !strcmp(cfg->equalizer.type, "oracle") ? &s->rx : &s->tx;
    s->cap_text = 256;
    if (!(s->text = malloc(s->cap_text))) {
        sim_err_set(err, SIM_ENOMEM, NULL, 0, "out of memory");
        goto fail;
    }
    if (codec_manifest_read(cfg->source.manifest, &s->man, err) != SIM_OK) goto fail;
    if (!strcmp(u0->rx.decoder, "beam")) {
        codec_beam_config bc = codec_beam_config_default();
        bc.beam = (int)u0->rx.beam_width;
        if (codec_lexicon_create(&s->lex, NULL, *u0->rx.lm ? u0->rx.lm : NULL, err) != SIM_OK ||
            codec_beam_create(&s->beam, s->lex, &bc, err) != SIM_OK)
            goto fail;
    }
    int d = codec_agent_latent_dim(s->enc->a);
    for (size_t u = 0; u < cfg->n_users; u++) {
        const sim_user_config *uc = &cfg->user[u];
        size_t block = (size_t)uc->link.frames_per_packet * (size_t)d;
        if (!strcmp(uc->link.mode, "analog")) {
            chan_analog_config ac;
            chan_analog_config_default(&ac);
            channel_config(cfg, uc, &ac.channel);
            ac.max_reals = block;
            if (!(s->analog[u] = chan_analog_create(&ac, err))) goto fail;
        } else {
            chan_digital_config dc;
            chan_digital_config_default(&dc);
            dc.block_len = block;
            dc.quant_bits = (unsigned)uc->link.quant_bits;
            dc.values_per_packet = block;
            if (chan_fec_kind_from_name(uc->link.fec, &dc.fec, err) != SIM_OK ||
                chan_modem_kind_from_name(uc->link.modulation, &dc.modulation, err) != SIM_OK ||
                chan_loss_policy_from_name(uc->link.lost, &dc.loss, err) != SIM_OK)
                goto fail;
            channel_config(cfg, uc, &dc.channel);
            if (!(s->digital[u] = chan_digital_create(&dc, err))) goto fail;
        }
        if (grow(&s->pad_in, &s->cap_pad_in, block) || grow(&s->pad_out, &s->cap_pad_out, block)) {
            sim_err_set(err, SIM_ENOMEM, NULL, 0, "out of memory");
            goto fail;
        }
    }
    return s;
fail:
    sim_sem_destroy(s);
    return NULL;
}

size_t sim_sem_available(const sim_sem *s) { return codec_manifest_size(s->man); }

static void release(void *ctx, sim_utt *u)
{
    (void)ctx;
    utt_state *us = u->state;
    if (!us) return;
    free(us->z);
    free(us->zr);
    free(us->ref);
    free(us);
    u->state = NULL;
}

/* Arrival: audio -> log-mel -> encoder latents. */
static sim_status encode(void *ctx, sim_utt *u, sim_err *err)
{
    sim_sem *s = ctx;
    const agent *g = s->enc;
    size_t i = u->index % codec_manifest_size(s->man);
    const char *path = codec_manifest_audio_path(s->man, i);
    utt_state *us = calloc(1, sizeof *us);
    if (!us) return sim_err_set(err, SIM_ENOMEM, NULL, 0, "out of memory");
    u->state = us;
    snprintf(u->res.id, sizeof u->res.id, "%s", codec_manifest_id(s->man, i));
    sim_status st = codec_text_normalise(codec_manifest_transcript(s->man, i), &us->ref, err);
    if (st != SIM_OK) return st;
    float *x = NULL;
    size_t n = 0;
    if ((st = codec_audio_read(path, g->rate, &x, &n, err)) != SIM_OK) return st;
    u->res.duration_s = (double)n / g->rate;
    size_t T = codec_melspec_frames(g->mel, n);
    int M = codec_melspec_bands(g->mel);
    if (grow(&s->mel, &s->cap_mel, (T ? T : 1) * (size_t)M)) {
        free(x);
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, "out of memory");
    }
    st = codec_melspec_execute(g->mel, g->mw, x, n, s->mel, NULL, err);
    free(x);
    if (st != SIM_OK) return st;
    if (T > (size_t)1 << 24) return sim_err_set(err, SIM_ERANGE, path, 0, "audio too long");
    int tz = T ? codec_agent_latent_len(g->a, (int)T) : 0;
    if (tz <= 0) return sim_err_set(err, SIM_ERANGE, path, 0, "audio too short for one latent frame");
    agent *ga = (agent *)g;
    if (!ga->ws || codec_agent_ws_max_frames(ga->ws) < (int)T) {
        codec_agent_ws_destroy(ga->ws);
        ga->ws = NULL;
        int cap = (int)T < 3000 ? 3000 : (int)T + (int)T / 4;
        if ((st = codec_agent_ws_create(&ga->ws, ga->a, cap, err)) != SIM_OK) return st;
    }
    us->d = codec_agent_latent_dim(g->a);
    us->tz = tz;
    us->z = malloc((size_t)tz * (size_t)us->d * sizeof *us->z);
    us->zr = calloc((size_t)tz * (size_t)us->d, sizeof *us->zr);
    if (!us->z || !us->zr) return sim_err_set(err, SIM_ENOMEM, NULL, 0, "out of memory");
    if ((st = codec_agent_encode(g->a, ga->ws, s->mel, (int)T, us->z, err)) != SIM_OK) return st;
    u->n_frames = (size_t)tz;
    u->encode_flops = 2.0 * g->enc_params * tz;
    u->decode_flops = 2.0 * s->rx.dec_params * tz;
    u->res.has_words = 1;
    return SIM_OK;
}

/* One packet of latent frames through the user's link. */
static sim_status transmit(void *ctx, sim_utt *u, size_t pk, size_t f0, size_t nf, size_t *uses,
                           sim_err *err)
{
    sim_sem *s = ctx;
    utt_state *us = u->state;
    size_t d = (size_t)us->d, n = nf * d, block = (size_t)s->cfg.user[u->user].link.frames_per_packet * d;
    const float *in = us->z + f0 * d;
    float *out = us->zr + f0 * d;
    sim_rng utt, r;
    sim_rng_init(&utt, s->seed, u->index, sim_rng_component("sim.semantic.channel"));
    sim_rng_fork(&utt, pk, &r);
    sim_status st;
    if (s->analog[u->user]) {
        chan_analog_reset(s->analog[u->user]); /* one realisation per packet */
        st = chan_analog_execute(s->analog[u->user], &r, in, out, n, uses);
        return st != SIM_OK ? sim_err_set(err, st, NULL, 0, "analog link failed: %s", sim_status_str(st))
                            : SIM_OK;
    }
    /* digital: every packet has the full format; the last one is zero-padded */
    memset(s->pad_in, 0, block * sizeof *s->pad_in);
    memcpy(s->pad_in, in, n * sizeof *in);
    chan_digital_reset(s->digital[u->user]);
    chan_digital_stats stats;
    st = chan_digital_execute(s->digital[u->user], &r, s->pad_in, s->pad_out, NULL, block, &stats);
    if (st != SIM_OK) return sim_err_set(err, st, NULL, 0, "digital link failed: %s", sim_status_str(st));
    for (size_t k = 0; k < n; k++) out[k] = isnan(s->pad_out[k]) ? 0.0f : s->pad_out[k];
    *uses = (size_t)stats.channel_uses;
    u->res.has_bits = 1;
    u->res.bits += stats.info_bits;
    u->res.bit_errors += stats.bit_errors;
    u->res.packets += stats.packets;
    u->res.packet_errors += stats.packet_errors;
    return SIM_OK;
}

static sim_status decode_text(sim_sem *s, const float *logp, int tz, sim_err *err)
{
    for (;;) {
        size_t len = 0;
        if (!s->beam) {
            len = codec_decode_greedy(logp, tz, CODEC_VOCAB_SIZE, s->text, s->cap_text);
        } else {
            sim_status st = codec_beam_decode(s->beam, logp, tz, CODEC_VOCAB_SIZE, s->text,
                                              s->cap_text, &len, NULL, err);
            if (st != SIM_OK) return st;
        }
        if (len < s->cap_text) return SIM_OK;
        char *t = realloc(s->text, len + 64);
        if (!t) return sim_err_set(err, SIM_ENOMEM, NULL, 0, "out of memory");
        s->text = t;
        s->cap_text = len + 64;
    }
}

/* All packets arrived: rx decoder, CTC decoding, scoring, cosine. */
static sim_status decode(void *ctx, sim_utt *u, sim_err *err)
{
    sim_sem *s = ctx;
    utt_state *us = u->state;
    agent *g = &s->rx;
    sim_status st;
    if (!g->ws || codec_agent_ws_max_frames(g->ws) < us->tz) {
        codec_agent_ws_destroy(g->ws);
        g->ws = NULL;
        int cap = us->tz < 3000 ? 3000 : us->tz + us->tz / 4;
        if ((st = codec_agent_ws_create(&g->ws, g->a, cap, err)) != SIM_OK) return st;
    }
    if (grow(&s->logp, &s->cap_logp, (size_t)us->tz * CODEC_VOCAB_SIZE))
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, "out of memory");
    if ((st = codec_agent_decode(g->a, g->ws, us->zr, us->tz, s->logp, err)) != SIM_OK) return st;
    if ((st = decode_text(s, s->logp, us->tz, err)) != SIM_OK) return st;
    sim_align_counts w, c;
    if ((st = sim_align_words(us->ref, s->text, &w, err)) != SIM_OK ||
        (st = sim_align_chars(us->ref, s->text, &c, err)) != SIM_OK)
        return st;
    u->res.ref_words = w.ref;
    u->res.sub = w.sub;
    u->res.del = w.del;
    u->res.ins = w.ins;
    u->res.ref_chars = c.ref;
    u->res.char_errors = c.sub + c.del + c.ins;
    if (!(u->res.reference = strdup(us->ref)) || !(u->res.hypothesis = strdup(s->text)))
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, "out of memory");
    /* mean cosine between sent and received latent frames */
    double cs = 0;
    for (int t = 0; t < us->tz; t++) {
        const float *a = us->z + (size_t)t * us->d, *b = us->zr + (size_t)t * us->d;
        double ab = 0, aa = 0, bb = 0;
        for (int k = 0; k < us->d; k++) {
            ab += (double)a[k] * b[k];
            aa += (double)a[k] * a[k];
            bb += (double)b[k] * b[k];
        }
        cs += aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : 0;
    }
    u->res.cosine = cs / us->tz;
    return SIM_OK;
}

void sim_sem_ops(sim_sem *s, sim_payload_ops *ops)
{
    memset(ops, 0, sizeof *ops);
    ops->ctx = s;
    ops->encode = encode;
    ops->transmit = transmit;
    ops->decode = decode;
    ops->release = release;
}
