/* test_fs.c -- mkdir -p (new, existing, through a file), is_file, and the
 * atomic write: whole content, no temporary left, an existing file replaced
 * and a failing write leaving the old file intact (base/fs). */
#include "base/fs.h"
#include "tests/testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static void test_mkdirs(void)
{
    char dir[700], file[700];
    base_err e = BASE_ERR_INIT;
    snprintf(dir, sizeof dir, "%s/fs/a/b/c", test_tmpdir());
    CU_ASSERT_EQUAL(base_fs_mkdirs(dir, &e), BASE_OK);
    struct stat sb;
    CU_ASSERT(stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode));
    CU_ASSERT_EQUAL(base_fs_mkdirs(dir, &e), BASE_OK); /* exists: fine */
    snprintf(file, sizeof file, "%s/fs/plain", test_tmpdir());
    CU_ASSERT_EQUAL(base_fs_write_atomic(file, "x", 1, &e), BASE_OK);
    CU_ASSERT(base_fs_is_file(file));
    CU_ASSERT(!base_fs_is_file(dir));
    snprintf(dir, sizeof dir, "%s/fs/plain/sub", test_tmpdir());
    CU_ASSERT_EQUAL(base_fs_mkdirs(dir, &e), BASE_EIO);
    CU_ASSERT_EQUAL(base_fs_mkdirs("", &e), BASE_EINVAL);
}

static size_t count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    for (struct dirent *x; d && (x = readdir(d));) n += x->d_name[0] != '.';
    if (d) closedir(d);
    return n;
}

static void test_atomic(void)
{
    char dir[700], path[800], buf[64] = {0};
    base_err e = BASE_ERR_INIT;
    snprintf(dir, sizeof dir, "%s/fs-atomic", test_tmpdir());
    CU_ASSERT_EQUAL_FATAL(base_fs_mkdirs(dir, &e), BASE_OK);
    snprintf(path, sizeof path, "%s/out.txt", dir);
    CU_ASSERT_EQUAL(base_fs_write_atomic(path, "first", 5, &e), BASE_OK);
    CU_ASSERT_EQUAL(base_fs_write_atomic(path, "second", 6, &e), BASE_OK);
    FILE *f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(fread(buf, 1, sizeof buf - 1, f), 6);
    fclose(f);
    CU_ASSERT_STRING_EQUAL(buf, "second");
    CU_ASSERT_EQUAL(count_entries(dir), 1); /* no temporary left behind */
    /* a folder cannot be written: the old file stays */
    snprintf(path, sizeof path, "%s/missing/out.txt", dir);
    CU_ASSERT_EQUAL(base_fs_write_atomic(path, "x", 1, &e), BASE_EIO);
    CU_ASSERT_EQUAL(count_entries(dir), 1);
}

int main(void)
{
    static const test_case cases[] = {
        {"mkdirs", test_mkdirs}, {"atomic", test_atomic}, {NULL, NULL}};
    return test_main("fs", cases);
}
