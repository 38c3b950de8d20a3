/* test_str.c -- bounded copy (fits, truncates, NULL) and trim (both ends,
 * inner space kept, all space, empty) (base/str). */
#include "base/str.h"
#include "tests/testutil.h"

#include <string.h>

static void test_copy(void)
{
    char b[6];
    base_str_copy(b, sizeof b, "abc");
    CU_ASSERT_STRING_EQUAL(b, "abc");
    base_str_copy(b, sizeof b, "abcdefgh");
    CU_ASSERT_STRING_EQUAL(b, "abcde");
    base_str_copy(b, sizeof b, NULL);
    CU_ASSERT_STRING_EQUAL(b, "");
    base_str_copy(b, 1, "x");
    CU_ASSERT_STRING_EQUAL(b, "");
}

static void test_trim(void)
{
    static const char *const rows[][2] = {
        {"  a b \t\n", "a b"}, {"ab", "ab"}, {" \t ", ""}, {"", ""}, {"\r\nx\r", "x"}};
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        char b[32];
        strcpy(b, rows[i][0]);
        base_str_trim(b);
        CU_ASSERT_STRING_EQUAL(b, rows[i][1]);
    }
}

int main(void)
{
    static const test_case cases[] = {{"copy", test_copy}, {"trim", test_trim}, {NULL, NULL}};
    return test_main("str", cases);
}
