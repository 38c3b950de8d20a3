/* test_decode.c -- CTC decoding (codecs/decode): greedy on hand-made
 * posteriors, beam search = greedy on peaked posteriors, the LM choosing the
 * likelier words, the lexicon constraint, OOV words, threads sharing one
 * lexicon, and bad inputs. Uses Debian's pocketsphinx-en-us dictionary and LM
 * (a dependency of the project) for the LM cases. */
#include "codecs/decode.h"

#include "codecs/vocab.h"
#include "tests/testutil.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define V CODEC_VOCAB_SIZE
#define MAXT 400

/* Posteriors from a label string, one frame per character: '_' is the blank,
 * others their vocabulary class. Each frame gives its class probability p and
 * spreads 1-p evenly over the other 28 classes. Returns T. */
static int posteriors(const char *labels, float p, float *lp)
{
    int t = 0;
    for (const char *c = labels; *c && t < MAXT; c++, t++) {
        int k = *c == '_' ? CODEC_VOCAB_BLANK : codec_vocab_index((unsigned char)*c);
        for (int j = 0; j < V; j++) lp[t * V + j] = logf((1 - p) / (V - 1));
        lp[t * V + k] = logf(p);
    }
    return t;
}

/* Frame f gets probability pa for character a and pb for b (rest spread). */
static void ambiguous(float *lp, int f, char a, float pa, char b, float pb)
{
    for (int j = 0; j < V; j++) lp[f * V + j] = logf((1 - pa - pb) / (V - 2));
    lp[f * V + codec_vocab_index(a)] = logf(pa);
    lp[f * V + codec_vocab_index(b)] = logf(pb);
}

static codec_lexicon *g_lex;   /* cmudict + en-us LM, shared by the LM cases */
static codec_lexicon *g_small; /* a 6-word dictionary, no LM */

static codec_lexicon *full_lexicon(void)
{
    if (!g_lex) {
        base_err e = BASE_ERR_INIT;
        if (codec_lexicon_create(&g_lex, NULL, NULL, &e))
            fprintf(stderr, "  cannot load the default lexicon/LM: %s: %s\n", e.file, e.msg);
    }
    return g_lex;
}

static codec_lexicon *small_lexicon(void)
{
    if (!g_small) {
        char path[512];
        snprintf(path, sizeof path, "%s/small.dict", test_tmpdir());
        FILE *f = fopen(path, "w");
        /* variants, upper case, comments and unusable entries are handled */
        fputs(";;; a comment\nTHE DH AH0\nthe(2) DH IY0\ncat K AE1 T\ncot K AA1 T\n"
              "dog D AO1 G\ndon't D OW1 N T\na.m. EY2 EH1 M\nx-ray EH1 K S R EY2\n",
              f);
        fclose(f);
        base_err e = BASE_ERR_INIT;
        if (codec_lexicon_create(&g_small, path, "", &e))
            fprintf(stderr, "  small lexicon: %s\n", e.msg);
    }
    return g_small;
}

static void test_greedy(void)
{
    static const struct {
        const char *labels, *want;
    } rows[] = {
        {"hh_ee_l_ll_oo", "hello"},
        {"  hi   there  ", "hi there"},
        {"__a_ _b__", "a b"},
        {"ab__ba", "abba"},
        {"don''t", "don't"},
        {"____", ""},
        {"", ""},
    };
    static float lp[MAXT * V];
    char out[64];
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        int t = posteriors(rows[i].labels, 0.6f, lp);
        size_t n = codec_decode_greedy(lp, t, V, out, sizeof out);
        CU_ASSERT_STRING_EQUAL(out, rows[i].want);
        CU_ASSERT_EQUAL(n, strlen(rows[i].want));
    }
    /* truncation works like snprintf */
    int t = posteriors("hh_ee_l_ll_oo", 0.6f, lp);
    CU_ASSERT_EQUAL(codec_decode_greedy(lp, t, V, out, 3), 5);
    CU_ASSERT_STRING_EQUAL(out, "he");
    /* bad inputs give "" */
    CU_ASSERT_EQUAL(codec_decode_greedy(lp, t, 28, out, sizeof out), 0);
    CU_ASSERT_STRING_EQUAL(out, "");
    CU_ASSERT_EQUAL(codec_decode_greedy(NULL, t, V, out, sizeof out), 0);
    CU_ASSERT_EQUAL(codec_decode_greedy(lp, -1, V, out, sizeof out), 0);
}

