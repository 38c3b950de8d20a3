/* test_recognizer.c -- codecs/recognizer: a tiny random agent saved to a model
 * file, loaded back with its front-end; every step (front-end, encoder,
 * decoder, greedy and beam text) equals the same chain run by hand with
 * codecs/melspec, codecs/agent and codecs/decode (also for an agent with two
 * CTC frames per latent frame); audio too short for one
 * latent frame; and bad inputs (missing file, decoding nothing, beam settings
 * on a greedy work space). */
#include "codecs/frontend.h"
#include "codecs/melspec.h"
#include "codecs/modelfile.h"
#include "codecs/recognizer.h"
#include "codecs/vocab.h"
#include "tests/fixtures.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char model_path[600];

static void save_tiny_agent(void)
{
    snprintf(model_path, sizeof model_path, "%s/tiny.h5", test_tmpdir());
    test_save_tiny_agent(model_path, 8, 5);
}

static float *tone(size_t n)
{
    float *x = malloc(n * sizeof *x);
    for (size_t k = 0; k < n; k++) x[k] = 0.3f * sinf(0.05f * (float)k) + 0.01f * (float)(k % 13);
    return x;
}

/* The chain by hand equals the recognizer's steps, bit for bit. */
static void matches_by_hand(int up)
{
    save_tiny_agent();
    if (up != 1) test_save_tiny_agent_up(model_path, 8, 5, up);
    base_err e = BASE_ERR_INIT;
    codec_recognizer *r = NULL;
    CU_ASSERT_EQUAL_FATAL(codec_recognizer_load(&r, model_path, &e), BASE_OK);
    const codec_agent *a = codec_recognizer_agent(r);
    CU_ASSERT_EQUAL(codec_recognizer_rate(r), 16000);
    CU_ASSERT_EQUAL(codec_recognizer_latent_dim(r), 8);
    double pe = codec_recognizer_encoder_params(r), pd = codec_recognizer_decoder_params(r);
    CU_ASSERT(pe > 0 && pd > 0 && pe + pd <= (double)codec_agent_num_floats(a));

    size_t n = 16000;
    float *x = tone(n);
    codec_recognizer_ws *g = NULL, *b = NULL;
    CU_ASSERT_EQUAL_FATAL(codec_recognizer_ws_create(&g, r, NULL, NULL, &e), BASE_OK);
    codec_beam_config bc = codec_beam_config_default();
    bc.beam = 8;
    CU_ASSERT_EQUAL_FATAL(codec_recognizer_ws_create(&b, r, NULL, &bc, &e), BASE_OK);
    int tz = 0;
    CU_ASSERT_EQUAL_FATAL(codec_recognizer_frontend(r, g, x, n, &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(codec_recognizer_encode(r, g, &tz, &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(tz, codec_recognizer_latent_len(r, n));
    CU_ASSERT_FATAL(tz > 0);

    /* by hand */
    codec_melspec_config fe;
    codec_frontend_default(&fe);
    codec_melspec *mel = codec_melspec_create(&fe, &e);
    codec_melspec_work *mw = codec_melspec_work_create(mel, &e);
    size_t T = codec_melspec_frames(mel, n);
    float *feat = malloc(T * (size_t)fe.n_mels * sizeof *feat);
    float *z = malloc((size_t)tz * 8 * sizeof *z);
    const int tc = tz * up; /* CTC frames */
    CU_ASSERT_EQUAL(codec_agent_ctc_len(a, tz), tc);
    float *lp = malloc((size_t)tc * CODEC_VOCAB_SIZE * sizeof *lp);
    codec_agent_ws *ws = NULL;
    CU_ASSERT_EQUAL_FATAL(codec_melspec_execute(mel, mw, x, n, feat, NULL, &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(codec_agent_ws_create(&ws, a, (int)T, &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(codec_agent_encode(a, ws, feat, (int)T, z, &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(codec_agent_decode(a, ws, z, tz, lp, &e), BASE_OK);
    TEST_ASSERT_CLOSE_F(codec_recognizer_latents(g), z, (size_t)tz * 8, 0);

    CU_ASSERT_EQUAL_FATAL(codec_recognizer_decode(r, g, z, tz, &e), BASE_OK);
    TEST_ASSERT_CLOSE_F(codec_recognizer_logp(g), lp, (size_t)tc * CODEC_VOCAB_SIZE, 0);

    /* text takes latent frames and decodes all tz * upsample CTC frames */
    char want[4096];
    const char *text = NULL;
    codec_decode_greedy(lp, tc, CODEC_VOCAB_SIZE, want, sizeof want);
    CU_ASSERT_EQUAL_FATAL(codec_recognizer_text(g, lp, tz, &text, &e), BASE_OK);
    CU_ASSERT_STRING_EQUAL(text, want);

    codec_beam *bm = NULL;
    CU_ASSERT_EQUAL_FATAL(codec_beam_create(&bm, NULL, &bc, &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(
        codec_beam_decode(bm, lp, tc, CODEC_VOCAB_SIZE, want, sizeof want, NULL, NULL, &e),
        BASE_OK);
    CU_ASSERT_EQUAL_FATAL(codec_recognizer_text(b, lp, tz, &text, &e), BASE_OK);
    CU_ASSERT_STRING_EQUAL(text, want);
    /* new beam settings on the same work space */
    bc.beam = 1;
    CU_ASSERT_EQUAL(codec_recognizer_ws_set_beam(b, &bc, &e), BASE_OK);
    CU_ASSERT_EQUAL(codec_beam_set_config(bm, &bc, &e), BASE_OK);
    codec_beam_decode(bm, lp, tc, CODEC_VOCAB_SIZE, want, sizeof want, NULL, NULL, &e);
    CU_ASSERT_EQUAL_FATAL(codec_recognizer_text(b, lp, tz, &text, &e), BASE_OK);
    CU_ASSERT_STRING_EQUAL(text, want);
    /* zero frames: empty text */
    CU_ASSERT_EQUAL(codec_recognizer_text(g, lp, 0, &text, &e), BASE_OK);
    CU_ASSERT_STRING_EQUAL(text, "");

    codec_beam_destroy(bm);
    codec_agent_ws_destroy(ws);
    codec_melspec_work_destroy(mw);
    codec_melspec_destroy(mel);
    free(feat);
    free(z);
    free(lp);
    free(x);
    codec_recognizer_ws_destroy(g);
    codec_recognizer_ws_destroy(b);
    codec_recognizer_destroy(r);
}
static void test_matches_by_hand(void)
{
    matches_by_hand(1);
    matches_by_hand(2);
}

/* Too short for one latent frame: tz = 0 and BASE_OK (callers decide). */
static void test_too_short(void)
{
    save_tiny_agent();
    base_err e = BASE_ERR_INIT;
    codec_recognizer *r = NULL;
    codec_recognizer_ws *g = NULL;
    CU_ASSERT_EQUAL_FATAL(codec_recognizer_load(&r, model_path, &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(codec_recognizer_ws_create(&g, r, NULL, NULL, &e), BASE_OK);
    float x[10] = {0};
    int tz = 7;
    CU_ASSERT_EQUAL(codec_recognizer_latent_len(r, 10), 0);
    CU_ASSERT_EQUAL(codec_recognizer_frontend(r, g, x, 10, &e), BASE_OK);
    CU_ASSERT_EQUAL(codec_recognizer_encode(r, g, &tz, &e), BASE_OK);
    CU_ASSERT_EQUAL(tz, 0);
    codec_recognizer_ws_destroy(g);
    codec_recognizer_destroy(r);
}

static void test_bad_input(void)
{
    save_tiny_agent();
    base_err e = BASE_ERR_INIT;
    codec_recognizer *r = (codec_recognizer *)&e;
    char missing[700];
    snprintf(missing, sizeof missing, "%s/no-such-model.h5", test_tmpdir());
    CU_ASSERT_NOT_EQUAL(codec_recognizer_load(&r, missing, &e), BASE_OK);
    CU_ASSERT_PTR_NULL(r);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.file[0] ? e.file : e.msg, "no-such-model"));
    base_err_clear(&e);
    CU_ASSERT_EQUAL_FATAL(codec_recognizer_load(&r, model_path, &e), BASE_OK);
    codec_recognizer_ws *g = NULL;
    CU_ASSERT_EQUAL_FATAL(codec_recognizer_ws_create(&g, r, NULL, NULL, &e), BASE_OK);
    codec_beam_config bc = codec_beam_config_default();
    CU_ASSERT_EQUAL(codec_recognizer_ws_set_beam(g, &bc, &e), BASE_EINVAL); /* greedy */
    float z[8] = {0};
    CU_ASSERT_EQUAL(codec_recognizer_decode(r, g, z, 0, &e), BASE_EINVAL);
    bc.beam = 0;
    codec_recognizer_ws *b = (codec_recognizer_ws *)&e;
    CU_ASSERT_EQUAL(codec_recognizer_ws_create(&b, r, NULL, &bc, &e), BASE_EINVAL);
    CU_ASSERT_PTR_NULL(b);
    codec_recognizer_ws_destroy(NULL);
    codec_recognizer_destroy(NULL);
    codec_recognizer_ws_destroy(g);
    codec_recognizer_destroy(r);
}

int main(void)
{
    static const test_case cases[] = {
        {"every step equals the chain by hand", test_matches_by_hand},
        {"too short for one latent frame", test_too_short},
        {"bad input", test_bad_input},
        {NULL, NULL},
    };
    return test_main("recognizer", cases);
}
