/* train.c -- CTC training of an agent (see train.h): the data (codecs/
 * train_data) and the recipe (codecs/recipe) in, the shared loop
 * (codecs/ctc_train) run with the agent's hooks, dev CER/WER by the sclite
 * aligner (codecs/align), checkpoints and the model file out. */
#define _GNU_SOURCE /* qsort_r */
#include "codecs/train.h"

#include "codecs/agent_arch.h"
#include "codecs/align.h"
#include "codecs/ctc.h"
#include "codecs/ctc_train.h"
#include "codecs/frontend.h"
#include "codecs/modelfile.h"
#include "codecs/train_data.h"
#include "codecs/vocab.h"
#include "base/pool.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef codec_train_utt utt;

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

/* ---- workers --------------------------------------------------------------------- */

typedef struct worker {
    codec_agent_ws *ws;
    codec_melspec_work *qw;
    codec_augment *aug;
    float *wav, *mel, *dl, *lp;
    double *ctc;
} worker;

typedef struct trainer {
    codec_train_config *c;
    codec_agent *a;
    codec_melspec *q;
    codec_train_set train, dev;
    codec_augment_talkers babble; /* the training utterances */
    worker *w;
    int nw;
    /* batching: utterances sorted by length, cut into batches, batch order shuffled per epoch */
    size_t *order, *batches;
    size_t nb;
    long epoch_of_perm;
    /* dev evaluation: per-utterance counts, (dev_n) */
    int dev_n;
    codec_align_counts *dev_chars, *dev_words;
    int *dev_ok;
    /* the run */
    const char *out_model;
    const volatile sig_atomic_t *stop;
    const base_log *lg;
    codec_train_result *r;
    codec_ctc_train *ct;
    double t_start, t_loop, t_win, best;
    long step0, total;
    double win_loss, audio_win;
    long win_n, win_bad;
} trainer;

/* One utterance (the ctc_train item hook): augmented features, forward, CTC, backward. */
static base_status train_one(void *ctx, int wi, long step, int j, int n, size_t idx, float *g,
                             double *loss_out)
{
    trainer *tr = ctx;
    worker *w = &tr->w[wi];
    const codec_train_config *c = tr->c;
    const utt *u = &tr->train.u[idx];
    uint64_t run = (uint64_t)step * (uint64_t)c->batch + (uint64_t)j;
    base_rng ra, rd;
    base_rng_init(&ra, c->seed, run, base_rng_component("train.augment"));
    base_rng_init(&rd, c->seed, run, base_rng_component("train.dropout"));
    int frames = codec_train_features(c, tr->q, w->qw, u, w->wav, w->mel, w->aug, &ra, &tr->babble);
    const float *logits;
    int tz;
    if (codec_agent_forward_train(tr->a, w->ws, w->mel, frames, &rd, &logits, &tz, NULL))
        return BASE_ERANGE;
    int tc = codec_agent_ctc_len(tr->a, tz);
    memset(w->dl, 0, sizeof(float) * (size_t)tc * CODEC_VOCAB_SIZE);
    double loss = 0;
    base_status st = codec_ctc_loss(&loss, w->dl, 1.0f / (float)n, logits, tc, CODEC_VOCAB_SIZE,
                                    u->lab, u->l, w->ctc, NULL);
    if (st) return st;
    *loss_out = loss;
    codec_agent_backward(tr->a, w->ws, w->dl, g);
    return BASE_OK;
}

/* The batch hook: epoch e's batch order from stream (seed, e, "train.batches"). */
static void next_batch(void *ctx, long step, const size_t **idx, int *n)
{
    trainer *tr = ctx;
    const size_t N = tr->train.n, B = (size_t)tr->c->batch;
    long epoch = step / (long)tr->nb, pos = step % (long)tr->nb;
    if (epoch != tr->epoch_of_perm) {
        base_rng rb;
        base_rng_init(&rb, tr->c->seed, (uint64_t)epoch, base_rng_component("train.batches"));
        for (size_t i = 0; i < tr->nb; i++) tr->batches[i] = i;
        base_rng_shuffle(&rb, tr->batches, tr->nb);
        tr->epoch_of_perm = epoch;
    }
    size_t b0 = tr->batches[pos] * B;
    *idx = tr->order + b0;
    *n = (int)(b0 + B <= N ? B : N - b0);
}

/* One dev utterance (a base/pool item): clean features -> greedy text ->
 * sclite character and word counts. */