/* With peaked posteriors the beam search (any lexicon/LM setting) returns
 * what greedy does, as long as greedy's words are lexicon words. */
static void test_beam_equals_greedy_peaked(void)
{
    static const char *sentences[] = {
        "__tt_hhe_ _ccc_a_t_  _s_aa_t__ on_ the_ m_a_t__",
        "the_ birch_ canoe_ slid on the smo_oth planks",
        "gl_ue the she_et to the dark blue background",
        "a",
        "don't",
    };
    codec_lexicon *lex = full_lexicon();
    CU_ASSERT_PTR_NOT_NULL_FATAL(lex);
    base_err e = BASE_ERR_INIT;
    codec_beam *plain = NULL, *lm = NULL;
    CU_ASSERT_EQUAL_FATAL(codec_beam_create(&plain, NULL, NULL, &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(codec_beam_create(&lm, lex, NULL, &e), BASE_OK);
    static float lp[MAXT * V];
    char g[256], b1[256], b2[256];
    for (size_t i = 0; i < sizeof sentences / sizeof *sentences; i++) {
        int t = posteriors(sentences[i], 0.995f, lp);
        codec_decode_greedy(lp, t, V, g, sizeof g);
        double s1, s2;
        size_t n1 = 0;
        CU_ASSERT_EQUAL(codec_beam_decode(plain, lp, t, V, b1, sizeof b1, &n1, &s1, &e), BASE_OK);
        CU_ASSERT_EQUAL(codec_beam_decode(lm, lp, t, V, b2, sizeof b2, NULL, &s2, &e), BASE_OK);
        if (strcmp(g, b1) || strcmp(g, b2))
            fprintf(stderr, "  greedy '%s' beam '%s' beam+LM '%s'\n", g, b1, b2);
        CU_ASSERT_STRING_EQUAL(b1, g);
        CU_ASSERT_STRING_EQUAL(b2, g);
        CU_ASSERT_EQUAL(n1, strlen(g));
        CU_ASSERT(isfinite(s1) && isfinite(s2));
    }
    /* an empty utterance */
    CU_ASSERT_EQUAL(codec_beam_decode(lm, lp, 0, V, b1, sizeof b1, NULL, NULL, &e), BASE_OK);
    CU_ASSERT_STRING_EQUAL(b1, "");
    codec_beam_destroy(plain);
    codec_beam_destroy(lm);
}

/* Without LM and lexicon, a beam of 1 with no merging is not greedy, but the
 * search must find the most probable labelling when prefixes merge: "a" via
 * "a_a"? No: "aa" frames with p(a)=0.4 and blank 0.35 split; the classic case
 * where the best path ("_") loses to the best labelling ("a"). */
static void test_beam_merges_paths(void)
{
    /* two frames, each: blank 0.4, 'a' 0.35, 'z' 0.25, others 0.
     * best path "__" -> ""; P("") = 0.16, P("a") = 0.35*0.35 + 2*0.4*0.35 = 0.4025 */
    float lp[2 * V];
    for (int f = 0; f < 2; f++) {
        for (int j = 0; j < V; j++) lp[f * V + j] = -INFINITY;
        lp[f * V + 0] = logf(0.4f);
        lp[f * V + codec_vocab_index('a')] = logf(0.35f);
        lp[f * V + codec_vocab_index('z')] = logf(0.25f);
    }
    char g[16], b[16];
    codec_decode_greedy(lp, 2, V, g, sizeof g);
    CU_ASSERT_STRING_EQUAL(g, "");
    codec_beam *plain = NULL;
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL_FATAL(codec_beam_create(&plain, NULL, NULL, &e), BASE_OK);
    double s;
    CU_ASSERT_EQUAL(codec_beam_decode(plain, lp, 2, V, b, sizeof b, NULL, &s, &e), BASE_OK);
    CU_ASSERT_STRING_EQUAL(b, "a");
    TEST_ASSERT_NEAR(s, log(0.4025), 1e-5);
    codec_beam_destroy(plain);
}

static void test_lm_picks_likely_words(void)
{
    codec_lexicon *lex = full_lexicon();
    CU_ASSERT_PTR_NOT_NULL_FATAL(lex);
    base_err e = BASE_ERR_INIT;
    codec_beam *bm = NULL;
    CU_ASSERT_EQUAL_FATAL(codec_beam_create(&bm, lex, NULL, &e), BASE_OK);
    static float lp[MAXT * V];
    char g[64], out[64];
    /* "the ?at": 'k' slightly above 'c' acoustically; the LM prefers "cat" */
    int t = posteriors("the_ cat", 0.99f, lp);
    ambiguous(lp, 5, 'k', 0.5f, 'c', 0.45f);
    codec_decode_greedy(lp, t, V, g, sizeof g);
    CU_ASSERT_STRING_EQUAL(g, "the kat");
    CU_ASSERT_EQUAL(codec_beam_decode(bm, lp, t, V, out, sizeof out, NULL, NULL, &e), BASE_OK);
    CU_ASSERT_STRING_EQUAL(out, "the cat");
    /* the context decides: "sea" after "the deep", "see" after "i can" */
    t = posteriors("the_ de_ep se_e", 0.99f, lp);
    ambiguous(lp, 14, 'e', 0.5f, 'a', 0.45f);
    codec_decode_greedy(lp, t, V, g, sizeof g);
    CU_ASSERT_STRING_EQUAL(g, "the deep see");
    CU_ASSERT_EQUAL(codec_beam_decode(bm, lp, t, V, out, sizeof out, NULL, NULL, &e), BASE_OK);
    CU_ASSERT_STRING_EQUAL(out, "the deep sea");
    t = posteriors("i can se_a", 0.99f, lp);
    ambiguous(lp, 9, 'a', 0.5f, 'e', 0.45f);
    codec_decode_greedy(lp, t, V, g, sizeof g);
    CU_ASSERT_STRING_EQUAL(g, "i can sea");
    CU_ASSERT_EQUAL(codec_beam_decode(bm, lp, t, V, out, sizeof out, NULL, NULL, &e), BASE_OK);
    CU_ASSERT_STRING_EQUAL(out, "i can see");
    /* the same without the unigram look-ahead */
    codec_beam_config nl = codec_beam_config_default();
    nl.lookahead = 0;
    CU_ASSERT_EQUAL(codec_beam_set_config(bm, &nl, &e), BASE_OK);
    CU_ASSERT_EQUAL(codec_beam_decode(bm, lp, t, V, out, sizeof out, NULL, NULL, &e), BASE_OK);
    CU_ASSERT_STRING_EQUAL(out, "i can see");
    /* with the LM weight at 0 the acoustics win again (both are words) */
    codec_beam_config c = codec_beam_config_default();
    c.lm_weight = 0;
    CU_ASSERT_EQUAL(codec_beam_set_config(bm, &c, &e), BASE_OK);
    CU_ASSERT_EQUAL(codec_beam_decode(bm, lp, t, V, out, sizeof out, NULL, NULL, &e), BASE_OK);
    CU_ASSERT_STRING_EQUAL(out, "i can sea");
    codec_beam_destroy(bm);
}

static void test_lexicon_constraint(void)
{
    codec_lexicon *lex = small_lexicon();
    CU_ASSERT_PTR_NOT_NULL_FATAL(lex);
    CU_ASSERT_EQUAL(codec_lexicon_size(lex), 5); /* the cat cot dog don't */
    CU_ASSERT_TRUE(codec_lexicon_contains(lex, "the"));
    CU_ASSERT_TRUE(codec_lexicon_contains(lex, "don't"));
    CU_ASSERT_FALSE(codec_lexicon_contains(lex, "th"));
    CU_ASSERT_FALSE(codec_lexicon_contains(lex, "THE"));
    CU_ASSERT_FALSE(codec_lexicon_contains(lex, "a.m."));
    CU_ASSERT_FALSE(codec_lexicon_contains(lex, "x-ray"));
    CU_ASSERT_STRING_EQUAL(codec_lexicon_lm_path(lex), "");

    codec_beam_config c = codec_beam_config_default();
    c.allow_oov = 0;
    base_err e = BASE_ERR_INIT;
    codec_beam *bm = NULL;
    CU_ASSERT_EQUAL_FATAL(codec_beam_create(&bm, lex, &c, &e), BASE_OK);
    static float lp[MAXT * V];
    char g[64], out[64];
    /* acoustically "the cqt": 'q' above 'a' and 'o'; only "cat"/"cot" are words */
    int t = posteriors("the_ cat", 0.99f, lp);
    ambiguous(lp, 6, 'q', 0.5f, 'a', 0.3f);
    codec_decode_greedy(lp, t, V, g, sizeof g);
    CU_ASSERT_STRING_EQUAL(g, "the cqt");
    CU_ASSERT_EQUAL(codec_beam_decode(bm, lp, t, V, out, sizeof out, NULL, NULL, &e), BASE_OK);
    CU_ASSERT_STRING_EQUAL(out, "the cat");
    /* "dogs" is no word: the final s is dropped (the best lexicon path) */
    t = posteriors("dog_s", 0.9f, lp);
    CU_ASSERT_EQUAL(codec_beam_decode(bm, lp, t, V, out, sizeof out, NULL, NULL, &e), BASE_OK);
    CU_ASSERT_STRING_EQUAL(out, "dog");
    /* nothing spells a word: empty result, score -inf */
    t = posteriors("zzz", 0.999f, lp);
    double s = 0;
    CU_ASSERT_EQUAL(codec_beam_decode(bm, lp, t, V, out, sizeof out, NULL, &s, &e), BASE_OK);
    CU_ASSERT_TRUE(!strcmp(out, "") || !strcmp(out, "the") || codec_lexicon_contains(lex, out));
    codec_beam_destroy(bm);
}

static void test_oov(void)
{
    codec_lexicon *lex = full_lexicon();
    CU_ASSERT_PTR_NOT_NULL_FATAL(lex);
    CU_ASSERT_FALSE(codec_lexicon_contains(lex, "zorbaxi"));
    base_err e = BASE_ERR_INIT;
    codec_beam_config c = codec_beam_config_default();
    codec_beam *bm = NULL;
    CU_ASSERT_EQUAL_FATAL(codec_beam_create(&bm, lex, &c, &e), BASE_OK);
    static float lp[MAXT * V];
    char out[64];
    int t = posteriors("my_ name is zorbaxi", 0.9999f, lp);
    CU_ASSERT_EQUAL(codec_beam_decode(bm, lp, t, V, out, sizeof out, NULL, NULL, &e), BASE_OK);
    CU_ASSERT_STRING_EQUAL(out, "my name is zorbaxi");
    c.allow_oov = 0;
    CU_ASSERT_EQUAL(codec_beam_set_config(bm, &c, &e), BASE_OK);
    CU_ASSERT_EQUAL(codec_beam_decode(bm, lp, t, V, out, sizeof out, NULL, NULL, &e), BASE_OK);
    CU_ASSERT_PTR_NULL(strstr(out, "zorbaxi"));
    codec_beam_destroy(bm);
}

typedef struct job {
    const codec_lexicon *lex;
    const float *lp;
    int t;
    char out[128];
    base_status st;
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    codec_beam *bm = NULL;
    base_err e = BASE_ERR_INIT;
    j->st = codec_beam_create(&bm, j->lex, NULL, &e);
    for (int k = 0; !j->st && k < 20; k++)
        j->st = codec_beam_decode(bm, j->lp, j->t, V, j->out, sizeof j->out, NULL, NULL, &e);
    codec_beam_destroy(bm);
    return NULL;
}

/* Several threads, each with its own decoder over one shared lexicon. */
static void test_threads_share_lexicon(void)
{
    codec_lexicon *lex = full_lexicon();
    CU_ASSERT_PTR_NOT_NULL_FATAL(lex);
    static float lp[2][MAXT * V];
    int t0 = posteriors("the_ de_ep se_e is blue", 0.99f, lp[0]);
    ambiguous(lp[0], 14, 'e', 0.5f, 'a', 0.45f);
    int t1 = posteriors("i can se_a the cat", 0.99f, lp[1]);
    ambiguous(lp[1], 9, 'a', 0.5f, 'e', 0.45f);
    job jobs[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (job){.lex = lex, .lp = lp[i % 2], .t = i % 2 ? t1 : t0};
        CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, run_job, &jobs[i]), 0);
    }
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < 4; i++) CU_ASSERT_EQUAL(jobs[i].st, BASE_OK);
    CU_ASSERT_STRING_EQUAL(jobs[0].out, "the deep sea is blue");
    CU_ASSERT_STRING_EQUAL(jobs[1].out, "i can see the cat");
    CU_ASSERT_STRING_EQUAL(jobs[2].out, jobs[0].out);
    CU_ASSERT_STRING_EQUAL(jobs[3].out, jobs[1].out);
}

