/* pipe_semantic.c -- the semantic speech pipeline: manifest audio -> tx agent
 * -> link -> rx agent -> CTC decoding -> sclite scoring. See pipe_semantic.h. */
#define _GNU_SOURCE /* asprintf */
#include "sim/pipe_semantic.h"

#include <inttypes.h>
#include <math.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anchors/equalizer.h"
#include "anchors/link.h"
#include "anchors/metrics.h"
#include "anchors/relative.h"
#include "anchors/select.h"
#include "channel/analog.h"
#include "channel/digital.h"
#include "channel/link.h"
#include "codecs/audio.h"
#include "codecs/manifest.h"
#include "codecs/prune.h"
#include "codecs/recognizer.h"
#include "base/rng.h"
#include "sim/kind_common.h"
#include "base/ini.h"
#include "sim/linkcache.h"
#include "sim/prune.h"
#include "sim/receiver.h"
#include "sim/source_noise.h"
#include "sim/tts_source.h"
#include "sim/ucache.h"

/* An agent with its front-end and work space: the receiver as the scenario
 * sets it up (sim/receiver.h), and the transmitter (greedy: it decodes only
 * to label its anchor frames). */
typedef sim_receiver agent;

typedef struct utt_state {
    float *s;     /* (T', spf) symbols sent: latents, or the equalizer's encoding */
    float *sr;    /* (T', spf) symbols received                                  */
    float *ideal; /* (T', d_rx) the receiver's own encoding of the same audio     */
    int tz;
    char *ref; /* normalised transcript                                        */
    /* link.prune = blank (sim/prune.h): keep[tz] marks the frames sent; s and
     * sr then hold only the n_keep kept frames; NULL when not pruning */
    uint8_t *keep;
    size_t n_keep, pos_uses, n_proto;
    double prune_flops;
    double tx_own[2]; /* the transmitter's own recognition: word errors, reference words */
} utt_state;

/* What the anchor link's callbacks get: the pipeline, one of its agents and
 * the model file it was loaded from (the cache keys name it). */
typedef struct side_ctx {
    struct sim_sem *s;
    sim_receiver *g;
    const char *model;
} side_ctx;

#define MAX_PAIRS 2000 /* latent frame pairs kept per point for the alignment metrics */

/* One transmitter->receiver pair: the agents of a [user.NAME] (or of the
 * global keys), its anchor link and head, its alignment pairs. Users with the
 * same tx.model, rx.model, equalizer.* and anchors.* keys share one pair (the
 * first user's link.frames_per_packet sets its head's packet size). */
typedef struct sem_pair {
    sim_config cfg;            /* the point's configuration, user[0] = this pair's first user (its
                                * equalizer.* and anchors.* keys also in cfg.equalizer / anchors) */
    const anchor_eq_info *eqi; /* the pair's equalizer.type's row of the table */
    agent tx, rx;
    const agent *enc; /* whose encoder the transmitter runs (rx for oracle) */
    agent tx_own;     /* tx.model with rx.decoder's settings: wer_tx_own (opened on first use) */
    side_ctx side_tx, side_rx;
    agent pool[ANCHOR_RELHEAD_MAX_POOL]; /* equalizer.head_pool: the receiver's pool encoders */
    side_ctx side_pool[ANCHOR_RELHEAD_MAX_POOL];
    char pool_model[ANCHOR_RELHEAD_MAX_POOL][SIM_CFG_STR];
    size_t n_pool;
    double tx_own_err, tx_own_words; /* wer_tx_own of the pair so far */
    const anchor_link *link;         /* equalizers with uses_anchors (the run's, shared through
                                      * its link cache: sim/linkcache.h); else NULL */
    const anchor_equalizer *eq;      /* the link's equalizer (NULL without a link) */
    const anchor_relative *rel_rx; /* the link's psi(., A_rx) when decode gives log-probabilities */
    size_t pair_dim;               /* width of the alignment pairs: d_rx, or K for relative */
    size_t d_enc, d_rx;            /* latent sizes of the encoder used and of the receiver */
    size_t spf;                    /* real symbols per frame on the link */
    double handshake_sym;
    float *pair_u, *pair_v; /* (MAX_PAIRS, pair_dim): decoder input vs ideal */
    size_t n_pairs;
    sim_prune *prune; /* link.prune = blank for some user (with this receiver's fill); else NULL */
} sem_pair;

struct sim_sem {
    sim_config cfg;
    uint64_t seed;
    sim_ucache *cache;          /* the run's per-utterance cache (NULL: none) */
    sim_linkcache *links;       /* the run's anchor links (NULL: each pair builds its own) */
    codec_audio_reader *reader; /* audio files in, resamplers kept per rate pair */
    const sim_resources *res;   /* for opening tx_own */
    codec_manifest *man;
    chan_analog *analog[SIM_MAX_USERS];
    chan_digital *digital[SIM_MAX_USERS];
    sem_pair *pair[SIM_MAX_USERS];
    size_t n_pair;
    size_t pair_of[SIM_MAX_USERS]; /* user -> index into pair */
    float *r_ideal;                /* relative: (T', K) scratch */
    size_t cap_r_ideal;
    float *x_hat; /* per-utterance scratch: decoder input (T', d_rx) */
    size_t cap_x_hat;
    float *logp, *pad_in, *pad_out; /* logp: (T', V) from the relative head */
    size_t cap_logp, cap_pad_in, cap_pad_out;
};

/* The pair user u belongs to. */
static sem_pair *pair_of(const sim_sem *s, size_t u)
{
    return s->pair[s->pair_of[u]];
}

/* float buffers only here: keeps the call sites typed */
static int grow(float **p, size_t *cap, size_t n)
{
    return sim_kind_grow((void **)p, cap, n, sizeof **p);
}

