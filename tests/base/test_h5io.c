/* test_h5io.c -- the HDF5 tensor/attribute wrapper (base/h5io): round trip,
 * partial-file commit, listing, and bad files/arguments giving clear errors. */
#include "base/h5io.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *tmp(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", test_tmpdir(), name);
    return buf;
}

static int file_exists(const char *p)
{
    return access(p, F_OK) == 0;
}

static void test_round_trip(void)
{
    char path[512], partial[600];
    tmp(path, sizeof path, "rt.h5");
    snprintf(partial, sizeof partial, "%s.partial", path);
    float a[2 * 3 * 4], b[5];
    for (int i = 0; i < 24; i++) a[i] = (float)(i * 0.37 - 3.1) / 7.0f;
    for (int i = 0; i < 5; i++) b[i] = ldexpf(1.0f, -140 + i); /* subnormals survive */
    b[4] = -0.0f;
    base_err e = BASE_ERR_INIT;
    base_h5 *h = NULL;
    CU_ASSERT_EQUAL_FATAL(base_h5_create(path, &h, &e), BASE_OK);
    CU_ASSERT_TRUE(file_exists(partial));
    CU_ASSERT_FALSE(file_exists(path));
    size_t sa[3] = {2, 3, 4}, sb[1] = {5};
    CU_ASSERT_EQUAL(base_h5_write_tensor(h, "params/enc.conv0.w", 3, sa, a, &e), BASE_OK);
    CU_ASSERT_EQUAL(base_h5_write_tensor(h, "params/b", 1, sb, b, &e), BASE_OK);
    CU_ASSERT_EQUAL(base_h5_write_tensor(h, "params/b", 1, sb, b, &e), BASE_EEXIST);
    CU_ASSERT_EQUAL(base_h5_write_attr_str(h, "/", "format", "semsim-test", &e), BASE_OK);
    CU_ASSERT_EQUAL(base_h5_write_attr_int(h, "/", "version", -7, &e), BASE_OK);
    CU_ASSERT_EQUAL(base_h5_write_attr_double(h, "/", "rate", 0.1, &e), BASE_OK);
    CU_ASSERT_EQUAL(base_h5_write_attr_int(h, "meta/sub", "k", 3, &e), BASE_OK);
    CU_ASSERT_EQUAL(base_h5_write_attr_int(h, "/", "version", 7, &e), BASE_OK); /* replace */
    CU_ASSERT_EQUAL_FATAL(base_h5_close(h, &e), BASE_OK);
    CU_ASSERT_TRUE(file_exists(path));
    CU_ASSERT_FALSE(file_exists(partial));

    CU_ASSERT_EQUAL_FATAL(base_h5_open(path, &h, &e), BASE_OK);
    int rank = 0;
    size_t shape[4] = {0};
    CU_ASSERT_EQUAL(base_h5_tensor_shape(h, "params/enc.conv0.w", &rank, shape, &e), BASE_OK);
    CU_ASSERT_EQUAL(rank, 3);
    CU_ASSERT(shape[0] == 2 && shape[1] == 3 && shape[2] == 4);
    float ra[24], rb[5];
    CU_ASSERT_EQUAL(base_h5_read_tensor(h, "params/enc.conv0.w", ra, 24, &e), BASE_OK);
    CU_ASSERT_EQUAL(memcmp(a, ra, sizeof a), 0);
    CU_ASSERT_EQUAL(base_h5_read_tensor(h, "/params/b", rb, 5, &e), BASE_OK);
    CU_ASSERT_EQUAL(memcmp(b, rb, sizeof b), 0);
    CU_ASSERT_EQUAL(base_h5_read_tensor(h, "params/b", rb, 4, &e), BASE_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "5 values, expected 4"));
    CU_ASSERT_TRUE(base_h5_has_tensor(h, "params/b"));
    CU_ASSERT_FALSE(base_h5_has_tensor(h, "params"));
    CU_ASSERT_FALSE(base_h5_has_tensor(h, "nope/b"));

    char s[64];
    int64_t v = 0;
    double d = 0;
    CU_ASSERT_EQUAL(base_h5_read_attr_str(h, "/", "format", s, sizeof s, &e), BASE_OK);
    CU_ASSERT_STRING_EQUAL(s, "semsim-test");
    CU_ASSERT_EQUAL(base_h5_read_attr_int(h, "/", "version", &v, &e), BASE_OK);
    CU_ASSERT_EQUAL(v, 7);
    CU_ASSERT_EQUAL(base_h5_read_attr_double(h, NULL, "rate", &d, &e), BASE_OK);
    CU_ASSERT_EQUAL(d, 0.1);
    CU_ASSERT_EQUAL(base_h5_read_attr_double(h, "/", "version", &d, &e), BASE_OK); /* int->double */
    CU_ASSERT_EQUAL(d, 7.0);
    CU_ASSERT_EQUAL(base_h5_read_attr_int(h, "meta/sub", "k", &v, &e), BASE_OK);
    CU_ASSERT_EQUAL(v, 3);
    CU_ASSERT_EQUAL(base_h5_attr_kind_of(h, "/", "format"), BASE_H5_ATTR_STRING);
    CU_ASSERT_EQUAL(base_h5_attr_kind_of(h, "/", "version"), BASE_H5_ATTR_INT);
    CU_ASSERT_EQUAL(base_h5_attr_kind_of(h, "/", "rate"), BASE_H5_ATTR_FLOAT);
    CU_ASSERT_EQUAL(base_h5_attr_kind_of(h, "/", "nope"), BASE_H5_ATTR_MISSING);

    /* wrong types and missing names */
    CU_ASSERT_EQUAL(base_h5_read_attr_int(h, "/", "rate", &v, &e), BASE_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "not an integer"));
    CU_ASSERT_EQUAL(base_h5_read_attr_int(h, "/", "format", &v, &e), BASE_EFORMAT);
    CU_ASSERT_EQUAL(base_h5_read_attr_str(h, "/", "version", s, sizeof s, &e), BASE_EFORMAT);
    CU_ASSERT_EQUAL(base_h5_read_attr_str(h, "/", "format", s, 4, &e), BASE_ERANGE);
    CU_ASSERT_EQUAL(base_h5_read_attr_int(h, "/", "missing", &v, &e), BASE_ENOTFOUND);
    CU_ASSERT_STRING_EQUAL(e.msg, "attribute 'missing' missing on /");
    CU_ASSERT_STRING_EQUAL(e.file, path);
    CU_ASSERT_EQUAL(base_h5_read_attr_int(h, "nogroup", "k", &v, &e), BASE_ENOTFOUND);
    CU_ASSERT_EQUAL(base_h5_read_tensor(h, "params/zz", ra, 24, &e), BASE_ENOTFOUND);
    CU_ASSERT_STRING_EQUAL(e.msg, "tensor params/zz missing");
    CU_ASSERT_EQUAL(base_h5_tensor_shape(h, "params", &rank, shape, &e), BASE_EFORMAT);
    /* read-only handle refuses writes */
    CU_ASSERT_EQUAL(base_h5_write_tensor(h, "x", 1, sb, b, &e), BASE_EINVAL);

    /* listing */
    char **names = NULL;
    base_h5_kind *kinds = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL(base_h5_list(h, "/", &names, &kinds, &n, &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(n, 2);
    CU_ASSERT_STRING_EQUAL(names[0], "meta");
    CU_ASSERT_STRING_EQUAL(names[1], "params");
    CU_ASSERT_EQUAL(kinds[1], BASE_H5_GROUP);
    base_h5_names_free(names, n);
    free(kinds);
    CU_ASSERT_EQUAL(base_h5_list(h, "params", &names, &kinds, &n, &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(n, 2);
    CU_ASSERT_STRING_EQUAL(names[0], "b");
    CU_ASSERT_STRING_EQUAL(names[1], "enc.conv0.w");
    CU_ASSERT_EQUAL(kinds[0], BASE_H5_DATASET);
    base_h5_names_free(names, n);
    free(kinds);
    CU_ASSERT_EQUAL(base_h5_list_attrs(h, "/", &names, &n, &e), BASE_OK);
    CU_ASSERT_EQUAL(n, 3);
    base_h5_names_free(names, n);
    CU_ASSERT_EQUAL(base_h5_list(h, "params/b", &names, NULL, &n, &e), BASE_EFORMAT);
    CU_ASSERT_EQUAL(base_h5_close(h, &e), BASE_OK);
}

static void write_bytes(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    if (n) fwrite(data, 1, n, f);
    fclose(f);
}

static void test_bad_files(void)
{
    char path[512];
    base_err e = BASE_ERR_INIT;
    base_h5 *h = (base_h5 *)1;

    tmp(path, sizeof path, "missing.h5");
    CU_ASSERT_EQUAL(base_h5_open(path, &h, &e), BASE_EIO);
    CU_ASSERT_PTR_NULL(h);
    CU_ASSERT_STRING_EQUAL(e.file, path);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "No such file"));

    tmp(path, sizeof path, "text.h5");
    write_bytes(path, "hello, not hdf5\n", 16);
    CU_ASSERT_EQUAL(base_h5_open(path, &h, &e), BASE_EFORMAT);
    CU_ASSERT_STRING_EQUAL(e.msg, "not an HDF5 file");

    tmp(path, sizeof path, "empty.h5");
    write_bytes(path, "", 0);
    CU_ASSERT_EQUAL(base_h5_open(path, &h, &e), BASE_EFORMAT);

    CU_ASSERT_EQUAL(base_h5_open(test_tmpdir(), &h, &e), BASE_EIO);

    /* a real file cut in half */
    char full[512];
    tmp(full, sizeof full, "full.h5");
    CU_ASSERT_EQUAL_FATAL(base_h5_create(full, &h, &e), BASE_OK);
    static float big[4096];
    for (int i = 0; i < 4096; i++) big[i] = (float)i;
    size_t s[2] = {64, 64};
    CU_ASSERT_EQUAL(base_h5_write_tensor(h, "p/w", 2, s, big, &e), BASE_OK);
    CU_ASSERT_EQUAL(base_h5_write_attr_str(h, "/", "format", "x", &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(base_h5_close(h, &e), BASE_OK);
    FILE *f = fopen(full, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    static unsigned char bytes[65536];
    size_t nb = fread(bytes, 1, sizeof bytes, f);
    fclose(f);
    CU_ASSERT_FATAL(nb > 16384);
    tmp(path, sizeof path, "cut.h5");
    write_bytes(path, bytes, nb / 2);
    base_status st = base_h5_open(path, &h, &e);
    if (st == BASE_OK) { /* HDF5 may open it; the data read must then fail */
        float r[4096];
        st = base_h5_read_tensor(h, "p/w", r, 4096, &e);
        base_h5_close(h, NULL);
    }
    CU_ASSERT_EQUAL(st, BASE_EFORMAT);
    CU_ASSERT_STRING_EQUAL(e.file, path);
    fprintf(stderr, "  truncated file message: %s\n", e.msg);
}

static void test_discard_and_failed_write(void)
{
    char path[512], partial[600];
    base_err e = BASE_ERR_INIT;
    base_h5 *h = NULL;
    tmp(path, sizeof path, "keep.h5");
    snprintf(partial, sizeof partial, "%s.partial", path);
    /* an older file survives a discarded write */
    write_bytes(path, "old", 3);
    CU_ASSERT_EQUAL_FATAL(base_h5_create(path, &h, &e), BASE_OK);
    float x = 1;
    size_t one = 1;
    CU_ASSERT_EQUAL(base_h5_write_tensor(h, "x", 1, &one, &x, &e), BASE_OK);
    base_h5_discard(h);
    CU_ASSERT_FALSE(file_exists(partial));
    FILE *f = fopen(path, "rb");
    char buf[8] = {0};
    CU_ASSERT_EQUAL(fread(buf, 1, 8, f), 3);
    fclose(f);
    CU_ASSERT_STRING_EQUAL(buf, "old");

    /* bad arguments */
    CU_ASSERT_EQUAL(base_h5_create("", &h, &e), BASE_EINVAL);
    CU_ASSERT_EQUAL(base_h5_create("/nonexistent-dir/x.h5", &h, &e), BASE_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "cannot create"));
    CU_ASSERT_EQUAL_FATAL(base_h5_create(path, &h, &e), BASE_OK);
    size_t zero = 0, five[5] = {1, 1, 1, 1, 1};
    CU_ASSERT_EQUAL(base_h5_write_tensor(h, "x", 1, &zero, &x, &e), BASE_EINVAL);
    CU_ASSERT_EQUAL(base_h5_write_tensor(h, "x", 5, five, &x, &e), BASE_EINVAL);
    CU_ASSERT_EQUAL(base_h5_write_tensor(h, "", 1, &one, &x, &e), BASE_EINVAL);
    CU_ASSERT_EQUAL(base_h5_write_attr_str(h, "/", "s", NULL, &e), BASE_EINVAL);
    /* a failed HDF5 write poisons the file: close refuses to commit it */
    CU_ASSERT_EQUAL(base_h5_write_tensor(h, "x", 1, &one, &x, &e), BASE_OK);
    CU_ASSERT_NOT_EQUAL(base_h5_write_attr_int(h, "x/y", "k", 1, &e), BASE_OK); /* x is a dataset */
    CU_ASSERT_NOT_EQUAL(base_h5_close(h, &e), BASE_OK);
    CU_ASSERT_FALSE(file_exists(partial));
    f = fopen(path, "rb");
    CU_ASSERT_EQUAL(fread(buf, 1, 8, f), 3); /* still the old file */
    fclose(f);
    CU_ASSERT_EQUAL(base_h5_close(NULL, &e), BASE_OK);
    base_h5_discard(NULL);
}

int main(void)
{
    static const test_case cases[] = {
        {"round trip", test_round_trip},
        {"bad files", test_bad_files},
        {"discard and failed write", test_discard_and_failed_write},
        {NULL, NULL},
    };
    return test_main("h5io", cases);
}
