/* test_h5io.c -- the HDF5 wrapper (base/h5io, base/h5names, base/h5table):
 * tensor/attribute round trip, partial-file commit, resume and checked close,
 * links and listing, compound tables (create, append, read back, subsets),
 * arrays with dimension scales, and bad files/arguments giving clear errors. */
#include "base/h5io.h"
#include "base/h5table.h"
#include "tests/testutil.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void test_round_trip(void)
{
    char path[512], partial[600];
    test_tmppath(path, sizeof path, "rt.h5");
    snprintf(partial, sizeof partial, "%s.partial", path);
    float a[2 * 3 * 4], b[5];
    for (int i = 0; i < 24; i++) a[i] = (float)(i * 0.37 - 3.1) / 7.0f;
    for (int i = 0; i < 5; i++) b[i] = ldexpf(1.0f, -140 + i); /* subnormals survive */
    b[4] = -0.0f;
    base_err e = BASE_ERR_INIT;
    base_h5 *h = NULL;
    CU_ASSERT_EQUAL_FATAL(base_h5_create(path, &h, &e), BASE_OK);
    CU_ASSERT_TRUE(test_exists(partial));
    CU_ASSERT_FALSE(test_exists(path));
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
    CU_ASSERT_TRUE(test_exists(path));
    CU_ASSERT_FALSE(test_exists(partial));

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

/* The same tensors written a second apart give the same bytes (no modification
 * times in the object headers: model and head files are hashed as cache keys). */
static void write_two(const char *path)
{
    float w[6] = {1, 2, 3, 4, 5, 6};
    size_t sh[2] = {2, 3};
    base_err e = BASE_ERR_INIT;
    base_h5 *h = NULL;
    CU_ASSERT_EQUAL_FATAL(base_h5_create(path, &h, &e), BASE_OK);
    CU_ASSERT_EQUAL(base_h5_write_tensor(h, "params/w", 2, sh, w, &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(base_h5_close(h, &e), BASE_OK);
}

static void test_same_bytes(void)
{
    char p1[512], p2[512];
    test_tmppath(p1, sizeof p1, "same1.h5");
    test_tmppath(p2, sizeof p2, "same2.h5");
    write_two(p1);
    struct timespec ts = {1, 100000000L}; /* into the next second */
    nanosleep(&ts, NULL);
    write_two(p2);
    size_t n1 = 0, n2 = 0;
    char *b1 = test_slurp(p1, &n1), *b2 = test_slurp(p2, &n2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b2);
    CU_ASSERT(n1 == n2 && !memcmp(b1, b2, n1));
    free(b1), free(b2);
}

static void test_bad_files(void)
{
    char path[512];
    base_err e = BASE_ERR_INIT;
    base_h5 *h = (base_h5 *)1;

    test_tmppath(path, sizeof path, "missing.h5");
    CU_ASSERT_EQUAL(base_h5_open(path, &h, &e), BASE_EIO);
    CU_ASSERT_PTR_NULL(h);
    CU_ASSERT_STRING_EQUAL(e.file, path);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "No such file"));

    test_tmppath(path, sizeof path, "text.h5");
    write_bytes(path, "hello, not hdf5\n", 16);
    CU_ASSERT_EQUAL(base_h5_open(path, &h, &e), BASE_EFORMAT);
    CU_ASSERT_STRING_EQUAL(e.msg, "not an HDF5 file");

    test_tmppath(path, sizeof path, "empty.h5");
    write_bytes(path, "", 0);
    CU_ASSERT_EQUAL(base_h5_open(path, &h, &e), BASE_EFORMAT);

    CU_ASSERT_EQUAL(base_h5_open(test_tmpdir(), &h, &e), BASE_EIO);

    /* a real file cut in half */
    char full[512];
    test_tmppath(full, sizeof full, "full.h5");
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
    test_tmppath(path, sizeof path, "cut.h5");
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
    test_tmppath(path, sizeof path, "keep.h5");
    snprintf(partial, sizeof partial, "%s.partial", path);
    /* an older file survives a discarded write */
    write_bytes(path, "old", 3);
    CU_ASSERT_EQUAL_FATAL(base_h5_create(path, &h, &e), BASE_OK);
    float x = 1;
    size_t one = 1;
    CU_ASSERT_EQUAL(base_h5_write_tensor(h, "x", 1, &one, &x, &e), BASE_OK);
    base_h5_discard(h);
    CU_ASSERT_FALSE(test_exists(partial));
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
    CU_ASSERT_FALSE(test_exists(partial));
    f = fopen(path, "rb");
    CU_ASSERT_EQUAL(fread(buf, 1, 8, f), 3); /* still the old file */
    fclose(f);
    CU_ASSERT_EQUAL(base_h5_close(NULL, &e), BASE_OK);
    base_h5_discard(NULL);
}

/* ---- tables ------------------------------------------------------------------- */

typedef struct trow {
    double x;
    int64_t k;
    char tag[12];
    const char *text;
} trow;

static const base_h5_col trow_cols[] = {
    {"x", BASE_H5_F64, offsetof(trow, x), 0},
    {"k", BASE_H5_I64, offsetof(trow, k), 0},
    {"tag", BASE_H5_STR, offsetof(trow, tag), 12},
    {"text", BASE_H5_VSTR, offsetof(trow, text), 0},
};
static const base_h5_table trow_table = {trow_cols, 4, sizeof(trow)};

/* the readable part of a trow: text (variable-length) is not read back */
typedef struct rrow {
    int64_t k;
    char tag[12];
    double x;
} rrow;
static const base_h5_col rrow_cols[] = {
    {"k", BASE_H5_I64, offsetof(rrow, k), 0},
    {"tag", BASE_H5_STR, offsetof(rrow, tag), 12},
    {"x", BASE_H5_F64, offsetof(rrow, x), 0},
};
static const base_h5_table rrow_table = {rrow_cols, 3, sizeof(rrow)};

static trow make_row(int i)
{
    trow r;
    memset(&r, 0, sizeof r);
    r.x = i * 0.1 - 1e-300;
    r.k = (int64_t)i * -1000000007LL;
    snprintf(r.tag, sizeof r.tag, "t%d", i);
    r.text = i % 2 ? "ünïcode" : "";
    return r;
}

static void test_table_round_trip(void)
{
    char path[512];
    test_tmppath(path, sizeof path, "table.h5");
    base_err e = BASE_ERR_INIT;
    base_h5 *h = NULL;
    CU_ASSERT_EQUAL_FATAL(base_h5_create(path, &h, &e), BASE_OK);
    trow rows[5];
    for (int i = 0; i < 5; i++) rows[i] = make_row(i);
    /* extendible: two rows, then append one and two */
    CU_ASSERT_EQUAL(base_h5_table_create(h, "t", &trow_table, 4, rows, 2, &e), BASE_OK);
    CU_ASSERT_EQUAL(base_h5_table_append(h, "t", &trow_table, &rows[2], 1, &e), BASE_OK);
    CU_ASSERT_EQUAL(base_h5_table_append(h, "t", &trow_table, &rows[3], 2, &e), BASE_OK);
    CU_ASSERT_EQUAL(base_h5_table_append(h, "t", &trow_table, NULL, 0, &e), BASE_OK);
    /* fixed size, in a new group, and empty */
    CU_ASSERT_EQUAL(base_h5_table_create(h, "g/sub/fixed", &trow_table, 0, rows, 3, &e), BASE_OK);
    CU_ASSERT_EQUAL(base_h5_table_create(h, "empty", &trow_table, 8, NULL, 0, &e), BASE_OK);
    CU_ASSERT_EQUAL(base_h5_table_create(h, "t", &trow_table, 4, rows, 1, &e), BASE_EEXIST);
    /* a fixed-size table cannot grow */
    CU_ASSERT_EQUAL(base_h5_table_append(h, "g/sub/fixed", &trow_table, rows, 1, &e), BASE_EIO);
    CU_ASSERT_EQUAL(base_h5_close_partial(h, &e), BASE_OK);

    /* resume the partial file (the failed append above does not spoil it) */
    CU_ASSERT_EQUAL_FATAL(base_h5_resume(path, &h, &e), BASE_OK);
    size_t n = 0;
    CU_ASSERT_EQUAL(base_h5_table_len(h, "t", &n, &e), BASE_OK);
    CU_ASSERT_EQUAL(n, 5);
    CU_ASSERT_EQUAL(base_h5_table_len(h, "empty", &n, &e), BASE_OK);
    CU_ASSERT_EQUAL(n, 0);
    rrow back[5];
    memset(back, 0xab, sizeof back);
    CU_ASSERT_EQUAL(base_h5_table_read(h, "t", &rrow_table, back, 5, &e), BASE_OK);
    for (int i = 0; i < 5; i++) {
        CU_ASSERT_EQUAL(memcmp(&back[i].x, &rows[i].x, sizeof(double)), 0);
        CU_ASSERT_EQUAL(back[i].k, rows[i].k);
        CU_ASSERT_STRING_EQUAL(back[i].tag, rows[i].tag);
    }
    CU_ASSERT_EQUAL(base_h5_table_read(h, "g/sub/fixed", &rrow_table, back, 3, &e), BASE_OK);
    CU_ASSERT_EQUAL(back[2].k, rows[2].k);
    /* a rewrite: delete and create again, sorted the other way */
    trow rev[5];
    for (int i = 0; i < 5; i++) rev[i] = rows[4 - i];
    CU_ASSERT_EQUAL(base_h5_delete(h, "t", &e), BASE_OK);
    CU_ASSERT_FALSE(base_h5_exists(h, "t"));
    CU_ASSERT_EQUAL(base_h5_table_create(h, "t", &trow_table, 4, rev, 5, &e), BASE_OK);
    CU_ASSERT_EQUAL(base_h5_flush(h, &e), BASE_OK);
    CU_ASSERT_EQUAL(base_h5_close(h, &e), BASE_OK);

    CU_ASSERT_EQUAL_FATAL(base_h5_open(path, &h, &e), BASE_OK);
    CU_ASSERT_EQUAL(base_h5_table_read(h, "t", &rrow_table, back, 5, &e), BASE_OK);
    CU_ASSERT_EQUAL(back[0].k, rows[4].k);
    CU_ASSERT_STRING_EQUAL(back[4].tag, "t0");
    /* bad reads */
    CU_ASSERT_EQUAL(base_h5_table_read(h, "t", &rrow_table, back, 4, &e), BASE_EFORMAT);
    CU_ASSERT(strstr(e.msg, "has 5 rows, expected 4") != NULL);
    CU_ASSERT_EQUAL(base_h5_table_read(h, "nope", &rrow_table, back, 1, &e), BASE_ENOTFOUND);
    CU_ASSERT_STRING_EQUAL(e.file, path);
    CU_ASSERT_EQUAL(base_h5_table_read(h, "t", &trow_table, rows, 5, &e), BASE_EINVAL);
    static const base_h5_col missing[] = {{"nosuch", BASE_H5_F64, 0, 0}};
    const base_h5_table mt = {missing, 1, sizeof(double)};
    double d[5];
    CU_ASSERT_EQUAL(base_h5_table_read(h, "t", &mt, d, 5, &e), BASE_EFORMAT);
    CU_ASSERT_EQUAL(base_h5_table_len(h, "nope", &n, &e), BASE_ENOTFOUND);
    /* a file opened read-only takes no writes */
    CU_ASSERT_EQUAL(base_h5_table_append(h, "t", &trow_table, rows, 1, &e), BASE_EINVAL);
    CU_ASSERT_EQUAL(base_h5_table_create(h, "u", &trow_table, 0, rows, 1, &e), BASE_EINVAL);
    CU_ASSERT_EQUAL(base_h5_close(h, &e), BASE_OK);
}

static void test_arrays_scales_attrs(void)
{
    char path[512];
    test_tmppath(path, sizeof path, "grid.h5");
    base_err e = BASE_ERR_INIT;
    base_h5 *h = NULL;
    CU_ASSERT_EQUAL_FATAL(base_h5_create(path, &h, &e), BASE_OK);
    double snr[3] = {0, 5, 10}, v[6] = {1, 2, 3, 4, 5, 6};
    int64_t rep[2] = {0, 1};
    const char *names[3] = {"a", "bb", "ccc"};
    size_t n3 = 3, n2 = 2, shape[2] = {3, 2};
    CU_ASSERT_EQUAL(base_h5_create_group(h, "grid", &e), BASE_OK);
    CU_ASSERT_EQUAL(base_h5_create_group(h, "grid", &e), BASE_EEXIST);
    CU_ASSERT_EQUAL(base_h5_write_array(h, "grid/snr", BASE_H5_F64, 1, &n3, snr, &e), BASE_OK);
    CU_ASSERT_EQUAL(base_h5_write_array(h, "grid/name", BASE_H5_VSTR, 1, &n3, names, &e), BASE_OK);
    CU_ASSERT_EQUAL(base_h5_write_array(h, "grid/repeat", BASE_H5_I64, 1, &n2, rep, &e), BASE_OK);
    CU_ASSERT_EQUAL(base_h5_write_array(h, "grid/v", BASE_H5_F64, 2, shape, v, &e), BASE_OK);
    CU_ASSERT_EQUAL(base_h5_write_array(h, "grid/v", BASE_H5_F64, 2, shape, v, &e), BASE_EEXIST);
    CU_ASSERT_EQUAL(base_h5_write_array(h, "grid/w", BASE_H5_STR, 1, &n3, v, &e), BASE_EINVAL);
    CU_ASSERT_EQUAL(base_h5_set_scale(h, "grid/snr", "snr", &e), BASE_OK);
    CU_ASSERT_EQUAL(base_h5_set_scale(h, "grid/repeat", "repeat", &e), BASE_OK);
    CU_ASSERT_EQUAL(base_h5_attach_scale(h, "grid/name", "grid/snr", 0, &e), BASE_OK);
    CU_ASSERT_EQUAL(base_h5_attach_scale(h, "grid/v", "grid/snr", 0, &e), BASE_OK);
    CU_ASSERT_EQUAL(base_h5_attach_scale(h, "grid/v", "grid/repeat", 1, &e), BASE_OK);
    CU_ASSERT_EQUAL(base_h5_attach_scale(h, "grid/v", "grid/none", 1, &e), BASE_ENOTFOUND);
    /* H5LT-style attributes read back through the ordinary readers */
    CU_ASSERT_EQUAL(base_h5_write_attr_str_fixed(h, "/", "scenario", "[a]\nk = 1\n", &e), BASE_OK);
    CU_ASSERT_EQUAL(base_h5_write_attr_str_fixed(h, "/", "empty", "", &e), BASE_OK);
    CU_ASSERT_EQUAL(base_h5_write_attr_int1(h, "grid", "complete", 1, &e), BASE_OK);
    CU_ASSERT_EQUAL(base_h5_write_attr_int1(h, "grid", "complete", -3, &e), BASE_OK);
    CU_ASSERT_EQUAL(base_h5_close(h, &e), BASE_OK);

    CU_ASSERT_EQUAL_FATAL(base_h5_open(path, &h, &e), BASE_OK);
    char *s = NULL;
    CU_ASSERT_EQUAL(base_h5_read_attr_strdup(h, "/", "scenario", &s, &e), BASE_OK);
    CU_ASSERT_STRING_EQUAL(s, "[a]\nk = 1\n");
    free(s);
    CU_ASSERT_EQUAL(base_h5_read_attr_strdup(h, "/", "empty", &s, &e), BASE_OK);
    CU_ASSERT_STRING_EQUAL(s, "");
    free(s);
    CU_ASSERT_EQUAL(base_h5_read_attr_strdup(h, "/", "nope", &s, &e), BASE_ENOTFOUND);
    CU_ASSERT_PTR_NULL(s);
    int64_t k = 0;
    CU_ASSERT_EQUAL(base_h5_read_attr_int(h, "grid", "complete", &k, &e), BASE_OK);
    CU_ASSERT_EQUAL(k, -3);
    /* the scales carry the H5DS attributes */
    CU_ASSERT_EQUAL(base_h5_attr_kind_of(h, "grid/snr", "CLASS"), BASE_H5_ATTR_STRING);
    CU_ASSERT_EQUAL(base_h5_attr_kind_of(h, "grid/v", "DIMENSION_LIST"), BASE_H5_ATTR_OTHER);
    CU_ASSERT_EQUAL(base_h5_delete(h, "grid/v", &e), BASE_EINVAL); /* read-only */
    CU_ASSERT_EQUAL(base_h5_close(h, &e), BASE_OK);
    /* a failed HDF5 write spoils the file: close reports it and commits nothing */
    test_tmppath(path, sizeof path, "grid2.h5");
    CU_ASSERT_EQUAL_FATAL(base_h5_create(path, &h, &e), BASE_OK);
    CU_ASSERT_EQUAL(base_h5_write_array(h, "snr", BASE_H5_F64, 1, &n3, snr, &e), BASE_OK);
    CU_ASSERT_EQUAL(base_h5_write_array(h, "v", BASE_H5_F64, 2, shape, v, &e), BASE_OK);
    CU_ASSERT_EQUAL(base_h5_attach_scale(h, "v", "snr", 5, &e), BASE_EIO);
    CU_ASSERT_EQUAL(base_h5_close(h, &e), BASE_EIO);
    CU_ASSERT(strstr(e.msg, "earlier write failed") != NULL);
    CU_ASSERT_FALSE(test_exists(path));
}

static void test_resume_errors(void)
{
    char path[512], partial[600];
    test_tmppath(path, sizeof path, "resume.h5");
    snprintf(partial, sizeof partial, "%s.partial", path);
    base_err e = BASE_ERR_INIT;
    base_h5 *h = NULL;
    remove(partial);
    CU_ASSERT_EQUAL(base_h5_resume(path, &h, &e), BASE_ENOTFOUND);
    CU_ASSERT_PTR_NULL(h);
    write_bytes(partial, "garbage garbage", 15);
    CU_ASSERT_EQUAL(base_h5_resume(path, &h, &e), BASE_EFORMAT);
    CU_ASSERT(strstr(e.msg, "damaged") != NULL);
    CU_ASSERT_EQUAL(base_h5_flush(NULL, &e), BASE_EINVAL);
    CU_ASSERT_EQUAL(base_h5_close_partial(NULL, &e), BASE_OK);
    CU_ASSERT_EQUAL(base_h5_delete(NULL, "x", &e), BASE_EINVAL);
    CU_ASSERT_FALSE(base_h5_exists(NULL, "x"));
}

int main(void)
{
    static const test_case cases[] = {
    {"the same tensors give the same bytes a second later", test_same_bytes},
        {"round trip", test_round_trip},
        {"bad files", test_bad_files},
        {"discard and failed write", test_discard_and_failed_write},
        {"table round trip, append, read back", test_table_round_trip},
        {"arrays, scales, H5LT-style attributes", test_arrays_scales_attrs},
        {"resume and bad arguments", test_resume_errors},
        {NULL, NULL},
    };
    return test_main("h5io", cases);
}
