/* s2s.c -- speech-to-speech: resynthesis of the receiver's transcript and
 * its recognition by a third agent. See s2s.h. */
#include "sim/s2s.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fs.h"
#include "codecs/audio.h"
#include "codecs/recognizer.h"
#include "codecs/tts.h"
#include "sim/kind_common.h"
#include "sim/receiver.h"

struct sim_s2s {
    char *key; /* the cache key's prefix: voice and score.* settings */
    const sim_resources *res;
    codec_voice voice;
    codec_tts *own_tts;  /* without shared resources (tests): this stage's own */
    sim_receiver score;  /* the third agent, with score.decoder */
    codec_resampler *rs; /* 16 kHz -> the third agent's rate; NULL when equal */
    float *buf;          /* resampled audio */
    size_t cap_buf;
    char *wav_dir; /* root/PPPP-RR, or NULL */
};

int sim_s2s_enabled(const sim_config *cfg)
{
    return strcmp(cfg->s2s.tts_voice, "none") != 0;
}

/* "ENGINE VOICE" -> v; 0 when the value does not have that form. */
static int parse_voice(const char *s, codec_voice *v)
{
    char eng[64], name[128], extra[2];
    memset(v, 0, sizeof *v);
    if (sscanf(s, "%63s %127s %1s", eng, name, extra) != 2) return 0;
    if (strlen(eng) >= sizeof v->engine || strlen(name) >= sizeof v->name) return 0;
    strcpy(v->engine, eng);
    strcpy(v->name, name);
    return 1;
}

base_status sim_s2s_check(const sim_scenario *sc, const sim_config *cfg, int transcript,
                          sim_resources *res, base_err *err)
{
    if (!sim_s2s_enabled(cfg)) return BASE_OK;
    const char *kv = "rx.tts_voice";
    codec_voice v;
    if (!parse_voice(cfg->s2s.tts_voice, &v))
        return sim_kind_fail(sc, err, kv, BASE_EFORMAT,
                             "rx.tts_voice: expected 'ENGINE VOICE' (e.g. 'espeak-ng en-us+m3', "
                             "'flite slt') or none, got '%s'",
                             cfg->s2s.tts_voice);
    if (!transcript)
        return sim_kind_fail(sc, err, kv, BASE_EINVAL,
                             "rx.tts_voice applies to kinds whose receiver outputs a transcript "
                             "(semantic, text); source.kind=%s already delivers speech",
                             cfg->source.kind);
    if (!*cfg->s2s.model)
        return sim_kind_fail(sc, err, kv, BASE_EINVAL,
                             "rx.tts_voice needs score.model (the third agent that recognises "
                             "the resynthesised speech)");
    base_err e2 = BASE_ERR_INIT;
    base_status st = sim_resources_check_agent(res, cfg->s2s.model, &e2);
    if (st != BASE_OK)
        return sim_kind_fail(sc, err, "score.model", st, "score.model %s: %s", cfg->s2s.model,
                             e2.msg);
    codec_tts *tts = NULL;
    if ((st = codec_tts_create(&tts, &e2)) == BASE_OK) st = codec_tts_voice_check(tts, &v, &e2);
    codec_tts_destroy(tts);
    if (st != BASE_OK) return sim_kind_fail(sc, err, kv, st, "rx.tts_voice: %s", e2.msg);
    return BASE_OK;
}

base_status sim_s2s_prepare(const sim_config *cfg, sim_resources *res, base_err *err)
{
    if (!sim_s2s_enabled(cfg)) return BASE_OK;
    codec_voice v;
    if (!parse_voice(cfg->s2s.tts_voice, &v))
        return base_err_set(err, BASE_EFORMAT, NULL, 0, "bad rx.tts_voice '%s'",
                            cfg->s2s.tts_voice);
    base_status st = sim_resources_add_agent(res, cfg->s2s.model, err);
    if (st == BASE_OK && !strcmp(cfg->s2s.decoder, "beam"))
        st = sim_resources_add_lexicon(res, cfg->s2s.lm, err);
    if (st == BASE_OK) st = sim_resources_add_tts(res, err);
    if (st != BASE_OK) return st;
    sim_resources_set_cache_mb(res, cfg->scenario.cache_mb);
    /* Start the voice's TTS process now, from the main thread, before the
     * worker threads exist (codecs/tts.c forks it on first use). */
    float *x = NULL;
    size_t n = 0;
    st = sim_resources_tts_synth(res, &v, "a", &x, &n, err);
    free(x);
    return st;
}

