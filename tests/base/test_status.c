/* test_status.c -- status text and error record formatting (base/status). */
#include "base/status.h"
#include "tests/testutil.h"

#include <string.h>

static void test_text(void)
{
    for (int s = 0; s < BASE_STATUS_COUNT; s++) CU_ASSERT_PTR_NOT_NULL(base_status_str(s));
    CU_ASSERT_STRING_EQUAL(base_status_str(BASE_OK), "ok");
    CU_ASSERT_STRING_EQUAL(base_status_str((base_status)999), "unknown status");
    CU_ASSERT_STRING_EQUAL(base_status_str((base_status)-1), "unknown status");
}

static void test_format(void)
{
    static const struct {
        const char *file;
        int line;
        const char *want;
    } rows[] = {
        {"a.ini", 7, "a.ini:7: bad K 3"},
        {"a.ini", 0, "a.ini: bad K 3"},
        {NULL, 7, "bad K 3"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        base_err e = BASE_ERR_INIT;
        char buf[600];
        CU_ASSERT_EQUAL(base_err_set(&e, BASE_EINVAL, rows[i].file, rows[i].line, "bad K %d", 3),
                        BASE_EINVAL);
        CU_ASSERT_STRING_EQUAL(base_err_format(&e, buf, sizeof buf), rows[i].want);
    }
}

static void test_locate_and_null(void)
{
    base_err e = BASE_ERR_INIT;
    char buf[600];
    CU_ASSERT_EQUAL(base_err_set(NULL, BASE_EIO, "x", 1, "ignored"), BASE_EIO);
    base_err_set(&e, BASE_EFORMAT, NULL, 0, "bad value");
    base_err_locate(&e, "s.ini", 12);
    CU_ASSERT_STRING_EQUAL(base_err_format(&e, buf, sizeof buf), "s.ini:12: bad value");
    base_err_locate(&e, "other.ini", 3); /* first location wins */
    CU_ASSERT_EQUAL(e.line, 12);
    base_err_clear(&e);
    CU_ASSERT_EQUAL(e.code, BASE_OK);
    CU_ASSERT_STRING_EQUAL(base_err_format(&e, buf, sizeof buf), "ok");
}

/* Control bytes an input put into a message or a file name never split the
 * line: they are escaped; a short buffer truncates without half an escape. */
static void test_format_escapes(void)
{
    base_err e = BASE_ERR_INIT;
    char buf[600];
    base_err_set(&e, BASE_EFORMAT, "a\nb.trn", 3, "bad ID '(u\r1)' %s", "x\ty\001z\177");
    CU_ASSERT_STRING_EQUAL(base_err_format(&e, buf, sizeof buf),
                           "a\\nb.trn:3: bad ID '(u\\r1)' x\\ty\\x01z\\x7f");
    CU_ASSERT_PTR_NULL(strchr(buf, '\r'));
    CU_ASSERT_PTR_NULL(strchr(buf, '\n'));
    /* UTF-8 is text, not a control byte */
    base_err_set(&e, BASE_EFORMAT, NULL, 0, "caf\xc3\xa9");
    CU_ASSERT_STRING_EQUAL(base_err_format(&e, buf, sizeof buf), "caf\xc3\xa9");
    char small[7]; /* room for "abcde" and the NUL, not for "\\r" too */
    base_err_set(&e, BASE_EFORMAT, NULL, 0, "abcde\r");
    CU_ASSERT_STRING_EQUAL(base_err_format(&e, small, sizeof small), "abcde");
}

int main(void)
{
    static const test_case cases[] = {
        {"status text", test_text},
        {"error format", test_format},
        {"locate and NULL record", test_locate_and_null},
        {"control bytes escaped", test_format_escapes},
        {NULL, NULL},
    };
    return test_main("status", cases);
}
