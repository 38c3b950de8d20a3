/* test_family.c -- codecs/family: every row of the table is complete (name,
 * operations, a sane tensor list), names round-trip and an unknown name's
 * error lists them all; and, per row, the block operations keep their
 * contract: the inference path (with and without frozen weights) matches the
 * training forward, and backward matches central differences. */
#include "codecs/family.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_rows_complete(void)
{
    int n = codec_family_count();
    CU_ASSERT_FATAL(n >= 2 && n <= CODEC_FAMILY_MAX);
    for (int i = 0; i < n; i++) {
        const codec_family_ops *f = codec_family_get((codec_family)i);
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        CU_ASSERT_FATAL(f->name && f->name[0]);
        CU_ASSERT_PTR_EQUAL(codec_family_name((codec_family)i), f->name);
        CU_ASSERT(f->tensors && f->init && f->cache_floats && f->forward && f->backward);
        CU_ASSERT(f->backward_scratch_floats && f->infer_scratch_floats);
        CU_ASSERT(f->frozen_floats && f->freeze);
        for (int j = 0; j < i; j++) CU_ASSERT(strcmp(codec_family_name((codec_family)j), f->name));
        if (!f->tensors) continue;
        codec_family_tensor t[CODEC_FAMILY_MAX_TENSORS];
        int nt = f->tensors(t, 8, 3);
        CU_ASSERT(nt >= 1 && nt <= CODEC_FAMILY_MAX_TENSORS);
        for (int k = 0; k < nt && k < CODEC_FAMILY_MAX_TENSORS; k++) {
            CU_ASSERT(t[k].suffix && t[k].suffix[0]);
            CU_ASSERT(t[k].ndim == 1 || t[k].ndim == 2);
            CU_ASSERT(t[k].shape[0] > 0 && (t[k].ndim == 1 || t[k].shape[1] > 0));
            for (int j = 0; j < k; j++) CU_ASSERT(strcmp(t[j].suffix, t[k].suffix));
        }
    }
    CU_ASSERT_PTR_NULL(codec_family_get((codec_family)n));
    CU_ASSERT_PTR_NULL(codec_family_name((codec_family)n));
    CU_ASSERT_PTR_NULL(codec_family_get((codec_family)-1));
    /* the shipped families keep their indices (model files, checkpoints) */
    CU_ASSERT_STRING_EQUAL(codec_family_name(CODEC_FAMILY_DWCONV), "dwconv");
    CU_ASSERT_STRING_EQUAL(codec_family_name(CODEC_FAMILY_CONV), "conv");
}

static void test_names(void)
{
    codec_family f;
    for (int i = 0; i < codec_family_count(); i++) {
        CU_ASSERT_EQUAL(codec_family_parse(codec_family_name((codec_family)i), &f, NULL), BASE_OK);
        CU_ASSERT_EQUAL(f, (codec_family)i);
    }
    CU_ASSERT_EQUAL(codec_family_parse("conv", &f, NULL), BASE_OK);
    CU_ASSERT_EQUAL(f, CODEC_FAMILY_CONV);
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL(codec_family_parse("gru", &f, &e), BASE_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "dwconv or conv"));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "got 'gru'"));
    for (int i = 0; i < codec_family_count(); i++)
        CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, codec_family_name((codec_family)i)));
    e = (base_err)BASE_ERR_INIT;
    CU_ASSERT_EQUAL(codec_family_parse(NULL, &f, &e), BASE_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "(null)"));
    CU_ASSERT_EQUAL(codec_family_parse("", &f, NULL), BASE_EINVAL);
    char buf[256];
    codec_family_names(buf, sizeof buf);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "dwconv or conv"));
    codec_family_names(buf, 4); /* truncates, stays terminated */
    CU_ASSERT_EQUAL(strlen(buf), 3);
}

/* One block's parameters in one buffer, with pointers into it. */
typedef struct block {
    int nt;
    codec_family_tensor t[CODEC_FAMILY_MAX_TENSORS];
    float *w[CODEC_FAMILY_MAX_TENSORS], *g[CODEC_FAMILY_MAX_TENSORS];
    size_t size[CODEC_FAMILY_MAX_TENSORS], n;
    float *mem;
} block;

static int block_make(block *b, const codec_family_ops *f, int C, int k)
{
    memset(b, 0, sizeof *b);
    b->nt = f->tensors(b->t, C, k);
    for (int i = 0; i < b->nt; i++) {
        b->size[i] = (size_t)b->t[i].shape[0] * (b->t[i].ndim > 1 ? b->t[i].shape[1] : 1);
        b->n += b->size[i];
    }
    if (!(b->mem = calloc(2 * b->n, sizeof(float)))) return -1;
    float *p = b->mem, *q = b->mem + b->n;
    for (int i = 0; i < b->nt; p += b->size[i], q += b->size[i], i++) b->w[i] = p, b->g[i] = q;
    return 0;
}

static double dot(const float *a, const float *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)a[i] * b[i];
    return s;
}

