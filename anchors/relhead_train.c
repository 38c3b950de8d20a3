/* relhead_train.c -- training the `relative` equalizer's head (see
 * relhead.h for the design).
 *
 * The receiver's latents are given (computed once by the caller with its
 * frozen encoder); each step projects the batch's latents on A_rx
 * (anchors/relative, one sgemm), standardises them and runs the decoder-only
 * agent forward and backward (codec_agent_decoder_forward_train/_backward)
 * with CTC, inside the shared loop of codecs/ctc_train.
 */
#include "anchors/relhead.h"

#include "anchors/relhead_impl.h"
#include "codecs/ctc.h"
#include "codecs/ctc_train.h"
#include "codecs/optim.h"
#include "codecs/text.h"
#include "codecs/vocab.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_THREADS 64

/* ---- training ------------------------------------------------------------------- */

typedef struct utt {
    const float *z;
    int t, l;
    int *lab;
    size_t oi; /* index in the data (the pool's latents) */
    int need;  /* CTC frames its labels need */
} utt;

typedef struct worker {
    codec_agent_ws *ws;
    float *r, *x, *dl;
    double *ctc;
} worker;

typedef struct trainer {
    anchor_relhead *h;
    const anchor_relhead_config *cfg;
    utt *u;
    size_t nu;
    const anchor_relhead_data *data;
    size_t n_pool;
    anchor_relative *pool_proj[ANCHOR_RELHEAD_MAX_POOL]; /* psi(., A_v) of each pool encoder */
    int upsample;
    worker w[MAX_THREADS];
    int nw;
    size_t *order;  /* (nu) this epoch's utterance order */
    size_t bsz, nb; /* utterances per step, steps per epoch */
    long epoch_of_perm;
    codec_optim_config oc; /* the learning-rate schedule, for the log */
    const base_log *lg;
    anchor_relhead_result *rr;
    double win, t_loop;
    long win_n, win_bad;
} trainer;

/* The emulated analog AWGN link (see relhead.h): r (t,K) in place, packets
 * of packet_frames frames, one SNR per utterance drawn from rng. */
static void channel_emulate(const anchor_relhead_config *cfg, base_rng *rng, float *r, size_t t,
                            size_t k)
{
    double snr = cfg->snr_lo_db + (cfg->snr_hi_db - cfg->snr_lo_db) * base_rng_uniform(rng);
    double n0 = pow(10.0, -snr / 10.0), sigma = sqrt(n0 / 2.0);
    const size_t pf = (size_t)cfg->packet_frames;
    for (size_t f0 = 0; f0 < t; f0 += pf) {
        size_t n = (t - f0 < pf ? t - f0 : pf) * k;
        float *x = r + f0 * k;
        double e = 0;
        for (size_t i = 0; i < n; i++) e += (double)x[i] * x[i];
        double a = e > 0 ? sqrt((double)((n + 1) / 2) / e) : 1.0;
        for (size_t i = 0; i < n; i++)
            x[i] = (float)((a * x[i] + sigma * base_rng_normal(rng)) / (a * (1.0 + n0)));
    }
}