static base_status setup_anchors(sim_sem *s, sem_pair *p, base_err *err);

/* equalizer.head_pool: the list file's model files (one per line, relative to
 * the list; blank lines and # comments skipped) into path[*n]; never tx_model.
 * check: each must load (sim_resources_check_agent into res, which may be NULL).
 * Errors name list:line. */
static base_status read_pool(const char *list, const char *tx_model, int check, sim_resources *res,
                             char (*path)[SIM_CFG_STR], size_t *n, base_err *err)
{
    FILE *f = fopen(list, "r");
    *n = 0;
    if (!f)
        return base_err_set(err, BASE_EIO, list, 0, "equalizer.head_pool: cannot read the list");
    char line[SIM_CFG_STR];
    int ln = 0;
    base_status st = BASE_OK;
    while (st == BASE_OK && fgets(line, sizeof line, f)) {
        ln++;
        char *a = line, *e = line + strlen(line);
        while (*a == ' ' || *a == '\t') a++;
        while (e > a && strchr("\r\n \t", e[-1])) *--e = 0;
        if (!*a || *a == '#') continue;
        if (*n == ANCHOR_RELHEAD_MAX_POOL) {
            st = base_err_set(err, BASE_ERANGE, list, ln,
                              "equalizer.head_pool: more than %d models", ANCHOR_RELHEAD_MAX_POOL);
            break;
        }
        base_ini_join_path(list, a, path[*n], SIM_CFG_STR);
        char real_a[PATH_MAX], real_t[PATH_MAX];
        if (realpath(path[*n], real_a) && realpath(tx_model, real_t) && !strcmp(real_a, real_t)) {
            st = base_err_set(err, BASE_EINVAL, list, ln,
                              "equalizer.head_pool lists the transmitter's model %s: the head "
                              "must not train on the transmitter's latents",
                              a);
            break;
        }
        if (check && (st = sim_resources_check_agent(res, path[*n], err)) != BASE_OK) {
            base_err_clear(err);
            st = base_err_set(err, st, list, ln, "equalizer.head_pool: cannot load model %s", a);
            break;
        }
        (*n)++;
    }
    fclose(f);
    return st;
}

/* sim_sem_check: can the model file be loaded (the error names the key)?
 * Into res, once per run (sim_resources_check_agent). */
static base_status check_model(const sim_scenario *sc, sim_resources *res, const char *key,
                               const char *path, base_err *err)
{
    base_status st = sim_resources_check_agent(res, path, err);
    if (st != BASE_OK) {
        const char *file;
        int line;
        sim_scenario_where(sc, key, &file, &line);
        base_err_locate(err, file, line);
    }
    return st;
}

static const char *key_file(const sim_scenario *sc, const char *key, int *line)
{
    const char *file;
    sim_scenario_where(sc, key, &file, line);
    return file;
}

/* The pair's equalizer.* and anchors.* keys (user[0]'s) where the anchor
 * link reads them; a configuration built without them (type "") keeps the
 * global ones. */
static void pair_keys(sim_config *c)
{
    if (*c->user[0].equalizer.type) sim_config_user_pair_keys(c, 0);
}

/* The scenario's anchors.* and equalizer.* keys as the anchor link takes them. */
static anchor_link_config link_config(const sim_config *cfg, uint64_t seed)
{
    anchor_link_config lc = {0};
    lc.equalizer = cfg->equalizer.type;
    lc.selection = cfg->anchors.selection;
    lc.psi = cfg->anchors.psi;
    lc.count = cfg->anchors.count;
    lc.members = cfg->anchors.members;
    lc.utterances = cfg->anchors.utterances;
    lc.manifest = cfg->anchors.manifest;
    lc.ridge_lambda = cfg->equalizer.ridge_lambda;
    lc.train_manifest = cfg->equalizer.train_manifest;
    lc.train_utterances = cfg->equalizer.train_utterances;
    lc.head_steps = cfg->equalizer.head_steps;
    lc.head_noise = cfg->equalizer.head_noise;
    lc.head_pool = cfg->equalizer.head_pool;
    lc.head_snr_db = cfg->equalizer.head_snr_db; /* eq19 */
    lc.packet_frames = cfg->user[0].link.frames_per_packet;
    lc.mlp_hidden = cfg->equalizer.mlp_hidden;
    lc.mlp_epochs = cfg->equalizer.mlp_epochs;
    lc.cache = cfg->equalizer.cache;
    lc.seed = seed;
    lc.rx_model = cfg->user[0].rx.model; /* caches: the head's key hashes its bytes */
    return lc;
}

/* Each user's equalizer and anchor keys as its pair's anchor link takes them;
 * the TTS anchor and head corpora are prepared for the first user's
 * equalizer.type, so a later user's may not need corpora the first's does not. */
static base_status check_pairs(const sim_scenario *sc, const sim_config *cfg, base_err *err)
{
    int line;
    const char *file, *key = NULL;
    base_status st = BASE_OK;
    sim_config *c = malloc(sizeof *c);
    if (!c) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    const anchor_eq_info *e0 = anchor_equalizer_find(cfg->equalizer.type, NULL);
    for (size_t u = 0; st == BASE_OK && u < (cfg->n_users ? cfg->n_users : 1); u++) {
        *c = *cfg;
        c->user[0] = cfg->user[u];
        pair_keys(c);
        anchor_link_config lc = link_config(c, 0);
        if ((st = anchor_link_config_check(&lc, &key, err)) != BASE_OK) {
            if (key) {
                file = key_file(sc, key, &line);
                base_err_locate(err, file, line);
            }
            break;
        }
        const anchor_eq_info *e = anchor_equalizer_find(c->equalizer.type, NULL);
        if (e && e0 &&
            ((e->uses_anchors && !e0->uses_anchors && !*cfg->anchors.manifest) ||
             (e->needs_head && !e0->needs_head && !*cfg->equalizer.train_manifest))) {
            file = key_file(sc, "equalizer.type", &line);
            st = base_err_set(err, BASE_EUNSUPPORTED, file, line,
                              "[user.%s] equalizer.type = %s needs TTS corpora the first user's "
                              "equalizer.type = %s does not: list that user first",
                              cfg->user[u].name, c->equalizer.type, cfg->equalizer.type);
        }
    }
    free(c);
    return st;
}