static void test_bad_inputs(void)
{
    base_err e = BASE_ERR_INIT;
    codec_lexicon *lx = (codec_lexicon *)1;
    char path[512];
    CU_ASSERT_EQUAL(codec_lexicon_create(&lx, "/nonexistent/x.dict", "", &e), BASE_EIO);
    CU_ASSERT_PTR_NULL(lx);
    CU_ASSERT_STRING_EQUAL(e.file, "/nonexistent/x.dict");
    CU_ASSERT_EQUAL(codec_lexicon_create(&lx, NULL, "/nonexistent/x.lm", &e), BASE_EIO);
    CU_ASSERT_STRING_EQUAL(e.file, "/nonexistent/x.lm");
    snprintf(path, sizeof path, "%s/empty.dict", test_tmpdir());
    FILE *f = fopen(path, "w");
    fputs("123 W AH N\n-- D\n", f);
    fclose(f);
    CU_ASSERT_EQUAL(codec_lexicon_create(&lx, path, "", &e), BASE_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "no usable word"));
    /* a file that is no LM */
    CU_ASSERT_EQUAL(codec_lexicon_create(&lx, path, path, &e), BASE_EFORMAT);
    CU_ASSERT_STRING_EQUAL(e.file, path);
    CU_ASSERT_EQUAL(codec_lexicon_create(NULL, NULL, NULL, &e), BASE_EINVAL);

    codec_beam *bm = (codec_beam *)1;
    codec_beam_config c = codec_beam_config_default();
    c.beam = 0;
    CU_ASSERT_EQUAL(codec_beam_create(&bm, NULL, &c, &e), BASE_EINVAL);
    CU_ASSERT_PTR_NULL(bm);
    c = codec_beam_config_default();
    c.prune = 0;
    CU_ASSERT_EQUAL(codec_beam_create(&bm, NULL, &c, &e), BASE_EINVAL);
    c = codec_beam_config_default();
    c.lm_weight = -1;
    CU_ASSERT_EQUAL(codec_beam_create(&bm, NULL, &c, &e), BASE_EINVAL);
    c = codec_beam_config_default();
    c.oov_penalty = 1;
    CU_ASSERT_EQUAL(codec_beam_create(&bm, NULL, &c, &e), BASE_EINVAL);
    c = codec_beam_config_default();
    c.word_bonus = NAN;
    CU_ASSERT_EQUAL(codec_beam_create(&bm, NULL, &c, &e), BASE_EINVAL);

    CU_ASSERT_EQUAL_FATAL(codec_beam_create(&bm, NULL, NULL, &e), BASE_OK);
    CU_ASSERT_EQUAL(codec_beam_set_config(bm, &c, &e), BASE_EINVAL); /* NaN bonus */
    static float lp[MAXT * V];
    char out[32];
    int t = posteriors("abc", 0.9f, lp);
    CU_ASSERT_EQUAL(codec_beam_decode(bm, lp, t, 28, out, sizeof out, NULL, NULL, &e), BASE_EINVAL);
    CU_ASSERT_EQUAL(codec_beam_decode(bm, lp, -1, V, out, sizeof out, NULL, NULL, &e), BASE_EINVAL);
    CU_ASSERT_EQUAL(codec_beam_decode(bm, NULL, t, V, out, sizeof out, NULL, NULL, &e),
                    BASE_EINVAL);
    CU_ASSERT_EQUAL(codec_beam_decode(bm, lp, t, V, out, 0, NULL, NULL, &e), BASE_EINVAL);
    lp[V + 3] = NAN;
    CU_ASSERT_EQUAL(codec_beam_decode(bm, lp, t, V, out, sizeof out, NULL, NULL, &e), BASE_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "NaN"));
    lp[V + 3] = INFINITY;
    CU_ASSERT_EQUAL(codec_beam_decode(bm, lp, t, V, out, sizeof out, NULL, NULL, &e), BASE_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "+inf"));
    /* -inf entries are fine (a hard zero) */
    t = posteriors("ab", 0.9f, lp);
    for (int j = 0; j < V; j++)
        if (j != codec_vocab_index('a')) lp[j] = -INFINITY;
    lp[codec_vocab_index('a')] = 0;
    CU_ASSERT_EQUAL(codec_beam_decode(bm, lp, t, V, out, sizeof out, NULL, NULL, &e), BASE_OK);
    CU_ASSERT_STRING_EQUAL(out, "ab");
    /* truncated output keeps the full length */
    size_t len = 0;
    t = posteriors("abcdefgh", 0.99f, lp);
    CU_ASSERT_EQUAL(codec_beam_decode(bm, lp, t, V, out, 4, &len, NULL, &e), BASE_OK);
    CU_ASSERT_EQUAL(len, 8);
    CU_ASSERT_STRING_EQUAL(out, "abc");
    codec_beam_destroy(bm);
    codec_beam_destroy(NULL);
    codec_lexicon_destroy(NULL);
}

