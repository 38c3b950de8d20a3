/* link.c -- the anchor link: anchor corpus -> both sides' candidate frames ->
 * anchor set -> both sides' anchors -> relative head -> fitted equalizer and
 * the handshake's size. See link.h. */
#include "anchors/link.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anchors/select.h"
#include "base/hash.h"
#include "base/log.h"
#include "base/rng.h"
#include "codecs/ctc.h"
#include "codecs/manifest.h"
#include "codecs/text.h"
#include "codecs/vocab.h"

struct anchor_link {
    const anchor_eq_info *row;
    anchor_equalizer *eq;
    anchor_relhead *head;    /* needs_head: the receiver's relative head (eq borrows it) */
    anchor_relative *rel_rx; /* needs_head: psi(., A_rx), for the alignment figures */
    size_t k;
    double handshake_sym;
};

/* Both sides' candidate frames from the anchor corpus. Index selections: x_rx
 * is frame-synchronous with x_tx (n_rx == n_tx), no labels. class: each side's
 * own frames (n_tx, n_rx) and labels. */
typedef struct candidates {
    float *x_tx, *x_rx; /* (n_tx, d_tx), (n_rx, d_rx) */
    int *l_tx, *l_rx;   /* class: per-frame labels, -1 = none */
    size_t n_tx, n_rx;
    size_t cap_tx, cap_rx;
    size_t utts;                            /* corpus utterances used */
    size_t skip_tx, skip_rx;                /* class: utterances too short to align */
    float *x_pool[ANCHOR_RELHEAD_MAX_POOL]; /* index selections: each pool encoder's frames,
                                             * synchronous with x_tx like x_rx */
    size_t cap_pool[ANCHOR_RELHEAD_MAX_POOL];
} candidates;

static void candidates_free(candidates *c)
{
    free(c->x_tx);
    free(c->x_rx);
    free(c->l_tx);
    free(c->l_rx);
    for (size_t v = 0; v < ANCHOR_RELHEAD_MAX_POOL; v++) free(c->x_pool[v]);
}

/* Utterance j of n taken evenly spaced from a manifest of m >= n: a corpus
 * listed voice by voice (sim/corpus.h) then contributes every voice. */
