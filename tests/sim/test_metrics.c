/* test_metrics.c -- sim/metrics: aggregation of a point's results (sums,
 * WER/CER, the voices count), the per-voice figures of /voices,
 * sym_per_s_total, NaN for what does not apply, the bootstrap interval's
 * determinism and the stopping rules. */
#include "sim/metrics.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A word-scored result of voice v: ref words, errors (as substitutions). */
static sim_utt_result word(const char *voice, long ref, long sub, double dur)
{
    sim_utt_result r;
    memset(&r, 0, sizeof r);
    snprintf(r.voice, sizeof r.voice, "%s", voice);
    r.has_words = 1;
    r.ref_words = ref;
    r.sub = sub;
    r.ref_chars = 5 * ref;
    r.char_errors = 2 * sub;
    r.duration_s = dur;
    r.symbols = 1000 * dur;
    r.cosine = NAN;
    return r;
}

static sim_metrics_config config(void)
{
    sim_metrics_config mc = {.max_utterances = 100, .bootstrap = 200, .check_every = 1, .seed = 9};
    return mc;
}

static void test_voices_and_totals(void)
{
    sim_utt_result r[5] = {word("b", 10, 1, 2), word("a", 10, 5, 2), word("b", 20, 0, 3),
                           word("c", 5, 5, 1), word("a", 5, 0, 2)};
    sim_metrics_config mc = config();
    sim_point_metrics m;
    sim_point_metrics_nan(&m);
    CU_ASSERT(isnan(m.voices) && isnan(m.sym_per_s_total) && isnan(m.bit_per_s));
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL(sim_metrics_aggregate(r, 5, &mc, "max_utterances", &m, &e), BASE_OK);
    CU_ASSERT_EQUAL(m.utterances, 5);
    CU_ASSERT_EQUAL(m.voices, 3);
    CU_ASSERT_EQUAL(m.ref_words, 50);
    TEST_ASSERT_NEAR(m.wer, 11.0 / 50, 1e-15);
    TEST_ASSERT_NEAR(m.sym_per_s, 1000, 1e-12);
    /* the handshake spread over the 10 s of speech */
    m.handshake_sym = 5000;
    sim_metrics_totals(&m);
    TEST_ASSERT_NEAR(m.sym_per_s_total, 1000 + 500, 1e-12);
    m.sym_per_s = NAN;
    sim_metrics_totals(&m);
    CU_ASSERT(isnan(m.sym_per_s_total));
    /* results without a voice (bits) have no voices count */
    sim_utt_result b[2];
    memset(b, 0, sizeof b);
    b[0].has_bits = b[1].has_bits = 1;
    b[0].bits = b[1].bits = 100;
    b[0].cosine = b[1].cosine = NAN;
    sim_point_metrics_nan(&m);
    CU_ASSERT_EQUAL(sim_metrics_aggregate(b, 2, &mc, "max_utterances", &m, &e), BASE_OK);
    CU_ASSERT(isnan(m.voices));
    CU_ASSERT(isnan(m.wer));
}

static void test_by_voice(void)
{
    sim_utt_result r[6] = {word("b", 10, 1, 1), word("a", 10, 5, 1), word("b", 20, 0, 1),
                           word("c", 5, 5, 1),  word("a", 5, 0, 1),  word("", 7, 7, 1)};
    r[3].has_words = 0; /* c: not word-scored, left out */
    sim_metrics_config mc = config();
    sim_voice_metrics *v = NULL;
    size_t nv = 0;
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL_FATAL(sim_metrics_by_voice(r, 6, &mc, &v, &nv, &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(nv, 2);
    CU_ASSERT_STRING_EQUAL(v[0].voice, "a"); /* sorted by name */
    CU_ASSERT_EQUAL(v[0].utterances, 2);
    CU_ASSERT_EQUAL(v[0].ref_words, 15);
    CU_ASSERT_EQUAL(v[0].sub, 5);
    TEST_ASSERT_NEAR(v[0].wer, 5.0 / 15, 1e-15);
    CU_ASSERT_EQUAL(v[0].ref_chars, 75);
    TEST_ASSERT_NEAR(v[0].cer, 10.0 / 75, 1e-15);
    CU_ASSERT(v[0].wer_ci_low <= v[0].wer && v[0].wer <= v[0].wer_ci_high);
    CU_ASSERT_STRING_EQUAL(v[1].voice, "b");
    CU_ASSERT_EQUAL(v[1].utterances, 2);
    TEST_ASSERT_NEAR(v[1].wer, 1.0 / 30, 1e-15);
    CU_ASSERT(v[1].wer_ci_low < v[1].wer_ci_high); /* b's two utterances differ */
    /* deterministic: the same intervals again */
    sim_voice_metrics *w = NULL;
    size_t nw = 0;
    CU_ASSERT_EQUAL(sim_metrics_by_voice(r, 6, &mc, &w, &nw, &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(nw, nv);
    CU_ASSERT(!memcmp(v, w, nv * sizeof *v));
    free(v);
    free(w);
    /* no word-scored result with a voice: no rows */
    CU_ASSERT_EQUAL(sim_metrics_by_voice(r + 5, 1, &mc, &v, &nv, &e), BASE_OK);
    CU_ASSERT_EQUAL(nv, 0);
    CU_ASSERT_PTR_NULL(v);
    CU_ASSERT_EQUAL(sim_metrics_by_voice(r, 0, &mc, &v, &nv, &e), BASE_OK);
    CU_ASSERT_EQUAL(nv, 0);
}

static void test_stopping(void)
{
    sim_utt_result r[4] = {word("a", 10, 3, 1), word("a", 10, 3, 1), word("a", 10, 3, 1),
                           word("a", 10, 3, 1)};
    sim_metrics_config mc = config();
    mc.max_utterances = 4;
    CU_ASSERT_PTR_NULL(sim_metrics_should_stop(r, 1, &mc));
    CU_ASSERT_STRING_EQUAL(sim_metrics_should_stop(r, 4, &mc), "max_utterances");
    mc.min_word_errors = 6;
    CU_ASSERT_PTR_NULL(sim_metrics_should_stop(r, 1, &mc));
    CU_ASSERT_STRING_EQUAL(sim_metrics_should_stop(r, 2, &mc), "min_word_errors");
}

int main(void)
{
    static const test_case cases[] = {
        {"aggregate: voices, sym_per_s_total, NaN", test_voices_and_totals},
        {"per-voice figures", test_by_voice},
        {"stopping rules", test_stopping},
        {NULL, NULL},
    };
    return test_main("metrics", cases);
}