base_status sim_sem_check(const sim_scenario *sc, const sim_config *cfg, sim_resources *res,
                          base_err *err)
{
    int line;
    const char *file;
    /* the anchor and equalizer keys, and the manifests the anchor link reads */
    base_status ls = check_pairs(sc, cfg, err);
    if (ls != BASE_OK) return ls;
    /* no source.manifest: the built-in TTS source (synthesised by sim_run before the points) */
    if (!*cfg->source.manifest) {
        base_status ts = sim_tts_source_check(sc, cfg, err);
        if (ts != BASE_OK) return ts;
    }
    /* the anchor and head corpora: TTS training material unless given as manifests */
    base_status cs =
        sim_tts_corpora_check(sc, cfg, (sim_tts_use){.speech = 1, .equalized = 1}, err);
    if (cs != BASE_OK) return cs;
    base_status st;
    for (size_t u = 0; u < (cfg->n_users ? cfg->n_users : 1); u++) { /* each user's agents */
        const sim_user_config *uc = &cfg->user[u];
        int seen_tx = 0, seen_rx = 0;
        for (size_t v = 0; v < u; v++) {
            seen_tx |= !strcmp(cfg->user[v].tx.model, uc->tx.model);
            seen_rx |= !strcmp(cfg->user[v].rx.model, uc->rx.model);
        }
        if ((!seen_tx && (st = check_model(sc, res, "tx.model", uc->tx.model, err)) != BASE_OK) ||
            (!seen_rx && (st = check_model(sc, res, "rx.model", uc->rx.model, err)) != BASE_OK))
            return st;
        const anchor_eq_info *e = anchor_equalizer_find(
            *uc->equalizer.type ? uc->equalizer.type : cfg->equalizer.type, NULL);
        if (e && e->needs_head && *cfg->equalizer.head_pool) { /* the pool: never the tx */
            char(*paths)[SIM_CFG_STR] = malloc(ANCHOR_RELHEAD_MAX_POOL * sizeof *paths);
            size_t n;
            if (!paths) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
            st = read_pool(cfg->equalizer.head_pool, uc->tx.model, 1, res, paths, &n, err);
            free(paths);
            if (st != BASE_OK) return st;
        }
    }
    codec_manifest *man = NULL;
    if (!*cfg->source.manifest) return BASE_OK; /* the TTS source, checked above */
    if ((st = codec_manifest_read(cfg->source.manifest, &man, err)) != BASE_OK) return st;
    if (!codec_manifest_size(man)) {
        file = key_file(sc, "source.manifest", &line);
        st = base_err_set(err, BASE_EINVAL, file, line, "source.manifest has no utterances");
    }
    codec_manifest_destroy(man);
    return st;
}

/* Frees p, giving its anchor link back to s's link cache. */
static void pair_destroy(const sim_sem *s, sem_pair *p)
{
    if (!p) return;
    sim_linkcache_release(s->links, p->link);
    sim_receiver_close(&p->tx);
    sim_receiver_close(&p->rx);
    sim_receiver_close(&p->tx_own);
    for (size_t v = 0; v < p->n_pool; v++) sim_receiver_close(&p->pool[v]);
    sim_prune_destroy(p->prune);
    free(p->pair_u);
    free(p->pair_v);
    free(p);
}

void sim_sem_destroy(sim_sem *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->n_pair; i++) pair_destroy(s, s->pair[i]);
    codec_audio_reader_destroy(s->reader);
    codec_manifest_destroy(s->man);
    for (size_t u = 0; u < SIM_MAX_USERS; u++) {
        chan_analog_destroy(s->analog[u]);
        chan_digital_destroy(s->digital[u]);
    }
    free(s->r_ideal);
    free(s->x_hat);
    free(s->logp);
    free(s->pad_in);
    free(s->pad_out);
    free(s);
}

/* User's link from the link builder: analog or digital as lc->mode says. */
static base_status link_create(const chan_link_config *lc, chan_analog **analog,
                               chan_digital **digital, base_err *err)
{
    chan_analog_config ac;
    chan_digital_config dc;
    base_status st;
    if (!strcmp(lc->mode, "analog")) {
        if ((st = chan_link_analog_config(lc, &ac, err)) != BASE_OK) return st;
        *analog = chan_analog_create(&ac, err);
    } else {
        if ((st = chan_link_digital_config(lc, &dc, err)) != BASE_OK) return st;
        *digital = chan_digital_create(&dc, err);
    }
    return *analog || *digital ? BASE_OK : err && err->code ? err->code : BASE_EINVAL;
}

/* User u's pair: its agents, anchor link and head (u's link keys), its
 * alignment buffers, its prune fill. */