static size_t spread(size_t j, size_t n, size_t m)
{
    return (size_t)(((unsigned long long)j * m) / n);
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

/* Per-frame character labels of one side's latents z (tz, d) of one anchor
 * utterance: its own decoder gives log-probabilities, the CTC forced alignment
 * (codecs/ctc.h) to the transcript gives each frame a character or the blank.
 * Blank frames get -1 (no class: a blank is "between characters", its mean
 * would blur every class). An utterance too short for its transcript gets -1
 * everywhere and counts in *skipped. */
static base_status class_labels(const anchor_link_side *g, const float *z, int tz, const char *text,
                                int *lab, size_t *skipped, base_err *err)
{
    char *norm = NULL;
    int *labels = NULL, *path = NULL;
    double *work = NULL;
    const float *logp = NULL;
    base_status st;
    if (!g->logp || !g->agent)
        return base_err_set(err, BASE_EINVAL, NULL, 0,
                            "anchors.selection=class needs each agent's decoder (side.logp)");
    if ((st = g->logp(g->ctx, z, tz, &logp, err)) != BASE_OK) return st;
    /* the decoder may give several CTC frames per latent frame (upsample) */
    const int up = codec_agent_get_config(g->agent)->upsample, tc = tz * up;
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

/* Index selections: the receiver's frames of the same audio resampled to the
 * transmitter's count tt, appended at frame c->n_tx. */
static base_status add_synchronous(const candidates *c, float **x, size_t *cap,
                                   const anchor_link_side *rx, const char *path, int tt,
                                   base_err *err)
{
    float *zr = NULL;
    int tr = 0;
    if (grow_frames(x, NULL, cap, c->n_tx + (size_t)tt, rx->dim))
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    base_status st = rx->encode(rx->ctx, path, &zr, &tr, err);
    if (st == BASE_OK)
        st = anchor_resample_linear(zr, (size_t)tr, rx->dim, *x + c->n_tx * rx->dim, (size_t)tt,
                                    err);
    free(zr);
    return st;
}

/* class: the receiver's own frames at its own rate, labelled by itself. */
static base_status add_own(candidates *c, const anchor_link_side *rx, const char *path,
                           const char *text, base_err *err)
{
    float *zr = NULL;
    int tr = 0;
    base_status st = rx->encode(rx->ctx, path, &zr, &tr, err);
    if (st != BASE_OK) return st;
    if (grow_frames(&c->x_rx, &c->l_rx, &c->cap_rx, c->n_rx + (size_t)tr, rx->dim)) {
        free(zr);
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    }
    memcpy(c->x_rx + c->n_rx * rx->dim, zr, (size_t)tr * rx->dim * sizeof *zr);
    st = class_labels(rx, zr, tr, text, c->l_rx + c->n_rx, &c->skip_rx, err);
    free(zr);
    c->n_rx += (size_t)tr;
    return st;
}

/* Step 2: both agents encode config.utterances of the anchor corpus. */
static base_status gather(const anchor_link_config *cfg, const anchor_link_side *tx,
                          const anchor_link_side *rx, int cls, candidates *c, base_err *err)
{
    codec_manifest *man = NULL;
    base_status st;
    if (!cfg->manifest || !*cfg->manifest)
        return base_err_set(err, BASE_EINVAL, NULL, 0,
                            "no anchors.manifest: the TTS anchor corpus was not prepared "
                            "(sim_tts_source_prepare)");
    if ((st = codec_manifest_read(cfg->manifest, &man, err)) != BASE_OK) return st;
    size_t m = codec_manifest_size(man), nu = m, dt = tx->dim;
    if (cfg->utterances >= 0 && (uint64_t)cfg->utterances < nu) nu = (size_t)cfg->utterances;
    c->utts = nu;
    for (size_t j = 0; j < nu && st == BASE_OK; j++) {
        size_t i = spread(j, nu, m);
        const char *path = codec_manifest_audio_path(man, i);
        const char *text = codec_manifest_transcript(man, i);
        float *zt = NULL;
        int tt = 0;
        if ((st = tx->encode(tx->ctx, path, &zt, &tt, err)) != BASE_OK) break;
        if (grow_frames(&c->x_tx, cls ? &c->l_tx : NULL, &c->cap_tx, c->n_tx + (size_t)tt, dt)) {
            free(zt);
            st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
            break;
        }
        memcpy(c->x_tx + c->n_tx * dt, zt, (size_t)tt * dt * sizeof *zt);
        if (!cls) {
            free(zt);
            st = add_synchronous(c, &c->x_rx, &c->cap_rx, rx, path, tt, err);
            for (size_t v = 0; v < cfg->n_pool && st == BASE_OK; v++)
                st = add_synchronous(c, &c->x_pool[v], &c->cap_pool[v], &cfg->pool[v], path, tt,
                                     err);
            c->n_tx += (size_t)tt;
            continue;
        }
        st = class_labels(tx, zt, tt, text, c->l_tx + c->n_tx, &c->skip_tx, err);
        free(zt);
        c->n_tx += (size_t)tt;
        if (st == BASE_OK) st = add_own(c, rx, path, text, err);
    }
    if (!cls) c->n_rx = c->n_tx;
    codec_manifest_destroy(man);
    return st;
}

/* Step 3: the transmitter selects K anchors on its frames; each side builds its
 * own (a_tx (K,d_tx), a_rx (K,d_rx), malloc'd). */
static anchor_set *pick(const anchor_link_config *cfg, anchor_select_config *sc,
                        const candidates *c, size_t dt, size_t dr, float **a_tx, float **a_rx,
                        base_err *err)
{
    base_status st;
    if (sc->method == ANCHOR_SEL_CLASS) {
        sc->num_classes = CODEC_VOCAB_SIZE;
        size_t present = anchor_class_count(c->l_tx, c->n_tx, CODEC_VOCAB_SIZE);
        if (sc->k == 0) sc->k = present; /* anchors.count = 0: every character present */
        if (sc->k > present || present == 0) {
            base_err_set(err, BASE_ERANGE, NULL, 0,
                         "anchors.selection=class: anchors.count=%lld but the anchor corpus's "
                         "%zu utterances align to %zu characters (%zu too short to align); "
                         "set anchors.count <= %zu, or 0 for all of them",
                         (long long)cfg->count, c->utts, present, c->skip_tx, present);
            return NULL;
        }
    }
    base_rng r;
    base_rng_init(&r, cfg->seed, 0, base_rng_component("sim.anchors.select"));
    anchor_set *set = anchor_set_select(sc, c->x_tx, c->n_tx, dt, c->l_tx, &r, err);
    if (!set) return NULL;
    *a_tx = malloc(sc->k * dt * sizeof **a_tx);
    *a_rx = malloc(sc->k * dr * sizeof **a_rx);
    if (!*a_tx || !*a_rx) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        goto fail;
    }
    if (anchor_set_build(set, c->x_tx, c->n_tx, dt, c->l_tx, *a_tx, err) != BASE_OK) goto fail;
    if ((st = anchor_set_build(set, c->x_rx, c->n_rx, dr, c->l_rx, *a_rx, err)) != BASE_OK) {
        if (st == BASE_ENOTFOUND) /* say whose alignment lacks the class */
            base_err_set(err, st, NULL, 0,
                         "anchors.selection=class: the receiver's alignment of the anchor corpus "
                         "has no frame of a class the transmitter's has (%zu utterances too short "
                         "for the receiver): use more anchors.utterances",
                         c->skip_rx);
        goto fail;
    }
    return set;
fail:
    anchor_set_destroy(set);
    return NULL;
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

/* The receiver's training data for its relative head: its own latents of the
 * first train_utterances utterances (evenly spaced) of the training manifest. */
typedef struct head_data {
    const anchor_link_side *rx;
    const codec_manifest *man;
    size_t n;
    float **z;
    int *t;
    const char **text;
    const anchor_link_side *pool; /* and the pool's latents of the same utterances */
    size_t n_pool;
    float **pz[ANCHOR_RELHEAD_MAX_POOL];
    int *pt[ANCHOR_RELHEAD_MAX_POOL];
} head_data;

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
        base_status st = h->rx->encode(h->rx->ctx, codec_manifest_audio_path(h->man, i), &h->z[j],
                                       &h->t[j], err);
        if (st != BASE_OK) return st;
        h->text[j] = codec_manifest_transcript(h->man, i);
        for (size_t v = 0; v < h->n_pool; v++) {
            if (!h->pz[v]) h->pz[v] = calloc(h->n + 1, sizeof *h->pz[v]);
            if (!h->pt[v]) h->pt[v] = calloc(h->n + 1, sizeof *h->pt[v]);
            if (!h->pz[v] || !h->pt[v])
                return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
            st = h->pool[v].encode(h->pool[v].ctx, codec_manifest_audio_path(h->man, i),
                                   &h->pz[v][j], &h->pt[v][j], err);
            if (st != BASE_OK) return st;
        }
    }
    data->pz = (const float *const *const *)h->pz;
    data->pt = (const int *const *)h->pt;
    data->n = h->n;
    data->z = (const float *const *)h->z;
    data->t = h->t;
    data->text = h->text;
    return BASE_OK;
}

