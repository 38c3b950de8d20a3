/* relhead.h -- the `relative` equalizer's receiver head: the receiver's own
 * decoder, retrained to read K relative symbols per frame instead of its latent.
 *
 * Where it sits: the transmitter sends r = psi(z_tx, A_tx) (anchors/relative.h,
 * K reals per latent frame); after the channel the receiver runs this head on
 * R̂ (T',K) and gets CTC log-probabilities (T',V) for codecs/decode. The head is
 * trained by the receiver alone, on ITS OWN relative representations
 * R = psi(z_rx, A_rx) of training utterances it encoded with its frozen encoder
 * (Hüttebräucker et al. 2024, the receiver's first option; Moschella et al.,
 * ICLR 2023, zero-shot stitching: a decoder trained on relative representations
 * accepts another encoder's). anchors/equalizer.h wraps it as equalizer.type = relative.
 *
 * Architecture: the receiver's decoder (codecs/agent.h) with its input layer
 * dec.in (C,d_rx) replaced by one of shape (C,K); every other decoder tensor
 * starts from the receiver's weights. The K inputs are standardised per
 * component (mean/scale over the training frames, stored with the head).
 * dec.in starts as the receiver's dec.in composed with the least-squares map
 * from the standardised R back to z_rx (ridge ls_lambda), so before any
 * fine-tuning the head already behaves like "relative-inverse + native decoder";
 * then the whole decoder is fine-tuned with CTC (AdamW, warm-up + cosine).
 *
 * Channel-aware training (snr_on, equalizer.head_snr_db; issue 17): before the
 * standardisation, each training utterance's relative representation R goes
 * through the link the receiver knows it has, emulated here: packets of
 * packet_frames frames (K reals each) normalised to unit energy per complex
 * symbol (a = sqrt(m / sum r^2), m = reals/2, as channel/analog.c), complex
 * AWGN of N0 = 10^(-snr/10), MMSE with perfect CSI (1/(1+N0)), de-normalised:
 * r' = (a r + n) / (a (1 + N0)), n ~ N(0, N0/2) per real. Fading and digital
 * links are not emulated. Still receiver-only: its own R, its own link.
 *
 * Determinism: the batch order of epoch e comes from stream (seed, e,
 * "anchors.relhead.batches"), the dropout of utterance j of step s from
 * (seed, s*batch + j, "anchors.relhead.dropout"), its channel (SNR draw and
 * noise) from (seed, s*batch + j, "anchors.relhead.channel"); each utterance's gradient has
 * its own slot and the slots are summed in batch order, so a seed gives
 * bit-identical weights for any number of threads (OpenBLAS is set to one
 * thread inside the workers, as codecs/train does).
 *
 * Cache (anchors/relhead_file.c): a head is identified by a 64-bit FNV-1a key
 * over the content of everything it is built from: the receiver agent's config
 * and weights and its model file's bytes (spec.rx_file), A_rx, K, psi,
 * anchor_set_hash, the training manifest's text and the bytes of every audio
 * file it lists (spec.train_manifest), which part of it is used (spec.data_id),
 * every training setting (the settings table in relhead_file.c), the file
 * format (ANCHOR_RELHEAD_VERSION, ANCHOR_RELHEAD_FORMAT) and semsim's version.
 * Paths never enter it: a manifest or model edited in place gives a new key.
 * A head is stored as CACHE_DIR/relhead-KEY.h5 (a codecs/modelfile container,
 * kind "relative-head"; docs/anchors.md lists its attributes and tensors),
 * written to a temporary name and renamed, so concurrent runs never see a
 * partial file, with a text sidecar CACHE_DIR/relhead-KEY.txt saying what it
 * was built from (`semsim cache list`).
 */
#ifndef ANCHOR_RELHEAD_H
#define ANCHOR_RELHEAD_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "anchors/relative.h"
#include "codecs/agent.h"
#include "base/log.h"
#include "base/status.h"

/* The model file's layout (head.version; load accepts only this one). */
#define ANCHOR_RELHEAD_VERSION 1
/* Bump when the training changes meaning beyond what the key hashes (part of the key). */
#define ANCHOR_RELHEAD_FORMAT "semsim-relhead-2"
#define ANCHOR_RELHEAD_PATH 1024
/* The head's input width K is the agent's latent width field (codecs/agent.h: 1..1024). */
#define ANCHOR_RELHEAD_MAX_K 1024

