/* recognizer.c -- an agent as a recogniser: model file + front-end, and the
 * per-thread chain audio -> log-mel -> latents -> log-probabilities -> text.
 * See recognizer.h. */
#include "codecs/recognizer.h"

#include <stdlib.h>
#include <string.h>

#include "codecs/frontend.h"
#include "codecs/melspec.h"
#include "codecs/modelfile.h"
#include "codecs/vocab.h"

#define MAX_FRAMES ((size_t)1 << 24) /* front-end frames of one utterance (int-safe) */

struct codec_recognizer {
    codec_agent *a;
    codec_melspec *mel;
    int rate;
    double enc_params, dec_params;
};

struct codec_recognizer_ws {
    codec_melspec_work *mw;
    codec_agent_ws *ws; /* sized on demand (frames of the longest input seen) */
    codec_beam *beam;   /* NULL: greedy */
    float *mel, *z, *logp;
    size_t cap_mel, cap_z, cap_logp;
    size_t frames; /* T of the last front-end call */
    int upsample;  /* CTC frames per latent frame of the recognizer's agent */
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

void codec_recognizer_destroy(codec_recognizer *r)
{
    if (!r) return;
    codec_melspec_destroy(r->mel);
    codec_agent_destroy(r->a);
    free(r);
}

base_status codec_recognizer_load(codec_recognizer **out, const char *path, base_err *err)
{
    *out = NULL;
    codec_recognizer *r = calloc(1, sizeof *r);
    if (!r) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    codec_model *m = NULL;
    codec_melspec_config fe;
    base_status st = codec_agent_load(path, &r->a, &m, err);
    if (st == BASE_OK) st = codec_agent_freeze(r->a, err); /* its weights never change */
    if (st == BASE_OK) st = codec_frontend_from_model(m, &fe, err);
    codec_model_destroy(m);
    if (st != BASE_OK) goto fail;
    int want = codec_agent_get_config(r->a)->n_mels;
    if (fe.n_mels != want) {
        st = base_err_set(err, BASE_EFORMAT, path, 0,
                          "frontend.n_mels %d does not match the encoder's input size %d",
                          fe.n_mels, want);
        goto fail;
    }
    r->rate = fe.sample_rate;
    if (!(r->mel = codec_melspec_create(&fe, err))) {
        st = err && err->code ? err->code : BASE_ENOMEM;
        goto fail;
    }
    for (size_t i = 0; i < codec_agent_param_count(r->a); i++) {
        const char *name = codec_agent_param_name(r->a, i);
        double n = (double)codec_agent_param_size(r->a, i);
        if (!strncmp(name, "enc.", 4))
            r->enc_params += n;
        else if (!strncmp(name, "dec.", 4))
            r->dec_params += n;
    }
    *out = r;
    return BASE_OK;
fail:
    codec_recognizer_destroy(r);
    return st;
}

const codec_agent *codec_recognizer_agent(const codec_recognizer *r)
{
    return r->a;
}

int codec_recognizer_rate(const codec_recognizer *r)
{
    return r->rate;
}

int codec_recognizer_latent_dim(const codec_recognizer *r)
{
    return codec_agent_latent_dim(r->a);
}

double codec_recognizer_encoder_params(const codec_recognizer *r)
{
    return r->enc_params;
}

double codec_recognizer_decoder_params(const codec_recognizer *r)
{
    return r->dec_params;
}

int codec_recognizer_latent_len(const codec_recognizer *r, size_t n)
{
    size_t T = codec_melspec_frames(r->mel, n);
    int tz = T && T <= MAX_FRAMES ? codec_agent_latent_len(r->a, (int)T) : 0;
    return tz > 0 ? tz : 0;
}

void codec_recognizer_ws_destroy(codec_recognizer_ws *ws)
{
    if (!ws) return;
    codec_melspec_work_destroy(ws->mw);
    codec_agent_ws_destroy(ws->ws);
    codec_beam_destroy(ws->beam);
    free(ws->mel);
    free(ws->z);
    free(ws->logp);
    free(ws->text);
    free(ws);
}

base_status codec_recognizer_ws_create(codec_recognizer_ws **out, const codec_recognizer *r,
                                       const codec_lexicon *lex, const codec_beam_config *beam,
                                       base_err *err)
{
    *out = NULL;
    base_status st = BASE_ENOMEM;
    codec_recognizer_ws *ws = calloc(1, sizeof *ws);
    if (!ws) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    if (!(ws->mw = codec_melspec_work_create(r->mel, err))) {
        st = err && err->code ? err->code : BASE_ENOMEM;
        goto fail;
    }
    if (beam && (st = codec_beam_create(&ws->beam, lex, beam, err)) != BASE_OK) goto fail;
    ws->upsample = codec_agent_get_config(r->a)->upsample;
    ws->cap_text = 256;
    if (!(ws->text = malloc(ws->cap_text))) {
        st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        goto fail;
    }
    ws->text[0] = 0;
    *out = ws;
    return BASE_OK;
fail:
    codec_recognizer_ws_destroy(ws);
    return st;
}

base_status codec_recognizer_ws_set_beam(codec_recognizer_ws *ws, const codec_beam_config *beam,
                                         base_err *err)
{
    if (!ws->beam)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "a greedy recognizer has no beam decoder");
    return codec_beam_set_config(ws->beam, beam, err);
}

