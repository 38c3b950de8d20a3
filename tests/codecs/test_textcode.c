/* test_textcode.c -- the text code of source.kind = text (codecs/textcode):
 * the committed counts are the training text's, the code is a complete
 * prefix code that favours frequent characters, framing round-trips for many
 * frame sizes, a lost frame loses only its characters (a word break in their
 * place), and bad inputs are refused. */
#include "codecs/text.h"
#include "codecs/textcode.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Normalised lines [a, b] (1-based) of data/harvard.txt, one per entry. */
static size_t harvard_lines(int a, int b, char **out)
{
    char path[1024];
    FILE *f = fopen(test_srcpath(path, sizeof path, "data/harvard.txt"), "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    char line[1024];
    size_t n = 0;
    for (int k = 1; fgets(line, sizeof line, f) && k <= b; k++)
        if (k >= a) CU_ASSERT_EQUAL_FATAL(codec_text_normalise(line, &out[n++], NULL), BASE_OK);
    fclose(f);
    return n;
}

static void free_lines(char **l, size_t n)
{
    for (size_t i = 0; i < n; i++) free(l[i]);
}

static int symbol(char c)
{
    return c == ' ' ? 1 : c == '\'' ? 2 : 3 + (c - 'a');
}

static void test_counts_are_the_training_text(void)
{
    static char *l[500];
    size_t n = harvard_lines(1, 500, l);
    CU_ASSERT_EQUAL_FATAL(n, 500);
    uint32_t c[CODEC_TEXTCODE_SYMBOLS] = {0};
    for (size_t i = 0; i < n; i++) {
        c[CODEC_TEXTCODE_EOT]++;
        for (const char *p = l[i]; *p; p++) c[symbol(*p)]++;
    }
    const uint32_t *want = codec_textcode_counts();
    for (int s = 0; s < CODEC_TEXTCODE_SYMBOLS; s++) {
        if (c[s] != want[s]) printf("  symbol %d: counted %u, committed %u\n", s, c[s], want[s]);
        CU_ASSERT_EQUAL(c[s], want[s]);
    }
    free_lines(l, n);
}

static void test_code_shape(void)
{
    codec_textcode *tc = codec_textcode_create(NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tc);
    double kraft = 0;
    for (int s = 0; s < CODEC_TEXTCODE_SYMBOLS; s++) {
        unsigned l = codec_textcode_length(tc, s);
        CU_ASSERT(l >= 1 && l <= codec_textcode_max_length(tc));
        kraft += ldexp(1.0, -(int)l);
    }
    TEST_ASSERT_NEAR(kraft, 1.0, 1e-12); /* a complete prefix code */
    /* frequent symbols get codes no longer than rare ones */
    CU_ASSERT(codec_textcode_length(tc, 1) <= codec_textcode_length(tc, 3 + 'e' - 'a'));
    CU_ASSERT(codec_textcode_length(tc, 3 + 'e' - 'a') < codec_textcode_length(tc, 3 + 'z' - 'a'));
    CU_ASSERT(codec_textcode_length(tc, 2) > 5);
    CU_ASSERT_EQUAL(codec_textcode_length(tc, -1), 0);
    CU_ASSERT_EQUAL(codec_textcode_length(tc, 29), 0);
    printf("  longest code %u bits\n", codec_textcode_max_length(tc));
    /* bits per character on the dev split: below the 5 of a fixed-length code */
    static char *l[50];
    size_t n = harvard_lines(501, 550, l), chars = 0, bits = 0;
    for (size_t i = 0; i < n; i++) {
        size_t fr = codec_textcode_frames(tc, l[i], 100000);
        CU_ASSERT_EQUAL(fr, 1);
        for (const char *p = l[i]; *p; p++) bits += codec_textcode_length(tc, symbol(*p));
        bits += codec_textcode_length(tc, CODEC_TEXTCODE_EOT);
        chars += strlen(l[i]);
    }
    printf("  dev split: %.3f bits per character (EOT included)\n", (double)bits / chars);
    CU_ASSERT((double)bits / chars < 4.5);
    free_lines(l, n);
    codec_textcode_destroy(tc);
}

static void test_round_trip(void)
{
    codec_textcode *tc = codec_textcode_create(NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tc);
    static const char *const texts[] = {"",
                                        "a",
                                        "the birch canoe slid on the smooth planks",
                                        "it's easy to tell the depth of a well",
                                        "zzz qqq ''' jj x",
                                        "    "};
    static const char *const want[] = {"",
                                       "a",
                                       "the birch canoe slid on the smooth planks",
                                       "it's easy to tell the depth of a well",
                                       "zzz qqq ''' jj x",
                                       ""};
    unsigned ml = codec_textcode_max_length(tc);
    for (size_t c = 0; c < sizeof texts / sizeof *texts; c++)
        for (size_t fb = ml; fb <= 200; fb += 7) {
            size_t nf = codec_textcode_frames(tc, texts[c], fb);
            CU_ASSERT_FATAL(nf >= 1);
            uint8_t *bits = malloc(nf * fb);
            CU_ASSERT_EQUAL_FATAL(codec_textcode_encode(tc, texts[c], fb, bits, nf, NULL), BASE_OK);
            char out[512];
            size_t need = codec_textcode_decode(tc, bits, NULL, nf, fb, out, sizeof out);
            if (strcmp(out, want[c]))
                printf("  \"%s\" at %zu bits/frame: got \"%s\"\n", texts[c], fb, out);
            CU_ASSERT_STRING_EQUAL(out, want[c]);
            CU_ASSERT_EQUAL(need, strlen(want[c]));
            /* a short buffer truncates but still counts */
            char small[4];
            CU_ASSERT_EQUAL(codec_textcode_decode(tc, bits, NULL, nf, fb, small, sizeof small),
                            strlen(want[c]));
            CU_ASSERT(strlen(small) <= 3);
            free(bits);
        }
    codec_textcode_destroy(tc);
}

/* A lost middle frame: the frames before and after decode, one word break
 * in between, no merged words. */
static void test_lost_frame(void)
{
    codec_textcode *tc = codec_textcode_create(NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tc);
    const char *text = "glue the sheet to the dark blue background";
    size_t fb = 32, nf = codec_textcode_frames(tc, text, fb);
    CU_ASSERT_FATAL(nf >= 4);
    uint8_t *bits = malloc(nf * fb), lost[64] = {0};
    CU_ASSERT_EQUAL_FATAL(codec_textcode_encode(tc, text, fb, bits, nf, NULL), BASE_OK);
    char first[256], last[256], all[256];
    /* what frame 0 alone and frames 2.. alone decode to */
    codec_textcode_decode(tc, bits, NULL, 1, fb, first, sizeof first);
    codec_textcode_decode(tc, bits + 2 * fb, NULL, nf - 2, fb, last, sizeof last);
    lost[1] = 1;
    codec_textcode_decode(tc, bits, lost, nf, fb, all, sizeof all);
    char want[600];
    snprintf(want, sizeof want, "%s %s", first, last);
    printf("  frame 1 of %zu lost: \"%s\"\n", nf, all);
    CU_ASSERT_STRING_EQUAL(all, want);
    CU_ASSERT(strlen(all) < strlen(text));
    /* every frame lost: nothing */
    memset(lost, 1, nf);
    codec_textcode_decode(tc, bits, lost, nf, fb, all, sizeof all);
    CU_ASSERT_STRING_EQUAL(all, "");
    free(bits);
    codec_textcode_destroy(tc);
}

static void test_bad_inputs(void)
{
    base_err e = BASE_ERR_INIT;
    uint32_t counts[CODEC_TEXTCODE_SYMBOLS];
    for (int s = 0; s < CODEC_TEXTCODE_SYMBOLS; s++) counts[s] = 1;
    counts[5] = 0;
    CU_ASSERT_PTR_NULL(codec_textcode_create(counts, &e));
    CU_ASSERT_EQUAL(e.code, BASE_EINVAL);
    counts[5] = 1; /* equal counts: a near fixed-length code (4 or 5 bits) */
    codec_textcode *tc = codec_textcode_create(counts, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tc);
    CU_ASSERT_EQUAL(codec_textcode_max_length(tc), 5);
    codec_textcode_destroy(tc);
    tc = codec_textcode_create(NULL, NULL);
    uint8_t bits[64];
    CU_ASSERT_EQUAL(codec_textcode_frames(tc, "Upper", 64), 0);
    CU_ASSERT_EQUAL(codec_textcode_frames(tc, "digit 4", 64), 0);
    CU_ASSERT_EQUAL(codec_textcode_frames(tc, "ok", codec_textcode_max_length(tc) - 1), 0);
    e = (base_err)BASE_ERR_INIT;
    CU_ASSERT_EQUAL(codec_textcode_encode(tc, "Upper", 64, bits, 1, &e), BASE_EINVAL);
    CU_ASSERT_EQUAL(codec_textcode_encode(tc, "ok", 64, bits, 2, &e), BASE_EINVAL); /* count */
    codec_textcode_destroy(tc);
    codec_textcode_destroy(NULL);
}

int main(void)
{
    static const test_case cases[] = {
        {"committed counts = the training text's", test_counts_are_the_training_text},
        {"a complete prefix code, short for frequent symbols", test_code_shape},
        {"framing round-trips", test_round_trip},
        {"a lost frame loses only its characters", test_lost_frame},
        {"bad inputs", test_bad_inputs},
        {NULL, NULL},
    };
    return test_main("codecs/textcode", cases);
}