static sem_pair *pair_create(sim_sem *s, size_t u, base_err *err)
{
    sem_pair *p = calloc(1, sizeof *p);
    if (!p) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        return NULL;
    }
    p->cfg = s->cfg;
    p->cfg.user[0] = s->cfg.user[u];
    pair_keys(&p->cfg);
    const sim_user_config *u0 = &p->cfg.user[0];
    p->side_tx = (side_ctx){s, &p->tx, u0->tx.model};
    p->side_rx = (side_ctx){s, &p->rx, u0->rx.model};
    if (sim_receiver_open_greedy(&p->tx, u0->tx.model, s->res, err) != BASE_OK ||
        sim_receiver_open(&p->rx, &p->cfg, s->res, err) != BASE_OK)
        goto fail;
    if (!(p->eqi = anchor_equalizer_find(p->cfg.equalizer.type, err))) goto fail;
    if (p->eqi->needs_head && p->cfg.equalizer.head_pool[0]) {
        if (read_pool(p->cfg.equalizer.head_pool, u0->tx.model, 0, NULL, p->pool_model, &p->n_pool,
                      err) != BASE_OK)
            goto fail;
        for (size_t v = 0; v < p->n_pool; v++) {
            if (sim_receiver_open_greedy(&p->pool[v], p->pool_model[v], s->res, err) != BASE_OK) {
                p->n_pool = v;
                goto fail;
            }
            p->side_pool[v] = (side_ctx){s, &p->pool[v], p->pool_model[v]};
        }
    }
    p->enc = p->eqi->is_oracle ? &p->rx : &p->tx;
    p->d_enc = (size_t)codec_recognizer_latent_dim(p->enc->r);
    p->d_rx = (size_t)codec_recognizer_latent_dim(p->rx.r);
    p->spf = p->d_enc;
    p->pair_dim = p->d_rx;
    if (p->eqi->uses_anchors && setup_anchors(s, p, err) != BASE_OK) goto fail;
    p->pair_u = malloc(MAX_PAIRS * p->pair_dim * sizeof *p->pair_u);
    p->pair_v = malloc(MAX_PAIRS * p->pair_dim * sizeof *p->pair_v);
    if (!p->pair_u || !p->pair_v) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        goto fail;
    }
    if (sim_prune_wanted(&s->cfg) &&
        !(p->prune = sim_prune_create(&s->cfg, p->rx.r, p->rx.ws, p->rel_rx, err)))
        goto fail;
    return p;
fail:
    pair_destroy(s, p);
    return NULL;
}

sim_sem *sim_sem_create(const sim_config *cfg, uint64_t seed, const sim_resources *res,
                        base_err *err)
{
    sim_sem *s = calloc(1, sizeof *s);
    if (!s) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        return NULL;
    }
    s->cfg = *cfg;
    s->seed = seed;
    s->res = res;
    s->cache = sim_resources_ucache(res);
    s->links = sim_resources_linkcache(res);
    if (codec_audio_reader_create(&s->reader, err) != BASE_OK) goto fail;
    if (sim_kind_manifest_read(cfg, &s->man, err) != BASE_OK) goto fail;
    for (size_t u = 0; u < (cfg->n_users ? cfg->n_users : 1); u++) { /* one pair per agent pair */
        size_t i = 0;
        while (i < s->n_pair && !sim_user_config_same_pair(&s->pair[i]->cfg.user[0], &cfg->user[u]))
            i++;
        s->pair_of[u] = i;
        if (i < s->n_pair) continue;
        if (!(s->pair[i] = pair_create(s, u, err))) goto fail;
        s->n_pair++;
    }
    for (size_t u = 0; u < cfg->n_users; u++) {
        const sim_user_config *uc = &cfg->user[u];
        size_t block = (size_t)uc->link.frames_per_packet * pair_of(s, u)->spf;
        chan_link_config lc;
        sim_kind_link(cfg, uc, block, &lc);
        if (link_create(&lc, &s->analog[u], &s->digital[u], err) != BASE_OK) goto fail;
        if (grow(&s->pad_in, &s->cap_pad_in, block) || grow(&s->pad_out, &s->cap_pad_out, block)) {
            base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
            goto fail;
        }
    }
    return s;
fail:
    sim_sem_destroy(s);
    return NULL;
}

size_t sim_sem_available(const sim_sem *s)
{
    return codec_manifest_size(s->man);
}

static void release(void *ctx, sim_utt *u)
{
    (void)ctx;
    utt_state *us = u->state;
    if (!us) return;
    free(us->s);
    free(us->sr);
    free(us->ideal);
    free(us->ref);
    free(us->keep);
    free(us);
    u->state = NULL;
}

/* Audio file -> agent g's latents z (malloc'd, (*tz, d)); *dur_s its length. */
static base_status encode_audio(agent *g, codec_audio_reader *rd, const char *path,
                                const sim_source_noise *nz, float **z, int *tz, double *dur_s,
                                base_err *err)
{
    float *x = NULL;
    size_t n = 0;
    int rate = codec_recognizer_rate(g->r), t = 0;
    *z = NULL;
    *tz = 0;
    base_status st = codec_audio_reader_read(rd, path, rate, &x, &n, err);
    if (st == BASE_OK) st = sim_source_noise_apply(nz, rate, x, n, err); /* source.noise_snr_db */
    if (st != BASE_OK) return free(x), st;
    if (dur_s) *dur_s = (double)n / rate;
    st = codec_recognizer_frontend(g->r, g->ws, x, n, err);
    free(x);
    if (st == BASE_OK) st = codec_recognizer_encode(g->r, g->ws, &t, err);
    if (st != BASE_OK) {
        base_err_locate(err, path, 0);
        return st;
    }
    if (t <= 0)
        return base_err_set(err, BASE_ERANGE, path, 0, "audio too short for one latent frame");
    size_t bytes = (size_t)t * (size_t)codec_recognizer_latent_dim(g->r) * sizeof **z;
    if (!(*z = malloc(bytes))) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    memcpy(*z, codec_recognizer_latents(g->ws), bytes);
    *tz = t;
    return BASE_OK;
}

/* ---- per-utterance work no sweep point changes, through the run's cache ----------- */