/* One utterance (a ctc_train item hook): its gradient into g. */
static base_status train_one(void *ctx, int worker_i, long step, int j, int n, size_t idx, float *g,
                             double *loss_out)
{
    trainer *tr = ctx;
    worker *w = &tr->w[worker_i];
    const utt *u = &tr->u[idx];
    anchor_relhead *h = tr->h;
    base_rng rd;
    base_rng_init(&rd, tr->cfg->seed, (uint64_t)step * (uint64_t)tr->cfg->batch + (uint64_t)j,
                  base_rng_component("anchors.relhead.dropout"));
    const float *logits;
    const int V = codec_agent_get_config(h->dec)->vocab;
    const float *z = u->z;
    int t = u->t;
    size_t v = 0; /* 0: the receiver, else pool encoder v - 1 */
    if (tr->n_pool) {
        base_rng rv;
        base_rng_init(&rv, tr->cfg->seed, (uint64_t)step * (uint64_t)tr->cfg->batch + (uint64_t)j,
                      base_rng_component("anchors.relhead.pool"));
        v = (size_t)(base_rng_uniform(&rv) * (double)(tr->n_pool + 1));
        if (v > tr->n_pool) v = tr->n_pool;
        if (v && tr->data->pt[v - 1][u->oi] * tr->upsample < u->need) v = 0; /* too short there */
    }
    if (v) z = tr->data->pz[v - 1][u->oi], t = tr->data->pt[v - 1][u->oi];
    if (anchor_relative_execute(v ? tr->pool_proj[v - 1] : h->proj, z, (size_t)t, w->r, NULL))
        return BASE_EINTERNAL;
    if (tr->cfg->snr_on) {
        base_rng rc;
        base_rng_init(&rc, tr->cfg->seed, (uint64_t)step * (uint64_t)tr->cfg->batch + (uint64_t)j,
                      base_rng_component("anchors.relhead.channel"));
        channel_emulate(tr->cfg, &rc, w->r, (size_t)t, h->k);
    }
    anchor_relhead_standardise(h, w->r, t, w->x);
    if (tr->cfg->noise > 0) {
        base_rng rn;
        base_rng_init(&rn, tr->cfg->seed, (uint64_t)step * (uint64_t)tr->cfg->batch + (uint64_t)j,
                      base_rng_component("anchors.relhead.noise"));
        for (size_t i = 0; i < (size_t)t * h->k; i++)
            w->x[i] += tr->cfg->noise * (float)base_rng_normal(&rn);
    }
    if (codec_agent_decoder_forward_train(h->dec, w->ws, w->x, t, &rd, &logits, NULL))
        return BASE_EINTERNAL;
    const int tc = codec_agent_ctc_len(h->dec, t); /* CTC frames */
    memset(w->dl, 0, sizeof(float) * (size_t)tc * V);
    double loss = 0;
    base_status st =
        codec_ctc_loss(&loss, w->dl, 1.0f / (float)n, logits, tc, V, u->lab, u->l, w->ctc, NULL);
    if (st) return st;
    *loss_out = loss;
    codec_agent_decoder_backward(h->dec, w->ws, w->dl, g, NULL);
    return BASE_OK;
}

/* The batch hook: epoch e's order is a shuffle from stream (seed, e, "anchors.relhead.batches"). */
static void next_batch(void *ctx, long step, const size_t **idx, int *n)
{
    trainer *tr = ctx;
    long epoch = step / (long)tr->nb, pos = step % (long)tr->nb;
    if (epoch != tr->epoch_of_perm) {
        base_rng rb;
        base_rng_init(&rb, tr->cfg->seed, (uint64_t)epoch,
                      base_rng_component("anchors.relhead.batches"));
        for (size_t i = 0; i < tr->nu; i++) tr->order[i] = i;
        base_rng_shuffle(&rb, tr->order, tr->nu);
        tr->epoch_of_perm = epoch;
    }
    size_t first = (size_t)pos * tr->bsz;
    *idx = tr->order + first;
    *n = (int)(tr->nu - first < tr->bsz ? tr->nu - first : tr->bsz);
}

static int stop_requested(void *ctx, long step)
{
    (void)step;
    const trainer *tr = ctx;
    return tr->cfg->stop && *tr->cfg->stop;
}

/* Labels of every utterance; those whose transcript cannot be aligned in
 * their frames (CTC needs T >= L + repeats) are dropped and counted. */