/* The agent's work space must hold t frames; grown with headroom so that a
 * corpus of similar lengths does not reallocate every utterance. */
static base_status ensure_agent_ws(const codec_recognizer *r, codec_recognizer_ws *ws, int t,
                                   base_err *err)
{
    if (ws->ws && codec_agent_ws_max_frames(ws->ws) >= t) return BASE_OK;
    codec_agent_ws_destroy(ws->ws);
    ws->ws = NULL;
    int cap = t < 3000 ? 3000 : t + t / 4;
    return codec_agent_ws_create(&ws->ws, r->a, cap, err);
}

base_status codec_recognizer_frontend(const codec_recognizer *r, codec_recognizer_ws *ws,
                                      const float *x, size_t n, base_err *err)
{
    size_t T = codec_melspec_frames(r->mel, n);
    int M = codec_melspec_bands(r->mel);
    ws->frames = 0;
    if (grow(&ws->mel, &ws->cap_mel, (T ? T : 1) * (size_t)M))
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    base_status st = codec_melspec_execute(r->mel, ws->mw, x, n, ws->mel, NULL, err);
    if (st == BASE_OK) ws->frames = T;
    return st;
}

base_status codec_recognizer_encode(const codec_recognizer *r, codec_recognizer_ws *ws, int *tz,
                                    base_err *err)
{
    size_t T = ws->frames;
    *tz = 0;
    if (T > MAX_FRAMES)
        return base_err_set(err, BASE_ERANGE, NULL, 0, "audio too long (%zu frames)", T);
    int t = T ? codec_agent_latent_len(r->a, (int)T) : 0;
    if (t <= 0) return BASE_OK;
    base_status st = ensure_agent_ws(r, ws, (int)T, err);
    if (st != BASE_OK) return st;
    if (grow(&ws->z, &ws->cap_z, (size_t)t * (size_t)codec_agent_latent_dim(r->a)))
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    if ((st = codec_agent_encode(r->a, ws->ws, ws->mel, (int)T, ws->z, err)) != BASE_OK) return st;
    *tz = t;
    return BASE_OK;
}

const float *codec_recognizer_latents(const codec_recognizer_ws *ws)
{
    return ws->z;
}

base_status codec_recognizer_decode(const codec_recognizer *r, codec_recognizer_ws *ws,
                                    const float *z, int tz, base_err *err)
{
    if (tz < 1) return base_err_set(err, BASE_EINVAL, NULL, 0, "no latent frames to decode");
    base_status st = ensure_agent_ws(r, ws, tz, err);
    if (st != BASE_OK) return st;
    if (grow(&ws->logp, &ws->cap_logp, (size_t)codec_agent_ctc_len(r->a, tz) * CODEC_VOCAB_SIZE))
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    return codec_agent_decode(r->a, ws->ws, z, tz, ws->logp, err);
}

const float *codec_recognizer_logp(const codec_recognizer_ws *ws)
{
    return ws->logp;
}

base_status codec_recognizer_text(codec_recognizer_ws *ws, const float *logp, int tz,
                                  const char **text, base_err *err)
{
    for (;;) {
        size_t len = 0;
        if (!ws->beam) {
            len = codec_decode_greedy(logp, tz * ws->upsample, CODEC_VOCAB_SIZE, ws->text,
                                      ws->cap_text);
        } else {
            base_status st = codec_beam_decode(ws->beam, logp, tz * ws->upsample, CODEC_VOCAB_SIZE,
                                               ws->text, ws->cap_text, &len, NULL, err);
            if (st != BASE_OK) return st;
        }
        if (len < ws->cap_text) {
            *text = ws->text;
            return BASE_OK;
        }
        char *t = realloc(ws->text, len + 64);
        if (!t) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        ws->text = t;
        ws->cap_text = len + 64;
    }
}
