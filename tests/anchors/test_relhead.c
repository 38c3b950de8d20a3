/* test_relhead.c -- the relative head (anchors/relhead.h) and the `relative`
 * equalizer built on it: a head trained on a tiny synthetic problem reaches
 * CER 0 on its training set, training is bit-identical for a seed whatever
 * the thread count, the cache returns the identical head and its key follows
 * K / psi / anchors / recipe, the equalizer decodes a rotated-and-scaled
 * transmitter space through the head, and bad inputs are clear errors.
 *
 * Synthetic data: the "receiver encoder" output is built directly. Each class
 * (blank, space, a..f) has a random prototype latent; an utterance is its
 * label sequence with every label held 3 frames, a blank frame between
 * labels and 2 blank frames at each end, plus small noise. The receiver's
 * decoder is a random (untrained) tiny agent, so the head has to learn. */
#include "anchors/equalizer.h"
#include "anchors/relhead.h"
#include "codecs/align.h"
#include "codecs/modelfile.h"
#include "codecs/train.h"
#include "codecs/vocab.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { D = 6, K = 8, NU = 6, MAXT = 64, NCLS = 9 };

static const char *const texts[NU] = {"cab", "a bad deed", "ace", "dead cab", "bead", "fade"};

typedef struct fixture {
    codec_agent *rx;
    float proto[NCLS][D];
    float a_rx[K * D];
    float z[NU][MAXT * D];
    int t[NU];
    const float *zp[NU];
} fixture;

static int class_of(int label)
{
    return label == CODEC_VOCAB_SPACE ? 1 : label - CODEC_VOCAB_A + 3;
}

static void put(fixture *f, int u, int cls, base_rng *r)
{
    float *o = f->z[u] + (size_t)f->t[u] * D;
    for (int c = 0; c < D; c++) o[c] = f->proto[cls][c] + 0.05f * (float)base_rng_normal(r);
    f->t[u]++;
}

static void make_fixture_up(fixture *f, int upsample)
{
    memset(f, 0, sizeof *f);
    codec_agent_config c = codec_agent_config_default();
    c.n_mels = 4, c.d = D, c.width = 16, c.kernel0 = 1, c.kernel = 3, c.stride = 1;
    c.upsample = upsample;
    c.enc_depth = 0, c.dec_depth = 1, c.dilation_max = 1, c.dropout = 0;
    CU_ASSERT_EQUAL_FATAL(codec_agent_create(&f->rx, &c, 5, NULL), BASE_OK);
    base_rng r;
    base_rng_init(&r, 77, 0, 0);
    for (int k = 0; k < NCLS; k++)
        for (int e = 0; e < D; e++) f->proto[k][e] = (float)base_rng_normal(&r);
    for (int i = 0; i < K * D; i++) f->a_rx[i] = (float)base_rng_normal(&r);
    for (int u = 0; u < NU; u++) {
        int lab[32];
        size_t l = codec_vocab_encode(texts[u], lab, 32);
        put(f, u, 0, &r), put(f, u, 0, &r);
        for (size_t j = 0; j < l; j++) {
            for (int rep = 0; rep < 3; rep++) put(f, u, class_of(lab[j]), &r);
            put(f, u, 0, &r);
        }
        put(f, u, 0, &r);
        f->zp[u] = f->z[u];
    }
}
static void make_fixture(fixture *f)
{
    make_fixture_up(f, 1);
}

static anchor_relhead_data fixture_data(const fixture *f)
{
    anchor_relhead_data d = {NU, f->zp, f->t, texts, NULL, NULL};
    return d;
}

static anchor_relhead_spec fixture_spec(const fixture *f)
{
    anchor_relhead_spec s = {f->rx, f->a_rx, K,   ANCHOR_PSI_COSINE, 0x1234, 0x5678, NULL,
                             NULL,  0,       NULL};
    return s;
}

static anchor_relhead_config small_recipe(void)
{
    anchor_relhead_config c;
    anchor_relhead_config_default(&c);
    c.steps = 300, c.batch = 3, c.lr = 3e-3f, c.warmup = 20, c.weight_decay = 0;
    c.threads = 2, c.seed = 9, c.noise = 0; /* noise-free: the overfit checks are exact */
    return c;
}

/* Character errors of hyp against ref (codecs/align, sclite's character rules). */
static long char_errors(const char *ref, const char *hyp)
{
    codec_align_counts c;
    CU_ASSERT_EQUAL_FATAL(codec_align_chars(ref, hyp, &c, NULL), BASE_OK);
    return codec_align_errors(&c);
}

/* Characters of ref that count (codecs/align: not whitespace). */
static long ref_chars(const char *ref)
{
    codec_align_counts c;
    CU_ASSERT_EQUAL_FATAL(codec_align_chars(ref, "", &c, NULL), BASE_OK);
    return c.ref;
}

