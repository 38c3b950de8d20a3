/* test_h5seal.c -- sealed HDF5 files (base/h5seal.c): the header written on
 * close and checked before libhdf5 opens the file; each kind of damage gives
 * its error; an unsealed HDF5 file is told apart; bad tags are refused. */
#include "base/h5io.h"
#include "tests/testutil.h"

#include <stdio.h>
#include <string.h>

static void write_file(const char *path, int sealed)
{
    base_err e = BASE_ERR_INIT;
    base_h5 *h = NULL;
    base_status st =
        sealed ? base_h5_create_sealed(path, "test-tag", &h, &e) : base_h5_create(path, &h, &e);
    CU_ASSERT_EQUAL_FATAL(st, BASE_OK);
    float x[5] = {1, 2, 3, 4, 5};
    size_t s[1] = {5};
    CU_ASSERT_EQUAL(base_h5_write_tensor(h, "t", 1, s, x, &e), BASE_OK);
    CU_ASSERT_EQUAL(base_h5_write_attr_str_fixed(h, "/", "a", "value", &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(base_h5_close(h, &e), BASE_OK);
}

static void test_round_trip(void)
{
    char path[512];
    write_file(test_tmppath(path, sizeof path, "s.h5"), 1);
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL(base_h5_check_seal(path, "test-tag", &e), BASE_OK);
    base_h5 *h = NULL;
    CU_ASSERT_EQUAL_FATAL(base_h5_open_sealed(path, "test-tag", &h, &e), BASE_OK);
    float y[5] = {0};
    CU_ASSERT_EQUAL(base_h5_read_tensor(h, "t", y, 5, &e), BASE_OK);
    CU_ASSERT_EQUAL(y[4], 5.0f);
    char buf[16];
    CU_ASSERT_EQUAL(base_h5_read_attr_str(h, "/", "a", buf, sizeof buf, &e), BASE_OK);
    CU_ASSERT_STRING_EQUAL(buf, "value");
    CU_ASSERT_EQUAL(base_h5_close(h, &e), BASE_OK);
    /* the header is the documented text */
    FILE *f = fopen(path, "rb");
    char blk[BASE_H5_SEAL_BLOCK + 1] = {0};
    CU_ASSERT_EQUAL(fread(blk, 1, BASE_H5_SEAL_BLOCK, f), BASE_H5_SEAL_BLOCK);
    fclose(f);
    CU_ASSERT_EQUAL(strncmp(blk, "SEMSIM-SEALED-HDF5 1\ntag test-tag\nbytes ", 39), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(blk, "\nfnv1a64 "));
}

static void test_errors(void)
{
    char path[512], raw[512];
    base_err e = BASE_ERR_INIT;
    write_file(test_tmppath(path, sizeof path, "s2.h5"), 1);
    CU_ASSERT_EQUAL(base_h5_check_seal(path, "other", &e), BASE_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "is a sealed 'test-tag' file, expected 'other'"));
    CU_ASSERT_STRING_EQUAL(e.file, path);
    write_file(test_tmppath(raw, sizeof raw, "raw.h5"), 0);
    base_h5 *h = NULL;
    CU_ASSERT_EQUAL(base_h5_open_sealed(raw, "test-tag", &h, &e), BASE_EUNSUPPORTED);
    CU_ASSERT_PTR_NULL(h);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "without semsim's integrity header"));
    CU_ASSERT_EQUAL(base_h5_check_seal(test_tmppath(raw, sizeof raw, "none.h5"), "test-tag", &e),
                    BASE_EIO);
    CU_ASSERT_EQUAL(base_h5_check_seal(path, "bad tag", &e), BASE_EINVAL);
    CU_ASSERT_EQUAL(base_h5_check_seal(path, "", &e), BASE_EINVAL);
    CU_ASSERT_EQUAL(base_h5_create_sealed(raw, "x\ny", &h, &e), BASE_EINVAL);
    /* one flipped bit anywhere after the block */
    FILE *f = fopen(path, "r+b");
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, n - 3, SEEK_SET);
    int c = fgetc(f);
    fseek(f, n - 3, SEEK_SET);
    fputc(c ^ 4, f);
    fclose(f);
    CU_ASSERT_EQUAL(base_h5_open_sealed(path, "test-tag", &h, &e), BASE_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "checksum mismatch"));
    /* a failed write leaves no file: the seal is never applied to a partial */
    CU_ASSERT_EQUAL(base_h5_create_sealed("/nonexistent-dir/x.h5", "t", &h, &e), BASE_EIO);
}

int main(void)
{
    static const test_case cases[] = {
        {"sealed round trip", test_round_trip},
        {"errors", test_errors},
        {NULL, NULL},
    };
    return test_main("h5seal", cases);
}