static base_status prepare_data(const anchor_relhead_data *data, size_t d_rx, int upsample,
                                utt **out, size_t *nu, size_t *skipped, base_err *err)
{
    if (!data || data->n == 0 || !data->z || !data->t || !data->text)
        return base_err_set(err, BASE_EINVAL, NULL, 0,
                            "relhead: training data needs n > 0 utterances with latents, frame "
                            "counts and transcripts");
    utt *u = calloc(data->n, sizeof *u);
    if (!u) return base_err_set(err, BASE_ENOMEM, NULL, 0, "relhead: out of memory");
    size_t n = 0;
    base_status st = BASE_OK;
    *skipped = 0;
    for (size_t i = 0; i < data->n; i++) {
        if (!data->z[i] || data->t[i] <= 0) {
            st = base_err_set(err, BASE_EINVAL, NULL, 0,
                              "relhead: utterance %zu has no latents (t = %d, z %s)", i, data->t[i],
                              data->z[i] ? "set" : "NULL");
            goto fail;
        }
        if (!data->text[i]) {
            st = base_err_set(err, BASE_EINVAL, NULL, 0, "relhead: utterance %zu has no transcript",
                              i);
            goto fail;
        }
        for (size_t e = 0; e < (size_t)data->t[i] * d_rx; e++)
            if (!isfinite(data->z[i][e])) {
                st = base_err_set(err, BASE_EINVAL, NULL, 0,
                                  "relhead: utterance %zu, latent frame %zu is not finite", i,
                                  e / d_rx);
                goto fail;
            }
        char *norm = NULL;
        if ((st = codec_text_normalise(data->text[i], &norm, err))) goto fail;
        size_t l = codec_vocab_encode(norm, NULL, 0);
        int *lab = malloc((l ? l : 1) * sizeof *lab);
        if (!lab) {
            free(norm);
            st = base_err_set(err, BASE_ENOMEM, NULL, 0, "relhead: out of memory");
            goto fail;
        }
        codec_vocab_encode(norm, lab, l);
        free(norm);
        size_t need = l;
        for (size_t j = 1; j < l; j++) need += lab[j] == lab[j - 1];
        if (need > (size_t)data->t[i] * (size_t)upsample) {
            free(lab);
            (*skipped)++;
            continue;
        }
        u[n++] = (utt){data->z[i], data->t[i], (int)l, lab, i, (int)need};
    }
    if (n == 0) {
        st = base_err_set(err, BASE_EINVAL, NULL, 0,
                          "relhead: none of the %zu utterances has enough latent frames for its "
                          "transcript",
                          data->n);
        goto fail;
    }
    *out = u;
    *nu = n;
    return BASE_OK;
fail:
    for (size_t i = 0; i < n; i++) free(u[i].lab);
    free(u);
    return st;
}

/* Per-component mean and 1/std of R over every training frame. */
static void fit_standardisation(anchor_relhead *h, const utt *u, size_t nu, float *r)
{
    const size_t k = h->k;
    double *s1 = calloc(2 * k, sizeof *s1);
    if (!s1) return; /* keeps mean 0, scale 1: still a valid (unstandardised) head */
    double *s2 = s1 + k;
    size_t frames = 0;
    for (size_t i = 0; i < nu; i++) {
        anchor_relative_execute(h->proj, u[i].z, (size_t)u[i].t, r, NULL);
        for (size_t f = 0; f < (size_t)u[i].t; f++)
            for (size_t j = 0; j < k; j++) {
                double v = r[f * k + j];
                s1[j] += v, s2[j] += v * v;
            }
        frames += (size_t)u[i].t;
    }
    for (size_t j = 0; j < k; j++) {
        double m = s1[j] / (double)frames, var = s2[j] / (double)frames - m * m;
        h->mean[j] = (float)m;
        /* a constant component (e.g. a distance to a far anchor that never moves)
         * keeps scale 1 instead of blowing up */
        h->scale[j] = var > 1e-12 ? (float)(1.0 / sqrt(var)) : 1.0f;
    }
    free(s1);
}

/* dec.in of the head = dec.in of the receiver composed with the ridge
 * least-squares map [x 1] B ~ z from the standardised R to z_rx:
 * W' (C,K) = W (C,d) B[:K]^T, b' = W B[K] + b. */
