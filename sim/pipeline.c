/* pipeline.c -- the content side of a scenario: validation of what this build
 * can run, and the per-utterance callbacks of each source.kind. See pipeline.h. */
#include "sim/pipeline.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "channel/digital.h"
#include "codecs/text.h"
#include "base/rng.h"
#include "sim/pipe_codec.h"
#include "sim/pipe_semantic.h"
#include "sim/tts_source.h"

struct sim_pipeline {
    sim_config cfg;
    uint64_t seed;
    chan_bits_config bits[SIM_MAX_USERS]; /* kind = bits: per user */
    sim_sem *sem;                         /* kind = semantic */
    sim_codec *codec;                     /* kind = codec2-*, opus-* */
};

/* ---- validation ------------------------------------------------------------------ */

static base_status fail_key(const sim_scenario *sc, base_err *err, const char *key,
                            base_status code, const char *fmt, const char *a, const char *b)
{
    const char *file;
    int line;
    sim_scenario_where(sc, key, &file, &line);
    return base_err_set(err, code, file, line, fmt, a, b);
}

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static chan_kind channel_kind(const char *name)
{
    if (!strcmp(name, "none")) return CHAN_NONE;
    if (!strcmp(name, "rayleigh")) return CHAN_RAYLEIGH;
    if (!strcmp(name, "rician")) return CHAN_RICIAN;
    return CHAN_AWGN;
}

void sim_pipeline_channel(const sim_config *cfg, const sim_user_config *uc, chan_model_config *mc)
{
    chan_model_config_default(mc);
    mc->kind = channel_kind(uc->channel.model);
    mc->snr_db = uc->channel.snr_db;
    mc->k_factor_db = uc->channel.k_factor_db;
    /* 0: one fading coefficient for the whole packet (a fresh model per packet) */
    mc->coherence = uc->channel.coherence > 0 ? (size_t)uc->channel.coherence : (size_t)1 << 40;
    mc->doppler_hz = uc->channel.doppler_hz;
    mc->symbol_rate = cfg->medium.symbol_rate;
}

base_status sim_pipeline_utterance(const codec_manifest *man, sim_utt *u, const char **path,
                                   char **ref, base_err *err)
{
    size_t i = u->index % codec_manifest_size(man);
    *path = codec_manifest_audio_path(man, i);
    snprintf(u->res.id, sizeof u->res.id, "%s", codec_manifest_id(man, i));
    return codec_text_normalise(codec_manifest_transcript(man, i), ref, err);
}

int sim_pipeline_counts_words(const sim_config *cfg)
{
    return strcmp(cfg->source.kind, "bits") != 0;
}

base_status sim_pipeline_check(const sim_scenario *sc, const sim_config *cfg, base_err *err)
{
    /* input files named by set path keys must exist */
    for (size_t i = 0; i < sim_key_count(); i++) {
        const sim_key_def *k = sim_key_at(i);
        if (k->type != SIM_KEY_PATH || (k->flags & SIM_KEY_OUTPUT) ||
            !sim_scenario_is_set(sc, k->name))
            continue;
        const char *v = sim_scenario_get(sc, k->name);
        if (*v && !is_file(v))
            return fail_key(sc, err, k->name, BASE_EIO, "%s: no such file '%s'", k->name, v);
    }
    if (!strcmp(cfg->source.arrival, "poisson") && !(cfg->source.rate_hz > 0))
        return fail_key(sc, err, "source.rate_hz", BASE_ERANGE,
                        "source.arrival=poisson needs source.rate_hz > 0%s%s", "", "");
    const char *kind = cfg->source.kind;
    if (!strcmp(kind, "bits")) {
        for (size_t u = 0; u < cfg->n_users; u++) {
            const sim_user_config *uc = &cfg->user[u];
            if (strcmp(uc->link.mode, "digital"))
                return fail_key(sc, err, "link.mode", BASE_EINVAL,
                                "source.kind=bits needs link.mode=digital (user %s has %s)",
                                uc->name, uc->link.mode);
            if (uc->channel.doppler_hz > 0 && uc->channel.doppler_hz >= cfg->medium.symbol_rate / 2)
                return fail_key(sc, err, "channel.doppler_hz", BASE_ERANGE,
                                "channel.doppler_hz must be below link.symbol_rate/2%s%s", "", "");
        }
        if (cfg->source.frame_bits % 8)
            return fail_key(sc, err, "source.frame_bits", BASE_EINVAL,
                            "source.frame_bits must be a multiple of 8 (one FEC codeword of whole "
                            "bytes)%s%s",
                            "", "");
        if (cfg->source.bits % cfg->source.frame_bits)
            return fail_key(sc, err, "source.bits", BASE_EINVAL,
                            "source.bits must be a multiple of source.frame_bits%s%s", "", "");
        return BASE_OK;
    }
    if (!strcmp(kind, "semantic")) {
        if (!*cfg->user[0].tx.model || !*cfg->user[0].rx.model)
            return fail_key(
                sc, err, "source.kind", BASE_EINVAL,
                "source.kind=semantic needs tx.model and rx.model (agent model files)%s%s", "", "");
        return sim_sem_check(sc, cfg, err);
    }
    if (sim_codec_is_kind(kind)) return sim_codec_check(sc, cfg, err);
    return fail_key(sc, err, "source.kind", BASE_EUNSUPPORTED,
                    "source.kind=%s is not built into `semsim run` yet (classic-codec pipeline not "
                    "wired)%s",
                    kind, "");
}

