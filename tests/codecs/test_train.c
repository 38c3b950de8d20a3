/* test_train.c -- codecs/train: recipe parsing with file:line errors, greedy
 * decoding, and end-to-end training on synthetic tone "speech": the same
 * weights for 1 and 2 threads, and an interrupted + resumed run equals an
 * uninterrupted one. */
#include "codecs/agent.h"
#include "codecs/audio.h"
#include "codecs/modelfile.h"
#include "codecs/train.h"
#include "codecs/vocab.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_config_load(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/good.ini", test_tmpdir());
    test_put(path, "[agent]\nfamily = conv\nd = 48\nstride = 3\nwidth = 128\nkernel = "
                   "5\n[data]\ntrain = a.tsv, b.tsv\n"
                   "train = c.tsv\ndev = d.tsv\n[train]\nseed = 7\nlr = 0.003\ndecay = linear\n"
                   "[augment]\nsnr_min = 0\n");
    codec_train_config c;
    codec_train_config_default(&c);
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL(codec_train_config_load(path, &c, &e), BASE_OK);
    CU_ASSERT_EQUAL(c.agent.family, CODEC_FAMILY_CONV);
    CU_ASSERT_EQUAL(c.agent.d, 48);
    CU_ASSERT_EQUAL(c.agent.stride, 3);
    CU_ASSERT_EQUAL(c.n_train, 3);
    CU_ASSERT_STRING_EQUAL(c.train[1], "b.tsv");
    CU_ASSERT_STRING_EQUAL(c.dev, "d.tsv");
    CU_ASSERT_EQUAL(c.seed, 7u);
    TEST_ASSERT_NEAR(c.optim.lr, 0.003, 1e-9);
    CU_ASSERT_EQUAL(c.optim.decay, CODEC_LR_LINEAR);
    CU_ASSERT_EQUAL(codec_train_config_check(&c, &e), BASE_OK);

    static const struct {
        const char *text;
        int line;
        const char *what;
    } bad[] = {
        {"[agent]\nd = 64\nwdith = 3\n", 3, "wdith"},
        {"[agent]\nd = 0\n", 2, "agent.d"},
        {"[train]\nlr = fast\n", 2, "train.lr"},
        {"[model]\nd = 4\n", 2, "model"},
        {"[agent]\nfamily = gru\n", 2, "family"},
        {"[train]\nseed = 1\n\nbatch = 3x\n", 4, "train.batch"},
        {"[agent\nd = 4\n", 1, "syntax"},
        {"[augment]\nnoise_prob = 0.2\nspeed_prob = 2\n", 3, "augment.speed_prob"},
        {"[augment]\nnoise_types = white,grey\n", 2, "grey"},
        {"[augment]\nspeed_probb = 0.1\n", 2, "speed_probb"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        test_put(path, bad[i].text);
        codec_train_config_default(&c);
        base_err_clear(&e);
        CU_ASSERT_NOT_EQUAL(codec_train_config_load(path, &c, &e), BASE_OK);
        CU_ASSERT_EQUAL(e.line, bad[i].line);
        CU_ASSERT_STRING_EQUAL(e.file, path);
        if (!strstr(e.msg, bad[i].what))
            fprintf(stderr, "  '%s' not in '%s'\n", bad[i].what, e.msg);
        CU_ASSERT(strstr(e.msg, bad[i].what) != NULL);
    }
    base_err_clear(&e);
    CU_ASSERT_EQUAL(codec_train_config_load("/nonexistent/x.ini", &c, &e), BASE_EIO);
    /* cross-field checks */
    codec_train_config_default(&c);
    CU_ASSERT_EQUAL(codec_train_config_check(&c, &e), BASE_EINVAL); /* no training data */
    CU_ASSERT(strstr(e.msg, "data.train") != NULL);
    codec_train_config_set(&c, "data", "train", "x.tsv", NULL);
    c.aug.snr_min = 40;
    CU_ASSERT_EQUAL(codec_train_config_check(&c, &e), BASE_EINVAL);
    c.aug.snr_min = 5;
    c.agent.width = 1024; /* > 2 M parameters */
    CU_ASSERT_EQUAL(codec_train_config_check(&c, &e), BASE_EINVAL);
}