static base_status fit_input_layer(anchor_relhead *h, const codec_agent *rx, const utt *u,
                                   size_t nu, float *r, float *x, double lambda_rel, base_err *err)
{
    const size_t k = h->k, d = h->d_rx, k1 = k + 1;
    const int C = codec_agent_get_config(rx)->width;
    base_status st = BASE_ENOMEM;
    double *g = calloc(k1 * k1 + k1 * d, sizeof *g), *hz = g ? g + k1 * k1 : NULL;
    size_t maxt = 0;
    for (size_t i = 0; i < nu; i++)
        if ((size_t)u[i].t > maxt) maxt = (size_t)u[i].t;
    float *xa = malloc(maxt * k1 * sizeof *xa), *gf = malloc((k1 * k1 + k1 * d) * sizeof *gf);
    if (!g || !xa || !gf) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "relhead: out of memory");
        goto out;
    }
    for (size_t i = 0; i < nu; i++) {
        const size_t t = (size_t)u[i].t;
        anchor_relative_execute(h->proj, u[i].z, t, r, NULL);
        anchor_relhead_standardise(h, r, (int)t, x);
        for (size_t f = 0; f < t; f++) {
            memcpy(xa + f * k1, x + f * k, k * sizeof *xa);
            xa[f * k1 + k] = 1;
        }
        /* per utterance in float (a few hundred frames), summed in double */
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)k1, (int)k1, (int)t, 1.0f, xa,
                    (int)k1, xa, (int)k1, 0.0f, gf, (int)k1);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)k1, (int)d, (int)t, 1.0f, xa,
                    (int)k1, u[i].z, (int)d, 0.0f, gf + k1 * k1, (int)d);
        for (size_t e = 0; e < k1 * k1 + k1 * d; e++) g[e] += gf[e];
    }
    double tr = 0;
    for (size_t j = 0; j < k; j++) tr += g[j * k1 + j];
    double lambda = lambda_rel * tr / (double)k;
    if (!(lambda > 0)) lambda = 1e-9 * (tr > 0 ? tr / (double)k : 1);
    for (size_t j = 0; j < k; j++) g[j * k1 + j] += lambda; /* the bias row is not shrunk */
    lapack_int info = LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', (lapack_int)k1, (lapack_int)d, g,
                                    (lapack_int)k1, hz, (lapack_int)d);
    if (info != 0) {
        st =
            base_err_set(err, BASE_EINTERNAL, NULL, 0,
                         "relhead: least-squares initialisation failed (dposv info %d)", (int)info);
        goto out;
    }
    codec_agent *rxm = (codec_agent *)rx; /* read only: no const accessor for tensor data */
    const float *w = codec_agent_param_data(rxm, (size_t)codec_agent_param_find(rx, "dec.in.w"));
    const float *b = codec_agent_param_data(rxm, (size_t)codec_agent_param_find(rx, "dec.in.b"));
    float *wh = codec_agent_param_data(h->dec, (size_t)codec_agent_param_find(h->dec, "dec.in.w"));
    float *bh = codec_agent_param_data(h->dec, (size_t)codec_agent_param_find(h->dec, "dec.in.b"));
    for (int c = 0; c < C; c++) {
        for (size_t j = 0; j < k; j++) {
            double acc = 0;
            for (size_t e = 0; e < d; e++) acc += (double)w[(size_t)c * d + e] * hz[j * d + e];
            wh[(size_t)c * k + j] = (float)acc;
        }
        double acc = b[c];
        for (size_t e = 0; e < d; e++) acc += (double)w[(size_t)c * d + e] * hz[k * d + e];
        bh[c] = (float)acc;
    }
    st = BASE_OK;