/* Step 4: the receiver's relative head for its anchors a_rx (K, rx->dim). */
static base_status get_head(anchor_link *l, const anchor_link_config *cfg,
                            const anchor_link_side *rx, const candidates *c, const anchor_set *set,
                            const float *a_rx, anchor_psi psi, base_err *err)
{
    codec_manifest *own = NULL;
    base_status st;
    anchor_relhead_pool_member pool[ANCHOR_RELHEAD_MAX_POOL];
    float *a_pool[ANCHOR_RELHEAD_MAX_POOL] = {0};
    if (cfg->n_pool > ANCHOR_RELHEAD_MAX_POOL)
        return base_err_set(err, BASE_ERANGE, NULL, 0,
                            "equalizer.head_pool: %zu encoders (at most %d)", cfg->n_pool,
                            ANCHOR_RELHEAD_MAX_POOL);
    /* never the evaluated utterances: sim_tts_source_prepare synthesised the
     * training corpus and set train_manifest, unless the scenario named one */
    if (!cfg->train_manifest || !*cfg->train_manifest)
        return base_err_set(err, BASE_EINVAL, NULL, 0,
                            "no equalizer.train_manifest: the relative head's TTS training corpus "
                            "was not prepared (sim_tts_source_prepare)");
    if ((st = codec_manifest_read(cfg->train_manifest, &own, err)) != BASE_OK) return st;
    head_data hd = {.rx = rx,
                    .man = own,
                    .n = codec_manifest_size(own),
                    .pool = cfg->pool,
                    .n_pool = cfg->n_pool};
    for (size_t v = 0; v < cfg->n_pool; v++) { /* each pool encoder's own anchors of the set */
        const size_t dv = cfg->pool[v].dim;
        if (!(a_pool[v] = malloc(l->k * dv * sizeof *a_pool[v]))) {
            st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
            goto out;
        }
        if ((st = anchor_set_build(set, c->x_pool[v], c->n_tx, dv, NULL, a_pool[v], err))) goto out;
        pool[v] = (anchor_relhead_pool_member){cfg->pool[v].agent, a_pool[v], dv};
    }
    if (cfg->train_utterances >= 0 && (uint64_t)cfg->train_utterances < hd.n)
        hd.n = (size_t)cfg->train_utterances;
    char id[64];
    snprintf(id, sizeof id, "spread|%zu", hd.n);
    /* the key hashes the manifest's text and audio and the model file's bytes (relhead.h) */
    anchor_relhead_spec spec = {
        .rx = rx->agent, .a_rx = a_rx, .k = l->k, .psi = psi, .set_hash = anchor_set_hash(set)};
    spec.data_id = base_hash_str(BASE_HASH_INIT, id);
    spec.rx_file = cfg->rx_model && *cfg->rx_model ? cfg->rx_model : NULL;
    spec.train_manifest = cfg->train_manifest;
    spec.n_pool = cfg->n_pool;
    spec.pool = pool;
    anchor_relhead_config rc;
    anchor_relhead_config_default(&rc);
    rc.seed = cfg->seed;
    rc.steps = (long)cfg->head_steps;
    rc.noise = (float)cfg->head_noise;
    st = anchor_relhead_snr_parse(cfg->head_snr_db, &rc.snr_on, &rc.snr_lo_db, &rc.snr_hi_db, err);
    if (st != BASE_OK) goto out;
    rc.packet_frames = cfg->packet_frames > 0 ? (int)cfg->packet_frames : 4;
    if (rc.warmup >= rc.steps) rc.warmup = rc.steps / 10;
    rc.threads = 1; /* the caller is already one job of the runner's pool */
    snprintf(rc.cache_dir, sizeof rc.cache_dir, "%s",
             cfg->cache && *cfg->cache ? cfg->cache : "semsim-cache");
    base_log lg = {BASE_LOG_WARN, NULL};
    /* concurrent jobs often need the same head (an SNR sweep shares its
     * anchors): anchor_relhead_get locks its cache entry, so one trains it */
    l->head = anchor_relhead_get(&spec, head_fetch, &hd, &rc, &lg, NULL, err);
    if (!l->head)
        st = err && err->code ? err->code : BASE_EINTERNAL;
    else if (!(l->rel_rx = anchor_relative_create(a_rx, l->k, rx->dim, psi, err)))
        st = err && err->code ? err->code : BASE_EINTERNAL;
out:
    for (size_t i = 0; hd.z && i < hd.n; i++) free(hd.z[i]);
    free(hd.z);
    free(hd.t);
    free(hd.text);
    for (size_t v = 0; v < cfg->n_pool; v++) {
        for (size_t i = 0; hd.pz[v] && i < hd.n; i++) free(hd.pz[v][i]);
        free(hd.pz[v]);
        free(hd.pt[v]);
        free(a_pool[v]);
    }
    codec_manifest_destroy(own);
    return st;
}