void sim_s2s_destroy(sim_s2s *s)
{
    if (!s) return;
    codec_tts_destroy(s->own_tts);
    sim_receiver_close(&s->score);
    codec_resampler_destroy(s->rs);
    free(s->buf);
    free(s->wav_dir);
    free(s->key);
    free(s);
}

sim_s2s *sim_s2s_create(const sim_config *cfg, const sim_resources *res, base_err *err)
{
    sim_s2s *s = calloc(1, sizeof *s);
    if (!s) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        return NULL;
    }
    s->res = res;
    if (!parse_voice(cfg->s2s.tts_voice, &s->voice)) {
        base_err_set(err, BASE_EFORMAT, NULL, 0, "bad rx.tts_voice '%s'", cfg->s2s.tts_voice);
        goto fail;
    }
    size_t kn = strlen(cfg->s2s.model) + strlen(cfg->s2s.lm) + 256;
    if (!(s->key = malloc(kn))) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        goto fail;
    }
    snprintf(s->key, kn, "s2s\x1f%s %s\x1f%s\x1f%s\x1f%lld\x1f%s\x1f", s->voice.engine,
             s->voice.name, cfg->s2s.model, cfg->s2s.decoder, (long long)cfg->s2s.beam_width,
             cfg->s2s.lm);
    if (!sim_resources_has_tts(res) && codec_tts_create(&s->own_tts, err) != BASE_OK) goto fail;
    if (sim_receiver_open_decoder(&s->score, cfg->s2s.model, cfg->s2s.decoder, cfg->s2s.beam_width,
                                  cfg->s2s.lm, res, err) != BASE_OK)
        goto fail;
    int rate = codec_recognizer_rate(s->score.r);
    if (rate != CODEC_TTS_RATE &&
        codec_resampler_create(CODEC_TTS_RATE, rate, &s->rs, err) != BASE_OK)
        goto fail;
    return s;
fail:
    sim_s2s_destroy(s);
    return NULL;
}

base_status sim_s2s_wav_root(const char *root, base_err *err)
{
    base_status st = base_fs_mkdirs(root, err);
    if (st != BASE_OK) return st;
    if (access(root, W_OK | X_OK) != 0)
        return base_err_set(err, BASE_EIO, root, 0, "--wav: cannot write into this folder: %s",
                            strerror(errno));
    return BASE_OK;
}

base_status sim_s2s_set_wav(sim_s2s *s, const char *root, size_t point, size_t repeat,
                            base_err *err)
{
    free(s->wav_dir);
    s->wav_dir = NULL;
    if (!root) return BASE_OK;
    size_t n = strlen(root) + 32;
    if (!(s->wav_dir = malloc(n))) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    snprintf(s->wav_dir, n, "%s/%04zu-%02zu", root, point, repeat);
    return base_fs_mkdirs(s->wav_dir, err);
}

/* text resynthesised at CODEC_TTS_RATE: *x malloc'd (silence for an empty text). */
static base_status synth(sim_s2s *s, const char *text, float **x, size_t *n, base_err *err)
{
    base_status st = BASE_EFORMAT;
    if (*text) {
        base_err e2 = BASE_ERR_INIT;
        st = s->own_tts ? codec_tts_synth(s->own_tts, &s->voice, text, NULL, x, n, &e2)
                        : sim_resources_tts_synth(s->res, &s->voice, text, x, n, &e2);
        if (st != BASE_OK && st != BASE_EFORMAT && err) *err = e2;
    }
    if (st != BASE_EFORMAT) return st;
    /* nothing to speak (or the engine said nothing): silence */
    *n = (size_t)(SIM_S2S_SILENCE_S * CODEC_TTS_RATE);
    *x = calloc(*n, sizeof **x);
    return *x ? BASE_OK : base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
}

