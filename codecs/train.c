/* train.c -- CTC training of an agent (see train.h). */
#define _GNU_SOURCE /* qsort_r */
#include "codecs/train.h"

#include "codecs/audio.h"
#include "codecs/ctc.h"
#include "codecs/frontend.h"
#include "codecs/manifest.h"
#include "codecs/modelfile.h"
#include "codecs/text.h"
#include "codecs/vocab.h"

#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- data --------------------------------------------------------------------- */

typedef struct utt {
    int16_t *wav; /* 16-bit samples at the front-end rate: half the memory of floats */
    size_t n;
    int *lab;
    int l;
    int frames;
    char *text; /* normalised transcript (dev scoring) */
    float *mel; /* dev only: clean features, (frames, n_mels) */
} utt;

typedef struct dataset {
    utt *u;
    size_t n, cap;
} dataset;

static void dataset_free(dataset *d)
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

/* Parallel audio loading: each worker loads entries i = w, w+W, ... */
typedef struct load_job {
    const codec_manifest *m;
    utt *out; /* one per manifest entry */
    int *ok;  /* 1 loaded, 0 skipped */
    size_t n;
    int w, nw;
    const codec_melspec *mel;
    int rate;
    base_status st;
    base_err err;
} load_job;

static void *load_worker(void *arg)
{
    load_job *j = arg;
    for (size_t i = (size_t)j->w; i < j->n; i += (size_t)j->nw) {
        float *x = NULL;
        size_t n = 0;
        base_status st =
            codec_audio_read(codec_manifest_audio_path(j->m, i), j->rate, &x, &n, &j->err);
        if (st) {
            j->st = st;
            return NULL;
        }
        utt *u = &j->out[i];
        u->wav = malloc(n * sizeof(int16_t));
        if (!u->wav) {
            free(x);
            j->st = base_err_set(&j->err, BASE_ENOMEM, NULL, 0, "out of memory loading audio");
            return NULL;
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
    return NULL;
}

/* Loads one manifest into d. Utterances longer than max_frames or whose
 * transcript cannot be aligned in the agent's latent frames are skipped
 * (counted in *skipped). */
static base_status load_manifest(dataset *d, const char *path, const codec_agent *a,
                                 const codec_melspec *mel, int rate, int max_frames, int threads,
                                 size_t *skipped, base_err *err)
{
    codec_manifest *m = NULL;
    base_status st = codec_manifest_read(path, &m, err);
    if (st) return st;
    size_t n = codec_manifest_size(m);
    utt *tmp = calloc(n ? n : 1, sizeof *tmp);
    int *ok = calloc(n ? n : 1, sizeof *ok);
    load_job *jobs = calloc((size_t)threads, sizeof *jobs);
    pthread_t *th = calloc((size_t)threads, sizeof *th);
    if (!tmp || !ok || !jobs || !th) {
        st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        goto done;
    }
    for (int w = 0; w < threads; w++) {
        jobs[w] = (load_job){
            .m = m, .out = tmp, .ok = ok, .n = n, .w = w, .nw = threads, .mel = mel, .rate = rate};
        if (w > 0 && pthread_create(&th[w], NULL, load_worker, &jobs[w]))
            jobs[w].st = BASE_EINTERNAL;
    }
    load_worker(&jobs[0]);
    for (int w = 1; w < threads; w++)
        if (jobs[w].st != BASE_EINTERNAL) pthread_join(th[w], NULL);
    for (int w = 0; w < threads; w++)
        if (jobs[w].st) {
            st = jobs[w].st;
            if (err) *err = jobs[w].err;
            if (st == BASE_EINTERNAL) st = base_err_set(err, st, NULL, 0, "cannot start a thread");
            goto done;
        }
    if (d->n + n > d->cap) {
        size_t cap = d->cap ? d->cap : 1024;
        while (cap < d->n + n) cap *= 2;
        utt *u = realloc(d->u, cap * sizeof *u);
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
        utt *u = &tmp[i];
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
    free(jobs);
    free(th);
    codec_manifest_destroy(m);
    if (st) base_err_locate(err, path, 0);
    return st;
}

/* ---- features and augmentation ------------------------------------------------ */

/* Waveform (+ noise at a random SNR) -> log-mel (+ SpecAugment masks). wav
 * scratch holds u->n floats; out holds u->frames * n_mels. */
static void make_features(const codec_train_config *c, const codec_melspec *q,
                          codec_melspec_work *qw, const utt *u, float *wav, float *out, base_rng *r,
                          int augment)
{
    for (size_t k = 0; k < u->n; k++) wav[k] = u->wav[k] * (1.0f / 32767.0f);
    if (augment && c->noise_prob > 0 && base_rng_uniform(r) < c->noise_prob) {
        double p = 0;
        for (size_t k = 0; k < u->n; k++) p += (double)wav[k] * wav[k];
        p /= (double)u->n;
        double snr = c->snr_min + (c->snr_max - c->snr_min) * base_rng_uniform(r);
        float sigma = (float)sqrt(p / pow(10.0, snr / 10.0));
        for (size_t k = 0; k < u->n; k++) wav[k] += sigma * (float)base_rng_normal(r);
    }
    size_t frames = 0;
    codec_melspec_execute(q, qw, wav, u->n, out, &frames, NULL);
    if (!augment) return;
    int T = (int)frames, M = c->frontend.n_mels;
    /* masked values are set to 0, the per-band mean after normalisation */
    for (int k = 0; k < c->time_masks && c->time_mask_max > 0; k++) {
        int w = (int)base_rng_below(r, (uint64_t)c->time_mask_max + 1);
        if (w > T / 5) w = T / 5; /* never hide more than a fifth per mask */
        if (w <= 0) continue;
        int t0 = (int)base_rng_below(r, (uint64_t)(T - w + 1));
        memset(out + (size_t)t0 * M, 0, sizeof(float) * (size_t)w * M);
    }
    for (int k = 0; k < c->freq_masks && c->freq_mask_max > 0; k++) {
        int w = (int)base_rng_below(r, (uint64_t)c->freq_mask_max + 1);
        if (w <= 0 || w >= M) continue;
        int f0 = (int)base_rng_below(r, (uint64_t)(M - w + 1));
        for (int t = 0; t < T; t++) memset(out + (size_t)t * M + f0, 0, sizeof(float) * w);
    }
}

int codec_train_greedy(const float *logprobs, int t, int v, char *out, int cap)
{
    int n = 0, prev = -1;
    for (int i = 0; i < t; i++) {
        const float *p = logprobs + (size_t)i * v;
        int best = 0;
        for (int k = 1; k < v; k++)
            if (p[k] > p[best]) best = k;
        if (best != prev && best != CODEC_VOCAB_BLANK && n < cap - 1) {
            char ch = codec_vocab_char(best);
            if (!(ch == ' ' && (n == 0 || out[n - 1] == ' '))) out[n++] = ch;
        }
        prev = best;
    }
    while (n > 0 && out[n - 1] == ' ') n--;
    if (cap > 0) out[n] = 0;
    return n;
}

/* Levenshtein distance between a[0..na) and b[0..nb) of tokens given as
 * offsets (unit cost; the official sclite-weighted score is `semsim eval`'s). */
static int edit_distance(const char **a, const int *la, int na, const char **b, const int *lb,
                         int nb, int *row)
{
    for (int j = 0; j <= nb; j++) row[j] = j;
    for (int i = 1; i <= na; i++) {
        int diag = row[0];
        row[0] = i;
        for (int j = 1; j <= nb; j++) {
            int up = row[j];
            int same = la[i - 1] == lb[j - 1] && !memcmp(a[i - 1], b[j - 1], (size_t)la[i - 1]);
            int best = diag + !same;
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[nb];
}

/* Splits s into char tokens (words = 0) or words (words = 1). */
static int tokens(const char *s, int words, const char **tok, int *len, int cap)
{
    int n = 0;
    if (!words) {
        for (int i = 0; s[i] && n < cap; i++) tok[n] = s + i, len[n++] = 1;
        return n;
    }
    const char *p = s;
    while (*p && n < cap) {
        while (*p == ' ') p++;
        if (!*p) break;
        const char *q = p;
        while (*q && *q != ' ') q++;
        tok[n] = p, len[n++] = (int)(q - p);
        p = q;
    }
    return n;
}

/* ---- workers --------------------------------------------------------------------- */

typedef struct worker {
    codec_agent_ws *ws;
    codec_melspec_work *qw;
    float *wav, *mel, *dl, *lp;
    double *ctc;
} worker;

typedef struct trainer {
    const codec_train_config *c;
    codec_agent *a;
    codec_melspec *q;
    dataset train, dev;
    worker *w;
    int nw;
    size_t nfloats;
    float *slots;   /* (batch, nfloats) per-utterance gradients */
    double *losses; /* (batch) */
    int *status;    /* (batch) CTC status per utterance */
    /* current job */
    const size_t *batch_idx;
    int batch_n;
    long step;
    atomic_int next;
    /* dev job */
    int dev_n;
    int *dev_edits, *dev_words_err, *dev_chars, *dev_words;
} trainer;

static void train_one(trainer *tr, worker *w, int j)
{
    const codec_train_config *c = tr->c;
    const utt *u = &tr->train.u[tr->batch_idx[j]];
    float *g = tr->slots + (size_t)j * tr->nfloats;
    memset(g, 0, tr->nfloats * sizeof(float));
    uint64_t run = (uint64_t)tr->step * (uint64_t)c->batch + (uint64_t)j;
    base_rng ra, rd;
    base_rng_init(&ra, c->seed, run, base_rng_component("train.augment"));
    base_rng_init(&rd, c->seed, run, base_rng_component("train.dropout"));
    make_features(c, tr->q, w->qw, u, w->wav, w->mel, &ra, 1);
    const float *logits;
    int tz;
    if (codec_agent_forward_train(tr->a, w->ws, w->mel, u->frames, &rd, &logits, &tz, NULL)) {
        tr->status[j] = BASE_ERANGE;
        return;
    }
    int tc = codec_agent_ctc_len(tr->a, tz);
    memset(w->dl, 0, sizeof(float) * (size_t)tc * CODEC_VOCAB_SIZE);
    double loss = 0;
    base_status st = codec_ctc_loss(&loss, w->dl, 1.0f / (float)tr->batch_n, logits, tc,
                                    CODEC_VOCAB_SIZE, u->lab, u->l, w->ctc, NULL);
    tr->status[j] = st;
    tr->losses[j] = st ? 0 : loss;
    if (st) return;
    codec_agent_backward(tr->a, w->ws, w->dl, g);
}

static void dev_one(trainer *tr, worker *w, int i)
{
    const utt *u = &tr->dev.u[i];
    int tz = codec_agent_latent_len(tr->a, u->frames);
    float *z = w->wav; /* wav scratch is large enough for z */
    char hyp[4096];
    codec_agent_encode(tr->a, w->ws, u->mel, u->frames, z, NULL);
    codec_agent_decode(tr->a, w->ws, z, tz, w->lp, NULL);
    codec_train_greedy(w->lp, codec_agent_ctc_len(tr->a, tz), CODEC_VOCAB_SIZE, hyp, sizeof hyp);
    static const int CAP = 4096;
    const char **ta = malloc(sizeof(char *) * CAP * 2);
    int *la = malloc(sizeof(int) * (CAP * 2 + CAP + 1));
    if (!ta || !la) {
        free(ta), free(la);
        tr->dev_edits[i] = -1;
        return;
    }
    const char **tb = ta + CAP;
    int *lb = la + CAP, *row = la + 2 * CAP;
    int na = tokens(u->text, 0, ta, la, CAP / 2), nb = tokens(hyp, 0, tb, lb, CAP / 2);
    tr->dev_edits[i] = edit_distance(ta, la, na, tb, lb, nb, row);
    tr->dev_chars[i] = na;
    na = tokens(u->text, 1, ta, la, CAP / 2), nb = tokens(hyp, 1, tb, lb, CAP / 2);
    tr->dev_words_err[i] = edit_distance(ta, la, na, tb, lb, nb, row);
    tr->dev_words[i] = na;
    free(ta);
    free(la);
}

typedef struct thread_arg {
    trainer *tr;
    int w;
    int dev; /* 0 train batch, 1 dev evaluation */
} thread_arg;

static void *thread_main(void *arg)
{
    thread_arg *ta = arg;
    trainer *tr = ta->tr;
    int limit = ta->dev ? tr->dev_n : tr->batch_n;
    for (;;) {
        int j = atomic_fetch_add(&tr->next, 1);
        if (j >= limit) break;
        if (ta->dev)
            dev_one(tr, &tr->w[ta->w], j);
        else
            train_one(tr, &tr->w[ta->w], j);
    }
    return NULL;
}

/* Runs the current job on all workers (the calling thread is worker 0). */
static void run_parallel(trainer *tr, int dev)
{
    pthread_t th[64];
    thread_arg args[64];
    int started[64] = {0};
    atomic_store(&tr->next, 0);
    for (int w = 1; w < tr->nw; w++) {
        args[w] = (thread_arg){tr, w, dev};
        started[w] = !pthread_create(&th[w], NULL, thread_main, &args[w]);
    }
    args[0] = (thread_arg){tr, 0, dev};
    thread_main(&args[0]);
    for (int w = 1; w < tr->nw; w++)
        if (started[w]) pthread_join(th[w], NULL);
}

static void dev_eval(trainer *tr, double *cer, double *wer)
{
    run_parallel(tr, 1);
    long e = 0, n = 0, we = 0, wn = 0;
    for (int i = 0; i < tr->dev_n; i++) {
        if (tr->dev_edits[i] < 0) continue;
        e += tr->dev_edits[i], n += tr->dev_chars[i];
        we += tr->dev_words_err[i], wn += tr->dev_words[i];
    }
    *cer = n ? (double)e / n : NAN;
    *wer = wn ? (double)we / wn : NAN;
}

/* ---- checkpoints ------------------------------------------------------------------ */

#define CKPT_MAGIC "SEMSIMCK"
#define CKPT_VERSION 1u

typedef struct ckpt_header {
    char magic[8];
    uint32_t version;
    uint32_t pad;
    codec_agent_config agent;
    uint64_t seed;
    uint64_t nfloats;
    int64_t step;
    double best_cer;
} ckpt_header;

static base_status ckpt_save(const char *path, const codec_train_config *c, const float *p,
                             const float *m, const float *v, size_t n, long step, double best,
                             base_err *err)
{
    char tmp[CODEC_TRAIN_PATH + 16];
    snprintf(tmp, sizeof tmp, "%s.partial", path);
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return base_err_set(err, BASE_EIO, tmp, 0, "cannot write checkpoint: %s", strerror(errno));
    ckpt_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, CKPT_MAGIC, 8);
    h.version = CKPT_VERSION;
    h.agent = c->agent;
    h.seed = c->seed;
    h.nfloats = n;
    h.step = step;
    h.best_cer = best;
    int bad = fwrite(&h, sizeof h, 1, f) != 1 || fwrite(p, sizeof(float), n, f) != n ||
              fwrite(m, sizeof(float), n, f) != n || fwrite(v, sizeof(float), n, f) != n;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path)) {
        remove(tmp);
        return base_err_set(err, BASE_EIO, path, 0, "cannot write checkpoint");
    }
    return BASE_OK;
}

static int agent_config_equal(const codec_agent_config *a, const codec_agent_config *b)
{
    return !strncmp(a->family, b->family, sizeof a->family) && a->n_mels == b->n_mels &&
           a->vocab == b->vocab && a->d == b->d && a->stride == b->stride && a->width == b->width &&
           a->kernel0 == b->kernel0 && a->kernel == b->kernel && a->enc_depth == b->enc_depth &&
           a->dec_depth == b->dec_depth && a->dilation_max == b->dilation_max &&
           a->dropout == b->dropout && a->upsample == b->upsample;
}

/* Starts from the weights of model file path (train.init): same architecture
 * required; the optimiser state starts afresh. */
static base_status init_load(const char *path, codec_agent *a, base_err *err)
{
    codec_agent *src = NULL;
    base_status st = codec_agent_load(path, &src, NULL, err);
    if (st) return st;
    if (!agent_config_equal(codec_agent_get_config(src), codec_agent_get_config(a)) ||
        codec_agent_num_floats(src) != codec_agent_num_floats(a))
        st = base_err_set(err, BASE_EFORMAT, path, 0,
                          "train.init: model architecture differs from the recipe's [agent]");
    else
        memcpy(codec_agent_params(a), codec_agent_params(src),
               codec_agent_num_floats(a) * sizeof(float));
    codec_agent_destroy(src);
    return st;
}

/* BASE_ENOTFOUND when there is no checkpoint (a fresh start). */
static base_status ckpt_load(const char *path, const codec_train_config *c, float *p, float *m,
                             float *v, size_t n, long *step, double *best, base_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT) return BASE_ENOTFOUND;
        return base_err_set(err, BASE_EIO, path, 0, "cannot read checkpoint: %s", strerror(errno));
    }
    ckpt_header h;
    base_status st = BASE_OK;
    if (fread(&h, sizeof h, 1, f) != 1 || memcmp(h.magic, CKPT_MAGIC, 8) ||
        h.version != CKPT_VERSION) {
        st = base_err_set(err, BASE_EFORMAT, path, 0, "not a semsim training checkpoint");
    } else if (!agent_config_equal(&h.agent, &c->agent) || h.nfloats != n) {
        st = base_err_set(err, BASE_EFORMAT, path, 0,
                          "checkpoint is for a different architecture; remove it or change "
                          "train.checkpoint");
    } else if (h.seed != c->seed) {
        st = base_err_set(err, BASE_EFORMAT, path, 0, "checkpoint has seed %llu, config says %llu",
                          (unsigned long long)h.seed, (unsigned long long)c->seed);
    } else if (fread(p, sizeof(float), n, f) != n || fread(m, sizeof(float), n, f) != n ||
               fread(v, sizeof(float), n, f) != n) {
        st = base_err_set(err, BASE_EFORMAT, path, 0, "checkpoint is truncated");
    } else {
        *step = (long)h.step;
        *best = h.best_cer;
    }
    fclose(f);
    return st;
}