/* Step 5: the equalizer between a_tx and a_rx, and the handshake. */
static base_status fit(anchor_link *l, const anchor_link_config *cfg, const anchor_link_side *tx,
                       const anchor_link_side *rx, const candidates *c, const anchor_set *set,
                       const float *a_tx, const float *a_rx, base_err *err)
{
    anchor_equalizer_config ec;
    anchor_equalizer_config_default(&ec);
    base_status st = anchor_psi_parse(cfg->psi, &ec.psi, err);
    if (st != BASE_OK) return st;
    ec.type = l->row->type;
    ec.ridge_lambda = cfg->ridge_lambda;
    ec.seed = cfg->seed;
    if (cfg->mlp_hidden > 0) ec.mlp_hidden = (size_t)cfg->mlp_hidden;
    if (cfg->mlp_epochs > 0) ec.mlp_epochs = (long)cfg->mlp_epochs;
    ec.rx_norm = ec.psi == ANCHOR_PSI_COSINE_CENTERED
                     ? centred_mean_norm(c->x_rx, c->n_rx, rx->dim, a_rx, l->k)
                     : anchor_mean_norm(c->x_rx, c->n_rx, rx->dim);
    if (l->row->needs_head) {
        if ((st = get_head(l, cfg, rx, c, set, a_rx, ec.psi, err)) != BASE_OK) return st;
        ec.head = l->head;
    }
    if (!(l->eq = anchor_equalizer_create(&ec, a_tx, a_rx, l->k, tx->dim, rx->dim, err)))
        return err && err->code ? err->code : BASE_EINVAL;
    /* once-only exchange, in complex symbols: the anchor set's index bits at
     * 2 bits per symbol (uncoded QPSK), and the equalizer's real values two per
     * symbol (analog pairing) */
    l->handshake_sym = (double)anchor_set_handshake_bits(set) / 2.0 +
                       (double)anchor_equalizer_handshake_symbols(l->eq) / 2.0;
    return BASE_OK;
}