/* What, besides its path, decides the audio an agent hears of a source
 * utterance: "" for the file as it is; with source.noise_snr_db finite, the
 * noise type, SNR and what its draw depends on (the point's seed, the
 * utterance's index: sim/source_noise.h), so cached encodings never mix up
 * clean and noisy audio. Anchor and head corpora are read as they are ("").  */
static void source_fingerprint(const sim_sem *s, const sim_source_noise *nz, char *buf, size_t cap)
{
    if (isinf(s->cfg.source.noise_snr_db) && s->cfg.source.noise_snr_db > 0)
        snprintf(buf, cap, "%s", "");
    else
        snprintf(buf, cap, "noise=%s snr=%.17g seed=%" PRIu64 " utt=%" PRIu64, s->cfg.source.noise,
                 s->cfg.source.noise_snr_db, nz->seed, nz->index);
}

typedef struct enc_head { /* a cached encoding: this, then (t, d) floats */
    int32_t t, d;
    double dur_s;
} enc_head;

typedef struct enc_job {
    agent *g;
    codec_audio_reader *rd;
    const char *path;
    const sim_source_noise *nz; /* NULL: the audio as it is */
} enc_job;

static base_status enc_fill(void *ctx, void **val, size_t *bytes, base_err *err)
{
    enc_job *j = ctx;
    float *z = NULL;
    int t = 0;
    double dur = 0;
    base_status st = encode_audio(j->g, j->rd, j->path, j->nz, &z, &t, &dur, err);
    if (st != BASE_OK) return st;
    size_t d = (size_t)codec_recognizer_latent_dim(j->g->r), n = (size_t)t * d * sizeof *z;
    char *v = malloc(sizeof(enc_head) + n);
    if (!v) {
        free(z);
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    }
    enc_head h = {t, (int32_t)d, dur};
    memcpy(v, &h, sizeof h);
    memcpy(v + sizeof h, z, n);
    free(z);
    *val = v;
    *bytes = sizeof h + n;
    return BASE_OK;
}

/* encode_audio through the run's cache: agent g's (loaded from model) latents
 * of the audio at path as fingerprint fp says it is heard (z malloc'd, (*tz, d)). */
static base_status encode_cached(sim_sem *s, agent *g, const char *model, const char *path,
                                 const char *fp, const sim_source_noise *nz, float **z, int *tz,
                                 double *dur_s, base_err *err)
{
    char *key = NULL; /* never truncated: two keys are equal only for the same inputs */
    enc_job j = {g, s->reader, path, nz};
    void *v = NULL;
    size_t n = 0;
    *z = NULL;
    *tz = 0;
    if (asprintf(&key, "enc\x1f%s\x1f%s\x1f%s", model, fp, path) < 0)
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    base_status st = sim_ucache_get(s->cache, key, enc_fill, &j, &v, &n, err);
    free(key);
    if (st != BASE_OK) return st;
    enc_head h;
    memcpy(&h, v, sizeof h);
    /* the latents move to the front of the same block: *z is v */
    memmove(v, (char *)v + sizeof h, n - sizeof h);
    *z = v;
    *tz = h.t;
    if (dur_s) *dur_s = h.dur_s;
    return BASE_OK;
}

/* The transmitter's own recognition of the utterance at path (its encoder,
 * its decoder, rx.decoder's settings, a clean link), scored against ref:
 * {word errors, reference words}. */
typedef struct own_job {
    sim_sem *s;
    sem_pair *p;
    const char *path, *fp, *ref;
    const sim_source_noise *nz;
} own_job;

static base_status own_fill(void *ctx, void **val, size_t *bytes, base_err *err)
{
    own_job *j = ctx;
    sim_sem *s = j->s;
    sem_pair *p = j->p;
    base_status st = BASE_OK;
    if (!p->tx_own.ws) {
        sim_config *c = malloc(sizeof *c); /* the receiver's decoder settings over tx.model */
        if (!c) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        *c = p->cfg;
        snprintf(c->user[0].rx.model, sizeof c->user[0].rx.model, "%s", p->cfg.user[0].tx.model);
        st = sim_receiver_open(&p->tx_own, c, s->res, err);
        free(c);
        if (st != BASE_OK) return st;
    }
    float *z = NULL;
    int tz = 0;
    const char *text = NULL;
    if ((st = encode_cached(s, &p->tx, p->side_tx.model, j->path, j->fp, j->nz, &z, &tz, NULL,
                            err)) == BASE_OK)
        st = codec_recognizer_decode(p->tx_own.r, p->tx_own.ws, z, tz, err);
    free(z);
    if (st == BASE_OK)
        st = codec_recognizer_text(p->tx_own.ws, codec_recognizer_logp(p->tx_own.ws), tz, &text,
                                   err);
    sim_utt_result r = {0};
    if (st == BASE_OK) st = sim_utt_result_score(&r, j->ref, text, err);
    double *v = st == BASE_OK ? malloc(2 * sizeof *v) : NULL;
    if (st == BASE_OK && !v) st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    if (v) {
        v[0] = (double)(r.sub + r.del + r.ins);
        v[1] = (double)r.ref_words;
        *val = v;
        *bytes = 2 * sizeof *v;
    }
    sim_utt_result_clear(&r);
    return st;
}

static base_status tx_own(sim_sem *s, sem_pair *p, const char *path, const char *fp,
                          const sim_source_noise *nz, const char *ref, double out[2], base_err *err)
{
    const sim_user_config *u0 = &p->cfg.user[0];
    char *key = NULL;
    if (asprintf(&key, "own\x1f%s\x1f%s %" PRId64 " %.17g %s\x1f%s\x1f%s\x1f%s", u0->tx.model,
                 u0->rx.decoder, (int64_t)u0->rx.beam_width, u0->rx.score_beam, u0->rx.lm, fp,
                 path, ref) < 0)
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    own_job j = {s, p, path, fp, ref, nz};
    void *v = NULL;
    size_t n = 0;
    base_status st = sim_ucache_get(s->cache, key, own_fill, &j, &v, &n, err);
    free(key);
    if (st == BASE_OK) memcpy(out, v, 2 * sizeof *out);
    free(v);
    return st;
}

