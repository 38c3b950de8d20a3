/* test_agent.c -- codecs/agent: parameter table, encode/decode split equals the
 * joint forward, whole-model gradient vs central differences (both families,
 * and with two CTC frames per latent frame), a tiny model overfits 4 synthetic
 * utterances to CER 0 (also at stride 8, where only upsample makes the
 * transcripts fit), bad configs. */
#include "codecs/agent.h"
#include "codecs/ctc.h"
#include "codecs/optim.h"
#include "codecs/vocab.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static codec_agent_config tiny_config(const char *family)
{
    codec_agent_config c = codec_agent_config_default();
    CU_ASSERT_EQUAL(codec_family_parse(family, &c.family, NULL), BASE_OK);
    c.n_mels = 6, c.d = 4, c.width = 8, c.kernel0 = 3, c.kernel = 3, c.stride = 2;
    c.enc_depth = 2, c.dec_depth = 1, c.dilation_max = 2, c.dropout = 0;
    c.vocab = 5;
    return c;
}

static void fill(float *p, size_t n, unsigned seed, float scale)
{
    base_rng r;
    base_rng_init(&r, seed, 0, 0);
    for (size_t i = 0; i < n; i++) p[i] = (float)(scale * (2 * base_rng_uniform(&r) - 1));
}

static void test_param_table(void)
{
    codec_agent_config c = codec_agent_config_default();
    codec_agent *a = NULL;
    CU_ASSERT_EQUAL_FATAL(codec_agent_create(&a, &c, 1, NULL), BASE_OK);
    size_t total = 0;
    for (size_t i = 0; i < codec_agent_param_count(a); i++) {
        int shape[CODEC_AGENT_MAX_DIMS];
        int nd = codec_agent_param_shape(a, i, shape);
        size_t n = 1;
        for (int k = 0; k < nd; k++) n *= (size_t)shape[k];
        CU_ASSERT_EQUAL(n, codec_agent_param_size(a, i));
        CU_ASSERT_EQUAL(codec_agent_param_offset(a, i), total);
        CU_ASSERT_EQUAL(codec_agent_param_find(a, codec_agent_param_name(a, i)), (long)i);
        total += n;
    }
    CU_ASSERT_EQUAL(total, codec_agent_num_floats(a));
    CU_ASSERT_EQUAL(total, codec_agent_config_param_floats(&c));
    CU_ASSERT(total <= CODEC_AGENT_MAX_PARAMS);
    CU_ASSERT(codec_agent_param_find(a, "enc.conv0.w") >= 0);
    CU_ASSERT(codec_agent_param_find(a, "dec.out.b") >= 0);
    CU_ASSERT_EQUAL(codec_agent_param_find(a, "nope"), -1);
    CU_ASSERT(!codec_agent_param_trainable(a, (size_t)codec_agent_param_find(a, "enc.norm.mean")));
    CU_ASSERT_EQUAL(codec_agent_latent_len(a, 100), 50);
    CU_ASSERT_EQUAL(codec_agent_latent_len(a, 101), 51);
    /* same seed, same weights; other seed, other weights */
    codec_agent *b = NULL, *d = NULL;
    codec_agent_create(&b, &c, 1, NULL);
    codec_agent_create(&d, &c, 2, NULL);
    CU_ASSERT(!memcmp(codec_agent_params(a), codec_agent_params(b), total * sizeof(float)));
    CU_ASSERT(memcmp(codec_agent_params(a), codec_agent_params(d), total * sizeof(float)));
    codec_agent_destroy(a);
    codec_agent_destroy(b);
    codec_agent_destroy(d);
    codec_agent_destroy(NULL);
    codec_agent_ws_destroy(NULL);
}