/* loss = <r, branch(x)> in double over the training forward */
static double loss(const codec_family_ops *f, block *b, float *cache, float *br, const float *x,
                   const float *r, int T, int C, int k, int dil)
{
    f->forward(br, cache, NULL, NULL, x, (const float *const *)b->w, T, C, k, dil, 1);
    return dot(br, r, (size_t)T * C);
}

static void check_family(const codec_family_ops *f)
{
    const int T = 9, C = 4, k = 3, dil = 2;
    const size_t n = (size_t)T * C;
    block b;
    CU_ASSERT_EQUAL_FATAL(block_make(&b, f, C, k), 0);
    base_rng rng;
    base_rng_init(&rng, 7, 0, 0);
    f->init(b.w, C, k, 2, &rng);
    for (int i = 0; i < b.nt; i++) /* perturb everything so biases and gains matter */
        for (size_t j = 0; j < b.size[i]; j++) b.w[i][j] += 0.2f * (float)base_rng_normal(&rng);
    size_t nc = f->cache_floats(T, C, k), nb = f->backward_scratch_floats(T, C, k);
    size_t ns = f->infer_scratch_floats(T, C, k, dil), nf = f->frozen_floats(C, k);
    float *x = malloc(n * sizeof(float)), *r = malloc(n * sizeof(float));
    float *br = malloc(n * sizeof(float)), *br2 = malloc(n * sizeof(float));
    float *cache = malloc((nc + 1) * sizeof(float)), *cache2 = malloc((nc + 1) * sizeof(float));
    float *bs = malloc((nb + 1) * sizeof(float)), *sc = malloc((ns + 1) * sizeof(float));
    float *fr = malloc((nf + 1) * sizeof(float)), *s1 = malloc(n * sizeof(float));
    float *s2 = malloc(n * sizeof(float)), *dx = calloc(n, sizeof(float));
    CU_ASSERT_FATAL(x && r && br && br2 && cache && cache2 && bs && sc && fr && s1 && s2 && dx);
    base_rng_normal_fill(&rng, x, n, 1.0f);
    base_rng_normal_fill(&rng, r, n, 1.0f);
    const float *const *w = (const float *const *)b.w;
    /* inference matches the training forward, with and without frozen weights */
    f->forward(br, cache, NULL, NULL, x, w, T, C, k, dil, 1);
    f->forward(br2, cache2, ns ? sc : NULL, NULL, x, w, T, C, k, dil, 0);
    TEST_ASSERT_CLOSE_F(br, br2, n, 1e-4);
    if (nf) {
        f->freeze(fr, w, C, k);
        f->forward(br2, cache2, ns ? sc : NULL, fr, x, w, T, C, k, dil, 0);
        TEST_ASSERT_CLOSE_F(br, br2, n, 1e-4);
    }
    /* backward: gradients accumulate (dx and g start non-zero) and match
     * central differences of <r, branch> */
    for (size_t i = 0; i < n; i++) dx[i] = 1.0f;
    for (size_t j = 0; j < b.n; j++) b.g[0][j] = 0.5f; /* g[] are contiguous in b.mem */
    f->forward(br, cache, NULL, NULL, x, w, T, C, k, dil, 1);
    memcpy(s1, r, n * sizeof(float));
    f->backward(dx, b.g, s1, s2, nb ? bs : NULL, cache, x, w, T, C, k, dil);
    const float eps = 1e-2f;
    float *xm = malloc(n * sizeof(float));
    memcpy(xm, x, n * sizeof(float));
    for (size_t i = 0; i < n; i++) {
        xm[i] = x[i] + eps;
        double lp = loss(f, &b, cache2, br2, xm, r, T, C, k, dil);
        xm[i] = x[i] - eps;
        double lm = loss(f, &b, cache2, br2, xm, r, T, C, k, dil);
        xm[i] = x[i];
        TEST_ASSERT_NEAR(dx[i] - 1.0, (lp - lm) / (2 * eps), 2e-2);
    }
    for (int t = 0; t < b.nt; t++)
        for (size_t j = 0; j < b.size[t]; j++) {
            float v = b.w[t][j];
            b.w[t][j] = v + eps;
            double lp = loss(f, &b, cache2, br2, x, r, T, C, k, dil);
            b.w[t][j] = v - eps;
            double lm = loss(f, &b, cache2, br2, x, r, T, C, k, dil);
            b.w[t][j] = v;
            TEST_ASSERT_NEAR(b.g[t][j] - 0.5, (lp - lm) / (2 * eps), 2e-2);
        }
    free(xm);
    free(x), free(r), free(br), free(br2), free(cache), free(cache2), free(bs), free(sc);
    free(fr), free(s1), free(s2), free(dx), free(b.mem);
}

static void test_block_ops(void)
{
    for (int i = 0; i < codec_family_count(); i++) {
        const codec_family_ops *f = codec_family_get((codec_family)i);
        if (f) check_family(f);
    }
}

int main(void)
{
    static const test_case cases[] = {
        {"every row complete", test_rows_complete},
        {"names, unknown name lists them", test_names},
        {"block ops: inference = forward, backward = differences", test_block_ops},
        {NULL, NULL},
    };
    return test_main("family", cases);
}