/* Greedy CER (edit distance over characters) of the head on the fixture. */
static double fixture_cer(const anchor_relhead *h, const fixture *f)
{
    anchor_relhead_ws *ws = anchor_relhead_ws_create(h, MAXT, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ws);
    long errs = 0, chars = 0;
    for (int u = 0; u < NU; u++) {
        float r[MAXT * K], lp[2 * MAXT * CODEC_VOCAB_SIZE];
        char hyp[128];
        CU_ASSERT_EQUAL(anchor_relhead_project(h, f->z[u], f->t[u], r, NULL), BASE_OK);
        CU_ASSERT_EQUAL(anchor_relhead_decode(h, ws, r, f->t[u], lp, NULL), BASE_OK);
        size_t per_frame = anchor_relhead_out_dim(h); /* V per CTC frame, upsample of them */
        codec_train_greedy(lp, f->t[u] * (int)(per_frame / CODEC_VOCAB_SIZE), CODEC_VOCAB_SIZE, hyp,
                           sizeof hyp);
        errs += char_errors(texts[u], hyp);
        chars += ref_chars(texts[u]);
    }
    anchor_relhead_ws_destroy(ws);
    return (double)errs / (double)chars;
}

static void train_overfit(int up)
{
    fixture f;
    make_fixture_up(&f, up);
    anchor_relhead_spec s = fixture_spec(&f);
    anchor_relhead_data d = fixture_data(&f);
    anchor_relhead_config c = small_recipe();
    c.steps *= up * up; /* twice the CTC frames to place: 4x the steps reach CER 0 */
    anchor_relhead_result res;
    base_err e = BASE_ERR_INIT;
    anchor_relhead *h = anchor_relhead_train(&s, &d, &c, NULL, &res, &e);
    if (!h) fprintf(stderr, "  %s\n", e.msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    CU_ASSERT_EQUAL(res.utts, NU);
    CU_ASSERT_EQUAL(res.skipped, 0);
    CU_ASSERT_EQUAL(res.steps, c.steps);
    CU_ASSERT_EQUAL(res.cache_hit, 0);
    CU_ASSERT(res.params > 0);
    double cer = fixture_cer(h, &f);
    fprintf(stderr, "  loss %.3f -> %.3f, training-set CER %.3f\n", res.init_loss, res.final_loss,
            cer);
    CU_ASSERT(res.final_loss < 0.2 * res.init_loss);
    CU_ASSERT(res.final_loss < 1.0);
    CU_ASSERT_EQUAL(cer, 0.0);
    CU_ASSERT_EQUAL(anchor_relhead_k(h), K);
    CU_ASSERT_EQUAL(anchor_relhead_in_dim(h), D);
    CU_ASSERT_EQUAL(anchor_relhead_vocab(h), CODEC_VOCAB_SIZE);
    CU_ASSERT_EQUAL(anchor_relhead_psi(h), ANCHOR_PSI_COSINE);
    CU_ASSERT_EQUAL(anchor_relhead_out_dim(h), (size_t)up * CODEC_VOCAB_SIZE);
    if (up != 1) { /* the receiver's CTC frames per latent frame survive save -> load */
        char path[600];
        snprintf(path, sizeof path, "%s/head-up.h5", test_tmpdir());
        CU_ASSERT_EQUAL_FATAL(anchor_relhead_save(h, path, &e), BASE_OK);
        anchor_relhead *hl = anchor_relhead_load(path, &e);
        CU_ASSERT_PTR_NOT_NULL_FATAL(hl);
        CU_ASSERT_EQUAL(anchor_relhead_out_dim(hl), (size_t)up * CODEC_VOCAB_SIZE);
        CU_ASSERT_EQUAL(fixture_cer(hl, &f), 0.0);
        anchor_relhead_destroy(hl);
    }
    /* the untrained head (0 steps is refused, 1 step ~ the initialisation) is far from it */
    c.steps = 1;
    anchor_relhead *h0 = anchor_relhead_train(&s, &d, &c, NULL, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h0);
    CU_ASSERT(fixture_cer(h0, &f) > 0.3);
    anchor_relhead_destroy(h0);
    anchor_relhead_destroy(h);
    codec_agent_destroy(f.rx);
}
static void test_train_overfit(void)
{
    train_overfit(1);
}
static void test_train_overfit_upsample(void)
{
    train_overfit(2);
}

static int same_head(const anchor_relhead *a, const anchor_relhead *b)
{
    const codec_agent *da = anchor_relhead_decoder(a), *db = anchor_relhead_decoder(b);
    size_t n = codec_agent_num_floats(da);
    return n == codec_agent_num_floats(db) &&
           !memcmp(codec_agent_params((codec_agent *)da), codec_agent_params((codec_agent *)db),
                   n * sizeof(float)) &&
           !memcmp(anchor_relhead_in_mean(a), anchor_relhead_in_mean(b), K * sizeof(float)) &&
           !memcmp(anchor_relhead_in_scale(a), anchor_relhead_in_scale(b), K * sizeof(float)) &&
           !memcmp(anchor_relhead_anchors(a), anchor_relhead_anchors(b), K * D * sizeof(float));
}

static void test_deterministic(void)
{
    fixture f;
    make_fixture(&f);
    anchor_relhead_spec s = fixture_spec(&f);
    anchor_relhead_data d = fixture_data(&f);
    anchor_relhead_config c = small_recipe();
    c.steps = 40;
    c.threads = 1;
    anchor_relhead *h1 = anchor_relhead_train(&s, &d, &c, NULL, NULL, NULL);
    c.threads = 2;
    anchor_relhead *h2 = anchor_relhead_train(&s, &d, &c, NULL, NULL, NULL);
    c.seed = 10;
    anchor_relhead *h3 = anchor_relhead_train(&s, &d, &c, NULL, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h3);
    CU_ASSERT(same_head(h1, h2));  /* 1 vs 2 threads */
    CU_ASSERT(!same_head(h1, h3)); /* another seed, another batch order */
    anchor_relhead_destroy(h1);
    anchor_relhead_destroy(h2);
    anchor_relhead_destroy(h3);
    codec_agent_destroy(f.rx);
}

typedef struct fetch_ctx {
    const fixture *f;
    anchor_relhead_data d;
    int calls;
} fetch_ctx;

static base_status fetch(void *ctx, anchor_relhead_data *data, base_err *err)
{
    (void)err;
    fetch_ctx *fc = ctx;
    fc->calls++;
    *data = fc->d;
    return BASE_OK;
}

static void test_cache(void)
{
    fixture f;
    make_fixture(&f);
    anchor_relhead_spec s = fixture_spec(&f);
    anchor_relhead_config c = small_recipe();
    c.steps = 30;
    snprintf(c.cache_dir, sizeof c.cache_dir, "%s/cache/relheads", test_tmpdir());
    fetch_ctx fc = {&f, fixture_data(&f), 0};
    anchor_relhead_result r1, r2;
    base_err e = BASE_ERR_INIT;
    anchor_relhead *h1 = anchor_relhead_get(&s, fetch, &fc, &c, NULL, &r1, &e);
    if (!h1) fprintf(stderr, "  %s\n", e.msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h1);
    CU_ASSERT_EQUAL(fc.calls, 1);
    CU_ASSERT_EQUAL(r1.cache_hit, 0);
    CU_ASSERT_EQUAL(access(r1.path, R_OK), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r1.path, "/cache/relheads/relhead-"));
    anchor_relhead *h2 = anchor_relhead_get(&s, fetch, &fc, &c, NULL, &r2, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h2);
    CU_ASSERT_EQUAL(fc.calls, 1); /* no latents needed on a hit */
    CU_ASSERT_EQUAL(r2.cache_hit, 1);
    CU_ASSERT_STRING_EQUAL(r1.path, r2.path);
    CU_ASSERT_EQUAL(r1.key, r2.key);
    CU_ASSERT_EQUAL(anchor_relhead_key_of(h1), anchor_relhead_key_of(h2));
    CU_ASSERT(same_head(h1, h2));
    /* same outputs, bit for bit */
    anchor_relhead_ws *w1 = anchor_relhead_ws_create(h1, MAXT, NULL);
    anchor_relhead_ws *w2 = anchor_relhead_ws_create(h2, MAXT, NULL);
    float r[MAXT * K], l1[MAXT * CODEC_VOCAB_SIZE], l2[MAXT * CODEC_VOCAB_SIZE];
    anchor_relhead_project(h1, f.z[3], f.t[3], r, NULL);
    CU_ASSERT_EQUAL(anchor_relhead_decode(h1, w1, r, f.t[3], l1, NULL), BASE_OK);
    CU_ASSERT_EQUAL(anchor_relhead_decode(h2, w2, r, f.t[3], l2, NULL), BASE_OK);
    CU_ASSERT(!memcmp(l1, l2, sizeof(float) * (size_t)f.t[3] * CODEC_VOCAB_SIZE));
    anchor_relhead_ws_destroy(w1);
    anchor_relhead_ws_destroy(w2);
    /* a corrupted cache file is retrained over */
    FILE *fp = fopen(r1.path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    fputs("not hdf5\n", fp);
    fclose(fp);
    base_log quiet = {BASE_LOG_ERROR, NULL};
    anchor_relhead *h3 = anchor_relhead_get(&s, fetch, &fc, &c, &quiet, &r2, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h3);
    CU_ASSERT_EQUAL(fc.calls, 2);
    CU_ASSERT_EQUAL(r2.cache_hit, 0);
    CU_ASSERT(same_head(h1, h3)); /* deterministic retraining */
    anchor_relhead_destroy(h1);
    anchor_relhead_destroy(h2);
    anchor_relhead_destroy(h3);

    /* the key follows every input that changes the head */
    uint64_t k0, k1;
    CU_ASSERT_EQUAL(anchor_relhead_key(&s, &c, &k0, NULL), BASE_OK);
    CU_ASSERT_EQUAL(anchor_relhead_key(&s, &c, &k1, NULL), BASE_OK);
    CU_ASSERT_EQUAL(k0, k1);
    anchor_relhead_config c2 = c;
    c2.threads = 1, c2.log_every = 3; /* not part of the recipe */
    snprintf(c2.cache_dir, sizeof c2.cache_dir, "elsewhere");
    anchor_relhead_key(&s, &c2, &k1, NULL);
    CU_ASSERT_EQUAL(k0, k1);
    anchor_relhead_spec s2 = s;
    s2.k = K - 1;
    anchor_relhead_key(&s2, &c, &k1, NULL);
    CU_ASSERT_NOT_EQUAL(k0, k1);
    s2 = s, s2.psi = ANCHOR_PSI_EUCLIDEAN;
    anchor_relhead_key(&s2, &c, &k1, NULL);
    CU_ASSERT_NOT_EQUAL(k0, k1);
    s2 = s, s2.set_hash ^= 1;
    anchor_relhead_key(&s2, &c, &k1, NULL);
    CU_ASSERT_NOT_EQUAL(k0, k1);
    s2 = s, s2.data_id ^= 1;
    anchor_relhead_key(&s2, &c, &k1, NULL);
    CU_ASSERT_NOT_EQUAL(k0, k1);
    float a2[K * D];
    memcpy(a2, f.a_rx, sizeof a2);
    a2[K * D - 1] += 1e-3f;
    s2 = s, s2.a_rx = a2;
    anchor_relhead_key(&s2, &c, &k1, NULL);
    CU_ASSERT_NOT_EQUAL(k0, k1);
    c2 = c, c2.seed++;
    anchor_relhead_key(&s, &c2, &k1, NULL);
    CU_ASSERT_NOT_EQUAL(k0, k1);
    c2 = c, c2.steps++;
    anchor_relhead_key(&s, &c2, &k1, NULL);
    CU_ASSERT_NOT_EQUAL(k0, k1);
    c2 = c, c2.noise = 0.5f;
    anchor_relhead_key(&s, &c2, &k1, NULL);
    CU_ASSERT_NOT_EQUAL(k0, k1);
    c2 = c, c2.noise = -1;
    CU_ASSERT_EQUAL(anchor_relhead_key(&s, &c2, &k1, NULL), BASE_EINVAL);
    /* the noise reaches the training: same recipe, other weights */
    c2 = c, c2.steps = 3, c2.cache_dir[0] = 0;
    anchor_relhead_data fd = fixture_data(&f);
    anchor_relhead *hn0 = anchor_relhead_train(&s, &fd, &c2, NULL, NULL, NULL);
    c2.noise = 1;
    anchor_relhead *hn1 = anchor_relhead_train(&s, &fd, &c2, NULL, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(hn0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(hn1);
    CU_ASSERT(!same_head(hn0, hn1));
    anchor_relhead_destroy(hn0);
    anchor_relhead_destroy(hn1);
    /* another receiver (one weight changed) */
    codec_agent_params(f.rx)[codec_agent_num_floats(f.rx) - 1] += 1e-3f;
    anchor_relhead_key(&s, &c, &k1, NULL);
    CU_ASSERT_NOT_EQUAL(k0, k1);
    codec_agent_destroy(f.rx);
}

/* tx space = s * rx space * Q (Q orthogonal): the cosine relative representation is
 * the same in both, so the receiver's head decodes the transmitter's frames. */
static void test_equalizer_relative(void)
{
    fixture f;
    make_fixture(&f);
    anchor_relhead_spec s = fixture_spec(&f);
    anchor_relhead_data d = fixture_data(&f);
    anchor_relhead_config c = small_recipe();
    anchor_relhead *h = anchor_relhead_train(&s, &d, &c, NULL, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    /* Q: a Givens rotation in every consecutive pair of axes, then a permutation */
    float q[D * D] = {0};
    for (int i = 0; i < D; i += 2) {
        double th = 0.3 + i;
        q[i * D + (i + 1) % D] = (float)cos(th), q[i * D + i] = (float)-sin(th);
        q[(i + 1) * D + (i + 1) % D] = (float)sin(th), q[(i + 1) * D + i] = (float)cos(th);
    }
    const float sc = 2.5f;
    float a_tx[K * D];
    for (int k = 0; k < K; k++)
        for (int j = 0; j < D; j++) {
            double acc = 0;
            for (int e = 0; e < D; e++) acc += f.a_rx[k * D + e] * q[e * D + j];
            a_tx[k * D + j] = (float)(sc * acc);
        }
    anchor_equalizer_config ec;
    anchor_equalizer_config_default(&ec);
    ec.type = ANCHOR_EQ_RELATIVE;
    ec.head = h;
    base_err e = BASE_ERR_INIT;
    anchor_equalizer *eq = anchor_equalizer_create(&ec, a_tx, f.a_rx, K, D, D, &e);
    if (!eq) fprintf(stderr, "  %s\n", e.msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(eq);
    CU_ASSERT_EQUAL(anchor_equalizer_symbols_per_frame(eq), K);
    CU_ASSERT_EQUAL(anchor_equalizer_out_dim(eq), CODEC_VOCAB_SIZE);
    CU_ASSERT_EQUAL(anchor_equalizer_outputs_logprobs(eq), 1);
    CU_ASSERT_EQUAL(anchor_equalizer_handshake_symbols(eq), 0);
    for (int u = 0; u < NU; u++) {
        int t = f.t[u];
        float ztx[MAXT * D], sym[MAXT * K], lp[MAXT * CODEC_VOCAB_SIZE];
        float lp2[MAXT * CODEC_VOCAB_SIZE], r[MAXT * K];
        for (int i = 0; i < t; i++)
            for (int j = 0; j < D; j++) {
                double acc = 0;
                for (int k = 0; k < D; k++) acc += f.z[u][i * D + k] * q[k * D + j];
                ztx[i * D + j] = (float)(sc * acc);
            }
        CU_ASSERT_EQUAL(anchor_equalizer_encode(eq, ztx, (size_t)t, sym, NULL), BASE_OK);
        anchor_relhead_project(h, f.z[u], t, r, NULL);
        TEST_ASSERT_CLOSE_F(sym, r, (size_t)t * K, 1e-5); /* same relative representation */
        CU_ASSERT_EQUAL(anchor_equalizer_decode(eq, sym, (size_t)t, lp, NULL), BASE_OK);
        CU_ASSERT_EQUAL(anchor_equalizer_execute(eq, ztx, (size_t)t, lp2, NULL), BASE_OK);
        CU_ASSERT(!memcmp(lp, lp2, sizeof(float) * (size_t)t * CODEC_VOCAB_SIZE));
        char hyp[128];
        codec_train_greedy(lp, t, CODEC_VOCAB_SIZE, hyp, sizeof hyp);
        CU_ASSERT_STRING_EQUAL(hyp, texts[u]);
    }
    anchor_equalizer_destroy(eq);
    /* a head that does not fit the equalizer's anchors */
    ec.psi = ANCHOR_PSI_INNER;
    CU_ASSERT_PTR_NULL(anchor_equalizer_create(&ec, a_tx, f.a_rx, K, D, D, &e));
    CU_ASSERT_EQUAL(e.code, BASE_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "psi"));
    ec.psi = ANCHOR_PSI_COSINE;
    CU_ASSERT_PTR_NULL(anchor_equalizer_create(&ec, a_tx, f.a_rx, K - 1, D, D, &e));
    CU_ASSERT_EQUAL(e.code, BASE_EINVAL);
    CU_ASSERT_PTR_NULL(anchor_equalizer_create(&ec, a_tx, a_tx, K, D, D, &e));
    CU_ASSERT_EQUAL(e.code, BASE_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "anchors"));
    ec.head = NULL;
    CU_ASSERT_PTR_NULL(anchor_equalizer_create(&ec, a_tx, f.a_rx, K, D, D, &e));
    CU_ASSERT_EQUAL(e.code, BASE_EINVAL);
    anchor_relhead_destroy(h);
    codec_agent_destroy(f.rx);
}

static void test_bad_input(void)
{
    fixture f;
    make_fixture(&f);
    anchor_relhead_spec s = fixture_spec(&f), s2;
    anchor_relhead_data d = fixture_data(&f), d2;
    anchor_relhead_config c = small_recipe(), c2;
    c.steps = 2;
    base_err e = BASE_ERR_INIT;
#define FAILS(spec_, data_, cfg_, code_, text_)                                                    \
    do {                                                                                           \
        base_err_clear(&e);                                                                        \
        CU_ASSERT_PTR_NULL(anchor_relhead_train((spec_), (data_), (cfg_), NULL, NULL, &e));        \
        CU_ASSERT_EQUAL(e.code, (code_));                                                          \
        if (!strstr(e.msg, (text_))) fprintf(stderr, "  message: %s\n", e.msg);                    \
        CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, (text_)));                                            \
    } while (0)
    s2 = s, s2.k = 0;
    FAILS(&s2, &d, &c, BASE_EINVAL, "K must be > 0");
    s2 = s, s2.k = ANCHOR_RELHEAD_MAX_K + 1;
    FAILS(&s2, &d, &c, BASE_ERANGE, "exceeds");
    s2 = s, s2.a_rx = NULL;
    FAILS(&s2, &d, &c, BASE_EINVAL, "anchors");
    s2 = s, s2.rx = NULL;
    FAILS(&s2, &d, &c, BASE_EINVAL, "receiver");
    s2 = s, s2.psi = (anchor_psi)7;
    FAILS(&s2, &d, &c, BASE_EINVAL, "psi");
    float bad[K * D];
    memcpy(bad, f.a_rx, sizeof bad);
    bad[3] = NAN;
    s2 = s, s2.a_rx = bad;
    FAILS(&s2, &d, &c, BASE_EINVAL, "not finite");
    memset(bad, 0, sizeof bad); /* zero anchors: cosine undefined */
    FAILS(&s2, &d, &c, BASE_EINVAL, "zero");
    d2 = d, d2.n = 0;
    FAILS(&s, &d2, &c, BASE_EINVAL, "n > 0");
    FAILS(&s, NULL, &c, BASE_EINVAL, "n > 0");
    const char *texts2[NU];
    memcpy(texts2, texts, sizeof texts2);
    texts2[4] = NULL;
    d2 = d, d2.text = texts2;
    FAILS(&s, &d2, &c, BASE_EINVAL, "utterance 4 has no transcript");
    int t2[NU];
    memcpy(t2, f.t, sizeof t2);
    t2[2] = 0;
    d2 = d, d2.t = t2;
    FAILS(&s, &d2, &c, BASE_EINVAL, "utterance 2 has no latents");
    const float *zp2[NU];
    memcpy(zp2, f.zp, sizeof zp2);
    zp2[1] = NULL;
    d2 = d, d2.z = zp2;
    FAILS(&s, &d2, &c, BASE_EINVAL, "utterance 1 has no latents");
    f.z[5][7] = INFINITY;
    FAILS(&s, &d, &c, BASE_EINVAL, "utterance 5, latent frame 1 is not finite");
    f.z[5][7] = 0;
    for (int u = 0; u < NU; u++) t2[u] = 2; /* too few frames for any transcript */
    d2 = d, d2.t = t2;
    FAILS(&s, &d2, &c, BASE_EINVAL, "enough latent frames");
    c2 = c, c2.steps = 0;
    FAILS(&s, &d, &c2, BASE_EINVAL, "steps");
    c2 = c, c2.threads = 0;
    FAILS(&s, &d, &c2, BASE_EINVAL, "threads");
    c2 = c, c2.batch = 0;
    FAILS(&s, &d, &c2, BASE_EINVAL, "batch");
    c2 = c, c2.lr = NAN;
    FAILS(&s, &d, &c2, BASE_EINVAL, "lr");
    FAILS(&s, &d, NULL, BASE_EINVAL, "config");
    volatile sig_atomic_t stop = 1;
    c2 = c, c2.stop = &stop;
    FAILS(&s, &d, &c2, BASE_EINTERRUPTED, "stopped at step 0");
#undef FAILS
    /* one usable utterance is enough; the others are counted as skipped */
    memcpy(t2, f.t, sizeof t2);
    t2[0] = t2[1] = 2;
    d2 = d, d2.t = t2;
    anchor_relhead_result res;
    anchor_relhead *h = anchor_relhead_train(&s, &d2, &c, NULL, &res, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    CU_ASSERT_EQUAL(res.skipped, 2);
    CU_ASSERT_EQUAL(res.utts, NU - 2);
    /* decode: too many frames for the workspace, NULL, non-finite symbols */
    anchor_relhead_ws *ws = anchor_relhead_ws_create(h, 8, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ws);
    float r[16 * K] = {0}, lp[16 * CODEC_VOCAB_SIZE];
    CU_ASSERT_EQUAL(anchor_relhead_decode(h, ws, r, 9, lp, &e), BASE_ERANGE);
    CU_ASSERT_EQUAL(anchor_relhead_decode(h, ws, r, 0, lp, &e), BASE_ERANGE);
    CU_ASSERT_EQUAL(anchor_relhead_decode(h, ws, NULL, 4, lp, &e), BASE_EINVAL);
    r[K + 2] = NAN;
    CU_ASSERT_EQUAL(anchor_relhead_decode(h, ws, r, 4, lp, &e), BASE_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "symbol 2 of frame 1"));
    CU_ASSERT_PTR_NULL(anchor_relhead_ws_create(h, 0, &e));
    anchor_relhead_ws_destroy(ws);
    anchor_relhead_destroy(h);
    anchor_relhead_destroy(NULL);
    anchor_relhead_ws_destroy(NULL);
    /* load: missing file, and an agent model file that is not a head */
    char path[1024];
    snprintf(path, sizeof path, "%s/missing.h5", test_tmpdir());
    base_err_clear(&e);
    CU_ASSERT_PTR_NULL(anchor_relhead_load(path, &e));
    CU_ASSERT_NOT_EQUAL(e.code, BASE_OK);
    snprintf(path, sizeof path, "%s/agent.h5", test_tmpdir());
    CU_ASSERT_EQUAL_FATAL(codec_agent_save(f.rx, NULL, path, NULL), BASE_OK);
    base_err_clear(&e);
    CU_ASSERT_PTR_NULL(anchor_relhead_load(path, &e));
    CU_ASSERT_NOT_EQUAL(e.code, BASE_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "kind"));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.file, "agent.h5"));
    /* get: NULL callback */
    CU_ASSERT_PTR_NULL(anchor_relhead_get(&s, NULL, NULL, &c, NULL, NULL, &e));
    CU_ASSERT_EQUAL(e.code, BASE_EINVAL);
    codec_agent_destroy(f.rx);
}