static void dev_one(void *ctx, int wi, size_t i)
{
    trainer *tr = ctx;
    worker *w = &tr->w[wi];
    const utt *u = &tr->dev.u[i];
    int tz = codec_agent_latent_len(tr->a, u->frames);
    float *z = w->wav; /* wav scratch is large enough for z */
    char hyp[4096];
    codec_agent_encode(tr->a, w->ws, u->mel, u->frames, z, NULL);
    codec_agent_decode(tr->a, w->ws, z, tz, w->lp, NULL);
    codec_train_greedy(w->lp, codec_agent_ctc_len(tr->a, tz), CODEC_VOCAB_SIZE, hyp, sizeof hyp);
    tr->dev_ok[i] = !codec_align_chars(u->text, hyp, &tr->dev_chars[i], NULL) &&
                    !codec_align_words(u->text, hyp, &tr->dev_words[i], NULL);
}

/* Dev CER and WER (sclite's convention) over the dev utterances. */
static void dev_eval(trainer *tr, double *cer, double *wer)
{
    base_pool_run(tr->nw, (size_t)tr->dev_n, dev_one, tr);
    codec_align_counts ch = {0}, wd = {0};
    for (int i = 0; i < tr->dev_n; i++) {
        if (!tr->dev_ok[i]) continue;
        codec_align_add(&ch, &tr->dev_chars[i]);
        codec_align_add(&wd, &tr->dev_words[i]);
    }
    *cer = ch.ref ? (double)codec_align_errors(&ch) / (double)ch.ref : NAN;
    *wer = wd.ref ? (double)codec_align_errors(&wd) / (double)wd.ref : NAN;
}

/* ---- checkpoints ------------------------------------------------------------------ */

#define CKPT_MAGIC "SEMSIMCK"
#define CKPT_VERSION 2u /* 2: the family is a codec_family in the header */

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

/* Starts from the weights of model file path (train.init): same architecture
 * required; the optimiser state starts afresh. */