out:
    free(g), free(xa), free(gf);
    return st;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void fmt_dur(char *buf, size_t n, double s)
{
    if (!(s >= 0) || !isfinite(s)) s = 0;
    long q = (long)(s + 0.5);
    if (q >= 60)
        snprintf(buf, n, "%ldm%02lds", q / 60, q % 60);
    else
        snprintf(buf, n, "%lds", q);
}

/* The after hook: the loss window and its log line. */
static base_status after_step(void *ctx, const codec_ctc_train_step *s, base_err *err)
{
    (void)err;
    trainer *tr = ctx;
    const anchor_relhead_config *cfg = tr->cfg;
    anchor_relhead_result *rr = tr->rr;
    for (int j = 0; j < s->n; j++) {
        if (s->status[j]) {
            tr->win_bad++;
            continue;
        }
        tr->win += s->loss[j];
        tr->win_n++;
    }
    long step = s->step;
    int last = step + 1 == cfg->steps;
    if (((step + 1) % (cfg->log_every > 0 ? cfg->log_every : 25)) == 0 || last) {
        double mean = tr->win_n ? tr->win / (double)tr->win_n : NAN;
        if (isnan(rr->init_loss)) rr->init_loss = mean;
        rr->final_loss = mean;
        double per = (now_s() - tr->t_loop) / (double)(step + 1);
        char eta[32];
        fmt_dur(eta, sizeof eta, per * (double)(cfg->steps - step - 1));
        base_log_info(tr->lg, "relhead: step %ld/%ld loss %.3f lr %.2e | %.2f s/step | ETA %s%s",
                      step + 1, cfg->steps, mean, codec_optim_lr(&tr->oc, step), per, eta,
                      tr->win_bad ? " (CTC failed on some utterances)" : "");
        tr->win = 0, tr->win_n = 0, tr->win_bad = 0;
    }
    return BASE_OK;
}

/* The head's decoder starts as the receiver's, except the input layer. */
static base_status copy_receiver_decoder(anchor_relhead *h, const codec_agent *rx, base_err *err)
{
    for (size_t i = 0; i < codec_agent_param_count(h->dec); i++) {
        const char *name = codec_agent_param_name(h->dec, i);
        if (!anchor_relhead_is_decoder_tensor(name) || !strcmp(name, "dec.in.w") ||
            !strcmp(name, "dec.in.b"))
            continue;
        long j = codec_agent_param_find(rx, name);
        if (j < 0 || codec_agent_param_size(rx, (size_t)j) != codec_agent_param_size(h->dec, i))
            return base_err_set(err, BASE_EINTERNAL, NULL, 0, "relhead: receiver has no tensor %s",
                                name);
        memcpy(codec_agent_param_data(h->dec, i),
               codec_agent_param_data((codec_agent *)rx, (size_t)j),
               codec_agent_param_size(h->dec, i) * sizeof(float));
    }
    return BASE_OK;
}

/* Per-worker scratch for utterances of up to maxt frames and maxl labels. */
static base_status workers_create(trainer *tr, int maxt, int maxl, base_err *err)
{
    const anchor_relhead *h = tr->h;
    const int V = codec_agent_get_config(h->dec)->vocab;
    const size_t tc = (size_t)codec_agent_ctc_len(h->dec, maxt);
    for (int w = 0; w < tr->nw; w++) {
        worker *wk = &tr->w[w];
        base_status st = codec_agent_ws_create(&wk->ws, h->dec, maxt, err);
        if (st) return st;
        wk->r = malloc((size_t)maxt * h->k * sizeof(float));
        wk->x = malloc((size_t)maxt * h->k * sizeof(float));
        wk->dl = malloc(tc * V * sizeof(float));
        wk->ctc = malloc(codec_ctc_workspace_size(tc, maxl) * sizeof(double));
        if (!wk->r || !wk->x || !wk->dl || !wk->ctc)
            return base_err_set(err, BASE_ENOMEM, NULL, 0, "relhead: out of memory");
    }
    return BASE_OK;
}

