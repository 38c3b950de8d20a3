/* test_text.c -- codecs/text: the normalisation rules of text.h, case by case. */
#include "codecs/text.h"
#include "tests/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_table(void)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"The birch canoe slid on the smooth planks.", "the birch canoe slid on the smooth planks"},
        {"It's easy to tell the depth of a well.", "it's easy to tell the depth of a well"},
        {"  Hello,   WORLD!  ", "hello world"},
        {"well-known self-evident", "well known self evident"},
        {"U.S.A. (sic)", "usa sic"},
        {"'quoted' words' ends", "quoted words ends"},
        {"don\xe2\x80\x99t", "don't"},
        {"caf\xc3\xa9 na\xc3\xafve", "caf nave"},
        {"4x4 and 42", "four x four and four two"},
        {"Room 101.", "room one zero one"},
        {"tab\there\nnewline\r\n", "tab here newline"},
        {"--- ... !!!", ""},
        {"", ""},
        {"a - b", "a b"},
        {"rock'n'roll", "rock'n'roll"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char *out = NULL;
        CU_ASSERT_EQUAL_FATAL(codec_text_normalise(cases[k].in, &out, NULL), BASE_OK);
        if (strcmp(out, cases[k].want))
            fprintf(stderr, "  \"%s\" -> \"%s\", want \"%s\"\n", cases[k].in, out, cases[k].want);
        CU_ASSERT_STRING_EQUAL(out, cases[k].want);
        for (const char *p = out; *p; p++) CU_ASSERT(codec_text_is_symbol(*p));
        free(out);
    }
}

/* Normalising twice changes nothing; the output never has double or edge spaces. */
static void test_idempotent(void)
{
    const char *in = "  Sharp-edged, 3 STONES; it's 'odd'!  ";
    char *a = NULL, *b = NULL;
    CU_ASSERT_EQUAL_FATAL(codec_text_normalise(in, &a, NULL), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(codec_text_normalise(a, &b, NULL), BASE_OK);
    CU_ASSERT_STRING_EQUAL(a, b);
    CU_ASSERT_STRING_EQUAL(a, "sharp edged three stones it's odd");
    CU_ASSERT(!strstr(a, "  "));
    free(a);
    free(b);
}

static void test_bad_input(void)
{
    char *out = (char *)"x";
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL(codec_text_normalise(NULL, &out, &e), BASE_EINVAL);
    CU_ASSERT(e.msg[0] != 0);
    CU_ASSERT_EQUAL(codec_text_normalise("a", NULL, NULL), BASE_EINVAL);
    CU_ASSERT(!codec_text_is_symbol('A'));
    CU_ASSERT(!codec_text_is_symbol('1'));
    CU_ASSERT(codec_text_is_symbol('\''));
}

int main(void)
{
    static const test_case cases[] = {
        {"rules table", test_table},
        {"idempotent", test_idempotent},
        {"bad input", test_bad_input},
        {NULL, NULL},
    };
    return test_main("text", cases);
}
