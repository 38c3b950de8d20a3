/* pipe_semantic.c -- the semantic speech pipeline: manifest audio -> tx agent
 * -> link -> rx agent -> CTC decoding -> sclite scoring. See pipe_semantic.h. */
#include "sim/pipe_semantic.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anchors/equalizer.h"
#include "anchors/metrics.h"
#include "anchors/relative.h"
#include "anchors/relhead.h"
#include "anchors/select.h"
#include "channel/analog.h"
#include "channel/digital.h"
#include "channel/link.h"
#include "codecs/audio.h"
#include "codecs/ctc.h"
#include "codecs/manifest.h"
#include "codecs/recognizer.h"
#include "codecs/text.h"
#include "codecs/vocab.h"
#include "base/rng.h"
#include "sim/kind_common.h"
#include "sim/receiver.h"
#include "sim/tts_source.h"

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
} utt_state;

#define MAX_PAIRS 2000 /* latent frame pairs kept per point for the alignment metrics */

struct sim_sem {
    sim_config cfg;
    uint64_t seed;
    agent tx, rx;
    const agent *enc; /* whose encoder the transmitter runs (rx for oracle) */
    codec_manifest *man;
    chan_analog *analog[SIM_MAX_USERS];
    chan_digital *digital[SIM_MAX_USERS];
    anchor_equalizer *eq;    /* anchor-based equalizers; NULL for none / oracle */
    anchor_relhead *head;    /* relative: the receiver's relative head (eq borrows it) */
    anchor_relative *rel_rx; /* relative: psi(., A_rx), for the alignment figures */
    size_t pair_dim;         /* width of the alignment pairs: d_rx, or K for relative */
    float *r_ideal;          /* relative: (T', K) scratch */
    size_t cap_r_ideal;
    size_t d_enc, d_rx; /* latent sizes of the encoder used and of the receiver */
    size_t spf;         /* real symbols per frame on the link */
    double handshake_sym;
    float *x_hat; /* per-utterance scratch: decoder input (T', d_rx) */
    size_t cap_x_hat;
    float *pair_u, *pair_v; /* (MAX_PAIRS, d_rx): decoder input vs ideal */
    size_t n_pairs;
    float *logp, *pad_in, *pad_out; /* logp: (T', V) from the relative head */
    size_t cap_logp, cap_pad_in, cap_pad_out;
};

/* float buffers only here: keeps the call sites typed */
static int grow(float **p, size_t *cap, size_t n)
{
    return sim_kind_grow((void **)p, cap, n, sizeof **p);
}

static base_status setup_anchors(sim_sem *s, base_err *err);