/* The receiver's own latents of the same audio, resampled to tz frames. */
static base_status ideal_latents(sim_sem *s, sem_pair *p, const char *path, const char *fp,
                                 const sim_source_noise *nz, int tz, float *out, base_err *err)
{
    float *zr = NULL;
    int tr = 0;
    base_status st = encode_cached(s, &p->rx, p->side_rx.model, path, fp, nz, &zr, &tr, NULL, err);
    if (st == BASE_OK) st = anchor_resample_linear(zr, (size_t)tr, p->d_rx, out, (size_t)tz, err);
    free(zr);
    return st;
}

/* The anchor link's view of an agent (anchors/link.h): its latents of an
 * anchor utterance, and its decoder's log-probabilities for class labels. */
static base_status side_encode(void *ctx, const char *path, float **z, int *t, base_err *err)
{
    side_ctx *c = ctx;
    return encode_cached(c->s, c->g, c->model, path, "", NULL, z, t, NULL, err); /* anchors clean */
}

static base_status side_logp(void *ctx, const float *z, int t, const float **logp, base_err *err)
{
    agent *g = ((side_ctx *)ctx)->g;
    base_status st = codec_recognizer_decode(g->r, g->ws, z, t, err);
    *logp = st == BASE_OK ? codec_recognizer_logp(g->ws) : NULL;
    return st;
}

static anchor_link_side link_side(side_ctx *c)
{
    const codec_recognizer *r = c->g->r;
    return (anchor_link_side){(size_t)codec_recognizer_latent_dim(r), codec_recognizer_agent(r), c,
                              side_encode, side_logp};
}

/* What building pair p's link takes. */
typedef struct link_job {
    sim_sem *s;
    sem_pair *p;
} link_job;

/* Anchors (anchors/link.h): both agents encode the anchor corpus (the TTS
 * corpus prepared by sim_tts_source_prepare, or anchors.manifest), the anchor
 * set is selected and built on each side, the equalizer fitted. */
static anchor_link *link_build(void *ctx, base_err *err)
{
    link_job *j = ctx;
    anchor_link_config lc = link_config(&j->p->cfg, j->s->seed);
    anchor_link_side tx = link_side(&j->p->side_tx), rx = link_side(&j->p->side_rx);
    anchor_link_side pool[ANCHOR_RELHEAD_MAX_POOL];
    for (size_t v = 0; v < j->p->n_pool; v++) pool[v] = link_side(&j->p->side_pool[v]);
    lc.pool = pool;
    lc.n_pool = j->p->n_pool;
    anchor_link *l = anchor_link_create(&lc, &tx, &rx, err);
    if (!l && err && !err->code) base_err_set(err, BASE_EINVAL, NULL, 0, "anchor link failed");
    return l;
}

/* Pair p's anchor link, from the run's link cache: built once per run for
 * each distinct key (the pair's anchors.* and equalizer.* keys and the
 * repeat's seed, anchor_link_config_key, and the transmitter's model file: the
 * receiver's is in the config), so the points of an SNR sweep share one; the
 * link reads the agents only through their model files' encodings. */
static base_status setup_anchors(sim_sem *s, sem_pair *p, base_err *err)
{
    anchor_link_config lc = link_config(&p->cfg, s->seed);
    char *ck = anchor_link_config_key(&lc), *key = NULL;
    if (ck && asprintf(&key, "tx=%s\x1f%s", p->side_tx.model, ck) < 0) key = NULL;
    free(ck);
    if (!key) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    link_job j = {s, p};
    base_status st = sim_linkcache_acquire(s->links, key, link_build, &j, &p->link, err);
    free(key);
    if (st != BASE_OK) return st;
    p->eq = anchor_link_equalizer(p->link);
    p->rel_rx = anchor_link_relative_rx(p->link);
    p->spf = anchor_link_symbols_per_frame(p->link);
    p->handshake_sym = anchor_link_handshake_symbols(p->link);
    if (p->eqi->output == ANCHOR_EQ_OUT_LOGPROBS) p->pair_dim = anchor_link_k(p->link);
    return BASE_OK;
}

/* link.prune = blank: the transmitter's own CTC head on its latents z
 * decides which frames go; the symbols keep only those, plus the fill frame
 * with link.prune_fill = prototype (sim/prune.h). */
static base_status prune_encode(sim_sem *s, sim_utt *u, const float *z, base_err *err)
{
    utt_state *us = u->state;
    sem_pair *p = pair_of(s, u->user);
    agent *g = (agent *)p->enc;
    size_t tz = (size_t)us->tz;
    if (!(us->keep = malloc(tz))) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    base_status st = sim_prune_decide(p->prune, u->user, g->r, g->ws, z, tz, us->keep, &us->n_keep,
                                      &us->pos_uses, &us->prune_flops, err);
    if (st == BASE_OK)
        us->n_proto = sim_prune_compact(p->prune, u->user, us->s, tz, p->spf, us->keep);
    return st;
}

/* link.prune = blank, at the receiver: the kept frames of x (n_keep rows of
 * d, then the prototype row if sent; room for tz) back at their positions,
 * the fill elsewhere (the prototype, or the receiver's own fill). */
static base_status prune_expand(const utt_state *us, float *x, size_t d, const float *fill,
                                base_err *err)
{
    return sim_prune_expand(us->keep, us->n_keep, us->n_proto, (size_t)us->tz, fill, x, d, err);
}