static int side_ok(const anchor_link_side *s)
{
    return s && s->dim > 0 && s->encode;
}

anchor_link *anchor_link_create(const anchor_link_config *cfg, const anchor_link_side *tx,
                                const anchor_link_side *rx, base_err *err)
{
    anchor_link *l = NULL;
    anchor_set *set = NULL;
    float *a_tx = NULL, *a_rx = NULL;
    candidates c;
    memset(&c, 0, sizeof c);
    if (!cfg || !side_ok(tx) || !side_ok(rx)) {
        base_err_set(err, BASE_EINVAL, NULL, 0,
                     "anchor link needs a config and two sides with dim > 0 and encode");
        return NULL;
    }
    const anchor_eq_info *row = anchor_equalizer_find(cfg->equalizer, err);
    if (!row) return NULL;
    if (!row->uses_anchors) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "equalizer.type=%s uses no anchors", row->name);
        return NULL;
    }
    anchor_select_config sc;
    anchor_select_config_default(&sc);
    if (anchor_selection_parse(cfg->selection, &sc.method, err) != BASE_OK) return NULL;
    if (!(l = calloc(1, sizeof *l))) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        return NULL;
    }
    l->row = row;
    if (cfg->n_pool && (sc.method == ANCHOR_SEL_CLASS || !row->needs_head)) {
        base_err_set(err, BASE_EINVAL, NULL, 0,
                     "equalizer.head_pool needs equalizer.type=relative and an index selection "
                     "(random, fps or kmeans)");
        goto fail;
    }
    if (gather(cfg, tx, rx, sc.method == ANCHOR_SEL_CLASS, &c, err) != BASE_OK) goto fail;
    sc.k = (size_t)cfg->count;
    sc.members = (size_t)cfg->members;
    if (!(set = pick(cfg, &sc, &c, tx->dim, rx->dim, &a_tx, &a_rx, err))) goto fail;
    l->k = sc.k;
    if (fit(l, cfg, tx, rx, &c, set, a_tx, a_rx, err) != BASE_OK) goto fail;
    goto out;
fail:
    if (err && !err->code) base_err_set(err, BASE_EINVAL, NULL, 0, "anchor link failed");
    anchor_link_destroy(l);
    l = NULL;
out:
    anchor_set_destroy(set);
    candidates_free(&c);
    free(a_tx);
    free(a_rx);
    return l;
}

/* A string field as two printf arguments: "s<text>", or "-" for NULL (the two never meet). */
#define KEY_STR(s) (s) ? "s" : "-", (s) ? (s) : ""

/* Fields separated by 0x1f (no scenario value holds it), numbers exact,
 * strings whole (never truncated: equal keys only for equal inputs). */
static int config_key(char *buf, size_t cap, const anchor_link_config *c)
{
    return snprintf(
        buf, cap,
        "eq=%s%s\x1fsel=%s%s\x1fpsi=%s%s\x1fk=%" PRId64 "\x1fmembers=%" PRId64 "\x1futts=%" PRId64
        "\x1fman=%s%s\x1fridge=%.17g\x1ftrain=%s%s\x1ftrain_utts=%" PRId64 "\x1fsteps=%" PRId64
        "\x1fnoise=%.17g\x1fpool=%s%s\x1fsnr=%s%s\x1fpacket=%" PRId64 "\x1fmlp=%" PRId64 ",%" PRId64
        "\x1f"
        "cache=%s%s\x1fseed=%" PRIu64 "\x1frx=%s%s",
        KEY_STR(c->equalizer), KEY_STR(c->selection), KEY_STR(c->psi), c->count, c->members,
        c->utterances, KEY_STR(c->manifest), c->ridge_lambda, KEY_STR(c->train_manifest),
        c->train_utterances, c->head_steps, c->head_noise, KEY_STR(c->head_pool),
        KEY_STR(c->head_snr_db), c->packet_frames, c->mlp_hidden, c->mlp_epochs, KEY_STR(c->cache),
        c->seed, KEY_STR(c->rx_model));
}