static void split_equals_joint(const char *family, int up)
{
    codec_agent_config c = tiny_config(family);
    c.upsample = up;
    codec_agent *a = NULL;
    codec_agent_ws *ws = NULL;
    CU_ASSERT_EQUAL_FATAL(codec_agent_create(&a, &c, 3, NULL), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(codec_agent_ws_create(&ws, a, 40, NULL), BASE_OK);
    float mel[40 * 6], z[20 * 4], lp[3 * 20 * 5], lp2[3 * 20 * 5];
    fill(mel, sizeof mel / sizeof *mel, 4, 2);
    const float *logits;
    int tz;
    CU_ASSERT_EQUAL(codec_agent_forward_train(a, ws, mel, 37, NULL, &logits, &tz, NULL), BASE_OK);
    CU_ASSERT_EQUAL(tz, 19);
    CU_ASSERT_EQUAL(codec_agent_ctc_len(a, tz), 19 * up);
    tz *= up; /* CTC frames from here on */
    memcpy(lp2, logits, sizeof(float) * tz * 5);
    for (int t = 0; t < tz; t++) {
        float mx = -1e30f;
        for (int k = 0; k < 5; k++) mx = fmaxf(mx, lp2[t * 5 + k]);
        double s = 0;
        for (int k = 0; k < 5; k++) s += exp(lp2[t * 5 + k] - mx);
        for (int k = 0; k < 5; k++) lp2[t * 5 + k] -= mx + (float)log(s);
    }
    CU_ASSERT_EQUAL(codec_agent_encode(a, ws, mel, 37, z, NULL), BASE_OK);
    for (size_t i = 0; i < sizeof lp / sizeof *lp; i++) lp[i] = 1e9f; /* sentinel */
    CU_ASSERT_EQUAL(codec_agent_decode(a, ws, z, tz / up, lp, NULL), BASE_OK);
    TEST_ASSERT_CLOSE_F(lp, lp2, (size_t)tz * 5, 1e-5);
    CU_ASSERT_EQUAL(lp[tz * 5], 1e9f); /* exactly T'*upsample frames written */
    /* frozen (the conv blocks' inference weights transformed once): the same outputs */
    CU_ASSERT_EQUAL_FATAL(codec_agent_freeze(a, NULL), BASE_OK);
    float zf[20 * 4];
    CU_ASSERT_EQUAL(codec_agent_encode(a, ws, mel, 37, zf, NULL), BASE_OK);
    CU_ASSERT_EQUAL(codec_agent_decode(a, ws, zf, tz / up, lp, NULL), BASE_OK);
    TEST_ASSERT_CLOSE_F(lp, lp2, (size_t)tz * 5, 1e-5);
    if (!strcmp(family, "conv")) { /* new weights need a new freeze */
        float *pw =
            codec_agent_param_data(a, (size_t)codec_agent_param_find(a, "dec.block0.conv.w"));
        pw[0] += 1.0f;
        CU_ASSERT_EQUAL(codec_agent_decode(a, ws, zf, tz / up, lp2, NULL), BASE_OK);
        codec_agent_freeze(a, NULL);
        CU_ASSERT_EQUAL(codec_agent_decode(a, ws, zf, tz / up, lp, NULL), BASE_OK);
        double diff = 0;
        for (int i = 0; i < tz * 5; i++) diff = fmax(diff, fabs(lp[i] - lp2[i]));
        CU_ASSERT(diff > 1e-4); /* the stale transform was still in use */
    }
    /* too long for the workspace, too short for conv0 */
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL(codec_agent_encode(a, ws, mel, 41, z, &e), BASE_ERANGE);
    CU_ASSERT_EQUAL(codec_agent_encode(a, ws, mel, 0, z, &e), BASE_ERANGE);
    CU_ASSERT_EQUAL(codec_agent_decode(a, ws, z, 21, lp, &e), BASE_ERANGE);
    codec_agent_ws_destroy(ws);
    codec_agent_destroy(a);
}
/* A blank agent (for loading) has the same parameter table as a created one,
 * every parameter 0; a bad config is refused as by create. */
static void test_blank(void)
{
    codec_agent_config c = tiny_config("dwconv");
    codec_agent *a = NULL, *b = NULL;
    CU_ASSERT_EQUAL_FATAL(codec_agent_create(&a, &c, 3, NULL), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(codec_agent_create_blank(&b, &c, NULL), BASE_OK);
    CU_ASSERT_EQUAL(codec_agent_num_floats(a), codec_agent_num_floats(b));
    CU_ASSERT_EQUAL(codec_agent_param_count(a), codec_agent_param_count(b));
    for (size_t i = 0; i < codec_agent_param_count(a); i++) {
        CU_ASSERT_STRING_EQUAL(codec_agent_param_name(a, i), codec_agent_param_name(b, i));
        CU_ASSERT_EQUAL(codec_agent_param_offset(a, i), codec_agent_param_offset(b, i));
    }
    const float *p = codec_agent_params(b);
    size_t nz = 0;
    for (size_t i = 0; i < codec_agent_num_floats(b); i++) nz += p[i] != 0.0f;
    CU_ASSERT_EQUAL(nz, 0);
    codec_agent_destroy(a);
    codec_agent_destroy(b);
    codec_agent *x = NULL;
    c.width = 0;
    CU_ASSERT_NOT_EQUAL(codec_agent_create_blank(&x, &c, NULL), BASE_OK);
    CU_ASSERT_PTR_NULL(x);
}

static void test_split_equals_joint(void)
{
    split_equals_joint("dwconv", 1);
    split_equals_joint("dwconv", 2);
    split_equals_joint("dwconv", 3);
    split_equals_joint("conv", 1); /* inference: Winograd F(2,3) blocks, tap-wise conv0 */
}

/* CTC loss of the whole model on one utterance (dropout off). */
static double model_loss(codec_agent *a, codec_agent_ws *ws, const float *mel, int t,
                         const int *lab, int l, float *dlogits)
{
    const float *logits;
    int tz;
    double work[4096], loss = 0;
    codec_agent_forward_train(a, ws, mel, t, NULL, &logits, &tz, NULL);
    tz = codec_agent_ctc_len(a, tz);
    if (dlogits) memset(dlogits, 0, sizeof(float) * tz * codec_agent_get_config(a)->vocab);
    codec_ctc_loss(&loss, dlogits, 1, logits, tz, codec_agent_get_config(a)->vocab, lab, l, work,
                   NULL);
    return loss;
}

static void grad_check(const char *family, int up)
{
    codec_agent_config c = tiny_config(family);
    c.upsample = up;
    codec_agent *a = NULL;
    codec_agent_ws *ws = NULL;
    CU_ASSERT_EQUAL_FATAL(codec_agent_create(&a, &c, 5, NULL), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(codec_agent_ws_create(&ws, a, 24, NULL), BASE_OK);
    /* non-trivial input normalisation so it is exercised too */
    float mean[6], scale[6];
    fill(mean, 6, 6, 0.3f);
    for (int i = 0; i < 6; i++) scale[i] = 0.8f + 0.1f * i;
    codec_agent_set_input_norm(a, mean, scale);
    float mel[24 * 6], dlogits[2 * 12 * 5];
    fill(mel, 24 * 6, 7, 1.5f);
    int lab[3] = {1, 3, 3};
    size_t n = codec_agent_num_floats(a);
    float *grads = calloc(n, sizeof(float)), *p = codec_agent_params(a);
    double loss = model_loss(a, ws, mel, 24, lab, 3, dlogits);
    CU_ASSERT(isfinite(loss));
    codec_agent_backward(a, ws, dlogits, grads);
    /* every trainable tensor: check up to 6 of its entries */
    double worst = 0;
    int checked = 0;
    for (size_t i = 0; i < codec_agent_param_count(a); i++) {
        if (!codec_agent_param_trainable(a, i)) continue;
        size_t off = codec_agent_param_offset(a, i), sz = codec_agent_param_size(a, i);
        for (size_t j = 0; j < sz && j < 6; j++) {
            size_t idx = off + (j * 7919) % sz;
            float save = p[idx];
            p[idx] = save + 1e-2f;
            double lp = model_loss(a, ws, mel, 24, lab, 3, NULL);
            p[idx] = save - 1e-2f;
            double lm = model_loss(a, ws, mel, 24, lab, 3, NULL);
            p[idx] = save;
            double num = (lp - lm) / 2e-2;
            double diff = fabs(num - grads[idx]) / (1e-2 + fabs(num));
            if (diff > worst) worst = diff;
            if (diff > 5e-2)
                fprintf(stderr, "  %s %s[%zu]: analytic %g numeric %g\n", family,
                        codec_agent_param_name(a, i), j, grads[idx], num);
            CU_ASSERT(diff <= 5e-2);
            checked++;
        }
    }
    CU_ASSERT(checked > 30);
    fprintf(stderr, "  %s upsample %d: %d entries, worst relative diff %.3g\n", family, up, checked,
            worst);
    free(grads);
    codec_agent_ws_destroy(ws);
    codec_agent_destroy(a);
}

static void test_grad_dwconv(void)
{
    grad_check("dwconv", 1);
}
static void test_grad_conv(void)
{
    grad_check("conv", 1);
}
static void test_grad_upsample(void)
{
    grad_check("dwconv", 2);
}

/* Four synthetic "utterances": each label is 4 frames of its own random
 * pattern plus noise, with 2 silent frames around words. */
static int make_utt(const char *text, float *mel, int nmel, int *lab, int *l, base_rng *r)
{
    static float pattern[CODEC_VOCAB_SIZE][32];
    static int init = 0;
    if (!init) {
        base_rng pr;
        base_rng_init(&pr, 99, 0, 0);
        for (int k = 0; k < CODEC_VOCAB_SIZE; k++)
            for (int m = 0; m < 32; m++) pattern[k][m] = (float)base_rng_normal(&pr);
        init = 1;
    }
    *l = (int)codec_vocab_encode(text, lab, 64);
    int t = 0;
    for (int f = 0; f < 3; f++, t++)
        for (int m = 0; m < nmel; m++) mel[t * nmel + m] = 0.1f * (float)base_rng_normal(r);
    for (int i = 0; i < *l; i++)
        for (int f = 0; f < 4; f++, t++)
            for (int m = 0; m < nmel; m++)
                mel[t * nmel + m] = pattern[lab[i]][m] + 0.1f * (float)base_rng_normal(r);
    for (int f = 0; f < 3; f++, t++)
        for (int m = 0; m < nmel; m++) mel[t * nmel + m] = 0.1f * (float)base_rng_normal(r);
    return t;
}

static void overfit(int stride, int up)
{
    static const char *texts[4] = {"cab", "a bad deed", "ace", "dead cab"};
    codec_agent_config c = codec_agent_config_default();
    c.n_mels = 16, c.d = 8, c.width = 32, c.kernel0 = stride < 3 ? 3 : stride, c.kernel = 5;
    c.stride = stride, c.upsample = up;
    c.enc_depth = 2, c.dec_depth = 1, c.dilation_max = 2, c.dropout = 0;
    codec_agent *a = NULL;
    codec_agent_ws *ws = NULL;
    CU_ASSERT_EQUAL_FATAL(codec_agent_create(&a, &c, 11, NULL), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(codec_agent_ws_create(&ws, a, 128, NULL), BASE_OK);
    static float mel[4][128 * 16];
    int lab[4][64], l[4], t[4];
    base_rng r;
    base_rng_init(&r, 12, 0, 0);
    for (int u = 0; u < 4; u++) {
        t[u] = make_utt(texts[u], mel[u], 16, lab[u], &l[u], &r);
        int need = l[u]; /* CTC needs a frame per label plus one between repeats */
        for (int i = 1; i < l[u]; i++) need += lab[u][i] == lab[u][i - 1];
        int have = codec_agent_ctc_len(a, codec_agent_latent_len(a, t[u]));
        CU_ASSERT(have >= need);
        /* at stride 8 the longest transcript only fits thanks to upsample */
        if (stride == 8 && u == 1) CU_ASSERT(codec_agent_latent_len(a, t[u]) < need);
    }
    size_t n = codec_agent_num_floats(a);
    float *g = calloc(n, sizeof(float)), *m = calloc(n, sizeof(float)),
          *v = calloc(n, sizeof(float));
    unsigned char *frozen = calloc(n, 1);
    for (size_t i = 0; i < codec_agent_param_count(a); i++)
        if (!codec_agent_param_trainable(a, i))
            memset(frozen + codec_agent_param_offset(a, i), 1, codec_agent_param_size(a, i));
    codec_optim_config oc = codec_optim_default(400, 20);
    oc.lr = 3e-3f, oc.weight_decay = 0;
    static double work[1 << 14];
    static float dl[128 * CODEC_VOCAB_SIZE];
    double loss = 0;
    for (long step = 0; step < 400; step++) {
        memset(g, 0, n * sizeof(float));
        loss = 0;
        for (int u = 0; u < 4; u++) {
            const float *logits;
            int tz;
            double lu;
            codec_agent_forward_train(a, ws, mel[u], t[u], NULL, &logits, &tz, NULL);
            tz = codec_agent_ctc_len(a, tz);
            memset(dl, 0, sizeof(float) * tz * CODEC_VOCAB_SIZE);
            CU_ASSERT_EQUAL(codec_ctc_loss(&lu, dl, 0.25f, logits, tz, CODEC_VOCAB_SIZE, lab[u],
                                           l[u], work, NULL),
                            BASE_OK);
            codec_agent_backward(a, ws, dl, g);
            loss += lu / 4;
        }
        codec_optim_step(&oc, step, codec_agent_params(a), g, m, v, NULL, frozen, n);
        if (loss < 0.01) break;
    }
    /* greedy decode each utterance and compare with its text */
    int errors = 0;
    for (int u = 0; u < 4; u++) {
        float z[64 * 8], lp[128 * CODEC_VOCAB_SIZE];
        int tz = codec_agent_latent_len(a, t[u]);
        codec_agent_encode(a, ws, mel[u], t[u], z, NULL);
        codec_agent_decode(a, ws, z, tz, lp, NULL);
        tz = codec_agent_ctc_len(a, tz);
        char hyp[128];
        int nh = 0, prev = -1;
        for (int i = 0; i < tz; i++) {
            int best = 0;
            for (int k = 1; k < CODEC_VOCAB_SIZE; k++)
                if (lp[i * CODEC_VOCAB_SIZE + k] > lp[i * CODEC_VOCAB_SIZE + best]) best = k;
            if (best != prev && best != CODEC_VOCAB_BLANK) hyp[nh++] = codec_vocab_char(best);
            prev = best;
        }
        hyp[nh] = 0;
        if (strcmp(hyp, texts[u])) {
            fprintf(stderr, "  overfit (stride %d, upsample %d): '%s' decoded as '%s'\n", stride,
                    up, texts[u], hyp);
            errors++;
        }
    }
    fprintf(stderr, "  overfit (stride %d, upsample %d): final loss %.4f\n", stride, up, loss);
    CU_ASSERT_EQUAL(errors, 0);
    free(g), free(m), free(v), free(frozen);
    codec_agent_ws_destroy(ws);
    codec_agent_destroy(a);
}
static void test_overfit(void)
{
    overfit(2, 1);
}
static void test_overfit_upsample(void)
{
    overfit(8, 2);
}

static void bad_edit(codec_agent_config *c, int i)
{
    switch (i) {
    case 0:
        c->family = (codec_family)codec_family_count(); /* no such family */
        break;
    case 1:
        c->d = 0;
        break;
    case 2:
        c->stride = 0;
        break;
    case 3:
        c->kernel = 4;
        break;
    case 4:
        c->kernel0 = 1;
        break;
    case 5:
        c->dilation_max = 3;
        break;
    case 6:
        c->dropout = 1.5f;
        break;
    case 7:
        c->width = 0;
        break;
    case 8:
        c->upsample = 0;
        break;
    case 9:
        c->upsample = 5;
        break;
    default:
        c->width = 1024;
        break;
    }
}

static void test_bad_configs(void)
{
    static const struct {
        const char *field;
    } bad[] = {{"family"},  {"d "},    {"stride"},   {"kernel "},  {"kernel0"},   {"dilation_max"},
               {"dropout"}, {"width"}, {"upsample"}, {"upsample"}, {"parameters"}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        codec_agent_config c = codec_agent_config_default();
        bad_edit(&c, (int)i);
        base_err e = BASE_ERR_INIT;
        codec_agent *a = (codec_agent *)&c; /* must be reset to NULL */
        CU_ASSERT_EQUAL(codec_agent_create(&a, &c, 1, &e), BASE_EINVAL);
        CU_ASSERT_PTR_NULL(a);
        if (!strstr(e.msg, bad[i].field))
            fprintf(stderr, "  '%s' not in '%s'\n", bad[i].field, e.msg);
        CU_ASSERT(strstr(e.msg, bad[i].field) != NULL);
    }
    codec_agent_config c = codec_agent_config_default();
    CU_ASSERT_EQUAL(codec_agent_config_check(&c, NULL), BASE_OK);
    codec_agent *a = NULL;
    codec_agent_create(&a, &c, 1, NULL);
    codec_agent_ws *ws = NULL;
    CU_ASSERT_EQUAL(codec_agent_ws_create(&ws, a, 0, NULL), BASE_EINVAL);
    CU_ASSERT_PTR_NULL(ws);
    codec_agent_destroy(a);
}

static const test_case cases[] = {
    {"parameter table and seeding", test_param_table},
    {"blank agent for loading", test_blank},
    {"encode + decode equals joint forward", test_split_equals_joint},
    {"model gradient, dwconv family", test_grad_dwconv},
    {"model gradient, conv family", test_grad_conv},
    {"model gradient, two CTC frames per latent frame", test_grad_upsample},
    {"tiny model overfits 4 utterances to CER 0", test_overfit},
    {"stride 8 + upsample 2 overfits the same 4 utterances", test_overfit_upsample},
    {"bad configs rejected", test_bad_configs},
    {NULL, NULL},
};

int main(void)
{
    return test_main("agent", cases);
}