static base_status save_model(const trainer *tr, const char *path, long step, double cer,
                              double wer, base_err *err)
{
    codec_model *extra = codec_model_create(err);
    if (!extra) return err ? err->code : BASE_ENOMEM;
    base_status st = codec_frontend_to_model(&tr->c->frontend, extra, err);
    if (!st) st = codec_model_set_int(extra, "train.seed", (int64_t)tr->c->seed, err);
    if (!st) st = codec_model_set_int(extra, "train.steps", step, err);
    if (!st && isfinite(cer)) st = codec_model_set_double(extra, "train.dev_cer_greedy", cer, err);
    if (!st && isfinite(wer)) st = codec_model_set_double(extra, "train.dev_wer_greedy", wer, err);
    if (!st) st = codec_agent_save(tr->a, extra, path, err);
    codec_model_destroy(extra);
    return st;
}

/* ---- the run ----------------------------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_frames(const void *a, const void *b, void *ctx)
{
    const utt *u = ctx;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    if (u[i].frames != u[j].frames) return u[i].frames < u[j].frames ? -1 : 1;
    return i < j ? -1 : i > j;
}

static void fmt_dur(char *buf, size_t n, double s)
{
    if (s < 0 || !isfinite(s)) s = 0;
    long m = (long)(s / 60 + 0.5);
    if (m >= 60)
        snprintf(buf, n, "%ldh%02ldm", m / 60, m % 60);
    else
        snprintf(buf, n, "%ldm", m);
}

base_status codec_train_run(const codec_train_config *cin, const char *out_model,
                            const volatile sig_atomic_t *stop, const base_log *lg,
                            codec_train_result *res, base_err *err)
{
    if (!cin || !out_model) return base_err_set(err, BASE_EINVAL, NULL, 0, "NULL argument");
    base_status st = codec_train_config_check(cin, err);
    if (st) return st;
    codec_train_config c = *cin;
    trainer tr;
    memset(&tr, 0, sizeof tr);
    tr.c = &c;
    double t_start = now_s();
    codec_train_result r;
    memset(&r, 0, sizeof r);
    r.dev_cer = r.dev_wer = r.best_dev_cer = NAN;
    float *m = NULL, *v = NULL, *grad = NULL;
    unsigned char *decay = NULL, *frozen = NULL;
    size_t *order = NULL, *batches = NULL;
    openblas_set_num_threads(1);

    st = codec_agent_create(&tr.a, &c.agent, c.seed, err);
    if (st) goto fail;
    tr.q = codec_melspec_create(&c.frontend, err);
    if (!tr.q) {
        st = err ? err->code : BASE_EINVAL;
        goto fail;
    }
    int rate = c.frontend.sample_rate;
    int max_frames = (int)codec_melspec_frames(tr.q, (size_t)(c.max_seconds * rate));
    tr.nw = c.threads;
    size_t skipped = 0;
    for (int i = 0; i < c.n_train; i++) {
        base_log_info(lg, "train: loading %s", c.train[i]);
        st = load_manifest(&tr.train, c.train[i], tr.a, tr.q, rate, max_frames, tr.nw, &skipped,
                           err);
        if (st) goto fail;
    }
    if (tr.train.n == 0) {
        st = base_err_set(err, BASE_EINVAL, c.train[0], 0, "no usable training utterances");
        goto fail;
    }
    double audio_s = 0;
    for (size_t i = 0; i < tr.train.n; i++) audio_s += (double)tr.train.u[i].n / rate;
    base_log_info(lg, "train: %zu utterances (%.1f h of audio), %zu skipped (too long or too fast)",
                  tr.train.n, audio_s / 3600, skipped);
    if (c.dev[0]) {
        size_t dskip = 0;
        st = load_manifest(&tr.dev, c.dev, tr.a, tr.q, rate, 1 << 30, tr.nw, &dskip, err);
        if (st) goto fail;
        /* an evenly spread subset of dev_max utterances (all voices and lists) */
        if (c.dev_max > 0 && tr.dev.n > (size_t)c.dev_max) {
            size_t keep = (size_t)c.dev_max;
            for (size_t k = 0; k < keep; k++) {
                size_t src = k * tr.dev.n / keep;
                utt t = tr.dev.u[k];
                tr.dev.u[k] = tr.dev.u[src];
                tr.dev.u[src] = t;
            }
            for (size_t k = keep; k < tr.dev.n; k++) {
                free(tr.dev.u[k].wav), free(tr.dev.u[k].lab), free(tr.dev.u[k].text);
            }
            tr.dev.n = keep;
        }
        tr.dev_n = (int)tr.dev.n;
        base_log_info(lg, "train: dev %s: %d utterances scored every %d steps", c.dev, tr.dev_n,
                      c.eval_every);
    }
    int ws_frames = max_frames;
    for (size_t i = 0; i < tr.dev.n; i++)
        if (tr.dev.u[i].frames > ws_frames) ws_frames = tr.dev.u[i].frames;
    size_t max_samples = 0;
    for (size_t i = 0; i < tr.train.n; i++)
        if (tr.train.u[i].n > max_samples) max_samples = tr.train.u[i].n;
    for (size_t i = 0; i < tr.dev.n; i++)
        if (tr.dev.u[i].n > max_samples) max_samples = tr.dev.u[i].n;
    int tzmax = codec_agent_latent_len(tr.a, ws_frames);
    int tcmax = codec_agent_ctc_len(tr.a, tzmax); /* CTC frames */
    int lmax = 1;
    for (size_t i = 0; i < tr.train.n; i++)
        if (tr.train.u[i].l > lmax) lmax = tr.train.u[i].l;
    size_t zfloats = (size_t)tzmax * c.agent.d;
    if (max_samples < zfloats) max_samples = zfloats;
    tr.w = calloc((size_t)tr.nw, sizeof *tr.w);
    if (!tr.w) goto nomem;
    for (int w = 0; w < tr.nw; w++) {
        worker *wk = &tr.w[w];
        st = codec_agent_ws_create(&wk->ws, tr.a, ws_frames, err);
        if (st) goto fail;
        wk->qw = codec_melspec_work_create(tr.q, err);
        wk->wav = malloc(max_samples * sizeof(float));
        wk->mel = malloc((size_t)ws_frames * c.agent.n_mels * sizeof(float));
        wk->dl = malloc((size_t)tcmax * CODEC_VOCAB_SIZE * sizeof(float));
        wk->lp = malloc((size_t)tcmax * CODEC_VOCAB_SIZE * sizeof(float));
        wk->ctc = malloc(codec_ctc_workspace_size(tcmax, lmax) * sizeof(double));
        if (!wk->qw || !wk->wav || !wk->mel || !wk->dl || !wk->lp || !wk->ctc) goto nomem;
    }
    /* clean dev features, computed once */
    for (size_t i = 0; i < tr.dev.n; i++) {
        utt *u = &tr.dev.u[i];
        u->mel = malloc((size_t)u->frames * c.agent.n_mels * sizeof(float));
        if (!u->mel) goto nomem;
        make_features(&c, tr.q, tr.w[0].qw, u, tr.w[0].wav, u->mel, NULL, 0);
        free(u->wav);
        u->wav = NULL;
    }
    tr.dev_edits = calloc(tr.dev.n + 1, sizeof(int));
    tr.dev_words_err = calloc(tr.dev.n + 1, sizeof(int));
    tr.dev_chars = calloc(tr.dev.n + 1, sizeof(int));
    tr.dev_words = calloc(tr.dev.n + 1, sizeof(int));
    if (!tr.dev_edits || !tr.dev_words_err || !tr.dev_chars || !tr.dev_words) goto nomem;

    /* length buckets: sort by frames, cut into batches of consecutive utterances */
    size_t N = tr.train.n, B = (size_t)c.batch;
    size_t nb = (N + B - 1) / B;
    order = malloc(N * sizeof *order);
    batches = malloc(nb * sizeof *batches);
    if (!order || !batches) goto nomem;
    for (size_t i = 0; i < N; i++) order[i] = i;
    qsort_r(order, N, sizeof *order, cmp_frames, tr.train.u);
    long total = c.steps > 0 ? c.steps : (long)c.epochs * (long)nb;
    c.optim.total_steps = total;
    if (c.optim.warmup_steps >= total) c.optim.warmup_steps = total / 10;
    st = codec_optim_check(&c.optim, err);
    if (st) goto fail;

    tr.nfloats = codec_agent_num_floats(tr.a);
    size_t n = tr.nfloats;
    m = calloc(n, sizeof(float));
    v = calloc(n, sizeof(float));
    grad = calloc(n, sizeof(float));
    decay = calloc(n, 1);
    frozen = calloc(n, 1);
    tr.slots = malloc(B * n * sizeof(float));
    tr.losses = calloc(B, sizeof(double));
    tr.status = calloc(B, sizeof(int));
    if (!m || !v || !grad || !decay || !frozen || !tr.slots || !tr.losses || !tr.status) goto nomem;
    r.params = 0;
    for (size_t i = 0; i < codec_agent_param_count(tr.a); i++) {
        size_t off = codec_agent_param_offset(tr.a, i), sz = codec_agent_param_size(tr.a, i);
        memset(decay + off, codec_agent_param_decays(tr.a, i), sz);
        memset(frozen + off, !codec_agent_param_trainable(tr.a, i), sz);
        if (codec_agent_param_trainable(tr.a, i)) r.params += sz;
    }
    long step = 0;
    double best = INFINITY;
    if (c.checkpoint[0]) {
        st = ckpt_load(c.checkpoint, &c, codec_agent_params(tr.a), m, v, n, &step, &best, err);
        if (st == BASE_ENOTFOUND)
            st = BASE_OK;
        else if (st)
            goto fail;
        else
            base_log_info(lg, "train: resumed from %s at step %ld (best dev CER %.2f%%)",
                          c.checkpoint, step, 100 * best);
    }
    if (step == 0 && c.init[0]) {
        st = init_load(c.init, tr.a, err);
        if (st) goto fail;
        base_log_info(lg, "train: weights initialised from %s", c.init);
    }
    if (isfinite(best)) r.best_dev_cer = best;
    base_log_info(lg,
                  "train: %s agent, d=%d, stride %d, %zu parameters; %zu batches of %zu per epoch, "
                  "%ld steps, %d thread%s",
                  c.agent.family, c.agent.d, c.agent.stride, r.params, nb, B, total, tr.nw,
                  tr.nw > 1 ? "s" : "");

    long epoch_of_perm = -1;
    double win_loss = 0;
    long win_n = 0, win_bad = 0;
    double t_loop = now_s();
    long step0 = step;
    double audio_win = 0;
    double t_win = now_s();
    while (step < total) {
        if (stop && *stop) break;
        if (c.time_limit_min > 0 && now_s() - t_start > 60 * c.time_limit_min) break;
        if (c.run_steps > 0 && step - step0 >= c.run_steps) break;
        long epoch = step / (long)nb, pos = step % (long)nb;
        if (epoch != epoch_of_perm) {
            base_rng rb;
            base_rng_init(&rb, c.seed, (uint64_t)epoch, base_rng_component("train.batches"));
            for (size_t i = 0; i < nb; i++) batches[i] = i;
            base_rng_shuffle(&rb, batches, nb);
            epoch_of_perm = epoch;
        }
        size_t b0 = batches[pos] * B;
        tr.batch_idx = order + b0;
        tr.batch_n = (int)(b0 + B <= N ? B : N - b0);
        tr.step = step;
        run_parallel(&tr, 0);
        /* fixed-order reduction of the per-utterance gradients */
        memcpy(grad, tr.slots, n * sizeof(float));
        for (int j = 1; j < tr.batch_n; j++) {
            const float *s = tr.slots + (size_t)j * n;
            for (size_t k = 0; k < n; k++) grad[k] += s[k];
        }
        for (int j = 0; j < tr.batch_n; j++) {
            if (tr.status[j]) {
                win_bad++;
                continue;
            }
            win_loss += tr.losses[j];
            win_n++;
            audio_win += (double)tr.train.u[tr.batch_idx[j]].n / rate;
        }
        double gnorm = codec_optim_step(&c.optim, step, codec_agent_params(tr.a), grad, m, v, decay,
                                        frozen, n);
        step++;
        if (step % c.log_every == 0 || step == total) {
            double el = now_s() - t_loop, per = el / (double)(step - step0);
            char eta[32];
            fmt_dur(eta, sizeof eta, per * (double)(total - step));
            r.last_loss = win_n ? win_loss / win_n : NAN;
            base_log_info(lg,
                          "epoch %ld step %ld/%ld loss %.3f lr %.2e gnorm %.2f | %.0fx real time | "
                          "ETA %s%s",
                          step / (long)nb + 1, step, total, r.last_loss,
                          codec_optim_lr(&c.optim, step - 1), gnorm, audio_win / (now_s() - t_win),
                          eta, win_bad ? " (some CTC-infeasible)" : "");
            win_loss = 0, win_n = 0, win_bad = 0, audio_win = 0, t_win = now_s();
        }
        int last = step == total;
        if (tr.dev_n && (step % c.eval_every == 0 || last)) {
            double t0 = now_s();
            dev_eval(&tr, &r.dev_cer, &r.dev_wer);
            int improved = r.dev_cer < best;
            base_log_info(lg, "dev: CER %.2f%% WER %.2f%% (greedy, %d utts, %.1f s)%s",
                          100 * r.dev_cer, 100 * r.dev_wer, tr.dev_n, now_s() - t0,
                          improved ? " -- best, saved" : "");
            if (improved) {
                best = r.dev_cer;
                r.best_dev_cer = best;
                st = save_model(&tr, out_model, step, r.dev_cer, r.dev_wer, err);
                if (st) goto fail;
            }
        }
        if (c.checkpoint[0] && (step % c.checkpoint_every == 0 || last)) {
            st = ckpt_save(c.checkpoint, &c, codec_agent_params(tr.a), m, v, n, step, best, err);
            if (st) goto fail;
        }
    }
    if (c.checkpoint[0] && step < total && step > step0) {
        st = ckpt_save(c.checkpoint, &c, codec_agent_params(tr.a), m, v, n, step, best, err);
        if (st) goto fail;
        base_log_info(lg, "train: stopped at step %ld of %ld; checkpoint %s (run again to resume)",
                      step, total, c.checkpoint);
    }
    if (!tr.dev_n && step > step0) {
        st = save_model(&tr, out_model, step, NAN, NAN, err);
        if (st) goto fail;
    }
    r.steps_done = step;
    r.steps_total = total;
    r.finished = step >= total;
    r.train_utts = tr.train.n;
    r.dev_utts = tr.dev.n;
    goto done;
nomem:
    st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
fail:
done:
    r.seconds = now_s() - t_start;
    if (res) *res = r;
    if (tr.w)
        for (int w = 0; w < tr.nw; w++) {
            codec_agent_ws_destroy(tr.w[w].ws);
            codec_melspec_work_destroy(tr.w[w].qw);
            free(tr.w[w].wav), free(tr.w[w].mel), free(tr.w[w].dl), free(tr.w[w].lp);
            free(tr.w[w].ctc);
        }
    free(tr.w);
    free(m), free(v), free(grad), free(decay), free(frozen);
    free(order), free(batches);
    free(tr.slots), free(tr.losses), free(tr.status);
    free(tr.dev_edits), free(tr.dev_words_err), free(tr.dev_chars), free(tr.dev_words);
    dataset_free(&tr.train);
    dataset_free(&tr.dev);
    codec_melspec_destroy(tr.q);
    codec_agent_destroy(tr.a);
    return st;
}