/* Arrival: audio -> log-mel -> encoder latents -> symbols per frame. */
static base_status encode(void *ctx, sim_utt *u, base_err *err)
{
    sim_sem *s = ctx;
    const char *path;
    utt_state *us = calloc(1, sizeof *us);
    if (!us) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    u->state = us;
    base_status st = sim_kind_utterance(s->man, u, &path, &us->ref, err);
    if (st != BASE_OK) return st;
    float *z = NULL;
    int tz = 0;
    sem_pair *p = pair_of(s, u->user);
    agent *g = (agent *)p->enc;
    const char *model = g == &p->rx ? p->side_rx.model : p->side_tx.model;
    sim_source_noise nz = {&s->cfg, s->man, s->seed, u->index, path};
    char fp[256];
    source_fingerprint(s, &nz, fp, sizeof fp);
    if ((st = encode_cached(s, g, model, path, fp, &nz, &z, &tz, &u->res.duration_s, err)) !=
        BASE_OK)
        return st;
    us->tz = tz;
    us->s = malloc((size_t)tz * p->spf * sizeof *us->s);
    us->sr = calloc((size_t)tz * p->spf, sizeof *us->sr);
    us->ideal = malloc((size_t)tz * p->d_rx * sizeof *us->ideal);
    if (!us->s || !us->sr || !us->ideal) {
        free(z);
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    }
    if (p->eq)
        st = anchor_equalizer_encode(p->eq, z, (size_t)tz, us->s, err);
    else
        memcpy(us->s, z, (size_t)tz * p->spf * sizeof *z);
    /* the receiver's ideal input, for the alignment figures (not part of the
     * transmitter's work: it is not timed) */
    if (st == BASE_OK) {
        if (g == &p->rx)
            memcpy(us->ideal, z, (size_t)tz * p->d_rx * sizeof *z);
        else
            st = ideal_latents(s, p, path, fp, &nz, tz, us->ideal, err);
    }
    if (st == BASE_OK && sim_prune_active(p->prune, u->user)) st = prune_encode(s, u, z, err);
    free(z);
    /* wer_tx_own: the transmitter's own recognition (not timed either) */
    if (st == BASE_OK) st = tx_own(s, p, path, fp, &nz, us->ref, us->tx_own, err);
    if (st != BASE_OK) return st;
    u->n_frames = us->keep ? us->n_keep + us->n_proto : (size_t)tz;
    u->encode_flops = 2.0 * codec_recognizer_encoder_params(g->r) * tz + us->prune_flops;
    u->decode_flops = 2.0 * codec_recognizer_decoder_params(p->rx.r) * tz;
    u->res.has_words = 1;
    return BASE_OK;
}

/* One packet of frames (spf reals each) through the user's link. */
static base_status transmit(void *ctx, sim_utt *u, size_t pk, size_t f0, size_t nf, size_t *uses,
                            base_err *err)
{
    sim_sem *s = ctx;
    utt_state *us = u->state;
    size_t w = pair_of(s, u->user)->spf, n = nf * w,
           block = (size_t)s->cfg.user[u->user].link.frames_per_packet * w;
    const float *in = us->s + f0 * w;
    float *out = us->sr + f0 * w;
    base_rng utt, r;
    base_rng_init(&utt, s->seed, u->index, base_rng_component("sim.semantic.channel"));
    base_rng_fork(&utt, pk, &r);
    base_status st;
    size_t pos_uses = us->keep && pk == 0 ? us->pos_uses : 0; /* link.prune: positions */
    if (s->analog[u->user]) {
        chan_analog_reset(s->analog[u->user]); /* one realisation per packet */
        st = chan_analog_execute(s->analog[u->user], &r, in, out, n, uses);
        *uses += pos_uses;
        return st != BASE_OK
                   ? base_err_set(err, st, NULL, 0, "analog link failed: %s", base_status_str(st))
                   : BASE_OK;
    }
    /* digital: every packet has the full format; the last one is zero-padded */
    memset(s->pad_in, 0, block * sizeof *s->pad_in);
    memcpy(s->pad_in, in, n * sizeof *in);
    chan_digital_reset(s->digital[u->user]);
    chan_digital_stats stats;
    st = chan_digital_execute(s->digital[u->user], &r, s->pad_in, s->pad_out, NULL, block, &stats);
    if (st != BASE_OK)
        return base_err_set(err, st, NULL, 0, "digital link failed: %s", base_status_str(st));
    for (size_t k = 0; k < n; k++) out[k] = isnan(s->pad_out[k]) ? 0.0f : s->pad_out[k];
    *uses = (size_t)stats.channel_uses + pos_uses;
    u->res.has_bits = 1;
    u->res.bits += stats.info_bits;
    u->res.bit_errors += stats.bit_errors;
    u->res.packets += stats.packets;
    u->res.packet_errors += stats.packet_errors;
    return BASE_OK;
}