char *anchor_link_config_key(const anchor_link_config *cfg)
{
    int n = cfg ? config_key(NULL, 0, cfg) : -1;
    char *key = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (key) config_key(key, (size_t)n + 1, cfg);
    return key;
}

/* A manifest the link will read, when the scenario names one: readable? */
static base_status check_manifest(const char *path, base_err *err)
{
    codec_manifest *man = NULL;
    if (!path || !*path) return BASE_OK;
    base_status st = codec_manifest_read(path, &man, err);
    codec_manifest_destroy(man);
    return st;
}

base_status anchor_link_config_check(const anchor_link_config *cfg, const char **key, base_err *err)
{
    const char *k = NULL;
    base_status st = BASE_OK;
    anchor_selection sel;
    anchor_psi psi;
    const anchor_eq_info *row = anchor_equalizer_find(cfg->equalizer, err);
    if (!row) {
        k = "equalizer.type";
        st = BASE_EINVAL;
    } else if (!row->uses_anchors) {
        /* none, oracle: no anchor key matters */
    } else if ((st = anchor_selection_parse(cfg->selection, &sel, err)) != BASE_OK) {
        k = "anchors.selection";
    } else if ((st = anchor_psi_parse(cfg->psi, &psi, err)) != BASE_OK) {
        k = "anchors.psi";
    } else if (cfg->count < 1 && sel != ANCHOR_SEL_CLASS) {
        k = "anchors.count";
        st = base_err_set(err, BASE_EINVAL, NULL, 0,
                          "equalizer.type=%s needs anchors.count >= 1 (0 only with "
                          "anchors.selection=class: all characters present)",
                          row->name);
    } else if (sel == ANCHOR_SEL_CLASS && cfg->count > CODEC_VOCAB_SIZE - 1) {
        k = "anchors.count";
        st = base_err_set(err, BASE_ERANGE, NULL, 0,
                          "anchors.selection=class has at most %d classes (space, apostrophe, "
                          "a-z; blank frames are not a class): anchors.count must be 0..%d",
                          CODEC_VOCAB_SIZE - 1, CODEC_VOCAB_SIZE - 1);
    } else if (row->needs_head && cfg->count > ANCHOR_RELHEAD_MAX_K) {
        k = "anchors.count";
        st = base_err_set(err, BASE_ERANGE, NULL, 0, "equalizer.type=%s takes anchors.count <= %d",
                          row->name, ANCHOR_RELHEAD_MAX_K);
    } else if (row->needs_head) {
        int on;
        double lo, hi;
        if ((st = anchor_relhead_snr_parse(cfg->head_snr_db, &on, &lo, &hi, err)) != BASE_OK)
            k = "equalizer.head_snr_db";
        else
            st = check_manifest(cfg->train_manifest, err); /* errors carry the manifest's file */
    }
    if (st == BASE_OK && row && row->uses_anchors) st = check_manifest(cfg->manifest, err);
    if (key) *key = k;
    return st;
}

const anchor_equalizer *anchor_link_equalizer(const anchor_link *l)
{
    return l->eq;
}
const anchor_eq_info *anchor_link_info(const anchor_link *l)
{
    return l->row;
}
const anchor_relhead *anchor_link_head(const anchor_link *l)
{
    return l->head;
}
const anchor_relative *anchor_link_relative_rx(const anchor_link *l)
{
    return l->rel_rx;
}
size_t anchor_link_k(const anchor_link *l)
{
    return l->k;
}
size_t anchor_link_symbols_per_frame(const anchor_link *l)
{
    return anchor_equalizer_symbols_per_frame(l->eq);
}
double anchor_link_handshake_symbols(const anchor_link *l)
{
    return l->handshake_sym;
}

void anchor_link_destroy(anchor_link *l)
{
    if (!l) return;
    anchor_equalizer_destroy(l->eq);
    anchor_relhead_destroy(l->head);
    anchor_relative_destroy(l->rel_rx);
    free(l);
}
