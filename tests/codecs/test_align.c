/* test_align.c -- codecs/align: sclite-compatible word and character
 * alignment on hand cases (sclite's own output), rates, sums and bad input.
 * Agreement with the sclite binary on random pairs is tests/sim/test_score. */
#include "codecs/align.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct align_case {
    const char *ref, *hyp;
    long n, sub, del, ins; /* expected */
} align_case;

/* Hand cases. The first is REFERENCES.md's: plain Levenshtein finds 5 edits,
 * sclite's weighted alignment (and its tie-breaking) gives C4 S0 D3 I3. */
static const align_case word_cases[] = {
    {"b b c a c a a", "b a a a b b c", 7, 0, 3, 3},
    {"a b c", "", 3, 0, 3, 0},                  /* empty hypothesis        */
    {"a b c", NULL, 3, 0, 3, 0},                /* missing hypothesis      */
    {"", "x y", 0, 0, 0, 2},                    /* insertions only         */
    {"a b", "a x b y", 2, 0, 0, 2},             /* insertions around words */
    {"", "", 0, 0, 0, 0},                       /* both empty              */
    {"Hello World", "hello WORLD", 2, 0, 0, 0}, /* case-insensitive   */
    {"a b c", "a x c", 3, 1, 0, 0},
    {"  a\tb  c \n", "a b c", 3, 0, 0, 0}, /* any whitespace          */
    {"a b c d", "x y z", 4, 3, 1, 0},      /* S preferred over D+I    */
    {"the cat sat", "cat sat on", 3, 0, 1, 1},
};

/* Character level (sclite -c DH): spaces and '-' are not tokens. Expected
 * values are sclite's, run by hand on these pairs. */
static const align_case char_cases[] = {
    {"hello world", "helo  wurld x", 10, 1, 1, 1},
    {"ab-c", "abc", 3, 0, 0, 0},
    {"ABC", "abc", 3, 0, 0, 0},
    {"abc", "", 3, 0, 3, 0},
    {"", "ab", 0, 0, 0, 2},
};

static void check_case(const align_case *c, int chars)
{
    codec_align_counts k;
    base_status st = chars ? codec_align_chars(c->ref, c->hyp, &k, NULL)
                           : codec_align_words(c->ref, c->hyp, &k, NULL);
    CU_ASSERT_EQUAL_FATAL(st, BASE_OK);
    if (k.ref != c->n || k.sub != c->sub || k.del != c->del || k.ins != c->ins)
        fprintf(stderr, "  %s '%s' / '%s': got N%ld S%ld D%ld I%ld, want N%ld S%ld D%ld I%ld\n",
                chars ? "chars" : "words", c->ref, c->hyp ? c->hyp : "(null)", k.ref, k.sub, k.del,
                k.ins, c->n, c->sub, c->del, c->ins);
    CU_ASSERT_EQUAL(k.ref, c->n);
    CU_ASSERT_EQUAL(k.sub, c->sub);
    CU_ASSERT_EQUAL(k.del, c->del);
    CU_ASSERT_EQUAL(k.ins, c->ins);
    CU_ASSERT_EQUAL(k.corr, c->n - c->sub - c->del);
}

static void test_word_cases(void)
{
    for (size_t i = 0; i < sizeof word_cases / sizeof *word_cases; i++)
        check_case(&word_cases[i], 0);
    codec_align_counts k;
    codec_align_words("b b c a c a a", "b a a a b b c", &k, NULL);
    CU_ASSERT_EQUAL(codec_align_errors(&k), 6);
    TEST_ASSERT_NEAR(codec_align_rate(&k), 6.0 / 7.0, 1e-12);
}

static void test_char_cases(void)
{
    for (size_t i = 0; i < sizeof char_cases / sizeof *char_cases; i++)
        check_case(&char_cases[i], 1);
}

static void test_rates(void)
{
    codec_align_counts zero = {0}, ins = {0, 0, 0, 0, 2}, sum = {0};
    CU_ASSERT_EQUAL(codec_align_rate(&zero), 0.0);
    CU_ASSERT(isinf(codec_align_rate(&ins)));
    codec_align_counts a = {4, 2, 1, 1, 3};
    codec_align_add(&sum, &a);
    codec_align_add(&sum, &a);
    CU_ASSERT_EQUAL(sum.ref, 8);
    CU_ASSERT_EQUAL(codec_align_errors(&sum), 10);
    CU_ASSERT_EQUAL(codec_align_words("a", "b", NULL, NULL), BASE_EINVAL);
}

/* A text of `words` tokens "w0 w1 ... " cycling over 1000 words. */
static char *long_text(size_t words)
{
    char *s = malloc(words * 6 + 1), *p = s;
    CU_ASSERT_FATAL(s != NULL);
    for (size_t i = 0; i < words; i++) p += sprintf(p, "w%zu ", i % 1000);
    *p = 0;
    return s;
}

/* Issue 15: a 1 MB line against another ran for hours (O(n*m) cells). Above
 * CODEC_ALIGN_MAX_CELLS the pair is refused at once; a long reference with an
 * empty or short hypothesis is still aligned, in linear time. The alarm turns
 * a return to the hour-long alignment into a failure instead of a hang. */
static void test_size_limit(void)
{
    alarm(120);
    char *big = long_text(210000); /* about 1 MB: 210000 words, 820000 characters */
    CU_ASSERT(strlen(big) > 1000000);
    codec_align_counts k;
    base_err e = BASE_ERR_INIT;
    clock_t t0 = clock();
    CU_ASSERT_EQUAL(codec_align_words(big, big, &k, &e), BASE_ERANGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "too long to align: 210000 reference x 210000 hypothesis "
                                         "words"));
    CU_ASSERT_EQUAL(codec_align_chars(big, big, &k, &e), BASE_ERANGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "characters"));
    CU_ASSERT_EQUAL_FATAL(codec_align_words(big, "w1 w2", &k, &e), BASE_OK);
    CU_ASSERT_EQUAL(k.ref, 210000);
    CU_ASSERT_EQUAL(k.del, 209998);
    CU_ASSERT_EQUAL(codec_align_chars(big, NULL, &k, &e), BASE_OK);
    CU_ASSERT_EQUAL(k.del, k.ref);
    double s = (double)(clock() - t0) / CLOCKS_PER_SEC;
    if (s > 10) fprintf(stderr, "  long lines took %.1f s of CPU\n", s);
    CU_ASSERT(s < 10);
    /* just under the limit still aligns: 20000 x 20000 words */
    char *mid = long_text(20000);
    CU_ASSERT_EQUAL(codec_align_words(mid, mid, &k, &e), BASE_OK);
    CU_ASSERT_EQUAL(k.corr, 20000);
    free(mid);
    free(big);
    alarm(0);
}

int main(void)
{
    static const test_case cases[] = {
        {"word alignment hand cases", test_word_cases},
        {"character alignment hand cases", test_char_cases},
        {"rates and sums", test_rates},
        {"size limit: long lines refused or linear", test_size_limit},
        {NULL, NULL},
    };
    return test_main("align", cases);
}