/* equalizer.head_snr_db: the text forms, the key (clean keeps the old key), and
 * the emulated link reaching the training, bit-identical for any thread count. */
static void test_channel_aware(void)
{
    int on;
    double lo, hi;
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL(anchor_relhead_snr_parse("none", &on, &lo, &hi, NULL), BASE_OK);
    CU_ASSERT_EQUAL(on, 0);
    CU_ASSERT_EQUAL(anchor_relhead_snr_parse(NULL, &on, &lo, &hi, NULL), BASE_OK);
    CU_ASSERT_EQUAL(on, 0);
    CU_ASSERT_EQUAL(anchor_relhead_snr_parse("7.5", &on, &lo, &hi, NULL), BASE_OK);
    CU_ASSERT(on == 1 && lo == 7.5 && hi == 7.5);
    CU_ASSERT_EQUAL(anchor_relhead_snr_parse("0:15", &on, &lo, &hi, NULL), BASE_OK);
    CU_ASSERT(on == 1 && lo == 0 && hi == 15);
    CU_ASSERT_EQUAL(anchor_relhead_snr_parse("-5:-1", &on, &lo, &hi, NULL), BASE_OK);
    CU_ASSERT(lo == -5 && hi == -1);
    const char *bad[] = {"clean", "10dB", "15:5", "5:", ":5", "100", "nan", "1:2:3"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        base_err_clear(&e);
        CU_ASSERT_EQUAL(anchor_relhead_snr_parse(bad[i], &on, &lo, &hi, &e), BASE_EINVAL);
        CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "head_snr_db"));
    }
    fixture f;
    make_fixture(&f);
    anchor_relhead_spec s = fixture_spec(&f);
    anchor_relhead_data d = fixture_data(&f);
    anchor_relhead_config c = small_recipe(), c2;
    uint64_t k0, k1;
    CU_ASSERT_EQUAL(anchor_relhead_key(&s, &c, &k0, NULL), BASE_OK);
    c2 = c, c2.snr_lo_db = 3; /* off: the range does not matter */
    anchor_relhead_key(&s, &c2, &k1, NULL);
    CU_ASSERT_EQUAL(k0, k1);
    c2 = c, c2.snr_on = 1, c2.snr_lo_db = c2.snr_hi_db = 5;
    anchor_relhead_key(&s, &c2, &k1, NULL);
    CU_ASSERT_NOT_EQUAL(k0, k1);
    uint64_t k5 = k1;
    c2.snr_hi_db = 10;
    anchor_relhead_key(&s, &c2, &k1, NULL);
    CU_ASSERT_NOT_EQUAL(k5, k1);
    c2.snr_hi_db = 5, c2.packet_frames = 8;
    anchor_relhead_key(&s, &c2, &k1, NULL);
    CU_ASSERT_NOT_EQUAL(k5, k1);
    c2.snr_lo_db = 6; /* lo > hi */
    CU_ASSERT_EQUAL(anchor_relhead_key(&s, &c2, &k1, NULL), BASE_EINVAL);
    /* training: the channel changes the weights; 1 and 2 threads agree */
    c.steps = 6;
    c.threads = 1;
    anchor_relhead *clean = anchor_relhead_train(&s, &d, &c, NULL, NULL, NULL);
    c.snr_on = 1, c.snr_lo_db = 0, c.snr_hi_db = 10;
    anchor_relhead *n1 = anchor_relhead_train(&s, &d, &c, NULL, NULL, NULL);
    c.threads = 2;
    anchor_relhead *n2 = anchor_relhead_train(&s, &d, &c, NULL, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(clean);
    CU_ASSERT_PTR_NOT_NULL_FATAL(n1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(n2);
    CU_ASSERT(!same_head(clean, n1));
    CU_ASSERT(same_head(n1, n2));
    anchor_relhead_destroy(clean);
    anchor_relhead_destroy(n1);
    anchor_relhead_destroy(n2);
    codec_agent_destroy(f.rx);
}

/* A pool encoder's view of the fixture: z' = tanh(z W) + 0.3 z (another geometry of the same
 * frames, W (D,D) random from seed), its anchors the same map of A_rx. */
typedef struct view {
    float z[NU][MAXT * D];
    const float *zp[NU];
    int t[NU];
    float a[K * D];
} view;

static void warp_rows(const float *x, size_t n, const float *w, float *out)
{
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < D; c++) {
            double acc = 0;
            for (int e = 0; e < D; e++) acc += (double)x[i * D + e] * w[e * D + c];
            out[i * D + c] = (float)(tanh(acc) + 0.3 * x[i * D + c]);
        }
}