static void test_greedy(void)
{
    /* frames: a a _ a b _ _ ' ' c  ->  "aa b c"? no: a,a merge; blank splits -> "aab c" */
    static const int best[] = {3, 3, 0, 3, 4, 0, 1, 1, 5, 1};
    enum { T = sizeof best / sizeof *best, V = CODEC_VOCAB_SIZE };
    float lp[T * V];
    for (int t = 0; t < T; t++)
        for (int k = 0; k < V; k++) lp[t * V + k] = k == best[t] ? -0.1f : -5.0f;
    char out[32];
    int n = codec_train_greedy(lp, T, V, out, sizeof out);
    CU_ASSERT_STRING_EQUAL(out, "aab c");
    CU_ASSERT_EQUAL(n, 5);
    n = codec_train_greedy(lp, T, V, out, 3);
    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT_STRING_EQUAL(out, "aa");
}

/* "Speech" where each letter is a 120 ms tone of its own pitch. */
static void synth(const char *text, float *x, size_t *n)
{
    size_t k = 0;
    for (int i = 0; i < 1600; i++) x[k++] = 0;
    for (const char *p = text; *p; p++) {
        int v = codec_vocab_index((unsigned char)*p);
        double f = v == CODEC_VOCAB_SPACE ? 0 : 250.0 + 180.0 * (v - CODEC_VOCAB_A);
        for (int i = 0; i < 1920; i++, k++)
            x[k] = f ? 0.3f * (float)sin(2 * M_PI * f * i / 16000) : 0;
    }
    for (int i = 0; i < 1600; i++) x[k++] = 0;
    *n = k;
}

static void make_corpus(const char *dir)
{
    static const char *texts[] = {"abc", "cab", "bad", "dab", "a cab", "bead", "dace", "bed"};
    char path[600], man[600];
    snprintf(man, sizeof man, "%s/manifest.tsv", dir);
    FILE *f = fopen(man, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    static float x[16000 * 4];
    for (int i = 0; i < 8; i++) {
        size_t n;
        synth(texts[i], x, &n);
        snprintf(path, sizeof path, "%s/u%d.wav", dir, i);
        CU_ASSERT_EQUAL(codec_audio_write_wav(path, x, n, 16000, NULL), BASE_OK);
        fprintf(f, "u%d\tu%d.wav\t%s\n", i, i, texts[i]);
    }
    fclose(f);
}

static codec_train_config tiny(const char *dir, int threads, const char *ckpt)
{
    codec_train_config c;
    codec_train_config_default(&c);
    codec_train_config_set(&c, "agent", "family", "dwconv", NULL);
    c.agent.d = 8, c.agent.width = 24, c.agent.enc_depth = 1, c.agent.dec_depth = 1;
    c.agent.dropout = 0.1f; /* exercised: must be thread-count independent too */
    snprintf(c.train[0], sizeof c.train[0], "%s/manifest.tsv", dir);
    c.n_train = 1;
    c.steps = 6;
    c.batch = 3;
    c.optim.warmup_steps = 2;
    c.threads = threads;
    c.log_every = 100;
    if (ckpt) snprintf(c.checkpoint, sizeof c.checkpoint, "%s", ckpt);
    c.checkpoint_every = 100;
    return c;
}

static float *load_params(const char *path, size_t *n)
{
    codec_agent *a = NULL;
    base_err e = BASE_ERR_INIT;
    if (codec_agent_load(path, &a, NULL, &e)) {
        fprintf(stderr, "  load %s: %s\n", path, e.msg);
        return NULL;
    }
    *n = codec_agent_num_floats(a);
    float *p = malloc(*n * sizeof(float));
    memcpy(p, codec_agent_params(a), *n * sizeof(float));
    codec_agent_destroy(a);
    return p;
}

static void test_train_deterministic(void)
{
    const char *dir = test_tmpdir();
    make_corpus(dir);
    char m1[600], m2[600], m3[600], ck[600];
    snprintf(m1, sizeof m1, "%s/one.h5", dir);
    snprintf(m2, sizeof m2, "%s/two.h5", dir);
    snprintf(m3, sizeof m3, "%s/resumed.h5", dir);
    snprintf(ck, sizeof ck, "%s/ckpt", dir);
    base_log quiet = {BASE_LOG_ERROR, NULL};
    base_err e = BASE_ERR_INIT;
    codec_train_result r;
    codec_train_config c = tiny(dir, 1, NULL);
    CU_ASSERT_EQUAL_FATAL(codec_train_run(&c, m1, NULL, &quiet, &r, &e), BASE_OK);
    CU_ASSERT(r.finished);
    CU_ASSERT_EQUAL(r.steps_done, 6);
    CU_ASSERT_EQUAL(r.train_utts, 8);
    c = tiny(dir, 2, NULL);
    CU_ASSERT_EQUAL_FATAL(codec_train_run(&c, m2, NULL, &quiet, &r, &e), BASE_OK);
    /* interrupted after 4 steps, then resumed from the checkpoint */
    c = tiny(dir, 2, ck);
    c.run_steps = 4;
    CU_ASSERT_EQUAL_FATAL(codec_train_run(&c, m3, NULL, &quiet, &r, &e), BASE_OK);
    CU_ASSERT(!r.finished);
    CU_ASSERT_EQUAL(r.steps_done, 4);
    c = tiny(dir, 1, ck);
    CU_ASSERT_EQUAL_FATAL(codec_train_run(&c, m3, NULL, &quiet, &r, &e), BASE_OK);
    CU_ASSERT(r.finished);
    size_t n1 = 0, n2 = 0, n3 = 0;
    float *p1 = load_params(m1, &n1), *p2 = load_params(m2, &n2), *p3 = load_params(m3, &n3);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p3);
    CU_ASSERT(n1 == n2 && n1 == n3);
    CU_ASSERT(!memcmp(p1, p2, n1 * sizeof(float)));
    CU_ASSERT(!memcmp(p1, p3, n1 * sizeof(float)));
    /* and training did move the weights away from the initialisation */
    codec_agent *init = NULL;
    codec_agent_create(&init, &c.agent, c.seed, NULL);
    CU_ASSERT(memcmp(p1, codec_agent_params(init), n1 * sizeof(float)));
    codec_agent_destroy(init);
    /* a checkpoint from another architecture is refused, naming the file */
    c = tiny(dir, 1, ck);
    c.agent.width = 16;
    base_err_clear(&e);
    CU_ASSERT_EQUAL(codec_train_run(&c, m3, NULL, &quiet, &r, &e), BASE_EFORMAT);
    CU_ASSERT(strstr(e.file, "ckpt") != NULL);
    free(p1), free(p2), free(p3);
    /* a missing manifest is an error naming it */
    c = tiny("/nonexistent", 1, NULL);
    base_err_clear(&e);
    CU_ASSERT_NOT_EQUAL(codec_train_run(&c, m3, NULL, &quiet, &r, &e), BASE_OK);
    CU_ASSERT(strstr(e.file, "/nonexistent") != NULL || strstr(e.msg, "/nonexistent") != NULL);
}