/* All packets arrived: equalizer, rx decoder, CTC decoding, scoring. */
static base_status decode(void *ctx, sim_utt *u, base_err *err)
{
    sim_sem *s = ctx;
    utt_state *us = u->state;
    sem_pair *p = pair_of(s, u->user);
    agent *g = &p->rx;
    size_t tz = (size_t)us->tz, dr = p->d_rx;
    const float *logp = s->logp;
    const char *text = NULL;
    const int head = p->eq && p->eqi->output == ANCHOR_EQ_OUT_LOGPROBS;
    base_status st;
    if (grow(&s->x_hat, &s->cap_x_hat, tz * dr) ||
        (head && grow(&s->logp, &s->cap_logp, tz * anchor_equalizer_out_dim(p->eq))))
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    if (head && us->keep && /* link.prune: the head reads the rebuilt sequence */
        (st = prune_expand(us, us->sr, p->spf, sim_prune_fill_relative(p->prune), err)) != BASE_OK)
        return st;
    if (head) { /* the receiver's head reads the received relative symbols */
        if ((st = anchor_equalizer_decode(p->eq, us->sr, tz, s->logp, err)) != BASE_OK) return st;
        logp = s->logp;
    } else if (p->eq) {
        size_t nr = us->keep ? us->n_keep + us->n_proto : tz; /* link.prune: the kept frames only */
        if ((st = anchor_equalizer_decode(p->eq, us->sr, nr, s->x_hat, err)) != BASE_OK) return st;
    } else { /* none: the tx latents truncated or zero-padded to d_rx; oracle: as is */
        for (size_t t = 0; t < tz; t++)
            for (size_t k = 0; k < dr; k++)
                s->x_hat[t * dr + k] = k < p->spf ? us->sr[t * p->spf + k] : 0.0f;
    }
    if (!head && us->keep && /* link.prune: the kept frames' latents back in place */
        (st = prune_expand(us, s->x_hat, dr, sim_prune_fill_latent(p->prune), err)) != BASE_OK)
        return st;
    if (!head) {
        if ((st = codec_recognizer_decode(g->r, g->ws, s->x_hat, us->tz, err)) != BASE_OK)
            return st;
        logp = codec_recognizer_logp(g->ws);
    }
    if ((st = codec_recognizer_text(g->ws, logp, us->tz, &text, err)) != BASE_OK ||
        (st = sim_utt_result_score(&u->res, us->ref, text, err)) != BASE_OK)
        return st;
    p->tx_own_err += us->tx_own[0];
    p->tx_own_words += us->tx_own[1];
    /* mean cosine between what the decoder got and the receiver's own encoding
     * (relative: between the received relative symbols and the receiver's own
     * relative representation of the same audio) */
    const float *got = s->x_hat, *want = us->ideal;
    size_t pd = p->pair_dim;
    if (head) {
        if (grow(&s->r_ideal, &s->cap_r_ideal, tz * pd))
            return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        if ((st = anchor_relative_execute(p->rel_rx, us->ideal, tz, s->r_ideal, err)) != BASE_OK)
            return st;
        got = us->sr;
        want = s->r_ideal;
    }
    double cs = 0;
    for (size_t t = 0; t < tz; t++) {
        const float *a = got + t * pd, *b = want + t * pd;
        double ab = 0, aa = 0, bb = 0;
        for (size_t k = 0; k < pd; k++) {
            ab += (double)a[k] * b[k];
            aa += (double)a[k] * a[k];
            bb += (double)b[k] * b[k];
        }
        cs += aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : 0;
        if (p->n_pairs < MAX_PAIRS) { /* the first frames of the point, in decode order */
            memcpy(p->pair_u + p->n_pairs * pd, a, pd * sizeof *a);
            memcpy(p->pair_v + p->n_pairs * pd, b, pd * sizeof *b);
            p->n_pairs++;
        }
    }
    u->res.cosine = cs / (double)tz;
    return BASE_OK;
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

size_t sim_sem_symbols_per_frame(const sim_sem *s)
{
    return s->pair[0]->spf;
}

/* The alignment figures of pair p's kept frame pairs into m (unchanged when
 * too few). */
static void pair_alignment(const sem_pair *p, sim_point_metrics *m)
{
    if (p->n_pairs < 3) return;
    anchor_metrics am;
    size_t knn = p->n_pairs - 1 < ANCHOR_JACCARD_K ? p->n_pairs - 1 : ANCHOR_JACCARD_K;
    if (anchor_metrics_compute(p->pair_u, p->pair_dim, p->pair_v, p->pair_dim, p->n_pairs, knn, &am,
                               NULL) != BASE_OK)
        return;
    m->cka = am.cka;
    m->jaccard = am.jaccard;
    m->mrr = am.mrr;
    m->foscttm = am.foscttm;
}

/* Handshake symbols add up over the pairs; wer_tx_own pools their words; the
 * alignment figures are each pair's own (one pair: as computed), averaged
 * over the pairs weighted by their frame pairs. */
void sim_sem_point_metrics(const sim_sem *s, sim_point_metrics *m)
{
    double err = 0, words = 0;
    m->handshake_sym = 0;
    for (size_t i = 0; i < s->n_pair; i++) {
        m->handshake_sym += s->pair[i]->handshake_sym;
        err += s->pair[i]->tx_own_err;
        words += s->pair[i]->tx_own_words;
    }
    m->wer_tx_own = words > 0 ? err / words : NAN;
    if (!s->pair[0]->eqi->maps_to_rx) { /* alignment figures need an equalizer (the first pair's) */
        m->cosine = NAN;
        return;
    }
    if (s->n_pair == 1) {
        pair_alignment(s->pair[0], m);
        return;
    }
    double w = 0, sum[4] = {0};
    for (size_t i = 0; i < s->n_pair; i++) {
        if (!s->pair[i]->eqi->maps_to_rx) continue;
        sim_point_metrics one = *m;
        one.cka = one.jaccard = one.mrr = one.foscttm = NAN;
        pair_alignment(s->pair[i], &one);
        if (isnan(one.cka)) continue;
        double n = (double)s->pair[i]->n_pairs;
        sum[0] += n * one.cka;
        sum[1] += n * one.jaccard;
        sum[2] += n * one.mrr;
        sum[3] += n * one.foscttm;
        w += n;
    }
    if (w <= 0) return;
    m->cka = sum[0] / w;
    m->jaccard = sum[1] / w;
    m->mrr = sum[2] / w;
    m->foscttm = sum[3] / w;
}