static void make_view(const fixture *f, uint64_t seed, view *v)
{
    float w[D * D];
    base_rng r;
    base_rng_init(&r, seed, 0, 0);
    for (int i = 0; i < D * D; i++) w[i] = (float)(1.5 * base_rng_normal(&r));
    for (int u = 0; u < NU; u++) {
        warp_rows(f->z[u], (size_t)f->t[u], w, v->z[u]);
        v->zp[u] = v->z[u];
        v->t[u] = f->t[u];
    }
    warp_rows(f->a_rx, K, w, v->a);
}

/* Greedy CER of head h reading view v's relative representations (psi(z', A')). */
static double view_cer(const anchor_relhead *h, const view *v)
{
    anchor_relative *p = anchor_relative_create(v->a, K, D, ANCHOR_PSI_COSINE, NULL);
    anchor_relhead_ws *ws = anchor_relhead_ws_create(h, MAXT, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ws);
    long errs = 0, chars = 0;
    for (int u = 0; u < NU; u++) {
        float r[MAXT * K], lp[MAXT * CODEC_VOCAB_SIZE];
        char hyp[128];
        CU_ASSERT_EQUAL(anchor_relative_execute(p, v->z[u], (size_t)v->t[u], r, NULL), BASE_OK);
        CU_ASSERT_EQUAL(anchor_relhead_decode(h, ws, r, v->t[u], lp, NULL), BASE_OK);
        codec_train_greedy(lp, v->t[u], CODEC_VOCAB_SIZE, hyp, sizeof hyp);
        errs += char_errors(texts[u], hyp);
        chars += ref_chars(texts[u]);
    }
    anchor_relhead_ws_destroy(ws);
    anchor_relative_destroy(p);
    return (double)errs / (double)chars;
}

