/* test_hash.c -- FNV-1a 64 against its published test vectors, the integer,
 * double, string and file forms, and a missing file (base/hash). */
#include "base/hash.h"
#include "tests/testutil.h"

#include <stdio.h>
#include <string.h>

static void test_vectors(void)
{
    /* the FNV-1a 64 reference values (draft-eastlake-fnv) */
    static const struct {
        const char *s;
        uint64_t h;
    } rows[] = {
        {"", 0xcbf29ce484222325ULL},
        {"a", 0xaf63dc4c8601ec8cULL},
        {"foobar", 0x85944171f73967e8ULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        CU_ASSERT_EQUAL(base_hash_str(BASE_HASH_INIT, rows[i].s), rows[i].h);
        CU_ASSERT_EQUAL(base_hash_bytes(BASE_HASH_INIT, rows[i].s, strlen(rows[i].s)), rows[i].h);
    }
    CU_ASSERT_EQUAL(base_hash_str(7, NULL), 7);
}

static void test_numbers(void)
{
    unsigned char le[8] = {0x2a, 0, 0, 0, 0, 0, 0, 0};
    CU_ASSERT_EQUAL(base_hash_u64(BASE_HASH_INIT, 42), base_hash_bytes(BASE_HASH_INIT, le, 8));
    double v = 1.5;
    uint64_t u;
    memcpy(&u, &v, 8);
    CU_ASSERT_EQUAL(base_hash_double(BASE_HASH_INIT, v), base_hash_u64(BASE_HASH_INIT, u));
    CU_ASSERT_NOT_EQUAL(base_hash_double(BASE_HASH_INIT, 0.0),
                        base_hash_double(BASE_HASH_INIT, -0.0));
}

static void test_file(void)
{
    char path[600];
    snprintf(path, sizeof path, "%s/hash.txt", test_tmpdir());
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("foobar", f);
    fclose(f);
    uint64_t h = BASE_HASH_INIT;
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL(base_hash_file(&h, path, &e), BASE_OK);
    CU_ASSERT_EQUAL(h, base_hash_u64(base_hash_str(BASE_HASH_INIT, "foobar"), 6));
    snprintf(path, sizeof path, "%s/no-such-file", test_tmpdir());
    CU_ASSERT_EQUAL(base_hash_file(&h, path, &e), BASE_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.file, "no-such-file"));
}

int main(void)
{
    static const test_case cases[] = {
        {"vectors", test_vectors}, {"numbers", test_numbers}, {"file", test_file}, {NULL, NULL}};
    return test_main("hash", cases);
}