/* A long utterance (grows the prefix pool several times) decodes the same as
 * greedy when peaked, and twice in a row gives the same result. */
static void test_long_and_repeatable(void)
{
    static char labels[MAXT + 1];
    static const char *words[] = {"the", "cat", "sat", "on", "a", "mat", "and", "then", "ran"};
    size_t n = 0;
    for (int i = 0; n + 8 < MAXT; i++) {
        const char *w = words[i % 9]; /* "the cat sat on a mat and then ran the cat ..." */
        for (const char *p = w; *p; p++) labels[n++] = *p, labels[n++] = '_';
        labels[n++] = ' ';
    }
    labels[n] = 0;
    static float lp[MAXT * V];
    int t = posteriors(labels, 0.9995f, lp);
    codec_lexicon *lex = full_lexicon();
    CU_ASSERT_PTR_NOT_NULL_FATAL(lex);
    base_err e = BASE_ERR_INIT;
    codec_beam *bm = NULL;
    CU_ASSERT_EQUAL_FATAL(codec_beam_create(&bm, lex, NULL, &e), BASE_OK);
    static char g[1024], a[1024], b[1024];
    codec_decode_greedy(lp, t, V, g, sizeof g);
    double sa, sb;
    CU_ASSERT_EQUAL(codec_beam_decode(bm, lp, t, V, a, sizeof a, NULL, &sa, &e), BASE_OK);
    CU_ASSERT_EQUAL(codec_beam_decode(bm, lp, t, V, b, sizeof b, NULL, &sb, &e), BASE_OK);
    if (strcmp(a, g)) fprintf(stderr, "  greedy '%s'\n  beam   '%s'\n", g, a);
    CU_ASSERT_STRING_EQUAL(a, g);
    CU_ASSERT_STRING_EQUAL(a, b);
    CU_ASSERT_EQUAL(sa, sb);
    codec_beam_destroy(bm);
    /* a new decoder borrows the LM handle the first gave back (its memo warm):
     * the same transcript and score, bit for bit; two at once (one borrowed,
     * one loaded) agree too */
    codec_beam *b1 = NULL, *b2 = NULL;
    CU_ASSERT_EQUAL_FATAL(codec_beam_create(&b1, lex, NULL, &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(codec_beam_create(&b2, lex, NULL, &e), BASE_OK);
    static char c1[1024], c2[1024];
    double s1, s2;
    CU_ASSERT_EQUAL(codec_beam_decode(b1, lp, t, V, c1, sizeof c1, NULL, &s1, &e), BASE_OK);
    CU_ASSERT_EQUAL(codec_beam_decode(b2, lp, t, V, c2, sizeof c2, NULL, &s2, &e), BASE_OK);
    CU_ASSERT_STRING_EQUAL(c1, a);
    CU_ASSERT_STRING_EQUAL(c2, a);
    CU_ASSERT(s1 == sa && s2 == sa);
    codec_beam_destroy(b1);
    codec_beam_destroy(b2);
}

/* Score pruning (score_beam, off by default): a huge threshold changes nothing; a tiny one
 * keeps only the best prefix of each frame (ties aside), which is what width
 * 1 keeps; on inputs where the LM needs a runner-up prefix the two differ from
 * width 128. 0, negative and NaN are refused. */
static void test_score_beam(void)
{
    codec_lexicon *lex = full_lexicon();
    CU_ASSERT_PTR_NOT_NULL_FATAL(lex);
    base_err e = BASE_ERR_INIT;
    codec_beam_config wide = codec_beam_config_default(), one = wide, huge = wide, tiny = wide;
    one.beam = 1;
    huge.score_beam = 1e9f;
    tiny.score_beam = 1e-6f;
    CU_ASSERT(isinf(wide.score_beam)); /* off by default: the width alone */
    codec_beam *bw = NULL, *b1 = NULL, *bh = NULL, *bt = NULL;
    CU_ASSERT_EQUAL_FATAL(codec_beam_create(&bw, lex, &wide, &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(codec_beam_create(&b1, lex, &one, &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(codec_beam_create(&bh, lex, &huge, &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(codec_beam_create(&bt, lex, &tiny, &e), BASE_OK);
    static float lp[MAXT * V];
    static const struct {
        const char *text;
        int f;
        char a, b;
    } in[] = {
        {"the_ cat", 5, 'k', 'c'}, {"the_ de_ep se_e", 14, 'e', 'a'}, {"i can se_a", 9, 'a', 'e'}};
    int differ = 0;
    for (size_t i = 0; i < sizeof in / sizeof *in; i++) {
        int t = posteriors(in[i].text, 0.99f, lp);
        ambiguous(lp, in[i].f, in[i].a, 0.5f, in[i].b, 0.45f);
        char ow[64], o1[64], oh[64], ot[64];
        double sw, sh;
        CU_ASSERT_EQUAL(codec_beam_decode(bw, lp, t, V, ow, sizeof ow, NULL, &sw, &e), BASE_OK);
        CU_ASSERT_EQUAL(codec_beam_decode(b1, lp, t, V, o1, sizeof o1, NULL, NULL, &e), BASE_OK);
        CU_ASSERT_EQUAL(codec_beam_decode(bh, lp, t, V, oh, sizeof oh, NULL, &sh, &e), BASE_OK);
        CU_ASSERT_EQUAL(codec_beam_decode(bt, lp, t, V, ot, sizeof ot, NULL, NULL, &e), BASE_OK);
        CU_ASSERT_STRING_EQUAL(oh, ow);
        CU_ASSERT(sh == sw);
        CU_ASSERT_STRING_EQUAL(ot, o1);
        differ += strcmp(o1, ow) != 0;
    }
    CU_ASSERT(differ > 0); /* else the inputs test nothing */
    codec_beam_destroy(bw);
    codec_beam_destroy(b1);
    codec_beam_destroy(bh);
    codec_beam_destroy(bt);
    const float bad[] = {0.0f, -1.0f, NAN};
    for (size_t i = 0; i < 3; i++) {
        codec_beam_config c = codec_beam_config_default();
        c.score_beam = bad[i];
        codec_beam *b = (codec_beam *)1;
        CU_ASSERT_EQUAL(codec_beam_create(&b, NULL, &c, &e), BASE_EINVAL);
        CU_ASSERT_PTR_NULL(b);
    }
}

int main(void)
{
    static const test_case cases[] = {
        {"greedy", test_greedy},
        {"beam = greedy when peaked", test_beam_equals_greedy_peaked},
        {"beam merges paths", test_beam_merges_paths},
        {"LM picks the likelier words", test_lm_picks_likely_words},
        {"lexicon constraint", test_lexicon_constraint},
        {"out-of-vocabulary words", test_oov},
        {"threads share a lexicon", test_threads_share_lexicon},
        {"long utterance, repeatable", test_long_and_repeatable},
        {"bad inputs", test_bad_inputs},
        {"score pruning", test_score_beam},
        {NULL, NULL},
    };
    int rc = test_main("decode", cases);
    codec_lexicon_destroy(g_lex);
    codec_lexicon_destroy(g_small);
    return rc;
}
