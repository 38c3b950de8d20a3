/* test_ctc_train.c -- codecs/ctc_train, the shared training loop, on a toy
 * problem where each item's "gradient" is known: item i pulls the parameters
 * towards a target vector t_i (grad = (p - t_i) / n, loss = |p - t_i|^2 / 2).
 * Checked: bit-identical results for any thread count, failed items left out
 * of the sum, the stop and after hooks, and bad configurations. */
#include "codecs/ctc_train.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define NP 7
#define NITEMS 10
#define BATCH 4

typedef struct toy {
    float p[NP];
    size_t idx[NITEMS];
    int fail_item;   /* this item's hook fails (-1: none) */
    int zero_item;   /* this item succeeds with a zero gradient (-1: none) */
    long stop_at;    /* the stop hook fires at this step (-1: never) */
    long afters;     /* after hook calls */
    int bad_seen;    /* items with a non-OK status the after hook saw */
    double loss_sum; /* of the OK items */
} toy;

static float target(size_t i, int k)
{
    return (float)sin(0.7 * (double)i + 1.3 * k);
}

static void batch(void *ctx, long step, const size_t **idx, int *n)
{
    toy *t = ctx;
    size_t first = (size_t)(step % 3) * BATCH; /* 0, 4, 8 (the last batch has 2) */
    *idx = t->idx + first;
    *n = (int)(NITEMS - first < BATCH ? NITEMS - first : BATCH);
}

static base_status item(void *ctx, int worker, long step, int j, int n, size_t idx, float *grad,
                        double *loss)
{
    (void)worker, (void)step, (void)j;
    toy *t = ctx;
    if ((int)idx == t->fail_item) {
        for (int k = 0; k < NP; k++) grad[k] = 1e6f; /* must not reach the sum */
        return BASE_ERANGE;
    }
    if ((int)idx == t->zero_item) return BASE_OK;
    double l = 0;
    for (int k = 0; k < NP; k++) {
        float d = t->p[k] - target(idx, k);
        grad[k] += d / (float)n;
        l += 0.5 * d * d;
    }
    *loss = l;
    return BASE_OK;
}

static int stop(void *ctx, long step)
{
    return ((toy *)ctx)->stop_at == step;
}

static base_status after(void *ctx, const codec_ctc_train_step *s, base_err *err)
{
    (void)err;
    toy *t = ctx;
    t->afters++;
    for (int j = 0; j < s->n; j++) {
        if (s->status[j])
            t->bad_seen++;
        else
            t->loss_sum += s->loss[j];
    }
    return BASE_OK;
}

static void toy_init(toy *t)
{
    memset(t, 0, sizeof *t);
    for (size_t i = 0; i < NITEMS; i++) t->idx[i] = i;
    t->fail_item = -1;
    t->zero_item = -1;
    t->stop_at = -1;
}

static base_status train(toy *t, int threads, long steps, long *done)
{
    codec_ctc_train_config c = {.params = t->p,
                                .nfloats = NP,
                                .max_batch = BATCH,
                                .threads = threads,
                                .optim = codec_optim_default(steps, 1)};
    c.optim.lr = 0.05f;
    base_err e = BASE_ERR_INIT;
    codec_ctc_train *tr = codec_ctc_train_create(&c, &e);
    CU_ASSERT_PTR_NOT_NULL(tr);
    if (!tr) return e.code;
    codec_ctc_train_hooks h = {t, batch, item, stop, after};
    *done = 0;
    base_status st = codec_ctc_train_run(tr, done, steps, &h, &e);
    CU_ASSERT_PTR_NOT_NULL(codec_ctc_train_moment(tr, 0));
    codec_ctc_train_destroy(tr);
    return st;
}

static void test_threads_identical(void)
{
    toy a, b;
    long da, db;
    toy_init(&a);
    toy_init(&b);
    CU_ASSERT_EQUAL(train(&a, 1, 9, &da), BASE_OK);
    CU_ASSERT_EQUAL(train(&b, 4, 9, &db), BASE_OK);
    CU_ASSERT_EQUAL(da, 9);
    CU_ASSERT_EQUAL(a.afters, 9);
    CU_ASSERT(!memcmp(a.p, b.p, sizeof a.p));
    CU_ASSERT_EQUAL(a.loss_sum, b.loss_sum);
    /* the parameters moved towards the targets' mean */
    float moved = 0;
    for (int k = 0; k < NP; k++) moved += fabsf(a.p[k]);
    CU_ASSERT(moved > 0);
}

/* A failed item contributes exactly what a zero gradient would: nothing. */
static void test_failed_item_left_out(void)
{
    toy a, b;
    long d;
    toy_init(&a);
    toy_init(&b);
    a.fail_item = 5;
    b.zero_item = 5;
    CU_ASSERT_EQUAL(train(&a, 2, 3, &d), BASE_OK);
    CU_ASSERT_EQUAL(train(&b, 2, 3, &d), BASE_OK);
    CU_ASSERT_EQUAL(a.bad_seen, 1);
    CU_ASSERT_EQUAL(b.bad_seen, 0);
    CU_ASSERT(!memcmp(a.p, b.p, sizeof a.p));
}

static void test_stop(void)
{
    toy a;
    long d;
    toy_init(&a);
    a.stop_at = 4;
    CU_ASSERT_EQUAL(train(&a, 2, 9, &d), BASE_OK);
    CU_ASSERT_EQUAL(d, 4);
    CU_ASSERT_EQUAL(a.afters, 4);
}

static void test_bad_config(void)
{
    float p[2];
    base_err e = BASE_ERR_INIT;
    codec_ctc_train_config c = {.params = p,
                                .nfloats = 2,
                                .max_batch = 0,
                                .threads = 1,
                                .optim = codec_optim_default(10, 1)};
    CU_ASSERT_PTR_NULL(codec_ctc_train_create(&c, &e));
    c.max_batch = 1, c.threads = 65;
    CU_ASSERT_PTR_NULL(codec_ctc_train_create(&c, &e));
    c.threads = 1, c.params = NULL;
    CU_ASSERT_PTR_NULL(codec_ctc_train_create(&c, &e));
    c.params = p;
    codec_ctc_train *t = codec_ctc_train_create(&c, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    long step = 0;
    codec_ctc_train_hooks h = {NULL, NULL, NULL, NULL, NULL};
    CU_ASSERT_EQUAL(codec_ctc_train_run(t, &step, 1, &h, &e), BASE_EINVAL);
    codec_ctc_train_destroy(t);
    codec_ctc_train_destroy(NULL);
}

int main(void)
{
    static const test_case cases[] = {
        {"bit-identical for 1 and 4 threads", test_threads_identical},
        {"a failed item is left out of the sum", test_failed_item_left_out},
        {"the stop hook", test_stop},
        {"bad configurations", test_bad_config},
        {NULL, NULL},
    };
    return test_main("ctc_train", cases);
}