static base_status init_load(const char *path, codec_agent *a, base_err *err)
{
    codec_agent *src = NULL;
    base_status st = codec_agent_load(path, &src, NULL, err);
    if (st) return st;
    if (!codec_arch_equal(codec_agent_get_config(src), codec_agent_get_config(a)) ||
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
    } else if (!codec_arch_equal(&h.agent, &c->agent) || h.nfloats != n) {
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

/* The training manifests and the dev set (an evenly spread subset of dev_max
 * utterances: all voices and lists). */
static base_status load_data(trainer *tr, int max_frames, base_err *err)
{
    const codec_train_config *c = tr->c;
    const int rate = c->frontend.sample_rate;
    size_t skipped = 0;
    for (int i = 0; i < c->n_train; i++) {
        base_log_info(tr->lg, "train: loading %s", c->train[i]);
        base_status st = codec_train_set_load(&tr->train, c->train[i], tr->a, tr->q, rate,
                                              max_frames, tr->nw, &skipped, err);
        if (st) return st;
    }
    if (tr->train.n == 0)
        return base_err_set(err, BASE_EINVAL, c->train[0], 0, "no usable training utterances");
    double audio_s = 0;
    for (size_t i = 0; i < tr->train.n; i++) audio_s += (double)tr->train.u[i].n / rate;
    base_log_info(tr->lg,
                  "train: %zu utterances (%.1f h of audio), %zu skipped (too long or too fast)",
                  tr->train.n, audio_s / 3600, skipped);
    if (!c->dev[0]) return BASE_OK;
    size_t dskip = 0;
    base_status st =
        codec_train_set_load(&tr->dev, c->dev, tr->a, tr->q, rate, 1 << 30, tr->nw, &dskip, err);
    if (st) return st;
    codec_train_set *d = &tr->dev;
    if (c->dev_max > 0 && d->n > (size_t)c->dev_max) {
        size_t keep = (size_t)c->dev_max;
        for (size_t k = 0; k < keep; k++) {
            size_t src = k * d->n / keep;
            utt t = d->u[k];
            d->u[k] = d->u[src];
            d->u[src] = t;
        }
        for (size_t k = keep; k < d->n; k++)
            free(d->u[k].wav), free(d->u[k].lab), free(d->u[k].text);
        d->n = keep;
    }
    tr->dev_n = (int)d->n;
    base_log_info(tr->lg, "train: dev %s: %d utterances scored every %d steps", c->dev, tr->dev_n,
                  c->eval_every);
    return BASE_OK;
}

/* Per-worker scratch for the longest utterance, then the clean dev features
 * (computed once) and the dev counts. */
static base_status workers_create(trainer *tr, int max_frames, base_err *err)
{
    const codec_train_config *c = tr->c;
    int ws_frames = max_frames;
    for (size_t i = 0; i < tr->dev.n; i++)
        if (tr->dev.u[i].frames > ws_frames) ws_frames = tr->dev.u[i].frames;
    size_t max_in = 1;
    for (size_t i = 0; i < tr->train.n; i++)
        if (tr->train.u[i].n > max_in) max_in = tr->train.u[i].n;
    size_t max_samples = codec_augment_max_out(&c->aug, max_in); /* speed lengthens */
    int aug_frames = (int)codec_melspec_frames(tr->q, max_samples);
    if (aug_frames > ws_frames) ws_frames = aug_frames;
    for (size_t i = 0; i < tr->dev.n; i++)
        if (tr->dev.u[i].n > max_samples) max_samples = tr->dev.u[i].n;
    int tzmax = codec_agent_latent_len(tr->a, ws_frames);
    int tcmax = codec_agent_ctc_len(tr->a, tzmax); /* CTC frames */
    int lmax = 1;
    for (size_t i = 0; i < tr->train.n; i++)
        if (tr->train.u[i].l > lmax) lmax = tr->train.u[i].l;
    size_t zfloats = (size_t)tzmax * c->agent.d;
    if (max_samples < zfloats) max_samples = zfloats;
    tr->w = calloc((size_t)tr->nw, sizeof *tr->w);
    if (!tr->w) goto nomem;
    for (int w = 0; w < tr->nw; w++) {
        worker *wk = &tr->w[w];
        base_status st = codec_agent_ws_create(&wk->ws, tr->a, ws_frames, err);
        if (st) return st;
        wk->qw = codec_melspec_work_create(tr->q, err);
        codec_melspec_config fc;
        codec_melspec_get_config(tr->q, &fc);
        wk->aug = codec_augment_create(&c->aug, c->frontend.sample_rate, max_in, fc.n_mels,
                                       fc.f_min, fc.f_max, err);
        if (!wk->aug) return err && err->code ? err->code : BASE_ENOMEM;
        wk->wav = malloc(max_samples * sizeof(float));
        wk->mel = malloc((size_t)ws_frames * c->agent.n_mels * sizeof(float));
        wk->dl = malloc((size_t)tcmax * CODEC_VOCAB_SIZE * sizeof(float));
        wk->lp = malloc((size_t)tcmax * CODEC_VOCAB_SIZE * sizeof(float));
        wk->ctc = malloc(codec_ctc_workspace_size(tcmax, lmax) * sizeof(double));
        if (!wk->qw || !wk->wav || !wk->mel || !wk->dl || !wk->lp || !wk->ctc) goto nomem;
    }
    for (size_t i = 0; i < tr->dev.n; i++) {
        utt *u = &tr->dev.u[i];
        u->mel = malloc((size_t)u->frames * c->agent.n_mels * sizeof(float));
        if (!u->mel) goto nomem;
        codec_train_features(c, tr->q, tr->w[0].qw, u, tr->w[0].wav, u->mel, NULL, NULL, NULL);
        free(u->wav);
        u->wav = NULL;
    }
    tr->dev_chars = calloc(tr->dev.n + 1, sizeof *tr->dev_chars);
    tr->dev_words = calloc(tr->dev.n + 1, sizeof *tr->dev_words);
    tr->dev_ok = calloc(tr->dev.n + 1, sizeof *tr->dev_ok);
    if (!tr->dev_chars || !tr->dev_words || !tr->dev_ok) goto nomem;
    return BASE_OK;
nomem:
    return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
}

/* Length buckets: utterances sorted by frames, cut into batches of consecutive ones. */
static base_status make_batches(trainer *tr, base_err *err)
{
    size_t N = tr->train.n, B = (size_t)tr->c->batch;
    tr->nb = (N + B - 1) / B;
    tr->order = malloc(N * sizeof *tr->order);
    tr->batches = malloc(tr->nb * sizeof *tr->batches);
    if (!tr->order || !tr->batches) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    for (size_t i = 0; i < N; i++) tr->order[i] = i;
    qsort_r(tr->order, N, sizeof *tr->order, cmp_frames, tr->train.u);
    tr->epoch_of_perm = -1;
    return BASE_OK;
}

/* The stop hook: the caller's flag, the time limit, this run's step budget. */
static int should_stop(void *ctx, long step)
{
    const trainer *tr = ctx;
    const codec_train_config *c = tr->c;
    if (tr->stop && *tr->stop) return 1;
    if (c->time_limit_min > 0 && now_s() - tr->t_start > 60 * c->time_limit_min) return 1;
    return c->run_steps > 0 && step - tr->step0 >= c->run_steps;
}

static void log_window(trainer *tr, long step, double gnorm)
{
    double el = now_s() - tr->t_loop, per = el / (double)(step - tr->step0);
    char eta[32];
    fmt_dur(eta, sizeof eta, per * (double)(tr->total - step));
    tr->r->last_loss = tr->win_n ? tr->win_loss / tr->win_n : NAN;
    base_log_info(tr->lg,
                  "epoch %ld step %ld/%ld loss %.3f lr %.2e gnorm %.2f | %.0fx real time | "
                  "ETA %s%s",
                  step / (long)tr->nb + 1, step, tr->total, tr->r->last_loss,
                  codec_optim_lr(&tr->c->optim, step - 1), gnorm,
                  tr->audio_win / (now_s() - tr->t_win), eta,
                  tr->win_bad ? " (some CTC-infeasible)" : "");
    tr->win_loss = 0, tr->win_n = 0, tr->win_bad = 0, tr->audio_win = 0, tr->t_win = now_s();
}

static base_status checkpoint(trainer *tr, long step, base_err *err)
{
    return ckpt_save(tr->c->checkpoint, tr->c, codec_agent_params(tr->a),
                     codec_ctc_train_moment(tr->ct, 0), codec_ctc_train_moment(tr->ct, 1),
                     codec_agent_num_floats(tr->a), step, tr->best, err);
}

/* The after hook: loss window and log, dev evaluation (saving the best model), checkpoints. */
static base_status after_step(void *ctx, const codec_ctc_train_step *s, base_err *err)
{
    trainer *tr = ctx;
    const codec_train_config *c = tr->c;
    codec_train_result *r = tr->r;
    for (int j = 0; j < s->n; j++) {
        if (s->status[j]) {
            tr->win_bad++;
            continue;
        }
        tr->win_loss += s->loss[j];
        tr->win_n++;
        tr->audio_win += (double)tr->train.u[s->idx[j]].n / c->frontend.sample_rate;
    }
    long step = s->step + 1;
    int last = step == tr->total;
    if (step % c->log_every == 0 || last) log_window(tr, step, s->gnorm);
    if (tr->dev_n && (step % c->eval_every == 0 || last)) {
        double t0 = now_s();
        dev_eval(tr, &r->dev_cer, &r->dev_wer);
        int improved = r->dev_cer < tr->best;
        base_log_info(tr->lg, "dev: CER %.2f%% WER %.2f%% (greedy, %d utts, %.1f s)%s",
                      100 * r->dev_cer, 100 * r->dev_wer, tr->dev_n, now_s() - t0,
                      improved ? (c->keep_last ? " -- best" : " -- best, saved") : "");
        if (improved) {
            tr->best = r->dev_cer;
            r->best_dev_cer = tr->best;
        }
        if (improved && !c->keep_last) {
            base_status st = save_model(tr, tr->out_model, step, r->dev_cer, r->dev_wer, err);
            if (st) return st;
        }
    }
    if (c->checkpoint[0] && (step % c->checkpoint_every == 0 || last))
        return checkpoint(tr, step, err);
    return BASE_OK;
}

/* Resumes from the checkpoint, or starts from train.init's weights. */
static base_status restore(trainer *tr, long *step, base_err *err)
{
    codec_train_config *c = tr->c;
    if (c->checkpoint[0]) {
        base_status st = ckpt_load(
            c->checkpoint, c, codec_agent_params(tr->a), codec_ctc_train_moment(tr->ct, 0),
            codec_ctc_train_moment(tr->ct, 1), codec_agent_num_floats(tr->a), step, &tr->best, err);
        if (st == BASE_ENOTFOUND)
            st = BASE_OK;
        else if (st)
            return st;
        else
            base_log_info(tr->lg, "train: resumed from %s at step %ld (best dev CER %.2f%%)",
                          c->checkpoint, *step, 100 * tr->best);
    }
    if (*step == 0 && c->init[0]) {
        base_status st = init_load(c->init, tr->a, err);
        if (st) return st;
        base_log_info(tr->lg, "train: weights initialised from %s", c->init);
    }
    if (isfinite(tr->best)) tr->r->best_dev_cer = tr->best;
    return BASE_OK;
}

/* The schedule, the shared loop and what is left when it stops. */
static base_status train_loop(trainer *tr, base_err *err)
{
    codec_train_config *c = tr->c;
    codec_train_result *r = tr->r;
    tr->total = c->steps > 0 ? c->steps : (long)c->epochs * (long)tr->nb;
    c->optim.total_steps = tr->total;
    if (c->optim.warmup_steps >= tr->total) c->optim.warmup_steps = tr->total / 10;
    codec_ctc_train_config tc = {.params = codec_agent_params(tr->a),
                                 .nfloats = codec_agent_num_floats(tr->a),
                                 .max_batch = c->batch,
                                 .threads = tr->nw,
                                 .optim = c->optim};
    if (!(tr->ct = codec_ctc_train_create(&tc, err))) return err ? err->code : BASE_ENOMEM;
    r->params = codec_ctc_train_masks(tr->ct, tr->a, NULL);
    long step = 0;
    tr->best = INFINITY;
    base_status st = restore(tr, &step, err);
    if (st) return st;
    base_log_info(tr->lg,
                  "train: %s agent, d=%d, stride %d, %zu parameters; %zu batches of %d per epoch, "
                  "%ld steps, %d thread%s",
                  codec_family_name(c->agent.family), c->agent.d, c->agent.stride, r->params,
                  tr->nb, c->batch, tr->total, tr->nw, tr->nw > 1 ? "s" : "");
    tr->step0 = step;
    tr->t_loop = tr->t_win = now_s();
    codec_ctc_train_hooks hk = {tr, next_batch, train_one, should_stop, after_step};
    st = codec_ctc_train_run(tr->ct, &step, tr->total, &hk, err);
    if (st) return st;
    if (c->checkpoint[0] && step < tr->total && step > tr->step0) {
        st = checkpoint(tr, step, err);
        if (st) return st;
        base_log_info(tr->lg,
                      "train: stopped at step %ld of %ld; checkpoint %s (run again to resume)",
                      step, tr->total, c->checkpoint);
    }
    /* no dev set, or keep = last: the final weights (a re-run on a finished
     * checkpoint writes them too) */
    if ((!tr->dev_n && step > tr->step0) || (c->keep_last && step >= tr->total)) {
        int fresh = step > tr->step0 && tr->dev_n;
        st = save_model(tr, tr->out_model, step, fresh ? r->dev_cer : NAN, fresh ? r->dev_wer : NAN, err);
        if (st) return st;
    }
    r->steps_done = step;
    r->steps_total = tr->total;
    r->finished = step >= tr->total;
    return BASE_OK;
}

static void trainer_free(trainer *tr)
{
    if (tr->w)
        for (int w = 0; w < tr->nw; w++) {
            codec_agent_ws_destroy(tr->w[w].ws);
            codec_melspec_work_destroy(tr->w[w].qw);
            codec_augment_destroy(tr->w[w].aug);
            free(tr->w[w].wav), free(tr->w[w].mel), free(tr->w[w].dl), free(tr->w[w].lp);
            free(tr->w[w].ctc);
        }
    free(tr->w);
    free(tr->order), free(tr->batches);
    free(tr->dev_chars), free(tr->dev_words), free(tr->dev_ok);
    codec_ctc_train_destroy(tr->ct);
    codec_train_set_free(&tr->train);
    codec_train_set_free(&tr->dev);
    codec_melspec_destroy(tr->q);
    codec_agent_destroy(tr->a);
}

base_status codec_train_run(const codec_train_config *cin, const char *out_model,
                            const volatile sig_atomic_t *stop, const base_log *lg,
                            codec_train_result *res, base_err *err)
{
    if (!cin || !out_model) return base_err_set(err, BASE_EINVAL, NULL, 0, "NULL argument");
    base_status st = codec_train_config_check(cin, err);
    if (st) return st;
    codec_train_config c = *cin;
    codec_train_result r;
    memset(&r, 0, sizeof r);
    r.dev_cer = r.dev_wer = r.best_dev_cer = NAN;
    trainer tr;
    memset(&tr, 0, sizeof tr);
    tr.c = &c;
    tr.out_model = out_model;
    tr.stop = stop;
    tr.lg = lg;
    tr.r = &r;
    tr.nw = c.threads;
    tr.t_start = now_s();
    st = codec_agent_create(&tr.a, &c.agent, c.seed, err);
    if (st) goto out;
    if (!(tr.q = codec_melspec_create(&c.frontend, err))) {
        st = err ? err->code : BASE_EINVAL;
        goto out;
    }
    int max_frames =
        (int)codec_melspec_frames(tr.q, (size_t)(c.max_seconds * c.frontend.sample_rate));
    if ((st = load_data(&tr, max_frames, err))) goto out;
    tr.babble = codec_train_set_talkers(&tr.train);
    if ((st = workers_create(&tr, max_frames, err)) || (st = make_batches(&tr, err)) ||
        (st = train_loop(&tr, err)))
        goto out;
    r.train_utts = tr.train.n;
    r.dev_utts = tr.dev.n;
out:
    r.seconds = now_s() - tr.t_start;
    if (res) *res = r;
    trainer_free(&tr);
    return st;
}