/* ---- kind = bits ------------------------------------------------------------------- */

static base_status bits_encode(void *ctx, sim_utt *u, base_err *err)
{
    (void)err;
    sim_pipeline *p = ctx;
    u->n_frames = (size_t)(p->cfg.source.bits / p->cfg.source.frame_bits);
    u->encode_flops = 0;
    u->decode_flops = 0;
    u->res.duration_s = (double)p->cfg.source.bits / p->cfg.source.bit_rate;
    u->res.has_bits = 1;
    snprintf(u->res.id, sizeof u->res.id, "bits_%06zu", u->index);
    return BASE_OK;
}

static base_status bits_transmit(void *ctx, sim_utt *u, size_t pk, size_t f0, size_t nf,
                                 size_t *uses, base_err *err)
{
    (void)f0;
    sim_pipeline *p = ctx;
    chan_bits_config bc = p->bits[u->user];
    bc.max_blocks = nf;
    base_rng utt, r;
    base_rng_init(&utt, p->seed, u->index, base_rng_component("sim.bits.packet"));
    base_rng_fork(&utt, pk, &r);
    chan_bits_result res;
    base_status st = chan_bits_run(&bc, &r, &res, err);
    if (st != BASE_OK) return st;
    u->res.bits += res.bits;
    u->res.bit_errors += res.bit_errors;
    u->res.packets++;
    u->res.packet_errors += res.block_errors > 0;
    *uses = (size_t)res.channel_uses;
    return BASE_OK;
}

static base_status bits_decode(void *ctx, sim_utt *u, base_err *err)
{
    (void)ctx, (void)u, (void)err; /* the bit driver decoded each packet already */
    return BASE_OK;
}

static base_status bits_setup(sim_pipeline *p, base_err *err)
{
    base_status st;
    for (size_t u = 0; u < p->cfg.n_users; u++) {
        const sim_user_config *uc = &p->cfg.user[u];
        chan_bits_config *bc = &p->bits[u];
        chan_bits_config_default(bc);
        if ((st = chan_fec_kind_from_name(uc->link.fec, &bc->fec, err)) != BASE_OK) return st;
        if ((st = chan_modem_kind_from_name(uc->link.modulation, &bc->modulation, err)) != BASE_OK)
            return st;
        bc->block_bytes = (size_t)p->cfg.source.frame_bits / 8;
        bc->interleave_depth = 1;
        sim_pipeline_channel(&p->cfg, uc, &bc->channel);
        bc->ebn0_db = NAN;
        bc->target_bit_errors = 0;
        bc->target_block_errors = 0;
    }
    return BASE_OK;
}

/* ---- common ------------------------------------------------------------------------ */

sim_pipeline *sim_pipeline_create(const sim_config *cfg, uint64_t seed, const sim_lexicons *lx,
                                  base_err *err)
{
    sim_pipeline *p = calloc(1, sizeof *p);
    if (!p) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        return NULL;
    }
    p->cfg = *cfg;
    p->seed = seed;
    if (!strcmp(cfg->source.kind, "bits")) {
        if (bits_setup(p, err) != BASE_OK) goto fail;
        return p;
    }
    if (!strcmp(cfg->source.kind, "semantic")) {
        if (!(p->sem = sim_sem_create(cfg, seed, lx, err))) goto fail;
        return p;
    }
    if (sim_codec_is_kind(cfg->source.kind)) {
        if (!(p->codec = sim_codec_create(cfg, seed, lx, err))) goto fail;
        return p;
    }
    base_err_set(err, BASE_EUNSUPPORTED, NULL, 0,
                 "source.kind=%s is not built into `semsim run` yet", cfg->source.kind);
fail:
    free(p);
    return NULL;
}

void sim_pipeline_destroy(sim_pipeline *p)
{
    if (!p) return;
    sim_sem_destroy(p->sem);
    sim_codec_destroy(p->codec);
    free(p);
}

size_t sim_pipeline_available(const sim_pipeline *p)
{
    if (p->codec) return sim_codec_available(p->codec);
    return p->sem ? sim_sem_available(p->sem) : SIZE_MAX;
}

void sim_pipeline_ops(sim_pipeline *p, sim_payload_ops *ops)
{
    if (p->sem) {
        sim_sem_ops(p->sem, ops);
        return;
    }
    if (p->codec) {
        sim_codec_ops(p->codec, ops);
        return;
    }
    memset(ops, 0, sizeof *ops);
    ops->ctx = p;
    ops->encode = bits_encode;
    ops->transmit = bits_transmit;
    ops->decode = bits_decode;
    ops->release = NULL;
}

void sim_pipeline_point_metrics(const sim_pipeline *p, sim_point_metrics *m)
{
    if (p->sem) {
        sim_sem_point_metrics(p->sem, m);
        return;
    }
    m->handshake_sym = 0; /* no anchors wired yet: nothing is exchanged up front */
}

int sim_pipeline_grow(void **p, size_t *cap, size_t n, size_t size)
{
    if (n <= *cap) return 0;
    void *q = realloc(*p, n * size);
    if (!q) return -1;
    *p = q;
    *cap = n;
    return 0;
}