typedef struct anchor_relhead_config {
    uint64_t seed;      /* batch order and dropout */
    long steps;         /* optimiser steps, > 0 (default 400) */
    int batch;          /* utterances per step (16) */
    float lr;           /* peak learning rate (1e-3) */
    long warmup;        /* linear warm-up steps (40) */
    float weight_decay; /* AdamW decoupled decay (0.01) */
    float clip;         /* global gradient-norm clip, 0 = none (5) */
    float dropout;      /* block dropout while training; < 0 = the receiver's own (-1) */
    double ls_lambda;   /* ridge of the least-squares initialisation of dec.in, relative to
                         * the mean diagonal of R^T R (1e-3); < 0 = random dec.in instead */
    float noise;        /* std of Gaussian noise added to the standardised relative inputs
                         * while training (0.5): makes the head tolerate relative
                         * representations that are not exactly its own (A->B, K = 64:
                         * WER 57% without, 18% with; docs/anchors.md) */
    int snr_on;         /* 1: the head's relative inputs go through an emulated analog AWGN
                         * link while it trains (equalizer.head_snr_db; 0 = clean, default) */
    double snr_lo_db;   /* Es/N0 per complex symbol, dB: drawn uniformly in [lo, hi] per
                         * training utterance and step (lo == hi: one SNR); -30..60 */
    double snr_hi_db;
    int packet_frames; /* frames per emulated packet (the link's frames_per_packet, 4) */
    int threads;       /* workers, 1..64 (2); the result does not depend on it */
    int log_every;     /* steps between progress lines at info level (25) */
    char cache_dir[ANCHOR_RELHEAD_PATH]; /* "" = no cache (anchor_relhead_get trains) */
    const volatile sig_atomic_t *stop;   /* polled between steps: non-zero stops training with
                                          * BASE_EINTERRUPTED, nothing cached; NULL = never */
} anchor_relhead_config;

/* The values above. */
void anchor_relhead_config_default(anchor_relhead_config *cfg);

/* equalizer.head_snr_db: "none" (also NULL or "") -> *on = 0; a number "x" -> on, lo = hi = x;
 * a range "a:b" with a <= b -> on, [a, b]. Values in -30..60 dB. BASE_EINVAL otherwise, the
 * message naming the text. */
base_status anchor_relhead_snr_parse(const char *text, int *on, double *lo, double *hi,
                                     base_err *err);

/* What identifies a head (besides the recipe). */
/* An encoder of the receiver's pool (equalizer.head_pool): another agent the
 * receiver owns (never the transmitter), whose relative representations of the
 * same training utterances the head also trains on, so that it learns what
 * stays the same across encoders. */
#define ANCHOR_RELHEAD_MAX_POOL 8
typedef struct anchor_relhead_pool_member {
    const codec_agent *agent; /* its weights enter the key */
    const float *a;           /* (K,d) its own anchors of the same anchor set */
    size_t d;                 /* its latent width */
} anchor_relhead_pool_member;

typedef struct anchor_relhead_spec {
    const codec_agent *rx; /* the receiver; its decoder is the starting point */
    const float *a_rx;     /* (K,d_rx) the receiver's anchors (anchor_set_build on its own
                            * candidates), row-major; d_rx = rx's latent width */
    size_t k;              /* K, 1..ANCHOR_RELHEAD_MAX_K */
    anchor_psi psi;
    uint64_t set_hash;          /* anchor_set_hash of the set (0 if none) */
    uint64_t data_id;           /* which part of the training data is used, e.g. a hash of
                                 * "spread|N" (0: none) */
    const char *rx_file;        /* the receiver's model file: its bytes enter the key
                                 * (NULL: the agent's weights only) */
    const char *train_manifest; /* the training manifest: its text and the bytes of every
                                 * audio file it lists enter the key (NULL: none) */
    size_t n_pool;              /* pool encoders, 0..ANCHOR_RELHEAD_MAX_POOL (0: the receiver's
                                 * own relative representations only) */
    const anchor_relhead_pool_member *pool;
} anchor_relhead_spec;

/* The receiver's training utterances: its own latents and the transcripts. */
typedef struct anchor_relhead_data {
    size_t n;                /* utterances, > 0 */
    const float *const *z;   /* z[i] (t[i], d_rx): the receiver encoder's output */
    const int *t;            /* latent frames of each utterance, > 0 */
    const char *const *text; /* transcripts (normalised here with codec_text_normalise) */
    /* spec->n_pool > 0: pool encoder v's latents of the same n utterances, pz[v][i]
     * (pt[v][i], pool[v].d). Each training utterance is read through the receiver or
     * one pool encoder, drawn uniformly per utterance and step. */
    const float *const *const *pz;
    const int *const *pt;
} anchor_relhead_data;

/* Lazily supplies the data on a cache miss (computing latents is the costly part).
 * The data must stay valid until anchor_relhead_get returns. */
typedef base_status (*anchor_relhead_fetch_fn)(void *ctx, anchor_relhead_data *data, base_err *err);