/* The third agent's transcript of audio x (n samples at 16 kHz): *text in its
 * work space ("" when the audio is too short for one latent frame). */
static base_status recognise(sim_s2s *s, const float *x, size_t n, const char **text, base_err *err)
{
    const codec_recognizer *r = s->score.r;
    codec_recognizer_ws *ws = s->score.ws;
    base_status st;
    if (s->rs) {
        size_t nr = codec_resampler_output_len(s->rs, n);
        if (sim_kind_grow((void **)&s->buf, &s->cap_buf, nr, sizeof *s->buf))
            return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        if ((st = codec_resampler_execute(s->rs, x, n, s->buf, err)) != BASE_OK) return st;
        x = s->buf;
        n = nr;
    }
    int tz = 0;
    *text = "";
    if ((st = codec_recognizer_frontend(r, ws, x, n, err)) != BASE_OK ||
        (st = codec_recognizer_encode(r, ws, &tz, err)) != BASE_OK)
        return st;
    if (tz <= 0) return BASE_OK;
    if ((st = codec_recognizer_decode(r, ws, codec_recognizer_latents(ws), tz, err)) != BASE_OK)
        return st;
    return codec_recognizer_text(ws, codec_recognizer_logp(ws), tz, text, err);
}

typedef struct fill_ctx {
    sim_s2s *s;
    const char *text, *id;
} fill_ctx;

/* Resynthesise and recognise ctx->text (writing the WAV when asked): the
 * transcript as a malloc'd string (*bytes with its NUL). */
static base_status fill(void *ctx_, void **val, size_t *bytes, base_err *err)
{
    fill_ctx *c = ctx_;
    float *x = NULL;
    size_t n = 0;
    const char *t = NULL;
    base_status st = synth(c->s, c->text, &x, &n, err);
    if (st == BASE_OK && c->s->wav_dir) {
        size_t len = strlen(c->s->wav_dir) + strlen(c->id) + 8;
        char *path = malloc(len);
        if (!path)
            st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        else {
            snprintf(path, len, "%s/%s.wav", c->s->wav_dir, c->id);
            st = codec_audio_write_wav(path, x, n, CODEC_TTS_RATE, err);
            free(path);
        }
    }
    if (st == BASE_OK) st = recognise(c->s, x, n, &t, err);
    free(x);
    if (st != BASE_OK) return st;
    if (!(*val = strdup(t))) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    *bytes = strlen(t) + 1;
    return BASE_OK;
}

/* The cache key: everything the third agent's transcript depends on. */
static char *cache_key(const sim_s2s *s, const char *text)
{
    size_t n = strlen(s->key) + strlen(text) + 1;
    char *k = malloc(n);
    if (k) snprintf(k, n, "%s%s", s->key, text);
    return k;
}

base_status sim_s2s_execute(sim_s2s *s, sim_utt_result *r, base_err *err)
{
    if (!s || !r || !r->reference || !r->hypothesis)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "s2s: no transcript to resynthesise");
    fill_ctx c = {s, r->hypothesis, r->id};
    void *val = NULL;
    size_t bytes = 0;
    base_status st;
    if (s->wav_dir) { /* the audio is wanted: always synthesise (same result) */
        st = fill(&c, &val, &bytes, err);
    } else {
        char *key = cache_key(s, r->hypothesis);
        if (!key) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        st = sim_ucache_get(sim_resources_ucache(s->res), key, fill, &c, &val, &bytes, err);
        free(key);
    }
    if (st != BASE_OK) {
        base_err_locate(err, r->id, 0);
        return st;
    }
    char *ref = r->reference;
    free(r->hypothesis);
    r->reference = r->hypothesis = NULL;
    r->has_rx_text = 1;
    r->rx_text_errors = r->sub + r->del + r->ins;
    st = sim_utt_result_score(r, ref, val, err);
    free(ref);
    free(val);
    return st;
}