/* dec.in before fine-tuning: least squares (ls_lambda >= 0) or random. */
static base_status init_input_layer(trainer *tr, const codec_agent *rx, base_err *err)
{
    anchor_relhead *h = tr->h;
    const anchor_relhead_config *cfg = tr->cfg;
    fit_standardisation(h, tr->u, tr->nu, tr->w[0].r);
    if (cfg->ls_lambda >= 0)
        return fit_input_layer(h, rx, tr->u, tr->nu, tr->w[0].r, tr->w[0].x, cfg->ls_lambda, err);
    base_rng ri;
    base_rng_init(&ri, cfg->seed, 0, base_rng_component("anchors.relhead.init"));
    long wi = codec_agent_param_find(h->dec, "dec.in.w");
    base_rng_normal_fill(&ri, codec_agent_param_data(h->dec, (size_t)wi),
                         codec_agent_param_size(h->dec, (size_t)wi),
                         (float)(1.0 / sqrt((double)h->k)));
    return BASE_OK;
}

/* Fine-tunes the head's decoder with CTC in the shared loop. */
static base_status fine_tune(trainer *tr, base_err *err)
{
    anchor_relhead *h = tr->h;
    const anchor_relhead_config *cfg = tr->cfg;
    anchor_relhead_result *rr = tr->rr;
    codec_optim_config oc = codec_optim_default(cfg->steps, cfg->warmup);
    oc.lr = cfg->lr;
    oc.weight_decay = cfg->weight_decay;
    oc.clip_norm = cfg->clip;
    if (oc.warmup_steps >= oc.total_steps) oc.warmup_steps = oc.total_steps / 10;
    tr->oc = oc;
    const size_t B = (size_t)cfg->batch;
    tr->bsz = B < tr->nu ? B : tr->nu;
    tr->nb = (tr->nu + tr->bsz - 1) / tr->bsz;
    tr->epoch_of_perm = -1;
    tr->order = malloc(tr->nu * sizeof *tr->order);
    if (!tr->order) return base_err_set(err, BASE_ENOMEM, NULL, 0, "relhead: out of memory");
    codec_ctc_train_config tc = {.params = codec_agent_params(h->dec),
                                 .nfloats = codec_agent_num_floats(h->dec),
                                 .max_batch = (int)tr->bsz,
                                 .threads = tr->nw,
                                 .optim = oc};
    codec_ctc_train *t = codec_ctc_train_create(&tc, err);
    if (!t) return err ? err->code : BASE_ENOMEM;
    rr->params = codec_ctc_train_masks(t, h->dec, anchor_relhead_is_decoder_tensor);
    base_log_info(
        tr->lg,
        "relhead: training K=%zu psi=%s head on %zu utterances (%zu frames, %zu skipped), "
        "%zu parameters, %ld steps of %zu, %d thread%s",
        h->k, anchor_psi_name(anchor_relhead_psi(h)), tr->nu, rr->frames, rr->skipped, rr->params,
        cfg->steps, tr->bsz, tr->nw, tr->nw > 1 ? "s" : "");
    rr->init_loss = NAN;
    tr->t_loop = now_s();
    codec_ctc_train_hooks hk = {tr, next_batch, train_one, stop_requested, after_step};
    long step = 0;
    base_status st = codec_ctc_train_run(t, &step, cfg->steps, &hk, err);
    codec_ctc_train_destroy(t);
    if (!st && step < cfg->steps)
        st = base_err_set(err, BASE_EINTERRUPTED, NULL, 0, "relhead: stopped at step %ld of %ld",
                          step, cfg->steps);
    return st;
}