/* train.init: fine-tuning starts from a model file's weights (checked with a
 * learning rate so small that the weights barely move), and a model of another
 * architecture is refused naming the file. */
static void test_train_init(void)
{
    const char *dir = test_tmpdir();
    make_corpus(dir);
    char m1[600], m2[600];
    snprintf(m1, sizeof m1, "%s/base.h5", dir);
    snprintf(m2, sizeof m2, "%s/tuned.h5", dir);
    base_log quiet = {BASE_LOG_ERROR, NULL};
    base_err e = BASE_ERR_INIT;
    codec_train_result r;
    codec_train_config c = tiny(dir, 1, NULL);
    CU_ASSERT_EQUAL_FATAL(codec_train_run(&c, m1, NULL, &quiet, &r, &e), BASE_OK);
    c = tiny(dir, 1, NULL);
    c.seed = 7; /* a different random initialisation, which init must override */
    c.optim.lr = 1e-7;
    c.optim.weight_decay = 0;
    snprintf(c.init, sizeof c.init, "%s", m1);
    CU_ASSERT_EQUAL_FATAL(codec_train_run(&c, m2, NULL, &quiet, &r, &e), BASE_OK);
    size_t n1 = 0, n2 = 0;
    float *p1 = load_params(m1, &n1), *p2 = load_params(m2, &n2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p2);
    CU_ASSERT_EQUAL_FATAL(n1, n2);
    double dmax = 0;
    for (size_t i = 0; i < n1; i++) dmax = fmax(dmax, fabs((double)p1[i] - p2[i]));
    CU_ASSERT(dmax < 1e-4);
    CU_ASSERT(dmax > 0); /* it did train */
    free(p1), free(p2);
    c = tiny(dir, 1, NULL);
    c.agent.width = 16;
    snprintf(c.init, sizeof c.init, "%s", m1);
    base_err_clear(&e);
    CU_ASSERT_EQUAL(codec_train_run(&c, m2, NULL, &quiet, &r, &e), BASE_EFORMAT);
    CU_ASSERT(strstr(e.file, "base.h5") != NULL);
}

