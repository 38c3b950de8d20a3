/* train_data.c -- an agent's training data in memory: manifests loaded on
 * base/pool workers, features and augmentation (see train_data.h). */
#include "codecs/train_data.h"

#include "codecs/audio.h"
#include "codecs/manifest.h"
#include "codecs/text.h"
#include "codecs/vocab.h"
#include "base/pool.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void codec_train_set_free(codec_train_set *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->u[i].wav);
        free(d->u[i].lab);
        free(d->u[i].text);
        free(d->u[i].mel);
    }
    free(d->u);
    memset(d, 0, sizeof *d);
}

/* Parallel audio loading on base/pool: item i loads manifest entry i into
 * out[i]. A worker that fails keeps its first (lowest) failing item and its
 * error, and skips the rest; the lowest failing item over all workers is
 * reported, so the error does not depend on the thread count. */
typedef struct load_job {
    const codec_manifest *m;
    codec_train_utt *out; /* one per manifest entry */
    int *ok;              /* 1 loaded, 0 skipped */
    const codec_melspec *mel;
    int rate;
    size_t *fail_item; /* (workers) first failing item, SIZE_MAX = none */
    base_status *st;   /* (workers) */
    base_err *err;     /* (workers) */
} load_job;

static void load_one(void *ctx, int w, size_t i)
{
    load_job *j = ctx;
    if (j->fail_item[w] != SIZE_MAX) return;
    float *x = NULL;
    size_t n = 0;
    base_status st =
        codec_audio_read(codec_manifest_audio_path(j->m, i), j->rate, &x, &n, &j->err[w]);
    codec_train_utt *u = &j->out[i];
    if (!st && !(u->wav = malloc(n * sizeof(int16_t)))) {
        free(x);
        st = base_err_set(&j->err[w], BASE_ENOMEM, NULL, 0, "out of memory loading audio");
    }
    if (st) {
        j->st[w] = st;
        j->fail_item[w] = i;
        return;
    }
    for (size_t k = 0; k < n; k++) {
        float v = x[k] * 32767.0f;
        v = v > 32767.0f ? 32767.0f : v < -32767.0f ? -32767.0f : v;
        u->wav[k] = (int16_t)lrintf(v);
    }
    u->n = n;
    u->frames = (int)codec_melspec_frames(j->mel, n);
    free(x);
    j->ok[i] = 1;
}

/* Loads every entry of m into tmp/ok on `threads` workers. */
static base_status load_audio(const codec_manifest *m, codec_train_utt *tmp, int *ok,
                              const codec_melspec *mel, int rate, int threads, base_err *err)
{
    size_t n = codec_manifest_size(m);
    load_job j = {.m = m, .out = tmp, .ok = ok, .mel = mel, .rate = rate};
    j.fail_item = malloc((size_t)threads * sizeof *j.fail_item);
    j.st = calloc((size_t)threads, sizeof *j.st);
    j.err = calloc((size_t)threads, sizeof *j.err);
    base_status st = BASE_OK;
    if (!j.fail_item || !j.st || !j.err) {
        st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        goto out;
    }
    for (int w = 0; w < threads; w++) j.fail_item[w] = SIZE_MAX;
    base_pool_run(threads, n, load_one, &j);
    int first = -1;
    for (int w = 0; w < threads; w++)
        if (j.fail_item[w] != SIZE_MAX && (first < 0 || j.fail_item[w] < j.fail_item[first]))
            first = w;
    if (first >= 0) {
        st = j.st[first];
        if (err) *err = j.err[first];
    }
out:
    free(j.fail_item), free(j.st), free(j.err);
    return st;
}

/* Loads one manifest into d. Utterances longer than max_frames or whose
 * transcript cannot be aligned in the agent's latent frames are skipped
 * (counted in *skipped). */
base_status codec_train_set_load(codec_train_set *d, const char *path, const codec_agent *a,
                                 const codec_melspec *mel, int rate, int max_frames, int threads,
                                 size_t *skipped, base_err *err)
{
    codec_manifest *m = NULL;
    base_status st = codec_manifest_read(path, &m, err);
    if (st) return st;
    size_t n = codec_manifest_size(m);
    codec_train_utt *tmp = calloc(n ? n : 1, sizeof *tmp);
    int *ok = calloc(n ? n : 1, sizeof *ok);
    if (!tmp || !ok) {
        st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        goto done;
    }
    st = load_audio(m, tmp, ok, mel, rate, threads, err);
    if (st) goto done;
    if (d->n + n > d->cap) {
        size_t cap = d->cap ? d->cap : 1024;
        while (cap < d->n + n) cap *= 2;
        codec_train_utt *u = realloc(d->u, cap * sizeof *u);
        if (!u) {
            st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
            goto done;
        }
        d->u = u, d->cap = cap;
    }
    int *lab = malloc(4096 * sizeof(int));
    if (!lab) {
        st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        codec_train_utt *u = &tmp[i];
        char *norm = NULL;
        if (!ok[i]) continue;
        st = codec_text_normalise(codec_manifest_transcript(m, i), &norm, err);
        if (st) {
            free(lab);
            goto done;
        }
        size_t l = codec_vocab_encode(norm, lab, 4096);
        int tz = codec_agent_ctc_len(a, codec_agent_latent_len(a, u->frames));
        int need = (int)l;
        for (size_t k = 1; k < l && k < 4096; k++) need += lab[k] == lab[k - 1];
        if (l == 0 || l > 4096 || u->frames > max_frames || tz < need) {
            (*skipped)++;
            free(norm);
            free(u->wav);
            u->wav = NULL;
            continue;
        }
        u->lab = malloc(l * sizeof(int));
        if (!u->lab) {
            free(norm);
            free(lab);
            st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
            goto done;
        }
        memcpy(u->lab, lab, l * sizeof(int));
        u->l = (int)l;
        u->text = norm;
        d->u[d->n++] = *u;
        u->wav = NULL; /* now owned by d */
    }
    free(lab);
done:
    if (tmp)
        for (size_t i = 0; i < n; i++) free(tmp[i].wav);
    free(tmp);
    free(ok);
    codec_manifest_destroy(m);
    if (st) base_err_locate(err, path, 0);
    return st;
}

/* ---- features and augmentation ------------------------------------------------ */

static const int16_t *talker(void *ctx, size_t i, size_t *n)
{
    const codec_train_set *d = ctx;
    *n = d->u[i].n;
    return d->u[i].wav;
}

codec_augment_talkers codec_train_set_talkers(const codec_train_set *d)
{
    return (codec_augment_talkers){talker, (void *)d, d->n};
}

int codec_train_features(const codec_train_config *c, const codec_melspec *q,
                         codec_melspec_work *qw, const codec_train_utt *u, float *wav, float *out,
                         codec_augment *aug, base_rng *r, const codec_augment_talkers *babble)
{
    size_t n = u->n;
    for (size_t k = 0; k < n; k++) wav[k] = u->wav[k] * (1.0f / 32767.0f);
    if (aug) n = codec_augment_wave(aug, r, wav, n, babble);
    size_t frames = 0;
    codec_melspec_execute(q, qw, wav, n, out, &frames, NULL);
    if (aug) codec_augment_features(aug, r, out, (int)frames, c->frontend.n_mels);
    return (int)frames;
}