anchor_relhead *anchor_relhead_train(const anchor_relhead_spec *spec,
                                     const anchor_relhead_data *data,
                                     const anchor_relhead_config *cfg, const base_log *lg,
                                     anchor_relhead_result *res, base_err *err)
{
    trainer tr;
    memset(&tr, 0, sizeof tr);
    anchor_relhead_result rr;
    memset(&rr, 0, sizeof rr);
    anchor_relhead *h = NULL;
    double t0 = now_s();
    uint64_t key;
    if (anchor_relhead_key(spec, cfg, &key, err)) return NULL;
    const size_t k = spec->k, d_rx = (size_t)codec_agent_latent_dim(spec->rx);
    const codec_agent_config *rxc = codec_agent_get_config(spec->rx);
    codec_agent_config hc = anchor_relhead_agent_config(rxc, k, cfg->dropout);
    if (codec_agent_config_check(&hc, err)) return NULL;
    if (prepare_data(data, d_rx, rxc->upsample, &tr.u, &tr.nu, &rr.skipped, err)) return NULL;
    if (!(h = anchor_relhead_new(&hc, spec->a_rx, k, d_rx, spec->psi, err))) goto fail;
    h->key = key;
    h->rx_hash = anchor_relhead_agent_hash(spec->rx);
    h->set_hash = spec->set_hash;
    h->data_id = spec->data_id;
    h->cfg = *cfg;
    h->cfg.cache_dir[0] = 0;
    h->cfg.stop = NULL;
    tr.h = h;
    tr.cfg = cfg;
    tr.lg = lg;
    tr.rr = &rr;
    tr.nw = cfg->threads;
    if (copy_receiver_decoder(h, spec->rx, err)) goto fail;
    int maxt = 1, maxl = 1;
    if (spec->n_pool && (!data->pz || !data->pt)) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "relhead: a pool needs its encoders' latents");
        goto fail;
    }
    tr.data = data;
    tr.n_pool = spec->n_pool;
    tr.upsample = rxc->upsample;
    for (size_t v = 0; v < spec->n_pool; v++) {
        const anchor_relhead_pool_member *m = &spec->pool[v];
        if (!(tr.pool_proj[v] = anchor_relative_create(m->a, k, m->d, spec->psi, err))) goto fail;
        for (size_t i = 0; i < data->n; i++) {
            if (!data->pz[v] || !data->pz[v][i] || !data->pt[v] || data->pt[v][i] <= 0) {
                base_err_set(err, BASE_EINVAL, NULL, 0,
                             "relhead: pool encoder %zu has no latents of utterance %zu", v, i);
                goto fail;
            }
            if (data->pt[v][i] > maxt) maxt = data->pt[v][i];
        }
    }
    for (size_t i = 0; i < tr.nu; i++) {
        if (tr.u[i].t > maxt) maxt = tr.u[i].t;
        if (tr.u[i].l > maxl) maxl = tr.u[i].l;
        rr.frames += (size_t)tr.u[i].t;
    }
    if (workers_create(&tr, maxt, maxl, err) || init_input_layer(&tr, spec->rx, err) ||
        fine_tune(&tr, err))
        goto fail;
    rr.steps = cfg->steps;
    rr.utts = tr.nu;
    rr.seconds = now_s() - t0;
    rr.key = key;
    h->final_loss = rr.final_loss;
    base_log_info(lg, "relhead: trained in %.1f s, loss %.3f -> %.3f", rr.seconds, rr.init_loss,
                  rr.final_loss);
    if (codec_agent_freeze(h->dec, err)) goto fail; /* final: its faster inference path */
    goto out;
fail:
    anchor_relhead_destroy(h);
    h = NULL;
out:
    for (int w = 0; w < MAX_THREADS; w++) {
        codec_agent_ws_destroy(tr.w[w].ws);
        free(tr.w[w].r), free(tr.w[w].x), free(tr.w[w].dl), free(tr.w[w].ctc);
    }
    for (size_t i = 0; i < tr.nu; i++) free(tr.u[i].lab);
    for (size_t v = 0; v < ANCHOR_RELHEAD_MAX_POOL; v++) anchor_relative_destroy(tr.pool_proj[v]);
    free(tr.u);
    free(tr.order);
    if (h && res) *res = rr;
    return h;
}