/* sim_sem_check: can the model file be loaded (the error names the key)? */
static base_status check_model(const sim_scenario *sc, const char *key, const char *path,
                               base_err *err)
{
    codec_recognizer *r = NULL;
    base_status st = codec_recognizer_load(&r, path, err);
    codec_recognizer_destroy(r);
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

base_status sim_sem_check(const sim_scenario *sc, const sim_config *cfg, base_err *err)
{
    int line;
    const char *file;
    const char *eq = cfg->equalizer.type;
    int anchored = strcmp(eq, "none") && strcmp(eq, "oracle");
    int cls = !strcmp(cfg->anchors.selection, "class");
    if (anchored && cfg->anchors.count < 1 && !cls) {
        file = key_file(sc, "anchors.count", &line);
        return base_err_set(err, BASE_EINVAL, file, line,
                            "equalizer.type=%s needs anchors.count >= 1 (0 only with "
                            "anchors.selection=class: all characters present)",
                            eq);
    }
    if (anchored && cls && cfg->anchors.count > CODEC_VOCAB_SIZE - 1) {
        file = key_file(sc, "anchors.count", &line);
        return base_err_set(err, BASE_ERANGE, file, line,
                            "anchors.selection=class has at most %d classes (space, apostrophe, "
                            "a-z; blank frames are not a class): anchors.count must be 0..%d",
                            CODEC_VOCAB_SIZE - 1, CODEC_VOCAB_SIZE - 1);
    }
    /* no source.manifest: the built-in TTS source (synthesised by sim_run before the points) */
    if (!*cfg->source.manifest) {
        base_status ts = sim_tts_source_check(sc, cfg, err);
        if (ts != BASE_OK) return ts;
    }
    /* the anchor and head corpora: TTS training material unless given as manifests */
    base_status cs = sim_tts_corpora_check(sc, cfg, err);
    if (cs != BASE_OK) return cs;
    if (cfg->n_users > 1) {
        for (size_t u = 1; u < cfg->n_users; u++)
            if (strcmp(cfg->user[u].tx.model, cfg->user[0].tx.model) ||
                strcmp(cfg->user[u].rx.model, cfg->user[0].rx.model)) {
                file = key_file(sc, "tx.model", &line);
                return base_err_set(err, BASE_EUNSUPPORTED, file, line,
                                    "per-user tx.model/rx.model are not supported yet");
            }
    }
    base_status st;
    if ((st = check_model(sc, "tx.model", cfg->user[0].tx.model, err)) != BASE_OK ||
        (st = check_model(sc, "rx.model", cfg->user[0].rx.model, err)) != BASE_OK)
        return st;
    codec_manifest *man = NULL;
    if (!strcmp(eq, "relative") && cfg->anchors.count > ANCHOR_RELHEAD_MAX_K) {
        file = key_file(sc, "anchors.count", &line);
        return base_err_set(err, BASE_ERANGE, file, line,
                            "equalizer.type=relative takes anchors.count <= %d",
                            ANCHOR_RELHEAD_MAX_K);
    }
    if (!strcmp(eq, "relative") && *cfg->equalizer.train_manifest) {
        if ((st = codec_manifest_read(cfg->equalizer.train_manifest, &man, err)) != BASE_OK)
            return st;
        codec_manifest_destroy(man);
        man = NULL;
    }
    if (anchored && *cfg->anchors.manifest) {
        if ((st = codec_manifest_read(cfg->anchors.manifest, &man, err)) != BASE_OK) return st;
        codec_manifest_destroy(man);
        man = NULL;
    }
    if (!*cfg->source.manifest) return BASE_OK; /* the TTS source, checked above */
    if ((st = codec_manifest_read(cfg->source.manifest, &man, err)) != BASE_OK) return st;
    if (!codec_manifest_size(man)) {
        file = key_file(sc, "source.manifest", &line);
        st = base_err_set(err, BASE_EINVAL, file, line, "source.manifest has no utterances");
    }
    codec_manifest_destroy(man);
    return st;
}

void sim_sem_destroy(sim_sem *s)
{
    if (!s) return;
    sim_receiver_close(&s->tx);
    sim_receiver_close(&s->rx);
    codec_manifest_destroy(s->man);
    for (size_t u = 0; u < SIM_MAX_USERS; u++) {
        chan_analog_destroy(s->analog[u]);
        chan_digital_destroy(s->digital[u]);
    }
    anchor_equalizer_destroy(s->eq);
    anchor_relhead_destroy(s->head);
    anchor_relative_destroy(s->rel_rx);
    free(s->r_ideal);
    free(s->x_hat);
    free(s->pair_u);
    free(s->pair_v);
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
    const sim_user_config *u0 = &cfg->user[0];
    if (sim_receiver_open_greedy(&s->tx, u0->tx.model, res, err) != BASE_OK ||
        sim_receiver_open(&s->rx, cfg, res, err) != BASE_OK)
        goto fail;
    s->enc = !strcmp(cfg->equalizer.type, "oracle") ? &s->rx : &s->tx;
    if (codec_manifest_read(cfg->source.manifest, &s->man, err) != BASE_OK) goto fail;
    s->d_enc = (size_t)codec_recognizer_latent_dim(s->enc->r);
    s->d_rx = (size_t)codec_recognizer_latent_dim(s->rx.r);
    s->spf = s->d_enc;
    s->pair_dim = s->d_rx;
    if (strcmp(cfg->equalizer.type, "none") && strcmp(cfg->equalizer.type, "oracle") &&
        setup_anchors(s, err) != BASE_OK)
        goto fail;
    s->pair_u = malloc(MAX_PAIRS * s->pair_dim * sizeof *s->pair_u);
    s->pair_v = malloc(MAX_PAIRS * s->pair_dim * sizeof *s->pair_v);
    if (!s->pair_u || !s->pair_v) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        goto fail;
    }
    for (size_t u = 0; u < cfg->n_users; u++) {
        const sim_user_config *uc = &cfg->user[u];
        size_t block = (size_t)uc->link.frames_per_packet * s->spf;
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
    free(us);
    u->state = NULL;
}

/* Audio file -> agent g's latents z (malloc'd, (*tz, d)); *dur_s its length. */
static base_status encode_audio(agent *g, const char *path, float **z, int *tz, double *dur_s,
                                base_err *err)
{
    float *x = NULL;
    size_t n = 0;
    int rate = codec_recognizer_rate(g->r), t = 0;
    *z = NULL;
    *tz = 0;
    base_status st = codec_audio_read(path, rate, &x, &n, err);
    if (st != BASE_OK) return st;
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

/* The receiver's own latents of the same audio, resampled to tz frames. */
static base_status ideal_latents(sim_sem *s, const char *path, int tz, float *out, base_err *err)
{
    float *zr = NULL;
    int tr = 0;
    base_status st = encode_audio(&s->rx, path, &zr, &tr, NULL, err);
    if (st == BASE_OK) st = anchor_resample_linear(zr, (size_t)tr, s->d_rx, out, (size_t)tz, err);
    free(zr);
    return st;
}

/* The receiver's training data for its relative head: its own latents of the
 * first equalizer.train_utterances utterances of the training manifest. */
typedef struct head_data {
    sim_sem *s;
    const codec_manifest *man;
    size_t n;
    float **z;
    int *t;
    const char **text;
} head_data;

/* Utterance j of n taken evenly spaced from a manifest of m >= n: a corpus
 * listed voice by voice (sim/corpus.h) then contributes every voice. */
static size_t spread(size_t j, size_t n, size_t m)
{
    return (size_t)(((unsigned long long)j * m) / n);
}

static base_status head_fetch(void *ctx, anchor_relhead_data *data, base_err *err)
{
    head_data *h = ctx;
    size_t m = codec_manifest_size(h->man);
    h->z = calloc(h->n + 1, sizeof *h->z);
    h->t = calloc(h->n + 1, sizeof *h->t);
    h->text = calloc(h->n + 1, sizeof *h->text);
    if (!h->z || !h->t || !h->text) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    for (size_t j = 0; j < h->n; j++) {
        size_t i = spread(j, h->n, m);
        base_status st = encode_audio(&h->s->rx, codec_manifest_audio_path(h->man, i), &h->z[j],
                                      &h->t[j], NULL, err);
        if (st != BASE_OK) return st;
        h->text[j] = codec_manifest_transcript(h->man, i);
    }
    data->n = h->n;
    data->z = (const float *const *)h->z;
    data->t = h->t;
    data->text = h->text;
    return BASE_OK;
}

/* Concurrent jobs often need the same head (an SNR sweep shares its anchors):
 * one trains it, the others then find it in the cache. A lock, not state. */
static pthread_mutex_t head_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t fnv1a(uint64_t h, const char *s)
{
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

/* Mean |x_i - m| over the n frames x (n,d), m = the mean of the k anchors a (k,d):
 * the norm relative-inverse restores with cosine-centered psi. */
static double centred_mean_norm(const float *x, size_t n, size_t d, const float *a, size_t k)
{
    double *m = calloc(d, sizeof *m), acc = 0;
    if (!m || n == 0 || k == 0) {
        free(m);
        return 0; /* relative-inverse falls back to the anchors' own norms */
    }
    for (size_t j = 0; j < k; j++)
        for (size_t c = 0; c < d; c++) m[c] += a[j * d + c] / (double)k;
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (size_t c = 0; c < d; c++) s += (x[i * d + c] - m[c]) * (x[i * d + c] - m[c]);
        acc += sqrt(s);
    }
    free(m);
    return acc / (double)n;
}

static base_status setup_head(sim_sem *s, const anchor_set *set, const float *arx, size_t k,
                              anchor_psi psi, base_err *err)
{
    const sim_config *cfg = &s->cfg;
    codec_manifest *own = NULL;
    base_status st;
    /* never the evaluated utterances: sim_tts_source_prepare synthesised the
     * training corpus and set train_manifest, unless the scenario named one */
    if (!*cfg->equalizer.train_manifest)
        return base_err_set(err, BASE_EINVAL, NULL, 0,
                            "no equalizer.train_manifest: the relative head's TTS training corpus "
                            "was not prepared (sim_tts_source_prepare)");
    if ((st = codec_manifest_read(cfg->equalizer.train_manifest, &own, err)) != BASE_OK) return st;
    head_data hd = {s, own, codec_manifest_size(own), NULL, NULL, NULL};
    if ((size_t)cfg->equalizer.train_utterances < hd.n)
        hd.n = (size_t)cfg->equalizer.train_utterances;
    char id[64];
    snprintf(id, sizeof id, "spread|%zu", hd.n);
    anchor_relhead_spec spec = {
        codec_recognizer_agent(s->rx.r), arx, k, psi, anchor_set_hash(set), 0};
    spec.data_id = fnv1a(fnv1a(0xcbf29ce484222325ull, cfg->equalizer.train_manifest), id);
    anchor_relhead_config rc;
    anchor_relhead_config_default(&rc);
    rc.seed = s->seed;
    rc.steps = (long)cfg->equalizer.head_steps;
    rc.noise = (float)cfg->equalizer.head_noise;
    if (rc.warmup >= rc.steps) rc.warmup = rc.steps / 10;
    rc.threads = 1; /* this is already one job of the runner's pool */
    snprintf(rc.cache_dir, sizeof rc.cache_dir, "%s",
             *cfg->equalizer.cache ? cfg->equalizer.cache : "semsim-cache");
    base_log lg = {BASE_LOG_WARN, NULL};
    pthread_mutex_lock(&head_lock);
    s->head = anchor_relhead_get(&spec, head_fetch, &hd, &rc, &lg, NULL, err);
    pthread_mutex_unlock(&head_lock);
    for (size_t i = 0; hd.z && i < hd.n; i++) free(hd.z[i]);
    free(hd.z);
    free(hd.t);
    free(hd.text);
    codec_manifest_destroy(own);
    if (!s->head) return err->code ? err->code : BASE_EINTERNAL;
    if (!(s->rel_rx = anchor_relative_create(arx, k, s->d_rx, psi, err)))
        return err->code ? err->code : BASE_EINTERNAL;
    return BASE_OK;
}

/* Per-frame character labels of agent g's latents z (tz, d) of one anchor
 * utterance: g's own decoder gives log-probabilities, the CTC forced alignment
 * (codecs/ctc.h) to the transcript gives each frame a character or the blank.
 * Blank frames get -1 (no class: a blank is "between characters", its mean
 * would blur every class). An utterance too short for its transcript gets -1
 * everywhere and counts in *skipped. */
static base_status class_labels(const agent *g, const float *z, int tz, const char *text, int *lab,
                                size_t *skipped, base_err *err)
{
    char *norm = NULL;
    int *labels = NULL, *path = NULL;
    double *work = NULL;
    base_status st;
    if ((st = codec_recognizer_decode(g->r, g->ws, z, tz, err)) != BASE_OK) return st;
    const float *logp = codec_recognizer_logp(g->ws);
    /* the decoder may give several CTC frames per latent frame (upsample) */
    const int up = codec_agent_get_config(codec_recognizer_agent(g->r))->upsample, tc = tz * up;
    if ((st = codec_text_normalise(text, &norm, err)) != BASE_OK) return st;
    size_t l = codec_vocab_encode(norm, NULL, 0);
    labels = malloc((l + 1) * sizeof *labels);
    path = malloc((size_t)tc * sizeof *path);
    work = malloc(codec_ctc_align_workspace_size(tc, (int)l) * sizeof *work);
    if (!labels || !path || !work) {
        st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        goto out;
    }
    codec_vocab_encode(norm, labels, l);
    base_err local = BASE_ERR_INIT;
    st = codec_ctc_align(logp, tc, CODEC_VOCAB_SIZE, labels, (int)l, path, NULL, work, &local);
    if (st == BASE_ERANGE) { /* too few frames for the transcript: no labels */
        for (int t = 0; t < tz; t++) lab[t] = -1;
        (*skipped)++;
        st = BASE_OK;
        goto out;
    }
    if (st != BASE_OK) {
        if (err) *err = local;
        goto out;
    }
    for (int t = 0; t < tz; t++) { /* a latent frame's class: its first non-blank CTC frame */
        lab[t] = -1;
        for (int j = 0; j < up && lab[t] < 0; j++)
            if (path[t * up + j] != CODEC_VOCAB_BLANK) lab[t] = path[t * up + j];
    }
out:
    free(norm);
    free(labels);
    free(path);
    free(work);
    return st;
}

/* Grows the candidate buffers x (cap frames of d) and labels (when lab != NULL). */
static int grow_frames(float **x, int **lab, size_t *cap, size_t need, size_t d)
{
    if (need <= *cap) return 0;
    size_t nc = 2 * need + 256;
    float *a = realloc(*x, nc * d * sizeof *a);
    if (!a) return -1;
    *x = a;
    if (lab) {
        int *b = realloc(*lab, nc * sizeof *b);
        if (!b) return -1;
        *lab = b;
    }
    *cap = nc;
    return 0;
}

/* Anchors: both agents encode the anchor corpus (training material: the TTS
 * corpus of anchors.text/lines/voices prepared by sim_tts_source_prepare, or
 * anchors.manifest); the transmitter selects K anchors on its frames; each side
 * builds its anchors; the equalizer is fitted.
 * Index methods (random, fps, kmeans): the receiver's frames are resampled to
 * the transmitter's count, so index i means the same instant on both sides.
 * class: each agent keeps its own frames and labels them itself by forced
 * alignment with its own decoder (class_labels); nothing is exchanged. */
static base_status setup_anchors(sim_sem *s, base_err *err)
{
    const sim_config *cfg = &s->cfg;
    codec_manifest *man = NULL;
    base_status st = BASE_OK;
    float *xtx = NULL, *xrx = NULL, *atx = NULL, *arx = NULL;
    int *ltx = NULL, *lrx = NULL;
    anchor_set *set = NULL;
    size_t n = 0, cap = 0, nr = 0, cap_r = 0, dt = s->d_enc, dr = s->d_rx, skip_tx = 0, skip_rx = 0;
    anchor_select_config sc;
    anchor_select_config_default(&sc);
    if ((st = anchor_selection_parse(cfg->anchors.selection, &sc.method, err)) != BASE_OK)
        return st;
    int cls = sc.method == ANCHOR_SEL_CLASS;
    if (!*cfg->anchors.manifest)
        return base_err_set(err, BASE_EINVAL, NULL, 0,
                            "no anchors.manifest: the TTS anchor corpus was not prepared "
                            "(sim_tts_source_prepare)");
    if ((st = codec_manifest_read(cfg->anchors.manifest, &man, err)) != BASE_OK) return st;
    size_t m = codec_manifest_size(man), nu = m;
    if ((size_t)cfg->anchors.utterances < nu) nu = (size_t)cfg->anchors.utterances;
    for (size_t j = 0; j < nu && st == BASE_OK; j++) {
        size_t i = spread(j, nu, m);
        const char *path = codec_manifest_audio_path(man, i);
        const char *text = codec_manifest_transcript(man, i);
        float *zt = NULL, *zr = NULL;
        int tt = 0, tr = 0;
        if ((st = encode_audio(&s->tx, path, &zt, &tt, NULL, err)) != BASE_OK) break;
        if (grow_frames(&xtx, cls ? &ltx : NULL, &cap, n + (size_t)tt, dt)) {
            free(zt);
            st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
            break;
        }
        memcpy(xtx + n * dt, zt, (size_t)tt * dt * sizeof *zt);
        if (!cls) {
            free(zt);
            if (grow_frames(&xrx, NULL, &cap_r, n + (size_t)tt, dr)) {
                st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
                break;
            }
            /* frame-synchronous candidates: the rx frames resampled to the tx's count */
            st = ideal_latents(s, path, tt, xrx + n * dr, err);
            n += (size_t)tt;
            continue;
        }
        st = class_labels(&s->tx, zt, tt, text, ltx + n, &skip_tx, err);
        free(zt);
        n += (size_t)tt;
        if (st != BASE_OK) break;
        /* the receiver: its own frames at its own rate, labelled by itself */
        if ((st = encode_audio(&s->rx, path, &zr, &tr, NULL, err)) != BASE_OK) break;
        if (grow_frames(&xrx, &lrx, &cap_r, nr + (size_t)tr, dr)) {
            free(zr);
            st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
            break;
        }
        memcpy(xrx + nr * dr, zr, (size_t)tr * dr * sizeof *zr);
        st = class_labels(&s->rx, zr, tr, text, lrx + nr, &skip_rx, err);
        free(zr);
        nr += (size_t)tr;
    }
    if (!cls) nr = n;
    if (st != BASE_OK) goto out;
    sc.k = (size_t)cfg->anchors.count;
    sc.members = (size_t)cfg->anchors.members;
    if (cls) {
        sc.num_classes = CODEC_VOCAB_SIZE;
        size_t present = anchor_class_count(ltx, n, CODEC_VOCAB_SIZE);
        if (sc.k == 0) sc.k = present; /* anchors.count = 0: every character present */
        if (sc.k > present || present == 0) {
            st = base_err_set(err, BASE_ERANGE, NULL, 0,
                              "anchors.selection=class: anchors.count=%lld but the anchor corpus's "
                              "%zu utterances align to %zu characters (%zu too short to align); "
                              "set anchors.count <= %zu, or 0 for all of them",
                              (long long)cfg->anchors.count, nu, present, skip_tx, present);
            goto out;
        }
    }
    base_rng r;
    base_rng_init(&r, s->seed, 0, base_rng_component("sim.anchors.select"));
    if (!(set = anchor_set_select(&sc, xtx, n, dt, ltx, &r, err))) {
        st = err && err->code ? err->code : BASE_EINVAL;
        goto out;
    }
    atx = malloc(sc.k * dt * sizeof *atx);
    arx = malloc(sc.k * dr * sizeof *arx);
    if (!atx || !arx) {
        st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        goto out;
    }
    if ((st = anchor_set_build(set, xtx, n, dt, ltx, atx, err)) != BASE_OK) goto out;
    if ((st = anchor_set_build(set, xrx, nr, dr, lrx, arx, err)) != BASE_OK) {
        if (st == BASE_ENOTFOUND) /* say whose alignment lacks the class */
            base_err_set(err, st, NULL, 0,
                         "anchors.selection=class: the receiver's alignment of the anchor corpus "
                         "has no frame of a class the transmitter's has (%zu utterances too short "
                         "for the receiver): use more anchors.utterances",
                         skip_rx);
        goto out;
    }
    anchor_equalizer_config ec;
    anchor_equalizer_config_default(&ec);
    if ((st = anchor_eq_type_parse(cfg->equalizer.type, &ec.type, err)) != BASE_OK ||
        (st = anchor_psi_parse(cfg->anchors.psi, &ec.psi, err)) != BASE_OK)
        goto out;
    ec.ridge_lambda = cfg->equalizer.ridge_lambda;
    ec.rx_norm = ec.psi == ANCHOR_PSI_COSINE_CENTERED ? centred_mean_norm(xrx, nr, dr, arx, sc.k)
                                                      : anchor_mean_norm(xrx, nr, dr);
    if (ec.type == ANCHOR_EQ_RELATIVE) {
        if ((st = setup_head(s, set, arx, sc.k, ec.psi, err)) != BASE_OK) goto out;
        ec.head = s->head;
        s->pair_dim = sc.k;
    }
    if (!(s->eq = anchor_equalizer_create(&ec, atx, arx, sc.k, dt, dr, err))) {
        st = err && err->code ? err->code : BASE_EINVAL;
        goto out;
    }
    s->spf = anchor_equalizer_symbols_per_frame(s->eq);
    /* once-only exchange, in complex symbols: the anchor set's index bits at
     * 2 bits per symbol (uncoded QPSK), and the equalizer's real values two per
     * symbol (analog pairing) */
    s->handshake_sym = (double)anchor_set_handshake_bits(set) / 2.0 +
                       (double)anchor_equalizer_handshake_symbols(s->eq) / 2.0;
out:
    anchor_set_destroy(set);
    free(xtx);
    free(xrx);
    free(ltx);
    free(lrx);
    free(atx);
    free(arx);
    codec_manifest_destroy(man);
    return st;
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
    agent *g = (agent *)s->enc;
    if ((st = encode_audio(g, path, &z, &tz, &u->res.duration_s, err)) != BASE_OK) return st;
    us->tz = tz;
    us->s = malloc((size_t)tz * s->spf * sizeof *us->s);
    us->sr = calloc((size_t)tz * s->spf, sizeof *us->sr);
    us->ideal = malloc((size_t)tz * s->d_rx * sizeof *us->ideal);
    if (!us->s || !us->sr || !us->ideal) {
        free(z);
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    }
    if (s->eq)
        st = anchor_equalizer_encode(s->eq, z, (size_t)tz, us->s, err);
    else
        memcpy(us->s, z, (size_t)tz * s->spf * sizeof *z);
    /* the receiver's ideal input, for the alignment figures (not part of the
     * transmitter's work: it is not timed) */
    if (st == BASE_OK) {
        if (g == &s->rx)
            memcpy(us->ideal, z, (size_t)tz * s->d_rx * sizeof *z);
        else
            st = ideal_latents(s, path, tz, us->ideal, err);
    }
    free(z);
    if (st != BASE_OK) return st;
    u->n_frames = (size_t)tz;
    u->encode_flops = 2.0 * codec_recognizer_encoder_params(g->r) * tz;
    u->decode_flops = 2.0 * codec_recognizer_decoder_params(s->rx.r) * tz;
    u->res.has_words = 1;
    return BASE_OK;
}

/* One packet of frames (spf reals each) through the user's link. */
static base_status transmit(void *ctx, sim_utt *u, size_t pk, size_t f0, size_t nf, size_t *uses,
                            base_err *err)
{
    sim_sem *s = ctx;
    utt_state *us = u->state;
    size_t w = s->spf, n = nf * w, block = (size_t)s->cfg.user[u->user].link.frames_per_packet * w;
    const float *in = us->s + f0 * w;
    float *out = us->sr + f0 * w;
    base_rng utt, r;
    base_rng_init(&utt, s->seed, u->index, base_rng_component("sim.semantic.channel"));
    base_rng_fork(&utt, pk, &r);
    base_status st;
    if (s->analog[u->user]) {
        chan_analog_reset(s->analog[u->user]); /* one realisation per packet */
        st = chan_analog_execute(s->analog[u->user], &r, in, out, n, uses);
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
    *uses = (size_t)stats.channel_uses;
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
    agent *g = &s->rx;
    size_t tz = (size_t)us->tz, dr = s->d_rx;
    const float *logp = s->logp;
    const char *text = NULL;
    base_status st;
    if (grow(&s->x_hat, &s->cap_x_hat, tz * dr) ||
        (s->head && grow(&s->logp, &s->cap_logp, tz * anchor_equalizer_out_dim(s->eq))))
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    if (s->head) { /* relative: the head reads the received relative symbols */
        if ((st = anchor_equalizer_decode(s->eq, us->sr, tz, s->logp, err)) != BASE_OK) return st;
        logp = s->logp;
    } else if (s->eq) {
        if ((st = anchor_equalizer_decode(s->eq, us->sr, tz, s->x_hat, err)) != BASE_OK) return st;
    } else { /* none: the tx latents truncated or zero-padded to d_rx; oracle: as is */
        for (size_t t = 0; t < tz; t++)
            for (size_t k = 0; k < dr; k++)
                s->x_hat[t * dr + k] = k < s->spf ? us->sr[t * s->spf + k] : 0.0f;
    }
    if (!s->head) {
        if ((st = codec_recognizer_decode(g->r, g->ws, s->x_hat, us->tz, err)) != BASE_OK)
            return st;
        logp = codec_recognizer_logp(g->ws);
    }
    if ((st = codec_recognizer_text(g->ws, logp, us->tz, &text, err)) != BASE_OK ||
        (st = sim_utt_result_score(&u->res, us->ref, text, err)) != BASE_OK)
        return st;
    /* mean cosine between what the decoder got and the receiver's own encoding
     * (relative: between the received relative symbols and the receiver's own
     * relative representation of the same audio) */
    const float *got = s->x_hat, *want = us->ideal;
    size_t pd = s->pair_dim;
    if (s->head) {
        if (grow(&s->r_ideal, &s->cap_r_ideal, tz * pd))
            return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        if ((st = anchor_relative_execute(s->rel_rx, us->ideal, tz, s->r_ideal, err)) != BASE_OK)
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
        if (s->n_pairs < MAX_PAIRS) { /* the first frames of the point, in decode order */
            memcpy(s->pair_u + s->n_pairs * pd, a, pd * sizeof *a);
            memcpy(s->pair_v + s->n_pairs * pd, b, pd * sizeof *b);
            s->n_pairs++;
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
    return s->spf;
}

void sim_sem_point_metrics(const sim_sem *s, sim_point_metrics *m)
{
    m->handshake_sym = s->handshake_sym;
    if (!strcmp(s->cfg.equalizer.type, "none")) { /* alignment figures need an equalizer */
        m->cosine = NAN;
        return;
    }
    if (s->n_pairs < 3) return;
    anchor_metrics am;
    size_t knn = s->n_pairs - 1 < ANCHOR_JACCARD_K ? s->n_pairs - 1 : ANCHOR_JACCARD_K;
    if (anchor_metrics_compute(s->pair_u, s->pair_dim, s->pair_v, s->pair_dim, s->n_pairs, knn, &am,
                               NULL) != BASE_OK)
        return;
    m->cka = am.cka;
    m->jaccard = am.jaccard;
    m->mrr = am.mrr;
    m->foscttm = am.foscttm;
}
