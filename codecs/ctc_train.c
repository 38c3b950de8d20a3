/* ctc_train.c -- the one CTC training loop (see ctc_train.h). */
#include "codecs/ctc_train.h"

#include "base/pool.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>

#define MAX_THREADS 64

struct codec_ctc_train {
    codec_ctc_train_config c;
    float *m, *v, *grad; /* (nfloats) Adam moments, the summed gradient */
    unsigned char *decay, *frozen;
    float *slots;   /* (max_batch, nfloats) per-item gradients */
    double *losses; /* (max_batch) */
    int *status;    /* (max_batch) */
};

codec_ctc_train *codec_ctc_train_create(const codec_ctc_train_config *c, base_err *err)
{
    if (!c || !c->params || c->nfloats == 0 || c->max_batch < 1 || c->threads < 1 ||
        c->threads > MAX_THREADS) {
        base_err_set(err, BASE_EINVAL, NULL, 0,
                     "ctc_train: needs parameters, a batch >= 1 and 1..%d threads", MAX_THREADS);
        return NULL;
    }
    if (codec_optim_check(&c->optim, err)) return NULL;
    codec_ctc_train *t = calloc(1, sizeof *t);
    if (!t) goto nomem;
    t->c = *c;
    const size_t n = c->nfloats, B = (size_t)c->max_batch;
    t->m = calloc(n, sizeof(float));
    t->v = calloc(n, sizeof(float));
    t->grad = calloc(n, sizeof(float));
    t->decay = calloc(n, 1);
    t->frozen = calloc(n, 1);
    t->slots = malloc(B * n * sizeof(float));
    t->losses = calloc(B, sizeof(double));
    t->status = calloc(B, sizeof(int));
    if (!t->m || !t->v || !t->grad || !t->decay || !t->frozen || !t->slots || !t->losses ||
        !t->status)
        goto nomem;
    return t;
nomem:
    base_err_set(err, BASE_ENOMEM, NULL, 0, "ctc_train: out of memory");
    codec_ctc_train_destroy(t);
    return NULL;
}

void codec_ctc_train_destroy(codec_ctc_train *t)
{
    if (!t) return;
    free(t->m), free(t->v), free(t->grad), free(t->decay), free(t->frozen);
    free(t->slots), free(t->losses), free(t->status);
    free(t);
}

size_t codec_ctc_train_masks(codec_ctc_train *t, const codec_agent *a,
                             int (*trainable)(const char *name))
{
    size_t trained = 0;
    for (size_t i = 0; i < codec_agent_param_count(a); i++) {
        size_t off = codec_agent_param_offset(a, i), sz = codec_agent_param_size(a, i);
        if (off + sz > t->c.nfloats) continue; /* not this loop's buffer */
        int train = codec_agent_param_trainable(a, i) &&
                    (!trainable || trainable(codec_agent_param_name(a, i)));
        memset(t->decay + off, codec_agent_param_decays(a, i), sz);
        memset(t->frozen + off, !train, sz);
        if (train) trained += sz;
    }
    return trained;
}

float *codec_ctc_train_moment(codec_ctc_train *t, int which)
{
    return which ? t->v : t->m;
}

typedef struct batch_job {
    codec_ctc_train *t;
    const codec_ctc_train_hooks *h;
    long step;
    const size_t *idx;
    int n;
} batch_job;

static void item_main(void *ctx, int worker, size_t j)
{
    batch_job *b = ctx;
    codec_ctc_train *t = b->t;
    float *g = t->slots + j * t->c.nfloats;
    memset(g, 0, t->c.nfloats * sizeof(float));
    double loss = 0;
    base_status st = b->h->item(b->h->ctx, worker, b->step, (int)j, b->n, b->idx[j], g, &loss);
    t->status[j] = st;
    t->losses[j] = st ? 0 : loss;
}

base_status codec_ctc_train_run(codec_ctc_train *t, long *step, long total,
                                const codec_ctc_train_hooks *h, base_err *err)
{
    if (!t || !step || !h || !h->batch || !h->item)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "ctc_train: NULL argument or hook");
    const size_t n = t->c.nfloats;
    /* workers run OpenBLAS single-threaded (deterministic sums, no oversubscription) */
    openblas_set_num_threads(1);
    for (; *step < total; ++*step) {
        if (h->stop && h->stop(h->ctx, *step)) break;
        batch_job b = {.t = t, .h = h, .step = *step};
        h->batch(h->ctx, *step, &b.idx, &b.n);
        if (b.n < 1 || b.n > t->c.max_batch)
            return base_err_set(err, BASE_EINTERNAL, NULL, 0,
                                "ctc_train: step %ld has %d items (1..%d)", *step, b.n,
                                t->c.max_batch);
        base_pool_run(t->c.threads, (size_t)b.n, item_main, &b);
        /* fixed-order reduction of the items that succeeded */
        memset(t->grad, 0, n * sizeof(float));
        for (int j = 0; j < b.n; j++) {
            if (t->status[j]) continue;
            const float *s = t->slots + (size_t)j * n;
            for (size_t e = 0; e < n; e++) t->grad[e] += s[e];
        }
        double gnorm = codec_optim_step(&t->c.optim, *step, t->c.params, t->grad, t->m, t->v,
                                        t->decay, t->frozen, n);
        if (h->after) {
            codec_ctc_train_step s = {*step, b.idx, b.n, t->losses, t->status, gnorm};
            base_status st = h->after(h->ctx, &s, err);
            if (st) {
                ++*step;
                return st;
            }
        }
    }
    return BASE_OK;
}