/* train.keep = last: with a dev set, the file holds the last step's weights (the
 * same as a run without a dev set, which writes its final weights), also when
 * written by a re-run on a finished checkpoint; keep = best (the default) is
 * written at a dev evaluation; a bad value is refused. */
static void test_train_keep_last(void)
{
    const char *dir = test_tmpdir();
    make_corpus(dir);
    char m0[600], m1[600], m2[600], ck[600];
    snprintf(m0, sizeof m0, "%s/nodev.h5", dir);
    snprintf(m1, sizeof m1, "%s/last.h5", dir);
    snprintf(m2, sizeof m2, "%s/again.h5", dir);
    snprintf(ck, sizeof ck, "%s/keep.ckpt", dir);
    base_log quiet = {BASE_LOG_ERROR, NULL};
    base_err e = BASE_ERR_INIT;
    codec_train_result r;
    codec_train_config c = tiny(dir, 1, NULL);
    CU_ASSERT_EQUAL_FATAL(codec_train_run(&c, m0, NULL, &quiet, &r, &e), BASE_OK);
    c = tiny(dir, 1, ck);
    snprintf(c.dev, sizeof c.dev, "%s/manifest.tsv", dir);
    c.eval_every = 2;
    CU_ASSERT_EQUAL(codec_train_config_set(&c, "train", "keep", "last", &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(codec_train_run(&c, m1, NULL, &quiet, &r, &e), BASE_OK);
    CU_ASSERT(r.finished);
    CU_ASSERT_EQUAL_FATAL(codec_train_run(&c, m2, NULL, &quiet, &r, &e), BASE_OK); /* finished */
    size_t n0 = 0, n1 = 0, n2 = 0;
    float *p0 = load_params(m0, &n0), *p1 = load_params(m1, &n1), *p2 = load_params(m2, &n2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p2);
    CU_ASSERT(n0 == n1 && n0 == n2);
    CU_ASSERT(!memcmp(p0, p1, n0 * sizeof(float)));
    CU_ASSERT(!memcmp(p0, p2, n0 * sizeof(float)));
    free(p0), free(p1), free(p2);
    CU_ASSERT_EQUAL(codec_train_config_set(&c, "train", "keep", "best", &e), BASE_OK);
    CU_ASSERT_EQUAL(c.keep_last, 0);
    base_err_clear(&e);
    CU_ASSERT_EQUAL(codec_train_config_set(&c, "train", "keep", "newest", &e), BASE_EINVAL);
    CU_ASSERT(strstr(e.msg, "train.keep") != NULL);
}

/* The shipped augmented recipe loads, with its [augment] block. */
static void test_recipe_aug(void)
{
    char path[1024];
    codec_train_config c;
    base_err e = {0};
    codec_train_config_default(&c);
    test_srcpath(path, sizeof path, "models/recipes/A-words-aug.ini");
    CU_ASSERT_EQUAL_FATAL(codec_train_config_load(path, &c, &e), BASE_OK);
    CU_ASSERT_EQUAL(codec_train_config_check(&c, &e), BASE_OK);
    TEST_ASSERT_NEAR(c.aug.speed_prob, 0.3, 1e-6);
    TEST_ASSERT_NEAR(c.aug.codec_prob, 0.2, 1e-6);
    CU_ASSERT_EQUAL(c.aug.noise_types, 0xfu); /* white, pink, brown, babble */
    CU_ASSERT_STRING_EQUAL(c.init, "A-words.h5");
}

static const test_case cases[] = {
    {"recipe INI: keys, lists, file:line errors", test_config_load},
    {"train.keep = last: the final weights, also from a finished checkpoint", test_train_keep_last},
    {"models/recipes/A-words-aug.ini loads", test_recipe_aug},
    {"greedy CTC decoding", test_greedy},
    {"training is thread-count independent and resumes exactly", test_train_deterministic},
    {"train.init starts from a model file's weights", test_train_init},
    {NULL, NULL},
};

int main(void)
{
    return test_main("train", cases);
}