typedef struct anchor_relhead_result {
    int cache_hit;                       /* 1: loaded from the cache, nothing trained */
    uint64_t key;                        /* anchor_relhead_key */
    char path[ANCHOR_RELHEAD_PATH + 64]; /* cache file ("" without a cache) */
    long steps;                          /* steps trained */
    double init_loss;                    /* mean CTC loss per utterance of the first log window */
    double final_loss;                   /* ... of the last log window */
    double seconds;                      /* wall time of the training (0 on a hit) */
    size_t utts, skipped; /* utterances used; skipped (transcript longer than CTC allows) */
    size_t frames;        /* latent frames used */
    size_t params;        /* trained parameters */
} anchor_relhead_result;

typedef struct anchor_relhead anchor_relhead;
typedef struct anchor_relhead_ws anchor_relhead_ws;

/* FNV-1a over the agent's config and every parameter: its content hash. */
uint64_t anchor_relhead_agent_hash(const codec_agent *a);

/* The cache key of (spec, recipe). Errors as for anchor_relhead_train's spec checks. */
base_status anchor_relhead_key(const anchor_relhead_spec *spec, const anchor_relhead_config *cfg,
                               uint64_t *key, base_err *err);

/* Trains a head (no cache). Errors (NULL, err filled): NULL spec/rx/a_rx/data;
 * K == 0 or > ANCHOR_RELHEAD_MAX_K; unknown psi; non-finite or zero (cosine)
 * anchors; data->n == 0, a NULL latent, t[i] <= 0, a NULL transcript (naming the
 * utterance); a recipe value out of range; no utterance whose transcript fits
 * its frames. res may be NULL. Progress (steps, loss, s/step, ETA) at info level. */
anchor_relhead *anchor_relhead_train(const anchor_relhead_spec *spec,
                                     const anchor_relhead_data *data,
                                     const anchor_relhead_config *cfg, const base_log *lg,
                                     anchor_relhead_result *res, base_err *err);

/* The cached head for (spec, cfg) when cfg->cache_dir holds one, else fetch(ctx)
 * + anchor_relhead_train, then stored in cfg->cache_dir (created if missing).
 * A cache file that fails to load or does not match the spec is logged and
 * retrained over. */
anchor_relhead *anchor_relhead_get(const anchor_relhead_spec *spec, anchor_relhead_fetch_fn fetch,
                                   void *ctx, const anchor_relhead_config *cfg, const base_log *lg,
                                   anchor_relhead_result *res, base_err *err);

/* Model file of a head (path.partial written, then renamed). */
base_status anchor_relhead_save(const anchor_relhead *h, const char *path, base_err *err);
/* Reads a head file; one clear error naming path when it is not one. */
anchor_relhead *anchor_relhead_load(const char *path, base_err *err);

void anchor_relhead_destroy(anchor_relhead *h);

size_t anchor_relhead_k(const anchor_relhead *h);
size_t anchor_relhead_in_dim(const anchor_relhead *h); /* d_rx of the receiver */
int anchor_relhead_vocab(const anchor_relhead *h);     /* V of the output */
/* Floats of output per frame: V times the receiver's CTC frames per latent frame. */
size_t anchor_relhead_out_dim(const anchor_relhead *h);
anchor_psi anchor_relhead_psi(const anchor_relhead *h);
uint64_t anchor_relhead_key_of(const anchor_relhead *h);
const float *anchor_relhead_anchors(const anchor_relhead *h); /* A_rx (K,d_rx) */
/* The decoder-only agent inside (d = K; its encoder tensors are unused). */
const codec_agent *anchor_relhead_decoder(const anchor_relhead *h);
/* Input standardisation: x = (r - mean) * scale, (K) each. */
const float *anchor_relhead_in_mean(const anchor_relhead *h);
const float *anchor_relhead_in_scale(const anchor_relhead *h);

/* Workspace for utterances of up to max_frames latent frames (one per thread). */
anchor_relhead_ws *anchor_relhead_ws_create(const anchor_relhead *h, int max_frames, base_err *err);
void anchor_relhead_ws_destroy(anchor_relhead_ws *ws);

/* The receiver's own relative representation: z (T,d_rx) -> r (T,K) over A_rx. */
base_status anchor_relhead_project(const anchor_relhead *h, const float *z, int t, float *r,
                                   base_err *err);

/* r (T,K) relative symbols of ONE utterance, as received -> log-probabilities
 * (T*upsample,V) (the receiver decoder's CTC frames). Allocates nothing. BASE_ERANGE when T is
 * outside 1..the workspace's frames; BASE_EINVAL on NULL arguments or a non-finite symbol. */
base_status anchor_relhead_decode(const anchor_relhead *h, anchor_relhead_ws *ws, const float *r,
                                  int t, float *logprobs, base_err *err);

#endif