/* equalizer.head_pool: the pool enters the key (no pool: the key as before), a pool
 * encoder identical to the receiver trains the identical head, and a head trained
 * with a pool reads an encoder of another geometry that the receiver's own head
 * cannot; bad pools are clear errors. */
static void test_pool(void)
{
    fixture f;
    make_fixture(&f);
    view v1;
    make_view(&f, 31, &v1);
    anchor_relhead_spec s = fixture_spec(&f), sp = s;
    anchor_relhead_data d = fixture_data(&f), dp = d;
    anchor_relhead_config c = small_recipe();
    c.steps = 600;
    anchor_relhead_pool_member same = {f.rx, f.a_rx, D}, other = {f.rx, v1.a, D};
    const float *const *pz_same[1] = {f.zp}, *const * pz_other[1] = {v1.zp};
    const int *pt[1] = {f.t};
    /* key */
    uint64_t k0, k1, k2;
    CU_ASSERT_EQUAL(anchor_relhead_key(&s, &c, &k0, NULL), BASE_OK);
    sp.n_pool = 1, sp.pool = &same;
    CU_ASSERT_EQUAL(anchor_relhead_key(&sp, &c, &k1, NULL), BASE_OK);
    sp.pool = &other;
    CU_ASSERT_EQUAL(anchor_relhead_key(&sp, &c, &k2, NULL), BASE_OK);
    CU_ASSERT_NOT_EQUAL(k0, k1);
    CU_ASSERT_NOT_EQUAL(k1, k2);
    /* an identical pool encoder changes nothing in the weights */
    c.steps = 30;
    anchor_relhead *h0 = anchor_relhead_train(&s, &d, &c, NULL, NULL, NULL);
    sp.pool = &same, dp.pz = pz_same, dp.pt = pt;
    anchor_relhead *hs = anchor_relhead_train(&sp, &dp, &c, NULL, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(hs);
    CU_ASSERT(same_head(h0, hs));
    anchor_relhead_destroy(h0);
    anchor_relhead_destroy(hs);
    /* another geometry: the pool-trained head reads it, the receiver-only head does not */
    c.steps = 600;
    h0 = anchor_relhead_train(&s, &d, &c, NULL, NULL, NULL);
    sp.pool = &other, dp.pz = pz_other;
    anchor_relhead *hp = anchor_relhead_train(&sp, &dp, &c, NULL, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(hp);
    double own0 = fixture_cer(h0, &f), ownp = fixture_cer(hp, &f);
    double v0 = view_cer(h0, &v1), vp = view_cer(hp, &v1);
    fprintf(stderr, "  CER own view: no pool %.3f, pool %.3f; pool encoder's view: %.3f, %.3f\n",
            own0, ownp, v0, vp);
    CU_ASSERT(own0 < 0.05 && ownp < 0.05); /* both still read the receiver */
    CU_ASSERT(vp < 0.05);
    CU_ASSERT(v0 > vp + 0.2);
    anchor_relhead_destroy(h0);
    anchor_relhead_destroy(hp);
    /* a cached pool head: its sidecar names the pool encoder by its hash */
    c.steps = 2;
    snprintf(c.cache_dir, sizeof c.cache_dir, "%s/cache/pool", test_tmpdir());
    fetch_ctx fc = {&f, dp, 0};
    anchor_relhead_result rr;
    anchor_relhead *hc = anchor_relhead_get(&sp, fetch, &fc, &c, NULL, &rr, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(hc);
    char side[sizeof rr.path + 8], want[64];
    snprintf(side, sizeof side, "%.*s.txt", (int)(strlen(rr.path) - 3), rr.path);
    snprintf(want, sizeof want, "pool = 1 encoders: %016llx",
             (unsigned long long)anchor_relhead_agent_hash(f.rx));
    char *text = test_slurp(side, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, want));
    free(text);
    anchor_relhead_destroy(hc);
    /* errors */
    base_err e = BASE_ERR_INIT;
    dp.pz = NULL;
    CU_ASSERT_PTR_NULL(anchor_relhead_train(&sp, &dp, &c, NULL, NULL, &e));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "pool"));
    base_err_clear(&e);
    sp.n_pool = ANCHOR_RELHEAD_MAX_POOL + 1;
    CU_ASSERT_EQUAL(anchor_relhead_key(&sp, &c, &k1, &e), BASE_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "pool"));
    base_err_clear(&e);
    float bad[K * D];
    memcpy(bad, v1.a, sizeof bad);
    bad[5] = NAN;
    anchor_relhead_pool_member badm = {f.rx, bad, D};
    sp.n_pool = 1, sp.pool = &badm;
    CU_ASSERT_EQUAL(anchor_relhead_key(&sp, &c, &k1, &e), BASE_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "pool encoder 0"));
    codec_agent_destroy(f.rx);
}

static const test_case cases[] = {
    {"a head overfits a tiny problem to CER 0", test_train_overfit},
    {"the same for a receiver with two CTC frames per latent frame", test_train_overfit_upsample},
    {"bit-identical for a seed, any thread count", test_deterministic},
    {"cache hit is the identical head; key follows K, psi, anchors, recipe", test_cache},
    {"relative equalizer decodes a rotated, scaled tx space", test_equalizer_relative},
    {"channel-aware heads: head_snr_db, key, training", test_channel_aware},
    {"a pool of encoders: key, identity, another geometry, errors", test_pool},
    {"bad inputs", test_bad_input},
    {NULL, NULL},
};

int main(void)
{
    return test_main("anchors/relhead", cases);
}
